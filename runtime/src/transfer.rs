//! Managed S3 transfers, as boto3's s3transfer does them: [`Upload`] (a file
//! or any async reader), [`Download`] (to a file or any async writer) and
//! [`Copy`], driven by S3's operations through an S3 [`Client`].
//!
//! - Uploads at or above [`TransferConfig::multipart_threshold`] are
//!   multipart: parts of [`TransferConfig::part_size`], at most
//!   [`TransferConfig::max_concurrency`] in flight, each sent as it is read
//!   (file parts are read from the file, re-read on retry; reader parts are
//!   buffered, so memory stays at concurrency × part size), each with a
//!   CRC32 checksum (the object's `ChecksumAlgorithm`) that
//!   `CompleteMultipartUpload` lists. A failure that retries do not cure,
//!   a cancellation, or dropping the transfer aborts the multipart upload.
//! - Downloads ask `HeadObject` for the size and ETag, then read ranges in
//!   parallel (`If-Match` the ETag, so a changed object fails rather than
//!   mixes), written into place in a temporary file renamed at the end; a
//!   part whose body fails (a stall, a reset, a checksum mismatch) is asked
//!   again from where it stopped. A failed download leaves no file under the
//!   final name.
//! - Copies are one `CopyObject` up to [`TransferConfig::copy_threshold`]
//!   (5 GiB, S3's limit), `UploadPartCopy` parts past it.
//!
//! Extra arguments are the typed input of the operation boto3 would take
//! them for (`PutObjectRequest`, `GetObjectRequest`, `CopyObjectRequest`):
//! their members are copied, by name, into every operation that has them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value as J};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
pub use tokio_util::sync::CancellationToken;

use crate::body::{temp_path, BodyError, ByteStream};
use crate::client::Client;
use crate::dynamic::DynValue;
use crate::error::{Error, RawServiceError};
use crate::value::{De, Scalar, Ser};

/// 1 MiB.
const MIB: u64 = 1024 * 1024;
/// S3's limits: parts per upload, smallest and largest part.
const MAX_PARTS: u64 = 10_000;
const MIN_PART: u64 = 5 * MIB;
const MAX_PART: u64 = 5 * 1024 * MIB;
/// Downloaded bytes are written to the file in blocks of this size.
const WRITE_BLOCK: usize = 1024 * 1024;

/// How transfers split and pace their work (boto3's `TransferConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferConfig {
    /// Objects this large or larger are sent multipart and read in ranges (8 MiB).
    pub multipart_threshold: u64,
    /// The size of each part and range (8 MiB; raised when an object would
    /// need more than 10,000 parts).
    pub part_size: u64,
    /// Parts in flight at once (10).
    pub max_concurrency: usize,
    /// Copies of objects larger than this use `UploadPartCopy` (5 GiB).
    pub copy_threshold: u64,
    /// Times a download part is asked for when its body fails (5, s3transfer's).
    pub download_attempts: u32,
}

impl Default for TransferConfig {
    fn default() -> Self {
        TransferConfig {
            multipart_threshold: 8 * MIB,
            part_size: 8 * MIB,
            max_concurrency: 10,
            copy_threshold: MAX_PART,
            download_attempts: 5,
        }
    }
}

impl TransferConfig {
    /// The part size for an object of `size` bytes: the configured one,
    /// raised to fit in 10,000 parts, never under S3's 5 MiB minimum.
    pub fn part_size_for(&self, size: u64) -> u64 {
        let fit = size.div_ceil(MAX_PARTS);
        self.part_size.max(fit).max(MIN_PART).min(MAX_PART.max(fit))
    }
}

/// How far a transfer has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes done so far (parts uploaded, bytes written).
    pub bytes: u64,
    /// The whole size, when known.
    pub total: Option<u64>,
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Why a transfer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// An S3 call failed (after its own retries).
    #[error("{operation} failed: {source}")]
    Call {
        /// The operation (`UploadPart`).
        operation: &'static str,
        /// Why.
        #[source]
        source: Box<Error<RawServiceError>>,
    },
    /// Reading the source or writing the destination failed.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The transfer was cancelled ([`CancellationToken::cancel`]).
    #[error("the transfer was cancelled")]
    Cancelled,
    /// S3 answered something the transfer cannot go on from, or the
    /// arguments cannot work (a missing `UploadId`, extra arguments of the
    /// wrong shape).
    #[error("{0}")]
    Invalid(String),
}

/// What a finished transfer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferOutput {
    /// Bytes moved.
    pub bytes: u64,
    /// Parts (1 for a single request).
    pub parts: u32,
    /// The object's ETag, when S3 gave one.
    pub e_tag: Option<String>,
    /// The multipart upload's id, when there was one.
    pub upload_id: Option<String>,
}

