//! Signing in as `aws login` does (AWS CLI v2, `awscli/customizations/login`): an OAuth 2.0
//! authorization code with PKCE and `state`, redeemed at the sign-in service's DPoP-bound
//! `POST /v1/token`, written to the login cache that [`LoginProvider`](super::LoginProvider) reads
//! and refreshes.
//!
//! - **Same device**: client id `arn:aws:signin:::devtools/same-device`, redirect URI
//!   `http://127.0.0.1:{port}/oauth/callback` (a one-shot local listener; see [`parse_callback`]).
//! - **Remote** (`--remote`): client id `arn:aws:signin:::devtools/cross-device`, redirect URI
//!   `{signin}/v1/sessions/confirmation`; the page shows a code (base64 of
//!   `state=...&code=...`) that the user pastes ([`parse_pasted_code`]).
//! - **Authorize URL**: `{signin}/v1/authorize?response_type=code&client_id=..&state=<uuid4>&
//!   code_challenge_method=SHA-256&scope=openid&redirect_uri=..&code_challenge=..` — the AWS
//!   CLI's parameters in its order; the challenge is the S256 transform (base64url of the SHA-256
//!   of the verifier, no padding) and the service names the method `SHA-256`.
//! - **PKCE verifier**: 64 characters drawn uniformly from `[A-Za-z0-9-._~]`.
//! - **Token exchange**: `{"clientId", "grantType": "authorization_code", "code",
//!   "codeVerifier", "redirectUri"}` with a `DPoP` proof signed by a fresh P-256 key; the answer's
//!   `idToken` names the session (its `sub`, a principal ARN) and the cache file
//!   (`<sha256 of the session>.json`, `0600`, written atomically) holds the keys, the refresh
//!   token and that key (SEC1 PEM), in the AWS CLI's layout.
//!
//! The verifier, the code, the key and the tokens are secrets: none of the types here shows them
//! in `Debug`, and no error message contains them.

use super::Credentials;
use super::login::{self, MAX_TOKEN_FILE_BYTES};
use crate::credentials::cli_cache::cache_io;
use crate::credentials::cli_cache::pyjson::{self, Style};
use crate::credentials::login::dpop::DpopKey;
use crate::credentials::providers::token_http::{self, Timeouts};
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::presign::base64;
use crate::transport::TransportConfig;
use crate::{Error, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The client id of the same-device flow.
pub const SAME_DEVICE_CLIENT_ID: &str = "arn:aws:signin:::devtools/same-device";
/// The client id of the remote (cross-device) flow.
pub const CROSS_DEVICE_CLIENT_ID: &str = "arn:aws:signin:::devtools/cross-device";
/// The path of the local callback listener.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// The path of the remote flow's redirect URI on the sign-in endpoint.
pub const REMOTE_REDIRECT_PATH: &str = "/v1/sessions/confirmation";

/// The characters of a PKCE verifier (RFC 7636 "unreserved").
const VERIFIER_ALPHABET: &[u8; 66] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
/// The length of a verifier, as the AWS CLI makes them.
const VERIFIER_LEN: usize = 64;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("login", message).into()
}

/// The S256 code challenge of `verifier`: base64url (no padding) of its SHA-256.
///
/// ```
/// // RFC 7636, appendix B.
/// let c = sts_blocking::__private::credentials::login_flow::code_challenge(
///     "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
/// assert_eq!(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// ```
#[must_use]
pub fn code_challenge(verifier: &str) -> String {
    base64::encode_url_nopad(&Sha256::digest(verifier.as_bytes()))
}

/// A PKCE verifier of 64 characters from `random` bytes, drawn uniformly (bytes of 198 and above
/// are skipped); `None` when `random` holds too few usable bytes (ask for more).
#[must_use]
pub fn verifier_from_random(random: &[u8]) -> Option<SecretString> {
    let limit = VERIFIER_ALPHABET.len() * 3; // 198: a multiple of 66 below 256
    let v: String = random
        .iter()
        .map(|b| usize::from(*b))
        .filter(|b| *b < limit)
        .map(|b| char::from(VERIFIER_ALPHABET[b % VERIFIER_ALPHABET.len()]))
        .take(VERIFIER_LEN)
        .collect();
    (v.len() == VERIFIER_LEN).then(|| SecretString::new(v))
}

