//! [`Call`]: one call's life as a state machine. [`Call::poll`] says what to do next,
//! [`Call::on_response`] takes what happened; time is passed in.
//!
//! The generic [`Call`] only encodes and decodes; the life itself ([`Core`]) is compiled once, not
//! once per operation.

use super::http::{MAX_HEADERS, Request, Response};
use super::{AttemptRecord, Engine, Now, RetryDecision, Target};
use crate::clock::parse_http_date;
use crate::credentials::Credentials;
use crate::error::{CredentialsError, Error, TimeoutPhase};
use crate::ops::Operation;
use crate::ops::{Decoded, decode_response};
use crate::retry::{RetryKind, classify};
use crate::sigv4::{self, SigningParams, Texts};
use std::fmt::{self, Write as _};
use std::time::{Duration, Instant};

/// The form content type every STS request carries.
pub(crate) const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// What the driver does next.
///
/// Deliberately exhaustive: a driver must handle every step, and a new one would change what
/// drivers have to do.
// A request is ~300 bytes moved once per attempt and matched at once; boxing it would cost an
// allocation per attempt instead.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Next<'a, T> {
    /// Send this request within [`Request::timeout`], then call [`Call::on_response`]. Until then,
    /// polling returns the same request.
    Send(Request<'a>),
    /// Sleep this long (a backoff, or the adaptive rate limiter's pacing), then poll again.
    Wait(Duration),
    /// The call succeeded: the decoded output and its request id.
    Done(T),
    /// The call failed: the last attempt's error, its server text cleaned of the request's secrets;
    /// or [`Error::Timeout`] with [`TimeoutPhase::Total`] when the total timeout ran out between
    /// attempts.
    Failed(Error),
}

/// One call of operation `O`: validated and encoded by [`Call::new`], driven by [`Call::poll`] and
/// [`Call::on_response`]. See the [module docs](crate::engine).
pub struct Call<'a, O: Operation> {
    op: &'a O,
    core: Core<'a>,
    output: Option<Decoded<O::Output>>,
}

impl<O: Operation> fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("action", &O::ACTION)
            .field("attempt", &self.core.attempt)
            .field("stage", &self.core.stage)
            .finish_non_exhaustive()
    }
}

impl<'a, O: Operation> Call<'a, O> {
    /// Validates and encodes `op` for `engine`; `now` starts the total timeout. `credentials` sign
    /// the request (unsigned operations ignore them).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `op` breaks a model constraint; for a signed operation,
    /// [`Error::NoRegion`] when the engine cannot sign
    /// ([`EngineBuilder::require_region_to_sign`](super::EngineBuilder::require_region_to_sign)),
    /// then [`Error::Credentials`] without credentials (botocore's order). Nothing is sent.
    pub fn new(
        engine: &'a Engine,
        op: &'a O,
        credentials: Option<&'a Credentials>,
        now: Now,
    ) -> Result<Self, Error> {
        let body = op.to_form()?.into_string();
        if O::SIGNED {
            engine.check_signing_region()?;
        }
        if O::SIGNED && credentials.is_none() {
            return Err(CredentialsError::new(
                "none",
                format!("{} is signed and no credentials were given", O::ACTION),
            )
            .into());
        }
        Ok(Self::with_body(engine, op, body, credentials, now))
    }

    /// As [`Call::new`] with the body already encoded by `op.to_form()`. A signed operation given no
    /// credentials is sent unsigned (the AWS CLI's `--no-sign-request`).
    pub(crate) fn with_body(
        engine: &'a Engine,
        op: &'a O,
        body: String,
        credentials: Option<&'a Credentials>,
        now: Now,
    ) -> Self {
        let credentials = if O::SIGNED { credentials } else { None };
        let mut core = Core::new(engine, O::ACTION, body, credentials, now);
        // An operation of another service (IAM's) never goes to this engine's endpoint.
        if O::SERVICE != core.target.endpoint.signing_name {
            core.error = Some(Error::config(format!(
                "{} is an operation of the {} service, and this client sends to {}",
                O::ACTION,
                O::SERVICE,
                core.target.endpoint.signing_name
            )));
        }
        Self {
            op,
            core,
            output: None,
        }
    }

