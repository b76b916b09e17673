//! The validated, lowered form of a model that the emitters read.
//!
//! Lowering keeps only shapes reachable from operations, gives each an index
//! (its `ShapeId`, in name order), resolves every reference, and settles every
//! Rust name. Anything the emitters could not represent is rejected here with
//! an error naming service, shape and member, so emitting never fails on a
//! model problem.

use boto_runtime::model::{ModelMember, ModelOperation, ModelShape, ServiceModel};
use boto_runtime::schema::{Member, Protocol, Service, Shape, ShapeKind, TimestampFormat};

use crate::error::{CodegenError, Result};
use crate::naming::{self, Namer};

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
    /// The runtime's lowering of the model ([`boto_runtime::lower`]): shape
    /// ids, traits and protocol come from it, and `schema.rs` prints it.
    pub schema: &'static Service,
    pub protocol: Protocol,
    pub shapes: Vec<IrShape<'m>>,
    pub ops: Vec<IrOp<'m>>,
    /// Waiters of `waiters-2.json`, filled by [`crate::waiters::lower`].
    pub waiters: Vec<crate::waiters::IrWaiter>,
    /// Filled from `paginators-1.json` after lowering.
    pub paginators: Vec<crate::paginators::IrPaginator>,
    /// boto3's resources, from `resources-1.json` ([`crate::resources::lower`]).
    pub resources: Option<crate::resources::IrResources>,
    /// What an operations filter ([`crate::Options::operations`]) left out
    /// besides the operations themselves, a line each, listed in the
    /// crate's docs.
    pub dropped: Vec<String>,
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

/// Validates and lowers a model: the runtime's lowering decides what the
/// model means; this adds what only Rust code needs (names, boxing, redaction).
///
/// `model` must already carry the runtime's model customizations
/// ([`boto_runtime::customize::patch_model`], which [`crate::generate_with`]
/// applies), since the lowering applies them too.
pub fn lower<'m>(service: &str, model: &'m ServiceModel) -> Result<Ir<'m>> {
    let schema = boto_runtime::lower::lower(service, model)?;
    let unpatched = |what: &str| {
        CodegenError::model(
            service,
            Some(what),
            None,
            "the model lacks what the runtime's customizations add: patch it with \
             boto_runtime::customize::patch_model before ir::lower",
        )
    };
    let protocol = schema.metadata.protocol;

    // Shapes, with type names claimed in id order.
    let mut type_namer = Namer::new(naming::RESERVED_TYPE_NAMES);
    let mut shapes = Vec::with_capacity(schema.shapes.len());
    for lowered in schema.shapes {
        let (name, shape) = model
            .shapes
            .get_key_value(lowered.name)
            .ok_or_else(|| unpatched(lowered.name))?;
        shapes.push(lower_shape(name, shape, lowered, &mut type_namer));
    }

    box_recursive_members(&mut shapes);
    mark_sensitive_members(&mut shapes);

    // Operations.
    let mut method_namer = Namer::new(CLIENT_METHODS);
    let mut builder_namer = Namer::new(&["NoOutput", "Client"]);
    let mut error_namer = Namer::new(&["DeserializeError"]);
    let mut ops = Vec::new();
    for lowered in schema.operations {
        let (op_name, op) = model
            .operations
            .get_key_value(lowered.name)
            .ok_or_else(|| unpatched(lowered.name))?;
        let (input, output) = (lowered.input, lowered.output);
        let errors = lowered.errors.to_vec();
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
        schema,
        protocol,
        shapes,
        ops,
        waiters: Vec::new(),
        paginators: Vec::new(),
        resources: None,
        dropped: Vec::new(),
    })
}

fn lower_shape<'m>(
    name: &'m str,
    shape: &'m ModelShape,
    lowered: &'static Shape,
    type_namer: &mut Namer,
) -> IrShape<'m> {
    let kind = match &lowered.kind {
        ShapeKind::Structure(st) if st.document => Kind::Document,
        ShapeKind::Structure(st) if st.union || st.event_stream => Kind::Union,
        ShapeKind::Structure(_) => Kind::Structure,
        ShapeKind::List { .. } => Kind::List,
        ShapeKind::Map { .. } => Kind::Map,
        ShapeKind::Enum { .. } => Kind::Enum,
        ShapeKind::String => Kind::String,
        ShapeKind::Boolean => Kind::Boolean,
        ShapeKind::Byte => Kind::Byte,
        ShapeKind::Short => Kind::Short,
        ShapeKind::Integer => Kind::Integer,
        ShapeKind::Long => Kind::Long,
        ShapeKind::Float => Kind::Float,
        ShapeKind::Double => Kind::Double,
        ShapeKind::BigInteger => Kind::BigInteger,
        ShapeKind::BigDecimal => Kind::BigDecimal,
        ShapeKind::Blob => Kind::Blob,
        ShapeKind::Timestamp => Kind::Timestamp,
    };

    let mut field_namer = Namer::new(&[]);
    let ir_member =
        |mname: &'m str, m: &'m ModelMember, lm: &'static Member, field: String| IrMember {
            name: mname,
            model: m,
            target: lm.target,
            field,
            boxed: false,
            required: lm.required,
            sensitive: m.sensitive == Some(true),
            timestamp_format: lm.timestamp_format,
            location: lm.location,
        };
    let mut members = Vec::new();
    match &lowered.kind {
        ShapeKind::Structure(st) => {
            for ((mname, m), lm) in shape.members.iter().zip(st.members) {
                let field = if kind == Kind::Union {
                    field_namer.claim(&naming::camel(mname), false)
                } else {
                    field_namer.claim(&naming::snake(mname), true)
                };
                members.push(ir_member(mname, m, lm, field));
            }
            if kind == Kind::Union && members.iter().any(|m| m.field == "Unknown") {
                // `Unknown` is the variant for members this crate does not know.
                for m in &mut members {
                    if m.field == "Unknown" {
                        m.field = field_namer.claim("UnknownValue", false);
                    }
                }
            }
        }
        ShapeKind::List { member } => {
            let m = shape.member.as_deref().expect("lowered list has a member");
            members.push(ir_member("member", m, member, "member".into()));
        }
        ShapeKind::Map { key, value } => {
            let (k, v) = (shape.key.as_deref(), shape.value.as_deref());
            let (k, v) = (k.expect("lowered map"), v.expect("lowered map"));
            members.push(ir_member("key", k, key, "key".into()));
            members.push(ir_member("value", v, value, "value".into()));
        }
        _ => {}
    }

    let type_name = if kind.is_named_type() {
        type_namer.claim_type(&naming::camel(name))
    } else {
        String::new()
    };
    let values: Vec<&'m str> = match &lowered.kind {
        ShapeKind::Enum { values } => values.to_vec(),
        _ => Vec::new(),
    };
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
    let is_error = lowered.structure().is_some_and(|st| st.error.is_some());
    let message_member = if kind == Kind::Structure {
        shape
            .members
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case("message"))
    } else {
        None
    };
    IrShape {
        name,
        model: shape,
        kind,
        type_name,
        members,
        variants,
        message_member,
        is_error,
        values,
        timestamp_format: lowered.timestamp_format,
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