/// The authorization URL the browser opens, with the AWS CLI's parameters in its order.
#[must_use]
pub fn authorize_url(
    base: &str,
    client_id: &str,
    state: &str,
    challenge: &str,
    redirect_uri: &str,
) -> String {
    let mut s = format!(
        "{}/v1/authorize?response_type=code",
        base.trim_end_matches('/')
    );
    for (k, v) in [
        ("client_id", client_id),
        ("state", state),
        ("code_challenge_method", "SHA-256"),
        ("scope", "openid"),
        ("redirect_uri", redirect_uri),
        ("code_challenge", challenge),
    ] {
        s.push('&');
        s.push_str(k);
        s.push('=');
        crate::query::encode_into(&mut s, v);
    }
    s
}

/// What arrived at the local listener ([`PendingLogin::parse_callback`]).
#[non_exhaustive]
pub enum Callback {
    /// The redirect with an authorization code.
    Code {
        /// The authorization code (a secret).
        code: SecretString,
        /// The `state` it came back with (compare with [`PendingLogin::state_matches`]).
        state: String,
    },
    /// The redirect with an `error` (the user refused, or sign-in failed).
    Denied {
        /// The `error` and `error_description`, control characters escaped.
        why: String,
        /// The `state` it came back with, if any.
        state: Option<String>,
    },
    /// A request for the callback path without a usable code or error (none, an empty one, no
    /// `state` with the code, a query that does not decode).
    Invalid,
    /// Any other path (a favicon): answer 404 and keep waiting.
    Other,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code { state, .. } => f
                .debug_struct("Code")
                .field("state", state)
                .finish_non_exhaustive(),
            Self::Denied { why, state } => f
                .debug_struct("Denied")
                .field("why", why)
                .field("state", state)
                .finish(),
            Self::Invalid => f.write_str("Invalid"),
            Self::Other => f.write_str("Other"),
        }
    }
}

/// Reads the request target of a callback (`/oauth/callback?code=..&state=..`). Whether it is
/// this login's answer is the caller's check ([`PendingLogin::state_matches`]): anyone who finds
/// the port can send one.
#[must_use]
pub fn parse_callback(target: &str) -> Callback {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        return Callback::Other;
    }
    let Ok(pairs) = crate::query::decode(query) else {
        return Callback::Invalid;
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let state = get("state").map(str::to_owned);
    if let Some(e) = get("error") {
        let text = |t: &str, max| crate::redact::escape_controls(&crate::error::cut(t, max));
        let mut why = text(e, 200);
        if let Some(d) = get("error_description") {
            why.push_str(": ");
            why.push_str(&text(d, 300));
        }
        return Callback::Denied { why, state };
    }
    match (get("code"), state) {
        (Some(code), Some(state)) if !code.is_empty() => Callback::Code {
            code: SecretString::new(code),
            state,
        },
        _ => Callback::Invalid,
    }
}

/// Reads the code pasted in the remote flow: base64 of `state=...&code=...`. Returns
/// `(code, state)`.
///
/// # Errors
/// [`Error::Credentials`] when it is not base64 of such a query (the message never repeats it).
pub fn parse_pasted_code(pasted: &str) -> Result<(SecretString, String), Error> {
    let bad = || {
        err(
            "the pasted authorization code is not valid: paste the whole code the sign-in page shows",
        )
    };
    let raw = base64::decode_std(pasted.trim()).ok_or_else(bad)?;
    let text = zeroize::Zeroizing::new(String::from_utf8(raw).map_err(|_| bad())?);
    let pairs = crate::query::decode(&text).map_err(|_| bad())?;
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    match (get("code"), get("state")) {
        (Some(code), Some(state)) if !code.is_empty() => Ok((SecretString::new(code), state)),
        _ => Err(bad()),
    }
}

