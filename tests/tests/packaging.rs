//! The runtime and a generated crate package for a registry: `cargo
//! package` (which builds each from its `.crate` alone, the generated crate
//! against the packaged runtime) succeeds, and the packages carry what
//! crates.io and docs.rs need.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn runtime_and_a_generated_crate_package() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packaging");
    // This test's build directory (`target/`), so that the verification
    // builds reuse the dependencies already built.
    let exe = std::env::current_exe().unwrap();
    let build_dir = exe.ancestors().nth(3).unwrap().to_owned();
    let mut cargo = Command::new(env!("CARGO"));
    // Cargo sets variables for the crate under test that would make build
    // scripts rerun here and again in the repository's builds.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST")
            || name == "CARGO_CRATE_NAME"
        {
            cargo.env_remove(name);
        }
    }
    let out = cargo
        .current_dir(root())
        .args([
            "package",
            "-p",
            "boto-runtime",
            "-p",
            "boto-sts",
            "--allow-dirty",
        ])
        // The workspace's profiles, which the packages' own builds lack.
        .args(["--config", "profile.dev.debug=\"line-tables-only\""])
        .args(["--config", "profile.dev.package.\"*\".debug=false"])
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_BUILD_BUILD_DIR", &build_dir)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo package failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tar = |krate: &str, args: &[&str]| {
        let out = Command::new("tar")
            .arg(args[0])
            .arg(target.join("package").join(format!("{krate}.crate")))
            .args(&args[1..])
            .output()
            .expect("tar runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for (krate, must_hold) in [
        (
            "boto-runtime-0.1.0",
            &[
                "README.md",
                "src/endpoint/partitions.json",
                "src/credentials/models/sts.json",
            ][..],
        ),
        (
            "boto-sts-0.1.0",
            &["README.md", "src/endpoint-rule-set-1.json", "src/lib.rs"][..],
        ),
    ] {
        let files = tar(krate, &["-tzf"]);
        for file in must_hold {
            assert!(
                files.lines().any(|l| l == format!("{krate}/{file}")),
                "{krate} lacks {file}:\n{files}"
            );
        }
        let manifest = tar(krate, &["-xzOf", &format!("{krate}/Cargo.toml")]);
        for key in [
            "description = ",
            "license = \"Apache-2.0\"",
            "repository = ",
            "keywords = ",
            "rust-version = ",
            "readme = \"README.md\"",
            "[package.metadata.docs.rs]",
        ] {
            assert!(
                manifest.contains(key),
                "{krate}'s manifest lacks {key}:\n{manifest}"
            );
        }
    }
    let sts = tar("boto-sts-0.1.0", &["-xzOf", "boto-sts-0.1.0/Cargo.toml"]);
    assert!(
        sts.contains("[dependencies.boto-runtime]\nversion = \"0.1.0\""),
        "{sts}"
    );
}

/// `--runtime-version` writes a crate that depends on the runtime from a
/// registry (and carries the same version); `generated/` keeps the workspace
/// dependency.
#[test]
fn runtime_version_writes_a_registry_dependency() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runtime-version");
    let _ = std::fs::remove_dir_all(&out_dir);
    let status = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "run",
            "-q",
            "-p",
            "xtask",
            "--",
            "codegen",
            "--service",
            "sts",
            "--runtime-version",
            "0.3.1",
            "--out",
        ])
        .arg(&out_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success());
    let manifest = std::fs::read_to_string(out_dir.join("sts/Cargo.toml")).unwrap();
    assert!(manifest.contains("version = \"0.3.1\"\n"), "{manifest}");
    assert!(
        manifest.contains("boto-runtime = { version = \"0.3.1\" }"),
        "{manifest}"
    );
    assert!(!manifest.contains("path ="), "{manifest}");
    let readme = std::fs::read_to_string(out_dir.join("sts/README.md")).unwrap();
    assert!(readme.contains("boto-sts = \"0.3.1\""), "{readme}");
}

/// The workspace's `rust-version` and `repository` are the ones the
/// generator writes into crates outside it.
#[test]
fn generator_metadata_matches_the_workspace() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(manifest.contains(&format!(
        "rust-version = \"{}\"",
        boto_codegen::emit::RUST_VERSION
    )));
    assert!(manifest.contains(&format!(
        "repository = \"{}\"",
        boto_codegen::emit::REPOSITORY
    )));
}
