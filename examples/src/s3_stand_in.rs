//! A fast, local stand-in for S3, for benchmarking managed transfers
//! (`cargo xtask bench transfer`): the point is to measure the clients, so
//! the server stores object sizes, not contents, discards request bodies as
//! they arrive (dropped in the kernel with `recv(MSG_TRUNC)`, or read in
//! 1 MiB chunks when framing must be parsed; only counted), and serves every GET
//! body from one static buffer of a deterministic pattern (the byte at
//! offset `o` of any object is `(o % 251) as u8`, see [`pattern_byte`]),
//! written in 8 MiB slices straight from that buffer.
//!
//! HTTP/1.1 by hand on tokio: keep-alive, one task per connection,
//! `Expect: 100-continue`, `Transfer-Encoding: chunked` request bodies.
//! Path-style S3 (`/bucket/key`), any or no authorization. Operations:
//! CreateBucket, HeadBucket, DeleteBucket, PutObject, CopyObject,
//! HeadObject, GetObject (with `Range`), DeleteObject, the multipart upload
//! calls (create, part, part copy, complete, abort, list uploads). Anything
//! else is answered `501` with an XML error naming the request.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use percent_encoding::percent_decode_str;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The XML namespace of S3 responses.
const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
/// Size of each connection's read buffer (headers and body chunks).
const READ_BUF: usize = 1 << 20;
/// GET bodies are written in slices of this size from [`pattern`].
const WRITE_CHUNK: usize = 8 << 20;
/// The pattern's period.
const PERIOD: u64 = 251;
/// Body bytes still to come from which the server discards straight from
/// the socket (`MSG_TRUNC`) instead of reading them.
const DISCARD_MIN: usize = 64 << 10;
/// The most bytes one discarding `recv` drops.
const DISCARD_MAX: usize = 16 << 20;
/// Request bodies kept for parsing (CompleteMultipartUpload's part list).
const KEEP_MAX: usize = 1 << 20;

/// The byte at `offset` of every object this server serves.
pub fn pattern_byte(offset: u64) -> u8 {
    (offset % PERIOD) as u8
}

/// Fills `buf` with the pattern bytes of offsets `offset..offset + buf.len()`.
pub fn fill_pattern(offset: u64, buf: &mut [u8]) {
    let mut v = (offset % PERIOD) as u8;
    for b in buf {
        *b = v;
        v = if u64::from(v) + 1 == PERIOD { 0 } else { v + 1 };
    }
}

/// The pattern bytes of offsets `offset..offset + len`, borrowed from the
/// server's static buffer; `len` at most [`PATTERN_SLICE_MAX`].
pub fn pattern_slice(offset: u64, len: usize) -> &'static [u8] {
    assert!(len <= PATTERN_SLICE_MAX, "pattern slices are at most 8 MiB");
    let start = (offset % PERIOD) as usize;
    &pattern()[start..start + len]
}

/// The longest [`pattern_slice`].
pub const PATTERN_SLICE_MAX: usize = WRITE_CHUNK;

/// `WRITE_CHUNK + PERIOD` pattern bytes from offset 0: any run of up to
/// `WRITE_CHUNK` bytes starting at offset `o` is the slice at `o % PERIOD`.
fn pattern() -> &'static [u8] {
    static PATTERN: OnceLock<Box<[u8]>> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let mut buf = vec![0; WRITE_CHUNK + PERIOD as usize].into_boxed_slice();
        fill_pattern(0, &mut buf);
        buf
    })
}

#[derive(Debug, Clone)]
struct Object {
    size: u64,
    etag: String,
    modified: OffsetDateTime,
}

#[derive(Debug)]
struct Upload {
    bucket: String,
    key: String,
    initiated: OffsetDateTime,
    /// Part number → (size, ETag).
    parts: BTreeMap<u32, (u64, String)>,
}

#[derive(Debug, Default)]
struct Store {
    buckets: HashSet<String>,
    objects: HashMap<(String, String), Object>,
    uploads: HashMap<String, Upload>,
}

