//! The generator's one registry of service customizations: hand-written
//! per-service code copied into generated crates, and what boto3 adds to a
//! service's resource model in Python. (Wire and runtime behaviour lives in
//! the runtime's `boto_runtime::customize`, which both the generated and
//! the dynamic path use.)
//!
//! Some of what boto3 users rely on is not in any model (DynamoDB's
//! `BatchWriter`, attribute conversion). That code lives, written by hand and
//! formatted, linted and tested like any other, in
//! `codegen/customizations/<service>/*.rs`. The generator copies each file to
//! `generated/<service>/src/custom/` under a header naming its source, declares
//! `pub mod custom;` in the crate root with re-exports of the main items, and
//! adds the dependencies the code needs to the crate's `Cargo.toml`. The files
//! are embedded here at build time, so generation stays a pure function of
//! the models and this crate; `cargo xtask codegen --check` sees a stale copy
//! like any other stale file.

use crate::emit::{File, Options, RuntimeDep, HEADER};

/// Changes boto3 makes to a service's resource definitions in code.
pub type ResourceCustomization = fn(&mut [(String, crate::resources::ResourceDef)]);

/// The customizations of one service.
#[derive(Debug)]
pub struct Customization {
    /// botocore's service folder name.
    pub service: &'static str,
    /// Files of `src/custom/` (the first is `mod.rs`): name and contents.
    pub files: &'static [(&'static str, &'static str)],
    /// Files that extend the resource types (`resource.rs`): copied, and
    /// declared at the end of `mod.rs`, only when the crate has resources
    /// (its models folder has boto3's `resources-1.json`).
    pub resource_files: &'static [(&'static str, &'static str)],
    /// Items of `custom` re-exported from the crate root.
    pub reexports: &'static [&'static str],
    /// Extra dependencies: name and its version spec outside the workspace
    /// (inside it, `name.workspace = true`).
    pub dependencies: &'static [(&'static str, &'static str)],
    /// What boto3 adds to the service's `resources-1.json` in code, applied
    /// to the resource definitions before they are checked and lowered.
    pub resources: Option<ResourceCustomization>,
    /// The operations the files call (directly or through the runtime): a
    /// crate generated without one of them gets no files.
    pub requires: &'static [&'static str],
}

impl Customization {
    const NONE: Customization = Customization {
        service: "",
        files: &[],
        resource_files: &[],
        reexports: &[],
        dependencies: &[],
        resources: None,
        requires: &[],
    };
}

macro_rules! custom_files {
    ($service:literal: $($file:literal),+ $(,)?) => {
        &[$(($file, include_str!(concat!("../customizations/", $service, "/", $file)))),+]
    };
}

