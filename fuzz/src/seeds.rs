//! Seed inputs for every target: botocore's protocol and endpoint
//! conformance suites (`../shared/conformance`, read at run time), plus a
//! few hand-written inputs per target.

use std::path::PathBuf;

use boto_runtime::model::ServiceModel;
use serde_json::Value as J;

use crate::input::encode;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn conformance() -> PathBuf {
    let dir = root().join("../shared/conformance");
    assert!(
        dir.is_dir(),
        "{} is missing: the fuzz seeds come from botocore's conformance suites, \
         which live in shared/conformance beside the repository",
        dir.display()
    );
    dir
}

fn read_json(path: PathBuf) -> J {
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The vendored model of `name` (`models/<name>/<newest version>/`), with
/// its endpoint rules.
pub fn model(name: &str) -> ServiceModel {
    let dir = root().join("models").join(name);
    let version = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("service-2.json").is_file())
        .max()
        .unwrap_or_else(|| panic!("{}: no service-2.json", dir.display()));
    let text = std::fs::read_to_string(version.join("service-2.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", version.display()));
    let mut model =
        ServiceModel::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", version.display()));
    model.endpoint_rules = std::fs::read_to_string(version.join("endpoint-rule-set-1.json")).ok();
    model
}

/// The responses of the protocol output suites named `files`, each as an
/// input for every call selector below `selectors` (so each body reaches
/// each call of the target).
fn suite_responses(files: &[&str], selectors: u16) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for file in files {
        let suites = read_json(conformance().join("protocols/output").join(file));
        let cases = suites
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["cases"].as_array().into_iter().flatten());
        for case in cases {
            let response = &case["response"];
            let status = response["status_code"].as_u64().unwrap_or(200) as u16;
            let headers: Vec<(String, String)> = response["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let text = response["body"].as_str().unwrap_or_default();
            let body = if file.contains("cbor") {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default()
            } else {
                text.as_bytes().to_vec()
            };
            for selector in 0..selectors {
                out.push(encode(selector, status, &headers, &body));
            }
        }
    }
    out
}

