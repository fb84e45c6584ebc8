//! [`Sts`], the blocking client: a thin shell over the call engine ([`crate::engine`]). It
//! resolves credentials, then drives a [`Call`] with ureq — sends what the engine asks, sleeps when
//! it says wait, reads the clock — in `Sts::drive`; everything else (signing, retries, the quota,
//! pacing, skew correction, deadlines, decoding) is the engine's.

use crate::credentials::{Credentials, ProvideCredentials};
use crate::endpoint::{self, EndpointParams, ResolvedEndpoint};
use crate::engine::{
    AttemptHook, AttemptRecord, Call, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, Engine, Next,
    Now, Response, RetryDecision, RetryPolicy,
};
use crate::error::Error;
use crate::ops::*;
use crate::retry::{RetryConfig, RetryMode};
use crate::sigv4::SigningKeyCache;
use crate::transport::{Endpoint, PlainHttp, Transport, TransportConfig};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

pub(crate) mod assume_role;
mod default_chain;
mod from_settings;
pub(crate) mod iam;
pub(crate) mod sts_assumer;

pub use crate::transport::{ProxySetting, TrustRoots};

/// A blocking STS client. Cheap to clone; clones share the connection pool, the retry quota, the
/// clock-skew offset and the signing-key cache. `Send + Sync`: share it between threads.
/// [`Sts::with_credentials`] makes a client that shares them too and signs with other credentials.
///
/// ```
/// # #[path = "../examples/common/mod.rs"] mod common;
/// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
/// use sts_blocking::Sts;
/// let sts = Sts::from_env()?;
/// let me = sts.get_caller_identity()?;
/// println!("{}", me.arn.unwrap_or_default());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Sts {
    inner: Arc<Inner>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    /// The credentials when they are fixed: signed with as they are, without a copy per call.
    fixed: Option<Arc<Credentials>>,
}

/// What every client made from one [`StsBuilder::build`] shares, whatever its credentials.
struct Inner {
    region: Option<String>,
    /// Whether signed operations are signed (`false`: the AWS CLI's `--no-sign-request`).
    sign_requests: bool,
    /// The call engine: settings and the state every call shares (retry quota, rate limiter, clock
    /// offset, signing keys).
    engine: Engine,
    /// The engine's endpoints as the transport reaches them, checked against its policy once.
    urls: Vec<Endpoint>,
    transport: Transport,
}

impl fmt::Debug for Sts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sts")
            .field("region", &self.inner.region)
            .field("endpoint", &self.inner.engine.endpoint().url)
            .field(
                "signing_region",
                &self.inner.engine.endpoint().signing_region,
            )
            .field("retry", self.inner.engine.retry_config())
            .finish_non_exhaustive()
    }
}

/// Builds an [`Sts`]. Start from [`Sts::builder`] (nothing set), [`StsBuilder::from_env_vars`]
/// (environment variables only) or [`StsBuilder::from_env_and_profile`] (the AWS CLI's rule).
#[derive(Clone, Default)]
pub struct StsBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    use_fips: bool,
    use_dual_stack: bool,
    use_global_endpoint: bool,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    /// The credentials when they are fixed ([`StsBuilder::credentials`]): signed with as they are,
    /// without a copy per call.
    fixed: Option<Arc<Credentials>>,
    retry: Option<RetryConfig>,
    policy: Option<RetryPolicy>,
    hook: Option<AttemptHook>,
    app_id: Option<String>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    roots: TrustRoots,
    proxy: ProxySetting,
    allow_http: bool,
    max_body_size: Option<u64>,
    /// Set by [`crate::settings::Settings`]: a custom endpoint without a region cannot sign (the
    /// AWS CLI's `You must specify a region`), instead of signing for `us-east-1`.
    pub(crate) require_region_to_sign: bool,
    sign_requests: Option<bool>,
    /// A setting [`crate::settings::Settings`] could not understand: [`StsBuilder::build`] fails.
    invalid_setting: Option<String>,
}

