//! A model cut down to some of its operations: the operations kept, the
//! shapes they reach, no documentation. The runtime embeds such subsets of
//! STS, SSO and SSO OIDC for its credential providers, so they call those
//! services through the same codecs as every generated client without the
//! whole models.

use std::collections::{BTreeSet, VecDeque};

use serde_json::{Map, Value};

use crate::error::{CodegenError, Result};

/// Keys holding prose, dropped wherever a shape, member or operation has them.
const PROSE: &[&str] = &["documentation", "documentationUrl", "deprecatedMessage"];

/// `model` (a `service-2.json` text) with only `operations` and the shapes
/// they reach, minified. Fails naming the first operation or shape missing.
pub fn subset_model(service: &str, model: &str, operations: &[&str]) -> Result<String> {
    let invalid = |message: String| CodegenError::Subset {
        service: service.to_owned(),
        message,
    };
    let model: Value =
        serde_json::from_str(model).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let all_ops = model
        .get("operations")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("no `operations`".into()))?;
    let all_shapes = model
        .get("shapes")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("no `shapes`".into()))?;

    let mut ops = Map::new();
    let mut queue = VecDeque::new();
    for name in operations {
        let op = all_ops
            .get(*name)
            .ok_or_else(|| invalid(format!("no operation `{name}`")))?;
        for key in ["input", "output"] {
            if let Some(shape) = op
                .get(key)
                .and_then(|r| r.get("shape"))
                .and_then(Value::as_str)
            {
                queue.push_back(shape.to_owned());
            }
        }
        for error in op
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(shape) = error.get("shape").and_then(Value::as_str) {
                queue.push_back(shape.to_owned());
            }
        }
        ops.insert((*name).to_owned(), without_prose(op));
    }

    let mut seen = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let shape = all_shapes
            .get(&name)
            .ok_or_else(|| invalid(format!("shape `{name}` is referenced but not defined")))?;
        let mut refs: Vec<&Value> = ["member", "key", "value"]
            .iter()
            .filter_map(|k| shape.get(*k))
            .collect();
        if let Some(members) = shape.get("members").and_then(Value::as_object) {
            refs.extend(members.values());
        }
        for r in refs {
            if let Some(target) = r.get("shape").and_then(Value::as_str) {
                queue.push_back(target.to_owned());
            }
        }
    }
    // `seen` is ordered, so the output is deterministic.
    let shapes: Map<String, Value> = seen
        .iter()
        .map(|name| {
            let mut shape = without_prose(&all_shapes[name]);
            if let Some(members) = shape.get_mut("members").and_then(Value::as_object_mut) {
                for member in members.values_mut() {
                    *member = without_prose(member);
                }
            }
            (name.clone(), shape)
        })
        .collect();

    let mut out = Map::new();
    for key in ["version", "metadata"] {
        if let Some(v) = model.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    out.insert("operations".into(), Value::Object(ops));
    out.insert("shapes".into(), Value::Object(shapes));
    Ok(Value::Object(out).to_string())
}

/// A shape, member or operation object without its prose keys (one level:
/// a `members` map keeps every member, whatever it is named).
fn without_prose(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !PROSE.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"{
      "version": "2.0",
      "metadata": {"protocol": "json"},
      "documentation": "service prose",
      "operations": {
        "Keep": {"name": "Keep", "input": {"shape": "In"}, "errors": [{"shape": "Oops"}], "documentation": "x"},
        "Drop": {"name": "Drop", "input": {"shape": "Other"}}
      },
      "shapes": {
        "In": {"type": "structure", "members": {"documentation": {"shape": "S", "documentation": "y"}, "L": {"shape": "List"}}},
        "List": {"type": "list", "member": {"shape": "M"}},
        "M": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
        "S": {"type": "string", "documentation": "z"},
        "Oops": {"type": "structure", "members": {}, "exception": true},
        "Other": {"type": "structure", "members": {}}
      }
    }"#;

    #[test]
    fn keeps_reachable_shapes_and_drops_prose() {
        let out: Value =
            serde_json::from_str(&subset_model("t", MODEL, &["Keep"]).unwrap()).unwrap();
        let shapes: Vec<&String> = out["shapes"].as_object().unwrap().keys().collect();
        assert_eq!(shapes, ["In", "List", "M", "Oops", "S"]);
        assert!(out["operations"].get("Drop").is_none());
        assert!(out["operations"]["Keep"].get("documentation").is_none());
        assert!(out.get("documentation").is_none());
        // A member named `documentation` stays; its own prose goes.
        let member = &out["shapes"]["In"]["members"]["documentation"];
        assert_eq!(member, &serde_json::json!({"shape": "S"}));
        assert!(out["shapes"]["S"].get("documentation").is_none());
    }

    #[test]
    fn missing_operation_or_shape_is_an_error() {
        let e = subset_model("t", MODEL, &["Nope"]).unwrap_err().to_string();
        assert!(e.contains("t") && e.contains("Nope"), "{e}");
        let broken = MODEL.replace(
            r#""Other": {"type": "structure", "members": {}}"#,
            r#""Other": {"type": "structure", "members": {"x": {"shape": "Gone"}}}"#,
        );
        let e = subset_model("t", &broken, &["Drop"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("Gone"), "{e}");
    }
}
