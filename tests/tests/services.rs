//! The generated clients against a real AWS emulator (moto server), one test
//! per service, each with names of its own so tests can share one server.

use std::collections::BTreeMap;

use boto_runtime::{Bytes, DateTime, Session};
use boto_tests::cbor_proxy::CborProxy;
use boto_tests::moto::MotoServer;

fn session() -> Session {
    MotoServer::shared().session()
}

#[tokio::test]
async fn iam_users() {
    let iam = boto_iam::Client::new(&session());
    let created = iam
        .create_user()
        .user_name("alice-iam")
        .send()
        .await
        .unwrap();
    let user = created.user.expect("created user");
    assert_eq!(user.user_name.as_deref(), Some("alice-iam"));
    assert!(user.arn.unwrap().starts_with("arn:aws:iam::"));
    assert!(user.create_date.is_some());

    let got = iam.get_user().user_name("alice-iam").send().await.unwrap();
    assert_eq!(got.user.unwrap().user_id, user.user_id);

    let listed = iam.list_users().max_items(100).send().await.unwrap();
    assert!(listed
        .users
        .unwrap_or_default()
        .iter()
        .any(|u| u.user_name.as_deref() == Some("alice-iam")));

    iam.delete_user()
        .user_name("alice-iam")
        .send()
        .await
        .unwrap();
    let err = iam
        .get_user()
        .user_name("alice-iam")
        .send()
        .await
        .unwrap_err();
    match err.as_service_error() {
        Some(boto_iam::error::GetUserError::NoSuchEntityException(e)) => {
            assert!(
                e.message
                    .as_deref()
                    .unwrap_or_default()
                    .contains("alice-iam"),
                "{e:?}"
            )
        }
        other => panic!("expected NoSuchEntityException, got {other:?} from {err}"),
    }
    assert_eq!(err.code(), Some("NoSuchEntity"));
}

#[tokio::test]
async fn sts_caller_identity() {
    let sts = boto_sts::Client::new(&session());
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account.as_deref().map(str::len), Some(12));
    assert!(me.arn.unwrap().starts_with("arn:aws:"));
}

#[tokio::test]
async fn s3_objects() {
    let s3 = boto_s3::Client::new(&session());
    s3.create_bucket()
        .bucket("boto-rs-objects")
        .send()
        .await
        .unwrap();
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s3.put_object()
        .bucket("boto-rs-objects")
        .key("dir/data.bin")
        .body(Bytes::from(binary.clone()))
        .content_type("application/octet-stream")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("boto-rs-objects")
        .key("dir/hello world.txt")
        .body(Bytes::from_static(b"hello"))
        .send()
        .await
        .unwrap();

    let got = s3
        .get_object()
        .bucket("boto-rs-objects")
        .key("dir/data.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(got.body.unwrap().collect().await.unwrap(), binary);
    assert_eq!(got.content_length, Some(binary.len() as i64));

    let head = s3
        .head_object()
        .bucket("boto-rs-objects")
        .key("dir/hello world.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length, Some(5));
    assert!(head.e_tag.is_some());
    assert!(head.last_modified.is_some());

    let listed = s3
        .list_objects_v2()
        .bucket("boto-rs-objects")
        .prefix("dir/")
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = listed
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect();
    assert_eq!(keys, ["dir/data.bin", "dir/hello world.txt"]);

    s3.delete_object()
        .bucket("boto-rs-objects")
        .key("dir/data.bin")
        .send()
        .await
        .unwrap();
    let err = s3
        .get_object()
        .bucket("boto-rs-objects")
        .key("dir/data.bin")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(boto_s3::error::GetObjectError::NoSuchKey(_))
        ),
        "expected NoSuchKey, got {err:?}"
    );
}

fn av_s(v: impl Into<String>) -> boto_dynamodb::types::AttributeValue {
    boto_dynamodb::types::AttributeValue {
        s: Some(v.into()),
        ..Default::default()
    }
}

