//! The `rest-xml` protocol (S3, Route 53, CloudFront): HTTP bindings from
//! [`super::rest`], XML bodies from [`super::xml`].

use super::rest::{self, Payload};
use super::xml::{self, Found, Target, Writer};
use super::*;
use crate::schema::{Location, ShapeKind, XmlNamespace};
use crate::value::{De, Ser};

/// The `rest-xml` protocol.
pub struct RestXml;

const XML_CONTENT_TYPE: &str = "application/xml";

impl Codec for RestXml {
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        let input = rest::Input::new(service, operation, input, options)?;
        let mut request = rest::serialize_http(service, operation, input.as_ref())?;
        let Some(input) = input else {
            return Ok(request);
        };
        let shape = service.shape(input.shape);
        let Some(st) = shape.structure() else {
            return Ok(request);
        };
        match rest::payload(service, st) {
            Payload::Raw(i) => {
                if let (Some(v), Some(m)) = (input.get(i), st.members.get(i)) {
                    let content_type = rest::raw_payload(&mut request, shape.name, m, v)?;
                    // botocore sends a blob payload without a Content-Type of its
                    // own: S3 then stores its default (`binary/octet-stream`).
                    if content_type != "application/octet-stream" {
                        rest::set_content_type(&mut request, content_type);
                    }
                }
            }
            Payload::Member(i) => {
                if let (Some(v), Some(m)) = (input.get(i), st.members.get(i)) {
                    let mut w = Writer::new(service);
                    w.payload_member(shape, m, v)?;
                    request.body = w.finish().into();
                    rest::set_content_type(&mut request, XML_CONTENT_TYPE);
                }
            }
            Payload::Members => {
                let has_body = st
                    .members
                    .iter()
                    .enumerate()
                    .any(|(i, m)| m.location == Location::Body && input.get(i).is_some());
                if has_body {
                    // The root element: the shape's `locationName`, else the
                    // operation's `input.locationName`, else the shape name.
                    let name = shape
                        .xml_name
                        .or(operation.input_location_name)
                        .unwrap_or(shape.name);
                    let ns = operation
                        .input_xml_namespace
                        .map(|uri| XmlNamespace { prefix: None, uri })
                        .or(shape.xml_namespace);
                    let mut w = Writer::new(service);
                    w.structure(name, ns, input.shape, &input, true)?;
                    request.body = w.finish().into();
                    rest::set_content_type(&mut request, XML_CONTENT_TYPE);
                }
            }
        }
        Ok(request)
    }

    fn deserialize(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        read_output(service, operation, response, output, None)
    }

    fn deserialize_decoding(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
        output: &mut dyn De,
        decode: &TextDecode,
    ) -> Option<Result<(), DeserializeError>> {
        Some(read_output(
            service,
            operation,
            response,
            output,
            Some(decode),
        ))
    }

    fn error_info(&self, _service: &Service, response: &HttpResponse) -> ErrorInfo {
        error_info(response)
    }

    fn serialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        value: &dyn Ser,
    ) -> Result<(Bytes, &'static str), SerializeError> {
        let s = service.shape(shape);
        let (Some(st), crate::value::ValueRef::Struct(fields)) = (s.structure(), value.value())
        else {
            return Err(SerializeError::new(s.name, "", "an event is a structure"));
        };
        let mut w = Writer::new(service);
        match payload.and_then(|i| Some((i, st.members.get(i)?))) {
            Some((i, m)) => {
                if let Some(v) = fields.member(i) {
                    w.payload_member(s, m, v)?;
                }
            }
            None => {
                let name = s.xml_name.unwrap_or(s.name);
                w.structure(name, s.xml_namespace, shape, fields, true)?;
            }
        }
        Ok((w.finish().into(), "text/xml"))
    }

    fn deserialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        body: &Bytes,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        output.init();
        let payload = payload.map_or(Payload::Members, Payload::Member);
        read_body(service, shape, payload, body, output, None)
    }

    fn deserialize_error(
        &self,
        service: &Service,
        shape: ShapeId,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        output.init();
        rest::deserialize_http(service, shape, response, output)?;
        let Some(doc) = xml::document(&response.body)? else {
            return Ok(());
        };
        // `<ErrorResponse><Error>` (Route 53, CloudFront), else the root
        // (S3's bare `<Error>`).
        let root = doc.outline(2)?;
        let steps = match (root.name.as_str(), root.position("Error")) {
            ("ErrorResponse", Some(i)) => vec![xml::Step::Index(i)],
            _ => Vec::new(),
        };
        let target = Target::Structure {
            shape,
            body_only: true,
        };
        doc.read(service, &steps, target, output)?;
        Ok(())
    }
}

