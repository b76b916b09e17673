//! Responses no server should send, through generated clients: each is a
//! typed error, never a panic or an aborted process (issue 12).

use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::ClientConfig;

fn config() -> ClientConfig {
    ClientConfig {
        max_attempts: Some(1),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn xml_nested_200000_deep_is_a_response_error() {
    let depth = 200_000;
    let body = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let server = TestServer::with_handler(move |_| Reply::ok(body.clone())).await;
    let session = boto_tests::local_session(&server.url());
    let s3 = boto_s3::Client::with_config(&session, config());
    let e = s3.list_buckets().send().await.unwrap_err();
    assert!(matches!(e, boto_runtime::Error::Response(_)), "{e}");
    assert!(e.to_string().contains("nested"), "{e}");
}

#[tokio::test]
async fn json_nested_200000_deep_is_a_response_error() {
    let body = "[".repeat(200_000);
    let server = TestServer::with_handler(move |_| Reply::json_text(200, body.clone())).await;
    let session = boto_tests::local_session(&server.url());
    let ddb = boto_dynamodb::Client::with_config(&session, config());
    let e = ddb.list_tables().send().await.unwrap_err();
    assert!(matches!(e, boto_runtime::Error::Response(_)), "{e}");
}

#[tokio::test]
async fn non_ascii_in_timestamps_is_a_response_error() {
    // An HTTP-date header with a multi-byte character in its fraction.
    let server = TestServer::with_handler(|_| {
        Reply::ok("").header("last-modified", "Tue, 29 Apr 2014 18:30:38.12€ GMT")
    })
    .await;
    let session = boto_tests::local_session(&server.url());
    let s3 = boto_s3::Client::with_config(&session, config());
    let e = s3
        .head_object()
        .bucket("b")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, boto_runtime::Error::Response(_)), "{e}");

    // An epoch-seconds timestamp with one in its fraction (json protocol).
    let server = TestServer::with_handler(|_| {
        Reply::json_text(
            200,
            r#"{"Table":{"TableName":"t","CreationDateTime":"1.1234567€"}}"#,
        )
    })
    .await;
    let session = boto_tests::local_session(&server.url());
    let ddb = boto_dynamodb::Client::with_config(&session, config());
    let e = ddb
        .describe_table()
        .table_name("t")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, boto_runtime::Error::Response(_)), "{e}");
}
