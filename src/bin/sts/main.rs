//! The `sts` command: AWS STS from the command line, mirroring `aws sts` of the AWS CLI v2 (same
//! subcommands, kebab-case flags, shorthand syntax, `file://` values, output formats, error lines
//! and exit codes), built on the `sts-blocking` client.
//!
//! Modules: [`args`] (the hand-written parser: no argument-parsing crate, so the dependency tree
//! stays at zero extra crates), [`shorthand`] (shorthand and JSON structure values), [`commands`]
//! (one spec per subcommand), [`output`] (json, text, table, yaml, env), [`jmespath`]
//! (`--query`), [`help`] and [`completion`].
//!
//! Exit codes, as the AWS CLI v2: 0 success, 252 command-line or parameter error, 253
//! configuration or credentials error, 254 service error, 255 anything else.

mod args;
mod browser;
mod commands;
mod completion;
mod console;
mod exec;
mod help;
mod identity;
mod jmespath;
mod login;
mod output;
mod server;
mod shorthand;
mod signals;

use args::{Action, CliError, Globals};
use commands::{Command, Run};
use output::Format;
use std::io::Write;
use std::time::Duration;
use sts_blocking::client::{AttemptRecord, DEFAULT_TOTAL_TIMEOUT};
use sts_blocking::credentials::mfa::mfa_provider;
use sts_blocking::credentials::{CliCache, Env};
use sts_blocking::error::{TimeoutPhase, TransportErrorKind};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, Sts, StsBuilder};

/// Exit status for command-line and parameter errors.
const EXIT_USAGE: i32 = 252;
/// Exit status for configuration and credentials errors.
const EXIT_CONFIG: i32 = 253;
/// Exit status for service errors.
const EXIT_SERVICE: i32 = 254;
/// Exit status for everything else.
const EXIT_OTHER: i32 = 255;

/// The usage banner printed before a usage error, as the AWS CLI prints it.
const USAGE: &str = "usage: sts [options] <command> [parameters]\n\
To see help text, you can run:\n\n  sts help\n  sts <command> help\n";

/// What `--cli-*-timeout 0` ("no limit") becomes.
const NO_LIMIT: Duration = sts_blocking::client::MAX_TIMEOUT;

fn main() {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    std::process::exit(run(&argv));
}

