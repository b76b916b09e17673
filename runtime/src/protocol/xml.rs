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
use roxmltree::{Document, Node};

use super::{DeserializeError, SerializeError};
use crate::schema::{
    Location, Member, Service, Shape, ShapeId, ShapeKind, TimestampFormat, XmlNamespace,
};
use crate::time::DateTime;
use crate::value::{De, Scalar, Ser, StructSer, ValueRef};

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
    let trimmed = text.trim();
    Ok(match &shape.kind {
        ShapeKind::String | ShapeKind::Enum { .. } => Scalar::Str(text.to_owned()),
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

/// Parses a response body. An empty body gives `None`.
pub fn parse(body: &[u8]) -> Result<Option<Document<'_>>, DeserializeError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| DeserializeError::new("", format!("body is not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    if nesting_exceeds(text.as_bytes(), MAX_DEPTH) {
        return Err(DeserializeError::new(
            "",
            format!("invalid XML: elements nested more than {MAX_DEPTH} deep"),
        ));
    }
    Document::parse(text)
        .map(Some)
        .map_err(|e| DeserializeError::new("", format!("invalid XML: {e}")))
}

/// The deepest element nesting a response may have: roxmltree's tokenizer
/// recurses per level (about 5.6 KiB of stack each in a debug build, so ~370
/// levels exhaust a 2 MiB thread and a hostile body could abort the
/// process). AWS's deepest responses are a few dozen levels.
pub const MAX_DEPTH: usize = 100;

/// Whether `xml` nests elements deeper than `limit`: one pass over the tags,
/// skipping comments, CDATA, processing instructions, declarations and
/// quoted attribute values. Malformed input is left to the parser.
fn nesting_exceeds(xml: &[u8], limit: usize) -> bool {
    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }
    let mut depth = 0usize;
    let mut rest = xml;
    while let Some(open) = rest.iter().position(|&b| b == b'<') {
        rest = rest.get(open + 1..).unwrap_or_default();
        let (skip_to, skip_len): (Option<usize>, usize) = if rest.starts_with(b"!--") {
            (find(rest, b"-->"), 3)
        } else if rest.starts_with(b"![CDATA[") {
            (find(rest, b"]]>"), 3)
        } else if rest.starts_with(b"/") {
            depth = depth.saturating_sub(1);
            (rest.iter().position(|&b| b == b'>'), 1)
        } else if rest.starts_with(b"?") || rest.starts_with(b"!") {
            (rest.iter().position(|&b| b == b'>'), 1)
        } else {
            // A start tag: to its `>`, outside quoted attribute values.
            let mut quote = None;
            let mut end = None;
            for (i, &b) in rest.iter().enumerate() {
                match quote {
                    Some(q) if b == q => quote = None,
                    Some(_) => {}
                    None if b == b'"' || b == b'\'' => quote = Some(b),
                    None if b == b'>' => {
                        end = Some(i);
                        break;
                    }
                    None => {}
                }
            }
            let self_closing =
                end.and_then(|e| e.checked_sub(1)).and_then(|e| rest.get(e)) == Some(&b'/');
            if end.is_some() && !self_closing {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            (end, 1)
        };
        match skip_to {
            Some(at) => rest = rest.get(at + skip_len..).unwrap_or_default(),
            None => return false,
        }
    }
    false
}

/// The first child element named `name` (local name, any namespace).
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The text of `node`: its text and CDATA children joined.
pub fn text<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let mut texts = node.children().filter(|c| c.is_text());
    match (texts.next(), texts.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(a), None) => Cow::Borrowed(a.text().unwrap_or_default()),
        (Some(a), Some(b)) => {
            let mut s = String::from(a.text().unwrap_or_default());
            s.push_str(b.text().unwrap_or_default());
            for c in texts {
                s.push_str(c.text().unwrap_or_default());
            }
            Cow::Owned(s)
        }
    }
}

/// Reads XML into values, guided by the schema. Keeps the path of the value
/// being read for errors (`Output.items[3].name`).
pub struct Reader<'s> {
    service: &'s Service,
    path: String,
}

impl<'s> Reader<'s> {
    /// `root` names the shape being read, to start error paths.
    pub fn new(service: &'s Service, root: &str) -> Reader<'s> {
        Reader {
            service,
            path: root.to_owned(),
        }
    }

    fn fail(&self, message: impl Into<String>) -> DeserializeError {
        DeserializeError::new(self.path.clone(), message)
    }

    fn with<T>(
        &mut self,
        segment: std::fmt::Arguments<'_>,
        f: impl FnOnce(&mut Self) -> Result<T, DeserializeError>,
    ) -> Result<T, DeserializeError> {
        let len = self.path.len();
        std::fmt::Write::write_fmt(&mut self.path, segment).ok();
        let r = f(self);
        self.path.truncate(len);
        r
    }

    /// Reads the children (and attributes) of `node` into the structure
    /// `shape`. With `body_only`, members bound to headers or the status
    /// code, URI) are left alone.
    pub fn structure(
        &mut self,
        shape: ShapeId,
        node: Node<'_, '_>,
        out: &mut dyn De,
        body_only: bool,
    ) -> Result<(), DeserializeError> {
        let service = self.service;
        let s = service.shape(shape);
        let Some(st) = s.structure() else {
            return self.fail_kind(s, "structure");
        };
        out.init();
        for (i, m) in st.members.iter().enumerate() {
            if body_only
                && matches!(
                    m.location,
                    Location::Header | Location::Headers | Location::StatusCode
                )
            {
                continue;
            }
            if m.xml_attribute {
                if let Some(value) = attribute(node, m.wire_name()) {
                    let target = service.shape(m.target);
                    self.with(format_args!(".{}", m.name), |r| {
                        let slot = out.member(i).map_err(|e| r.fail(e.to_string()))?;
                        r.scalar(target, timestamp_format(m, target), value, slot)
                    })?;
                }
                continue;
            }
            let named = |name: &str| {
                node.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == name)
                    .collect::<Vec<_>>()
            };
            let mut matches = named(flattened_item_name(service, m));
            if matches.is_empty() && m.location_name.is_none() {
                // Smithy's suites name flattened lists by the member alone.
                matches = named(m.name);
            }
            if matches.is_empty() {
                continue;
            }
            self.with(format_args!(".{}", m.name), |r| {
                let slot = out.member(i).map_err(|e| r.fail(e.to_string()))?;
                r.member(m, matches.into_iter(), slot)
            })?;
        }
        Ok(())
    }

