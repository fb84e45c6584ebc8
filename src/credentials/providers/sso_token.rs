//! [`SsoTokenProvider`]: the bearer token of an `[sso-session]` (the `aws sso login` token cache),
//! refreshed as botocore's `SSOTokenProvider` refreshes it, so SSO profiles keep working past the
//! access token's hour.
//!
//! - Cache file: `~/.aws/sso/cache/<sha1 of the session name>.json` (`accessToken`, `expiresAt`,
//!   and for refresh `refreshToken`, `clientId`, `clientSecret`, `registrationExpiresAt`).
//! - With less than 15 minutes left and a refresh token, client id and secret and an unexpired
//!   registration: SSO-OIDC `CreateToken` (`POST https://oidc.{region}.amazonaws.com/token`,
//!   `grantType=refresh_token`), and the new token is written back atomically (`0600`) in the shape
//!   botocore writes.
//! - Parallel processes (`make -j`, Terraform) refresh one at a time, as refresh tokens are single
//!   use: the refresh holds an advisory lock on `<cache file>.lock` (waiting at most 30 s for
//!   another process), and reads the file again under it, so a process that waited uses the token
//!   the other one wrote. botocore takes no such lock.
//! - A refresh that fails while the token is still valid keeps the token; an expired token is an
//!   error that says to run `aws sso login`.

use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::cli_cache::cache_io;
use crate::credentials::cli_cache::pyjson::{self, Style};
use crate::credentials::cli_cache::sha1::sha1_hex;
use crate::credentials::providers::refresh_lock;
use crate::credentials::providers::token_http::{self, Timeouts};
use crate::env::{Env, Platform};
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::profile::ProfileSet;
use crate::transport::TransportConfig;
use crate::{Error, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// Tokens with less than this left are refreshed (botocore's window).
pub const REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Token cache files larger than this are refused.
pub const MAX_TOKEN_FILE_BYTES: u64 = 256 * 1024;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("sso", message).into()
}

/// An SSO bearer token. `Debug` hides the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoToken {
    /// The access token (`x-amz-sso_bearer_token` for the portal).
    pub token: SecretString,
    /// When it expires.
    pub expiration: OffsetDateTime,
}

/// The SSO-OIDC endpoint of `region`: `https://oidc.{region}.{partition dns suffix}`.
///
/// ```
/// use sts_blocking::__private::credentials::sso_token::oidc_endpoint;
/// assert_eq!(oidc_endpoint("eu-west-1")?, "https://oidc.eu-west-1.amazonaws.com");
/// assert_eq!(oidc_endpoint("cn-north-1")?, "https://oidc.cn-north-1.amazonaws.com.cn");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// [`Error::Config`] for a region that is not a host label.
pub fn oidc_endpoint(region: &str) -> Result<String, Error> {
    let b = region.as_bytes();
    let label = !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if !label {
        return Err(Error::config(format!("invalid sso_region {region:?}")));
    }
    let p = crate::endpoint::partition_for(region);
    Ok(format!("https://oidc.{region}.{}", p.dns_suffix))
}

/// The cached token, as read. Holds secrets: no `Debug`.
struct Cached {
    access_token: SecretString,
    expires_at: OffsetDateTime,
    refresh: Option<RefreshGrant>,
}

/// What a refresh needs from the cache file.
struct RefreshGrant {
    refresh_token: SecretString,
    client_id: String,
    client_secret: SecretString,
    registration_expires_at: String,
    registration_expiry: OffsetDateTime,
}

fn parse_time(v: &str) -> Option<OffsetDateTime> {
    crate::credentials::cli_cache::parse_expiration(v)
}

/// Parses the token cache; `Err` carries the reason (without secrets).
fn parse_cached(text: &str) -> Result<Cached, &'static str> {
    let v = json::parse(text).map_err(|_| "is not valid JSON")?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let access_token = SecretString::new(s("accessToken").ok_or("has no accessToken")?);
    let expires_at = parse_time(s("expiresAt").ok_or("has no expiresAt")?)
        .ok_or("has an expiresAt that is not a timestamp")?;
    let refresh = match (
        s("refreshToken"),
        s("clientId"),
        s("clientSecret"),
        s("registrationExpiresAt"),
    ) {
        (Some(rt), Some(id), Some(secret), Some(reg)) => {
            parse_time(reg).map(|expiry| RefreshGrant {
                refresh_token: SecretString::new(rt),
                client_id: id.to_owned(),
                client_secret: SecretString::new(secret),
                registration_expires_at: reg.to_owned(),
                registration_expiry: expiry,
            })
        }
        _ => None,
    };
    Ok(Cached {
        access_token,
        expires_at,
        refresh,
    })
}

