//! SSO-OIDC, the OAuth 2.0 service of IAM Identity Center, as `aws sso login` (AWS CLI v2,
//! botocore's `SSOTokenFetcher` and `SSOTokenFetcherAuth`) signs in with it: the pieces a program
//! needs to log in itself and leave the token where the AWS CLI and every SDK read it.
//!
//! - [`RegisterClient`] → [`SsoOidcClient::register_client`] (`POST /client/register`): a public
//!   client, registered for the device code grant, or for `authorization_code` + `refresh_token`
//!   with the port-less redirect URI `http://127.0.0.1/oauth/callback` and the start URL as
//!   issuer. The answer is a [`ClientRegistration`], cached and reused while it is more than 15
//!   minutes from expiry and registered for the same grant ([`ClientRegistration::is_usable_for`]).
//! - Authorization code with PKCE ([`PkceSession`]): a 64-character verifier, its S256 challenge
//!   and a UUIDv4 `state`; the browser opens [`PkceSession::authorize_url`] (`GET {oidc}/authorize`)
//!   and comes back to a listener on `127.0.0.1:{port}` ([`parse_sso_callback`]); the code is
//!   redeemed with [`TokenGrant::AuthorizationCode`] and the redirect URI with its port.
//! - Device code: [`SsoOidcClient::start_device_authorization`] (`POST /device_authorization`),
//!   then [`TokenGrant::DeviceCode`] polled on the schedule of [`DevicePoll`] (the `interval` of the
//!   answer, default 5 s; `SlowDownException` adds 5 s; `AuthorizationPendingException` keeps
//!   polling; `ExpiredTokenException` or the device code's expiry ends it).
//! - [`SsoOidcClient::create_token`] (`POST /token`) answers [`TokenOutcome`]; every other error
//!   is an [`Error::Credentials`] naming the service's error code.
//!
//! Request bodies and response parsing are pure functions with the time passed in; the client
//! sends through the crate's [transport policy](crate::transport) (`https`, or plain `http` to
//! loopback only, never through a proxy; the CA bundle). Client secrets, device codes, PKCE
//! verifiers, authorization codes and tokens are [`SecretString`]s: no `Debug` or error shows them.

use crate::credentials::cli_cache::cache_io;
use crate::credentials::cli_cache::pyjson::{self, Style};
use crate::credentials::providers::token_http::Timeouts;
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::transport::{Endpoint, Method, PlainHttp, Request, Transport, TransportConfig};
use crate::{Error, SecretString};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;

/// The scope a registration gets when none is configured (`sso_registration_scopes`).
pub const DEFAULT_SSO_SCOPE: &str = "sso:account:access";
/// The grant type of the device authorization grant (RFC 8628).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The path the browser is sent back to on the local listener.
pub const SSO_CALLBACK_PATH: &str = "/oauth/callback";
/// The redirect URI registered for the authorization code grant: without a port, as RFC 8252
/// section 7.3 allows; each authorization request then names the listener's port.
pub const SSO_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";
/// The poll interval when the device authorization names none (RFC 8628).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// What each `SlowDownException` adds to the poll interval (RFC 8628).
pub const SLOW_DOWN_DELAY: Duration = Duration::from_secs(5);
/// A cached registration is used while more than this remains (botocore's window).
pub const REGISTRATION_REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The longest poll interval followed, whatever a server says (a bound, not a schedule).
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(300);

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("sso-oidc", message).into()
}

/// The redirect URI of an authorization request whose listener is on `127.0.0.1:port`.
///
/// ```
/// use sts_blocking::credentials::sso_redirect_uri;
/// assert_eq!(sso_redirect_uri(8123), "http://127.0.0.1:8123/oauth/callback");
/// ```
#[must_use]
pub fn sso_redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{SSO_CALLBACK_PATH}")
}

/// The grant a client is registered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SsoGrant {
    /// The device authorization grant (`--use-device-code`, legacy profiles).
    DeviceCode,
    /// The authorization code grant with PKCE (`[sso-session]` profiles), with refresh tokens.
    AuthorizationCode,
}

/// A `RegisterClient` request, as the AWS CLI makes it.
///
/// ```
/// use sts_blocking::credentials::RegisterClient;
/// let r = RegisterClient::authorization_code("botocore-client-dev", None, "https://d-1.awsapps.com/start");
/// let body = r.to_json();
/// assert!(body.contains(r#""grantTypes": ["authorization_code", "refresh_token"]"#));
/// assert!(body.contains(r#""redirectUris": ["http://127.0.0.1/oauth/callback"]"#));
/// assert!(body.contains(r#""scopes": ["sso:account:access"]"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterClient {
    /// `clientName`: `botocore-client-{session}`, or `botocore-client-{unix time}` for legacy
    /// profiles.
    pub client_name: String,
    /// `clientType`: `public`.
    pub client_type: String,
    /// `scopes`: sent when set.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`: sent when set (the authorization code grant).
    pub grant_types: Option<Vec<String>>,
    /// `redirectUris`: sent when set.
    pub redirect_uris: Option<Vec<String>>,
    /// `issuerUrl`: the (resolved) start URL, sent when set.
    pub issuer_url: Option<String>,
}

impl RegisterClient {
    /// A registration for the device code grant: the name, and `scopes` when configured (a
    /// configured empty list is not sent, as the AWS CLI sends none).
    #[must_use]
    pub fn device_code(client_name: impl Into<String>, scopes: Option<&[String]>) -> Self {
        Self {
            client_name: client_name.into(),
            client_type: "public".to_owned(),
            scopes: scopes.filter(|s| !s.is_empty()).map(<[String]>::to_vec),
            grant_types: None,
            redirect_uris: None,
            issuer_url: None,
        }
    }

    /// A registration for the authorization code grant (and refresh tokens) of `issuer_url`:
    /// `scopes` when configured and not empty, else [`DEFAULT_SSO_SCOPE`].
    #[must_use]
    pub fn authorization_code(
        client_name: impl Into<String>,
        scopes: Option<&[String]>,
        issuer_url: impl Into<String>,
    ) -> Self {
        let scopes = scopes
            .filter(|s| !s.is_empty())
            .map_or_else(|| vec![DEFAULT_SSO_SCOPE.to_owned()], <[String]>::to_vec);
        Self {
            client_name: client_name.into(),
            client_type: "public".to_owned(),
            scopes: Some(scopes),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
            redirect_uris: Some(vec![SSO_REDIRECT_URI.to_owned()]),
            issuer_url: Some(issuer_url.into()),
        }
    }

