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

#[tokio::test]
async fn bedrock_converse_stream_text_deltas_and_a_modeled_exception() {
    use boto_bedrock_runtime::types::{ContentBlockDelta, ConverseStreamOutput as Out, StopReason};
    let frames = [
        event("messageStart", Some("application/json"), br#"{"role":"assistant"}"#),
        event(
            "contentBlockDelta",
            Some("application/json"),
            br#"{"contentBlockIndex":0,"delta":{"text":"Hel"}}"#,
        ),
        event(
            "contentBlockDelta",
            Some("application/json"),
            br#"{"contentBlockIndex":0,"delta":{"text":"lo"}}"#,
        ),
        event("messageStop", Some("application/json"), br#"{"stopReason":"end_turn"}"#),
        event(
            "metadata",
            Some("application/json"),
            br#"{"usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5},"metrics":{"latencyMs":40}}"#,
        ),
        exception("modelStreamErrorException", br#"{"message":"model failed","originalStatusCode":500}"#),
    ];
    let server = TestServer::sequence(vec![streamed(&[], &frames, RawEnd::Close)]).await;
    let bedrock = boto_bedrock_runtime::Client::new(&local_session(&server.url()));
    let out = bedrock
        .converse_stream()
        .model_id("amazon.nova-lite-v1:0")
        .send()
        .await
        .unwrap();
    let mut stream = out.stream.unwrap().into_stream();
    let mut text = String::new();
    let mut stop = None;
    let mut tokens = None;
    let mut failure = None;
    while let Some(item) = futures_util::StreamExt::next(&mut stream).await {
        match item {
            Ok(Out::ContentBlockDelta(d)) => match d.delta {
                Some(ContentBlockDelta::Text(t)) => text.push_str(&t),
                other => panic!("{other:?}"),
            },
            Ok(Out::MessageStop(m)) => stop = m.stop_reason,
            Ok(Out::Metadata(m)) => tokens = m.usage.and_then(|u| u.total_tokens),
            Ok(_) => {}
            Err(e) => failure = Some(e),
        }
    }
    assert_eq!(text, "Hello");
    assert_eq!(stop, Some(StopReason::EndTurn));
    assert_eq!(tokens, Some(5));
    match failure {
        Some(EventStreamError::Exception {
            code,
            message,
            event,
        }) => {
            assert_eq!(code, "modelStreamErrorException");
            assert_eq!(message.as_deref(), Some("model failed"));
            match *event {
                Out::ModelStreamErrorException(e) => assert_eq!(e.original_status_code, Some(500)),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "/model/amazon.nova-lite-v1%3A0/converse-stream"
    );
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

#[tokio::test]
async fn bedrock_bidirectional_input_events_are_framed_and_signed_in_a_chain() {
    use boto_bedrock_runtime::types::{
        BidirectionalInputPayloadPart, InvokeModelWithBidirectionalStreamInput as In,
    };
    use boto_runtime::event_stream::{EventStream, FrameDecoder};
    let frames = [event(
        "chunk",
        Some("application/json"),
        br#"{"bytes":"b2s="}"#,
    )];
    let server = TestServer::sequence(vec![streamed(&[], &frames, RawEnd::Close)]).await;
    let bedrock = boto_bedrock_runtime::Client::new(&local_session(&server.url()));
    let chunks = ["first audio", "second", "third and last"];
    // Events produced as the request is sent, from an async source.
    let (tx, rx) = tokio::sync::mpsc::channel::<In>(4);
    let producer = tokio::spawn(async move {
        for c in chunks {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let part = BidirectionalInputPayloadPart {
                bytes: Some(c.as_bytes().to_vec().into()),
            };
            tx.send(In::Chunk(part)).await.unwrap();
        }
    });
    let input = EventStream::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let out = bedrock
        .invoke_model_with_bidirectional_stream()
        .model_id("amazon.nova-sonic-v1:0")
        .body(input)
        .send()
        .await
        .unwrap();
    producer.await.unwrap();
    let answer = out.body.unwrap().collect().await.unwrap();
    assert_eq!(answer.len(), 1);

    let request = &server.requests()[0];
    assert_eq!(
        request.header("content-type"),
        Some("application/vnd.amazon.eventstream")
    );
    assert_eq!(
        request.header("x-amz-content-sha256"),
        Some("STREAMING-AWS4-HMAC-SHA256-EVENTS")
    );
    assert_eq!(request.header("transfer-encoding"), Some("chunked"));
    let auth = request.header("authorization").unwrap();
    let mut previous = auth.split("Signature=").nth(1).unwrap().to_owned();
    assert!(auth.contains("/us-east-1/bedrock/aws4_request"), "{auth}");

    let mut decoder = FrameDecoder::new();
    decoder.push(&request.body);
    let mut signed = Vec::new();
    while let Some(m) = decoder.next_message().unwrap() {
        signed.push(m);
    }
    decoder.finish().unwrap();
    assert_eq!(
        signed.len(),
        chunks.len() + 1,
        "one signed message per event, then the empty one"
    );
    for (i, m) in signed.iter().enumerate() {
        let Some(HeaderValue::Timestamp(ms)) = m.get(":date") else {
            panic!("{m:?}")
        };
        let Some(HeaderValue::Bytes(sig)) = m.get(":chunk-signature") else {
            panic!("{m:?}")
        };
        // The signature, recomputed from the SigV4 event-stream definition.
        let secs = ms / 1000;
        let t = time_parts(secs);
        let date_header = Message::new(Vec::new())
            .header(":date", HeaderValue::Timestamp(*ms))
            .encode()
            .unwrap();
        // Only the header bytes of that one-header message (after the 12-byte prelude, before the CRC).
        let header_bytes = &date_header[12..date_header.len() - 4];
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}/us-east-1/bedrock/aws4_request\n{previous}\n{}\n{}",
            t.1,
            t.0,
            sha256_hex(header_bytes),
            sha256_hex(&m.payload)
        );
        let k = hmac(format!("AWS4{}", "SECRET").as_bytes(), t.0.as_bytes());
        let k = hmac(&k, b"us-east-1");
        let k = hmac(&k, b"bedrock");
        let k = hmac(&k, b"aws4_request");
        let expected = hex(&hmac(&k, string_to_sign.as_bytes()));
        assert_eq!(hex(sig), expected, "message {i}");
        previous = expected;
        if i == chunks.len() {
            assert!(m.payload.is_empty(), "the last signed message is empty");
            continue;
        }
        let mut inner = FrameDecoder::new();
        inner.push(&m.payload);
        let event = inner.next_message().unwrap().unwrap();
        assert_eq!(event.get_str(":message-type"), Some("event"));
        assert_eq!(event.get_str(":event-type"), Some("chunk"));
        assert_eq!(event.get_str(":content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&event.payload).unwrap();
        let b64 = base64_encode(chunks[i].as_bytes());
        assert_eq!(body, serde_json::json!({ "bytes": b64 }));
    }
}

/// (`YYYYMMDD`, `YYYYMMDDTHHMMSSZ`) of a Unix time, by the civil-from-days algorithm.
fn time_parts(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let date = format!("{y:04}{m:02}{d:02}");
    let stamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    (date, stamp)
}

fn base64_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The dynamic client reads an event stream to its end, as boto3's users
/// iterate it: Kinesis SubscribeToShard (json, `initial-response` first),
/// compared with boto3 on the same local server.
#[tokio::test]
async fn dynamic_kinesis_subscribe_to_shard_matches_boto3() {
    use boto_runtime::dynamic::{DynamicClient, ModelSearch};
    use serde_json::{json, Value};
    let frames = vec![
        event("initial-response", Some("application/json"), b"{}"),
        event(
            "SubscribeToShardEvent",
            Some("application/json"),
            br#"{"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1700000000.5,"Data":"aGVsbG8=","PartitionKey":"p"}],"ContinuationSequenceNumber":"2","MillisBehindLatest":0}"#,
        ),
        event(
            "SubscribeToShardEvent",
            Some("application/json"),
            br#"{"Records":[],"ContinuationSequenceNumber":"3","MillisBehindLatest":5}"#,
        ),
    ];
    let reply = streamed(&[], &frames, RawEnd::Close);
    let server = TestServer::with_handler(move |_| reply.clone()).await;
    let params = json!({
        "ConsumerARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1",
        "ShardId": "shardId-000000000000",
        "StartingPosition": {"Type": "LATEST"},
    });
    let kinesis = DynamicClient::with_config(
        &local_session(&server.url()),
        "kinesis",
        &ModelSearch::new(),
        boto_runtime::ClientConfig::default(),
    )
    .expect("botocore's kinesis model (pip install botocore, or set BOTO_PYTHON)");
    let ours = kinesis.call("subscribe_to_shard", &params).await.unwrap();
    assert_eq!(
        ours["EventStream"].as_array().map(Vec::len),
        Some(2),
        "{ours}"
    );

    const SCRIPT: &str = r#"
import boto3, json, sys
c = boto3.client("kinesis", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKID", aws_secret_access_key="SECRET")
r = c.subscribe_to_shard(**json.loads(sys.argv[2]))
r["EventStream"] = list(r["EventStream"])
print(json.dumps(plain(r)))
"#;
    let url = server.url();
    let args = params.to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(
            std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into()),
        )
        .args([
            "-c",
            &format!("{}{SCRIPT}", boto_tests::BOTO3_PLAIN),
            &url,
            &args,
        ])
        .output()
        .expect("python3 runs (install python3 with boto3, or set BOTO_PYTHON)")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "boto3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ours, theirs);
}

fn cbor(value: serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(&value, &mut out).unwrap();
    out
}

/// smithy-rpc-v2-cbor: the CloudWatch Logs model lowered with the CBOR
/// protocol (no vendored service speaks it with event streams), called
/// through the dynamic client: CBOR `initial-response`, events and a typed
/// exception.
#[tokio::test]
async fn cbor_event_streams_read_the_initial_response_events_and_exceptions() {
    use boto_runtime::dynamic::DynamicClient;
    use boto_runtime::model_files::ServiceFiles;
    use serde_json::json;
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/logs");
    let mut files = ServiceFiles::load(&models).unwrap();
    files.model.metadata.protocols = vec!["smithy-rpc-v2-cbor".into()];
    files.dir = files.dir.join("as-cbor");
    let good = [
        event(
            "initial-response",
            Some("application/cbor"),
            &cbor(json!({})),
        ),
        event(
            "sessionStart",
            Some("application/cbor"),
            &cbor(json!({"sessionId": "s-9", "logGroupIdentifiers": ["g"]})),
        ),
        event(
            "sessionUpdate",
            Some("application/cbor"),
            &cbor(json!({"sessionResults": [{"message": "m", "timestamp": 5}]})),
        ),
    ];
    let server = TestServer::sequence(vec![
        streamed(&[], &good, RawEnd::Close),
        streamed(
            &[],
            &[
                good[0].clone(),
                exception(
                    "SessionStreamingException",
                    &cbor(json!({"message": "lost"})),
                ),
            ],
            RawEnd::Close,
        ),
    ])
    .await;
    let logs = DynamicClient::from_files(
        &local_session(&server.url()),
        "logs",
        &files,
        boto_runtime::ClientConfig::default(),
    )
    .unwrap();
    let params = json!({"logGroupIdentifiers": ["g"]});
    let out = logs.call("StartLiveTail", &params).await.unwrap();
    assert_eq!(
        out,
        json!({"responseStream": [
            {"sessionStart": {"sessionId": "s-9", "logGroupIdentifiers": ["g"]}},
            {"sessionUpdate": {"sessionResults": [{"message": "m", "timestamp": 5}]}},
        ]})
    );
    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "/service/Logs_20140328/operation/StartLiveTail"
    );
    assert_eq!(
        request.header("accept"),
        Some("application/vnd.amazon.eventstream")
    );
    let err = logs.call("StartLiveTail", &params).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("SessionStreamingException") && text.contains("lost"),
        "{text}"
    );
}

/// The stubber answers event-stream operations too: the stubbed events are
/// framed as the service would send them and read back by the same decoder.
#[tokio::test]
async fn the_stubber_streams_stubbed_events() {
    use boto_runtime::event_stream::EventStream;
    use boto_runtime::stub::Stubber;
    use boto_s3::types::{EndEvent, RecordsEvent, SelectObjectContentOutput, Stats, StatsEvent};
    let stubber = Stubber::new();
    let config = boto_runtime::ClientConfig {
        stubber: Some(stubber.clone()),
        ..Default::default()
    };
    let s3 = boto_s3::Client::with_config(&boto_runtime::Session::new(), config);
    let events = [
        S3Event::Records(RecordsEvent {
            payload: Some(b"a,1\n".to_vec().into()),
        }),
        S3Event::Stats(StatsEvent {
            details: Some(Stats {
                bytes_scanned: Some(4),
                ..Default::default()
            }),
        }),
        S3Event::End(EndEvent::default()),
    ];
    stubber.add_response(
        select(&s3),
        SelectObjectContentOutput {
            payload: Some(EventStream::from_events(events.clone())),
        },
    );
    let out = select(&s3).send().await.unwrap();
    let got = out.payload.unwrap().collect().await.unwrap();
    assert_eq!(got, events);
    stubber.assert_done();
}

/// A program without async code reads a stream as an `Iterator`.
#[test]
fn a_blocking_program_iterates_the_events() {
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let frames = [
        event("Records", Some("application/octet-stream"), b"x\n"),
        event("End", None, b""),
    ];
    let server = server_runtime.block_on(TestServer::sequence(vec![streamed(
        &[],
        &frames,
        RawEnd::Close,
    )]));
    let rt = boto_runtime::blocking::Runtime::shared().unwrap();
    let s3 = boto_s3::Client::new(&local_session(&server.url()));
    let out = rt.block_on(select(&s3).send()).unwrap();
    let kinds: Vec<bool> = rt
        .iter(out.payload.unwrap().into_stream())
        .map(|e| matches!(e.unwrap(), S3Event::End(_)))
        .collect();
    assert_eq!(kinds, [false, true]);
}

/// Throughput of reading a 10 MiB S3 Select stream (20,480 Records events
/// of 512 bytes, then Stats and End) from a local server, boto-rs against
/// boto3 on the same server. Not part of the test command (it runs boto3
/// as a benchmark): `cargo test --release -p boto-tests --test
/// event_streams -- --ignored --nocapture throughput`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn throughput_against_boto3() {
    const EVENTS: usize = 20_480;
    let record = vec![b'x'; 511]
        .into_iter()
        .chain([b'\n'])
        .collect::<Vec<u8>>();
    let mut body = Vec::new();
    for _ in 0..EVENTS {
        body.extend(event("Records", Some("application/octet-stream"), &record));
    }
    body.extend(event("Stats", Some("text/xml"), STATS));
    body.extend(event("End", None, b""));
    let reply = Reply::Respond {
        status: 200,
        headers: vec![(
            "content-type".into(),
            "application/vnd.amazon.eventstream".into(),
        )],
        body,
    };
    let server = TestServer::with_handler(move |_| reply.clone()).await;
    let s3 = boto_s3::Client::new(&local_session(&server.url()));
    let mut best = f64::MAX;
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let out = select(&s3).send().await.unwrap();
        let events = out.payload.unwrap().collect().await.unwrap();
        assert_eq!(events.len(), EVENTS + 2);
        best = best.min(started.elapsed().as_secs_f64());
    }
    const SCRIPT: &str = r#"
import boto3, sys, time
c = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKID", aws_secret_access_key="SECRET")
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    r = c.select_object_content(Bucket="b", Key="data.csv", Expression="SELECT * FROM S3Object s",
        ExpressionType="SQL", InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}})
    n = sum(1 for _ in r["Payload"])
    best = min(best, time.perf_counter() - t)
print(n, best)
"#;
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(
            std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into()),
        )
        .args(["-c", SCRIPT, &url])
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let boto3: f64 = text
        .split_whitespace()
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or(f64::NAN);
    let mib = (EVENTS * 528) as f64 / (1024.0 * 1024.0);
    eprintln!(
        "{EVENTS} events ({mib:.1} MiB): boto-rs {:.1} ms ({:.0} MiB/s), boto3 {:.1} ms; boto3 ÷ boto-rs = {:.1}",
        best * 1e3,
        mib / best,
        boto3 * 1e3,
        boto3 / best
    );
}

