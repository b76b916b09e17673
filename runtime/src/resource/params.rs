//! Request parameters and response resources, as boto3's `params.py` and
//! `response.py` compute them, on the JSON view ([`crate::view`]).

use serde_json::{Map, Value as J};

use super::spec::{Param, ResponseResource, Source};
use super::ResourceError;
use crate::paginator::expr;
use crate::schema::{Service, ShapeId, ShapeKind};

/// What a request or a new resource is built from: the parent's identifiers
/// (by name) and its data view, if loaded.
#[derive(Debug, Clone, Copy)]
pub struct Parent<'a> {
    /// `(name, value)` of each identifier of the parent, in its type's order.
    pub identifiers: &'a [(&'static str, String)],
    /// The parent's data view, when loaded.
    pub data: Option<&'a J>,
}

impl Parent<'_> {
    fn identifier(&self, name: &str) -> Option<J> {
        self.identifiers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| J::String(v.clone()))
    }
}

/// A JMESPath search; boto3's `$` is the whole value.
pub(crate) fn search(expression: &'static str, data: &J) -> Result<J, ResourceError> {
    if expression == "$" {
        return Ok(data.clone());
    }
    let compiled = expr::cached(expression).map_err(|e| ResourceError::Spec(e.to_string()))?;
    compiled
        .search(data)
        .map_err(|e| ResourceError::Spec(e.to_string()))
}

/// The value of a request-side source; `None` for `input` (the caller's).
fn value(source: &Source, parent: &Parent<'_>) -> Result<Option<J>, ResourceError> {
    Ok(match *source {
        Source::Identifier(name) => {
            Some(parent.identifier(name).ok_or_else(|| {
                ResourceError::Spec(format!("no identifier {name} on the parent"))
            })?)
        }
        Source::Data(path) => match parent.data {
            Some(data) => Some(search(path, data)?),
            None => return Err(ResourceError::NotLoaded),
        },
        Source::String(s) => Some(J::from(s)),
        Source::Integer(i) => Some(J::from(i)),
        Source::Boolean(b) => Some(J::from(b)),
        Source::Input => None,
        Source::Response(_) | Source::RequestParameter(_) => {
            return Err(ResourceError::Spec(format!(
                "{source:?} is not a request parameter source"
            )))
        }
    })
}

/// The parameters `params` give for `parent`; `index` is the item index that
/// `[*]` targets use in batch actions.
pub fn request_params(
    params: &[Param],
    parent: &Parent<'_>,
    index: Option<usize>,
    into: &mut Map<String, J>,
) -> Result<(), ResourceError> {
    for p in params {
        if let Some(v) = value(&p.source, parent)? {
            set_target(into, p.target, v, index)?;
        }
    }
    Ok(())
}

/// Sets `target` (`A.B`, `A[0]`, `A[]`, `A[*]`) to `value`, creating what is missing.
pub fn set_target(
    root: &mut Map<String, J>,
    target: &str,
    value: J,
    index: Option<usize>,
) -> Result<(), ResourceError> {
    let parts: Vec<&str> = target.split('.').collect();
    let mut current = root;
    let mut value = Some(value);
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (name, slot) = match part.find('[') {
            Some(at) => {
                let inner = part[at + 1..]
                    .strip_suffix(']')
                    .ok_or_else(|| ResourceError::Spec(format!("bad target {target}")))?;
                let slot = match inner {
                    "" => Slot::Append,
                    "*" => Slot::At(index.unwrap_or(0)),
                    n => Slot::At(n.parse().map_err(|_| {
                        ResourceError::Spec(format!("bad index in target {target}"))
                    })?),
                };
                (&part[..at], Some(slot))
            }
            None => (*part, None),
        };
        let entry = current.entry(name.to_owned());
        let next: &mut J = match slot {
            None => {
                if last {
                    *entry.or_insert(J::Null) = value.take().unwrap_or(J::Null);
                    return Ok(());
                }
                let e = entry.or_insert_with(|| J::Object(Map::new()));
                if !e.is_object() {
                    *e = J::Object(Map::new());
                }
                e
            }
            Some(slot) => {
                let list = entry.or_insert_with(|| J::Array(Vec::new()));
                if !list.is_array() {
                    *list = J::Array(Vec::new());
                }
                let J::Array(items) = list else {
                    return Err(ResourceError::Spec(format!("bad target {target}")));
                };
                let at = match slot {
                    Slot::Append => items.len(),
                    Slot::At(n) => n,
                };
                let fill = if last { J::Null } else { J::Object(Map::new()) };
                while items.len() <= at {
                    items.push(fill.clone());
                }
                let Some(item) = items.get_mut(at) else {
                    return Err(ResourceError::Spec(format!("bad target {target}")));
                };
                if last {
                    *item = value.take().unwrap_or(J::Null);
                    return Ok(());
                }
                if !item.is_object() {
                    *item = J::Object(Map::new());
                }
                item
            }
        };
        let J::Object(map) = next else {
            return Err(ResourceError::Spec(format!("bad target {target}")));
        };
        current = map;
    }
    Ok(())
}

enum Slot {
    Append,
    At(usize),
}

