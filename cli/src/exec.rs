//! `sts exec`: runs a command with a profile's credentials, as `aws-vault exec` does, with the
//! credentials `sts` (and `aws`) find and cache.
//!
//! - Credentials come from the same chain as every command (role chains, MFA prompted once per
//!   session thanks to `~/.aws/cli/cache`, `login_session`, SSO, `credential_process`...).
//!   Long-term keys are never handed over as they are: a `GetSessionToken` session is made first
//!   (with the profile's `mfa_serial`), unless `--no-session`.
//! - The child gets `SET` and loses `REMOVED` (see `child_env`); `GUARD` marks it so that
//!   a nested `sts exec` refuses to run (`--force` allows it).
//! - Without `--server`, on Unix, `sts` replaces itself with the command (exec): signals, the
//!   terminal and the exit status are the command's own. With `--server` it starts the loopback
//!   endpoint of [`crate::server`], runs the command as a child, passes on every signal that would
//!   end `sts` first, keeps ignored ones ignored ([`crate::signals`]) and exits with the child's
//!   status (128 + N for a child killed by signal N).
//! - With `--server` the terminal is the child's once it runs: no MFA code is asked after that
//!   ([`ask_mfa_code`] fails instead). A role profile with `mfa_serial` over long-term keys is
//!   served from one MFA-backed `GetSessionToken` session made at start ([`MfaSession`]), as
//!   aws-vault serves it, so that refreshes need no code for the session's lifetime.

use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag};
use std::ffi::OsString;
use std::sync::{Arc, Mutex, PoisonError};
use sts_blocking::credentials::{
    BaseSource, Env, EnvironmentProvider, MfaTokenProvider, RoleHop, StsRoleAssumer, fetch_mfa_code,
};
use sts_blocking::error::CredentialsError;
use sts_blocking::ops::GetSessionToken;
use sts_blocking::settings::Settings;
use sts_blocking::{CachedProvider, Credentials, Error, ProvideCredentials, Sts};

/// The variable that marks a child of `sts exec` (its value: the profile).
pub(crate) const GUARD: &str = "STS_EXEC";

/// Variables the child never inherits (they would compete with the credentials it is given).
pub(crate) const REMOVED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_CREDENTIAL_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    // aws-vault's: the expiry of its keys (not of ours), and its nesting guard.
    "AWS_SESSION_EXPIRATION",
    "AWS_VAULT",
];

/// Variables the child may be given (checked by the tests).
#[cfg(test)]
pub(crate) const SET: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "NO_PROXY",
    "no_proxy",
    GUARD,
];

const DURATION: std::ops::RangeInclusive<i32> = 900..=129_600;

/// What `sts exec help` says before the generic exit codes.
pub(crate) const EXIT_STATUS: &str = "Once the command runs, the exit status is the command's \
    own: its exit code, or 128 + N when a signal N ended it. 127 when the command was not found \
    and 126 when it could not be run. Before the command starts (the command line, the \
    credentials, the --server endpoint), sts exits with one of its own codes:";

/// The role name `sts exec --imds-server` answers under.
pub(crate) const IMDS_ROLE: &str = "sts-exec";

