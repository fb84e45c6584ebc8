//! The call engine: one STS call's whole life — signing, attempts, the retry quota, adaptive pacing,
//! backoff, the clock-skew retry, the deadline and the attempt hook — as a pure state machine with
//! no I/O and no clock of its own (the pattern of `ureq-proto` under `ureq`, or `quinn-proto` under
//! `quinn`).
//!
//! A driver owns the I/O and the clock. It asks the [`Call`] what to do next and reports what
//! happened, passing the time in ([`Now`]):
//!
//! - [`Next::Send`]: send this [`Request`] (method, URL, headers, body; already signed) within its
//!   [`Request::timeout`], then hand the [`Response`] or the transport's [`Error`] to
//!   [`Call::on_response`];
//! - [`Next::Wait`]: sleep (backoff or adaptive pacing), then poll again;
//! - [`Next::Done`]: the decoded output and its request id;
//! - [`Next::Failed`]: the typed error, its server text cleaned of the request's secrets.
//!
//! [`Sts`](crate::Sts) is such a driver over `ureq`, a dozen lines. Any other HTTP client (async, a
//! test double, a browser's `fetch`) drives the same engine and gets the same retries, skew
//! correction and typed errors; `examples/byo_http.rs` does it over a bare `TcpStream`. Built from
//! [`endpoint::for_client`](crate::endpoint::for_client), the engine also sends where `Sts` sends
//! for the same settings.
//!
//! ```
//! use std::time::Duration;
//! use sts_blocking::engine::{Call, Engine, Next, Now, Response};
//! use sts_blocking::endpoint::{EndpointParams, for_client};
//! use sts_blocking::ops::GetCallerIdentity;
//! use sts_blocking::Credentials;
//!
//! // The endpoints of a client in eu-west-1, with the defaults `Sts` applies.
//! let endpoints = for_client(&EndpointParams::for_region("eu-west-1"))?;
//! // Client-wide: settings, plus the state every call shares (retry quota, rate limiter, clock
//! // offset, signing keys). Build it once; `Send + Sync`.
//! let engine = Engine::builder(endpoints).max_attempts(3).build(Now::system())?;
//! let credentials = Credentials::new("AKIDEXAMPLE", "secret", None);
//! let op = GetCallerIdentity::new();
//! let mut call = Call::new(&engine, &op, Some(&credentials), Now::system())?;
//! let output = loop {
//!     match call.poll(Now::system()) {
//!         Next::Send(request) => {
//!             assert_eq!(request.url(), "https://sts.eu-west-1.amazonaws.com/");
//!             // Your HTTP client goes here; this one answers with a canned success.
//!             let body = b"<GetCallerIdentityResponse><GetCallerIdentityResult>\
//!                 <Arn>arn:aws:iam::123456789012:user/me</Arn>\
//!                 </GetCallerIdentityResult></GetCallerIdentityResponse>";
//!             call.on_response(Ok(Response::new(200, &[], body)), Now::system());
//!         }
//!         Next::Wait(pause) => std::thread::sleep(pause),
//!         Next::Done(decoded) => break decoded.output,
//!         Next::Failed(error) => return Err(error),
//!     }
//! };
//! assert_eq!(output.arn.as_deref(), Some("arn:aws:iam::123456789012:user/me"));
//! # Ok::<(), sts_blocking::Error>(())
//! ```
//!
//! Deadlines follow the README's "Reliability" section: a call ends by its total timeout (an
//! attempt gets at most what is left of it, a backoff or pacing wait that would outlast it ends the
//! call); a response that is not read within [`Request::timeout`] is the driver's
//! [`Error::Timeout`] with [`TimeoutPhase::Attempt`](crate::error::TimeoutPhase::Attempt).

mod attempt;
mod call;
mod http;
#[cfg(test)]
mod tests;

pub use attempt::{AttemptHook, AttemptRecord, RetryDecision, RetryPolicy};
pub(crate) use call::CONTENT_TYPE;
pub use call::{Call, Next};
pub use http::{Request, Response};

use crate::clock::ClockOffset;
use crate::endpoint::{ClientEndpoints, ResolvedEndpoint};
use crate::error::Error;
use crate::retry::{RateLimiter, RetryConfig, RetryMode, TokenBucket};
use crate::sigv4::{PostSigner, SigningKeyCache};
use crate::url::EndpointUrl;
use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Default limit for one attempt (send plus whole response).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default limit for a whole call, retries included.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest timeout used: longer ones (up to [`Duration::MAX`]) are clamped to it, so that adding
/// a timeout to the current instant can never overflow. About ten years: "no limit" in practice.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `d`, at most [`MAX_TIMEOUT`].
#[must_use]
pub(crate) fn clamp(d: Duration) -> Duration {
    d.min(MAX_TIMEOUT)
}

