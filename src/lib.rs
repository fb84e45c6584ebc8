//! # sts-blocking
//!
//! A blocking AWS STS client for CLI tools, build scripts and ordinary synchronous programs: no async
//! runtime, a hand-written SigV4 signer, and a handful of dependencies.
//!
//! The crate is a pure core (SigV4 in [`sigv4`], form encoding in [`query`], endpoint rules in
//! [`endpoint`], typed operations in [`ops`], XML decoding in [`xml`]) plus, behind the default `client`
//! feature, a thin blocking shell that sends requests with `ureq`.
//!
//! ```
//! use sts_blocking::ops::{GetCallerIdentity, Operation};
//! // The pure core: build the form body of a request without any I/O.
//! let form = GetCallerIdentity::new().to_form().unwrap();
//! assert_eq!(form.as_str(), "Action=GetCallerIdentity&Version=2011-06-15");
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
mod client_presign;
pub mod clock;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod files;
pub mod json;
pub mod ops;
pub mod presign;
pub mod query;
#[cfg(feature = "client")]
mod redact;
pub mod retry;
mod secret;
#[cfg(feature = "client")]
pub mod settings;
pub mod sigv4;
#[cfg(feature = "client")]
pub mod transport;
pub mod url;
mod validate;
pub mod xml;

#[cfg(feature = "client")]
pub use client::{Sts, StsBuilder};
pub use credentials::MfaTokenProvider;
#[cfg(feature = "client")]
pub use credentials::{AssumeRoleProvider, StsRoleAssumer, WebIdentityProvider};
pub use credentials::{CachedProvider, DefaultChain, EnvironmentProvider, ProcessProvider};
pub use credentials::{Credentials, ProvideCredentials};
pub use error::{Error, ErrorCode, ServiceError};
pub use secret::SecretString;
#[cfg(feature = "client")]
pub use settings::{Overrides, Settings};
/// The `time` crate, re-exported because its types are in this API (expiration times, the clock
/// passed to the pure functions), so callers need not depend on a matching version themselves.
///
/// ```
/// use sts_blocking::time::{Duration, OffsetDateTime};
/// let at = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
/// assert_eq!(sts_blocking::sigv4::format_amz_date(at), "19700102T000000Z");
/// ```
pub use time;

/// The README's code examples, compiled as doctests.
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
