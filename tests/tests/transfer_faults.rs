//! Managed transfers and streaming bodies against a local server doing
//! what moto does not: parts that fail, bodies that stall or arrive
//! corrupted, connections that drop under a one-shot body, cancellation.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use boto_runtime::checksum::Algorithm;
use boto_runtime::test_server::{Reply, Request, TestServer};
use boto_runtime::{BodyError, ByteStream, ClientConfig, StalledStream};
use boto_s3::{CancellationToken, TransferConfig, TransferError};

const MIB: usize = 1024 * 1024;

fn client(url: &str, config: ClientConfig) -> boto_s3::Client {
    let session = boto_tests::local_session(url);
    boto_s3::Client::with_config(&session, config)
}

/// PutObject of `body` to b/k.
async fn put(
    s3: &boto_s3::Client,
    body: ByteStream,
) -> Result<boto_s3::types::PutObjectOutput, boto_runtime::Error<boto_s3::error::PutObjectError>> {
    s3.put_object().bucket("b").key("k").body(body).send().await
}

fn parts_config() -> TransferConfig {
    TransferConfig {
        multipart_threshold: 5 * MIB as u64,
        part_size: 5 * MIB as u64,
        max_concurrency: 2,
        ..TransferConfig::default()
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("boto-rs-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

fn query(r: &Request, name: &str) -> Option<String> {
    let q = r.path.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| v.to_owned())
    })
}

/// Multipart calls as S3 answers them; `part(n, attempt)` answers UploadPart.
fn multipart_server(
    part: impl Fn(u32, usize) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let attempts: Arc<std::sync::Mutex<std::collections::HashMap<u32, usize>>> = Arc::default();
    move |r: &Request| {
        if r.method == "POST" && r.path.contains("?uploads") {
            return Reply::ok(
                "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>\
                 <UploadId>U1</UploadId></InitiateMultipartUploadResult>",
            );
        }
        if r.method == "PUT" {
            if let Some(n) = query(r, "partNumber") {
                let n: u32 = n.parse().unwrap();
                let mut a = attempts.lock().unwrap();
                let count = a.entry(n).or_default();
                *count += 1;
                return part(n, *count);
            }
        }
        if r.method == "POST" && query(r, "uploadId").is_some() {
            return Reply::ok(
                "<CompleteMultipartUploadResult><ETag>\"abc-3\"</ETag></CompleteMultipartUploadResult>",
            );
        }
        if r.method == "DELETE" {
            return Reply::status(204, "");
        }
        Reply::status(400, "unexpected")
    }
}

fn part_ok(n: u32) -> Reply {
    Reply::ok("")
        .header("etag", format!("\"etag-{n}\""))
        .header("x-amz-checksum-crc32", format!("crc{n}=="))
}

fn server_error() -> Reply {
    Reply::status(
        500,
        "<Error><Code>InternalError</Code><Message>try again</Message></Error>",
    )
}

fn calls<'a>(server: &'a TestServer, method: &'a str, q: &'a str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.contains(q))
        .count()
}

#[tokio::test]
async fn a_part_that_fails_twice_is_retried_and_the_upload_completes() {
    let server = TestServer::with_handler(multipart_server(|n, attempt| {
        if n == 2 && attempt <= 2 {
            server_error()
        } else {
            part_ok(n)
        }
    }))
    .await;
    let path = temp_file("retried", &data(11 * MIB));
    let s3 = client(&server.url(), ClientConfig::default());
    let out = s3
        .upload_file("b", "k", &path)
        .config(parts_config())
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    let part2: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| query(r, "partNumber").as_deref() == Some("2"))
        .collect();
    assert_eq!(part2.len(), 3);
    // Each attempt re-read the file part: the same bytes every time.
    assert!(part2.iter().all(|r| r.body == part2[0].body));
    // The part carried its CRC32 as an aws-chunked trailer.
    let crc = Algorithm::Crc32.checksum(&data(11 * MIB)[5 * MIB..10 * MIB]);
    let body = String::from_utf8_lossy(&part2[0].body[part2[0].body.len() - 60..]).into_owned();
    assert!(
        body.contains(&format!("x-amz-checksum-crc32:{crc}")),
        "{body}"
    );
    let complete = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && query(r, "uploadId").is_some())
        .unwrap();
    // CompleteMultipartUpload lists every part with its ETag and checksum, in order.
    let text = complete.text();
    let parts: Vec<_> = (1..=3)
        .map(|n| text.find(&format!("<ChecksumCRC32>crc{n}==</ChecksumCRC32>")))
        .collect();
    assert!(parts.iter().all(Option::is_some), "{text}");
    assert!(parts.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.contains("<ETag>\"etag-2\"</ETag>"), "{text}");
    assert_eq!(calls(&server, "DELETE", "uploadId"), 0);
}