/// The grant to refresh `cached` with at `now`: `None` (logged) without a refresh token and
/// client registration, or with an expired registration.
fn refresh_grant(cached: &Cached, now: OffsetDateTime) -> Option<&RefreshGrant> {
    let Some(g) = &cached.refresh else {
        log::debug!("SSO token cannot be refreshed: no refresh token or client registration");
        return None;
    };
    if g.registration_expiry <= now {
        log::debug!("SSO client registration expired; the token cannot be refreshed");
        return None;
    }
    Some(g)
}

/// The `CreateToken` body of a refresh.
fn create_token_body(g: &RefreshGrant) -> SecretString {
    let mut b = String::from("{\"clientId\":");
    pyjson::write_str(&mut b, &g.client_id);
    b.push_str(",\"clientSecret\":");
    pyjson::write_str(&mut b, g.client_secret.expose());
    b.push_str(",\"grantType\":\"refresh_token\",\"refreshToken\":");
    pyjson::write_str(&mut b, g.refresh_token.expose());
    b.push('}');
    SecretString::new(b)
}

/// A successful `CreateToken`.
struct Created {
    access_token: SecretString,
    expires_at: OffsetDateTime,
    refresh_token: Option<SecretString>,
}

fn parse_created(body: &str, now: OffsetDateTime) -> Option<Created> {
    let v = json::parse(body).ok()?;
    let access_token = v.get("accessToken")?.as_str().filter(|s| !s.is_empty())?;
    let seconds = v.get("expiresIn")?.as_i64().filter(|n| *n >= 0)?;
    let expires_at = now.checked_add(time::Duration::seconds(seconds))?;
    Some(Created {
        access_token: SecretString::new(access_token),
        expires_at,
        refresh_token: v
            .get("refreshToken")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(SecretString::new),
    })
}

/// The token file botocore writes after a refresh (same keys, same order, `json.dumps`).
fn token_document(start_url: &str, region: &str, g: &RefreshGrant, c: &Created) -> SecretString {
    let s = |v: &str| Value::String(v.to_owned());
    let mut m = vec![
        ("startUrl".to_owned(), s(start_url)),
        ("region".to_owned(), s(region)),
        ("accessToken".to_owned(), s(c.access_token.expose())),
        (
            "expiresAt".to_owned(),
            Value::String(crate::credentials::cli_cache::timestamp(c.expires_at, "Z")),
        ),
        ("clientId".to_owned(), s(&g.client_id)),
        ("clientSecret".to_owned(), s(g.client_secret.expose())),
        (
            "registrationExpiresAt".to_owned(),
            s(&g.registration_expires_at),
        ),
    ];
    if let Some(rt) = &c.refresh_token {
        m.push(("refreshToken".to_owned(), s(rt.expose())));
    }
    SecretString::new(pyjson::dumps(
        &Value::Object(m),
        Style {
            sort_keys: false,
            compact: false,
        },
    ))
}

/// The bearer token of an `[sso-session]` (the `aws sso login` token cache),
/// refreshed as botocore's `SSOTokenProvider` refreshes it, so SSO profiles keep working past the
/// access token's hour.
///
/// - Cache file: `~/.aws/sso/cache/<sha1 of the session name>.json` (`accessToken`, `expiresAt`,
///   and for refresh `refreshToken`, `clientId`, `clientSecret`, `registrationExpiresAt`).
/// - With less than 15 minutes left and a refresh token, client id and secret and an unexpired
///   registration: SSO-OIDC `CreateToken` (`POST https://oidc.{region}.amazonaws.com/token`,
///   `grantType=refresh_token`), and the new token is written back atomically (`0600`) in the shape
///   botocore writes.
/// - Parallel processes (`make -j`, Terraform) refresh one at a time, as refresh tokens are single
///   use: the refresh holds an advisory lock on `<cache file>.lock` (waiting at most 30 s for
///   another process), and reads the file again under it, so a process that waited uses the token
///   the other one wrote. botocore takes no such lock.
/// - A refresh that fails while the token is still valid keeps the token; an expired token is an
///   error that says to run `aws sso login`.
///
/// ```
/// use sts_blocking::credentials::SsoTokenProvider;
/// use std::path::Path;
/// let tokens = SsoTokenProvider::new("my-sso", "https://d-123.awsapps.com/start", "us-east-1", Path::new("/home/me"));
/// assert!(tokens.cache_path().starts_with("/home/me/.aws/sso/cache"));
/// // No cached token: the error says to run `aws sso login`.
/// assert!(tokens.token().unwrap_err().to_string().contains("aws sso login"));
/// ```
pub struct SsoTokenProvider {
    session_name: String,
    start_url: String,
    region: String,
    cache_file: PathBuf,
    endpoint: Option<String>,
    clock: Clock,
    timeouts: Timeouts,
    transport: TransportConfig,
    lock_wait: Duration,
}

