//! The dynamic client against moto, on services this project generates no
//! crate for (ECR, EventBridge, Kinesis, Step Functions: json; Auto Scaling:
//! query; API Gateway: rest-json), its outputs compared with boto3's for the
//! same calls on the same server: values, timestamps, blobs, errors,
//! paginators and a waiter.

use std::process::Command;
use std::time::Duration;

use boto_runtime::dynamic::{DynamicClient, ModelSearch, Paging};
use boto_runtime::{ClientConfig, Error};
use boto_tests::moto::MotoServer;
use serde_json::{json, Value};

fn client(service: &str) -> DynamicClient {
    DynamicClient::with_config(
        &MotoServer::shared().session(),
        service,
        &ModelSearch::new(),
        ClientConfig::default(),
    )
    .unwrap_or_else(|e| {
        panic!("{service}: {e} (install botocore: `pip install botocore`, or set BOTO_PYTHON)")
    })
}

/// What boto3 answers to each of `steps` on the same moto server: outputs
/// in the dynamic client's JSON style, errors as their code.
fn boto3(steps: &[Value]) -> Vec<Value> {
    const SCRIPT: &str = r#"
import boto3, json, sys
endpoint, steps = sys.argv[1], json.loads(sys.argv[2])
out = []
for step in steps:
    client = boto3.client(step["service"], endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    try:
        if step["kind"] == "call":
            r = getattr(client, step["op"])(**step["params"])
        elif step["kind"] == "paginate":
            r = client.get_paginator(step["op"]).paginate(
                **step["params"], PaginationConfig={"PageSize": step["page_size"]}).build_full_result()
        else:
            it = client.get_shard_iterator(**step["params"])["ShardIterator"]
            r = client.get_records(ShardIterator=it)
            r.pop("NextShardIterator", None)
        out.append({"ok": plain(r)})
    except client.exceptions.ClientError as e:
        out.append({"error": e.response["Error"]["Code"]})
print(json.dumps(out))
"#;
    let out = Command::new(std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into()))
        .args([
            "-c",
            &format!("{}{SCRIPT}", boto_tests::BOTO3_PLAIN),
            &MotoServer::shared().endpoint(),
        ])
        .arg(Value::from(steps.to_vec()).to_string())
        .output()
        .expect("python3 runs (install python3 with boto3, or set BOTO_PYTHON)");
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("boto3 output is JSON")
}

/// The dynamic client's answer to one step, as [`boto3`] writes it.
async fn ours(step: &Value) -> Value {
    let c = client(step["service"].as_str().unwrap());
    let (op, params) = (step["op"].as_str().unwrap(), &step["params"]);
    let result = match step["kind"].as_str().unwrap() {
        "call" => c.call(op, params).await,
        "paginate" => {
            let paging = Paging {
                page_size: step["page_size"].as_i64(),
                ..Paging::default()
            };
            c.paginate(op, params, &paging).await
        }
        _ => {
            async {
                let it = c.call("get_shard_iterator", params).await?;
                let mut r = c
                    .call("GetRecords", &json!({"ShardIterator": it["ShardIterator"]}))
                    .await?;
                r.as_object_mut().unwrap().remove("NextShardIterator");
                Ok(r)
            }
            .await
        }
    };
    match result {
        Ok(v) => json!({ "ok": v }),
        Err(e) => json!({ "error": e.code().unwrap_or_else(|| panic!("{op}: {e}")) }),
    }
}

fn step(kind: &str, service: &str, op: &str, params: Value) -> Value {
    json!({"kind": kind, "service": service, "op": op, "params": params, "page_size": 1})
}