/// The JSON body of the `authorization_code` token request.
#[must_use]
pub fn exchange_body(
    client_id: &str,
    code: &SecretString,
    verifier: &SecretString,
    redirect_uri: &str,
) -> SecretString {
    let mut b = String::from("{\"clientId\":");
    pyjson::write_str(&mut b, client_id);
    b.push_str(",\"grantType\":\"authorization_code\",\"code\":");
    pyjson::write_str(&mut b, code.expose());
    b.push_str(",\"codeVerifier\":");
    pyjson::write_str(&mut b, verifier.expose());
    b.push_str(",\"redirectUri\":");
    pyjson::write_str(&mut b, redirect_uri);
    b.push('}');
    SecretString::new(b)
}

/// The session an ID token names: its payload's `sub` (the signed-in principal's ARN). The
/// signature is not checked (the token came over TLS from the sign-in service).
///
/// # Errors
/// [`Error::Credentials`] when it is not a JWT with a string `sub`, or the `sub` has control
/// characters (it goes to the terminal and the config file).
pub fn session_from_id_token(id_token: &str) -> Result<String, Error> {
    let bad = || err("the sign-in service returned an ID token without a session (`sub`)");
    let mut parts = id_token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let bytes = base64::decode_url_nopad(payload.trim_end_matches('=')).ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let v = json::parse(&text).map_err(|_| bad())?;
    let sub = v
        .get("sub")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?;
    // It is shown on the terminal and written into the config file: refused, not escaped.
    if sub.chars().any(char::is_control) {
        return Err(err(format!(
            "the sign-in service returned a session name with control characters ({}): refused, \
             nothing was saved",
            crate::redact::escape_controls(&crate::error::cut(sub, 200))
        )));
    }
    Ok(sub.to_owned())
}

/// A finished login ([`PendingLogin::finish`]): the session name, its credentials and the cache
/// file contents ([`LoginResult::save`] writes them).
#[non_exhaustive]
pub struct LoginResult {
    /// The session (the principal's ARN): the profile's `login_session` value.
    pub session: String,
    /// The credentials the exchange returned (with expiration and account).
    pub credentials: Credentials,
    /// The cache file, as the AWS CLI writes it (a secret).
    pub document: SecretString,
}

impl fmt::Debug for LoginResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResult")
            .field("session", &self.session)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// Builds the login from a token response received at `now`: `accessToken`, `tokenType`,
/// `expiresIn`, `refreshToken`, `idToken`; the cache document holds them with `clientId` and the
/// DPoP key, in the AWS CLI's member order and `json.dumps` style.
///
/// # Errors
/// [`Error::Credentials`] for a response missing any of them.
pub fn login_result(
    body: &str,
    client_id: &str,
    dpop_pem: &SecretString,
    now: OffsetDateTime,
) -> Result<LoginResult, Error> {
    let hint = "run `sts login` again";
    let r = login::parse_refresh(body, now, hint)?;
    let v = json::parse(body).map_err(|_| err("invalid token response"))?;
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                err(format!(
                    "the sign-in service's token response has no {k}; {hint}"
                ))
            })
    };
    let token_type = text("tokenType")?;
    let id_token = SecretString::new(text("idToken")?);
    let session = session_from_id_token(id_token.expose())?;
    let account = super::account_of_arn(&session);
    let s = |v: &str| Value::String(v.to_owned());
    let mut access = vec![
        ("accessKeyId".to_owned(), s(&r.access_key_id)),
        (
            "secretAccessKey".to_owned(),
            s(r.secret_access_key.expose()),
        ),
        ("sessionToken".to_owned(), s(r.session_token.expose())),
    ];
    access.push((
        "accountId".to_owned(),
        account.as_deref().map_or(Value::Null, s),
    ));
    access.push((
        "expiresAt".to_owned(),
        s(&super::cli_cache::timestamp(r.expires_at, "Z")),
    ));
    let doc = Value::Object(vec![
        ("accessToken".to_owned(), Value::Object(access)),
        ("tokenType".to_owned(), s(&token_type)),
        ("clientId".to_owned(), s(client_id)),
        ("refreshToken".to_owned(), s(r.refresh_token.expose())),
        ("idToken".to_owned(), s(id_token.expose())),
        ("dpopKey".to_owned(), s(dpop_pem.expose())),
    ]);
    let document = SecretString::new(pyjson::dumps(
        &doc,
        Style {
            sort_keys: false,
            compact: false,
        },
    ));
    let mut credentials =
        Credentials::new(r.access_key_id, r.secret_access_key, Some(r.session_token))
            .with_expiration(r.expires_at);
    credentials.account_id = account;
    Ok(LoginResult {
        session,
        credentials,
        document,
    })
}

