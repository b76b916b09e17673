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
    pub version: Option<String>,
    pub metadata: ModelMetadata,
    pub operations: BTreeMap<String, ModelOperation>,
    pub shapes: BTreeMap<String, ModelShape>,
    pub documentation: Option<String>,
}

impl ServiceModel {
    pub fn from_json(text: &str) -> Result<ServiceModel, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelMetadata {
    pub api_version: String,
    pub endpoint_prefix: Option<String>,
    pub signing_name: Option<String>,
    pub service_id: Option<String>,
    pub service_full_name: Option<String>,
    pub service_abbreviation: Option<String>,
    pub protocol: String,
    pub protocols: Vec<String>,
    pub json_version: Option<String>,
    pub target_prefix: Option<String>,
    pub xml_namespace: Option<String>,
    pub global_endpoint: Option<String>,
    pub signature_version: Option<String>,
    pub aws_query_compatible: Option<serde_json::Value>,
    pub uid: Option<String>,
    pub auth: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelOperation {
    pub name: String,
    pub http: ModelHttp,
    pub input: Option<ModelOperationInput>,
    pub output: Option<ModelOperationOutput>,
    pub errors: Vec<ShapeRef>,
    pub documentation: Option<String>,
    pub endpoint: Option<ModelEndpointTrait>,
    pub http_checksum_required: Option<bool>,
    pub http_checksum: Option<ModelHttpChecksum>,
    #[serde(rename = "requestcompression")]
    pub request_compression: Option<ModelRequestCompression>,
    #[serde(rename = "authtype")]
    pub auth_type: Option<String>,
    pub auth: Vec<String>,
    pub deprecated: Option<bool>,
    pub deprecated_message: Option<String>,
    pub idempotent: Option<bool>,
    /// `unsignedPayload`: sign with `UNSIGNED-PAYLOAD`.
    pub unsigned_payload: Option<bool>,
    /// `staticContextParams`: endpoint parameters fixed per operation.
    pub static_context_params: BTreeMap<String, ModelStaticContextParam>,
    /// `operationContextParams`: endpoint parameters read from the input by JMESPath.
    pub operation_context_params: BTreeMap<String, ModelOperationContextParam>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelStaticContextParam {
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelOperationContextParam {
    pub path: String,
}

/// A member's `contextParam`: the endpoint parameter it feeds.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelContextParam {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelHttp {
    pub method: Option<String>,
    pub request_uri: Option<String>,
    pub response_code: Option<u16>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelOperationInput {
    pub shape: String,
    pub location_name: Option<String>,
    pub xml_namespace: Option<ModelXmlNamespace>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelOperationOutput {
    pub shape: String,
    pub result_wrapper: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ShapeRef {
    pub shape: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelEndpointTrait {
    pub host_prefix: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelHttpChecksum {
    pub request_checksum_required: Option<bool>,
    pub request_algorithm_member: Option<String>,
    pub request_validation_mode_member: Option<String>,
    pub response_algorithms: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ModelRequestCompression {
    pub encodings: Vec<String>,
}

/// `xmlNamespace`: botocore writes it as an object; a bare string is the uri.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ModelXmlNamespace {
    Uri(String),
    Full {
        #[serde(default)]
        prefix: Option<String>,
        #[serde(default)]
        uri: String,
    },
}

impl ModelXmlNamespace {
    pub fn prefix(&self) -> Option<&str> {
        match self {
            ModelXmlNamespace::Uri(_) => None,
            ModelXmlNamespace::Full { prefix, .. } => prefix.as_deref(),
        }
    }

    pub fn uri(&self) -> &str {
        match self {
            ModelXmlNamespace::Uri(u) => u,
            ModelXmlNamespace::Full { uri, .. } => uri,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelShape {
    #[serde(rename = "type")]
    pub shape_type: String,
    /// Members in the model's order (codecs serialize members in that order).
    pub members: IndexMap<String, ModelMember>,
    pub member: Option<Box<ModelMember>>,
    pub key: Option<Box<ModelMember>>,
    pub value: Option<Box<ModelMember>>,
    pub required: Vec<String>,
    #[serde(rename = "enum")]
    pub enum_values: Vec<String>,
    pub location_name: Option<String>,
    pub xml_namespace: Option<ModelXmlNamespace>,
    pub flattened: Option<bool>,
    pub timestamp_format: Option<String>,
    pub sensitive: Option<bool>,
    pub streaming: Option<bool>,
    pub requires_length: Option<bool>,
    pub payload: Option<String>,
    pub union: Option<bool>,
    pub document: Option<bool>,
    pub exception: Option<bool>,
    pub fault: Option<bool>,
    pub error: Option<ModelErrorTrait>,
    pub event: Option<bool>,
    #[serde(rename = "eventstream")]
    pub event_stream: Option<bool>,
    pub documentation: Option<String>,
    pub deprecated: Option<bool>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    #[serde(rename = "box")]
    pub boxed: Option<bool>,
    pub wrapper: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelErrorTrait {
    pub code: Option<String>,
    pub http_status_code: Option<u16>,
    pub sender_fault: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelMember {
    pub shape: String,
    pub location: Option<String>,
    pub location_name: Option<String>,
    pub query_name: Option<String>,
    pub xml_namespace: Option<ModelXmlNamespace>,
    pub xml_attribute: Option<bool>,
    pub flattened: Option<bool>,
    pub timestamp_format: Option<String>,
    pub host_label: Option<bool>,
    pub idempotency_token: Option<bool>,
    #[serde(rename = "jsonvalue")]
    pub json_value: Option<bool>,
    pub documentation: Option<String>,
    pub deprecated: Option<bool>,
    pub deprecated_message: Option<String>,
    #[serde(rename = "eventpayload")]
    pub event_payload: Option<bool>,
    pub streaming: Option<bool>,
    #[serde(rename = "box")]
    pub boxed: Option<bool>,
    pub sensitive: Option<bool>,
    pub context_param: Option<ModelContextParam>,
}
