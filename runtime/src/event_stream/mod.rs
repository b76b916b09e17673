//! Event streams (`application/vnd.amazon.eventstream`): S3 Select's
//! records, Bedrock's and Lambda's response streams, CloudWatch Logs' live
//! tail, Transcribe's audio.
//!
//! An event-stream member of a generated type is an [`EventStream<T>`], `T`
//! being the model's union of events (and of the exceptions the stream can
//! carry). In an output it is read with [`EventStream::recv`] or as a
//! [`Stream`](futures_util::Stream) ([`EventStream::into_stream`]); in an
//! input it is made from a stream of events ([`EventStream::from_stream`]),
//! which the client frames, signs message by message (each signature chained
//! to the one before, the first to the request's) and sends as they come.
//!
//! Decoding follows botocore's event-stream parsers: `:message-type`
//! `event` selects the union member named by `:event-type`, whose
//! `eventheader` members come from the message headers and whose
//! `eventpayload` member (else the whole event) from the payload, read in
//! the protocol's body format; `exception` is the modeled exception named by
//! `:exception-type`, returned typed as [`EventStreamError::Exception`];
//! `error` is [`EventStreamError::Error`] (`:error-code`, `:error-message`).
//! An event type the model does not know is the union's `Unknown`. The
//! stream ends after an error. A frame with a bad checksum, a length beyond
//! botocore's limits (128 KiB of headers, 24 MiB of payload), duplicate
//! headers or a stream cut inside a frame is a [`FrameError`].

mod frame;
mod receive;
mod send;

use std::sync::Arc;

use futures_util::stream::BoxStream;
use futures_util::Stream;

pub use frame::{
    FrameDecoder, FrameError, HeaderValue, Message, MAX_HEADERS_LENGTH, MAX_PAYLOAD_LENGTH,
};
pub use receive::decode_message;
pub(crate) use receive::{from_views, Incoming, RawEvents};
pub use send::OutgoingBody;
pub use send::{event_message, OutgoingEvents};
pub(crate) use send::{MessageSigner, CONTENT_TYPE, SEED_PAYLOAD};

use crate::body::BodyError;
use crate::protocol::DeserializeError;
use crate::value::{De, DeError, Scalar, Ser, ValueRef};

/// The events of one event-stream member: received (outputs) or to send (inputs).
///
/// Clones share the stream: an event read through one is not seen by the other.
pub struct EventStream<T> {
    state: Arc<tokio::sync::Mutex<State<T>>>,
}

enum State<T> {
    /// Nothing to read or send.
    Empty,
    /// Events to send, not yet taken by the client.
    Outgoing(BoxStream<'static, T>),
    /// Taken by the client to be sent.
    Sent,
    /// A response's stream, read event by event.
    Incoming(Box<Incoming>),
    /// Read to its end or to an error.
    Done,
}

impl<T> Clone for EventStream<T> {
    fn clone(&self) -> Self {
        EventStream {
            state: Arc::clone(&self.state),
        }
    }
}

impl<T> Default for EventStream<T> {
    fn default() -> Self {
        EventStream::with(State::Empty)
    }
}

impl<T> PartialEq for EventStream<T> {
    /// By identity: two streams are equal when one is a clone of the other.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.state.try_lock().as_deref() {
            Ok(State::Empty) => "empty",
            Ok(State::Outgoing(_)) => "to send",
            Ok(State::Sent) => "sent",
            Ok(State::Incoming(_)) => "receiving",
            Ok(State::Done) => "ended",
            Err(_) => "in use",
        };
        write!(f, "EventStream({what})")
    }
}

impl<T> EventStream<T> {
    fn with(state: State<T>) -> Self {
        EventStream {
            state: Arc::new(tokio::sync::Mutex::new(state)),
        }
    }
}

