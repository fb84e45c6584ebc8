//! [`CachedProvider`]: a thread-safe, single-flight credentials cache modelled on the newest Go SDK cache.
//!
//! - **Advisory window**, sized from the credential lifetime (≤ 20 min → 5 min, < 90 min → 15 min, else
//!   60 min), minus jitter: one thread refreshes while the others keep using the still-valid credentials.
//!   A failed advisory refresh keeps the old credentials and backs off (300–600 s, never past the
//!   mandatory window).
//! - **Mandatory window** (1 min before expiry, or the advisory window if smaller): callers wait for the
//!   single refresher; a failure is returned.
//! - Errors are remembered for at most `error_ttl` (default 2 s) so a broken source is not hammered.
//! - Credentials without an expiration are cached for good.

use super::{Credentials, ProvideCredentials};
use crate::Error;
use crate::error::CredentialsError;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use time::OffsetDateTime;

/// A clock: returns "now". Inject one in tests.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The system clock.
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

/// The default advisory window for credentials with the given lifetime.
#[must_use]
pub fn advisory_window_for(lifetime: Duration) -> Duration {
    if lifetime <= Duration::from_secs(20 * 60) {
        Duration::from_secs(5 * 60)
    } else if lifetime < Duration::from_secs(90 * 60) {
        Duration::from_secs(15 * 60)
    } else {
        Duration::from_secs(60 * 60)
    }
}

/// A cheap pseudo-random number in `0..=max` for jitter (not for security).
pub(crate) fn jitter_up_to(max: Duration) -> Duration {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ seed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let nanos = max.as_nanos() as u64;
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(x % (nanos + 1))
}

#[derive(Default)]
struct State {
    creds: Option<Credentials>,
    advisory_at: Option<OffsetDateTime>,
    mandatory_at: Option<OffsetDateTime>,
    refreshing: bool,
    next_attempt: Option<OffsetDateTime>,
    last_error: Option<(String, OffsetDateTime)>,
}

/// Settings of a [`CachedProvider`].
#[derive(Clone)]
struct Settings {
    advisory: Option<Duration>,
    mandatory: Duration,
    jitter: bool,
    backoff: (Duration, Duration),
    error_ttl: Duration,
}

/// Wraps any provider with a thread-safe cache; see the [module docs](self).
///
/// ```
/// use sts_blocking::credentials::CachedProvider;
/// use sts_blocking::{Credentials, ProvideCredentials};
/// use std::sync::Arc;
/// let cached = CachedProvider::new(Arc::new(Credentials::new("AKID", "secret", None)));
/// assert_eq!(cached.provide_credentials().unwrap().access_key_id, "AKID");
/// ```
pub struct CachedProvider {
    inner: Arc<dyn ProvideCredentials>,
    clock: Clock,
    settings: Settings,
    state: Mutex<State>,
    cond: Condvar,
}

impl fmt::Debug for CachedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedProvider")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

