//! Paginators: every page (or every item) of a paginated operation, with
//! botocore's semantics.
//!
//! A generated crate describes each paginator with a static
//! [`PaginatorSpec`] (botocore's `paginators-1.json` entry) and gives each
//! paginated operation builder an `into_paginator()` returning a
//! [`Paginator`]. One engine runs them all: it works on the JSON
//! view ([`crate::view`]) of the input and reads responses through
//! `Ser` ([`crate::value::Ser`]); the generic types here only build typed
//! requests and pages.
//!
//! - [`Paginator::send`]: a [`Stream`] of typed pages ([`Pages`]);
//! - [`Paginator::items`]: a stream of the first result key's items;
//!   [`Paginator::items_with`] and [`Paginator::result_key`] reach the others;
//! - [`Paginator::page_size`], [`Paginator::max_items`] (client side, stops
//!   mid-page if need be) and [`Paginator::starting_token`];
//! - resume tokens ([`Pages::resume_token`]) are botocore's: base64 of the
//!   JSON of every input token, plus `boto_truncate_amount` after a mid-page
//!   stop, so tokens from boto3 resume here and the other way round;
//! - [`Paginator::build_full_result`] merges every page into one output.
//!
//! `max_items` counts as botocore does (Python's `len` of the first result
//! key). Where botocore would fail or drop data, with a map-valued first
//! result key (five paginators, e.g. API Gateway `GetUsage`), maps are cut
//! and resumed by entries in key order instead.
//!
//! Token, `more_results` and result-key expressions are compiled once per
//! process by [`crate::jmespath`], the module waiters and resources share
//! (re-exported as [`expr`]).
//!
//! Pages are not kept: memory stays that of one page however long the
//! listing, unless [`Paginator::build_full_result`] is asked for.
//!
//! Paging errors use the variants of [`Error`]: a bad starting token or a
//! page size for a paginator without `limit_key` is [`Error::Build`] (member
//! `StartingToken` or `PageSize`); the same next token received twice in a
//! row (which would loop forever) is [`Error::Response`].

mod engine;
pub mod expr;
mod path;
pub mod token;

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use futures_util::stream::{Stream, StreamExt, TryStreamExt};
use serde_json::{Map, Value as J};

use crate::client::Client;
use crate::error::{Error, OperationError, ResponseError};
use crate::protocol::{DeserializeError, SerializeError};
use crate::schema::{Operation, ShapeKind};
use crate::value::{De, Ser};
use crate::view;
use crate::BoxFuture;
use engine::{merge_page, Engine, Settings};

/// One paginator of `paginators-1.json`, as the generator emits it.
#[derive(Debug, Clone, Copy)]
pub struct PaginatorSpec {
    /// The operation's model name (`ListUsers`).
    pub operation: &'static str,
    /// Input members the tokens go to.
    pub input_tokens: &'static [&'static str],
    /// JMESPath expressions on the output, one per input token.
    pub output_tokens: &'static [&'static str],
    /// JMESPath expression: pages follow only while it is true.
    pub more_results: Option<&'static str>,
    /// The input member limiting a page's size.
    pub limit_key: Option<&'static str>,
    /// Dotted paths of the aggregated results; the first one is counted by `max_items`.
    pub result_keys: &'static [&'static str],
    /// Dotted paths of values kept from the first page by `build_full_result`.
    pub non_aggregate_keys: &'static [&'static str],
}

impl PaginatorSpec {
    /// No tokens and no keys, for `..PaginatorSpec::DEFAULT` in hand-written specs.
    pub const DEFAULT: PaginatorSpec = PaginatorSpec {
        operation: "",
        input_tokens: &[],
        output_tokens: &[],
        more_results: None,
        limit_key: None,
        result_keys: &[],
        non_aggregate_keys: &[],
    };
}

