//! Bad models fail with an error naming service, shape and member; never a panic.

use boto_codegen::{generate, CodegenError, Options};
use boto_runtime::model::ServiceModel;

fn model(shapes: &str) -> ServiceModel {
    let text = format!(
        r#"{{"metadata": {{"apiVersion": "1", "protocol": "json", "protocols": ["json"]}},
            "operations": {{"Op": {{"name": "Op", "http": {{}}, "input": {{"shape": "In"}}}}}},
            "shapes": {shapes}}}"#
    );
    ServiceModel::from_json(&text).unwrap()
}

fn error(shapes: &str) -> String {
    match generate("svc", &model(shapes), &Options::default()) {
        Err(e @ CodegenError::Model { .. }) => e.to_string(),
        Err(other) => panic!("expected a model error, got {other}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn dangling_member_reference() {
    let e = error(r#"{"In": {"type": "structure", "members": {"Name": {"shape": "Missing"}}}}"#);
    assert!(e.contains("service svc"), "{e}");
    assert!(e.contains("shape In"), "{e}");
    assert!(e.contains("member Name"), "{e}");
    assert!(e.contains("\"Missing\""), "{e}");
}

#[test]
fn dangling_operation_reference() {
    let e = error(r#"{}"#);
    assert!(e.contains("service svc"), "{e}");
    assert!(e.contains("operation Op"), "{e}");
    assert!(e.contains("\"In\""), "{e}");
}

#[test]
fn unknown_shape_type() {
    let e = error(
        r#"{"In": {"type": "structure", "members": {"N": {"shape": "Odd"}}},
            "Odd": {"type": "quaternion"}}"#,
    );
    assert!(e.contains("shape Odd"), "{e}");
    assert!(e.contains("quaternion"), "{e}");
}

#[test]
fn list_without_member() {
    let e = error(
        r#"{"In": {"type": "structure", "members": {"L": {"shape": "L"}}},
            "L": {"type": "list"}}"#,
    );
    assert!(e.contains("shape L, member member"), "{e}");
}

#[test]
fn bad_timestamp_format_and_location() {
    let e = error(
        r#"{"In": {"type": "structure", "members": {"T": {"shape": "T", "timestampFormat": "sundial"}}},
            "T": {"type": "timestamp"}}"#,
    );
    assert!(
        e.contains("shape In, member T") && e.contains("sundial"),
        "{e}"
    );
    let e = error(
        r#"{"In": {"type": "structure", "members": {"S": {"shape": "S", "location": "pigeon"}}},
            "S": {"type": "string"}}"#,
    );
    assert!(
        e.contains("shape In, member S") && e.contains("pigeon"),
        "{e}"
    );
}

#[test]
fn input_must_be_a_structure() {
    let e = error(r#"{"In": {"type": "string"}}"#);
    assert!(
        e.contains("shape In") && e.contains("input must be a structure"),
        "{e}"
    );
}

#[test]
fn unsupported_protocol() {
    let text = r#"{"metadata": {"apiVersion": "1", "protocol": "smoke-signals"}, "operations": {}, "shapes": {}}"#;
    let model = ServiceModel::from_json(text).unwrap();
    let e = generate("svc", &model, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("service svc") && e.contains("smoke-signals"),
        "{e}"
    );
}
