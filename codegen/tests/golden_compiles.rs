//! Compiles the golden crate's `types.rs` and `schema.rs` (see `golden.rs`)
//! and checks that they behave: member indices line up with the schema,
//! unions select variants, enums round-trip, sensitive members are redacted.
//!
//! `client.rs`, `operation.rs` and `error.rs` need the runtime's client API;
//! they are compared textually by `golden.rs`.

#[rustfmt::skip]
#[path = "golden/out/src/schema.rs"]
mod schema;
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "golden/out/src/types.rs"]
mod types;

use boto_runtime::schema::ShapeKind;
use boto_runtime::value::{De, Scalar, Ser, ValueRef};

use types::*;

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
