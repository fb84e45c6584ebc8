//! Every setting read from the environment and the selected profile, declared once: its
//! environment variables, its profile key, its default and how its text is read (aws-config's
//! `StandardProperty`). The client settings ([`Settings`](super::Settings)), the client from
//! environment variables alone, the credential providers and the `sts` command all read a setting
//! through its declaration here, so they cannot disagree about it.
//!
//! The rule: the first of the environment variables that is set, then the selected profile's key,
//! then the default. The rest was settled against botocore 1.44.8, which the AWS CLI runs on:
//!
//! - **Whitespace**: a value is trimmed. botocore trims profile values (its config parser does) but
//!   not environment variables; trimming both makes `AWS_REGION=" us-east-1"` work here where
//!   botocore fails.
//! - **Blank values** (empty or whitespace-only) count as unset: the next source decides.
//!   botocore takes a set variable as set even when empty, which shadows the profile and then
//!   fails for most settings (`int('')`, an endpoint `sts..amazonaws.com`); here the profile
//!   decides instead. The exception is the CA bundle ([`Blank::Error`]): botocore 1.44.8 refuses
//!   a blank one ("Invalid CA bundle"), and so does this crate rather than quietly trusting other
//!   roots than the ones the user meant to name.
//! - **Flags** are on for `true` in any case and off for anything else, never an error: botocore's
//!   `ensure_boolean` (`yes`, `1` and `on` are off).
//! - **`~`** at the start of the CA bundle is expanded (`~` or `~user`; an error without a home
//!   directory). botocore hands `~/ca.pem` to OpenSSL unexpanded, which reads it from the working
//!   directory; this crate never resolves `~` there (see SECURITY.md), for this path as for
//!   every other configured path.
//!
//! | Declaration | Environment | Profile key | Default |
//! |---|---|---|---|
//! | [`REGION`] | `AWS_REGION`, `AWS_DEFAULT_REGION` | `region` | none |
//! | [`USE_FIPS`] | `AWS_USE_FIPS_ENDPOINT` | `use_fips_endpoint` | off |
//! | [`USE_DUAL_STACK`] | `AWS_USE_DUALSTACK_ENDPOINT` | `use_dualstack_endpoint` | off |
//! | [`USE_GLOBAL_ENDPOINT`] | `AWS_STS_REGIONAL_ENDPOINTS` | `sts_regional_endpoints` | `regional` |
//! | [`RETRY_MODE`] | `AWS_RETRY_MODE` | `retry_mode` | the retry configuration's (standard) |
//! | [`MAX_ATTEMPTS`] | `AWS_MAX_ATTEMPTS` | `max_attempts` | the retry configuration's (3) |
//! | [`NEW_RETRIES_2026`] | `AWS_NEW_RETRIES_2026` | | off |
//! | [`CA_BUNDLE`] | `AWS_CA_BUNDLE` | `ca_bundle` | none (the default roots) |
//! | [`APP_ID`] | `AWS_SDK_UA_APP_ID` | `sdk_ua_app_id` | none |
//! | [`IMDS_DISABLED`] | `AWS_EC2_METADATA_DISABLED` | | off |
//! | [`IMDS_ENDPOINT`] | `AWS_EC2_METADATA_SERVICE_ENDPOINT` | `ec2_metadata_service_endpoint` | none |
//! | [`IMDS_ENDPOINT_MODE`] | `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` | `ec2_metadata_service_endpoint_mode` | none (IPv4) |
//! | [`IMDS_TIMEOUT`] | `AWS_METADATA_SERVICE_TIMEOUT` | `metadata_service_timeout` | none (1 s) |
//! | [`IMDS_ATTEMPTS`] | `AWS_METADATA_SERVICE_NUM_ATTEMPTS` | `metadata_service_num_attempts` | none (3) |
//!
//! Not here: the configured endpoint URLs (`AWS_ENDPOINT_URL_<SERVICE>`, whose names depend on
//! the service, in [`ProfileSet::configured_endpoint_url`](crate::credentials::ProfileSet::configured_endpoint_url)),
//! the profile selection and file locations (`AWS_PROFILE`, `AWS_CONFIG_FILE`, ...), and the
//! inputs of one provider that have no profile key (`AWS_ACCESS_KEY_ID`, `AWS_ROLE_ARN`,
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, ...), which each provider reads itself.

