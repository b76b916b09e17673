//! Errors a client call can end with.
//!
//! [`Error<E>`] is generic over the service error: the runtime produces
//! `Error<RawServiceError>` and generated crates turn it into their per
//! operation error enum with [`Error::typed`]. Every error names what went
//! wrong and, where there is one, what to change; none of them ever carries
//! credentials.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::protocol::{self, DeserializeError, ErrorInfo, HttpResponse, SerializeError};
use crate::schema::{Operation, Service};
use crate::value::De;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error<E> {
    /// The service answered with an error response.
    #[error("{0}")]
    Service(ServiceFailure<E>),
    /// The input could not be serialized into a request.
    #[error("cannot build the request: {0}")]
    Build(#[source] SerializeError),
    /// No credentials could be found, loaded or used to sign.
    #[error(transparent)]
    Credentials(CredentialsError),
    /// No endpoint could be determined from the configuration.
    #[error(transparent)]
    Endpoint(EndpointError),
    /// The request could not be sent or its response not received.
    #[error(transparent)]
    Transport(TransportError),
    /// An attempt exceeded the configured timeout.
    #[error(transparent)]
    Timeout(TimeoutError),
    /// A response arrived but could not be read as the model says.
    #[error(transparent)]
    Response(ResponseError),
    /// The response body does not match the flexible checksum its headers
    /// give (the body may have been corrupted on the way).
    #[error(transparent)]
    Checksum(crate::checksum::ChecksumMismatch),
    /// A streaming request body could not be read (a file missing, a
    /// reader failing, a one-shot stream already sent).
    #[error("the request body: {0}")]
    Body(#[source] crate::body::BodyError),
    /// A retryable failure was not retried because the request body is a
    /// one-shot stream (a reader) that cannot be sent again.
    #[error(
        "{source} (not retried: the request body is a one-shot stream that cannot be sent again; \
             give a file or bytes to allow retries)"
    )]
    NotReplayable {
        /// The failure (a [`TransportError`], [`TimeoutError`] or a stalled
        /// body's [`crate::body::BodyError`]).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl<E> Error<E> {
    /// The service error, when the service answered with one.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            Error::Service(f) => Some(&f.error),
            _ => None,
        }
    }

    /// The service error, when the service answered with one, by value.
    pub fn into_service_error(self) -> Option<E> {
        match self {
            Error::Service(f) => Some(f.error),
            _ => None,
        }
    }

    /// The error code of a service error (`NoSuchEntity`).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service(f) => Some(f.code()),
            _ => None,
        }
    }

    /// The request id AWS assigned, when a response arrived.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(f) => f.request_id(),
            Error::Response(r) => r.request_id.as_deref(),
            Error::Transport(t) => t.request_id.as_deref(),
            Error::Timeout(t) => t.request_id.as_deref(),
            Error::NotReplayable { source } => {
                if let Some(t) = source.downcast_ref::<TransportError>() {
                    t.request_id.as_deref()
                } else {
                    source
                        .downcast_ref::<TimeoutError>()
                        .and_then(|t| t.request_id.as_deref())
                }
            }
            _ => None,
        }
    }

    fn map_service<F>(self, f: impl FnOnce(ServiceFailure<E>) -> Error<F>) -> Error<F> {
        match self {
            Error::Service(s) => f(s),
            Error::Build(e) => Error::Build(e),
            Error::Credentials(e) => Error::Credentials(e),
            Error::Endpoint(e) => Error::Endpoint(e),
            Error::Transport(e) => Error::Transport(e),
            Error::Timeout(e) => Error::Timeout(e),
            Error::Response(e) => Error::Response(e),
            Error::Checksum(e) => Error::Checksum(e),
            Error::Body(e) => Error::Body(e),
            Error::NotReplayable { source } => Error::NotReplayable { source },
        }
    }
}

impl Error<RawServiceError> {
    /// Reads the raw error response into the operation's error type. A modeled
    /// exception that does not parse becomes [`Error::Response`].
    pub fn typed<E: OperationError>(self) -> Error<E> {
        self.map_service(|failure| match E::from_raw(&failure.error) {
            Ok(error) => Error::Service(ServiceFailure {
                error,
                info: failure.info,
            }),
            Err(source) => Error::Response(ResponseError {
                status: failure.info.status,
                request_id: failure.info.request_id,
                source,
            }),
        })
    }
}

/// An error response: the parsed service error plus what every error carries.
#[derive(Debug)]
pub struct ServiceFailure<E> {
    error: E,
    info: ErrorInfo,
}

