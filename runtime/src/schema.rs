//! Static description of a service, as the protocol codecs need it.
//!
//! Generated crates emit these as `static` tables; [`crate::dynamic`] builds the
//! same tables at run time from a botocore JSON model (leaking them, since a
//! model is loaded once per program). Shapes refer to each other by index into
//! [`Service::shapes`], which keeps recursive shapes simple in both cases.

/// Index of a shape in [`Service::shapes`].
pub type ShapeId = u32;

/// A whole service: metadata, every shape and every operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// botocore's folder name (`s3`, `dynamodb`).
    pub name: &'static str,
    /// `metadata`: the service-wide settings.
    pub metadata: Metadata,
    /// Every reachable shape, sorted by name; a [`ShapeId`] is a position here.
    pub shapes: &'static [Shape],
    /// Every operation, sorted by name.
    pub operations: &'static [Operation],
    /// `endpoint-rule-set-1.json`, when the model has one.
    pub endpoint_rules: Option<&'static crate::endpoint::Rules>,
}

impl Service {
    /// The shape `id` refers to; panics on an id not from this service's tables.
    #[allow(clippy::indexing_slicing)] // ids come from this service's own lowering
    pub fn shape(&self, id: ShapeId) -> &'static Shape {
        &self.shapes[id as usize]
    }

    /// The operation named `name` (`GetObject`), if the service has one.
    pub fn operation(&self, name: &str) -> Option<&'static Operation> {
        self.operations.iter().find(|o| o.name == name)
    }
}

/// The wire protocols the runtime speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `query`: form-encoded requests, XML responses.
    Query,
    /// `ec2`: EC2's variant of query (`queryName` keys, its own list and error formats).
    Ec2,
    /// `json`: JSON bodies, the operation named in `X-Amz-Target`.
    Json,
    /// `rest-json`: HTTP bindings (URI, headers, query string) with JSON bodies.
    RestJson,
    /// `rest-xml`: HTTP bindings with XML bodies.
    RestXml,
    /// `smithy-rpc-v2-cbor`: CBOR bodies, the operation named in the request path.
    RpcV2Cbor,
}

impl Protocol {
    /// The botocore spelling (`metadata.protocol`).
    pub fn from_botocore(s: &str) -> Option<Protocol> {
        Some(match s {
            "query" => Protocol::Query,
            "ec2" => Protocol::Ec2,
            "json" => Protocol::Json,
            "rest-json" => Protocol::RestJson,
            "rest-xml" => Protocol::RestXml,
            "smithy-rpc-v2-cbor" => Protocol::RpcV2Cbor,
            _ => return None,
        })
    }

    /// The botocore spelling; the inverse of [`Protocol::from_botocore`].
    pub fn as_botocore(self) -> &'static str {
        match self {
            Protocol::Query => "query",
            Protocol::Ec2 => "ec2",
            Protocol::Json => "json",
            Protocol::RestJson => "rest-json",
            Protocol::RestXml => "rest-xml",
            Protocol::RpcV2Cbor => "smithy-rpc-v2-cbor",
        }
    }
}

/// Service-wide settings from the model's `metadata`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// `apiVersion` (`2006-03-01`): sent as `Version` by query and ec2.
    pub api_version: &'static str,
    /// `endpointPrefix` (else the folder name): the service label of endpoint hosts.
    pub endpoint_prefix: &'static str,
    /// `signingName` (else the endpoint prefix): the SigV4 service name.
    pub signing_name: &'static str,
    /// `serviceId` (else the folder name): names service-specific config keys and environment variables.
    pub service_id: &'static str,
    /// The protocol chosen: the first of `metadata.protocols` the runtime supports.
    pub protocol: Protocol,
    /// `jsonVersion` (`1.0`, `1.1`) for the json protocol.
    pub json_version: &'static str,
    /// `targetPrefix` for json and rpc-v2-cbor.
    pub target_prefix: &'static str,
    /// `xmlNamespace.uri` for query, ec2 and rest-xml.
    pub xml_namespace: Option<&'static str>,
    /// `awsQueryCompatible`: json errors carry a query error code in a header.
    pub aws_query_compatible: bool,
    /// `globalEndpoint` (iam, route53 and others in the aws partition).
    pub global_endpoint: Option<&'static str>,
    /// `signatureVersion` (`v4`, `s3`, `s3v4`, `bearer`).
    pub signature_version: &'static str,
    /// `auth`: the service's auth schemes in preference order (`aws.auth#sigv4`, …).
    pub auth: &'static [&'static str],
}

