//! Schema-driven CBOR writer for request bodies.
//!
//! Structures become definite-length maps keyed by member wire names (absent
//! members skipped), timestamps tag 1 around epoch seconds as a float, blobs
//! byte strings, big numbers tags 2/3 (bignum) and 4 (decimal fraction).
//! Integers and floats take the shortest lossless width.

use std::convert::Infallible;

use minicbor::encode::Error as EncodeError;
use minicbor::Encoder;

use crate::document::Document;
use crate::protocol::{SerializeError, SerializeOptions};
use crate::schema::{Service, Shape, ShapeId, ShapeKind, StructureShape};
use crate::value::{Ser, StructSer, ValueRef};

/// One step of the path from the input shape to a value.
#[derive(Clone, Copy)]
enum Step<'p> {
    Root(&'static str),
    Member(&'static str),
    Index(usize),
    Key(&'p str),
}

/// Where a value sits, for errors: the structure and member that hold it,
/// and the path from the input shape (rendered only when an error needs it).
#[derive(Clone, Copy)]
struct At<'p> {
    shape: &'static str,
    member: &'static str,
    step: Step<'p>,
    parent: Option<&'p At<'p>>,
}

impl<'p> At<'p> {
    fn child(&'p self, step: Step<'p>) -> At<'p> {
        At {
            step,
            parent: Some(self),
            ..*self
        }
    }

    fn path(&self) -> String {
        let mut steps = vec![self.step];
        let mut up = self.parent;
        while let Some(at) = up {
            steps.push(at.step);
            up = at.parent;
        }
        let mut out = String::new();
        for step in steps.iter().rev() {
            match step {
                Step::Root(name) => out.push_str(name),
                Step::Member(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
                Step::Key(k) => out.push_str(&format!("[{k:?}]")),
            }
        }
        out
    }

    fn err(&self, message: impl std::fmt::Display) -> SerializeError {
        SerializeError::new(
            self.shape,
            self.member,
            format!("at {}: {message}", self.path()),
        )
    }
}

pub(super) struct Writer<'a> {
    service: &'a Service,
    options: &'a SerializeOptions<'a>,
    enc: Encoder<Vec<u8>>,
}

/// Writing to a `Vec` cannot fail; the encoder's results still carry an error type.
fn written<T>(result: Result<T, EncodeError<Infallible>>) -> Result<(), SerializeError> {
    result
        .map(|_| ())
        .map_err(|e| SerializeError::new("", "", format!("writing CBOR: {e}")))
}