/// `sts exec`.
pub(crate) const EXEC: Command = Command {
    name: "exec",
    action: "",
    summary: "Runs a command with a profile's credentials in its environment (aws-vault exec).",
    description: "Resolves credentials as every other command does (--profile with role chains, \
        MFA prompted once per session through the AWS CLI's cache ~/.aws/cli/cache, \
        login_session, SSO, credential_process, or the environment) and runs the command given \
        after -- with them; without a command, runs $SHELL.\n\n\
        The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
        AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION (when a region is \
        configured), AWS_ACCOUNT_ID (when known) and STS_EXEC (the profile). AWS_PROFILE, \
        AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN, AWS_CREDENTIAL_FILE, AWS_WEB_IDENTITY_TOKEN_FILE, \
        AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, the AWS_CONTAINER_* variables and aws-vault's \
        AWS_SESSION_EXPIRATION and AWS_VAULT are removed, so that it cannot pick up other \
        credentials.\n\n\
        Long-term access keys are not handed over as they are: sts first calls GetSessionToken \
        (with an MFA code when the profile has mfa_serial) and gives the command the session, as \
        aws-vault does. --no-session hands over the keys themselves.\n\n\
        With --server, the command gets no keys but AWS_CONTAINER_CREDENTIALS_FULL_URI and \
        AWS_CONTAINER_AUTHORIZATION_TOKEN: a credential endpoint on 127.0.0.1 that every AWS SDK \
        reads as it reads an ECS task's, served by sts while the command runs and refreshed \
        before the credentials expire, for long-running programs. Only GET of its one path with \
        the right token is answered (403 otherwise). SDKs check the shared config files before \
        the container endpoint: a default profile with credentials of its own wins over it. For \
        a role profile with mfa_serial, the MFA code is asked once, before the command starts, \
        for a GetSessionToken session of the source profile's keys (as aws-vault does), and the \
        role is assumed from that session at each refresh. The terminal is never read while \
        the command runs: past that session, or when a refresh would need a code, the endpoint \
        answers an error that says to run sts exec again.\n\n\
        The exit status is the command's (128 + N when a signal N ended it). Without --server, \
        on Unix, sts replaces itself with the command. With --server, sts stays as the command's \
        parent and outlives it: the signals that would end sts (SIGTERM, SIGHUP, SIGUSR1, SIGALRM...) \
        are passed on to the command, SIGINT and SIGQUIT only when standard input is not a \
        terminal (from a terminal, the command receives them itself); a signal ignored when sts \
        starts stays ignored, in sts and in the command, and is not passed on, so that \
        nohup sts exec --server -- job & outlives the session. The endpoint closes when sts \
        exits: processes that outlive the command must not rely on it (another local user could \
        then take its port). Inside sts exec (STS_EXEC is set), sts exec refuses to run unless \
        --force is given.\n\n\
        With --scope-policy, --scope-duration or --scope-description, the command gets less: \
        credentials made with GetScopedCredentials from the session, allowed only what both the \
        session and the policy allow (the intersection, never wider), with the same identity \
        (the same session ARN, session name and tags) and a description CloudTrail shows \
        (default \"sts exec: COMMAND\"). Long-term keys get their GetSessionToken session first \
        (GetScopedCredentials refuses them), so --no-session cannot be combined with them. The \
        call goes to the regional STS endpoint (of us-east-1 when no region is configured, and \
        even with sts_regional_endpoints = legacy; sts says so). With --server, every refresh \
        scopes again.",
    flags: &[
        flag(
            "--duration-seconds",
            "",
            Kind::Int,
            false,
            "For a role profile (role_arn), the duration of the role session (AssumeRole's \
             DurationSeconds, as aws-vault's --duration), in place of the profile's \
             duration_seconds; the AWS CLI's cache keeps one session per duration. For \
             long-term keys, the duration of the GetSessionToken session made of them (default: \
             STS's, 43200 seconds). With --server and a role profile with mfa_serial: both the \
             MFA session's and the role session's. Not accepted for other temporary \
             credentials.",
            "900 to 43200 for a role, and at most the role's maximum session duration (STS \
             refuses more, exit 254); 900 to 129600 for long-term keys (3600 at most for the \
             root user)",
        ),
        flag(
            "--no-session",
            "",
            Kind::Switch,
            false,
            "Hand long-term keys to the command as they are, without a GetSessionToken session.",
            "",
        ),
        flag(
            "--server",
            "",
            Kind::Switch,
            false,
            "Serve the credentials on a loopback endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) \
             instead of putting keys in the environment; sts refreshes them for as long as the \
             command runs.",
            "",
        ),
        flag(
            "--imds-server",
            "",
            Kind::Switch,
            false,
            "Serve the credentials on a loopback endpoint that answers as EC2's instance \
             metadata service (IMDSv2) does, given to the command as \
             AWS_EC2_METADATA_SERVICE_ENDPOINT, instead of putting keys in the environment; for \
             programs that read instance credentials only.",
            "",
        ),
        flag(
            "--force",
            "",
            Kind::Switch,
            false,
            "Run even inside another sts exec (STS_EXEC is set).",
            "",
        ),
        crate::scope::POLICY,
        crate::scope::DURATION,
        crate::scope::DESCRIPTION,
    ],
    output: &[],
    examples: &[
        Example {
            title: "To run a command with a role profile's credentials",
            command: "sts exec --profile dev -- aws s3 ls",
            output: "",
        },
        Example {
            title: "To start a shell whose programs keep getting fresh credentials",
            command: "sts exec --profile dev --server",
            output: "",
        },
    ],
    credentials: false,
    signed: false,
    run: Run::Custom(run),
};

