//! The paginated IAM example against moto: page size, max items, and
//! resuming from the token it prints.

use std::process::Command;

use boto_tests::moto::MotoServer;

fn run(args: &[&str]) -> String {
    let moto = MotoServer::shared();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iam_list_users_paginated"));
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .args(args)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("example runs");
    assert!(
        out.status.success(),
        "example failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn users(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.contains("\tarn:aws:iam::"))
        .map(|l| l.split('\t').next().unwrap())
        .collect()
}

#[tokio::test]
async fn paginated_example_lists_stops_and_resumes() {
    let iam = boto_iam::Client::new(&MotoServer::shared().session());
    for i in 0..12 {
        iam.create_user()
            .user_name(format!("paged-{i:02}"))
            .send()
            .await
            .unwrap();
    }
    let everyone = run(&[]);
    let all = users(&everyone);
    assert_eq!(all.len(), 12, "{everyone}");
    assert!(!everyone.contains("resume token"), "{everyone}");

    let first = run(&["--page-size", "5", "--max-items", "7"]);
    assert_eq!(users(&first), all[..7], "{first}");
    let token = first
        .lines()
        .find_map(|l| l.strip_prefix("resume token: "))
        .unwrap_or_else(|| panic!("no resume token in {first}"));
    let rest = run(&["--starting-token", token]);
    assert_eq!(users(&rest), all[7..], "{rest}");
}
