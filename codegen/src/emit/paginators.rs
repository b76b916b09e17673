//! `paginator.rs`: one module per paginated operation with its static
//! [`PaginatorSpec`](boto_runtime::paginator::PaginatorSpec) and a function
//! per result key taking that key's items out of a page; `Paginated` impls
//! typing `items()`; and (emitted into `operation.rs`) `into_paginator()`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::{index_lit, rust_type, Ctx};
use crate::docs::doc_attrs;
use crate::ir::{Ir, IrOp, Kind};
use crate::naming::{ident, snake, Namer};
use crate::paginators::{IrPaginator, ResultKey};

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let mut typed_outputs = BTreeSet::new();
    let items = ir.paginators.iter().map(|p| {
        let op = &ir.ops[p.op];
        let module = ident(&op.method);
        let spec = spec(p, op);
        let names = key_fn_names(p);
        let output_ty = op.output.map(|o| rust_type(ir, o, Ctx::Sibling));
        let extractors = p.result_keys.iter().zip(&names).map(|(key, name)| {
            let name = ident(name);
            let item = item_type(ir, key);
            let body = extract(ir, key);
            let doc = doc_attrs(&format!(
                "The items of `{}` in a page (for [`Paginator::items_with`](boto_runtime::paginator::Paginator::items_with)).",
                key.path
            ));
            quote! {
                #doc
                pub fn #name(page: #output_ty) -> Vec<#item> {
                    #body
                }
            }
        });
        // One `Paginated` impl per output type (two operations may share one).
        let paginated = op
            .output
            .filter(|o| typed_outputs.insert(*o))
            .zip(p.result_keys.first())
            .map(|(_, first)| {
                let item = item_type(ir, first);
                let first_fn = ident(&names[0]);
                quote! {
                    impl boto_runtime::paginator::Paginated for #output_ty {
                        type Item = #item;
                        fn into_items(self) -> Vec<#item> {
                            #module::#first_fn(self)
                        }
                    }
                }
            });
        let doc = doc_attrs(&format!(
            "The `{}` paginator: its spec, and the items of each result key.",
            op.name
        ));
        quote! {
            #doc
            pub mod #module {
                use super::types;
                /// botocore's `paginators-1.json` entry.
                pub static SPEC: boto_runtime::paginator::PaginatorSpec = #spec;
                #(#extractors)*
            }
            #paginated
        }
    });
    let items: Vec<_> = items.collect();
    quote! {
        //! Paginators: each paginated operation's builder has `into_paginator()`.
        #![allow(clippy::all, deprecated)]

        use super::types;

        #(#items)*
    }
}

/// `into_paginator()`, for the builder of operation `index`, if paginated.
pub fn builder_method(ir: &Ir<'_>, index: usize, op: &IrOp<'_>) -> Option<TokenStream> {
    let p = ir.paginators.iter().find(|p| p.op == index)?;
    let (input, output) = (op.input?, op.output?);
    let input_ty = rust_type(ir, input, Ctx::Sibling);
    let output_ty = rust_type(ir, output, Ctx::Sibling);
    let err = ident(&op.error_enum);
    let module = ident(&op.method);
    let index = index_lit(index);
    let mut doc = format!(
        "Pages through `{}` as botocore's paginator does: tokens `{}`",
        op.name,
        p.input_tokens.join("`, `")
    );
    if let Some(limit) = &p.limit_key {
        doc.push_str(&format!(", page size `{limit}`"));
    }
    doc.push_str(&format!(
        "; `items()` yields the items of `{}`.",
        p.result_keys[0].path
    ));
    if p.result_keys.len() > 1 {
        let others: Vec<_> = p.result_keys[1..].iter().map(|k| k.path.as_str()).collect();
        doc.push_str(&format!(
            " Other result keys: `{}` (see [`crate::paginator::{}`]).",
            others.join("`, `"),
            op.method.trim_start_matches("r#")
        ));
    }
    let doc = doc_attrs(&doc);
    Some(quote! {
        #doc
        pub fn into_paginator(
            self,
        ) -> boto_runtime::paginator::Paginator<#input_ty, #output_ty, error::#err> {
            boto_runtime::paginator::Paginator::new(
                self.client.inner,
                &schema::OPERATIONS[#index],
                &crate::paginator::#module::SPEC,
                self.input,
            )
        }
    })
}

fn spec(p: &IrPaginator, op: &IrOp<'_>) -> TokenStream {
    let name = op.name;
    let strs = |v: &[String]| quote!(&[#(#v),*]);
    let opt = |v: &Option<String>| match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let input_tokens = strs(&p.input_tokens);
    let output_tokens = strs(&p.output_tokens);
    let more_results = opt(&p.more_results);
    let limit_key = opt(&p.limit_key);
    let result_keys: Vec<String> = p.result_keys.iter().map(|k| k.path.clone()).collect();
    let result_keys = strs(&result_keys);
    let non_aggregate_keys = strs(&p.non_aggregate_keys);
    quote! {
        boto_runtime::paginator::PaginatorSpec {
            operation: #name,
            input_tokens: #input_tokens,
            output_tokens: #output_tokens,
            more_results: #more_results,
            limit_key: #limit_key,
            result_keys: #result_keys,
            non_aggregate_keys: #non_aggregate_keys,
        }
    }
}

/// Function names for the result keys (`Users` → `users`).
fn key_fn_names(p: &IrPaginator) -> Vec<String> {
    let mut namer = Namer::new(&["SPEC", "types"]);
    p.result_keys
        .iter()
        .map(|k| {
            let base: Vec<String> = k.path.split('.').map(snake).collect();
            namer.claim(&base.join("_"), true)
        })
        .collect()
}

/// A list's element, `(key, value)` of a map, else the value's type.
fn item_type(ir: &Ir<'_>, key: &ResultKey) -> TokenStream {
    let target = ir.shape(key.target);
    match target.kind {
        Kind::List => rust_type(ir, target.members[0].target, Ctx::Sibling),
        Kind::Map => {
            let value = rust_type(ir, target.members[1].target, Ctx::Sibling);
            quote!((String, #value))
        }
        _ => rust_type(ir, key.target, Ctx::Sibling),
    }
}

/// Moves the value at the key's path out of `page`, as a list of items.
fn extract(ir: &Ir<'_>, key: &ResultKey) -> TokenStream {
    let mut value = quote!(page);
    for (i, &(shape, member)) in key.steps.iter().enumerate() {
        let m = &ir.shape(shape).members[member];
        let field = ident(&m.field);
        value = if i == 0 {
            quote!(#value.#field)
        } else {
            quote!(#value.and_then(|v| v.#field))
        };
        if m.boxed {
            value = quote!(#value.map(|v| *v));
        }
    }
    match ir.shape(key.target).kind {
        Kind::List => quote!(#value.unwrap_or_default()),
        Kind::Map => quote!(#value.map(|m| m.into_iter().collect()).unwrap_or_default()),
        _ => quote!(#value.into_iter().collect()),
    }
}
