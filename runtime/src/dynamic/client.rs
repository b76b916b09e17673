//! A client of any service from its botocore model, read at run time: the
//! same codecs, signing, endpoint rules, retries, error parsing, paginator
//! and waiter engines as generated clients, with JSON in and out.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value as J;

use super::{build_service, xform_name, DynValue, JsonStyle, ModelError};
use crate::client::{Client, ClientConfig};
use crate::env::Env;
use crate::error::{Error, OperationError, RawServiceError};
use crate::model_files::{ModelFileError, ServiceFiles};
use crate::paginator::{PaginatorSpec, StreamExt};
use crate::protocol::{DeserializeError, SerializeError};
use crate::schema::{Operation, Service};
use crate::session::Session;
use crate::waiter::{Acceptor, Wait, WaiterError, WaiterSpec};

/// A service's model could not be found or used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No folder of the search path has the service.
    #[error("no model of service {service:?} in {}; add a folder with --models, AWS_DATA_PATH or ModelSearch::dir", searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NotFound {
        /// The service asked for.
        service: String,
        /// The folders looked in, in order.
        searched: Vec<PathBuf>,
    },
    /// A model file could not be read.
    #[error(transparent)]
    File(#[from] ModelFileError),
    /// The model does not lower.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A paginator or waiter does not fit the model.
    #[error("service {service}: {message}")]
    Spec {
        /// The service.
        service: String,
        /// What does not fit.
        message: String,
    },
}

/// Where service models are looked for, in order: folders given with
/// [`ModelSearch::dir`], then botocore's own search path: each folder of
/// `AWS_DATA_PATH`, `~/.aws/models`, and the installed botocore's `data`
/// folder (asked of `python3`, or of `BOTO_PYTHON`).
#[derive(Debug, Clone, Default)]
pub struct ModelSearch {
    dirs: Vec<PathBuf>,
    no_botocore: bool,
}

impl ModelSearch {
    /// The default search path.
    pub fn new() -> ModelSearch {
        ModelSearch::default()
    }

    /// Looks in `dir` (holding `<service>/<api-version>/service-2.json`) first.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> ModelSearch {
        self.dirs.push(dir.into());
        self
    }

    /// Does not ask Python where botocore is installed.
    pub fn without_botocore(mut self) -> ModelSearch {
        self.no_botocore = true;
        self
    }

    /// The folders searched, in order.
    pub fn folders(&self, env: &Env) -> Vec<PathBuf> {
        let mut out = self.dirs.clone();
        if let Some(path) = env.get("AWS_DATA_PATH") {
            out.extend(std::env::split_paths(&path).filter(|p| !p.as_os_str().is_empty()));
        }
        if let Some(home) = env.home_dir() {
            out.push(home.join(".aws").join("models"));
        }
        if !self.no_botocore {
            out.extend(botocore_data(env));
        }
        out
    }

    /// The newest model of `service` in the first folder that has it.
    pub fn load(&self, env: &Env, service: &str) -> Result<ServiceFiles, LoadError> {
        let searched = self.folders(env);
        for dir in &searched {
            let service_dir = dir.join(service);
            if service_dir.is_dir() && crate::model_files::newest_version_dir(&service_dir).is_ok()
            {
                return Ok(ServiceFiles::load(&service_dir)?);
            }
        }
        Err(LoadError::NotFound {
            service: service.to_owned(),
            searched,
        })
    }
}

/// The installed botocore's `data` folder, if there is one.
fn botocore_data(env: &Env) -> Option<PathBuf> {
    let python = env.get("BOTO_PYTHON").unwrap_or_else(|| "python3".into());
    crate::model_files::botocore_data(&python).ok()
}

/// A service error of a dynamic call: what every error carries, and the
/// modeled exception's members, if the code is one of the operation's.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {}", .0.code, .0.message.as_deref().unwrap_or("(no message)"))]
pub struct DynServiceError(Box<DynErrorInner>);

#[derive(Debug, Clone)]
struct DynErrorInner {
    code: String,
    message: Option<String>,
    shape: Option<&'static str>,
    fields: J,
}

