//! Flexible checksums: each algorithm sent on PutObject and checked against
//! what moto stores and returns; the default CRC32; `when_required`;
//! response validation catching a corrupted body on a local server.

use boto_runtime::checksum::{Algorithm, When};
use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::ClientConfig;
use boto_s3::types::{ChecksumAlgorithm, ChecksumMode};
use boto_tests::moto::MotoServer;

const BODY: &[u8] = b"checksummed body, sent and checked";

#[tokio::test]
async fn every_algorithm_round_trips_through_moto() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    s3.create_bucket()
        .bucket("boto-rs-checksums")
        .send()
        .await
        .unwrap();
    for (algorithm, ours) in [
        (ChecksumAlgorithm::Crc32, Algorithm::Crc32),
        (ChecksumAlgorithm::Crc32C, Algorithm::Crc32c),
        (ChecksumAlgorithm::Crc64Nvme, Algorithm::Crc64Nvme),
        (ChecksumAlgorithm::Sha1, Algorithm::Sha1),
        (ChecksumAlgorithm::Sha256, Algorithm::Sha256),
    ] {
        let key = format!("obj-{}", ours.name());
        let expected = ours.checksum(BODY);
        s3.put_object()
            .bucket("boto-rs-checksums")
            .key(&key)
            .body(BODY.to_vec())
            .checksum_algorithm(algorithm)
            .send()
            .await
            .unwrap();
        let got = s3
            .get_object()
            .bucket("boto-rs-checksums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let stored = match ours {
            Algorithm::Crc32 => got.checksum_crc32,
            Algorithm::Crc32c => got.checksum_crc32_c,
            Algorithm::Crc64Nvme => got.checksum_crc64_nvme,
            Algorithm::Sha1 => got.checksum_sha1,
            Algorithm::Sha256 => got.checksum_sha256,
        };
        assert_eq!(
            stored.as_deref(),
            Some(expected.as_str()),
            "{}",
            ours.name()
        );
        assert_eq!(got.body.unwrap().collect().await.unwrap().as_ref(), BODY);
    }
}

/// Records what each PutObject sends, answering 200.
async fn recorder() -> TestServer {
    TestServer::with_handler(|_| Reply::status(200, "")).await
}

fn local_s3(url: &str, config: ClientConfig) -> boto_s3::Client {
    let session = boto_tests::local_session(url);
    boto_s3::Client::with_config(
        &session,
        ClientConfig {
            max_attempts: Some(1),
            ..config
        },
    )
}

#[tokio::test]
async fn crc32_by_default_and_nothing_when_required_only() {
    let server = recorder().await;
    let s3 = local_s3(&server.url(), ClientConfig::default());
    s3.put_object()
        .bucket("b")
        .key("k")
        .body(BODY.to_vec())
        .send()
        .await
        .unwrap();
    let sent = &server.requests()[0];
    assert_eq!(
        sent.header("x-amz-checksum-crc32"),
        Some(Algorithm::Crc32.checksum(BODY).as_str())
    );
    assert_eq!(sent.header("x-amz-sdk-checksum-algorithm"), Some("CRC32"));
    assert!(sent.header("content-md5").is_none());

    let s3 = local_s3(
        &server.url(),
        ClientConfig {
            request_checksum_calculation: Some(When::Required),
            ..ClientConfig::default()
        },
    );
    s3.put_object()
        .bucket("b")
        .key("k")
        .body(BODY.to_vec())
        .send()
        .await
        .unwrap();
    let sent = &server.requests()[1];
    assert!(
        !sent
            .headers
            .iter()
            .any(|(k, _)| k.starts_with("x-amz-checksum-")),
        "{:?}",
        sent.headers
    );
    // A checksum the operation requires is still sent (DeleteObjects).
    s3.delete_objects()
        .bucket("b")
        .delete(boto_s3::types::Delete {
            objects: Some(vec![boto_s3::types::ObjectIdentifier {
                key: Some("k".into()),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .send()
        .await
        .ok();
    let sent = &server.requests()[2];
    assert!(
        sent.header("x-amz-checksum-crc32").is_some(),
        "{:?}",
        sent.headers
    );
}

#[tokio::test]
async fn a_checksum_the_caller_gives_is_kept() {
    let server = recorder().await;
    let s3 = local_s3(&server.url(), ClientConfig::default());
    let sha = Algorithm::Sha256.checksum(BODY);
    s3.put_object()
        .bucket("b")
        .key("k")
        .body(BODY.to_vec())
        .checksum_sha256(&sha)
        .send()
        .await
        .unwrap();
    let sent = &server.requests()[0];
    assert_eq!(sent.header("x-amz-checksum-sha256"), Some(sha.as_str()));
    assert!(sent.header("x-amz-checksum-crc32").is_none());
}

#[tokio::test]
async fn unsupported_algorithm_is_a_build_error() {
    let server = recorder().await;
    let s3 = local_s3(&server.url(), ClientConfig::default());
    let e = s3
        .put_object()
        .bucket("b")
        .key("k")
        .body(BODY.to_vec())
        .checksum_algorithm(ChecksumAlgorithm::Xxhash128)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("unsupported checksum algorithm"),
        "{e}"
    );
    assert_eq!(server.hits(), 0);
}

/// A GetObject answer whose CRC32 header is `crc32`.
async fn object_server(crc32: &'static str) -> TestServer {
    TestServer::with_handler(move |_| {
        Reply::status(200, "checksummed body, sent and checked")
            .header("x-amz-checksum-crc32", crc32)
            .header("content-type", "application/octet-stream")
    })
    .await
}

#[tokio::test]
async fn corrupted_download_is_a_checksum_error_and_composites_are_skipped() {
    let server = object_server("AAAAAA==").await;
    let s3 = local_s3(&server.url(), ClientConfig::default());
    // The body streams: the mismatch is found once it is read to the end.
    let got = s3.get_object().bucket("b").key("k").send().await.unwrap();
    let e = got.body.unwrap().collect().await.unwrap_err();
    assert!(matches!(e, boto_runtime::BodyError::Checksum(_)), "{e}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("AAAAAA=="), "{e}");
    // Validation was asked for by default (when_supported).
    assert_eq!(
        server.requests()[0].header("x-amz-checksum-mode"),
        Some("ENABLED")
    );

    let good = Algorithm::Crc32.checksum(BODY);
    let good: &'static str = Box::leak(good.into_boxed_str());
    let server = object_server(good).await;
    let s3 = local_s3(&server.url(), ClientConfig::default());
    let got = s3.get_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!(got.body.unwrap().collect().await.unwrap().as_ref(), BODY);

    // A multipart object's composite checksum cannot be checked: skipped.
    let server = object_server("AAAAAA==-3").await;
    let s3 = local_s3(&server.url(), ClientConfig::default());
    s3.get_object().bucket("b").key("k").send().await.unwrap();

    // when_required: no validation unless the caller enables it.
    let server = object_server("AAAAAA==").await;
    let s3 = local_s3(
        &server.url(),
        ClientConfig {
            response_checksum_validation: Some(When::Required),
            ..ClientConfig::default()
        },
    );
    s3.get_object().bucket("b").key("k").send().await.unwrap();
    assert!(server.requests()[0].header("x-amz-checksum-mode").is_none());
}