// Without the `client` feature the providers that read most of these settings are not built.
#![cfg_attr(not(feature = "client"), allow(dead_code))]

use crate::Error;
use crate::env::{Env, Platform};
use crate::profile::Section;
use crate::retry::RetryMode;
use std::fmt;
use std::path::PathBuf;

/// Where a value was found; errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env(&'static str),
    /// A key of the selected profile.
    Profile(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => f.write_str(name),
            Self::Profile(key) => write!(f, "profile key {key}"),
        }
    }
}

/// How a blank (empty or whitespace-only) value is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    /// As unset: the next source decides.
    Unset,
    /// As an error.
    Error,
}

/// Why a value could not be read.
#[derive(Debug)]
pub enum Invalid {
    /// Not one of the values the setting takes, which are these (`true or false`, ...).
    Expected(&'static str),
    /// An error of its own (a `~` path without a home directory).
    Error(Error),
}

/// One setting: where it is read, what it is when unset, and how its text is read. The rule is
/// the module's (`src/settings/property.rs`): the first variable set, then the profile key, then
/// the default; values trimmed, blank is unset (or an error, [`Blank::Error`]).
pub struct Property<T: 'static> {
    /// The environment variables, in order: the first that is set (and not blank) wins.
    pub env: &'static [&'static str],
    /// The selected profile's key, read when no variable is set.
    pub profile: Option<&'static str>,
    /// The value when neither is set.
    pub default: T,
    /// How a blank value is taken.
    pub blank: Blank,
    /// Reads the trimmed text (`env` expands `~` in paths).
    pub parse: fn(&str, &Env) -> Result<T, Invalid>,
}

impl<T> fmt::Debug for Property<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Property")
            .field("env", &self.env)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl<T: Clone> Property<T> {
    /// The trimmed text and where it was found: the environment variables in order, then the
    /// profile's key (when `profile` is given); `None` when none is set.
    ///
    /// # Errors
    /// [`Error::Config`] for a blank value of a [`Blank::Error`] setting.
    pub fn find(
        &self,
        env: &Env,
        profile: Option<&Section>,
    ) -> Result<Option<(String, Source)>, Error> {
        let found = |raw: Option<&str>, source: Source| -> Result<Option<_>, Error> {
            match raw.map(str::trim) {
                Some(v) if !v.is_empty() => Ok(Some((v.to_owned(), source))),
                Some(_) if self.blank == Blank::Error => Err(Error::config(format!(
                    "{source} is set but blank: name a file, or unset it"
                ))),
                _ => Ok(None),
            }
        };
        for name in self.env {
            if let Some(v) = found(env.get_raw(name).as_deref(), Source::Env(name))? {
                return Ok(Some(v));
            }
        }
        match (self.profile, profile) {
            (Some(key), Some(p)) => found(p.get(key), Source::Profile(key)),
            _ => Ok(None),
        }
    }

    /// The value, or the default when the setting is not set.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or profile key of a value that cannot be read (or a
    /// blank one, see [`Blank`]); the error of the parser itself (a `~` path without a home
    /// directory is [`Error::File`]).
    pub fn get(&self, env: &Env, profile: Option<&Section>) -> Result<T, Error> {
        let Some((text, source)) = self.find(env, profile)? else {
            return Ok(self.default.clone());
        };
        (self.parse)(&text, env).map_err(|e| match e {
            Invalid::Expected(what) => Error::config(format!(
                "{source} must be {what}, not {}",
                crate::error::echo(&text)
            )),
            Invalid::Error(e) => e,
        })
    }
}

