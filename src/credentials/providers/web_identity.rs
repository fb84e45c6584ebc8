//! Web identity (EKS IRSA, GitHub OIDC): the settings from `AWS_WEB_IDENTITY_TOKEN_FILE`,
//! `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`, and reading the token file.
//!
//! The provider itself calls `AssumeRoleWithWebIdentity` and lives with the STS client; it must call
//! [`WebIdentityConfig::read_token`] on every refresh, because the kubelet rotates the file.

use crate::Error;
use crate::SecretString;
use crate::credentials::plan::WebIdentitySource;
use crate::env::{Env, Platform};
use crate::error::CredentialsError;
use crate::settings::property::REGION;
use std::path::PathBuf;

/// Where the web identity token is and which role to assume with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebIdentityConfig {
    /// The token file (re-read on every call of [`WebIdentityConfig::read_token`]).
    pub token_file: PathBuf,
    /// The role to assume.
    pub role_arn: String,
    /// The session name; the caller generates one (`web-identity-token-<ms>`) when `None`.
    pub session_name: Option<String>,
    /// The region for the STS call, when configured with the settings.
    pub region: Option<String>,
}

impl WebIdentityConfig {
    /// Assume `role_arn` with the token in `token_file` (no session name or region set).
    pub fn new(role_arn: impl Into<String>, token_file: impl Into<PathBuf>) -> Self {
        Self {
            token_file: token_file.into(),
            role_arn: role_arn.into(),
            session_name: None,
            region: None,
        }
    }

    /// Sets the session name.
    #[must_use]
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Sets the region of the STS call.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The settings from the environment.
    ///
    /// Returns `Ok(None)` when `AWS_WEB_IDENTITY_TOKEN_FILE` is unset (not configured).
    ///
    /// A leading `~` in the token file is expanded as the AWS CLI expands it (`~` or `~user`; an error when the home directory is unknown).
    ///
    /// # Errors
    /// [`Error::Credentials`] when the token file is set but `AWS_ROLE_ARN` is not; [`Error::File`]
    /// for a `~` path without a home directory.
    pub fn from_env(env: &Env) -> Result<Option<Self>, Error> {
        let Some(file) = env.get("AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return Ok(None);
        };
        let Some(role_arn) = env.get("AWS_ROLE_ARN") else {
            return Err(CredentialsError::new(
                "web_identity",
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
            )
            .into());
        };
        Ok(Some(Self {
            token_file: env.expand_home(&file, Platform::current(), "web identity token file")?,
            role_arn,
            session_name: env.get("AWS_ROLE_SESSION_NAME"),
            // The region as the client reads it, from the environment only (as the token file).
            region: REGION.get(env, None)?,
        }))
    }

    /// Reads the token file now (call it on every refresh). Surrounding whitespace is trimmed.
    ///
    /// # Errors
    /// [`Error::Credentials`] when the file cannot be read or is empty.
    pub fn read_token(&self) -> Result<SecretString, Error> {
        read_token_file(&self.token_file)
    }
}

impl From<WebIdentitySource> for WebIdentityConfig {
    fn from(s: WebIdentitySource) -> Self {
        Self {
            token_file: s.token_file,
            role_arn: s.role_arn,
            session_name: s.session_name,
            region: s.region,
        }
    }
}

/// Reads a token file, trimmed. Errors name the file, never the contents.
///
/// The file must be a regular file of at most [`MAX_TOKEN_FILE`](crate::files::MAX_TOKEN_FILE)
/// bytes (a FIFO or device is refused at once, never waited on).
///
/// # Errors
/// [`Error::Credentials`] when the file cannot be read, is too large, is not UTF-8, or is empty
/// (with the [`Error::File`] as its source).
pub fn read_token_file(path: &std::path::Path) -> Result<SecretString, Error> {
    let fail = |message: String, source: Option<Error>| -> Error {
        Error::Credentials(CredentialsError {
            source: source.map(Box::new),
            ..CredentialsError::new("web_identity", message)
        })
    };
    let text = crate::files::read_capped_text(
        path,
        crate::files::MAX_TOKEN_FILE,
        "web identity token file",
    )
    .map_err(|e| fail("no web identity token".to_owned(), Some(e)))?;
    let token = SecretString::new(text.trim());
    drop(SecretString::new(text));
    if token.is_empty() {
        return Err(fail(
            format!("token file {} is empty", path.display()),
            None,
        ));
    }
    Ok(token)
}
