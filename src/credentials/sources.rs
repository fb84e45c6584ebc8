//! Running a profile's plan (`plan.rs`): the provider of its base source, one constructor per
//! source, then the roles it names, assumed in order through a [`RoleAssumer`] (STS, with the
//! `client` feature).

use crate::Error;
#[cfg(feature = "client")]
use crate::credentials::cli_cache;
#[cfg(feature = "client")]
use crate::credentials::login::LoginProvider;
use crate::credentials::plan::{BaseSource, NamedSource, ProfileChain, RoleHop};
#[cfg(feature = "client")]
use crate::credentials::plan::{LoginSource, SsoSource};
use crate::credentials::providers::env_vars::EnvironmentProvider;
use crate::credentials::providers::process::{CommandLine, ProcessProvider};
use crate::credentials::providers::web_identity::WebIdentityConfig;
#[cfg(feature = "client")]
use crate::credentials::providers::{
    container::ContainerProvider, imds::ImdsProvider, sso::SsoProvider,
};
use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
#[cfg(feature = "client")]
use crate::env::Platform;
use crate::error::CredentialsError;
use crate::profile::ProfileSet;
#[cfg(feature = "client")]
use crate::settings::property::{CA_BUNDLE, REGION, USE_DUAL_STACK, USE_FIPS};
use std::fmt;
use std::sync::Arc;

/// How a [`DefaultChain`](super::DefaultChain) assumes the roles a profile names (`role_arn` hops, web identity):
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

/// What a plan runs with besides the environment: the loaded profiles (for the SSO endpoint and
/// IMDS settings) and a clock (for tests that replay old recordings).
#[derive(Clone, Default)]
pub struct PlanContext {
    /// The loaded profile files, if already read.
    pub profiles: Option<Arc<ProfileSet>>,
    /// The clock for IMDS static stability and the SSO token expiry check.
    pub clock: Option<crate::credentials::cached::Clock>,
    /// The AWS CLI's credential cache for SSO role credentials (off when `None`).
    pub cli_cache: Option<super::cli_cache::CliCache>,
    /// What signs the user in when an SSO token is missing or expired (none: fail).
    pub sso_login: Option<Arc<dyn super::SsoLogin>>,
    /// Where profiles marked [`ProfileSet::with_stored_keys`] get their keys.
    pub key_store: Option<Arc<dyn super::KeyStore>>,
}

impl fmt::Debug for PlanContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanContext")
            .field("profiles", &self.profiles.is_some())
            .field("clock", &self.clock.is_some())
            .field("cli_cache", &self.cli_cache)
            .field("sso_login", &self.sso_login.is_some())
            .field("key_store", &self.key_store)
            .finish()
    }
}

/// Runs a profile plan: the roles from the last one the assumer holds in a shared cache, else the
/// base source's credentials, then each role in order.
///
/// # Errors
/// Any provider error; a plan that needs STS without a `RoleAssumer`.
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
                        crate::env::Platform::current(),
                        "web identity token file",
                    )?;
                    a.assume_role_with_web_identity(&config)?
                }
                other => resolve_base(other, env, ctx)?,
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
        BaseSource::Stored { .. } => Some("key store".to_owned()),
        BaseSource::WebIdentity(w) => Some(format!("web-identity {}", w.role_arn)),
        BaseSource::Named(n) => Some(format!("credential_source {}", n.as_str())),
        BaseSource::Sso(_) => Some("sso".to_owned()),
        BaseSource::Login(_) => Some("login".to_owned()),
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

