//! Presigned requests: the signature checked against AWS's published S3
//! example, and presigned S3 GET/PUT and STS GetCallerIdentity used with a
//! plain HTTP client against moto.

use std::time::{Duration, SystemTime};

use boto_runtime::env::Env;
use boto_runtime::test_server::{Reply, TestServer};
use boto_runtime::{Credentials, PostPolicy, PresignConfig, Session};
use boto_tests::moto::MotoServer;

/// AWS's example of a presigned GetObject (S3 API reference, "Authenticating
/// Requests: Using Query Parameters"): same keys, time, expiry and signature.
#[tokio::test]
async fn s3_presigned_get_matches_the_aws_example() {
    let session = Session::builder()
        .env(Env::from_vars::<&str, &str>([]))
        .region("us-east-1")
        .credentials(Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .build()
        .unwrap();
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600); // 2013-05-24T00:00:00Z
    let presigned = boto_s3::Client::new(&session)
        .get_object()
        .bucket("examplebucket")
        .key("test.txt")
        .presigned(PresignConfig::expires_in(Duration::from_secs(86400)).start_time(time))
        .await
        .unwrap();
    assert_eq!(presigned.method(), "GET");
    assert_eq!(
        presigned.url(),
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
         &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    );
    assert!(presigned.headers().is_empty(), "{:?}", presigned.headers());
    // Debug output hides the signature.
    assert!(!format!("{presigned:?}").contains("aeeed9bb"));
}

#[tokio::test]
async fn expiry_outside_one_second_to_seven_days_is_refused() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    for bad in [Duration::ZERO, Duration::from_secs(7 * 24 * 3600 + 1)] {
        let e = s3
            .get_object()
            .bucket("b")
            .key("k")
            .presigned(PresignConfig::expires_in(bad))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("7 days"), "{e}");
    }
}

#[tokio::test]
async fn s3_presigned_put_and_get_with_a_plain_http_client() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    s3.create_bucket()
        .bucket("boto-rs-presign")
        .send()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let put = s3
        .put_object()
        .bucket("boto-rs-presign")
        .key("dir/hello world.txt")
        .presigned(PresignConfig::default())
        .await
        .unwrap();
    assert_eq!(put.method(), "PUT");
    assert!(put.url().contains("X-Amz-Expires=3600"), "{}", put.url());
    assert!(put.url().contains("dir/hello%20world.txt"), "{}", put.url());
    let sent = put
        .to_reqwest(&http)
        .body("uploaded through a presigned URL")
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{}", sent.status());

    let get = s3
        .get_object()
        .bucket("boto-rs-presign")
        .key("dir/hello world.txt")
        .presigned(PresignConfig::expires_in(Duration::from_secs(60)))
        .await
        .unwrap();
    let got = get.to_reqwest(&http).send().await.unwrap();
    assert!(got.status().is_success(), "{}", got.status());
    assert_eq!(
        got.text().await.unwrap(),
        "uploaded through a presigned URL"
    );
}

fn example_session(region: &str, token: Option<&str>) -> Session {
    Session::builder()
        .env(Env::from_vars::<&str, &str>([]))
        .region(region)
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
        ))
        .build()
        .unwrap()
}

/// 2015-08-30T12:36:00Z, the SigV4 test suite's time.
fn suite_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

