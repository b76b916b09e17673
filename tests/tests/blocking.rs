//! The `blocking` feature against moto: a program with no async code at
//! all (plain `#[test]`s), and the plain threads of an async program
//! (`spawn_blocking`, `std::thread`), without nested-runtime panics; calls,
//! errors, paginators as iterators, a blocking waiter, resources and
//! collections, on the shared runtime and on one of the client's own.

// The closures hand the client's own `Result` across threads.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use boto_iam::blocking::Client;
use boto_runtime::blocking::Runtime;
use boto_tests::moto::MotoServer;

fn client() -> Client {
    Client::new(&MotoServer::shared().session()).expect("the shared runtime starts")
}

#[test]
fn calls_errors_paginators_and_waiters_without_async() {
    let iam = client();
    for name in ["blk-a", "blk-b", "blk-c"] {
        let out = iam
            .create_user()
            .user_name(name)
            .path("/blk/")
            .send()
            .unwrap();
        assert_eq!(out.user.and_then(|u| u.user_name).as_deref(), Some(name));
    }
    let err = iam.get_user().user_name("blk-nobody").send().unwrap_err();
    assert_eq!(err.code(), Some("NoSuchEntity"));

    // The paginator as iterators (moto sends IAM listings whole, so
    // `max_items`, counted client side, cuts the listing here).
    let names: Vec<String> = iam
        .list_users()
        .path_prefix("/blk/")
        .into_paginator()
        .items()
        .map(|u| u.unwrap().user_name.unwrap_or_default())
        .collect();
    assert_eq!(names, ["blk-a", "blk-b", "blk-c"]);
    let first_two: Vec<_> = iam
        .list_users()
        .path_prefix("/blk/")
        .into_paginator()
        .max_items(2)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(first_two.len(), 2);
    let full = iam
        .list_users()
        .path_prefix("/blk/")
        .into_paginator()
        .build_full_result()
        .unwrap();
    assert_eq!(full.users.map(|u| u.len()), Some(3));

    // The waiter blocks until the user exists.
    let found = iam
        .wait_until_user_exists()
        .user_name("blk-b")
        .delay(Duration::from_millis(10))
        .max_attempts(3)
        .wait()
        .unwrap();
    assert_eq!(
        found
            .and_then(|o| o.user)
            .and_then(|u| u.user_name)
            .as_deref(),
        Some("blk-b")
    );
    let gone = iam
        .wait_until_user_exists()
        .user_name("blk-never")
        .delay(Duration::from_millis(10))
        .max_attempts(2)
        .wait()
        .unwrap_err();
    assert_eq!(gone.attempts(), 2);
}

#[test]
fn resources_and_collections_through_block_on_and_iter() {
    let iam = client();
    iam.create_user()
        .user_name("blk-res")
        .path("/blk-res/")
        .send()
        .unwrap();
    let service = boto_iam::Resource::from_client(iam.as_async());
    let mut user = service.user("blk-res");
    iam.block_on(user.load()).unwrap();
    assert!(user.data().and_then(|u| u.arn.as_deref()).is_some());
    let listed: Vec<String> = iam
        .iter(service.users().all().into_stream())
        .map(|u| u.unwrap().name().to_owned())
        .collect();
    assert!(listed.contains(&"blk-res".to_owned()), "{listed:?}");
}

#[test]
fn a_client_with_its_own_runtime() {
    let runtime = Runtime::new(1).unwrap();
    let iam = Client::from_async(
        boto_iam::Client::new(&MotoServer::shared().session()),
        runtime,
    );
    iam.create_user().user_name("blk-own").send().unwrap();
    assert!(iam.get_user().user_name("blk-own").send().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_plain_threads_of_an_async_program() {
    let iam = client();
    let in_blocking_task = iam.clone();
    let out = tokio::task::spawn_blocking(move || {
        in_blocking_task
            .create_user()
            .user_name("blk-thread")
            .send()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(out.user.is_some());
    let on_a_thread = iam.clone();
    let found = std::thread::spawn(move || on_a_thread.get_user().user_name("blk-thread").send())
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(
        found.user.and_then(|u| u.user_name).as_deref(),
        Some("blk-thread")
    );
    // The async client of the same program keeps working beside it.
    let async_client = boto_iam::Client::new(&MotoServer::shared().session());
    async_client
        .get_user()
        .user_name("blk-thread")
        .send()
        .await
        .unwrap();
}

#[test]
fn from_a_current_thread_runtime_s_blocking_task() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let iam = client();
    rt.block_on(async move {
        tokio::task::spawn_blocking(move || iam.list_users().send())
            .await
            .unwrap()
            .unwrap();
    });
}