    /// What to do next, at `now`.
    pub fn poll(&mut self, now: Now) -> Next<'_, Decoded<O::Output>> {
        match self.core.poll(now) {
            Step::Send => Next::Send(self.core.request()),
            Step::Wait(d) => Next::Wait(d),
            Step::Done => match self.output.take() {
                Some(decoded) => Next::Done(decoded),
                None => Next::Failed(Error::config("internal: no output decoded")),
            },
            Step::Failed(e) => Next::Failed(e),
        }
    }

    /// Takes the outcome of the request [`Call::poll`] returned: the response, or the transport's
    /// error ([`Error::Transport`], [`Error::Timeout`], [`Error::BodyTooLarge`]), at `now` (when the
    /// response was read). Ignored when no request is in flight.
    pub fn on_response(&mut self, result: Result<Response<'_>, Error>, now: Now) {
        let op = self.op;
        let credentials = self.core.credentials;
        let output = &mut self.output;
        self.core.on_response(
            result,
            now,
            &mut |status, body, header_id| {
                *output = Some(decode_response::<O>(status, body, header_id)?);
                Ok(())
            },
            &|e| clean(op, credentials, e),
        );
    }

    /// The 1-based number of the current (or last) attempt; 0 before the first.
    #[must_use]
    pub fn attempt(&self) -> u32 {
        self.core.attempt
    }
}

/// A failed attempt's error without any secret the request carried (the operation's, the session
/// token). Runs on the error path only.
fn clean<O: Operation>(op: &O, credentials: Option<&Credentials>, e: Error) -> Error {
    let mut secrets: Vec<&str> = Vec::new();
    op.secrets(&mut |s| secrets.push(s));
    if let Some(t) = credentials.and_then(|c| c.session_token.as_ref()) {
        secrets.push(t.expose());
    }
    crate::redact::clean_error(e, &secrets)
}

/// Decodes a response (status, body, `x-amzn-RequestId`) into the output the caller keeps.
type Decoder<'a> = dyn FnMut(u16, &[u8], Option<&str>) -> Result<(), Error> + 'a;

/// Where the call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// An attempt starts at the next poll.
    Start,
    /// The adaptive limiter's token is taken; send at this instant.
    Pacing(Instant),
    /// The request went out at this instant; waiting for its response.
    InFlight(Instant),
    /// Backing off until this instant, then the next attempt.
    Backoff(Instant),
    /// Decoded; the next poll returns it.
    Succeeded,
    /// No more attempts: the next poll returns the kept error, if there is one, and every poll
    /// after that says the call is over.
    Over,
}

/// What [`Core::poll`] decided.
enum Step {
    Send,
    Wait(Duration),
    Done,
    Failed(Error),
}

/// Why a failed attempt is retried besides the classification.
#[derive(Debug, Clone, Copy)]
enum Hint {
    RetryAfter(Duration),
    Skew,
}

/// The non-generic life of a call.
struct Core<'a> {
    engine: &'a Engine,
    target: &'a Target,
    action: &'static str,
    body: String,
    credentials: Option<&'a Credentials>,
    deadline: Option<Instant>,
    max: u32,
    invocation: Text<36>,
    attempt: u32,
    skew_retried: bool,
    acquired: Option<u32>,
    stage: Stage,
    /// The error that ended the call, until a poll returns it.
    error: Option<Error>,
    // The attempt in flight.
    request_header: Text<40>,
    /// The attempt's `x-amz-date` and `authorization`, when signed (with credentials).
    amz_date: Text<20>,
    authorization: String,
    timeout: Duration,
    record_creq: String,
    record_sts: String,
}

impl<'a> Core<'a> {
    fn new(
        engine: &'a Engine,
        action: &'static str,
        body: String,
        credentials: Option<&'a Credentials>,
        now: Now,
    ) -> Self {
        Self {
            engine,
            target: engine.target_for(action),
            action,
            body,
            credentials,
            // The timeouts are clamped to MAX_TIMEOUT; a platform whose clock still cannot add that
            // much gets a deadline it never reaches.
            deadline: now.instant.checked_add(engine.total_timeout),
            max: engine.retry.max_attempts.max(1),
            invocation: invocation_id(engine),
            attempt: 0,
            skew_retried: false,
            acquired: None,
            stage: Stage::Start,
            error: None,
            request_header: Text::new(),
            amz_date: Text::new(),
            authorization: String::new(),
            timeout: Duration::ZERO,
            record_creq: String::new(),
            record_sts: String::new(),
        }
    }

