//! JSON bodies for the json and rest-json protocols, driven by the schema.
//!
//! The writer walks a value through [`Ser`] and the reader fills a value
//! through [`De`]; neither knows the value's Rust type. Both follow botocore:
//! members keyed by `locationName` (jsonName) when set, absent members
//! skipped, timestamps as epoch seconds unless the model says otherwise,
//! blobs as base64, non-finite floats as the strings `NaN`, `Infinity`,
//! `-Infinity`, documents verbatim.

use std::cell::Cell;
use std::fmt;

use base64::Engine;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::de::StrRead;
use serde_json::{Error as JsonError, Value as J};

use super::common::{member_by_wire_name, Path};

use super::rest::{parse_timestamp_lenient, timestamp_format};
use super::{DeserializeError, SerializeError};
use crate::schema::{Member, Service, Shape, ShapeId, ShapeKind, StructureShape, TimestampFormat};
use crate::time::DateTime;
use crate::value::{De, DeError, Scalar, Ser, StructSer, ValueRef};

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
        (_, ValueRef::Events(_)) => return Err(mismatch("event stream")),
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
//
// serde_json's deserializer over the body slice is driven by the schema
// through seeds: keys are borrowed from the body unless escaped, members
// found by wire name, scalars set as they are read and unknown members
// skipped (`IgnoredAny`, checked all the same). Nothing builds a tree of
// the body but documents, which are one. serde_json bounds the nesting of
// what is read (128 levels) and skips in a loop, so no input reaches the
// stack's end.
// A key that repeats sets its member again: scalars take the last value,
// lists and maps gather both.

/// Parses a body as JSON; an empty (or blank) body is `None`. For bodies
/// read loosely (error codes and messages); modeled values are read by
/// [`read_struct`] and [`read_payload`].
pub fn parse(body: &[u8], path: &str) -> Result<Option<J>, DeserializeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| DeserializeError::new(path, format!("invalid JSON: {e}")))
}

/// Reads a JSON body into structure `shape`: the members `keep` accepts;
/// unknown keys and nulls are skipped and a blank body is no value. With
/// `non_object_ok` (error bodies), well-formed JSON that is not an object
/// reads as nothing too.
pub fn read_struct(
    service: &Service,
    shape: ShapeId,
    body: &[u8],
    out: &mut dyn De,
    keep: &dyn Fn(&Member) -> bool,
    non_object_ok: bool,
) -> Result<(), DeserializeError> {
    let name = service.shape(shape).name;
    let Some(first) = body.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(());
    };
    let member = Member {
        name: "",
        target: shape,
        ..Member::DEFAULT
    };
    let path = Path::Root(name);
    run(service, body, name, |cx, de| {
        if non_object_ok && *first != b'{' {
            return de::IgnoredAny::deserialize(de).map(drop);
        }
        let seed = Value {
            cx,
            member: &member,
            out,
            path: &path,
            keep: Some(keep),
        };
        seed.deserialize(de)
    })
}

