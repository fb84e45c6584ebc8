//! # sts-blocking
//!
//! A blocking AWS STS client for CLI tools, build scripts and ordinary synchronous programs: no async
//! runtime, a hand-written SigV4 signer, and a handful of dependencies.
//!
//! The crate is a pure core (SigV4 in [`sigv4`], endpoint rules in [`endpoint`], typed operations
//! with their form encoding and response decoding in [`ops`], presigned requests in [`presign`])
//! plus, behind the default `client` feature, a thin blocking shell that sends requests with `ureq`
//! (`Sts`) and the credential providers that do I/O ([`credentials`]).
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
pub mod error;
mod files;
mod hex;
pub mod iam;
mod json;
pub mod ops;
pub mod presign;
mod query;
mod redact;
pub mod retry;
mod secret;
pub mod settings;
pub mod sigv4;
#[cfg(feature = "client")]
pub mod transport;
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

/// **Not public API.** Internals the `sts` binary (a separate crate in this package), the tests,
/// the benches and the fuzz targets need: the JSON reader, the query and XML codecs, the profile
/// parser, the role-chain planner, the retry quota, the AWS CLI cache format, `aws login` and
/// console sign-in internals. Nothing here is covered by semantic versioning: any of it may change
/// or go in a patch release. Depend on the documented modules instead.
#[doc(hidden)]
pub mod __private {
    /// The JSON reader and writer helpers.
    pub mod json {
        pub use crate::json::*;
    }
    /// Endpoint URL parsing.
    pub mod url {
        pub use crate::url::*;
    }
    /// Clock-skew correction and HTTP dates.
    pub mod clock {
        pub use crate::clock::*;
    }
    /// Size caps and capped reads of local files.
    pub mod files {
        pub use crate::files::*;
    }
    /// The awsQuery form codec.
    pub mod query {
        pub use crate::query::*;
    }
    /// The XML response decoder.
    pub mod xml {
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
    /// Escaping of outside text for messages.
    pub mod redact {
        pub use crate::redact::escape_controls;
    }
    /// The declaration of every setting read from the environment and the profile.
    pub mod settings {
        pub use crate::settings::property::*;
    }
    /// The credential providers' internals.
    pub mod credentials {
        #[cfg(feature = "client")]
        /// The STS-backed role and web identity providers.
        pub mod assume_role {
            pub use crate::credentials::assume_role::*;
        }
        /// The caching provider and its clock.
        pub mod cache {
            pub use crate::credentials::cache::*;
        }
        /// The default chain and role-chain execution.
        pub mod chain {
            pub use crate::credentials::chain::*;
        }
        /// The AWS CLI credential cache (`~/.aws/cli/cache`).
        pub mod cli_cache {
            pub use crate::credentials::cli_cache::*;
        }
        /// The shared config file writer.
        pub mod config_writer {
            pub use crate::credentials::config_writer::*;
        }
        #[cfg(feature = "client")]
        /// The container credentials provider.
        pub mod container {
            pub use crate::credentials::container::*;
        }
        /// The injectable environment and platform rules.
        pub mod env {
            pub use crate::credentials::env::*;
        }
        /// Console federation sign-in.
        pub mod federation {
            pub use crate::credentials::federation::*;
        }
        #[cfg(feature = "client")]
        /// The IMDS provider.
        pub mod imds {
            pub use crate::credentials::imds::*;
        }
        #[cfg(feature = "client")]
        /// `aws login` sessions.
        pub mod login {
            pub use crate::credentials::login::*;
        }
        #[cfg(feature = "client")]
        /// The `aws login` authorization flows.
        pub mod login_flow {
            pub use crate::credentials::login_flow::*;
        }
        /// MFA code providers.
        pub mod mfa {
            pub use crate::credentials::mfa::*;
        }
        /// Role-chain planning from profiles.
        pub mod plan {
            pub use crate::credentials::plan::*;
        }
        /// `credential_process`.
        pub mod process {
            pub use crate::credentials::process::*;
        }
        /// The shared config and credentials file parser.
        pub mod profile {
            pub use crate::credentials::profile::*;
        }
        #[cfg(feature = "client")]
        /// IAM Identity Center role credentials.
        pub mod sso {
            pub use crate::credentials::sso::*;
        }
        #[cfg(feature = "client")]
        /// SSO OIDC tokens.
        pub mod sso_token {
            pub use crate::credentials::sso_token::*;
        }
        #[cfg(feature = "client")]
        /// The STS role assumer of profile plans.
        pub mod sts_assumer {
            pub use crate::credentials::sts_assumer::*;
        }
        /// Web identity token files.
        pub mod web_identity {
            pub use crate::credentials::web_identity::*;
        }
    }
    pub use crate::sealed::Sealed;
}

/// The README's code examples, compiled as doctests.
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
