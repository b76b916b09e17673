//! Paginators against moto: IAM, S3 (ListObjects v1 and v2) and DynamoDB
//! scans, with page sizes, `max_items`, resume tokens, `build_full_result`,
//! and tokens exchanged with boto3 in both directions.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use base64::Engine;
use boto_runtime::paginator::{StreamExt, TryStreamExt};
use boto_runtime::{Bytes, Session};
use boto_tests::moto::MotoServer;
use futures_util::stream;

/// A loopback proxy to moto that drops `<NextMarker>` from responses, as S3
/// itself does for ListObjects without a delimiter (moto always sends it), so
/// the `NextMarker || Contents[-1].Key` fallback is what continues the listing.
fn next_marker_stripper() -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || -> std::io::Result<()> {
                let mut reader = BufReader::new(conn.try_clone()?);
                let mut writer = conn;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let mut parts = line.split_whitespace();
                    let (method, path) = (
                        parts.next().unwrap_or("GET").to_owned(),
                        parts.next().unwrap_or("/").to_owned(),
                    );
                    let (mut headers, mut length) = (Vec::new(), 0);
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h)?;
                        let Some((k, v)) = h.trim_end().split_once(':') else {
                            break;
                        };
                        let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
                        match k.to_ascii_lowercase().as_str() {
                            "content-length" => length = v.parse().unwrap_or(0),
                            "host" | "connection" => {}
                            _ => headers.push((k, v)),
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body)?;
                    let headers: Vec<(&str, &str)> = headers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let response = MotoServer::shared()
                        .request_with_headers(&method, &path, &body, &headers)?;
                    let mut text = String::from_utf8_lossy(&response.body).into_owned();
                    if let (Some(start), Some(end)) =
                        (text.find("<NextMarker>"), text.find("</NextMarker>"))
                    {
                        text.replace_range(start..end + "</NextMarker>".len(), "");
                    }
                    let head = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
                        response.status,
                        text.len()
                    );
                    writer.write_all(head.as_bytes())?;
                    writer.write_all(text.as_bytes())?;
                }
            });
        }
    });
    endpoint
}

fn session() -> Session {
    MotoServer::shared().session()
}

/// Runs `futures` at most 32 at a time, failing on the first error.
async fn all<F, T, E>(futures: impl IntoIterator<Item = F>)
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    let results: Vec<Result<T, E>> = stream::iter(futures).buffer_unordered(32).collect().await;
    for r in results {
        r.expect("setup call");
    }
}

/// boto3's paginator for the same listing: its resume token and the values
/// of `search` over the pages it yields.
fn boto3(
    service: &str,
    op: &str,
    params: serde_json::Value,
    config: serde_json::Value,
    search: &str,
) -> (Option<String>, Vec<serde_json::Value>) {
    const SCRIPT: &str = r#"
import boto3, json, sys
endpoint, service, op, params, config, search = sys.argv[1:7]
client = boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
pages = client.get_paginator(op).paginate(**json.loads(params), PaginationConfig=json.loads(config))
found = list(pages.search(search))
print(json.dumps({"token": pages.resume_token, "found": found}, default=str))
"#;
    let out = Command::new(std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into()))
        .args(["-c", SCRIPT, &MotoServer::shared().endpoint(), service, op])
        .arg(params.to_string())
        .arg(config.to_string())
        .arg(search)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("boto3 output is JSON");
    let token = v["token"].as_str().map(str::to_owned);
    (token, v["found"].as_array().cloned().unwrap_or_default())
}

fn decode(token: &str) -> serde_json::Value {
    let text = base64::engine::general_purpose::STANDARD
        .decode(token)
        .expect("base64 token");
    serde_json::from_slice(&text).expect("JSON token")
}

