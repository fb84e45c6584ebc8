//! What the commands share to run: the settings of a command line ([`load_settings`]), its client
//! ([`client_builder`], [`build_with`], [`client`]), the MFA prompt ([`prompt_mfa_code`]),
//! `--debug` output, and printing a result or an error ([`emit`], [`report`]). Commands import it
//! with the vocabulary ([`crate::spec`]); it imports no command and not the command table (the
//! offer to sign in to IAM Identity Center it installs is `sso/flow.rs`, below the commands).

use crate::errors;
use crate::spec::{Command, Globals};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use sts_blocking::client::TrustRoots;
use sts_blocking::credentials::{CliCache, Env, MfaTokenProvider};
use sts_blocking::engine::{AttemptRecord, DEFAULT_TOTAL_TIMEOUT};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, Sts, StsBuilder};

/// What `--cli-*-timeout 0` ("no limit") becomes.
const NO_LIMIT: Duration = sts_blocking::engine::MAX_TIMEOUT;

/// Writes to standard output (a closed pipe is not an error) and returns 0.
pub fn emit(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    0
}

/// The settings of a command: `--profile` and `--region`, then the environment, then the shared
/// config files, as the AWS CLI resolves them; role, web identity and SSO sessions shared through
/// ~/.aws/cli/cache as `aws` shares them; a missing or expired SSO token offers `sts sso login`
/// on a terminal.
pub fn load_settings(g: &Globals) -> Result<Settings, Error> {
    let env = Env::real();
    let mut settings = Settings::load(&env, &{
        let mut o = Overrides::default();
        o.profile.clone_from(&g.profile);
        o.region.clone_from(&g.region);
        o
    })?;
    settings.credential_cache = CliCache::from_env(&env);
    ignore_sts_regional_endpoints(&mut settings);
    // `mfa_process` is looked up in these profiles.
    crate::prompt::set_profiles(settings.profiles().clone(), &settings.profile);
    // Profiles whose keys `sts keys` keeps get them from its store.
    settings.key_store = crate::keys::chain_store(&|k| std::env::var(k).ok())
        .map(|s| Arc::new(s) as Arc<dyn sts_blocking::credentials::KeyStore>);

    // An SSO token missing or expired: offered `sts sso login` on a terminal.
    settings.sso_login = Some(crate::sso::auto_login(
        g.ca_bundle
            .clone()
            .map(std::path::PathBuf::from)
            .or_else(|| settings.ca_bundle.clone()),
        settings.config_file().map(std::path::Path::to_path_buf),
    ));
    Ok(settings)
}

/// AWS CLI v2 ignores `AWS_STS_REGIONAL_ENDPOINTS` and `sts_regional_endpoints`: its botocore
/// pins the STS global-endpoint built-in to false, so every region calls
/// `sts.<region>.amazonaws.com`, for the command's client and the role-assuming ones alike. The
/// program does the same; the library keeps botocore's behaviour (`legacy` sends the 16 legacy
/// regions to `sts.amazonaws.com`). A value the library could not read is no error here either.
fn ignore_sts_regional_endpoints(settings: &mut Settings) {
    settings.use_global_endpoint = false;
    if settings.invalid.as_deref().is_some_and(|m| {
        m.contains("AWS_STS_REGIONAL_ENDPOINTS") || m.contains("sts_regional_endpoints")
    }) {
        settings.invalid = None;
    }
}

/// Builds the client for a command with its settings.
pub fn build_with(g: &Globals, settings: &Settings) -> Result<Sts, Error> {
    client_builder(g, settings).build()
}

/// Prints a library error the AWS CLI's way for `cmd` and returns the exit status.
pub fn report(cmd: &Command, e: &Error, sts: Option<&Sts>) -> i32 {
    errors::report(cmd.action, e, sts, false)
}

