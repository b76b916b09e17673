//! What several codecs do, done once: host prefixes, error codes
//! (sanitizing, `x-amzn-query-error`), request ids, the generic error of an
//! unreadable body, event-stream detection and lenient timestamp parsing.
//! Each follows botocore's `serialize.py` / `parsers.py`.

use std::fmt::Write as _;

use crate::protocol::{DeserializeError, ErrorInfo, HttpResponse, SerializeError};
use crate::schema::{Member, Operation, Service, ShapeKind, StructureShape, TimestampFormat};
use crate::time::{DateTime, TimestampError};
use crate::value::{StructSer, ValueRef};

// ---- host prefix ----

/// Fills the operation's `hostPrefix` from the input's `hostLabel` members,
/// as botocore's `_expand_host_prefix`: each value must be non-empty and
/// only letters, digits, `-` and `.` (`^[A-Za-z0-9\.\-]+$`).
pub fn host_prefix(
    service: &Service,
    operation: &Operation,
    input: Option<&dyn StructSer>,
) -> Result<Option<String>, SerializeError> {
    let Some(template) = operation.host_prefix else {
        return Ok(None);
    };
    let shape = operation.input.map(|i| service.shape(i));
    let owner = shape.map_or("", |s| s.name);
    let members = shape
        .and_then(|s| s.structure())
        .map_or(&[][..], |st| st.members);
    let mut out = String::with_capacity(template.len() + 16);
    fill_template(template, &mut out, |label| {
        let found = members
            .iter()
            .enumerate()
            .find(|(_, m)| m.host_label && m.name == label);
        let Some((i, m)) = found else {
            return Err(SerializeError::new(
                owner,
                label,
                format!("hostPrefix {template:?} names {{{label}}}, which no hostLabel member is"),
            ));
        };
        let text = match input.and_then(|v| v.member(i)).map(|v| v.value()) {
            Some(ValueRef::Str(s)) => s.to_owned(),
            Some(ValueRef::Int(n)) => n.to_string(),
            Some(ValueRef::Bool(b)) => if b { "True" } else { "False" }.to_owned(),
            Some(_) => {
                return Err(SerializeError::new(
                    owner,
                    m.name,
                    "a host label must be a string",
                ))
            }
            None => {
                return Err(SerializeError::new(
                    owner,
                    m.name,
                    "missing value for host label",
                ))
            }
        };
        if text.is_empty()
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err(SerializeError::new(
                owner,
                m.name,
                format!(
                    "{text:?} is not a valid host label: it must contain only letters, digits, \
                     hyphens and periods"
                ),
            ));
        }
        Ok(text)
    })
    .map_err(|e| match e {
        TemplateError::Unclosed => SerializeError::new(
            owner,
            "",
            format!("unclosed label in hostPrefix {template:?}"),
        ),
        TemplateError::Label(e) => e,
    })?;
    Ok(Some(out))
}

/// Why a `{Label}` template could not be filled.
pub enum TemplateError<E> {
    /// A `{` without its closing `}`.
    Unclosed,
    /// `fill` failed for a label, with its error.
    Label(E),
}

/// Copies `template` into `out`, replacing each `{label}` with `fill(label)`
/// (`requestUri` and `hostPrefix` templates).
pub fn fill_template<E>(
    template: &str,
    out: &mut String,
    mut fill: impl FnMut(&str) -> Result<String, E>,
) -> Result<(), TemplateError<E>> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            return Err(TemplateError::Unclosed);
        };
        let label = &rest[start + 1..start + len];
        out.push_str(&fill(label).map_err(TemplateError::Label)?);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(())
}

// ---- error codes ----

/// Strips a namespace (`aws.protocoltests#FooError`) and a URI suffix
/// (`FooError:http://internal.amazon.com/...`) from an error code.
pub fn sanitize_error_code(code: &str) -> &str {
    let code = code.split_once(':').map_or(code, |(c, _)| c);
    let code = code.rsplit_once('#').map_or(code, |(_, c)| c);
    code.trim()
}

/// `x-amzn-query-error: Code;Fault` (awsQueryCompatible services): the query
/// error code and fault, taken only when the header has exactly those two
/// parts and a code, as botocore's `_do_query_compatible_error_parse`.
pub fn query_error(response: &HttpResponse) -> Option<(&str, &str)> {
    let header = response.header("x-amzn-query-error")?;
    let mut parts = header.split(';');
    let (code, fault) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && !code.is_empty()).then_some((code, fault))
}

/// Applies `x-amzn-query-error` to a json or cbor error: its code becomes
/// the error's code, and the protocol's own code (the shape name, which
/// modeled errors are found by when they carry no `error.code`) is kept in
/// [`ErrorInfo::type_code`].
pub fn apply_query_error(info: &mut ErrorInfo, response: &HttpResponse) {
    if let Some((code, _fault)) = query_error(response) {
        let own = std::mem::replace(&mut info.code, code.to_owned());
        info.type_code = Some(own);
    }
}

