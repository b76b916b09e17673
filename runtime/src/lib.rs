//! boto-rs runtime: everything generated service crates share.
//!
//! Generated crates hold types, static [`schema`] tables and thin glue; the
//! protocol codecs ([`protocol`]), the session, signing, HTTP and retries live
//! here once.

pub mod document;
pub mod dynamic;
pub mod model;
pub mod protocol;
pub mod schema;
pub mod time;
pub mod value;

pub use bytes::Bytes;
pub use document::Document;
pub use time::DateTime;
