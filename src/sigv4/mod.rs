//! AWS Signature Version 4, written by hand on `hmac` and `sha2`.
//!
//! Pure functions: the time is passed in, nothing is read from the environment. Use [`sign`] to produce
//! the `Authorization` header of a request and [`presign`] for a presigned (query-string) URL. The
//! module is not STS-specific: any AWS Query (or other SigV4) request can be signed with it.
//!
//! ```
//! use sts_blocking::sigv4::{sign, SignableRequest, SigningKeyCache, SigningParams};
//! use time::OffsetDateTime;
//!
//! let keys = SigningKeyCache::new();
//! let params = SigningParams::new(
//!     "AKIDEXAMPLE",
//!     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
//!     None,
//!     "us-east-1",
//!     "sts",
//!     OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap(), // 2015-08-30T12:36:00Z
//! );
//! let body = b"Action=GetCallerIdentity&Version=2011-06-15";
//! let headers = [
//!     ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
//!     ("host", "sts.us-east-1.amazonaws.com"),
//! ];
//! let req = SignableRequest { method: "POST", path: "/", query: "", headers: &headers, body };
//! let out = sign(&req, &params, &keys);
//! assert_eq!(out.amz_date, "20150830T123600Z");
//! assert!(out.authorization.starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, \
//!      SignedHeaders=content-type;host;x-amz-date, Signature="
//! ));
//! // Send the request with these headers added:
//! for (name, value) in out.headers(&params) {
//!     assert!(name == "x-amz-date" || name == "authorization");
//!     assert!(!value.is_empty());
//! }
//! ```

mod canonical;
mod key;
mod post;

pub use canonical::uri_encode_component;
pub use key::{SigningKeyCache, derive_signing_key};
pub(crate) use post::{PostSigner, Texts};

use crate::Credentials;
use canonical::{
    canonical_query_pairs, collect_headers, join_signed_headers, uri_encode,
    write_canonical_request,
};
use hmac::Mac;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;
use time::{OffsetDateTime, UtcOffset};

/// The signing algorithm name, first line of the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The largest `X-Amz-Expires` AWS accepts for a presigned URL (7 days).
pub const MAX_PRESIGN_EXPIRES_SECS: u64 = 604_800;

/// What to do with the session token of temporary credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionTokenMode {
    /// Add `x-amz-security-token` (or `X-Amz-Security-Token` when presigning) before signing, so it is
    /// signed. What STS and the AWS SDKs do.
    #[default]
    Signed,
    /// Add the token after signing, so it is sent but not signed (the test suites' `omit_session_token`).
    Unsigned,
}

/// Options that change how a request is canonicalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningSettings {
    /// Remove `.`, `..` and empty segments from the path before encoding it (default `true`; S3 wants
    /// `false`).
    pub normalize_path: bool,
    /// Whether the session token is signed (default) or added after signing.
    pub session_token: SessionTokenMode,
    /// Add and sign `x-amz-content-sha256: <body hash>` when signing with headers (default `false`).
    pub sign_body: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            normalize_path: true,
            session_token: SessionTokenMode::Signed,
            sign_body: false,
        }
    }
}

impl SigningSettings {
    /// Sets whether the path is normalized.
    #[must_use]
    pub fn normalize_path(mut self, on: bool) -> Self {
        self.normalize_path = on;
        self
    }

    /// Sets whether the session token is signed or added after signing.
    #[must_use]
    pub fn session_token(mut self, mode: SessionTokenMode) -> Self {
        self.session_token = mode;
        self
    }

    /// Sets whether `x-amz-content-sha256` is added and signed.
    #[must_use]
    pub fn sign_body(mut self, on: bool) -> Self {
        self.sign_body = on;
        self
    }
}

/// Who signs, where, and when.
///
/// `Debug` shows the access key id, region, service and time, never the secret key or the token.
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id (`AKIA...`/`ASIA...`).
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials.
    pub session_token: Option<&'a str>,
    /// The signing region (`us-east-1`).
    pub region: &'a str,
    /// The signing name of the service (`sts`).
    pub service: &'a str,
    /// The signing time; any offset, it is converted to UTC.
    pub time: OffsetDateTime,
    /// Canonicalization options.
    pub settings: SigningSettings,
}

