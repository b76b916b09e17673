//! boto3's CloudFormation, CloudWatch and Glacier resources
//! against moto.

use boto_runtime::DateTime;
use boto_tests::moto::MotoServer;
use futures_util::StreamExt;

fn session() -> boto_runtime::Session {
    MotoServer::shared().session()
}

#[tokio::test]
async fn cloudformation_stack_resources_and_events() {
    use boto_cloudformation::types::{ResourceStatus, StackStatus};
    let cfn = boto_cloudformation::Resource::new(&session());
    let template = r#"{
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Queue": { "Type": "AWS::SQS::Queue", "Properties": { "QueueName": "res-cfn-queue" } },
            "Bucket": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "res-cfn-bucket" } }
        }
    }"#;
    let mut stack = cfn
        .create_stack()
        .stack_name("res-cfn-stack")
        .template_body(template)
        .send()
        .await
        .unwrap();
    // The identifier comes from the request; CreateStack's resource has no data.
    assert_eq!(stack.name(), "res-cfn-stack");
    assert!(!stack.is_loaded());
    assert_eq!(stack.stack_status(), None);
    stack.load().await.unwrap();
    assert_eq!(stack.stack_name(), Some("res-cfn-stack"));
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));
    assert!(stack.stack_id().unwrap().contains("res-cfn-stack"));
    assert!(stack.creation_time().is_some());

    // The service's `stacks()` collection holds it.
    let stacks = cfn.stacks().collect().await.unwrap();
    let listed = stacks
        .iter()
        .find(|s| s.name() == "res-cfn-stack")
        .expect("listed");
    assert!(listed.is_loaded());
    assert_eq!(listed.stack_id(), stack.stack_id());

    // Resource summaries: identifiers from the request (stack name) and the response.
    let mut summaries = stack.resource_summaries().collect().await.unwrap();
    summaries.sort_by(|a, b| a.logical_id().cmp(b.logical_id()));
    let ids: Vec<&str> = summaries.iter().map(|s| s.logical_id()).collect();
    assert_eq!(ids, ["Bucket", "Queue"]);
    assert!(summaries.iter().all(|s| s.stack_name() == "res-cfn-stack"));
    let queue_summary = &summaries[1];
    assert!(queue_summary.is_loaded());
    assert_eq!(queue_summary.resource_type(), Some("AWS::SQS::Queue"));
    assert_eq!(
        queue_summary.resource_status(),
        Some(&ResourceStatus::CreateComplete)
    );
    assert_eq!(summaries[0].physical_resource_id(), Some("res-cfn-bucket"));

    // The summary's `resource` reference and the stack's sub-resource agree.
    let via_summary = queue_summary.resource();
    let mut queue = stack.resource("Queue");
    assert_eq!(via_summary, queue);
    assert_eq!(queue.stack_name(), "res-cfn-stack");
    assert!(!queue.is_loaded());
    queue.load().await.unwrap();
    assert_eq!(queue.logical_resource_id(), Some("Queue"));
    assert_eq!(queue.resource_type(), Some("AWS::SQS::Queue"));
    assert!(
        queue
            .physical_resource_id()
            .unwrap()
            .contains("res-cfn-queue"),
        "{:?}",
        queue.physical_resource_id()
    );
    assert_eq!(queue.stack().name(), "res-cfn-stack");

    // Events: items carry their data (Event has no load).
    let events = stack.events().collect().await.unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.is_loaded()));
    assert!(events
        .iter()
        .all(|e| e.stack_name() == Some("res-cfn-stack") && e.id() == e.event_id().unwrap()));
    // moto records stack-level events only (none per template resource).
    assert!(events.iter().any(|e| {
        e.logical_resource_id() == Some("res-cfn-stack")
            && e.resource_type() == Some("AWS::CloudFormation::Stack")
            && e.resource_status() == Some(&ResourceStatus::CreateComplete)
    }));
    assert_eq!(stack.events().limit(2).collect().await.unwrap().len(), 2);
    let mut event = events[0].clone();
    let err = event.load().await.unwrap_err();
    assert!(err.to_string().contains("has no load"), "{err}");

    // Delete: a non-load action clears the data.
    stack.delete().send().await.unwrap();
    assert!(!stack.is_loaded());
    let still: Vec<_> = cfn
        .stacks()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.name() == "res-cfn-stack")
        .collect();
    // A deleted stack is listed, if at all, as DELETE_COMPLETE.
    assert!(
        still
            .iter()
            .all(|s| s.stack_status() == Some(&StackStatus::DeleteComplete)),
        "{still:?}"
    );
}