/// Reads a JSON body that is the whole value of member `index` of structure
/// `shape` (a rest-json payload) into that member of `out`; a blank body or
/// `null` leaves it absent.
pub fn read_payload(
    service: &Service,
    shape: ShapeId,
    index: usize,
    body: &[u8],
    out: &mut dyn De,
) -> Result<(), DeserializeError> {
    let s = service.shape(shape);
    let Some(member) = s.structure().and_then(|st| st.members.get(index)) else {
        return Err(DeserializeError::new(s.name, "no payload member"));
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let root = Path::Root(s.name);
    let path = Path::Member(&root, member.name);
    let root_name = path.render();
    run(service, body, &root_name, |cx, de| {
        let seed = Present {
            cx,
            member,
            parent: out,
            slot: Slot::Member(index),
            path: &path,
        };
        seed.deserialize(de).map(drop)
    })
}

/// Writes an event's payload: structure `shape` without its `eventheader`
/// members, or its member `payload` alone.
pub fn write_event(
    service: &Service,
    shape: ShapeId,
    payload: Option<usize>,
    value: &dyn Ser,
) -> Result<(bytes::Bytes, &'static str), SerializeError> {
    let s = service.shape(shape);
    let (Some(st), ValueRef::Struct(fields)) = (s.structure(), value.value()) else {
        return Err(SerializeError::new(s.name, "", "an event is a structure"));
    };
    let text = match payload.and_then(|i| Some((i, st.members.get(i)?))) {
        Some((i, m)) => match fields.member(i) {
            Some(v) => to_string(service, m.target, v)?,
            None => String::new(),
        },
        None => {
            let mut out = String::new();
            write_struct(&mut out, service, shape, fields, &|m| !m.event_header)?;
            out
        }
    };
    Ok((text.into(), "application/json"))
}

/// Reads an event-stream message's payload: the whole structure `shape`,
/// or its member `payload` alone.
pub fn read_event(
    service: &Service,
    shape: ShapeId,
    payload: Option<usize>,
    body: &[u8],
    out: &mut dyn De,
) -> Result<(), DeserializeError> {
    match payload {
        Some(i) => read_payload(service, shape, i, body, out),
        None => read_struct(service, shape, body, out, &|_| true, false),
    }
}

/// Reads a value of `shape` from any self-describing serde format into
/// `out`, with the JSON reader's rules (what the `serde` feature of
/// generated crates uses, through [`crate::serde_shape`]); the error names
/// where the data does not fit.
pub fn read_from<'de, D: Deserializer<'de>>(
    service: &Service,
    shape: ShapeId,
    deserializer: D,
    out: &mut dyn De,
) -> Result<(), D::Error> {
    let cx = Cx {
        service,
        error: Cell::new(None),
    };
    let member = Member {
        name: "",
        target: shape,
        ..Member::DEFAULT
    };
    let path = Path::Root(service.shape(shape).name);
    let seed = Value {
        cx: &cx,
        member: &member,
        out,
        path: &path,
        keep: None,
    };
    seed.deserialize(deserializer)
        .map_err(|e| match cx.error.take() {
            Some(error) => de::Error::custom(error),
            None => e,
        })
}

/// Runs `read` over `body` and turns its failure into the error: the one
/// the schema side recorded, else serde_json's, at `root`.
fn run(
    service: &Service,
    body: &[u8],
    root: &str,
    read: impl FnOnce(&Cx<'_>, &mut serde_json::Deserializer<StrRead<'_>>) -> Result<(), JsonError>,
) -> Result<(), DeserializeError> {
    let cx = Cx {
        service,
        error: Cell::new(None),
    };
    // Checked whole first, as botocore decodes the body before parsing it:
    // serde_json checks only the strings it reads, not those it skips.
    let text = std::str::from_utf8(body)
        .map_err(|e| DeserializeError::new(root, format!("invalid JSON: {e}")))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let result = read(&cx, &mut de).and_then(|()| de.end());
    match (result, cx.error.take()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(e)) => Err(*e),
        (Err(e), None) => Err(DeserializeError::new(root, format!("invalid JSON: {e}"))),
    }
}

/// What every seed of one read shares.
struct Cx<'s> {
    service: &'s Service,
    /// Why the schema side stopped: serde_json only carries its own errors,
    /// so a seed records the typed one here and returns a bare marker.
    error: Cell<Option<Box<DeserializeError>>>,
}

impl Cx<'_> {
    #[cold]
    fn fail<E: de::Error>(&self, error: DeserializeError) -> E {
        self.error.set(Some(Box::new(error)));
        E::custom("the body does not fit the schema")
    }

    #[cold]
    fn refused<E: de::Error>(&self, path: &Path<'_>, e: DeError) -> E {
        self.fail(DeserializeError::value(path.render(), e))
    }
}

/// A map key, borrowed from the body unless it has escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Skips a value; `true` when it was `null`.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        struct NullVisitor;
        impl<'de> Visitor<'de> for NullVisitor {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_none<E: de::Error>(self) -> Result<bool, E> {
                Ok(true)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
                de::IgnoredAny::deserialize(d).map(|_| false)
            }
        }
        d.deserialize_option(NullVisitor)
    }
}

