//! The `sts` command: AWS STS from the command line, mirroring `aws sts` of the AWS CLI v2 (same
//! subcommands, kebab-case flags, shorthand syntax, `file://` values, output formats, error lines
//! and exit codes), built on the `sts-blocking` client.
//!
//! This file is the run: argv → [`args::parse`] → the command → an exit code.
//!
//! Modules, from the top: [`args`] (the hand-written parser: no argument-parsing crate, so the
//! dependency tree stays small), [`help`] and [`completion`] read the command table
//! ([`commands`]: the STS operations and identity documents under it); the daily commands
//! ([`identity`], [`exec`] with [`server`], [`imds_server`], [`signals`] and [`scope`],
//! [`console`] with [`federation`] and [`console_services`], [`login`] with [`config_writer`],
//! [`shell`], [`configure`], [`sso`], [`rolesanywhere`]) stand beside the operations. All of them
//! build on the vocabulary ([`spec`]: the command and flag specs, the parsed values) and the
//! session helpers ([`session`]: settings, client, MFA prompt, printing; [`terminal`]: who may
//! prompt), with [`paramfile`], [`cli_input`] and [`shorthand`] (parameter values), [`output`]
//! (json, text, table, yaml, env), [`jmespath`] (`--query`) and [`errors`] (error lines and exit
//! codes, as AWS CLI v2 2.34+ prints them) below.
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
pub mod config_writer;
mod configure;
mod console;
mod console_services;
mod errors;
mod exec;
pub mod federation;
mod help;
mod identity;
mod imds_server;
pub mod jmespath;
mod keys;
mod login;
mod output;
mod paramfile;
mod prompt;
mod pystyle;
mod rolesanywhere;
mod scope;
mod server;
mod session;
mod shell;
mod shorthand;
mod signals;
mod spec;
mod sso;
mod terminal;

use args::Action;
use errors::{CliError, cli_error};
use output::Format;
use session::{build_with, client_builder, emit, load_settings};
use spec::{Command, Globals, Run, Skeleton, Values};
use sts_blocking::settings::Settings;
use sts_blocking::{Error, Sts};

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
            "fish" => completion::fish(),
            _ => completion::bash(),
        }),
        Action::Run(cmd, values) => match cmd.run {
            Run::Custom(f) => f(&inv.globals, &values, trailing.unwrap_or_default()),
            _ => execute(&inv.globals, cmd, &values),
        },
    }
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

/// Runs one subcommand and prints its output or error.
fn execute(g: &Globals, cmd: &Command, values: &Values) -> i32 {
    if g.cli_auto_prompt {
        return errors::param("--cli-auto-prompt is not supported: sts has no interactive prompt");
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
                Err(e) => errors::report_export(cmd.action, &e, g.debug),
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
        return errors::param(&format!(
            "--output env prints the credentials an operation returns, and {} returns none: use \
             --output json or --output text",
            cmd.name
        ));
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
            Err(e) => errors::general(&e.to_string()),
        },
        Err(code) => code,
    }
}
