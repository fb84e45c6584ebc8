//! [`RolesAnywhereProvider`]: IAM Roles Anywhere credentials from an X.509 certificate and its
//! key, as `aws_signing_helper credential-process` gets them, without the helper; and the hook
//! that lets the default chain serve a `credential_process` line running the helper natively.

use crate::Error;
use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::providers::process::{CommandLine, split_command_line};
use crate::credentials::{CachedProvider, Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::{CredentialsError, TransportErrorKind};
use crate::profile::ProfileSet;
use crate::roles_anywhere::helper_args::{self, Parsed};
use crate::roles_anywhere::{
    self as ra, Certificate, CreateSession, PROVIDER, PrivateKey, Problem, SigningAlgorithm,
};
use crate::transport::{
    Endpoint, Method, PlainHttp, ProxySetting, Request, Transport, TransportConfig, TrustRoots,
};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// How many times `CreateSession` is tried when the service or the network fails.
const ATTEMPTS: u32 = 3;

/// Where a certificate or key comes from: a file, re-read at every refresh (so that a renewed
/// certificate is picked up, as the helper picks it up), or bytes given once.
#[derive(Clone)]
enum Source {
    File(PathBuf),
    Bytes(Arc<Zeroizing<Vec<u8>>>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
            Self::Bytes(_) => f.write_str("Bytes(..)"),
        }
    }
}

impl Source {
    fn read(&self, what: &'static str) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self {
            Self::File(p) => crate::files::read_capped(p, ra::MAX_FILE, what).map(Zeroizing::new),
            Self::Bytes(b) => Ok(Zeroizing::new(b.to_vec())),
        }
    }
}

/// Why a build failed: something the native path does not support, or an error.
pub(crate) enum BuildFailure {
    Unsupported(String),
    Error(Error),
}

impl From<Error> for BuildFailure {
    fn from(e: Error) -> Self {
        Self::Error(e)
    }
}

impl From<Problem> for BuildFailure {
    fn from(p: Problem) -> Self {
        match p {
            Problem::Unsupported(m) => Self::Unsupported(m),
            p @ Problem::Invalid(_) => Self::Error(p.into_error()),
        }
    }
}

impl BuildFailure {
    fn into_error(self) -> Error {
        match self {
            Self::Unsupported(m) => Problem::Unsupported(m).into_error(),
            Self::Error(e) => e,
        }
    }
}

/// Builds a [`RolesAnywhereProvider`]; start with [`RolesAnywhereProvider::builder`]. `Debug`
/// shows the files and ARNs, never a key.
pub struct RolesAnywhereProviderBuilder {
    certificate: Option<Source>,
    private_key: Option<Source>,
    intermediates: Option<Source>,
    trust_anchor_arn: Option<String>,
    profile_arn: Option<String>,
    role_arn: Option<String>,
    region: Option<String>,
    duration: i32,
    session_name: Option<String>,
    endpoint: Option<String>,
    roots: TrustRoots,
    proxy: ProxySetting,
    connect_timeout: Duration,
    timeout: Duration,
    clock: Option<Clock>,
}

impl Default for RolesAnywhereProviderBuilder {
    fn default() -> Self {
        Self {
            certificate: None,
            private_key: None,
            intermediates: None,
            trust_anchor_arn: None,
            profile_arn: None,
            role_arn: None,
            region: None,
            duration: ra::DEFAULT_SESSION_DURATION,
            session_name: None,
            endpoint: None,
            roots: TrustRoots::default(),
            proxy: ProxySetting::FromEnv,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            clock: None,
        }
    }
}

