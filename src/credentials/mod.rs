//! AWS credentials and the [`ProvideCredentials`] seam that credential providers plug into.
//!
//! Providers, each usable alone or composed: [`EnvironmentProvider`], [`ProcessProvider`]
//! (`credential_process`), [`CachedProvider`] (wraps any provider), the shared config files
//! ([`ProfileSet`], read by the [`DefaultChain`]), and behind the `client` feature the STS-backed
//! `AssumeRoleProvider` and `WebIdentityProvider` (auto-refreshing), `ContainerProvider`,
//! `ImdsProvider`, `SsoProvider`, `SsoTokenProvider`, `LoginProvider`, `RolesAnywhereProvider`
//! (IAM Roles Anywhere, from an X.509 certificate), `ScopedProvider` (less for a child, with
//! GetScopedCredentials) and the `StsRoleAssumer`
//! that lets the chain follow `role_arn` profiles. Anything else plugs in by implementing
//! [`ProvideCredentials`].

pub(crate) mod cached;
pub(crate) mod chain;
pub(crate) mod cli_cache;
pub(crate) mod key_store;
#[cfg(feature = "client")]
pub(crate) mod login;
#[cfg(feature = "client")]
pub(crate) mod login_flow;
pub(crate) mod plan;
pub(crate) mod providers;
pub(crate) mod sources;
pub(crate) mod sso_login;

#[cfg(feature = "client")]
pub use crate::client::assume_role::{
    AssumeRoleProvider, AssumeRoleProviderBuilder, WebIdentityProvider, WebIdentityProviderBuilder,
};
#[cfg(feature = "client")]
pub use crate::client::sts_assumer::StsRoleAssumer;
pub use crate::env::{Env, Platform};
pub use crate::profile::{FileLocations, ProfileSet, Section};
pub use cached::{CachedProvider, Clock};
pub use chain::{DefaultChain, DefaultChainBuilder};
pub use cli_cache::CliCache;
pub use key_store::KeyStore;
#[cfg(feature = "client")]
pub use login::LoginProvider;
#[cfg(feature = "client")]
pub use login_flow::{Callback as LoginCallback, LoginResult, PendingLogin};
pub use plan::{
    BaseSource, LoginSource, NamedSource, PlanError, ProfileChain, RoleHop, SsoSource,
    WebIdentitySource,
};
#[cfg(feature = "client")]
pub use providers::container::ContainerProvider;
pub use providers::env_vars::EnvironmentProvider;
#[cfg(feature = "client")]
pub use providers::imds::ImdsProvider;
pub use providers::mfa::{MfaTokenProvider, fetch_code as fetch_mfa_code};
pub use providers::process::{CommandLine, ProcessProvider};
#[cfg(feature = "client")]
pub use providers::roles_anywhere::{RolesAnywhereProvider, RolesAnywhereProviderBuilder};
#[cfg(feature = "client")]
pub use providers::scoped::{ScopedProvider, ScopedProviderBuilder};
#[cfg(feature = "client")]
pub use providers::sso::SsoProvider;
#[cfg(feature = "client")]
pub use providers::sso_token::{SsoToken, SsoTokenProvider};
pub use providers::web_identity::WebIdentityConfig;
pub use sources::RoleAssumer;
#[cfg(feature = "client")]
pub use sso_login::cache::{
    CachedAccessToken, MAX_SSO_CACHE_ENTRY, SsoCache, SsoCachedToken, SsoTokenState,
    sso_registration_cache_key, sso_role_credential_files, sso_token_cache_key, sso_token_state,
};
#[cfg(feature = "client")]
pub use sso_login::oidc::{
    ClientRegistration, CreatedToken, DEFAULT_POLL_INTERVAL, DEFAULT_SSO_SCOPE,
    DEVICE_CODE_GRANT_TYPE, DeviceAuthorization, DevicePoll, OidcErrorCode, PkceSession,
    REGISTRATION_REUSE_WINDOW, RegisterClient, SLOW_DOWN_DELAY, SSO_CALLBACK_PATH,
    SSO_REDIRECT_URI, SsoCallback, SsoGrant, SsoOidcClient, TokenGrant, TokenOutcome,
    create_token_body, parse_sso_callback, sso_redirect_uri, start_device_authorization_body,
};
#[cfg(feature = "client")]
pub use sso_login::portal::{
    PagingPolicy, PortalReply, SsoAccount, SsoPortal, SsoRole, parse_account_page, parse_role_page,
};
#[cfg(feature = "client")]
pub use sso_login::start_url::{
    ResolvedStartUrl, is_aws_owned_host, resolve_start_url, resolve_start_url_offline,
    start_url_region,
};
pub use sso_login::{SsoLogin, SsoLoginRequest, sso_login};