impl fmt::Debug for StsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsBuilder")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("use_global_endpoint", &self.use_global_endpoint)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Default connect timeout, as the AWS SDKs' "standard" defaults mode.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
/// Default cap on a response body. STS bodies are a few kilobytes.
pub const DEFAULT_MAX_BODY: u64 = 1024 * 1024;

impl StsBuilder {
    /// Sets the region (`us-east-1`, ...). Without one, the client uses the `aws-global`
    /// pseudo-region as the AWS CLI does: `https://sts.amazonaws.com`, signed for `us-east-1`
    /// (`sts-fips.aws-global.amazonaws.com` / `sts.aws-global.api.aws` with FIPS / dual-stack,
    /// also signed for `us-east-1`, as botocore resolves them). A custom endpoint without a region
    /// signs for `us-east-1` (clients from [`crate::settings::Settings`], [`Sts::from_env`] and
    /// [`Sts::from_profile`] follow the AWS CLI instead: signed calls fail with
    /// [`Error::NoRegion`]).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Follow the AWS CLI for a custom endpoint without a region: signed calls fail with
    /// [`Error::NoRegion`].
    pub(crate) fn require_region_to_sign(mut self) -> Self {
        self.require_region_to_sign = true;
        self
    }

    /// A setting that could not be understood, reported by [`StsBuilder::build`].
    pub(crate) fn invalid_setting(mut self, message: Option<String>) -> Self {
        self.invalid_setting = message;
        self
    }

    /// Whether to sign requests (default `true`). `false` sends every operation unsigned and
    /// without credentials, as the AWS CLI's `--no-sign-request`.
    #[must_use]
    pub fn sign_requests(mut self, sign: bool) -> Self {
        self.sign_requests = Some(sign);
        self
    }

    /// Sends to this endpoint instead of the resolved one (e.g. `http://127.0.0.1:5000`).
    #[must_use]
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Uses the FIPS endpoint.
    #[must_use]
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Uses the dual-stack (IPv6) endpoint.
    #[must_use]
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Uses the legacy global endpoint `sts.amazonaws.com` for the 16 legacy regions
    /// (`sts_regional_endpoints = legacy`).
    #[must_use]
    pub fn use_global_endpoint(mut self, on: bool) -> Self {
        self.use_global_endpoint = on;
        self
    }

