//! The credential chain end to end: role profiles and web identity against
//! moto's STS (each checked by `GetCallerIdentity`), SSO against a local
//! portal and OIDC server, `credential_process` with a real script, and
//! what errors and `Debug` must never show.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use boto_runtime::env::Env;
use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::Session;
use boto_tests::files::Files;
use boto_tests::moto::MotoServer;

fn moto_session(env: Env, profile: Option<&str>) -> Session {
    let mut b = Session::builder()
        .env(env)
        .region("us-east-1")
        .endpoint_url(MotoServer::shared().endpoint());
    if let Some(p) = profile {
        b = b.profile_name(p);
    }
    b.build().unwrap()
}

async fn caller_arn(session: &Session) -> String {
    boto_sts::Client::new(session)
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .arn
        .unwrap()
}

const ACCOUNT: &str = "123456789012";

#[tokio::test]
async fn assume_role_from_source_profile() {
    let files = Files::new(
        "source-profile",
        &format!(
            "[profile deploy]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/deployer\n\
             source_profile = base\nrole_session_name = ci-run\nexternal_id = ext-1\n\
             duration_seconds = 1800\n"
        ),
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    );
    let session = moto_session(files.env(&[("AWS_PROFILE", "deploy")]), None);
    let creds = session.credentials().await.unwrap();
    assert!(creds.access_key_id.starts_with("ASIA"), "{creds:?}");
    assert!(creds.session_token.is_some() && creds.expiry.is_some());
    assert_eq!(creds.account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-run")
    );
}

#[tokio::test]
async fn role_chain_of_three_profiles() {
    let files = Files::new(
        "chain",
        &format!(
            "[profile top]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/top-role\nsource_profile = middle\n\
             role_session_name = top-session\n\
             [profile middle]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/middle-role\nsource_profile = root\n\
             role_session_name = middle-session\n"
        ),
        "[root]\naws_access_key_id = AKIDROOT\naws_secret_access_key = root-secret\n",
    );
    let session = moto_session(files.env(&[]), Some("top"));
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/top-role/top-session")
    );
}

#[tokio::test]
async fn role_profile_that_sources_itself_uses_its_own_keys() {
    let files = Files::new(
        "self-source",
        &format!(
            "[profile me]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/self-role\nsource_profile = me\n\
             role_session_name = self-session\n"
        ),
        "[me]\naws_access_key_id = AKIDME\naws_secret_access_key = me-secret\n",
    );
    let session = moto_session(files.env(&[]), Some("me"));
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/self-role/self-session")
    );
}

#[tokio::test]
async fn source_profile_loop_is_an_error_naming_the_loop() {
    let files = Files::new(
        "loop",
        "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
         [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
        "",
    );
    let session = moto_session(files.env(&[]), Some("a"));
    let e = session.credentials().await.unwrap_err().to_string();
    assert!(e.contains("loop") && e.contains("a -> b -> a"), "{e}");
}

#[tokio::test]
async fn credential_source_environment_with_an_explicit_profile() {
    let files = Files::new(
        "credential-source",
        &format!(
            "[profile ops]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ops\n\
             credential_source = Environment\nrole_session_name = from-env\n"
        ),
        "",
    );
    let env = files.env(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
    ]);
    // A profile named in code skips the environment provider (botocore), so
    // the role is assumed, with the environment's keys as its source.
    let session = moto_session(env.clone(), Some("ops"));
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/ops/from-env")
    );
    // Chosen by AWS_PROFILE instead, the environment's keys win.
    let session = moto_session(
        files.env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ("AWS_PROFILE", "ops"),
        ]),
        None,
    );
    assert_eq!(
        session.credentials().await.unwrap().access_key_id,
        "AKIDENV"
    );
}

#[tokio::test]
async fn mfa_serial_asks_the_callback() {
    let files = Files::new(
        "mfa",
        &format!(
            "[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/admin\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/alice\nrole_session_name = mfa-session\n"
        ),
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    );
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = asked.clone();
    let session = Session::builder()
        .env(files.env(&[]))
        .profile_name("admin")
        .region("us-east-1")
        .endpoint_url(MotoServer::shared().endpoint())
        .mfa_token(move |serial| {
            assert_eq!(serial, format!("arn:aws:iam::{ACCOUNT}:mfa/alice"));
            seen.fetch_add(1, Ordering::SeqCst);
            Ok("123456".into())
        })
        .build()
        .unwrap();
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/admin/mfa-session")
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // Without a callback the error says how to give one.
    let session = moto_session(files.env(&[]), Some("admin"));
    let e = session.credentials().await.unwrap_err().to_string();
    assert!(e.contains("mfa_token"), "{e}");
}

