//! Schema-driven reading of a CBOR body straight into a [`De`].
//!
//! A pull decoder over the body slice (`minicbor::Decoder`) is driven by the
//! schema: keys are borrowed from the body and compared with member wire
//! names, scalars set as they are read, unknown members skipped (and checked
//! all the same). Nulls leave a member or map entry absent and a list slot
//! unset. Nothing builds a tree of the body.
//!
//! What is accepted is what the ciborium tree this replaced accepted:
//! definite and indefinite lengths, every integer and float width (half
//! precision too), bignums (tags 2 and 3) read as integers when they fit,
//! tag 1 times, tag 4 decimal fractions, and at most [`MAX_DEPTH`] maps,
//! arrays and tags open at once, counted here (skipped values and documents
//! included), so no input reaches the stack's end. A body that is not
//! well-formed CBOR is an error at the root wherever reading stopped: when the
//! reader fails, the whole body is checked first and its fault wins.
//! Two corners differ from ciborium, both towards RFC 8949: an indefinite
//! string nested in another is refused (ciborium took it), and a tag-3
//! bignum of at most 16 bytes beyond `i128` is read (ciborium failed).

use std::borrow::Cow;
use std::fmt::{self, Write};

use minicbor::data::Type;
use minicbor::Decoder;

use crate::document::Document;
use crate::protocol::common::{member_by_wire_name, Path};
use crate::protocol::DeserializeError;
use crate::schema::{Service, Shape, ShapeId, ShapeKind, StructureShape};
use crate::time::DateTime;
use crate::value::{De, DeError, Scalar};

/// Maps, arrays and tags open at once (ciborium's recursion limit, kept).
/// Each level is one small frame of the reader, a document or a skip.
const MAX_DEPTH: usize = 256;

/// Decodes `body` as shape `shape` into `out`; `root` names the shape in
/// error paths (`Output.items[3].name`).
pub(super) fn read(
    service: &Service,
    shape: ShapeId,
    body: &[u8],
    root: &str,
    out: &mut dyn De,
) -> Result<(), DeserializeError> {
    let mut reader = Reader {
        service,
        d: Decoder::new(body),
        open: Vec::new(),
    };
    let path = Path::Root(root);
    match reader.body(shape, out, &path) {
        Ok(()) => trailing(body, reader.d.position(), root),
        Err(stop) => {
            // A malformed body says so, wherever the reader stopped.
            check(body, root)?;
            Err(match stop {
                Stop::Shape(e) => *e,
                Stop::Cbor => DeserializeError::new(root, "invalid CBOR"),
            })
        }
    }
}

/// Checks that `body` is exactly one well-formed CBOR data item, nested at
/// most [`MAX_DEPTH`] deep.
pub(super) fn check(body: &[u8], path: &str) -> Result<(), DeserializeError> {
    let mut d = Decoder::new(body);
    skip(&mut d, 0, &mut Vec::new())
        .map_err(|e| DeserializeError::new(path, format!("invalid CBOR: {e}")))?;
    trailing(body, d.position(), path)
}

fn trailing(body: &[u8], position: usize, path: &str) -> Result<(), DeserializeError> {
    match body.len().saturating_sub(position) {
        0 => Ok(()),
        rest => Err(DeserializeError::new(
            path,
            format!("{rest} bytes of trailing data after the CBOR body"),
        )),
    }
}

/// The text values of `keys` in a body that is one CBOR map: for each key,
/// its first entry's value when that is text. `None` when the body is not
/// well-formed CBOR; all `None` when it is not a map.
pub(super) fn texts<const N: usize>(body: &[u8], keys: [&str; N]) -> Option<[Option<String>; N]> {
    check(body, "").ok()?;
    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut seen = [false; N];
    let mut open = Vec::new();
    let mut d = Decoder::new(body);
    if peek(&d).ok()? != Item::Map {
        return Some(found);
    }
    let mut left = d.map().ok()?;
    while more(&mut d, &mut left).ok()? {
        let slot = match key(&mut d).ok()? {
            Some(k) => keys
                .iter()
                .zip(seen.iter_mut())
                .zip(found.iter_mut())
                .find(|((want, seen), _)| !**seen && **want == k.as_ref())
                .map(|((_, seen), slot)| {
                    *seen = true;
                    slot
                }),
            None => {
                skip(&mut d, 1, &mut open).ok()?;
                None
            }
        };
        match slot {
            Some(slot) => match text(&mut d).ok()? {
                Some(t) => *slot = Some(t),
                None => skip(&mut d, 1, &mut open).ok()?,
            },
            None => skip(&mut d, 1, &mut open).ok()?,
        }
    }
    Some(found)
}

// ---- the well-formedness rules ----

