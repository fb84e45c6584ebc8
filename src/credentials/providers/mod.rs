//! The credential sources that read the machine: environment variables, `credential_process`,
//! web identity token files, the container and instance metadata endpoints, IAM Identity Center
//! (SSO) and its tokens, and MFA codes; with what they share (the token endpoints' HTTP, the
//! refresh lock beside a shared token file).

#[cfg(feature = "client")]
pub(crate) mod container;
pub(crate) mod env_vars;
#[cfg(feature = "client")]
pub(crate) mod imds;
pub(crate) mod mfa;
pub(crate) mod process;
#[cfg(feature = "client")]
pub(crate) mod refresh_lock;
#[cfg(feature = "client")]
pub(crate) mod roles_anywhere;
#[cfg(feature = "client")]
pub(crate) mod scoped;
#[cfg(feature = "client")]
pub(crate) mod sso;
#[cfg(feature = "client")]
pub(crate) mod sso_token;
#[cfg(feature = "client")]
pub(crate) mod token_http;
pub(crate) mod web_identity;
