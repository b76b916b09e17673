//! Managed transfers on the S3 client, as boto3 injects them
//! (`upload_file`, `upload_fileobj`, `download_file`, `download_fileobj`,
//! `copy`). The engine is the runtime's [`boto_runtime::transfer`]; these are
//! its typed entry points. Extra arguments are the typed inputs
//! (`types::PutObjectRequest`, `types::GetObjectRequest`,
//! `types::CopyObjectRequest`) instead of boto3's `ExtraArgs` dict.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let s3 = boto_s3::Client::new(&boto_s3::Session::new());
//! s3.upload_file("my-bucket", "backups/db.tar", "/var/backups/db.tar")
//!     .extra(boto_s3::types::PutObjectRequest {
//!         storage_class: Some("STANDARD_IA".into()),
//!         ..Default::default()
//!     })
//!     .on_progress(|p| eprintln!("{} of {:?} bytes", p.bytes, p.total))
//!     .send()
//!     .await?;
//! s3.download_file("my-bucket", "backups/db.tar", "/tmp/db.tar").send().await?;
//! # Ok(())
//! # }
//! ```

pub use boto_runtime::transfer::{
    CancellationToken, Copy, Download, Progress, TransferConfig, TransferError, TransferOutput,
    Upload,
};

use std::path::PathBuf;

use crate::Client;

impl Client {
    /// Uploads the file at `path` to `bucket`/`key`: one `PutObject`, or a
    /// multipart upload of parallel parts from 8 MiB (boto3's `upload_file`).
    pub fn upload_file(
        &self,
        bucket: impl Into<String>,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Upload {
        Upload::file(self.runtime(), bucket, key, path)
    }

    /// Uploads everything `reader` gives to `bucket`/`key`, part by part
    /// (boto3's `upload_fileobj`).
    pub fn upload_from(
        &self,
        bucket: impl Into<String>,
        key: impl Into<String>,
        reader: impl tokio::io::AsyncRead + Send + Unpin + 'static,
    ) -> Upload {
        Upload::reader(self.runtime(), bucket, key, reader)
    }

    /// Downloads `bucket`/`key` into the file at `path`, in parallel ranges
    /// written into place (boto3's `download_file`).
    pub fn download_file(
        &self,
        bucket: impl Into<String>,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Download {
        Download::file(self.runtime(), bucket, key, path)
    }

    /// Downloads `bucket`/`key` into `writer`, in order (boto3's `download_fileobj`).
    pub fn download_to(
        &self,
        bucket: impl Into<String>,
        key: impl Into<String>,
        writer: impl tokio::io::AsyncWrite + Send + Unpin + 'static,
    ) -> Download {
        Download::writer(self.runtime(), bucket, key, writer)
    }

    /// Copies `source_bucket`/`source_key` to `bucket`/`key`: `CopyObject`,
    /// or `UploadPartCopy` parts past 5 GiB (boto3's `copy`).
    pub fn copy(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> Copy {
        Copy::new(self.runtime(), source_bucket, source_key, bucket, key)
    }
}
