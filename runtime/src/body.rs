//! [`ByteStream`]: the body of every member a model marks `streaming`
//! (S3 `GetObject` / `PutObject` / `UploadPart`, Glacier archives, Lambda
//! layers, …), for requests and responses alike.
//!
//! - A request body comes from memory, from a file (a range of one, with a
//!   known length, re-opened for every attempt so retries can re-send it), or
//!   from an async reader or stream (sent once: a retry is refused with a
//!   reason). Nothing is read before the request is sent; the file is read
//!   in chunks of [`CHUNK`] as the connection takes them.
//! - A response body is handed to the caller as it arrives: [`ByteStream::next`],
//!   [`ByteStream::collect`], [`ByteStream::into_async_read`],
//!   [`ByteStream::write_to_file`]. The connection is read only as fast as the
//!   caller reads (backpressure), so memory stays at a few chunks per body.
//!   Flexible checksums are checked as the bytes go by, and a download that
//!   stalls fails with [`BodyError::Stalled`] ([`StalledStream`]).

use std::future::Future as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::checksum::{Algorithm, ChecksumMismatch, Hasher};

/// Files and readers are read in chunks of this size.
pub const CHUNK: usize = 256 * 1024;

/// The stream a [`ByteStream`] yields.
pub type BoxByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send>>;

/// Why a body could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The connection failed while the body was on its way.
    #[error("the connection failed while reading the body: {0}")]
    Transport(String),
    /// Fewer bytes than the minimum throughput allows arrived (or left)
    /// during the grace period: the connection is stalled.
    #[error(
        "the body stalled: {bytes} bytes in {:?} while waiting, below the minimum of {min_bytes_per_sec} B/s \
         (stalled-stream protection; see ClientConfig::stalled_stream)",
        grace
    )]
    Stalled {
        /// The grace period the throughput was measured over.
        grace: Duration,
        /// The configured minimum throughput.
        min_bytes_per_sec: u64,
        /// What moved during the grace period.
        bytes: u64,
    },
    /// The body does not match the flexible checksum the response gave.
    #[error(transparent)]
    Checksum(ChecksumMismatch),
    /// The body ended before its announced length, or went past it.
    #[error("the body is {actual} bytes where {expected} were announced")]
    Length {
        /// The announced length.
        expected: u64,
        /// What there was.
        actual: u64,
    },
    /// A one-shot body (a reader, a stream, a response) was already taken.
    #[error("the body was already read: a stream can be read (or sent) once")]
    Consumed,
    /// The caller's reader or stream failed.
    #[error("the body's source failed: {0}")]
    Source(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl BodyError {
    /// Whether reading again (a new request for the rest) may succeed:
    /// connection failures, stalls, short bodies and corrupted bytes.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            BodyError::Transport(_)
                | BodyError::Stalled { .. }
                | BodyError::Checksum(_)
                | BodyError::Length { .. }
        )
    }

    fn io(path: &Path, source: std::io::Error) -> BodyError {
        BodyError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// The body of a streaming member. Cheap to clone: in-memory bytes and files
/// are shared; a clone of a one-shot stream shares it (whichever reads first
/// gets the bytes, the other gets [`BodyError::Consumed`]).
#[derive(Clone, Default)]
pub struct ByteStream {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Bytes(Bytes),
    File(Arc<FileRange>),
    Once(Arc<OnceStream>),
}

impl Default for Kind {
    fn default() -> Self {
        Kind::Bytes(Bytes::new())
    }
}

#[derive(Debug)]
struct FileRange {
    path: PathBuf,
    offset: u64,
    length: u64,
}

struct OnceStream {
    stream: std::sync::Mutex<Option<BoxByteStream>>,
    length: Option<u64>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the contents: bodies can hold anything.
        match &self.kind {
            Kind::Bytes(b) => write!(f, "ByteStream({} bytes in memory)", b.len()),
            Kind::File(r) => write!(
                f,
                "ByteStream(file {}, {} bytes at {})",
                r.path.display(),
                r.length,
                r.offset
            ),
            Kind::Once(o) => match o.length {
                Some(n) => write!(f, "ByteStream(stream of {n} bytes)"),
                None => f.write_str("ByteStream(stream)"),
            },
        }
    }
}