/// Why a body is not one well-formed CBOR data item (small: results of it
/// sit in every frame of the reader).
#[derive(Debug)]
enum Malformed {
    Decode(Box<minicbor::decode::Error>),
    TooDeep,
    Break,
    Simple(u8),
    Reserved(u8),
}

impl From<minicbor::decode::Error> for Malformed {
    fn from(e: minicbor::decode::Error) -> Malformed {
        Malformed::Decode(Box::new(e))
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::Decode(e) => write!(f, "{e}"),
            Malformed::TooDeep => write!(f, "items nested more than {MAX_DEPTH} deep"),
            Malformed::Break => f.write_str("a break outside an indefinite-length item"),
            Malformed::Simple(n) => write!(f, "unknown simple value {n}"),
            Malformed::Reserved(b) => write!(f, "reserved initial byte {b:#04x}"),
        }
    }
}

/// One more map, array or tag open.
fn enter(depth: usize) -> Result<usize, Malformed> {
    if depth >= MAX_DEPTH {
        Err(Malformed::TooDeep)
    } else {
        Ok(depth + 1)
    }
}

/// The next item as the decoded tree saw it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Item {
    Int,
    Bytes,
    BytesIndef,
    Text,
    TextIndef,
    Float,
    Bool,
    /// Null or undefined.
    Null,
    Tag,
    Array,
    Map,
    Break,
    /// An unknown simple value or a reserved initial byte.
    Other,
}

// The byte-level helpers below are the hot path: inlined when optimized,
// and not in unoptimized builds, where inlining grows the frames of the
// recursive reader (each level of nesting costs one of them).

/// The initial byte of the next item.
#[cfg_attr(not(debug_assertions), inline(always))]
fn initial(d: &Decoder<'_>) -> Result<u8, Malformed> {
    d.input()
        .get(d.position())
        .copied()
        .ok_or_else(|| minicbor::decode::Error::end_of_input().into())
}

/// Steps over `n` bytes already looked at.
#[cfg_attr(not(debug_assertions), inline(always))]
fn advance(d: &mut Decoder<'_>, n: usize) {
    d.set_position(d.position().saturating_add(n));
}

/// The item each initial byte starts; `f8` (a simple value in the next
/// byte) is looked at further.
const fn item_of(b: u8) -> Item {
    match b {
        0x00..=0x1b | 0x20..=0x3b => Item::Int,
        0x40..=0x5b => Item::Bytes,
        0x5f => Item::BytesIndef,
        0x60..=0x7b => Item::Text,
        0x7f => Item::TextIndef,
        0x80..=0x9b | 0x9f => Item::Array,
        0xa0..=0xbb | 0xbf => Item::Map,
        0xc0..=0xdb => Item::Tag,
        0xf4 | 0xf5 => Item::Bool,
        0xf6 | 0xf7 => Item::Null,
        0xf9..=0xfb => Item::Float,
        0xff => Item::Break,
        _ => Item::Other,
    }
}

static ITEMS: [Item; 256] = {
    let mut table = [Item::Other; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::indexing_slicing)] // b < 256, at compile time
        {
            table[b] = item_of(b as u8);
        }
        b += 1;
    }
    table
};

#[cfg_attr(not(debug_assertions), inline(always))]
fn peek(d: &Decoder<'_>) -> Result<Item, Malformed> {
    let b = initial(d)?;
    if b != 0xf8 {
        return Ok(ITEMS.get(usize::from(b)).copied().unwrap_or(Item::Other));
    }
    // `f8 14` is false too, and so on, as ciborium read them.
    match d.input().get(d.position().saturating_add(1)) {
        Some(20 | 21) => Ok(Item::Bool),
        Some(22 | 23) => Ok(Item::Null),
        Some(_) => Ok(Item::Other),
        None => Err(minicbor::decode::Error::end_of_input().into()),
    }
}

/// What the next item is not, for errors.
fn malformed(d: &Decoder<'_>) -> Malformed {
    match d.datatype() {
        Ok(Type::Simple) => match d.clone().simple() {
            Ok(n) => Malformed::Simple(n),
            Err(e) => e.into(),
        },
        Ok(Type::Unknown(b)) => Malformed::Reserved(b),
        Ok(_) => Malformed::Break,
        Err(e) => e.into(),
    }
}

/// A float of any width (peeked to be one); doubles are read in place.
#[cfg_attr(not(debug_assertions), inline(always))]
fn float(d: &mut Decoder<'_>) -> Result<f64, Malformed> {
    let pos = d.position();
    if let Some([0xfb, bytes @ ..]) = d.input().get(pos..pos.saturating_add(9)) {
        if let Ok(bytes) = <[u8; 8]>::try_from(bytes) {
            advance(d, 9);
            return Ok(f64::from_be_bytes(bytes));
        }
    }
    Ok(d.f64()?)
}

