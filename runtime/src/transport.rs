//! Sending a request with per-attempt timeouts and retries.
//!
//! Kept apart from [`crate::client`] so it can be tested against a local
//! server without a codec: the caller supplies a request builder (re-signing
//! each attempt) and a response classifier.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, TimeoutError, TransportError};
use crate::protocol::HttpResponse;
use crate::retry::{classify_response, RetryKind, RetryPolicy};

/// Why one attempt produced no response.
enum AttemptFailure {
    Timeout,
    /// `retryable`: connection-level failures are; malformed requests are not.
    Transport {
        error: reqwest::Error,
        retryable: bool,
    },
}

/// Sends the request `build` makes, retrying per `policy` while the failure
/// or `classify(response)` says it is retryable. Returns the last response
/// (success or not) or the last transport failure.
pub async fn send_with_retries<E>(
    http: &reqwest::Client,
    policy: &RetryPolicy,
    timeout: Duration,
    build: &mut (dyn FnMut() -> Result<reqwest::Request, Error<E>> + Send),
    classify: &(dyn Fn(&HttpResponse) -> Option<RetryKind> + Sync),
    before_send: Option<&BeforeSend>,
) -> Result<HttpResponse, Error<E>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let request = build()?;
        let url = redacted_url(request.url());
        let last = attempt >= policy.max_attempts;
        let answered = before_send.and_then(|hook| (hook.0)(&request));
        let sent = async {
            match answered {
                Some(response) => Ok(response),
                None => send_once(http, request).await,
            }
        };
        let failure = match tokio::time::timeout(timeout, sent).await {
            Ok(Ok(response)) => {
                let retry = classify(&response);
                if retry.is_none() || last {
                    return Ok(response);
                }
                tracing::debug!(status = response.status, ?retry, attempt, "retrying");
                None
            }
            Ok(Err(error)) => {
                let retryable = !error.is_builder() && !error.is_redirect();
                Some(if error.is_timeout() {
                    AttemptFailure::Timeout
                } else {
                    AttemptFailure::Transport { error, retryable }
                })
            }
            Err(_elapsed) => Some(AttemptFailure::Timeout),
        };
        if let Some(failure) = failure {
            let retryable = match &failure {
                AttemptFailure::Timeout => true,
                AttemptFailure::Transport { retryable, .. } => *retryable,
            };
            if last || !retryable {
                return Err(match failure {
                    AttemptFailure::Timeout => Error::Timeout(TimeoutError {
                        url,
                        timeout,
                        attempts: attempt,
                    }),
                    AttemptFailure::Transport { error, .. } => {
                        let error = error.without_url();
                        Error::Transport(TransportError {
                            url,
                            attempts: attempt,
                            message: describe(&error),
                            source: Some(Box::new(error)),
                        })
                    }
                });
            }
            tracing::debug!(attempt, "retrying after a transport failure");
        }
        tokio::time::sleep(policy.backoff(attempt)).await;
    }
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

async fn send_once(
    http: &reqwest::Client,
    request: reqwest::Request,
) -> Result<HttpResponse, reqwest::Error> {
    let response = http.execute(request).await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// The default classifier for a response whose error code is `code`.
pub fn classify(response: &HttpResponse, code: Option<&str>) -> Option<RetryKind> {
    classify_response(response.status, code)
}

/// reqwest's own message is shallow ("error sending request"); the cause
/// ("connection refused") is further down the source chain.
fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
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

/// The URL without its query (which could carry presigned parameters).
fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}