impl DynServiceError {
    /// The error code (`ResourceNotFoundException`).
    pub fn code(&self) -> &str {
        &self.0.code
    }
    /// The message the response gave.
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// The modeled exception's shape name, when the code is one of the operation's.
    pub fn shape(&self) -> Option<&'static str> {
        self.0.shape
    }
    /// The modeled exception's members as JSON ([`JsonStyle::BOTO3`]);
    /// `null` for an unmodeled code.
    pub fn fields(&self) -> &J {
        &self.0.fields
    }
}

impl OperationError for DynServiceError {
    fn from_raw(raw: &RawServiceError) -> Result<Self, DeserializeError> {
        let info = raw.info();
        let shape = raw
            .modeled()
            .and_then(|i| raw.operation().errors.get(i).copied());
        let (name, fields) = match shape {
            Some(shape) => {
                let value: DynValue = raw.parse()?;
                let service = raw.service();
                (
                    Some(service.shape(shape).name),
                    value.to_json_with(service, shape, JsonStyle::BOTO3),
                )
            }
            None => (None, J::Null),
        };
        Ok(DynServiceError(Box::new(DynErrorInner {
            code: info.code.clone(),
            message: info.message.clone(),
            shape: name,
            fields,
        })))
    }
}

/// A paginator's settings (boto3's `PaginationConfig`).
#[derive(Debug, Clone, Default)]
pub struct Paging {
    /// Items per page, sent as the paginator's `limit_key` (`PageSize`).
    pub page_size: Option<i64>,
    /// Stop after this many items of the first result key (`MaxItems`).
    pub max_items: Option<usize>,
    /// Resume where a `NextToken` left off (`StartingToken`).
    pub starting_token: Option<String>,
}

/// The result of a dynamic call.
pub type DynResult<T> = Result<T, Error<DynServiceError>>;

/// A client of any service, built from its model at run time.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use boto_runtime::dynamic::DynamicClient;
/// let session = boto_runtime::Session::new();
/// let ecr = DynamicClient::new(&session, "ecr")?;
/// let out = ecr
///     .call("create_repository", &serde_json::json!({"repositoryName": "app"}))
///     .await?;
/// println!("{}", out["repository"]["repositoryUri"]);
/// # Ok(()) }
/// ```
///
/// Operations are named as the model does (`CreateRepository`), as boto3
/// does (`create_repository`) or as the AWS CLI does (`create-repository`).
/// Inputs are JSON shaped as boto3 takes its keyword arguments (blobs as
/// text, timestamps as epoch seconds or ISO 8601 text); outputs are JSON
/// in [`JsonStyle::BOTO3`] (timestamps as Python's `isoformat()`, blobs in
/// base64, a streaming body read whole into base64), without boto3's
/// `ResponseMetadata`.
#[derive(Clone)]
pub struct DynamicClient {
    client: Client,
    paginators: BTreeMap<&'static str, &'static PaginatorSpec>,
    waiters: BTreeMap<&'static str, &'static WaiterSpec>,
}