#[tokio::test]
async fn a_part_that_always_fails_aborts_the_upload() {
    let server = TestServer::with_handler(multipart_server(|n, _| {
        if n == 2 {
            server_error()
        } else {
            part_ok(n)
        }
    }))
    .await;
    let path = temp_file("aborted", &data(11 * MIB));
    let config = ClientConfig {
        max_attempts: Some(2),
        ..ClientConfig::default()
    };
    let s3 = client(&server.url(), config);
    let e = s3
        .upload_file("b", "k", &path)
        .config(parts_config())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            TransferError::Call {
                operation: "UploadPart",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(calls(&server, "DELETE", "uploadId=U1"), 1, "abort called");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && query(r, "uploadId").is_some())
            .count(),
        0,
        "never completed"
    );
}

#[tokio::test]
async fn cancelling_aborts_the_upload() {
    let server = TestServer::with_handler(multipart_server(|n, _| {
        if n == 1 {
            part_ok(n)
        } else {
            Reply::Hang
        }
    }))
    .await;
    let path = temp_file("cancelled", &data(11 * MIB));
    let s3 = client(&server.url(), ClientConfig::default());
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        cancel.cancel();
    });
    let e = s3
        .upload_file("b", "k", &path)
        .config(parts_config())
        .cancel_on(token)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, TransferError::Cancelled), "{e}");
    assert_eq!(calls(&server, "DELETE", "uploadId=U1"), 1, "abort called");
}

/// GetObject/HeadObject of `body`, with `get(request, attempt, range)` deciding each GET.
fn object_server(
    body: Vec<u8>,
    get: impl Fn(usize, u64, u64, &[u8]) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let gets = AtomicUsize::new(0);
    move |r: &Request| {
        let len = body.len() as u64;
        if r.method == "HEAD" {
            // Headers only, announcing the object's length (HEAD has no body).
            return Reply::Stall {
                status: 200,
                headers: vec![("etag".into(), "\"e1\"".into())],
                body: Vec::new(),
                length: len as usize,
            };
        }
        let (start, end) = r
            .header("range")
            .and_then(|v| v.strip_prefix("bytes="))
            .and_then(|v| v.split_once('-'))
            .map(|(a, b)| (a.parse().unwrap(), b.parse::<u64>().unwrap()))
            .unwrap_or((0, len - 1));
        let n = gets.fetch_add(1, Ordering::SeqCst);
        get(n, start, end, &body[start as usize..=end as usize])
    }
}

fn range_reply(start: u64, end: u64, total: usize, slice: &[u8]) -> Reply {
    Reply::Respond {
        status: 206,
        headers: vec![
            (
                "content-range".into(),
                format!("bytes {start}-{end}/{total}"),
            ),
            ("etag".into(), "\"e1\"".into()),
        ],
        body: slice.to_vec(),
    }
}

