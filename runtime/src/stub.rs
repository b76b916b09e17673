//! boto3's `Stubber`, typed: queue the calls code under test should make
//! and what each returns, then run that code against a client with no
//! server, no network and no credentials.
//!
//! ```ignore
//! // With a generated crate's `stub` feature (the README has the whole example):
//! let stubber = Stubber::new();
//! let config = boto_iam::ClientConfig { stubber: Some(stubber.clone()), ..Default::default() };
//! let iam = boto_iam::Client::with_config(&session, config);
//! stubber.add_response(iam.get_user().user_name("alice"), GetUserResponse::default());
//! stubber.add_client_error(iam.delete_user().user_name("bob"), "NoSuchEntity", "no bob");
//! code_under_test(&iam).await;
//! stubber.assert_done();
//! ```
//!
//! An expectation is made from the operation's builder (the generated
//! crate's `stub` feature implements [`StubOperation`] for each), so the
//! operation, the expected input, the output type and the error type are
//! the operation's own. Each call is serialized as if it were sent (a bad
//! input fails as it would), its input is compared with the next
//! expectation's (exactly, as boto3's `expected_params`, or by a matcher),
//! and the queued output is read into the typed output (through the JSON
//! view every engine uses) or the queued error is returned as the service
//! error the client would parse, modeled exception included. Paginators,
//! waiters and resources run through the same calls, so they can be
//! stubbed too. A call that does not match fails with a diff, and
//! [`Stubber::assert_done`] fails on any such call and on expectations left.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value as J;

use crate::error::{Error, OperationError, RawServiceError};
use crate::protocol::{DeserializeError, ErrorInfo, HttpResponse, SerializeError};
use crate::schema::{Operation, Service};
use crate::value::{De, DeError, Ser};
use crate::view;

/// An operation call a stubber can expect: what the generated crates'
/// `stub` feature implements for each operation builder.
pub trait StubOperation {
    /// The operation's output type (`()` for an operation without one).
    type Output;
    /// The operation's error enum.
    type Error: OperationError;
    /// The call the builder would make.
    fn stub_call(&self) -> StubCall<'_>;
    /// `output` as the codecs read values (`None` for `()`).
    fn stub_output(output: &Self::Output) -> Option<&dyn Ser>;
}

/// The operation and input of a builder.
pub struct StubCall<'a> {
    service: &'static Service,
    operation: &'static Operation,
    input: Option<&'a dyn Ser>,
}

impl<'a> StubCall<'a> {
    /// What generated `StubOperation` impls return.
    pub fn new(
        service: &'static Service,
        operation: &'static Operation,
        input: Option<&'a dyn Ser>,
    ) -> StubCall<'a> {
        StubCall {
            service,
            operation,
            input,
        }
    }
}

/// How an expectation checks the call's input.
enum InputCheck {
    Any,
    Exactly(J),
    Matches(Box<dyn Fn(&J) -> bool + Send>),
}

/// What an expected call returns.
enum Answer {
    Output { view: Option<J>, status: u16 },
    Error { info: ErrorInfo, view: Option<J> },
}

struct Expected {
    service: &'static Service,
    operation: &'static Operation,
    input: InputCheck,
    answer: Answer,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Expected>,
    /// Calls that matched nothing, as their diffs.
    failures: Vec<String>,
    answered: usize,
}

/// A queue of expected calls and their answers, shared by the clients
/// configured with it (`ClientConfig::stubber`). Cheap to clone.
#[derive(Clone, Default)]
pub struct Stubber {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Stubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Stubber")
            .field("expected", &state.queue.len())
            .field("answered", &state.answered)
            .field("failures", &state.failures.len())
            .finish()
    }
}

/// One expectation being set up: [`Stubber::expect_call`], then how to check the
/// input, then what to return.
#[must_use = "an expectation is queued by returns(), fails() or fails_with()"]
pub struct Expect<'s, B: StubOperation> {
    stubber: &'s Stubber,
    service: &'static Service,
    operation: &'static Operation,
    input: InputCheck,
    status: Option<u16>,
    _call: std::marker::PhantomData<fn() -> B>,
}

