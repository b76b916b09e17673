//! Tidy: the runtime's non-test code never unwraps, and every `expect`,
//! `panic!` and `unreachable!` left states an invariant of the runtime's own
//! making (listed here), never a property of server or model data. A new one
//! fails this test: handle the case with a typed error instead, or, for a
//! true invariant, add it below with the reason.

use std::path::{Path, PathBuf};

/// `(file, the text that must appear on the line)`: each an invariant.
const ALLOWED: &[(&str, &str)] = &[
    ("value.rs", "expect(\"just pushed\")"),
    ("dynamic/mod.rs", "expect(\"just pushed\")"),
    ("dynamic/mod.rs", "unreachable!(\"just made a structure\")"),
    ("dynamic/mod.rs", "unreachable!(\"just made a list\")"),
    ("dynamic/mod.rs", "unreachable!(\"just made a map\")"),
    // The stubber's `assert_done` is a test assertion: failing is its job.
    ("stub.rs", "panic!(\"stubber: {}\", problems.join(\"\\n\"))"),
    ("transport.rs", "expect(\"a uuid is a header value\")"),
    ("transport.rs", "expect(\"digits are a header value\")"),
    (
        "customize/glacier.rs",
        "expect(\"hex is a valid header value\")",
    ),
    ("customize/glacier.rs", "unreachable!(\"chunks(2)\")"),
    // Data compiled into the crate, checked by its unit tests.
    (
        "endpoint/stdlib.rs",
        "panic!(\"the bundled partitions.json is invalid",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn runtime_code_does_not_unwrap_or_panic_on_data() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        // Allowed sites are keyed by the path below `runtime/src`.
        let name = file
            .strip_prefix(&src)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
        // Test-only modules.
        if matches!(
            file_name.as_str(),
            "tests.rs" | "test_server.rs" | "test_models.rs"
        ) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            // Unit tests sit at the end of a file, after `#[cfg(test)]`.
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or_default();
            let suspicious = [
                ".unwrap()",
                ".expect(",
                "panic!(",
                "unreachable!(",
                "todo!(",
                "unimplemented!(",
            ]
            .iter()
            .any(|p| code.contains(p));
            if !suspicious {
                continue;
            }
            let allowed = ALLOWED
                .iter()
                .any(|(f, text)| *f == name && code.contains(text));
            if !allowed {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(&src).unwrap_or(file).display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the runtime must not unwrap or panic outside tests; return a typed error \
         (or list a true invariant in tests/tests/tidy.rs):\n{}",
        found.join("\n")
    );
}
