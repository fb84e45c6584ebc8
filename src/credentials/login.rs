//! [`LoginProvider`]: the credentials of an `aws login` session (console sign-in for the CLI), as
//! every AWS SDK reads them from a profile with `login_session`.
//!
//! - **Cache file.** `~/.aws/login/cache/<sha256 hex of the session>.json` (`AWS_LOGIN_CACHE_DIRECTORY`
//!   moves the directory), written by `aws login`: `accessToken {accessKeyId, secretAccessKey,
//!   sessionToken, accountId, expiresAt}`, `clientId`, `refreshToken`, `idToken`, `dpopKey` (a P-256
//!   private key in PEM, SEC1 or PKCS#8) and optionally `signInRegion`.
//! - **Refresh.** With less than 5 minutes left, an advisory lock is taken on `<cache file>.lock`
//!   (refresh tokens are single use, so parallel processes refresh one at a time; a process waits at
//!   most 30 s for another, and botocore takes no such lock), the file is read again under it
//!   (another process may have refreshed it) and, if still due, refreshed with an unsigned
//!   `POST {signin}/v1/token` carrying
//!   `{"clientId", "grantType": "refresh_token", "refreshToken"}` and a `DPoP` proof (an ES256 JWT over
//!   the exact URL). The new keys, `expiresIn` and the rotated refresh token are written back into
//!   the whole file, atomically (temp file + rename, `0600`).
//! - **Endpoint.** `https://{region}.signin.aws.amazon.com` and each partition's equivalent (see
//!   [`signin_endpoint`]), the region being the file's `signInRegion`, else the configured one;
//!   `AWS_ENDPOINT_URL_SIGNIN` / the `signin` services section override it.
//! - **Errors** say what to run: an expired session or changed password asks for `aws login`, a
//!   missing `signin:CreateOAuth2Token` permission says so.

use super::cache::{Clock, system_clock};
use super::cache_io;
use super::dpop::DpopKey;
use super::env::{Env, Platform};
use super::pyjson::{self, Style};
use super::refresh_lock;
use super::token_http::{self, Timeouts};
use super::{Credentials, ProvideCredentials};
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::transport::TransportConfig;
use crate::{Error, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

impl LoginProvider {
    /// The login cache directory: `AWS_LOGIN_CACHE_DIRECTORY` (`~` expanded), else
    /// `<home>/.aws/login/cache`; `None` when neither is known. `aws login` writes its sessions
    /// there ([`LoginResult::save`](super::LoginResult::save)) and this provider reads them.
    ///
    /// # Errors
    /// [`Error::File`] for a variable starting with `~` when the home directory (or that user) is
    /// unknown.
    pub fn cache_dir(env: &Env) -> Result<Option<PathBuf>, Error> {
        cache_dir(env)
    }

    /// The cache file of `session` (a profile's `login_session`) in `dir`: `<sha256 hex of the
    /// session>.json`, as the AWS CLI names it.
    #[must_use]
    pub fn cache_file(dir: &Path, session: &str) -> PathBuf {
        cache_file(dir, session)
    }

    /// The sign-in endpoint of `region`, following the service's endpoint rules (botocore
    /// 1.44.8; FIPS and dual-stack forms where the partition has them): where `aws login` signs in and
    /// this provider refreshes, unless `AWS_ENDPOINT_URL_SIGNIN` or the profile's `[services]`
    /// name another.
    ///
    /// ```
    /// use sts_blocking::credentials::LoginProvider;
    /// assert_eq!(LoginProvider::signin_endpoint("eu-west-1", false, false)?, "https://eu-west-1.signin.aws.amazon.com");
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for a region that is not a host label, or FIPS / dual-stack where the
    /// partition has none.
    pub fn signin_endpoint(
        region: &str,
        use_fips: bool,
        use_dual_stack: bool,
    ) -> Result<String, Error> {
        signin_endpoint(region, use_fips, use_dual_stack)
    }
}

/// Credentials with less than this left are refreshed.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Login cache files larger than this are refused (real ones are about 4 KiB).
pub const MAX_TOKEN_FILE_BYTES: u64 = 256 * 1024;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("login", message).into()
}

