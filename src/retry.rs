//! Retry decisions: error classification, the shared token bucket and backoff with full jitter.
//!
//! The constants follow the AWS SDKs' standard mode ("Retry 2.0"): 3 attempts, a 1 s backoff base
//! capped at 20 s, and a 500-token bucket that a retry costs 5 tokens from (10 for a timeout or
//! transient error) and a success without retry refunds 1 to. `AWS_NEW_RETRIES_2026=true` selects the
//! 2026 profile: bases of 50 ms (1 s when throttled), costs of 14 (5 when throttled) and an
//! `x-amz-retry-after` hint clamped to `[backoff, backoff + 5 s]`.

pub(crate) mod quota;

#[cfg_attr(not(feature = "client"), allow(unused_imports))]
pub(crate) use quota::{RateLimiter, RetryKind, TokenBucket, classify};
use std::time::Duration;

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// Backoff with jitter and a shared retry quota.
    #[default]
    Standard,
    /// Standard, plus a client-side rate limiter that slows down when throttled (CUBIC).
    Adaptive,
}

/// Retry settings. [`RetryConfig::standard`] and [`RetryConfig::v2026`] give the AWS profiles;
/// the setters adjust one from there (the fields are public to read).
///
/// ```
/// use std::time::Duration;
/// use sts_blocking::retry::{RetryConfig, RetryMode};
/// let retry = RetryConfig::standard()
///     .mode(RetryMode::Adaptive)
///     .max_attempts(5)
///     .max_backoff(Duration::from_secs(5));
/// assert_eq!(retry.max_attempts, 5);
/// assert_eq!(retry.base_backoff, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// The retry mode.
    pub mode: RetryMode,
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Backoff base for transient errors.
    pub base_backoff: Duration,
    /// Backoff base for throttling errors.
    pub throttling_backoff: Duration,
    /// Backoff cap.
    pub max_backoff: Duration,
    /// Retry-quota capacity.
    pub quota_capacity: u32,
    /// Tokens a throttling retry costs.
    pub retry_cost: u32,
    /// Tokens a transient or timeout retry costs.
    pub transient_cost: u32,
    /// Tokens a success without retries gives back.
    pub success_refund: u32,
    /// Honour and clamp `x-amz-retry-after` (2026 profile).
    pub retry_after_hint: bool,
}

impl RetryConfig {
    /// The standard profile (the AWS SDKs' default today).
    #[must_use]
    pub fn standard() -> Self {
        Self {
            mode: RetryMode::Standard,
            max_attempts: 3,
            base_backoff: Duration::from_secs(1),
            throttling_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            quota_capacity: 500,
            retry_cost: 5,
            transient_cost: 10,
            success_refund: 1,
            retry_after_hint: false,
        }
    }

    /// The 2026 profile (`AWS_NEW_RETRIES_2026=true`).
    #[must_use]
    pub fn v2026() -> Self {
        Self {
            base_backoff: Duration::from_millis(50),
            throttling_backoff: Duration::from_secs(1),
            retry_cost: 5,
            transient_cost: 14,
            retry_after_hint: true,
            ..Self::standard()
        }
    }

    /// Retries disabled: one attempt.
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Sets the retry mode.
    #[must_use]
    pub fn mode(mut self, value: RetryMode) -> Self {
        self.mode = value;
        self
    }

    /// Sets the attempts per call, the first included (1 disables retries).
    #[must_use]
    pub fn max_attempts(mut self, value: u32) -> Self {
        self.max_attempts = value;
        self
    }

    /// Sets the backoff base for transient errors.
    #[must_use]
    pub fn base_backoff(mut self, value: Duration) -> Self {
        self.base_backoff = value;
        self
    }

    /// Sets the backoff base for throttling errors.
    #[must_use]
    pub fn throttling_backoff(mut self, value: Duration) -> Self {
        self.throttling_backoff = value;
        self
    }

    /// Sets the backoff cap.
    #[must_use]
    pub fn max_backoff(mut self, value: Duration) -> Self {
        self.max_backoff = value;
        self
    }

    /// Sets the retry-quota capacity.
    #[must_use]
    pub fn quota_capacity(mut self, value: u32) -> Self {
        self.quota_capacity = value;
        self
    }

    /// Sets the tokens a throttling retry costs.
    #[must_use]
    pub fn retry_cost(mut self, value: u32) -> Self {
        self.retry_cost = value;
        self
    }

    /// Sets the tokens a transient or timeout retry costs.
    #[must_use]
    pub fn transient_cost(mut self, value: u32) -> Self {
        self.transient_cost = value;
        self
    }

    /// Sets the tokens a success without retries gives back.
    #[must_use]
    pub fn success_refund(mut self, value: u32) -> Self {
        self.success_refund = value;
        self
    }

    /// Sets whether `x-amz-retry-after` is honoured (and clamped).
    #[must_use]
    pub fn retry_after_hint(mut self, value: bool) -> Self {
        self.retry_after_hint = value;
        self
    }

    /// The quota cost of retrying an error of this kind.
    #[must_use]
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn cost(&self, kind: RetryKind) -> u32 {
        match kind {
            RetryKind::Throttling => self.retry_cost,
            RetryKind::Transient => self.transient_cost,
        }
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniform random number in
    /// `[0, 1)` and an optional `x-amz-retry-after` hint.
    #[must_use]
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn backoff(
        &self,
        kind: RetryKind,
        retry: u32,
        random: f64,
        retry_after: Option<Duration>,
    ) -> Duration {
        let base = match kind {
            RetryKind::Throttling => self.throttling_backoff,
            RetryKind::Transient => self.base_backoff,
        };
        let exp = 2f64.powi(retry.saturating_sub(1).min(30) as i32);
        let ceiling = (base.as_secs_f64() * exp).min(self.max_backoff.as_secs_f64());
        let jittered = Duration::from_secs_f64(random.clamp(0.0, 1.0) * ceiling);
        match retry_after {
            Some(hint) if self.retry_after_hint => {
                hint.clamp(jittered, jittered + Duration::from_secs(5))
            }
            _ => jittered,
        }
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}
