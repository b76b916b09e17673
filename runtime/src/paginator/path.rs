//! Dotted member paths (`StreamDescription.Shards`), the only form botocore
//! accepts for `result_key` and `non_aggregate_keys`: reading them on a typed
//! value without copying it, and reading and writing them on the JSON view.

use serde_json::{Map, Value as J};

use crate::schema::{Service, ShapeId, ShapeKind};
use crate::value::{Ser, ValueRef};
use crate::view;

/// The value at `path` in `value` (of shape `shape`), with its shape.
pub fn lookup<'a>(
    service: &Service,
    shape: ShapeId,
    value: &'a dyn Ser,
    path: &str,
) -> Option<(&'a dyn Ser, ShapeId)> {
    let mut current = (value, shape);
    for part in path.split('.') {
        let st = service.shape(current.1).structure()?;
        let (index, member) = st.member_named(part)?;
        let ValueRef::Struct(s) = current.0.value() else {
            return None;
        };
        current = (s.member(index)?, member.target);
    }
    Some(current)
}

/// The view of the value at `path`, or `null`.
pub fn view_at(service: &Service, shape: ShapeId, value: &dyn Ser, path: &str) -> J {
    match lookup(service, shape, value, path) {
        Some((v, s)) => view::to_json(service, s, v),
        None => J::Null,
    }
}

/// Python's `len` of a result, as botocore counts items: elements of a list,
/// entries of a map or structure, characters of a string; nothing for `None`.
pub fn len_of(service: &Service, shape: ShapeId, value: Option<&dyn Ser>) -> usize {
    let Some(value) = value else { return 0 };
    match value.value() {
        ValueRef::List(l) => l.len(),
        ValueRef::Map(m) => m.len(),
        ValueRef::Str(s) => s.chars().count(),
        ValueRef::Struct(s) => match &service.shape(shape).kind {
            ShapeKind::Structure(st) => (0..st.members.len())
                .filter(|&i| s.member(i).is_some())
                .count(),
            _ => 1,
        },
        _ => 1,
    }
}

/// [`len_of`] for a value of the view.
pub fn len_of_json(value: &J) -> usize {
    match value {
        J::Null => 0,
        J::Array(a) => a.len(),
        J::Object(o) => o.len(),
        J::String(s) => s.chars().count(),
        _ => 1,
    }
}

static NULL: J = J::Null;

/// The value at `path` in a view, or `null`.
pub fn get<'a>(root: &'a J, path: &str) -> &'a J {
    match root {
        J::Object(obj) => get_in(obj, path),
        _ => &NULL,
    }
}

/// [`get`] on a view's top-level object.
pub fn get_in<'a>(root: &'a Map<String, J>, path: &str) -> &'a J {
    let mut parts = path.split('.');
    let Some(mut current) = parts.next().and_then(|p| root.get(p)) else {
        return &NULL;
    };
    for part in parts {
        match current.get(part) {
            Some(v) => current = v,
            None => return &NULL,
        }
    }
    current
}

/// The value at `path`, to change in place.
pub fn get_mut_in<'a>(root: &'a mut Map<String, J>, path: &str) -> Option<&'a mut J> {
    let mut parts = path.split('.');
    let mut current = root.get_mut(parts.next()?)?;
    for part in parts {
        current = current.get_mut(part)?;
    }
    Some(current)
}

/// Sets the value at `path`, creating objects on the way (botocore's
/// `set_value_from_jmespath`).
pub fn set(root: &mut Map<String, J>, path: &str, value: J) {
    let mut current = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_owned(), value);
            return;
        }
        let slot = current
            .entry(part.to_owned())
            .or_insert_with(|| J::Object(Map::new()));
        if !slot.is_object() {
            *slot = J::Object(Map::new());
        }
        let J::Object(next) = slot else { return };
        current = next;
    }
}

/// The first `n` items of a result (list elements, map entries, characters).
pub fn take(value: &J, n: usize) -> J {
    match value {
        J::Array(a) => J::Array(a.iter().take(n).cloned().collect()),
        J::Object(o) => J::Object(
            o.iter()
                .take(n)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        J::String(s) => J::String(s.chars().take(n).collect()),
        J::Null => J::Array(Vec::new()),
        other => other.clone(),
    }
}

/// A result without its first `n` items; `null` for what cannot be sliced.
pub fn skip(value: &J, n: usize) -> J {
    match value {
        J::Array(a) => J::Array(a.iter().skip(n).cloned().collect()),
        J::Object(o) => J::Object(
            o.iter()
                .skip(n)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        J::String(s) => J::String(s.chars().skip(n).collect()),
        _ => J::Null,
    }
}

/// botocore's `merge_dicts`: nested objects merge, anything else replaces.
pub fn merge(into: &mut Map<String, J>, from: &Map<String, J>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(J::Object(a)), J::Object(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_paths() {
        let mut root = Map::new();
        set(&mut root, "a.b", json!([1, 2, 3]));
        set(&mut root, "c", json!("x"));
        let root = J::Object(root);
        assert_eq!(get(&root, "a.b"), &json!([1, 2, 3]));
        assert_eq!(get(&root, "a.z"), &J::Null);
        assert_eq!(take(get(&root, "a.b"), 2), json!([1, 2]));
        assert_eq!(skip(get(&root, "a.b"), 2), json!([3]));
        assert_eq!(take(&json!("héllo"), 2), json!("hé"));
        assert_eq!(skip(&json!(5), 1), J::Null);
        assert_eq!(len_of_json(&json!({"a": 1, "b": 2})), 2);
        let mut a = json!({"x": {"y": 1}, "z": 1}).as_object().unwrap().clone();
        merge(&mut a, json!({"x": {"w": 2}, "z": 3}).as_object().unwrap());
        assert_eq!(J::Object(a), json!({"x": {"y": 1, "w": 2}, "z": 3}));
    }
}
