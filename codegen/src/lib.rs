//! Generates boto-rs service crates from botocore JSON models.
//!
//! Pipeline: [`load`] a `service-2.json`, [`ir::lower`] it (validating and
//! settling every name), then [`emit`] the crate's files, formatted with
//! prettyplease. Generation is deterministic: same model, same bytes.

pub mod customizations;
pub mod docs;
pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod naming;
pub mod paginators;
pub mod resources;
pub mod subset;
pub mod waiters;

use boto_runtime::model::ServiceModel;

pub use emit::{File, Options, RuntimeDep, HEADER};
pub use error::{CodegenError, Result};

/// Generates the files of the crate for `service` (botocore's folder name).
pub fn generate(service: &str, model: &ServiceModel, options: &Options) -> Result<Vec<File>> {
    generate_with(service, model, Extras::default(), options)
}

/// What a crate is generated from besides `service-2.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    pub paginators: Option<&'a paginators::PaginatorsModel>,
    pub waiters: Option<&'a waiters::WaitersModel>,
    pub resources: Option<&'a resources::ResourcesModel>,
}

/// [`generate`], with the service's other model files.
pub fn generate_with(
    service: &str,
    model: &ServiceModel,
    extras: Extras<'_>,
    options: &Options,
) -> Result<Vec<File>> {
    // The runtime's model customizations (S3's `ExpiresString`, …), as the
    // dynamic path applies them: generated and dynamic schemas stay one.
    let mut model = boto_runtime::customize::patch_model(service, model);
    let mut dropped = Vec::new();
    let (mut paginators, mut waiters) = (extras.paginators.cloned(), extras.waiters.cloned());
    if let Some(keep) = &options.operations {
        if let Some(missing) = keep.iter().find(|op| !model.operations.contains_key(*op)) {
            return Err(CodegenError::model(
                service,
                None,
                None,
                format!("--operations names {missing}, which the model does not have"),
            ));
        }
        let left_out: Vec<&str> = model
            .operations
            .keys()
            .filter(|op| !keep.contains(*op))
            .map(String::as_str)
            .collect();
        if !left_out.is_empty() {
            dropped.push(format!(
                "{} operations: {}",
                left_out.len(),
                left_out.join(", ")
            ));
        }
        model.to_mut().operations.retain(|op, _| keep.contains(op));
        let mut left_out = Vec::new();
        if let Some(p) = &mut paginators {
            p.pagination.retain(|op, _| {
                let kept = keep.contains(op);
                if !kept {
                    left_out.push(op.clone());
                }
                kept
            });
        }
        if !left_out.is_empty() {
            dropped.push(format!("the paginators of {}", left_out.join(", ")));
        }
        let mut left_out = Vec::new();
        if let Some(w) = &mut waiters {
            w.waiters.retain(|name, w| {
                let kept = keep.contains(&w.operation);
                if !kept {
                    left_out.push(format!("{name} (polls {})", w.operation));
                }
                kept
            });
        }
        if !left_out.is_empty() {
            dropped.push(format!("the waiters {}", left_out.join(", ")));
        }
        if let Some(c) = customizations::find(service).filter(|c| !c.files.is_empty()) {
            if let Some(op) = c.requires.iter().find(|op| !keep.contains(**op)) {
                dropped.push(format!("the hand-written `custom` module (it needs {op})"));
            }
        }
    }
    let mut ir = ir::lower(service, &model)?;
    ir.paginators = paginators::lower(&ir, paginators.as_ref())?;
    if let Some(waiters) = &waiters {
        ir.waiters = waiters::lower(&ir, waiters)?;
    }
    if let Some(resources) = extras.resources {
        let filtered = options.operations.is_some();
        ir.resources = Some(resources::lower(
            &ir,
            resources,
            filtered.then_some(&mut dropped),
        )?);
    }
    ir.dropped = dropped;
    emit::crate_files(&ir, options)
}

/// Generates the crate of a service folder [`load::load_service`] read,
/// with its paginators and waiters.
pub fn generate_loaded(loaded: &load::LoadedModel, options: &Options) -> Result<Vec<File>> {
    let extras = Extras {
        paginators: loaded.paginators.as_ref(),
        waiters: loaded.waiters.as_ref(),
        resources: loaded.resources.as_ref(),
    };
    generate_with(&loaded.service, &loaded.model, extras, options)
}
