//! `cargo xtask codegen [--service NAME]... [--models DIR] [--out DIR] [--check]
//! [--operations OP,OP...]`
//!
//! Generates one crate per service into `<out>/<service>/` (default
//! `generated/`) from `<models>/<service>/<newest api-version>/service-2.json`
//! (default `models/`). Only files whose contents changed are written, so
//! regenerating does not dirty cargo's build cache. `--check` writes nothing
//! and fails listing every stale file. `--operations` (with one service)
//! generates only those operations and what they need (`Options::operations`);
//! `--runtime-version X` writes crates to publish, depending on
//! `boto-runtime = "X"` from a registry instead of a path.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use boto_codegen::{load, File, Options, RuntimeDep, HEADER};

const USAGE: &str =
    "usage: cargo xtask codegen [--service NAME|all]... [--models DIR] [--out DIR] \
     [--check] [--operations OP,OP... (with one --service and an --out)] \
     [--runtime-version X (with an --out)]";

#[derive(Debug)]
struct Args {
    services: Vec<String>,
    models: PathBuf,
    out: PathBuf,
    check: bool,
    /// `--operations A,B`: only these operations of the one `--service`.
    operations: Option<std::collections::BTreeSet<String>>,
    /// `--runtime-version X`: depend on `boto-runtime = "X"` from a registry.
    runtime_version: Option<String>,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let root = crate::root();
    let mut parsed = Args {
        services: Vec::new(),
        models: root.join("models"),
        out: root.join("generated"),
        check: false,
        operations: None,
        runtime_version: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--service" => parsed.services.push(value("--service")?),
            "--models" => parsed.models = PathBuf::from(value("--models")?),
            "--out" => parsed.out = PathBuf::from(value("--out")?),
            "--check" => parsed.check = true,
            "--runtime-version" => parsed.runtime_version = Some(value("--runtime-version")?),
            "--operations" => {
                parsed.operations = Some(
                    value("--operations")?
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if parsed.runtime_version.is_some() && parsed.out == root.join("generated") {
        bail!("--runtime-version writes crates to publish: give them an --out other than generated/\n{USAGE}");
    }
    if parsed.operations.is_some() {
        if parsed.services.len() != 1 || parsed.services[0] == "all" {
            bail!("--operations needs exactly one --service\n{USAGE}");
        }
        if parsed.out == root.join("generated") {
            bail!(
                "--operations writes a cut-down crate: give it an --out other than generated/, \
                 which holds the full crates\n{USAGE}"
            );
        }
    }
    Ok(parsed)
}

pub fn run(args: &[String]) -> Result<()> {
    let args = parse_args(args)?;
    let models = &args.models;
    let services = if args.services.is_empty() || args.services.iter().any(|s| s == "all") {
        load::list_services(models)
            .with_context(|| format!("listing services in {}", models.display()))?
    } else {
        args.services.clone()
    };
    if services.is_empty() {
        bail!("no service models found in {}", models.display());
    }
    if !args.check {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
    }
    let runtime_dep = runtime_dep(&args.out, args.runtime_version.as_deref())?;
    let options = Options {
        runtime_dep,
        client: true,
        operations: args.operations.clone(),
    };

    // Services are independent: spread them over the available cores.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<Report>)>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(services.len());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(service) = services.get(i) else {
                    break;
                };
                let result = one_service(service, &args, &options);
                results
                    .lock()
                    .expect("no worker panics while holding the lock")
                    .push((i, result));
            });
        }
    });
    let mut results = results.into_inner().expect("workers finished");
    results.sort_by_key(|(i, _)| *i);

    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let mut written = 0;
    for (_, result) in results {
        match result {
            Ok(report) => {
                written += report.changed.len();
                stale.extend(report.changed);
            }
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} of {} services failed:\n  {}",
            failures.len(),
            services.len(),
            failures.join("\n  ")
        );
    }
    if args.out == crate::root().join("generated") {
        stale.extend(runtime_models(&args)?);
    }
    if args.check {
        if !stale.is_empty() {
            bail!(
                "{} generated files are stale:\n  {}\nrun `cargo xtask codegen` to regenerate them",
                stale.len(),
                stale
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            );
        }
        println!("{} services up to date", services.len());
    } else {
        println!(
            "generated {} services into {} ({written} files changed)",
            services.len(),
            args.out.display()
        );
    }
    Ok(())
}

/// The services the runtime's credential providers call, and the operations
/// they need: embedded as cut-down models (`boto_codegen::subset`).
const RUNTIME_MODELS: &[(&str, &[&str])] = &[
    ("sts", &["AssumeRole", "AssumeRoleWithWebIdentity"]),
    ("sso", &["GetRoleCredentials"]),
    ("sso-oidc", &["CreateToken"]),
];

