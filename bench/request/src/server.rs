//! The canned server: HTTP/1.1 with keep-alive, answering each call with a
//! body built once at start. It runs in a process of its own so that its CPU
//! time never counts against a client. `GET /__stats` answers the number of
//! connections accepted so far.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::canned;

struct Replies {
    iam: Vec<u8>,
    ddb: Vec<u8>,
    s3: Vec<u8>,
    ec2: Vec<u8>,
    sqs: Vec<u8>,
    cw_cbor: Vec<u8>,
    cw_json: Vec<u8>,
}

fn reply(content_type: &str, request_id_header: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         {request_id_header}: 4442587FB7D0A2F9\r\ndate: Mon, 01 Jul 2024 12:00:00 GMT\r\n",
        body.len()
    )
    .into_bytes();
    if content_type == "application/cbor" {
        out.extend_from_slice(b"smithy-protocol: rpc-v2-cbor\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

pub async fn serve() -> anyhow::Result<()> {
    let replies = Arc::new(Replies {
        iam: reply(
            "text/xml",
            "x-amzn-requestid",
            canned::iam_list_users(10).as_bytes(),
        ),
        ddb: reply(
            "application/x-amz-json-1.0",
            "x-amzn-requestid",
            canned::ddb_get_item().as_bytes(),
        ),
        s3: reply(
            "application/xml",
            "x-amz-request-id",
            canned::s3_list_objects(100).as_bytes(),
        ),
        ec2: reply(
            "text/xml;charset=UTF-8",
            "x-amzn-requestid",
            canned::ec2_describe_instances(10, 5).as_bytes(),
        ),
        sqs: reply(
            "application/x-amz-json-1.0",
            "x-amzn-requestid",
            canned::sqs_receive_message(10).as_bytes(),
        ),
        cw_cbor: reply(
            "application/cbor",
            "x-amzn-requestid",
            &canned::cw_get_metric_data_cbor(),
        ),
        cw_json: reply(
            "application/x-amz-json-1.0",
            "x-amzn-requestid",
            canned::cw_get_metric_data_json().as_bytes(),
        ),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let accepted = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true).ok();
        accepted.fetch_add(1, Ordering::Relaxed);
        let replies = replies.clone();
        let accepted = accepted.clone();
        tokio::spawn(async move {
            let _ = connection(stream, &replies, &accepted).await;
        });
    }
}

async fn connection(
    mut stream: TcpStream,
    replies: &Replies,
    accepted: &AtomicUsize,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        // The head.
        let head_end = loop {
            if let Some(at) = find(&buf, b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
        let stats;
        let answer: &[u8] = if head.starts_with("get /__stats") {
            stats = reply(
                "text/plain",
                "x-amzn-requestid",
                accepted.load(Ordering::Relaxed).to_string().as_bytes(),
            );
            &stats
        } else if head.contains("x-amz-target: dynamodb_20120810.getitem") {
            &replies.ddb
        } else if head.contains("x-amz-target: amazonsqs.receivemessage") {
            &replies.sqs
        } else if head.contains("x-amz-target: graniteserviceversion20100801.getmetricdata") {
            &replies.cw_json
        } else if head.contains("/operation/getmetricdata") {
            &replies.cw_cbor
        } else if body.contains("Action=ListUsers") {
            &replies.iam
        } else if body.contains("Action=DescribeInstances") {
            &replies.ec2
        } else if head.starts_with("get ") && head.contains("list-type=2") {
            &replies.s3
        } else {
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"
        };
        stream.write_all(answer).await?;
        buf.drain(..head_end + length);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
