//! The one lowering of a botocore model into the runtime's [`Service`] schema.
//!
//! Both paths use it: the code generator prints what it returns as `static`
//! tables, and [`crate::dynamic`] keeps it at run time. Every decision about
//! what a model means for the codecs is made here once: which shapes are
//! reachable and their ids, the protocol, member traits, defaults, host
//! prefixes, context parameters, checksum and auth traits. Anything the
//! runtime could not represent is an error naming service, operation, shape
//! and member; lowering never panics on a model.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{ModelMember, ModelOperation, ModelShape, ModelXmlNamespace, ServiceModel};
use crate::schema::{
    ContextValue, ErrorTraits, HttpChecksum, Location, Member, Metadata, Operation, Protocol,
    Service, Shape, ShapeId, ShapeKind, StructureShape, TimestampFormat, XmlNamespace,
};

/// Protocols in the order botocore prefers them when a model lists several
/// (`PRIORITY_ORDERED_SUPPORTED_PROTOCOLS` in botocore's `utils.py`): the
/// model's own order does not matter.
pub const PROTOCOL_PRIORITY: &[Protocol] = &[
    Protocol::Json,
    Protocol::RestJson,
    Protocol::RestXml,
    Protocol::RpcV2Cbor,
    Protocol::Query,
    Protocol::Ec2,
];

/// A model the runtime cannot turn into a schema, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ModelError {
    /// botocore's folder name of the service (`s3`).
    pub service: String,
    /// The operation at fault, if any.
    pub operation: Option<String>,
    /// The shape at fault, if any.
    pub shape: Option<String>,
    /// The member at fault (or `member`/`key`/`value` of a list or map), if any.
    pub member: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service {}", self.service)?;
        for (what, v) in [
            ("operation", &self.operation),
            ("shape", &self.shape),
            ("member", &self.member),
        ] {
            if let Some(v) = v {
                write!(f, ", {what} {v}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Where an error is: the service is implied by the [`Lowering`].
#[derive(Clone, Copy, Default)]
struct At<'a> {
    operation: Option<&'a str>,
    shape: Option<&'a str>,
    member: Option<&'a str>,
}

impl<'a> At<'a> {
    fn op(name: &'a str) -> At<'a> {
        At {
            operation: Some(name),
            ..At::default()
        }
    }
    fn shape(name: &'a str) -> At<'a> {
        At {
            shape: Some(name),
            ..At::default()
        }
    }
    fn member(shape: &'a str, member: &'a str) -> At<'a> {
        At {
            shape: Some(shape),
            member: Some(member),
            ..At::default()
        }
    }
}

/// The protocol botocore would use: the first of [`PROTOCOL_PRIORITY`] the
/// model lists in `metadata.protocols`, else the legacy `metadata.protocol`.
pub fn choose_protocol(model: &ServiceModel) -> Option<Protocol> {
    let md = &model.metadata;
    if md.protocols.is_empty() {
        return Protocol::from_botocore(&md.protocol);
    }
    PROTOCOL_PRIORITY
        .iter()
        .copied()
        .find(|p| md.protocols.iter().any(|l| l == p.as_botocore()))
}

/// Shapes reachable from the operations' inputs, outputs and errors, sorted
/// by name: their position is their [`ShapeId`].
pub fn reachable_shapes<'m>(
    service: &'m str,
    model: &'m ServiceModel,
) -> Result<Vec<&'m str>, ModelError> {
    let reachable = Lowering::new(service, model).reachable()?;
    Ok(reachable.into_keys().collect())
}

/// Lowers `model` (botocore's folder `service`) into a schema. The tables are
/// leaked: a schema lives as long as the program, like generated statics.
///
/// The service's [`customize`](crate::customize) model patch is applied
/// first, so the generator and the dynamic path lower the same model.
pub fn lower(service: &str, model: &ServiceModel) -> Result<&'static Service, ModelError> {
    let model = &*crate::customize::patch_model(service, model);
    let l = Lowering::new(service, model);
    let reachable = l.reachable()?;
    let ids: BTreeMap<&str, ShapeId> = reachable
        .keys()
        .enumerate()
        .map(|(i, n)| (*n, i as ShapeId))
        .collect();
    let l = Lowering { ids, ..l };
    let shapes = reachable
        .iter()
        .map(|(name, shape)| l.shape(name, shape))
        .collect::<Result<Vec<_>, _>>()?;
    let operations = model
        .operations
        .iter()
        .map(|(name, op)| l.operation(name, op, &shapes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::leak(Box::new(Service {
        name: leak(service),
        metadata: l.metadata()?,
        shapes: leak_slice(shapes),
        operations: leak_slice(operations),
        endpoint_rules: model
            .endpoint_rules
            .as_deref()
            .map(|json| &*Box::leak(Box::new(crate::endpoint::Rules::new(leak(json))))),
    })))
}

struct Lowering<'m> {
    service: &'m str,
    model: &'m ServiceModel,
    ids: BTreeMap<&'m str, ShapeId>,
}