/// How the child's environment changes. Holds secrets: no `Debug`.
pub(crate) struct EnvChange {
    /// Variables to remove.
    pub remove: Vec<&'static str>,
    /// Variables to set (values may be secrets: never print them).
    pub set: Vec<(&'static str, String)>,
}

/// Where the child gets its credentials.
pub(crate) enum Handover<'a> {
    /// In the environment.
    Keys(&'a Credentials),
    /// From the loopback endpoint at this URL, with this token.
    Server { url: &'a str, token: &'a str },
    /// From the loopback IMDSv2 endpoint at this URL.
    Imds { url: &'a str },
}

/// Variables the child loses besides [`REMOVED`] when it gets the IMDS endpoint: they would
/// turn instance metadata off or send it elsewhere.
pub(crate) const REMOVED_FOR_IMDS: &[&str] = &[
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
];

/// The child's environment change: [`REMOVED`] out, then the credentials (or the endpoint), the
/// region, the account and [`GUARD`] in.
pub(crate) fn child_env(
    handover: &Handover<'_>,
    region: Option<&str>,
    account: Option<&str>,
    profile: &str,
) -> EnvChange {
    let mut set: Vec<(&'static str, String)> = Vec::new();
    match handover {
        Handover::Keys(c) => {
            set.push(("AWS_ACCESS_KEY_ID", c.access_key_id.clone()));
            set.push((
                "AWS_SECRET_ACCESS_KEY",
                c.secret_access_key.expose().to_owned(),
            ));
            if let Some(t) = &c.session_token {
                set.push(("AWS_SESSION_TOKEN", t.expose().to_owned()));
            }
            if let Some(e) = c.expiration {
                set.push(("AWS_CREDENTIAL_EXPIRATION", crate::output::timestamp(e)));
            }
        }
        Handover::Server { url, token } => {
            set.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", (*url).to_owned()));
            set.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN", (*token).to_owned()));
        }
        Handover::Imds { url } => {
            set.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", (*url).to_owned()));
        }
    }
    if let Some(a) = account {
        set.push(("AWS_ACCOUNT_ID", a.to_owned()));
    }
    if let Some(r) = region {
        set.push(("AWS_REGION", r.to_owned()));
        set.push(("AWS_DEFAULT_REGION", r.to_owned()));
    }
    set.push((GUARD, profile.to_owned()));
    let mut remove = REMOVED.to_vec();
    if matches!(handover, Handover::Imds { .. }) {
        remove.extend_from_slice(REMOVED_FOR_IMDS);
    }
    EnvChange { remove, set }
}

/// The credentials `sts exec` hands over: the chain's, or for long-term keys a `GetSessionToken`
/// session of them (MFA when the profile has `mfa_serial`). Cache it for the server.
pub(crate) struct SessionSource {
    /// The command's credential chain (cached).
    pub inner: Arc<dyn ProvideCredentials>,
    /// The client `GetSessionToken` is sent with (signed with the long-term keys).
    pub sts: Sts,
    /// `mfa_serial` of the profile holding the keys.
    pub mfa_serial: Option<String>,
    /// The session's duration.
    pub duration: Option<i32>,
    /// Hand long-term keys over as they are.
    pub no_session: bool,
    /// The keys come from the `sts keys` store: their sessions are cached (in this directory,
    /// when the cache is on).
    pub stored: Option<Option<std::path::PathBuf>>,
}

impl std::fmt::Debug for SessionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionSource")
            .field("inner", &self.inner)
            .field("mfa_serial", &self.mfa_serial)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for SessionSource {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.session_for(self.inner.provide_credentials()?)
    }

    fn source_name(&self) -> String {
        self.inner.source_name()
    }
}

impl SessionSource {
    /// `base` as it is, or the session made of it.
    fn session_for(&self, base: Credentials) -> Result<Credentials, Error> {
        if base.session_token.is_some() || self.no_session {
            return Ok(base);
        }
        if let Some(dir) = &self.stored {
            return crate::keys::session::session(
                &self.sts,
                &base,
                self.mfa_serial.as_deref(),
                self.duration,
                dir.as_deref(),
                &ask_mfa_code,
            );
        }
        let mut op = GetSessionToken::new();
        op.duration_seconds = self.duration;
        if let Some(serial) = &self.mfa_serial {
            op.token_code = Some(fetch_mfa_code(&*gated_mfa(), serial)?.into());
            op.serial_number = Some(serial.clone());
        }
        let mut c = self
            .sts
            .send_with_credentials(&op, &base)?
            .into_credentials()?;
        c.account_id = base.account_id;
        Ok(c)
    }
}

/// Asks for an MFA code on the terminal, unless the command owns it: then a refresh that needs
/// a code fails (its credentials stay served until they expire) and says what to do.
fn ask_mfa_code(serial: &str) -> Result<String, Error> {
    if crate::terminal::child_owns_terminal() && crate::prompt::needs_terminal(serial) {
        return Err(CredentialsError::new(
            "mfa",
            format!(
                "an MFA code for {serial} is needed, and the terminal belongs to the command \
                 sts exec runs: run `sts exec` again to enter one"
            ),
        )
        .into());
    }
    crate::session::prompt_mfa_code(serial)
}

fn gated_mfa() -> Arc<dyn MfaTokenProvider> {
    Arc::new(ask_mfa_code)
}

/// A role profile with `mfa_serial` served by `sts exec --server`, as aws-vault serves it: the
/// code is asked once, for a `GetSessionToken` session of the long-term keys, and every refresh
/// assumes the role (then the roles it leads to) from that session, without a code. Past the
/// session, an error that says to run `sts exec` again.
#[derive(Debug)]
struct MfaSession {
    /// The MFA-backed session (secrets: `Credentials` hides them in `Debug`).
    session: Credentials,
    /// The device it was made with.
    serial: String,
    /// The roles to assume from it, in order (the first one's `mfa_serial` dropped).
    hops: Vec<RoleHop>,
    assumer: StsRoleAssumer,
}

impl MfaSession {
    /// Asks for the code (on the terminal: the command has not started) and makes the session.
    fn start(
        sts: &Sts,
        settings: &Settings,
        keys: &Credentials,
        mut hops: Vec<RoleHop>,
        duration: Option<i32>,
    ) -> Result<Self, Error> {
        let Some(serial) = hops.first_mut().and_then(|h| h.mfa_serial.take()) else {
            return Err(Error::config("no role with mfa_serial to assume"));
        };
        let mut op = GetSessionToken::new();
        op.duration_seconds = duration;
        op.serial_number = Some(serial.clone());
        op.token_code = Some(fetch_mfa_code(&*gated_mfa(), &serial)?.into());
        let session = sts.send_with_credentials(&op, keys)?.into_credentials()?;
        Ok(Self {
            session,
            serial,
            hops,
            // Sessions from this one are not the ones `aws` would cache under the role's key
            // (made with the code at each call): they stay in memory.
            assumer: settings.role_assumer(Some(gated_mfa())).cli_cache(None),
        })
    }
}

impl ProvideCredentials for MfaSession {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        if let Some(end) = self.session.expiration
            && self.session.is_expired_at(time::OffsetDateTime::now_utc())
        {
            return Err(CredentialsError::new(
                "mfa",
                format!(
                    "the MFA session sts exec started with ({}) ended at {}: run `sts exec` \
                     again to enter a new code",
                    self.serial,
                    crate::output::timestamp(end)
                ),
            )
            .into());
        }
        let mut c = self.session.clone();
        for hop in &self.hops {
            c = self.assumer.assume_role(&c, hop)?;
        }
        Ok(c)
    }

    fn source_name(&self) -> String {
        self.hops.last().map_or_else(
            || "mfa-session".to_owned(),
            |h| format!("profile:{} (mfa session)", h.profile),
        )
    }
}

/// The role chain of the selected profile when it starts from long-term keys in a profile and
/// its first role has `mfa_serial` (and the profile, not the environment, gives the
/// credentials): the keys and the roles.
fn mfa_role_chain(settings: &Settings) -> Option<(Credentials, Vec<RoleHop>)> {
    if !settings.profile_explicit && EnvironmentProvider::new(Env::real()).is_configured() {
        return None;
    }
    // Profiles whose keys `sts keys` keeps are planned as the chain plans them.
    let stored = match &settings.key_store {
        Some(store) => store.profiles().ok()?,
        None => Vec::new(),
    };
    let set = (**settings.profiles()).clone().with_stored_keys(stored);
    let chain = set.plan().ok()?;
    let mfa_first = chain.roles.first().is_some_and(|h| h.mfa_serial.is_some());
    match chain.base {
        BaseSource::Static { credentials, .. }
            if credentials.session_token.is_none() && mfa_first =>
        {
            Some((credentials, chain.roles))
        }
        BaseSource::Stored { profile } if mfa_first => {
            let keys = settings.key_store.as_ref()?.keys(&profile).ok()?;
            Some((keys, chain.roles))
        }
        _ => None,
    }
}

/// Whether the selected profile assumes a role of its own (`role_arn`) and gives the
/// credentials (named by `--profile`, or no keys in the environment that would win over it).
fn role_profile(settings: &Settings) -> bool {
    (settings.profile_explicit || !EnvironmentProvider::new(Env::real()).is_configured())
        && settings
            .profiles()
            .plan()
            .is_ok_and(|c| !c.roles.is_empty())
}

/// Returns `first` on its first call, then asks `inner` (so that seeding the server's cache
/// makes no second session and asks for no second MFA code).
#[derive(Debug)]
struct Primed {
    first: Mutex<Option<Credentials>>,
    inner: Arc<dyn ProvideCredentials>,
}

impl ProvideCredentials for Primed {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let first = self
            .first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        first.map_or_else(|| self.inner.provide_credentials(), Ok)
    }