/// Where a value that is not `null` goes in its parent.
enum Slot<'k> {
    Member(usize),
    Item,
    Entry(&'k str),
}

/// A structure member, list item or map value: `null` leaves it out (the
/// parent's slot is not made); anything else is read into the slot.
/// `true` when it was not `null`.
struct Present<'c, 'p> {
    cx: &'c Cx<'c>,
    member: &'c Member,
    parent: &'p mut dyn De,
    slot: Slot<'p>,
    path: &'p Path<'p>,
}

impl<'de> DeserializeSeed<'de> for Present<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Present<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        let slot = match self.slot {
            Slot::Member(i) => self.parent.member(i),
            Slot::Item => self.parent.push(),
            Slot::Entry(k) => self.parent.entry(k.to_owned()),
        };
        let out = slot.map_err(|e| self.cx.refused(self.path, e))?;
        let seed = Value {
            cx: self.cx,
            member: self.member,
            out,
            path: self.path,
            keep: None,
        };
        seed.deserialize(d).map(|()| true)
    }
}

/// A value of `member`'s target shape, read into `out`.
struct Value<'c, 'p> {
    cx: &'c Cx<'c>,
    member: &'c Member,
    out: &'p mut dyn De,
    path: &'p Path<'p>,
    /// The members a structure reads (all when `None`).
    keep: Option<&'p dyn Fn(&Member) -> bool>,
}

impl<'de> DeserializeSeed<'de> for Value<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let target = self.cx.service.shape(self.member.target);
        if let ShapeKind::Structure(st) = &target.kind {
            if st.document {
                let doc = J::deserialize(d)?;
                return self.set(Scalar::Document(doc));
            }
        }
        d.deserialize_any(self)
    }
}

impl Value<'_, '_> {
    fn shape(&self) -> &'static Shape {
        self.cx.service.shape(self.member.target)
    }

    fn set<E: de::Error>(self, scalar: Scalar) -> Result<(), E> {
        let (cx, path) = (self.cx, self.path);
        self.out.set(scalar).map_err(|e| cx.refused(path, e))
    }

    /// The value is `found`, which the shape does not take.
    #[cold]
    fn mismatch<E: de::Error>(&self, found: &str) -> E {
        let shape = self.shape();
        let what = match &shape.kind {
            ShapeKind::Structure(_) | ShapeKind::Map { .. } => "an object",
            ShapeKind::List { .. } => "an array",
            ShapeKind::String | ShapeKind::Enum { .. } => "a string",
            ShapeKind::Boolean => "a boolean",
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => {
                "an integer"
            }
            ShapeKind::Float
            | ShapeKind::Double
            | ShapeKind::BigInteger
            | ShapeKind::BigDecimal => "a number",
            ShapeKind::Blob => "a base64 string",
            ShapeKind::Timestamp => "a timestamp",
        };
        let message = format!("expected {what} for shape {}, found {found}", shape.name);
        self.cx
            .fail(DeserializeError::new(self.path.render(), message))
    }

    /// A number, `number` being its JSON form for the kinds that keep it.
    fn number<E: de::Error>(self, int: Option<i64>, number: serde_json::Number) -> Result<(), E> {
        let scalar = match &self.shape().kind {
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => {
                match int {
                    Some(i) => Scalar::Int(i),
                    None => return Err(self.mismatch("a number that is not an integer")),
                }
            }
            ShapeKind::Float | ShapeKind::Double => match number.as_f64() {
                Some(f) => Scalar::Float(f),
                None => return Err(self.mismatch("a number")),
            },
            ShapeKind::BigInteger | ShapeKind::BigDecimal => Scalar::Str(number.to_string()),
            ShapeKind::Timestamp => match epoch_from_number(&number) {
                Some(t) => Scalar::Timestamp(t),
                None => return Err(self.mismatch("a number out of range")),
            },
            _ => return Err(self.mismatch("a number")),
        };
        self.set(scalar)
    }

    /// The members of a structure, in the body's order.
    fn structure<'de, A: MapAccess<'de>>(
        self,
        st: &'static StructureShape,
        mut map: A,
    ) -> Result<(), A::Error> {
        let Value {
            cx,
            out,
            path,
            keep,
            ..
        } = self;
        let shape = cx.service.shape(self.member.target);
        out.init();
        // A union's members present (not null), for botocore's count.
        let mut present: Vec<Key<'de>> = Vec::new();
        let mut next = 0;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let found = member_by_wire_name(st, key.as_str(), next)
                .filter(|(_, m)| keep.is_none_or(|keep| keep(m)));
            let set = match found {
                Some((i, member)) => {
                    next = i + 1;
                    let here = Path::Member(path, member.name);
                    map.next_value_seed(Present {
                        cx,
                        member,
                        parent: &mut *out,
                        slot: Slot::Member(i),
                        path: &here,
                    })?
                }
                None => !map.next_value_seed(Skip)?,
            };
            if st.union && set && !present.iter().any(|k| k.as_str() == key.as_str()) {
                present.push(key);
            }
        }
        if !st.union {
            return Ok(());
        }
        let known = |k: &str| st.members.iter().any(|m| m.wire_name() == k);
        let keys = present.iter().map(Key::as_str);
        match super::common::union_tag(shape.name, "", keys, known) {
            Ok(None) => Ok(()),
            Ok(Some(tag)) => out
                .unknown_member(tag.to_owned())
                .map_err(|e| cx.refused(path, e)),
            Err(mut e) => {
                e.path = path.render();
                Err(cx.fail(e))
            }
        }
    }
}

