//! The golden fixtures (see `golden.rs`), compiled and exercised.
//!
//! `fixture_crates_build_and_pass_smoke_tests` runs one nested `cargo test`
//! on a workspace it writes under `target/tmp/golden-fixtures/`: each
//! fixture's `out/` copied as a member (only its `boto-runtime` path made
//! absolute), and `golden-smoke`, whose source is `tests/fixtures/smoke.rs`
//! and which uses every generated crate as a user would: requests through
//! the runtime's codecs, responses and errors back into the generated types,
//! waiters, paginators, resources and the DynamoDB customizations. Any
//! compiler warning in those crates fails the test too. The nested cargo
//! shares this build's build directory (`CARGO_BUILD_BUILD_DIR`), profiles
//! and `Cargo.lock`, so the runtime's dependencies are the artifacts already
//! built; only `boto-runtime` itself (outside that workspace, so hashed
//! apart) and the fixture crates compile there.
//!
//! The other tests compile the `json` fixture's `types.rs` and `schema.rs`
//! into this test binary and check that they behave: member indices line up
//! with the schema, unions select variants, enums round-trip, sensitive
//! members are redacted.

mod fixtures;

#[rustfmt::skip]
// The fixture crate's own `serde` feature means nothing in this test crate.
#[allow(dead_code, unexpected_cfgs)]
#[path = "golden/json/out/src"]
mod json {
    pub mod schema;
    pub mod types;
}

use std::path::{Path, PathBuf};
use std::process::Command;

use boto_runtime::schema::ShapeKind;
use boto_runtime::value::{De, Scalar, Ser, ValueRef};

use json::{schema, types::*};

fn members_of(name: &str) -> Vec<&'static str> {
    let shape = schema::SHAPES.iter().find(|s| s.name == name).unwrap();
    match &shape.kind {
        ShapeKind::Structure(s) => s.members.iter().map(|m| m.name).collect(),
        _ => panic!("{name} is not a structure"),
    }
}

