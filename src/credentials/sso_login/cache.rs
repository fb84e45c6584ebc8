//! The SSO cache the AWS CLI shares with every SDK, `~/.aws/sso/cache`, written as botocore's
//! `JSONFileCache` writes it (`json.dumps` with Python's separators, a `0600` file replaced
//! atomically in a `0700` directory):
//!
//! - **Token files**, `<sha1 of the session name, or of the start URL for legacy profiles>.json`
//!   ([`sso_token_cache_key`]): `startUrl` (as configured), `region`, `accessToken`, `expiresAt`
//!   (`YYYY-MM-DDTHH:MM:SSZ`), `clientId`, `clientSecret`, `registrationExpiresAt`, and
//!   `refreshToken` when one was issued ([`SsoCachedToken`]).
//! - **Client registrations**, `<sha1 of json.dumps({"region", "scopes", "session_name",
//!   "startUrl", "tool": "botocore"}, sort_keys=True)>.json` ([`sso_registration_cache_key`]):
//!   `clientId`, `clientSecret`, `expiresAt`, and `scopes` and `grantTypes` for the authorization
//!   code grant ([`ClientRegistration`]).
//!
//! Logging out ([`SsoCache::access_tokens`], [`sso_role_credential_files`]) finds what `aws sso
//! logout` removes: every JSON file of the SSO cache with an `accessToken`, and every entry of
//! `~/.aws/cli/cache` with `"ProviderType": "sso"`. Registrations stay.

use crate::credentials::cli_cache::CliCache;
use crate::credentials::cli_cache::pyjson::{self, Style};
use crate::credentials::cli_cache::sha1::sha1_hex;
use crate::credentials::sso_login::oidc::{ClientRegistration, CreatedToken, write_private};
use crate::env::{Env, Platform};
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::{Error, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Files of the SSO cache larger than this are not read (real ones are under 4 KiB).
pub const MAX_SSO_CACHE_ENTRY: u64 = 256 * 1024;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("sso", message).into()
}

/// The name (without `.json`) of a token file: the SHA-1 hex of the `[sso-session]` name, or of
/// the start URL for a legacy profile.
///
/// ```
/// use sts_blocking::credentials::sso_token_cache_key;
/// assert_eq!(sso_token_cache_key(Some("dev"), "https://x"), "34c6fceca75e456f25e7e99531e2425c6c1de443");
/// assert!(sso_token_cache_key(None, "https://ssotest.awsapps.com/start").starts_with("dace00cb"));
/// ```
#[must_use]
pub fn sso_token_cache_key(session_name: Option<&str>, start_url: &str) -> String {
    sha1_hex(session_name.unwrap_or(start_url).as_bytes())
}

/// The name (without `.json`) of a client registration: the SHA-1 hex of
/// `json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"},
/// sort_keys=True)`, `scopes` and `session_name` being `null` when not configured.
///
/// ```
/// use sts_blocking::credentials::sso_registration_cache_key;
/// let k = sso_registration_cache_key("https://d-1.awsapps.com/start", "us-east-1", None, Some("dev"));
/// assert_eq!(k.len(), 40);
/// ```
#[must_use]
pub fn sso_registration_cache_key(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> String {
    let s = |v: &str| Value::String(v.to_owned());
    let args = Value::Object(vec![
        ("tool".to_owned(), s("botocore")),
        ("startUrl".to_owned(), s(start_url)),
        ("region".to_owned(), s(region)),
        (
            "scopes".to_owned(),
            scopes.map_or(Value::Null, |sc| {
                Value::Array(sc.iter().map(|x| s(x)).collect())
            }),
        ),
        (
            "session_name".to_owned(),
            session_name.map_or(Value::Null, s),
        ),
    ]);
    let text = pyjson::dumps(
        &args,
        Style {
            sort_keys: true,
            compact: false,
        },
    );
    sha1_hex(text.as_bytes())
}

/// A token file of the SSO cache, as `aws sso login` writes it. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoCachedToken {
    /// `startUrl`: the start URL as configured.
    pub start_url: String,
    /// `region`: the `sso_region`.
    pub region: String,
    /// `accessToken`.
    pub access_token: SecretString,
    /// `expiresAt`.
    pub expires_at: OffsetDateTime,
    /// `clientId` of the registration.
    pub client_id: String,
    /// `clientSecret` of the registration.
    pub client_secret: SecretString,
    /// `registrationExpiresAt`, as the registration carries it.
    pub registration_expires_at: String,
    /// `refreshToken`, when one was issued.
    pub refresh_token: Option<SecretString>,
}

