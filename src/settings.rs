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
//! Each setting is declared once, in `settings/property.rs`, and every reader uses that declaration:
//! these settings, [`StsBuilder::from_env_vars`](crate::StsBuilder::from_env_vars) (the
//! environment alone), the credential providers and the `sts` command. Values are trimmed; a
//! blank value counts as unset, except a blank CA bundle, which is an error (as in botocore
//! 1.44.8); a flag is on for `true` in any case and off for anything else; a leading `~` in the CA
//! bundle is expanded.
//!
//! This module resolves values only. [`Settings::sts_builder`] (in the client module) turns them
//! into a client whose credentials come from the [`DefaultChain`](crate::DefaultChain) with an STS
//! role assumer, cached, and are only resolved on the first signed call: building a client does no
//! network I/O. An explicit profile leaves the environment keys out of the chain, as the CLI does.
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

pub(crate) mod property;

use crate::Error;
use crate::credentials::KeyStore;
use crate::credentials::cli_cache::CliCache;
use crate::env::{Env, Platform};
use crate::profile::{FileLocations, ProfileSet, Section};
use crate::retry::RetryConfig;
use property::{
    APP_ID, CA_BUNDLE, MAX_ATTEMPTS, NEW_RETRIES_2026, Property, REGION, RETRY_MODE,
    USE_DUAL_STACK, USE_FIPS, USE_GLOBAL_ENDPOINT,
};
use std::path::{Path, PathBuf};
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
    /// What signs the user in when an SSO profile's token is missing or expired beyond refresh
    /// (see [`SsoLogin`](crate::credentials::SsoLogin)); `None` (the default): the chain fails
    /// and says to log in. The `sts` command sets one that offers the login on a terminal.
    pub sso_login: Option<Arc<dyn crate::credentials::SsoLogin>>,

    /// The `DurationSeconds` of the selected profile's own role (the last `AssumeRole` of its
    /// chain) in place of its `duration_seconds`, as `aws-vault exec --duration` sets it; `None`
    /// (the default) keeps the profile's. The AWS CLI's cache keys the session with it, as it keys
    /// a profile that says `duration_seconds` (see
    /// [`DefaultChainBuilder::role_duration_seconds`](crate::credentials::DefaultChainBuilder::role_duration_seconds)).
    pub role_duration_seconds: Option<u32>,

    /// Where profiles whose long-term keys are kept outside the shared files get them (see
    /// [`KeyStore`]); `None` (the default): none are. The `sts` program sets its `sts keys` store.
    pub key_store: Option<Arc<dyn KeyStore>>,
    /// The first setting that could not be understood (`retry_mode = sideways`, ...): building
    /// a client fails with it ([`Error::Config`]), resolving credentials does not, as the AWS CLI
    /// exports static or process credentials whatever the profile's client settings say.
    pub invalid: Option<String>,
    /// The environment the settings were read from (the credential chain of the client module
    /// reads it too).
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    env: Env,
    profiles: Arc<ProfileSet>,
    config_file: Option<PathBuf>,
}

