//! The `application/vnd.amazon.eventstream` framing: a prelude (total and
//! headers length, CRC32), typed headers, a payload and a CRC32 of it all.
//!
//! Parsing and writing the frame body is aws-smithy-eventstream's; this
//! module checks what must be checked before a byte of a hostile frame is
//! buffered (the prelude's CRC and botocore's size limits), rejects
//! duplicate headers as botocore does, and converts to owned types that do
//! not tie the public API to that crate's versions.

use aws_smithy_types::event_stream as smithy;
use bytes::{Bytes, BytesMut};

/// Prelude (two lengths and their CRC) plus the message CRC.
const OVERHEAD: usize = 16;
const PRELUDE: usize = 12;
/// botocore's limits (`eventstream._MAX_HEADERS_LENGTH` / `_MAX_PAYLOAD_LENGTH`).
pub const MAX_HEADERS_LENGTH: usize = 128 * 1024;
/// The largest payload a message may carry (botocore's 24 MiB).
pub const MAX_PAYLOAD_LENGTH: usize = 24 * 1024 * 1024;

/// A header's value, one variant per wire type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Types 0 and 1: true and false.
    Bool(bool),
    /// Type 2: a signed byte.
    Byte(i8),
    /// Type 3.
    Int16(i16),
    /// Type 4.
    Int32(i32),
    /// Type 5.
    Int64(i64),
    /// Type 6: bytes.
    Bytes(Bytes),
    /// Type 7: UTF-8 text.
    String(String),
    /// Type 8: milliseconds since the epoch.
    Timestamp(i64),
    /// Type 9: 16 bytes.
    Uuid(u128),
}

/// One message of an event stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// The headers, in wire order, each name once.
    pub headers: Vec<(String, HeaderValue)>,
    /// The payload.
    pub payload: Bytes,
}

impl Message {
    /// A message with `payload` and no headers.
    pub fn new(payload: impl Into<Bytes>) -> Message {
        Message {
            headers: Vec::new(),
            payload: payload.into(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: HeaderValue) -> Message {
        self.headers.push((name.into(), value));
        self
    }

    /// The value of header `name`.
    pub fn get(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The value of string header `name` (`:message-type`, `:event-type`).
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(HeaderValue::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The message on the wire.
    pub fn encode(&self) -> Result<Bytes, FrameError> {
        let mut out = Vec::with_capacity(OVERHEAD + self.payload.len() + 64);
        aws_smithy_eventstream::frame::write_message_to(&self.to_smithy(), &mut out)
            .map_err(|e| FrameError::Encode(e.to_string()))?;
        Ok(out.into())
    }

    pub(crate) fn to_smithy(&self) -> smithy::Message {
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    HeaderValue::Bool(b) => smithy::HeaderValue::Bool(*b),
                    HeaderValue::Byte(b) => smithy::HeaderValue::Byte(*b),
                    HeaderValue::Int16(v) => smithy::HeaderValue::Int16(*v),
                    HeaderValue::Int32(v) => smithy::HeaderValue::Int32(*v),
                    HeaderValue::Int64(v) => smithy::HeaderValue::Int64(*v),
                    HeaderValue::Bytes(b) => smithy::HeaderValue::ByteArray(b.clone()),
                    HeaderValue::String(s) => smithy::HeaderValue::String(s.clone().into()),
                    HeaderValue::Timestamp(ms) => {
                        smithy::HeaderValue::Timestamp(aws_smithy_types::DateTime::from_millis(*ms))
                    }
                    HeaderValue::Uuid(u) => smithy::HeaderValue::Uuid(*u),
                };
                smithy::Header::new(name.clone(), value)
            })
            .collect();
        smithy::Message::new_from_parts(headers, self.payload.clone())
    }

    pub(crate) fn from_smithy(message: smithy::Message) -> Result<Message, FrameError> {
        let mut headers: Vec<(String, HeaderValue)> = Vec::with_capacity(message.headers().len());
        for h in message.headers() {
            let name = h.name().as_str().to_owned();
            if headers.iter().any(|(n, _)| *n == name) {
                return Err(FrameError::DuplicateHeader { name });
            }
            let value = match h.value() {
                smithy::HeaderValue::Bool(b) => HeaderValue::Bool(*b),
                smithy::HeaderValue::Byte(b) => HeaderValue::Byte(*b),
                smithy::HeaderValue::Int16(v) => HeaderValue::Int16(*v),
                smithy::HeaderValue::Int32(v) => HeaderValue::Int32(*v),
                smithy::HeaderValue::Int64(v) => HeaderValue::Int64(*v),
                smithy::HeaderValue::ByteArray(b) => HeaderValue::Bytes(b.clone()),
                smithy::HeaderValue::String(s) => HeaderValue::String(s.as_str().to_owned()),
                smithy::HeaderValue::Timestamp(t) => HeaderValue::Timestamp(
                    t.to_millis()
                        .map_err(|e| FrameError::Invalid(e.to_string()))?,
                ),
                smithy::HeaderValue::Uuid(u) => HeaderValue::Uuid(*u),
                other => {
                    return Err(FrameError::Invalid(format!(
                        "header {name}: unsupported value {other:?}"
                    )))
                }
            };
            headers.push((name, value));
        }
        Ok(Message {
            headers,
            payload: message.payload().clone(),
        })
    }
}

/// A frame that breaks the format: the stream cannot go on after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The prelude's CRC does not match its lengths.
    #[error(
        "event stream prelude checksum mismatch: computed {computed:#010x}, sent {sent:#010x}"
    )]
    PreludeChecksum {
        /// The CRC32 of the eight length bytes.
        computed: u32,
        /// The CRC the frame carries.
        sent: u32,
    },
    /// The message CRC does not match the frame.
    #[error(
        "event stream message checksum mismatch: computed {computed:#010x}, sent {sent:#010x}"
    )]
    MessageChecksum {
        /// The CRC32 of everything before the message CRC.
        computed: u32,
        /// The CRC the frame carries.
        sent: u32,
    },
    /// Lengths that cannot describe a frame, or beyond botocore's limits.
    #[error("event stream frame of {total} bytes with {headers} bytes of headers is invalid or too large (headers at most {MAX_HEADERS_LENGTH}, payload at most {MAX_PAYLOAD_LENGTH})")]
    Length {
        /// The total length the prelude gives.
        total: u32,
        /// The headers length the prelude gives.
        headers: u32,
    },
    /// A header name appears twice.
    #[error("event stream header {name} appears twice")]
    DuplicateHeader {
        /// The header's name.
        name: String,
    },
    /// The stream ended inside a frame.
    #[error("event stream ended inside a message ({buffered} bytes of it received)")]
    Truncated {
        /// The bytes of the unfinished frame.
        buffered: usize,
    },
    /// The headers cannot be read (bad type, length or UTF-8).
    #[error("invalid event stream message: {0}")]
    Invalid(String),
    /// A message cannot be written (a header name over 255 bytes, a value too long).
    #[error("cannot encode event stream message: {0}")]
    Encode(String),
}