impl fmt::Debug for SsoTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoTokenProvider")
            .field("session_name", &self.session_name)
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("cache_file", &self.cache_file)
            .finish_non_exhaustive()
    }
}

impl SsoTokenProvider {
    /// A provider for the session `session_name` (`sso_start_url`, `sso_region`), with the token
    /// cache under `home`.
    #[must_use]
    pub fn new(
        session_name: impl Into<String>,
        start_url: impl Into<String>,
        region: impl Into<String>,
        home: &Path,
    ) -> Self {
        let session_name = session_name.into();
        Self {
            cache_file: home
                .join(".aws")
                .join("sso")
                .join("cache")
                .join(format!("{}.json", sha1_hex(session_name.as_bytes()))),
            session_name,
            start_url: start_url.into(),
            region: region.into(),
            endpoint: None,
            clock: system_clock(),
            timeouts: Timeouts::default(),
            transport: token_http::default_transport(),
            lock_wait: refresh_lock::REFRESH_LOCK_WAIT,
        }
    }

    /// The provider of the selected profile's `sso_session` (the SDKs' token provider chain), with
    /// `AWS_ENDPOINT_URL_SSO_OIDC` / the `sso-oidc` services section as the OIDC endpoint; `None`
    /// when the profile has no `sso_session`.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the session section is missing or incomplete, or there is no
    /// home directory.
    pub fn from_profile(set: &ProfileSet, env: &Env) -> Result<Option<Self>, Error> {
        let Some(session) = set
            .selected()
            .and_then(|p| p.get_nonempty("sso_session"))
            .map(|s| s.trim().to_owned())
        else {
            return Ok(None);
        };
        let Some(s) = set.sso_session(&session) else {
            return Err(err(format!(
                "profile `{}` uses the sso-session `{session}`, which does not exist",
                set.selected_name()
            )));
        };
        let get = |k: &str| s.get_nonempty(k).map(|v| v.trim().to_owned());
        let (Some(start_url), Some(region)) = (get("sso_start_url"), get("sso_region")) else {
            return Err(err(format!(
                "the sso-session `{session}` needs sso_start_url and sso_region"
            )));
        };
        let home = env
            .home_dir(Platform::current())
            .ok_or_else(|| err("no home directory (HOME is unset)"))?;
        Ok(Some(
            Self::new(session, start_url, region, &home)
                .endpoint(set.configured_endpoint_url(env, "sso-oidc")),
        ))
    }

    /// Sends `CreateToken` to `endpoint` instead of `https://oidc.{region}.amazonaws.com`.
    #[must_use]
    pub fn endpoint(mut self, endpoint: Option<String>) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Reads and writes the token at `path` (the same file [`SsoTokenProvider::new`] derives).
    pub(crate) fn cache_file(mut self, path: PathBuf) -> Self {
        self.cache_file = path;
        self
    }

    /// Sends with these transport settings (CA bundle, proxy) instead of the process
    /// environment's proxy and the bundled roots.
    #[must_use]
    pub(crate) fn transport(mut self, config: TransportConfig) -> Self {
        self.transport = config;
        self
    }

    /// Uses `clock` for expiry decisions and the new expiration.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Waits at most `wait` for another process's refresh lock.
    #[cfg(test)]
    fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The token cache file.
    #[must_use]
    pub fn cache_path(&self) -> &Path {
        &self.cache_file
    }

    fn login_hint(&self) -> String {
        format!("run `aws sso login --sso-session {}`", self.session_name)
    }

