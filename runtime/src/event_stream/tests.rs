//! The framing against botocore's vectors (`tests/unit/test_eventstream.py`,
//! Apache-2.0: the encoded messages and what they decode to), and the
//! decoder's limits on hostile preludes.

use super::*;
use bytes::Bytes;

fn decode_all(bytes: &[u8]) -> Result<Vec<Message>, FrameError> {
    let mut d = FrameDecoder::new();
    d.push(bytes);
    let mut out = Vec::new();
    while let Some(m) = d.next_message()? {
        out.push(m);
    }
    d.finish()?;
    Ok(out)
}

fn s(v: &str) -> HeaderValue {
    HeaderValue::String(v.into())
}

/// botocore's POSITIVE_CASES: encoded bytes, headers, payload.
/// Encoded bytes, headers, payload.
type Vector = (
    &'static [u8],
    Vec<(&'static str, HeaderValue)>,
    &'static [u8],
);

fn positive() -> Vec<Vector> {
    vec![
        (
            b"\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2H\xeb}\x98\xc8\xff",
            vec![],
            b"",
        ),
        (
            b"\x00\x00\x00\x17\x00\x00\x00\x07)\x86\x01X\x04byte\x02\xff\xc2\xf8i\xdc",
            vec![("byte", HeaderValue::Byte(-1))],
            b"",
        ),
        (
            b"\x00\x00\x00\x19\x00\x00\x00\tq\x0e\x92>\x05short\x03\xff\xff\xb2|\xb6\xcc",
            vec![("short", HeaderValue::Int16(-1))],
            b"",
        ),
        (
            b"\x00\x00\x00\x1d\x00\x00\x00\r\x83\xe3\xf0\xe7\x07integer\x04\xff\xff\xff\xff\x8b\x8e\x12\xeb",
            vec![("integer", HeaderValue::Int32(-1))],
            b"",
        ),
        (
            b"\x00\x00\x00\x1e\x00\x00\x00\x0e]J\xdb\x8d\x04long\x05\xff\xff\xff\xff\xff\xff\xff\xffK\xc22\xda",
            vec![("long", HeaderValue::Int64(-1))],
            b"",
        ),
        (
            b"\x00\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3e96",
            vec![],
            b"{'foo':'bar'}",
        ),
        (
            b"\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0ccontent-type\x07\x00\x10application/json{'foo':'bar'}\x8d\x9c\x08\xb1",
            vec![("content-type", s("application/json"))],
            b"{'foo':'bar'}",
        ),
        (
            b"\x00\x00\x00\x62\x00\x00\x00\x52\x03\xb5\xcb\x9c\
\x010\x00\x011\x01\x012\x02\x02\x013\x03\x00\x03\
\x014\x04\x00\x00\x00\x04\x015\x05\x00\x00\x00\x00\x00\x00\x00\x05\
\x016\x06\x00\x05bytes\x017\x07\x00\x04utf8\
\x018\x08\x00\x00\x00\x00\x00\x00\x00\x08\x019\x090123456789abcdef\
\x63\x35\x36\x71",
            vec![
                ("0", HeaderValue::Bool(true)),
                ("1", HeaderValue::Bool(false)),
                ("2", HeaderValue::Byte(2)),
                ("3", HeaderValue::Int16(3)),
                ("4", HeaderValue::Int32(4)),
                ("5", HeaderValue::Int64(5)),
                ("6", HeaderValue::Bytes(Bytes::from_static(b"bytes"))),
                ("7", s("utf8")),
                ("8", HeaderValue::Timestamp(8)),
                (
                    "9",
                    HeaderValue::Uuid(u128::from_be_bytes(*b"0123456789abcdef")),
                ),
            ],
            b"",
        ),
        (
            b"\x00\x00\x00\x52\x00\x00\x00\x42\xbf\x23\x63\x7e\
\x0d:message-type\x07\x00\x05error\
\x0b:error-code\x07\x00\x04code\
\x0e:error-message\x07\x00\x07message\
\x6b\x6c\xea\x3d",
            vec![
                (":message-type", s("error")),
                (":error-code", s("code")),
                (":error-message", s("message")),
            ],
            b"",
        ),
    ]
}

#[test]
fn botocores_positive_vectors_decode_and_encode_back() {
    for (encoded, headers, payload) in positive() {
        let messages = decode_all(encoded).unwrap();
        let expected = Message {
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect(),
            payload: Bytes::from_static(payload),
        };
        assert_eq!(messages, vec![expected.clone()], "{encoded:?}");
        assert_eq!(&expected.encode().unwrap()[..], encoded);
    }
}

#[test]
fn all_vectors_decode_from_one_buffer_fed_a_byte_at_a_time() {
    let all: Vec<u8> = positive().iter().flat_map(|(e, _, _)| e.to_vec()).collect();
    let mut d = FrameDecoder::new();
    let mut n = 0;
    for b in &all {
        d.push(&[*b]);
        while d.next_message().unwrap().is_some() {
            n += 1;
        }
    }
    d.finish().unwrap();
    assert_eq!(n, positive().len());
}

#[test]
fn botocores_negative_vectors_are_errors() {
    // CORRUPTED_LENGTH: the prelude CRC no longer matches the lengths.
    let e = decode_all(b"\x01\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3e96");
    assert!(
        matches!(e, Err(FrameError::PreludeChecksum { .. })),
        "{e:?}"
    );
    // CORRUPTED_PAYLOAD.
    let e = decode_all(b"\x00\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'\x8d\xc3e96");
    assert!(
        matches!(e, Err(FrameError::MessageChecksum { .. })),
        "{e:?}"
    );
    // CORRUPTED_HEADERS.
    let e = decode_all(
        b"\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0ccontent+type\x07\x00\x10application/json{'foo':'bar'}\x8d\x9c\x08\xb1",
    );
    assert!(
        matches!(e, Err(FrameError::MessageChecksum { .. })),
        "{e:?}"
    );
    // CORRUPTED_HEADER_LENGTH.
    let e = decode_all(
        b"\x00\x00\x00=\xFF\x00\x01\x02\x07\xfd\x83\x96\x0ccontent-type\x07\x00\x10application/json{'foo':'bar'}\x8d\x9c\x08\xb1",
    );
    assert!(e.is_err(), "{e:?}");
    // DUPLICATE_HEADER.
    let e = decode_all(
        b"\x00\x00\x00\x24\x00\x00\x00\x14\x4b\xb9\x82\xd0\x04test\x04asdf\x04test\x04asdf\xf3\xf4\x75\x63",
    );
    assert!(
        matches!(e, Err(FrameError::DuplicateHeader { .. })),
        "{e:?}"
    );
}

fn prelude(total: u32, headers: u32) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&headers.to_be_bytes());
    let crc = crc32fast::hash(&p);
    p.extend_from_slice(&crc.to_be_bytes());
    p
}

