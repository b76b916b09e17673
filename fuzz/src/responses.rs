//! Response targets: fuzzed responses answered in-process (a
//! [`BeforeSend`] hook, so no socket) to real calls of generated clients
//! (typed outputs and errors) and of the runtime's client on the same
//! schemas with [`DynValue`] outputs (any operation of the service). The
//! whole call path runs: serialization, endpoint rules, signing, error
//! detection and parsing, customizations, checksums, header and status
//! bindings, the typed or dynamic sink.

use std::cell::{Cell, RefCell};
use std::fmt::{Debug, Display};
use std::future::Future;
use std::sync::OnceLock;

use boto_runtime::client::ClientConfig;
use boto_runtime::dynamic::DynValue;
use boto_runtime::protocol::HttpResponse;
use boto_runtime::schema::{Service, ShapeId, ShapeKind};
use boto_runtime::transport::BeforeSend;
use boto_runtime::value::Ser;
use boto_runtime::{Credentials, Session};
use serde_json::{json, Value as J};

use crate::input::decode;

thread_local! {
    /// The response the next request on this thread gets. Calls run on a
    /// current-thread runtime, so the hook runs on the caller's thread.
    static RESPONSE: RefCell<Option<HttpResponse>> = const { RefCell::new(None) };
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    /// Requests answered since the last input (a call makes at most a few).
    static ANSWERED: Cell<u32> = const { Cell::new(0) };
    static OUTCOMES: Cell<Outcomes> = const { Cell::new(Outcomes { parsed: 0, service_errors: 0, other_errors: 0 }) };
}

/// How the calls on this thread ended: so that tests can tell the targets
/// reach the parsers (a harness whose calls all fail before the response
/// would fuzz nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outcomes {
    /// Outputs parsed.
    pub parsed: u64,
    /// Service errors (modeled or not) parsed.
    pub service_errors: u64,
    /// Any other error: a malformed response, or a call that never got one.
    pub other_errors: u64,
}

/// The outcomes counted on this thread since the last call, and resets them.
pub fn take_outcomes() -> Outcomes {
    OUTCOMES.with(|o| o.replace(Outcomes::default()))
}

fn count<E>(result: &Result<(), &boto_runtime::Error<E>>) {
    OUTCOMES.with(|o| {
        let mut n = o.get();
        match result {
            Ok(()) => n.parsed += 1,
            Err(boto_runtime::Error::Service(_)) => n.service_errors += 1,
            Err(_) => n.other_errors += 1,
        }
        o.set(n);
    });
}

/// The hook every fuzz client sends through: the input's response once,
/// then empty 200s (calls that make a second request: S3's redirects,
/// refreshed sessions).
fn hook() -> BeforeSend {
    BeforeSend::new(|_request| {
        ANSWERED.with(|n| n.set(n.get() + 1));
        Some(
            RESPONSE
                .with(|r| r.borrow_mut().take())
                .unwrap_or(HttpResponse {
                    status: 200,
                    headers: Default::default(),
                    body: Default::default(),
                }),
        )
    })
}

/// A session that never touches the machine's settings or the network.
pub(crate) fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| {
        Session::builder()
            .env(boto_runtime::env::Env::from_vars::<&str, &str>([]))
            .region("us-east-1")
            .credentials(Credentials::new("AKID", "SECRET", Some("TOKEN".into())))
            .build()
            .expect("a session with fixed settings builds")
    })
}

/// One attempt (the fuzzed response answers it), answered by [`hook`].
pub(crate) fn config() -> ClientConfig {
    ClientConfig {
        max_attempts: Some(1),
        before_send: Some(hook()),
        // Partial inputs on purpose: the responses are what is fuzzed.
        parameter_validation: Some(false),
        ..ClientConfig::default()
    }
}

/// Runs a call with `response` as the server's answer.
pub(crate) fn answer<F: Future>(response: Option<HttpResponse>, call: F) -> F::Output {
    RESPONSE.with(|r| *r.borrow_mut() = response);
    ANSWERED.with(|n| n.set(0));
    let out = RUNTIME.with(|rt| rt.block_on(call));
    RESPONSE.with(|r| r.borrow_mut().take());
    assert!(
        ANSWERED.with(Cell::get) <= 3,
        "one call with one attempt sent more than three requests"
    );
    out
}

/// Uses a call's result as a program would: formats the output and the error.
pub(crate) fn consume<T: Debug, E: Debug>(result: Result<T, boto_runtime::Error<E>>)
where
    boto_runtime::Error<E>: Display,
{
    count(&result.as_ref().map(drop));
    match result {
        Ok(out) => drop(format!("{out:?}")),
        Err(e) => drop(format!("{e} {e:?}")),
    }
}

/// A client of generated crate `C`, made once.
macro_rules! client {
    ($krate:ident) => {{
        static CLIENT: OnceLock<$krate::Client> = OnceLock::new();
        CLIENT.get_or_init(|| $krate::Client::with_config(session(), config()))
    }};
}

