//! The dynamic path: a [`Service`] schema built at run time from a botocore
//! JSON model, and [`DynValue`], a value tree that the codecs read and write
//! exactly as they read and write generated types.
//!
//! The conformance runner uses this path; so can a client for a model that
//! was not generated. Schemas built here are leaked: a model is loaded once
//! and lives as long as the program, like the generated `static` tables.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::document::Document;
use crate::model::{ModelMember, ModelXmlNamespace, ServiceModel};
use crate::schema::{
    ErrorTraits, Location, Member, Metadata, Operation, Protocol, Service, Shape, ShapeId,
    ShapeKind, StructureShape, TimestampFormat, XmlNamespace,
};
use crate::time::DateTime;
use crate::value::{De, DeError, ListSer, MapSer, Scalar, Ser, StructSer, ValueRef};

/// A model the runtime cannot turn into a schema.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("service {service}: {context}: {message}")]
pub struct ModelError {
    pub service: String,
    /// `shape Foo`, `shape Foo member Bar`, `operation GetFoo`, `metadata`.
    pub context: String,
    pub message: String,
}

/// The protocols of `metadata`, in the model's order of preference, that the runtime supports.
pub fn choose_protocol(model: &ServiceModel) -> Option<Protocol> {
    model
        .metadata
        .protocols
        .iter()
        .chain(std::iter::once(&model.metadata.protocol))
        .find_map(|p| Protocol::from_botocore(p))
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn leak_opt(s: &Option<String>) -> Option<&'static str> {
    s.as_deref().map(leak)
}

fn leak_slice<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

/// Builds the schema of `model`, keeping the shapes reachable from its
/// operations (in name order) and every operation (in name order).
pub fn build_service(name: &str, model: &ServiceModel) -> Result<&'static Service, ModelError> {
    let lowered = lower(name, model)?;
    Ok(Box::leak(Box::new(lowered)))
}