impl<E> ServiceFailure<E> {
    /// Pairs a parsed service error with the [`ErrorInfo`] it was read from.
    pub fn new(error: E, info: ErrorInfo) -> ServiceFailure<E> {
        ServiceFailure { error, info }
    }
    /// The parsed service error.
    pub fn error(&self) -> &E {
        &self.error
    }
    /// The parsed service error, by value.
    pub fn into_error(self) -> E {
        self.error
    }
    /// Code, message, request id and status of the response.
    pub fn info(&self) -> &ErrorInfo {
        &self.info
    }
    /// The error code (`NoSuchEntity`), sanitized.
    pub fn code(&self) -> &str {
        &self.info.code
    }
    /// The message the service gave, if any.
    pub fn message(&self) -> Option<&str> {
        self.info.message.as_deref()
    }
    /// The request id AWS assigned, if the response carried one.
    pub fn request_id(&self) -> Option<&str> {
        self.info.request_id.as_deref()
    }
    /// The HTTP status of the error response.
    pub fn status(&self) -> u16 {
        self.info.status
    }
}

impl<E: fmt::Display> fmt::Display for ServiceFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service error: {}", self.error)?;
        if let Some(id) = &self.info.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl<E: std::error::Error + 'static> std::error::Error for ServiceFailure<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A service error response not yet read into a typed error: its
/// [`ErrorInfo`], which of the operation's modeled errors it is, and the
/// response itself (to parse the exception's members on demand).
pub struct RawServiceError {
    // Boxed: keeps `Error<RawServiceError>` small on the happy path's stack.
    inner: Box<RawInner>,
}

struct RawInner {
    service: &'static Service,
    operation: &'static Operation,
    info: ErrorInfo,
    modeled: Option<usize>,
    response: HttpResponse,
    /// A stubbed exception's members ([`crate::stub`]), read instead of the body.
    stubbed: Option<serde_json::Value>,
}

impl RawServiceError {
    /// Keeps an error response and finds which of `operation`'s modeled errors it is.
    pub fn new(
        service: &'static Service,
        operation: &'static Operation,
        info: ErrorInfo,
        response: HttpResponse,
    ) -> RawServiceError {
        let modeled = protocol::find_error_for(service, operation, &info);
        RawServiceError {
            inner: Box::new(RawInner {
                service,
                operation,
                info,
                modeled,
                response,
                stubbed: None,
            }),
        }
    }

    /// The same error with a stubbed exception's members as its JSON view.
    pub(crate) fn stubbed(mut self, view: Option<serde_json::Value>) -> RawServiceError {
        self.inner.stubbed = view;
        self
    }

    /// Code, message, request id and status of the response.
    pub fn info(&self) -> &ErrorInfo {
        &self.inner.info
    }

    /// Index in `operation.errors` of the modeled exception this response is.
    pub fn modeled(&self) -> Option<usize> {
        self.inner.modeled
    }

    /// The whole error response, body included.
    pub fn response(&self) -> &HttpResponse {
        &self.inner.response
    }

    /// The service whose operation failed.
    pub fn service(&self) -> &'static Service {
        self.inner.service
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static Operation {
        self.inner.operation
    }

    /// Reads the modeled exception's members into `T`.
    pub fn parse<T: De + Default>(&self) -> Result<T, DeserializeError> {
        let index = self.inner.modeled.ok_or_else(|| {
            DeserializeError::new(
                self.inner.info.code.clone(),
                format!(
                    "error code `{}` is not a modeled error of {}.{}",
                    self.inner.info.code, self.inner.service.name, self.inner.operation.name
                ),
            )
        })?;
        let shape = *self.inner.operation.errors.get(index).ok_or_else(|| {
            DeserializeError::new(
                self.inner.info.code.clone(),
                format!(
                    "{}.{} has no modeled error #{index}",
                    self.inner.service.name, self.inner.operation.name
                ),
            )
        })?;
        let mut value = T::default();
        if let Some(view) = &self.inner.stubbed {
            crate::view::write(self.inner.service, shape, view, &mut value)
                .map_err(|e| DeserializeError::value(self.inner.service.shape(shape).name, e))?;
            return Ok(value);
        }
        protocol::codec(self.inner.service.metadata.protocol).deserialize_error(
            self.inner.service,
            shape,
            &self.inner.response,
            &mut value,
        )?;
        Ok(value)
    }

    /// A copy of the code, message, request id and status, for callers
    /// that treat every error alike.
    pub fn unhandled(&self) -> UnhandledError {
        UnhandledError {
            code: self.inner.info.code.clone(),
            message: self.inner.info.message.clone(),
            request_id: self.inner.info.request_id.clone(),
            status: self.inner.info.status,
        }
    }
}

