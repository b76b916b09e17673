//! `operation.rs`: one fluent builder per operation. A builder holds the
//! client and the input; `send` hands both to the runtime with the
//! operation's static schema entry.

use proc_macro2::TokenStream;
use quote::quote;

use super::{index_lit, member_type, rust_type, Ctx};
use crate::docs::{doc_attrs, to_markdown};
use crate::ir::{Ir, IrOp};
use crate::naming::ident;

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let builders: Vec<_> = ir
        .ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let waited = ir.waiters.iter().any(|w| w.op == i);
            let stub = stub_operation(ir, i, op);
            let blocking = blocking_operation(ir, i, op);
            let builder = builder(ir, i, op, waited);
            quote!(#builder #stub #blocking)
        })
        .collect();
    let no_output = ir.ops.iter().any(|op| op.output.is_none()).then(|| {
        quote! {
            /// Receives the (absent) output of operations without one.
            struct NoOutput;
            impl boto_runtime::value::De for NoOutput {
                fn expecting(&self) -> &'static str {
                    "no output"
                }
            }
        }
    });
    quote! {
        //! Fluent builders, one per operation: set input members, then `send`.
        #![allow(clippy::all, deprecated, dead_code)]

        use super::{error, schema, types, Client};

        stub_operation_macro_definition!();
        blocking_operation_macro_definition!();
        #no_output
        #(#builders)*
    }
}

/// Stands where [`STUB_MACRO`] goes (formatted by hand, as `types::ENUM_MACRO`).
pub const STUB_MACRO_PLACEHOLDER: &str = "stub_operation_macro_definition!();";

/// The `stub` feature's `StubOperation` impl of a builder, one line per operation.
pub const STUB_MACRO: &str = r#"/// With the `stub` feature: the builder as an expectation of
/// `boto_runtime::stub::Stubber`.
macro_rules! stub_operation {
    (@input $s:ident input) => {
        Some(&$s.input as &dyn boto_runtime::value::Ser)
    };
    (@input $s:ident none) => {
        None
    };
    (@output $o:ident output) => {
        Some($o as &dyn boto_runtime::value::Ser)
    };
    (@output $o:ident none) => {{
        let _ = $o;
        None
    }};
    ($b:ident, $i:literal, $err:ident, $out:ty, $input:tt, $output:tt) => {
        #[cfg(feature = "stub")]
        impl boto_runtime::stub::StubOperation for $b {
            type Output = $out;
            type Error = error::$err;
            fn stub_call(&self) -> boto_runtime::stub::StubCall<'_> {
                let input = stub_operation!(@input self $input);
                boto_runtime::stub::StubCall::new(&schema::SERVICE, &schema::OPERATIONS[$i], input)
            }
            fn stub_output(output: &$out) -> Option<&dyn boto_runtime::value::Ser> {
                stub_operation!(@output output $output)
            }
        }
    };
}"#;

/// Stands where [`BLOCKING_MACRO`] goes.
pub const BLOCKING_MACRO_PLACEHOLDER: &str = "blocking_operation_macro_definition!();";

/// The `blocking` feature's `send` (and `into_paginator`) of a builder in
/// the blocking client's mode, one line per operation.
pub const BLOCKING_MACRO: &str = r#"/// With the `blocking` feature: `send()` that waits, paginators as iterators.
macro_rules! blocking_operation {
    (@call $b:ident $s:ident input) => {
        $b { client: $s.client, input: $s.input, mode: boto_runtime::waiter::Call }
    };
    (@call $b:ident $s:ident none) => {
        $b { client: $s.client, mode: boto_runtime::waiter::Call }
    };
    (@pages $b:ident, $out:ty, $err:ident, none) => {};
    (@pages $b:ident, $out:ty, $err:ident, ($in:ty)) => {
        #[cfg(feature = "blocking")]
        impl $b<boto_runtime::blocking::Blocking> {
            /// The paginator: pages and items as iterators.
            pub fn into_paginator(self) -> boto_runtime::blocking::Paginator<$in, $out, error::$err> {
                let runtime = self.mode.runtime().clone();
                let call = blocking_operation!(@call $b self input);
                boto_runtime::blocking::Paginator::new(call.into_paginator(), runtime)
            }
        }
    };
    ($b:ident, $out:ty, $err:ident, $input:tt, $pages:tt) => {
        #[cfg(feature = "blocking")]
        impl $b<boto_runtime::blocking::Blocking> {
            /// Sends the request and waits for the output or the error.
            pub fn send(self) -> Result<$out, boto_runtime::error::Error<error::$err>> {
                let runtime = self.mode.runtime().clone();
                runtime.block_on(blocking_operation!(@call $b self $input).send())
            }
        }
        blocking_operation!(@pages $b, $out, $err, $pages);
    };
}"#;

