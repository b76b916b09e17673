//! Paginators in the generator: every paginator of every botocore model is
//! accepted, and a bad one is an error naming service, operation and
//! expression, never a panic.

use std::path::PathBuf;

use boto_codegen::paginators::{self, PaginatorsModel};
use boto_codegen::{generate_with, ir, load, CodegenError, Extras, Options};
use boto_runtime::model::ServiceModel;

fn model() -> ServiceModel {
    ServiceModel::from_json(
        r#"{"metadata": {"apiVersion": "1", "protocol": "json", "protocols": ["json"]},
            "operations": {"ListThings": {"name": "ListThings", "http": {},
              "input": {"shape": "In"}, "output": {"shape": "Out"}}},
            "shapes": {
              "In": {"type": "structure", "members": {"Token": {"shape": "S"}, "Max": {"shape": "I"}}},
              "Out": {"type": "structure", "members": {"Things": {"shape": "L"}, "Next": {"shape": "S"},
                "Inner": {"shape": "Inner"}}},
              "Inner": {"type": "structure", "members": {"Deep": {"shape": "L"}}},
              "L": {"type": "list", "member": {"shape": "S"}},
              "S": {"type": "string"}, "I": {"type": "integer"}}}"#,
    )
    .unwrap()
}

fn error(config: &str) -> String {
    let paginators = PaginatorsModel::from_json(&format!(r#"{{"pagination": {config}}}"#)).unwrap();
    let extras = Extras {
        paginators: Some(&paginators),
        ..Extras::default()
    };
    match generate_with("svc", &model(), extras, &Options::default()) {
        Err(e @ CodegenError::Model { .. }) => e.to_string(),
        Err(other) => panic!("expected a model error, got {other}"),
        Ok(_) => panic!("expected an error for {config}"),
    }
}

#[test]
fn a_good_paginator_generates_typed_glue() {
    let paginators = PaginatorsModel::from_json(
        r#"{"pagination": {"ListThings": {"input_token": "Token", "output_token": "Next || Things[-1]",
            "limit_key": "Max", "result_key": ["Things", "Inner.Deep"]}}}"#,
    )
    .unwrap();
    let extras = Extras {
        paginators: Some(&paginators),
        ..Extras::default()
    };
    let files = generate_with("svc", &model(), extras, &Options::default()).unwrap();
    let text = |name: &str| &files.iter().find(|f| f.path == name).unwrap().contents;
    let pag = text("src/paginator.rs");
    assert!(
        pag.contains(r#"output_tokens: &["Next || Things[-1]"]"#),
        "{pag}"
    );
    assert!(pag.contains("pub fn inner_deep("), "{pag}");
    assert!(
        pag.contains("page.inner.and_then(|v| v.deep).unwrap_or_default()"),
        "{pag}"
    );
    assert!(pag.contains("type Item = String;"), "{pag}");
    assert!(text("src/operation.rs").contains("pub fn into_paginator("));
    assert!(text("src/lib.rs").contains("pub mod paginator;"));
}

#[test]
fn bad_paginators_name_service_operation_and_expression() {
    let e = error(
        r#"{"Nope": {"input_token": "Token", "output_token": "Next", "result_key": "Things"}}"#,
    );
    assert!(
        e.contains("service svc") && e.contains("operation Nope"),
        "{e}"
    );

    let e = error(
        r#"{"ListThings": {"input_token": "Token", "output_token": "Next[?", "result_key": "Things"}}"#,
    );
    assert!(
        e.contains("operation ListThings") && e.contains("\"Next[?\""),
        "{e}"
    );

    let e = error(
        r#"{"ListThings": {"input_token": "Token", "output_token": "nope(Next)", "result_key": "Things"}}"#,
    );
    assert!(e.contains("unknown function nope()"), "{e}");

    let e = error(
        r#"{"ListThings": {"input_token": "Token", "output_token": "Missing", "result_key": "Things"}}"#,
    );
    assert!(
        e.contains("\"Missing\"") && e.contains("not an output member"),
        "{e}"
    );

    let e = error(
        r#"{"ListThings": {"input_token": "Nope", "output_token": "Next", "result_key": "Things"}}"#,
    );
    assert!(e.contains("input_token \"Nope\""), "{e}");

    let e = error(
        r#"{"ListThings": {"input_token": "Token", "output_token": "Next", "result_key": "Things[0]"}}"#,
    );
    assert!(
        e.contains("result_key \"Things[0]\"") && e.contains("dotted"),
        "{e}"
    );

    let e = error(
        r#"{"ListThings": {"input_token": "Token", "output_token": "Next", "result_key": "Inner.Nope"}}"#,
    );
    assert!(e.contains("Inner has no member \"Nope\""), "{e}");

    let e = error(
        r#"{"ListThings": {"input_token": ["Token", "Max"], "output_token": "Next", "result_key": "Things"}}"#,
    );
    assert!(e.contains("2 input_token(s)"), "{e}");

    let e = error(
        r#"{"ListThings": {"input_token": "Token", "output_token": "Next", "limit_key": "Things", "result_key": "Things"}}"#,
    );
    assert!(e.contains("limit_key \"Things\""), "{e}");
}

fn botocore_data() -> PathBuf {
    boto_runtime::model_files::botocore_data("python3").unwrap_or_else(|e| panic!("{e}"))
}

/// The generator's checks accept every paginator of every botocore service
/// (newest api version, as `cargo xtask codegen` reads them).
#[test]
fn every_botocore_paginator_lowers() {
    let data = botocore_data();
    let services = load::list_services(&data).unwrap();
    let (mut count, mut failures) = (0, Vec::new());
    for service in &services {
        let loaded = load::load_service(&data, service).unwrap();
        let model = boto_runtime::customize::patch_model(service, &loaded.model);
        let lowered = ir::lower(service, &model)
            .and_then(|ir| paginators::lower(&ir, loaded.paginators.as_ref()));
        match lowered {
            Ok(p) => count += p.len(),
            Err(e) => failures.push(e.to_string()),
        }
    }
    println!("{} services, {count} paginators lowered", services.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count > 3000, "only {count} paginators");
}