impl<'a> SigningParams<'a> {
    /// Parameters from raw parts, with default [`SigningSettings`].
    #[must_use]
    pub fn new(
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: Option<&'a str>,
        region: &'a str,
        service: &'a str,
        time: OffsetDateTime,
    ) -> Self {
        Self {
            access_key_id,
            secret_access_key,
            session_token,
            region,
            service,
            time,
            settings: SigningSettings::default(),
        }
    }

    /// Parameters from [`Credentials`], with default [`SigningSettings`].
    #[must_use]
    pub fn from_credentials(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: OffsetDateTime,
    ) -> Self {
        Self::new(
            &credentials.access_key_id,
            credentials.secret_access_key.expose(),
            credentials.session_token.as_ref().map(|t| t.expose()),
            region,
            service,
            time,
        )
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.map(|_| "** redacted **"),
            )
            .field("region", &self.region)
            .field("service", &self.service)
            .field("time", &self.time)
            .field("settings", &self.settings)
            .finish()
    }
}

/// The parts of an HTTP request that are signed.
///
/// Every header in `headers` is signed, so pass only the ones to sign; `host` is required. Names may be
/// in any case. `authorization` and `x-amz-date` in `headers` are ignored (the signer sets them), and so
/// are `x-amz-security-token` when the params carry a token and `x-amz-content-sha256` when
/// [`SigningSettings::sign_body`] is on.
///
/// `Debug` shows header names and the body length only.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path as sent, e.g. `/`. It is percent-encoded again for the canonical URI (non-S3 style).
    pub path: &'a str,
    /// The query string without `?`, possibly empty. Parsed as `application/x-www-form-urlencoded`
    /// (`%XX` and `+` are decoded, then every name and value is re-encoded canonically).
    pub query: &'a str,
    /// Headers to sign, `(name, value)`; must include `host`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes that are sent.
    pub body: &'a [u8],
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The result of [`sign`]: the headers to add, and the intermediate strings for debugging.
///
/// `Debug` leaves out the signature and the `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningOutput {
    /// The `x-amz-date` header value, e.g. `20150830T123600Z`.
    pub amz_date: String,
    /// The `authorization` header value.
    pub authorization: String,
    /// The hex signature.
    pub signature: String,
    /// The `;`-separated signed header names.
    pub signed_headers: String,
    /// The `x-amz-content-sha256` header value, when [`SigningSettings::sign_body`] is on.
    pub content_sha256: Option<String>,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
}

impl SigningOutput {
    /// The headers to add to the request: `x-amz-date`, `x-amz-security-token` (when `params` has a
    /// token), `x-amz-content-sha256` (when signed) and `authorization`. Pass the same `params` as to
    /// [`sign`].
    pub fn headers<'s>(
        &'s self,
        params: &SigningParams<'s>,
    ) -> impl Iterator<Item = (&'static str, &'s str)> + 's {
        [
            Some(("x-amz-date", self.amz_date.as_str())),
            params.session_token.map(|t| ("x-amz-security-token", t)),
            self.content_sha256
                .as_deref()
                .map(|h| ("x-amz-content-sha256", h)),
            Some(("authorization", self.authorization.as_str())),
        ]
        .into_iter()
        .flatten()
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("amz_date", &self.amz_date)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"** redacted **")
            .finish_non_exhaustive()
    }
}

/// The result of [`presign`]: the query string of the presigned URL and the intermediate strings.
///
/// A presigned URL is a bearer credential until it expires, so `Debug` shows neither it nor the
/// signature.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresignedUrl {
    /// The full query string (without `?`): the request's own parameters in their order, canonically
    /// encoded, then `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (if any) and finally `X-Amz-Signature`.
    pub query: String,
    /// The hex signature.
    pub signature: String,
    /// The `;`-separated signed header names.
    pub signed_headers: String,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
}

impl PresignedUrl {
    /// `base` + `?` + the query, e.g. with `base` = `https://sts.us-east-1.amazonaws.com/`.
    #[must_use]
    pub fn url(&self, base: &str) -> String {
        let mut url = String::with_capacity(base.len() + 1 + self.query.len());
        url.push_str(base);
        url.push('?');
        url.push_str(&self.query);
        url
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedUrl")
            .field("signed_headers", &self.signed_headers)
            .field("query", &"** redacted **")
            .finish_non_exhaustive()
    }
}

/// Formats a time as the SigV4 `x-amz-date` (`20150830T123600Z`), in UTC.
///
/// ```
/// let t = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
/// assert_eq!(sts_blocking::sigv4::format_amz_date(t), "20150830T123600Z");
/// ```
#[must_use]
pub fn format_amz_date(time: OffsetDateTime) -> String {
    let mut s = String::with_capacity(16);
    write_amz_date(&mut s, time);
    s
}