/// Settings every transfer kind shares.
struct Common {
    client: Client,
    config: TransferConfig,
    extra: Option<Box<dyn Ser + Send + Sync>>,
    progress: Option<ProgressFn>,
    cancel: CancellationToken,
}

impl Common {
    fn new(client: &Client) -> Common {
        Common {
            client: client.clone(),
            config: TransferConfig::default(),
            extra: None,
            progress: None,
            cancel: CancellationToken::new(),
        }
    }

    /// The extra arguments as JSON (the runtime's view format), read as a
    /// value of shape `shape` (`PutObjectRequest`).
    fn extra_json(&self, shape: &str) -> Result<Map<String, J>, TransferError> {
        let Some(extra) = &self.extra else {
            return Ok(Map::new());
        };
        let service = self.client.service();
        let id = service
            .operation(shape.trim_end_matches("Request"))
            .and_then(|o| o.input)
            .ok_or_else(|| TransferError::Invalid(format!("no shape {shape}")))?;
        match crate::view::to_json(service, id, extra.as_ref()) {
            J::Object(m) => Ok(m),
            _ => Err(TransferError::Invalid(format!(
                "extra arguments must be a {shape}"
            ))),
        }
    }
}

/// The builder methods of every transfer.
macro_rules! common_setters {
    ($extra:literal) => {
        /// Part size, threshold and concurrency (boto3's defaults otherwise).
        pub fn config(mut self, config: TransferConfig) -> Self {
            self.common.config = config;
            self
        }
        #[doc = concat!("Extra arguments: a `", $extra, "` whose members are copied, by name, into each call that has them.")]
        pub fn extra(mut self, args: impl Ser + Send + Sync + 'static) -> Self {
            self.common.extra = Some(Box::new(args));
            self
        }
        /// Calls `f` as bytes are done (uploads: per part; downloads: per write).
        pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
            self.common.progress = Some(Arc::new(f));
            self
        }
        /// Stops the transfer when `token` is cancelled (aborting a multipart upload).
        pub fn cancel_on(mut self, token: CancellationToken) -> Self {
            self.common.cancel = token;
            self
        }
    };
}

/// Counts done bytes and reports them.
struct Meter {
    done: AtomicU64,
    total: Option<u64>,
    report: Option<ProgressFn>,
}

impl Meter {
    fn new(total: Option<u64>, report: Option<ProgressFn>) -> Meter {
        Meter {
            done: AtomicU64::new(0),
            total,
            report,
        }
    }
    fn add(&self, n: u64) {
        let bytes = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(f) = &self.report {
            f(Progress {
                bytes,
                total: self.total,
            });
        }
    }
}

// ---- calls ----

/// Calls S3 operation `op` with `params` (the view format of its input)
/// and `body` as its streaming payload; returns the output and its view.
async fn call(
    client: &Client,
    op: &'static str,
    params: Map<String, J>,
    body: Option<ByteStream>,
) -> Result<(DynValue, Map<String, J>), TransferError> {
    let service = client.service();
    let operation = service
        .operation(op)
        .ok_or_else(|| TransferError::Invalid(format!("{} has no {op}", service.name)))?;
    let mut input = DynValue::Empty;
    if let Some(shape) = operation.input {
        let st = service.shape(shape).structure();
        // Only the members this operation has (extra arguments are shared).
        let params: Map<String, J> = params
            .into_iter()
            .filter(|(k, _)| st.is_some_and(|st| st.member_index(k).is_some()))
            .collect();
        crate::view::write(service, shape, &J::Object(params), &mut input)
            .map_err(|e| TransferError::Invalid(format!("{op} input: {e}")))?;
        if let (Some(body), Some(st)) = (body, st) {
            let index = st
                .member_index("Body")
                .ok_or_else(|| TransferError::Invalid(format!("{op} has no Body")))?;
            input
                .member(index)
                .and_then(|slot| slot.set(Scalar::Stream(body)))
                .map_err(|e| TransferError::Invalid(format!("{op} body: {e}")))?;
        }
    }
    let mut output = DynValue::Empty;
    client
        .call(operation, Some(&input), &mut output)
        .await
        .map_err(|source| TransferError::Call {
            operation: op,
            source: Box::new(source),
        })?;
    let view = match operation.output {
        Some(shape) => match crate::view::to_json(service, shape, &output) {
            J::Object(m) => m,
            _ => Map::new(),
        },
        None => Map::new(),
    };
    Ok((output, view))
}