#[test]
fn schema_is_consistent() {
    assert_eq!(schema::SERVICE.name, "golden");
    assert_eq!(schema::SERVICE.shapes.len(), schema::SHAPES.len());
    for op in schema::SERVICE.operations {
        for id in op.input.iter().chain(&op.output).chain(op.errors) {
            assert!((*id as usize) < schema::SHAPES.len());
        }
    }
    // Shapes are sorted by name, which makes ids stable.
    let names: Vec<_> = schema::SHAPES.iter().map(|s| s.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(!names.contains(&"Unreachable"));
}

#[test]
fn struct_members_follow_schema_order() {
    let members = members_of("CreateWidgetRequest");
    assert_eq!(members[2], "Type");
    assert_eq!(members[5], "foo_bar");
    let mut req = CreateWidgetRequest {
        r#type: Some(InstanceType::T2Micro),
        foo_bar_2: Some(7),
        ..Default::default()
    };
    let ValueRef::Struct(s) = req.value() else {
        panic!("not a struct")
    };
    match s.member(2).map(|v| v.value()) {
        Some(ValueRef::Str(v)) => assert_eq!(v, "t2.micro"),
        _ => panic!("member 2 is the instance type"),
    }
    assert!(matches!(
        s.member(5).map(|v| v.value()),
        Some(ValueRef::Int(7))
    ));
    assert!(s.member(0).is_none());
    assert!(s.member(99).is_none());

    req.member(0)
        .unwrap()
        .set(Scalar::Str("db-1".into()))
        .unwrap();
    assert_eq!(req.db_instance_identifier.as_deref(), Some("db-1"));
    assert!(req.member(99).is_err());
    // Type mismatches are errors, not panics or silent defaults.
    assert!(req.member(4).unwrap().set(Scalar::Str("x".into())).is_err());
}

#[test]
fn unions_select_variants() {
    let mut c = Choice::default();
    assert_eq!(c, Choice::Unknown);
    c.member(1).unwrap().set(Scalar::Int(5)).unwrap();
    assert_eq!(c, Choice::Number(5));
    c.member(0).unwrap().set(Scalar::Str("hi".into())).unwrap();
    assert_eq!(c, Choice::Text("hi".into()));
    let ValueRef::Struct(s) = c.value() else {
        panic!("not a struct")
    };
    assert!(s.member(0).is_some());
    assert!(s.member(1).is_none());
    // Recursion through the union is boxed.
    c.member(2)
        .unwrap()
        .member(0)
        .unwrap()
        .set(Scalar::Str("n".into()))
        .unwrap();
    assert!(matches!(&c, Choice::Nested(n) if n.name.as_deref() == Some("n")));
}

#[test]
fn enums_round_trip_and_keep_unknown_values() {
    for v in [
        "t2.micro",
        "ap-south-1",
        "1.0",
        "10",
        "",
        "*",
        "abc",
        "ABC",
        "Unknown",
    ] {
        let e = InstanceType::from(v);
        assert!(!matches!(e, InstanceType::Unknown(_)), "{v:?}");
        assert_eq!(e.as_str(), v);
        assert_eq!(e.to_string(), v);
    }
    assert_eq!(
        InstanceType::from("m9.huge"),
        InstanceType::Unknown("m9.huge".into())
    );
    assert_eq!(InstanceType::from("m9.huge").as_str(), "m9.huge");
    let mut e = InstanceType::default();
    e.set(Scalar::Str("abc".into())).unwrap();
    assert_eq!(e, InstanceType::Abc);
    assert!(e.set(Scalar::Int(1)).is_err());
}

#[test]
fn sensitive_members_are_redacted() {
    let req = CreateWidgetRequest {
        password: Some("hunter2".into()),
        old_passwords: Some(vec!["swordfish".into()]),
        ssekms_key_id: Some("visible".into()),
        ..Default::default()
    };
    let debug = format!("{req:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("swordfish"),
        "{debug}"
    );
    assert!(debug.contains("*** Sensitive Data Redacted ***"), "{debug}");
    assert!(debug.contains("visible"), "{debug}");
}

#[test]
fn exceptions_display_their_message() {
    let e = WidgetExistsException {
        message: Some("already there".into()),
    };
    assert_eq!(e.to_string(), "WidgetExistsException: already there");
    let e: &dyn std::error::Error = &e;
    assert!(e.source().is_none());
    // `Result` would shadow the prelude: renamed.
    let r = ResultValue::default();
    assert_eq!(r.to_string(), "Result");
}

#[test]
fn absent_and_empty_lists_differ() {
    let mut out = ListThingsOutput::default();
    assert!(out.things.is_none());
    out.member(0).unwrap().init();
    assert_eq!(out.things, Some(vec![]));
    out.member(0)
        .unwrap()
        .push()
        .unwrap()
        .member(0)
        .unwrap()
        .set(Scalar::Str("a".into()))
        .unwrap();
    assert_eq!(out.things.as_ref().map(Vec::len), Some(1));
}

// ---------------------------------------------------------------------------
// Every fixture crate, built and exercised by one nested `cargo test`.

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

/// `<build-dir>/<profile>/deps/<this binary>`: the build directory this test
/// was built in, and the `cargo` arguments selecting the same profile.
fn build_dir_and_profile() -> (PathBuf, Vec<String>) {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let build_dir = profile_dir.parent().unwrap().to_owned();
    let args = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => vec![],
        "release" => vec!["--release".to_owned()],
        other => vec!["--profile".to_owned(), other.to_owned()],
    };
    (build_dir, args)
}