impl fmt::Debug for RolesAnywhereProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RolesAnywhereProviderBuilder")
            .field("certificate", &self.certificate)
            .field("intermediates", &self.intermediates)
            .field("trust_anchor_arn", &self.trust_anchor_arn)
            .field("profile_arn", &self.profile_arn)
            .field("role_arn", &self.role_arn)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl RolesAnywhereProviderBuilder {
    /// The certificate file (PEM: its first `CERTIFICATE` block; or DER), re-read at every
    /// refresh.
    #[must_use]
    pub fn certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.certificate = Some(Source::File(path.into()));
        self
    }

    /// The certificate itself (PEM or DER).
    #[must_use]
    pub fn certificate(mut self, pem_or_der: impl Into<Vec<u8>>) -> Self {
        self.certificate = Some(Source::Bytes(Arc::new(Zeroizing::new(pem_or_der.into()))));
        self
    }

    /// The private key file (PKCS#8, PKCS#1 or SEC1; PEM or DER), re-read at every refresh.
    #[must_use]
    pub fn private_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.private_key = Some(Source::File(path.into()));
        self
    }

    /// The private key itself (PEM or DER); zeroed when the provider is dropped.
    #[must_use]
    pub fn private_key(mut self, pem_or_der: impl Into<Vec<u8>>) -> Self {
        self.private_key = Some(Source::Bytes(Arc::new(Zeroizing::new(pem_or_der.into()))));
        self
    }

    /// A file of intermediate certificates (PEM), from the one that issued the certificate up:
    /// sent as `X-Amz-X509-Chain`.
    #[must_use]
    pub fn intermediates_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.intermediates = Some(Source::File(path.into()));
        self
    }

    /// The intermediate certificates themselves (PEM, or one DER certificate).
    #[must_use]
    pub fn intermediates(mut self, pem_or_der: impl Into<Vec<u8>>) -> Self {
        self.intermediates = Some(Source::Bytes(Arc::new(Zeroizing::new(pem_or_der.into()))));
        self
    }

    /// The trust anchor ARN (required).
    #[must_use]
    pub fn trust_anchor_arn(mut self, arn: impl Into<String>) -> Self {
        self.trust_anchor_arn = Some(arn.into());
        self
    }

    /// The profile ARN (required).
    #[must_use]
    pub fn profile_arn(mut self, arn: impl Into<String>) -> Self {
        self.profile_arn = Some(arn.into());
        self
    }

    /// The role ARN (required).
    #[must_use]
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The signing region and the endpoint's (default: the trust anchor ARN's region).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The session duration in seconds (default 3600; the service allows 900 to 43200).
    #[must_use]
    pub fn session_duration(mut self, seconds: i32) -> Self {
        self.duration = seconds;
        self
    }

    /// The role session name (the profile must allow it); by default the service names it.
    #[must_use]
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Another endpoint than `https://rolesanywhere.{region}.amazonaws.com` (`https`, or `http` to
    /// a loopback host), e.g. for tests.
    #[must_use]
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Which certificate authorities the endpoint is checked against (default: the client's
    /// default roots).
    #[must_use]
    pub fn trust_roots(mut self, roots: TrustRoots) -> Self {
        self.roots = roots;
        self
    }

    /// The proxy (default: the `HTTPS_PROXY` family of variables; a loopback endpoint never
    /// goes through one).
    #[must_use]
    pub fn proxy(mut self, proxy: ProxySetting) -> Self {
        self.proxy = proxy;
        self
    }

    /// The connect timeout and the limit of one `CreateSession` attempt (default 5 s and 30 s;
    /// each at most [`MAX_TIMEOUT`](crate::engine::MAX_TIMEOUT)).
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, attempt: Duration) -> Self {
        self.connect_timeout = crate::transport::clamp(connect);
        self.timeout = crate::transport::clamp(attempt);
        self
    }

    /// The clock for the signing time, the certificate's validity and the cache (tests).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the configuration and reads the certificate, the key and the intermediates once
    /// (so that a bad file fails here, not at the first call).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a missing or malformed ARN, region, duration or session name;
    /// [`Error::File`] for an unreadable file; [`Error::Credentials`] for a certificate that is
    /// malformed, expired or not yet valid, a key in a format not supported (encrypted, TPM,
    /// another algorithm), a key that does not match the certificate, or intermediates out of
    /// order; [`Error::Config`] or [`Error::Transport`] for an endpoint or CA bundle the transport
    /// policy refuses.
    pub fn build(self) -> Result<RolesAnywhereProvider, Error> {
        self.try_build().map_err(BuildFailure::into_error)
    }

    pub(crate) fn try_build(self) -> Result<RolesAnywhereProvider, BuildFailure> {
        let missing =
            |what: &str| Error::invalid_input(what, "is required for Roles Anywhere".to_owned());
        let certificate = self.certificate.ok_or_else(|| missing("certificate"))?;
        let private_key = self.private_key.ok_or_else(|| missing("privateKey"))?;
        let mut request = CreateSession::new(
            self.trust_anchor_arn
                .ok_or_else(|| missing("trustAnchorArn"))?,
            self.profile_arn.ok_or_else(|| missing("profileArn"))?,
            self.role_arn.ok_or_else(|| missing("roleArn"))?,
        );
        request.duration_seconds = self.duration;
        request.role_session_name = self.session_name;
        request.validate()?;
        let region = match self.region {
            Some(r) => r,
            None => ra::region_of_arn(&request.trust_anchor_arn)
                .map(str::to_owned)
                .ok_or_else(|| missing("region"))?,
        };
        crate::endpoint::check_region(&region)?;
        let base = self
            .endpoint
            .unwrap_or_else(|| ra::endpoint_for_region(&region));
        let url = crate::url::EndpointUrl::parse(&base)?;
        if !url.query.is_empty() {
            return Err(Error::config(format!(
                "the Roles Anywhere endpoint {} has a query string",
                crate::error::echo(&base)
            ))
            .into());
        }
        let path = format!("{}/sessions", url.path.trim_end_matches('/'));
        let mut full = url.clone();
        full.path.clone_from(&path);
        full.query = request.query();
        let endpoint = Endpoint::new(&full.to_url(), PlainHttp::Loopback)?;
        let transport = Transport::new(&TransportConfig {
            connect_timeout: self.connect_timeout,
            max_body: crate::transport::PROVIDER_MAX_BODY,
            roots: self.roots,
            proxy: self.proxy,
            user_agent: format!("sts-blocking/{}", env!("CARGO_PKG_VERSION")),
            call_timeout: None,
        })?;
        let fetcher = Fetcher {
            certificate,
            private_key,
            intermediates: self.intermediates,
            request,
            region,
            host: url.authority(),
            path,
            endpoint,
            transport,
            timeout: self.timeout,
            clock: self.clock.clone().unwrap_or_else(system_clock),
        };
        // Everything is read and checked once now.
        fetcher.load()?;
        let mut cache = CachedProvider::new(Arc::new(fetcher));
        if let Some(c) = self.clock {
            cache = cache.clock(c);
        }
        Ok(RolesAnywhereProvider { cache })
    }
}