impl PartialEq for ByteStream {
    /// In-memory bodies compare by content; others by identity.
    fn eq(&self, other: &Self) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Bytes(a), Kind::Bytes(b)) => a == b,
            (Kind::File(a), Kind::File(b)) => Arc::ptr_eq(a, b),
            (Kind::Once(a), Kind::Once(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<Bytes> for ByteStream {
    fn from(b: Bytes) -> Self {
        ByteStream {
            kind: Kind::Bytes(b),
        }
    }
}
impl From<Vec<u8>> for ByteStream {
    fn from(v: Vec<u8>) -> Self {
        Bytes::from(v).into()
    }
}
impl From<String> for ByteStream {
    fn from(s: String) -> Self {
        Bytes::from(s).into()
    }
}
impl From<&'static str> for ByteStream {
    fn from(s: &'static str) -> Self {
        Bytes::from_static(s.as_bytes()).into()
    }
}
impl From<&'static [u8]> for ByteStream {
    fn from(s: &'static [u8]) -> Self {
        Bytes::from_static(s).into()
    }
}
impl<const N: usize> From<&'static [u8; N]> for ByteStream {
    fn from(s: &'static [u8; N]) -> Self {
        Bytes::from_static(s).into()
    }
}

impl ByteStream {
    /// An empty body.
    pub fn new() -> ByteStream {
        ByteStream::default()
    }

