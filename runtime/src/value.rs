//! The two `dyn` traits that connect values to the protocol codecs.
//!
//! A codec walks the [`schema`](crate::schema) and asks the value for what the
//! schema says is there: [`Ser`] is read by serializers, [`De`] is written by
//! deserializers. Generated types implement them with one `match` over member
//! indices; the runtime implements them for primitives, `Option`, `Vec`,
//! `BTreeMap`, and for the schema-guided JSON values of [`crate::dynamic`].
//! Nothing in a codec is generic over the value's type.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::document::Document;
use crate::time::DateTime;

/// What a serializer sees of a value.
pub enum ValueRef<'a> {
    /// A boolean.
    Bool(bool),
    /// Any integer shape (byte to long), widened to `i64`.
    Int(i64),
    /// A float or double, widened to `f64`.
    Float(f64),
    /// A string, an enum value, or a big number's text.
    Str(&'a str),
    /// A blob's bytes.
    Blob(&'a [u8]),
    /// A streaming blob that is not held in memory (a file, a reader).
    Stream(&'a crate::body::ByteStream),
    /// An event stream to send (an input's event-stream member).
    Events(&'a dyn crate::event_stream::OutgoingEvents),
    /// A timestamp; the codec picks its wire format.
    Timestamp(DateTime),
    /// An untyped document.
    Document(&'a Document),
    /// A structure or union.
    Struct(&'a dyn StructSer),
    /// A list.
    List(&'a dyn ListSer),
    /// A map.
    Map(&'a dyn MapSer),
}

/// A value that can be serialized by walking its schema.
pub trait Ser {
    /// What the value is, for the codec to check against the schema.
    fn value(&self) -> ValueRef<'_>;
}

/// A structure or union, read member by member (indices follow the schema).
pub trait StructSer {
    /// The member at `index`, or `None` when it is absent (for a union: not the set variant).
    fn member(&self, index: usize) -> Option<&dyn Ser>;
}

/// A list, read element by element.
pub trait ListSer {
    /// The number of elements.
    fn len(&self) -> usize;
    /// The element at `index`; panics when `index >= len()`.
    fn get(&self, index: usize) -> &dyn Ser;
    /// Whether the list has no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A map with string keys, read in its iteration order.
pub trait MapSer {
    /// The number of entries.
    fn len(&self) -> usize;
    /// Calls `f` with each key and value, in the map's order.
    fn for_each(&self, f: &mut dyn FnMut(&str, &dyn Ser));
    /// Whether the map has no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A scalar a deserializer hands to [`De::set`].
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// Any integer, as `i64`; the target narrows it.
    Int(i64),
    /// A float or double, as `f64`.
    Float(f64),
    /// A string, an enum value, or a big number's text.
    Str(String),
    /// A blob's bytes, decoded from base64 where the wire encodes them.
    Blob(Bytes),
    /// A streaming response body, as it arrives.
    Stream(crate::body::ByteStream),
    /// A response's event stream, for an event-stream member to take.
    Events(crate::event_stream::RawEvents),
    /// A timestamp, parsed from the wire's format.
    Timestamp(DateTime),
    /// An untyped document.
    Document(Document),
}

impl Scalar {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Bool(_) => "boolean",
            Scalar::Int(_) => "integer",
            Scalar::Float(_) => "float",
            Scalar::Str(_) => "string",
            Scalar::Blob(_) => "blob",
            Scalar::Stream(_) => "stream",
            Scalar::Events(_) => "event stream",
            Scalar::Timestamp(_) => "timestamp",
            Scalar::Document(_) => "document",
        }
    }
}

/// Why a value could not take what the wire said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeError {
    /// The wire held another kind of value than the target accepts.
    #[error("expected {expected}, found {found}")]
    Mismatch {
        /// What the target accepts (`string`, `i32`).
        expected: &'static str,
        /// What the wire held.
        found: &'static str,
    },
    /// An integer does not fit the target type.
    #[error("value {value} out of range for {target}")]
    OutOfRange {
        /// The integer, as text.
        value: String,
        /// The target type (`i8`, `i16`, `i32`).
        target: &'static str,
    },
    /// The index is not a member of the structure (a schema and type out of step).
    #[error("no member with index {0}")]
    NoMember(usize),
    /// Anything else the value rejects.
    #[error("{0}")]
    Invalid(String),
}

impl DeError {
    /// A [`DeError::Mismatch`] between what a value accepts and the scalar it got.
    pub fn mismatch(expected: &'static str, found: &Scalar) -> DeError {
        DeError::Mismatch {
            expected,
            found: found.kind(),
        }
    }
}

/// A value a deserializer writes into, guided by the schema.
///
/// Every method defaults to a type mismatch, so each impl only provides what
/// its kind of value accepts.
pub trait De {
    /// Marks a container (structure, list, map) as present, even if empty.
    fn init(&mut self) {}
    /// Stores a scalar; the default rejects every scalar as a mismatch.
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        Err(DeError::mismatch(self.expecting(), &value))
    }
    /// Stores a string read from a body, which enums take without copying
    /// it (the default stores it as an owned [`Scalar::Str`]).
    fn set_str(&mut self, value: &str) -> Result<(), DeError> {
        self.set(Scalar::Str(value.to_owned()))
    }
    /// The slot of the member at `index` (for a union: selects that variant).
    fn member(&mut self, index: usize) -> Result<&mut dyn De, DeError> {
        let _ = index;
        Err(DeError::Mismatch {
            expected: self.expecting(),
            found: "structure",
        })
    }
    /// A union names a member this value's model does not know (botocore's
    /// `SDK_UNKNOWN_MEMBER`). Values that cannot hold the name ignore it.
    fn unknown_member(&mut self, name: String) -> Result<(), DeError> {
        let _ = name;
        Ok(())
    }
    /// Appends a default element and returns it.
    fn push(&mut self) -> Result<&mut dyn De, DeError> {
        Err(DeError::Mismatch {
            expected: self.expecting(),
            found: "list",
        })
    }
    /// Inserts (or replaces) the entry at `key` and returns its value.
    fn entry(&mut self, key: String) -> Result<&mut dyn De, DeError> {
        let _ = key;
        Err(DeError::Mismatch {
            expected: self.expecting(),
            found: "map",
        })
    }
    /// A short name of what this value accepts, for errors.
    fn expecting(&self) -> &'static str;
}

// ---- Option, Box, Vec, BTreeMap ----

impl<T: Ser> Ser for Box<T> {
    fn value(&self) -> ValueRef<'_> {
        (**self).value()
    }
}

impl<T: De + Default> De for Option<T> {
    fn init(&mut self) {
        self.get_or_insert_with(T::default).init()
    }
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        self.get_or_insert_with(T::default).set(value)
    }
    fn set_str(&mut self, value: &str) -> Result<(), DeError> {
        self.get_or_insert_with(T::default).set_str(value)
    }
    fn member(&mut self, index: usize) -> Result<&mut dyn De, DeError> {
        self.get_or_insert_with(T::default).member(index)
    }
    fn push(&mut self) -> Result<&mut dyn De, DeError> {
        self.get_or_insert_with(T::default).push()
    }
    fn entry(&mut self, key: String) -> Result<&mut dyn De, DeError> {
        self.get_or_insert_with(T::default).entry(key)
    }
    fn expecting(&self) -> &'static str {
        match self {
            Some(v) => v.expecting(),
            None => T::default().expecting(),
        }
    }
}

impl<T: De + Default> De for Box<T> {
    fn init(&mut self) {
        (**self).init()
    }
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        (**self).set(value)
    }
    fn set_str(&mut self, value: &str) -> Result<(), DeError> {
        (**self).set_str(value)
    }
    fn member(&mut self, index: usize) -> Result<&mut dyn De, DeError> {
        (**self).member(index)
    }
    fn push(&mut self) -> Result<&mut dyn De, DeError> {
        (**self).push()
    }
    fn entry(&mut self, key: String) -> Result<&mut dyn De, DeError> {
        (**self).entry(key)
    }
    fn expecting(&self) -> &'static str {
        (**self).expecting()
    }
}

