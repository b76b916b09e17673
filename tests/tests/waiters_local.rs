//! The waiter engine against a scripted local server, for what moto cannot
//! show: failure and retry acceptors, status and error matchers, an unmatched
//! error ending the wait at once, attempts running out, the deadline.
//!
//! The server speaks DynamoDB's awsJson 1.0; the waiters are either the
//! generated `wait_until_table_exists` or specs made here on the generated
//! `DescribeTable` types.

use std::time::{Duration, Instant};

use boto_dynamodb::error::DescribeTableError;
use boto_dynamodb::types::{DescribeTableInput, DescribeTableOutput, TableStatus};
use boto_runtime::client::ClientConfig;
use boto_runtime::test_server::{self, TestServer};
use boto_runtime::waiter::{self, Acceptor, Matcher, State, Wait, WaiterError, WaiterSpec};
use boto_runtime::{Credentials, Session};

/// One scripted reply: HTTP status and JSON body.
type Reply = (u16, &'static str);

const CREATING: Reply = (
    200,
    r#"{"Table": {"TableName": "t", "TableStatus": "CREATING"}}"#,
);
const ACTIVE: Reply = (
    200,
    r#"{"Table": {"TableName": "t", "TableStatus": "ACTIVE"}}"#,
);
const DELETING: Reply = (
    200,
    r#"{"Table": {"TableName": "t", "TableStatus": "DELETING"}}"#,
);
const NOT_FOUND: Reply = (
    400,
    r#"{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "no table t"}"#,
);
const DENIED: Reply = (
    400,
    r#"{"__type": "com.amazon.coral.service#AccessDeniedException", "message": "nope"}"#,
);
const INTERNAL: Reply = (
    500,
    r#"{"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "oops"}"#,
);

/// A loopback server answering the n-th request with `replies[n]` (the last
/// one once they run out), as DynamoDB does.
struct Server(TestServer);

impl Server {
    async fn start(replies: Vec<Reply>) -> Server {
        Server(
            TestServer::with_handler(move |r| {
                let n = r.number;
                let (status, body) = replies[n.min(replies.len() - 1)];
                test_server::Reply::status(status, body)
                    .header("content-type", "application/x-amz-json-1.0")
                    .header("x-amzn-requestid", format!("rid-{n}"))
            })
            .await,
        )
    }

    fn hits(&self) -> usize {
        self.0.hits()
    }

    /// A DynamoDB client without client-level retries, so each waiter
    /// attempt is exactly one request.
    fn client(&self) -> boto_dynamodb::Client {
        client_for(&self.0.url())
    }
}

fn client_for(url: &str) -> boto_dynamodb::Client {
    let session = Session::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKID", "SECRET", None))
        .endpoint_url(url)
        .build()
        .unwrap();
    let config = ClientConfig {
        max_attempts: Some(1),
        ..ClientConfig::default()
    };
    boto_dynamodb::Client::with_config(&session, config)
}

/// A waiter on DynamoDB's `DescribeTable` with the given acceptors.
fn spec(max_attempts: u32, acceptors: Vec<Acceptor>) -> &'static WaiterSpec {
    let operation = boto_dynamodb::schema::OPERATIONS
        .iter()
        .position(|o| o.name == "DescribeTable")
        .unwrap();
    Box::leak(Box::new(WaiterSpec {
        name: "Custom",
        operation,
        delay: Duration::from_millis(2),
        max_attempts,
        acceptors: Box::leak(acceptors.into_boxed_slice()),
    }))
}

const fn acc(
    state: State,
    matcher: Matcher,
    argument: Option<&'static str>,
    expected: &'static str,
) -> Acceptor {
    Acceptor {
        state,
        matcher,
        argument,
        expected,
    }
}

const TABLE_STATUS: Option<&str> = Some("Table.TableStatus");

type Outcome =
    Result<Option<DescribeTableOutput>, WaiterError<DescribeTableOutput, DescribeTableError>>;

async fn run(server: &Server, spec: &'static WaiterSpec) -> Outcome {
    let input = DescribeTableInput {
        table_name: Some("t".into()),
    };
    waiter::wait(server.client().runtime(), &Wait::new(spec), Some(&input)).await
}

