//! The default credential chain: environment → profile → web identity (environment) → container → IMDS.
//!
//! Each step either finds credentials, says it is not configured (the chain moves on), or fails (the
//! chain stops: a broken configuration must not silently fall through to another identity). IMDS
//! transport failures count as "not available" so that running off EC2 ends in one "no credentials"
//! error listing every source tried and why it was skipped.
//!
//! Role assumption (profile `role_arn` hops and web identity) needs STS. It goes through the
//! [`RoleAssumer`] hook; without one, such profiles fail with a clear message.

use super::env::Env;
#[cfg(feature = "client")]
use super::env::Platform;
use super::environment::EnvironmentProvider;
use super::plan::{self, BaseSource, NamedSource, ProfileChain, RoleHop};
use super::process::ProcessProvider;
use super::profile::ProfileSet;
use super::web_identity::WebIdentityConfig;
use super::{Credentials, KeyStore, ProvideCredentials};
use crate::Error;
use crate::error::CredentialsError;
#[cfg(feature = "client")]
use crate::settings::property::{CA_BUNDLE, REGION, USE_DUAL_STACK, USE_FIPS};
use std::fmt;
use std::sync::Arc;

/// How a [`DefaultChain`] assumes the roles a profile names (`role_arn` hops, web identity):
/// through STS with an `StsRoleAssumer` (the `client` feature). Without
/// one, such profiles fail with a clear message.
///
/// **Sealed**: `StsRoleAssumer` is the implementation. The methods take the role-chain planner's
/// internal types, which follow the AWS CLI's profile rules and may change in any release; for
/// a custom source of role credentials implement [`ProvideCredentials`] instead.
pub trait RoleAssumer: crate::sealed::Sealed + Send + Sync + fmt::Debug {
    /// `AssumeRole` for one hop, signed with `source`. Not public API.
    ///
    /// # Errors
    /// Any STS or transport error.
    #[doc(hidden)]
    fn assume_role(&self, source: &Credentials, hop: &RoleHop) -> Result<Credentials, Error>;

    /// `AssumeRoleWithWebIdentity` with the token read from `config` (re-read on every call). Not
    /// public API.
    ///
    /// # Errors
    /// Any STS, transport or token-file error.
    #[doc(hidden)]
    fn assume_role_with_web_identity(
        &self,
        config: &WebIdentityConfig,
    ) -> Result<Credentials, Error>;

    /// Credentials of `hop` the assumer already holds in a shared cache (the AWS CLI's), fresh
    /// enough to use without calling STS. A plan starts from the last cached hop, so neither the
    /// base credentials nor the hops before it are needed (no source process, no MFA prompt). Not
    /// public API.
    #[doc(hidden)]
    fn cached(&self, hop: &RoleHop) -> Option<Credentials> {
        let _ = hop;
        None
    }
}

/// The outcome of one chain step.
#[derive(Debug)]
pub enum StepResult {
    /// Credentials were found.
    Found(Credentials),
    /// The source is not configured or not available; why.
    NotConfigured(String),
    /// The source is configured but failed; the chain stops.
    Failed(Error),
}

/// One step of a chain.
pub trait ChainStep: Send + Sync + fmt::Debug {
    /// A short name (`environment`, `profile:dev`, `imds`, ...).
    fn name(&self) -> String;
    /// Tries the source.
    fn attempt(&self) -> StepResult;
    /// What to call the source after it found credentials (default: [`ChainStep::name`]).
    fn found_name(&self) -> String {
        self.name()
    }
}

/// What a plan runs with besides the environment: the loaded profiles (for the SSO endpoint and
/// IMDS settings) and a clock (for tests that replay old recordings).
#[derive(Clone, Default)]
pub struct PlanContext {
    /// The loaded profile files, if already read.
    pub profiles: Option<Arc<ProfileSet>>,
    /// The clock for IMDS static stability and the SSO token expiry check.
    pub clock: Option<super::cache::Clock>,
    /// The AWS CLI's credential cache for SSO role credentials (off when `None`).
    pub cli_cache: Option<super::cli_cache::CliCache>,
    /// Where profiles marked [`ProfileSet::with_stored_keys`] get their keys.
    pub key_store: Option<Arc<dyn KeyStore>>,
}