/// A successful response's headers, status and body into `output`.
fn read_output(
    service: &Service,
    operation: &Operation,
    response: &HttpResponse,
    output: &mut dyn De,
    decode: Option<&TextDecode>,
) -> Result<(), DeserializeError> {
    let Some(shape_id) = operation.output else {
        return Ok(());
    };
    let shape = service.shape(shape_id);
    let Some(st) = shape.structure() else {
        return Err(DeserializeError::new(
            shape.name,
            "output is not a structure",
        ));
    };
    output.init();
    rest::deserialize_http(service, shape_id, response, output)?;
    init_header_maps(st, output)?;
    match rest::payload(service, st) {
        Payload::Raw(i) => {
            rest::deserialize_raw_payload(service, shape_id, i, &response.body, output)
        }
        // The body is the stream, which the client hands to the member.
        Payload::Member(i)
            if st
                .members
                .get(i)
                .is_some_and(|m| super::common::is_event_stream(service, m)) =>
        {
            Ok(())
        }
        payload => read_body(service, shape_id, payload, &response.body, output, decode),
    }
}

/// The body of structure `shape_id` (a response's, or an event's payload):
/// its `payload` member alone, or its body members.
fn read_body(
    service: &Service,
    shape_id: ShapeId,
    payload: Payload,
    body: &Bytes,
    output: &mut dyn De,
    decode: Option<&TextDecode>,
) -> Result<(), DeserializeError> {
    let shape = service.shape(shape_id);
    let Some(st) = shape.structure() else {
        return Err(DeserializeError::new(shape.name, "not a structure"));
    };
    match payload {
        Payload::Raw(i) => rest::deserialize_raw_payload(service, shape_id, i, body, output),
        Payload::Member(i) => {
            let (Some(doc), Some(m)) = (
                xml::document(body)?.map(|d| d.decoding(decode)),
                st.members.get(i),
            ) else {
                return Ok(());
            };
            let slot = output
                .member(i)
                .map_err(|e| DeserializeError::value(format!("{}.{}", shape.name, m.name), e))?;
            let target = Target::Member {
                owner: shape,
                member: m,
            };
            doc.read(service, &[], target, slot)?;
            Ok(())
        }
        Payload::Members => {
            let Some(doc) = xml::document(body)? else {
                return Ok(());
            };
            let doc = doc.decoding(decode);
            let target = Target::Structure {
                shape: shape_id,
                body_only: true,
            };
            match doc.read(service, &[], target, output)? {
                Found::Read {
                    childless: Some(root),
                } => lone_member(service, shape_id, &doc, &root, output),
                _ => Ok(()),
            }
        }
    }
}

/// Prefix-header maps are present (maybe empty) in every response, as in
/// botocore.
fn init_header_maps(
    st: &crate::schema::StructureShape,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    for (i, m) in st.members.iter().enumerate() {
        if m.location == Location::Headers {
            output
                .member(i)
                .map_err(|e| DeserializeError::value(m.name, e))?
                .init();
        }
    }
    Ok(())
}

/// S3's GetBucketLocation answers with a bare
/// `<LocationConstraint>eu-west-1</LocationConstraint>`: a root element with
/// text only (named `root`) that names a scalar member is that member's value.
fn lone_member(
    service: &Service,
    shape: ShapeId,
    doc: &xml::Document<'_>,
    root: &str,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    let s = service.shape(shape);
    let Some(st) = s.structure() else {
        return Ok(());
    };
    let found = st.members.iter().enumerate().find(|(_, m)| {
        m.location == Location::Body
            && !m.xml_attribute
            && xml::element_name(m, m.name) == root
            && !matches!(
                service.shape(m.target).kind,
                ShapeKind::Structure(_) | ShapeKind::List { .. } | ShapeKind::Map { .. }
            )
    });
    let Some((i, m)) = found else {
        return Ok(());
    };
    let slot = output
        .member(i)
        .map_err(|e| DeserializeError::value(format!("{}.{}", s.name, m.name), e))?;
    let target = Target::Member {
        owner: s,
        member: m,
    };
    doc.read(service, &[], target, slot)?;
    Ok(())
}

/// The name of an XML document's root element, read from its first bytes
/// without parsing the document (skips the XML declaration, comments and
/// whitespace).
pub fn root_name(body: &[u8]) -> Option<&str> {
    let head = body.get(..body.len().min(512))?;
    let mut rest = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut at 512 bytes.
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to())?).ok()?,
    };
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.get(after.find("?>")? + 2..)?;
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.get(after.find("-->")? + 3..)?;
        } else {
            let after = rest.strip_prefix('<')?;
            let end = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
            return after.get(..end);
        }
    }
}

