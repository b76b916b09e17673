//! The examples run against moto, configured only through the standard
//! environment variables and files, as a user would run them.

use std::process::Command;

use boto_tests::moto::MotoServer;

fn run(bin: &str, args: &[&str], env: &[(&str, String)]) -> String {
    let mut cmd = Command::new(bin);
    cmd.args(args);
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = cmd.output().expect("example runs");
    assert!(
        out.status.success(),
        "{bin} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[tokio::test]
async fn iam_list_users_prints_users() {
    let moto = MotoServer::shared();
    let iam = boto_iam::Client::new(&moto.session());
    iam.create_user()
        .user_name("example-user")
        .send()
        .await
        .unwrap();
    let out = run(
        env!("CARGO_BIN_EXE_iam_list_users"),
        &[],
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
        ],
    );
    assert!(out.contains("example-user\tarn:aws:iam::"), "{out}");
}

#[tokio::test]
async fn profile_session_reads_profile_files() {
    let moto = MotoServer::shared();
    let s3 = boto_s3::Client::new(&moto.session());
    s3.create_bucket()
        .bucket("example-bucket")
        .send()
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!("boto-rs-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-west-2\n\n[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[dev]\naws_access_key_id = dev-key\naws_secret_access_key = dev-secret\n",
    )
    .unwrap();
    let out = run(
        env!("CARGO_BIN_EXE_profile_session"),
        &["dev"],
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint()),
            ("AWS_CONFIG_FILE", config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                credentials.display().to_string(),
            ),
        ],
    );
    assert!(
        out.starts_with("profile dev in region eu-west-1\n"),
        "{out}"
    );
    assert!(out.contains("example-bucket"), "{out}");
}

#[tokio::test]
async fn tracing_calls_logs_spans_without_secrets() {
    let moto = MotoServer::shared();
    let bin = env!("CARGO_BIN_EXE_tracing_calls");
    let mut cmd = Command::new(bin);
    for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "RUST_LOG"] {
        cmd.env_remove(var);
    }
    let out = cmd
        .envs([
            ("AWS_ENDPOINT_URL", moto.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "TRACINGSECRET".into()),
            ("AWS_SESSION_TOKEN", "TRACINGTOKEN".into()),
            ("AWS_REGION", "us-east-1".into()),
        ])
        .output()
        .expect("example runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("user(s)"));
    assert!(
        stderr.contains("call{service=\"iam\" operation=\"ListUsers\""),
        "{stderr}"
    );
    assert!(stderr.contains("attempt{attempt=1 latency_ms="), "{stderr}");
    assert!(stderr.contains("status=200 request_id="), "{stderr}");
    assert!(stderr.contains("endpoint resolved"), "{stderr}");
    assert!(
        !stderr.contains("TRACINGSECRET") && !stderr.contains("TRACINGTOKEN"),
        "{stderr}"
    );
}