/// The builder of a command's client: the settings, then the global flags. Commands that need a
/// second client (`eks-token --role-arn`) start from it too, so it has the same settings.
pub fn client_builder(g: &Globals, settings: &Settings) -> StsBuilder {
    // Credentials from the default chain, MFA codes asked on the terminal.
    let mut b = settings.sts_builder_with_mfa(Some(mfa_prompt()));
    if let Some(r) = &g.region {
        b = b.region(r);
    }
    if let Some(u) = &g.endpoint_url {
        b = b.endpoint_url(u);
    }
    if let Some(c) = &g.ca_bundle {
        b = b.ca_bundle(c);
    }
    if g.no_verify_ssl {
        b = b.trust_roots(TrustRoots::NoVerification);
    }
    if g.no_sign_request {
        b = b.sign_requests(false);
    }
    let secs = |s: u64| {
        if s == 0 {
            NO_LIMIT
        } else {
            Duration::from_secs(s)
        }
    };
    if let Some(t) = g.connect_timeout {
        b = b.connect_timeout(secs(t));
    }
    if let Some(t) = g.read_timeout {
        // Leave room for retries: the whole call may take several read timeouts.
        b = b
            .attempt_timeout(secs(t))
            .total_timeout(DEFAULT_TOTAL_TIMEOUT.max(secs(t).saturating_mul(3)));
    }
    let debug = g.debug;
    b.on_attempt(move |r| {
        errors::record_attempt(r);
        if debug {
            debug_attempt(r);
        }
    })
}

/// The MFA code provider of the program: [`prompt_mfa_code`].
pub fn mfa_prompt() -> Arc<dyn MfaTokenProvider> {
    Arc::new(prompt_mfa_code)
}

/// An MFA code: the profile's `mfa_process`, the `--prompt` driver, or the terminal, as the AWS
/// CLI asks ("Enter MFA code for SERIAL: "); see [`crate::prompt::mfa_code`].
pub fn prompt_mfa_code(serial: &str) -> Result<String, Error> {
    crate::prompt::mfa_code(serial)
}

/// `--debug`: one attempt on standard error. The record is already redacted.
fn debug_attempt(r: &AttemptRecord) {
    let mut s = format!(
        "sts: debug: {} attempt {}/{}: POST {}\n",
        r.action, r.attempt, r.max_attempts, r.url
    );
    if r.canonical_request.is_empty() {
        s.push_str("sts: debug: unsigned request\n");
    } else {
        s.push_str("sts: debug: canonical request:\n");
        for line in r.canonical_request.lines() {
            s.push_str(&format!("    {line}\n"));
        }
        s.push_str("sts: debug: string to sign:\n");
        for line in r.string_to_sign.lines() {
            s.push_str(&format!("    {line}\n"));
        }
    }
    let ms = r.elapsed.as_secs_f64() * 1000.0;
    match (r.status, &r.error) {
        (Some(status), None) => s.push_str(&format!("sts: debug: HTTP {status} in {ms:.1} ms\n")),
        (Some(status), Some(e)) => {
            s.push_str(&format!("sts: debug: HTTP {status} in {ms:.1} ms: {e}\n"));
        }
        (None, Some(e)) => s.push_str(&format!("sts: debug: failed after {ms:.1} ms: {e}\n")),
        (None, None) => s.push_str(&format!("sts: debug: done in {ms:.1} ms\n")),
    }
    eprint!("{s}");
}

/// The command's client; without a configured region it talks to `us-east-1` (only for
/// `GetSessionToken`, which every region answers), and the child gets no region.
pub fn client(g: &Globals, settings: &Settings) -> Result<Sts, Error> {
    let (g, settings) = region_for_sts(g, settings.clone());
    build_with(&g, &settings)
}

/// The globals and settings as they are with a configured region; without one, as
/// `--region us-east-1` would make them: for the client and for the chain's role hops.
pub fn region_for_sts(g: &Globals, mut settings: Settings) -> (Globals, Settings) {
    let mut g = g.clone();
    if settings.region.is_none() {
        g.region = Some("us-east-1".to_owned());
        settings.region.clone_from(&g.region);
        settings.region_from_env_or_override = true;
    }
    (g, settings)
}
