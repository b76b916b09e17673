//! botocore's client-side parameter validation: a call missing a required
//! member fails before anything is sent, every missing member named in
//! botocore's words; customizations fill theirs first (Glacier's
//! `accountId`); `parameter_validation: Some(false)` sends as given.

use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::{ClientConfig, Error};
use boto_tests::local_session;

#[tokio::test]
async fn missing_required_members_fail_before_sending() {
    let server = TestServer::sequence(vec![Reply::ok("")]).await;
    let iam = boto_iam::Client::new(&local_session(&server.url()));
    let err = iam.create_user().send().await.unwrap_err();
    let Error::Build(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        e.message,
        "Parameter validation failed:\nMissing required parameter in input: \"UserName\""
    );
    assert_eq!(
        (e.service.as_str(), e.operation.as_str()),
        ("iam", "CreateUser")
    );
    // Nested: list elements and structures, all reported at once.
    let err = iam
        .tag_user()
        .tags(vec![
            boto_iam::types::Tag {
                key: Some("a".into()),
                value: Some("1".into()),
            },
            boto_iam::types::Tag::default(),
        ])
        .send()
        .await
        .unwrap_err();
    let Error::Build(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        e.message,
        "Parameter validation failed:\n\
         Missing required parameter in input: \"UserName\"\n\
         Missing required parameter in Tags[1]: \"Key\"\n\
         Missing required parameter in Tags[1]: \"Value\""
    );
    assert_eq!(server.hits(), 0, "nothing was sent");
}

#[tokio::test]
async fn customizations_fill_members_first_and_validation_can_be_off() {
    let server =
        TestServer::with_handler(|_| Reply::json(&serde_json::json!({"VaultList": []}))).await;
    // Glacier's accountId is required; botocore's handler makes it "-".
    let glacier = boto_glacier::Client::new(&local_session(&server.url()));
    glacier.list_vaults().send().await.unwrap();
    assert!(
        server.requests()[0].path.starts_with("/-/vaults"),
        "{}",
        server.requests()[0].path
    );

    let config = ClientConfig {
        parameter_validation: Some(false),
        ..ClientConfig::default()
    };
    let iam = boto_iam::Client::with_config(&local_session(&server.url()), config);
    // Sent as given (the local server's answer is not IAM's: only the sending matters).
    let _ = iam.create_user().send().await;
    assert_eq!(server.hits(), 2);
    assert!(!server.requests()[1].text().contains("UserName"));
}
