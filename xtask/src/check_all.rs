//! `cargo xtask bench check-all [--models DIR] [--out DIR] [--jobs N] [--services a,b,c]`:
//! generates every service of a botocore data folder and reports how many of
//! the generated crates type-check.
//!
//! 1. Lists the services as `cargo xtask codegen --service all` does (every
//!    folder of `--models` holding a `service-2.json`), or takes `--services`.
//! 2. Generates each one by running this very binary's `codegen --models DIR
//!    --service NAME --out DIR`, one process per service (`--jobs` at a time),
//!    so a service the generator rejects, or even one that crashes it, is a
//!    verdict for that service alone, with its error.
//! 3. Writes `<out>/Cargo.toml`, a workspace over the crates that generated
//!    (they depend on this checkout's `runtime/` by path), and copies this
//!    repository's `Cargo.lock` there the first time, so the check resolves
//!    the same dependency versions.
//! 4. Runs one `cargo check --workspace --keep-going --message-format
//!    json-diagnostic-short -j N` with `--target-dir <out>/target` (never the
//!    repository's `target/`), and attributes each diagnostic to its crate.
//! 5. Prints the report: services generated, generation failures with their
//!    error, services that type-check, services that fail with their first
//!    error line, failures grouped by cause, and the wall time. Exits non-zero
//!    when any service fails to generate or to type-check.
//!
//! Defaults: `--models` is the data folder of the botocore `python3` imports
//! (`$BOTO_PYTHON` overrides the interpreter), `--out` is
//! `<temp dir>/boto-check-all` (kept between runs, so a rerun only checks
//! what changed), `--jobs` the number of cores.
//!
//! Not part of CI: every botocore service (400+ crates, ec2 among them) takes
//! tens of minutes to check on a small machine.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask bench check-all [--models DIR] [--out DIR] [--jobs N] \
                     [--services a,b,c]";

struct Args {
    models: Option<PathBuf>,
    out: Option<PathBuf>,
    jobs: usize,
    services: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let mut parsed = Args {
        models: None,
        out: None,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        services: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--models" => parsed.models = Some(PathBuf::from(value("--models")?)),
            "--out" => parsed.out = Some(PathBuf::from(value("--out")?)),
            "--jobs" | "-j" => {
                let v = value("--jobs")?;
                parsed.jobs = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .with_context(|| format!("--jobs needs a positive number, not {v:?}"))?;
            }
            "--services" => parsed.services.extend(
                value("--services")?
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            ),
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    Ok(parsed)
}

pub fn run(args: &[String]) -> Result<()> {
    let start = Instant::now();
    let args = parse_args(args)?;
    let models = match &args.models {
        Some(m) => m.clone(),
        None => botocore_data()?,
    };
    if !models.is_dir() {
        bail!("models folder {} does not exist", models.display());
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("boto-check-all"));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let out =
        std::fs::canonicalize(&out).with_context(|| format!("resolving {}", out.display()))?;
    let root = crate::root();
    if std::fs::canonicalize(root.join("generated")).is_ok_and(|g| g == out) {
        bail!(
            "--out must not be the repository's generated/ (its crates use workspace inheritance)"
        );
    }
    let services = if args.services.is_empty() || args.services.iter().any(|s| s == "all") {
        boto_codegen::load::list_services(&models)
            .with_context(|| format!("listing services in {}", models.display()))?
    } else {
        args.services.clone()
    };
    if services.is_empty() {
        bail!("no service models found in {}", models.display());
    }

    // 1. Generation, one `xtask codegen` process per service.
    println!(
        "generating {} services from {} into {} ({} jobs)...",
        services.len(),
        models.display(),
        out.display(),
        args.jobs
    );
    let gen_start = Instant::now();
    let generated = generate_all(&services, &models, &out, args.jobs)?;
    let gen_time = gen_start.elapsed();
    let ok: Vec<&str> = services
        .iter()
        .zip(&generated)
        .filter(|(_, r)| r.is_ok())
        .map(|(s, _)| s.as_str())
        .collect();
    println!(
        "generated {} of {} services in {:.0} s",
        ok.len(),
        services.len(),
        gen_time.as_secs_f64()
    );

    // 2. One workspace over the generated crates, one `cargo check`.
    let check_start = Instant::now();
    let check = if ok.is_empty() {
        None
    } else {
        write_workspace(&out, &ok, &root)?;
        println!(
            "cargo check of {} crates in {} (-j {})...",
            ok.len(),
            out.display(),
            args.jobs
        );
        Some(cargo_check(&out, &ok, args.jobs)?)
    };
    let check_time = check_start.elapsed();

    // 3. The report.
    let total = start.elapsed();
    let failed = report(
        &services,
        &generated,
        check.as_ref(),
        gen_time,
        check_time,
        total,
    );
    if failed > 0 {
        bail!(
            "{failed} of {} services failed to generate or type-check",
            services.len()
        );
    }
    Ok(())
}

/// `<botocore>/data` of the botocore the project's Python imports.
fn botocore_data() -> Result<PathBuf> {
    let python = std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    boto_runtime::model_files::botocore_data(&python)
        .with_context(|| "or pass --models DIR (a botocore data folder)")
}

/// Runs `codegen` for each service, `jobs` at a time; one result per service,
/// in order, with the generator's error on failure.
fn generate_all(
    services: &[String],
    models: &Path,
    out: &Path,
    jobs: usize,
) -> Result<Vec<Result<(), String>>> {
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<(), String>>>> =
        Mutex::new(services.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(services.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(service) = services.get(i) else {
                    break;
                };
                let result = generate_one(&exe, service, models, out);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Err(e) = &result {
                    println!(
                        "  [{n}/{}] {service}: generation failed: {e}",
                        services.len()
                    );
                } else if n.is_multiple_of(50) {
                    println!("  [{n}/{}] generated", services.len());
                }
                results.lock().expect("no worker panics holding the lock")[i] = Some(result);
            });
        }
    });
    Ok(results
        .into_inner()
        .expect("workers finished")
        .into_iter()
        .map(|r| r.expect("every service was generated"))
        .collect())
}

