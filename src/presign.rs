//! Identity proofs: presigned and signed `GetCallerIdentity` requests, EKS tokens and Vault login data.
//!
//! Pure functions: the endpoint, credentials and time are passed in. A third party (an EKS cluster,
//! a Vault server) replays the request to STS and learns who signed it, without ever seeing the
//! secret key. [`presign_get_caller_identity`] makes a presigned `GET` URL, [`signed_get_caller_identity`]
//! a `POST` with an `Authorization` header, [`eks_token`] the `k8s-aws-v1.` bearer token of
//! `aws eks get-token`, and [`vault_login_data`] the body of Vault's `aws` IAM login.
//!
//! ```
//! use sts_blocking::presign::{eks_token, EKS_TOKEN_PREFIX};
//! use sts_blocking::endpoint::{resolve, EndpointParams};
//! use sts_blocking::sigv4::SigningKeyCache;
//! use sts_blocking::Credentials;
//!
//! let endpoint = resolve(&EndpointParams::for_region("us-east-1")).unwrap();
//! let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let time = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
//! let token = eks_token(&endpoint, &creds, time, "my-cluster", &SigningKeyCache::new()).unwrap();
//! assert!(token.token.expose().starts_with(EKS_TOKEN_PREFIX));
//! assert_eq!(format!("{token:?}").contains("k8s-aws-v1"), false);
//! ```
//!
//! Every result is a bearer credential until it expires (15 minutes after signing for STS), so
//! `Debug` never shows a signature, a session token or a token.
//!
//! Behind the `client` feature, [`request_signin_token`] turns a session into a console sign-in
//! token at the AWS federation endpoint (the one call here that does I/O, under the crate's
//! transport policy).

use crate::credentials::Credentials;
use crate::endpoint::ResolvedEndpoint;
use crate::error::Error;
use crate::secret::SecretString;
use crate::sigv4::{
    self, MAX_PRESIGN_EXPIRES_SECS, SignableRequest, SigningKeyCache, SigningParams,
};
use crate::url::EndpointUrl;

#[cfg(feature = "client")]
pub use crate::signin_token::request_signin_token;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// The query (presigned) or body (signed) of the request: `Action=GetCallerIdentity&Version=2011-06-15`.
pub const GET_CALLER_IDENTITY_QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// The `Content-Type` of the signed `POST`.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The signed header that binds an EKS token to a cluster.
pub const EKS_CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";

/// The prefix of an EKS token; the rest is the presigned URL in unpadded base64url.
pub const EKS_TOKEN_PREFIX: &str = "k8s-aws-v1.";

/// The `X-Amz-Expires` of an EKS token's URL (the CLI's `URL_TIMEOUT`). STS ignores it for
/// `GetCallerIdentity`: the URL is accepted for 15 minutes from `X-Amz-Date`.
pub const EKS_URL_EXPIRES_SECS: u64 = 60;

/// How long an EKS token is announced as valid (`expirationTimestamp` = signing time + 14 minutes).
pub const EKS_TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// The longest token aws-iam-authenticator accepts, in bytes.
pub const EKS_MAX_TOKEN_LEN: usize = 4096;

/// The `apiVersion` of the `ExecCredential` when `KUBERNETES_EXEC_INFO` does not say.
pub const DEFAULT_EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";

/// The signed header that binds a Vault login to a Vault server (`iam_server_id_header_value`).
pub const VAULT_SERVER_ID_HEADER: &str = "X-Vault-AWS-IAM-Server-ID";

/// Headers the signer sets itself or the HTTP client owns; they cannot be extra signed headers.
const RESERVED_HEADERS: [&str; 7] = [
    "host",
    "authorization",
    "content-type",
    "content-length",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// A presigned `GET` request: send `url` with `headers` (and the `Host` of the URL).
///
/// `Debug` shows the method and the header names only: the URL is a bearer credential.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresignedRequest {
    /// Always `GET`.
    pub method: &'static str,
    /// The full presigned URL, `X-Amz-Signature` last.
    pub url: String,
    /// The extra signed headers, as given; whoever replays the URL must send them unchanged.
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for PresignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("url", &"** redacted **")
            .field("headers", &header_names(&self.headers))
            .finish()
    }
}

