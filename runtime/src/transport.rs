//! Sending a request with per-attempt timeouts and retries.
//!
//! Kept apart from [`crate::client`] so it can be tested against a local
//! server without a codec: the caller supplies a request builder (re-signing
//! each attempt) and a response classifier.

use std::error::Error as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::HeaderValue;
use tracing::Instrument;

use crate::body::{BodyError, StalledStream};
use crate::error::{Error, TimeoutError, TimeoutKind, TransportError};
use crate::protocol::HttpResponse;
use crate::retry::{
    classify_response, monotonic_clock, ClientRateLimiter, RetryKind, RetryMode, RetryPolicy,
    RetryQuota,
};

/// A clock skew correction is made only when the server's `Date` is at
/// least this far from the client's (corrected) clock: the AWS SDK for
/// Java's threshold. Closer than that, the error is not about the clock.
pub const CLOCK_SKEW_THRESHOLD: Duration = Duration::from_secs(4 * 60);

/// A client's retry state, shared by its concurrent calls: the `standard`
/// retry quota, the `adaptive` rate limiter and the clock offset learnt
/// from clock skew errors.
#[derive(Debug)]
pub struct RetryState {
    mode: RetryMode,
    /// The retry quota (not used in `legacy` mode).
    pub quota: RetryQuota,
    /// The client-side rate limiter (`adaptive` mode only).
    pub limiter: Option<ClientRateLimiter>,
    /// Server time minus local time, in milliseconds.
    clock_offset_ms: AtomicI64,
}

impl RetryState {
    /// A fresh state for a client in `mode`.
    pub fn new(mode: RetryMode) -> RetryState {
        RetryState {
            mode,
            quota: RetryQuota::default(),
            limiter: (mode == RetryMode::Adaptive)
                .then(|| ClientRateLimiter::new(monotonic_clock())),
            clock_offset_ms: AtomicI64::new(0),
        }
    }

    /// The retry mode.
    pub fn mode(&self) -> RetryMode {
        self.mode
    }

    /// Server time minus local time, in milliseconds, as last corrected (0 until then).
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Sets the clock offset (server time minus local time).
    pub fn set_clock_offset_ms(&self, offset: i64) {
        self.clock_offset_ms.store(offset, Ordering::Relaxed);
    }

    /// Now, corrected by the clock offset: the time requests are signed with.
    pub fn signing_time(&self) -> SystemTime {
        shift(SystemTime::now(), self.clock_offset_ms())
    }
}

fn shift(t: SystemTime, offset_ms: i64) -> SystemTime {
    let d = Duration::from_millis(offset_ms.unsigned_abs());
    if offset_ms >= 0 {
        t + d
    } else {
        t - d
    }
}

/// What the request builder is told about the attempt it builds.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// The most attempts this call makes.
    pub max_attempts: u32,
    /// Sign with this time (now, corrected by the client's clock offset).
    pub signing_time: SystemTime,
}

/// How one call is sent.
#[derive(Debug, Clone)]
pub struct SendOptions<'a> {
    /// Attempts and backoff.
    pub policy: RetryPolicy,
    /// The client's quota, rate limiter and clock offset (the mode is theirs).
    pub state: &'a RetryState,
    /// Time limit of each attempt, from sending to reading the whole body.
    pub attempt_timeout: Duration,
    /// The HTTP client's connect timeout (for error messages).
    pub connect_timeout: Option<Duration>,
    /// The HTTP client's read timeout (for error messages).
    pub read_timeout: Option<Duration>,
    /// Time limit of the whole call, every attempt and backoff included.
    pub operation_timeout: Option<Duration>,
    /// Sees each request before it is sent and may answer it.
    pub before_send: Option<&'a BeforeSend>,
    /// Leave a successful (2xx) response's body unread, for the caller to
    /// stream ([`send_call_streaming`]).
    pub stream_body: bool,
    /// The request body can be sent again; when not (a one-shot stream), a
    /// retryable failure ends the call with [`Error::NotReplayable`].
    pub replayable: bool,
    /// Stalled-stream protection of a streamed request body.
    pub stalled_stream: StalledStream,
}