/// An HTTP/2 server over TLS (ALPN `h2` and `http/1.1`, the certificate in
/// `tests/data/tls`) answering event-stream requests as AWS's bidirectional
/// APIs do: the response head at once, then one reply event per event
/// received, while the request is still streaming. Records the protocol
/// each connection negotiated.
async fn h2_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tls");
    let certs = vec![CertificateDer::from_pem_file(dir.join("localhost.crt")).unwrap()];
    let key = PrivateKeyDer::from_pem_file(dir.join("localhost.key")).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let protocols = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = protocols.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(tls) = acceptor.accept(tcp).await else {
                continue;
            };
            let alpn = tls
                .get_ref()
                .1
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            seen.lock().unwrap().push(alpn.clone().unwrap_or_default());
            if alpn.as_deref() != Some("h2") {
                continue; // dropped: only event-stream operations are expected here
            }
            tokio::spawn(async move {
                let mut conn = h2::server::handshake(tls).await.unwrap();
                while let Some(Ok((request, mut respond))) = conn.accept().await {
                    tokio::spawn(async move {
                        let head = http::Response::builder()
                            .status(200)
                            .header("content-type", "application/vnd.amazon.eventstream")
                            .body(())
                            .unwrap();
                        let mut send = respond.send_response(head, false).unwrap();
                        let mut body = request.into_body();
                        let mut frames = boto_runtime::event_stream::FrameDecoder::new();
                        let mut n = 0;
                        while let Some(Ok(chunk)) = body.data().await {
                            let _ = body.flow_control().release_capacity(chunk.len());
                            frames.push(&chunk);
                            while let Some(signed) = frames.next_message().unwrap() {
                                if signed.payload.is_empty() {
                                    let _ = send.send_data(Default::default(), true);
                                    return;
                                }
                                n += 1;
                                let reply = format!(
                                    r#"{{"bytes":"{}"}}"#,
                                    base64_encode(format!("reply {n}").as_bytes())
                                );
                                let frame =
                                    event("chunk", Some("application/json"), reply.as_bytes());
                                send.send_data(frame.into(), false).unwrap();
                            }
                        }
                    });
                }
            });
        }
    });
    (format!("https://localhost:{port}"), protocols)
}

