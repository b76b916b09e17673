//! HTTP bindings shared by rest-json and rest-xml: everything of a rest
//! message that does not depend on the body format.
//!
//! Request side, in the order a rest codec uses it:
//! - [`Input::new`]: the operation input with absent `idempotencyToken`
//!   members filled (also used by the json codec);
//! - [`serialize_http`]: method, URI (labels, query string), headers and host
//!   prefix, with an empty body;
//! - [`payload`]: what the body is made of ([`Payload`]); the codec writes it,
//!   using [`raw_payload`] for blob/string payloads and
//!   [`set_content_type`] for the default `Content-Type`.
//!
//! Response side: [`deserialize_http`] writes the members bound to headers,
//! prefixed headers and the status code; [`deserialize_raw_payload`] writes a
//! blob/string payload; the codec parses the body for the rest.
//!
//! Errors name the shape and member (`SerializeError`) or the path
//! (`DeserializeError`), never panic on input or server data.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{DeserializeError, HttpRequest, HttpResponse, SerializeError, SerializeOptions};
use crate::schema::{
    Location, Member, Operation, Service, Shape, ShapeId, ShapeKind, StructureShape,
    TimestampFormat,
};
use crate::time::DateTime;
use crate::value::{De, Scalar, Ser, StructSer, ValueRef};

/// Characters left alone in URI labels and query strings: RFC 3986 unreserved.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// Greedy labels (`{Key+}`) keep their slashes.
const UNRESERVED_PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Percent-encodes `s` for a URI label (`greedy`: keep `/`) or a query key/value.
pub fn percent_encode(s: &str, greedy: bool) -> String {
    let set = if greedy { UNRESERVED_PATH } else { UNRESERVED };
    utf8_percent_encode(s, set).to_string()
}

/// The timestamp format of a member: the member's `timestampFormat`, else its
/// target shape's, else `default` (which depends on where the value travels).
pub fn timestamp_format(
    service: &Service,
    member: &Member,
    default: TimestampFormat,
) -> TimestampFormat {
    member
        .timestamp_format
        .or(service.shape(member.target).timestamp_format)
        .unwrap_or(default)
}

/// Formats a float as botocore does in URIs, query strings and headers:
/// `NaN`, `Infinity`, `-Infinity`, and the shortest text that reads back.
/// `float` shapes are formatted at `f32` precision (`1.1`, not `1.100000023841858`).
pub fn format_float(value: f64, shape: &Shape) -> String {
    super::common::float_text(value, matches!(shape.kind, ShapeKind::Float))
}

// ---- input with idempotency tokens ----

/// The operation input as a structure, with each absent `idempotencyToken`
/// member filled from [`SerializeOptions::idempotency_token`].
///
/// Implements [`Ser`] and [`StructSer`], so body writers see the tokens too.
pub struct Input<'a> {
    /// The input structure's shape id.
    pub shape: ShapeId,
    /// The input structure's members, which [`StructSer`] indices refer to.
    pub members: &'static [Member],
    value: Option<&'a dyn StructSer>,
    /// `(member index, token)` for each filled member.
    tokens: Vec<(usize, String)>,
}

impl<'a> Input<'a> {
    /// `Ok(None)` when the operation has no input shape. An input that is not
    /// a structure (or a model whose input shape is not one) is an error.
    pub fn new(
        service: &Service,
        operation: &Operation,
        input: Option<&'a dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<Option<Input<'a>>, SerializeError> {
        let Some(shape_id) = operation.input else {
            return Ok(None);
        };
        let shape = service.shape(shape_id);
        let Some(st) = shape.structure() else {
            return Err(SerializeError::new(
                shape.name,
                "",
                format!(
                    "input shape of {}.{} is not a structure",
                    service.name, operation.name
                ),
            ));
        };
        let value = match input.map(|v| v.value()) {
            None => None,
            Some(ValueRef::Struct(s)) => Some(s),
            Some(_) => {
                return Err(SerializeError::new(
                    shape.name,
                    "",
                    "input value is not a structure",
                ))
            }
        };
        let tokens = st
            .members
            .iter()
            .enumerate()
            .filter(|(i, m)| m.idempotency_token && value.and_then(|v| v.member(*i)).is_none())
            .map(|(i, _)| (i, (options.idempotency_token)()))
            .collect();
        Ok(Some(Input {
            shape: shape_id,
            members: st.members,
            value,
            tokens,
        }))
    }

    /// The member at `index`, token-filled.
    pub fn get(&self, index: usize) -> Option<&dyn Ser> {
        if let Some(v) = self.value.and_then(|v| v.member(index)) {
            return Some(v);
        }
        self.tokens
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, t)| t as &dyn Ser)
    }
}