    /// Reads the elements of one structure member (several for flattened
    /// lists and maps, else the first).
    fn member<'a, 'i: 'a>(
        &mut self,
        m: &Member,
        mut nodes: impl Iterator<Item = Node<'a, 'i>>,
        out: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let target = self.service.shape(m.target);
        match &target.kind {
            ShapeKind::List { member } if flattened(m, target) => {
                out.init();
                for (i, node) in nodes.enumerate() {
                    self.with(format_args!("[{i}]"), |r| {
                        let slot = out.push().map_err(|e| r.fail(e.to_string()))?;
                        r.value(member, node, slot)
                    })?;
                }
                Ok(())
            }
            ShapeKind::Map { key, value } if flattened(m, target) => {
                out.init();
                for node in nodes {
                    self.entry(key, value, node, out)?;
                }
                Ok(())
            }
            _ => match nodes.next() {
                Some(node) => self.value(m, node, out),
                None => Ok(()),
            },
        }
    }

    /// Reads the element `node` of the member reference `m`.
    pub fn value(
        &mut self,
        m: &Member,
        node: Node<'_, '_>,
        out: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let target = self.service.shape(m.target);
        match &target.kind {
            ShapeKind::Structure(_) => self.structure(m.target, node, out, false),
            ShapeKind::List { member } => {
                out.init();
                // botocore takes every child element, whatever its name.
                for (i, item) in node.children().filter(|c| c.is_element()).enumerate() {
                    self.with(format_args!("[{i}]"), |r| {
                        let slot = out.push().map_err(|e| r.fail(e.to_string()))?;
                        r.value(member, item, slot)
                    })?;
                }
                Ok(())
            }
            ShapeKind::Map { key, value } => {
                out.init();
                for entry in node.children().filter(|c| c.is_element()) {
                    self.entry(key, value, entry, out)?;
                }
                Ok(())
            }
            _ => self.scalar(target, timestamp_format(m, target), &text(node), out),
        }
    }

    /// Reads one map entry: the element holding a key and a value element.
    fn entry(
        &mut self,
        key: &Member,
        value: &Member,
        node: Node<'_, '_>,
        out: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let key_name = element_name(key, "key");
        let value_name = element_name(value, "value");
        let Some(key_node) = child(node, key_name) else {
            return Err(self.fail(format!("map entry without a <{key_name}> element")));
        };
        let key_text = text(key_node).into_owned();
        let Some(value_node) = child(node, value_name) else {
            return Err(self.fail(format!(
                "map entry {key_text:?} without a <{value_name}> element"
            )));
        };
        self.with(format_args!("[{key_text:?}]"), |r| {
            let slot = out
                .entry(key_text.clone())
                .map_err(|e| r.fail(e.to_string()))?;
            r.value(value, value_node, slot)
        })
    }

    /// Reads a rest-xml `payload` member from the document's root element
    /// (whatever its name).
    pub fn payload(
        &mut self,
        m: &Member,
        root: Node<'_, '_>,
        out: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        self.with(format_args!(".{}", m.name), |r| r.value(m, root, out))
    }

    /// Sets a scalar read from `text`.
    pub fn scalar(
        &mut self,
        shape: &Shape,
        format: Option<TimestampFormat>,
        text: &str,
        out: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let value = parse_scalar(shape, format, TimestampFormat::Iso8601, text)
            .map_err(|e| self.fail(e))?;
        out.set(value).map_err(|e| self.fail(e.to_string()))
    }

    fn fail_kind(&self, s: &Shape, expected: &str) -> Result<(), DeserializeError> {
        Err(self.fail(format!(
            "shape {} is a {}, expected a {expected}",
            s.name,
            kind_name(&s.kind)
        )))
    }
}

/// The value of attribute `name` (`attr`, or `prefix:attr` resolved through
/// the element's namespace declarations).
fn attribute<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    node.attributes()
        .find(|a| {
            a.name() == local
                && match (prefix, a.namespace()) {
                    (None, None) => true,
                    (Some(p), Some(uri)) => node.lookup_prefix(uri) == Some(p),
                    _ => false,
                }
        })
        .map(|a| a.value())
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

    /// Issue 12: XML nested 200,000 deep aborted the process (stack overflow).
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 200_000;
        let body = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let e = parse(body.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("nested"), "{e}");
        // Ordinary depths parse; what looks like tags inside comments, CDATA
        // and attribute values, and self-closing tags, do not count.
        let inner = "<b x='c>' y=\"/>\"/><!-- <c><c> --><![CDATA[<c><c>]]><?p <c> ?>";
        let body = format!(
            "<?xml version=\"1.0\"?>{}{inner}{}",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(parse(body.as_bytes()).unwrap().is_some());
        let body = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(body.as_bytes()).is_err());
    }

    #[test]
    fn text_joins_cdata() {
        let doc = Document::parse("<a>x<![CDATA[<y>]]>z</a>").unwrap();
        assert_eq!(text(doc.root_element()), "x<y>z");
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
