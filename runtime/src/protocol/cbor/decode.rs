//! Schema-driven reading of a decoded CBOR body into a [`De`].
//!
//! ciborium decodes the bytes (definite and indefinite lengths, every integer
//! and float width including half precision, tags, a nesting limit); this
//! module walks the resulting tree along the schema. Unknown members are
//! skipped; nulls leave a member or map entry absent and a list slot unset.

use std::fmt::Write;

use ciborium::Value;

use crate::document::Document;
use crate::protocol::DeserializeError;
use crate::schema::{Service, ShapeId, ShapeKind};
use crate::time::DateTime;
use crate::value::{De, Scalar};

/// Decodes one CBOR data item.
pub(super) fn parse(body: &[u8], path: &str) -> Result<Value, DeserializeError> {
    let mut reader = body;
    let value: Value = ciborium::from_reader(&mut reader)
        .map_err(|e| DeserializeError::new(path, format!("invalid CBOR: {e}")))?;
    if !reader.is_empty() {
        return Err(DeserializeError::new(
            path,
            format!(
                "{} bytes of trailing data after the CBOR body",
                reader.len()
            ),
        ));
    }
    Ok(value)
}

/// Looks up a text key of a CBOR map.
pub(super) fn get<'v>(map: &'v Value, key: &str) -> Option<&'v Value> {
    match map {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
            .map(|(_, v)| v),
        _ => None,
    }
}

pub(super) struct Reader<'a> {
    pub service: &'a Service,
}

