//! boto3's S3 resources against moto: buckets and objects through the
//! resource, the objects collection with a filter, its batch delete, object
//! load, and the resource waiters.

use std::time::Duration;

use boto_runtime::Bytes;
use boto_tests::moto::MotoServer;
use futures_util::StreamExt;

fn s3() -> boto_s3::Resource {
    boto_s3::Resource::new(&MotoServer::shared().session())
}

const SHORT: Duration = Duration::from_millis(100);

#[tokio::test]
async fn bucket_objects_filter_and_batch_delete() {
    let s3 = s3();
    let mut bucket = s3
        .create_bucket()
        .bucket("res-s3-batch")
        .send()
        .await
        .unwrap();
    assert_eq!(bucket.name(), "res-s3-batch");
    assert_eq!(bucket, s3.bucket("res-s3-batch"));
    bucket.wait_until_exists().delay(SHORT).await.unwrap();

    // Objects through the bucket's PutObject action: the key is the request's.
    for (key, body) in [
        ("logs/a.log", &b"first log"[..]),
        ("logs/b.log", &b"second log line"[..]),
        ("logs/c.log", &b"3"[..]),
    ] {
        let obj = bucket
            .put_object()
            .key(key)
            .body(Bytes::copy_from_slice(body))
            .send()
            .await
            .unwrap();
        assert_eq!(obj.bucket_name(), "res-s3-batch");
        assert_eq!(obj.key(), key);
    }
    // And through the Object resource's own Put.
    for key in ["data/keep.txt", "top.txt"] {
        let mut obj = bucket.object(key);
        obj.put()
            .body(Bytes::from_static(b"kept"))
            .content_type("text/plain")
            .send()
            .await
            .unwrap();
    }

    let logs = bucket.objects().filter(|b| b.prefix("logs/"));
    let items = logs.collect().await.unwrap();
    let keys: Vec<&str> = items.iter().map(|o| o.key()).collect();
    assert_eq!(keys, ["logs/a.log", "logs/b.log", "logs/c.log"]);
    // Items carry their data from the listing.
    assert!(items.iter().all(|o| o.is_loaded()));
    let sizes: Vec<Option<i64>> = items.iter().map(|o| o.size()).collect();
    assert_eq!(sizes, [Some(9), Some(15), Some(1)]);
    assert!(items[0].e_tag().is_some());
    assert!(items[0].last_modified().is_some());
    assert_eq!(items[0].bucket_name(), "res-s3-batch");

    // Pages and limit on the filtered collection.
    let sizes: Vec<usize> = logs
        .page_size(2)
        .pages()
        .map(|p| p.unwrap().len())
        .collect()
        .await;
    assert_eq!(sizes, vec![2, 1]);
    assert_eq!(logs.limit(2).collect().await.unwrap().len(), 2);
    assert_eq!(bucket.objects().all().collect().await.unwrap().len(), 5);

    // The batch action: one DeleteObjects for the (single) page.
    let outputs = logs.delete().await.unwrap();
    assert_eq!(outputs.len(), 1);
    let mut deleted: Vec<String> = outputs[0]
        .deleted
        .iter()
        .flatten()
        .filter_map(|d| d.key.clone())
        .collect();
    deleted.sort();
    assert_eq!(deleted, ["logs/a.log", "logs/b.log", "logs/c.log"]);
    assert!(outputs[0].errors.as_ref().is_none_or(|e| e.is_empty()));

    assert!(logs.collect().await.unwrap().is_empty());
    let left: Vec<String> = bucket
        .objects()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key().to_owned())
        .collect();
    assert_eq!(left, ["data/keep.txt", "top.txt"]);

    // A batch delete in pages of one: one DeleteObjects per page.
    let outputs = bucket.objects().page_size(1).delete().await.unwrap();
    assert_eq!(outputs.len(), 2);
    assert!(bucket.objects().collect().await.unwrap().is_empty());

    // The bucket appears in the service's buckets collection.
    let buckets = s3.buckets().collect().await.unwrap();
    let mine = buckets.iter().find(|b| b.name() == "res-s3-batch").unwrap();
    assert!(mine.creation_date().is_some());

    bucket.delete().send().await.unwrap();
    bucket.wait_until_not_exists().delay(SHORT).await.unwrap();
}

#[tokio::test]
async fn object_load_and_waiters() {
    let s3 = s3();
    let mut bucket = s3.bucket("res-s3-object");
    // boto3's injected Bucket.load (ListBuckets): no bucket, a NotFound error.
    assert!(bucket.load().await.is_err());
    bucket.create().send().await.unwrap();
    bucket.wait_until_exists().delay(SHORT).await.unwrap();
    bucket.load().await.unwrap();
    assert!(bucket.creation_date().is_some());

    let mut obj = s3.object("res-s3-object", "dir/hello.txt");
    assert!(!obj.is_loaded());
    assert_eq!(obj.content_length(), None);
    // Not there yet: load fails, the waiter for absence succeeds at once.
    assert!(obj.load().await.is_err());
    obj.wait_until_not_exists().delay(SHORT).await.unwrap();

    obj.put()
        .body(Bytes::from_static(b"hello, resources"))
        .content_type("text/plain")
        .metadata([("colour".to_owned(), "blue".to_owned())])
        .send()
        .await
        .unwrap();
    obj.wait_until_exists().delay(SHORT).await.unwrap();
    obj.load().await.unwrap();
    assert!(obj.is_loaded());
    assert_eq!(obj.content_length(), Some(16));
    assert_eq!(obj.content_type(), Some("text/plain"));
    assert!(obj.e_tag().is_some());
    assert!(obj.last_modified().is_some());
    assert_eq!(
        obj.metadata()
            .and_then(|m| m.get("colour"))
            .map(String::as_str),
        Some("blue")
    );
    assert_eq!(
        obj.meta().identifiers(),
        &[
            ("BucketName", "res-s3-object".to_owned()),
            ("Key", "dir/hello.txt".to_owned())
        ]
    );

    // Get through the resource: the typed output, with the body.
    let got = obj.get().send().await.unwrap();
    assert_eq!(
        got.body.unwrap().collect().await.unwrap(),
        &b"hello, resources"[..]
    );
    // A non-load action clears the data.
    assert!(!obj.is_loaded());

    // References back to the bucket.
    assert_eq!(obj.bucket(), bucket);

    obj.delete().send().await.unwrap();
    obj.wait_until_not_exists().delay(SHORT).await.unwrap();
    assert!(obj.load().await.is_err());

    bucket.delete().send().await.unwrap();
}

#[tokio::test]
async fn batch_delete_with_parameters_of_ones_own() {
    let s3 = s3();
    let mut bucket = s3
        .create_bucket()
        .bucket("res-s3-quiet")
        .send()
        .await
        .unwrap();
    for key in ["tmp/1", "tmp/2", "tmp/3"] {
        bucket
            .put_object()
            .key(key)
            .body(Bytes::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    let tmp = bucket.objects().filter(|b| b.prefix("tmp/"));
    // `Delete.Quiet` merges into the model's `Delete.Objects[*].Key`.
    let outputs = tmp
        .delete_with(|b| {
            b.delete(boto_s3::types::Delete {
                quiet: Some(true),
                ..Default::default()
            })
        })
        .await
        .unwrap();
    // moto ignores `Quiet`; that the keys are gone shows the model's
    // `Objects` survived the caller's `Delete`.
    assert_eq!(outputs.len(), 1);
    assert!(tmp.collect().await.unwrap().is_empty());
    bucket.delete().send().await.unwrap();
}
