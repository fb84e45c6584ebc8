//! STS-backed providers: [`AssumeRoleProvider`] (`AssumeRole` signed with source credentials, with
//! optional MFA) and [`WebIdentityProvider`] (`AssumeRoleWithWebIdentity`, unsigned, token file
//! re-read on every refresh). Both are cached ([`CachedProvider`]) and can feed another [`Sts`]
//! client: the equivalents of the JS SDK's `getDefaultRoleAssumer` and
//! `getDefaultRoleAssumerWithWebIdentity`.
//!
//! ```no_run
//! use sts_blocking::credentials::assume_role::AssumeRoleProvider;
//! use sts_blocking::{Credentials, Sts};
//! use std::sync::Arc;
//! let user = Arc::new(Credentials::new("AKID", "secret", None));
//! let role = AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/deploy")
//!     .source(user)
//!     .region("eu-west-1")
//!     .build()?;
//! let as_role = Sts::builder().region("eu-west-1").credentials_provider(Arc::new(role)).build()?;
//! println!("{:?}", as_role.get_caller_identity()?.arn);
//! # Ok::<(), sts_blocking::Error>(())
//! ```

use super::mfa::{MfaTokenProvider, fetch_code};
use super::web_identity::WebIdentityConfig;
use super::{CachedProvider, Credentials, ProvideCredentials};
use crate::Error;
use crate::client::Sts;
use crate::error::CredentialsError;
use crate::ops::{AssumeRole, AssumeRoleWithWebIdentity, PolicyDescriptor, Tag};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The session duration used when none is configured (the JS SDK's profile default).
pub const DEFAULT_DURATION_SECONDS: i32 = 3600;

/// A generated session name: `sts-blocking-<unix ms>`.
#[must_use]
pub fn default_session_name() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("sts-blocking-{ms}")
}

/// The account id of an ARN (`arn:aws:sts::123456789012:assumed-role/...`).
pub(crate) fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then(|| account.to_owned())
}

/// Runs `AssumeRole` signed with `source`; fills the account id from the assumed role ARN.
pub(crate) fn run_assume_role(
    sts: &Sts,
    op: &AssumeRole,
    source: &Credentials,
) -> Result<Credentials, Error> {
    let out = sts.send_with_credentials(op, source)?.output;
    let mut c = out.credentials;
    if c.account_id.is_none() {
        c.account_id = out
            .assumed_role_user
            .as_ref()
            .and_then(|u| account_of_arn(&u.arn));
    }
    Ok(c)
}

/// Runs `AssumeRoleWithWebIdentity` with the token read from `config` now.
pub(crate) fn run_web_identity(
    sts: &Sts,
    config: &WebIdentityConfig,
    extra: &WebIdentityExtra,
) -> Result<Credentials, Error> {
    let token = config.read_token()?;
    let session = config
        .session_name
        .clone()
        .unwrap_or_else(default_session_name);
    let mut op = AssumeRoleWithWebIdentity::new(&config.role_arn, session, token);
    op.policy.clone_from(&extra.policy);
    op.policy_arns.clone_from(&extra.policy_arns);
    op.duration_seconds = extra.duration_seconds;
    let out = sts.send(&op)?;
    let mut c = out.credentials;
    if c.account_id.is_none() {
        c.account_id = out
            .assumed_role_user
            .as_ref()
            .and_then(|u| account_of_arn(&u.arn));
    }
    Ok(c)
}

/// Optional members of a web identity request.
#[derive(Debug, Clone, Default)]
pub(crate) struct WebIdentityExtra {
    pub policy: Option<String>,
    pub policy_arns: Option<Vec<PolicyDescriptor>>,
    pub duration_seconds: Option<i32>,
}

fn sts_for(
    sts: Option<Sts>,
    region: Option<String>,
    endpoint: Option<String>,
) -> Result<Sts, Error> {
    if let Some(s) = sts {
        return Ok(s);
    }
    let mut b = Sts::builder().region(region.unwrap_or_else(|| "us-east-1".to_owned()));
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
    /// [`Self::region`] and [`Self::endpoint_url`].
    #[must_use]
    pub fn sts(mut self, sts: Sts) -> Self {
        self.sts = Some(sts);
        self
    }

    /// The STS region when no client is given (default `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The STS endpoint when no client is given.
    #[must_use]
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Builds the provider (cached).
    ///
    /// # Errors
    /// [`Error::Config`] without a source of credentials; the client's build errors.
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
        if op.duration_seconds.is_none() {
            op.duration_seconds = Some(DEFAULT_DURATION_SECONDS);
        }
        let name = format!("assume-role {}", op.role_arn);
        let fetcher = AssumeRoleFetcher {
            sts,
            op,
            session_name: self.session_name,
            mfa_serial: self.mfa_serial,
            mfa: self.mfa,
            source,
            name: name.clone(),
        };
        Ok(AssumeRoleProvider {
            cache: CachedProvider::new(Arc::new(fetcher)),
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
        let source = self.source.provide_credentials()?;
        let mut op = self.op.clone();
        op.role_session_name = self
            .session_name
            .clone()
            .unwrap_or_else(default_session_name);
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
        run_assume_role(&self.sts, &op, &source)
    }

    fn source_name(&self) -> String {
        self.name.clone()
    }
}

/// Credentials of a role assumed with `AssumeRole`, refreshed (and MFA asked again) as they expire.
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
#[derive(Debug)]
pub struct WebIdentityProviderBuilder {
    config: WebIdentityConfig,
    extra: WebIdentityExtra,
    sts: Option<Sts>,
    endpoint_url: Option<String>,
}

impl WebIdentityProviderBuilder {
    /// The session name (default `sts-blocking-<unix ms>`).
    #[must_use]
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.config.session_name = Some(name.into());
        self
    }

    /// The STS region when no client is given (default `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    /// The STS endpoint when no client is given.
    #[must_use]
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sends through this client (its region, endpoint, retries). The call is unsigned, so the
    /// client's credentials are not used.
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

    /// Builds the provider (cached).
    ///
    /// # Errors
    /// The client's build errors.
    pub fn build(self) -> Result<WebIdentityProvider, Error> {
        let sts = sts_for(self.sts, self.config.region.clone(), self.endpoint_url)?;
        Ok(WebIdentityProvider {
            cache: CachedProvider::new(Arc::new(WebIdentityFetcher {
                sts,
                config: self.config,
                extra: self.extra,
            })),
        })
    }
}

#[derive(Debug)]
struct WebIdentityFetcher {
    sts: Sts,
    config: WebIdentityConfig,
    extra: WebIdentityExtra,
}

impl ProvideCredentials for WebIdentityFetcher {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        run_web_identity(&self.sts, &self.config, &self.extra)
    }

    fn source_name(&self) -> String {
        "web-identity".to_owned()
    }
}

/// Credentials from `AssumeRoleWithWebIdentity` with a token file that is re-read on every refresh
/// (EKS IRSA, GitHub OIDC).
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