/// The refused-exchange error, by the service's `error` reason.
fn exchange_error(status: u16, body: &str) -> Error {
    let reason = json::parse(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    if reason.as_deref() == Some("AUTHCODE_EXPIRED") {
        return err(
            "Unable to complete the login process due to an expired authorization code. Please \
             reauthenticate using `sts login`.",
        );
    }
    login::refresh_error(status, body, "run `sts login` again")
}

/// A login in progress, as `aws login` signs in: the PKCE verifier, the `state`, the fresh DPoP key
/// and where the code must be redeemed. Secrets: `Debug` shows only the redirect URI.
///
/// The caller shows [`PendingLogin::authorize_url`] to the user (a browser), receives the
/// redirect ([`PendingLogin::parse_callback`], on a listener at the redirect URI) or the pasted
/// code ([`PendingLogin::parse_pasted_code`]), redeems it ([`PendingLogin::finish`]) and saves the
/// session ([`LoginResult::save`]) where [`LoginProvider`](super::LoginProvider) reads and
/// refreshes it.
pub struct PendingLogin {
    base: String,
    client_id: &'static str,
    redirect_uri: String,
    state: String,
    verifier: SecretString,
    key: DpopKey,
    key_pem: SecretString,
    timeouts: Timeouts,
    transport: TransportConfig,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("base", &self.base)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    crate::random::secure_bytes().ok_or_else(|| err("no secure random numbers"))
}

impl PendingLogin {
    /// The same-device flow at the sign-in endpoint `base`, with the local listener on
    /// `127.0.0.1:port`. Draws the verifier, the state and the key from the system's secure
    /// random source.
    ///
    /// # Errors
    /// [`Error::Credentials`] when `base` breaks the endpoint policy or randomness fails.
    pub fn same_device(base: &str, port: u16) -> Result<Self, Error> {
        Self::new(
            base,
            SAME_DEVICE_CLIENT_ID,
            format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
        )
    }

    /// The remote flow at the sign-in endpoint `base` (the code is pasted).
    ///
    /// # Errors
    /// As [`PendingLogin::same_device`].
    pub fn remote(base: &str) -> Result<Self, Error> {
        let redirect = format!("{}{REMOTE_REDIRECT_PATH}", base.trim_end_matches('/'));
        Self::new(base, CROSS_DEVICE_CLIENT_ID, redirect)
    }

    fn new(base: &str, client_id: &'static str, redirect_uri: String) -> Result<Self, Error> {
        token_http::endpoint_for(base, "")?;
        let verifier = loop {
            let bytes = zeroize::Zeroizing::new(random::<128>()?);
            if let Some(v) = verifier_from_random(&bytes[..]) {
                break v;
            }
        };
        let (key, key_pem) = DpopKey::generate().map_err(|e| err(e.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client_id,
            redirect_uri,
            state: crate::random::uuid4(random::<16>()?),
            verifier,
            key,
            key_pem,
            timeouts: Timeouts::default(),
            transport: token_http::default_transport(),
        })
    }

    /// Sends with proxies from `env` and, when given, only `ca_bundle`'s roots (default: the
    /// process environment and the default roots).
    #[must_use]
    pub fn transport(mut self, env: &super::Env, ca_bundle: Option<PathBuf>) -> Self {
        self.transport = TransportConfig::for_provider(env, ca_bundle, self.timeouts.connect);
        self
    }

    /// The URL to open in the browser.
    #[must_use]
    pub fn authorize_url(&self) -> String {
        authorize_url(
            &self.base,
            self.client_id,
            &self.state,
            &code_challenge(self.verifier.expose()),
            &self.redirect_uri,
        )
    }

    /// The redirect URI the authorization request names.
    #[must_use]
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Reads the request target of a redirect to the local listener
    /// (`/oauth/callback?code=..&state=..`). Whether it is this login's answer is the caller's
    /// check ([`PendingLogin::state_matches`]): anyone who finds the port can send one.
    #[must_use]
    pub fn parse_callback(target: &str) -> Callback {
        parse_callback(target)
    }

    /// Reads the code pasted in the remote flow (base64 of `state=...&code=...`): `(code, state)`.
    ///
    /// # Errors
    /// [`Error::Credentials`] when it is not such a code (the message never repeats it).
    pub fn parse_pasted_code(pasted: &str) -> Result<(SecretString, String), Error> {
        parse_pasted_code(pasted)
    }

    /// Whether `state` is this login's (compared in constant time).
    #[must_use]
    pub fn state_matches(&self, state: &str) -> bool {
        crate::secret::constant_time_eq(state.as_bytes(), self.state.as_bytes())
    }

    /// Checks the returned `state`, redeems `code` with a DPoP proof and builds the login (the
    /// expiration counted from `now`).
    ///
    /// # Errors
    /// [`Error::Credentials`] for a state mismatch (nothing is sent), a refused exchange or an
    /// unusable answer; transport errors.
    pub fn finish(
        &self,
        code: &SecretString,
        state: &str,
        now: OffsetDateTime,
    ) -> Result<LoginResult, Error> {
        if !self.state_matches(state) {
            return Err(err(
                "the authorization response does not match this login (state mismatch): run \
                 `sts login` again",
            ));
        }
        let target = token_http::endpoint_for(&self.base, "/v1/token")?;
        let htu = target.full.as_str();
        let jti = crate::random::secure_uuid4().ok_or_else(|| err("no secure random numbers"))?;
        // The server checks `iat` against its wall clock, whatever clock `now` is from.
        let iat = OffsetDateTime::now_utc().unix_timestamp();
        let proof = self
            .key
            .proof("POST", htu, iat, &jti)
            .map_err(|e| err(e.to_string()))?;
        let body = exchange_body(self.client_id, code, &self.verifier, &self.redirect_uri);
        let reply = token_http::post_json(
            &target,
            &[("dpop", &proof)],
            &body,
            &self.transport,
            self.timeouts,
        )?;
        if reply.status != 200 {
            return Err(exchange_error(reply.status, reply.body.expose()));
        }
        login_result(reply.body.expose(), self.client_id, &self.key_pem, now)
    }
}

impl LoginResult {
    /// Writes the session's cache file into `dir` (`<sha256 of the session>.json`, `0600`,
    /// atomically; see [`LoginProvider::cache_dir`](super::LoginProvider::cache_dir)) and returns
    /// its path.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the file cannot be written.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, Error> {
        save(dir, self)
    }
}

