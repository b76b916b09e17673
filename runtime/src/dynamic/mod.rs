//! The dynamic path: a [`Service`] schema built at run time from a botocore
//! JSON model, and [`DynValue`], a value tree that the codecs read and write
//! exactly as they read and write generated types.
//!
//! The conformance runner uses this path; so can a client for a model that
//! was not generated. Schemas built here are leaked: a model is loaded once
//! and lives as long as the program, like the generated `static` tables.

use bytes::Bytes;

use crate::document::Document;
use crate::model::ServiceModel;
use crate::schema::{Service, ShapeId, ShapeKind};
use crate::time::DateTime;
use crate::value::{De, DeError, ListSer, MapSer, Scalar, Ser, StructSer, ValueRef};

pub use crate::lower::{choose_protocol, ModelError};

mod client;
mod names;

pub use client::{DynResult, DynServiceError, DynamicClient, LoadError, ModelSearch, Paging};
pub use names::xform_name;

/// Builds the schema of `model` with the one lowering generated crates are
/// printed from ([`crate::lower::lower`]): shapes reachable from its
/// operations (in name order) and every operation (in name order).
pub fn build_service(name: &str, model: &ServiceModel) -> Result<&'static Service, ModelError> {
    crate::lower::lower(name, model)
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
    /// A boolean.
    Bool(bool),
    /// Any integer shape, as `i64`.
    Int(i64),
    /// A float or double.
    Float(f64),
    /// A string, an enum value, or a big number's text.
    Str(String),
    /// A blob's bytes.
    Blob(Bytes),
    /// A streaming body (a file, a reader, a response as it arrives).
    Stream(crate::body::ByteStream),
    /// An event stream: a response's as it arrives, or an input's events.
    Events(crate::event_stream::EventStream<DynValue>),
    /// A timestamp.
    Timestamp(DateTime),
    /// A document (or a structure marked `document`).
    Document(Document),
    /// A structure: one slot per member, by index; `None` when absent.
    Struct(Vec<Option<DynValue>>),
    /// A union member the model does not know, by its name on the wire.
    UnknownMember(String),
    /// A list.
    List(Vec<DynValue>),
    /// A map, entries in insertion order; a repeated key replaces its value in place.
    Map(Vec<(String, DynValue)>),
}

/// A JSON value that does not fit its shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at {path}: {message}")]
pub struct DynError {
    /// Where in the input (`GetItemInput.Key["id"]`).
    pub path: String,
    /// What does not fit.
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
        self.to_json_with(service, shape, JsonStyle::EPOCH_TEXT)
    }

    /// Writes the value as JSON, timestamps and blobs as `style` says.
    pub fn to_json_with(
        &self,
        service: &Service,
        shape: ShapeId,
        style: JsonStyle,
    ) -> serde_json::Value {
        use serde_json::Value as J;
        let s = service.shape(shape);
        match (&s.kind, self) {
            // An event stream read to its end: its events in order.
            (ShapeKind::Structure(st), DynValue::List(events)) if st.event_stream => J::Array(
                events
                    .iter()
                    .map(|e| e.to_json_with(service, shape, style))
                    .collect(),
            ),
            (ShapeKind::Structure(st), DynValue::Struct(members)) if !st.document => {
                let mut obj = serde_json::Map::new();
                for (i, m) in st.members.iter().enumerate() {
                    if let Some(Some(v)) = members.get(i) {
                        obj.insert(m.name.to_owned(), v.to_json_with(service, m.target, style));
                    }
                }
                J::Object(obj)
            }
            (ShapeKind::Structure(st), DynValue::Empty) if !st.document => {
                J::Object(Default::default())
            }
            // As botocore reports it.
            (ShapeKind::Structure(_), DynValue::UnknownMember(name)) => {
                serde_json::json!({"SDK_UNKNOWN_MEMBER": {"name": name}})
            }
            (ShapeKind::List { member }, DynValue::List(items)) => J::Array(
                items
                    .iter()
                    .map(|v| v.to_json_with(service, member.target, style))
                    .collect(),
            ),
            (ShapeKind::List { .. }, DynValue::Empty) => J::Array(vec![]),
            (ShapeKind::Map { value, .. }, DynValue::Map(entries)) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json_with(service, value.target, style)))
                    .collect(),
            ),
            (ShapeKind::Map { .. }, DynValue::Empty) => J::Object(Default::default()),
            (_, v) => v.scalar_json(style),
        }
    }

    fn scalar_json(&self, style: JsonStyle) -> serde_json::Value {
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
            DynValue::Blob(b) => match style.blobs {
                BlobStyle::Utf8Lossy => J::from(String::from_utf8_lossy(b).into_owned()),
                BlobStyle::Base64 => {
                    use base64::Engine;
                    J::from(base64::engine::general_purpose::STANDARD.encode(b))
                }
            },
            // A stream is read by its owner, never into JSON.
            DynValue::Stream(_) | DynValue::Events(_) => J::Null,
            DynValue::Timestamp(t) => match style.timestamps {
                TimestampStyle::EpochSeconds if t.subsec_nanos() == 0 => J::from(t.secs()),
                TimestampStyle::EpochSeconds => J::from(t.as_secs_f64()),
                TimestampStyle::Iso8601 => J::from(python_isoformat(t)),
            },
            DynValue::Document(d) => d.clone(),
            DynValue::Struct(_)
            | DynValue::List(_)
            | DynValue::Map(_)
            | DynValue::UnknownMember(_) => J::Null,
        }
    }
}