/// `blocking_operation!(Builder, Output, Error, input|none, (Input)|none);`
fn blocking_operation(ir: &Ir<'_>, index: usize, op: &IrOp<'_>) -> TokenStream {
    let name = ident(&op.builder);
    let err = ident(&op.error_enum);
    let out = match op.output {
        Some(id) => rust_type(ir, id, Ctx::Sibling),
        None => quote!(()),
    };
    let has_in = if op.input.is_some() {
        quote!(input)
    } else {
        quote!(none)
    };
    let pages = match (ir.paginators.iter().any(|p| p.op == index), op.input) {
        (true, Some(id)) => {
            let input = rust_type(ir, id, Ctx::Sibling);
            quote!((#input))
        }
        _ => quote!(none),
    };
    quote!(blocking_operation!(#name, #out, #err, #has_in, #pages);)
}

/// `stub_operation!(Builder, index, Error, Output, input|none, output|none);`
fn stub_operation(ir: &Ir<'_>, index: usize, op: &IrOp<'_>) -> TokenStream {
    let name = ident(&op.builder);
    let err = ident(&op.error_enum);
    let index = index_lit(index);
    let (out, has_out) = match op.output {
        Some(id) => (rust_type(ir, id, Ctx::Sibling), quote!(output)),
        None => (quote!(()), quote!(none)),
    };
    let has_in = if op.input.is_some() {
        quote!(input)
    } else {
        quote!(none)
    };
    quote!(stub_operation!(#name, #index, #err, #out, #has_in, #has_out);)
}

/// The first paragraph of some HTML documentation, as markdown.
fn first_paragraph(html: Option<&str>) -> Option<String> {
    let md = to_markdown(html?);
    let first = md.split("\n\n").next()?.trim();
    // A fenced block cut in half would swallow the rest of the docs.
    (!first.is_empty() && !first.contains("```")).then(|| first.to_owned())
}

/// An operation's builder. One polled by a waiter is generic over its mode
/// (`Call` by default, `Wait` from a `wait_until_*` method), its setters
/// shared by both.
fn builder(ir: &Ir<'_>, index: usize, op: &IrOp<'_>, waited: bool) -> TokenStream {
    let paginate = super::paginators::builder_method(ir, index, op);
    let name = ident(&op.builder);
    let err = ident(&op.error_enum);
    let index = index_lit(index);
    let method = &op.method;
    let summary = first_paragraph(op.model.documentation.as_deref())
        .map(|p| format!("{p}\n\n"))
        .unwrap_or_default();
    let docs = doc_attrs(&format!(
        "{summary}The `{}` operation: made by [`Client::{method}`], run by [`send`]({}::send).",
        op.name, op.builder
    ));
    let (output_ty, out_init, out_ret) = match op.output {
        Some(id) => {
            let ty = rust_type(ir, id, Ctx::Sibling);
            (
                ty.clone(),
                quote!(let mut out = #ty::default();),
                quote!(out),
            )
        }
        None => (quote!(()), quote!(let mut out = NoOutput;), quote!(())),
    };
    let call = |input: TokenStream| {
        quote! {
            #out_init
            self.client
                .inner
                .call(&schema::OPERATIONS[#index], #input, &mut out)
                .await
                .map_err(boto_runtime::error::Error::typed)?;
            Ok(#out_ret)
        }
    };
    // Every signed operation can be presigned (boto3's generate_presigned_url).
    let unsigned = matches!(op.model.auth_type.as_deref(), Some("none"))
        || op.model.auth.iter().any(|a| a == "smithy.api#noAuth");
    let presign = |input: TokenStream| {
        if unsigned {
            return quote!();
        }
        quote! {
            /// Presigns the request instead of sending it: method, URL and headers
            /// for any HTTP client ([`boto_runtime::presign`]).
            pub fn presigned(
                self,
                config: boto_runtime::PresignConfig,
            ) -> boto_runtime::presign::PresignFuture {
                self.client.inner.presign_owned(&schema::OPERATIONS[#index], #input, config)
            }
        }
    };
    let send_doc = format!(
        " Sends the request: the output, or an error whose service errors are [`error::{}`].",
        op.error_enum
    );
    // Every builder is generic over its mode: `Call` (the client's), `Wait`
    // (a `wait_until_*` method, for operations a waiter polls) or a resource
    // action's `Act`; the setters are shared by all modes.
    let wait_mode = if waited {
        super::waiters::wait_mode(ir, op)
    } else {
        quote!()
    };
    let Some(input_id) = op.input else {
        let body = call(quote!(None));
        let presigned = presign(quote!(None));
        return quote! {
            #docs
            #[derive(Clone, Debug)]
            pub struct #name<M = boto_runtime::waiter::Call> {
                pub(crate) client: Client,
                pub(crate) mode: M,
            }
            impl #name {
                pub(crate) fn new(client: Client) -> Self {
                    Self { client, mode: boto_runtime::waiter::Call }
                }
                #[doc = #send_doc]
                pub async fn send(self) -> Result<#output_ty, boto_runtime::error::Error<error::#err>> {
                    #body
                }
                #presigned
            }
            impl<M> #name<M> {
                    pub(crate) fn with_mode(client: Client, mode: M) -> Self {
                    Self { client, mode }
                }
            }
            #wait_mode
        };
    };
    let input_ty = rust_type(ir, input_id, Ctx::Sibling);
    let input = ir.shape(input_id);
    let setters = input.members.iter().zip(&op.setters).map(|(m, setter)| {
        let setter = ident(setter);
        let field = ident(&m.field);
        let ty = member_type(ir, m, Ctx::Sibling);
        let value = if m.boxed {
            quote!(Box::new(v.into()))
        } else {
            quote!(v.into())
        };
        let mut doc = first_paragraph(m.model.documentation.as_deref()).unwrap_or_default();
        if m.required {
            doc = if doc.is_empty() {
                "Required.".to_owned()
            } else {
                format!("Required. {doc}")
            };
        }
        let doc = if doc.is_empty() {
            format!("Sets `{}`.", m.name)
        } else {
            doc
        };
        let docs = doc_attrs(&doc);
        quote! {
            #docs
            pub fn #setter(mut self, v: impl Into<#ty>) -> Self {
                self.input.#field = Some(#value);
                self
            }
        }
    });
    let body = call(quote!(Some(&self.input)));
    let common = quote! {
        /// Replaces the whole input.
        pub fn input(mut self, input: #input_ty) -> Self {
            self.input = input;
            self
        }
        /// The input as set so far.
        pub fn as_input(&self) -> &#input_ty {
            &self.input
        }
        #(#setters)*
    };
    let presigned = presign(quote!(Some(Box::new(self.input))));
    let send = quote! {
        #[doc = #send_doc]
        pub async fn send(self) -> Result<#output_ty, boto_runtime::error::Error<error::#err>> {
            #body
        }
        #presigned
    };
    let impls = quote! {
        impl #name {
            pub(crate) fn new(client: Client) -> Self {
                Self { client, input: Default::default(), mode: boto_runtime::waiter::Call }
            }
            #send
            #paginate
        }
        impl<M> #name<M> {
            pub(crate) fn with_mode(client: Client, mode: M) -> Self {
                Self { client, input: Default::default(), mode }
            }
            #common
        }
        #wait_mode
    };
    quote! {
        #docs
        #[derive(Clone, Debug)]
        pub struct #name<M = boto_runtime::waiter::Call> {
            pub(crate) client: Client,
            pub(crate) input: #input_ty,
            pub(crate) mode: M,
        }
        #impls
    }
}