impl Metadata {
    /// Every field empty or at botocore's default, for `..Metadata::DEFAULT` in hand-written tables.
    pub const DEFAULT: Metadata = Metadata {
        api_version: "",
        endpoint_prefix: "",
        signing_name: "",
        service_id: "",
        protocol: Protocol::Json,
        json_version: "1.0",
        target_prefix: "",
        xml_namespace: None,
        aws_query_compatible: false,
        global_endpoint: None,
        signature_version: "v4",
        auth: &[],
    };
}

/// One operation of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The operation name (`GetObject`).
    pub name: &'static str,
    /// `http.method`; `POST` when absent.
    pub http_method: &'static str,
    /// `http.requestUri`, with `{Label}` and `{Label+}` placeholders and a literal query part.
    pub request_uri: &'static str,
    /// `http.responseCode`, when the model gives one.
    pub response_code: Option<u16>,
    /// The input structure, if the operation takes one.
    pub input: Option<ShapeId>,
    /// The output structure, if the operation returns one.
    pub output: Option<ShapeId>,
    /// `input.locationName` (rest-xml wrapper element of the request body).
    pub input_location_name: Option<&'static str>,
    /// `input.xmlNamespace.uri` (rest-xml).
    pub input_xml_namespace: Option<&'static str>,
    /// `output.resultWrapper` (query).
    pub result_wrapper: Option<&'static str>,
    /// `errors`: the exception structures the operation may return.
    pub errors: &'static [ShapeId],
    /// `endpoint.hostPrefix`, with `{Label}` placeholders filled from `hostLabel` members.
    pub host_prefix: Option<&'static str>,
    /// `httpChecksumRequired`, or a required checksum in `httpChecksum`: send Content-MD5.
    pub checksum_required: bool,
    /// `httpChecksum`: flexible checksum traits.
    pub http_checksum: Option<HttpChecksum>,
    /// `requestcompression.encodings`.
    pub request_compression: &'static [&'static str],
    /// `authtype` (`none`, `v4-unsigned-body`, …), empty when absent.
    pub auth_type: &'static str,
    /// `auth`: the operation's auth schemes, overriding the service's.
    pub auth: &'static [&'static str],
    /// `unsignedPayload`: the body is signed as `UNSIGNED-PAYLOAD`.
    pub unsigned_payload: bool,
    /// `staticContextParams`: endpoint parameters this operation fixes.
    pub static_context_params: &'static [(&'static str, ContextValue)],
    /// `operationContextParams`: endpoint parameter name and the JMESPath
    /// over the input that gives its value.
    pub operation_context_params: &'static [(&'static str, &'static str)],
    /// `deprecated`: the operation is deprecated.
    pub deprecated: bool,
}

/// An operation's `httpChecksum` trait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HttpChecksum {
    /// `requestChecksumRequired`: the request must carry a checksum.
    pub request_checksum_required: bool,
    /// The input member naming the checksum algorithm to send.
    pub request_algorithm_member: Option<&'static str>,
    /// The input member that enables response validation.
    pub request_validation_mode_member: Option<&'static str>,
    /// `responseAlgorithms`: algorithms a response may be validated with (`CRC32`, `SHA256`, …).
    pub response_algorithms: &'static [&'static str],
}

/// The value of a static context parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ContextValue {
    /// A boolean parameter (`ForcePathStyle: true`).
    Bool(bool),
    /// A string parameter.
    String(&'static str),
    /// A string-array parameter.
    Strings(&'static [&'static str]),
}

impl Operation {
    /// Every field at botocore's default (`POST /`), for `..Operation::DEFAULT` in hand-written tables.
    pub const DEFAULT: Operation = Operation {
        name: "",
        http_method: "POST",
        request_uri: "/",
        response_code: None,
        input: None,
        output: None,
        input_location_name: None,
        input_xml_namespace: None,
        result_wrapper: None,
        errors: &[],
        host_prefix: None,
        checksum_required: false,
        http_checksum: None,
        request_compression: &[],
        auth_type: "",
        auth: &[],
        unsigned_payload: false,
        static_context_params: &[],
        operation_context_params: &[],
        deprecated: false,
    };
}

