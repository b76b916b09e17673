//! Fuzz targets for boto-rs (issue 12): every response codec through the
//! path generated clients use, error parsers, header bindings, timestamps,
//! the config and credentials file parser, paginator tokens, and the
//! endpoint rules with their ARN and URL parsers.
//!
//! Each target is a plain `fn(&[u8])` that must never panic, overflow the
//! stack or hang, whatever the bytes. Two drivers run them:
//! - `tests/smoke.rs`, on stable in the README's test command: every seed,
//!   then a bounded number of mutations of them;
//! - `cargo xtask fuzz`, coverage-guided long runs with cargo-fuzz
//!   (libFuzzer, nightly) through `fuzz/libfuzzer`, whose binaries are these
//!   targets by name.

pub mod input;
pub mod mutate;
mod parsers;
mod responses;

pub use responses::{take_outcomes, Outcomes};
pub mod seeds;

/// A fuzz target: its name (a cargo-fuzz binary of `fuzz/libfuzzer`) and
/// the function that runs one input.
#[derive(Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// What it covers.
    pub about: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "response_query",
        about: "query protocol responses and errors through boto-iam and boto-sts (typed and dynamic)",
        run: responses::query,
    },
    Target {
        name: "response_ec2",
        about: "ec2 protocol responses and errors through boto-ec2 (typed and dynamic)",
        run: responses::ec2,
    },
    Target {
        name: "response_json",
        about: "json 1.0/1.1 responses and errors through boto-dynamodb and boto-sqs (query-compatible)",
        run: responses::json,
    },
    Target {
        name: "response_rest_json",
        about: "rest-json responses, header and status bindings, payloads, errors through boto-lambda",
        run: responses::rest_json,
    },
    Target {
        name: "response_rest_xml",
        about: "rest-xml responses, header bindings, streaming bodies, checksums, 200-errors through boto-s3 and boto-route53",
        run: responses::rest_xml,
    },
    Target {
        name: "response_cbor",
        about: "smithy-rpc-v2-cbor responses and errors (CloudWatch lowered to cbor, dynamic)",
        run: responses::cbor,
    },
    Target {
        name: "event_stream",
        about: "event-stream responses read to their end: framing, CRCs, typed events and exceptions (S3 SelectObjectContent, Lambda InvokeWithResponseStream, Logs StartLiveTail)",
        run: responses::event_stream,
    },
    Target {
        name: "timestamps",
        about: "ISO 8601, HTTP-date, epoch and lenient timestamp parsers, and formatting what they parse",
        run: parsers::timestamps,
    },
    Target {
        name: "config_file",
        about: "the shared config/credentials INI parser, profile sorting, and a session built from the files",
        run: parsers::config_file,
    },
    Target {
        name: "paginator_token",
        about: "the paginator starting-token decoder (botocore's JSON and legacy forms)",
        run: parsers::paginator_token,
    },
    Target {
        name: "endpoint_s3",
        about: "S3 endpoint rules (ARN, URL and host-label parsers) and request serialization for fuzzed buckets, keys, regions and settings",
        run: parsers::endpoint_s3,
    },
];

/// Runs `data` through the target named `name` (the libFuzzer binaries'
/// entry point).
///
/// # Panics
/// When no target has that name: a mistake in `fuzz/libfuzzer/Cargo.toml`.
pub fn run(name: &str, data: &[u8]) {
    match TARGETS.iter().find(|t| t.name == name) {
        Some(target) => (target.run)(data),
        None => panic!("no fuzz target named {name:?}: see boto_fuzz::TARGETS"),
    }
}