#[tokio::test]
async fn calls_match_boto3_on_services_without_a_crate() {
    let ecr = client("ecr");
    for name in ["dyn-app", "dyn-web", "dyn-db"] {
        let out = ecr
            .call("create_repository", &json!({"repositoryName": name}))
            .await
            .unwrap();
        assert_eq!(out["repository"]["repositoryName"], name);
    }
    client("events")
        .call(
            "PutRule",
            &json!({"Name": "dyn-rule", "ScheduleExpression": "rate(5 minutes)"}),
        )
        .await
        .unwrap();
    let kinesis = client("kinesis");
    kinesis
        .call(
            "create-stream",
            &json!({"StreamName": "dyn-stream", "ShardCount": 1}),
        )
        .await
        .unwrap();
    kinesis
        .wait(
            "stream_exists",
            &json!({"StreamName": "dyn-stream"}),
            Some(Duration::from_millis(100)),
            Some(50),
        )
        .await
        .unwrap();
    // A blob goes in as text (boto3 takes `str` for bytes) and comes back in base64.
    kinesis
        .call(
            "put_record",
            &json!({"StreamName": "dyn-stream", "Data": "hello, stream", "PartitionKey": "p"}),
        )
        .await
        .unwrap();
    let shard = kinesis
        .call("list_shards", &json!({"StreamName": "dyn-stream"}))
        .await
        .unwrap()["Shards"][0]["ShardId"]
        .clone();
    let machine = client("stepfunctions")
        .call(
            "create_state_machine",
            &json!({
                "name": "dyn-machine",
                "definition": r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#,
                "roleArn": "arn:aws:iam::123456789012:role/sf",
            }),
        )
        .await
        .unwrap();
    client("autoscaling")
        .call(
            "create_launch_configuration",
            &json!({"LaunchConfigurationName": "dyn-lc", "ImageId": "ami-12c6146b", "InstanceType": "t2.micro"}),
        )
        .await
        .unwrap();
    client("apigateway")
        .call("create_rest_api", &json!({"name": "dyn-api"}))
        .await
        .unwrap();

    let steps = vec![
        step("call", "ecr", "describe_repositories", json!({})),
        step(
            "call",
            "ecr",
            "describe_repositories",
            json!({"repositoryNames": ["missing"]}),
        ),
        step("paginate", "ecr", "describe_repositories", json!({})),
        step("call", "events", "list_rules", json!({})),
        step(
            "call",
            "events",
            "describe_rule",
            json!({"Name": "dyn-rule"}),
        ),
        step(
            "call",
            "kinesis",
            "describe_stream_summary",
            json!({"StreamName": "dyn-stream"}),
        ),
        step(
            "records",
            "kinesis",
            "",
            json!({"StreamName": "dyn-stream", "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
        ),
        step("call", "stepfunctions", "list_state_machines", json!({})),
        step(
            "call",
            "stepfunctions",
            "describe_state_machine",
            json!({"stateMachineArn": machine["stateMachineArn"]}),
        ),
        step(
            "call",
            "autoscaling",
            "describe_launch_configurations",
            json!({}),
        ),
        step("call", "apigateway", "get_rest_apis", json!({})),
    ];
    let expected = boto3(&steps);
    assert_eq!(expected.len(), steps.len());
    for (step, expected) in steps.iter().zip(&expected) {
        let got = ours(step).await;
        assert_eq!(&got, expected, "{step}");
    }
    // The comparisons saw what they were meant to.
    assert_eq!(expected[1]["error"], "RepositoryNotFoundException");
    assert_eq!(
        expected[2]["ok"]["repositories"].as_array().map(Vec::len),
        Some(3)
    );
    let record = &expected[6]["ok"]["Records"][0];
    assert_eq!(record["Data"], "aGVsbG8sIHN0cmVhbQ==");
    assert!(record["ApproximateArrivalTimestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with("+00:00")));
}

#[tokio::test]
async fn names_errors_and_bad_input() {
    let ecr = client("ecr");
    assert!(ecr.operation("DescribeRepositories").is_ok());
    assert!(ecr.operation("describe_repositories").is_ok());
    assert!(ecr.operation("describe-repositories").is_ok());
    assert!(ecr.can_paginate("describe_repositories"));
    assert!(!ecr.can_paginate("create_repository"));
    assert!(ecr.waiter_names().any(|w| w == "ImageScanComplete"));

    let err = ecr.call("no_such_operation", &json!({})).await.unwrap_err();
    assert!(
        matches!(&err, Error::Build(e) if e.to_string().contains("no_such_operation")),
        "{err}"
    );
    let err = ecr
        .call(
            "describe_repositories",
            &json!({"repositoryNames": "not-a-list"}),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Build(e) if e.to_string().contains("repositoryNames")),
        "{err}"
    );
    let err = ecr
        .call("describe_repositories", &json!({"NoSuchMember": 1}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NoSuchMember"), "{err}");

    // A modeled exception's members come back as JSON.
    let err = ecr
        .call(
            "describe_repositories",
            &json!({"repositoryNames": ["gone"]}),
        )
        .await
        .unwrap_err();
    let service = err.as_service_error().expect("a service error");
    assert_eq!(service.code(), "RepositoryNotFoundException");
    assert_eq!(service.shape(), Some("RepositoryNotFoundException"));
    assert!(service.fields().is_object(), "{}", service.fields());

    let missing = DynamicClient::with_config(
        &MotoServer::shared().session(),
        "no-such-service",
        &ModelSearch::new(),
        ClientConfig::default(),
    )
    .unwrap_err();
    assert!(missing.to_string().contains("no-such-service"), "{missing}");
}

/// boto3's method names and the AWS CLI's command names of every operation
/// of every service of the installed botocore.
#[test]
fn operation_names_are_botocores() {
    const SCRIPT: &str = r#"
import botocore.session, json
from botocore import xform_name
s = botocore.session.get_session()
names = sorted({op for svc in s.get_available_services()
                for op in s.get_service_model(svc).operation_names})
print(json.dumps([[n, xform_name(n), xform_name(n, "-")] for n in names]))
"#;
    let out = Command::new(std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into()))
        .args(["-c", SCRIPT])
        .output()
        .expect("python3 runs (install python3 with botocore, or set BOTO_PYTHON)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<(String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(names.len() > 10_000, "{} operations", names.len());
    let wrong: Vec<_> = names
        .iter()
        .filter(|(n, snake, kebab)| {
            boto_runtime::dynamic::xform_name(n, '_') != *snake
                || boto_runtime::dynamic::xform_name(n, '-') != *kebab
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} differ: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}
