//! Placeholder until the codec lands; every call fails with a clear error.

use super::*;
use crate::value::{De, Ser};

pub struct RestJson;

impl Codec for RestJson {
    fn serialize(
        &self,
        s: &Service,
        o: &Operation,
        _: Option<&dyn Ser>,
        _: &SerializeOptions<'_>,
    ) -> Result<HttpRequest, SerializeError> {
        Err(SerializeError::new(
            s.name,
            o.name,
            "codec RestJson not implemented yet",
        ))
    }
    fn deserialize(
        &self,
        _: &Service,
        _: &Operation,
        _: &HttpResponse,
        _: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        Err(DeserializeError::new(
            "",
            "codec RestJson not implemented yet",
        ))
    }
    fn error_info(&self, _: &Service, r: &HttpResponse) -> ErrorInfo {
        ErrorInfo {
            status: r.status,
            ..Default::default()
        }
    }
    fn deserialize_error(
        &self,
        _: &Service,
        _: ShapeId,
        _: &HttpResponse,
        _: &mut dyn De,
    ) -> Result<(), DeserializeError> {
        Err(DeserializeError::new(
            "",
            "codec RestJson not implemented yet",
        ))
    }
}
