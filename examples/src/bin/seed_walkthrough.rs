//! boto3's guide, end to end, in Rust: a session; resources and clients;
//! `meta`; collections and a batch action; waiters; paginators; and
//! DynamoDB's `batch_writer`.
//!
//! Run against moto: `moto_server -p 5000`, then
//! `AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing
//! AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 cargo run -p boto-examples
//! --bin seed_walkthrough`.

use std::time::Duration;

use boto_runtime::paginator::TryStreamExt;
use boto_runtime::Session;

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Song {
    artist: String,
    title: String,
    year: u16,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Session: credentials, region and profile from the usual files and
    // environment variables; several sessions can live in one program.
    let session = Session::new();

    // Resources: boto3's object layer. `s3.create_bucket()` returns a `Bucket`.
    let s3 = boto_s3::Resource::new(&session);
    let mut bucket = s3.create_bucket().bucket("seed-walkthrough").send().await?;
    println!("bucket {}", bucket.name());
    bucket
        .wait_until_exists()
        .delay(Duration::from_millis(200))
        .await?;
    for key in ["logs/1.txt", "logs/2.txt", "data/report.csv"] {
        let mut object = bucket.object(key);
        object.put().body(format!("body of {key}")).send().await?;
    }

    // Collections are lazy: nothing is requested until iteration, and every
    // iteration requests again. Items carry the data of the listing.
    for object in bucket.objects().all().collect().await? {
        println!(
            "object {} ({} bytes)",
            object.key(),
            object.size().unwrap_or(0)
        );
    }
    let logs = bucket.objects().filter(|b| b.prefix("logs/"));
    println!("logs: {}", logs.collect().await?.len());

    // Meta: the client under a resource, for what the resource layer lacks.
    let client = s3.meta().client();
    let listed = client.list_buckets().send().await?;
    println!("buckets: {}", listed.buckets.unwrap_or_default().len());

    // Resource vs client: the same user both ways.
    let iam = boto_iam::Resource::new(&session);
    let user = iam.create_user().user_name("seed-user").send().await?;
    println!("user {} {}", user.name(), user.arn().unwrap_or_default());
    let same = iam
        .meta()
        .client()
        .get_user()
        .user_name("seed-user")
        .send()
        .await?;
    println!(
        "client says {}",
        same.user.and_then(|u| u.arn).unwrap_or_default()
    );
    for user in iam.users().all().collect().await? {
        println!("iam user {}", user.name());
    }

    // Paginators: pages across as many calls as it takes.
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket.name())
        .into_paginator()
        .page_size(2)
        .send();
    let mut n = 0;
    while let Some(page) = pages.try_next().await? {
        n += 1;
        println!("page {n}: {} keys", page.contents.unwrap_or_default().len());
    }

    // Waiters, through the resource: run an instance, wait until it runs,
    // then terminate it with a batch action over a filtered collection.
    let ec2 = boto_ec2::Resource::new(&session);
    let instances = ec2
        .create_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .send()
        .await?;
    for instance in &instances {
        instance
            .wait_until_running()
            .delay(Duration::from_millis(200))
            .await?;
        println!("instance {} is running", instance.id());
    }
    let filter = |name: &str, values: Vec<String>| boto_ec2::types::Filter {
        name: Some(name.into()),
        values: Some(values),
    };
    let ids: Vec<String> = instances.iter().map(|i| i.id().to_owned()).collect();
    let running = ec2.instances().filter(|b| {
        b.filters(vec![
            filter("instance-state-name", vec!["running".into()]),
            filter("instance-id", ids),
        ])
    });
    let terminated = running.terminate().await?;
    println!("terminate requests: {}", terminated.len());

    // DynamoDB: a table resource, items from plain Rust values, batch_writer.
    use boto_dynamodb::types::{
        AttributeDefinition, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let dynamodb = boto_dynamodb::Resource::new(&session);
    let key = |name: &str, kind| KeySchemaElement {
        attribute_name: Some(name.into()),
        key_type: Some(kind),
    };
    let attr = |name: &str| AttributeDefinition {
        attribute_name: Some(name.into()),
        attribute_type: Some(ScalarAttributeType::S),
    };
    let table = dynamodb
        .create_table()
        .table_name("seed-songs")
        .key_schema(vec![
            key("artist", KeyType::Hash),
            key("title", KeyType::Range),
        ])
        .attribute_definitions(vec![attr("artist"), attr("title")])
        .billing_mode(boto_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await?;
    table
        .wait_until_exists()
        .delay(Duration::from_millis(200))
        .await?;
    let mut writer = table.batch_writer();
    for year in 1960..1990 {
        let song = Song {
            artist: "Nina".into(),
            title: format!("Song {year}"),
            year,
        };
        writer.put(&song).await?;
    }
    writer.close().await?;
    let mut table = table;
    table.load().await?;
    println!(
        "table {} holds {} items",
        table.name(),
        table.item_count().unwrap_or(0)
    );

    // Clean up: a batch delete of every object, then the bucket.
    logs.delete().await?;
    bucket.objects().all().delete().await?;
    bucket.delete().send().await?;
    let mut user = user;
    user.delete().send().await?;
    println!("done");
    Ok(())
}
