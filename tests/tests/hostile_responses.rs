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

/// rpc-v2-cbor through a client (CloudWatch's model with only that protocol
/// left): nesting deeper than the decoder's bound is a typed error, whether
/// the member is read (here against the schema) or skipped as unknown.
#[tokio::test]
async fn cbor_nested_200000_deep_is_a_response_error() {
    use boto_runtime::dynamic::{build_service, DynValue};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/cloudwatch/2010-08-01/service-2.json");
    let text = std::fs::read_to_string(path).unwrap();
    let mut model = boto_runtime::model::ServiceModel::from_json(&text).unwrap();
    model.metadata.protocols = vec!["smithy-rpc-v2-cbor".into()];
    let service = build_service("cloudwatch", &model).unwrap();
    let op = service.operation("ListMetrics").unwrap();
    for member in ["Metrics", "Unknown"] {
        // {member: [[[[... 0 ...]]]]}
        let mut body = vec![0xa1, 0x60 + member.len() as u8];
        body.extend(member.as_bytes());
        body.extend(std::iter::repeat_n(0x81, 200_000));
        body.push(0x00);
        let server = TestServer::with_handler(move |_| Reply::Respond {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/cbor".into()),
                ("smithy-protocol".into(), "rpc-v2-cbor".into()),
            ],
            body: body.clone(),
        })
        .await;
        let session = boto_tests::local_session(&server.url());
        let client = boto_runtime::Client::with_config(&session, service, config());
        let input =
            DynValue::from_json(service, op.input.unwrap(), &serde_json::json!({})).unwrap();
        let mut out = DynValue::Empty;
        let e = client.call(op, Some(&input), &mut out).await.unwrap_err();
        assert!(
            matches!(e, boto_runtime::Error::Response(_)),
            "{member}: {e}"
        );
        assert!(e.to_string().contains("nested"), "{member}: {e}");
    }
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
