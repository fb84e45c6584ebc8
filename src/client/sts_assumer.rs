//! [`StsRoleAssumer`]: the [`RoleAssumer`] that runs profile plans with [`Sts`].
//!
//! Region of each call: an override (an explicit region or `AWS_REGION` / `AWS_DEFAULT_REGION`,
//! as the CLI's session region beats the profile), else the hop's profile `region`, else the
//! selected profile's `region`, else `us-east-1`. Endpoint, FIPS, dual-stack, retries, CA bundle
//! and app id come from the template builder (the resolved [`crate::settings::Settings`]).

use crate::Error;
use crate::client::assume_role::{
    CacheSlot, WebIdentityExtra, assume_role_with_user, default_session_name,
    web_identity_cache_key, web_identity_with_user,
};
use crate::client::{Sts, StsBuilder};
use crate::credentials::Credentials;
use crate::credentials::cached::{Clock, system_clock};
use crate::credentials::cli_cache::{CliCache, role_hop_cache_key};
use crate::credentials::plan::RoleHop;
use crate::credentials::providers::mfa::{MfaTokenProvider, fetch_code};
use crate::credentials::providers::web_identity::WebIdentityConfig;
use crate::credentials::sources::RoleAssumer;
use crate::error::{CredentialsError, Rule, Violation};
use crate::ops::AssumeRole;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// The [`RoleAssumer`] that runs profile plans (role hops, web identity) through STS with [`Sts`].
///
/// Region of each call: an override (an explicit region or `AWS_REGION` / `AWS_DEFAULT_REGION`,
/// as the CLI's session region beats the profile), else the hop's profile `region`, else the
/// selected profile's `region`, else `us-east-1`. Endpoint, FIPS, dual-stack, retries, CA bundle
/// and app id come from the template builder (the resolved [`crate::settings::Settings`]).
///
/// [`DefaultChain::new`](crate::DefaultChain::new) makes one from the settings of its environment;
/// make your own for an MFA callback or the AWS CLI's cache, from the same settings (so that it
/// calls STS where `AWS_ENDPOINT_URL_STS` or the profile says, with the CA bundle and retries they
/// configure):
///
/// ```
/// # #[path = "../../examples/common/mod.rs"] mod common;
/// # let config = "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n\
/// #     [profile base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = example-secret\n";
/// # let _fake = common::doc_fake_with_profile(config, "deploy"); // a loopback fake STS, never AWS
/// use sts_blocking::credentials::{DefaultChain, Env, ProvideCredentials};
/// use sts_blocking::settings::{Overrides, Settings};
/// use std::sync::Arc;
/// // A chain that follows `role_arn` / `source_profile` / `credential_source` profiles, asking for
/// // MFA codes on the terminal. `Settings::credentials_provider` builds the same, cached.
/// let settings = Settings::load(&Env::real(), &Overrides::default())?;
/// let assumer = settings.role_assumer(Some(Arc::new(|serial: &str| -> Result<String, sts_blocking::Error> {
///     eprint!("MFA code for {serial}: ");
///     let mut code = String::new();
///     std::io::stdin().read_line(&mut code).map_err(|e| sts_blocking::Error::config(e.to_string()))?;
///     Ok(code.trim().to_owned())
/// })));
/// let chain = DefaultChain::builder(Env::real()).role_assumer(Some(Arc::new(assumer))).build();
/// assert!(chain.provide_credentials()?.access_key_id.starts_with("ASIA"));
/// # Ok::<(), sts_blocking::Error>(())
/// ```
pub struct StsRoleAssumer {
    template: StsBuilder,
    region_override: Option<String>,
    fallback_region: Option<String>,
    mfa: Option<Arc<dyn MfaTokenProvider>>,
    cli_cache: Option<CliCache>,
    clock: Clock,
    clients: Mutex<HashMap<String, Sts>>,
}

impl fmt::Debug for StsRoleAssumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsRoleAssumer")
            .field("template", &self.template)
            .field("region_override", &self.region_override)
            .field("fallback_region", &self.fallback_region)
            .field("mfa", &self.mfa.is_some())
            .field("cli_cache", &self.cli_cache)
            .finish_non_exhaustive()
    }
}