impl StructSer for Input<'_> {
    fn member(&self, index: usize) -> Option<&dyn Ser> {
        self.get(index)
    }
}

impl Ser for Input<'_> {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Struct(self)
    }
}

// ---- scalars as text (URI, query, headers) ----

/// A scalar member value as text for a URI label, query value or header.
/// Timestamps use `default` unless the member or its shape says otherwise;
/// blobs and `jsonvalue` members are base64 encoded.
pub fn scalar_text(
    service: &Service,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
    default: TimestampFormat,
) -> Result<String, SerializeError> {
    let target = service.shape(member.target);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    Ok(match value.value() {
        ValueRef::Bool(b) => b.to_string(),
        ValueRef::Int(i) => i.to_string(),
        ValueRef::Float(f) => format_float(f, target),
        ValueRef::Str(s) if member.json_value => b64(s.as_bytes()),
        ValueRef::Str(s) => s.to_owned(),
        ValueRef::Blob(b) => b64(b),
        ValueRef::Timestamp(t) => t.format(timestamp_format(service, member, default)),
        ValueRef::Document(d) if member.json_value => b64(d.to_string().as_bytes()),
        ValueRef::Document(d) => d.to_string(),
        ValueRef::Struct(_)
        | ValueRef::List(_)
        | ValueRef::Map(_)
        | ValueRef::Stream(_)
        | ValueRef::Events(_) => {
            return Err(SerializeError::new(
                owner,
                member.name,
                "a structure, list, map or stream cannot be sent in a URI, query string or header",
            ))
        }
    })
}

// ---- request ----

/// Builds a rest request without its body: method, path with labels filled,
/// query string (literal part of `requestUri` first, then members), headers
/// and host prefix.
///
/// `input` must come from [`Input::new`] for the same operation.
pub fn serialize_http(
    service: &Service,
    operation: &Operation,
    input: Option<&Input<'_>>,
) -> Result<HttpRequest, SerializeError> {
    let method = http::Method::from_bytes(operation.http_method.as_bytes()).map_err(|_| {
        SerializeError::new(
            operation.name,
            "",
            format!("invalid HTTP method {:?}", operation.http_method),
        )
    })?;
    let (path_template, literal_query) = operation
        .request_uri
        .split_once('?')
        .unwrap_or((operation.request_uri, ""));
    let owner = input.map(|i| service.shape(i.shape).name).unwrap_or("");
    let path = render_path(service, owner, path_template, input)?;

    // Query: literal params first; explicit members win over map entries.
    let mut query: Vec<(String, Option<String>)> = literal_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (p.to_owned(), None),
        })
        .collect();
    let mut spread: Vec<(String, String)> = Vec::new();
    let mut request = HttpRequest::new(method, String::new());
    if let Some(input) = input {
        for (i, m) in input.members.iter().enumerate() {
            let Some(v) = input.get(i) else { continue };
            match m.location {
                Location::QueryString => {
                    query_member(service, owner, m, v, &mut query, &mut spread)?
                }
                Location::Header => header_member(service, owner, m, v, &mut request)?,
                Location::Headers => prefix_headers(service, owner, m, v, &mut request)?,
                _ => {}
            }
        }
    }
    // Map entries never replace a key set explicitly (or in the literal query).
    let explicit: Vec<String> = query.iter().map(|(k, _)| k.clone()).collect();
    for (k, v) in spread {
        let k = percent_encode(&k, false);
        if !explicit.contains(&k) {
            query.push((k, Some(percent_encode(&v, false))));
        }
    }
    let mut uri = path;
    for (n, (k, v)) in query.iter().enumerate() {
        uri.push(if n == 0 { '?' } else { '&' });
        uri.push_str(k);
        if let Some(v) = v {
            uri.push('=');
            uri.push_str(v);
        }
    }
    request.uri = uri;
    request.host_prefix =
        super::common::host_prefix(service, operation, input.map(|i| i as &dyn StructSer))?;
    Ok(request)
}

