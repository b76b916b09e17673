//! `cargo xtask conformance protocols PATH...`: runs botocore's protocol test
//! suites through the runtime's codecs, by the dynamic path (schema built from
//! the suite's JSON at run time, values as [`DynValue`]).
//!
//! Cases we cannot pass yet are listed with their reason in
//! `xtask/conformance-skips.json`; any other failure fails the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::Engine;
use boto_runtime::client::{prepare_request, Prepared};
use boto_runtime::dynamic::{build_service, DynValue};
use boto_runtime::endpoint;
use boto_runtime::model::{ModelMetadata, ModelOperation, ModelShape, ServiceModel};
use boto_runtime::protocol::{self, HttpResponse, SerializeOptions};
use boto_runtime::schema::{Protocol, Service};
use boto_runtime::value::Ser;
use serde_json::Value as J;

/// The token the suites expect for auto-filled idempotency tokens.
const TEST_TOKEN: &str = "00000000-0000-4000-8000-000000000000";

pub fn run(args: &[String]) -> Result<()> {
    match args.split_first() {
        Some((kind, paths)) if kind == "protocols" => {
            if paths.is_empty() {
                bail!("usage: cargo xtask conformance protocols PATH... (files or folders)");
            }
            let report = run_protocols(&paths.iter().map(PathBuf::from).collect::<Vec<_>>())?;
            report.print();
            if report.failed.is_empty() {
                Ok(())
            } else {
                bail!("{} protocol case(s) failed", report.failed.len())
            }
        }
        Some((kind, rest)) if kind == "endpoints" => crate::conformance_endpoints::run(rest),
        _ => bail!(
            "usage: cargo xtask conformance protocols PATH... | endpoints [--models DIR] PATH..."
        ),
    }
}

/// The outcome of a run.
#[derive(Default)]
pub struct Report {
    pub passed: usize,
    /// `(key, why)` for each failure not in the skip list.
    pub failed: Vec<(String, String)>,
    /// `(key, reason)` for each listed case that was skipped.
    pub skipped: Vec<(String, String)>,
    /// Listed cases that passed: the skip list is stale.
    pub stale_skips: Vec<String>,
}

impl Report {
    pub fn print(&self) {
        for (key, why) in &self.failed {
            println!("FAIL {key}: {why}");
        }
        for (key, reason) in &self.skipped {
            println!("skip {key}: {reason}");
        }
        for key in &self.stale_skips {
            println!("note: {key} passes but is listed in xtask/conformance-skips.json");
        }
        println!(
            "{} passed, {} failed, {} skipped",
            self.passed,
            self.failed.len(),
            self.skipped.len()
        );
    }
}

fn skip_list() -> Result<BTreeMap<String, String>> {
    let path = crate::root().join("xtask/conformance-skips.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.path());
        for e in entries {
            collect(&e.path(), out)?;
        }
    } else if path.extension().is_some_and(|e| e == "json")
        && path
            .file_name()
            .is_some_and(|n| n != "botocore-ignore-list.json")
    {
        out.push(path.to_path_buf());
    } else if !path.exists() {
        bail!("{} does not exist", path.display());
    }
    Ok(())
}

pub fn run_protocols(paths: &[PathBuf]) -> Result<Report> {
    let skips = skip_list()?;
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    let mut report = Report::default();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let suites: Vec<J> =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
        let dir = file
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = file
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for suite in &suites {
            for case in suite["cases"].as_array().into_iter().flatten() {
                let id = case["id"].as_str().unwrap_or("?");
                let key = format!("{dir}/{stem}:{id}");
                let outcome = run_case(suite, case);
                match (outcome, skips.get(&key)) {
                    (Ok(()), None) => report.passed += 1,
                    (Ok(()), Some(_)) => {
                        report.passed += 1;
                        report.stale_skips.push(key);
                    }
                    (Err(_), Some(reason)) => report.skipped.push((key, reason.clone())),
                    (Err(why), None) => report.failed.push((key, format!("{why:#}"))),
                }
            }
        }
    }
    Ok(report)
}