impl super::LoginProvider {
    /// `aws logout`: deletes the cache file of `session` in `dir`; returns it if there was one.
    ///
    /// # Errors
    /// [`Error::Credentials`] when it exists but cannot be removed.
    pub fn remove_session(dir: &Path, session: &str) -> Result<Option<PathBuf>, Error> {
        remove_session(dir, session)
    }

    /// `aws logout --all`: deletes every login cache file in `dir` (JSON files whose
    /// `accessToken` has an `accessKeyId`, as the AWS CLI decides); returns the removed files,
    /// sorted. Other files are left alone.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the directory cannot be listed or a file cannot be removed.
    pub fn remove_all(dir: &Path) -> Result<Vec<PathBuf>, Error> {
        remove_all(dir)
    }
}

/// Writes a login's cache file into `dir` (`<sha256 of the session>.json`, `0600`, atomically)
/// and returns its path.
///
/// # Errors
/// [`Error::Credentials`] when the file cannot be written.
pub fn save(dir: &Path, result: &LoginResult) -> Result<PathBuf, Error> {
    let path = login::cache_file(dir, &result.session);
    cache_io::write_atomic(&path, result.document.expose().as_bytes())
        .map_err(|e| err(format!("could not write {}: {e}", path.display())))?;
    Ok(path)
}