fn av_n(v: impl Into<String>) -> boto_dynamodb::types::AttributeValue {
    boto_dynamodb::types::AttributeValue {
        n: Some(v.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn dynamodb_items() {
    use boto_dynamodb::types::{
        AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
        ScalarAttributeType,
    };
    let ddb = boto_dynamodb::Client::new(&session());
    ddb.create_table()
        .table_name("boto-rs-items")
        .attribute_definitions(vec![
            AttributeDefinition {
                attribute_name: Some("pk".into()),
                attribute_type: Some(ScalarAttributeType::from("S")),
            },
            AttributeDefinition {
                attribute_name: Some("sk".into()),
                attribute_type: Some(ScalarAttributeType::from("N")),
            },
        ])
        .key_schema(vec![
            KeySchemaElement {
                attribute_name: Some("pk".into()),
                key_type: Some(KeyType::from("HASH")),
            },
            KeySchemaElement {
                attribute_name: Some("sk".into()),
                key_type: Some(KeyType::from("RANGE")),
            },
        ])
        .billing_mode(BillingMode::from("PAY_PER_REQUEST"))
        .send()
        .await
        .unwrap();

    for i in 0..5 {
        let item = BTreeMap::from([
            ("pk".to_owned(), av_s("user#1")),
            ("sk".to_owned(), av_n(i.to_string())),
            (
                "tags".to_owned(),
                AttributeValue {
                    ss: Some(vec!["a".into(), "b".into()]),
                    ..Default::default()
                },
            ),
            (
                "blob".to_owned(),
                AttributeValue {
                    b: Some(Bytes::from_static(b"\x00\x01\xff")),
                    ..Default::default()
                },
            ),
            (
                "ok".to_owned(),
                AttributeValue {
                    bool: Some(i % 2 == 0),
                    ..Default::default()
                },
            ),
        ]);
        ddb.put_item()
            .table_name("boto-rs-items")
            .item(item)
            .send()
            .await
            .unwrap();
    }

    let got = ddb
        .get_item()
        .table_name("boto-rs-items")
        .key(BTreeMap::from([
            ("pk".to_owned(), av_s("user#1")),
            ("sk".to_owned(), av_n("3")),
        ]))
        .send()
        .await
        .unwrap();
    let item = got.item.expect("item 3");
    assert_eq!(
        item["blob"],
        AttributeValue {
            b: Some(Bytes::from_static(b"\x00\x01\xff")),
            ..Default::default()
        }
    );
    assert_eq!(
        item["ok"],
        AttributeValue {
            bool: Some(false),
            ..Default::default()
        }
    );

    let q = ddb
        .query()
        .table_name("boto-rs-items")
        .key_condition_expression("pk = :pk AND sk >= :from")
        .expression_attribute_values(BTreeMap::from([
            (":pk".to_owned(), av_s("user#1")),
            (":from".to_owned(), av_n("2")),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(q.count, Some(3));

    let scan = ddb.scan().table_name("boto-rs-items").send().await.unwrap();
    assert_eq!(scan.items.unwrap_or_default().len(), 5);
}

#[tokio::test]
async fn sqs_messages() {
    let sqs = boto_sqs::Client::new(&session());
    let url = sqs
        .create_queue()
        .queue_name("boto-rs-queue")
        .send()
        .await
        .unwrap()
        .queue_url
        .expect("queue url");
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("hello from rust")
        .send()
        .await
        .unwrap();
    assert!(sent.message_id.is_some());
    let received = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let messages = received.messages.unwrap_or_default();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body.as_deref(), Some("hello from rust"));
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(messages[0].receipt_handle.clone().unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn sns_topics() {
    let sns = boto_sns::Client::new(&session());
    let topic = sns
        .create_topic()
        .name("boto-rs-topic")
        .send()
        .await
        .unwrap()
        .topic_arn
        .expect("topic arn");
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("email")
        .endpoint("someone@example.com")
        .send()
        .await
        .unwrap();
    assert!(sub.subscription_arn.is_some());
    let published = sns
        .publish()
        .topic_arn(&topic)
        .message("hello")
        .send()
        .await
        .unwrap();
    assert!(published.message_id.is_some());
}

#[tokio::test]
async fn ec2_instances() {
    use boto_ec2::types::{Filter, InstanceType};
    let ec2 = boto_ec2::Client::new(&session());
    let reservation = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(2)
        .max_count(2)
        .instance_type(InstanceType::from("t2.micro"))
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = reservation
        .instances
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.instance_id)
        .collect();
    assert_eq!(ids.len(), 2);

    let described = ec2
        .describe_instances()
        .filters(vec![
            Filter {
                name: Some("instance-state-name".into()),
                values: Some(vec!["running".into(), "pending".into()]),
            },
            Filter {
                name: Some("instance-id".into()),
                values: Some(ids.clone()),
            },
        ])
        .send()
        .await
        .unwrap();
    let found: Vec<String> = described
        .reservations
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| r.instances.unwrap_or_default())
        .filter_map(|i| i.instance_id)
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");

    let terminated = ec2
        .terminate_instances()
        .instance_ids(ids.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        terminated.terminating_instances.unwrap_or_default().len(),
        2
    );
}

#[tokio::test]
async fn cloudformation_stack() {
    let cfn = boto_cloudformation::Client::new(&session());
    let template = r#"{
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": { "Queue": { "Type": "AWS::SQS::Queue", "Properties": { "QueueName": "boto-rs-cfn-queue" } } }
    }"#;
    let stack_id = cfn
        .create_stack()
        .stack_name("boto-rs-stack")
        .template_body(template)
        .send()
        .await
        .unwrap()
        .stack_id
        .expect("stack id");
    let stacks = cfn
        .describe_stacks()
        .stack_name("boto-rs-stack")
        .send()
        .await
        .unwrap()
        .stacks
        .unwrap_or_default();
    assert_eq!(stacks.len(), 1);
    assert_eq!(stacks[0].stack_id.as_deref(), Some(stack_id.as_str()));
    assert!(stacks[0].creation_time.is_some());
    cfn.delete_stack()
        .stack_name("boto-rs-stack")
        .send()
        .await
        .unwrap();
}

/// CloudWatch lists `smithy-rpc-v2-cbor`, `json` and `query`; like botocore
/// (its protocol priority, not the model's order) the client speaks json.
#[tokio::test]
async fn cloudwatch_metrics() {
    use boto_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
    assert_eq!(
        boto_cloudwatch::schema::SERVICE.metadata.protocol,
        boto_runtime::schema::Protocol::Json
    );
    let cw = boto_cloudwatch::Client::new(&session());
    cw.put_metric_data()
        .namespace("boto-rs/test")
        .metric_data(vec![MetricDatum {
            metric_name: Some("latency".into()),
            value: Some(12.5),
            unit: Some(StandardUnit::from("Milliseconds")),
            timestamp: Some(DateTime::now()),
            dimensions: Some(vec![Dimension {
                name: Some("host".into()),
                value: Some("a".into()),
            }]),
            ..Default::default()
        }])
        .send()
        .await
        .unwrap();
    let metrics = cw
        .list_metrics()
        .namespace("boto-rs/test")
        .send()
        .await
        .unwrap()
        .metrics
        .unwrap_or_default();
    assert_eq!(metrics.len(), 1);
    assert_eq!(metrics[0].metric_name.as_deref(), Some("latency"));
    let dims = metrics[0].dimensions.clone().unwrap_or_default();
    assert_eq!(dims[0].value.as_deref(), Some("a"));
}

/// The CBOR codec end to end: CloudWatch's model lowered at run time with
/// only `smithy-rpc-v2-cbor` left in its protocols, called through the
/// dynamic path. moto has no CBOR front end, so a loopback proxy translates
/// each CBOR call to awsJson.
#[tokio::test]
async fn cloudwatch_over_cbor_dynamic() {
    use boto_runtime::dynamic::{build_service, DynValue};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/cloudwatch");
    let version = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("service-2.json").is_file())
        .expect("vendored cloudwatch model");
    let text = std::fs::read_to_string(version.join("service-2.json")).unwrap();
    let mut model = boto_runtime::model::ServiceModel::from_json(&text).unwrap();
    model.metadata.protocols = vec!["smithy-rpc-v2-cbor".into()];
    let service = build_service("cloudwatch", &model).unwrap();
    assert_eq!(
        service.metadata.protocol,
        boto_runtime::schema::Protocol::RpcV2Cbor
    );
    let proxy = CborProxy::start(MotoServer::shared()).unwrap();
    let client = boto_runtime::Client::with_config(
        &session(),
        service,
        boto_runtime::ClientConfig {
            endpoint_url: Some(proxy.endpoint()),
            ..Default::default()
        },
    );
    let call = |op: &str, params: serde_json::Value| {
        let op = service.operation(op).unwrap();
        let input = DynValue::from_json(service, op.input.unwrap(), &params).unwrap();
        let client = client.clone();
        async move {
            let mut out = DynValue::Empty;
            client.call(op, Some(&input), &mut out).await.unwrap();
            out.to_json(service, op.output.unwrap_or(0))
        }
    };
    call(
        "PutMetricData",
        serde_json::json!({"Namespace": "boto-rs/cbor", "MetricData": [{
            "MetricName": "latency", "Value": 12.5, "Unit": "Milliseconds",
            "Timestamp": DateTime::now().secs(),
            "Dimensions": [{"Name": "host", "Value": "a"}]}]}),
    )
    .await;
    let listed = call(
        "ListMetrics",
        serde_json::json!({"Namespace": "boto-rs/cbor"}),
    )
    .await;
    let metrics = listed["Metrics"].as_array().expect("metrics");
    assert_eq!(metrics.len(), 1, "{listed}");
    assert_eq!(metrics[0]["MetricName"], "latency");
    assert_eq!(metrics[0]["Dimensions"][0]["Value"], "a");
}

#[tokio::test]
async fn glacier_vaults() {
    let glacier = boto_glacier::Client::new(&session());
    glacier
        .create_vault()
        .account_id("-")
        .vault_name("boto-rs-vault")
        .send()
        .await
        .unwrap();
    // accountId defaults to `-` (the credentials' account), as in botocore.
    let vaults = glacier
        .list_vaults()
        .send()
        .await
        .unwrap()
        .vault_list
        .unwrap_or_default();
    assert!(vaults
        .iter()
        .any(|v| v.vault_name.as_deref() == Some("boto-rs-vault")));
}

#[tokio::test]
async fn lambda_functions() {
    let lambda = boto_lambda::Client::new(&session());
    let listed = lambda.list_functions().send().await.unwrap();
    assert!(listed.functions.is_some() || listed.next_marker.is_none());
}

#[tokio::test]
async fn kms_encrypt_decrypt() {
    let kms = boto_kms::Client::new(&session());
    let key = kms
        .create_key()
        .description("boto-rs")
        .send()
        .await
        .unwrap()
        .key_metadata
        .and_then(|m| m.key_id)
        .expect("key id");
    let secret = Bytes::from_static(b"\x00top secret\xff");
    let encrypted = kms
        .encrypt()
        .key_id(&key)
        .plaintext(secret.clone())
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .expect("ciphertext");
    assert_ne!(encrypted, secret);
    let decrypted = kms
        .decrypt()
        .ciphertext_blob(encrypted)
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext, Some(secret));
    assert_eq!(
        decrypted.key_id.as_deref().map(|k| k.ends_with(&key)),
        Some(true)
    );
}

#[tokio::test]
async fn secretsmanager_secret() {
    let sm = boto_secretsmanager::Client::new(&session());
    let created = sm
        .create_secret()
        .name("boto-rs/secret")
        .secret_string("s3cr3t")
        .send()
        .await
        .unwrap();
    assert!(created.arn.is_some());
    let got = sm
        .get_secret_value()
        .secret_id("boto-rs/secret")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string.as_deref(), Some("s3cr3t"));
    assert!(got.created_date.is_some());
}

#[tokio::test]
async fn ssm_parameter() {
    use boto_ssm::types::ParameterType;
    let ssm = boto_ssm::Client::new(&session());
    ssm.put_parameter()
        .name("/boto-rs/param")
        .value("v1")
        .r#type(ParameterType::from("String"))
        .send()
        .await
        .unwrap();
    let got = ssm
        .get_parameter()
        .name("/boto-rs/param")
        .send()
        .await
        .unwrap();
    assert_eq!(got.parameter.and_then(|p| p.value).as_deref(), Some("v1"));
}

#[tokio::test]
async fn logs_events() {
    use boto_logs::types::InputLogEvent;
    let logs = boto_logs::Client::new(&session());
    logs.create_log_group()
        .log_group_name("boto-rs-group")
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name("boto-rs-group")
        .log_stream_name("stream")
        .send()
        .await
        .unwrap();
    let now_ms = DateTime::now().secs() * 1000;
    logs.put_log_events()
        .log_group_name("boto-rs-group")
        .log_stream_name("stream")
        .log_events(vec![
            InputLogEvent {
                timestamp: Some(now_ms),
                message: Some("first".into()),
            },
            InputLogEvent {
                timestamp: Some(now_ms + 1),
                message: Some("second".into()),
            },
        ])
        .send()
        .await
        .unwrap();
    let events = logs
        .get_log_events()
        .log_group_name("boto-rs-group")
        .log_stream_name("stream")
        .send()
        .await
        .unwrap()
        .events
        .unwrap_or_default();
    let messages: Vec<_> = events.iter().filter_map(|e| e.message.as_deref()).collect();
    assert_eq!(messages, ["first", "second"]);
}

#[tokio::test]
async fn route53_hosted_zones() {
    let r53 = boto_route53::Client::new(&session());
    let created = r53
        .create_hosted_zone()
        .name("boto-rs.example.com")
        .caller_reference("boto-rs-ref-1")
        .send()
        .await
        .unwrap();
    let zone = created.hosted_zone.expect("hosted zone");
    assert_eq!(zone.name.as_deref(), Some("boto-rs.example.com."));
    let zones = r53
        .list_hosted_zones()
        .send()
        .await
        .unwrap()
        .hosted_zones
        .unwrap_or_default();
    assert!(zones.iter().any(|z| z.id == zone.id));
}
