//! The STS-backed providers [`AssumeRoleProvider`] and [`WebIdentityProvider`].

use crate::Error;
use crate::client::Sts;
use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::cli_cache::{self, CliCache};
use crate::credentials::providers::mfa::{MfaTokenProvider, fetch_code};
use crate::credentials::providers::web_identity::WebIdentityConfig;
use crate::credentials::{CachedProvider, Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::CredentialsError;
use crate::json::Value;
use crate::ops::{AssumeRole, AssumeRoleWithWebIdentity, AssumedRoleUser, PolicyDescriptor, Tag};
use crate::settings::{Overrides, Settings};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use time::OffsetDateTime;

/// The session duration used when none is configured (the JS SDK's profile default).
pub const DEFAULT_DURATION_SECONDS: i32 = 3600;

/// A generated session name at `now`: `sts-blocking-<unix ms>`.
#[must_use]
pub fn default_session_name(now: OffsetDateTime) -> String {
    let ms = now.unix_timestamp_nanos().max(0) / 1_000_000;
    format!("sts-blocking-{ms}")
}

/// Runs `AssumeRole` signed with `source`; fills the account id from the assumed role ARN and also
/// returns the assumed role (for the CLI cache entry).
pub(crate) fn assume_role_with_user(
    sts: &Sts,
    op: &AssumeRole,
    source: &Credentials,
) -> Result<(Credentials, Option<AssumedRoleUser>), Error> {
    let mut out = sts.send_with_credentials(op, source)?;
    let user = out.assumed_role_user.take();
    let mut c = out.into_credentials()?;
    if c.account_id.is_none() {
        c.account_id = user
            .as_ref()
            .and_then(|u| crate::credentials::account_of_arn(&u.arn));
    }
    Ok((c, user))
}

/// A CLI cache and the key of one call.
#[derive(Debug, Clone)]
pub(crate) struct CacheSlot {
    pub cache: CliCache,
    pub key: String,
}

impl CacheSlot {
    /// Cached credentials with at least 15 minutes left at `now`.
    pub fn load(&self, now: OffsetDateTime) -> Option<Credentials> {
        self.cache.load(&self.key, now)
    }

    /// Stores fresh credentials (failures are logged, never returned).
    pub fn store(&self, c: &Credentials, role: Option<&AssumedRoleUser>) {
        self.cache
            .store_quietly(&self.key, cli_cache::assume_role_entry(c, role));
    }
}

/// Runs `AssumeRoleWithWebIdentity` with the token read from `config` now; also returns the
/// assumed role (for the CLI cache entry).
pub(crate) fn web_identity_with_user(
    sts: &Sts,
    config: &WebIdentityConfig,
    extra: &WebIdentityExtra,
    now: OffsetDateTime,
) -> Result<(Credentials, Option<AssumedRoleUser>), Error> {
    let token = config.read_token()?;
    let session = config
        .session_name
        .clone()
        .unwrap_or_else(|| default_session_name(now));
    let mut op = AssumeRoleWithWebIdentity::new(&config.role_arn, session, token);
    op.policy.clone_from(&extra.policy);
    op.policy_arns.clone_from(&extra.policy_arns);
    op.duration_seconds = extra.duration_seconds;
    let mut out = sts.send(&op)?;
    let user = out.assumed_role_user.take();
    let mut c = out.into_credentials()?;
    if c.account_id.is_none() {
        c.account_id = user
            .as_ref()
            .and_then(|u| crate::credentials::account_of_arn(&u.arn));
    }
    Ok((c, user))
}

/// The CLI cache key of a web identity call: `RoleArn`, the configured session name and the
/// optional members, never the token.
pub(crate) fn web_identity_cache_key(
    config: &WebIdentityConfig,
    extra: &WebIdentityExtra,
) -> Option<String> {
    let s = |v: &str| Value::String(v.to_owned());
    let mut args = vec![("RoleArn".to_owned(), s(&config.role_arn))];
    if let Some(n) = &config.session_name {
        args.push(("RoleSessionName".to_owned(), s(n)));
    }
    if let Some(p) = &extra.policy {
        args.push(("Policy".to_owned(), s(p)));
    }
    if let Some(p) = &extra.policy_arns {
        let items = p
            .iter()
            .map(|d| Value::Object(d.arn.iter().map(|a| ("arn".to_owned(), s(a))).collect()))
            .collect();
        args.push(("PolicyArns".to_owned(), Value::Array(items)));
    }
    if let Some(d) = extra.duration_seconds {
        args.push(("DurationSeconds".to_owned(), Value::Number(d.to_string())));
    }
    cli_cache::cache_key(&Value::Object(args))
}

/// Optional members of a web identity request.
#[derive(Debug, Clone, Default)]
pub(crate) struct WebIdentityExtra {
    pub policy: Option<String>,
    pub policy_arns: Option<Vec<PolicyDescriptor>>,
    pub duration_seconds: Option<i32>,
}

/// The client of a provider: the one given, else one with the settings of the process
/// environment and the shared files (as `Sts::from_env` has them, without its credentials) where
/// `region` and `endpoint` win, in `us-east-1` when nothing names a region.
fn sts_for(
    sts: Option<Sts>,
    region: Option<String>,
    endpoint: Option<String>,
) -> Result<Sts, Error> {
    if let Some(s) = sts {
        return Ok(s);
    }
    let overrides = Overrides {
        region,
        ..Overrides::default()
    };
    let settings = Settings::load(&Env::real(), &overrides)?;
    let mut b = settings.sts_builder_without_credentials();
    if settings.region.is_none() {
        b = b.region("us-east-1");
    }
    if let Some(e) = endpoint {
        b = b.endpoint_url(e);
    }
    b.build()
}

/// Builds an [`AssumeRoleProvider`]; start with [`AssumeRoleProvider::builder`].
#[derive(Default)]
pub struct AssumeRoleProviderBuilder {
    op: AssumeRole,
    session_name: Option<String>,
    mfa_serial: Option<String>,
    mfa: Option<Arc<dyn MfaTokenProvider>>,
    source: Option<Arc<dyn ProvideCredentials>>,
    sts: Option<Sts>,
    region: Option<String>,
    endpoint_url: Option<String>,
    file_cache: Option<CliCache>,
    clock: Option<Clock>,
}

impl fmt::Debug for AssumeRoleProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProviderBuilder")
            .field("role_arn", &self.op.role_arn)
            .field("mfa_serial", &self.mfa_serial)
            .finish_non_exhaustive()
    }
}

