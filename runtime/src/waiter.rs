//! Waiters: call an operation until the model's acceptors say the resource
//! reached the wanted state, with botocore's semantics.
//!
//! Generated crates emit one static [`WaiterSpec`] per waiter (from
//! `waiters-2.json`) and a builder in [`Wait`] mode; [`wait`] is the one
//! engine. Each attempt's response is checked against the acceptors in order
//! and the first that matches decides: `success` ends the wait, `failure`
//! fails it, `retry` sleeps `delay` and tries again. A response no acceptor
//! matches is retried, except an error response, which fails the wait at
//! once, as does any error that is not a service response (transport,
//! credentials, an unreadable response), which botocore raises as well.

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, OperationError};
use crate::jmespath;
use crate::schema::{Operation, Service};
use crate::value::{De, Ser};
use crate::view;

/// What a matching acceptor makes of the wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// `success`: the wait is over and succeeded.
    Success,
    /// `failure`: the wait is over and failed ([`WaiterError::FailureState`]).
    Failure,
    /// `retry`: sleep `delay` and poll again.
    Retry,
}

/// How an acceptor looks at a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// The JMESPath `argument` on the output equals `expected`.
    Path,
    /// `argument` gives a non-empty list whose every element equals `expected`.
    PathAll,
    /// `argument` gives a non-empty list with an element equal to `expected`.
    PathAny,
    /// The HTTP status (of a success or an error response) equals `expected`.
    Status,
    /// The error code equals `expected`; `true` matches any error response,
    /// `false` any successful one.
    Error,
}

/// One acceptor of a waiter, as the model gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acceptor {
    /// `state`: what a match makes of the wait.
    pub state: State,
    /// `matcher`: how the response is examined.
    pub matcher: Matcher,
    /// The JMESPath expression of path matchers.
    pub argument: Option<&'static str>,
    /// The expected value, as JSON text (`"running"`, `200`, `true`).
    pub expected: &'static str,
}

impl Acceptor {
    /// Why this acceptor matched, in botocore's words.
    pub fn explanation(&self) -> String {
        let arg = self.argument.unwrap_or_default();
        let expected = self.expected;
        match self.matcher {
            Matcher::Path => {
                format!("for expression {arg:?} we matched expected path: {expected}")
            }
            Matcher::PathAll => {
                format!("for expression {arg:?} all members matched expected path: {expected}")
            }
            Matcher::PathAny => {
                format!("for expression {arg:?} we matched expected path: {expected} at least once")
            }
            Matcher::Status => format!("matched expected HTTP status code: {expected}"),
            Matcher::Error => format!("matched expected service error code: {expected}"),
        }
    }
}

impl State {
    /// The variant of a `waiters-2.json` acceptor's `state`.
    pub fn from_model(state: &str) -> Option<State> {
        Some(match state {
            "success" => State::Success,
            "failure" => State::Failure,
            "retry" => State::Retry,
            _ => return None,
        })
    }

    /// The variant's name (`Success`).
    pub fn name(self) -> &'static str {
        match self {
            State::Success => "Success",
            State::Failure => "Failure",
            State::Retry => "Retry",
        }
    }
}

impl Matcher {
    /// The variant of a `waiters-2.json` acceptor's `matcher`.
    pub fn from_model(matcher: &str) -> Option<Matcher> {
        Some(match matcher {
            "path" => Matcher::Path,
            "pathAll" => Matcher::PathAll,
            "pathAny" => Matcher::PathAny,
            "status" => Matcher::Status,
            "error" => Matcher::Error,
            _ => return None,
        })
    }

    /// The variant's name (`PathAll`).
    pub fn name(self) -> &'static str {
        match self {
            Matcher::Path => "Path",
            Matcher::PathAll => "PathAll",
            Matcher::PathAny => "PathAny",
            Matcher::Status => "Status",
            Matcher::Error => "Error",
        }
    }
}

