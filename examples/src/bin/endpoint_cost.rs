//! What an endpoint resolution costs: compiling a rule set (once per process),
//! evaluating it (a cache miss), and a cached call (binding the parameters,
//! the customization hooks, the cache lookup), for S3 and DynamoDB.
//!
//! `cargo xtask bench endpoints` runs it in release mode (and under callgrind
//! with `--callgrind`); `cargo run --release -p boto-examples --bin endpoint_cost -- N`.

use std::hint::black_box;
use std::time::Instant;

use boto_runtime::client::{Client, ClientConfig};
use boto_runtime::dynamic::DynValue;
use boto_runtime::endpoint::Rules;
use boto_runtime::{Credentials, Session};

fn per_call(label: &str, n: u32, mut f: impl FnMut(u32)) {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("{label:<52} {:>10.2} µs", ns / 1000.0);
}

/// Inputs cycled through: a fixed pool, so setup cost does not grow with N.
/// 512 distinct buckets keep missing a 256-entry cache that clears when full.
const POOL: usize = 512;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    // One phase only (`compile`, `evaluate`, `cached`, `dynamodb`), for callgrind.
    let only = args.next();
    let run = |phase: &str| only.as_deref().is_none_or(|o| o == phase);
    let session = Session::builder()
        .region("us-west-2")
        .credentials(Credentials::new("AKID", "SECRET", None))
        .env(boto_runtime::env::Env::from_vars([(
            "HOME",
            "/nonexistent",
        )]))
        .build()
        .expect("session");

    if run("compile") {
        for (name, rules) in [
            ("s3", &boto_s3::schema::ENDPOINT_RULES),
            ("dynamodb", &boto_dynamodb::schema::ENDPOINT_RULES),
        ] {
            let reps = if only.is_some() { n } else { (n / 200).max(5) };
            per_call(
                &format!(
                    "{name}: compile the rule set ({} KB JSON)",
                    rules.json().len() / 1024
                ),
                reps,
                |_| {
                    let fresh = Rules::new(rules.json());
                    black_box(fresh.get().is_ok());
                },
            );
        }
    }

    let s3 = &boto_s3::schema::SERVICE;
    let op = s3.operation("GetObject").expect("GetObject");
    let input = |bucket: &str, key: &str| {
        DynValue::from_json(
            s3,
            op.input.expect("input"),
            &serde_json::json!({"Bucket": bucket, "Key": key}),
        )
        .expect("input")
    };
    let client = Client::with_config(&session, s3, ClientConfig::default());
    client.resolver().expect("resolver");
    if run("evaluate") {
        let buckets: Vec<DynValue> = (0..POOL)
            .map(|i| input(&format!("bucket-{i}"), "k"))
            .collect();
        per_call("s3 GetObject: evaluate (a new bucket each call)", n, |i| {
            let b = &buckets[i as usize % POOL];
            black_box(client.endpoint_for(op, Some(b)).expect("endpoint"));
        });
    }
    if run("cached") {
        let keys: Vec<DynValue> = (0..POOL)
            .map(|i| input("hot-bucket", &format!("key-{i}")))
            .collect();
        per_call(
            "s3 GetObject: cached (one bucket, a new key each call)",
            n,
            |i| {
                let k = &keys[i as usize % POOL];
                black_box(client.endpoint_for(op, Some(k)).expect("endpoint"));
            },
        );
    }

    if run("dynamodb") {
        let ddb = &boto_dynamodb::schema::SERVICE;
        let get_item = ddb.operation("GetItem").expect("GetItem");
        let item = DynValue::from_json(
            ddb,
            get_item.input.expect("input"),
            &serde_json::json!({"TableName": "t", "Key": {"id": {"S": "1"}}}),
        )
        .expect("input");
        let client = Client::with_config(&session, ddb, ClientConfig::default());
        client.resolver().expect("resolver");
        per_call("dynamodb GetItem: cached", n, |_| {
            black_box(
                client
                    .endpoint_for(get_item, Some(&item))
                    .expect("endpoint"),
            );
        });
    }
}
