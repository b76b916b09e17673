//! serde conversion between Rust values and DynamoDB's `AttributeValue`.
//!
//! The mapping follows boto3's `TypeSerializer` / `TypeDeserializer`:
//!
//! | Rust (serde data model)                     | DynamoDB                |
//! |---------------------------------------------|-------------------------|
//! | `bool`                                      | `BOOL`                  |
//! | integers, finite floats, [`Number`]         | `N` (decimal text)      |
//! | `String`, `&str`, `char`, unit enum variant | `S`                     |
//! | [`Binary`], `serialize_bytes`               | `B`                     |
//! | `None`, `()`, unit structs                  | `NULL`                  |
//! | structs, maps with string keys              | `M`                     |
//! | `Vec`, slices, tuples, `HashSet`, ...        | `L`                     |
//! | [`StringSet`], [`NumberSet`], [`BinarySet`] | `SS`, `NS`, `BS`        |
//! | other enum variants                         | `M` of one entry        |
//!
//! Choices where serde and DynamoDB differ:
//! - serde has no set type (a `BTreeSet` serializes as a sequence), so sets
//!   are explicit newtypes; anything else sequence-like becomes `L`.
//! - serde's `Vec<u8>` is a sequence of numbers (an `L` of `N`); wrap bytes in
//!   [`Binary`] (or use `#[serde(with = "serde_bytes")]`) to get `B`. Reading
//!   `B` into a `Vec<u8>` works either way.
//! - Numbers are decimal text and never pass through a float: integers are
//!   written exactly, floats as the shortest text that reads back to the
//!   same float (`0.1f32` is `"0.1"`). boto3 refuses Python floats
//!   altogether (they are inexact); here a float is accepted, and it round
//!   trips to the same float. [`Number`] (boto3's `Decimal`) carries any
//!   decimal text exactly, beyond what `i64` or `f64` hold.
//! - A number DynamoDB cannot store is an error before any request, as in
//!   boto3: NaN and infinities, more than 38 significant digits (leading and
//!   trailing zeros do not count, as DynamoDB trims them; an `i128` near its
//!   limits has 39), a magnitude outside 1E-130 to 9.99...E+125.
//! - Sets must not be empty (DynamoDB rejects them): an error, not a request
//!   the server refuses.
//! - Map keys must be strings (or unit enum variants, written by name).
//!
//! Conversion never panics: every mismatch is a [`ConversionError`] with the
//! path of the attribute (`a.b[2]`) where it happened.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use serde::{Deserialize, Deserializer, Serializer};

use crate::types::AttributeValue;
use crate::Bytes;

// Newtype-struct names that tell this module's serializer and deserializer
// which DynamoDB type a value is. Other serde formats see an ordinary newtype.
const NUMBER: &str = "$boto_dynamodb::Number";
const STRING_SET: &str = "$boto_dynamodb::StringSet";
const NUMBER_SET: &str = "$boto_dynamodb::NumberSet";
const BINARY_SET: &str = "$boto_dynamodb::BinarySet";

/// Why a value could not be converted, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}", at(.path))]
pub struct ConversionError {
    path: String,
    kind: ErrorKind,
}

fn at(path: &str) -> String {
    match path {
        "" => String::new(),
        path => format!(" (at `{path}`)"),
    }
}

/// What went wrong in a [`ConversionError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error("DynamoDB numbers cannot be NaN or infinite (got {0})")]
    NonFiniteNumber(String),
    #[error("`{0}` is not a DynamoDB number")]
    InvalidNumber(String),
    #[error("number `{0}` has more than the 38 significant digits DynamoDB keeps")]
    TooPrecise(String),
    #[error("number `{0}` is outside DynamoDB's range (1E-130 to 9.99...E+125 in magnitude)")]
    OutOfDynamoDbRange(String),
    #[error("map keys must be strings for DynamoDB, got {0}")]
    NonStringKey(&'static str),
    #[error("DynamoDB sets cannot be empty ({0})")]
    EmptySet(&'static str),
    #[error("a {set} holds only {expected} values, got {got}")]
    SetElement {
        set: &'static str,
        expected: &'static str,
        got: &'static str,
    },
    #[error("an item must be a map (M), got {0}")]
    NotAMap(&'static str),
    #[error("the AttributeValue has no value set")]
    EmptyAttributeValue,
    #[error("the AttributeValue has more than one value set ({0} and {1})")]
    AmbiguousAttributeValue(&'static str, &'static str),
    #[error("number `{text}` does not fit in {target}")]
    NumberOutOfRange { text: String, target: &'static str },
    #[error("{0}")]
    Custom(String),
}

impl ConversionError {
    fn new(kind: ErrorKind) -> Self {
        ConversionError {
            path: String::new(),
            kind,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where: attribute names and list indices from the top (`a.b[2]`);
    /// empty for the value itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn in_field(mut self, name: &str) -> Self {
        self.path = match self.path.is_empty() || self.path.starts_with('[') {
            true => format!("{name}{}", self.path),
            false => format!("{name}.{}", self.path),
        };
        self
    }

    fn in_index(mut self, index: usize) -> Self {
        self.path = match self.path.is_empty() || self.path.starts_with('[') {
            true => format!("[{index}]{}", self.path),
            false => format!("[{index}].{}", self.path),
        };
        self
    }
}

impl ser::Error for ConversionError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ConversionError::new(ErrorKind::Custom(msg.to_string()))
    }
}

impl de::Error for ConversionError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ConversionError::new(ErrorKind::Custom(msg.to_string()))
    }
}

