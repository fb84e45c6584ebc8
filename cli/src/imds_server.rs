//! The IMDSv2-compatible credential endpoint of `sts rolesanywhere serve` and `sts exec
//! --imds-server`: what EC2's instance metadata service answers about a role's credentials, on
//! `127.0.0.1` only, on the server structure of [`crate::server`] (a thread per connection
//! under a cap, one deadline per connection, capped heads, credentials refreshed by a thread of
//! their own ahead of expiry).
//!
//! - `PUT /latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds` (1 to 21600, default
//!   21600) gives a session token (32 random bytes, base64url). At most [`MAX_TOKENS`] are kept:
//!   one more evicts the one that expires first, so a flood of token requests costs a bounded
//!   table and never the other clients' answers. A request with `X-Forwarded-For` is refused
//!   (400), as `aws_signing_helper` refuses it: it came through a proxy, not from this machine.
//! - `GET /latest/meta-data/iam/security-credentials/` answers the role name, and `GET
//!   .../{role}` the EC2 credential document (`Code`, `LastUpdated`, `Type`, `AccessKeyId`,
//!   `SecretAccessKey`, `Token`, `Expiration`); both need `x-aws-ec2-metadata-token` with a
//!   token that has not expired (401 otherwise, before anything else is looked at).
//! - Another method: 405; another path: 404; a head over [`crate::server::MAX_HEAD`]: 431.

use crate::server::{Reply, Responder, Served};
use std::io;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use sts_blocking::{Credentials, ProvideCredentials, SecretString};

/// The most session tokens kept at once (as `aws_signing_helper` keeps).
pub(crate) const MAX_TOKENS: usize = 256;
/// The longest (and default) token lifetime, in seconds (IMDS's).
pub(crate) const MAX_TOKEN_TTL: u64 = 21_600;
/// The default hop limit of the answers (`aws_signing_helper`'s `--hop-limit`).
pub(crate) const DEFAULT_HOP_LIMIT: u32 = 64;

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";

/// The session tokens handed out, with when each expires.
#[derive(Default)]
pub(crate) struct Tokens {
    live: Vec<(SecretString, Instant)>,
}

impl Tokens {
    /// Keeps `token` until `expires`, dropping expired ones and, when full, the one that
    /// expires first.
    pub(crate) fn insert(&mut self, token: SecretString, expires: Instant, now: Instant) {
        self.live.retain(|(_, e)| *e > now);
        while self.live.len() >= MAX_TOKENS {
            let Some(first) = self
                .live
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, e))| *e)
                .map(|(i, _)| i)
            else {
                break;
            };
            self.live.swap_remove(first);
        }
        self.live.push((token, expires));
    }

    /// The seconds left of `presented`, if it is a live token (compared in constant time).
    pub(crate) fn check(&self, presented: &str, now: Instant) -> Option<u64> {
        self.live
            .iter()
            .find(|(t, _)| t.matches(presented))
            .and_then(|(_, e)| e.checked_duration_since(now))
            .filter(|left| !left.is_zero())
            .map(|left| left.as_secs())
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }
}

/// The IMDS answers for one role.
pub(crate) struct Imds {
    role: String,
    served: Arc<Served>,
    tokens: Mutex<Tokens>,
}

impl Imds {
    pub(crate) fn new(role: impl Into<String>, served: Arc<Served>) -> Self {
        Self {
            role: role.into(),
            served,
            tokens: Mutex::default(),
        }
    }
}

fn text(status: u16, body: &str) -> Reply {
    Reply {
        status,
        content_type: "text/plain",
        headers: String::new(),
        body: SecretString::new(body),
    }
}

