//! [`SsoProvider`]: IAM Identity Center role credentials from the `aws sso login` token cache.
//!
//! Reads `~/.aws/sso/cache/<sha1 hex>.json` (SHA-1 of the `[sso-session]` name, or of the start URL for
//! legacy profiles), then calls the portal's GetRoleCredentials:
//! `GET https://portal.sso.{region}.amazonaws.com/federation/credentials?role_name=..&account_id=..`
//! with the header `x-amz-sso_bearer_token`. An `[sso-session]` token is refreshed through
//! [`SsoTokenProvider`](crate::credentials::providers::sso_token::SsoTokenProvider) when it nears expiry; a legacy profile's
//! token is not: an expired token is an error telling the user to run `aws sso login`.

use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::cli_cache::sha1::sha1_hex;
use crate::credentials::plan::SsoSource;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::transport::{Endpoint, PlainHttp, Transport, TransportConfig};
use crate::{Error, SecretString};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("sso", message).into()
}

/// The cache file for an SSO source under `home` (`<home>/.aws/sso/cache/<sha1>.json`).
#[must_use]
pub fn cache_file(home: &Path, source: &SsoSource) -> PathBuf {
    let key = source.session_name.as_deref().unwrap_or(&source.start_url);
    home.join(".aws")
        .join("sso")
        .join("cache")
        .join(format!("{}.json", sha1_hex(key.as_bytes())))
}

/// IAM Identity Center role credentials from the `aws sso login` token cache.
///
/// Reads `~/.aws/sso/cache/<sha1 hex>.json` (SHA-1 of the `[sso-session]` name, or of the start URL for
/// legacy profiles), then calls the portal's GetRoleCredentials:
/// `GET https://portal.sso.{region}.amazonaws.com/federation/credentials?role_name=..&account_id=..`
/// with the header `x-amz-sso_bearer_token`. An `[sso-session]` token is refreshed through
/// [`SsoTokenProvider`](crate::credentials::SsoTokenProvider) when it nears expiry; a legacy profile's
/// token is not: an expired token is an error telling the user to run `aws sso login`.
///
/// ```
/// use sts_blocking::credentials::{ProvideCredentials, SsoProvider, SsoSource};
/// use std::path::Path;
/// let source = SsoSource::new("https://d-123.awsapps.com/start", "us-east-1")
///     .session_name("my-sso") // an [sso-session]: its token is refreshed through SSO-OIDC
///     .account_id("123456789012")
///     .role_name("ReadOnly");
/// let sso = SsoProvider::new(source, Path::new("/home/me"));
/// // The token `aws sso login --sso-session my-sso` wrote (SHA-1 of the session name).
/// assert!(sso.cache_path().starts_with("/home/me/.aws/sso/cache"));
/// // Without it: an error that says to run `aws sso login`.
/// assert!(sso.provide_credentials().unwrap_err().to_string().contains("aws sso login"));
/// ```
pub struct SsoProvider {
    source: SsoSource,
    cache_file: PathBuf,
    endpoint: Option<String>,
    oidc_endpoint: Option<String>,
    clock: Clock,
    timeout: Duration,
    transport: TransportConfig,
}

impl std::fmt::Debug for SsoProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoProvider")
            .field("source", &self.source)
            .field("cache_file", &self.cache_file)
            .finish_non_exhaustive()
    }
}

impl SsoProvider {
    /// A provider for `source`, reading the token cache under `home`.
    #[must_use]
    pub fn new(source: SsoSource, home: &Path) -> Self {
        Self {
            cache_file: cache_file(home, &source),
            source,
            endpoint: None,
            oidc_endpoint: None,
            clock: system_clock(),
            timeout: Duration::from_secs(5),
            transport: TransportConfig::for_provider(
                &crate::credentials::Env::real(),
                None,
                Duration::from_secs(3),
            ),
        }
    }

    /// Sends with these transport settings (CA bundle, proxy) instead of the process
    /// environment's proxy and the bundled roots.
    #[must_use]
    pub(crate) fn transport(mut self, config: TransportConfig) -> Self {
        self.transport = config;
        self
    }

    /// Sends GetRoleCredentials to `endpoint` (e.g. `http://127.0.0.1:PORT`, or `AWS_ENDPOINT_URL_SSO`)
    /// instead of `https://portal.sso.{region}.amazonaws.com`.
    #[must_use]
    pub fn endpoint(mut self, endpoint: Option<String>) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Sends the SSO-OIDC token refresh of `[sso-session]` profiles to `endpoint`
    /// (`AWS_ENDPOINT_URL_SSO_OIDC`) instead of `https://oidc.{region}.amazonaws.com`.
    #[must_use]
    pub fn oidc_endpoint(mut self, endpoint: Option<String>) -> Self {
        self.oidc_endpoint = endpoint;
        self
    }

    /// Uses `clock` to decide whether the cached token has expired.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The cache file this provider reads.
    #[must_use]
    pub fn cache_path(&self) -> &Path {
        &self.cache_file
    }

    fn login_hint(&self) -> String {
        match &self.source.session_name {
            Some(s) => format!("run `aws sso login --sso-session {s}`"),
            None => "run `aws sso login` for this profile".to_owned(),
        }
    }