/// The credentials of a base source that needs no STS (everything but web identity): the
/// provider its constructor below builds, asked once.
// Without the client, every source that reads the context (SSO, login, the CLI cache) is out.
#[cfg_attr(not(feature = "client"), allow(unused_variables))]
fn resolve_base(base: &BaseSource, env: &Env, ctx: &PlanContext) -> Result<Credentials, Error> {
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
        } => {
            // `aws_signing_helper credential-process ...`: served natively when it can be.
            #[cfg(feature = "client")]
            if let Some(p) = crate::credentials::providers::roles_anywhere::for_credential_process(
                command,
                env,
                ctx.profiles_or_load(env).as_deref(),
            )? {
                return p.provide_credentials();
            }
            process(profile, command, account_id).provide_credentials()
        }
        BaseSource::Named(NamedSource::Environment) => {
            EnvironmentProvider::new(env.clone()).provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Named(NamedSource::EcsContainer) => {
            ContainerProvider::from_env(env)?.provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Named(NamedSource::Ec2InstanceMetadata) => {
            imds(env, ctx)?.provide_credentials()
        }
        #[cfg(feature = "client")]
        BaseSource::Sso(s) => sso_through_cli_cache(s, env, ctx),
        #[cfg(feature = "client")]
        BaseSource::Login(l) => login(l, env, ctx)?.provide_credentials(),
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

/// `credential_process`: the profile's command, named after the profile.
fn process(profile: &str, command: &CommandLine, account_id: &Option<String>) -> ProcessProvider {
    ProcessProvider::from_command(command.clone())
        .account_id(account_id.clone())
        .name(format!("profile:{profile}"))
}

#[cfg(feature = "client")]
impl PlanContext {
    /// The profile files: those of the context, else read now; `None` when they cannot be read
    /// (a source then takes its settings from the environment alone).
    fn profiles_or_load(&self, env: &Env) -> Option<Arc<ProfileSet>> {
        self.profiles
            .clone()
            .or_else(|| ProfileSet::load(env).ok().map(Arc::new))
    }

    /// Now, by the context's clock.
    fn now(&self) -> time::OffsetDateTime {
        self.clock
            .as_ref()
            .map_or_else(time::OffsetDateTime::now_utc, |c| c())
    }
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

/// EC2 instance metadata (`credential_source = Ec2InstanceMetadata`), with the selected
/// profile's IMDS settings and the plan's clock.
#[cfg(feature = "client")]
fn imds(env: &Env, ctx: &PlanContext) -> Result<ImdsProvider, Error> {
    let set = ctx.profiles_or_load(env);
    let p = ImdsProvider::from_env(env, set.as_deref().and_then(ProfileSet::selected))?;
    Ok(match &ctx.clock {
        Some(c) => p.clock(c.clone()),
        None => p,
    })
}

/// IAM Identity Center: role credentials for the session's cached token, through the SSO and
/// SSO-OIDC endpoints the environment and profiles configure.
#[cfg(feature = "client")]
fn sso(s: &SsoSource, env: &Env, ctx: &PlanContext) -> Result<SsoProvider, Error> {
    let home = env
        .home_dir(Platform::current())
        .ok_or_else(|| Error::File {
            what: "SSO token cache",
            path: "~/.aws/sso/cache".into(),
            problem: crate::error::FileProblem::NoHomeDirectory,
        })?;
    let set = ctx.profiles_or_load(env);
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
    let p = SsoProvider::new(s.clone(), &home)
        .endpoint(endpoint)
        .oidc_endpoint(oidc)
        .transport(provider_transport(env, set.as_deref())?);
    Ok(match &ctx.clock {
        Some(c) => p.clock(c.clone()),
        None => p,
    })
}

/// SSO role credentials through the AWS CLI's credential cache when the plan has it on (keyed as
/// the AWS CLI keys them: account, role, session and start URL), else from [`sso`].
#[cfg(feature = "client")]
fn sso_through_cli_cache(
    s: &SsoSource,
    env: &Env,
    ctx: &PlanContext,
) -> Result<Credentials, Error> {
    let provider = sso(s, env, ctx)?;
    let slot = match (&ctx.cli_cache, &s.account_id, &s.role_name) {
        (Some(cache), Some(account), Some(role)) => Some((
            cache,
            cli_cache::sso_cache_key(account, role, s.session_name.as_deref(), &s.start_url),
        )),
        _ => None,
    };
    if let Some(c) = slot
        .as_ref()
        .and_then(|(cache, key)| cache.load(key, ctx.now()))
    {
        return Ok(c);
    }
    let set = ctx.profiles_or_load(env);
    let profile = set.as_deref().map_or("default", ProfileSet::selected_name);
    let c = crate::credentials::sso_login::with_login(
        ctx.sso_login.as_deref(),
        |reason| {
            super::SsoLoginRequest::new(
                profile,
                s.session_name.clone(),
                s.start_url.clone(),
                s.region.clone(),
                reason,
            )
        },
        provider.cache_path(),
        ctx.now(),
        || provider.provide_credentials(),
    )?;
    if let Some((cache, key)) = slot {
        cache.store_quietly(&key, cli_cache::sso_entry(&c));
    }
    Ok(c)
}

/// An `aws login` session (`login_session`): the login cache, the sign-in endpoint and region the
/// client would use (else the region of the profile holding the session), FIPS and dual-stack.
#[cfg(feature = "client")]
fn login(l: &LoginSource, env: &Env, ctx: &PlanContext) -> Result<LoginProvider, Error> {
    let dir = crate::credentials::login::cache_dir(env)?.ok_or_else(|| {
        Error::from(CredentialsError::new(
            "login",
            "no home directory (HOME is unset) and no AWS_LOGIN_CACHE_DIRECTORY",
        ))
    })?;
    let set = ctx.profiles_or_load(env);
    let selected = set.as_deref().and_then(ProfileSet::selected);
    // The region as the client reads it, else that of the profile holding the session.
    let region = REGION.get(env, selected)?.or_else(|| l.region.clone());
    let endpoint = match &set {
        Some(set) => set.configured_endpoint_url(env, "signin"),
        None => env.get("AWS_ENDPOINT_URL_SIGNIN"),
    };
    let p = LoginProvider::new(&l.session, &dir)
        .transport(provider_transport(env, set.as_deref())?)
        .profile(Some(l.profile.clone()))
        .region(region)
        .endpoint(endpoint)
        .fips_dual_stack(USE_FIPS.on(env, selected), USE_DUAL_STACK.on(env, selected));
    Ok(match &ctx.clock {
        Some(c) => p.clock(c.clone()),
        None => p,
    })
}
