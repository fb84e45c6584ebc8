//! A build script that uses AWS credentials, as a `build.rs` would: it finds credentials the way
//! the AWS CLI does (environment, profiles, SSO, `credential_process`, container, IMDS), asks STS
//! whom they belong to, and hands the account and ARN to the crate being built with
//! `cargo:rustc-env` — never the keys themselves, which would end up in the binary. Without AWS
//! configured it says so (`cargo:warning`) and builds with a placeholder instead of failing.
//!
//! In a real project this is `build.rs`, with `sts-blocking` under `[build-dependencies]`, and
//! `env!("BUILD_AWS_ACCOUNT")` in the crate. Here:
//!
//! ```text
//! cargo run --example build_script             # your AWS configuration
//! cargo run --example build_script -- --fake   # a loopback fake STS, no AWS needed
//! ```
//!
//! Off EC2, set `AWS_EC2_METADATA_DISABLED=true`: with nothing else configured the chain probes the
//! instance metadata service last, which costs a second or two before "no credentials".

mod common;

use sts_blocking::Error;
use sts_blocking::credentials::Env;
use sts_blocking::settings::{Overrides, Settings};

/// What the account falls back to when there are no credentials.
const UNKNOWN: &str = "unknown";

/// The `cargo:` lines of the build script for the environment `env`.
fn build(env: &Env) -> Vec<String> {
    let mut out: Vec<String> = [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ]
    .iter()
    .map(|v| format!("cargo:rerun-if-env-changed={v}"))
    .collect();
    match whoami(env) {
        Ok((account, arn)) => {
            out.push(format!("cargo:rustc-env=BUILD_AWS_ACCOUNT={account}"));
            out.push(format!("cargo:rustc-env=BUILD_AWS_ARN={arn}"));
        }
        Err(e) => {
            let why = if e.is_no_credentials() {
                "no AWS credentials are configured".to_owned()
            } else {
                // Display never contains a secret.
                format!("STS could not be asked ({e})")
            };
            out.push(format!(
                "cargo:warning=building without AWS: {why}; BUILD_AWS_ACCOUNT={UNKNOWN}"
            ));
            out.push(format!("cargo:rustc-env=BUILD_AWS_ACCOUNT={UNKNOWN}"));
            out.push(format!("cargo:rustc-env=BUILD_AWS_ARN={UNKNOWN}"));
        }
    }
    out
}

/// The account and ARN of the credentials `env` leads to.
fn whoami(env: &Env) -> Result<(String, String), Error> {
    // Configured as the AWS CLI configures itself: region, endpoint, retries and the credential
    // chain from the environment and the shared config files.
    let sts = Settings::load(env, &Overrides::default())?
        .sts_builder()
        .build()?;
    let me = sts.get_caller_identity()?;
    Ok((me.account.unwrap_or_default(), me.arn.unwrap_or_default()))
}

fn main() {
    let (env, _fake) = common::env_from_args();
    for line in build(&env) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_account_not_the_keys() {
        let fake = common::FakeSts::start();
        let lines = build(&fake.env());
        assert!(lines.contains(&"cargo:rustc-env=BUILD_AWS_ACCOUNT=123456789012".to_owned()));
        assert!(lines.contains(
            &"cargo:rustc-env=BUILD_AWS_ARN=arn:aws:iam::123456789012:user/example".to_owned()
        ));
        assert!(!lines.iter().any(|l| l.contains("example-secret")));
        assert_eq!(fake.calls("GetCallerIdentity"), 1);
    }

    #[test]
    fn without_aws_it_warns_and_builds() {
        let lines = build(&common::empty_env());
        assert!(lines.contains(&"cargo:rustc-env=BUILD_AWS_ACCOUNT=unknown".to_owned()));
        let warning = lines
            .iter()
            .find(|l| l.starts_with("cargo:warning="))
            .expect("a warning");
        assert!(
            warning.contains("no AWS credentials are configured"),
            "{warning}"
        );
    }
}