/// Consumes a break when one is next.
#[cfg_attr(not(debug_assertions), inline(always))]
fn end(d: &mut Decoder<'_>) -> Result<bool, Malformed> {
    if initial(d)? == 0xff {
        advance(d, 1);
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Whether another element follows, counting down a definite length or
/// looking for the break of an indefinite one.
#[cfg_attr(not(debug_assertions), inline(always))]
fn more(d: &mut Decoder<'_>, left: &mut Option<u64>) -> Result<bool, Malformed> {
    match left {
        Some(0) => Ok(false),
        Some(n) => {
            *n -= 1;
            Ok(true)
        }
        None => end(d).map(|at_end| !at_end),
    }
}

fn take_bool(d: &mut Decoder<'_>) -> Result<bool, Malformed> {
    match initial(d)? {
        0xf4 => {
            advance(d, 1);
            Ok(false)
        }
        0xf5 => {
            advance(d, 1);
            Ok(true)
        }
        _ => Ok(d.simple()? == 21),
    }
}

/// Consumes a null (or undefined) when one is next.
#[cfg_attr(not(debug_assertions), inline(always))]
fn take_null(d: &mut Decoder<'_>) -> Result<bool, Malformed> {
    match initial(d)? {
        0xf6 | 0xf7 => advance(d, 1),
        0xf8 if peek(d)? == Item::Null => advance(d, 2),
        _ => return Ok(false),
    }
    Ok(true)
}

/// A container being skipped: its items left, or open until a break (for
/// a map, `key` when a key waits for its value). A tag is a container of one.
#[derive(Clone, Copy)]
enum Open {
    Left(u64),
    Until { map: bool, key: bool },
}

/// Skips one data item inside `depth` open ones, checking it as ciborium's
/// tree did. Iterative: only `open` grows, to at most [`MAX_DEPTH`] entries.
fn skip(d: &mut Decoder<'_>, depth: usize, open: &mut Vec<Open>) -> Result<(), Malformed> {
    open.clear();
    loop {
        match peek(d)? {
            Item::Int => {
                d.int()?;
            }
            Item::Bytes => {
                d.bytes()?;
            }
            Item::BytesIndef => {
                for chunk in d.bytes_iter()? {
                    chunk?;
                }
            }
            Item::Text => {
                d.str()?;
            }
            Item::TextIndef => {
                for chunk in d.str_iter()? {
                    chunk?;
                }
            }
            Item::Float => {
                float(d)?;
            }
            Item::Bool => {
                take_bool(d)?;
            }
            Item::Null => {
                take_null(d)?;
            }
            Item::Array => {
                enter(depth + open.len())?;
                match d.array()? {
                    Some(0) => {}
                    Some(n) => {
                        open.push(Open::Left(n));
                        continue;
                    }
                    None => {
                        open.push(Open::Until {
                            map: false,
                            key: false,
                        });
                        continue;
                    }
                }
            }
            Item::Map => {
                enter(depth + open.len())?;
                match d.map()? {
                    Some(0) => {}
                    Some(n) => {
                        open.push(Open::Left(n.saturating_mul(2)));
                        continue;
                    }
                    None => {
                        open.push(Open::Until {
                            map: true,
                            key: false,
                        });
                        continue;
                    }
                }
            }
            Item::Tag => {
                let tag = d.tag()?.as_u64();
                if small_bignum(d, tag).is_none() {
                    enter(depth + open.len())?;
                    open.push(Open::Left(1));
                }
                continue;
            }
            Item::Break => match open.last() {
                Some(Open::Until { key: false, .. }) => {
                    advance(d, 1);
                    open.pop();
                }
                _ => return Err(malformed(d)),
            },
            Item::Other => return Err(malformed(d)),
        }
        // An item is done: count it in its container, closing each it completes.
        loop {
            match open.last_mut() {
                None => return Ok(()),
                Some(Open::Left(n)) => {
                    *n = n.saturating_sub(1);
                    if *n > 0 {
                        break;
                    }
                    open.pop();
                }
                Some(Open::Until { map, key }) => {
                    if *map {
                        *key = !*key;
                    }
                    break;
                }
            }
        }
    }
}

/// After tag `tag`: ciborium read tag 2 or 3 around a definite byte string
/// of at most 16 bytes as a number, opening no level; its bytes.
fn small_bignum<'b>(d: &Decoder<'b>, tag: u64) -> Option<&'b [u8]> {
    if tag != 2 && tag != 3 {
        return None;
    }
    let mut probe = d.clone();
    if !matches!(initial(&probe).ok()?, 0x40..=0x5b) {
        return None;
    }
    probe.bytes().ok().filter(|b| b.len() <= 16)
}

// ---- values ----

