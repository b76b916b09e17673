//! The same six calls through each Rust client. Every call returns the
//! number of items it parsed, which the driver checks, so that no client is
//! measured doing less than the others.

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};

pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<usize>> + Send + 'a>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Iam,
    Ddb,
    S3,
    Ec2,
    Sqs,
    Cw,
}

pub const CALLS: [Call; 6] = [
    Call::Iam,
    Call::Ddb,
    Call::S3,
    Call::Ec2,
    Call::Sqs,
    Call::Cw,
];

impl Call {
    pub fn parse(s: &str) -> Result<Call> {
        Ok(match s {
            "iam" => Call::Iam,
            "ddb" => Call::Ddb,
            "s3" => Call::S3,
            "ec2" => Call::Ec2,
            "sqs" => Call::Sqs,
            "cw" => Call::Cw,
            other => bail!("unknown call {other:?} (iam, ddb, s3, ec2, sqs, cw)"),
        })
    }
    pub fn key(self) -> &'static str {
        match self {
            Call::Iam => "iam",
            Call::Ddb => "ddb",
            Call::S3 => "s3",
            Call::Ec2 => "ec2",
            Call::Sqs => "sqs",
            Call::Cw => "cw",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Call::Iam => "IAM ListUsers, 10 users (query)",
            Call::Ddb => "DynamoDB GetItem, 13 attributes (json 1.0)",
            Call::S3 => "S3 ListObjectsV2, 100 keys (rest-xml)",
            Call::Ec2 => "EC2 DescribeInstances, 50 instances (ec2)",
            Call::Sqs => "SQS ReceiveMessage, 10 messages (json 1.0)",
            Call::Cw => "CloudWatch GetMetricData, 5 × 60 points (cbor)",
        }
    }
    /// The number of items each client must report.
    pub fn expected(self) -> usize {
        match self {
            Call::Iam => 10,
            Call::Ddb => 13,
            Call::S3 => 100,
            Call::Ec2 => 50,
            Call::Sqs => 10,
            Call::Cw => 300,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Floor,
    FloorParse,
    Boto,
    Aws,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind> {
        Ok(match s {
            "floor" => Kind::Floor,
            "floor-parse" => Kind::FloorParse,
            "boto-rs" => Kind::Boto,
            "aws" => Kind::Aws,
            other => bail!("unknown client {other:?} (floor, floor-parse, boto-rs, aws)"),
        })
    }
}

const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/bench";

/// A client ready to make one kind of call.
pub enum Runner {
    Floor(Floor),
    Boto(Boto),
    Aws(Aws),
}

impl Runner {
    pub async fn new(kind: Kind, call: Call, url: &str) -> Result<Runner> {
        Ok(match kind {
            Kind::Floor | Kind::FloorParse => {
                Runner::Floor(Floor::new(call, url, kind == Kind::FloorParse)?)
            }
            Kind::Boto => Runner::Boto(Boto::new(call, url)),
            Kind::Aws => Runner::Aws(Aws::new(call, url)),
        })
    }

    pub fn call(&self) -> CallFuture<'_> {
        match self {
            Runner::Floor(f) => Box::pin(f.call()),
            Runner::Boto(b) => Box::pin(b.call()),
            Runner::Aws(a) => Box::pin(a.call()),
        }
    }
}

// ---- boto-rs ----

pub struct Boto {
    call: Call,
    iam: boto_iam::Client,
    ddb: boto_dynamodb::Client,
    s3: boto_s3::Client,
    ec2: boto_ec2::Client,
    sqs: boto_sqs::Client,
    cw: boto_cloudwatch::Client,
}

pub fn boto_session(url: &str) -> boto_runtime::Session {
    boto_runtime::Session::builder()
        .env(boto_runtime::env::Env::from_vars::<&str, &str>([]))
        .region("us-east-1")
        .credentials(boto_runtime::Credentials::new(
            "AKIDEXAMPLE",
            "SECRETEXAMPLE",
            None,
        ))
        .endpoint_url(url)
        .build()
        .expect("a session with fixed settings builds")
}