#[derive(Debug, Default)]
struct State {
    store: Mutex<Store>,
    requests: AtomicU64,
    bytes_received: AtomicU64,
    bytes_sent: AtomicU64,
    next_id: AtomicU64,
}

impl State {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A handler never panics while holding the lock; recover anyway.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A made-up but unique ETag (quoted, 32 hex digits): the server never
    /// sees whole contents, so it cannot give their MD5.
    fn etag(&self, size: u64) -> String {
        format!("\"{:016x}{:016x}\"", self.next_id(), size)
    }
}

/// The server: running until dropped.
#[derive(Debug)]
pub struct StandIn {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Option<tokio::task::JoinHandle<()>>,
    background: Option<(
        tokio::sync::oneshot::Sender<()>,
        std::thread::JoinHandle<()>,
    )>,
}

impl StandIn {
    /// Starts the server on a free loopback port, on the current tokio
    /// runtime (each connection on its own task).
    pub async fn start() -> io::Result<StandIn> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let accept = tokio::spawn(accept_loop(listener, state.clone()));
        Ok(StandIn {
            addr,
            state,
            accept: Some(accept),
            background: None,
        })
    }

    /// Starts the server on a runtime of its own, in a thread of its own
    /// (for a program without a tokio runtime); `workers` runtime threads.
    pub fn start_in_background(workers: usize) -> io::Result<StandIn> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name("s3-stand-in")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::Builder::new()
            .name("s3-stand-in-main".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        () = accept_loop(listener, st) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime ends every connection task.
                drop(runtime);
            })?;
        Ok(StandIn {
            addr,
            state,
            accept: None,
            background: Some((stop, thread)),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The size of a stored object.
    pub fn object_size(&self, bucket: &str, key: &str) -> Option<u64> {
        self.state
            .store()
            .objects
            .get(&(bucket.to_owned(), key.to_owned()))
            .map(|o| o.size)
    }

    /// Creates a bucket (as CreateBucket would).
    pub fn create_bucket(&self, bucket: &str) {
        self.state.store().buckets.insert(bucket.to_owned());
    }

    /// Stores an object of `size` pattern bytes without uploading it (the
    /// bucket is created if needed).
    pub fn insert_object(&self, bucket: &str, key: &str, size: u64) {
        let etag = self.state.etag(size);
        let mut store = self.state.store();
        store.buckets.insert(bucket.to_owned());
        store.objects.insert(
            (bucket.to_owned(), key.to_owned()),
            Object {
                size,
                etag,
                modified: OffsetDateTime::now_utc(),
            },
        );
    }

    /// Multipart uploads created and neither completed nor aborted.
    pub fn uploads_in_progress(&self) -> usize {
        self.state.store().uploads.len()
    }

    /// Requests answered so far (`100 Continue` not counted).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Request body bytes received (after HTTP chunked decoding).
    pub fn bytes_received(&self) -> u64 {
        self.state.bytes_received.load(Ordering::Relaxed)
    }

    /// Response body bytes sent.
    pub fn bytes_sent(&self) -> u64 {
        self.state.bytes_sent.load(Ordering::Relaxed)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        if let Some((stop, thread)) = self.background.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &state).await;
                });
            }
            // Out of file descriptors or similar: back off and go on.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

/// A request's line and headers.
#[derive(Debug)]
struct Head {
    method: String,
    target: String,
    http11: bool,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

/// One connection's socket and read buffer (`buf[start..end]` unread).
struct Conn<'s> {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Never written nor read: the length limit of a discarding `recv`.
    sink: Vec<std::mem::MaybeUninit<u8>>,
    state: &'s State,
}

