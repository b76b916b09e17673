//! Streaming bodies and managed transfers against moto: files and readers
//! streamed up (aws-chunked with a CRC32 trailer), objects streamed down,
//! multipart uploads and ranged downloads, managed copies (CopyObject and
//! UploadPartCopy), transfers from the `Bucket` / `Object` resources, and
//! every checksum algorithm on a streamed upload.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use boto_runtime::checksum::Algorithm;
use boto_runtime::ByteStream;
use boto_s3::types::{ChecksumAlgorithm, ChecksumMode, PutObjectRequest};
use boto_s3::TransferConfig;
use boto_tests::moto::MotoServer;

const MIB: usize = 1024 * 1024;

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i as u64 * 31 + seed as u64) % 251) as u8)
        .collect()
}

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("boto-rs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn bucket(s3: &boto_s3::Client, name: &str) {
    s3.create_bucket().bucket(name).send().await.unwrap();
}

/// In-progress multipart uploads of `bucket` (none should be left behind).
async fn open_uploads(s3: &boto_s3::Client, bucket: &str) -> usize {
    let out = s3
        .list_multipart_uploads()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    out.uploads.unwrap_or_default().len()
}

fn small_parts() -> TransferConfig {
    TransferConfig {
        multipart_threshold: 5 * MIB as u64,
        part_size: 5 * MIB as u64,
        max_concurrency: 4,
        ..TransferConfig::default()
    }
}

#[tokio::test]
async fn streamed_put_from_file_and_reader_and_streamed_get() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    bucket(&s3, "boto-rs-stream").await;
    let dir = TempDir::new("stream");
    let body = data(3 * MIB + 17, 1);
    let path = dir.file("src", &body);

    // From a file: sent as read, aws-chunked with a CRC32 trailer.
    s3.put_object()
        .bucket("boto-rs-stream")
        .key("from-file")
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    // From a reader of known length.
    let file = tokio::fs::File::open(&path).await.unwrap();
    s3.put_object()
        .bucket("boto-rs-stream")
        .key("from-reader")
        .body(ByteStream::from_reader(file, Some(body.len() as u64)))
        .send()
        .await
        .unwrap();

    for key in ["from-file", "from-reader"] {
        let got = s3
            .get_object()
            .bucket("boto-rs-stream")
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_length, Some(body.len() as i64), "{key}");
        // moto stored the CRC32 the trailer carried (and checked it as we read).
        assert_eq!(
            got.checksum_crc32.as_deref(),
            Some(Algorithm::Crc32.checksum(&body).as_str()),
            "{key}"
        );
        // Read as a stream, chunk by chunk.
        let mut stream = got.body.unwrap();
        let mut read = Vec::new();
        while let Some(chunk) = stream.next().await {
            read.extend_from_slice(&chunk.unwrap());
        }
        assert!(read == body, "{key}: the body differs");
    }

    // Written to a file through the AsyncRead view and the file helper.
    let got = s3
        .get_object()
        .bucket("boto-rs-stream")
        .key("from-file")
        .send()
        .await
        .unwrap();
    let out = dir.0.join("out");
    let n = got.body.unwrap().write_to_file(&out).await.unwrap();
    assert_eq!(n, body.len() as u64);
    assert!(std::fs::read(&out).unwrap() == body);
    let got = s3
        .get_object()
        .bucket("boto-rs-stream")
        .key("from-reader")
        .range("bytes=10-19")
        .send()
        .await
        .unwrap();
    let mut text = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut got.body.unwrap().into_async_read(), &mut text)
        .await
        .unwrap();
    assert_eq!(text, &body[10..20]);
}

#[tokio::test]
async fn every_checksum_algorithm_on_a_streamed_upload() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    bucket(&s3, "boto-rs-stream-sums").await;
    let dir = TempDir::new("sums");
    let body = data(300_000, 7);
    let path = dir.file("src", &body);
    for (algorithm, ours) in [
        (ChecksumAlgorithm::Crc32, Algorithm::Crc32),
        (ChecksumAlgorithm::Crc32C, Algorithm::Crc32c),
        (ChecksumAlgorithm::Crc64Nvme, Algorithm::Crc64Nvme),
        (ChecksumAlgorithm::Sha1, Algorithm::Sha1),
        (ChecksumAlgorithm::Sha256, Algorithm::Sha256),
    ] {
        let key = format!("obj-{}", ours.name());
        s3.put_object()
            .bucket("boto-rs-stream-sums")
            .key(&key)
            .body(ByteStream::from_path(&path).await.unwrap())
            .checksum_algorithm(algorithm)
            .send()
            .await
            .unwrap();
        let got = s3
            .get_object()
            .bucket("boto-rs-stream-sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let expected = ours.checksum(&body);
        let stored = match ours {
            Algorithm::Crc32 => got.checksum_crc32.clone(),
            Algorithm::Crc32c => got.checksum_crc32_c.clone(),
            Algorithm::Crc64Nvme => got.checksum_crc64_nvme.clone(),
            Algorithm::Sha1 => got.checksum_sha1.clone(),
            Algorithm::Sha256 => got.checksum_sha256.clone(),
        };
        // moto computes CRC32C/CRC64NVME only with optional libraries; when it
        // stores one, it must be ours.
        if let Some(stored) = stored {
            if matches!(ours, Algorithm::Crc32 | Algorithm::Sha1 | Algorithm::Sha256) {
                assert_eq!(stored, expected, "{key}");
            }
        }
        assert!(got.body.unwrap().collect().await.unwrap() == body, "{key}");
    }
}