impl<'a> Writer<'a> {
    pub(super) fn new(service: &'a Service, options: &'a SerializeOptions<'a>) -> Writer<'a> {
        Writer {
            service,
            options,
            enc: Encoder::new(Vec::new()),
        }
    }

    pub(super) fn finish(self) -> Vec<u8> {
        self.enc.into_writer()
    }

    /// Writes the input structure `shape`; `None` is an empty input.
    pub(super) fn input(
        &mut self,
        shape: ShapeId,
        input: Option<&dyn Ser>,
    ) -> Result<(), SerializeError> {
        let s = self.service.shape(shape);
        let at = At {
            shape: s.name,
            member: "",
            step: Step::Root(s.name),
            parent: None,
        };
        match input {
            Some(v) => self.value(shape, v, at),
            None => match &s.kind {
                ShapeKind::Structure(st) if !st.document => self.structure(s, st, &NoMembers, at),
                _ => Err(at.err("input is missing")),
            },
        }
    }

    fn text(&mut self, s: &str) -> Result<(), SerializeError> {
        written(self.enc.str(s))
    }

    fn bytes(&mut self, b: &[u8]) -> Result<(), SerializeError> {
        written(self.enc.bytes(b))
    }

    fn int(&mut self, i: i64) -> Result<(), SerializeError> {
        written(self.enc.i64(i))
    }

    fn array(&mut self, len: usize) -> Result<(), SerializeError> {
        written(self.enc.array(len as u64))
    }

    fn map(&mut self, len: usize) -> Result<(), SerializeError> {
        written(self.enc.map(len as u64))
    }

    fn tag(&mut self, tag: u64) -> Result<(), SerializeError> {
        written(self.enc.tag(minicbor::data::Tag::new(tag)))
    }

    fn bool(&mut self, b: bool) -> Result<(), SerializeError> {
        written(self.enc.bool(b))
    }

    /// A float at the shortest width that keeps its bits: half, single or double.
    fn float(&mut self, f: f64) -> Result<(), SerializeError> {
        let half = half::f16::from_f64(f);
        if f64::from(half).to_bits() == f.to_bits() {
            let [hi, lo] = half.to_be_bytes();
            self.enc.writer_mut().extend_from_slice(&[0xf9, hi, lo]);
            return Ok(());
        }
        let single = f as f32;
        if f64::from(single).to_bits() == f.to_bits() {
            written(self.enc.f32(single))
        } else {
            written(self.enc.f64(f))
        }
    }

    fn value(&mut self, id: ShapeId, v: &dyn Ser, at: At<'_>) -> Result<(), SerializeError> {
        let shape = self.service.shape(id);
        match (&shape.kind, v.value()) {
            (ShapeKind::Structure(st), ValueRef::Document(d)) if st.document => {
                self.document(d, at)
            }
            (ShapeKind::Structure(st), ValueRef::Struct(s)) if !st.document => {
                self.structure(shape, st, s, at)
            }
            (ShapeKind::List { member }, ValueRef::List(items)) => {
                self.array(items.len())?;
                for i in 0..items.len() {
                    self.value(member.target, items.get(i), at.child(Step::Index(i)))?;
                }
                Ok(())
            }
            (ShapeKind::Map { key, value }, ValueRef::Map(entries)) => {
                self.map(entries.len())?;
                // `for_each` takes a closure: keep the first error and skip the rest.
                let mut result = Ok(());
                entries.for_each(&mut |k, v| {
                    if result.is_err() {
                        return;
                    }
                    let at = at.child(Step::Key(k));
                    result = self
                        .map_key(key.target, k, at)
                        .and_then(|()| self.value(value.target, v, at));
                });
                result
            }
            (ShapeKind::String | ShapeKind::Enum { .. }, ValueRef::Str(s)) => self.text(s),
            (ShapeKind::Boolean, ValueRef::Bool(b)) => self.bool(b),
            (
                ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
                ValueRef::Int(i),
            ) => self.int(i),
            (ShapeKind::Float, ValueRef::Float(f)) => {
                // A float member travels as binary32 when that keeps its value
                // (or its non-finiteness); otherwise the full double is sent.
                let narrow = f as f32 as f64;
                let f = if narrow.is_finite() || !f.is_finite() {
                    narrow
                } else {
                    f
                };
                self.float(f)
            }
            (ShapeKind::Double, ValueRef::Float(f)) => self.float(f),
            (ShapeKind::Float | ShapeKind::Double, ValueRef::Int(i)) => self.float(i as f64),
            (ShapeKind::BigInteger, ValueRef::Int(i)) => self.int(i),
            (ShapeKind::BigInteger, ValueRef::Str(s)) => self.big_integer(s, at),
            (ShapeKind::BigDecimal, ValueRef::Str(s)) => self.big_decimal(s, at),
            (ShapeKind::BigDecimal, ValueRef::Int(i)) => self.big_decimal(&i.to_string(), at),
            (ShapeKind::BigDecimal, ValueRef::Float(f)) if f.is_finite() => {
                self.big_decimal(&f.to_string(), at)
            }
            (ShapeKind::Blob, ValueRef::Blob(b)) => self.bytes(b),
            // boto3 takes text for blobs and sends its UTF-8 bytes.
            (ShapeKind::Blob, ValueRef::Str(s)) => self.bytes(s.as_bytes()),
            (ShapeKind::Timestamp, ValueRef::Timestamp(t)) => {
                self.tag(1)?;
                self.float(t.as_secs_f64())
            }
            (kind, v) => Err(at.err(format!(
                "shape {} ({}) cannot hold a {}",
                shape.name,
                kind_name(kind),
                value_name(&v)
            ))),
        }
    }

    fn map_key(&mut self, key: ShapeId, k: &str, at: At<'_>) -> Result<(), SerializeError> {
        match self.service.shape(key).kind {
            ShapeKind::String | ShapeKind::Enum { .. } => self.text(k),
            ref other => Err(at.err(format!(
                "map key shape {} is {}, not a string",
                self.service.shape(key).name,
                kind_name(other)
            ))),
        }
    }

    fn structure(
        &mut self,
        shape: &'static Shape,
        st: &StructureShape,
        value: &dyn StructSer,
        at: At<'_>,
    ) -> Result<(), SerializeError> {
        let token_shape = |m: &crate::schema::Member| {
            m.idempotency_token && matches!(self.service.shape(m.target).kind, ShapeKind::String)
        };
        let count = st
            .members
            .iter()
            .enumerate()
            .filter(|&(i, m)| value.member(i).is_some() || token_shape(m))
            .count();
        if st.union && count != 1 {
            return Err(at.err(format!(
                "union {} must have exactly one member set, found {count}",
                shape.name
            )));
        }
        self.map(count)?;
        for (i, m) in st.members.iter().enumerate() {
            let inner = At {
                shape: shape.name,
                member: m.name,
                step: Step::Member(m.name),
                parent: Some(&at),
            };
            match value.member(i) {
                Some(v) => {
                    self.text(m.wire_name())?;
                    self.value(m.target, v, inner)?;
                }
                None if token_shape(m) => {
                    self.text(m.wire_name())?;
                    let token = (self.options.idempotency_token)();
                    self.text(&token)?;
                }
                None => {}
            }
        }
        Ok(())
    }

    /// A document as the natural CBOR data model of its JSON value.
    fn document(&mut self, d: &Document, at: At<'_>) -> Result<(), SerializeError> {
        match d {
            Document::Null => written(self.enc.null()),
            Document::Bool(b) => self.bool(*b),
            Document::Number(n) => {
                if let Some(u) = n.as_u64() {
                    written(self.enc.u64(u))
                } else if let Some(i) = n.as_i64() {
                    self.int(i)
                } else {
                    match n.as_f64() {
                        Some(f) => self.float(f),
                        None => Err(at.err(format!("document number {n} is not representable"))),
                    }
                }
            }
            Document::String(s) => self.text(s),
            Document::Array(items) => {
                self.array(items.len())?;
                items.iter().try_for_each(|v| self.document(v, at))
            }
            Document::Object(obj) => {
                self.map(obj.len())?;
                for (k, v) in obj {
                    self.text(k)?;
                    self.document(v, at)?;
                }
                Ok(())
            }
        }
    }

    /// An integer of any size: a CBOR integer when it fits 64 bits, else a
    /// bignum (tag 2 for n >= 0, tag 3 holding -1 - n otherwise).
    fn big_integer(&mut self, s: &str, at: At<'_>) -> Result<(), SerializeError> {
        let (negative, digits) = match s.trim().strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, s.trim().trim_start_matches('+')),
        };
        let magnitude =
            parse_magnitude(digits).ok_or_else(|| at.err(format!("{s:?} is not an integer")))?;
        self.big(negative, magnitude)
    }

    fn big(&mut self, negative: bool, magnitude: Vec<u8>) -> Result<(), SerializeError> {
        // magnitude: big-endian, no leading zeros.
        let mut m = magnitude;
        if negative {
            if m.is_empty() {
                return written(self.enc.u64(0)); // -0
            }
            decrement(&mut m);
        }
        if m.len() <= 8 {
            let n = m.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
            // Negative: `n` is |x| - 1 (decremented above), the argument CBOR stores.
            return written(if negative {
                self.enc.int(
                    minicbor::data::Int::try_from(-1 - i128::from(n))
                        .map_err(|e| SerializeError::new("", "", format!("writing CBOR: {e}")))?,
                )
            } else {
                self.enc.u64(n)
            });
        }
        self.tag(if negative { 3 } else { 2 })?;
        self.bytes(&m)
    }

    /// A decimal as tag 4 `[exponent, mantissa]` (base 10).
    fn big_decimal(&mut self, s: &str, at: At<'_>) -> Result<(), SerializeError> {
        let bad = || at.err(format!("{s:?} is not a decimal number"));
        let t = s.trim();
        let (num, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i64>().map_err(|_| bad())?),
            None => (t, 0),
        };
        let (negative, num) = match num.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, num.trim_start_matches('+')),
        };
        let (int_part, frac) = num.split_once('.').unwrap_or((num, ""));
        if int_part.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let digits = format!("{int_part}{frac}");
        let magnitude = parse_magnitude(&digits).ok_or_else(bad)?;
        let exponent = exp.checked_sub(frac.len() as i64).ok_or_else(bad)?;
        self.tag(4)?;
        self.array(2)?;
        self.int(exponent)?;
        self.big(negative, magnitude)
    }
}

