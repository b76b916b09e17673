//! Retries, clock skew, retry headers, timeouts, proxies and tracing against
//! a scripted local server speaking DynamoDB's awsJson 1.0.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use boto_runtime::client::ClientConfig;
use boto_runtime::env::Env;
use boto_runtime::test_server::{Reply, Request, TestServer};
use boto_runtime::{ConfigError, Credentials, Error, RetryMode, Session, TimeoutKind};

const OK: &str = r#"{"TableNames": []}"#;
const SECRET: &str = "RETRYTESTSECRETKEY";
const TOKEN: &str = "RETRYTESTSESSIONTOKEN";

fn json(status: u16, body: &str) -> Reply {
    Reply::status(status, body)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "rid-1")
}

fn ok() -> Reply {
    json(200, OK)
}

fn error(status: u16, code: &str) -> Reply {
    json(
        status,
        &format!(
            r#"{{"__type": "com.amazonaws.dynamodb.v20120810#{code}", "message": "scripted"}}"#
        ),
    )
}

fn session_with(env: &[(&str, &str)], url: &str) -> boto_runtime::SessionBuilder {
    Session::builder()
        .env(Env::from_vars(env.iter().copied()))
        .region("us-east-1")
        .credentials(Credentials::new("AKID", SECRET, Some(TOKEN.into())))
        .endpoint_url(url)
}

fn client(url: &str, config: ClientConfig) -> boto_dynamodb::Client {
    boto_dynamodb::Client::with_config(&session_with(&[], url).build().unwrap(), config)
}

fn attempts(n: u32) -> ClientConfig {
    ClientConfig {
        max_attempts: Some(n),
        ..ClientConfig::default()
    }
}

async fn list(
    c: &boto_dynamodb::Client,
) -> Result<(), Error<boto_dynamodb::error::ListTablesError>> {
    c.list_tables().send().await.map(drop)
}

fn request_header(r: &Request, name: &str) -> String {
    r.header(name).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn throttling_is_retried_with_one_invocation_id_and_counted_attempts() {
    let server = TestServer::sequence(vec![
        error(400, "ThrottlingException"),
        error(400, "ThrottlingException"),
        ok(),
    ])
    .await;
    let c = client(&server.url(), attempts(3));
    list(&c).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let ids: Vec<String> = requests
        .iter()
        .map(|r| request_header(r, "amz-sdk-invocation-id"))
        .collect();
    assert_eq!(ids[0].len(), 36, "{ids:?}");
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    let counts: Vec<String> = requests
        .iter()
        .map(|r| request_header(r, "amz-sdk-request"))
        .collect();
    assert_eq!(
        counts,
        ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
    );
    // Not signed (botocore's SIGNED_HEADERS_BLACKLIST), so re-signing each attempt is not needed for them.
    let auth = request_header(&requests[2], "authorization");
    assert!(!auth.contains("amz-sdk"), "{auth}");
    // Two retries took 5 each; the success gave back what the last one took.
    assert_eq!(c.runtime().retry_state().quota.available(), 500 - 10 + 5);

    // A second call has a new invocation id.
    list(&c).await.unwrap();
    let next = request_header(&server.requests()[3], "amz-sdk-invocation-id");
    assert_ne!(next, ids[0]);
}

#[tokio::test]
async fn max_attempts_is_respected_and_the_last_error_returned() {
    let server = TestServer::sequence(vec![error(503, "ServiceUnavailable")]).await;
    let c = client(&server.url(), attempts(2));
    let err = list(&c).await.unwrap_err();
    assert_eq!(err.code(), Some("ServiceUnavailable"), "{err}");
    assert_eq!(server.hits(), 2);
    assert_eq!(
        request_header(&server.requests()[1], "amz-sdk-request"),
        "attempt=2; max=2"
    );
}

#[tokio::test]
async fn non_retryable_errors_are_not_retried() {
    let server = TestServer::sequence(vec![error(400, "ValidationException"), ok()]).await;
    let c = client(&server.url(), attempts(5));
    let err = list(&c).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(server.hits(), 1);
    assert_eq!(c.runtime().retry_state().quota.available(), 500);
}

/// 60 concurrent calls each want two retries (120); the client's quota of
/// 500 pays for 100 of them at 5 each, then failures are returned at once.
#[tokio::test]
async fn retry_quota_is_shared_and_exhaustion_stops_retries() {
    let healthy = Arc::new(AtomicBool::new(false));
    let h = healthy.clone();
    let server = TestServer::with_handler(move |_| {
        if h.load(Ordering::SeqCst) {
            ok()
        } else {
            error(500, "InternalServerError")
        }
    })
    .await;
    let c = client(&server.url(), attempts(3));
    let calls: Vec<_> = (0..60)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { list(&c).await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().is_err());
    }
    assert_eq!(server.hits(), 60 + 100);
    let quota = &c.runtime().retry_state().quota;
    assert_eq!(quota.available(), 0);

    // With the quota empty a failure is not retried at all.
    list(&c).await.unwrap_err();
    assert_eq!(server.hits(), 161);

    // Successes without retries refill it by one each.
    healthy.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        list(&c).await.unwrap();
    }
    assert_eq!(quota.available(), 3);
    // Another client has its own quota.
    assert_eq!(
        client(&server.url(), attempts(3))
            .runtime()
            .retry_state()
            .quota
            .available(),
        500
    );
}