fn dur(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

impl CachedProvider {
    /// Caches `inner` with the default windows and the system clock.
    #[must_use]
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        Self {
            inner,
            clock: system_clock(),
            settings: Settings {
                advisory: None,
                mandatory: Duration::from_secs(60),
                jitter: true,
                backoff: (Duration::from_secs(300), Duration::from_secs(600)),
                error_ttl: Duration::from_secs(2),
            },
            state: Mutex::new(State::default()),
            cond: Condvar::new(),
        }
    }

    /// Uses `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A fixed advisory window instead of one sized from the lifetime.
    #[must_use]
    pub fn advisory_window(mut self, window: Duration) -> Self {
        self.settings.advisory = Some(window);
        self
    }

    /// The mandatory window (default 1 min; capped at the advisory window).
    #[must_use]
    pub fn mandatory_window(mut self, window: Duration) -> Self {
        self.settings.mandatory = window;
        self
    }

    /// Whether to subtract random jitter (up to a tenth of the advisory window) from the refresh time.
    #[must_use]
    pub fn jitter(mut self, on: bool) -> Self {
        self.settings.jitter = on;
        self
    }

    /// The back-off after a failed advisory refresh: a random duration in `min..=max`.
    #[must_use]
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.settings.backoff = (min, max.max(min));
        self
    }

    /// How long an error is remembered (default 2 s; at most a few seconds is sensible).
    #[must_use]
    pub fn error_ttl(mut self, ttl: Duration) -> Self {
        self.settings.error_ttl = ttl;
        self
    }

    /// The wrapped provider.
    #[must_use]
    pub fn inner(&self) -> &Arc<dyn ProvideCredentials> {
        &self.inner
    }

    /// Drops the cached credentials so the next call refreshes.
    pub fn invalidate(&self) {
        let mut st = self.lock();
        st.creds = None;
        st.advisory_at = None;
        st.mandatory_at = None;
        st.next_attempt = None;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn store(&self, st: &mut State, c: &Credentials, now: OffsetDateTime) {
        st.creds = Some(c.clone());
        st.last_error = None;
        st.next_attempt = None;
        match c.expiration {
            None => {
                st.advisory_at = None;
                st.mandatory_at = None;
            }
            Some(exp) => {
                let lifetime = Duration::try_from(exp - now).unwrap_or(Duration::ZERO);
                let advisory = self
                    .settings
                    .advisory
                    .unwrap_or_else(|| advisory_window_for(lifetime));
                let jitter = if self.settings.jitter {
                    jitter_up_to(advisory / 10)
                } else {
                    Duration::ZERO
                };
                let mandatory = self.settings.mandatory.min(advisory);
                st.advisory_at = Some(exp - dur(advisory) - dur(jitter));
                st.mandatory_at = Some(exp - dur(mandatory));
            }
        }
    }

    /// Runs the inner provider with the `refreshing` flag set. The flag is cleared with the lock
    /// held and returned to the caller, who stores the result before releasing it: a waiter woken
    /// by the notification therefore always finds the new credentials (no second refresh). A panic
    /// in the provider clears the flag too.
    fn refresh(
        &self,
        mut st: MutexGuard<'_, State>,
    ) -> (MutexGuard<'_, State>, Result<Credentials, Error>) {
        struct OnPanic<'a>(&'a CachedProvider);
        impl Drop for OnPanic<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.lock().refreshing = false;
                    self.0.cond.notify_all();
                }
            }
        }
        st.refreshing = true;
        drop(st);
        let result = {
            let _guard = OnPanic(self);
            self.inner.provide_credentials()
        };
        let mut st = self.lock();
        st.refreshing = false;
        self.cond.notify_all();
        (st, result)
    }
}

impl ProvideCredentials for CachedProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let mut st = self.lock();
        loop {
            let now = (self.clock)();
            let state_creds = st.creds.clone();
            if let Some(c) = state_creds {
                let advisory_due = st.advisory_at.is_some_and(|t| now >= t);
                let mandatory_due = st.mandatory_at.is_some_and(|t| now >= t);
                if !advisory_due {
                    return Ok(c);
                }
                if !mandatory_due {
                    // Advisory window: at most one refresher; everyone else keeps the valid creds.
                    if st.refreshing || st.next_attempt.is_some_and(|t| now < t) {
                        return Ok(c);
                    }
                    let (mut g, r) = self.refresh(st);
                    let now = (self.clock)();
                    match r {
                        Ok(n) => {
                            self.store(&mut g, &n, now);
                            return Ok(n);
                        }
                        Err(e) => {
                            let (lo, hi) = self.settings.backoff;
                            let mut next = now + dur(lo + jitter_up_to(hi - lo));
                            if let Some(m) = g.mandatory_at {
                                next = next.min(m);
                            }
                            g.next_attempt = Some(next);
                            log::warn!(
                                "credentials refresh from {} failed, keeping the current credentials: {e}",
                                self.inner.source_name()
                            );
                            return Ok(c);
                        }
                    }
                }
            }
            // No credentials, or inside the mandatory window: wait for a refresher or become one.
            if st.refreshing {
                st = self
                    .cond
                    .wait(st)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            if let Some((msg, until)) = &st.last_error
                && now < *until
            {
                return Err(CredentialsError::new(
                    self.inner.source_name(),
                    format!("failed moments ago (not retried yet): {msg}"),
                )
                .into());
            }
            let (mut g, r) = self.refresh(st);
            let now = (self.clock)();
            return match r {
                Ok(n) => {
                    self.store(&mut g, &n, now);
                    Ok(n)
                }
                Err(e) => {
                    g.last_error = Some((e.to_string(), now + dur(self.settings.error_ttl)));
                    Err(e)
                }
            };
        }
    }

    fn source_name(&self) -> String {
        self.inner.source_name()
    }
}