/// Shapes reachable from the operations' inputs, outputs and errors, sorted by name.
pub fn reachable_shapes(name: &str, model: &ServiceModel) -> Result<Vec<String>, ModelError> {
    let err = |context: String, message: String| ModelError {
        service: name.to_owned(),
        context,
        message,
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<(String, String)> = Vec::new();
    for (op_name, op) in &model.operations {
        let ctx = format!("operation {op_name}");
        if let Some(i) = &op.input {
            stack.push((i.shape.clone(), ctx.clone()));
        }
        if let Some(o) = &op.output {
            stack.push((o.shape.clone(), ctx.clone()));
        }
        for e in &op.errors {
            stack.push((e.shape.clone(), ctx.clone()));
        }
    }
    while let Some((shape_name, ctx)) = stack.pop() {
        if seen.contains(&shape_name) {
            continue;
        }
        let shape = model
            .shapes
            .get(&shape_name)
            .ok_or_else(|| err(ctx, format!("refers to undefined shape {shape_name:?}")))?;
        seen.insert(shape_name.clone());
        let ctx_of = |m: &str| format!("shape {shape_name} member {m}");
        for (m, member) in &shape.members {
            stack.push((member.shape.clone(), ctx_of(m)));
        }
        for (label, m) in [
            ("member", &shape.member),
            ("key", &shape.key),
            ("value", &shape.value),
        ] {
            if let Some(m) = m {
                stack.push((m.shape.clone(), ctx_of(label)));
            }
        }
    }
    Ok(seen.into_iter().collect())
}

fn lower(name: &str, model: &ServiceModel) -> Result<Service, ModelError> {
    let err = |context: String, message: String| ModelError {
        service: name.to_owned(),
        context,
        message,
    };
    let names = reachable_shapes(name, model)?;
    let ids: BTreeMap<&str, ShapeId> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as ShapeId))
        .collect();
    let id_of = |shape: &str, ctx: &str| -> Result<ShapeId, ModelError> {
        ids.get(shape).copied().ok_or_else(|| {
            err(
                ctx.to_owned(),
                format!("refers to undefined shape {shape:?}"),
            )
        })
    };

    let mut shapes = Vec::with_capacity(names.len());
    for shape_name in &names {
        let shape = &model.shapes[shape_name];
        let ctx = format!("shape {shape_name}");
        let member = |label: &str, m: &ModelMember| -> Result<Member, ModelError> {
            lower_member(label, m, &format!("{ctx} member {label}"), &id_of, &err)
        };
        let kind = match shape.shape_type.as_str() {
            "structure" => {
                let members = shape
                    .members
                    .iter()
                    .map(|(n, m)| {
                        let mut lowered = member(n, m)?;
                        lowered.required = shape.required.iter().any(|r| r == n);
                        Ok(lowered)
                    })
                    .collect::<Result<Vec<_>, ModelError>>()?;
                let payload = match &shape.payload {
                    Some(p) => Some(shape.members.get_index_of(p).ok_or_else(|| {
                        err(ctx.clone(), format!("payload names missing member {p:?}"))
                    })? as u16),
                    None => None,
                };
                let error = if shape.exception == Some(true) || shape.error.is_some() {
                    let e = shape.error.clone().unwrap_or_default();
                    Some(ErrorTraits {
                        code: leak_opt(&e.code),
                        http_status: e.http_status_code,
                        sender_fault: e.sender_fault.unwrap_or(false),
                    })
                } else {
                    None
                };
                ShapeKind::Structure(StructureShape {
                    members: leak_slice(members),
                    payload,
                    union: shape.union == Some(true),
                    document: shape.document == Some(true),
                    error,
                    event_stream: shape.event == Some(true) || shape.event_stream == Some(true),
                })
            }
            "list" => {
                let m = shape
                    .member
                    .as_deref()
                    .ok_or_else(|| err(ctx.clone(), "list without member".into()))?;
                ShapeKind::List {
                    member: member("member", m)?,
                }
            }
            "map" => {
                let (k, v) = match (shape.key.as_deref(), shape.value.as_deref()) {
                    (Some(k), Some(v)) => (k, v),
                    _ => return Err(err(ctx, "map without key or value".into())),
                };
                ShapeKind::Map {
                    key: member("key", k)?,
                    value: member("value", v)?,
                }
            }
            "string" if !shape.enum_values.is_empty() => ShapeKind::Enum {
                values: leak_slice(shape.enum_values.iter().map(|v| leak(v)).collect()),
            },
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
            other => return Err(err(ctx, format!("unsupported shape type {other:?}"))),
        };
        shapes.push(Shape {
            name: leak(shape_name),
            kind,
            xml_name: leak_opt(&shape.location_name),
            xml_namespace: shape.xml_namespace.as_ref().map(lower_ns),
            flattened: shape.flattened == Some(true),
            timestamp_format: timestamp_format(&shape.timestamp_format, &ctx, &err)?,
            sensitive: shape.sensitive == Some(true),
            streaming: shape.streaming == Some(true),
            requires_length: shape.requires_length == Some(true),
        });
    }

    let mut operations = Vec::with_capacity(model.operations.len());
    for (op_name, op) in &model.operations {
        let ctx = format!("operation {op_name}");
        let checksum_required = op.http_checksum_required == Some(true)
            || op
                .http_checksum
                .as_ref()
                .is_some_and(|c| c.request_checksum_required == Some(true));
        operations.push(Operation {
            name: leak(op_name),
            http_method: leak(op.http.method.as_deref().unwrap_or("POST")),
            request_uri: leak(op.http.request_uri.as_deref().unwrap_or("/")),
            response_code: op.http.response_code,
            input: op
                .input
                .as_ref()
                .map(|i| id_of(&i.shape, &ctx))
                .transpose()?,
            output: op
                .output
                .as_ref()
                .map(|o| id_of(&o.shape, &ctx))
                .transpose()?,
            input_location_name: op.input.as_ref().and_then(|i| leak_opt(&i.location_name)),
            input_xml_namespace: op
                .input
                .as_ref()
                .and_then(|i| i.xml_namespace.as_ref())
                .map(|n| leak(n.uri())),
            result_wrapper: op.output.as_ref().and_then(|o| leak_opt(&o.result_wrapper)),
            errors: leak_slice(
                op.errors
                    .iter()
                    .map(|e| id_of(&e.shape, &ctx))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            host_prefix: op.endpoint.as_ref().and_then(|e| leak_opt(&e.host_prefix)),
            checksum_required,
            request_compression: leak_slice(
                op.request_compression
                    .as_ref()
                    .map(|c| c.encodings.iter().map(|e| leak(e)).collect())
                    .unwrap_or_default(),
            ),
            auth_type: leak(op.auth_type.as_deref().unwrap_or("")),
            deprecated: op.deprecated == Some(true),
        });
    }

    let md = &model.metadata;
    let protocol = choose_protocol(model).ok_or_else(|| {
        err(
            "metadata".into(),
            format!(
                "no supported protocol in {:?} / {:?}",
                md.protocols, md.protocol
            ),
        )
    })?;
    let endpoint_prefix = md.endpoint_prefix.as_deref().unwrap_or(name);
    Ok(Service {
        name: leak(name),
        metadata: Metadata {
            api_version: leak(&md.api_version),
            endpoint_prefix: leak(endpoint_prefix),
            signing_name: leak(md.signing_name.as_deref().unwrap_or(endpoint_prefix)),
            service_id: leak(md.service_id.as_deref().unwrap_or(name)),
            protocol,
            json_version: leak(md.json_version.as_deref().unwrap_or("1.0")),
            target_prefix: leak(md.target_prefix.as_deref().unwrap_or("")),
            xml_namespace: leak_opt(&md.xml_namespace),
            aws_query_compatible: md.aws_query_compatible.is_some(),
            global_endpoint: leak_opt(&md.global_endpoint),
            signature_version: leak(md.signature_version.as_deref().unwrap_or("v4")),
        },
        shapes: leak_slice(shapes),
        operations: leak_slice(operations),
    })
}

