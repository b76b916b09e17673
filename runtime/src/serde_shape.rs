//! serde for generated types, driven by the schema: what the `serde`
//! feature of a generated crate calls from each type's one-line
//! `Serialize`/`Deserialize` impl, so no per-shape serializer is generated.
//!
//! Keys are the model's member names (`UserName`, as boto3's dicts have
//! them); blobs are base64 text; timestamps ISO 8601 text (epoch numbers
//! are read too); non-finite floats `"NaN"`, `"Infinity"`, `"-Infinity"`;
//! big numbers text; documents as they are; enum values as text, unknown
//! ones kept. Absent members are left out and read as absent, unknown keys
//! and `null`s are skipped. Reading needs a self-describing format (JSON,
//! YAML, CBOR, MessagePack, TOML, …), as it follows what the data says.
//! A streaming body cannot be serialized.

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Deserializer, Serialize, Serializer};

use crate::schema::{Service, ShapeId, ShapeKind};
use crate::value::{De, Ser, ValueRef};

/// Serializes `value`, of shape `shape` of `service`, with `serializer`.
pub fn serialize<S: Serializer>(
    service: &Service,
    shape: ShapeId,
    value: &dyn Ser,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    Shaped {
        service,
        shape,
        value,
    }
    .serialize(serializer)
}

/// Reads a value of shape `shape` of `service` from `deserializer`.
pub fn deserialize<'de, D: Deserializer<'de>, T: De + Default>(
    service: &Service,
    shape: ShapeId,
    deserializer: D,
) -> Result<T, D::Error> {
    let mut out = T::default();
    crate::protocol::json_body::read_from(service, shape, deserializer, &mut out)?;
    Ok(out)
}

/// A value with the shape that says how to write it.
struct Shaped<'a> {
    service: &'a Service,
    shape: ShapeId,
    value: &'a dyn Ser,
}

impl Serialize for Shaped<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        let service = self.service;
        let shape = service.shape(self.shape);
        let mismatch =
            |found: &str| S::Error::custom(format!("shape {} cannot hold a {found}", shape.name));
        match (&shape.kind, self.value.value()) {
            (_, ValueRef::Document(d)) => d.serialize(s),
            (_, ValueRef::Stream(_)) => Err(S::Error::custom(format!(
                "{}: a streaming body cannot be serialized",
                shape.name
            ))),
            (_, ValueRef::Events(_)) => Err(S::Error::custom(format!(
                "{}: an event stream cannot be serialized",
                shape.name
            ))),
            (ShapeKind::Structure(st), ValueRef::Struct(v)) => {
                let mut map = s.serialize_map(None)?;
                for (i, member) in st.members.iter().enumerate() {
                    if let Some(value) = v.member(i) {
                        map.serialize_entry(
                            member.name,
                            &Shaped {
                                service,
                                shape: member.target,
                                value,
                            },
                        )?;
                    }
                }
                map.end()
            }
            (ShapeKind::List { member }, ValueRef::List(list)) => {
                let mut seq = s.serialize_seq(Some(list.len()))?;
                for i in 0..list.len() {
                    seq.serialize_element(&Shaped {
                        service,
                        shape: member.target,
                        value: list.get(i),
                    })?;
                }
                seq.end()
            }
            (ShapeKind::Map { value: vm, .. }, ValueRef::Map(m)) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                let mut result = Ok(());
                m.for_each(&mut |k, v| {
                    if result.is_ok() {
                        result = map.serialize_entry(
                            k,
                            &Shaped {
                                service,
                                shape: vm.target,
                                value: v,
                            },
                        );
                    }
                });
                result?;
                map.end()
            }
            (_, ValueRef::Bool(b)) => s.serialize_bool(b),
            (_, ValueRef::Int(i)) => s.serialize_i64(i),
            (_, ValueRef::Float(f)) if f.is_nan() => s.serialize_str("NaN"),
            (_, ValueRef::Float(f)) if f.is_infinite() => {
                s.serialize_str(if f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            (ShapeKind::Float, ValueRef::Float(f)) => s.serialize_f32(f as f32),
            (_, ValueRef::Float(f)) => s.serialize_f64(f),
            (_, ValueRef::Str(text)) => s.serialize_str(text),
            (_, ValueRef::Blob(b)) => {
                s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
            }
            (_, ValueRef::Timestamp(t)) => s.serialize_str(&t.to_iso8601()),
            (_, ValueRef::Struct(_)) => Err(mismatch("structure")),
            (_, ValueRef::List(_)) => Err(mismatch("list")),
            (_, ValueRef::Map(_)) => Err(mismatch("map")),
        }
    }
}