/// Code, message and request id of a rest-xml error: `<ErrorResponse>`
/// (Route 53, CloudFront), S3's bare `<Error>`, or, without a body (HEAD
/// requests), the HTTP status as the code, as botocore does.
fn error_info(response: &HttpResponse) -> ErrorInfo {
    let mut info = ErrorInfo {
        status: response.status,
        request_id: super::common::request_id_header(response),
        ..Default::default()
    };
    let doc = xml::document(&response.body).ok().flatten();
    if let Some(root) = doc.and_then(|d| d.outline(3).ok()) {
        let error = match root.name.as_str() {
            "Error" => Some(&root),
            _ => root.child("Error"),
        };
        if let Some(error) = error {
            if let Some(code) = error.child("Code") {
                info.code = code.text.trim().to_owned();
            }
            if let Some(msg) = error.child("Message") {
                info.message = Some(msg.text.clone());
            }
            if info.request_id.is_none() {
                info.request_id = error
                    .child("RequestId")
                    .or_else(|| root.child("RequestId"))
                    .map(|n| n.text.trim().to_owned());
            }
        }
    }
    super::common::status_fallback(&mut info);
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic::{build_service, DynValue};
    use crate::model::ServiceModel;

    fn s3_like() -> &'static Service {
        let model: ServiceModel = serde_json::from_value(serde_json::json!({
            "metadata": {"protocol": "rest-xml", "apiVersion": "2006-03-01"},
            "operations": {
                "GetBucketLocation": {
                    "name": "GetBucketLocation",
                    "http": {"method": "GET", "requestUri": "/{Bucket}?location"},
                    "output": {"shape": "GetBucketLocationOutput"}
                },
                "CompleteMultipartUpload": {
                    "name": "CompleteMultipartUpload",
                    "http": {"method": "POST", "requestUri": "/{Bucket}/{Key+}"},
                    "output": {"shape": "CompleteOutput"}
                },
                "GetObject": {
                    "name": "GetObject",
                    "http": {"method": "GET", "requestUri": "/{Bucket}/{Key+}"},
                    "output": {"shape": "GetObjectOutput"}
                }
            },
            "shapes": {
                "GetBucketLocationOutput": {"type": "structure", "members": {
                    "LocationConstraint": {"shape": "Str"}}},
                "CompleteOutput": {"type": "structure", "members": {
                    "ETag": {"shape": "Str"}, "Size": {"shape": "Int"}}},
                "GetObjectOutput": {"type": "structure", "payload": "Body", "members": {
                    "Body": {"shape": "Blob", "streaming": true}}},
                "Str": {"type": "string"},
                "Int": {"type": "integer"},
                "Blob": {"type": "blob", "streaming": true}
            }
        }))
        .expect("model");
        build_service("s3", &model).expect("schema")
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            body: body.to_owned().into(),
            ..Default::default()
        }
    }

    #[test]
    fn get_bucket_location_reads_the_bare_root() {
        let service = s3_like();
        let op = service.operation("GetBucketLocation").unwrap();
        let resp = response(
            200,
            "<?xml version=\"1.0\"?>\n<LocationConstraint \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>",
        );
        let mut out = DynValue::Empty;
        RestXml.deserialize(service, op, &resp, &mut out).unwrap();
        assert_eq!(
            out.to_json(service, op.output.unwrap()),
            serde_json::json!({"LocationConstraint": "eu-west-1"})
        );
    }

    #[test]
    fn bad_values_name_their_path() {
        let service = s3_like();
        let op = service.operation("CompleteMultipartUpload").unwrap();
        let resp = response(200, "<R><Size>big</Size></R>");
        let mut out = DynValue::Empty;
        let err = RestXml
            .deserialize(service, op, &resp, &mut out)
            .unwrap_err();
        assert_eq!(err.path, "CompleteOutput.Size");
        let bad = response(200, "<R><Size>1</Size>");
        assert!(RestXml.deserialize(service, op, &bad, &mut out).is_err());
    }

    #[test]
    fn root_names() {
        assert_eq!(root_name(b"<Error><Code>x</Code></Error>"), Some("Error"));
        assert_eq!(
            root_name(b"<?xml version=\"1.0\"?>\n<!-- c -->\n<Error>"),
            Some("Error")
        );
        assert_eq!(
            root_name(b"<ErrorResponse xmlns=\"x\">"),
            Some("ErrorResponse")
        );
        assert_eq!(root_name(b"<Error/>"), Some("Error"));
        assert_eq!(root_name(b""), None);
        assert_eq!(root_name(b"not xml"), None);
    }

    #[test]
    fn s3_errors() {
        let resp = HttpResponse {
            status: 200,
            body: "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>m</Message>\
                   <RequestId>rid</RequestId></Error>"
                .into(),
            ..Default::default()
        };
        let info = error_info(&resp);
        assert_eq!(info.code, "InternalError");
        assert_eq!(info.message.as_deref(), Some("m"));
        assert_eq!(info.request_id.as_deref(), Some("rid"));

        let head = HttpResponse {
            status: 404,
            ..Default::default()
        };
        let info = error_info(&head);
        assert_eq!(info.code, "404");
        assert_eq!(info.message.as_deref(), Some("Not Found"));
    }
}
