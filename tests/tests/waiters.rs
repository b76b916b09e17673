//! Generated waiters against moto: each resource is created (or not), then
//! the waiter polls it with the model's acceptors. Delays are shortened; the
//! acceptors, operations and inputs are the model's.

use std::time::Duration;

use boto_runtime::waiter::WaiterError;
use boto_runtime::Session;
use boto_tests::moto::MotoServer;

fn session() -> Session {
    MotoServer::shared().session()
}

const FAST: Duration = Duration::from_millis(50);

#[tokio::test]
async fn ec2_instance_running_then_terminated() {
    use boto_ec2::types::{Filter, InstanceStateName, InstanceType};
    let ec2 = boto_ec2::Client::new(&session());
    let reservation = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .instance_type(InstanceType::from("t2.micro"))
        .send()
        .await
        .unwrap();
    let id = reservation
        .instances
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.instance_id)
        .expect("an instance id");

    let running = ec2
        .wait_until_instance_running()
        .instance_ids(vec![id.clone()])
        .delay(FAST)
        .wait()
        .await
        .unwrap()
        .expect("the DescribeInstances output");
    let states: Vec<_> = running
        .reservations
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| r.instances.unwrap_or_default())
        .filter_map(|i| i.state?.name)
        .collect();
    assert_eq!(states, [InstanceStateName::Running]);

    // InstanceRunning fails (not retries) once the instance is terminated.
    ec2.terminate_instances()
        .instance_ids(vec![id.clone()])
        .send()
        .await
        .unwrap();
    let terminated = ec2
        .wait_until_instance_terminated()
        .instance_ids(vec![id.clone()])
        .delay(FAST)
        .wait()
        .await
        .unwrap()
        .expect("the DescribeInstances output");
    let state = terminated.reservations.unwrap_or_default()[0]
        .instances
        .as_ref()
        .unwrap()[0]
        .state
        .clone()
        .unwrap();
    assert_eq!(state.name, Some(InstanceStateName::Terminated));

    let err = ec2
        .wait_until_instance_running()
        .instance_ids(vec![id])
        .delay(FAST)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(err, WaiterError::FailureState { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("terminated"), "{err}");

    // InstanceExists on a filter matching nothing: `Reservations` is an empty
    // list (as botocore parses it), `length(Reservations[]) > 0` is false, so
    // the wait retries until attempts run out, as boto3's does.
    let err = ec2
        .wait_until_instance_exists()
        .filters(vec![Filter {
            name: Some("instance-id".into()),
            values: Some(vec!["i-00000000000000000".into()]),
        }])
        .delay(Duration::ZERO)
        .max_attempts(2)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(err, WaiterError::MaxAttemptsExceeded { attempts: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn s3_bucket_exists_and_object_not_exists() {
    let s3 = boto_s3::Client::new(&session());
    let bucket = "boto-rs-waiter-bucket";
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    // BucketExists: HeadBucket, success on 200.
    s3.wait_until_bucket_exists()
        .bucket(bucket)
        .delay(FAST)
        .wait()
        .await
        .unwrap()
        .expect("a HeadBucket output");

    // A bucket that does not exist: 404 is `retry`, so attempts run out.
    let err = s3
        .wait_until_bucket_exists()
        .bucket("boto-rs-waiter-missing")
        .delay(Duration::ZERO)
        .max_attempts(2)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(err, WaiterError::MaxAttemptsExceeded { attempts: 2, .. }),
        "{err:?}"
    );
    // botocore's code for a body-less 404 is the status, as here.
    assert_eq!(err.last_error().unwrap().code(), Some("404"));

    // ObjectNotExists: HeadObject, success on 404 (an error response: no output).
    let done = s3
        .wait_until_object_not_exists()
        .bucket(bucket)
        .key("never-written")
        .delay(FAST)
        .wait()
        .await
        .unwrap();
    assert!(done.is_none());

    // An object that exists: 200 matches no acceptor, so it is retried.
    s3.put_object()
        .bucket(bucket)
        .key("k")
        .body(boto_runtime::Bytes::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let err = s3
        .wait_until_object_not_exists()
        .bucket(bucket)
        .key("k")
        .delay(Duration::ZERO)
        .max_attempts(2)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(err, WaiterError::MaxAttemptsExceeded { attempts: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.last_output().unwrap().content_length, Some(1));

    // After the delete the same waiter succeeds.
    s3.delete_object()
        .bucket(bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    s3.wait_until_object_not_exists()
        .bucket(bucket)
        .key("k")
        .delay(FAST)
        .wait()
        .await
        .unwrap();
}

#[tokio::test]
async fn dynamodb_table_exists() {
    use boto_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TableStatus,
    };
    let ddb = boto_dynamodb::Client::new(&session());
    let table = "boto-rs-waiter-table";
    ddb.create_table()
        .table_name(table)
        .attribute_definitions(vec![AttributeDefinition {
            attribute_name: Some("pk".into()),
            attribute_type: Some(ScalarAttributeType::from("S")),
        }])
        .key_schema(vec![KeySchemaElement {
            attribute_name: Some("pk".into()),
            key_type: Some(KeyType::from("HASH")),
        }])
        .billing_mode(BillingMode::from("PAY_PER_REQUEST"))
        .send()
        .await
        .unwrap();
    let out = ddb
        .wait_until_table_exists()
        .table_name(table)
        .delay(FAST)
        .wait()
        .await
        .unwrap()
        .expect("a DescribeTable output");
    assert_eq!(
        out.table.unwrap().table_status,
        Some(TableStatus::from("ACTIVE"))
    );

    // TableNotExists on a missing table: success on ResourceNotFoundException.
    let gone = ddb
        .wait_until_table_not_exists()
        .table_name("boto-rs-waiter-no-table")
        .delay(FAST)
        .wait()
        .await
        .unwrap();
    assert!(gone.is_none());
}

#[tokio::test]
async fn iam_user_exists() {
    let iam = boto_iam::Client::new(&session());
    // Not there yet: NoSuchEntity is `retry`, so attempts run out, keeping the typed error.
    let err = iam
        .wait_until_user_exists()
        .user_name("boto-rs-waiter-user")
        .delay(Duration::ZERO)
        .max_attempts(2)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(err, WaiterError::MaxAttemptsExceeded { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(
        matches!(
            err.last_error().and_then(|e| e.as_service_error()),
            Some(boto_iam::error::GetUserError::NoSuchEntityException(_))
        ),
        "{err:?}"
    );

    iam.create_user()
        .user_name("boto-rs-waiter-user")
        .send()
        .await
        .unwrap();
    let out = iam
        .wait_until_user_exists()
        .user_name("boto-rs-waiter-user")
        .delay(FAST)
        .wait()
        .await
        .unwrap()
        .expect("a GetUser output");
    assert_eq!(
        out.user.unwrap().user_name.as_deref(),
        Some("boto-rs-waiter-user")
    );
}
