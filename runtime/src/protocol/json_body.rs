//! JSON bodies for the json and rest-json protocols, driven by the schema.
//!
//! The writer walks a value through [`Ser`] and the reader fills a value
//! through [`De`]; neither knows the value's Rust type. Both follow botocore:
//! members keyed by `locationName` (jsonName) when set, absent members
//! skipped, timestamps as epoch seconds unless the model says otherwise,
//! blobs as base64, non-finite floats as the strings `NaN`, `Infinity`,
//! `-Infinity`, documents verbatim.

use base64::Engine;
use serde_json::Value as J;

use super::rest::{parse_timestamp_lenient, timestamp_format};
use super::{DeserializeError, SerializeError};
use crate::schema::{Member, Service, ShapeId, ShapeKind, TimestampFormat};
use crate::time::DateTime;
use crate::value::{De, Scalar, Ser, StructSer, ValueRef};

// ---- writer ----

/// Writes the members of structure `shape` held by `value` that `keep`
/// accepts, as a JSON object (`{}` when none is present).
pub fn write_struct(
    out: &mut String,
    service: &Service,
    shape: ShapeId,
    value: &dyn StructSer,
    keep: &dyn Fn(&Member) -> bool,
) -> Result<(), SerializeError> {
    let s = service.shape(shape);
    let Some(st) = s.structure() else {
        return Err(SerializeError::new(s.name, "", "not a structure"));
    };
    out.push('{');
    let mut first = true;
    for (i, m) in st.members.iter().enumerate() {
        if !keep(m) {
            continue;
        }
        let Some(v) = value.member(i) else { continue };
        if !first {
            out.push(',');
        }
        first = false;
        write_str(out, m.wire_name());
        out.push(':');
        write_member(out, service, s.name, m, v)?;
    }
    out.push('}');
    Ok(())
}

/// Writes a whole value of shape `shape` (a payload member, a request body).
pub fn to_string(
    service: &Service,
    shape: ShapeId,
    value: &dyn Ser,
) -> Result<String, SerializeError> {
    let mut out = String::new();
    let member = Member {
        name: "",
        target: shape,
        ..Member::DEFAULT
    };
    write_member(&mut out, service, service.shape(shape).name, &member, value)?;
    Ok(out)
}

fn write_str(out: &mut String, s: &str) {
    // Writing a str to a String cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Writes `value` as the member `member` of shape `owner` (for errors).
fn write_member(
    out: &mut String,
    service: &Service,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
) -> Result<(), SerializeError> {
    let target = service.shape(member.target);
    let mismatch = |found: &str| {
        SerializeError::new(
            owner,
            member.name,
            format!("shape {} cannot hold a {found}", target.name),
        )
    };
    match (&target.kind, value.value()) {
        (_, ValueRef::Document(d)) => out.push_str(&d.to_string()),
        (_, ValueRef::Stream(_)) => return Err(mismatch("stream")),
        (ShapeKind::Structure(_), ValueRef::Struct(s)) => {
            write_struct(out, service, member.target, s, &|_| true)?
        }
        (ShapeKind::List { member: item }, ValueRef::List(list)) => {
            out.push('[');
            for i in 0..list.len() {
                if i > 0 {
                    out.push(',');
                }
                write_member(out, service, target.name, item, list.get(i))?;
            }
            out.push(']');
        }
        (ShapeKind::Map { value: vm, .. }, ValueRef::Map(map)) => {
            out.push('{');
            let mut first = true;
            let mut result = Ok(());
            map.for_each(&mut |k, v| {
                if result.is_err() {
                    return;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                write_str(out, k);
                out.push(':');
                result = write_member(out, service, target.name, vm, v);
            });
            result?;
            out.push('}');
        }
        (_, ValueRef::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
        (_, ValueRef::Int(i)) => out.push_str(&i.to_string()),
        (_, ValueRef::Float(f)) if !f.is_finite() => {
            let text = super::rest::format_float(f, target);
            write_str(out, &text);
        }
        (ShapeKind::Float, ValueRef::Float(f)) => out.push_str(&format!("{}", f as f32)),
        (_, ValueRef::Float(f)) => match serde_json::Number::from_f64(f) {
            Some(n) => out.push_str(&n.to_string()),
            None => return Err(mismatch("non-finite float")),
        },
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, ValueRef::Str(s)) => {
            // Arbitrary precision numbers travel as JSON numbers.
            match serde_json::from_str::<serde_json::Number>(s) {
                Ok(n) => out.push_str(&n.to_string()),
                Err(_) => return Err(mismatch("string that is not a number")),
            }
        }
        (ShapeKind::Blob, ValueRef::Str(s)) => write_str(
            out,
            &base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
        ),
        (_, ValueRef::Str(s)) => write_str(out, s),
        (_, ValueRef::Blob(b)) => {
            write_str(out, &base64::engine::general_purpose::STANDARD.encode(b))
        }
        (_, ValueRef::Timestamp(t)) => {
            match timestamp_format(service, member, TimestampFormat::UnixTimestamp) {
                TimestampFormat::UnixTimestamp => {
                    out.push_str(&t.format(TimestampFormat::UnixTimestamp))
                }
                f => write_str(out, &t.format(f)),
            }
        }
        (_, ValueRef::Struct(_)) => return Err(mismatch("structure")),
        (_, ValueRef::List(_)) => return Err(mismatch("list")),
        (_, ValueRef::Map(_)) => return Err(mismatch("map")),
    }
    Ok(())
}

// ---- reader ----

/// Parses a body as JSON; an empty (or blank) body is `None`.
pub fn parse(body: &[u8], path: &str) -> Result<Option<J>, DeserializeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| DeserializeError::new(path, format!("invalid JSON: {e}")))
}

