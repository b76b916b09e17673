//! Endpoint resolution end to end: the URL each call is *sent* to and the
//! region and name it is signed for, seen by a [`BeforeSend`] hook that answers
//! with a canned response instead of the network.
//!
//! The expected URLs are botocore's (checked against botocore 1.43 with a
//! `before-send` event hook).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use boto_runtime::endpoint::{AddressingStyle, S3Config};
use boto_runtime::env::Env;
use boto_runtime::protocol::HttpResponse;
use boto_runtime::{BeforeSend, Bytes, ClientConfig, Credentials, EndpointError, Error, Session};

/// One request the hook saw.
#[derive(Debug, Clone)]
struct Sent {
    method: String,
    url: String,
    authorization: String,
}

impl Sent {
    /// `(region, service)` of the SigV4 credential scope
    /// (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`).
    fn signed_for(&self) -> (String, String) {
        let scope = self
            .authorization
            .split("Credential=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_else(|| panic!("no SigV4 credential in {:?}", self.authorization));
        let parts: Vec<&str> = scope.split('/').collect();
        assert_eq!(parts.len(), 5, "credential scope {scope}");
        assert_eq!(parts[0], "AKID", "credential scope {scope}");
        assert_eq!(parts[4], "aws4_request", "credential scope {scope}");
        (parts[2].to_owned(), parts[3].to_owned())
    }
}

/// Records every request and answers each with the same canned response.
#[derive(Clone, Default)]
struct Recorder {
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Recorder {
    /// A recorder and the hook feeding it, answering `200 body`.
    fn answering(body: &'static str) -> (Recorder, BeforeSend) {
        let recorder = Recorder::default();
        let sent = recorder.sent.clone();
        let hook = BeforeSend::new(move |req| {
            let authorization = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            sent.lock().unwrap().push(Sent {
                method: req.method().to_string(),
                url: req.url().to_string(),
                authorization,
            });
            Some(HttpResponse {
                status: 200,
                headers: Default::default(),
                body: Bytes::from_static(body.as_bytes()),
            })
        });
        (recorder, hook)
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// Exactly one request was sent, to `url`, signed for `region` / `service`.
    fn assert_one(&self, url: &str, region: &str, service: &str) {
        let sent = self.sent();
        assert_eq!(sent.len(), 1, "expected one request, got {sent:#?}");
        let req = &sent[0];
        assert_eq!(req.url, url, "URL sent ({} request)", req.method);
        assert_eq!(
            req.signed_for(),
            (region.to_owned(), service.to_owned()),
            "signing scope of {}",
            req.url
        );
    }

    fn assert_nothing_sent(&self) {
        let sent = self.sent();
        assert!(sent.is_empty(), "expected no request, got {sent:#?}");
    }
}

const JSON_EMPTY: &str = "{}";
const NO_BODY: &str = "";
const STS_IDENTITY: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
    <Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
const IAM_USERS: &str = "<ListUsersResponse><ListUsersResult><Users/></ListUsersResult>\
    </ListUsersResponse>";

/// A fresh, uniquely named directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "boto-rs-endpoints-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `name` in the directory; its path as a string.
    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `vars`, plus `HOME` and both shared-file paths pointing at files that do
/// not exist (unless `vars` sets them): the user's `~/.aws` is never read.
fn env(vars: &[(&str, &str)]) -> Env {
    let nowhere = std::env::temp_dir().join("boto-rs-endpoints-nonexistent");
    let nowhere = nowhere.to_str().unwrap();
    let mut all: Vec<(String, String)> = vec![
        ("HOME".into(), nowhere.to_owned()),
        ("AWS_CONFIG_FILE".into(), format!("{nowhere}/config")),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            format!("{nowhere}/credentials"),
        ),
    ];
    // Later entries win when collected into the map.
    all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Env::from_vars(all)
}

/// A session in `region` with static credentials `AKID`/`SECRET` and `vars` as
/// its whole environment.
fn session(region: &str, vars: &[(&str, &str)]) -> Session {
    Session::builder()
        .env(env(vars))
        .region(region)
        .credentials(Credentials::new("AKID", "SECRET", None))
        .build()
        .unwrap()
}

/// A session whose config file is `config` (written under `dir`), profile
/// `default` unless `vars` names one, credentials `AKID`/`SECRET`.
fn session_with_config(dir: &TempDir, config: &str, vars: &[(&str, &str)]) -> Session {
    let config_file = dir.file("config", config);
    let home = dir.path().to_str().unwrap().to_owned();
    let mut all = vec![
        ("HOME", home.as_str()),
        ("AWS_CONFIG_FILE", config_file.as_str()),
    ];
    all.extend_from_slice(vars);
    Session::builder()
        .env(env(&all))
        .credentials(Credentials::new("AKID", "SECRET", None))
        .build()
        .unwrap()
}

fn with_hook(hook: BeforeSend) -> ClientConfig {
    ClientConfig {
        before_send: Some(hook),
        ..Default::default()
    }
}

/// The message of an endpoint error rule, or a panic naming what came instead.
fn rule_error<E: std::fmt::Debug>(err: Error<E>) -> (String, String) {
    match err {
        Error::Endpoint(EndpointError::Rule { service, message }) => (service, message),
        other => panic!("expected Error::Endpoint(EndpointError::Rule {{..}}), got {other:?}"),
    }
}

// ---- 1. FIPS and dual-stack on regional services ----

#[tokio::test]
async fn sqs_fips_and_dualstack_from_client_config() {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let sqs = boto_sqs::Client::with_config(
        &session("us-east-1", &[]),
        ClientConfig {
            use_fips_endpoint: Some(true),
            use_dualstack_endpoint: Some(true),
            ..with_hook(hook)
        },
    );
    sqs.list_queues().send().await.unwrap();
    rec.assert_one("https://sqs-fips.us-east-1.api.aws/", "us-east-1", "sqs");
}

#[tokio::test]
async fn sqs_fips_only_and_dualstack_only_from_client_config() {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let sqs = boto_sqs::Client::with_config(
        &session("us-east-1", &[]),
        ClientConfig {
            use_fips_endpoint: Some(true),
            ..with_hook(hook)
        },
    );
    sqs.list_queues().send().await.unwrap();
    rec.assert_one(
        "https://sqs-fips.us-east-1.amazonaws.com/",
        "us-east-1",
        "sqs",
    );

    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let sqs = boto_sqs::Client::with_config(
        &session("us-east-1", &[]),
        ClientConfig {
            use_dualstack_endpoint: Some(true),
            ..with_hook(hook)
        },
    );
    sqs.list_queues().send().await.unwrap();
    rec.assert_one("https://sqs.us-east-1.api.aws/", "us-east-1", "sqs");
}

#[tokio::test]
async fn kms_fips_and_dualstack_from_env_vars() {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let session = session(
        "us-west-2",
        &[
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
        ],
    );
    let kms = boto_kms::Client::with_config(&session, with_hook(hook));
    kms.list_keys().send().await.unwrap();
    rec.assert_one("https://kms-fips.us-west-2.api.aws/", "us-west-2", "kms");
}

#[tokio::test]
async fn sqs_fips_from_env_var() {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let session = session("us-east-1", &[("AWS_USE_FIPS_ENDPOINT", "true")]);
    let sqs = boto_sqs::Client::with_config(&session, with_hook(hook));
    sqs.list_queues().send().await.unwrap();
    rec.assert_one(
        "https://sqs-fips.us-east-1.amazonaws.com/",
        "us-east-1",
        "sqs",
    );
}

#[tokio::test]
async fn client_config_fips_false_overrides_env_var() {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let session = session(
        "us-east-1",
        &[
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
        ],
    );
    let sqs = boto_sqs::Client::with_config(
        &session,
        ClientConfig {
            use_fips_endpoint: Some(false),
            use_dualstack_endpoint: Some(false),
            ..with_hook(hook)
        },
    );
    sqs.list_queues().send().await.unwrap();
    rec.assert_one("https://sqs.us-east-1.amazonaws.com/", "us-east-1", "sqs");
}

#[tokio::test]
async fn fips_and_dualstack_from_config_file() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        "[default]\nregion = us-west-2\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n",
        &[],
    );
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let kms = boto_kms::Client::with_config(&session, with_hook(hook));
    kms.list_keys().send().await.unwrap();
    rec.assert_one("https://kms-fips.us-west-2.api.aws/", "us-west-2", "kms");
}