/// Checks an acceptor of `waiters-2.json` (state, matcher, an argument
/// that compiles for path matchers, the kind of value `status` and `error`
/// compare with): what the generator and the dynamic client both do.
pub fn check_acceptor(a: &crate::model::AcceptorModel) -> Result<(State, Matcher), String> {
    let state =
        State::from_model(&a.state).ok_or_else(|| format!("unknown state {:?}", a.state))?;
    let matcher = Matcher::from_model(&a.matcher)
        .ok_or_else(|| format!("unknown matcher {:?}", a.matcher))?;
    match matcher {
        Matcher::Path | Matcher::PathAll | Matcher::PathAny => {
            let argument = a
                .argument
                .as_deref()
                .ok_or_else(|| format!("{} matcher without an argument", a.matcher))?;
            compile(argument)?;
        }
        Matcher::Status if !a.expected.is_u64() => {
            return Err(format!("status matcher expects {}", a.expected));
        }
        Matcher::Error if !(a.expected.is_string() || a.expected.is_boolean()) => {
            return Err(format!("error matcher expects {}", a.expected));
        }
        _ => {}
    }
    Ok((state, matcher))
}

/// A waiter of the model: the operation it polls and how.
#[derive(Clone, Copy, Debug)]
pub struct WaiterSpec {
    /// The model's name (`InstanceRunning`).
    pub name: &'static str,
    /// Index of the polled operation in the service's `operations`.
    pub operation: usize,
    /// Time between attempts, unless overridden.
    pub delay: Duration,
    /// Attempts before giving up (the first included), unless overridden.
    pub max_attempts: u32,
    /// The model's `acceptors`, checked in order; the first match decides.
    pub acceptors: &'static [Acceptor],
}

/// A builder mode that carries a waiter's settings: the async [`Wait`] and
/// the blocking client's mode share the `delay`, `max_attempts` and
/// `deadline` setters through it.
pub trait WaitSettings {
    /// The waiter and its settings.
    fn settings(&mut self) -> &mut Wait;
}

impl WaitSettings for Wait {
    fn settings(&mut self) -> &mut Wait {
        self
    }
}

/// Builder mode of an operation that is sent once (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct Call;

/// Builder mode of an operation polled by a waiter: the waiter and the
/// caller's overrides of its delay, attempts and deadline.
#[derive(Clone, Copy, Debug)]
pub struct Wait {
    spec: &'static WaiterSpec,
    delay: Option<Duration>,
    max_attempts: Option<u32>,
    deadline: Option<Duration>,
}

impl Wait {
    /// A wait on `spec` with the model's delay and attempts and no deadline.
    pub fn new(spec: &'static WaiterSpec) -> Wait {
        Wait {
            spec,
            delay: None,
            max_attempts: None,
            deadline: None,
        }
    }
    /// The waiter being run.
    pub fn spec(&self) -> &'static WaiterSpec {
        self.spec
    }
    /// Time between attempts (the model's `delay` otherwise).
    pub fn set_delay(&mut self, delay: Duration) {
        self.delay = Some(delay);
    }
    /// Attempts before giving up, the first included (the model's `maxAttempts` otherwise).
    pub fn set_max_attempts(&mut self, attempts: u32) {
        self.max_attempts = Some(attempts);
    }
    /// Overall time limit, from the start of the wait. No attempt starts
    /// after it; an attempt in flight finishes (within the client's timeout).
    pub fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = Some(deadline);
    }
}

/// The response a wait ended on.
#[derive(Debug)]
pub enum LastResponse<O, E> {
    /// A successful response's output.
    Output(O),
    /// An error response, typed as the operation's error.
    Error(Error<E>),
}