/// Builds a one-operation service from a suite and a case's `given`.
fn service_for(suite: &J, case: &J) -> Result<&'static Service> {
    let metadata: ModelMetadata =
        serde_json::from_value(suite["metadata"].clone()).context("suite metadata")?;
    let shapes: BTreeMap<String, ModelShape> =
        serde_json::from_value(suite["shapes"].clone()).context("suite shapes")?;
    let op: ModelOperation = serde_json::from_value(case["given"].clone()).context("case given")?;
    let model = ServiceModel {
        metadata,
        operations: [(op.name.clone(), op)].into_iter().collect(),
        shapes,
        ..Default::default()
    };
    Ok(build_service("conformance", &model)?)
}

fn run_case(suite: &J, case: &J) -> Result<()> {
    let service = service_for(suite, case)?;
    let op = &service.operations[0];
    let codec = protocol::codec(service.metadata.protocol);
    if let Some(expected) = case.get("serialized") {
        let input = match op.input {
            Some(shape) => Some(DynValue::from_json(service, shape, &case["params"])?),
            None => None,
        };
        let token = || TEST_TOKEN.to_owned();
        let request = codec.serialize(
            service,
            op,
            input.as_ref().map(|v| v as &dyn Ser),
            &SerializeOptions {
                idempotency_token: &token,
            },
        )?;
        // What a client sends: the codec's request after the client's own steps
        // (endpoint path and host prefix, compression, Content-MD5, Content-Length).
        let endpoint = suite["clientEndpoint"]
            .as_str()
            .unwrap_or("https://example.com");
        let host_prefix = request.host_prefix.clone();
        let resolved = endpoint::endpoint_from_rule(
            service,
            endpoint::RuleEndpoint {
                url: endpoint.to_owned(),
                headers: Vec::new(),
                properties: Default::default(),
            },
            Some("us-east-1"),
        )?;
        let prepared = prepare_request(service, op, request, &resolved)?;
        check_request(
            service.metadata.protocol,
            endpoint,
            host_prefix.as_deref(),
            expected,
            &prepared,
        )
    } else {
        let resp = &case["response"];
        let mut response = HttpResponse {
            status: resp["status_code"].as_u64().unwrap_or(200) as u16,
            ..Default::default()
        };
        for (k, v) in resp["headers"].as_object().into_iter().flatten() {
            response.headers.append(
                http::HeaderName::from_bytes(k.as_bytes())?,
                http::HeaderValue::from_str(v.as_str().unwrap_or_default())?,
            );
        }
        let body = resp["body"].as_str().unwrap_or_default();
        response.body = if service.metadata.protocol == Protocol::RpcV2Cbor {
            base64::engine::general_purpose::STANDARD
                .decode(body)?
                .into()
        } else {
            body.to_owned().into()
        };
        if let Some(code) = case.get("errorCode").and_then(J::as_str) {
            if !codec.is_error(service, op, &response) {
                bail!("response not recognized as an error");
            }
            let info = codec.error_info(service, &response);
            if info.code != code {
                bail!("error code {:?}, expected {code:?}", info.code);
            }
            if let Some(msg) = case.get("errorMessage").and_then(J::as_str) {
                if info.message.as_deref() != Some(msg) {
                    bail!("error message {:?}, expected {msg:?}", info.message);
                }
            }
            let index = protocol::find_error_for(service, op, &info)
                .with_context(|| format!("no modeled error matches code {code:?}"))?;
            let shape = op.errors[index];
            let mut value = DynValue::Empty;
            codec.deserialize_error(service, shape, &response, &mut value)?;
            let got = value.to_json(service, shape);
            compare_json(&case["error"], &got).context("error fields")
        } else {
            if codec.is_error(service, op, &response) {
                bail!("success response taken for an error");
            }
            let mut value = DynValue::Empty;
            codec.deserialize(service, op, &response, &mut value)?;
            let got = match op.output {
                Some(shape) => value.to_json(service, shape),
                None => J::Object(Default::default()),
            };
            compare_json(&case["result"], &got).context("result")
        }
    }
}