    /// The grant this registration is for.
    #[must_use]
    pub fn grant(&self) -> SsoGrant {
        if grants_auth_code(self.grant_types.as_deref()) {
            SsoGrant::AuthorizationCode
        } else {
            SsoGrant::DeviceCode
        }
    }

    /// The JSON body.
    #[must_use]
    pub fn to_json(&self) -> String {
        let s = |v: &str| Value::String(v.to_owned());
        let mut m = vec![
            ("clientName".to_owned(), s(&self.client_name)),
            ("clientType".to_owned(), s(&self.client_type)),
        ];
        let list = |v: &[String]| Value::Array(v.iter().map(|x| s(x)).collect());
        if let Some(g) = &self.grant_types {
            m.push(("grantTypes".to_owned(), list(g)));
        }
        if let Some(r) = &self.redirect_uris {
            m.push(("redirectUris".to_owned(), list(r)));
        }
        if let Some(i) = &self.issuer_url {
            m.push(("issuerUrl".to_owned(), s(i)));
        }
        if let Some(sc) = &self.scopes {
            m.push(("scopes".to_owned(), list(sc)));
        }
        pyjson::dumps(&Value::Object(m), PY)
    }
}

/// `json.dumps` with Python's default separators, keys in insertion order.
const PY: Style = Style {
    sort_keys: false,
    compact: false,
};

fn grants_auth_code(grants: Option<&[String]>) -> bool {
    grants.is_some_and(|g| g.iter().any(|t| t == "authorization_code"))
}

/// A registered client: what `RegisterClient` answered, as the AWS CLI caches it in
/// `~/.aws/sso/cache` (`clientId`, `clientSecret`, `expiresAt`, and `scopes` and `grantTypes`
/// when registered with them). `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientRegistration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: SecretString,
    /// When the client secret expires (`clientSecretExpiresAt`).
    pub expires_at: OffsetDateTime,
    /// The scopes it was registered with, when recorded.
    pub scopes: Option<Vec<String>>,
    /// The grant types it was registered for, when recorded (`None`: the device code grant, as
    /// the AWS CLI did not record them before).
    pub grant_types: Option<Vec<String>>,
    /// `expiresAt` as read from a cache file written by another tool, kept to the byte (the
    /// token file repeats it as `registrationExpiresAt`, as botocore copies it).
    expires_at_text: Option<String>,
}

impl fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("grant_types", &self.grant_types)
            .finish_non_exhaustive()
    }
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

impl ClientRegistration {
    /// A registration from its parts.
    #[must_use]
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            expires_at,
            scopes: None,
            grant_types: None,
            expires_at_text: None,
        }
    }

    /// Parses a `RegisterClient` answer (`clientId`, `clientSecret`, `clientSecretExpiresAt` in
    /// Unix seconds) for `request`, whose scopes and grant types it records as the AWS CLI does.
    ///
    /// # Errors
    /// [`Error::Credentials`] when a member is missing or the expiry is out of range.
    pub fn from_register_response(body: &str, request: &RegisterClient) -> Result<Self, Error> {
        let bad = |what: &str| err(format!("RegisterClient returned {what}"));
        let v = json::parse(body).map_err(|_| bad("a body that is not JSON"))?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let id = s("clientId").ok_or_else(|| bad("no clientId"))?;
        let secret = s("clientSecret").ok_or_else(|| bad("no clientSecret"))?;
        let expires_at = v
            .get("clientSecretExpiresAt")
            .and_then(Value::as_i64)
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .ok_or_else(|| bad("no usable clientSecretExpiresAt"))?;
        let mut r = Self::new(id, SecretString::new(secret), expires_at);
        match request.grant() {
            SsoGrant::AuthorizationCode => {
                r.scopes.clone_from(&request.scopes);
                r.grant_types.clone_from(&request.grant_types);
            }
            SsoGrant::DeviceCode => r.scopes.clone_from(&request.scopes),
        }
        Ok(r)
    }

    /// Parses a cached registration (the file [`ClientRegistration::to_cache_json`] and the AWS
    /// CLI write).
    ///
    /// # Errors
    /// [`Error::Credentials`] when it is not JSON or misses a member; the message has no secret.
    pub fn from_cache_json(text: &str) -> Result<Self, Error> {
        let bad = |what: &str| err(format!("the cached client registration {what}"));
        let v = json::parse(text).map_err(|_| bad("is not JSON"))?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let id = s("clientId").ok_or_else(|| bad("has no clientId"))?;
        let secret = s("clientSecret").ok_or_else(|| bad("has no clientSecret"))?;
        let text = s("expiresAt").ok_or_else(|| bad("has no expiresAt"))?;
        let expires_at = crate::credentials::cli_cache::parse_expiration(text)
            .ok_or_else(|| bad("has an expiresAt that is not a timestamp"))?;
        let mut r = Self::new(id, SecretString::new(secret), expires_at);
        r.scopes = strings(v.get("scopes"));
        r.grant_types = strings(v.get("grantTypes"));
        r.expires_at_text = Some(text.to_owned());
        Ok(r)
    }

    /// `expiresAt` as the token and registration files carry it: as read, or as botocore
    /// formats a time (`YYYY-MM-DDTHH:MM:SSZ`).
    #[must_use]
    pub fn expires_at_text(&self) -> String {
        self.expires_at_text
            .clone()
            .unwrap_or_else(|| crate::credentials::cli_cache::timestamp(self.expires_at, "Z"))
    }

    /// The cache file, byte for byte as botocore's `JSONFileCache` writes it.
    #[must_use]
    pub fn to_cache_json(&self) -> SecretString {
        let s = |v: &str| Value::String(v.to_owned());
        let list = |v: &[String]| Value::Array(v.iter().map(|x| s(x)).collect());
        let mut m = vec![
            ("clientId".to_owned(), s(&self.client_id)),
            ("clientSecret".to_owned(), s(self.client_secret.expose())),
            ("expiresAt".to_owned(), s(&self.expires_at_text())),
        ];
        if let Some(sc) = &self.scopes {
            m.push(("scopes".to_owned(), list(sc)));
        }
        if let Some(g) = &self.grant_types {
            m.push(("grantTypes".to_owned(), list(g)));
        }
        SecretString::new(pyjson::dumps(&Value::Object(m), PY))
    }

    /// Whether this registration may be reused at `now` for `grant`: more than
    /// [`REGISTRATION_REUSE_WINDOW`] left, and registered for the authorization code grant
    /// exactly when `grant` is that one (botocore's rule).
    ///
    /// ```
    /// use sts_blocking::credentials::{ClientRegistration, SsoGrant};
    /// use sts_blocking::time::{Duration, OffsetDateTime};
    /// let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
    /// let r = ClientRegistration::new("id", "secret", now + Duration::minutes(16));
    /// assert!(r.is_usable_for(SsoGrant::DeviceCode, now));
    /// assert!(!r.is_usable_for(SsoGrant::AuthorizationCode, now));
    /// assert!(!r.is_usable_for(SsoGrant::DeviceCode, now + Duration::minutes(1)));
    /// ```
    #[must_use]
    pub fn is_usable_for(&self, grant: SsoGrant, now: OffsetDateTime) -> bool {
        let fresh = self.expires_at - now > REGISTRATION_REUSE_WINDOW;
        let auth = grants_auth_code(self.grant_types.as_deref());
        fresh && (auth == (grant == SsoGrant::AuthorizationCode))
    }
}

