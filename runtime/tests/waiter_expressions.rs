//! Every acceptor of every waiter in botocore's data folder (all services, all
//! api-versions) is one the waiter engine handles: its JMESPath argument
//! compiles and calls only known functions, its matcher and state are known,
//! and its expected value is a JSON literal.

use std::io::Read;
use std::path::{Path, PathBuf};

use boto_runtime::waiter::compile;
use serde_json::Value;

/// botocore's `data` folder: `$BOTOCORE_DATA`, else asked of python3.
fn botocore_data() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOTOCORE_DATA") {
        return PathBuf::from(dir);
    }
    boto_runtime::model_files::botocore_data("python3").unwrap_or_else(|e| panic!("{e}"))
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        text
    } else {
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn waiter_files(data: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dirs = std::fs::read_dir(data).unwrap_or_else(|e| {
        panic!(
            "botocore data folder {} unreadable: {e}; set BOTOCORE_DATA",
            data.display()
        )
    });
    for service in dirs.flatten() {
        let Ok(versions) = std::fs::read_dir(service.path()) else {
            continue;
        };
        for version in versions.flatten() {
            for name in ["waiters-2.json", "waiters-2.json.gz"] {
                let path = version.path().join(name);
                if path.is_file() {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_botocore_waiter_acceptor_is_supported() {
    let data = botocore_data();
    let files = waiter_files(&data);
    assert!(
        files.len() > 100,
        "only {} waiter files under {}",
        files.len(),
        data.display()
    );
    let (mut waiters, mut acceptors, mut expressions) = (0, 0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let model = read_json(file);
        let rel = file
            .strip_prefix(&data)
            .unwrap_or(file)
            .display()
            .to_string();
        assert_eq!(model["version"], 2, "{rel}: waiter model version");
        let Some(all) = model["waiters"].as_object() else {
            panic!("{rel}: no `waiters` object");
        };
        for (name, waiter) in all {
            waiters += 1;
            let here = format!("{rel} {name}");
            for key in ["delay", "maxAttempts"] {
                if !waiter[key].is_u64() {
                    failures.push(format!("{here}: {key} is not a whole number"));
                }
            }
            for (i, acceptor) in waiter["acceptors"]
                .as_array()
                .unwrap_or(&Vec::new())
                .iter()
                .enumerate()
            {
                acceptors += 1;
                let here = format!("{here} acceptor #{i}");
                let matcher = acceptor["matcher"].as_str().unwrap_or_default();
                if !["success", "failure", "retry"]
                    .contains(&acceptor["state"].as_str().unwrap_or_default())
                {
                    failures.push(format!("{here}: state {}", acceptor["state"]));
                }
                match matcher {
                    "path" | "pathAll" | "pathAny" => match acceptor["argument"].as_str() {
                        Some(expr) => {
                            expressions += 1;
                            if let Err(e) = compile(expr) {
                                failures.push(format!("{here}: {e}"));
                            }
                        }
                        None => failures.push(format!("{here}: {matcher} without argument")),
                    },
                    "status" => {
                        if !acceptor["expected"].is_u64() {
                            failures.push(format!("{here}: status {}", acceptor["expected"]));
                        }
                    }
                    "error" => {
                        if !(acceptor["expected"].is_string() || acceptor["expected"].is_boolean())
                        {
                            failures.push(format!("{here}: error {}", acceptor["expected"]));
                        }
                    }
                    other => failures.push(format!("{here}: unknown matcher {other:?}")),
                }
                if acceptor.get("expected").is_none() {
                    failures.push(format!("{here}: no expected value"));
                }
            }
        }
    }
    println!(
        "{} files, {waiters} waiters, {acceptors} acceptors, {expressions} expressions",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} unsupported:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(expressions > 1000, "only {expressions} expressions found");
}