/// Deletes the cache file of `session` in `dir`; returns it if there was one.
///
/// # Errors
/// [`Error::Credentials`] when it exists but cannot be removed.
pub fn remove_session(dir: &Path, session: &str) -> Result<Option<PathBuf>, Error> {
    let path = login::cache_file(dir, session.trim());
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Some(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(format!("could not remove {}: {e}", path.display()))),
    }
}

/// Deletes every login cache file in `dir` (JSON files whose `accessToken` has an
/// `accessKeyId`, as the AWS CLI's `logout --all` decides); returns the removed files, sorted.
/// Other files are left alone.
///
/// # Errors
/// [`Error::Credentials`] when the directory cannot be listed or a file cannot be removed.
pub fn remove_all(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(format!("could not list {}: {e}", dir.display()))),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut removed = Vec::new();
    for path in paths {
        let Ok(text) = crate::files::read_capped_text(&path, MAX_TOKEN_FILE_BYTES, "login cache")
        else {
            continue;
        };
        let text = SecretString::new(text);
        let is_login = json::parse(text.expose()).is_ok_and(|v| {
            v.get("accessToken")
                .is_some_and(|a| a.get("accessKeyId").is_some())
        });
        if is_login {
            std::fs::remove_file(&path)
                .map_err(|e| err(format!("could not remove {}: {e}", path.display())))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS CLI's unit-test ID token (`sub` = an assumed-role session).
    const ID_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhcm46YXdzOnN0czo6MDEyMzQ1\
        Njc4OTAxOmFzc3VtZWQtcm9sZS9BZG1pbi9hZG1pbiIsImF1ZCI6ImFybjphd3M6c2lnbmluO\
        jo6Y2xpL3NhbWUtZGV2aWNlIiwiaXNzIjoiaHR0cHM6Ly9zaWduaW4uYXdzLmFtYXpvbi5jb2\
        0vc2lnbmluIiwic2Vzc2lvbl9hcm4iOiJhcm46YXdzOnN0czo6MDEyMzQ1Njc4OTAxOmFzc3V\
        tZWQtcm9sZS9BZG1pbi9hZG1pbiIsImV4cCI6MTc2MTA5OTMxMCwiaWF0IjoxNzYxMDk4NDEw\
        fQ.kiIJ6sOFm_keeapxWtB6u5oV-sCEoNsA4vortcNW6U4";

    #[test]
    fn verifiers_are_uniform_over_the_alphabet() {
        assert!(verifier_from_random(&[0u8; 63]).is_none());
        let all: Vec<u8> = (0..=255).collect();
        // 198 usable bytes: enough for 64 characters.
        let v = verifier_from_random(&all).unwrap();
        assert_eq!(
            v.expose(),
            std::str::from_utf8(&VERIFIER_ALPHABET[..64]).unwrap()
        );
        // Bytes of 198 and above are skipped, not folded (that would bias the first characters).
        let high: Vec<u8> = std::iter::repeat_n(200u8, 500).chain([1u8; 64]).collect();
        assert_eq!(
            verifier_from_random(&high).unwrap().expose(),
            "B".repeat(64)
        );
        assert_eq!(
            verifier_from_random(&[67u8; 64]).unwrap().expose(),
            "B".repeat(64)
        );
        assert_eq!(format!("{v:?}"), "** redacted **");
    }

    #[test]
    fn authorize_url_as_the_aws_cli_builds_it() {
        // The AWS CLI's unit test: verifier "a" * 64.
        let verifier = "a".repeat(64);
        let challenge = code_challenge(&verifier);
        let url = authorize_url(
            "https://us-east-1.signin.aws.amazon.com/",
            SAME_DEVICE_CLIENT_ID,
            "5f0e7c2e-1111-4222-8333-444455556666",
            &challenge,
            "http://127.0.0.1:4321/oauth/callback",
        );
        assert_eq!(
            url,
            format!(
                "https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code\
                 &client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device\
                 &state=5f0e7c2e-1111-4222-8333-444455556666&code_challenge_method=SHA-256\
                 &scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Foauth%2Fcallback\
                 &code_challenge={challenge}"
            )
        );
        assert_eq!(challenge.len(), 43);
        assert!(!challenge.contains(['=', '+', '/']));
    }

    #[test]
    fn callbacks() {
        match parse_callback("/oauth/callback?code=c%2B1&state=s") {
            Callback::Code { code, state } => {
                assert_eq!((code.expose(), state.as_str()), ("c+1", "s"));
            }
            other => panic!("{other:?}"),
        }
        match parse_callback("/oauth/callback?error=access_denied&error_description=no%1B%07\n") {
            Callback::Denied { why, state } => {
                assert_eq!(why, "access_denied: no\\u{1b}\\u{7}\\n");
                assert_eq!(state, None);
            }
            other => panic!("{other:?}"),
        }
        match parse_callback("/oauth/callback?error=e&state=s") {
            Callback::Denied { why, state } => {
                assert_eq!((why.as_str(), state.as_deref()), ("e", Some("s")));
            }
            other => panic!("{other:?}"),
        }
        for invalid in [
            "/oauth/callback",
            "/oauth/callback?code=&state=s",
            "/oauth/callback?code=c",
            "/oauth/callback?code=%zz&state=s",
        ] {
            assert!(
                matches!(parse_callback(invalid), Callback::Invalid),
                "{invalid}"
            );
        }
        for other in ["/favicon.ico", "/oauth/callbackx?code=c&state=s", ""] {
            assert!(matches!(parse_callback(other), Callback::Other), "{other}");
        }
        let c = parse_callback("/oauth/callback?code=marker&state=s");
        assert!(!format!("{c:?}").contains("marker"));
    }

    #[test]
    fn pasted_codes() {
        let pasted = base64::encode_std(b"state=abc&code=the+code");
        let (code, state) = parse_pasted_code(&format!("  {pasted}\n")).unwrap();
        assert_eq!((code.expose(), state.as_str()), ("the code", "abc"));
        for bad in [
            "",
            "!!!",
            &base64::encode_std(b"state=abc"),
            &base64::encode_std(b"code=x"),
            &base64::encode_std(&[0xff, 0xfe]),
        ] {
            let e = parse_pasted_code(bad).unwrap_err().to_string();
            assert!(e.contains("not valid"), "{e}");
        }
        let e = parse_pasted_code(&base64::encode_std(b"code=marker")).unwrap_err();
        assert!(!e.to_string().contains("marker"));
    }

    #[test]
    fn exchange_body_and_document_as_the_aws_cli_writes_them() {
        let body = exchange_body(
            SAME_DEVICE_CLIENT_ID,
            &SecretString::new("auth_code"),
            &SecretString::new("a".repeat(64)),
            "http://localhost:8080",
        );
        assert_eq!(
            body.expose(),
            format!(
                "{{\"clientId\":\"arn:aws:signin:::devtools/same-device\",\"grantType\":\
                 \"authorization_code\",\"code\":\"auth_code\",\"codeVerifier\":\"{}\",\
                 \"redirectUri\":\"http://localhost:8080\"}}",
                "a".repeat(64)
            )
        );
        // The AWS CLI's unit test: TOKEN_RESPONSE at 2025-09-01T17:39:33Z.
        let response = format!(
            r#"{{"accessToken": {{"accessKeyId": "access_key", "secretAccessKey": "secret_access_key",
                "sessionToken": "session_token"}}, "tokenType": "aws_sigv4", "idToken": "{ID_TOKEN}",
                "refreshToken": "refresh_token", "expiresIn": 3600}}"#
        );
        let now = OffsetDateTime::from_unix_timestamp(1_756_748_373).unwrap();
        let pem =
            SecretString::new("-----BEGIN EC PRIVATE KEY-----\nK\n-----END EC PRIVATE KEY-----\n");
        let r = login_result(&response, SAME_DEVICE_CLIENT_ID, &pem, now).unwrap();
        assert_eq!(
            r.session,
            "arn:aws:sts::012345678901:assumed-role/Admin/admin"
        );
        assert_eq!(r.credentials.account_id.as_deref(), Some("012345678901"));
        assert_eq!(
            r.document.expose(),
            format!(
                "{{\"accessToken\": {{\"accessKeyId\": \"access_key\", \"secretAccessKey\": \
                 \"secret_access_key\", \"sessionToken\": \"session_token\", \"accountId\": \
                 \"012345678901\", \"expiresAt\": \"2025-09-01T18:39:33Z\"}}, \"tokenType\": \
                 \"aws_sigv4\", \"clientId\": \"arn:aws:signin:::devtools/same-device\", \
                 \"refreshToken\": \"refresh_token\", \"idToken\": \"{ID_TOKEN}\", \"dpopKey\": \
                 \"-----BEGIN EC PRIVATE KEY-----\\nK\\n-----END EC PRIVATE KEY-----\\n\"}}"
            )
        );
        assert!(!format!("{r:?}").contains("\"secret_access_key\""));
        for missing in ["idToken", "tokenType", "refreshToken", "accessKeyId"] {
            let broken = response.replace(&format!("\"{missing}\""), "\"x\"");
            assert!(login_result(&broken, "c", &pem, now).is_err(), "{missing}");
        }
        assert!(login_result(&response.replace(ID_TOKEN, "a.b.c"), "c", &pem, now).is_err());
    }

    #[test]
    fn sessions_and_accounts() {
        assert_eq!(
            session_from_id_token(ID_TOKEN).unwrap(),
            "arn:aws:sts::012345678901:assumed-role/Admin/admin"
        );
        for bad in ["", "a", "a.b", "a.b.c.d", "a.!!.c", "a.e30.c"] {
            assert!(session_from_id_token(bad).is_err(), "{bad}");
        }
        // A `sub` with control characters is refused, and the error shows it escaped.
        for sub in ["arn:a\u{1b}]0;x\u{7}", "arn:a\rb", "arn:\u{9b}2J"] {
            let payload = base64::encode_url_nopad(
                format!("{{\"sub\": {}}}", crate::json::escape(sub)).as_bytes(),
            );
            let e = session_from_id_token(&format!("h.{payload}.s"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("control characters"), "{e}");
            assert!(!e.chars().any(char::is_control), "{e:?}");
        }
        assert_eq!(
            super::super::account_of_arn("arn:aws:iam::0123:user/x").as_deref(),
            Some("0123")
        );
        assert_eq!(super::super::account_of_arn("arn:aws:iam:::user/x"), None);
        assert_eq!(super::super::account_of_arn("nope"), None);
        let e = exchange_error(401, r#"{"error": "AUTHCODE_EXPIRED", "message": "m"}"#);
        assert!(e.to_string().contains("expired authorization code"), "{e}");
        let e = exchange_error(
            403,
            r#"{"error": "INSUFFICIENT_PERMISSIONS", "message": "m"}"#,
        );
        assert!(e.to_string().contains("signin:CreateOAuth2Token"), "{e}");
    }

    #[test]
    fn logout_removes_only_login_files() {
        let dir = std::env::temp_dir().join(format!(
            "sts-login-flow-{}-{}",
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let a = login::cache_file(&dir, "arn:a");
        std::fs::write(&a, r#"{"accessToken": {"accessKeyId": "A"}}"#).unwrap();
        let b = login::cache_file(&dir, "arn:b");
        std::fs::write(&b, r#"{"accessToken": {"accessKeyId": "B"}}"#).unwrap();
        std::fs::write(dir.join("other.json"), r#"{"accessToken": "sso"}"#).unwrap();
        std::fs::write(dir.join("junk.json"), "not json").unwrap();
        assert_eq!(remove_session(&dir, " arn:a ").unwrap(), Some(a.clone()));
        assert_eq!(remove_session(&dir, "arn:a").unwrap(), None);
        assert_eq!(remove_all(&dir).unwrap(), vec![b]);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        assert!(remove_all(&dir.join("missing")).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