impl<T: Ser> Ser for Vec<T> {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::List(self)
    }
}

impl<T: Ser> ListSer for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    #[allow(clippy::indexing_slicing)] // the ListSer contract: callers ask for index < len()
    fn get(&self, index: usize) -> &dyn Ser {
        &self[index]
    }
}

impl<T: De + Default> De for Vec<T> {
    fn push(&mut self) -> Result<&mut dyn De, DeError> {
        Vec::push(self, T::default());
        Ok(self.last_mut().expect("just pushed"))
    }
    fn expecting(&self) -> &'static str {
        "list"
    }
}

impl<T: Ser> Ser for BTreeMap<String, T> {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Map(self)
    }
}

impl<T: Ser> MapSer for BTreeMap<String, T> {
    fn len(&self) -> usize {
        BTreeMap::len(self)
    }
    fn for_each(&self, f: &mut dyn FnMut(&str, &dyn Ser)) {
        for (k, v) in self {
            f(k, v)
        }
    }
}

impl<T: De + Default> De for BTreeMap<String, T> {
    fn entry(&mut self, key: String) -> Result<&mut dyn De, DeError> {
        let slot = BTreeMap::entry(self, key).or_default();
        *slot = T::default();
        Ok(slot)
    }
    fn expecting(&self) -> &'static str {
        "map"
    }
}

