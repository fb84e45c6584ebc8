//! `sts login` and `sts logout`: the AWS CLI v2's `aws login` / `aws logout`, writing and removing
//! the same `~/.aws/login/cache` files and `login_session` profile key (the protocol is the
//! library's: `sts_blocking::credentials::PendingLogin`).

use crate::config_writer;
use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag};
use std::io::{BufRead, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sts_blocking::credentials::{
    Env, FileLocations, LoginCallback as Callback, LoginProvider, LoginResult, PendingLogin,
    Platform, ProfileSet,
};
use sts_blocking::error::escape_controls;
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, SecretString};

/// How long the same-device flow waits for the browser (the AWS CLI's 10 minutes).
const CALLBACK_WAIT: Duration = Duration::from_secs(600);

/// `sts login`.
pub(crate) const LOGIN: Command = Command {
    name: "login",
    action: "",
    summary: "Signs in with your console credentials for local development (aws login).",
    description: "Signs in as aws login of the AWS CLI v2 does: the browser opens the AWS \
        sign-in page, you sign in (or pick a console session), and sts receives temporary \
        credentials and a refresh token for that session. They are written to \
        ~/.aws/login/cache (AWS_LOGIN_CACHE_DIRECTORY moves it; mode 0600) and the profile \
        (--profile, else AWS_PROFILE or AWS_DEFAULT_PROFILE, else default) gets login_session = <the session's ARN> in \
        ~/.aws/config, every other line of the file unchanged. From then on sts, aws and every \
        AWS SDK use the profile and refresh the credentials themselves for as long as the \
        session lasts.\n\n\
        The sign-in is an OAuth 2.0 authorization code with PKCE and state: a listener on \
        127.0.0.1 receives the browser's redirect. Any other request (another state, an error, \
        another path) gets an error page and the listener keeps waiting, for 10 minutes at \
        most. With --remote (a machine \
        without a browser, over SSH), sts prints the URL to open elsewhere and reads the \
        authorization code the page then shows. The code is redeemed at the sign-in service's \
        /v1/token with a DPoP proof of a new P-256 key, which stays in the cache file.\n\n\
        The region is --region (used for this sign-in only, as by aws login), the environment \
        or the profile's; without one, sts asks for it on the terminal and saves it in the \
        profile. AWS_ENDPOINT_URL_SIGNIN (or the signin \
        services section) replaces the sign-in endpoint. A profile with other credentials \
        (keys, a role, SSO, web identity, credential_process) is refused.",
    flags: &[flag(
        "--remote",
        "",
        Kind::Switch,
        false,
        "Do not start the local listener nor open a browser: print the URL and read the \
         authorization code shown after signing in (for remote hosts over SSH).",
        "",
    )],
    output: &[],
    examples: &[
        Example {
            title: "To sign in the default profile",
            command: "sts login",
            output: "",
        },
        Example {
            title: "To sign in a new profile from a machine without a browser",
            command: "sts login --profile dev --region eu-west-1 --remote",
            output: "",
        },
    ],
    credentials: false,
    signed: false,
    run: Run::Custom(run_login),
};

/// `sts logout`.
pub(crate) const LOGOUT: Command = Command {
    name: "logout",
    action: "",
    summary: "Removes the cached sign-in credentials of a profile (aws logout).",
    description: "Deletes the login cache file (~/.aws/login/cache) of the profile's \
        login_session, as aws logout does, and says which file it removed. With --all, \
        deletes every cached aws login session (files of other tools are left alone). The \
        profile keeps its login_session: sts login signs it in again. Programs that already \
        read the credentials keep them until they expire (15 minutes at most).",
    flags: &[flag(
        "--all",
        "",
        Kind::Switch,
        false,
        "Remove the cached credentials of every aws login session, not only the profile's.",
        "",
    )],
    output: &[],
    examples: &[Example {
        title: "To sign out of every session",
        command: "sts logout --all",
        output: "",
    }],
    credentials: false,
    signed: false,
    run: Run::Custom(run_logout),
};

fn config_error(msg: impl std::fmt::Display) -> i32 {
    crate::errors::configuration(&msg.to_string())
}