    fn remaining(&self, now: Instant) -> Duration {
        self.deadline.map_or(self.engine.total_timeout, |d| {
            d.saturating_duration_since(now)
        })
    }

    fn total_timeout(&self) -> Error {
        Error::Timeout {
            phase: TimeoutPhase::Total,
            limit: Some(self.engine.total_timeout),
        }
    }

    fn fail(&mut self, e: Error) -> Step {
        self.stage = Stage::Over;
        Step::Failed(e)
    }

    fn poll(&mut self, now: Now) -> Step {
        if let Some(e) = self.error.take() {
            return self.fail(e);
        }
        match self.stage {
            Stage::Start => self.begin(now),
            Stage::Pacing(until) | Stage::Backoff(until) if now.instant < until => {
                Step::Wait(until - now.instant)
            }
            Stage::Pacing(_) => self.send(now),
            Stage::Backoff(_) => self.begin(now),
            Stage::InFlight(_) => Step::Send,
            Stage::Succeeded => {
                self.stage = Stage::Over;
                Step::Done
            }
            Stage::Over => Step::Failed(Error::config(
                "the call is over: it was polled after Done or Failed",
            )),
        }
    }

    /// Starts an attempt: the deadline, then the adaptive limiter.
    fn begin(&mut self, now: Now) -> Step {
        self.attempt = self.attempt.saturating_add(1);
        let remaining = self.remaining(now.instant);
        if remaining.is_zero() {
            let e = self.total_timeout();
            return self.fail(e);
        }
        if let Some(wait) = self.engine.rate_limit_wait(now.instant) {
            let until = now.instant.checked_add(wait);
            let Some(until) = until.filter(|_| wait < remaining) else {
                let e = self.total_timeout();
                return self.fail(e);
            };
            log::debug!("adaptive retry mode: waiting {wait:?} before sending");
            self.stage = Stage::Pacing(until);
            return Step::Wait(wait);
        }
        self.send(now)
    }

    /// Signs the attempt's request at `now`.
    fn send(&mut self, now: Now) -> Step {
        let remaining = self.remaining(now.instant);
        if remaining.is_zero() {
            let e = self.total_timeout();
            return self.fail(e);
        }
        let engine = self.engine;
        self.timeout = engine.attempt_timeout.min(remaining);
        self.request_header = Text::new();
        // At most 34 bytes: two u32s and 14 of text.
        let _ = write!(
            self.request_header,
            "attempt={}; max={}",
            self.attempt, self.max
        );
        if let Some(c) = self.credentials {
            let signing_time = engine.clock.apply(now.wall);
            let endpoint = &self.target.endpoint;
            let params = SigningParams::from_credentials(
                c,
                &endpoint.signing_region,
                endpoint.signing_name,
                signing_time,
            );
            self.amz_date = Text::new();
            sigv4::write_amz_date(&mut self.amz_date, signing_time);
            let trace = log::log_enabled!(log::Level::Trace);
            let texts = engine.hook.is_some() || trace;
            let (mut creq, mut sts) = (String::new(), String::new());
            self.authorization = self.target.signer.sign(
                &params,
                self.amz_date.as_str(),
                self.body.as_bytes(),
                &engine.keys,
                texts.then_some(Texts {
                    canonical_request: &mut creq,
                    string_to_sign: &mut sts,
                }),
            );
            self.record_creq = if texts {
                redact_token(&creq, c)
            } else {
                String::new()
            };
            if trace {
                log::trace!(
                    "{} canonical request (token redacted):\n{}",
                    self.action,
                    self.record_creq
                );
            }
            self.record_sts = if engine.hook.is_some() {
                sts
            } else {
                String::new()
            };
        }
        self.stage = Stage::InFlight(now.instant);
        Step::Send
    }