fn status_of(out: &DescribeTableOutput) -> Option<&TableStatus> {
    out.table.as_ref()?.table_status.as_ref()
}

#[tokio::test]
async fn generated_waiter_retries_until_success() {
    // TableExists: success when ACTIVE, retry on ResourceNotFoundException;
    // a response no acceptor matches (CREATING) is retried too.
    let server = Server::start(vec![NOT_FOUND, CREATING, ACTIVE]).await;
    let out = server
        .client()
        .wait_until_table_exists()
        .table_name("t")
        .delay(Duration::from_millis(5))
        .wait()
        .await
        .unwrap()
        .expect("success on a response");
    assert_eq!(status_of(&out), Some(&TableStatus::Active));
    assert_eq!(server.hits(), 3);
    // Every attempt sends the input.
    for body in server.0.requests().iter().map(|r| r.text()) {
        assert!(body.contains(r#""TableName":"t""#), "{body}");
    }
}

#[tokio::test]
async fn failure_acceptor_ends_the_wait() {
    let server = Server::start(vec![CREATING, DELETING, ACTIVE]).await;
    let spec = spec(
        10,
        vec![
            acc(State::Success, Matcher::Path, TABLE_STATUS, "\"ACTIVE\""),
            acc(State::Failure, Matcher::Path, TABLE_STATUS, "\"DELETING\""),
        ],
    );
    let err = run(&server, spec).await.unwrap_err();
    let WaiterError::FailureState {
        acceptor, attempts, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(acceptor.state, State::Failure);
    assert_eq!(*attempts, 2);
    assert_eq!(
        status_of(err.last_output().unwrap()),
        Some(&TableStatus::Deleting)
    );
    assert_eq!(server.hits(), 2);
    assert!(err.to_string().contains("terminal failure state"), "{err}");
}

#[tokio::test]
async fn failure_acceptor_on_an_error_keeps_the_typed_error() {
    let server = Server::start(vec![NOT_FOUND]).await;
    let spec = spec(
        10,
        vec![acc(
            State::Failure,
            Matcher::Error,
            None,
            "\"ResourceNotFoundException\"",
        )],
    );
    let err = run(&server, spec).await.unwrap_err();
    assert!(matches!(err, WaiterError::FailureState { .. }), "{err:?}");
    let last = err.last_error().expect("the last error");
    assert!(
        matches!(
            last.as_service_error(),
            Some(DescribeTableError::ResourceNotFoundException(_))
        ),
        "{last:?}"
    );
    assert_eq!(last.request_id(), Some("rid-0"));
}

#[tokio::test]
async fn retry_acceptor_then_attempts_run_out() {
    let server = Server::start(vec![CREATING]).await;
    let spec = spec(
        3,
        vec![
            acc(State::Success, Matcher::Path, TABLE_STATUS, "\"ACTIVE\""),
            acc(State::Retry, Matcher::Path, TABLE_STATUS, "\"CREATING\""),
        ],
    );
    let err = run(&server, spec).await.unwrap_err();
    let WaiterError::MaxAttemptsExceeded {
        attempts,
        last_matched,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*attempts, 3);
    assert_eq!(last_matched.unwrap().state, State::Retry);
    assert_eq!(
        status_of(err.last_output().unwrap()),
        Some(&TableStatus::Creating)
    );
    assert_eq!(server.hits(), 3);
    assert!(
        err.to_string().contains("max attempts (3) exceeded"),
        "{err}"
    );
}

#[tokio::test]
async fn generated_waiter_max_attempts_override() {
    let server = Server::start(vec![CREATING]).await;
    let err = server
        .client()
        .wait_until_table_exists()
        .table_name("t")
        .delay(Duration::ZERO)
        .max_attempts(4)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WaiterError::MaxAttemptsExceeded {
                attempts: 4,
                last_matched: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn status_matchers_see_success_and_error_statuses() {
    // 500 is an error response: its status matches a retry acceptor; then 200.
    let server = Server::start(vec![INTERNAL, INTERNAL, CREATING]).await;
    let spec_retry_then_200 = spec(
        10,
        vec![
            acc(State::Retry, Matcher::Status, None, "500"),
            acc(State::Success, Matcher::Status, None, "200"),
        ],
    );
    let out = run(&server, spec_retry_then_200).await.unwrap();
    assert_eq!(status_of(&out.unwrap()), Some(&TableStatus::Creating));
    assert_eq!(server.hits(), 3);

    // Success on an error status (like S3's ObjectNotExists on 404): no output.
    let server = Server::start(vec![CREATING, NOT_FOUND]).await;
    let gone = spec(10, vec![acc(State::Success, Matcher::Status, None, "400")]);
    assert!(run(&server, gone).await.unwrap().is_none());
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn error_matcher_true_and_false() {
    // `true`: any error response.
    let server = Server::start(vec![CREATING, DENIED]).await;
    let any_error = spec(10, vec![acc(State::Success, Matcher::Error, None, "true")]);
    assert!(run(&server, any_error).await.unwrap().is_none());
    assert_eq!(server.hits(), 2);

    // `false`: any successful response.
    let server = Server::start(vec![NOT_FOUND, CREATING]).await;
    let no_error = spec(
        10,
        vec![
            acc(
                State::Retry,
                Matcher::Error,
                None,
                "\"ResourceNotFoundException\"",
            ),
            acc(State::Success, Matcher::Error, None, "false"),
        ],
    );
    let out = run(&server, no_error).await.unwrap().unwrap();
    assert_eq!(status_of(&out), Some(&TableStatus::Creating));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn unmatched_error_ends_the_wait_at_once() {
    let server = Server::start(vec![DENIED, ACTIVE]).await;
    let err = server
        .client()
        .wait_until_table_exists()
        .table_name("t")
        .delay(Duration::ZERO)
        .wait()
        .await
        .unwrap_err();
    let WaiterError::UnexpectedError {
        attempts, error, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*attempts, 1);
    assert_eq!(error.code(), Some("AccessDeniedException"));
    assert_eq!(server.hits(), 1);
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn path_matchers_never_match_error_responses() {
    // `Table` is absent from the error body, so `Table.TableStatus == null`
    // would hold on a parsed dict; botocore never lets a path see an error.
    let server = Server::start(vec![NOT_FOUND]).await;
    let spec = spec(
        5,
        vec![acc(State::Success, Matcher::Path, TABLE_STATUS, "null")],
    );
    let err = run(&server, spec).await.unwrap_err();
    assert!(
        matches!(err, WaiterError::UnexpectedError { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn transport_errors_end_the_wait_at_once() {
    // A port nothing listens on.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let err = client_for(&url)
        .wait_until_table_exists()
        .table_name("t")
        .delay(Duration::ZERO)
        .wait()
        .await
        .unwrap_err();
    let WaiterError::UnexpectedError {
        attempts, error, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*attempts, 1);
    assert!(
        matches!(error, boto_runtime::Error::Transport(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn deadline_stops_before_attempts_run_out() {
    let server = Server::start(vec![CREATING]).await;
    let started = Instant::now();
    let err = server
        .client()
        .wait_until_table_exists()
        .table_name("t")
        .delay(Duration::from_millis(10))
        .deadline(Duration::from_millis(45))
        .wait()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let WaiterError::Deadline {
        attempts,
        elapsed: reported,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    // The model allows 25 attempts; the deadline allows about 4.
    assert!((1..=5).contains(attempts), "{attempts} attempts");
    assert_eq!(server.hits(), *attempts as usize);
    assert!(*reported <= elapsed);
    // No sleep runs past the deadline: the wait ends before deadline + delay,
    // give or take the last request's round trip.
    assert!(
        elapsed < Duration::from_millis(45 + 10 + 200),
        "{elapsed:?}"
    );
    assert_eq!(
        status_of(err.last_output().unwrap()),
        Some(&TableStatus::Creating)
    );
    assert!(err.to_string().contains("deadline"), "{err}");
}