impl<B: StubOperation> Expect<'_, B> {
    /// Accept any input (boto3's `expected_params=None`).
    pub fn any_input(mut self) -> Self {
        self.input = InputCheck::Any;
        self
    }

    /// Accept an input whose JSON view (model member names, as boto3's
    /// parameters) `matcher` accepts.
    pub fn input_matching(mut self, matcher: impl Fn(&J) -> bool + Send + 'static) -> Self {
        self.input = InputCheck::Matches(Box::new(matcher));
        self
    }

    /// The HTTP status of the answer (200 for an output, else the error's).
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Answers with `output`.
    pub fn returns(self, output: B::Output) {
        let view = match (self.operation.output, B::stub_output(&output)) {
            (Some(shape), Some(value)) => Some(view::to_json(self.service, shape, value)),
            _ => None,
        };
        let status = self.status.unwrap_or(200);
        self.queue(Answer::Output { view, status });
    }

    /// Answers with a service error of `code` that is not one of the
    /// operation's modeled exceptions (or whose members do not matter).
    pub fn fails(self, code: &str, message: &str) {
        let info = ErrorInfo {
            code: code.to_owned(),
            message: Some(message.to_owned()),
            request_id: Some("stubbed".to_owned()),
            status: self.status.unwrap_or(400),
            type_code: None,
        };
        self.queue(Answer::Error { info, view: None });
    }

    /// Answers with the modeled exception `exception` (a value of the
    /// generated exception type) under `code`, as the client would parse it
    /// from the wire; its status is the model's `httpStatusCode` unless set.
    pub fn fails_with(self, code: &str, exception: &dyn Ser) {
        let index = crate::protocol::find_error_for(
            self.service,
            self.operation,
            &ErrorInfo {
                code: code.to_owned(),
                message: None,
                request_id: None,
                status: 400,
                type_code: None,
            },
        );
        let shape = index.and_then(|i| self.operation.errors.get(i).copied());
        let view = shape.map(|s| view::to_json(self.service, s, exception));
        let status = self.status.unwrap_or_else(|| {
            shape
                .and_then(|s| self.service.shape(s).structure())
                .and_then(|st| st.error.as_ref().and_then(|e| e.http_status))
                .unwrap_or(400)
        });
        let message = view
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("Message")))
            .and_then(J::as_str)
            .map(str::to_owned);
        let info = ErrorInfo {
            code: code.to_owned(),
            message,
            request_id: Some("stubbed".to_owned()),
            status,
            type_code: None,
        };
        self.queue(Answer::Error { info, view });
    }

    fn queue(self, answer: Answer) {
        self.stubber.lock().queue.push_back(Expected {
            service: self.service,
            operation: self.operation,
            input: self.input,
            answer,
        });
    }
}