/// A device authorization in progress (`StartDeviceAuthorization`'s answer). `Debug` hides the
/// device code.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// `deviceCode` (a secret: with the client secret it redeems the authorization).
    pub device_code: SecretString,
    /// `userCode`: the code the user confirms on the verification page (always shown).
    pub user_code: String,
    /// `verificationUri`.
    pub verification_uri: String,
    /// `verificationUriComplete` (the page with the code filled in), when given.
    pub verification_uri_complete: Option<String>,
    /// When the device code expires (`expiresIn` from the time passed in).
    pub expires_at: OffsetDateTime,
    /// `interval`: the seconds between polls the service asks for, when given.
    pub interval: Option<u64>,
}

impl fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_at", &self.expires_at)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// `text` for a message: control characters escaped, at most `max` characters.
fn shown(text: &str, max: usize) -> String {
    crate::redact::escape_controls(&crate::error::cut(text, max))
}

impl DeviceAuthorization {
    /// Parses a `StartDeviceAuthorization` answer received at `now`.
    ///
    /// # Errors
    /// [`Error::Credentials`] when a member is missing or out of range.
    pub fn from_response(body: &str, now: OffsetDateTime) -> Result<Self, Error> {
        let bad = |what: &str| err(format!("StartDeviceAuthorization returned {what}"));
        let v = json::parse(body).map_err(|_| bad("a body that is not JSON"))?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let device_code = s("deviceCode").ok_or_else(|| bad("no deviceCode"))?;
        let user_code = s("userCode").ok_or_else(|| bad("no userCode"))?;
        let uri = s("verificationUri").ok_or_else(|| bad("no verificationUri"))?;
        let seconds = v
            .get("expiresIn")
            .and_then(Value::as_i64)
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad("no usable expiresIn"))?;
        let expires_at = now
            .checked_add(time::Duration::seconds(seconds))
            .ok_or_else(|| bad("an expiresIn out of range"))?;
        let interval = match v.get("interval") {
            None | Some(Value::Null) => None,
            Some(i) => Some(
                i.as_i64()
                    .and_then(|n| u64::try_from(n).ok())
                    .ok_or_else(|| bad("an interval that is not a number of seconds"))?,
            ),
        };
        // Shown to the user: no control characters.
        let plain = |t: &str| t.chars().all(|c| !c.is_control());
        if !plain(user_code) || !plain(uri) {
            return Err(bad("a user code or URL with control characters"));
        }
        Ok(Self {
            device_code: SecretString::new(device_code),
            user_code: user_code.to_owned(),
            verification_uri: uri.to_owned(),
            verification_uri_complete: s("verificationUriComplete")
                .filter(|u| plain(u))
                .map(str::to_owned),
            expires_at,
            interval,
        })
    }
}

/// The grant a `CreateToken` redeems.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum TokenGrant<'a> {
    /// `authorization_code`: the code the browser brought back, the PKCE verifier and the redirect
    /// URI with its port.
    AuthorizationCode {
        /// The authorization code.
        code: &'a SecretString,
        /// The PKCE verifier ([`PkceSession::code_verifier`]).
        code_verifier: &'a SecretString,
        /// The redirect URI of the authorization request ([`sso_redirect_uri`]).
        redirect_uri: &'a str,
    },
    /// `urn:ietf:params:oauth:grant-type:device_code`.
    DeviceCode {
        /// The device code of the authorization.
        device_code: &'a SecretString,
    },
    /// `refresh_token`.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a SecretString,
    },
}

impl fmt::Debug for TokenGrant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AuthorizationCode { .. } => "AuthorizationCode",
            Self::DeviceCode { .. } => "DeviceCode",
            Self::RefreshToken { .. } => "RefreshToken",
        })
    }
}

/// The `CreateToken` body of `grant` for `registration` (a secret: it holds the client secret).
///
/// ```
/// use sts_blocking::credentials::{create_token_body, ClientRegistration, TokenGrant};
/// use sts_blocking::SecretString;
/// let reg = ClientRegistration::new("id", "secret", sts_blocking::time::OffsetDateTime::UNIX_EPOCH);
/// let code = SecretString::new("dc");
/// let body = create_token_body(&reg, TokenGrant::DeviceCode { device_code: &code });
/// assert_eq!(body.expose(), r#"{"clientId": "id", "clientSecret": "secret", "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": "dc"}"#);
/// ```
#[must_use]
pub fn create_token_body(registration: &ClientRegistration, grant: TokenGrant<'_>) -> SecretString {
    let s = |v: &str| Value::String(v.to_owned());
    let mut m = vec![
        ("clientId".to_owned(), s(&registration.client_id)),
        (
            "clientSecret".to_owned(),
            s(registration.client_secret.expose()),
        ),
    ];
    match grant {
        TokenGrant::AuthorizationCode {
            code,
            code_verifier,
            redirect_uri,
        } => {
            m.push(("grantType".to_owned(), s("authorization_code")));
            m.push(("redirectUri".to_owned(), s(redirect_uri)));
            m.push(("codeVerifier".to_owned(), s(code_verifier.expose())));
            m.push(("code".to_owned(), s(code.expose())));
        }
        TokenGrant::DeviceCode { device_code } => {
            m.push(("grantType".to_owned(), s(DEVICE_CODE_GRANT_TYPE)));
            m.push(("deviceCode".to_owned(), s(device_code.expose())));
        }
        TokenGrant::RefreshToken { refresh_token } => {
            m.push(("grantType".to_owned(), s("refresh_token")));
            m.push(("refreshToken".to_owned(), s(refresh_token.expose())));
        }
    }
    SecretString::new(pyjson::dumps(&Value::Object(m), PY))
}