    /// The whole file at `path`, its length read now; the file is opened
    /// (again) whenever the body is sent, so a retry re-sends it.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<ByteStream, BodyError> {
        let path = path.as_ref();
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| BodyError::io(path, e))?;
        Ok(ByteStream::from_file_range(path, 0, meta.len()))
    }

    /// `length` bytes of the file at `path` from `offset` (a multipart
    /// upload's part). The file must hold them when the body is sent.
    pub fn from_file_range(path: impl Into<PathBuf>, offset: u64, length: u64) -> ByteStream {
        ByteStream {
            kind: Kind::File(Arc::new(FileRange {
                path: path.into(),
                offset,
                length,
            })),
        }
    }

    /// A body read from `reader` once, as the connection takes it. With a
    /// `length` the request carries `Content-Length` (S3 needs one); without,
    /// it is sent with chunked transfer encoding, which not every service takes.
    pub fn from_reader(reader: impl AsyncRead + Send + 'static, length: Option<u64>) -> ByteStream {
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, CHUNK)
            .map(|r| r.map_err(|e| BodyError::Source(Box::new(e))));
        ByteStream::from_boxed(Box::pin(stream), length)
    }

    /// A body made of the chunks `stream` yields, sent once (see [`ByteStream::from_reader`]).
    pub fn from_stream<S, E>(stream: S, length: Option<u64>) -> ByteStream
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let stream = stream.map(|r| r.map_err(|e| BodyError::Source(e.into())));
        ByteStream::from_boxed(Box::pin(stream), length)
    }

    /// A one-shot body from an already boxed stream of body chunks.
    pub fn from_boxed(stream: BoxByteStream, length: Option<u64>) -> ByteStream {
        ByteStream {
            kind: Kind::Once(Arc::new(OnceStream {
                stream: std::sync::Mutex::new(Some(stream)),
                length,
            })),
        }
    }

    /// The length, when it is known before reading (always for memory and files).
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            Kind::Bytes(b) => Some(b.len() as u64),
            Kind::File(r) => Some(r.length),
            Kind::Once(o) => o.length,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The bytes, when the body is held in memory.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Whether the body can be sent more than once (memory and files can;
    /// readers and streams cannot), which retries need.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, Kind::Once(_))
    }

    /// The body as a stream of chunks, taking a one-shot body (a second
    /// taker gets [`BodyError::Consumed`]).
    pub fn into_stream(self) -> BoxByteStream {
        match self.kind {
            Kind::Bytes(b) if b.is_empty() => Box::pin(futures_util::stream::empty()),
            Kind::Bytes(b) => Box::pin(futures_util::stream::once(async move { Ok(b) })),
            Kind::File(r) => file_stream(r),
            Kind::Once(o) => {
                let taken = o.stream.lock().ok().and_then(|mut s| s.take());
                match taken {
                    Some(s) => s,
                    None => Box::pin(futures_util::stream::once(async {
                        Err(BodyError::Consumed)
                    })),
                }
            }
        }
    }

    /// The next chunk, `None` at the end. A one-shot body is taken on the first call.
    pub async fn next(&mut self) -> Option<Result<Bytes, BodyError>> {
        if let Kind::Bytes(b) = &mut self.kind {
            return (!b.is_empty()).then(|| Ok(std::mem::take(b)));
        }
        // Files are read through a one-shot stream of our own from now on.
        if !matches!(self.kind, Kind::Once(_)) {
            let length = self.len();
            let stream = std::mem::take(self).into_stream();
            *self = ByteStream::from_boxed(stream, length);
        }
        let Kind::Once(o) = &self.kind else {
            return None;
        };
        let mut stream = o.stream.lock().ok()?.take()?;
        let item = stream.next().await;
        if let Ok(mut slot) = o.stream.lock() {
            *slot = Some(stream);
        }
        item
    }

    /// Reads the whole body into memory (what the caller asks for; nothing
    /// else buffers a streaming body whole).
    pub async fn collect(self) -> Result<Bytes, BodyError> {
        if let Kind::Bytes(b) = self.kind {
            return Ok(b);
        }
        let capacity = self.len().unwrap_or(0).min(64 << 20) as usize;
        let mut stream = self.into_stream();
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            match first.take() {
                None if buf.is_empty() => first = Some(chunk),
                prev => {
                    if buf.is_empty() {
                        buf.reserve(capacity.max(chunk.len() * 2));
                    }
                    if let Some(p) = prev {
                        buf.extend_from_slice(&p);
                    }
                    buf.extend_from_slice(&chunk);
                }
            }
        }
        // One chunk is returned as it came, without a copy.
        Ok(first.unwrap_or_else(|| buf.freeze()))
    }

    /// The body as an [`AsyncRead`]; errors are `io::Error`s wrapping [`BodyError`].
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin {
        tokio_util::io::StreamReader::new(
            self.into_stream().map(|r| r.map_err(std::io::Error::other)),
        )
    }

    /// Writes the body into `writer`, returning the number of bytes.
    pub async fn write_to(
        self,
        writer: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, BodyError> {
        let mut stream = self.into_stream();
        let mut n = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| BodyError::Source(Box::new(e)))?;
            n += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|e| BodyError::Source(Box::new(e)))?;
        Ok(n)
    }

    /// Writes the body to a temporary file next to `path`, renamed to `path`
    /// once it is complete: a failed read leaves nothing under `path`.
    pub async fn write_to_file(self, path: impl AsRef<Path>) -> Result<u64, BodyError> {
        let path = path.as_ref();
        let temp = temp_path(path);
        let result = async {
            let mut file = tokio::fs::File::create(&temp)
                .await
                .map_err(|e| BodyError::io(&temp, e))?;
            let mut stream = self.into_stream();
            let mut n = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                file.write_all(&chunk)
                    .await
                    .map_err(|e| BodyError::io(&temp, e))?;
                n += chunk.len() as u64;
            }
            file.sync_all().await.map_err(|e| BodyError::io(&temp, e))?;
            drop(file);
            tokio::fs::rename(&temp, path)
                .await
                .map_err(|e| BodyError::io(path, e))?;
            Ok(n)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        result
    }

    /// The body for one attempt of a request: memory and files afresh each
    /// time, a one-shot stream the first time only.
    pub(crate) fn request_stream(&self) -> Result<BoxByteStream, BodyError> {
        if let Kind::Once(o) = &self.kind {
            let taken = o.stream.lock().ok().and_then(|mut s| s.take());
            return taken.ok_or(BodyError::Consumed);
        }
        Ok(self.clone().into_stream())
    }
}

impl crate::value::Ser for ByteStream {
    /// In memory: a blob the codecs write as any other; else the stream,
    /// which the client sends as it reads it.
    fn value(&self) -> crate::value::ValueRef<'_> {
        match &self.kind {
            Kind::Bytes(b) => crate::value::ValueRef::Blob(b),
            _ => crate::value::ValueRef::Stream(self),
        }
    }
}