    /// The token, refreshed first when less than [`REFRESH_WINDOW`] remains and a refresh is
    /// possible.
    ///
    /// # Errors
    /// [`Error::Credentials`]: no usable cache file, or the token expired (and could not be
    /// refreshed); the message says to run `aws sso login`.
    pub fn token(&self) -> Result<SsoToken, Error> {
        let hint = self.login_hint();
        let cached = self.read_cached(&hint)?;
        let now = (self.clock)();
        let mut token = SsoToken {
            token: cached.access_token.clone(),
            expiration: cached.expires_at,
        };
        if cached.expires_at - now < REFRESH_WINDOW && refresh_grant(&cached, now).is_some() {
            // One process at a time spends the single-use refresh token; the others wait here,
            // then find its token in the file.
            match refresh_lock::lock_for_refresh(&self.cache_file, self.lock_wait) {
                Ok(lock) => {
                    let refreshed = self.refresh(&cached, now);
                    drop(lock);
                    match refreshed {
                        Ok(Some(t)) => token = t,
                        Ok(None) => {}
                        Err(e) => log::warn!("SSO token refresh failed: {e}"),
                    }
                }
                Err(busy) if token.expiration <= now => {
                    return Err(err(format!(
                        "the SSO session token expired at {} and was not refreshed: {busy}",
                        token.expiration
                    )));
                }
                Err(busy) => log::warn!("SSO token not refreshed: {busy}"),
            }
        }
        if token.expiration <= now {
            return Err(err(format!(
                "the SSO session token expired at {}; {hint} to refresh it",
                token.expiration
            )));
        }
        Ok(token)
    }

    /// Reads and parses the token cache file.
    fn read_cached(&self, hint: &str) -> Result<Cached, Error> {
        let text = crate::files::read_capped_text(
            &self.cache_file,
            MAX_TOKEN_FILE_BYTES,
            "SSO token cache",
        )
        .map(SecretString::new)
        .map_err(|e| {
            Error::Credentials(CredentialsError {
                source: Some(Box::new(e)),
                ..CredentialsError::new("sso", hint)
            })
        })?;
        parse_cached(text.expose()).map_err(|why| {
            err(format!(
                "the SSO token cache {} {why}; {hint}",
                self.cache_file.display()
            ))
        })
    }

