//! S3 managed transfers (upload and download of one large file) through the
//! local S3 stand-in (`boto_examples::s3_stand_in`), compared in one run:
//! boto3's `upload_file`/`download_file`, raw reqwest (the loopback limit:
//! 10 concurrent 8 MiB parts, unsigned) and boto-rs's managed transfer.
//!
//! `cargo xtask bench transfer [--size-mib 1024] [--reps 2]` builds this in
//! release mode and runs `transfer_bench run`. Each measurement runs in a
//! process of its own, so its peak RSS is its own:
//!
//! - `transfer_bench run [--size-mib N] [--reps N] [--clients boto3,raw,boto-rs,file-write] [--no-warm]`:
//!   the driver. Runs the
//!   server in-process (its CPU time during a measurement is the driver's),
//!   writes a source file of pattern bytes in a temporary folder, then per
//!   rep runs every client's upload and download as children, verifies each
//!   result (the object's size on the server, the downloaded file's size and
//!   sampled bytes) and prints a table.
//! - `transfer_bench serve`: the stand-in alone (prints its URL, serves
//!   until standard input closes), for trying a client by hand.
//! - `transfer_bench child MODE --url URL --file PATH --size N --key KEY`,
//!   MODE one of `raw-upload`, `raw-download`, `boto-rs-upload`,
//!   `boto-rs-download`, `file-write-download` (the reference: a fresh file
//!   of the same size written with no network, what every download pays):
//!   one measurement, printed as one JSON line.
//!   boto3's children are `python3 -c <examples/scripts/transfer_bench.py>`.
//!
//! CPU times and peak RSS come from `/proc/self/stat` (user and system
//! ticks, `USER_HZ` = 100) and `/proc/self/status` (`VmHWM`), as the same
//! figures from `getrusage` would be (the workspace forbids `unsafe`, so no
//! libc call); the Python child uses `resource.getrusage`.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use boto_examples::s3_stand_in::{pattern_byte, pattern_slice, StandIn};
use serde_json::{json, Value};

