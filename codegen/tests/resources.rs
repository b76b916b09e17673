//! `resources-1.json` in the generator: a good model generates a resource
//! module, and every bad entry is an error naming service, resource and
//! entry, never a panic.

use boto_codegen::resources::ResourcesModel;
use boto_codegen::waiters::WaitersModel;
use boto_codegen::{generate_with, CodegenError, Extras, Options};
use boto_runtime::model::ServiceModel;

fn model() -> ServiceModel {
    ServiceModel::from_json(
        r#"{"metadata": {"apiVersion": "1", "protocol": "json", "protocols": ["json"]},
            "operations": {
              "GetThing": {"name": "GetThing", "http": {}, "input": {"shape": "Id"}, "output": {"shape": "Out"}},
              "ListThings": {"name": "ListThings", "http": {}, "output": {"shape": "List"}}},
            "shapes": {
              "Id": {"type": "structure", "members": {"Name": {"shape": "S"}}},
              "Out": {"type": "structure", "members": {"Thing": {"shape": "Thing"}}},
              "List": {"type": "structure", "members": {"Things": {"shape": "Things"}}},
              "Things": {"type": "list", "member": {"shape": "Thing"}},
              "Thing": {"type": "structure", "members": {"Name": {"shape": "S"}, "Size": {"shape": "I"}}},
              "S": {"type": "string"}, "I": {"type": "integer"}}}"#,
    )
    .unwrap()
}

const THING: &str = r#""Thing": {"identifiers": [{"name": "Name"}], "shape": "Thing",
    "load": {"request": {"operation": "GetThing",
      "params": [{"target": "Name", "source": "identifier", "name": "Name"}]}, "path": "Thing"}}"#;

fn generate(resources: &str) -> Result<Vec<boto_codegen::File>, CodegenError> {
    let model: ResourcesModel = serde_json::from_str(resources).unwrap();
    let waiters: WaitersModel = serde_json::from_str(
        r#"{"version": 2, "waiters": {"ThingExists": {"operation": "GetThing", "delay": 1,
            "maxAttempts": 2, "acceptors": [{"state": "success", "matcher": "status", "expected": 200}]}}}"#,
    )
    .unwrap();
    let extras = Extras {
        resources: Some(&model),
        waiters: Some(&waiters),
        ..Extras::default()
    };
    generate_with("svc", &self::model(), extras, &Options::default())
}

fn error(resources: &str) -> String {
    match generate(resources) {
        Err(e @ CodegenError::Model { .. }) => e.to_string(),
        Err(other) => panic!("expected a model error, got {other}"),
        Ok(_) => panic!("expected an error for {resources}"),
    }
}

#[test]
fn a_good_model_generates_a_resource_module() {
    let files = generate(&format!(
        r#"{{"service": {{"hasMany": {{"Things": {{"request": {{"operation": "ListThings"}},
            "resource": {{"type": "Thing", "identifiers": [{{"target": "Name", "source": "response",
            "path": "Things[].Name"}}], "path": "Things[]"}}}}}}}}, "resources": {{{THING}}}}}"#
    ))
    .unwrap();
    let text = &files
        .iter()
        .find(|f| f.path == "src/resource.rs")
        .expect("resource.rs")
        .contents;
    for expected in [
        "pub struct Resource",
        "pub struct Thing",
        "pub fn things(&self)",
        "pub fn thing(&self, name: impl Into<String>) -> Thing",
        "pub fn size(&self) -> Option<i32>",
        "pub async fn load(&mut self)",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    let lib = &files
        .iter()
        .find(|f| f.path == "src/lib.rs")
        .unwrap()
        .contents;
    assert!(lib.contains("pub use resource::Resource;"));
}

#[test]
fn bad_entries_are_named_errors() {
    let cases = [
        (
            r#"{"service": {"actions": {"Go": {"request": {"operation": "Nope"}}}}}"#,
            "no operation Nope",
        ),
        (
            r#"{"service": {"hasMany": {"Xs": {"request": {"operation": "ListThings"},
                "resource": {"type": "Ghost", "identifiers": []}}}}}"#,
            "unknown resource type Ghost",
        ),
        (
            r#"{"service": {"actions": {"Go": {"request": {"operation": "GetThing",
                "params": [{"target": "Name", "source": "telepathy"}]}}}}}"#,
            "unknown source telepathy",
        ),
        (
            r#"{"service": {}, "resources": {"Thing": {"identifiers": [{"name": "Name"}], "shape": "Nope"}}}"#,
            "shape Nope not in the service",
        ),
        (
            r#"{"service": {"actions": {"Go": {"request": {"operation": "GetThing"},
                "resource": {"type": "Thing", "identifiers": []}}}},
              "resources": {"Thing": {"identifiers": [{"name": "Name"}]}}}"#,
            "no source for identifier Name of Thing",
        ),
        (
            r#"{"service": {}, "resources": {"Thing": {"identifiers": [{"name": "Name"}], "shape": "Thing",
                "waiters": {"Exists": {"waiterName": "ThingExists",
                  "params": [{"target": "Name", "source": "data", "path": "Name"}]}}}}}"#,
            "waiter Exists parameter Name has source data",
        ),
    ];
    for (model, expected) in cases {
        let e = error(model);
        assert!(
            e.contains("svc") && e.contains(expected),
            "{e} (wanted {expected:?})"
        );
    }
}
