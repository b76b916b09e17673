//! Sending an input's event stream: each event framed, signed with a
//! signature chained to the previous one, and a closing empty signed message.

use futures_util::stream::BoxStream;

use crate::value::Ser;

/// An input event-stream member whose events the client takes to send.
pub trait OutgoingEvents: Sync {
    /// The events, once; `None` when there are none to send (or they were taken).
    fn take(&self) -> Option<BoxStream<'static, Box<dyn Ser + Send + Sync>>>;
}