fn lower_ns(ns: &ModelXmlNamespace) -> XmlNamespace {
    XmlNamespace {
        prefix: ns.prefix().map(leak),
        uri: leak(ns.uri()),
    }
}

fn timestamp_format(
    format: &Option<String>,
    ctx: &str,
    err: &dyn Fn(String, String) -> ModelError,
) -> Result<Option<TimestampFormat>, ModelError> {
    match format {
        None => Ok(None),
        Some(f) => TimestampFormat::from_botocore(f)
            .map(Some)
            .ok_or_else(|| err(ctx.to_owned(), format!("unknown timestampFormat {f:?}"))),
    }
}

fn lower_member(
    name: &str,
    m: &ModelMember,
    ctx: &str,
    id_of: &dyn Fn(&str, &str) -> Result<ShapeId, ModelError>,
    err: &dyn Fn(String, String) -> ModelError,
) -> Result<Member, ModelError> {
    let location = match m.location.as_deref() {
        None => Location::Body,
        Some("header") => Location::Header,
        Some("headers") => Location::Headers,
        Some("uri") => Location::Uri,
        Some("querystring") => Location::QueryString,
        Some("statusCode") => Location::StatusCode,
        Some(other) => return Err(err(ctx.to_owned(), format!("unknown location {other:?}"))),
    };
    Ok(Member {
        name: leak(name),
        target: id_of(&m.shape, ctx)?,
        location,
        location_name: leak_opt(&m.location_name),
        query_name: leak_opt(&m.query_name),
        xml_namespace: m.xml_namespace.as_ref().map(lower_ns),
        xml_attribute: m.xml_attribute == Some(true),
        flattened: m.flattened == Some(true),
        timestamp_format: timestamp_format(&m.timestamp_format, ctx, err)?,
        host_label: m.host_label == Some(true),
        idempotency_token: m.idempotency_token == Some(true),
        json_value: m.json_value == Some(true),
        required: false,
        event_payload: m.event_payload == Some(true),
    })
}

/// A value of any shape, held as the codecs see it.
///
/// Built from JSON (as boto3 takes parameters) with [`DynValue::from_json`],
/// filled by a codec through [`De`], and turned back into JSON with
/// [`DynValue::to_json`]. Structure members are stored by index.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DynValue {
    /// Not yet written (a `De` slot), or absent.
    #[default]
    Empty,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Blob(Bytes),
    Timestamp(DateTime),
    Document(Document),
    Struct(Vec<Option<DynValue>>),
    List(Vec<DynValue>),
    Map(Vec<(String, DynValue)>),
}

/// A JSON value that does not fit its shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at {path}: {message}")]
pub struct DynError {
    pub path: String,
    pub message: String,
}

impl DynValue {
    /// Reads boto3-style parameters: blobs as strings, timestamps as epoch
    /// seconds or ISO 8601 strings, special floats as `"NaN"`, `"Infinity"`.
    pub fn from_json(
        service: &Service,
        shape: ShapeId,
        json: &serde_json::Value,
    ) -> Result<DynValue, DynError> {
        from_json(
            service,
            shape,
            json,
            &mut String::from(service.shape(shape).name),
        )
    }