/// The body of `StartDeviceAuthorization` (a secret: it holds the client secret).
#[must_use]
pub fn start_device_authorization_body(
    registration: &ClientRegistration,
    start_url: &str,
) -> SecretString {
    let s = |v: &str| Value::String(v.to_owned());
    let m = vec![
        ("clientId".to_owned(), s(&registration.client_id)),
        (
            "clientSecret".to_owned(),
            s(registration.client_secret.expose()),
        ),
        ("startUrl".to_owned(), s(start_url)),
    ];
    SecretString::new(pyjson::dumps(&Value::Object(m), PY))
}

/// A token `CreateToken` issued. `Debug` hides the tokens.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedToken {
    /// `accessToken`.
    pub access_token: SecretString,
    /// When it expires (`expiresIn` from the time passed in).
    pub expires_at: OffsetDateTime,
    /// `refreshToken`, when one was issued (the authorization code grant).
    pub refresh_token: Option<SecretString>,
}

impl fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedToken")
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl CreatedToken {
    /// Parses a `CreateToken` answer received at `now` (checked arithmetic on `expiresIn`).
    ///
    /// # Errors
    /// [`Error::Credentials`] for a body without `accessToken` or a usable `expiresIn`.
    pub fn from_response(body: &str, now: OffsetDateTime) -> Result<Self, Error> {
        let bad = |what: &str| err(format!("CreateToken returned {what}"));
        let v = json::parse(body).map_err(|_| bad("a body that is not JSON"))?;
        let access = v
            .get("accessToken")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no accessToken"))?;
        let seconds = v
            .get("expiresIn")
            .and_then(Value::as_i64)
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad("no usable expiresIn"))?;
        let expires_at = now
            .checked_add(time::Duration::seconds(seconds))
            .ok_or_else(|| bad("an expiresIn out of range"))?;
        Ok(Self {
            access_token: SecretString::new(access),
            expires_at,
            refresh_token: v
                .get("refreshToken")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(SecretString::new),
        })
    }
}

/// What a `CreateToken` call answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenOutcome {
    /// The token.
    Issued(CreatedToken),
    /// `AuthorizationPendingException`: the user has not approved yet; poll again.
    Pending,
    /// `SlowDownException`: poll again, [`SLOW_DOWN_DELAY`] later than before.
    SlowDown,
}

/// An SSO-OIDC error code: the `x-amzn-ErrorType` header, `__type` or `code` (the shape name,
/// `AuthorizationPendingException`), else the OAuth `error` member (`authorization_pending`).
///
/// ```
/// use sts_blocking::credentials::OidcErrorCode;
/// assert_eq!(OidcErrorCode::from_wire("SlowDownException:http://internal"), OidcErrorCode::SlowDown);
/// assert_eq!(OidcErrorCode::from_wire("authorization_pending"), OidcErrorCode::AuthorizationPending);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OidcErrorCode {
    /// The user has not approved the device yet.
    AuthorizationPending,
    /// Poll more slowly.
    SlowDown,
    /// The device code or authorization code expired.
    ExpiredToken,
    /// The grant (code, device code, refresh token) is not valid.
    InvalidGrant,
    /// The client is unknown or its secret expired.
    InvalidClient,
    /// The request is malformed.
    InvalidRequest,
    /// The request went to the wrong region for the start URL.
    InvalidRequestRegion,
    /// A scope is not valid.
    InvalidScope,
    /// The user denied the authorization.
    AccessDenied,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The registration's metadata was refused.
    InvalidClientMetadata,
    /// The redirect URI was refused.
    InvalidRedirectUri,
    /// The service failed.
    Internal,
    /// Another code, as sent (control characters escaped).
    Other(String),
}

impl OidcErrorCode {
    /// The code of a wire value (`FooException`, `aws.sso#FooException`, `foo_bar`,
    /// `FooException:http://...`).
    #[must_use]
    pub fn from_wire(code: &str) -> Self {
        let code = code.split(':').next().unwrap_or_default();
        let code = code.rsplit('#').next().unwrap_or_default().trim();
        match code {
            "AuthorizationPendingException" | "authorization_pending" => Self::AuthorizationPending,
            "SlowDownException" | "slow_down" => Self::SlowDown,
            "ExpiredTokenException" | "expired_token" => Self::ExpiredToken,
            "InvalidGrantException" | "invalid_grant" => Self::InvalidGrant,
            "InvalidClientException" | "invalid_client" => Self::InvalidClient,
            "InvalidRequestException" | "invalid_request" => Self::InvalidRequest,
            "InvalidRequestRegionException" => Self::InvalidRequestRegion,
            "InvalidScopeException" | "invalid_scope" => Self::InvalidScope,
            "AccessDeniedException" | "access_denied" => Self::AccessDenied,
            "UnauthorizedClientException" | "unauthorized_client" => Self::UnauthorizedClient,
            "UnsupportedGrantTypeException" | "unsupported_grant_type" => {
                Self::UnsupportedGrantType
            }
            "InvalidClientMetadataException" => Self::InvalidClientMetadata,
            "InvalidRedirectUriException" => Self::InvalidRedirectUri,
            "InternalServerException" | "server_error" => Self::Internal,
            other => Self::Other(shown(other, 100)),
        }
    }

    /// The code of an error answer: its `x-amzn-ErrorType` header, else the body's `__type`,
    /// `code` or `error`; [`OidcErrorCode::Other`] with the status when none is there.
    #[must_use]
    pub fn of_response(status: u16, error_type: Option<&str>, body: &str) -> Self {
        if let Some(t) = error_type.filter(|t| !t.trim().is_empty()) {
            return Self::from_wire(t);
        }
        let v = json::parse(body).ok();
        let member = |k: &str| {
            v.as_ref()
                .and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        match member("__type")
            .or_else(|| member("code"))
            .or_else(|| member("error"))
        {
            Some(c) => Self::from_wire(&c),
            None => Self::Other(format!("HTTP {status}")),
        }
    }

    /// The code as the AWS CLI names it (`AuthorizationPendingException`, ...).
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::AuthorizationPending => "AuthorizationPendingException",
            Self::SlowDown => "SlowDownException",
            Self::ExpiredToken => "ExpiredTokenException",
            Self::InvalidGrant => "InvalidGrantException",
            Self::InvalidClient => "InvalidClientException",
            Self::InvalidRequest => "InvalidRequestException",
            Self::InvalidRequestRegion => "InvalidRequestRegionException",
            Self::InvalidScope => "InvalidScopeException",
            Self::AccessDenied => "AccessDeniedException",
            Self::UnauthorizedClient => "UnauthorizedClientException",
            Self::UnsupportedGrantType => "UnsupportedGrantTypeException",
            Self::InvalidClientMetadata => "InvalidClientMetadataException",
            Self::InvalidRedirectUri => "InvalidRedirectUriException",
            Self::Internal => "InternalServerException",
            Self::Other(s) => s,
        }
    }
}

