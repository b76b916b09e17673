//! A scripted loopback HTTP/1.1 server for tests of what moto cannot show
//! (throttling, hanging, wrong clocks, proxying): every connection gets one
//! request and one reply chosen by a handler, then is closed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target: a path, or an absolute URL when sent to a proxy.
    pub target: String,
    /// Header names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (`content-length` bytes).
    pub body: String,
}

impl Request {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP response.
    Response {
        /// Status code.
        status: u16,
        /// Extra headers (`content-length` and `connection: close` are added).
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
    },
    /// Keep the connection open without answering, for this long.
    Hang(Duration),
}

impl Reply {
    /// A response with a body and no extra headers.
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply::Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header to a response.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        if let Reply::Response { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.into()));
        }
        self
    }
}

/// What picks the reply: called with the 0-based request number and the request.
pub type Handler = dyn Fn(usize, &Request) -> Reply + Send + Sync;

/// A running server; it stops with the test's runtime.
pub struct LocalServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// `127.0.0.1:PORT`
    pub addr: std::net::SocketAddr,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl LocalServer {
    /// Starts a server answering with `handler`.
    pub async fn start(
        handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
    ) -> LocalServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (h, r) = (hits.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (h, r, handler) = (h.clone(), r.clone(), handler.clone());
                tokio::spawn(async move { serve(stream, &h, &r, &*handler).await });
            }
        });
        LocalServer {
            url: format!("http://{addr}"),
            addr,
            hits,
            requests,
        }
    }

    /// Answers the n-th request with `replies[n]` (the last one once they run out).
    pub async fn script(replies: Vec<Reply>) -> LocalServer {
        LocalServer::start(move |n, _| replies[n.min(replies.len() - 1)].clone()).await
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The requests received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    hits: &AtomicUsize,
    requests: &Mutex<Vec<Request>>,
    handler: &Handler,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    // Recorded before the count, so a test that sees the count sees the request.
    let n = {
        let mut all = requests.lock().unwrap();
        all.push(request.clone());
        hits.fetch_add(1, Ordering::SeqCst)
    };
    match handler(n, &request) {
        Reply::Response {
            status,
            headers,
            body,
        } => {
            let mut reply = format!("HTTP/1.1 {status} X\r\n");
            for (name, value) in headers {
                reply.push_str(&format!("{name}: {value}\r\n"));
            }
            reply.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            ));
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hang(d) => tokio::time::sleep(d).await,
    }
}

/// Reads one request: the head, then `content-length` body bytes.
pub async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next().unwrap_or_default().split(' ');
            let method = first.next().unwrap_or_default().to_owned();
            let target = first.next().unwrap_or_default().to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() - end - 4 >= length {
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).into_owned();
                return Some(Request {
                    method,
                    target,
                    headers,
                    body,
                });
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