// ---- 2. China regions ----

#[tokio::test]
async fn china_region_uses_amazonaws_com_cn() {
    let session = session("cn-north-1", &[]);

    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let sqs = boto_sqs::Client::with_config(&session, with_hook(hook));
    sqs.list_queues().send().await.unwrap();
    rec.assert_one(
        "https://sqs.cn-north-1.amazonaws.com.cn/",
        "cn-north-1",
        "sqs",
    );

    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let kms = boto_kms::Client::with_config(&session, with_hook(hook));
    kms.list_keys().send().await.unwrap();
    rec.assert_one(
        "https://kms.cn-north-1.amazonaws.com.cn/",
        "cn-north-1",
        "kms",
    );

    let (rec, hook) = Recorder::answering(NO_BODY);
    let s3 = boto_s3::Client::with_config(&session, with_hook(hook));
    s3.get_object()
        .bucket("my-bucket")
        .key("key")
        .send()
        .await
        .unwrap();
    rec.assert_one(
        "https://my-bucket.s3.cn-north-1.amazonaws.com.cn/key",
        "cn-north-1",
        "s3",
    );
}

#[tokio::test]
async fn china_region_fips() {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let sqs = boto_sqs::Client::with_config(
        &session("cn-north-1", &[]),
        ClientConfig {
            use_fips_endpoint: Some(true),
            ..with_hook(hook)
        },
    );
    sqs.list_queues().send().await.unwrap();
    rec.assert_one(
        "https://sqs-fips.cn-north-1.amazonaws.com.cn/",
        "cn-north-1",
        "sqs",
    );
}