fn check_request(
    protocol: Protocol,
    endpoint: &str,
    host_prefix: Option<&str>,
    expected: &J,
    request: &Prepared,
) -> Result<()> {
    let method = expected["method"].as_str().unwrap_or("POST");
    if request.method.as_str() != method {
        bail!("method {}, expected {method}", request.method);
    }
    let uri = expected["uri"].as_str().unwrap_or("/");
    let (want_path, want_query) = uri.split_once('?').unwrap_or((uri, ""));
    // The path and query of the URL sent: what follows `scheme://host`.
    let after_scheme = request
        .url
        .split_once("://")
        .map_or(&*request.url, |(_, r)| r);
    let sent = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let (got_path, got_query) = sent.split_once('?').unwrap_or((sent, ""));
    if want_path != got_path || sorted_query(want_query) != sorted_query(got_query) {
        bail!("uri {sent:?}, expected {uri:?}");
    }
    if let Some(host) = expected.get("host").and_then(J::as_str) {
        // The suites write the endpoint's host and path as the host.
        let base = endpoint.split_once("://").map_or(endpoint, |(_, h)| h);
        let got = format!("{}{base}", host_prefix.unwrap_or(""));
        if got != host {
            bail!("host {got:?}, expected {host:?}");
        }
    }
    for (name, value) in expected["headers"].as_object().into_iter().flatten() {
        let got = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        let want = value.as_str().unwrap_or_default();
        if !same_header(name, &got, want) {
            bail!("header {name}: {got:?}, expected {want:?}");
        }
    }
    for name in expected["forbidHeaders"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if request.headers.contains_key(name) {
            bail!("header {name} must not be sent");
        }
    }
    for name in expected["requireHeaders"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !request.headers.contains_key(name) {
            bail!("header {name} is required");
        }
    }
    // A case without a `body` key does not constrain the body.
    match expected.get("body").and_then(J::as_str) {
        Some(want) => compare_body(protocol, want, &request.body).context("body"),
        None => Ok(()),
    }
}

fn sorted_query(q: &str) -> Vec<String> {
    let mut v: Vec<String> = q
        .split('&')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

fn compare_body(protocol: Protocol, want: &str, got: &[u8]) -> Result<()> {
    let got_text = String::from_utf8_lossy(got);
    if want.is_empty() || got.is_empty() {
        if want.is_empty() && got.is_empty() {
            return Ok(());
        }
        bail!("{got_text:?}, expected {want:?}");
    }
    match protocol {
        Protocol::RpcV2Cbor => {
            let want = base64::engine::general_purpose::STANDARD.decode(want)?;
            let a: ciborium::Value = ciborium::from_reader(&want[..]).context("expected CBOR")?;
            let b: ciborium::Value = ciborium::from_reader(got).context("sent CBOR")?;
            if !cbor_eq(&a, &b) {
                bail!("CBOR {b:?}, expected {a:?}");
            }
            Ok(())
        }
        Protocol::Query | Protocol::Ec2 => {
            let parse = |s: &[u8]| {
                let mut v: Vec<(String, String)> = form_urlencoded::parse(s).into_owned().collect();
                v.sort();
                v
            };
            if parse(want.as_bytes()) != parse(got) {
                bail!("{got_text:?}, expected {want:?}");
            }
            Ok(())
        }
        _ => {
            if let Ok(w) = serde_json::from_str::<J>(want) {
                let g: J =
                    serde_json::from_slice(got).with_context(|| format!("sent {got_text:?}"))?;
                return compare_json(&w, &g);
            }
            if want.trim_start().starts_with('<') {
                return compare_xml(want, &got_text);
            }
            if want.as_bytes() != got {
                bail!("{got_text:?}, expected {want:?}");
            }
            Ok(())
        }
    }
}

/// Header values as botocore's own protocol tests accept them: we send what
/// botocore sends, where the shared (Smithy) cases are stricter in form.
/// List items are joined with a bare `,` (botocore) where a case writes
/// `, `; a `Content-Type` with parameters (`; charset=utf-8` on query and ec2
/// bodies) matches a case that names the bare media type.
fn same_header(name: &str, got: &str, want: &str) -> bool {
    if got == want {
        return true;
    }
    if name.eq_ignore_ascii_case("content-type") && !want.contains(';') {
        return got.split(';').next().map(str::trim) == Some(want);
    }
    got.replace(", ", ",") == want.replace(", ", ",")
}

/// Compares parsed values: numbers by value, objects ignoring key order.
pub fn compare_json(want: &J, got: &J) -> Result<()> {
    fn eq(a: &J, b: &J) -> bool {
        match (a, b) {
            (J::Number(x), J::Number(y)) => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
            }
            (J::Array(x), J::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| eq(a, b))
            }
            (J::Object(x), J::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| eq(v, w)))
            }
            _ => a == b,
        }
    }
    if eq(want, got) {
        Ok(())
    } else {
        bail!("got {got}, expected {want}")
    }
}

