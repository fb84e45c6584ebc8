//! [`ImdsProvider`]: EC2 instance-role credentials over IMDSv2.
//!
//! `PUT /latest/api/token` (`x-aws-ec2-metadata-token-ttl-seconds: 21600`), then
//! `GET /latest/meta-data/iam/security-credentials/` for the role name and `GET .../<role>` for the
//! credentials (the role name percent-encoded into one path segment; `.` and `..` are refused),
//! each with `x-aws-ec2-metadata-token`. The token is reused for 6 h − 2 min by both the monotonic
//! and the wall clock (a suspended machine's monotonic clock stands still); a 401 on either `GET`
//! drops it, fetches a new one and retries once, as botocore and aws-config do. 1 s connect and 1 s read timeouts, 3 attempts for
//! timeouts, dropped connections and 5xx (a refused connection is not retried), no proxy. A 403 on the token request means IMDS is disabled: no IMDSv1
//! fallback unless [`ImdsProvider::allow_v1_fallback`] is set (and then only for other token failures).
//!
//! Static stability: when IMDS fails after a success, or returns credentials that have already expired,
//! the last credentials are served with their expiration pushed 5–10 minutes into the future, with a
//! `log::warn!`.

use crate::Error;
use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::CredentialsError;
use crate::profile::Section;
use crate::random::jitter_up_to;
use crate::settings::property::{
    CA_BUNDLE, IMDS_ATTEMPTS, IMDS_DISABLED, IMDS_ENDPOINT, IMDS_ENDPOINT_MODE, IMDS_TIMEOUT,
};
use crate::transport::{Endpoint, Method, PlainHttp, Request, Transport, TransportConfig};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The IPv4 endpoint.
pub const IPV4_ENDPOINT: &str = "http://169.254.169.254";
/// The IPv6 endpoint.
pub const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";
const TOKEN_TTL: u64 = 21_600;
/// The start of the error for an instance without a role (the chain treats it as "not available").
pub(crate) const NO_ROLE: &str = "no IAM role is attached to this instance";
/// The start of the error for a refused token request: IMDS is turned off on the instance, or this
/// is no instance (the chain treats it as "not available", as the AWS CLI does).
pub(crate) const FORBIDDEN: &str = "request forbidden";

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("imds", message).into()
}

/// Chooses the IMDS base URL: an explicit endpoint (`endpoint_override`, then
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, then the profile's `ec2_metadata_service_endpoint`) wins over
/// the endpoint mode (`mode_override`, then `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`, then the profile's
/// `ec2_metadata_service_endpoint_mode`; `IPv4` or `IPv6`, case-insensitive).
///
/// # Errors
/// [`Error::Config`] for an invalid endpoint or mode.
pub fn resolve_endpoint(
    env: &Env,
    profile: Option<&Section>,
    endpoint_override: Option<&str>,
    mode_override: Option<&str>,
) -> Result<String, Error> {
    let endpoint = match endpoint_override {
        Some(e) => Some(e.to_owned()),
        None => IMDS_ENDPOINT.get(env, profile)?,
    };
    if let Some(e) = endpoint {
        let valid = e.split_once("://").is_some_and(|(s, rest)| {
            matches!(s, "http" | "https")
                && !rest.is_empty()
                && !rest.starts_with('/')
                && rest.bytes().all(|b| b.is_ascii_graphic())
        });
        if !valid {
            return Err(Error::config(format!(
                "invalid IMDS endpoint `{e}`: invalid uri character or missing scheme/host"
            )));
        }
        return Ok(e.trim_end_matches('/').to_owned());
    }
    let mode = match mode_override {
        Some(m) => Some(m.to_owned()),
        None => IMDS_ENDPOINT_MODE.get(env, profile)?,
    };
    match mode {
        None => Ok(IPV4_ENDPOINT.to_owned()),
        Some(m) if m.eq_ignore_ascii_case("ipv4") => Ok(IPV4_ENDPOINT.to_owned()),
        Some(m) if m.eq_ignore_ascii_case("ipv6") => Ok(IPV6_ENDPOINT.to_owned()),
        Some(m) => Err(Error::config(format!(
            "`{m}` is not a valid endpoint mode (expected IPv4 or IPv6)"
        ))),
    }
}

/// Whether `AWS_EC2_METADATA_DISABLED` is `true`.
#[must_use]
pub fn is_disabled(env: &Env) -> bool {
    IMDS_DISABLED.on(env, None)
}