impl fmt::Debug for SsoCachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoCachedToken")
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("expires_at", &self.expires_at)
            .field("client_id", &self.client_id)
            .field("registration_expires_at", &self.registration_expires_at)
            .field("refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl SsoCachedToken {
    /// The token file of `token`, issued to `registration`, for `start_url` (as configured) in
    /// `region`.
    #[must_use]
    pub fn new(
        start_url: impl Into<String>,
        region: impl Into<String>,
        registration: &ClientRegistration,
        token: &CreatedToken,
    ) -> Self {
        Self {
            start_url: start_url.into(),
            region: region.into(),
            access_token: token.access_token.clone(),
            expires_at: token.expires_at,
            client_id: registration.client_id.clone(),
            client_secret: registration.client_secret.clone(),
            registration_expires_at: registration.expires_at_text(),
            refresh_token: token.refresh_token.clone(),
        }
    }

    /// The file's bytes, as botocore writes them (same keys, same order, `json.dumps`).
    #[must_use]
    pub fn to_json(&self) -> SecretString {
        let s = |v: &str| Value::String(v.to_owned());
        let mut m = vec![
            ("startUrl".to_owned(), s(&self.start_url)),
            ("region".to_owned(), s(&self.region)),
            ("accessToken".to_owned(), s(self.access_token.expose())),
            (
                "expiresAt".to_owned(),
                s(&crate::credentials::cli_cache::timestamp(
                    self.expires_at,
                    "Z",
                )),
            ),
            ("clientId".to_owned(), s(&self.client_id)),
            ("clientSecret".to_owned(), s(self.client_secret.expose())),
            (
                "registrationExpiresAt".to_owned(),
                s(&self.registration_expires_at),
            ),
        ];
        if let Some(rt) = &self.refresh_token {
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
}

/// An access token found in the SSO cache (for logging out). `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachedAccessToken {
    /// The token file.
    pub path: PathBuf,
    /// Its `region`, when it has one (the portal to log out of).
    pub region: Option<String>,
    /// Its `accessToken`.
    pub access_token: SecretString,
}

impl fmt::Debug for CachedAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedAccessToken")
            .field("path", &self.path)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// What a token file says about logging in again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SsoTokenState {
    /// No file.
    Missing,
    /// A file that cannot be used (unreadable, not JSON, no `accessToken` or `expiresAt`).
    Unusable,
    /// A token that has expired.
    Expired,
    /// A token that has not expired.
    Valid,
}

/// The state of the token file at `path` at `now` (never an error: a file that cannot be read
/// is [`SsoTokenState::Unusable`]).
#[must_use]
pub fn sso_token_state(path: &Path, now: OffsetDateTime) -> SsoTokenState {
    let text = match crate::files::read_capped_text(path, MAX_SSO_CACHE_ENTRY, "SSO token cache") {
        Ok(t) => SecretString::new(t),
        Err(Error::File {
            problem: crate::error::FileProblem::NotFound,
            ..
        }) => return SsoTokenState::Missing,
        Err(_) => return SsoTokenState::Unusable,
    };
    let Ok(v) = json::parse(text.expose()) else {
        return SsoTokenState::Unusable;
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let expires = s("expiresAt").and_then(crate::credentials::cli_cache::parse_expiration);
    match (s("accessToken"), expires) {
        (Some(_), Some(e)) if e > now => SsoTokenState::Valid,
        (Some(_), Some(_)) => SsoTokenState::Expired,
        _ => SsoTokenState::Unusable,
    }
}

/// The directory `~/.aws/sso/cache` and its files.
///
/// ```
/// use sts_blocking::credentials::{sso_token_cache_key, SsoCache};
/// let cache = SsoCache::new("/home/me/.aws/sso/cache");
/// let key = sso_token_cache_key(Some("dev"), "https://d-1.awsapps.com/start");
/// assert_eq!(cache.path(&key), std::path::Path::new("/home/me/.aws/sso/cache").join(format!("{key}.json")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoCache {
    dir: PathBuf,
}