use crate::Error;
use crate::secret::SecretString;
use time::OffsetDateTime;

/// An access key pair, with a session token for temporary credentials.
///
/// `Debug` shows the access key id and expiration but never the secret key or the token. Build
/// them with [`Credentials::new`] and the `with_` setters; the fields are public to read.
///
/// ```
/// use sts_blocking::time::{Duration, OffsetDateTime};
/// use sts_blocking::{Credentials, ProvideCredentials, SecretString};
///
/// let now = OffsetDateTime::now_utc();
/// let creds = Credentials::new("ASIAEXAMPLE", "wJalrXUtnFEMI", Some(SecretString::new("IQoJb3JpZ2lu")))
///     .with_expiration(now + Duration::hours(1))
///     .with_account_id("123456789012");
/// assert!(!creds.is_expired_at(now));
/// assert!(creds.is_expired_at(now + Duration::hours(2)));
/// // Neither the secret key nor the token ever shows in Debug output.
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("ASIAEXAMPLE") && !shown.contains("wJalr") && !shown.contains("IQoJ"));
/// // Fixed credentials are a provider themselves (anywhere a provider is expected).
/// assert_eq!(creds.provide_credentials()?.account_id.as_deref(), Some("123456789012"));
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// `AKIA...` (long-term) or `ASIA...` (temporary).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// The session token of temporary credentials.
    pub session_token: Option<SecretString>,
    /// When temporary credentials expire; `None` for credentials that do not.
    pub expiration: Option<OffsetDateTime>,
    /// The account the credentials belong to, when known.
    pub account_id: Option<String>,
}

impl Credentials {
    /// Long-term or temporary credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
        session_token: Option<SecretString>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expiration: None,
            account_id: None,
        }
    }

    /// Sets the expiration.
    #[must_use]
    pub fn with_expiration(mut self, expiration: OffsetDateTime) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// Sets the account the credentials belong to.
    #[must_use]
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Whether the credentials have expired at `now`.
    #[must_use]
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expiration.is_some_and(|e| e <= now)
    }
}

/// Something that can supply credentials: static keys, the environment, a profile, STS, IMDS...
///
/// Implementations block. They must be cheap to call repeatedly: wrap slow providers in a cache.
pub trait ProvideCredentials: Send + Sync + std::fmt::Debug {
    /// Returns credentials, or an error saying why there are none.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the source has no credentials or fails.
    fn provide_credentials(&self) -> Result<Credentials, Error>;

    /// A short name for messages and `sts whoami` (`environment`, `profile:dev`, `imds`, ...).
    fn source_name(&self) -> String {
        "custom".to_owned()
    }
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        Ok(self.clone())
    }

    fn source_name(&self) -> String {
        "static".to_owned()
    }
}

/// The account id of an ARN (`arn:aws:sts::123456789012:assumed-role/...`).
pub(crate) fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then(|| account.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let c = Credentials::new(
            "AKIDEXAMPLE",
            "marker-secret",
            Some(SecretString::new("marker-token")),
        );
        let s = format!("{c:?}");
        assert!(s.contains("AKIDEXAMPLE"));
        assert!(!s.contains("marker"));
        assert_eq!(c.provide_credentials().unwrap(), c);
    }
}