/// Why a wait failed. Each case but [`WaiterError::InvalidSpec`] carries the
/// last response or error.
#[derive(Debug)]
pub enum WaiterError<O, E> {
    /// An acceptor with state `failure` matched.
    FailureState {
        /// The waiter's model name (`InstanceRunning`).
        waiter: &'static str,
        /// The acceptor that matched.
        acceptor: Acceptor,
        /// Calls made.
        attempts: u32,
        /// The response that matched.
        last: LastResponse<O, E>,
    },
    /// `max_attempts` responses and none matched a success acceptor.
    MaxAttemptsExceeded {
        /// The waiter's model name.
        waiter: &'static str,
        /// Calls made (the attempt limit).
        attempts: u32,
        /// The acceptor the last matched response matched (a `retry` one).
        last_matched: Option<Acceptor>,
        /// The last response.
        last: LastResponse<O, E>,
    },
    /// The next attempt would start after the caller's deadline.
    Deadline {
        /// The waiter's model name.
        waiter: &'static str,
        /// Calls made before the deadline.
        attempts: u32,
        /// Time since the wait started.
        elapsed: Duration,
        /// The last response.
        last: LastResponse<O, E>,
    },
    /// An error no acceptor matched, or one that is not a service response.
    UnexpectedError {
        /// The waiter's model name.
        waiter: &'static str,
        /// Calls made, the failing one included.
        attempts: u32,
        /// The error, typed as the operation's error.
        error: Error<E>,
    },
    /// The waiter's model data is unusable (a bad expression or literal).
    InvalidSpec {
        /// The waiter's model name.
        waiter: &'static str,
        /// What is wrong with the spec.
        reason: String,
    },
}

impl<O, E> WaiterError<O, E> {
    /// The waiter's model name (`InstanceRunning`).
    pub fn waiter(&self) -> &'static str {
        match self {
            WaiterError::FailureState { waiter, .. }
            | WaiterError::MaxAttemptsExceeded { waiter, .. }
            | WaiterError::Deadline { waiter, .. }
            | WaiterError::UnexpectedError { waiter, .. }
            | WaiterError::InvalidSpec { waiter, .. } => waiter,
        }
    }

    /// Calls made.
    pub fn attempts(&self) -> u32 {
        match self {
            WaiterError::FailureState { attempts, .. }
            | WaiterError::MaxAttemptsExceeded { attempts, .. }
            | WaiterError::Deadline { attempts, .. }
            | WaiterError::UnexpectedError { attempts, .. } => *attempts,
            WaiterError::InvalidSpec { .. } => 0,
        }
    }

    /// The output of the last response, when it was a successful one.
    pub fn last_output(&self) -> Option<&O> {
        match self.last() {
            Some(LastResponse::Output(o)) => Some(o),
            _ => None,
        }
    }

    /// The error of the last attempt, when it failed.
    pub fn last_error(&self) -> Option<&Error<E>> {
        match self {
            WaiterError::UnexpectedError { error, .. } => Some(error),
            _ => match self.last() {
                Some(LastResponse::Error(e)) => Some(e),
                _ => None,
            },
        }
    }

    fn last(&self) -> Option<&LastResponse<O, E>> {
        match self {
            WaiterError::FailureState { last, .. }
            | WaiterError::MaxAttemptsExceeded { last, .. }
            | WaiterError::Deadline { last, .. } => Some(last),
            WaiterError::UnexpectedError { .. } | WaiterError::InvalidSpec { .. } => None,
        }
    }
}

impl<O, E: fmt::Display> fmt::Display for WaiterError<O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "waiter {} failed: ", self.waiter())?;
        match self {
            WaiterError::FailureState { acceptor, .. } => write!(
                f,
                "reached a terminal failure state: {}",
                acceptor.explanation()
            ),
            WaiterError::MaxAttemptsExceeded {
                attempts,
                last_matched,
                ..
            } => {
                write!(f, "max attempts ({attempts}) exceeded")?;
                if let Some(a) = last_matched {
                    write!(f, "; previously accepted state: {}", a.explanation())?;
                }
                Ok(())
            }
            WaiterError::Deadline {
                attempts, elapsed, ..
            } => write!(
                f,
                "deadline passed after {attempts} attempts ({:.3} s)",
                elapsed.as_secs_f64()
            ),
            WaiterError::UnexpectedError { error, .. } => write!(f, "{error}"),
            WaiterError::InvalidSpec { reason, .. } => write!(f, "invalid waiter: {reason}"),
        }
    }
}

