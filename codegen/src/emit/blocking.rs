//! `blocking.rs` (the `blocking` feature): a synchronous client over the
//! async one. Each method returns the operation's builder in the
//! `Blocking` mode (the same setters; `send()` waits, `into_paginator()`
//! iterates) or, for waiters, in the `BlockingWait` mode.

use proc_macro2::TokenStream;
use quote::quote;

use super::client::service_title;
use crate::ir::Ir;
use crate::naming::ident;

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let methods = ir.ops.iter().map(|op| {
        let method = ident(&op.method);
        let builder = ident(&op.builder);
        let doc = format!(" The `{}` operation; `send()` waits for it.", op.name);
        let deprecated = (op.model.deprecated == Some(true)).then(|| quote!(#[deprecated]));
        quote! {
            #[doc = #doc]
            #deprecated
            pub fn #method(&self) -> operation::#builder<Blocking> {
                operation::#builder::with_mode(self.inner.clone(), Blocking::new(self.runtime.clone()))
            }
        }
    });
    let waiters = ir.waiters.iter().map(|w| {
        let method = ident(&w.method);
        let builder = ident(&ir.ops[w.op].builder);
        let doc = format!(" The `{}` waiter; `wait()` blocks until it decides.", w.name);
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> operation::#builder<BlockingWait> {
                let wait = self.inner.#method().mode;
                operation::#builder::with_mode(self.inner.clone(), BlockingWait::new(wait, self.runtime.clone()))
            }
        }
    });
    let doc = format!(
        " A synchronous client for {}: the async client's operations, waiters and \
         paginators, each call waiting on a background runtime.",
        service_title(ir)
    );
    quote! {
        //! A synchronous client (the `blocking` feature), for programs without
        //! async code and for the plain threads of async ones.
        #![allow(unused_imports, deprecated)]

        use boto_runtime::blocking::{Blocking, BlockingWait, Iter, Runtime};
        use boto_runtime::client::ClientConfig;
        use boto_runtime::session::Session;

        use super::operation;

        #[doc = #doc]
        ///
        /// Resources, collections and anything else async run through
        /// [`block_on`](Client::block_on) and [`iter`](Client::iter).
        #[derive(Clone, Debug)]
        pub struct Client {
            inner: super::Client,
            runtime: Runtime,
        }

        impl Client {
            /// A client of `session` on the process's shared background runtime.
            pub fn new(session: &Session) -> std::io::Result<Self> {
                Ok(Self::from_async(super::Client::new(session), Runtime::shared()?))
            }
            /// [`new`](Client::new), with `config` over the session's settings.
            pub fn with_config(session: &Session, config: ClientConfig) -> std::io::Result<Self> {
                Ok(Self::from_async(super::Client::with_config(session, config), Runtime::shared()?))
            }
            /// The async client `client`, its calls waiting on `runtime`.
            pub fn from_async(client: super::Client, runtime: Runtime) -> Self {
                Self { inner: client, runtime }
            }
            /// The async client underneath (for resources and collections).
            pub fn as_async(&self) -> &super::Client {
                &self.inner
            }
            /// The runtime calls wait on.
            pub fn runtime(&self) -> &Runtime {
                &self.runtime
            }
            /// Waits for any future of the async API (a resource's `load()`,
            /// an action's `send()`, a presigned request).
            pub fn block_on<F: std::future::IntoFuture>(&self, future: F) -> F::Output {
                self.runtime.block_on(future)
            }
            /// A stream of the async API (a collection, a paginator's pages)
            /// as an iterator.
            pub fn iter<S: boto_runtime::paginator::Stream>(&self, stream: S) -> Iter<S> {
                self.runtime.iter(stream)
            }
            #(#methods)*
            #(#waiters)*
        }
    }
}