/// Cuts messages out of a byte stream as it arrives.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: BytesMut,
    /// The checked length of the frame at the front of `buf`.
    pending: Option<usize>,
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        word.copy_from_slice(s);
    }
    u32::from_be_bytes(word)
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> FrameDecoder {
        FrameDecoder::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole message, `None` until one has arrived.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        let total = match self.pending {
            Some(total) => total,
            None => {
                if self.buf.len() < PRELUDE {
                    return Ok(None);
                }
                let total = self.check_prelude()?;
                self.pending = Some(total);
                total
            }
        };
        if self.buf.len() < total {
            return Ok(None);
        }
        self.pending = None;
        let frame = self.buf.split_to(total).freeze();
        let body = frame.len() - 4;
        let computed = crc32fast::hash(frame.get(..body).unwrap_or_default());
        let sent = be_u32(&frame, body);
        if computed != sent {
            return Err(FrameError::MessageChecksum { computed, sent });
        }
        let message = aws_smithy_eventstream::frame::read_message_from(frame.clone())
            .map_err(|e| FrameError::Invalid(e.to_string()))?;
        Message::from_smithy(message).map(Some)
    }

    /// Checks the prelude at the front of the buffer and returns the frame's length.
    fn check_prelude(&self) -> Result<usize, FrameError> {
        let total = be_u32(&self.buf, 0);
        let headers = be_u32(&self.buf, 4);
        let computed = crc32fast::hash(self.buf.get(..8).unwrap_or_default());
        let sent = be_u32(&self.buf, 8);
        if computed != sent {
            return Err(FrameError::PreludeChecksum { computed, sent });
        }
        let (t, h) = (total as usize, headers as usize);
        let fits = t >= OVERHEAD
            && h <= t - OVERHEAD
            && h <= MAX_HEADERS_LENGTH
            && t - OVERHEAD - h <= MAX_PAYLOAD_LENGTH;
        if !fits {
            return Err(FrameError::Length { total, headers });
        }
        Ok(t)
    }

    /// At the end of the stream: an error if a frame was cut short.
    pub fn finish(&self) -> Result<(), FrameError> {
        match self.buf.len() {
            0 => Ok(()),
            buffered => Err(FrameError::Truncated { buffered }),
        }
    }
}
