//! `resource.rs`: boto3's resource layer of a service. Static specs (the
//! `resources-1.json` entries with operations, shapes and resource types
//! resolved to indices) and one thin struct per resource type whose methods
//! hand the specs to the engine, `boto_runtime::resource`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::{index_lit, member_type, rust_type, Ctx};
use crate::docs::doc_attrs;
use crate::error::{CodegenError, Result};
use crate::ir::{Ir, Kind};
use crate::naming::{ident, snake};
use crate::resources::{
    op_index, ActionDef, IrResource, IrResources, ParamDef, RequestDef, ResponseResourceDef,
};

/// What an action's `send` returns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Returns {
    Plain,
    One(usize),
    Many(usize),
}

struct Emitter<'a, 'm> {
    ir: &'a Ir<'m>,
    res: &'a IrResources,
    /// `(operation, returns)` pairs whose `send` impl is emitted.
    sends: BTreeSet<(usize, Returns)>,
    /// Listing operations of collections (one `CollectionOp` impl each).
    listings: BTreeSet<usize>,
}

fn err(ir: &Ir<'_>, message: String) -> CodegenError {
    CodegenError::model(
        &ir.service,
        None,
        None,
        format!("resources-1.json: {message}"),
    )
}

pub fn emit(ir: &Ir<'_>, res: &IrResources) -> Result<TokenStream> {
    let mut e = Emitter {
        ir,
        res,
        sends: BTreeSet::new(),
        listings: BTreeSet::new(),
    };
    let specs = res
        .resources
        .iter()
        .map(|r| e.resource_spec(r))
        .collect::<Result<Vec<_>>>()?;
    let index = res.resources.iter().map(|r| index_entry(ir, r));
    let mut types = Vec::new();
    for (i, r) in res.resources.iter().enumerate() {
        types.push(e.resource_type(i, r)?);
    }
    let sends = e
        .sends
        .clone()
        .into_iter()
        .map(|(op, ret)| e.send_impl(op, &ret))
        .collect::<Vec<_>>();
    let listings = e
        .listings
        .clone()
        .into_iter()
        .map(|op| e.collection_op(op))
        .collect::<Vec<_>>();
    let n = index_lit(res.resources.len());
    let renames = rename_table(res);
    let docs = crate::docs::inner_doc_attrs(&format!(
        "boto3's resources for this service, from `resources-1.json`: [`Resource`] is the \
         service resource; every other type is one of its resource types.\n\n\
         Data is loaded explicitly: attribute accessors read the data a resource carries (from \
         a collection, an action's response or `load().await`) and never call the service; \
         see [`boto_runtime::resource`].{renames}"
    ));
    Ok(quote! {
        #docs
        #![allow(clippy::all, deprecated, unused_mut, unused_variables)]

        use boto_runtime::resource as rt;

        use super::{error, operation, types, Client};

        /// Every resource type, the service resource first.
        pub static RESOURCES: [rt::ResourceSpec; #n] = [ #(#specs,)* ];

        /// What each resource type has, by model name and Rust method.
        pub static INDEX: [rt::ResourceIndex; #n] = [ #(#index,)* ];

        #(#types)*
        #(#sends)*
        #(#listings)*
    })
}

/// The module docs' table of boto3-style collision renames.
fn rename_table(res: &IrResources) -> String {
    let rows: Vec<String> = res
        .resources
        .iter()
        .flat_map(|r| {
            r.renames.iter().map(move |(category, model, rust)| {
                format!("| `{}` | {category} | `{model}` | `{rust}` |", r.type_name)
            })
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\n\n## Renamed members\n\nNames that collide on a resource get their category as a \
         suffix, as boto3 does:\n\n| Resource | Category | Model name | Rust name |\n\
         |---|---|---|---|\n{}",
        rows.join("\n")
    )
}

fn index_entry(ir: &Ir<'_>, r: &IrResource) -> TokenStream {
    let name = r.name.as_str();
    let pairs = |items: Vec<(&str, &str)>| {
        let items = items.into_iter().map(|(a, b)| quote!((#a, #b)));
        quote!(&[#(#items),*])
    };
    let actions = pairs(
        r.actions
            .iter()
            .map(|(n, m, _)| (n.as_str(), m.as_str()))
            .collect(),
    );
    let batch = pairs(
        r.batch_actions
            .iter()
            .map(|(n, m, _)| (n.as_str(), m.as_str()))
            .collect(),
    );
    let has = pairs(
        r.has
            .iter()
            .map(|(n, m, _)| (n.as_str(), m.as_str()))
            .collect(),
    );
    let many = pairs(
        r.has_many
            .iter()
            .map(|(n, m, _)| (n.as_str(), m.as_str()))
            .collect(),
    );
    let waiters = pairs(
        r.waiters
            .iter()
            .map(|(n, m, _)| (n.as_str(), m.as_str()))
            .collect(),
    );
    let attributes = pairs(
        r.attributes
            .iter()
            .map(|(i, m)| {
                let shape = ir.shape(r.shape.unwrap_or_default());
                (shape.members[*i].name, m.as_str())
            })
            .collect(),
    );
    quote! {
        rt::ResourceIndex {
            name: #name,
            actions: #actions,
            batch_actions: #batch,
            has: #has,
            has_many: #many,
            waiters: #waiters,
            attributes: #attributes,
        }
    }
}

impl Emitter<'_, '_> {
    fn op(&self, resource: &str, name: &str) -> Result<usize> {
        op_index(self.ir, resource, name)
    }

    fn type_index(&self, name: &str) -> Result<usize> {
        self.res
            .index_of(name)
            .ok_or_else(|| err(self.ir, format!("unknown resource type {name}")))
    }

    fn param(&self, resource: &str, p: &ParamDef) -> Result<TokenStream> {
        let target = p.target.as_str();
        let source = self.source(resource, p)?;
        Ok(quote!(rt::Param { target: #target, source: #source }))
    }

    fn source(&self, resource: &str, p: &ParamDef) -> Result<TokenStream> {
        let missing = |what: &str| {
            err(
                self.ir,
                format!(
                    "resource {resource}: {} source {} has no {what}",
                    p.target, p.source
                ),
            )
        };
        let text = |v: Option<&String>, what: &str| -> Result<String> {
            v.cloned().ok_or_else(|| missing(what))
        };
        Ok(match p.source.as_str() {
            "identifier" => {
                let n = text(p.name.as_ref(), "name")?;
                quote!(rt::Source::Identifier(#n))
            }
            "data" => {
                let n = text(p.path.as_ref(), "path")?;
                quote!(rt::Source::Data(#n))
            }
            "response" => {
                let n = text(p.path.as_ref(), "path")?;
                quote!(rt::Source::Response(#n))
            }
            "requestParameter" => {
                let n = text(p.path.as_ref(), "path")?;
                quote!(rt::Source::RequestParameter(#n))
            }
            "input" => quote!(rt::Source::Input),
            "string" => {
                let v = p
                    .value
                    .as_ref()
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| missing("string value"))?;
                quote!(rt::Source::String(#v))
            }
            "integer" => {
                let v = p
                    .value
                    .as_ref()
                    .and_then(|v| v.as_i64())
                    .ok_or_else(|| missing("integer value"))?;
                quote!(rt::Source::Integer(#v))
            }
            "boolean" => {
                let v = p
                    .value
                    .as_ref()
                    .and_then(|v| v.as_bool())
                    .ok_or_else(|| missing("boolean value"))?;
                quote!(rt::Source::Boolean(#v))
            }
            other => {
                return Err(err(
                    self.ir,
                    format!("resource {resource}: unknown source {other}"),
                ))
            }
        })
    }

    fn request(&self, resource: &str, r: &RequestDef) -> Result<TokenStream> {
        let op = index_lit(self.op(resource, &r.operation)?);
        let params = r
            .params
            .iter()
            .map(|p| self.param(resource, p))
            .collect::<Result<Vec<_>>>()?;
        Ok(quote!(rt::RequestSpec { operation: #op, params: &[#(#params),*] }))
    }

    /// The identifiers of a response resource in its type's order.
    fn response_resource(&self, resource: &str, r: &ResponseResourceDef) -> Result<TokenStream> {
        let index = self.type_index(&r.type_)?;
        let target = &self.res.resources[index];
        let mut ids = Vec::new();
        for id in &target.def.identifiers {
            match r.identifiers.iter().find(|p| p.target == id.name) {
                Some(p) => ids.push(self.param(resource, p)?),
                // boto3 would fail after the call (iam CreateSigningCertificate
                // gives no `UserName`): the new resource's data holds it.
                None => match (&r.path, &id.member_name) {
                    (Some(path), Some(member)) => {
                        let target = id.name.as_str();
                        let path = format!("{path}.{member}");
                        ids.push(quote!(rt::Param { target: #target, source: rt::Source::Response(#path) }));
                    }
                    _ => {
                        return Err(err(
                            self.ir,
                            format!(
                                "resource {resource}: no source for identifier {} of {}",
                                id.name, r.type_
                            ),
                        ))
                    }
                },
            }
        }
        if let Some(extra) = r
            .identifiers
            .iter()
            .find(|p| !target.def.identifiers.iter().any(|i| i.name == p.target))
        {
            return Err(err(
                self.ir,
                format!(
                    "resource {resource}: {} is not an identifier of {}",
                    extra.target, r.type_
                ),
            ));
        }
        let path = opt_str(r.path.as_deref());
        let product = r.product;
        let index = index_lit(index);
        Ok(
            quote!(rt::ResponseResource { resource: #index, identifiers: &[#(#ids),*], path: #path, product: #product }),
        )
    }

    fn action_spec(&self, resource: &str, name: &str, a: &ActionDef) -> Result<TokenStream> {
        let request = self.request(resource, &a.request)?;
        let res = match &a.resource {
            Some(r) => {
                let r = self.response_resource(resource, r)?;
                quote!(Some(#r))
            }
            None => quote!(None),
        };
        let path = opt_str(a.path.as_deref());
        Ok(quote!(rt::ActionSpec { name: #name, request: #request, resource: #res, path: #path }))
    }

    fn resource_spec(&self, r: &IrResource) -> Result<TokenStream> {
        let name = r.name.as_str();
        let ids = r.def.identifiers.iter().map(|i| i.name.as_str());
        let shape = match r.shape {
            Some(s) => {
                let s = proc_macro2::Literal::u32_unsuffixed(s);
                quote!(Some(#s))
            }
            None => quote!(None),
        };
        let load = match &r.def.load {
            Some(l) => {
                let req = self.request(name, &l.request)?;
                let path = l.path.as_str();
                let find = match &l.find {
                    Some((member, identifier)) => {
                        quote!(Some(rt::Find { member: #member, identifier: #identifier }))
                    }
                    None => quote!(None),
                };
                quote!(Some(rt::LoadSpec { request: #req, path: #path, find: #find }))
            }
            None => quote!(None),
        };
        Ok(quote! {
            rt::ResourceSpec { name: #name, identifiers: &[#(#ids),*], shape: #shape, load: #load }
        })
    }

    fn ty(&self, index: usize) -> proc_macro2::Ident {
        ident(&self.res.resources[index].type_name)
    }

    fn data_ty(&self, r: &IrResource) -> TokenStream {
        match r.shape {
            Some(s) => rust_type(self.ir, s, Ctx::Sibling),
            None => quote!(rt::NoData),
        }
    }

    /// Whether an expression yields a list (boto3 decides on the value; the
    /// model's paths say it up front).
    fn plural(params: &[ParamDef]) -> bool {
        params
            .iter()
            .any(|p| p.path.as_deref().is_some_and(|path| path.contains('[')))
    }

    fn returns(&self, a: &ActionDef) -> Result<Returns> {
        Ok(match &a.resource {
            None => Returns::Plain,
            Some(r) => {
                let t = self.type_index(&r.type_)?;
                if Self::plural(&r.identifiers) {
                    Returns::Many(t)
                } else {
                    Returns::One(t)
                }
            }
        })
    }

    fn returns_ty(&self, ret: &Returns) -> TokenStream {
        match ret {
            Returns::Plain => quote!(rt::Plain),
            Returns::One(t) => {
                let t = self.ty(*t);
                quote!(rt::One<#t>)
            }
            Returns::Many(t) => {
                let t = self.ty(*t);
                quote!(rt::Many<#t>)
            }
        }
    }

    fn has_batch(&self, index: usize) -> bool {
        !self.res.resources[index].batch_actions.is_empty()
    }

    fn collection_ty(&self, item: usize, op: usize) -> TokenStream {
        let t = self.ty(item);
        let b = ident(&self.ir.ops[op].builder);
        if self.has_batch(item) {
            let c = ident(&format!("{}Collection", self.res.resources[item].type_name));
            quote!(#c<operation::#b>)
        } else {
            quote!(rt::Collection<#t, operation::#b>)
        }
    }

    fn resource_type(&mut self, index: usize, r: &IrResource) -> Result<TokenStream> {
        let ir = self.ir;
        let name = ident(&r.type_name);
        let data = self.data_ty(r);
        let i = index_lit(index);
        let model = r.name.as_str();
        let is_service = index == 0;
        let doc =
            if is_service {
                format!(
                    "The service resource (boto3's `{}` resource): sub-resources, collections and \
                 service-level actions.",
                    ir.service
                )
            } else {
                let ids: Vec<String> = r.identifiers.iter().map(|i| format!("`{i}`")).collect();
                let mut d =
                    format!(
                "The `{model}` resource. Identifiers: {}. Equal to another `{}` with the same \
                 identifiers.",
                if ids.is_empty() { "none".to_owned() } else { ids.join(", ") },
                r.type_name
            );
                match (&r.def.load, &r.def.shape) {
                    (Some(l), Some(_)) => d.push_str(&format!(
                        "\n\nData: [`types::{}`], loaded by `load()` (`{}`), or carried from the \
                     response that made the resource.",
                        ir.shape(r.shape.unwrap_or_default()).type_name,
                        l.request.operation
                    )),
                    (None, Some(_)) => d.push_str(
                        "\n\nData: only carried from the response that made the resource (the \
                     model has no `load`).",
                    ),
                    _ => {}
                }
                d
            };
        let docs = doc_attrs(&doc);
        let mut methods = Vec::new();
        // Identifiers.
        for (k, id) in r.identifiers.iter().enumerate() {
            let m = ident(id);
            let doc = format!("The `{}` identifier.", r.def.identifiers[k].name);
            let k = index_lit(k);
            methods.push(quote! {
                #[doc = #doc]
                pub fn #m(&self) -> &str {
                    self.inner.identifier(#k)
                }
            });
        }
        // Attributes.
        if let Some(shape) = r.shape {
            let s = ir.shape(shape);
            for (member, accessor) in &r.attributes {
                let m = &s.members[*member];
                let field = ident(&m.field);
                let acc = ident(accessor);
                let target = ir.shape(m.target);
                // boto3's identifier alias: the member an identifier names
                // (`memberName`) reads the identifier, loaded or not.
                let alias = r
                    .def
                    .identifiers
                    .iter()
                    .position(|i| i.member_name.as_deref() == Some(m.name));
                if let (Some(k), Kind::String) = (alias, target.kind) {
                    let doc = format!(
                        "`{}`: the `{}` identifier (no data needed).",
                        m.name, r.def.identifiers[k].name
                    );
                    let k = index_lit(k);
                    methods.push(quote! {
                        #[doc = #doc]
                        pub fn #acc(&self) -> Option<&str> {
                            Some(self.inner.identifier(#k))
                        }
                    });
                    continue;
                }
                let doc = format!(
                    "`{}` from the loaded data: `None` when no data is loaded or the member is absent.",
                    m.name
                );
                let (ty, body) = match target.kind {
                    Kind::String => (quote!(&str), quote!(d.#field.as_deref())),
                    Kind::Boolean
                    | Kind::Byte
                    | Kind::Short
                    | Kind::Integer
                    | Kind::Long
                    | Kind::Float
                    | Kind::Double => {
                        let t = rust_type(ir, m.target, Ctx::Sibling);
                        (t, quote!(d.#field))
                    }
                    _ => {
                        let t = member_type(ir, m, Ctx::Sibling);
                        if m.boxed {
                            (quote!(&#t), quote!(d.#field.as_deref()))
                        } else {
                            (quote!(&#t), quote!(d.#field.as_ref()))
                        }
                    }
                };
                methods.push(quote! {
                    #[doc = #doc]
                    pub fn #acc(&self) -> Option<#ty> {
                        self.inner.data().and_then(|d| #body)
                    }
                });
            }
        }
        // Actions.
        for (n, m, a) in &r.actions {
            let spec = self.action_spec(model, n, a)?;
            let ret = self.returns(a)?;
            let op = self.op(model, &a.request.operation)?;
            self.sends.insert((op, ret.clone()));
            let kind = self.returns_ty(&ret);
            let b = ident(&ir.ops[op].builder);
            let m = ident(m);
            let doc = format!(
                "The `{n}` action: [`Client::{}`] with the parameters the model sources from \
                 this resource; set the rest with the builder, then `send`. {}",
                ir.ops[op].method,
                match &ret {
                    Returns::Plain => "Returns the operation's output.".to_owned(),
                    Returns::One(t) =>
                        format!("Returns a [`{}`].", self.res.resources[*t].type_name),
                    Returns::Many(t) => format!(
                        "Returns a list of [`{}`].",
                        self.res.resources[*t].type_name
                    ),
                }
            );
            // Only a resource with a `load` has data an action clears; the
            // others act on a copy and take `&self`.
            methods.push(if r.def.load.is_some() {
                quote! {
                    #[doc = #doc]
                    pub fn #m(&mut self) -> operation::#b<rt::Act<'_, #kind>> {
                        static SPEC: rt::ActionSpec = #spec;
                        let client = self.client();
                        operation::#b::with_mode(client, rt::Act::new(&mut self.inner, &SPEC))
                    }
                }
            } else {
                quote! {
                    #[doc = #doc]
                    pub fn #m(&self) -> operation::#b<rt::Act<'static, #kind>> {
                        static SPEC: rt::ActionSpec = #spec;
                        let act = rt::Act::owned(Box::new(self.inner.clone()), &SPEC);
                        operation::#b::with_mode(self.client(), act)
                    }
                }
            });
        }
        // `has`: sub-resources and references.
        for (n, m, h) in &r.has {
            methods.push(self.has_method(model, n, m, &h.resource)?);
        }
        // Collections.
        for (n, m, a) in &r.has_many {
            let spec = self.action_spec(model, n, a)?;
            let op = self.op(model, &a.request.operation)?;
            let item = match &a.resource {
                Some(res) => self.type_index(&res.type_)?,
                None => {
                    return Err(err(
                        ir,
                        format!("resource {model}: collection {n} has no resource"),
                    ))
                }
            };
            self.listings.insert(op);
            let ty = self.collection_ty(item, op);
            let pager = match ir.paginators.iter().find(|p| p.op == op) {
                Some(_) => {
                    let module = ident(&ir.ops[op].method);
                    quote!(Some(&super::paginator::#module::SPEC))
                }
                None => quote!(None),
            };
            let new = quote!(rt::Collection::new(self.inner.client(), &SPEC, #pager, self.inner.parent()));
            let body = if self.has_batch(item) {
                let c = ident(&format!("{}Collection", self.res.resources[item].type_name));
                quote!(#c(#new))
            } else {
                new
            };
            let m = ident(m);
            let doc = format!(
                "The `{n}` collection of [`{}`]: lazy, listed by [`Client::{}`]{} on each iteration.",
                self.res.resources[item].type_name,
                ir.ops[op].method,
                if ir.paginators.iter().any(|p| p.op == op) { " (paginated)" } else { "" }
            );
            methods.push(quote! {
                #[doc = #doc]
                pub fn #m(&self) -> #ty {
                    static SPEC: rt::ActionSpec = #spec;
                    #body
                }
            });
        }
        // Waiters.
        for (n, m, w) in &r.waiters {
            let waiter = ir
                .waiters
                .iter()
                .find(|x| x.name == w.waiter_name)
                .ok_or_else(|| err(ir, format!("resource {model}: no waiter {}", w.waiter_name)))?;
            let op = &ir.ops[waiter.op];
            let b = ident(&op.builder);
            let wm = ident(&waiter.method);
            let m = ident(m);
            let doc = format!(
                "The `{n}` waiter: [`Client::{}`] for this resource; `.await` it (or set \
                 `delay`, `max_attempts`, `deadline` first).",
                waiter.method
            );
            let body = if op.input.is_some() {
                let params = w
                    .params
                    .iter()
                    .map(|p| self.param(model, p))
                    .collect::<Result<Vec<_>>>()?;
                let opi = index_lit(waiter.op);
                quote! {
                    static REQUEST: rt::RequestSpec = rt::RequestSpec { operation: #opi, params: &[#(#params),*] };
                    self.client().#wm().input(self.inner.prefilled(&REQUEST))
                }
            } else {
                quote!(self.client().#wm())
            };
            methods.push(quote! {
                #[doc = #doc]
                pub fn #m(&self) -> operation::#b<boto_runtime::waiter::Wait> {
                    #body
                }
            });
        }
        let constructors = if is_service {
            quote! {
                /// The service resource on a new client of `session`.
                pub fn new(session: &boto_runtime::session::Session) -> Self {
                    Self::from_client(&Client::new(session))
                }
                /// The service resource on an existing client.
                pub fn from_client(client: &Client) -> Self {
                    Self { inner: rt::Resource::new(&client.inner, &RESOURCES[0], Vec::new()) }
                }
            }
        } else {
            quote! {
                /// A resource with these identifier values, in the model's order, and no data.
                pub fn from_identifiers(client: &Client, identifiers: Vec<String>) -> Self {
                    Self { inner: rt::Resource::new(&client.inner, &RESOURCES[#i], identifiers) }
                }
            }
        };
        let batch = if r.batch_actions.is_empty() {
            quote!()
        } else {
            self.batch_collection(index, r)?
        };
        Ok(quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            pub struct #name {
                inner: rt::Resource<#data>,
            }
            impl rt::TypedResource for #name {
                fn from_built(
                    client: &boto_runtime::client::Client,
                    built: rt::Built,
                ) -> Result<Self, rt::ResourceError> {
                    Ok(Self { inner: rt::Resource::from_built(client, &RESOURCES[#i], built)? })
                }
            }
            impl #name {
                #constructors
                /// boto3's `meta`: client, data, identifiers, service name.
                pub fn meta(&self) -> rt::Meta<'_, Client, #data> {
                    rt::Meta::new(self.client(), &self.inner)
                }
                /// The client the resource calls through.
                pub fn client(&self) -> Client {
                    Client::from_runtime(self.inner.client().clone())
                }
                /// The data loaded or carried from a response, if any.
                pub fn data(&self) -> Option<&#data> {
                    self.inner.data()
                }
                /// Whether the resource has data.
                pub fn is_loaded(&self) -> bool {
                    self.inner.is_loaded()
                }
                /// Calls the model's `load` operation and keeps the data; an
                /// error for resource types the model gives no `load`.
                pub async fn load(&mut self) -> Result<(), rt::ResourceError> {
                    self.inner.load().await
                }
                /// Loads the data again ([`load`](Self::load)).
                pub async fn reload(&mut self) -> Result<(), rt::ResourceError> {
                    self.inner.load().await
                }
                #(#methods)*
            }
            #batch
        })
    }

    fn has_method(
        &self,
        model: &str,
        n: &str,
        m: &str,
        h: &ResponseResourceDef,
    ) -> Result<TokenStream> {
        let t = self.type_index(&h.type_)?;
        let ty = self.ty(t);
        let m = ident(m);
        let target = &self.res.resources[t];
        let reference = h.identifiers.iter().any(|p| p.source == "data") || h.path.is_some();
        if reference {
            let spec = self.response_resource(model, h)?;
            let plural = Self::plural(&h.identifiers);
            let doc = format!(
                "The `{n}` reference, from this resource's data: an error when no data is loaded."
            );
            let (ret, conv) = if plural {
                (quote!(Vec<#ty>), quote!(self.inner.reference_many(&SPEC)))
            } else {
                (quote!(Option<#ty>), quote!(self.inner.reference_one(&SPEC)))
            };
            return Ok(quote! {
                #[doc = #doc]
                pub fn #m(&self) -> Result<#ret, rt::ResourceError> {
                    static SPEC: rt::ResponseResource = #spec;
                    #conv
                }
            });
        }
        // A sub-resource: identifiers from this one's and from arguments.
        let mut args = Vec::new();
        let mut values = Vec::new();
        // As boto3: sources other than `input` by target name, then the
        // arguments fill the remaining identifiers in order (iam's service
        // `has` names Policy's `Arn` `PolicyArn`).
        let inputs = h.identifiers.iter().filter(|p| p.source == "input").count();
        let mut given = 0;
        for id in &target.def.identifiers {
            let p = h
                .identifiers
                .iter()
                .find(|p| p.target == id.name && p.source != "input");
            values.push(match p.map(|p| (p.source.as_str(), p)) {
                Some(("identifier", p)) => {
                    let name = p.name.as_deref().unwrap_or_default();
                    quote!(self.inner.identifier_named(#name).to_owned())
                }
                Some(("string", p)) => {
                    let v = p
                        .value
                        .as_ref()
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    quote!(#v.to_owned())
                }
                Some((other, _)) => {
                    return Err(err(
                        self.ir,
                        format!("resource {model}: {n} identifier source {other} unsupported"),
                    ))
                }
                None if given < inputs => {
                    given += 1;
                    let arg = ident(&snake(&id.name));
                    args.push(quote!(#arg: impl Into<String>));
                    quote!(#arg.into())
                }
                None => {
                    return Err(err(
                        self.ir,
                        format!(
                            "resource {model}: {n} gives no identifier {} of {}",
                            id.name, h.type_
                        ),
                    ))
                }
            });
        }
        if given != inputs {
            return Err(err(
                self.ir,
                format!(
                    "resource {model}: {n} has more inputs than {} has identifiers",
                    h.type_
                ),
            ));
        }
        let doc = format!(
            "The `{n}` sub-resource ([`{}`]), with no data.",
            target.type_name
        );
        Ok(quote! {
            #[doc = #doc]
            pub fn #m(&self, #(#args),*) -> #ty {
                #ty::from_identifiers(&self.client(), vec![#(#values),*])
            }
        })
    }

    /// `<Type>Collection`: a collection of a type with batch actions.
    fn batch_collection(&mut self, index: usize, r: &IrResource) -> Result<TokenStream> {
        let ir = self.ir;
        let ty = self.ty(index);
        let c = ident(&format!("{}Collection", r.type_name));
        let mut methods = Vec::new();
        for (n, m, a) in &r.batch_actions {
            let spec = self.action_spec(&r.name, n, a)?;
            let op = self.op(&r.name, &a.request.operation)?;
            let o = &ir.ops[op];
            let out = match o.output {
                Some(id) => rust_type(ir, id, Ctx::Sibling),
                None => quote!(rt::NoData),
            };
            let e = ident(&o.error_enum);
            let doc = format!(
                "The `{n}` batch action: one [`Client::{}`] per page of the collection, each item \
                 at its index; the outputs, one per page.",
                o.method
            );
            let b = ident(&o.builder);
            let with = ident(&format!("{m}_with"));
            let with_doc = format!(
                "[`{m}`](Self::{m}) with parameters of your own, set on the `{}` builder: \
                 structures merge into the model's, other members replace them.",
                o.name
            );
            let with_fn = o.input.is_some().then(|| {
                quote! {
                    #[doc = #with_doc]
                    pub async fn #with(
                        &self,
                        f: impl FnOnce(operation::#b) -> operation::#b,
                    ) -> Result<Vec<#out>, rt::BatchError<B::Error, error::#e>> {
                        static SPEC: rt::ActionSpec = #spec;
                        let b = f(operation::#b::new(Client::from_runtime(self.0.client().clone())));
                        self.0.batch_with(&SPEC, Some(&b.input)).await
                    }
                }
            });
            let m = ident(m);
            methods.push(quote! {
                #[doc = #doc]
                pub async fn #m(&self) -> Result<Vec<#out>, rt::BatchError<B::Error, error::#e>> {
                    static SPEC: rt::ActionSpec = #spec;
                    self.0.batch(&SPEC).await
                }
                #with_fn
            });
        }
        let doc = format!(
            "A collection of [`{}`] with its batch actions; the rest is [`rt::Collection`]'s.",
            r.type_name
        );
        Ok(quote! {
            #[doc = #doc]
            pub struct #c<B: rt::CollectionOp>(pub rt::Collection<#ty, B>);
            impl<B: rt::CollectionOp> Clone for #c<B> {
                fn clone(&self) -> Self {
                    Self(self.0.clone())
                }
            }
            impl<B: rt::CollectionOp> std::fmt::Debug for #c<B>
            where
                B::Input: std::fmt::Debug,
            {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.fmt(f)
                }
            }
            impl<B: rt::CollectionOp> std::ops::Deref for #c<B> {
                type Target = rt::Collection<#ty, B>;
                fn deref(&self) -> &Self::Target {
                    &self.0
                }
            }
            impl<B: rt::CollectionOp> #c<B> {
                /// Every item.
                pub fn all(&self) -> Self {
                    Self(self.0.all())
                }
                /// Adds request parameters, set on the listing operation's builder.
                pub fn filter(&self, f: impl FnOnce(B) -> B) -> Self {
                    Self(self.0.filter(f))
                }
                /// At most `n` items.
                pub fn limit(&self, n: usize) -> Self {
                    Self(self.0.limit(n))
                }
                /// Items per request.
                pub fn page_size(&self, n: i64) -> Self {
                    Self(self.0.page_size(n))
                }
                #(#methods)*
            }
        })
    }

    fn send_impl(&self, op: usize, ret: &Returns) -> TokenStream {
        let ir = self.ir;
        let o = &ir.ops[op];
        let b = ident(&o.builder);
        let e = ident(&o.error_enum);
        let name = o.name;
        let kind = self.returns_ty(ret);
        let output = match o.output {
            Some(id) => rust_type(ir, id, Ctx::Sibling),
            None => quote!(()),
        };
        let result = match ret {
            Returns::Plain => output.clone(),
            Returns::One(t) => {
                let t = self.ty(*t);
                quote!(#t)
            }
            Returns::Many(t) => {
                let t = self.ty(*t);
                quote!(Vec<#t>)
            }
        };
        let has_input = o.input.is_some();
        let destructure = if has_input {
            quote!(let operation::#b { client, mut input, mut mode } = self;)
        } else {
            quote!(let operation::#b { client, mut mode } = self;)
        };
        let prepare = has_input.then(|| {
            quote! {
                mode.prepare(&mut input)
                    .await
                    .map_err(|e| e.into_call_error(#name))?;
            }
        });
        let call = if has_input {
            quote!(operation::#b::new(client).input(input.clone()).send().await?)
        } else {
            quote!(operation::#b::new(client).send().await?)
        };
        let input_ref = if has_input {
            quote!(Some(&input))
        } else {
            quote!(None)
        };
        let output_ref = if o.output.is_some() {
            quote!(Some(&out))
        } else {
            quote!(None)
        };
        let finish = match ret {
            Returns::Plain => quote! {
                mode.finish();
                Ok(out)
            },
            _ => quote!(mode.finish(#input_ref, #output_ref)),
        };
        let doc = format!(
            " Runs the action: fills the model's parameters, calls `{name}`, clears the \
             resource's data."
        );
        quote! {
            impl<'a> operation::#b<rt::Act<'a, #kind>> {
                #[doc = #doc]
                pub async fn send(self) -> Result<#result, boto_runtime::error::Error<error::#e>> {
                    #destructure
                    #prepare
                    let out: #output = #call;
                    #finish
                }
            }
        }
    }

    fn collection_op(&self, op: usize) -> TokenStream {
        let ir = self.ir;
        let o = &ir.ops[op];
        let b = ident(&o.builder);
        let e = ident(&o.error_enum);
        match o.input {
            Some(id) => {
                let input = rust_type(ir, id, Ctx::Sibling);
                quote! {
                    impl rt::CollectionOp for operation::#b {
                        type Input = #input;
                        type Error = error::#e;
                        fn with_input(client: &boto_runtime::client::Client, input: #input) -> Self {
                            operation::#b::new(Client::from_runtime(client.clone())).input(input)
                        }
                        fn into_input(self) -> #input {
                            self.input
                        }
                    }
                }
            }
            None => quote! {
                impl rt::CollectionOp for operation::#b {
                    type Input = rt::NoData;
                    type Error = error::#e;
                    fn with_input(client: &boto_runtime::client::Client, _: rt::NoData) -> Self {
                        operation::#b::new(Client::from_runtime(client.clone()))
                    }
                    fn into_input(self) -> rt::NoData {
                        rt::NoData
                    }
                }
            },
        }
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}
