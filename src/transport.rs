//! The I/O edge, and the one transport policy every endpoint of the crate goes through: STS, the SSO
//! portal, SSO-OIDC, signin, the container endpoint and IMDS.
//!
//! - **Scheme.** `https`, or plain `http` only to a loopback host (`localhost`, `127.0.0.0/8`, `::1`),
//!   plus the documented link-local addresses of the container endpoint (`169.254.170.2`,
//!   `169.254.170.23`, `fd00:ec2::23`) and of IMDS (`169.254.169.254`, `fd00:ec2::254`). The STS
//!   client may opt into plain `http` anywhere ([`crate::StsBuilder::allow_http`]).
//! - **Proxy.** Loopback and those link-local addresses are reached directly, never through a
//!   proxy; every other host goes through the configured proxy ([`ProxySetting`]). A malformed proxy
//!   URL is a configuration error (never silently ignored), and its user info never appears in an
//!   error.
//! - **Trust.** The configured roots ([`TrustRoots`]: the bundled roots, the platform's, or only a
//!   CA bundle). TLS failures are [`TransportErrorKind::Tls`].
//! - **Limits.** No redirects; status codes are not errors; a capped body; a connect timeout and a
//!   limit for the whole exchange (and optionally for each read), all clamped to [`MAX_TIMEOUT`]
//!   so that no deadline arithmetic can overflow.
//!
//! One keep-alive agent per transport with a small DNS cache; a request allocates nothing the
//! caller does not read (the response keeps ureq's header map).
//!
//! Inside the crate, a new endpoint is one check and one call, e.g. a JSON token endpoint with a
//! DPoP proof (`env`, `ca_bundle`, `json`, `proof` and `timeout` being the caller's):
//!
//! ```text
//! let endpoint = Endpoint::new(&format!("{base}/v1/token"), PlainHttp::Loopback)?;
//! let transport = Transport::new(&TransportConfig::for_provider(env, ca_bundle, connect))?;
//! let r = transport.post(&endpoint, &[("content-type", "application/json"), ("dpop", proof)],
//!                        json.as_bytes(), timeout)?;
//! let nonce = r.header("dpop-nonce");   // r.status, r.text()?
//! ```
//!
//! Errors carrying a server's text go through `crate::redact::clean_error` with the request's
//! secrets (tokens, assertions) before they leave the crate.

use crate::error::{Error, TimeoutPhase, TransportErrorKind, echo};
use crate::url::EndpointUrl;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Duration;
use ureq::http::{HeaderName, HeaderValue};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

pub use crate::engine::MAX_TIMEOUT;
pub(crate) use crate::engine::clamp;

/// Which proxy to use. `Debug` hides the proxy URL's user info.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProxySetting {
    /// `ALL_PROXY` / `HTTPS_PROXY` / `HTTP_PROXY` (either case, first set wins) with `NO_PROXY`, from
    /// the process environment. A malformed value is an error, not ignored.
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

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FromEnv => f.write_str("FromEnv"),
            Self::Disabled => f.write_str("Disabled"),
            Self::Url { url, no_proxy } => f
                .debug_struct("Url")
                .field("url", &format_args!("{}", without_userinfo(url)))
                .field("no_proxy", no_proxy)
                .finish(),
        }
    }
}

impl ProxySetting {
    /// The proxy named by `ALL_PROXY`, `HTTPS_PROXY` or `HTTP_PROXY` (either case, the first set and
    /// non-blank), with `NO_PROXY`, reading variables through `get`; [`ProxySetting::Disabled`] when
    /// none is set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| get(n).filter(|v| !v.trim().is_empty()))
        };
        match first(&[
            "ALL_PROXY",
            "all_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
        ]) {
            Some(url) => Self::Url {
                url: url.trim().to_owned(),
                no_proxy: first(&["NO_PROXY", "no_proxy"]),
            },
            None => Self::Disabled,
        }
    }
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
    /// No verification at all (the AWS CLI's `--no-verify-ssl`): anyone on the path can read and
    /// change the traffic, credentials included. Only for an explicit user request.
    NoVerification,
}

/// Which hosts an endpoint may reach over plain `http` (`https` is always allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainHttp {
    /// Loopback only: STS, the SSO portal, SSO-OIDC, signin.
    Loopback,
    /// Loopback and the container endpoint's addresses (`169.254.170.2`, `169.254.170.23`,
    /// `fd00:ec2::23`), or a host name that resolves only to those.
    Container,
    /// Loopback and IMDS (`169.254.169.254`, `fd00:ec2::254`).
    Imds,
    /// Any host: the caller opted in ([`crate::StsBuilder::allow_http`]).
    Anywhere,
}

