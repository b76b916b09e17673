//! Retry modes as botocore has them: which failures are worth another
//! attempt, how long to wait before it, the `standard` mode's retry quota
//! and the `adaptive` mode's client-side rate limiter.
//!
//! * `standard` (the default here): botocore's `retries/standard.py` with its
//!   `retries/quota.py` token bucket: 3 attempts, `rand * min(2^(n-1), 20)` s.
//! * `adaptive`: `standard` plus `retries/adaptive.py`'s rate limiter (CUBIC
//!   from `retries/throttling.py`, token bucket from `retries/bucket.py`).
//! * `legacy`: `retryhandler.py` with `_retry.json`'s defaults: 5 attempts,
//!   `rand * 2^(n-1)` s without a cap, no quota.
//!
//! botocore itself still defaults to `legacy`; boto-rs defaults to `standard`,
//! which AWS recommends and every other AWS SDK uses by default.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use crate::env::Env;
use crate::error::ConfigError;

/// Why a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// Connection errors, timeouts, 500/502/503/504, transient error codes.
    Transient,
    /// The service asked us to slow down.
    Throttling,
    /// The request's signing time is too far from the server's clock
    /// (`RequestTimeTooSkewed`, `RequestExpired`, …): re-signed with the
    /// server's time and retried once.
    ClockSkew,
}

/// Error codes that can mean the client's clock is off (the set the AWS
/// SDKs for Java, Go and JavaScript share). The ones that also mean a plain
/// bad signature only count when their message speaks of time.
pub const CLOCK_SKEW_CODES: &[&str] = &[
    "RequestTimeTooSkewed",
    "RequestExpired",
    "RequestInTheFuture",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
];

/// Whether an error response says the request was signed at a time too far
/// from the server's.
pub fn is_clock_skew_error(code: &str, message: Option<&str>) -> bool {
    match code {
        "RequestTimeTooSkewed" | "RequestExpired" | "RequestInTheFuture" => true,
        "InvalidSignatureException" | "SignatureDoesNotMatch" | "AuthFailure" => {
            let message = message.unwrap_or_default().to_ascii_lowercase();
            ["expired", "signature expired", "time", "date", "skew"]
                .iter()
                .any(|word| message.contains(word))
        }
        _ => false,
    }
}

/// How calls retry: `retry_mode` / `AWS_RETRY_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryMode {
    /// botocore's `standard` mode: retry quota, capped exponential backoff.
    #[default]
    Standard,
    /// `standard` plus a client-side rate limiter that slows down on throttling.
    Adaptive,
    /// botocore's original retry handler: 5 attempts, uncapped backoff, no quota.
    Legacy,
}

impl RetryMode {
    /// The setting's spelling (`standard`, `adaptive`, `legacy`).
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Adaptive => "adaptive",
            RetryMode::Legacy => "legacy",
        }
    }

    /// Attempts when `max_attempts` is not set: 3, or 5 in `legacy` mode.
    pub fn default_max_attempts(self) -> u32 {
        match self {
            RetryMode::Legacy => 5,
            _ => RetryPolicy::DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// The backoff of this mode with `max_attempts` attempts.
    pub fn policy(self, max_attempts: u32) -> RetryPolicy {
        match self {
            RetryMode::Legacy => RetryPolicy::legacy(max_attempts),
            _ => RetryPolicy::standard(max_attempts),
        }
    }

    /// Classifies an error response the way this mode does; clock skew errors
    /// (whatever the mode) come first.
    pub fn classify(
        self,
        status: u16,
        code: Option<&str>,
        message: Option<&str>,
    ) -> Option<RetryKind> {
        if code.is_some_and(|c| is_clock_skew_error(c, message)) {
            return Some(RetryKind::ClockSkew);
        }
        match self {
            RetryMode::Legacy => classify_legacy(status, code),
            _ => classify_response(status, code),
        }
    }
}

impl std::fmt::Display for RetryMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RetryMode {
    type Err = String;
    fn from_str(s: &str) -> Result<RetryMode, String> {
        match s.trim() {
            "standard" => Ok(RetryMode::Standard),
            "adaptive" => Ok(RetryMode::Adaptive),
            "legacy" => Ok(RetryMode::Legacy),
            _ => Err("expected `standard`, `adaptive` or `legacy`".into()),
        }
    }
}

/// Parses a retry mode from `source` (`AWS_RETRY_MODE`, `profile retry_mode`,
/// `SessionBuilder::retry_mode`) into [`ConfigError::InvalidValue`] on failure.
pub fn parse_retry_mode(value: &str, source: &str) -> Result<RetryMode, ConfigError> {
    value.parse().map_err(|message| ConfigError::InvalidValue {
        key: "retry_mode".into(),
        value: value.to_owned(),
        source_name: source.into(),
        message,
    })
}

/// `AWS_RETRY_MODE`, else the profile's `retry_mode`; `None` when neither is set.
pub(crate) fn retry_mode_setting(
    env: &Env,
    profile: &crate::config::Profile,
) -> Result<Option<RetryMode>, ConfigError> {
    if let Some(v) = env.get("AWS_RETRY_MODE") {
        return parse_retry_mode(&v, "AWS_RETRY_MODE").map(Some);
    }
    match profile.get("retry_mode") {
        Some(v) => parse_retry_mode(v, "profile retry_mode").map(Some),
        None => Ok(None),
    }
}

/// `legacy` mode's classification (`_retry.json`'s `__default__` policies):
/// the four throttling codes and `ProvisionedThroughputExceededException` on
/// HTTP 400, 429, 500, 502, 503, 504 and 509.
pub fn classify_legacy(status: u16, code: Option<&str>) -> Option<RetryKind> {
    const LEGACY_THROTTLING: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
    ];
    if status == 400 && code.is_some_and(|c| LEGACY_THROTTLING.contains(&c)) {
        return Some(RetryKind::Throttling);
    }
    match status {
        429 => Some(RetryKind::Throttling),
        500 | 502 | 503 | 504 | 509 => Some(RetryKind::Transient),
        _ => None,
    }
}