fn generate_one(exe: &Path, service: &str, models: &Path, out: &Path) -> Result<(), String> {
    let output = Command::new(exe)
        .arg("codegen")
        .arg("--models")
        .arg(models)
        .args(["--service", service, "--out"])
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {}: {e}", exe.display()))?;
    if output.status.success() {
        return Ok(());
    }
    // `error: 1 of 1 services failed:\n  <the error>`, or a panic's message.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let text = stderr.trim().trim_start_matches("error: ");
    let text = text
        .strip_prefix("1 of 1 services failed:")
        .unwrap_or(text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    Err(match (text.is_empty(), output.status.code()) {
        (true, _) => format!("codegen exited with {}", output.status),
        (false, Some(1)) => text,
        // A panic (101) or a signal (a stack overflow): say so.
        (false, _) => format!("{text} (codegen exited with {})", output.status),
    })
}

/// `<out>/Cargo.toml` over `members`, and the repository's lock file.
fn write_workspace(out: &Path, members: &[&str], root: &Path) -> Result<()> {
    let list: String = members.iter().map(|m| format!("    \"{m}\",\n")).collect();
    let manifest = format!(
        "# Written by `cargo xtask bench check-all`: the crates generated from\n\
         # one botocore data folder, checked against {}.\n\n\
         [workspace]\nresolver = \"2\"\nmembers = [\n{list}]\n",
        root.join("runtime").display()
    );
    let path = out.join("Cargo.toml");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(manifest.as_str()) {
        std::fs::write(&path, manifest).with_context(|| format!("writing {}", path.display()))?;
    }
    let lock = out.join("Cargo.lock");
    if !lock.exists() {
        if let Err(e) = std::fs::copy(root.join("Cargo.lock"), &lock) {
            eprintln!("note: not copying Cargo.lock ({e}); cargo will resolve afresh");
        }
    }
    Ok(())
}

/// What `cargo check` said about each crate.
#[derive(Default)]
struct Check {
    /// Services whose library checked (a `compiler-artifact` for it).
    passed: BTreeSet<String>,
    /// Error diagnostics per service, in order: (short rendered line, grouping key).
    errors: BTreeMap<String, Vec<(String, String)>>,
    /// Errors in crates outside the workspace (the runtime or a dependency).
    dependency_errors: Vec<String>,
    warnings: usize,
    /// The last lines cargo wrote to stderr, for when it stops before any crate.
    stderr_tail: Vec<String>,
    success: bool,
}

fn cargo_check(out: &Path, members: &[&str], jobs: usize) -> Result<Check> {
    let mut child = Command::new("cargo")
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format",
            "json-diagnostic-short",
            "-j",
            &jobs.to_string(),
            "--target-dir",
        ])
        .arg(out.join("target"))
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running cargo check")?;
    let stderr = child.stderr.take().expect("piped");
    // cargo's progress goes through to our stderr; keep the tail.
    let tail = std::thread::spawn(move || {
        let mut tail = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            tail.push(line);
            if tail.len() > 40 {
                tail.remove(0);
            }
        }
        tail
    });
    let service_of = |manifest: &str| -> Option<String> {
        let dir = Path::new(manifest).parent()?;
        if dir.parent()? != out {
            return None;
        }
        let name = dir.file_name()?.to_str()?;
        members.contains(&name).then(|| name.to_owned())
    };
    let mut check = Check::default();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's output")?;
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let manifest = msg["manifest_path"].as_str().unwrap_or_default();
        match msg["reason"].as_str() {
            Some("compiler-artifact") => {
                let lib = msg["target"]["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "lib"));
                if let (true, Some(s)) = (lib, service_of(manifest)) {
                    check.passed.insert(s);
                }
            }
            Some("compiler-message") => {
                let m = &msg["message"];
                match m["level"].as_str() {
                    Some("warning") => check.warnings += 1,
                    Some("error") => {
                        let text = m["message"].as_str().unwrap_or_default();
                        if text.starts_with("aborting due to") {
                            continue;
                        }
                        let rendered = m["rendered"]
                            .as_str()
                            .and_then(|r| r.lines().next())
                            .unwrap_or(text)
                            .to_owned();
                        match service_of(manifest) {
                            Some(s) => {
                                let key = cause_key(m["code"]["code"].as_str(), text);
                                check.errors.entry(s).or_default().push((rendered, key));
                            }
                            None => check.dependency_errors.push(rendered),
                        }
                    }
                    _ => {}
                }
            }
            Some("build-finished") => check.success = msg["success"] == true,
            _ => {}
        }
    }
    let status = child.wait().context("waiting for cargo check")?;
    check.stderr_tail = tail.join().unwrap_or_default();
    check.success &= status.success();
    // A crate with errors never checked, whatever else was said about it.
    for s in check.errors.keys() {
        check.passed.remove(s);
    }
    Ok(check)
}