    /// Writes the value as JSON, the inverse of [`DynValue::from_json`]:
    /// timestamps as epoch seconds, blobs as (lossy UTF-8) strings.
    pub fn to_json(&self, service: &Service, shape: ShapeId) -> serde_json::Value {
        use serde_json::Value as J;
        let s = service.shape(shape);
        match (&s.kind, self) {
            (ShapeKind::Structure(st), DynValue::Struct(members)) if !st.document => {
                let mut obj = serde_json::Map::new();
                for (i, m) in st.members.iter().enumerate() {
                    if let Some(Some(v)) = members.get(i) {
                        obj.insert(m.name.to_owned(), v.to_json(service, m.target));
                    }
                }
                J::Object(obj)
            }
            (ShapeKind::Structure(st), DynValue::Empty) if !st.document => {
                J::Object(Default::default())
            }
            (ShapeKind::List { member }, DynValue::List(items)) => J::Array(
                items
                    .iter()
                    .map(|v| v.to_json(service, member.target))
                    .collect(),
            ),
            (ShapeKind::List { .. }, DynValue::Empty) => J::Array(vec![]),
            (ShapeKind::Map { value, .. }, DynValue::Map(entries)) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json(service, value.target)))
                    .collect(),
            ),
            (ShapeKind::Map { .. }, DynValue::Empty) => J::Object(Default::default()),
            (_, v) => v.scalar_json(),
        }
    }

    fn scalar_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            DynValue::Empty => J::Null,
            DynValue::Bool(b) => J::Bool(*b),
            DynValue::Int(i) => J::from(*i),
            DynValue::Float(f) if f.is_nan() => J::from("NaN"),
            DynValue::Float(f) if f.is_infinite() => {
                J::from(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            DynValue::Float(f) => J::from(*f),
            DynValue::Str(s) => J::from(s.clone()),
            DynValue::Blob(b) => J::from(String::from_utf8_lossy(b).into_owned()),
            DynValue::Timestamp(t) if t.subsec_nanos() == 0 => J::from(t.secs()),
            DynValue::Timestamp(t) => J::from(t.as_secs_f64()),
            DynValue::Document(d) => d.clone(),
            DynValue::Struct(_) | DynValue::List(_) | DynValue::Map(_) => J::Null,
        }
    }
}

fn from_json(
    service: &Service,
    shape: ShapeId,
    json: &serde_json::Value,
    path: &mut String,
) -> Result<DynValue, DynError> {
    use serde_json::Value as J;
    let fail = |path: &String, message: String| DynError {
        path: path.clone(),
        message,
    };
    let s = service.shape(shape);
    Ok(match (&s.kind, json) {
        (ShapeKind::Structure(st), v) if st.document => DynValue::Document(v.clone()),
        (ShapeKind::Structure(st), J::Object(obj)) => {
            let mut members = vec![None; st.members.len()];
            for (k, v) in obj {
                let i = st
                    .member_index(k)
                    .ok_or_else(|| fail(path, format!("unknown member {k:?}")))?;
                if v.is_null() {
                    continue;
                }
                let len = path.len();
                path.push('.');
                path.push_str(k);
                members[i] = Some(from_json(service, st.members[i].target, v, path)?);
                path.truncate(len);
            }
            DynValue::Struct(members)
        }
        (ShapeKind::List { member }, J::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(from_json(service, member.target, v, path)?);
                path.truncate(len);
            }
            DynValue::List(out)
        }
        (ShapeKind::Map { value, .. }, J::Object(obj)) => {
            let mut out = Vec::with_capacity(obj.len());
            for (k, v) in obj {
                let len = path.len();
                path.push_str(&format!("[{k:?}]"));
                out.push((k.clone(), from_json(service, value.target, v, path)?));
                path.truncate(len);
            }
            DynValue::Map(out)
        }
        (ShapeKind::String | ShapeKind::Enum { .. }, J::String(v)) => DynValue::Str(v.clone()),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, J::String(v)) => DynValue::Str(v.clone()),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, J::Number(n)) => {
            DynValue::Str(n.to_string())
        }
        (ShapeKind::Boolean, J::Bool(b)) => DynValue::Bool(*b),
        (
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
            J::Number(n),
        ) => DynValue::Int(
            n.as_i64()
                .ok_or_else(|| fail(path, format!("{n} is not an integer")))?,
        ),
        (ShapeKind::Float | ShapeKind::Double, J::Number(n)) => {
            DynValue::Float(n.as_f64().unwrap_or(f64::NAN))
        }
        (ShapeKind::Float | ShapeKind::Double, J::String(v)) => DynValue::Float(match v.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other
                .parse()
                .map_err(|_| fail(path, format!("{other:?} is not a number")))?,
        }),
        (ShapeKind::Blob, J::String(v)) => DynValue::Blob(Bytes::from(v.clone())),
        (ShapeKind::Timestamp, J::Number(n)) => DynValue::Timestamp(match n.as_i64() {
            Some(i) => DateTime::from_secs(i),
            None => DateTime::from_secs_f64(n.as_f64().unwrap_or(0.0)),
        }),
        (ShapeKind::Timestamp, J::String(v)) => DynValue::Timestamp(
            DateTime::parse_iso8601(v)
                .or_else(|_| DateTime::parse_epoch(v))
                .map_err(|e| fail(path, e.to_string()))?,
        ),
        (kind, v) => {
            return Err(fail(
                path,
                format!("{v} does not fit shape {} ({kind:?})", s.name),
            ))
        }
    })
}

