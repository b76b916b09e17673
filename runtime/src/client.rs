//! The client every generated service crate wraps: serialize, resolve the
//! endpoint, sign, send with retries, parse.

use std::io::Write;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use md5::Digest;

use crate::body::ByteStream;
use crate::config::{configured_endpoint_url, ConfiguredUrl};
use crate::credentials::Credentials;
use crate::customize::{self, Call};
use crate::dynamic::DynValue;
use crate::endpoint::{self, settings, Endpoint, Resolver};
use crate::error::{
    ConfigError, CredentialsError, EndpointError, Error, RawServiceError, ResponseError,
    ServiceFailure,
};
use crate::http_settings::{build_http_client, HttpOverrides};
use crate::protocol::{self, HttpRequest, HttpResponse, SerializeOptions};
use crate::retry::RetryMode;
use crate::schema::{Operation, Service};
use crate::session::Session;
use crate::sign::{sign_request, SigningParams};
use crate::transport::{send_call_streaming, Attempt, BeforeSend, RetryState, SendOptions};
use crate::value::{De, Ser};
use crate::BoxFuture;

/// The per-attempt timeout when [`ClientConfig::timeout`] is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Bodies smaller than this are sent uncompressed (botocore's
/// `request_min_compression_size_bytes` default).
const MIN_COMPRESSION_SIZE: usize = 10_240;

