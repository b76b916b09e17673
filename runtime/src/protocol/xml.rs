//! XML bodies read and written by walking the schema: shared by the query,
//! ec2 and rest-xml codecs.
//!
//! Names follow botocore: a member reference's traits are the member's over
//! its target shape's (`locationName`, `xmlNamespace`, `flattened`,
//! `timestampFormat`), lists default their element name to `member`, maps to
//! `entry`/`key`/`value`.

use std::borrow::Cow;

use base64::Engine;
use bytes::Bytes;
use quick_xml::events::{BytesCData, BytesRef, BytesStart, BytesText, Event};
use quick_xml::XmlVersion;

use super::{DeserializeError, SerializeError, TextDecode};
use crate::schema::{
    Location, Member, Service, Shape, ShapeId, ShapeKind, StructureShape, TimestampFormat,
    XmlNamespace,
};
use crate::time::DateTime;
use crate::value::{De, DeError, Scalar, Ser, StructSer, ValueRef};

// ---- member traits ----

/// The element name of a member reference: its `locationName`, else
/// `default`. A target shape's own `locationName` only names root elements
/// (Smithy's rule, which botocore's models agree with in practice).
pub fn element_name<'a>(member: &'a Member, default: &'a str) -> &'a str {
    member.location_name.unwrap_or(default)
}

/// The namespace declared on a member reference (member over shape).
pub fn namespace(member: &Member, target: &Shape) -> Option<XmlNamespace> {
    member.xml_namespace.or(target.xml_namespace)
}

/// Whether a list or map member reference is flattened (member over shape).
pub fn flattened(member: &Member, target: &Shape) -> bool {
    member.flattened || target.flattened
}

/// The timestamp format of a member reference (member over shape).
pub fn timestamp_format(member: &Member, target: &Shape) -> Option<TimestampFormat> {
    member.timestamp_format.or(target.timestamp_format)
}

/// The name a flattened list's items carry in a response or a query
/// request: the member's own `locationName`, else the list member's
/// (botocore models put SQS's and SimpleDB's names there), else the member
/// name. (rest-xml requests use the member's name, as botocore does.)
pub fn flattened_item_name<'a>(service: &'a Service, member: &'a Member) -> &'a str {
    if let Some(name) = member.location_name {
        return name;
    }
    let target = service.shape(member.target);
    if let ShapeKind::List { member: item } = &target.kind {
        if flattened(member, target) {
            if let Some(name) = item.location_name {
                return name;
            }
        }
    }
    member.name
}

// ---- scalar text ----

/// Formats a float as botocore does: `NaN`, `Infinity`, `-Infinity`, else the
/// shortest text that reads back to the same value (as `f32` for `float` shapes).
pub fn float_text(kind: &ShapeKind, f: f64) -> String {
    super::common::float_text(f, matches!(kind, ShapeKind::Float))
}

/// The text of a scalar value of `shape` in an XML element or a query
/// parameter. `Err` says what was wrong, for a [`SerializeError`].
pub fn scalar_text(
    shape: &Shape,
    format: Option<TimestampFormat>,
    value: &dyn Ser,
) -> Result<String, String> {
    let v = value.value();
    Ok(match (&shape.kind, v) {
        (ShapeKind::String | ShapeKind::Enum { .. }, ValueRef::Str(s)) => s.to_owned(),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, ValueRef::Str(s)) => s.to_owned(),
        (ShapeKind::BigInteger | ShapeKind::BigDecimal, ValueRef::Int(i)) => i.to_string(),
        (ShapeKind::BigDecimal, ValueRef::Float(f)) => f.to_string(),
        (ShapeKind::Boolean, ValueRef::Bool(b)) => if b { "true" } else { "false" }.into(),
        (
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
            ValueRef::Int(i),
        ) => i.to_string(),
        (k @ (ShapeKind::Float | ShapeKind::Double), ValueRef::Float(f)) => float_text(k, f),
        (ShapeKind::Float | ShapeKind::Double, ValueRef::Int(i)) => i.to_string(),
        (ShapeKind::Blob, ValueRef::Blob(b)) => base64::engine::general_purpose::STANDARD.encode(b),
        (ShapeKind::Blob, ValueRef::Str(s)) => {
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
        }
        (ShapeKind::Timestamp, ValueRef::Timestamp(t)) => {
            t.format(format.unwrap_or(TimestampFormat::Iso8601))
        }
        (kind, v) => {
            return Err(format!(
                "{} value does not fit shape {} ({})",
                value_kind(&v),
                shape.name,
                kind_name(kind)
            ))
        }
    })
}

pub(crate) fn value_kind(v: &ValueRef<'_>) -> &'static str {
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

pub(crate) fn kind_name(kind: &ShapeKind) -> &'static str {
    match kind {
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

/// Reads the text of a scalar of `shape` (an element's text, a header, a
/// status code). `Err` is the reason, for a [`DeserializeError`].
pub fn parse_scalar(
    shape: &Shape,
    format: Option<TimestampFormat>,
    default_format: TimestampFormat,
    text: &str,
) -> Result<Scalar, String> {
    scalar_value(shape, format, default_format, Cow::Borrowed(text))
}

/// [`parse_scalar`] of text that may be owned already: a string takes it
/// without a copy.
fn scalar_value(
    shape: &Shape,
    format: Option<TimestampFormat>,
    default_format: TimestampFormat,
    text: Cow<'_, str>,
) -> Result<Scalar, String> {
    if let ShapeKind::String | ShapeKind::Enum { .. } = shape.kind {
        return Ok(Scalar::Str(text.into_owned()));
    }
    let trimmed = text.trim();
    Ok(match &shape.kind {
        ShapeKind::String | ShapeKind::Enum { .. } => Scalar::Str(text.into_owned()),
        ShapeKind::BigInteger | ShapeKind::BigDecimal => Scalar::Str(trimmed.to_owned()),
        ShapeKind::Boolean => match trimmed {
            "true" => Scalar::Bool(true),
            "false" => Scalar::Bool(false),
            other => return Err(format!("{other:?} is not a boolean")),
        },
        ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => Scalar::Int(
            trimmed
                .parse()
                .map_err(|_| format!("{trimmed:?} is not an integer"))?,
        ),
        ShapeKind::Float | ShapeKind::Double => Scalar::Float(match trimmed {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other
                .parse()
                .map_err(|_| format!("{other:?} is not a number"))?,
        }),
        ShapeKind::Blob => {
            let compact: String = trimmed.split_ascii_whitespace().collect();
            Scalar::Blob(Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|e| format!("invalid base64: {e}"))?,
            ))
        }
        ShapeKind::Timestamp => {
            Scalar::Timestamp(parse_timestamp(format.unwrap_or(default_format), trimmed)?)
        }
        ShapeKind::Structure(_) | ShapeKind::List { .. } | ShapeKind::Map { .. } => {
            return Err(format!(
                "text where a {} was expected",
                kind_name(&shape.kind)
            ))
        }
    })
}

/// Parses a timestamp in its modeled format, then in the others: services
/// do not always send what the model says (botocore sniffs the same way).
pub fn parse_timestamp(format: TimestampFormat, text: &str) -> Result<DateTime, String> {
    super::common::parse_timestamp(format, text).map_err(|_| format!("{text:?} is not a timestamp"))
}

// ---- reading ----

/// The deepest element nesting a response may have. The reader recurses
/// once per level of the schema it follows, and every element (read or
/// skipped) counts, so a hostile body nested 200,000 deep is a typed error
/// long before the stack is at risk. AWS's deepest responses are a few
/// dozen levels.
pub const MAX_DEPTH: usize = 100;

/// A response body that holds an XML document: checked to be UTF-8 and not
/// blank. It is parsed as it is read, in one pass of pull events guided by
/// the schema ([`Document::read`]); small documents can also be read whole
/// ([`Document::outline`]).
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    text: &'a str,
    /// Member texts decoded as they are read ([`Document::decoding`]).
    decode: Option<&'a TextDecode>,
}

impl<'a> Document<'a> {
    /// The document, with the texts `decode` names decoded as they are read.
    pub fn decoding(self, decode: Option<&'a TextDecode>) -> Document<'a> {
        Document { decode, ..self }
    }
}

/// The document in a response body. An empty (or blank) body gives `None`.
pub fn document(body: &[u8]) -> Result<Option<Document<'_>>, DeserializeError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| DeserializeError::new("", format!("body is not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(Document { text, decode: None }))
}

