//! The one HTTP call of the token refreshers (`aws login`'s sign-in `POST /v1/token`, SSO-OIDC
//! `CreateToken`): a JSON `POST`, unsigned. Endpoint policy: `https`, or plain `http` only to a
//! loopback address (never through a proxy).

use super::http;
use crate::error::CredentialsError;
use crate::url::EndpointUrl;
use crate::{Error, SecretString};
use std::time::Duration;

/// Connect and read timeouts of a token call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// Each read and the whole response.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            read: Duration::from_secs(10),
        }
    }
}

/// A response: status and body (a secret: it carries tokens and keys).
pub(crate) struct JsonReply {
    pub status: u16,
    pub body: SecretString,
}

/// Checks the endpoint policy and joins `endpoint` and `path`.
pub(crate) fn url_for(provider: &str, endpoint: &str, path: &str) -> Result<String, Error> {
    let u = EndpointUrl::parse(endpoint)?;
    if u.scheme != "https" && !u.is_loopback() {
        return Err(CredentialsError::new(
            provider,
            format!(
                "endpoint {endpoint} must use https (plain http is only allowed to a loopback address)"
            ),
        )
        .into());
    }
    Ok(format!("{}{path}", endpoint.trim_end_matches('/')))
}

/// `POST {endpoint}{path}` with a JSON `body` and extra `headers`.
pub(crate) fn post_json(
    provider: &str,
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &SecretString,
    timeouts: Timeouts,
) -> Result<JsonReply, Error> {
    let url = url_for(provider, endpoint, path)?;
    let agent = http::agent(timeouts.connect, timeouts.read);
    let mut all = vec![
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    all.extend_from_slice(headers);
    let r = http::post(&agent, &url, &all, body.expose(), timeouts.read)?;
    Ok(JsonReply {
        status: r.status,
        body: SecretString::new(r.body),
    })
}