    /// The request of the attempt in flight.
    fn request(&self) -> Request<'_> {
        let mut headers = [("", ""); MAX_HEADERS];
        let mut len = 0;
        let mut push = |name: &'static str, value| {
            if let Some(slot) = headers.get_mut(len) {
                *slot = (name, value);
                len += 1;
            }
        };
        push("content-type", CONTENT_TYPE);
        if let Some(c) = self.credentials {
            push("x-amz-date", self.amz_date.as_str());
            if let Some(t) = &c.session_token {
                push("x-amz-security-token", t.expose());
            }
            push("authorization", &self.authorization);
        }
        push("amz-sdk-invocation-id", self.invocation.as_str());
        push("amz-sdk-request", self.request_header.as_str());
        push("user-agent", &self.engine.user_agent);
        Request {
            url: &self.target.full,
            headers,
            len,
            body: self.body.as_bytes(),
            timeout: self.timeout,
        }
    }

    /// The outcome of the attempt in flight: decode, classify, correct the clock, decide.
    fn on_response(
        &mut self,
        result: Result<Response<'_>, Error>,
        now: Now,
        decode: &mut Decoder<'_>,
        clean: &dyn Fn(Error) -> Error,
    ) {
        let Stage::InFlight(sent) = self.stage else {
            log::debug!(
                "{}: a response with no request in flight, ignored",
                self.action
            );
            return;
        };
        let engine = self.engine;
        let (action, attempt, max) = (self.action, self.attempt, self.max);
        let elapsed = now.instant.saturating_duration_since(sent);
        let result = match result {
            Ok(resp) => self.interpret(&resp, now, decode),
            Err(e) => Err((e, None)),
        }
        .map_err(|(e, hint)| (clean(e), hint));
        log::debug!(
            "{} attempt {attempt}/{max} to {}: {} in {elapsed:?}",
            action,
            self.target.url.host,
            match &result {
                Ok(status) => format!("HTTP {status}"),
                Err((e, _)) =>
                    status_of(e).map_or_else(|| "failed".to_owned(), |s| format!("HTTP {s}")),
            }
        );
        if let Some(hook) = &engine.hook {
            hook(&AttemptRecord {
                action,
                attempt,
                max_attempts: max,
                url: self.target.full.clone(),
                canonical_request: std::mem::take(&mut self.record_creq),
                string_to_sign: std::mem::take(&mut self.record_sts),
                status: match &result {
                    Ok(s) => Some(*s),
                    Err((e, _)) => status_of(e),
                },
                elapsed,
                error: result.as_ref().err().map(|(e, _)| e.to_string()),
            });
        }
        engine.rate_limit_record(
            now.instant,
            match &result {
                Ok(_) => false,
                Err((e, _)) => classify(e) == Some(RetryKind::Throttling),
            },
        );
        match result {
            Ok(_) => {
                engine
                    .bucket
                    .release(self.acquired.unwrap_or(engine.retry.success_refund));
                self.stage = Stage::Succeeded;
            }
            Err((error, hint)) => self.after_failure(error, hint, now.instant),
        }
    }

    /// A failed attempt: the skew retry, the user policy, the classification, the attempts, the
    /// quota, the backoff and the deadline decide whether another attempt follows.
    fn after_failure(&mut self, error: Error, hint: Option<Hint>, now: Instant) {
        let engine = self.engine;
        let (action, attempt, max) = (self.action, self.attempt, self.max);
        // A skew error with a corrected clock: retry once, outside the quota.
        if matches!(hint, Some(Hint::Skew)) && attempt < max.max(2) {
            self.stage = Stage::Start;
            return;
        }
        let decision = engine
            .policy
            .as_ref()
            .map_or(RetryDecision::Default, |p| p(&error, attempt));
        let kind = match decision {
            RetryDecision::Stop => None,
            RetryDecision::Retry => classify(&error).or(Some(RetryKind::Transient)),
            RetryDecision::Default => classify(&error),
        };
        let Some(kind) = kind else {
            return self.give_up(error);
        };
        if attempt >= max {
            return self.give_up(error);
        }
        let cost = engine.retry.cost(kind);
        if !engine.bucket.acquire(cost) {
            log::debug!("retry quota exhausted; not retrying {action}");
            return self.give_up(error);
        }
        self.acquired = Some(cost);
        let retry_after = match hint {
            Some(Hint::RetryAfter(d)) => Some(d),
            _ => None,
        };
        let delay = engine
            .retry
            .backoff(kind, attempt, engine.random(), retry_after);
        let until = now.checked_add(delay);
        let Some(until) = until.filter(|_| delay < self.remaining(now)) else {
            return self.give_up(error);
        };
        log::debug!("{action} attempt {attempt}/{max} failed ({kind:?}); retrying in {delay:?}");
        self.stage = Stage::Backoff(until);
    }

    /// Ends the call with `error` (returned by the next poll).
    fn give_up(&mut self, error: Error) {
        self.error = Some(error);
        self.stage = Stage::Over;
    }

    /// Turns a response into the output (kept by the decoder) and its status, or an error with a
    /// retry hint; updates the clock offset.
    fn interpret(
        &mut self,
        resp: &Response<'_>,
        now: Now,
        decode: &mut Decoder<'_>,
    ) -> Result<u16, (Error, Option<Hint>)> {
        let status = resp.status();
        if (300..400).contains(&status) {
            return Err((
                Error::Redirect {
                    status,
                    location: resp.header("location").map(|l| crate::error::cut(l, 256)),
                },
                None,
            ));
        }
        let request_id = resp
            .header("x-amzn-requestid")
            .or_else(|| resp.header("x-amz-request-id"));
        match decode(status, resp.body(), request_id) {
            Ok(()) => Ok(status),
            Err(e) => {
                let mut hint = resp
                    .header("x-amz-retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|ms| Hint::RetryAfter(Duration::from_millis(ms)));
                let clock = &self.engine.clock;
                let skew_code = e.service_error().is_some_and(|s| s.code.is_clock_skew());
                if skew_code
                    && !self.skew_retried
                    && let Some(server) = resp.header("date").and_then(parse_http_date)
                    && clock.observe(server, now.wall)
                {
                    log::warn!(
                        "clock skew of {} ms corrected from the server's Date header",
                        clock.millis()
                    );
                    self.skew_retried = true;
                    hint = Some(Hint::Skew);
                }
                Err((e, hint))
            }
        }
    }
}