impl Reader<'_> {
    /// Reads `value` as shape `id` into `out`; `path` names where it is.
    pub(super) fn read(
        &self,
        id: ShapeId,
        value: &Value,
        out: &mut dyn De,
        path: &mut String,
    ) -> Result<(), DeserializeError> {
        let shape = self.service.shape(id);
        let fail = |path: &String, expected: &str| {
            DeserializeError::new(
                path.as_str(),
                format!(
                    "expected {expected} for shape {}, found {}",
                    shape.name,
                    describe(value)
                ),
            )
        };
        let set = |out: &mut dyn De, path: &String, scalar: Scalar| {
            out.set(scalar)
                .map_err(|e| DeserializeError::value(path.as_str(), e))
        };
        match (&shape.kind, value) {
            (ShapeKind::Structure(st), v) if st.document => {
                let doc = to_document(v).map_err(|m| DeserializeError::new(path.as_str(), m))?;
                set(out, path, Scalar::Document(doc))
            }
            (ShapeKind::Structure(st), Value::Map(entries)) => {
                out.init();
                if st.union {
                    let present = entries.iter().filter_map(|(k, v)| match k {
                        Value::Text(t) if !v.is_null() => Some(t.as_str()),
                        _ => None,
                    });
                    let known = |k: &str| st.members.iter().any(|m| m.wire_name() == k);
                    if let Some(tag) =
                        crate::protocol::common::union_tag(shape.name, path, present, known)?
                    {
                        return out
                            .unknown_member(tag.to_owned())
                            .map_err(|e| DeserializeError::value(path.as_str(), e));
                    }
                }
                for (k, v) in entries {
                    let Value::Text(k) = k else {
                        return Err(DeserializeError::new(
                            path.as_str(),
                            format!("structure key is {}, not text", describe(k)),
                        ));
                    };
                    if v.is_null() {
                        continue;
                    }
                    // Unknown members (and a union's `__type`) are skipped.
                    let Some((i, member)) = st
                        .members
                        .iter()
                        .enumerate()
                        .find(|(_, m)| m.wire_name() == k)
                    else {
                        continue;
                    };
                    let len = path.len();
                    path.push('.');
                    path.push_str(member.name);
                    let slot = out
                        .member(i)
                        .map_err(|e| DeserializeError::value(path.as_str(), e))?;
                    self.read(member.target, v, slot, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            (ShapeKind::List { member }, Value::Array(items)) => {
                out.init();
                for (i, v) in items.iter().enumerate() {
                    let len = path.len();
                    let _ = write!(path, "[{i}]");
                    let slot = out
                        .push()
                        .map_err(|e| DeserializeError::value(path.as_str(), e))?;
                    if !v.is_null() {
                        self.read(member.target, v, slot, path)?;
                    }
                    path.truncate(len);
                }
                Ok(())
            }
            (ShapeKind::Map { value: vm, .. }, Value::Map(entries)) => {
                out.init();
                for (k, v) in entries {
                    let Value::Text(k) = k else {
                        return Err(DeserializeError::new(
                            path.as_str(),
                            format!("map key is {}, not text", describe(k)),
                        ));
                    };
                    if v.is_null() {
                        continue;
                    }
                    let len = path.len();
                    let _ = write!(path, "[{k:?}]");
                    let slot = out
                        .entry(k.clone())
                        .map_err(|e| DeserializeError::value(path.as_str(), e))?;
                    self.read(vm.target, v, slot, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            (ShapeKind::String | ShapeKind::Enum { .. }, Value::Text(s)) => {
                set(out, path, Scalar::Str(s.clone()))
            }
            (ShapeKind::Boolean, Value::Bool(b)) => set(out, path, Scalar::Bool(*b)),
            (
                ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
                Value::Integer(i),
            ) => {
                let i = i64::try_from(i128::from(*i)).map_err(|_| {
                    DeserializeError::new(
                        path.as_str(),
                        format!("integer {} does not fit 64 bits", i128::from(*i)),
                    )
                })?;
                set(out, path, Scalar::Int(i))
            }
            (ShapeKind::Float | ShapeKind::Double, Value::Float(f)) => {
                set(out, path, Scalar::Float(*f))
            }
            (ShapeKind::Float | ShapeKind::Double, Value::Integer(i)) => {
                set(out, path, Scalar::Float(i128::from(*i) as f64))
            }
            (ShapeKind::BigInteger, v) => match big_integer(v) {
                Some(s) => set(out, path, Scalar::Str(s)),
                None => Err(fail(path, "an integer or bignum")),
            },
            (ShapeKind::BigDecimal, v) => match big_decimal(v) {
                Some(s) => set(out, path, Scalar::Str(s)),
                None => Err(fail(path, "a decimal fraction or number")),
            },
            (ShapeKind::Blob, Value::Bytes(b)) => {
                set(out, path, Scalar::Blob(bytes::Bytes::copy_from_slice(b)))
            }
            (ShapeKind::Timestamp, v) => {
                let inner = match v {
                    Value::Tag(1, inner) => inner.as_ref(),
                    other => other,
                };
                let secs = match inner {
                    Value::Integer(i) => i128::from(*i) as f64,
                    Value::Float(f) => *f,
                    _ => return Err(fail(path, "an epoch-seconds timestamp (tag 1)")),
                };
                let t = timestamp(secs).ok_or_else(|| {
                    DeserializeError::new(path.as_str(), format!("timestamp {secs} out of range"))
                })?;
                set(out, path, Scalar::Timestamp(t))
            }
            (kind, _) => Err(fail(path, super::encode::kind_name(kind))),
        }
    }
}

/// Epoch seconds to a time, at microsecond precision: a double near the
/// present carries no more, and rounding drops binary noise (`.123` not `.1229999`).
fn timestamp(secs: f64) -> Option<DateTime> {
    // Years -9999..=9999, roughly; keeps the arithmetic exact and in range.
    if !secs.is_finite() || secs.abs() > 253_402_300_800.0 {
        return None;
    }
    let micros = (secs * 1e6).round() as i64;
    let whole = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000) as u32;
    Some(DateTime::from_secs_and_nanos(whole, frac * 1000))
}

fn big_integer(v: &Value) -> Option<String> {
    match v {
        Value::Integer(i) => Some(i128::from(*i).to_string()),
        Value::Tag(t @ (2 | 3), inner) => match inner.as_ref() {
            Value::Bytes(b) => {
                let n = magnitude_to_decimal(b);
                // Tag 3 holds -1 - n.
                Some(if *t == 3 {
                    format!("-{}", add_one_decimal(&n))
                } else {
                    n
                })
            }
            _ => None,
        },
        _ => None,
    }
}

fn big_decimal(v: &Value) -> Option<String> {
    match v {
        Value::Integer(_) | Value::Tag(2 | 3, _) => big_integer(v),
        Value::Float(f) if f.is_finite() => Some(f.to_string()),
        Value::Tag(4, inner) => {
            let Value::Array(parts) = inner.as_ref() else {
                return None;
            };
            let [exp, mant] = parts.as_slice() else {
                return None;
            };
            let exp = i64::try_from(i128::from(exp.as_integer()?)).ok()?;
            let mant = big_integer(mant)?;
            let (sign, digits) = match mant.strip_prefix('-') {
                Some(d) => ("-", d.to_owned()),
                None => ("", mant),
            };
            // Bound the text a hostile exponent could make us build.
            if exp.unsigned_abs() > 10_000 {
                return Some(format!("{sign}{digits}E{exp}"));
            }
            Some(if exp >= 0 {
                format!("{sign}{digits}{}", "0".repeat(exp as usize))
            } else {
                let shift = exp.unsigned_abs() as usize;
                let padded = format!(
                    "{}{digits}",
                    "0".repeat(shift.saturating_sub(digits.len()) + 1)
                );
                let (int_part, frac) = padded.split_at(padded.len() - shift);
                let int_part = int_part.trim_start_matches('0');
                let int_part = if int_part.is_empty() { "0" } else { int_part };
                format!("{sign}{int_part}.{frac}")
            })
        }
        _ => None,
    }
}

/// A big-endian magnitude in decimal.
fn magnitude_to_decimal(bytes: &[u8]) -> String {
    // Little-endian base-1e9 limbs.
    let mut limbs: Vec<u32> = Vec::new();
    for &b in bytes {
        let mut carry = b as u64;
        for limb in limbs.iter_mut() {
            let v = (*limb as u64) * 256 + carry;
            *limb = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    match limbs.split_last() {
        None => "0".to_owned(),
        Some((top, rest)) => {
            let mut s = top.to_string();
            for limb in rest.iter().rev() {
                s.push_str(&format!("{limb:09}"));
            }
            s
        }
    }
}

fn add_one_decimal(n: &str) -> String {
    let mut digits: Vec<u8> = n.bytes().collect();
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return String::from_utf8_lossy(&digits).into_owned();
        }
    }
    format!("1{}", String::from_utf8_lossy(&digits))
}

/// A CBOR value as a JSON document; fails on what JSON cannot hold.
fn to_document(v: &Value) -> Result<Document, String> {
    Ok(match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Integer(i) => {
            let i = i128::from(*i);
            if let Ok(u) = u64::try_from(i) {
                Document::from(u)
            } else if let Ok(s) = i64::try_from(i) {
                Document::from(s)
            } else {
                return Err(format!("document integer {i} does not fit 64 bits"));
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Document::Number)
            .ok_or_else(|| format!("document number {f} is not finite"))?,
        Value::Text(s) => Document::String(s.clone()),
        Value::Array(items) => {
            Document::Array(items.iter().map(to_document).collect::<Result<_, _>>()?)
        }
        Value::Map(entries) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in entries {
                let Value::Text(k) = k else {
                    return Err(format!("document key is {}, not text", describe(k)));
                };
                obj.insert(k.clone(), to_document(v)?);
            }
            Document::Object(obj)
        }
        other => return Err(format!("a document cannot hold {}", describe(other))),
    })
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Integer(_) => "an integer".into(),
        Value::Bytes(_) => "a byte string".into(),
        Value::Float(_) => "a float".into(),
        Value::Text(_) => "a text string".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Null => "null".into(),
        Value::Tag(t, _) => format!("tag {t}"),
        Value::Array(_) => "an array".into(),
        Value::Map(_) => "a map".into(),
        _ => "an unsupported item".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12: input decides the depth, so it is bounded with a typed error.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for unit in [&[0x81u8][..], &[0x9f], &[0xa1, 0x61, 0x6b], &[0xc1]] {
            let body = unit.repeat(200_000);
            assert!(parse(&body, "Out").is_err(), "{unit:?}");
        }
        let mut ok = [0x81u8; 100].to_vec();
        ok.push(0x00);
        assert!(parse(&ok, "Out").is_ok());
    }

    #[test]
    fn bignums_and_decimals() {
        assert_eq!(
            magnitude_to_decimal(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
            "18446744073709551616"
        );
        assert_eq!(add_one_decimal("999"), "1000");
        let dec = Value::Tag(
            4,
            Box::new(Value::Array(vec![
                Value::Integer((-2).into()),
                Value::Integer(27315.into()),
            ])),
        );
        assert_eq!(big_decimal(&dec).as_deref(), Some("273.15"));
        let small = Value::Tag(
            4,
            Box::new(Value::Array(vec![
                Value::Integer((-3).into()),
                Value::Integer((-5).into()),
            ])),
        );
        assert_eq!(big_decimal(&small).as_deref(), Some("-0.005"));
        let neg = Value::Tag(3, Box::new(Value::Bytes(vec![1, 0, 0, 0, 0, 0, 0, 0, 0])));
        assert_eq!(big_integer(&neg).as_deref(), Some("-18446744073709551617"));
    }

    #[test]
    fn timestamps_round_to_microseconds() {
        let t = timestamp(946845296.123).expect("in range");
        assert_eq!((t.secs(), t.subsec_nanos()), (946845296, 123_000_000));
        let t = timestamp(-1.5).expect("in range");
        assert_eq!((t.secs(), t.subsec_nanos()), (-2, 500_000_000));
        assert!(timestamp(f64::NAN).is_none());
        assert!(timestamp(1e300).is_none());
    }
}