#[tokio::test]
async fn web_identity_from_the_environment() {
    let files = Files::new("web-identity", "", "");
    let token = files.path("token");
    std::fs::write(&token, "eyJhbGciOiJIUzI1NiJ9.e30.signature").unwrap();
    let env = files.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", &token),
        (
            "AWS_ROLE_ARN",
            &format!("arn:aws:iam::{ACCOUNT}:role/pod-role"),
        ),
        ("AWS_ROLE_SESSION_NAME", "pod-session"),
    ]);
    let session = moto_session(env, None);
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/pod-role/pod-session")
    );
    // The AssumeRoleWithWebIdentity call itself is unsigned.
    let creds = session.credentials().await.unwrap();
    assert!(creds.access_key_id.starts_with("ASIA"));
}

#[tokio::test]
async fn web_identity_from_a_profile() {
    let files = Files::new("web-identity-profile", "", "");
    let token = files.path("token");
    std::fs::write(&token, "token-text").unwrap();
    std::fs::write(
        files.path("config"),
        format!(
            "[profile eks]\nweb_identity_token_file = {token}\n\
             role_arn = arn:aws:iam::{ACCOUNT}:role/eks-role\nrole_session_name = eks-session\n"
        ),
    )
    .unwrap();
    let session = moto_session(files.env(&[]), Some("eks"));
    assert_eq!(
        caller_arn(&session).await,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/eks-role/eks-session")
    );
}

/// An executable script printing `output`.
fn script(files: &Files, name: &str, output: &str) -> String {
    let path = files.path(name);
    std::fs::write(&path, format!("#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

#[tokio::test]
async fn credential_process_runs_the_program_without_a_shell() {
    let files = Files::new("process", "", "");
    let exe = script(
        &files,
        "creds tool.sh",
        r#"{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "proc-secret",
            "SessionToken": "proc-token", "Expiration": "2099-01-01T00:00:00Z", "AccountId": "111122223333"}"#,
    );
    // The path has a space: quoted as a shell would, split without one.
    std::fs::write(
        files.path("config"),
        format!("[profile tool]\ncredential_process = \"{exe}\" --flag\n"),
    )
    .unwrap();
    let session = moto_session(files.env(&[]), Some("tool"));
    let creds = session.credentials().await.unwrap();
    assert_eq!(creds.access_key_id, "AKIDPROC");
    assert_eq!(creds.session_token.as_deref(), Some("proc-token"));
    assert_eq!(creds.account_id.as_deref(), Some("111122223333"));
    assert!(creds.expiry.is_some());
    // And the credentials sign a real call.
    assert!(caller_arn(&session).await.starts_with("arn:aws:"));
}

#[tokio::test]
async fn credential_process_bad_output_names_the_problem_not_the_secret() {
    let files = Files::new("process-bad", "", "");
    let exe = script(
        &files,
        "bad.sh",
        r#"{"Version": 2, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "never-show-this"}"#,
    );
    std::fs::write(
        files.path("config"),
        format!("[profile tool]\ncredential_process = {exe}\n"),
    )
    .unwrap();
    let session = moto_session(files.env(&[]), Some("tool"));
    let e = session.credentials().await.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("Version"), "{shown}");
    assert!(!shown.contains("never-show-this"), "{shown}");
}

#[tokio::test]
async fn no_credentials_lists_every_provider_tried() {
    let files = Files::new("none", "[default]\nregion = us-east-1\n", "");
    let session = moto_session(files.env(&[]), None);
    let e = session.credentials().await.unwrap_err().to_string();
    for said in [
        "AWS_ACCESS_KEY_ID not set",
        "no role_arn",
        "AWS_WEB_IDENTITY_TOKEN_FILE not set",
        "no sso_account_id",
        "no credential_process",
        "AWS_CONTAINER_CREDENTIALS",
        "AWS_EC2_METADATA_DISABLED",
    ] {
        assert!(e.contains(said), "`{said}` missing from: {e}");
    }
}

// --- SSO, against a local portal + OIDC server -------------------------------

const START_URL: &str = "https://d-123.awsapps.com/start";

fn sso_config() -> String {
    format!(
        "[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = Developer\n\
         [profile legacy]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\
         sso_account_id = {ACCOUNT}\nsso_role_name = ReadOnly\n\
         [sso-session corp]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n\
         sso_registration_scopes = sso:account:access\n"
    )
}

/// The portal answers `GetRoleCredentials` for token `good-token` or
/// `fresh-token`; OIDC turns refresh token `refresh-1` into `fresh-token`.
async fn sso_server() -> TestServer {
    TestServer::with_handler(|req| match (req.method.as_str(), req.path_only()) {
        ("GET", "/federation/credentials") => {
            let token = req.header("x-amz-sso_bearer_token").unwrap_or("");
            if token != "good-token" && token != "fresh-token" {
                return Reply::json_text(
                    401,
                    r#"{"message": "Session token not found or invalid"}"#,
                )
                .header("x-amzn-errortype", "UnauthorizedException");
            }
            Reply::json_text(
                200,
                r#"{"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "sso-secret",
                    "sessionToken": "sso-session-token", "expiration": 4102444800000}}"#,
            )
        }
        ("POST", "/token") => {
            let body = req.text();
            if body.contains("\"refresh-1\"") && body.contains("\"refresh_token\"") {
                Reply::json_text(
                    200,
                    r#"{"accessToken": "fresh-token", "expiresIn": 28800,
                        "refreshToken": "refresh-2", "tokenType": "Bearer"}"#,
                )
            } else {
                Reply::json_text(400, r#"{"error": "invalid_grant"}"#)
                    .header("x-amzn-errortype", "InvalidGrantException")
            }
        }
        _ => Reply::json_text(404, "{}"),
    })
    .await
}