#[test]
fn oversized_or_impossible_preludes_fail_before_buffering() {
    let payload_too_big = (MAX_PAYLOAD_LENGTH + 17) as u32;
    for (total, headers) in [
        (u32::MAX, 0),
        (payload_too_big, 0),
        (200_000, (MAX_HEADERS_LENGTH + 1) as u32),
        (15, 0),
        (20, 8),
    ] {
        let mut d = FrameDecoder::new();
        d.push(&prelude(total, headers));
        let e = d.next_message();
        assert!(
            matches!(e, Err(FrameError::Length { .. })),
            "{total} {headers}: {e:?}"
        );
    }
}

#[test]
fn a_stream_cut_inside_a_frame_is_truncated() {
    let m = Message::new(&b"hello"[..])
        .header(":event-type", s("x"))
        .encode()
        .unwrap();
    let mut d = FrameDecoder::new();
    d.push(&m[..m.len() - 3]);
    assert_eq!(d.next_message().unwrap(), None);
    assert!(
        matches!(d.finish(), Err(FrameError::Truncated { buffered }) if buffered == m.len() - 3)
    );
}

#[test]
fn every_header_type_round_trips() {
    let m = Message::new(vec![0u8, 1, 2, 255])
        .header("t", HeaderValue::Bool(true))
        .header("f", HeaderValue::Bool(false))
        .header("b", HeaderValue::Byte(-7))
        .header("s", HeaderValue::Int16(-300))
        .header("i", HeaderValue::Int32(1 << 30))
        .header("l", HeaderValue::Int64(-(1 << 40)))
        .header("y", HeaderValue::Bytes(Bytes::from_static(b"\x00\xff")))
        .header("u8", s("日本語"))
        .header("ts", HeaderValue::Timestamp(1_700_000_000_123))
        .header(
            "id",
            HeaderValue::Uuid(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        );
    assert_eq!(decode_all(&m.encode().unwrap()).unwrap(), vec![m]);
}
