//! IAM Roles Anywhere: temporary credentials for a machine outside AWS that holds an X.509
//! certificate and its private key, as `aws_signing_helper` (the AWS credential helper, 1.8.0)
//! gets them.
//!
//! The pure core is here: reading certificates ([`Certificate`]), the `CreateSession` request
//! ([`CreateSession`]), its canonical request and string to sign with the time passed in
//! ([`CreateSession::prepare`]), and the response ([`parse_session_response`]). Behind the
//! `client` feature, [`PrivateKey`] signs (RSA PKCS#1 v1.5 and ECDSA with `ring`) and
//! [`RolesAnywhereProvider`](crate::credentials::RolesAnywhereProvider) puts it all together as a
//! refreshing credential provider.
//!
//! The signature is SigV4 with an X.509 key in place of the secret key:
//!
//! - `POST /sessions?profileArn=…&roleArn=…&trustAnchorArn=…` to
//!   `https://rolesanywhere.{region}.{partition suffix}`, body `{"durationSeconds":N}` (plus
//!   `roleSessionName`), `Content-Type: application/json`;
//! - headers `X-Amz-Date`, `X-Amz-X509` (base64 of the leaf certificate's DER) and
//!   `X-Amz-X509-Chain` (the intermediates, base64 DER joined with commas), all signed;
//! - string to sign `ALGORITHM\n{date}\n{yyyymmdd}/{region}/rolesanywhere/aws4_request\n{hex
//!   sha256 of the canonical request}`, with `AWS4-X509-RSA-SHA256` or
//!   `AWS4-X509-ECDSA-SHA256`, signed with SHA-256 (RSA PKCS#1 v1.5, or ECDSA in ASN.1 DER);
//! - `Authorization: ALGORITHM Credential={certificate serial in decimal}/{scope},
//!   SignedHeaders=…, Signature={hex}`.
//!
//! Keys: PKCS#8, PKCS#1 (RSA) and SEC1 (EC), PEM or DER; RSA of 2048 to 8192 bits and ECDSA
//! P-256 sign sessions. Not supported yet (a clear error, and the default chain runs
//! `aws_signing_helper` itself for them): encrypted keys, PKCS#12 files, PKCS#11 and TPM keys,
//! the OS certificate stores, ML-DSA, and P-384 keys for sessions (`ring` signs P-384 only with
//! SHA-384, and the service wants SHA-256; they do sign [`helper_test_message`] with SHA-384).
//!
//! ```
//! use sts_blocking::roles_anywhere::{Certificate, CreateSession, SigningAlgorithm};
//! use sts_blocking::time::OffsetDateTime;
//! let cert = Certificate::parse_all(&std::fs::read("tests/data/rolesanywhere/rsa.pem").unwrap())?
//!     .remove(0);
//! let req = CreateSession::new(
//!     "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta",
//!     "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
//!     "arn:aws:iam::123456789012:role/r",
//! );
//! let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
//! let p = req.prepare("rolesanywhere.us-east-1.amazonaws.com", "/sessions", "us-east-1", &cert, &[],
//!                     SigningAlgorithm::Rsa, t);
//! assert!(p.string_to_sign.starts_with("AWS4-X509-RSA-SHA256\n20231114T221320Z\n20231114/us-east-1/rolesanywhere/aws4_request\n"));
//! assert_eq!(p.signed_headers, "content-type;host;x-amz-date;x-amz-x509");
//! // The signature (from PrivateKey::sign) goes into the Authorization header:
//! assert!(p.authorization(&[0xab, 0xcd]).ends_with("Signature=abcd"));
//! # Ok::<(), sts_blocking::Error>(())
//! ```

mod certificate;
pub(crate) mod der;
#[cfg(feature = "client")]
pub(crate) mod helper_args;
#[cfg(feature = "client")]
mod key;
pub(crate) mod pem;

pub use certificate::{Certificate, KeyAlgorithm};
#[cfg(feature = "client")]
pub use key::{Digest, PrivateKey, helper_test_message};

use crate::Error;
use crate::credentials::Credentials;
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::secret::SecretString;
use crate::sigv4::{format_amz_date, uri_encode_component};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

/// The service's signing name.
pub const SIGNING_NAME: &str = "rolesanywhere";

/// The default session duration, in seconds (as `aws_signing_helper`'s `--session-duration`).
pub const DEFAULT_SESSION_DURATION: i32 = 3600;

/// Cap on a certificate, key or intermediates file (1 MiB; real ones are a few kilobytes).
pub const MAX_FILE: u64 = 1024 * 1024;

/// The provider name in errors and `sts whoami`.
pub(crate) const PROVIDER: &str = "rolesanywhere";