/// The server's clock is an hour ahead; it refuses requests signed more
/// than 5 minutes away from it, with its time in `Date`.
#[tokio::test]
async fn clock_skew_is_corrected_and_remembered() {
    let ahead = Duration::from_secs(3600);
    let server = TestServer::with_handler(move |r| {
        let server_now = SystemTime::now() + ahead;
        let secs = server_now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let signed = amz_date_secs(r.header("x-amz-date").unwrap_or_default());
        if signed.abs_diff(secs as i64) <= 300 {
            ok()
        } else {
            let date = boto_runtime::DateTime::from_secs_and_nanos(secs as i64, 0).to_http_date();
            Reply::status(
                400,
                r#"{"__type": "com.amazon.coral.service#RequestTimeTooSkewed", "message": "The difference between the request time and the current time is too large."}"#,
            )
            .header("content-type", "application/x-amz-json-1.0")
            .header("date", date)
        }
    })
    .await;
    let c = client(&server.url(), attempts(3));
    list(&c).await.unwrap();
    assert_eq!(server.hits(), 2);
    let requests = server.requests();
    assert_eq!(
        request_header(&requests[1], "amz-sdk-request"),
        "attempt=2; max=3"
    );
    let offset = c.runtime().retry_state().clock_offset_ms();
    assert!((offset - 3_600_000).abs() < 3_000, "{offset}");
    // The correction is not a retry: the quota is untouched.
    assert_eq!(c.runtime().retry_state().quota.available(), 500);
    // Later calls sign with the offset at once.
    list(&c).await.unwrap();
    assert_eq!(server.hits(), 3);
}

