//! The default credential chain: environment → profile → web identity (environment) → container → IMDS.
//!
//! Each step either finds credentials, says it is not configured (the chain moves on), or fails (the
//! chain stops: a broken configuration must not silently fall through to another identity). IMDS
//! transport failures count as "not available" so that running off EC2 ends in one "no credentials"
//! error listing every source tried and why it was skipped.
//!
//! Role assumption (profile `role_arn` hops and web identity) needs STS. It goes through the
//! [`RoleAssumer`] hook; without one, such profiles fail with a clear message.

use super::plan;
use super::sources::{PlanContext, RoleAssumer, describe_plan, execute_plan_with};
use super::{Credentials, KeyStore, ProvideCredentials};
use crate::Error;
use crate::credentials::providers::env_vars::EnvironmentProvider;
use crate::credentials::providers::web_identity::WebIdentityConfig;
use crate::env::Env;
use crate::error::CredentialsError;
use crate::profile::ProfileSet;
use std::fmt;
use std::sync::Arc;

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
    /// `DefaultChainBuilder::role_duration_seconds`.
    role_duration: Option<u32>,
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
        let mut chain = match plan::plan(&set) {
            Ok(c) => c,
            Err(e) if e.not_configured => return StepResult::NotConfigured(e.message),
            Err(e) => return StepResult::Failed(e.into()),
        };
        if let (Some(d), Some(last)) = (self.role_duration, chain.roles.last_mut()) {
            last.duration_seconds = Some(d);
        }
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
        if !crate::credentials::providers::container::is_configured(&self.0) {
            return StepResult::NotConfigured(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set".to_owned(),
            );
        }
        match crate::credentials::providers::container::ContainerProvider::from_env(&self.0)
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
    clock: Option<crate::credentials::cached::Clock>,
    provider:
        std::sync::OnceLock<Result<crate::credentials::providers::imds::ImdsProvider, String>>,
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
        if crate::credentials::providers::imds::is_disabled(&self.env) {
            return StepResult::NotConfigured("disabled by AWS_EC2_METADATA_DISABLED".to_owned());
        }
        // One provider for the chain's life, so static stability can remember the last credentials.
        let p = self.provider.get_or_init(|| {
            let set = self.profiles.get().ok();
            crate::credentials::providers::imds::ImdsProvider::from_env(
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
                        ) || ce
                            .message
                            .starts_with(crate::credentials::providers::imds::NO_ROLE)
                            || ce
                                .message
                                .starts_with(crate::credentials::providers::imds::FORBIDDEN)
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

/// Makes the role assumer of a chain as it is built, from the chain's environment, profiles and
/// clock: with the `client` feature, [`DefaultChain::new`] and [`DefaultChain::builder`] hand in
/// one that makes an STS role assumer from the settings they resolve (the client module sits
/// above this one, so this module never names it).
pub(crate) type MakeRoleAssumer = fn(
    &Env,
    Option<&Arc<ProfileSet>>,
    Option<&crate::credentials::cached::Clock>,
) -> Arc<dyn RoleAssumer>;

/// Builds a [`DefaultChain`] with options; start with [`DefaultChain::builder`].
pub struct DefaultChainBuilder {
    env: Env,
    assumer: Option<Arc<dyn RoleAssumer>>,
    /// Makes the assumer at build time, unless [`DefaultChainBuilder::role_assumer`] set one.
    make_assumer: Option<MakeRoleAssumer>,
    profiles: Option<Arc<ProfileSet>>,
    skip_environment: bool,
    clock: Option<crate::credentials::cached::Clock>,
    cli_cache: Option<super::cli_cache::CliCache>,
    sso_login: Option<Arc<dyn super::SsoLogin>>,
    role_duration: Option<u32>,
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
    /// A builder for a chain reading `env`, whose role assumer `make_assumer` makes (none without).
    pub(crate) fn new(env: Env, make_assumer: Option<MakeRoleAssumer>) -> Self {
        Self {
            env,
            assumer: None,
            make_assumer,
            profiles: None,
            skip_environment: false,
            clock: None,
            cli_cache: None,
            sso_login: None,
            role_duration: None,
            key_store: None,
        }
    }

    /// Assumes roles (profile hops, web identity) through `assumer`, in place of the default
    /// (`None`: such profiles fail, saying they need STS).
    #[must_use]
    pub fn role_assumer(mut self, assumer: Option<Arc<dyn RoleAssumer>>) -> Self {
        self.assumer = assumer;
        self.make_assumer = None;
        self
    }

    /// The assumer set, or the one made for this chain.
    fn take_assumer(&mut self) -> Option<Arc<dyn RoleAssumer>> {
        let made = self
            .make_assumer
            .map(|make| make(&self.env, self.profiles.as_ref(), self.clock.as_ref()));
        self.assumer.take().or(made)
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
    pub fn clock(mut self, clock: crate::credentials::cached::Clock) -> Self {
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

    /// Signs the user in through `login` when an SSO profile's token is missing or expired
    /// beyond refresh, then tries the profile once more (see [`SsoLogin`](super::SsoLogin)).
    #[must_use]
    pub fn sso_login(mut self, login: Option<Arc<dyn super::SsoLogin>>) -> Self {
        self.sso_login = login;
        self
    }

    /// Sends `DurationSeconds` = `seconds` when assuming the selected profile's own role (the
    /// last `AssumeRole` of its chain) instead of its `duration_seconds`, as `aws-vault exec
    /// --duration` does; `None` (the default) keeps the profile's. Roles earlier in the chain keep
    /// theirs. The AWS CLI's cache (see [`DefaultChainBuilder::cli_cache`]) keys the session with
    /// the duration, as botocore keys a profile that says `duration_seconds = seconds`: each
    /// duration is an entry of its own. STS checks it against the role's maximum session
    /// duration.
    #[must_use]
    pub fn role_duration_seconds(mut self, seconds: Option<u32>) -> Self {
        self.role_duration = seconds;
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
    pub fn build_profile_only(mut self) -> DefaultChain {
        let assumer = self.take_assumer();
        let profiles = Arc::new(SharedProfiles {
            env: self.env.clone(),
            given: self.profiles,
            loaded: std::sync::OnceLock::new(),
        });
        DefaultChain::from_steps(vec![Box::new(ProfileStep {
            env: self.env,
            assumer,
            profiles,
            ctx: PlanContext {
                profiles: None,
                clock: self.clock,
                cli_cache: self.cli_cache,
                sso_login: self.sso_login,
                key_store: self.key_store,
            },
            role_duration: self.role_duration,
            found: std::sync::Mutex::new(None),
        })])
    }

    /// Builds the chain.
    #[must_use]
    pub fn build(mut self) -> DefaultChain {
        let assumer = self.take_assumer();
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
            assumer: assumer.clone(),
            profiles: profiles.clone(),
            ctx: PlanContext {
                profiles: None,
                clock: self.clock.clone(),
                cli_cache: self.cli_cache,
                sso_login: self.sso_login,
                key_store: self.key_store,
            },
            role_duration: self.role_duration,
            found: std::sync::Mutex::new(None),
        }));
        steps.push(Box::new(WebIdentityStep(env.clone(), assumer)));
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
/// Role assumption (profile `role_arn` hops and web identity) needs STS. With the `client`
/// feature, [`DefaultChain::new`] and [`DefaultChain::builder`] assume those roles through STS with
/// the endpoint, region, retries and CA bundle that the chain's environment and profiles
/// configure, as `Sts::from_env` would; [`DefaultChainBuilder::role_assumer`] sets another
/// [`RoleAssumer`] (`Settings::role_assumer` with an MFA callback, say), or none (such profiles
/// then fail with a clear message).
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
/// // Nothing configured: one error listing every source tried, and what to do.
/// let e = DefaultChain::new(env).provide_credentials().unwrap_err();
/// assert!(e.is_no_credentials());
/// assert!(e.to_string().contains("aws configure"));
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug)]
pub struct DefaultChain {
    steps: Vec<Box<dyn ChainStep>>,
    found: std::sync::Mutex<Option<String>>,
}

// With the `client` feature `new` and `builder` assume the roles of profiles through STS: they are
// defined beside the STS role assumer, in the client module (client/default_chain.rs).
impl DefaultChain {
    /// The AWS CLI's chain reading `env`. Without the `client` feature there is no STS: profiles
    /// that assume a role, and web identity, fail saying so.
    #[cfg(not(feature = "client"))]
    #[must_use]
    pub fn new(env: Env) -> Self {
        Self::builder(env).build()
    }

    /// The default steps reading `env`, assuming roles through `assumer`.
    #[must_use]
    pub fn with_role_assumer(env: Env, assumer: Option<Arc<dyn RoleAssumer>>) -> Self {
        Self::builder(env).role_assumer(assumer).build()
    }

    /// A builder for a chain reading `env` (profiles read on first use; without the `client`
    /// feature, no role assumer).
    #[cfg(not(feature = "client"))]
    #[must_use]
    pub fn builder(env: Env) -> DefaultChainBuilder {
        DefaultChainBuilder::new(env, None)
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
            message: "no credentials found: the credential provider was not enabled for any \
                      source; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a \
                      profile (`aws configure`, `aws configure sso`, `aws login`) and select it \
                      with AWS_PROFILE"
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