impl Ser for DynValue {
    fn value(&self) -> ValueRef<'_> {
        match self {
            // An empty slot never reaches a codec (absent members are `None`).
            DynValue::Empty => ValueRef::Str(""),
            DynValue::Bool(b) => ValueRef::Bool(*b),
            DynValue::Int(i) => ValueRef::Int(*i),
            DynValue::Float(f) => ValueRef::Float(*f),
            DynValue::Str(s) => ValueRef::Str(s),
            DynValue::Blob(b) => ValueRef::Blob(b),
            DynValue::Timestamp(t) => ValueRef::Timestamp(*t),
            DynValue::Document(d) => ValueRef::Document(d),
            DynValue::Struct(_) => ValueRef::Struct(self),
            DynValue::List(_) => ValueRef::List(self),
            DynValue::Map(_) => ValueRef::Map(self),
        }
    }
}

impl StructSer for DynValue {
    fn member(&self, index: usize) -> Option<&dyn Ser> {
        match self {
            DynValue::Struct(m) => m.get(index).and_then(|v| v.as_ref()).map(|v| v as &dyn Ser),
            _ => None,
        }
    }
}

impl ListSer for DynValue {
    fn len(&self) -> usize {
        match self {
            DynValue::List(v) => v.len(),
            _ => 0,
        }
    }
    fn get(&self, index: usize) -> &dyn Ser {
        match self {
            DynValue::List(v) => &v[index],
            _ => self,
        }
    }
}

impl MapSer for DynValue {
    fn len(&self) -> usize {
        match self {
            DynValue::Map(v) => v.len(),
            _ => 0,
        }
    }
    fn for_each(&self, f: &mut dyn FnMut(&str, &dyn Ser)) {
        if let DynValue::Map(v) = self {
            for (k, v) in v {
                f(k, v)
            }
        }
    }
}

impl De for DynValue {
    fn init(&mut self) {}
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        *self = match value {
            Scalar::Bool(b) => DynValue::Bool(b),
            Scalar::Int(i) => DynValue::Int(i),
            Scalar::Float(f) => DynValue::Float(f),
            Scalar::Str(s) => DynValue::Str(s),
            Scalar::Blob(b) => DynValue::Blob(b),
            Scalar::Timestamp(t) => DynValue::Timestamp(t),
            Scalar::Document(d) => DynValue::Document(d),
        };
        Ok(())
    }
    fn member(&mut self, index: usize) -> Result<&mut dyn De, DeError> {
        if !matches!(self, DynValue::Struct(_)) {
            *self = DynValue::Struct(Vec::new());
        }
        let DynValue::Struct(members) = self else {
            unreachable!("just made a structure")
        };
        if members.len() <= index {
            members.resize(index + 1, None);
        }
        Ok(members[index].get_or_insert(DynValue::Empty))
    }
    fn push(&mut self) -> Result<&mut dyn De, DeError> {
        if !matches!(self, DynValue::List(_)) {
            *self = DynValue::List(Vec::new());
        }
        let DynValue::List(items) = self else {
            unreachable!("just made a list")
        };
        items.push(DynValue::Empty);
        Ok(items.last_mut().expect("just pushed"))
    }
    fn entry(&mut self, key: String) -> Result<&mut dyn De, DeError> {
        if !matches!(self, DynValue::Map(_)) {
            *self = DynValue::Map(Vec::new());
        }
        let DynValue::Map(entries) = self else {
            unreachable!("just made a map")
        };
        let at = match entries.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                entries[i].1 = DynValue::Empty;
                i
            }
            None => {
                entries.push((key, DynValue::Empty));
                entries.len() - 1
            }
        };
        Ok(&mut entries[at].1)
    }
    fn expecting(&self) -> &'static str {
        "any value"
    }
}