/// `20240102T030405Z` as epoch seconds.
fn amz_date_secs(text: &str) -> i64 {
    if text.len() != 16 {
        return 0;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    boto_runtime::DateTime::parse_iso8601(&iso)
        .map(|d| d.secs())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_signature_error_is_not_taken_for_clock_skew() {
    let server = TestServer::sequence(vec![error(400, "InvalidSignatureException")]).await;
    let c = client(&server.url(), attempts(3));
    let err = list(&c).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert_eq!(server.hits(), 1);
    assert_eq!(c.runtime().retry_state().clock_offset_ms(), 0);
}

#[tokio::test]
async fn connect_timeout_against_a_full_backlog() {
    // A listener with backlog 0 that never accepts: once one connection
    // waits in its queue, further SYNs go unanswered.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let _queued = std::net::TcpStream::connect(addr).unwrap();
    let config = ClientConfig {
        connect_timeout: Some(Duration::from_millis(300)),
        ..attempts(1)
    };
    let c = client(&format!("http://{addr}"), config);
    let started = Instant::now();
    let err = list(&c).await.unwrap_err();
    let Error::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TimeoutKind::Connect, "{err}");
    assert_eq!(t.timeout, Duration::from_millis(300));
    assert!(err.to_string().contains("connect_timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn read_timeout_against_a_hanging_server() {
    let server = TestServer::sequence(vec![Reply::Hang]).await;
    let config = ClientConfig {
        read_timeout: Some(Duration::from_millis(300)),
        ..attempts(2)
    };
    let c = client(&server.url(), config);
    let started = Instant::now();
    let err = list(&c).await.unwrap_err();
    let Error::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((t.kind, t.attempts), (TimeoutKind::Read, 2), "{err}");
    assert!(err.to_string().contains("read_timeout"), "{err}");
    assert_eq!(server.hits(), 2);
    // A timeout retry costs 10.
    assert_eq!(c.runtime().retry_state().quota.available(), 490);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn operation_timeout_covers_all_attempts() {
    let server = TestServer::sequence(vec![error(503, "ServiceUnavailable")]).await;
    let config = ClientConfig {
        operation_timeout: Some(Duration::from_millis(400)),
        ..attempts(20)
    };
    let c = client(&server.url(), config);
    let started = Instant::now();
    let err = list(&c).await.unwrap_err();
    let Error::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TimeoutKind::Operation, "{err}");
    assert!(err.to_string().contains("operation_timeout"), "{err}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert!(server.hits() < 20);
}

#[tokio::test]
async fn http_proxy_from_the_session_env_gets_absolute_form_requests() {
    let proxy = TestServer::sequence(vec![ok()]).await;
    let session = session_with(
        &[("HTTP_PROXY", &proxy.url())],
        "http://dynamodb.example.invalid:8000",
    )
    .build()
    .unwrap();
    let c = boto_dynamodb::Client::with_config(&session, attempts(1));
    list(&c).await.unwrap();
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "http://dynamodb.example.invalid:8000/");
    assert_eq!(
        request_header(&requests[0], "host"),
        "dynamodb.example.invalid:8000"
    );
}

#[tokio::test]
async fn no_proxy_bypasses_the_proxy() {
    let server = TestServer::sequence(vec![ok()]).await;
    // The proxy's port is closed: going through it would fail.
    let env = [
        ("http_proxy", "http://127.0.0.1:9"),
        ("NO_PROXY", "localhost,127.0.0.1"),
    ];
    let session = session_with(&env, &server.url()).build().unwrap();
    let c = boto_dynamodb::Client::with_config(&session, attempts(1));
    list(&c).await.unwrap();
    assert_eq!(server.hits(), 1);
    assert_eq!(server.requests()[0].path, "/");

    // Without NO_PROXY the same call goes to the (closed) proxy and fails.
    let session = session_with(&env[..1], &server.url()).build().unwrap();
    let c = boto_dynamodb::Client::with_config(&session, attempts(1));
    assert!(matches!(list(&c).await.unwrap_err(), Error::Transport(_)));
    assert_eq!(server.hits(), 1);
}

#[test]
fn ca_bundle_errors_name_the_file_and_the_setting() {
    let e = session_with(&[("AWS_CA_BUNDLE", "/nonexistent/bundle.pem")], "http://x")
        .build()
        .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, ConfigError::InvalidValue { .. }), "{e:?}");
    assert!(
        text.contains("/nonexistent/bundle.pem") && text.contains("AWS_CA_BUNDLE"),
        "{text}"
    );

    let path = std::env::temp_dir().join(format!("boto-rs-bad-ca-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate\n").unwrap();
    let e = session_with(&[], "http://x")
        .ca_bundle(&path)
        .build()
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("SessionBuilder::ca_bundle") && text.contains("no PEM certificate"),
        "{text}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn invalid_retry_mode_names_its_source() {
    let e = session_with(&[("AWS_RETRY_MODE", "fast")], "http://x")
        .build()
        .unwrap_err();
    assert!(matches!(e, ConfigError::InvalidValue { .. }), "{e:?}");
    assert!(e.to_string().contains("AWS_RETRY_MODE"), "{e}");
    assert!(e.to_string().contains("`fast`"), "{e}");

    let dir = std::env::temp_dir().join(format!("boto-rs-retry-mode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(&config, "[default]\nretry_mode = turbo\n").unwrap();
    let e = session_with(&[("AWS_CONFIG_FILE", config.to_str().unwrap())], "http://x")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("profile retry_mode"), "{e}");

    std::fs::write(&config, "[default]\nretry_mode = adaptive\n").unwrap();
    let s = session_with(&[("AWS_CONFIG_FILE", config.to_str().unwrap())], "http://x")
        .build()
        .unwrap();
    let c = boto_dynamodb::Client::new(&s);
    assert_eq!(c.runtime().retry_state().mode(), RetryMode::Adaptive);
    // The builder beats the file; the client config beats the builder.
    let s = session_with(&[("AWS_CONFIG_FILE", config.to_str().unwrap())], "http://x")
        .retry_mode(RetryMode::Legacy)
        .build()
        .unwrap();
    assert_eq!(
        boto_dynamodb::Client::new(&s)
            .runtime()
            .retry_state()
            .mode(),
        RetryMode::Legacy
    );
    let config = ClientConfig {
        retry_mode: Some(RetryMode::Standard),
        ..ClientConfig::default()
    };
    assert_eq!(
        boto_dynamodb::Client::with_config(&s, config)
            .runtime()
            .retry_state()
            .mode(),
        RetryMode::Standard
    );
}

#[tokio::test]
async fn user_agent_names_sdk_retry_mode_and_app() {
    let server = TestServer::sequence(vec![ok()]).await;
    let session = session_with(&[("AWS_SDK_UA_APP_ID", "from-env")], &server.url())
        .app_id("billing app")
        .retry_mode(RetryMode::Legacy)
        .build()
        .unwrap();
    let c = boto_dynamodb::Client::with_config(&session, attempts(1));
    list(&c).await.unwrap();
    let ua = request_header(&server.requests()[0], "user-agent");
    assert!(ua.starts_with("boto-rs/"), "{ua}");
    for part in [
        " ua/2.1 ",
        " os/",
        " lang/rust#",
        " cfg/retry-mode#legacy",
        " app/billing-app",
    ] {
        assert!(ua.contains(part), "{part} in {ua}");
    }

    let session = session_with(&[("AWS_SDK_UA_APP_ID", "from-env")], &server.url())
        .build()
        .unwrap();
    let c = boto_dynamodb::Client::with_config(&session, attempts(1));
    list(&c).await.unwrap();
    let ua = request_header(&server.requests()[1], "user-agent");
    assert!(ua.contains(" cfg/retry-mode#standard app/from-env"), "{ua}");
}

#[tokio::test]
async fn legacy_mode_has_no_quota() {
    let server = TestServer::sequence(vec![error(509, "BandwidthLimitExceeded"), ok()]).await;
    let config = ClientConfig {
        retry_mode: Some(RetryMode::Legacy),
        ..attempts(2)
    };
    let c = client(&server.url(), config);
    list(&c).await.unwrap();
    assert_eq!(server.hits(), 2);
    assert_eq!(c.runtime().retry_state().quota.available(), 500);
}

/// After a throttle the adaptive limiter switches on at its minimum rate
/// (0.5/s, the measured rate being 0 so soon): the retry waits for a token
/// almost 2 s on top of its backoff.
#[tokio::test]
async fn adaptive_mode_delays_sends_after_throttling() {
    let server = TestServer::sequence(vec![error(400, "ThrottlingException"), ok()]).await;
    let config = ClientConfig {
        retry_mode: Some(RetryMode::Adaptive),
        ..attempts(3)
    };
    let c = client(&server.url(), config);
    let started = Instant::now();
    list(&c).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(server.hits(), 2);
    let limiter = c.runtime().retry_state().limiter.as_ref().unwrap();
    assert!(limiter.enabled());
    assert!(elapsed >= Duration::from_millis(1500), "{elapsed:?}");
}
