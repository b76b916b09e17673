//! `cargo xtask test [CARGO TEST ARGS]...`: the one command that tests a fresh checkout.
//!
//! 1. Makes sure moto's server mode can run (installs `moto[server]` with pip when it can't).
//! 2. Checks `generated/` is what codegen makes from `models/` (`codegen --check`).
//! 3. Checks the hand-written crates are formatted (`cargo fmt --check`) and
//!    lint-free (`cargo clippy --all-targets -- -D warnings`).
//! 4. Runs `cargo test --workspace`, passing extra arguments through.

use std::process::Command;

use anyhow::{bail, Context, Result};

/// The moto release the integration tests are written against, with the boto3/botocore release
/// `models/` comes from (so `cargo xtask models import` without `--from` finds the same data).
const PIP_REQUIREMENTS: &[&str] = &["moto[server]==5.2.1", "boto3==1.43.11", "botocore==1.43.11"];

/// The crates written by hand: formatted and linted here. Generated crates
/// are checked by `codegen --check` (they are prettyplease's output).
const HAND_WRITTEN: &[&str] = &[
    "boto-runtime",
    "boto-codegen",
    "xtask",
    "boto-tests",
    "boto-examples",
    "boto-cli",
];

pub fn run(args: &[String]) -> Result<()> {
    let python = std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".to_string());
    ensure_moto(&python)?;

    step("checking generated code is up to date (codegen --check)");
    cargo(&["run", "--quiet", "-p", "xtask", "--", "codegen", "--check"]).context(
        "`cargo xtask codegen --check` failed: run `cargo xtask codegen` and commit generated/",
    )?;

    step("checking formatting of the hand-written crates (cargo fmt --check)");
    let mut fmt = vec!["fmt"];
    for p in HAND_WRITTEN {
        fmt.extend(["-p", p]);
    }
    fmt.extend(["--", "--check"]);
    cargo(&fmt).context(
        "`cargo fmt --check` failed: run `cargo fmt -p boto-runtime -p boto-codegen -p xtask \
         -p boto-tests -p boto-examples -p boto-cli` and commit",
    )?;

    step("linting the hand-written crates (cargo clippy --all-targets -- -D warnings)");
    let mut clippy = vec!["clippy", "--quiet", "--all-targets"];
    for p in HAND_WRITTEN {
        clippy.extend(["-p", p]);
    }
    clippy.extend(["--", "-D", "warnings"]);
    cargo(&clippy).context(
        "`cargo clippy -- -D warnings` failed: fix the warnings it lists (or, where a lint is \
         wrong for the code, allow it there with a comment saying why)",
    )?;

    step("running cargo test --workspace");
    let mut test_args = vec!["test", "--workspace"];
    test_args.extend(args.iter().map(String::as_str));
    cargo(&test_args).context("`cargo test --workspace` failed")?;

    step("all checks passed");
    Ok(())
}

fn step(what: &str) {
    println!("==> xtask test: {what}");
}

/// Moto's server mode needs moto plus flask and flask-cors (the `server` extra).
fn moto_ready(python: &str) -> Result<bool> {
    let status = Command::new(python)
        .args(["-c", "import moto, moto.server, flask, flask_cors"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| {
            format!(
                "running {python}: the moto tests need python3 (set BOTO_PYTHON to use another)"
            )
        })?;
    Ok(status.success())
}

fn ensure_moto(python: &str) -> Result<()> {
    step("checking moto server is installed");
    if moto_ready(python)? {
        return Ok(());
    }
    let mut args = vec!["-m", "pip", "install"];
    args.extend(PIP_REQUIREMENTS);
    let shown = format!("{python} {}", args.join(" "));
    step(&format!("moto server missing: running `{shown}`"));
    let status = Command::new(python)
        .args(&args)
        .status()
        .with_context(|| format!("running {python} -m pip"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    if !moto_ready(python)? {
        bail!("`{shown}` succeeded but `{python} -c 'import moto.server, flask, flask_cors'` still fails");
    }
    Ok(())
}

/// Runs the same cargo that runs xtask, from the workspace root, without
/// incremental caches.
fn cargo(args: &[&str]) -> Result<()> {
    let mut cmd = crate::nested_cargo();
    // Incremental caches would double what a cold run writes to disk (CI's
    // disk is small) and buy nothing on a one-shot build; a developer's
    // CARGO_INCREMENTAL still wins.
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    let status = cmd
        .args(args)
        .current_dir(crate::root())
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("`cargo {}` exited with {status}", args.join(" "));
    }
    Ok(())
}
