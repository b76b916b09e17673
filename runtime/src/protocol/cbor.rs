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

use super::common;
use super::*;
use crate::value::{De, Ser, ValueRef};

const CBOR: &str = "application/cbor";
const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

/// The `smithy-rpc-v2-cbor` codec.
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
                "",
                "",
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
            let _ = shape;
            let fields = match input.map(|i| i.value()) {
                Some(ValueRef::Struct(s)) => Some(s),
                _ => None,
            };
            request.host_prefix = common::host_prefix(service, operation, fields)?;
        }
        let h = &mut request.headers;
        h.insert(
            HeaderName::from_static("smithy-protocol"),
            HeaderValue::from_static("rpc-v2-cbor"),
        );
        let event_stream_output = operation
            .output
            .and_then(|o| service.shape(o).structure())
            .is_some_and(|st| common::event_stream_member(service, st).is_some());
        let accept = if event_stream_output {
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
        let [type_name, message, message_upper] = if response.body.is_empty() {
            None
        } else {
            decode::texts(&response.body, ["__type", "message", "Message"])
        }
        .unwrap_or_default();
        let code = match type_name {
            Some(t) => common::sanitize_error_code(&t).to_owned(),
            None => response.status.to_string(),
        };
        let mut info = ErrorInfo {
            code,
            message: message.or(message_upper),
            request_id: common::request_id_header(response),
            status: response.status,
            type_code: None,
        };
        // Query-compatible services put the query error code in a header.
        common::apply_query_error(&mut info, response);
        info
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

    fn deserialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        body: &Bytes,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        let s = service.shape(shape);
        let (target, slot) = match payload {
            None => (shape, output),
            Some(i) => {
                let Some(m) = s.structure().and_then(|st| st.members.get(i)) else {
                    return Err(DeserializeError::new(s.name, "no payload member"));
                };
                let slot = output
                    .member(i)
                    .map_err(|e| DeserializeError::value(format!("{}.{}", s.name, m.name), e))?;
                (m.target, slot)
            }
        };
        if body.is_empty() {
            slot.init();
            return Ok(());
        }
        decode::read(service, target, body, s.name, slot)
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
    decode::read(service, shape, &response.body, name, output)
}

#[cfg(test)]
mod tests;
