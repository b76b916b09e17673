//! botocore's JSON service model (`service-2.json`) as serde types.
//!
//! Shared by the code generator and by [`crate::dynamic`], which builds a
//! [`schema::Service`](crate::schema::Service) from it at run time. Fields the
//! runtime and generator do not use are kept loosely (`serde_json::Value`) or
//! ignored; unknown keys never fail a load.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;

/// A whole `service-2.json`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ServiceModel {
    /// `version`: the model format version (`2.0`).
    pub version: Option<String>,
    /// `metadata`: service-wide settings.
    pub metadata: ModelMetadata,
    /// `operations`, keyed by operation name.
    pub operations: BTreeMap<String, ModelOperation>,
    /// `shapes`, keyed by shape name.
    pub shapes: BTreeMap<String, ModelShape>,
    /// The service's HTML `documentation`, turned into rustdoc by the generator.
    pub documentation: Option<String>,
    /// The text of the service's `endpoint-rule-set-1.json` (a separate file,
    /// which loaders put here so that lowering sees it).
    #[serde(skip)]
    pub endpoint_rules: Option<String>,
}

impl ServiceModel {
    /// Parses the text of a `service-2.json`.
    pub fn from_json(text: &str) -> Result<ServiceModel, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// A model's `metadata`; [`lower`](crate::lower::lower) supplies defaults for what is absent.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelMetadata {
    /// `apiVersion` (`2006-03-01`): sent as `Version` by the query protocols.
    pub api_version: String,
    /// `endpointPrefix`: the endpoint host's service label; the folder name when absent.
    pub endpoint_prefix: Option<String>,
    /// `signingName`: the SigV4 service name; the endpoint prefix when absent.
    pub signing_name: Option<String>,
    /// `serviceId` (`S3`, `DynamoDB`): names service-specific config keys and environment variables.
    pub service_id: Option<String>,
    /// `serviceFullName` (`Amazon Simple Storage Service`): used in generated docs.
    pub service_full_name: Option<String>,
    /// `serviceAbbreviation` (`Amazon S3`): kept for completeness, unused.
    pub service_abbreviation: Option<String>,
    /// `protocol`: the legacy single protocol, used only when `protocols` is empty.
    pub protocol: String,
    /// `protocols`: every protocol the service speaks; the first in botocore's
    /// priority order ([`PROTOCOL_PRIORITY`](crate::lower::PROTOCOL_PRIORITY)) wins.
    pub protocols: Vec<String>,
    /// `jsonVersion` (`1.0`, `1.1`): the version in the json protocol's `Content-Type`.
    pub json_version: Option<String>,
    /// `targetPrefix`: put before the operation name in json's `X-Amz-Target`
    /// header and in rpc-v2-cbor's request path.
    pub target_prefix: Option<String>,
    /// `xmlNamespace`: the namespace URI of query, ec2 and rest-xml documents.
    pub xml_namespace: Option<String>,
    /// `globalEndpoint`: the one host of a global service (iam, route53) in the `aws` partition.
    pub global_endpoint: Option<String>,
    /// `signatureVersion` (`v4`, `s3`, `s3v4`, `bearer`); `v4` when absent.
    pub signature_version: Option<String>,
    /// `awsQueryCompatible`: a json service that also reports query error codes
    /// (`x-amzn-query-error`); only its presence matters.
    pub aws_query_compatible: Option<serde_json::Value>,
    /// `uid` (`s3-2006-03-01`): the model's unique id; unused.
    pub uid: Option<String>,
    /// `auth`: the service's auth schemes in preference order (`aws.auth#sigv4`, …).
    pub auth: Vec<String>,
}

