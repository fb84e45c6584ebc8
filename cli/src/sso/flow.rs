//! The IAM Identity Center sign-in of `sts sso login`, and the offer of the same sign-in when a
//! command needs a token that is missing or expired ([`auto_login`], installed by the session's
//! settings): `[sso-session]` profiles sign in with an authorization code and PKCE through a
//! one-shot listener on 127.0.0.1 (the AWS CLI listens on every interface; this does not);
//! `--use-device-code` and legacy profiles use the device authorization grant, polling at the
//! service's interval. It writes the token and registration files the AWS CLI v2 writes.
//!
//! It stands below the session (which installs the offer), so it imports no command and not the
//! session: the sso commands (`login.rs`) call it.

use super::{SsoConfig, session_config, shown};
use crate::config_writer;
use std::io::{BufRead, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sts_blocking::credentials::{
    ClientRegistration, CreatedToken, DevicePoll, Env, PkceSession, ProfileSet, RegisterClient,
    SsoCache, SsoCachedToken, SsoCallback, SsoGrant, SsoLogin, SsoLoginRequest, SsoOidcClient,
    TokenGrant, TokenOutcome, parse_sso_callback, resolve_start_url, sso_login, sso_redirect_uri,
    sso_registration_cache_key, sso_token_cache_key,
};
use sts_blocking::{Error, SecretString};
use time::OffsetDateTime;

/// How long the authorization code flow waits for the browser (the AWS CLI's 10 minutes).
const CALLBACK_WAIT: Duration = Duration::from_secs(600);
/// How long one request to the listener may take to arrive (the AWS CLI's 10 s).
const REQUEST_WAIT: Duration = Duration::from_secs(10);

/// How the login goes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// `--use-device-code`.
    pub use_device_code: bool,
    /// `--no-browser`.
    pub no_browser: bool,
}

/// Where the login talks and what it writes.
pub(crate) struct Context<'a> {
    pub env: &'a Env,
    pub set: &'a ProfileSet,
    pub ca_bundle: Option<PathBuf>,
    pub config_file: Option<&'a Path>,
}