/// What went wrong reading or using a certificate or key: `Unsupported` is something
/// `aws_signing_helper` may do (the default chain then runs it), `Invalid` is plain wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) enum Problem {
    Unsupported(String),
    Invalid(String),
}

impl Problem {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Self::Unsupported(m) => {
                CredentialsError::new(PROVIDER, format!("not supported yet: {m}")).into()
            }
            Self::Invalid(m) => CredentialsError::new(PROVIDER, m).into(),
        }
    }
}

/// The signing algorithm, named by the key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// `AWS4-X509-RSA-SHA256`: RSA PKCS#1 v1.5 over SHA-256.
    Rsa,
    /// `AWS4-X509-ECDSA-SHA256`: ECDSA over SHA-256, ASN.1 DER signature.
    Ecdsa,
}

impl SigningAlgorithm {
    /// The name in the string to sign and the `Authorization` header.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "AWS4-X509-RSA-SHA256",
            Self::Ecdsa => "AWS4-X509-ECDSA-SHA256",
        }
    }
}

/// The Roles Anywhere endpoint of `region`: `https://rolesanywhere.{region}.{dns suffix}` in the
/// region's partition.
///
/// ```
/// use sts_blocking::roles_anywhere::endpoint_for_region;
/// assert_eq!(endpoint_for_region("eu-west-1"), "https://rolesanywhere.eu-west-1.amazonaws.com");
/// assert_eq!(endpoint_for_region("cn-north-1"), "https://rolesanywhere.cn-north-1.amazonaws.com.cn");
/// ```
#[must_use]
pub fn endpoint_for_region(region: &str) -> String {
    let p = crate::endpoint::partition_for(region);
    format!("https://rolesanywhere.{region}.{}", p.dns_suffix)
}

/// The region of an ARN (`arn:aws:rolesanywhere:us-east-1:…` → `us-east-1`), if it names one.
#[must_use]
pub fn region_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next() == Some("arn")).then_some(())?;
    let region = parts.nth(2)?;
    parts.next()?;
    (!region.is_empty()).then_some(region)
}

/// A `CreateSession` request: the three ARNs and the session's duration and name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateSession {
    /// The trust anchor that vouches for the certificate.
    pub trust_anchor_arn: String,
    /// The profile that names the roles and session policies.
    pub profile_arn: String,
    /// The role to assume.
    pub role_arn: String,
    /// `durationSeconds` (the service allows 900 to 43200, within the profile's limit).
    pub duration_seconds: i32,
    /// `roleSessionName`, when set (the profile must allow it).
    pub role_session_name: Option<String>,
}

/// A `CreateSession` request ready to sign: what to send, and what the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreparedSession {
    /// The query string, without `?` (canonical: sorted, `%20` for spaces).
    pub query: String,
    /// The JSON body.
    pub body: String,
    /// The signed headers, lower-case names, sorted (`host` among them).
    pub headers: Vec<(String, String)>,
    /// `content-type;host;x-amz-date;x-amz-x509[;x-amz-x509-chain]`.
    pub signed_headers: String,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string to sign with the private key.
    pub string_to_sign: String,
    /// The `Credential=` value: the serial number in decimal, then the scope.
    pub credential: String,
    /// The algorithm.
    pub algorithm: SigningAlgorithm,
}

impl PreparedSession {
    /// The `Authorization` header for `signature` (the raw signature of
    /// [`string_to_sign`](Self::string_to_sign)).
    #[must_use]
    pub fn authorization(&self, signature: &[u8]) -> String {
        format!(
            "{} Credential={}, SignedHeaders={}, Signature={}",
            self.algorithm.as_str(),
            self.credential,
            self.signed_headers,
            crate::hex::lower(signature)
        )
    }
}

impl CreateSession {
    /// A request for one hour ([`DEFAULT_SESSION_DURATION`]) with no session name.
    pub fn new(
        trust_anchor_arn: impl Into<String>,
        profile_arn: impl Into<String>,
        role_arn: impl Into<String>,
    ) -> Self {
        Self {
            trust_anchor_arn: trust_anchor_arn.into(),
            profile_arn: profile_arn.into(),
            role_arn: role_arn.into(),
            duration_seconds: DEFAULT_SESSION_DURATION,
            role_session_name: None,
        }
    }