fn render_path(
    service: &Service,
    owner: &str,
    template: &str,
    input: Option<&Input<'_>>,
) -> Result<String, SerializeError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            return Err(SerializeError::new(
                owner,
                "",
                format!("unclosed label in requestUri {template:?}"),
            ));
        };
        let label = &rest[start + 1..start + len];
        rest = &rest[start + len + 1..];
        let (name, greedy) = match label.strip_suffix('+') {
            Some(n) => (n, true),
            None => (label, false),
        };
        let found = input.and_then(|input| {
            input
                .members
                .iter()
                .enumerate()
                .find(|(_, m)| m.location == Location::Uri && m.wire_name() == name)
                .map(|(i, m)| (m, input.get(i)))
        });
        let (member, value) = match found {
            Some((m, Some(v))) => (m, v),
            Some((m, None)) => {
                return Err(SerializeError::new(
                    owner,
                    m.name,
                    "missing value for URI label",
                ))
            }
            None => {
                return Err(SerializeError::new(
                    owner,
                    name,
                    format!("no member is bound to URI label {{{label}}}"),
                ))
            }
        };
        let text = scalar_text(service, owner, member, value, TimestampFormat::Iso8601)?;
        if text.is_empty() {
            return Err(SerializeError::new(
                owner,
                member.name,
                "URI label must not be empty",
            ));
        }
        out.push_str(&percent_encode(&text, greedy));
    }
    out.push_str(rest);
    Ok(out)
}