impl<O: fmt::Debug, E: std::error::Error + 'static> std::error::Error for WaiterError<O, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.last_error().map(|e| e as _)
    }
}

/// Polls the spec's operation with `input` until an acceptor decides.
///
/// Returns the output of the response that matched a success acceptor, or
/// `None` when it was an error response (ObjectNotExists' 404).
pub async fn wait<O, E>(
    client: &Client,
    mode: &Wait,
    input: Option<&(dyn Ser + Sync)>,
) -> Result<Option<O>, WaiterError<O, E>>
where
    O: De + Ser + Default + Send,
    E: OperationError,
{
    let mut run =
        Run::start(client.service(), mode).map_err(|reason| WaiterError::InvalidSpec {
            waiter: mode.spec.name,
            reason,
        })?;
    let (service, output_shape) = (client.service(), run.operation.output);
    loop {
        let mut output = O::default();
        let result = client
            .call_with_status(run.operation, input, &mut output)
            .await;
        let step = match &result {
            Ok(status) => run.observe(&Response::Output {
                status: *status,
                view: &|| output_view(service, output_shape, &output),
            }),
            Err(Error::Service(failure)) => run.observe(&Response::Error {
                status: failure.status(),
                code: failure.code(),
            }),
            // botocore lets these propagate: no acceptor sees them.
            Err(_) => {
                run.attempts += 1;
                Step::End(End::Unexpected)
            }
        };
        let end = match step {
            Step::Sleep(delay) => {
                tokio::time::sleep(delay).await;
                continue;
            }
            Step::End(end) => end,
        };
        let last = match result {
            Ok(_) => LastResponse::Output(output),
            Err(e) => LastResponse::Error(e.typed()),
        };
        let (waiter, attempts) = (run.spec.name, run.attempts);
        let error = match end {
            End::Success => {
                return Ok(match last {
                    LastResponse::Output(o) => Some(o),
                    LastResponse::Error(_) => None,
                })
            }
            End::Failure(acceptor) => WaiterError::FailureState {
                waiter,
                acceptor,
                attempts,
                last,
            },
            End::MaxAttempts => WaiterError::MaxAttemptsExceeded {
                waiter,
                attempts,
                last_matched: run.last_matched,
                last,
            },
            End::Deadline => WaiterError::Deadline {
                waiter,
                attempts,
                elapsed: run.started.elapsed(),
                last,
            },
            End::Unexpected => match last {
                LastResponse::Error(error) => WaiterError::UnexpectedError {
                    waiter,
                    attempts,
                    error,
                },
                // Only errors are unexpected; keep the type honest anyway.
                LastResponse::Output(_) => WaiterError::InvalidSpec {
                    waiter,
                    reason: "a successful response was taken for an error".into(),
                },
            },
            End::Invalid(reason) => WaiterError::InvalidSpec { waiter, reason },
        };
        return Err(error);
    }
}

/// botocore's parsed output dict, that path arguments run on.
fn output_view(
    service: &Service,
    shape: Option<crate::schema::ShapeId>,
    output: &dyn Ser,
) -> Value {
    match shape {
        Some(shape) => view::to_json(service, shape, output),
        None => Value::Object(Default::default()),
    }
}

/// One attempt's response as the acceptors see it.
pub enum Response<'a> {
    /// A successful response: its status and (computed on demand) its JSON view.
    Output {
        /// The HTTP status.
        status: u16,
        /// Builds the JSON view path arguments run on; called at most once.
        view: &'a dyn Fn() -> Value,
    },
    /// A service error response.
    Error {
        /// The HTTP status.
        status: u16,
        /// The error code, sanitized (`NoSuchKey`).
        code: &'a str,
    },
}

