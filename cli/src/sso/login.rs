//! `sts sso login`: the AWS CLI v2's `aws sso login`, writing the same token and registration
//! files, with the sign-in of [`super::flow`].

use super::flow::{Context, Options, login};
use super::sso_config;
use crate::session;
use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag};
use std::io::Write;
use std::path::PathBuf;
use sts_blocking::credentials::Env;

/// `sts sso login`.
pub(crate) const SSO_LOGIN: Command = Command {
    name: "sso login",
    action: "",
    summary: "Signs in to IAM Identity Center and caches the token (aws sso login).",
    description: "Retrieves and caches an IAM Identity Center (SSO) access token, as aws sso \
        login of the AWS CLI v2 does: the token goes to ~/.aws/sso/cache/<sha1 of the \
        sso-session name, or of the start URL>.json (mode 0600, replaced atomically, in the \
        layout botocore writes), where sts, aws and every AWS SDK read and refresh it. The \
        session is --sso-session NAME, else the profile's sso_session, else the profile's own \
        sso_start_url and sso_region (a legacy profile). Each run gets a new token.\n\n\
        An [sso-session] signs in with an OAuth 2.0 authorization code and PKCE: sts opens \
        the browser on the authorization page and a listener on 127.0.0.1 receives the \
        browser's redirect (the first one that arrives decides: another state or an error \
        ends the login; 10 minutes at most). With --use-device-code, and for legacy profiles, \
        sts uses the device authorization grant instead: it shows a URL and a code to confirm \
        on any device, and polls until the sign-in is confirmed.\n\n\
        The client registration is cached in the same directory and reused while it is more \
        than 15 minutes from expiry, as by the AWS CLI. A start URL on a host AWS does not own \
        is resolved first (one HEAD request; its redirect must lead to an https URL AWS owns). \
        AWS_ENDPOINT_URL_SSO_OIDC (or the sso-oidc services section) replaces the SSO-OIDC \
        endpoint.",
    flags: &[
        flag(
            "--sso-session",
            "",
            Kind::Str,
            false,
            "The [sso-session] to sign in to, instead of the profile's.",
            "",
        ),
        flag(
            "--use-device-code",
            "",
            Kind::Switch,
            false,
            "Uses the device code grant (a URL and a code to confirm on any device) instead of \
             the authorization code flow.",
            "",
        ),
        flag(
            "--no-browser",
            "",
            Kind::Switch,
            false,
            "Does not open a browser: prints the URL (and the code) to open yourself.",
            "",
        ),
    ],
    output: &[],
    examples: &[
        Example {
            title: "To sign in to the sso-session of the profile dev",
            command: "sts sso login --profile dev",
            output: "",
        },
        Example {
            title: "To sign in from a machine without a browser",
            command: "sts sso login --sso-session corp --use-device-code --no-browser",
            output: "",
        },
    ],
    credentials: false,
    signed: false,
    run: Run::Custom(run),
};

fn run(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let settings = match session::load_settings(g) {
        Ok(s) => s,
        Err(e) => return session::report(&SSO_LOGIN, &e, None),
    };
    let set = settings.profiles();
    let cfg = match sso_config(set, &settings.profile, v.str("--sso-session").as_deref()) {
        Ok(c) => c,
        Err(e) => return super::config_failure(&e),
    };
    let env = Env::real();
    let ctx = Context {
        env: &env,
        set,
        ca_bundle: g
            .ca_bundle
            .clone()
            .map(PathBuf::from)
            .or(settings.ca_bundle.clone()),
        config_file: settings.config_file(),
    };
    let opts = Options {
        use_device_code: v.switch("--use-device-code"),
        no_browser: v.switch("--no-browser"),
    };
    let mut out = std::io::stdout().lock();
    match login(&ctx, &cfg, opts, &mut out) {
        Ok(_) => 0,
        Err(e) => {
            let _ = out.flush();
            drop(out);
            session::report(&SSO_LOGIN, &e, None)
        }
    }
}
