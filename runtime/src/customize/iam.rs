//! IAM: botocore's `json_decode_policies`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::{for_each_string_of_shape, unquote, Call, Customization};
use crate::dynamic::DynValue;
use crate::protocol::{DeserializeError, HttpResponse};
use crate::schema::{Operation, Service, ShapeId, ShapeKind};

pub(super) struct Iam;

/// IAM sends policy documents URL-encoded (`%7B%22Version%22...`).
const POLICY: &str = "policyDocumentType";

impl Customization for Iam {
    fn changes_output(
        &self,
        service: &Service,
        operation: &Operation,
        _response: &HttpResponse,
    ) -> bool {
        // Only outputs that can hold a policy take the slower path. The answer
        // is fixed per operation: worked out once (keyed by the static table
        // entry's address).
        static CACHE: OnceLock<Mutex<HashMap<usize, bool>>> = OnceLock::new();
        let key = operation as *const Operation as usize;
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *cache.entry(key).or_insert_with(|| {
            operation
                .output
                .is_some_and(|o| reaches(service, o, POLICY))
        })
    }

    /// Policy documents come back as JSON text (botocore parses them into a
    /// dict; the model types them as strings). A value that does not decode
    /// to JSON stays as sent.
    fn after_parse(
        &self,
        call: &Call<'_>,
        output: &mut DynValue,
        _response: &HttpResponse,
    ) -> Result<(), DeserializeError> {
        if let Some(shape) = call.operation.output {
            for_each_string_of_shape(call.service, shape, output, POLICY, &mut |text| {
                let decoded = unquote(text);
                if serde_json::from_str::<serde_json::Value>(&decoded).is_ok() {
                    *text = decoded;
                }
            });
        }
        Ok(())
    }
}

/// Whether a value of `shape` can hold a `policyDocumentType` string
/// (through structures and lists, as botocore walks them).
fn reaches(service: &Service, shape: ShapeId, name: &str) -> bool {
    let mut seen = vec![false; service.shapes.len()];
    let mut stack = vec![shape];
    while let Some(id) = stack.pop() {
        if seen
            .get_mut(id as usize)
            .is_none_or(|s| std::mem::replace(s, true))
        {
            continue;
        }
        let s = service.shape(id);
        if s.name == name {
            return true;
        }
        match &s.kind {
            ShapeKind::Structure(st) => stack.extend(st.members.iter().map(|m| m.target)),
            ShapeKind::List { member } => stack.push(member.target),
            _ => {}
        }
    }
    false
}
