//! boto3's `upload_file` / `download_file` with a `Callback`, as a progress bar:
//!
//! ```python
//! s3.upload_file(path, bucket, key, Callback=ProgressPercentage(path))
//! s3.download_file(bucket, key, path + ".copy", Callback=...)
//! ```
//!
//! `cargo run --release -p boto-examples --bin s3_transfer_progress -- FILE BUCKET KEY`
//! uploads FILE to s3://BUCKET/KEY and downloads it back beside FILE, with the
//! session's usual configuration (`AWS_ENDPOINT_URL=http://127.0.0.1:5000` for moto).
//! Without arguments it sends 256 MiB through the project's local S3 stand-in
//! (which keeps sizes, not bytes), so it runs anywhere.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use boto_runtime::Session;
use boto_s3::Progress;

/// Draws `[#####-----]  50%  128.0 / 256.0 MiB  812 MiB/s` on one line.
struct Bar {
    label: &'static str,
    started: Instant,
    /// Redraw at most every 1%: the callback runs once per part or block.
    last_percent: Mutex<Option<u64>>,
}

impl Bar {
    fn new(label: &'static str) -> Bar {
        Bar {
            label,
            started: Instant::now(),
            last_percent: Mutex::new(None),
        }
    }

    fn draw(&self, p: Progress) {
        const WIDTH: u64 = 30;
        const MIB: f64 = 1024.0 * 1024.0;
        let total = p.total.unwrap_or(0);
        let percent = (p.bytes * 100).checked_div(total).unwrap_or(100);
        let mut last = self.last_percent.lock().unwrap_or_else(|e| e.into_inner());
        if *last == Some(percent) {
            return;
        }
        *last = Some(percent);
        let filled = (percent * WIDTH / 100) as usize;
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        eprint!(
            "\r{:<8} [{}{}] {percent:>3}%  {:.1} / {:.1} MiB  {:.0} MiB/s ",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled),
            p.bytes as f64 / MIB,
            total as f64 / MIB,
            p.bytes as f64 / MIB / secs,
        );
        let _ = std::io::stderr().flush();
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (_stand_in, s3, file, bucket, key, cleanup) = match args.as_slice() {
        [file, bucket, key] => {
            let s3 = boto_s3::Client::new(&Session::new());
            (
                None,
                s3,
                PathBuf::from(file),
                bucket.clone(),
                key.clone(),
                false,
            )
        }
        [] => {
            let stand_in = boto_examples::s3_stand_in::StandIn::start().await?;
            stand_in.create_bucket("demo");
            let session = Session::builder()
                .region("us-east-1")
                .credentials(boto_runtime::Credentials::new("demo", "demo", None))
                .endpoint_url(stand_in.url())
                .build()?;
            let file =
                std::env::temp_dir().join(format!("boto-rs-progress-{}", std::process::id()));
            let f = std::fs::File::create(&file)?;
            f.set_len(256 * 1024 * 1024)?;
            let s3 = boto_s3::Client::new(&session);
            (
                Some(stand_in),
                s3,
                file,
                "demo".into(),
                "demo.bin".into(),
                true,
            )
        }
        _ => return Err("usage: s3_transfer_progress [FILE BUCKET KEY]".into()),
    };

    let bar = Bar::new("upload");
    s3.upload_file(&bucket, &key, &file)
        .on_progress(move |p| bar.draw(p))
        .send()
        .await?;
    eprintln!();

    let mut copy = file.clone().into_os_string();
    copy.push(".copy");
    let copy = PathBuf::from(copy);
    let bar = Bar::new("download");
    s3.download_file(&bucket, &key, &copy)
        .on_progress(move |p| bar.draw(p))
        .send()
        .await?;
    eprintln!();
    println!("s3://{bucket}/{key} -> {}", copy.display());
    if cleanup {
        std::fs::remove_file(&file)?;
        std::fs::remove_file(&copy)?;
    }
    Ok(())
}
