//! The validated, lowered form of a model that the emitters read.
//!
//! Lowering keeps only shapes reachable from operations, gives each an index
//! (its `ShapeId`, in name order), resolves every reference, and settles every
//! Rust name. Anything the emitters could not represent is rejected here with
//! an error naming service, shape and member, so emitting never fails on a
//! model problem.

use std::collections::{BTreeMap, BTreeSet};

use boto_runtime::model::{ModelMember, ModelOperation, ModelShape, ServiceModel};
use boto_runtime::schema::{Protocol, TimestampFormat};

use crate::error::{CodegenError, Result};
use crate::naming::{self, Namer};

/// Protocols the runtime speaks. Like botocore, the first of a model's
/// `metadata.protocols` found here wins.
const SUPPORTED_PROTOCOLS: &[&str] = &[
    "query",
    "ec2",
    "json",
    "rest-json",
    "rest-xml",
    "smithy-rpc-v2-cbor",
];

/// Methods of an operation builder that setters must not shadow.
const BUILDER_METHODS: &[&str] = &["new", "send", "input", "as_input"];
/// Methods of the service client that operation methods must not shadow.
const CLIENT_METHODS: &[&str] = &["new", "with_config", "from_runtime", "runtime", "clone"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Structure,
    Union,
    Document,
    List,
    Map,
    String,
    Enum,
    Boolean,
    Byte,
    Short,
    Integer,
    Long,
    Float,
    Double,
    BigInteger,
    BigDecimal,
    Blob,
    Timestamp,
}

impl Kind {
    /// Whether values of this kind are generated Rust types.
    pub fn is_named_type(self) -> bool {
        matches!(self, Kind::Structure | Kind::Union | Kind::Enum)
    }
}

#[derive(Debug)]
pub struct Ir<'m> {
    /// botocore's folder name.
    pub service: String,
    pub model: &'m ServiceModel,
    pub protocol: Protocol,
    pub shapes: Vec<IrShape<'m>>,
    pub ops: Vec<IrOp<'m>>,
    /// Waiters of `waiters-2.json`, filled by [`crate::waiters::lower`].
    pub waiters: Vec<crate::waiters::IrWaiter>,
    /// Filled from `paginators-1.json` after lowering.
    pub paginators: Vec<crate::paginators::IrPaginator>,
    /// boto3's resources, from `resources-1.json` ([`crate::resources::lower`]).
    pub resources: Option<crate::resources::IrResources>,
}

#[derive(Debug)]
pub struct IrShape<'m> {
    pub name: &'m str,
    pub model: &'m ModelShape,
    pub kind: Kind,
    /// The Rust type name of structures, unions and enums.
    pub type_name: String,
    /// Structure/union members; `[member]` of a list; `[key, value]` of a map.
    pub members: Vec<IrMember<'m>>,
    /// Enum variant names, parallel to `model.enum_values`.
    pub variants: Vec<String>,
    /// The `message` member of an exception, shown by its `Display`.
    pub message_member: Option<usize>,
    /// An exception, or listed among an operation's errors: gets `Display` and `Error`.
    pub is_error: bool,
    /// Enum values without duplicates, parallel to `variants`.
    pub values: Vec<&'m str>,
    pub timestamp_format: Option<TimestampFormat>,
}

#[derive(Debug)]
pub struct IrMember<'m> {
    pub name: &'m str,
    pub model: &'m ModelMember,
    pub target: u32,
    /// Field (or union variant) name, before keyword escaping.
    pub field: String,
    /// Whether the field needs a `Box` (the value contains its own type).
    pub boxed: bool,
    pub required: bool,
    /// Redacted in `Debug`: the member, its shape, or a list/map element is sensitive.
    pub sensitive: bool,
    pub timestamp_format: Option<TimestampFormat>,
    pub location: boto_runtime::schema::Location,
}

#[derive(Debug)]
pub struct IrOp<'m> {
    pub name: &'m str,
    pub model: &'m ModelOperation,
    pub input: Option<u32>,
    pub output: Option<u32>,
    pub errors: Vec<u32>,
    /// The client method (`list_users`).
    pub method: String,
    /// The fluent builder type (`ListUsers`).
    pub builder: String,
    /// The error enum (`ListUsersError`).
    pub error_enum: String,
    /// Error enum variants, parallel to `errors`.
    pub error_variants: Vec<String>,
    /// Builder setter names, parallel to the input's members.
    pub setters: Vec<String>,
}

impl<'m> Ir<'m> {
    pub fn shape(&self, id: u32) -> &IrShape<'m> {
        &self.shapes[id as usize]
    }
}