impl fmt::Debug for PlanContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanContext")
            .field("profiles", &self.profiles.is_some())
            .field("clock", &self.clock.is_some())
            .field("cli_cache", &self.cli_cache)
            .field("key_store", &self.key_store)
            .finish()
    }
}

/// Runs a profile plan: resolves the base credentials, then assumes each role in order.
///
/// # Errors
/// Any provider error; a plan that needs STS without a `RoleAssumer`.
pub fn execute_plan(
    chain: &ProfileChain,
    env: &Env,
    assumer: Option<&dyn RoleAssumer>,
) -> Result<Credentials, Error> {
    execute_plan_with(chain, env, assumer, &PlanContext::default())
}

/// As [`execute_plan`], with a [`PlanContext`].
///
/// # Errors
/// As [`execute_plan`].
pub fn execute_plan_with(
    chain: &ProfileChain,
    env: &Env,
    assumer: Option<&dyn RoleAssumer>,
    ctx: &PlanContext,
) -> Result<Credentials, Error> {
    let need_sts = || -> Error {
        CredentialsError::new(
            format!("profile:{}", chain.profile),
            "this profile assumes a role, which needs an STS client (set a RoleAssumer)",
        )
        .into()
    };
    let cached = assumer.and_then(|a| {
        chain
            .roles
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, hop)| a.cached(hop).map(|c| (i + 1, c)))
    });
    let (start, mut creds) = match cached {
        Some(found) => found,
        None => (
            0,
            match &chain.base {
                BaseSource::WebIdentity(w) => {
                    let a = assumer.ok_or_else(need_sts)?;
                    let mut config: WebIdentityConfig = w.clone().into();
                    config.token_file = env.expand_home(
                        &w.token_file.to_string_lossy(),
                        super::env::Platform::current(),
                        "web identity token file",
                    )?;
                    a.assume_role_with_web_identity(&config)?
                }
                other => resolve_base_with(other, env, ctx)?,
            },
        ),
    };
    for hop in chain.roles.iter().skip(start) {
        let a = assumer.ok_or_else(need_sts)?;
        creds = a.assume_role(&creds, hop)?;
    }
    Ok(creds)
}

/// A short description of where a plan's credentials come from, for `sts whoami`:
/// `profile:dev`, `profile:dev (assume-role arn:...)`, `profile:dev (credential_process)`, ...
#[must_use]
pub fn describe_plan(chain: &ProfileChain) -> String {
    let base = match &chain.base {
        BaseSource::Static { .. } => None,
        BaseSource::Process { .. } => Some("credential_process".to_owned()),
        BaseSource::WebIdentity(w) => Some(format!("web-identity {}", w.role_arn)),
        BaseSource::Named(n) => Some(format!("credential_source {}", n.as_str())),
        BaseSource::Sso(_) => Some("sso".to_owned()),
        BaseSource::Login(_) => Some("login".to_owned()),
        BaseSource::Stored { .. } => Some("key store".to_owned()),
    };
    let role = chain
        .roles
        .last()
        .map(|r| format!("assume-role {}", r.role_arn));
    let what: Vec<String> = match (base, role) {
        (Some(b), Some(r)) => vec![b, r],
        (Some(b), None) => vec![b],
        (None, Some(r)) => vec![r],
        (None, None) => vec![],
    };
    if what.is_empty() {
        format!("profile:{}", chain.profile)
    } else {
        format!("profile:{} ({})", chain.profile, what.join(", "))
    }
}

/// Resolves a base source that needs no STS (everything but web identity).
///
/// # Errors
/// The source's error; [`Error::Credentials`] for web identity (use [`RoleAssumer`]).
pub fn resolve_base(base: &BaseSource, env: &Env) -> Result<Credentials, Error> {
    resolve_base_with(base, env, &PlanContext::default())
}

/// The transport of the providers a profile names (SSO, `aws login`): proxies from `env`, and the CA
/// bundle of `AWS_CA_BUNDLE`, else the selected profile's `ca_bundle`.
#[cfg(feature = "client")]
fn provider_transport(
    env: &Env,
    set: Option<&ProfileSet>,
) -> Result<crate::transport::TransportConfig, Error> {
    Ok(crate::transport::TransportConfig::for_provider(
        env,
        CA_BUNDLE.get(env, set.and_then(ProfileSet::selected))?,
        std::time::Duration::from_secs(3),
    ))
}

