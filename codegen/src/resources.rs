//! boto3's `resources-1.json`: reading it, and settling every name and
//! reference against the service model before anything is emitted. Nothing
//! in the file is dropped: an entry the generator cannot place is an error
//! naming service, resource and entry.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::error::{CodegenError, Result};
use crate::ir::Ir;
use crate::load;
use crate::naming;

/// A whole `resources-1.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ResourcesModel {
    pub service: ResourceDef,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceDef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDef {
    #[serde(default)]
    pub identifiers: Vec<IdentifierDef>,
    pub shape: Option<String>,
    pub load: Option<LoadDef>,
    #[serde(default)]
    pub actions: BTreeMap<String, ActionDef>,
    #[serde(default)]
    pub batch_actions: BTreeMap<String, ActionDef>,
    #[serde(default)]
    pub has: BTreeMap<String, HasDef>,
    #[serde(default)]
    pub has_many: BTreeMap<String, ActionDef>,
    #[serde(default)]
    pub waiters: BTreeMap<String, WaiterDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierDef {
    pub name: String,
    pub member_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LoadDef {
    pub request: RequestDef,
    pub path: String,
    /// Set by [`customize`]: `(member, identifier)` picking the item of the
    /// list at `path` (see `boto_runtime::resource::Find`).
    #[serde(skip)]
    pub find: Option<(String, String)>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequestDef {
    pub operation: String,
    #[serde(default)]
    pub params: Vec<ParamDef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ParamDef {
    pub target: String,
    pub source: String,
    pub name: Option<String>,
    pub path: Option<String>,
    pub value: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionDef {
    pub request: RequestDef,
    pub resource: Option<ResponseResourceDef>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResponseResourceDef {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub identifiers: Vec<ParamDef>,
    pub path: Option<String>,
    /// Set by [`customize`]: see `boto_runtime::resource::ResponseResource::product`.
    #[serde(skip)]
    pub product: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HasDef {
    pub resource: ResponseResourceDef,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaiterDef {
    pub waiter_name: String,
    #[serde(default)]
    pub params: Vec<ParamDef>,
    pub path: Option<String>,
}

/// The `resources-1.json` of an api-version folder, if it has one.
pub fn load(api_version_dir: &Path) -> Result<Option<ResourcesModel>> {
    load::optional_json(api_version_dir, "resources-1.json")
}

/// One resource type (index 0: the service resource), names settled.
#[derive(Debug, Clone)]
pub struct IrResource {
    /// Model name (`User`; `ServiceResource` for the service).
    pub name: String,
    /// Rust struct name.
    pub type_name: String,
    pub def: ResourceDef,
    /// Identifier accessors, parallel to `def.identifiers`.
    pub identifiers: Vec<String>,
    /// Shape id of the data.
    pub shape: Option<u32>,
    /// `(model name, method, def)`.
    pub actions: Vec<(String, String, ActionDef)>,
    pub batch_actions: Vec<(String, String, ActionDef)>,
    pub has: Vec<(String, String, HasDef)>,
    pub has_many: Vec<(String, String, ActionDef)>,
    pub waiters: Vec<(String, String, WaiterDef)>,
    /// `(member index, accessor)` of the data shape's members.
    pub attributes: Vec<(usize, String)>,
    /// `(category, model name, Rust name)` of every boto3-style rename.
    pub renames: Vec<(String, String, String)>,
}

/// Every resource of the service: `[0]` is the service resource.
#[derive(Debug, Clone, Default)]
pub struct IrResources {
    pub resources: Vec<IrResource>,
}

impl IrResources {
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.resources.iter().position(|r| r.name == name)
    }
}

/// Methods `emit::resources` gives every resource type (and `clone`, from
/// `Clone`): a model name that snake-cases to one of them is renamed.
const RESERVED: &[&str] = &[
    "meta",
    "load",
    "reload",
    "data",
    "is_loaded",
    "client",
    "new",
    "from_client",
    "from_identifiers",
    "clone",
];

fn err(ir: &Ir<'_>, what: String) -> CodegenError {
    CodegenError::model(&ir.service, None, None, format!("resources-1.json: {what}"))
}

/// Checks and names the resources of `model` against the service.
/// With `dropped` (an operations filter), entries needing an operation or
/// waiter the crate lacks are left out and listed there; without, such an
/// entry is an error.
pub fn lower(
    ir: &Ir<'_>,
    model: &ResourcesModel,
    dropped: Option<&mut Vec<String>>,
) -> Result<IrResources> {
    let mut all: Vec<(String, ResourceDef)> =
        vec![("ServiceResource".into(), model.service.clone())];
    for (name, def) in &model.resources {
        if name == "Resource" || name == "ServiceResource" {
            return Err(err(
                ir,
                format!("resource named {name} clashes with the service resource"),
            ));
        }
        all.push((name.clone(), def.clone()));
    }
    // The service resource has every type not claimed by an explicit `has` (as boto3).
    let claimed: BTreeSet<String> = model
        .service
        .has
        .values()
        .map(|h| h.resource.type_.clone())
        .collect();
    for (name, def) in &model.resources {
        if !claimed.contains(name) {
            let identifiers = def
                .identifiers
                .iter()
                .map(|i| ParamDef {
                    target: i.name.clone(),
                    source: "input".into(),
                    name: None,
                    path: None,
                    value: None,
                })
                .collect();
            all[0].1.has.insert(
                name.clone(),
                HasDef {
                    resource: ResponseResourceDef {
                        type_: name.clone(),
                        identifiers,
                        path: None,
                        product: false,
                    },
                },
            );
        }
    }
    if let Some(customize) = crate::customizations::find(&ir.service).and_then(|c| c.resources) {
        customize(&mut all);
    }
    if let Some(dropped) = dropped {
        prune(ir, &mut all, dropped);
    }
    let names: BTreeSet<String> = all.iter().map(|(n, _)| n.clone()).collect();
    let mut out = Vec::new();
    for (name, def) in all {
        out.push(lower_one(ir, &names, name, def)?);
    }
    Ok(IrResources { resources: out })
}

/// Leaves out the parts of resources that need an operation or a waiter the
/// crate does not have, each listed in `dropped`.
fn prune(ir: &Ir<'_>, all: &mut Vec<(String, ResourceDef)>, dropped: &mut Vec<String>) {
    let has_op = |op: &str| ir.ops.iter().any(|o| o.name == op);
    // A resource whose data shape no kept operation reaches goes whole, with
    // every reference to its type.
    let mut gone = BTreeSet::new();
    all.retain(|(name, def)| {
        let kept = def
            .shape
            .as_ref()
            .is_none_or(|shape| ir.shapes.iter().any(|s| s.name == shape));
        if !kept {
            dropped.push(format!(
                "resource {name} (its shape {} is not reached)",
                def.shape.as_deref().unwrap_or_default()
            ));
            gone.insert(name.clone());
        }
        kept
    });
    for (name, def) in all.iter_mut() {
        def.has.retain(|sub, h| {
            let kept = !gone.contains(&h.resource.type_);
            if !kept && name != "ServiceResource" {
                dropped.push(format!(
                    "resource {name}: reference {sub} ({})",
                    h.resource.type_
                ));
            }
            kept
        });
        if let Some(load) = &def.load {
            if !has_op(&load.request.operation) {
                dropped.push(format!(
                    "resource {name}: load ({})",
                    load.request.operation
                ));
                def.load = None;
            }
        }
        for (kind, actions) in [
            ("action", &mut def.actions),
            ("batch action", &mut def.batch_actions),
            ("collection", &mut def.has_many),
        ] {
            actions.retain(|action, a| {
                let kept = has_op(&a.request.operation)
                    && a.resource.as_ref().is_none_or(|r| !gone.contains(&r.type_));
                if !kept {
                    dropped.push(format!(
                        "resource {name}: {kind} {action} ({})",
                        a.request.operation
                    ));
                }
                kept
            });
        }
        def.waiters.retain(|waiter, w| {
            let kept = ir.waiters.iter().any(|iw| iw.name == w.waiter_name);
            if !kept {
                dropped.push(format!(
                    "resource {name}: waiter {waiter} ({})",
                    w.waiter_name
                ));
            }
            kept
        });
    }
}

/// s3's `Bucket` loads through ListBuckets (boto3's `s3/inject.py`
/// `bucket_load`); the model has no `load` for it.
pub fn s3_bucket_load(all: &mut [(String, ResourceDef)]) {
    if let Some((_, bucket)) = all.iter_mut().find(|(n, _)| n == "Bucket") {
        if bucket.load.is_none() && bucket.shape.as_deref() == Some("Bucket") {
            bucket.load = Some(LoadDef {
                request: RequestDef {
                    operation: "ListBuckets".into(),
                    params: Vec::new(),
                },
                path: "Buckets".into(),
                find: Some(("Name".into(), "Name".into())),
            });
        }
    }
}

/// ec2's service `CreateTags` returns a `Tag` per resource and tag (boto3's
/// `ec2/createtags.py`); the model says it returns nothing.
pub fn ec2_create_tags(all: &mut [(String, ResourceDef)]) {
    let Some((_, service_resource)) = all.first_mut() else {
        return;
    };
    if let Some(action) = service_resource.actions.get_mut("CreateTags") {
        if action.resource.is_none() {
            let from_request = |target: &str, path: &str| ParamDef {
                target: target.into(),
                source: "requestParameter".into(),
                name: None,
                path: Some(path.into()),
                value: None,
            };
            action.resource = Some(ResponseResourceDef {
                type_: "Tag".into(),
                identifiers: vec![
                    from_request("ResourceId", "Resources[]"),
                    from_request("Key", "Tags[].Key"),
                    from_request("Value", "Tags[].Value"),
                ],
                path: None,
                product: true,
            });
        }
    }
}

/// The known parameter sources of boto3's resource model.
pub fn source(name: &str) -> Option<&'static str> {
    [
        "identifier",
        "data",
        "string",
        "integer",
        "boolean",
        "input",
        "response",
        "requestParameter",
    ]
    .into_iter()
    .find(|s| *s == name)
}

pub fn op_index(ir: &Ir<'_>, resource: &str, op: &str) -> Result<usize> {
    ir.ops
        .iter()
        .position(|o| o.name == op)
        .ok_or_else(|| err(ir, format!("resource {resource}: no operation {op}")))
}

fn lower_one(
    ir: &Ir<'_>,
    types: &BTreeSet<String>,
    name: String,
    def: ResourceDef,
) -> Result<IrResource> {
    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    let mut renames = Vec::new();
    let mut claim = |model: &str, category: &str, snake: bool| -> Result<String> {
        let base = if snake {
            naming::snake(model)
        } else {
            model.to_owned()
        };
        let mut n = base.clone();
        if taken.contains(&n) {
            n = format!("{base}_{category}");
            if taken.contains(&n) {
                return Err(err(
                    ir,
                    format!("resource {name}: cannot rename {category} {model}"),
                ));
            }
            renames.push((category.to_owned(), model.to_owned(), n.clone()));
        }
        taken.insert(n.clone());
        Ok(n)
    };
    let identifiers = def
        .identifiers
        .iter()
        .map(|i| claim(&i.name, "identifier", true))
        .collect::<Result<Vec<_>>>()?;
    let check_req = |r: &RequestDef| {
        op_index(ir, &name, &r.operation)?;
        for p in &r.params {
            source(&p.source).ok_or_else(|| {
                err(
                    ir,
                    format!(
                        "resource {name}: request parameter {} has unknown source {}",
                        p.target, p.source
                    ),
                )
            })?;
        }
        Ok::<(), CodegenError>(())
    };
    let check_res = |r: &ResponseResourceDef| {
        if types.contains(&r.type_) {
            Ok(())
        } else {
            Err(err(
                ir,
                format!("resource {name}: unknown resource type {}", r.type_),
            ))
        }
    };
    if let Some(l) = &def.load {
        check_req(&l.request)?;
    }
    let mut actions = Vec::new();
    for (n, a) in &def.actions {
        check_req(&a.request)?;
        if let Some(r) = &a.resource {
            check_res(r)?;
        }
        actions.push((n.clone(), claim(n, "action", true)?, a.clone()));
    }
    let mut has = Vec::new();
    for (n, h) in &def.has {
        check_res(&h.resource)?;
        let category = if h.resource.identifiers.iter().any(|i| i.source == "data") {
            "reference"
        } else {
            "subresource"
        };
        has.push((n.clone(), claim(n, category, true)?, h.clone()));
    }
    let mut has_many = Vec::new();
    for (n, a) in &def.has_many {
        check_req(&a.request)?;
        if let Some(r) = &a.resource {
            check_res(r)?;
        }
        has_many.push((n.clone(), claim(n, "collection", true)?, a.clone()));
    }
    let mut waiters = Vec::new();
    for (n, w) in &def.waiters {
        if !ir.waiters.iter().any(|x| x.name == w.waiter_name) {
            return Err(err(
                ir,
                format!("resource {name}: no waiter {}", w.waiter_name),
            ));
        }
        // A waiter's input is filled without a call (`Resource::prefilled`),
        // so only identifiers and constants can feed it.
        if let Some(p) = w.params.iter().find(|p| {
            !matches!(
                p.source.as_str(),
                "identifier" | "string" | "integer" | "boolean"
            )
        }) {
            return Err(err(
                ir,
                format!("resource {name}: waiter {n} parameter {} has source {}, not an identifier or constant", p.target, p.source),
            ));
        }
        waiters.push((
            n.clone(),
            claim(&format!("WaitUntil{n}"), "waiter", true)?,
            w.clone(),
        ));
    }
    // Batch actions live on collections, not on the resource: their own names.
    let mut batch_actions = Vec::new();
    let mut batch_taken = BTreeSet::new();
    for (n, a) in &def.batch_actions {
        check_req(&a.request)?;
        let m = naming::snake(n);
        if !batch_taken.insert(m.clone()) {
            return Err(err(
                ir,
                format!("resource {name}: batch action {n} named twice"),
            ));
        }
        batch_actions.push((n.clone(), m, a.clone()));
    }
    let shape = match &def.shape {
        Some(s) => Some(
            ir.shapes
                .iter()
                .position(|x| x.name == s)
                .map(|i| i as u32)
                .ok_or_else(|| err(ir, format!("resource {name}: shape {s} not in the service")))?,
        ),
        None => None,
    };
    // Members named like an identifier are that identifier (boto3's
    // `get_attributes` skips them).
    let mut attributes = Vec::new();
    if let Some(id) = shape {
        for (i, m) in ir.shape(id).members.iter().enumerate() {
            if identifiers.contains(&naming::snake(m.name)) {
                continue;
            }
            attributes.push((i, claim(m.name, "attribute", true)?));
        }
    }
    let type_name = if name == "ServiceResource" {
        "Resource".to_owned()
    } else {
        naming::camel(&name)
    };
    Ok(IrResource {
        name,
        type_name,
        def,
        identifiers,
        shape,
        actions,
        batch_actions,
        has,
        has_many,
        waiters,
        attributes,
        renames,
    })
}