/// The streaming `Body` of a `GetObject` output.
fn take_body(client: &Client, output: &mut DynValue) -> Option<ByteStream> {
    let service = client.service();
    let shape = service.operation("GetObject")?.output?;
    let index = service.shape(shape).structure()?.member_index("Body")?;
    match output {
        DynValue::Struct(slots) => match slots.get_mut(index).and_then(Option::take) {
            Some(DynValue::Stream(s)) => Some(s),
            Some(DynValue::Blob(b)) => Some(b.into()),
            _ => None,
        },
        _ => None,
    }
}

fn text(view: &Map<String, J>, name: &str) -> Option<String> {
    view.get(name).and_then(J::as_str).map(str::to_owned)
}

/// Sets member `name` of `fields`, a `json!` object.
fn set(fields: &mut J, name: &str, value: J) {
    if let J::Object(m) = fields {
        m.insert(name.to_owned(), value);
    }
}

fn params(extra: &Map<String, J>, fields: J) -> Map<String, J> {
    let mut m = extra.clone();
    if let J::Object(f) = fields {
        m.extend(f);
    }
    m
}

/// Runs `work` unless `cancel` fires first.
async fn cancellable<T>(
    cancel: &CancellationToken,
    work: impl std::future::Future<Output = Result<T, TransferError>>,
) -> Result<T, TransferError> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(TransferError::Cancelled),
        r = work => r,
    }
}

// ---- multipart uploads ----

/// The checksum algorithm of multipart uploads: the caller's, else CRC32
/// unless `request_checksum_calculation` is `when_required` (s3transfer's).
fn upload_algorithm(client: &Client, extra: &Map<String, J>) -> Option<String> {
    if let Some(a) = text(extra, "ChecksumAlgorithm") {
        return Some(a);
    }
    let s = &client.session().inner;
    let (calculation, _) =
        crate::checksum::settings(client.config(), &s.env, &s.profile).unwrap_or_default();
    (calculation == crate::checksum::When::Supported).then(|| "CRC32".to_owned())
}

/// An open multipart upload, aborted when dropped unfinished.
struct Multipart {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    algorithm: Option<String>,
    parts: std::sync::Mutex<Vec<J>>,
    finished: bool,
}

impl Multipart {
    async fn create(
        client: &Client,
        bucket: &str,
        key: &str,
        extra: &Map<String, J>,
    ) -> Result<Multipart, TransferError> {
        let algorithm = upload_algorithm(client, extra);
        let mut fields = json!({"Bucket": bucket, "Key": key});
        if let Some(a) = &algorithm {
            set(&mut fields, "ChecksumAlgorithm", J::from(a.as_str()));
        }
        let (_, out) = call(client, "CreateMultipartUpload", params(extra, fields), None).await?;
        let upload_id = text(&out, "UploadId").ok_or_else(|| {
            TransferError::Invalid("CreateMultipartUpload returned no UploadId".into())
        })?;
        tracing::debug!(bucket, key, upload_id, "multipart upload created");
        Ok(Multipart {
            client: client.clone(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            upload_id,
            algorithm,
            parts: Default::default(),
            finished: false,
        })
    }

    /// Uploads part `number` (from 1) with `body`, or copies `range` of `copy_source`.
    async fn part(
        &self,
        number: u64,
        body: Option<ByteStream>,
        copy: Option<(&str, String)>,
        extra: &Map<String, J>,
    ) -> Result<(), TransferError> {
        let mut fields = json!({
            "Bucket": self.bucket, "Key": self.key,
            "UploadId": self.upload_id, "PartNumber": number,
        });
        let op = match &copy {
            Some((source, range)) => {
                set(&mut fields, "CopySource", J::from(*source));
                set(&mut fields, "CopySourceRange", J::from(range.as_str()));
                "UploadPartCopy"
            }
            None => {
                if let Some(a) = &self.algorithm {
                    set(&mut fields, "ChecksumAlgorithm", J::from(a.as_str()));
                }
                "UploadPart"
            }
        };
        let (_, out) = call(&self.client, op, params(extra, fields), body).await?;
        // UploadPartCopy's answer is a CopyPartResult.
        let out = match out.get("CopyPartResult") {
            Some(J::Object(r)) => r.clone(),
            _ => out,
        };
        let e_tag = out.get("ETag").cloned().unwrap_or(J::Null);
        let mut part = json!({"PartNumber": number, "ETag": e_tag});
        for (k, v) in &out {
            if k.starts_with("Checksum") && k != "ChecksumType" {
                set(&mut part, k, v.clone());
            }
        }
        if let Ok(mut parts) = self.parts.lock() {
            parts.push(part);
        }
        Ok(())
    }

    async fn complete(mut self, extra: &Map<String, J>) -> Result<TransferOutput, TransferError> {
        let mut parts = std::mem::take(&mut *self.parts.lock().unwrap_or_else(|e| e.into_inner()));
        parts.sort_by_key(|p| p["PartNumber"].as_u64());
        let count = parts.len() as u32;
        let fields = json!({
            "Bucket": self.bucket, "Key": self.key, "UploadId": self.upload_id,
            "MultipartUpload": {"Parts": parts},
        });
        // Only the members CompleteMultipartUpload shares with the upload's
        // arguments that matter there (SSE-C, request payer).
        let extra: Map<String, J> = extra
            .iter()
            .filter(|(k, _)| {
                k.starts_with("SSECustomer") || *k == "RequestPayer" || *k == "ExpectedBucketOwner"
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let result = call(
            &self.client,
            "CompleteMultipartUpload",
            params(&extra, fields),
            None,
        )
        .await;
        self.finished = true;
        match result {
            Ok((_, out)) => Ok(TransferOutput {
                bytes: 0,
                parts: count,
                e_tag: text(&out, "ETag"),
                upload_id: Some(self.upload_id.clone()),
            }),
            Err(e) => {
                self.abort().await;
                Err(e)
            }
        }
    }

    async fn abort(&mut self) {
        self.finished = true;
        let fields = json!({"Bucket": self.bucket, "Key": self.key, "UploadId": self.upload_id});
        match call(
            &self.client,
            "AbortMultipartUpload",
            params(&Map::new(), fields),
            None,
        )
        .await
        {
            Ok(_) => tracing::debug!(upload_id = self.upload_id, "multipart upload aborted"),
            Err(e) => {
                tracing::warn!(upload_id = self.upload_id, error = %e, "could not abort the multipart upload")
            }
        }
    }
}

impl Drop for Multipart {
    /// A transfer dropped mid-way (its future dropped) still aborts.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                upload_id = self.upload_id,
                "multipart upload left open: no runtime to abort it on"
            );
            return;
        };
        let mut orphan = Multipart {
            client: self.client.clone(),
            bucket: std::mem::take(&mut self.bucket),
            key: std::mem::take(&mut self.key),
            upload_id: std::mem::take(&mut self.upload_id),
            algorithm: None,
            parts: Default::default(),
            finished: false,
        };
        self.finished = true;
        handle.spawn(async move { orphan.abort().await });
    }
}

