//! The JSON view of a value that JMESPath expressions (paginator tokens and
//! result keys, waiter acceptors) are evaluated against, and its inverse.
//!
//! The view is botocore's parsed dictionary: structure members keyed by their
//! model names (not wire names), absent members left out, timestamps as epoch
//! seconds, blobs as base64 text, documents as they are. [`write`](fn@write) reads the
//! same view back into any [`De`] value, which is how a token taken from one
//! response (a string, or a structure like DynamoDB's `LastEvaluatedKey`)
//! becomes the next request's input member.

use base64::Engine;
use serde_json::{Map, Number, Value as J};

use crate::schema::{Service, ShapeId, ShapeKind};
use crate::time::DateTime;
use crate::value::{De, DeError, Scalar, Ser, ValueRef};

/// The view of `value`, a value of shape `shape`.
pub fn to_json(service: &Service, shape: ShapeId, value: &dyn Ser) -> J {
    let s = service.shape(shape);
    match (&s.kind, value.value()) {
        (ShapeKind::Structure(st), ValueRef::Struct(v)) => {
            let mut obj = Map::new();
            for (i, m) in st.members.iter().enumerate() {
                if let Some(mv) = v.member(i) {
                    obj.insert(m.name.to_owned(), to_json(service, m.target, mv));
                }
            }
            J::Object(obj)
        }
        (ShapeKind::List { member }, ValueRef::List(l)) => J::Array(
            (0..l.len())
                .map(|i| to_json(service, member.target, l.get(i)))
                .collect(),
        ),
        (ShapeKind::Map { value: vm, .. }, ValueRef::Map(m)) => {
            let mut obj = Map::new();
            m.for_each(&mut |k, v| {
                obj.insert(k.to_owned(), to_json(service, vm.target, v));
            });
            J::Object(obj)
        }
        // An untyped value that received an empty container (`DynValue`
        // keeps `[]` and `{}` as its empty value): the schema's empty one.
        (ShapeKind::List { .. }, ValueRef::Str("")) => J::Array(Vec::new()),
        (ShapeKind::Map { .. }, ValueRef::Str("")) => J::Object(Map::new()),
        (ShapeKind::Structure(st), ValueRef::Str("")) if !st.document => J::Object(Map::new()),
        // Events still to send, as a list (what a stubbed output holds):
        // the ones ready now are taken. A received (or already taken)
        // stream is not read: null, as for a streaming body.
        (ShapeKind::Structure(st), ValueRef::Events(source)) if st.event_stream => {
            use futures_util::{FutureExt, StreamExt};
            let Some(events) = source.take() else {
                return J::Null;
            };
            let events = events
                .collect::<Vec<_>>()
                .now_or_never()
                .unwrap_or_default();
            J::Array(
                events
                    .iter()
                    .map(|e| to_json(service, shape, &**e))
                    .collect(),
            )
        }
        (_, v) => scalar(v),
    }
}

fn scalar(v: ValueRef<'_>) -> J {
    match v {
        ValueRef::Bool(b) => J::Bool(b),
        ValueRef::Int(i) => J::from(i),
        ValueRef::Float(f) => Number::from_f64(f).map(J::Number).unwrap_or_else(|| {
            J::from(if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            })
        }),
        ValueRef::Str(s) => J::from(s),
        ValueRef::Blob(b) => J::from(base64::engine::general_purpose::STANDARD.encode(b)),
        ValueRef::Timestamp(t) if t.subsec_nanos() == 0 => J::from(t.secs()),
        ValueRef::Timestamp(t) => J::from(t.as_secs_f64()),
        ValueRef::Document(d) => d.clone(),
        // A stream is read by its owner, never into JSON.
        ValueRef::Stream(_) | ValueRef::Events(_) => J::Null,
        // A structure, list or map where the schema says scalar: not a shape
        // generated code produces; show nothing rather than guess.
        ValueRef::Struct(_) | ValueRef::List(_) | ValueRef::Map(_) => J::Null,
    }
}