/// IAM Roles Anywhere: temporary credentials for a role, from an X.509 certificate and its
/// private key, as `aws_signing_helper credential-process` gets them (see
/// [`roles_anywhere`](crate::roles_anywhere) for the protocol and the key formats).
///
/// Each refresh re-reads the certificate, key and intermediate files (a renewed certificate is
/// picked up), checks them (validity, key match, chain order), signs `CreateSession` at the
/// current time and sends it through the crate's transport policy (`https`, or `http` to
/// loopback only). Credentials are cached as [`CachedProvider`] caches them, refreshed ahead of
/// expiry.
///
/// ```no_run
/// use sts_blocking::credentials::RolesAnywhereProvider;
/// use sts_blocking::ProvideCredentials;
/// let provider = RolesAnywhereProvider::builder()
///     .certificate_file("/etc/pki/host.pem")
///     .private_key_file("/etc/pki/host.key")
///     .trust_anchor_arn("arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/ta")
///     .profile_arn("arn:aws:rolesanywhere:eu-west-1:123456789012:profile/p")
///     .role_arn("arn:aws:iam::123456789012:role/host")
///     .build()?;
/// let creds = provider.provide_credentials()?;
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug)]
pub struct RolesAnywhereProvider {
    cache: CachedProvider,
}