/// `text` on `out`, flushed (a closed output is not an error: the login goes on).
fn say(out: &mut dyn Write, text: &str) {
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Logs in to `cfg` as `opts` says, writing the messages to `out`; returns the token file.
pub(crate) fn login(
    ctx: &Context<'_>,
    cfg: &SsoConfig,
    opts: Options,
    out: &mut dyn Write,
) -> Result<PathBuf, Error> {
    let resolved = resolve_start_url(&cfg.start_url, ctx.env, ctx.ca_bundle.clone())?;
    let Some(region) = resolved.region.clone().or_else(|| cfg.region.clone()) else {
        return Err(Error::config(format!(
            "Cannot determine region from start URL '{}'. Please provide sso_region in your \
             configuration.",
            shown(&cfg.start_url)
        )));
    };
    let oidc = match ctx.set.configured_endpoint_url(ctx.env, "sso-oidc") {
        Some(url) => SsoOidcClient::with_endpoint(&url)?,
        None => SsoOidcClient::new(&region)?,
    }
    .transport(ctx.env, ctx.ca_bundle.clone());
    let cache = SsoCache::from_env(ctx.env)?;
    let grant = if cfg.session_name.is_some() && !opts.use_device_code {
        SsoGrant::AuthorizationCode
    } else {
        SsoGrant::DeviceCode
    };
    let registration = registration(&oidc, &cache, cfg, &region, &resolved.resolved, grant)?;
    let token = match grant {
        SsoGrant::AuthorizationCode => authorization_code(&oidc, &registration, cfg, opts, out)?,
        _ => device_code(&oidc, &registration, &resolved.resolved, opts, out)?,
    };
    let file = SsoCachedToken::new(cfg.start_url.clone(), region.clone(), &registration, &token);
    let key = sso_token_cache_key(cfg.session_name.as_deref(), &cfg.start_url);
    let path = cache.save_token(&key, &file)?;
    // As the AWS CLI: the region the start URL names is saved where the session is configured.
    if let Some(derived) = &resolved.region
        && cfg.region.as_ref() != Some(derived)
        && let Some(config) = ctx.config_file
    {
        config_writer::update_file(config, &cfg.section, &[("sso_region", derived)])?;
        say(out, &format!("SSO region updated to {derived}\n"));
    }
    say(
        out,
        &format!(
            "Successfully logged into Start URL: {}\n",
            shown(&cfg.start_url)
        ),
    );
    Ok(path)
}

/// The cached registration when it can be reused for `grant`, else a new one (cached).
fn registration(
    oidc: &SsoOidcClient,
    cache: &SsoCache,
    cfg: &SsoConfig,
    region: &str,
    issuer: &str,
    grant: SsoGrant,
) -> Result<ClientRegistration, Error> {
    let key = sso_registration_cache_key(
        &cfg.start_url,
        region,
        cfg.scopes.as_deref(),
        cfg.session_name.as_deref(),
    );
    let now = OffsetDateTime::now_utc();
    if let Some(r) = cache
        .load_registration(&key)
        .filter(|r| r.is_usable_for(grant, now))
    {
        return Ok(r);
    }
    // Legacy profiles: the AWS CLI names the client after the time.
    let name = match &cfg.session_name {
        Some(s) => format!("botocore-client-{s}"),
        None => format!("botocore-client-{}", now.unix_timestamp()),
    };
    let request = match grant {
        SsoGrant::AuthorizationCode => {
            RegisterClient::authorization_code(name, cfg.scopes.as_deref(), issuer)
        }
        _ => RegisterClient::device_code(name, cfg.scopes.as_deref()),
    };
    let r = oidc.register_client(&request)?;
    cache.save_registration(&key, &r)?;
    Ok(r)
}

/// The device authorization grant: authorize, one attempt at once (the client may already be
/// authorized), then show the URL and the code and poll on the service's schedule.
fn device_code(
    oidc: &SsoOidcClient,
    registration: &ClientRegistration,
    start_url: &str,
    opts: Options,
    out: &mut dyn Write,
) -> Result<CreatedToken, Error> {
    let auth =
        oidc.start_device_authorization(registration, start_url, OffsetDateTime::now_utc())?;
    let grant = TokenGrant::DeviceCode {
        device_code: &auth.device_code,
    };
    let mut poll = DevicePoll::for_authorization(&auth);
    let mut outcome = oidc.create_token(registration, grant, OffsetDateTime::now_utc())?;
    if !matches!(outcome, TokenOutcome::Issued(_)) {
        let complete = auth
            .verification_uri_complete
            .as_deref()
            .unwrap_or(&auth.verification_uri);
        if opts.no_browser {
            say(
                out,
                &format!(
                    "Browser will not be automatically opened.\nPlease visit the following \
                     URL:\n\n{}\n\nThen enter the code:\n\n{}\n\nAlternatively, you may visit \
                     the following URL which will autofill the code upon loading:\n{complete}\n",
                    auth.verification_uri, auth.user_code
                ),
            );
        } else {
            say(
                out,
                &format!(
                    "Attempting to automatically open the SSO authorization page in your \
                     default browser.\nIf the browser does not open or you wish to use a \
                     different device to authorize this request, open the following URL:\n\n\
                     {}\n\nThen enter the code:\n\n{}\n",
                    auth.verification_uri, auth.user_code
                ),
            );
            if let Err(why) = crate::browser::open(complete) {
                say(out, &format!("Could not open a browser ({why}).\n"));
            }
        }
    }
    loop {
        if let TokenOutcome::Issued(t) = outcome {
            return Ok(t);
        }
        let Some(wait) = poll.next_wait(&outcome, OffsetDateTime::now_utc()) else {
            return Err(Error::config(
                "The pending authorization to retrieve an SSO token has expired. The device \
                 authorization flow to retrieve an SSO token must be restarted.",
            ));
        };
        std::thread::sleep(wait);
        outcome = oidc.create_token(registration, grant, OffsetDateTime::now_utc())?;
    }
}

/// The authorization code grant with PKCE through a one-shot listener on 127.0.0.1.
fn authorization_code(
    oidc: &SsoOidcClient,
    registration: &ClientRegistration,
    cfg: &SsoConfig,
    opts: Options,
    out: &mut dyn Write,
) -> Result<CreatedToken, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| Error::config(format!("could not start the local listener: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::config(format!("could not start the local listener: {e}")))?
        .port();
    let pkce = PkceSession::new()?;
    let redirect = sso_redirect_uri(port);
    let url = pkce.authorize_url(
        oidc.endpoint(),
        &registration.client_id,
        &redirect,
        cfg.scopes.as_deref(),
    );
    if opts.no_browser {
        say(
            out,
            &format!(
                "Browser will not be automatically opened.\nPlease visit the following URL:\n\n\
                 {url}\n"
            ),
        );
    } else {
        say(
            out,
            &format!(
                "Attempting to open your default browser. If the browser does not open, open \
                 the following URL.\nIf you are unable to open the URL on this device, run this \
                 command again with the '--use-device-code' option.\n\n{url}\n\n"
            ),
        );
        // No secret in it: the challenge is public, the verifier stays here.
        if let Err(why) = crate::browser::open(&url) {
            say(out, &format!("Could not open a browser ({why}).\n"));
        }
    }
    let code = wait_for_code(&listener, &pkce, Instant::now() + CALLBACK_WAIT)?;
    drop(listener);
    let grant = TokenGrant::AuthorizationCode {
        code: &code,
        code_verifier: pkce.code_verifier(),
        redirect_uri: &redirect,
    };
    match oidc.create_token(registration, grant, OffsetDateTime::now_utc())? {
        TokenOutcome::Issued(t) => Ok(t),
        _ => Err(Error::config(
            "CreateToken answered that the authorization is still pending: run sts sso login \
             again",
        )),
    }
}

/// What one request to the listener decided.
enum Step {
    /// Keep waiting (not a callback: a favicon, a bad request).
    Wait,
    /// The first callback: its code, or why the login fails.
    Done(Result<SecretString, Error>),
}

/// Serves the listener until the first callback, or `deadline`.
fn wait_for_code(
    listener: &TcpListener,
    pkce: &PkceSession,
    deadline: Instant,
) -> Result<SecretString, Error> {
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::config(format!("the local listener failed: {e}")))?;
    loop {
        if Instant::now() >= deadline {
            return Err(Error::config(
                "No answer from the browser within 10 minutes: the pending authorization to \
                 retrieve an SSO token has expired. Run sts sso login again (or with \
                 --use-device-code).",
            ));
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                if let Step::Done(r) = one_request(stream, pkce) {
                    return r;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::config(format!("the local listener failed: {e}"))),
        }
    }
}

const PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>sts sso login\
    </title></head><body><p>%s</p></body></html>";

/// Answers one request (within [`REQUEST_WAIT`]).
fn one_request(mut stream: TcpStream, pkce: &PkceSession) -> Step {
    let until = Instant::now() + REQUEST_WAIT;
    let (status, text, step) = match crate::server::read_head(&mut stream, until) {
        Err(431) => (
            "431 Request Header Fields Too Large",
            "Request too large.".to_owned(),
            Step::Wait,
        ),
        Err(408) => ("408 Request Timeout", "Too slow.".to_owned(), Step::Wait),
        Err(_) => ("400 Bad Request", "Bad request.".to_owned(), Step::Wait),
        Ok(head) => {
            let mut line = head.lines().next().unwrap_or_default().split(' ');
            match (line.next(), line.next()) {
                (Some("GET"), Some(target)) => callback(target, pkce),
                (Some(m), Some(_)) if !m.is_empty() => (
                    "405 Method Not Allowed",
                    "Only GET is answered here.".to_owned(),
                    Step::Wait,
                ),
                _ => ("400 Bad Request", "Bad request.".to_owned(), Step::Wait),
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
    step
}

/// The status, the page's text and the decision for a `GET` of `target`.
fn callback(target: &str, pkce: &PkceSession) -> (&'static str, String, Step) {
    match parse_sso_callback(target) {
        SsoCallback::Code { code, state } if pkce.state_matches(&state) => (
            "200 OK",
            "Request approved: sts has received the authorization. You can close this window \
             and return to the terminal."
                .to_owned(),
            Step::Done(Ok(code)),
        ),
        SsoCallback::Code { .. } => (
            "400 Bad Request",
            "This answer is not for this sign-in: the login was stopped.".to_owned(),
            Step::Done(Err(Error::config(
                "Failed to retrieve an authorization code: State parameter does not match \
                 expected value. Run sts sso login again.",
            ))),
        ),
        SsoCallback::Denied { why } => (
            "400 Bad Request",
            format!("The sign-in failed: {}.", crate::browser::html_escape(&why)),
            Step::Done(Err(Error::config(format!(
                "Failed to retrieve an authorization code: the authorization page answered {why}"
            )))),
        ),
        SsoCallback::Invalid => (
            "400 Bad Request",
            "This is not a sign-in answer; still waiting.".to_owned(),
            Step::Wait,
        ),
        _ => ("404 Not Found", "Not found.".to_owned(), Step::Wait),
    }
}

/// The [`SsoLogin`] of the `sts` command: when standard input and standard error are a terminal
/// (and no command of `sts exec` owns it), it asks, then signs in with the flow `sts sso login`
/// uses, its messages on standard error (standard output is the command's). Without a terminal
/// it declines: the command fails with the chain's error, which says to log in.
pub(crate) fn auto_login(
    ca_bundle: Option<PathBuf>,
    config_file: Option<PathBuf>,
) -> Arc<dyn SsoLogin> {
    sso_login(move |r: &SsoLoginRequest| {
        use std::io::IsTerminal;
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal())
            || crate::terminal::child_owns_terminal()
        {
            return Ok(false);
        }
        let target = match &r.session_name {
            Some(s) => format!("--sso-session {}", shown(s)),
            None => format!("--profile {}", shown(&r.profile)),
        };
        let mut err = std::io::stderr().lock();
        say(
            &mut err,
            &format!(
                "\nProfile {} needs an IAM Identity Center sign-in: {}.\nSign in now (sts sso \
                 login {target})? [Y/n] ",
                shown(&r.profile),
                r.reason
            ),
        );
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err()
            || answer.trim().to_ascii_lowercase().starts_with('n')
        {
            return Ok(false);
        }
        let env = Env::real();
        let set = ProfileSet::load(&env)?;
        let cfg = match &r.session_name {
            Some(name) => session_config(&set, name)?,
            None => SsoConfig {
                session_name: None,
                start_url: r.start_url.clone(),
                region: Some(r.region.clone()),
                scopes: None,
                section: format!("profile {}", r.profile),
            },
        };
        let ctx = Context {
            env: &env,
            set: &set,
            ca_bundle: ca_bundle.clone(),
            config_file: config_file.as_deref(),
        };
        login(&ctx, &cfg, Options::default(), &mut err)?;
        Ok(true)
    })
}