/// A signed `POST` request, ready to be replayed byte for byte.
///
/// `headers` holds every header to send except `Host`, which is the authority of `url` (every HTTP
/// client sends it): `content-type`, the extra headers, `x-amz-date`, `x-amz-security-token` (temporary
/// credentials) and `authorization`. `Debug` shows header names only.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The URL, e.g. `https://sts.us-east-1.amazonaws.com/`.
    pub url: String,
    /// The headers to send, in order (names as given; the signer's own in lower case).
    pub headers: Vec<(String, String)>,
    /// The body, [`GET_CALLER_IDENTITY_QUERY`].
    pub body: String,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &header_names(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn header_names(headers: &[(String, String)]) -> Vec<&str> {
    headers.iter().map(|(n, _)| n.as_str()).collect()
}

/// An EKS bearer token (`aws eks get-token`). `Debug` redacts the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EksToken {
    /// `k8s-aws-v1.` + the unpadded base64url of the presigned URL.
    pub token: SecretString,
    /// When kubectl should ask for a new token: signing time + [`EKS_TOKEN_LIFETIME`].
    pub expiration: OffsetDateTime,
}

impl EksToken {
    /// The `ExecCredential` kubectl reads from a credential plugin's standard output. The result
    /// contains the token: print it, do not log it.
    ///
    /// ```
    /// use sts_blocking::endpoint::{resolve, EndpointParams};
    /// use sts_blocking::presign::{eks_token, DEFAULT_EXEC_API_VERSION};
    /// use sts_blocking::sigv4::SigningKeyCache;
    /// use sts_blocking::time::OffsetDateTime;
    /// use sts_blocking::Credentials;
    /// let endpoint = resolve(&EndpointParams::for_region("us-east-1"))?;
    /// let creds = Credentials::new("AKIDEXAMPLE", "secret", None);
    /// let signed_at = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap(); // 12:36:00Z
    /// let t = eks_token(&endpoint, &creds, signed_at, "my-cluster", &SigningKeyCache::new())?;
    /// let json = t.exec_credential_json(DEFAULT_EXEC_API_VERSION);
    /// assert!(json.starts_with(
    ///     r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{},"status":{"expirationTimestamp":"2015-08-30T12:50:00Z","token":"k8s-aws-v1."#
    /// ));
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    #[must_use]
    pub fn exec_credential_json(&self, api_version: &str) -> String {
        let mut out = String::with_capacity(160 + self.token.len());
        out.push_str(r#"{"kind":"ExecCredential","apiVersion":"#);
        push_json_string(&mut out, api_version);
        out.push_str(r#","spec":{},"status":{"expirationTimestamp":"#);
        push_json_string(&mut out, &format_rfc3339_seconds(self.expiration));
        out.push_str(r#","token":"#);
        push_json_string(&mut out, self.token.expose());
        out.push_str("}}");
        out
    }
}

/// The `ExecCredential` `apiVersion` to answer with: the top-level `apiVersion` of
/// `KUBERNETES_EXEC_INFO` (pass the variable's value) when it is a `client.authentication.k8s.io`
/// version, else [`DEFAULT_EXEC_API_VERSION`].
///
/// ```
/// use sts_blocking::presign::exec_api_version;
/// let info = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;
/// assert_eq!(exec_api_version(Some(info)), "client.authentication.k8s.io/v1");
/// assert_eq!(exec_api_version(None), "client.authentication.k8s.io/v1beta1");
/// ```
#[must_use]
pub fn exec_api_version(kubernetes_exec_info: Option<&str>) -> String {
    kubernetes_exec_info
        .and_then(|j| json_top_level_string(j, "apiVersion"))
        .filter(|v| {
            v.strip_prefix("client.authentication.k8s.io/")
                .is_some_and(|ver| {
                    !ver.is_empty() && ver.bytes().all(|b| b.is_ascii_alphanumeric())
                })
        })
        .unwrap_or_else(|| DEFAULT_EXEC_API_VERSION.to_owned())
}

/// Checks extra signed headers: valid names (not reserved, no duplicates) and values (not empty, no
/// control characters, no surrounding whitespace).
fn check_extra_headers(extra: &[(&str, &str)]) -> Result<(), Error> {
    for (i, (name, value)) in extra.iter().enumerate() {
        let field = || format!("extra_signed_headers[{i}]");
        let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(tchar) {
            return Err(Error::invalid_input(
                field(),
                "header name must be an HTTP token",
            ));
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(Error::invalid_input(
                field(),
                format!("{lower} is set by the signer and cannot be an extra header"),
            ));
        }
        if extra[..i].iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(Error::invalid_input(
                field(),
                format!("duplicate header {lower}"),
            ));
        }
        check_header_value(value).map_err(|rule| Error::invalid_input(field(), rule))?;
    }
    Ok(())
}

fn check_header_value(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("header value must not be empty");
    }
    if value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("header value must not contain control characters");
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Err("header value must not start or end with a space");
    }
    Ok(())
}

