//! `cargo xtask models import [--from DIR]... [--botocore-version V] [--boto3-version V] [SERVICE...]`
//!
//! Vendors model files from installed botocore / boto3 `data/` folders into `models/`:
//! `models/<service>/<api-version>/{service-2,paginators-1,waiters-2,endpoint-rule-set-1,resources-1}.json`
//! (newest api version only, decompressed, with botocore's `*.sdk-extras.json` merged in the way
//! botocore's loader merges them), the shared `partitions.json`, `_retry.json` and
//! `sdk-default-configuration.json`, a deterministic `models/manifest.json` and `models/NOTICE`.
//!
//! Without `--from`, the folders of the `botocore` and `boto3` packages that `python3` imports are
//! used. Without services, every service already in the manifest is imported again.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Per-service files taken from botocore, in the order they are looked for.
const BOTOCORE_FILES: &[(&str, bool)] = &[
    ("service-2", true),
    ("paginators-1", false),
    ("waiters-2", false),
    ("endpoint-rule-set-1", true),
];

/// Service-independent files at the top of botocore's data folder.
const SHARED_FILES: &[&str] = &[
    "partitions.json",
    "_retry.json",
    "sdk-default-configuration.json",
];

const USAGE: &str = "usage: cargo xtask models import [--from DIR]... [--botocore-version V] \
                     [--boto3-version V] [--models DIR] [SERVICE...]";

pub fn run(args: &[String]) -> Result<()> {
    match args.split_first() {
        Some((cmd, rest)) if cmd == "import" => import(&ImportArgs::parse(rest)?),
        _ => bail!("{USAGE}"),
    }
}

#[derive(Debug, Default)]
struct ImportArgs {
    from: Vec<PathBuf>,
    botocore_version: Option<String>,
    boto3_version: Option<String>,
    models: Option<PathBuf>,
    services: Vec<String>,
}

impl ImportArgs {
    fn parse(args: &[String]) -> Result<Self> {
        let mut out = ImportArgs::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .with_context(|| format!("{name} needs a value; {USAGE}"))
            };
            match arg.as_str() {
                "--from" => out.from.push(PathBuf::from(value("--from")?)),
                "--botocore-version" => out.botocore_version = Some(value("--botocore-version")?),
                "--boto3-version" => out.boto3_version = Some(value("--boto3-version")?),
                "--models" => out.models = Some(PathBuf::from(value("--models")?)),
                flag if flag.starts_with('-') => bail!("unknown option {flag:?}; {USAGE}"),
                service => out.services.push(service.to_string()),
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Package {
    Botocore,
    Boto3,
}

impl Package {
    fn name(self) -> &'static str {
        match self {
            Package::Botocore => "botocore",
            Package::Boto3 => "boto3",
        }
    }
}

/// One `data/` folder given with `--from`.
#[derive(Debug)]
struct Source {
    dir: PathBuf,
    package: Package,
    /// Read from the package's `__init__.py` next to the data folder, when there is one.
    version: Option<String>,
}

impl Source {
    fn open(dir: &Path) -> Result<Source> {
        if !dir.is_dir() {
            bail!("--from {}: not a folder", dir.display());
        }
        let parent = dir.parent().map(Path::to_path_buf).unwrap_or_default();
        let parent_name = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // botocore's data folder holds the shared partitions file; boto3's holds only resources.
        let package = match parent_name {
            "botocore" => Package::Botocore,
            "boto3" => Package::Boto3,
            _ if dir.join("partitions.json").is_file() => Package::Botocore,
            _ => Package::Boto3,
        };
        let version = read_version(&parent)?;
        Ok(Source {
            dir: dir.to_path_buf(),
            package,
            version,
        })
    }
}

/// `__version__ = '1.2.3'` from `<package>/__init__.py`, or the first line of `<package>/VERSION`.
fn read_version(package_dir: &Path) -> Result<Option<String>> {
    let init = package_dir.join("__init__.py");
    if init.is_file() {
        let text =
            fs::read_to_string(&init).with_context(|| format!("reading {}", init.display()))?;
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("__version__") {
                let v = rest.trim_start().trim_start_matches('=').trim();
                let v = v.trim_matches(|c| c == '\'' || c == '"');
                if !v.is_empty() {
                    return Ok(Some(v.to_string()));
                }
            }
        }
    }
    let file = package_dir.join("VERSION");
    if file.is_file() {
        let text =
            fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        if let Some(v) = text.lines().next().map(str::trim).filter(|v| !v.is_empty()) {
            return Ok(Some(v.to_string()));
        }
    }
    Ok(None)
}