/// The URLs botocore 1.43.11's `generate_presigned_url` makes for the same
/// keys, token and time (`get_current_datetime` patched): a form body moves
/// into the query; signed for the model's POST unless another method is
/// asked for (`HttpMethod='GET'`, as EKS tokens are made).
#[tokio::test]
async fn sts_presigned_urls_equal_botocores() {
    let sts = boto_sts::Client::new(&example_session("us-east-1", Some("SESSIONTOKEN")));
    let presigned = sts
        .get_caller_identity()
        .presigned(PresignConfig::expires_in(Duration::from_secs(900)).start_time(suite_time()))
        .await
        .unwrap();
    assert_eq!(presigned.method(), "POST");
    assert!(presigned.body().is_empty() && presigned.headers().is_empty());
    let base = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request\
         &X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host";
    // aws-sigv4 puts the (signed) token after the signature; botocore before it.
    assert_eq!(
        presigned.url(),
        format!(
            "{base}&X-Amz-Signature=9bcb44a009971a91b47dd655080d761d8bc3c3dc461bd54f7211faf9d219c667\
             &X-Amz-Security-Token=SESSIONTOKEN"
        )
    );
    let get = sts
        .get_caller_identity()
        .presigned(
            PresignConfig::expires_in(Duration::from_secs(900))
                .start_time(suite_time())
                .http_method(http::Method::GET),
        )
        .await
        .unwrap();
    assert_eq!(get.method(), "GET");
    assert_eq!(
        get.url(),
        format!(
            "{base}&X-Amz-Signature=c115a7e0b1ec461df2dd7ab1025c8ba698e84b5b0616a382d2dd8b9fa8c61b0e\
             &X-Amz-Security-Token=SESSIONTOKEN"
        )
    );
    let shown = format!("{presigned:?}");
    assert!(
        !shown.contains("SESSIONTOKEN") && !shown.contains("9bcb44a0"),
        "{shown}"
    );

    let presigned = sts
        .get_session_token()
        .duration_seconds(1200)
        .presigned(PresignConfig::expires_in(Duration::from_secs(60)).start_time(suite_time()))
        .await
        .unwrap();
    assert_eq!(
        presigned.url(),
        "https://sts.us-east-1.amazonaws.com/?Action=GetSessionToken&Version=2011-06-15\
         &DurationSeconds=1200&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request\
         &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=12d549548e1def99e0da76195f7b5daf7fa7ca8b30cea6006c0331645d42aca5\
         &X-Amz-Security-Token=SESSIONTOKEN"
    );
}

