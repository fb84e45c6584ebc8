//! The console sign-in token: the one HTTP call of a console sign-in URL, `GET
//! {federation}?Action=getSigninToken[&SessionDuration=N]&Session={...}` at the AWS federation
//! endpoint (IAM User Guide, "Enable custom identity broker access to the AWS console"), under the
//! crate's transport policy. Building the request URL and the login URL around it is the caller's
//! (the `sts console` command's); the request URL carries the session credentials, so it is a
//! [`SecretString`] and no error ever contains it.

use crate::Error;
use crate::credentials::Env;
use crate::error::CredentialsError;
use crate::secret::SecretString;
use std::path::PathBuf;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("console", message).into()
}

/// The `SigninToken` of a `getSigninToken` response body.
///
/// # Errors
/// [`Error::Credentials`] when the body is not JSON with a non-empty `SigninToken`.
fn parse_signin_token(body: &str) -> Result<SecretString, Error> {
    let v = crate::json::parse(body).map_err(|e| {
        err(format!(
            "the federation endpoint answered with invalid JSON ({e})"
        ))
    })?;
    v.get("SigninToken")
        .and_then(crate::json::Value::as_str)
        .filter(|t| !t.is_empty())
        .map(SecretString::new)
        .ok_or_else(|| err("the federation endpoint's answer has no SigninToken"))
}

/// Sends `request`, a `getSigninToken` URL of the federation endpoint `federation` (`{federation}
/// ?Action=getSigninToken[&SessionDuration=N]&Session={"sessionId","sessionKey","sessionToken"}`,
/// the session's credentials as JSON, URL-encoded), and returns the `SigninToken` to put in the
/// login URL (`{federation}?Action=login&Issuer=..&Destination=..&SigninToken=..`).
///
/// It goes through the crate's transport policy, as every endpoint the crate talks to: `https`, or
/// `http` to a loopback address only (never through a proxy); proxies from `env`; `ca_bundle` as
/// the only trusted roots when given; a capped body; a 5 s connect and 30 s overall timeout.
/// Errors name `federation`, never `request` (it carries the credentials).
///
/// ```no_run
/// use sts_blocking::SecretString;
/// use sts_blocking::credentials::Env;
/// // Built by the caller: the session credentials, as JSON, URL-encoded.
/// let request = SecretString::new(
///     "https://signin.aws.amazon.com/federation?Action=getSigninToken&Session=%7B...%7D",
/// );
/// let token = sts_blocking::presign::request_signin_token(
///     "https://signin.aws.amazon.com/federation",
///     &request,
///     &Env::real(),
///     None,
/// )?;
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// [`Error::Credentials`] for a refused request (the credentials must be a role session or a
/// `GetFederationToken` session), an unusable answer, a transport failure or a timeout;
/// [`Error::Transport`] for an endpoint the policy refuses.
pub fn request_signin_token(
    federation: &str,
    request: &SecretString,
    env: &Env,
    ca_bundle: Option<PathBuf>,
) -> Result<SecretString, Error> {
    use crate::transport::{Endpoint, PlainHttp, Transport, TransportConfig};
    use std::time::Duration;
    // The policy is checked on the bare endpoint (no secret in it, nor in its errors).
    Endpoint::new(federation, PlainHttp::Loopback)?;
    let failed = |why: &str| err(format!("getSigninToken at {federation} failed: {why}"));
    let endpoint =
        Endpoint::new(request.expose(), PlainHttp::Loopback).map_err(|_| failed("bad URL"))?;
    let config = TransportConfig::for_provider(env, ca_bundle, Duration::from_secs(5));
    let reply = Transport::new(&config)?
        .get(
            &endpoint,
            &[("accept", "application/json")],
            Duration::from_secs(30),
        )
        .map_err(|e| match e {
            Error::Transport { kind, .. } => failed(&kind.to_string()),
            Error::Timeout { .. } | Error::BodyTooLarge { .. } => failed(&e.to_string()),
            _ => failed("transport error"),
        })?;
    drop(endpoint);
    let body = SecretString::new(String::from_utf8_lossy(&reply.body));
    if reply.status != 200 {
        return Err(err(format!(
            "the federation endpoint {federation} refused the credentials (HTTP {}): they must \
             be a role session or a GetFederationToken session",
            reply.status
        )));
    }
    parse_signin_token(body.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signin_tokens() {
        assert_eq!(
            parse_signin_token(r#"{"SigninToken":"abc"}"#)
                .unwrap()
                .expose(),
            "abc"
        );
        for bad in ["", "{}", r#"{"SigninToken":""}"#, r#"{"SigninToken":1}"#] {
            assert!(parse_signin_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_policy_refuses_plain_http_elsewhere_without_the_url() {
        let request = SecretString::new("http://example.com/federation?Session=SECRET");
        let e = request_signin_token(
            "http://example.com/federation",
            &request,
            &Env::from_map::<&str, &str>([]),
            None,
        )
        .unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert!(!format!("{e} {e:?}").contains("SECRET"));
    }
}