/// A reading of both clocks, passed into the engine: the monotonic one for deadlines, waits and
/// pacing, the wall clock for signing and clock-skew correction.
///
/// ```
/// use std::time::{Duration, Instant};
/// use sts_blocking::engine::Now;
/// use sts_blocking::time::OffsetDateTime;
/// // A fake clock for tests: fixed readings, advanced by hand.
/// let t0 = Now::new(Instant::now(), OffsetDateTime::UNIX_EPOCH);
/// let t1 = t0.after(Duration::from_millis(1500));
/// assert_eq!(t1.instant() - t0.instant(), Duration::from_millis(1500));
/// assert_eq!((t1.wall() - t0.wall()).whole_milliseconds(), 1500);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    instant: Instant,
    wall: OffsetDateTime,
}

impl Now {
    /// A reading from these two clocks.
    #[must_use]
    pub fn new(instant: Instant, wall: OffsetDateTime) -> Self {
        Self { instant, wall }
    }

    /// The system's clocks now ([`Instant::now`], [`OffsetDateTime::now_utc`]).
    #[must_use]
    pub fn system() -> Self {
        Self::new(Instant::now(), OffsetDateTime::now_utc())
    }

    /// The monotonic reading.
    #[must_use]
    pub fn instant(&self) -> Instant {
        self.instant
    }

    /// The wall-clock reading.
    #[must_use]
    pub fn wall(&self) -> OffsetDateTime {
        self.wall
    }

    /// Both readings `d` later (a clock that cannot go that far stays where it is).
    #[must_use]
    pub fn after(self, d: Duration) -> Self {
        Self {
            instant: self.instant.checked_add(d).unwrap_or(self.instant),
            wall: self
                .wall
                .checked_add(d.try_into().unwrap_or(time::Duration::MAX))
                .unwrap_or(self.wall),
        }
    }
}

/// Where a call goes: the resolved endpoint and the parts every request needs, worked out once.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) endpoint: ResolvedEndpoint,
    pub(crate) url: EndpointUrl,
    /// The URL put back together (what is requested).
    pub(crate) full: String,
    /// What every signature of a request to this endpoint shares.
    pub(crate) signer: PostSigner,
}

impl Target {
    fn new(endpoint: ResolvedEndpoint) -> Result<Self, Error> {
        let url = EndpointUrl::parse(&endpoint.url)?;
        Ok(Self {
            full: url.to_url(),
            signer: PostSigner::new(&url.path, &url.query, &url.authority(), CONTENT_TYPE),
            url,
            endpoint,
        })
    }
}