impl fmt::Debug for RawServiceError {
    // The body is left out: it can be large and is available via `response()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawServiceError")
            .field("service", &self.inner.service.name)
            .field("operation", &self.inner.operation.name)
            .field("info", &self.inner.info)
            .field("modeled", &self.inner.modeled)
            .finish()
    }
}

impl fmt::Display for RawServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{} failed: ",
            self.inner.service.name, self.inner.operation.name
        )?;
        write_info(
            f,
            &self.inner.info.code,
            self.inner.info.message.as_deref(),
            self.inner.info.status,
        )
    }
}

impl std::error::Error for RawServiceError {}

fn write_info(
    f: &mut fmt::Formatter<'_>,
    code: &str,
    message: Option<&str>,
    status: u16,
) -> fmt::Result {
    let code = if code.is_empty() {
        "unknown error"
    } else {
        code
    };
    write!(f, "{code} (HTTP {status})")?;
    if let Some(m) = message {
        write!(f, ": {m}")?;
    }
    Ok(())
}

/// An error response that is not one of the operation's modeled errors.
#[derive(Debug, Clone, PartialEq)]
pub struct UnhandledError {
    /// The error code (`ThrottlingException`), sanitized; may be empty.
    pub code: String,
    /// The message the service gave, if any.
    pub message: Option<String>,
    /// The request id AWS assigned, if the response carried one.
    pub request_id: Option<String>,
    /// The HTTP status of the error response.
    pub status: u16,
}

impl UnhandledError {
    /// The error code, sanitized; may be empty.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The message the service gave, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The request id AWS assigned, if the response carried one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The HTTP status of the error response.
    pub fn status(&self) -> u16 {
        self.status
    }
}

impl fmt::Display for UnhandledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_info(f, &self.code, self.message.as_deref(), self.status)
    }
}

impl std::error::Error for UnhandledError {}

/// Implemented by each generated per-operation error enum.
pub trait OperationError: Sized + std::error::Error + Send + Sync + 'static {
    /// Reads `raw` as the matching variant; unmodeled codes become the
    /// enum's unhandled variant, and a modeled error that does not parse is an error.
    fn from_raw(raw: &RawServiceError) -> Result<Self, DeserializeError>;
}

/// Credentials could not be found or loaded.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// No provider had credentials.
    #[error(
        "no AWS credentials found (tried: {}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         add aws_access_key_id and aws_secret_access_key to profile `{profile}` in {} \
         (or choose another profile with AWS_PROFILE), or pass credentials to SessionBuilder::credentials",
        tried.join("; "),
        credentials_file.display()
    )]
    NotFound {
        /// What each provider said, in order (`environment: AWS_ACCESS_KEY_ID not set`).
        tried: Vec<String>,
        /// The profile that was consulted.
        profile: String,
        /// The shared credentials file that was consulted.
        credentials_file: PathBuf,
    },
    /// A provider has nothing to offer; a chain moves on to the next one.
    #[error("{provider}: {reason}")]
    Unavailable {
        /// The provider's name (`environment`, `shared profile`).
        provider: &'static str,
        /// Why it has nothing (`AWS_ACCESS_KEY_ID not set`).
        reason: String,
    },
    /// A source holds some but not all required values.
    #[error("{provider} has {present} but not {missing}; set both or neither")]
    Incomplete {
        /// Where the values came from (`environment`, ``profile `dev` ``).
        provider: String,
        /// The setting that is present (`aws_access_key_id`).
        present: &'static str,
        /// The setting that is missing.
        missing: &'static str,
    },
    /// The shared config could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The operation needs an authentication scheme this runtime lacks.
    #[error("{service} uses signature version `{scheme}`, which boto-rs does not support yet")]
    UnsupportedAuth {
        /// The service (botocore's folder name).
        service: String,
        /// The unsupported `signatureVersion` (`bearer`).
        scheme: String,
    },
    /// Signing failed (e.g. a header value the signer cannot read).
    #[error("cannot sign the request: {0}")]
    Signing(String),
    /// A provider that applies (its settings are present) failed to fetch
    /// credentials (botocore's `CredentialRetrievalError`); the chain stops.
    #[error("{provider}: {message}")]
    Retrieval {
        /// The provider (`assume role`, `container`, `sso`, `process`, `IMDS`).
        provider: &'static str,
        /// What went wrong; never holds a secret.
        message: String,
    },
    /// A profile's credential settings are inconsistent (botocore's
    /// `InvalidConfigError`, `InfiniteLoopConfigError`, `PartialCredentialsError`).
    #[error("profile `{profile}`: {message}")]
    InvalidProfile {
        /// The profile whose settings are wrong.
        profile: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Credentials are inside their mandatory refresh window (or expired) and
    /// the refresh failed.
    #[error("credentials from {provider} expire in less than 10 minutes and could not be refreshed: {source}")]
    Refresh {
        /// The provider that gave the expiring credentials.
        provider: String,
        /// Why the refresh failed.
        source: Box<CredentialsError>,
    },
}