    fn source_name(&self) -> String {
        self.inner.source_name()
    }
}

/// `source` cached for the server, seeded with `first` now, so that its refresh windows count
/// from the credentials' real expiry, however late the first request comes.
fn cached_for_server(
    source: Arc<dyn ProvideCredentials>,
    first: &Credentials,
) -> Result<Arc<dyn ProvideCredentials>, Error> {
    let cached = CachedProvider::new(Arc::new(Primed {
        first: Mutex::new(Some(first.clone())),
        inner: source,
    }));
    cached.provide_credentials()?;
    Ok(Arc::new(cached))
}

fn run(g: &Globals, v: &Values, cmd: &[String]) -> i32 {
    match prepare_scoped(g, v, cmd) {
        Ok(p) => launch(p, cmd),
        Err(code) => code,
    }
}

/// The command's name for the default scope description: `sts exec: terraform`.
fn command_name(cmd: &[String]) -> String {
    let (prog, _) = program(cmd);
    let prog = prog.to_string_lossy().into_owned();
    let base = prog.rsplit(['/', '\\']).next().unwrap_or(&prog).to_owned();
    format!("sts exec: {base}")
}

/// [`prepare`], then the credentials scoped down when a `--scope-*` flag asks for it: the scope
/// is checked first (before any MFA prompt), the session made as without it, then scoped at
/// start and at every refresh of the server.
fn prepare_scoped(g: &Globals, v: &Values, cmd: &[String]) -> Result<Prepared, i32> {
    let fail = |e: &Error| crate::session::report(&EXEC, e, None);
    let scope = crate::scope::from_flags(v, &command_name(cmd)).map_err(|e| fail(&e))?;
    let Some(scope) = scope else {
        return prepare(g, v);
    };
    if v.switch("--no-session") {
        return Err(crate::errors::param(
            "--no-session hands over long-term keys, and scoped credentials are always a \
             session: drop --no-session or the --scope-* flags",
        ));
    }
    let settings = crate::session::load_settings(g).map_err(|e| fail(&e))?;
    let regional = crate::scope::regional_client(Some(g), &settings).map_err(|e| fail(&e))?;
    let parent = Arc::new(crate::scope::Deferred::default());
    let scoped = crate::scope::scoped(parent.clone(), &scope, regional).map_err(|e| fail(&e))?;
    let p = prepare(g, v)?;
    // The session handed over until now, cached: a refresh scopes it again without a new
    // GetSessionToken (nor an MFA code) while it lasts.
    let session = if p.server {
        p.source.clone()
    } else {
        cached_for_server(p.source.clone(), &p.first).map_err(|e| fail(&e))?
    };
    parent.set(session);
    let first = scoped.provide_credentials().map_err(|e| fail(&e))?;
    let source: Arc<dyn ProvideCredentials> = if p.server {
        cached_for_server(Arc::new(scoped), &first).map_err(|e| fail(&e))?
    } else {
        Arc::new(scoped)
    };
    Ok(Prepared { source, first, ..p })
}

