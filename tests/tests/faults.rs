//! Fault injection against a local server speaking DynamoDB's awsJson 1.0:
//! error storms, throttling, resets, truncated and over-long bodies, wrong
//! `Content-Length`, stalls, slow headers, a redirect loop and a TLS
//! handshake that fails. Each case checks the attempts made, that the call
//! ends within its time budget, that the error is typed, and that it names
//! the request id whenever the server sent one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use boto_dynamodb::error::ListTablesError;
use boto_runtime::client::ClientConfig;
use boto_runtime::env::Env;
use boto_runtime::test_server::{RawEnd, Reply, TestServer};
use boto_runtime::{Credentials, Error, Session, TimeoutKind};

const OK: &str = r#"{"TableNames": ["a", "b"]}"#;
const RID: &str = "fault-rid-7";

fn client(url: &str, config: ClientConfig) -> boto_dynamodb::Client {
    let session = Session::builder()
        .env(Env::from_vars::<&str, &str>([]))
        .region("us-east-1")
        .credentials(Credentials::new("AKID", "SECRET", None))
        .endpoint_url(url)
        .build()
        .unwrap();
    boto_dynamodb::Client::with_config(&session, config)
}

/// Three attempts, short timeouts, and a budget for the whole call.
fn config() -> ClientConfig {
    ClientConfig {
        max_attempts: Some(3),
        connect_timeout: Some(Duration::from_millis(500)),
        read_timeout: Some(Duration::from_millis(400)),
        operation_timeout: Some(BUDGET),
        ..ClientConfig::default()
    }
}

/// The configured operation timeout: no case may take longer.
const BUDGET: Duration = Duration::from_secs(8);

fn error(status: u16, code: &str) -> Reply {
    Reply::status(
        status,
        format!(
            r#"{{"__type": "com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}}"#
        ),
    )
    .header("content-type", "application/x-amz-json-1.0")
    .header("x-amzn-requestid", RID)
}

/// A response head with the request id, announcing `length` body bytes.
fn head(status: u16, length: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.0\r\n\
         x-amzn-requestid: {RID}\r\ncontent-length: {length}\r\n\r\n"
    )
    .into_bytes()
}

fn raw(parts: Vec<(u64, Vec<u8>)>, end: RawEnd) -> Reply {
    Reply::Raw {
        parts: parts
            .into_iter()
            .map(|(ms, b)| (Duration::from_millis(ms), b))
            .collect(),
        end,
    }
}

/// Runs ListTables against `server`; the result, the attempts the server
/// saw, and asserts the call stayed within the budget.
async fn call(
    url: &str,
    config: ClientConfig,
) -> (Result<Vec<String>, Error<ListTablesError>>, Duration) {
    let c = client(url, config);
    let started = Instant::now();
    let result = c
        .list_tables()
        .send()
        .await
        .map(|o| o.table_names.unwrap_or_default());
    let took = started.elapsed();
    assert!(took < BUDGET, "the call took {took:?}, over its budget");
    (result, took)
}

#[tokio::test]
async fn error_storms_use_every_attempt_and_name_the_request_id() {
    for (status, code) in [(500, "InternalServerError"), (503, "ServiceUnavailable")] {
        let server = TestServer::sequence(vec![error(status, code)]).await;
        let (result, _) = call(&server.url(), config()).await;
        let err = result.unwrap_err();
        let Error::Service(failure) = &err else {
            panic!("{code}: {err:?}")
        };
        assert_eq!(failure.status(), status, "{err}");
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.request_id(), Some(RID), "{err}");
        assert_eq!(server.hits(), 3, "{code}: every attempt used");
    }
}

#[tokio::test]
async fn throttling_codes_are_retried() {
    for (status, code) in [
        (400, "ThrottlingException"),
        (400, "ProvisionedThroughputExceededException"),
        (400, "RequestLimitExceeded"),
        (429, "TooManyRequestsException"),
        (400, "RequestThrottled"),
        (503, "SlowDown"),
    ] {
        let server = TestServer::sequence(vec![
            error(status, code),
            error(status, code),
            Reply::ok(OK),
        ])
        .await;
        let (result, _) = call(&server.url(), config()).await;
        assert_eq!(result.unwrap(), ["a", "b"], "{code}");
        assert_eq!(server.hits(), 3, "{code}: two throttles, then success");
    }
    // A code that is not throttling is not retried.
    let server = TestServer::sequence(vec![error(400, "ValidationException")]).await;
    let (result, _) = call(&server.url(), config()).await;
    assert_eq!(result.unwrap_err().code(), Some("ValidationException"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_reset_before_the_response_is_a_retried_transport_error() {
    let server = TestServer::sequence(vec![raw(vec![], RawEnd::Reset)]).await;
    let (result, _) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.attempts, 3, "{err}");
    assert_eq!(server.hits(), 3);
    assert_eq!(err.request_id(), None, "no response, no request id");
}

#[tokio::test]
async fn a_reset_during_the_body_names_the_request_id() {
    // The head and part of the body, then a pause (so that the client has
    // read them) and a reset.
    let server = TestServer::sequence(vec![raw(
        vec![
            (0, head(200, "200")),
            (30, b"{\"TableNames\": [".to_vec()),
            (100, Vec::new()),
        ],
        RawEnd::Reset,
    )])
    .await;
    let (result, _) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.attempts, 3, "{err}");
    assert_eq!(server.hits(), 3);
    assert_eq!(err.request_id(), Some(RID), "{err}");
}

#[tokio::test]
async fn a_truncated_body_is_retried_and_names_the_request_id() {
    let server = TestServer::sequence(vec![
        raw(
            vec![(0, head(200, "100")), (0, b"{\"TableNames\": [".to_vec())],
            RawEnd::Close,
        ),
        Reply::ok(OK),
    ])
    .await;
    let (result, _) = call(&server.url(), config()).await;
    assert_eq!(result.unwrap(), ["a", "b"], "retried after the short body");
    assert_eq!(server.hits(), 2);

    let server = TestServer::sequence(vec![raw(
        vec![(0, head(200, "100")), (0, b"{\"TableNames\": [".to_vec())],
        RawEnd::Close,
    )])
    .await;
    let (result, _) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.attempts, 3);
    assert_eq!(err.request_id(), Some(RID), "{err}");
}