/// Completes `upload` after its parts' `result`, or aborts it (a failure, a cancellation).
async fn finish_multipart(
    mut upload: Multipart,
    extra: &Map<String, J>,
    result: Result<u64, TransferError>,
) -> Result<TransferOutput, TransferError> {
    match result {
        Ok(bytes) => {
            let mut out = upload.complete(extra).await?;
            out.bytes = bytes;
            Ok(out)
        }
        Err(e) => {
            tracing::debug!(error = %e, "multipart transfer failed; aborting");
            upload.abort().await;
            Err(e)
        }
    }
}

// ---- uploads ----

enum Source {
    File(PathBuf),
    Reader(Box<dyn AsyncRead + Send + Unpin>),
}

/// An upload to `bucket`/`key` (boto3's `upload_file` / `upload_fileobj`).
pub struct Upload {
    common: Common,
    bucket: String,
    key: String,
    source: Source,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("config", &self.common.config)
            .finish()
    }
}

impl Upload {
    /// Uploads the file at `path`.
    pub fn file(
        client: &Client,
        bucket: impl Into<String>,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Upload {
        Upload {
            common: Common::new(client),
            bucket: bucket.into(),
            key: key.into(),
            source: Source::File(path.into()),
        }
    }

    /// Uploads what `reader` gives until its end (buffered part by part).
    pub fn reader(
        client: &Client,
        bucket: impl Into<String>,
        key: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
    ) -> Upload {
        Upload {
            common: Common::new(client),
            bucket: bucket.into(),
            key: key.into(),
            source: Source::Reader(Box::new(reader)),
        }
    }

    common_setters!("PutObjectRequest");

    /// Runs the upload.
    pub async fn send(mut self) -> Result<TransferOutput, TransferError> {
        use tracing::Instrument;
        let extra = self.common.extra_json("PutObjectRequest")?;
        let span = tracing::debug_span!("upload", bucket = self.bucket, key = self.key);
        // The source moves out; what is left in its place is never read.
        match std::mem::replace(&mut self.source, Source::File(PathBuf::new())) {
            Source::File(path) => self.upload_file(&path, &extra).instrument(span).await,
            Source::Reader(reader) => self.upload_reader(reader, &extra).instrument(span).await,
        }
    }

    async fn put(
        &self,
        body: ByteStream,
        extra: &Map<String, J>,
    ) -> Result<TransferOutput, TransferError> {
        let bytes = body.len().unwrap_or(0);
        let fields = json!({"Bucket": self.bucket, "Key": self.key});
        let (_, out) = cancellable(
            &self.common.cancel,
            call(
                &self.common.client,
                "PutObject",
                params(extra, fields),
                Some(body),
            ),
        )
        .await?;
        Ok(TransferOutput {
            bytes,
            parts: 1,
            e_tag: text(&out, "ETag"),
            upload_id: None,
        })
    }

    async fn upload_file(
        &self,
        path: &Path,
        extra: &Map<String, J>,
    ) -> Result<TransferOutput, TransferError> {
        let c = &self.common;
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|e| BodyError::Io {
                path: path.to_owned(),
                source: e,
            })?
            .len();
        let meter = Meter::new(Some(size), c.progress.clone());
        if size < c.config.multipart_threshold {
            let out = self
                .put(ByteStream::from_file_range(path, 0, size), extra)
                .await?;
            meter.add(size);
            return Ok(out);
        }
        let part_size = c.config.part_size_for(size);
        let upload = Multipart::create(&c.client, &self.bucket, &self.key, extra).await?;
        let parts = size.div_ceil(part_size);
        let work = {
            let upload = &upload;
            let meter = &meter;
            futures_util::stream::iter(0..parts)
                .map(move |i| async move {
                    let offset = i * part_size;
                    let length = part_size.min(size - offset);
                    let body = ByteStream::from_file_range(path, offset, length);
                    upload.part(i + 1, Some(body), None, extra).await?;
                    meter.add(length);
                    Ok::<u64, TransferError>(length)
                })
                .buffer_unordered(c.config.max_concurrency.max(1))
                .try_fold(0u64, |n, l| async move { Ok(n + l) })
        };
        let result = cancellable(&c.cancel, work).await;
        finish_multipart(upload, extra, result).await
    }