/// Why paging stopped, short of a failed call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaginationError {
    /// A starting token that is neither botocore's format nor fits this paginator.
    #[error("{operation} paginator: bad starting token: {reason}")]
    BadStartingToken {
        /// The operation's model name.
        operation: &'static str,
        /// What is wrong with the token.
        reason: String,
    },
    /// A page size was set, but the paginator has no `limit_key` to send it as.
    #[error("{operation} paginator: page_size is not supported: the paginator has no limit_key")]
    NoLimitKey {
        /// The operation's model name.
        operation: &'static str,
    },
    #[error("{operation} paginator: the same next token was received twice: {token}")]
    /// A response gave the same next token as the one before (paging would never end).
    RepeatedToken {
        /// The operation's model name.
        operation: &'static str,
        /// The repeated token, as JSON text.
        token: String,
    },
    /// The paginator does not fit the model (a generator bug).
    #[error("{operation} paginator: {message}")]
    Spec {
        /// The operation's model name.
        operation: &'static str,
        /// What does not fit.
        message: String,
    },
}

impl PaginationError {
    fn into_error<E>(self, input_shape: &str, output_shape: &str) -> Error<E> {
        let message = self.to_string();
        match self {
            PaginationError::BadStartingToken { .. } | PaginationError::Spec { .. } => {
                Error::Build(SerializeError::new(input_shape, "StartingToken", message))
            }
            PaginationError::NoLimitKey { .. } => {
                Error::Build(SerializeError::new(input_shape, "PageSize", message))
            }
            PaginationError::RepeatedToken { .. } => Error::Response(ResponseError {
                status: 200,
                request_id: None,
                source: DeserializeError::new(output_shape, message),
            }),
        }
    }
}

/// An output type whose first result key is typed: what
/// [`Paginator::items`] yields. Generated for each paginated operation.
pub trait Paginated: Sized {
    /// A list's element, `(key, value)` of a map, else the value itself.
    type Item;
    /// The items of the first result key of this page.
    fn into_items(self) -> Vec<Self::Item>;
}

/// What a paginator needs of input and output types.
pub trait PageInput: Ser + De + Default + Send + Sync + 'static {}
impl<T: Ser + De + Default + Send + Sync + 'static> PageInput for T {}

/// A paginated call not yet started: settings, then [`send`](Paginator::send).
pub struct Paginator<I, O, E> {
    client: Client,
    operation: &'static Operation,
    spec: &'static PaginatorSpec,
    input: I,
    settings: Settings,
    _types: PhantomData<fn() -> (O, E)>,
}

impl<I: std::fmt::Debug, O, E> std::fmt::Debug for Paginator<I, O, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.spec.operation)
            .field("input", &self.input)
            .field("page_size", &self.settings.page_size)
            .field("max_items", &self.settings.max_items)
            .field("starting_token", &self.settings.starting_token)
            .finish()
    }
}

