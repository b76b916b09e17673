use serde_json::{json, Map};

use super::params::{merge, overlay, set_target};

#[test]
fn targets() {
    let mut m = Map::new();
    set_target(&mut m, "Filters[0].Name", json!("instance-id"), None).unwrap();
    set_target(&mut m, "Filters[0].Values[0]", json!("i-1"), None).unwrap();
    set_target(&mut m, "Ids[]", json!("a"), None).unwrap();
    set_target(&mut m, "Ids[]", json!("b"), None).unwrap();
    set_target(&mut m, "Delete.Objects[*].Key", json!("k1"), Some(1)).unwrap();
    set_target(&mut m, "A.B", json!(true), None).unwrap();
    assert_eq!(
        serde_json::Value::Object(m),
        json!({"Filters": [{"Name": "instance-id", "Values": ["i-1"]}], "Ids": ["a", "b"],
               "Delete": {"Objects": [{}, {"Key": "k1"}]}, "A": {"B": true}})
    );
}

#[test]
fn merge_appends_lists() {
    let mut a = json!({"Filters": [{"Name": "a"}], "X": 1})
        .as_object()
        .unwrap()
        .clone();
    let b = json!({"Filters": [{"Name": "b"}], "Y": 2})
        .as_object()
        .unwrap()
        .clone();
    merge(&mut a, b);
    assert_eq!(
        serde_json::Value::Object(a),
        json!({"Filters": [{"Name": "a"}, {"Name": "b"}], "X": 1, "Y": 2})
    );
}

#[test]
fn overlay_merges_structures_and_replaces_the_rest() {
    let mut a = json!({"Delete": {"Objects": [{"Key": "a"}]}, "Bucket": "b", "L": [1]})
        .as_object()
        .unwrap()
        .clone();
    let b = json!({"Delete": {"Quiet": true}, "L": [2], "MFA": "x"})
        .as_object()
        .unwrap()
        .clone();
    overlay(&mut a, b);
    assert_eq!(
        serde_json::Value::Object(a),
        json!({"Delete": {"Objects": [{"Key": "a"}], "Quiet": true}, "Bucket": "b", "L": [2], "MFA": "x"})
    );
}
