//! Event-stream responses, typed: a local server streams frames (split
//! across writes at odd places) for S3 SelectObjectContent (rest-xml),
//! CloudWatch Logs StartLiveTail (json, with its `initial-response`) and
//! Lambda InvokeWithResponseStream (rest-json, with header members); modeled
//! exceptions and untyped errors in the stream; hostile frames (bad CRC,
//! impossible lengths, a stream cut inside a frame); and moto's
//! SelectObjectContent.

use std::time::Duration;

use boto_runtime::event_stream::{EventStreamError, FrameError, HeaderValue, Message};
use boto_runtime::test_server::{RawEnd, Reply, TestServer};
use boto_s3::types::{
    CsvInput, CsvOutput, ExpressionType, InputSerialization, OutputSerialization,
    SelectObjectContentEventStream as S3Event,
};
use boto_tests::local_session;

fn text(v: &str) -> HeaderValue {
    HeaderValue::String(v.into())
}

fn event(event_type: &str, content_type: Option<&str>, payload: &[u8]) -> Vec<u8> {
    let mut m = Message::new(payload.to_vec())
        .header(":message-type", text("event"))
        .header(":event-type", text(event_type));
    if let Some(ct) = content_type {
        m = m.header(":content-type", text(ct));
    }
    m.encode().unwrap().to_vec()
}

fn exception(exception_type: &str, payload: &[u8]) -> Vec<u8> {
    Message::new(payload.to_vec())
        .header(":message-type", text("exception"))
        .header(":exception-type", text(exception_type))
        .header(":content-type", text("application/json"))
        .encode()
        .unwrap()
        .to_vec()
}

fn error(code: &str, message: &str) -> Vec<u8> {
    Message::new(Vec::new())
        .header(":message-type", text("error"))
        .header(":error-code", text(code))
        .header(":error-message", text(message))
        .encode()
        .unwrap()
        .to_vec()
}