fn sso_session(files: &Files, server: &TestServer, profile: &str) -> Session {
    Session::builder()
        .env(files.env(&[]))
        .profile_name(profile)
        .region("us-east-1")
        .endpoint_url(server.url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn sso_session_profile_gets_role_credentials() {
    let server = sso_server().await;
    let files = Files::new("sso", &sso_config(), "");
    files.sso_token(
        "corp",
        serde_json::json!({
            "startUrl": START_URL, "region": "eu-west-1", "accessToken": "good-token",
            "expiresAt": "2099-01-01T00:00:00Z",
        }),
    );
    let creds = sso_session(&files, &server, "dev")
        .credentials()
        .await
        .unwrap();
    assert_eq!(creds.access_key_id, "ASIASSO");
    assert_eq!(creds.account_id.as_deref(), Some(ACCOUNT));
    let req = &server.requests()[0];
    assert!(req.path.contains("role_name=Developer"), "{}", req.path);
    assert!(req.path.contains(&format!("account_id={ACCOUNT}")));
    // GetRoleCredentials is unsigned: the bearer token is the only auth.
    assert!(req.header("authorization").is_none());
}

#[tokio::test]
async fn sso_token_near_expiry_is_refreshed_and_written_back() {
    let server = sso_server().await;
    let files = Files::new("sso-refresh", &sso_config(), "");
    let soon = time_in(5 * 60);
    let path = files.sso_token(
        "corp",
        serde_json::json!({
            "startUrl": START_URL, "region": "eu-west-1", "accessToken": "old-token",
            "expiresAt": soon, "refreshToken": "refresh-1", "clientId": "cid",
            "clientSecret": "csecret", "registrationExpiresAt": "2099-01-01T00:00:00Z",
        }),
    );
    let creds = sso_session(&files, &server, "dev")
        .credentials()
        .await
        .unwrap();
    assert_eq!(creds.access_key_id, "ASIASSO");
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path_only().to_owned())
        .collect();
    assert_eq!(paths, ["/token", "/federation/credentials"]);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["accessToken"], "fresh-token");
    assert_eq!(written["refreshToken"], "refresh-2");
    assert_eq!(written["clientId"], "cid");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[tokio::test]
async fn sso_errors_say_to_log_in_and_show_no_token() {
    let server = sso_server().await;
    let files = Files::new("sso-errors", &sso_config(), "");
    // No cache file at all.
    let e = sso_session(&files, &server, "dev")
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("aws sso login --sso-session corp"), "{e}");
    let e = sso_session(&files, &server, "legacy")
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("aws sso login --profile legacy"), "{e}");

    // Expired, no refresh token.
    files.sso_token(
        START_URL,
        serde_json::json!({
            "startUrl": START_URL, "region": "us-east-1", "accessToken": "expired-secret-token",
            "expiresAt": "2020-01-01T00:00:00Z",
        }),
    );
    let e = sso_session(&files, &server, "legacy")
        .credentials()
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains("expired") && shown.contains("aws sso login"),
        "{shown}"
    );
    assert!(!shown.contains("expired-secret-token"), "{shown}");

    // A token the portal rejects.
    files.sso_token(
        START_URL,
        serde_json::json!({
            "startUrl": START_URL, "region": "us-east-1", "accessToken": "revoked-secret-token",
            "expiresAt": "2099-01-01T00:00:00Z",
        }),
    );
    let e = sso_session(&files, &server, "legacy")
        .credentials()
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("aws sso login --profile legacy"), "{shown}");
    assert!(!shown.contains("revoked-secret-token"), "{shown}");
}