/// Reads the members of structure `shape` that `keep` accepts from the JSON
/// object `json` into `out`. Unknown keys and nulls are skipped.
pub fn read_struct(
    service: &Service,
    shape: ShapeId,
    json: &J,
    out: &mut dyn De,
    path: &mut String,
    keep: &dyn Fn(&Member) -> bool,
) -> Result<(), DeserializeError> {
    let s = service.shape(shape);
    let Some(st) = s.structure() else {
        return Err(DeserializeError::new(path.as_str(), "not a structure"));
    };
    let J::Object(obj) = json else {
        return Err(DeserializeError::new(
            path.as_str(),
            format!("expected an object, found {}", kind(json)),
        ));
    };
    out.init();
    if st.union {
        let present = obj
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.as_str());
        let known = |k: &str| st.members.iter().any(|m| m.wire_name() == k);
        if let Some(tag) = super::common::union_tag(s.name, path, present, known)? {
            return out
                .unknown_member(tag.to_owned())
                .map_err(|e| DeserializeError::value(path.as_str(), e));
        }
    }
    for (i, m) in st.members.iter().enumerate() {
        if !keep(m) {
            continue;
        }
        let Some(v) = obj.get(m.wire_name()) else {
            continue;
        };
        if v.is_null() {
            continue;
        }
        let len = path.len();
        path.push('.');
        path.push_str(m.name);
        let slot = out
            .member(i)
            .map_err(|e| DeserializeError::value(path.as_str(), e))?;
        read_member(service, m, v, slot, path)?;
        path.truncate(len);
    }
    Ok(())
}

/// Reads a whole value of shape `shape` from `json` (a payload member).
pub fn read(
    service: &Service,
    shape: ShapeId,
    json: &J,
    out: &mut dyn De,
    path: &mut String,
) -> Result<(), DeserializeError> {
    let member = Member {
        name: "",
        target: shape,
        ..Member::DEFAULT
    };
    read_member(service, &member, json, out, path)
}