/// The data folders of the botocore and boto3 packages that `python3` imports.
fn installed_sources() -> Result<Vec<PathBuf>> {
    let script = "import os, botocore, boto3\n\
                  for m in (botocore, boto3): print(os.path.join(os.path.dirname(m.__file__), 'data'))";
    let out = Command::new("python3")
        .args(["-c", script])
        .output()
        .context("running python3 to find the installed botocore and boto3 (or pass --from DIR)")?;
    if !out.status.success() {
        bail!(
            "python3 could not import botocore and boto3 (pass --from DIR instead): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect())
}

fn import(args: &ImportArgs) -> Result<()> {
    let models = args
        .models
        .clone()
        .unwrap_or_else(|| crate::root().join("models"));
    let manifest_path = models.join("manifest.json");
    let old = if manifest_path.is_file() {
        Some(Manifest::read(&manifest_path)?)
    } else {
        None
    };

    let dirs = if args.from.is_empty() {
        installed_sources()?
    } else {
        args.from.clone()
    };
    let sources = dirs
        .iter()
        .map(|d| Source::open(d))
        .collect::<Result<Vec<_>>>()?;
    let of = |p: Package| sources.iter().filter(move |s| s.package == p);
    if of(Package::Botocore).next().is_none() {
        bail!(
            "no botocore data folder among --from {}: give the folder holding partitions.json \
             and one folder per service (botocore/data)",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    let mut manifest = old.clone().unwrap_or_default();
    manifest.botocore = pick_version(
        Package::Botocore,
        &args.botocore_version,
        of(Package::Botocore),
    )?;
    if of(Package::Boto3).next().is_some() {
        manifest.boto3 = Some(pick_version(
            Package::Boto3,
            &args.boto3_version,
            of(Package::Boto3),
        )?);
    } else {
        eprintln!("note: no boto3 data folder given; resources-1.json files are not imported");
    }

    let services: Vec<String> = if args.services.is_empty() {
        let known: Vec<String> = old
            .map(|m| m.services.into_keys().collect())
            .unwrap_or_default();
        if known.is_empty() {
            bail!(
                "no services named and {} lists none; {USAGE}",
                manifest_path.display()
            );
        }
        known
    } else {
        args.services.clone()
    };

    // Find every service before writing anything, so a typo leaves models/ untouched.
    for service in &services {
        find_service_dir(service, of(Package::Botocore))?;
    }

    fs::create_dir_all(&models).with_context(|| format!("creating {}", models.display()))?;
    manifest.shared.clear();
    for name in SHARED_FILES {
        let (path, bytes) = find_shared(name, of(Package::Botocore))?;
        let hash = write_json(&models.join(name), &bytes, &path)?;
        manifest.shared.insert(name.to_string(), hash);
    }

    for service in &services {
        let entry = import_service(service, &models, of(Package::Botocore), of(Package::Boto3))
            .with_context(|| format!("importing service {service:?}"))?;
        println!(
            "{service}: {} ({} files)",
            entry.api_version,
            entry.files.len()
        );
        manifest.services.insert(service.clone(), entry);
    }

    manifest.write(&manifest_path)?;
    write_notice(&models.join("NOTICE"), &manifest)?;
    println!("wrote {}", manifest_path.display());
    Ok(())
}

/// The version given on the command line, else the one every folder of that package agrees on.
fn pick_version<'a>(
    package: Package,
    given: &Option<String>,
    sources: impl Iterator<Item = &'a Source>,
) -> Result<String> {
    if let Some(v) = given {
        return Ok(v.clone());
    }
    let mut found: Option<&str> = None;
    for s in sources {
        match (found, s.version.as_deref()) {
            (_, None) => bail!(
                "cannot tell the {} version of {} (no __init__.py or VERSION beside it): pass --{}-version",
                package.name(),
                s.dir.display(),
                package.name()
            ),
            (Some(a), Some(b)) if a != b => {
                bail!("--from folders disagree on the {} version: {a} vs {b}", package.name())
            }
            (_, Some(b)) => found = Some(b),
        }
    }
    found
        .map(str::to_string)
        .with_context(|| format!("no {} folder given", package.name()))
}

fn find_shared<'a>(
    name: &str,
    sources: impl Iterator<Item = &'a Source>,
) -> Result<(PathBuf, Vec<u8>)> {
    let mut looked = Vec::new();
    for s in sources {
        let stem = name.trim_end_matches(".json");
        if let Some(found) = read_maybe_gz(&s.dir, stem)? {
            return Ok(found);
        }
        looked.push(s.dir.join(name).display().to_string());
    }
    bail!(
        "shared file {name} not found; looked at {}",
        looked.join(", ")
    )
}

fn import_service<'a>(
    service: &str,
    models: &Path,
    botocore: impl Iterator<Item = &'a Source>,
    boto3: impl Iterator<Item = &'a Source>,
) -> Result<ServiceEntry> {
    let service_dir = find_service_dir(service, botocore)?;
    let api_version = newest_api_version(&service_dir)?;
    let version_dir = service_dir.join(&api_version);

    // Replace the whole service folder: older api versions and stale files go away.
    let out_service = models.join(service);
    if out_service.exists() {
        fs::remove_dir_all(&out_service)
            .with_context(|| format!("removing {}", out_service.display()))?;
    }
    let out_dir = out_service.join(&api_version);
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    let mut entry = ServiceEntry {
        api_version: api_version.clone(),
        ..ServiceEntry::default()
    };
    for &(stem, required) in BOTOCORE_FILES {
        let Some((path, bytes)) = read_maybe_gz(&version_dir, stem)? else {
            if required {
                bail!("{stem}.json(.gz) missing in {}", version_dir.display());
            }
            continue;
        };
        let extras = version_dir.join(format!("{stem}.sdk-extras.json"));
        let (bytes, path) = if extras.is_file() {
            entry
                .sdk_extras_merged
                .push(format!("{stem}.sdk-extras.json"));
            (merge_extras(&bytes, &path, &extras)?, path)
        } else {
            (bytes, path)
        };
        let name = format!("{stem}.json");
        let hash = write_json(&out_dir.join(&name), &bytes, &path)?;
        entry.files.insert(name, hash);
    }

    for s in boto3 {
        let dir = s.dir.join(service);
        if !dir.is_dir() {
            continue;
        }
        let file = dir.join(&api_version).join("resources-1.json");
        if !file.is_file() {
            bail!(
                "boto3 has resources for {service:?} but not for api version {api_version} \
                 (looked at {}); botocore and boto3 folders do not match",
                file.display()
            );
        }
        let bytes = fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let hash = write_json(&out_dir.join("resources-1.json"), &bytes, &file)?;
        entry.files.insert("resources-1.json".to_string(), hash);
        break;
    }
    Ok(entry)
}

/// `<data>/<service>` in the first botocore folder that has it.
fn find_service_dir<'a>(
    service: &str,
    botocore: impl Iterator<Item = &'a Source>,
) -> Result<PathBuf> {
    if service.is_empty() || service.contains(['/', '\\']) || service.starts_with('.') {
        bail!("{service:?} is not a service name");
    }
    let mut looked = Vec::new();
    for s in botocore {
        let dir = s.dir.join(service);
        if dir.is_dir() {
            return Ok(dir);
        }
        looked.push(dir.display().to_string());
    }
    bail!(
        "no botocore model folder for {service:?}; looked at {}",
        looked.join(", ")
    )
}

