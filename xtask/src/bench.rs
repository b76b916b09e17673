//! `cargo xtask bench compile [--service ec2] [--aws-version 1]`: compares a
//! generated crate with the official SDK's crate for the same service, in one
//! run on one machine: `cargo build --release` wall time from a clean target
//! folder (dependencies included, for both), the same for the service crate
//! alone (its package cleaned and rebuilt), and the Rust source bytes and lines.
//!
//! Not part of CI (the official ec2 crate alone takes minutes to build).
//!
//! `cargo xtask bench check-all ...`: generates every service of a botocore
//! data folder and reports how many type-check (see `check_all.rs`).
//!
//! `cargo xtask bench endpoints [--callgrind] [N]`: the cost of an endpoint
//! resolution (rule-set compile, evaluation, cached call), from the release
//! build of `examples/src/bin/endpoint_cost.rs`; with `--callgrind`, also its
//! instruction count per phase under valgrind (repeatable on a noisy machine).
//!
//! `cargo xtask bench request [--n 2000] [--runs 2] [--calls iam,ddb,s3,ec2,sqs,cw]
//! [--no-callgrind] [--no-boto3] [--concurrent 1000]`: the per-request cost
//! of boto-rs against aws-sdk-rust, a reqwest + aws-sigv4 floor (with and
//! without one parse pass) and boto3 on canned responses, from the
//! workspace `bench/request` (its own, so that the test command never builds
//! aws-sdk-rust); see `bench/request/src/main.rs`. botocore speaks json to
//! CloudWatch, so the CBOR row's crate is generated here from the model with
//! only `smithy-rpc-v2-cbor` listed.
//!
//! `cargo xtask bench transfer [--size-mib 1024] [--reps 2] [--clients LIST]
//! [--no-warm]`: S3 managed transfers (upload and download of one file)
//! through the local S3 stand-in server (`examples/src/s3_stand_in.rs`), from
//! the release build of `examples/src/bin/transfer_bench.rs`: boto3's
//! `upload_file`/`download_file` (needs `python3` and
//! `pip install boto3==1.43.11`; without them that row fails and the others
//! run), raw reqwest (10 concurrent 8 MiB parts, unsigned: the loopback
//! limit) and boto-rs's managed transfer, each measurement in a process of
//! its own: MiB/s (best and median of the reps), peak RSS, CPU time of the
//! client and of the server, and the ratios against the targets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub fn run(args: &[String]) -> Result<()> {
    let mut service = "ec2".to_owned();
    let mut aws_version = "1".to_owned();
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("compile") => {}
        Some("check-all") => return crate::check_all::run(it.as_slice()),
        Some("endpoints") => return endpoints(it.as_slice()),
        Some("transfer") => return transfer(it.as_slice()),
        Some("request") => return request(it.as_slice()),
        _ => bail!(
            "usage: cargo xtask bench compile [--service NAME] [--aws-version REQ]\n       \
             cargo xtask bench check-all [--models DIR] [--out DIR] [--jobs N] [--services a,b,c]\n       \
             cargo xtask bench endpoints [--callgrind] [N]\n       \
             cargo xtask bench request [--n N] [--runs N] [--calls iam,ddb,s3,ec2,sqs,cw] [--no-callgrind] [--no-boto3] [--concurrent N]\n       \
             cargo xtask bench transfer [--size-mib N] [--reps N] [--clients boto3,raw,boto-rs,file-write] [--no-warm]"
        ),
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "--service" => service = it.next().context("--service needs a value")?.clone(),
            "--aws-version" => {
                aws_version = it.next().context("--aws-version needs a value")?.clone()
            }
            other => bail!("unknown argument {other:?}"),
        }
    }
    let root = crate::root();
    let ours = root.join("generated").join(&service);
    if !ours.join("Cargo.toml").is_file() {
        bail!(
            "{} is not generated: run `cargo xtask codegen --service {service}`",
            ours.display()
        );
    }
    let scratch = std::env::temp_dir().join(format!("boto-bench-{service}"));
    std::fs::create_dir_all(&scratch)?;

    // The official crate, in a scratch project of its own.
    let theirs_proj = scratch.join("aws");
    std::fs::create_dir_all(theirs_proj.join("src"))?;
    std::fs::write(
        theirs_proj.join("Cargo.toml"),
        format!(
            "[package]\nname = \"aws-bench\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\naws-sdk-{service} = \"{aws_version}\"\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(theirs_proj.join("src/lib.rs"), "")?;
    run_cmd(Command::new("cargo").arg("fetch").current_dir(&theirs_proj))?;

    let ours_target = scratch.join("target-boto");
    let theirs_target = scratch.join("target-aws");
    for t in [&ours_target, &theirs_target] {
        let _ = std::fs::remove_dir_all(t);
    }
    let ours_pkg = format!("boto-{service}");
    let theirs_pkg = format!("aws-sdk-{service}");
    let ours_build = |extra: &[&str]| {
        let mut c = Command::new("cargo");
        c.args(extra)
            .env("CARGO_TARGET_DIR", &ours_target)
            .current_dir(&root);
        c
    };
    let theirs_build = |extra: &[&str]| {
        let mut c = Command::new("cargo");
        c.args(extra)
            .env("CARGO_TARGET_DIR", &theirs_target)
            .current_dir(&theirs_proj);
        c
    };
    println!("building {ours_pkg} (release, clean target, dependencies included)...");
    let ours_time = timed(&mut ours_build(&[
        "build",
        "--release",
        "--quiet",
        "-p",
        &ours_pkg,
    ]))?;
    println!("building {theirs_pkg} (release, clean target, dependencies included)...");
    let theirs_time = timed(&mut theirs_build(&["build", "--release", "--quiet"]))?;
    // The service crate alone: clean just that package and build again.
    run_cmd(&mut ours_build(&[
        "clean",
        "--release",
        "--quiet",
        "-p",
        &ours_pkg,
    ]))?;
    println!("rebuilding {ours_pkg} alone...");
    let ours_alone = timed(&mut ours_build(&[
        "build",
        "--release",
        "--quiet",
        "-p",
        &ours_pkg,
    ]))?;
    run_cmd(&mut theirs_build(&[
        "clean",
        "--release",
        "--quiet",
        "-p",
        &theirs_pkg,
    ]))?;
    println!("rebuilding {theirs_pkg} alone...");
    let theirs_alone = timed(&mut theirs_build(&["build", "--release", "--quiet"]))?;

    let theirs_src = registry_source(&theirs_proj, &format!("aws-sdk-{service}"))?;
    let (ours_bytes, ours_lines) = rust_size(&ours.join("src"))?;
    let (theirs_bytes, theirs_lines) = rust_size(&theirs_src.join("src"))?;
    println!();
    println!(
        "| | boto-{service} | {} | ratio |",
        theirs_src.file_name().unwrap_or_default().to_string_lossy()
    );
    println!("|---|---|---|---|");
    for (what, ours, theirs) in [
        (
            "cargo build --release, clean target",
            ours_time,
            theirs_time,
        ),
        (
            "cargo build --release, service crate alone",
            ours_alone,
            theirs_alone,
        ),
    ] {
        println!(
            "| {what} | {:.1} s | {:.1} s | {:.3} |",
            ours.as_secs_f64(),
            theirs.as_secs_f64(),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
    println!(
        "| Rust source bytes | {ours_bytes} | {theirs_bytes} | {:.3} |",
        ours_bytes as f64 / theirs_bytes as f64
    );
    println!(
        "| Rust source lines | {ours_lines} | {theirs_lines} | {:.3} |",
        ours_lines as f64 / theirs_lines as f64
    );
    Ok(())
}

/// Builds the boto-examples binary `name` in release mode; its path.
fn release_example(name: &str) -> Result<PathBuf> {
    let root = crate::root();
    let status = crate::nested_cargo()
        .current_dir(&root)
        .args(["build", "--release", "-p", "boto-examples", "--bin", name])
        .status()?;
    if !status.success() {
        bail!("building {name} failed");
    }
    Ok(root.join("target/release").join(name))
}

fn run_cmd(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn timed(cmd: &mut Command) -> Result<Duration> {
    let start = Instant::now();
    run_cmd(cmd)?;
    Ok(start.elapsed())
}

/// Where cargo unpacked `name` for the scratch project (from `cargo metadata`).
fn registry_source(project: &Path, name: &str) -> Result<PathBuf> {
    let out = Command::new("cargo")
        .args(["metadata", "--format-version", "1"])
        .current_dir(project)
        .output()
        .context("cargo metadata")?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cargo metadata output")?;
    meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|m| Path::new(m).parent().map(Path::to_path_buf))
        .with_context(|| format!("{name} not found in cargo metadata"))
}

/// Total bytes and lines of `.rs` files under `dir`.
fn rust_size(dir: &Path) -> Result<(u64, u64)> {
    let (mut bytes, mut lines) = (0, 0);
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            let (b, l) = rust_size(&path)?;
            bytes += b;
            lines += l;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read(&path)?;
            bytes += text.len() as u64;
            lines += text.iter().filter(|&&c| c == b'\n').count() as u64;
        }
    }
    Ok((bytes, lines))
}

fn endpoints(args: &[String]) -> Result<()> {
    let callgrind = args.iter().any(|a| a == "--callgrind");
    let n = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "20000".into());
    let bin = release_example("endpoint_cost")?;
    let status = Command::new(&bin).arg(&n).status()?;
    if !status.success() {
        bail!("endpoint_cost failed");
    }
    if callgrind {
        // Per phase, the instruction counts of two runs differing only in N:
        // the difference over the extra calls is the per-call count.
        let count = |phase: &str, n: u32| -> Result<u64> {
            let out = std::env::temp_dir().join(format!("boto-endpoint-cost-{phase}-{n}.out"));
            let run = Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", out.display()))
                .arg(&bin)
                .arg(n.to_string())
                .arg(phase)
                .output()
                .context("valgrind (apt-get install valgrind)")?;
            let text = String::from_utf8_lossy(&run.stderr);
            let line = text
                .lines()
                .find(|l| l.contains("Collected :"))
                .with_context(|| format!("no callgrind total in: {text}"))?;
            Ok(line
                .rsplit(':')
                .next()
                .unwrap_or("")
                .trim()
                .replace(',', "")
                .parse()?)
        };
        for (phase, small, large) in [
            ("compile", 2, 6),
            ("evaluate", 1000, 3000),
            ("cached", 1000, 3000),
            ("dynamodb", 1000, 3000),
        ] {
            let per =
                (count(phase, large)? - count(phase, small)?) as f64 / f64::from(large - small);
            let what = if phase == "compile" {
                "compiling the s3 and dynamodb rule sets once each"
            } else {
                "per call"
            };
            println!("callgrind {phase:<9} {per:>12.0} instructions {what}");
        }
    }
    Ok(())
}