/// EC2 instance-role credentials over IMDSv2.
///
/// `PUT /latest/api/token` (`x-aws-ec2-metadata-token-ttl-seconds: 21600`), then
/// `GET /latest/meta-data/iam/security-credentials/` for the role name and `GET .../<role>` for the
/// credentials (the role name percent-encoded into one path segment; `.` and `..` are refused),
/// each with `x-aws-ec2-metadata-token`. The token is reused for 6 h − 2 min by both the monotonic
/// and the wall clock (a suspended machine's monotonic clock stands still); a 401 on either `GET`
/// drops it, fetches a new one and retries once, as botocore and aws-config do. 1 s connect and 1 s read timeouts, 3 attempts for
/// timeouts, dropped connections and 5xx (a refused connection is not retried), no proxy. A 403 on the token request means IMDS is disabled: no IMDSv1
/// fallback unless [`ImdsProvider::allow_v1_fallback`] is set (and then only for other token failures).
///
/// Static stability: when IMDS fails after a success, or returns credentials that have already expired,
/// the last credentials are served with their expiration pushed 5–10 minutes into the future, with a
/// `log::warn!`.
///
/// The [`DefaultChain`](crate::credentials::DefaultChain) probes IMDS last, when nothing else is configured;
/// `AWS_EC2_METADATA_DISABLED=true` turns it off.
///
/// ```
/// use sts_blocking::credentials::{Env, ImdsProvider};
/// use std::time::Duration;
/// // Endpoint and mode from AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE) or the profile.
/// let env = Env::from_map([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")]);
/// assert_eq!(ImdsProvider::from_env(&env, None)?.endpoint(), "http://[fd00:ec2::254]");
/// // Or explicitly, with tighter limits than the 1 s timeouts and 3 attempts.
/// let imds = ImdsProvider::new("http://169.254.169.254")
///     .timeouts(Duration::from_millis(500), Duration::from_millis(500))
///     .attempts(1);
/// assert_eq!(imds.endpoint(), "http://169.254.169.254");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
pub struct ImdsProvider {
    endpoint: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    attempts: u32,
    allow_v1: bool,
    clock: Clock,
    token: Mutex<Option<CachedToken>>,
    last: Mutex<Option<Credentials>>,
    transport: TransportConfig,
}

/// A response's status and text body.
struct Reply {
    status: u16,
    body: String,
}

/// An IMDSv2 session token and when to stop using it, by either clock.
struct CachedToken {
    value: crate::SecretString,
    until: Instant,
    until_wall: Option<OffsetDateTime>,
}

/// The credentials path of `role`: one percent-encoded path segment.
fn role_path(base: &str, role: &str) -> Result<String, Error> {
    if role == "." || role == ".." {
        return Err(err(format!(
            "IMDS returned the role name {role:?}, which is not a valid role name"
        )));
    }
    let mut path = base.to_owned();
    for b in role.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            path.push(char::from(b));
        } else {
            path.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(path)
}