/// No endpoint could be determined.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EndpointError {
    /// No region was configured, and the service has no global endpoint to fall back on.
    #[error(
        "no region configured for {service}: set AWS_REGION, add `region = ...` to your profile in \
         ~/.aws/config, or call SessionBuilder::region / set ClientConfig::region"
    )]
    NoRegion {
        /// The service that needs one (botocore's folder name).
        service: String,
    },
    /// The configured region is not a valid host label.
    #[error("invalid region `{region}`: a region is letters, digits and hyphens (e.g. us-east-1)")]
    InvalidRegion {
        /// The region as configured.
        region: String,
    },
    /// An error rule of the service's endpoint rules matched: the rule's message
    /// (`Invalid Configuration: FIPS and custom endpoint are not supported`).
    #[error("{service}: {message}")]
    Rule {
        /// The service (botocore's folder name).
        service: String,
        /// The rule's message.
        message: String,
    },
    /// The endpoint rules could not be evaluated for the parameters given
    /// (a required parameter missing, a value of the wrong type, no rule matched).
    #[error("{service}: endpoint resolution failed: {message}")]
    Resolution {
        /// The service.
        service: String,
        /// botocore's message for the same failure.
        message: String,
    },
    /// The service has no endpoint rule set; only an explicit endpoint URL can be used.
    #[error("{service} has no endpoint rule set: set an endpoint URL (ClientConfig::endpoint_url or AWS_ENDPOINT_URL)")]
    NoRuleSet {
        /// The service.
        service: String,
    },
    /// The service's endpoint rule set does not compile (a bad model).
    #[error("{service}: invalid endpoint rule set: {message}")]
    InvalidRuleSet {
        /// The service.
        service: String,
        /// What is wrong with it.
        message: String,
    },
    /// A client context parameter that the service's rules do not declare.
    #[error("{service} has no endpoint parameter `{name}`; it has: {}", known.join(", "))]
    UnknownClientParam {
        /// The service.
        service: String,
        /// The name given.
        name: String,
        /// The parameters that can be set.
        known: Vec<String>,
    },
    /// The endpoint asks for signing schemes the runtime does not support.
    #[error("{service}: the endpoint asks for auth schemes {} and none is supported", schemes.join(", "))]
    UnsupportedAuth {
        /// The service.
        service: String,
        /// The schemes the endpoint listed.
        schemes: Vec<String>,
    },
    /// The endpoint configuration is invalid (a bad setting value).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An endpoint URL, configured or resolved, is not a usable URL.
    #[error("invalid endpoint URL `{url}` (from {source_name}): {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Where it came from (`AWS_ENDPOINT_URL`, `ClientConfig::endpoint_url`).
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The request could not be sent or its response not received.
#[derive(Debug, thiserror::Error)]
#[error("request to {url} failed after {attempts} attempt(s): {message}")]
pub struct TransportError {
    /// The URL of the request.
    pub url: String,
    /// How many attempts were made, the last one included.
    pub attempts: u32,
    /// What went wrong, as the HTTP client described it.
    pub message: String,
    /// The HTTP client's error, when there is one.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// The request id of the response whose body failed, when its head
    /// arrived and named one.
    pub request_id: Option<String>,
}

/// An attempt, its connection or its reads, or the whole call took longer
/// than the configured timeout.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TimeoutError {
    /// The URL of the request.
    pub url: String,
    /// The timeout that elapsed.
    pub timeout: Duration,
    /// The attempt that timed out (1 for the first); for
    /// [`TimeoutKind::Operation`], the attempts started.
    pub attempts: u32,
    /// Which timeout elapsed.
    pub kind: TimeoutKind,
    /// The request id of the response being read, when its head arrived
    /// and named one.
    pub request_id: Option<String>,
}

/// Which of the configured timeouts elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    /// The whole attempt ([`ClientConfig::timeout`](crate::ClientConfig::timeout)).
    Attempt,
    /// Connecting (`connect_timeout`).
    Connect,
    /// Waiting for the response or its next bytes (`read_timeout`).
    Read,
    /// The whole call, every attempt included ([`ClientConfig::operation_timeout`](crate::ClientConfig::operation_timeout)).
    Operation,
}