/// Error codes botocore treats as throttling (`retries/standard.py`).
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes botocore treats as transient.
pub const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// HTTP statuses botocore treats as transient.
pub const TRANSIENT_STATUSES: &[u16] = &[500, 502, 503, 504];

/// Classifies an error response by status and error code.
pub fn classify_response(status: u16, code: Option<&str>) -> Option<RetryKind> {
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) {
            return Some(RetryKind::Throttling);
        }
        if TRANSIENT_CODES.contains(&code) {
            return Some(RetryKind::Transient);
        }
    }
    if TRANSIENT_STATUSES.contains(&status) {
        return Some(RetryKind::Transient);
    }
    // Not in botocore's standard list, but every 429 means "slow down".
    if status == 429 {
        return Some(RetryKind::Throttling);
    }
    None
}

/// How many attempts to make and how to space them.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts, first included (at least 1).
    pub max_attempts: u32,
    /// Backoff scale: the wait before retry `n` is `rand * min(base * 2^(n-1), max_backoff)`.
    pub base: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Botocore's standard mode default: three attempts.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

    /// Botocore's standard retry mode: `max_attempts` (at least 1), backoff base 1 s, capped at 20 s.
    pub fn standard(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }

    /// botocore's `legacy` mode: `rand * 2^(n-1)` s, without a cap.
    pub fn legacy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            base: Duration::from_secs(1),
            max_backoff: Duration::MAX,
        }
    }

    /// The wait after failed attempt `attempt` (1-based): truncated binary
    /// exponential backoff with full jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1).min(31));
        let cap = self.base.saturating_mul(exp).min(self.max_backoff);
        cap.mul_f64(fastrand::f64())
    }
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy::standard(RetryPolicy::DEFAULT_MAX_ATTEMPTS)
    }
}

/// `standard` mode's retry quota (botocore's `RetryQuota` and
/// `RetryQuotaChecker`): a per-client bucket of 500 that each retry draws
/// from (10 after a timeout, 5 otherwise) and each successful call refills
/// (by what its last retry took, else by 1). When it runs dry, failures are
/// no longer retried: a struggling service is not hammered by every caller.
#[derive(Debug)]
pub struct RetryQuota {
    max: u32,
    available: Mutex<u32>,
}

impl RetryQuota {
    /// botocore's `INITIAL_CAPACITY`.
    pub const INITIAL_CAPACITY: u32 = 500;
    /// What a retry after an error response or connection error costs.
    pub const RETRY_COST: u32 = 5;
    /// What a retry after a connect or read timeout costs.
    pub const TIMEOUT_RETRY_COST: u32 = 10;
    /// What a call that succeeded without retries gives back.
    pub const NO_RETRY_INCREMENT: u32 = 1;