impl RolesAnywhereProvider {
    /// A builder; the certificate, the key and the three ARNs are required.
    #[must_use]
    pub fn builder() -> RolesAnywhereProviderBuilder {
        RolesAnywhereProviderBuilder::default()
    }

    /// Drops the cached credentials so the next call creates a session again.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

impl ProvideCredentials for RolesAnywhereProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.cache.provide_credentials()
    }

    fn source_name(&self) -> String {
        PROVIDER.to_owned()
    }
}

/// What one refresh reads and checks.
struct Loaded {
    certificate: Certificate,
    intermediates: Vec<Certificate>,
    key: PrivateKey,
    algorithm: SigningAlgorithm,
}

/// Creates a session at each call; [`RolesAnywhereProvider`] caches it.
struct Fetcher {
    certificate: Source,
    private_key: Source,
    intermediates: Option<Source>,
    request: CreateSession,
    region: String,
    host: String,
    path: String,
    endpoint: Endpoint,
    transport: Transport,
    timeout: Duration,
    clock: Clock,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RolesAnywhere")
            .field("certificate", &self.certificate)
            .field("role_arn", &self.request.role_arn)
            .field("region", &self.region)
            .field("endpoint", &self.host)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    fn load(&self) -> Result<Loaded, BuildFailure> {
        let now = (self.clock)();
        let cert_file = self.certificate.read("Roles Anywhere certificate")?;
        let certificate = Certificate::read_first(&cert_file)?;
        certificate.check_validity(now, "certificate")?;
        let intermediates = match &self.intermediates {
            Some(s) => Certificate::read_all(&s.read("Roles Anywhere intermediates")?)?,
            None => Vec::new(),
        };
        for c in &intermediates {
            c.check_validity(now, "intermediate certificate")?;
        }
        ra::check_chain(&certificate, &intermediates)?;
        let key_file = self.private_key.read("Roles Anywhere private key")?;
        let key = PrivateKey::read(&key_file, Some(&certificate))?;
        let algorithm = key.session_algorithm_problem()?;
        Ok(Loaded {
            certificate,
            intermediates,
            key,
            algorithm,
        })
    }

    /// One signed `CreateSession`.
    fn attempt(&self, loaded: &Loaded) -> Result<Credentials, Error> {
        let p = self.request.prepare(
            &self.host,
            &self.path,
            &self.region,
            &loaded.certificate,
            &loaded.intermediates,
            loaded.algorithm,
            (self.clock)(),
        );
        let signature = loaded
            .key
            .sign(p.string_to_sign.as_bytes(), ra::Digest::Sha256)?;
        let authorization = p.authorization(&signature);
        let mut headers: Vec<(&str, &str)> = p
            .headers
            .iter()
            .filter(|(k, _)| k != "host")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        headers.push(("authorization", &authorization));
        headers.push(("accept", "application/json"));
        let r = self
            .transport
            .send(&Request {
                method: Method::Post,
                endpoint: &self.endpoint,
                headers: &headers,
                body: p.body.as_bytes(),
                timeout: self.timeout,
                read_timeout: None,
            })
            .map_err(crate::transport::provider_timeout)?;
        if (200..300).contains(&r.status) {
            return ra::parse_session_response(r.status, r.text()?).map(|(c, _)| c);
        }
        Err(ra::session_error(
            r.status,
            r.header("x-amzn-errortype"),
            r.header("x-amzn-requestid"),
            &r.body,
        ))
    }
}

/// Whether another attempt may succeed: the network, a timeout, throttling or a server error.
fn transient(e: &Error) -> bool {
    match e {
        Error::Transport { kind, .. } => matches!(
            kind,
            TransportErrorKind::Connect
                | TransportErrorKind::ConnectionClosed
                | TransportErrorKind::Io
        ),
        Error::Timeout { .. } => true,
        Error::Service(s) => s.status >= 500 || s.status == 429 || s.code.is_throttling(),
        _ => false,
    }
}

