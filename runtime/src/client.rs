//! The client every generated service crate wraps: serialize, resolve the
//! endpoint, sign, send with retries, parse.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use md5::Digest;

use crate::config::{configured_endpoint_url, ConfiguredUrl};
use crate::credentials::Credentials;
use crate::endpoint::{self, resolve_endpoint, Endpoint, EndpointConfig};
use crate::error::{
    ConfigError, CredentialsError, EndpointError, Error, RawServiceError, ResponseError,
    ServiceFailure,
};
use crate::protocol::{self, HttpRequest, HttpResponse, SerializeOptions};
use crate::retry::{classify_response, RetryPolicy};
use crate::schema::{Operation, Service};
use crate::session::Session;
use crate::sign::{sign_request, SigningParams};
use crate::transport::send_with_retries;
use crate::value::{De, Ser};
use crate::BoxFuture;

/// The per-attempt timeout when [`ClientConfig::timeout`] is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Bodies smaller than this are sent uncompressed (botocore's
/// `request_min_compression_size_bytes` default).
const MIN_COMPRESSION_SIZE: usize = 10_240;

const USER_AGENT: &str = concat!("boto-rs/", env!("CARGO_PKG_VERSION"));

/// Per-client settings; unset fields fall back to the session.
#[derive(Clone, Debug, Default)]
pub struct ClientConfig {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    /// Total attempts per call, first included (default 3, or
    /// `AWS_MAX_ATTEMPTS` / the profile's `max_attempts`).
    pub max_attempts: Option<u32>,
    /// Time limit of each attempt, from sending to reading the whole body (default 60 s).
    pub timeout: Option<Duration>,
    /// S3: always `https://host/bucket/key` (else the profile's
    /// `s3.addressing_style`, else virtual-hosted where possible).
    pub force_path_style: Option<bool>,
}

/// A client of one service. Cheap to clone; clones share the session's
/// connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    session: Session,
    service: &'static Service,
    config: ClientConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.inner.service.name)
            .field("config", &self.inner.config)
            .field("session", &self.inner.session)
            .finish()
    }
}

impl Client {
    pub fn new(session: &Session, service: &'static Service) -> Client {
        Client::with_config(session, service, ClientConfig::default())
    }

    pub fn with_config(
        session: &Session,
        service: &'static Service,
        config: ClientConfig,
    ) -> Client {
        Client {
            inner: Arc::new(ClientInner {
                session: session.clone(),
                service,
                config,
            }),
        }
    }