/// How [`DynValue::to_json_with`] writes the values JSON has no type for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStyle {
    /// Timestamps.
    pub timestamps: TimestampStyle,
    /// Blobs.
    pub blobs: BlobStyle,
}

impl JsonStyle {
    /// Epoch seconds and lossy UTF-8 text: what [`DynValue::to_json`] writes.
    pub const EPOCH_TEXT: JsonStyle = JsonStyle {
        timestamps: TimestampStyle::EpochSeconds,
        blobs: BlobStyle::Utf8Lossy,
    };
    /// As boto3's values print and the AWS CLI writes them: timestamps as
    /// Python's `datetime.isoformat()` (`2024-05-01T12:00:00+00:00`, with
    /// microseconds when there are any), blobs in base64.
    pub const BOTO3: JsonStyle = JsonStyle {
        timestamps: TimestampStyle::Iso8601,
        blobs: BlobStyle::Base64,
    };
}

/// How timestamps are written as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampStyle {
    /// Seconds since the epoch, a float when there is a fraction.
    EpochSeconds,
    /// ISO 8601 as Python's `datetime.isoformat()` writes an aware UTC time.
    Iso8601,
}

/// How blobs are written as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobStyle {
    /// The bytes as UTF-8 text, invalid sequences replaced.
    Utf8Lossy,
    /// Standard base64, padded.
    Base64,
}

/// `2024-05-01T12:00:00+00:00`, or `…00.250000+00:00` with a fraction:
/// boto3's datetimes hold microseconds, rounded to the nearest as Python's
/// `fromtimestamp` rounds.
fn python_isoformat(t: &DateTime) -> String {
    let mut micros = (t.subsec_nanos() + 500) / 1000;
    let mut secs = t.secs();
    if micros >= 1_000_000 {
        secs = secs.saturating_add(1);
        micros = 0;
    }
    let text = DateTime::from_secs(secs).to_iso8601();
    let base = text.strip_suffix('Z').unwrap_or(&text);
    match micros {
        0 => format!("{base}+00:00"),
        micros => format!("{base}.{micros:06}+00:00"),
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
        // An input event stream given as its events, in order.
        (ShapeKind::Structure(st), J::Array(items)) if st.event_stream => {
            let events = items
                .iter()
                .map(|item| from_json(service, shape, item, path))
                .collect::<Result<Vec<_>, _>>()?;
            DynValue::Events(crate::event_stream::EventStream::from_events(events))
        }
        (ShapeKind::Structure(st), J::Object(obj)) => {
            let mut members = vec![None; st.members.len()];
            for (k, v) in obj {
                let (slot, member) = st
                    .member_named(k)
                    .and_then(|(i, m)| Some((members.get_mut(i)?, m)))
                    .ok_or_else(|| fail(path, format!("unknown member {k:?}")))?;
                if v.is_null() {
                    continue;
                }
                let len = path.len();
                path.push('.');
                path.push_str(k);
                *slot = Some(from_json(service, member.target, v, path)?);
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
            DynValue::Stream(s) => crate::value::Ser::value(s),
            DynValue::Events(e) => ValueRef::Events(e),
            DynValue::Timestamp(t) => ValueRef::Timestamp(*t),
            DynValue::Document(d) => ValueRef::Document(d),
            DynValue::Struct(_) | DynValue::UnknownMember(_) => ValueRef::Struct(self),
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
    #[allow(clippy::indexing_slicing)] // the ListSer contract: callers ask for index < len()
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
            Scalar::Stream(s) => DynValue::Stream(s),
            Scalar::Events(raw) => {
                let mut events = crate::event_stream::EventStream::default();
                events.set(Scalar::Events(raw))?;
                DynValue::Events(events)
            }
            Scalar::Timestamp(t) => DynValue::Timestamp(t),
            Scalar::Document(d) => DynValue::Document(d),
        };
        Ok(())
    }
    fn unknown_member(&mut self, name: String) -> Result<(), DeError> {
        *self = DynValue::UnknownMember(name);
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
        #[allow(clippy::indexing_slicing)] // resized just above to hold `index`
        let slot = &mut members[index];
        Ok(slot.get_or_insert(DynValue::Empty))
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
            Some(i) => i,
            None => {
                entries.push((key, DynValue::Empty));
                entries.len() - 1
            }
        };
        #[allow(clippy::indexing_slicing)] // found in `entries`, or the last after a push
        let (_, value) = &mut entries[at];
        *value = DynValue::Empty;
        Ok(value)
    }
    fn expecting(&self) -> &'static str {
        "any value"
    }
}
