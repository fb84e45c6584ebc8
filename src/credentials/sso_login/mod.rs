//! [`SsoLogin`]: what the credential chain calls when an SSO profile's token is missing or has
//! expired beyond refresh, so that an interactive program can sign the user in (a browser, a
//! device code) instead of failing. The `sts` program passes one that offers `sts sso login`
//! when standard input and standard error are a terminal; library users get none unless they
//! set one (`Settings::sso_login`, `DefaultChainBuilder::sso_login`).

#[cfg(feature = "client")]
pub(crate) mod cache;
#[cfg(feature = "client")]
pub(crate) mod oidc;
#[cfg(feature = "client")]
pub(crate) mod portal;
#[cfg(feature = "client")]
pub(crate) mod start_url;

use crate::Error;
use std::fmt;
use std::sync::Arc;

/// The SSO sign-in a profile needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoLoginRequest {
    /// The profile being resolved.
    pub profile: String,
    /// Its `[sso-session]`, when it uses one (else a legacy profile with the keys inline).
    pub session_name: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// Why: the token file is missing, unusable, or its token expired.
    pub reason: String,
}

impl SsoLoginRequest {
    /// The sign-in `profile` needs: its `[sso-session]` (`None` for a legacy profile), start URL
    /// and region, and why.
    #[must_use]
    pub fn new(
        profile: impl Into<String>,
        session_name: Option<String>,
        start_url: impl Into<String>,
        region: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            profile: profile.into(),
            session_name,
            start_url: start_url.into(),
            region: region.into(),
            reason: reason.into(),
        }
    }
}

/// Signs the user in for a request, leaving a token where the chain reads it
/// (`~/.aws/sso/cache`); the chain then tries the profile once more.
///
/// ```
/// use sts_blocking::credentials::{sso_login, SsoLoginRequest};
/// // A program without a terminal declines: the chain then fails with its own error.
/// let decline = sso_login(|_r: &SsoLoginRequest| Ok(false));
/// # let _ = decline;
/// ```
pub trait SsoLogin: Send + Sync {
    /// Signs in for `request`: `Ok(true)` when a token was written, `Ok(false)` when declined
    /// (no terminal, the user said no): the chain's own error stands.
    ///
    /// # Errors
    /// Why a sign-in that was started failed.
    fn login(&self, request: &SsoLoginRequest) -> Result<bool, Error>;
}

impl<F> SsoLogin for F
where
    F: Fn(&SsoLoginRequest) -> Result<bool, Error> + Send + Sync,
{
    fn login(&self, request: &SsoLoginRequest) -> Result<bool, Error> {
        self(request)
    }
}

impl fmt::Debug for dyn SsoLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SsoLogin")
    }
}

/// A shared [`SsoLogin`] from a closure.
pub fn sso_login(
    f: impl Fn(&SsoLoginRequest) -> Result<bool, Error> + Send + Sync + 'static,
) -> Arc<dyn SsoLogin> {
    Arc::new(f)
}

/// Runs `attempt` (an SSO provider's); when it fails and the token file at `token_file` is
/// missing, unusable or expired at `now` (a refresh, if any, was already tried), asks `login`
/// and, after a sign-in, runs `attempt` once more; a declined login is an error that says what
/// to run.
#[cfg(feature = "client")]
pub(crate) fn with_login<T>(
    login: Option<&dyn SsoLogin>,
    request: impl FnOnce(String) -> SsoLoginRequest,
    token_file: &std::path::Path,
    now: time::OffsetDateTime,
    attempt: impl Fn() -> Result<T, Error>,
) -> Result<T, Error> {
    use crate::credentials::sso_login::cache::{SsoTokenState, sso_token_state};
    let first = attempt();
    let (Err(e), Some(login)) = (&first, login) else {
        return first;
    };
    let reason = match sso_token_state(token_file, now) {
        SsoTokenState::Missing => "there is no SSO token",
        SsoTokenState::Unusable => "the SSO token file cannot be used",
        SsoTokenState::Expired => "the SSO token has expired",
        SsoTokenState::Valid => return first,
    };
    log::debug!("SSO login offered: {reason} ({e})");
    let request = request(reason.to_owned());
    if login.login(&request)? {
        return attempt();
    }
    // Declined (no terminal, or the user said no): say what to run, not which file is missing.
    Err(declined(&request))
}

/// The error of a login `request` that was declined: what to run.
#[cfg(feature = "client")]
pub(crate) fn declined(request: &SsoLoginRequest) -> Error {
    let target = match &request.session_name {
        Some(s) => format!("--sso-session {s}"),
        None => format!("--profile {}", request.profile),
    };
    crate::error::CredentialsError::new(
        "sso",
        format!(
            "{} (profile {}) and no login was made: run `sts sso login {target}` (or `aws sso \
             login {target}`)",
            request.reason, request.profile
        ),
    )
    .into()
}
