//! The one HTTP call of the token refreshers (`aws login`'s sign-in `POST /v1/token`, SSO-OIDC
//! `CreateToken`): a JSON `POST`, unsigned, under the crate's [transport policy](crate::transport)
//! (`https`, or plain `http` only to a loopback address, never through a proxy; the CA bundle and
//! proxy of the provider's [`TransportConfig`]).

use crate::transport::{Endpoint, Method, PlainHttp, Request, Transport, TransportConfig};
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

/// The transport of a token call until the provider is given one: the process environment's
/// proxies, the default roots, the default connect timeout.
pub(crate) fn default_transport() -> TransportConfig {
    TransportConfig::for_provider(
        &crate::credentials::Env::real(),
        None,
        Timeouts::default().connect,
    )
}

/// A response: status and body (a secret: it carries tokens and keys).
pub(crate) struct JsonReply {
    pub status: u16,
    pub body: SecretString,
}

/// `endpoint` joined with `path`, checked against the policy. Its `full` URL is exactly what is
/// sent (the `htu` of a DPoP proof).
pub(crate) fn endpoint_for(endpoint: &str, path: &str) -> Result<Endpoint, Error> {
    Endpoint::new(
        &format!("{}{path}", endpoint.trim_end_matches('/')),
        PlainHttp::Loopback,
    )
}

/// `POST endpoint` with a JSON `body` and extra `headers`.
pub(crate) fn post_json(
    endpoint: &Endpoint,
    headers: &[(&str, &str)],
    body: &SecretString,
    transport: &TransportConfig,
    timeouts: Timeouts,
) -> Result<JsonReply, Error> {
    let mut config = transport.clone();
    config.connect_timeout = timeouts.connect;
    let mut all = vec![
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    all.extend_from_slice(headers);
    let r = Transport::new(&config)?
        .send(&Request {
            method: Method::Post,
            endpoint,
            headers: &all,
            body: body.expose().as_bytes(),
            timeout: timeouts.connect.saturating_add(timeouts.read),
            read_timeout: Some(timeouts.read),
        })
        .map_err(crate::transport::provider_timeout)?;
    let status = r.status;
    // Not `HttpResponse::text`: its error quotes the body, which carries tokens.
    let body = String::from_utf8(r.body).map_err(|e| {
        drop(SecretString::new(String::from_utf8_lossy(e.as_bytes())));
        Error::invalid_response(status, "token endpoint body is not UTF-8", b"")
    })?;
    Ok(JsonReply {
        status,
        body: SecretString::new(body),
    })
}