/// IMDS's link-local addresses.
fn is_imds_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4 == Ipv4Addr::new(169, 254, 169, 254),
        IpAddr::V6(v6) => v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
    }
}

/// An endpoint URL checked against the policy, with the strings every request needs worked out once.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// The parsed URL.
    pub url: EndpointUrl,
    /// The URL put back together (what is requested).
    pub full: String,
    /// Reached directly, never through a proxy.
    direct: bool,
}

impl Endpoint {
    /// Parses `url` and applies the policy for `plain`.
    ///
    /// # Errors
    /// [`Error::Config`] for a URL that is not an absolute `http(s)` URL with a host;
    /// [`Error::Transport`] with [`TransportErrorKind::InsecureEndpoint`](crate::error::TransportErrorKind::InsecureEndpoint) for plain `http` to a host
    /// `plain` does not allow.
    pub(crate) fn new(url: &str, plain: PlainHttp) -> Result<Self, Error> {
        let url = EndpointUrl::parse(url)?;
        let host = url.host.trim_start_matches('[').trim_end_matches(']');
        let ip = host.parse::<IpAddr>().ok();
        let link_local = match (plain, ip) {
            (PlainHttp::Container, Some(ip)) => {
                crate::credentials::providers::container::is_allowed_ip(ip)
            }
            (PlainHttp::Imds, Some(ip)) => is_imds_ip(ip),
            (PlainHttp::Container, None) if url.scheme == "http" && !url.is_loopback() => {
                resolves_only_to_container(host, url.port.unwrap_or(80))
            }
            _ => false,
        };
        let direct = url.is_loopback() || link_local;
        if url.scheme == "http" && !direct && plain != PlainHttp::Anywhere {
            return Err(Error::Transport {
                kind: TransportErrorKind::InsecureEndpoint,
                message: format!(
                    "refusing plain http to {}: credentials would cross the network in clear \
                     (use https or a loopback host)",
                    echo(&url.host)
                ),
            });
        }
        Ok(Self {
            full: url.to_url(),
            url,
            direct,
        })
    }

    /// Whether requests go directly (loopback, link-local), never through a proxy.
    #[must_use]
    pub(crate) fn is_direct(&self) -> bool {
        self.direct
    }
}

/// Whether `host` resolves, and only to addresses the container endpoint may use (as botocore
/// checks `AWS_CONTAINER_CREDENTIALS_FULL_URI`).
fn resolves_only_to_container(host: &str, port: u16) -> bool {
    use std::net::ToSocketAddrs;
    (host, port).to_socket_addrs().is_ok_and(|addrs| {
        let addrs: Vec<_> = addrs.collect();
        !addrs.is_empty()
            && addrs
                .iter()
                .all(|a| crate::credentials::providers::container::is_allowed_ip(a.ip()))
    })
}

/// How a [`Transport`] is built.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    /// Connect timeout (clamped to [`MAX_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// Body cap in bytes.
    pub max_body: u64,
    /// Trusted roots.
    pub roots: TrustRoots,
    /// Proxy for non-direct hosts.
    pub proxy: ProxySetting,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The timeout most requests carry, set once on the agent: a request with exactly this
    /// timeout (and no read timeout, not bypassing a proxy) needs no request-level configuration,
    /// which costs ureq a copy of the whole agent configuration per request. `None` for
    /// transports whose requests each bring their own.
    pub call_timeout: Option<Duration>,
}

impl TransportConfig {
    /// The transport of a credential provider: proxies from `env`, trust from `ca_bundle` (the
    /// resolved `AWS_CA_BUNDLE` / profile `ca_bundle`, else the default roots), a small body cap.
    pub(crate) fn for_provider(
        env: &crate::credentials::Env,
        ca_bundle: Option<PathBuf>,
        connect_timeout: Duration,
    ) -> Self {
        Self {
            connect_timeout,
            max_body: PROVIDER_MAX_BODY,
            roots: ca_bundle.map_or_else(TrustRoots::default, TrustRoots::Bundle),
            proxy: ProxySetting::from_lookup(|k| env.get(k)),
            user_agent: format!("sts-blocking/{}", env!("CARGO_PKG_VERSION")),
            call_timeout: None,
        }
    }
}

/// Body cap of the credential providers' endpoints (their bodies are a few hundred bytes).
pub(crate) const PROVIDER_MAX_BODY: u64 = 64 * 1024;

/// The HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// `GET`, no body.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
}

