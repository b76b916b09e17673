//! Paging a long listing keeps memory flat: a counting allocator measures the
//! bytes live after each page of an S3 listing of 3,000 keys, 50 per page
//! (60 requests), and compares with `build_full_result`, which keeps them.
//!
//! Run: `cargo test -p boto-tests --test paginator_memory -- --nocapture`.
use boto_runtime::paginator::StreamExt;
use boto_runtime::Bytes;
use boto_tests::alloc::live;
use boto_tests::moto::MotoServer;
use futures_util::stream;

#[global_allocator]
static ALLOCATOR: boto_tests::alloc::Counting = boto_tests::alloc::Counting;

#[tokio::test]
async fn paging_memory_stays_flat() {
    const BUCKET: &str = "boto-rs-paginate-memory";
    const KEYS: usize = 3000;
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let puts = (0..KEYS).map(|i| {
        s3.put_object()
            .bucket(BUCKET)
            .key(format!("some/longer/prefix/key-{i:06}"))
            .body(Bytes::from_static(b"x"))
            .send()
    });
    let results: Vec<_> = stream::iter(puts).buffer_unordered(32).collect().await;
    results.into_iter().for_each(|r| {
        r.unwrap();
    });

    // Pages: note the live bytes after each one (its items dropped).
    let mut pages = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .into_paginator()
        .page_size(50)
        .send();
    let (mut seen, mut after) = (0, Vec::new());
    while let Some(page) = pages.next().await {
        seen += page.unwrap().contents.map_or(0, |c| c.len());
        after.push(live());
    }
    assert_eq!(seen, KEYS);
    assert_eq!(after.len(), KEYS / 50);
    let early = after[4];
    let late_max = *after[10..].iter().max().unwrap();
    let late_last = *after.last().unwrap();

    // For contrast: everything merged into one output.
    let before_full = live();
    let full = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .into_paginator()
        .page_size(50)
        .build_full_result()
        .await
        .unwrap();
    let kept = live() - before_full;
    assert_eq!(full.contents.as_ref().map(Vec::len), Some(KEYS));

    println!(
        "live heap after page 5: {early} B; max after pages 11..60: {late_max} B; after page 60: {late_last} B \
         (growth over 55 pages: {} B); build_full_result keeps {kept} B for {KEYS} objects",
        late_max - early
    );
    // Flat: 55 more pages (2,750 objects) add less than one page's worth of
    // memory; holding them all costs well over that.
    assert!(
        late_max - early < 64 * 1024,
        "grew by {} B",
        late_max - early
    );
    assert!(
        kept > 10 * (late_max - early).max(64 * 1024),
        "full result only {kept} B"
    );
    drop(full);
}