impl crate::value::De for ByteStream {
    fn set(&mut self, value: crate::value::Scalar) -> Result<(), crate::value::DeError> {
        use crate::value::Scalar;
        *self = match value {
            Scalar::Stream(s) => s,
            Scalar::Blob(b) => b.into(),
            Scalar::Str(s) => s.into(),
            other => return Err(crate::value::DeError::mismatch("stream", &other)),
        };
        Ok(())
    }
    fn expecting(&self) -> &'static str {
        "stream"
    }
}

/// `dir/.name.<random>.part`: where a download is written before its rename.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    let unique = format!(".{name}.{:08x}.part", fastrand::u32(..));
    path.with_file_name(unique)
}

/// Reads `range` of its file in [`CHUNK`]s on the blocking pool; a file
/// shorter than the range is [`BodyError::Length`].
fn file_stream(range: Arc<FileRange>) -> BoxByteStream {
    use std::io::{Read, Seek, SeekFrom};
    struct State {
        range: Arc<FileRange>,
        file: Option<std::fs::File>,
        done: u64,
    }
    let state = State {
        range,
        file: None,
        done: 0,
    };
    Box::pin(futures_util::stream::try_unfold(
        state,
        |mut st| async move {
            if st.done >= st.range.length {
                return Ok(None);
            }
            let want = (st.range.length - st.done).min(CHUNK as u64) as usize;
            let range = st.range.clone();
            let file = st.file.take();
            let offset = st.range.offset + st.done;
            let (file, chunk) = tokio::task::spawn_blocking(move || {
                let mut file = match file {
                    Some(f) => f,
                    None => {
                        let mut f = std::fs::File::open(&range.path)?;
                        f.seek(SeekFrom::Start(offset))?;
                        f
                    }
                };
                let mut buf = BytesMut::zeroed(want);
                let mut filled = 0;
                while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
                    match file.read(rest)? {
                        0 => break,
                        n => filled += n,
                    }
                }
                buf.truncate(filled);
                Ok::<_, std::io::Error>((file, buf.freeze()))
            })
            .await
            .map_err(|e| BodyError::io(&st.range.path, std::io::Error::other(e)))?
            .map_err(|e| BodyError::io(&st.range.path, e))?;
            if chunk.is_empty() {
                return Err(BodyError::Length {
                    expected: st.range.length,
                    actual: st.done,
                });
            }
            st.done += chunk.len() as u64;
            st.file = Some(file);
            Ok(Some((chunk, st)))
        },
    ))
}

// ---- requests ----

/// What follows the last aws-chunked chunk: the `x-amz-checksum-*` trailer.
fn trailer(algorithm: Algorithm, checksum: &str) -> String {
    format!("0\r\n{}:{checksum}\r\n\r\n", algorithm.header())
}

/// The length on the wire of a `length`-byte body sent aws-chunked with a
/// trailing `algorithm` checksum: one chunk holding the whole body.
pub(crate) fn aws_chunked_length(length: u64, algorithm: Algorithm) -> u64 {
    let chunk = if length == 0 {
        0
    } else {
        format!("{length:x}\r\n").len() as u64 + length + 2
    };
    let checksum_len = algorithm.checksum(b"").len();
    chunk + trailer(algorithm, &"x".repeat(checksum_len)).len() as u64
}

