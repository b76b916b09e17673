//! A local moto server for integration tests.
//!
//! Use [`MotoServer::shared`] for the one server of a test binary, or [`MotoServer::start`] for a
//! private one. Moto runs inside a small python wrapper that exits as soon as its stdin closes;
//! the harness holds the write end of that pipe, so the server goes away with the test process
//! even though statics are never dropped (and even if the test process is killed).
//!
//! A missing python3 or moto is a test failure naming the fix, never a silent skip.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long moto gets to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of moto's stderr is kept for error messages (the end of it).
const STDERR_KEEP: usize = 16 * 1024;
/// Attempts with fresh ports, in case another process takes the port between probe and bind.
const START_ATTEMPTS: usize = 3;

const FIX: &str = "run `python3 -m pip install 'moto[server]'` or `cargo xtask test`";

/// Runs moto's server in this process and leaves as soon as stdin reaches end of file.
const WRAPPER: &str = r#"
import os, sys, threading, traceback
from moto.server import main
def lifeline():
    try:
        while sys.stdin.buffer.read(1):
            pass
    finally:
        os._exit(0)
threading.Thread(target=lifeline, daemon=True).start()
try:
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
    code = 0
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else 1
except BaseException:
    traceback.print_exc()
    code = 1
# os._exit: a normal exit would trip over the lifeline thread blocked on stdin.
sys.stderr.flush()
os._exit(code)
"#;

/// Why a moto server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    #[error("moto server is not installed: {FIX} ({python}: {detail})")]
    NotInstalled { python: String, detail: String },
    #[error("could not start {python}: {source}; the moto tests need python3 with moto: {FIX}")]
    Spawn {
        python: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "moto server on port {port} exited with {status} before answering; its stderr:\n{stderr}"
    )]
    Exited {
        port: u16,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("moto server on port {port} did not answer within {timeout:?}; its stderr:\n{stderr}")]
    Timeout {
        port: u16,
        timeout: Duration,
        stderr: String,
    },
    #[error("no free loopback port: {0}")]
    Port(#[source] io::Error),
}

/// A raw HTTP response from moto (the body is not de-chunked).
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

/// A running moto server on 127.0.0.1; killed when dropped.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Closing this (on drop or process exit) makes the wrapper exit.
    _lifeline: ChildStdin,
}

impl MotoServer {
    /// The server shared by every test in this test binary, started on first use.
    ///
    /// Tests sharing it run in parallel: give resources unique names rather than calling
    /// [`MotoServer::reset`].
    pub fn shared() -> &'static MotoServer {
        static SHARED: OnceLock<Result<MotoServer, String>> = OnceLock::new();
        // The failure is kept too, so every test fails fast with the same message.
        match SHARED.get_or_init(|| MotoServer::try_start().map_err(|e| e.to_string())) {
            Ok(server) => server,
            Err(e) => panic!("{e}"),
        }
    }

    /// Starts a private server; panics with the fix when moto can't run.
    pub fn start() -> MotoServer {
        MotoServer::try_start().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts a private server.
    pub fn try_start() -> Result<MotoServer, MotoError> {
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            match MotoServer::spawn() {
                // Most likely the port was taken in between: try another.
                Err(e @ MotoError::Exited { .. }) => last = Some(e),
                other => return other,
            }
        }
        Err(last.expect("at least one attempt"))
    }

    fn spawn() -> Result<MotoServer, MotoError> {
        let python = python();
        let port = free_port().map_err(MotoError::Port)?;
        let mut child = Command::new(&python)
            .args(["-c", WRAPPER, &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| MotoError::Spawn {
                python: python.clone(),
                source,
            })?;
        let lifeline = child.stdin.take().expect("stdin is piped");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(pipe) = child.stderr.take() {
            drain(pipe, Arc::clone(&stderr));
        }
        let mut server = MotoServer {
            child,
            port,
            stderr,
            _lifeline: lifeline,
        };
        server.wait_ready(&python)?;
        Ok(server)
    }

    /// Polls until moto answers; on error the caller drops `self`, which kills the child.
    fn wait_ready(&mut self, python: &str) -> Result<(), MotoError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.get("/moto-api/").is_ok() {
                return Ok(());
            }
            let status = match self.child.try_wait().ok().flatten() {
                Some(status) => status,
                None if Instant::now() >= deadline => {
                    return Err(MotoError::Timeout {
                        port: self.port,
                        timeout: START_TIMEOUT,
                        stderr: self.stderr_tail(),
                    })
                }
                None => {
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            // Give the drain thread a moment to collect the last words.
            thread::sleep(Duration::from_millis(100));
            let stderr = self.stderr_tail();
            if stderr.contains("No module named") {
                return Err(MotoError::NotInstalled {
                    python: python.to_string(),
                    detail: stderr
                        .lines()
                        .find(|l| l.contains("No module named"))
                        .unwrap_or_default()
                        .to_string(),
                });
            }
            return Err(MotoError::Exited {
                port: self.port,
                status,
                stderr,
            });
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id of the python process running moto.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last part of what moto wrote to stderr (its request log and any traceback).
    pub fn stderr_tail(&self) -> String {
        let buf = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// Forgets all state in the server (`POST /moto-api/reset`). On the shared server this
    /// affects every test running at the same time.
    pub fn reset(&self) {
        match self.request("POST", "/moto-api/reset", &[]) {
            Ok(r) if r.status == 200 => {}
            Ok(r) => panic!(
                "moto reset answered {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ),
            Err(e) => panic!("moto reset failed: {e}"),
        }
    }

    pub fn get(&self, path: &str) -> io::Result<RawResponse> {
        self.request("GET", path, &[])
    }

    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> io::Result<RawResponse> {
        self.request_with_headers(method, path, body, &[])
    }

    /// Sends one HTTP/1.1 request with `Connection: close` and reads the whole response.
    pub fn request_with_headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> io::Result<RawResponse> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_write_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        parse_response(&raw)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MotoServer {
    /// A session pointed at this server: us-east-1, dummy credentials.
    pub fn session(&self) -> boto_runtime::Session {
        boto_runtime::Session::builder()
            .region("us-east-1")
            .credentials(boto_runtime::Credentials::new("testing", "testing", None))
            .endpoint_url(self.endpoint())
            .build()
            .expect("a session for moto")
    }
}

/// `BOTO_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// A port the kernel had free a moment ago.
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// Keeps reading moto's stderr (so its request log never blocks it), keeping only the end.
fn drain(mut pipe: impl Read + Send + 'static, keep: Arc<Mutex<Vec<u8>>>) {
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            let mut buf = keep.lock().unwrap_or_else(|e| e.into_inner());
            buf.extend_from_slice(&chunk[..n]);
            if buf.len() > STDERR_KEEP {
                let cut = buf.len() - STDERR_KEEP;
                buf.drain(..cut);
            }
        }
    });
}

fn parse_response(raw: &[u8]) -> io::Result<RawResponse> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of HTTP head"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no HTTP status"))?;
    Ok(RawResponse {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_head_and_body() {
        let r = parse_response(b"HTTP/1.1 404 NOT FOUND\r\nContent-Length: 2\r\n\r\nno").unwrap();
        assert_eq!(r.status, 404);
        assert!(r.head.contains("Content-Length"));
        assert_eq!(r.body, b"no");
    }

    #[test]
    fn rejects_a_truncated_response() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
    }
}