/// One step from an element down to one of its child elements, for
/// [`Document::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'p> {
    /// The child element at this position among the child elements.
    Index(usize),
    /// The first child element with this local name (any namespace).
    Named(&'p str),
}

/// What [`Document::read`] reads from the element its steps reach.
#[derive(Debug, Clone, Copy)]
pub enum Target<'p> {
    /// The element's children and attributes, as the members of structure
    /// `shape`. With `body_only`, members bound to headers or the status
    /// code are left alone. Error paths start with the shape's name.
    Structure {
        /// The structure shape.
        shape: ShapeId,
        /// Skip members bound to headers and the status code.
        body_only: bool,
    },
    /// The element, as the value of `member` of structure `owner` (a
    /// rest-xml payload; S3's bare `<LocationConstraint>`). Error paths
    /// start `Owner.Member`.
    Member {
        /// The structure the member belongs to.
        owner: &'p Shape,
        /// The member.
        member: &'p Member,
    },
}

/// What [`Document::read`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A step's element is not there: nothing was read.
    Missing,
    /// The element was read. For a structure target whose element has no
    /// child elements, `childless` is the element's local name (S3's
    /// GetBucketLocation answers with a bare root holding text).
    Read {
        /// The local name of a structure element without child elements.
        childless: Option<String>,
    },
}

impl<'a> Document<'a> {
    /// Reads the element reached from the root element by `steps` into
    /// `out`, guided by the schema, and checks the rest of the document.
    /// Elements no member takes are skipped. A document that is not
    /// well-formed XML is an error ("invalid XML: …", with an empty path)
    /// even when a value before the fault also failed.
    pub fn read(
        &self,
        service: &Service,
        steps: &[Step<'_>],
        target: Target<'_>,
        out: &mut dyn De,
    ) -> Result<Found, DeserializeError> {
        let mut reader = Reader {
            service,
            xml: Xml::new(self.text),
            slots: Vec::new(),
            known: Vec::new(),
            infos: Vec::new(),
            table: Vec::new(),
            decode: self.decode,
        };
        match reader.read(steps, target, out) {
            Ok(found) => Ok(found),
            Err(Fail::Xml(message)) => Err(DeserializeError::new("", message)),
            Err(Fail::Value(failure)) => {
                if let Err(Fail::Xml(message)) = reader.xml.finish() {
                    return Err(DeserializeError::new("", message));
                }
                let (segments, message) = *failure;
                let mut path = String::new();
                match target {
                    Target::Structure { shape, .. } => path.push_str(service.shape(shape).name),
                    Target::Member { owner, member } => {
                        path.push_str(owner.name);
                        path.push('.');
                        path.push_str(member.name);
                    }
                }
                for segment in segments.iter().rev() {
                    segment.write(&mut path);
                }
                Err(DeserializeError::new(path, message))
            }
        }
    }

    /// The whole document to `depth` levels (1: the root element alone),
    /// each element with its text (its text and CDATA children joined):
    /// for error responses, and for choosing which element to read.
    pub fn outline(&self, depth: usize) -> Result<Element, DeserializeError> {
        let mut xml = Xml::new(self.text);
        let result = xml.root().and_then(|root| {
            let element = outline(&mut xml, local(&root), depth)?;
            xml.finish()?;
            Ok(element)
        });
        result.map_err(|fail| match fail {
            Fail::Xml(message) => DeserializeError::new("", message),
            Fail::Value(failure) => DeserializeError::new("", failure.1),
        })
    }
}

/// An element of a document read by [`Document::outline`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name.
    pub name: String,
    /// The text and CDATA children, joined (entities resolved).
    pub text: String,
    /// The child elements, when within the outline's depth.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The position among the child elements of the first named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.children.iter().position(|c| c.name == name)
    }
}

fn outline(xml: &mut Xml<'_>, name: &str, depth: usize) -> R<Element> {
    let mut element = Element {
        name: name.to_owned(),
        ..Element::default()
    };
    loop {
        match xml.next()? {
            Ev::Open(child) if depth > 1 => {
                let child = outline(xml, local(&child), depth - 1)?;
                element.children.push(child);
            }
            Ev::Open(_) => xml.skip()?,
            Ev::Text(piece) => piece.push_to(&mut element.text)?,
            Ev::Close => return Ok(element),
            Ev::Eof => return Err(Fail::truncated()),
        }
    }
}

/// An element's start tag, and where its local name starts in its name.
struct Tag<'a> {
    start: BytesStart<'a>,
    /// The name without its namespace prefix.
    local: &'a str,
}

/// The local name of an element (its name without a namespace prefix).
fn local<'e>(element: &'e Tag<'_>) -> &'e str {
    element.local
}

/// `bytes`, a slice quick-xml took from `input`, found there by its
/// address: text not checked again (the input was checked whole, and
/// quick-xml cuts only at ASCII delimiters), with the input's lifetime.
fn find_in<'a>(input: &'a str, bytes: &[u8]) -> Option<&'a str> {
    let start = (bytes.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    let found = input.get(start..start.checked_add(bytes.len())?)?;
    (found.as_ptr() == bytes.as_ptr()).then_some(found)
}

/// `bytes` as text: found in the input ([`find_in`]), else checked.
fn utf8_in<'b>(input: &'b str, bytes: &'b [u8]) -> R<&'b str> {
    match find_in(input, bytes) {
        Some(s) => Ok(s),
        None => std::str::from_utf8(bytes).map_err(Fail::xml),
    }
}

type R<T> = Result<T, Fail>;

/// Why reading stopped.
enum Fail {
    /// The document is not well-formed (or nests too deep): the whole
    /// message, reported without a path.
    Xml(String),
    /// A value does not fit the schema: the path segments from the failing
    /// value outwards (each caller adds its own on the way out, so a
    /// successful read builds no path), and the message.
    Value(Box<(Vec<Segment>, String)>),
}

impl Fail {
    fn xml(message: impl std::fmt::Display) -> Fail {
        Fail::Xml(format!("invalid XML: {message}"))
    }

    fn truncated() -> Fail {
        Fail::xml("the document ends inside an element")
    }

    fn value(message: impl Into<String>) -> Fail {
        Fail::Value(Box::new((Vec::new(), message.into())))
    }

    fn de(e: DeError) -> Fail {
        Fail::value(e.to_string())
    }

    fn kind(s: &Shape, expected: &str) -> Fail {
        Fail::value(format!(
            "shape {} is a {}, expected a {expected}",
            s.name,
            kind_name(&s.kind)
        ))
    }

    /// The failure, one segment further out.
    fn at(mut self, segment: Segment) -> Fail {
        if let Fail::Value(failure) = &mut self {
            failure.0.push(segment);
        }
        self
    }
}

/// A step of an error path.
enum Segment {
    /// `.Member`
    Member(&'static str),
    /// `[3]`
    Index(usize),
    /// `["key"]`
    Key(String),
}

impl Segment {
    fn write(&self, path: &mut String) {
        use std::fmt::Write;
        match self {
            Segment::Member(name) => {
                path.push('.');
                path.push_str(name);
            }
            Segment::Index(i) => {
                write!(path, "[{i}]").ok();
            }
            Segment::Key(key) => {
                write!(path, "[{key:?}]").ok();
            }
        }
    }
}

// -- events --

/// What [`Xml::next`] reads.
enum Ev<'a> {
    /// An element starts (an empty element's [`Ev::Close`] follows at once).
    Open(Tag<'a>),
    /// The innermost open element ends.
    Close,
    /// A piece of the innermost element's text.
    Text(Text<'a>),
    /// The document ended, well-formed.
    Eof,
}

/// A piece of text: characters, CDATA, or a resolved reference.
enum Text<'a> {
    Chars(BytesText<'a>),
    CData(BytesCData<'a>),
    Char(char),
}

impl Text<'_> {
    fn push_to(self, out: &mut String) -> R<()> {
        match self {
            Text::Chars(t) => out.push_str(&t.xml10_content().map_err(Fail::xml)?),
            Text::CData(t) => out.push_str(&t.xml10_content().map_err(Fail::xml)?),
            Text::Char(c) => out.push(c),
        }
        Ok(())
    }
}

/// The `xml` prefix, bound by definition.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Whether text holds a carriage return (which XML reads as a newline):
/// eight bytes at a time, as most texts are short and have none.
fn has_cr(text: &[u8]) -> bool {
    const LOW: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const CR: u64 = u64::from_ne_bytes([b'\r'; 8]);
    let mut chunks = text.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word) ^ CR;
        if x.wrapping_sub(LOW) & !x & HIGH != 0 {
            return true;
        }
    }
    chunks.remainder().contains(&b'\r')
}

