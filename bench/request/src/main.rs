//! `request_bench`: the per-request cost of boto-rs, aws-sdk-rust, a
//! reqwest + aws-sigv4 floor and boto3 on the same calls against a canned
//! local server. Run through `cargo xtask bench request`, which builds this
//! workspace and calls `request_bench report`.
//!
//! Subcommands (each measurement runs in a process of its own):
//! - `serve`: the canned server; prints its port.
//! - `run --client K --call C --url U --n N`: N sequential calls after a
//!   warm-up; prints CPU µs, allocations and bytes allocated per call.
//! - `new --client K --n N`: session and client construction cost and the
//!   memory a client holds.
//! - `concurrent --client K --url U --n N`: N concurrent calls, twice, on a
//!   multi-threaded runtime; wall time and connections opened per wave.
//! - `report [...]`: all of the above and boto3 and callgrind, as tables.

mod canned;
mod clients;
mod report;
mod server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use clients::{Call, Kind, Runner};

/// Counts allocations, bytes allocated and bytes live.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicU64 = AtomicU64::new(0);

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        LIVE.fetch_add(new_size as u64, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// CPU time (user + system) of this process, in µs.
pub fn cpu_us() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    #[allow(unsafe_code)]
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

struct Args(Vec<String>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        let at = self.0.iter().position(|a| a == name)?;
        self.0.get(at + 1).map(String::as_str)
    }
    fn req(&self, name: &str) -> Result<&str> {
        self.get(name)
            .with_context(|| format!("{name} is required"))
    }
    fn num(&self, name: &str, default: usize) -> Result<usize> {
        self.get(name)
            .map(|v| v.parse().with_context(|| format!("{name} {v:?}")))
            .unwrap_or(Ok(default))
    }
    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|a| a == name)
    }
}

fn main() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = argv.split_first() else {
        bail!("usage: request_bench serve | run | new | concurrent | report (see the module docs)");
    };
    let args = Args(rest.to_vec());
    match cmd.as_str() {
        "serve" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?
            .block_on(server::serve()),
        "run" => run(&args),
        "new" => construction(&args),
        "concurrent" => concurrent(&args),
        "report" => report::report(&args.0),
        other => bail!("unknown subcommand {other:?}"),
    }
}

fn current_thread() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// N sequential calls; prints `cpu_us allocs bytes` per call.
fn run(args: &Args) -> Result<()> {
    let kind = Kind::parse(args.req("--client")?)?;
    let call = Call::parse(args.req("--call")?)?;
    let url = args.req("--url")?;
    let n = args.num("--n", 1000)?;
    let warm = args.num("--warm", 20)?;
    let rt = current_thread()?;
    rt.block_on(async {
        let runner = Runner::new(kind, call, url).await?;
        for _ in 0..warm {
            check(call, runner.call().await?)?;
        }
        let (a0, b0, c0) = (
            ALLOCS.load(Ordering::Relaxed),
            BYTES.load(Ordering::Relaxed),
            cpu_us(),
        );
        for _ in 0..n {
            check(call, runner.call().await?)?;
        }
        let per = |x: f64| x / n.max(1) as f64;
        println!(
            "{:.2} {:.1} {:.0}",
            per(cpu_us() - c0),
            per((ALLOCS.load(Ordering::Relaxed) - a0) as f64),
            per((BYTES.load(Ordering::Relaxed) - b0) as f64)
        );
        Ok(())
    })
}

fn check(call: Call, items: usize) -> Result<()> {
    if items != call.expected() {
        bail!(
            "{:?} parsed {items} items, expected {}",
            call,
            call.expected()
        );
    }
    Ok(())
}

/// Construction cost: `--what session` (a session and an S3 client from it)
/// or `--what client` (an S3 client from an existing session or SdkConfig).
/// Prints `µs_per allocs_per bytes_live_per` over N constructions kept alive.
fn construction(args: &Args) -> Result<()> {
    let kind = Kind::parse(args.req("--client")?)?;
    let n = args.num("--n", 100)?;
    let session_too = args.req("--what")? == "session";
    let url = "http://127.0.0.1:9";
    let rt = current_thread()?;
    rt.block_on(async {
        let boto_shared = clients::boto_session(url);
        let aws_shared = aws_sdk_config(url).await;
        let mut keep_boto = Vec::with_capacity(n);
        let mut keep_aws = Vec::with_capacity(n);
        let (a0, l0, c0, t0) = (
            ALLOCS.load(Ordering::Relaxed),
            LIVE.load(Ordering::Relaxed),
            cpu_us(),
            Instant::now(),
        );
        for _ in 0..n {
            match (kind, session_too) {
                (Kind::Boto, true) => {
                    let session = clients::boto_session(url);
                    keep_boto.push(boto_s3::Client::new(&session));
                }
                (Kind::Boto, false) => keep_boto.push(boto_s3::Client::new(&boto_shared)),
                (Kind::Aws, true) => {
                    let conf = aws_sdk_config(url).await;
                    keep_aws.push(aws_sdk_s3::Client::new(&conf));
                }
                (Kind::Aws, false) => keep_aws.push(aws_sdk_s3::Client::new(&aws_shared)),
                _ => bail!("--client boto-rs or aws"),
            }
        }
        let wall = t0.elapsed();
        let per = |x: f64| x / n.max(1) as f64;
        println!(
            "{:.2} {:.1} {:.0} {:.2}",
            per(cpu_us() - c0),
            per((ALLOCS.load(Ordering::Relaxed) - a0) as f64),
            per(LIVE.load(Ordering::Relaxed).saturating_sub(l0) as f64),
            per(wall.as_secs_f64() * 1e6)
        );
        drop((keep_boto, keep_aws));
        Ok(())
    })
}

/// aws-config's loader with the region and credentials given, as a program
/// would build its SdkConfig (no IMDS region lookup).
async fn aws_sdk_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIDEXAMPLE",
            "SECRETEXAMPLE",
            None,
            None,
            "bench",
        ))
        .endpoint_url(url)
        .load()
        .await
}

/// N concurrent DynamoDB GetItem calls, two waves, on a 2-worker runtime.
/// Prints `wave1_ms wave1_conns wave2_ms wave2_conns`.
fn concurrent(args: &Args) -> Result<()> {
    let kind = Kind::parse(args.req("--client")?)?;
    let url = args.req("--url")?.to_owned();
    let n = args.num("--n", 1000)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let runner = std::sync::Arc::new(Runner::new(kind, Call::Ddb, &url).await?);
        check(Call::Ddb, runner.call().await?)?;
        let stats = reqwest::Client::new();
        let mut out = Vec::new();
        for _wave in 0..2 {
            let before = connections(&stats, &url).await?;
            let t0 = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..n {
                let runner = runner.clone();
                set.spawn(async move { runner.call().await });
            }
            while let Some(r) = set.join_next().await {
                check(Call::Ddb, r??)?;
            }
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            let opened = connections(&stats, &url).await? - before;
            out.push(format!("{ms:.1} {opened}"));
        }
        println!("{}", out.join(" "));
        Ok(())
    })
}

/// Connections the canned server has accepted (`stats` keeps its own one
/// open).
async fn connections(stats: &reqwest::Client, url: &str) -> Result<usize> {
    let text = stats
        .get(format!("{}/__stats", url.trim_end_matches('/')))
        .send()
        .await?
        .text()
        .await?;
    Ok(text.trim().parse::<usize>()?)
}