/// One request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// The method.
    pub method: Method,
    /// Where to (checked against the policy).
    pub endpoint: &'a Endpoint,
    /// Headers besides `Host`, `User-Agent` and `Content-Length` (never logged).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body (empty for `GET`).
    pub body: &'a [u8],
    /// Limit for the whole exchange: connect, send, response and body.
    pub timeout: Duration,
    /// Limit for each read (response head, body), when set.
    pub read_timeout: Option<Duration>,
}

/// A response: status, headers and the capped body.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    headers: ureq::http::HeaderMap,
    /// The body, at most the configured cap.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value, when present and visible ASCII.
    #[must_use]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as UTF-8 text.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] when it is not UTF-8.
    pub(crate) fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body)
            .map_err(|_| Error::invalid_response(self.status, "body is not UTF-8", &self.body))
    }
}

/// A keep-alive agent applying the policy; see the [module docs](self).
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    max_body: u64,
    proxied: bool,
    /// The agent-level timeout ([`TransportConfig::call_timeout`], clamped).
    call_timeout: Option<Duration>,
    /// The agent's `User-Agent`, ready to be shared with every request that sends it.
    user_agent: Option<HeaderValue>,
}

/// The header names the crate sends, parsed once: a name given as a string is parsed per request
/// and, unless it is a standard one, copied to the heap.
fn known_header(name: &str) -> Option<HeaderName> {
    use ureq::http::header;
    const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
    const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
    const AMZ_SDK_INVOCATION_ID: HeaderName = HeaderName::from_static("amz-sdk-invocation-id");
    const AMZ_SDK_REQUEST: HeaderName = HeaderName::from_static("amz-sdk-request");
    Some(match name {
        "content-type" => header::CONTENT_TYPE,
        "authorization" => header::AUTHORIZATION,
        "user-agent" => header::USER_AGENT,
        "x-amz-date" => X_AMZ_DATE,
        "x-amz-security-token" => X_AMZ_SECURITY_TOKEN,
        "amz-sdk-invocation-id" => AMZ_SDK_INVOCATION_ID,
        "amz-sdk-request" => AMZ_SDK_REQUEST,
        _ => return None,
    })
}