impl<I, O, E> Paginator<I, O, E>
where
    I: PageInput,
    O: PageInput,
    E: OperationError,
{
    /// What generated `into_paginator()` methods call.
    pub fn new(
        client: Client,
        operation: &'static Operation,
        spec: &'static PaginatorSpec,
        input: I,
    ) -> Self {
        Paginator {
            client,
            operation,
            spec,
            input,
            settings: Settings::default(),
            _types: PhantomData,
        }
    }

    /// Items per page, sent as the paginator's `limit_key`. Paging fails with
    /// [`Error::Build`] when the paginator has none.
    pub fn page_size(mut self, size: impl Into<i64>) -> Self {
        self.settings.page_size = Some(size.into());
        self
    }

    /// Stop after this many items of the first result key (client side);
    /// [`Pages::resume_token`] then tells where to resume.
    pub fn max_items(mut self, items: usize) -> Self {
        self.settings.max_items = Some(items);
        self
    }

    /// Resume where a [`Pages::resume_token`] (or boto3's `resume_token`) left off.
    pub fn starting_token(mut self, token: impl Into<String>) -> Self {
        self.settings.starting_token = Some(token.into());
        self
    }

    /// The paginator being run.
    pub fn spec(&self) -> &'static PaginatorSpec {
        self.spec
    }

    /// Starts paging: a stream of typed pages.
    pub fn send(self) -> Pages<I, O, E> {
        let engine = Engine::new(
            self.client.service(),
            self.operation,
            self.spec,
            &self.input,
            self.settings,
        );
        Pages {
            idle: Some(Box::new(Run {
                client: self.client,
                engine,
            })),
            running: None,
            resume_token: None,
            _types: PhantomData,
        }
    }

    /// A stream of the items of the first result key.
    pub fn items(self) -> Items<O::Item, I, O, E>
    where
        O: Paginated,
        O::Item: Send + 'static,
    {
        self.items_with(O::into_items)
    }

    /// A stream of the items `extract` takes from each page (the generated
    /// `paginator::<operation>::<result key>` functions reach every result key).
    pub fn items_with<T, F>(self, extract: F) -> Items<T, I, O, E>
    where
        F: FnMut(O) -> Vec<T> + Send + 'static,
        T: Send + 'static,
    {
        Items {
            pages: self.send(),
            extract: Box::new(extract),
            buffer: Vec::new().into_iter(),
        }
    }

    /// A stream of the views of result key `index`'s items (each element of a
    /// list, else the value itself), as botocore's `PageIterator.search`.
    pub fn result_key(self, index: usize) -> Items<J, I, O, E> {
        let service = self.client.service();
        let shape = self.operation.output.unwrap_or(0);
        let key = self.spec.result_keys.get(index).copied();
        self.items_with(move |page: O| {
            let Some(key) = key else { return Vec::new() };
            match path::view_at(service, shape, &page, key) {
                J::Null => Vec::new(),
                J::Array(items) => items,
                other => vec![other],
            }
        })
    }

    /// Every page merged into one output, as botocore's `build_full_result`:
    /// result keys aggregated, non-aggregate keys from the first page, other
    /// members absent. When `max_items` cut the listing short, the resume
    /// token is set in the output's `NextToken` member, else in the member of
    /// the first output token, when either is a string.
    pub async fn build_full_result(self) -> Result<O, Error<E>> {
        Ok(self.build_full_result_with_token().await?.0)
    }

    /// [`build_full_result`](Paginator::build_full_result), with the resume token.
    pub async fn build_full_result_with_token(self) -> Result<(O, Option<String>), Error<E>> {
        let service = self.client.service();
        let shape = self.operation.output.unwrap_or(0);
        let spec = self.spec;
        let mut pages = self.send();
        let mut complete = Map::new();
        while let Some(page) = pages.next().await {
            merge_page(&mut complete, service, shape, spec, &page?);
        }
        let Some(run) = pages.idle.as_ref() else {
            return Err(PaginationError::Spec {
                operation: spec.operation,
                message: "paging ended without its state".into(),
            }
            .into_error("", ""));
        };
        path::merge(&mut complete, run.engine.non_aggregate());
        let token = pages.resume_token.clone();
        if let (Some(token), Some(member)) = (&token, token_member(&run.engine)) {
            complete.insert(member.to_owned(), J::from(token.as_str()));
        }
        let mut out = O::default();
        view::write(service, shape, &J::Object(complete), &mut out).map_err(|e| {
            Error::Response(ResponseError {
                status: 200,
                request_id: None,
                source: DeserializeError::value(service.shape(shape).name, e),
            })
        })?;
        Ok((out, token))
    }
}

/// Where `build_full_result` puts a resume token: `NextToken`, else the
/// first member the first output token reads, if a string.
fn token_member(engine: &Engine) -> Option<&'static str> {
    let service = engine.service;
    let st = service.shape(engine.output_shape()).structure()?;
    let is_string = |name: &str| {
        st.member_named(name)
            .is_some_and(|(_, m)| matches!(service.shape(m.target).kind, ShapeKind::String))
    };
    let first = engine.spec.output_tokens.first()?;
    let compiled = crate::jmespath::cached(first).ok()?;
    let first_root = compiled.roots().and_then(|r| r.first()).cloned();
    let chosen = ["NextToken"]
        .into_iter()
        .chain(first_root.as_deref())
        .find(|n| is_string(n))?;
    st.members.iter().find(|m| m.name == chosen).map(|m| m.name)
}

/// The state a page request takes with it and gives back.
struct Run {
    client: Client,
    engine: Engine,
}

type Step<O, E> = (Box<Run>, Option<Result<O, Error<E>>>);

/// The pages of a paginated call: a [`Stream`] of typed outputs.
///
/// After the stream ends, [`resume_token`](Pages::resume_token) says where to
/// resume when `max_items` stopped it early.
pub struct Pages<I, O, E> {
    idle: Option<Box<Run>>,
    running: Option<BoxFuture<'static, Step<O, E>>>,
    resume_token: Option<String>,
    _types: PhantomData<fn() -> I>,
}