/// XML's whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The pull parser, with what well-formedness needs beyond quick-xml's own
/// checks (end tags match): one root element, nothing but whitespace,
/// comments and processing instructions around it, no DTD, only the
/// predefined entities, declared namespace prefixes, and a depth bound.
/// Clones are cheap enough for the rare look-aheads (a few short buffers).
#[derive(Clone)]
struct Xml<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    /// The document, checked to be UTF-8.
    input: &'a str,
    /// Open elements.
    depth: usize,
    /// Prefixed namespace declarations in scope: prefix, URI, and the depth
    /// of the element declaring them.
    namespaces: Vec<(String, String, usize)>,
    /// The element just opened is empty (`<a/>`): its close comes next.
    empty: bool,
    /// The root element has been opened.
    rooted: bool,
}

impl<'a> Xml<'a> {
    fn new(text: &'a str) -> Xml<'a> {
        Xml {
            reader: quick_xml::Reader::from_str(text),
            input: text,
            depth: 0,
            namespaces: Vec::new(),
            empty: false,
            rooted: false,
        }
    }

    fn next(&mut self) -> R<Ev<'a>> {
        if self.empty {
            self.empty = false;
            self.close();
            return Ok(Ev::Close);
        }
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    return Err(Fail::xml(format_args!(
                        "{e} (at byte {})",
                        self.reader.error_position()
                    )))
                }
            };
            match event {
                Event::Start(start) => {
                    let local = self.open(&start, false)?;
                    return Ok(Ev::Open(Tag { start, local }));
                }
                Event::Empty(start) => {
                    let local = self.open(&start, true)?;
                    self.empty = true;
                    return Ok(Ev::Open(Tag { start, local }));
                }
                Event::End(_) => {
                    self.close();
                    return Ok(Ev::Close);
                }
                Event::Text(t) if self.depth > 0 => return Ok(Ev::Text(Text::Chars(t))),
                Event::Text(t) => {
                    if !t.iter().all(|&b| is_space(b)) {
                        return Err(Fail::xml("text outside the root element"));
                    }
                }
                Event::CData(t) if self.depth > 0 => return Ok(Ev::Text(Text::CData(t))),
                Event::GeneralRef(r) if self.depth > 0 => {
                    return Ok(Ev::Text(Text::Char(reference(&r)?)))
                }
                Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(Fail::xml("text outside the root element"))
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(_) => {
                    if self.rooted {
                        return Err(Fail::xml("an XML declaration after the root element"));
                    }
                }
                Event::DocType(_) => {
                    return Err(Fail::xml("document type declarations are not accepted"))
                }
                Event::Eof if self.depth > 0 => return Err(Fail::truncated()),
                Event::Eof if !self.rooted => return Err(Fail::xml("no root element")),
                Event::Eof => return Ok(Ev::Eof),
            }
        }
    }

    /// Takes an element's start: returns its local name.
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> R<&'a str> {
        if self.depth == 0 {
            if self.rooted {
                return Err(Fail::xml("more than one root element"));
            }
            self.rooted = true;
        }
        self.depth += 1;
        if !empty && self.depth > MAX_DEPTH {
            return Err(Fail::xml(format_args!(
                "elements nested more than {MAX_DEPTH} deep"
            )));
        }
        if !e.attributes_raw().iter().all(|&b| is_space(b)) {
            self.attributes(e)?;
        }
        // The reader borrows every event from the input.
        let Some(name) = find_in(self.input, e.name().into_inner()) else {
            return Err(Fail::xml("an element name not in the document"));
        };
        match memchr::memchr(b':', name.as_bytes()) {
            Some(colon) => {
                self.declared(name.get(..colon).unwrap_or_default())?;
                Ok(name.get(colon + 1..).unwrap_or_default())
            }
            None => Ok(name),
        }
    }

    /// Checks an element's attributes (well-formed, unique, known entities,
    /// declared prefixes) and takes its namespace declarations.
    fn attributes(&mut self, e: &BytesStart<'_>) -> R<()> {
        let mut prefixed = false;
        for attribute in e.attributes() {
            let attribute = attribute.map_err(Fail::xml)?;
            if attribute.value.contains(&b'<') {
                return Err(Fail::xml("`<` in an attribute value"));
            }
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(Fail::xml)?;
            let key = utf8_in(self.input, attribute.key.into_inner())?;
            if let Some(prefix) = key.strip_prefix("xmlns:") {
                self.namespaces
                    .push((prefix.to_owned(), value.into_owned(), self.depth));
            } else if key != "xmlns" && key.contains(':') {
                prefixed = true;
            }
        }
        if prefixed {
            for attribute in e.attributes().with_checks(false) {
                let attribute = attribute.map_err(Fail::xml)?;
                match attribute.key.prefix() {
                    Some(p) if !p.is_xmlns() => {
                        self.declared(utf8_in(self.input, p.into_inner())?)?
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn declared(&self, prefix: &str) -> R<()> {
        match self.namespace(prefix) {
            Some(_) => Ok(()),
            None => Err(Fail::xml(format_args!(
                "namespace prefix {prefix:?} is not declared"
            ))),
        }
    }

    /// The URI a prefix is bound to here.
    fn namespace(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        self.namespaces
            .iter()
            .rev()
            .find(|(p, ..)| p == prefix)
            .map(|(_, uri, _)| uri.as_str())
    }

    fn close(&mut self) {
        while self
            .namespaces
            .last()
            .is_some_and(|(.., depth)| *depth == self.depth)
        {
            self.namespaces.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// Reads to the root element and opens it.
    fn root(&mut self) -> R<Tag<'a>> {
        match self.next()? {
            Ev::Open(root) => Ok(root),
            _ => Err(Fail::xml("no root element")),
        }
    }

    /// Reads to the end of the element just opened (or the one the reader
    /// is in), skipping what is inside.
    fn skip(&mut self) -> R<()> {
        let mut open = 1usize;
        loop {
            match self.next()? {
                Ev::Open(_) => open += 1,
                Ev::Close => {
                    open -= 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
                Ev::Text(_) => {}
                Ev::Eof => return Err(Fail::truncated()),
            }
        }
    }

    /// Reads to the end of the document, checking it.
    fn finish(&mut self) -> R<()> {
        loop {
            if let Ev::Eof = self.next()? {
                return Ok(());
            }
        }
    }

    /// Whether a later sibling of the element just opened is named `name`
    /// (a look-ahead on a copy of the reader).
    fn sibling_named(&self, name: &str) -> R<bool> {
        let mut ahead = self.clone();
        ahead.skip()?;
        loop {
            match ahead.next()? {
                Ev::Open(e) => {
                    if local(&e) == name {
                        return Ok(true);
                    }
                    ahead.skip()?;
                }
                Ev::Text(_) => {}
                Ev::Close | Ev::Eof => return Ok(false),
            }
        }
    }

    /// Appends a piece of text to `text`, borrowing from the input while
    /// the text is one piece without references.
    fn append(&self, text: &mut Cow<'a, str>, piece: Text<'a>) -> R<()> {
        let piece = match piece {
            Text::Chars(t) if !has_cr(&t) => match t.into_inner() {
                Cow::Borrowed(b) => Cow::Borrowed(utf8_in(self.input, b)?),
                Cow::Owned(b) => Cow::Owned(String::from_utf8(b).map_err(Fail::xml)?),
            },
            Text::Chars(t) => t.xml10_content().map_err(Fail::xml)?,
            Text::CData(t) => t.xml10_content().map_err(Fail::xml)?,
            Text::Char(c) => {
                self.owned(text).push(c);
                return Ok(());
            }
        };
        if text.is_empty() {
            *text = piece;
        } else {
            self.owned(text).push_str(&piece);
        }
        Ok(())
    }

    /// `text` as an owned string, with room for more (most texts with
    /// references are short: an ETag between two `&quot;`s allocates once).
    fn owned<'t>(&self, text: &'t mut Cow<'a, str>) -> &'t mut String {
        if let Cow::Borrowed(s) = *text {
            let mut owned = String::with_capacity(s.len() + 64);
            owned.push_str(s);
            *text = Cow::Owned(owned);
        }
        text.to_mut()
    }

    /// The value of the attribute `name` of `e` (`attr`, or `prefix:attr`
    /// resolved through the namespace declarations in scope).
    fn attribute<'e>(&self, e: &'e Tag<'_>, name: &str) -> R<Option<Cow<'e, str>>> {
        let (want_prefix, want_local) = match name.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, name),
        };
        for attribute in e.start.attributes().with_checks(false) {
            let attribute = attribute.map_err(Fail::xml)?;
            let (local, prefix) = attribute.key.decompose();
            let prefix = match prefix {
                Some(p) => Some(utf8_in(self.input, p.into_inner())?),
                None => None,
            };
            if local.into_inner() != want_local.as_bytes()
                || prefix == Some("xmlns")
                || attribute.key.into_inner() == b"xmlns"
            {
                continue;
            }
            let same = match (want_prefix, prefix) {
                (None, None) => true,
                (Some(p), Some(q)) => {
                    p == q
                        || self
                            .namespace(p)
                            .is_some_and(|uri| self.namespace(q) == Some(uri))
                }
                _ => false,
            };
            if same {
                return attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map(Some)
                    .map_err(Fail::xml);
            }
        }
        Ok(None)
    }
}

/// The character an entity or character reference stands for: XML's five
/// predefined entities only (no DTD can declare others).
fn reference(r: &BytesRef<'_>) -> R<char> {
    let c = match r.resolve_char_ref() {
        Ok(Some(c)) => c,
        Ok(None) => match &**r {
            b"lt" => '<',
            b"gt" => '>',
            b"amp" => '&',
            b"apos" => '\'',
            b"quot" => '"',
            name => {
                let name = String::from_utf8_lossy(name);
                return Err(Fail::xml(format_args!("unknown entity &{name};")));
            }
        },
        Err(e) => return Err(Fail::xml(e)),
    };
    let allowed = matches!(c, '\t' | '\n' | '\r' | ' '..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}';
    if allowed {
        Ok(c)
    } else {
        Err(Fail::xml(format_args!(
            "&{}; is not a character XML allows",
            String::from_utf8_lossy(r)
        )))
    }
}

// -- the schema-guided reader --

/// What a structure's member has taken so far, while the structure is read.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Elements taken.
    taken: u32,
    /// For a member that may take elements by its member name (see
    /// [`Reader::takes`]): not known yet, yes, or no.
    by_name: u8,
}

const UNKNOWN: u8 = 0;
const YES: u8 = 1;
const NO: u8 = 2;

/// What the reader works out once per read for each structure shape it
/// meets.
#[derive(Debug, Clone, Copy)]
struct Info {
    /// Some member is an XML attribute.
    attributes: bool,
    /// Two members may take the same element (S3's deprecated `Event` and
    /// flattened `Events`, both `<Event>`): each takes it.
    shared: bool,
    /// The members' element names: a hash table of `mask + 1` entries at
    /// `start` in [`Reader::table`].
    start: usize,
    mask: usize,
}

/// Reads values from a document in one pass, guided by the schema: each
/// child element of a structure goes to the member that takes it, found by
/// its name in a table built once per read for each structure shape.
struct Reader<'s, 'a> {
    service: &'s Service,
    xml: Xml<'a>,
    /// The [`Slot`]s of the structures being read, innermost last.
    slots: Vec<Slot>,
    /// By shape id: 1 + the index of the shape's [`Info`], 0 until met
    /// (empty until a structure is read).
    known: Vec<u32>,
    infos: Vec<Info>,
    /// The name tables (see [`Entry`]).
    table: Vec<Entry>,
    decode: Option<&'s TextDecode>,
}

/// How a member takes the child elements with a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    /// The first one (later ones are ignored).
    First,
    /// Every one, in order (flattened lists and maps).
    Every,
    /// Every one, if no child element has the member's element name: the
    /// member name of a flattened list whose items are named (Smithy's
    /// suites name such lists by the member alone).
    ByName,
}

/// An element name in a structure's name table.
#[derive(Debug, Clone, Copy)]
struct Entry {
    name: &'static str,
    /// 1 + the index of the member taking the name; 0 where empty.
    member: u32,
    take: Take,
}

const EMPTY: Entry = Entry {
    name: "",
    member: 0,
    take: Take::First,
};

/// A cheap hash of an element name, for [`Reader::table`]: its length and
/// first, middle and last bytes are what tell a structure's names apart.
fn hash(name: &str) -> usize {
    let b = name.as_bytes();
    let byte = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
    let key = b.len() as u64
        | byte(0) << 16
        | byte(b.len() / 2) << 24
        | byte(b.len().wrapping_sub(1)) << 32;
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize
}

/// Whether a member is read from somewhere else than the body.
fn elsewhere(m: &Member, body_only: bool) -> bool {
    body_only
        && matches!(
            m.location,
            Location::Header | Location::Headers | Location::StatusCode
        )
}

/// The element name a structure member takes ([`flattened_item_name`]),
/// the name it falls back to when no child has that one (its member name,
/// for a flattened list with a named item and no `locationName`: Smithy's
/// suites), and whether it takes every such element (flattened lists and
/// maps) or the first.
fn names(service: &Service, m: &Member) -> (&'static str, Option<&'static str>, bool) {
    let target = service.shape(m.target);
    let many = matches!(target.kind, ShapeKind::List { .. } | ShapeKind::Map { .. })
        && flattened(m, target);
    if let Some(name) = m.location_name {
        return (name, None, many);
    }
    if let (ShapeKind::List { member: item }, true) = (&target.kind, many) {
        if let Some(name) = item.location_name {
            if name != m.name {
                return (name, Some(m.name), true);
            }
        }
    }
    (m.name, None, many)
}

impl<'a> Reader<'_, 'a> {
    fn read(&mut self, steps: &[Step<'_>], target: Target<'_>, out: &mut dyn De) -> R<Found> {
        let mut element = self.xml.root()?;
        for (open, step) in steps.iter().enumerate() {
            match self.child(*step)? {
                Some(child) => element = child,
                None => {
                    self.close(open)?;
                    return Ok(Found::Missing);
                }
            }
        }
        let childless = match target {
            Target::Structure { shape, body_only } => {
                let children = self.structure(shape, &element, out, body_only)?;
                (!children).then(|| local(&element).to_owned())
            }
            Target::Member { member, .. } => {
                self.value(member, &element, out)?;
                None
            }
        };
        self.close(steps.len())?;
        Ok(Found::Read { childless })
    }

    /// Reads to the end of `open` enclosing elements, then of the document.
    fn close(&mut self, open: usize) -> R<()> {
        for _ in 0..open {
            self.xml.skip()?;
        }
        self.xml.finish()
    }

    /// Opens the child element `step` names, or reads to the end of the
    /// current element when there is none.
    fn child(&mut self, step: Step<'_>) -> R<Option<Tag<'a>>> {
        let mut index = 0;
        loop {
            match self.xml.next()? {
                Ev::Open(e) => {
                    let hit = match step {
                        Step::Index(i) => index == i,
                        Step::Named(name) => local(&e) == name,
                    };
                    if hit {
                        return Ok(Some(e));
                    }
                    index += 1;
                    self.xml.skip()?;
                }
                Ev::Close => return Ok(None),
                Ev::Text(_) => {}
                Ev::Eof => return Err(Fail::truncated()),
            }
        }
    }

    /// Reads the attributes and children of `element` (just opened) into
    /// the structure `shape`. Says whether it had child elements.
    fn structure(
        &mut self,
        shape: ShapeId,
        element: &Tag<'_>,
        out: &mut dyn De,
        body_only: bool,
    ) -> R<bool> {
        let s = self.service.shape(shape);
        let Some(st) = s.structure() else {
            return Err(Fail::kind(s, "structure"));
        };
        out.init();
        let info = self.info(shape, st);
        if info.attributes {
            self.attributes(st, element, out, body_only)?;
        }
        let base = self.slots.len();
        self.slots.resize(base + st.members.len(), Slot::default());
        let result = self.members(st, info, base, out, body_only);
        self.slots.truncate(base);
        result
    }

    fn members(
        &mut self,
        st: &StructureShape,
        info: Info,
        base: usize,
        out: &mut dyn De,
        body_only: bool,
    ) -> R<bool> {
        let mut children = false;
        loop {
            let element = match self.xml.next()? {
                Ev::Open(e) => e,
                Ev::Close => return Ok(children),
                Ev::Text(_) => continue,
                Ev::Eof => return Err(Fail::truncated()),
            };
            children = true;
            if info.shared {
                self.shared(st, base, &element, out, body_only)?;
                continue;
            }
            let mut bound = None;
            if let Some((i, take)) = self.lookup(info, local(&element)) {
                if let Some(m) = st.members.get(i) {
                    if !elsewhere(m, body_only) && self.claim(base, i, m, take)? {
                        bound = Some(i);
                    }
                }
            }
            match bound {
                Some(i) => self.member(st, base, i, &element, out)?,
                None => self.xml.skip()?,
            }
        }
    }

    /// The member that may take elements named `name`, and how.
    fn lookup(&self, info: Info, name: &str) -> Option<(usize, Take)> {
        let mut at = hash(name) & info.mask;
        for _ in 0..=info.mask {
            let entry = self.table.get(info.start + at)?;
            if entry.member == 0 {
                return None;
            }
            if entry.name == name {
                return Some((entry.member as usize - 1, entry.take));
            }
            at = (at + 1) & info.mask;
        }
        None
    }

    /// Reads an element that several members may take into each that does
    /// (from copies of the reader, but for the last).
    fn shared(
        &mut self,
        st: &StructureShape,
        base: usize,
        element: &Tag<'_>,
        out: &mut dyn De,
        body_only: bool,
    ) -> R<()> {
        let name = local(element);
        let mut takers = Vec::new();
        for (i, m) in st.members.iter().enumerate() {
            if !m.xml_attribute && !elsewhere(m, body_only) && self.takes(base, i, m, name)? {
                takers.push(i);
            }
        }
        let Some((&last, rest)) = takers.split_last() else {
            return self.xml.skip();
        };
        for &i in rest {
            let at = self.xml.clone();
            self.member(st, base, i, element, out)?;
            self.xml = at;
        }
        self.member(st, base, last, element, out)
    }

    /// Whether member `i` takes a child element named `name` (see
    /// [`Reader::claim`]).
    fn takes(&mut self, base: usize, i: usize, m: &Member, name: &str) -> R<bool> {
        let (primary, fallback, many) = names(self.service, m);
        let take = if primary == name {
            if many {
                Take::Every
            } else {
                Take::First
            }
        } else if fallback == Some(name) {
            Take::ByName
        } else {
            return Ok(false);
        };
        self.claim(base, i, m, take)
    }

    /// Whether member `i` takes the child element just opened, which it
    /// may take as `take` says: the first such element, every one, or, by
    /// its member name, every one when no child element has its element
    /// name (decided by a look-ahead at the first).
    fn claim(&mut self, base: usize, i: usize, m: &Member, take: Take) -> R<bool> {
        let Some(slot) = self.slots.get_mut(base + i) else {
            return Ok(false);
        };
        match take {
            Take::First => Ok(slot.taken == 0),
            Take::Every => {
                slot.by_name = NO;
                Ok(true)
            }
            Take::ByName if slot.by_name != UNKNOWN => Ok(slot.by_name == YES),
            Take::ByName => {
                let primary = names(self.service, m).0;
                let by_name = if self.xml.sibling_named(primary)? {
                    NO
                } else {
                    YES
                };
                self.set_by_name(base + i, by_name);
                Ok(by_name == YES)
            }
        }
    }

    fn set_by_name(&mut self, at: usize, value: u8) {
        if let Some(slot) = self.slots.get_mut(at) {
            slot.by_name = value;
        }
    }

    /// Reads `element` (just opened) into member `i`.
    fn member(
        &mut self,
        st: &StructureShape,
        base: usize,
        i: usize,
        element: &Tag<'_>,
        out: &mut dyn De,
    ) -> R<()> {
        let Some(m) = st.members.get(i) else {
            return self.xml.skip();
        };
        let Some(slot) = self.slots.get_mut(base + i) else {
            return self.xml.skip();
        };
        let taken = slot.taken;
        slot.taken += 1;
        self.member_value(m, i, taken as usize, element, out)
            .map_err(|f| f.at(Segment::Member(m.name)))
    }

    fn member_value(
        &mut self,
        m: &Member,
        i: usize,
        taken: usize,
        element: &Tag<'_>,
        out: &mut dyn De,
    ) -> R<()> {
        let target = self.service.shape(m.target);
        let slot = out.member(i).map_err(Fail::de)?;
        match &target.kind {
            ShapeKind::List { member: item } if flattened(m, target) => {
                if taken == 0 {
                    slot.init();
                }
                let at = |f: Fail| f.at(Segment::Index(taken));
                let item_slot = slot.push().map_err(|e| at(Fail::de(e)))?;
                self.value(item, element, item_slot).map_err(at)
            }
            ShapeKind::Map { key, value } if flattened(m, target) => {
                if taken == 0 {
                    slot.init();
                }
                self.entry(key, value, slot)
            }
            _ => self.value(m, element, slot),
        }
    }

    /// Reads `element` (just opened), of the member reference `m`.
    fn value(&mut self, m: &Member, element: &Tag<'_>, out: &mut dyn De) -> R<()> {
        let target = self.service.shape(m.target);
        match &target.kind {
            ShapeKind::Structure(_) => {
                self.structure(m.target, element, out, false)?;
                Ok(())
            }
            ShapeKind::List { member } => {
                out.init();
                // botocore takes every child element, whatever its name.
                let mut i = 0;
                loop {
                    match self.xml.next()? {
                        Ev::Open(item) => {
                            let at = |f: Fail| f.at(Segment::Index(i));
                            let slot = out.push().map_err(|e| at(Fail::de(e)))?;
                            self.value(member, &item, slot).map_err(at)?;
                            i += 1;
                        }
                        Ev::Close => return Ok(()),
                        Ev::Text(_) => {}
                        Ev::Eof => return Err(Fail::truncated()),
                    }
                }
            }
            ShapeKind::Map { key, value } => {
                out.init();
                loop {
                    match self.xml.next()? {
                        Ev::Open(_) => self.entry(key, value, out)?,
                        Ev::Close => return Ok(()),
                        Ev::Text(_) => {}
                        Ev::Eof => return Err(Fail::truncated()),
                    }
                }
            }
            _ => {
                let mut text = self.text()?;
                if let Some(decode) = self.decode {
                    text = decode.apply(m, text);
                }
                self.scalar(target, timestamp_format(m, target), text, out)
            }
        }
    }

    /// Reads one map entry (just opened): the element holding a key and a
    /// value element, in either order.
    fn entry(&mut self, key: &Member, value: &Member, out: &mut dyn De) -> R<()> {
        let key_name = element_name(key, "key");
        let value_name = element_name(value, "value");
        let mut key_text: Option<Cow<'a, str>> = None;
        // A value before its key: where to read it from once the key is known.
        let mut value_at: Option<(Xml<'a>, Tag<'a>)> = None;
        let mut value_read = false;
        loop {
            let e = match self.xml.next()? {
                Ev::Open(e) => e,
                Ev::Close => break,
                Ev::Text(_) => continue,
                Ev::Eof => return Err(Fail::truncated()),
            };
            let name = local(&e);
            if key_text.is_none() && name == key_name {
                let k = self.text()?;
                if let Some((at, value_element)) = value_at.take() {
                    self.xml = at;
                    self.entry_value(&k, value, &value_element, out)?;
                    value_read = true;
                }
                key_text = Some(k);
            } else if !value_read && value_at.is_none() && name == value_name {
                match &key_text {
                    Some(k) => {
                        self.entry_value(k, value, &e, out)?;
                        value_read = true;
                    }
                    None => {
                        value_at = Some((self.xml.clone(), e));
                        self.xml.skip()?;
                    }
                }
            } else {
                self.xml.skip()?;
            }
        }
        let Some(key_text) = key_text else {
            return Err(Fail::value(format!(
                "map entry without a <{key_name}> element"
            )));
        };
        if !value_read {
            return Err(Fail::value(format!(
                "map entry {key_text:?} without a <{value_name}> element"
            )));
        }
        Ok(())
    }

    fn entry_value(
        &mut self,
        key: &str,
        value: &Member,
        element: &Tag<'_>,
        out: &mut dyn De,
    ) -> R<()> {
        let at = |f: Fail| f.at(Segment::Key(key.to_owned()));
        let slot = out.entry(key.to_owned()).map_err(|e| at(Fail::de(e)))?;
        self.value(value, element, slot).map_err(at)
    }

    /// The text of the element just opened: its text and CDATA children
    /// joined (child elements skipped), borrowed from the input when it is
    /// one piece.
    fn text(&mut self) -> R<Cow<'a, str>> {
        let mut text = Cow::Borrowed("");
        loop {
            match self.xml.next()? {
                Ev::Text(piece) => self.xml.append(&mut text, piece)?,
                Ev::Open(_) => self.xml.skip()?,
                Ev::Close => return Ok(text),
                Ev::Eof => return Err(Fail::truncated()),
            }
        }
    }

    fn scalar(
        &self,
        shape: &Shape,
        format: Option<TimestampFormat>,
        text: Cow<'_, str>,
        out: &mut dyn De,
    ) -> R<()> {
        if let ShapeKind::Enum { .. } = shape.kind {
            return out.set_str(&text).map_err(Fail::de);
        }
        let value =
            scalar_value(shape, format, TimestampFormat::Iso8601, text).map_err(Fail::value)?;
        out.set(value).map_err(Fail::de)
    }

    /// Reads the attribute members of a structure from its element.
    fn attributes(
        &mut self,
        st: &StructureShape,
        element: &Tag<'_>,
        out: &mut dyn De,
        body_only: bool,
    ) -> R<()> {
        for (i, m) in st.members.iter().enumerate() {
            if !m.xml_attribute || elsewhere(m, body_only) {
                continue;
            }
            let Some(value) = self.xml.attribute(element, m.wire_name())? else {
                continue;
            };
            let target = self.service.shape(m.target);
            out.member(i)
                .map_err(Fail::de)
                .and_then(|slot| self.scalar(target, timestamp_format(m, target), value, slot))
                .map_err(|f| f.at(Segment::Member(m.name)))?;
        }
        Ok(())
    }

    /// What the reader needs to know of structure `shape`, worked out on
    /// first use.
    fn info(&mut self, shape: ShapeId, st: &StructureShape) -> Info {
        let at = shape as usize;
        if self.known.len() <= at {
            self.known.resize(self.service.shapes.len().max(at + 1), 0);
        }
        if let Some(info) = self
            .known
            .get(at)
            .and_then(|&k| self.infos.get((k as usize).checked_sub(1)?))
        {
            return *info;
        }
        let service = self.service;
        let entries: usize = (st.members.iter())
            .filter(|m| !m.xml_attribute)
            .map(|m| 1 + usize::from(names(service, m).1.is_some()))
            .sum();
        let size = (2 * entries).max(4).next_power_of_two();
        let start = self.table.len();
        self.table.resize(start + size, EMPTY);
        let mask = size - 1;
        let mut shared = false;
        for (i, m) in st.members.iter().enumerate() {
            if m.xml_attribute {
                continue;
            }
            let (primary, fallback, many) = names(service, m);
            let first = if many { Take::Every } else { Take::First };
            let bindings =
                std::iter::once((primary, first)).chain(fallback.map(|f| (f, Take::ByName)));
            for (name, take) in bindings {
                let mut slot = hash(name) & mask;
                for _ in 0..size {
                    match self.table.get_mut(start + slot) {
                        Some(entry) if entry.member == 0 => {
                            let member = u32::try_from(i + 1).unwrap_or(0);
                            *entry = Entry { name, member, take };
                            break;
                        }
                        Some(entry) if entry.name == name => {
                            shared = true;
                            break;
                        }
                        Some(_) => slot = (slot + 1) & mask,
                        None => break,
                    }
                }
            }
        }
        let info = Info {
            attributes: st.members.iter().any(|m| m.xml_attribute),
            shared,
            start,
            mask,
        };
        self.infos.push(info);
        if let Some(k) = self.known.get_mut(at) {
            *k = u32::try_from(self.infos.len()).unwrap_or(0);
        }
        info
    }
}

// ---- writing ----

/// Escapes text content. Carriage returns and newlines are written as
/// character references so that XML end-of-line handling keeps them.
pub fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value (double-quoted).
pub fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' => out.push_str("&#xA;"),
            '\t' => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
}

/// Writes values as XML, guided by the schema.
pub struct Writer<'s> {
    service: &'s Service,
    out: String,
}