type Result<T, E = ConversionError> = std::result::Result<T, E>;

/// Converts `value` into one `AttributeValue`.
pub fn to_attribute_value<T: Serialize + ?Sized>(value: &T) -> Result<AttributeValue> {
    value.serialize(AttrSerializer)
}

/// Converts `value` (a struct or a map with string keys) into an item.
pub fn to_item<T: Serialize + ?Sized>(value: &T) -> Result<BTreeMap<String, AttributeValue>> {
    let attr = to_attribute_value(value)?;
    match (kind_name(&attr)?, attr.m) {
        ("M", Some(map)) => Ok(map),
        (kind, _) => Err(ConversionError::new(ErrorKind::NotAMap(kind))),
    }
}

/// Reads a `T` from one `AttributeValue`.
pub fn from_attribute_value<'a, T: Deserialize<'a>>(value: &'a AttributeValue) -> Result<T> {
    T::deserialize(AttrDeserializer(view(value)?))
}

/// Reads a `T` (a struct or map) from an item, as `GetItem`, `Query` and
/// `Scan` return them.
pub fn from_item<'a, T: Deserialize<'a>>(item: &'a BTreeMap<String, AttributeValue>) -> Result<T> {
    T::deserialize(AttrDeserializer(View::M(item)))
}

/// A DynamoDB number as its decimal text, like boto3's `Decimal`: for values
/// beyond `i64`/`f64` (DynamoDB keeps 38 significant digits) or to keep text
/// exactly as read. Serializes as `N`; reads any `N`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(String);

impl Number {
    /// Checks that `text` is a decimal number (`-12.5`, `1E+3`) DynamoDB can
    /// store: at most 38 significant digits, magnitude zero or from 1E-130 to
    /// below 1E+126 (boto3 rejects these too, before sending).
    pub fn new(text: impl Into<String>) -> Result<Number> {
        let text = text.into();
        match check_number(&text) {
            Ok(()) => Ok(Number(text)),
            Err(kind) => Err(ConversionError::new(kind)),
        }
    }

    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text, e.g. `number.parse::<i64>()`.
    pub fn parse<T: std::str::FromStr>(&self) -> Result<T, T::Err> {
        self.0.parse()
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number(n.to_string())
            }
        }
    )*};
}
// Not `i128`/`u128`: their extremes have 39 digits (use `Number::new`).
number_from!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl std::str::FromStr for Number {
    type Err = ConversionError;
    fn from_str(s: &str) -> Result<Number> {
        Number::new(s)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(NUMBER, &self.0)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                Number::new(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(v.into())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(v.into())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                float_text(v).map(Number).map_err(E::custom)
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_newtype_struct(NUMBER, V)
    }
}

/// Bytes, stored as DynamoDB's `B`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binary(pub Vec<u8>);

impl From<Vec<u8>> for Binary {
    fn from(v: Vec<u8>) -> Binary {
        Binary(v)
    }
}

impl From<&[u8]> for Binary {
    fn from(v: &[u8]) -> Binary {
        Binary(v.to_vec())
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Binary, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Binary;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Binary, E> {
                Ok(Binary(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Binary, E> {
                Ok(Binary(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(Binary(out))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// A set of strings, stored as `SS`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StringSet(pub BTreeSet<String>);

/// A set of numbers, stored as `NS`: integers, or [`Number`] for decimals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NumberSet<T: Ord = Number>(pub BTreeSet<T>);

/// A set of byte strings, stored as `BS`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BinarySet(pub BTreeSet<Binary>);

impl<S: Into<String>> FromIterator<S> for StringSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        StringSet(iter.into_iter().map(Into::into).collect())
    }
}

impl<T: Ord> FromIterator<T> for NumberSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        NumberSet(iter.into_iter().collect())
    }
}

impl<B: Into<Binary>> FromIterator<B> for BinarySet {
    fn from_iter<I: IntoIterator<Item = B>>(iter: I) -> Self {
        BinarySet(iter.into_iter().map(Into::into).collect())
    }
}

macro_rules! set_serde {
    ($name:ident $(<$t:ident>)?, $tag:ident) => {
        impl$(<$t: Ord + Serialize>)? Serialize for $name$(<$t>)? {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_struct($tag, &self.0)
            }
        }
        impl<'de $(, $t: Ord + Deserialize<'de>)?> Deserialize<'de> for $name$(<$t>)? {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V$(<$t>(std::marker::PhantomData<$t>))?;
                impl<'de $(, $t: Ord + Deserialize<'de>)?> Visitor<'de> for V$(<$t>)? {
                    type Value = $name$(<$t>)?;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(stringify!($name))
                    }
                    fn visit_newtype_struct<D: Deserializer<'de>>(
                        self,
                        d: D,
                    ) -> Result<Self::Value, D::Error> {
                        Deserialize::deserialize(d).map($name)
                    }
                    fn visit_seq<A: de::SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = BTreeSet::new();
                        while let Some(v) = seq.next_element()? {
                            out.insert(v);
                        }
                        Ok($name(out))
                    }
                }
                d.deserialize_newtype_struct($tag, V$((std::marker::PhantomData::<$t>))?)
            }
        }
    };
}
set_serde!(StringSet, STRING_SET);
set_serde!(NumberSet<T>, NUMBER_SET);
set_serde!(BinarySet, BINARY_SET);

