//! The typed stubber: expected calls answered without a server or
//! credentials, inputs checked with a diff, modeled errors, and paginators,
//! waiters and resources running on stubbed calls.

use std::time::Duration;

use boto_iam::types::{GetUserResponse, ListUsersResponse, NoSuchEntityException, User};
use boto_iam::{error::GetUserError, ClientConfig};
use boto_runtime::env::Env;
use boto_runtime::paginator::TryStreamExt;
use boto_runtime::stub::Stubber;
use boto_runtime::{DateTime, Error, Session};

/// A client with no credentials, no endpoint and no server: only the stubber answers.
fn iam(stubber: &Stubber) -> boto_iam::Client {
    let session = Session::builder()
        .env(Env::from_vars(Vec::<(String, String)>::new()))
        .region("us-east-1")
        .build()
        .unwrap();
    let config = ClientConfig {
        stubber: Some(stubber.clone()),
        ..Default::default()
    };
    boto_iam::Client::with_config(&session, config)
}

fn user(name: &str) -> User {
    User {
        user_name: Some(name.into()),
        user_id: Some(format!("AIDA{name}")),
        arn: Some(format!("arn:aws:iam::123456789012:user/{name}")),
        path: Some("/".into()),
        create_date: Some(DateTime::from_secs(1_700_000_000)),
        ..Default::default()
    }
}

#[tokio::test]
async fn answers_expected_calls_in_order() {
    let stubber = Stubber::new();
    let client = iam(&stubber);
    stubber.add_response(
        client.get_user().user_name("alice"),
        GetUserResponse {
            user: Some(user("alice")),
        },
    );
    stubber.add_client_error(
        client.delete_user().user_name("bob"),
        "Throttling",
        "slow down",
    );
    let out = client.get_user().user_name("alice").send().await.unwrap();
    assert_eq!(out.user, Some(user("alice")));
    let err = client
        .delete_user()
        .user_name("bob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Throttling"));
    stubber.assert_done();
}

#[tokio::test]
async fn modeled_errors_come_back_typed() {
    let stubber = Stubber::new();
    let client = iam(&stubber);
    stubber
        .expect_call(client.get_user().user_name("ghost"))
        .fails_with(
            "NoSuchEntity",
            &NoSuchEntityException {
                message: Some("no ghost".into()),
            },
        );
    let err = client
        .get_user()
        .user_name("ghost")
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Service(failure) => {
            assert_eq!(failure.status(), 404);
            match failure.error() {
                GetUserError::NoSuchEntityException(e) => {
                    assert_eq!(e.message.as_deref(), Some("no ghost"))
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other}"),
    }
    stubber.assert_done();
}

#[tokio::test]
async fn a_wrong_input_fails_with_a_diff() {
    let stubber = Stubber::new();
    let client = iam(&stubber);
    stubber.add_response(
        client.list_users().path_prefix("/ops/"),
        ListUsersResponse::default(),
    );
    let err = client
        .list_users()
        .path_prefix("/dev/")
        .max_items(5)
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(r#"input.PathPrefix: expected "/ops/", got "/dev/""#),
        "{text}"
    );
    assert!(
        text.contains("input.MaxItems: not expected, got 5"),
        "{text}"
    );
    // A call nothing expects fails too, and assert_done reports both.
    let err = client.get_user().send().await.unwrap_err();
    assert!(err.to_string().contains("expected next"), "{err}");
    let done = std::panic::catch_unwind(|| stubber.assert_done()).unwrap_err();
    let message = done.downcast_ref::<String>().unwrap();
    assert!(message.contains("unexpected input"), "{message}");
    assert!(
        message.contains("iam.ListUsers was not called"),
        "{message}"
    );
}

#[tokio::test]
async fn input_is_serialized_as_if_sent() {
    let stubber = Stubber::new();
    let session = Session::builder()
        .env(Env::from_vars(Vec::<(String, String)>::new()))
        .region("us-east-1")
        .build()
        .unwrap();
    let config = boto_s3::ClientConfig {
        stubber: Some(stubber.clone()),
        ..Default::default()
    };
    let s3 = boto_s3::Client::with_config(&session, config);
    stubber
        .expect_call(s3.get_object())
        .any_input()
        .returns(Default::default());
    // The key is a URI label: serialization refuses before the stubber answers.
    let err = s3.get_object().bucket("b").send().await.unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err}");
    assert_eq!(stubber.pending(), 1);
    let out = s3.get_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!(out.content_length, None);
    stubber.assert_done();
}

#[tokio::test]
async fn paginators_waiters_and_resources_run_on_stubs() {
    let stubber = Stubber::new();
    let client = iam(&stubber);
    stubber.add_response(
        client.list_users(),
        ListUsersResponse {
            users: Some(vec![user("a"), user("b")]),
            is_truncated: Some(true),
            marker: Some("m1".into()),
        },
    );
    stubber.add_response(
        client.list_users().marker("m1"),
        ListUsersResponse {
            users: Some(vec![user("c")]),
            is_truncated: Some(false),
            marker: None,
        },
    );
    let names: Vec<String> = client
        .list_users()
        .into_paginator()
        .items()
        .map_ok(|u| u.user_name.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["a", "b", "c"]);

    // The waiter polls GetUser: not there yet, then there.
    stubber
        .expect_call(client.get_user().user_name("late"))
        .fails_with("NoSuchEntity", &NoSuchEntityException::default());
    stubber.add_response(
        client.get_user().user_name("late"),
        GetUserResponse {
            user: Some(user("late")),
        },
    );
    client
        .wait_until_user_exists()
        .user_name("late")
        .delay(Duration::from_millis(1))
        .wait()
        .await
        .unwrap();

    // A resource loads through the same call.
    stubber.add_response(
        client.get_user().user_name("res"),
        GetUserResponse {
            user: Some(user("res")),
        },
    );
    let mut resource = boto_iam::resource::Resource::from_client(&client).user("res");
    resource.load().await.unwrap();
    assert_eq!(
        resource.data().and_then(|u| u.arn.as_deref()),
        user("res").arn.as_deref()
    );
    stubber.assert_done();
}