impl Transport {
    /// Builds the agent: roots, proxy, connect timeout, user agent.
    ///
    /// # Errors
    /// [`Error::Config`] for an unreadable or empty CA bundle, platform roots without the
    /// `platform-verifier` feature, or a malformed proxy URL.
    pub(crate) fn new(cfg: &TransportConfig) -> Result<Self, Error> {
        let roots = match &cfg.roots {
            TrustRoots::WebPki | TrustRoots::NoVerification => RootCerts::WebPki,
            TrustRoots::Platform => platform_roots()?,
            TrustRoots::Bundle(path) => load_bundle(path)?,
        };
        let tls = TlsConfig::builder()
            .root_certs(roots)
            .disable_verification(cfg.roots == TrustRoots::NoVerification)
            .build();
        let proxy = match &cfg.proxy {
            ProxySetting::FromEnv => match ProxySetting::from_lookup(|k| std::env::var(k).ok()) {
                ProxySetting::Url { url, no_proxy } => {
                    Some(explicit_proxy(&url, no_proxy.as_deref())?)
                }
                _ => None,
            },
            ProxySetting::Disabled => None,
            ProxySetting::Url { url, no_proxy } => Some(explicit_proxy(url, no_proxy.as_deref())?),
        };
        let proxied = proxy.is_some();
        let call_timeout = cfg.call_timeout.map(clamp);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(clamp(cfg.connect_timeout)))
            .timeout_global(call_timeout)
            .proxy(proxy)
            .user_agent(cfg.user_agent.as_str())
            // No `Accept: */*` (ureq's default): botocore sends none, and a header fewer is less
            // for both ends to write and parse. Providers that want JSON say so themselves.
            .accept("")
            .accept_encoding("identity")
            .tls_config(tls)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            CachingResolver::default(),
        );
        let user_agent = HeaderValue::from_str(&cfg.user_agent).ok();
        Ok(Self {
            agent,
            max_body: cfg.max_body,
            proxied,
            call_timeout,
            user_agent,
        })
    }

    /// Sends one request and reads the capped body.
    ///
    /// # Errors
    /// [`Error::Transport`] (with its kind), [`Error::Timeout`], [`Error::BodyTooLarge`].
    pub(crate) fn send(&self, r: &Request<'_>) -> Result<HttpResponse, Error> {
        let timeout = clamp(r.timeout);
        let map = |e| map_error(e, timeout, &r.endpoint.url.host);
        let url = r.endpoint.full.as_str();
        let read = r.read_timeout.map(clamp);
        let direct = self.proxied && r.endpoint.is_direct();
        let agent_level = Some(timeout) == self.call_timeout && read.is_none() && !direct;
        // The request-level settings (the config scopes are not nameable outside ureq).
        macro_rules! configure {
            ($req:expr) => {{
                let mut req = $req;
                for &(k, v) in r.headers {
                    req = match (known_header(k), &self.user_agent) {
                        (Some(name), Some(value))
                            if k == "user-agent" && value.as_bytes() == v.as_bytes() =>
                        {
                            req.header(name, value.clone())
                        }
                        (Some(name), _) if v == crate::engine::CONTENT_TYPE => {
                            req.header(name, HeaderValue::from_static(crate::engine::CONTENT_TYPE))
                        }
                        (Some(name), _) => req.header(name, v),
                        (None, _) => req.header(k, v),
                    };
                }
                if agent_level {
                    req
                } else {
                    let mut c = req.config().timeout_global(Some(timeout));
                    if let Some(read) = read {
                        c = c
                            .timeout_recv_response(Some(read))
                            .timeout_recv_body(Some(read));
                    }
                    if direct {
                        c = c.proxy(None);
                    }
                    c.build()
                }
            }};
        }
        let response = match r.method {
            Method::Get => configure!(self.agent.get(url)).call(),
            Method::Put => configure!(self.agent.put(url)).send(r.body),
            Method::Post => configure!(self.agent.post(url)).send(r.body),
        }
        .map_err(map)?;
        let (parts, mut body) = response.into_parts();
        let body = body
            .with_config()
            .limit(self.max_body)
            .read_to_vec()
            .map_err(map)?;
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// `GET` with `headers`.
    ///
    /// # Errors
    /// As [`Transport::send`].
    pub(crate) fn get(
        &self,
        endpoint: &Endpoint,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<HttpResponse, Error> {
        self.send(&Request {
            method: Method::Get,
            endpoint,
            headers,
            body: &[],
            timeout,
            read_timeout: None,
        })
    }

    /// `POST` of `body` with `headers` (a content type among them).
    ///
    /// # Errors
    /// As [`Transport::send`].
    pub(crate) fn post(
        &self,
        endpoint: &Endpoint,
        headers: &[(&str, &str)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<HttpResponse, Error> {
        self.send(&Request {
            method: Method::Post,
            endpoint,
            headers,
            body,
            timeout,
            read_timeout: None,
        })
    }
}

/// A credential provider's timeouts are its own phase: turns connect and attempt timeouts of a
/// provider request into [`TimeoutPhase::CredentialProvider`].
pub(crate) fn provider_timeout(e: Error) -> Error {
    match e {
        Error::Timeout { limit, .. } => Error::Timeout {
            phase: TimeoutPhase::CredentialProvider,
            limit,
        },
        other => other,
    }
}

/// How long a resolved address list is reused.
const DNS_TTL: Duration = Duration::from_secs(30);

/// ureq resolves the host before every request, pooled connection or not, and with a timeout it
/// does so on a new thread each time (about 1 ms a call). This resolver answers IP literals at once
/// and keeps other lookups for [`DNS_TTL`]; a miss goes to ureq's resolver, timeout and all. A failed
/// lookup is reported as [`ureq::Error::HostNotFound`] (not as an I/O error).
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
        let lookup = |uri, config, timeout| match self.inner.resolve(uri, config, timeout) {
            Err(ureq::Error::Io(_)) => Err(ureq::Error::HostNotFound),
            other => other,
        };
        let (Some(authority), Some(scheme)) = (uri.authority(), uri.scheme_str()) else {
            return lookup(uri, config, timeout);
        };
        let port = authority
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
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
        let addrs = lookup(uri, config, timeout)?;
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

/// `url` with any user info (`user:password@`) replaced by `***`, cut for an error message.
#[must_use]
pub(crate) fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let shown = match rest.rfind('@') {
        Some(at) => format!("***@{}", &rest[at + 1..]),
        None => rest.to_owned(),
    };
    match scheme {
        Some(s) => echo(&format!("{s}://{shown}")),
        None => echo(&shown),
    }
}

/// Builds a proxy from a URL plus a `NO_PROXY` list.
///
/// # Errors
/// [`Error::Config`] naming the proxy without its user info.
fn explicit_proxy(url: &str, no_proxy: Option<&str>) -> Result<ureq::Proxy, Error> {
    let bad = |e: ureq::Error| {
        Error::config(format!(
            "invalid proxy URL {}: {e}; fix or unset it",
            without_userinfo(url)
        ))
    };
    let parsed = ureq::Proxy::new(url).map_err(bad)?;
    // ureq takes `proxy:notaport` (and fails later, or uses a default port): refuse it now.
    let authority = parsed.uri().authority().map(|a| a.as_str()).unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let port = match host_port.rsplit_once(':') {
        Some((host, _)) if host.starts_with('[') && !host.ends_with(']') => None,
        Some((_, port)) if !host_port.ends_with(']') => Some(port),
        _ => None,
    };
    if parsed.host().is_empty() || port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(bad(ureq::Error::InvalidProxyUrl));
    }
    let Some(list) = no_proxy.filter(|l| !l.trim().is_empty()) else {
        return Ok(parsed);
    };
    let mut b = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port());
    // ureq's builder takes one expression per call: `NO_PROXY` is a comma-separated list.
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        b = b.no_proxy(entry);
    }
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