    /// Signs with these credentials.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        let fixed = Arc::new(credentials);
        self.credentials = Some(fixed.clone());
        self.fixed = Some(fixed);
        self
    }

    /// Signs with credentials from this provider (wrap slow providers in a cache).
    #[must_use]
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credentials = Some(provider);
        self.fixed = None;
        self
    }

    /// Sets the retry configuration.
    #[must_use]
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Sets the most attempts per call (1 disables retries).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        let mut r = self.retry.take().unwrap_or_default();
        r.max_attempts = attempts.max(1);
        self.retry = Some(r);
        self
    }

    /// Sets the retry mode.
    #[must_use]
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        let mut r = self.retry.take().unwrap_or_default();
        r.mode = mode;
        self.retry = Some(r);
        self
    }

    /// Consults `policy` before the built-in retry rules.
    #[must_use]
    pub fn retry_policy(
        mut self,
        policy: impl Fn(&Error, u32) -> RetryDecision + Send + Sync + 'static,
    ) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// Calls `hook` after every attempt (redacted canonical request, status, timing).
    #[must_use]
    pub fn on_attempt(mut self, hook: impl Fn(&AttemptRecord) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// Adds `app/<id>` to the user agent.
    #[must_use]
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// Sets the connect timeout (default 3.1 s). Longer than
    /// [`MAX_TIMEOUT`](crate::engine::MAX_TIMEOUT) means that.
    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = Some(t);
        self
    }

    /// Sets the limit for one attempt (default 20 s). Longer than
    /// [`MAX_TIMEOUT`](crate::engine::MAX_TIMEOUT) means that.
    #[must_use]
    pub fn attempt_timeout(mut self, t: Duration) -> Self {
        self.attempt_timeout = Some(t);
        self
    }

    /// Sets the limit for a whole call, retries included (default 60 s). Longer than
    /// [`MAX_TIMEOUT`](crate::engine::MAX_TIMEOUT) means that.
    #[must_use]
    pub fn total_timeout(mut self, t: Duration) -> Self {
        self.total_timeout = Some(t);
        self
    }

    /// Sets the trusted roots (default: [`TrustRoots::default`], the bundled webpki roots or, with the
    /// `platform-verifier` feature, the OS verifier; `AWS_CA_BUNDLE` replaces them).
    #[must_use]
    pub fn trust_roots(mut self, roots: TrustRoots) -> Self {
        self.roots = roots;
        self
    }

    /// Trusts only the certificates in this PEM file.
    #[must_use]
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.roots = TrustRoots::Bundle(path.into());
        self
    }

    /// Sets the proxy (default: from the environment).
    #[must_use]
    pub fn proxy(mut self, proxy: ProxySetting) -> Self {
        self.proxy = proxy;
        self
    }

    /// Allows plain `http://` endpoints on non-loopback hosts. Off by default: a response carrying
    /// credentials must not cross a network in clear by accident.
    #[must_use]
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Caps the response body size (default 1 MiB).
    #[must_use]
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// Resolves the endpoint and builds the client.
    ///
    /// # Errors
    /// [`Error::Endpoint`] when the endpoint rules fail (FIPS with a custom endpoint, ...),
    /// [`Error::Config`] for a bad region, endpoint URL, CA bundle or proxy URL, and
    /// [`Error::Transport`] with [`TransportErrorKind::InsecureEndpoint`](crate::error::TransportErrorKind::InsecureEndpoint) for `http://` to a
    /// non-loopback host without [`StsBuilder::allow_http`].
    pub fn build(self) -> Result<Sts, Error> {
        if let Some(message) = &self.invalid_setting {
            return Err(Error::config(message.clone()));
        }
        let endpoints = endpoint::for_client(&EndpointParams {
            region: self.region.as_deref(),
            use_fips: self.use_fips,
            use_dual_stack: self.use_dual_stack,
            use_global_endpoint: self.use_global_endpoint,
            endpoint: self.endpoint_url.as_deref(),
        })?;
        let urls = [Some(&endpoints.main), endpoints.regional.as_ref()]
            .into_iter()
            .flatten()
            .map(|e| self.check_url(&e.url))
            .collect::<Result<Vec<_>, _>>()?;
        let engine = Engine::builder(endpoints).require_region_to_sign(self.require_region_to_sign);
        let now = Now::system();
        // Only the low bits matter for a seed; the truncations are the point.
        let seed = now.wall().unix_timestamp_nanos() as u64 ^ (std::process::id() as u64) << 32;
        let mut engine = engine
            .retry_config(self.retry.unwrap_or_default())
            .set_policy(self.policy)
            .set_hook(self.hook)
            .attempt_timeout(self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
            .total_timeout(self.total_timeout.unwrap_or(DEFAULT_TOTAL_TIMEOUT))
            .http_client("ureq#3")
            .seed(seed);
        if let Some(app) = self.app_id {
            engine = engine.app_id(app);
        }
        let engine = engine.build(now)?;
        let transport = Transport::new(&TransportConfig {
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            max_body: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY),
            roots: self.roots,
            proxy: self.proxy,
            user_agent: engine.user_agent().to_owned(),
            call_timeout: Some(engine.attempt_timeout()),
        })?;
        Ok(Sts {
            inner: Arc::new(Inner {
                sign_requests: self.sign_requests.unwrap_or(true),
                region: self.region,
                engine,
                urls,
                transport,
            }),
            credentials: self.credentials,
            fixed: self.fixed,
        })
    }

    fn check_url(&self, url: &str) -> Result<Endpoint, Error> {
        let plain = if self.allow_http {
            PlainHttp::Anywhere
        } else {
            PlainHttp::Loopback
        };
        Endpoint::new(url, plain)
    }
}