/// The login cache directory: `AWS_LOGIN_CACHE_DIRECTORY` (a leading `~` or `~user` expanded as
/// in `AWS_CONFIG_FILE`, see [`Env::expand_home`]), else `<home>/.aws/login/cache`; `None` when
/// neither is known (no variable and no home directory).
///
/// # Errors
/// [`Error::File`] for a variable starting with `~` when the home directory (or that user) is
/// unknown: it is never resolved against the working directory.
pub fn cache_dir(env: &Env) -> Result<Option<PathBuf>, Error> {
    let platform = Platform::current();
    match env.get("AWS_LOGIN_CACHE_DIRECTORY") {
        Some(dir) => env
            .expand_home(&dir, platform, "login cache directory")
            .map(Some),
        None => Ok(env
            .home_dir(platform)
            .map(|h| h.join(".aws").join("login").join("cache"))),
    }
}

/// The cache file of `session` in `dir`: `<sha256 hex of the session>.json`.
#[must_use]
pub fn cache_file(dir: &Path, session: &str) -> PathBuf {
    dir.join(format!(
        "{}.json",
        crate::hex::lower(&Sha256::digest(session.as_bytes()))
    ))
}

/// Whether `region` can be a host label (botocore refuses other region names before any call).
fn valid_region(region: &str) -> bool {
    let b = region.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// The sign-in endpoint of `CreateOAuth2Token` for `region`, following the service's endpoint
/// rules (botocore 1.44.8): `https://{region}.signin.aws.amazon.com`, `.signin.amazonaws.cn`,
/// `.signin.amazonaws-us-gov.com`, the ISO and EUSC partitions' hosts, FIPS and dual-stack forms.
///
/// ```
/// let signin_endpoint = sts_blocking::credentials::LoginProvider::signin_endpoint;
/// assert_eq!(signin_endpoint("eu-west-1", false, false)?, "https://eu-west-1.signin.aws.amazon.com");
/// assert_eq!(signin_endpoint("cn-north-1", false, false)?, "https://cn-north-1.signin.amazonaws.cn");
/// assert_eq!(signin_endpoint("us-gov-west-1", true, false)?, "https://signin-fips.amazonaws-us-gov.com");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// [`Error::Config`] for a region that is not a host label, or FIPS / dual-stack where the
/// partition has none.
pub fn signin_endpoint(
    region: &str,
    use_fips: bool,
    use_dual_stack: bool,
) -> Result<String, Error> {
    if !valid_region(region) {
        return Err(Error::config(format!(
            "invalid region {region:?} for the sign-in service"
        )));
    }
    let p = crate::endpoint::partition_for(region);
    Ok(match (use_fips, use_dual_stack) {
        (false, false) => {
            let host = match p.id {
                "aws" => "signin.aws.amazon.com",
                "aws-cn" => "signin.amazonaws.cn",
                "aws-us-gov" => "signin.amazonaws-us-gov.com",
                "aws-iso" => "signin.c2shome.ic.gov",
                "aws-iso-b" => "signin.sc2shome.sgov.gov",
                "aws-iso-f" => "signin.csphome.hci.ic.gov",
                "aws-iso-e" => "signin.csphome.adc-e.uk",
                "aws-eusc" => "signin.amazonaws-eusc.eu",
                _ => return Ok(format!("https://{region}.signin.{}", p.dns_suffix)),
            };
            format!("https://{region}.{host}")
        }
        (true, false) if region == "us-gov-west-1" => {
            "https://signin-fips.amazonaws-us-gov.com".to_owned()
        }
        (true, false) if p.id == "aws-us-gov" => {
            format!("https://{region}.signin-fips.amazonaws-us-gov.com")
        }
        (true, false) if p.supports_fips => {
            format!("https://signin-fips.{region}.{}", p.dns_suffix)
        }
        (true, false) => {
            return Err(Error::config(
                "FIPS is enabled but this partition does not support FIPS",
            ));
        }
        (true, true) if p.supports_fips && p.supports_dual_stack => {
            format!("https://signin-fips.{region}.{}", p.dual_stack_dns_suffix)
        }
        (true, true) => {
            return Err(Error::config(
                "FIPS and DualStack are enabled, but this partition does not support one or both",
            ));
        }
        (false, true) if p.supports_dual_stack => {
            format!("https://signin.{region}.{}", p.dual_stack_dns_suffix)
        }
        (false, true) => {
            return Err(Error::config(
                "DualStack is enabled but this partition does not support DualStack",
            ));
        }
    })
}

/// A parsed login cache file. Holds secrets: no `Debug`.
struct TokenFile {
    /// The whole document, rewritten on refresh with every other member kept.
    doc: Vec<(String, Value)>,
    credentials: Credentials,
    expires_at: OffsetDateTime,
    client_id: String,
    refresh_token: SecretString,
    dpop_key: SecretString,
    sign_in_region: Option<String>,
}

/// Parses a login cache file. `hint` says what to run on failure.
fn parse_token_file(text: &str, path: &Path, hint: &str) -> Result<TokenFile, Error> {
    let v = json::parse(text).map_err(|e| {
        err(format!(
            "the login cache {} is not valid JSON ({e}); {hint}",
            path.display()
        ))
    })?;
    let Value::Object(doc) = v else {
        return Err(err(format!(
            "the login cache {} is not a JSON object; {hint}",
            path.display()
        )));
    };
    let top = Value::Object(doc);
    let missing: Vec<&str> = ["accessToken", "refreshToken", "dpopKey", "clientId"]
        .into_iter()
        .filter(|k| top.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(err(format!(
            "the login cache {} is missing {}; {hint}",
            path.display(),
            missing.join(", ")
        )));
    }
    let field = |v: &Value, k: &str| -> Result<String, Error> {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                err(format!(
                    "the login cache {} has no usable {k}; {hint}",
                    path.display()
                ))
            })
    };
    let at = top.get("accessToken").unwrap_or(&Value::Null);
    let expires_text = field(at, "expiresAt")?;
    let expires_at = super::cli_cache::parse_expiration(&expires_text).ok_or_else(|| {
        err(format!(
            "the login cache {} has an expiresAt that is not a timestamp; {hint}",
            path.display()
        ))
    })?;
    let mut credentials = Credentials::new(
        field(at, "accessKeyId")?,
        SecretString::new(field(at, "secretAccessKey")?),
        Some(SecretString::new(field(at, "sessionToken")?)),
    )
    .with_expiration(expires_at);
    credentials.account_id = at
        .get("accountId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let file = TokenFile {
        client_id: field(&top, "clientId")?,
        refresh_token: SecretString::new(field(&top, "refreshToken")?),
        dpop_key: SecretString::new(field(&top, "dpopKey")?),
        sign_in_region: top
            .get("signInRegion")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        credentials,
        expires_at,
        doc: match top {
            Value::Object(m) => m,
            _ => Vec::new(),
        },
    };
    Ok(file)
}