// Without the client, every source that reads the context (SSO, login, the CLI cache) is out.
#[cfg_attr(not(feature = "client"), allow(unused_variables))]
fn resolve_base_with(
    base: &BaseSource,
    env: &Env,
    ctx: &PlanContext,
) -> Result<Credentials, Error> {
    #[cfg(feature = "client")]
    let profiles = || -> Option<Arc<ProfileSet>> {
        ctx.profiles
            .clone()
            .or_else(|| ProfileSet::load(env).ok().map(Arc::new))
    };
    match base {
        BaseSource::Static { credentials, .. } => Ok(credentials.clone()),
        BaseSource::Stored { profile } => match &ctx.key_store {
            Some(store) => store.keys(profile),
            None => Err(CredentialsError::new(
                format!("profile:{profile}"),
                "this profile's keys are in a key store, and none was given",
            )
            .into()),
        },
        BaseSource::Process {
            profile,
            command,
            account_id,
        } => ProcessProvider::from_command(command.clone())
            .account_id(account_id.clone())
            .name(format!("profile:{profile}"))
            .provide_credentials(),
        BaseSource::Named(NamedSource::Environment) => {
            EnvironmentProvider::new(env.clone()).provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Named(NamedSource::EcsContainer) => {
            super::container::ContainerProvider::from_env(env)?.provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Named(NamedSource::Ec2InstanceMetadata) => {
            let set = profiles();
            let mut p = super::imds::ImdsProvider::from_env(
                env,
                set.as_deref().and_then(ProfileSet::selected),
            )?;
            if let Some(c) = &ctx.clock {
                p = p.clock(c.clone());
            }
            p.provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Sso(s) => {
            let home = env
                .home_dir(Platform::current())
                .ok_or_else(|| Error::File {
                    what: "SSO token cache",
                    path: "~/.aws/sso/cache".into(),
                    problem: crate::error::FileProblem::NoHomeDirectory,
                })?;
            let set = profiles();
            let (endpoint, oidc) = match &set {
                Some(set) => (
                    set.configured_endpoint_url(env, "sso"),
                    set.configured_endpoint_url(env, "sso-oidc"),
                ),
                None => (
                    env.get("AWS_ENDPOINT_URL_SSO"),
                    env.get("AWS_ENDPOINT_URL_SSO_OIDC"),
                ),
            };
            let mut p = super::sso::SsoProvider::new(s.clone(), &home)
                .endpoint(endpoint)
                .oidc_endpoint(oidc)
                .transport(provider_transport(env, set.as_deref())?);
            if let Some(c) = &ctx.clock {
                p = p.clock(c.clone());
            }
            let slot = match (&ctx.cli_cache, &s.account_id, &s.role_name) {
                (Some(cache), Some(account), Some(role)) => Some((
                    cache,
                    super::cli_cache::sso_cache_key(
                        account,
                        role,
                        s.session_name.as_deref(),
                        &s.start_url,
                    ),
                )),
                _ => None,
            };
            let now = ctx
                .clock
                .as_ref()
                .map_or_else(time::OffsetDateTime::now_utc, |c| c());
            if let Some(c) = slot.as_ref().and_then(|(cache, key)| cache.load(key, now)) {
                return Ok(c);
            }
            let c = p.provide_credentials()?;
            if let Some((cache, key)) = slot {
                cache.store_quietly(&key, super::cli_cache::sso_entry(&c));
            }
            Ok(c)
        }
        #[cfg(feature = "client")]
        BaseSource::Login(l) => {
            let dir = super::login::cache_dir(env)?.ok_or_else(|| {
                Error::from(CredentialsError::new(
                    "login",
                    "no home directory (HOME is unset) and no AWS_LOGIN_CACHE_DIRECTORY",
                ))
            })?;
            let set = profiles();
            let selected = set.as_deref().and_then(ProfileSet::selected);
            // The region as the client reads it, else that of the profile holding the session.
            let region = REGION.get(env, selected)?.or_else(|| l.region.clone());
            let endpoint = match &set {
                Some(set) => set.configured_endpoint_url(env, "signin"),
                None => env.get("AWS_ENDPOINT_URL_SIGNIN"),
            };
            let mut p = super::login::LoginProvider::new(&l.session, &dir)
                .transport(provider_transport(env, set.as_deref())?)
                .profile(Some(l.profile.clone()))
                .region(region)
                .endpoint(endpoint)
                .fips_dual_stack(USE_FIPS.on(env, selected), USE_DUAL_STACK.on(env, selected));
            if let Some(c) = &ctx.clock {
                p = p.clock(c.clone());
            }
            p.provide_credentials()
        }
        #[cfg(not(feature = "client"))]
        BaseSource::Named(_) | BaseSource::Sso(_) | BaseSource::Login(_) => {
            Err(CredentialsError::new("profile", "this source needs the `client` feature").into())
        }
        BaseSource::WebIdentity(_) => Err(CredentialsError::new(
            "web_identity",
            "web identity needs an STS client (set a RoleAssumer)",
        )
        .into()),
    }
}

/// The profile files, read at most once and shared by the chain's steps.
#[derive(Debug)]
pub(crate) struct SharedProfiles {
    env: Env,
    given: Option<Arc<ProfileSet>>,
    loaded: std::sync::OnceLock<Result<Arc<ProfileSet>, String>>,
}

impl SharedProfiles {
    fn get(&self) -> Result<Arc<ProfileSet>, Error> {
        if let Some(s) = &self.given {
            return Ok(s.clone());
        }
        self.loaded
            .get_or_init(|| {
                ProfileSet::load(&self.env)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|m| {
                CredentialsError::new("profile", format!("could not parse profile file: {m}"))
                    .into()
            })
    }
}

#[derive(Debug)]
struct EnvStep(Env);

impl ChainStep for EnvStep {
    fn name(&self) -> String {
        "environment".to_owned()
    }
    fn attempt(&self) -> StepResult {
        let p = EnvironmentProvider::new(self.0.clone());
        if !p.is_configured() {
            return StepResult::NotConfigured(
                "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY not set".to_owned(),
            );
        }
        match p.provide_credentials() {
            Ok(c) => StepResult::Found(c),
            Err(e) => StepResult::Failed(e),
        }
    }
}

#[derive(Debug)]
struct ProfileStep {
    env: Env,
    assumer: Option<Arc<dyn RoleAssumer>>,
    profiles: Arc<SharedProfiles>,
    ctx: PlanContext,
    found: std::sync::Mutex<Option<String>>,
}

impl ChainStep for ProfileStep {
    fn name(&self) -> String {
        "profile".to_owned()
    }
    fn attempt(&self) -> StepResult {
        let mut set = match self.profiles.get() {
            Ok(s) => s,
            Err(e) => return StepResult::Failed(e),
        };
        if let Some(store) = &self.ctx.key_store {
            match store.profiles() {
                Ok(names) if names.is_empty() => {}
                Ok(names) => set = Arc::new((*set).clone().with_stored_keys(names)),
                Err(e) => return StepResult::Failed(e),
            }
        }
        let chain = match plan::plan(&set) {
            Ok(c) => c,
            Err(e) if e.not_configured => return StepResult::NotConfigured(e.message),
            Err(e) => return StepResult::Failed(e.into()),
        };
        let ctx = PlanContext {
            profiles: Some(set),
            ..self.ctx.clone()
        };
        match execute_plan_with(&chain, &self.env, self.assumer.as_deref(), &ctx) {
            Ok(c) => {
                *self.found.lock().unwrap_or_else(|e| e.into_inner()) = Some(describe_plan(&chain));
                StepResult::Found(c)
            }
            Err(e) => StepResult::Failed(e),
        }
    }
    fn found_name(&self) -> String {
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| "profile".to_owned())
    }
}

#[derive(Debug)]
struct WebIdentityStep(Env, Option<Arc<dyn RoleAssumer>>);

impl ChainStep for WebIdentityStep {
    fn name(&self) -> String {
        "web_identity".to_owned()
    }
    fn attempt(&self) -> StepResult {
        let cfg = match WebIdentityConfig::from_env(&self.0) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return StepResult::NotConfigured("AWS_WEB_IDENTITY_TOKEN_FILE not set".to_owned());
            }
            Err(e) => return StepResult::Failed(e),
        };
        let Some(a) = &self.1 else {
            return StepResult::Failed(
                CredentialsError::new(
                    "web_identity",
                    "web identity needs an STS client (set a RoleAssumer)",
                )
                .into(),
            );
        };
        match a.assume_role_with_web_identity(&cfg) {
            Ok(c) => StepResult::Found(c),
            Err(e) => StepResult::Failed(e),
        }
    }
    fn found_name(&self) -> String {
        "web-identity".to_owned()
    }
}

#[cfg(feature = "client")]
#[derive(Debug)]
struct ContainerStep(Env);

#[cfg(feature = "client")]
impl ChainStep for ContainerStep {
    fn name(&self) -> String {
        "container".to_owned()
    }
    fn attempt(&self) -> StepResult {
        if !super::container::is_configured(&self.0) {
            return StepResult::NotConfigured(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set".to_owned(),
            );
        }
        match super::container::ContainerProvider::from_env(&self.0)
            .and_then(|p| p.provide_credentials())
        {
            Ok(c) => StepResult::Found(c),
            Err(e) => StepResult::Failed(e),
        }
    }
}

#[cfg(feature = "client")]
struct ImdsStep {
    env: Env,
    profiles: Arc<SharedProfiles>,
    clock: Option<super::cache::Clock>,
    provider: std::sync::OnceLock<Result<super::imds::ImdsProvider, String>>,
}

#[cfg(feature = "client")]
impl fmt::Debug for ImdsStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsStep").finish_non_exhaustive()
    }
}