/// Everything resolved before the command starts.
struct Prepared {
    source: Arc<dyn ProvideCredentials>,
    first: Credentials,
    region: Option<String>,
    profile: String,
    /// Served from a local endpoint (`--server` or `--imds-server`).
    server: bool,
    /// The endpoint is the IMDS one (`--imds-server`).
    imds: bool,
}

fn prepare(g: &Globals, v: &Values) -> Result<Prepared, i32> {
    if let Some(outer) = std::env::var_os(GUARD)
        && !v.switch("--force")
    {
        return Err(crate::errors::param(&format!(
            "sts exec: already inside sts exec (STS_EXEC={}): nested sessions are confusing. \
             Leave the outer one (exit), unset STS_EXEC, or pass --force.",
            outer.to_string_lossy()
        )));
    }
    let duration = v.int("--duration-seconds");
    if let Some(d) = duration
        && !DURATION.contains(&d)
    {
        return Err(crate::errors::param(&format!(
            "Parameter validation failed:\nInvalid value for parameter --duration-seconds: \
             must be 900 to 129600 seconds, got {d}"
        )));
    }
    let fail = |e: &Error| crate::session::report(&EXEC, e, None);
    let loaded = crate::session::load_settings(g).map_err(|e| fail(&e))?;
    // The configured region (the command gets none when there is none).
    let region = loaded.region.clone();
    let (g, mut settings) = crate::session::region_for_sts(g, loaded);
    // A role profile: the duration is its role session's (aws-vault's --duration).
    let role_duration = duration
        .filter(|_| role_profile(&settings))
        .and_then(|d| u32::try_from(d).ok());
    settings.role_duration_seconds = role_duration;
    let sts = crate::session::client_builder(&g, &settings)
        // MFA codes on the terminal, until the command owns it.
        .credentials_provider(settings.credentials_provider(Some(gated_mfa())))
        .build()
        .map_err(|e| fail(&e))?;
    let profile = settings.profile.clone();
    let imds = v.switch("--imds-server");
    if imds && v.switch("--server") {
        return Err(crate::errors::param(
            "--server and --imds-server are two ways to serve the credentials: choose one",
        ));
    }
    let server = v.switch("--server") || imds;
    if server && let Some((keys, mut hops)) = mfa_role_chain(&settings) {
        if let (Some(d), Some(last)) = (role_duration, hops.last_mut()) {
            last.duration_seconds = Some(d);
        }
        let source =
            MfaSession::start(&sts, &settings, &keys, hops, duration).map_err(|e| fail(&e))?;
        let first = source.provide_credentials().map_err(|e| fail(&e))?;
        return Ok(Prepared {
            source: cached_for_server(Arc::new(source), &first).map_err(|e| fail(&e))?,
            first,
            region,
            profile,
            server,
            imds,
        });
    }
    let Some(chain) = sts.credentials_provider().cloned() else {
        return Err(fail(&Error::config("no credential provider")));
    };
    // Resolve once now: prompts happen before the command owns the terminal, errors stop here.
    let base = chain.provide_credentials().map_err(|e| fail(&e))?;
    // `mfa_serial` of the profile only matters when its own keys are used.
    let stored = crate::keys::from_store(&settings, &chain.source_name());
    let from_profile = chain.source_name() == format!("profile:{profile}") || stored;
    let source = SessionSource {
        inner: chain.clone(),
        sts: sts.clone(),
        mfa_serial: crate::keys::mfa_serial(&settings).filter(|_| from_profile),
        duration,
        no_session: v.switch("--no-session"),
        stored: stored.then(|| crate::keys::session_cache(&settings)),
    };
    if base.session_token.is_some() && duration.is_some() && role_duration.is_none() {
        return Err(crate::errors::param(&format!(
            "--duration-seconds sets the session of a role profile or the one made for \
             long-term keys, and {} gives other temporary credentials",
            chain.source_name()
        )));
    }
    let first = source.session_for(base).map_err(|e| fail(&e))?;
    if server && first.expiration.is_none() {
        return Err(crate::errors::param(
            "--server serves temporary credentials, and these do not expire (long-term keys with \
             --no-session): drop --no-session",
        ));
    }
    let source: Arc<dyn ProvideCredentials> = if server {
        cached_for_server(Arc::new(source), &first).map_err(|e| fail(&e))?
    } else {
        Arc::new(source)
    };
    Ok(Prepared {
        source,
        first,
        region,
        profile,
        server,
        imds,
    })
}