/// Merges the caller's parameters into the model's, lists appended (boto3's
/// `merge_dicts(append_lists=True)`): user `Filters` come after the model's.
pub fn merge(into: &mut Map<String, J>, from: Map<String, J>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(J::Object(a)), J::Object(b)) => merge(a, b),
            (Some(J::Array(a)), J::Array(b)) => a.extend(b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Lays `from` over `into`: structures merge member by member, anything
/// else in `from` replaces what `into` has.
pub fn overlay(into: &mut Map<String, J>, from: Map<String, J>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(J::Object(a)), J::Object(b)) => overlay(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Makes identifier strings fit the target member: numbers and booleans
/// where the schema says so (identifiers are kept as text).
pub fn coerce(service: &Service, shape: ShapeId, json: &mut J) {
    let s = service.shape(shape);
    match (&s.kind, json) {
        (ShapeKind::Structure(st), J::Object(map)) => {
            for m in st.members {
                if let Some(v) = map.get_mut(m.name) {
                    coerce(service, m.target, v);
                }
            }
        }
        (ShapeKind::List { member }, J::Array(items)) => {
            for v in items {
                coerce(service, member.target, v);
            }
        }
        (
            ShapeKind::Integer | ShapeKind::Long | ShapeKind::Short | ShapeKind::Byte,
            j @ J::String(_),
        ) => {
            if let Some(n) = j.as_str().and_then(|s| s.parse::<i64>().ok()) {
                *j = J::from(n);
            }
        }
        (ShapeKind::Boolean, j @ J::String(_)) => match j.as_str() {
            Some("true") => *j = J::Bool(true),
            Some("false") => *j = J::Bool(false),
            _ => {}
        },
        _ => {}
    }
}

/// A resource made by the engine: identifiers (in the type's order) and data view.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// Index of the resource type in the crate's `RESOURCES` table.
    pub resource: usize,
    /// Identifier values, in the resource type's order.
    pub identifiers: Vec<String>,
    /// The resource's data view, when the response carried it.
    pub data: Option<J>,
}

fn text(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Null => None,
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// The resources `spec` describes in `response` (boto3's `ResourceHandler`):
/// a list when an identifier evaluates to a list, else one (or none when
/// every identifier is null). `inputs` feed `input` identifiers, in order.
pub fn build_resources(
    spec: &ResponseResource,
    parent: &Parent<'_>,
    params: &J,
    response: &J,
    inputs: &[String],
) -> Result<Shaped, ResourceError> {
    let data = match spec.path {
        Some(p) => search(p, response)?,
        None => J::Null,
    };
    let mut inputs = inputs.iter();
    let mut values = Vec::with_capacity(spec.identifiers.len());
    for id in spec.identifiers {
        let v = match id.source {
            Source::Response(p) => search(p, response)?,
            Source::RequestParameter(p) => search(p, params)?,
            Source::Identifier(name) => parent.identifier(name).unwrap_or(J::Null),
            Source::Data(p) => match parent.data {
                Some(d) => search(p, d)?,
                None => return Err(ResourceError::NotLoaded),
            },
            Source::Input => inputs
                .next()
                .map(|s| J::from(s.as_str()))
                .unwrap_or(J::Null),
            Source::String(s) => J::from(s),
            Source::Integer(i) => J::from(i),
            Source::Boolean(b) => J::from(b),
        };
        values.push(v);
    }
    if spec.product {
        return Ok(Shaped::Many(product(spec.resource, &values)));
    }
    let plural = values.iter().find_map(|v| v.as_array().map(Vec::len));
    if let Some(n) = plural {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let ids: Option<Vec<String>> = values
                .iter()
                .map(|v| match v {
                    J::Array(items) => items.get(i).and_then(text),
                    other => text(other),
                })
                .collect();
            let Some(identifiers) = ids else { continue };
            let item = data.as_array().and_then(|d| d.get(i)).cloned();
            out.push(Built {
                resource: spec.resource,
                identifiers,
                data: item.filter(|d| !d.is_null()),
            });
        }
        return Ok(Shaped::Many(out));
    }
    if values.iter().all(J::is_null) {
        return Ok(Shaped::None);
    }
    let identifiers: Option<Vec<String>> = values.iter().map(text).collect();
    match identifiers {
        Some(identifiers) => Ok(Shaped::One(Built {
            resource: spec.resource,
            identifiers,
            data: (!data.is_null()).then_some(data),
        })),
        None => Ok(Shaped::None),
    }
}

/// The first value's items times the others' zipped items.
fn product(resource: usize, values: &[J]) -> Vec<Built> {
    let list = |v: &J| match v {
        J::Array(items) => items.clone(),
        J::Null => Vec::new(),
        other => vec![other.clone()],
    };
    let Some((first, rest)) = values.split_first() else {
        return Vec::new();
    };
    let rest: Vec<Vec<J>> = rest.iter().map(list).collect();
    let n = rest.iter().map(Vec::len).min().unwrap_or(1);
    let mut out = Vec::new();
    for head in list(first) {
        for i in 0..n {
            let ids: Option<Vec<String>> = std::iter::once(text(&head))
                .chain(rest.iter().map(|r| r.get(i).and_then(text)))
                .collect();
            if let Some(identifiers) = ids {
                out.push(Built {
                    resource,
                    identifiers,
                    data: None,
                });
            }
        }
    }
    out
}

/// One resource, a list, or none.
#[derive(Debug, Clone, PartialEq)]
pub enum Shaped {
    /// No resource: every identifier was null (or not text).
    None,
    /// A single resource.
    One(Built),
    /// A list of resources (some identifier was a list).
    Many(Vec<Built>),
}

impl Shaped {
    /// Every resource made, however many.
    pub fn into_vec(self) -> Vec<Built> {
        match self {
            Shaped::None => Vec::new(),
            Shaped::One(b) => vec![b],
            Shaped::Many(v) => v,
        }
    }
    /// The resource, or the first of a list.
    pub fn into_one(self) -> Option<Built> {
        match self {
            Shaped::One(b) => Some(b),
            Shaped::Many(v) => v.into_iter().next(),
            Shaped::None => None,
        }
    }
}