/// The error of an SSO-OIDC `operation` that answered `code` (with the service's description,
/// cut and escaped: it never holds a secret of ours, which the caller also removes).
fn operation_error(operation: &str, code: &OidcErrorCode, body: &str) -> Error {
    if *code == OidcErrorCode::ExpiredToken {
        return err(
            "The pending authorization to retrieve an SSO token has expired. The flow to retrieve \
             an SSO token must be restarted: log in again.",
        );
    }
    let description = json::parse(body)
        .ok()
        .and_then(|v| {
            v.get("error_description")
                .or_else(|| v.get("message"))
                .or_else(|| v.get("Message"))
                .and_then(Value::as_str)
                .map(|d| format!(": {}", shown(d, 300)))
        })
        .unwrap_or_default();
    err(format!(
        "An error occurred ({}) when calling the {operation} operation{description}",
        code.name()
    ))
}

/// The schedule of device-code polling, pure (the time is passed in): wait the authorization's
/// `interval` (default 5 s, at least 1 s) between attempts, 5 s more after each
/// `SlowDownException`, and stop once the device code has expired.
///
/// ```
/// use sts_blocking::credentials::{DevicePoll, TokenOutcome};
/// use sts_blocking::time::{Duration, OffsetDateTime};
/// use std::time::Duration as Std;
/// let t0 = OffsetDateTime::UNIX_EPOCH;
/// let mut poll = DevicePoll::new(Some(1), t0 + Duration::seconds(30));
/// assert_eq!(poll.next_wait(&TokenOutcome::Pending, t0), Some(Std::from_secs(1)));
/// assert_eq!(poll.next_wait(&TokenOutcome::SlowDown, t0), Some(Std::from_secs(6)));
/// assert_eq!(poll.next_wait(&TokenOutcome::Pending, t0), Some(Std::from_secs(6)));
/// // Past the device code's expiry: no more polls.
/// assert_eq!(poll.next_wait(&TokenOutcome::Pending, t0 + Duration::seconds(30)), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevicePoll {
    interval: Duration,
    deadline: OffsetDateTime,
}

impl DevicePoll {
    /// The schedule of an authorization asking for `interval` seconds and expiring at `deadline`.
    #[must_use]
    pub fn new(interval: Option<u64>, deadline: OffsetDateTime) -> Self {
        let interval = interval.map_or(DEFAULT_POLL_INTERVAL, Duration::from_secs);
        Self {
            interval: interval.clamp(Duration::from_secs(1), MAX_POLL_INTERVAL),
            deadline,
        }
    }

    /// The schedule of `authorization`.
    #[must_use]
    pub fn for_authorization(authorization: &DeviceAuthorization) -> Self {
        Self::new(authorization.interval, authorization.expires_at)
    }

    /// The current interval.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// After an attempt at `now` that answered `outcome`: how long to wait before the next one,
    /// or `None` when the device code has expired (or expires before then) or the token was
    /// issued.
    pub fn next_wait(&mut self, outcome: &TokenOutcome, now: OffsetDateTime) -> Option<Duration> {
        match outcome {
            TokenOutcome::Issued(_) => return None,
            TokenOutcome::SlowDown => {
                self.interval = self
                    .interval
                    .saturating_add(SLOW_DOWN_DELAY)
                    .min(MAX_POLL_INTERVAL);
            }
            TokenOutcome::Pending => {}
        }
        let next = now.checked_add(time::Duration::try_from(self.interval).ok()?)?;
        (next < self.deadline).then_some(self.interval)
    }
}

/// The PKCE values and `state` of one authorization code request. Secrets: `Debug` shows
/// nothing of them.
pub struct PkceSession {
    verifier: SecretString,
    state: String,
}

impl fmt::Debug for PkceSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkceSession").finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| err("no secure random numbers"))?;
    Ok(b)
}

impl PkceSession {
    /// A verifier (64 characters of `[A-Za-z0-9-._~]`) and a UUIDv4 state from the system's
    /// secure random source.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the random source fails.
    pub fn new() -> Result<Self, Error> {
        loop {
            let bytes = zeroize::Zeroizing::new(random::<128>()?);
            if let Some(s) = Self::from_random(&bytes[..], random::<16>()?) {
                return Ok(s);
            }
        }
    }

    /// The verifier drawn uniformly from `verifier_random` (bytes of 198 and above skipped) and
    /// the state from `state_random`; `None` when `verifier_random` has too few usable bytes.
    #[must_use]
    pub fn from_random(verifier_random: &[u8], state_random: [u8; 16]) -> Option<Self> {
        Some(Self {
            verifier: crate::credentials::login_flow::verifier_from_random(verifier_random)?,
            state: crate::random::uuid4(state_random),
        })
    }

    /// The PKCE verifier (sent with the code to `CreateToken`).
    #[must_use]
    pub fn code_verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// The S256 challenge: base64url of the verifier's SHA-256, without `=`.
    #[must_use]
    pub fn code_challenge(&self) -> String {
        crate::credentials::login_flow::code_challenge(self.verifier.expose())
    }

    /// The `state` of the request.
    #[must_use]
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Whether `state` is this request's (compared in constant time).
    #[must_use]
    pub fn state_matches(&self, state: &str) -> bool {
        crate::secret::constant_time_eq(state.as_bytes(), self.state.as_bytes())
    }

    /// The URL the browser opens: `{oidc}/authorize?` with `response_type`, `client_id`,
    /// `redirect_uri`, `state`, `code_challenge_method=S256` and `scopes` (space-joined; the
    /// default scope when none), percent-encoded as botocore encodes them, then
    /// `&code_challenge=`.
    ///
    /// ```
    /// use sts_blocking::credentials::{sso_redirect_uri, PkceSession};
    /// let p = PkceSession::from_random(&[7u8; 64], [0; 16]).unwrap();
    /// let url = p.authorize_url("https://oidc.eu-west-1.amazonaws.com", "cid", &sso_redirect_uri(9000), None);
    /// assert!(url.starts_with("https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=cid\
    ///     &redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Foauth%2Fcallback&state="));
    /// assert!(url.contains("&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge="));
    /// ```
    #[must_use]
    pub fn authorize_url(
        &self,
        oidc_endpoint: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: Option<&[String]>,
    ) -> String {
        let scopes = scopes
            .filter(|s| !s.is_empty())
            .map_or_else(|| DEFAULT_SSO_SCOPE.to_owned(), |s| s.join(" "));
        let enc = crate::sigv4::uri_encode_component;
        format!(
            "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}\
             &code_challenge_method=S256&scopes={}&code_challenge={}",
            oidc_endpoint.trim_end_matches('/'),
            enc(client_id),
            enc(redirect_uri),
            enc(&self.state),
            enc(&scopes),
            self.code_challenge()
        )
    }
}