/// The program to run: the words after `--`, else `$SHELL` (`/bin/sh` without one).
fn program(cmd: &[String]) -> (OsString, Vec<OsString>) {
    match cmd.split_first() {
        Some((p, rest)) => (p.into(), rest.iter().map(OsString::from).collect()),
        None => {
            #[cfg(windows)]
            let shell = std::env::var_os("COMSPEC").unwrap_or_else(|| "cmd.exe".into());
            #[cfg(not(windows))]
            let shell = std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "/bin/sh".into());
            (shell, Vec::new())
        }
    }
}

fn launch(p: Prepared, cmd: &[String]) -> i32 {
    let (prog, args) = program(cmd);
    let mut command = std::process::Command::new(&prog);
    command.args(&args);
    let account = p.first.account_id.clone();
    if !p.server {
        let change = child_env(
            &Handover::Keys(&p.first),
            p.region.as_deref(),
            account.as_deref(),
            &p.profile,
        );
        apply(&mut command, change);
        return exec_or_spawn(command, &prog);
    }
    if p.imds {
        let running = match crate::imds_server::start(
            p.source.clone(),
            p.first.clone(),
            IMDS_ROLE,
            0,
            crate::imds_server::DEFAULT_HOP_LIMIT,
        ) {
            Ok(s) => s,
            Err(e) => {
                return crate::errors::general(&format!(
                    "sts exec: cannot start the IMDS server: {e}"
                ));
            }
        };
        let mut change = child_env(
            &Handover::Imds { url: &running.url },
            p.region.as_deref(),
            account.as_deref(),
            &p.profile,
        );
        // botocore sends instance metadata requests through HTTP_PROXY unless NO_PROXY names
        // the host: the endpoint is on loopback, where no proxy can reach it.
        for name in ["NO_PROXY", "no_proxy"] {
            change
                .set
                .push((name, no_proxy_with_loopback(std::env::var(name).ok())));
        }
        apply(&mut command, change);
        crate::terminal::hand_over_to_child();
        return spawn_and_wait(command, &prog);
    }
    let running = match crate::server::start(p.source.clone(), p.first.clone()) {
        Ok(s) => s,
        Err(e) => {
            return crate::errors::general(&format!(
                "sts exec: cannot start the credential server: {e}"
            ));
        }
    };
    let change = child_env(
        &Handover::Server {
            url: &running.url,
            token: running.token.expose(),
        },
        p.region.as_deref(),
        account.as_deref(),
        &p.profile,
    );
    apply(&mut command, change);
    crate::terminal::hand_over_to_child();
    spawn_and_wait(command, &prog)
}