fn map_error(e: ureq::Error, timeout: Duration, host: &str) -> Error {
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
        ureq::Error::HostNotFound => transport(
            TransportErrorKind::Dns,
            format!("could not resolve the host name {}", echo(host)),
        ),
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
        // The request itself cannot be made (a control character in a header value, a URI
        // over 64 KiB): the same request fails the same way every time.
        ureq::Error::Http(h) => transport(
            TransportErrorKind::InvalidRequest,
            format!("the request cannot be sent: {h} (a header value or the URL is malformed)"),
        ),
        ureq::Error::BadUri(u) => transport(
            TransportErrorKind::InvalidRequest,
            format!("bad URI: {}", echo(&u)),
        ),
        other => transport(TransportErrorKind::Io, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let ok = |u: &str, p| Endpoint::new(u, p).map(|e| e.is_direct());
        assert_eq!(
            ok("https://sts.amazonaws.com", PlainHttp::Loopback).ok(),
            Some(false)
        );
        assert_eq!(
            ok("http://127.0.0.1:9", PlainHttp::Loopback).ok(),
            Some(true)
        );
        assert_eq!(
            ok("http://localhost:9", PlainHttp::Loopback).ok(),
            Some(true)
        );
        assert_eq!(ok("http://[::1]:9", PlainHttp::Loopback).ok(), Some(true));
        assert_eq!(
            ok("https://localhost:9", PlainHttp::Loopback).ok(),
            Some(true)
        );
        for (u, p) in [
            ("http://evil.localhost:9", PlainHttp::Loopback),
            ("http://10.0.0.1", PlainHttp::Loopback),
            ("http://169.254.169.254", PlainHttp::Loopback),
            ("http://169.254.169.254", PlainHttp::Container),
            ("http://169.254.170.2", PlainHttp::Imds),
            (
                "http://portal.sso.us-east-1.amazonaws.com",
                PlainHttp::Loopback,
            ),
        ] {
            assert!(
                matches!(
                    Endpoint::new(u, p),
                    Err(Error::Transport {
                        kind: TransportErrorKind::InsecureEndpoint,
                        ..
                    })
                ),
                "{u} {p:?}"
            );
        }
        assert_eq!(
            ok("http://169.254.170.2/v2", PlainHttp::Container).ok(),
            Some(true)
        );
        assert_eq!(
            ok("http://[fd00:ec2::23]", PlainHttp::Container).ok(),
            Some(true)
        );
        assert_eq!(
            ok("http://169.254.169.254", PlainHttp::Imds).ok(),
            Some(true)
        );
        assert_eq!(
            ok("http://[fd00:ec2::254]", PlainHttp::Imds).ok(),
            Some(true)
        );
        assert_eq!(ok("http://10.0.0.1", PlainHttp::Anywhere).ok(), Some(false));
    }

    #[test]
    fn proxy_user_info_is_never_shown() {
        assert_eq!(
            without_userinfo("http://user:hunter2@proxy:8080"),
            "\"http://***@proxy:8080\""
        );
        assert_eq!(without_userinfo("u:p@w@proxy:1"), "\"***@proxy:1\"");
        for url in [
            "http://user:hunter2@proxy:notaport",
            "http://user:hunter2@[::1",
            "ftp://user:hunter2@proxy:1",
        ] {
            let e = explicit_proxy(url, None).unwrap_err();
            assert!(matches!(e, Error::Config { .. }), "{e:?}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
            assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
            let setting = ProxySetting::Url {
                url: url.to_owned(),
                no_proxy: None,
            };
            assert!(!format!("{setting:?}").contains("hunter2"), "{setting:?}");
        }
    }

    #[test]
    fn huge_timeouts_are_clamped() {
        assert_eq!(clamp(Duration::MAX), MAX_TIMEOUT);
        assert!(std::time::Instant::now().checked_add(MAX_TIMEOUT).is_some());
    }
}
