//! Retries and timeouts against a loopback server that misbehaves on purpose.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use boto_runtime::error::Error;
use boto_runtime::protocol::HttpResponse;
use boto_runtime::retry::{classify_response, RetryKind, RetryPolicy};
use boto_runtime::transport::send_with_retries;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with the n-th request (0-based).
#[derive(Clone, Copy)]
enum Reply {
    Status(u16, &'static str),
    Reset,
    SlowBody,
}

/// Serves `script` (the last entry repeats); returns the base URL and a request counter.
async fn server(script: Vec<Reply>) -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU32::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let n = seen.fetch_add(1, Ordering::SeqCst) as usize;
            let reply = script[n.min(script.len() - 1)];
            tokio::spawn(serve(stream, reply));
        }
    });
    (url, count)
}

async fn serve(mut stream: TcpStream, reply: Reply) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    match reply {
        Reply::Status(status, body) => {
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nx-amzn-requestid: req-1\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
        Reply::Reset => {
            // Linger 0 makes close() send RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Reply::SlowBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\nstart";
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
}

fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

/// The test "protocol": an error body is the error code.
fn classify(response: &HttpResponse) -> Option<RetryKind> {
    if response.status < 300 {
        return None;
    }
    let code = std::str::from_utf8(&response.body)
        .ok()
        .filter(|s| !s.is_empty());
    classify_response(response.status, code)
}

async fn send(
    url: &str,
    max_attempts: u32,
    timeout: Duration,
) -> Result<HttpResponse, Error<std::convert::Infallible>> {
    let http = reqwest::Client::new();
    let target = reqwest::Url::parse(&format!("{url}/path?q=1")).unwrap();
    let mut build = || Ok(reqwest::Request::new(reqwest::Method::GET, target.clone()));
    send_with_retries(
        &http,
        &policy(max_attempts),
        timeout,
        &mut build,
        &classify,
        None,
    )
    .await
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let (url, count) = server(vec![Reply::Status(503, ""), Reply::Status(200, "ok")]).await;
    let response = send(&url, 3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(&response.body[..], b"ok");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn throttling_is_retried_until_attempts_run_out() {
    let (url, count) = server(vec![Reply::Status(400, "ThrottlingException")]).await;
    let response = send(&url, 3, Duration::from_secs(5)).await.unwrap();
    // The last error response is returned for the caller to turn into a service error.
    assert_eq!(response.status, 400);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn throttling_then_success() {
    let (url, count) = server(vec![
        Reply::Status(400, "Throttling"),
        Reply::Status(429, ""),
        Reply::Status(200, "done"),
    ])
    .await;
    let response = send(&url, 3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (url, count) = server(vec![Reply::Status(400, "ValidationException")]).await;
    let response = send(&url, 3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connection_reset_becomes_transport_error() {
    let (url, count) = server(vec![Reply::Reset]).await;
    let err = send(&url, 3, Duration::from_secs(5)).await.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(t.attempts, 3);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let shown = err.to_string();
    assert!(shown.contains("after 3 attempt(s)"), "{shown}");
    assert!(!shown.contains("q=1"), "query must not be shown: {shown}");
}

#[tokio::test]
async fn reset_then_success() {
    let (url, _) = server(vec![Reply::Reset, Reply::Status(200, "ok")]).await;
    let response = send(&url, 3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn connection_refused_is_transport_error() {
    // Bind then drop to get a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = send(
        &format!("http://127.0.0.1:{port}"),
        2,
        Duration::from_secs(5),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Transport(ref t) if t.attempts == 2),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_body_times_out() {
    let (url, count) = server(vec![Reply::SlowBody]).await;
    let started = std::time::Instant::now();
    let err = send(&url, 2, Duration::from_millis(300)).await.unwrap_err();
    let Error::Timeout(t) = &err else {
        panic!("expected a timeout, got {err:?}");
    };
    assert_eq!(t.attempts, 2);
    assert_eq!(t.timeout, Duration::from_millis(300));
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("ClientConfig::timeout"), "{err}");
}