fn texts(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn ok(selector: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    encode(selector, 200, &headers, body.as_bytes())
}

/// One event-stream message: `kind` is `event`, `exception` or `error`.
fn frame(kind: &str, name: &str, content_type: &str, payload: &[u8]) -> Vec<u8> {
    use boto_runtime::event_stream::{HeaderValue, Message};
    let s = |v: &str| HeaderValue::String(v.into());
    let mut m = Message::new(payload.to_vec()).header(":message-type", s(kind));
    m = match kind {
        "event" => m.header(":event-type", s(name)),
        "exception" => m.header(":exception-type", s(name)),
        _ => m
            .header(":error-code", s(name))
            .header(":error-message", s("boom")),
    };
    if !content_type.is_empty() {
        m = m.header(":content-type", s(content_type));
    }
    m.encode().expect("a seed frame encodes").to_vec()
}

fn event_stream_seeds() -> Vec<Vec<u8>> {
    let stream = |selector: u16, frames: &[Vec<u8>]| {
        let headers = vec![(
            "content-type".to_owned(),
            "application/vnd.amazon.eventstream".to_owned(),
        )];
        encode(selector, 200, &headers, &frames.concat())
    };
    let stats = b"<Stats><BytesScanned>12</BytesScanned><BytesProcessed>12</BytesProcessed><BytesReturned>8</BytesReturned></Stats>";
    vec![
        stream(
            0,
            &[
                frame("event", "Records", "application/octet-stream", b"a,1\n"),
                frame("event", "Progress", "text/xml", b"<Progress><BytesScanned>1</BytesScanned></Progress>"),
                frame("event", "Stats", "text/xml", stats),
                frame("event", "Cont", "", b""),
                frame("event", "End", "", b""),
            ],
        ),
        stream(0, &[frame("error", "InternalError", "", b"")]),
        stream(
            1,
            &[
                frame("event", "PayloadChunk", "application/octet-stream", b"hello"),
                frame("event", "InvokeComplete", "application/json", br#"{"ErrorCode":"e","LogResult":"bG9n"}"#),
            ],
        ),
        stream(
            2,
            &[
                frame("event", "initial-response", "application/json", b"{}"),
                frame("event", "sessionStart", "application/json", br#"{"requestId":"r","sessionId":"s","logGroupIdentifiers":["g"]}"#),
                frame("event", "sessionUpdate", "application/json", br#"{"sessionMetadata":{"sampled":true},"sessionResults":[{"message":"m","timestamp":1}]}"#),
                frame("exception", "SessionTimeoutException", "application/json", br#"{"message":"late"}"#),
            ],
        ),
        error(2, 400, &[("x-amzn-errortype", "ResourceNotFoundException")], r#"{"message":"no group"}"#),
    ]
}

fn error(selector: u16, status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    encode(selector, status, &headers, body.as_bytes())
}

const IAM_USERS: &str = "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListUsersResult><IsTruncated>true</IsTruncated><Marker>m</Marker><Users><member><Path>/</Path><UserName>a&amp;b</UserName><UserId>AID</UserId><Arn>arn:aws:iam::123456789012:user/a</Arn><CreateDate>2020-01-02T03:04:05.678Z</CreateDate><Tags><member><Key>k</Key><Value>v</Value></member></Tags></member></Users></ListUsersResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ListUsersResponse>";
const QUERY_ERROR: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no &lt;user&gt;</Message></Error><RequestId>r-2</RequestId></ErrorResponse>";
const EC2_INSTANCES: &str = "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r-3</requestId><reservationSet><item><reservationId>r-1</reservationId><ownerId>1</ownerId><instancesSet><item><instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>2020-01-02T03:04:05.000Z</launchTime><tagSet><item><key>Name</key><value>web</value></item></tagSet><blockDeviceMapping><item><deviceName>/dev/sda1</deviceName><ebs><volumeId>vol-1</volumeId><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping></item></instancesSet></item></reservationSet><nextToken>t</nextToken></DescribeInstancesResponse>";
const EC2_ERROR: &str = "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>nope</Message></Error></Errors><RequestID>r-4</RequestID></Response>";
const S3_LIST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>a</Key><LastModified>2020-01-02T03:04:05.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass><Owner><ID>o</ID><DisplayName>d</DisplayName></Owner></Contents><Contents><Key>b&#x20ac;</Key><Size>12345678901</Size></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>";
const S3_ACL: &str = "<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>";
const S3_ERROR: &str = "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key><RequestId>r-5</RequestId><HostId>h</HostId></Error>";

fn responses(target: &str) -> Vec<Vec<u8>> {
    let xml = [("content-type", "text/xml")];
    let json10 = [("content-type", "application/x-amz-json-1.0")];
    let mut seeds = match target {
        "response_query" => {
            let mut s = suite_responses(&["query.json"], 8);
            s.push(ok(0, &xml, IAM_USERS));
            s.push(error(0, 404, &xml, QUERY_ERROR));
            s.push(ok(4, &xml, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/a</Arn><UserId>u</UserId><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"));
            s.push(ok(5, &xml, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"));
            s
        }
        "response_ec2" => {
            let mut s = suite_responses(&["ec2.json"], 4);
            s.push(ok(0, &xml, EC2_INSTANCES));
            s.push(error(0, 400, &xml, EC2_ERROR));
            s
        }
        "response_json" => {
            let mut s = suite_responses(
                &[
                    "json.json",
                    "json_1_0.json",
                    "json_1_0-query-compatible.json",
                ],
                8,
            );
            s.push(ok(0, &[("content-type", "application/x-amz-json-1.0"), ("x-amz-crc32", "2745614147")], r#"{"Item":{"id":{"S":"a"},"n":{"N":"1.5"},"b":{"B":"YQ=="},"l":{"L":[{"M":{"x":{"BOOL":true}}},{"NULL":true}]},"ss":{"SS":["a","b"]}}}"#));
            s.push(ok(2, &json10, r#"{"Table":{"TableName":"t","CreationDateTime":1.598E9,"ItemCount":3,"TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}}"#));
            s.push(error(0, 400, &json10, r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}"#));
            s.push(ok(4, &json10, r#"{"Messages":[{"MessageId":"m","ReceiptHandle":"h","MD5OfBody":"x","Body":"hi","Attributes":{"SentTimestamp":"1"},"MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"YQ=="}}}]}"#));
            s.push(error(
                4,
                400,
                &[
                    ("content-type", "application/x-amz-json-1.0"),
                    (
                        "x-amzn-query-error",
                        "AWS.SimpleQueueService.NonExistentQueue;Sender",
                    ),
                ],
                r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"no"}"#,
            ));
            s
        }
        "response_rest_json" => {
            let mut s = suite_responses(&["rest-json.json"], 4);
            s.push(ok(
                0,
                &[
                    ("x-amz-function-error", "Unhandled"),
                    ("x-amz-log-result", "bG9n"),
                    ("x-amz-executed-version", "$LATEST"),
                ],
                r#"{"errorMessage":"boom"}"#,
            ));
            s.push(ok(1, &[], r#"{"Configuration":{"FunctionName":"f","Runtime":"python3.12","LastModified":"2020-01-02T03:04:05.000+0000","MemorySize":128,"Environment":{"Variables":{"A":"b"}}},"Tags":{"k":"v"}}"#));
            s.push(error(
                1,
                404,
                &[
                    (
                        "x-amzn-errortype",
                        "ResourceNotFoundException:http://internal/",
                    ),
                    ("x-amzn-requestid", "r-6"),
                ],
                r#"{"Type":"User","message":"Function not found"}"#,
            ));
            s
        }
        "response_rest_xml" => {
            let mut s = suite_responses(&["rest-xml.json"], 8);
            s.push(ok(0, &xml, S3_LIST));
            s.push(ok(
                1,
                &[
                    ("content-length", "5"),
                    ("etag", "\"e\""),
                    ("last-modified", "Tue, 29 Apr 2014 18:30:38 GMT"),
                    ("x-amz-meta-a", "b"),
                    ("x-amz-checksum-crc32", "NhCmhg=="),
                    ("expires", "garbage"),
                ],
                "hello",
            ));
            s.push(ok(
                2,
                &[
                    ("content-length", "5"),
                    ("x-amz-restore", "ongoing-request=\"false\""),
                    ("x-amz-missing-meta", "2"),
                    ("x-amz-mp-parts-count", "3"),
                ],
                "",
            ));
            s.push(ok(3, &xml, S3_ACL));
            s.push(error(1, 404, &[("x-amz-request-id", "r-7")], S3_ERROR));
            s.push(ok(5, &xml, "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"));
            s
        }
        "event_stream" => event_stream_seeds(),
        "response_cbor" => {
            let mut s = suite_responses(
                &[
                    "smithy-rpc-v2-cbor.json",
                    "smithy-rpc-v2-cbor-query-compatible.json",
                    "smithy-rpc-v2-cbor-non-query-compatible.json",
                ],
                1,
            );
            // Spread the suite bodies over the service's operations.
            for (i, seed) in s.iter_mut().enumerate() {
                seed[..2].copy_from_slice(&(i as u16).to_le_bytes());
            }
            s
        }
        _ => Vec::new(),
    };
    // The empty and the smallest inputs.
    seeds.extend(texts(&["", "\0\0\0", "\0\0\x0e"]));
    seeds
}

fn endpoint_s3() -> Vec<Vec<u8>> {
    let tests = read_json(conformance().join("endpoints/s3/endpoint-tests-1.json"));
    let mut out = Vec::new();
    for (i, case) in tests["testCases"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = &case["params"];
        let flag = |name: &str, bit: u8| u8::from(p[name].as_bool().unwrap_or(false)) << bit;
        let flags = flag("ForcePathStyle", 0)
            | flag("UseFIPS", 1)
            | flag("UseDualStack", 2)
            | flag("Accelerate", 3)
            | flag("UseArnRegion", 4)
            | flag("DisableMultiRegionAccessPoints", 5)
            | flag("UseGlobalEndpoint", 6)
            | (u8::from(p["Endpoint"].is_string()) << 7);
        let field = |name: &str| p[name].as_str().unwrap_or_default().as_bytes().to_vec();
        let mut seed = vec![flags, (i % 4) as u8];
        for (n, name) in ["Bucket", "Key", "Region", "Endpoint"].iter().enumerate() {
            if n > 0 {
                seed.push(0);
            }
            let value = field(name);
            seed.extend(if *name == "Key" && value.is_empty() {
                b"key".to_vec()
            } else {
                value
            });
        }
        out.push(seed);
    }
    out
}

/// The seeds of the target named `target`.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "timestamps" => texts(&[
            "2014-04-29T18:30:38Z",
            "2014-04-29T18:30:38.123456789+01:00",
            "2014-04-29T18:30:38.12-0800",
            "20140429T183038Z",
            "Tue, 29 Apr 2014 18:30:38 GMT",
            "Tue, 29 Apr 2014 18:30:38.12 GMT",
            "Tuesday, 29-Apr-14 18:30:38 GMT",
            "Tue Apr 29 18:30:38 2014",
            "1398796238",
            "1398796238.123",
            "-1.5",
            "1e10",
            "9999-12-31T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
        ]),
        "config_file" => texts(&[
            "[default]\nregion = us-west-2\ns3 =\n  addressing_style = path\n  use_arn_region = true\n[profile dev]\nsource_profile = default\nrole_arn = arn:aws:iam::1:role/r\nservices = local\n[services local]\ns3 =\n  endpoint_url = http://localhost:9000\ndynamodb =\n  endpoint_url = http://localhost:8000\n[sso-session s]\nsso_start_url = https://x.awsapps.com/start\n\0[default]\naws_access_key_id = A\naws_secret_access_key = S\n; comment\n# comment\n[dev]\naws_session_token=T\n",
            "[default]\nendpoint_url = https://example.com\nignore_configured_endpoint_urls = false\nmax_attempts = 3\nretry_mode = adaptive\n",
            "[profile a]\nkey: value\n  continued\n[profile a]\nother=1\n",
        ]),
        "paginator_token" => texts(&[
            "eyJLZXlNYXJrZXIiOiAiYSIsICJWZXJzaW9uSWRNYXJrZXIiOiAiYiJ9",
            "eyJOZXh0VG9rZW4iOiAidCIsICJib3RvX3RydW5jYXRlX2Ftb3VudCI6IDJ9",
            "eyJFeGNsdXNpdmVTdGFydEtleSI6IHsiaWQiOiB7IkIiOiAiWVE9PSJ9fSwgImJvdG9fZW5jb2RlZF9rZXlzIjogW1siRXhjbHVzaXZlU3RhcnRLZXkiLCAiaWQiLCAiQiJdXX0=",
            "a___b___3",
            "token",
            "",
        ]),
        "endpoint_s3" => endpoint_s3(),
        other => responses(other),
    }
}
