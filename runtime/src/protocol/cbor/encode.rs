//! Schema-driven CBOR writer for request bodies.
//!
//! Structures become definite-length maps keyed by member wire names (absent
//! members skipped), timestamps tag 1 around epoch seconds as a float, blobs
//! byte strings, big numbers tags 2/3 (bignum) and 4 (decimal fraction).
//! ciborium-ll picks the shortest lossless width for integers and floats.

use ciborium_ll::{Encoder, Header};

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
    buf: Vec<u8>,
}

/// Writing to a `Vec` cannot fail; the error type is still `io::Error`.
fn io(e: std::io::Error) -> SerializeError {
    SerializeError::new("", "", format!("writing CBOR: {e}"))
}

impl<'a> Writer<'a> {
    pub(super) fn new(service: &'a Service, options: &'a SerializeOptions<'a>) -> Writer<'a> {
        Writer {
            service,
            options,
            buf: Vec::new(),
        }
    }

    pub(super) fn finish(self) -> Vec<u8> {
        self.buf
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

    fn enc(&mut self) -> Encoder<&mut Vec<u8>> {
        Encoder::from(&mut self.buf)
    }

    fn push(&mut self, h: Header) -> Result<(), SerializeError> {
        self.enc().push(h).map_err(io)
    }

    fn text(&mut self, s: &str) -> Result<(), SerializeError> {
        self.enc().text(s, None).map_err(io)
    }

    fn bytes(&mut self, b: &[u8]) -> Result<(), SerializeError> {
        self.enc().bytes(b, None).map_err(io)
    }

    fn int(&mut self, i: i64) -> Result<(), SerializeError> {
        self.push(if i >= 0 {
            Header::Positive(i as u64)
        } else {
            // CBOR stores -1 - n for negative n: for i64, !i == -1 - i, never overflows.
            Header::Negative(!i as u64)
        })
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
                self.push(Header::Array(Some(items.len())))?;
                for i in 0..items.len() {
                    self.value(member.target, items.get(i), at.child(Step::Index(i)))?;
                }
                Ok(())
            }
            (ShapeKind::Map { key, value }, ValueRef::Map(entries)) => {
                self.push(Header::Map(Some(entries.len())))?;
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
            (ShapeKind::Boolean, ValueRef::Bool(b)) => {
                self.push(Header::Simple(if b { 21 } else { 20 }))
            }
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
                self.push(Header::Float(f))
            }
            (ShapeKind::Double, ValueRef::Float(f)) => self.push(Header::Float(f)),
            (ShapeKind::Float | ShapeKind::Double, ValueRef::Int(i)) => {
                self.push(Header::Float(i as f64))
            }
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
                self.push(Header::Tag(1))?;
                self.push(Header::Float(t.as_secs_f64()))
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
        self.push(Header::Map(Some(count)))?;
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
            Document::Null => self.push(Header::Simple(22)),
            Document::Bool(b) => self.push(Header::Simple(if *b { 21 } else { 20 })),
            Document::Number(n) => {
                if let Some(u) = n.as_u64() {
                    self.push(Header::Positive(u))
                } else if let Some(i) = n.as_i64() {
                    self.int(i)
                } else {
                    match n.as_f64() {
                        Some(f) => self.push(Header::Float(f)),
                        None => Err(at.err(format!("document number {n} is not representable"))),
                    }
                }
            }
            Document::String(s) => self.text(s),
            Document::Array(items) => {
                self.push(Header::Array(Some(items.len())))?;
                items.iter().try_for_each(|v| self.document(v, at))
            }
            Document::Object(obj) => {
                self.push(Header::Map(Some(obj.len())))?;
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
                return self.push(Header::Positive(0)); // -0
            }
            decrement(&mut m);
        }
        if m.len() <= 8 {
            let n = m.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
            return self.push(if negative {
                Header::Negative(n)
            } else {
                Header::Positive(n)
            });
        }
        self.push(Header::Tag(if negative { 3 } else { 2 }))?;
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
        self.push(Header::Tag(4))?;
        self.push(Header::Array(Some(2)))?;
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
        ValueRef::Timestamp(_) => "timestamp",
        ValueRef::Document(_) => "document",
        ValueRef::Struct(_) => "structure",
        ValueRef::List(_) => "list",
        ValueRef::Map(_) => "map",
    }
}