fn transfer(args: &[String]) -> Result<()> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size-mib" | "--reps" | "--clients" => {
                let v = it.next().with_context(|| format!("{a} needs a value"))?;
                if a != "--clients" && v.parse::<u64>().is_err() {
                    bail!("{a} needs a number, not {v:?}");
                }
            }
            "--no-warm" => {}
            other => bail!(
                "unknown argument {other:?} (cargo xtask bench transfer [--size-mib N] [--reps N] \
                 [--clients boto3,raw,boto-rs,file-write] [--no-warm])"
            ),
        }
    }
    // Said up front; the boto3 row then fails with the same advice and the
    // other rows still run.
    match Command::new("python3")
        .args(["-c", "import boto3; print(boto3.__version__)"])
        .output()
    {
        Err(_) => println!(
            "note: python3 not found: the boto3 row will fail (install python3, then \
             `pip install boto3==1.43.11`)"
        ),
        Ok(out) if !out.status.success() => println!(
            "note: boto3 is not importable by python3: the boto3 row will fail \
             (`pip install boto3==1.43.11`)"
        ),
        Ok(out) => {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if version != "1.43.11" {
                println!("note: boto3 {version} (the figures to compare were taken with 1.43.11)");
            }
        }
    }
    let bin = release_example("transfer_bench")?;
    let status = Command::new(&bin).arg("run").args(args).status()?;
    if !status.success() {
        bail!("transfer_bench failed");
    }
    Ok(())
}