impl AssumeRoleProviderBuilder {
    /// The session name (default `sts-blocking-<unix ms>`, generated on each fetch).
    #[must_use]
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// The external id the role's trust policy asks for.
    #[must_use]
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.op.external_id = Some(id.into());
        self
    }

    /// The session duration in seconds (default 3600).
    #[must_use]
    pub fn duration_seconds(mut self, seconds: i32) -> Self {
        self.op.duration_seconds = Some(seconds);
        self
    }

    /// The MFA device and the callback asked for a fresh code on every fetch.
    #[must_use]
    pub fn mfa(mut self, serial: impl Into<String>, provider: Arc<dyn MfaTokenProvider>) -> Self {
        self.mfa_serial = Some(serial.into());
        self.mfa = Some(provider);
        self
    }

    /// An inline session policy (JSON).
    #[must_use]
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.op.policy = Some(policy.into());
        self
    }

    /// Managed session policies.
    #[must_use]
    pub fn policy_arns(mut self, arns: Vec<PolicyDescriptor>) -> Self {
        self.op.policy_arns = Some(arns);
        self
    }

    /// Session tags.
    #[must_use]
    pub fn tags(mut self, tags: Vec<Tag>) -> Self {
        self.op.tags = Some(tags);
        self
    }

    /// Tag keys that pass to later sessions of a role chain.
    #[must_use]
    pub fn transitive_tag_keys(mut self, keys: Vec<String>) -> Self {
        self.op.transitive_tag_keys = Some(keys);
        self
    }

    /// The source identity to set on the session.
    #[must_use]
    pub fn source_identity(mut self, id: impl Into<String>) -> Self {
        self.op.source_identity = Some(id.into());
        self
    }

    /// The credentials `AssumeRole` is signed with (default: the provider of [`Self::sts`]).
    #[must_use]
    pub fn source(mut self, source: Arc<dyn ProvideCredentials>) -> Self {
        self.source = Some(source);
        self
    }

    /// Sends through this client (its region, endpoint, retries, pool). Wins over
    /// [`Self::region`] and [`Self::endpoint_url`]. Without one, the provider builds its own
    /// from the settings of the environment and the shared files (as `Sts::from_env` does).
    #[must_use]
    pub fn sts(mut self, sts: Sts) -> Self {
        self.sts = Some(sts);
        self
    }

    /// The STS region when no client is given (default: the configured one, else `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The STS endpoint when no client is given (default: the configured one,
    /// `AWS_ENDPOINT_URL_STS` or a profile's `endpoint_url`, else the region's).
    #[must_use]
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Shares sessions through the AWS CLI's credential cache (`~/.aws/cli/cache`): a session with
    /// at least 15 minutes left is reused (no STS call, no MFA prompt) and new ones are written
    /// there. Off by default: the cache keeps live session credentials on disk (see the
    /// [security note](crate::credentials::CliCache)).
    #[must_use]
    pub fn file_cache(mut self, cache: CliCache) -> Self {
        self.file_cache = Some(cache);
        self
    }

    /// Reads "now" from `clock` (default: the system clock) for the session's freshness, the
    /// AWS CLI cache and generated session names (tests replaying old sessions).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the provider (cached).
    ///
    /// # Errors
    /// [`Error::Config`] without a source of credentials; the client's build errors; without a
    /// client, the errors of [`Settings::load`].
    pub fn build(self) -> Result<AssumeRoleProvider, Error> {
        let source = match (self.source, &self.sts) {
            (Some(s), _) => s,
            (None, Some(sts)) => sts.credentials_provider().cloned().ok_or_else(|| {
                Error::config("AssumeRoleProvider needs source credentials (source or an Sts with a provider)")
            })?,
            (None, None) => {
                return Err(Error::config(
                    "AssumeRoleProvider needs source credentials (source or an Sts with a provider)",
                ));
            }
        };
        let sts = sts_for(self.sts, self.region, self.endpoint_url)?;
        let mut op = self.op;
        let cache = self.file_cache.and_then(|cache| {
            let mut keyed = op.clone();
            keyed.serial_number.clone_from(&self.mfa_serial);
            if let Some(n) = &self.session_name {
                keyed.role_session_name.clone_from(n);
            }
            let key = cli_cache::assume_role_cache_key(&keyed, self.session_name.is_some())?;
            Some(CacheSlot { cache, key })
        });
        if op.duration_seconds.is_none() {
            op.duration_seconds = Some(DEFAULT_DURATION_SECONDS);
        }
        let name = format!("assume-role {}", op.role_arn);
        let clock = self.clock.unwrap_or_else(system_clock);
        let fetcher = AssumeRoleFetcher {
            sts,
            op,
            session_name: self.session_name,
            mfa_serial: self.mfa_serial,
            mfa: self.mfa,
            source,
            name: name.clone(),
            cache,
            clock: clock.clone(),
        };
        Ok(AssumeRoleProvider {
            cache: CachedProvider::new(Arc::new(fetcher)).clock(clock),
        })
    }
}