impl<I, O, E> Pages<I, O, E> {
    /// Where to resume (botocore's token format), once `max_items` stopped paging.
    pub fn resume_token(&self) -> Option<&str> {
        self.resume_token.as_deref()
    }
}

impl<I, O, E> std::fmt::Debug for Pages<I, O, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("running", &self.running.is_some())
            .field("resume_token", &self.resume_token)
            .finish()
    }
}

impl<I, O, E> Stream for Pages<I, O, E>
where
    I: PageInput,
    O: PageInput,
    E: OperationError,
{
    type Item = Result<O, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.running.is_none() {
            let Some(run) = this.idle.take() else {
                return Poll::Ready(None);
            };
            this.running = Some(Box::pin(step::<I, O, E>(run)));
        }
        let Some(running) = this.running.as_mut() else {
            return Poll::Ready(None);
        };
        let (run, item) = match running.as_mut().poll(cx) {
            Poll::Ready(done) => done,
            Poll::Pending => return Poll::Pending,
        };
        this.running = None;
        this.resume_token = run.engine.resume_token().map(str::to_owned);
        this.idle = Some(run);
        Poll::Ready(item)
    }
}

/// Requests one page: the only code generic over the input and output types.
async fn step<I, O, E>(mut run: Box<Run>) -> Step<O, E>
where
    I: PageInput,
    O: PageInput,
    E: OperationError,
{
    let engine = &mut run.engine;
    let service = engine.service;
    let (in_name, out_name) = (
        service.shape(engine.input_shape()).name,
        service.shape(engine.output_shape()).name,
    );
    let fail = |engine: &mut Engine, e: PaginationError| {
        engine.stop();
        Some(Err(e.into_error(in_name, out_name)))
    };
    let request = match engine.next_request() {
        Ok(Some(request)) => request,
        Ok(None) => return (run, None),
        Err(e) => {
            let item = fail(engine, e);
            return (run, item);
        }
    };
    let mut input = I::default();
    if let Err(e) = view::write(
        service,
        engine.input_shape(),
        &J::Object(request),
        &mut input,
    ) {
        engine.stop();
        let item = Some(Err(Error::Build(SerializeError::new(
            in_name,
            "",
            format!("{} paginator: {e}", engine.spec.operation),
        ))));
        return (run, item);
    }
    let mut output = O::default();
    let called = run
        .client
        .call(run.engine.operation, Some(&input), &mut output)
        .await;
    let engine = &mut run.engine;
    if let Err(e) = called {
        engine.stop();
        return (run, Some(Err(e.typed())));
    }
    match engine.after_page(&output) {
        Ok(None) => (run, Some(Ok(output))),
        Ok(Some(cut)) => {
            let mut page = O::default();
            match view::write(service, engine.output_shape(), &cut, &mut page) {
                Ok(()) => (run, Some(Ok(page))),
                Err(e) => {
                    engine.stop();
                    let source = DeserializeError::value(out_name, e);
                    let item = Some(Err(Error::Response(ResponseError {
                        status: 200,
                        request_id: None,
                        source,
                    })));
                    (run, item)
                }
            }
        }
        Err(e) => {
            let item = fail(engine, e);
            (run, item)
        }
    }
}

/// The items of a paginated call, page after page: a [`Stream`].
pub struct Items<T, I, O, E> {
    pages: Pages<I, O, E>,
    extract: Box<dyn FnMut(O) -> Vec<T> + Send>,
    buffer: std::vec::IntoIter<T>,
}

impl<T, I, O, E> Items<T, I, O, E> {
    /// Where to resume, once `max_items` stopped paging (see [`Pages::resume_token`]).
    pub fn resume_token(&self) -> Option<&str> {
        self.pages.resume_token()
    }
}

impl<T, I, O, E> std::fmt::Debug for Items<T, I, O, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

// Nothing is pinned in place: items are moved out of the buffer.
impl<T, I, O, E> Unpin for Items<T, I, O, E> {}

impl<T, I, O, E> Stream for Items<T, I, O, E>
where
    I: PageInput,
    O: PageInput,
    E: OperationError,
{
    type Item = Result<T, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => this.buffer = (this.extract)(page).into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests;