/// `Some(&value as &dyn Ser)` for a present member: the one line generated
/// `StructSer::member` impls use per field.
pub fn opt<T: Ser>(value: &Option<T>) -> Option<&dyn Ser> {
    value.as_ref().map(|v| v as &dyn Ser)
}

// ---- scalars ----

impl Ser for String {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Str(self)
    }
}

impl De for String {
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        match value {
            Scalar::Str(s) => {
                *self = s;
                Ok(())
            }
            other => Err(DeError::mismatch("string", &other)),
        }
    }
    fn expecting(&self) -> &'static str {
        "string"
    }
}

impl Ser for bool {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Bool(*self)
    }
}

impl De for bool {
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        match value {
            Scalar::Bool(b) => {
                *self = b;
                Ok(())
            }
            other => Err(DeError::mismatch("boolean", &other)),
        }
    }
    fn expecting(&self) -> &'static str {
        "boolean"
    }
}

macro_rules! int_impls {
    ($($t:ty),*) => {$(
        impl Ser for $t {
            fn value(&self) -> ValueRef<'_> {
                ValueRef::Int(*self as i64)
            }
        }
        impl De for $t {
            fn set(&mut self, value: Scalar) -> Result<(), DeError> {
                match value {
                    Scalar::Int(i) => {
                        *self = <$t>::try_from(i).map_err(|_| DeError::OutOfRange {
                            value: i.to_string(),
                            target: stringify!($t),
                        })?;
                        Ok(())
                    }
                    other => Err(DeError::mismatch(stringify!($t), &other)),
                }
            }
            fn expecting(&self) -> &'static str {
                stringify!($t)
            }
        }
    )*};
}
int_impls!(i8, i16, i32, i64);

macro_rules! float_impls {
    ($($t:ty),*) => {$(
        impl Ser for $t {
            fn value(&self) -> ValueRef<'_> {
                ValueRef::Float(*self as f64)
            }
        }
        impl De for $t {
            fn set(&mut self, value: Scalar) -> Result<(), DeError> {
                match value {
                    Scalar::Float(f) => {
                        *self = f as $t;
                        Ok(())
                    }
                    Scalar::Int(i) => {
                        *self = i as $t;
                        Ok(())
                    }
                    other => Err(DeError::mismatch(stringify!($t), &other)),
                }
            }
            fn expecting(&self) -> &'static str {
                stringify!($t)
            }
        }
    )*};
}
float_impls!(f32, f64);

impl Ser for Bytes {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl De for Bytes {
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        match value {
            Scalar::Blob(b) => {
                *self = b;
                Ok(())
            }
            Scalar::Str(s) => {
                *self = Bytes::from(s);
                Ok(())
            }
            other => Err(DeError::mismatch("blob", &other)),
        }
    }
    fn expecting(&self) -> &'static str {
        "blob"
    }
}

impl Ser for DateTime {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Timestamp(*self)
    }
}

impl De for DateTime {
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        match value {
            Scalar::Timestamp(t) => {
                *self = t;
                Ok(())
            }
            other => Err(DeError::mismatch("timestamp", &other)),
        }
    }
    fn expecting(&self) -> &'static str {
        "timestamp"
    }
}

impl Ser for Document {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Document(self)
    }
}

impl De for Document {
    fn set(&mut self, value: Scalar) -> Result<(), DeError> {
        *self = match value {
            Scalar::Document(d) => d,
            Scalar::Bool(b) => Document::Bool(b),
            Scalar::Int(i) => Document::from(i),
            Scalar::Float(f) => Document::from(f),
            Scalar::Str(s) => Document::String(s),
            other => return Err(DeError::mismatch("document", &other)),
        };
        Ok(())
    }
    fn expecting(&self) -> &'static str {
        "document"
    }
}