    /// Checks what the service would refuse anyway, before anything is signed: the ARNs, the
    /// trust anchor and profile in one region, the duration and the session name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming each bad member.
    pub fn validate(&self) -> Result<(), Error> {
        let mut bad = Vec::new();
        for (name, arn, service) in [
            ("trustAnchorArn", &self.trust_anchor_arn, "rolesanywhere"),
            ("profileArn", &self.profile_arn, "rolesanywhere"),
            ("roleArn", &self.role_arn, "iam"),
        ] {
            let ok = arn.split(':').nth(2) == Some(service)
                && arn.starts_with("arn:")
                && arn.split(':').count() >= 6
                && arn.len() <= 1011
                && !arn.chars().any(char::is_control);
            if !ok {
                bad.push((name, format!("must be an {service} ARN")));
            }
        }
        let (ta, p) = (
            region_of_arn(&self.trust_anchor_arn),
            region_of_arn(&self.profile_arn),
        );
        if bad.is_empty() && (ta.is_none() || ta != p) {
            bad.push((
                "profileArn",
                "the trust anchor and the profile must be in the same region".into(),
            ));
        }
        if !(900..=43_200).contains(&self.duration_seconds) {
            bad.push(("durationSeconds", "must be 900 to 43200 seconds".into()));
        }
        if let Some(n) = &self.role_session_name {
            let ok = (2..=64).contains(&n.len())
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
            if !ok {
                bad.push((
                    "roleSessionName",
                    "must be 2 to 64 characters of [A-Za-z0-9_+=,.@-]".into(),
                ));
            }
        }
        if bad.is_empty() {
            return Ok(());
        }
        Err(Error::InvalidInput {
            violations: bad
                .into_iter()
                .map(|(field, rule)| crate::error::Violation {
                    field: field.to_owned(),
                    rule: crate::error::Rule::Other(rule),
                })
                .collect(),
        })
    }

    /// The query string: the three ARNs, sorted and percent-encoded as SigV4 encodes them.
    #[must_use]
    pub fn query(&self) -> String {
        format!(
            "profileArn={}&roleArn={}&trustAnchorArn={}",
            uri_encode_component(&self.profile_arn),
            uri_encode_component(&self.role_arn),
            uri_encode_component(&self.trust_anchor_arn)
        )
    }

    /// The JSON body: `{"durationSeconds":N}` plus `roleSessionName` when set.
    #[must_use]
    pub fn body(&self) -> String {
        let mut b = format!("{{\"durationSeconds\":{}", self.duration_seconds);
        if let Some(n) = &self.role_session_name {
            b.push_str(",\"roleSessionName\":");
            b.push_str(&json::escape(n));
        }
        b.push('}');
        b
    }

    /// Builds the request for `host` (`host[:port]` as sent) and `path` (`/sessions`, or an
    /// override's path), and its string to sign, for the certificate, the intermediates, in
    /// `region` at `time`. Pure: no I/O, no clock.
    #[allow(clippy::too_many_arguments)]
    #[must_use]
    pub fn prepare(
        &self,
        host: &str,
        path: &str,
        region: &str,
        certificate: &Certificate,
        intermediates: &[Certificate],
        algorithm: SigningAlgorithm,
        time: OffsetDateTime,
    ) -> PreparedSession {
        let amz_date = format_amz_date(time);
        let scope = format!("{}/{region}/{SIGNING_NAME}/aws4_request", &amz_date[..8]);
        let query = self.query();
        let body = self.body();
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("host".to_owned(), host.to_owned()),
            ("x-amz-date".to_owned(), amz_date.clone()),
            ("x-amz-x509".to_owned(), certificate.to_base64()),
        ];
        if !intermediates.is_empty() {
            let chain: Vec<String> = intermediates.iter().map(Certificate::to_base64).collect();
            headers.push(("x-amz-x509-chain".to_owned(), chain.join(",")));
        }
        let signed_headers = headers
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let mut creq = String::with_capacity(4096);
        creq.push_str("POST\n");
        creq.push_str(path);
        creq.push('\n');
        creq.push_str(&query);
        creq.push('\n');
        for (k, v) in &headers {
            creq.push_str(k);
            creq.push(':');
            creq.push_str(v.trim());
            creq.push('\n');
        }
        creq.push('\n');
        creq.push_str(&signed_headers);
        creq.push('\n');
        crate::hex::push_lower(&mut creq, &Sha256::digest(body.as_bytes()));
        let mut sts = format!("{}\n{amz_date}\n{scope}\n", algorithm.as_str());
        crate::hex::push_lower(&mut sts, &Sha256::digest(creq.as_bytes()));
        PreparedSession {
            query,
            body,
            headers,
            signed_headers,
            canonical_request: creq,
            string_to_sign: sts,
            credential: format!("{}/{scope}", certificate.serial_number()),
            algorithm,
        }
    }
}

/// What `CreateSession` returned besides the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SessionInfo {
    /// `assumedRoleUser.arn`.
    pub assumed_role_arn: Option<String>,
    /// `roleArn`.
    pub role_arn: Option<String>,
    /// `subjectArn`: the Roles Anywhere subject of the certificate.
    pub subject_arn: Option<String>,
    /// `sourceIdentity`.
    pub source_identity: Option<String>,
}