/// Decimal digits to a big-endian magnitude without leading zero bytes.
fn parse_magnitude(digits: &str) -> Option<Vec<u8>> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        // out = out * 10 + d
        let mut carry = (d - b'0') as u32;
        for byte in out.iter_mut().rev() {
            let v = *byte as u32 * 10 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, carry as u8);
            carry >>= 8;
        }
    }
    Some(out)
}

/// Subtracts one from a non-zero big-endian magnitude, trimming a leading zero.
fn decrement(m: &mut Vec<u8>) {
    for byte in m.iter_mut().rev() {
        if *byte == 0 {
            *byte = 0xff;
        } else {
            *byte -= 1;
            break;
        }
    }
    while m.first() == Some(&0) {
        m.remove(0);
    }
}

struct NoMembers;

impl StructSer for NoMembers {
    fn member(&self, _: usize) -> Option<&dyn Ser> {
        None
    }
}

pub(super) fn kind_name(kind: &ShapeKind) -> &'static str {
    match kind {
        ShapeKind::Structure(s) if s.document => "document",
        ShapeKind::Structure(s) if s.union => "union",
        ShapeKind::Structure(_) => "structure",
        ShapeKind::List { .. } => "list",
        ShapeKind::Map { .. } => "map",
        ShapeKind::String => "string",
        ShapeKind::Enum { .. } => "enum",
        ShapeKind::Boolean => "boolean",
        ShapeKind::Byte => "byte",
        ShapeKind::Short => "short",
        ShapeKind::Integer => "integer",
        ShapeKind::Long => "long",
        ShapeKind::Float => "float",
        ShapeKind::Double => "double",
        ShapeKind::BigInteger => "bigInteger",
        ShapeKind::BigDecimal => "bigDecimal",
        ShapeKind::Blob => "blob",
        ShapeKind::Timestamp => "timestamp",
    }
}

fn value_name(v: &ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Bool(_) => "boolean",
        ValueRef::Int(_) => "integer",
        ValueRef::Float(_) => "float",
        ValueRef::Str(_) => "string",
        ValueRef::Blob(_) => "blob",
        ValueRef::Stream(_) => "stream",
        ValueRef::Events(_) => "event stream",
        ValueRef::Timestamp(_) => "timestamp",
        ValueRef::Document(_) => "document",
        ValueRef::Struct(_) => "structure",
        ValueRef::List(_) => "list",
        ValueRef::Map(_) => "map",
    }
}