/// Writes [`format_amz_date`]'s text to `out` (a stack buffer on the hot path).
pub(crate) fn write_amz_date(out: &mut impl fmt::Write, time: OffsetDateTime) {
    let t = time.to_offset(UtcOffset::UTC);
    let year = t.year();
    if (0..=9999).contains(&year) {
        // The usual case, without the formatting machinery (this is on the signing hot path).
        let y = year.unsigned_abs();
        put_2(out, y / 100);
        put_2(out, y % 100);
    } else {
        let _ = write!(out, "{year:04}");
    }
    put_2(out, u32::from(u8::from(t.month())));
    put_2(out, u32::from(t.day()));
    let _ = out.write_char('T');
    put_2(out, u32::from(t.hour()));
    put_2(out, u32::from(t.minute()));
    put_2(out, u32::from(t.second()));
    let _ = out.write_char('Z');
}

/// Writes the last two decimal digits of `n`.
fn put_2(out: &mut impl fmt::Write, n: u32) {
    // Each operand is below 10 (`% 10`), so the casts are lossless; `char::from_digit` measured
    // 7-9 % slower on the whole signature (criterion `sigv4/sign_post_*`).
    let _ = out.write_char(char::from(b'0' + (n / 10 % 10) as u8));
    let _ = out.write_char(char::from(b'0' + (n % 10) as u8));
}

/// Signs a request for the `Authorization` header.
///
/// The caller adds the headers of [`SigningOutput::headers`] to the request and sends exactly the
/// `body` that was signed.
#[must_use]
pub fn sign(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    keys: &SigningKeyCache,
) -> SigningOutput {
    let amz_date = format_amz_date(params.time);
    let body_hash = sha256_hex(req.body);
    let token = match params.settings.session_token {
        SessionTokenMode::Signed => params.session_token,
        SessionTokenMode::Unsigned => None,
    };
    let sign_body = params.settings.sign_body;

    let mut headers = collect_headers(req.headers, |name| {
        name == "authorization"
            || name == "x-amz-date"
            || (params.session_token.is_some() && name == "x-amz-security-token")
            || (sign_body && name == "x-amz-content-sha256")
    });
    headers.push((Cow::Borrowed("x-amz-date"), &amz_date));
    if let Some(t) = token {
        headers.push((Cow::Borrowed("x-amz-security-token"), t));
    }
    if sign_body {
        headers.push((Cow::Borrowed("x-amz-content-sha256"), &body_hash));
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));

    let mut creq = String::with_capacity(256 + req.query.len() + 64 * headers.len());
    let signed_headers = write_canonical_request(
        &mut creq,
        req,
        params.settings.normalize_path,
        &mut canonical_query_pairs(req.query),
        &headers,
        &body_hash,
    );
    let (string_to_sign, signature) = finish(&creq, &amz_date, params, keys);

    let mut authorization = String::with_capacity(
        120 + params.access_key_id.len()
            + params.region.len()
            + params.service.len()
            + signed_headers.len(),
    );
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    push_credential(&mut authorization, params, &amz_date[..8]);
    authorization.push_str(", SignedHeaders=");
    authorization.push_str(&signed_headers);
    authorization.push_str(", Signature=");
    authorization.push_str(&signature);

    SigningOutput {
        content_sha256: sign_body.then_some(body_hash),
        amz_date,
        authorization,
        signature,
        signed_headers,
        canonical_request: creq,
        string_to_sign,
    }
}

