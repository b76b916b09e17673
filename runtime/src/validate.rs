//! botocore's client-side parameter validation (`ParamValidator`, on by
//! default, `parameter_validation=False` to turn it off): before anything
//! is sent, every `required` member of the input is checked, nested
//! structures, list elements and map values included, and all that is
//! missing is reported at once. Types need no check here (typed inputs
//! cannot be wrong, and the dynamic client's JSON is read by the schema).
//! It runs after the service's customizations have filled what they fill
//! (Glacier's `accountId`), as botocore validates after its
//! `before-parameter-build` handlers.

use crate::protocol::SerializeError;
use crate::schema::{Operation, Service, ShapeId, ShapeKind};
use crate::value::{Ser, ValueRef};

/// The input of `operation` (`None`: no input given), checked.
pub fn check(
    service: &Service,
    operation: &Operation,
    input: Option<&dyn Ser>,
) -> Result<(), SerializeError> {
    let Some(shape) = operation.input else {
        return Ok(());
    };
    let mut missing = Vec::new();
    match input {
        Some(v) => walk(service, shape, v, "input", 0, &mut missing),
        None => {
            // No input at all: every required member is missing.
            if let Some(st) = service.shape(shape).structure() {
                for m in st
                    .members
                    .iter()
                    .filter(|m| m.required && !m.idempotency_token)
                {
                    missing.push(format!(
                        "Missing required parameter in input: \"{}\"",
                        m.name
                    ));
                }
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(SerializeError::new(
        service.shape(shape).name,
        "",
        format!("Parameter validation failed:\n{}", missing.join("\n")),
    ))
}

/// Deeper than any model nests inputs; past it nothing more is checked
/// (the codecs report what they cannot write).
const MAX_DEPTH: usize = 64;

fn walk(
    service: &Service,
    shape: ShapeId,
    value: &dyn Ser,
    path: &str,
    depth: usize,
    missing: &mut Vec<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match (&service.shape(shape).kind, value.value()) {
        (ShapeKind::Structure(st), ValueRef::Struct(fields))
            if !st.document && !st.event_stream =>
        {
            for (i, m) in st.members.iter().enumerate() {
                match fields.member(i) {
                    Some(v) => {
                        let at = if path == "input" {
                            m.name.to_owned()
                        } else {
                            format!("{path}.{}", m.name)
                        };
                        walk(service, m.target, v, &at, depth + 1, missing);
                    }
                    // Unions have no required members; idempotency tokens are filled in.
                    None if m.required && !m.idempotency_token && !st.union => {
                        missing.push(format!(
                            "Missing required parameter in {path}: \"{}\"",
                            m.name
                        ));
                    }
                    None => {}
                }
            }
        }
        (ShapeKind::List { member }, ValueRef::List(items)) => {
            for i in 0..items.len() {
                let at = format!("{path}[{i}]");
                walk(
                    service,
                    member.target,
                    items.get(i),
                    &at,
                    depth + 1,
                    missing,
                );
            }
        }
        (ShapeKind::Map { value: vm, .. }, ValueRef::Map(entries)) => {
            entries.for_each(&mut |k, v| {
                let at = format!("{path}.{k}");
                walk(service, vm.target, v, &at, depth + 1, missing);
            });
        }
        _ => {}
    }
}