/// A `NO_PROXY` list with `127.0.0.1` in it.
fn no_proxy_with_loopback(current: Option<String>) -> String {
    match current.filter(|v| !v.trim().is_empty()) {
        Some(v) if v.split(',').any(|h| h.trim() == "127.0.0.1") => v,
        Some(v) => format!("{v},127.0.0.1"),
        None => "127.0.0.1".to_owned(),
    }
}

fn apply(command: &mut std::process::Command, change: EnvChange) {
    for k in change.remove {
        command.env_remove(k);
    }
    for (k, v) in change.set {
        command.env(k, v);
    }
}

/// The exit status for a command that could not start, as shells use them.
fn cannot_run(prog: &OsString, e: &std::io::Error) -> i32 {
    crate::errors::write_error(&format!(
        "sts exec: cannot run {}: {e}",
        prog.to_string_lossy()
    ));
    if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

#[cfg(unix)]
fn exec_or_spawn(mut command: std::process::Command, prog: &OsString) -> i32 {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let e = command.exec();
    cannot_run(prog, &e)
}

#[cfg(not(unix))]
fn exec_or_spawn(command: std::process::Command, prog: &OsString) -> i32 {
    spawn_and_wait(command, prog)
}

fn spawn_and_wait(mut command: std::process::Command, prog: &OsString) -> i32 {
    // Before the command starts: a signal that comes meanwhile reaches it once it runs.
    let signals = crate::signals::install();
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return cannot_run(prog, &e),
    };
    match signals.wait(&mut child) {
        Ok(status) => exit_code(status),
        Err(e) => crate::errors::general(&format!(
            "sts exec: waiting for {} failed: {e}",
            prog.to_string_lossy()
        )),
    }
}