impl<'s> Writer<'s> {
    /// A writer with an empty document, for `service`'s shapes.
    pub fn new(service: &'s Service) -> Writer<'s> {
        Writer {
            service,
            out: String::new(),
        }
    }

    /// The XML text written so far.
    pub fn finish(self) -> String {
        self.out
    }

    fn open(&mut self, name: &str, ns: Option<XmlNamespace>) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(ns) = ns {
            self.out.push_str(" xmlns");
            if let Some(p) = ns.prefix {
                self.out.push(':');
                self.out.push_str(p);
            }
            self.out.push_str("=\"");
            escape_attr(ns.uri, &mut self.out);
            self.out.push('"');
        }
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes structure `shape` as the element `name`. With `body_only`,
    /// members bound elsewhere (headers, URI, query string) are skipped.
    pub fn structure(
        &mut self,
        name: &str,
        ns: Option<XmlNamespace>,
        shape: ShapeId,
        value: &dyn StructSer,
        body_only: bool,
    ) -> Result<(), SerializeError> {
        let service = self.service;
        let s = service.shape(shape);
        let Some(st) = s.structure() else {
            return Err(SerializeError::new(s.name, "", "not a structure"));
        };
        let in_body = |m: &Member| !body_only || m.location == Location::Body;
        self.open(name, ns);
        for (i, m) in st.members.iter().enumerate() {
            if !m.xml_attribute || !in_body(m) {
                continue;
            }
            let Some(v) = value.member(i) else { continue };
            let target = service.shape(m.target);
            let text = scalar_text(target, timestamp_format(m, target), v)
                .map_err(|e| SerializeError::new(s.name, m.name, e))?;
            self.out.push(' ');
            self.out.push_str(m.wire_name());
            self.out.push_str("=\"");
            escape_attr(&text, &mut self.out);
            self.out.push('"');
        }
        self.out.push('>');
        for (i, m) in st.members.iter().enumerate() {
            if m.xml_attribute || !in_body(m) {
                continue;
            }
            let Some(v) = value.member(i) else { continue };
            self.member(s, m, v)?;
        }
        self.close(name);
        Ok(())
    }

    /// Writes a structure member (flattened lists and maps repeat their
    /// element in the parent).
    fn member(&mut self, owner: &Shape, m: &Member, v: &dyn Ser) -> Result<(), SerializeError> {
        let target = self.service.shape(m.target);
        let name = element_name(m, m.name);
        if flattened(m, target) {
            match (&target.kind, v.value()) {
                (ShapeKind::List { member }, ValueRef::List(items)) => {
                    for i in 0..items.len() {
                        self.value(owner, m.name, member, name, items.get(i))?;
                    }
                    return Ok(());
                }
                (ShapeKind::Map { key, value }, ValueRef::Map(map)) => {
                    let mut result = Ok(());
                    map.for_each(&mut |k, val| {
                        if result.is_ok() {
                            self.open(name, None);
                            self.out.push('>');
                            result = self.entry(owner, m.name, key, value, k, val);
                            self.close(name);
                        }
                    });
                    return result;
                }
                _ => {}
            }
        }
        self.value(owner, m.name, m, name, v)
    }

    /// Writes `v`, of the member reference `m`, as the element `name`.
    /// `owner`/`field` name the structure member for errors.
    fn value(
        &mut self,
        owner: &Shape,
        field: &str,
        m: &Member,
        name: &str,
        v: &dyn Ser,
    ) -> Result<(), SerializeError> {
        let service = self.service;
        let target = service.shape(m.target);
        let ns = namespace(m, target);
        let mismatch = |v: &ValueRef<'_>| {
            SerializeError::new(
                owner.name,
                field,
                format!(
                    "{} value does not fit shape {} ({})",
                    value_kind(v),
                    target.name,
                    kind_name(&target.kind)
                ),
            )
        };
        match (&target.kind, v.value()) {
            (ShapeKind::Structure(st), ValueRef::Struct(s)) if !st.document => {
                self.structure(name, ns, m.target, s, false)
            }
            (ShapeKind::Structure(_), other) => Err(mismatch(&other)),
            (ShapeKind::List { member }, ValueRef::List(items)) => {
                let item_name = element_name(member, "member");
                self.open(name, ns);
                self.out.push('>');
                for i in 0..items.len() {
                    self.value(owner, field, member, item_name, items.get(i))?;
                }
                self.close(name);
                Ok(())
            }
            (ShapeKind::List { .. }, other) => Err(mismatch(&other)),
            (ShapeKind::Map { key, value }, ValueRef::Map(map)) => {
                self.open(name, ns);
                self.out.push('>');
                let mut result = Ok(());
                map.for_each(&mut |k, val| {
                    if result.is_ok() {
                        self.out.push_str("<entry>");
                        result = self.entry(owner, field, key, value, k, val);
                        self.out.push_str("</entry>");
                    }
                });
                result?;
                self.close(name);
                Ok(())
            }
            (ShapeKind::Map { .. }, other) => Err(mismatch(&other)),
            _ => {
                let text = scalar_text(target, timestamp_format(m, target), v)
                    .map_err(|e| SerializeError::new(owner.name, field, e))?;
                self.open(name, ns);
                self.out.push('>');
                escape_text(&text, &mut self.out);
                self.close(name);
                Ok(())
            }
        }
    }

