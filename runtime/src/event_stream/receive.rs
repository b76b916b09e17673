//! Reading a response's event stream: frames off the body, each message
//! into the event union, the way botocore's `BaseEventStreamParser` reads it.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;

use super::frame::{FrameDecoder, HeaderValue, Message};
use super::EventStreamError;
use crate::body::BoxByteStream;
use crate::protocol::{Codec, DeserializeError};
use crate::schema::{Service, ShapeId, ShapeKind};
use crate::time::DateTime;
use crate::value::{De, Scalar, Ser, ValueRef};

/// A response's event stream handed to the output's event-stream member
/// ([`Scalar::Events`]); the member's [`EventStream`](super::EventStream) takes it.
#[derive(Clone)]
pub struct RawEvents {
    inner: Arc<Mutex<Option<Incoming>>>,
}

impl std::fmt::Debug for RawEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawEvents")
    }
}

impl PartialEq for RawEvents {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl RawEvents {
    pub(crate) fn new(incoming: Incoming) -> RawEvents {
        RawEvents {
            inner: Arc::new(Mutex::new(Some(incoming))),
        }
    }

    /// The stream, once.
    pub(crate) fn take(&self) -> Option<Incoming> {
        self.inner.lock().ok()?.take()
    }
}

/// The undecoded stream and what decoding it needs.
pub struct Incoming {
    body: BoxByteStream,
    frames: FrameDecoder,
    ended: bool,
    decoder: Decoder,
}

/// Reads messages into an event-stream union.
struct Decoder {
    service: &'static Service,
    /// The event-stream union.
    union: ShapeId,
    codec: &'static dyn Codec,
}

/// Reads one message of an event stream of union `union` (a shape of
/// `service`) into `T`, the union's type, as a response's stream is read:
/// for messages that arrive another way (a WebSocket, a queue).
pub fn decode_message<T: De + Ser + Default>(
    service: &'static Service,
    union: ShapeId,
    message: &Message,
) -> Result<T, EventStreamError<T>> {
    let decoder = Decoder {
        service,
        union,
        codec: crate::protocol::codec(service.metadata.protocol),
    };
    decoder.typed(message)
}

/// What a message turned out to be.
enum Decoded {
    Event,
    Exception {
        index: usize,
        code: String,
    },
    Error {
        code: String,
        message: Option<String>,
    },
}

impl Incoming {
    pub(crate) fn new(
        body: BoxByteStream,
        service: &'static Service,
        union: ShapeId,
        codec: &'static dyn Codec,
    ) -> Incoming {
        Incoming {
            body,
            frames: FrameDecoder::new(),
            ended: false,
            decoder: Decoder {
                service,
                union,
                codec,
            },
        }
    }

    /// The next message off the body; `None` at its clean end.
    pub(crate) async fn next_message<T>(&mut self) -> Result<Option<Message>, EventStreamError<T>> {
        loop {
            if let Some(message) = self.frames.next_message()? {
                return Ok(Some(message));
            }
            if self.ended {
                self.frames.finish()?;
                return Ok(None);
            }
            match self.body.next().await {
                Some(chunk) => self.frames.push(&chunk?),
                None => self.ended = true,
            }
        }
    }

