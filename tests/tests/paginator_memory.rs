//! Paging a long listing keeps memory flat: a counting allocator measures the
//! bytes live after each page of an S3 listing of 3,000 keys, 50 per page
//! (60 requests), and compares with `build_full_result`, which keeps them.
//!
//! Run: `cargo test -p boto-tests --test paginator_memory -- --nocapture`.
// A counting allocator has to implement `GlobalAlloc`, an unsafe trait.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use boto_runtime::paginator::StreamExt;
use boto_runtime::Bytes;
use boto_tests::moto::MotoServer;
use futures_util::stream;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

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