#[tokio::test]
async fn a_stalled_download_is_detected_and_the_rest_asked_again() {
    let body = data(300_000);
    let total = body.len();
    let server =
        TestServer::with_handler(object_server(body.clone(), move |n, start, end, slice| {
            if n == 0 {
                // Half the range, then nothing.
                Reply::Stall {
                    status: 206,
                    headers: vec![(
                        "content-range".into(),
                        format!("bytes {start}-{end}/{total}"),
                    )],
                    body: slice[..slice.len() / 2].to_vec(),
                    length: slice.len(),
                }
            } else {
                range_reply(start, end, total, slice)
            }
        }))
        .await;
    let config = ClientConfig {
        stalled_stream: Some(StalledStream {
            enabled: true,
            grace_period: Duration::from_secs(1),
            min_bytes_per_sec: 1,
        }),
        ..ClientConfig::default()
    };
    let s3 = client(&server.url(), config);
    let target = std::env::temp_dir().join(format!("boto-rs-stalled-{}", std::process::id()));
    let started = std::time::Instant::now();
    s3.download_file("b", "k", &target).send().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(std::fs::read(&target).unwrap() == body);
    let gets: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(gets.len(), 2);
    // The second request asks only for what the first did not deliver
    // (written in blocks, so from a block boundary at most).
    let second = gets[1].header("range").unwrap().to_owned();
    assert!(
        second.starts_with("bytes=") && second != "bytes=0-299999",
        "{second}"
    );
    assert_eq!(gets[1].header("if-match"), Some("\"e1\""));
    std::fs::remove_file(&target).unwrap();

    // A plain GetObject stream reports the stall as a typed, retryable error.
    let server =
        TestServer::with_handler(object_server(body.clone(), move |_, start, end, slice| {
            Reply::Stall {
                status: 206,
                headers: vec![(
                    "content-range".into(),
                    format!("bytes {start}-{end}/{total}"),
                )],
                body: slice[..10].to_vec(),
                length: slice.len(),
            }
        }))
        .await;
    let config = ClientConfig {
        stalled_stream: Some(StalledStream {
            enabled: true,
            grace_period: Duration::from_secs(1),
            min_bytes_per_sec: 1,
        }),
        ..ClientConfig::default()
    };
    let s3 = client(&server.url(), config);
    let got = s3.get_object().bucket("b").key("k").send().await.unwrap();
    let e = got.body.unwrap().collect().await.unwrap_err();
    assert!(matches!(e, BodyError::Stalled { .. }), "{e}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_corrupted_download_fails_with_a_checksum_error_and_leaves_no_file() {
    let body = data(100_000);
    let total = body.len();
    let server = TestServer::with_handler(object_server(body, move |_, start, end, slice| {
        range_reply(start, end, total, slice).header("x-amz-checksum-crc32", "AAAAAA==")
    }))
    .await;
    let s3 = client(&server.url(), ClientConfig::default());
    let target = std::env::temp_dir().join(format!("boto-rs-corrupt-{}", std::process::id()));
    let e = s3
        .download_file("b", "k", &target)
        .config(TransferConfig {
            download_attempts: 2,
            ..TransferConfig::default()
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, TransferError::Body(BodyError::Checksum(_))),
        "{e}"
    );
    assert!(!target.exists());
    let dir = target.parent().unwrap();
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    let partial = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(&name));
    assert!(!partial, "a partial file was left behind");
    // Asked twice, then gave up.
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == "GET")
            .count(),
        2
    );
}

#[tokio::test]
async fn one_shot_bodies_are_not_retried_and_say_why() {
    let server = TestServer::with_handler(|_| Reply::Close).await;
    let s3 = client(&server.url(), ClientConfig::default());
    let reader = std::io::Cursor::new(b"streamed once".to_vec());
    let e = put(&s3, ByteStream::from_reader(reader, Some(13)))
        .await
        .unwrap_err();
    assert!(
        matches!(e, boto_runtime::Error::NotReplayable { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("one-shot"), "{e}");
    assert_eq!(server.hits(), 1);

    // A file body is re-read for each attempt.
    let path = temp_file("replayed", b"re-sent from the file");
    let e = put(&s3, ByteStream::from_path(&path).await.unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, boto_runtime::Error::Transport(_)), "{e}");
    assert_eq!(server.hits(), 1 + 3);
}

/// A server for uploads: for each connection, reads the request head, then
/// `body(socket, content_length)` decides what happens to the body.
/// Returns its URL and a count of the connections it took.
async fn upload_server<F, Fut>(body: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(tokio::net::TcpStream, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                // The head, byte by byte: nothing of the body is read here.
                let mut head = Vec::new();
                let mut byte = [0u8];
                while !head.ends_with(b"\r\n\r\n") {
                    if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                body(socket, length).await;
            });
        }
    });
    (url, connections)
}