    fn entry(
        &mut self,
        owner: &Shape,
        field: &str,
        key: &Member,
        value: &Member,
        k: &str,
        v: &dyn Ser,
    ) -> Result<(), SerializeError> {
        let key_target = self.service.shape(key.target);
        let key_name = element_name(key, "key");
        self.open(key_name, namespace(key, key_target));
        self.out.push('>');
        escape_text(k, &mut self.out);
        self.close(key_name);
        let value_name = element_name(value, "value");
        self.value(owner, field, value, value_name, v)
    }

    /// Writes a rest-xml `payload` member as the whole document. The root is
    /// named by the member's `locationName` (S3 relies on it:
    /// `<LifecycleConfiguration>` for shape `BucketLifecycleConfiguration`),
    /// unless that only repeats the member name and the shape has its own;
    /// else by the shape name.
    pub fn payload_member(
        &mut self,
        owner: &Shape,
        m: &Member,
        v: &dyn Ser,
    ) -> Result<(), SerializeError> {
        let target = self.service.shape(m.target);
        let name = match (m.location_name, target.xml_name) {
            (Some(l), Some(shape_name)) if l == m.name => shape_name,
            (Some(l), _) => l,
            (None, shape_name) => shape_name.unwrap_or(target.name),
        };
        self.value(owner, m.name, m, name, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut s = String::new();
        escape_text("a<b>&c\r\nd\"", &mut s);
        assert_eq!(s, "a&lt;b&gt;&amp;c&#xD;&#xA;d\"");
        let mut s = String::new();
        escape_attr("<t&m>\"", &mut s);
        assert_eq!(s, "&lt;t&amp;m&gt;&quot;");
    }

    use crate::dynamic::{build_service, DynValue};
    use crate::model::ServiceModel;

    /// A service whose `Out` structure has one member of each kind the
    /// reader treats apart.
    fn service() -> &'static Service {
        let model: ServiceModel = serde_json::from_value(serde_json::json!({
            "metadata": {"protocol": "rest-xml", "apiVersion": "2020-01-01"},
            "operations": {"Op": {
                "name": "Op",
                "http": {"method": "GET", "requestUri": "/"},
                "output": {"shape": "Out"}
            }},
            "shapes": {
                "Out": {"type": "structure", "members": {
                    "Name": {"shape": "Str"},
                    "Renamed": {"shape": "Str", "locationName": "Other"},
                    "Count": {"shape": "Int"},
                    "Items": {"shape": "Items"},
                    "Flat": {"shape": "Flat", "flattened": true, "locationName": "Flat"},
                    "Smithy": {"shape": "Named"},
                    "Tags": {"shape": "Tags"},
                    "FlatTags": {"shape": "Tags", "flattened": true, "locationName": "FlatTag"},
                    "Grantee": {"shape": "Grantee"},
                    "Event": {"shape": "Str"},
                    "Events": {"shape": "Events", "flattened": true, "locationName": "Event"},
                    "Nested": {"shape": "Out"},
                    "Header": {"shape": "Str", "location": "header", "locationName": "Name"}
                }},
                "Items": {"type": "list", "member": {"shape": "Item"}},
                "Item": {"type": "structure", "members": {"Value": {"shape": "Int"}}},
                "Flat": {"type": "list", "member": {"shape": "Str"}},
                "Named": {"type": "list", "member": {"shape": "Str", "locationName": "Entry"},
                          "flattened": true},
                "Events": {"type": "list", "member": {"shape": "Str"}},
                "Tags": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Int"}},
                "Grantee": {"type": "structure", "members": {
                    "Type": {"shape": "Str", "xmlAttribute": true, "locationName": "xsi:type"},
                    "Plain": {"shape": "Str", "xmlAttribute": true, "locationName": "plain"},
                    "Id": {"shape": "Str"}
                }},
                "Str": {"type": "string"},
                "Int": {"type": "integer"}
            }
        }))
        .expect("model");
        build_service("xmltest", &model).expect("schema")
    }