/// One cause for errors that differ only in the names they quote.
fn cause_key(code: Option<&str>, message: &str) -> String {
    let mut key = String::new();
    if let Some(code) = code {
        key.push_str(&format!("[{code}] "));
    }
    let mut quoted = false;
    for c in message.chars() {
        if c == '`' {
            quoted = !quoted;
            key.push_str(if quoted { "`_" } else { "`" });
        } else if !quoted {
            key.push(c);
        }
    }
    key
}

/// Prints the report; returns how many services failed.
fn report(
    services: &[String],
    generated: &[Result<(), String>],
    check: Option<&Check>,
    gen_time: Duration,
    check_time: Duration,
    total: Duration,
) -> usize {
    let empty = Check::default();
    let check = check.unwrap_or(&empty);
    let mut gen_failed = Vec::new();
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut unchecked = Vec::new();
    for (service, result) in services.iter().zip(generated) {
        match result {
            Err(e) => gen_failed.push((service, e)),
            Ok(()) if check.passed.contains(service) => passed.push(service),
            Ok(()) => match check.errors.get(service) {
                Some(errors) => failed.push((service, errors)),
                None => unchecked.push(service),
            },
        }
    }
    println!();
    println!("## cargo xtask bench check-all");
    println!();
    if !gen_failed.is_empty() {
        println!("generation failures ({}):", gen_failed.len());
        for (s, e) in &gen_failed {
            println!("  {s}: {e}");
        }
        println!();
    }
    if !failed.is_empty() {
        println!("services that fail to type-check ({}):", failed.len());
        for (s, errors) in &failed {
            println!("  {s} ({} errors): {}", errors.len(), errors[0].0);
        }
        println!();
        // Distinct causes, by each service's first error.
        let mut causes: BTreeMap<&str, Vec<(&String, &str)>> = BTreeMap::new();
        for (s, errors) in &failed {
            causes
                .entry(errors[0].1.as_str())
                .or_default()
                .push((s, errors[0].0.as_str()));
        }
        let mut causes: Vec<_> = causes.into_iter().collect();
        causes.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        println!("first errors by cause ({}):", causes.len());
        for (cause, examples) in &causes {
            println!("  {} services: {cause}", examples.len());
            println!("    e.g. {}: {}", examples[0].0, examples[0].1);
        }
        println!();
    }
    if !unchecked.is_empty() {
        println!(
            "services cargo did not check ({}): {}",
            unchecked.len(),
            unchecked
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !check.dependency_errors.is_empty() {
            println!("errors outside the generated crates (the runtime or a dependency):");
            for e in check.dependency_errors.iter().take(20) {
                println!("  {e}");
            }
        } else if !check.success {
            println!("cargo's last words:");
            for l in &check.stderr_tail {
                println!("  {l}");
            }
        }
        println!();
    }
    let generated_count = services.len() - gen_failed.len();
    println!("| | services |");
    println!("|---|---|");
    println!("| listed | {} |", services.len());
    println!("| generated | {generated_count} |");
    println!("| generation failed | {} |", gen_failed.len());
    println!("| type-check | {} |", passed.len());
    println!("| fail to type-check | {} |", failed.len());
    if !unchecked.is_empty() {
        println!("| not checked | {} |", unchecked.len());
    }
    println!();
    println!(
        "warnings: {}; wall time: {:.0} s (generation {:.0} s, cargo check {:.0} s)",
        check.warnings,
        total.as_secs_f64(),
        gen_time.as_secs_f64(),
        check_time.as_secs_f64()
    );
    gen_failed.len() + failed.len() + unchecked.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_ignore_quoted_names() {
        assert_eq!(
            cause_key(Some("E0412"), "cannot find type `Foo` in this scope"),
            "[E0412] cannot find type `_` in this scope"
        );
        assert_eq!(
            cause_key(None, "mismatched types"),
            cause_key(None, "mismatched types")
        );
    }

    #[test]
    fn services_split_on_commas() {
        let args: Vec<String> = ["--services", "sts, s3,,ec2", "-j", "1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parsed = parse_args(&args).unwrap();
        assert_eq!(parsed.services, ["sts", "s3", "ec2"]);
        assert_eq!(parsed.jobs, 1);
        assert!(parse_args(&["--jobs".to_owned(), "0".to_owned()]).is_err());
    }
}