/// Runs the command line and returns the exit status.
fn run(argv: &[String]) -> i32 {
    // `sts exec [flags] -- CMD [ARGS...]`: the words after the first `--` are the command.
    let (head, trailing) = match argv.iter().position(|a| a == "--") {
        Some(i) => (&argv[..i], Some(&argv[i + 1..])),
        None => (argv, None),
    };
    let inv = match args::parse(head) {
        Ok(inv) => inv,
        Err(e) => return cli_error(e),
    };
    // Elsewhere `--` is an unknown word, as it always was.
    if trailing.is_some()
        && !matches!(inv.action, Action::Run(c, _) if c.name == "exec")
        && let Err(e) = args::parse(argv)
    {
        return cli_error(e);
    }
    match inv.action {
        Action::Help(None) => emit(&help::tool()),
        Action::Help(Some(c)) => emit(&help::command(c)),
        Action::Version => emit(&format!(
            "sts-blocking/{} {}/{}\n",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
        Action::Completion(shell) => emit(&match shell.as_str() {
            "zsh" => completion::zsh(),
            _ => completion::bash(),
        }),
        Action::Run(cmd, values) => match cmd.run {
            Run::Custom(f) => f(&inv.globals, &values, trailing.unwrap_or_default()),
            _ => execute(&inv.globals, cmd, &values),
        },
    }
}

/// Writes to standard output (a closed pipe is not an error) and returns 0.
fn emit(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    0
}

/// Prints a command-line error and returns its exit status.
fn cli_error(e: CliError) -> i32 {
    match e {
        CliError::Usage(msg) => {
            eprint!("{USAGE}\nsts: error: {msg}\n");
            EXIT_USAGE
        }
        CliError::Param(msg) => {
            eprintln!("\n{msg}");
            EXIT_USAGE
        }
        CliError::Config(msg) => {
            eprintln!("\n{msg}");
            EXIT_CONFIG
        }
    }
}

/// The output format: `--output`, else `AWS_DEFAULT_OUTPUT`, else json.
fn output_format(g: &Globals) -> Result<Format, CliError> {
    if let Some(f) = g.output.as_deref().and_then(Format::parse) {
        return Ok(f);
    }
    match std::env::var("AWS_DEFAULT_OUTPUT") {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim();
            Format::parse(v).ok_or_else(|| {
                CliError::Config(format!(
                    "AWS_DEFAULT_OUTPUT={v} is not an output format sts supports ({})",
                    commands::OUTPUTS.join(", ")
                ))
            })
        }
        _ => Ok(Format::Json),
    }
}

/// Builds the client for a command: the environment, then the global flags.
fn build_client(g: &Globals) -> Result<Sts, Error> {
    client_builder(g)?.build()
}

/// The builder of a command's client: the environment, then the global flags. Commands that need a
/// second client (`eks-token --role-arn`) start from it too, so it has the same settings.
///
/// The one place a client is configured; a profile-aware builder will replace it.
fn client_builder(g: &Globals) -> Result<StsBuilder, Error> {
    // The AWS CLI's resolution: --profile and --region first, then the environment, then the
    // shared config files; credentials from the default chain, MFA codes asked on the terminal.
    let env = Env::real();
    let mut settings = Settings::load(
        &env,
        &Overrides {
            profile: g.profile.clone(),
            region: g.region.clone(),
        },
    )?;
    // As `aws` does: role, web identity and SSO sessions are shared through ~/.aws/cli/cache.
    settings.credential_cache = CliCache::from_env(&env);
    let mut b = settings.sts_builder_with_mfa(Some(mfa_provider(prompt_mfa_code)));
    if let Some(r) = &g.region {
        b = b.region(r);
    }
    if let Some(u) = &g.endpoint_url {
        b = b.endpoint_url(u);
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
    if g.debug {
        b = b.on_attempt(debug_attempt);
    }
    Ok(b)
}

/// The first line of the error when no source has credentials (the tried sources follow).
const NO_CREDENTIALS: &str = "Unable to locate credentials. You can configure credentials with \
    AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/config (--profile), web \
    identity, a container or instance role. Sources tried:";

/// Asks for an MFA code on the terminal, as the AWS CLI does ("Enter MFA code for SERIAL: ").
fn prompt_mfa_code(serial: &str) -> Result<String, Error> {
    use std::io::BufRead;
    let no_tty = |e: std::io::Error| {
        Error::config(format!(
            "an MFA code is needed for {serial}, but there is no terminal to ask on ({e})"
        ))
    };
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(no_tty)?;
    let mut out = &tty;
    write!(out, "Enter MFA code for {serial}: ").map_err(no_tty)?;
    out.flush().map_err(no_tty)?;
    let mut line = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(no_tty)?;
    Ok(line.trim().to_owned())
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

/// Runs one subcommand and prints its output or error.
fn execute(g: &Globals, cmd: &Command, values: &args::Values) -> i32 {
    let op = match cmd.run {
        Run::Op(op) => op,
        Run::Custom(f) => return f(g, values, &[]),
        // A document for kubectl or Vault: JSON whatever --output says.
        Run::Document(doc) => {
            let sts = match build_client(g) {
                Ok(s) => s,
                Err(e) => return report(cmd, &e, None),
            };
            return match doc(&sts, values, g) {
                Ok(text) => emit(&format!("{text}\n")),
                Err(e) => report(cmd, &e, Some(&sts)),
            };
        }
    };
    let format = match output_format(g) {
        Ok(f) => f,
        Err(e) => return cli_error(e),
    };
    if format == Format::Env && !cmd.credentials {
        eprintln!(
            "\n--output env prints the credentials an operation returns, and {} returns none: use \
             --output json or --output text",
            cmd.name
        );
        return EXIT_USAGE;
    }
    // Checked to compile when the command line was read.
    let query = match g.query.as_deref().map(output::compile_query).transpose() {
        Ok(q) => q,
        Err(msg) => return cli_error(CliError::Param(msg)),
    };
    let sts = match build_client(g) {
        Ok(s) => s,
        Err(e) => return report(cmd, &e, None),
    };
    match op(&sts, values) {
        Ok(v) => match output::render(&v, query.as_ref(), format, cmd.action) {
            Ok(text) => emit(&text),
            // A query that fails on the data (a type error, an unknown function) or a result
            // no format can print: the AWS CLI's general error, 255.
            Err(e) => {
                eprintln!("\n{e}");
                EXIT_OTHER
            }
        },
        Err(e) => report(cmd, &e, Some(&sts)),
    }
}

/// Prints a library error the way the AWS CLI prints it and returns the exit status.
fn report(cmd: &Command, e: &Error, sts: Option<&Sts>) -> i32 {
    let url = || {
        let u = sts.map(|s| s.endpoint().url.clone()).unwrap_or_default();
        if u.ends_with('/') { u } else { format!("{u}/") }
    };
    let (msg, code) = match e {
        Error::InvalidInput { field, rule } => (
            format!("Parameter validation failed:\nInvalid value for parameter {field}: {rule}"),
            EXIT_USAGE,
        ),
        Error::Service(s) => (
            format!(
                "An error occurred ({}) when calling the {} operation: {}",
                s.code,
                cmd.action,
                s.message.as_deref().unwrap_or("Unknown")
            ),
            EXIT_SERVICE,
        ),
        Error::Credentials(c)
            if c.provider == "none" || (c.provider == "chain" && c.source.is_none()) =>
        {
            let mut m = NO_CREDENTIALS.to_owned();
            for (source, why) in &c.tried {
                m.push_str(&format!("\n  - {source}: {why}"));
            }
            (m, EXIT_CONFIG)
        }
        Error::Endpoint { message } if message.to_ascii_lowercase().contains("region") => (
            format!(
                "You must specify a region. You can also configure your region with AWS_REGION \
                 or --region. ({message})"
            ),
            EXIT_CONFIG,
        ),
        Error::Credentials(_)
        | Error::Config { .. }
        | Error::File { .. }
        | Error::ConfigFile { .. }
        | Error::Endpoint { .. } => (e.to_string(), EXIT_CONFIG),
        Error::Transport {
            kind: TransportErrorKind::Connect | TransportErrorKind::Dns,
            ..
        } if sts.is_some() => (
            format!("Could not connect to the endpoint URL: \"{}\"", url()),
            EXIT_OTHER,
        ),
        Error::Timeout {
            phase: TimeoutPhase::Connect,
            ..
        } if sts.is_some() => (
            format!("Connect timeout on endpoint URL: \"{}\"", url()),
            EXIT_OTHER,
        ),
        Error::Timeout {
            phase: TimeoutPhase::Attempt | TimeoutPhase::Total,
            ..
        } if sts.is_some() => (
            format!("Read timeout on endpoint URL: \"{}\"", url()),
            EXIT_OTHER,
        ),
        other => (other.to_string(), EXIT_OTHER),
    };
    eprintln!("\n{msg}");
    code
}