/// What arrived at the local listener of an authorization code login.
#[non_exhaustive]
pub enum SsoCallback {
    /// The redirect with a code: this login's answer only if its `state` matches
    /// ([`PkceSession::state_matches`]).
    Code {
        /// The authorization code (a secret).
        code: SecretString,
        /// The `state` it came back with.
        state: String,
    },
    /// The redirect with an `error` (the user refused, or the sign-in failed).
    Denied {
        /// The `error` and `error_description`, cut and with control characters escaped.
        why: String,
    },
    /// A request for the callback path without a usable code or error.
    Invalid,
    /// Another path (a favicon).
    Other,
}

impl fmt::Debug for SsoCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code { state, .. } => f
                .debug_struct("Code")
                .field("state", state)
                .finish_non_exhaustive(),
            Self::Denied { why } => f.debug_struct("Denied").field("why", why).finish(),
            Self::Invalid => f.write_str("Invalid"),
            Self::Other => f.write_str("Other"),
        }
    }
}

/// Reads the request target of a callback (`/oauth/callback?code=..&state=..` or `?error=..`).
///
/// ```
/// use sts_blocking::credentials::{parse_sso_callback, SsoCallback};
/// assert!(matches!(parse_sso_callback("/oauth/callback?code=c&state=s"), SsoCallback::Code { .. }));
/// assert!(matches!(parse_sso_callback("/oauth/callback?error=access_denied"), SsoCallback::Denied { .. }));
/// assert!(matches!(parse_sso_callback("/favicon.ico"), SsoCallback::Other));
/// ```
#[must_use]
pub fn parse_sso_callback(target: &str) -> SsoCallback {
    use crate::credentials::login_flow::{Callback, parse_callback};
    match parse_callback(target) {
        Callback::Code { code, state } => SsoCallback::Code { code, state },
        Callback::Denied { why, .. } => SsoCallback::Denied { why },
        Callback::Invalid => SsoCallback::Invalid,
        Callback::Other => SsoCallback::Other,
    }
}

/// An SSO-OIDC client: `RegisterClient`, `StartDeviceAuthorization` and `CreateToken`, unsigned
/// JSON calls to `https://oidc.{region}.{dns suffix}` (or the endpoint given, such as
/// `AWS_ENDPOINT_URL_SSO_OIDC`) under the crate's transport policy.
///
/// ```
/// use sts_blocking::credentials::SsoOidcClient;
/// let c = SsoOidcClient::new("eu-west-1")?;
/// assert_eq!(c.endpoint(), "https://oidc.eu-west-1.amazonaws.com");
/// // Plain http only to loopback (a fake in tests).
/// assert!(SsoOidcClient::with_endpoint("http://127.0.0.1:9").is_ok());
/// assert!(SsoOidcClient::with_endpoint("http://oidc.example.com").is_err());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SsoOidcClient {
    base: String,
    transport: TransportConfig,
    timeouts: Timeouts,
}

/// An answer: status, `x-amzn-ErrorType`, and the body (a secret: it may hold tokens).
struct Reply {
    status: u16,
    error_type: Option<String>,
    body: SecretString,
}

/// Sends `method` to `endpoint` with `headers` and `body` under `transport`.
pub(crate) fn send(
    transport: &TransportConfig,
    timeouts: Timeouts,
    method: Method,
    endpoint: &Endpoint,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Option<String>, SecretString), Error> {
    let mut config = transport.clone();
    config.connect_timeout = timeouts.connect;
    let r = Transport::new(&config)?
        .send(&Request {
            method,
            endpoint,
            headers,
            body,
            timeout: timeouts.connect.saturating_add(timeouts.read),
            read_timeout: Some(timeouts.read),
        })
        .map_err(crate::transport::provider_timeout)?;
    let error_type = r.header("x-amzn-errortype").map(str::to_owned);
    let status = r.status;
    // Not `HttpResponse::text`: its error quotes the body, which may carry tokens.
    let body = String::from_utf8(r.body).map_err(|e| {
        drop(SecretString::new(String::from_utf8_lossy(e.as_bytes())));
        Error::invalid_response(status, "the body is not UTF-8", b"")
    })?;
    Ok((status, error_type, SecretString::new(body)))
}

impl SsoOidcClient {
    /// The client of `region`'s SSO-OIDC endpoint.
    ///
    /// # Errors
    /// [`Error::Config`] for a region that is not a host label.
    pub fn new(region: &str) -> Result<Self, Error> {
        Self::with_endpoint(&crate::credentials::providers::sso_token::oidc_endpoint(
            region,
        )?)
    }

    /// The client of `endpoint` (`AWS_ENDPOINT_URL_SSO_OIDC`, the `sso-oidc` services section, a
    /// loopback fake).
    ///
    /// # Errors
    /// [`Error::Transport`] for an endpoint the policy refuses (plain `http` to a host that is not
    /// loopback), [`Error::Config`] for one that is not a URL.
    pub fn with_endpoint(endpoint: &str) -> Result<Self, Error> {
        let base = endpoint.trim_end_matches('/').to_owned();
        Endpoint::new(&format!("{base}/token"), PlainHttp::Loopback)?;
        Ok(Self {
            base,
            transport: crate::credentials::providers::token_http::default_transport(),
            timeouts: Timeouts::default(),
        })
    }

    /// Sends with proxies from `env` and, when given, only `ca_bundle`'s roots (default: the
    /// process environment's proxies and the default roots).
    #[must_use]
    pub fn transport(mut self, env: &crate::env::Env, ca_bundle: Option<PathBuf>) -> Self {
        self.transport = TransportConfig::for_provider(env, ca_bundle, self.timeouts.connect);
        self
    }

