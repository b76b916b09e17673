//! botocore's `standard` retry mode: which failures are worth another
//! attempt, and how long to wait before it.

use std::time::Duration;

/// Why a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// Connection errors, timeouts, 500/502/503/504, transient error codes.
    Transient,
    /// The service asked us to slow down.
    Throttling,
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

    /// The wait after failed attempt `attempt` (1-based): truncated binary
    /// exponential backoff with full jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let cap = self.base.saturating_mul(exp).min(self.max_backoff);
        cap.mul_f64(fastrand::f64())
    }
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy::standard(RetryPolicy::DEFAULT_MAX_ATTEMPTS)
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
}
