//! The `query` and `ec2` protocols: form-encoded requests, XML responses.
//!
//! Both send `Action`, `Version` and the input flattened into dotted
//! parameter names. They differ in names (ec2 prefers `queryName` and
//! capitalizes), in lists (ec2 always `Name.N`, query `Name.member.N` unless
//! flattened, and only query sends an empty list as `Name=`), and in the
//! shape of responses and errors.

use super::rest;
use super::xml::{self, Element, Found, Step, Target};
use super::*;
use crate::schema::{Member, Shape, ShapeKind, StructureShape};
use crate::value::{De, Ser, StructSer, ValueRef};

/// The `query` protocol (IAM, STS, SQS's old protocol, SNS, …).
pub struct AwsQuery;

/// The `ec2` protocol.
pub struct Ec2Query;

/// As botocore sends it.
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

impl Codec for AwsQuery {
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        serialize(false, service, operation, input, options)
    }

    fn deserialize(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let Some(shape) = operation.output else {
            return Ok(());
        };
        let Some(doc) = xml::document(&response.body)? else {
            output.init();
            return Ok(());
        };
        let target = Target::Structure {
            shape,
            body_only: false,
        };
        // Models name the result element (`resultWrapper`); Smithy's rule is
        // `{Operation}Result`. Services leave it out when it would be empty.
        let found = match operation.result_wrapper {
            Some(wrapper) => doc.read(service, &[Step::Named(wrapper)], target, output)?,
            None => {
                // Only Smithy's suites leave the wrapper unmodeled: look
                // first, then read.
                let root = doc.outline(2)?;
                let at = root
                    .position(&format!("{}Result", operation.name))
                    .or_else(|| {
                        let mut results = (root.children.iter().enumerate())
                            .filter(|(_, c)| c.name.ends_with("Result"));
                        match (results.next(), results.next()) {
                            (Some((i, _)), None) => Some(i),
                            _ => None,
                        }
                    });
                match at {
                    Some(i) => doc.read(service, &[Step::Index(i)], target, output)?,
                    None => doc.read(service, &[], target, output)?,
                }
            }
        };
        if found == Found::Missing {
            output.init();
        }
        Ok(())
    }

    fn error_info(&self, _service: &Service, response: &HttpResponse) -> ErrorInfo {
        error_info(response)
    }

    fn deserialize_error(
        &self,
        service: &Service,
        shape: ShapeId,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        deserialize_error(service, shape, response, output)
    }
}

impl Codec for Ec2Query {
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        serialize(true, service, operation, input, options)
    }

    fn deserialize(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let Some(shape) = operation.output else {
            return Ok(());
        };
        let Some(doc) = xml::document(&response.body)? else {
            output.init();
            return Ok(());
        };
        // The root element (`<DescribeInstancesResponse>`) holds the members.
        let target = Target::Structure {
            shape,
            body_only: false,
        };
        doc.read(service, &[], target, output)?;
        Ok(())
    }

    fn error_info(&self, _service: &Service, response: &HttpResponse) -> ErrorInfo {
        error_info(response)
    }

    fn deserialize_error(
        &self,
        service: &Service,
        shape: ShapeId,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        deserialize_error(service, shape, response, output)
    }
}

// ---- errors ----

/// The steps from the root to the `<Error>` element of an error document:
/// `<ErrorResponse><Error>` (query), `<Response><Errors><Error>` (ec2), or a
/// bare `<Error>` (none; also when there is no such element).
fn error_steps(root: &Element) -> Vec<Step<'static>> {
    if root.name == "Error" {
        return Vec::new();
    }
    if let Some(i) = root.position("Error") {
        return vec![Step::Index(i)];
    }
    let errors = root.position("Errors").and_then(|i| {
        let j = root.children.get(i)?.position("Error")?;
        Some(vec![Step::Index(i), Step::Index(j)])
    });
    errors.unwrap_or_default()
}

/// The `<Error>` element of an error document (see [`error_steps`]).
fn error_element(root: &Element) -> Option<&Element> {
    error_steps(root)
        .iter()
        .try_fold(root, |element, step| match step {
            Step::Index(i) => element.children.get(*i),
            Step::Named(name) => element.child(name),
        })
        .filter(|e| e.name == "Error")
}

