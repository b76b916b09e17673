//! Schemas for unit tests: the vendored models (and the installed botocore's
//! for services not vendored), lowered with their endpoint rule sets as the
//! dynamic path lowers them, once per test process.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::dynamic::build_service;
use crate::schema::Service;

fn load(models: &Path, name: &'static str) -> &'static Service {
    static CACHE: OnceLock<Mutex<Vec<(PathBuf, &'static Service)>>> = OnceLock::new();
    let dir = models.join(name);
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    if let Some((_, s)) = cache.iter().find(|(d, _)| *d == dir) {
        return s;
    }
    let files = crate::model_files::ServiceFiles::load(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let s = build_service(name, &files.model).unwrap();
    cache.push((dir, s));
    s
}

/// A vendored service (`models/<name>`).
pub fn vendored(name: &'static str) -> &'static Service {
    load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"),
        name,
    )
}

/// A service of the installed botocore's data folder (not vendored).
pub fn botocore(name: &'static str) -> &'static Service {
    let python = std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into());
    let data = crate::model_files::botocore_data(&python).unwrap_or_else(|e| panic!("{e}"));
    load(&data, name)
}
