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
    #[error(transparent)]
    Credentials(CredentialsError),
    #[error(transparent)]
    Endpoint(EndpointError),
    #[error(transparent)]
    Transport(TransportError),
    #[error(transparent)]
    Timeout(TimeoutError),
    /// A response arrived but could not be read as the model says.
    #[error(transparent)]
    Response(ResponseError),
}

impl<E> Error<E> {
    /// The service error, when the service answered with one.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            Error::Service(f) => Some(&f.error),
            _ => None,
        }
    }

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
    pub fn new(error: E, info: ErrorInfo) -> ServiceFailure<E> {
        ServiceFailure { error, info }
    }
    pub fn error(&self) -> &E {
        &self.error
    }
    pub fn into_error(self) -> E {
        self.error
    }
    pub fn info(&self) -> &ErrorInfo {
        &self.info
    }
    pub fn code(&self) -> &str {
        &self.info.code
    }
    pub fn message(&self) -> Option<&str> {
        self.info.message.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.info.request_id.as_deref()
    }
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
}

impl RawServiceError {
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
            }),
        }
    }

    pub fn info(&self) -> &ErrorInfo {
        &self.inner.info
    }

    /// Index in `operation.errors` of the modeled exception this response is.
    pub fn modeled(&self) -> Option<usize> {
        self.inner.modeled
    }

    pub fn response(&self) -> &HttpResponse {
        &self.inner.response
    }

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
        protocol::codec(self.inner.service.metadata.protocol).deserialize_error(
            self.inner.service,
            shape,
            &self.inner.response,
            &mut value,
        )?;
        Ok(value)
    }

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
    pub code: String,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub status: u16,
}

impl UnhandledError {
    pub fn code(&self) -> &str {
        &self.code
    }
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
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
        profile: String,
        credentials_file: PathBuf,
    },
    /// A provider has nothing to offer; a chain moves on to the next one.
    #[error("{provider}: {reason}")]
    Unavailable {
        provider: &'static str,
        reason: String,
    },
    /// A source holds some but not all required values.
    #[error("{provider} has {present} but not {missing}; set both or neither")]
    Incomplete {
        provider: String,
        present: &'static str,
        missing: &'static str,
    },
    /// The shared config could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The operation needs an authentication scheme this runtime lacks.
    #[error("{service} uses signature version `{scheme}`, which boto-rs does not support yet")]
    UnsupportedAuth { service: String, scheme: String },
    /// Signing failed (e.g. a header value the signer cannot read).
    #[error("cannot sign the request: {0}")]
    Signing(String),
}

/// No endpoint could be determined.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "no region configured for {service}: set AWS_REGION, add `region = ...` to your profile in \
         ~/.aws/config, or call SessionBuilder::region / set ClientConfig::region"
    )]
    NoRegion { service: String },
    #[error("invalid region `{region}`: a region is letters, digits and hyphens (e.g. us-east-1)")]
    InvalidRegion { region: String },
    #[error("invalid endpoint URL `{url}` (from {source_name}): {reason}")]
    InvalidUrl {
        url: String,
        source_name: String,
        reason: String,
    },
}

/// The request could not be sent or its response not received.
#[derive(Debug, thiserror::Error)]
#[error("request to {url} failed after {attempts} attempt(s): {message}")]
pub struct TransportError {
    pub url: String,
    pub attempts: u32,
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// An attempt took longer than the configured timeout.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "request to {url} timed out after {timeout:?} on attempt {attempts}; raise ClientConfig::timeout \
     if the operation is expected to be slow"
)]
pub struct TimeoutError {
    pub url: String,
    pub timeout: Duration,
    pub attempts: u32,
}

/// A response arrived but does not match the model.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read the HTTP {status} response{}: {source}", request_id.as_ref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
pub struct ResponseError {
    pub status: u16,
    pub request_id: Option<String>,
    #[source]
    pub source: DeserializeError,
}

/// The shared config or credentials files, or a setting, are unusable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "profile `{profile}` not found in {} or {}; check AWS_PROFILE or the profile name passed to SessionBuilder::profile_name",
        config_file.display(), credentials_file.display()
    )]
    ProfileNotFound {
        profile: String,
        config_file: PathBuf,
        credentials_file: PathBuf,
    },
    #[error("invalid value `{value}` for {key} (from {source_name}): {message}")]
    InvalidValue {
        key: String,
        value: String,
        source_name: String,
        message: String,
    },
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
