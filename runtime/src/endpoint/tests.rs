use super::*;
use crate::test_models::vendored;

fn resolver(name: &'static str, builtins: Builtins) -> Resolver {
    Resolver::new(vendored(name), &builtins, &[]).unwrap()
}

fn region(r: &str) -> Builtins {
    Builtins::default().with("AWS::Region", r)
}

fn resolve(r: &Resolver, op: &'static str) -> Result<Arc<Endpoint>, EndpointError> {
    let op = r.service.operation(op).unwrap();
    r.resolve(r.bind(op, None, None))
}

#[test]
fn regional_fips_dualstack_china_govcloud() {
    let r = resolver("sqs", region("eu-west-1"));
    let e = resolve(&r, "ListQueues").unwrap();
    assert_eq!(e.url, "https://sqs.eu-west-1.amazonaws.com");
    assert_eq!(e.signing_region(), "eu-west-1");
    assert_eq!(e.signing_name(), "sqs");
    let r = resolver(
        "sqs",
        region("us-east-1")
            .with("AWS::UseFIPS", true)
            .with("AWS::UseDualStack", true),
    );
    assert_eq!(
        resolve(&r, "ListQueues").unwrap().url,
        "https://sqs-fips.us-east-1.api.aws"
    );
    let r = resolver("kms", region("cn-north-1"));
    assert_eq!(
        resolve(&r, "ListKeys").unwrap().url,
        "https://kms.cn-north-1.amazonaws.com.cn"
    );
}

#[test]
fn global_services_sign_for_their_region() {
    let r = resolver("iam", region("eu-west-1"));
    let e = resolve(&r, "ListUsers").unwrap();
    assert_eq!(e.url, "https://iam.amazonaws.com");
    assert_eq!(e.signing_region(), "us-east-1");
    let r = resolver("iam", region("aws-global"));
    assert_eq!(
        resolve(&r, "ListUsers").unwrap().url,
        "https://iam.amazonaws.com"
    );
    let r = resolver("sts", region("eu-west-1"));
    assert_eq!(
        resolve(&r, "GetCallerIdentity").unwrap().url,
        "https://sts.eu-west-1.amazonaws.com"
    );
    let r = resolver(
        "sts",
        region("eu-west-1").with("AWS::STS::UseGlobalEndpoint", true),
    );
    let e = resolve(&r, "GetCallerIdentity").unwrap();
    assert_eq!(e.url, "https://sts.amazonaws.com");
    assert_eq!(e.signing_region(), "us-east-1");
}

#[test]
fn error_rules_are_typed() {
    let r = resolver(
        "sqs",
        region("us-east-1")
            .with("AWS::UseFIPS", true)
            .with("SDK::Endpoint", "https://example.com"),
    );
    match resolve(&r, "ListQueues").unwrap_err() {
        EndpointError::Rule { service, message } => {
            assert_eq!(service, "sqs");
            assert_eq!(
                message,
                "Invalid Configuration: FIPS and custom endpoint are not supported"
            );
        }
        other => panic!("{other:?}"),
    }
    let r = resolver("sqs", Builtins::default());
    assert!(matches!(
        resolve(&r, "ListQueues"),
        Err(EndpointError::NoRegion { .. })
    ));
}

#[test]
fn s3_buckets_from_input_and_cache_key() {
    use crate::dynamic::DynValue;
    let s3 = vendored("s3");
    let r = Resolver::new(s3, &region("us-west-2"), &[]).unwrap();
    let op = s3.operation("GetObject").unwrap();
    let input = |bucket: &str, key: &str| {
        DynValue::from_json(
            s3,
            op.input.unwrap(),
            &serde_json::json!({"Bucket": bucket, "Key": key}),
        )
        .unwrap()
    };
    let e = r
        .resolve(r.bind(op, Some(&input("my-bucket", "k")), None))
        .unwrap();
    assert_eq!(e.url, "https://my-bucket.s3.us-west-2.amazonaws.com");
    assert!(e.auth.disable_double_encoding);
    // A dotted name goes path-style.
    let e = r
        .resolve(r.bind(op, Some(&input("my.bucket", "k")), None))
        .unwrap();
    assert_eq!(e.url, "https://s3.us-west-2.amazonaws.com/my.bucket");
    // Keys are not in the cache key (botocore#3528): one entry for many keys.
    for i in 0..50 {
        r.resolve(r.bind(op, Some(&input("hot", &format!("key-{i}"))), None))
            .unwrap();
    }
    let cached = r.cache.read().unwrap().len();
    assert_eq!(cached, 3, "one entry per bucket, not per key");
    // An access point ARN.
    let e = r
        .resolve(r.bind(
            op,
            Some(&input(
                "arn:aws:s3:us-west-2:123456789012:accesspoint:myendpoint",
                "k",
            )),
            None,
        ))
        .unwrap();
    assert_eq!(
        e.url,
        "https://myendpoint-123456789012.s3-accesspoint.us-west-2.amazonaws.com"
    );
}