/// The runtime's client on a service schema, made once per call site.
macro_rules! dynamic_client {
    ($service:expr) => {{
        static CLIENT: OnceLock<boto_runtime::Client> = OnceLock::new();
        CLIENT.get_or_init(|| boto_runtime::Client::with_config(session(), $service, config()))
    }};
}

/// Calls operation `index` (modulo their number) of `service` with the
/// smallest input its required members allow, reading the output as
/// [`DynValue`] and rendering it as boto3 would.
async fn dynamic(client: &boto_runtime::Client, index: u16) {
    let service = client.service();
    let Some(op) = service
        .operations
        .get(usize::from(index) % service.operations.len().max(1))
    else {
        return;
    };
    let input = op
        .input
        .map(|shape| DynValue::from_json(service, shape, &required(service, shape, 0)));
    let input = match input {
        Some(Ok(v)) => Some(v),
        // An input the smallest-input rule cannot build: nothing to call.
        Some(Err(_)) => return,
        None => None,
    };
    let mut out = DynValue::Empty;
    let result = client
        .call(op, input.as_ref().map(|v| v as &(dyn Ser + Sync)), &mut out)
        .await;
    count(&result.as_ref().map(drop));
    match (result, op.output) {
        (Ok(()), Some(shape)) => drop(out.to_json(service, shape)),
        (Ok(()), None) => {}
        (Err(e), _) => drop(format!("{e} {e:?}")),
    }
}

/// A boto3-style input holding only `shape`'s required members.
fn required(service: &Service, shape: ShapeId, depth: u32) -> J {
    let s = service.shape(shape);
    match &s.kind {
        ShapeKind::Structure(st) if depth < 8 => J::Object(
            st.members
                .iter()
                .filter(|m| m.required)
                .map(|m| (m.name.to_owned(), required(service, m.target, depth + 1)))
                .collect(),
        ),
        ShapeKind::Structure(_) | ShapeKind::Map { .. } => json!({}),
        ShapeKind::List { .. } => json!([]),
        ShapeKind::Enum { values } => json!(values.first().copied().unwrap_or("a")),
        ShapeKind::Boolean => json!(true),
        ShapeKind::Float | ShapeKind::Double => json!(1.5),
        ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => json!(1),
        ShapeKind::BigInteger | ShapeKind::BigDecimal => json!("1"),
        ShapeKind::Timestamp => json!(0),
        _ => json!("a"),
    }
}

/// Query protocol: IAM and STS.
pub fn query(data: &[u8]) {
    let input = decode(data);
    let sel = input.selector;
    let iam = client!(boto_iam);
    let sts = client!(boto_sts);
    answer(Some(input.response), async {
        match sel % 8 {
            0 => consume(iam.list_users().send().await),
            1 => consume(iam.get_user().send().await),
            2 => consume(iam.get_account_authorization_details().send().await),
            3 => consume(iam.list_access_keys().send().await),
            4 => consume(sts.get_caller_identity().send().await),
            5 => consume(
                sts.assume_role()
                    .role_arn("arn:aws:iam::123456789012:role/r")
                    .role_session_name("s")
                    .send()
                    .await,
            ),
            6 => dynamic(dynamic_client!(&boto_iam::schema::SERVICE), sel / 8).await,
            _ => dynamic(dynamic_client!(&boto_sts::schema::SERVICE), sel / 8).await,
        }
    });
}

/// EC2 protocol.
pub fn ec2(data: &[u8]) {
    let input = decode(data);
    let sel = input.selector;
    let ec2 = client!(boto_ec2);
    answer(Some(input.response), async {
        match sel % 4 {
            0 => consume(ec2.describe_instances().send().await),
            1 => consume(ec2.describe_security_groups().send().await),
            2 => consume(ec2.describe_vpcs().send().await),
            _ => dynamic(dynamic_client!(&boto_ec2::schema::SERVICE), sel / 4).await,
        }
    });
}

/// JSON protocols: DynamoDB (json 1.0, CRC32 of the body) and SQS (json
/// 1.0, awsQueryCompatible error codes).
pub fn json(data: &[u8]) {
    let input = decode(data);
    let sel = input.selector;
    let ddb = client!(boto_dynamodb);
    let sqs = client!(boto_sqs);
    answer(Some(input.response), async {
        match sel % 8 {
            0 => consume(
                ddb.get_item()
                    .table_name("t")
                    .key(std::collections::BTreeMap::new())
                    .send()
                    .await,
            ),
            1 => consume(ddb.query().table_name("t").send().await),
            2 => consume(ddb.describe_table().table_name("t").send().await),
            3 => consume(ddb.list_tables().send().await),
            4 => consume(
                sqs.receive_message()
                    .queue_url("https://q/1/q")
                    .send()
                    .await,
            ),
            5 => consume(sqs.list_queues().send().await),
            6 => dynamic(dynamic_client!(&boto_dynamodb::schema::SERVICE), sel / 8).await,
            _ => dynamic(dynamic_client!(&boto_sqs::schema::SERVICE), sel / 8).await,
        }
    });
}

