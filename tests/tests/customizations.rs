//! botocore's service customizations (`boto_runtime::customize`) against moto:
//! each test is a call that goes wrong without its customization.

use base64::Engine;
use boto_runtime::{Bytes, Session};
use boto_tests::moto::MotoServer;

fn session() -> Session {
    MotoServer::shared().session()
}

/// Route 53 returns ids as `/hostedzone/Z…`; passing them back as they are
/// works because the id members keep only the last segment.
#[tokio::test]
async fn route53_ids_from_outputs_are_accepted_as_inputs() {
    let r53 = boto_route53::Client::new(&session());
    let zone = r53
        .create_hosted_zone()
        .name("custom-ids.example.com")
        .caller_reference("custom-ids-1")
        .send()
        .await
        .unwrap()
        .hosted_zone
        .unwrap();
    let id = zone.id.clone().unwrap();
    assert!(id.starts_with("/hostedzone/"), "{id}");
    let got = r53.get_hosted_zone().id(id.clone()).send().await.unwrap();
    assert_eq!(got.hosted_zone.unwrap().id.as_deref(), Some(id.as_str()));
    let records = r53
        .list_resource_record_sets()
        .hosted_zone_id(id)
        .send()
        .await
        .unwrap();
    assert!(!records.resource_record_sets.unwrap_or_default().is_empty());
}

/// CopySource is percent-encoded (keys with spaces, `+`, `%`, non-ASCII),
/// and listings ask for URL-encoded keys and decode them.
#[tokio::test]
async fn s3_copy_source_and_listing_keys_survive_odd_characters() {
    let s3 = boto_s3::Client::new(&session());
    let bucket = "custom-odd-keys";
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    let key = "dir/a b+c%d é.txt";
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(Bytes::from_static(b"odd"))
        .send()
        .await
        .unwrap();
    s3.copy_object()
        .bucket(bucket)
        .key("copy.txt")
        .copy_source(format!("{bucket}/{key}"))
        .send()
        .await
        .unwrap();
    let copied = s3
        .get_object()
        .bucket(bucket)
        .key("copy.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(copied.body.unwrap().collect().await.unwrap(), &b"odd"[..]);
    let listed = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix("dir/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = listed
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect();
    assert_eq!(keys, [key]);
    assert_eq!(listed.prefix.as_deref(), Some("dir/"));
}

/// A bad bucket name fails before anything is sent, naming the member.
#[tokio::test]
async fn s3_bucket_names_are_checked_locally() {
    let s3 = boto_s3::Client::new(&session());
    let err = s3
        .head_bucket()
        .bucket("no/slashes")
        .send()
        .await
        .unwrap_err();
    match err {
        boto_runtime::Error::Build(e) => {
            assert_eq!(
                (e.operation.as_str(), e.member.as_str()),
                ("HeadBucket", "Bucket")
            );
        }
        other => panic!("expected a build error, got {other:?}"),
    }
}

/// EC2 takes `UserData` as text and stores what arrives base64 encoded.
#[tokio::test]
async fn ec2_user_data_is_base64_encoded() {
    let ec2 = boto_ec2::Client::new(&session());
    let script = "#!/bin/sh\necho boto-rs\n";
    let reservation = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .user_data(script)
        .send()
        .await
        .unwrap();
    let id = reservation.instances.unwrap()[0]
        .instance_id
        .clone()
        .unwrap();
    let attr = ec2
        .describe_instance_attribute()
        .instance_id(id.clone())
        .attribute(boto_ec2::types::InstanceAttributeName::from("userData"))
        .send()
        .await
        .unwrap();
    let stored = attr.user_data.and_then(|v| v.value).unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&stored)
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), script);
    // GetConsoleOutput comes back decoded from base64.
    let out = ec2
        .get_console_output()
        .instance_id(id)
        .send()
        .await
        .unwrap()
        .output
        .unwrap();
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(out.trim())
            .is_err()
            || out.contains(' '),
        "still base64: {out:?}"
    );
}

/// IAM's URL-encoded policy documents come back as JSON text.
#[tokio::test]
async fn iam_policy_documents_are_decoded() {
    let iam = boto_iam::Client::new(&session());
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("custom-policy-role")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a b%"}]}"#;
    iam.put_role_policy()
        .role_name("custom-policy-role")
        .policy_name("inline")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_role_policy()
        .role_name("custom-policy-role")
        .policy_name("inline")
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(got.policy_document.as_deref().unwrap()).unwrap();
    assert_eq!(
        doc,
        serde_json::from_str::<serde_json::Value>(policy).unwrap()
    );
    let role = iam
        .get_role()
        .role_name("custom-policy-role")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let trust_doc: serde_json::Value =
        serde_json::from_str(role.assume_role_policy_document.as_deref().unwrap()).unwrap();
    assert_eq!(trust_doc["Statement"][0]["Action"], "sts:AssumeRole");
}

/// Glacier's account id defaults to `-`, and uploads carry the tree hash.
#[tokio::test]
async fn glacier_uploads_carry_the_tree_hash() {
    let glacier = boto_glacier::Client::new(&session());
    glacier
        .create_vault()
        .vault_name("custom-vault")
        .send()
        .await
        .unwrap();
    let body = Bytes::from(vec![b'x'; 2 * 1024 * 1024 + 3]);
    let out = glacier
        .upload_archive()
        .vault_name("custom-vault")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(out.archive_id.is_some());
}

/// SQS (awsQueryCompatible json) errors carry the query code in
/// `x-amzn-query-error`; modeled errors are still found by their shape.
#[tokio::test]
async fn sqs_modeled_errors_are_typed() {
    let sqs = boto_sqs::Client::new(&session());
    let err = sqs
        .get_queue_url()
        .queue_name("no-such-queue-anywhere")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(boto_sqs::error::GetQueueUrlError::QueueDoesNotExist(_))
        ),
        "{err:?}"
    );
}