#[tokio::test]
async fn an_over_long_body_is_read_to_its_content_length() {
    // Bytes past Content-Length are not part of the response.
    let mut body = OK.as_bytes().to_vec();
    body.extend_from_slice(b"GARBAGE AFTER THE BODY\r\n\r\n");
    let server = TestServer::sequence(vec![raw(
        vec![(0, head(200, &OK.len().to_string())), (0, body)],
        RawEnd::Close,
    )])
    .await;
    let (result, _) = call(&server.url(), config()).await;
    assert_eq!(result.unwrap(), ["a", "b"]);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_is_a_response_error() {
    // The body cut at the announced length is not valid JSON: a typed
    // response error (not retried, as botocore), with the request id.
    let server = TestServer::sequence(vec![raw(
        vec![(0, head(200, "10")), (0, OK.as_bytes().to_vec())],
        RawEnd::Close,
    )])
    .await;
    let (result, _) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Response(_)), "{err:?}");
    assert_eq!(err.request_id(), Some(RID), "{err}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn an_invalid_content_length_is_a_transport_error() {
    for length in ["abc", "-5", "18446744073709551616", "10, 12"] {
        let server = TestServer::sequence(vec![raw(
            vec![(0, head(200, length)), (0, OK.as_bytes().to_vec())],
            RawEnd::Close,
        )])
        .await;
        let (result, _) = call(&server.url(), config()).await;
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{length}: {err:?}");
        assert_eq!(server.hits(), 3, "{length}: {err}");
    }
}

#[tokio::test]
async fn a_stalled_body_times_out_per_attempt_and_names_the_request_id() {
    let server = TestServer::sequence(vec![raw(
        vec![(0, head(200, "100")), (0, b"{\"TableNames\": [".to_vec())],
        RawEnd::Hang,
    )])
    .await;
    let (result, took) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    let Error::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((t.kind, t.attempts), (TimeoutKind::Read, 3), "{err}");
    assert_eq!(err.request_id(), Some(RID), "{err}");
    assert_eq!(server.hits(), 3);
    assert!(took >= Duration::from_millis(3 * 400), "{took:?}");
}

#[tokio::test]
async fn slow_headers_time_out() {
    let server = TestServer::sequence(vec![raw(
        vec![(0, b"HTTP/1.1 200 OK\r\n".to_vec()), (3000, head(200, "2"))],
        RawEnd::Close,
    )])
    .await;
    let (result, _) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    let Error::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((t.kind, t.attempts), (TimeoutKind::Read, 3), "{err}");
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_redirect_loop_is_not_followed() {
    let server = TestServer::start().await;
    let location = format!("{}/", server.url());
    server.route(
        "POST",
        "/",
        Reply::status(307, "")
            .header("location", location)
            .header("x-amzn-requestid", RID),
    );
    let (result, _) = call(&server.url(), config()).await;
    let err = result.unwrap_err();
    let Error::Service(failure) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(failure.status(), 307);
    assert_eq!(err.request_id(), Some(RID));
    assert_eq!(server.hits(), 1, "redirects are answers, not followed");
}

#[tokio::test]
async fn a_failed_tls_handshake_is_a_retried_transport_error() {
    // A server that answers a ClientHello with plain-text HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let (result, _) = call(&format!("https://127.0.0.1:{port}"), config()).await;
    let err = result.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.attempts, 3, "{err}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    let message = err.to_string().to_lowercase();
    assert!(
        ["tls", "ssl", "handshake", "certificate", "record"]
            .iter()
            .any(|w| message.contains(w)),
        "the error says the handshake failed: {err}"
    );
}

#[tokio::test]
async fn nothing_listening_is_a_retried_transport_error() {
    let url = TestServer::closed_url().await;
    let (result, _) = call(&url, config()).await;
    let err = result.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.attempts, 3, "{err}");
}