/// A 200 response whose body is `frames`, written in pieces of 7 bytes
/// (so frames straddle writes), the connection closed after it.
fn streamed(headers: &[(&str, &str)], frames: &[Vec<u8>], end: RawEnd) -> Reply {
    let mut head = String::from("HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\nconnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut parts = vec![(Duration::ZERO, head.into_bytes())];
    let body: Vec<u8> = frames.concat();
    for piece in body.chunks(7) {
        parts.push((Duration::from_millis(1), piece.to_vec()));
    }
    Reply::Raw { parts, end }
}

fn select(s3: &boto_s3::Client) -> boto_s3::operation::SelectObjectContent {
    s3.select_object_content()
        .bucket("b")
        .key("data.csv")
        .expression("SELECT * FROM S3Object s")
        .expression_type(ExpressionType::Sql)
        .input_serialization(InputSerialization {
            csv: Some(CsvInput::default()),
            ..Default::default()
        })
        .output_serialization(OutputSerialization {
            csv: Some(CsvOutput::default()),
            ..Default::default()
        })
}

const STATS: &[u8] = b"<Stats><BytesScanned>12</BytesScanned><BytesProcessed>12</BytesProcessed><BytesReturned>8</BytesReturned></Stats>";

#[tokio::test]
async fn s3_select_events_arrive_typed() {
    let frames = [
        event("Records", Some("application/octet-stream"), b"a,1\n"),
        event("Cont", None, b""),
        event("Records", Some("application/octet-stream"), b"b,2\n"),
        event(
            "Progress",
            Some("text/xml"),
            b"<Progress><BytesScanned>6</BytesScanned></Progress>",
        ),
        event("Stats", Some("text/xml"), STATS),
        event("SomethingNew", None, b"{}"),
        event("End", None, b""),
    ];
    let server = TestServer::sequence(vec![streamed(&[], &frames, RawEnd::Close)]).await;
    let s3 = boto_s3::Client::new(&local_session(&server.url()));
    let out = select(&s3).send().await.unwrap();
    let mut stream = out.payload.expect("the event stream member is set");
    let mut records = Vec::new();
    let mut kinds = Vec::new();
    while let Some(e) = stream.recv().await.unwrap() {
        match &e {
            S3Event::Records(r) => records.extend_from_slice(r.payload.as_deref().unwrap()),
            S3Event::Stats(s) => {
                let d = s.details.as_ref().unwrap();
                assert_eq!((d.bytes_scanned, d.bytes_returned), (Some(12), Some(8)));
            }
            S3Event::Progress(p) => {
                assert_eq!(p.details.as_ref().unwrap().bytes_scanned, Some(6));
            }
            _ => {}
        }
        kinds.push(match e {
            S3Event::Records(_) => "Records",
            S3Event::Stats(_) => "Stats",
            S3Event::Progress(_) => "Progress",
            S3Event::Cont(_) => "Cont",
            S3Event::End(_) => "End",
            _ => "Unknown",
        });
    }
    assert_eq!(records, b"a,1\nb,2\n");
    assert_eq!(
        kinds,
        ["Records", "Cont", "Records", "Progress", "Stats", "Unknown", "End"]
    );
    // Ended: more reads say so.
    assert!(stream.recv().await.unwrap().is_none());
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert!(
        request.path.contains("select&select-type=2"),
        "{}",
        request.path
    );
}

#[tokio::test]
async fn an_error_message_ends_the_stream_with_its_code() {
    let frames = [
        event("Records", Some("application/octet-stream"), b"a\n"),
        error("InternalError", "We encountered an internal error"),
        event("End", None, b""),
    ];
    let server = TestServer::sequence(vec![streamed(&[], &frames, RawEnd::Close)]).await;
    let s3 = boto_s3::Client::new(&local_session(&server.url()));
    let out = select(&s3).send().await.unwrap();
    let events =
        futures_util::StreamExt::collect::<Vec<_>>(out.payload.unwrap().into_stream()).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(events[0], Ok(S3Event::Records(_))));
    match &events[1] {
        Err(EventStreamError::Error { code, message }) => {
            assert_eq!(code, "InternalError");
            assert_eq!(message.as_deref(), Some("We encountered an internal error"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn logs_live_tail_reads_the_initial_response_then_events_then_a_typed_exception() {
    use boto_logs::types::StartLiveTailResponseStream as Tail;
    let frames = [
        event("initial-response", Some("application/json"), b"{}"),
        event(
            "sessionStart",
            Some("application/json"),
            br#"{"requestId":"r-1","sessionId":"s-1","logGroupIdentifiers":["g1"]}"#,
        ),
        event(
            "sessionUpdate",
            Some("application/json"),
            br#"{"sessionMetadata":{"sampled":false},"sessionResults":[{"logStreamName":"st","message":"hello","timestamp":1700000000123}]}"#,
        ),
        exception("SessionTimeoutException", br#"{"message":"Session timed out"}"#),
    ];
    let server = TestServer::sequence(vec![streamed(&[], &frames, RawEnd::Close)]).await;
    let logs = boto_logs::Client::new(&local_session(&server.url()));
    let out = logs
        .start_live_tail()
        .log_group_identifiers(vec!["g1".into()])
        .send()
        .await
        .unwrap();
    let mut stream = out.response_stream.unwrap();
    match stream.recv().await.unwrap() {
        Some(Tail::SessionStart(s)) => {
            assert_eq!(s.session_id.as_deref(), Some("s-1"));
            assert_eq!(s.log_group_identifiers, Some(vec!["g1".to_owned()]));
        }
        other => panic!("{other:?}"),
    }
    match stream.recv().await.unwrap() {
        Some(Tail::SessionUpdate(u)) => {
            let results = u.session_results.unwrap();
            assert_eq!(results[0].message.as_deref(), Some("hello"));
            assert_eq!(results[0].timestamp, Some(1_700_000_000_123));
            assert_eq!(u.session_metadata.unwrap().sampled, Some(false));
        }
        other => panic!("{other:?}"),
    }
    match stream.recv().await {
        Err(EventStreamError::Exception {
            code,
            message,
            event,
        }) => {
            assert_eq!(code, "SessionTimeoutException");
            assert_eq!(message.as_deref(), Some("Session timed out"));
            assert!(matches!(*event, Tail::SessionTimeoutException(_)));
        }
        other => panic!("{other:?}"),
    }
    assert!(stream.recv().await.unwrap().is_none());
    let request = &server.requests()[0];
    assert_eq!(
        request.header("x-amz-target"),
        Some("Logs_20140328.StartLiveTail")
    );
}

#[tokio::test]
async fn a_json_stream_without_an_initial_response_is_a_response_error() {
    let frames = [event("sessionStart", Some("application/json"), b"{}")];
    let server = TestServer::sequence(vec![streamed(&[], &frames, RawEnd::Close)]).await;
    let logs = boto_logs::Client::new(&local_session(&server.url()));
    let err = logs
        .start_live_tail()
        .log_group_identifiers(vec!["g1".into()])
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("initial-response"), "{err}");
}

#[tokio::test]
async fn lambda_response_stream_has_header_members_and_blob_chunks() {
    use boto_lambda::types::InvokeWithResponseStreamResponseEvent as Ev;
    let frames = [
        event("PayloadChunk", Some("application/octet-stream"), b"hel"),
        event("PayloadChunk", Some("application/octet-stream"), b"lo"),
        event(
            "InvokeComplete",
            Some("application/json"),
            br#"{"LogResult":"bG9n"}"#,
        ),
    ];
    let headers = [
        ("x-amz-executed-version", "7"),
        ("content-type", "application/vnd.amazon.eventstream"),
    ];
    let server = TestServer::sequence(vec![streamed(&headers, &frames, RawEnd::Close)]).await;
    let lambda = boto_lambda::Client::new(&local_session(&server.url()));
    let out = lambda
        .invoke_with_response_stream()
        .function_name("f")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code, Some(200));
    assert_eq!(out.executed_version.as_deref(), Some("7"));
    let events = out.event_stream.unwrap().collect().await.unwrap();
    let mut payload = Vec::new();
    for e in &events[..2] {
        match e {
            Ev::PayloadChunk(c) => payload.extend_from_slice(c.payload.as_deref().unwrap()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(payload, b"hello");
    match &events[2] {
        Ev::InvokeComplete(c) => assert_eq!(c.log_result.as_deref(), Some("bG9n")),
        other => panic!("{other:?}"),
    }
}

/// Sends `frames`, then whatever `end` says; returns what the stream yields
/// after the first event (which is good).
async fn first_failure(tail: Vec<u8>, end: RawEnd) -> EventStreamError<S3Event> {
    let frames = [
        event("Records", Some("application/octet-stream"), b"ok\n"),
        tail,
    ];
    let server = TestServer::sequence(vec![streamed(&[], &frames, end)]).await;
    let s3 = boto_s3::Client::new(&local_session(&server.url()));
    let out = select(&s3).send().await.unwrap();
    let mut stream = out.payload.unwrap();
    assert!(matches!(stream.recv().await, Ok(Some(S3Event::Records(_)))));
    let failure = tokio::time::timeout(Duration::from_secs(10), stream.recv())
        .await
        .expect("a bad frame fails at once, without waiting for more bytes");
    let err = failure.expect_err("a bad frame is an error");
    assert!(
        stream.recv().await.unwrap().is_none(),
        "the stream ends after an error"
    );
    err
}

#[tokio::test]
async fn hostile_frames_are_typed_errors_not_hangs() {
    let mut bad_crc = event("Records", None, b"xyz");
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 1;
    let e = first_failure(bad_crc, RawEnd::Close).await;
    assert!(
        matches!(
            e,
            EventStreamError::Frame(FrameError::MessageChecksum { .. })
        ),
        "{e:?}"
    );

    // A prelude announcing 4 GiB, then silence: refused on the prelude alone.
    let mut huge = Vec::new();
    huge.extend_from_slice(&u32::MAX.to_be_bytes());
    huge.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32fast::hash(&huge);
    huge.extend_from_slice(&crc.to_be_bytes());
    let e = first_failure(huge, RawEnd::Hang).await;
    assert!(
        matches!(e, EventStreamError::Frame(FrameError::Length { .. })),
        "{e:?}"
    );

    // Cut inside a frame.
    let whole = event("Records", None, b"a longer payload");
    let e = first_failure(whole[..whole.len() / 2].to_vec(), RawEnd::Close).await;
    assert!(
        matches!(e, EventStreamError::Frame(FrameError::Truncated { .. })),
        "{e:?}"
    );

    // A Stats event whose XML is broken.
    let e = first_failure(
        event("Stats", Some("text/xml"), b"<Stats><BytesScanned>x"),
        RawEnd::Close,
    )
    .await;
    assert!(matches!(e, EventStreamError::Parse(_)), "{e:?}");

    // Reset mid-stream.
    let e = first_failure(whole[..10].to_vec(), RawEnd::Reset).await;
    assert!(
        matches!(
            e,
            EventStreamError::Body(_) | EventStreamError::Frame(FrameError::Truncated { .. })
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn moto_select_object_content_streams_records_stats_and_end() {
    let moto = boto_tests::moto::MotoServer::shared();
    let s3 = boto_s3::Client::new(&moto.session());
    s3.create_bucket()
        .bucket("boto-rs-select")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("boto-rs-select")
        .key("data.csv")
        .body(boto_runtime::ByteStream::from(
            "name,n\nann,1\nbob,2\ncy,3\n",
        ))
        .send()
        .await
        .unwrap();
    let out = s3
        .select_object_content()
        .bucket("boto-rs-select")
        .key("data.csv")
        .expression("SELECT * FROM S3Object")
        .expression_type(ExpressionType::Sql)
        .input_serialization(InputSerialization {
            csv: Some(CsvInput {
                file_header_info: Some(boto_s3::types::FileHeaderInfo::Use),
                ..Default::default()
            }),
            ..Default::default()
        })
        .output_serialization(OutputSerialization {
            csv: Some(CsvOutput::default()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let events = out.payload.unwrap().collect().await.unwrap();
    let records: Vec<u8> = events
        .iter()
        .filter_map(|e| match e {
            S3Event::Records(r) => r.payload.as_ref().map(|p| p.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    let text = String::from_utf8(records).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines, ["ann,1", "bob,2", "cy,3"]);
    let stats = events.iter().find_map(|e| match e {
        S3Event::Stats(s) => s.details.clone(),
        _ => None,
    });
    assert!(stats.unwrap().bytes_scanned.unwrap() > 0);
    assert!(matches!(events.last(), Some(S3Event::End(_))));
}
