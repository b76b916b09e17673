//! The `smithy-rpc-v2-cbor` protocol.
//!
//! Every call is `POST /service/{targetPrefix}/operation/{Operation}` with the
//! input structure as one CBOR map; responses and errors are CBOR maps too,
//! errors naming their shape in `__type`. Services that used to speak query
//! (`awsQueryCompatible`, CloudWatch) ask for query error codes with
//! `x-amzn-query-mode` and get them back in `x-amzn-query-error`.

mod decode;
mod encode;

use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};

use super::*;
use crate::schema::ShapeKind;
use crate::value::{De, Ser, ValueRef};

const CBOR: &str = "application/cbor";
const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

pub struct RpcV2Cbor;

impl Codec for RpcV2Cbor {
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        let prefix = service.metadata.target_prefix;
        if prefix.is_empty() {
            return Err(SerializeError::new(
                service.name,
                operation.name,
                "metadata.targetPrefix is empty; rpc-v2-cbor puts it in the request path",
            ));
        }
        let mut request = HttpRequest::new(
            http::Method::POST,
            format!("/service/{prefix}/operation/{}", operation.name),
        );
        // No input shape, no body (and no Content-Type); an input shape is
        // always sent, as an empty map at least.
        if let Some(shape) = operation.input {
            let mut writer = encode::Writer::new(service, options);
            writer.input(shape, input)?;
            request.body = writer.finish().into();
            request.host_prefix = host_prefix(service, operation, shape, input)?;
        }
        let h = &mut request.headers;
        h.insert(
            HeaderName::from_static("smithy-protocol"),
            HeaderValue::from_static("rpc-v2-cbor"),
        );
        let accept = if has_event_stream_output(service, operation) {
            EVENT_STREAM
        } else {
            CBOR
        };
        h.insert(ACCEPT, HeaderValue::from_static(accept));
        if !request.body.is_empty() {
            h.insert(CONTENT_TYPE, HeaderValue::from_static(CBOR));
        }
        if service.metadata.aws_query_compatible {
            h.insert(
                HeaderName::from_static("x-amzn-query-mode"),
                HeaderValue::from_static("true"),
            );
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
        match operation.output {
            Some(shape) => read_body(service, shape, response, output),
            // Nothing to read; a body (`{}` or anything) is ignored.
            None => Ok(()),
        }
    }

    fn error_info(&self, service: &Service, response: &HttpResponse) -> ErrorInfo {
        let _ = service;
        // A body that is not a CBOR map still yields the status and headers.
        let body = if response.body.is_empty() {
            None
        } else {
            decode::parse(&response.body, "error").ok()
        };
        let text = |key: &str| match body.as_ref().and_then(|b| decode::get(b, key)) {
            Some(ciborium::Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        let code = match text("__type") {
            Some(t) => sanitize_code(&t).to_owned(),
            None => response.status.to_string(),
        };
        // Query-compatible services put the query error code in a header:
        // `Code;Sender` (or `;Receiver`).
        let code = match response
            .header("x-amzn-query-error")
            .and_then(|h| h.split_once(';'))
        {
            Some((query_code, fault)) if !query_code.is_empty() && !fault.contains(';') => {
                query_code.to_owned()
            }
            _ => code,
        };
        ErrorInfo {
            code,
            message: text("message").or_else(|| text("Message")),
            request_id: response.header("x-amzn-requestid").map(str::to_owned),
            status: response.status,
        }
    }

    fn deserialize_error(
        &self,
        service: &Service,
        shape: ShapeId,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        read_body(service, shape, response, output)
    }
}

/// Reads a whole body as structure `shape`; an empty body is an empty structure.
fn read_body(
    service: &Service,
    shape: ShapeId,
    response: &HttpResponse,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    let name = service.shape(shape).name;
    if response.body.is_empty() {
        output.init();
        return Ok(());
    }
    let value = decode::parse(&response.body, name)?;
    if !matches!(value, ciborium::Value::Map(_)) {
        return Err(DeserializeError::new(
            name,
            format!("body is {}, not a CBOR map", decode::describe(&value)),
        ));
    }
    decode::Reader { service }.read(shape, &value, output, &mut name.to_owned())
}

/// `aws.protocoltests.rpcv2cbor#InvalidGreeting:http://…` → `InvalidGreeting`.
fn sanitize_code(raw: &str) -> &str {
    let code = raw.split(':').next().unwrap_or(raw);
    code.rsplit('#').next().unwrap_or(code)
}

fn has_event_stream_output(service: &Service, operation: &Operation) -> bool {
    let Some(out) = operation.output.and_then(|o| service.shape(o).structure()) else {
        return false;
    };
    out.members.iter().any(|m| {
        service
            .shape(m.target)
            .structure()
            .is_some_and(|s| s.event_stream)
    })
}

/// Fills the operation's `hostPrefix` from the input's `hostLabel` members.
fn host_prefix(
    service: &Service,
    operation: &Operation,
    shape: ShapeId,
    input: Option<&dyn Ser>,
) -> Result<Option<String>, SerializeError> {
    let Some(template) = operation.host_prefix else {
        return Ok(None);
    };
    let s = service.shape(shape);
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            return Err(SerializeError::new(
                s.name,
                "",
                format!("unclosed label in hostPrefix {template:?}"),
            ));
        };
        let label = &rest[start + 1..start + len];
        let value = s.structure().and_then(|st| {
            let i = st.member_index(label)?;
            if !matches!(
                service.shape(st.members[i].target).kind,
                ShapeKind::String | ShapeKind::Enum { .. }
            ) {
                return None;
            }
            match input?.value() {
                ValueRef::Struct(v) => v.member(i),
                _ => None,
            }
        });
        match value.map(|v| v.value()) {
            Some(ValueRef::Str(v)) if is_host_label(v) => out.push_str(v),
            Some(ValueRef::Str(v)) => {
                return Err(SerializeError::new(
                    s.name,
                    label,
                    format!("{v:?} is not a valid host label"),
                ))
            }
            _ => {
                return Err(SerializeError::new(
                    s.name,
                    label,
                    "hostPrefix label needs this string member set",
                ))
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(Some(out))
}

fn is_host_label(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 63
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !v.starts_with('-')
}

#[cfg(test)]
mod tests;
