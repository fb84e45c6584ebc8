//! One settings resolver: every reader of a setting (the client from the environment, the settings
//! of the AWS CLI's rule, the container and IMDS providers) reads it the same way, and each rule
//! where they used to disagree is settled against botocore 1.44.8 (see `src/settings/property.rs`):
//!
//! - a flag is on when its value is `true` in any case, and off for anything else, never an error
//!   (botocore's `ensure_boolean`);
//! - surrounding whitespace is trimmed, and a blank value counts as unset, except the CA bundle:
//!   a blank `AWS_CA_BUNDLE` / `ca_bundle` is an error (botocore 1.44.8 refuses it too);
//! - a leading `~` in the CA bundle is expanded by every reader, never read against the working
//!   directory (botocore passes `~/ca.pem` to OpenSSL as a relative path; this crate does not).
#![cfg(feature = "client")]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use sts_blocking::credentials::{ContainerProvider, Env, ImdsProvider};
use sts_blocking::error::FileProblem;
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, StsBuilder};

fn scratch(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-settings-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An environment with `config` as the shared config file and `vars`; no credentials file.
fn with_config(tag: &str, config: &str, vars: &[(&str, &str)]) -> Env {
    let d = scratch(tag);
    std::fs::write(d.join("config"), config).unwrap();
    let mut all = vec![
        ("HOME".to_owned(), d.display().to_string()),
        (
            "AWS_CONFIG_FILE".to_owned(),
            d.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            d.join("credentials").display().to_string(),
        ),
    ];
    all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Env::from_map(all)
}

/// `StsBuilder::from_env_vars_with` over exactly `vars`.
fn from_vars(vars: &[(&str, &str)]) -> Result<StsBuilder, Error> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    StsBuilder::from_env_vars_with(move |k| {
        vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
}

fn file_problem(e: &Error) -> Option<&FileProblem> {
    match e {
        Error::File { problem, .. } => Some(problem),
        Error::Credentials(c) => c.source.as_deref().and_then(file_problem),
        _ => None,
    }
}

/// A container provider configured for a closed loopback port (never called here).
const CONTAINER: (&str, &str) = (
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "http://127.0.0.1:9/creds",
);

#[test]
fn a_flag_is_on_for_true_in_any_case_and_off_for_anything_else_in_every_reader() {
    for (value, on) in [
        ("true", true),
        ("TRUE", true),
        (" True ", true),
        ("false", false),
        ("yes", false),
        ("1", false),
        ("on", false),
    ] {
        // The environment, read by the settings of the AWS CLI's rule ...
        let env = with_config("flag", "", &[("AWS_USE_FIPS_ENDPOINT", value)]);
        let s = Settings::load(&env, &Overrides::default()).unwrap();
        assert_eq!((s.use_fips, s.invalid.as_deref()), (on, None), "{value:?}");
        // ... by the client from environment variables only ...
        let sts = from_vars(&[
            ("AWS_USE_FIPS_ENDPOINT", value),
            ("AWS_REGION", "us-east-1"),
        ])
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(sts.endpoint().url.contains("sts-fips."), on, "{value:?}");
        // ... and the profile's key.
        let config = format!("[default]\nuse_dualstack_endpoint = {value}\n");
        let s = Settings::load(&with_config("flag", &config, &[]), &Overrides::default()).unwrap();
        assert_eq!(
            (s.use_dual_stack, s.invalid.as_deref()),
            (on, None),
            "{value:?}"
        );
    }
}

#[test]
fn a_blank_ca_bundle_is_an_error_in_every_reader() {
    for blank in ["", "  "] {
        let ca = ("AWS_CA_BUNDLE", blank);
        let env = with_config("blank-ca", "", &[ca]);
        let e = Settings::load(&env, &Overrides::default())
            .and_then(|s| s.sts_builder().build())
            .unwrap_err();
        assert!(e.to_string().contains("AWS_CA_BUNDLE"), "{e}");
        let env = with_config("blank-ca", "[default]\nca_bundle =\n", &[]);
        let e = Settings::load(&env, &Overrides::default())
            .and_then(|s| s.sts_builder().build())
            .unwrap_err();
        assert!(e.to_string().contains("ca_bundle"), "{e}");
        let e = from_vars(&[ca]).unwrap_err();
        assert!(e.to_string().contains("AWS_CA_BUNDLE"), "{e}");
        let e = ContainerProvider::from_env(&Env::from_map([CONTAINER, ca])).unwrap_err();
        assert!(e.to_string().contains("AWS_CA_BUNDLE"), "{e}");
        let e = ImdsProvider::from_env(&Env::from_map([ca]), None).unwrap_err();
        assert!(e.to_string().contains("AWS_CA_BUNDLE"), "{e}");
    }
}

#[test]
fn a_tilde_in_the_ca_bundle_is_expanded_by_every_reader() {
    // Without a home directory `~` cannot be expanded: every reader says so (none reads
    // `./~/ca.pem` from the working directory).
    let ca = ("AWS_CA_BUNDLE", "~/ca.pem");
    let env = Env::from_map([("HOME", ""), ca]);
    let no_home =
        |e: Error| assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
    no_home(Settings::load(&env, &Overrides::default()).unwrap_err());
    no_home(from_vars(&[("HOME", ""), ca]).unwrap_err());
    no_home(
        ContainerProvider::from_env(&Env::from_map([("HOME", ""), CONTAINER, ca])).unwrap_err(),
    );
    no_home(ImdsProvider::from_env(&env, None).unwrap_err());
}

#[test]
fn the_imds_provider_takes_the_profiles_ca_bundle_as_the_client_does() {
    let set = sts_blocking::__private::credentials::profile::parse(
        &[(
            sts_blocking::__private::credentials::profile::FileKind::Config,
            std::path::Path::new("config"),
            "[default]\nca_bundle = ~/profile-ca.pem\n",
        )],
        "default",
    )
    .unwrap();
    let e = ImdsProvider::from_env(&Env::from_map([("HOME", "")]), set.selected()).unwrap_err();
    assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
}

#[test]
fn surrounding_whitespace_is_trimmed_by_every_reader() {
    let vars = [
        ("AWS_REGION", " us-west-2 "),
        ("AWS_MAX_ATTEMPTS", " 5 "),
        ("AWS_RETRY_MODE", " adaptive "),
    ];
    let sts = from_vars(&vars).unwrap().build().unwrap();
    assert_eq!(sts.region(), Some("us-west-2"));
    let s = Settings::load(&with_config("trim", "", &vars), &Overrides::default()).unwrap();
    assert_eq!(s.region.as_deref(), Some("us-west-2"));
    assert_eq!(s.retry.max_attempts, 5);
    assert_eq!(s.retry.mode, sts_blocking::retry::RetryMode::Adaptive);
}

#[test]
fn a_blank_variable_is_unset_and_the_profile_decides() {
    let env = with_config(
        "blank",
        "[default]\nregion = eu-west-1\nuse_fips_endpoint = true\nmax_attempts = 7\n\
         sts_regional_endpoints = legacy\n",
        &[
            ("AWS_REGION", "  "),
            ("AWS_DEFAULT_REGION", ""),
            ("AWS_USE_FIPS_ENDPOINT", ""),
            ("AWS_MAX_ATTEMPTS", " "),
            ("AWS_STS_REGIONAL_ENDPOINTS", ""),
        ],
    );
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    assert_eq!(s.region.as_deref(), Some("eu-west-1"));
    assert!(!s.region_from_env_or_override);
    assert!(s.use_fips && s.use_global_endpoint);
    assert_eq!(s.retry.max_attempts, 7);
    assert_eq!(s.invalid, None);
}

#[test]
fn a_value_that_cannot_be_understood_names_where_it_came_from() {
    let e = from_vars(&[("AWS_MAX_ATTEMPTS", "0")]).unwrap_err();
    assert!(e.to_string().contains("AWS_MAX_ATTEMPTS"), "{e}");
    let e = from_vars(&[("AWS_RETRY_MODE", "sideways")]).unwrap_err();
    assert!(e.to_string().contains("AWS_RETRY_MODE"), "{e}");
    let env = with_config("bad", "[default]\nsts_regional_endpoints = sideways\n", &[]);
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    let e = s.sts_builder().build().unwrap_err();
    assert!(
        e.to_string().contains("profile key sts_regional_endpoints"),
        "{e}"
    );
}