fn query_member(
    service: &Service,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
    query: &mut Vec<(String, Option<String>)>,
    spread: &mut Vec<(String, String)>,
) -> Result<(), SerializeError> {
    let key = percent_encode(member.wire_name(), false);
    match (&service.shape(member.target).kind, value.value()) {
        (ShapeKind::List { member: item }, ValueRef::List(list)) => {
            for i in 0..list.len() {
                let text =
                    scalar_text(service, owner, item, list.get(i), TimestampFormat::Iso8601)?;
                query.push((key.clone(), Some(percent_encode(&text, false))));
            }
        }
        (ShapeKind::Map { value: vm, .. }, ValueRef::Map(map)) => {
            let mut err = None;
            map.for_each(&mut |k, v| {
                let r = match (&service.shape(vm.target).kind, v.value()) {
                    (ShapeKind::List { member: item }, ValueRef::List(list)) => (0..list.len())
                        .try_for_each(|i| {
                            let text = scalar_text(
                                service,
                                owner,
                                item,
                                list.get(i),
                                TimestampFormat::Iso8601,
                            )?;
                            spread.push((k.to_owned(), text));
                            Ok(())
                        }),
                    _ => scalar_text(service, owner, vm, v, TimestampFormat::Iso8601)
                        .map(|text| spread.push((k.to_owned(), text))),
                };
                if let Err(e) = r {
                    err.get_or_insert(e);
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
        }
        _ => {
            let text = scalar_text(service, owner, member, value, TimestampFormat::Iso8601)?;
            query.push((key, Some(percent_encode(&text, false))));
        }
    }
    Ok(())
}

/// Quotes a string list element that holds a comma or a double quote.
fn quote_header_item(s: &str) -> String {
    if s.contains(',') || s.contains('"') {
        format!("\"{}\"", s.replace('"', "\\\""))
    } else {
        s.to_owned()
    }
}

fn insert_header(
    request: &mut HttpRequest,
    owner: &str,
    member: &str,
    name: &str,
    value: &str,
) -> Result<(), SerializeError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| SerializeError::new(owner, member, format!("invalid header name {name:?}")))?;
    let value = HeaderValue::from_str(value).map_err(|_| {
        SerializeError::new(owner, member, "header value holds characters HTTP forbids")
    })?;
    request.headers.insert(name, value);
    Ok(())
}

/// A scalar as header text: timestamps in whole seconds, as botocore's
/// `_convert_header_value` sends them, whatever their format.
fn header_text(
    service: &Service,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
) -> Result<String, SerializeError> {
    match value.value() {
        ValueRef::Timestamp(t) => Ok(DateTime::from_secs(t.secs()).format(timestamp_format(
            service,
            member,
            TimestampFormat::Rfc822,
        ))),
        _ => scalar_text(service, owner, member, value, TimestampFormat::Rfc822),
    }
}

fn header_member(
    service: &Service,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
    request: &mut HttpRequest,
) -> Result<(), SerializeError> {
    let text = match (&service.shape(member.target).kind, value.value()) {
        (ShapeKind::List { member: item }, ValueRef::List(list)) => {
            if list.is_empty() {
                return Ok(());
            }
            let mut parts = Vec::with_capacity(list.len());
            for i in 0..list.len() {
                let v = list.get(i);
                let text = header_text(service, owner, item, v)?;
                parts.push(match v.value() {
                    ValueRef::Str(_) => quote_header_item(&text),
                    _ => text,
                });
            }
            // botocore joins header lists with a bare comma.
            parts.join(",")
        }
        _ => header_text(service, owner, member, value)?,
    };
    insert_header(request, owner, member.name, member.wire_name(), &text)
}

fn prefix_headers(
    service: &Service,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
    request: &mut HttpRequest,
) -> Result<(), SerializeError> {
    let ShapeKind::Map { value: vm, .. } = &service.shape(member.target).kind else {
        return Err(SerializeError::new(
            owner,
            member.name,
            "`headers` location on a shape that is not a map",
        ));
    };
    let ValueRef::Map(map) = value.value() else {
        return Err(SerializeError::new(owner, member.name, "expected a map"));
    };
    let prefix = member.location_name.unwrap_or("");
    let mut result = Ok(());
    map.for_each(&mut |k, v| {
        if result.is_err() {
            return;
        }
        result = header_text(service, owner, vm, v).and_then(|text| {
            insert_header(request, owner, member.name, &format!("{prefix}{k}"), &text)
        });
    });
    result
}

/// What the body of a rest message carries.
#[derive(Debug, Clone, Copy)]
pub enum Payload {
    /// A blob or string `payload` member: the raw body (member index).
    Raw(usize),
    /// A structure, union or document `payload` member: the body is that
    /// member alone, in the body format (member index).
    Member(usize),
    /// No payload member: the body holds every `Body`-located member.
    Members,
}

/// The payload of a rest input or output structure.
pub fn payload(service: &Service, shape: &StructureShape) -> Payload {
    match shape.payload.map(usize::from) {
        Some(i) => match shape.members.get(i).map(|m| &service.shape(m.target).kind) {
            Some(ShapeKind::Blob | ShapeKind::String | ShapeKind::Enum { .. }) => Payload::Raw(i),
            Some(_) => Payload::Member(i),
            None => Payload::Members,
        },
        None => Payload::Members,
    }
}

/// Whether a structure has members that travel in the body.
pub fn has_body_members(shape: &StructureShape) -> bool {
    shape.members.iter().any(|m| m.location == Location::Body)
}

/// Puts a blob or string payload value in `request` (a stream not held in
/// memory goes to `request.stream`), and returns the `Content-Type` that
/// goes with it when no header member sets one.
pub fn raw_payload(
    request: &mut HttpRequest,
    owner: &str,
    member: &Member,
    value: &dyn Ser,
) -> Result<&'static str, SerializeError> {
    let (body, content_type) = match value.value() {
        ValueRef::Blob(b) => (Bytes::copy_from_slice(b), "application/octet-stream"),
        ValueRef::Str(s) => (Bytes::copy_from_slice(s.as_bytes()), "text/plain"),
        ValueRef::Stream(s) => {
            request.stream = Some(s.clone());
            return Ok("application/octet-stream");
        }
        _ => {
            return Err(SerializeError::new(
                owner,
                member.name,
                "payload must be a blob or a string",
            ))
        }
    };
    request.body = body;
    Ok(content_type)
}

