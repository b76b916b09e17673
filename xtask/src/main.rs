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
//! - `test`: install what the tests need (moto) and run the whole suite.

use anyhow::{bail, Result};

mod bench;
mod check_all;
mod codegen;
mod conformance;
mod conformance_endpoints;
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
        None => bail!("usage: cargo xtask <models|codegen|conformance|test|bench> ..."),
    };
    match cmd {
        "models" => models::run(rest),
        "codegen" => codegen::run(rest),
        "conformance" => conformance::run(rest),
        "test" => test::run(rest),
        "bench" => bench::run(rest),
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
