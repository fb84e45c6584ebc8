//! The I/O edge: one `ureq` agent with the settings STS needs (status codes are not errors, no
//! redirects, connect and per-attempt timeouts, a capped body, chosen roots and proxy).

use crate::error::{Error, TimeoutPhase, TransportErrorKind};
use std::path::PathBuf;
use std::time::Duration;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// Which proxy to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProxySetting {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` from the environment.
    #[default]
    FromEnv,
    /// No proxy.
    Disabled,
    /// This proxy (`http://[user:pass@]host:port`), bypassed for the hosts in `no_proxy`
    /// (comma-separated, `NO_PROXY` syntax).
    Url {
        /// The proxy URL.
        url: String,
        /// Hosts that bypass the proxy.
        no_proxy: Option<String>,
    },
}

/// Which certificates to trust. The default is [`TrustRoots::Platform`] when the crate is built with
/// the `platform-verifier` feature, [`TrustRoots::WebPki`] otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The bundled Mozilla roots (webpki-roots).
    #[cfg_attr(not(feature = "platform-verifier"), default)]
    WebPki,
    /// The operating system's verifier (rustls-platform-verifier; needs the `platform-verifier`
    /// feature). On Linux it trusts the system store, or only `SSL_CERT_FILE` / `SSL_CERT_DIR` when
    /// either is set.
    #[cfg_attr(feature = "platform-verifier", default)]
    Platform,
    /// Only the certificates in this PEM file (`AWS_CA_BUNDLE`, profile `ca_bundle`).
    Bundle(PathBuf),
}

#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub connect_timeout: Duration,
    pub max_body: u64,
    pub roots: TrustRoots,
    pub proxy: ProxySetting,
    pub user_agent: String,
}

/// A response, reduced to what the client reads.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub date: Option<String>,
    pub request_id: Option<String>,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    max_body: u64,
}

impl Transport {
    pub(crate) fn new(cfg: &TransportConfig) -> Result<Self, Error> {
        let roots = match &cfg.roots {
            TrustRoots::WebPki => RootCerts::WebPki,
            TrustRoots::Platform => platform_roots()?,
            TrustRoots::Bundle(path) => load_bundle(path)?,
        };
        let proxy = match &cfg.proxy {
            ProxySetting::FromEnv => ureq::Proxy::try_from_env(),
            ProxySetting::Disabled => None,
            ProxySetting::Url { url, no_proxy } => Some(explicit_proxy(url, no_proxy.as_deref())?),
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(cfg.connect_timeout))
            .proxy(proxy)
            .user_agent(cfg.user_agent.as_str())
            .accept_encoding("identity")
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            CachingResolver::default(),
        );
        Ok(Self {
            agent,
            max_body: cfg.max_body,
        })
    }

    /// POSTs `body` with `headers` (Host is set by ureq from the URL), within `timeout`.
    pub(crate) fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<HttpResponse, Error> {
        let mut req = self.agent.post(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.config().timeout_global(Some(timeout)).build();
        let mut resp = req.send(body).map_err(|e| map_error(e, timeout))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = resp.status().as_u16();
        let date = header("date");
        let request_id = header("x-amzn-requestid").or_else(|| header("x-amz-request-id"));
        let location = header("location");
        let retry_after = header("x-amz-retry-after");
        let body = resp
            .body_mut()
            .with_config()
            .limit(self.max_body)
            .read_to_vec()
            .map_err(|e| map_error(e, timeout))?;
        Ok(HttpResponse {
            status,
            date,
            request_id,
            location,
            retry_after,
            body,
        })
    }
}

/// How long a resolved address list is reused.
const DNS_TTL: Duration = Duration::from_secs(30);

/// ureq resolves the host before every request, pooled connection or not, and with a timeout it
/// does so on a new thread each time (about 1 ms a call). This resolver answers IP literals at once
/// and keeps other lookups for [`DNS_TTL`]; a miss goes to ureq's resolver, timeout and all.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: ureq::unversioned::resolver::DefaultResolver,
    cache: std::sync::Mutex<Vec<(String, std::time::Instant, Resolved)>>,
}

type Resolved = ureq::unversioned::resolver::ResolvedSocketAddrs;

