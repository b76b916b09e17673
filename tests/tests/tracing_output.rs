//! Tracing output, captured: the spans and fields of a call and the events
//! of credential refreshes exist, and no secret key, session token, SSO
//! token or signature appears. In a test binary of its own, where every test
//! installs a subscriber: tracing caches per callsite whether anyone listens,
//! and tests on other threads without one would race with these.

use std::sync::{Arc, Mutex};

use boto_runtime::client::ClientConfig;
use boto_runtime::env::Env;
use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::{Credentials, Session};
use boto_tests::files::Files;

const SECRET: &str = "TRACINGTESTSECRETKEY";
const TOKEN: &str = "TRACINGTESTSESSIONTOKEN";

fn json(status: u16, body: &str) -> Reply {
    Reply::status(status, body)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "rid-1")
}

fn client(url: &str) -> boto_dynamodb::Client {
    let session = Session::builder()
        .env(Env::from_vars::<&str, &str>([]))
        .region("us-east-1")
        .credentials(Credentials::new("AKID", SECRET, Some(TOKEN.into())))
        .endpoint_url(url)
        .build()
        .unwrap();
    let config = ClientConfig {
        max_attempts: Some(3),
        ..ClientConfig::default()
    };
    boto_dynamodb::Client::with_config(&session, config)
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// Runs `f` with a DEBUG subscriber writing into the returned text.
async fn captured<F: std::future::Future<Output = ()>>(f: F) -> String {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded: the guard covers all of `f`.
    let guard = tracing::subscriber::set_default(subscriber);
    f.await;
    drop(guard);
    let out = capture.0.lock().unwrap().clone();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn tracing_shows_calls_attempts_and_retries_but_no_secret() {
    let server = TestServer::sequence(vec![
        json(
            400,
            r#"{"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "slow down"}"#,
        ),
        json(200, r#"{"TableNames": []}"#),
    ])
    .await;
    let c = client(&server.url());
    let out = captured(async {
        c.list_tables().send().await.unwrap();
    })
    .await;
    for needle in [
        r#"call{service="dynamodb" operation="ListTables" region="us-east-1""#,
        "attempt{attempt=1 latency_ms=",
        "status=400 request_id=\"rid-1\" retry_reason=\"throttling (HTTP 400)\"}",
        "attempt{attempt=2 latency_ms=",
        "status=200 request_id=\"rid-1\"}",
        "endpoint resolved",
        "retrying",
        "delay_ms=",
    ] {
        assert!(out.contains(needle), "{needle} not in\n{out}");
    }
    for secret in [SECRET, TOKEN, "Signature=", "AKID/"] {
        assert!(!out.contains(secret), "{secret} in\n{out}");
    }
}

/// An SSO token refresh, the role credentials it buys, and a call signed with
/// them: the events are there, none of the secrets is.
#[tokio::test]
async fn credential_refresh_events_show_no_secret() {
    let server = TestServer::with_handler(|req| match req.path_only() {
        "/token" => json(
            200,
            r#"{"accessToken": "REFRESHEDSSOTOKEN", "expiresIn": 28800, "refreshToken": "NEXTREFRESHTOKEN"}"#,
        ),
        "/federation/credentials" => json(
            200,
            r#"{"roleCredentials": {"accessKeyId": "ASIATRACE", "secretAccessKey": "SSOROLESECRET",
                "sessionToken": "SSOROLETOKEN", "expiration": 4102444800000}}"#,
        ),
        _ => json(200, r#"{"TableNames": []}"#),
    })
    .await;
    let files = Files::new(
        "tracing-sso",
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n",
        "",
    );
    files.sso_token(
        "corp",
        serde_json::json!({
            "accessToken": "OLDSSOTOKEN", "expiresAt": "2020-01-01T00:00:00Z",
            "refreshToken": "FIRSTREFRESHTOKEN", "clientId": "cid",
            "clientSecret": "OIDCCLIENTSECRET", "registrationExpiresAt": "2099-01-01T00:00:00Z",
        }),
    );
    let session = Session::builder()
        .env(files.env(&[]))
        .profile_name("dev")
        .region("us-east-1")
        .endpoint_url(server.url())
        .build()
        .unwrap();
    let out = captured(async {
        boto_dynamodb::Client::new(&session)
            .list_tables()
            .send()
            .await
            .unwrap();
    })
    .await;
    for needle in ["SSO token refreshed", "credentials refreshed", "ASIATRACE"] {
        assert!(out.contains(needle), "{needle} not in\n{out}");
    }
    for secret in [
        "REFRESHEDSSOTOKEN",
        "NEXTREFRESHTOKEN",
        "OLDSSOTOKEN",
        "FIRSTREFRESHTOKEN",
        "OIDCCLIENTSECRET",
        "SSOROLESECRET",
        "SSOROLETOKEN",
        "Signature=",
    ] {
        assert!(!out.contains(secret), "{secret} in\n{out}");
    }
}
