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
// The program's docs are for its maintainers (`cargo doc -p sts-blocking-cli
// --document-private-items`): its modules are not an API, and the overview links to them.
#![allow(rustdoc::private_intra_doc_links)]

mod args;
mod browser;
mod cli_input;
mod commands;
mod completion;
mod console;
mod errors;
mod exec;
mod help;
mod identity;
pub mod jmespath;
mod keys;
mod login;
mod output;
mod prompt;
mod pystyle;
mod server;
mod shorthand;
mod signals;

use args::{Action, CliError, Globals, Skeleton};
use commands::{Command, Run};
use errors::{EXIT_CONFIG, EXIT_OTHER, EXIT_USAGE, cli_error};
use output::Format;
use std::io::Write;
use std::time::Duration;
use sts_blocking::__private::credentials::mfa::mfa_provider;
use sts_blocking::client::{AttemptRecord, DEFAULT_TOTAL_TIMEOUT};
use sts_blocking::credentials::{CliCache, Env};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::transport::TrustRoots;
use sts_blocking::{Error, Sts, StsBuilder};

/// What `--cli-*-timeout 0` ("no limit") becomes.
const NO_LIMIT: Duration = sts_blocking::client::MAX_TIMEOUT;

/// Runs `sts` with the process's arguments and exits with its status.
pub fn main() {
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
    prompt::set_driver(inv.globals.prompt.as_deref());
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

/// The output format: `--output`, else `AWS_DEFAULT_OUTPUT`, else the profile's `output`, else
/// json. A value sts does not know is the AWS CLI's `Unknown output type` (255).
fn output_format(g: &Globals, settings: &Settings) -> Result<Format, CliError> {
    if let Some(f) = g.output.as_deref().and_then(Format::parse) {
        return Ok(f);
    }
    let configured = std::env::var("AWS_DEFAULT_OUTPUT")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            settings
                .profiles()
                .selected()
                .and_then(|p| p.get_nonempty("output"))
                .map(str::to_owned)
        });
    match configured {
        None => Ok(Format::Json),
        Some(v) => {
            let v = v.trim();
            Format::parse(v).ok_or_else(|| CliError::Other(format!("Unknown output type: {v}")))
        }
    }
}

/// The settings of a command: `--profile` and `--region`, then the environment, then the shared
/// config files, as the AWS CLI resolves them; role, web identity and SSO sessions shared through
/// ~/.aws/cli/cache as `aws` shares them.
fn load_settings(g: &Globals) -> Result<Settings, Error> {
    let env = Env::real();
    let mut settings = Settings::load(&env, &{
        let mut o = Overrides::default();
        o.profile.clone_from(&g.profile);
        o.region.clone_from(&g.region);
        o
    })?;
    settings.credential_cache = CliCache::from_env(&env);
    // `mfa_process` is looked up in these profiles.
    prompt::set_profiles(settings.profiles().clone(), &settings.profile);
    // Profiles whose keys `sts keys` keeps get them from its store.
    settings.key_store = keys::chain_store(&|k| std::env::var(k).ok())
        .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn sts_blocking::credentials::KeyStore>);
    Ok(settings)
}

/// Builds the client for a command with its settings.
fn build_with(g: &Globals, settings: &Settings) -> Result<Sts, Error> {
    client_builder(g, settings).build()
}

/// Prints a library error the AWS CLI's way for `cmd` and returns the exit status.
fn report(cmd: &Command, e: &Error, sts: Option<&Sts>) -> i32 {
    errors::report(cmd.action, e, sts, false)
}

/// The builder of a command's client: the settings, then the global flags. Commands that need a
/// second client (`eks-token --role-arn`) start from it too, so it has the same settings.
fn client_builder(g: &Globals, settings: &Settings) -> StsBuilder {
    // Credentials from the default chain, MFA codes asked on the terminal.
    let mut b = settings.sts_builder_with_mfa(Some(mfa_provider(prompt_mfa_code)));
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

/// An MFA code: the profile's `mfa_process`, the `--prompt` driver, or the terminal, as the AWS
/// CLI asks ("Enter MFA code for SERIAL: "); see [`prompt::mfa_code`].
fn prompt_mfa_code(serial: &str) -> Result<String, Error> {
    prompt::mfa_code(serial)
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
    if g.cli_auto_prompt {
        eprintln!("\n--cli-auto-prompt is not supported: sts has no interactive prompt");
        return EXIT_USAGE;
    }
    let report = |e: &Error, sts: Option<&Sts>| errors::report(cmd.action, e, sts, g.debug);
    match cli_input::skeleton_of(cmd, values) {
        Some(Skeleton::Input) => return emit(&output::json(&cli_input::input_skeleton(cmd))),
        Some(Skeleton::YamlInput) => return emit(&cli_input::yaml_input_skeleton(cmd)),
        _ => {}
    }
    let settings = match load_settings(g) {
        Ok(s) => s,
        Err(e) => return report(&e, None),
    };
    let op = match cmd.run {
        Run::Op(op) => op,
        // Credentials for another tool: no client, so no region or client setting is needed.
        Run::Local(local) => {
            return match local(&settings, values) {
                Ok(text) => emit(&format!("{text}\n")),
                Err(e) => report(&e, None),
            };
        }
        Run::Custom(f) => return f(g, values, &[]),
        // A document for kubectl or Vault: JSON whatever --output says.
        Run::Document(doc) => {
            let sts = match build_with(g, &settings) {
                Ok(s) => s,
                Err(e) => return report(&e, None),
            };
            return match doc(&sts, values, &|| client_builder(g, &settings)) {
                Ok(text) => emit(&format!("{text}\n")),
                Err(e) => report(&e, Some(&sts)),
            };
        }
    };
    let format = match output_format(g, &settings) {
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
    let result = if cli_input::skeleton_of(cmd, values) == Some(Skeleton::Output) {
        // Checked like a call (required flags), not sent.
        Ok(cli_input::output_skeleton(cmd.output))
    } else {
        let sts = match build_with(g, &settings) {
            Ok(s) => s,
            Err(e) => return report(&e, None),
        };
        op(&sts, values).map_err(|e| report(&e, Some(&sts)))
    };
    match result {
        Ok(v) => match output::render(&v, query.as_ref(), format, cmd.action) {
            Ok(text) => emit(&text),
            // A query that fails on the data (a type error, an unknown function) or a result
            // no format can print: the AWS CLI's general error, 255.
            Err(e) => {
                eprintln!("\n{e}");
                EXIT_OTHER
            }
        },
        Err(code) => code,
    }
}