impl ureq::unversioned::resolver::Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<Resolved, ureq::Error> {
        let (Some(authority), Some(scheme)) = (uri.authority(), uri.scheme_str()) else {
            return self.inner.resolve(uri, config, timeout);
        };
        let port = authority
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            let mut out = self.inner.empty();
            out.push(std::net::SocketAddr::new(ip, port));
            return Ok(out);
        }
        let key = format!("{host}:{port}");
        let now = std::time::Instant::now();
        {
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            cache.retain(|(_, at, _)| now.duration_since(*at) < DNS_TTL);
            if let Some((_, _, addrs)) = cache.iter().find(|(k, _, _)| *k == key) {
                return Ok(addrs.clone());
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= 16 {
            cache.remove(0);
        }
        cache.push((key, now, addrs.clone()));
        Ok(addrs)
    }
}

/// Builds a proxy from a URL plus a `NO_PROXY` list.
fn explicit_proxy(url: &str, no_proxy: Option<&str>) -> Result<ureq::Proxy, Error> {
    let bad = |e: ureq::Error| Error::config(format!("bad proxy URL {url:?}: {e}"));
    let parsed = ureq::Proxy::new(url).map_err(bad)?;
    let Some(list) = no_proxy.filter(|l| !l.trim().is_empty()) else {
        return Ok(parsed);
    };
    let mut b = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port())
        .no_proxy(list);
    if let Some(u) = parsed.username() {
        b = b.username(u);
    }
    if let Some(p) = parsed.password() {
        b = b.password(p);
    }
    b.build().map_err(bad)
}

#[cfg(feature = "platform-verifier")]
fn platform_roots() -> Result<RootCerts, Error> {
    Ok(RootCerts::PlatformVerifier)
}

#[cfg(not(feature = "platform-verifier"))]
fn platform_roots() -> Result<RootCerts, Error> {
    Err(Error::config(
        "platform roots need the `platform-verifier` feature",
    ))
}

/// Reads a PEM bundle; every certificate in it becomes a root, and nothing else is trusted.
pub(crate) fn load_bundle(path: &std::path::Path) -> Result<RootCerts, Error> {
    let pem = crate::files::read_capped(path, crate::files::MAX_CA_BUNDLE, "CA bundle")?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(Error::config(format!(
            "CA bundle {} holds no certificates",
            path.display()
        )));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// Whether an I/O error wraps a rustls error (ureq reports handshake failures that way).
fn is_tls(io: &std::io::Error) -> bool {
    io.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

fn map_error(e: ureq::Error, timeout: Duration) -> Error {
    use std::io::ErrorKind as K;
    let transport = |kind, message: String| Error::Transport { kind, message };
    match e {
        ureq::Error::Timeout(t) => match t {
            ureq::Timeout::Connect | ureq::Timeout::Resolve => Error::Timeout {
                phase: TimeoutPhase::Connect,
                limit: None,
            },
            _ => Error::Timeout {
                phase: TimeoutPhase::Attempt,
                limit: Some(timeout),
            },
        },
        ureq::Error::BodyStalled => Error::Timeout {
            phase: TimeoutPhase::Attempt,
            limit: Some(timeout),
        },
        ureq::Error::BodyExceedsLimit(limit) => Error::BodyTooLarge { limit },
        ureq::Error::HostNotFound => transport(TransportErrorKind::Dns, "host not found".into()),
        ureq::Error::ConnectionFailed => {
            transport(TransportErrorKind::Connect, "connection failed".into())
        }
        ureq::Error::Io(io) if is_tls(&io) => transport(TransportErrorKind::Tls, io.to_string()),
        ureq::Error::Io(io) => {
            let kind = match io.kind() {
                K::ConnectionRefused
                | K::AddrNotAvailable
                | K::HostUnreachable
                | K::NetworkUnreachable => TransportErrorKind::Connect,
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
                    TransportErrorKind::ConnectionClosed
                }
                K::TimedOut | K::WouldBlock => {
                    return Error::Timeout {
                        phase: TimeoutPhase::Attempt,
                        limit: Some(timeout),
                    };
                }
                _ => TransportErrorKind::Io,
            };
            transport(kind, io.to_string())
        }
        ureq::Error::Tls(m) => transport(TransportErrorKind::Tls, m.to_owned()),
        ureq::Error::Rustls(r) => transport(TransportErrorKind::Tls, r.to_string()),
        ureq::Error::Pem(p) => transport(TransportErrorKind::Tls, p.to_string()),
        ureq::Error::InvalidProxyUrl => {
            transport(TransportErrorKind::Proxy, "invalid proxy URL".into())
        }
        ureq::Error::ConnectProxyFailed(m) => transport(TransportErrorKind::Proxy, m),
        ureq::Error::Protocol(p) => transport(TransportErrorKind::Protocol, p.to_string()),
        ureq::Error::BadUri(u) => Error::config(format!("bad URI: {u}")),
        other => transport(TransportErrorKind::Io, other.to_string()),
    }
}