    async fn upload_reader(
        &self,
        mut reader: Box<dyn AsyncRead + Send + Unpin>,
        extra: &Map<String, J>,
    ) -> Result<TransferOutput, TransferError> {
        let c = &self.common;
        let part_size = c.config.part_size.clamp(MIN_PART, MAX_PART);
        let meter = Meter::new(None, c.progress.clone());
        let first = read_part(&mut reader, part_size.max(c.config.multipart_threshold)).await?;
        if (first.len() as u64) < c.config.multipart_threshold {
            let n = first.len() as u64;
            let out = self.put(first.into(), extra).await?;
            meter.add(n);
            return Ok(out);
        }
        let upload = Multipart::create(&c.client, &self.bucket, &self.key, extra).await?;
        let work = async {
            // Parts are read one after another and sent concurrently: at most
            // `max_concurrency` part buffers in flight, plus the one being read.
            let concurrency = c.config.max_concurrency.max(1);
            let mut in_flight = futures_util::stream::FuturesUnordered::new();
            // The first read may hold several parts (a threshold above the part size).
            let mut ready: std::collections::VecDeque<Bytes> = Default::default();
            let mut rest = first;
            while rest.len() as u64 > part_size {
                ready.push_back(rest.split_to(part_size as usize));
            }
            ready.push_back(rest);
            let mut ended = false;
            let mut number = 0u64;
            let mut total = 0u64;
            loop {
                let part = match ready.pop_front() {
                    Some(p) => p,
                    None if ended => break,
                    None => {
                        let p = read_part(&mut reader, part_size).await?;
                        ended = (p.len() as u64) < part_size;
                        if p.is_empty() {
                            break;
                        }
                        p
                    }
                };
                if ready.is_empty() && !ended && (part.len() as u64) < part_size {
                    ended = true;
                }
                number += 1;
                let n = number;
                let upload = &upload;
                let meter = &meter;
                in_flight.push(async move {
                    let len = part.len() as u64;
                    upload.part(n, Some(part.into()), None, extra).await?;
                    meter.add(len);
                    Ok::<u64, TransferError>(len)
                });
                while in_flight.len() >= concurrency {
                    if let Some(r) = in_flight.next().await {
                        total += r?;
                    }
                }
            }
            while let Some(r) = in_flight.next().await {
                total += r?;
            }
            Ok(total)
        };
        let result = cancellable(&c.cancel, work).await;
        finish_multipart(upload, extra, result).await
    }
}

