//! The retry machinery behind [`RetryConfig`](super::RetryConfig): error classification, the
//! shared retry quota and the adaptive rate limiter. Crate-internal (the `sts` binary and the fuzz
//! targets reach it through `__private`).

use crate::error::{Error, TimeoutPhase, TransportErrorKind};
use std::sync::Mutex;
use std::time::Duration;

/// Why an error may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// A throttling error code.
    Throttling,
    /// A timeout, an I/O failure, a 500/502/503/504, or a transient error code.
    Transient,
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
        // A failed lookup is retried as botocore retries `EndpointConnectionError` (resolvers fail
        // transiently); a request that cannot be built (`InvalidRequest`), TLS and proxy refusals
        // fail the same way every time.
        Error::Transport { kind, .. } => matches!(
            kind,
            TransportErrorKind::Connect
                | TransportErrorKind::Dns
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
    use crate::retry::RetryConfig;

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
        let transport = |kind| Error::Transport {
            kind,
            message: String::new(),
        };
        assert_eq!(
            classify(&transport(TransportErrorKind::Dns)),
            Some(RetryKind::Transient)
        );
        assert_eq!(
            classify(&transport(TransportErrorKind::InvalidRequest)),
            None
        );
        assert_eq!(classify(&transport(TransportErrorKind::Tls)), None);
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

/// The adaptive mode's client-side rate limiter (CUBIC), as in the AWS SDKs: it measures the sending
/// rate, cuts it by β = 0.7 on a throttling error and grows it back along a cubic curve (C = 0.4) on
/// successes. Time is passed in (seconds since any fixed origin), so it is a pure state machine.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    fill_rate: f64,
    max_capacity: f64,
    current_capacity: f64,
    last_refill: Option<f64>,
    enabled: bool,
    measured_rate: f64,
    last_rate_bucket: f64,
    request_count: u64,
    last_max_rate: f64,
    last_throttle: f64,
    time_window: f64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    const MIN_FILL_RATE: f64 = 0.5;
    const MIN_CAPACITY: f64 = 1.0;
    const SMOOTH: f64 = 0.8;
    const BETA: f64 = 0.7;
    const SCALE: f64 = 0.4;
    /// Width of the buckets the sending rate is measured in, in seconds.
    pub const BUCKET: f64 = 0.5;

    /// A limiter that lets everything through until the first throttling error.
    #[must_use]
    pub fn new() -> Self {
        Self {
            fill_rate: Self::MIN_FILL_RATE,
            max_capacity: Self::MIN_CAPACITY,
            current_capacity: 0.0,
            last_refill: None,
            enabled: false,
            measured_rate: 0.0,
            last_rate_bucket: 0.0,
            request_count: 0,
            last_max_rate: 0.0,
            last_throttle: 0.0,
            time_window: 0.0,
        }
    }

    /// Takes a token for one request at time `now`; returns how long to wait first (zero while the
    /// limiter is not engaged). The token is spent either way.
    pub fn acquire(&mut self, now: f64) -> Duration {
        if !self.enabled {
            return Duration::ZERO;
        }
        self.refill(now);
        self.current_capacity -= 1.0;
        if self.current_capacity >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.current_capacity / self.fill_rate)
        }
    }

    /// Records the outcome of a response at time `now`.
    pub fn record(&mut self, now: f64, throttled: bool) {
        self.update_measured_rate(now);
        let rate = if throttled {
            let rate_to_use = if self.enabled {
                self.measured_rate.min(self.fill_rate)
            } else {
                self.measured_rate
            };
            self.last_max_rate = rate_to_use;
            self.time_window = self.window();
            self.last_throttle = now;
            self.enabled = true;
            rate_to_use * Self::BETA
        } else {
            self.time_window = self.window();
            Self::SCALE * (now - self.last_throttle - self.time_window).powi(3) + self.last_max_rate
        };
        self.set_rate(now, rate.min(2.0 * self.measured_rate));
    }

    /// The current allowed rate in requests per second (meaningful once engaged).
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.fill_rate
    }

    /// Whether a throttling error has engaged the limiter.
    #[must_use]
    pub fn is_engaged(&self) -> bool {
        self.enabled
    }

    /// The measured sending rate in requests per second.
    #[must_use]
    pub fn measured_rate(&self) -> f64 {
        self.measured_rate
    }

    fn window(&self) -> f64 {
        (self.last_max_rate * (1.0 - Self::BETA) / Self::SCALE).cbrt()
    }

    fn refill(&mut self, now: f64) {
        if let Some(last) = self.last_refill {
            let added = (now - last).max(0.0) * self.fill_rate;
            self.current_capacity = (self.current_capacity + added).min(self.max_capacity);
        }
        self.last_refill = Some(now);
    }

    fn set_rate(&mut self, now: f64, rate: f64) {
        self.refill(now);
        self.fill_rate = rate.max(Self::MIN_FILL_RATE);
        self.max_capacity = rate.max(Self::MIN_CAPACITY);
        self.current_capacity = self.current_capacity.min(self.max_capacity);
    }

    fn update_measured_rate(&mut self, now: f64) {
        let bucket = (now / Self::BUCKET).floor() * Self::BUCKET;
        self.request_count += 1;
        if bucket > self.last_rate_bucket {
            let current = self.request_count as f64 / (bucket - self.last_rate_bucket);
            self.measured_rate = current * Self::SMOOTH + self.measured_rate * (1.0 - Self::SMOOTH);
            self.request_count = 0;
            self.last_rate_bucket = bucket;
        }
    }
}

#[cfg(test)]
mod adaptive_tests {
    use super::*;

    #[test]
    fn open_until_throttled() {
        let mut l = RateLimiter::new();
        for i in 0..100 {
            assert_eq!(l.acquire(f64::from(i) * 0.01), Duration::ZERO);
        }
        assert!(!l.is_engaged());
    }

    #[test]
    fn throttling_cuts_the_rate_by_beta_then_cubic_recovery() {
        let mut l = RateLimiter::new();
        // 10 requests per second for 5 s: the measured rate converges to 10.
        let mut t = 0.0;
        for _ in 0..50 {
            t += 0.1;
            l.record(t, false);
        }
        assert!(
            (l.measured_rate() - 10.0).abs() < 0.5,
            "{}",
            l.measured_rate()
        );
        l.record(t, true);
        assert!(l.is_engaged());
        let cut = l.rate();
        assert!((cut - 0.7 * l.measured_rate()).abs() < 0.5, "{cut}");
        // Recovery follows W(t) = C (t - K)^3 + W_max: at t = K after the throttle, back to W_max.
        let k = (10.0f64 * 0.3 / 0.4).cbrt();
        let mut after = RateLimiter { ..l.clone() };
        after.record(t + k, false);
        assert!(after.rate() > cut, "{} > {cut}", after.rate());
        assert!((after.rate() - 10.0).abs() < 1.5, "{}", after.rate());
    }

    #[test]
    fn engaged_limiter_makes_callers_wait() {
        let mut l = RateLimiter::new();
        let mut t = 0.0;
        for _ in 0..20 {
            t += 0.25;
            l.record(t, false);
        }
        l.record(t, true); // rate ≈ 0.7 × 4/s
        let waits: Vec<Duration> = (0..5).map(|_| l.acquire(t)).collect();
        assert!(waits.iter().any(|w| !w.is_zero()), "{waits:?}");
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
    }
}