/// What a client fixes once and every call shares: the endpoint, the retry and timeout settings, the
/// hooks, and the state that outlives a call — the retry quota ([`TokenBucket`]), the adaptive
/// [`RateLimiter`], the clock-skew offset and the signing-key cache. `Send + Sync`: share it (by
/// reference or in an `Arc`) between the calls of every thread. Build it with [`Engine::builder`].
pub struct Engine {
    pub(crate) main: Target,
    pub(crate) regional: Option<Target>,
    /// Signed calls fail with [`Error::NoRegion`] ([`EngineBuilder::require_region_to_sign`]).
    no_signing_region: bool,
    pub(crate) retry: RetryConfig,
    pub(crate) policy: Option<RetryPolicy>,
    pub(crate) hook: Option<AttemptHook>,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) keys: SigningKeyCache,
    pub(crate) bucket: TokenBucket,
    limiter: Option<Mutex<RateLimiter>>,
    origin: Instant,
    pub(crate) clock: ClockOffset,
    rng: AtomicU64,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("endpoint", &self.main.endpoint.url)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry_tokens", &self.bucket.available())
            .field("clock_offset_ms", &self.clock.millis())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A builder sending to `endpoints`, with the standard retry profile and the default timeouts.
    ///
    /// Pass [`endpoint::for_client`](crate::endpoint::for_client)'s endpoints to send where
    /// [`Sts`](crate::Sts) sends for the same settings (`aws-global` without a region, the regional
    /// endpoint for GetWebIdentityToken), or one [`ResolvedEndpoint`] (from
    /// [`endpoint::resolve`](crate::endpoint::resolve)) for every call.
    #[must_use]
    pub fn builder(endpoints: impl Into<ClientEndpoints>) -> EngineBuilder {
        EngineBuilder {
            endpoints: endpoints.into(),
            require_region_to_sign: false,
            retry: RetryConfig::standard(),
            policy: None,
            hook: None,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            app_id: None,
            http_client: None,
            seed: None,
        }
    }

    /// The endpoint calls go to.
    #[must_use]
    pub fn endpoint(&self) -> &ResolvedEndpoint {
        &self.main.endpoint
    }

    /// The retry settings.
    #[must_use]
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    /// The `User-Agent` every request carries.
    #[must_use]
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The limit for one attempt (what [`Request::timeout`] is unless the total timeout is
    /// nearer).
    #[must_use]
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The limit for a whole call, retries included.
    #[must_use]
    pub fn total_timeout(&self) -> Duration {
        self.total_timeout
    }

    /// Tokens left in the shared retry quota.
    #[must_use]
    pub fn retry_tokens(&self) -> u32 {
        self.bucket.available()
    }

    /// The current clock-skew correction in milliseconds (server time minus local time).
    #[must_use]
    pub fn clock_offset_millis(&self) -> i64 {
        self.clock.millis()
    }

    /// The signing time for the wall-clock reading `wall`: `wall` plus the clock-skew correction.
    #[must_use]
    pub fn signing_time(&self, wall: OffsetDateTime) -> OffsetDateTime {
        self.clock.apply(wall)
    }

    /// The signing-key cache every request of this engine signs with.
    #[must_use]
    pub fn signing_keys(&self) -> &SigningKeyCache {
        &self.keys
    }

    /// Where an operation goes: GetWebIdentityToken is not served by the global endpoint.
    pub(crate) fn target_for(&self, action: &str) -> &Target {
        match (&self.regional, action) {
            (Some(t), "GetWebIdentityToken") => t,
            _ => &self.main,
        }
    }

    /// [`Error::NoRegion`] when signed calls cannot be signed: a custom endpoint without a region,
    /// under [`EngineBuilder::require_region_to_sign`].
    pub(crate) fn check_signing_region(&self) -> Result<(), Error> {
        if self.no_signing_region {
            return Err(Error::NoRegion);
        }
        Ok(())
    }

    /// 64 random bits (xorshift64*, shared between threads; ample for jitter and ids).
    pub(crate) fn random_u64(&self) -> u64 {
        let mut x = self.rng.load(Ordering::Relaxed);
        loop {
            let mut y = x;
            y ^= y >> 12;
            y ^= y << 25;
            y ^= y >> 27;
            match self
                .rng
                .compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return y.wrapping_mul(0x2545_F491_4F6C_DD1D),
                Err(cur) => x = cur,
            }
        }
    }

    /// A uniform random number in `[0, 1)`: the top 53 bits of [`Engine::random_u64`].
    pub(crate) fn random(&self) -> f64 {
        (self.random_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Seconds since the engine was built: the adaptive limiter's clock.
    fn limiter_time(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.origin).as_secs_f64()
    }

    /// Adaptive mode: takes a send token at `now`; how long to wait first, if at all.
    pub(crate) fn rate_limit_wait(&self, now: Instant) -> Option<Duration> {
        let limiter = self.limiter.as_ref()?;
        let wait = limiter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .acquire(self.limiter_time(now));
        (!wait.is_zero()).then_some(wait)
    }

    /// Adaptive mode: feeds an attempt's outcome at `now` to the rate limiter.
    pub(crate) fn rate_limit_record(&self, now: Instant, throttled: bool) {
        if let Some(limiter) = &self.limiter {
            limiter
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .record(self.limiter_time(now), throttled);
        }
    }
}

/// Builds an [`Engine`]. Start from [`Engine::builder`].
#[derive(Clone)]
pub struct EngineBuilder {
    endpoints: ClientEndpoints,
    require_region_to_sign: bool,
    retry: RetryConfig,
    policy: Option<RetryPolicy>,
    hook: Option<AttemptHook>,
    attempt_timeout: Duration,
    total_timeout: Duration,
    app_id: Option<String>,
    http_client: Option<String>,
    seed: Option<u64>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("endpoint", &self.endpoints.main.url)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// Sends GetWebIdentityToken to this endpoint instead (it is not served by the legacy global
    /// endpoint; [`endpoint::for_client`](crate::endpoint::for_client) sets the regional one when
    /// the main endpoint is global).
    #[must_use]
    pub fn regional_endpoint(mut self, endpoint: ResolvedEndpoint) -> Self {
        self.endpoints.regional = Some(endpoint);
        self
    }

