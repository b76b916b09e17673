//! `waiters.rs`: the static [`WaiterSpec`](boto_runtime::waiter::WaiterSpec)
//! table, one `wait_until_*` client method per waiter, and the wait mode of
//! the polled operations' builders. The engine is `boto_runtime::waiter`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{index_lit, rust_type, Ctx};
use crate::docs::doc_attrs;
use crate::ir::{Ir, IrOp};
use crate::naming::ident;
use crate::waiters::{IrAcceptor, IrWaiter};

/// The `waiters.rs` module, or `None` when the service has no waiters.
pub fn emit(ir: &Ir<'_>) -> Option<TokenStream> {
    if ir.waiters.is_empty() {
        return None;
    }
    let specs = ir.waiters.iter().map(spec);
    let methods = ir
        .waiters
        .iter()
        .enumerate()
        .map(|(i, w)| client_method(ir, i, w));
    let n = Literal::usize_unsuffixed(ir.waiters.len());
    Some(quote! {
        //! Waiters: `Client::wait_until_*` polls an operation until the
        //! model's acceptors say the resource is in the wanted state.
        #![allow(clippy::all)]

        use boto_runtime::waiter::{Acceptor, Matcher, State, WaiterSpec};
        pub use boto_runtime::waiter::{LastResponse, Wait, WaiterError};

        use super::{operation, Client};

        const fn a(
            state: State,
            matcher: Matcher,
            argument: Option<&'static str>,
            expected: &'static str,
        ) -> Acceptor {
            Acceptor { state, matcher, argument, expected }
        }

        /// Every waiter of the service, sorted by name.
        pub static WAITERS: [WaiterSpec; #n] = [ #(#specs,)* ];

        impl Client {
            #(#methods)*
        }
    })
}

fn spec(w: &IrWaiter) -> TokenStream {
    let name = w.name.as_str();
    let op = index_lit(w.op);
    let delay = Literal::u64_unsuffixed(w.delay_ms);
    let attempts = Literal::u32_unsuffixed(w.max_attempts);
    let acceptors = w.acceptors.iter().map(|a| {
        let state = ident(a.state);
        let matcher = ident(a.matcher);
        let argument = match &a.argument {
            Some(arg) => quote!(Some(#arg)),
            None => quote!(None),
        };
        let expected = a.expected.as_str();
        quote!(a(State::#state, Matcher::#matcher, #argument, #expected))
    });
    quote! {
        WaiterSpec {
            name: #name,
            operation: #op,
            delay: std::time::Duration::from_millis(#delay),
            max_attempts: #attempts,
            acceptors: &[ #(#acceptors,)* ],
        }
    }
}

fn client_method(ir: &Ir<'_>, index: usize, w: &IrWaiter) -> TokenStream {
    let op = &ir.ops[w.op];
    let method = ident(&w.method);
    let builder = ident(&op.builder);
    let index = index_lit(index);
    let mut doc = format!(
        "Waits until `{}`: calls [`{}`](Client::{}) every {} s, at most {} times, \
         until an acceptor decides.",
        w.name,
        op.name,
        op.method,
        seconds(w.delay_ms),
        w.max_attempts
    );
    if let Some(d) = w.description.as_deref().filter(|d| !d.trim().is_empty()) {
        doc = format!("{}\n\n{doc}", d.trim());
    }
    doc.push_str("\n\nAcceptors, the first that matches wins:\n");
    for a in &w.acceptors {
        doc.push_str(&format!("- {}\n", acceptor_doc(a)));
    }
    doc.push_str(
        "\nSet the input with the builder's setters, override `delay`, `max_attempts` or \
         `deadline` if needed, then `.wait().await`.",
    );
    let docs = doc_attrs(&doc);
    quote! {
        #docs
        pub fn #method(&self) -> operation::#builder<Wait> {
            operation::#builder::waiter(self.clone(), &WAITERS[#index])
        }
    }
}

/// `15000` -> `15`, `2500` -> `2.5`.
fn seconds(ms: u64) -> String {
    (ms as f64 / 1000.0).to_string()
}

fn acceptor_doc(a: &IrAcceptor) -> String {
    let state = a.state.to_ascii_lowercase();
    let arg = a.argument.as_deref().unwrap_or_default();
    let e = &a.expected;
    let when = match a.matcher {
        "Path" => format!("{} is {}", code(arg), code(e)),
        "PathAll" => format!("every {} is {}", code(arg), code(e)),
        "PathAny" => format!("any {} is {}", code(arg), code(e)),
        "Status" => format!("the HTTP status is {e}"),
        _ => match e.as_str() {
            "true" => "the call fails".to_owned(),
            "false" => "the call succeeds".to_owned(),
            code => format!("the error code is `{}`", code.trim_matches('"')),
        },
    };
    format!("{state} when {when}")
}

/// A markdown code span of `s`, which may hold backticks (JMESPath literals).
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// The wait-mode `impl` of the builder of `op`, an operation some waiter polls.
pub fn wait_mode(ir: &Ir<'_>, op: &IrOp<'_>) -> TokenStream {
    let name = ident(&op.builder);
    let err = ident(&op.error_enum);
    let output = match op.output {
        Some(id) => rust_type(ir, id, Ctx::Sibling),
        // `waiters::lower` rejects waiters on operations without output.
        None => quote!(()),
    };
    let (input, init) = match op.input {
        Some(_) => (
            quote!(Some(&self.input)),
            quote!(input: Default::default(),),
        ),
        None => (quote!(None), quote!()),
    };
    quote! {
        impl<M: boto_runtime::waiter::WaitSettings> #name<M> {
            /// Time between attempts (the waiter's model `delay` otherwise).
            pub fn delay(mut self, delay: std::time::Duration) -> Self {
                self.mode.settings().set_delay(delay);
                self
            }
            /// Calls before giving up, the first included (the model's `maxAttempts` otherwise).
            pub fn max_attempts(mut self, attempts: u32) -> Self {
                self.mode.settings().set_max_attempts(attempts);
                self
            }
            /// Overall time limit from the start of the wait: no call starts after it.
            pub fn deadline(mut self, deadline: std::time::Duration) -> Self {
                self.mode.settings().set_deadline(deadline);
                self
            }
        }
        /// With the `blocking` feature: the wait blocks.
        #[cfg(feature = "blocking")]
        impl #name<boto_runtime::blocking::BlockingWait> {
            /// Calls the operation until an acceptor decides, as the async
            /// `wait`, blocking the thread.
            pub fn wait(
                self,
            ) -> Result<Option<#output>, boto_runtime::waiter::WaiterError<#output, error::#err>> {
                let runtime = self.mode.runtime().clone();
                runtime.block_on(boto_runtime::waiter::wait(&self.client.inner, self.mode.wait(), #input))
            }
        }
        impl #name<boto_runtime::waiter::Wait> {
            pub(crate) fn waiter(client: Client, spec: &'static boto_runtime::waiter::WaiterSpec) -> Self {
                Self { client, #init mode: boto_runtime::waiter::Wait::new(spec) }
            }
            /// Calls the operation until an acceptor decides. `Ok(Some(output))`
            /// when a success acceptor matched a response, `Ok(None)` when it
            /// matched an error response; otherwise why the wait failed, with
            /// the last response or error.
            pub async fn wait(
                self,
            ) -> Result<Option<#output>, boto_runtime::waiter::WaiterError<#output, error::#err>> {
                boto_runtime::waiter::wait(&self.client.inner, &self.mode, #input).await
            }
        }
        /// `.await` on the waiter is [`wait`](Self::wait).
        impl std::future::IntoFuture for #name<boto_runtime::waiter::Wait> {
            type Output = Result<Option<#output>, boto_runtime::waiter::WaiterError<#output, error::#err>>;
            type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.wait())
            }
        }
    }
}