/// Presigns a request: the signature goes into the query (`X-Amz-Signature`), valid for
/// `expires_in_secs` seconds (AWS rejects more than [`MAX_PRESIGN_EXPIRES_SECS`]).
///
/// Every header in `req.headers` is signed (at least `host`; e.g. also `x-k8s-aws-id` for an EKS token)
/// and must be sent with the URL. The session token goes into the query as `X-Amz-Security-Token`,
/// signed unless [`SessionTokenMode::Unsigned`]. The body hash is the SHA-256 of `req.body`.
///
/// ```
/// use sts_blocking::sigv4::{presign, SignableRequest, SigningKeyCache, SigningParams};
/// let t = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
/// let params = SigningParams::new("AKIDEXAMPLE", "secret", None, "us-east-1", "sts", t);
/// let headers = [("host", "sts.us-east-1.amazonaws.com")];
/// let req = SignableRequest {
///     method: "GET",
///     path: "/",
///     query: "Action=GetCallerIdentity&Version=2011-06-15",
///     headers: &headers,
///     body: b"",
/// };
/// let url = presign(&req, &params, 60, &SigningKeyCache::new()).url("https://sts.us-east-1.amazonaws.com/");
/// assert!(url.starts_with("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm="));
/// ```
#[must_use]
pub fn presign(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_in_secs: u64,
    keys: &SigningKeyCache,
) -> PresignedUrl {
    let amz_date = format_amz_date(params.time);
    let body_hash = sha256_hex(req.body);
    let mut headers = collect_headers(req.headers, |name| name == "authorization");
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let signed_headers = join_signed_headers(&headers);

    // The request's own parameters, canonically encoded, in their order.
    let own = canonical_query_pairs(req.query);
    let mut credential = String::with_capacity(96);
    push_credential(&mut credential, params, &amz_date[..8]);
    let expires = expires_in_secs.to_string();
    let mut added: Vec<(&str, &str)> = vec![
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", &amz_date),
        ("X-Amz-Expires", &expires),
        ("X-Amz-SignedHeaders", &signed_headers),
    ];
    let token = params.session_token;
    if let (Some(t), SessionTokenMode::Signed) = (token, params.settings.session_token) {
        added.push(("X-Amz-Security-Token", t));
    }

    let mut query = String::with_capacity(256 + req.query.len() + token.map_or(0, |t| 3 * t.len()));
    for (k, v) in &own {
        push_pair(&mut query, k, v);
    }
    let mut pairs = own.clone();
    for (k, v) in &added {
        let (k, v) = (
            uri_encode(k.as_bytes(), false),
            uri_encode(v.as_bytes(), false),
        );
        push_pair(&mut query, &k, &v);
        pairs.push((k, v));
    }

    let mut creq = String::with_capacity(256 + query.len() + 64 * headers.len());
    write_canonical_request(
        &mut creq,
        req,
        params.settings.normalize_path,
        &mut pairs,
        &headers,
        &body_hash,
    );
    let (string_to_sign, signature) = finish(&creq, &amz_date, params, keys);

    if let (Some(t), SessionTokenMode::Unsigned) = (token, params.settings.session_token) {
        push_pair(
            &mut query,
            "X-Amz-Security-Token",
            &uri_encode(t.as_bytes(), false),
        );
    }
    push_pair(&mut query, "X-Amz-Signature", &signature);

    PresignedUrl {
        query,
        signature,
        signed_headers,
        canonical_request: creq,
        string_to_sign,
    }
}

fn push_pair(out: &mut String, k: &str, v: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(k);
    out.push('=');
    out.push_str(v);
}

/// `AKID/20150830/us-east-1/service/aws4_request`.
fn push_credential(out: &mut String, params: &SigningParams<'_>, date: &str) {
    out.push_str(params.access_key_id);
    out.push('/');
    push_scope(out, params, date);
}

fn push_scope(out: &mut String, params: &SigningParams<'_>, date: &str) {
    out.push_str(date);
    out.push('/');
    out.push_str(params.region);
    out.push('/');
    out.push_str(params.service);
    out.push_str("/aws4_request");
}

/// Builds the string to sign from the canonical request and signs it: `(string_to_sign, signature)`.
fn finish(
    creq: &str,
    amz_date: &str,
    params: &SigningParams<'_>,
    keys: &SigningKeyCache,
) -> (String, String) {
    let mut sts = String::with_capacity(160);
    sts.push_str(ALGORITHM);
    sts.push('\n');
    sts.push_str(amz_date);
    sts.push('\n');
    push_scope(&mut sts, params, &amz_date[..8]);
    sts.push('\n');
    push_sha256_hex(&mut sts, creq.as_bytes());
    let mut mac = keys.mac_for(params, &amz_date[..8]);
    mac.update(sts.as_bytes());
    let signature = crate::hex::lower(&mac.finalize().into_bytes());
    (sts, signature)
}

fn sha256_hex(data: &[u8]) -> String {
    let mut s = String::with_capacity(64);
    push_sha256_hex(&mut s, data);
    s
}

/// Appends the lower-case hex SHA-256 of `data` without an intermediate allocation.
fn push_sha256_hex(out: &mut String, data: &[u8]) {
    crate::hex::push_lower(out, &Sha256::digest(data));
}

#[cfg(test)]
mod tests;
