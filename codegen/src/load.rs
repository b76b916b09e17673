//! Finding and reading model files: `<models>/<service>/<api-version>/service-2.json`,
//! plain or gzipped (botocore's own data folder ships `.json.gz`).

use std::io::Read;
use std::path::{Path, PathBuf};

use boto_runtime::model::ServiceModel;

use crate::error::{CodegenError, Result};

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
    let io = |source| CodegenError::Io {
        path: models.to_owned(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(models).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_dir() {
            if let Some(name) = entry.file_name().to_str() {
                if newest_version_dir(&entry.path()).is_ok() {
                    out.push(name.to_owned());
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The newest api-version folder holding a `service-2.json[.gz]`.
pub fn newest_version_dir(service_dir: &Path) -> Result<PathBuf> {
    let io = |source| CodegenError::Io {
        path: service_dir.to_owned(),
        source,
    };
    let mut versions = Vec::new();
    for entry in std::fs::read_dir(service_dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if find_file(&path, "service-2.json").is_some() {
            versions.push(path);
        }
    }
    // api-versions are dates (`2010-05-08`), so the greatest name is the newest.
    versions.sort();
    versions.pop().ok_or_else(|| CodegenError::NoModel {
        path: service_dir.to_owned(),
    })
}

/// `dir/name` or `dir/name.gz`, whichever exists.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = dir.join(name);
    if plain.is_file() {
        return Some(plain);
    }
    let gz = dir.join(format!("{name}.gz"));
    gz.is_file().then_some(gz)
}

/// Reads a possibly gzipped text file.
pub fn read_text(path: &Path) -> Result<String> {
    let io = |source| CodegenError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .map_err(io)?;
        Ok(text)
    } else {
        String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
    }
}

/// `dir/name[.gz]` parsed as JSON, or `None` when the folder has no such file.
pub fn optional_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<Option<T>> {
    let Some(path) = find_file(dir, name) else {
        return Ok(None);
    };
    let text = read_text(&path)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| CodegenError::Json { path, source })
}

/// Loads the newest model of `<models>/<service>`.
pub fn load_service(models: &Path, service: &str) -> Result<LoadedModel> {
    let dir = newest_version_dir(&models.join(service))?;
    let path = find_file(&dir, "service-2.json")
        .ok_or_else(|| CodegenError::NoModel { path: dir.clone() })?;
    let text = read_text(&path)?;
    let mut model = ServiceModel::from_json(&text).map_err(|source| CodegenError::Json {
        path: path.clone(),
        source,
    })?;
    model.endpoint_rules = endpoint_rules(&dir)?;
    let waiters = crate::waiters::load(&dir)?;
    let paginators = crate::paginators::load(&dir)?;
    let resources = crate::resources::load(&dir)?;
    Ok(LoadedModel {
        service: service.to_owned(),
        api_version_dir: dir,
        model,
        waiters,
        paginators,
        resources,
    })
}

/// The folder's `endpoint-rule-set-1.json[.gz]`, re-serialized without
/// whitespace (key order kept): the text generated crates embed.
pub fn endpoint_rules(dir: &Path) -> Result<Option<String>> {
    let Some(path) = find_file(dir, "endpoint-rule-set-1.json") else {
        return Ok(None);
    };
    let value: serde_json::Value = serde_json::from_str(&read_text(&path)?)
        .map_err(|source| CodegenError::Json { path, source })?;
    Ok(Some(value.to_string()))
}