/// Reads a `CreateSession` response body (`credentialSet[0].credentials`): the credentials,
/// with their account from the assumed role (or role) ARN, and the session's details.
///
/// # Errors
/// [`Error::InvalidResponse`] for a body that is not the document (no credential set, a missing
/// key, a bad expiration); its text never holds the secret key or the token.
pub fn parse_session_response(
    status: u16,
    body: &str,
) -> Result<(Credentials, SessionInfo), Error> {
    let bad = |why: &str| Error::invalid_response(status, why.to_owned(), b"");
    let v = json::parse(body).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let set = match v.get("credentialSet") {
        Some(Value::Array(items)) => items,
        _ => return Err(bad("no credentialSet in the CreateSession response")),
    };
    let first = set
        .first()
        .ok_or_else(|| bad("an empty credentialSet in the CreateSession response"))?;
    let c = first
        .get("credentials")
        .ok_or_else(|| bad("no credentials in the CreateSession response"))?;
    fn s<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
        v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
    }
    let id = s(c, "accessKeyId").ok_or_else(|| bad("no accessKeyId in the response"))?;
    let secret =
        s(c, "secretAccessKey").ok_or_else(|| bad("no secretAccessKey in the response"))?;
    let token = s(c, "sessionToken").ok_or_else(|| bad("no sessionToken in the response"))?;
    let exp = s(c, "expiration").ok_or_else(|| bad("no expiration in the response"))?;
    let expiration = crate::clock::parse_rfc3339(PROVIDER, "expiration", exp)
        .map_err(|_| bad("the expiration is not an RFC 3339 time"))?;
    let info = SessionInfo {
        assumed_role_arn: first
            .get("assumedRoleUser")
            .and_then(|u| s(u, "arn"))
            .map(str::to_owned),
        role_arn: s(first, "roleArn").map(str::to_owned),
        subject_arn: s(&v, "subjectArn").map(str::to_owned),
        source_identity: s(first, "sourceIdentity").map(str::to_owned),
    };
    let mut creds = Credentials::new(
        id,
        SecretString::new(secret),
        Some(SecretString::new(token)),
    )
    .with_expiration(expiration);
    creds.account_id = info
        .assumed_role_arn
        .as_deref()
        .or(info.role_arn.as_deref())
        .and_then(crate::credentials::account_of_arn);
    Ok((creds, info))
}

/// The error of a non-2xx `CreateSession` answer: [`Error::Service`] with the service's error
/// type (`AccessDeniedException`, `ValidationException`, `ResourceNotFoundException`, ...) and
/// message, from the `x-amzn-ErrorType` header or the JSON body.
#[must_use]
pub fn session_error(
    status: u16,
    error_type: Option<&str>,
    request_id: Option<&str>,
    body: &[u8],
) -> Error {
    let doc = std::str::from_utf8(body)
        .ok()
        .and_then(|t| json::parse(t).ok());
    let field = |k: &str| {
        doc.as_ref()
            .and_then(|d| d.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // `x-amzn-ErrorType: Code:http://…`, or `__type` / `code` in the body (`ns#Code`).
    let raw = error_type
        .map(str::to_owned)
        .or_else(|| field("__type"))
        .or_else(|| field("code"));
    let code = raw
        .as_deref()
        .map(|c| c.split(':').next().unwrap_or(c))
        .map(|c| c.rsplit('#').next().unwrap_or(c))
        .filter(|c| !c.is_empty())
        .unwrap_or(match status {
            403 => "AccessDeniedException",
            404 => "ResourceNotFoundException",
            400 => "ValidationException",
            _ => "InternalServerError",
        });
    let mut e = crate::error::ServiceError::new(crate::error::ErrorCode::from_wire(code), status);
    e.message = field("message")
        .or_else(|| field("Message"))
        .map(|m| crate::redact::escape_controls(&m));
    e.request_id = request_id.map(str::to_owned);
    e.operation = Some("CreateSession");
    Error::Service(Box::new(e))
}

/// Checks that `intermediates` lead from `leaf` up: each certificate issued by the next.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn check_chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
) -> Result<(), Problem> {
    let mut child = leaf;
    for (i, parent) in intermediates.iter().enumerate() {
        if !child.is_issued_by(parent) {
            let what = if i == 0 {
                "the certificate".to_owned()
            } else {
                format!("intermediate {i}")
            };
            return Err(Problem::Invalid(format!(
                "the intermediates are not a chain in order: {what} (serial {}) was not issued by \
                 intermediate {} (serial {}); list them from the one that issued the \
                 certificate up to the root",
                child.serial_number(),
                i + 1,
                parent.serial_number()
            )));
        }
        child = parent;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
