//! The `sigv4-s3express` auth scheme (S3 Express One Zone directory
//! buckets): requests are signed with session credentials from the
//! service's own `CreateSession` operation, cached per bucket and refreshed
//! before they expire, as botocore's `S3ExpressIdentityCache` does
//! (advisory refresh 45 s before expiry, mandatory 10 s before).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value as J;

use crate::client::Client;
use crate::credentials::Credentials;
use crate::dynamic::DynValue;
use crate::error::{CredentialsError, Error, RawServiceError};
use crate::protocol::SerializeError;

/// Refresh a session this long before it expires, if `CreateSession` answers.
const ADVISORY: Duration = Duration::from_secs(45);
/// Never use a session closer to its expiry than this.
const MANDATORY: Duration = Duration::from_secs(10);
/// Buckets whose sessions a client keeps (botocore's LRU size).
const MAX_BUCKETS: usize = 100;

/// A client's S3 Express sessions, by bucket.
#[derive(Default)]
pub(crate) struct Sessions {
    cache: Mutex<HashMap<String, Credentials>>,
    /// One `CreateSession` in flight per client; others wait for its answer.
    refreshing: tokio::sync::Mutex<()>,
}

fn remaining(c: &Credentials) -> Duration {
    c.expiry
        .and_then(|e| e.duration_since(SystemTime::now()).ok())
        .unwrap_or_default()
}

impl Sessions {
    fn cached(&self, bucket: &str) -> Option<Credentials> {
        self.cache.lock().ok()?.get(bucket).cloned()
    }

    /// Session credentials for `bucket`, from the cache or a new `CreateSession` call.
    pub(crate) async fn credentials(
        &self,
        client: &Client,
        bucket: &str,
    ) -> Result<Credentials, Error<RawServiceError>> {
        if let Some(c) = self.cached(bucket).filter(|c| remaining(c) > ADVISORY) {
            return Ok(c);
        }
        let _one = self.refreshing.lock().await;
        let old = self.cached(bucket);
        if let Some(c) = old.clone().filter(|c| remaining(c) > ADVISORY) {
            return Ok(c);
        }
        match create_session(client, bucket).await {
            Ok(fresh) => {
                if let Ok(mut cache) = self.cache.lock() {
                    if cache.len() >= MAX_BUCKETS {
                        cache.clear();
                    }
                    cache.insert(bucket.to_owned(), fresh.clone());
                }
                Ok(fresh)
            }
            // A failed advisory refresh keeps the session while it lasts.
            Err(e) => match old.filter(|c| remaining(c) > MANDATORY) {
                Some(c) => {
                    tracing::warn!(bucket, error = %e, "S3 Express session refresh failed; using the current session");
                    Ok(c)
                }
                None => Err(e),
            },
        }
    }
}

async fn create_session(
    client: &Client,
    bucket: &str,
) -> Result<Credentials, Error<RawServiceError>> {
    let service = client.service();
    let unavailable = |reason: String| {
        Error::Credentials(CredentialsError::Unavailable {
            provider: "S3 Express CreateSession",
            reason,
        })
    };
    let op = service
        .operation("CreateSession")
        .ok_or_else(|| unavailable(format!("{} has no CreateSession operation", service.name)))?;
    let (Some(input_shape), Some(output_shape)) = (op.input, op.output) else {
        return Err(unavailable(
            "CreateSession has no input or output shape".into(),
        ));
    };
    let input = DynValue::from_json(
        service,
        input_shape,
        &serde_json::json!({ "Bucket": bucket }),
    )
    .map_err(|e| Error::Build(SerializeError::new(service.name, op.name, e.to_string())))?;
    let mut output = DynValue::Empty;
    client.call(op, Some(&input), &mut output).await?;
    let json = output.to_json(service, output_shape);
    let creds = json.get("Credentials");
    let text = |k: &str| {
        creds
            .and_then(|c| c.get(k))
            .and_then(J::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(key), Some(secret), Some(token)) = (
        text("AccessKeyId"),
        text("SecretAccessKey"),
        text("SessionToken"),
    ) else {
        return Err(unavailable(format!(
            "CreateSession for bucket {bucket} returned no complete credentials"
        )));
    };
    let mut c = Credentials::new(key, secret, Some(token));
    c.expiry = Some(session_expiry(creds, SystemTime::now()));
    Ok(c)
}

/// The `Expiration` of CreateSession's credentials; without one (or one
/// past what a `SystemTime` holds), botocore's five-minute session from `now`.
fn session_expiry(creds: Option<&J>, now: SystemTime) -> SystemTime {
    match creds.and_then(|c| c.get("Expiration")) {
        Some(J::Number(n)) => n
            .as_f64()
            .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok())
            .and_then(|d| UNIX_EPOCH.checked_add(d)),
        _ => None,
    }
    .unwrap_or_else(|| now + Duration::from_secs(300))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn session_expiry_is_checked() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let five_minutes = now + Duration::from_secs(300);
        let at = |e: J| session_expiry(Some(&json!({ "Expiration": e })), now);
        assert_eq!(
            at(json!(1_700_000_600)),
            UNIX_EPOCH + Duration::from_secs(1_700_000_600)
        );
        assert_eq!(session_expiry(None, now), five_minutes);
        assert_eq!(at(json!("soon")), five_minutes);
        // Past what a Duration or SystemTime holds: the default, not a panic.
        assert_eq!(at(json!(1e300)), five_minutes);
        assert_eq!(at(json!(u64::MAX)), five_minutes);
    }
}
