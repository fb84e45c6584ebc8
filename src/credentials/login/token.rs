//! The `aws login` cache file and the sign-in service's token protocol, shared by the provider
//! (which refreshes a session) and `sts login` (which creates one): where the file is, what it
//! holds, the `CreateOAuth2Token` refresh body and its answers, the endpoint of each partition.
//! No I/O but the environment lookup of [`cache_dir`].

use crate::credentials::Credentials;
use crate::credentials::cli_cache::pyjson::{self, Style};
use crate::env::{Env, Platform};
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::{Error, SecretString};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Login cache files larger than this are refused (real ones are about 4 KiB).
pub const MAX_TOKEN_FILE_BYTES: u64 = 256 * 1024;

pub(super) fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("login", message).into()
}

/// The login cache directory: `AWS_LOGIN_CACHE_DIRECTORY` (a leading `~` or `~user` expanded as
/// in `AWS_CONFIG_FILE`, see `Env::expand_home`), else `<home>/.aws/login/cache`; `None` when
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
pub(super) struct TokenFile {
    /// The whole document, rewritten on refresh with every other member kept.
    pub(super) doc: Vec<(String, Value)>,
    pub(super) credentials: Credentials,
    pub(super) expires_at: OffsetDateTime,
    pub(super) client_id: String,
    pub(super) refresh_token: SecretString,
    pub(super) dpop_key: SecretString,
    pub(super) sign_in_region: Option<String>,
}

/// Parses a login cache file. `hint` says what to run on failure.
pub(super) fn parse_token_file(text: &str, path: &Path, hint: &str) -> Result<TokenFile, Error> {
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
    let expires_at =
        crate::credentials::cli_cache::parse_expiration(&expires_text).ok_or_else(|| {
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
pub(super) fn refresh_body(client_id: &str, refresh_token: &SecretString) -> SecretString {
    let mut b = String::from("{\"clientId\":");
    pyjson::write_str(&mut b, client_id);
    b.push_str(",\"grantType\":\"refresh_token\",\"refreshToken\":");
    pyjson::write_str(&mut b, refresh_token.expose());
    b.push('}');
    SecretString::new(b)
}

/// What a successful refresh returned.
pub(crate) struct Refreshed {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: SecretString,
    pub(crate) session_token: SecretString,
    pub(crate) refresh_token: SecretString,
    pub(crate) expires_at: OffsetDateTime,
}

/// Parses a `CreateOAuth2Token` response (`tokenOutput` members) received at `now`.
pub(crate) fn parse_refresh(
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
pub(crate) fn refresh_error(status: u16, body: &str, hint: &str) -> Error {
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
pub(super) fn refreshed_document(
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
        Value::String(crate::credentials::cli_cache::timestamp(r.expires_at, "Z")),
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