/// `stream` as exactly `length` bytes: a source that ends early or runs
/// long is [`BodyError::Length`], not a request the server misreads.
pub(crate) fn exact_length(mut stream: BoxByteStream, length: u64) -> BoxByteStream {
    let mut sent = 0u64;
    let mut done = false;
    Box::pin(futures_util::stream::poll_fn(move |cx| {
        if done {
            return Poll::Ready(None);
        }
        match std::task::ready!(stream.as_mut().poll_next(cx)) {
            Some(Ok(chunk)) => {
                sent += chunk.len() as u64;
                if sent > length {
                    done = true;
                    return Poll::Ready(Some(Err(BodyError::Length {
                        expected: length,
                        actual: sent,
                    })));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Some(Err(e)) => {
                done = true;
                Poll::Ready(Some(Err(e)))
            }
            None => {
                done = true;
                if sent != length {
                    return Poll::Ready(Some(Err(BodyError::Length {
                        expected: length,
                        actual: sent,
                    })));
                }
                Poll::Ready(None)
            }
        }
    }))
}

/// `stream` (exactly `length` bytes) encoded aws-chunked as one chunk, with
/// its `algorithm` checksum computed on the way and sent as a trailer.
pub(crate) fn aws_chunked(
    stream: BoxByteStream,
    length: u64,
    algorithm: Algorithm,
) -> BoxByteStream {
    let mut inner = exact_length(stream, length);
    let mut hasher = Some(algorithm.hasher());
    let mut prefix = (length > 0).then(|| Bytes::from(format!("{length:x}\r\n")));
    let mut finished = false;
    Box::pin(futures_util::stream::poll_fn(move |cx| {
        if let Some(p) = prefix.take() {
            return Poll::Ready(Some(Ok(p)));
        }
        if finished {
            return Poll::Ready(None);
        }
        match std::task::ready!(inner.as_mut().poll_next(cx)) {
            Some(Ok(chunk)) => {
                if let Some(h) = hasher.as_mut() {
                    h.update(&chunk);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Some(Err(e)) => {
                finished = true;
                Poll::Ready(Some(Err(e)))
            }
            None => {
                finished = true;
                let checksum = hasher.take().map(Hasher::finish_base64).unwrap_or_default();
                let mut end = String::new();
                if length > 0 {
                    end.push_str("\r\n");
                }
                end.push_str(&trailer(algorithm, &checksum));
                Poll::Ready(Some(Ok(Bytes::from(end))))
            }
        }
    }))
}

// ---- responses ----

/// Stalled-stream protection: a body that moves fewer than
/// `min_bytes_per_sec` while it is being waited for, over `grace_period`,
/// fails with [`BodyError::Stalled`]. Only time spent waiting on the
/// connection counts: a caller that reads slowly (backpressure) never trips it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StalledStream {
    /// Off: only the read timeout ends a stalled body.
    pub enabled: bool,
    /// How long the throughput is measured over (default 20 s).
    pub grace_period: Duration,
    /// The minimum throughput (default 1 byte per second).
    pub min_bytes_per_sec: u64,
}

impl Default for StalledStream {
    fn default() -> Self {
        StalledStream {
            enabled: true,
            grace_period: Duration::from_secs(20),
            min_bytes_per_sec: 1,
        }
    }
}

impl StalledStream {
    /// No stalled-stream protection.
    pub fn disabled() -> StalledStream {
        StalledStream {
            enabled: false,
            ..StalledStream::default()
        }
    }
}

/// What a response body is checked against as it is read.
#[derive(Debug, Clone)]
pub(crate) struct ResponseChecks {
    pub(crate) checksum: Option<(Algorithm, String)>,
    pub(crate) content_length: Option<u64>,
    pub(crate) stalled: StalledStream,
}

/// The body of a successful streaming response, read as the caller reads it.
pub(crate) fn from_response(response: reqwest::Response, checks: ResponseChecks) -> ByteStream {
    let length = checks.content_length;
    let chunks = futures_util::stream::try_unfold(response, |mut r| async move {
        match r.chunk().await {
            Ok(Some(chunk)) => Ok(Some((chunk, r))),
            Ok(None) => Ok(None),
            Err(e) => Err(BodyError::Transport(crate::transport::describe(&e))),
        }
    });
    ByteStream::from_boxed(Box::pin(Checked::new(Box::pin(chunks), checks)), length)
}

/// The throughput accounting of stalled-stream protection, one for both
/// directions: downloads wait on the connection for the next chunk, uploads
/// wait on it to take the last one. Only waiting time counts, measured in
/// windows of `grace_period`.
#[derive(Debug)]
pub(crate) struct StallMeter {
    config: StalledStream,
    /// Time spent waiting in the current window, and bytes moved in it.
    waited: Duration,
    window_bytes: u64,
    waiting_since: Option<Instant>,
}

impl StallMeter {
    pub(crate) fn new(config: StalledStream) -> StallMeter {
        StallMeter {
            config,
            waited: Duration::ZERO,
            window_bytes: 0,
            waiting_since: None,
        }
    }

    pub(crate) fn start_waiting(&mut self, now: Instant) {
        self.waiting_since.get_or_insert(now);
    }

    pub(crate) fn stop_waiting(&mut self, now: Instant) {
        if let Some(since) = self.waiting_since.take() {
            self.waited += now.saturating_duration_since(since);
        }
    }

    pub(crate) fn progress(&mut self, bytes: u64) {
        self.window_bytes = self.window_bytes.saturating_add(bytes);
    }

    /// Fails once a whole window of waiting moved too few bytes; a window
    /// that moved enough starts the next one.
    pub(crate) fn check(&mut self, now: Instant) -> Result<(), BodyError> {
        let s = self.config;
        if !s.enabled {
            return Ok(());
        }
        let waited = self.waited
            + self
                .waiting_since
                .map_or(Duration::ZERO, |p| now.saturating_duration_since(p));
        if waited < s.grace_period {
            return Ok(());
        }
        let needed = s
            .min_bytes_per_sec
            .saturating_mul(s.grace_period.as_secs().max(1));
        if self.window_bytes < needed {
            return Err(BodyError::Stalled {
                grace: s.grace_period,
                min_bytes_per_sec: s.min_bytes_per_sec,
                bytes: self.window_bytes,
            });
        }
        self.waited = Duration::ZERO;
        self.window_bytes = 0;
        self.waiting_since = self.waiting_since.map(|_| now);
        Ok(())
    }

    /// While waiting: when [`StallMeter::check`] is next worth calling.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        if !self.config.enabled {
            return None;
        }
        let since = self.waiting_since?;
        Some(since + self.config.grace_period.saturating_sub(self.waited))
    }
}

/// Stall detection, length and checksum checks over a response's chunks.
struct Checked {
    inner: BoxByteStream,
    hasher: Option<(Hasher, Algorithm, String)>,
    expected_length: Option<u64>,
    received: u64,
    meter: StallMeter,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    finished: bool,
}

impl Checked {
    fn new(inner: BoxByteStream, checks: ResponseChecks) -> Checked {
        Checked {
            inner,
            hasher: checks.checksum.map(|(a, v)| (a.hasher(), a, v)),
            expected_length: checks.content_length,
            received: 0,
            meter: StallMeter::new(checks.stalled),
            timer: None,
            finished: false,
        }
    }

    fn finish(&mut self) -> Result<(), BodyError> {
        if let Some(expected) = self.expected_length {
            if self.received != expected {
                return Err(BodyError::Length {
                    expected,
                    actual: self.received,
                });
            }
        }
        if let Some((hasher, algorithm, expected)) = self.hasher.take() {
            let computed = hasher.finish_base64();
            if computed != expected.trim() {
                return Err(BodyError::Checksum(ChecksumMismatch {
                    algorithm: algorithm.name(),
                    expected,
                    computed,
                }));
            }
        }
        Ok(())
    }
}

impl Stream for Checked {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(item) => {
                let now = Instant::now();
                this.meter.stop_waiting(now);
                this.timer = None;
                match item {
                    Some(Ok(chunk)) => {
                        this.received += chunk.len() as u64;
                        this.meter.progress(chunk.len() as u64);
                        if let Some((h, _, _)) = &mut this.hasher {
                            h.update(&chunk);
                        }
                        if let Err(e) = this.meter.check(now) {
                            this.finished = true;
                            return Poll::Ready(Some(Err(e)));
                        }
                        Poll::Ready(Some(Ok(chunk)))
                    }
                    Some(Err(e)) => {
                        this.finished = true;
                        Poll::Ready(Some(Err(e)))
                    }
                    None => {
                        this.finished = true;
                        match this.finish() {
                            Ok(()) => Poll::Ready(None),
                            Err(e) => Poll::Ready(Some(Err(e))),
                        }
                    }
                }
            }
            Poll::Pending => {
                let now = Instant::now();
                this.meter.start_waiting(now);
                if let Err(e) = this.meter.check(now) {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                let Some(deadline) = this.meter.deadline() else {
                    return Poll::Pending;
                };
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                if timer.as_mut().poll(cx).is_ready() {
                    this.timer = None;
                    if let Err(e) = this.meter.check(Instant::now()) {
                        this.finished = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }
        }
    }
}

// ---- request bodies under stalled-stream protection ----

/// A streamed request body under stalled-stream protection: from handing
/// the connection a chunk until it asks for the next counts as waiting.
/// Time the source takes to produce a chunk (a slow reader), time before the
/// first chunk (connecting) and time after the last one (the server
/// working on the request) do not.
struct MonitoredUpload {
    inner: reqwest::Body,
    /// Bytes still to send when the length is known: the connection does
    /// not ask again after the last of them.
    remaining: Option<u64>,
    state: Arc<std::sync::Mutex<UploadState>>,
}

#[derive(Debug)]
struct UploadState {
    meter: StallMeter,
    done: bool,
}

impl http_body::Body for MonitoredUpload {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, reqwest::Error>>> {
        let now = Instant::now();
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let mut state = this.state.lock().unwrap_or_else(|p| p.into_inner());
        state.meter.stop_waiting(now);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                let sent = frame.data_ref().map_or(0, |d| d.len() as u64);
                state.meter.progress(sent);
                if let Some(left) = &mut this.remaining {
                    *left = left.saturating_sub(sent);
                }
                if this.remaining == Some(0) {
                    state.done = true;
                } else {
                    state.meter.start_waiting(Instant::now());
                }
            }
            Poll::Ready(_) => state.done = true,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Watches a [`monitor_upload`] body.
#[derive(Debug, Clone)]
pub(crate) struct UploadWatch(Arc<std::sync::Mutex<UploadState>>);

/// `body` (of `length` bytes on the wire, when known) under stalled-stream
/// protection, and its watch: the connection stops polling a stalled body,
/// so the body cannot fail itself.
pub(crate) fn monitor_upload(
    body: reqwest::Body,
    length: Option<u64>,
    config: StalledStream,
) -> (reqwest::Body, UploadWatch) {
    let state = Arc::new(std::sync::Mutex::new(UploadState {
        meter: StallMeter::new(config),
        done: false,
    }));
    let body = MonitoredUpload {
        remaining: length.or(http_body::Body::size_hint(&body).exact()),
        inner: body,
        state: state.clone(),
    };
    (reqwest::Body::wrap(body), UploadWatch(state))
}

impl UploadWatch {
    /// Resolves with the stall once the upload stalls; never once the whole
    /// body has been sent.
    pub(crate) async fn stalled(&self) -> BodyError {
        // How often an upload that is not waiting is looked at again.
        const IDLE_TICK: Duration = Duration::from_secs(1);
        loop {
            let wake = {
                let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
                if state.done {
                    None
                } else if let Err(e) = state.meter.check(Instant::now()) {
                    return e;
                } else {
                    Some(state.meter.deadline().unwrap_or_else(|| {
                        Instant::now() + IDLE_TICK.min(state.meter.config.grace_period)
                    }))
                }
            };
            match wake {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_file_and_reader_bodies() {
        let b = ByteStream::from("hello");
        assert_eq!(b.len(), Some(5));
        assert!(b.is_replayable());
        assert_eq!(b.clone().collect().await.unwrap(), "hello");

        let dir = std::env::temp_dir().join(format!("boto-body-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let data: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let f = ByteStream::from_path(&path).await.unwrap();
        assert_eq!(f.len(), Some(data.len() as u64));
        // Files replay: two reads give the same bytes.
        assert!(f.request_stream().is_ok());
        assert_eq!(f.clone().collect().await.unwrap(), data);
        assert_eq!(f.collect().await.unwrap(), data);
        let part = ByteStream::from_file_range(&path, 10, 100);
        assert_eq!(part.collect().await.unwrap(), &data[10..110]);
        let past = ByteStream::from_file_range(&path, data.len() as u64 - 5, 10);
        assert!(matches!(
            past.collect().await,
            Err(BodyError::Length {
                expected: 10,
                actual: 5
            })
        ));

        let r = ByteStream::from_reader(std::io::Cursor::new(data.clone()), None);
        assert!(!r.is_replayable());
        let again = r.clone();
        assert_eq!(r.collect().await.unwrap(), data);
        assert!(matches!(again.collect().await, Err(BodyError::Consumed)));

        let mut s = ByteStream::from_stream(
            futures_util::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::from("a")),
                Ok(Bytes::from("b")),
            ]),
            Some(2),
        );
        assert_eq!(s.next().await.unwrap().unwrap(), "a");
        assert_eq!(s.next().await.unwrap().unwrap(), "b");
        assert!(s.next().await.is_none());

        let out = dir.join("out");
        let n = ByteStream::from(data.clone())
            .write_to_file(&out)
            .await
            .unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(std::fs::read(&out).unwrap(), data);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn aws_chunked_framing_and_length() {
        for data in [&b""[..], b"Hello world"] {
            let body: BoxByteStream = Box::pin(futures_util::stream::iter(
                data.chunks(4).map(|c| Ok(Bytes::copy_from_slice(c))),
            ));
            let encoded = ByteStream::from_boxed(
                aws_chunked(body, data.len() as u64, Algorithm::Crc32),
                None,
            )
            .collect()
            .await
            .unwrap();
            let expected = if data.is_empty() {
                format!(
                    "0\r\nx-amz-checksum-crc32:{}\r\n\r\n",
                    Algorithm::Crc32.checksum(data)
                )
            } else {
                format!(
                    "b\r\nHello world\r\n0\r\nx-amz-checksum-crc32:{}\r\n\r\n",
                    Algorithm::Crc32.checksum(data)
                )
            };
            assert_eq!(encoded, expected.as_bytes());
            assert_eq!(
                aws_chunked_length(data.len() as u64, Algorithm::Crc32),
                encoded.len() as u64
            );
        }
        // A source shorter than announced fails rather than sending a short body.
        let body: BoxByteStream =
            Box::pin(futures_util::stream::iter(vec![Ok(Bytes::from("abc"))]));
        let e = ByteStream::from_boxed(aws_chunked(body, 5, Algorithm::Sha256), None)
            .collect()
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                BodyError::Length {
                    expected: 5,
                    actual: 3
                }
            ),
            "{e}"
        );
    }

    fn checked(chunks: Vec<Result<Bytes, BodyError>>, checks: ResponseChecks) -> ByteStream {
        let inner: BoxByteStream = Box::pin(futures_util::stream::iter(chunks));
        ByteStream::from_boxed(Box::pin(Checked::new(inner, checks)), None)
    }

    #[tokio::test]
    async fn response_checks_length_and_checksum() {
        let ok = ResponseChecks {
            checksum: Some((Algorithm::Crc32, "i9aeUg==".into())),
            content_length: Some(11),
            stalled: StalledStream::default(),
        };
        let parts = || vec![Ok(Bytes::from("Hello ")), Ok(Bytes::from("world"))];
        assert_eq!(
            checked(parts(), ok.clone()).collect().await.unwrap(),
            "Hello world"
        );
        let bad = ResponseChecks {
            checksum: Some((Algorithm::Crc32, "AAAAAA==".into())),
            ..ok.clone()
        };
        assert!(matches!(
            checked(parts(), bad).collect().await,
            Err(BodyError::Checksum(_))
        ));
        let long = ResponseChecks {
            content_length: Some(20),
            ..ok
        };
        let e = checked(parts(), long).collect().await.unwrap_err();
        assert!(e.is_retryable(), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn stalls_count_only_waiting_time() {
        let stalled = StalledStream {
            enabled: true,
            grace_period: Duration::from_secs(5),
            min_bytes_per_sec: 1,
        };
        let checks = ResponseChecks {
            checksum: None,
            content_length: None,
            stalled,
        };
        // A source that never answers trips after the grace period.
        let never: BoxByteStream = Box::pin(futures_util::stream::pending());
        let mut s = ByteStream::from_boxed(Box::pin(Checked::new(never, checks.clone())), None);
        let started = tokio::time::Instant::now();
        let e = s.next().await.unwrap().unwrap_err();
        assert!(matches!(e, BodyError::Stalled { bytes: 0, .. }), "{e}");
        assert_eq!(started.elapsed(), Duration::from_secs(5));

        // A slow reader with a prompt source never trips, however slow it reads.
        let data: BoxByteStream = Box::pin(futures_util::stream::iter(
            (0..5).map(|_| Ok(Bytes::from_static(b"x"))),
        ));
        let mut s = ByteStream::from_boxed(Box::pin(Checked::new(data, checks)), None);
        let mut n = 0;
        while let Some(chunk) = s.next().await {
            chunk.unwrap();
            n += 1;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        assert_eq!(n, 5);
    }
}
