//! `cargo xtask conformance endpoints [--models DIR] PATH...`: runs the
//! endpoint rules test cases (`endpoint-tests-1.json`) through the runtime's
//! rules engine and the parameter binding clients use.
//!
//! PATH is a test file or a folder holding `<service>/endpoint-tests-1.json`;
//! the service (its folder name) names the model and rule set in `--models`
//! (botocore's layout, plain or gzipped; default the vendored `models/`).
//! A case's `params` go straight to the rules; each of its `operationInputs`
//! goes through [`customize::resolve_endpoint`] as a call would: built-ins,
//! client context parameters, the operation's input bound by the model's
//! context parameters, then the service's customizations.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use boto_codegen::load;
use boto_runtime::customize::{self, Call};
use boto_runtime::dynamic::{build_service, DynValue};
use boto_runtime::endpoint::{self, Builtins, Partitions, Resolver, Value};
use boto_runtime::env::Env;
use boto_runtime::error::EndpointError;
use boto_runtime::schema::Service;
use boto_runtime::value::Ser;
use serde_json::Value as J;

use crate::conformance::Report;

pub fn run(args: &[String]) -> Result<()> {
    let mut models = crate::root().join("models");
    let mut paths = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        if a == "--models" {
            models = PathBuf::from(args.next().context("--models needs a folder")?);
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    if paths.is_empty() {
        bail!("usage: cargo xtask conformance endpoints [--models DIR] PATH... (files or folders)");
    }
    let report = run_endpoints(&models, &paths)?;
    report.print();
    if report.failed.is_empty() {
        Ok(())
    } else {
        bail!("{} endpoint case(s) failed", report.failed.len())
    }
}

/// The test files under `path`: itself, or `<dir>/*/endpoint-tests-1.json[.gz]`.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if path.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    if !path.is_dir() {
        bail!("{} does not exist", path.display());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for e in entries {
        if let Some(f) = load::find_file(&e, "endpoint-tests-1.json") {
            out.push(f);
        } else if e.is_dir() {
            // botocore's layout: <service>/<api-version>/endpoint-tests-1.json
            if let Ok(dir) = load::newest_version_dir(&e) {
                if let Some(f) = load::find_file(&dir, "endpoint-tests-1.json") {
                    out.push(f);
                }
            }
        }
    }
    Ok(())
}

/// The service a test file belongs to: the folder above it (or above its api-version folder).
fn service_name(file: &Path) -> Result<String> {
    let mut dir = file.parent().context("a test file has a folder")?;
    let name = |d: &Path| d.file_name().map(|n| n.to_string_lossy().into_owned());
    if name(dir).is_some_and(|n| n.chars().next().is_some_and(|c| c.is_ascii_digit())) {
        dir = dir
            .parent()
            .context("api-version folder without a service folder")?;
    }
    name(dir).context("no service folder name")
}

fn load_service(models: &Path, name: &str) -> Result<&'static Service> {
    let dir = load::newest_version_dir(&models.join(name))
        .with_context(|| format!("no model for {name} in {}", models.display()))?;
    let path = load::find_file(&dir, "service-2.json").context("no service-2.json")?;
    let mut model = boto_runtime::model::ServiceModel::from_json(&load::read_text(&path)?)
        .with_context(|| format!("parsing {}", path.display()))?;
    model.endpoint_rules = load::endpoint_rules(&dir)?;
    if model.endpoint_rules.is_none() {
        bail!("{name}: no endpoint-rule-set-1.json in {}", dir.display());
    }
    Ok(build_service(name, &model)?)
}

fn partitions(models: &Path) -> Result<&'static Partitions> {
    match load::find_file(models, "partitions.json") {
        Some(path) => {
            let parsed = Partitions::parse(&load::read_text(&path)?)
                .with_context(|| format!("parsing {}", path.display()))?;
            Ok(Box::leak(Box::new(parsed)))
        }
        None => Ok(Partitions::builtin()),
    }
}

pub fn run_endpoints(models: &Path, paths: &[PathBuf]) -> Result<Report> {
    let partitions = partitions(models)?;
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    let mut report = Report::default();
    for file in files {
        let name = service_name(&file)?;
        let service = match load_service(models, &name) {
            Ok(s) => s,
            Err(e) => {
                report.failed.push((name.clone(), format!("{e:#}")));
                continue;
            }
        };
        let text = load::read_text(&file)?;
        let tests: J =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
        let cases = tests["testCases"].as_array().cloned().unwrap_or_default();
        for (i, case) in cases.iter().enumerate() {
            let doc = case["documentation"].as_str().unwrap_or("");
            let key = format!("{name}#{i}: {doc}");
            match run_case(service, partitions, case) {
                Ok(()) => report.passed += 1,
                Err(why) => report.failed.push((key, format!("{why:#}"))),
            }
        }
    }
    Ok(report)
}