/// Sets `Content-Type` unless a header member already did.
pub fn set_content_type(request: &mut HttpRequest, content_type: &'static str) {
    if !request.headers.contains_key(http::header::CONTENT_TYPE) {
        request.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
    }
}

// ---- response ----

fn de_err(path: &str, member: &str, e: impl std::fmt::Display) -> DeserializeError {
    DeserializeError::new(format!("{path}.{member}"), e.to_string())
}

/// Writes the members of the output (or error) structure `shape` bound to
/// headers, prefixed headers and the status code. Body members are left to
/// the codec. Header names match case-insensitively.
pub fn deserialize_http(
    service: &Service,
    shape: ShapeId,
    response: &HttpResponse,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    let s = service.shape(shape);
    let Some(st) = s.structure() else {
        return Err(DeserializeError::new(s.name, "not a structure"));
    };
    for (i, m) in st.members.iter().enumerate() {
        match m.location {
            Location::Header => {
                let values: Vec<&str> = response
                    .headers
                    .get_all(m.wire_name())
                    .iter()
                    .map(|v| std::str::from_utf8(v.as_bytes()))
                    .collect::<Result<_, _>>()
                    .map_err(|_| de_err(s.name, m.name, "header is not UTF-8"))?;
                if values.is_empty() {
                    continue;
                }
                let text = values.join(", ");
                let slot = output
                    .member(i)
                    .map_err(|e| DeserializeError::value(format!("{}.{}", s.name, m.name), e))?;
                header_value(service, m, &text, slot, &format!("{}.{}", s.name, m.name))?;
            }
            Location::Headers => {
                let prefix = m.location_name.unwrap_or("").to_ascii_lowercase();
                let ShapeKind::Map { value: vm, .. } = &service.shape(m.target).kind else {
                    return Err(de_err(s.name, m.name, "`headers` location on a non-map"));
                };
                let mut found = false;
                for (name, value) in &response.headers {
                    let Some(key) = name.as_str().strip_prefix(prefix.as_str()) else {
                        continue;
                    };
                    let path = format!("{}.{}[{key:?}]", s.name, m.name);
                    let text = std::str::from_utf8(value.as_bytes())
                        .map_err(|_| DeserializeError::new(&path, "header is not UTF-8"))?;
                    let slot = output
                        .member(i)
                        .map_err(|e| DeserializeError::value(&path, e))?;
                    if !found {
                        slot.init();
                        found = true;
                    }
                    let entry = slot
                        .entry(key.to_owned())
                        .map_err(|e| DeserializeError::value(&path, e))?;
                    header_value(service, vm, text, entry, &path)?;
                }
            }
            Location::StatusCode => {
                let path = format!("{}.{}", s.name, m.name);
                output
                    .member(i)
                    .and_then(|slot| slot.set(Scalar::Int(response.status.into())))
                    .map_err(|e| DeserializeError::value(path, e))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Splits a list header on commas outside double quotes, unquoting items.
pub fn split_header_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' if cur.trim().is_empty() && !quoted && !was_quoted => {
                quoted = true;
                was_quoted = true;
                cur.clear();
            }
            '"' if quoted => quoted = false,
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' if !quoted => {
                items.push(finish_item(&cur, was_quoted));
                cur.clear();
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    items.push(finish_item(&cur, was_quoted));
    items
}

fn finish_item(s: &str, quoted: bool) -> String {
    if quoted {
        s.to_owned()
    } else {
        s.trim().to_owned()
    }
}

/// Parses one header's text into `slot` according to `member`'s target.
fn header_value(
    service: &Service,
    member: &Member,
    text: &str,
    slot: &mut dyn De,
    path: &str,
) -> Result<(), DeserializeError> {
    let target = service.shape(member.target);
    if let ShapeKind::List { member: item } = &target.kind {
        let item_shape = service.shape(item.target);
        let mut items = split_header_list(text);
        // http-dates hold a comma: `Mon, 16 Dec 2019 23:48:18 GMT, Tue, ...`.
        if matches!(item_shape.kind, ShapeKind::Timestamp)
            && timestamp_format(service, item, TimestampFormat::Rfc822) == TimestampFormat::Rfc822
        {
            items = items
                .chunks(2)
                .map(|c| c.join(", "))
                .collect::<Vec<String>>();
        }
        slot.init();
        for (n, item_text) in items.iter().enumerate() {
            let p = format!("{path}[{n}]");
            let el = slot.push().map_err(|e| DeserializeError::value(&p, e))?;
            header_scalar(service, item, item_text, el, &p)?;
        }
        return Ok(());
    }
    header_scalar(service, member, text, slot, path)
}

fn header_scalar(
    service: &Service,
    member: &Member,
    text: &str,
    slot: &mut dyn De,
    path: &str,
) -> Result<(), DeserializeError> {
    let value = text_scalar(service, member, text, TimestampFormat::Rfc822)
        .map_err(|m| DeserializeError::new(path, m))?;
    slot.set(value)
        .map_err(|e| DeserializeError::value(path, e))
}

/// Parses the text of a header (or label, query value) into the scalar its
/// member's target shape holds. `jsonvalue` and blob members are base64.
pub fn text_scalar(
    service: &Service,
    member: &Member,
    text: &str,
    default: TimestampFormat,
) -> Result<Scalar, String> {
    let target = service.shape(member.target);
    let b64 = |t: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(t.trim())
            .map_err(|_| format!("{t:?} is not base64"))
    };
    Ok(match &target.kind {
        ShapeKind::String | ShapeKind::Enum { .. } if member.json_value => {
            let bytes = b64(text)?;
            Scalar::Str(String::from_utf8(bytes).map_err(|_| "JSON value is not UTF-8")?)
        }
        ShapeKind::String | ShapeKind::Enum { .. } => Scalar::Str(text.to_owned()),
        ShapeKind::BigInteger | ShapeKind::BigDecimal => Scalar::Str(text.trim().to_owned()),
        ShapeKind::Boolean => match text.trim() {
            "true" => Scalar::Bool(true),
            "false" => Scalar::Bool(false),
            other => return Err(format!("{other:?} is not a boolean")),
        },
        ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => Scalar::Int(
            text.trim()
                .parse()
                .map_err(|_| format!("{text:?} is not an integer"))?,
        ),
        ShapeKind::Float | ShapeKind::Double => Scalar::Float(match text.trim() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            t => t.parse().map_err(|_| format!("{text:?} is not a number"))?,
        }),
        ShapeKind::Blob => Scalar::Blob(b64(text)?.into()),
        ShapeKind::Timestamp => {
            let format = timestamp_format(service, member, default);
            Scalar::Timestamp(parse_timestamp_lenient(format, text).map_err(|e| e.to_string())?)
        }
        ShapeKind::Structure(_) | ShapeKind::List { .. } | ShapeKind::Map { .. } => {
            return Err(format!("shape {} cannot be read from text", target.name))
        }
    })
}