/// Reads up to `size` bytes (less only at the end of `reader`).
async fn read_part(
    reader: &mut (dyn AsyncRead + Send + Unpin),
    size: u64,
) -> Result<Bytes, TransferError> {
    let mut buf = BytesMut::with_capacity(size as usize);
    while (buf.len() as u64) < size {
        let n = reader
            .read_buf(&mut buf)
            .await
            .map_err(|e| BodyError::Source(Box::new(e)))?;
        if n == 0 {
            break;
        }
    }
    Ok(buf.freeze())
}

// ---- downloads ----

enum Sink {
    File(PathBuf),
    Writer(Box<dyn AsyncWrite + Send + Unpin>),
}

/// A download of `bucket`/`key` (boto3's `download_file` / `download_fileobj`).
pub struct Download {
    common: Common,
    bucket: String,
    key: String,
    sink: Sink,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("config", &self.common.config)
            .finish()
    }
}

impl Download {
    /// Downloads into the file at `path` (written under a temporary name, renamed when complete).
    pub fn file(
        client: &Client,
        bucket: impl Into<String>,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Download {
        Download {
            common: Common::new(client),
            bucket: bucket.into(),
            key: key.into(),
            sink: Sink::File(path.into()),
        }
    }

    /// Downloads into `writer`, in order (parts fetched ahead are held in memory).
    pub fn writer(
        client: &Client,
        bucket: impl Into<String>,
        key: impl Into<String>,
        writer: impl AsyncWrite + Send + Unpin + 'static,
    ) -> Download {
        Download {
            common: Common::new(client),
            bucket: bucket.into(),
            key: key.into(),
            sink: Sink::Writer(Box::new(writer)),
        }
    }

    common_setters!("GetObjectRequest");

    /// Runs the download.
    pub async fn send(self) -> Result<TransferOutput, TransferError> {
        let extra = self.common.extra_json("GetObjectRequest")?;
        let c = &self.common;
        let fields = json!({"Bucket": self.bucket, "Key": self.key});
        let (_, head) = cancellable(
            &c.cancel,
            call(&c.client, "HeadObject", params(&extra, fields), None),
        )
        .await?;
        let size = head
            .get("ContentLength")
            .and_then(J::as_u64)
            .ok_or_else(|| TransferError::Invalid("HeadObject gave no ContentLength".into()))?;
        let e_tag = text(&head, "ETag");
        let meter = Meter::new(Some(size), c.progress.clone());
        let part_size = if size < c.config.multipart_threshold {
            size.max(1)
        } else {
            c.config.part_size.max(1)
        };
        let parts = size.div_ceil(part_size).max(1);
        let ranges = (0..parts).map(move |i| {
            let start = i * part_size;
            (start, part_size.min(size.saturating_sub(start)))
        });
        let getter = Getter {
            client: &c.client,
            bucket: &self.bucket,
            key: &self.key,
            e_tag: e_tag.as_deref(),
            extra: &extra,
            whole: parts == 1,
            attempts: c.config.download_attempts.max(1),
        };
        let concurrency = c.config.max_concurrency.max(1);
        let out = TransferOutput {
            bytes: size,
            parts: parts as u32,
            e_tag: e_tag.clone(),
            upload_id: None,
        };
        match self.sink {
            Sink::File(path) => {
                let temp = temp_path(&path);
                let work = async {
                    let file = std::fs::File::create(&temp)
                        .and_then(|f| f.set_len(size).map(|()| f))
                        .map_err(|e| BodyError::Io {
                            path: temp.clone(),
                            source: e,
                        })?;
                    let file = Arc::new(file);
                    futures_util::stream::iter(ranges)
                        .map(|(start, length)| {
                            let file = file.clone();
                            let getter = &getter;
                            let meter = &meter;
                            let temp = &temp;
                            async move {
                                getter
                                    .fetch(start, length, &mut |offset, block: Bytes| {
                                        let file = file.clone();
                                        let temp = temp.clone();
                                        let n = block.len() as u64;
                                        async move {
                                            write_at(file, temp, offset, block).await?;
                                            meter.add(n);
                                            Ok(())
                                        }
                                    })
                                    .await
                            }
                        })
                        .buffer_unordered(concurrency)
                        .try_collect::<Vec<()>>()
                        .await?;
                    // No fsync before the rename, as s3transfer: flushing a
                    // whole object to disk cost more than the download.
                    drop(file);
                    tokio::fs::rename(&temp, &path)
                        .await
                        .map_err(|e| BodyError::Io {
                            path: path.clone(),
                            source: e,
                        })?;
                    Ok(())
                };
                let result = cancellable(&c.cancel, work).await;
                if result.is_err() {
                    let _ = tokio::fs::remove_file(&temp).await;
                }
                result.map(|()| out)
            }
            Sink::Writer(mut writer) => {
                let work = async {
                    let mut parts = futures_util::stream::iter(ranges)
                        .map(|(start, length)| {
                            let getter = &getter;
                            async move {
                                let mut buf = BytesMut::with_capacity(length as usize);
                                getter
                                    .fetch(start, length, &mut |_, block: Bytes| {
                                        buf.extend_from_slice(&block);
                                        std::future::ready(Ok(()))
                                    })
                                    .await?;
                                Ok::<Bytes, TransferError>(buf.freeze())
                            }
                        })
                        .buffered(concurrency);
                    while let Some(part) = parts.next().await {
                        let part = part?;
                        writer
                            .write_all(&part)
                            .await
                            .map_err(|e| BodyError::Source(Box::new(e)))?;
                        meter.add(part.len() as u64);
                    }
                    writer
                        .flush()
                        .await
                        .map_err(|e| BodyError::Source(Box::new(e)))?;
                    Ok(())
                };
                cancellable(&c.cancel, work).await.map(|()| out)
            }
        }
    }
}

async fn write_at(
    file: Arc<std::fs::File>,
    path: PathBuf,
    offset: u64,
    block: Bytes,
) -> Result<(), TransferError> {
    tokio::task::spawn_blocking(move || {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            file.write_all_at(&block, offset)
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut done = 0;
            while done < block.len() {
                done += file.seek_write(&block[done..], offset + done as u64)?;
            }
            Ok(())
        }
    })
    .await
    .map_err(|e| BodyError::Source(Box::new(e)))?
    .map_err(|e| BodyError::Io { path, source: e }.into())
}