impl Property<bool> {
    /// A flag: whether it is on. Reading a flag cannot fail ([`flag`]).
    #[must_use]
    pub fn on(&self, env: &Env, profile: Option<&Section>) -> bool {
        self.get(env, profile).unwrap_or(self.default)
    }
}

/// A flag: `true` in any case is on, anything else off (botocore's `ensure_boolean`).
///
/// # Errors
/// Never.
pub fn flag(text: &str, _: &Env) -> Result<bool, Invalid> {
    Ok(text.eq_ignore_ascii_case("true"))
}

/// Any text.
///
/// # Errors
/// Never.
pub fn text(text: &str, _: &Env) -> Result<Option<String>, Invalid> {
    Ok(Some(text.to_owned()))
}

/// A number, or nothing when the text is not one (the IMDS limits ignore what they cannot read,
/// as botocore's `int()` fails and the provider keeps its defaults).
///
/// # Errors
/// Never.
pub fn number_or_ignore(text: &str, _: &Env) -> Result<Option<f64>, Invalid> {
    Ok(text.parse::<f64>().ok())
}

/// A path, a leading `~` or `~user` expanded.
///
/// # Errors
/// [`Error::File`] when `~` cannot be expanded.
pub fn path(text: &str, env: &Env) -> Result<Option<PathBuf>, Invalid> {
    env.expand_home(text, Platform::current(), "CA bundle")
        .map(Some)
        .map_err(Invalid::Error)
}

/// `legacy` (the global endpoint for the legacy regions) or `regional`.
///
/// # Errors
/// [`Invalid::Expected`] for anything else.
pub fn legacy_or_regional(text: &str, _: &Env) -> Result<bool, Invalid> {
    match text {
        "legacy" => Ok(true),
        "regional" => Ok(false),
        _ => Err(Invalid::Expected("legacy or regional")),
    }
}

/// A retry mode: `standard` (`legacy` is read as standard), `adaptive`.
///
/// # Errors
/// [`Invalid::Expected`] for anything else.
pub fn retry_mode(text: &str, _: &Env) -> Result<Option<RetryMode>, Invalid> {
    match text {
        "standard" | "legacy" => Ok(Some(RetryMode::Standard)),
        "adaptive" => Ok(Some(RetryMode::Adaptive)),
        _ => Err(Invalid::Expected("standard, legacy or adaptive")),
    }
}

/// A whole number of at least 1.
///
/// # Errors
/// [`Invalid::Expected`] for anything else.
pub fn positive(text: &str, _: &Env) -> Result<Option<u32>, Invalid> {
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(Invalid::Expected("a positive integer")),
    }
}

/// The region.
pub const REGION: Property<Option<String>> = Property {
    env: &["AWS_REGION", "AWS_DEFAULT_REGION"],
    profile: Some("region"),
    default: None,
    blank: Blank::Unset,
    parse: text,
};

/// Use the FIPS endpoint.
pub const USE_FIPS: Property<bool> = Property {
    env: &["AWS_USE_FIPS_ENDPOINT"],
    profile: Some("use_fips_endpoint"),
    default: false,
    blank: Blank::Unset,
    parse: flag,
};

/// Use the dual-stack endpoint.
pub const USE_DUAL_STACK: Property<bool> = Property {
    env: &["AWS_USE_DUALSTACK_ENDPOINT"],
    profile: Some("use_dualstack_endpoint"),
    default: false,
    blank: Blank::Unset,
    parse: flag,
};

/// Use the global endpoint for the legacy regions (`sts_regional_endpoints = legacy`).
pub const USE_GLOBAL_ENDPOINT: Property<bool> = Property {
    env: &["AWS_STS_REGIONAL_ENDPOINTS"],
    profile: Some("sts_regional_endpoints"),
    default: false,
    blank: Blank::Unset,
    parse: legacy_or_regional,
};