impl Boto {
    fn new(call: Call, url: &str) -> Boto {
        let session = boto_session(url);
        Boto {
            call,
            iam: boto_iam::Client::new(&session),
            ddb: boto_dynamodb::Client::new(&session),
            s3: boto_s3::Client::new(&session),
            ec2: boto_ec2::Client::new(&session),
            sqs: boto_sqs::Client::new(&session),
            cw: boto_cloudwatch::Client::new(&session),
        }
    }

    async fn call(&self) -> Result<usize> {
        Ok(match self.call {
            Call::Iam => self
                .iam
                .list_users()
                .send()
                .await?
                .users
                .map_or(0, |u| u.len()),
            Call::Ddb => {
                let key = boto_dynamodb::types::AttributeValue {
                    s: Some("user#0001".into()),
                    ..Default::default()
                };
                self.ddb
                    .get_item()
                    .table_name("bench")
                    .key(
                        [("id".to_owned(), key)]
                            .into_iter()
                            .collect::<std::collections::BTreeMap<_, _>>(),
                    )
                    .send()
                    .await?
                    .item
                    .map_or(0, |i| i.len())
            }
            Call::S3 => self
                .s3
                .list_objects_v2()
                .bucket("bench-bucket")
                .send()
                .await?
                .contents
                .map_or(0, |c| c.len()),
            Call::Ec2 => self
                .ec2
                .describe_instances()
                .send()
                .await?
                .reservations
                .unwrap_or_default()
                .iter()
                .map(|r| r.instances.as_ref().map_or(0, |i| i.len()))
                .sum(),
            Call::Sqs => self
                .sqs
                .receive_message()
                .queue_url(QUEUE)
                .max_number_of_messages(10)
                .send()
                .await?
                .messages
                .map_or(0, |m| m.len()),
            Call::Cw => {
                use boto_cloudwatch::types::{Metric, MetricDataQuery, MetricStat};
                let query = MetricDataQuery {
                    id: Some("m0".into()),
                    metric_stat: Some(MetricStat {
                        metric: Some(Metric {
                            namespace: Some("AWS/EC2".into()),
                            metric_name: Some("CPUUtilization".into()),
                            ..Default::default()
                        }),
                        period: Some(60),
                        stat: Some("Average".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                self.cw
                    .get_metric_data()
                    .metric_data_queries(vec![query])
                    .start_time(boto_runtime::DateTime::from_secs_and_nanos(
                        1_700_000_000,
                        0,
                    ))
                    .end_time(boto_runtime::DateTime::from_secs_and_nanos(
                        1_700_003_600,
                        0,
                    ))
                    .send()
                    .await?
                    .metric_data_results
                    .unwrap_or_default()
                    .iter()
                    .map(|r| r.values.as_ref().map_or(0, |v| v.len()))
                    .sum()
            }
        })
    }
}

// ---- aws-sdk-rust ----

pub struct Aws {
    call: Call,
    iam: aws_sdk_iam::Client,
    ddb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    ec2: aws_sdk_ec2::Client,
    sqs: aws_sdk_sqs::Client,
    cw: aws_sdk_cloudwatch::Client,
}

macro_rules! aws_conf {
    ($krate:ident, $url:expr) => {
        $krate::Config::builder()
            .behavior_version($krate::config::BehaviorVersion::latest())
            .region($krate::config::Region::new("us-east-1"))
            .credentials_provider($krate::config::Credentials::new(
                "AKIDEXAMPLE",
                "SECRETEXAMPLE",
                None,
                None,
                "bench",
            ))
            .endpoint_url($url)
    };
}

impl Aws {
    fn new(call: Call, url: &str) -> Aws {
        Aws {
            call,
            iam: aws_sdk_iam::Client::from_conf(aws_conf!(aws_sdk_iam, url).build()),
            ddb: aws_sdk_dynamodb::Client::from_conf(aws_conf!(aws_sdk_dynamodb, url).build()),
            s3: aws_sdk_s3::Client::from_conf(
                aws_conf!(aws_sdk_s3, url).force_path_style(true).build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(aws_conf!(aws_sdk_ec2, url).build()),
            sqs: aws_sdk_sqs::Client::from_conf(aws_conf!(aws_sdk_sqs, url).build()),
            cw: aws_sdk_cloudwatch::Client::from_conf(aws_conf!(aws_sdk_cloudwatch, url).build()),
        }
    }

    async fn call(&self) -> Result<usize> {
        Ok(match self.call {
            Call::Iam => self.iam.list_users().send().await?.users().len(),
            Call::Ddb => self
                .ddb
                .get_item()
                .table_name("bench")
                .key(
                    "id",
                    aws_sdk_dynamodb::types::AttributeValue::S("user#0001".into()),
                )
                .send()
                .await?
                .item()
                .map_or(0, |i| i.len()),
            Call::S3 => self
                .s3
                .list_objects_v2()
                .bucket("bench-bucket")
                .send()
                .await?
                .contents()
                .len(),
            Call::Ec2 => self
                .ec2
                .describe_instances()
                .send()
                .await?
                .reservations()
                .iter()
                .map(|r| r.instances().len())
                .sum(),
            Call::Sqs => self
                .sqs
                .receive_message()
                .queue_url(QUEUE)
                .max_number_of_messages(10)
                .send()
                .await?
                .messages()
                .len(),
            Call::Cw => {
                use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricStat};
                let query = MetricDataQuery::builder()
                    .id("m0")
                    .metric_stat(
                        MetricStat::builder()
                            .metric(
                                Metric::builder()
                                    .namespace("AWS/EC2")
                                    .metric_name("CPUUtilization")
                                    .build(),
                            )
                            .period(60)
                            .stat("Average")
                            .build(),
                    )
                    .build();
                self.cw
                    .get_metric_data()
                    .metric_data_queries(query)
                    .start_time(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
                        1_700_000_000,
                    ))
                    .end_time(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
                        1_700_003_600,
                    ))
                    .send()
                    .await?
                    .metric_data_results()
                    .iter()
                    .map(|r| r.values().len())
                    .sum()
            }
        })
    }
}

// ---- the floor: reqwest + aws-sigv4 ----

/// The request each SDK sends, signed by aws-sigv4 and sent by reqwest; the
/// body read whole, and with `parse`, one pass of a parser over it.
pub struct Floor {
    call: Call,
    parse: bool,
    http: reqwest::Client,
    url: String,
    method: http::Method,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    signing_name: &'static str,
    identity: aws_smithy_runtime_api::client::identity::Identity,
}

impl Floor {
    fn new(call: Call, base: &str, parse: bool) -> Result<Floor> {
        let base = base.trim_end_matches('/');
        let json = "application/x-amz-json-1.0";
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        let (method, path, headers, body, signing_name): (
            _,
            String,
            Vec<(&str, &str)>,
            Vec<u8>,
            _,
        ) = match call {
            Call::Iam => (
                http::Method::POST,
                "/".into(),
                vec![("content-type", form)],
                b"Action=ListUsers&Version=2010-05-08".to_vec(),
                "iam",
            ),
            Call::Ec2 => (
                http::Method::POST,
                "/".into(),
                vec![("content-type", form)],
                b"Action=DescribeInstances&Version=2016-11-15".to_vec(),
                "ec2",
            ),
            Call::Ddb => (
                http::Method::POST,
                "/".into(),
                vec![
                    ("content-type", json),
                    ("x-amz-target", "DynamoDB_20120810.GetItem"),
                ],
                br#"{"TableName":"bench","Key":{"id":{"S":"user#0001"}}}"#.to_vec(),
                "dynamodb",
            ),
            Call::Sqs => (
                http::Method::POST,
                "/".into(),
                vec![
                    ("content-type", json),
                    ("x-amz-target", "AmazonSQS.ReceiveMessage"),
                ],
                format!(r#"{{"QueueUrl":"{QUEUE}","MaxNumberOfMessages":10}}"#).into_bytes(),
                "sqs",
            ),
            Call::S3 => (
                http::Method::GET,
                "/bench-bucket?list-type=2".into(),
                vec![],
                Vec::new(),
                "s3",
            ),
            Call::Cw => {
                use ciborium::Value;
                let t = |s: &str| Value::Text(s.into());
                let query = Value::Map(vec![
                    (t("Id"), t("m0")),
                    (
                        t("MetricStat"),
                        Value::Map(vec![
                            (
                                t("Metric"),
                                Value::Map(vec![
                                    (t("Namespace"), t("AWS/EC2")),
                                    (t("MetricName"), t("CPUUtilization")),
                                ]),
                            ),
                            (t("Period"), Value::Integer(60.into())),
                            (t("Stat"), t("Average")),
                        ]),
                    ),
                ]);
                let input = Value::Map(vec![
                    (t("MetricDataQueries"), Value::Array(vec![query])),
                    (
                        t("StartTime"),
                        Value::Tag(1, Box::new(Value::Integer(1_700_000_000.into()))),
                    ),
                    (
                        t("EndTime"),
                        Value::Tag(1, Box::new(Value::Integer(1_700_003_600.into()))),
                    ),
                ]);
                let mut body = Vec::new();
                ciborium::into_writer(&input, &mut body)?;
                (
                    http::Method::POST,
                    "/service/GraniteServiceVersion20100801/operation/GetMetricData".into(),
                    vec![
                        ("content-type", "application/cbor"),
                        ("accept", "application/cbor"),
                        ("smithy-protocol", "rpc-v2-cbor"),
                    ],
                    body,
                    "monitoring",
                )
            }
        };
        let creds = aws_credential_types::Credentials::new(
            "AKIDEXAMPLE",
            "SECRETEXAMPLE",
            None,
            None,
            "bench",
        );
        Ok(Floor {
            call,
            parse,
            http: reqwest::Client::new(),
            url: format!("{base}{path}"),
            method,
            headers,
            body,
            signing_name,
            identity: creds.into(),
        })
    }

    async fn call(&self) -> Result<usize> {
        use aws_sigv4::http_request::{
            sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
        };
        let mut settings = SigningSettings::default();
        if self.call == Call::S3 {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region("us-east-1")
            .name(self.signing_name)
            .time(SystemTime::now())
            .settings(settings)
            .build()?
            .into();
        let mut req = http::Request::builder()
            .method(self.method.clone())
            .uri(&self.url);
        for (k, v) in &self.headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(self.body.clone())?;
        let signable = SignableRequest::new(
            req.method().as_str(),
            self.url.as_str(),
            req.headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or_default())),
            SignableBody::Bytes(&self.body),
        )?;
        let (instructions, _signature) = sign(signable, &params)?.into_parts();
        instructions.apply_to_request_http1x(&mut req);
        let req = reqwest::Request::try_from(req)?;
        let resp = self.http.execute(req).await?;
        if !resp.status().is_success() {
            bail!("status {}", resp.status());
        }
        let body = resp.bytes().await?;
        if !self.parse {
            return Ok(self.call.expected());
        }
        match self.call {
            Call::Iam | Call::S3 | Call::Ec2 => {
                std::hint::black_box(xml_pass(&body)?);
            }
            Call::Ddb | Call::Sqs => {
                serde_json::from_slice::<serde_json::Value>(&body).context("JSON")?;
            }
            Call::Cw => {
                ciborium::from_reader::<ciborium::Value, _>(&body[..]).context("CBOR")?;
            }
        }
        Ok(self.call.expected())
    }
}

/// One pass of quick-xml events, unescaping every text node.
fn xml_pass(body: &[u8]) -> Result<usize> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut texts = 0usize;
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Text(t) => {
                std::hint::black_box(t.unescape()?);
                texts += 1;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(texts)
}