#[tokio::test]
async fn cloudwatch_metrics_and_alarms() {
    use boto_cloudwatch::types::{ComparisonOperator, Dimension, MetricDatum, Statistic};
    let client = boto_cloudwatch::Client::new(&session());
    let cw = boto_cloudwatch::Resource::from_client(&client);
    let ns = "res-cw/app";
    for (name, host) in [("latency", "a"), ("latency", "b"), ("errors", "a")] {
        client
            .put_metric_data()
            .namespace(ns)
            .metric_data(vec![MetricDatum {
                metric_name: Some(name.into()),
                value: Some(3.0),
                timestamp: Some(DateTime::now()),
                dimensions: Some(vec![Dimension {
                    name: Some("host".into()),
                    value: Some(host.into()),
                }]),
                ..Default::default()
            }])
            .send()
            .await
            .unwrap();
    }

    let metrics = cw
        .metrics()
        .filter(|b| b.namespace(ns))
        .collect()
        .await
        .unwrap();
    assert_eq!(metrics.len(), 3, "{metrics:?}");
    assert!(metrics.iter().all(|m| m.namespace() == ns && m.is_loaded()));
    let mut names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
    names.sort();
    assert_eq!(names, ["errors", "latency", "latency"]);
    let errors = metrics.iter().find(|m| m.name() == "errors").unwrap();
    assert_eq!(errors.metric_name(), Some("errors"));
    assert_eq!(errors.dimensions().unwrap()[0].value.as_deref(), Some("a"));
    let only_latency = cw
        .metrics()
        .filter(|b| b.namespace(ns).metric_name("latency"))
        .collect()
        .await
        .unwrap();
    assert_eq!(only_latency.len(), 2);

    // A sub-resource loads through ListMetrics.
    let mut latency = cw.metric(ns, "latency");
    assert!(!latency.is_loaded());
    latency.load().await.unwrap();
    assert_eq!(latency.metric_name(), Some("latency"));

    // PutAlarm: the metric's identifiers fill Namespace and MetricName; the
    // alarm's name comes from the request.
    let mut alarms = Vec::new();
    for i in 0..3 {
        let alarm = latency
            .put_alarm()
            .alarm_name(format!("res-cw-alarm-{i}"))
            .statistic(Statistic::from("Average"))
            .period(60)
            .evaluation_periods(1)
            .threshold(10.0 + f64::from(i))
            .comparison_operator(ComparisonOperator::from("GreaterThanThreshold"))
            .send()
            .await
            .unwrap();
        assert_eq!(alarm.name(), format!("res-cw-alarm-{i}"));
        assert!(!alarm.is_loaded());
        alarms.push(alarm);
    }
    let mut alarm = alarms[1].clone();
    alarm.load().await.unwrap();
    assert_eq!(alarm.alarm_name(), Some("res-cw-alarm-1"));
    assert_eq!(alarm.namespace(), Some(ns));
    assert_eq!(alarm.metric_name(), Some("latency"));
    assert_eq!(alarm.threshold(), Some(11.0));
    // The alarm's `metric` reference, from its data.
    let metric = alarm.metric().unwrap().expect("metric reference");
    assert_eq!(metric, latency);

    // The service's collection with a filter, and the metric's collection.
    let ours = cw.alarms().filter(|b| b.alarm_name_prefix("res-cw-alarm-"));
    let listed = ours.collect().await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|a| a.is_loaded()));
    assert_eq!(ours.limit(2).collect().await.unwrap().len(), 2);
    let for_metric = latency.alarms().collect().await.unwrap();
    assert_eq!(for_metric.len(), 3, "{for_metric:?}");

    // Delete one alarm through the resource, the rest through the batch action.
    alarm.delete().send().await.unwrap();
    assert!(!alarm.is_loaded());
    let names: Vec<String> = ours
        .stream()
        .map(|a| a.unwrap().name().to_owned())
        .collect()
        .await;
    assert_eq!(names, ["res-cw-alarm-0", "res-cw-alarm-2"]);
    let outputs = ours.delete().await.unwrap();
    assert_eq!(outputs.len(), 1);
    assert!(ours.collect().await.unwrap().is_empty());
}

#[tokio::test]
async fn glacier_vaults() {
    let glacier = boto_glacier::Resource::new(&session());
    let mut vault = glacier
        .create_vault()
        .account_id("-")
        .vault_name("res-glacier-vault")
        .send()
        .await
        .unwrap();
    assert_eq!(vault.account_id(), "-");
    assert_eq!(vault.name(), "res-glacier-vault");
    assert!(!vault.is_loaded());
    // The model's constant `accountId` needs no setter.
    let other = glacier
        .create_vault()
        .vault_name("res-glacier-other")
        .send()
        .await
        .unwrap();
    assert_eq!(other.account_id(), "-");

    let vaults = glacier.vaults().collect().await.unwrap();
    let mut names: Vec<&str> = vaults
        .iter()
        .map(|v| v.name())
        .filter(|n| n.starts_with("res-glacier-"))
        .collect();
    names.sort();
    assert_eq!(names, ["res-glacier-other", "res-glacier-vault"]);
    let listed = vaults
        .iter()
        .find(|v| v.name() == "res-glacier-vault")
        .unwrap();
    assert_eq!(listed, &vault);
    assert!(listed.is_loaded());
    assert!(listed
        .vault_arn()
        .unwrap()
        .ends_with(":vaults/res-glacier-vault"));

    vault.load().await.unwrap();
    assert_eq!(vault.vault_name(), Some("res-glacier-vault"));
    assert_eq!(vault.vault_arn(), listed.vault_arn());
    assert!(vault.creation_date().is_some());

    // Through the account sub-resource as well.
    let account = glacier.account("-");
    let via_account = account.vaults().collect().await.unwrap();
    assert!(via_account.contains(&vault));
    assert_eq!(account.vault("res-glacier-vault"), vault);

    vault.delete().send().await.unwrap();
    assert!(!vault.is_loaded());
    glacier
        .vault("-", "res-glacier-other")
        .delete()
        .send()
        .await
        .unwrap();
    let left = glacier.vaults().collect().await.unwrap();
    assert!(left.iter().all(|v| !v.name().starts_with("res-glacier-")));
    assert!(vault.load().await.is_err());
}