#[tokio::test]
async fn iam_in_china_uses_the_china_partition_endpoint() {
    let (rec, hook) = Recorder::answering(IAM_USERS);
    let iam = boto_iam::Client::with_config(&session("cn-north-1", &[]), with_hook(hook));
    iam.list_users().send().await.unwrap();
    rec.assert_one(
        "https://iam.cn-north-1.amazonaws.com.cn/",
        "cn-north-1",
        "iam",
    );
}

// ---- 3. S3 addressing ----

async fn s3_get(session: &Session, config: ClientConfig, bucket: &str) -> Recorder {
    let (rec, hook) = Recorder::answering(NO_BODY);
    let s3 = boto_s3::Client::with_config(
        session,
        ClientConfig {
            before_send: Some(hook),
            ..config
        },
    );
    s3.get_object()
        .bucket(bucket)
        .key("key")
        .send()
        .await
        .unwrap();
    rec
}

#[tokio::test]
async fn s3_virtual_hosted_by_default() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig::default(),
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://my-bucket.s3.us-west-2.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_bucket_with_dots_falls_back_to_path_style() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig::default(),
        "my.bucket",
    )
    .await;
    rec.assert_one(
        "https://s3.us-west-2.amazonaws.com/my.bucket/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_path_style_from_force_path_style() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig {
            force_path_style: Some(true),
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://s3.us-west-2.amazonaws.com/my-bucket/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_path_style_from_s3_config() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig {
            s3: S3Config {
                addressing_style: Some(AddressingStyle::Path),
                ..Default::default()
            },
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://s3.us-west-2.amazonaws.com/my-bucket/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_path_style_from_config_file_nested_block() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        "[default]\nregion = us-west-2\ns3 =\n    addressing_style = path\n",
        &[],
    );
    let rec = s3_get(&session, ClientConfig::default(), "my-bucket").await;
    rec.assert_one(
        "https://s3.us-west-2.amazonaws.com/my-bucket/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_virtual_style_in_client_config_overrides_config_file_path_style() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        "[default]\nregion = us-west-2\ns3 =\n    addressing_style = path\n",
        &[],
    );
    let rec = s3_get(
        &session,
        ClientConfig {
            s3: S3Config {
                addressing_style: Some(AddressingStyle::Virtual),
                ..Default::default()
            },
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://my-bucket.s3.us-west-2.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_us_east_1_uses_the_legacy_global_endpoint() {
    let session = session("us-east-1", &[]);
    let rec = s3_get(&session, ClientConfig::default(), "my-bucket").await;
    rec.assert_one("https://my-bucket.s3.amazonaws.com/key", "us-east-1", "s3");

    let (rec, hook) = Recorder::answering(NO_BODY);
    let s3 = boto_s3::Client::with_config(&session, with_hook(hook));
    s3.head_bucket().bucket("my-bucket").send().await.unwrap();
    rec.assert_one("https://my-bucket.s3.amazonaws.com/", "us-east-1", "s3");
    assert_eq!(rec.sent()[0].method, "HEAD");

    let rec = s3_get(
        &session,
        ClientConfig {
            force_path_style: Some(true),
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one("https://s3.amazonaws.com/my-bucket/key", "us-east-1", "s3");
}

#[tokio::test]
async fn s3_us_east_1_regional_from_config_file() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        "[default]\nregion = us-east-1\ns3 =\n    us_east_1_regional_endpoint = regional\n",
        &[],
    );
    let rec = s3_get(&session, ClientConfig::default(), "my-bucket").await;
    rec.assert_one(
        "https://my-bucket.s3.us-east-1.amazonaws.com/key",
        "us-east-1",
        "s3",
    );
}

#[tokio::test]
async fn s3_us_east_1_regional_from_env_var_and_s3_config() {
    let session_env = session(
        "us-east-1",
        &[("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "regional")],
    );
    let rec = s3_get(&session_env, ClientConfig::default(), "my-bucket").await;
    rec.assert_one(
        "https://my-bucket.s3.us-east-1.amazonaws.com/key",
        "us-east-1",
        "s3",
    );

    let rec = s3_get(
        &session("us-east-1", &[]),
        ClientConfig {
            s3: S3Config {
                us_east_1_regional_endpoint: Some(true),
                ..Default::default()
            },
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://my-bucket.s3.us-east-1.amazonaws.com/key",
        "us-east-1",
        "s3",
    );
}

#[tokio::test]
async fn s3_fips_and_dualstack() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig {
            use_fips_endpoint: Some(true),
            use_dualstack_endpoint: Some(true),
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://my-bucket.s3-fips.dualstack.us-west-2.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_accelerate_and_dualstack() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig {
            use_dualstack_endpoint: Some(true),
            s3: S3Config {
                use_accelerate_endpoint: Some(true),
                ..Default::default()
            },
            ..Default::default()
        },
        "my-bucket",
    )
    .await;
    rec.assert_one(
        "https://my-bucket.s3-accelerate.dualstack.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

// ---- 4. S3 access point ARNs ----

const ACCESS_POINT: &str = "arn:aws:s3:us-west-2:123456789012:accesspoint:myendpoint";

#[tokio::test]
async fn s3_access_point_arn_as_bucket() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig::default(),
        ACCESS_POINT,
    )
    .await;
    rec.assert_one(
        "https://myendpoint-123456789012.s3-accesspoint.us-west-2.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_access_point_arn_from_another_region_uses_the_arn_region() {
    let rec = s3_get(
        &session("us-east-1", &[]),
        ClientConfig::default(),
        ACCESS_POINT,
    )
    .await;
    rec.assert_one(
        "https://myendpoint-123456789012.s3-accesspoint.us-west-2.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

#[tokio::test]
async fn s3_access_point_arn_dualstack() {
    let rec = s3_get(
        &session("us-west-2", &[]),
        ClientConfig {
            use_dualstack_endpoint: Some(true),
            ..Default::default()
        },
        ACCESS_POINT,
    )
    .await;
    rec.assert_one(
        "https://myendpoint-123456789012.s3-accesspoint.dualstack.us-west-2.amazonaws.com/key",
        "us-west-2",
        "s3",
    );
}

// ---- 5. DynamoDB account-id endpoints ----

fn account_session(region: &str, vars: &[(&str, &str)]) -> Session {
    Session::builder()
        .env(env(vars))
        .region(region)
        .credentials(Credentials::new("AKID", "SECRET", None).with_account_id("111122223333"))
        .build()
        .unwrap()
}

async fn list_tables(session: &Session, config: ClientConfig) -> Recorder {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let ddb = boto_dynamodb::Client::with_config(
        session,
        ClientConfig {
            before_send: Some(hook),
            ..config
        },
    );
    ddb.list_tables().send().await.unwrap();
    rec
}

#[tokio::test]
async fn dynamodb_account_id_endpoint_from_credentials() {
    let rec = list_tables(&account_session("us-east-1", &[]), ClientConfig::default()).await;
    rec.assert_one(
        "https://111122223333.ddb.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );
}

#[tokio::test]
async fn dynamodb_account_id_endpoint_disabled() {
    let rec = list_tables(
        &account_session("us-east-1", &[]),
        ClientConfig {
            account_id_endpoint_mode: Some("disabled".into()),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one(
        "https://dynamodb.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );

    let rec = list_tables(
        &account_session("us-east-1", &[("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")]),
        ClientConfig::default(),
    )
    .await;
    rec.assert_one(
        "https://dynamodb.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );
}

#[tokio::test]
async fn dynamodb_without_account_id_uses_the_regional_endpoint() {
    let rec = list_tables(&session("us-east-1", &[]), ClientConfig::default()).await;
    rec.assert_one(
        "https://dynamodb.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );
}

#[tokio::test]
async fn dynamodb_account_id_from_env_credentials() {
    let session = Session::builder()
        .env(env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_ACCOUNT_ID", "111122223333"),
        ]))
        .region("us-east-1")
        .build()
        .unwrap();
    let rec = list_tables(&session, ClientConfig::default()).await;
    rec.assert_one(
        "https://111122223333.ddb.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );
}

#[tokio::test]
async fn dynamodb_account_id_from_credentials_file() {
    let dir = TempDir::new();
    let credentials_file = dir.file(
        "credentials",
        "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n\
         aws_account_id = 111122223333\n",
    );
    let session = Session::builder()
        .env(env(&[(
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials_file.as_str(),
        )]))
        .region("us-east-1")
        .build()
        .unwrap();
    let rec = list_tables(&session, ClientConfig::default()).await;
    rec.assert_one(
        "https://111122223333.ddb.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );
}

#[tokio::test]
async fn dynamodb_account_id_with_dualstack_and_fips() {
    let rec = list_tables(
        &account_session("us-east-1", &[]),
        ClientConfig {
            use_dualstack_endpoint: Some(true),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one(
        "https://111122223333.ddb.us-east-1.api.aws/",
        "us-east-1",
        "dynamodb",
    );

    // FIPS has no account endpoints: `preferred` falls back to the FIPS one.
    let rec = list_tables(
        &account_session("us-east-1", &[]),
        ClientConfig {
            use_fips_endpoint: Some(true),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one(
        "https://dynamodb-fips.us-east-1.amazonaws.com/",
        "us-east-1",
        "dynamodb",
    );
}

// ---- 6. STS global vs regional ----

async fn caller_identity(session: &Session, config: ClientConfig) -> Recorder {
    let (rec, hook) = Recorder::answering(STS_IDENTITY);
    let sts = boto_sts::Client::with_config(
        session,
        ClientConfig {
            before_send: Some(hook),
            ..config
        },
    );
    let out = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(out.account.as_deref(), Some("1"));
    rec
}

#[tokio::test]
async fn sts_is_regional_by_default() {
    let rec = caller_identity(&session("eu-west-1", &[]), ClientConfig::default()).await;
    rec.assert_one("https://sts.eu-west-1.amazonaws.com/", "eu-west-1", "sts");
}

#[tokio::test]
async fn sts_legacy_from_client_config_is_global() {
    let rec = caller_identity(
        &session("eu-west-1", &[]),
        ClientConfig {
            sts_regional_endpoints: Some("legacy".into()),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one("https://sts.amazonaws.com/", "us-east-1", "sts");
}

#[tokio::test]
async fn sts_legacy_from_config_file_is_global() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        "[default]\nregion = eu-west-1\nsts_regional_endpoints = legacy\n",
        &[],
    );
    let rec = caller_identity(&session, ClientConfig::default()).await;
    rec.assert_one("https://sts.amazonaws.com/", "us-east-1", "sts");
}

#[tokio::test]
async fn sts_legacy_from_env_var_is_global() {
    let session = session("eu-west-1", &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")]);
    let rec = caller_identity(&session, ClientConfig::default()).await;
    rec.assert_one("https://sts.amazonaws.com/", "us-east-1", "sts");
}

#[tokio::test]
async fn sts_legacy_outside_the_legacy_regions_stays_regional() {
    let rec = caller_identity(
        &session("ap-east-1", &[]),
        ClientConfig {
            sts_regional_endpoints: Some("legacy".into()),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one("https://sts.ap-east-1.amazonaws.com/", "ap-east-1", "sts");
}

// ---- 7. Configured endpoint URLs ----

const SERVICES_CONFIG: &str = "[profile p]\nregion = us-east-1\nservices = dev\n\n\
    [services dev]\nsqs =\n  endpoint_url = http://127.0.0.1:4599\n";

async fn list_queues(session: &Session, config: ClientConfig) -> Recorder {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let sqs = boto_sqs::Client::with_config(
        session,
        ClientConfig {
            before_send: Some(hook),
            ..config
        },
    );
    sqs.list_queues().send().await.unwrap();
    rec
}

#[tokio::test]
async fn services_section_endpoint_url() {
    let dir = TempDir::new();
    let session = session_with_config(&dir, SERVICES_CONFIG, &[("AWS_PROFILE", "p")]);
    let rec = list_queues(&session, ClientConfig::default()).await;
    rec.assert_one("http://127.0.0.1:4599/", "us-east-1", "sqs");

    // Only SQS is configured there: KMS goes to AWS.
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let kms = boto_kms::Client::with_config(&session, with_hook(hook));
    kms.list_keys().send().await.unwrap();
    rec.assert_one("https://kms.us-east-1.amazonaws.com/", "us-east-1", "kms");
}

#[tokio::test]
async fn services_section_ignored_with_env_var() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        SERVICES_CONFIG,
        &[
            ("AWS_PROFILE", "p"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ],
    );
    let rec = list_queues(&session, ClientConfig::default()).await;
    rec.assert_one("https://sqs.us-east-1.amazonaws.com/", "us-east-1", "sqs");
}

#[tokio::test]
async fn services_section_ignored_with_client_config() {
    let dir = TempDir::new();
    let session = session_with_config(&dir, SERVICES_CONFIG, &[("AWS_PROFILE", "p")]);
    let rec = list_queues(
        &session,
        ClientConfig {
            ignore_configured_endpoint_urls: Some(true),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one("https://sqs.us-east-1.amazonaws.com/", "us-east-1", "sqs");
}

#[tokio::test]
async fn endpoint_url_env_var_for_sqs() {
    let session = session(
        "us-east-1",
        &[("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4598")],
    );
    let rec = list_queues(&session, ClientConfig::default()).await;
    rec.assert_one("http://127.0.0.1:4598/", "us-east-1", "sqs");

    let ignored = self::session(
        "us-east-1",
        &[
            ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4598"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ],
    );
    let rec = list_queues(&ignored, ClientConfig::default()).await;
    rec.assert_one("https://sqs.us-east-1.amazonaws.com/", "us-east-1", "sqs");
}

#[tokio::test]
async fn service_env_var_beats_services_section() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        SERVICES_CONFIG,
        &[
            ("AWS_PROFILE", "p"),
            ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4598"),
        ],
    );
    let rec = list_queues(&session, ClientConfig::default()).await;
    rec.assert_one("http://127.0.0.1:4598/", "us-east-1", "sqs");
}

#[tokio::test]
async fn client_config_endpoint_url_beats_configured_ones() {
    let dir = TempDir::new();
    let session = session_with_config(
        &dir,
        SERVICES_CONFIG,
        &[
            ("AWS_PROFILE", "p"),
            ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4598"),
        ],
    );
    let rec = list_queues(
        &session,
        ClientConfig {
            endpoint_url: Some("http://127.0.0.1:4597".into()),
            ..Default::default()
        },
    )
    .await;
    rec.assert_one("http://127.0.0.1:4597/", "us-east-1", "sqs");
}

// ---- 8. Error rules reach the caller typed ----

/// The endpoint error of an S3 GetObject on `bucket`, checking nothing was sent.
async fn s3_rule_error(region: &str, config: ClientConfig, bucket: &str) -> (String, String) {
    let (rec, hook) = Recorder::answering(NO_BODY);
    let s3 = boto_s3::Client::with_config(
        &session(region, &[]),
        ClientConfig {
            before_send: Some(hook),
            ..config
        },
    );
    let err = s3
        .get_object()
        .bucket(bucket)
        .key("key")
        .send()
        .await
        .unwrap_err();
    rec.assert_nothing_sent();
    rule_error(err)
}

/// The endpoint error of a DynamoDB ListTables, checking nothing was sent.
async fn dynamodb_rule_error(session: &Session, config: ClientConfig) -> (String, String) {
    let (rec, hook) = Recorder::answering(JSON_EMPTY);
    let ddb = boto_dynamodb::Client::with_config(
        session,
        ClientConfig {
            before_send: Some(hook),
            ..config
        },
    );
    let err = ddb.list_tables().send().await.unwrap_err();
    rec.assert_nothing_sent();
    rule_error(err)
}

fn accelerate() -> S3Config {
    S3Config {
        use_accelerate_endpoint: Some(true),
        ..Default::default()
    }
}

#[tokio::test]
async fn s3_accelerate_with_fips_is_an_endpoint_rule_error() {
    let config = ClientConfig {
        use_fips_endpoint: Some(true),
        s3: accelerate(),
        ..Default::default()
    };
    let (service, message) = s3_rule_error("us-west-2", config, "my-bucket").await;
    assert_eq!(service, "s3");
    assert_eq!(message, "Accelerate cannot be used with FIPS");
    let err = boto_runtime::EndpointError::Rule { service, message };
    assert_eq!(err.to_string(), "s3: Accelerate cannot be used with FIPS");
}

#[tokio::test]
async fn s3_access_point_with_accelerate_is_an_endpoint_rule_error() {
    let config = ClientConfig {
        s3: accelerate(),
        ..Default::default()
    };
    let (service, message) = s3_rule_error("us-west-2", config, ACCESS_POINT).await;
    assert_eq!(service, "s3");
    assert_eq!(message, "Access Points do not support S3 Accelerate");
}

#[tokio::test]
async fn s3_access_point_in_another_region_without_use_arn_region_is_an_error() {
    let config = ClientConfig {
        s3: S3Config {
            use_arn_region: Some(false),
            ..Default::default()
        },
        ..Default::default()
    };
    let (service, message) = s3_rule_error("us-east-1", config, ACCESS_POINT).await;
    assert_eq!(service, "s3");
    assert_eq!(
        message,
        "Invalid configuration: region from ARN `us-west-2` does not match client region \
         `us-east-1` and UseArnRegion is `false`"
    );
}

#[tokio::test]
async fn dynamodb_account_id_required_without_one_is_an_endpoint_rule_error() {
    let config = ClientConfig {
        account_id_endpoint_mode: Some("required".into()),
        ..Default::default()
    };
    let (service, message) = dynamodb_rule_error(&session("us-east-1", &[]), config).await;
    assert_eq!(service, "dynamodb");
    assert_eq!(
        message,
        "AccountIdEndpointMode is required but no AccountID was provided or able to be loaded"
    );
}

#[tokio::test]
async fn dynamodb_account_id_required_with_fips_is_an_endpoint_rule_error() {
    let config = ClientConfig {
        account_id_endpoint_mode: Some("required".into()),
        use_fips_endpoint: Some(true),
        ..Default::default()
    };
    let (service, message) = dynamodb_rule_error(&account_session("us-east-1", &[]), config).await;
    assert_eq!(service, "dynamodb");
    assert_eq!(
        message,
        "Invalid Configuration: AccountIdEndpointMode is required and FIPS is enabled, \
         but FIPS account endpoints are not supported"
    );
}

// ---- 9. Global services ----

#[tokio::test]
async fn iam_is_global_and_signed_for_us_east_1() {
    let (rec, hook) = Recorder::answering(IAM_USERS);
    let iam = boto_iam::Client::with_config(&session("eu-west-1", &[]), with_hook(hook));
    let out = iam.list_users().send().await.unwrap();
    assert_eq!(out.users.as_deref().map(<[_]>::len), Some(0), "{out:?}");
    rec.assert_one("https://iam.amazonaws.com/", "us-east-1", "iam");
    assert_eq!(rec.sent()[0].method, "POST");
}

#[tokio::test]
async fn iam_fips_is_global() {
    let (rec, hook) = Recorder::answering(IAM_USERS);
    let iam = boto_iam::Client::with_config(
        &session("us-east-1", &[]),
        ClientConfig {
            use_fips_endpoint: Some(true),
            ..with_hook(hook)
        },
    );
    iam.list_users().send().await.unwrap();
    rec.assert_one("https://iam-fips.amazonaws.com/", "us-east-1", "iam");
}
