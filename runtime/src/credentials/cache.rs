//! Credentials held between calls and refreshed before they expire, the way
//! botocore's `RefreshableCredentials` does it.
//!
//! - More than 15 minutes left (the advisory window): the held credentials
//!   are used, no lock taken.
//! - Between 15 and 10 minutes left: one caller refreshes while the others go
//!   on with the held credentials; a failed refresh is logged and the held
//!   credentials stay.
//! - Less than 10 minutes left (the mandatory window), or nothing held yet:
//!   every caller waits for the one refresh in flight (no thundering herd);
//!   if it fails, the call fails with [`CredentialsError::Refresh`], naming
//!   the provider.
//!
//! Credentials without an expiry are held for the life of the session, as
//! botocore holds them.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use super::{Credentials, ProvideCredentials};
use crate::error::CredentialsError;
use crate::BoxFuture;

/// botocore's `_DEFAULT_ADVISORY_REFRESH_TIMEOUT`.
pub const ADVISORY_REFRESH: Duration = Duration::from_secs(15 * 60);
/// botocore's `_DEFAULT_MANDATORY_REFRESH_TIMEOUT`.
pub const MANDATORY_REFRESH: Duration = Duration::from_secs(10 * 60);

/// A clock, replaceable in tests.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Wraps a provider: asks it only when the held credentials are missing or
/// inside a refresh window.
pub struct CachedProvider {
    name: String,
    inner: Arc<dyn ProvideCredentials>,
    held: RwLock<Option<Credentials>>,
    /// Held by the one caller refreshing.
    refreshing: tokio::sync::Mutex<()>,
    now: Clock,
    advisory: Duration,
    mandatory: Duration,
}

impl CachedProvider {
    /// Caches `inner`; `name` identifies it in errors and logs.
    pub fn new(name: impl Into<String>, inner: Arc<dyn ProvideCredentials>) -> CachedProvider {
        CachedProvider {
            name: name.into(),
            inner,
            held: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            now: Arc::new(SystemTime::now),
            advisory: ADVISORY_REFRESH,
            mandatory: MANDATORY_REFRESH,
        }
    }

    /// The same cache reading time from `now` (tests).
    pub fn with_clock(mut self, now: Clock) -> CachedProvider {
        self.now = now;
        self
    }

    fn held(&self) -> Option<Credentials> {
        self.held.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Time left before `c` expires (`None`: never; zero once expired).
    fn remaining(&self, c: &Credentials) -> Option<Duration> {
        c.expiry
            .map(|e| e.duration_since((self.now)()).unwrap_or(Duration::ZERO))
    }

    /// The held credentials, unless they are missing or inside `window`.
    fn usable(&self, held: &Option<Credentials>, window: Duration) -> Option<Credentials> {
        held.as_ref()
            .filter(|c| self.remaining(c).is_none_or(|left| left >= window))
            .cloned()
    }

    async fn get(&self) -> Result<Credentials, CredentialsError> {
        let held = self.held();
        if let Some(c) = self.usable(&held, self.advisory) {
            return Ok(c);
        }
        if let Some(current) = self.usable(&held, self.mandatory) {
            // Advisory window: refresh if nobody else is, else go on.
            let Ok(_guard) = self.refreshing.try_lock() else {
                return Ok(current);
            };
            let held = self.held();
            if let Some(c) = self.usable(&held, self.advisory) {
                return Ok(c);
            }
            return match self.refresh().await {
                Ok(c) => Ok(c),
                Err(e) => match self.usable(&held, self.mandatory) {
                    Some(c) => {
                        tracing::warn!(provider = %self.name, error = %e,
                            "refreshing credentials failed in the advisory window; using the current ones");
                        Ok(c)
                    }
                    None => Err(self.refresh_error(e, held.is_some())),
                },
            };
        }
        // Mandatory window or nothing yet: wait for the one refresh.
        let _guard = self.refreshing.lock().await;
        let held = self.held();
        if let Some(c) = self.usable(&held, self.mandatory) {
            return Ok(c);
        }
        self.refresh()
            .await
            .map_err(|e| self.refresh_error(e, held.is_some()))
    }

    /// Asks the provider (the caller holds `refreshing`) and keeps the answer.
    async fn refresh(&self) -> Result<Credentials, CredentialsError> {
        let fresh = self.inner.provide_credentials().await?;
        if self.remaining(&fresh) == Some(Duration::ZERO) {
            // botocore raises here too: using them would only fail later.
            return Err(CredentialsError::Retrieval {
                provider: "credentials cache",
                message: format!(
                    "{} returned credentials that are already expired",
                    self.name
                ),
            });
        }
        tracing::debug!(provider = %self.name, expiry = ?fresh.expiry, "credentials refreshed");
        *self.held.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    fn refresh_error(&self, e: CredentialsError, had: bool) -> CredentialsError {
        if had {
            CredentialsError::Refresh {
                provider: self.name.clone(),
                source: Box::new(e),
            }
        } else {
            e
        }
    }
}

impl ProvideCredentials for CachedProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.get())
    }
}

