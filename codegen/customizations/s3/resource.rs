//! boto3's transfer methods on the `Bucket` and `Object` resources
//! (`inject.py`: `Bucket.upload_file`, `Object.download_file`, …).

use std::path::PathBuf;

use super::{Copy, Download, Upload};
use crate::resource::{Bucket, Object};

impl Bucket {
    /// Uploads the file at `path` as `key` in this bucket (boto3's `Bucket.upload_file`).
    pub fn upload_file(&self, path: impl Into<PathBuf>, key: impl Into<String>) -> Upload {
        self.client().upload_file(self.name(), key, path)
    }

    /// Uploads what `reader` gives as `key` (boto3's `Bucket.upload_fileobj`).
    pub fn upload_from(
        &self,
        reader: impl tokio::io::AsyncRead + Send + Unpin + 'static,
        key: impl Into<String>,
    ) -> Upload {
        self.client().upload_from(self.name(), key, reader)
    }

    /// Downloads `key` into the file at `path` (boto3's `Bucket.download_file`).
    pub fn download_file(&self, key: impl Into<String>, path: impl Into<PathBuf>) -> Download {
        self.client().download_file(self.name(), key, path)
    }

    /// Downloads `key` into `writer` (boto3's `Bucket.download_fileobj`).
    pub fn download_to(
        &self,
        key: impl Into<String>,
        writer: impl tokio::io::AsyncWrite + Send + Unpin + 'static,
    ) -> Download {
        self.client().download_to(self.name(), key, writer)
    }

    /// Copies `source_bucket`/`source_key` to `key` in this bucket (boto3's `Bucket.copy`).
    pub fn copy(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        key: impl Into<String>,
    ) -> Copy {
        self.client()
            .copy(source_bucket, source_key, self.name(), key)
    }
}

impl Object {
    /// Uploads the file at `path` as this object (boto3's `Object.upload_file`).
    pub fn upload_file(&self, path: impl Into<PathBuf>) -> Upload {
        self.client()
            .upload_file(self.bucket_name(), self.key(), path)
    }

    /// Uploads what `reader` gives as this object (boto3's `Object.upload_fileobj`).
    pub fn upload_from(
        &self,
        reader: impl tokio::io::AsyncRead + Send + Unpin + 'static,
    ) -> Upload {
        self.client()
            .upload_from(self.bucket_name(), self.key(), reader)
    }

    /// Downloads this object into the file at `path` (boto3's `Object.download_file`).
    pub fn download_file(&self, path: impl Into<PathBuf>) -> Download {
        self.client()
            .download_file(self.bucket_name(), self.key(), path)
    }

    /// Downloads this object into `writer` (boto3's `Object.download_fileobj`).
    pub fn download_to(
        &self,
        writer: impl tokio::io::AsyncWrite + Send + Unpin + 'static,
    ) -> Download {
        self.client()
            .download_to(self.bucket_name(), self.key(), writer)
    }

    /// Copies `source_bucket`/`source_key` onto this object (boto3's `Object.copy`).
    pub fn copy(&self, source_bucket: impl Into<String>, source_key: impl Into<String>) -> Copy {
        self.client()
            .copy(source_bucket, source_key, self.bucket_name(), self.key())
    }
}
