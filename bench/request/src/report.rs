//! `request_bench report [--n 2000] [--runs 2] [--calls iam,ddb,...]
//! [--no-callgrind] [--no-boto3] [--concurrent 1000]`: every measurement in a
//! process of its own, against one canned server, printed as Markdown.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::clients::{Call, CALLS};

const KINDS: [&str; 4] = ["floor", "floor-parse", "boto-rs", "aws"];

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn exe() -> Result<PathBuf> {
    std::env::current_exe().context("finding request_bench")
}

fn start_server() -> Result<(Server, String)> {
    let mut child = Command::new(exe()?)
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the canned server")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("server stdout")?).read_line(&mut line)?;
    let port: u16 = line.trim().parse().context("reading the server's port")?;
    Ok((Server(child), format!("http://127.0.0.1:{port}")))
}

/// Runs `request_bench ARGS`; its stdout's numbers.
fn numbers(args: &[&str]) -> Result<Vec<f64>> {
    let out = Command::new(exe()?).args(args).output()?;
    if !out.status.success() {
        bail!(
            "request_bench {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    parse_numbers(&String::from_utf8_lossy(&out.stdout))
}

fn parse_numbers(text: &str) -> Result<Vec<f64>> {
    text.split_whitespace()
        .map(|w| {
            w.parse::<f64>()
                .with_context(|| format!("not a number: {w:?}"))
        })
        .collect()
}

/// Instructions of `request_bench ARGS` under callgrind.
fn instructions(args: &[&str]) -> Result<u64> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe()?)
        .args(args)
        .output()
        .context("running valgrind (apt-get install valgrind)")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!(
            "valgrind request_bench {}: {}",
            args.join(" "),
            stderr.trim()
        );
    }
    stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no instruction count in valgrind's output: {stderr}"))
}

/// Instructions per iteration: the difference of two runs of N1 and N2
/// iterations, so that start-up and warm-up cancel.
fn instructions_per(args: impl Fn(&str) -> Vec<String>, n1: usize, n2: usize) -> Result<f64> {
    let run = |n: usize| {
        let a = args(&n.to_string());
        instructions(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (i1, i2) = (run(n1)?, run(n2)?);
    Ok(i2.saturating_sub(i1) as f64 / (n2 - n1) as f64)
}

const BOTO3: &str = r#"
import sys, time, datetime
import boto3
from botocore.config import Config
url, call, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
          aws_secret_access_key="SECRETEXAMPLE", config=Config(s3={"addressing_style": "path"}))
q = "https://sqs.us-east-1.amazonaws.com/123456789012/bench"
if call == "iam":
    c = boto3.client("iam", **kw); f = lambda: len(c.list_users()["Users"])
elif call == "ddb":
    c = boto3.client("dynamodb", **kw)
    f = lambda: len(c.get_item(TableName="bench", Key={"id": {"S": "user#0001"}})["Item"])
elif call == "s3":
    c = boto3.client("s3", **kw); f = lambda: len(c.list_objects_v2(Bucket="bench-bucket")["Contents"])
elif call == "ec2":
    c = boto3.client("ec2", **kw)
    f = lambda: sum(len(r["Instances"]) for r in c.describe_instances()["Reservations"])
elif call == "sqs":
    c = boto3.client("sqs", **kw)
    f = lambda: len(c.receive_message(QueueUrl=q, MaxNumberOfMessages=10)["Messages"])
elif call == "cw":
    c = boto3.client("cloudwatch", **kw)
    t0 = datetime.datetime.fromtimestamp(1700000000, datetime.timezone.utc)
    t1 = datetime.datetime.fromtimestamp(1700003600, datetime.timezone.utc)
    qs = [{"Id": "m0", "MetricStat": {"Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
           "Period": 60, "Stat": "Average"}}]
    f = lambda: sum(len(r["Values"]) for r in c.get_metric_data(MetricDataQueries=qs, StartTime=t0, EndTime=t1)["MetricDataResults"])
for _ in range(10):
    f()
start = time.process_time()
for _ in range(n):
    items = f()
print((time.process_time() - start) / n * 1e6, items)
"#;

/// boto3's CPU µs per call, or why there is none.
fn boto3(url: &str, call: Call, n: usize) -> Result<f64, String> {
    let out = Command::new("python3")
        .args(["-c", BOTO3, url, call.key(), &n.to_string()])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "boto3 failed (pip install boto3): {}",
            err.lines().last().unwrap_or_default()
        ));
    }
    let v = parse_numbers(&String::from_utf8_lossy(&out.stdout)).map_err(|e| e.to_string())?;
    match v.as_slice() {
        [us, items] if *items as usize == call.expected() => Ok(*us),
        other => Err(format!("boto3 printed {other:?}")),
    }
}