/// Writes only when the contents change: cargo decides freshness by mtime.
fn write_if_changed(path: &Path, contents: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(contents) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// The root manifest's `[profile.*]` tables, so that dependencies get the
/// same profile (and the same artifacts) as in the repository's workspace.
fn profile_tables(manifest: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            keep = line.starts_with("[profile");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `name = ...` of the root manifest's `[workspace.dependencies]`: the
/// smoke crate asks for the features the runtime is built with.
fn workspace_dependency(manifest: &str, name: &str) -> String {
    manifest
        .lines()
        .find(|l| l.starts_with(&format!("{name} = ")))
        .unwrap_or_else(|| panic!("no {name} in the root Cargo.toml"))
        .to_owned()
}

/// Writes the workspace: each fixture's `out/` copied to `<dir>/` (only the
/// runtime dependency made absolute), the smoke crate, and the repository's
/// `Cargo.lock`, so that dependencies resolve to the versions already built.
fn write_fixture_workspace(ws: &Path) {
    let root = repo_root();
    let runtime = root.join("runtime");
    let runtime_dep = format!(
        "boto-runtime = {{ path = {:?} }}",
        runtime.to_str().unwrap()
    );
    let mut members = Vec::new();
    let mut smoke_deps = String::new();
    for fixture in fixtures::FIXTURES {
        let (out, dest) = (fixture.out(), ws.join(fixture.dir));
        let files = fixtures::files_under(&out);
        assert!(
            files.iter().any(|f| f == "Cargo.toml"),
            "fixture {} has no out/Cargo.toml: run `{}`",
            fixture.dir,
            fixtures::UPDATE_COMMAND
        );
        for file in &files {
            let mut contents = std::fs::read(out.join(file)).unwrap();
            if file == "Cargo.toml" {
                let text = String::from_utf8(contents).unwrap();
                let text: Vec<&str> = text
                    .lines()
                    .map(|l| {
                        if l.starts_with("boto-runtime = ") {
                            &runtime_dep
                        } else {
                            l
                        }
                    })
                    .collect();
                contents = (text.join("\n") + "\n").into_bytes();
            }
            write_if_changed(&dest.join(file), &contents);
        }
        for stale in fixtures::files_under(&dest) {
            if !files.contains(&stale) {
                std::fs::remove_file(dest.join(stale)).unwrap();
            }
        }
        members.push(format!("{:?}", fixture.dir));
        smoke_deps.push_str(&format!(
            // Every fixture with its `serde`, `stub` and `blocking` features on: their glue
            // compiles for every protocol and shape kind.
            "{} = {{ path = \"../{}\", features = [\"serde\", \"stub\", \"blocking\"] }}\n",
            fixture.package(),
            fixture.dir
        ));
    }
    members.push("\"smoke\"".to_owned());

    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    write_if_changed(
        &ws.join("Cargo.toml"),
        format!(
            "# Written by codegen/tests/golden_compiles.rs: the golden fixture crates.\n\n\
             [workspace]\nresolver = \"2\"\nmembers = [{}]\n\n{}",
            members.join(", "),
            profile_tables(&manifest)
        )
        .as_bytes(),
    );
    let smoke_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smoke.rs");
    write_if_changed(
        &ws.join("smoke/Cargo.toml"),
        format!(
            "[package]\nname = \"golden-smoke\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [lib]\npath = {:?}\ndoctest = false\n\n\
             [dependencies]\n{runtime_dep}\n{smoke_deps}{}\n{}\n{}\n",
            smoke_src.to_str().unwrap(),
            workspace_dependency(&manifest, "serde"),
            workspace_dependency(&manifest, "serde_json"),
            workspace_dependency(&manifest, "ciborium"),
        )
        .as_bytes(),
    );
    // Seed (and reseed when the repository's lock changes) the lock file; cargo
    // then drops what the fixtures do not use and adds the fixture crates.
    let lock = std::fs::read(root.join("Cargo.lock")).unwrap();
    if std::fs::read(ws.join("Cargo.lock.seed")).ok().as_deref() != Some(&lock[..]) {
        std::fs::write(ws.join("Cargo.lock"), &lock).unwrap();
        std::fs::write(ws.join("Cargo.lock.seed"), &lock).unwrap();
    }
}

/// Variables cargo sets for the crate it builds or runs, as opposed to the
/// `CARGO_*` configuration a user sets (`CARGO_HOME`, `CARGO_BUILD_*`, …).
fn set_by_cargo_for_crates(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
        "CARGO_CFG_",
        "__CARGO",
    ];
    const NAMES: &[&str] = &[
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

#[test]
fn fixture_crates_build_and_pass_smoke_tests() {
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-fixtures");
    write_fixture_workspace(&ws);
    let (build_dir, profile) = build_dir_and_profile();
    let started = std::time::Instant::now();
    let mut cargo = Command::new(env!("CARGO"));
    // Cargo gives this test the variables it gives a crate being built
    // (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, …). Build scripts that rerun
    // when those change (ring's) would then be dirty here and dirty again in
    // the repository's own builds: the nested cargo gets the environment
    // this `cargo test` was started with.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if set_by_cargo_for_crates(&name) {
            cargo.env_remove(&*name);
        }
    }
    let output = cargo
        .arg("test")
        .arg("--manifest-path")
        .arg(ws.join("Cargo.toml"))
        .args(["-p", "golden-smoke", "--lib"])
        .args(&profile)
        // Intermediate artifacts in the repository's build directory (the
        // dependencies are already there); final ones apart, since the
        // fixture `boto-dynamodb` would overwrite the real one's.
        .env("CARGO_BUILD_BUILD_DIR", &build_dir)
        .env("CARGO_TARGET_DIR", ws.join("target"))
        .output()
        .expect("runs cargo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "fixture workspace {}: cargo test took {:.1?}",
        ws.display(),
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "the fixture crates do not build or their smoke tests fail \
         (workspace {}, files from tests/golden/*/out; refresh them with `{}`):\n\
         --- stderr\n{stderr}\n--- stdout\n{stdout}",
        ws.display(),
        fixtures::UPDATE_COMMAND
    );
    // Generated code (and the smoke tests) must build without warnings:
    // cargo sums them up per package.
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            l.starts_with("warning: `")
                && l.contains("generated")
                && (l.contains("`boto-") || l.contains("`golden-smoke"))
        })
        .collect();
    assert!(
        warned.is_empty(),
        "building the fixture crates warns: {warned:?}\n{stderr}"
    );
}