impl StsRoleAssumer {
    /// An assumer building its clients from `template` (its credentials and region are replaced).
    #[must_use]
    pub fn new(template: StsBuilder) -> Self {
        Self {
            template,
            region_override: None,
            fallback_region: None,
            mfa: None,
            cli_cache: None,
            clock: system_clock(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// A region that beats every profile `region` (explicit, or from the environment).
    #[must_use]
    pub fn region_override(mut self, region: Option<String>) -> Self {
        self.region_override = region;
        self
    }

    /// The region used when neither the override nor the hop's profile has one.
    #[must_use]
    pub fn fallback_region(mut self, region: Option<String>) -> Self {
        self.fallback_region = region;
        self
    }

    /// Asked for a code whenever a hop has `mfa_serial`.
    #[must_use]
    pub fn mfa(mut self, provider: Option<Arc<dyn MfaTokenProvider>>) -> Self {
        self.mfa = provider;
        self
    }

    /// Reuses and writes sessions in the AWS CLI's credential cache (`~/.aws/cli/cache`), so `aws`
    /// and this crate share them and an MFA role prompts once per session. Off by default: the
    /// cache keeps live session credentials on disk (see the [security note](crate::credentials::CliCache)).
    #[must_use]
    pub fn cli_cache(mut self, cache: Option<CliCache>) -> Self {
        self.cli_cache = cache;
        self
    }

    /// Reads "now" from `clock` (default: the system clock) for the AWS CLI cache and generated
    /// session names (tests replaying old sessions).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The region a call for a profile with `region` goes to.
    #[must_use]
    pub(crate) fn region_for(&self, profile_region: Option<&str>) -> String {
        self.region_override
            .as_deref()
            .or(profile_region)
            .or(self.fallback_region.as_deref())
            .unwrap_or("us-east-1")
            .to_owned()
    }

    /// The (cached) client for `region`.
    ///
    /// # Errors
    /// The builder's errors.
    pub(crate) fn client(&self, region: &str) -> Result<Sts, Error> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(region) {
            return Ok(c.clone());
        }
        let sts = self.template.clone().region(region).build()?;
        clients.insert(region.to_owned(), sts.clone());
        Ok(sts)
    }
}

impl StsRoleAssumer {
    /// `AssumeRole` for one hop of a [profile's plan](crate::credentials::ProfileSet::plan), signed
    /// with `source`, as the default chain assumes each role of a chain: the hop's region rules,
    /// session name, external id, duration and MFA code (from this assumer's provider), and the
    /// AWS CLI's cache when this assumer has one.
    ///
    /// # Errors
    /// Any STS or transport error; [`Error::Credentials`] for an MFA code that cannot be had.
    pub fn assume_role(&self, source: &Credentials, hop: &RoleHop) -> Result<Credentials, Error> {
        <Self as RoleAssumer>::assume_role(self, source, hop)
    }
}

/// `StsRoleAssumer::region_for`, for the tests (through `__private`).
#[must_use]
pub fn region_for(assumer: &StsRoleAssumer, profile_region: Option<&str>) -> String {
    assumer.region_for(profile_region)
}

/// `StsRoleAssumer::client`, for the tests (through `__private`).
///
/// # Errors
/// As `StsRoleAssumer::client`.
pub fn client(assumer: &StsRoleAssumer, region: &str) -> Result<Sts, Error> {
    assumer.client(region)
}

impl crate::sealed::Sealed for StsRoleAssumer {}

impl RoleAssumer for StsRoleAssumer {
    fn assume_role(&self, source: &Credentials, hop: &RoleHop) -> Result<Credentials, Error> {
        let slot = self.cli_cache.clone().map(|cache| CacheSlot {
            cache,
            key: role_hop_cache_key(hop),
        });
        let now = (self.clock)();
        if let Some(c) = slot.as_ref().and_then(|slot| slot.load(now)) {
            return Ok(c);
        }
        let sts = self.client(&self.region_for(hop.region.as_deref()))?;
        let session = hop
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(now));
        let mut op = AssumeRole::new(&hop.role_arn, session);
        op.external_id.clone_from(&hop.external_id);
        // As the AWS CLI: DurationSeconds only when the profile sets duration_seconds (STS
        // then applies its default, one hour). Out of range is an error (as 43201 is).
        op.duration_seconds = match hop.duration_seconds {
            None => None,
            Some(d) => Some(i32::try_from(d).map_err(|_| Error::InvalidInput {
                violations: vec![Violation {
                    field: "DurationSeconds".into(),
                    rule: Rule::MaxValue {
                        max: 43_200,
                        actual: i64::from(d),
                    },
                }],
            })?),
        };
        if let Some(serial) = &hop.mfa_serial {
            let Some(mfa) = &self.mfa else {
                return Err(CredentialsError::new(
                    format!("profile:{}", hop.profile),
                    format!(
                        "profile `{}` has mfa_serial {serial} but no MFA token provider is set",
                        hop.profile
                    ),
                )
                .into());
            };
            op.serial_number = Some(serial.clone());
            op.token_code = Some(fetch_code(&**mfa, serial)?.into());
        }
        let (c, role) = assume_role_with_user(&sts, &op, source)?;
        if let Some(slot) = &slot {
            slot.store(&c, role.as_ref());
        }
        Ok(c)
    }

    fn cached(&self, hop: &RoleHop) -> Option<Credentials> {
        let cache = self.cli_cache.as_ref()?;
        cache.load(&role_hop_cache_key(hop), (self.clock)())
    }

    fn assume_role_with_web_identity(
        &self,
        config: &WebIdentityConfig,
    ) -> Result<Credentials, Error> {
        let extra = WebIdentityExtra::default();
        let slot = self.cli_cache.clone().and_then(|cache| {
            let key = web_identity_cache_key(config, &extra)?;
            Some(CacheSlot { cache, key })
        });
        let now = (self.clock)();
        if let Some(c) = slot.as_ref().and_then(|slot| slot.load(now)) {
            return Ok(c);
        }
        let sts = self.client(&self.region_for(config.region.as_deref()))?;
        let (c, role) = web_identity_with_user(&sts, config, &extra, now)?;
        if let Some(slot) = &slot {
            slot.store(&c, role.as_ref());
        }
        Ok(c)
    }
}
