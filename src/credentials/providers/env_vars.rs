//! [`EnvironmentProvider`]: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_CREDENTIAL_EXPIRATION`, `AWS_ACCOUNT_ID`.

use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::CredentialsError;
use crate::{Error, SecretString};

/// Credentials from environment variables. Empty or blank values count as unset.
///
/// ```
/// use sts_blocking::credentials::{Env, EnvironmentProvider};
/// use sts_blocking::ProvideCredentials;
/// let env = Env::from_map([("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "s"), ("AWS_SESSION_TOKEN", "")]);
/// let c = EnvironmentProvider::new(env).provide_credentials().unwrap();
/// assert_eq!(c.access_key_id, "AKID");
/// assert!(c.session_token.is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct EnvironmentProvider {
    env: Env,
}

impl EnvironmentProvider {
    /// Reads from `env`.
    #[must_use]
    pub fn new(env: Env) -> Self {
        Self { env }
    }

    /// Whether the access key variables are set at all (so a chain can say "not configured").
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.env.get("AWS_ACCESS_KEY_ID").is_some()
            || self.env.get("AWS_SECRET_ACCESS_KEY").is_some()
    }
}

pub(crate) use crate::clock::parse_rfc3339;

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let id = self.env.get("AWS_ACCESS_KEY_ID");
        let secret = self.env.get("AWS_SECRET_ACCESS_KEY");
        let (id, secret) = match (id, secret) {
            (Some(i), Some(s)) => (i, s),
            (None, None) => {
                return Err(CredentialsError::new(
                    "environment",
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: the credential provider was not enabled",
                )
                .into());
            }
            (Some(_), None) => {
                return Err(CredentialsError::new(
                    "environment",
                    "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
                )
                .into());
            }
            (None, Some(_)) => {
                return Err(CredentialsError::new(
                    "environment",
                    "Partial credentials found in env, missing: AWS_ACCESS_KEY_ID",
                )
                .into());
            }
        };
        let mut c = Credentials::new(
            id,
            secret,
            self.env.get("AWS_SESSION_TOKEN").map(SecretString::new),
        );
        if let Some(exp) = self.env.get("AWS_CREDENTIAL_EXPIRATION") {
            c.expiration = Some(parse_rfc3339(
                "environment",
                "AWS_CREDENTIAL_EXPIRATION",
                &exp,
            )?);
        }
        c.account_id = self.env.get("AWS_ACCOUNT_ID");
        Ok(c)
    }

    fn source_name(&self) -> String {
        "environment".to_owned()
    }
}
