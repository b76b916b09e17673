//! Handlers botocore registers for every service.

use http::HeaderValue;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{Call, Customization};
use crate::protocol::{HttpRequest, SerializeError};

pub(super) struct All;

/// What Python's `quote(trace_id, safe='-=;:+&[]{}"\',')` leaves as it is,
/// besides letters, digits and `_.-~`.
const TRACE_ID: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'=')
    .remove(b';')
    .remove(b':')
    .remove(b'+')
    .remove(b'&')
    .remove(b'[')
    .remove(b']')
    .remove(b'{')
    .remove(b'}')
    .remove(b'"')
    .remove(b'\'')
    .remove(b',')
    .remove(b'/');

impl Customization for All {
    /// `add_recursion_detection_header`: inside Lambda, the function's trace
    /// id goes with every request as `X-Amzn-Trace-Id` (unless one is set).
    fn after_serialize(
        &self,
        call: &Call<'_>,
        request: &mut HttpRequest,
    ) -> Result<(), SerializeError> {
        if request.headers.contains_key("x-amzn-trace-id")
            || call.env.get("AWS_LAMBDA_FUNCTION_NAME").is_none()
        {
            return Ok(());
        }
        if let Some(trace) = call.env.get("_X_AMZN_TRACE_ID") {
            let quoted = utf8_percent_encode(&trace, TRACE_ID).to_string();
            if let Ok(v) = HeaderValue::from_str(&quoted) {
                request.headers.insert("x-amzn-trace-id", v);
            }
        }
        Ok(())
    }
}
