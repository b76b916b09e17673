//! Project tasks: `cargo xtask <command>`.
//!
//! - `models import --from DIR SERVICE...`: vendor botocore/boto3 model files.
//! - `codegen [--service NAME]... [--models DIR] [--out DIR] [--check]`: regenerate `generated/`.
//! - `conformance protocols PATH...`: run botocore's protocol suites through the codecs.
//! - `conformance endpoints [--models DIR] PATH...`: run endpoint rules test cases through the rules engine.
//! - `bench compile [--service ec2]`: build time and size against the official SDK's crate.
//! - `bench check-all [--models DIR] [--out DIR] [--jobs N] [--services a,b,c]`: generate
//!   every service of a botocore data folder and report how many type-check (slow, not CI).
//! - `bench endpoints [--callgrind] [N]`: the cost of an endpoint resolution.
//! - `bench transfer [--size-mib 1024] [--reps 2]`: S3 managed upload/download through a
//!   local S3 stand-in, boto-rs against boto3 and raw reqwest (not CI).
//! - `fuzz [--seconds N] [TARGET...]`: coverage-guided runs of the boto-fuzz targets
//!   (cargo-fuzz, nightly) with a table of executions, coverage and findings (not CI).
//! - `test`: install what the tests need (moto) and run the whole suite.

use anyhow::{bail, Result};

mod bench;
mod check_all;
mod codegen;
mod conformance;
mod conformance_endpoints;
mod fuzz;
mod models;
mod test;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => bail!("usage: cargo xtask <models|codegen|conformance|test|bench|fuzz> ..."),
    };
    match cmd {
        "models" => models::run(rest),
        "codegen" => codegen::run(rest),
        "conformance" => conformance::run(rest),
        "test" => test::run(rest),
        "bench" => bench::run(rest),
        "fuzz" => fuzz::run(rest),
        other => bail!("unknown command {other:?}; expected models, codegen, conformance or test"),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// `cargo`, without the variables `cargo run` set for this xtask
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, …): a build script that watches one
/// (ring's watches `CARGO_MANIFEST_DIR`) would otherwise rerun, and rebuild
/// everything above it, each time a build alternates between `cargo xtask`
/// and a plain `cargo build`.
pub fn nested_cargo() -> std::process::Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    without_cargo_run_env(std::process::Command::new(cargo))
}

/// `cmd` without the variables `cargo run` set for xtask itself, which
/// would otherwise reach (and invalidate) the builds a nested cargo runs.
pub fn without_cargo_run_env(mut cmd: std::process::Command) -> std::process::Command {
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("CARGO_PKG_")
            || n.starts_with("CARGO_MANIFEST_")
            || matches!(
                &*n,
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(&name);
        }
    }
    cmd
}