struct AssumeRoleFetcher {
    sts: Sts,
    op: AssumeRole,
    session_name: Option<String>,
    mfa_serial: Option<String>,
    mfa: Option<Arc<dyn MfaTokenProvider>>,
    source: Arc<dyn ProvideCredentials>,
    name: String,
    cache: Option<CacheSlot>,
    clock: Clock,
}

impl fmt::Debug for AssumeRoleFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleFetcher")
            .field("role_arn", &self.op.role_arn)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for AssumeRoleFetcher {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let now = (self.clock)();
        if let Some(c) = self.cache.as_ref().and_then(|slot| slot.load(now)) {
            return Ok(c);
        }
        let source = self.source.provide_credentials()?;
        let mut op = self.op.clone();
        op.role_session_name = self
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(now));
        if let Some(serial) = &self.mfa_serial {
            let Some(mfa) = &self.mfa else {
                return Err(CredentialsError::new(
                    self.name.clone(),
                    format!(
                        "role requires an MFA code for {serial} but no MFA token provider is set"
                    ),
                )
                .into());
            };
            op.serial_number = Some(serial.clone());
            op.token_code = Some(fetch_code(&**mfa, serial)?.into());
        }
        let (c, role) = assume_role_with_user(&self.sts, &op, &source)?;
        if let Some(slot) = &self.cache {
            slot.store(&c, role.as_ref());
        }
        Ok(c)
    }

    fn source_name(&self) -> String {
        self.name.clone()
    }
}