/// Reads ranges of one object, asking again from where a failed body stopped.
struct Getter<'a> {
    client: &'a Client,
    bucket: &'a str,
    key: &'a str,
    e_tag: Option<&'a str>,
    extra: &'a Map<String, J>,
    /// One request for the whole object (no `Range`).
    whole: bool,
    attempts: u32,
}

impl Getter<'_> {
    /// Feeds `length` bytes from `start` to `sink(offset, block)` in blocks.
    async fn fetch<F, Fut>(
        &self,
        start: u64,
        length: u64,
        sink: &mut F,
    ) -> Result<(), TransferError>
    where
        F: FnMut(u64, Bytes) -> Fut,
        Fut: std::future::Future<Output = Result<(), TransferError>>,
    {
        let mut done = 0u64;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let attempt_start = done;
            let mut fields = json!({"Bucket": self.bucket, "Key": self.key});
            if !self.whole || done > 0 {
                let end = start + length - 1;
                let range = format!("bytes={}-{end}", start + done);
                set(&mut fields, "Range", J::from(range));
            }
            if let Some(tag) = self.e_tag {
                set(&mut fields, "IfMatch", J::from(tag));
            }
            let (mut output, _) =
                call(self.client, "GetObject", params(self.extra, fields), None).await?;
            let Some(mut body) = take_body(self.client, &mut output) else {
                return Err(TransferError::Invalid("GetObject returned no body".into()));
            };
            let mut block = BytesMut::new();
            let failure = loop {
                match body.next().await {
                    Some(Ok(chunk)) => {
                        // More than the range asked for would be written over
                        // the next part: a server fault, not data.
                        let have = done + (block.len() + chunk.len()) as u64;
                        if have > length {
                            break Some(BodyError::Length {
                                expected: length,
                                actual: have,
                            });
                        }
                        block.extend_from_slice(&chunk);
                        if block.len() >= WRITE_BLOCK {
                            let b = block.split().freeze();
                            let n = b.len() as u64;
                            sink(start + done, b).await?;
                            done += n;
                        }
                    }
                    Some(Err(e)) => break Some(e),
                    None => break None,
                }
            };
            if !block.is_empty() {
                let b = block.split().freeze();
                let n = b.len() as u64;
                sink(start + done, b).await?;
                done += n;
            }
            match failure {
                None if done >= length => return Ok(()),
                None => {
                    if attempt >= self.attempts {
                        return Err(BodyError::Length {
                            expected: length,
                            actual: done,
                        }
                        .into());
                    }
                }
                Some(e) if e.is_retryable() && attempt < self.attempts => {
                    // Bytes that failed their checksum are asked for again.
                    if matches!(e, BodyError::Checksum(_)) {
                        done = attempt_start;
                    }
                    tracing::debug!(start, done, attempt, error = %e, "download part failed; asking for the rest again");
                }
                Some(e) => return Err(e.into()),
            }
            if length == 0 {
                return Ok(());
            }
        }
    }
}

// ---- copies ----