macro_rules! convenience {
    ($( $(#[$doc:meta])* $method:ident($op:ty) -> $out:ty; )*) => {
        $(
            $(#[$doc])*
            ///
            /// # Errors
            /// See [`Sts::send`].
            pub fn $method(&self, op: &$op) -> Result<$out, Error> {
                self.send(op)
            }
        )*
    };
}

impl Sts {
    /// A builder with nothing set.
    #[must_use]
    pub fn builder() -> StsBuilder {
        StsBuilder::default()
    }

    /// A client configured the way the AWS CLI configures itself: environment, then the shared
    /// config files of the profile named by `AWS_PROFILE`, with credentials from the full default
    /// chain (roles assumed through STS, cached). See [`crate::settings`].
    ///
    /// # Errors
    /// As [`crate::settings::Settings::load`] and [`StsBuilder::build`].
    pub fn from_env() -> Result<Self, Error> {
        StsBuilder::from_env_and_profile(None, None)?.build()
    }

    /// As [`Sts::from_env`] with an explicitly chosen profile (the CLI's `--profile`), which wins
    /// over `AWS_PROFILE` and over credentials in the environment.
    ///
    /// # Errors
    /// As [`Sts::from_env`].
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        StsBuilder::from_env_and_profile(Some(name), None)?.build()
    }

    /// The configured region, if any.
    #[must_use]
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The resolved endpoint (URL and signing region).
    #[must_use]
    pub fn endpoint(&self) -> &ResolvedEndpoint {
        self.inner.engine.endpoint()
    }

    /// The credentials provider, if one is set.
    #[must_use]
    pub fn credentials_provider(&self) -> Option<&Arc<dyn ProvideCredentials>> {
        self.credentials.as_ref()
    }

    /// This client signing with `credentials` instead: the same endpoint and settings, and it
    /// shares this client's connection pool, retry quota, clock-skew offset and signing-key cache
    /// (role chaining without building another client).
    ///
    /// ```no_run
    /// use sts_blocking::ops::AssumeRole;
    /// let sts = sts_blocking::Sts::from_env()?;
    /// let role = sts
    ///     .assume_role(&AssumeRole::new("arn:aws:iam::123456789012:role/deploy", "hop"))?
    ///     .into_credentials()?;
    /// let as_role = sts.with_credentials(role);
    /// println!("{:?}", as_role.get_caller_identity()?.arn);
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    #[must_use]
    pub fn with_credentials(&self, credentials: Credentials) -> Sts {
        let fixed = Arc::new(credentials);
        Sts {
            inner: self.inner.clone(),
            credentials: Some(fixed.clone()),
            fixed: Some(fixed),
        }
    }

    /// As [`Sts::with_credentials`], with credentials from `provider`.
    #[must_use]
    pub fn with_credentials_provider(&self, provider: Arc<dyn ProvideCredentials>) -> Sts {
        Sts {
            inner: self.inner.clone(),
            credentials: Some(provider),
            fixed: None,
        }
    }

    /// The current clock-skew correction in milliseconds (server time minus local time).
    #[must_use]
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.engine.clock_offset_millis()
    }

    /// Tokens left in the shared retry quota.
    #[must_use]
    pub fn retry_tokens(&self) -> u32 {
        self.inner.engine.retry_tokens()
    }

    /// The user agent this client sends.
    #[must_use]
    pub fn user_agent(&self) -> &str {
        self.inner.engine.user_agent()
    }

    /// The time a request signed now carries: the wall clock plus the clock-skew correction.
    #[must_use]
    pub fn signing_time(&self) -> OffsetDateTime {
        self.inner.engine.signing_time(OffsetDateTime::now_utc())
    }

    /// Runs any operation: the JavaScript SDK's `client.send(command)`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending; [`Error::Credentials`] when signed operations have no
    /// credentials; [`Error::Service`] for STS errors; transport, timeout and response errors after
    /// retries are exhausted.
    pub fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.send_with_metadata(op).map(|d| d.output)
    }

    /// As [`Sts::send`], also returning the request id.
    ///
    /// # Errors
    /// As [`Sts::send`].
    pub fn send_with_metadata<O: Operation>(&self, op: &O) -> Result<Decoded<O::Output>, Error> {
        self.send_inner(op, None)
    }

    /// As [`Sts::send`], signing with `credentials` instead of the client's provider (role chaining
    /// without building another client; shares the pool, retry quota and clock offset). For the
    /// request id too, or many calls, use [`Sts::with_credentials`].
    ///
    /// # Errors
    /// As [`Sts::send`].
    pub fn send_with_credentials<O: Operation>(
        &self,
        op: &O,
        credentials: &Credentials,
    ) -> Result<O::Output, Error> {
        self.send_inner(op, Some(credentials)).map(|d| d.output)
    }

    fn send_inner<O: Operation>(
        &self,
        op: &O,
        given: Option<&Credentials>,
    ) -> Result<Decoded<O::Output>, Error> {
        // Validated and encoded before credentials are resolved: bad input costs no provider call.
        let body = op.to_form()?.into_string();
        let resolved;
        let credentials = match (O::SIGNED && self.inner.sign_requests, given, &self.fixed) {
            (false, ..) => None,
            (true, Some(c), _) => {
                self.check_signing_region()?;
                Some(c)
            }
            (true, None, Some(fixed)) => {
                self.check_signing_region()?;
                Some(&**fixed)
            }
            (true, None, None) => {
                // botocore's order: credential sources that fail do so before signing; with no
                // credentials at all, the missing region is reported first.
                let c = self.resolve_credentials();
                if c.is_ok() || c.as_ref().is_err_and(Error::is_no_credentials) {
                    self.check_signing_region()?;
                }
                resolved = c?;
                Some(&resolved)
            }
        };
        let call = Call::with_body(&self.inner.engine, op, body, credentials, Now::system());
        self.drive(call)
    }

    /// Drives a call with ureq: the engine decides, this sends, sleeps and reads the clock.
    fn drive<O: Operation>(&self, mut call: Call<'_, O>) -> Result<Decoded<O::Output>, Error> {
        let inner = &*self.inner;
        loop {
            match call.poll(Now::system()) {
                Next::Send(request) => {
                    let result = inner.url(request.url()).and_then(|url| {
                        inner.transport.post(
                            url,
                            request.headers(),
                            request.body(),
                            request.timeout(),
                        )
                    });
                    match result {
                        Ok(r) => {
                            let lookup = |name: &str| r.header(name);
                            let response = Response::with_header_lookup(r.status, &lookup, &r.body);
                            call.on_response(Ok(response), Now::system());
                        }
                        Err(e) => call.on_response(Err(e), Now::system()),
                    }
                }
                Next::Wait(pause) => std::thread::sleep(pause),
                Next::Done(decoded) => return Ok(decoded),
                Next::Failed(e) => return Err(e),
            }
        }
    }

    /// [`Error::NoRegion`] when the client has a custom endpoint and no region to sign for (clients
    /// configured as the AWS CLI configures itself, see [`StsBuilder::region`]).
    pub(crate) fn check_signing_region(&self) -> Result<(), Error> {
        self.inner.engine.check_signing_region()
    }

    /// The credentials a signed call would use now.
    ///
    /// # Errors
    /// [`Error::Credentials`] when no provider is set or it fails.
    pub fn resolve_credentials(&self) -> Result<Credentials, Error> {
        match &self.credentials {
            Some(p) => p.provide_credentials(),
            None => Err(crate::error::CredentialsError::new(
                "none",
                "no credentials configured (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a provider)",
            )
            .into()),
        }
    }

    convenience! {
        /// Runs [`AssumeRole`]: temporary credentials for a role.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::{AssumeRole, Tag};
        /// let sts = sts_blocking::Sts::from_env()?;
        /// let out = sts.assume_role(
        ///     &AssumeRole::new("arn:aws:iam::123456789012:role/deploy", "build-42")
        ///         .duration_seconds(900)
        ///         .external_id("ci-external-id")
        ///         .tags(vec![Tag::new("pipeline", "release")]),
        /// )?;
        /// let creds = out.credentials()?;
        /// println!("{} until {:?}", creds.access_key_id, creds.expiration);
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        assume_role(AssumeRole) -> AssumeRoleOutput;
        /// Runs [`AssumeRoleWithSaml`] (unsigned; needs no credentials): a role for a SAML assertion.
        ///
        /// ```no_run
        /// use sts_blocking::ops::AssumeRoleWithSaml;
        /// let assertion = std::fs::read_to_string("assertion.b64").map_err(|e| sts_blocking::Error::config(e.to_string()))?;
        /// let sts = sts_blocking::Sts::builder().region("us-east-1").build()?;
        /// let out = sts.assume_role_with_saml(&AssumeRoleWithSaml::new(
        ///     "arn:aws:iam::123456789012:role/sso-admin",
        ///     "arn:aws:iam::123456789012:saml-provider/corp-idp",
        ///     assertion.trim(), // base64, as the IdP posts it; a secret
        /// ))?;
        /// println!("{:?} from {:?}", out.subject, out.issuer);
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        assume_role_with_saml(AssumeRoleWithSaml) -> AssumeRoleWithSamlOutput;
        /// Runs [`AssumeRoleWithWebIdentity`] (unsigned; needs no credentials): a role for an OIDC token.
        /// For credentials that renew themselves, see
        /// [`WebIdentityProvider`](crate::credentials::WebIdentityProvider).
        ///
        /// ```no_run
        /// use sts_blocking::ops::AssumeRoleWithWebIdentity;
        /// let token = std::env::var("CI_OIDC_TOKEN").unwrap_or_default();
        /// let sts = sts_blocking::Sts::builder().region("us-west-2").build()?;
        /// let out = sts.assume_role_with_web_identity(
        ///     &AssumeRoleWithWebIdentity::new("arn:aws:iam::123456789012:role/ci", "job-7", token)
        ///         .duration_seconds(3600),
        /// )?;
        /// println!("{:?}", out.subject_from_web_identity_token);
        /// let creds = out.into_credentials()?;
        /// # let _ = creds;
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        assume_role_with_web_identity(AssumeRoleWithWebIdentity) -> AssumeRoleWithWebIdentityOutput;
        /// Runs [`AssumeRoot`]: a privileged root session on a member account, for one task policy.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::{AssumeRoot, PolicyDescriptor};
        /// let sts = sts_blocking::Sts::from_env()?; // the organization's management account
        /// let out = sts.assume_root(
        ///     &AssumeRoot::new(
        ///         "111122223333",
        ///         PolicyDescriptor::new("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"),
        ///     )
        ///     .duration_seconds(900),
        /// )?;
        /// println!("{:?}", out.credentials()?.expiration);
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        assume_root(AssumeRoot) -> AssumeRootOutput;
        /// Runs [`DecodeAuthorizationMessage`]: the details behind an encoded "access denied" message.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::DecodeAuthorizationMessage;
        /// let sts = sts_blocking::Sts::from_env()?;
        /// let encoded = "Encoded authorization failure message: ...";
        /// let out = sts.decode_authorization_message(&DecodeAuthorizationMessage::new(encoded))?;
        /// println!("{}", out.decoded_message.unwrap_or_default()); // JSON
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        decode_authorization_message(DecodeAuthorizationMessage) -> DecodeAuthorizationMessageOutput;
        /// Runs [`GetAccessKeyInfo`]: the account an access key id belongs to.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::GetAccessKeyInfo;
        /// let sts = sts_blocking::Sts::from_env()?;
        /// let out = sts.get_access_key_info(&GetAccessKeyInfo::new("AKIAIOSFODNN7EXAMPLE"))?;
        /// println!("{:?}", out.account);
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        get_access_key_info(GetAccessKeyInfo) -> GetAccessKeyInfoOutput;
        /// Runs [`GetDelegatedAccessToken`]: credentials for a trade-in token a partner handed over.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::GetDelegatedAccessToken;
        /// let sts = sts_blocking::Sts::from_env()?;
        /// let trade_in = std::env::var("TRADE_IN_TOKEN").unwrap_or_default(); // a secret
        /// let out = sts.get_delegated_access_token(&GetDelegatedAccessToken::new(trade_in))?;
        /// println!("{:?} as {:?}", out.credentials()?.access_key_id, out.assumed_principal);
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        get_delegated_access_token(GetDelegatedAccessToken) -> GetDelegatedAccessTokenOutput;
        /// Runs [`GetFederationToken`]: credentials for a federated user, scoped by a session policy.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::GetFederationToken;
        /// let sts = sts_blocking::Sts::from_env()?; // long-term IAM user keys
        /// let out = sts.get_federation_token(
        ///     &GetFederationToken::new("bob")
        ///         .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        ///         .duration_seconds(3600),
        /// )?;
        /// println!("{:?}", out.federated_user.map(|u| u.arn));
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        get_federation_token(GetFederationToken) -> GetFederationTokenOutput;
        /// Runs [`GetScopedCredentials`]: the caller's session narrowed by an inline policy.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::GetScopedCredentials;
        /// let sts = sts_blocking::Sts::from_env()?;
        /// let out = sts.get_scoped_credentials(
        ///     &GetScopedCredentials::new()
        ///         .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        ///         .duration_seconds(900),
        /// )?;
        /// println!("{:?}", out.session_info.map(|s| s.arn));
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        get_scoped_credentials(GetScopedCredentials) -> GetScopedCredentialsOutput;
        /// Runs [`GetSessionToken`]: temporary credentials for an IAM user, typically with MFA.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::GetSessionToken;
        /// let sts = sts_blocking::Sts::from_env()?; // long-term IAM user keys
        /// let out = sts.get_session_token(
        ///     &GetSessionToken::new()
        ///         .serial_number("arn:aws:iam::123456789012:mfa/me")
        ///         .token_code("123456")
        ///         .duration_seconds(43_200),
        /// )?;
        /// println!("{:?}", out.credentials()?.expiration);
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        get_session_token(GetSessionToken) -> GetSessionTokenOutput;
        /// Runs [`GetWebIdentityToken`]: a signed JWT of the caller, for services outside AWS.
        ///
        /// ```
        /// # #[path = "../examples/common/mod.rs"] mod common;
        /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
        /// use sts_blocking::ops::GetWebIdentityToken;
        /// let sts = sts_blocking::Sts::from_env()?;
        /// let out = sts.get_web_identity_token(
        ///     &GetWebIdentityToken::new(vec!["https://api.example.com".into()], GetWebIdentityToken::ES384)
        ///         .duration_seconds(300),
        /// )?;
        /// if let Some(jwt) = &out.web_identity_token {
        ///     println!("Authorization: Bearer {}", jwt.expose()); // a secret: send, never log
        /// }
        /// # Ok::<(), sts_blocking::Error>(())
        /// ```
        get_web_identity_token(GetWebIdentityToken) -> GetWebIdentityTokenOutput;
    }

    /// Runs [`GetCallerIdentity`]: who am I? Needs no permission.
    ///
    /// ```
    /// # #[path = "../examples/common/mod.rs"] mod common;
    /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
    /// let sts = sts_blocking::Sts::from_env()?;
    /// let me = sts.get_caller_identity()?;
    /// println!("{} in {}", me.arn.unwrap_or_default(), me.account.unwrap_or_default());
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// See [`Sts::send`].
    pub fn get_caller_identity(&self) -> Result<GetCallerIdentityOutput, Error> {
        self.send(&GetCallerIdentity)
    }
}