/// The `CreateOAuth2Token` body of a refresh.
fn refresh_body(client_id: &str, refresh_token: &SecretString) -> SecretString {
    let mut b = String::from("{\"clientId\":");
    pyjson::write_str(&mut b, client_id);
    b.push_str(",\"grantType\":\"refresh_token\",\"refreshToken\":");
    pyjson::write_str(&mut b, refresh_token.expose());
    b.push('}');
    SecretString::new(b)
}

/// What a successful refresh returned.
pub(super) struct Refreshed {
    pub(super) access_key_id: String,
    pub(super) secret_access_key: SecretString,
    pub(super) session_token: SecretString,
    pub(super) refresh_token: SecretString,
    pub(super) expires_at: OffsetDateTime,
}

/// Parses a `CreateOAuth2Token` response (`tokenOutput` members) received at `now`.
pub(super) fn parse_refresh(
    body: &str,
    now: OffsetDateTime,
    hint: &str,
) -> Result<Refreshed, Error> {
    let invalid = || {
        err(format!(
            "the sign-in service returned an invalid token response; {hint} (if it persists, the \
             sign-in service may be having problems)"
        ))
    };
    let v = json::parse(body).map_err(|_| invalid())?;
    let at = v.get("accessToken").ok_or_else(invalid)?;
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(invalid)
    };
    let seconds = v
        .get("expiresIn")
        .and_then(Value::as_i64)
        .filter(|n| *n >= 0)
        .ok_or_else(invalid)?;
    let expires_at = now
        .checked_add(time::Duration::seconds(seconds))
        .ok_or_else(invalid)?;
    Ok(Refreshed {
        access_key_id: s(at, "accessKeyId")?,
        secret_access_key: SecretString::new(s(at, "secretAccessKey")?),
        session_token: SecretString::new(s(at, "sessionToken")?),
        refresh_token: SecretString::new(s(&v, "refreshToken")?),
        expires_at,
    })
}