impl TimeoutKind {
    /// `attempt`, `connect`, `read`, `operation`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeoutKind::Attempt => "attempt",
            TimeoutKind::Connect => "connect",
            TimeoutKind::Read => "read",
            TimeoutKind::Operation => "operation",
        }
    }
}

impl TimeoutError {
    fn describe(&self) -> String {
        let (url, t, n) = (&self.url, self.timeout, self.attempts);
        match self.kind {
            TimeoutKind::Attempt => format!(
                "request to {url} timed out after {t:?} on attempt {n}; raise ClientConfig::timeout \
                 if the operation is expected to be slow"
            ),
            TimeoutKind::Connect => format!(
                "connecting to {url} timed out after {t:?} on attempt {n}; check the endpoint and \
                 network, or raise ClientConfig::connect_timeout / SessionBuilder::connect_timeout"
            ),
            TimeoutKind::Read => format!(
                "request to {url}: no data from the server for {t:?} on attempt {n}; raise \
                 ClientConfig::read_timeout / SessionBuilder::read_timeout if the service is expected to be slow"
            ),
            TimeoutKind::Operation => format!(
                "the call to {url} did not complete within the operation timeout of {t:?} \
                 ({n} attempt(s) started); raise ClientConfig::operation_timeout"
            ),
        }
    }
}

/// A response arrived but does not match the model.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read the HTTP {status} response{}: {source}", request_id.as_ref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
pub struct ResponseError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The request id AWS assigned, if the response carried one.
    pub request_id: Option<String>,
    /// What did not match the model, and where.
    #[source]
    pub source: DeserializeError,
}

/// The shared config or credentials files, or a setting, are unusable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    /// A config or credentials file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A config or credentials file is not UTF-8 or not valid INI.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the problem; 0 for the whole file (not UTF-8).
        line: usize,
        /// What is wrong on that line.
        message: String,
    },
    /// The profile asked for is in neither file.
    #[error(
        "profile `{profile}` not found in {} or {}; check AWS_PROFILE or the profile name passed to SessionBuilder::profile_name",
        config_file.display(), credentials_file.display()
    )]
    ProfileNotFound {
        /// The profile asked for.
        profile: String,
        /// The shared config file that was searched.
        config_file: PathBuf,
        /// The shared credentials file that was searched.
        credentials_file: PathBuf,
    },
    /// A setting has a value that cannot be used.
    #[error("invalid value `{value}` for {key} (from {source_name}): {message}")]
    InvalidValue {
        /// The setting's name (`max_attempts`).
        key: String,
        /// The value as given.
        value: String,
        /// Where it came from (`AWS_MAX_ATTEMPTS`, `profile max_attempts`).
        source_name: String,
        /// What a valid value looks like.
        message: String,
    },
    /// The HTTP client could not be created.
    #[error("cannot create the HTTP client: {0}")]
    Http(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxable<T: std::error::Error + Send + Sync + 'static>() {}

    #[test]
    fn errors_convert_to_boxed_errors() {
        boxable::<Error<RawServiceError>>();
        boxable::<Error<UnhandledError>>();
        boxable::<ConfigError>();
        boxable::<CredentialsError>();
    }

    #[test]
    fn messages_name_the_fix() {
        let e: Error<UnhandledError> = Error::Timeout(TimeoutError {
            url: "https://x/".into(),
            timeout: Duration::from_secs(1),
            attempts: 3,
            kind: TimeoutKind::Attempt,
            request_id: None,
        });
        assert!(e.to_string().contains("ClientConfig::timeout"));
        assert_eq!(e.code(), None);
        let info = ErrorInfo {
            code: "NoSuchEntity".into(),
            message: Some("user x".into()),
            request_id: Some("rid".into()),
            status: 404,
            type_code: None,
        };
        let unhandled = UnhandledError {
            code: info.code.clone(),
            message: info.message.clone(),
            request_id: info.request_id.clone(),
            status: 404,
        };
        let e = Error::Service(ServiceFailure::new(unhandled, info));
        assert_eq!(e.code(), Some("NoSuchEntity"));
        assert_eq!(e.request_id(), Some("rid"));
        assert_eq!(
            e.to_string(),
            "service error: NoSuchEntity (HTTP 404): user x (request id rid)"
        );
        let e = Error::<UnhandledError>::Response(ResponseError {
            status: 200,
            request_id: Some("r2".into()),
            source: DeserializeError::new("Out.Count", "expected integer"),
        });
        assert_eq!(e.request_id(), Some("r2"));
        assert!(e.to_string().contains("Out.Count"), "{e}");
    }
}