    fn out_shape(service: &Service) -> ShapeId {
        let at = service.shapes.iter().position(|s| s.name == "Out");
        ShapeId::try_from(at.expect("Out")).expect("id")
    }

    fn read_with(body: &str, body_only: bool) -> Result<serde_json::Value, DeserializeError> {
        let service = service();
        let shape = out_shape(service);
        let doc = document(body.as_bytes())?.expect("a document");
        let mut out = DynValue::Empty;
        doc.read(
            service,
            &[],
            Target::Structure { shape, body_only },
            &mut out,
        )?;
        Ok(out.to_json(service, shape))
    }

    fn read(body: &str) -> Result<serde_json::Value, DeserializeError> {
        read_with(body, true)
    }

    fn invalid(body: &str) -> String {
        let e = read(body).expect_err(body);
        assert!(e.message.starts_with("invalid XML"), "{body}: {e}");
        assert_eq!(e.path, "", "{body}");
        e.message
    }

    #[test]
    fn structures_take_the_first_element_and_skip_unknown_ones() {
        let v = read(
            "<?xml version=\"1.0\"?>\n<Out xmlns=\"urn:x\"><Unknown><Name>no</Name><Deep><a/></Deep></Unknown>\
             <Name>first</Name><Other>o</Other><Name>second</Name><Count> 7 </Count>\
             <Renamed>ignored</Renamed><!-- c --><?pi x?></Out>",
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Name": "first", "Renamed": "o", "Count": 7})
        );
        // Elements out of model order, and a member that is a header here.
        let v = read("\u{feff}<Out><Name>bom</Name></Out>").unwrap();
        assert_eq!(v, serde_json::json!({"Name": "bom"}));
        let v = read_with("<Out><Count>1</Count><Name>n</Name></Out>", false).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Name": "n", "Header": "n", "Count": 1})
        );
    }

    #[test]
    fn lists_maps_and_flattened_members() {
        let v = read(
            "<Out><Items><member><Value>1</Value></member><anything><Value>2</Value></anything></Items>\
             <Flat>a</Flat><Name>n</Name><Flat>b</Flat>\
             <Tags><entry><key>x</key><value>1</value></entry><entry><value>2</value><key>y</key></entry></Tags>\
             <FlatTag><key>z</key><value>3</value></FlatTag><FlatTag><key>w</key><value>4</value></FlatTag></Out>",
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "Name": "n",
                "Items": [{"Value": 1}, {"Value": 2}],
                "Flat": ["a", "b"],
                "Tags": {"x": 1, "y": 2},
                "FlatTags": {"z": 3, "w": 4}
            })
        );
        let e = read("<Out><Tags><entry><value>1</value></entry></Tags></Out>").unwrap_err();
        assert_eq!(e.path, "Out.Tags");
        assert_eq!(e.message, "map entry without a <key> element");
        let e = read("<Out><Tags><entry><key>k</key></entry></Tags></Out>").unwrap_err();
        assert_eq!(e.message, "map entry \"k\" without a <value> element");
        let e = read("<Out><Tags><entry><key>k</key><value>x</value></entry></Tags></Out>")
            .unwrap_err();
        assert_eq!(e.path, "Out.Tags[\"k\"]");
    }

    #[test]
    fn flattened_lists_fall_back_to_the_member_name() {
        // Items named by the list's member...
        let v = read("<Out><Entry>a</Entry><Entry>b</Entry></Out>").unwrap();
        assert_eq!(v, serde_json::json!({"Smithy": ["a", "b"]}));
        // ...else by the member name (Smithy's suites)...
        let v = read("<Out><Smithy>a</Smithy><Smithy>b</Smithy></Out>").unwrap();
        assert_eq!(v, serde_json::json!({"Smithy": ["a", "b"]}));
        // ...but only when no element has the item name, wherever it is.
        let v = read("<Out><Smithy>a</Smithy><Name>n</Name><Entry>b</Entry></Out>").unwrap();
        assert_eq!(v, serde_json::json!({"Name": "n", "Smithy": ["b"]}));
    }

    #[test]
    fn members_sharing_an_element_each_take_it() {
        let v = read("<Out><Event>a</Event><Name>n</Name><Event>b</Event></Out>").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Name": "n", "Event": "a", "Events": ["a", "b"]})
        );
    }

    #[test]
    fn attributes_resolve_prefixes() {
        let v = read(
            "<Out xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\
             <Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"User\" \
             plain=\"a &amp; b\"><Id>1</Id></Grantee></Out>",
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Grantee": {"Type": "User", "Plain": "a & b", "Id": "1"}})
        );
        // Another prefix for the same namespace; an unprefixed `type` is not it.
        let v = read(
            "<Out xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\
             <Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" i:type=\"G\"/>\
             <Nested><Grantee type=\"no\"/></Nested></Out>",
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Grantee": {"Type": "G"}, "Nested": {"Grantee": {}}})
        );
    }

    #[test]
    fn text_joins_cdata_and_resolves_references() {
        let v = read(
            "<Out><Name>&quot;x&quot;<![CDATA[<y>]]>&#x41;&#66;<b>skipped</b>z\r\nw&#xD;</Name></Out>",
        )
        .unwrap();
        assert_eq!(v, serde_json::json!({"Name": "\"x\"<y>ABz\nw\r"}));
        let v = read("<Out><Name/><Other></Other></Out>").unwrap();
        assert_eq!(v, serde_json::json!({"Name": "", "Renamed": ""}));
    }

    #[test]
    fn carriage_returns_are_found_anywhere() {
        for text in ["", "a", "abcdefgh", "abcdefghijklmnopq"] {
            assert!(!has_cr(text.as_bytes()), "{text:?}");
        }
        for text in [
            "\r",
            "abc\rdefgh",
            "abcdefgh\r",
            "abcdefghijklmnop\r",
            "\u{d}\u{e9}",
        ] {
            assert!(has_cr(text.as_bytes()), "{text:?}");
        }
    }

    #[test]
    fn bad_values_name_their_path() {
        let e = read("<Out><Items><member><Value>1</Value></member><member><Value>x</Value></member></Items></Out>")
            .unwrap_err();
        assert_eq!(e.path, "Out.Items[1].Value");
        let e = read("<Out><Nested><Flat>a</Flat><Count>no</Count></Nested></Out>").unwrap_err();
        assert_eq!(e.path, "Out.Nested.Count");
        assert_eq!(e.message, "\"no\" is not an integer");
        // A fault in the document wins over a bad value before it.
        invalid("<Out><Count>no</Count><Name>");
    }

    /// Issue 12: XML nested 200,000 deep aborted the process (stack overflow).
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 200_000;
        let body = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(invalid(&body).contains("nested"));
        // Through members too (`Nested` is recursive).
        let body = format!(
            "<Out>{}{}</Out>",
            "<Nested>".repeat(depth),
            "</Nested>".repeat(depth)
        );
        assert!(invalid(&body).contains("nested"));
        // Ordinary depths read; what looks like tags inside comments, CDATA
        // and attribute values, and empty elements, do not count.
        let inner = "<b x='c>' y=\"/>\"/><!-- <c><c> --><![CDATA[<c><c>]]><?p <c> ?>";
        let body = format!(
            "<?xml version=\"1.0\"?><Out>{}{inner}{}</Out>",
            "<a>".repeat(MAX_DEPTH - 1),
            "</a>".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(read(&body).unwrap(), serde_json::json!({}));
        let body = format!(
            "<Out>{}{}</Out>",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(invalid(&body).contains("nested"));
    }

    #[test]
    fn malformed_documents_are_errors() {
        for body in [
            "<Out><Name>x</Name>",
            "<Out><Name>x</Nam></Out>",
            "<Out><Name>x</Name></Out></Out>",
            "<Out/><Out/>",
            "<Out/>trailing",
            "text<Out/>",
            "<Out><Name>&nbsp;</Name></Out>",
            "<Out><Name>&#0;</Name></Out>",
            "<Out><Name>a & b</Name></Out>",
            "<!DOCTYPE Out [<!ENTITY e \"x\">]><Out><Name>&e;</Name></Out>",
            "<Out><p:Name>x</p:Name></Out>",
            "<Out><Name a=\"1\" a=\"2\">x</Name></Out>",
            "<Out><Name a=\"&bad;\">x</Name></Out>",
            "<Out><Name a=1>x</Name></Out>",
            "<Out><Skipped><x></Skipped></Out>",
            "<!-- only a comment -->",
            "<Out",
        ] {
            invalid(body);
        }
        let e = document(b"<Out>\xff</Out>").unwrap_err();
        assert!(e.message.contains("UTF-8"), "{e}");
        assert!(document(b" \r\n ").unwrap().is_none());
        assert!(document(b"").unwrap().is_none());
    }

    #[test]
    fn steps_and_outlines() {
        let service = service();
        let shape = out_shape(service);
        let body = "<R><A><Name>a</Name></A><B><Name>b</Name></B><B><Name>c</Name></B></R>";
        let doc = document(body.as_bytes()).unwrap().unwrap();
        let target = Target::Structure {
            shape,
            body_only: true,
        };
        let mut out = DynValue::Empty;
        let found = doc
            .read(service, &[Step::Named("B")], target, &mut out)
            .unwrap();
        assert_eq!(found, Found::Read { childless: None });
        assert_eq!(
            out.to_json(service, shape),
            serde_json::json!({"Name": "b"})
        );
        let mut out = DynValue::Empty;
        doc.read(service, &[Step::Index(2)], target, &mut out)
            .unwrap();
        assert_eq!(
            out.to_json(service, shape),
            serde_json::json!({"Name": "c"})
        );
        let mut out = DynValue::Empty;
        let found = doc
            .read(service, &[Step::Named("C")], target, &mut out)
            .unwrap();
        assert_eq!(found, Found::Missing);
        let doc = document(b"<R>text</R>").unwrap().unwrap();
        let found = doc.read(service, &[], target, &mut out).unwrap();
        assert_eq!(
            found,
            Found::Read {
                childless: Some("R".into())
            }
        );

        let doc = document(b"<R>x<A>a<C>deep</C></A>y<B/></R>")
            .unwrap()
            .unwrap();
        let root = doc.outline(2).unwrap();
        assert_eq!((root.name.as_str(), root.text.as_str()), ("R", "xy"));
        assert_eq!(root.child("A").map(|a| a.text.as_str()), Some("a"));
        assert!(root.child("A").is_some_and(|a| a.children.is_empty()));
        assert_eq!(root.position("B"), Some(1));
        assert!(document(b"<R><A></R>")
            .unwrap()
            .unwrap()
            .outline(2)
            .is_err());
    }

    #[test]
    fn floats_format_like_botocore() {
        assert_eq!(float_text(&ShapeKind::Double, f64::NAN), "NaN");
        assert_eq!(
            float_text(&ShapeKind::Double, f64::NEG_INFINITY),
            "-Infinity"
        );
        assert_eq!(float_text(&ShapeKind::Float, 10.8f32 as f64), "10.8");
        assert_eq!(float_text(&ShapeKind::Double, 5.1), "5.1");
    }

    #[test]
    fn bad_scalars_are_errors() {
        let shape = Shape {
            kind: ShapeKind::Integer,
            ..Shape::DEFAULT
        };
        assert!(parse_scalar(&shape, None, TimestampFormat::Iso8601, "x1").is_err());
        let shape = Shape {
            kind: ShapeKind::Boolean,
            ..Shape::DEFAULT
        };
        assert!(parse_scalar(&shape, None, TimestampFormat::Iso8601, "yes").is_err());
    }
}