/// Per-client settings; unset fields fall back to the session.
#[derive(Clone, Debug, Default)]
pub struct ClientConfig {
    /// Answer calls from this stubber instead of sending them
    /// ([`crate::stub`]: tests of code that uses the client).
    pub stubber: Option<crate::stub::Stubber>,
    /// Check the input's required members before sending (botocore's
    /// `parameter_validation`, on unless set to `false`): a call missing
    /// one fails with every missing member named, nothing sent.
    pub parameter_validation: Option<bool>,
    /// Send calls to this URL instead of the resolved endpoint (else the session's,
    /// then `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL` and the profile's).
    pub endpoint_url: Option<String>,
    /// The region to call and sign for (else the session's).
    pub region: Option<String>,
    /// Total attempts per call, first included (default 3, or
    /// `AWS_MAX_ATTEMPTS` / the profile's `max_attempts`).
    pub max_attempts: Option<u32>,
    /// Time limit of each attempt, from sending to reading the whole body (default 60 s);
    /// a streamed response body (S3 `GetObject`) is read after the call returns,
    /// under `read_timeout` and `stalled_stream` instead.
    /// Not a botocore setting: see `read_timeout` for botocore's.
    pub timeout: Option<Duration>,
    /// How calls retry (else the session's: `SessionBuilder::retry_mode`,
    /// `AWS_RETRY_MODE`, the profile's `retry_mode`, else `standard`).
    pub retry_mode: Option<RetryMode>,
    /// Time limit of a TCP/TLS connect (else the session's, default 60 s).
    /// Setting it (or `read_timeout`) gives the client its own connection pool.
    pub connect_timeout: Option<Duration>,
    /// Longest wait for the response or its next bytes (else the session's, default 60 s).
    pub read_timeout: Option<Duration>,
    /// Time limit of a whole call, every attempt and backoff included (default none).
    pub operation_timeout: Option<Duration>,
    /// When to send flexible checksums (else `AWS_REQUEST_CHECKSUM_CALCULATION`,
    /// the profile's `request_checksum_calculation`, `when_supported`).
    pub request_checksum_calculation: Option<crate::checksum::When>,
    /// When to check response checksums (else `AWS_RESPONSE_CHECKSUM_VALIDATION`,
    /// the profile's `response_checksum_validation`, `when_supported`).
    pub response_checksum_validation: Option<crate::checksum::When>,
    /// S3: always `https://host/bucket/key` (else the profile's
    /// `s3.addressing_style`, else virtual-hosted where possible).
    pub force_path_style: Option<bool>,
    /// FIPS endpoints (else `AWS_USE_FIPS_ENDPOINT` / the profile's `use_fips_endpoint`).
    pub use_fips_endpoint: Option<bool>,
    /// Dual-stack (IPv6) endpoints (else `AWS_USE_DUALSTACK_ENDPOINT` /
    /// `use_dualstack_endpoint`; for S3 also `s3.use_dualstack_endpoint`).
    pub use_dualstack_endpoint: Option<bool>,
    /// Ignore endpoint URLs from the environment and config file (else
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls`).
    pub ignore_configured_endpoint_urls: Option<bool>,
    /// `legacy` or `regional` (the default): whether STS in the legacy regions
    /// goes to `sts.amazonaws.com` (else `AWS_STS_REGIONAL_ENDPOINTS` / `sts_regional_endpoints`).
    pub sts_regional_endpoints: Option<String>,
    /// `preferred` (the default), `disabled` or `required`: account-based endpoints
    /// (DynamoDB) from the credentials' account id (else `AWS_ACCOUNT_ID_ENDPOINT_MODE`).
    pub account_id_endpoint_mode: Option<String>,
    /// S3 settings (else the profile's nested `s3 =` block and `AWS_S3_*` variables).
    pub s3: endpoint::S3Config,
    /// Values of the service's client context parameters (`Accelerate`,
    /// `DisableMultiRegionAccessPoints`, …), by rule-set name or its snake_case form.
    pub client_context_params: Vec<(String, endpoint::Value)>,
    /// Sees each signed request before it is sent, and may answer it instead
    /// of the network ([`BeforeSend`]).
    pub before_send: Option<BeforeSend>,
    /// Apply operations' host prefixes (default true; else not when
    /// `AWS_DISABLE_HOST_PREFIX_INJECTION` / `disable_host_prefix_injection` is true).
    pub inject_host_prefix: Option<bool>,
    /// Stalled-stream protection of streamed request and response bodies
    /// (default: on, a 20 s grace period, at least 1 byte/s;
    /// [`StalledStream::disabled`]).
    pub stalled_stream: Option<crate::body::StalledStream>,
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
    /// Built on the first call: configuration errors surface there.
    resolver: OnceLock<Result<Resolver, EndpointError>>,
    /// S3 Express session credentials, by bucket.
    s3express: crate::s3express::Sessions,
    /// Retry quota, rate limiter and clock offset, shared by the client's calls.
    retry: RetryState,
    /// The `User-Agent` header of this client's requests.
    user_agent: HeaderValue,
    /// The client's own HTTP client when it overrides the session's timeouts.
    http: OnceLock<Result<reqwest::Client, ConfigError>>,
    /// The client that may speak HTTP/2, for operations sending event streams.
    http2: OnceLock<Result<reqwest::Client, ConfigError>>,
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
    /// A client of `service` with the session's settings.
    pub fn new(session: &Session, service: &'static Service) -> Client {
        Client::with_config(session, service, ClientConfig::default())
    }

    /// A client of `service` whose `config` overrides the session's settings.
    pub fn with_config(
        session: &Session,
        service: &'static Service,
        config: ClientConfig,
    ) -> Client {
        let s = &session.inner;
        let mode = config.retry_mode.unwrap_or(s.retry_mode);
        let user_agent = crate::useragent::user_agent(mode, s.app_id.as_deref());
        let user_agent = HeaderValue::from_str(&user_agent)
            .unwrap_or_else(|_| HeaderValue::from_static(crate::useragent::SDK));
        Client {
            inner: Arc::new(ClientInner {
                session: session.clone(),
                service,
                config,
                resolver: OnceLock::new(),
                s3express: Default::default(),
                retry: RetryState::new(mode),
                user_agent,
                http: OnceLock::new(),
                http2: OnceLock::new(),
            }),
        }
    }

    /// The client's retry state: mode, quota, rate limiter, clock offset.
    pub fn retry_state(&self) -> &RetryState {
        &self.inner.retry
    }

    /// The HTTP settings in effect: the session's, with this client's timeouts.
    fn http_overrides(&self) -> HttpOverrides {
        let c = &self.inner.config;
        let mut o = self.inner.session.inner.http_overrides.clone();
        o.connect_timeout = c.connect_timeout.or(o.connect_timeout);
        o.read_timeout = c.read_timeout.or(o.read_timeout);
        o
    }

    /// The session's HTTP client, or the client's own when it sets timeouts.
    fn http(&self) -> Result<&reqwest::Client, ConfigError> {
        let s = &self.inner.session.inner;
        let c = &self.inner.config;
        if c.connect_timeout.is_none() && c.read_timeout.is_none() {
            return s
                .http
                .as_ref()
                .ok_or_else(|| ConfigError::Http("no HTTP client".into()));
        }
        self.inner
            .http
            .get_or_init(|| build_http_client(&s.env, &s.profile, &self.http_overrides(), false))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The HTTP client of operations that send an event stream: one that
    /// can speak HTTP/2 with the `http2` feature (AWS's bidirectional
    /// streams need it), else [`Client::http`].
    fn http_for_events(&self) -> Result<&reqwest::Client, ConfigError> {
        if !cfg!(feature = "http2") {
            return self.http();
        }
        let s = &self.inner.session.inner;
        self.inner
            .http2
            .get_or_init(|| build_http_client(&s.env, &s.profile, &self.http_overrides(), true))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The service schema this client calls.
    pub fn service(&self) -> &'static Service {
        self.inner.service
    }

    /// The session: credentials, shared config and HTTP connection pool.
    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    /// The client's own settings (unset fields come from the session).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The client's endpoint resolver: the service's rules with the
    /// parameters its configuration gives (built on first use).
    pub fn resolver(&self) -> Result<&Resolver, EndpointError> {
        self.inner
            .resolver
            .get_or_init(|| self.build_resolver())
            .as_ref()
            .map_err(Clone::clone)
    }

    fn build_resolver(&self) -> Result<Resolver, EndpointError> {
        let s = &self.inner.session.inner;
        let c = &self.inner.config;
        let service = self.inner.service;
        let region = c.region.as_deref().or(s.region.as_deref());
        if let Some(region) = region {
            validate_region(region)?;
        }
        let region = region.or_else(|| {
            customize::for_service(service.name)
                .default_region()
                .or(service.metadata.global_endpoint.map(|_| "aws-global"))
        });
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
                if c.ignore_configured_endpoint_urls == Some(true) {
                    return None;
                }
                configured_endpoint_url(&s.env, &s.profile, &s.shared, service.metadata.service_id)
            })
            .map(|u| {
                normalize_url(&u).map(|url| ConfiguredUrl {
                    url,
                    source: u.source,
                })
            })
            .transpose()?;
        let sources = settings::Sources {
            config: c,
            env: &s.env,
            profile: &s.profile,
        };
        let builtins = settings::builtins(service, region, endpoint_url.as_ref(), &sources)?;
        Resolver::new(service, &builtins, &c.client_context_params)
    }

    /// The endpoint of `operation` called with `input` (what a call would use,
    /// the credentials' account id aside).
    pub fn endpoint_for(
        &self,
        operation: &'static Operation,
        input: Option<&dyn Ser>,
    ) -> Result<Arc<Endpoint>, EndpointError> {
        self.resolve_endpoint(operation, input, None)
    }

    /// The endpoint of an operation without endpoint parameters of its own.
    pub fn endpoint(&self) -> Result<Arc<Endpoint>, EndpointError> {
        static NONE: Operation = Operation::DEFAULT;
        self.endpoint_for(&NONE, None)
    }

    fn resolve_endpoint(
        &self,
        operation: &'static Operation,
        input: Option<&dyn Ser>,
        account_id: Option<&str>,
    ) -> Result<Arc<Endpoint>, EndpointError> {
        let resolver = self.resolver()?;
        let call = Call::new(self.inner.service, operation, &self.inner.session.inner.env);
        customize::resolve_endpoint(&call, resolver, input, account_id)
    }

    /// Serializes `input`, resolves the endpoint, signs, sends with retries
    /// and parses the response into `output`.
    pub fn call<'a>(
        &'a self,
        operation: &'static Operation,
        input: Option<&'a (dyn Ser + Sync)>,
        output: &'a mut (dyn De + Send),
    ) -> BoxFuture<'a, Result<(), Error<RawServiceError>>> {
        let codec = protocol::codec(self.inner.service.metadata.protocol);
        Box::pin(async move {
            self.call_with_codec(codec, operation, input, output)
                .await
                .map(drop)
        })
    }

    /// [`Client::call`], also returning the HTTP status of the successful
    /// response: waiters' `status` matchers look at it (an error response's
    /// status is in its [`ErrorInfo`](crate::protocol::ErrorInfo)).
    pub fn call_with_status<'a>(
        &'a self,
        operation: &'static Operation,
        input: Option<&'a (dyn Ser + Sync)>,
        output: &'a mut (dyn De + Send),
    ) -> BoxFuture<'a, Result<u16, Error<RawServiceError>>> {
        let codec = protocol::codec(self.inner.service.metadata.protocol);
        Box::pin(self.call_with_codec(codec, operation, input, output))
    }

    /// [`Client::call`] with the codec given (tests use a stand-in codec),
    /// in a `call` span (`service`, `operation`, `region`).
    async fn call_with_codec(
        &self,
        codec: &'static dyn protocol::Codec,
        operation: &'static Operation,
        input: Option<&(dyn Ser + Sync)>,
        output: &mut (dyn De + Send),
    ) -> Result<u16, Error<RawServiceError>> {
        use tracing::Instrument;
        let region = self
            .inner
            .config
            .region
            .as_deref()
            .or(self.inner.session.inner.region.as_deref())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "call",
            service = self.inner.service.name,
            operation = operation.name,
            region,
            retry_mode = self.inner.retry.mode().as_str(),
        );
        self.call_in_span(codec, operation, input, output)
            .instrument(span)
            .await
    }

    async fn call_in_span(
        &self,
        codec: &'static dyn protocol::Codec,
        operation: &'static Operation,
        input: Option<&(dyn Ser + Sync)>,
        output: &mut (dyn De + Send),
    ) -> Result<u16, Error<RawServiceError>> {
        let service = self.inner.service;
        let session = &self.inner.session.inner;
        let custom = customize::for_service(service.name);
        if let Some(stubber) = &self.inner.config.stubber {
            // Serialized as if sent, so that a bad input fails as it would.
            let mut call = Call::new(service, operation, &session.env);
            self.serialize(codec, &mut call, input)?;
            return stubber.answer(service, operation, input.map(|i| i as &dyn Ser), output);
        }
        let Planned {
            call,
            prepared,
            endpoint,
            credentials,
        } = self.plan(codec, operation, input, false).await?;
        let http = match prepared.events {
            Some(_) => self.http_for_events(),
            None => self.http(),
        }
        .map_err(|e| Error::Credentials(CredentialsError::Config(e)))?;

        let mode = self.inner.retry.mode();
        let policy = mode.policy(
            self.inner
                .config
                .max_attempts
                .or(session.max_attempts)
                .unwrap_or(mode.default_max_attempts()),
        );
        let timeout = self.inner.config.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let overrides = self.http_overrides();
        let streaming_output = streaming_output(service, operation);
        let signing = custom.signing();
        let mut build = |attempt: &Attempt| {
            prepared.build(
                service,
                codec,
                http,
                credentials.as_ref(),
                &endpoint,
                signing,
                attempt.signing_time,
            )
        };
        let is_error = |response: &HttpResponse| {
            custom
                .is_error(&call, response)
                .unwrap_or_else(|| codec.is_error(service, operation, response))
        };
        let error_info = |response: &HttpResponse| {
            let mut info = codec.error_info(service, response);
            custom.error_info(&call, &mut info, response);
            info
        };
        let classify = |response: &HttpResponse| {
            if !is_error(response) {
                return None;
            }
            let info = error_info(response);
            mode.classify(
                info.status,
                (!info.code.is_empty()).then_some(info.code.as_str()),
                info.message.as_deref(),
            )
        };
        let options = SendOptions {
            policy,
            state: &self.inner.retry,
            attempt_timeout: timeout,
            connect_timeout: Some(overrides.connect_timeout()),
            read_timeout: Some(overrides.read_timeout()),
            operation_timeout: self.inner.config.operation_timeout,
            before_send: self.inner.config.before_send.as_ref(),
            stream_body: streaming_output.is_some(),
            // An event stream is sent once, as its events come.
            replayable: prepared.events.is_none()
                && prepared
                    .stream
                    .as_ref()
                    .is_none_or(ByteStream::is_replayable),
            stalled_stream: self.inner.config.stalled_stream.unwrap_or_default(),
        };
        let (response, live) = send_call_streaming(http, &options, &mut build, &classify).await?;

        if is_error(&response) {
            let info = error_info(&response);
            let raw = RawServiceError::new(service, operation, info.clone(), response);
            return Err(Error::Service(ServiceFailure::new(raw, info)));
        }
        let checksum = crate::checksum::response_algorithm(
            service,
            operation,
            &prepared.headers,
            &response.headers,
        );
        // A streamed body is checked as it is read, by the caller.
        let checksum = match (checksum, live.is_some()) {
            (Some((algorithm, expected)), false) => {
                crate::checksum::validate(algorithm, &expected, &response.body)
                    .map_err(Error::Checksum)?;
                None
            }
            (checksum, _) => checksum,
        };
        let changes = custom.changes_output(service, operation, &response);
        // A change the codec can make as it reads keeps the typed path.
        let decoded = (changes)
            .then(|| custom.decode_output(&call, &response))
            .flatten()
            .and_then(|decode| {
                codec.deserialize_decoding(service, operation, &response, output, &decode)
            });
        let parsed = if let Some(parsed) = decoded {
            parsed
        } else if changes {
            // Parsed untyped, changed, then copied into the caller's output.
            let mut value = DynValue::Empty;
            codec
                .deserialize(service, operation, &response, &mut value)
                .and_then(|()| custom.after_parse(&call, &mut value, &response))
                .and_then(|()| match operation.output {
                    Some(shape) => crate::view::copy(service, shape, &value, output).map_err(|e| {
                        protocol::DeserializeError::value(service.shape(shape).name, e)
                    }),
                    None => Ok(()),
                })
        } else {
            codec.deserialize(service, operation, &response, output)
        };
        let parsed = match (parsed, streaming_output, live) {
            (Ok(()), Some(Streaming::Body(index)), Some(live)) => {
                let checks = crate::body::ResponseChecks {
                    checksum,
                    content_length: response
                        .header("content-length")
                        .and_then(|v| v.trim().parse().ok()),
                    stalled: self.inner.config.stalled_stream.unwrap_or_default(),
                };
                let body = crate::body::from_response(live, checks);
                output
                    .member(index)
                    .and_then(|slot| slot.set(crate::value::Scalar::Stream(body)))
                    .map_err(|e| protocol::DeserializeError::value(operation.name, e))
            }
            (Ok(()), Some(Streaming::Events { index, union }), Some(live)) => {
                receive_events(service, operation, codec, live, index, union, output).await
            }
            (parsed, _, _) => parsed,
        };
        parsed.map(|()| response.status).map_err(|source| {
            Error::Response(ResponseError {
                status: response.status,
                request_id: request_id(&response.headers),
                source,
            })
        })
    }

    /// The part of a call that does not depend on sending it: serialize
    /// (with the service's hooks), resolve the endpoint, prepare the request,
    /// find the credentials. Calls and presigning share it.
    /// The request `input` makes (the service's customizations applied).
    fn serialize(
        &self,
        codec: &'static dyn protocol::Codec,
        call: &mut Call<'_>,
        input: Option<&(dyn Ser + Sync)>,
    ) -> Result<HttpRequest, Error<RawServiceError>> {
        let token = || uuid::Uuid::new_v4().to_string();
        let options = SerializeOptions {
            idempotency_token: &token,
        };
        call.validate = self.inner.config.parameter_validation.unwrap_or(true);
        customize::serialize_request(codec, call, input.map(|i| i as &dyn Ser), &options)
            .map_err(Error::Build)
    }

    async fn plan<'i>(
        &'i self,
        codec: &'static dyn protocol::Codec,
        operation: &'static Operation,
        input: Option<&(dyn Ser + Sync)>,
        presign: bool,
    ) -> Result<Planned<'i>, Error<RawServiceError>> {
        let service = self.inner.service;
        let session = &self.inner.session.inner;
        if let Some(e) = &session.deferred {
            return Err(Error::Credentials(CredentialsError::Config(e.clone())));
        }
        let mut call = Call::new(service, operation, &session.env);
        let mut request = self.serialize(codec, &mut call, input)?;
        let resolver = self.resolver().map_err(Error::Endpoint)?;
        let unsigned = matches!(operation.auth_type, "none" | "smithy.api#noAuth");
        if !unsigned && service.metadata.signature_version == "bearer" {
            return Err(Error::Credentials(CredentialsError::UnsupportedAuth {
                service: service.name.into(),
                scheme: "bearer".into(),
            }));
        }
        // Endpoint errors come before credential lookups unless the rules
        // need the account id the credentials carry.
        let mut credentials = None;
        if !unsigned && resolver.wants_account_id() {
            credentials = Some(self.credentials().await?);
        }
        let account_id = credentials.as_ref().and_then(|c| c.account_id.as_deref());
        let endpoint = self
            .resolve_endpoint(operation, input.map(|i| i as &dyn Ser), account_id)
            .map_err(Error::Endpoint)?;
        // The endpoint URL never carries credentials (presigned URLs are made elsewhere).
        tracing::debug!(
            url = %endpoint.url,
            signing_region = %endpoint.auth.signing_region,
            signing_name = %endpoint.auth.signing_name,
            "endpoint resolved"
        );
        let signs_payload = !unsigned
            && !presign
            && !operation.unsigned_payload
            && operation.auth_type != "v4-unsigned-body";
        let unsigned_ok = customize::for_service(service.name)
            .signing()
            .unsigned_payload_ok;
        if let Some(stream) = request.stream.take() {
            if signs_payload && !unsigned_ok && !stream.is_replayable() {
                // The signature covers the payload's hash, which a one-shot
                // stream cannot give before it is sent: it is read into memory.
                tracing::debug!(
                    operation = operation.name,
                    "reading a one-shot body to sign it"
                );
                request.body = stream.collect().await.map_err(Error::Body)?;
            } else {
                request.stream = Some(stream);
            }
        }
        let mut prepared = self.prepare(operation, request, &endpoint, presign)?;
        if let Some(stream) = &prepared.stream {
            if signs_payload && !prepared.unsigned_payload && prepared.payload_hash.is_none() {
                // A file: read once for its hash, again when sent (as botocore does).
                let mut chunks = stream.clone().into_stream();
                let mut hasher = sha2::Sha256::new();
                while let Some(chunk) = futures_util::StreamExt::next(&mut chunks).await {
                    hasher.update(chunk.map_err(Error::Body)?);
                }
                prepared.payload_hash = Some(crate::checksum::hex(&hasher.finalize()));
            }
        }
        if !unsigned && credentials.is_none() {
            credentials = Some(self.credentials().await?);
        }
        if !unsigned && endpoint.auth.kind == endpoint::AuthKind::SigV4S3Express {
            let bucket = customize::Members::new(service, operation, input.map(|i| i as &dyn Ser))
                .str("Bucket")
                .map(str::to_owned);
            let Some(bucket) = bucket else {
                return Err(Error::Build(protocol::SerializeError::new(
                    service.name,
                    operation.name,
                    "the endpoint asks for S3 Express session auth, which needs a Bucket",
                )));
            };
            credentials = Some(self.inner.s3express.credentials(self, &bucket).await?);
        }

        Ok(Planned {
            call,
            prepared,
            endpoint,
            credentials,
        })
    }

    /// [`Client::plan`] for [`Client::presign`](crate::presign): the prepared
    /// request, its endpoint and the credentials to sign with.
    pub(crate) async fn plan_for_presign(
        &self,
        operation: &'static Operation,
        input: Option<&(dyn Ser + Sync)>,
    ) -> Result<(Prepared, Arc<Endpoint>, Option<Credentials>), Error<RawServiceError>> {
        let codec = protocol::codec(self.inner.service.metadata.protocol);
        let planned = self.plan(codec, operation, input, true).await?;
        Ok((planned.prepared, planned.endpoint, planned.credentials))
    }

    async fn credentials(&self) -> Result<Credentials, Error<RawServiceError>> {
        self.inner
            .session
            .inner
            .credentials
            .provide_credentials()
            .await
            .map_err(Error::Credentials)
    }

    /// Everything about the request that does not change between attempts.
    fn prepare(
        &self,
        operation: &Operation,
        mut request: HttpRequest,
        endpoint: &Endpoint,
        presign: bool,
    ) -> Result<Prepared, Error<RawServiceError>> {
        let s = &self.inner.session.inner;
        let sources = settings::Sources {
            config: &self.inner.config,
            env: &s.env,
            profile: &s.profile,
        };
        if !settings::inject_host_prefix(&sources) {
            request.host_prefix = None;
        }
        let mut prepared = prepare_request(self.inner.service, operation, request, endpoint)?;
        prepared
            .headers
            .insert(http::header::USER_AGENT, self.inner.user_agent.clone());
        let service = self.inner.service;
        let build_error = |message: String| {
            Error::Build(protocol::SerializeError::new(
                service.name,
                operation.name,
                message,
            ))
        };
        let when = crate::checksum::settings(&self.inner.config, &s.env, &s.profile)
            .map_err(|e| Error::Credentials(CredentialsError::Config(e)))?;
        let in_memory = prepared.stream.is_none().then_some(&prepared.body[..]);
        let trailer = crate::checksum::apply_request(
            service,
            operation,
            &mut prepared.headers,
            in_memory,
            when,
            presign,
        )
        .map_err(build_error)?;
        let streaming = prepared.stream.as_ref().map(|s| s.len());
        let unsigned_ok = customize::for_service(service.name)
            .signing()
            .unsigned_payload_ok;
        match (streaming, trailer) {
            // A known length with a checksum: aws-chunked, the checksum
            // computed as the body streams and sent as a trailer.
            (Some(Some(length)), Some(algorithm)) if unsigned_ok && !presign => {
                let h = &mut prepared.headers;
                let encoding = match h.get(http::header::CONTENT_ENCODING) {
                    Some(given) => format!("{},aws-chunked", given.to_str().unwrap_or_default()),
                    None => "aws-chunked".to_owned(),
                };
                let value =
                    |v: &str| HeaderValue::from_str(v).map_err(|e| build_error(e.to_string()));
                h.insert(http::header::CONTENT_ENCODING, value(&encoding)?);
                h.insert("x-amz-trailer", value(&algorithm.header())?);
                h.insert("x-amz-decoded-content-length", HeaderValue::from(length));
                h.insert(
                    http::header::CONTENT_LENGTH,
                    HeaderValue::from(crate::body::aws_chunked_length(length, algorithm)),
                );
                prepared.trailer = Some(algorithm);
                prepared.payload_hash = Some(STREAMING_TRAILER.to_owned());
            }
            (Some(_), _) if unsigned_ok => {
                if let Some(algorithm) = trailer {
                    tracing::debug!(
                        operation = operation.name,
                        algorithm = algorithm.name(),
                        "no checksum for a streaming body of unknown length"
                    );
                }
                prepared.unsigned_payload = true;
            }
            _ => {}
        }
        Ok(prepared)
    }
}

/// What [`Client::plan`] works out: the request as it will be signed.
struct Planned<'a> {
    call: Call<'a>,
    prepared: Prepared,
    endpoint: Arc<Endpoint>,
    /// `None` for unsigned operations.
    credentials: Option<Credentials>,
}

/// The index of the output's streaming payload member (S3 `GetObject`'s
/// `Body`): its response body is handed to the caller unread.
/// An output member that is read as the caller reads it.
#[derive(Debug, Clone, Copy)]
enum Streaming {
    /// A streaming blob payload (member index).
    Body(usize),
    /// An event stream: the member index and its union.
    Events {
        index: usize,
        union: crate::schema::ShapeId,
    },
}

fn streaming_output(service: &Service, operation: &Operation) -> Option<Streaming> {
    let st = service.shape(operation.output?).structure()?;
    if let Some((index, member)) = protocol::common::event_stream_member(service, st) {
        return Some(Streaming::Events {
            index,
            union: member.target,
        });
    }
    let index = usize::from(st.payload?);
    let member = st.members.get(index)?;
    let target = service.shape(member.target);
    let raw = matches!(target.kind, crate::schema::ShapeKind::Blob);
    (raw && (member.streaming || target.streaming)).then_some(Streaming::Body(index))
}

/// Hands a response's event stream to the output's member `index`, after
/// reading the `initial-response` message json and CBOR services send
/// first into the other members. No stalled-stream check: a stream may be
/// quiet for long (a live tail), and each message carries its own CRC.
async fn receive_events(
    service: &'static Service,
    operation: &'static Operation,
    codec: &'static dyn protocol::Codec,
    live: reqwest::Response,
    index: usize,
    union: crate::schema::ShapeId,
    output: &mut (dyn De + Send),
) -> Result<(), protocol::DeserializeError> {
    let checks = crate::body::ResponseChecks {
        checksum: None,
        content_length: None,
        stalled: crate::body::StalledStream::disabled(),
    };
    let body = crate::body::from_response(live, checks).into_stream();
    let mut incoming = crate::event_stream::Incoming::new(body, service, union, codec);
    use crate::schema::Protocol;
    if let (Protocol::Json | Protocol::RpcV2Cbor, Some(shape)) =
        (service.metadata.protocol, operation.output)
    {
        incoming.initial_response(shape, output).await?;
    }
    let raw = crate::event_stream::RawEvents::new(incoming);
    output
        .member(index)
        .and_then(|slot| slot.set(crate::value::Scalar::Events(raw)))
        .map_err(|e| protocol::DeserializeError::value(operation.name, e))
}

/// A region goes into host names: letters, digits and hyphens only.
fn validate_region(region: &str) -> Result<(), EndpointError> {
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(EndpointError::InvalidRegion {
            region: region.to_owned(),
        });
    }
    Ok(())
}

/// Checks a configured endpoint URL (http or https, a host, no query or
/// fragment) and drops a trailing slash.
fn normalize_url(custom: &ConfiguredUrl) -> Result<String, EndpointError> {
    let invalid = |reason: &str| EndpointError::InvalidUrl {
        url: custom.url.clone(),
        source_name: custom.source.clone(),
        reason: reason.to_owned(),
    };
    let url = reqwest::Url::parse(&custom.url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("there is no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an endpoint URL cannot have a query or fragment"));
    }
    Ok(custom.url.trim().trim_end_matches('/').to_owned())
}

/// Turns a serialized request into what is signed and sent: the endpoint
/// (with the operation's host prefix) joined with the path, the endpoint's
/// headers, `User-Agent`, request compression, `Content-MD5` and `Content-Length`.
///
/// Public so the conformance runners check exactly what clients send.
pub fn prepare_request(
    service: &Service,
    operation: &Operation,
    request: HttpRequest,
    endpoint: &Endpoint,
) -> Result<Prepared, Error<RawServiceError>> {
    let HttpRequest {
        method,
        uri,
        mut headers,
        mut body,
        host_prefix,
        stream,
        events,
    } = request;

    // Local endpoints (moto, LocalStack) serve every operation on one host.
    let host_prefix =
        host_prefix.filter(|p| !p.is_empty() && !endpoint::is_local_host(&endpoint.url));
    let uri = if uri.starts_with(['/', '?']) || uri.is_empty() {
        uri
    } else {
        format!("/{uri}")
    };
    // URL parsing (WHATWG, as reqwest does) removes `.` and `..` segments,
    // which would send the request to another key: refuse rather than do that.
    let path = uri.split('?').next().unwrap_or_default();
    if path.split('/').any(is_dot_segment) {
        return Err(Error::Build(protocol::SerializeError::new(
            service.name,
            operation.name,
            format!("the request path {path:?} has a `.` or `..` segment, which cannot be sent unchanged"),
        )));
    }
    let url = endpoint::join_url(&endpoint.url, &uri, host_prefix.as_deref());

    let header = |value: &str| {
        HeaderValue::from_str(value).map_err(|_| {
            Error::Build(protocol::SerializeError::new(
                service.name,
                operation.name,
                format!("invalid header value `{value}`"),
            ))
        })
    };
    for (name, value) in &endpoint.headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::Build(protocol::SerializeError::new(
                service.name,
                operation.name,
                format!("the endpoint rules name an invalid header `{name}`"),
            ))
        })?;
        headers.insert(name, header(value)?);
    }
    // The client replaces it with its own (retry mode, app id): see `crate::useragent`.
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static(crate::useragent::SDK),
    );
    let compress = stream.is_none() && body.len() >= MIN_COMPRESSION_SIZE;
    if operation.request_compression.contains(&"gzip") && compress {
        body = gzip(&body).map_err(|e| {
            Error::Build(protocol::SerializeError::new(
                service.name,
                operation.name,
                format!("gzip failed: {e}"),
            ))
        })?;
        // An encoding the caller set stays, with gzip applied after it (as botocore).
        let encoding = match headers.get(http::header::CONTENT_ENCODING) {
            Some(given) => header(&format!("{}, gzip", given.to_str().unwrap_or_default()))?,
            None => HeaderValue::from_static("gzip"),
        };
        headers.insert(http::header::CONTENT_ENCODING, encoding);
    }
    let has_checksum = headers.contains_key("content-md5")
        || headers
            .keys()
            .any(|k| k.as_str().starts_with("x-amz-checksum-"));
    // Operations with flexible checksums get theirs from `checksum.rs`
    // (CRC32 where botocore 1.36+ sends it); Content-MD5 is for the others.
    // (No model requires Content-MD5 of a streaming body: none is read for it.)
    if operation.checksum_required
        && operation.http_checksum.is_none()
        && !has_checksum
        && stream.is_none()
    {
        let digest = md5::Md5::digest(&body);
        let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
        headers.insert("content-md5", header(&encoded)?);
    }
    if events.is_some() {
        // Sent as the events come (chunked), each message signed.
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(crate::event_stream::CONTENT_TYPE),
        );
    }
    match stream.as_ref().map(ByteStream::len) {
        _ if events.is_some() => {}
        Some(Some(length)) => {
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(length));
        }
        // Sent with chunked transfer encoding.
        Some(None) => {}
        None if !body.is_empty()
            || matches!(
                method,
                http::Method::POST | http::Method::PUT | http::Method::PATCH
            ) =>
        {
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        None => {}
    }
    // botocore signs `UNSIGNED-PAYLOAD` for `authtype: v4-unsigned-body` and `unsignedPayload`.
    let unsigned_payload = operation.auth_type == "v4-unsigned-body" || operation.unsigned_payload;
    Ok(Prepared {
        method,
        url,
        headers,
        body,
        unsigned_payload,
        stream,
        payload_hash: events
            .is_some()
            .then(|| crate::event_stream::SEED_PAYLOAD.to_owned()),
        trailer: None,
        events,
    })
}

/// The payload hash of an aws-chunked body with an unsigned trailer.
const STREAMING_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// A request ready to be signed and sent, once per attempt.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The HTTP method.
    pub method: http::Method,
    /// The full URL: endpoint (after the addressing hook), path and query.
    pub url: String,
    /// The codec's headers plus `User-Agent`, `Content-Encoding`, `Content-MD5`
    /// and `Content-Length` as needed; the signer adds its own per attempt.
    pub headers: HeaderMap,
    /// The body, gzip-compressed when the operation allows it and it is large enough.
    pub body: Bytes,
    /// `authtype: v4-unsigned-body` or `unsignedPayload`: sign the body as `UNSIGNED-PAYLOAD`.
    pub unsigned_payload: bool,
    /// A streaming body not held in memory, sent in place of `body`.
    pub stream: Option<ByteStream>,
    /// The payload hash to sign when it is not `body`'s (a file's SHA-256,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
    pub payload_hash: Option<String>,
    /// Send `stream` aws-chunked with this checksum as a trailer.
    pub trailer: Option<crate::checksum::Algorithm>,
    /// An input event stream, sent in place of `body`: each message signed,
    /// chained to the request's signature.
    pub events: Option<crate::event_stream::OutgoingBody>,
}

impl Prepared {
    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        service: &'static Service,
        codec: &'static dyn protocol::Codec,
        http: &reqwest::Client,
        credentials: Option<&Credentials>,
        endpoint: &Endpoint,
        signing: customize::Signing,
        signing_time: SystemTime,
    ) -> Result<reqwest::Request, Error<RawServiceError>> {
        let mut headers = self.headers.clone();
        let session;
        let mut credentials = credentials;
        if let (Some(c), endpoint::AuthKind::SigV4S3Express) = (credentials, endpoint.auth.kind) {
            // S3 Express sends its session token as `x-amz-s3session-token`
            // (signed), never `x-amz-security-token`.
            if let Some(token) = &c.session_token {
                let mut value = HeaderValue::from_str(token).map_err(|_| {
                    Error::Credentials(CredentialsError::Signing(
                        "the S3 Express session token is not a valid header value".into(),
                    ))
                })?;
                value.set_sensitive(true);
                headers.insert("x-amz-s3session-token", value);
            }
            session = Credentials {
                session_token: None,
                ..c.clone()
            };
            credentials = Some(&session);
        }
        if let Some(credentials) = credentials {
            let auth = &endpoint.auth;
            let region_set = (auth.kind == endpoint::AuthKind::SigV4a).then(|| {
                if auth.region_set.is_empty() {
                    "*".to_owned()
                } else {
                    auth.region_set.join(",")
                }
            });
            let params = SigningParams {
                region: &auth.signing_region,
                name: &auth.signing_name,
                time: signing_time,
                s3_style: signing.s3_style || auth.disable_double_encoding,
                content_sha256_header: signing.content_sha256_header,
                unsigned_payload: self.unsigned_payload,
                payload_hash: self.payload_hash.as_deref(),
                region_set: region_set.as_deref(),
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
        let body = match (&self.stream, &self.events) {
            (_, Some(events)) => {
                let signer = match credentials {
                    None => None,
                    Some(c) => {
                        // The chain starts at the request's SigV4 signature;
                        // SigV4a has no event-stream signing.
                        let auth = &endpoint.auth;
                        let seed = seed_signature(&headers)
                            .filter(|_| auth.kind != endpoint::AuthKind::SigV4a)
                            .ok_or_else(|| {
                                Error::Credentials(CredentialsError::Signing(
                                    "event-stream messages are signed with SigV4 only, chained \
                                     to the request's SigV4 signature"
                                        .into(),
                                ))
                            })?;
                        Some(crate::event_stream::MessageSigner::new(
                            c,
                            &auth.signing_region,
                            &auth.signing_name,
                            seed,
                        ))
                    }
                };
                let chunks = events.body(service, codec, signer).map_err(Error::Body)?;
                reqwest::Body::wrap_stream(chunks)
            }
            (None, None) => reqwest::Body::from(self.body.clone()),
            (Some(stream), None) => {
                let chunks = stream.request_stream().map_err(Error::Body)?;
                let chunks = match (stream.len(), self.trailer) {
                    (Some(length), Some(algorithm)) => {
                        crate::body::aws_chunked(chunks, length, algorithm)
                    }
                    (Some(length), None) => crate::body::exact_length(chunks, length),
                    (None, _) => chunks,
                };
                reqwest::Body::wrap_stream(chunks)
            }
        };
        http.request(self.method.clone(), &self.url)
            .headers(headers)
            .body(body)
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

/// The request's own signature (`Signature=` in `Authorization`), which
/// the first event's signature chains to.
fn seed_signature(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    auth.split("Signature=")
        .nth(1)
        .map(|s| s.trim_end_matches(|c: char| !c.is_ascii_hexdigit()))
}

/// `.`, `..` and their percent-encoded spellings, which URL parsers resolve.
fn is_dot_segment(segment: &str) -> bool {
    matches!(
        segment.to_ascii_lowercase().as_str(),
        "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e"
    )
}

fn gzip(body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body)?;
    Ok(Bytes::from(encoder.finish()?))
}

/// The request id AWS puts in a header (`x-amzn-RequestId`, S3's `x-amz-request-id`).
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    protocol::common::request_id_from(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic::DynValue;
    use crate::env::Env;
    use crate::schema::Metadata;
    use std::io::Read;

    fn s3() -> &'static Service {
        crate::test_models::vendored("s3")
    }

    fn glacier() -> &'static Service {
        crate::test_models::vendored("glacier")
    }

    /// The endpoint of S3 `op` on `bucket`.
    fn s3_endpoint(client: &Client, op: &str, bucket: &str) -> Arc<Endpoint> {
        let op = s3().operation(op).unwrap();
        let input = DynValue::from_json(
            s3(),
            op.input.unwrap(),
            &match op.name {
                "PutObject" => serde_json::json!({"Bucket": bucket, "Key": "k"}),
                _ => serde_json::json!({"Bucket": bucket}),
            },
        )
        .unwrap();
        client.endpoint_for(op, Some(&input)).unwrap()
    }

    static PUT: Operation = Operation {
        name: "DeleteObjects",
        http_method: "POST",
        checksum_required: true,
        ..Operation::DEFAULT
    };
    static COMPRESSED: Operation = Operation {
        name: "PutMetricData",
        request_compression: &["gzip"],
        ..Operation::DEFAULT
    };

    fn session(vars: &[(&str, &str)]) -> Session {
        Session::builder()
            .env(Env::from_vars(vars.iter().copied()))
            .region("us-west-2")
            .credentials(Credentials::new("AKID", "SECRET", None))
            .build()
            .unwrap()
    }

    fn request(uri: &str, body: &'static [u8]) -> HttpRequest {
        let mut r = HttpRequest::new(http::Method::POST, uri);
        r.body = Bytes::from_static(body);
        r
    }

    #[test]
    fn s3_virtual_host_md5_and_signing() {
        let client = Client::new(&session(&[]), s3());
        let endpoint = s3_endpoint(&client, "DeleteObjects", "my-bucket");
        assert_eq!(endpoint.url, "https://my-bucket.s3.us-west-2.amazonaws.com");
        let p = client
            .prepare(&PUT, request("/?delete", b"<Delete/>"), &endpoint, false)
            .unwrap();
        assert_eq!(
            p.url,
            "https://my-bucket.s3.us-west-2.amazonaws.com/?delete"
        );
        let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(b"<Delete/>"));
        assert_eq!(p.headers["content-md5"], md5.as_str());
        assert_eq!(p.headers["content-length"], "9");
        assert!(p.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("boto-rs/"));

        let http = reqwest::Client::new();
        let creds = Credentials::new("AKID", "SECRET", None);
        let signed = p
            .build(
                s3(),
                protocol::codec(s3().metadata.protocol),
                &http,
                Some(&creds),
                &endpoint,
                customize::for_service("s3").signing(),
                SystemTime::now(),
            )
            .unwrap();
        let auth = signed.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("/us-west-2/s3/aws4_request"), "{auth}");
        assert!(signed.headers().contains_key("x-amz-content-sha256"));
        assert_eq!(
            signed.url().as_str(),
            "https://my-bucket.s3.us-west-2.amazonaws.com/?delete"
        );

        let unsigned = p
            .build(
                s3(),
                protocol::codec(s3().metadata.protocol),
                &http,
                None,
                &endpoint,
                customize::for_service("s3").signing(),
                SystemTime::now(),
            )
            .unwrap();
        assert!(!unsigned.headers().contains_key("authorization"));
    }

    #[test]
    fn dot_segments_are_refused_not_rewritten() {
        let client = Client::new(&session(&[]), s3());
        let endpoint = s3_endpoint(&client, "PutObject", "b-1");
        for path in ["/a/../k", "/./k", "/%2E%2e/k", "/.."] {
            let err = prepare_request(s3(), &PUT, request(path, b""), &endpoint).expect_err(path);
            assert!(err.to_string().contains("segment"), "{err}");
        }
        assert!(prepare_request(s3(), &PUT, request("/a..b/.k", b""), &endpoint).is_ok());
    }

    #[test]
    fn s3_path_style_when_forced_or_custom() {
        let config = ClientConfig {
            force_path_style: Some(true),
            ..ClientConfig::default()
        };
        let client = Client::with_config(&session(&[]), s3(), config);
        let endpoint = s3_endpoint(&client, "PutObject", "b-1");
        let p = client
            .prepare(&PUT, request("/k", b""), &endpoint, false)
            .unwrap();
        assert_eq!(p.url, "https://s3.us-west-2.amazonaws.com/b-1/k");

        // A custom endpoint is path-style unless `addressing_style = virtual` (botocore).
        for url in ["http://127.0.0.1:5000", "http://minio.internal:9000"] {
            let client = Client::new(&session(&[("AWS_ENDPOINT_URL", url)]), s3());
            let endpoint = s3_endpoint(&client, "PutObject", "b-1");
            let p = client
                .prepare(&PUT, request("/k", b""), &endpoint, false)
                .unwrap();
            assert_eq!(p.url, format!("{url}/b-1/k"));
        }
        let config = ClientConfig {
            s3: endpoint::S3Config {
                addressing_style: Some(endpoint::AddressingStyle::Virtual),
                ..Default::default()
            },
            ..ClientConfig::default()
        };
        let s = session(&[("AWS_ENDPOINT_URL", "http://minio.internal:9000")]);
        let client = Client::with_config(&s, s3(), config);
        let endpoint = s3_endpoint(&client, "PutObject", "b-1");
        assert_eq!(endpoint.url, "http://b-1.minio.internal:9000");
    }

    #[test]
    fn endpoint_url_precedence() {
        let env = [
            ("AWS_ENDPOINT_URL", "http://env:1"),
            ("AWS_ENDPOINT_URL_GLACIER", "http://env-glacier:2"),
        ];
        let s = session(&env);
        assert_eq!(
            Client::new(&s, glacier()).endpoint().unwrap().url,
            "http://env-glacier:2"
        );
        assert_eq!(
            Client::new(&s, crate::test_models::vendored("sqs"))
                .endpoint()
                .unwrap()
                .url,
            "http://env:1"
        );
        let s = Session::builder()
            .env(Env::from_vars(env))
            .region("eu-west-1")
            .endpoint_url("http://session:3")
            .build()
            .unwrap();
        assert_eq!(
            Client::new(&s, glacier()).endpoint().unwrap().url,
            "http://session:3"
        );
        let config = ClientConfig {
            endpoint_url: Some("http://client:4".into()),
            region: Some("ap-south-1".into()),
            ..ClientConfig::default()
        };
        let e = Client::with_config(&s, glacier(), config)
            .endpoint()
            .unwrap();
        assert_eq!(e.url, "http://client:4");
        assert_eq!(e.signing_region(), "ap-south-1");
        let config = ClientConfig {
            ignore_configured_endpoint_urls: Some(true),
            ..ClientConfig::default()
        };
        let e = Client::with_config(&session(&env), glacier(), config)
            .endpoint()
            .unwrap();
        assert_eq!(e.url, "https://glacier.us-west-2.amazonaws.com");
    }

    #[test]
    fn host_prefix_and_glacier_header() {
        let client = Client::new(&session(&[]), glacier());
        let endpoint = client.endpoint().unwrap();
        let mut r = request("/-/vaults", b"");
        r.host_prefix = Some("data-".into());
        let p = client
            .prepare(&Operation::DEFAULT, r, &endpoint, false)
            .unwrap();
        assert_eq!(
            p.url,
            "https://data-glacier.us-west-2.amazonaws.com/-/vaults"
        );
        let signed = p
            .build(
                glacier(),
                protocol::codec(glacier().metadata.protocol),
                &reqwest::Client::new(),
                Some(&Credentials::new("A", "S", None)),
                &endpoint,
                customize::for_service("glacier").signing(),
                SystemTime::now(),
            )
            .unwrap();
        assert!(signed.headers().contains_key("x-amz-content-sha256"));
    }

    #[tokio::test]
    async fn s3_express_session_auth() {
        use std::sync::Mutex;
        type Sent = (String, String, Option<String>);
        let seen: Arc<Mutex<Vec<Sent>>> = Arc::default();
        let log = seen.clone();
        let hook = BeforeSend::new(move |req: &reqwest::Request| {
            let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
            log.lock().unwrap().push((
                req.url().to_string(),
                h("authorization").unwrap_or_default(),
                h("x-amz-s3session-token"),
            ));
            assert!(h("x-amz-security-token").is_none());
            let body = if req.url().query() == Some("session") {
                "<CreateSessionResult><Credentials><SessionToken>TOKEN</SessionToken>\
                 <SecretAccessKey>SK</SecretAccessKey><AccessKeyId>SESSIONKEY</AccessKeyId>\
                 <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></CreateSessionResult>"
            } else {
                ""
            };
            Some(HttpResponse {
                status: 200,
                headers: HeaderMap::new(),
                body: Bytes::from_static(body.as_bytes()),
            })
        });
        let config = ClientConfig {
            before_send: Some(hook),
            ..ClientConfig::default()
        };
        let client = Client::with_config(&session(&[]), s3(), config);
        let op = s3().operation("HeadObject").unwrap();
        let bucket = "mybucket--usw2-az1--x-s3";
        let input = DynValue::from_json(
            s3(),
            op.input.unwrap(),
            &serde_json::json!({"Bucket": bucket, "Key": "k"}),
        )
        .unwrap();
        for _ in 0..2 {
            let mut out = DynValue::Empty;
            client.call(op, Some(&input), &mut out).await.unwrap();
        }
        let seen = seen.lock().unwrap();
        let host = "https://mybucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com";
        assert_eq!(seen.len(), 3, "one CreateSession, then two calls: {seen:?}");
        assert_eq!(seen[0].0, format!("{host}/?session"));
        assert!(seen[0].1.contains("Credential=AKID/"), "{}", seen[0].1);
        for (url, auth, token) in &seen[1..] {
            assert_eq!(url, &format!("{host}/k"));
            assert!(auth.contains("Credential=SESSIONKEY/"), "{auth}");
            assert!(auth.contains("/us-west-2/s3express/aws4_request"), "{auth}");
            assert!(auth.contains("x-amz-s3session-token"), "{auth}");
            assert_eq!(token.as_deref(), Some("TOKEN"));
        }
    }

    #[tokio::test]
    async fn multi_region_access_points_sign_with_sigv4a() {
        use std::sync::Mutex;
        let seen: Arc<Mutex<Vec<(String, HeaderMap)>>> = Arc::default();
        let log = seen.clone();
        let hook = BeforeSend::new(move |req: &reqwest::Request| {
            log.lock()
                .unwrap()
                .push((req.url().to_string(), req.headers().clone()));
            Some(HttpResponse {
                status: 200,
                headers: HeaderMap::new(),
                body: Bytes::new(),
            })
        });
        let config = ClientConfig {
            before_send: Some(hook),
            ..ClientConfig::default()
        };
        let client = Client::with_config(&session(&[]), s3(), config);
        let op = s3().operation("HeadObject").unwrap();
        let input = DynValue::from_json(
            s3(),
            op.input.unwrap(),
            &serde_json::json!({
                "Bucket": "arn:aws:s3::123456789012:accesspoint:mfzwi23gnjvgw.mrap",
                "Key": "k"
            }),
        )
        .unwrap();
        #[cfg(not(feature = "sigv4a"))]
        sigv4a_call(&client, op, &input).await;
        #[cfg(feature = "sigv4a")]
        {
            let mut out = DynValue::Empty;
            client.call(op, Some(&input), &mut out).await.unwrap();
            let seen = seen.lock().unwrap();
            let (url, headers) = &seen[0];
            assert_eq!(
                url,
                "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/k"
            );
            let auth = headers["authorization"].to_str().unwrap();
            assert!(auth.starts_with("AWS4-ECDSA-P256-SHA256 "), "{auth}");
            assert!(auth.contains("/s3/aws4_request"), "{auth}");
            assert_eq!(headers["x-amz-region-set"], "*");
        }
    }

    /// Without the feature, a SigV4a endpoint is a typed error naming it.
    #[cfg(not(feature = "sigv4a"))]
    async fn sigv4a_call(client: &Client, op: &'static Operation, input: &DynValue) {
        let mut out = DynValue::Empty;
        let err = client.call(op, Some(input), &mut out).await.unwrap_err();
        assert!(err.to_string().contains("`sigv4a` feature"), "{err}");
    }

    #[test]
    fn host_prefix_injection_can_be_disabled() {
        for (vars, config) in [
            (vec![("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")], None),
            (vec![], Some(false)),
        ] {
            let config = ClientConfig {
                inject_host_prefix: config,
                ..ClientConfig::default()
            };
            let client = Client::with_config(&session(&vars), glacier(), config);
            let endpoint = client.endpoint().unwrap();
            let mut r = request("/-/vaults", b"");
            r.host_prefix = Some("data-".into());
            let p = client
                .prepare(&Operation::DEFAULT, r, &endpoint, false)
                .unwrap();
            assert_eq!(p.url, "https://glacier.us-west-2.amazonaws.com/-/vaults");
        }
    }

    #[test]
    fn gzip_large_bodies_only() {
        let client = Client::new(&session(&[]), glacier());
        let endpoint = client.endpoint().unwrap();
        let small = client
            .prepare(&COMPRESSED, request("/", b"Action=x"), &endpoint, false)
            .unwrap();
        assert!(!small.headers.contains_key("content-encoding"));

        let big: &'static [u8] = Box::leak(vec![b'a'; 20_000].into_boxed_slice());
        let p = client
            .prepare(&COMPRESSED, request("/", big), &endpoint, false)
            .unwrap();
        assert_eq!(p.headers["content-encoding"], "gzip");
        assert_eq!(
            p.headers["content-length"],
            p.body.len().to_string().as_str()
        );
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&p.body[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, big);
    }

    #[tokio::test]
    async fn deferred_config_error_surfaces_at_call_time() {
        let s = Session::builder()
            .env(Env::from_vars([
                ("AWS_PROFILE", "missing"),
                ("AWS_CONFIG_FILE", "/nonexistent/c"),
            ]))
            .build_lenient_for_tests();
        let client = Client::new(&s, s3());
        let mut out = String::new();
        let err = client.call(&PUT, None, &mut out).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Credentials(CredentialsError::Config(
                    ConfigError::ProfileNotFound { .. }
                ))
            ),
            "{err}"
        );
        assert!(err.to_string().contains("`missing`"), "{err}");
    }

    /// A stand-in codec: the body is the output string; error bodies are the code.
    struct TextCodec;

    impl protocol::Codec for TextCodec {
        fn serialize(
            &self,
            _: &Service,
            op: &Operation,
            _: Option<&dyn Ser>,
            options: &SerializeOptions<'_>,
        ) -> Result<HttpRequest, protocol::SerializeError> {
            let mut r = HttpRequest::new(http::Method::POST, op.request_uri);
            r.body = Bytes::from((options.idempotency_token)());
            Ok(r)
        }
        fn deserialize(
            &self,
            _: &Service,
            _: &Operation,
            response: &HttpResponse,
            output: &mut dyn De,
        ) -> Result<(), protocol::DeserializeError> {
            let text = String::from_utf8(response.body.to_vec())
                .map_err(|e| protocol::DeserializeError::new("body", e.to_string()))?;
            output
                .set(crate::value::Scalar::Str(text))
                .map_err(|e| protocol::DeserializeError::value("body", e))
        }
        fn error_info(&self, _: &Service, response: &HttpResponse) -> protocol::ErrorInfo {
            protocol::ErrorInfo {
                code: String::from_utf8_lossy(&response.body).into_owned(),
                message: Some("from test server".into()),
                request_id: request_id(&response.headers),
                status: response.status,
                type_code: None,
            }
        }
        fn deserialize_error(
            &self,
            _: &Service,
            _: crate::schema::ShapeId,
            _: &HttpResponse,
            _: &mut dyn De,
        ) -> Result<(), protocol::DeserializeError> {
            Ok(())
        }
    }

    static ERROR_SHAPES: [crate::schema::Shape; 1] = [crate::schema::Shape {
        name: "NoSuchThing",
        kind: crate::schema::ShapeKind::Structure(crate::schema::StructureShape {
            error: Some(crate::schema::ErrorTraits {
                code: None,
                http_status: Some(404),
                sender_fault: true,
            }),
            ..crate::schema::StructureShape::DEFAULT
        }),
        ..crate::schema::Shape::DEFAULT
    }];
    static LOCAL: Service = Service {
        name: "local",
        metadata: Metadata {
            endpoint_prefix: "local",
            service_id: "Local Test",
            ..Metadata::DEFAULT
        },
        shapes: &ERROR_SHAPES,
        operations: &[],
        endpoint_rules: None,
    };
    static GET_THING: Operation = Operation {
        name: "GetThing",
        request_uri: "/thing",
        errors: &[0],
        ..Operation::DEFAULT
    };

    #[derive(Debug, thiserror::Error)]
    enum GetThingError {
        #[error("no such thing")]
        NoSuchThing,
        #[error(transparent)]
        Unhandled(crate::error::UnhandledError),
    }

    impl crate::error::OperationError for GetThingError {
        fn from_raw(raw: &RawServiceError) -> Result<Self, protocol::DeserializeError> {
            Ok(match raw.modeled() {
                Some(0) => GetThingError::NoSuchThing,
                _ => GetThingError::Unhandled(raw.unhandled()),
            })
        }
    }

    /// Answers each connection with the next (status, body); returns the URL
    /// and a channel of the raw requests received.
    async fn script_server(
        replies: Vec<(u16, &'static str)>,
    ) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            for (status, body) in replies {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                // Read the head, then as many body bytes as content-length says.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let complete = |buf: &[u8]| {
                    let text = String::from_utf8_lossy(buf);
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        return false;
                    };
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    body.len() >= length
                };
                while !complete(&buf) {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let len = buf.len();
                let _ = tx.send(String::from_utf8_lossy(&buf[..len]).into_owned());
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nx-amzn-requestid: rid-{status}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            }
        });
        (url, rx)
    }

    fn local_client(url: &str) -> Client {
        let s = Session::builder()
            .env(Env::from_vars([("AWS_ENDPOINT_URL_LOCAL_TEST", url)]))
            .region("us-east-1")
            .credentials(Credentials::new("AKID", "SECRET", Some("TOKEN".into())))
            .build()
            .unwrap();
        let config = ClientConfig {
            max_attempts: Some(3),
            ..ClientConfig::default()
        };
        Client::with_config(&s, &LOCAL, config)
    }

    #[tokio::test]
    async fn call_end_to_end_with_retry() {
        let (url, mut requests) =
            script_server(vec![(503, "ServiceUnavailable"), (200, "hello")]).await;
        let client = local_client(&url);
        let mut out = String::new();
        client
            .call_with_codec(&TextCodec, &GET_THING, None, &mut out)
            .await
            .unwrap();
        assert_eq!(out, "hello");
        let first = requests.recv().await.unwrap();
        let second = requests.recv().await.unwrap();
        let lower = second.to_lowercase();
        assert!(lower.starts_with("post /thing http/1.1"), "{second}");
        assert!(
            lower.contains("authorization: aws4-hmac-sha256 credential=akid/"),
            "{second}"
        );
        assert!(lower.contains("x-amz-security-token: token"), "{second}");
        assert!(lower.contains("user-agent: boto-rs/"), "{second}");
        // Each attempt is signed anew, with the same idempotency token in the body.
        assert_eq!(
            first.split("\r\n\r\n").nth(1),
            second.split("\r\n\r\n").nth(1)
        );
    }

    #[tokio::test]
    async fn call_modeled_and_unhandled_errors() {
        let (url, _requests) =
            script_server(vec![(404, "NoSuchThing"), (400, "AccessDenied")]).await;
        let client = local_client(&url);
        let mut out = String::new();
        let err = client
            .call_with_codec(&TextCodec, &GET_THING, None, &mut out)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NoSuchThing"));
        assert_eq!(err.request_id(), Some("rid-404"));
        assert_eq!(err.as_service_error().unwrap().modeled(), Some(0));
        let typed = err.typed::<GetThingError>();
        assert!(matches!(
            typed.as_service_error(),
            Some(GetThingError::NoSuchThing)
        ));

        let err = client
            .call_with_codec(&TextCodec, &GET_THING, None, &mut out)
            .await
            .unwrap_err();
        let typed = err.typed::<GetThingError>();
        let Some(GetThingError::Unhandled(u)) = typed.as_service_error() else {
            panic!("{typed:?}");
        };
        assert_eq!((u.code(), u.status()), ("AccessDenied", 400));
        assert!(
            typed
                .to_string()
                .contains("AccessDenied (HTTP 400): from test server"),
            "{typed}"
        );
    }

    #[tokio::test]
    async fn call_without_credentials_says_how_to_set_them() {
        let s = Session::builder()
            .env(Env::from_vars([
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
                ("HOME", "/nonexistent"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ]))
            .region("us-east-1")
            .build()
            .unwrap();
        let client = Client::new(&s, &LOCAL);
        let mut out = String::new();
        let err = client
            .call_with_codec(&TextCodec, &GET_THING, None, &mut out)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Credentials(CredentialsError::NotFound { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
    }

    #[test]
    fn client_is_send_sync_and_call_future_is_send() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<Session>();
        fn is_send<T: Send>(_: &T) {}
        let client = Client::new(&session(&[]), s3());
        let mut out = String::new();
        let input = String::from("x");
        let fut = client.call(&PUT, Some(&input), &mut out);
        is_send(&fut);
    }
}
