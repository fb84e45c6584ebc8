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
use super::{Credentials, ProvideCredentials};
use crate::Error;
use crate::error::CredentialsError;
use std::fmt;
use std::sync::Arc;

/// What the STS client must provide to the chain (implemented in phase 2 with `Sts`).
pub trait RoleAssumer: Send + Sync + fmt::Debug {
    /// `AssumeRole` for one hop, signed with `source`.
    ///
    /// # Errors
    /// Any STS or transport error.
    fn assume_role(&self, source: &Credentials, hop: &RoleHop) -> Result<Credentials, Error>;

    /// `AssumeRoleWithWebIdentity` with the token read from `config` (re-read on every call).
    ///
    /// # Errors
    /// Any STS, transport or token-file error.
    fn assume_role_with_web_identity(
        &self,
        config: &WebIdentityConfig,
    ) -> Result<Credentials, Error>;
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
    let need_sts = || -> Error {
        CredentialsError::new(
            format!("profile:{}", chain.profile),
            "this profile assumes a role, which needs an STS client (set a RoleAssumer)",
        )
        .into()
    };
    let mut creds = match &chain.base {
        BaseSource::WebIdentity(w) => {
            let a = assumer.ok_or_else(need_sts)?;
            a.assume_role_with_web_identity(&w.clone().into())?
        }
        other => resolve_base(other, env)?,
    };
    for hop in &chain.roles {
        let a = assumer.ok_or_else(need_sts)?;
        creds = a.assume_role(&creds, hop)?;
    }
    Ok(creds)
}

/// Resolves a base source that needs no STS (everything but web identity).
///
/// # Errors
/// The source's error; [`Error::Credentials`] for web identity (use [`RoleAssumer`]).
pub fn resolve_base(base: &BaseSource, env: &Env) -> Result<Credentials, Error> {
    match base {
        BaseSource::Static { credentials, .. } => Ok(credentials.clone()),
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
            let set = ProfileSet::load(env).ok();
            super::imds::ImdsProvider::from_env(env, set.as_ref().and_then(ProfileSet::selected))?
                .provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Sso(s) => {
            let home = env.home_dir(Platform::current()).ok_or_else(|| {
                Error::from(CredentialsError::new(
                    "sso",
                    "no home directory (HOME is unset)",
                ))
            })?;
            super::sso::SsoProvider::new(s.clone(), &home)
                .endpoint(env.get("AWS_ENDPOINT_URL_SSO"))
                .provide_credentials()
        }
        #[cfg(not(feature = "client"))]
        BaseSource::Named(_) | BaseSource::Sso(_) => {
            Err(CredentialsError::new("profile", "this source needs the `client` feature").into())
        }
        BaseSource::WebIdentity(_) => Err(CredentialsError::new(
            "web_identity",
            "web identity needs an STS client (set a RoleAssumer)",
        )
        .into()),
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
struct ProfileStep(Env, Option<Arc<dyn RoleAssumer>>);

impl ChainStep for ProfileStep {
    fn name(&self) -> String {
        "profile".to_owned()
    }
    fn attempt(&self) -> StepResult {
        let set = match ProfileSet::load(&self.0) {
            Ok(s) => s,
            Err(e) => return StepResult::Failed(e),
        };
        let chain = match plan::plan(&set) {
            Ok(c) => c,
            Err(e) if e.not_configured => return StepResult::NotConfigured(e.message),
            Err(e) => return StepResult::Failed(e.into()),
        };
        match execute_plan(&chain, &self.0, self.1.as_deref()) {
            Ok(c) => StepResult::Found(c),
            Err(e) => StepResult::Failed(e),
        }
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
#[derive(Debug)]
struct ImdsStep(
    Env,
    std::sync::OnceLock<Result<super::imds::ImdsProvider, String>>,
);

#[cfg(feature = "client")]
impl ChainStep for ImdsStep {
    fn name(&self) -> String {
        "imds".to_owned()
    }
    fn attempt(&self) -> StepResult {
        if super::imds::is_disabled(&self.0) {
            return StepResult::NotConfigured("disabled by AWS_EC2_METADATA_DISABLED".to_owned());
        }
        // One provider for the chain's life, so static stability can remember the last credentials.
        let p = self.1.get_or_init(|| {
            let set = ProfileSet::load(&self.0).ok();
            super::imds::ImdsProvider::from_env(
                &self.0,
                set.as_ref().and_then(ProfileSet::selected),
            )
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
                    Error::Credentials(ce) => matches!(
                        ce.source.as_deref(),
                        Some(Error::Transport { .. } | Error::Timeout { .. })
                    ),
                    Error::Transport { .. } | Error::Timeout { .. } => true,
                    _ => false,
                };
                if transport {
                    StepResult::NotConfigured(format!("not reachable: {e}"))
                } else {
                    StepResult::Failed(e)
                }
            }
        }
    }
}

/// The default chain; see the [module docs](self). Wrap it in a
/// [`CachedProvider`](super::CachedProvider) for repeated use.
#[derive(Debug)]
pub struct DefaultChain {
    steps: Vec<Box<dyn ChainStep>>,
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
        #[cfg_attr(not(feature = "client"), allow(unused_mut))]
        let mut steps: Vec<Box<dyn ChainStep>> = vec![
            Box::new(EnvStep(env.clone())),
            Box::new(ProfileStep(env.clone(), assumer.clone())),
            Box::new(WebIdentityStep(env.clone(), assumer)),
        ];
        #[cfg(feature = "client")]
        {
            steps.push(Box::new(ContainerStep(env.clone())));
            steps.push(Box::new(ImdsStep(env, std::sync::OnceLock::new())));
        }
        #[cfg(not(feature = "client"))]
        drop(env);
        Self { steps }
    }

    /// A chain of custom steps.
    #[must_use]
    pub fn from_steps(steps: Vec<Box<dyn ChainStep>>) -> Self {
        Self { steps }
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
                    log::debug!("credentials found by {}", step.name());
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
            message: "no credentials found in any source".to_owned(),
            tried,
            source: None,
        }
        .into())
    }

    fn source_name(&self) -> String {
        "default-chain".to_owned()
    }
}