/// The EC2 credential document of `c`, `LastUpdated` being `updated`.
pub(crate) fn credentials_document(c: &Credentials, updated: time::OffsetDateTime) -> SecretString {
    let z = crate::output::rfc3339_z;
    let mut s = String::from("{\"Code\":\"Success\",\"LastUpdated\":");
    crate::output::json_string(&mut s, &z(updated));
    s.push_str(",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":");
    crate::output::json_string(&mut s, &c.access_key_id);
    s.push_str(",\"SecretAccessKey\":");
    crate::output::json_string(&mut s, c.secret_access_key.expose());
    s.push_str(",\"Token\":");
    crate::output::json_string(&mut s, c.session_token.as_ref().map_or("", |t| t.expose()));
    s.push_str(",\"Expiration\":");
    crate::output::json_string(&mut s, &c.expiration.map(z).unwrap_or_default());
    s.push('}');
    SecretString::new(s)
}

impl Responder for Imds {
    fn respond(&self, head: &str, answer_by: Instant) -> Reply {
        let mut lines = head.lines();
        let mut request = lines.next().unwrap_or("").split(' ');
        let (Some(method), Some(target), Some(version), None) = (
            request.next(),
            request.next(),
            request.next(),
            request.next(),
        ) else {
            return text(400, "malformed request line");
        };
        if !version.starts_with("HTTP/1.") {
            return text(400, "malformed request line");
        }
        let headers: Vec<(String, &str)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
            .collect();
        let header = |name: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| *v)
                .collect()
        };
        if !header("x-forwarded-for").is_empty() {
            return text(
                400,
                "unable to process requests with X-Forwarded-For header",
            );
        }
        let now = Instant::now();
        let path = target.strip_suffix('/').unwrap_or(target);
        if path == TOKEN_PATH {
            if method != "PUT" {
                return text(405, "only PUT is served here");
            }
            let ttl = match header(TTL_HEADER).as_slice() {
                [] => MAX_TOKEN_TTL,
                [one] => match one.parse::<u64>() {
                    Ok(t) if (1..=MAX_TOKEN_TTL).contains(&t) => t,
                    _ => return text(400, "invalid token TTL"),
                },
                _ => return text(400, "invalid token TTL"),
            };
            let Ok(token) = crate::server::new_token() else {
                return text(500, "unable to generate token");
            };
            let expires = now + Duration::from_secs(ttl);
            self.tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(token.clone(), expires, now);
            return Reply {
                status: 200,
                content_type: "text/plain",
                headers: format!("{TTL_HEADER}: {ttl}\r\n"),
                body: token,
            };
        }
        let role_path = format!("{CREDENTIALS_PATH}/{}", self.role);
        if path != CREDENTIALS_PATH && path != role_path {
            return text(404, "not found");
        }
        // The token first: without a live one, nothing else is revealed.
        let left = match header(TOKEN_HEADER).as_slice() {
            [one] => self
                .tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .check(one, now),
            _ => None,
        };
        let Some(left) = left else {
            return text(401, "no token, or an invalid or expired one");
        };
        if method != "GET" {
            return text(405, "only GET is served here");
        }
        let ttl = format!("{TTL_HEADER}: {left}\r\n");
        if path == CREDENTIALS_PATH {
            return Reply {
                headers: ttl,
                ..text(200, &self.role)
            };
        }
        match self.served.current(answer_by) {
            Ok(c) => Reply {
                status: 200,
                content_type: "application/json",
                headers: ttl,
                body: credentials_document(&c, time::OffsetDateTime::now_utc()),
            },
            Err(e) => text(500, &e),
        }
    }

    fn refuse(&self, status: u16) -> Reply {
        text(status, crate::server::status_text(status))
    }
}

/// A running IMDS endpoint: its base URL (`http://127.0.0.1:PORT/`).
pub(crate) struct Running {
    pub url: String,
}

/// Binds `127.0.0.1:port` (0: any free port) and serves `first`, then what `provider` gives (a
/// thread of its own asks it every [`crate::server::POLL`]), as role `role`, until the process
/// exits. `hop_limit` is the IP time to live of the answers.
pub(crate) fn start(
    provider: Arc<dyn ProvideCredentials>,
    first: Credentials,
    role: &str,
    port: u16,
    hop_limit: u32,
) -> io::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    let served = Served::new(provider, Some(first));
    let s = served.clone();
    std::thread::Builder::new()
        .name("sts-credential-refresh".into())
        .spawn(move || s.refresh_every(crate::server::POLL))?;
    let imds = Arc::new(Imds::new(role, served));
    std::thread::Builder::new()
        .name("sts-imds-server".into())
        .spawn(move || {
            crate::server::serve_with(
                &listener,
                imds,
                crate::server::DEADLINE,
                crate::server::MAX_OPEN,
                Some(hop_limit),
            );
        })?;
    Ok(Running {
        url: format!("http://127.0.0.1:{port}/"),
    })
}

/// The role name of a role ARN (its last path segment), as the helper names it.
pub(crate) fn role_name(role_arn: &str) -> &str {
    role_arn.rsplit(['/', ':']).next().unwrap_or(role_arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_table_is_bounded_and_evicts_the_first_to_expire() {
        let now = Instant::now();
        let mut t = Tokens::default();
        for i in 0..MAX_TOKENS {
            t.insert(
                SecretString::new(format!("t{i}")),
                now + Duration::from_secs(100 + i as u64),
                now,
            );
        }
        assert_eq!(t.len(), MAX_TOKENS);
        t.insert(SecretString::new("new"), now + Duration::from_secs(50), now);
        assert_eq!(t.len(), MAX_TOKENS);
        assert!(t.check("t0", now).is_none(), "the first to expire went");
        assert!(t.check("t1", now).is_some());
        assert_eq!(t.check("new", now), Some(50));
        // Expired tokens count as none, and go at the next insert.
        let later = now + Duration::from_secs(60);
        assert!(t.check("new", later).is_none());
        t.insert(
            SecretString::new("x"),
            later + Duration::from_secs(1),
            later,
        );
        assert_eq!(t.len(), MAX_TOKENS);
        assert!(t.check("", now).is_none());
    }

    #[test]
    fn role_names() {
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/path/build"),
            "build"
        );
        assert_eq!(role_name("arn:aws:iam::123456789012:role/x"), "x");
    }
}
