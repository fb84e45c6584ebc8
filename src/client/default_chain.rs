//! [`DefaultChain::new`] and [`DefaultChain::builder`] with the client: the AWS CLI's chain, whose
//! role profiles and web identity are assumed through STS with the settings the chain's
//! environment and profiles resolve. They live here, above the credentials module, because the
//! chain sits below the client and the STS role assumer above it.

use crate::Error;
use crate::client::sts_assumer::StsRoleAssumer;
use crate::credentials::Credentials;
use crate::credentials::cached::Clock;
use crate::credentials::chain::{DefaultChain, DefaultChainBuilder};
use crate::credentials::plan::RoleHop;
use crate::credentials::providers::web_identity::WebIdentityConfig;
use crate::credentials::sources::RoleAssumer;
use crate::env::Env;
use crate::profile::ProfileSet;
use crate::settings::{Overrides, Settings};
use std::fmt;
use std::sync::{Arc, Mutex};

impl DefaultChain {
    /// The AWS CLI's chain reading `env`: environment → profile → web identity → container →
    /// IMDS. Profiles that assume a role (`role_arn` with `source_profile` or
    /// `credential_source`) and web identity go through STS at the endpoint, in the region and
    /// with the retries and CA bundle that `env` and the profiles configure (`AWS_ENDPOINT_URL_STS`,
    /// a profile's `endpoint_url`, ...), as [`Sts::from_env`](crate::Sts::from_env) would. Nothing
    /// is read until credentials are asked for; a role that needs an MFA code fails (set one with
    /// [`Settings::role_assumer`] and [`DefaultChainBuilder::role_assumer`]).
    #[must_use]
    pub fn new(env: Env) -> Self {
        Self::builder(env).build()
    }

    /// A builder for a chain reading `env`, assuming roles as [`DefaultChain::new`] does (with
    /// the profiles, clock and options the builder is given).
    #[must_use]
    pub fn builder(env: Env) -> DefaultChainBuilder {
        DefaultChainBuilder::new(env, Some(from_settings))
    }
}

/// The chain's default role assumer: an [`StsRoleAssumer`] made on first use from the settings of
/// the chain's environment and profiles.
fn from_settings(
    env: &Env,
    profiles: Option<&Arc<ProfileSet>>,
    clock: Option<&Clock>,
) -> Arc<dyn RoleAssumer> {
    Arc::new(SettingsAssumer {
        env: env.clone(),
        profiles: profiles.cloned(),
        clock: clock.cloned(),
        made: Mutex::new(None),
    })
}

/// Reading the settings can fail (a malformed file, a blank CA bundle): the error then comes with
/// the credentials, as every other error of the chain does, and the next call tries again.
struct SettingsAssumer {
    env: Env,
    profiles: Option<Arc<ProfileSet>>,
    clock: Option<Clock>,
    made: Mutex<Option<Arc<StsRoleAssumer>>>,
}

impl fmt::Debug for SettingsAssumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingsAssumer")
            .field("made", &self.made)
            .finish_non_exhaustive()
    }
}

impl SettingsAssumer {
    fn get(&self) -> Result<Arc<StsRoleAssumer>, Error> {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = &*made {
            return Ok(a.clone());
        }
        let settings = match &self.profiles {
            Some(p) => {
                Settings::from_profiles(&self.env, ProfileSet::clone(p), &Overrides::default())?
            }
            None => Settings::load(&self.env, &Overrides::default())?,
        };
        let mut assumer = settings.role_assumer(None);
        if let Some(c) = &self.clock {
            assumer = assumer.clock(c.clone());
        }
        let assumer = Arc::new(assumer);
        *made = Some(assumer.clone());
        Ok(assumer)
    }
}

impl crate::sealed::Sealed for SettingsAssumer {}

impl RoleAssumer for SettingsAssumer {
    fn assume_role(&self, source: &Credentials, hop: &RoleHop) -> Result<Credentials, Error> {
        self.get()?.assume_role(source, hop)
    }

    fn assume_role_with_web_identity(
        &self,
        config: &WebIdentityConfig,
    ) -> Result<Credentials, Error> {
        self.get()?.assume_role_with_web_identity(config)
    }

    fn cached(&self, hop: &RoleHop) -> Option<Credentials> {
        self.get().ok()?.cached(hop)
    }
}