/// Part size of every client (boto3's default `multipart_chunksize`).
const PART: u64 = 8 << 20;
/// Parts in flight (boto3's default `max_concurrency`).
const CONCURRENCY: usize = 10;
const BUCKET: &str = "bench";
/// The object every download reads (stored on the server, not uploaded).
const SOURCE_KEY: &str = "source/object.bin";
const PYTHON_SCRIPT: &str = include_str!("../../scripts/transfer_bench.py");
/// `/proc/self/stat` ticks per second (`USER_HZ`, fixed at 100 for the
/// `/proc` interface on Linux).
const USER_HZ: f64 = 100.0;
/// `file-write` is a reference, not a client: a fresh file of the same size
/// written with no network (downloads only), what every download pays.
const CLIENTS: [&str; 4] = ["boto3", "raw", "boto-rs", "file-write"];
const OPS: [&str; 2] = ["upload", "download"];

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => driver(&args[1..]),
        Some("child") => return child(&args[1..]),
        Some("serve") => serve(),
        _ => Err(
            "usage: transfer_bench run [--size-mib N] [--reps N] [--clients boto3,raw,boto-rs,file-write] [--no-warm]\n       \
             transfer_bench child MODE --url URL --file PATH --size N --key KEY\n       \
             transfer_bench serve"
                .into(),
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("transfer_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The stand-in alone, for trying clients by hand: prints its URL, serves
/// until standard input closes.
fn serve() -> Result<()> {
    let server = StandIn::start_in_background(2).map_err(|e| format!("server: {e}"))?;
    println!("{}", server.url());
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    println!("{} requests", server.requests());
    Ok(())
}

/// The value after `--name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// User and system CPU seconds of this process so far.
fn cpu_times() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime is field 14, stime field 15.
    (ticks(11) / USER_HZ, ticks(12) / USER_HZ)
}

/// Peak resident set size of this process, MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

// ---------------------------------------------------------------- children

fn child(args: &[String]) -> ExitCode {
    let mode = args.first().cloned().unwrap_or_default();
    let op = if mode.ends_with("upload") {
        "upload"
    } else {
        "download"
    };
    let run = || -> Result<Value> {
        let url = flag(args, "--url").ok_or("--url is required")?;
        let file = PathBuf::from(flag(args, "--file").ok_or("--file is required")?);
        let size: u64 = flag(args, "--size")
            .ok_or("--size is required")?
            .parse()
            .map_err(|e| format!("--size: {e}"))?;
        let key = flag(args, "--key").ok_or("--key is required")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let (user0, sys0) = cpu_times();
        let start = Instant::now();
        runtime.block_on(async {
            match mode.as_str() {
                "raw-upload" => raw_upload(url, key, &file, size).await,
                "raw-download" => raw_download(url, key, &file, size).await,
                "file-write-download" => {
                    let file = file.clone();
                    tokio::task::spawn_blocking(move || write_pattern_file(&file, size))
                        .await
                        .map_err(|e| e.to_string())?
                }
                "boto-rs-upload" | "boto-rs-download" => {
                    boto_rs_transfer(op, url, key, &file).await
                }
                other => Err(format!("unknown child mode {other:?}")),
            }
        })?;
        let seconds = start.elapsed().as_secs_f64();
        let (user1, sys1) = cpu_times();
        Ok(json!({
            "bytes": size,
            "seconds": seconds,
            "mib_per_s": size as f64 / seconds / f64::from(1 << 20),
            "peak_rss_mib": peak_rss_mib(),
            "cpu_user_s": user1 - user0,
            "cpu_sys_s": sys1 - sys0,
        }))
    };
    let (mut line, code) = match run() {
        Ok(v) => (v, ExitCode::SUCCESS),
        Err(e) => (json!({ "error": e }), ExitCode::FAILURE),
    };
    line["mode"] = json!(mode);
    line["op"] = json!(op);
    println!("{line}");
    code
}

/// boto-rs's managed transfer (`boto_s3::Client::upload_file` / `download_file`,
/// boto3's defaults: 8 MiB parts, 10 in flight).
async fn boto_rs_transfer(op: &str, url: &str, key: &str, path: &Path) -> Result<()> {
    let session = boto_runtime::Session::builder()
        .region("us-east-1")
        .credentials(boto_runtime::Credentials::new("x", "x", None))
        .endpoint_url(url)
        .build()
        .map_err(|e| format!("session: {e}"))?;
    let s3 = boto_s3::Client::new(&session);
    match op {
        "upload" => s3.upload_file(BUCKET, key, path).send().await,
        _ => s3.download_file(BUCKET, key, path).send().await,
    }
    .map(drop)
    .map_err(|e| format!("boto-rs {op}: {e}"))
}

fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .map_err(|e| format!("reqwest client: {e}"))
}

fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let from = xml.find(&open)? + open.len();
    let to = xml[from..].find('<')? + from;
    Some(xml[from..to].to_owned())
}

async fn ok_response(
    what: &str,
    r: reqwest::Result<reqwest::Response>,
) -> Result<reqwest::Response> {
    let r = r.map_err(|e| format!("{what}: {e}"))?;
    if r.status().is_success() {
        return Ok(r);
    }
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    Err(format!("{what}: HTTP {status}: {body}"))
}

/// Runs `work(part_index)` for every part, `CONCURRENCY` at a time.
async fn for_each_part<F, Fut>(parts: u64, work: F) -> Result<()>
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let mut workers: Vec<tokio::task::JoinHandle<Result<()>>> = Vec::new();
    for _ in 0..(CONCURRENCY as u64).min(parts) {
        let (next, work) = (next.clone(), work.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= parts {
                    return Ok(());
                }
                work(n).await?;
            }
        }));
    }
    for w in workers {
        w.await.map_err(|e| format!("part task: {e}"))??;
    }
    Ok(())
}

/// Part buffers of `PART` bytes, each allocated (and touched) once and
/// reused, so the raw client's memory is its parts in flight: a buffer goes
/// back when the last `Bytes` made from it is dropped (by hyper, once the
/// part is sent) or when a downloaded part has been written.
#[derive(Clone, Default)]
struct Pool(Arc<Mutex<Vec<Vec<u8>>>>);

impl Pool {
    fn take(&self) -> Vec<u8> {
        let mut free = self.0.lock().unwrap_or_else(|e| e.into_inner());
        free.pop().unwrap_or_else(|| vec![0; PART as usize])
    }

    fn give(&self, buf: Vec<u8>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(buf);
    }
}

