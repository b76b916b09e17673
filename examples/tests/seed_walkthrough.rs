//! The seed walkthrough runs against moto as the README says.

use std::process::Command;

use boto_tests::moto::MotoServer;

#[test]
fn seed_walkthrough_runs_against_moto() {
    let moto = MotoServer::shared();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seed_walkthrough"));
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    let out = cmd.output().expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "seed_walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "bucket seed-walkthrough",
        "object data/report.csv (",
        "logs: 2",
        "user seed-user arn:aws:iam::",
        "iam user seed-user",
        "page 1: 2 keys",
        "page 2: 1 keys",
        "is running",
        "terminate requests: 1",
        "table seed-songs holds 30 items",
        "done",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}