/// The shared files with `profile` selected (it need not exist yet).
fn load(env: &Env, profile: &str) -> Result<(FileLocations, ProfileSet), Error> {
    let mut locations = FileLocations::resolve(env, Platform::current())?;
    locations.profile = profile.to_owned();
    let set = ProfileSet::load_from(&locations)?;
    Ok((locations, set))
}

fn profile_name(g: &Globals, env: &Env) -> String {
    g.profile
        .clone()
        .or_else(|| env.profile())
        .unwrap_or_else(|| "default".to_owned())
}

/// The AWS CLI's refusal of a profile with credentials of another kind.
fn other_credentials(set: &ProfileSet) -> Option<&'static str> {
    let p = set.selected()?;
    let has = |k: &str| p.get(k).is_some();
    if has("web_identity_token_file") {
        Some("Web Identity")
    } else if has("sso_role_name") || has("sso_account_id") {
        Some("SSO")
    } else if has("aws_access_key_id") {
        Some("Access Key")
    } else if has("role_arn") {
        Some("Assume Role")
    } else if has("credential_process") {
        Some("Credential Process")
    } else {
        None
    }
}

/// Asks a question on the terminal; `None` without one.
fn ask(question: &str) -> Option<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let mut out = &tty;
    write!(out, "{question}").ok()?;
    out.flush().ok()?;
    let mut line = String::new();
    std::io::BufReader::new(&tty).read_line(&mut line).ok()?;
    Some(line.trim().to_owned())
}

fn run_login(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let env = Env::real();
    let profile = profile_name(g, &env);
    let (locations, set) = match load(&env, &profile) {
        Ok(l) => l,
        Err(e) => return config_error(e),
    };
    if let Some(style) = other_credentials(&set) {
        return config_error(format!(
            "Profile '{profile}' is already configured with {style} credentials.\n\nYou may run \
             'sts login --profile new-profile-name' to create a new profile with the specified \
             name. Otherwise you must first manually remove the existing credentials from \
             '{profile}'."
        ));
    }
    let Some(config) = locations.config.clone() else {
        return config_error(
            "no home directory and no AWS_CONFIG_FILE: nowhere to save the profile",
        );
    };
    let cache_dir = match LoginProvider::cache_dir(&env) {
        Ok(Some(d)) => d,
        Ok(None) => {
            return config_error(
                "no home directory and no AWS_LOGIN_CACHE_DIRECTORY: nowhere to save the session",
            );
        }
        Err(e) => return config_error(e),
    };
    // Every setting as the library reads it: --region, then the environment, then the profile
    // (which need not exist yet).
    let mut overrides = Overrides::default();
    overrides.region.clone_from(&g.region);
    let settings = match Settings::from_profiles(&env, set.clone(), &overrides) {
        Ok(s) => s,
        Err(e) => return config_error(e),
    };
    let (region, prompted) = match settings.region.clone() {
        Some(r) => (r, false),
        None => match ask("No AWS region has been configured. AWS Region [us-east-1]: ") {
            Some(r) if r.is_empty() => ("us-east-1".to_owned(), true),
            Some(r) => (r, true),
            None => {
                return config_error(
                    "No AWS region has been configured, and there is no terminal to ask on: pass \
                     --region or set region in the profile",
                );
            }
        },
    };
    let base = match set.configured_endpoint_url(&env, "signin") {
        Some(u) => u,
        None => match LoginProvider::signin_endpoint(
            &region,
            settings.use_fips,
            settings.use_dual_stack,
        ) {
            Ok(u) => u,
            Err(e) => return config_error(e),
        },
    };
    let ca_bundle = settings.ca_bundle;
    let result = if v.switch("--remote") {
        PendingLogin::remote(&base).and_then(|p| remote(p.transport(&env, ca_bundle)))
    } else {
        same_device(&base, &env, ca_bundle)
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => return crate::session::report(&LOGIN, &e, None),
    };
    // As the AWS CLI: replacing another session of the profile is confirmed first.
    if let Some(old) = set
        .selected()
        .and_then(|p| p.get_nonempty("login_session"))
        .map(str::trim)
        .filter(|old| *old != result.session)
    {
        let q = format!(
            "\nProfile {profile} is already configured to use session {}. Do you want to \
             overwrite it to use {} instead? (y/n): ",
            escape_controls(old),
            result.session
        );
        if !ask(&q).is_some_and(|a| a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")) {
            eprintln!("\nProfile {profile} was left unchanged.");
            return 0;
        }
    }
    let saved = match result.save(&cache_dir) {
        Ok(p) => p,
        Err(e) => return config_error(e),
    };
    let section = if profile == "default" {
        "default".to_owned()
    } else {
        format!("profile {profile}")
    };
    let mut values = vec![("login_session", result.session.as_str())];
    if prompted {
        values.push(("region", region.as_str()));
    }
    if let Err(e) = config_writer::update_file(&config, &section, &values) {
        return config_error(e);
    }
    let mut msg = format!(
        "\nUpdated profile {profile} to use {} credentials (cached in {}).\n",
        result.session,
        saved.display()
    );
    if profile != "default" {
        msg.push_str(&format!(
            "Use \"--profile {profile}\" to use the new credentials, such as \"sts whoami \
             --profile {profile}\"\n"
        ));
    }
    crate::session::emit(&msg)
}

