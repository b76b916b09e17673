//! Waiters: what the generator emits for a `waiters-2.json`, and bad waiter
//! models failing with an error naming service and waiter.

use boto_codegen::load::LoadedModel;
use boto_codegen::waiters::WaitersModel;
use boto_codegen::{generate_loaded, Options};
use boto_runtime::model::ServiceModel;

fn loaded(waiters: &str, input_member: &str) -> LoadedModel {
    let text = format!(
        r#"{{"metadata": {{"apiVersion": "1", "protocol": "json", "protocols": ["json"]}},
            "operations": {{
              "DescribeThing": {{"name": "DescribeThing", "http": {{}},
                "input": {{"shape": "In"}}, "output": {{"shape": "Out"}}}},
              "DeleteThing": {{"name": "DeleteThing", "http": {{}}, "input": {{"shape": "In"}}}}}},
            "shapes": {{
              "In": {{"type": "structure", "members": {{"{input_member}": {{"shape": "S"}}}}}},
              "Out": {{"type": "structure", "members": {{"Status": {{"shape": "S"}}}}}},
              "S": {{"type": "string"}}}}}}"#
    );
    LoadedModel {
        service: "svc".into(),
        api_version_dir: "unused".into(),
        model: ServiceModel::from_json(&text).unwrap(),
        waiters: Some(serde_json::from_str::<WaitersModel>(waiters).unwrap()),
        paginators: None,
        resources: None,
    }
}

fn waiter(operation: &str, acceptor: &str) -> String {
    format!(
        r#"{{"version": 2, "waiters": {{"ThingReady": {{"operation": "{operation}",
            "delay": 2.5, "maxAttempts": 7, "description": "Waits for the thing.",
            "acceptors": [{acceptor}]}}}}}}"#
    )
}

const GOOD: &str = r#"{"state": "success", "matcher": "path", "argument": "Status", "expected": "ready"},
    {"state": "retry", "matcher": "error", "expected": "Throttled"},
    {"state": "failure", "matcher": "status", "expected": 500}"#;

fn file(files: &[boto_codegen::File], path: &str) -> String {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
        .clone()
}

#[test]
fn emits_specs_client_methods_and_wait_mode() {
    let files = generate_loaded(
        &loaded(&waiter("DescribeThing", GOOD), "Id"),
        &Options::default(),
    )
    .unwrap();
    let waiters = file(&files, "src/waiters.rs");
    for needle in [
        "name: \"ThingReady\"",
        // DeleteThing sorts before DescribeThing.
        "operation: 1,",
        "delay: std::time::Duration::from_millis(2500)",
        "max_attempts: 7",
        r#"a(State::Success, Matcher::Path, Some("Status"), "\"ready\"")"#,
        r#"a(State::Retry, Matcher::Error, None, "\"Throttled\"")"#,
        r#"a(State::Failure, Matcher::Status, None, "500")"#,
        "pub fn wait_until_thing_ready(&self) -> operation::DescribeThing<Wait>",
        "/// Waits for the thing.",
    ] {
        assert!(waiters.contains(needle), "{needle} missing in\n{waiters}");
    }
    let ops = file(&files, "src/operation.rs");
    assert!(ops.contains("pub struct DescribeThing<M = boto_runtime::waiter::Call>"));
    assert!(ops.contains("impl<M> DescribeThing<M>"));
    assert!(ops.contains("impl DescribeThing<boto_runtime::waiter::Wait>"));
    // Every builder is mode-generic; only polled operations get a wait mode.
    assert!(ops.contains("pub struct DeleteThing<M = boto_runtime::waiter::Call>"));
    assert!(!ops.contains("impl DeleteThing<boto_runtime::waiter::Wait>"));
    assert!(file(&files, "src/lib.rs").contains("pub mod waiters;"));
}

#[test]
fn no_waiters_no_module() {
    let mut l = loaded(&waiter("DescribeThing", GOOD), "Id");
    l.waiters = None;
    let files = generate_loaded(&l, &Options::default()).unwrap();
    assert!(files.iter().all(|f| f.path != "src/waiters.rs"));
    assert!(!file(&files, "src/lib.rs").contains("mod waiters"));
}

fn error(waiters: &str, input_member: &str) -> String {
    match generate_loaded(&loaded(waiters, input_member), &Options::default()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn bad_waiter_models_are_errors() {
    let cases = [
        (waiter("Nope", GOOD), "Id", "operation Nope does not exist"),
        (waiter("DeleteThing", GOOD), "Id", "has no output"),
        (
            waiter(
                "DescribeThing",
                r#"{"state": "success", "matcher": "path", "argument": "a[?", "expected": 1}"#,
            ),
            "Id",
            "acceptor #0: expression \"a[?\"",
        ),
        (
            waiter(
                "DescribeThing",
                r#"{"state": "done", "matcher": "status", "expected": 200}"#,
            ),
            "Id",
            "unknown state \"done\"",
        ),
        (
            waiter(
                "DescribeThing",
                r#"{"state": "success", "matcher": "pathAny", "expected": 1}"#,
            ),
            "Id",
            "without an argument",
        ),
        (
            waiter(
                "DescribeThing",
                r#"{"state": "success", "matcher": "status", "expected": "200"}"#,
            ),
            "Id",
            "status matcher expects \"200\"",
        ),
        (
            waiter("DescribeThing", GOOD),
            "MaxAttempts",
            "setter `max_attempts`",
        ),
        (
            r#"{"version": 3, "waiters": {}}"#.to_owned(),
            "Id",
            "version 3",
        ),
    ];
    for (model, member, expected) in cases {
        let e = error(&model, member);
        assert!(e.contains("service svc"), "{e}");
        assert!(e.contains(expected), "{expected:?} not in {e}");
    }
}