/// Code, message and request id of a query or ec2 error response. A body
/// that is not an error document gives the HTTP status as the code (as
/// botocore does for generic errors).
pub(crate) fn error_info(response: &HttpResponse) -> ErrorInfo {
    let mut info = ErrorInfo {
        status: response.status,
        request_id: super::common::request_id_header(response),
        ..Default::default()
    };
    let doc = xml::document(&response.body).ok().flatten();
    if let Some(root) = doc.and_then(|d| d.outline(4).ok()) {
        if let Some(id) = root.child("RequestId").or_else(|| root.child("RequestID")) {
            info.request_id = Some(id.text.trim().to_owned());
        }
        if let Some(error) = error_element(&root) {
            if let Some(code) = error.child("Code") {
                info.code = code.text.trim().to_owned();
            }
            if let Some(msg) = error.child("Message").or_else(|| error.child("message")) {
                info.message = Some(msg.text.clone());
            }
        }
    }
    super::common::status_fallback(&mut info);
    info
}

fn deserialize_error(
    service: &Service,
    shape: ShapeId,
    response: &HttpResponse,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    let Some(doc) = xml::document(&response.body)? else {
        output.init();
        return Ok(());
    };
    let steps = error_steps(&doc.outline(3)?);
    let target = Target::Structure {
        shape,
        body_only: false,
    };
    doc.read(service, &steps, target, output)?;
    Ok(())
}

// ---- requests ----

fn serialize(
    ec2: bool,
    service: &Service,
    operation: &Operation,
    input: Option<&dyn Ser>,
    options: &SerializeOptions<'_>,
) -> Result<HttpRequest, SerializeError> {
    let method = http::Method::from_bytes(operation.http_method.as_bytes()).map_err(|_| {
        SerializeError::new(
            operation.name,
            "",
            format!("invalid HTTP method {:?}", operation.http_method),
        )
    })?;
    let mut params = Params {
        ec2,
        service,
        out: vec![
            ("Action".into(), operation.name.into()),
            ("Version".into(), service.metadata.api_version.into()),
        ],
    };
    let input = rest::Input::new(service, operation, input, options)?;
    if let Some(input) = &input {
        let shape = service.shape(input.shape);
        if let Some(st) = shape.structure() {
            params.structure(shape, st, input, "")?;
        }
    }
    let host_prefix = super::common::host_prefix(
        service,
        operation,
        input.as_ref().map(|i| i as &dyn crate::value::StructSer),
    )?;
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &params.out {
        body.append_pair(k, v);
    }
    let mut request = HttpRequest::new(method, operation.request_uri);
    request.headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(CONTENT_TYPE),
    );
    request.body = body.finish().into();
    request.host_prefix = host_prefix;
    Ok(request)
}

/// The flat parameter list being built.
struct Params<'s> {
    ec2: bool,
    service: &'s Service,
    out: Vec<(String, String)>,
}

/// `Name` → `Name` (ec2 capitalizes the first letter of names it derives).
fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

