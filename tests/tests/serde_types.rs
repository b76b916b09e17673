//! The `serde` feature of generated crates: model names as keys, blobs in
//! base64, timestamps ISO 8601, unknown enum values kept, round trips
//! through serde_json, and errors that say where the data does not fit.

use std::collections::BTreeMap;

use boto_dynamodb::types::{AttributeValue, GetItemOutput};
use boto_iam::types::{ListUsersResponse, StatusType, Tag, User};
use boto_runtime::{Bytes, DateTime};
use serde_json::json;

fn users() -> ListUsersResponse {
    ListUsersResponse {
        users: Some(vec![User {
            user_name: Some("alice".into()),
            user_id: Some("AIDA1".into()),
            arn: Some("arn:aws:iam::123456789012:user/alice".into()),
            path: Some("/".into()),
            create_date: Some(DateTime::from_secs_and_nanos(1_700_000_000, 250_000_000)),
            tags: Some(vec![Tag {
                key: Some("team".into()),
                value: Some("db".into()),
            }]),
            ..Default::default()
        }]),
        is_truncated: Some(false),
        marker: None,
    }
}

#[test]
fn iam_output_round_trips_with_model_names() {
    let value = serde_json::to_value(users()).unwrap();
    assert_eq!(
        value,
        json!({
            "Users": [{
                "Path": "/",
                "UserName": "alice",
                "UserId": "AIDA1",
                "Arn": "arn:aws:iam::123456789012:user/alice",
                "CreateDate": "2023-11-14T22:13:20.25Z",
                "Tags": [{"Key": "team", "Value": "db"}],
            }],
            "IsTruncated": false,
        })
    );
    let back: ListUsersResponse = serde_json::from_value(value).unwrap();
    assert_eq!(back, users());
    // Epoch seconds are read as well; unknown keys and nulls are skipped.
    let back: ListUsersResponse = serde_json::from_value(json!({
        "Users": [{"UserName": "bob", "CreateDate": 1700000000, "Extra": {"x": 1}, "Arn": null}],
        "Unknown": true,
    }))
    .unwrap();
    let user = &back.users.as_ref().unwrap()[0];
    assert_eq!(user.user_name.as_deref(), Some("bob"));
    assert_eq!(user.create_date, Some(DateTime::from_secs(1_700_000_000)));
    assert_eq!(user.arn, None);
}

#[test]
fn enums_keep_unknown_values() {
    for status in [StatusType::Active, StatusType::Unknown("Retired".into())] {
        let text = serde_json::to_string(&status).unwrap();
        let back: StatusType = serde_json::from_str(&text).unwrap();
        assert_eq!(back, status);
    }
    assert_eq!(
        serde_json::to_string(&StatusType::Active).unwrap(),
        "\"Active\""
    );
}

#[test]
fn dynamodb_items_with_blobs_maps_and_lists_round_trip() {
    let item = |s: AttributeValue| s;
    let out = GetItemOutput {
        item: Some(BTreeMap::from([
            (
                "id".to_owned(),
                item(AttributeValue {
                    s: Some("k1".into()),
                    ..Default::default()
                }),
            ),
            (
                "raw".to_owned(),
                item(AttributeValue {
                    b: Some(Bytes::from_static(b"\x00\xffbin")),
                    ..Default::default()
                }),
            ),
            (
                "nested".to_owned(),
                item(AttributeValue {
                    m: Some(BTreeMap::from([(
                        "list".to_owned(),
                        AttributeValue {
                            l: Some(vec![
                                AttributeValue {
                                    n: Some("1.5".into()),
                                    ..Default::default()
                                },
                                AttributeValue {
                                    null: Some(true),
                                    ..Default::default()
                                },
                            ]),
                            ..Default::default()
                        },
                    )])),
                    ..Default::default()
                }),
            ),
        ])),
        consumed_capacity: None,
    };
    let value = serde_json::to_value(&out).unwrap();
    assert_eq!(value["Item"]["raw"], json!({"B": "AP9iaW4="}));
    assert_eq!(
        value["Item"]["nested"]["M"]["list"]["L"],
        json!([{"N": "1.5"}, {"NULL": true}])
    );
    let back: GetItemOutput = serde_json::from_value(value).unwrap();
    assert_eq!(back, out);
}

#[test]
fn s3_listing_round_trips() {
    let text = r#"{"Contents":[{"Key":"a.txt","Size":12,"StorageClass":"GLACIER_IR",
        "LastModified":"2024-01-02T03:04:05Z","ETag":"\"abc\""}],"KeyCount":1,"IsTruncated":false}"#;
    let out: boto_s3::types::ListObjectsV2Output = serde_json::from_str(text).unwrap();
    let object = &out.contents.as_ref().unwrap()[0];
    assert_eq!(object.size, Some(12));
    assert_eq!(
        object.last_modified,
        Some(DateTime::parse_iso8601("2024-01-02T03:04:05Z").unwrap())
    );
    let again: boto_s3::types::ListObjectsV2Output =
        serde_json::from_value(serde_json::to_value(&out).unwrap()).unwrap();
    assert_eq!(again, out);
}

#[test]
fn data_that_does_not_fit_names_where() {
    let err = serde_json::from_value::<ListUsersResponse>(json!({"Users": [{"UserName": 5}]}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("Users[0].UserName"), "{err}");
    let err = serde_json::from_value::<GetItemOutput>(json!({"Item": {"raw": {"B": "%%%"}}}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("base64"), "{err}");
}