/// Timestamp wire formats (`timestampFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampFormat {
    /// `iso8601`: `2006-01-02T15:04:05Z`.
    Iso8601,
    /// `rfc822`: the HTTP date `Mon, 02 Jan 2006 15:04:05 GMT`.
    Rfc822,
    /// `unixTimestamp`: seconds since the epoch, possibly fractional.
    UnixTimestamp,
}

impl TimestampFormat {
    /// Parses botocore's spelling; `None` for an unknown one.
    pub fn from_botocore(s: &str) -> Option<TimestampFormat> {
        Some(match s {
            "iso8601" => TimestampFormat::Iso8601,
            "rfc822" => TimestampFormat::Rfc822,
            "unixTimestamp" => TimestampFormat::UnixTimestamp,
            _ => return None,
        })
    }
}

/// Where a member travels in an HTTP message (`location`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// The protocol's body (no `location`).
    Body,
    /// One header, named by `location_name`.
    Header,
    /// A map of headers sharing the prefix in `location_name`.
    Headers,
    /// A `{Label}` or `{Label+}` of the request URI, named by `location_name`.
    Uri,
    /// A query-string parameter named by `location_name` (a map spreads into several).
    QueryString,
    /// The response's HTTP status code.
    StatusCode,
}

/// What kind of value a shape holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeKind {
    /// A structure, union, exception or document.
    Structure(StructureShape),
    /// A list.
    List {
        /// The element.
        member: Member,
    },
    /// A map.
    Map {
        /// The key (always a string on the wire).
        key: Member,
        /// The value.
        value: Member,
    },
    /// A string.
    String,
    /// A string restricted to `values`; unknown values are still accepted.
    Enum {
        /// The model's `enum` values, once each, in model order.
        values: &'static [&'static str],
    },
    /// A boolean.
    Boolean,
    /// An 8-bit signed integer.
    Byte,
    /// A 16-bit signed integer.
    Short,
    /// A 32-bit signed integer.
    Integer,
    /// A 64-bit signed integer.
    Long,
    /// A 32-bit float.
    Float,
    /// A 64-bit float.
    Double,
    /// An arbitrary-precision integer, carried as text.
    BigInteger,
    /// An arbitrary-precision decimal, carried as text.
    BigDecimal,
    /// Bytes (base64 in text formats).
    Blob,
    /// A point in time, written in the member's, shape's or protocol's format.
    Timestamp,
}

/// Structures, unions and exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureShape {
    /// The members in model order; codecs serialize in this order.
    pub members: &'static [Member],
    /// Index into `members` of the `payload` member (rest protocols).
    pub payload: Option<u16>,
    /// `union`: exactly one member may be set.
    pub union: bool,
    /// `document: true`: an untyped JSON-like document.
    pub document: bool,
    /// Present when the shape is an `exception`.
    pub error: Option<ErrorTraits>,
    /// `eventstream: true`: a union of events, sent or received as a stream.
    pub event_stream: bool,
    /// `event: true`: one event of an event stream.
    pub event: bool,
}

impl StructureShape {
    /// No members and no traits, for `..StructureShape::DEFAULT` in hand-written tables.
    pub const DEFAULT: StructureShape = StructureShape {
        members: &[],
        payload: None,
        union: false,
        document: false,
        error: None,
        event_stream: false,
        event: false,
    };

    /// The position in `members` of the member named `name`.
    pub fn member_index(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }

    /// The member named `name`, with its position in `members`.
    pub fn member_named(&self, name: &str) -> Option<(usize, &'static Member)> {
        self.members
            .iter()
            .enumerate()
            .find(|(_, m)| m.name == name)
    }
}

/// An exception shape's `error` trait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorTraits {
    /// `error.code`, when it differs from the shape name (query protocols).
    pub code: Option<&'static str>,
    /// `error.httpStatusCode`: the status the error is returned with.
    pub http_status: Option<u16>,
    /// `error.senderFault`: the caller is at fault (`Sender` in query error bodies).
    pub sender_fault: bool,
}