/// The parsed endpoint and the URL without its query: `scheme://authority/path`.
fn target(endpoint: &ResolvedEndpoint) -> Result<(EndpointUrl, String), Error> {
    let url = EndpointUrl::parse(&endpoint.url)?;
    let base = format!("{}://{}{}", url.scheme, url.authority(), url.path);
    Ok((url, base))
}

/// Presigns `GET {endpoint}/?Action=GetCallerIdentity&Version=2011-06-15`, valid for `expires`
/// (whole seconds, 1 s to 7 days).
///
/// Every extra header is signed (listed in `X-Amz-SignedHeaders` in lower case) and returned in
/// [`PresignedRequest::headers`]; the session token goes into `X-Amz-Security-Token` (signed).
///
/// ```
/// use sts_blocking::presign::presign_get_caller_identity;
/// use sts_blocking::endpoint::{resolve, EndpointParams};
/// use sts_blocking::sigv4::SigningKeyCache;
/// use sts_blocking::Credentials;
/// use std::time::Duration;
///
/// let endpoint = resolve(&EndpointParams::for_region("us-east-1"))?;
/// let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
/// let time = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
/// let keys = SigningKeyCache::new();
/// let p = presign_get_caller_identity(&endpoint, &creds, time, Duration::from_secs(60), &[], &keys)?;
/// assert_eq!(p.url, "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
///     &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request\
///     &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\
///     &X-Amz-Signature=edc8907c6c6ab903df773b39e30bcee2e7cbef539f89e69dfe8e7f6a80781bb6");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] for an `expires` out of range or a bad, reserved or duplicate extra header;
/// [`Error::Config`] for an endpoint URL that cannot be parsed.
pub fn presign_get_caller_identity(
    endpoint: &ResolvedEndpoint,
    credentials: &Credentials,
    time: OffsetDateTime,
    expires: Duration,
    extra_signed_headers: &[(&str, &str)],
    keys: &SigningKeyCache,
) -> Result<PresignedRequest, Error> {
    let secs = expires.as_secs();
    if expires.subsec_nanos() != 0 || !(1..=MAX_PRESIGN_EXPIRES_SECS).contains(&secs) {
        return Err(Error::invalid_input(
            "expires",
            format!("must be whole seconds in 1..={MAX_PRESIGN_EXPIRES_SECS}, got {expires:?}"),
        ));
    }
    check_extra_headers(extra_signed_headers)?;
    let (url, base) = target(endpoint)?;
    let authority = url.authority();
    let query = if url.query.is_empty() {
        GET_CALLER_IDENTITY_QUERY.to_owned()
    } else {
        format!("{}&{GET_CALLER_IDENTITY_QUERY}", url.query)
    };
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(1 + extra_signed_headers.len());
    headers.push(("host", &authority));
    headers.extend_from_slice(extra_signed_headers);
    let params = SigningParams::from_credentials(
        credentials,
        &endpoint.signing_region,
        endpoint.signing_name,
        time,
    );
    let req = SignableRequest {
        method: "GET",
        path: &url.path,
        query: &query,
        headers: &headers,
        body: b"",
    };
    let presigned = sigv4::presign(&req, &params, secs, keys);
    Ok(PresignedRequest {
        method: "GET",
        url: presigned.url(&base),
        headers: owned(extra_signed_headers),
    })
}

fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// Signs `POST {endpoint}/` with body `Action=GetCallerIdentity&Version=2011-06-15` (the request
/// Vault's IAM login replays). `host`, `content-type`, `x-amz-date`, `x-amz-security-token` (if any)
/// and every extra header are signed.
///
/// ```
/// use sts_blocking::presign::signed_get_caller_identity;
/// use sts_blocking::endpoint::{resolve, EndpointParams};
/// use sts_blocking::sigv4::SigningKeyCache;
/// use sts_blocking::Credentials;
///
/// let endpoint = resolve(&EndpointParams::for_region("aws-global"))?;
/// let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
/// let time = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
/// let s = signed_get_caller_identity(&endpoint, &creds, time, &[], &SigningKeyCache::new())?;
/// assert_eq!(s.url, "https://sts.amazonaws.com/");
/// let names: Vec<&str> = s.headers.iter().map(|(n, _)| n.as_str()).collect();
/// assert_eq!(names, ["content-type", "x-amz-date", "authorization"]);
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] for a bad, reserved or duplicate extra header; [`Error::Config`] for an
/// endpoint URL that cannot be parsed.
pub fn signed_get_caller_identity(
    endpoint: &ResolvedEndpoint,
    credentials: &Credentials,
    time: OffsetDateTime,
    extra_signed_headers: &[(&str, &str)],
    keys: &SigningKeyCache,
) -> Result<SignedRequest, Error> {
    check_extra_headers(extra_signed_headers)?;
    let (url, base) = target(endpoint)?;
    let authority = url.authority();
    let full_url = if url.query.is_empty() {
        base
    } else {
        format!("{base}?{}", url.query)
    };
    let mut to_sign: Vec<(&str, &str)> = Vec::with_capacity(2 + extra_signed_headers.len());
    to_sign.push(("host", &authority));
    to_sign.push(("content-type", FORM_CONTENT_TYPE));
    to_sign.extend_from_slice(extra_signed_headers);
    let params = SigningParams::from_credentials(
        credentials,
        &endpoint.signing_region,
        endpoint.signing_name,
        time,
    );
    let req = SignableRequest {
        method: "POST",
        path: &url.path,
        query: &url.query,
        headers: &to_sign,
        body: GET_CALLER_IDENTITY_QUERY.as_bytes(),
    };
    let out = sigv4::sign(&req, &params, keys);
    let mut headers = Vec::with_capacity(4 + extra_signed_headers.len());
    headers.push(("content-type".to_owned(), FORM_CONTENT_TYPE.to_owned()));
    headers.extend(owned(extra_signed_headers));
    for (name, value) in out.headers(&params) {
        headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(SignedRequest {
        method: "POST",
        url: full_url,
        headers,
        body: GET_CALLER_IDENTITY_QUERY.to_owned(),
    })
}

/// Makes an EKS token for `cluster` (a cluster name or id), as `aws eks get-token` does: a presigned
/// `GetCallerIdentity` URL with `x-k8s-aws-id: <cluster>` signed and `X-Amz-Expires=60`, as
/// `k8s-aws-v1.` + unpadded base64url. The expiration is `time` + 14 minutes.
///
/// `endpoint` must be a regional or the global STS endpoint of the partition, or the cluster rejects
/// the token.
///
/// # Errors
/// [`Error::InvalidInput`] for a cluster that cannot be a header value (empty, control characters,
/// surrounding spaces) or a token longer than [`EKS_MAX_TOKEN_LEN`] (a very long session token);
/// [`Error::Config`] for an endpoint URL that cannot be parsed.
pub fn eks_token(
    endpoint: &ResolvedEndpoint,
    credentials: &Credentials,
    time: OffsetDateTime,
    cluster: &str,
    keys: &SigningKeyCache,
) -> Result<EksToken, Error> {
    check_header_value(cluster).map_err(|rule| Error::invalid_input("cluster", rule))?;
    let presigned = presign_get_caller_identity(
        endpoint,
        credentials,
        time,
        Duration::from_secs(EKS_URL_EXPIRES_SECS),
        &[(EKS_CLUSTER_ID_HEADER, cluster)],
        keys,
    )?;
    let mut token = String::with_capacity(EKS_TOKEN_PREFIX.len() + presigned.url.len() * 4 / 3 + 4);
    token.push_str(EKS_TOKEN_PREFIX);
    token.push_str(&base64::encode_url_nopad(presigned.url.as_bytes()));
    if token.len() > EKS_MAX_TOKEN_LEN {
        return Err(Error::invalid_input(
            "token",
            format!(
                "the EKS token would be {} bytes, more than the {EKS_MAX_TOKEN_LEN} EKS accepts \
                 (session token too long)",
                token.len()
            ),
        ));
    }
    Ok(EksToken {
        token: SecretString::new(token),
        expiration: time + EKS_TOKEN_LIFETIME,
    })
}

/// The JSON body of Vault's `POST /v1/auth/<mount>/login` for the `aws` IAM method, from a signed
/// request (sign it with [`VAULT_SERVER_ID_HEADER`] as an extra header when the Vault role
/// requires a server id).
///
/// Keys in Go's `json.Marshal` order: `iam_http_request_method`, `iam_request_body` (base64),
/// `iam_request_headers` (base64 of a Go `http.Header` JSON: canonical name to array of values, no
/// `Host`), `iam_request_url` (base64), then `role` when given. The result contains the signature:
/// send it, do not log it.
///
/// ```
/// use sts_blocking::endpoint::{resolve, EndpointParams};
/// use sts_blocking::presign::{signed_get_caller_identity, vault_login_data};
/// use sts_blocking::sigv4::SigningKeyCache;
/// use sts_blocking::time::OffsetDateTime;
/// use sts_blocking::Credentials;
/// let endpoint = resolve(&EndpointParams::for_region("us-east-1").use_global_endpoint(true))?;
/// let creds = Credentials::new("AKIDEXAMPLE", "secret", None);
/// let at = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
/// let signed = signed_get_caller_identity(&endpoint, &creds, at, &[], &SigningKeyCache::new())?;
/// let json = vault_login_data(&signed, Some("dev"));
/// assert!(json.contains(r#""iam_request_url":"aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=""#));
/// assert!(json.ends_with(r#","role":"dev"}"#));
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[must_use]
pub fn vault_login_data(signed: &SignedRequest, role: Option<&str>) -> String {
    let mut grouped: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, value) in &signed.headers {
        if name.eq_ignore_ascii_case("host") {
            continue;
        }
        grouped
            .entry(go_canonical_header_key(name))
            .or_default()
            .push(value);
    }
    let mut headers = String::with_capacity(512);
    headers.push('{');
    for (i, (name, values)) in grouped.iter().enumerate() {
        if i > 0 {
            headers.push(',');
        }
        push_json_string(&mut headers, name);
        headers.push_str(":[");
        for (j, v) in values.iter().enumerate() {
            if j > 0 {
                headers.push(',');
            }
            push_json_string(&mut headers, v);
        }
        headers.push(']');
    }
    headers.push('}');

    let mut out = String::with_capacity(256 + headers.len() * 4 / 3);
    out.push_str(r#"{"iam_http_request_method":"#);
    push_json_string(&mut out, signed.method);
    out.push_str(r#","iam_request_body":""#);
    out.push_str(&base64::encode_std(signed.body.as_bytes()));
    out.push_str(r#"","iam_request_headers":""#);
    out.push_str(&base64::encode_std(headers.as_bytes()));
    out.push_str(r#"","iam_request_url":""#);
    out.push_str(&base64::encode_std(signed.url.as_bytes()));
    out.push('"');
    if let Some(role) = role {
        out.push_str(r#","role":"#);
        push_json_string(&mut out, role);
    }
    out.push('}');
    out
}

/// Go's `textproto.CanonicalMIMEHeaderKey` for a valid token: upper case at the start and after
/// each `-`, lower case elsewhere.
fn go_canonical_header_key(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// `2015-08-30T12:50:00Z` (RFC 3339, whole seconds, UTC).
fn format_rfc3339_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Appends `s` as a JSON string, escaped as Go's `encoding/json` does (`<`, `>`, `&`, U+2028 and
/// U+2029 as `\u` escapes too).
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The value of a top-level string member of a JSON object, or `None` (not an object, no such
/// member, not a string, malformed).
fn json_top_level_string(json: &str, key: &str) -> Option<String> {
    let b = json.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        let (k, next) = json_string_at(b, i)?;
        i = skip_ws(b, next);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'"') {
            let (v, next) = json_string_at(b, i)?;
            if k == key {
                return Some(v);
            }
            i = next;
        } else {
            i = skip_json_value(b, i)?;
        }
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// Parses the JSON string starting at `b[i] == '"'`: `(value, index after the closing quote)`.
fn json_string_at(b: &[u8], i: usize) -> Option<(String, usize)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut out: Vec<u8> = Vec::new();
    let mut j = i + 1;
    loop {
        match *b.get(j)? {
            b'"' => return Some((String::from_utf8(out).ok()?, j + 1)),
            b'\\' => {
                let e = *b.get(j + 1)?;
                j += 2;
                match e {
                    b'"' | b'\\' | b'/' => out.push(e),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'u' => {
                        let hex = std::str::from_utf8(b.get(j..j + 4)?).ok()?;
                        let cp = u32::from_str_radix(hex, 16).ok()?;
                        let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        j += 4;
                    }
                    _ => return None,
                }
            }
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
}

/// Skips a non-string JSON value (object, array, number, literal): the index after it.
fn skip_json_value(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match *b.get(i)? {
            b'"' => i = json_string_at(b, i)?.1,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b',' if depth == 0 => return Some(i),
            _ => i += 1,
        }
    }
}

/// Base64 (RFC 4648): standard alphabet with padding, and URL-safe without padding.
pub(crate) mod base64 {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    fn encode(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
        let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
        for chunk in data.chunks(3) {
            let n = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            let chars = chunk.len() + 1;
            for k in 0..4 {
                if k < chars {
                    out.push(char::from(alphabet[((n >> (18 - 6 * k)) & 63) as usize]));
                } else if pad {
                    out.push('=');
                }
            }
        }
        out
    }

    fn decode(s: &str, alphabet: &[u8; 64], pad: bool) -> Option<Vec<u8>> {
        let b = s.as_bytes();
        let body = if pad {
            if !b.len().is_multiple_of(4) {
                return None;
            }
            let pads = b.iter().rev().take_while(|&&c| c == b'=').count();
            if pads > 2 {
                return None;
            }
            &b[..b.len() - pads]
        } else {
            b
        };
        if body.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::with_capacity(body.len() * 3 / 4);
        for chunk in body.chunks(4) {
            let mut n = 0u32;
            for (k, &c) in chunk.iter().enumerate() {
                let v = alphabet.iter().position(|&a| a == c)? as u32;
                n |= v << (18 - 6 * k);
            }
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            let keep = chunk.len() - 1;
            // Canonical encodings only: the bits past the last byte must be zero.
            if keep < 3 && bytes[keep] != 0 {
                return None;
            }
            out.extend_from_slice(&bytes[..keep]);
        }
        Some(out)
    }

    /// Standard base64 with `=` padding (RFC 4648 §4).
    ///
    /// ```
    /// assert_eq!(sts_blocking::__private::base64::encode_std(b"fo"), "Zm8=");
    /// ```
    #[must_use]
    pub fn encode_std(data: &[u8]) -> String {
        encode(data, STD, true)
    }

    /// URL-safe base64 without padding (RFC 4648 §5; Go's `RawURLEncoding`).
    ///
    /// ```
    /// assert_eq!(sts_blocking::__private::base64::encode_url_nopad(b"\xfb\xff"), "-_8");
    /// ```
    #[must_use]
    pub fn encode_url_nopad(data: &[u8]) -> String {
        encode(data, URL, false)
    }

    /// Decodes padded standard base64; `None` unless `s` is a canonical encoding.
    ///
    /// ```
    /// assert_eq!(sts_blocking::__private::base64::decode_std("Zm8=").unwrap(), b"fo");
    /// assert!(sts_blocking::__private::base64::decode_std("Zm8").is_none());
    /// ```
    #[must_use]
    pub fn decode_std(s: &str) -> Option<Vec<u8>> {
        decode(s, STD, true)
    }

    /// Decodes unpadded URL-safe base64; `None` unless `s` is a canonical encoding.
    ///
    /// ```
    /// assert_eq!(sts_blocking::__private::base64::decode_url_nopad("-_8").unwrap(), b"\xfb\xff");
    /// assert!(sts_blocking::__private::base64::decode_url_nopad("Zm8=").is_none());
    /// ```
    #[must_use]
    pub fn decode_url_nopad(s: &str) -> Option<Vec<u8>> {
        decode(s, URL, false)
    }
}

#[cfg(test)]
mod tests {
    use super::base64::*;
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, std) in cases {
            assert_eq!(encode_std(raw), std);
            assert_eq!(decode_std(std).unwrap(), raw);
            let url = std.trim_end_matches('=');
            assert_eq!(encode_url_nopad(raw), url);
            assert_eq!(decode_url_nopad(url).unwrap(), raw);
        }
        // The alphabets differ in the last two symbols.
        assert_eq!(encode_std(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert_eq!(encode_url_nopad(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert!(decode_std("-_-_").is_none());
        assert!(decode_url_nopad("+/+/").is_none());
        // Malformed input.
        for bad in ["Zg=", "Z===", "Zh==", "Zm9=", "Zm9v=", "Zm 9v", "Z"] {
            assert!(decode_std(bad).is_none(), "{bad}");
        }
        for bad in ["Zg==", "Z", "Zh", "Zm9", "Zm.v"] {
            assert!(decode_url_nopad(bad).is_none(), "{bad}");
        }
        // Every byte value round-trips at every length modulo 3.
        let all: Vec<u8> = (0..=255).collect();
        for n in 0..all.len() {
            assert_eq!(decode_std(&encode_std(&all[..n])).unwrap(), &all[..n]);
            assert_eq!(
                decode_url_nopad(&encode_url_nopad(&all[n..])).unwrap(),
                &all[n..]
            );
        }
    }

    #[test]
    fn json_escaping_matches_go() {
        let mut s = String::new();
        push_json_string(&mut s, "a\"b\\c\n\u{1}<&>\u{2028}é");
        assert_eq!(s, r#""a\"b\\c\n\u0001\u003c\u0026\u003e\u2028é""#);
    }

    #[test]
    fn go_canonical_keys() {
        assert_eq!(go_canonical_header_key("x-amz-date"), "X-Amz-Date");
        assert_eq!(
            go_canonical_header_key(VAULT_SERVER_ID_HEADER),
            "X-Vault-Aws-Iam-Server-Id"
        );
        assert_eq!(go_canonical_header_key("content-type"), "Content-Type");
    }

    #[test]
    fn exec_info_parsing() {
        let v1 = r#" { "spec" : {"cluster": {"config": {"apiVersion": "x"}}, "list": [1, "]", {}]},
            "kind":"ExecCredential", "apiVersion" : "client.authentication.k8s.io\/v1" } "#;
        assert_eq!(
            exec_api_version(Some(v1)),
            "client.authentication.k8s.io/v1"
        );
        for other in [
            "",
            "[]",
            "{}",
            r#"{"apiVersion":"evil/v1"}"#,
            r#"{"apiVersion":"client.authentication.k8s.io/"}"#,
            r#"{"apiVersion":1}"#,
            r#"{"apiVersion""#,
            r#"{"spec":{"apiVersion":"client.authentication.k8s.io/v1"}}"#,
        ] {
            assert_eq!(
                exec_api_version(Some(other)),
                DEFAULT_EXEC_API_VERSION,
                "{other}"
            );
        }
    }

    #[test]
    fn rejects_bad_extra_headers() {
        for bad in [
            &[("", "v")][..],
            &[("bad name", "v")],
            &[("Host", "v")],
            &[("X-Amz-Date", "v")],
            &[("x-a", "v"), ("X-A", "w")],
            &[("x-a", "")],
            &[("x-a", " v")],
            &[("x-a", "v\r\nx-b: w")],
        ] {
            assert!(check_extra_headers(bad).is_err(), "{bad:?}");
        }
        assert!(check_extra_headers(&[("x-k8s-aws-id", "my cluster_1.é")]).is_ok());
    }

    #[test]
    fn rfc3339() {
        let t = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
        assert_eq!(format_rfc3339_seconds(t), "2015-08-30T12:36:00Z");
    }
}
