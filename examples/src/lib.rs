//! boto3's session and client examples as Rust programs; see `src/bin/`.
//! Each reads the standard AWS settings (profile, region, credentials,
//! `AWS_ENDPOINT_URL`), so pointing them at moto is one variable.

pub mod s3_stand_in;