    /// The endpoint (the base of the authorize URL too).
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.base
    }

    fn post(&self, path: &str, body: &SecretString) -> Result<Reply, Error> {
        let endpoint = Endpoint::new(&format!("{}{path}", self.base), PlainHttp::Loopback)?;
        let (status, error_type, body) = send(
            &self.transport,
            self.timeouts,
            Method::Post,
            &endpoint,
            &[
                ("content-type", "application/json"),
                ("accept", "application/json"),
            ],
            body.expose().as_bytes(),
        )?;
        Ok(Reply {
            status,
            error_type,
            body,
        })
    }

    /// `RegisterClient`.
    ///
    /// # Errors
    /// [`Error::Credentials`] naming the service's error; transport errors.
    pub fn register_client(&self, request: &RegisterClient) -> Result<ClientRegistration, Error> {
        let r = self.post("/client/register", &SecretString::new(request.to_json()))?;
        if r.status != 200 {
            let code =
                OidcErrorCode::of_response(r.status, r.error_type.as_deref(), r.body.expose());
            return Err(operation_error("RegisterClient", &code, r.body.expose()));
        }
        ClientRegistration::from_register_response(r.body.expose(), request)
    }

    /// `StartDeviceAuthorization` for `start_url`, answered at `now`.
    ///
    /// # Errors
    /// As [`SsoOidcClient::register_client`].
    pub fn start_device_authorization(
        &self,
        registration: &ClientRegistration,
        start_url: &str,
        now: OffsetDateTime,
    ) -> Result<DeviceAuthorization, Error> {
        let body = start_device_authorization_body(registration, start_url);
        let r = self.post("/device_authorization", &body)?;
        if r.status != 200 {
            let code =
                OidcErrorCode::of_response(r.status, r.error_type.as_deref(), r.body.expose());
            let e = operation_error("StartDeviceAuthorization", &code, r.body.expose());
            return Err(crate::redact::clean_error(
                e,
                &[registration.client_secret.expose()],
            ));
        }
        DeviceAuthorization::from_response(r.body.expose(), now)
    }

    /// `CreateToken` with `grant`, answered at `now`: the token, or that the authorization is
    /// still pending or the poll must slow down.
    ///
    /// # Errors
    /// [`Error::Credentials`] for every other error code (`ExpiredTokenException`: the pending
    /// authorization expired and the flow must be restarted), or an answer without a token;
    /// transport errors.
    pub fn create_token(
        &self,
        registration: &ClientRegistration,
        grant: TokenGrant<'_>,
        now: OffsetDateTime,
    ) -> Result<TokenOutcome, Error> {
        let r = self.post("/token", &create_token_body(registration, grant))?;
        if r.status == 200 {
            return CreatedToken::from_response(r.body.expose(), now).map(TokenOutcome::Issued);
        }
        let code = OidcErrorCode::of_response(r.status, r.error_type.as_deref(), r.body.expose());
        match code {
            OidcErrorCode::AuthorizationPending => Ok(TokenOutcome::Pending),
            OidcErrorCode::SlowDown => Ok(TokenOutcome::SlowDown),
            code => {
                let secret = registration.client_secret.expose();
                Err(crate::redact::clean_error(
                    operation_error("CreateToken", &code, r.body.expose()),
                    &[secret],
                ))
            }
        }
    }
}

