//! The rest-json protocol: HTTP bindings from [`super::rest`], and a
//! JSON body holding either the body members or the `payload` member alone.

use super::json_body;
use super::rest::{self, Input, Payload};
use super::*;
use crate::event_stream::OutgoingBody;
use crate::schema::Location;
use crate::value::ValueRef;

/// The rest-json codec.
pub struct RestJson;

const JSON: &str = "application/json";

fn body_member(m: &crate::schema::Member) -> bool {
    m.location == Location::Body
}

impl Codec for RestJson {
    fn serialize(
        &self,
        service: &Service,
        operation: &Operation,
        input: Option<&dyn Ser>,
        options: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        let input = Input::new(service, operation, input, options)?;
        let mut request = rest::serialize_http(service, operation, input.as_ref())?;
        let Some(input) = input else {
            return Ok(request);
        };
        let shape = service.shape(input.shape);
        let Some(st) = shape.structure() else {
            return Ok(request);
        };
        #[allow(clippy::indexing_slicing)] // rest::payload returns only indices of st.members
        match rest::payload(service, st) {
            Payload::Member(i) if super::common::is_event_stream(service, &st.members[i]) => {
                let source = match input.get(i).map(|v| v.value()) {
                    Some(ValueRef::Events(source)) => source,
                    _ => {
                        return Err(SerializeError::new(
                            shape.name,
                            st.members[i].name,
                            "an event stream member takes an EventStream of events",
                        ))
                    }
                };
                request.events = OutgoingBody::take(source, st.members[i].target);
                if request.events.is_none() {
                    return Err(SerializeError::new(
                        shape.name,
                        st.members[i].name,
                        "the event stream has no events to send (already sent?)",
                    ));
                }
            }
            Payload::Raw(i) => {
                if let Some(v) = input.get(i) {
                    let content_type =
                        rest::raw_payload(&mut request, shape.name, &st.members[i], v)?;
                    rest::set_content_type(&mut request, content_type);
                }
            }
            Payload::Member(i) => {
                let target = service.shape(st.members[i].target);
                if let Some(v) = input.get(i) {
                    request.body = json_body::to_string(service, st.members[i].target, v)?.into();
                    rest::set_content_type(&mut request, JSON);
                } else if target.structure().is_some_and(|t| !t.union && !t.document) {
                    // An unset structure payload is an empty object (botocore);
                    // an unset union or document sends no body at all.
                    request.body = "{}".into();
                    rest::set_content_type(&mut request, JSON);
                }
            }
            Payload::Members => {
                if rest::has_body_members(st) {
                    let mut out = String::new();
                    json_body::write_struct(&mut out, service, input.shape, &input, &body_member)?;
                    request.body = out.into();
                    rest::set_content_type(&mut request, JSON);
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
        let Some(shape) = operation.output else {
            return Ok(());
        };
        read_message(service, shape, response, output)
    }

    fn error_info(&self, service: &Service, response: &HttpResponse) -> ErrorInfo {
        json::error_info(service, response)
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
        read_message(service, shape, response, output)
    }
}

/// Reads headers, status code and body of a response into structure `shape`.
fn read_message(
    service: &Service,
    shape: ShapeId,
    response: &HttpResponse,
    output: &mut dyn De,
) -> Result<(), DeserializeError> {
    let s = service.shape(shape);
    let Some(st) = s.structure() else {
        return Err(DeserializeError::new(s.name, "not a structure"));
    };
    output.init();
    rest::deserialize_http(service, shape, response, output)?;
    #[allow(clippy::indexing_slicing)] // rest::payload returns only indices of st.members
    match rest::payload(service, st) {
        // The body is the stream, which the client hands to the member.
        Payload::Member(i) if super::common::is_event_stream(service, &st.members[i]) => Ok(()),
        Payload::Raw(i) => rest::deserialize_raw_payload(service, shape, i, &response.body, output),
        Payload::Member(i) => json_body::read_payload(service, shape, i, &response.body, output),
        // Error bodies are not always objects; a modeled output body is.
        Payload::Members => json_body::read_struct(
            service,
            shape,
            &response.body,
            output,
            &body_member,
            st.error.is_some(),
        ),
    }
}