/// The refused-refresh error, by the service's `error` reason.
pub(super) fn refresh_error(status: u16, body: &str, hint: &str) -> Error {
    let v = json::parse(body).ok();
    let text = |k: &str| {
        v.as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let reason = text("error");
    match reason.as_deref() {
        Some("TOKEN_EXPIRED") => err(format!(
            "the login session has expired; {hint} to sign in again"
        )),
        Some("USER_CREDENTIALS_CHANGED") => err(format!(
            "the login session ended because the user's credentials (password) changed; {hint} \
             with the new password"
        )),
        Some("INSUFFICIENT_PERMISSIONS") => err(format!(
            "refreshing the login session was denied: the identity is missing permission for the \
             signin:CreateOAuth2Token action (ask an administrator to allow it), then {hint}"
        )),
        _ => {
            // The service's text, escaped (an ESC or CR would reach the terminal) and cut.
            let code = reason
                .or_else(|| text("__type"))
                .or_else(|| text("code"))
                .map(|c| {
                    let short = c.rsplit('#').next().unwrap_or(&c);
                    format!(
                        ", {}",
                        crate::redact::escape_controls(&crate::error::cut(short, 100))
                    )
                })
                .unwrap_or_default();
            err(format!(
                "refreshing the login session failed (HTTP {status}{code}); {hint} (if it \
                 persists, the sign-in service may be having problems)"
            ))
        }
    }
}

/// The cache document after a refresh: `accessToken` and `refreshToken` replaced, every other
/// member kept in place; written as the AWS CLI writes it (`json.dumps`).
fn refreshed_document(
    doc: &[(String, Value)],
    r: &Refreshed,
    account_id: Option<&str>,
) -> SecretString {
    let s = |v: &str| Value::String(v.to_owned());
    let mut access = vec![
        ("accessKeyId".to_owned(), s(&r.access_key_id)),
        (
            "secretAccessKey".to_owned(),
            s(r.secret_access_key.expose()),
        ),
        ("sessionToken".to_owned(), s(r.session_token.expose())),
    ];
    if let Some(a) = account_id {
        access.push(("accountId".to_owned(), s(a)));
    }
    access.push((
        "expiresAt".to_owned(),
        Value::String(super::cli_cache::timestamp(r.expires_at, "Z")),
    ));
    let mut out: Vec<(String, Value)> = Vec::with_capacity(doc.len());
    let put = |k: &str, v: Value, out: &mut Vec<(String, Value)>| match out
        .iter_mut()
        .find(|(name, _)| name == k)
    {
        Some(slot) => slot.1 = v,
        None => out.push((k.to_owned(), v)),
    };
    for (k, v) in doc {
        put(k, v.clone(), &mut out);
    }
    put("accessToken", Value::Object(access), &mut out);
    put("refreshToken", s(r.refresh_token.expose()), &mut out);
    SecretString::new(pyjson::dumps(
        &Value::Object(out),
        Style {
            sort_keys: false,
            compact: false,
        },
    ))
}

/// The credentials of an `aws login` session (console sign-in for the CLI), as
/// every AWS SDK reads them from a profile with `login_session`.
///
/// - **Cache file.** `~/.aws/login/cache/<sha256 hex of the session>.json` (`AWS_LOGIN_CACHE_DIRECTORY`
///   moves the directory), written by `aws login`: `accessToken {accessKeyId, secretAccessKey,
///   sessionToken, accountId, expiresAt}`, `clientId`, `refreshToken`, `idToken`, `dpopKey` (a P-256
///   private key in PEM, SEC1 or PKCS#8) and optionally `signInRegion`.
/// - **Refresh.** With less than 5 minutes left, an advisory lock is taken on `<cache file>.lock`
///   (refresh tokens are single use, so parallel processes refresh one at a time; a process waits at
///   most 30 s for another, and botocore takes no such lock), the file is read again under it
///   (another process may have refreshed it) and, if still due, refreshed with an unsigned
///   `POST {signin}/v1/token` carrying
///   `{"clientId", "grantType": "refresh_token", "refreshToken"}` and a `DPoP` proof (an ES256 JWT over
///   the exact URL). The new keys, `expiresIn` and the rotated refresh token are written back into
///   the whole file, atomically (temp file + rename, `0600`).
/// - **Endpoint.** `https://{region}.signin.aws.amazon.com` and each partition's equivalent (see
///   the `signin` endpoint rules), the region being the file's `signInRegion`, else the configured one;
///   `AWS_ENDPOINT_URL_SIGNIN` / the `signin` services section override it.
/// - **Errors** say what to run: an expired session or changed password asks for `aws login`, a
///   missing `signin:CreateOAuth2Token` permission says so.
///
/// ```
/// use sts_blocking::credentials::{LoginProvider, ProvideCredentials};
/// use std::path::Path;
/// // The session is the signed-in principal's ARN, as a profile's `login_session` names it.
/// let login = LoginProvider::new("arn:aws:iam::123456789012:user/me", Path::new("/home/me/.aws/login/cache"))
///     .region(Some("eu-west-1".into()));
/// assert!(login.cache_path().starts_with("/home/me/.aws/login/cache"));
/// // Not signed in: the error says to run `aws login`.
/// assert!(login.provide_credentials().unwrap_err().to_string().contains("aws login"));
/// ```
pub struct LoginProvider {
    session: String,
    profile: Option<String>,
    cache_file: PathBuf,
    region: Option<String>,
    endpoint: Option<String>,
    use_fips: bool,
    use_dual_stack: bool,
    clock: Clock,
    timeouts: Timeouts,
    transport: TransportConfig,
    lock_wait: Duration,
}

impl fmt::Debug for LoginProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginProvider")
            .field("session", &self.session)
            .field("cache_file", &self.cache_file)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl LoginProvider {
    /// A provider for the `login_session` value `session` (trimmed), with its cache file in
    /// `cache_dir` (see [`LoginProvider::cache_dir`]).
    #[must_use]
    pub fn new(session: &str, cache_dir: &Path) -> Self {
        let session = session.trim().to_owned();
        Self {
            cache_file: cache_file(cache_dir, &session),
            session,
            profile: None,
            region: None,
            endpoint: None,
            use_fips: false,
            use_dual_stack: false,
            clock: system_clock(),
            timeouts: Timeouts::default(),
            transport: token_http::default_transport(),
            lock_wait: refresh_lock::REFRESH_LOCK_WAIT,
        }
    }

    /// The profile holding `login_session` (named in "run `aws login --profile ...`" hints).
    #[must_use]
    pub fn profile(mut self, profile: Option<String>) -> Self {
        self.profile = profile;
        self
    }

    /// The configured region, used when the cache file has no `signInRegion`.
    #[must_use]
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    /// A sign-in endpoint replacing the resolved one (`AWS_ENDPOINT_URL_SIGNIN`; `http` only to
    /// loopback).
    #[must_use]
    pub fn endpoint(mut self, endpoint: Option<String>) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Uses the FIPS and / or dual-stack sign-in endpoints.
    #[must_use]
    pub fn fips_dual_stack(mut self, use_fips: bool, use_dual_stack: bool) -> Self {
        self.use_fips = use_fips;
        self.use_dual_stack = use_dual_stack;
        self
    }

    /// Sends with these transport settings (CA bundle, proxy) instead of the process
    /// environment's proxy and the bundled roots.
    #[must_use]
    pub(crate) fn transport(mut self, config: TransportConfig) -> Self {
        self.transport = config;
        self
    }

    /// Uses `clock` for the expiry check and the new expiration.
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

    /// The cache file this provider reads and refreshes.
    #[must_use]
    pub fn cache_path(&self) -> &Path {
        &self.cache_file
    }

    fn hint(&self) -> String {
        match &self.profile {
            Some(p) if p != "default" => format!("run `aws login --profile {p}`"),
            _ => "run `aws login`".to_owned(),
        }
    }

    fn read(&self) -> Result<TokenFile, Error> {
        let hint = self.hint();
        let text = match crate::files::read_capped_text(
            &self.cache_file,
            MAX_TOKEN_FILE_BYTES,
            "login session cache",
        ) {
            Ok(t) => SecretString::new(t),
            Err(Error::File {
                problem: crate::error::FileProblem::NotFound,
                ..
            }) => {
                return Err(err(format!(
                    "no cached login session `{}` (no file {}); {hint}",
                    self.session,
                    self.cache_file.display()
                )));
            }
            Err(e) => {
                return Err(Error::Credentials(CredentialsError {
                    source: Some(Box::new(e)),
                    ..CredentialsError::new("login", hint)
                }));
            }
        };
        parse_token_file(text.expose(), &self.cache_file, &hint)
    }

    fn endpoint_url(&self, file: &TokenFile) -> Result<String, Error> {
        if let Some(e) = &self.endpoint {
            if self.use_fips {
                return Err(Error::config(
                    "Invalid Configuration: FIPS and custom endpoint are not supported",
                ));
            }
            if self.use_dual_stack {
                return Err(Error::config(
                    "Invalid Configuration: Dualstack and custom endpoint are not supported",
                ));
            }
            return Ok(e.clone());
        }
        let region = file
            .sign_in_region
            .as_deref()
            .or(self.region.as_deref())
            .ok_or_else(|| {
                err("no region for the sign-in service: set `region` in the profile or AWS_REGION")
            })?;
        signin_endpoint(region, self.use_fips, self.use_dual_stack)
    }

    fn refresh(&self, file: &TokenFile, now: OffsetDateTime) -> Result<Credentials, Error> {
        let hint = self.hint();
        let key = DpopKey::from_pem(file.dpop_key.expose()).map_err(|e| {
            err(format!(
                "the login cache {}: {e}; {hint}",
                self.cache_file.display()
            ))
        })?;
        let endpoint = self.endpoint_url(file)?;
        let target = token_http::endpoint_for(&endpoint, "/v1/token")?;
        let htu = target.full.as_str();
        let jti = key.uuid4().map_err(|e| err(e.to_string()))?;
        // `iat` is the wall clock the server checks proofs against, whatever clock `now` is from.
        let iat = OffsetDateTime::now_utc().unix_timestamp();
        let proof = key
            .proof("POST", htu, iat, &jti)
            .map_err(|e| err(e.to_string()))?;
        let body = refresh_body(&file.client_id, &file.refresh_token);
        log::debug!("refreshing login session credentials at {htu}");
        let reply = token_http::post_json(
            &target,
            &[("dpop", &proof)],
            &body,
            &self.transport,
            self.timeouts,
        )?;
        if reply.status != 200 {
            return Err(refresh_error(reply.status, reply.body.expose(), &hint));
        }
        let r = parse_refresh(reply.body.expose(), now, &hint)?;
        let account = file.credentials.account_id.clone();
        let doc = refreshed_document(&file.doc, &r, account.as_deref());
        if let Err(e) = cache_io::write_atomic(&self.cache_file, doc.expose().as_bytes()) {
            // The new refresh token replaced the old one: without the file the session is lost.
            return Err(err(format!(
                "refreshed the login session but could not write {}: {e}; {hint}",
                self.cache_file.display()
            )));
        }
        let mut c = Credentials::new(r.access_key_id, r.secret_access_key, Some(r.session_token))
            .with_expiration(r.expires_at);
        c.account_id = account;
        Ok(c)
    }
}

impl LoginProvider {
    /// Holding the refresh lock: reads the file again and refreshes it, unless another process
    /// did since `before` (due for a refresh) was read.
    fn refresh_unless_done(
        &self,
        before: &TokenFile,
        now: OffsetDateTime,
    ) -> Result<Credentials, Error> {
        let current = self.read()?;
        let refreshed_elsewhere = current.refresh_token != before.refresh_token
            || current.expires_at - now > REFRESH_WINDOW;
        if refreshed_elsewhere && current.expires_at > now {
            log::debug!("login session already refreshed by another process");
            return Ok(current.credentials);
        }
        self.refresh(&current, now)
    }
}

impl ProvideCredentials for LoginProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        // Read on every call: another process (`aws`, another `sts`) may have refreshed the file.
        let file = self.read()?;
        let now = (self.clock)();
        if file.expires_at - now > REFRESH_WINDOW {
            return Ok(file.credentials);
        }
        // One process at a time spends the single-use refresh token; the others wait here, then
        // find its credentials in the file.
        let _lock = match refresh_lock::lock_for_refresh(&self.cache_file, self.lock_wait) {
            Ok(lock) => lock,
            Err(busy) if file.expires_at > now => {
                log::warn!("login session not refreshed: {busy}");
                return Ok(file.credentials);
            }
            Err(busy) => {
                return Err(err(format!(
                    "the login session expired and was not refreshed: {busy}"
                )));
            }
        };
        self.refresh_unless_done(&file, now)
    }

    fn source_name(&self) -> String {
        "login".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_file_is_sha256_of_the_session() {
        let p = cache_file(
            Path::new("/c"),
            "arn:aws:sts::012345678910:assumed-role/Admin/admin",
        );
        assert_eq!(
            p,
            Path::new("/c/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json")
        );
        let dir = |vars: &[(&str, &str)]| cache_dir(&Env::from_map(vars.iter().copied()));
        assert_eq!(
            dir(&[("HOME", "/h")]).unwrap().unwrap(),
            Path::new("/h/.aws/login/cache")
        );
        let tilde = [("HOME", "/h"), ("AWS_LOGIN_CACHE_DIRECTORY", "~/x")];
        assert_eq!(dir(&tilde).unwrap().unwrap(), Path::new("/h/x"));
        let abs = [("AWS_LOGIN_CACHE_DIRECTORY", "/abs")];
        assert_eq!(dir(&abs).unwrap().unwrap(), Path::new("/abs"));
        assert_eq!(dir(&[("X", "y")]).unwrap(), None);
        // `~user` is that user's home (a map environment knows none), never `./~user`.
        let other = [("HOME", "/h"), ("AWS_LOGIN_CACHE_DIRECTORY", "~root/x")];
        assert!(matches!(
            dir(&other),
            Err(Error::File {
                problem: crate::error::FileProblem::UnknownUser { .. },
                ..
            })
        ));
    }

    #[test]
    fn endpoints_per_partition() {
        for (region, fips, dual, want) in [
            (
                "us-east-1",
                false,
                false,
                "https://us-east-1.signin.aws.amazon.com",
            ),
            (
                "us-gov-east-1",
                false,
                false,
                "https://us-gov-east-1.signin.amazonaws-us-gov.com",
            ),
            (
                "us-iso-east-1",
                false,
                false,
                "https://us-iso-east-1.signin.c2shome.ic.gov",
            ),
            (
                "us-isob-east-1",
                false,
                false,
                "https://us-isob-east-1.signin.sc2shome.sgov.gov",
            ),
            (
                "us-isof-south-1",
                false,
                false,
                "https://us-isof-south-1.signin.csphome.hci.ic.gov",
            ),
            (
                "eu-isoe-west-1",
                false,
                false,
                "https://eu-isoe-west-1.signin.csphome.adc-e.uk",
            ),
            (
                "eusc-de-east-1",
                false,
                false,
                "https://eusc-de-east-1.signin.amazonaws-eusc.eu",
            ),
            (
                "us-gov-east-1",
                true,
                false,
                "https://us-gov-east-1.signin-fips.amazonaws-us-gov.com",
            ),
            (
                "us-east-1",
                true,
                false,
                "https://signin-fips.us-east-1.amazonaws.com",
            ),
            ("us-east-1", false, true, "https://signin.us-east-1.api.aws"),
            (
                "us-east-1",
                true,
                true,
                "https://signin-fips.us-east-1.api.aws",
            ),
        ] {
            assert_eq!(
                signin_endpoint(region, fips, dual).unwrap(),
                want,
                "{region}"
            );
        }
        for bad in ["", "us-east-1.evil.com/x", "-a", "a b", "a@b"] {
            assert!(signin_endpoint(bad, false, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn refresh_responses_with_checked_arithmetic() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let ok = r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T"},
                     "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "R"}"#;
        let r = parse_refresh(ok, now, "h").unwrap();
        assert_eq!(r.expires_at.unix_timestamp(), 900);
        for bad in [
            "",
            "{}",
            r#"{"accessToken": {"accessKeyId": "A"}, "expiresIn": 900, "refreshToken": "R"}"#,
            &ok.replace("900", "-1"),
            &ok.replace("900", "9223372036854775807"),
            &ok.replace("900", "1.5"),
            &ok.replace("\"R\"", "\"\""),
        ] {
            let e = parse_refresh(bad, now, "run `aws login`")
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("run `aws login`"), "{e}");
        }
    }

    #[test]
    fn refusals_say_what_to_run() {
        let hint = "run `aws login --profile dev`";
        let e = |status, body: &str| refresh_error(status, body, hint).to_string();
        let expired = e(401, r#"{"error": "TOKEN_EXPIRED", "message": "m"}"#);
        assert!(
            expired.contains("expired") && expired.contains(hint),
            "{expired}"
        );
        let changed = e(
            403,
            r#"{"error": "USER_CREDENTIALS_CHANGED", "message": "m"}"#,
        );
        assert!(
            changed.contains("password") && changed.contains(hint),
            "{changed}"
        );
        let perm = e(
            403,
            r#"{"error": "INSUFFICIENT_PERMISSIONS", "message": "m"}"#,
        );
        assert!(perm.contains("signin:CreateOAuth2Token"), "{perm}");
        let other = e(400, "");
        assert!(
            other.contains("HTTP 400") && other.contains(hint),
            "{other}"
        );
        let typed = e(500, r#"{"__type": "com.amazon#InternalServerException"}"#);
        assert!(
            typed.contains("HTTP 500, InternalServerException"),
            "{typed}"
        );
    }

    #[test]
    fn secrets_stay_out_of_messages() {
        let text = r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "marker-secret",
            "sessionToken": "marker-token", "accountId": "1", "expiresAt": "never"},
            "clientId": "c", "refreshToken": "marker-refresh", "dpopKey": "marker-key"}"#;
        let e = parse_token_file(text, Path::new("/f"), "run `aws login`")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("expiresAt") && !e.contains("marker"), "{e}");
        let e = refresh_error(400, r#"{"error": "x", "refreshToken": "marker"}"#, "h").to_string();
        assert!(!e.contains("marker"), "{e}");
        // The service's code reaches the terminal escaped, and cut.
        let e = refresh_error(400, "{\"error\": \"A\\u001b[2J\\u0007\\r\"}", "h").to_string();
        assert!(e.contains("A\\u{1b}[2J\\u{7}\\r") && !e.contains(['\u{1b}', '\u{7}', '\r']));
        let long = format!("{{\"error\": \"{}\"}}", "E".repeat(5000));
        assert!(refresh_error(400, &long, "h").to_string().len() < 400);
        let b = refresh_body("c", &SecretString::new("marker"));
        assert_eq!(format!("{b:?}"), "** redacted **");
    }

    /// A login cache document expiring at `expires` with `refresh` as its refresh token and an
    /// unusable DPoP key: any refresh attempt fails.
    fn doc(key_id: &str, expires: OffsetDateTime, refresh: &str) -> String {
        format!(
            r#"{{"accessToken": {{"accessKeyId": "{key_id}", "secretAccessKey": "s",
                "sessionToken": "t", "accountId": "012345678901", "expiresAt": "{}"}},
                "clientId": "c", "refreshToken": "{refresh}", "dpopKey": "not a key"}}"#,
            super::super::cli_cache::timestamp(expires, "Z")
        )
    }

    fn provider_with(tag: &str, text: &str) -> LoginProvider {
        let dir = std::env::temp_dir().join(format!("sts-login-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = LoginProvider::new("s", &dir).endpoint(Some("http://127.0.0.1:9".into()));
        std::fs::write(p.cache_path(), text).unwrap();
        p
    }

    #[test]
    fn under_the_lock_another_processs_refresh_is_used() {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let minutes = |m| now + time::Duration::minutes(m);
        let before_text = doc("ASIAOLD", minutes(2), "r1");
        let before = parse_token_file(&before_text, Path::new("/f"), "h").unwrap();
        // Another process refreshed while this one waited: its credentials are used, even with
        // less than the refresh window left, and nothing is sent.
        let p = provider_with("elsewhere", &doc("ASIANEW", minutes(3), "r2"));
        let c = p.refresh_unless_done(&before, now).unwrap();
        assert_eq!(c.access_key_id, "ASIANEW");
        // The file as it was: still due, so this process refreshes (and fails: no key, no server).
        let p = provider_with("same", &before_text);
        assert!(p.refresh_unless_done(&before, now).is_err());
        // Rotated but already expired: refreshed too.
        let p = provider_with("expired", &doc("ASIANEW", minutes(-1), "r2"));
        assert!(p.refresh_unless_done(&before, now).is_err());
    }

    #[test]
    fn a_held_lock_is_waited_for_then_named() {
        let now = OffsetDateTime::now_utc();
        let wait = Duration::from_millis(100);
        let p = provider_with(
            "busy",
            &doc("ASIAOLD", now - time::Duration::minutes(1), "r1"),
        )
        .lock_wait(wait);
        let held = refresh_lock::lock_for_refresh(p.cache_path(), Duration::ZERO).unwrap();
        assert!(held.is_some());
        let t = std::time::Instant::now();
        let e = p.provide_credentials().unwrap_err().to_string();
        assert!(t.elapsed() >= wait);
        assert!(
            e.contains("expired and was not refreshed") && e.contains(".json.lock"),
            "{e}"
        );
        // Still valid for two minutes: used as is.
        let p = provider_with(
            "busy-valid",
            &doc("ASIAOLD", now + time::Duration::minutes(2), "r1"),
        )
        .lock_wait(wait);
        let _held = refresh_lock::lock_for_refresh(p.cache_path(), Duration::ZERO).unwrap();
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "ASIAOLD");
        drop(held);
    }
}