/// A named shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The shape's name in the model.
    pub name: &'static str,
    /// The shape's type and its members, element or values.
    pub kind: ShapeKind,
    /// `locationName` on the shape (XML element name).
    pub xml_name: Option<&'static str>,
    /// `xmlNamespace` on the shape: (prefix, uri).
    pub xml_namespace: Option<XmlNamespace>,
    /// `flattened`: a list or map without its wrapper element (query, XML).
    pub flattened: bool,
    /// `timestampFormat` on the shape, overriding the protocol's default.
    pub timestamp_format: Option<TimestampFormat>,
    /// `sensitive`: values are kept out of `Debug` output.
    pub sensitive: bool,
    /// `streaming: true` on a blob or string.
    pub streaming: bool,
    /// `requiresLength` on a streaming blob.
    pub requires_length: bool,
}

impl Shape {
    /// A plain string shape without traits, for `..Shape::DEFAULT` in hand-written tables.
    pub const DEFAULT: Shape = Shape {
        name: "",
        kind: ShapeKind::String,
        xml_name: None,
        xml_namespace: None,
        flattened: false,
        timestamp_format: None,
        sensitive: false,
        streaming: false,
        requires_length: false,
    };

    /// The structure, when the shape is one.
    pub fn structure(&self) -> Option<&StructureShape> {
        match &self.kind {
            ShapeKind::Structure(s) => Some(s),
            _ => None,
        }
    }
}

/// An XML namespace declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlNamespace {
    /// The `xmlns:` prefix, or `None` for a default `xmlns`.
    pub prefix: Option<&'static str>,
    /// The namespace URI.
    pub uri: &'static str,
}

/// A member of a structure, or the element/key/value of a list or map.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The member's name in the model (`UserName`).
    pub name: &'static str,
    /// The shape the member holds.
    pub target: ShapeId,
    /// `location`: where the member travels in an HTTP message.
    pub location: Location,
    /// `locationName`: header name, URI label, query key, or XML/JSON wire name.
    pub location_name: Option<&'static str>,
    /// `queryName` (ec2).
    pub query_name: Option<&'static str>,
    /// `xmlNamespace` declared on the member's element.
    pub xml_namespace: Option<XmlNamespace>,
    /// `xmlAttribute`: written as an attribute of the parent element.
    pub xml_attribute: bool,
    /// `flattened` on the member: a list or map without its wrapper element.
    pub flattened: bool,
    /// `timestampFormat` on the member, overriding the shape's and the protocol's.
    pub timestamp_format: Option<TimestampFormat>,
    /// `hostLabel`: fills `{Name}` in the operation's host prefix.
    pub host_label: bool,
    /// `idempotencyToken`: auto-filled with a UUID when absent.
    pub idempotency_token: bool,
    /// `jsonvalue`: a header or string holding JSON text.
    pub json_value: bool,
    /// Listed in the parent's `required` (inputs only; never trusted on outputs).
    pub required: bool,
    /// `eventpayload`: the member that is an event's payload.
    pub event_payload: bool,
    /// `eventheader`: the member travels in an event's headers (named as the member).
    pub event_header: bool,
    /// `streaming` on the member or its shape: the body is a stream.
    pub streaming: bool,
    /// `contextParam.name`: the endpoint parameter this member feeds.
    pub context_param: Option<&'static str>,
}

impl Member {
    /// No traits and target 0, for `..Member::DEFAULT` in hand-written tables.
    pub const DEFAULT: Member = Member {
        name: "",
        target: 0,
        location: Location::Body,
        location_name: None,
        query_name: None,
        xml_namespace: None,
        xml_attribute: false,
        flattened: false,
        timestamp_format: None,
        host_label: false,
        idempotency_token: false,
        json_value: false,
        required: false,
        event_payload: false,
        event_header: false,
        streaming: false,
        context_param: None,
    };

    /// The name on the wire: `locationName` if set, else the member name.
    pub fn wire_name(&self) -> &'static str {
        self.location_name.unwrap_or(self.name)
    }
}
