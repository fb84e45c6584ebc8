//! Client settings resolved the way the AWS CLI resolves them: an explicit value (the CLI's
//! `--profile` / `--region`), then the environment, then the selected profile of the shared config
//! files (read once), then the default.
//!
//! | Setting | Environment | Profile key | Default |
//! |---|---|---|---|
//! | profile | `AWS_PROFILE` | | `default` |
//! | region | `AWS_REGION`, `AWS_DEFAULT_REGION` | `region` | none |
//! | endpoint | `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL` | `[services]` `sts = endpoint_url`, `endpoint_url` | resolved |
//! | FIPS / dual-stack | `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT` | `use_fips_endpoint`, `use_dualstack_endpoint` | off |
//! | global endpoint | `AWS_STS_REGIONAL_ENDPOINTS` | `sts_regional_endpoints` | `regional` |
//! | retries | `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE` | `max_attempts`, `retry_mode` | 3, standard |
//! | CA bundle | `AWS_CA_BUNDLE` | `ca_bundle` | bundled roots (the OS verifier with `platform-verifier`) |
//! | app id | `AWS_SDK_UA_APP_ID` | `sdk_ua_app_id` | none |
//!
//! Credentials come from the [`DefaultChain`] with an [`StsRoleAssumer`], cached, and are only
//! resolved on the first signed call: building a client does no network I/O. An explicit profile
//! leaves the environment keys out of the chain, as the CLI does.
//!
//! ```
//! use sts_blocking::credentials::Env;
//! use sts_blocking::settings::{Overrides, Settings};
//! let env = Env::from_map([("HOME", "/nonexistent"), ("AWS_REGION", "eu-west-1"), ("AWS_MAX_ATTEMPTS", "5")]);
//! let s = Settings::load(&env, &Overrides::default().region("us-west-2"))?;
//! assert_eq!(s.region.as_deref(), Some("us-west-2"));
//! assert_eq!(s.retry.max_attempts, 5);
//! # Ok::<(), sts_blocking::Error>(())
//! ```

use crate::Error;
use crate::client::StsBuilder;
use crate::credentials::chain::DefaultChain;
use crate::credentials::env::Platform;
use crate::credentials::mfa::MfaTokenProvider;
use crate::credentials::profile::{FileLocations, ProfileSet};
use crate::credentials::{CachedProvider, CliCache, Env, StsRoleAssumer};
use crate::retry::{RetryConfig, RetryMode};
use std::path::PathBuf;
use std::sync::Arc;

/// Values given explicitly (command-line flags); they win over the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Overrides {
    /// The profile (`--profile`).
    pub profile: Option<String>,
    /// The region (`--region`).
    pub region: Option<String>,
}

impl Overrides {
    /// Sets the profile (`--profile`).
    #[must_use]
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Sets the region (`--region`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
}

/// The resolved settings; see the [module docs](self).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The selected profile.
    pub profile: String,
    /// Whether the profile was given explicitly (then environment keys are not used).
    pub profile_explicit: bool,
    /// The region, if any.
    pub region: Option<String>,
    /// Whether the region came from an override or the environment (it then beats every
    /// profile's `region` for role assumption too).
    pub region_from_env_or_override: bool,
    /// The configured STS endpoint URL, if any.
    pub endpoint_url: Option<String>,
    /// Use the FIPS endpoint.
    pub use_fips: bool,
    /// Use the dual-stack endpoint.
    pub use_dual_stack: bool,
    /// `sts_regional_endpoints = legacy`.
    pub use_global_endpoint: bool,
    /// Retry mode and attempts.
    pub retry: RetryConfig,
    /// A PEM bundle replacing the trusted roots.
    pub ca_bundle: Option<PathBuf>,
    /// The application id for the user agent.
    pub app_id: Option<String>,
    /// The AWS CLI's credential cache (`~/.aws/cli/cache`) for role, web identity and SSO
    /// sessions; `None` (the default) keeps sessions in memory only. The `sts` command turns it on,
    /// as `aws` has it on. Security note: the cache holds live session credentials on disk
    /// (see [`CliCache`]).
    pub credential_cache: Option<CliCache>,
    /// The first setting that could not be understood (`retry_mode = sideways`, ...): building
    /// a client fails with it ([`Error::Config`]), resolving credentials does not, as the AWS CLI
    /// exports static or process credentials whatever the profile's client settings say.
    pub invalid: Option<String>,
    env: Env,
    profiles: Arc<ProfileSet>,
}

fn truthy(v: &str, what: &str) -> Result<bool, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(Error::config(format!(
            "{what} must be true or false, not {}",
            crate::error::echo(other)
        ))),
    }
}

