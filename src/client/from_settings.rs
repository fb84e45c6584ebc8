//! Clients, role assumers and credential chains assembled from resolved [`Settings`]: the
//! settings module resolves values only and names no client type; this is where they become an
//! [`StsBuilder`].

use super::StsBuilder;
use crate::credentials::chain::DefaultChain;
use crate::credentials::providers::mfa::MfaTokenProvider;
use crate::credentials::{CachedProvider, Credentials, Env, StsRoleAssumer};
use crate::error::Error;
use crate::settings::property::CLIENT_ENV;
use crate::settings::{Overrides, Settings};
use crate::transport::ProxySetting;
use std::sync::Arc;

/// The variables [`StsBuilder::from_env_vars`] reads besides the declared settings: the STS
/// endpoint, the home directory (for `~`), proxies and static credentials.
const OTHER_ENV: &[&str] = &[
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

impl StsBuilder {
    /// A builder with the settings of the environment variables alone (no shared files, no
    /// credential chain): the variables of [`crate::settings`] (`AWS_REGION`,
    /// `AWS_USE_FIPS_ENDPOINT`, `AWS_MAX_ATTEMPTS`, `AWS_CA_BUNDLE`, ...), `AWS_ENDPOINT_URL_STS` /
    /// `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), the proxies, and the
    /// static credentials `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    /// Each setting is read as [`crate::settings`] reads it (blank is unset, flags are `true` or
    /// off, a leading `~` in `AWS_CA_BUNDLE` is expanded). [`Sts::from_env`](super::Sts::from_env)
    /// and [`StsBuilder::from_env_and_profile`] also read the shared files and the whole chain.
    ///
    /// # Errors
    /// [`Error::Config`] for a value that cannot be understood (e.g. `AWS_MAX_ATTEMPTS=x`) or a
    /// blank `AWS_CA_BUNDLE`; [`Error::File`] for a `~` path without a home directory.
    pub fn from_env_vars() -> Result<Self, Error> {
        Self::from_env_vars_in(&Env::real())
    }

    /// As [`StsBuilder::from_env_vars`], reading variables through `lookup` (for tests and
    /// embedding).
    ///
    /// # Errors
    /// As [`StsBuilder::from_env_vars`].
    pub fn from_env_vars_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let names = CLIENT_ENV.iter().flat_map(|e| e.iter()).chain(OTHER_ENV);
        Self::from_env_vars_in(&Env::from_map(
            names.filter_map(|&k| lookup(k).map(|v| (k, v))),
        ))
    }

    fn from_env_vars_in(env: &Env) -> Result<Self, Error> {
        let settings = Settings::from_env_vars(env)?;
        if let Some(message) = &settings.invalid {
            return Err(Error::config(message.clone()));
        }
        let mut b = settings.values();
        b.proxy = ProxySetting::from_lookup(|k| env.get(k));
        if let (Some(id), Some(secret)) = (
            env.get("AWS_ACCESS_KEY_ID"),
            env.get("AWS_SECRET_ACCESS_KEY"),
        ) {
            let token = env.get("AWS_SESSION_TOKEN").map(crate::SecretString::from);
            b = b.credentials(Credentials::new(id, secret, token));
        }
        Ok(b)
    }

    /// A builder resolved the AWS CLI way from the process environment and the shared config files
    /// (see [`crate::settings`]): `profile` and `region`, when given, win over the environment (the
    /// CLI's `--profile` / `--region`). Credentials come from the default chain, lazily.
    ///
    /// # Errors
    /// As [`Settings::load`].
    pub fn from_env_and_profile(
        profile: Option<&str>,
        region: Option<&str>,
    ) -> Result<Self, Error> {
        let settings = Settings::load(
            &Env::real(),
            &Overrides {
                profile: profile.map(str::to_owned),
                region: region.map(str::to_owned),
            },
        )?;
        Ok(settings.sts_builder())
    }
}

impl Settings {
    /// A builder with the resolved values and nothing else.
    fn values(&self) -> StsBuilder {
        let mut b = StsBuilder::default()
            .use_fips(self.use_fips)
            .use_dual_stack(self.use_dual_stack)
            .use_global_endpoint(self.use_global_endpoint)
            .retry_config(self.retry.clone());
        if let Some(r) = &self.region {
            b = b.region(r);
        }
        if let Some(u) = &self.endpoint_url {
            b = b.endpoint_url(u);
        }
        if let Some(c) = &self.ca_bundle {
            b = b.ca_bundle(c);
        }
        if let Some(a) = &self.app_id {
            b = b.app_id(a);
        }
        b
    }

    /// A builder with every setting but credentials.
    #[must_use]
    pub fn sts_builder_without_credentials(&self) -> StsBuilder {
        self.values()
            .require_region_to_sign()
            .invalid_setting(self.invalid.clone())
    }

    /// The role assumer profile plans run with (same endpoint, retries, CA bundle, app id).
    #[must_use]
    pub fn role_assumer(&self, mfa: Option<Arc<dyn MfaTokenProvider>>) -> StsRoleAssumer {
        StsRoleAssumer::new(self.sts_builder_without_credentials())
            .region_override(if self.region_from_env_or_override {
                self.region.clone()
            } else {
                None
            })
            .fallback_region(self.profile_region())
            .mfa(mfa)
            .cli_cache(self.credential_cache.clone())
    }

    /// The default chain with the STS role assumer, cached. Nothing is resolved until it is asked.
    #[must_use]
    pub fn credentials_provider(
        &self,
        mfa: Option<Arc<dyn MfaTokenProvider>>,
    ) -> Arc<CachedProvider> {
        let chain = DefaultChain::builder(self.env().clone())
            .role_assumer(Some(Arc::new(self.role_assumer(mfa))))
            .profiles(self.profiles().clone())
            .skip_environment(self.profile_explicit)
            .cli_cache(self.credential_cache.clone())
            .sso_login(self.sso_login.clone())
            .role_duration_seconds(self.role_duration_seconds)
            .key_store(self.key_store.clone())
            .build();
        Arc::new(CachedProvider::new(Arc::new(chain)))
    }

    /// A builder with every setting and the credentials of [`Settings::credentials_provider`]
    /// (without an MFA callback).
    #[must_use]
    pub fn sts_builder(&self) -> StsBuilder {
        self.sts_builder_with_mfa(None)
    }

    /// As [`Settings::sts_builder`], asking `mfa` for codes of profiles with `mfa_serial`.
    #[must_use]
    pub fn sts_builder_with_mfa(&self, mfa: Option<Arc<dyn MfaTokenProvider>>) -> StsBuilder {
        self.sts_builder_without_credentials()
            .credentials_provider(self.credentials_provider(mfa))
    }
}