fn value(json: &J) -> Result<Value> {
    Ok(match json {
        J::Bool(b) => Value::Bool(*b),
        J::String(s) => Value::Str(s.clone()),
        J::Array(items) => Value::Array(items.iter().map(value).collect::<Result<_>>()?),
        other => bail!("unsupported parameter value {other}"),
    })
}

fn run_case(service: &'static Service, partitions: &'static Partitions, case: &J) -> Result<()> {
    let expect = &case["expect"];
    // The parameters as given, straight to the rules.
    let rules = service
        .endpoint_rules
        .context("no rule set")?
        .get()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut values = vec![None; rules.params().len()];
    for (k, v) in case["params"].as_object().into_iter().flatten() {
        let Some(i) = rules.param_index(k) else {
            bail!("the rule set has no parameter {k}");
        };
        values[i] = Some(value(v)?);
    }
    let region = rules
        .param_index("Region")
        .and_then(|i| values[i].clone())
        .and_then(|v| v.as_str().map(str::to_owned));
    let direct = rules
        .evaluate(&values, partitions)
        .map_err(|e| match e {
            endpoint::Outcome::Rule(m) | endpoint::Outcome::Invalid(m) => m,
        })
        .and_then(|found| {
            endpoint::endpoint_from_rule(service, found, region.as_deref())
                .map_err(|e| e.to_string())
        });
    compare(expect, direct).context("params")?;

    // Each operation input, bound as a client binds it.
    for (n, input) in case["operationInputs"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mut builtins = Builtins::default();
        for (k, v) in input["builtInParams"].as_object().into_iter().flatten() {
            builtins
                .set(k, value(v)?)
                .map_err(|e| anyhow::anyhow!("operationInputs[{n}]: {e}"))?;
        }
        let client_params = input["clientParams"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| Ok((k.clone(), value(v)?)))
            .collect::<Result<Vec<_>>>()?;
        let op_name = input["operationName"].as_str().context("operationName")?;
        let op = service
            .operation(op_name)
            .with_context(|| format!("no operation {op_name}"))?;
        let params = input
            .get("operationParams")
            .cloned()
            .unwrap_or(J::Object(Default::default()));
        let dyn_input = match op.input {
            Some(shape) => Some(DynValue::from_json(service, shape, &params)?),
            None => None,
        };
        let account_id = builtins.get("AWS::Auth::AccountId");
        let outcome = Resolver::with_partitions(service, &builtins, &client_params, partitions)
            .and_then(|resolver| {
                let env = Env::from_vars(std::iter::empty::<(String, String)>());
                let call = Call::new(service, op, &env);
                customize::resolve_endpoint(
                    &call,
                    &resolver,
                    dyn_input.as_ref().map(|v| v as &dyn Ser),
                    account_id.as_ref().and_then(Value::as_str),
                )
                .map(|e| (*e).clone())
            })
            .map_err(|e| match e {
                EndpointError::Rule { message, .. } | EndpointError::Resolution { message, .. } => {
                    message
                }
                other => other.to_string(),
            });
        compare(expect, outcome).with_context(|| format!("operationInputs[{n}] ({op_name})"))?;
    }
    Ok(())
}

fn compare(expect: &J, got: std::result::Result<endpoint::Endpoint, String>) -> Result<()> {
    match (expect.get("error").and_then(J::as_str), got) {
        (Some(want), Err(got)) if want == got => Ok(()),
        (Some(want), Err(got)) => bail!("error {got:?}, expected {want:?}"),
        (Some(want), Ok(e)) => bail!("resolved {}, expected the error {want:?}", e.url),
        (None, Err(got)) => bail!("error {got:?}, expected {}", expect["endpoint"]),
        (None, Ok(e)) => {
            let want = &expect["endpoint"];
            if want["url"].as_str() != Some(e.url.as_str()) {
                bail!("url {}, expected {}", e.url, want["url"]);
            }
            let want_props = want
                .get("properties")
                .cloned()
                .unwrap_or(J::Object(Default::default()));
            if want_props != J::Object(e.properties.clone()) {
                bail!(
                    "properties {}, expected {want_props}",
                    J::Object(e.properties.clone())
                );
            }
            let want_headers: Vec<(String, String)> = want["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_array()?.first()?.as_str()?.to_owned())))
                .collect();
            if want_headers != e.headers {
                bail!("headers {:?}, expected {want_headers:?}", e.headers);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every endpoint test case of the vendored services passes.
    #[test]
    fn endpoint_suites() {
        let dir = crate::root().join("../shared/conformance/endpoints");
        assert!(
            dir.is_dir(),
            "{} is missing: the conformance suites live in shared/conformance beside the repository",
            dir.display()
        );
        let report = run_endpoints(&crate::root().join("models"), &[dir]).expect("suites load");
        report.print();
        assert!(
            report.passed > 1000,
            "only {} endpoint cases ran",
            report.passed
        );
        assert!(
            report.failed.is_empty(),
            "{} endpoint failure(s); see the FAIL lines above",
            report.failed.len()
        );
    }
}