/// The retry mode; unset keeps the retry configuration's (standard).
pub const RETRY_MODE: Property<Option<RetryMode>> = Property {
    env: &["AWS_RETRY_MODE"],
    profile: Some("retry_mode"),
    default: None,
    blank: Blank::Unset,
    parse: retry_mode,
};

/// The most attempts per call; unset keeps the retry configuration's (3).
pub const MAX_ATTEMPTS: Property<Option<u32>> = Property {
    env: &["AWS_MAX_ATTEMPTS"],
    profile: Some("max_attempts"),
    default: None,
    blank: Blank::Unset,
    parse: positive,
};

/// The 2026 retry profile (`RetryConfig::v2026`).
pub const NEW_RETRIES_2026: Property<bool> = Property {
    env: &["AWS_NEW_RETRIES_2026"],
    profile: None,
    default: false,
    blank: Blank::Unset,
    parse: flag,
};

/// A PEM bundle replacing the trusted roots, for every endpoint (STS and the providers').
pub const CA_BUNDLE: Property<Option<PathBuf>> = Property {
    env: &["AWS_CA_BUNDLE"],
    profile: Some("ca_bundle"),
    default: None,
    blank: Blank::Error,
    parse: path,
};

/// The application id in the user agent.
pub const APP_ID: Property<Option<String>> = Property {
    env: &["AWS_SDK_UA_APP_ID"],
    profile: Some("sdk_ua_app_id"),
    default: None,
    blank: Blank::Unset,
    parse: text,
};

/// IMDS turned off.
pub const IMDS_DISABLED: Property<bool> = Property {
    env: &["AWS_EC2_METADATA_DISABLED"],
    profile: None,
    default: false,
    blank: Blank::Unset,
    parse: flag,
};

/// The IMDS base URL (checked by the provider).
pub const IMDS_ENDPOINT: Property<Option<String>> = Property {
    env: &["AWS_EC2_METADATA_SERVICE_ENDPOINT"],
    profile: Some("ec2_metadata_service_endpoint"),
    default: None,
    blank: Blank::Unset,
    parse: text,
};

/// The IMDS endpoint mode, `IPv4` or `IPv6` (checked by the provider).
pub const IMDS_ENDPOINT_MODE: Property<Option<String>> = Property {
    env: &["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"],
    profile: Some("ec2_metadata_service_endpoint_mode"),
    default: None,
    blank: Blank::Unset,
    parse: text,
};

/// The IMDS timeout in seconds (the provider keeps its own when out of range).
pub const IMDS_TIMEOUT: Property<Option<f64>> = Property {
    env: &["AWS_METADATA_SERVICE_TIMEOUT"],
    profile: Some("metadata_service_timeout"),
    default: None,
    blank: Blank::Unset,
    parse: number_or_ignore,
};

/// The IMDS attempts per request (the provider keeps its own when out of range).
pub const IMDS_ATTEMPTS: Property<Option<f64>> = Property {
    env: &["AWS_METADATA_SERVICE_NUM_ATTEMPTS"],
    profile: Some("metadata_service_num_attempts"),
    default: None,
    blank: Blank::Unset,
    parse: number_or_ignore,
};