/// Fills an error's code (and message) from the HTTP status when the body
/// gave none, as botocore does for generic error responses: code `503`,
/// message `Service Unavailable`.
pub fn status_fallback(info: &mut ErrorInfo) {
    if info.code.is_empty() {
        info.code = info.status.to_string();
        if info.message.is_none() {
            info.message = http::StatusCode::from_u16(info.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .map(str::to_owned);
        }
    }
}

// ---- request ids ----

/// The request id in a response's headers: `x-amzn-RequestId`, else S3's
/// `x-amz-request-id` (botocore's `_populate_response_metadata`).
pub fn request_id_header(response: &HttpResponse) -> Option<String> {
    request_id_from(&response.headers)
}

/// [`request_id_header`] over a header map.
pub fn request_id_from(headers: &http::HeaderMap) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .map(str::to_owned)
}

// ---- event streams ----

/// Whether `member` is an event stream (its target has `eventstream`).
pub fn is_event_stream(service: &Service, member: &Member) -> bool {
    service
        .shape(member.target)
        .structure()
        .is_some_and(|s| s.event_stream)
}

/// The event-stream member of a structure, if it has one, with its index.
pub fn event_stream_member<'s>(
    service: &Service,
    st: &'s StructureShape,
) -> Option<(usize, &'s Member)> {
    st.members
        .iter()
        .enumerate()
        .find(|(_, m)| is_event_stream(service, m))
}

// ---- error paths and member lookup (the pull readers) ----

/// Where a value sits, rendered only when an error needs it.
#[derive(Clone, Copy)]
pub(crate) enum Path<'p> {
    Root(&'p str),
    Member(&'p Path<'p>, &'static str),
    Index(&'p Path<'p>, usize),
    Key(&'p Path<'p>, &'p str),
}

impl Path<'_> {
    pub(crate) fn render(&self) -> String {
        let mut steps = Vec::new();
        let mut at = self;
        let root = loop {
            match at {
                Path::Root(root) => break *root,
                Path::Member(up, _) | Path::Index(up, _) | Path::Key(up, _) => {
                    steps.push(at);
                    at = up;
                }
            }
        };
        let mut out = root.to_owned();
        for step in steps.iter().rev() {
            match step {
                Path::Member(_, name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Path::Index(_, i) => {
                    let _ = write!(out, "[{i}]");
                }
                Path::Key(_, k) => {
                    let _ = write!(out, "[{k:?}]");
                }
                Path::Root(_) => {}
            }
        }
        out
    }
}

/// The member of `st` whose wire name is `name`, with its index, searched
/// from index `from` on and then from the start: bodies list members in
/// model order, so a reader passing the last index + 1 finds most at once.
pub(crate) fn member_by_wire_name(
    st: &StructureShape,
    name: &str,
    from: usize,
) -> Option<(usize, &'static Member)> {
    let (head, tail) = st.members.split_at(from.min(st.members.len()));
    let tail = tail.iter().enumerate().map(|(i, m)| (from + i, m));
    tail.chain(head.iter().enumerate())
        .find(|(_, m)| m.wire_name() == name)
}

// ---- unions ----

/// botocore's `_has_unknown_tagged_union_member`: a union in a response sets
/// exactly one member (a `__type` key aside). `keys` are the keys of the
/// members present (nulls left out); the result is the tag when the model
/// does not know it (a member added to the service since), which the value
/// keeps as [`De::unknown_member`](crate::value::De::unknown_member).
pub fn union_tag<'k>(
    shape: &str,
    path: &str,
    keys: impl Iterator<Item = &'k str>,
    known: impl Fn(&str) -> bool,
) -> Result<Option<&'k str>, DeserializeError> {
    let keys: Vec<&str> = keys.filter(|k| *k != "__type").collect();
    match keys[..] {
        [tag] => Ok((!known(tag)).then_some(tag)),
        _ => Err(DeserializeError::new(
            path,
            format!(
                "union {shape} has {} members set, expected exactly one",
                keys.len()
            ),
        )),
    }
}

// ---- timestamps ----

/// Parses a timestamp from a response: the modeled format first, then any
/// form botocore's `parse_timestamp` accepts (epoch seconds, ISO 8601,
/// HTTP dates), so a server that writes another format is still understood.
pub fn parse_timestamp(format: TimestampFormat, text: &str) -> Result<DateTime, TimestampError> {
    DateTime::parse(format, text).or_else(|e| DateTime::parse_lenient(text).map_err(|_| e))
}

/// The text of a float as botocore writes it outside JSON: `NaN`,
/// `Infinity`, `-Infinity`, else the shortest text that reads back.
pub fn float_text(f: f64, single: bool) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if single && (f as f32).is_finite() {
        (f as f32).to_string()
    } else {
        f.to_string()
    }
}

