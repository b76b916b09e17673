//! The json protocol (awsJson 1.0 and 1.1): every operation is a `POST /`
//! naming its target in `X-Amz-Target`, with a JSON body of the input.
//!
//! Errors name their code in `x-amzn-errortype` or the body's `__type` /
//! `code`; `awsQueryCompatible` services override it with the query code of
//! the `x-amzn-query-error` header. [`error_info`] is shared with rest-json.

use http::HeaderValue;
use serde_json::Value as J;

use super::common;
use super::json_body;
use super::rest::Input;
use super::*;
use crate::value::StructSer;

/// The awsJson codec; the version comes from `metadata.json_version`.
pub struct AwsJson;

impl Codec for AwsJson {
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        let input = Input::new(service, operation, input, options)?;
        let body = match &input {
            Some(i) => {
                let mut out = String::new();
                json_body::write_struct(&mut out, service, i.shape, i, &|_| true)?;
                out
            }
            // Even without an input shape the body is an empty object.
            None => "{}".to_owned(),
        };
        let mut request = HttpRequest::new(http::Method::POST, "/");
        let content_type = format!("application/x-amz-json-{}", service.metadata.json_version);
        let target = format!("{}.{}", service.metadata.target_prefix, operation.name);
        for (name, value) in [("content-type", content_type), ("x-amz-target", target)] {
            let value = HeaderValue::from_str(&value).map_err(|_| {
                SerializeError::new(
                    operation.name,
                    "",
                    format!("invalid {name} header {value:?} from the model"),
                )
            })?;
            request.headers.insert(name, value);
        }
        if service.metadata.aws_query_compatible {
            request
                .headers
                .insert("x-amzn-query-mode", HeaderValue::from_static("true"));
        }
        request.body = body.into();
        request.host_prefix = common::host_prefix(
            service,
            operation,
            input.as_ref().map(|i| i as &dyn StructSer),
        )?;
        Ok(request)
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
        output.init();
        json_body::read_struct(service, shape, &response.body, output, &|_| true, false)
    }

    fn error_info(&self, service: &Service, response: &HttpResponse) -> ErrorInfo {
        error_info(service, response)
    }

    fn serialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        value: &dyn Ser,
    ) -> Result<(Bytes, &'static str), SerializeError> {
        json_body::write_event(service, shape, payload, value)
    }

    fn deserialize_event(
        &self,
        service: &Service,
        shape: ShapeId,
        payload: Option<usize>,
        body: &Bytes,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        json_body::read_event(service, shape, payload, body, output)
    }

    fn deserialize_error(
        &self,
        service: &Service,
        shape: ShapeId,
        response: &HttpResponse,
        output: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        output.init();
        json_body::read_struct(service, shape, &response.body, output, &|_| true, true)
    }
}

pub use super::common::sanitize_error_code;

/// The code, message and request id of a json or rest-json error response.
/// An unreadable body is no error: the code then falls back to the status.
pub fn error_info(_service: &Service, response: &HttpResponse) -> ErrorInfo {
    let body: J = json_body::parse(&response.body, "")
        .ok()
        .flatten()
        .unwrap_or(J::Null);
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| body.get(n).and_then(J::as_str))
            .map(str::to_owned)
    };
    let raw_code = response
        .header("x-amzn-errortype")
        .map(str::to_owned)
        .or_else(|| field(&["__type", "code", "Code"]));
    let code = raw_code
        .as_deref()
        .map(sanitize_error_code)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| response.status.to_string());
    // A body that is not JSON (a proxy's HTML page) is the message itself.
    let message = field(&["message", "Message", "errorMessage"]).or_else(|| {
        (body.is_null() && !response.body.is_empty())
            .then(|| String::from_utf8_lossy(&response.body).into_owned())
    });
    let mut info = ErrorInfo {
        code,
        message,
        request_id: common::request_id_header(response),
        status: response.status,
        type_code: None,
    };
    common::apply_query_error(&mut info, response);
    info
}
