//! # sts-blocking
//!
//! A blocking AWS STS client for CLI tools, build scripts and ordinary synchronous programs: no async
//! runtime, a hand-written SigV4 signer, and a handful of dependencies.
//!
//! ## Quick start
//!
//! ```
//! # #[cfg(feature = "client")] {
//! # #[path = "../examples/common/mod.rs"] mod common;
//! # let _fake = common::doc_fake(); // doc examples talk to a loopback fake STS, never to AWS
//! use sts_blocking::ops::AssumeRole;
//! use sts_blocking::Sts;
//!
//! // A client configured like the AWS CLI: region, endpoint, retries and CA bundle, and the
//! // credentials of its chain (environment, profiles with their roles, SSO, `aws login`,
//! // containers, IMDS), from the environment and the shared files in ~/.aws.
//! let sts = Sts::from_env()?;
//!
//! // Who am I?
//! let me = sts.get_caller_identity()?;
//! println!("{}", me.arn.unwrap_or_default());
//!
//! // A role's temporary credentials.
//! let role = sts
//!     .assume_role(&AssumeRole::new("arn:aws:iam::123456789012:role/deploy", "build-42"))?
//!     .into_credentials()?;
//! assert!(role.access_key_id.starts_with("ASIA")); // Debug never shows the secret or the token
//! # }
//! # Ok::<(), sts_blocking::Error>(())
//! ```
//!
//! Every failure is one typed [`Error`]; returned from `main`, it prints what happened and what
//! to do. The credential chain alone is [`DefaultChain`] (`DefaultChain::new(Env::real())`, with
//! [`credentials::Env`]), each of its sources a provider of [`credentials`];
//! [`AssumeRoleProvider`] keeps a role's session fresh for any client; [`settings`] resolves what
//! the AWS CLI resolves, for clients built by hand. The README's API tour goes further.
//!
//! ## The crate
//!
//! A pure core (SigV4 in [`sigv4`], endpoint rules in [`endpoint`], typed operations with their
//! form encoding and response decoding in [`ops`], presigned requests in [`presign`], the call
//! engine in [`engine`]) plus, behind the default `client` feature, a thin blocking shell that
//! sends requests with `ureq` (`Sts`) and the credential providers that do I/O ([`credentials`]).
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
mod clock;
pub mod credentials;
pub mod endpoint;
pub mod engine;
mod env;
pub mod error;
pub mod files;
mod hex;
pub mod iam;
pub mod json;
pub mod ops;
pub mod presign;
mod profile;
mod query;
mod random;
mod redact;
pub mod retry;
pub mod roles_anywhere;
mod secret;
pub mod settings;
#[cfg(feature = "client")]
mod signin_token;
pub mod sigv4;
#[cfg(feature = "client")]
mod transport;
mod url;
mod validate;
mod xml;

#[cfg(feature = "client")]
pub use client::{Sts, StsBuilder};
pub use credentials::MfaTokenProvider;
#[cfg(feature = "client")]
pub use credentials::{AssumeRoleProvider, StsRoleAssumer, WebIdentityProvider};
pub use credentials::{CachedProvider, DefaultChain, EnvironmentProvider, ProcessProvider};
pub use credentials::{Credentials, ProvideCredentials};
pub use error::{Error, ErrorCode, ServiceError};
pub use secret::SecretString;
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

/// Seals the traits users name but do not implement ([`ops::Operation`],
/// [`credentials::RoleAssumer`]): their internal methods can then change in any release.
mod sealed {
    /// Implemented by this crate's types only.
    pub trait Sealed {}
}

/// **Not public API.** Internals the library's own tests, doctests, benches and fuzz targets reach
/// (the `sts` program uses the public API only): the URL, clock, query and XML codecs, retry
/// classification, base64, the profile parser and the providers' document parsers, and the AWS
/// CLI cache format. Nothing here is covered by semantic versioning: any of it may change or go
/// in a patch release. Depend on the documented modules instead.
#[doc(hidden)]
pub mod __private {
    /// Endpoint URL parsing.
    pub mod url {
        pub use crate::url::*;
    }
    /// Clock-skew correction and HTTP dates.
    pub mod clock {
        pub use crate::clock::*;
    }
    /// The awsQuery form codec.
    pub mod query {
        pub use crate::query::*;
    }
    /// The XML response reader, and the decoder of an operation's response built on it.
    pub mod xml {
        pub use crate::ops::decode::decode_response;
        pub use crate::xml::*;
    }
    /// Retry classification, the retry quota and the adaptive rate limiter.
    pub mod retry {
        pub use crate::retry::quota::*;
    }
    /// Base64 as the presigners use it.
    pub mod base64 {
        pub use crate::presign::base64::*;
    }
    /// The credential providers' internals.
    pub mod credentials {
        /// The AWS CLI credential cache (`~/.aws/cli/cache`).
        pub mod cli_cache {
            pub use crate::credentials::cli_cache::*;
        }
        #[cfg(feature = "client")]
        /// The container credentials provider.
        pub mod container {
            pub use crate::credentials::providers::container::*;
        }
        #[cfg(feature = "client")]
        /// The IMDS provider.
        pub mod imds {
            pub use crate::credentials::providers::imds::*;
        }
        #[cfg(feature = "client")]
        /// The `aws login` authorization flows.
        pub mod login_flow {
            pub use crate::credentials::login_flow::*;
        }
        /// MFA code providers (`mfa_provider` for the tests).
        pub mod mfa {
            pub use crate::credentials::providers::mfa::*;
        }
        /// `credential_process`.
        pub mod process {
            pub use crate::credentials::providers::process::*;
        }
        /// The shared config and credentials file parser.
        pub mod profile {
            pub use crate::profile::*;
        }
        #[cfg(feature = "client")]
        /// IAM Identity Center role credentials.
        pub mod sso {
            pub use crate::credentials::providers::sso::*;
        }
        #[cfg(feature = "client")]
        /// SSO OIDC tokens.
        pub mod sso_token {
            pub use crate::credentials::providers::sso_token::*;
        }
        #[cfg(feature = "client")]
        /// The STS role assumer of profile plans.
        pub mod sts_assumer {
            pub use crate::client::sts_assumer::*;
        }
        /// Web identity token files.
        pub mod web_identity {
            pub use crate::credentials::providers::web_identity::*;
        }
    }
    pub use crate::sealed::Sealed;
}

/// The README's code examples, compiled as doctests.
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
