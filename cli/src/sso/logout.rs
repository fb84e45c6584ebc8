//! `sts sso logout`: the AWS CLI v2's `aws sso logout`. Every token file of `~/.aws/sso/cache`
//! (an `accessToken`, whichever tool wrote it) is logged out of the portal of its `region`
//! (errors ignored: the token may have expired) and deleted; every SSO role session of
//! `~/.aws/cli/cache` (`"ProviderType": "sso"`) is deleted; client registrations stay. Unlike
//! the AWS CLI, it says what it removed.

use crate::spec::{Command, Example, Globals, Run, Values};
use sts_blocking::Error;
use sts_blocking::credentials::{CliCache, Env, SsoCache, SsoPortal, sso_role_credential_files};

/// `sts sso logout`.
pub(crate) const SSO_LOGOUT: Command = Command {
    name: "sso logout",
    action: "",
    summary: "Signs out of every IAM Identity Center session and removes the cached tokens and \
              credentials (aws sso logout).",
    description: "Removes all cached IAM Identity Center (SSO) access tokens and the temporary \
        credentials obtained with them, across all profiles, as aws sso logout of the AWS CLI v2 \
        does: each token file in ~/.aws/sso/cache (written by sts, aws or any SDK) is first \
        logged out of its portal (POST /logout; an error, such as an expired token, is \
        ignored) and then deleted, and each SSO role session in ~/.aws/cli/cache is deleted. \
        Client registrations stay, so the next sts sso login reuses them. sts lists what it \
        removed. AWS_ENDPOINT_URL_SSO (or the sso services section) replaces the portal \
        endpoint. Programs that already read credentials keep them until they expire.",
    flags: &[],
    output: &[],
    examples: &[Example {
        title: "To sign out of every SSO session",
        command: "sts sso logout",
        output: "",
    }],
    credentials: false,
    signed: false,
    run: Run::Custom(run),
};

fn run(g: &Globals, _: &Values, _: &[String]) -> i32 {
    let settings = match crate::session::load_settings(g) {
        Ok(s) => s,
        Err(e) => return crate::session::report(&SSO_LOGOUT, &e, None),
    };
    let env = Env::real();
    let ca_bundle = g
        .ca_bundle
        .clone()
        .map(std::path::PathBuf::from)
        .or(settings.ca_bundle.clone());
    let endpoint = settings.profiles().configured_endpoint_url(&env, "sso");
    match logout(&env, endpoint.as_deref(), ca_bundle) {
        Ok(text) => crate::session::emit(&text),
        Err(e) => crate::session::report(&SSO_LOGOUT, &e, None),
    }
}

/// Logs out and deletes; returns what to print.
fn logout(
    env: &Env,
    endpoint: Option<&str>,
    ca_bundle: Option<std::path::PathBuf>,
) -> Result<String, Error> {
    let cache = SsoCache::from_env(env)?;
    let mut removed = Vec::new();
    for t in cache.access_tokens()? {
        if let Some(region) = &t.region {
            let portal = match endpoint {
                Some(url) => SsoPortal::with_endpoint(url),
                None => SsoPortal::new(region),
            };
            // As the AWS CLI: the token may already be expired or otherwise invalid.
            let _ =
                portal.and_then(|p| p.transport(env, ca_bundle.clone()).logout(&t.access_token));
        }
        remove(&t.path)?;
        removed.push(t.path);
    }
    if let Some(cli) = CliCache::from_env(env) {
        for path in sso_role_credential_files(&cli)? {
            remove(&path)?;
            removed.push(path);
        }
    }
    if removed.is_empty() {
        return Ok("No cached SSO tokens or credentials found.\n".to_owned());
    }
    let mut text = format!(
        "Removed {} cached SSO file{}:\n",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" }
    );
    for p in &removed {
        text.push_str(&format!("  {}\n", super::shown(&p.display().to_string())));
    }
    Ok(text)
}

fn remove(path: &std::path::Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::config(format!(
            "could not remove {}: {e}",
            path.display()
        ))),
    }
}
