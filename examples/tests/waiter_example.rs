//! The EC2 `instance_running` waiter example against moto, configured through
//! the standard environment variables as a user would run it.

use std::process::Command;
use std::time::{Duration, Instant};

use boto_tests::moto::MotoServer;

fn example(moto: &MotoServer, ids: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ec2_instance_running"));
    cmd.args(ids);
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
    cmd.output().expect("example runs")
}

async fn run_instance(ec2: &boto_ec2::Client) -> String {
    ec2.run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap()
        .instances
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.instance_id)
        .expect("an instance id")
}

#[tokio::test]
async fn ec2_instance_running_waits_then_prints() {
    let moto = MotoServer::shared();
    let ec2 = boto_ec2::Client::new(&moto.session());
    let id = run_instance(&ec2).await;

    let started = Instant::now();
    let out = example(moto, &[&id]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, format!("{id} is running\n"));
    // moto starts instances at once: no 5 s sleep was needed.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn ec2_instance_running_fails_on_a_terminated_instance() {
    let moto = MotoServer::shared();
    let ec2 = boto_ec2::Client::new(&moto.session());
    let id = run_instance(&ec2).await;
    ec2.terminate_instances()
        .instance_ids(vec![id.clone()])
        .send()
        .await
        .unwrap();
    let out = example(moto, &[&id]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("an instance will not run"), "{stderr}");
    assert!(stderr.contains("terminal failure state"), "{stderr}");
}
