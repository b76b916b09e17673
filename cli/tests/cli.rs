//! The `boto` command against moto: a vendored service (IAM, query) and
//! one without a crate (ECR, json), list options, pagination, errors and
//! their exit statuses, help.

use std::process::{Command, Output};

use boto_tests::moto::MotoServer;
use serde_json::Value;

fn boto(args: &[&str]) -> Output {
    let moto = MotoServer::shared();
    Command::new(env!("CARGO_BIN_EXE_boto"))
        .args(["--endpoint-url", &moto.endpoint(), "--region", "us-east-1"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the boto binary runs")
}

fn json(args: &[&str]) -> Value {
    let out = boto(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn calls_paginates_and_fails_like_the_aws_cli() {
    for user in ["cli-a", "cli-b", "cli-c"] {
        let out = json(&["iam", "create-user", "--user-name", user, "--path", "/cli/"]);
        assert_eq!(out["User"]["UserName"], user);
    }
    // Every page, merged (page size 1 forces three pages).
    let users = json(&[
        "iam",
        "list-users",
        "--path-prefix",
        "/cli/",
        "--page-size",
        "1",
    ]);
    let names: Vec<_> = users["Users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["UserName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["cli-a", "cli-b", "cli-c"]);
    assert!(users["Users"][0]["CreateDate"]
        .as_str()
        .is_some_and(|t| t.ends_with("+00:00")));
    // `--max-items` stops early and says where to resume.
    let first = json(&[
        "iam",
        "list-users",
        "--path-prefix",
        "/cli/",
        "--max-items",
        "2",
    ]);
    assert_eq!(first["Users"].as_array().map(Vec::len), Some(2));
    let token = first["NextToken"]
        .as_str()
        .expect("a resume token")
        .to_owned();
    let rest = json(&[
        "iam",
        "list-users",
        "--path-prefix",
        "/cli/",
        "--starting-token",
        &token,
    ]);
    assert_eq!(rest["Users"][0]["UserName"], "cli-c");

    // A list option takes several values; the model's names work too.
    json(&["ecr", "create-repository", "--repository-name", "cli-one"]);
    json(&["ecr", "CreateRepository", "--repositoryName", "cli-two"]);
    let repos = json(&[
        "ecr",
        "describe-repositories",
        "--repository-names",
        "cli-one",
        "cli-two",
    ]);
    assert_eq!(repos["repositories"].as_array().map(Vec::len), Some(2));
    let input = r#"{"repositoryNames": ["cli-two"]}"#;
    let repos = json(&["ecr", "describe-repositories", "--cli-input-json", input]);
    assert_eq!(repos["repositories"][0]["repositoryName"], "cli-two");

    // A service error: the AWS CLI's message and exit status 254.
    let out = boto(&["iam", "get-user", "--user-name", "nobody"]);
    assert_eq!(out.status.code(), Some(254));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("An error occurred (NoSuchEntity) when calling the GetUser operation"),
        "{stderr}"
    );
    // Usage errors: 252.
    let out = boto(&["iam", "get-user", "--no-such-option", "x"]);
    assert_eq!(out.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-option"));
    let out = boto(&["iam", "no-such-operation"]);
    assert_eq!(out.status.code(), Some(252));
    let out = boto(&["no-such-service", "list"]);
    assert_eq!(out.status.code(), Some(255));
}

#[test]
fn help_lists_operations_waiters_and_members() {
    let out = boto(&["iam", "help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  list-users\n"), "{text}");
    assert!(text.contains("  user-exists\n"), "{text}");
    let out = boto(&["iam", "get-user", "help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--user-name <existingUserNameType>"),
        "{text}"
    );
}

#[test]
fn waits() {
    json(&["iam", "create-user", "--user-name", "cli-waited"]);
    let out = boto(&["iam", "wait", "user-exists", "--user-name", "cli-waited"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn takes_the_shorthand_syntax_like_the_aws_cli() {
    // A list of structures, one word each, and a map.
    json(&[
        "iam",
        "create-user",
        "--user-name",
        "cli-tagged",
        "--tags",
        "Key=team,Value=data",
        "Key=tier,Value='gold, plus'",
    ]);
    let tags = json(&["iam", "list-user-tags", "--user-name", "cli-tagged"]);
    assert_eq!(
        tags["Tags"],
        serde_json::json!([
            {"Key": "team", "Value": "data"},
            {"Key": "tier", "Value": "gold, plus"}
        ])
    );
    let queue = json(&[
        "sqs",
        "create-queue",
        "--queue-name",
        "cli-shorthand",
        "--attributes",
        "VisibilityTimeout=45,DelaySeconds=2",
    ]);
    let url = queue["QueueUrl"].as_str().unwrap();
    let attributes = json(&[
        "sqs",
        "get-queue-attributes",
        "--queue-url",
        url,
        "--attribute-names",
        "VisibilityTimeout",
        "DelaySeconds",
    ]);
    assert_eq!(attributes["Attributes"]["VisibilityTimeout"], "45");
    assert_eq!(attributes["Attributes"]["DelaySeconds"], "2");
    // Numbers typed by the model, structures and lists of structures.
    json(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "cli-shorthand",
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--provisioned-throughput",
        "ReadCapacityUnits=5,WriteCapacityUnits=7",
    ]);
    let table = json(&[
        "dynamodb",
        "describe-table",
        "--table-name",
        "cli-shorthand",
    ]);
    let throughput = &table["Table"]["ProvisionedThroughput"];
    assert_eq!(
        (
            throughput["ReadCapacityUnits"].as_i64(),
            throughput["WriteCapacityUnits"].as_i64()
        ),
        (Some(5), Some(7))
    );
    assert_eq!(table["Table"]["KeySchema"][0]["KeyType"], "HASH");
    // A member the structure does not have is a usage error naming it.
    let out = boto(&[
        "iam",
        "create-user",
        "--user-name",
        "cli-bad",
        "--tags",
        "Key=a,Nope=b",
    ]);
    assert_eq!(
        out.status.code(),
        Some(252),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nope"));
}
