//! `lib.rs`: crate docs, modules and re-exports.

use proc_macro2::TokenStream;
use quote::quote;

use super::client::service_title;
use super::Options;
use crate::docs::{inner_doc_attrs, to_markdown};
use crate::ir::{Ir, Kind};

pub fn emit(ir: &Ir<'_>, options: &Options) -> TokenStream {
    let title = service_title(ir);
    let crate_ident = format!("boto_{}", ir.service.replace('-', "_"));
    let mut md = format!(
        "# {title}\n\nAPI version `{}`, {} protocol. Generated from botocore's `{}` model.\n\n",
        ir.model.metadata.api_version,
        ir.protocol.as_botocore(),
        ir.service,
    );
    if let Some(doc) = ir.model.documentation.as_deref() {
        let doc = to_markdown(doc);
        if !doc.is_empty() {
            md.push_str(&doc);
            md.push_str("\n\n");
        }
    }
    if options.client {
        md.push_str(&usage_example(ir, &crate_ident));
    }
    if let Some(kept) = &options.operations {
        md.push_str(&format!(
            "\n## Operations\n\nGenerated with only {} of the model's operations \
             (`cargo xtask codegen --operations`): {}.\n\n",
            kept.len(),
            kept.iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if !ir.dropped.is_empty() {
            md.push_str("Left out with the other operations:\n\n");
            for line in &ir.dropped {
                md.push_str(&format!("- {line}\n"));
            }
            md.push('\n');
        }
    }
    let inner_docs = inner_doc_attrs(md.trim_end());
    let client_mods = options.client.then(|| {
        quote! {
            #[rustfmt::skip]
            mod client;
            #[rustfmt::skip]
            pub mod error;
            #[rustfmt::skip]
            pub mod operation;
            /// With the `blocking` feature: a synchronous client.
            #[cfg(feature = "blocking")]
            #[rustfmt::skip]
            pub mod blocking;

            pub use boto_runtime::client::ClientConfig;
            pub use boto_runtime::error::Error;
            pub use boto_runtime::session::Session;
        }
    });
    let waiters_mod = (options.client && !ir.waiters.is_empty()).then(|| {
        quote! {
            #[rustfmt::skip]
            pub mod waiters;
        }
    });
    let paginator_mod = (options.client && !ir.paginators.is_empty()).then(|| {
        quote! {
            #[rustfmt::skip]
            pub mod paginator;
        }
    });
    let resource_mod = (options.client && ir.resources.is_some()).then(|| {
        quote! {
            #[rustfmt::skip]
            pub mod resource;
        }
    });
    // After `client::Client`: rustfmt keeps `use` items sorted.
    let resource_use = (options.client && ir.resources.is_some()).then(|| {
        quote!(
            pub use resource::Resource;
        )
    });
    let client_use = options.client.then(|| {
        quote!(
            pub use client::Client;
        )
    });
    let custom = crate::customizations::lib_rs_items(&ir.service, options);
    quote! {
        #inner_docs
        #![allow(clippy::all, rustdoc::bare_urls)]

        // Generated modules are formatted by the generator (prettyplease);
        // `cargo xtask codegen --check` would see rustfmt's layout as stale.
        #[doc(hidden)]
        #[rustfmt::skip]
        pub mod schema;
        #[rustfmt::skip]
        pub mod types;
        #client_mods
        #waiters_mod
        #paginator_mod
        #resource_mod

        pub use boto_runtime::{ByteStream, Bytes, DateTime, Document};
        #client_use
        #resource_use
        #custom
    }
}

/// The call the crate's examples make: a read-only operation needing no
/// input when there is one.
fn example_call(ir: &Ir<'_>) -> String {
    let no_required = |op: &&crate::ir::IrOp<'_>| {
        op.input
            .is_none_or(|id| ir.shape(id).members.iter().all(|m| !m.required))
    };
    let op = ir
        .ops
        .iter()
        .filter(no_required)
        .find(|op| op.name.starts_with("List") || op.name.starts_with("Describe"))
        .or_else(|| ir.ops.iter().find(no_required))
        .or_else(|| ir.ops.first());
    match op {
        Some(op) => {
            let shows = op
                .output
                .is_some_and(|id| ir.shape(id).kind == Kind::Structure);
            let print = if shows {
                "\nprintln!(\"{output:?}\");"
            } else {
                ""
            };
            format!(
                "let output = client.{}().send().await?;{print}\n",
                op.method
            )
        }
        None => String::new(),
    }
}

fn usage_example(ir: &Ir<'_>, crate_ident: &str) -> String {
    let call = example_call(ir);
    format!(
        "```no_run\n# async fn example() -> Result<(), Box<dyn std::error::Error>> {{\n\
         let session = {crate_ident}::Session::new();\n\
         let client = {crate_ident}::Client::new(&session);\n\
         {call}# Ok(())\n# }}\n```\n"
    )
}

/// The crate's `README.md` (what crates.io shows): what it is, an example
/// program, where it comes from.
pub fn readme(ir: &Ir<'_>, options: &Options) -> String {
    let title = service_title(ir);
    let package = format!("boto-{}", ir.service);
    let crate_ident = package.replace('-', "_");
    let version = match &options.runtime_dep {
        super::RuntimeDep::Version(v) => v.as_str(),
        _ => "0.1",
    };
    let call: String = example_call(ir)
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect();
    let example = if options.client {
        format!(
            "```toml\n[dependencies]\n{package} = \"{version}\"\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n```\n\n\
             ```rust,no_run\n#[tokio::main]\n\
             async fn main() -> Result<(), Box<dyn std::error::Error>> {{\n\
             \x20   // Credentials, region and settings as boto3 finds them.\n\
             \x20   let session = {crate_ident}::Session::new();\n\
             \x20   let client = {crate_ident}::Client::new(&session);\n\
             {call}    Ok(())\n}}\n```\n\n"
        )
    } else {
        String::new()
    };
    let subset = match &options.operations {
        Some(ops) => format!(
            "Generated with only these operations: {}.\n\n",
            ops.iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    format!(
        "<!-- @generated by `cargo xtask codegen`: do not edit. -->\n\n\
         # {package}\n\n\
         A [boto-rs](https://github.com/boto-rs/boto-rs) client for {title}: typed \
         operations (and paginators, waiters and boto3's resources where the \
         models have them) over the shared `boto-runtime` (session, credentials, endpoint rules, signing, retries, \
         the {} protocol). Generated from botocore's `{}` model, API version `{}`.\n\n\
         {example}{subset}\
         License: Apache-2.0 (the model is botocore's data, Apache-2.0).\n",
        ir.protocol.as_botocore(),
        ir.service,
        ir.model.metadata.api_version,
    )
}