/// The first `len` bytes of a pooled buffer, as the owner of a `Bytes`.
struct Pooled {
    buf: Vec<u8>,
    len: usize,
    pool: Pool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
}

/// CreateMultipartUpload, UploadPart ×N (each part read from the file into a
/// pooled buffer with one positional read on the blocking pool, then sent as
/// one body), CompleteMultipartUpload; unsigned.
async fn raw_upload(url: &str, key: &str, path: &Path, size: u64) -> Result<()> {
    let http = http_client()?;
    let object = format!("{url}/{BUCKET}/{key}");
    let r = ok_response(
        "CreateMultipartUpload",
        http.post(format!("{object}?uploads")).send().await,
    )
    .await?;
    let text = r.text().await.map_err(|e| e.to_string())?;
    let id = xml_value(&text, "UploadId").ok_or_else(|| format!("no UploadId in {text}"))?;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = Arc::new(file);
    let parts = size.div_ceil(PART).max(1);
    let etags = Arc::new(Mutex::new(vec![String::new(); parts as usize]));
    let pool = Pool::default();
    let (o, i, e) = (object.clone(), id.clone(), etags.clone());
    for_each_part(parts, move |n| {
        let (http, file, pool) = (http.clone(), file.clone(), pool.clone());
        let (object, id, etags) = (o.clone(), i.clone(), e.clone());
        async move {
            let offset = n * PART;
            let len = PART.min(size - offset) as usize;
            let mut buf = pool.take();
            let buf = tokio::task::spawn_blocking(move || {
                file.read_exact_at(&mut buf[..len], offset).map(|()| buf)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("reading part {}: {e}", n + 1))?;
            let body = bytes::Bytes::from_owner(Pooled { buf, len, pool });
            let r = ok_response(
                "UploadPart",
                http.put(format!("{object}?partNumber={}&uploadId={id}", n + 1))
                    .body(body)
                    .send()
                    .await,
            )
            .await?;
            let etag = r
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .ok_or("UploadPart: no ETag")?
                .to_owned();
            etags.lock().map_err(|e| e.to_string())?[n as usize] = etag;
            Ok(())
        }
    })
    .await?;
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (n, etag) in etags.lock().map_err(|e| e.to_string())?.iter().enumerate() {
        xml.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
            n + 1,
            etag.replace('"', "&quot;")
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    let http = http_client()?;
    ok_response(
        "CompleteMultipartUpload",
        http.post(format!("{object}?uploadId={id}"))
            .body(xml)
            .send()
            .await,
    )
    .await?;
    Ok(())
}

/// HeadObject, then ranged GETs of 8 MiB, 10 at a time, each collected into
/// one pooled buffer and written into place with one positional write on
/// the blocking pool, one write at a time.
async fn raw_download(url: &str, key: &str, path: &Path, size: u64) -> Result<()> {
    let http = http_client()?;
    let object = format!("{url}/{BUCKET}/{key}");
    let r = ok_response("HeadObject", http.head(&object).send().await).await?;
    let len: u64 = r
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .ok_or("HeadObject: no Content-Length")?;
    if len != size {
        return Err(format!("HeadObject says {len} bytes, expected {size}"));
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_len(len).map_err(|e| e.to_string())?;
    let file = Arc::new(file);
    let parts = len.div_ceil(PART).max(1);
    let pool = Pool::default();
    // One write at a time (as s3transfer's single IO thread): concurrent
    // writers of one file contend for its inode lock, and on this 2-vCPU VM
    // the kernel's spinning on it cost more CPU than the writes.
    let writing = Arc::new(tokio::sync::Mutex::new(()));
    for_each_part(parts, move |n| {
        let (http, file, pool, object) = (http.clone(), file.clone(), pool.clone(), object.clone());
        let writing = writing.clone();
        async move {
            let offset = n * PART;
            let want = PART.min(len - offset) as usize;
            if want == 0 {
                return Ok(());
            }
            let mut r = ok_response(
                "GetObject",
                http.get(&object)
                    .header(
                        "range",
                        format!("bytes={offset}-{}", offset + want as u64 - 1),
                    )
                    .send()
                    .await,
            )
            .await?;
            let mut buf = pool.take();
            let mut got = 0;
            while let Some(chunk) = r
                .chunk()
                .await
                .map_err(|e| format!("GetObject body: {e}"))?
            {
                let end = got + chunk.len();
                if end > want {
                    return Err(format!("part {}: more than {want} bytes", n + 1));
                }
                buf[got..end].copy_from_slice(&chunk);
                got = end;
            }
            if got != want {
                return Err(format!("part {}: {got} bytes, expected {want}", n + 1));
            }
            let turn = writing.lock().await;
            let buf = tokio::task::spawn_blocking(move || {
                file.write_all_at(&buf[..want], offset).map(|()| buf)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("writing part {}: {e}", n + 1))?;
            drop(turn);
            pool.give(buf);
            Ok(())
        }
    })
    .await?;
    let got = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if got != size {
        return Err(format!("downloaded {got} bytes, expected {size}"));
    }
    Ok(())
}

// ------------------------------------------------------------------ driver

/// One child's figures.
#[derive(Debug, Clone)]
struct Measure {
    mib_per_s: f64,
    seconds: f64,
    peak_rss_mib: f64,
    cpu_s: f64,
    server_cpu_s: f64,
}

/// Removes the scratch folder however the driver ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn driver(args: &[String]) -> Result<()> {
    let size_mib: u64 = flag(args, "--size-mib")
        .unwrap_or("1024")
        .parse()
        .map_err(|e| format!("--size-mib: {e}"))?;
    let reps: usize = flag(args, "--reps")
        .unwrap_or("2")
        .parse()
        .map_err(|e| format!("--reps: {e}"))?;
    let warm = !args.iter().any(|a| a == "--no-warm");
    let clients: Vec<&str> = match flag(args, "--clients") {
        Some(list) => list.split(',').collect(),
        None => CLIENTS.to_vec(),
    };
    if let Some(c) = clients.iter().find(|c| !CLIENTS.contains(c)) {
        return Err(format!(
            "unknown client {c:?} (known: {})",
            CLIENTS.join(", ")
        ));
    }
    let size = size_mib << 20;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let scratch =
        Scratch(std::env::temp_dir().join(format!("boto-transfer-bench-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).map_err(|e| e.to_string())?;
    let source = scratch.0.join("source.bin");
    write_pattern_file(&source, size)?;

    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let server = StandIn::start_in_background(workers).map_err(|e| format!("server: {e}"))?;
    server.create_bucket(BUCKET);
    server.insert_object(BUCKET, SOURCE_KEY, size);
    let url = server.url();
    println!(
        "S3 stand-in at {url} ({workers} runtime threads, in the driver process); \
         {size_mib} MiB file, {reps} reps, parts of {} MiB, {CONCURRENCY} at a time",
        PART >> 20
    );
    if warm {
        println!(
            "before each child, the driver writes and deletes a scratch file of {} MiB \
             (untimed) so that free memory is backed by the host (--no-warm to skip)",
            (size + WARM_EXTRA) >> 20
        );
    }

    let mut results: Vec<(&str, &str, std::result::Result<Measure, String>)> = Vec::new();
    let mut boto3_versions = None;
    for rep in 1..=reps {
        for &client in CLIENTS.iter().filter(|c| clients.contains(c)) {
            for op in OPS {
                if client == "file-write" && op == "upload" {
                    continue;
                }
                let key = format!("uploads/{client}-{rep}.bin");
                let target = scratch.0.join(format!("download-{client}.bin"));
                let (file, key) = match op {
                    "upload" => (source.as_path(), key.as_str()),
                    _ => (target.as_path(), SOURCE_KEY),
                };
                let mut cmd = if client == "boto3" {
                    let mut c = Command::new("python3");
                    c.arg("-c").arg(PYTHON_SCRIPT).args([
                        op,
                        url.as_str(),
                        &file.to_string_lossy(),
                        &size.to_string(),
                        BUCKET,
                        key,
                    ]);
                    c
                } else {
                    let mut c = Command::new(&exe);
                    c.args(["child", &format!("{client}-{op}"), "--url", &url, "--file"])
                        .arg(file)
                        .args(["--size", &size.to_string(), "--key", key]);
                    c
                };
                cmd.env("NO_PROXY", "127.0.0.1,localhost")
                    .env("no_proxy", "127.0.0.1,localhost")
                    .stdin(Stdio::null())
                    .stderr(Stdio::inherit());
                if warm {
                    // Not timed: see `warm_free_memory`.
                    warm_free_memory(&scratch.0.join("warm.bin"), size + WARM_EXTRA)?;
                }
                let (server_user0, server_sys0) = cpu_times();
                let outcome = run_child(client, &mut cmd).and_then(|v| {
                    let (server_user1, server_sys1) = cpu_times();
                    if let Some(s) = v["versions"].as_str() {
                        boto3_versions = Some(s.to_owned());
                    }
                    match op {
                        "upload" => {
                            let got = server.object_size(BUCKET, key);
                            if got != Some(size) {
                                return Err(format!(
                                    "uploaded object has size {got:?}, expected {size}"
                                ));
                            }
                        }
                        _ => {
                            let checked = verify_download(&target, size);
                            let _ = std::fs::remove_file(&target);
                            checked?;
                        }
                    }
                    let f = |name: &str| v[name].as_f64().unwrap_or(f64::NAN);
                    Ok(Measure {
                        mib_per_s: f("mib_per_s"),
                        seconds: f("seconds"),
                        peak_rss_mib: f("peak_rss_mib"),
                        cpu_s: f("cpu_user_s") + f("cpu_sys_s"),
                        server_cpu_s: server_user1 - server_user0 + server_sys1 - server_sys0,
                    })
                });
                match &outcome {
                    Ok(m) => println!(
                        "rep {rep} {op:<8} {client:<7} {:>8.1} MiB/s  {:>6.2} s  peak RSS {:>6.1} MiB  CPU {:>5.2} s  server CPU {:>5.2} s",
                        m.mib_per_s, m.seconds, m.peak_rss_mib, m.cpu_s, m.server_cpu_s
                    ),
                    Err(e) => println!("rep {rep} {op:<8} {client:<7} unavailable: {e}"),
                }
                results.push((client, op, outcome));
            }
        }
    }
    if server.uploads_in_progress() != 0 {
        println!(
            "note: {} multipart uploads were left in progress",
            server.uploads_in_progress()
        );
    }
    println!(
        "server: {} requests, {:.1} MiB received, {:.1} MiB sent",
        server.requests(),
        server.bytes_received() as f64 / f64::from(1 << 20),
        server.bytes_sent() as f64 / f64::from(1 << 20)
    );
    if let Some(v) = boto3_versions {
        println!("python side: {v}");
    }
    print_table(&results, reps);
    Ok(())
}

/// Runs a child and parses its JSON line (the last line of its stdout).
fn run_child(client: &str, cmd: &mut Command) -> Result<Value> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound && client == "boto3" {
            "python3 not found: install python3, then `pip install boto3==1.43.11`".to_owned()
        } else {
            format!("starting {cmd:?}: {e}")
        }
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'));
    let v: Value = match line.map(serde_json::from_str) {
        Some(Ok(v)) => v,
        _ => {
            return Err(format!(
                "child exited with {} without a result line; stdout: {}",
                out.status,
                stdout.trim()
            ))
        }
    };
    if let Some(e) = v["error"].as_str() {
        return Err(e.to_owned());
    }
    if !out.status.success() {
        return Err(format!("child exited with {}", out.status));
    }
    Ok(v)
}

/// Scratch bytes written beyond the transfer size by `warm_free_memory`,
/// for the child's own memory (part buffers, runtime, interpreter).
const WARM_EXTRA: u64 = 256 << 20;

/// Writes and deletes a file of `size` bytes, so that the page cache and
/// memory the next child takes come from recently used pages. A VM that
/// hands free pages back to its host (virtio-balloon free page reporting:
/// this machine does, within seconds) makes the first touch of such a page
/// cost a host page fault: writing a fresh 1 GiB file then takes ~3 s
/// instead of ~0.3 s, which would swamp every download's figure with the
/// machine's paging instead of the client's work.
fn warm_free_memory(path: &Path, size: u64) -> Result<()> {
    write_pattern_file(path, size)?;
    std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A fresh file of `size` pattern bytes, written in 8 MiB positional writes
/// from the server's static pattern buffer (the source file, and the
/// `file-write` reference: what creating the downloaded file costs alone).
fn write_pattern_file(path: &Path, size: u64) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_len(size).map_err(|e| e.to_string())?;
    let mut offset = 0;
    while offset < size {
        let n = PART.min(size - offset) as usize;
        file.write_all_at(pattern_slice(offset, n), offset)
            .map_err(|e| e.to_string())?;
        offset += n as u64;
    }
    Ok(())
}

/// The file's size, and its bytes at part boundaries and at pseudo-random
/// offsets, against the pattern.
fn verify_download(path: &Path, size: u64) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let got = file.metadata().map_err(|e| e.to_string())?.len();
    if got != size {
        return Err(format!("downloaded file has {got} bytes, expected {size}"));
    }
    if size == 0 {
        return Ok(());
    }
    let mut offsets = vec![0, size - 1];
    let mut boundary = PART;
    while boundary < size {
        offsets.extend([boundary - 1, boundary]);
        boundary += PART * 7;
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        offsets.push(x % size);
    }
    let mut block = [0u8; 64];
    for o in offsets {
        let n = block.len().min((size - o) as usize);
        file.read_exact_at(&mut block[..n], o)
            .map_err(|e| e.to_string())?;
        if let Some(i) = (0..n).find(|&i| block[i] != pattern_byte(o + i as u64)) {
            return Err(format!(
                "downloaded byte at offset {} is {}, expected {}",
                o + i as u64,
                block[i],
                pattern_byte(o + i as u64)
            ));
        }
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Per op and client: best and median MiB/s over the reps, the largest
/// peak RSS, median CPU seconds of the client and of the server; then the
/// ratios against the targets.
fn print_table(results: &[(&str, &str, std::result::Result<Measure, String>)], reps: usize) {
    let rss_target = ((CONCURRENCY as u64 * PART) >> 20) + 64;
    println!();
    println!(
        "| op | client | best MiB/s | median MiB/s | peak RSS MiB | CPU s (user+sys) | server CPU s | reps ok |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for op in OPS {
        let mut medians = std::collections::HashMap::new();
        for client in CLIENTS {
            if client == "file-write" && op == "upload" {
                continue;
            }
            let runs: Vec<&Measure> = results
                .iter()
                .filter(|(c, o, _)| *c == client && *o == op)
                .filter_map(|(_, _, r)| r.as_ref().ok())
                .collect();
            if runs.is_empty() {
                let why = results
                    .iter()
                    .find(|(c, o, _)| *c == client && *o == op)
                    .and_then(|(_, _, r)| r.as_ref().err())
                    .map_or("not run", String::as_str);
                println!("| {op} | {client} | unavailable: {why} | | | | | 0/{reps} |");
                continue;
            }
            let speeds: Vec<f64> = runs.iter().map(|m| m.mib_per_s).collect();
            let best = speeds.iter().copied().fold(f64::MIN, f64::max);
            let med = median(speeds);
            let rss = runs.iter().map(|m| m.peak_rss_mib).fold(0.0, f64::max);
            medians.insert(client, (med, rss));
            println!(
                "| {op} | {client} | {best:.1} | {med:.1} | {rss:.1} | {:.2} | {:.2} | {}/{reps} |",
                median(runs.iter().map(|m| m.cpu_s).collect()),
                median(runs.iter().map(|m| m.server_cpu_s).collect()),
                runs.len()
            );
        }
        let ours = medians.get("boto-rs").copied();
        let ratio = |other: &str| match (ours, medians.get(other)) {
            (Some((a, _)), Some((b, _))) => Some(a / b),
            _ => None,
        };
        let show = |r: Option<f64>, pct: bool| match r {
            Some(r) if pct => format!("{:.0}%", r * 100.0),
            Some(r) => format!("{r:.2}×"),
            None => "n/a".to_owned(),
        };
        println!(
            "{op}: boto-rs / boto3 = {} (target ≥ 3×); boto-rs / raw = {} (target ≥ 80%); \
             boto-rs peak RSS = {} (target ≤ {rss_target} MiB = {CONCURRENCY} × {} MiB + 64 MiB)",
            show(ratio("boto3"), false),
            show(ratio("raw"), true),
            ours.map_or("n/a".to_owned(), |(_, rss)| format!("{rss:.1} MiB")),
            PART >> 20
        );
    }
    println!();
}
