//! One codec per wire protocol, driven by the [`schema`](crate::schema).
//!
//! A codec turns an operation's input (read through [`Ser`]) into an
//! [`HttpRequest`], and an [`HttpResponse`] into the output (written through
//! [`De`]) or into an [`ErrorInfo`] plus the modeled exception. Codecs know
//! nothing about typed Rust values: generated clients and the dynamic
//! (JSON-driven) path go through exactly the same code.

use bytes::Bytes;
use http::HeaderMap;

use std::borrow::Cow;

use crate::schema::{Member, Operation, Protocol, Service, ShapeId};
use crate::value::{De, DeError, Ser};

/// A serialized request, before endpoint resolution and signing.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// The HTTP method (`http.method`).
    pub method: http::Method,
    /// Path and query, starting with `/` (`/2015-03-31/functions?Marker=x`).
    pub uri: String,
    /// What the codec sets (`Content-Type`, `X-Amz-Target`, header-bound members);
    /// the client adds its own and the signer's.
    pub headers: HeaderMap,
    /// The serialized body; empty when the operation sends none.
    pub body: Bytes,
    /// The operation's `hostPrefix` with its labels filled (`foo.`, `bar-baz.`).
    pub host_prefix: Option<String>,
    /// A streaming payload not held in memory (a file, a reader): sent as
    /// it is read, in place of `body` (which is then empty).
    pub stream: Option<crate::body::ByteStream>,
    /// An input event stream, framed and signed message by message as it is sent.
    pub events: Option<crate::event_stream::OutgoingBody>,
}

impl HttpRequest {
    /// A request with no headers, body or host prefix.
    pub fn new(method: http::Method, uri: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method,
            uri: uri.into(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            host_prefix: None,
            stream: None,
            events: None,
        }
    }
}

/// A received response, body fully read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The first value of header `name`, as text; `None` when absent or not visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Per-request choices a codec does not make itself.
pub struct SerializeOptions<'a> {
    /// Makes a value for an absent `idempotencyToken` member (a UUID v4 in clients).
    pub idempotency_token: &'a dyn Fn() -> String,
}

/// An input that cannot be put on the wire, and where: the operation (filled
/// in by [`serialize`] and the client) and the shape and member at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "cannot serialize the input of {service}.{operation}{}: {message}",
    at(shape, member)
)]
pub struct SerializeError {
    /// The service (botocore's folder name); empty until [`serialize`] names it.
    pub service: String,
    /// The operation; empty until [`serialize`] names it.
    pub operation: String,
    /// The shape being written (empty when the error is about the whole request).
    pub shape: String,
    /// The member at fault (empty when none is).
    pub member: String,
    /// What is wrong with the input.
    pub message: String,
}

fn at(shape: &str, member: &str) -> String {
    match (shape.is_empty(), member.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" at {shape}"),
        (true, false) => format!(" at member {member}"),
        (false, false) => format!(" at {shape}.{member}"),
    }
}

impl SerializeError {
    /// An error at member `member` of shape `shape` (either may be empty).
    pub fn new(shape: &str, member: &str, message: impl Into<String>) -> SerializeError {
        SerializeError {
            service: String::new(),
            operation: String::new(),
            shape: shape.to_owned(),
            member: member.to_owned(),
            message: message.into(),
        }
    }

    /// Names the operation, unless the error already does.
    pub fn context(mut self, service: &str, operation: &str) -> SerializeError {
        if self.service.is_empty() {
            self.service = service.to_owned();
        }
        if self.operation.is_empty() {
            self.operation = operation.to_owned();
        }
        self
    }
}

/// Serializes `input` with the service's codec; errors name the operation.
pub fn serialize(
    codec: &dyn Codec,
    service: &Service,
    operation: &Operation,
    input: Option<&dyn Ser>,
    options: &SerializeOptions<'_>,
) -> Result<HttpRequest, SerializeError> {
    codec
        .serialize(service, operation, input, options)
        .map_err(|e| e.context(service.name, operation.name))
}

/// A response that does not match the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot parse response at {path}: {message}")]
pub struct DeserializeError {
    /// Where in the output (`ListUsersResponse.Users[3].CreateDate`).
    pub path: String,
    /// What does not match.
    pub message: String,
}

impl DeserializeError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> DeserializeError {
        DeserializeError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A value's refusal ([`DeError`]) at `path`.
    pub fn value(path: impl Into<String>, err: DeError) -> DeserializeError {
        DeserializeError::new(path, err.to_string())
    }
}

/// What every error response says, whatever its protocol.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorInfo {
    /// The error code, sanitized (`NoSuchEntity`, `ResourceNotFoundException`).
    pub code: String,
    /// The message the response gave, if any.
    pub message: Option<String>,
    /// The request id the response carried, from a header or the body, if any.
    pub request_id: Option<String>,
    /// The HTTP status code.
    pub status: u16,
    /// The protocol's own code when `x-amzn-query-error` replaced it (the
    /// `__type` shape name of awsQueryCompatible services): modeled errors
    /// without an `error.code` are found by it.
    pub type_code: Option<String>,
}