/// An integer as the tree saw one: a CBOR integer, or a small bignum whose
/// value a CBOR integer can hold. Consumes nothing when it is not one.
fn integer(d: &mut Decoder<'_>) -> Result<Option<i128>, Malformed> {
    match peek(d)? {
        Item::Int => Ok(Some(i128::from(d.int()?))),
        Item::Tag => {
            let mut probe = d.clone();
            let tag = probe.tag()?.as_u64();
            let Some(bytes) = small_bignum(&probe, tag) else {
                return Ok(None);
            };
            let n = bytes.iter().fold(0u128, |n, b| (n << 8) | u128::from(*b));
            let Ok(n) = u64::try_from(n) else {
                return Ok(None);
            };
            probe.bytes()?;
            *d = probe;
            // Tag 3 holds -1 - n.
            Ok(Some(if tag == 2 {
                i128::from(n)
            } else {
                -1 - i128::from(n)
            }))
        }
        _ => Ok(None),
    }
}

/// A text string, concatenated when indefinite; consumes nothing otherwise.
fn text(d: &mut Decoder<'_>) -> Result<Option<String>, Malformed> {
    Ok(match peek(d)? {
        Item::Text => Some(d.str()?.to_owned()),
        Item::TextIndef => {
            let mut s = String::new();
            for chunk in d.str_iter()? {
                s.push_str(chunk?);
            }
            Some(s)
        }
        _ => None,
    })
}

/// A map key: borrowed from the body unless indefinite. `None` (and
/// nothing consumed) when the key is not text.
fn key<'b>(d: &mut Decoder<'b>) -> Result<Option<Cow<'b, str>>, Malformed> {
    Ok(match peek(d)? {
        Item::Text => Some(Cow::Borrowed(d.str()?)),
        Item::TextIndef => text(d)?.map(Cow::Owned),
        _ => None,
    })
}

/// A byte string, concatenated when indefinite; consumes nothing otherwise.
fn byte_string<'b>(d: &mut Decoder<'b>) -> Result<Option<Cow<'b, [u8]>>, Malformed> {
    Ok(match peek(d)? {
        Item::Bytes => Some(Cow::Borrowed(d.bytes()?)),
        Item::BytesIndef => {
            let mut b = Vec::new();
            for chunk in d.bytes_iter()? {
                b.extend_from_slice(chunk?);
            }
            Some(Cow::Owned(b))
        }
        _ => None,
    })
}

/// A BigInteger: an integer or a bignum of any size, in decimal.
fn big_integer(d: &mut Decoder<'_>, depth: usize) -> Result<Option<String>, Malformed> {
    if let Some(i) = integer(d)? {
        return Ok(Some(i.to_string()));
    }
    if peek(d)? != Item::Tag {
        return Ok(None);
    }
    let mut probe = d.clone();
    let tag = probe.tag()?.as_u64();
    if tag != 2 && tag != 3 {
        return Ok(None);
    }
    if small_bignum(&probe, tag).is_none() {
        enter(depth)?;
    }
    let Some(bytes) = byte_string(&mut probe)? else {
        return Ok(None);
    };
    *d = probe;
    let n = magnitude_to_decimal(&bytes);
    // Tag 3 holds -1 - n.
    Ok(Some(if tag == 3 {
        format!("-{}", add_one_decimal(&n))
    } else {
        n
    }))
}

/// A BigDecimal: a number, a bignum, or a decimal fraction (tag 4).
fn big_decimal(d: &mut Decoder<'_>, depth: usize) -> Result<Option<String>, Malformed> {
    if let Some(s) = big_integer(d, depth)? {
        return Ok(Some(s));
    }
    match peek(d)? {
        Item::Float => {
            let mut probe = d.clone();
            let f = probe.f64()?;
            if !f.is_finite() {
                return Ok(None);
            }
            *d = probe;
            return Ok(Some(f.to_string()));
        }
        Item::Tag => {}
        _ => return Ok(None),
    }
    let mut probe = d.clone();
    if probe.tag()?.as_u64() != 4 {
        return Ok(None);
    }
    let depth = enter(depth)?;
    if peek(&probe)? != Item::Array {
        return Ok(None);
    }
    let depth = enter(depth)?;
    let len = probe.array()?;
    if !matches!(len, Some(2) | None) {
        return Ok(None);
    }
    let Some(exp) = integer(&mut probe)?.and_then(|e| i64::try_from(e).ok()) else {
        return Ok(None);
    };
    let Some(mantissa) = big_integer(&mut probe, depth)? else {
        return Ok(None);
    };
    if len.is_none() && !end(&mut probe)? {
        return Ok(None);
    }
    *d = probe;
    Ok(Some(decimal_text(exp, mantissa)))
}