impl std::fmt::Debug for ImdsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImdsProvider")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ImdsProvider {
    /// A provider for the base URL `endpoint` (e.g. from [`resolve_endpoint`]).
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            connect_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(1),
            attempts: 3,
            allow_v1: false,
            clock: system_clock(),
            token: Mutex::new(None),
            last: Mutex::new(None),
            transport: TransportConfig::for_provider(&Env::real(), None, Duration::from_secs(1)),
        }
    }

    /// The provider configured by the environment and profile (the settings of
    /// [`crate::settings`], the CA bundle among them).
    ///
    /// # Errors
    /// IMDS disabled by `AWS_EC2_METADATA_DISABLED`, an invalid endpoint setting, or a CA bundle
    /// that is blank or a `~` path without a home directory.
    pub fn from_env(env: &Env, profile: Option<&Section>) -> Result<Self, Error> {
        if is_disabled(env) {
            return Err(err("IMDS is disabled by AWS_EC2_METADATA_DISABLED"));
        }
        let mut p = Self::new(resolve_endpoint(env, profile, None, None)?);
        p.transport =
            TransportConfig::for_provider(env, CA_BUNDLE.get(env, profile)?, p.connect_timeout);
        if let Some(t) = IMDS_TIMEOUT.get(env, profile)?
            && t > 0.0
            && t < 3600.0
        {
            p.connect_timeout = Duration::from_secs_f64(t);
            p.read_timeout = Duration::from_secs_f64(t);
            p.transport.connect_timeout = p.connect_timeout;
        }
        if let Some(n) = IMDS_ATTEMPTS.get(env, profile)?
            && (1.0..=10.0).contains(&n)
            && let Some(k) = (1u32..=10).rev().find(|k| f64::from(*k) <= n)
        {
            p.attempts = k;
        }
        Ok(p)
    }

    /// Overrides the timeouts (default 1 s each).
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.connect_timeout = crate::transport::clamp(connect);
        self.read_timeout = crate::transport::clamp(read);
        self.transport.connect_timeout = self.connect_timeout;
        self
    }

    /// Attempts per request (default 3).
    #[must_use]
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Allows IMDSv1 (no token) when the token request fails with something other than 403.
    #[must_use]
    pub fn allow_v1_fallback(mut self, allow: bool) -> Self {
        self.allow_v1 = allow;
        self
    }

    /// Uses `clock` for static stability decisions.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The base URL.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One request, its body read as text; timeouts are the provider's.
    fn send(
        &self,
        agent: &Transport,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, Error> {
        let endpoint = Endpoint::new(url, PlainHttp::Imds)?;
        let r = agent
            .send(&Request {
                method: if method == "PUT" {
                    Method::Put
                } else {
                    Method::Get
                },
                endpoint: &endpoint,
                headers,
                body: &[],
                timeout: self
                    .connect_timeout
                    .saturating_add(self.read_timeout.saturating_mul(2)),
                read_timeout: Some(self.read_timeout),
            })
            .map_err(crate::transport::provider_timeout)?;
        Ok(Reply {
            status: r.status,
            body: r.text()?.to_owned(),
        })
    }

    /// The transport, after checking the endpoint against the policy (plain http only to
    /// loopback or IMDS's link-local addresses): a refused endpoint is a configuration error.
    fn transport(&self) -> Result<Transport, Error> {
        Endpoint::new(&self.endpoint, PlainHttp::Imds).map_err(|e| match e {
            Error::Transport { message, .. } => Error::config(format!("IMDS endpoint: {message}")),
            other => other,
        })?;
        Transport::new(&self.transport)
    }

    /// One request with retries on transport errors and 5xx.
    fn request(
        &self,
        agent: &Transport,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, Error> {
        let url = format!("{}{path}", self.endpoint);
        let mut last = None;
        for attempt in 0..self.attempts {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
            }
            match self.send(agent, method, &url, headers) {
                Ok(r) if r.status >= 500 => {
                    last = Some(err(format!("{method} {path}: HTTP {}", r.status)));
                }
                Ok(r) => return Ok(r),
                // Nothing accepts connections there (off EC2): retrying cannot help and would
                // only slow a CLI's cold start.
                Err(
                    e @ Error::Transport {
                        kind: crate::error::TransportErrorKind::Connect,
                        ..
                    },
                ) => {
                    return Err(Error::Credentials(CredentialsError {
                        source: Some(Box::new(e)),
                        ..CredentialsError::new("imds", format!("{method} {path} failed"))
                    }));
                }
                Err(e @ Error::Transport { .. }) | Err(e @ Error::Timeout { .. }) => {
                    last = Some(Error::Credentials(CredentialsError {
                        source: Some(Box::new(e)),
                        ..CredentialsError::new("imds", format!("{method} {path} failed"))
                    }));
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| err("no attempt made")))
    }

    fn token(&self, agent: &Transport) -> Result<Option<crate::SecretString>, Error> {
        if let Some(t) = &*self.token.lock().unwrap_or_else(|e| e.into_inner())
            && Instant::now() < t.until
            && t.until_wall.is_some_and(|w| (self.clock)() < w)
        {
            return Ok(Some(t.value.clone()));
        }
        let ttl = TOKEN_TTL.to_string();
        let r = self.request(
            agent,
            "PUT",
            "/latest/api/token",
            &[("x-aws-ec2-metadata-token-ttl-seconds", &ttl)],
        )?;
        match r.status {
            200 => {
                let t = crate::SecretString::new(r.body.trim());
                let life = Duration::from_secs(TOKEN_TTL - 120);
                *self.token.lock().unwrap_or_else(|e| e.into_inner()) = Some(CachedToken {
                    value: t.clone(),
                    until: Instant::now() + life,
                    until_wall: (self.clock)().checked_add(time::Duration::seconds(
                        i64::try_from(TOKEN_TTL - 120).unwrap_or(0),
                    )),
                });
                Ok(Some(t))
            }
            403 => Err(err(format!(
                "{FORBIDDEN}: IMDS is disabled or the token request was refused (HTTP 403)"
            ))),
            s if self.allow_v1 => {
                log::warn!("IMDSv2 token request answered HTTP {s}; falling back to IMDSv1");
                Ok(None)
            }
            s => Err(err(format!(
                "IMDSv2 token request answered HTTP {s} (IMDSv1 fallback is off)"
            ))),
        }
    }

    /// `GET path` with the session token. A 401 means the token was rejected: it is dropped, a new
    /// one fetched and the request sent again, once per [`ImdsProvider::fetch`] (`renewed`).
    fn get(
        &self,
        agent: &Transport,
        path: &str,
        token: &mut Option<crate::SecretString>,
        renewed: &mut bool,
    ) -> Result<Reply, Error> {
        loop {
            let headers: Vec<(&str, &str)> = match token {
                Some(t) => vec![("x-aws-ec2-metadata-token", t.expose())],
                None => Vec::new(),
            };
            let r = self.request(agent, "GET", path, &headers)?;
            if r.status == 401 && token.is_some() && !*renewed {
                log::debug!("IMDS rejected the session token (HTTP 401); fetching a new one");
                *renewed = true;
                *self.token.lock().unwrap_or_else(|e| e.into_inner()) = None;
                *token = self.token(agent)?;
                continue;
            }
            return Ok(r);
        }
    }

    fn fetch(&self) -> Result<Credentials, Error> {
        let agent = self.transport()?;
        let mut token = self.token(&agent)?;
        let mut renewed = false;
        let base = "/latest/meta-data/iam/security-credentials/";
        let r = self.get(&agent, base, &mut token, &mut renewed)?;
        match r.status {
            200 => {}
            404 => {
                return Err(err(format!(
                    "{NO_ROLE} (HTTP 404): the credential provider was not enabled"
                )));
            }
            s => return Err(err(format!("listing the instance role answered HTTP {s}"))),
        }
        let Some(role) = r.body.lines().map(str::trim).find(|l| !l.is_empty()) else {
            return Err(err(format!("{NO_ROLE} (empty role list)")));
        };
        let role = role.to_owned();
        let path = role_path(base, &role)?;
        let r = self.get(&agent, &path, &mut token, &mut renewed)?;
        if r.status != 200 {
            return Err(err(format!(
                "fetching credentials for role {role:?} answered HTTP {}",
                r.status
            )));
        }
        crate::credentials::providers::container::parse_credentials_doc("imds", &r.body).map_err(
            |e| {
                let token = token.as_ref().map_or("", crate::SecretString::expose);
                crate::redact::clean_error(e, &[token])
            },
        )
    }

    fn extend(&self, mut c: Credentials, why: &str) -> Credentials {
        let now = (self.clock)();
        let extra = Duration::from_secs(300) + jitter_up_to(Duration::from_secs(300));
        let extra = time::Duration::try_from(extra).unwrap_or(time::Duration::MINUTE * 5);
        // A clock at the end of time keeps the credentials' own expiration.
        let new_exp = now.checked_add(extra).or(c.expiration).unwrap_or(now);
        log::warn!(
            "IMDS {why}; serving the last credentials (access key {}) with their expiration extended to {new_exp} for static stability",
            c.access_key_id
        );
        c.expiration = Some(new_exp);
        c
    }
}

impl ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        match self.fetch() {
            Ok(c) => {
                *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(c.clone());
                if c.is_expired_at((self.clock)()) {
                    return Ok(self.extend(c, "returned credentials that have already expired"));
                }
                Ok(c)
            }
            Err(e) => {
                let last = self.last.lock().unwrap_or_else(|e| e.into_inner()).clone();
                match last {
                    Some(c) => Ok(self.extend(c, &format!("refresh failed ({e})"))),
                    None => Err(e),
                }
            }
        }
    }

    fn source_name(&self) -> String {
        "imds".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Date, PrimitiveDateTime, Time};

    #[test]
    fn static_stability_at_the_end_of_time_does_not_panic() {
        let last = Time::from_hms(23, 59, 59).unwrap();
        let max = PrimitiveDateTime::new(Date::MAX, last).assume_utc();
        let p = ImdsProvider::new("http://127.0.0.1:9").clock(std::sync::Arc::new(move || max));
        let c = Credentials::new("AKID", "s", None).with_expiration(max);
        assert_eq!(p.extend(c, "test").expiration, Some(max));
    }

    #[test]
    fn role_names_are_one_path_segment() {
        let base = "/latest/meta-data/iam/security-credentials/";
        assert_eq!(
            role_path(base, "a/../b?c#d e").unwrap(),
            format!("{base}a%2F..%2Fb%3Fc%23d%20e")
        );
        assert_eq!(
            role_path(base, "Role-1_x.y~").unwrap(),
            format!("{base}Role-1_x.y~")
        );
        assert!(role_path(base, "..").is_err());
        assert!(role_path(base, ".").is_err());
    }
}