#[cfg(feature = "client")]
impl ChainStep for ImdsStep {
    fn name(&self) -> String {
        "imds".to_owned()
    }
    fn attempt(&self) -> StepResult {
        if super::imds::is_disabled(&self.env) {
            return StepResult::NotConfigured("disabled by AWS_EC2_METADATA_DISABLED".to_owned());
        }
        // One provider for the chain's life, so static stability can remember the last credentials.
        let p = self.provider.get_or_init(|| {
            let set = self.profiles.get().ok();
            super::imds::ImdsProvider::from_env(
                &self.env,
                set.as_deref().and_then(ProfileSet::selected),
            )
            .map(|p| match &self.clock {
                Some(c) => p.clock(c.clone()),
                None => p,
            })
            .map_err(|e| e.to_string())
        });
        let p = match p {
            Ok(p) => p,
            Err(m) => return StepResult::Failed(Error::config(m.clone())),
        };
        match p.provide_credentials() {
            Ok(c) => StepResult::Found(c),
            Err(e) => {
                let transport = match &e {
                    Error::Credentials(ce) => {
                        matches!(
                            ce.source.as_deref(),
                            Some(Error::Transport { .. } | Error::Timeout { .. })
                        ) || ce.message.starts_with(super::imds::NO_ROLE)
                            || ce.message.starts_with(super::imds::FORBIDDEN)
                    }
                    Error::Transport { .. } | Error::Timeout { .. } => true,
                    _ => false,
                };
                if transport {
                    StepResult::NotConfigured(format!("not available: {e}"))
                } else {
                    StepResult::Failed(e)
                }
            }
        }
    }
}