/// `mantissa` × 10^`exp` as decimal text.
fn decimal_text(exp: i64, mantissa: String) -> String {
    let (sign, digits) = match mantissa.strip_prefix('-') {
        Some(d) => ("-", d.to_owned()),
        None => ("", mantissa),
    };
    // Bound the text a hostile exponent could make us build.
    if exp.unsigned_abs() > 10_000 {
        return format!("{sign}{digits}E{exp}");
    }
    if exp >= 0 {
        return format!("{sign}{digits}{}", "0".repeat(exp as usize));
    }
    let shift = exp.unsigned_abs() as usize;
    let padded = format!(
        "{}{digits}",
        "0".repeat(shift.saturating_sub(digits.len()) + 1)
    );
    let (int_part, frac) = padded.split_at(padded.len() - shift);
    let int_part = int_part.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    format!("{sign}{int_part}.{frac}")
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
                let _ = write!(s, "{limb:09}");
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

/// What the next item is, for errors.
fn describe(d: &Decoder<'_>) -> String {
    let mut probe = d.clone();
    match peek(&probe) {
        Ok(Item::Int) => "an integer".into(),
        Ok(Item::Bytes | Item::BytesIndef) => "a byte string".into(),
        Ok(Item::Float) => "a float".into(),
        Ok(Item::Text | Item::TextIndef) => "a text string".into(),
        Ok(Item::Bool) => "a boolean".into(),
        Ok(Item::Null) => "null".into(),
        Ok(Item::Array) => "an array".into(),
        Ok(Item::Map) => "a map".into(),
        Ok(Item::Tag) => match integer(&mut probe) {
            Ok(Some(_)) => "an integer".into(),
            _ => match probe.tag() {
                Ok(t) => format!("tag {}", t.as_u64()),
                Err(_) => "an unsupported item".into(),
            },
        },
        _ => "an unsupported item".into(),
    }
}

// ---- the reader ----

/// Why reading stopped (one word: results of it sit in every frame).
enum Stop {
    /// The body is not well-formed CBOR; [`check`] says how.
    Cbor,
    /// The body does not fit the schema, or the value refused it.
    Shape(Box<DeserializeError>),
}

impl From<Malformed> for Stop {
    fn from(_: Malformed) -> Stop {
        Stop::Cbor
    }
}

impl From<minicbor::decode::Error> for Stop {
    fn from(_: minicbor::decode::Error) -> Stop {
        Stop::Cbor
    }
}

#[cold]
fn at(path: &Path<'_>, message: String) -> Stop {
    Stop::Shape(Box::new(DeserializeError::new(path.render(), message)))
}

#[cold]
fn refused(path: &Path<'_>, e: DeError) -> Stop {
    Stop::Shape(Box::new(DeserializeError::value(path.render(), e)))
}

/// `expected` for `shape` where the item at `start` is something else.
#[cold]
fn mismatch(d: &Decoder<'_>, shape: &Shape, start: usize, path: &Path<'_>, expected: &str) -> Stop {
    let mut probe = d.clone();
    probe.set_position(start);
    at(
        path,
        format!(
            "expected {expected} for shape {}, found {}",
            shape.name,
            describe(&probe)
        ),
    )
}

/// A key that is not text, where `what` needs one.
#[cold]
fn bad_key(d: &Decoder<'_>, path: &Path<'_>, what: &str) -> Stop {
    at(path, format!("{what} key is {}, not text", describe(d)))
}

fn set(out: &mut dyn De, path: &Path<'_>, scalar: Scalar) -> Result<(), Stop> {
    out.set(scalar).map_err(|e| refused(path, e))
}

struct Reader<'a, 'b> {
    service: &'a Service,
    d: Decoder<'b>,
    /// The containers of a skip, kept between skips.
    open: Vec<Open>,
}

// Each level of nesting is one call of `read` and one of `structure`, `list`
// or `map` (or of `document`): their frames stay small, values and errors
// are made in functions of their own.
impl<'b> Reader<'_, 'b> {
    fn body(&mut self, shape: ShapeId, out: &mut dyn De, path: &Path<'_>) -> Result<(), Stop> {
        if peek(&self.d)? != Item::Map {
            let found = describe(&self.d);
            return Err(at(path, format!("body is {found}, not a CBOR map")));
        }
        self.read(shape, out, path, 0)
    }

    /// Reads the next item as shape `id` into `out`, inside `depth` open items.
    fn read(
        &mut self,
        id: ShapeId,
        out: &mut dyn De,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), Stop> {
        let shape = self.service.shape(id);
        match &shape.kind {
            ShapeKind::Structure(st) if st.document => {
                let doc = document(&mut self.d, depth, path)?;
                set(out, path, Scalar::Document(doc))
            }
            ShapeKind::Structure(st) => self.structure(shape, st, out, path, depth),
            ShapeKind::List { member } => self.list(shape, member.target, out, path, depth),
            ShapeKind::Map { value, .. } => self.map(shape, value.target, out, path, depth),
            _ => self.scalar(shape, out, path, depth),
        }
    }

    fn skip(&mut self, depth: usize) -> Result<(), Stop> {
        Ok(skip(&mut self.d, depth, &mut self.open)?)
    }

    fn list(
        &mut self,
        shape: &Shape,
        member: ShapeId,
        out: &mut dyn De,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), Stop> {
        if peek(&self.d)? != Item::Array {
            let start = self.d.position();
            return Err(mismatch(&self.d, shape, start, path, "list"));
        }
        let mut left = self.d.array()?;
        let depth = enter(depth)?;
        out.init();
        let mut i = 0;
        while more(&mut self.d, &mut left)? {
            let here = Path::Index(path, i);
            let slot = out.push().map_err(|e| refused(&here, e))?;
            if !take_null(&mut self.d)? {
                self.read(member, slot, &here, depth)?;
            }
            i += 1;
        }
        Ok(())
    }

    fn map(
        &mut self,
        shape: &Shape,
        value: ShapeId,
        out: &mut dyn De,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), Stop> {
        if peek(&self.d)? != Item::Map {
            let start = self.d.position();
            return Err(mismatch(&self.d, shape, start, path, "map"));
        }
        let mut left = self.d.map()?;
        let depth = enter(depth)?;
        out.init();
        while more(&mut self.d, &mut left)? {
            let Some(k) = key(&mut self.d)? else {
                return Err(bad_key(&self.d, path, "map"));
            };
            if take_null(&mut self.d)? {
                continue;
            }
            let here = Path::Key(path, k.as_ref());
            let slot = out
                .entry(k.as_ref().to_owned())
                .map_err(|e| refused(&here, e))?;
            self.read(value, slot, &here, depth)?;
        }
        Ok(())
    }

    fn structure(
        &mut self,
        shape: &Shape,
        st: &StructureShape,
        out: &mut dyn De,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), Stop> {
        if peek(&self.d)? != Item::Map {
            let start = self.d.position();
            let expected = super::encode::kind_name(&shape.kind);
            return Err(mismatch(&self.d, shape, start, path, expected));
        }
        let len = self.d.map()?;
        let depth = enter(depth)?;
        out.init();
        if st.union && self.unknown_variant(shape, st, out, path, len, depth)? {
            return Ok(());
        }
        let mut left = len;
        let mut next = 0;
        while more(&mut self.d, &mut left)? {
            let Some(k) = key(&mut self.d)? else {
                return Err(bad_key(&self.d, path, "structure"));
            };
            if take_null(&mut self.d)? {
                continue;
            }
            // Unknown members (and a union's `__type`) are skipped.
            let Some((i, member)) = member_by_wire_name(st, &k, next) else {
                self.skip(depth)?;
                continue;
            };
            next = i + 1;
            let here = Path::Member(path, member.name);
            let slot = out.member(i).map_err(|e| refused(&here, e))?;
            self.read(member.target, slot, &here, depth)?;
        }
        Ok(())
    }

    /// A union's members are counted before any is read (botocore's check):
    /// one the model does not know is recorded and the map skipped (`true`);
    /// otherwise the reader is back at the map's first entry.
    fn unknown_variant(
        &mut self,
        shape: &Shape,
        st: &StructureShape,
        out: &mut dyn De,
        path: &Path<'_>,
        len: Option<u64>,
        depth: usize,
    ) -> Result<bool, Stop> {
        let entries = self.d.position();
        let mut present: Vec<Cow<'b, str>> = Vec::new();
        let mut left = len;
        while more(&mut self.d, &mut left)? {
            let k = key(&mut self.d)?;
            if k.is_none() {
                self.skip(depth)?;
            }
            let null = peek(&self.d)? == Item::Null;
            self.skip(depth)?;
            if let (Some(k), false) = (k, null) {
                present.push(k);
            }
        }
        let known = |k: &str| st.members.iter().any(|m| m.wire_name() == k);
        let keys = present.iter().map(|k| k.as_ref());
        let tag =
            crate::protocol::common::union_tag(shape.name, "", keys, known).map_err(|mut e| {
                e.path = path.render();
                Stop::Shape(Box::new(e))
            })?;
        match tag {
            Some(tag) => {
                out.unknown_member(tag.to_owned())
                    .map_err(|e| refused(path, e))?;
                Ok(true)
            }
            None => {
                self.d.set_position(entries);
                Ok(false)
            }
        }
    }

    /// Every shape that holds no other.
    fn scalar(
        &mut self,
        shape: &Shape,
        out: &mut dyn De,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), Stop> {
        let d = &mut self.d;
        let start = d.position();
        let fail = |d: &Decoder<'_>, expected: Option<&str>| {
            let kind = super::encode::kind_name(&shape.kind);
            mismatch(d, shape, start, path, expected.unwrap_or(kind))
        };
        if let (ShapeKind::Enum { .. }, Item::Text) = (&shape.kind, peek(d)?) {
            let s = d.str()?;
            return out.set_str(s).map_err(|e| refused(path, e));
        }
        let value = match &shape.kind {
            ShapeKind::String | ShapeKind::Enum { .. } => match text(d)? {
                Some(s) => Scalar::Str(s),
                None => return Err(fail(d, None)),
            },
            ShapeKind::Boolean => {
                if peek(d)? != Item::Bool {
                    return Err(fail(d, None));
                }
                Scalar::Bool(take_bool(d)?)
            }
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => {
                let Some(i) = integer(d)? else {
                    return Err(fail(d, None));
                };
                match i64::try_from(i) {
                    Ok(i) => Scalar::Int(i),
                    Err(_) => return Err(at(path, format!("integer {i} does not fit 64 bits"))),
                }
            }
            ShapeKind::Float | ShapeKind::Double => {
                if peek(d)? == Item::Float {
                    Scalar::Float(float(d)?)
                } else {
                    match integer(d)? {
                        Some(i) => Scalar::Float(i as f64),
                        None => return Err(fail(d, None)),
                    }
                }
            }
            ShapeKind::BigInteger => match big_integer(d, depth)? {
                Some(s) => Scalar::Str(s),
                None => return Err(fail(d, Some("an integer or bignum"))),
            },
            ShapeKind::BigDecimal => match big_decimal(d, depth)? {
                Some(s) => Scalar::Str(s),
                None => return Err(fail(d, Some("a decimal fraction or number"))),
            },
            ShapeKind::Blob => match byte_string(d)? {
                Some(Cow::Borrowed(b)) => Scalar::Blob(bytes::Bytes::copy_from_slice(b)),
                Some(Cow::Owned(b)) => Scalar::Blob(b.into()),
                None => return Err(fail(d, None)),
            },
            ShapeKind::Timestamp => {
                // Tag 1 around the seconds, or the bare number.
                if initial(d)? == 0xc1 {
                    enter(depth)?;
                    advance(d, 1);
                } else if peek(d)? == Item::Tag {
                    let mut probe = d.clone();
                    if probe.tag()?.as_u64() == 1 {
                        enter(depth)?;
                        *d = probe;
                    }
                }
                let secs = if peek(d)? == Item::Float {
                    float(d)?
                } else {
                    match integer(d)? {
                        Some(i) => i as f64,
                        None => return Err(fail(d, Some("an epoch-seconds timestamp (tag 1)"))),
                    }
                };
                match timestamp(secs) {
                    Some(t) => Scalar::Timestamp(t),
                    None => return Err(at(path, format!("timestamp {secs} out of range"))),
                }
            }
            // Containers are read by the reader.
            ShapeKind::Structure(_) | ShapeKind::List { .. } | ShapeKind::Map { .. } => {
                return Err(fail(d, None))
            }
        };
        set(out, path, value)
    }
}