/// Writes `contents` to `path` atomically (`0600` in a `0700` directory created when missing),
/// as botocore's `JSONFileCache` replaces its files.
pub(crate) fn write_private(path: &std::path::Path, contents: &SecretString) -> Result<(), Error> {
    cache_io::write_atomic(path, contents.expose().as_bytes())
        .map_err(|e| err(format!("could not write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    #[test]
    fn registrations_parse_record_and_round_trip() {
        let req = RegisterClient::authorization_code("botocore-client-dev", None, "https://x");
        let body = r#"{"clientId": "id", "clientSecret": "marker-secret",
            "clientIdIssuedAt": 1, "clientSecretExpiresAt": 1893456000}"#;
        let r = ClientRegistration::from_register_response(body, &req).unwrap();
        assert_eq!(
            r.scopes.as_deref(),
            Some(&["sso:account:access".to_owned()][..])
        );
        assert_eq!(req.grant(), SsoGrant::AuthorizationCode);
        assert!(r.grant_types.is_some());
        assert_eq!(
            r.to_cache_json().expose(),
            r#"{"clientId": "id", "clientSecret": "marker-secret", "expiresAt": "2030-01-01T00:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#
        );
        assert!(!format!("{r:?}").contains("marker"));
        // The device grant records only configured scopes.
        let dev = RegisterClient::device_code("n", Some(&[]));
        let r2 = ClientRegistration::from_register_response(body, &dev).unwrap();
        assert_eq!(
            r2.to_cache_json().expose(),
            r#"{"clientId": "id", "clientSecret": "marker-secret", "expiresAt": "2030-01-01T00:00:00Z"}"#
        );
        // A cached file written by another tool keeps its expiresAt text.
        let cached =
            r#"{"clientId": "id", "clientSecret": "s", "expiresAt": "2030-01-01T00:00:00UTC"}"#;
        let r3 = ClientRegistration::from_cache_json(cached).unwrap();
        assert_eq!(r3.expires_at_text(), "2030-01-01T00:00:00UTC");
        assert_eq!(r3.to_cache_json().expose(), cached);
        for bad in [
            "{}",
            r#"{"clientId": "id", "clientSecret": "s"}"#,
            r#"{"clientId": "id", "clientSecret": "s", "expiresAt": "soon"}"#,
            "[",
        ] {
            let e = ClientRegistration::from_cache_json(bad).unwrap_err();
            assert!(!e.to_string().contains("\"s\""), "{e}");
        }
        for bad in [
            r#"{"clientId": "id", "clientSecret": "s", "clientSecretExpiresAt": 1e999}"#,
            r#"{"clientId": "id", "clientSecret": "s", "clientSecretExpiresAt": 99999999999999999}"#,
            r#"{"clientSecret": "s", "clientSecretExpiresAt": 1}"#,
        ] {
            assert!(
                ClientRegistration::from_register_response(bad, &req).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn reuse_needs_time_and_the_same_grant() {
        let now = T0 + time::Duration::days(100);
        let mut r = ClientRegistration::new("id", "s", now + time::Duration::minutes(15));
        assert!(!r.is_usable_for(SsoGrant::DeviceCode, now));
        r.expires_at = now + time::Duration::minutes(16);
        assert!(r.is_usable_for(SsoGrant::DeviceCode, now));
        assert!(!r.is_usable_for(SsoGrant::AuthorizationCode, now));
        r.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
        assert!(r.is_usable_for(SsoGrant::AuthorizationCode, now));
        assert!(!r.is_usable_for(SsoGrant::DeviceCode, now));
    }

    #[test]
    fn device_authorizations_and_tokens_use_checked_arithmetic() {
        let ok = r#"{"deviceCode": "dc", "userCode": "ABCD-EFGH", "verificationUri": "https://v",
            "verificationUriComplete": "https://v?c", "expiresIn": 600, "interval": 1}"#;
        let a = DeviceAuthorization::from_response(ok, T0).unwrap();
        assert_eq!(a.expires_at.unix_timestamp(), 600);
        assert_eq!(a.interval, Some(1));
        assert!(!format!("{a:?}").contains("\"dc\""));
        for bad in [
            ok.replace("600", "-1"),
            ok.replace("600", "9223372036854775807"),
            ok.replace("\"interval\": 1", "\"interval\": -1"),
            ok.replace("ABCD-EFGH", "AB\\u001b[2J"),
            ok.replace("\"deviceCode\"", "\"x\""),
        ] {
            assert!(
                DeviceAuthorization::from_response(&bad, T0).is_err(),
                "{bad}"
            );
        }
        let t = CreatedToken::from_response(
            r#"{"accessToken": "a", "expiresIn": 3600, "refreshToken": "r"}"#,
            T0,
        )
        .unwrap();
        assert_eq!(t.expires_at.unix_timestamp(), 3600);
        assert!(t.refresh_token.is_some());
        for bad in [
            r#"{"accessToken": "a", "expiresIn": -5}"#,
            r#"{"accessToken": "", "expiresIn": 5}"#,
            r#"{"accessToken": "a"}"#,
        ] {
            assert!(CreatedToken::from_response(bad, T0).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_codes_from_headers_and_bodies() {
        let of = OidcErrorCode::of_response;
        assert_eq!(
            of(400, Some("AuthorizationPendingException:http://x/"), "{}"),
            OidcErrorCode::AuthorizationPending
        );
        assert_eq!(
            of(400, None, r#"{"error": "slow_down"}"#),
            OidcErrorCode::SlowDown
        );
        assert_eq!(
            of(
                400,
                None,
                r#"{"__type": "com.amazonaws.ssooidc#ExpiredTokenException"}"#
            ),
            OidcErrorCode::ExpiredToken
        );
        assert_eq!(
            of(500, None, "oops"),
            OidcErrorCode::Other("HTTP 500".into())
        );
        assert_eq!(
            of(400, None, r#"{"error": "x\u001b[2J"}"#),
            OidcErrorCode::Other("x\\u{1b}[2J".into())
        );
        let e = operation_error("CreateToken", &OidcErrorCode::ExpiredToken, "{}");
        assert!(e.to_string().contains("has expired"), "{e}");
        let e = operation_error(
            "CreateToken",
            &OidcErrorCode::InvalidGrant,
            r#"{"error_description": "bad\u0007 grant"}"#,
        );
        assert!(
            e.to_string()
                .contains("(InvalidGrantException) when calling the CreateToken operation: bad"),
            "{e}"
        );
        assert!(!e.to_string().contains('\u{7}'));
    }

    #[test]
    fn the_poll_schedule_slows_down_and_ends_at_expiry() {
        let mut p = DevicePoll::new(None, T0 + time::Duration::seconds(60));
        assert_eq!(p.interval(), Duration::from_secs(5));
        assert_eq!(
            p.next_wait(&TokenOutcome::Pending, T0),
            Some(Duration::from_secs(5))
        );
        for want in [10, 15, 20] {
            assert_eq!(
                p.next_wait(&TokenOutcome::SlowDown, T0),
                Some(Duration::from_secs(want))
            );
        }
        // The next poll would come after the device code expired.
        assert_eq!(
            p.next_wait(&TokenOutcome::Pending, T0 + time::Duration::seconds(40)),
            None
        );
        // Bounded both ways, whatever the server asks.
        assert_eq!(
            DevicePoll::new(Some(0), T0).interval(),
            Duration::from_secs(1)
        );
        let mut huge = DevicePoll::new(Some(u64::MAX), T0 + time::Duration::seconds(100));
        assert_eq!(huge.interval(), MAX_POLL_INTERVAL);
        assert_eq!(huge.next_wait(&TokenOutcome::SlowDown, T0), None);
        // Near the end of time: no overflow, no panic.
        let mut end = DevicePoll::new(Some(1), time::PrimitiveDateTime::MAX.assume_utc());
        assert_eq!(
            end.next_wait(
                &TokenOutcome::Pending,
                time::PrimitiveDateTime::MAX.assume_utc()
            ),
            None
        );
    }

    #[test]
    fn pkce_values_and_the_authorize_url() {
        let p = PkceSession::from_random(&[0u8; 64], [0xff; 16]).unwrap();
        assert_eq!(p.code_verifier().expose(), "A".repeat(64));
        assert_eq!(p.state(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(p.state_matches("ffffffff-ffff-4fff-bfff-ffffffffffff"));
        assert!(!p.state_matches("ffffffff-ffff-4fff-bfff-fffffffffffe"));
        assert_eq!(p.code_challenge().len(), 43);
        assert!(!format!("{p:?}").contains("AAAA"));
        let scopes = [
            "sso:account:access".to_owned(),
            "codewhisperer:x".to_owned(),
        ];
        let url = p.authorize_url(
            "http://127.0.0.1:1/",
            "c i",
            &sso_redirect_uri(5),
            Some(&scopes),
        );
        assert_eq!(
            url,
            format!(
                "http://127.0.0.1:1/authorize?response_type=code&client_id=c%20i&redirect_uri=\
                 http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback&state=ffffffff-ffff-4fff-bfff-\
                 ffffffffffff&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20\
                 codewhisperer%3Ax&code_challenge={}",
                p.code_challenge()
            )
        );
        assert!(PkceSession::from_random(&[250u8; 64], [0; 16]).is_none());
        assert_ne!(
            PkceSession::new().unwrap().state(),
            PkceSession::new().unwrap().state()
        );
    }

    #[test]
    fn token_bodies_name_each_grant() {
        let reg = ClientRegistration::new("id", "sec", T0);
        let (code, verifier) = (SecretString::new("c"), SecretString::new("v"));
        let b = create_token_body(
            &reg,
            TokenGrant::AuthorizationCode {
                code: &code,
                code_verifier: &verifier,
                redirect_uri: "http://127.0.0.1:5/oauth/callback",
            },
        );
        assert_eq!(
            b.expose(),
            r#"{"clientId": "id", "clientSecret": "sec", "grantType": "authorization_code", "redirectUri": "http://127.0.0.1:5/oauth/callback", "codeVerifier": "v", "code": "c"}"#
        );
        let rt = SecretString::new("r");
        assert!(
            create_token_body(&reg, TokenGrant::RefreshToken { refresh_token: &rt })
                .expose()
                .ends_with(r#""grantType": "refresh_token", "refreshToken": "r"}"#)
        );
        assert_eq!(
            start_device_authorization_body(&reg, "https://s").expose(),
            r#"{"clientId": "id", "clientSecret": "sec", "startUrl": "https://s"}"#
        );
    }
}