    /// A full quota of `capacity`.
    pub fn new(capacity: u32) -> RetryQuota {
        RetryQuota {
            max: capacity,
            available: Mutex::new(capacity),
        }
    }

    /// Takes `amount` if that much is left.
    pub fn acquire(&self, amount: u32) -> bool {
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        if amount > *available {
            return false;
        }
        *available -= amount;
        true
    }

    /// Gives back `amount`, never above the initial capacity.
    pub fn release(&self, amount: u32) {
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        *available = (*available + amount).min(self.max);
    }

    /// What is left.
    pub fn available(&self) -> u32 {
        *self.available.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for RetryQuota {
    fn default() -> RetryQuota {
        RetryQuota::new(RetryQuota::INITIAL_CAPACITY)
    }
}

/// Seconds on some fixed scale; the limiter's clock (a fake one in tests).
pub type Clock = std::sync::Arc<dyn Fn() -> f64 + Send + Sync>;

/// Monotonic seconds since the first call.
pub fn monotonic_clock() -> Clock {
    let start = std::time::Instant::now();
    std::sync::Arc::new(move || start.elapsed().as_secs_f64())
}

/// botocore's `CubicCalculator` (`retries/throttling.py`): the send rate
/// after a success grows along a cubic curve towards and past the rate of
/// the last throttle; a throttle cuts the rate by `beta`.
#[derive(Debug, Clone)]
pub struct CubicCalculator {
    w_max: f64,
    k: f64,
    last_fail: f64,
    scale_constant: f64,
    beta: f64,
}

impl CubicCalculator {
    /// With botocore's constants (scale 0.4, beta 0.7).
    pub fn new(starting_max_rate: f64, start_time: f64) -> CubicCalculator {
        let mut c = CubicCalculator {
            w_max: starting_max_rate,
            k: 0.0,
            last_fail: start_time,
            scale_constant: 0.4,
            beta: 0.7,
        };
        c.k = c.zero_point();
        c
    }

    fn zero_point(&self) -> f64 {
        (self.w_max * (1.0 - self.beta) / self.scale_constant).powf(1.0 / 3.0)
    }

    /// The rate after a success at `timestamp`.
    pub fn success_received(&self, timestamp: f64) -> f64 {
        let dt = timestamp - self.last_fail;
        self.scale_constant * (dt - self.k).powi(3) + self.w_max
    }

    /// The rate after a throttle at `timestamp` while sending at `current_rate`.
    pub fn error_received(&mut self, current_rate: f64, timestamp: f64) -> f64 {
        self.w_max = current_rate;
        self.k = self.zero_point();
        self.last_fail = timestamp;
        current_rate * self.beta
    }

    /// `(w_max, k, last_fail)`, for tests and debugging.
    pub fn params(&self) -> (f64, f64, f64) {
        (self.w_max, self.k, self.last_fail)
    }
}

/// botocore's `RateClocker`: the measured send rate, smoothed over
/// half-second buckets.
#[derive(Debug, Clone)]
pub struct RateClocker {
    measured_rate: f64,
    last_bucket: f64,
    count: f64,
}

impl RateClocker {
    const SMOOTHING: f64 = 0.8;
    const TIME_BUCKET_SCALE: f64 = 2.0;

    /// Starting at `now`.
    pub fn new(now: f64) -> RateClocker {
        RateClocker {
            measured_rate: 0.0,
            last_bucket: now.floor(),
            count: 0.0,
        }
    }

    /// Counts one response at `t`; returns the measured rate.
    pub fn record(&mut self, t: f64) -> f64 {
        let bucket = (t * Self::TIME_BUCKET_SCALE).floor() / Self::TIME_BUCKET_SCALE;
        self.count += 1.0;
        if bucket > self.last_bucket {
            let current = self.count / (bucket - self.last_bucket);
            self.measured_rate =
                current * Self::SMOOTHING + self.measured_rate * (1.0 - Self::SMOOTHING);
            self.count = 0.0;
            self.last_bucket = bucket;
        }
        self.measured_rate
    }

    /// The last measured rate.
    pub fn measured_rate(&self) -> f64 {
        self.measured_rate
    }
}

/// botocore's `TokenBucket` (`retries/bucket.py`): refills at `max_rate`
/// tokens a second (at least 0.5), holds at most `max(max_rate, 1)`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    fill_rate: f64,
    max_capacity: f64,
    current_capacity: f64,
    last_timestamp: Option<f64>,
}

impl TokenBucket {
    const MIN_RATE: f64 = 0.5;