/// Copies `from`, a value of shape `shape`, into `to`: a parsed value (a
/// [`DynValue`](crate::dynamic::DynValue) a customization changed) into the
/// caller's typed output, without going through text.
pub fn copy(
    service: &Service,
    shape: ShapeId,
    from: &dyn Ser,
    to: &mut dyn De,
) -> Result<(), DeError> {
    let s = service.shape(shape);
    match (&s.kind, from.value()) {
        (ShapeKind::Structure(st), ValueRef::Struct(v)) if !st.document => {
            to.init();
            for (i, m) in st.members.iter().enumerate() {
                if let Some(mv) = v.member(i) {
                    copy(service, m.target, mv, to.member(i)?)?;
                }
            }
            Ok(())
        }
        (ShapeKind::List { member }, ValueRef::List(l)) => {
            to.init();
            for i in 0..l.len() {
                copy(service, member.target, l.get(i), to.push()?)?;
            }
            Ok(())
        }
        (ShapeKind::Map { value: vm, .. }, ValueRef::Map(m)) => {
            to.init();
            let mut result = Ok(());
            m.for_each(&mut |k, v| {
                if result.is_ok() {
                    result = to
                        .entry(k.to_owned())
                        .and_then(|slot| copy(service, vm.target, v, slot));
                }
            });
            result
        }
        // An untyped empty container (see `to_json`).
        (ShapeKind::List { .. } | ShapeKind::Map { .. }, ValueRef::Str("")) => {
            to.init();
            Ok(())
        }
        (ShapeKind::Structure(st), ValueRef::Str("")) if !st.document => {
            to.init();
            Ok(())
        }
        (_, v) => to.set(match v {
            ValueRef::Bool(b) => Scalar::Bool(b),
            ValueRef::Int(i) => Scalar::Int(i),
            ValueRef::Float(f) => Scalar::Float(f),
            ValueRef::Str(s) => Scalar::Str(s.to_owned()),
            ValueRef::Blob(b) => Scalar::Blob(bytes::Bytes::copy_from_slice(b)),
            ValueRef::Stream(s) => Scalar::Stream(s.clone()),
            ValueRef::Events(_) => {
                return Err(DeError::Invalid("an event stream cannot be copied".into()))
            }
            ValueRef::Timestamp(t) => Scalar::Timestamp(t),
            ValueRef::Document(d) => Scalar::Document(d.clone()),
            ValueRef::Struct(_) | ValueRef::List(_) | ValueRef::Map(_) => {
                return Err(DeError::Invalid(format!(
                    "a container where shape {} is a scalar",
                    s.name
                )))
            }
        }),
    }
}