/// Writes (or, checking, compares) `runtime/src/credentials/models/<svc>.json`
/// and `<svc>.rules.json` for [`RUNTIME_MODELS`], and the runtime's copy of
/// `models/partitions.json` (in its package, so that it can be published);
/// returns the files that differ.
fn runtime_models(args: &Args) -> Result<Vec<PathBuf>> {
    let out = crate::root().join("runtime/src/credentials/models");
    let mut changed = Vec::new();
    let partitions = args.models.join("partitions.json");
    let text = std::fs::read_to_string(&partitions)
        .with_context(|| format!("reading {}", partitions.display()))?;
    let target = crate::root().join("runtime/src/endpoint/partitions.json");
    if std::fs::read_to_string(&target).ok().as_deref() != Some(text.as_str()) {
        changed.push(target.clone());
        if !args.check {
            std::fs::write(&target, &text)
                .with_context(|| format!("writing {}", target.display()))?;
        }
    }
    for (service, operations) in RUNTIME_MODELS {
        let dir = load::newest_version_dir(&args.models.join(service))
            .with_context(|| format!("the runtime embeds {service}: import it with `cargo xtask models import {service}`"))?;
        let text = std::fs::read_to_string(dir.join("service-2.json"))
            .with_context(|| format!("reading {service}'s service-2.json"))?;
        let model = boto_codegen::subset::subset_model(service, &text, operations)?;
        let rules = load::endpoint_rules(&dir)?
            .with_context(|| format!("{service} has no endpoint-rule-set-1.json"))?;
        for (name, contents) in [
            (format!("{service}.json"), model),
            (format!("{service}.rules.json"), rules),
        ] {
            let target = out.join(name);
            if std::fs::read_to_string(&target).ok().as_deref() == Some(contents.as_str()) {
                continue;
            }
            changed.push(target.clone());
            if !args.check {
                std::fs::create_dir_all(&out)
                    .with_context(|| format!("creating {}", out.display()))?;
                std::fs::write(&target, contents)
                    .with_context(|| format!("writing {}", target.display()))?;
            }
        }
    }
    Ok(changed)
}

/// Files that differ from what is on disk (written, unless checking).
struct Report {
    changed: Vec<PathBuf>,
}

fn one_service(service: &str, args: &Args, options: &Options) -> Result<Report> {
    let loaded = load::load_service(&args.models, service)
        .with_context(|| format!("loading service {service}"))?;
    let files = boto_codegen::generate_loaded(&loaded, options)?;
    let dir = args.out.join(service);
    let mut changed = Vec::new();
    for File { path, contents } in &files {
        let target = dir.join(path);
        let current = std::fs::read(&target).ok();
        if current.as_deref() == Some(contents.as_bytes()) {
            continue;
        }
        changed.push(target.clone());
        if !args.check {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&target, contents)
                .with_context(|| format!("writing {}", target.display()))?;
        }
    }
    // Generated files the model no longer produces (an option turned off).
    let src = dir.join("src");
    if let Ok(entries) = std::fs::read_dir(&src) {
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = format!("src/{}", entry.file_name().to_string_lossy());
            let ours = std::fs::read_to_string(&path).is_ok_and(|t| t.starts_with(HEADER));
            if ours && !files.iter().any(|f| f.path == rel) {
                changed.push(path.clone());
                if !args.check {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("removing {}", path.display()))?;
                }
            }
        }
    }
    Ok(Report { changed })
}

/// The repository's own `generated/` uses the workspace dependency; any other
/// output directory gets a relative path to this checkout's `runtime/`.
fn runtime_dep(out: &Path, version: Option<&str>) -> Result<RuntimeDep> {
    if let Some(version) = version {
        return Ok(RuntimeDep::Version(version.to_owned()));
    }
    let root = crate::root();
    let out_abs = absolute(out)?;
    if out_abs == absolute(&root.join("generated"))? {
        return Ok(RuntimeDep::Workspace);
    }
    let crate_dir = out_abs.join("service");
    let rel = relative(&crate_dir, &absolute(&root.join("runtime"))?);
    Ok(RuntimeDep::Path(rel.to_string_lossy().replace('\\', "/")))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?;
    // Resolve symlinks where the path exists, so comparisons are meaningful.
    Ok(std::fs::canonicalize(&abs).unwrap_or_else(|_| normalize(&abs)))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The path from directory `from` to `to` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c);
    }
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/tmp/x/iam"), Path::new("/work/repo/runtime")),
            PathBuf::from("../../../work/repo/runtime")
        );
        assert_eq!(
            relative(Path::new("/repo/out/iam"), Path::new("/repo/runtime")),
            PathBuf::from("../../runtime")
        );
    }
}