impl SsoCache {
    /// The cache in `dir`.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `~/.aws/sso/cache` of the home directory `env` names (`HOME`, or `USERPROFILE` on
    /// Windows).
    ///
    /// # Errors
    /// [`Error::Credentials`] when there is no home directory.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let home = env
            .home_dir(Platform::current())
            .ok_or_else(|| err("no home directory (HOME is unset): nowhere to keep SSO tokens"))?;
        Ok(Self::new(home.join(".aws").join("sso").join("cache")))
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key` (a token or registration key).
    #[must_use]
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The registration cached under `key`; `None` when there is none or it cannot be used (a
    /// new registration then replaces it).
    #[must_use]
    pub fn load_registration(&self, key: &str) -> Option<ClientRegistration> {
        let text =
            crate::files::read_capped_text(&self.path(key), MAX_SSO_CACHE_ENTRY, "SSO cache")
                .ok()
                .map(SecretString::new)?;
        ClientRegistration::from_cache_json(text.expose()).ok()
    }

    /// Writes `registration` under `key`; returns the file.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the file cannot be written.
    pub fn save_registration(
        &self,
        key: &str,
        registration: &ClientRegistration,
    ) -> Result<PathBuf, Error> {
        let path = self.path(key);
        write_private(&path, &registration.to_cache_json())?;
        Ok(path)
    }

    /// Writes `token` under `key`; returns the file.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the file cannot be written.
    pub fn save_token(&self, key: &str, token: &SsoCachedToken) -> Result<PathBuf, Error> {
        let path = self.path(key);
        write_private(&path, &token.to_json())?;
        Ok(path)
    }

    /// Every JSON file of the cache that holds an `accessToken` (the token files of any tool),
    /// sorted by path. Files that cannot be read or parsed are skipped, as the AWS CLI skips
    /// them; registrations have no `accessToken`.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the directory exists but cannot be listed.
    pub fn access_tokens(&self) -> Result<Vec<CachedAccessToken>, Error> {
        let mut found = Vec::new();
        for path in list(&self.dir)? {
            let Some(v) = read_json(&path) else { continue };
            let Some(token) = v.get("accessToken").and_then(Value::as_str) else {
                continue;
            };
            found.push(CachedAccessToken {
                region: v
                    .get("region")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
                access_token: SecretString::new(token),
                path,
            });
        }
        Ok(found)
    }
}

/// The files of `dir`, sorted; none when it does not exist.
fn list(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(format!("could not list {}: {e}", dir.display()))),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// A capped, non-blocking read of a JSON cache file; `None` when it cannot be read or parsed.
fn read_json(path: &Path) -> Option<Value> {
    let text = crate::files::read_capped_text(path, MAX_SSO_CACHE_ENTRY, "cache file")
        .ok()
        .map(SecretString::new)?;
    json::parse(text.expose()).ok()
}

/// The entries of the AWS CLI's credential cache (`~/.aws/cli/cache`) that hold SSO role
/// credentials (`"ProviderType": "sso"`), sorted: what `aws sso logout` deletes there.
///
/// # Errors
/// [`Error::Credentials`] when the directory exists but cannot be listed.
pub fn sso_role_credential_files(cache: &CliCache) -> Result<Vec<PathBuf>, Error> {
    Ok(list(cache.dir())?
        .into_iter()
        .filter(|p| {
            read_json(p)
                .is_some_and(|v| v.get("ProviderType").and_then(Value::as_str) == Some("sso"))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sts-sso-cache-{tag}-{}-{}",
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn registration_keys_are_botocores() {
        // Computed with botocore's BaseSSOTokenFetcher._registration_cache_key.
        let scopes = ["sso:account:access".to_owned()];
        let text = r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "dev", "startUrl": "https://d-1.awsapps.com/start", "tool": "botocore"}"#;
        assert_eq!(
            sso_registration_cache_key(
                "https://d-1.awsapps.com/start",
                "us-east-1",
                Some(&scopes),
                Some("dev")
            ),
            sha1_hex(text.as_bytes())
        );
        let none = r#"{"region": "us-east-1", "scopes": null, "session_name": null, "startUrl": "u", "tool": "botocore"}"#;
        assert_eq!(
            sso_registration_cache_key("u", "us-east-1", None, None),
            sha1_hex(none.as_bytes())
        );
    }

    #[test]
    fn token_files_are_written_privately_and_read_back() {
        let d = temp("tok");
        let cache = SsoCache::new(d.join("sso/cache"));
        let reg = ClientRegistration::new(
            "cid",
            "csecret",
            OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
        );
        let token = CreatedToken::from_response(
            r#"{"accessToken": "at", "expiresIn": 3600, "refreshToken": "rt"}"#,
            OffsetDateTime::UNIX_EPOCH + time::Duration::days(19_000),
        )
        .unwrap();
        let t = SsoCachedToken::new("https://s", "eu-west-1", &reg, &token);
        assert!(!format!("{t:?}").contains("\"at\"") && !format!("{t:?}").contains("csecret"));
        let key = sso_token_cache_key(Some("dev"), "https://s");
        let path = cache.save_token(&key, &t).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"startUrl": "https://s", "region": "eu-west-1", "accessToken": "at", "expiresAt": "2022-01-08T01:00:00Z", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2024-10-04T00:00:00Z", "refreshToken": "rt"}"#
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(cache.dir()), 0o700);
        }
        let reg_path = cache.save_registration("regkey", &reg).unwrap();
        let back = cache.load_registration("regkey").unwrap();
        assert_eq!(back.client_id, "cid");
        assert_eq!(back.to_cache_json(), reg.to_cache_json());
        assert_eq!(
            std::fs::read_to_string(&reg_path).unwrap(),
            reg.to_cache_json().expose()
        );
        assert!(cache.load_registration("missing").is_none());
        // Logout finds the token, not the registration, nor files that are not JSON.
        std::fs::write(cache.path("junk"), "not json").unwrap();
        std::fs::write(cache.dir().join("note.txt"), "{\"accessToken\": \"x\"}").unwrap();
        let found = cache.access_tokens().unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, path);
        assert_eq!(found[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(found[0].access_token.expose(), "at");
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(19_000);
        assert_eq!(sso_token_state(&path, now), SsoTokenState::Valid);
        assert_eq!(
            sso_token_state(&path, now + time::Duration::hours(2)),
            SsoTokenState::Expired
        );
        assert_eq!(
            sso_token_state(&cache.path("junk"), now),
            SsoTokenState::Unusable
        );
        assert_eq!(
            sso_token_state(&cache.path("none"), now),
            SsoTokenState::Missing
        );
        assert!(
            SsoCache::new(d.join("absent"))
                .access_tokens()
                .unwrap()
                .is_empty()
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn sso_role_entries_are_found_by_provider_type() {
        let d = temp("cli");
        std::fs::write(
            d.join("a.json"),
            r#"{"ProviderType": "sso", "Credentials": {}}"#,
        )
        .unwrap();
        std::fs::write(d.join("b.json"), r#"{"Credentials": {}}"#).unwrap();
        std::fs::write(d.join("c.json"), r#"{"ProviderType": "other"}"#).unwrap();
        let found = sso_role_credential_files(&CliCache::new(&d)).unwrap();
        assert_eq!(found, vec![d.join("a.json")]);
        let _ = std::fs::remove_dir_all(&d);
    }
}