impl<'m> Lowering<'m> {
    fn new(service: &'m str, model: &'m ServiceModel) -> Lowering<'m> {
        Lowering {
            service,
            model,
            ids: BTreeMap::new(),
        }
    }

    fn err(&self, at: At<'_>, message: impl Into<String>) -> ModelError {
        ModelError {
            service: self.service.to_owned(),
            operation: at.operation.map(str::to_owned),
            shape: at.shape.map(str::to_owned),
            member: at.member.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The shapes reachable from the operations, by name.
    fn reachable(&self) -> Result<BTreeMap<&'m str, &'m ModelShape>, ModelError> {
        let model = self.model;
        let mut seen = BTreeMap::new();
        // Each pending reference remembers where it came from, for the error if it dangles.
        let mut stack: Vec<(At<'m>, &'m str)> = Vec::new();
        for (op_name, op) in &model.operations {
            let refs = op
                .input
                .iter()
                .map(|i| &i.shape)
                .chain(op.output.iter().map(|o| &o.shape))
                .chain(op.errors.iter().map(|e| &e.shape));
            for r in refs {
                stack.push((At::op(op_name), r));
            }
        }
        while let Some((from, name)) = stack.pop() {
            let Some((key, shape)) = model.shapes.get_key_value(name) else {
                return Err(self.err(
                    from,
                    format!("refers to shape {name:?}, which the model does not define"),
                ));
            };
            if seen.insert(key.as_str(), shape).is_some() {
                continue;
            }
            for (m, member) in &shape.members {
                stack.push((At::member(key, m), &member.shape));
            }
            for (label, m) in [
                ("member", &shape.member),
                ("key", &shape.key),
                ("value", &shape.value),
            ] {
                if let Some(m) = m {
                    stack.push((At::member(key, label), &m.shape));
                }
            }
        }
        Ok(seen)
    }

    fn id(&self, at: At<'_>, shape: &str) -> Result<ShapeId, ModelError> {
        self.ids.get(shape).copied().ok_or_else(|| {
            self.err(
                at,
                format!("refers to shape {shape:?}, which the model does not define"),
            )
        })
    }

    fn metadata(&self) -> Result<Metadata, ModelError> {
        let md = &self.model.metadata;
        let protocol = choose_protocol(self.model).ok_or_else(|| {
            self.err(
                At::default(),
                format!(
                    "metadata: no supported protocol in protocols {:?} / protocol {:?}",
                    md.protocols, md.protocol
                ),
            )
        })?;
        let endpoint_prefix = md.endpoint_prefix.as_deref().unwrap_or(self.service);
        Ok(Metadata {
            api_version: leak(&md.api_version),
            endpoint_prefix: leak(endpoint_prefix),
            signing_name: leak(md.signing_name.as_deref().unwrap_or(endpoint_prefix)),
            service_id: leak(md.service_id.as_deref().unwrap_or(self.service)),
            protocol,
            json_version: leak(md.json_version.as_deref().unwrap_or("1.0")),
            target_prefix: leak(md.target_prefix.as_deref().unwrap_or("")),
            xml_namespace: leak_opt(&md.xml_namespace),
            aws_query_compatible: md.aws_query_compatible.is_some(),
            global_endpoint: leak_opt(&md.global_endpoint),
            signature_version: leak(md.signature_version.as_deref().unwrap_or("v4")),
            auth: leak_strs(&md.auth),
        })
    }

    fn shape(&self, name: &'m str, shape: &'m ModelShape) -> Result<Shape, ModelError> {
        let at = At::shape(name);
        let member = |label: &'m str, m: &'m ModelMember| self.member(name, label, m);
        if !shape.enum_values.is_empty() && shape.shape_type != "string" {
            return Err(self.err(at, format!("enum values on a {} shape", shape.shape_type)));
        }
        let kind =
            match shape.shape_type.as_str() {
                "structure" => ShapeKind::Structure(self.structure(name, shape)?),
                "list" => {
                    let m = shape.member.as_deref().ok_or_else(|| {
                        self.err(At::member(name, "member"), "list without a member")
                    })?;
                    ShapeKind::List {
                        member: member("member", m)?,
                    }
                }
                "map" => {
                    let k = shape
                        .key
                        .as_deref()
                        .ok_or_else(|| self.err(At::member(name, "key"), "map without a key"))?;
                    let v = shape.value.as_deref().ok_or_else(|| {
                        self.err(At::member(name, "value"), "map without a value")
                    })?;
                    ShapeKind::Map {
                        key: member("key", k)?,
                        value: member("value", v)?,
                    }
                }
                "string" if !shape.enum_values.is_empty() => {
                    // Duplicates (a few models repeat a value) are kept once, in order.
                    let mut values: Vec<&str> = Vec::new();
                    for v in &shape.enum_values {
                        if !values.contains(&v.as_str()) {
                            values.push(v);
                        }
                    }
                    ShapeKind::Enum {
                        values: leak_slice(values.into_iter().map(leak).collect()),
                    }
                }
                "string" => ShapeKind::String,
                "boolean" => ShapeKind::Boolean,
                "byte" => ShapeKind::Byte,
                "short" => ShapeKind::Short,
                "integer" => ShapeKind::Integer,
                "long" => ShapeKind::Long,
                "float" => ShapeKind::Float,
                "double" => ShapeKind::Double,
                "bigInteger" | "biginteger" => ShapeKind::BigInteger,
                "bigDecimal" | "bigdecimal" => ShapeKind::BigDecimal,
                "blob" => ShapeKind::Blob,
                "timestamp" => ShapeKind::Timestamp,
                other => return Err(self.err(at, format!("unknown shape type {other:?}"))),
            };
        Ok(Shape {
            name: leak(name),
            kind,
            xml_name: leak_opt(&shape.location_name),
            xml_namespace: shape.xml_namespace.as_ref().map(lower_ns),
            flattened: shape.flattened == Some(true),
            timestamp_format: self.timestamp_format(at, &shape.timestamp_format)?,
            sensitive: shape.sensitive == Some(true),
            streaming: shape.streaming == Some(true),
            requires_length: shape.requires_length == Some(true),
        })
    }

    fn structure(
        &self,
        name: &'m str,
        shape: &'m ModelShape,
    ) -> Result<StructureShape, ModelError> {
        for r in &shape.required {
            if !shape.members.contains_key(r) {
                return Err(self.err(At::member(name, r), "listed as required but not a member"));
            }
        }
        let members = shape
            .members
            .iter()
            .map(|(n, m)| {
                let mut lowered = self.member(name, n, m)?;
                lowered.required = shape.required.iter().any(|r| r == n);
                Ok(lowered)
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        let payload = match &shape.payload {
            Some(p) => Some(shape.members.get_index_of(p).ok_or_else(|| {
                self.err(
                    At::member(name, p),
                    "payload names a member that does not exist",
                )
            })? as u16),
            None => None,
        };
        let error = (shape.exception == Some(true) || shape.error.is_some()).then(|| {
            let e = shape.error.clone().unwrap_or_default();
            ErrorTraits {
                code: leak_opt(&e.code),
                http_status: e.http_status_code,
                sender_fault: e.sender_fault.unwrap_or(false),
            }
        });
        Ok(StructureShape {
            members: leak_slice(members),
            payload,
            union: shape.union == Some(true),
            document: shape.document == Some(true),
            error,
            event_stream: shape.event_stream == Some(true),
            event: shape.event == Some(true),
        })
    }

    fn member(
        &self,
        shape: &'m str,
        name: &'m str,
        m: &'m ModelMember,
    ) -> Result<Member, ModelError> {
        let at = At::member(shape, name);
        let location = match m.location.as_deref() {
            None => Location::Body,
            Some("header") => Location::Header,
            Some("headers") => Location::Headers,
            Some("uri") => Location::Uri,
            Some("querystring") => Location::QueryString,
            Some("statusCode") => Location::StatusCode,
            Some(other) => return Err(self.err(at, format!("unknown location {other:?}"))),
        };
        let target = self.id(at, &m.shape)?;
        let target_streaming = self
            .model
            .shapes
            .get(&m.shape)
            .is_some_and(|s| s.streaming == Some(true));
        Ok(Member {
            name: leak(name),
            target,
            location,
            location_name: leak_opt(&m.location_name),
            query_name: leak_opt(&m.query_name),
            xml_namespace: m.xml_namespace.as_ref().map(lower_ns),
            xml_attribute: m.xml_attribute == Some(true),
            flattened: m.flattened == Some(true),
            timestamp_format: self.timestamp_format(at, &m.timestamp_format)?,
            host_label: m.host_label == Some(true),
            idempotency_token: m.idempotency_token == Some(true),
            json_value: m.json_value == Some(true),
            required: false,
            event_payload: m.event_payload == Some(true),
            event_header: m.event_header == Some(true),
            // botocore merges a member's `streaming` into its shape's traits.
            streaming: m.streaming == Some(true) || target_streaming,
            context_param: m
                .context_param
                .as_ref()
                .map(|c| leak(&c.name))
                .filter(|n| !n.is_empty()),
        })
    }

    fn timestamp_format(
        &self,
        at: At<'_>,
        format: &Option<String>,
    ) -> Result<Option<TimestampFormat>, ModelError> {
        match format {
            None => Ok(None),
            Some(f) => TimestampFormat::from_botocore(f)
                .map(Some)
                .ok_or_else(|| self.err(at, format!("unknown timestampFormat {f:?}"))),
        }
    }

    fn operation(
        &self,
        name: &'m str,
        op: &'m ModelOperation,
        shapes: &[Shape],
    ) -> Result<Operation, ModelError> {
        let at = At::op(name);
        let structure = |shape: &str, what: &str| -> Result<ShapeId, ModelError> {
            let id = self.id(at, shape)?;
            if shapes.get(id as usize).and_then(Shape::structure).is_none() {
                return Err(self.err(
                    At {
                        shape: Some(shape),
                        ..at
                    },
                    format!(
                        "{what} must be a structure, found {:?}",
                        self.model
                            .shapes
                            .get(shape)
                            .map_or("", |s| s.shape_type.as_str())
                    ),
                ));
            }
            Ok(id)
        };
        let input = op
            .input
            .as_ref()
            .map(|i| structure(&i.shape, "input"))
            .transpose()?;
        let output = op
            .output
            .as_ref()
            .map(|o| structure(&o.shape, "output"))
            .transpose()?;
        let errors = op
            .errors
            .iter()
            .map(|e| structure(&e.shape, "error"))
            .collect::<Result<Vec<_>, _>>()?;
        let http_checksum = op.http_checksum.as_ref().map(|c| HttpChecksum {
            request_checksum_required: c.request_checksum_required == Some(true),
            request_algorithm_member: leak_opt(&c.request_algorithm_member),
            request_validation_mode_member: leak_opt(&c.request_validation_mode_member),
            response_algorithms: leak_strs(&c.response_algorithms),
        });
        let static_context_params = op
            .static_context_params
            .iter()
            .map(|(k, v)| {
                let value = match &v.value {
                    serde_json::Value::Bool(b) => ContextValue::Bool(*b),
                    serde_json::Value::String(s) => ContextValue::String(leak(s)),
                    serde_json::Value::Array(items) => ContextValue::Strings(leak_slice(
                        items
                            .iter()
                            .map(|i| {
                                i.as_str().map(leak).ok_or_else(|| {
                                    self.err(
                                        at,
                                        format!("staticContextParams {k}: {i} is not a string"),
                                    )
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                    )),
                    other => {
                        return Err(self.err(
                            at,
                            format!("staticContextParams {k}: unsupported value {other}"),
                        ))
                    }
                };
                Ok((leak(k), value))
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        let operation_context_params = op
            .operation_context_params
            .iter()
            .map(|(k, v)| (leak(k), leak(&v.path)))
            .collect::<Vec<_>>();
        Ok(Operation {
            name: leak(name),
            http_method: leak(op.http.method.as_deref().unwrap_or("POST")),
            request_uri: leak(op.http.request_uri.as_deref().unwrap_or("/")),
            response_code: op.http.response_code,
            input,
            output,
            input_location_name: op.input.as_ref().and_then(|i| leak_opt(&i.location_name)),
            input_xml_namespace: op
                .input
                .as_ref()
                .and_then(|i| i.xml_namespace.as_ref())
                .map(|n| leak(n.uri())),
            result_wrapper: op.output.as_ref().and_then(|o| leak_opt(&o.result_wrapper)),
            errors: leak_slice(errors),
            host_prefix: op.endpoint.as_ref().and_then(|e| leak_opt(&e.host_prefix)),
            checksum_required: op.http_checksum_required == Some(true)
                || http_checksum.is_some_and(|c| c.request_checksum_required),
            http_checksum,
            request_compression: leak_slice(
                op.request_compression
                    .as_ref()
                    .map(|c| c.encodings.iter().map(|e| leak(e)).collect())
                    .unwrap_or_default(),
            ),
            auth_type: leak(op.auth_type.as_deref().unwrap_or("")),
            auth: leak_strs(&op.auth),
            unsigned_payload: op.unsigned_payload == Some(true),
            static_context_params: leak_slice(static_context_params),
            operation_context_params: leak_slice(operation_context_params),
            deprecated: op.deprecated == Some(true),
        })
    }
}

fn lower_ns(ns: &ModelXmlNamespace) -> XmlNamespace {
    XmlNamespace {
        prefix: ns.prefix().map(leak),
        uri: leak(ns.uri()),
    }
}

fn leak(s: &str) -> &'static str {
    if s.is_empty() {
        return "";
    }
    Box::leak(s.to_owned().into_boxed_str())
}

fn leak_opt(s: &Option<String>) -> Option<&'static str> {
    s.as_deref().map(leak)
}

fn leak_strs(v: &[String]) -> &'static [&'static str] {
    leak_slice(v.iter().map(|s| leak(s)).collect())
}

fn leak_slice<T>(v: Vec<T>) -> &'static [T] {
    if v.is_empty() {
        return &[];
    }
    Box::leak(v.into_boxed_slice())
}