/// Credentials of a role assumed with `AssumeRole` signed with source credentials, refreshed (and
/// MFA asked again) as they expire: cached in a [`CachedProvider`], so every thread shares one
/// session and one refresh. It can feed another [`Sts`] client, or any code that takes a
/// [`ProvideCredentials`]: the equivalent of the JS SDK's `getDefaultRoleAssumer`.
///
/// Without a client of its own ([`AssumeRoleProviderBuilder::sts`]) it calls STS where the
/// environment and the shared files say (`AWS_ENDPOINT_URL_STS`, a profile's `endpoint_url`,
/// `AWS_REGION`, ...), as `Sts::from_env` does.
///
/// ```
/// # #[path = "../../examples/common/mod.rs"] mod common;
/// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
/// use sts_blocking::credentials::{AssumeRoleProvider, DefaultChain, Env};
/// use sts_blocking::StsBuilder;
/// use std::sync::Arc;
/// let role = AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/deploy")
///     .source(Arc::new(DefaultChain::new(Env::real()))) // whatever the machine has
///     .session_name("deploy-bot")
///     .duration_seconds(900)
///     .build()?;
/// let as_role = StsBuilder::from_env_and_profile(None, None)?
///     .credentials_provider(Arc::new(role))
///     .build()?;
/// println!("{:?}", as_role.get_caller_identity()?.arn);
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// `examples/sync_service.rs` shares one between worker threads; `examples/role_chaining.rs`
/// stacks two.
#[derive(Debug)]
pub struct AssumeRoleProvider {
    cache: CachedProvider,
}

impl AssumeRoleProvider {
    /// A builder for `role_arn`.
    pub fn builder(role_arn: impl Into<String>) -> AssumeRoleProviderBuilder {
        AssumeRoleProviderBuilder {
            op: AssumeRole {
                role_arn: role_arn.into(),
                ..AssumeRole::default()
            },
            ..AssumeRoleProviderBuilder::default()
        }
    }

    /// Drops the cached credentials so the next call assumes the role again.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.cache.provide_credentials()
    }

    fn source_name(&self) -> String {
        self.cache.source_name()
    }
}

/// Builds a [`WebIdentityProvider`]; start with [`WebIdentityProvider::builder`].
pub struct WebIdentityProviderBuilder {
    config: WebIdentityConfig,
    extra: WebIdentityExtra,
    sts: Option<Sts>,
    endpoint_url: Option<String>,
    file_cache: Option<CliCache>,
    clock: Option<Clock>,
}

impl fmt::Debug for WebIdentityProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityProviderBuilder")
            .field("config", &self.config)
            .field("extra", &self.extra)
            .field("sts", &self.sts)
            .field("endpoint_url", &self.endpoint_url)
            .field("file_cache", &self.file_cache)
            .finish_non_exhaustive()
    }
}

impl WebIdentityProviderBuilder {
    /// The session name (default `sts-blocking-<unix ms>`).
    #[must_use]
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.config.session_name = Some(name.into());
        self
    }

    /// The STS region when no client is given (default: the configured one, else `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    /// The STS endpoint when no client is given (default: the configured one,
    /// `AWS_ENDPOINT_URL_STS` or a profile's `endpoint_url`, else the region's).
    #[must_use]
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sends through this client (its region, endpoint, retries). The call is unsigned, so the
    /// client's credentials are not used. Without one, the provider builds its own from the
    /// settings of the environment and the shared files (as `Sts::from_env` does).
    #[must_use]
    pub fn sts(mut self, sts: Sts) -> Self {
        self.sts = Some(sts);
        self
    }

    /// An inline session policy (JSON).
    #[must_use]
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.extra.policy = Some(policy.into());
        self
    }

    /// Managed session policies.
    #[must_use]
    pub fn policy_arns(mut self, arns: Vec<PolicyDescriptor>) -> Self {
        self.extra.policy_arns = Some(arns);
        self
    }

    /// The session duration in seconds (default: STS's, one hour).
    #[must_use]
    pub fn duration_seconds(mut self, seconds: i32) -> Self {
        self.extra.duration_seconds = Some(seconds);
        self
    }

    /// Shares sessions through the AWS CLI's credential cache, as
    /// [`AssumeRoleProviderBuilder::file_cache`] does (off by default; see the
    /// [security note](crate::credentials::CliCache)).
    #[must_use]
    pub fn file_cache(mut self, cache: CliCache) -> Self {
        self.file_cache = Some(cache);
        self
    }

    /// Reads "now" from `clock` (default: the system clock) for the session's freshness, the
    /// AWS CLI cache and generated session names (tests replaying old sessions).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the provider (cached).
    ///
    /// # Errors
    /// The client's build errors; without a client, the errors of [`Settings::load`].
    pub fn build(self) -> Result<WebIdentityProvider, Error> {
        let sts = sts_for(self.sts, self.config.region.clone(), self.endpoint_url)?;
        let cache = self.file_cache.and_then(|cache| {
            let key = web_identity_cache_key(&self.config, &self.extra)?;
            Some(CacheSlot { cache, key })
        });
        let clock = self.clock.unwrap_or_else(system_clock);
        Ok(WebIdentityProvider {
            cache: CachedProvider::new(Arc::new(WebIdentityFetcher {
                sts,
                config: self.config,
                extra: self.extra,
                file_cache: cache,
                clock: clock.clone(),
            }))
            .clock(clock),
        })
    }
}