/// Parses a timestamp in `format`, falling back to the other formats as
/// botocore does (services do not always use the modeled one).
pub fn parse_timestamp_lenient(
    format: TimestampFormat,
    text: &str,
) -> Result<DateTime, crate::time::TimestampError> {
    super::common::parse_timestamp(format, text)
}

/// Writes a blob or string payload member (the whole body) into `output`.
/// An empty body leaves the member absent.
pub fn deserialize_raw_payload(
    service: &Service,
    shape: ShapeId,
    index: usize,
    body: &Bytes,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    let s = service.shape(shape);
    let Some(member) = s.structure().and_then(|st| st.members.get(index)) else {
        return Err(DeserializeError::new(s.name, "payload member out of range"));
    };
    if body.is_empty() {
        return Ok(());
    }
    let path = format!("{}.{}", s.name, member.name);
    let value = match service.shape(member.target).kind {
        ShapeKind::Blob => Scalar::Blob(body.clone()),
        _ => Scalar::Str(
            String::from_utf8(body.to_vec())
                .map_err(|_| DeserializeError::new(&path, "string payload is not UTF-8"))?,
        ),
    };
    output
        .member(index)
        .and_then(|slot| slot.set(value))
        .map_err(|e| DeserializeError::value(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lists_split_on_unquoted_commas() {
        assert_eq!(split_header_list("a, b,c"), vec!["a", "b", "c"]);
        assert_eq!(
            split_header_list(r#""b,c", "\"def\"", a"#),
            vec!["b,c", "\"def\"", "a"]
        );
        assert_eq!(split_header_list(""), vec![""]);
    }

    use crate::dynamic::DynValue;
    use crate::schema::{Metadata, StructureShape};

    static MEMBERS: [Member; 4] = [
        Member {
            name: "Key",
            target: 1,
            location: Location::Uri,
            ..Member::DEFAULT
        },
        Member {
            name: "Tags",
            target: 2,
            location: Location::QueryString,
            location_name: Some("tag"),
            ..Member::DEFAULT
        },
        Member {
            name: "Names",
            target: 2,
            location: Location::Header,
            location_name: Some("X-Names"),
            ..Member::DEFAULT
        },
        Member {
            name: "Label",
            target: 1,
            host_label: true,
            ..Member::DEFAULT
        },
    ];
    static SHAPES: [Shape; 3] = [
        Shape {
            name: "In",
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
            name: "StrList",
            kind: ShapeKind::List {
                member: Member {
                    name: "member",
                    target: 1,
                    ..Member::DEFAULT
                },
            },
            ..Shape::DEFAULT
        },
    ];
    static OPS: [Operation; 1] = [Operation {
        name: "Put",
        http_method: "PUT",
        request_uri: "/{Key+}?x-id=Put",
        input: Some(0),
        host_prefix: Some("{Label}."),
        ..Operation::DEFAULT
    }];
    static SERVICE: Service = Service {
        name: "test",
        metadata: Metadata::DEFAULT,
        shapes: &SHAPES,
        operations: &OPS,
        endpoint_rules: None,
    };

    fn request(label: &str) -> Result<HttpRequest, SerializeError> {
        let s = |v: &str| DynValue::Str(v.to_owned());
        let list = DynValue::List(vec![s("a b"), s("c,d")]);
        let value = DynValue::Struct(vec![
            Some(s("dir/file name")),
            Some(list.clone()),
            Some(list),
            Some(s(label)),
        ]);
        let token = || "t".to_owned();
        let options = SerializeOptions {
            idempotency_token: &token,
        };
        let input = Input::new(&SERVICE, &OPS[0], Some(&value), &options)?;
        serialize_http(&SERVICE, &OPS[0], input.as_ref())
    }

    #[test]
    fn binds_labels_query_headers_and_host() {
        let r = request("abc").unwrap();
        assert_eq!(r.method, http::Method::PUT);
        assert_eq!(r.uri, "/dir/file%20name?x-id=Put&tag=a%20b&tag=c%2Cd");
        assert_eq!(r.headers["x-names"], "a b,\"c,d\"");
        assert_eq!(r.host_prefix.as_deref(), Some("abc."));
        let err = request("a/b").unwrap_err();
        assert_eq!((err.shape.as_str(), err.member.as_str()), ("In", "Label"));
    }

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("a b/c", false), "a%20b%2Fc");
        assert_eq!(percent_encode("a b/c~", true), "a%20b/c~");
        assert_eq!(quote_header_item("b,c"), "\"b,c\"");
        assert_eq!(quote_header_item("\"def\""), "\"\\\"def\\\"\"");
    }
}
