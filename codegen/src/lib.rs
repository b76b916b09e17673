//! Generates boto-rs service crates from botocore JSON models.
//!
//! Pipeline: [`load`] a `service-2.json`, [`ir::lower`] it (validating and
//! settling every name), then [`emit`] the crate's files, formatted with
//! prettyplease. Generation is deterministic: same model, same bytes.

pub mod docs;
pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod naming;
pub mod waiters;

use boto_runtime::model::ServiceModel;

pub use emit::{File, Options, RuntimeDep, HEADER};
pub use error::{CodegenError, Result};

/// Generates the files of the crate for `service` (botocore's folder name).
pub fn generate(service: &str, model: &ServiceModel, options: &Options) -> Result<Vec<File>> {
    let ir = ir::lower(service, model)?;
    emit::crate_files(&ir, options)
}

/// Generates the crate of a loaded model folder, with its waiters.
pub fn generate_loaded(loaded: &load::LoadedModel, options: &Options) -> Result<Vec<File>> {
    let mut ir = ir::lower(&loaded.service, &loaded.model)?;
    if let Some(waiters) = &loaded.waiters {
        ir.waiters = waiters::lower(&ir, waiters)?;
    }
    emit::crate_files(&ir, options)
}