/// Why one attempt produced no response.
enum AttemptFailure {
    Timeout(TimeoutKind),
    /// `retryable`: connection-level failures are; malformed requests are not.
    Transport {
        error: reqwest::Error,
        retryable: bool,
    },
    /// The request body stopped moving (stalled-stream protection).
    Stalled(BodyError),
}

/// Why [`send_once`] got no response.
enum SendError {
    Http(reqwest::Error),
    Stalled(BodyError),
}

impl From<reqwest::Error> for SendError {
    fn from(e: reqwest::Error) -> Self {
        SendError::Http(e)
    }
}

/// The request builder of [`send_call`]: signs and builds one attempt.
pub type BuildFn<'a, E> = dyn FnMut(&Attempt) -> Result<reqwest::Request, Error<E>> + Send + 'a;

/// The response classifier of [`send_call`]: `Some` when the response is a
/// retryable error.
pub type ClassifyFn<'a> = dyn Fn(&HttpResponse) -> Option<RetryKind> + Sync + 'a;

/// Sends the request `build` makes, retrying per `policy` while the failure
/// or `classify(response)` says it is retryable. Returns the last response
/// (success or not) or the last transport failure.
///
/// The older entry point of [`send_call`], with a fresh `standard` state.
pub async fn send_with_retries<E>(
    http: &reqwest::Client,
    policy: &RetryPolicy,
    timeout: Duration,
    build: &mut (dyn FnMut() -> Result<reqwest::Request, Error<E>> + Send),
    classify: &(dyn Fn(&HttpResponse) -> Option<RetryKind> + Sync),
    before_send: Option<&BeforeSend>,
) -> Result<HttpResponse, Error<E>> {
    let state = RetryState::new(RetryMode::Standard);
    let options = SendOptions {
        policy: policy.clone(),
        state: &state,
        attempt_timeout: timeout,
        connect_timeout: None,
        read_timeout: None,
        operation_timeout: None,
        before_send,
        stream_body: false,
        replayable: true,
        stalled_stream: StalledStream::disabled(),
    };
    send_call(http, &options, &mut |_: &Attempt| build(), classify).await
}

/// Where a call got to, for the operation timeout's error.
#[derive(Default)]
struct Progress {
    attempts: u32,
    url: String,
    /// The request id of the current attempt's response, once its head arrived.
    request_id: Option<String>,
}

/// Sends one call: each attempt waits for the rate limiter (`adaptive`),
/// is built and signed by `build` with the corrected signing time, carries
/// `amz-sdk-invocation-id` (one per call) and `amz-sdk-request: attempt=N;
/// max=M`, and is retried while `classify` or the failure says so, attempts
/// and the retry quota allow. A clock skew error is retried once at once,
/// signed with the server's time, without drawing on the quota.
pub async fn send_call<E>(
    http: &reqwest::Client,
    options: &SendOptions<'_>,
    build: &mut BuildFn<'_, E>,
    classify: &ClassifyFn<'_>,
) -> Result<HttpResponse, Error<E>> {
    send_call_streaming(http, options, build, classify)
        .await
        .map(|(response, _)| response)
}

/// [`send_call`], also returning the live response of a successful call
/// whose body was left unread ([`SendOptions::stream_body`]); `None` when
/// the body is in the [`HttpResponse`] (errors, [`BeforeSend`] answers).
pub async fn send_call_streaming<E>(
    http: &reqwest::Client,
    options: &SendOptions<'_>,
    build: &mut BuildFn<'_, E>,
    classify: &ClassifyFn<'_>,
) -> Result<(HttpResponse, Option<reqwest::Response>), Error<E>> {
    let mut progress = Progress::default();
    let run = run_attempts(http, options, build, classify, &mut progress);
    let Some(limit) = options.operation_timeout else {
        return run.await;
    };
    match tokio::time::timeout(limit, run).await {
        Ok(result) => result,
        Err(_elapsed) => {
            tracing::debug!(
                timeout_ms = limit.as_millis() as u64,
                attempts = progress.attempts,
                "operation timed out"
            );
            Err(Error::Timeout(TimeoutError {
                url: progress.url,
                timeout: limit,
                attempts: progress.attempts,
                kind: TimeoutKind::Operation,
                request_id: progress.request_id,
            }))
        }
    }
}