/// The child's exit status as ours: its code, or 128 + the signal that ended it.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128_i32.saturating_add(sig);
        }
    }
    crate::errors::EXIT_OTHER
}

#[cfg(test)]
mod tests {
    use super::*;
    use sts_blocking::SecretString;

    #[test]
    fn environment_for_keys_and_for_the_server() {
        let c = Credentials::new("ASIAX", "sec", Some(SecretString::new("tok")))
            .with_expiration(time::OffsetDateTime::UNIX_EPOCH);
        let e = child_env(&Handover::Keys(&c), Some("eu-west-1"), Some("1234"), "dev");
        assert_eq!(e.remove, REMOVED);
        let set: Vec<(&str, &str)> = e.set.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            set,
            [
                ("AWS_ACCESS_KEY_ID", "ASIAX"),
                ("AWS_SECRET_ACCESS_KEY", "sec"),
                ("AWS_SESSION_TOKEN", "tok"),
                ("AWS_CREDENTIAL_EXPIRATION", "1970-01-01T00:00:00+00:00"),
                ("AWS_ACCOUNT_ID", "1234"),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "eu-west-1"),
                ("STS_EXEC", "dev"),
            ]
        );
        let long = Credentials::new("AKIAX", "sec", None);
        let e = child_env(&Handover::Keys(&long), None, None, "default");
        let keys: Vec<&str> = e.set.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "STS_EXEC"]
        );
        let e = child_env(
            &Handover::Server {
                url: "http://127.0.0.1:1/credentials",
                token: "t",
            },
            Some("r"),
            None,
            "p",
        );
        let keys: Vec<&str> = e.set.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "STS_EXEC"
            ]
        );
        // Everything set is listed, and every credential variable set is also removed first.
        for (k, _) in &e.set {
            assert!(SET.contains(k), "{k}");
        }
        for k in ["AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE"] {
            assert!(REMOVED.contains(&k));
        }
    }

    #[test]
    fn the_imds_endpoint_is_never_proxied() {
        assert_eq!(no_proxy_with_loopback(None), "127.0.0.1");
        assert_eq!(no_proxy_with_loopback(Some(" ".into())), "127.0.0.1");
        assert_eq!(
            no_proxy_with_loopback(Some("example.com".into())),
            "example.com,127.0.0.1"
        );
        assert_eq!(
            no_proxy_with_loopback(Some("a, 127.0.0.1".into())),
            "a, 127.0.0.1"
        );
        let e = child_env(
            &Handover::Imds {
                url: "http://127.0.0.1:1/",
            },
            None,
            None,
            "p",
        );
        for k in REMOVED_FOR_IMDS {
            assert!(e.remove.contains(k), "{k}");
        }
        assert!(
            e.set
                .iter()
                .any(|(k, v)| *k == "AWS_EC2_METADATA_SERVICE_ENDPOINT"
                    && v == "http://127.0.0.1:1/")
        );
    }

    #[test]
    fn programs_and_statuses() {
        let (p, a) = program(&["ls".into(), "-l".into()]);
        assert_eq!((p, a), ("ls".into(), vec![OsString::from("-l")]));
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(exit_code(std::process::ExitStatus::from_raw(3 << 8)), 3);
            assert_eq!(exit_code(std::process::ExitStatus::from_raw(15)), 143);
        }
    }
}