impl ProvideCredentials for Fetcher {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let loaded = self.load().map_err(BuildFailure::into_error)?;
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200u64 << attempt));
            }
            match self.attempt(&loaded) {
                Ok(c) => return Ok(c),
                Err(e @ Error::Credentials(_)) => return Err(e),
                Err(e) => {
                    let again = transient(&e);
                    last = Some(e);
                    if !again {
                        break;
                    }
                }
            }
        }
        let e = last.unwrap_or_else(|| Error::config("no attempt made"));
        Err(CredentialsError::new(PROVIDER, "CreateSession failed")
            .with_source(e)
            .into())
    }

    fn source_name(&self) -> String {
        PROVIDER.to_owned()
    }
}

/// The native provider for a `credential_process` line that runs `aws_signing_helper
/// credential-process` (or `sts rolesanywhere credential-process`) with flags the native path
/// supports: `Ok(None)` for any other line, or one it does not support (the caller runs the
/// process then). The endpoint is `--endpoint`, else `AWS_ENDPOINT_URL_ROLESANYWHERE` or the
/// profile's `services` section, else the region's; the roots those of `AWS_CA_BUNDLE` or the
/// profile's `ca_bundle` when set.
pub(crate) fn for_credential_process(
    command: &CommandLine,
    env: &Env,
    profiles: Option<&ProfileSet>,
) -> Result<Option<RolesAnywhereProvider>, Error> {
    let Ok(words) = split_command_line(command.expose()) else {
        return Ok(None);
    };
    let c = match helper_args::parse(&words) {
        Parsed::NotHelper => return Ok(None),
        Parsed::Unsupported(why) => {
            log::debug!("credential_process: aws_signing_helper runs itself ({why})");
            return Ok(None);
        }
        Parsed::Native(c) => *c,
    };
    let mut b = RolesAnywhereProvider::builder();
    if let Some(p) = c.certificate {
        b = b.certificate_file(p);
    }
    if let Some(p) = c.private_key {
        b = b.private_key_file(p);
    }
    if let Some(p) = c.intermediates {
        b = b.intermediates_file(p);
    }
    if let Some(a) = c.trust_anchor_arn {
        b = b.trust_anchor_arn(a);
    }
    if let Some(a) = c.profile_arn {
        b = b.profile_arn(a);
    }
    if let Some(a) = c.role_arn {
        b = b.role_arn(a);
    }
    if let Some(r) = c.region {
        b = b.region(r);
    }
    if let Some(d) = c.session_duration {
        b = b.session_duration(d);
    }
    if let Some(n) = c.role_session_name {
        b = b.role_session_name(n);
    }
    let endpoint = c.endpoint.or_else(|| match profiles {
        Some(set) => set.configured_endpoint_url(env, "rolesanywhere"),
        None => env.get("AWS_ENDPOINT_URL_ROLESANYWHERE"),
    });
    if let Some(u) = endpoint {
        b = b.endpoint_url(u);
    }
    // As the helper: no proxy unless --with-proxy; the default roots unless --no-verify-ssl.
    b = b.proxy(if c.with_proxy {
        ProxySetting::from_lookup(|k| env.get(k))
    } else {
        ProxySetting::Disabled
    });
    if c.no_verify_ssl {
        b = b.trust_roots(TrustRoots::NoVerification);
    } else if let Some(bundle) =
        crate::settings::property::CA_BUNDLE.get(env, profiles.and_then(ProfileSet::selected))?
    {
        // The Go SDK under the helper reads AWS_CA_BUNDLE and the profile's ca_bundle too.
        b = b.trust_roots(TrustRoots::Bundle(bundle));
    }
    match b.try_build() {
        Ok(p) => Ok(Some(p)),
        Err(BuildFailure::Unsupported(why)) => {
            log::debug!("credential_process: aws_signing_helper runs itself ({why})");
            Ok(None)
        }
        Err(BuildFailure::Error(e)) => Err(e),
    }
}
