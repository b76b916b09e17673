//! A tiny HTTP/1.1 server on `127.0.0.1:0` for tests that need what moto
//! lacks: IMDS, the container endpoint, the SSO portal and OIDC, faults.
//! Built for the runtime's unit tests and, with the `test-util` feature, for
//! the integration tests; not part of the API.
//!
//! Responses are scripted per method and path, or computed by a handler;
//! every request is recorded.
//! One request per connection (`Connection: close`), so a test can count
//! requests without caring about connection reuse.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `PUT`, …
    pub method: String,
    /// The request target as sent (path and query).
    pub path: String,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (`content-length` bytes).
    pub body: Vec<u8>,
    /// 0-based arrival order on this server.
    pub number: usize,
}

impl Request {
    /// The path without the query.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answers with this status, headers and body.
    Respond {
        /// The HTTP status.
        status: u16,
        /// Headers (`content-length` and `connection: close` are added).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Reads the request and never answers (the connection stays open).
    Hang,
    /// Announces `length` bytes of body, sends `body` (fewer), then stalls
    /// with the connection open.
    Stall {
        /// The HTTP status.
        status: u16,
        /// Headers (`content-length: length` is added).
        headers: Vec<(String, String)>,
        /// What is sent of the body.
        body: Vec<u8>,
        /// The announced length.
        length: usize,
    },
    /// Reads the request and closes the connection without answering.
    Close,
    /// Writes each part as it is, after its delay (malformed heads, wrong
    /// lengths, slow headers), then ends the connection as `end` says.
    Raw {
        /// `(delay before, bytes)`, in order.
        parts: Vec<(std::time::Duration, Vec<u8>)>,
        /// What happens after the last part.
        end: RawEnd,
    },
}

/// How a [`Reply::Raw`] connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawEnd {
    /// An orderly close (FIN).
    Close,
    /// A reset (RST): `SO_LINGER` of zero, then close.
    Reset,
    /// Left open and silent.
    Hang,
}

impl Reply {
    /// `status` with a text body.
    pub fn status(status: u16, body: impl Into<String>) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: body.into().into_bytes(),
        }
    }

    /// 200 with a text body.
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply::status(200, body)
    }

    /// 200 with a JSON body.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::json_text(200, value.to_string())
    }

    /// `status` with JSON text as the body.
    pub fn json_text(status: u16, body: impl Into<String>) -> Reply {
        Reply::status(status, body).header("content-type", "application/json")
    }

    /// Adds a response header (no effect on `Hang` and `Close`).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.into()));
        }
        self
    }
}

/// Answers requests no route matches.
type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

#[derive(Default)]
struct State {
    /// Per `METHOD path`: replies in order; the last one repeats.
    routes: HashMap<String, VecDeque<Reply>>,
    handler: Option<Handler>,
    requests: Vec<Request>,
}

/// A running test server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: JoinHandle<()>,
}