fn strings(values: Vec<serde_json::Value>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn iam_list_users_250_with_page_size_max_items_and_resume() {
    const PATH: &str = "/paginate-users/";
    let iam = boto_iam::Client::new(&session());
    all((0..250).map(|i| {
        iam.create_user()
            .user_name(format!("pag-user-{i:03}"))
            .path(PATH)
            .send()
    }))
    .await;
    let listing = || {
        iam.list_users()
            .path_prefix(PATH)
            .into_paginator()
            .page_size(7)
    };

    // Every user, in the service's order (moto answers ListUsers in one page
    // whatever MaxItems says; list_roles below pages server-side).
    let names: Vec<String> = listing()
        .items()
        .map_ok(|u| u.user_name.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names.len(), 250);
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 250);

    // max_items stops mid-page; the resume token picks up exactly there.
    let mut first = listing().max_items(100).items();
    let mut head = Vec::new();
    while let Some(user) = first.next().await {
        head.push(user.unwrap().user_name.unwrap());
    }
    let token = first.resume_token().expect("a resume token").to_owned();
    assert_eq!(
        decode(&token),
        serde_json::json!({"Marker": null, "boto_truncate_amount": 100})
    );
    let tail: Vec<String> = listing()
        .starting_token(&token)
        .items()
        .map_ok(|u| u.user_name.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!([head, tail].concat(), names);

    // boto3 makes the same token for the same stop, and its token resumes here.
    let (boto3_token, boto3_names) = boto3(
        "iam",
        "list_users",
        serde_json::json!({"PathPrefix": PATH}),
        serde_json::json!({"PageSize": 7, "MaxItems": 10}),
        "Users[].UserName",
    );
    let boto3_token = boto3_token.expect("boto3 resume token");
    assert_eq!(strings(boto3_names), names[..10]);
    let mut ours = listing().max_items(10).send();
    while ours.try_next().await.unwrap().is_some() {}
    assert_eq!(ours.resume_token(), Some(boto3_token.as_str()));
    let rest: Vec<String> = listing()
        .starting_token(&boto3_token)
        .items()
        .map_ok(|u| u.user_name.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, names[10..]);

    // build_full_result: the users so far, and the token in `Marker`.
    let full = listing().max_items(30).build_full_result().await.unwrap();
    assert_eq!(full.users.unwrap().len(), 30);
    assert_eq!(
        decode(full.marker.as_deref().expect("resume token in Marker")),
        serde_json::json!({"Marker": null, "boto_truncate_amount": 30})
    );
}

#[tokio::test]
async fn iam_list_roles_250_pages_server_side() {
    const PATH: &str = "/paginate-roles/";
    let iam = boto_iam::Client::new(&session());
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    all((0..250).map(|i| {
        iam.create_role()
            .role_name(format!("pag-role-{i:03}"))
            .path(PATH)
            .assume_role_policy_document(policy)
            .send()
    }))
    .await;
    let listing = || {
        iam.list_roles()
            .path_prefix(PATH)
            .into_paginator()
            .page_size(7)
    };

    let pages: Vec<_> = listing().send().try_collect().await.unwrap();
    assert_eq!(pages.len(), 36, "250 roles, 7 per page");
    assert!(pages.iter().all(|p| p.roles.as_ref().unwrap().len() <= 7));
    let names: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.roles.unwrap())
        .map(|r| r.role_name.unwrap())
        .collect();
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 250);

    // Ten items: one page and three of the next, resumed at the second page.
    let mut head = listing().max_items(10).items();
    let mut first = Vec::new();
    while let Some(role) = head.try_next().await.unwrap() {
        first.push(role.role_name.unwrap());
    }
    let token = head.resume_token().unwrap().to_owned();
    assert_eq!(
        decode(&token),
        serde_json::json!({"Marker": "7", "boto_truncate_amount": 3})
    );
    assert_eq!(first, names[..10]);

    // Same token as boto3's; each side resumes the other's.
    let (boto3_token, _) = boto3(
        "iam",
        "list_roles",
        serde_json::json!({"PathPrefix": PATH}),
        serde_json::json!({"PageSize": 7, "MaxItems": 10}),
        "Roles[].RoleName",
    );
    assert_eq!(boto3_token.as_deref(), Some(token.as_str()));
    let (_, boto3_rest) = boto3(
        "iam",
        "list_roles",
        serde_json::json!({"PathPrefix": PATH}),
        serde_json::json!({"PageSize": 7, "StartingToken": token}),
        "Roles[].RoleName",
    );
    assert_eq!(strings(boto3_rest), names[10..]);
    let rest: Vec<String> = listing()
        .starting_token(boto3_token.unwrap())
        .items()
        .map_ok(|r| r.role_name.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, names[10..]);
}

#[tokio::test]
async fn s3_list_objects_v1_and_v2_over_2500_keys() {
    const BUCKET: &str = "boto-rs-paginate";
    let s3 = boto_s3::Client::new(&session());
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    all((0..2500).map(|i| {
        s3.put_object()
            .bucket(BUCKET)
            .key(format!("key-{i:05}"))
            .body(Bytes::from_static(b"x"))
            .send()
    }))
    .await;
    let expected: Vec<String> = (0..2500).map(|i| format!("key-{i:05}")).collect();

    // v1 without a delimiter: S3 sends no NextMarker, so the token is the last key.
    let stripped = Session::builder()
        .region("us-east-1")
        .credentials(boto_runtime::Credentials::new("testing", "testing", None))
        .endpoint_url(next_marker_stripper())
        .build()
        .unwrap();
    let s3_v1 = boto_s3::Client::new(&stripped);
    let pages: Vec<_> = s3_v1
        .list_objects()
        .bucket(BUCKET)
        .into_paginator()
        .page_size(1000)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert!(
        pages.iter().all(|p| p.next_marker.is_none()),
        "the fallback is what is tested"
    );
    // The second page starts after the first page's last key.
    let second = pages[1].contents.as_ref().unwrap();
    assert_eq!(second[0].key.as_deref(), Some("key-01000"));
    let keys: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.contents.unwrap_or_default())
        .map(|o| o.key.unwrap())
        .collect();
    assert_eq!(keys, expected);

    // Stopping mid-page and resuming, with the fallback token.
    let mut head = s3_v1
        .list_objects()
        .bucket(BUCKET)
        .into_paginator()
        .page_size(1000)
        .max_items(1234)
        .items();
    let mut count = 0;
    while head.try_next().await.unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 1234);
    let token = head.resume_token().unwrap().to_owned();
    assert_eq!(
        decode(&token),
        serde_json::json!({"Marker": "key-00999", "boto_truncate_amount": 234})
    );
    let rest: Vec<String> = s3_v1
        .list_objects()
        .bucket(BUCKET)
        .into_paginator()
        .page_size(1000)
        .starting_token(token)
        .items()
        .map_ok(|o| o.key.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, expected[1234..]);

    // v2: continuation tokens; build_full_result merges the pages.
    let pages: Vec<_> = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .into_paginator()
        .page_size(1000)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert!(pages[0].next_continuation_token.is_some());
    let full = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("key-")
        .into_paginator()
        .page_size(1000)
        .build_full_result()
        .await
        .unwrap();
    let keys: Vec<String> = full
        .contents
        .unwrap()
        .into_iter()
        .map(|o| o.key.unwrap())
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(full.prefix.as_deref(), Some("key-"), "a non-aggregate key");
    assert_eq!(
        full.key_count, None,
        "not a result key: absent, as in botocore"
    );
}