fn request(args: &[String]) -> Result<()> {
    let root = crate::root();
    let work = root.join("target/bench-request");
    // A CloudWatch model that speaks only CBOR, generated out of the tree.
    let models = work.join("models");
    let version_dir = std::fs::read_dir(root.join("models/cloudwatch"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.join("service-2.json").is_file())
        .context("models/cloudwatch has no service-2.json")?;
    let to = models
        .join("cloudwatch")
        .join(version_dir.file_name().context("version")?);
    std::fs::create_dir_all(&to)?;
    std::fs::copy(root.join("models/_retry.json"), models.join("_retry.json"))?;
    for entry in std::fs::read_dir(&version_dir)? {
        let from = entry?.path();
        let name = from.file_name().context("file name")?;
        std::fs::copy(&from, to.join(name))?;
    }
    let service = to.join("service-2.json");
    let mut model: serde_json::Value = serde_json::from_slice(&std::fs::read(&service)?)?;
    let metadata = model
        .get_mut("metadata")
        .and_then(|m| m.as_object_mut())
        .context("cloudwatch model without metadata")?;
    metadata.insert("protocol".into(), "smithy-rpc-v2-cbor".into());
    metadata.insert(
        "protocols".into(),
        serde_json::json!(["smithy-rpc-v2-cbor"]),
    );
    std::fs::write(&service, serde_json::to_vec_pretty(&model)?)?;
    let path = |p: &Path| p.to_string_lossy().into_owned();
    crate::codegen::run(&[
        "--models".into(),
        path(&models),
        "--service".into(),
        "cloudwatch".into(),
        "--out".into(),
        path(&work.join("gen")),
    ])?;
    println!("building bench/request (release; aws-sdk-ec2 alone takes minutes the first time)...");
    let target = work.join("target");
    // The size programs are workspaces of their own, so that neither
    // client's features reach the other's program; all three share one
    // target directory, where the report finds the binaries.
    for dir in ["bench/request", "bench/size/boto", "bench/size/aws"] {
        run_cmd(
            crate::nested_cargo()
                .current_dir(root.join(dir))
                .env("CARGO_TARGET_DIR", &target)
                .args(["build", "--release"]),
        )?;
    }
    let status = Command::new(target.join("release/request-bench"))
        .arg("report")
        .args(args)
        .status()?;
    if !status.success() {
        bail!("request-bench report failed");
    }
    Ok(())
}