#[derive(Default)]
struct Row {
    cpu: Vec<f64>,
    allocs: f64,
    bytes: f64,
    instr: Option<f64>,
}

fn range(v: &[f64]) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if v.is_empty() {
        "—".into()
    } else if v.len() == 1 || (hi - lo) < 0.5 {
        format!("{lo:.0}")
    } else {
        format!("{lo:.0}–{hi:.0}")
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn kilo(i: Option<f64>) -> String {
    i.map_or("—".into(), |i| format!("{:.0} k", i / 1e3))
}

pub fn report(argv: &[String]) -> Result<()> {
    let args = crate::Args(argv.to_vec());
    let n = args.num("--n", 2000)?;
    let runs = args.num("--runs", 2)?;
    let concurrent_n = args.num("--concurrent", 1000)?;
    let callgrind = !args.flag("--no-callgrind");
    let with_boto3 = !args.flag("--no-boto3");
    let calls: Vec<Call> = match args.get("--calls") {
        Some(list) => list.split(',').map(Call::parse).collect::<Result<_>>()?,
        None => CALLS.to_vec(),
    };
    let (_server, url) = start_server()?;
    println!("canned server at {url}; {n} calls per run, {runs} runs; release builds\n");

    let mut rows: BTreeMap<(usize, &str), Row> = BTreeMap::new();
    for run in 0..runs {
        for (ci, &call) in calls.iter().enumerate() {
            for kind in KINDS {
                let n_here = if call == Call::S3 || call == Call::Ec2 {
                    n / 4
                } else {
                    n
                }
                .to_string();
                let v = numbers(&[
                    "run",
                    "--client",
                    kind,
                    "--call",
                    call.key(),
                    "--url",
                    &url,
                    "--n",
                    &n_here,
                ])?;
                let row = rows.entry((ci, kind)).or_default();
                row.cpu.push(v[0]);
                if run == 0 {
                    row.allocs = v[1];
                    row.bytes = v[2];
                }
            }
        }
    }
    if callgrind {
        for (ci, &call) in calls.iter().enumerate() {
            for kind in KINDS {
                let per = instructions_per(
                    |n| {
                        [
                            "run",
                            "--client",
                            kind,
                            "--call",
                            call.key(),
                            "--url",
                            &url,
                            "--n",
                            n,
                            "--warm",
                            "5",
                        ]
                        .map(String::from)
                        .to_vec()
                    },
                    10,
                    40,
                )?;
                rows.entry((ci, kind)).or_default().instr = Some(per);
            }
        }
    }
    let mut boto3_cpu = BTreeMap::new();
    if with_boto3 {
        for (ci, &call) in calls.iter().enumerate() {
            boto3_cpu.insert(
                ci,
                boto3(&url, call, if call == Call::Ec2 { 100 } else { 300 }),
            );
        }
    }

    println!(
        "## Per call: CPU µs (getrusage, {runs} runs), instructions (callgrind), allocations\n"
    );
    println!(
        "| call | client | CPU µs/call | instructions/call | allocs/call | bytes allocated/call |"
    );
    println!("|---|---|---|---|---|---|");
    for (ci, &call) in calls.iter().enumerate() {
        for kind in KINDS {
            let r = &rows[&(ci, kind)];
            let name = match kind {
                "floor" => "floor: reqwest + aws-sigv4, body read",
                "floor-parse" => "floor + one parse pass",
                "boto-rs" => "**boto-rs**",
                _ => "aws-sdk-rust",
            };
            println!(
                "| {} | {name} | {} | {} | {:.0} | {:.0} |",
                call.title(),
                range(&r.cpu),
                kilo(r.instr),
                r.allocs,
                r.bytes
            );
        }
        if let Some(b) = boto3_cpu.get(&ci) {
            match b {
                Ok(us) => println!("| {} | boto3 | {us:.0} | — | — | — |", call.title()),
                Err(why) => println!("| {} | boto3 | {why} | — | — | — |", call.title()),
            }
        }
    }
    println!("\n## Ratios (boto-rs against the others, same run)\n");
    println!("| call | instructions ÷ floor+parse (target ≤ 1.3) | instructions ÷ aws-sdk-rust | CPU ÷ aws-sdk-rust, medians (target ≤ 0.5) | boto3 CPU ÷ boto-rs CPU |");
    println!("|---|---|---|---|---|");
    for (ci, &call) in calls.iter().enumerate() {
        let ours = &rows[&(ci, "boto-rs")];
        let floor = &rows[&(ci, "floor-parse")];
        let aws = &rows[&(ci, "aws")];
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "—".into(),
        };
        let boto3 = match boto3_cpu.get(&ci) {
            Some(Ok(us)) => format!("{:.1}", us / median(&ours.cpu)),
            _ => "—".into(),
        };
        println!(
            "| {} | {} | {} | {:.2} | {boto3} |",
            call.title(),
            ratio(ours.instr, floor.instr),
            ratio(ours.instr, aws.instr),
            median(&ours.cpu) / median(&aws.cpu)
        );
    }

    println!("\n## Construction (S3 client; {} kept alive)\n", 200);
    println!("| what | client | CPU µs | instructions | allocations | bytes held |");
    println!("|---|---|---|---|---|---|");
    for (what, title) in [
        ("session", "session + client (boto-rs `Session::builder().build()`; aws-config `defaults().load()`)"),
        ("client", "client from an existing session / SdkConfig"),
    ] {
        for kind in ["boto-rs", "aws"] {
            let v = numbers(&["new", "--client", kind, "--what", what, "--n", "200"])?;
            let instr = if callgrind {
                Some(instructions_per(
                    |n| ["new", "--client", kind, "--what", what, "--n", n].map(String::from).to_vec(),
                    20,
                    120,
                )?)
            } else {
                None
            };
            println!(
                "| {title} | {kind} | {:.1} | {} | {:.0} | {:.0} |",
                v[0],
                instr.map_or("—".into(), |i| format!("{:.1} k", i / 1e3)),
                v[1],
                v[2]
            );
        }
    }

    println!(
        "\n## {concurrent_n} concurrent DynamoDB GetItem calls, two waves, 2 worker threads\n"
    );
    println!("| client | wave 1 ms | connections opened | wave 2 ms | connections opened | calls/s (wave 2) |");
    println!("|---|---|---|---|---|---|");
    for kind in ["boto-rs", "aws"] {
        let v = numbers(&[
            "concurrent",
            "--client",
            kind,
            "--url",
            &url,
            "--n",
            &concurrent_n.to_string(),
        ])?;
        println!(
            "| {kind} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            v[0],
            v[1],
            v[2],
            v[3],
            concurrent_n as f64 / (v[2] / 1e3)
        );
    }

    let dir = exe()?.parent().map(Path::to_path_buf).context("exe dir")?;
    let (ours, theirs) = (
        stripped_size(&dir.join("size_boto"))?,
        stripped_size(&dir.join("size_aws"))?,
    );
    println!("\n## Stripped size of a minimal S3 ListBuckets program (release)\n");
    println!("| boto-s3 + boto-runtime | aws-sdk-s3 + aws-config | ratio (target ≤ 0.25) |");
    println!("|---|---|---|");
    println!(
        "| {:.2} MiB | {:.2} MiB | {:.2} |",
        ours as f64 / 1048576.0,
        theirs as f64 / 1048576.0,
        ours as f64 / theirs as f64
    );
    Ok(())
}

fn stripped_size(bin: &Path) -> Result<u64> {
    let out = std::env::temp_dir().join(format!(
        "{}-stripped",
        bin.file_name().unwrap_or_default().to_string_lossy()
    ));
    let status = Command::new("strip")
        .arg("-o")
        .arg(&out)
        .arg(bin)
        .status()
        .context("running strip (binutils)")?;
    if !status.success() {
        bail!("strip {} failed", bin.display());
    }
    Ok(std::fs::metadata(&out)?.len())
}