/// Every service with customizations, by name.
pub const CUSTOMIZATIONS: &[Customization] = &[
    Customization {
        service: "dynamodb",
        files: custom_files!(
            "dynamodb": "mod.rs",
            "attribute_value.rs",
            "batch_writer.rs",
            "conditions.rs"
        ),
        resource_files: custom_files!("dynamodb": "table.rs"),
        reexports: &[
            "from_attribute_value",
            "from_item",
            "to_attribute_value",
            "to_item",
            "Attr",
            "BatchWriteError",
            "BatchWriter",
            "Binary",
            "BinarySet",
            "Condition",
            "ConversionError",
            "Key",
            "Number",
            "NumberSet",
            "StringSet",
        ],
        dependencies: &[
            ("serde", r#"{ version = "1", features = ["derive"] }"#),
            ("thiserror", r#""2""#),
            ("tokio", r#"{ version = "1", features = ["time"] }"#),
            ("tracing", r#""0.1""#),
        ],
        resources: None,
        requires: &[
            "BatchWriteItem",
            "DeleteItem",
            "PutItem",
            "Query",
            "Scan",
            "UpdateItem",
        ],
    },
    Customization {
        service: "ec2",
        resources: Some(crate::resources::ec2_create_tags),
        ..Customization::NONE
    },
    Customization {
        service: "s3",
        files: custom_files!("s3": "mod.rs"),
        resource_files: custom_files!("s3": "resource.rs"),
        reexports: &[
            "CancellationToken",
            "Copy",
            "Download",
            "Progress",
            "TransferConfig",
            "TransferError",
            "TransferOutput",
            "Upload",
        ],
        dependencies: &[("tokio", r#"{ version = "1", features = ["io-util"] }"#)],
        resources: Some(crate::resources::s3_bucket_load),
        // The managed transfers of `runtime/src/transfer.rs`.
        requires: &[
            "AbortMultipartUpload",
            "CompleteMultipartUpload",
            "CopyObject",
            "CreateMultipartUpload",
            "GetObject",
            "HeadObject",
            "PutObject",
            "UploadPart",
            "UploadPartCopy",
        ],
    },
];

/// The customizations of `service`, whatever is generated.
pub fn find(service: &str) -> Option<&'static Customization> {
    CUSTOMIZATIONS.iter().find(|c| c.service == service)
}

/// The customizations of `service`, if it has any. They build on the client,
/// so a crate generated without one gets none, nor one generated without
/// an operation they need.
pub fn for_service(service: &str, options: &Options) -> Option<&'static Customization> {
    find(service).filter(|c| {
        options.client && !c.files.is_empty() && c.requires.iter().all(|op| options.keeps(op))
    })
}

/// The `src/custom/*.rs` files of `service`'s crate.
pub fn files(service: &str, options: &Options, resources: bool) -> Vec<File> {
    let Some(custom) = for_service(service, options) else {
        return Vec::new();
    };
    let extra: &[_] = if resources {
        custom.resource_files
    } else {
        &[]
    };
    let mut out: Vec<File> = custom
        .files
        .iter()
        .chain(extra)
        .map(|(name, text)| File {
            path: format!("src/custom/{name}"),
            contents: format!(
                "{HEADER}\n// Copied from codegen/customizations/{service}/{name}: edit that file.\n\n{text}"
            ),
        })
        .collect();
    for (name, _) in extra {
        let stem = name.trim_end_matches(".rs");
        out[0]
            .contents
            .push_str(&format!("\n// Extends the resource types.\nmod {stem};\n"));
    }
    out
}

/// Lines of the crate root: the module and its re-exports.
pub fn lib_rs_items(service: &str, options: &Options) -> proc_macro2::TokenStream {
    let Some(custom) = for_service(service, options) else {
        return proc_macro2::TokenStream::new();
    };
    let names = custom
        .reexports
        .iter()
        .map(|n| proc_macro2::Ident::new(n, proc_macro2::Span::call_site()));
    // One `use` per item, in rustfmt's order (see `reexports_are_sorted`), so
    // `cargo fmt --check` agrees with prettyplease's layout of the crate root.
    quote::quote! {
        /// Hand-written additions to the generated API (not from the model).
        pub mod custom;
        #(pub use custom::#names;)*
    }
}

/// `[dependencies]` lines the customizations add to `Cargo.toml`.
pub fn cargo_dependencies(service: &str, options: &Options) -> String {
    let Some(custom) = for_service(service, options) else {
        return String::new();
    };
    custom
        .dependencies
        .iter()
        .map(|(name, spec)| match options.runtime_dep {
            RuntimeDep::Workspace => format!("{name}.workspace = true\n"),
            RuntimeDep::Path(_) | RuntimeDep::Version(_) => format!("{name} = {spec}\n"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_carry_the_header_and_their_source() {
        let options = Options::default();
        let dynamodb = files("dynamodb", &options, false);
        assert_eq!(dynamodb[0].path, "src/custom/mod.rs");
        for f in &dynamodb {
            assert!(f.contents.starts_with(HEADER), "{}", f.path);
            let name = f.path.trim_start_matches("src/custom/");
            assert!(f
                .contents
                .contains(&format!("codegen/customizations/dynamodb/{name}")));
        }
        assert!(files("iam", &options, false).is_empty());
        let types_only = Options {
            client: false,
            ..Options::default()
        };
        assert!(files("dynamodb", &types_only, false).is_empty());
    }

    #[test]
    fn dependencies_follow_the_runtime_dependency() {
        let ws = Options {
            runtime_dep: RuntimeDep::Workspace,
            ..Options::default()
        };
        assert!(cargo_dependencies("dynamodb", &ws).contains("serde.workspace = true\n"));
        let path = cargo_dependencies("dynamodb", &Options::default());
        assert!(path.contains("serde = { version = \"1\", features = [\"derive\"] }\n"));
        assert!(cargo_dependencies("iam", &ws).is_empty());
    }

    /// rustfmt (style edition 2021) sorts `use` items snake_case names first,
    /// then CamelCase ones, each alphabetically.
    #[test]
    fn reexports_are_sorted() {
        for custom in CUSTOMIZATIONS {
            let key = |n: &&str| {
                (
                    n.starts_with(|c: char| c.is_ascii_uppercase()),
                    n.to_string(),
                )
            };
            let mut sorted = custom.reexports.to_vec();
            sorted.sort_by_key(key);
            assert_eq!(custom.reexports, sorted, "{}", custom.service);
        }
    }

    #[test]
    fn reexports_are_defined_in_mod_rs() {
        for custom in CUSTOMIZATIONS.iter().filter(|c| !c.files.is_empty()) {
            let mod_rs = custom.files[0].1;
            for name in custom.reexports {
                assert!(mod_rs.contains(name), "{}: {name}", custom.service);
            }
        }
    }
}