/// A version-4 UUID from the engine's generator (`8-4-4-4-12` lower-case hex), on the stack.
fn invocation_id(engine: &Engine) -> Text<36> {
    // Straight from the generator: through an f64 (53 bits) the low 11 bits of each half were
    // always zero (ids like `…-4000-8…-…c000`).
    let a = engine.random_u64();
    let b = engine.random_u64();
    let variant = 8 | (b & 3);
    let mut id = Text::new();
    // Exactly 36 bytes.
    let _ = write!(
        id,
        "{:08x}-{:04x}-4{:03x}-{variant:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    );
    id
}

/// A short text in a fixed buffer: what a header value needs, without the heap. Writing past
/// the end fails (and writes nothing of that piece).
#[derive(Clone, Copy)]
pub(crate) struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only whole `str`s are ever copied in, so this is always UTF-8.
        self.buf
            .get(..self.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl<const N: usize> fmt::Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let slot = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<const N: usize> fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The HTTP status an error carries, if a response arrived.
fn status_of(e: &Error) -> Option<u16> {
    match e {
        Error::Service(s) => Some(s.status),
        Error::InvalidResponse { status, .. } | Error::Redirect { status, .. } => Some(*status),
        _ => None,
    }
}

/// The canonical request with the session token replaced, as sent and in its canonical form
/// (trimmed, inner whitespace runs collapsed: what SigV4 puts in the canonical request).
fn redact_token(canonical: &str, c: &Credentials) -> String {
    let Some(t) = c.session_token.as_ref().map(crate::SecretString::expose) else {
        return canonical.to_owned();
    };
    // The canonical request holds the token as signed: its words joined by single spaces.
    let normalised = t.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    if normalised.is_empty() {
        canonical.to_owned()
    } else {
        canonical.replace(&normalised, "** redacted **")
    }
}