#[test]
fn dynamodb_account_endpoints() {
    let r = resolver(
        "dynamodb",
        region("us-east-1").with("AWS::Auth::AccountIdEndpointMode", "preferred"),
    );
    let op = r.service.operation("ListTables").unwrap();
    let e = r.resolve(r.bind(op, None, Some("111122223333"))).unwrap();
    assert_eq!(e.url, "https://111122223333.ddb.us-east-1.amazonaws.com");
    let e = r.resolve(r.bind(op, None, None)).unwrap();
    assert_eq!(e.url, "https://dynamodb.us-east-1.amazonaws.com");
}

#[test]
fn client_context_params_by_either_name() {
    let s3 = vendored("s3");
    for name in ["Accelerate", "accelerate"] {
        let r = Resolver::new(
            s3,
            &region("us-west-2"),
            &[(name.into(), Value::Bool(true))],
        )
        .unwrap();
        let op = s3.operation("ListObjectsV2").unwrap();
        let input = crate::dynamic::DynValue::from_json(
            s3,
            op.input.unwrap(),
            &serde_json::json!({"Bucket": "b-1"}),
        )
        .unwrap();
        let e = r.resolve(r.bind(op, Some(&input), None)).unwrap();
        assert_eq!(e.url, "https://b-1.s3-accelerate.amazonaws.com");
    }
    let err = Resolver::new(
        s3,
        &region("us-west-2"),
        &[("Nope".into(), Value::Bool(true))],
    )
    .unwrap_err();
    assert!(err.to_string().contains("ForcePathStyle"), "{err}");
}

#[test]
fn url_joining() {
    assert_eq!(join_url("https://h", "/", None), "https://h/");
    assert_eq!(join_url("https://h", "", None), "https://h/");
    assert_eq!(join_url("https://h/b", "", None), "https://h/b");
    assert_eq!(join_url("https://h/b", "/", None), "https://h/b/");
    assert_eq!(
        join_url("https://h/b", "?list-type=2", None),
        "https://h/b?list-type=2"
    );
    assert_eq!(join_url("https://h/b", "/k/x", None), "https://h/b/k/x");
    assert_eq!(join_url("https://h/b/", "/k", None), "https://h/b/k");
    assert_eq!(
        join_url(
            "https://glacier.us-east-1.amazonaws.com",
            "/-/vaults",
            Some("data-")
        ),
        "https://data-glacier.us-east-1.amazonaws.com/-/vaults"
    );
    assert_eq!(
        snake("DisableS3ExpressSessionAuth"),
        "disable_s3_express_session_auth"
    );
    assert_eq!(snake("UseArnRegion"), "use_arn_region");
    assert_eq!(snake("ForcePathStyle"), "force_path_style");
}

#[test]
fn local_hosts() {
    assert!(is_local_host("http://127.0.0.1:5000"));
    assert!(is_local_host("http://localhost:4566"));
    assert!(is_local_host("http://[::1]:4566"));
    assert!(!is_local_host("https://s3.amazonaws.com"));
}

#[test]
fn urls_with_control_characters_or_no_host_are_refused() {
    for region in ["us-east-1\t", "us-east-1\n"] {
        let r = resolver("ec2", region_builtins(region));
        assert!(
            matches!(
                resolve(&r, "DescribeInstances"),
                Err(EndpointError::InvalidUrl { .. })
            ),
            "{region:?}"
        );
    }
    // A custom endpoint without a host is not a URI for the S3 rules.
    let r = resolver(
        "s3",
        region("us-east-1").with("SDK::Endpoint", "https:/example.com"),
    );
    let op = r.service.operation("GetObject").unwrap();
    let input = crate::dynamic::DynValue::from_json(
        r.service,
        op.input.unwrap(),
        &serde_json::json!({"Bucket": "bucket", "Key": "k"}),
    )
    .unwrap();
    let e = r.resolve(r.bind(op, Some(&input), None)).unwrap_err();
    assert!(e.to_string().contains("was not a valid URI"), "{e}");
}

fn region_builtins(r: &str) -> Builtins {
    region(r)
}