/// A JSON-protocol operation keeps its body and signed headers (unlike
/// botocore, which moves JSON members into the query, a request DynamoDB
/// does not accept): the caller sends method, URL, headers and body.
#[tokio::test]
async fn json_operation_keeps_its_body_and_signed_headers() {
    let dynamodb = boto_dynamodb::Client::new(&example_session("us-west-2", None));
    let presigned = dynamodb
        .list_tables()
        .limit(5)
        .presigned(PresignConfig::expires_in(Duration::from_secs(300)).start_time(suite_time()))
        .await
        .unwrap();
    assert_eq!(presigned.method(), "POST");
    assert_eq!(presigned.body().as_ref(), br#"{"Limit":5}"#);
    assert_eq!(
        presigned.headers()["x-amz-target"],
        "DynamoDB_20120810.ListTables"
    );
    let url = presigned.url();
    assert!(
        url.starts_with("https://dynamodb.us-west-2.amazonaws.com/?X-Amz-Algorithm="),
        "{url}"
    );
    assert!(
        url.contains("X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target"),
        "{url}"
    );
    assert!(!url.contains("Limit"), "{url}");

    // What a plain HTTP client sends with it.
    let server = TestServer::with_handler(|_| Reply::json_text(200, r#"{"TableNames": []}"#)).await;
    let local = url.replace("https://dynamodb.us-west-2.amazonaws.com", &server.url());
    let response = reqwest::Client::new()
        .request(presigned.method().clone(), local)
        .headers(presigned.headers().clone())
        .body(presigned.body().clone())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let seen = &server.requests()[0];
    assert_eq!(
        seen.header("x-amz-target"),
        Some("DynamoDB_20120810.ListTables")
    );
    assert_eq!(seen.text(), r#"{"Limit":5}"#);
    assert!(seen.header("authorization").is_none());
}

/// botocore 1.43.11's `generate_presigned_post` (signature_version s3v4, same
/// keys, token, time, fields and conditions): the same URL, fields, policy
/// bytes and signature.
#[tokio::test]
async fn s3_presigned_post_equals_botocores() {
    let s3 = boto_s3::Client::new(&example_session("us-east-1", Some("SESSIONTOKEN")));
    let post = s3
        .runtime()
        .presign_post(
            "examplebucket",
            "uploads/${filename}",
            PostPolicy {
                fields: vec![("acl".into(), "public-read".into())],
                conditions: vec![
                    serde_json::json!({"acl": "public-read"}),
                    serde_json::json!(["content-length-range", 10, 1024]),
                ],
                config: PresignConfig::expires_in(Duration::from_secs(600))
                    .start_time(suite_time()),
            },
        )
        .await
        .unwrap();
    assert_eq!(post.url, "https://examplebucket.s3.amazonaws.com/");
    let expected = [
        ("acl", "public-read"),
        ("key", "uploads/${filename}"),
        ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
        ("x-amz-credential", "AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request"),
        ("x-amz-date", "20150830T123600Z"),
        ("x-amz-security-token", "SESSIONTOKEN"),
        ("policy", "eyJleHBpcmF0aW9uIjogIjIwMTUtMDgtMzBUMTI6NDY6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJhY2wiOiAicHVibGljLXJlYWQifSwgWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsIDEwLCAxMDI0XSwgeyJidWNrZXQiOiAiZXhhbXBsZWJ1Y2tldCJ9LCBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXBsb2Fkcy8iXSwgeyJ4LWFtei1hbGdvcml0aG0iOiAiQVdTNC1ITUFDLVNIQTI1NiJ9LCB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJREVYQU1QTEUvMjAxNTA4MzAvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LCB7IngtYW16LWRhdGUiOiAiMjAxNTA4MzBUMTIzNjAwWiJ9LCB7IngtYW16LXNlY3VyaXR5LXRva2VuIjogIlNFU1NJT05UT0tFTiJ9XX0="),
        ("x-amz-signature", "a5ed989e6bda1214785edc35af963850d519c8e5960a0d789dfeb2368c30348a"),
    ];
    let got: Vec<(&str, &str)> = post
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, expected);
    let shown = format!("{post:?}");
    assert!(
        !shown.contains("SESSIONTOKEN") && !shown.contains("a5ed989e"),
        "{shown}"
    );
}

/// A browser-style multipart form upload with the presigned fields, to moto.
#[tokio::test]
async fn s3_presigned_post_form_upload_to_moto() {
    let s3 = boto_s3::Client::new(&MotoServer::shared().session());
    s3.create_bucket()
        .bucket("boto-rs-post")
        .send()
        .await
        .unwrap();
    let post = s3
        .runtime()
        .presign_post("boto-rs-post", "forms/${filename}", PostPolicy::default())
        .await
        .unwrap();
    let boundary = "boto-rs-form-boundary";
    let mut body = String::new();
    for (k, v) in &post.fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nposted by a form\r\n--{boundary}--\r\n"
    ));
    let response = reqwest::Client::new()
        .post(&post.url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let got = s3
        .get_object()
        .bucket("boto-rs-post")
        .key("forms/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.unwrap().collect().await.unwrap().as_ref(),
        b"posted by a form"
    );
}

/// botocore 1.43.11's `generate_db_auth_token` for the same keys, token and
/// time (signatures equal; the token parameter's place differs, see above).
#[tokio::test]
async fn rds_auth_tokens_equal_botocores() {
    let session = example_session("us-west-2", Some("SESSIONTOKEN"));
    let token = boto_runtime::presign::rds_auth_token(
        &session,
        "mydb.123456789012.us-west-2.rds.amazonaws.com",
        5432,
        "app_user",
        None,
        Some(suite_time()),
    )
    .await
    .unwrap();
    assert_eq!(
        token,
        "mydb.123456789012.us-west-2.rds.amazonaws.com:5432/?Action=connect&DBUser=app_user\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-west-2%2Frds-db%2Faws4_request\
         &X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=11f4f6ae866569dc00a72282e0185a1bb3adb1473438c26d399801b1afcc85a5\
         &X-Amz-Security-Token=SESSIONTOKEN"
    );
    let token = boto_runtime::presign::rds_auth_token(
        &session,
        "mydb.example.com",
        3306,
        "user name+x",
        Some("eu-west-1"),
        Some(suite_time()),
    )
    .await
    .unwrap();
    assert!(token.starts_with("mydb.example.com:3306/?Action=connect&DBUser=user%20name%2Bx&"));
    assert!(
        token.contains(
            "X-Amz-Signature=9d58bd395f7b886793049c6d8ebd858f91c8e03f625810782fc0c31a2eedbfe4"
        ),
        "{token}"
    );
}