    /// An empty bucket filling at `max_rate`.
    pub fn new(max_rate: f64, now: f64) -> TokenBucket {
        let mut b = TokenBucket {
            fill_rate: 0.0,
            max_capacity: 1.0,
            current_capacity: 0.0,
            last_timestamp: None,
        };
        b.set_max_rate(max_rate, now);
        b
    }

    /// The fill rate.
    pub fn max_rate(&self) -> f64 {
        self.fill_rate
    }

    /// Tokens available now.
    pub fn available(&self) -> f64 {
        self.current_capacity
    }

    /// Changes the fill rate (refilling at the old rate up to `now` first).
    pub fn set_max_rate(&mut self, value: f64, now: f64) {
        self.refill(now);
        self.fill_rate = value.max(Self::MIN_RATE);
        self.max_capacity = if value >= 1.0 { value } else { 1.0 };
        self.current_capacity = self.current_capacity.min(self.max_capacity);
    }

    fn refill(&mut self, now: f64) {
        let Some(last) = self.last_timestamp else {
            self.last_timestamp = Some(now);
            return;
        };
        let fill = (now - last) * self.fill_rate;
        self.current_capacity = self.max_capacity.min(self.current_capacity + fill);
        self.last_timestamp = Some(now);
    }

    /// Takes one token at `now` if there is one; else how many seconds until there is.
    pub fn try_acquire(&mut self, now: f64) -> Result<(), f64> {
        self.refill(now);
        if self.current_capacity >= 1.0 {
            self.current_capacity -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.current_capacity) / self.fill_rate)
        }
    }
}

/// botocore's `ClientRateLimiter` (`retries/adaptive.py`), per client: off
/// until the first throttled response; from then on every attempt takes a
/// token from a bucket whose rate CUBIC sets from the measured send rate.
pub struct ClientRateLimiter {
    clock: Clock,
    state: Mutex<LimiterState>,
}

#[derive(Debug)]
struct LimiterState {
    enabled: bool,
    cubic: CubicCalculator,
    clocker: RateClocker,
    bucket: TokenBucket,
}

impl std::fmt::Debug for ClientRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRateLimiter")
            .field("state", &self.state)
            .finish()
    }
}

impl ClientRateLimiter {
    const MAX_RATE_ADJUST_SCALE: f64 = 2.0;

