//! Finding and reading model files: `<models>/<service>/<api-version>/service-2.json`,
//! plain or gzipped (botocore's own data folder ships `.json.gz`).

use std::path::{Path, PathBuf};

use boto_runtime::model::ServiceModel;
use boto_runtime::model_files as files;

use crate::error::Result;

/// A service folder's newest model.
#[derive(Debug)]
pub struct LoadedModel {
    /// The folder name (`iam`, `cognito-idp`).
    pub service: String,
    pub api_version_dir: PathBuf,
    pub model: ServiceModel,
    /// `waiters-2.json`, when the folder has one.
    pub waiters: Option<crate::waiters::WaitersModel>,
    /// `paginators-1.json`, when the folder has one.
    pub paginators: Option<crate::paginators::PaginatorsModel>,
    /// boto3's `resources-1.json`, when the folder has one.
    pub resources: Option<crate::resources::ResourcesModel>,
}

/// The service folders of a models directory, sorted.
pub fn list_services(models: &Path) -> Result<Vec<String>> {
    Ok(files::list_services(models)?)
}

/// The newest api-version folder holding a `service-2.json[.gz]`.
pub fn newest_version_dir(service_dir: &Path) -> Result<PathBuf> {
    Ok(files::newest_version_dir(service_dir)?)
}

/// `dir/name` or `dir/name.gz`, whichever exists.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    files::find_file(dir, name)
}

/// Reads a possibly gzipped text file.
pub fn read_text(path: &Path) -> Result<String> {
    Ok(files::read_text(path)?)
}

/// `dir/name[.gz]` parsed as JSON, or `None` when the folder has no such file.
pub fn optional_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<Option<T>> {
    Ok(files::optional_json(dir, name)?)
}

/// Loads the newest model of `<models>/<service>`.
pub fn load_service(models: &Path, service: &str) -> Result<LoadedModel> {
    let files = files::ServiceFiles::load(&models.join(service))?;
    let resources = crate::resources::load(&files.dir)?;
    Ok(LoadedModel {
        service: service.to_owned(),
        api_version_dir: files.dir,
        model: files.model,
        waiters: files.waiters,
        paginators: files.paginators,
        resources,
    })
}

/// The folder's `endpoint-rule-set-1.json[.gz]`, re-serialized without
/// whitespace (key order kept): the text generated crates embed.
pub fn endpoint_rules(dir: &Path) -> Result<Option<String>> {
    Ok(files::endpoint_rules(dir)?)
}