    /// Follows the AWS CLI for a custom endpoint without a region
    /// ([`ClientEndpoints::no_region`]): signed calls fail with [`Error::NoRegion`] (its `You must
    /// specify a region`) instead of signing for `us-east-1`. Off by default, as for
    /// [`StsBuilder`](crate::StsBuilder); clients from [`Settings`](crate::Settings) turn it on.
    #[must_use]
    pub fn require_region_to_sign(mut self, on: bool) -> Self {
        self.require_region_to_sign = on;
        self
    }

    /// Sets the retry configuration (default [`RetryConfig::standard`]).
    #[must_use]
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the most attempts per call (1 disables retries).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts.max(1);
        self
    }

    /// Consults `policy` before the built-in retry rules.
    #[must_use]
    pub fn retry_policy(
        mut self,
        policy: impl Fn(&Error, u32) -> RetryDecision + Send + Sync + 'static,
    ) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// Calls `hook` after every attempt (redacted canonical request, status, timing).
    #[must_use]
    pub fn on_attempt(mut self, hook: impl Fn(&AttemptRecord) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// Sets the limit for one attempt (default 20 s), handed to the driver as
    /// [`Request::timeout`]. Longer than [`MAX_TIMEOUT`] means that.
    #[must_use]
    pub fn attempt_timeout(mut self, t: Duration) -> Self {
        self.attempt_timeout = t;
        self
    }

    /// Sets the limit for a whole call, retries included (default 60 s). Longer than
    /// [`MAX_TIMEOUT`] means that.
    #[must_use]
    pub fn total_timeout(mut self, t: Duration) -> Self {
        self.total_timeout = t;
        self
    }

    /// Adds `app/<id>` to the user agent (visible ASCII, at most 50 characters).
    #[must_use]
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// Names the HTTP client in the user agent as `md/<name>` (e.g. `ureq#3`).
    #[must_use]
    pub fn http_client(mut self, name: impl Into<String>) -> Self {
        self.http_client = Some(name.into());
        self
    }

    /// Seeds the jitter and invocation-id generator (default: from the wall clock at
    /// [`EngineBuilder::build`]). Fixed seeds make tests repeatable.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn set_policy(mut self, policy: Option<RetryPolicy>) -> Self {
        self.policy = policy;
        self
    }

    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn set_hook(mut self, hook: Option<AttemptHook>) -> Self {
        self.hook = hook;
        self
    }

    /// Builds the engine; `now` starts the adaptive limiter's clock.
    ///
    /// # Errors
    /// [`Error::Config`] for an endpoint URL that is not an absolute `http(s)` URL with a host.
    pub fn build(self, now: Now) -> Result<Engine, Error> {
        let mut user_agent = format!(
            "sts-blocking/{} ua/2.1 api/sts#2011-06-15 os/{} lang/rust",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS
        );
        if let Some(client) = &self.http_client {
            user_agent.push_str(" md/");
            user_agent.extend(client.chars().filter(|c| c.is_ascii_graphic()).take(50));
        }
        if let Some(app) = &self.app_id {
            user_agent.push_str(" app/");
            user_agent.extend(app.chars().filter(|c| c.is_ascii_graphic()).take(50));
        }
        if self.retry.mode == RetryMode::Adaptive {
            user_agent.push_str(" cfg/retry-mode#adaptive");
        }
        // Only the low bits of the time matter for a seed; the truncation is the point.
        let seed = self
            .seed
            .unwrap_or_else(|| now.wall.unix_timestamp_nanos() as u64);
        Ok(Engine {
            no_signing_region: self.require_region_to_sign && self.endpoints.no_region,
            main: Target::new(self.endpoints.main)?,
            regional: self.endpoints.regional.map(Target::new).transpose()?,
            bucket: TokenBucket::new(self.retry.quota_capacity),
            limiter: (self.retry.mode == RetryMode::Adaptive)
                .then(|| Mutex::new(RateLimiter::new())),
            origin: now.instant,
            keys: SigningKeyCache::default(),
            clock: ClockOffset::default(),
            // xorshift never leaves zero: keep the state odd.
            rng: AtomicU64::new(seed | 1),
            retry: self.retry,
            policy: self.policy,
            hook: self.hook,
            attempt_timeout: clamp(self.attempt_timeout),
            total_timeout: clamp(self.total_timeout),
            user_agent,
        })
    }
}