/// Most significant digits a DynamoDB number keeps.
const MAX_DIGITS: usize = 38;
/// Exponent range of a DynamoDB number's first significant digit: 1E-130 to
/// 9.99...E+125.
const MIN_EXPONENT: i64 = -130;
const MAX_EXPONENT: i64 = 125;

/// Checks `text` against DynamoDB's grammar for numbers (optional sign,
/// digits with an optional fraction, optional exponent), its 38 significant
/// digits and its range. Leading and trailing zeros are not significant
/// (`1000` and `1E+3` are the same number to DynamoDB).
fn check_number(text: &str) -> Result<(), ErrorKind> {
    let invalid = || ErrorKind::InvalidNumber(text.to_owned());
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return Err(invalid());
    }
    let exponent = match exponent {
        None => 0,
        Some(e) => {
            let unsigned = e.strip_prefix(['-', '+']).unwrap_or(e);
            if unsigned.is_empty() || !digits(unsigned) {
                return Err(invalid());
            }
            // Too many digits for an i64 is far out of range anyway.
            e.parse::<i64>().unwrap_or(i64::MAX)
        }
    };
    let all = || int.bytes().chain(frac.bytes());
    let Some(first) = all().position(|b| b != b'0') else {
        return Ok(()); // zero
    };
    let last = all().count() - all().rev().position(|b| b != b'0').unwrap_or(0);
    if last - first > MAX_DIGITS {
        return Err(ErrorKind::TooPrecise(text.to_owned()));
    }
    // The power of ten of the first significant digit.
    let magnitude = (int.len() as i64 - 1 - first as i64).saturating_add(exponent);
    if !(MIN_EXPONENT..=MAX_EXPONENT).contains(&magnitude) {
        return Err(ErrorKind::OutOfDynamoDbRange(text.to_owned()));
    }
    Ok(())
}

/// `N` holding `text`, checked as [`Number::new`] does.
fn checked_number(text: String) -> Result<AttributeValue> {
    match check_number(&text) {
        Ok(()) => Ok(number(text)),
        Err(kind) => Err(ConversionError::new(kind)),
    }
}

/// The shortest decimal text that reads back as `v`, if DynamoDB can store it.
fn float_text<F: fmt::Display + Into<f64> + Copy>(v: F) -> Result<String> {
    if !v.into().is_finite() {
        let kind = ErrorKind::NonFiniteNumber(v.to_string());
        return Err(ConversionError::new(kind));
    }
    let text = v.to_string();
    check_number(&text).map_err(ConversionError::new)?;
    Ok(text)
}

fn number(text: String) -> AttributeValue {
    AttributeValue {
        n: Some(text),
        ..Default::default()
    }
}

fn null() -> AttributeValue {
    AttributeValue {
        null: Some(true),
        ..Default::default()
    }
}

fn string(s: String) -> AttributeValue {
    AttributeValue {
        s: Some(s),
        ..Default::default()
    }
}

fn map(m: BTreeMap<String, AttributeValue>) -> AttributeValue {
    AttributeValue {
        m: Some(m),
        ..Default::default()
    }
}

fn list(l: Vec<AttributeValue>) -> AttributeValue {
    AttributeValue {
        l: Some(l),
        ..Default::default()
    }
}

/// The type name of the (single) value set in `attr`.
fn kind_name(attr: &AttributeValue) -> Result<&'static str> {
    view(attr).map(|v| v.kind_name())
}