impl TestServer {
    /// Starts listening on `127.0.0.1` (a free port). Unscripted requests get 404.
    /// Must be called inside a tokio runtime.
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        TestServer {
            addr,
            state,
            accept,
        }
    }

    /// Starts a server answering every request with `handler`.
    pub async fn with_handler(
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let server = TestServer::start().await;
        server.state.lock().unwrap().handler = Some(Arc::new(handler));
        server
    }

    /// Starts a server answering the n-th request, whatever it is, with
    /// `replies[n]` (the last one once they run out).
    pub async fn sequence(replies: Vec<Reply>) -> TestServer {
        assert!(!replies.is_empty(), "a sequence needs at least one reply");
        TestServer::with_handler(move |r| replies[r.number.min(replies.len() - 1)].clone()).await
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.state.lock().unwrap().requests.len()
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers every `method path` request with `reply`.
    pub fn route(&self, method: &str, path: &str, reply: Reply) -> &TestServer {
        self.script(method, path, [reply])
    }

    /// Answers successive `method path` requests with `replies` in order; the
    /// last one repeats (`[500, 500, ok]`: two counted failures, then success).
    /// `path` matches the request target exactly, or its path without the query.
    pub fn script(
        &self,
        method: &str,
        path: &str,
        replies: impl IntoIterator<Item = Reply>,
    ) -> &TestServer {
        let replies: VecDeque<Reply> = replies.into_iter().collect();
        assert!(!replies.is_empty(), "script needs at least one reply");
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(format!("{method} {path}"), replies);
        self
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// How many `method path` requests were received (target matched as in [`Self::script`]).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && target_matches(path, &r.path))
            .count()
    }

    /// Stops accepting: later connections are refused (the port is closed).
    /// Connections already open keep their scripted behaviour.
    pub async fn stop(&self) {
        self.accept.abort();
        // Wait until the listener is really dropped.
        while !self.accept.is_finished() {
            tokio::task::yield_now().await;
        }
    }

    /// A URL on which nothing listens (connections are refused).
    pub async fn closed_url() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        drop(listener);
        format!("http://{addr}")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn target_matches(route: &str, target: &str) -> bool {
    route == target || (!route.contains('?') && target.split('?').next() == Some(route))
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let mut request = request;
    let reply = {
        let mut st = state.lock().unwrap();
        request.number = st.requests.len();
        let key = st
            .routes
            .keys()
            .find(|k| {
                k.split_once(' ')
                    .is_some_and(|(m, p)| m == request.method && target_matches(p, &request.path))
            })
            .cloned();
        let reply = match key.and_then(|k| st.routes.get_mut(&k)) {
            Some(q) if q.len() > 1 => q.pop_front().expect("non-empty"),
            Some(q) => q.front().expect("non-empty").clone(),
            None => match &st.handler {
                Some(h) => h(&request),
                None => Reply::status(404, "not scripted"),
            },
        };
        st.requests.push(request);
        reply
    };
    match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (k, v) in &headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            ));
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Reply::Stall {
            status,
            headers,
            body,
            length,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (k, v) in &headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!(
                "content-length: {length}\r\nconnection: close\r\n\r\n"
            ));
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.flush().await;
            let _keep = stream;
            std::future::pending::<()>().await;
        }
        Reply::Hang => {
            // Keep the socket open until the test's runtime goes away.
            let _keep = stream;
            std::future::pending::<()>().await;
        }
        Reply::Close => drop(stream),
        Reply::Raw { parts, end } => {
            for (delay, bytes) in parts {
                tokio::time::sleep(delay).await;
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
                let _ = stream.flush().await;
            }
            match end {
                RawEnd::Close => {
                    let _ = stream.shutdown().await;
                }
                RawEnd::Reset => {
                    // A zero linger does not block: the close sends RST at once.
                    #[allow(deprecated)]
                    let _ = stream.set_linger(Some(std::time::Duration::ZERO));
                    drop(stream);
                }
                RawEnd::Hang => {
                    let _keep = stream;
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?.to_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = read_chunked(stream, body).await?;
        return Some(Request {
            method,
            path,
            headers,
            body,
            number: 0,
        });
    }
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Request {
        method,
        path,
        headers,
        body,
        number: 0,
    })
}

/// A chunked body, decoded: `raw` is what arrived after the head so far.
async fn read_chunked(stream: &mut TcpStream, mut raw: Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    let mut at = 0;
    let mut chunk = [0u8; 8192];
    loop {
        // `size\r\n`, the data, `\r\n`; size 0 ends the body.
        let parsed = raw[at..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .and_then(|eol| {
                let line = std::str::from_utf8(&raw[at..at + eol]).ok()?;
                let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
                Some((eol, size))
            });
        match parsed {
            Some((_, 0)) => return Some(body),
            Some((eol, size)) if raw.len() >= at + eol + 2 + size + 2 => {
                let start = at + eol + 2;
                body.extend_from_slice(&raw[start..start + size]);
                at = start + size + 2;
                continue;
            }
            _ => {}
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return Some(body);
        }
        raw.extend_from_slice(&chunk[..n]);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scripts_and_records() {
        let server = TestServer::start().await;
        server.script(
            "GET",
            "/a",
            [
                Reply::status(500, "boom"),
                Reply::ok("fine").header("x-y", "z"),
            ],
        );
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let get = |p: &str| client.get(format!("{}{p}", server.url())).send();
        assert_eq!(get("/a").await.unwrap().status(), 500);
        let r = get("/a?q=1").await.unwrap();
        assert_eq!(r.headers()["x-y"], "z");
        assert_eq!(r.text().await.unwrap(), "fine");
        assert_eq!(get("/a").await.unwrap().status(), 200);
        assert_eq!(get("/other").await.unwrap().status(), 404);
        assert_eq!(server.count("GET", "/a"), 3);
        let reqs = server.requests();
        assert_eq!(reqs[1].path, "/a?q=1");
        assert!(reqs[0].header("Host").is_some());

        server.route("POST", "/p", Reply::Close);
        let e = client
            .post(format!("{}/p", server.url()))
            .body("payload")
            .send()
            .await
            .unwrap_err();
        assert!(!e.is_timeout(), "{e:?}");
        assert_eq!(server.requests().last().unwrap().body, b"payload");

        server.stop().await;
        assert!(get("/a").await.unwrap_err().is_connect());
        let closed = TestServer::closed_url().await;
        assert!(client.get(closed).send().await.unwrap_err().is_connect());
    }
}