struct WebIdentityFetcher {
    sts: Sts,
    config: WebIdentityConfig,
    extra: WebIdentityExtra,
    file_cache: Option<CacheSlot>,
    clock: Clock,
}

impl fmt::Debug for WebIdentityFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityFetcher")
            .field("sts", &self.sts)
            .field("config", &self.config)
            .field("file_cache", &self.file_cache)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for WebIdentityFetcher {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let now = (self.clock)();
        if let Some(c) = self.file_cache.as_ref().and_then(|slot| slot.load(now)) {
            return Ok(c);
        }
        let (c, role) = web_identity_with_user(&self.sts, &self.config, &self.extra, now)?;
        if let Some(slot) = &self.file_cache {
            slot.store(&c, role.as_ref());
        }
        Ok(c)
    }

    fn source_name(&self) -> String {
        "web-identity".to_owned()
    }
}

/// Credentials from `AssumeRoleWithWebIdentity` (unsigned) with a token file that is re-read on
/// every refresh, as the kubelet or the CI runner rotates it (EKS IRSA, GitHub OIDC); cached like
/// [`AssumeRoleProvider`]. The JS SDK's `getDefaultRoleAssumerWithWebIdentity`.
///
/// ```
/// # #[path = "../../examples/common/mod.rs"] mod common;
/// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
/// # let token = std::env::temp_dir().join(format!("sts-blocking-doc-token-{}", std::process::id()));
/// # std::fs::write(&token, "eyJ.token.sig").unwrap();
/// # for (k, v) in [("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()), ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci")] {
/// #     unsafe { std::env::set_var(k, v) }; // a doc example is a process of its own
/// # }
/// use sts_blocking::credentials::{Env, ProvideCredentials, WebIdentityConfig, WebIdentityProvider};
/// // From AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME...
/// if let Some(config) = WebIdentityConfig::from_env(&Env::real())? {
///     let provider = WebIdentityProvider::from_config(config).build()?;
///     println!("{}", provider.provide_credentials()?.access_key_id);
/// }
/// // ... or given explicitly.
/// let provider = WebIdentityProvider::builder(
///     "arn:aws:iam::123456789012:role/ci",
///     "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
/// )
/// .session_name("ci-job")
/// .build()?;
/// # let _ = provider;
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug)]
pub struct WebIdentityProvider {
    cache: CachedProvider,
}

impl WebIdentityProvider {
    /// A builder for `role_arn` with the token in `token_file`.
    pub fn builder(
        role_arn: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> WebIdentityProviderBuilder {
        WebIdentityProviderBuilder {
            config: WebIdentityConfig {
                token_file: token_file.into(),
                role_arn: role_arn.into(),
                session_name: None,
                region: None,
            },
            extra: WebIdentityExtra::default(),
            sts: None,
            endpoint_url: None,
            file_cache: None,
            clock: None,
        }
    }

    /// A builder from settings read by [`WebIdentityConfig::from_env`].
    #[must_use]
    pub fn from_config(config: WebIdentityConfig) -> WebIdentityProviderBuilder {
        WebIdentityProviderBuilder {
            config,
            extra: WebIdentityExtra::default(),
            sts: None,
            endpoint_url: None,
            file_cache: None,
            clock: None,
        }
    }

    /// Drops the cached credentials so the next call reads the token and calls STS again.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.cache.provide_credentials()
    }

    fn source_name(&self) -> String {
        self.cache.source_name()
    }
}