impl<T> EventStream<T>
where
    T: De + Ser + Default + Send + Sync + 'static,
{
    /// An input stream sending the events `events` yields, as it yields them;
    /// the request ends (with the closing empty signed message) when it ends.
    pub fn from_stream(events: impl Stream<Item = T> + Send + 'static) -> Self {
        EventStream::with(State::Outgoing(Box::pin(events)))
    }

    /// An input stream of the events given.
    pub fn from_events(events: impl IntoIterator<Item = T>) -> Self {
        let events: Vec<T> = events.into_iter().collect();
        EventStream::from_stream(futures_util::stream::iter(events))
    }

    /// An input stream fed through the returned sender, up to `buffer`
    /// events ahead of the connection; it ends when every sender is dropped.
    pub fn channel(buffer: usize) -> (EventSender<T>, Self) {
        let (tx, rx) = tokio::sync::mpsc::channel(buffer.max(1));
        let events = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        });
        (EventSender { tx }, EventStream::from_stream(events))
    }

    /// The next event; `Ok(None)` when the stream has ended (or this is an
    /// input stream). After an error the stream has ended.
    pub async fn recv(&mut self) -> Result<Option<T>, EventStreamError<T>> {
        let mut state = self.state.lock().await;
        let State::Incoming(incoming) = &mut *state else {
            return Ok(None);
        };
        let result = incoming.next_event().await;
        if !matches!(result, Ok(Some(_))) {
            *state = State::Done;
        }
        result
    }

    /// The events as a `Stream`, ending after the last event or the first error.
    pub fn into_stream(self) -> BoxStream<'static, Result<T, EventStreamError<T>>> {
        use futures_util::StreamExt;
        futures_util::stream::unfold(Some(self), |stream| async move {
            let mut stream = stream?;
            match stream.recv().await {
                Ok(Some(event)) => Some((Ok(event), Some(stream))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }

    /// Reads every event to the end of the stream.
    pub async fn collect(mut self) -> Result<Vec<T>, EventStreamError<T>> {
        let mut events = Vec::new();
        while let Some(event) = self.recv().await? {
            events.push(event);
        }
        Ok(events)
    }
}

impl<T> Ser for EventStream<T>
where
    T: De + Ser + Default + Send + Sync + 'static,
{
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Events(self)
    }
}

impl<T> OutgoingEvents for EventStream<T>
where
    T: De + Ser + Default + Send + Sync + 'static,
{
    fn take(&self) -> Option<BoxStream<'static, Box<dyn Ser + Send + Sync>>> {
        let mut state = self.state.try_lock().ok()?;
        match std::mem::replace(&mut *state, State::Sent) {
            State::Outgoing(events) => {
                use futures_util::StreamExt;
                Some(
                    events
                        .map(|e| Box::new(e) as Box<dyn Ser + Send + Sync>)
                        .boxed(),
                )
            }
            other => {
                *state = other;
                None
            }
        }
    }
}

impl<T> De for EventStream<T>
where
    T: De + Ser + Default + Send + Sync + 'static,
{
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        match value {
            Scalar::Events(raw) => {
                let incoming = raw
                    .take()
                    .ok_or_else(|| DeError::Invalid("event stream already taken".into()))?;
                *self = EventStream::with(State::Incoming(Box::new(incoming)));
                Ok(())
            }
            other => Err(DeError::mismatch("event stream", &other)),
        }
    }
    fn expecting(&self) -> &'static str {
        "event stream"
    }
}

/// Feeds an input [`EventStream`] made by [`EventStream::channel`].
pub struct EventSender<T> {
    tx: tokio::sync::mpsc::Sender<T>,
}

impl<T> Clone for EventSender<T> {
    fn clone(&self) -> Self {
        EventSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> std::fmt::Debug for EventSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSender")
    }
}

/// The request that carried the stream has ended (sent, failed or dropped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the event stream's request has ended")]
pub struct StreamClosed;

impl<T> EventSender<T> {
    /// Queues `event`, waiting while `buffer` events are already queued.
    pub async fn send(&self, event: T) -> Result<(), StreamClosed> {
        self.tx.send(event).await.map_err(|_| StreamClosed)
    }
}

/// Why an event stream stopped before its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventStreamError<T> {
    /// The service sent one of the stream's modeled exceptions: `event` is
    /// the union holding it, typed.
    #[error("the event stream sent {code}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Exception {
        /// The exception's name (`:exception-type`).
        code: String,
        /// Its `Message` member, if it has one.
        message: Option<String>,
        /// The union, set to the exception.
        event: Box<T>,
    },
    /// The service sent an error the model does not describe.
    #[error("the event stream sent error {code}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Error {
        /// `:error-code` (or an unknown `:exception-type`).
        code: String,
        /// `:error-message`, if any.
        message: Option<String>,
    },
    /// A frame breaks the format, or the stream was cut inside one.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// An event does not match the model.
    #[error("cannot parse event: {0}")]
    Parse(#[from] DeserializeError),
    /// The connection failed while the stream was read.
    #[error("event stream body: {0}")]
    Body(#[from] BodyError),
}

#[cfg(test)]
mod tests;