    /// Refreshes, holding the refresh lock, a token that was `cached` (due for a refresh) before
    /// the lock was taken: `Ok(None)` when the cache does not allow it (no refresh token, or the
    /// client registration expired).
    fn refresh(&self, cached: &Cached, now: OffsetDateTime) -> Result<Option<SsoToken>, Error> {
        // Another process may have refreshed while this one waited: its token is in the file now.
        let current = self.read_cached(&self.login_hint())?;
        let refreshed_elsewhere = current.access_token != cached.access_token
            || current.expires_at - now >= REFRESH_WINDOW;
        if refreshed_elsewhere && current.expires_at > now {
            log::debug!("SSO token already refreshed by another process");
            return Ok(Some(SsoToken {
                token: current.access_token,
                expiration: current.expires_at,
            }));
        }
        let Some(g) = refresh_grant(&current, now) else {
            return Ok(None);
        };
        let endpoint = match &self.endpoint {
            Some(e) => e.clone(),
            None => oidc_endpoint(&self.region)?,
        };
        let reply = token_http::post_json(
            &token_http::endpoint_for(&endpoint, "/token")?,
            &[],
            &create_token_body(g),
            &self.transport,
            self.timeouts,
        )?;
        if reply.status != 200 {
            let code = json::parse(reply.body.expose())
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
                .map(|c| format!(" ({})", crate::redact::escape_controls(&c)))
                .unwrap_or_default();
            return Err(err(format!(
                "SSO-OIDC CreateToken answered HTTP {}{code}",
                reply.status
            )));
        }
        let created = parse_created(reply.body.expose(), now)
            .ok_or_else(|| err("SSO-OIDC CreateToken returned an invalid response"))?;
        let doc = token_document(&self.start_url, &self.region, g, &created);
        if let Err(e) = cache_io::write_atomic(&self.cache_file, doc.expose().as_bytes()) {
            log::warn!(
                "could not write the refreshed SSO token to {}: {e}",
                self.cache_file.display()
            );
        }
        log::info!("SSO token refresh succeeded");
        Ok(Some(SsoToken {
            token: created.access_token,
            expiration: created.expires_at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tokens_parse_and_refresh_grants_need_everything() {
        let full = r#"{"startUrl": "u", "region": "us-east-1", "accessToken": "a",
            "expiresAt": "2026-01-01T00:00:00Z", "clientId": "c", "clientSecret": "s",
            "registrationExpiresAt": "2026-06-01T00:00:00UTC", "refreshToken": "r"}"#;
        let c = parse_cached(full).unwrap();
        assert!(c.refresh.is_some());
        for key in [
            "clientId",
            "clientSecret",
            "refreshToken",
            "registrationExpiresAt",
        ] {
            let without = full.replace(&format!("\"{key}\""), "\"x\"");
            assert!(parse_cached(&without).unwrap().refresh.is_none(), "{key}");
        }
        assert_eq!(parse_cached("{}").err(), Some("has no accessToken"));
        assert_eq!(
            parse_cached(r#"{"accessToken": "a", "expiresAt": "soon"}"#).err(),
            Some("has an expiresAt that is not a timestamp")
        );
    }

    #[test]
    fn created_tokens_use_checked_arithmetic() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let c = parse_created(r#"{"accessToken": "n", "expiresIn": 3600}"#, now).unwrap();
        assert_eq!(c.expires_at.unix_timestamp(), 3600);
        assert!(c.refresh_token.is_none());
        for bad in [
            r#"{"accessToken": "n", "expiresIn": -1}"#,
            r#"{"accessToken": "n", "expiresIn": 9223372036854775807}"#,
            r#"{"accessToken": "", "expiresIn": 1}"#,
            r#"{"expiresIn": 1}"#,
            "[]",
        ] {
            assert!(parse_created(bad, now).is_none(), "{bad}");
        }
    }

    #[test]
    fn oidc_endpoints() {
        assert_eq!(
            oidc_endpoint("us-gov-west-1").unwrap(),
            "https://oidc.us-gov-west-1.amazonaws.com"
        );
        assert!(oidc_endpoint("a/b").is_err());
        assert!(oidc_endpoint("").is_err());
    }

    /// A token cache with `access` expiring at `expires`, refreshable for a day.
    fn doc(access: &str, expires: OffsetDateTime) -> String {
        let ts = |t| crate::credentials::cli_cache::timestamp(t, "Z");
        format!(
            r#"{{"accessToken": "{access}", "expiresAt": "{}", "clientId": "c",
                "clientSecret": "s", "registrationExpiresAt": "{}", "refreshToken": "r"}}"#,
            ts(expires),
            ts(expires + time::Duration::days(1))
        )
    }

    /// A provider whose cache holds `text` and whose OIDC endpoint refuses connections.
    fn provider_with(tag: &str, text: &str) -> SsoTokenProvider {
        let dir = std::env::temp_dir().join(format!("sts-ssotok-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = SsoTokenProvider::new("dev", "u", "us-east-1", &dir)
            .cache_file(dir.join("t.json"))
            .endpoint(Some("http://127.0.0.1:9".into()));
        std::fs::write(p.cache_path(), text).unwrap();
        p
    }

    #[test]
    fn under_the_lock_another_processs_refresh_is_used() {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let minutes = |m| now + time::Duration::minutes(m);
        let before_text = doc("old", minutes(5));
        let before = parse_cached(&before_text).unwrap();
        // Another process refreshed while this one waited: its token is used, even with less
        // than the refresh window left, and nothing is sent.
        let p = provider_with("elsewhere", &doc("new", minutes(10)));
        let t = p.refresh(&before, now).unwrap().unwrap();
        assert_eq!(t.token.expose(), "new");
        // The file as it was: still due, so this process refreshes (and fails: no server).
        let p = provider_with("same", &before_text);
        assert!(p.refresh(&before, now).is_err());
        // Replaced but already expired: refreshed too.
        let p = provider_with("expired", &doc("new", minutes(-1)));
        assert!(p.refresh(&before, now).is_err());
    }

    #[test]
    fn a_held_lock_is_waited_for_then_named() {
        let now = OffsetDateTime::now_utc();
        let wait = Duration::from_millis(100);
        let p =
            provider_with("busy", &doc("old", now - time::Duration::minutes(1))).lock_wait(wait);
        let held = refresh_lock::lock_for_refresh(p.cache_path(), Duration::ZERO).unwrap();
        assert!(held.is_some());
        let t = std::time::Instant::now();
        let e = p.token().unwrap_err().to_string();
        assert!(t.elapsed() >= wait);
        assert!(
            e.contains("expired at") && e.contains("not refreshed") && e.contains("t.json.lock"),
            "{e}"
        );
        // Still valid for five minutes: used as is.
        let p = provider_with("busy-valid", &doc("old", now + time::Duration::minutes(5)))
            .lock_wait(wait);
        let _held = refresh_lock::lock_for_refresh(p.cache_path(), Duration::ZERO).unwrap();
        assert_eq!(p.token().unwrap().token.expose(), "old");
        drop(held);
    }
}
