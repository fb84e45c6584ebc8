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
//! - **Credentials that arrive already due** (expired, or inside the mandatory window: a host clock
//!   ahead of the issuer's, or a source serving stale keys) count as a failed refresh: with valid
//!   credentials still cached, those are kept and the refresh backs off; otherwise the new ones are
//!   used, with a `log::warn!` naming their expiration, and the source is not asked again before
//!   the back-off (300–600 s) has passed, or before they expire if that is sooner. aws-config and
//!   the Go SDK fetch again on every call in that case (an `AssumeRole` per request on a skewed
//!   host); botocore raises an error. [`CachedProvider::invalidate`] forces the next call to
//!   refresh.
//! - All window arithmetic is on durations between the expiration and "now", saturating: no
//!   expiration (year -9999 or 9999) and no setting (`Duration::MAX`) can make it overflow.

use crate::Error;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::error::CredentialsError;
use crate::random::jitter_up_to;
use std::fmt;
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

#[derive(Default)]
struct State {
    creds: Option<Credentials>,
    /// Refresh in the background once `expiration - now` is at most this (window + jitter).
    advisory: time::Duration,
    /// Callers wait for a refresh once `expiration - now` is at most this.
    mandatory: time::Duration,
    refreshing: bool,
    /// No refresh before `since + wait` (a failed or stale refresh): `(since, wait)`.
    hold: Option<(OffsetDateTime, time::Duration)>,
    /// The last error, when, and for how long it is remembered.
    last_error: Option<(String, OffsetDateTime, time::Duration)>,
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

/// Wraps any provider with a thread-safe, single-flight credentials cache modelled on the newest Go SDK cache.
///
/// - **Advisory window**, sized from the credential lifetime (≤ 20 min → 5 min, < 90 min → 15 min, else
///   60 min), minus jitter: one thread refreshes while the others keep using the still-valid credentials.
///   A failed advisory refresh keeps the old credentials and backs off (300–600 s, never past the
///   mandatory window).
/// - **Mandatory window** (1 min before expiry, or the advisory window if smaller): callers wait for the
///   single refresher; a failure is returned.
/// - Errors are remembered for at most `error_ttl` (default 2 s) so a broken source is not hammered.
/// - Credentials without an expiration are cached for good.
/// - **Credentials that arrive already due** (expired, or inside the mandatory window: a host clock
///   ahead of the issuer's, or a source serving stale keys) count as a failed refresh: with valid
///   credentials still cached, those are kept and the refresh backs off; otherwise the new ones are
///   used, with a `log::warn!` naming their expiration, and the source is not asked again before
///   the back-off (300–600 s) has passed, or before they expire if that is sooner. aws-config and
///   the Go SDK fetch again on every call in that case (an `AssumeRole` per request on a skewed
///   host); botocore raises an error. [`CachedProvider::invalidate`] forces the next call to
///   refresh.
/// - All window arithmetic is on durations between the expiration and "now", saturating: no
///   expiration (year -9999 or 9999) and no setting (`Duration::MAX`) can make it overflow.
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

/// A `std` duration as a `time` one, saturating.
fn dur(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// Whether `since + wait` is still ahead of `now` (a clock that went back counts as ahead).
fn within(now: OffsetDateTime, since: OffsetDateTime, wait: time::Duration) -> bool {
    now - since < wait
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

    /// The back-off after a failed advisory refresh, or a refresh that brought credentials already
    /// due: a random duration in `min..=max`.
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
        st.hold = None;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn backoff_duration(&self) -> time::Duration {
        let (lo, hi) = self.settings.backoff;
        dur(lo.saturating_add(jitter_up_to(hi.saturating_sub(lo))))
    }

    fn store(&self, st: &mut State, c: &Credentials, now: OffsetDateTime) {
        st.creds = Some(c.clone());
        st.last_error = None;
        st.hold = None;
        if let Some(exp) = c.expiration {
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
            st.advisory = dur(advisory).saturating_add(dur(jitter));
            st.mandatory = dur(self.settings.mandatory.min(advisory));
        }
    }

    /// How long credentials fetched at `now` that are already due (expired, or inside the
    /// mandatory window) are used before the source is asked again: the back-off, or until they
    /// expire if that is sooner. `None` when they are not due.
    fn stale_wait(
        &self,
        st: &State,
        c: &Credentials,
        now: OffsetDateTime,
    ) -> Option<time::Duration> {
        let remaining = c.expiration? - now;
        if remaining > st.mandatory {
            return None;
        }
        let backoff = self.backoff_duration();
        Some(if remaining > time::Duration::ZERO {
            backoff.min(remaining)
        } else {
            backoff
        })
    }

    fn warn_stale(&self, c: &Credentials, now: OffsetDateTime, wait: time::Duration, kept: bool) {
        let exp = c.expiration.map_or_else(String::new, |e| e.to_string());
        let state = if c.is_expired_at(now) {
            "already expired"
        } else {
            "about to expire"
        };
        let what = if kept {
            "keeping the current credentials"
        } else {
            "using them anyway"
        };
        log::warn!(
            "credentials from {} are {state} (expiration {exp}, now {now}: is the clock right?); \
             {what} and not asking again for {wait}",
            self.inner.source_name()
        );
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
                let remaining = c.expiration.map(|e| e - now);
                let advisory_due = remaining.is_some_and(|r| r <= st.advisory);
                let mandatory_due = remaining.is_some_and(|r| r <= st.mandatory);
                let held = st
                    .hold
                    .is_some_and(|(since, wait)| within(now, since, wait));
                if !advisory_due || (mandatory_due && held) {
                    return Ok(c);
                }
                if !mandatory_due {
                    // Advisory window: at most one refresher; everyone else keeps the valid creds.
                    if st.refreshing || held {
                        return Ok(c);
                    }
                    let (mut g, r) = self.refresh(st);
                    let now = (self.clock)();
                    // Back off, but never into the mandatory window of the credentials kept.
                    let until_mandatory = c.expiration.map_or(time::Duration::MAX, |e| {
                        (e - now).saturating_sub(g.mandatory)
                    });
                    let wait = self.backoff_duration().min(until_mandatory);
                    match r {
                        Ok(n) if n.expiration.is_some_and(|e| e - now <= g.mandatory) => {
                            g.hold = Some((now, wait));
                            self.warn_stale(&n, now, wait, true);
                            return Ok(c);
                        }
                        Ok(n) => {
                            self.store(&mut g, &n, now);
                            return Ok(n);
                        }
                        Err(e) => {
                            g.hold = Some((now, wait));
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
            if let Some((msg, at, ttl)) = &st.last_error
                && within(now, *at, *ttl)
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
                    if let Some(wait) = self.stale_wait(&g, &n, now) {
                        g.hold = Some((now, wait));
                        self.warn_stale(&n, now, wait, false);
                    }
                    Ok(n)
                }
                Err(e) => {
                    g.last_error = Some((e.to_string(), now, dur(self.settings.error_ttl)));
                    Err(e)
                }
            };
        }
    }

    fn source_name(&self) -> String {
        self.inner.source_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use time::{Date, PrimitiveDateTime, Time, UtcOffset};

    type Expiry = Box<dyn Fn(OffsetDateTime) -> OffsetDateTime + Send>;

    /// Returns credentials expiring at `exp(now)` of the shared clock, counting calls.
    struct Source {
        exp: Mutex<Expiry>,
        now: Arc<Mutex<OffsetDateTime>>,
        calls: AtomicUsize,
    }

    impl std::fmt::Debug for Source {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Source")
        }
    }

    impl ProvideCredentials for Source {
        fn provide_credentials(&self) -> Result<Credentials, Error> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            let now = *self.now.lock().unwrap();
            let exp = (self.exp.lock().unwrap())(now);
            Ok(Credentials::new(format!("AKID{n}"), "s", None).with_expiration(exp))
        }
    }

    fn setup(
        start: OffsetDateTime,
        exp: impl Fn(OffsetDateTime) -> OffsetDateTime + Send + 'static,
    ) -> (Arc<Source>, Arc<Mutex<OffsetDateTime>>, CachedProvider) {
        let now = Arc::new(Mutex::new(start));
        let source = Arc::new(Source {
            exp: Mutex::new(Box::new(exp)),
            now: now.clone(),
            calls: AtomicUsize::new(0),
        });
        let clock = now.clone();
        let cache = CachedProvider::new(source.clone())
            .clock(Arc::new(move || *clock.lock().unwrap()))
            .jitter(false)
            .backoff(Duration::from_secs(300), Duration::from_secs(300));
        (source, now, cache)
    }

    fn extremes() -> Vec<OffsetDateTime> {
        let min = PrimitiveDateTime::new(Date::MIN, Time::MIDNIGHT);
        let max = PrimitiveDateTime::new(Date::MAX, Time::from_hms(23, 59, 59).unwrap());
        let east = UtcOffset::from_hms(23, 59, 59).unwrap();
        let west = UtcOffset::from_hms(-23, -59, -59).unwrap();
        vec![
            min.assume_utc(),
            max.assume_utc(),
            min.assume_offset(east),
            max.assume_offset(west),
            OffsetDateTime::UNIX_EPOCH,
        ]
    }

    /// Item 3 of the hardening issue: an SSO expiration of -377705116800000 ms (year -9999)
    /// panicked in the refresh-window arithmetic.
    #[test]
    fn extreme_expirations_and_clocks_never_panic() {
        for exp in extremes() {
            for clock in extremes() {
                let (_, now, cache) = setup(clock, move |_| exp);
                for c in [
                    cache,
                    setup(clock, move |_| exp)
                        .2
                        .advisory_window(Duration::MAX)
                        .mandatory_window(Duration::MAX)
                        .backoff(Duration::MAX, Duration::MAX)
                        .error_ttl(Duration::MAX)
                        .jitter(true),
                ] {
                    for at in extremes() {
                        *now.lock().unwrap() = at;
                        let _ = c.provide_credentials();
                    }
                }
            }
        }
        assert!(jitter_up_to(Duration::MAX) <= Duration::MAX);
    }

    /// Item 13: credentials that are already expired when they arrive (a host clock ahead of the
    /// issuer's) were fetched again on every call.
    #[test]
    fn expired_on_arrival_backs_off_instead_of_fetching_every_call() {
        let t0 = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let (source, now, cache) = setup(t0, |now| now - time::Duration::hours(1));
        for _ in 0..1000 {
            let c = cache.provide_credentials().unwrap();
            assert_eq!(c.access_key_id, "AKID1");
            // Handed out with their real expiration: the caller can see they are past it.
            assert!(c.is_expired_at(t0));
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        *now.lock().unwrap() = t0 + time::Duration::seconds(299);
        cache.provide_credentials().unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        *now.lock().unwrap() = t0 + time::Duration::seconds(301);
        assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID2");
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    /// Credentials that arrive inside the mandatory window are used until they expire, not fetched
    /// again on every call.
    #[test]
    fn nearly_expired_on_arrival_is_used_until_expiry() {
        let t0 = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let (source, now, cache) = setup(t0, |now| now + time::Duration::seconds(30));
        for _ in 0..100 {
            assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        *now.lock().unwrap() = t0 + time::Duration::seconds(31);
        assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID2");
    }

    /// An advisory refresh that brings back expired credentials keeps the still-valid ones and
    /// backs off, as a failed refresh does.
    #[test]
    fn expired_refresh_keeps_the_valid_credentials() {
        let t0 = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let (source, now, cache) = setup(t0, |now| now + time::Duration::minutes(10));
        assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID1");
        *source.exp.lock().unwrap() = Box::new(|now| now - time::Duration::hours(1));
        *now.lock().unwrap() = t0 + time::Duration::minutes(6);
        for _ in 0..100 {
            assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }
}