/// Builds a [`DefaultChain`] with options; start with [`DefaultChain::builder`].
pub struct DefaultChainBuilder {
    env: Env,
    assumer: Option<Arc<dyn RoleAssumer>>,
    profiles: Option<Arc<ProfileSet>>,
    skip_environment: bool,
    clock: Option<super::cache::Clock>,
    cli_cache: Option<super::cli_cache::CliCache>,
    key_store: Option<Arc<dyn KeyStore>>,
}

impl fmt::Debug for DefaultChainBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultChainBuilder")
            .field("assumer", &self.assumer)
            .field("skip_environment", &self.skip_environment)
            .field("key_store", &self.key_store)
            .finish_non_exhaustive()
    }
}

impl DefaultChainBuilder {
    /// Assumes roles (profile hops, web identity) through `assumer`.
    #[must_use]
    pub fn role_assumer(mut self, assumer: Option<Arc<dyn RoleAssumer>>) -> Self {
        self.assumer = assumer;
        self
    }

    /// Uses these already-loaded profile files (and their selected profile) instead of reading
    /// them on first use.
    #[must_use]
    pub fn profiles(mut self, profiles: Arc<ProfileSet>) -> Self {
        self.profiles = Some(profiles);
        self
    }

    /// Leaves out the environment step: the AWS CLI does so when a profile is chosen explicitly
    /// (`--profile`), so that the profile wins over keys in the environment.
    #[must_use]
    pub fn skip_environment(mut self, skip: bool) -> Self {
        self.skip_environment = skip;
        self
    }