/// Reads `length` body bytes, waits `delay`, then answers 200.
async fn read_then_answer(mut socket: tokio::net::TcpStream, length: usize, delay: Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut left = length;
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        match socket.read(&mut buf[..left.min(64 * 1024)]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => left -= n,
        }
    }
    tokio::time::sleep(delay).await;
    let _ = socket
        .write_all(
            b"HTTP/1.1 200 OK\r\netag: \"e\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
}

fn one_second_grace() -> ClientConfig {
    ClientConfig {
        stalled_stream: Some(StalledStream {
            enabled: true,
            grace_period: Duration::from_secs(1),
            min_bytes_per_sec: 1,
        }),
        ..ClientConfig::default()
    }
}

/// `count` chunks of `size` bytes, `pause` apart: a slow source.
fn slow_source(count: usize, size: usize, pause: Duration) -> ByteStream {
    let chunks = futures_util::stream::unfold(0, move |i| async move {
        if i == count {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(pause).await;
        }
        Some((
            Ok::<_, std::io::Error>(boto_runtime::Bytes::from(vec![b'x'; size])),
            i + 1,
        ))
    });
    ByteStream::from_stream(chunks, Some((count * size) as u64))
}

#[tokio::test]
async fn a_stalled_upload_fails_typed_and_is_retried_when_the_body_can_be_sent_again() {
    // The server takes the head and never reads the body: once the socket
    // buffers are full the upload makes no progress.
    let (url, connections) = upload_server(|socket, _| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(socket);
    })
    .await;
    let s3 = client(&url, one_second_grace());
    let started = std::time::Instant::now();
    let e = put(&s3, slow_source(64, MIB, Duration::ZERO))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let boto_runtime::Error::NotReplayable { source } = &e else {
        panic!("expected NotReplayable, got {e}");
    };
    assert!(
        matches!(
            source.downcast_ref::<BodyError>(),
            Some(BodyError::Stalled { .. })
        ),
        "{source}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    // A file is sent again: every attempt stalls, and the error says so.
    let path = temp_file("stalled-upload", &vec![7u8; 64 * MIB]);
    let e = put(&s3, ByteStream::from_path(&path).await.unwrap())
        .await
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(e, boto_runtime::Error::Body(BodyError::Stalled { .. })),
        "{e}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1 + 3);
}

#[tokio::test]
async fn slow_sources_and_slow_servers_are_not_stalls() {
    // A source slower than the grace period between chunks: the connection
    // is never what waits.
    let (url, _) =
        upload_server(|socket, length| read_then_answer(socket, length, Duration::ZERO)).await;
    let s3 = client(&url, one_second_grace());
    put(&s3, slow_source(3, 1000, Duration::from_millis(1600)))
        .await
        .unwrap();

    // A server that works on the request well past the grace period after
    // the whole body arrived (S3's CompleteMultipartUpload, a big copy).
    let (url, connections) = upload_server(|socket, length| {
        read_then_answer(socket, length, Duration::from_millis(2500))
    })
    .await;
    let s3 = client(&url, one_second_grace());
    put(&s3, slow_source(8, MIB, Duration::ZERO)).await.unwrap();
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_range_answered_with_more_bytes_fails_and_writes_nothing_over_the_next_part() {
    let body = data(12 * MIB);
    let total = body.len();
    let whole = body.clone();
    // Each range is answered from its start to the end of the object.
    let server = TestServer::with_handler(object_server(body, move |_, start, _, _| {
        range_reply(start, total as u64 - 1, total, &whole[start as usize..])
    }))
    .await;
    let s3 = client(&server.url(), ClientConfig::default());
    let target = std::env::temp_dir().join(format!("boto-rs-overrun-{}", std::process::id()));
    let e = s3
        .download_file("b", "k", &target)
        .config(TransferConfig {
            download_attempts: 2,
            ..parts_config()
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, TransferError::Body(BodyError::Length { .. })),
        "{e}"
    );
    assert!(
        !target.exists(),
        "a partial file was left under the final name"
    );
}