/// An RFC 3339 UTC time `secs` from now.
fn time_in(secs: u64) -> String {
    let t = std::time::SystemTime::now() + std::time::Duration::from_secs(secs);
    boto_runtime::DateTime::from(t).to_iso8601()
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let server = sso_server().await;
    let files = Files::new("sso-debug", &sso_config(), "");
    files.sso_token(
        "corp",
        serde_json::json!({
            "startUrl": START_URL, "region": "eu-west-1", "accessToken": "good-token",
            "expiresAt": "2099-01-01T00:00:00Z",
        }),
    );
    let session = sso_session(&files, &server, "dev");
    let creds = session.credentials().await.unwrap();
    let shown = format!("{session:?} {session:#?} {creds:?}");
    for secret in ["sso-secret", "sso-session-token", "good-token"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

// --- Container and instance metadata, through the session's chain ---------

/// A container credentials endpoint whose credentials expire in `secs`.
async fn container_server(secs: u64) -> TestServer {
    let expiration = time_in(secs);
    TestServer::with_handler(move |req| {
        if req.header("authorization") != Some("pod-identity-token") {
            return Reply::json_text(401, r#"{"message": "bad token"}"#);
        }
        Reply::json_text(
            200,
            format!(
                r#"{{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "container-secret",
                    "Token": "container-token", "Expiration": "{expiration}"}}"#
            ),
        )
    })
    .await
}

#[tokio::test]
async fn container_credentials_sign_calls_and_are_fetched_once_under_load() {
    let server = container_server(3600).await;
    let files = Files::new("container", "", "");
    let token_file = files.path("token");
    std::fs::write(&token_file, "pod-identity-token").unwrap();
    let uri = format!("{}/v1/credentials", server.url());
    let session = moto_session(
        files.env(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file),
        ]),
        None,
    );
    // 200 calls at once ask the endpoint once: one refresh in flight, the
    // others wait for it.
    let calls = (0..200).map(|_| {
        let s = session.clone();
        tokio::spawn(async move { s.credentials().await })
    });
    for c in futures_util::future::join_all(calls).await {
        assert_eq!(c.unwrap().unwrap().access_key_id, "ASIACONTAINER");
    }
    assert_eq!(server.requests().len(), 1);
    assert!(caller_arn(&session).await.starts_with("arn:aws:"));
    assert_eq!(server.requests().len(), 1, "held credentials are reused");
}

#[tokio::test]
async fn credentials_inside_the_mandatory_window_are_fetched_again() {
    // Five minutes left: inside botocore's 10-minute mandatory window, so
    // every use refreshes (and gets the same short-lived answer here).
    let server = container_server(300).await;
    let files = Files::new("container-refresh", "", "");
    let uri = format!("{}/creds", server.url());
    let session = moto_session(
        files.env(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "pod-identity-token"),
        ]),
        None,
    );
    session.credentials().await.unwrap();
    session.credentials().await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn instance_metadata_v2_through_the_chain() {
    let expiration = time_in(6 * 3600);
    let server = TestServer::with_handler(move |req| match (req.method.as_str(), req.path_only()) {
        ("PUT", "/latest/api/token") => Reply::json_text(200, "imds-session-token"),
        (_, path) if req.header("x-aws-ec2-metadata-token") != Some("imds-session-token") => {
            Reply::json_text(401, format!("no token for {path}"))
        }
        ("GET", "/latest/meta-data/iam/security-credentials/") => {
            Reply::json_text(200, "web-server-role")
        }
        ("GET", "/latest/meta-data/iam/security-credentials/web-server-role") => Reply::json_text(
            200,
            format!(
                r#"{{"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret",
                    "Token": "imds-token", "Expiration": "{expiration}"}}"#
            ),
        ),
        _ => Reply::json_text(404, ""),
    })
    .await;
    let files = Files::new("imds", "", "");
    let env = files.env(&[
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url()),
    ]);
    let session = moto_session(env, None);
    let creds = session.credentials().await.unwrap();
    assert_eq!(creds.access_key_id, "ASIAIMDS");
    let shown = format!("{session:?} {creds:?}");
    assert!(
        !shown.contains("imds-secret") && !shown.contains("imds-token"),
        "{shown}"
    );
    let put = &server.requests()[0];
    assert_eq!(
        put.header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
}
