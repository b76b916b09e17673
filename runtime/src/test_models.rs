//! Schemas for unit tests: the vendored models (and the installed botocore's
//! for services not vendored), lowered with their endpoint rule sets as the
//! dynamic path lowers them, once per test process.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::dynamic::build_service;
use crate::model::ServiceModel;
use crate::schema::Service;

/// `dir/name`, or `dir/name.gz` decompressed.
fn read(dir: &Path, name: &str) -> Option<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
        return Some(text);
    }
    let file = std::fs::File::open(dir.join(format!("{name}.gz"))).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

fn load(models: &Path, name: &'static str) -> &'static Service {
    static CACHE: OnceLock<Mutex<Vec<(PathBuf, &'static Service)>>> = OnceLock::new();
    let dir = models.join(name);
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    if let Some((_, s)) = cache.iter().find(|(d, _)| *d == dir) {
        return s;
    }
    let version = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| read(p, "service-2.json").is_some())
        .max()
        .unwrap_or_else(|| panic!("{}: no service-2.json", dir.display()));
    let text = read(&version, "service-2.json").unwrap();
    let mut model = ServiceModel::from_json(&text).unwrap();
    model.endpoint_rules = read(&version, "endpoint-rule-set-1.json");
    let s = build_service(name, &model).unwrap();
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
    let out = std::process::Command::new(
        std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into()),
    )
    .args([
        "-c",
        "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))",
    ])
    .output()
    .expect("python3 with botocore: run `cargo xtask test`, which installs it");
    let data = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    load(&data, name)
}
