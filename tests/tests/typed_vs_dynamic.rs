//! Generated typed glue and the dynamic path (schema built at run time from
//! the same model JSON, values from boto3-style JSON parameters) must put the
//! same bytes on the wire: both go through the one codec per protocol.

use std::collections::BTreeMap;
use std::path::Path;

use boto_runtime::dynamic::{build_service, DynValue};
use boto_runtime::model::ServiceModel;
use boto_runtime::protocol::{self, HttpRequest, SerializeOptions};
use boto_runtime::schema::Service;
use boto_runtime::value::Ser;
use boto_runtime::{Bytes, DateTime};
use serde_json::json;

/// The vendored model of `service`, as a runtime schema.
fn dynamic_service(service: &str) -> &'static Service {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models")
        .join(service);
    let version = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("service-2.json").is_file())
        .max()
        .expect("a model version");
    let text = std::fs::read_to_string(version.join("service-2.json")).unwrap();
    let model = ServiceModel::from_json(&text).unwrap();
    build_service(service, &model).unwrap()
}

fn serialize(service: &Service, operation: &str, input: &dyn Ser) -> HttpRequest {
    let op = service.operation(operation).expect("operation");
    let token = || "00000000-0000-4000-8000-000000000000".to_owned();
    protocol::codec(service.metadata.protocol)
        .serialize(
            service,
            op,
            Some(input),
            &SerializeOptions {
                idempotency_token: &token,
            },
        )
        .unwrap()
}

/// Serializes `typed` with the generated schema and `params` with the dynamic
/// one, and requires identical requests.
fn same_bytes(
    generated: &'static Service,
    operation: &str,
    typed: &dyn Ser,
    params: serde_json::Value,
    marker: &str,
) {
    let typed_req = serialize(generated, operation, typed);
    let dynamic = dynamic_service(generated.name);
    let op = dynamic.operation(operation).unwrap();
    let value = DynValue::from_json(dynamic, op.input.unwrap(), &params).unwrap();
    let dyn_req = serialize(dynamic, operation, &value);
    // The input really reached the wire (a codec ignoring it would also agree with itself).
    let wire = format!(
        "{} {:?} {}",
        typed_req.uri,
        typed_req.headers,
        String::from_utf8_lossy(&typed_req.body)
    );
    let cbor_marker = typed_req
        .body
        .windows(marker.len())
        .any(|w| w == marker.as_bytes());
    assert!(
        wire.contains(marker) || cbor_marker,
        "{marker:?} not in {wire}"
    );
    assert_eq!(
        typed_req,
        dyn_req,
        "{}.{operation}: typed and dynamic requests differ\n typed body: {}\n dynamic body: {}",
        generated.name,
        String::from_utf8_lossy(&typed_req.body),
        String::from_utf8_lossy(&dyn_req.body)
    );
}

#[test]
fn query_iam_create_user() {
    let typed = boto_iam::types::CreateUserRequest {
        user_name: Some("alice".into()),
        path: Some("/eng/".into()),
        tags: Some(vec![boto_iam::types::Tag {
            key: Some("team".into()),
            value: Some("a b&c".into()),
        }]),
        ..Default::default()
    };
    same_bytes(
        &boto_iam::schema::SERVICE,
        "CreateUser",
        &typed,
        json!({"UserName": "alice", "Path": "/eng/", "Tags": [{"Key": "team", "Value": "a b&c"}]}),
        "a+b%26c",
    );
}

#[test]
fn ec2_describe_instances_with_filters() {
    let typed = boto_ec2::types::DescribeInstancesRequest {
        filters: Some(vec![boto_ec2::types::Filter {
            name: Some("instance-state-name".into()),
            values: Some(vec!["running".into(), "pending".into()]),
        }]),
        instance_ids: Some(vec!["i-1".into(), "i-2".into()]),
        max_results: Some(50),
        ..Default::default()
    };
    same_bytes(
        &boto_ec2::schema::SERVICE,
        "DescribeInstances",
        &typed,
        json!({"Filters": [{"Name": "instance-state-name", "Values": ["running", "pending"]}],
               "InstanceIds": ["i-1", "i-2"], "MaxResults": 50}),
        "Filter.1.Value.2=pending",
    );
}

#[test]
fn json_dynamodb_put_item() {
    use boto_dynamodb::types::AttributeValue;
    let typed = boto_dynamodb::types::PutItemInput {
        table_name: Some("t".into()),
        item: Some(BTreeMap::from([
            (
                "pk".to_owned(),
                AttributeValue {
                    s: Some("user#1".into()),
                    ..Default::default()
                },
            ),
            (
                "blob".to_owned(),
                AttributeValue {
                    b: Some(Bytes::from_static(b"hi")),
                    ..Default::default()
                },
            ),
        ])),
        ..Default::default()
    };
    same_bytes(
        &boto_dynamodb::schema::SERVICE,
        "PutItem",
        &typed,
        json!({"TableName": "t", "Item": {"blob": {"B": "hi"}, "pk": {"S": "user#1"}}}),
        "aGk=",
    );
}

#[test]
fn rest_xml_s3_put_object() {
    let typed = boto_s3::types::PutObjectRequest {
        bucket: Some("b".into()),
        key: Some("dir/a key+é.txt".into()),
        body: Some(Bytes::from_static(b"hello").into()),
        content_type: Some("text/plain".into()),
        metadata: Some(BTreeMap::from([("owner".to_owned(), "me".to_owned())])),
        expires: Some(DateTime::from_secs(1_700_000_000)),
        ..Default::default()
    };
    same_bytes(
        &boto_s3::schema::SERVICE,
        "PutObject",
        &typed,
        json!({"Bucket": "b", "Key": "dir/a key+é.txt", "Body": "hello", "ContentType": "text/plain",
               "Metadata": {"owner": "me"}, "Expires": 1700000000}),
        "x-amz-meta-owner",
    );
}

#[test]
fn rest_json_lambda_list_functions() {
    let typed = boto_lambda::types::ListFunctionsRequest {
        max_items: Some(5),
        marker: Some("m/1".into()),
        ..Default::default()
    };
    same_bytes(
        &boto_lambda::schema::SERVICE,
        "ListFunctions",
        &typed,
        json!({"MaxItems": 5, "Marker": "m/1"}),
        "Marker=m%2F1",
    );
}

#[test]
fn cbor_cloudwatch_put_metric_data() {
    use boto_cloudwatch::types::{Dimension, MetricDatum};
    let typed = boto_cloudwatch::types::PutMetricDataInput {
        namespace: Some("ns".into()),
        metric_data: Some(vec![MetricDatum {
            metric_name: Some("latency".into()),
            value: Some(12.5),
            timestamp: Some(DateTime::from_secs(1_700_000_000)),
            dimensions: Some(vec![Dimension {
                name: Some("host".into()),
                value: Some("a".into()),
            }]),
            ..Default::default()
        }]),
        ..Default::default()
    };
    same_bytes(
        &boto_cloudwatch::schema::SERVICE,
        "PutMetricData",
        &typed,
        json!({"Namespace": "ns", "MetricData": [{"MetricName": "latency", "Value": 12.5,
               "Timestamp": 1700000000, "Dimensions": [{"Name": "host", "Value": "a"}]}]}),
        "latency",
    );
}