    /// Uses `clock` for IMDS static stability and SSO token expiry (tests replaying recordings).
    #[must_use]
    pub fn clock(mut self, clock: super::cache::Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Reuses and writes SSO role credentials in the AWS CLI's credential cache (role sessions are
    /// cached by the [`RoleAssumer`]; see `StsRoleAssumer::cli_cache`). Off by default: the cache
    /// keeps live session credentials on disk (see the [security note](super::CliCache)).
    #[must_use]
    pub fn cli_cache(mut self, cache: Option<super::cli_cache::CliCache>) -> Self {
        self.cli_cache = cache;
        self
    }

    /// Takes the long-term keys of the profiles `store` holds from it (see [`KeyStore`]).
    #[must_use]
    pub fn key_store(mut self, store: Option<Arc<dyn KeyStore>>) -> Self {
        self.key_store = store;
        self
    }

    /// Builds a chain of the profile step alone (the profile-file provider; "not enabled" when the
    /// selected profile has no credential settings).
    #[must_use]
    pub fn build_profile_only(self) -> DefaultChain {
        let profiles = Arc::new(SharedProfiles {
            env: self.env.clone(),
            given: self.profiles,
            loaded: std::sync::OnceLock::new(),
        });
        DefaultChain::from_steps(vec![Box::new(ProfileStep {
            env: self.env,
            assumer: self.assumer,
            profiles,
            ctx: PlanContext {
                profiles: None,
                clock: self.clock,
                cli_cache: self.cli_cache,
                key_store: self.key_store,
            },
            found: std::sync::Mutex::new(None),
        })])
    }

    /// Builds the chain.
    #[must_use]
    pub fn build(self) -> DefaultChain {
        let env = self.env;
        let profiles = Arc::new(SharedProfiles {
            env: env.clone(),
            given: self.profiles,
            loaded: std::sync::OnceLock::new(),
        });
        let mut steps: Vec<Box<dyn ChainStep>> = Vec::new();
        if !self.skip_environment {
            steps.push(Box::new(EnvStep(env.clone())));
        }
        steps.push(Box::new(ProfileStep {
            env: env.clone(),
            assumer: self.assumer.clone(),
            profiles: profiles.clone(),
            ctx: PlanContext {
                profiles: None,
                clock: self.clock.clone(),
                cli_cache: self.cli_cache,
                key_store: self.key_store,
            },
            found: std::sync::Mutex::new(None),
        }));
        steps.push(Box::new(WebIdentityStep(env.clone(), self.assumer)));
        #[cfg(feature = "client")]
        {
            steps.push(Box::new(ContainerStep(env.clone())));
            steps.push(Box::new(ImdsStep {
                env,
                profiles,
                clock: self.clock,
                provider: std::sync::OnceLock::new(),
            }));
        }
        #[cfg(not(feature = "client"))]
        drop((env, profiles, self.clock));
        DefaultChain::from_steps(steps)
    }
}

/// The default credential chain, as the AWS CLI searches: environment → profile → web identity
/// (environment) → container → IMDS. Wrap it in a [`CachedProvider`](super::CachedProvider) for
/// repeated use (or let `Settings` build both, with the `client` feature).
///
/// Each step either finds credentials, says it is not configured (the chain moves on), or fails (the
/// chain stops: a broken configuration must not silently fall through to another identity). IMDS
/// transport failures count as "not available" so that running off EC2 ends in one "no credentials"
/// error listing every source tried and why it was skipped. IMDS is probed only when nothing before
/// it is configured (set `AWS_EC2_METADATA_DISABLED=true` to skip it).
///
/// Role assumption (profile `role_arn` hops and web identity) needs STS: pass a [`RoleAssumer`]
/// (`StsRoleAssumer`, with the `client` feature); without one, such profiles fail with a clear
/// message.
///
/// ```
/// use sts_blocking::credentials::{DefaultChain, Env, ProfileSet, ProvideCredentials, Section};
/// use std::sync::Arc;
///
/// // A real program reads the process environment: `DefaultChain::new(Env::real())`.
/// let env = Env::from_map([
///     ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
///     ("AWS_SECRET_ACCESS_KEY", "secret"),
///     ("HOME", "/nonexistent"),
/// ]);
/// let chain = DefaultChain::new(env);
/// assert_eq!(chain.step_names()[..2], ["environment", "profile"]);
/// assert_eq!(chain.provide_credentials()?.access_key_id, "AKIDEXAMPLE");
/// assert_eq!(chain.source_name(), "environment");
///
/// // Profiles given in memory instead of read from ~/.aws.
/// let profiles = ProfileSet::from_sections(
///     vec![Section::new("ci", [("aws_access_key_id", "AKIDCI"), ("aws_secret_access_key", "s")])],
///     vec![],
///     "ci",
/// );
/// let env = Env::from_map([("HOME", "/nonexistent"), ("AWS_EC2_METADATA_DISABLED", "true")]);
/// let chain = DefaultChain::builder(env.clone()).profiles(Arc::new(profiles)).build();
/// assert_eq!(chain.provide_credentials()?.access_key_id, "AKIDCI");
///
/// // Nothing configured: one error listing every source tried.
/// let e = DefaultChain::new(env).provide_credentials().unwrap_err();
/// assert!(e.is_no_credentials());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug)]
pub struct DefaultChain {
    steps: Vec<Box<dyn ChainStep>>,
    found: std::sync::Mutex<Option<String>>,
}

impl DefaultChain {
    /// The default steps reading `env`, without STS (role profiles and web identity fail).
    #[must_use]
    pub fn new(env: Env) -> Self {
        Self::with_role_assumer(env, None)
    }

