//! The tracing of a call, captured: spans and fields exist, and no secret
//! key, session token or signature appears. In a test binary of its own:
//! tracing caches per callsite whether anyone listens, and tests on other
//! threads without a subscriber would race with this one's scoped subscriber.

use std::sync::{Arc, Mutex};

use boto_runtime::client::ClientConfig;
use boto_runtime::env::Env;
use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::{Credentials, Session};

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
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded: the guard covers the whole call.
    let _guard = tracing::subscriber::set_default(subscriber);
    let c = client(&server.url());
    c.list_tables().send().await.unwrap();
    drop(_guard);
    let out = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
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
