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

pub(crate) mod dpop;
mod token;

use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::cli_cache::cache_io;
use crate::credentials::providers::refresh_lock;
use crate::credentials::providers::token_http::{self, Timeouts};
use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::CredentialsError;
use crate::transport::TransportConfig;
use crate::{Error, SecretString};
use dpop::DpopKey;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;
pub use token::{MAX_TOKEN_FILE_BYTES, cache_dir, cache_file, signin_endpoint};
use token::{TokenFile, err, parse_token_file, refresh_body, refreshed_document};
pub(crate) use token::{parse_refresh, refresh_error};

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
        let jti = crate::random::secure_uuid4().ok_or_else(|| err("no secure random numbers"))?;
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
            crate::credentials::cli_cache::timestamp(expires, "Z")
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