/// Bedrock's bidirectional stream over HTTP/2: each event is sent only
/// after the reply to the one before has arrived, which needs both streams
/// open at once; other operations of the same client stay on HTTP/1.1.
#[tokio::test]
async fn bidirectional_stream_is_full_duplex_over_http2() {
    use boto_bedrock_runtime::types::{
        BidirectionalInputPayloadPart, InvokeModelWithBidirectionalStreamInput as In,
        InvokeModelWithBidirectionalStreamOutput as Out,
    };
    use boto_runtime::event_stream::EventStream;
    let (url, protocols) = h2_server().await;
    let session = boto_runtime::Session::builder()
        .env(boto_runtime::env::Env::from_vars::<&str, &str>([]))
        .region("us-east-1")
        .credentials(boto_runtime::Credentials::new("AKID", "SECRET", None))
        .endpoint_url(&url)
        .ca_bundle(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tls/localhost.crt"))
        .build()
        .unwrap();
    let bedrock = boto_bedrock_runtime::Client::new(&session);
    let (tx, input) = EventStream::<In>::channel(1);
    let part = |text: &str| {
        In::Chunk(BidirectionalInputPayloadPart {
            bytes: Some(text.as_bytes().to_vec().into()),
        })
    };
    tx.send(part("first")).await.unwrap();
    let call = bedrock
        .invoke_model_with_bidirectional_stream()
        .model_id("amazon.nova-sonic-v1:0")
        .body(input)
        .send();
    let out = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the response head arrives while the request streams")
        .unwrap();
    let mut replies = out.body.unwrap();
    let mut got = Vec::new();
    for next in ["second", "third"] {
        let reply = tokio::time::timeout(Duration::from_secs(10), replies.recv())
            .await
            .expect("a reply to the event sent")
            .unwrap();
        match reply {
            Some(Out::Chunk(c)) => got.push(String::from_utf8(c.bytes.unwrap().to_vec()).unwrap()),
            other => panic!("{other:?}"),
        }
        tx.send(part(next)).await.unwrap();
    }
    drop(tx);
    while let Some(Out::Chunk(c)) = replies.recv().await.unwrap() {
        got.push(String::from_utf8(c.bytes.unwrap().to_vec()).unwrap());
    }
    assert_eq!(got, ["reply 1", "reply 2", "reply 3"]);
    // An operation that sends no event stream is HTTP/1.1 (the server drops it).
    let converse = bedrock.converse_stream().model_id("m").send().await;
    assert!(converse.is_err());
    let protocols = protocols.lock().unwrap().clone();
    assert_eq!(
        protocols.first().map(String::as_str),
        Some("h2"),
        "{protocols:?}"
    );
    assert!(
        protocols[1..].iter().all(|p| p == "http/1.1"),
        "{protocols:?}"
    );
}