impl<'de> Visitor<'de> for Value<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a value of shape {}", self.shape().name)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.mismatch("null"))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        match self.shape().kind {
            ShapeKind::Boolean => self.set(Scalar::Bool(v)),
            _ => Err(self.mismatch("a boolean")),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(Some(v), v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(i64::try_from(v).ok(), v.into())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json reads only finite numbers.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.number(None, n),
            None => Err(self.mismatch("a number")),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if let ShapeKind::Enum { .. } = self.shape().kind {
            let (cx, path) = (self.cx, self.path);
            return self.out.set_str(v).map_err(|e| cx.refused(path, e));
        }
        let scalar = match &self.shape().kind {
            ShapeKind::String
            | ShapeKind::Enum { .. }
            | ShapeKind::BigInteger
            | ShapeKind::BigDecimal => Scalar::Str(v.to_owned()),
            ShapeKind::Float | ShapeKind::Double => Scalar::Float(match v {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                _ => return Err(self.mismatch("a string")),
            }),
            ShapeKind::Blob => match base64::engine::general_purpose::STANDARD.decode(v) {
                Ok(bytes) => Scalar::Blob(bytes.into()),
                Err(_) => {
                    let e = DeserializeError::new(self.path.render(), "invalid base64 blob");
                    return Err(self.cx.fail(e));
                }
            },
            ShapeKind::Timestamp => {
                let format =
                    timestamp_format(self.cx.service, self.member, TimestampFormat::Iso8601);
                match parse_timestamp_lenient(format, v) {
                    Ok(t) => Scalar::Timestamp(t),
                    Err(e) => {
                        let e = DeserializeError::new(self.path.render(), e.to_string());
                        return Err(self.cx.fail(e));
                    }
                }
            }
            _ => return Err(self.mismatch("a string")),
        };
        self.set(scalar)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ShapeKind::List { member: item } = &self.shape().kind else {
            return Err(self.mismatch("an array"));
        };
        let Value { cx, out, path, .. } = self;
        out.init();
        // Null items are skipped, as in maps: a typed list has no place for
        // them, and a made-up default would be a lie.
        for n in 0.. {
            let here = Path::Index(path, n);
            let seed = Present {
                cx,
                member: item,
                parent: &mut *out,
                slot: Slot::Item,
                path: &here,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let shape = self.shape();
        match &shape.kind {
            ShapeKind::Structure(st) => self.structure(st, map),
            ShapeKind::Map { value, .. } => {
                let Value { cx, out, path, .. } = self;
                out.init();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let key = key.as_str();
                    let here = Path::Key(path, key);
                    map.next_value_seed(Present {
                        cx,
                        member: value,
                        parent: &mut *out,
                        slot: Slot::Entry(key),
                        path: &here,
                    })?;
                }
                Ok(())
            }
            _ => Err(self.mismatch("an object")),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12: serde_json's recursion limit (128) bounds what input
    /// decides; skipped members are skipped without recursion.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for unit in ["[", "{\"a\":"] {
            let body = unit.repeat(200_000);
            assert!(parse(body.as_bytes(), "Out").is_err(), "{unit}");
            let body = format!("{{\"unknown\": {body}");
            let mut out = DynValue::Empty;
            assert!(read(body.as_bytes(), &mut out).is_err(), "{unit}");
        }
        // Skipping is a loop in serde_json: any depth, no stack.
        let deep = format!(
            "{{\"unknown\": {}{}}}",
            "[".repeat(200_000),
            "]".repeat(200_000)
        );
        read(deep.as_bytes(), &mut DynValue::Empty).unwrap();
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(ok.as_bytes(), "Out").unwrap().is_some());
        let ok = format!("{{\"unknown\": {ok}}}");
        let mut out = DynValue::Empty;
        read(ok.as_bytes(), &mut out).unwrap();
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
        let mut back = DynValue::Empty;
        read(text.as_bytes(), &mut back).unwrap();
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

    fn read(body: &[u8], out: &mut DynValue) -> Result<(), DeserializeError> {
        *out = DynValue::Empty;
        read_struct(&SERVICE, 0, body, out, &|_| true, false)
    }

    #[test]
    fn errors_carry_a_path() {
        let mut back = DynValue::Empty;
        let err = read(br#"{"When": true}"#, &mut back).unwrap_err();
        assert_eq!(err.path, "Thing.When");
        assert_eq!(
            err.message,
            "expected a timestamp for shape Ts, found a boolean"
        );
        let err = read(br#"{"name": "x", "Ratio": [1]}"#, &mut back).unwrap_err();
        assert_eq!(err.path, "Thing.Ratio");
        // Syntax is checked to the end, after the values that fit.
        let err = read(br#"{"name": "x"} x"#, &mut back).unwrap_err();
        assert_eq!(err.path, "Thing");
        assert!(err.message.starts_with("invalid JSON: trailing"), "{err}");
        let err = read(b"[1]", &mut back).unwrap_err();
        assert_eq!(
            err.message,
            "expected an object for shape Thing, found an array"
        );
    }

    #[test]
    fn nulls_unknown_keys_and_escapes() {
        let mut back = DynValue::Empty;
        let body = br#"{"x": {"deep": [1, {"a": null}]}, "name": "a\u00e9\n", "When": null,
            "Ratio": "-Infinity", "Ratio2": 1}"#;
        read(body, &mut back).unwrap();
        let json = back.to_json(&SERVICE, 0);
        assert_eq!(json["Name"], "a\u{e9}\n");
        assert!(json.get("When").is_none(), "{json}");
        assert_eq!(json["Ratio"], "-Infinity");
        // A key with an escape is still matched.
        read(br#"{"n\u0061me": "b"}"#, &mut back).unwrap();
        assert_eq!(back.to_json(&SERVICE, 0)["Name"], "b");
        // A blank body is no value; an error body need not be an object,
        // but must be JSON.
        read(b" \n", &mut back).unwrap();
        assert_eq!(back, DynValue::Empty);
        read_struct(&SERVICE, 0, b"\"text\"", &mut back, &|_| true, true).unwrap();
        assert!(read_struct(&SERVICE, 0, b"\"text", &mut back, &|_| true, true).is_err());
    }
}