/// A managed copy (boto3's `copy`): `CopyObject`, or `UploadPartCopy` parts
/// for objects past [`TransferConfig::copy_threshold`].
pub struct Copy {
    common: Common,
    source_bucket: String,
    source_key: String,
    source_version: Option<String>,
    bucket: String,
    key: String,
}

impl std::fmt::Debug for Copy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Copy")
            .field("source", &(&self.source_bucket, &self.source_key))
            .field("destination", &(&self.bucket, &self.key))
            .finish()
    }
}

impl Copy {
    /// Copies `source_bucket`/`source_key` to `bucket`/`key`.
    pub fn new(
        client: &Client,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> Copy {
        Copy {
            common: Common::new(client),
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            source_version: None,
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// Copies this version of the source.
    pub fn source_version(mut self, version: impl Into<String>) -> Self {
        self.source_version = Some(version.into());
        self
    }

    common_setters!("CopyObjectRequest");

    /// Runs the copy.
    pub async fn send(self) -> Result<TransferOutput, TransferError> {
        let extra = self.common.extra_json("CopyObjectRequest")?;
        let c = &self.common;
        let mut head_fields = json!({"Bucket": self.source_bucket, "Key": self.source_key});
        if let Some(v) = &self.source_version {
            set(&mut head_fields, "VersionId", J::from(v.as_str()));
        }
        let (_, head) = cancellable(
            &c.cancel,
            call(
                &c.client,
                "HeadObject",
                head_fields.as_object().cloned().unwrap_or_default(),
                None,
            ),
        )
        .await?;
        let size = head.get("ContentLength").and_then(J::as_u64).unwrap_or(0);
        // Unquoted: the S3 customization quotes it, as botocore's handler does.
        let mut source = format!("{}/{}", self.source_bucket, self.source_key);
        if let Some(v) = &self.source_version {
            source.push_str("?versionId=");
            source.push_str(v);
        }
        let meter = Meter::new(Some(size), c.progress.clone());
        if size <= c.config.copy_threshold {
            let fields = json!({"Bucket": self.bucket, "Key": self.key, "CopySource": source});
            let (_, out) = cancellable(
                &c.cancel,
                call(&c.client, "CopyObject", params(&extra, fields), None),
            )
            .await?;
            meter.add(size);
            let e_tag = match out.get("CopyObjectResult") {
                Some(J::Object(r)) => text(r, "ETag"),
                _ => None,
            };
            return Ok(TransferOutput {
                bytes: size,
                parts: 1,
                e_tag,
                upload_id: None,
            });
        }
        // CreateMultipartUpload takes CopyObject's object settings, not its
        // copy-source conditions; each part names the source.
        let create_extra: Map<String, J> = extra
            .iter()
            .filter(|(k, _)| {
                !k.starts_with("CopySource")
                    && *k != "MetadataDirective"
                    && *k != "TaggingDirective"
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let part_size = c.config.part_size_for(size);
        let mut upload =
            Multipart::create(&c.client, &self.bucket, &self.key, &create_extra).await?;
        // Copied parts carry the source's bytes: S3 computes their checksums.
        upload.algorithm = None;
        let parts = size.div_ceil(part_size);
        let part_extra: Map<String, J> = extra
            .iter()
            .filter(|(k, _)| {
                k.starts_with("CopySource") || k.starts_with("SSECustomer") || *k == "RequestPayer"
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let work = {
            let upload = &upload;
            let meter = &meter;
            let source = source.as_str();
            let part_extra = &part_extra;
            futures_util::stream::iter(0..parts)
                .map(move |i| async move {
                    let start = i * part_size;
                    let length = part_size.min(size - start);
                    let range = format!("bytes={start}-{}", start + length - 1);
                    upload
                        .part(i + 1, None, Some((source, range)), part_extra)
                        .await?;
                    meter.add(length);
                    Ok::<u64, TransferError>(length)
                })
                .buffer_unordered(c.config.max_concurrency.max(1))
                .try_fold(0u64, |n, l| async move { Ok(n + l) })
        };
        let result = cancellable(&c.cancel, work).await;
        finish_multipart(upload, &create_extra, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sizes_fit_s3_limits() {
        let c = TransferConfig::default();
        assert_eq!(c.part_size_for(100 * MIB), 8 * MIB);
        // 10,000 parts of 8 MiB hold 78 GiB; a 1 TiB object needs bigger parts.
        let tib = 1024 * 1024 * MIB;
        let p = c.part_size_for(tib);
        assert!(tib.div_ceil(p) <= MAX_PARTS, "{p}");
        let small = TransferConfig {
            part_size: MIB,
            ..TransferConfig::default()
        };
        assert_eq!(small.part_size_for(100 * MIB), MIN_PART);
    }
}