/// An entry of `operations`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelOperation {
    /// `name`: the operation name (`GetObject`).
    pub name: String,
    /// `http`: method, request URI and success status.
    pub http: ModelHttp,
    /// `input`: the input structure, with its rest-xml root element traits.
    pub input: Option<ModelOperationInput>,
    /// `output`: the output structure, with its query `resultWrapper`.
    pub output: Option<ModelOperationOutput>,
    /// `errors`: the exception shapes the operation may return.
    pub errors: Vec<ShapeRef>,
    /// HTML `documentation`, turned into rustdoc by the generator.
    pub documentation: Option<String>,
    /// `endpoint`: the operation's `hostPrefix`.
    pub endpoint: Option<ModelEndpointTrait>,
    /// `httpChecksumRequired`: the request must carry a `Content-MD5` checksum.
    pub http_checksum_required: Option<bool>,
    /// `httpChecksum`: the flexible-checksum traits.
    pub http_checksum: Option<ModelHttpChecksum>,
    /// `requestcompression`: encodings the request body may be compressed with.
    #[serde(rename = "requestcompression")]
    pub request_compression: Option<ModelRequestCompression>,
    /// `authtype` (`none`, `v4-unsigned-body`, `bearer`, …): the legacy per-operation auth override.
    #[serde(rename = "authtype")]
    pub auth_type: Option<String>,
    /// `auth`: the operation's auth schemes, overriding the service's.
    pub auth: Vec<String>,
    /// `deprecated`: the operation is deprecated.
    pub deprecated: Option<bool>,
    /// `deprecatedMessage`: why it is deprecated; unused.
    pub deprecated_message: Option<String>,
    /// `idempotent`: the operation is safe to repeat; informational, unused.
    pub idempotent: Option<bool>,
    /// `unsignedPayload`: sign with `UNSIGNED-PAYLOAD`.
    pub unsigned_payload: Option<bool>,
    /// `staticContextParams`: endpoint parameters fixed per operation.
    pub static_context_params: BTreeMap<String, ModelStaticContextParam>,
    /// `operationContextParams`: endpoint parameters read from the input by JMESPath.
    pub operation_context_params: BTreeMap<String, ModelOperationContextParam>,
}

/// One `staticContextParams` entry.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelStaticContextParam {
    /// `value`: a bool, a string or a list of strings (anything else fails lowering).
    pub value: serde_json::Value,
}

/// One `operationContextParams` entry.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelOperationContextParam {
    /// `path`: the JMESPath over the input whose result is the parameter's value.
    pub path: String,
}

/// A member's `contextParam`: the endpoint parameter it feeds.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelContextParam {
    /// `name`: the endpoint rules parameter (`Bucket`); empty means none.
    pub name: String,
}

/// An operation's `http` trait.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelHttp {
    /// `method`; `POST` when absent.
    pub method: Option<String>,
    /// `requestUri`, with `{Label}`/`{Label+}` placeholders; `/` when absent.
    pub request_uri: Option<String>,
    /// `responseCode`: the success status, when the model gives one.
    pub response_code: Option<u16>,
}

/// An operation's `input` reference.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelOperationInput {
    /// `shape`: the input structure's name.
    pub shape: String,
    /// `locationName`: the root element of a rest-xml request body.
    pub location_name: Option<String>,
    /// `xmlNamespace`: the namespace declared on that root element.
    pub xml_namespace: Option<ModelXmlNamespace>,
}

/// An operation's `output` reference.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelOperationOutput {
    /// `shape`: the output structure's name.
    pub shape: String,
    /// `resultWrapper`: the query protocol's element (`<OpResult>`) that wraps the output.
    pub result_wrapper: Option<String>,
}

/// A bare `{"shape": …}` reference, as in an operation's `errors`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ShapeRef {
    /// `shape`: the referenced shape's name.
    pub shape: String,
}

/// An operation's `endpoint` trait.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelEndpointTrait {
    /// `hostPrefix`: prepended to the endpoint host, `{Label}` filled from `hostLabel` members.
    pub host_prefix: Option<String>,
}

/// An operation's `httpChecksum` trait (flexible checksums).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelHttpChecksum {
    /// `requestChecksumRequired`: the request must carry a checksum.
    pub request_checksum_required: Option<bool>,
    /// `requestAlgorithmMember`: the input member naming the algorithm to send.
    pub request_algorithm_member: Option<String>,
    /// `requestValidationModeMember`: the input member that asks for response validation.
    pub request_validation_mode_member: Option<String>,
    /// `responseAlgorithms`: algorithms a response may be validated with (`CRC32`, `SHA256`, …).
    pub response_algorithms: Vec<String>,
}

/// An operation's `requestcompression` trait.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelRequestCompression {
    /// `encodings` the request body may be compressed with (`gzip`), in preference order.
    pub encodings: Vec<String>,
}

/// `xmlNamespace`: botocore writes it as an object; a bare string is the uri.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ModelXmlNamespace {
    /// A bare string: the namespace URI.
    Uri(String),
    /// The object form `{"prefix": …, "uri": …}`.
    Full {
        /// `prefix`: the `xmlns:` prefix to declare, if any.
        #[serde(default)]
        prefix: Option<String>,
        /// `uri`: the namespace URI.
        #[serde(default)]
        uri: String,
    },
}

