//! Every JMESPath expression in every botocore model compiles with the
//! runtime's engine: paginator `output_token`, `more_results`, `result_key`,
//! `non_aggregate_keys`, and every waiter acceptor's `argument`. The models
//! are botocore's own data folder, found through `python3 -c 'import botocore'`.

use std::io::Read;
use std::path::{Path, PathBuf};

use boto_runtime::jmespath;
use serde_json::Value as J;

fn botocore_data() -> PathBuf {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    boto_runtime::model_files::botocore_data(&python).unwrap_or_else(|e| panic!("{e}"))
}

fn read_json(path: &Path) -> J {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        s
    } else {
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(service, file)` for every `name[.gz]` in every api-version folder.
fn model_files(data: &Path, name: &str) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut services: Vec<_> = std::fs::read_dir(data).unwrap().flatten().collect();
    services.sort_by_key(|e| e.file_name());
    for service in services {
        let Ok(versions) = std::fs::read_dir(service.path()) else {
            continue;
        };
        let mut versions: Vec<_> = versions.flatten().collect();
        versions.sort_by_key(|e| e.file_name());
        for version in versions {
            for candidate in [name.to_owned(), format!("{name}.gz")] {
                let path = version.path().join(candidate);
                if path.is_file() {
                    out.push((service.file_name().to_string_lossy().into_owned(), path));
                }
            }
        }
    }
    out
}

fn strings(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::String(s)) => vec![s.clone()],
        Some(J::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn every_paginator_and_waiter_expression_compiles() {
    let data = botocore_data();
    let mut failures = Vec::new();
    let (mut services, mut paginators, mut expressions) = (std::collections::BTreeSet::new(), 0, 0);
    for (service, path) in model_files(&data, "paginators-1.json") {
        services.insert(service.clone());
        let model = read_json(&path);
        let Some(J::Object(pagination)) = model.get("pagination") else {
            failures.push(format!("{}: no `pagination` object", path.display()));
            continue;
        };
        for (operation, config) in pagination {
            paginators += 1;
            for field in [
                "output_token",
                "more_results",
                "result_key",
                "non_aggregate_keys",
            ] {
                for e in strings(config.get(field)) {
                    expressions += 1;
                    if let Err(err) = jmespath::compile(&e) {
                        failures.push(format!("{service} {operation} {field}: {err}"));
                    }
                    // botocore writes result and non-aggregate keys back by dotted path.
                    if matches!(field, "result_key" | "non_aggregate_keys")
                        && !jmespath::is_dotted_path(&e)
                    {
                        failures.push(format!(
                            "{service} {operation} {field} {e:?}: not a dotted path"
                        ));
                    }
                }
            }
        }
    }
    let (mut waiters, mut acceptors) = (0, 0);
    for (service, path) in model_files(&data, "waiters-2.json") {
        services.insert(service.clone());
        let model = read_json(&path);
        let Some(J::Object(all)) = model.get("waiters") else {
            continue;
        };
        for (name, waiter) in all {
            waiters += 1;
            for acceptor in waiter
                .get("acceptors")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
            {
                acceptors += 1;
                let matcher = acceptor.get("matcher").and_then(J::as_str).unwrap_or("");
                if !matches!(matcher, "path" | "pathAll" | "pathAny") {
                    continue;
                }
                let Some(argument) = acceptor.get("argument").and_then(J::as_str) else {
                    failures.push(format!(
                        "{service} waiter {name}: {matcher} acceptor without an argument"
                    ));
                    continue;
                };
                expressions += 1;
                if let Err(err) = jmespath::compile(argument) {
                    failures.push(format!("{service} waiter {name} {matcher}: {err}"));
                }
            }
        }
    }
    println!(
        "{} services: {paginators} paginators, {waiters} waiters ({acceptors} acceptors), \
         {expressions} expressions compiled",
        services.len()
    );
    assert!(
        paginators > 3000,
        "only {paginators} paginators found in {}",
        data.display()
    );
    assert!(
        waiters > 300,
        "only {waiters} waiters found in {}",
        data.display()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Some evaluations botocore's models rely on, against the same engine.
#[test]
fn waiter_style_expressions_evaluate() {
    let doc = serde_json::json!({
        "Reservations": [{"Instances": [{"State": {"Name": "running"}}, {"State": {"Name": "pending"}}]}],
        "Table": {"TableStatus": "ACTIVE"},
    });
    let eval = |e: &str| jmespath::compile(e).unwrap().search(&doc).unwrap();
    assert_eq!(
        eval("Reservations[].Instances[].State.Name"),
        serde_json::json!(["running", "pending"])
    );
    assert_eq!(
        eval("length(Reservations[].Instances[?State.Name == 'running'][]) > `0`"),
        J::Bool(true)
    );
    assert_eq!(
        eval("Table.TableStatus == 'ACTIVE' && !(Table.Missing)"),
        J::Bool(true)
    );
}