    /// The default steps reading `env`, assuming roles through `assumer`.
    #[must_use]
    pub fn with_role_assumer(env: Env, assumer: Option<Arc<dyn RoleAssumer>>) -> Self {
        Self::builder(env).role_assumer(assumer).build()
    }

    /// A builder for a chain reading `env` (no role assumer, profiles read on first use).
    #[must_use]
    pub fn builder(env: Env) -> DefaultChainBuilder {
        DefaultChainBuilder {
            env,
            assumer: None,
            profiles: None,
            skip_environment: false,
            clock: None,
            cli_cache: None,
            key_store: None,
        }
    }

    /// A chain of custom steps.
    #[must_use]
    pub(crate) fn from_steps(steps: Vec<Box<dyn ChainStep>>) -> Self {
        Self {
            steps,
            found: std::sync::Mutex::new(None),
        }
    }

    /// The step names in order.
    #[must_use]
    pub fn step_names(&self) -> Vec<String> {
        self.steps.iter().map(|s| s.name()).collect()
    }
}

impl ProvideCredentials for DefaultChain {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let mut tried = Vec::new();
        for step in &self.steps {
            match step.attempt() {
                StepResult::Found(c) => {
                    let name = step.found_name();
                    log::debug!("credentials found by {name}");
                    *self.found.lock().unwrap_or_else(|e| e.into_inner()) = Some(name);
                    return Ok(c);
                }
                StepResult::NotConfigured(why) => {
                    tried.push((step.name(), format!("skipped: {why}")))
                }
                StepResult::Failed(e) => {
                    tried.push((step.name(), format!("failed: {e}")));
                    return Err(CredentialsError {
                        provider: step.name(),
                        message: "credential source failed".to_owned(),
                        tried,
                        source: Some(Box::new(e)),
                    }
                    .into());
                }
            }
        }
        Err(CredentialsError {
            provider: "chain".to_owned(),
            message: "no credentials found: the credential provider was not enabled for any source"
                .to_owned(),
            tried,
            source: None,
        }
        .into())
    }

    /// The source that found the last credentials (`environment`, `profile:dev (assume-role
    /// arn:...)`, `web-identity`, `container`, `imds`), or `default-chain` before any were found.
    fn source_name(&self) -> String {
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| "default-chain".to_owned())
    }
}