/// Member texts passed through a function before they are set: S3's
/// url-encoded listings, decoded as they are read instead of parsed untyped
/// and changed after.
#[derive(Debug, Clone)]
pub struct TextDecode {
    /// The structure members (the schema's own, compared by address) whose
    /// text is decoded; none reads the response as [`Codec::deserialize`].
    pub members: Vec<&'static Member>,
    /// The decoding.
    pub decode: fn(&str) -> String,
}

impl TextDecode {
    /// `text`, decoded when it is the text of one of the members.
    pub fn apply<'t>(&self, member: &Member, text: Cow<'t, str>) -> Cow<'t, str> {
        if self.members.iter().any(|m| std::ptr::eq(*m, member)) {
            Cow::Owned((self.decode)(&text))
        } else {
            text
        }
    }
}

/// A wire protocol's codec.
pub trait Codec: Send + Sync {
    /// Writes `input` (`None` when the operation takes none) as this protocol's request.
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError>;

    /// Whether a response is an error (status, or S3's errors in a 200 body).
    fn is_error(&self, service: &Service, operation: &Operation, response: &HttpResponse) -> bool {
        let _ = (service, operation);
        response.status >= 300
    }

    /// Reads a successful response into `output`.
    fn deserialize(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError>;

    /// Reads a successful response into `output` as [`Codec::deserialize`]
    /// does, with the texts `decode` names decoded; `None` when this codec
    /// cannot (the caller then parses untyped and changes the value after).
    fn deserialize_decoding(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
        output: &mut dyn De,
        decode: &TextDecode,
    ) -> Option<Result<(), DeserializeError>> {
        let _ = (service, operation, response, output, decode);
        None
    }

    /// Reads an error response's code, message and request id.
    fn error_info(&self, service: &Service, response: &HttpResponse) -> ErrorInfo;

    /// Writes an event's payload (structure `shape`, read through `value`):
    /// its members other than `eventheader` ones, or its member `payload`
    /// alone, in this protocol's body format; returns it and its
    /// `:content-type`.
    fn serialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        value: &dyn Ser,
    ) -> Result<(Bytes, &'static str), SerializeError> {
        let _ = (payload, value);
        Err(SerializeError::new(
            service.shape(shape).name,
            "",
            "event streams are not sent in this protocol",
        ))
    }

    /// Reads an event-stream message's payload into `output`, structure
    /// `shape` (an event, an exception, or the output for an
    /// `initial-response`): the whole structure from the payload, or its
    /// member `payload` alone (an `eventpayload` structure), in this
    /// protocol's body format.
    fn deserialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        body: &Bytes,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let _ = (payload, body, output);
        Err(DeserializeError::new(
            service.shape(shape).name,
            "event streams are not part of this protocol",
        ))
    }

    /// Reads an error response into the exception shape `shape`.
    fn deserialize_error(
        &self,
        service: &Service,
        shape: ShapeId,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError>;
}

/// The codec of a protocol.
pub fn codec(protocol: Protocol) -> &'static dyn Codec {
    match protocol {
        Protocol::Json => &json::AwsJson,
        Protocol::RestJson => &rest_json::RestJson,
        Protocol::Query => &query::AwsQuery,
        Protocol::Ec2 => &query::Ec2Query,
        Protocol::RestXml => &rest_xml::RestXml,
        Protocol::RpcV2Cbor => &cbor::RpcV2Cbor,
    }
}

/// Finds the modeled error of `operation` whose code is `code`: its index in
/// `operation.errors`. Codes come from `error.code` or the shape name.
pub fn find_error(service: &Service, operation: &Operation, code: &str) -> Option<usize> {
    find_error_by(service, operation, code)
}

/// [`find_error`] for an error response: by its code, then (awsQueryCompatible
/// services, botocore's SQS `error_code_override`) by the protocol's own code.
pub fn find_error_for(service: &Service, operation: &Operation, info: &ErrorInfo) -> Option<usize> {
    find_error_by(service, operation, &info.code).or_else(|| {
        info.type_code
            .as_deref()
            .and_then(|c| find_error_by(service, operation, c))
    })
}

fn find_error_by(service: &Service, operation: &Operation, code: &str) -> Option<usize> {
    operation.errors.iter().position(|&id| {
        let shape = service.shape(id);
        let modeled = shape
            .structure()
            .and_then(|s| s.error)
            .and_then(|e| e.code)
            .unwrap_or(shape.name);
        modeled == code || shape.name == code
    })
}

pub mod cbor;
pub mod common;
pub mod json;
pub mod json_body;
pub mod query;
pub mod rest;
pub mod rest_json;
pub mod rest_xml;
pub mod xml;
