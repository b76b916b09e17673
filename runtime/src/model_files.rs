//! Finding and reading botocore's model files:
//! `<models>/<service>/<api-version>/service-2.json`, plain or gzipped
//! (botocore's own data folder ships `.json.gz`). The one loader of the
//! generator, the dynamic client and the runtime's tests.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::{PaginatorsModel, ServiceModel, WaitersModel};

/// A model file that cannot be found or read.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// Reading a file or folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A file is not the JSON its name says.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where the JSON does not fit.
        source: serde_json::Error,
    },
    /// A service folder without any `<api-version>/service-2.json[.gz]`.
    #[error("{}: no <api-version>/service-2.json[.gz] in this folder", path.display())]
    NoModel {
        /// The service folder.
        path: PathBuf,
    },
    /// The installed botocore's `data` folder could not be found.
    #[error(
        "botocore's data folder: {reason}; install botocore (`{python} -m pip install botocore`) \
         or set BOTO_PYTHON to a Python that has it"
    )]
    NoBotocore {
        /// The Python command asked.
        python: String,
        /// What went wrong.
        reason: String,
    },
}

/// The `data` folder of the botocore that `python` imports, asked once per
/// process and command: where the dynamic client, the tests and
/// `bench check-all` find every service's model.
pub fn botocore_data(python: &str) -> Result<PathBuf, ModelFileError> {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, OnceLock};
    static FOUND: OnceLock<Mutex<BTreeMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    let ask = || -> Result<PathBuf, String> {
        let out = std::process::Command::new(python)
            .args([
                "-c",
                "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))",
            ])
            .output()
            .map_err(|e| format!("cannot run {python}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{python} cannot import botocore: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.is_dir() {
            Ok(dir)
        } else {
            Err(format!("{} is not a folder", dir.display()))
        }
    };
    let found = match FOUND.get_or_init(Default::default).lock() {
        Ok(mut cache) => cache.entry(python.to_owned()).or_insert_with(ask).clone(),
        Err(_) => ask(),
    };
    found.map_err(|reason| ModelFileError::NoBotocore {
        python: python.to_owned(),
        reason,
    })
}

/// The files of one service's api-version folder that the runtime reads.
#[derive(Debug, Clone)]
pub struct ServiceFiles {
    /// The api-version folder (`models/iam/2010-05-08`).
    pub dir: PathBuf,
    /// `service-2.json`, with `endpoint-rule-set-1.json` in `endpoint_rules`.
    pub model: ServiceModel,
    /// `paginators-1.json`, when the folder has one.
    pub paginators: Option<PaginatorsModel>,
    /// `waiters-2.json`, when the folder has one.
    pub waiters: Option<WaitersModel>,
}

impl ServiceFiles {
    /// Reads the newest api-version of the service folder `service_dir`.
    pub fn load(service_dir: &Path) -> Result<ServiceFiles, ModelFileError> {
        let dir = newest_version_dir(service_dir)?;
        let path = find_file(&dir, "service-2.json")
            .ok_or_else(|| ModelFileError::NoModel { path: dir.clone() })?;
        let text = read_text(&path)?;
        let mut model = ServiceModel::from_json(&text)
            .map_err(|source| ModelFileError::Json { path, source })?;
        model.endpoint_rules = endpoint_rules(&dir)?;
        let paginators = optional_json(&dir, "paginators-1.json")?;
        let waiters = optional_json(&dir, "waiters-2.json")?;
        Ok(ServiceFiles {
            dir,
            model,
            paginators,
            waiters,
        })
    }
}

/// The service folders of a models directory, sorted.
pub fn list_services(models: &Path) -> Result<Vec<String>, ModelFileError> {
    let io = |source| ModelFileError::Io {
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
pub fn newest_version_dir(service_dir: &Path) -> Result<PathBuf, ModelFileError> {
    let io = |source| ModelFileError::Io {
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
    versions.pop().ok_or_else(|| ModelFileError::NoModel {
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
pub fn read_text(path: &Path) -> Result<String, ModelFileError> {
    let io = |source| ModelFileError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .map_err(io)?;
        Ok(text)
    } else {
        String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
    }
}

/// `dir/name[.gz]` parsed as JSON, or `None` when the folder has no such file.
pub fn optional_json<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
) -> Result<Option<T>, ModelFileError> {
    let Some(path) = find_file(dir, name) else {
        return Ok(None);
    };
    let text = read_text(&path)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| ModelFileError::Json { path, source })
}

/// The folder's `endpoint-rule-set-1.json[.gz]`, re-serialized without
/// whitespace (key order kept): the text generated crates embed.
pub fn endpoint_rules(dir: &Path) -> Result<Option<String>, ModelFileError> {
    let Some(path) = find_file(dir, "endpoint-rule-set-1.json") else {
        return Ok(None);
    };
    let value: serde_json::Value = serde_json::from_str(&read_text(&path)?)
        .map_err(|source| ModelFileError::Json { path, source })?;
    Ok(Some(value.to_string()))
}