    /// A limiter reading time from `clock` (botocore: CUBIC from rate 0, bucket at 1/s).
    pub fn new(clock: Clock) -> ClientRateLimiter {
        let now = clock();
        ClientRateLimiter {
            state: Mutex::new(LimiterState {
                enabled: false,
                cubic: CubicCalculator::new(0.0, now),
                clocker: RateClocker::new(now),
                bucket: TokenBucket::new(1.0, now),
            }),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Before an attempt: when enabled, how long to wait for a token
    /// (`None`: go now, the token is taken).
    pub fn try_acquire(&self) -> Option<Duration> {
        let now = (self.clock)();
        let mut state = self.lock();
        if !state.enabled {
            return None;
        }
        match state.bucket.try_acquire(now) {
            Ok(()) => None,
            Err(wait) => Some(Duration::from_secs_f64(wait.max(0.0))),
        }
    }

    /// Waits for a token (when enabled); returns the time waited.
    pub async fn acquire(&self) -> Duration {
        let mut waited = Duration::ZERO;
        while let Some(wait) = self.try_acquire() {
            // The wait is recomputed after it: the rate may have changed meanwhile.
            let wait = wait.max(Duration::from_millis(1));
            tokio::time::sleep(wait).await;
            waited += wait;
        }
        waited
    }

    /// After every attempt: `throttled` when the response was a throttling error.
    /// Returns the new send rate.
    pub fn on_response(&self, throttled: bool) -> f64 {
        let now = (self.clock)();
        let mut state = self.lock();
        let measured = state.clocker.record(now);
        let new_rate = if !throttled {
            state.cubic.success_received(now)
        } else {
            let rate = if state.enabled {
                measured.min(state.bucket.max_rate())
            } else {
                measured
            };
            state.enabled = true;
            state.cubic.error_received(rate, now)
        };
        let rate = new_rate.min(Self::MAX_RATE_ADJUST_SCALE * measured);
        state.bucket.set_max_rate(rate, now);
        if throttled {
            tracing::debug!(
                new_rate = state.bucket.max_rate(),
                measured_rate = measured,
                "throttled: adaptive send rate lowered"
            );
        }
        state.bucket.max_rate()
    }

    /// Whether throttling has switched the limiter on.
    pub fn enabled(&self) -> bool {
        self.lock().enabled
    }

    /// The token bucket's fill rate (requests a second).
    pub fn send_rate(&self) -> f64 {
        self.lock().bucket.max_rate()
    }

    /// The measured send rate.
    pub fn measured_rate(&self) -> f64 {
        self.lock().clocker.measured_rate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(
            classify_response(400, Some("Throttling")),
            Some(RetryKind::Throttling)
        );
        assert_eq!(
            classify_response(400, Some("ProvisionedThroughputExceededException")),
            Some(RetryKind::Throttling)
        );
        assert_eq!(
            classify_response(503, Some("SlowDown")),
            Some(RetryKind::Throttling)
        );
        assert_eq!(
            classify_response(400, Some("RequestTimeout")),
            Some(RetryKind::Transient)
        );
        for s in [500, 502, 503, 504] {
            assert_eq!(classify_response(s, None), Some(RetryKind::Transient));
        }
        assert_eq!(classify_response(429, None), Some(RetryKind::Throttling));
        assert_eq!(classify_response(400, Some("ValidationException")), None);
        assert_eq!(classify_response(404, Some("NoSuchKey")), None);
        assert_eq!(classify_response(501, None), None);
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let p = RetryPolicy::standard(10);
        for attempt in 1..=10 {
            let cap = Duration::from_secs(2u64.pow(attempt - 1).min(20));
            for _ in 0..50 {
                assert!(p.backoff(attempt) <= cap);
            }
        }
        assert!(p.backoff(100) <= Duration::from_secs(20));
        assert_eq!(RetryPolicy::standard(0).max_attempts, 1);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn quota_exhaustion_and_refill() {
        let q = RetryQuota::default();
        let mut retries = 0;
        while q.acquire(RetryQuota::RETRY_COST) {
            retries += 1;
        }
        assert_eq!(retries, 100);
        assert_eq!(q.available(), 0);
        assert!(!q.acquire(RetryQuota::TIMEOUT_RETRY_COST));
        q.release(RetryQuota::NO_RETRY_INCREMENT);
        assert_eq!(q.available(), 1);
        q.release(RetryQuota::RETRY_COST);
        assert!(q.acquire(RetryQuota::RETRY_COST));
        q.release(10_000);
        assert_eq!(q.available(), RetryQuota::INITIAL_CAPACITY);
        let q = RetryQuota::new(12);
        assert!(q.acquire(RetryQuota::TIMEOUT_RETRY_COST));
        assert!(!q.acquire(RetryQuota::RETRY_COST));
    }

    /// Expected values computed with botocore 1.43.11's own classes:
    /// `CubicCalculator(starting_max_rate=10, start_time=0)`.
    #[test]
    fn cubic_matches_botocore() {
        let mut c = CubicCalculator::new(10.0, 0.0);
        assert!(close(c.params().1, 1.957_433_820_584_431_7));
        for (t, want) in [
            (0.0, 7.0),
            (1.0, 9.64893600966),
            (2.0, 10.000030849917364),
            (3.0, 10.453284520772092),
            (5.0, 21.26626835427364),
        ] {
            assert!(
                close(c.success_received(t), want),
                "t={t}: {}",
                c.success_received(t)
            );
        }
        assert!(close(c.error_received(12.5, 6.0), 8.75));
        assert!(close(c.params().1, 2.1085816632543732));
        for (t, want) in [
            (6.0, 8.75),
            (7.0, 11.955041960829845),
            (8.0, 12.499487929849197),
            (10.0, 15.206591892456412),
        ] {
            assert!(close(c.success_received(t), want), "t={t}");
        }
    }

    /// botocore's `RateClocker` fed a response every 0.25 s.
    #[test]
    fn rate_clocker_matches_botocore() {
        let mut r = RateClocker::new(0.0);
        let got: Vec<f64> = (0..10).map(|i| r.record(i as f64 * 0.25)).collect();
        let want = [0.0, 0.0, 4.8, 4.8, 4.16, 4.16, 4.032, 4.032, 4.0064, 4.0064];
        for (g, w) in got.iter().zip(want) {
            assert!(close(*g, w), "{got:?}");
        }
    }

    fn fake_clock() -> (Clock, std::sync::Arc<Mutex<f64>>) {
        let t = std::sync::Arc::new(Mutex::new(0.0));
        let read = t.clone();
        (std::sync::Arc::new(move || *read.lock().unwrap()), t)
    }

    /// botocore's `ClientRateLimiter.on_receiving_response` with a fake clock:
    /// the token bucket's `max_rate` after each response.
    #[test]
    fn limiter_matches_botocore() {
        let (clock, t) = fake_clock();
        let limiter = ClientRateLimiter::new(clock);
        let script = [
            (0.5, false, 0.5, 1.6, false),
            (1.0, false, 0.5, 1.92, false),
            (1.5, true, 1.3887999999999998, 1.984, true),
            (2.0, false, 1.8783275727417945, 1.9968, true),
            (2.5, true, 1.314829300919256, 1.99936, true),
            (3.0, false, 1.7825280733266784, 1.9998719999999999, true),
            (4.0, false, 1.900101211200465, 1.1999743999999999, true),
            (5.0, false, 2.07998976, 1.03999488, true),
        ];
        for (now, throttled, rate, measured, enabled) in script {
            *t.lock().unwrap() = now;
            limiter.on_response(throttled);
            assert!(
                close(limiter.send_rate(), rate),
                "t={now}: {}",
                limiter.send_rate()
            );
            assert!(close(limiter.measured_rate(), measured), "t={now}");
            assert_eq!(limiter.enabled(), enabled);
        }
    }

    #[test]
    fn limiter_delays_sends_once_throttled() {
        let (clock, t) = fake_clock();
        let limiter = ClientRateLimiter::new(clock);
        // Off until a throttle: no waiting at all.
        for _ in 0..10 {
            assert_eq!(limiter.try_acquire(), None);
        }
        *t.lock().unwrap() = 0.5;
        limiter.on_response(true);
        assert!(limiter.enabled());
        // Measured 1.6/s, so CUBIC sets 1.6 * 0.7 = 1.12/s; the bucket filled
        // to 0.5 at 1/s meanwhile: the first token is 0.5 / 1.12 s away.
        assert!(close(limiter.send_rate(), 1.12));
        let wait = limiter.try_acquire().expect("must wait");
        assert!((wait.as_secs_f64() - 0.5 / 1.12).abs() < 1e-6, "{wait:?}");
        *t.lock().unwrap() = 0.5 + 0.5 / 1.12 + 1e-9;
        assert_eq!(limiter.try_acquire(), None);
        assert!(limiter.try_acquire().is_some());
    }

    #[test]
    fn modes_parse_and_classify() {
        assert_eq!("adaptive".parse::<RetryMode>(), Ok(RetryMode::Adaptive));
        let e = parse_retry_mode("fast", "AWS_RETRY_MODE").unwrap_err();
        assert!(e.to_string().contains("AWS_RETRY_MODE"), "{e}");
        assert!(e.to_string().contains("`fast`"), "{e}");
        assert_eq!(RetryMode::default(), RetryMode::Standard);
        assert_eq!(RetryMode::Legacy.default_max_attempts(), 5);
        assert_eq!(RetryMode::Legacy.policy(5).max_backoff, Duration::MAX);
        assert_eq!(
            RetryMode::Legacy.classify(509, None, None),
            Some(RetryKind::Transient)
        );
        assert_eq!(RetryMode::Standard.classify(509, None, None), None);
        assert_eq!(
            RetryMode::Legacy.classify(400, Some("RequestLimitExceeded"), None),
            None
        );
        assert_eq!(
            RetryMode::Standard.classify(403, Some("RequestTimeTooSkewed"), None),
            Some(RetryKind::ClockSkew)
        );
        assert_eq!(
            RetryMode::Standard.classify(
                400,
                Some("InvalidSignatureException"),
                Some("Signature expired: 20240101T000000Z is now earlier than ...")
            ),
            Some(RetryKind::ClockSkew)
        );
        assert_eq!(
            RetryMode::Standard.classify(
                403,
                Some("SignatureDoesNotMatch"),
                Some("The request signature we calculated does not match")
            ),
            None
        );
        // Legacy backoff is uncapped.
        let p = RetryPolicy::legacy(10);
        assert!((0..200).any(|_| p.backoff(8) > Duration::from_secs(20)));
    }
}
