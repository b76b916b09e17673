//! A bounded smoke run of every fuzz target on stable (the README's test
//! command): each seed, then mutations of them, until a count or a time
//! limit. A panic, a stack overflow or a hang fails it. The long,
//! coverage-guided runs are `cargo xtask fuzz`.

use std::time::{Duration, Instant};

use boto_fuzz::mutate::{mutate, Rng};

/// Mutated inputs per target (after the seeds), and the time cap on them.
const MUTATIONS: usize = 3_000;
const BUDGET: Duration = Duration::from_secs(4);

fn smoke(name: &str) {
    let target = boto_fuzz::TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name}"));
    let seeds = boto_fuzz::seeds::seeds(name);
    assert!(!seeds.is_empty(), "{name} has no seeds");
    boto_fuzz::take_outcomes();
    for seed in &seeds {
        (target.run)(seed);
    }
    let seeded = boto_fuzz::take_outcomes();
    if name == "endpoint_s3" {
        // Both requests sent and endpoint rule errors among the seeds.
        assert!(
            seeded.parsed > 0 && seeded.other_errors > 0,
            "{name}: the seeds resolve nothing or everything: {seeded:?}"
        );
    }
    if name.starts_with("response_") {
        // The seeds reach the parsers: outputs and service errors both parse.
        assert!(
            seeded.parsed > 0 && seeded.service_errors > 0,
            "{name}: the seeds parse nothing: {seeded:?}"
        );
    }
    let mut rng = Rng::new(name.len() as u64 * 7919 + seeds.len() as u64);
    let started = Instant::now();
    let mut runs = 0;
    while runs < MUTATIONS && started.elapsed() < BUDGET {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        (target.run)(&mutate(&mut rng, a, b));
        runs += 1;
    }
    eprintln!(
        "{name}: {} seeds ({seeded:?}), {runs} mutations in {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}

macro_rules! smoke_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { smoke(stringify!($name)); })*

        /// Every target has a smoke test here and a libFuzzer binary.
        #[test]
        fn every_target_is_smoked_and_has_a_libfuzzer_binary() {
            let smoked = [$(stringify!($name)),*];
            let manifest = std::fs::read_to_string(
                concat!(env!("CARGO_MANIFEST_DIR"), "/libfuzzer/Cargo.toml"),
            )
            .unwrap();
            for target in boto_fuzz::TARGETS {
                assert!(smoked.contains(&target.name), "{} has no smoke test", target.name);
                assert!(
                    manifest.contains(&format!("name = \"{}\"", target.name)),
                    "fuzz/libfuzzer/Cargo.toml has no [[bin]] for {}",
                    target.name
                );
            }
        }
    };
}

smoke_tests!(
    response_query,
    response_ec2,
    response_json,
    response_rest_json,
    response_rest_xml,
    response_cbor,
    event_stream,
    timestamps,
    config_file,
    paginator_token,
    endpoint_s3,
);