    /// Reads the cached access token, checking that it has not expired.
    fn token(&self) -> Result<SecretString, Error> {
        if let Some(session) = &self.source.session_name {
            return crate::credentials::providers::sso_token::SsoTokenProvider::new(
                session.as_str(),
                self.source.start_url.as_str(),
                self.source.region.as_str(),
                Path::new(""),
            )
            .cache_file(self.cache_file.clone())
            .endpoint(self.oidc_endpoint.clone())
            .clock(self.clock.clone())
            .transport(self.transport.clone())
            .token()
            .map(|t| t.token);
        }
        let text = crate::files::read_capped_text(
            &self.cache_file,
            crate::files::MAX_SSO_CACHE_FILE,
            "SSO token cache",
        )
        .map_err(|e| {
            Error::Credentials(CredentialsError {
                source: Some(Box::new(e)),
                ..CredentialsError::new("sso", self.login_hint())
            })
        })?;
        let v = json::parse(&text).map_err(|e| {
            err(format!(
                "the SSO token cache {} is not valid JSON ({e}); {}",
                self.cache_file.display(),
                self.login_hint()
            ))
        })?;
        drop(SecretString::new(text));
        let token = v
            .get("accessToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                err(format!(
                    "the SSO token cache has no accessToken; {}",
                    self.login_hint()
                ))
            })?;
        let expires = v.get("expiresAt").and_then(Value::as_str).ok_or_else(|| {
            err(format!(
                "the SSO token cache has no expiresAt; {}",
                self.login_hint()
            ))
        })?;
        let expires =
            crate::credentials::providers::env_vars::parse_rfc3339("sso", "`expiresAt`", expires)?;
        if expires <= (self.clock)() {
            return Err(err(format!(
                "the SSO session token expired at {expires}; {} to refresh it",
                self.login_hint()
            )));
        }
        Ok(SecretString::new(token))
    }
}

/// Parses a GetRoleCredentials response (`roleCredentials`, expiration in milliseconds).
///
/// # Errors
/// [`Error::Credentials`] for invalid JSON, a missing key or an expiration out of range.
pub fn parse_role_credentials(body: &str, account_id: &str) -> Result<Credentials, Error> {
    let v =
        json::parse(body).map_err(|e| err(format!("invalid GetRoleCredentials response: {e}")))?;
    let rc = v
        .get("roleCredentials")
        .ok_or_else(|| err("GetRoleCredentials response has no roleCredentials"))?;
    let s = |k: &str| rc.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let id = s("accessKeyId").ok_or_else(|| err("roleCredentials has no accessKeyId"))?;
    let secret =
        s("secretAccessKey").ok_or_else(|| err("roleCredentials has no secretAccessKey"))?;
    let mut c = Credentials::new(id, secret, s("sessionToken").map(SecretString::new));
    if let Some(v) = rc.get("expiration").filter(|v| **v != Value::Null) {
        c.expiration = Some(expiration_from_millis(v)?);
    }
    c.account_id = Some(account_id.to_owned());
    Ok(c)
}

/// `roleCredentials.expiration`, milliseconds since the epoch, as a time: an integer from 1970 to
/// the year 9999, else a typed error (never a panic, never a wrapped-around date).
fn expiration_from_millis(v: &Value) -> Result<OffsetDateTime, Error> {
    let ms = v.as_i64().ok_or_else(|| {
        err(format!(
            "roleCredentials expiration is not an integer number of milliseconds ({})",
            v.kind()
        ))
    })?;
    Some(ms)
        .filter(|ms| *ms >= 0)
        .map(i128::from)
        .and_then(|ms| ms.checked_mul(1_000_000))
        .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(nanos).ok())
        .ok_or_else(|| {
            err(format!(
                "roleCredentials expiration {ms} ms is out of range"
            ))
        })
}

impl ProvideCredentials for SsoProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let (Some(account), Some(role)) = (&self.source.account_id, &self.source.role_name) else {
            return Err(err(
                "the selected profile will resolve an access token instead of credentials \
                 (it has no sso_account_id / sso_role_name)",
            ));
        };
        let token = self.token()?;
        // The portal's text (a bad body, an error) loses the token if it echoes it.
        self.get_role_credentials(&token, account, role)
            .map_err(|e| crate::redact::clean_error(e, &[token.expose()]))
    }

    fn source_name(&self) -> String {
        "sso".to_owned()
    }
}

impl SsoProvider {
    /// `GET /federation/credentials` on the portal of `sso_region` (or the configured endpoint).
    fn get_role_credentials(
        &self,
        token: &SecretString,
        account: &str,
        role: &str,
    ) -> Result<Credentials, Error> {
        let base = match &self.endpoint {
            Some(e) => e.clone(),
            None => {
                crate::endpoint::check_region(&self.source.region)
                    .map_err(|e| err(format!("sso_region: {e}")))?;
                format!("https://portal.sso.{}.amazonaws.com", self.source.region)
            }
        };
        let mut url = format!(
            "{}/federation/credentials?role_name=",
            base.trim_end_matches('/')
        );
        crate::query::encode_into(&mut url, role);
        url.push_str("&account_id=");
        crate::query::encode_into(&mut url, account);
        let endpoint = Endpoint::new(&url, PlainHttp::Loopback)?;
        let r = Transport::new(&self.transport)?
            .get(
                &endpoint,
                &[
                    ("x-amz-sso_bearer_token", token.expose()),
                    ("accept", "application/json"),
                ],
                self.transport.connect_timeout.saturating_add(self.timeout),
            )
            .map_err(crate::transport::provider_timeout)?;
        match r.status {
            200 => parse_role_credentials(r.text()?, account),
            401 | 403 => Err(err(format!(
                "GetRoleCredentials was refused (HTTP {}); the SSO session may be invalid: {}",
                r.status,
                self.login_hint()
            ))),
            s => Err(err(format!(
                "an error occurred while loading credentials: GetRoleCredentials answered HTTP {s}"
            ))),
        }
    }
}