impl std::fmt::Debug for DynamicClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicClient")
            .field("client", &self.client)
            .field("paginators", &self.paginators.keys().collect::<Vec<_>>())
            .field("waiters", &self.waiters.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Models already lowered, by folder: a service is lowered (and leaked) once.
type Loaded = (
    &'static Service,
    BTreeMap<&'static str, &'static PaginatorSpec>,
    BTreeMap<&'static str, &'static WaiterSpec>,
);

impl DynamicClient {
    /// A client of `service` (its botocore folder name: `ecr`,
    /// `stepfunctions`) found on the default [`ModelSearch`].
    pub fn new(session: &Session, service: &str) -> Result<DynamicClient, LoadError> {
        DynamicClient::with_config(
            session,
            service,
            &ModelSearch::new(),
            ClientConfig::default(),
        )
    }

    /// A client of `service` found on `search`, with `config` over the session's settings.
    pub fn with_config(
        session: &Session,
        service: &str,
        search: &ModelSearch,
        config: ClientConfig,
    ) -> Result<DynamicClient, LoadError> {
        let files = search.load(&session.inner.env, service)?;
        DynamicClient::from_files(session, service, &files, config)
    }

    /// A client of the service whose model files are `files`.
    pub fn from_files(
        session: &Session,
        service: &str,
        files: &ServiceFiles,
        config: ClientConfig,
    ) -> Result<DynamicClient, LoadError> {
        static CACHE: OnceLock<Mutex<BTreeMap<(String, PathBuf), Loaded>>> = OnceLock::new();
        let key = (service.to_owned(), files.dir.clone());
        let cached = CACHE
            .get_or_init(Default::default)
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned());
        let (schema, paginators, waiters) = match cached {
            Some(loaded) => loaded,
            None => {
                let loaded = lower_files(service, files)?;
                if let Ok(mut c) = CACHE.get_or_init(Default::default).lock() {
                    c.insert(key, loaded.clone());
                }
                loaded
            }
        };
        Ok(DynamicClient {
            client: Client::with_config(session, schema, config),
            paginators,
            waiters,
        })
    }

    /// The runtime client underneath (for [`Client::call`] with [`DynValue`]s).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The service schema.
    pub fn service(&self) -> &'static Service {
        self.client.service()
    }

    /// Every operation's model name, sorted.
    pub fn operation_names(&self) -> impl Iterator<Item = &'static str> {
        self.service().operations.iter().map(|o| o.name)
    }

    /// Every waiter's model name, sorted.
    pub fn waiter_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.waiters.keys().copied()
    }

    /// The waiter named `name` as the model (`BucketExists`), boto3
    /// (`bucket_exists`) or the AWS CLI (`bucket-exists`) name it.
    pub fn waiter(&self, name: &str) -> Option<&'static WaiterSpec> {
        self.waiters
            .iter()
            .find(|(w, _)| **w == name || xform_name(w, '_') == name || xform_name(w, '-') == name)
            .map(|(_, spec)| *spec)
    }

    /// Whether `operation` has a paginator.
    pub fn can_paginate(&self, operation: &str) -> bool {
        self.operation(operation)
            .is_ok_and(|op| self.paginators.contains_key(op.name))
    }

    /// The operation named `name` as the model, boto3 or the AWS CLI name it.
    pub fn operation(&self, name: &str) -> DynResult<&'static Operation> {
        let service = self.service();
        service
            .operations
            .iter()
            .find(|o| o.name == name)
            .or_else(|| {
                service
                    .operations
                    .iter()
                    .find(|o| xform_name(o.name, '_') == name || xform_name(o.name, '-') == name)
            })
            .ok_or_else(|| {
                Error::Build(SerializeError::new(
                    service.name,
                    "operation",
                    format!("{} has no operation {name:?}", service.name),
                ))
            })
    }

    /// The input of `operation` read from boto3-style JSON.
    pub fn input(&self, operation: &'static Operation, input: &J) -> DynResult<DynValue> {
        let service = self.service();
        match operation.input {
            Some(shape) => DynValue::from_json(service, shape, input).map_err(|e| {
                Error::Build(SerializeError::new(
                    service.shape(shape).name,
                    &e.path,
                    e.message,
                ))
            }),
            None if input.as_object().is_none_or(|o| o.is_empty()) => Ok(DynValue::Empty),
            None => Err(Error::Build(SerializeError::new(
                operation.name,
                "",
                format!("{} takes no input", operation.name),
            ))),
        }
    }

    /// The output `value` of `operation` as JSON ([`JsonStyle::BOTO3`]).
    pub fn output_json(&self, operation: &'static Operation, value: &DynValue) -> J {
        match operation.output {
            Some(shape) => value.to_json_with(self.service(), shape, JsonStyle::BOTO3),
            None => J::Object(Default::default()),
        }
    }

    /// Calls `operation` with `input`; a streaming output body is read whole.
    pub async fn call(&self, operation: &str, input: &J) -> DynResult<J> {
        let op = self.operation(operation)?;
        let input = self.input(op, input)?;
        let mut output = DynValue::Empty;
        self.client
            .call(op, op.input.map(|_| &input as _), &mut output)
            .await
            .map_err(Error::typed)?;
        read_streams(&mut output).await?;
        Ok(self.output_json(op, &output))
    }

    /// Every page of `operation` merged as botocore's `build_full_result`
    /// does; `max_items` stops early and the resume token is then the
    /// output's `NextToken`, as in boto3's result.
    pub async fn paginate(&self, operation: &str, input: &J, paging: &Paging) -> DynResult<J> {
        let (op, paginator) = self.paginator(operation, input, paging)?;
        let (out, token) = paginator.build_full_result_with_token().await?;
        let mut json = self.output_json(op, &out);
        if let (Some(token), Some(obj)) = (token, json.as_object_mut()) {
            // As boto3's dict: the token under `NextToken`, whatever the
            // model's member (the engine put it in `Marker` for IAM).
            obj.retain(|_, v| v.as_str() != Some(token.as_str()));
            obj.insert("NextToken".into(), J::from(token));
        }
        Ok(json)
    }

    /// Each page of `operation`, as JSON, in order.
    pub async fn pages(&self, operation: &str, input: &J, paging: &Paging) -> DynResult<Vec<J>> {
        let (op, paginator) = self.paginator(operation, input, paging)?;
        let mut pages = paginator.send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            out.push(self.output_json(op, &page?));
        }
        Ok(out)
    }

    /// The engine's paginator over `operation`, typed on [`DynValue`].
    #[allow(clippy::type_complexity)]
    pub fn paginator(
        &self,
        operation: &str,
        input: &J,
        paging: &Paging,
    ) -> DynResult<(
        &'static Operation,
        crate::paginator::Paginator<DynValue, DynValue, DynServiceError>,
    )> {
        let op = self.operation(operation)?;
        let spec = self.paginators.get(op.name).copied().ok_or_else(|| {
            Error::Build(SerializeError::new(
                op.name,
                "",
                format!("{} has no paginator", op.name),
            ))
        })?;
        let input = self.input(op, input)?;
        let mut paginator = crate::paginator::Paginator::new(self.client.clone(), op, spec, input);
        if let Some(size) = paging.page_size {
            paginator = paginator.page_size(size);
        }
        if let Some(items) = paging.max_items {
            paginator = paginator.max_items(items);
        }
        if let Some(token) = &paging.starting_token {
            paginator = paginator.starting_token(token.clone());
        }
        Ok((op, paginator))
    }

    /// Polls the waiter `waiter` (`BucketExists`, `bucket_exists` or
    /// `bucket-exists`) with `input` until it succeeds, fails or gives up;
    /// `delay` and `max_attempts` override the model's. Returns the output
    /// that matched, as JSON, or `None` when an error response did.
    pub async fn wait(
        &self,
        waiter: &str,
        input: &J,
        delay: Option<Duration>,
        max_attempts: Option<u32>,
    ) -> Result<Option<J>, WaiterError<DynValue, DynServiceError>> {
        let spec = self
            .waiter(waiter)
            .ok_or_else(|| WaiterError::InvalidSpec {
                waiter: "",
                reason: format!("{} has no waiter {waiter:?}", self.service().name),
            })?;
        let op = self
            .service()
            .operations
            .get(spec.operation)
            .ok_or_else(|| WaiterError::InvalidSpec {
                waiter: spec.name,
                reason: "the polled operation is missing".into(),
            })?;
        let input = self
            .input(op, input)
            .map_err(|error| WaiterError::UnexpectedError {
                waiter: spec.name,
                attempts: 0,
                error,
            })?;
        let mut mode = Wait::new(spec);
        if let Some(delay) = delay {
            mode.set_delay(delay);
        }
        if let Some(attempts) = max_attempts {
            mode.set_max_attempts(attempts);
        }
        let input_ref = op.input.map(|_| &input as _);
        let out = crate::waiter::wait::<DynValue, DynServiceError>(&self.client, &mode, input_ref)
            .await?;
        Ok(out.map(|o| self.output_json(op, &o)))
    }
}