    pub fn service(&self) -> &'static Service {
        self.inner.service
    }

    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The endpoint calls of this client go to.
    pub fn endpoint(&self) -> Result<Endpoint, EndpointError> {
        let s = &self.inner.session.inner;
        let c = &self.inner.config;
        let region = c.region.as_deref().or(s.region.as_deref());
        let endpoint_url = c
            .endpoint_url
            .as_ref()
            .map(|url| ConfiguredUrl {
                url: url.clone(),
                source: "ClientConfig::endpoint_url".into(),
            })
            .or_else(|| {
                s.endpoint_url.as_ref().map(|url| ConfiguredUrl {
                    url: url.clone(),
                    source: "SessionBuilder::endpoint_url".into(),
                })
            })
            .or_else(|| {
                configured_endpoint_url(
                    &s.env,
                    &s.profile,
                    &s.shared,
                    self.inner.service.metadata.service_id,
                )
            });
        resolve_endpoint(self.inner.service, region, &EndpointConfig { endpoint_url })
    }

    /// Serializes `input`, resolves the endpoint, signs, sends with retries
    /// and parses the response into `output`.
    pub fn call<'a>(
        &'a self,
        operation: &'static Operation,
        input: Option<&'a (dyn Ser + Sync)>,
        output: &'a mut (dyn De + Send),
    ) -> BoxFuture<'a, Result<(), Error<RawServiceError>>> {
        Box::pin(self.call_inner(operation, input, output))
    }

    async fn call_inner(
        &self,
        operation: &'static Operation,
        input: Option<&(dyn Ser + Sync)>,
        output: &mut (dyn De + Send),
    ) -> Result<(), Error<RawServiceError>> {
        let service = self.inner.service;
        let session = &self.inner.session.inner;
        if let Some(e) = &session.deferred {
            return Err(Error::Credentials(CredentialsError::Config(e.clone())));
        }
        let Some(http) = &session.http else {
            return Err(Error::Credentials(CredentialsError::Config(
                ConfigError::Http("no HTTP client".into()),
            )));
        };
        let codec = protocol::codec(service.metadata.protocol);
        let request = {
            let token = || uuid::Uuid::new_v4().to_string();
            let options = SerializeOptions {
                idempotency_token: &token,
            };
            codec
                .serialize(service, operation, input.map(|i| i as &dyn Ser), &options)
                .map_err(Error::Build)?
        };
        let endpoint = self.endpoint().map_err(Error::Endpoint)?;
        let prepared = self.prepare(operation, request, &endpoint)?;

        let unsigned = matches!(operation.auth_type, "none" | "smithy.api#noAuth");
        let credentials = if unsigned {
            None
        } else {
            if service.metadata.signature_version == "bearer" {
                return Err(Error::Credentials(CredentialsError::UnsupportedAuth {
                    service: service.name.into(),
                    scheme: "bearer".into(),
                }));
            }
            Some(
                session
                    .credentials
                    .provide_credentials()
                    .await
                    .map_err(Error::Credentials)?,
            )
        };

        let policy = RetryPolicy::standard(
            self.inner
                .config
                .max_attempts
                .or(session.max_attempts)
                .unwrap_or(RetryPolicy::DEFAULT_MAX_ATTEMPTS),
        );
        let timeout = self.inner.config.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut build = || prepared.build(http, credentials.as_ref(), &endpoint, service);
        let classify = |response: &HttpResponse| {
            if !codec.is_error(service, operation, response) {
                return None;
            }
            let info = codec.error_info(service, response);
            classify_response(
                response.status,
                (!info.code.is_empty()).then_some(info.code.as_str()),
            )
        };
        let response = send_with_retries(http, &policy, timeout, &mut build, &classify).await?;

        if codec.is_error(service, operation, &response) {
            let info = codec.error_info(service, &response);
            let raw = RawServiceError::new(service, operation, info.clone(), response);
            return Err(Error::Service(ServiceFailure::new(raw, info)));
        }
        codec
            .deserialize(service, operation, &response, output)
            .map_err(|source| {
                Error::Response(ResponseError {
                    status: response.status,
                    request_id: request_id(&response.headers),
                    source,
                })
            })
    }

    /// Everything about the request that does not change between attempts.
    fn prepare(
        &self,
        operation: &Operation,
        request: HttpRequest,
        endpoint: &Endpoint,
    ) -> Result<Prepared, Error<RawServiceError>> {
        let service = self.inner.service;
        let session = &self.inner.session.inner;
        let HttpRequest {
            method,
            uri,
            mut headers,
            mut body,
            host_prefix,
        } = request;

        let mut base = endpoint.url.clone();
        if let Some(prefix) = host_prefix.filter(|p| !p.is_empty()) {
            if !endpoint::is_local_host(&base) {
                base = endpoint::with_host_prefix(&base, &prefix);
            }
        }
        let mut uri = if uri.starts_with('/') {
            uri
        } else {
            format!("/{uri}")
        };
        if service.name == "s3" {
            let force_path_style = self.inner.config.force_path_style.unwrap_or_else(|| {
                session.profile.nested("s3", "addressing_style") == Some("path")
            });
            (base, uri) = endpoint::s3_address(&base, &uri, force_path_style);
        }
        let url = format!("{base}{uri}");

        let header = |value: &str| {
            HeaderValue::from_str(value).map_err(|_| {
                Error::Build(protocol::SerializeError::new(
                    service.name,
                    operation.name,
                    format!("invalid header value `{value}`"),
                ))
            })
        };
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
        if service.name == "glacier" && !service.metadata.api_version.is_empty() {
            headers.insert(
                "x-amz-glacier-version",
                header(service.metadata.api_version)?,
            );
        }
        if operation.request_compression.contains(&"gzip")
            && body.len() >= MIN_COMPRESSION_SIZE
            && !headers.contains_key(http::header::CONTENT_ENCODING)
        {
            body = gzip(&body).map_err(|e| {
                Error::Build(protocol::SerializeError::new(
                    service.name,
                    operation.name,
                    format!("gzip failed: {e}"),
                ))
            })?;
            headers.insert(
                http::header::CONTENT_ENCODING,
                HeaderValue::from_static("gzip"),
            );
        }
        let has_checksum = headers.contains_key("content-md5")
            || headers
                .keys()
                .any(|k| k.as_str().starts_with("x-amz-checksum-"));
        if operation.checksum_required && !has_checksum {
            let digest = md5::Md5::digest(&body);
            let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
            headers.insert("content-md5", header(&encoded)?);
        }
        if !body.is_empty()
            || matches!(
                method,
                http::Method::POST | http::Method::PUT | http::Method::PATCH
            )
        {
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        let unsigned_payload = operation.auth_type == "v4-unsigned-body";
        Ok(Prepared {
            method,
            url,
            headers,
            body,
            unsigned_payload,
        })
    }
}

/// A request ready to be signed and sent, once per attempt.
struct Prepared {
    method: http::Method,
    url: String,
    headers: HeaderMap,
    body: Bytes,
    unsigned_payload: bool,
}

impl Prepared {
    fn build(
        &self,
        http: &reqwest::Client,
        credentials: Option<&Credentials>,
        endpoint: &Endpoint,
        service: &Service,
    ) -> Result<reqwest::Request, Error<RawServiceError>> {
        let mut headers = self.headers.clone();
        if let Some(credentials) = credentials {
            let s3 = matches!(service.name, "s3" | "s3control");
            let params = SigningParams {
                region: &endpoint.signing_region,
                name: &endpoint.signing_name,
                time: SystemTime::now(),
                s3_style: s3,
                content_sha256_header: s3 || service.name == "glacier",
                unsigned_payload: self.unsigned_payload,
            };
            sign_request(
                self.method.as_str(),
                &self.url,
                &mut headers,
                &self.body,
                credentials,
                &params,
            )
            .map_err(Error::Credentials)?;
        }
        http.request(self.method.clone(), &self.url)
            .headers(headers)
            .body(self.body.clone())
            .build()
            .map_err(|e| {
                Error::Endpoint(EndpointError::InvalidUrl {
                    url: self.url.clone(),
                    source_name: "the resolved endpoint and request URI".into(),
                    reason: e.without_url().to_string(),
                })
            })
    }
}

fn gzip(body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body)?;
    Ok(Bytes::from(encoder.finish()?))
}

/// The request id AWS puts in a header (`x-amzn-RequestId`, S3's `x-amz-request-id`).
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .map(str::to_owned)
}