impl Settings {
    /// Resolves the settings from `env` and the shared files it points at.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] for a malformed config or credentials file,
    /// [`Error::ProfileNotFound`] for a profile named by `--profile` or `AWS_PROFILE` that does not
    /// exist. A value that cannot be understood is kept in [`Settings::invalid`]: the clients built
    /// from these settings fail with it.
    pub fn load(env: &Env, overrides: &Overrides) -> Result<Self, Error> {
        let mut locations = FileLocations::resolve(env, Platform::current())?;
        let profile_explicit = overrides.profile.is_some();
        if let Some(p) = &overrides.profile {
            locations.profile.clone_from(p);
        }
        let profiles = ProfileSet::load_from(&locations)?;
        // As botocore: a profile named by --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE must exist
        // (only `default` may be missing when nothing names it).
        if profiles.selected().is_none() && (profile_explicit || env.profile().is_some()) {
            return Err(Error::ProfileNotFound {
                profile: locations.profile,
            });
        }
        let selected = profiles.selected();
        let get = |env_key: &str, profile_key: &str| -> Option<(String, String)> {
            if let Some(v) = env.get(env_key) {
                return Some((v, env_key.to_owned()));
            }
            selected
                .and_then(|p| p.get_nonempty(profile_key))
                .map(|v| (v.trim().to_owned(), format!("profile key {profile_key}")))
        };
        let env_region = env
            .get("AWS_REGION")
            .or_else(|| env.get("AWS_DEFAULT_REGION"));
        let region_from_env_or_override = overrides.region.is_some() || env_region.is_some();
        let region = overrides.region.clone().or(env_region).or_else(|| {
            selected
                .and_then(|p| p.get_nonempty("region"))
                .map(|v| v.trim().to_owned())
        });
        // Values that cannot be understood are kept for the client (see `invalid`).
        let mut invalid: Option<String> = None;
        let mut note = |e: Error| {
            if invalid.is_none() {
                invalid = Some(match e {
                    Error::Config { message } => message,
                    other => other.to_string(),
                });
            }
        };
        let mut flag = |env_key: &str, profile_key: &str| -> bool {
            get(env_key, profile_key)
                .map_or(Ok(false), |(v, w)| truthy(&v, &w))
                .unwrap_or_else(|e| {
                    note(e);
                    false
                })
        };
        let use_fips = flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
        let use_dual_stack = flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint");
        let use_global_endpoint = match get("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints")
        {
            None => false,
            Some((v, w)) => match v.as_str() {
                "legacy" => true,
                "regional" => false,
                other => {
                    note(Error::config(format!(
                        "{w} must be legacy or regional, not {}",
                        crate::error::echo(other)
                    )));
                    false
                }
            },
        };
        let mut retry = if env.is_true("AWS_NEW_RETRIES_2026") {
            RetryConfig::v2026()
        } else {
            RetryConfig::standard()
        };
        if let Some((v, w)) = get("AWS_RETRY_MODE", "retry_mode") {
            match v.as_str() {
                "standard" | "legacy" => retry.mode = RetryMode::Standard,
                "adaptive" => retry.mode = RetryMode::Adaptive,
                other => note(Error::config(format!(
                    "{w} must be standard, legacy or adaptive, not {}",
                    crate::error::echo(other)
                ))),
            }
        }
        if let Some((v, w)) = get("AWS_MAX_ATTEMPTS", "max_attempts") {
            match v.parse::<u32>() {
                Ok(n) if n >= 1 => retry.max_attempts = n,
                _ => note(Error::config(format!(
                    "{w} must be a positive integer, not {}",
                    crate::error::echo(&v)
                ))),
            }
        }
        let ca_bundle = get("AWS_CA_BUNDLE", "ca_bundle")
            .map(|(v, _)| env.expand_home(&v, Platform::current(), "CA bundle"))
            .transpose()?;
        let app_id = get("AWS_SDK_UA_APP_ID", "sdk_ua_app_id").map(|(v, _)| v);
        let endpoint_url = profiles.configured_endpoint_url(env, "sts");
        Ok(Self {
            profile: locations.profile,
            profile_explicit,
            region,
            region_from_env_or_override,
            endpoint_url,
            use_fips,
            use_dual_stack,
            use_global_endpoint,
            retry,
            ca_bundle,
            app_id,
            credential_cache: None,
            invalid,
            env: env.clone(),
            profiles: Arc::new(profiles),
        })
    }

    /// The shared files as loaded (once).
    #[must_use]
    pub fn profiles(&self) -> &Arc<ProfileSet> {
        &self.profiles
    }

    /// A builder with every setting but credentials.
    #[must_use]
    pub fn sts_builder_without_credentials(&self) -> StsBuilder {
        let mut b = crate::client::Sts::builder()
            .require_region_to_sign()
            .invalid_setting(self.invalid.clone())
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

    /// The role assumer profile plans run with (same endpoint, retries, CA bundle, app id).
    #[must_use]
    pub fn role_assumer(&self, mfa: Option<Arc<dyn MfaTokenProvider>>) -> StsRoleAssumer {
        let selected_region = self
            .profiles
            .selected()
            .and_then(|p| p.get_nonempty("region"))
            .map(|v| v.trim().to_owned());
        StsRoleAssumer::new(self.sts_builder_without_credentials())
            .region_override(if self.region_from_env_or_override {
                self.region.clone()
            } else {
                None
            })
            .fallback_region(selected_region)
            .mfa(mfa)
            .cli_cache(self.credential_cache.clone())
    }

    /// The default chain with the STS role assumer, cached. Nothing is resolved until it is asked.
    #[must_use]
    pub fn credentials_provider(
        &self,
        mfa: Option<Arc<dyn MfaTokenProvider>>,
    ) -> Arc<CachedProvider> {
        let chain = DefaultChain::builder(self.env.clone())
            .role_assumer(Some(Arc::new(self.role_assumer(mfa))))
            .profiles(self.profiles.clone())
            .skip_environment(self.profile_explicit)
            .cli_cache(self.credential_cache.clone())
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