fn cbor_eq(a: &ciborium::Value, b: &ciborium::Value) -> bool {
    use ciborium::Value as C;
    match (a, b) {
        (C::Float(x), C::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (C::Array(x), C::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| cbor_eq(a, b))
        }
        (C::Map(x), C::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| cbor_eq(k, k2) && cbor_eq(v, v2)))
        }
        (C::Tag(t, x), C::Tag(u, y)) => t == u && cbor_eq(x, y),
        _ => a == b,
    }
}

/// Compares XML documents: element names, attributes, and trimmed text, in order.
fn compare_xml(want: &str, got: &str) -> Result<()> {
    let w = roxmltree::Document::parse(want).context("expected XML")?;
    let g = roxmltree::Document::parse(got).with_context(|| format!("sent XML {got:?}"))?;
    fn canon(n: roxmltree::Node, out: &mut String) {
        if n.is_element() {
            out.push('<');
            if let Some(ns) = n.tag_name().namespace() {
                out.push_str(&format!("{{{ns}}}"));
            }
            out.push_str(n.tag_name().name());
            let mut attrs: Vec<String> = n
                .attributes()
                .map(|a| {
                    format!(
                        " {}{}={:?}",
                        a.namespace()
                            .map(|n| format!("{{{n}}}"))
                            .unwrap_or_default(),
                        a.name(),
                        a.value()
                    )
                })
                .collect();
            attrs.sort();
            out.push_str(&attrs.concat());
            out.push('>');
            for c in n.children() {
                canon(c, out);
            }
            out.push_str("</>");
        } else if n.is_text() {
            out.push_str(n.text().unwrap_or_default().trim());
        }
    }
    let (mut a, mut b) = (String::new(), String::new());
    canon(w.root_element(), &mut a);
    canon(g.root_element(), &mut b);
    if a != b {
        bail!("XML {got:?}, expected {want:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case of botocore's protocol suites passes, or is listed with its reason.
    #[test]
    fn protocol_suites() {
        let dir = crate::root().join("../shared/conformance/protocols");
        assert!(
            dir.is_dir(),
            "{} is missing: the conformance suites live in shared/conformance beside the repository",
            dir.display()
        );
        let report = run_protocols(&[dir]).expect("suites load");
        report.print();
        assert!(report.passed > 0, "no protocol case ran");
        assert!(
            report.failed.is_empty(),
            "{} unlisted protocol failure(s); see the FAIL lines above",
            report.failed.len()
        );
        assert!(
            report.stale_skips.is_empty(),
            "xtask/conformance-skips.json lists cases that now pass: {:?}",
            report.stale_skips
        );
    }
}
