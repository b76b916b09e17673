//! Sending an input's event stream: each event framed as its protocol
//! writes it, signed with a signature chained to the previous one (the
//! first to the request's own), and a closing empty signed message, as
//! Transcribe's and Bedrock's streaming APIs take them.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use super::frame::{HeaderValue, Message};
use crate::body::{BodyError, BoxByteStream};
use crate::credentials::Credentials;
use crate::protocol::{Codec, SerializeError};
use crate::schema::{Service, ShapeId, ShapeKind};
use crate::value::{Ser, ValueRef};

/// The payload hash an event-stream request signs (`x-amz-content-sha256`).
pub const SEED_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-EVENTS";
/// The request's `Content-Type`.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// An input event-stream member whose events the client takes to send.
pub trait OutgoingEvents: Sync {
    /// The events, once; `None` when there are none to send (or they were taken).
    fn take(&self) -> Option<BoxStream<'static, Box<dyn Ser + Send + Sync>>>;
}

type Events = BoxStream<'static, Box<dyn Ser + Send + Sync>>;

/// An input's events as the codec hands them to the client: sent once
/// (an event stream is not replayed on retry).
#[derive(Clone)]
pub struct OutgoingBody {
    events: Arc<Mutex<Option<Events>>>,
    /// The event-stream union.
    union: ShapeId,
}

impl std::fmt::Debug for OutgoingBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutgoingBody(shape {})", self.union)
    }
}

impl PartialEq for OutgoingBody {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.events, &other.events)
    }
}

/// How each message is signed: the request's credentials and scope, and
/// the signature the next message chains to.
pub(crate) struct MessageSigner {
    identity: aws_smithy_runtime_api::client::identity::Identity,
    region: String,
    name: String,
    last: String,
}

impl MessageSigner {
    /// Chained to `seed`, the signature of the request that carries the stream.
    pub(crate) fn new(credentials: &Credentials, region: &str, name: &str, seed: &str) -> Self {
        MessageSigner {
            identity: aws_credential_types::Credentials::new(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.clone(),
                credentials.session_token.clone(),
                credentials.expiry,
                "boto-rs",
            )
            .into(),
            region: region.to_owned(),
            name: name.to_owned(),
            last: seed.to_owned(),
        }
    }

    /// `message` wrapped in a signed message (`:date`, `:chunk-signature`);
    /// `None` signs the closing empty message.
    pub(crate) fn sign(
        &mut self,
        message: Option<&Message>,
        time: SystemTime,
    ) -> Result<Bytes, BodyError> {
        let failed = |e: &dyn std::fmt::Display| BodyError::Source(e.to_string().into());
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(&self.name)
            .time(time)
            .settings(())
            .build()
            .map_err(|e| failed(&e))?;
        let signed = match message {
            Some(m) => aws_sigv4::event_stream::sign_message(&m.to_smithy(), &self.last, &params),
            None => aws_sigv4::event_stream::sign_empty_message(&self.last, &params),
        }
        .map_err(|e| failed(&e))?;
        let (signed, signature) = signed.into_parts();
        self.last = signature;
        let mut out = Vec::new();
        aws_smithy_eventstream::frame::write_message_to(&signed, &mut out)
            .map_err(|e| failed(&e))?;
        Ok(out.into())
    }
}

impl OutgoingBody {
    /// The events of `source` (an input's event-stream member of union `union`).
    pub(crate) fn take(source: &dyn OutgoingEvents, union: ShapeId) -> Option<OutgoingBody> {
        Some(OutgoingBody {
            events: Arc::new(Mutex::new(Some(source.take()?))),
            union,
        })
    }

    /// The request body: each event framed as `codec` writes it (and signed
    /// when `signer` is given), then the closing empty signed message.
    pub(crate) fn body(
        &self,
        service: &'static Service,
        codec: &'static dyn Codec,
        signer: Option<MessageSigner>,
    ) -> Result<BoxByteStream, BodyError> {
        let events = self
            .events
            .lock()
            .ok()
            .and_then(|mut e| e.take())
            .ok_or(BodyError::Consumed)?;
        let state = Sending {
            events,
            signer,
            service,
            union: self.union,
            codec,
            done: false,
        };
        Ok(futures_util::stream::unfold(state, |mut s| async move {
            if s.done {
                return None;
            }
            let next = s.events.next().await;
            let frame = match next {
                Some(event) => s.frame(&*event),
                None => {
                    s.done = true;
                    match &mut s.signer {
                        Some(signer) => signer.sign(None, SystemTime::now()),
                        None => return None,
                    }
                }
            };
            s.done |= frame.is_err();
            Some((frame, s))
        })
        .boxed())
    }
}

struct Sending {
    events: Events,
    signer: Option<MessageSigner>,
    service: &'static Service,
    union: ShapeId,
    codec: &'static dyn Codec,
    done: bool,
}