#[tokio::test]
async fn managed_upload_download_and_copy() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    bucket(&s3, "boto-rs-transfer").await;
    let dir = TempDir::new("transfer");
    let body = data(12 * MIB + 123, 3);
    let path = dir.file("big", &body);

    // Multipart: 3 parts of 5 MiB, reported as they finish.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let out = s3
        .upload_file("boto-rs-transfer", "big", &path)
        .config(small_parts())
        .extra(PutObjectRequest {
            content_type: Some("application/x-test".into()),
            metadata: Some([("origin".to_owned(), "boto-rs".to_owned())].into()),
            ..Default::default()
        })
        .on_progress(move |p| log.lock().unwrap().push(p))
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    assert_eq!(out.bytes, body.len() as u64);
    assert!(
        out.e_tag.as_deref().is_some_and(|t| t.contains("-3")),
        "{out:?}"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.windows(2).all(|w| w[0].bytes < w[1].bytes));
    assert_eq!(seen.last().unwrap().bytes, body.len() as u64);
    assert_eq!(seen[0].total, Some(body.len() as u64));
    assert_eq!(open_uploads(&s3, "boto-rs-transfer").await, 0);

    let head = s3
        .head_object()
        .bucket("boto-rs-transfer")
        .key("big")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length, Some(body.len() as i64));
    assert_eq!(head.content_type.as_deref(), Some("application/x-test"));
    assert_eq!(
        head.metadata
            .unwrap_or_default()
            .get("origin")
            .map(String::as_str),
        Some("boto-rs")
    );

    // Ranged parallel download into place, then renamed.
    let target = dir.0.join("down");
    let out = s3
        .download_file("boto-rs-transfer", "big", &target)
        .config(small_parts())
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    assert!(std::fs::read(&target).unwrap() == body);
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // In order into a writer.
    let (writer, mut reader) = tokio::io::duplex(64 * 1024);
    let download = s3
        .download_to("boto-rs-transfer", "big", writer)
        .config(small_parts())
        .send();
    let mut got = Vec::new();
    let (done, read) = tokio::join!(
        download,
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut got)
    );
    done.unwrap();
    read.unwrap();
    assert!(got == body);

    // From a reader of unknown length: buffered part by part.
    let file = tokio::fs::File::open(&path).await.unwrap();
    let out = s3
        .upload_from("boto-rs-transfer", "from-reader", file)
        .config(small_parts())
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    let got = s3
        .get_object()
        .bucket("boto-rs-transfer")
        .key("from-reader")
        .send()
        .await
        .unwrap();
    assert!(got.body.unwrap().collect().await.unwrap() == body);

    // A small file is one PutObject.
    let small = dir.file("small", b"tiny");
    let out = s3
        .upload_file("boto-rs-transfer", "dir/small file.txt", &small)
        .send()
        .await
        .unwrap();
    assert_eq!((out.parts, out.upload_id), (1, None));

    // Copies: CopyObject, and UploadPartCopy parts past the copy threshold.
    let out = s3
        .copy(
            "boto-rs-transfer",
            "dir/small file.txt",
            "boto-rs-transfer",
            "copied-small",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 1);
    let out = s3
        .copy("boto-rs-transfer", "big", "boto-rs-transfer", "copied-big")
        .config(TransferConfig {
            copy_threshold: 5 * MIB as u64,
            ..small_parts()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    for (key, expected) in [("copied-small", &b"tiny"[..]), ("copied-big", &body[..])] {
        let got = s3
            .get_object()
            .bucket("boto-rs-transfer")
            .key(key)
            .send()
            .await
            .unwrap();
        assert!(
            got.body.unwrap().collect().await.unwrap() == expected,
            "{key}"
        );
    }
    assert_eq!(open_uploads(&s3, "boto-rs-transfer").await, 0);
}

#[tokio::test]
async fn transfers_on_the_bucket_and_object_resources() {
    let session = MotoServer::shared().session();
    let s3 = boto_s3::Client::new(&session);
    bucket(&s3, "boto-rs-transfer-res").await;
    let dir = TempDir::new("transfer-res");
    let body = data(100_000, 9);
    let path = dir.file("src", &body);
    let resource = boto_s3::Resource::new(&session);
    let bucket = resource.bucket("boto-rs-transfer-res");
    bucket
        .upload_file(&path, "via-bucket")
        .send()
        .await
        .unwrap();
    let object = resource.object("boto-rs-transfer-res", "via-bucket");
    let target = dir.0.join("down");
    object.download_file(&target).send().await.unwrap();
    assert!(std::fs::read(&target).unwrap() == body);
    resource
        .object("boto-rs-transfer-res", "copy")
        .copy("boto-rs-transfer-res", "via-bucket")
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("boto-rs-transfer-res")
        .key("copy")
        .send()
        .await
        .unwrap();
    assert!(got.body.unwrap().collect().await.unwrap() == body);
}