/// The environment variables of the client's settings ([`Settings`](super::Settings) without
/// profiles), for a snapshot of a lookup function.
#[cfg(feature = "client")]
pub(crate) const CLIENT_ENV: [&[&str]; 9] = [
    REGION.env,
    USE_FIPS.env,
    USE_DUAL_STACK.env,
    USE_GLOBAL_ENDPOINT.env,
    RETRY_MODE.env,
    MAX_ATTEMPTS.env,
    NEW_RETRIES_2026.env,
    CA_BUNDLE.env,
    APP_ID.env,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{FileKind, ProfileSet};
    use std::path::Path;

    fn profile(text: &str) -> ProfileSet {
        ProfileSet::parse(&[(FileKind::Config, Path::new("config"), text)], "default").unwrap()
    }

    #[test]
    fn the_first_variable_set_then_the_profile_then_the_default() {
        let set = profile("[default]\nregion = eu-west-1\n");
        let p = set.selected();
        let get = |vars: &[(&str, &str)]| REGION.get(&Env::from_map(vars.iter().copied()), p);
        assert_eq!(
            get(&[(REGION.env[0], "us-west-2"), (REGION.env[1], "us-east-2")]).unwrap(),
            Some("us-west-2".to_owned())
        );
        assert_eq!(
            get(&[(REGION.env[0], " "), (REGION.env[1], "us-east-2")]).unwrap(),
            Some("us-east-2".to_owned())
        );
        assert_eq!(
            get(&[(REGION.env[0], "")]).unwrap(),
            Some("eu-west-1".to_owned())
        );
        assert_eq!(REGION.get(&Env::from_map([("X", "")]), None).unwrap(), None);
        assert_eq!(
            REGION
                .find(&Env::from_map([(REGION.env[1], " ap-south-1 ")]), p)
                .unwrap(),
            Some(("ap-south-1".to_owned(), Source::Env(REGION.env[1])))
        );
        assert_eq!(
            REGION.find(&Env::from_map([("X", "")]), p).unwrap(),
            Some(("eu-west-1".to_owned(), Source::Profile("region")))
        );
    }

    #[test]
    fn flags_read_as_botocores_ensure_boolean() {
        for (text, on) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
            ("yes", false),
            ("1", false),
            ("on", false),
            ("truthy", false),
        ] {
            let env = Env::from_map([(USE_FIPS.env[0], text)]);
            assert_eq!(USE_FIPS.get(&env, None).unwrap(), on, "{text}");
            assert_eq!(USE_FIPS.on(&env, None), on, "{text}");
        }
        assert!(!USE_FIPS.on(&Env::from_map([("X", "")]), None));
    }

    #[test]
    fn a_blank_ca_bundle_is_an_error_and_a_blank_region_is_unset() {
        let set = profile("[default]\nca_bundle =\nregion =\n");
        let e = CA_BUNDLE
            .get(&Env::from_map([("X", "")]), set.selected())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("profile key ca_bundle is set but blank"),
            "{e}"
        );
        let e = CA_BUNDLE
            .get(&Env::from_map([(CA_BUNDLE.env[0], " ")]), None)
            .unwrap_err();
        assert!(
            e.to_string().contains("AWS_CA_BUNDLE is set but blank"),
            "{e}"
        );
        assert_eq!(
            REGION
                .get(&Env::from_map([("X", "")]), set.selected())
                .unwrap(),
            None
        );
    }

    #[test]
    fn the_ca_bundle_expands_a_leading_tilde() {
        let env = Env::from_map([("HOME", "/home/me"), (CA_BUNDLE.env[0], "~/ca.pem")]);
        assert_eq!(
            CA_BUNDLE.get(&env, None).unwrap(),
            Some(PathBuf::from("/home/me/ca.pem"))
        );
        let env = Env::from_map([("HOME", ""), (CA_BUNDLE.env[0], "~/ca.pem")]);
        assert!(matches!(
            CA_BUNDLE.get(&env, None),
            Err(Error::File {
                problem: crate::error::FileProblem::NoHomeDirectory,
                ..
            })
        ));
    }

    #[test]
    fn errors_name_the_variable_or_the_key() {
        let e = MAX_ATTEMPTS
            .get(&Env::from_map([(MAX_ATTEMPTS.env[0], "0")]), None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "configuration error: AWS_MAX_ATTEMPTS must be a positive integer, not \"0\""
        );
        let set = profile("[default]\nretry_mode = sideways\n");
        let e = RETRY_MODE
            .get(&Env::from_map([("X", "")]), set.selected())
            .unwrap_err();
        assert!(
            e.to_string().contains(
                "profile key retry_mode must be standard, legacy or adaptive, not \"sideways\""
            ),
            "{e}"
        );
    }
}