/// The newest `YYYY-MM-DD` folder that holds a service model (dates sort as text).
fn newest_api_version(service_dir: &Path) -> Result<String> {
    let mut versions = Vec::new();
    for e in
        fs::read_dir(service_dir).with_context(|| format!("listing {}", service_dir.display()))?
    {
        let e = e.with_context(|| format!("listing {}", service_dir.display()))?;
        let p = e.path();
        let has_model = p.join("service-2.json").is_file() || p.join("service-2.json.gz").is_file();
        if let (true, Some(name)) = (has_model, e.file_name().to_str()) {
            versions.push(name.to_string());
        }
    }
    versions.sort();
    versions.pop().with_context(|| {
        format!(
            "no api version folder with service-2.json(.gz) in {}",
            service_dir.display()
        )
    })
}

/// Reads `<dir>/<stem>.json`, or decompresses `<dir>/<stem>.json.gz`.
fn read_maybe_gz(dir: &Path, stem: &str) -> Result<Option<(PathBuf, Vec<u8>)>> {
    let plain = dir.join(format!("{stem}.json"));
    if plain.is_file() {
        let bytes = fs::read(&plain).with_context(|| format!("reading {}", plain.display()))?;
        return Ok(Some((plain, bytes)));
    }
    let gz = dir.join(format!("{stem}.json.gz"));
    if gz.is_file() {
        let file = fs::File::open(&gz).with_context(|| format!("opening {}", gz.display()))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut bytes)
            .with_context(|| format!("decompressing {}", gz.display()))?;
        return Ok(Some((gz, bytes)));
    }
    Ok(None)
}