impl Conn<'_> {
    /// Reads more bytes after `end`; 0 at end of stream.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start == 0 {
                return Err(bad("request line or headers too long"));
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    /// The bytes up to `delim`, consumed with it; `None` at a clean end of
    /// stream before any byte.
    async fn read_until(&mut self, delim: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let mut scanned = 0;
        loop {
            let avail = &self.buf[self.start..self.end];
            if let Some(pos) = find(&avail[scanned..], delim) {
                let pos = scanned + pos;
                let out = avail[..pos].to_vec();
                self.start += pos + delim.len();
                return Ok(Some(out));
            }
            // Offsets are from `start`, which `fill` keeps pointing at the
            // same byte when it moves the unread bytes to the front.
            scanned = avail.len().saturating_sub(delim.len() - 1);
            if self.fill().await? == 0 {
                if self.start == self.end {
                    return Ok(None);
                }
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    async fn read_head(&mut self) -> io::Result<Option<Head>> {
        let Some(raw) = self.read_until(b"\r\n\r\n").await? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&raw).map_err(|_| bad("headers are not UTF-8"))?;
        let mut lines = text.split("\r\n");
        let line = lines.next().unwrap_or_default();
        let mut parts = line.split(' ');
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("bad request line"));
        };
        let mut headers = Vec::new();
        for l in lines {
            let (n, v) = l.split_once(':').ok_or_else(|| bad("bad header line"))?;
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
        Ok(Some(Head {
            method: method.to_owned(),
            target: target.to_owned(),
            http11: version == "HTTP/1.1",
            headers,
        }))
    }

    /// Consumes `n` body bytes, keeping the first [`KEEP_MAX`] in `keep`
    /// when given.
    async fn consume(&mut self, mut n: u64, keep: &mut Option<Vec<u8>>) -> io::Result<()> {
        while n > 0 {
            if self.start == self.end && keep.is_none() && n >= DISCARD_MIN as u64 {
                let got = self.discard_from_socket(n).await?;
                n -= got as u64;
                self.state
                    .bytes_received
                    .fetch_add(got as u64, Ordering::Relaxed);
                continue;
            }
            if self.start == self.end && self.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let take = n.min((self.end - self.start) as u64) as usize;
            if let Some(k) = keep {
                let room = KEEP_MAX.saturating_sub(k.len()).min(take);
                k.extend_from_slice(&self.buf[self.start..self.start + room]);
            }
            self.start += take;
            n -= take as u64;
            self.state
                .bytes_received
                .fetch_add(take as u64, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Drops up to `n` bytes (at least one) that are waiting on the socket,
    /// without copying them: `recv(MSG_TRUNC)` on a TCP socket discards
    /// in the kernel (Linux), so a large body costs the server no copy.
    /// The buffer handed to `recv` is never written (virtual memory only).
    async fn discard_from_socket(&mut self, n: u64) -> io::Result<usize> {
        let (stream, sink) = (&self.stream, &mut self.sink);
        loop {
            stream.readable().await?;
            let want = n.min(sink.len() as u64) as usize;
            let got = stream.try_io(tokio::io::Interest::READABLE, || {
                socket2::SockRef::from(stream).recv_with_flags(&mut sink[..want], libc::MSG_TRUNC)
            });
            match got {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(got) => return Ok(got),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the body as framed by the headers; its decoded length.
    async fn read_body(&mut self, head: &Head, keep: &mut Option<Vec<u8>>) -> io::Result<u64> {
        if head.has_token("transfer-encoding", "chunked") {
            let mut total = 0;
            loop {
                let line = self
                    .read_until(b"\r\n")
                    .await?
                    .ok_or(io::ErrorKind::UnexpectedEof)?;
                let line = String::from_utf8_lossy(&line);
                let size = line.split(';').next().unwrap_or_default().trim();
                let size = u64::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
                if size == 0 {
                    // Trailers, up to an empty line.
                    loop {
                        let t = self
                            .read_until(b"\r\n")
                            .await?
                            .ok_or(io::ErrorKind::UnexpectedEof)?;
                        if t.is_empty() {
                            return Ok(total);
                        }
                    }
                }
                self.consume(size, keep).await?;
                total += size;
                let crlf = self
                    .read_until(b"\r\n")
                    .await?
                    .ok_or(io::ErrorKind::UnexpectedEof)?;
                if !crlf.is_empty() {
                    return Err(bad("chunk not followed by CRLF"));
                }
            }
        }
        let len = match head.header("content-length") {
            Some(v) => v.parse().map_err(|_| bad("bad content-length"))?,
            None => 0,
        };
        self.consume(len, keep).await?;
        Ok(len)
    }

    async fn respond(&mut self, head_only: bool, resp: Response, close: bool) -> io::Result<()> {
        let (len, reason) = (resp.body.len(), reason(resp.status));
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nServer: s3-stand-in\r\nDate: {}\r\nx-amz-request-id: {:016X}\r\nContent-Length: {len}\r\n",
            resp.status,
            http_date(OffsetDateTime::now_utc()),
            self.state.next_id(),
        );
        for (n, v) in &resp.headers {
            out.push_str(n);
            out.push_str(": ");
            out.push_str(v);
            out.push_str("\r\n");
        }
        if close {
            out.push_str("Connection: close\r\n");
        }
        out.push_str("\r\n");
        if head_only {
            return self.stream.write_all(out.as_bytes()).await;
        }
        match resp.body {
            Body::Bytes(b) => {
                let mut all = out.into_bytes();
                all.extend_from_slice(&b);
                self.stream.write_all(&all).await?;
                self.state
                    .bytes_sent
                    .fetch_add(b.len() as u64, Ordering::Relaxed);
            }
            Body::Pattern { offset, len } => {
                self.stream.write_all(out.as_bytes()).await?;
                let (mut off, mut left) = (offset, len);
                while left > 0 {
                    let n = left.min(WRITE_CHUNK as u64) as usize;
                    self.stream.write_all(pattern_slice(off, n)).await?;
                    self.state.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
                    off += n as u64;
                    left -= n as u64;
                }
            }
        }
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn serve(stream: TcpStream, state: &State) -> io::Result<()> {
    let mut conn = Conn {
        stream,
        buf: vec![0; READ_BUF],
        start: 0,
        end: 0,
        sink: Vec::with_capacity(DISCARD_MAX),
        state,
    };
    // Length without initialization: `MaybeUninit` needs none.
    conn.sink
        .resize_with(DISCARD_MAX, std::mem::MaybeUninit::uninit);
    loop {
        let head = match conn.read_head().await {
            Ok(Some(h)) => h,
            Ok(None) => return Ok(()),
            Err(e) => {
                let resp = error(400, "BadRequest", &e.to_string(), "");
                let _ = conn.respond(false, resp, true).await;
                return Err(e);
            }
        };
        if head.http11 && head.has_token("expect", "100-continue") {
            conn.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        let mut keep = (head.method == "POST").then(Vec::new);
        let body_len = conn.read_body(&head, &mut keep).await?;
        state.requests.fetch_add(1, Ordering::Relaxed);
        let close = !head.http11 || head.has_token("connection", "close");
        let host = head.header("host").unwrap_or("localhost").to_owned();
        let resp = route(
            state,
            &head,
            &host,
            body_len,
            keep.as_deref().unwrap_or_default(),
        );
        conn.respond(head.method == "HEAD", resp, close).await?;
        if close {
            return Ok(());
        }
    }
}

#[derive(Debug)]
enum Body {
    Bytes(Vec<u8>),
    /// Pattern bytes of offsets `offset..offset + len`.
    Pattern {
        offset: u64,
        len: u64,
    },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Pattern { len, .. } => *len,
        }
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

impl Response {
    fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    fn xml(status: u16, xml: String) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "application/xml".into())],
            body: Body::Bytes(xml.into_bytes()),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        416 => "Range Not Satisfiable",
        501 => "Not Implemented",
        _ => "Status",
    }
}

/// Element text escaped as S3 writes it (quotes too: its ETags read
/// `&quot;…&quot;`), unlike the runtime's minimal writer.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn error(status: u16, code: &str, message: &str, resource: &str) -> Response {
    Response::xml(
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><Resource>{}</Resource><RequestId>stand-in</RequestId></Error>",
            esc(message),
            esc(resource)
        ),
    )
}

fn http_date(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&f).unwrap_or_default()
}

fn iso_date(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&f).unwrap_or_default()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `(bucket, key)` of a path-style path (`/bucket/key/with/slashes`).
fn split_path(path: &str) -> (String, String) {
    let path = path.strip_prefix('/').unwrap_or(path);
    match path.split_once('/') {
        Some((b, k)) => (decode(b), decode(k)),
        None => (decode(path), String::new()),
    }
}

fn query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// `(first, last)` byte offsets of a `Range: bytes=…` header against an
/// object of `size` bytes; `Err` when unsatisfiable, `Ok(None)` when the
/// header is not a single byte range (then ignored, as S3 does).
fn parse_range(v: &str, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // The last `b` bytes.
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || size == 0 {
            return Err(());
        }
        return Ok(Some((size.saturating_sub(n), size - 1)));
    }
    let first: u64 = a.parse().map_err(|_| ())?;
    if first >= size {
        return Err(());
    }
    let last = if b.is_empty() {
        size - 1
    } else {
        b.parse::<u64>().map_err(|_| ())?.min(size - 1)
    };
    if last < first {
        return Ok(None);
    }
    Ok(Some((first, last)))
}

fn route(state: &State, head: &Head, host: &str, body_len: u64, body: &[u8]) -> Response {
    let (path, q) = head.target.split_once('?').unwrap_or((&head.target, ""));
    let q = query(q);
    let (bucket, key) = split_path(path);
    let method = head.method.as_str();
    let resource = format!("/{bucket}/{key}");
    let unknown = || {
        let mut params: Vec<_> = q.keys().map(String::as_str).collect();
        params.sort_unstable();
        error(
            501,
            "NotImplemented",
            &format!(
                "the S3 stand-in does not implement {method} {} (query parameters: {})",
                head.target,
                params.join(", ")
            ),
            &resource,
        )
    };
    if bucket.is_empty() {
        return unknown();
    }
    let mut store = state.store();
    let creating_bucket = method == "PUT" && key.is_empty();
    if !creating_bucket && !store.buckets.contains(&bucket) {
        return error(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
            &bucket,
        );
    }
    if key.is_empty() {
        return match method {
            "PUT" if q.is_empty() => {
                store.buckets.insert(bucket.clone());
                Response::empty(200).header("Location", format!("/{bucket}"))
            }
            "HEAD" if q.is_empty() => {
                Response::empty(200).header("x-amz-bucket-region", "us-east-1")
            }
            "DELETE" if q.is_empty() => {
                store.buckets.remove(&bucket);
                store.objects.retain(|(b, _), _| *b != bucket);
                Response::empty(204)
            }
            "GET" if q.contains_key("uploads") => {
                let mut uploads: Vec<_> = store
                    .uploads
                    .iter()
                    .filter(|(_, u)| u.bucket == bucket)
                    .collect();
                uploads.sort_by(|a, b| (&a.1.key, a.0).cmp(&(&b.1.key, b.0)));
                let mut xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult xmlns=\"{NS}\"><Bucket>{}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>",
                    esc(&bucket)
                );
                for (id, u) in uploads {
                    xml.push_str(&format!(
                        "<Upload><Key>{}</Key><UploadId>{id}</UploadId><Initiator><ID>stand-in</ID><DisplayName>stand-in</DisplayName></Initiator><Owner><ID>stand-in</ID><DisplayName>stand-in</DisplayName></Owner><StorageClass>STANDARD</StorageClass><Initiated>{}</Initiated></Upload>",
                        esc(&u.key),
                        iso_date(u.initiated)
                    ));
                }
                xml.push_str("</ListMultipartUploadsResult>");
                Response::xml(200, xml)
            }
            _ => unknown(),
        };
    }
    let upload_id = q.get("uploadId");
    let part_number = q.get("partNumber");
    let no_upload = |id: &str| {
        error(
            404,
            "NoSuchUpload",
            &format!("The specified upload does not exist: {id}"),
            &resource,
        )
    };
    match method {
        "PUT" => {
            // The size this PUT gives the object or part.
            let size = if let Some(src) = head.header("x-amz-copy-source") {
                let src = src.split('?').next().unwrap_or_default();
                let (sb, sk) = split_path(&format!("/{}", src.trim_start_matches('/')));
                let Some(obj) = store.objects.get(&(sb.clone(), sk.clone())) else {
                    return error(
                        404,
                        "NoSuchKey",
                        "The specified key does not exist.",
                        &format!("/{sb}/{sk}"),
                    );
                };
                match head.header("x-amz-copy-source-range") {
                    Some(r) => match parse_range(r, obj.size) {
                        Ok(Some((a, b))) => b - a + 1,
                        _ => {
                            return error(
                                416,
                                "InvalidRange",
                                "The requested range is not satisfiable",
                                &resource,
                            )
                        }
                    },
                    None => obj.size,
                }
            } else {
                head.header("x-amz-decoded-content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(body_len)
            };
            let copy = head.header("x-amz-copy-source").is_some();
            let etag = state.etag(size);
            let now = OffsetDateTime::now_utc();
            match (upload_id, part_number) {
                (Some(id), Some(n)) => {
                    let Ok(n) = n.parse::<u32>() else {
                        return error(400, "InvalidArgument", "bad partNumber", &resource);
                    };
                    let Some(upload) = store.uploads.get_mut(id) else {
                        return no_upload(id);
                    };
                    upload.parts.insert(n, (size, etag.clone()));
                    if copy {
                        Response::xml(200, format!(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyPartResult xmlns=\"{NS}\"><LastModified>{}</LastModified><ETag>{}</ETag></CopyPartResult>",
                            iso_date(now),
                            esc(&etag)
                        ))
                    } else {
                        Response::empty(200).header("ETag", etag)
                    }
                }
                (None, None) => {
                    store.objects.insert(
                        (bucket, key),
                        Object {
                            size,
                            etag: etag.clone(),
                            modified: now,
                        },
                    );
                    if copy {
                        Response::xml(200, format!(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult xmlns=\"{NS}\"><LastModified>{}</LastModified><ETag>{}</ETag></CopyObjectResult>",
                            iso_date(now),
                            esc(&etag)
                        ))
                    } else {
                        Response::empty(200).header("ETag", etag)
                    }
                }
                _ => unknown(),
            }
        }
        "POST" if q.contains_key("uploads") => {
            let id = format!(
                "{:016x}{:08x}",
                OffsetDateTime::now_utc().unix_timestamp_nanos() as u64,
                state.next_id()
            );
            store.uploads.insert(
                id.clone(),
                Upload {
                    bucket: bucket.clone(),
                    key: key.clone(),
                    initiated: OffsetDateTime::now_utc(),
                    parts: BTreeMap::new(),
                },
            );
            Response::xml(200, format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"{NS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>",
                esc(&bucket),
                esc(&key)
            ))
        }
        "POST" if upload_id.is_some() => {
            let id = upload_id.map(String::as_str).unwrap_or_default();
            let Some(upload) = store.uploads.get(id) else {
                return no_upload(id);
            };
            if upload.bucket != bucket || upload.key != key {
                return no_upload(id);
            }
            // The parts the body lists, or all of them when it lists none.
            let text = String::from_utf8_lossy(body);
            let listed: Vec<u32> = text
                .split("<PartNumber>")
                .skip(1)
                .filter_map(|s| s.split('<').next()?.trim().parse().ok())
                .collect();
            let numbers: Vec<u32> = if listed.is_empty() {
                upload.parts.keys().copied().collect()
            } else {
                listed
            };
            if numbers.is_empty() {
                return error(
                    400,
                    "MalformedXML",
                    "You must specify at least one part",
                    &resource,
                );
            }
            let mut size = 0;
            for n in &numbers {
                match upload.parts.get(n) {
                    Some((s, _)) => size += s,
                    None => {
                        return error(
                            400,
                            "InvalidPart",
                            &format!("part {n} was not uploaded"),
                            &resource,
                        )
                    }
                }
            }
            let etag = format!(
                "\"{:016x}{:016x}-{}\"",
                state.next_id(),
                size,
                numbers.len()
            );
            store.uploads.remove(id);
            store.objects.insert(
                (bucket.clone(), key.clone()),
                Object {
                    size,
                    etag: etag.clone(),
                    modified: OffsetDateTime::now_utc(),
                },
            );
            Response::xml(200, format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"{NS}\"><Location>http://{}/{}/{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag></CompleteMultipartUploadResult>",
                esc(host),
                esc(&bucket),
                esc(&key),
                esc(&bucket),
                esc(&key),
                esc(&etag)
            ))
        }
        "DELETE" => match upload_id {
            Some(id) => match store.uploads.remove(id) {
                Some(_) => Response::empty(204),
                None => no_upload(id),
            },
            None => {
                store.objects.remove(&(bucket, key));
                Response::empty(204)
            }
        },
        "GET" | "HEAD" if upload_id.is_none() => {
            let Some(obj) = store.objects.get(&(bucket.clone(), key.clone())) else {
                return error(
                    404,
                    "NoSuchKey",
                    "The specified key does not exist.",
                    &resource,
                );
            };
            let obj = obj.clone();
            drop(store);
            if let Some(m) = head.header("if-match") {
                if m != "*" && m.trim() != obj.etag {
                    return error(
                        412,
                        "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold",
                        "If-Match",
                    );
                }
            }
            let base = |status: u16, offset: u64, len: u64| Response {
                status,
                headers: vec![
                    ("ETag", obj.etag.clone()),
                    ("Last-Modified", http_date(obj.modified)),
                    ("Accept-Ranges", "bytes".into()),
                    ("Content-Type", "binary/octet-stream".into()),
                ],
                body: Body::Pattern { offset, len },
            };
            match head.header("range").map(|r| parse_range(r, obj.size)) {
                Some(Ok(Some((a, b)))) => base(206, a, b - a + 1)
                    .header("Content-Range", format!("bytes {a}-{b}/{}", obj.size)),
                Some(Err(())) => error(
                    416,
                    "InvalidRange",
                    "The requested range is not satisfiable",
                    &resource,
                )
                .header("Content-Range", format!("bytes */{}", obj.size)),
                _ => base(200, 0, obj.size),
            }
        }
        _ => unknown(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml_value(xml: &str, tag: &str) -> String {
        let open = format!("<{tag}>");
        let from = xml.find(&open).expect(tag) + open.len();
        let to = xml[from..].find('<').expect(tag) + from;
        xml[from..to].to_owned()
    }

    #[tokio::test]
    async fn put_get_multipart_round_trip() {
        let server = StandIn::start().await.unwrap();
        let url = server.url();
        let http = reqwest::Client::new();

        let r = http.put(format!("{url}/bkt")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = http.head(format!("{url}/bkt")).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // PutObject, a key with slashes and an escaped space.
        let r = http
            .put(format!("{url}/bkt/dir/a%20b.bin"))
            .body(vec![7u8; 1000])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().contains_key("etag"));
        assert_eq!(server.object_size("bkt", "dir/a b.bin"), Some(1000));

        let r = http
            .head(format!("{url}/bkt/dir/a%20b.bin"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-length"], "1000");
        assert_eq!(r.headers()["accept-ranges"], "bytes");
        assert!(r.headers()["last-modified"]
            .to_str()
            .unwrap()
            .ends_with(" GMT"));

        let r = http
            .get(format!("{url}/bkt/dir/a%20b.bin"))
            .header("range", "bytes=500-")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 500-999/1000");
        let body = r.bytes().await.unwrap();
        assert_eq!(body.len(), 500);
        assert!(body
            .iter()
            .enumerate()
            .all(|(i, &b)| b == pattern_byte(500 + i as u64)));

        // Multipart: two parts of 5 MiB and 1 MiB.
        let r = http
            .post(format!("{url}/bkt/big?uploads"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let id = xml_value(&r.text().await.unwrap(), "UploadId");
        let list = http
            .get(format!("{url}/bkt?uploads"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            list.contains(&format!("<UploadId>{id}</UploadId>")),
            "{list}"
        );
        let mut etags = Vec::new();
        for (n, len) in [(1, 5 << 20), (2, 1 << 20)] {
            let r = http
                .put(format!("{url}/bkt/big?partNumber={n}&uploadId={id}"))
                .body(vec![1u8; len])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            etags.push(r.headers()["etag"].to_str().unwrap().to_owned());
        }
        let complete = format!(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
            etags[0], etags[1]
        );
        let r = http
            .post(format!("{url}/bkt/big?uploadId={id}"))
            .body(complete)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let xml = r.text().await.unwrap();
        assert!(xml_value(&xml, "ETag").ends_with("-2&quot;"), "{xml}");
        assert_eq!(server.object_size("bkt", "big"), Some(6 << 20));
        assert_eq!(server.uploads_in_progress(), 0);

        let r = http.get(format!("{url}/bkt/big")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = r.bytes().await.unwrap();
        assert_eq!(body.len(), 6 << 20);
        assert!(body
            .iter()
            .enumerate()
            .all(|(i, &b)| b == pattern_byte(i as u64)));

        // Copy, abort, delete, missing keys, unknown operations.
        let r = http
            .put(format!("{url}/bkt/copy"))
            .header("x-amz-copy-source", "/bkt/big")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("<CopyObjectResult"));
        assert_eq!(server.object_size("bkt", "copy"), Some(6 << 20));
        let id = xml_value(
            &http
                .post(format!("{url}/bkt/gone?uploads"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "UploadId",
        );
        let r = http
            .delete(format!("{url}/bkt/gone?uploadId={id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let r = http.delete(format!("{url}/bkt/copy")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let r = http.get(format!("{url}/bkt/copy")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("NoSuchKey"));
        let r = http
            .get(format!("{url}/bkt/big?tagging"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET object ignores unknown parameters");
        let r = http
            .post(format!("{url}/bkt/big?select"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 501);
        assert!(r.text().await.unwrap().contains("POST /bkt/big?select"));
        assert!(server.requests() >= 15);
    }

    /// `Expect: 100-continue` and a chunked, aws-chunked body, as botocore
    /// sends them, on one keep-alive connection followed by a second request.
    #[tokio::test]
    async fn expect_continue_and_chunked_body() {
        let server = StandIn::start().await.unwrap();
        server.create_bucket("b");
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(
            b"PUT /b/k HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\nContent-Encoding: aws-chunked\r\nx-amz-decoded-content-length: 3\r\n\r\n",
        )
        .await
        .unwrap();
        let mut buf = vec![0; 4096];
        let n = s.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"HTTP/1.1 100 Continue\r\n\r\n");
        let inner = b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";
        let mut body = format!("{:x}\r\n", inner.len()).into_bytes();
        body.extend_from_slice(inner);
        body.extend_from_slice(b"\r\n0\r\n\r\n");
        body.extend_from_slice(b"HEAD /b/k HTTP/1.1\r\nHost: x\r\n\r\n");
        s.write_all(&body).await.unwrap();
        let mut got = String::new();
        while got.matches("\r\n\r\n").count() < 2 {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed early: {got}");
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
        assert!(got.contains("Content-Length: 3\r\n"), "{got}");
        assert_eq!(server.object_size("b", "k"), Some(3));
        assert_eq!(server.bytes_received(), inner.len() as u64);
    }

    #[test]
    fn background_runtime_and_ranges() {
        let server = StandIn::start_in_background(1).unwrap();
        server.insert_object("b", "k", 10);
        assert_eq!(server.object_size("b", "k"), Some(10));
        assert!(server.url().starts_with("http://127.0.0.1:"));
        assert_eq!(parse_range("bytes=0-4", 10), Ok(Some((0, 4))));
        assert_eq!(parse_range("bytes=5-", 10), Ok(Some((5, 9))));
        assert_eq!(parse_range("bytes=-3", 10), Ok(Some((7, 9))));
        assert_eq!(parse_range("bytes=8-100", 10), Ok(Some((8, 9))));
        assert_eq!(parse_range("bytes=10-", 10), Err(()));
        let mut buf = [0; 600];
        fill_pattern(300, &mut buf);
        assert!(buf
            .iter()
            .enumerate()
            .all(|(i, &b)| b == pattern_byte(300 + i as u64)));
        assert_eq!(pattern()[251], 0);
        assert_eq!(pattern_slice(300, 600), &buf[..]);
    }
}
