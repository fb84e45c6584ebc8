//! Retry decisions: error classification, the shared token bucket and backoff with full jitter.
//!
//! The constants follow the AWS SDKs' standard mode ("Retry 2.0"): 3 attempts, a 1 s backoff base
//! capped at 20 s, and a 500-token bucket that a retry costs 5 tokens from (10 for a timeout or
//! transient error) and a success without retry refunds 1 to. `AWS_NEW_RETRIES_2026=true` selects the
//! 2026 profile: bases of 50 ms (1 s when throttled), costs of 14 (5 when throttled) and an
//! `x-amz-retry-after` hint clamped to `[backoff, backoff + 5 s]`.

use crate::error::{Error, TimeoutPhase, TransportErrorKind};
use std::sync::Mutex;
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

/// Why an error may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// A throttling error code.
    Throttling,
    /// A timeout, an I/O failure, a 500/502/503/504, or a transient error code.
    Transient,
}

/// Retry settings. [`RetryConfig::standard`] and [`RetryConfig::v2026`] give the AWS profiles.
#[derive(Debug, Clone, PartialEq)]
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

    /// The quota cost of retrying an error of this kind.
    #[must_use]
    pub fn cost(&self, kind: RetryKind) -> u32 {
        match kind {
            RetryKind::Throttling => self.retry_cost,
            RetryKind::Transient => self.transient_cost,
        }
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniform random number in
    /// `[0, 1)` and an optional `x-amz-retry-after` hint.
    #[must_use]
    pub fn backoff(
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

/// Classifies an error: `Some(kind)` when it may be retried.
#[must_use]
pub fn classify(error: &Error) -> Option<RetryKind> {
    match error {
        Error::Service(e) if e.code.is_throttling() || e.status == 429 => {
            Some(RetryKind::Throttling)
        }
        Error::Service(e) if e.code.is_transient() || is_retryable_status(e.status) => {
            Some(RetryKind::Transient)
        }
        Error::InvalidResponse { status, .. } if is_retryable_status(*status) => {
            Some(RetryKind::Transient)
        }
        Error::InvalidResponse { status: 429, .. } => Some(RetryKind::Throttling),
        Error::Transport { kind, .. } => matches!(
            kind,
            TransportErrorKind::Connect
                | TransportErrorKind::ConnectionClosed
                | TransportErrorKind::Io
        )
        .then_some(RetryKind::Transient),
        Error::Timeout { phase, .. } => {
            matches!(phase, TimeoutPhase::Connect | TimeoutPhase::Attempt)
                .then_some(RetryKind::Transient)
        }
        _ => None,
    }
}

const fn is_retryable_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

/// The retry quota: a token bucket shared by every clone of a client and every thread using it.
#[derive(Debug)]
pub struct TokenBucket {
    tokens: Mutex<u32>,
    capacity: u32,
}

impl TokenBucket {
    /// A full bucket.
    #[must_use]
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Mutex::new(capacity),
            capacity,
        }
    }

    /// Takes `cost` tokens if the bucket holds them.
    pub fn acquire(&self, cost: u32) -> bool {
        let mut t = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *t >= cost {
            *t -= cost;
            true
        } else {
            false
        }
    }

    /// Returns `amount` tokens, up to the capacity.
    pub fn release(&self, amount: u32) {
        let mut t = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *t = (*t + amount).min(self.capacity);
    }

    /// Tokens left.
    #[must_use]
    pub fn available(&self) -> u32 {
        *self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ServiceError};

    fn service(code: &str, status: u16) -> Error {
        Error::Service(Box::new(ServiceError {
            code: ErrorCode::from_wire(code),
            message: None,
            fault: None,
            request_id: None,
            status,
            operation: None,
        }))
    }

    #[test]
    fn classification() {
        assert_eq!(
            classify(&service("Throttling", 400)),
            Some(RetryKind::Throttling)
        );
        assert_eq!(
            classify(&service("IDPCommunicationError", 400)),
            Some(RetryKind::Transient)
        );
        assert_eq!(
            classify(&service("InternalFailure", 500)),
            Some(RetryKind::Transient)
        );
        assert_eq!(classify(&service("AccessDenied", 403)), None);
        assert_eq!(
            classify(&Error::invalid_response(503, "empty", b"")),
            Some(RetryKind::Transient)
        );
        assert_eq!(
            classify(&Error::invalid_response(200, "html", b"<html>")),
            None
        );
        assert_eq!(
            classify(&Error::Timeout {
                phase: TimeoutPhase::Total,
                limit: None
            }),
            None
        );
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let c = RetryConfig::standard();
        assert_eq!(
            c.backoff(RetryKind::Transient, 1, 0.5, None),
            Duration::from_millis(500)
        );
        assert_eq!(
            c.backoff(RetryKind::Transient, 3, 1.0, None),
            Duration::from_secs(4)
        );
        assert_eq!(
            c.backoff(RetryKind::Transient, 10, 1.0, None),
            Duration::from_secs(20)
        );
        assert_eq!(
            c.backoff(RetryKind::Transient, 1, 0.0, None),
            Duration::ZERO
        );
        let n = RetryConfig::v2026();
        assert_eq!(
            n.backoff(RetryKind::Transient, 1, 1.0, None),
            Duration::from_millis(50)
        );
        // Hint above the window is clamped to backoff + 5 s; below it, to the backoff.
        assert_eq!(
            n.backoff(RetryKind::Throttling, 1, 1.0, Some(Duration::from_secs(60))),
            Duration::from_secs(6)
        );
        assert_eq!(
            n.backoff(RetryKind::Throttling, 1, 1.0, Some(Duration::ZERO)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn bucket_drains_and_refills() {
        let b = TokenBucket::new(12);
        assert!(b.acquire(5));
        assert!(b.acquire(5));
        assert!(!b.acquire(5));
        b.release(100);
        assert_eq!(b.available(), 12);
    }
}
