//! Each customization changes what goes on the wire or what the caller gets
//! back; each test here fails without it. Schemas are the vendored models,
//! lowered as the dynamic path lowers them.

use base64::Engine;
use serde_json::json;

use super::*;
use crate::protocol::{codec, HttpResponse};

fn service(name: &'static str) -> &'static Service {
    crate::test_models::vendored(name)
}

fn env() -> Env {
    Env::from_vars([("HOME", "/nonexistent")])
}

fn request_with(
    svc: &'static str,
    op: &str,
    params: serde_json::Value,
    env: &Env,
) -> Result<(HttpRequest, Vec<&'static str>), SerializeError> {
    let s = service(svc);
    let operation = s.operation(op).unwrap();
    let input = DynValue::from_json(s, operation.input.unwrap(), &params).unwrap();
    let mut call = Call::new(s, operation, env);
    let token = || "token".to_owned();
    let options = SerializeOptions {
        idempotency_token: &token,
    };
    let req = serialize_request(
        codec(s.metadata.protocol),
        &mut call,
        Some(&input),
        &options,
    )?;
    Ok((req, call.notes))
}

fn request(svc: &'static str, op: &str, params: serde_json::Value) -> HttpRequest {
    request_with(svc, op, params, &env()).unwrap().0
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Parses `response` as the client does for an operation with an output customization.
fn parsed(
    svc: &'static str,
    op: &str,
    response: HttpResponse,
    notes: &[&'static str],
) -> serde_json::Value {
    let s = service(svc);
    let operation = s.operation(op).unwrap();
    let custom = for_service(svc);
    assert!(custom.changes_output(s, operation, &response), "{svc}.{op}");
    let env = env();
    let mut call = Call::new(s, operation, &env);
    for n in notes {
        call.note(n);
    }
    let mut out = DynValue::Empty;
    codec(s.metadata.protocol)
        .deserialize(s, operation, &response, &mut out)
        .unwrap();
    custom.after_parse(&call, &mut out, &response).unwrap();
    let out = out.to_json(s, operation.output.unwrap());
    // Where the change can be made as the body is read, it is the same.
    if let Some(decode) = custom.decode_output(&call, &response) {
        let mut typed = DynValue::Empty;
        codec(s.metadata.protocol)
            .deserialize_decoding(s, operation, &response, &mut typed, &decode)
            .expect("the codec decodes as it reads")
            .unwrap();
        assert_eq!(typed.to_json(s, operation.output.unwrap()), out);
    }
    out
}

/// Whether the output of `op` can be decoded as it is read.
fn decodes_as_read(op: &str, body: &str, notes: &[&'static str]) -> bool {
    let s = service("s3");
    let env = env();
    let mut call = Call::new(s, s.operation(op).unwrap(), &env);
    for n in notes {
        call.note(n);
    }
    for_service("s3").decode_output(&call, &xml(body)).is_some()
}

fn xml(body: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Default::default(),
        body: bytes::Bytes::copy_from_slice(body.as_bytes()),
    }
}

#[test]
fn route53_ids_from_outputs_are_accepted() {
    let req = request(
        "route53",
        "GetHostedZone",
        json!({"Id": "/hostedzone/Z123"}),
    );
    assert_eq!(req.uri, "/2013-04-01/hostedzone/Z123");
    let req = request("route53", "GetChange", json!({"Id": "/change/C9"}));
    assert_eq!(req.uri, "/2013-04-01/change/C9");
    let req = request("route53", "GetHostedZone", json!({"Id": "Z123"}));
    assert_eq!(req.uri, "/2013-04-01/hostedzone/Z123");
}

#[test]
fn s3_sse_customer_key_is_base64_with_its_md5() {
    let key = "0123456789abcdef0123456789abcdef";
    let req = request(
        "s3",
        "PutObject",
        json!({"Bucket": "b", "Key": "k", "SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}),
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(
        header(&req, "x-amz-server-side-encryption-customer-key"),
        Some(b64.encode(key).as_str())
    );
    let md5 = b64.encode(<md5::Md5 as md5::Digest>::digest(key.as_bytes()));
    assert_eq!(
        header(&req, "x-amz-server-side-encryption-customer-key-md5"),
        Some(md5.as_str())
    );
    // The caller's own MD5 means the key is already encoded: nothing changes.
    let req = request(
        "s3",
        "GetObject",
        json!({"Bucket": "b", "Key": "k", "SSECustomerKey": "abc", "SSECustomerKeyMD5": "m"}),
    );
    assert_eq!(
        header(&req, "x-amz-server-side-encryption-customer-key"),
        Some("abc")
    );
    let req = request(
        "s3",
        "CopyObject",
        json!({"Bucket": "b", "Key": "k", "CopySource": "s/k", "CopySourceSSECustomerKey": key}),
    );
    assert_eq!(
        header(
            &req,
            "x-amz-copy-source-server-side-encryption-customer-key-md5"
        ),
        Some(md5.as_str())
    );
}

#[test]
fn s3_copy_source_is_percent_encoded_but_its_version_id_kept() {
    let req = request(
        "s3",
        "CopyObject",
        json!({"Bucket": "b", "Key": "k", "CopySource": "src/my key+100%é?versionId=a+b/c"}),
    );
    assert_eq!(
        header(&req, "x-amz-copy-source"),
        Some("src/my%20key%2B100%25%C3%A9?versionId=a+b/c")
    );
    assert_eq!(
        quote_copy_source_for_test("b/k?versionId= x"),
        "b/k%3FversionId%3D%20x"
    );
}

fn quote_copy_source_for_test(s: &str) -> String {
    s3::quote_copy_source(s)
}

#[test]
fn s3_bucket_names_are_validated_before_sending() {
    let err = request_with("s3", "HeadBucket", json!({"Bucket": "a/b"}), &env()).unwrap_err();
    assert_eq!(err.member, "Bucket");
    assert_eq!(err.operation, "HeadBucket");
    assert!(err.message.contains("invalid bucket name"), "{err}");
    for ok in [
        "my-bucket",
        "My_Bucket.1",
        "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap",
        "arn:aws-cn:s3-object-lambda:cn-north-1:123456789012:accesspoint:ap.1",
        "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01/accesspoint/ap",
    ] {
        assert!(s3::validate_bucket_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "a b",
        "arn:aws:s3:us-west-2:12345:accesspoint/x",
        "arn:aws:iam::123456789012:user/x",
    ] {
        assert!(s3::validate_bucket_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn s3_metadata_must_be_ascii() {
    let err = request_with(
        "s3",
        "PutObject",
        json!({"Bucket": "b", "Key": "k", "Metadata": {"k": "vé"}}),
        &env(),
    )
    .unwrap_err();
    assert_eq!(err.member, "Metadata");
}

#[test]
fn s3_listings_ask_for_url_encoding_and_decode_keys() {
    let (req, notes) = request_with("s3", "ListObjectsV2", json!({"Bucket": "b"}), &env()).unwrap();
    assert!(req.uri.contains("encoding-type=url"), "{}", req.uri);
    let body = r#"<ListBucketResult><Name>b</Name><Prefix>a%20b</Prefix><EncodingType>url</EncodingType>
        <Contents><Key>a%20b/c%0Ad</Key></Contents><Contents><Key>plain</Key></Contents>
        <CommonPrefixes><Prefix>a%2Bb/</Prefix></CommonPrefixes></ListBucketResult>"#;
    let out = parsed("s3", "ListObjectsV2", xml(body), &notes);
    assert_eq!(out["Prefix"], "a b");
    assert_eq!(out["Contents"][0]["Key"], "a b/c\nd");
    assert_eq!(out["Contents"][1]["Key"], "plain");
    assert_eq!(out["CommonPrefixes"][0]["Prefix"], "a+b/");
    // Asked for by the caller: returned as S3 sent it, as botocore does.
    let (req, notes) = request_with(
        "s3",
        "ListObjects",
        json!({"Bucket": "b", "EncodingType": "url"}),
        &env(),
    )
    .unwrap();
    assert!(req.uri.contains("encoding-type=url"));
    let body = r#"<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%20b</Key></Contents></ListBucketResult>"#;
    let out = parsed("s3", "ListObjects", xml(body), &notes);
    assert_eq!(out["Contents"][0]["Key"], "a%20b");
    let (_, notes) =
        request_with("s3", "ListObjectVersions", json!({"Bucket": "b"}), &env()).unwrap();
    let body = r#"<ListVersionsResult><EncodingType>url</EncodingType><KeyMarker>k%25</KeyMarker>
        <Version><Key>v%201</Key></Version><DeleteMarker><Key>d%20m</Key></DeleteMarker></ListVersionsResult>"#;
    let out = parsed("s3", "ListObjectVersions", xml(body), &notes);
    assert_eq!(out["KeyMarker"], "k%");
    assert_eq!(out["Versions"][0]["Key"], "v 1");
    assert_eq!(out["DeleteMarkers"][0]["Key"], "d m");
    // The typed path reads S3's own forms; any other takes the untyped one.
    let (_, notes) = request_with("s3", "ListObjectsV2", json!({"Bucket": "b"}), &env()).unwrap();
    assert!(decodes_as_read(
        "ListObjectsV2",
        "<ListBucketResult/>",
        &notes
    ));
    assert!(decodes_as_read("ListObjectsV2", body, &notes));
    let prefixed = r#"<ListBucketResult xmlns:s="x"><s:EncodingType>url</s:EncodingType>
        <Contents><Key>a%20b</Key></Contents></ListBucketResult>"#;
    assert!(!decodes_as_read("ListObjectsV2", prefixed, &notes));
    let out = parsed("s3", "ListObjectsV2", xml(prefixed), &notes);
    assert_eq!(out["Contents"][0]["Key"], "a b");
    assert!(!decodes_as_read("GetObject", body, &notes));
}

#[test]
fn s3_expires_header_is_kept_as_text_and_parsed_when_it_can_be() {
    let s = service("s3");
    let out_shape = s.shape(s.operation("HeadObject").unwrap().output.unwrap());
    assert!(out_shape
        .structure()
        .unwrap()
        .member_index("ExpiresString")
        .is_some());
    let mut response = xml("");
    response
        .headers
        .insert("expires", "Thu, 01 Dec 1994 16:00:00 GMT".parse().unwrap());
    let out = parsed("s3", "HeadObject", response, &[]);
    assert_eq!(out["ExpiresString"], "Thu, 01 Dec 1994 16:00:00 GMT");
    assert_eq!(out["Expires"], 786297600);
    let mut response = xml("");
    response.headers.insert("expires", "never".parse().unwrap());
    let out = parsed("s3", "HeadObject", response, &[]);
    assert_eq!(out["ExpiresString"], "never");
    assert!(out.get("Expires").is_none(), "{out}");
}

#[test]
fn s3_errors_in_200_bodies_and_truncated_bodies_are_retryable_errors() {
    let s = service("s3");
    let env = env();
    let check = |op: &str, body: &str| {
        let call = Call::new(s, s.operation(op).unwrap(), &env);
        S3Hooks.is_error(&call, &xml(body))
    };
    let error = "<Error><Code>InternalError</Code><Message>m</Message></Error>";
    assert_eq!(check("CopyObject", error), Some(true));
    assert_eq!(
        check(
            "CompleteMultipartUpload",
            "<CompleteMultipartUploadResult><Loc"
        ),
        Some(true)
    );
    let done = "<CopyObjectResult><ETag>e</ETag></CopyObjectResult>\n";
    assert_eq!(check("CopyObject", done), Some(false));
    // A raw payload is the object itself, whatever it holds.
    assert_eq!(check("GetObject", error), None);
    let call = Call::new(s, s.operation("CopyObject").unwrap(), &env);
    let mut info = ErrorInfo {
        status: 200,
        ..Default::default()
    };
    S3Hooks.error_info(&call, &mut info, &xml(error));
    assert_eq!(info.status, 500);
    // Other rest-xml services do not get S3's rule.
    assert_eq!(
        for_service("route53").is_error(
            &Call::new(
                service("route53"),
                service("route53").operation("GetChange").unwrap(),
                &env
            ),
            &xml(error)
        ),
        None
    );
}

use s3::S3 as S3Hooks;

#[test]
fn glacier_account_id_version_header_and_tree_hash() {
    let req = request("glacier", "ListVaults", json!({}));
    assert_eq!(req.uri, "/-/vaults");
    assert_eq!(header(&req, "x-amz-glacier-version"), Some("2012-06-01"));
    let body = vec![7u8; 3 * 1024 * 1024 + 5];
    let req = request(
        "glacier",
        "UploadArchive",
        json!({"vaultName": "v", "body": String::from_utf8(body.clone()).unwrap()}),
    );
    let expected = glacier::tree_hash(&body);
    assert_eq!(
        header(&req, "x-amz-sha256-tree-hash"),
        Some(expected.as_str())
    );
    // The tree of 4 chunks: hash(hash(c0,c1), hash(c2,c3)).
    use sha2::{Digest, Sha256};
    let leaf = |c: &[u8]| Sha256::digest(c).to_vec();
    let node = |a: &[u8], b: &[u8]| {
        let mut h = Sha256::new();
        h.update(a);
        h.update(b);
        h.finalize().to_vec()
    };
    let mib = 1024 * 1024;
    let l: Vec<_> = body.chunks(mib).map(leaf).collect();
    let root = node(&node(&l[0], &l[1]), &node(&l[2], &l[3]));
    let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(expected, hex);
    // Under one chunk it is the plain SHA-256.
    let small: String = Sha256::digest(b"abc")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(glacier::tree_hash(b"abc"), small);
}

#[test]
fn ec2_user_data_is_sent_base64_and_console_output_comes_back_decoded() {
    let req = request(
        "ec2",
        "RunInstances",
        json!({"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1, "UserData": "#!/bin/sh\necho hi"}),
    );
    let body = String::from_utf8(req.body.to_vec()).unwrap();
    assert!(
        body.contains("UserData=IyEvYmluL3NoCmVjaG8gaGk%3D"),
        "{body}"
    );
    let out = parsed(
        "ec2",
        "GetConsoleOutput",
        xml("<GetConsoleOutputResponse><instanceId>i-1</instanceId><output>aGVsbG8K\n</output></GetConsoleOutputResponse>"),
        &[],
    );
    assert_eq!(out["Output"], "hello\n");
}

#[test]
fn iam_policy_documents_come_back_url_decoded() {
    let s = service("iam");
    let iam = for_service("iam");
    let any = xml("");
    assert!(iam.changes_output(s, s.operation("GetRolePolicy").unwrap(), &any));
    assert!(!iam.changes_output(s, s.operation("ListUsers").unwrap(), &any));
    // GetObject takes the slower path only with an `Expires` header.
    let get = service("s3").operation("GetObject").unwrap();
    assert!(!for_service("s3").changes_output(service("s3"), get, &any));
    let doc = "%7B%22Version%22%3A%222012-10-17%22%7D";
    let body = format!(
        "<GetRolePolicyResponse><GetRolePolicyResult><RoleName>r</RoleName><PolicyName>p</PolicyName>\
         <PolicyDocument>{doc}</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>"
    );
    let out = parsed("iam", "GetRolePolicy", xml(&body), &[]);
    assert_eq!(out["PolicyDocument"], r#"{"Version":"2012-10-17"}"#);
    // Nested, in lists: GetAccountAuthorizationDetails' role policies.
    let body = format!(
        "<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><RoleDetailList><member>\
         <AssumeRolePolicyDocument>{doc}</AssumeRolePolicyDocument></member></RoleDetailList>\
         </GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>"
    );
    let out = parsed("iam", "GetAccountAuthorizationDetails", xml(&body), &[]);
    assert_eq!(
        out["RoleDetailList"][0]["AssumeRolePolicyDocument"],
        r#"{"Version":"2012-10-17"}"#
    );
    // Not JSON once decoded: kept as sent.
    let body = "<GetRolePolicyResponse><GetRolePolicyResult><PolicyDocument>50%25</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>";
    let out = parsed("iam", "GetRolePolicy", xml(body), &[]);
    assert_eq!(out["PolicyDocument"], "50%25");
}

#[test]
fn lambda_trace_id_is_sent_for_recursion_detection() {
    let lambda = Env::from_vars([
        ("AWS_LAMBDA_FUNCTION_NAME", "f"),
        ("_X_AMZN_TRACE_ID", "Root=1-5;Parent=2;Sampled=1 é"),
    ]);
    let (req, _) = request_with("sts", "GetCallerIdentity", json!({}), &lambda).unwrap();
    assert_eq!(
        header(&req, "x-amzn-trace-id"),
        Some("Root=1-5;Parent=2;Sampled=1%20%C3%A9")
    );
    let (req, _) = request_with("sts", "GetCallerIdentity", json!({}), &env()).unwrap();
    assert_eq!(header(&req, "x-amzn-trace-id"), None);
}

#[test]
fn every_registered_name_is_unique() {
    let mut names: Vec<_> = REGISTRY.iter().map(|(n, _)| *n).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), REGISTRY.len());
}

#[test]
fn sqs_query_error_codes_still_find_the_modeled_error() {
    let s = service("sqs");
    let op = s.operation("GetQueueUrl").unwrap();
    let mut response = xml(r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"nope"}"#);
    response.status = 400;
    response.headers.insert(
        "x-amzn-query-error",
        "AWS.SimpleQueueService.NonExistentQueue;Sender"
            .parse()
            .unwrap(),
    );
    let info = codec(s.metadata.protocol).error_info(s, &response);
    assert_eq!(info.code, "AWS.SimpleQueueService.NonExistentQueue");
    let i = crate::protocol::find_error_for(s, op, &info).expect("modeled error");
    assert_eq!(s.shape(op.errors[i]).name, "QueueDoesNotExist");
    assert_eq!(crate::protocol::find_error(s, op, &info.code), None);
}

/// What botocore's serializers send, where the shared suites are silent.
#[test]
fn wire_details_match_botocore() {
    // A blob payload goes without a Content-Type: S3 applies its default.
    let req = request(
        "s3",
        "PutObject",
        json!({"Bucket": "b", "Key": "k", "Body": "x"}),
    );
    assert_eq!(header(&req, "content-type"), None);
    // Query bodies name their charset.
    let req = request("iam", "ListUsers", json!({}));
    assert_eq!(
        header(&req, "content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    // Header lists are joined by a bare comma; header timestamps are whole seconds.
    let req = request(
        "s3",
        "GetObjectAttributes",
        json!({"Bucket": "b", "Key": "k", "ObjectAttributes": ["ETag", "Checksum"]}),
    );
    assert_eq!(
        header(&req, "x-amz-object-attributes"),
        Some("ETag,Checksum")
    );
    let req = request(
        "s3",
        "PutObject",
        json!({"Bucket": "b", "Key": "k", "ObjectLockRetainUntilDate": 1577836800.123456}),
    );
    assert_eq!(
        header(&req, "x-amz-object-lock-retain-until-date"),
        Some("2020-01-01T00:00:00Z")
    );
    // Body timestamps: ISO 8601 with microseconds, epoch seconds whole.
    let t = crate::time::DateTime::from_secs_and_nanos(1577836800, 123_000_999);
    assert_eq!(
        t.format(crate::schema::TimestampFormat::Iso8601),
        "2020-01-01T00:00:00.123000Z"
    );
    assert_eq!(
        t.format(crate::schema::TimestampFormat::UnixTimestamp),
        "1577836800"
    );
}

fn botocore_service(name: &'static str) -> &'static Service {
    crate::test_models::botocore(name)
}

fn botocore_request(svc: &'static str, op: &str, params: serde_json::Value) -> HttpRequest {
    let s = botocore_service(svc);
    let operation = s.operation(op).unwrap();
    let input = DynValue::from_json(s, operation.input.unwrap(), &params).unwrap();
    let env = env();
    let mut call = Call::new(s, operation, &env);
    let token = || "token".to_owned();
    let options = SerializeOptions {
        idempotency_token: &token,
    };
    serialize_request(
        codec(s.metadata.protocol),
        &mut call,
        Some(&input),
        &options,
    )
    .unwrap()
}

#[test]
fn handlers_of_services_not_vendored() {
    let req = botocore_request("apigateway", "GetRestApis", json!({}));
    assert_eq!(header(&req, "accept"), Some("application/json"));

    let req = botocore_request(
        "autoscaling",
        "CreateLaunchConfiguration",
        json!({"LaunchConfigurationName": "lc", "UserData": "hi"}),
    );
    let body = String::from_utf8(req.body.to_vec()).unwrap();
    assert!(body.contains("UserData=aGk%3D"), "{body}");

    let req = botocore_request("cloudsearchdomain", "Search", json!({"query": "a b"}));
    assert_eq!(req.method, http::Method::POST);
    assert!(!req.uri.contains('?'), "{}", req.uri);
    let body = String::from_utf8(req.body.to_vec()).unwrap();
    assert!(body.contains("q=a%20b"), "{body}");
    assert_eq!(
        header(&req, "content-type"),
        Some("application/x-www-form-urlencoded")
    );

    let s = botocore_service("sso-oidc");
    let env = env();
    let call = Call::new(s, s.operation("CreateToken").unwrap(), &env);
    let mut response = xml(r#"{"error":"invalid_grant","error_description":"token expired"}"#);
    response.status = 400;
    let mut info = codec(s.metadata.protocol).error_info(s, &response);
    for_service("sso-oidc").error_info(&call, &mut info, &response);
    assert_eq!(info.message.as_deref(), Some("token expired"));
}

#[test]
fn machinelearning_predict_goes_to_its_predict_endpoint() {
    use crate::endpoint::{Builtins, Resolver};
    let s = botocore_service("machinelearning");
    let resolver = Resolver::new(
        s,
        &Builtins::default().with("AWS::Region", "us-east-1"),
        &[],
    )
    .unwrap();
    let env = env();
    let predict = s.operation("Predict").unwrap();
    let input = DynValue::from_json(
        s,
        predict.input.unwrap(),
        &json!({"MLModelId": "m", "Record": {}, "PredictEndpoint": "https://realtime.example.com:8443"}),
    )
    .unwrap();
    let call = Call::new(s, predict, &env);
    let e = resolve_endpoint(&call, &resolver, Some(&input), None).unwrap();
    assert_eq!(e.url, "https://realtime.example.com:8443");
    // Other operations keep the resolved endpoint.
    let other = s.operation("DescribeMLModels").unwrap();
    let call = Call::new(s, other, &env);
    let e = resolve_endpoint(&call, &resolver, None, None).unwrap();
    assert_eq!(e.url, "https://machinelearning.us-east-1.amazonaws.com");
}