fn parse(bytes: &[u8], path: &Path) -> Result<Value> {
    serde_json::from_slice(bytes).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Applies `<stem>.sdk-extras.json`'s `merge` object the way botocore's loader does: objects
/// merge key by key, anything else replaces.
fn merge_extras(bytes: &[u8], path: &Path, extras: &Path) -> Result<Vec<u8>> {
    let mut base = parse(bytes, path)?;
    let extra_bytes = fs::read(extras).with_context(|| format!("reading {}", extras.display()))?;
    let extra = parse(&extra_bytes, extras)?;
    if let Some(merge) = extra.get("merge") {
        deep_merge(&mut base, merge);
    }
    let mut out = serde_json::to_vec_pretty(&base).context("serializing merged model")?;
    out.push(b'\n');
    Ok(out)
}

fn deep_merge(base: &mut Value, extra: &Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                match b.get_mut(k) {
                    Some(slot @ Value::Object(_)) if v.is_object() => deep_merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, e) => *b = e.clone(),
    }
}

/// Checks the bytes are JSON, writes them unchanged and returns their sha256 (hex).
fn write_json(dest: &Path, bytes: &[u8], from: &Path) -> Result<String> {
    parse(bytes, from)?;
    fs::write(dest, bytes).with_context(|| format!("writing {}", dest.display()))?;
    Ok(sha256_hex(bytes))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, Default)]