impl ModelXmlNamespace {
    /// The prefix, when the object form gives one.
    pub fn prefix(&self) -> Option<&str> {
        match self {
            ModelXmlNamespace::Uri(_) => None,
            ModelXmlNamespace::Full { prefix, .. } => prefix.as_deref(),
        }
    }

    /// The namespace URI, whichever form.
    pub fn uri(&self) -> &str {
        match self {
            ModelXmlNamespace::Uri(u) => u,
            ModelXmlNamespace::Full { uri, .. } => uri,
        }
    }
}

/// An entry of `shapes`: its type and every shape-level trait.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelShape {
    /// `type` (`structure`, `list`, `map`, `string`, `timestamp`, …).
    #[serde(rename = "type")]
    pub shape_type: String,
    /// Members in the model's order (codecs serialize members in that order).
    pub members: IndexMap<String, ModelMember>,
    /// `member`: a list's element.
    pub member: Option<Box<ModelMember>>,
    /// `key`: a map's key.
    pub key: Option<Box<ModelMember>>,
    /// `value`: a map's value.
    pub value: Option<Box<ModelMember>>,
    /// `required`: members an input structure must set (never trusted on outputs).
    pub required: Vec<String>,
    /// `enum`: a string's known values (unknown values are still accepted).
    #[serde(rename = "enum")]
    pub enum_values: Vec<String>,
    /// `locationName`: the shape's XML element name.
    pub location_name: Option<String>,
    /// `xmlNamespace`: the namespace declared on the shape's element.
    pub xml_namespace: Option<ModelXmlNamespace>,
    /// `flattened`: a list or map serialized without its wrapper element (query, XML).
    pub flattened: Option<bool>,
    /// `timestampFormat` (`iso8601`, `rfc822`, `unixTimestamp`), overriding the protocol's default.
    pub timestamp_format: Option<String>,
    /// `sensitive`: values are kept out of `Debug` output.
    pub sensitive: Option<bool>,
    /// `streaming`: a blob or string sent or received as a stream.
    pub streaming: Option<bool>,
    /// `requiresLength`: a streaming body whose length must be known before sending.
    pub requires_length: Option<bool>,
    /// `payload`: the member that is the whole HTTP body (rest protocols).
    pub payload: Option<String>,
    /// `union`: exactly one member may be set.
    pub union: Option<bool>,
    /// `document`: an untyped JSON-like document.
    pub document: Option<bool>,
    /// `exception`: the structure is an error.
    pub exception: Option<bool>,
    /// `fault`: the error is the service's fault; informational, unused.
    pub fault: Option<bool>,
    /// `error`: the error's wire code, HTTP status and sender fault.
    pub error: Option<ModelErrorTrait>,
    /// `event`: one event of an event stream.
    pub event: Option<bool>,
    /// `eventstream`: a union of events, sent or received as a stream.
    #[serde(rename = "eventstream")]
    pub event_stream: Option<bool>,
    /// HTML `documentation`, turned into rustdoc by the generator.
    pub documentation: Option<String>,
    /// `deprecated`: the shape is deprecated.
    pub deprecated: Option<bool>,
    /// `min`: minimum length or value; validation the runtime leaves to the service.
    pub min: Option<f64>,
    /// `max`: maximum length or value; validation the runtime leaves to the service.
    pub max: Option<f64>,
    /// `pattern`: a regex the value must match; validation the runtime leaves to the service.
    pub pattern: Option<String>,
    /// `box`: legacy marker of a nullable primitive; unused (every member is optional).
    #[serde(rename = "box")]
    pub boxed: Option<bool>,
    /// `wrapper`: legacy marker of a result-wrapper structure; unused.
    pub wrapper: Option<bool>,
}

/// A shape's `error` trait.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelErrorTrait {
    /// `code`: the wire error code when it differs from the shape name (query protocols).
    pub code: Option<String>,
    /// `httpStatusCode`: the status the error is returned with.
    pub http_status_code: Option<u16>,
    /// `senderFault`: the caller is at fault (`Sender`, not `Receiver`, in query error bodies).
    pub sender_fault: Option<bool>,
}

