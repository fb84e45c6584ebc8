//! [`ContainerProvider`]: ECS task roles and EKS Pod Identity (see its docs), and the rules for
//! the endpoint it may call.

use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::settings::property::CA_BUNDLE;
use crate::transport::{
    Endpoint, Method, PlainHttp, Request, Transport, TransportConfig, is_container_ip,
};
use crate::{Error, SecretString};
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

const ECS_HOST: &str = "http://169.254.170.2";

/// ECS task roles and EKS Pod Identity: credentials from the container credentials endpoint
/// (`AWS_CONTAINER_CREDENTIALS_*`).
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is appended to `http://169.254.170.2` and wins over
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`. A full URI must be `https`, or `http` to a host that is (or
/// resolves only to) loopback (`127.0.0.0/8`, `::1`), `169.254.170.2`, `169.254.170.23` or
/// `fd00:ec2::23`. The `Authorization` header comes from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`
/// (re-read on every call) or else `AWS_CONTAINER_AUTHORIZATION_TOKEN`. Timeouts: 2 s connect, 5 s
/// read. The allowed plain-`http` hosts are reached directly (never through a proxy); an `https`
/// endpoint elsewhere uses `AWS_CA_BUNDLE` and the proxy settings.
///
/// ```
/// use sts_blocking::credentials::{ContainerProvider, Env};
/// let env = Env::from_map([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")]);
/// let provider = ContainerProvider::from_env(&env)?;
/// assert_eq!(provider.uri(), "http://169.254.170.2/v2/credentials/abc");
/// // A plain-http URI anywhere but the container hosts and loopback is refused.
/// let env = Env::from_map([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds")]);
/// assert!(ContainerProvider::from_env(&env).is_err());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug)]
pub struct ContainerProvider {
    uri: String,
    token: Option<SecretString>,
    token_file: Option<PathBuf>,
    connect_timeout: Duration,
    read_timeout: Duration,
    attempts: u32,
    transport: TransportConfig,
}

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("container", message).into()
}

/// Splits `scheme://host[:port]/...` into (scheme, host without brackets, port).
fn split_url(uri: &str) -> Option<(String, String, Option<u16>)> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let (h, after) = r.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse().ok()?),
        None => None,
    };
    Some((scheme.to_ascii_lowercase(), host.to_owned(), port))
}

/// Checks a full URI against the allowlist; `resolve` says whether host names may be looked up in DNS
/// (otherwise only `localhost` and IP literals are accepted for `http`).
///
/// # Errors
/// [`Error::Credentials`] for a URI without a host or a plain-`http` host outside the allowlist.
pub fn check_full_uri(uri: &str, resolve: bool) -> Result<(), Error> {
    let Some((scheme, host, port)) = split_url(uri) else {
        return Err(err(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI is invalid: URI did not specify a host ({uri})"
        )));
    };
    if host.is_empty() {
        return Err(err(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI is invalid: URI did not specify a host",
        ));
    }
    match scheme.as_str() {
        "https" => return Ok(()),
        "http" => {}
        other => {
            return Err(err(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI has unsupported scheme `{other}`"
            )));
        }
    }
    let allowed = if let Ok(ip) = host.parse::<IpAddr>() {
        is_container_ip(ip)
    } else if host.eq_ignore_ascii_case("localhost") {
        true
    } else if resolve {
        match (host.as_str(), port.unwrap_or(80)).to_socket_addrs() {
            Ok(addrs) => {
                let addrs: Vec<_> = addrs.collect();
                !addrs.is_empty() && addrs.iter().all(|a| is_container_ip(a.ip()))
            }
            Err(_) => false,
        }
    } else {
        false
    };
    if allowed {
        Ok(())
    } else {
        Err(err(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI host `{host}` is not allowed over plain http: use https, \
             a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23"
        )))
    }
}

/// The endpoint URI from the environment, without checking the allowlist.
///
/// # Errors
/// [`Error::Credentials`] when neither variable is set ("No environment variables were set to configure
/// ECS provider").
pub fn endpoint_uri(env: &Env) -> Result<String, Error> {
    if let Some(rel) = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        let sep = if rel.starts_with('/') { "" } else { "/" };
        return Ok(format!("{ECS_HOST}{sep}{rel}"));
    }
    if let Some(full) = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        return Ok(full);
    }
    Err(err(
        "No environment variables were set to configure ECS provider \
         (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI)",
    ))
}

/// Whether the container provider is configured at all.
#[must_use]
pub fn is_configured(env: &Env) -> bool {
    env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
}