/// A borrowed view of one DynamoDB value.
#[derive(Clone, Copy)]
enum View<'a> {
    S(&'a str),
    N(&'a str),
    B(&'a [u8]),
    Bool(bool),
    Null,
    M(&'a BTreeMap<String, AttributeValue>),
    L(&'a [AttributeValue]),
    Ss(&'a [String]),
    Ns(&'a [String]),
    Bs(&'a [Bytes]),
}

impl View<'_> {
    fn kind_name(&self) -> &'static str {
        match self {
            View::S(_) => "S",
            View::N(_) => "N",
            View::B(_) => "B",
            View::Bool(_) => "BOOL",
            View::Null => "NULL",
            View::M(_) => "M",
            View::L(_) => "L",
            View::Ss(_) => "SS",
            View::Ns(_) => "NS",
            View::Bs(_) => "BS",
        }
    }
}

fn view(attr: &AttributeValue) -> Result<View<'_>> {
    let set = [
        attr.s.as_deref().map(View::S),
        attr.n.as_deref().map(View::N),
        attr.b.as_deref().map(View::B),
        attr.bool.map(View::Bool),
        // `"NULL": false` is not a value DynamoDB sends; read it as NULL too.
        attr.null.map(|_| View::Null),
        attr.m.as_ref().map(View::M),
        attr.l.as_deref().map(View::L),
        attr.ss.as_deref().map(View::Ss),
        attr.ns.as_deref().map(View::Ns),
        attr.bs.as_deref().map(View::Bs),
    ];
    let mut found = set.into_iter().flatten();
    let first = found
        .next()
        .ok_or_else(|| ConversionError::new(ErrorKind::EmptyAttributeValue))?;
    match found.next() {
        None => Ok(first),
        Some(second) => Err(ConversionError::new(ErrorKind::AmbiguousAttributeValue(
            first.kind_name(),
            second.kind_name(),
        ))),
    }
}

// ---------------------------------------------------------------------------
// Rust -> AttributeValue

struct AttrSerializer;

/// Turns the `L` a set newtype serialized into `SS`, `NS` or `BS`.
fn into_set(tag: &str, value: AttributeValue) -> Result<AttributeValue> {
    let (set, expected) = match tag {
        STRING_SET => ("StringSet", "S"),
        NUMBER_SET => ("NumberSet", "N"),
        _ => ("BinarySet", "B"),
    };
    let items = match view(&value)? {
        View::L(_) => value.l.unwrap_or_default(),
        other => {
            return Err(ConversionError::new(ErrorKind::SetElement {
                set,
                expected: "sequence",
                got: other.kind_name(),
            }))
        }
    };
    if items.is_empty() {
        return Err(ConversionError::new(ErrorKind::EmptySet(set)));
    }
    let mut out = AttributeValue::default();
    for (i, item) in items.into_iter().enumerate() {
        let got = kind_name(&item).map_err(|e| e.in_index(i))?;
        let wrong =
            || ConversionError::new(ErrorKind::SetElement { set, expected, got }).in_index(i);
        match expected {
            "S" => out
                .ss
                .get_or_insert_with(Vec::new)
                .push(item.s.ok_or_else(wrong)?),
            "N" => out
                .ns
                .get_or_insert_with(Vec::new)
                .push(item.n.ok_or_else(wrong)?),
            _ => out
                .bs
                .get_or_insert_with(Vec::new)
                .push(item.b.ok_or_else(wrong)?),
        }
    }
    Ok(out)
}

impl Serializer for AttrSerializer {
    type Ok = AttributeValue;
    type Error = ConversionError;
    type SerializeSeq = SeqSerializer;
    type SerializeTuple = SeqSerializer;
    type SerializeTupleStruct = SeqSerializer;
    type SerializeTupleVariant = VariantSerializer<SeqSerializer>;
    type SerializeMap = MapSerializer;
    type SerializeStruct = MapSerializer;
    type SerializeStructVariant = VariantSerializer<MapSerializer>;

    fn serialize_bool(self, v: bool) -> Result<AttributeValue> {
        Ok(AttributeValue {
            bool: Some(v),
            ..Default::default()
        })
    }
    fn serialize_i8(self, v: i8) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_i16(self, v: i16) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_i128(self, v: i128) -> Result<AttributeValue> {
        checked_number(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_u16(self, v: u16) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_u32(self, v: u32) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<AttributeValue> {
        Ok(number(v.to_string()))
    }
    fn serialize_u128(self, v: u128) -> Result<AttributeValue> {
        checked_number(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<AttributeValue> {
        float_text(v).map(number)
    }
    fn serialize_f64(self, v: f64) -> Result<AttributeValue> {
        float_text(v).map(number)
    }
    fn serialize_char(self, v: char) -> Result<AttributeValue> {
        Ok(string(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<AttributeValue> {
        Ok(string(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<AttributeValue> {
        Ok(AttributeValue {
            b: Some(Bytes::copy_from_slice(v)),
            ..Default::default()
        })
    }
    fn serialize_none(self) -> Result<AttributeValue> {
        Ok(null())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<AttributeValue> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<AttributeValue> {
        Ok(null())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<AttributeValue> {
        Ok(null())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<AttributeValue> {
        Ok(string(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<AttributeValue> {
        match name {
            NUMBER => match value.serialize(self)?.s {
                Some(text) => checked_number(text),
                None => Err(ConversionError::new(ErrorKind::Custom(
                    "a Number must serialize as its text".into(),
                ))),
            },
            STRING_SET | NUMBER_SET | BINARY_SET => into_set(name, value.serialize(self)?),
            _ => value.serialize(self),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<AttributeValue> {
        let inner = value.serialize(self).map_err(|e| e.in_field(variant))?;
        Ok(map(BTreeMap::from([(variant.to_owned(), inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSerializer> {
        Ok(SeqSerializer(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSerializer> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqSerializer> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSerializer<SeqSerializer>> {
        Ok(VariantSerializer {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSerializer> {
        Ok(MapSerializer::default())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapSerializer> {
        Ok(MapSerializer::default())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantSerializer<MapSerializer>> {
        Ok(VariantSerializer {
            variant,
            inner: MapSerializer::default(),
        })
    }
}

struct SeqSerializer(Vec<AttributeValue>);

impl SeqSerializer {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let index = self.0.len();
        let value = value
            .serialize(AttrSerializer)
            .map_err(|e| e.in_index(index))?;
        self.0.push(value);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqSerializer {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(list(self.0))
    }
}

impl ser::SerializeTuple for SeqSerializer {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(list(self.0))
    }
}

impl ser::SerializeTupleStruct for SeqSerializer {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(list(self.0))
    }
}

#[derive(Default)]
struct MapSerializer {
    map: BTreeMap<String, AttributeValue>,
    key: Option<String>,
}

impl MapSerializer {
    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<()> {
        let value = value
            .serialize(AttrSerializer)
            .map_err(|e| e.in_field(&key))?;
        self.map.insert(key, value);
        Ok(())
    }
}

impl ser::SerializeMap for MapSerializer {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self.key.take().ok_or_else(|| {
            ConversionError::new(ErrorKind::Custom("map value without a key".into()))
        })?;
        self.insert(key, value)
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(map(self.map))
    }
}

impl ser::SerializeStruct for MapSerializer {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.insert(key.to_owned(), value)
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(map(self.map))
    }
}

/// An enum variant with data: `{variant: data}`, as serde_json writes it.
struct VariantSerializer<I> {
    variant: &'static str,
    inner: I,
}

impl<I> VariantSerializer<I> {
    fn wrap(variant: &'static str, value: AttributeValue) -> AttributeValue {
        map(BTreeMap::from([(variant.to_owned(), value)]))
    }
}

impl ser::SerializeTupleVariant for VariantSerializer<SeqSerializer> {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let variant = self.variant;
        self.inner.push(value).map_err(|e| e.in_field(variant))
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(Self::wrap(self.variant, list(self.inner.0)))
    }
}

impl ser::SerializeStructVariant for VariantSerializer<MapSerializer> {
    type Ok = AttributeValue;
    type Error = ConversionError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        let variant = self.variant;
        self.inner
            .insert(key.to_owned(), value)
            .map_err(|e| e.in_field(variant))
    }
    fn end(self) -> Result<AttributeValue> {
        Ok(Self::wrap(self.variant, map(self.inner.map)))
    }
}

/// Map keys: strings, chars and unit variants; anything else is an error.
struct KeySerializer;

fn non_string_key<T>(what: &'static str) -> Result<T> {
    Err(ConversionError::new(ErrorKind::NonStringKey(what)))
}

impl Serializer for KeySerializer {
    type Ok = String;
    type Error = ConversionError;
    type SerializeSeq = ser::Impossible<String, ConversionError>;
    type SerializeTuple = ser::Impossible<String, ConversionError>;
    type SerializeTupleStruct = ser::Impossible<String, ConversionError>;
    type SerializeTupleVariant = ser::Impossible<String, ConversionError>;
    type SerializeMap = ser::Impossible<String, ConversionError>;
    type SerializeStruct = ser::Impossible<String, ConversionError>;
    type SerializeStructVariant = ser::Impossible<String, ConversionError>;

    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<String> {
        non_string_key("a bool")
    }
    fn serialize_i8(self, _: i8) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_i16(self, _: i16) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_i32(self, _: i32) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_i64(self, _: i64) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_u8(self, _: u8) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_u16(self, _: u16) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_u32(self, _: u32) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_u64(self, _: u64) -> Result<String> {
        non_string_key("an integer")
    }
    fn serialize_f32(self, _: f32) -> Result<String> {
        non_string_key("a float")
    }
    fn serialize_f64(self, _: f64) -> Result<String> {
        non_string_key("a float")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        non_string_key("bytes")
    }
    fn serialize_none(self) -> Result<String> {
        non_string_key("None")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String> {
        non_string_key("an Option")
    }
    fn serialize_unit(self) -> Result<String> {
        non_string_key("()")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        non_string_key("a unit struct")
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        non_string_key("an enum variant with data")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        non_string_key("a sequence")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        non_string_key("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        non_string_key("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        non_string_key("an enum variant with data")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        non_string_key("a map")
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        non_string_key("a struct")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        non_string_key("an enum variant with data")
    }
}

// ---------------------------------------------------------------------------
// AttributeValue -> Rust

struct AttrDeserializer<'a>(View<'a>);

fn out_of_range(text: &str, target: &'static str) -> ConversionError {
    ConversionError::new(ErrorKind::NumberOutOfRange {
        text: text.to_owned(),
        target,
    })
}

macro_rules! deserialize_number {
    ($($method:ident => $visit:ident, $t:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match self.0 {
                View::N(text) => match text.parse::<$t>() {
                    Ok(n) => visitor.$visit(n),
                    Err(_) => Err(out_of_range(text, stringify!($t))),
                },
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for AttrDeserializer<'de> {
    type Error = ConversionError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            View::S(s) => visitor.visit_borrowed_str(s),
            View::N(text) => {
                if let Ok(n) = text.parse::<i64>() {
                    visitor.visit_i64(n)
                } else if let Ok(n) = text.parse::<u64>() {
                    visitor.visit_u64(n)
                } else if let Ok(n) = text.parse::<i128>() {
                    visitor.visit_i128(n)
                } else if let Ok(n) = text.parse::<f64>() {
                    visitor.visit_f64(n)
                } else {
                    Err(ConversionError::new(ErrorKind::InvalidNumber(text.into())))
                }
            }
            View::B(b) => visitor.visit_borrowed_bytes(b),
            View::Bool(b) => visitor.visit_bool(b),
            View::Null => visitor.visit_unit(),
            View::M(m) => visitor.visit_map(MapAccess {
                iter: m.iter(),
                value: None,
            }),
            View::L(l) => visitor.visit_seq(SeqAccess::new(l.iter().map(view_of))),
            View::Ss(s) => visitor.visit_seq(SeqAccess::new(s.iter().map(|s| Ok(View::S(s))))),
            View::Ns(s) => visitor.visit_seq(SeqAccess::new(s.iter().map(|s| Ok(View::N(s))))),
            View::Bs(s) => visitor.visit_seq(SeqAccess::new(s.iter().map(|b| Ok(View::B(b))))),
        }
    }

    deserialize_number! {
        deserialize_i8 => visit_i8, i8;
        deserialize_i16 => visit_i16, i16;
        deserialize_i32 => visit_i32, i32;
        deserialize_i64 => visit_i64, i64;
        deserialize_i128 => visit_i128, i128;
        deserialize_u8 => visit_u8, u8;
        deserialize_u16 => visit_u16, u16;
        deserialize_u32 => visit_u32, u32;
        deserialize_u64 => visit_u64, u64;
        deserialize_u128 => visit_u128, u128;
        deserialize_f32 => visit_f32, f32;
        deserialize_f64 => visit_f64, f64;
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            // A number's text, for `String` fields that hold numbers exactly.
            View::N(text) => visitor.visit_borrowed_str(text),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            // `Vec<u8>` from `B`.
            View::B(b) => visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied())),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            View::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match (name, self.0) {
            (NUMBER, View::N(text)) => visitor.visit_borrowed_str(text),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            View::S(s) => visitor.visit_enum(s.into_deserializer()),
            View::M(m) if m.len() == 1 => {
                let (variant, value) = m.iter().next().ok_or_else(|| {
                    ConversionError::new(ErrorKind::Custom("empty enum map".into()))
                })?;
                visitor.visit_enum(EnumAccess { variant, value })
            }
            other => Err(de::Error::invalid_type(
                de::Unexpected::Other(other.kind_name()),
                &"an enum: a string, or a map with one entry",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool char bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier
    }
}

fn view_of(attr: &AttributeValue) -> Result<View<'_>> {
    view(attr)
}

struct SeqAccess<I> {
    iter: I,
    index: usize,
}

impl<I> SeqAccess<I> {
    fn new(iter: I) -> Self {
        SeqAccess { iter, index: 0 }
    }
}

impl<'de, I: Iterator<Item = Result<View<'de>>>> de::SeqAccess<'de> for SeqAccess<I> {
    type Error = ConversionError;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(item) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        item.and_then(|v| seed.deserialize(AttrDeserializer(v)))
            .map(Some)
            .map_err(|e| e.in_index(index))
    }
}

struct MapAccess<'de> {
    iter: std::collections::btree_map::Iter<'de, String, AttributeValue>,
    value: Option<(&'de str, &'de AttributeValue)>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = ConversionError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
            .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (key, value) = self.value.take().ok_or_else(|| {
            ConversionError::new(ErrorKind::Custom("map value without a key".into()))
        })?;
        view(value)
            .and_then(|v| seed.deserialize(AttrDeserializer(v)))
            .map_err(|e| e.in_field(key))
    }
}

struct EnumAccess<'de> {
    variant: &'de str,
    value: &'de AttributeValue,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = ConversionError;
    type Variant = VariantAccess<'de>;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let variant = seed.deserialize(de::value::BorrowedStrDeserializer::new(self.variant))?;
        Ok((
            variant,
            VariantAccess {
                name: self.variant,
                value: self.value,
            },
        ))
    }
}

struct VariantAccess<'de> {
    name: &'de str,
    value: &'de AttributeValue,
}

impl<'de> VariantAccess<'de> {
    fn de(&self) -> Result<AttrDeserializer<'de>> {
        view(self.value)
            .map(AttrDeserializer)
            .map_err(|e| e.in_field(self.name))
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'de> {
    type Error = ConversionError;
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        let name = self.name;
        seed.deserialize(self.de()?).map_err(|e| e.in_field(name))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        let name = self.name;
        self.de()?
            .deserialize_seq(visitor)
            .map_err(|e| e.in_field(name))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let name = self.name;
        self.de()?
            .deserialize_map(visitor)
            .map_err(|e| e.in_field(name))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    fn s(v: &str) -> AttributeValue {
        string(v.to_owned())
    }

    fn n(v: &str) -> AttributeValue {
        number(v.to_owned())
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Dot,
        Circle(f64),
        Rect { w: u32, h: u32 },
        Pair(i8, i8),
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Inner {
        name: String,
        tags: Vec<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Record {
        pk: String,
        count: u64,
        ratio: f64,
        big: i128,
        ok: bool,
        nothing: Option<String>,
        blob: Binary,
        raw: Vec<u8>,
        names: StringSet,
        scores: NumberSet<i64>,
        exact: NumberSet,
        blobs: BinarySet,
        inner: Inner,
        list: Vec<Inner>,
        attrs: HashMap<String, i32>,
        shapes: Vec<Shape>,
        price: Number,
        unit: (),
    }

    fn record() -> Record {
        Record {
            pk: "user#1".into(),
            count: u64::MAX,
            ratio: 0.1,
            big: -99999999999999999999999999999999999999,
            ok: true,
            nothing: None,
            blob: Binary(vec![0, 1, 255]),
            raw: vec![7, 8],
            names: ["b", "a"].into_iter().collect(),
            scores: [3, -1].into_iter().collect(),
            exact: [Number::new("1.50").unwrap(), Number::new("1E+2").unwrap()]
                .into_iter()
                .collect(),
            blobs: [vec![1u8], vec![2u8, 3]].into_iter().collect(),
            inner: Inner {
                name: "in".into(),
                tags: vec!["x".into()],
            },
            list: vec![Inner {
                name: "l0".into(),
                tags: vec![],
            }],
            attrs: HashMap::from([("k".into(), 5)]),
            shapes: vec![
                Shape::Dot,
                Shape::Circle(2.5),
                Shape::Rect { w: 1, h: 2 },
                Shape::Pair(-1, 1),
            ],
            price: Number::new("12345678901234567890.123456789").unwrap(),
            unit: (),
        }
    }

    #[test]
    fn records_round_trip() {
        let record = record();
        let item = to_item(&record).unwrap();
        let back: Record = from_item(&item).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn types_follow_boto3() {
        let item = to_item(&record()).unwrap();
        assert_eq!(item["pk"], s("user#1"));
        assert_eq!(item["count"], n("18446744073709551615"));
        assert_eq!(item["ratio"], n("0.1"));
        assert_eq!(item["big"], n("-99999999999999999999999999999999999999"));
        assert_eq!(item["ok"].bool, Some(true));
        assert_eq!(item["nothing"], null());
        assert_eq!(item["unit"], null());
        assert_eq!(item["blob"].b.as_deref(), Some(&[0u8, 1, 255][..]));
        assert_eq!(item["raw"], list(vec![n("7"), n("8")]));
        assert_eq!(item["names"].ss, Some(vec!["a".into(), "b".into()]));
        assert_eq!(item["scores"].ns, Some(vec!["-1".into(), "3".into()]));
        assert_eq!(item["exact"].ns, Some(vec!["1.50".into(), "1E+2".into()]));
        let bs: Vec<&[u8]> = item["blobs"]
            .bs
            .as_ref()
            .unwrap()
            .iter()
            .map(|b| &b[..])
            .collect();
        assert_eq!(bs, vec![&[1u8][..], &[2, 3][..]]);
        let inner = item["inner"].m.as_ref().unwrap();
        assert_eq!(inner["tags"], list(vec![s("x")]));
        assert_eq!(item["list"].l.as_ref().unwrap().len(), 1);
        assert_eq!(item["attrs"], map(BTreeMap::from([("k".into(), n("5"))])));
        let shapes = item["shapes"].l.as_ref().unwrap();
        assert_eq!(shapes[0], s("Dot"));
        assert_eq!(
            shapes[1],
            map(BTreeMap::from([("Circle".into(), n("2.5"))]))
        );
        assert_eq!(item["price"], n("12345678901234567890.123456789"));
    }

    #[test]
    fn numbers_keep_exact_text() {
        let text = |v: AttributeValue| v.n.unwrap();
        assert_eq!(text(to_attribute_value(&0.1f32).unwrap()), "0.1");
        assert_eq!(text(to_attribute_value(&0.1f64).unwrap()), "0.1");
        assert_eq!(
            text(to_attribute_value(&1e21f64).unwrap()),
            "1000000000000000000000"
        );
        assert_eq!(
            text(to_attribute_value(&-0.000001f64).unwrap()),
            "-0.000001"
        );
        assert_eq!(text(to_attribute_value(&3.0f64).unwrap()), "3");
        assert_eq!(
            text(to_attribute_value(&i64::MIN).unwrap()),
            "-9223372036854775808"
        );
        assert_eq!(
            text(to_attribute_value(&10u128.pow(38)).unwrap()),
            10u128.pow(38).to_string()
        );
        // Reading: exact into integers, nearest into floats, text into Number/String.
        let v = n("12345678901234567890.5");
        assert_eq!(
            from_attribute_value::<Number>(&v).unwrap().as_str(),
            "12345678901234567890.5"
        );
        assert_eq!(
            from_attribute_value::<String>(&v).unwrap(),
            "12345678901234567890.5"
        );
        assert_eq!(
            from_attribute_value::<f64>(&v).unwrap(),
            12345678901234567890.5
        );
        assert_eq!(from_attribute_value::<u8>(&n("255")).unwrap(), 255);
        assert_eq!(from_attribute_value::<f32>(&n("1E+2")).unwrap(), 100.0);
    }

    #[test]
    fn dynamic_values_read_through_deserialize_any() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(untagged)]
        enum Any {
            Int(i64),
            Float(f64),
            Text(String),
            List(Vec<Any>),
        }
        let v = list(vec![n("-3"), n("2.5"), s("x"), list(vec![])]);
        assert_eq!(
            from_attribute_value::<Any>(&v).unwrap(),
            Any::List(vec![
                Any::Int(-3),
                Any::Float(2.5),
                Any::Text("x".into()),
                Any::List(vec![])
            ])
        );
        let sets = AttributeValue {
            ss: Some(vec!["a".into()]),
            ..Default::default()
        };
        assert_eq!(
            from_attribute_value::<Vec<String>>(&sets).unwrap(),
            vec!["a"]
        );
        let ns = AttributeValue {
            ns: Some(vec!["1".into(), "2".into()]),
            ..Default::default()
        };
        assert_eq!(from_attribute_value::<Vec<u16>>(&ns).unwrap(), vec![1, 2]);
        let b = AttributeValue {
            b: Some(Bytes::from_static(b"hi")),
            ..Default::default()
        };
        assert_eq!(from_attribute_value::<Vec<u8>>(&b).unwrap(), b"hi");
        let back: Option<u8> = from_attribute_value(&null()).unwrap();
        assert_eq!(back, None);
    }

    #[test]
    fn values_dynamodb_cannot_hold_are_errors() {
        let err = to_attribute_value(&f64::NAN).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::NonFiniteNumber(_)), "{err}");
        #[derive(Serialize)]
        struct Deep {
            rows: Vec<BTreeMap<String, f32>>,
        }
        let deep = Deep {
            rows: vec![
                BTreeMap::new(),
                BTreeMap::from([("x".into(), f32::INFINITY)]),
            ],
        };
        let err = to_item(&deep).unwrap_err();
        assert_eq!(err.path(), "rows[1].x");
        assert_eq!(
            err.to_string(),
            "DynamoDB numbers cannot be NaN or infinite (got inf) (at `rows[1].x`)"
        );

        let err = to_attribute_value(&BTreeMap::from([(1, "a")])).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::NonStringKey("an integer"));

        let err = to_attribute_value(&StringSet::default()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::EmptySet("StringSet"));

        let err = to_item(&5).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::NotAMap("N"));

        assert!(Number::new("1.2.3").is_err());
        assert!(Number::new("").is_err());
        assert!(Number::new("-").is_err());
        assert!(Number::new("1e").is_err());
        assert!(Number::new("-.5e-3").is_ok());
    }

    #[test]
    fn numbers_dynamodb_cannot_store_are_errors() {
        let kind = |text: &str| Number::new(text).map(|_| ()).map_err(|e| e.kind().clone());
        let too_precise = |t: &str| Err(ErrorKind::TooPrecise(t.into()));
        let out_of_range = |t: &str| Err(ErrorKind::OutOfDynamoDbRange(t.into()));
        let digits38 = "12345678901234567890123456789012345678";
        assert_eq!(kind(digits38), Ok(()));
        assert_eq!(kind(&format!("-0.{digits38}")), Ok(()));
        let digits39 = format!("{digits38}9");
        assert_eq!(kind(&digits39), too_precise(&digits39));
        assert_eq!(
            kind("1.234567890123456789012345678901234567891"),
            too_precise("1.234567890123456789012345678901234567891")
        );
        // Leading and trailing zeros are not significant.
        assert_eq!(kind(&format!("000{digits38}000")), Ok(()));
        assert_eq!(kind("0.000"), Ok(()));
        assert_eq!(kind("0E+999"), Ok(()));
        assert_eq!(kind("9.9999999999999999999999999999999999999E+125"), Ok(()));
        assert_eq!(kind("1E+126"), out_of_range("1E+126"));
        assert_eq!(kind("-1e-130"), Ok(()));
        assert_eq!(kind("0.1E-130"), out_of_range("0.1E-130"));
        assert_eq!(
            kind("1e99999999999999999999"),
            out_of_range("1e99999999999999999999")
        );

        let err = to_attribute_value(&u128::MAX).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::TooPrecise(u128::MAX.to_string()));
        let err = to_attribute_value(&i128::MIN).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::TooPrecise(_)), "{err}");
        let err = to_attribute_value(&1e300f64).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::OutOfDynamoDbRange(_)),
            "{err}"
        );
        let err = to_attribute_value(&f64::MIN_POSITIVE).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::OutOfDynamoDbRange(_)),
            "{err}"
        );
        assert_eq!(to_attribute_value(&1e125f64).unwrap().n.unwrap().len(), 126);
        // `Number` checks its text when serialized too (e.g. one read from
        // another format).
        let err = to_attribute_value(&Number(digits39.clone())).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::TooPrecise(digits39));
    }

    #[test]
    fn reading_mismatches_are_errors() {
        let err = from_attribute_value::<u8>(&n("256")).unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::NumberOutOfRange {
                text: "256".into(),
                target: "u8"
            }
        );
        let item = BTreeMap::from([
            ("name".into(), s("n")),
            (
                "tags".into(),
                list(vec![s("a"), to_attribute_value(&true).unwrap()]),
            ),
        ]);
        let err = from_item::<Inner>(&item).unwrap_err();
        assert_eq!(err.path(), "tags[1]");
        assert!(err.to_string().contains("expected a string"), "{err}");

        let err = from_attribute_value::<String>(&AttributeValue::default()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::EmptyAttributeValue);
        let two = AttributeValue {
            s: Some("a".into()),
            n: Some("1".into()),
            ..Default::default()
        };
        let err = from_attribute_value::<String>(&two).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::AmbiguousAttributeValue("S", "N"));

        let missing = BTreeMap::from([("name".into(), s("n"))]);
        let err = from_item::<Inner>(&missing).unwrap_err();
        assert!(err.to_string().contains("missing field `tags`"), "{err}");
    }

    #[test]
    fn other_formats_see_plain_values() {
        // The marker newtypes read as plain values from other formats.
        use boto_runtime::Document;
        let set = StringSet::deserialize(Document::Array(vec!["a".into()])).unwrap();
        assert_eq!(set, StringSet::from_iter(["a"]));
        assert_eq!(
            Number::deserialize(Document::from("2.5")).unwrap().as_str(),
            "2.5"
        );
        assert_eq!(
            Number::deserialize(Document::from(7)).unwrap().as_str(),
            "7"
        );
    }
}