/// Whether a shape is a blob or string that a payload carries raw.
pub fn is_raw(kind: &ShapeKind) -> bool {
    matches!(
        kind,
        ShapeKind::Blob | ShapeKind::String | ShapeKind::Enum { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&'static str, &str)]) -> HttpResponse {
        let mut r = HttpResponse {
            status: 400,
            ..Default::default()
        };
        for (k, v) in headers {
            r.headers.insert(*k, v.parse().unwrap());
        }
        r
    }

    #[test]
    fn query_error_needs_exactly_code_and_fault() {
        let r = response(&[(
            "x-amzn-query-error",
            "AWS.SimpleQueueService.NonExistentQueue;Sender",
        )]);
        assert_eq!(
            query_error(&r),
            Some(("AWS.SimpleQueueService.NonExistentQueue", "Sender"))
        );
        for bad in ["NoSemicolon", "A;B;C", ";Sender"] {
            assert_eq!(query_error(&response(&[("x-amzn-query-error", bad)])), None);
        }
        let mut info = ErrorInfo {
            code: "QueueDoesNotExist".into(),
            ..Default::default()
        };
        apply_query_error(&mut info, &r);
        assert_eq!(info.code, "AWS.SimpleQueueService.NonExistentQueue");
        assert_eq!(info.type_code.as_deref(), Some("QueueDoesNotExist"));
    }

    #[test]
    fn codes_are_sanitized() {
        assert_eq!(sanitize_error_code("FooError"), "FooError");
        assert_eq!(
            sanitize_error_code("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"),
            "FooError"
        );
        assert_eq!(sanitize_error_code(" FooError:http://x/"), "FooError");
    }

    #[test]
    fn templates_fill_and_report_unclosed_labels() {
        let mut out = String::new();
        let r: Result<(), TemplateError<()>> =
            fill_template("{A}.x-{B}.", &mut out, |l| Ok(l.to_lowercase()));
        assert!(r.is_ok());
        assert_eq!(out, "a.x-b.");
        let r = fill_template("{A", &mut String::new(), |_| Ok::<_, ()>(String::new()));
        assert!(matches!(r, Err(TemplateError::Unclosed)));
    }

    #[test]
    fn timestamps_parse_leniently_and_never_panic() {
        let t = parse_timestamp(TimestampFormat::Iso8601, "Tue, 29 Apr 2014 18:30:38 GMT").unwrap();
        assert_eq!(t.secs(), 1398796238);
        let t = parse_timestamp(TimestampFormat::Rfc822, "1398796238").unwrap();
        assert_eq!(t.secs(), 1398796238);
        for hostile in [
            "Tue, 29 Apr 2014 18:30:38.1234567€ GMT",
            "0.12345678é",
            "1.1234567€",
        ] {
            for f in [
                TimestampFormat::Iso8601,
                TimestampFormat::Rfc822,
                TimestampFormat::UnixTimestamp,
            ] {
                assert!(parse_timestamp(f, hostile).is_err(), "{hostile}");
            }
        }
    }

    #[test]
    fn status_fallback_names_the_status() {
        let mut info = ErrorInfo {
            status: 503,
            ..Default::default()
        };
        status_fallback(&mut info);
        assert_eq!(info.code, "503");
        assert_eq!(info.message.as_deref(), Some("Service Unavailable"));
    }

    #[test]
    fn unknown_union_members_are_kept_as_botocore_reports_them() {
        use crate::dynamic::{build_service, DynValue};
        use crate::model::ServiceModel;
        let model: ServiceModel = serde_json::from_value(serde_json::json!({
            "metadata": {"protocol": "json", "apiVersion": "1", "targetPrefix": "S", "jsonVersion": "1.1"},
            "operations": {"Op": {"name": "Op", "http": {}, "output": {"shape": "Out"}}},
            "shapes": {
                "Out": {"type": "structure", "members": {"U": {"shape": "U"}}},
                "U": {"type": "structure", "union": true, "members": {"A": {"shape": "S"}}},
                "S": {"type": "string"}
            }
        }))
        .unwrap();
        let svc = build_service("svc", &model).unwrap();
        let op = svc.operation("Op").unwrap();
        let parse = |body: &str| {
            let response = HttpResponse {
                status: 200,
                body: bytes::Bytes::copy_from_slice(body.as_bytes()),
                ..Default::default()
            };
            let mut out = DynValue::Empty;
            crate::protocol::codec(svc.metadata.protocol)
                .deserialize(svc, op, &response, &mut out)
                .map(|()| out.to_json(svc, op.output.unwrap()))
        };
        assert_eq!(parse(r#"{"U":{"A":"x"}}"#).unwrap()["U"]["A"], "x");
        let out = parse(r#"{"U":{"New":{"z":1},"__type":"t"}}"#).unwrap();
        assert_eq!(
            out["U"],
            serde_json::json!({"SDK_UNKNOWN_MEMBER": {"name": "New"}})
        );
        for bad in [r#"{"U":{}}"#, r#"{"U":{"A":"x","New":1}}"#] {
            let err = parse(bad).unwrap_err();
            assert!(err.message.contains("exactly one"), "{err}");
        }
    }
}