/// Validates and lowers a model.
pub fn lower<'m>(service: &str, model: &'m ServiceModel) -> Result<Ir<'m>> {
    let err = |shape: Option<&str>, member: Option<&str>, msg: String| {
        CodegenError::model(service, shape, member, msg)
    };
    let protocol = choose_protocol(model).ok_or_else(|| {
        err(
            None,
            None,
            format!(
                "no supported protocol in {:?} / {:?}",
                model.metadata.protocols, model.metadata.protocol
            ),
        )
    })?;

    // Reachability from operations. Each pending reference remembers where it
    // came from, for the error if it dangles: (shape or operation, member).
    let mut reachable = BTreeSet::new();
    let mut stack: Vec<(Origin<'m>, &'m str)> = Vec::new();
    for (op_name, op) in &model.operations {
        let refs = op
            .input
            .iter()
            .map(|i| &i.shape)
            .chain(op.output.iter().map(|o| &o.shape))
            .chain(op.errors.iter().map(|e| &e.shape));
        for r in refs {
            stack.push((Origin::Operation(op_name), r));
        }
    }
    while let Some((from, name)) = stack.pop() {
        let Some((key, shape)) = model.shapes.get_key_value(name) else {
            let msg = format!("refers to shape {name:?}, which the model does not define");
            return Err(match from {
                Origin::Operation(op) => err(None, None, format!("operation {op} {msg}")),
                Origin::Member(shape, member) => err(Some(shape), Some(member), msg),
            });
        };
        if !reachable.insert(key.as_str()) {
            continue;
        }
        for (mname, m) in &shape.members {
            stack.push((Origin::Member(key, mname), &m.shape));
        }
        for (mname, m) in [
            ("member", &shape.member),
            ("key", &shape.key),
            ("value", &shape.value),
        ] {
            if let Some(m) = m {
                stack.push((Origin::Member(key, mname), &m.shape));
            }
        }
    }
    let ids: BTreeMap<&str, u32> = reachable
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, i as u32))
        .collect();

    // Shapes, with type names claimed in id order.
    let mut type_namer = Namer::new(naming::RESERVED_TYPE_NAMES);
    let mut shapes = Vec::with_capacity(ids.len());
    for &name in &reachable {
        let shape = &model.shapes[name];
        shapes.push(lower_shape(service, name, shape, &ids, &mut type_namer)?);
    }

    box_recursive_members(&mut shapes);
    mark_sensitive_members(&mut shapes);

    // Operations.
    let mut method_namer = Namer::new(CLIENT_METHODS);
    let mut builder_namer = Namer::new(&["NoOutput", "Client"]);
    let mut error_namer = Namer::new(&["DeserializeError"]);
    let mut ops = Vec::new();
    for (op_name, op) in &model.operations {
        let shape_of = |name: &str, what: &str| -> Result<u32> {
            let id = ids[name];
            let s = &shapes[id as usize];
            if s.kind != Kind::Structure {
                return Err(err(
                    Some(name),
                    None,
                    format!(
                        "operation {op_name}: {what} must be a structure, found {:?}",
                        s.model.shape_type
                    ),
                ));
            }
            Ok(id)
        };
        let input = op
            .input
            .as_ref()
            .map(|i| shape_of(&i.shape, "input"))
            .transpose()?;
        let output = op
            .output
            .as_ref()
            .map(|o| shape_of(&o.shape, "output"))
            .transpose()?;
        let errors = op
            .errors
            .iter()
            .map(|e| shape_of(&e.shape, "error"))
            .collect::<Result<Vec<_>>>()?;
        let mut variant_namer = Namer::new(&["Unhandled"]);
        let error_variants = errors
            .iter()
            .map(|&id| variant_namer.claim(&shapes[id as usize].type_name, false))
            .collect();
        let mut setter_namer = Namer::new(BUILDER_METHODS);
        let setters = input
            .map(|id| {
                shapes[id as usize]
                    .members
                    .iter()
                    .map(|m| setter_namer.claim(&m.field, true))
                    .collect()
            })
            .unwrap_or_default();
        let camel = naming::camel(op_name);
        ops.push(IrOp {
            name: op_name,
            model: op,
            input,
            output,
            errors,
            method: method_namer.claim(&naming::snake(op_name), true),
            builder: builder_namer.claim(&camel, false),
            error_enum: error_namer.claim(&format!("{camel}Error"), false),
            error_variants,
            setters,
        });
    }

    for op in &ops {
        for &e in &op.errors {
            shapes[e as usize].is_error = true;
        }
    }

    Ok(Ir {
        service: service.to_owned(),
        model,
        protocol,
        shapes,
        ops,
        waiters: Vec::new(),
        paginators: Vec::new(),
        resources: None,
    })
}