impl Stubber {
    /// An empty stubber.
    pub fn new() -> Stubber {
        Stubber::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere (a failed assertion) leaves the state usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Expects the call `call` (an operation builder with the expected
    /// input set), next after those already expected.
    pub fn expect_call<B: StubOperation>(&self, call: B) -> Expect<'_, B> {
        let c = call.stub_call();
        let input = match (c.operation.input, c.input) {
            (Some(shape), Some(value)) => {
                InputCheck::Exactly(view::to_json(c.service, shape, value))
            }
            _ => InputCheck::Exactly(J::Object(Default::default())),
        };
        Expect {
            stubber: self,
            service: c.service,
            operation: c.operation,
            input,
            status: None,
            _call: std::marker::PhantomData,
        }
    }

    /// Expects `call` with exactly its input, answered with `output`
    /// (boto3's `add_response`).
    pub fn add_response<B: StubOperation>(&self, call: B, output: B::Output) {
        self.expect_call(call).returns(output);
    }

    /// Expects `call` with exactly its input, answered with a service error
    /// (boto3's `add_client_error`).
    pub fn add_client_error<B: StubOperation>(&self, call: B, code: &str, message: &str) {
        self.expect_call(call).fails(code, message);
    }

    /// Expectations not yet met.
    pub fn pending(&self) -> usize {
        self.lock().queue.len()
    }

    /// Panics if an expected call was not made, or a call matched nothing
    /// (boto3's `assert_no_pending_responses`, and more).
    #[track_caller]
    pub fn assert_done(&self) {
        let state = self.lock();
        let mut problems: Vec<String> = state.failures.clone();
        for e in &state.queue {
            problems.push(format!(
                "expected {}.{} was not called",
                e.service.name, e.operation.name
            ));
        }
        drop(state);
        if !problems.is_empty() {
            // The assertion of a test helper: its failure is the test's.
            #[allow(clippy::panic)]
            {
                panic!("stubber: {}", problems.join("\n"));
            }
        }
    }

    /// Answers a call of the client this stubber is configured on (the
    /// request was serialized already).
    pub(crate) fn answer(
        &self,
        service: &'static Service,
        operation: &'static Operation,
        input: Option<&dyn Ser>,
        output: &mut dyn De,
    ) -> Result<u16, Error<RawServiceError>> {
        let got = match (operation.input, input) {
            (Some(shape), Some(value)) => view::to_json(service, shape, value),
            _ => J::Object(Default::default()),
        };
        let mut state = self.lock();
        let refuse = |state: &mut State, why: String| {
            let message = format!("stubber: {}.{}: {why}", service.name, operation.name);
            state.failures.push(message.clone());
            Err(Error::Build(SerializeError::new(
                operation.name,
                "",
                message,
            )))
        };
        let Some(next) = state.queue.front() else {
            return refuse(
                &mut state,
                format!("unexpected call (nothing more is expected), input {got}"),
            );
        };
        if !std::ptr::eq(next.operation, operation) || next.service.name != service.name {
            let why = format!(
                "unexpected call: {}.{} is expected next",
                next.service.name, next.operation.name
            );
            return refuse(&mut state, why);
        }
        let mismatch = match &next.input {
            InputCheck::Any => None,
            InputCheck::Exactly(expected) => {
                let mut lines = Vec::new();
                diff(expected, &got, &mut String::from("input"), &mut lines);
                (!lines.is_empty()).then(|| lines.join("\n  "))
            }
            InputCheck::Matches(matcher) => {
                (!matcher(&got)).then(|| format!("the matcher refused input {got}"))
            }
        };
        if let Some(diff) = mismatch {
            return refuse(&mut state, format!("unexpected input:\n  {diff}"));
        }
        let Some(next) = state.queue.pop_front() else {
            return refuse(&mut state, "the expectation vanished".into());
        };
        state.answered += 1;
        drop(state);
        match next.answer {
            Answer::Output { view, status } => {
                if let (Some(shape), Some(mut view)) = (operation.output, view) {
                    let failed = |e: DeError| {
                        Error::Response(crate::error::ResponseError {
                            status,
                            request_id: None,
                            source: DeserializeError::value(service.shape(shape).name, e),
                        })
                    };
                    let events = take_events(service, shape, &mut view);
                    view::write(service, shape, &view, output).map_err(failed)?;
                    if let Some((index, union, events)) = events {
                        let codec = crate::protocol::codec(service.metadata.protocol);
                        let raw = crate::event_stream::from_views(service, union, codec, &events)
                            .map_err(|e| failed(DeError::Invalid(e)))?;
                        output
                            .member(index)
                            .and_then(|slot| slot.set(crate::value::Scalar::Events(raw)))
                            .map_err(failed)?;
                    }
                }
                Ok(status)
            }
            Answer::Error { info, view } => {
                let response = HttpResponse {
                    status: info.status,
                    headers: Default::default(),
                    body: Default::default(),
                };
                let raw =
                    RawServiceError::new(service, operation, info.clone(), response).stubbed(view);
                Err(Error::Service(crate::error::ServiceFailure::new(raw, info)))
            }
        }
    }
}

/// The stubbed events of the output's event-stream member, taken out of
/// `view` (its member index, its union and the events' views).
fn take_events(
    service: &Service,
    shape: crate::schema::ShapeId,
    view: &mut J,
) -> Option<(usize, crate::schema::ShapeId, Vec<J>)> {
    let st = service.shape(shape).structure()?;
    let (index, member) = crate::protocol::common::event_stream_member(service, st)?;
    match view.as_object_mut()?.remove(member.name)? {
        J::Array(events) => Some((index, member.target, events)),
        _ => None,
    }
}

/// Lines saying where `got` differs from `expected`, botocore's way of
/// telling which parameter did not match.
fn diff(expected: &J, got: &J, path: &mut String, out: &mut Vec<String>) {
    match (expected, got) {
        (J::Object(e), J::Object(g)) => {
            for (k, ev) in e {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                match g.get(k) {
                    Some(gv) => diff(ev, gv, path, out),
                    None => out.push(format!("{path}: expected {ev}, missing")),
                }
                path.truncate(len);
            }
            for (k, gv) in g {
                if !e.contains_key(k) {
                    out.push(format!("{path}.{k}: not expected, got {gv}"));
                }
            }
        }
        (J::Array(e), J::Array(g)) if e.len() == g.len() => {
            for (i, (ev, gv)) in e.iter().zip(g).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                diff(ev, gv, path, out);
                path.truncate(len);
            }
        }
        (e, g) if e != g => out.push(format!("{path}: expected {e}, got {g}")),
        _ => {}
    }
}