/// A fresh `amz-sdk-invocation-id`, a version-4 UUID as botocore's
/// `uuid4()`, from the thread's fast generator: it only tells calls apart,
/// which is not worth a `getrandom` system call per call.
fn invocation_id() -> HeaderValue {
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let mut text = uuid::Uuid::encode_buffer();
    let text = id.hyphenated().encode_lower(&mut text);
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(NIL_INVOCATION))
}

/// Never sent: a UUID's text is always a header value.
const NIL_INVOCATION: &str = "00000000-0000-4000-8000-000000000000";

async fn run_attempts<E>(
    http: &reqwest::Client,
    options: &SendOptions<'_>,
    build: &mut BuildFn<'_, E>,
    classify: &ClassifyFn<'_>,
    progress: &mut Progress,
) -> Result<(HttpResponse, Option<reqwest::Response>), Error<E>> {
    let state = options.state;
    let policy = &options.policy;
    let invocation = invocation_id();
    let mut attempt = 0;
    let mut skew_corrected = false;
    // What the last retry took from the quota: a success gives it back.
    let mut last_cost = None;
    loop {
        attempt += 1;
        progress.attempts = attempt;
        let last = attempt >= policy.max_attempts;
        if let Some(limiter) = &state.limiter {
            let waited = limiter.acquire().await;
            if !waited.is_zero() {
                tracing::debug!(
                    attempt,
                    waited_ms = waited.as_millis() as u64,
                    send_rate = limiter.send_rate(),
                    "adaptive rate limiter delayed the attempt"
                );
            }
        }
        let mut request = build(&Attempt {
            number: attempt,
            max_attempts: policy.max_attempts,
            signing_time: state.signing_time(),
        })?;
        let headers = request.headers_mut();
        headers.insert("amz-sdk-invocation-id", invocation.clone());
        headers.insert(
            "amz-sdk-request",
            HeaderValue::from_str(&format!("attempt={attempt}; max={}", policy.max_attempts))
                .expect("digits are a header value"),
        );
        let url = redacted_url(request.url());
        progress.url.clone_from(&url);
        progress.request_id = None;

        let span = tracing::debug_span!(
            "attempt",
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            retry_reason = tracing::field::Empty,
        );
        let started = Instant::now();
        let answered = options.before_send.and_then(|hook| (hook.0)(&request));
        let request_id = &mut progress.request_id;
        let sent = async {
            match answered {
                Some(response) => Ok((response, None)),
                None => {
                    send_once(
                        http,
                        request,
                        options.stream_body,
                        options.stalled_stream,
                        request_id,
                    )
                    .await
                }
            }
        };
        let outcome = tokio::time::timeout(options.attempt_timeout, sent)
            .instrument(span.clone())
            .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);

        // The outcome if this attempt is the call's last, and why not, if it need not be.
        let (result, retry): Verdict<E> = match outcome {
            Ok(Ok((response, live))) => {
                span.record("status", response.status);
                if let Some(id) = crate::protocol::common::request_id_from(&response.headers) {
                    span.record("request_id", id.as_str());
                }
                let kind = classify(&response);
                if let Some(limiter) = &state.limiter {
                    limiter.on_response(kind == Some(RetryKind::Throttling));
                }
                match kind {
                    None => {
                        if state.mode != RetryMode::Legacy && (200..300).contains(&response.status)
                        {
                            state
                                .quota
                                .release(last_cost.unwrap_or(RetryQuota::NO_RETRY_INCREMENT));
                        }
                        return Ok((response, live));
                    }
                    Some(RetryKind::ClockSkew) => {
                        if skew_corrected || last || !options.replayable {
                            return Ok((response, live));
                        }
                        let Some(offset) = server_clock_offset(&response) else {
                            return Ok((response, live));
                        };
                        let previous = state.clock_offset_ms();
                        if offset.abs_diff(previous) < CLOCK_SKEW_THRESHOLD.as_millis() as u64 {
                            return Ok((response, live));
                        }
                        state.set_clock_offset_ms(offset);
                        skew_corrected = true;
                        span.record("retry_reason", "clock skew");
                        tracing::debug!(
                            parent: &span,
                            attempt,
                            status = response.status,
                            previous_offset_ms = previous,
                            offset_ms = offset,
                            "clock skew corrected from the response's Date header; re-signing"
                        );
                        // Retried at once and without quota: it is a correction, not a failure.
                        continue;
                    }
                    Some(kind) => {
                        let reason = format!("{} (HTTP {})", kind_name(kind), response.status);
                        (Ok((response, live)), Some((reason, RetryQuota::RETRY_COST)))
                    }
                }
            }
            Ok(Err(SendError::Stalled(error))) => failed(
                AttemptFailure::Stalled(error),
                url,
                attempt,
                progress,
                options,
            ),
            Ok(Err(SendError::Http(error))) => {
                let failure = if error.is_timeout() {
                    AttemptFailure::Timeout(if error.is_connect() {
                        TimeoutKind::Connect
                    } else {
                        TimeoutKind::Read
                    })
                } else {
                    let retryable = !error.is_builder() && !error.is_redirect();
                    AttemptFailure::Transport { error, retryable }
                };
                failed(failure, url, attempt, progress, options)
            }
            Err(_elapsed) => failed(
                AttemptFailure::Timeout(TimeoutKind::Attempt),
                url,
                attempt,
                progress,
                options,
            ),
        };
        if result.is_err() {
            if let Some(limiter) = &state.limiter {
                limiter.on_response(false);
            }
        }
        let Some((reason, cost)) = retry.filter(|_| !last) else {
            return result;
        };
        if !options.replayable {
            tracing::debug!(parent: &span, attempt, reason, "not retrying: the request body cannot be sent again");
            return match result {
                Err(Error::Transport(e)) => Err(Error::NotReplayable {
                    source: Box::new(e),
                }),
                Err(Error::Timeout(e)) => Err(Error::NotReplayable {
                    source: Box::new(e),
                }),
                Err(Error::Body(e)) => Err(Error::NotReplayable {
                    source: Box::new(e),
                }),
                other => other,
            };
        }
        if state.mode != RetryMode::Legacy {
            if !state.quota.acquire(cost) {
                tracing::debug!(parent: &span, attempt, reason, "retry quota exhausted; not retrying");
                return result;
            }
            last_cost = Some(cost);
        }
        let delay = policy.backoff(attempt);
        span.record("retry_reason", reason.as_str());
        tracing::debug!(
            parent: &span,
            attempt,
            reason,
            delay_ms = delay.as_millis() as u64,
            quota = state.quota.available(),
            "retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

fn kind_name(kind: RetryKind) -> &'static str {
    match kind {
        RetryKind::Transient => "transient error",
        RetryKind::Throttling => "throttling",
        RetryKind::ClockSkew => "clock skew",
    }
}

/// How an attempt would end the call, and the retry (reason, quota cost) it allows instead.
type Verdict<E> = (
    Result<(HttpResponse, Option<reqwest::Response>), Error<E>>,
    Option<(String, u32)>,
);

/// The error a failed attempt ends the call with, and the retry it allows.
fn failed<E>(
    failure: AttemptFailure,
    url: String,
    attempt: u32,
    progress: &Progress,
    options: &SendOptions<'_>,
) -> Verdict<E> {
    let request_id = progress.request_id.clone();
    match failure {
        AttemptFailure::Timeout(kind) => {
            let timeout = match kind {
                TimeoutKind::Connect => options.connect_timeout,
                TimeoutKind::Read => options.read_timeout,
                _ => None,
            }
            .unwrap_or(options.attempt_timeout);
            let reason = format!("{} timeout", kind.as_str());
            let error = Error::Timeout(TimeoutError {
                url,
                timeout,
                attempts: attempt,
                kind,
                request_id,
            });
            (Err(error), Some((reason, RetryQuota::TIMEOUT_RETRY_COST)))
        }
        AttemptFailure::Transport { error, retryable } => {
            let error = error.without_url();
            let message = describe(&error);
            let retry = retryable.then(|| {
                (
                    format!("connection error: {message}"),
                    RetryQuota::RETRY_COST,
                )
            });
            let error = Error::Transport(TransportError {
                url,
                attempts: attempt,
                message,
                source: Some(Box::new(error)),
                request_id,
            });
            (Err(error), retry)
        }
        AttemptFailure::Stalled(error) => {
            let reason = error.to_string();
            (
                Err(Error::Body(error)),
                Some((reason, RetryQuota::RETRY_COST)),
            )
        }
    }
}

/// Server time (the `Date` header) minus local time, in milliseconds.
fn server_clock_offset(response: &HttpResponse) -> Option<i64> {
    let date = response.headers.get(http::header::DATE)?.to_str().ok()?;
    let server = crate::time::DateTime::parse_http_date(date)
        .ok()?
        .as_secs_f64();
    let local = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(((server - local) * 1000.0).round() as i64)
}

/// A hook that sees every signed request just before it is sent and may
/// answer it instead of the network (botocore's `before-send` event): tests
/// check what goes on the wire, programs record or replay traffic.
#[derive(Clone)]
pub struct BeforeSend(pub Arc<BeforeSendFn>);

/// What a [`BeforeSend`] hook calls: `Some` answers the request instead of the network.
pub type BeforeSendFn = dyn Fn(&reqwest::Request) -> Option<HttpResponse> + Send + Sync;

impl BeforeSend {
    /// A hook calling `f`.
    pub fn new(
        f: impl Fn(&reqwest::Request) -> Option<HttpResponse> + Send + Sync + 'static,
    ) -> Self {
        BeforeSend(Arc::new(f))
    }
}

impl std::fmt::Debug for BeforeSend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BeforeSend(..)")
    }
}