/// A CBOR item as a JSON document; fails on what JSON cannot hold.
fn document(d: &mut Decoder<'_>, depth: usize, path: &Path<'_>) -> Result<Document, Stop> {
    match peek(d)? {
        Item::Array => {
            let mut left = d.array()?;
            let depth = enter(depth)?;
            let mut items = Vec::new();
            while more(d, &mut left)? {
                items.push(document(d, depth, path)?);
            }
            Ok(Document::Array(items))
        }
        Item::Map => {
            let mut left = d.map()?;
            let depth = enter(depth)?;
            let mut obj = serde_json::Map::new();
            while more(d, &mut left)? {
                let Some(k) = key(d)? else {
                    return Err(bad_key(d, path, "document"));
                };
                let v = document(d, depth, path)?;
                obj.insert(k.into_owned(), v);
            }
            Ok(Document::Object(obj))
        }
        _ => document_scalar(d, path),
    }
}

fn document_scalar(d: &mut Decoder<'_>, path: &Path<'_>) -> Result<Document, Stop> {
    Ok(match peek(d)? {
        Item::Null => {
            take_null(d)?;
            Document::Null
        }
        Item::Bool => Document::Bool(take_bool(d)?),
        Item::Int | Item::Tag => match integer(d)? {
            Some(i) => {
                if let Ok(u) = u64::try_from(i) {
                    Document::from(u)
                } else if let Ok(s) = i64::try_from(i) {
                    Document::from(s)
                } else {
                    return Err(at(
                        path,
                        format!("document integer {i} does not fit 64 bits"),
                    ));
                }
            }
            None => {
                let found = describe(d);
                return Err(at(path, format!("a document cannot hold {found}")));
            }
        },
        Item::Float => {
            let f = float(d)?;
            match serde_json::Number::from_f64(f) {
                Some(n) => Document::Number(n),
                None => return Err(at(path, format!("document number {f} is not finite"))),
            }
        }
        Item::Text | Item::TextIndef => Document::String(text(d)?.unwrap_or_default()),
        Item::Bytes | Item::BytesIndef => {
            return Err(at(path, "a document cannot hold a byte string".into()))
        }
        Item::Array | Item::Map | Item::Break | Item::Other => return Err(Stop::Cbor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::cbor::tests::hex;

    /// Issue 12: input decides the depth, so it is bounded with a typed error.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for unit in [&[0x81u8][..], &[0x9f], &[0xa1, 0x61, 0x6b], &[0xc1]] {
            let body = unit.repeat(200_000);
            let e = check(&body, "Out").expect_err("too deep");
            assert!(e.message.contains("nested"), "{unit:?}: {e}");
        }
        let mut ok = [0x81u8; 100].to_vec();
        ok.push(0x00);
        assert!(check(&ok, "Out").is_ok());
        // ciborium's limit, kept: 256 levels open, not 257.
        for (depth, fine) in [(MAX_DEPTH, true), (MAX_DEPTH + 1, false)] {
            let mut body = vec![0x81u8; depth];
            body.push(0x00);
            assert_eq!(check(&body, "Out").is_ok(), fine, "{depth}");
        }
        // A small bignum is a number, not a level.
        let mut body = vec![0x81u8; MAX_DEPTH];
        body.extend(hex("c24101"));
        assert!(check(&body, "Out").is_ok());
        let mut body = vec![0x81u8; MAX_DEPTH];
        body.extend(hex("c101"));
        assert!(check(&body, "Out").is_err());
    }

    #[test]
    fn well_formedness() {
        for (body, ok) in [
            ("a0", true),
            ("bf6161f6ff", true),
            ("7f616161626163ff", true), // indefinite text
            ("5f4101ff", true),         // indefinite bytes
            ("f814", true),             // simple 20, false
            ("f7", true),               // undefined
            ("f0", false),              // simple 16
            ("f820", false),            // simple 32
            ("ff", false),              // a lone break
            ("bf6161ff", false),        // a key without a value
            ("1c", false),              // reserved
            ("62c328", false),          // not UTF-8
            ("7f7f6161ffff", false),    // nested indefinite text
            ("7f4161ff", false),        // bytes inside text
            ("8201", false),            // truncated
        ] {
            assert_eq!(check(&hex(body), "Out").is_ok(), ok, "{body}");
        }
        let e = check(&hex("0000"), "Out").expect_err("trailing");
        assert_eq!(e.message, "1 bytes of trailing data after the CBOR body");
    }

    #[test]
    fn bignums_and_decimals() {
        assert_eq!(
            magnitude_to_decimal(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
            "18446744073709551616"
        );
        assert_eq!(add_one_decimal("999"), "1000");
        let big = |h: &str| big_integer(&mut Decoder::new(&hex(h)), 0).expect("well-formed");
        let dec = |h: &str| big_decimal(&mut Decoder::new(&hex(h)), 0).expect("well-formed");
        assert_eq!(dec("c48221196ab3").as_deref(), Some("273.15"));
        assert_eq!(dec("c4822224").as_deref(), Some("-0.005"));
        assert_eq!(dec("c49f2224ff").as_deref(), Some("-0.005"));
        assert_eq!(dec("c4830102").as_deref(), None);
        assert_eq!(dec("fb3ff8000000000000").as_deref(), Some("1.5"));
        assert_eq!(dec("f97c00").as_deref(), None); // infinity
        assert_eq!(
            big("c349010000000000000000").as_deref(),
            Some("-18446744073709551617")
        );
        // Small bignums are integers; indefinite ones are read too.
        assert_eq!(big("c24101").as_deref(), Some("1"));
        assert_eq!(big("c3420001").as_deref(), Some("-2"));
        assert_eq!(big("c25f4101420000ff").as_deref(), Some("65536"));
        assert_eq!(
            big("3bffffffffffffffff").as_deref(),
            Some("-18446744073709551616")
        );
        assert_eq!(big("c16161").as_deref(), None);
        let int = |h: &str| integer(&mut Decoder::new(&hex(h))).expect("well-formed");
        assert_eq!(int("c2420102"), Some(258));
        assert_eq!(int("c249010000000000000000"), None);
        assert_eq!(int("c25f4101ff"), None);
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

    #[test]
    fn error_texts() {
        let texts = |h: &str| texts(&hex(h), ["__type", "message"]);
        // {"__type": "A", "message": 1, "message": "m"}: the first entry counts.
        assert_eq!(
            texts("a3665f5f747970656141676d65737361676501676d657373616765616d"),
            Some([Some("A".to_owned()), None])
        );
        // Indefinite keys and values, a non-text key.
        assert_eq!(
            texts("bf01027f665f5f74797065ff7f6141ff ff"),
            Some([Some("A".to_owned()), None])
        );
        assert_eq!(texts("83010203"), Some([None, None]));
        assert_eq!(texts("a1"), None);
        assert_eq!(texts("a0a0"), None);
    }
}
