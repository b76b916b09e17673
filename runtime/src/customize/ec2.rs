//! EC2: botocore's `base64_encode_user_data` and `decode_console_output`.

use base64::Engine;

use super::{output_member, Call, Customization, Members, Overrides};
use crate::dynamic::DynValue;
use crate::protocol::{DeserializeError, HttpResponse, SerializeError};
use crate::schema::{Operation, Service};

pub(super) struct Ec2;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Customization for Ec2 {
    /// `RunInstances` takes `UserData` as text and sends it base64 encoded.
    fn before_serialize(
        &self,
        call: &mut Call<'_>,
        input: &Members<'_>,
        set: &mut Overrides,
    ) -> Result<(), SerializeError> {
        if call.operation.name == "RunInstances" {
            super::other::base64_user_data(input, set);
        }
        Ok(())
    }

    fn changes_output(
        &self,
        _service: &Service,
        operation: &Operation,
        _response: &HttpResponse,
    ) -> bool {
        operation.name == "GetConsoleOutput"
    }

    /// `GetConsoleOutput`'s `Output` comes back decoded from base64 (invalid
    /// UTF-8 replaced), or as sent when it is not base64.
    fn after_parse(
        &self,
        call: &Call<'_>,
        output: &mut DynValue,
        _response: &HttpResponse,
    ) -> Result<(), DeserializeError> {
        if let Some(DynValue::Str(text)) = output_member(call, output, "Output") {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            if let Ok(bytes) = B64.decode(compact) {
                *text = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
        Ok(())
    }
}
