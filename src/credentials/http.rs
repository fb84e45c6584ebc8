//! The HTTP plumbing shared by the container, IMDS and SSO providers: a dedicated `ureq` agent
//! (no proxy, no redirects, status codes are not errors, short timeouts) and error mapping.

use crate::Error;
use crate::error::{TimeoutPhase, TransportErrorKind};
use std::time::Duration;

/// Bodies of credential endpoints are small; anything bigger is refused.
const BODY_LIMIT: u64 = 64 * 1024;

/// An agent for credential endpoints.
pub(crate) fn agent(connect: Duration, read: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_connect(Some(connect))
        .timeout_send_request(Some(read))
        .timeout_recv_response(Some(read))
        .timeout_recv_body(Some(read))
        .timeout_global(Some(connect + read + read))
        .build()
        .new_agent()
}

/// A response: status and body (never logged).
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

fn map_err(e: ureq::Error, limit: Duration) -> Error {
    let (kind, message) = match e {
        ureq::Error::Timeout(_) => {
            return Error::Timeout {
                phase: TimeoutPhase::CredentialProvider,
                limit: Some(limit),
            };
        }
        ureq::Error::HostNotFound => (TransportErrorKind::Dns, "host not found".to_owned()),
        ureq::Error::ConnectionFailed => {
            (TransportErrorKind::Connect, "connection failed".to_owned())
        }
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => (
                TransportErrorKind::Connect,
                format!("connection refused ({io})"),
            ),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                return Error::Timeout {
                    phase: TimeoutPhase::CredentialProvider,
                    limit: Some(limit),
                };
            }
            std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::UnexpectedEof => {
                (TransportErrorKind::ConnectionClosed, io.to_string())
            }
            _ => (TransportErrorKind::Io, io.to_string()),
        },
        ureq::Error::BodyExceedsLimit(n) => return Error::BodyTooLarge { limit: n },
        ureq::Error::Protocol(p) => (TransportErrorKind::Protocol, p.to_string()),
        ureq::Error::BadUri(u) => (TransportErrorKind::Protocol, format!("bad URI: {u}")),
        other => (TransportErrorKind::Io, other.to_string()),
    };
    Error::Transport { kind, message }
}

/// Sends a request (`GET` or `PUT` with an empty body) and reads the body as text.
pub(crate) fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    limit: Duration,
) -> Result<Reply, Error> {
    let result = if method == "PUT" {
        let mut req = agent.put(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send_empty()
    } else {
        let mut req = agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.call()
    };
    let mut resp = result.map_err(|e| map_err(e, limit))?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_string()
        .map_err(|e| map_err(e, limit))?;
    Ok(Reply { status, body })
}

/// Sends a `POST` with `body` and reads the response body as text (never logged).
pub(crate) fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    limit: Duration,
) -> Result<Reply, Error> {
    let mut req = agent.post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.send(body).map_err(|e| map_err(e, limit))?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_string()
        .map_err(|e| map_err(e, limit))?;
    Ok(Reply { status, body })
}