/// Reads a streaming member of the output (a payload) into a blob.
async fn read_streams(output: &mut DynValue) -> DynResult<()> {
    let DynValue::Struct(members) = output else {
        return Ok(());
    };
    for slot in members.iter_mut().flatten() {
        if let DynValue::Stream(stream) = slot {
            let stream = std::mem::take(stream);
            let bytes = stream.collect().await.map_err(|e| {
                Error::Transport(crate::error::TransportError {
                    url: String::new(),
                    attempts: 1,
                    message: format!("reading the response body: {e}"),
                    source: Some(Box::new(e)),
                    request_id: None,
                })
            })?;
            *slot = DynValue::Blob(bytes);
        } else if let DynValue::Events(events) = slot {
            // Read to the end, as boto3 users iterate it; an exception or
            // error in the stream fails the call, naming it.
            let events = std::mem::take(events).collect().await.map_err(|e| {
                Error::Response(crate::error::ResponseError {
                    status: 200,
                    request_id: None,
                    source: crate::protocol::DeserializeError::new("event stream", e.to_string()),
                })
            })?;
            *slot = DynValue::List(events);
        }
    }
    Ok(())
}

/// Lowers the model and its paginators and waiters, leaked for the program's life.
fn lower_files(name: &str, files: &ServiceFiles) -> Result<Loaded, LoadError> {
    let service = build_service(name, &files.model)?;
    let spec_error = |message: String| LoadError::Spec {
        service: name.to_owned(),
        message,
    };
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let leak_all = |v: &[String]| -> &'static [&'static str] {
        Box::leak(
            v.iter()
                .map(|s| leak(s))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        )
    };
    let op_named = |op: &str| {
        service
            .operations
            .iter()
            .enumerate()
            .find(|(_, o)| o.name == op)
    };
    let mut paginators = BTreeMap::new();
    for (op, config) in files.paginators.iter().flat_map(|p| &p.pagination) {
        let Some((_, operation)) = op_named(op) else {
            return Err(spec_error(format!("paginator of unknown operation {op}")));
        };
        let spec: &'static PaginatorSpec = Box::leak(Box::new(PaginatorSpec {
            operation: operation.name,
            input_tokens: leak_all(&config.input_token.to_vec()),
            output_tokens: leak_all(&config.output_token.to_vec()),
            more_results: config.more_results.as_deref().map(leak),
            limit_key: config.limit_key.as_deref().map(leak),
            result_keys: leak_all(
                &config
                    .result_key
                    .as_ref()
                    .map(|k| k.to_vec())
                    .unwrap_or_default(),
            ),
            non_aggregate_keys: leak_all(&config.non_aggregate_keys),
        }));
        paginators.insert(operation.name, spec);
    }
    let mut waiters = BTreeMap::new();
    for (waiter, model) in files.waiters.iter().flat_map(|w| &w.waiters) {
        let Some((index, operation)) = op_named(&model.operation) else {
            return Err(spec_error(format!(
                "waiter {waiter} polls unknown operation {}",
                model.operation
            )));
        };
        if !(model.delay.is_finite() && model.delay >= 0.0) || operation.output.is_none() {
            return Err(spec_error(format!(
                "waiter {waiter}: bad delay {} or an operation without output",
                model.delay
            )));
        }
        let mut acceptors = Vec::new();
        for (i, a) in model.acceptors.iter().enumerate() {
            let (state, matcher) = crate::waiter::check_acceptor(a)
                .map_err(|m| spec_error(format!("waiter {waiter}: acceptor #{i}: {m}")))?;
            acceptors.push(Acceptor {
                state,
                matcher,
                argument: a.argument.as_deref().map(leak),
                expected: leak(&a.expected.to_string()),
            });
        }
        let spec: &'static WaiterSpec = Box::leak(Box::new(WaiterSpec {
            name: leak(waiter),
            operation: index,
            delay: Duration::from_secs_f64(model.delay),
            max_attempts: model.max_attempts,
            acceptors: Box::leak(acceptors.into_boxed_slice()),
        }));
        waiters.insert(spec.name, spec);
    }
    Ok((service, paginators, waiters))
}