/// A structure member, a list's `member`, or a map's `key`/`value`: the target
/// shape and the member-level traits.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelMember {
    /// `shape`: the target shape's name.
    pub shape: String,
    /// `location` (`header`, `headers`, `uri`, `querystring`, `statusCode`); the body when absent.
    pub location: Option<String>,
    /// `locationName`: header name, URI label, query key, or XML/JSON wire name.
    pub location_name: Option<String>,
    /// `queryName`: the ec2 protocol's query key.
    pub query_name: Option<String>,
    /// `xmlNamespace`: the namespace declared on the member's element.
    pub xml_namespace: Option<ModelXmlNamespace>,
    /// `xmlAttribute`: serialized as an attribute of the parent element.
    pub xml_attribute: Option<bool>,
    /// `flattened` on the member: a list or map without its wrapper element.
    pub flattened: Option<bool>,
    /// `timestampFormat` on the member, overriding the shape's and the protocol's.
    pub timestamp_format: Option<String>,
    /// `hostLabel`: fills `{Name}` in the operation's host prefix.
    pub host_label: Option<bool>,
    /// `idempotencyToken`: filled with a UUID when the caller leaves it unset.
    pub idempotency_token: Option<bool>,
    /// `jsonvalue`: a header or string holding JSON text.
    #[serde(rename = "jsonvalue")]
    pub json_value: Option<bool>,
    /// HTML `documentation`, turned into rustdoc by the generator.
    pub documentation: Option<String>,
    /// `deprecated`: the member is deprecated.
    pub deprecated: Option<bool>,
    /// `deprecatedMessage`: why it is deprecated; unused.
    pub deprecated_message: Option<String>,
    /// `eventpayload`: the member that is an event's payload.
    #[serde(rename = "eventpayload")]
    pub event_payload: Option<bool>,
    /// `eventheader`: the member travels in an event's headers.
    #[serde(rename = "eventheader")]
    pub event_header: Option<bool>,
    /// `streaming` on the member; lowering merges it with the shape's.
    pub streaming: Option<bool>,
    /// `box`: legacy marker of a nullable primitive; unused.
    #[serde(rename = "box")]
    pub boxed: Option<bool>,
    /// `sensitive` on the member: its value is kept out of `Debug` output.
    pub sensitive: Option<bool>,
    /// `contextParam`: the endpoint parameter the member feeds.
    pub context_param: Option<ModelContextParam>,
}

/// A whole `paginators-1.json`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PaginatorsModel {
    /// Paginators by operation name.
    #[serde(default)]
    pub pagination: BTreeMap<String, PaginatorConfig>,
}

impl PaginatorsModel {
    /// Parses the text of a `paginators-1.json`.
    pub fn from_json(text: &str) -> Result<PaginatorsModel, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// One entry of `pagination`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaginatorConfig {
    /// `input_token`: input members the tokens go to.
    pub input_token: OneOrMany,
    /// `output_token`: JMESPath expressions on the output, one per input token.
    pub output_token: OneOrMany,
    /// `more_results`: pages follow only while this expression is true.
    #[serde(default)]
    pub more_results: Option<String>,
    /// `limit_key`: the input member limiting a page's size.
    #[serde(default)]
    pub limit_key: Option<String>,
    /// `result_key`: the aggregated results.
    #[serde(default)]
    pub result_key: Option<OneOrMany>,
    /// `non_aggregate_keys`: values kept from the first page.
    #[serde(default)]
    pub non_aggregate_keys: Vec<String>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings, one or many.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A `waiters-2.json` file.
#[derive(Debug, Clone, Deserialize)]
pub struct WaitersModel {
    /// The format version (2).
    pub version: u32,
    /// By name; sorted, so waiters are listed in a stable order.
    pub waiters: BTreeMap<String, WaiterModel>,
}

/// One waiter of `waiters-2.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaiterModel {
    /// The operation polled.
    pub operation: String,
    /// Seconds between attempts.
    pub delay: f64,
    /// Attempts before giving up, the first included.
    pub max_attempts: u32,
    /// What the waiter waits for.
    #[serde(default)]
    pub description: Option<String>,
    /// Checked in order; the first match decides.
    pub acceptors: Vec<AcceptorModel>,
}

/// One acceptor of a waiter.
#[derive(Debug, Clone, Deserialize)]
pub struct AcceptorModel {
    /// `success`, `failure` or `retry`.
    pub state: String,
    /// `path`, `pathAll`, `pathAny`, `status` or `error`.
    pub matcher: String,
    /// The JMESPath expression of path matchers.
    #[serde(default)]
    pub argument: Option<String>,
    /// The value the matcher compares with.
    pub expected: serde_json::Value,
}