/// One attempt; with `stream_body`, a 2xx response's body is left unread
/// and the live response returned beside its status and headers. A streamed
/// request body is watched until the response's head arrives.
async fn send_once(
    http: &reqwest::Client,
    mut request: reqwest::Request,
    stream_body: bool,
    stalled: StalledStream,
    request_id: &mut Option<String>,
) -> Result<(HttpResponse, Option<reqwest::Response>), SendError> {
    let streamed = request.body().is_some_and(|b| b.as_bytes().is_none());
    let length = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let watch = match request.body_mut().take() {
        Some(body) if stalled.enabled && streamed => {
            let (body, watch) = crate::body::monitor_upload(body, length, stalled);
            *request.body_mut() = Some(body);
            Some(watch)
        }
        body => {
            *request.body_mut() = body;
            None
        }
    };
    let execute = http.execute(request);
    let response = match watch {
        None => execute.await?,
        Some(watch) => tokio::select! {
            response = execute => response?,
            stalled = watch.stalled() => return Err(SendError::Stalled(stalled)),
        },
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    *request_id = crate::protocol::common::request_id_from(&headers);
    if stream_body && (200..300).contains(&status) {
        let head = HttpResponse {
            status,
            headers,
            body: bytes::Bytes::new(),
        };
        return Ok((head, Some(response)));
    }
    let body = response.bytes().await?;
    Ok((
        HttpResponse {
            status,
            headers,
            body,
        },
        None,
    ))
}

/// The default classifier for a response whose error code is `code`.
pub fn classify(response: &HttpResponse, code: Option<&str>) -> Option<RetryKind> {
    classify_response(response.status, code)
}

/// reqwest's own message is shallow ("error sending request"); the cause
/// ("connection refused") is further down the source chain.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    // rustls's own words ("received corrupt message") do not say TLS.
    let mut chain = error.source();
    while let Some(s) = chain {
        if is_tls(s) {
            message.push_str(": TLS handshake failed");
            break;
        }
        chain = s.source();
    }
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

/// Whether `e` is a rustls error, also inside the io::Errors that
/// hyper-rustls wraps it in (an io::Error's `source` skips its inner error).
fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    e.downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .is_some_and(|inner| is_tls(inner))
}

/// The URL without its query (which could carry presigned parameters).
fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    /// Invocation ids are version-4 UUIDs, different on every call (also
    /// across threads: each seeds its generator apart).
    #[test]
    fn invocation_ids_are_v4_uuids_and_unique() {
        let ids: Vec<String> = (0..8)
            .map(|_| std::thread::spawn(super::invocation_id))
            .map(|t| t.join().unwrap().to_str().unwrap().to_owned())
            .chain((0..100).map(|_| super::invocation_id().to_str().unwrap().to_owned()))
            .collect();
        for id in &ids {
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version_num(), 4, "{id}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }
}