impl Params<'_> {
    /// The parameter name of a structure member. A flattened list's items
    /// take its name, so it follows the XML element naming.
    fn member_name(&self, m: &Member) -> String {
        if self.ec2 {
            match (m.query_name, m.location_name) {
                (Some(q), _) => q.to_owned(),
                (None, Some(l)) => capitalize(l),
                (None, None) => capitalize(m.name),
            }
        } else {
            xml::flattened_item_name(self.service, m).to_owned()
        }
    }

    fn structure(
        &mut self,
        shape: &Shape,
        st: &StructureShape,
        value: &dyn StructSer,
        prefix: &str,
    ) -> Result<(), SerializeError> {
        for (i, m) in st.members.iter().enumerate() {
            if let Some(v) = value.member(i) {
                let name = join(prefix, &self.member_name(m));
                self.value(shape, m, m, v, name)?;
            }
        }
        Ok(())
    }

    /// Writes `v` (of the member reference `m`) under `prefix`. `owner` and
    /// `field` name the structure member, for errors.
    fn value(
        &mut self,
        owner: &Shape,
        field: &Member,
        m: &Member,
        v: &dyn Ser,
        prefix: String,
    ) -> Result<(), SerializeError> {
        let service = self.service;
        let target = service.shape(m.target);
        let mismatch = |v: &ValueRef<'_>| {
            SerializeError::new(
                owner.name,
                field.name,
                format!(
                    "{} value does not fit shape {} ({})",
                    xml::value_kind(v),
                    target.name,
                    xml::kind_name(&target.kind)
                ),
            )
        };
        match (&target.kind, v.value()) {
            (ShapeKind::Structure(st), ValueRef::Struct(s)) if !st.document => {
                self.structure(target, st, s, &prefix)
            }
            (ShapeKind::Structure(_), other) => Err(mismatch(&other)),
            (ShapeKind::List { member }, ValueRef::List(items)) => {
                if items.is_empty() {
                    if !self.ec2 {
                        self.out.push((prefix, String::new()));
                    }
                    return Ok(());
                }
                let list_prefix = if self.ec2 {
                    prefix
                } else if xml::flattened(m, target) {
                    // Items repeat the member's name (see `member_name`).
                    prefix
                } else {
                    format!("{prefix}.{}", xml::element_name(member, "member"))
                };
                for i in 0..items.len() {
                    let item_prefix = format!("{list_prefix}.{}", i + 1);
                    self.value(owner, field, member, items.get(i), item_prefix)?;
                }
                Ok(())
            }
            (ShapeKind::List { .. }, other) => Err(mismatch(&other)),
            (ShapeKind::Map { key, value }, ValueRef::Map(map)) => {
                let base = if xml::flattened(m, target) {
                    prefix
                } else {
                    format!("{prefix}.entry")
                };
                let key_name = xml::element_name(key, "key");
                let value_name = xml::element_name(value, "value");
                let mut result = Ok(());
                let mut n = 0;
                map.for_each(&mut |k, val| {
                    if result.is_err() {
                        return;
                    }
                    n += 1;
                    self.out
                        .push((format!("{base}.{n}.{key_name}"), k.to_owned()));
                    result =
                        self.value(owner, field, value, val, format!("{base}.{n}.{value_name}"));
                });
                result
            }
            (ShapeKind::Map { .. }, other) => Err(mismatch(&other)),
            _ => {
                let text = xml::scalar_text(target, xml::timestamp_format(m, target), v)
                    .map_err(|e| SerializeError::new(owner.name, field.name, e))?;
                self.out.push((prefix, text));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalizes_first_letter() {
        assert_eq!(capitalize("token"), "Token");
        assert_eq!(capitalize("Hi"), "Hi");
        assert_eq!(capitalize(""), "");
    }

    #[test]
    fn error_info_reads_query_and_ec2_errors() {
        let query = HttpResponse {
            status: 400,
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidGreeting</Code>\
                   <Message>Hi</Message></Error><RequestId>foo-id</RequestId></ErrorResponse>"
                .into(),
            ..Default::default()
        };
        let info = error_info(&query);
        assert_eq!(info.code, "InvalidGreeting");
        assert_eq!(info.message.as_deref(), Some("Hi"));
        assert_eq!(info.request_id.as_deref(), Some("foo-id"));

        let ec2 = HttpResponse {
            status: 400,
            body: "<Response><Errors><Error><Code>Bad</Code><Message>m</Message></Error>\
                   </Errors><RequestID>r</RequestID></Response>"
                .into(),
            ..Default::default()
        };
        let info = error_info(&ec2);
        assert_eq!(info.code, "Bad");
        assert_eq!(info.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn non_xml_error_bodies_fall_back_to_status() {
        let html = HttpResponse {
            status: 503,
            body: "<html><body>oops".into(),
            ..Default::default()
        };
        let info = error_info(&html);
        assert_eq!(info.code, "503");
        assert_eq!(info.message.as_deref(), Some("Service Unavailable"));
    }
}