/// REST-JSON: Lambda (status and header bindings, blob payloads).
pub fn rest_json(data: &[u8]) {
    let input = decode(data);
    let sel = input.selector;
    let lambda = client!(boto_lambda);
    answer(Some(input.response), async {
        match sel % 4 {
            0 => consume(lambda.invoke().function_name("f").send().await),
            1 => consume(lambda.get_function().function_name("f").send().await),
            2 => consume(lambda.list_functions().send().await),
            _ => dynamic(dynamic_client!(&boto_lambda::schema::SERVICE), sel / 4).await,
        }
    });
}

/// REST-XML: S3 (header bindings, streaming bodies and their checksums,
/// errors in 200 responses, attributes) and Route 53.
pub fn rest_xml(data: &[u8]) {
    let input = decode(data);
    let sel = input.selector;
    let s3 = client!(boto_s3);
    answer(Some(input.response), async {
        match sel % 8 {
            0 => consume(s3.list_objects_v2().bucket("b").send().await),
            1 => {
                let got = s3
                    .get_object()
                    .bucket("b")
                    .key("k")
                    .checksum_mode("ENABLED")
                    .send()
                    .await;
                match got {
                    // Read the body to its end, as a program would.
                    Ok(out) => {
                        count::<()>(&Ok(()));
                        if let Some(body) = out.body {
                            drop(body.collect().await);
                        }
                    }
                    Err(e) => consume(Err::<(), _>(e)),
                }
            }
            2 => consume(s3.head_object().bucket("b").key("k").send().await),
            3 => consume(s3.get_bucket_acl().bucket("b").send().await),
            4 => consume(s3.list_buckets().send().await),
            5 => consume(
                s3.complete_multipart_upload()
                    .bucket("b")
                    .key("k")
                    .upload_id("u")
                    .send()
                    .await,
            ),
            6 => dynamic(dynamic_client!(&boto_s3::schema::SERVICE), sel / 8).await,
            _ => dynamic(dynamic_client!(&boto_route53::schema::SERVICE), sel / 8).await,
        }
    });
}

/// Reads an event stream to its end (or first error), as a program would.
async fn drain<T>(stream: Option<boto_runtime::event_stream::EventStream<T>>)
where
    T: boto_runtime::value::De + boto_runtime::value::Ser + Default + Debug + Send + Sync + 'static,
{
    let Some(mut stream) = stream else { return };
    loop {
        match stream.recv().await {
            Ok(Some(event)) => drop(format!("{event:?}")),
            Ok(None) => break,
            Err(e) => {
                drop(e.to_string());
                break;
            }
        }
    }
}

/// Event-stream responses: rest-xml, rest-json and json (`initial-response`).
pub fn event_stream(data: &[u8]) {
    let input = decode(data);
    let sel = input.selector;
    answer(Some(input.response), async {
        match sel % 3 {
            0 => {
                let s3 = client!(boto_s3);
                match s3.select_object_content().bucket("b").key("k").send().await {
                    Ok(out) => {
                        count::<()>(&Ok(()));
                        drain(out.payload).await;
                    }
                    Err(e) => consume(Err::<(), _>(e)),
                }
            }
            1 => {
                let lambda = client!(boto_lambda);
                match lambda
                    .invoke_with_response_stream()
                    .function_name("f")
                    .send()
                    .await
                {
                    Ok(out) => {
                        count::<()>(&Ok(()));
                        drain(out.event_stream).await;
                    }
                    Err(e) => consume(Err::<(), _>(e)),
                }
            }
            _ => {
                let logs = client!(boto_logs);
                let call = logs
                    .start_live_tail()
                    .log_group_identifiers(vec!["g".into()]);
                match call.send().await {
                    Ok(out) => {
                        count::<()>(&Ok(()));
                        drain(out.response_stream).await;
                    }
                    Err(e) => consume(Err::<(), _>(e)),
                }
            }
        }
    });
}

/// The CloudWatch model lowered with the cbor protocol (its first choice in
/// botocore; the generated crate takes JSON).
fn cloudwatch_cbor() -> &'static Service {
    static SERVICE: OnceLock<&'static Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let model = crate::seeds::model("cloudwatch");
        let mut model = model;
        model.metadata.protocols = vec!["smithy-rpc-v2-cbor".into()];
        boto_runtime::dynamic::build_service("cloudwatch", &model)
            .expect("the vendored cloudwatch model lowers")
    })
}

/// smithy-rpc-v2-cbor.
pub fn cbor(data: &[u8]) {
    let input = decode(data);
    let client = dynamic_client!(cloudwatch_cbor());
    answer(Some(input.response), dynamic(client, input.selector));
}