/// The remote flow: print the URL, read the pasted code.
fn remote(pending: PendingLogin) -> Result<LoginResult, Error> {
    crate::session::emit(&format!(
        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{}\n\n\
         Enter the authorization code displayed in your browser: ",
        pending.authorize_url()
    ));
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::config(format!("could not read the authorization code: {e}")))?;
    let line = SecretString::new(line);
    let (code, state) = PendingLogin::parse_pasted_code(line.expose())?;
    pending.finish(&code, &state, time::OffsetDateTime::now_utc())
}

/// The same-device flow: a listener for the browser's redirect, until this login's answer or
/// [`CALLBACK_WAIT`].
fn same_device(
    base: &str,
    env: &Env,
    ca_bundle: Option<std::path::PathBuf>,
) -> Result<LoginResult, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| Error::config(format!("could not start the local listener: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::config(format!("could not start the local listener: {e}")))?
        .port();
    let pending = Arc::new(PendingLogin::same_device(base, port)?.transport(env, ca_bundle));
    let url = pending.authorize_url();
    crate::session::emit(&format!(
        "Attempting to open your default browser.\nIf the browser does not open, open the \
         following URL:\n\n{url}\n\n"
    ));
    // No secret in it: the state only tells this login's answer apart, the PKCE verifier stays
    // here.
    if let Err(why) = crate::browser::open(&url) {
        eprintln!("Could not open a browser ({why}).");
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let waiting = pending.clone();
    std::thread::spawn(move || {
        let _ = tx.send(wait_for_callback(&listener, &waiting));
    });
    let (code, state) = rx
        .recv_timeout(CALLBACK_WAIT)
        .ok()
        .flatten()
        .ok_or_else(|| {
            Error::config(
                "no answer from the browser within 10 minutes: run `sts login` again (or `sts \
                 login --remote` to paste the code instead)",
            )
        })?;
    pending.finish(&code, &state, time::OffsetDateTime::now_utc())
}

/// Serves the listener until this login's redirect (a code with its state) arrives. Anything
/// else (another state, none, an error, another path or method, a malformed request) gets an
/// error page and the wait goes on: a local process or a web page that finds the port cannot
/// end the login. `None` when the listener fails.
fn wait_for_callback(
    listener: &TcpListener,
    pending: &PendingLogin,
) -> Option<(SecretString, String)> {
    let mut noted = false;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if let Some(answer) = one_request(stream, pending, &mut noted) {
            return Some(answer);
        }
    }
    None
}

const PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>sts login</title>\
    </head><body><p>%s</p></body></html>";

/// What a page says when sts login goes on waiting.
const STILL_WAITING: &str = "sts login is still waiting for the sign-in it started: finish \
    signing in on the page it opened, or stop it with Ctrl-C in the terminal.";

/// Answers one request; `Some` for this login's code.
fn one_request(
    mut stream: TcpStream,
    pending: &PendingLogin,
    noted: &mut bool,
) -> Option<(SecretString, String)> {
    let until = Instant::now() + crate::server::DEADLINE;
    let (status, text, answer) = match crate::server::read_head(&mut stream, until) {
        Err(_) => (
            "400 Bad Request",
            format!("Bad request. {STILL_WAITING}"),
            None,
        ),
        Ok(head) => {
            let mut line = head.lines().next().unwrap_or_default().split(' ');
            match (line.next(), line.next()) {
                (Some("GET"), Some(target)) => answer(target, pending, noted),
                (Some(m), Some(_)) if !m.is_empty() => (
                    "405 Method Not Allowed",
                    format!("Only GET is answered here. {STILL_WAITING}"),
                    None,
                ),
                _ => (
                    "400 Bad Request",
                    format!("Bad request. {STILL_WAITING}"),
                    None,
                ),
            }
        }
    };
    let body = PAGE.replace("%s", &text);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
    answer
}

/// The status, the page's text (HTML) and, for this login's code, the answer.
fn answer(
    target: &str,
    pending: &PendingLogin,
    noted: &mut bool,
) -> (&'static str, String, Option<(SecretString, String)>) {
    let not_ours = |noted: &mut bool| {
        if !std::mem::replace(noted, true) {
            eprintln!(
                "Ignored an answer at the local listener that is not for this sign-in (wrong or \
                 no state); still waiting."
            );
        }
        (
            "400 Bad Request",
            format!("This answer is not for this sign-in. {STILL_WAITING}"),
            None,
        )
    };
    match PendingLogin::parse_callback(target) {
        Callback::Code { code, state } if pending.state_matches(&state) => (
            "200 OK",
            "Signed in: sts has received the authorization. You can close this window and \
             return to the terminal."
                .to_owned(),
            Some((code, state)),
        ),
        Callback::Denied { why, state }
            if state.as_deref().is_some_and(|s| pending.state_matches(s)) =>
        {
            eprintln!("The sign-in page reported an error: {why}. Still waiting (Ctrl-C to stop).");
            (
                "400 Bad Request",
                format!(
                    "Sign-in failed: {}. {STILL_WAITING}",
                    crate::browser::html_escape(&why)
                ),
                None,
            )
        }
        Callback::Code { .. } | Callback::Denied { .. } => not_ours(noted),
        Callback::Invalid => (
            "400 Bad Request",
            format!("This is not a sign-in answer. {STILL_WAITING}"),
            None,
        ),
        // Another path (a favicon), or anything a later library reads that this program does
        // not know: not this login's answer.
        _ => ("404 Not Found", "Not found.".to_owned(), None),
    }
}

fn run_logout(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let env = Env::real();
    let dir = match LoginProvider::cache_dir(&env) {
        Ok(Some(d)) => d,
        Ok(None) => return config_error("no home directory and no AWS_LOGIN_CACHE_DIRECTORY"),
        Err(e) => return config_error(e),
    };
    const NOTE: &str = "Note, any local developer tools that have already loaded the access \
        token may continue to use it until its expiration. Access tokens expire in 15 minutes.";
    if v.switch("--all") {
        return match LoginProvider::remove_all(&dir) {
            Ok(removed) if removed.is_empty() => {
                crate::session::emit("No cached login session tokens found.\n")
            }
            Ok(removed) => {
                let plural = if removed.len() == 1 { "" } else { "s" };
                let mut msg = format!(
                    "Removed {} cached login credential{plural}:\n",
                    removed.len()
                );
                for p in &removed {
                    msg.push_str(&format!("  {}\n", p.display()));
                }
                msg.push_str(NOTE);
                msg.push('\n');
                crate::session::emit(&msg)
            }
            Err(e) => config_error(e),
        };
    }
    let profile = profile_name(g, &env);
    let set = match load(&env, &profile) {
        Ok((_, s)) => s,
        Err(e) => return config_error(e),
    };
    let Some(session) = set
        .selected()
        .and_then(|p| p.get_nonempty("login_session"))
        .map(str::to_owned)
    else {
        eprintln!("warning: no login session found for profile '{profile}'");
        return 0;
    };
    match LoginProvider::remove_session(&dir, &session) {
        Ok(Some(path)) => crate::session::emit(&format!(
            "Removed cached login credentials for profile '{profile}' ({}). {NOTE}\n",
            path.display()
        )),
        Ok(None) => crate::session::emit(&format!(
            "No cached login credentials for profile '{profile}' ({} does not exist).\n",
            LoginProvider::cache_file(&dir, session.trim()).display()
        )),
        Err(e) => config_error(e),
    }
}