/// The first acceptor matching `response`, by index.
pub fn evaluate(acceptors: &[Acceptor], response: &Response<'_>) -> Result<Option<usize>, String> {
    let mut view = None;
    for (i, acceptor) in acceptors.iter().enumerate() {
        let expected: Value = serde_json::from_str(acceptor.expected)
            .map_err(|e| format!("expected value {:?}: {e}", acceptor.expected))?;
        let matched = match (acceptor.matcher, response) {
            (Matcher::Path | Matcher::PathAll | Matcher::PathAny, Response::Error { .. }) => false,
            (
                matcher @ (Matcher::Path | Matcher::PathAll | Matcher::PathAny),
                Response::Output { view: make, .. },
            ) => {
                let argument = acceptor
                    .argument
                    .ok_or_else(|| format!("acceptor #{i} ({matcher:?}) has no argument"))?;
                let data = match &view {
                    Some(data) => data,
                    None => {
                        // Converted once per response, however many acceptors look.
                        let data = jmespath::Data::new(make())
                            .map_err(|e| format!("response view: {e}"))?;
                        &*view.insert(data)
                    }
                };
                let found = jmespath::cached(argument)
                    .and_then(|c| c.search_data(data))
                    .map_err(|e| e.to_string())?;
                match matcher {
                    Matcher::Path => py_eq(&found, &expected),
                    Matcher::PathAll => match found {
                        Value::Array(items) if !items.is_empty() => {
                            items.iter().all(|v| py_eq(v, &expected))
                        }
                        _ => false,
                    },
                    _ => match found {
                        Value::Array(items) => items.iter().any(|v| py_eq(v, &expected)),
                        _ => false,
                    },
                }
            }
            (Matcher::Status, Response::Output { status, .. } | Response::Error { status, .. }) => {
                py_eq(&Value::from(*status), &expected)
            }
            (Matcher::Error, _) => {
                let code = match response {
                    Response::Error { code, .. } => Some(*code),
                    Response::Output { .. } => None,
                };
                match expected {
                    Value::Bool(true) => code.is_some(),
                    Value::Bool(false) => code.is_none(),
                    other => py_eq(&Value::from(code.unwrap_or_default()), &other),
                }
            }
        };
        if matched {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Python's `==` on parsed JSON, which botocore compares with: numbers by
/// value (`1 == 1.0`), and `True == 1`.
fn py_eq(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => num(a) == num(b),
        },
        (Value::Number(_) | Value::Bool(_), Value::Number(_) | Value::Bool(_)) => num(a) == num(b),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| py_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Compiles a waiter acceptor's argument as [`crate::jmespath::compile`]
/// does, the error as text (what the generator reports).
pub fn compile(expression: &str) -> Result<jmespath::Compiled, String> {
    jmespath::compile(expression).map_err(|e| e.to_string())
}

/// What the engine does after a response.
#[derive(Debug, PartialEq)]
enum Step {
    Sleep(Duration),
    End(End),
}

/// Why a wait ends.
#[derive(Debug, PartialEq)]
enum End {
    Success,
    Failure(Acceptor),
    MaxAttempts,
    Deadline,
    Unexpected,
    Invalid(String),
}

/// The state of one wait, independent of the operation's types.
struct Run {
    spec: &'static WaiterSpec,
    operation: &'static Operation,
    delay: Duration,
    max_attempts: u32,
    deadline: Option<Instant>,
    started: Instant,
    attempts: u32,
    last_matched: Option<Acceptor>,
}

impl Run {
    fn start(service: &'static Service, mode: &Wait) -> Result<Run, String> {
        let spec = mode.spec;
        let operation = service.operations.get(spec.operation).ok_or_else(|| {
            format!(
                "operation #{} is not in service {}",
                spec.operation, service.name
            )
        })?;
        let started = Instant::now();
        Ok(Run {
            spec,
            operation,
            delay: mode.delay.unwrap_or(spec.delay),
            max_attempts: mode.max_attempts.unwrap_or(spec.max_attempts),
            deadline: mode.deadline.map(|d| started + d),
            started,
            attempts: 0,
            last_matched: None,
        })
    }

    fn observe(&mut self, response: &Response<'_>) -> Step {
        self.attempts += 1;
        let step = self.decide(response);
        tracing::debug!(
            waiter = self.spec.name,
            attempt = self.attempts,
            ?step,
            "waiter attempt"
        );
        step
    }

    fn decide(&mut self, response: &Response<'_>) -> Step {
        let acceptors = self.spec.acceptors;
        let matched = evaluate(acceptors, response).map(|i| i.and_then(|i| acceptors.get(i)));
        match matched {
            Err(reason) => return Step::End(End::Invalid(reason)),
            Ok(Some(&acceptor)) => {
                self.last_matched = Some(acceptor);
                match acceptor.state {
                    State::Success => return Step::End(End::Success),
                    State::Failure => return Step::End(End::Failure(acceptor)),
                    State::Retry => {}
                }
            }
            Ok(None) if matches!(response, Response::Error { .. }) => {
                return Step::End(End::Unexpected)
            }
            Ok(None) => {}
        }
        if self.attempts >= self.max_attempts {
            return Step::End(End::MaxAttempts);
        }
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() + self.delay > deadline)
        {
            return Step::End(End::Deadline);
        }
        Step::Sleep(self.delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn output(v: Value) -> impl Fn() -> Value {
        move || v.clone()
    }

    fn eval(acceptors: &[Acceptor], view: Value, status: u16) -> Option<usize> {
        let make = output(view);
        evaluate(
            acceptors,
            &Response::Output {
                status,
                view: &make,
            },
        )
        .unwrap()
    }

    fn eval_err(acceptors: &[Acceptor], status: u16, code: &str) -> Option<usize> {
        evaluate(acceptors, &Response::Error { status, code }).unwrap()
    }

    const STATE: &str = "Reservations[].Instances[].State.Name";

    #[test]
    fn path_all_and_any_need_a_non_empty_list() {
        let all = [acc(
            State::Success,
            Matcher::PathAll,
            Some(STATE),
            "\"running\"",
        )];
        let any = [acc(
            State::Failure,
            Matcher::PathAny,
            Some(STATE),
            "\"terminated\"",
        )];
        let instances = |states: &[&str]| {
            json!({"Reservations": [{"Instances": states.iter()
                .map(|s| json!({"State": {"Name": s}})).collect::<Vec<_>>()}]})
        };
        assert_eq!(eval(&all, instances(&["running", "running"]), 200), Some(0));
        assert_eq!(eval(&all, instances(&["running", "pending"]), 200), None);
        assert_eq!(eval(&all, instances(&[]), 200), None);
        assert_eq!(eval(&all, json!({}), 200), None);
        assert_eq!(
            eval(&any, instances(&["running", "terminated"]), 200),
            Some(0)
        );
        assert_eq!(eval(&any, instances(&["running"]), 200), None);
        assert_eq!(eval(&any, instances(&[]), 200), None);
        // A path that is not a list never matches pathAll/pathAny.
        let scalar = [acc(
            State::Success,
            Matcher::PathAll,
            Some("Table.TableStatus"),
            "\"ACTIVE\"",
        )];
        assert_eq!(
            eval(&scalar, json!({"Table": {"TableStatus": "ACTIVE"}}), 200),
            None
        );
    }

    #[test]
    fn path_compares_like_python() {
        let path = |arg, expected| [acc(State::Success, Matcher::Path, Some(arg), expected)];
        assert_eq!(
            eval(
                &path("length(Items[]) > `0`", "true"),
                json!({"Items": [1]}),
                200
            ),
            Some(0)
        );
        assert_eq!(
            eval(
                &path("length(Items[]) > `0`", "true"),
                json!({"Items": []}),
                200
            ),
            None
        );
        assert_eq!(
            eval(&path("Count", "2"), json!({"Count": 2.0}), 200),
            Some(0)
        );
        assert_eq!(
            eval(&path("Flag", "1"), json!({"Flag": true}), 200),
            Some(0)
        );
        assert_eq!(
            eval(&path("Flag", "\"true\""), json!({"Flag": true}), 200),
            None
        );
        // A missing member is null, which equals no expected literal but `null`.
        assert_eq!(eval(&path("Missing", "\"x\""), json!({}), 200), None);
        assert_eq!(eval(&path("Missing", "null"), json!({}), 200), Some(0));
        assert_eq!(
            eval(
                &path("Obj", "{\"a\": [1, \"b\"]}"),
                json!({"Obj": {"a": [1.0, "b"]}}),
                200
            ),
            Some(0)
        );
        // Filters, `&&`, `||`, `!`.
        let filter = path(
            "length(Items[?State == 'on' && !Broken]) == `1` || Forced",
            "true",
        );
        let items = json!({"Items": [{"State": "on", "Broken": false}, {"State": "off"}]});
        assert_eq!(eval(&filter, items, 200), Some(0));
        assert_eq!(
            eval(&filter, json!({"Items": [], "Forced": true}), 200),
            Some(0)
        );
    }

    #[test]
    fn path_matchers_never_match_errors() {
        let acceptors = [
            acc(State::Success, Matcher::Path, Some("a"), "null"),
            acc(State::Success, Matcher::PathAll, Some("a"), "null"),
            acc(State::Success, Matcher::PathAny, Some("a"), "null"),
        ];
        assert_eq!(eval_err(&acceptors, 400, "Boom"), None);
        assert_eq!(eval(&acceptors, json!({}), 200), Some(0));
    }

    #[test]
    fn status_matches_success_and_error_responses() {
        let acceptors = [
            acc(State::Success, Matcher::Status, None, "200"),
            acc(State::Retry, Matcher::Status, None, "404"),
        ];
        assert_eq!(eval(&acceptors, json!({}), 200), Some(0));
        assert_eq!(eval_err(&acceptors, 404, "NotFound"), Some(1));
        assert_eq!(eval_err(&acceptors, 500, "Internal"), None);
        // A status given as a string is not the number.
        let text = [acc(State::Success, Matcher::Status, None, "\"200\"")];
        assert_eq!(eval(&text, json!({}), 200), None);
    }

    #[test]
    fn error_matcher_code_true_and_false() {
        let code = [acc(
            State::Success,
            Matcher::Error,
            None,
            "\"NoSuchEntity\"",
        )];
        assert_eq!(eval_err(&code, 404, "NoSuchEntity"), Some(0));
        assert_eq!(eval_err(&code, 404, "Other"), None);
        assert_eq!(eval(&code, json!({}), 200), None);
        let any = [acc(State::Retry, Matcher::Error, None, "true")];
        assert_eq!(eval_err(&any, 400, "Whatever"), Some(0));
        assert_eq!(eval(&any, json!({}), 200), None);
        let none = [acc(State::Success, Matcher::Error, None, "false")];
        assert_eq!(eval(&none, json!({}), 200), Some(0));
        assert_eq!(eval_err(&none, 400, "Whatever"), None);
    }

    #[test]
    fn first_match_wins() {
        let acceptors = [
            acc(State::Failure, Matcher::Path, Some("S"), "\"bad\""),
            acc(State::Retry, Matcher::Status, None, "200"),
            acc(State::Success, Matcher::Path, Some("S"), "\"bad\""),
        ];
        assert_eq!(eval(&acceptors, json!({"S": "bad"}), 200), Some(0));
        assert_eq!(eval(&acceptors, json!({"S": "ok"}), 200), Some(1));
    }

    #[test]
    fn bad_specs_are_errors_not_panics() {
        let bad_literal = [acc(State::Success, Matcher::Status, None, "{oops")];
        let make = output(json!({}));
        let response = Response::Output {
            status: 200,
            view: &make,
        };
        assert!(evaluate(&bad_literal, &response)
            .unwrap_err()
            .contains("{oops"));
        let bad_expr = [acc(State::Success, Matcher::Path, Some("a[?"), "1")];
        assert!(evaluate(&bad_expr, &response).unwrap_err().contains("a[?"));
        let no_arg = [acc(State::Success, Matcher::PathAny, None, "1")];
        assert!(evaluate(&no_arg, &response)
            .unwrap_err()
            .contains("no argument"));
        assert!(compile("nosuchfn(a)")
            .unwrap_err()
            .contains("unknown function nosuchfn"));
        assert!(compile("length(a[?contains(b, 'x')])").is_ok());
    }

    static SPEC_ACCEPTORS: [Acceptor; 3] = [
        acc(State::Success, Matcher::Path, Some("S"), "\"done\""),
        acc(State::Failure, Matcher::Path, Some("S"), "\"broken\""),
        acc(State::Retry, Matcher::Error, None, "\"Throttled\""),
    ];
    static SERVICE: Service = Service {
        name: "local",
        metadata: crate::schema::Metadata::DEFAULT,
        shapes: &[],
        operations: &[Operation::DEFAULT],
        endpoint_rules: None,
    };
    static SPEC: WaiterSpec = WaiterSpec {
        name: "Done",
        operation: 0,
        delay: Duration::from_millis(5),
        max_attempts: 3,
        acceptors: &SPEC_ACCEPTORS,
    };

    fn step(run: &mut Run, state: &str) -> Step {
        let make = output(json!({ "S": state }));
        run.observe(&Response::Output {
            status: 200,
            view: &make,
        })
    }

    #[test]
    fn engine_steps() {
        let mut run = Run::start(&SERVICE, &Wait::new(&SPEC)).unwrap();
        assert_eq!(
            step(&mut run, "pending"),
            Step::Sleep(Duration::from_millis(5))
        );
        assert_eq!(
            run.observe(&Response::Error {
                status: 400,
                code: "Throttled"
            }),
            Step::Sleep(Duration::from_millis(5))
        );
        assert_eq!(run.last_matched, Some(SPEC_ACCEPTORS[2]));
        assert_eq!(step(&mut run, "pending"), Step::End(End::MaxAttempts));

        let mut run = Run::start(&SERVICE, &Wait::new(&SPEC)).unwrap();
        assert_eq!(
            step(&mut run, "broken"),
            Step::End(End::Failure(SPEC_ACCEPTORS[1]))
        );
        let mut run = Run::start(&SERVICE, &Wait::new(&SPEC)).unwrap();
        assert_eq!(step(&mut run, "done"), Step::End(End::Success));
        let mut run = Run::start(&SERVICE, &Wait::new(&SPEC)).unwrap();
        assert_eq!(
            run.observe(&Response::Error {
                status: 400,
                code: "Denied"
            }),
            Step::End(End::Unexpected)
        );

        let mut mode = Wait::new(&SPEC);
        mode.set_max_attempts(1);
        let mut run = Run::start(&SERVICE, &mode).unwrap();
        assert_eq!(step(&mut run, "pending"), Step::End(End::MaxAttempts));

        let mut mode = Wait::new(&SPEC);
        mode.set_delay(Duration::from_millis(50));
        mode.set_deadline(Duration::from_millis(20));
        let mut run = Run::start(&SERVICE, &mode).unwrap();
        assert_eq!(step(&mut run, "pending"), Step::End(End::Deadline));

        static BAD: WaiterSpec = WaiterSpec {
            name: "Bad",
            operation: 7,
            delay: Duration::ZERO,
            max_attempts: 1,
            acceptors: &[],
        };
        assert!(Run::start(&SERVICE, &Wait::new(&BAD))
            .err()
            .unwrap()
            .contains("#7"));
    }
}
