//! `client.rs`: the service client, with one method per operation returning
//! that operation's fluent builder.

use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::html_doc_attrs;
use crate::ir::Ir;
use crate::naming::ident;

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let methods = ir.ops.iter().map(|op| {
        let method = ident(&op.method);
        let builder = ident(&op.builder);
        let docs = html_doc_attrs(op.model.documentation.as_deref());
        let deprecated = (op.model.deprecated == Some(true)).then(|| quote!(#[deprecated]));
        quote! {
            #docs
            #deprecated
            pub fn #method(&self) -> operation::#builder {
                operation::#builder::new(self.clone())
            }
        }
    });
    let full_name = service_title(ir);
    let doc = format!(" A client for {full_name}.");
    quote! {
        //! The service client.

        use boto_runtime::client::ClientConfig;
        use boto_runtime::session::Session;

        use super::{operation, schema};

        #[doc = #doc]
        ///
        /// Cheap to clone: clones share the session's connection pool.
        #[derive(Clone)]
        pub struct Client {
            pub(crate) inner: boto_runtime::client::Client,
        }

        impl std::fmt::Debug for Client {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Client").field("service", &schema::SERVICE.name).finish()
            }
        }

        #[allow(deprecated)]
        impl Client {
            /// A client using the session's region, credentials and settings.
            pub fn new(session: &Session) -> Self {
                Self { inner: boto_runtime::client::Client::new(session, &schema::SERVICE) }
            }

            /// A client with settings overriding the session's.
            pub fn with_config(session: &Session, config: ClientConfig) -> Self {
                Self { inner: boto_runtime::client::Client::with_config(session, &schema::SERVICE, config) }
            }

            /// Wraps a runtime client made for this service.
            pub fn from_runtime(inner: boto_runtime::client::Client) -> Self {
                Self { inner }
            }

            /// The runtime client underneath.
            pub fn runtime(&self) -> &boto_runtime::client::Client {
                &self.inner
            }

            #(#methods)*
        }
    }
}

/// `serviceFullName`, else `serviceId`, else the folder name.
pub fn service_title(ir: &Ir<'_>) -> String {
    let md = &ir.model.metadata;
    md.service_full_name
        .clone()
        .or_else(|| md.service_id.clone())
        .unwrap_or_else(|| ir.service.clone())
}