    /// The next event, typed.
    pub(crate) async fn next_event<T: De + Ser + Default>(
        &mut self,
    ) -> Result<Option<T>, EventStreamError<T>> {
        match self.next_message().await? {
            Some(message) => self.decoder.typed(&message).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the `initial-response` message json and CBOR services send
    /// first into the output's other members (botocore's
    /// `get_initial_response`: an error when the first message is another).
    pub(crate) async fn initial_response(
        &mut self,
        output_shape: ShapeId,
        output: &mut (dyn De + Send),
    ) -> Result<(), DeserializeError> {
        let name = self.decoder.service.shape(output_shape).name;
        let first: Result<_, EventStreamError<()>> = self.next_message().await;
        let message = first.map_err(|e| DeserializeError::new(name, e.to_string()))?;
        let d = &self.decoder;
        match message {
            Some(m) if m.get_str(":event-type") == Some("initial-response") => d
                .codec
                .deserialize_event(d.service, output_shape, None, &m.payload, output),
            _ => Err(DeserializeError::new(
                name,
                "first event was not of type initial-response",
            )),
        }
    }
}

impl Decoder {
    /// `message` as an event of `T`, or the exception or error it carries.
    fn typed<T: De + Ser + Default>(&self, message: &Message) -> Result<T, EventStreamError<T>> {
        let mut event = T::default();
        match self.decode(message, &mut event)? {
            Decoded::Event => Ok(event),
            Decoded::Exception { index, code } => Err(EventStreamError::Exception {
                message: message_of(self.service, self.union, index, &event),
                code,
                event: Box::new(event),
            }),
            Decoded::Error { code, message } => Err(EventStreamError::Error { code, message }),
        }
    }

    /// Reads `message` into the union `out`.
    fn decode(&self, message: &Message, out: &mut dyn De) -> Result<Decoded, DeserializeError> {
        let union = self.service.shape(self.union);
        let members = union.structure().map(|s| s.members).unwrap_or_default();
        let text = |name: &str| message.get_str(name).map(str::to_owned);
        match message.get_str(":message-type") {
            Some("error") => Ok(Decoded::Error {
                code: text(":error-code").unwrap_or_default(),
                message: text(":error-message"),
            }),
            Some("exception") => {
                let code = text(":exception-type").unwrap_or_default();
                match members.iter().position(|m| m.name == code) {
                    Some(index) => {
                        self.read_event(message, union.name, index, out)?;
                        Ok(Decoded::Exception { index, code })
                    }
                    None => Ok(Decoded::Error {
                        code,
                        message: None,
                    }),
                }
            }
            // botocore reads any other message as an event.
            _ => {
                let event_type = message.get_str(":event-type").unwrap_or_default();
                match members.iter().position(|m| m.name == event_type) {
                    Some(index) => self.read_event(message, union.name, index, out)?,
                    None => out
                        .unknown_member(event_type.to_owned())
                        .map_err(|e| DeserializeError::value(union.name, e))?,
                }
                Ok(Decoded::Event)
            }
        }
    }

    /// Reads an event (or exception) message into member `index` of the union.
    fn read_event(
        &self,
        message: &Message,
        union_name: &str,
        index: usize,
        out: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let service = self.service;
        let Some(member) = service
            .shape(self.union)
            .structure()
            .and_then(|s| s.members.get(index))
        else {
            return Err(DeserializeError::new(union_name, "no such event"));
        };
        let path = || format!("{union_name}.{}", member.name);
        let event = service.shape(member.target);
        let slot = out
            .member(index)
            .map_err(|e| DeserializeError::value(path(), e))?;
        slot.init();
        let Some(st) = event.structure() else {
            return Err(DeserializeError::new(path(), "event is not a structure"));
        };
        for (i, m) in st.members.iter().enumerate() {
            if !m.event_header {
                continue;
            }
            let Some(value) = message.get(m.name) else {
                continue;
            };
            let at = || format!("{}.{}", event.name, m.name);
            let scalar = header_scalar(&service.shape(m.target).kind, value)
                .ok_or_else(|| DeserializeError::new(at(), "header of another type"))?;
            slot.member(i)
                .and_then(|s| s.set(scalar))
                .map_err(|e| DeserializeError::value(at(), e))?;
        }
        let payload = st.members.iter().enumerate().find(|(_, m)| m.event_payload);
        if let Some((i, m)) = payload {
            let at = || format!("{}.{}", event.name, m.name);
            let scalar = match service.shape(m.target).kind {
                ShapeKind::Blob => Some(Scalar::Blob(message.payload.clone())),
                ShapeKind::String | ShapeKind::Enum { .. } => Some(Scalar::Str(
                    String::from_utf8(message.payload.to_vec())
                        .map_err(|_| DeserializeError::new(at(), "payload is not UTF-8"))?,
                )),
                _ => None,
            };
            if let Some(scalar) = scalar {
                return slot
                    .member(i)
                    .and_then(|s| s.set(scalar))
                    .map_err(|e| DeserializeError::value(at(), e));
            }
        }
        let payload = payload.map(|(i, _)| i);
        self.codec
            .deserialize_event(service, member.target, payload, &message.payload, slot)
    }
}

/// A response stream of `events` (the JSON view of each, as a stubbed
/// output holds them), framed as the protocol would send them, so that
/// reading them runs the decoder a real stream does.
pub(crate) fn from_views(
    service: &'static Service,
    union: ShapeId,
    codec: &'static dyn Codec,
    events: &[serde_json::Value],
) -> Result<RawEvents, String> {
    let mut frames = Vec::new();
    for event in events {
        let mut value = crate::dynamic::DynValue::Empty;
        crate::view::write(service, union, event, &mut value).map_err(|e| e.to_string())?;
        let message =
            super::send::event_message(service, union, codec, &value).map_err(|e| e.to_string())?;
        frames.extend_from_slice(&message.encode().map_err(|e| e.to_string())?);
    }
    let body: BoxByteStream = Box::pin(futures_util::stream::iter([Ok(Bytes::from(frames))]));
    Ok(RawEvents::new(Incoming::new(body, service, union, codec)))
}

/// A header's value as the scalar a member of kind `kind` takes.
fn header_scalar(kind: &ShapeKind, value: &HeaderValue) -> Option<Scalar> {
    let millis = |ms: i64| {
        DateTime::from_secs_and_nanos(
            ms.div_euclid(1000),
            u32::try_from(ms.rem_euclid(1000) * 1_000_000).unwrap_or(0),
        )
    };
    Some(match (kind, value) {
        (ShapeKind::Timestamp, HeaderValue::Timestamp(ms) | HeaderValue::Int64(ms)) => {
            Scalar::Timestamp(millis(*ms))
        }
        (_, HeaderValue::Bool(b)) => Scalar::Bool(*b),
        (_, HeaderValue::Byte(v)) => Scalar::Int(i64::from(*v)),
        (_, HeaderValue::Int16(v)) => Scalar::Int(i64::from(*v)),
        (_, HeaderValue::Int32(v)) => Scalar::Int(i64::from(*v)),
        (_, HeaderValue::Int64(v)) => Scalar::Int(*v),
        (_, HeaderValue::Bytes(b)) => Scalar::Blob(b.clone()),
        (_, HeaderValue::String(s)) => Scalar::Str(s.clone()),
        (_, HeaderValue::Uuid(u)) => Scalar::Blob(Bytes::copy_from_slice(&u.to_be_bytes())),
        (_, HeaderValue::Timestamp(_)) => return None,
    })
}

/// The `Message` (or `message`) member of exception `index` of `union`, read back.
fn message_of(service: &Service, union: ShapeId, index: usize, event: &dyn Ser) -> Option<String> {
    let ValueRef::Struct(u) = event.value() else {
        return None;
    };
    let member = service.shape(union).structure()?.members.get(index)?;
    let ValueRef::Struct(exception) = u.member(index)?.value() else {
        return None;
    };
    let st = service.shape(member.target).structure()?;
    ["Message", "message"].iter().find_map(|name| {
        let i = st.member_index(name)?;
        match exception.member(i)?.value() {
            ValueRef::Str(s) => Some(s.to_owned()),
            _ => None,
        }
    })
}