impl ContainerProvider {
    /// The provider configured by `env`.
    ///
    /// A leading `~` in `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` is expanded as the AWS CLI expands it (`~` or `~user`; an error when the home directory is unknown).
    /// `AWS_CA_BUNDLE` is read as the client reads it (see [`crate::settings`]).
    ///
    /// # Errors
    /// Not configured, a full URI outside the allowlist, a `~` path (token file, CA bundle)
    /// without a home directory, or a blank `AWS_CA_BUNDLE`.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let uri = endpoint_uri(env)?;
        if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_none() {
            check_full_uri(&uri, true)?;
        }
        Ok(Self {
            uri,
            token: env
                .get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
                .map(SecretString::new),
            token_file: env
                .get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
                .map(|p| {
                    env.expand_home(
                        &p,
                        crate::env::Platform::current(),
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    )
                })
                .transpose()?,
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(5),
            attempts: 3,
            // The CA bundle as the client reads it, from the environment only: this provider
            // has no profile.
            transport: TransportConfig::for_provider(
                env,
                CA_BUNDLE.get(env, None)?,
                Duration::from_secs(2),
            ),
        })
    }

    /// Overrides the timeouts (default 2 s connect, 5 s read; each at most
    /// [`MAX_TIMEOUT`](crate::engine::MAX_TIMEOUT)).
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.connect_timeout = crate::transport::clamp(connect);
        self.read_timeout = crate::transport::clamp(read);
        self.transport.connect_timeout = self.connect_timeout;
        self
    }

    /// The endpoint this provider calls.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    fn authorization(&self) -> Result<Option<SecretString>, Error> {
        let token = match &self.token_file {
            Some(path) => {
                let text = crate::files::read_capped_text(
                    path,
                    crate::files::MAX_TOKEN_FILE,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                )
                .map_err(|e| {
                    Error::Credentials(CredentialsError {
                        source: Some(Box::new(e)),
                        ..CredentialsError::new("container", "no authorization token")
                    })
                })?;
                Some(SecretString::new(text.trim()))
            }
            None => self.token.clone(),
        };
        if token
            .as_ref()
            .is_some_and(|t| t.expose().contains(['\r', '\n']))
        {
            return Err(err(
                "the container authorization token contains a line break",
            ));
        }
        Ok(token)
    }
}

/// Parses a container / IMDS credentials document (`AccessKeyId`, `SecretAccessKey`, `Token`,
/// `Expiration`, `AccountId`); `provider` names the source in errors (`container`, `imds`).
///
/// # Errors
/// [`Error::Credentials`] for invalid JSON, an error `Code`, a missing key or a bad `Expiration`.
pub fn parse_credentials_doc(provider: &str, body: &str) -> Result<Credentials, Error> {
    let e = |m: &str| -> Error { CredentialsError::new(provider, m.to_owned()).into() };
    let v = json::parse(body).map_err(|j| e(&format!("invalid credentials response: {j}")))?;
    if let Some(code) = v.get("Code").and_then(Value::as_str)
        && code != "Success"
    {
        let msg = v.get("Message").and_then(Value::as_str).unwrap_or("");
        return Err(e(&format!("endpoint returned error {code}: {msg}")));
    }
    let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let id = s("AccessKeyId").ok_or_else(|| e("response has no `AccessKeyId`"))?;
    let secret = s("SecretAccessKey").ok_or_else(|| e("response has no `SecretAccessKey`"))?;
    let mut c = Credentials::new(id, secret, s("Token").map(SecretString::new));
    if let Some(exp) = s("Expiration") {
        c.expiration = Some(crate::credentials::providers::env_vars::parse_rfc3339(
            provider,
            "`Expiration`",
            exp,
        )?);
    }
    c.account_id = s("AccountId").map(str::to_owned);
    Ok(c)
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let auth = self.authorization()?;
        // The endpoint's text (its `Message`, a bad body) loses the token if it echoes it.
        self.fetch(auth.as_ref()).map_err(|e| {
            let token = auth.as_ref().map_or("", SecretString::expose);
            crate::redact::clean_error(e, &[token])
        })
    }

    fn source_name(&self) -> String {
        "container".to_owned()
    }
}

impl ContainerProvider {
    /// The requests, with retries on 5xx and transport failures.
    fn fetch(&self, auth: Option<&SecretString>) -> Result<Credentials, Error> {
        let endpoint = Endpoint::new(&self.uri, PlainHttp::Container)?;
        let transport = Transport::new(&self.transport)?;
        // Connect, then the response head and the body, each within the read timeout.
        let timeout = self
            .connect_timeout
            .saturating_add(self.read_timeout.saturating_mul(2));
        let mut last = None;
        for attempt in 0..self.attempts.max(1) {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200));
            }
            let headers: Vec<(&str, &str)> = match auth {
                Some(t) => vec![
                    ("authorization", t.expose()),
                    ("accept", "application/json"),
                ],
                None => vec![("accept", "application/json")],
            };
            let sent = transport
                .send(&Request {
                    method: Method::Get,
                    endpoint: &endpoint,
                    headers: &headers,
                    body: &[],
                    timeout,
                    read_timeout: Some(self.read_timeout),
                })
                .map_err(crate::transport::provider_timeout);
            match sent {
                Ok(r) if r.status == 200 => return parse_credentials_doc("container", r.text()?),
                Ok(r) if (400..500).contains(&r.status) => {
                    return Err(err(format!("endpoint answered HTTP {}", r.status)));
                }
                Ok(r) => last = Some(err(format!("endpoint answered HTTP {}", r.status))),
                Err(e) => {
                    last = Some(Error::Credentials(CredentialsError {
                        source: Some(Box::new(e)),
                        ..CredentialsError::new("container", "request failed")
                    }));
                }
            }
        }
        Err(last.unwrap_or_else(|| err("no attempt made")))
    }
}