#[derive(Clone, Copy)]
enum Origin<'m> {
    Operation(&'m str),
    Member(&'m str, &'m str),
}

pub fn choose_protocol(model: &ServiceModel) -> Option<Protocol> {
    let listed: Vec<&str> = if model.metadata.protocols.is_empty() {
        vec![model.metadata.protocol.as_str()]
    } else {
        model
            .metadata
            .protocols
            .iter()
            .map(String::as_str)
            .collect()
    };
    // The first listed protocol the runtime speaks.
    listed
        .into_iter()
        .find(|p| SUPPORTED_PROTOCOLS.contains(p))
        .and_then(Protocol::from_botocore)
}

fn lower_shape<'m>(
    service: &str,
    name: &'m str,
    shape: &'m ModelShape,
    ids: &BTreeMap<&str, u32>,
    type_namer: &mut Namer,
) -> Result<IrShape<'m>> {
    let err =
        |member: Option<&str>, msg: String| CodegenError::model(service, Some(name), member, msg);
    let kind = match shape.shape_type.as_str() {
        "structure" if shape.document == Some(true) => Kind::Document,
        "structure" if shape.union == Some(true) || shape.event_stream == Some(true) => Kind::Union,
        "structure" => Kind::Structure,
        "list" => Kind::List,
        "map" => Kind::Map,
        "string" if !shape.enum_values.is_empty() => Kind::Enum,
        "string" => Kind::String,
        "boolean" => Kind::Boolean,
        "byte" => Kind::Byte,
        "short" => Kind::Short,
        "integer" => Kind::Integer,
        "long" => Kind::Long,
        "float" => Kind::Float,
        "double" => Kind::Double,
        "bigInteger" | "biginteger" => Kind::BigInteger,
        "bigDecimal" | "bigdecimal" => Kind::BigDecimal,
        "blob" => Kind::Blob,
        "timestamp" => Kind::Timestamp,
        other => return Err(err(None, format!("unknown shape type {other:?}"))),
    };
    if !shape.enum_values.is_empty() && kind != Kind::Enum {
        return Err(err(
            None,
            format!("enum values on a {} shape", shape.shape_type),
        ));
    }
    let timestamp_format =
        parse_timestamp_format(shape.timestamp_format.as_deref()).map_err(|m| err(None, m))?;

    let mut members = Vec::new();
    let mut field_namer = Namer::new(&[]);
    let lower_member = |mname: &'m str, m: &'m ModelMember, field: String, required: bool| {
        let target = *ids.get(m.shape.as_str()).ok_or_else(|| {
            err(
                Some(mname),
                format!(
                    "refers to shape {:?}, which the model does not define",
                    m.shape
                ),
            )
        })?;
        let location = match m.location.as_deref() {
            None => boto_runtime::schema::Location::Body,
            Some("header") => boto_runtime::schema::Location::Header,
            Some("headers") => boto_runtime::schema::Location::Headers,
            Some("uri") => boto_runtime::schema::Location::Uri,
            Some("querystring") => boto_runtime::schema::Location::QueryString,
            Some("statusCode") => boto_runtime::schema::Location::StatusCode,
            Some(other) => return Err(err(Some(mname), format!("unknown location {other:?}"))),
        };
        let timestamp_format = parse_timestamp_format(m.timestamp_format.as_deref())
            .map_err(|e| err(Some(mname), e))?;
        Ok(IrMember {
            name: mname,
            model: m,
            target,
            field,
            boxed: false,
            required,
            sensitive: m.sensitive == Some(true),
            timestamp_format,
            location,
        })
    };
    match kind {
        Kind::Structure | Kind::Union => {
            for (mname, m) in &shape.members {
                let base = if kind == Kind::Union {
                    naming::camel(mname)
                } else {
                    naming::snake(mname)
                };
                let field = if kind == Kind::Union {
                    field_namer.claim(&base, false)
                } else {
                    field_namer.claim(&base, true)
                };
                let required = shape.required.iter().any(|r| r == mname);
                members.push(lower_member(mname, m, field, required)?);
            }
            if kind == Kind::Union && members.iter().any(|m| m.field == "Unknown") {
                // `Unknown` is the variant for members this crate does not know.
                for m in &mut members {
                    if m.field == "Unknown" {
                        m.field = field_namer.claim("UnknownValue", false);
                    }
                }
            }
            for r in &shape.required {
                if !shape.members.contains_key(r) {
                    return Err(err(Some(r), "listed as required but not a member".into()));
                }
            }
            if let Some(p) = &shape.payload {
                if !shape.members.contains_key(p) {
                    return Err(err(
                        Some(p),
                        "payload names a member that does not exist".into(),
                    ));
                }
            }
        }
        Kind::List => {
            let m = shape
                .member
                .as_deref()
                .ok_or_else(|| err(Some("member"), "list without a member".into()))?;
            members.push(lower_member("member", m, "member".into(), false)?);
        }
        Kind::Map => {
            let k = shape
                .key
                .as_deref()
                .ok_or_else(|| err(Some("key"), "map without a key".into()))?;
            let v = shape
                .value
                .as_deref()
                .ok_or_else(|| err(Some("value"), "map without a value".into()))?;
            members.push(lower_member("key", k, "key".into(), false)?);
            members.push(lower_member("value", v, "value".into(), false)?);
        }
        _ => {}
    }

    let type_name = if kind.is_named_type() {
        type_namer.claim_type(&naming::camel(name))
    } else {
        String::new()
    };
    let mut values: Vec<&'m str> = Vec::new();
    for v in &shape.enum_values {
        if !values.contains(&v.as_str()) {
            values.push(v);
        }
    }
    let variants = if kind == Kind::Enum {
        let mut namer = Namer::new(&["Unknown"]);
        values
            .iter()
            .map(|v| {
                let base = naming::enum_variant(v);
                if base == "Unknown" {
                    namer.claim("UnknownValue", false)
                } else {
                    namer.claim(&base, false)
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let is_error = shape.exception == Some(true) || shape.error.is_some();
    let message_member = if kind == Kind::Structure {
        shape
            .members
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case("message"))
    } else {
        None
    };
    Ok(IrShape {
        name,
        model: shape,
        kind,
        type_name,
        members,
        variants,
        message_member,
        is_error,
        values,
        timestamp_format,
    })
}

fn parse_timestamp_format(f: Option<&str>) -> Result<Option<TimestampFormat>, String> {
    match f {
        None => Ok(None),
        Some(s) => TimestampFormat::from_botocore(s)
            .map(Some)
            .ok_or_else(|| format!("unknown timestampFormat {s:?}")),
    }
}

/// Boxes every structure/union field whose type is in the same strongly
/// connected component of the by-value containment graph as its parent:
/// exactly the fields without which the type would have infinite size.
fn box_recursive_members(shapes: &mut [IrShape<'_>]) {
    let n = shapes.len();
    let is_aggregate = |k: Kind| matches!(k, Kind::Structure | Kind::Union);
    let edges: Vec<Vec<usize>> = shapes
        .iter()
        .map(|s| {
            if !is_aggregate(s.kind) {
                return Vec::new();
            }
            s.members
                .iter()
                .map(|m| m.target as usize)
                .filter(|&t| is_aggregate(shapes[t].kind))
                .collect()
        })
        .collect();
    let comp = tarjan(n, &edges);
    for (i, shape) in shapes.iter_mut().enumerate() {
        if !is_aggregate(shape.kind) {
            continue;
        }
        for m in &mut shape.members {
            let t = m.target as usize;
            m.boxed = edges[i].contains(&t) && comp[t] == comp[i];
        }
    }
}

/// Strongly connected components (iterative Tarjan): a component id per node.
fn tarjan(n: usize, edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSET: usize = usize::MAX;
    let mut index = vec![UNSET; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![UNSET; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != UNSET {
            continue;
        }
        // (node, next edge to visit)
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if *ei < edges[v].len() {
                let w = edges[v][*ei];
                *ei += 1;
                if index[w] == UNSET {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
    }
    comp
}

/// A member is redacted when it, its shape, or (through lists and maps) an
/// element shape is sensitive. Structures redact their own sensitive fields.
fn mark_sensitive_members(shapes: &mut [IrShape<'_>]) {
    fn deep(shapes: &[IrShape<'_>], id: usize, depth: usize) -> bool {
        let s = &shapes[id];
        if s.model.sensitive == Some(true) {
            return true;
        }
        if depth > 8 || !matches!(s.kind, Kind::List | Kind::Map) {
            return false;
        }
        s.members
            .iter()
            .any(|m| m.sensitive || deep(shapes, m.target as usize, depth + 1))
    }
    let flags: Vec<Vec<bool>> = shapes
        .iter()
        .map(|s| {
            s.members
                .iter()
                .map(|m| m.sensitive || deep(shapes, m.target as usize, 0))
                .collect()
        })
        .collect();
    for (shape, flags) in shapes.iter_mut().zip(flags) {
        for (m, f) in shape.members.iter_mut().zip(flags) {
            m.sensitive = f;
        }
    }
}