impl Inner {
    /// The checked endpoint the engine asks to send to: one of the engine's own, found by URL.
    fn url(&self, url: &str) -> Result<&Endpoint, Error> {
        self.urls.iter().find(|e| e.full == url).ok_or_else(|| {
            Error::config("internal: the engine asked for an endpoint it was not given")
        })
    }
}

/// Crate-internal access for the identity-proof helpers in `client_presign.rs`.
impl Sts {
    /// The signing-key cache shared by every request of this client.
    pub(crate) fn signing_keys(&self) -> &SigningKeyCache {
        self.inner.engine.signing_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a client sends each kind of call: (URL, signing region) of GetCallerIdentity and of
    /// GetWebIdentityToken.
    fn plan(engine: &Engine) -> [(String, String); 2] {
        ["GetCallerIdentity", "GetWebIdentityToken"].map(|action| {
            let t = engine.target_for(action);
            (t.full.clone(), t.endpoint.signing_region.clone())
        })
    }

    /// The same settings give the same endpoints through `Sts` and through the engine builder
    /// alone (`endpoint::for_client`, `EngineBuilder::require_region_to_sign`): a bring-your-own-HTTP
    /// driver sends where `Sts` sends.
    #[test]
    fn sts_and_the_engine_alone_resolve_the_same_endpoints() {
        let custom = Some("http://127.0.0.1:5000");
        let mut checked = 0;
        for region in [
            None,
            Some("eu-west-1"),
            Some("aws-global"),
            Some("bad.region"),
        ] {
            for endpoint_url in [None, custom] {
                for flags in 0u8..16 {
                    let (fips, dual, global, cli) = (
                        flags & 1 != 0,
                        flags & 2 != 0,
                        flags & 4 != 0,
                        flags & 8 != 0,
                    );
                    let params = EndpointParams {
                        region,
                        use_fips: fips,
                        use_dual_stack: dual,
                        use_global_endpoint: global,
                        endpoint: endpoint_url,
                    };
                    let mut b = Sts::builder()
                        .proxy(ProxySetting::Disabled)
                        .use_fips(fips)
                        .use_dual_stack(dual)
                        .use_global_endpoint(global);
                    if let Some(r) = region {
                        b = b.region(r);
                    }
                    if let Some(u) = endpoint_url {
                        b = b.endpoint_url(u);
                    }
                    if cli {
                        b = b.require_region_to_sign();
                    }
                    let alone = endpoint::for_client(&params).and_then(|e| {
                        Engine::builder(e)
                            .require_region_to_sign(cli)
                            .build(Now::system())
                    });
                    match (b.build(), alone) {
                        (Ok(sts), Ok(engine)) => {
                            let e = &sts.inner.engine;
                            assert_eq!(plan(e), plan(&engine), "{params:?}");
                            assert_eq!(
                                e.check_signing_region().is_err(),
                                engine.check_signing_region().is_err(),
                                "{params:?}"
                            );
                            checked += 1;
                        }
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                        (a, b) => panic!("{params:?}: Sts {a:?}, engine {b:?}"),
                    }
                }
            }
        }
        // Every combination that resolves was compared (the rest failed alike).
        assert_eq!(checked, 60);
    }

    /// The shell sends each request to the endpoint the engine chose, by its URL.
    #[test]
    fn the_shell_knows_every_url_the_engine_asks_for() {
        let sts = Sts::builder()
            .proxy(ProxySetting::Disabled)
            .region("us-west-2")
            .use_global_endpoint(true)
            .build()
            .unwrap();
        for action in ["GetCallerIdentity", "GetWebIdentityToken"] {
            let want = &sts.inner.engine.target_for(action).full;
            assert_eq!(&sts.inner.url(want).unwrap().full, want);
        }
        assert!(sts.inner.url("https://sts.example.com/").is_err());
    }
}
