//! boto-rs runtime: everything generated service crates share.
//!
//! Generated crates hold types, static [`schema`] tables and thin glue; the
//! protocol codecs ([`protocol`]), the session, signing, HTTP and retries live
//! here once.

#![deny(missing_docs)]
// Issue 12: a server, a file or a model must never be able to crash a
// program, so no indexing or slicing that data can make panic (use `get`,
// `split_first`, patterns; a true invariant of the runtime's own making is
// allowed where it stands, with the reason). Tests index freely.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod body;
pub mod checksum;
pub mod client;
pub mod config;
pub mod credentials;
pub mod customize;
pub mod document;
pub mod dynamic;
pub mod endpoint;
pub mod env;
pub mod error;
pub mod event_stream;
pub mod http_settings;
pub mod jmespath;
pub mod lower;
pub mod model;
pub mod model_files;
pub mod paginator;
pub mod presign;
pub mod protocol;
pub mod resource;
pub mod retry;
mod s3express;
pub mod schema;
pub mod serde_shape;
pub mod session;
pub mod sign;
pub mod stub;
#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
#[allow(clippy::indexing_slicing)] // test support (feature `test-util`), never in a client
pub mod test_server;
pub mod time;
pub mod transfer;
pub mod transport;
pub mod useragent;
pub mod validate;
pub mod value;
pub mod view;
pub mod waiter;

#[cfg(test)]
mod test_models;

use std::future::Future;
use std::pin::Pin;

pub use body::{BodyError, ByteStream, StalledStream};
pub use bytes::Bytes;
pub use client::{Client, ClientConfig};
pub use credentials::{Credentials, ProvideCredentials};
pub use document::Document;
pub use error::{
    ConfigError, CredentialsError, EndpointError, Error, OperationError, RawServiceError,
    ResponseError, ServiceFailure, TimeoutError, TimeoutKind, TransportError, UnhandledError,
};
pub use http_settings::HttpOverrides;
pub use presign::{PostPolicy, PresignConfig, PresignedPost, PresignedRequest};
pub use retry::RetryMode;
pub use session::{Session, SessionBuilder};
pub use time::DateTime;
pub use transport::BeforeSend;

/// A boxed, `Send` future: what [`Client::call`] and credential providers return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
