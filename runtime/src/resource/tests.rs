use serde_json::{json, Map};

use super::params::{merge, set_target};

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