struct ServiceEntry {
    api_version: String,
    /// File name -> sha256 of the vendored (decompressed, merged) file.
    files: BTreeMap<String, String>,
    sdk_extras_merged: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Manifest {
    botocore: String,
    boto3: Option<String>,
    shared: BTreeMap<String, String>,
    services: BTreeMap<String, ServiceEntry>,
}

impl Manifest {
    fn read(path: &Path) -> Result<Manifest> {
        let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let v = parse(&bytes, path)?;
        let bad = |what: &str| anyhow::anyhow!("{}: {what}", path.display());
        let str_map = |v: Option<&Value>, what: &str| -> Result<BTreeMap<String, String>> {
            let mut out = BTreeMap::new();
            for (k, v) in v.and_then(Value::as_object).ok_or_else(|| bad(what))? {
                let s = v
                    .as_str()
                    .ok_or_else(|| bad(&format!("{what}.{k} is not a string")))?;
                out.insert(k.clone(), s.to_string());
            }
            Ok(out)
        };
        let version = |pkg: &str| {
            v.pointer(&format!("/{pkg}/version"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let mut services = BTreeMap::new();
        for (name, s) in v
            .get("services")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no services object"))?
        {
            let api_version = s
                .get("api_version")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(&format!("services.{name}.api_version missing")))?;
            let extras = s.get("sdk_extras_merged").and_then(Value::as_array);
            services.insert(
                name.clone(),
                ServiceEntry {
                    api_version: api_version.to_string(),
                    files: str_map(s.get("files"), &format!("services.{name}.files"))?,
                    sdk_extras_merged: extras
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.as_str().map(str::to_string))
                        .collect(),
                },
            );
        }
        Ok(Manifest {
            botocore: version("botocore").unwrap_or_default(),
            boto3: version("boto3"),
            shared: str_map(v.get("shared"), "shared")?,
            services,
        })
    }

    /// Keys are inserted in sorted order so the file is the same for the same inputs.
    fn to_json(&self) -> Value {
        let strings = |m: &BTreeMap<String, String>| -> Value {
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        };
        let version = |v: &str| {
            let mut m = Map::new();
            m.insert("version".into(), Value::String(v.to_string()));
            Value::Object(m)
        };
        let mut root = Map::new();
        if let Some(b) = &self.boto3 {
            root.insert("boto3".into(), version(b));
        }
        root.insert("botocore".into(), version(&self.botocore));
        let mut services = Map::new();
        for (name, s) in &self.services {
            let mut m = Map::new();
            m.insert("api_version".into(), Value::String(s.api_version.clone()));
            m.insert("files".into(), strings(&s.files));
            if !s.sdk_extras_merged.is_empty() {
                let mut extras = s.sdk_extras_merged.clone();
                extras.sort();
                m.insert(
                    "sdk_extras_merged".into(),
                    Value::Array(extras.into_iter().map(Value::String).collect()),
                );
            }
            services.insert(name.clone(), Value::Object(m));
        }
        root.insert("services".into(), Value::Object(services));
        root.insert("shared".into(), strings(&self.shared));
        Value::Object(root)
    }

    fn write(&self, path: &Path) -> Result<()> {
        let mut text =
            serde_json::to_string_pretty(&self.to_json()).context("serializing manifest")?;
        text.push('\n');
        fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }
}

fn write_notice(path: &Path, m: &Manifest) -> Result<()> {
    let mut text = format!(
        "The model files in this folder come from botocore {botocore}{boto3}, published by\n\
         Amazon Web Services under the Apache License, Version 2.0 (see LICENSE in this folder).\n\
         Service models are decompressed and botocore's sdk-extras are merged in; the files are\n\
         otherwise unchanged.\n\n\
         Botocore\n\
         Copyright 2012-2022 Amazon.com, Inc. or its affiliates. All Rights Reserved.\n",
        botocore = m.botocore,
        boto3 = m
            .boto3
            .as_ref()
            .map(|v| format!(" and boto3 {v}"))
            .unwrap_or_default(),
    );
    if m.boto3.is_some() {
        text.push_str("\nboto3\nCopyright 2013-2017 Amazon.com, Inc. or its affiliates. All Rights Reserved.\n");
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_merge_merges_objects_and_replaces_the_rest() {
        let mut base = serde_json::json!({"a": {"x": 1, "y": [1]}, "b": 2});
        deep_merge(
            &mut base,
            &serde_json::json!({"a": {"y": [2], "z": 3}, "b": {"n": 1}}),
        );
        assert_eq!(
            base,
            serde_json::json!({"a": {"x": 1, "y": [2], "z": 3}, "b": {"n": 1}})
        );
    }

    #[test]
    fn manifest_round_trips() {
        let mut m = Manifest {
            botocore: "1.0".into(),
            boto3: Some("2.0".into()),
            ..Manifest::default()
        };
        m.shared.insert("_retry.json".into(), "ab".into());
        let mut files = BTreeMap::new();
        files.insert("service-2.json".into(), "cd".into());
        m.services.insert(
            "s3".into(),
            ServiceEntry {
                api_version: "2006-03-01".into(),
                files,
                sdk_extras_merged: vec!["service-2.sdk-extras.json".into()],
            },
        );
        let dir = std::env::temp_dir().join(format!("xtask-manifest-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("manifest.json");
        m.write(&path).unwrap();
        let back = Manifest::read(&path).unwrap();
        assert_eq!(back.to_json(), m.to_json());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_version_from_init_py() {
        let dir = std::env::temp_dir().join(format!("xtask-version-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("__init__.py"),
            "import os\n__version__ = '1.43.11'\n",
        )
        .unwrap();
        assert_eq!(read_version(&dir).unwrap().as_deref(), Some("1.43.11"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
