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
    let model = boto_runtime::customize::patch_model(service, model);
    let mut ir = ir::lower(service, &model)?;
    ir.paginators = paginators::lower(&ir, extras.paginators)?;
    if let Some(waiters) = extras.waiters {
        ir.waiters = waiters::lower(&ir, waiters)?;
    }
    if let Some(resources) = extras.resources {
        ir.resources = Some(resources::lower(&ir, resources)?);
    }
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