impl Settings {
    /// Resolves the settings from `env` and the shared files it points at.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] for a malformed config or credentials file,
    /// [`Error::ProfileNotFound`] for a profile named by `--profile` or `AWS_PROFILE` that does not
    /// exist, [`Error::Config`] for a blank CA bundle and [`Error::File`] for a `~` CA bundle
    /// without a home directory. Any other value that cannot be understood is kept in
    /// [`Settings::invalid`]: the clients built from these settings fail with it.
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
        let mut settings = Self::resolve(
            env,
            profiles,
            locations.profile,
            overrides,
            profile_explicit,
        )?;
        settings.config_file = locations.config;
        Ok(settings)
    }

    /// The settings of `profiles` (loaded by the caller, for example with
    /// [`ProfileSet::load_from`]), its selected profile, `env` and `overrides`, resolved as
    /// [`Settings::load`] resolves them. Unlike [`Settings::load`], the selected profile need not
    /// exist (its settings are then the environment's and the defaults): the settings of a profile
    /// about to be written, as `aws login` reads them. `overrides.profile` is not used to select
    /// the profile (the set has one); when given, the profile counts as named explicitly.
    ///
    /// ```
    /// use sts_blocking::credentials::{Env, ProfileSet, Section};
    /// use sts_blocking::settings::{Overrides, Settings};
    /// let env = Env::from_map([("AWS_USE_FIPS_ENDPOINT", "true")]);
    /// let set = ProfileSet::from_sections(vec![Section::new("a", [("region", "eu-west-1")])], vec![], "new");
    /// let s = Settings::from_profiles(&env, set, &Overrides::default())?;
    /// assert_eq!((s.profile.as_str(), s.region, s.use_fips), ("new", None, true));
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Settings::load`] for the CA bundle.
    pub fn from_profiles(
        env: &Env,
        profiles: ProfileSet,
        overrides: &Overrides,
    ) -> Result<Self, Error> {
        let profile = profiles.selected_name().to_owned();
        Self::resolve(
            env,
            profiles,
            profile,
            overrides,
            overrides.profile.is_some(),
        )
    }

    /// The settings of the environment variables alone, without the shared files (they are not
    /// read): the client of [`StsBuilder::from_env_vars`](crate::StsBuilder::from_env_vars).
    ///
    /// # Errors
    /// As [`Settings::load`] for the CA bundle.
    #[cfg(feature = "client")]
    pub(crate) fn from_env_vars(env: &Env) -> Result<Self, Error> {
        let profile = env.profile().unwrap_or_else(|| "default".to_owned());
        Self::resolve(
            env,
            ProfileSet::default(),
            profile,
            &Overrides::default(),
            false,
        )
    }

    /// Every setting from the overrides, `env` and the selected profile of `profiles`.
    fn resolve(
        env: &Env,
        profiles: ProfileSet,
        profile: String,
        overrides: &Overrides,
        profile_explicit: bool,
    ) -> Result<Self, Error> {
        let mut read = Reader {
            env,
            profile: profiles.selected(),
            invalid: None,
        };
        let region_from_env_or_override =
            overrides.region.is_some() || REGION.find(env, None)?.is_some();
        let region = match &overrides.region {
            Some(r) => Some(r.clone()),
            None => read.get(&REGION),
        };
        let mut retry = if read.get(&NEW_RETRIES_2026) {
            RetryConfig::v2026()
        } else {
            RetryConfig::standard()
        };
        if let Some(mode) = read.get(&RETRY_MODE) {
            retry.mode = mode;
        }
        if let Some(n) = read.get(&MAX_ATTEMPTS) {
            retry.max_attempts = n;
        }
        // A CA bundle that cannot be found (blank, or `~` without a home) fails at once, as the
        // shared files that cannot be found do.
        let ca_bundle = CA_BUNDLE.get(env, read.profile)?;
        Ok(Self {
            profile,
            profile_explicit,
            region,
            region_from_env_or_override,
            endpoint_url: profiles.configured_endpoint_url(env, "sts"),
            use_fips: read.get(&USE_FIPS),
            use_dual_stack: read.get(&USE_DUAL_STACK),
            use_global_endpoint: read.get(&USE_GLOBAL_ENDPOINT),
            retry,
            ca_bundle,
            app_id: read.get(&APP_ID),
            credential_cache: None,
            sso_login: None,

            role_duration_seconds: None,

            key_store: None,
            invalid: read.invalid,
            env: env.clone(),
            profiles: Arc::new(profiles),
            config_file: None,
        })
    }

    /// The shared config file the settings were read from (`AWS_CONFIG_FILE`, else
    /// `~/.aws/config`; it need not exist); `None` without a home directory or override, and for
    /// settings that read no file.
    #[must_use]
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    /// The shared files as loaded (once).
    #[must_use]
    pub fn profiles(&self) -> &Arc<ProfileSet> {
        &self.profiles
    }

    /// The environment the settings were read from.
    #[cfg(feature = "client")]
    pub(crate) fn env(&self) -> &Env {
        &self.env
    }

    /// The selected profile's own `region` (whatever the environment says).
    #[cfg(feature = "client")]
    pub(crate) fn profile_region(&self) -> Option<String> {
        REGION
            .get(&Env::from_map::<&str, &str>([]), self.profiles.selected())
            .ok()
            .flatten()
    }
}

/// Reads declared settings from one environment and profile, keeping the first value that cannot
/// be understood for the client (see [`Settings::invalid`]) and using the default in its place.
struct Reader<'a> {
    env: &'a Env,
    profile: Option<&'a Section>,
    invalid: Option<String>,
}

impl Reader<'_> {
    fn get<T: Clone>(&mut self, property: &Property<T>) -> T {
        property.get(self.env, self.profile).unwrap_or_else(|e| {
            if self.invalid.is_none() {
                self.invalid = Some(match e {
                    Error::Config { message } => message,
                    other => other.to_string(),
                });
            }
            property.default.clone()
        })
    }
}
