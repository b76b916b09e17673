//! boto3's seed resource examples for IAM against moto: users through the
//! resource and through the client, `meta().client()`, collections.

use boto_tests::moto::MotoServer;
use futures_util::StreamExt;

fn iam() -> boto_iam::Resource {
    boto_iam::Resource::new(&MotoServer::shared().session())
}

#[tokio::test]
async fn users_through_resource_and_client() {
    let iam = iam();
    let mut created = iam
        .create_user()
        .user_name("res-alice")
        .path("/res/")
        .send()
        .await
        .unwrap();
    // Data carried from the CreateUser response.
    assert_eq!(created.name(), "res-alice");
    assert!(created.is_loaded());
    assert!(created.arn().unwrap().ends_with("user/res/res-alice"));
    assert_eq!(created.path(), Some("/res/"));

    // The same user through the client the resource holds.
    let client = iam.meta().client();
    let got = client
        .get_user()
        .user_name("res-alice")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user.unwrap().user_id.as_deref(), created.user_id());

    // A sub-resource has no data until loaded.
    let mut user = iam.user("res-alice");
    assert_eq!(user, created);
    assert!(!user.is_loaded());
    assert_eq!(user.arn(), None);
    // boto3's identifier alias: `UserName` is the `Name` identifier, no load needed.
    assert_eq!(user.user_name(), Some("res-alice"));
    user.load().await.unwrap();
    assert_eq!(user.arn(), created.arn());
    assert_eq!(
        user.meta().identifiers(),
        &[("Name", "res-alice".to_owned())]
    );
    assert_eq!(user.meta().service_name(), "iam");
    assert_eq!(user.meta().resource_model(), "User");

    // An action returning a resource, on the service resource.
    let policy = iam
        .create_policy()
        .policy_name("res-read")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    assert!(policy.arn().ends_with(":policy/res-read"));
    // The model gives CreatePolicy's resource no data path: like boto3, no data.
    assert!(!policy.is_loaded());
    let mut loaded = policy.clone();
    loaded.load().await.unwrap();
    assert_eq!(loaded.policy_name(), Some("res-read"));
    assert_eq!(loaded.attachment_count(), Some(0));

    // A non-load action clears the data, as in boto3.
    user.attach_policy()
        .policy_arn(policy.arn())
        .send()
        .await
        .unwrap();
    assert!(!user.is_loaded());
    let attached: Vec<_> = user.attached_policies().all().collect().await.unwrap();
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0], policy);
    user.detach_policy()
        .policy_arn(policy.arn())
        .send()
        .await
        .unwrap();

    // Sub-resources and a resource-returning action on a resource.
    let key = user.create_access_key_pair().send().await.unwrap();
    assert_eq!(key.user_name(), "res-alice");
    assert!(key.secret_access_key().is_some());
    let keys = user.access_keys().collect().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id(), key.id());
    let k = keys[0].clone();
    k.deactivate().send().await.unwrap();
    k.delete().send().await.unwrap();

    created.delete().send().await.unwrap();
    let err = user.load().await.unwrap_err();
    assert!(err.to_string().contains("res-alice"), "{err}");
}

#[tokio::test]
async fn user_collections_filter_limit_page_size() {
    let iam = iam();
    for i in 0..12 {
        iam.create_user()
            .user_name(format!("coll-{i:02}"))
            .path("/coll/")
            .send()
            .await
            .unwrap();
    }
    let coll = iam.users().filter(|b| b.path_prefix("/coll/"));
    // Nothing is requested until iteration; every iteration requests again.
    let names: Vec<String> = coll
        .stream()
        .map(|u| u.unwrap().name().to_owned())
        .collect()
        .await;
    assert_eq!(names.len(), 12);
    assert_eq!(names[0], "coll-00");
    assert_eq!(coll.collect().await.unwrap().len(), 12);
    assert_eq!(coll.limit(5).collect().await.unwrap().len(), 5);
    // Items carry their data from the listing.
    let first = &coll.limit(1).collect().await.unwrap()[0];
    assert!(first.is_loaded());
    assert!(first.arn().unwrap().contains("coll-00"));

    for mut u in coll.collect().await.unwrap() {
        u.delete().send().await.unwrap();
    }
    assert!(coll.collect().await.unwrap().is_empty());
}

#[tokio::test]
async fn collection_page_size_is_the_request_page_size() {
    // moto's ListUsers ignores MaxItems; ListRoles pages server-side.
    let iam = iam();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    for i in 0..12 {
        iam.create_role()
            .role_name(format!("pages-{i:02}"))
            .path("/pages/")
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
    }
    let roles = iam.roles().filter(|b| b.path_prefix("/pages/"));
    let sizes: Vec<usize> = roles
        .page_size(5)
        .pages()
        .map(|p| p.unwrap().len())
        .collect()
        .await;
    assert_eq!(sizes, vec![5, 5, 2]);
    let limited: Vec<usize> = roles
        .page_size(5)
        .limit(7)
        .pages()
        .map(|p| p.unwrap().len())
        .collect()
        .await;
    assert_eq!(limited, vec![5, 2]);
    for r in roles.collect().await.unwrap() {
        assert!(r.arn().unwrap().contains(":role/pages/"));
    }
}

#[tokio::test]
async fn resource_without_load_says_so() {
    let iam = iam();
    let mut summary = iam.account_summary();
    summary.load().await.unwrap();
    assert!(summary.summary_map().is_some());
    // AssumeRolePolicy has no load in boto3's model.
    let mut arp = iam.role("nobody").assume_role_policy();
    let err = arp.load().await.unwrap_err();
    assert!(err.to_string().contains("has no load"), "{err}");
}

#[tokio::test]
async fn references_carry_data_from_the_parents_data() {
    let iam = iam();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("ref-role")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let mut profile = iam
        .create_instance_profile()
        .instance_profile_name("ref-profile")
        .send()
        .await
        .unwrap();
    profile
        .add_role()
        .role_name(role.name())
        .send()
        .await
        .unwrap();
    // The action cleared the profile's data: the reference says so.
    assert!(profile.roles().is_err());
    profile.load().await.unwrap();
    let roles = profile.roles().unwrap();
    assert_eq!(roles, vec![role.clone()]);
    // Each role's data is the profile's `Roles[i]`: no load needed.
    assert!(roles[0].is_loaded());
    assert_eq!(roles[0].arn(), role.arn());
    profile
        .remove_role()
        .role_name(role.name())
        .send()
        .await
        .unwrap();
    profile.delete().send().await.unwrap();
}
