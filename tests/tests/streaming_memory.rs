//! Streaming keeps memory bounded: a 256 MiB object is uploaded from a file
//! and read back through moto while a counting allocator watches the
//! client's peak (the object is never held whole: the test asserts the peak
//! stays under 32 MiB above what was live before), then the same with the
//! managed multipart transfer (bounded by concurrency × part size).
//!
//! Run: `cargo test -p boto-tests --test streaming_memory -- --nocapture`.

use boto_runtime::ByteStream;
use boto_s3::TransferConfig;
use boto_tests::alloc::{live, peak, reset_peak};
use boto_tests::moto::MotoServer;

#[global_allocator]
static ALLOCATOR: boto_tests::alloc::Counting = boto_tests::alloc::Counting;

const MIB: u64 = 1024 * 1024;
const SIZE: u64 = 256 * MIB;

/// Writes a `SIZE`-byte file without holding it in memory.
fn big_file(path: &std::path::Path) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let block: Vec<u8> = (0..MIB).map(|i| (i % 251) as u8).collect();
    for _ in 0..SIZE / MIB {
        f.write_all(&block).unwrap();
    }
    f.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_object_streams_up_and_down_in_bounded_memory() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    s3.create_bucket()
        .bucket("boto-rs-stream-memory")
        .send()
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("boto-rs-stream-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big");
    big_file(&path);

    let before = live();
    reset_peak();
    s3.put_object()
        .bucket("boto-rs-stream-memory")
        .key("big")
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    let put_peak = peak() - before;

    reset_peak();
    let got = s3
        .get_object()
        .bucket("boto-rs-stream-memory")
        .key("big")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_length, Some(SIZE as i64));
    let mut body = got.body.unwrap();
    let (mut n, mut sum) = (0u64, 0u64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        sum = chunk
            .iter()
            .fold(sum, |s, &b| s.wrapping_mul(31).wrapping_add(b as u64));
        n += chunk.len() as u64;
    }
    let get_peak = peak() - before;
    assert_eq!(n, SIZE);
    let expected = (0..SIZE / MIB).fold(0u64, |s, _| {
        (0..MIB).fold(s, |s, i| s.wrapping_mul(31).wrapping_add(i % 251))
    });
    assert_eq!(sum, expected, "the body read back differs");
    println!(
        "256 MiB streamed: peak client allocation {:.1} MiB on put, {:.1} MiB on get",
        put_peak as f64 / MIB as f64,
        get_peak as f64 / MIB as f64
    );
    assert!(put_peak < 32 * MIB as isize, "put peak {put_peak} bytes");
    assert!(get_peak < 32 * MIB as isize, "get peak {get_peak} bytes");

    // Managed: 4 × 8 MiB parts in flight, each read from the file as sent.
    let config = TransferConfig {
        max_concurrency: 4,
        ..TransferConfig::default()
    };
    reset_peak();
    s3.upload_file("boto-rs-stream-memory", "managed", &path)
        .config(config.clone())
        .send()
        .await
        .unwrap();
    let up_peak = peak() - before;
    reset_peak();
    let target = dir.join("down");
    s3.download_file("boto-rs-stream-memory", "managed", &target)
        .config(config)
        .send()
        .await
        .unwrap();
    let down_peak = peak() - before;
    assert_eq!(std::fs::metadata(&target).unwrap().len(), SIZE);
    println!(
        "256 MiB managed (4 × 8 MiB): peak client allocation {:.1} MiB up, {:.1} MiB down",
        up_peak as f64 / MIB as f64,
        down_peak as f64 / MIB as f64
    );
    assert!(up_peak < 32 * MIB as isize, "upload peak {up_peak} bytes");
    assert!(
        down_peak < 32 * MIB as isize,
        "download peak {down_peak} bytes"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