/// Writes the view `json` of a value of shape `shape` into `out`.
pub fn write(service: &Service, shape: ShapeId, json: &J, out: &mut dyn De) -> Result<(), DeError> {
    let s = service.shape(shape);
    let mismatch = |expected: &'static str| {
        DeError::Invalid(format!(
            "{expected} expected for shape {}, found {json}",
            s.name
        ))
    };
    match (&s.kind, json) {
        (_, J::Null) => Ok(()),
        (ShapeKind::Structure(st), v) if st.document => out.set(Scalar::Document(v.clone())),
        (ShapeKind::Structure(st), J::Object(obj)) => {
            out.init();
            for (k, v) in obj {
                let (i, m) = st.member_named(k).ok_or_else(|| {
                    DeError::Invalid(format!("shape {} has no member {k:?}", s.name))
                })?;
                write(service, m.target, v, out.member(i)?)?;
            }
            Ok(())
        }
        (ShapeKind::List { member }, J::Array(items)) => {
            out.init();
            for v in items {
                write(service, member.target, v, out.push()?)?;
            }
            Ok(())
        }
        (ShapeKind::Map { value, .. }, J::Object(obj)) => {
            out.init();
            for (k, v) in obj {
                write(service, value.target, v, out.entry(k.clone())?)?;
            }
            Ok(())
        }
        (ShapeKind::Boolean, J::Bool(b)) => out.set(Scalar::Bool(*b)),
        (
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
            J::Number(n),
        ) => out.set(Scalar::Int(
            n.as_i64().ok_or_else(|| mismatch("an integer"))?,
        )),
        (ShapeKind::Float | ShapeKind::Double, J::Number(n)) => {
            out.set(Scalar::Float(n.as_f64().unwrap_or(f64::NAN)))
        }
        (ShapeKind::Float | ShapeKind::Double, J::String(v)) => {
            out.set(Scalar::Float(match v.as_str() {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                _ => return Err(mismatch("a number")),
            }))
        }
        // String-typed limits and tokens may be given as numbers (`page_size(50)`).
        (
            ShapeKind::String
            | ShapeKind::Enum { .. }
            | ShapeKind::BigInteger
            | ShapeKind::BigDecimal,
            J::Number(n),
        ) => out.set(Scalar::Str(n.to_string())),
        (
            ShapeKind::String
            | ShapeKind::Enum { .. }
            | ShapeKind::BigInteger
            | ShapeKind::BigDecimal,
            J::String(v),
        ) => out.set(Scalar::Str(v.clone())),
        (
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
            J::String(v),
        ) => out.set(Scalar::Int(v.parse().map_err(|_| mismatch("an integer"))?)),
        (ShapeKind::Blob, J::String(v)) => out.set(Scalar::Blob(
            base64::engine::general_purpose::STANDARD
                .decode(v)
                .map_err(|_| mismatch("base64 text"))?
                .into(),
        )),
        (ShapeKind::Timestamp, J::Number(n)) => out.set(Scalar::Timestamp(match n.as_i64() {
            Some(i) => DateTime::from_secs(i),
            None => DateTime::from_secs_f64(n.as_f64().unwrap_or(0.0)),
        })),
        (ShapeKind::Timestamp, J::String(v)) => out.set(Scalar::Timestamp(
            DateTime::parse_iso8601(v).map_err(|e| DeError::Invalid(e.to_string()))?,
        )),
        _ => Err(mismatch("a value of the right kind")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic::{build_service, DynValue};
    use crate::model::ServiceModel;

    fn service() -> &'static Service {
        let model = ServiceModel::from_json(
            r#"{"metadata": {"protocol": "json", "apiVersion": "1"},
                "operations": {"Op": {"name": "Op", "input": {"shape": "In"}}},
                "shapes": {
                  "In": {"type": "structure", "members": {
                    "Key": {"shape": "Key", "locationName": "wireKey"},
                    "Limit": {"shape": "Str"}, "When": {"shape": "Ts"}, "Data": {"shape": "Blob"},
                    "Items": {"shape": "Strs"}, "Nested": {"shape": "Attr"}}},
                  "Strs": {"type": "list", "member": {"shape": "Str"}},
                  "Key": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Attr"}},
                  "Attr": {"type": "structure", "members": {"S": {"shape": "Str"}, "N": {"shape": "Int"}}},
                  "Str": {"type": "string"}, "Int": {"type": "integer"}, "Ts": {"type": "timestamp"},
                  "Blob": {"type": "blob"}}}"#,
        )
        .unwrap();
        build_service("view", &model).unwrap()
    }

    #[test]
    fn round_trip_keeps_model_names_and_types() {
        let svc = service();
        let input = svc.operation("Op").unwrap().input.unwrap();
        let json = serde_json::json!({
            "Key": {"pk": {"S": "a"}, "n": {"N": 3}},
            "When": 1700000000,
            "Data": "AAH/",
        });
        let mut value = DynValue::Empty;
        write(svc, input, &json, &mut value).unwrap();
        assert_eq!(to_json(svc, input, &value), json);
        // A numeric page size for a string-typed limit member.
        let mut limited = DynValue::Empty;
        write(svc, input, &serde_json::json!({"Limit": 50}), &mut limited).unwrap();
        assert_eq!(
            to_json(svc, input, &limited),
            serde_json::json!({"Limit": "50"})
        );
        // Empty containers come back as empty containers, not as text.
        let empty = serde_json::json!({"Items": [], "Key": {}, "Nested": {}});
        let mut value = DynValue::Empty;
        write(svc, input, &empty, &mut value).unwrap();
        assert_eq!(to_json(svc, input, &value), empty);
        let mut again = DynValue::Empty;
        write(svc, input, &to_json(svc, input, &value), &mut again).unwrap();
        assert!(write(
            svc,
            input,
            &serde_json::json!({"Nope": 1}),
            &mut DynValue::Empty
        )
        .is_err());
    }
}