fn kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// Epoch seconds from a JSON number, reading a decimal fraction digit by
/// digit so `1.123` keeps exactly 123 ms (an `f64` would not).
fn epoch_from_number(n: &serde_json::Number) -> Option<DateTime> {
    if let Some(i) = n.as_i64() {
        return Some(DateTime::from_secs(i));
    }
    let text = n.to_string();
    if let Some((whole, frac)) = text.split_once('.') {
        let exact = frac.len() <= 9 && frac.bytes().all(|b| b.is_ascii_digit());
        if let (true, Ok(secs)) = (exact, whole.parse::<i64>()) {
            let nanos: u32 = format!("{frac:0<9}").parse().ok()?;
            let negative = whole.starts_with('-');
            return Some(match (negative, nanos) {
                (_, 0) => DateTime::from_secs(secs),
                (false, _) => DateTime::from_secs_and_nanos(secs, nanos),
                (true, _) => DateTime::from_secs_and_nanos(secs - 1, 1_000_000_000 - nanos),
            });
        }
    }
    n.as_f64()
        .filter(|f| f.is_finite())
        .map(DateTime::from_secs_f64)
}

fn read_member(
    service: &Service,
    member: &Member,
    json: &J,
    out: &mut dyn De,
    path: &mut String,
) -> Result<(), DeserializeError> {
    let target = service.shape(member.target);
    let fail = |path: &String, what: &str| {
        DeserializeError::new(
            path.as_str(),
            format!(
                "expected {what} for shape {}, found {}",
                target.name,
                kind(json)
            ),
        )
    };
    let scalar = match (&target.kind, json) {
        (ShapeKind::Structure(st), v) if st.document => Scalar::Document(v.clone()),
        (ShapeKind::Structure(_), _) => {
            return read_struct(service, member.target, json, out, path, &|_| true)
        }
        (ShapeKind::List { member: item }, J::Array(items)) => {
            out.init();
            for (n, v) in items.iter().enumerate() {
                // Null elements are skipped, as in maps: a typed list has no
                // place for them, and a made-up default would be a lie.
                if v.is_null() {
                    continue;
                }
                let len = path.len();
                path.push_str(&format!("[{n}]"));
                let slot = out
                    .push()
                    .map_err(|e| DeserializeError::value(path.as_str(), e))?;
                read_member(service, item, v, slot, path)?;
                path.truncate(len);
            }
            return Ok(());
        }
        (ShapeKind::List { .. }, _) => return Err(fail(path, "an array")),
        (ShapeKind::Map { value: vm, .. }, J::Object(obj)) => {
            out.init();
            for (k, v) in obj {
                if v.is_null() {
                    continue;
                }
                let len = path.len();
                path.push_str(&format!("[{k:?}]"));
                let slot = out
                    .entry(k.clone())
                    .map_err(|e| DeserializeError::value(path.as_str(), e))?;
                read_member(service, vm, v, slot, path)?;
                path.truncate(len);
            }
            return Ok(());
        }
        (ShapeKind::Map { .. }, _) => return Err(fail(path, "an object")),
        (ShapeKind::String | ShapeKind::Enum { .. }, J::String(s)) => Scalar::Str(s.clone()),
        (ShapeKind::String | ShapeKind::Enum { .. }, _) => return Err(fail(path, "a string")),
        (ShapeKind::Boolean, J::Bool(b)) => Scalar::Bool(*b),
        (ShapeKind::Boolean, _) => return Err(fail(path, "a boolean")),
        (
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
            J::Number(n),
        ) => Scalar::Int(n.as_i64().ok_or_else(|| fail(path, "an integer"))?),
        (ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long, _) => {
            return Err(fail(path, "an integer"))
        }
        (ShapeKind::Float | ShapeKind::Double, J::Number(n)) => {
            Scalar::Float(n.as_f64().ok_or_else(|| fail(path, "a number"))?)
        }
        (ShapeKind::Float | ShapeKind::Double, J::String(s)) => Scalar::Float(match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            _ => return Err(fail(path, "a number")),
        }),
        (ShapeKind::Float | ShapeKind::Double, _) => return Err(fail(path, "a number")),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, J::Number(n)) => Scalar::Str(n.to_string()),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, J::String(s)) => Scalar::Str(s.clone()),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, _) => return Err(fail(path, "a number")),
        (ShapeKind::Blob, J::String(s)) => Scalar::Blob(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| DeserializeError::new(path.as_str(), "invalid base64 blob"))?
                .into(),
        ),
        (ShapeKind::Blob, _) => return Err(fail(path, "a base64 string")),
        (ShapeKind::Timestamp, J::Number(n)) => {
            Scalar::Timestamp(epoch_from_number(n).ok_or_else(|| fail(path, "a timestamp"))?)
        }
        (ShapeKind::Timestamp, J::String(s)) => {
            let format = timestamp_format(service, member, TimestampFormat::Iso8601);
            Scalar::Timestamp(
                parse_timestamp_lenient(format, s)
                    .map_err(|e| DeserializeError::new(path.as_str(), e.to_string()))?,
            )
        }
        (ShapeKind::Timestamp, _) => return Err(fail(path, "a timestamp")),
    };
    out.set(scalar)
        .map_err(|e| DeserializeError::value(path.as_str(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12: serde_json's recursion limit (128) bounds what input decides.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for unit in ["[", "{\"a\":"] {
            let body = unit.repeat(200_000);
            assert!(parse(body.as_bytes(), "Out").is_err(), "{unit}");
        }
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(ok.as_bytes(), "Out").unwrap().is_some());
    }
    use crate::dynamic::DynValue;
    use crate::schema::{Shape, StructureShape};

    static MEMBERS: [Member; 3] = [
        Member {
            name: "Name",
            target: 1,
            location_name: Some("name"),
            ..Member::DEFAULT
        },
        Member {
            name: "When",
            target: 2,
            ..Member::DEFAULT
        },
        Member {
            name: "Ratio",
            target: 3,
            ..Member::DEFAULT
        },
    ];
    static SHAPES: [Shape; 4] = [
        Shape {
            name: "Thing",
            kind: ShapeKind::Structure(StructureShape {
                members: &MEMBERS,
                ..StructureShape::DEFAULT
            }),
            ..Shape::DEFAULT
        },
        Shape {
            name: "Str",
            kind: ShapeKind::String,
            ..Shape::DEFAULT
        },
        Shape {
            name: "Ts",
            kind: ShapeKind::Timestamp,
            ..Shape::DEFAULT
        },
        Shape {
            name: "F",
            kind: ShapeKind::Float,
            ..Shape::DEFAULT
        },
    ];
    static SERVICE: Service = Service {
        name: "test",
        metadata: crate::schema::Metadata::DEFAULT,
        shapes: &SHAPES,
        operations: &[],
        endpoint_rules: None,
    };

    #[test]
    fn round_trip() {
        let v = DynValue::Struct(vec![
            Some(DynValue::Str("a\"b".into())),
            Some(DynValue::Timestamp(crate::time::DateTime::from_secs_f64(
                1.5,
            ))),
            Some(DynValue::Float(f64::NAN)),
        ]);
        let text = to_string(&SERVICE, 0, &v).unwrap();
        // Epoch seconds go whole, as botocore's `_timestamp_unixtimestamp`.
        assert_eq!(text, r#"{"name":"a\"b","When":1,"Ratio":"NaN"}"#);
        let json: J = serde_json::from_str(&text).unwrap();
        let mut back = DynValue::Empty;
        read(&SERVICE, 0, &json, &mut back, &mut "Thing".to_owned()).unwrap();
        assert_eq!(back.to_json(&SERVICE, 0)["Name"], "a\"b");
    }

    #[test]
    fn fractional_epochs_are_exact() {
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).unwrap();
        let t = epoch_from_number(&n("946845296.123")).unwrap();
        assert_eq!((t.secs(), t.subsec_nanos()), (946845296, 123_000_000));
        let t = epoch_from_number(&n("-1.25")).unwrap();
        assert_eq!((t.secs(), t.subsec_nanos()), (-2, 750_000_000));
        assert_eq!(epoch_from_number(&n("7")).unwrap().secs(), 7);
    }

    #[test]
    fn errors_carry_a_path() {
        let json: J = serde_json::from_str(r#"{"When": true}"#).unwrap();
        let mut back = DynValue::Empty;
        let err = read(&SERVICE, 0, &json, &mut back, &mut "Thing".to_owned()).unwrap_err();
        assert_eq!(err.path, "Thing.When");
    }
}