impl Sending {
    fn frame(&mut self, event: &dyn Ser) -> Result<Bytes, BodyError> {
        let message = event_message(self.service, self.union, self.codec, event)
            .map_err(|e| BodyError::Source(Box::new(e)))?;
        match &mut self.signer {
            Some(signer) => signer.sign(Some(&message), SystemTime::now()),
            None => message.encode().map_err(|e| BodyError::Source(Box::new(e))),
        }
    }
}

/// The message of one event of union `union`: `:message-type` `event`,
/// `:event-type` the member's name, `eventheader` members as headers, the
/// `eventpayload` member (else the other members) as the payload.
pub fn event_message(
    service: &Service,
    union: ShapeId,
    codec: &dyn Codec,
    event: &dyn Ser,
) -> Result<Message, SerializeError> {
    let u = service.shape(union);
    let err = |member: &str, message: &str| SerializeError::new(u.name, member, message);
    let (Some(st), ValueRef::Struct(value)) = (u.structure(), event.value()) else {
        return Err(err("", "an event is a union"));
    };
    let Some((member, set)) = st
        .members
        .iter()
        .enumerate()
        .find_map(|(i, m)| value.member(i).map(|v| (m, v)))
    else {
        return Err(err("", "no event is set"));
    };
    let shape = service.shape(member.target);
    let mut message = Message::new(Bytes::new())
        .header(":message-type", HeaderValue::String("event".into()))
        .header(":event-type", HeaderValue::String(member.name.into()));
    let (Some(event_st), ValueRef::Struct(fields)) = (shape.structure(), set.value()) else {
        // An untyped empty event (`DynValue`'s empty container): no payload.
        return match set.value() {
            ValueRef::Str("") if shape.structure().is_some() => Ok(message),
            _ => Err(err(member.name, "an event is a structure")),
        };
    };
    for (i, m) in event_st.members.iter().enumerate() {
        if !m.event_header {
            continue;
        }
        if let Some(v) = fields.member(i) {
            let value = header_value(&service.shape(m.target).kind, v.value())
                .ok_or_else(|| SerializeError::new(shape.name, m.name, "not a header value"))?;
            message.headers.push((m.name.to_owned(), value));
        }
    }
    let payload = event_st
        .members
        .iter()
        .enumerate()
        .find(|(_, m)| m.event_payload);
    let written = |payload| {
        codec
            .serialize_event(service, member.target, payload, set)
            .map(|(b, ct)| (b, Some(ct)))
    };
    let (body, content_type) = match payload {
        None => written(None)?,
        Some((i, m)) => match fields
            .member(i)
            .map(|v| (&service.shape(m.target).kind, v.value()))
        {
            None => (Bytes::new(), None),
            Some((ShapeKind::Blob, ValueRef::Blob(b))) => {
                (Bytes::copy_from_slice(b), Some("application/octet-stream"))
            }
            Some((ShapeKind::String | ShapeKind::Enum { .. }, ValueRef::Str(s))) => {
                (Bytes::copy_from_slice(s.as_bytes()), Some("text/plain"))
            }
            Some(_) => written(Some(i))?,
        },
    };
    if let Some(ct) = content_type {
        message
            .headers
            .push((":content-type".into(), HeaderValue::String(ct.into())));
    }
    message.payload = body;
    Ok(message)
}

/// A member's value as the header type its shape has (smithy's mapping).
fn header_value(kind: &ShapeKind, v: ValueRef<'_>) -> Option<HeaderValue> {
    Some(match (kind, v) {
        (ShapeKind::Boolean, ValueRef::Bool(b)) => HeaderValue::Bool(b),
        (ShapeKind::Byte, ValueRef::Int(i)) => HeaderValue::Byte(i8::try_from(i).ok()?),
        (ShapeKind::Short, ValueRef::Int(i)) => HeaderValue::Int16(i16::try_from(i).ok()?),
        (ShapeKind::Integer, ValueRef::Int(i)) => HeaderValue::Int32(i32::try_from(i).ok()?),
        (ShapeKind::Long, ValueRef::Int(i)) => HeaderValue::Int64(i),
        (ShapeKind::Blob, ValueRef::Blob(b)) => HeaderValue::Bytes(Bytes::copy_from_slice(b)),
        (ShapeKind::String | ShapeKind::Enum { .. }, ValueRef::Str(s)) => {
            HeaderValue::String(s.to_owned())
        }
        (ShapeKind::Timestamp, ValueRef::Timestamp(t)) => HeaderValue::Timestamp(
            t.secs()
                .checked_mul(1000)?
                .checked_add(i64::from(t.subsec_nanos() / 1_000_000))?,
        ),
        _ => return None,
    })
}