#[tokio::test]
async fn dynamodb_scan_with_structured_tokens() {
    use boto_dynamodb::types::{
        AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
        ScalarAttributeType,
    };
    const TABLE: &str = "boto-rs-paginate-scan";
    let ddb = boto_dynamodb::Client::new(&session());
    ddb.create_table()
        .table_name(TABLE)
        .attribute_definitions(vec![AttributeDefinition {
            attribute_name: Some("pk".into()),
            attribute_type: Some(ScalarAttributeType::from("S")),
        }])
        .key_schema(vec![KeySchemaElement {
            attribute_name: Some("pk".into()),
            key_type: Some(KeyType::from("HASH")),
        }])
        .billing_mode(BillingMode::from("PAY_PER_REQUEST"))
        .send()
        .await
        .unwrap();
    let s = |v: String| AttributeValue {
        s: Some(v),
        ..Default::default()
    };
    all((0..100).map(|i| {
        ddb.put_item()
            .table_name(TABLE)
            .item(BTreeMap::from([(
                "pk".to_owned(),
                s(format!("item-{i:03}")),
            )]))
            .send()
    }))
    .await;
    let scan = || ddb.scan().table_name(TABLE).into_paginator().page_size(7);
    let pk = |item: BTreeMap<String, AttributeValue>| item["pk"].s.clone().unwrap();

    let pages: Vec<_> = scan().send().try_collect().await.unwrap();
    assert!(pages.len() >= 15, "{} pages of at most 7", pages.len());
    assert!(pages[0]
        .last_evaluated_key
        .as_ref()
        .is_some_and(|k| k.contains_key("pk")));
    let all_keys: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.items.unwrap_or_default())
        .map(pk)
        .collect();
    assert_eq!(all_keys.iter().collect::<BTreeSet<_>>().len(), 100);

    let mut head = scan().max_items(20).items();
    let mut first = Vec::new();
    while let Some(item) = head.try_next().await.unwrap() {
        first.push(pk(item));
    }
    let token = head.resume_token().unwrap().to_owned();
    // A structure token, as boto3 writes it: {"ExclusiveStartKey": {"pk": {"S": ...}}, ...}.
    let state = decode(&token);
    assert_eq!(state["boto_truncate_amount"], 6);
    assert!(state["ExclusiveStartKey"]["pk"]["S"].is_string(), "{state}");
    let rest: Vec<String> = scan()
        .starting_token(&token)
        .items()
        .map_ok(pk)
        .try_collect()
        .await
        .unwrap();
    assert_eq!([first, rest].concat(), all_keys);

    let (boto3_token, _) = boto3(
        "dynamodb",
        "scan",
        serde_json::json!({"TableName": TABLE}),
        serde_json::json!({"PageSize": 7, "MaxItems": 20}),
        "Items[].pk.S",
    );
    assert_eq!(boto3_token.as_deref(), Some(token.as_str()));

    // Count and ScannedCount are summed, items concatenated.
    let full = scan().build_full_result().await.unwrap();
    assert_eq!(full.count, Some(100));
    assert_eq!(full.scanned_count, Some(100));
    assert_eq!(full.items.unwrap().len(), 100);
}

#[tokio::test]
async fn page_size_without_limit_key_and_bad_tokens_are_errors() {
    let s3 = boto_s3::Client::new(&session());
    // A token from another paginator is a build error, before any request.
    let err = s3
        .list_objects_v2()
        .bucket("never-created")
        .into_paginator()
        .starting_token("eyJPdGhlciI6IDF9")
        .send()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, boto_runtime::Error::Build(_)), "{err}");
    assert!(err.to_string().contains("not an input token"), "{err}");

    // DescribeStacks pages by NextToken but has no limit_key: no page size.
    let cfn = boto_cloudformation::Client::new(&session());
    let err = cfn
        .describe_stacks()
        .into_paginator()
        .page_size(5)
        .send()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, boto_runtime::Error::Build(e) if e.member == "PageSize"),
        "{err}"
    );
}
