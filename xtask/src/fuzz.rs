//! `cargo xtask fuzz [--seconds N] [TARGET...]`: coverage-guided runs of the
//! boto-fuzz targets with cargo-fuzz (libFuzzer; needs a nightly toolchain),
//! each for N seconds (default 60) from a corpus seeded with botocore's
//! conformance suites, then a table of executions, coverage and findings.
//!
//! Corpora grow in `target/fuzz/corpus/<target>` across runs; crashes are
//! saved in `target/fuzz/artifacts/<target>/` and fail the command, which
//! names the command reproducing each one on stable.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

struct Run {
    target: String,
    seconds: f64,
    executions: u64,
    coverage: String,
    corpus: String,
    findings: Vec<String>,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .context("--seconds needs a value")?
                    .parse()
                    .context("--seconds takes a whole number")?
            }
            other if other.starts_with('-') => {
                bail!("usage: cargo xtask fuzz [--seconds N] [TARGET...]")
            }
            target => targets.push(target.to_owned()),
        }
    }
    let root = crate::root();
    let work = root.join("target/fuzz");
    check_tools()?;

    // Targets and seeds come from boto-fuzz itself (one list of targets).
    let status = crate::nested_cargo()
        .current_dir(&root)
        .args(["run", "--release", "--quiet", "-p", "boto-fuzz", "--"])
        .arg("seeds")
        .arg(work.join("corpus"))
        .status()
        .context("running boto-fuzz seeds")?;
    if !status.success() {
        bail!("`cargo run -p boto-fuzz -- seeds` failed");
    }
    let listed = crate::nested_cargo()
        .current_dir(&root)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "boto-fuzz",
            "--",
            "list",
        ])
        .output()
        .context("running boto-fuzz list")?;
    let all: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        targets = all.clone();
    }
    if let Some(unknown) = targets.iter().find(|t| !all.contains(t)) {
        bail!(
            "no fuzz target {unknown:?}; the targets: {}",
            all.join(", ")
        );
    }

    let mut runs = Vec::new();
    for target in &targets {
        eprintln!("==> fuzzing {target} for {seconds} s");
        runs.push(fuzz_one(&root, &work, target, seconds)?);
    }

    println!();
    println!("| target | seconds | executions | exec/s | coverage (edges, features) | corpus | findings |");
    println!("|---|---:|---:|---:|---|---|---|");
    let mut total = 0u64;
    for r in &runs {
        total += r.executions;
        println!(
            "| {} | {:.0} | {} | {:.0} | {} | {} | {} |",
            r.target,
            r.seconds,
            r.executions,
            r.executions as f64 / r.seconds.max(1e-9),
            r.coverage,
            r.corpus,
            r.findings.len()
        );
    }
    println!("total executions: {total}");
    let findings: Vec<_> = runs
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r.target.as_str(), f)))
        .collect();
    if !findings.is_empty() {
        for (target, file) in &findings {
            eprintln!(
                "finding: {file}\n  reproduce: cargo run -p boto-fuzz -- run {target} {file}"
            );
        }
        bail!(
            "{} finding(s): fix each with a regression test",
            findings.len()
        );
    }
    Ok(())
}

fn check_tools() -> Result<()> {
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output();
    if !nightly.is_ok_and(|o| o.status.success()) {
        bail!(
            "cargo xtask fuzz needs a nightly toolchain (libFuzzer's coverage instrumentation): \
             run `rustup toolchain install nightly` (the stable smoke run is `cargo test -p boto-fuzz`)"
        );
    }
    let fuzz = Command::new("rustup")
        .args(["run", "nightly", "cargo", "fuzz", "--version"])
        .output();
    if !fuzz.is_ok_and(|o| o.status.success()) {
        bail!("cargo xtask fuzz needs cargo-fuzz: run `cargo install cargo-fuzz`");
    }
    Ok(())
}

fn fuzz_one(root: &Path, work: &Path, target: &str, seconds: u64) -> Result<Run> {
    let corpus = work.join("corpus").join(target);
    let artifacts = work.join("artifacts").join(target);
    std::fs::create_dir_all(&artifacts)?;
    let before: Vec<_> = list(&artifacts);
    let log = work.join(format!("{target}.log"));
    let log_file = std::fs::File::create(&log)?;
    let status = crate::without_cargo_run_env(Command::new("rustup"))
        .current_dir(root)
        .args([
            "run",
            "nightly",
            "cargo",
            "fuzz",
            "run",
            "--fuzz-dir",
            "fuzz/libfuzzer",
        ])
        .arg("--target-dir")
        .arg(work.join("build"))
        .arg(target)
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .args(["-max_len=65536", "-timeout=10", "-rss_limit_mb=2048"])
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        // Not the outer cargo's settings for a stable build.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .stderr(log_file.try_clone()?)
        .stdout(log_file)
        .status()
        .context("running cargo fuzz")?;
    let text = std::fs::read_to_string(&log)?;
    let stat = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let executions = stat("number_of_executed_units").unwrap_or(0);
    // The last status line: `#N  DONE  cov: X ft: Y corp: A/Bb ...`.
    let last = text
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains("cov:"))
        .unwrap_or_default();
    let field = |name: &str| {
        last.split_whitespace()
            .skip_while(|w| *w != name)
            .nth(1)
            .unwrap_or("?")
            .to_owned()
    };
    let seconds_run = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("Done ")
                .and_then(|r| r.split(" in ").nth(1))
                .and_then(|r| r.split_whitespace().next())
                .and_then(|s| s.parse::<f64>().ok())
        })
        .unwrap_or(seconds as f64);
    let findings: Vec<String> = list(&artifacts)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    if !status.success() && findings.is_empty() {
        bail!(
            "cargo fuzz run {target} failed without a finding: see {}",
            log.display()
        );
    }
    Ok(Run {
        target: target.to_owned(),
        seconds: seconds_run,
        executions,
        coverage: format!("{}, {}", field("cov:"), field("ft:")),
        corpus: field("corp:"),
        findings,
    })
}

fn list(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .collect();
    files.sort();
    files
}