impl fmt::Debug for CachedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expiry = self.held().and_then(|c| c.expiry);
        f.debug_struct("CachedProvider")
            .field("name", &self.name)
            .field("inner", &self.inner)
            .field("held_expiry", &expiry)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Hands out credentials expiring `ttl` after the fake clock, counting
    /// calls; fails while `fail` is set; takes `delay` to answer.
    #[derive(Debug)]
    struct Counting {
        calls: AtomicUsize,
        ttl: Duration,
        fail: Mutex<bool>,
        delay: Duration,
        clock: Arc<AtomicU64>,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(self.delay).await;
                if *self.fail.lock().unwrap() {
                    return Err(CredentialsError::Retrieval {
                        provider: "test",
                        message: "down".into(),
                    });
                }
                let now =
                    SystemTime::UNIX_EPOCH + Duration::from_secs(self.clock.load(Ordering::SeqCst));
                Ok(Credentials {
                    expiry: Some(now + self.ttl),
                    ..Credentials::new(format!("AK{n}"), "s", None)
                })
            })
        }
    }

    fn setup(ttl: Duration, delay: Duration) -> (Arc<Counting>, Arc<AtomicU64>, CachedProvider) {
        let clock = Arc::new(AtomicU64::new(1_000_000));
        let inner = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            ttl,
            fail: Mutex::new(false),
            delay,
            clock: clock.clone(),
        });
        let c = clock.clone();
        let cache =
            CachedProvider::new("test provider", inner.clone()).with_clock(Arc::new(move || {
                SystemTime::UNIX_EPOCH + Duration::from_secs(c.load(Ordering::SeqCst))
            }));
        (inner, clock, cache)
    }

    #[tokio::test]
    async fn windows() {
        let (inner, clock, cache) = setup(Duration::from_secs(3600), Duration::ZERO);
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK1");
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK1");
        // 20 minutes left: nothing to do.
        clock.fetch_add(40 * 60, Ordering::SeqCst);
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK1");
        // 12 minutes left: advisory refresh.
        clock.fetch_add(8 * 60, Ordering::SeqCst);
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK2");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);

        // Advisory refresh failing keeps the current credentials.
        *inner.fail.lock().unwrap() = true;
        clock.fetch_add(48 * 60, Ordering::SeqCst); // 12 min left of AK2
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK2");
        // Mandatory refresh failing is an error naming the provider.
        clock.fetch_add(5 * 60, Ordering::SeqCst); // 7 min left
        let e = cache.get().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Refresh { .. }), "{e}");
        assert!(e.to_string().contains("test provider"), "{e}");
        *inner.fail.lock().unwrap() = false;
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK5");
    }

    #[tokio::test]
    async fn expired_answer_is_an_error() {
        let (_, _, cache) = setup(Duration::ZERO, Duration::ZERO);
        let e = cache.get().await.unwrap_err();
        assert!(e.to_string().contains("already expired"), "{e}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_refresh_for_many_waiting_callers() {
        let (inner, clock, cache) = setup(Duration::from_secs(3600), Duration::from_millis(50));
        let cache = Arc::new(cache);
        cache.get().await.unwrap();
        clock.fetch_add(3600 - 60, Ordering::SeqCst); // one minute left: mandatory
        let calls: Vec<_> = (0..200)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.get().await.map(|c| c.access_key_id) })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), "AK2");
        }
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn advisory_refresh_does_not_block_others() {
        let (inner, clock, cache) = setup(Duration::from_secs(3600), Duration::from_millis(200));
        let cache = Arc::new(cache);
        cache.get().await.unwrap();
        clock.fetch_add(3600 - 12 * 60, Ordering::SeqCst); // advisory
        let refresher = {
            let cache = cache.clone();
            tokio::spawn(async move { cache.get().await.unwrap().access_key_id })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        assert_eq!(cache.get().await.unwrap().access_key_id, "AK1");
        assert!(started.elapsed() < Duration::from_millis(150));
        assert_eq!(refresher.await.unwrap(), "AK2");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }
}
