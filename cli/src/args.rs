//! The command-line parser, written by hand: it keeps the dependency tree at zero extra crates.
//!
//! It follows the AWS CLI's conventions: global flags before or after the command, `--flag value`
//! and `--flag=value`, list flags that take every following word up to the next `--flag`,
//! shorthand or JSON for structures, `file://` / `fileb://` values read from files, and for every
//! STS operation `--cli-input-json`, `--cli-input-yaml` and `--generate-cli-skeleton`.

use crate::commands::{self, Command, Flag, Kind, Shape};
use crate::pystyle;
use crate::shorthand::{self, Json, Struct};
use sts_blocking::__private::files::{MAX_PARAM_FILE, read_capped};
use sts_blocking::error::FileProblem;
use sts_blocking::ops::{PolicyDescriptor, ProvidedContext, Tag};

/// An error of the command line itself (as opposed to the call).
#[derive(Debug)]
pub enum CliError {
    /// An argparse-style usage error: usage banner, then `sts: error: MESSAGE` (exit 252).
    Usage(String),
    /// Unknown options: usage banner, then the message alone (exit 252).
    Unknown(String),
    /// A parameter that could not be read or is invalid (exit 252).
    Param(String),
    /// Anything else the AWS CLI reports as a general error (exit 255), e.g. Python's `int()`
    /// error for a non-integer parameter.
    Other(String),
}

/// Flags that apply to every command.
#[derive(Debug, Default, Clone)]
pub struct Globals {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--output` (one of [`commands::OUTPUTS`]).
    pub output: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--debug`.
    pub debug: bool,
    /// `--cli-connect-timeout` in seconds (0 = no limit).
    pub connect_timeout: Option<u64>,
    /// `--cli-read-timeout` in seconds (0 = no limit).
    pub read_timeout: Option<u64>,
    /// `--no-paginate` (accepted and ignored: STS has no paginated operation).
    pub no_paginate: bool,
    /// `--no-verify-ssl`: TLS certificates are not checked.
    pub no_verify_ssl: bool,
    /// `--ca-bundle`: the PEM bundle to trust.
    pub ca_bundle: Option<String>,
    /// `--no-sign-request`: requests go unsigned, without credentials.
    pub no_sign_request: bool,
    /// `--color` (`on`, `off`, `auto`).
    pub color: Option<String>,
    /// `--cli-binary-format` (accepted: STS has no blob parameter).
    pub cli_binary_format: Option<String>,
    /// `--no-cli-pager` (accepted: sts never pages).
    pub no_cli_pager: bool,
    /// `--cli-auto-prompt` (refused: sts has no interactive prompt).
    pub cli_auto_prompt: bool,
    /// `--query`: a JMESPath expression (checked to compile when parsed).
    pub query: Option<String>,
    /// `--prompt`: where MFA codes are asked (one of `prompt::DRIVERS`).
    pub prompt: Option<String>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Action {
    /// Help for the tool (`None`) or for one command.
    Help(Option<&'static Command>),
    /// `--version`.
    Version,
    /// `completion SHELL`.
    Completion(String),
    /// Run a command with its parsed flags.
    Run(&'static Command, Values),
}

/// A parsed command line.
#[derive(Debug)]
pub struct Invocation {
    /// The global flags.
    pub globals: Globals,
    /// What to do.
    pub action: Action,
}

/// `--generate-cli-skeleton`'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skeleton {
    /// A JSON document for `--cli-input-json`.
    Input,
    /// A YAML document for `--cli-input-yaml`.
    YamlInput,
    /// A sample of the output, in the `--output` format.
    Output,
}

/// A parsed flag value.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// A string.
    Str(String),
    /// An integer (Python's `int()` has no bound; see [`Values::int`]).
    Int(i64),
    /// A list of strings.
    List(Vec<String>),
    /// Structures (one for a structure flag, any number for a list flag).
    Structs(Vec<Struct>),
    /// A switch that was given.
    Switch,
}

/// The flags given to a command, by flag name, and `--generate-cli-skeleton`.
#[derive(Debug, Default)]
pub struct Values {
    flags: Vec<(&'static str, Parsed)>,
    /// `--generate-cli-skeleton`, when given.
    pub skeleton: Option<Skeleton>,
    /// The words after the command, for the commands that take some ([`commands::takes_words`]):
    /// `sts keys add PROFILE`.
    pub words: Vec<String>,
}

impl Values {
    fn get(&self, name: &str) -> Option<&Parsed> {
        self.flags.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A string flag.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Parsed::Str(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// A required string flag (presence is checked by the parser).
    pub fn req(&self, name: &str) -> String {
        self.str(name).unwrap_or_default()
    }

    /// An integer flag; beyond the 32-bit range the nearest bound (the model's range check then
    /// reports it).
    pub fn int(&self, name: &str) -> Option<i32> {
        match self.get(name) {
            Some(Parsed::Int(n)) => {
                Some(i32::try_from(*n).unwrap_or(if *n < 0 { i32::MIN } else { i32::MAX }))
            }
            _ => None,
        }
    }

    /// Whether a switch was given.
    pub fn switch(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Parsed::Switch))
    }

    /// A list-of-strings flag.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name) {
            Some(Parsed::List(l)) => Some(l.clone()),
            _ => None,
        }
    }

    fn structs(&self, name: &str) -> Option<&[Struct]> {
        match self.get(name) {
            Some(Parsed::Structs(s)) => Some(s),
            _ => None,
        }
    }

    /// A `Tag` list flag.
    pub fn tags(&self, name: &str) -> Option<Vec<Tag>> {
        self.structs(name).map(|l| {
            l.iter()
                .map(|s| {
                    Tag::new(
                        member(s, "Key").unwrap_or_default(),
                        member(s, "Value").unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A `PolicyDescriptorType` list flag.
    pub fn policy_arns(&self, name: &str) -> Option<Vec<PolicyDescriptor>> {
        self.structs(name)
            .map(|l| l.iter().map(descriptor).collect())
    }

    /// A `PolicyDescriptorType` structure flag.
    pub fn descriptor(&self, name: &str) -> PolicyDescriptor {
        self.structs(name)
            .and_then(|l| l.first())
            .map(descriptor)
            .unwrap_or_default()
    }

    /// A `ProvidedContext` list flag.
    pub fn contexts(&self, name: &str) -> Option<Vec<ProvidedContext>> {
        self.structs(name).map(|l| {
            l.iter()
                .map(|s| {
                    let mut c = ProvidedContext::default();
                    c.provider_arn = member(s, "ProviderArn");
                    c.context_assertion = member(s, "ContextAssertion").map(Into::into);
                    c
                })
                .collect()
        })
    }
}

fn member(s: &Struct, name: &str) -> Option<String> {
    s.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn descriptor(s: &Struct) -> PolicyDescriptor {
    let mut d = PolicyDescriptor::default();
    d.arn = member(s, "arn");
    d
}

/// Whether `cmd` is an STS operation of the AWS CLI (it then takes `--cli-input-json`,
/// `--cli-input-yaml` and `--generate-cli-skeleton`).
pub fn is_operation(cmd: &Command) -> bool {
    matches!(cmd.run, commands::Run::Op(_)) && cmd.name != "whoami"
}

/// The choices of the operation argument, as argparse lists them.
fn command_choices() -> Vec<&'static str> {
    let mut names: Vec<&str> = commands::COMMANDS.iter().map(|c| c.name).collect();
    names.extend(["completion", "help"]);
    names
}

/// `--cli-input-json` / `--cli-input-yaml` and their value.
type CliInput = (&'static str, String);

/// Parses the arguments after the program name.
pub fn parse(argv: &[String]) -> Result<Invocation, CliError> {
    let mut globals = Globals::default();
    let mut command: Option<&'static Command> = None;
    let mut completion: Option<Option<String>> = None;
    let mut help = false;
    let mut version = false;
    let mut raw: Vec<(&'static Flag, Vec<String>)> = Vec::new();
    let mut inputs: Vec<CliInput> = Vec::new();
    let mut skeleton: Option<Skeleton> = None;
    let mut unknown: Vec<String> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let tok = &argv[i];
        i += 1;
        if tok.starts_with("--") && tok.len() > 2 {
            let (name, inline) = match tok.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (tok.as_str(), None),
            };
            if let Some(g) = commands::GLOBALS.iter().find(|g| g.name == name) {
                if g.value.is_none() {
                    if let Some(v) = inline {
                        return Err(CliError::Usage(format!(
                            "argument {name}: ignored explicit argument {}",
                            pystyle::repr(&v)
                        )));
                    }
                    match name {
                        "--debug" => globals.debug = true,
                        "--no-paginate" => globals.no_paginate = true,
                        "--no-verify-ssl" => globals.no_verify_ssl = true,
                        "--no-sign-request" => globals.no_sign_request = true,
                        "--no-cli-pager" => globals.no_cli_pager = true,
                        "--cli-auto-prompt" => globals.cli_auto_prompt = true,
                        "--no-cli-auto-prompt" => globals.cli_auto_prompt = false,
                        "--version" => version = true,
                        _ => help = true,
                    }
                    continue;
                }
                let value = match inline {
                    Some(v) => v,
                    None if i < argv.len() && !argv[i].starts_with("--") => {
                        i += 1;
                        argv[i - 1].clone()
                    }
                    None => {
                        return Err(CliError::Usage(format!(
                            "argument {name}: expected one argument"
                        )));
                    }
                };
                set_global(&mut globals, name, value)?;
                continue;
            }
            if let Some(cmd) = command.filter(|c| is_operation(c)) {
                match name {
                    "--cli-input-json" | "--cli-input-yaml" => {
                        let value = match inline {
                            Some(v) => v,
                            None if i < argv.len() => {
                                i += 1;
                                argv[i - 1].clone()
                            }
                            None => {
                                return Err(CliError::Usage(format!(
                                    "argument {name}: expected one argument"
                                )));
                            }
                        };
                        let which = if name == "--cli-input-json" {
                            "cli-input-json"
                        } else {
                            "cli-input-yaml"
                        };
                        inputs.retain(|(n, _)| *n != which);
                        inputs.push((which, value));
                        continue;
                    }
                    "--generate-cli-skeleton" => {
                        let value = match inline {
                            Some(v) => Some(v),
                            None if i < argv.len() && !argv[i].starts_with("--") => {
                                i += 1;
                                Some(argv[i - 1].clone())
                            }
                            None => None,
                        };
                        skeleton = Some(match value.as_deref() {
                            None | Some("input") => Skeleton::Input,
                            Some("output") => Skeleton::Output,
                            Some("yaml-input") => Skeleton::YamlInput,
                            Some(other) => {
                                return Err(CliError::Usage(format!(
                                    "argument --generate-cli-skeleton: {}",
                                    pystyle::invalid_choice(
                                        other,
                                        &["input", "output", "yaml-input"]
                                    )
                                )));
                            }
                        });
                        continue;
                    }
                    _ => {}
                }
                let _ = cmd;
            }
            if let Some(f) = command.and_then(|c| c.flags.iter().find(|f| f.is(name))) {
                if let Kind::Switch = f.kind {
                    if let Some(v) = inline {
                        return Err(CliError::Usage(format!(
                            "argument {name}: ignored explicit argument '{v}'"
                        )));
                    }
                    raw.retain(|(g, _)| g.name != f.name);
                    raw.push((f, Vec::new()));
                    continue;
                }
                let mut values: Vec<String> = inline.into_iter().collect();
                let list = matches!(f.kind, Kind::StrList | Kind::StructList(_));
                if list {
                    while i < argv.len() && !argv[i].starts_with("--") {
                        values.push(argv[i].clone());
                        i += 1;
                    }
                } else if values.is_empty() && i < argv.len() && !argv[i].starts_with("--") {
                    values.push(argv[i].clone());
                    i += 1;
                }
                if values.is_empty() {
                    let n = if list {
                        "at least one argument"
                    } else {
                        "one argument"
                    };
                    return Err(CliError::Usage(format!("argument {name}: expected {n}")));
                }
                if let Some(bad) = values
                    .iter()
                    .find(|v| !f.choices.is_empty() && !f.choices.contains(&v.as_str()))
                {
                    return Err(CliError::Usage(format!(
                        "argument {name}: {}",
                        pystyle::invalid_choice(bad, f.choices)
                    )));
                }
                raw.retain(|(g, _)| g.name != f.name);
                raw.push((f, values));
                continue;
            }
            unknown.push(tok.clone());
            while i < argv.len() && !argv[i].starts_with("--") {
                unknown.push(argv[i].clone());
                i += 1;
            }
            continue;
        }
        // A positional word.
        if command.is_none() && completion.is_none() {
            match tok.as_str() {
                "help" => help = true,
                "completion" => completion = Some(None),
                name => match commands::find(name) {
                    Some(c) => command = Some(c),
                    None => {
                        return Err(CliError::Usage(format!(
                            "argument operation: {}",
                            pystyle::invalid_choice(name, &command_choices())
                        )));
                    }
                },
            }
        } else if let Some(None) = completion {
            completion = Some(Some(tok.clone()));
        } else if tok == "help" {
            help = true;
        } else if command.is_some_and(commands::takes_words) {
            words.push(tok.clone());
        } else {
            unknown.push(tok.clone());
        }
    }
    let unknown_error = || CliError::Unknown(format!("Unknown options: {}", unknown.join(", ")));
    // As the AWS CLI, a bad --query is reported once the global options are read, before
    // the command's own.
    if let Some(q) = &globals.query {
        crate::output::compile_query(q).map_err(CliError::Param)?;
    }
    let action = if version {
        Action::Version
    } else if help {
        Action::Help(command)
    } else if let Some(shell) = completion {
        match shell.as_deref() {
            Some("bash" | "zsh") => Action::Completion(shell.unwrap_or_default()),
            Some(other) => {
                return Err(CliError::Usage(format!(
                    "argument shell: {}",
                    pystyle::invalid_choice(other, &["bash", "zsh"])
                )));
            }
            None => {
                return Err(CliError::Usage(
                    "the following arguments are required: shell".into(),
                ));
            }
        }
    } else {
        let Some(cmd) = command else {
            return Err(CliError::Usage(
                "the following arguments are required: operation".into(),
            ));
        };
        // As OverrideRequiredArgsArgument: a --cli-input-* document or an input skeleton makes
        // no flag required (the document is checked instead).
        let overridden = !inputs.is_empty() || skeleton.is_some_and(|s| s != Skeleton::Output);
        let missing: Vec<String> = cmd
            .flags
            .iter()
            .filter(|f| f.required && !raw.iter().any(|(g, _)| g.name == f.name))
            .map(|f| f.names())
            .collect();
        if !missing.is_empty() && !overridden {
            return Err(CliError::Usage(format!(
                "the following arguments are required: {}",
                missing.join(", ")
            )));
        }
        if !unknown.is_empty() {
            return Err(unknown_error());
        }
        let mut values = Values {
            skeleton,
            words,
            ..Values::default()
        };
        if skeleton.is_some_and(|s| s != Skeleton::Output) {
            return Ok(Invocation {
                globals,
                action: Action::Run(cmd, values),
            });
        }
        // Model member order, whatever the command-line order.
        for f in cmd.flags {
            if let Some((_, v)) = raw.iter().find(|(g, _)| g.name == f.name) {
                values.flags.push((f.name, convert(f, v)?));
            }
        }
        if !inputs.is_empty() {
            merge_input(cmd, &mut values, &inputs)?;
        }
        Action::Run(cmd, values)
    };
    if !unknown.is_empty() && !matches!(action, Action::Run(..)) && !help && !version {
        return Err(unknown_error());
    }
    Ok(Invocation { globals, action })
}

fn set_global(g: &mut Globals, name: &str, value: String) -> Result<(), CliError> {
    // argparse's `type=int`: Python's int() or a usage error.
    let seconds = |v: &str| {
        pystyle::int(v)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "argument {name}: invalid int value: {}",
                    pystyle::repr(v)
                ))
            })
    };
    let choice = |v: &str, choices: &[&str]| {
        if choices.contains(&v) {
            Ok(())
        } else {
            Err(CliError::Usage(format!(
                "argument {name}: {}",
                pystyle::invalid_choice(v, choices)
            )))
        }
    };
    match name {
        "--region" => g.region = Some(value),
        "--endpoint-url" => {
            // globalargs._resolve_endpoint_url: the value must have a scheme.
            if !has_scheme(&value) {
                return Err(CliError::Param(format!(
                    "Bad value for --endpoint-url \"{value}\": scheme is missing.  Must be of the \
                     form http://<hostname>/ or https://<hostname>/"
                )));
            }
            g.endpoint_url = Some(value);
        }
        "--output" => {
            choice(&value, commands::OUTPUTS)?;
            g.output = Some(value);
        }
        "--profile" => g.profile = Some(value),
        "--ca-bundle" => g.ca_bundle = Some(value),
        "--color" => {
            choice(&value, &["on", "off", "auto"])?;
            g.color = Some(value);
        }
        "--cli-binary-format" => {
            choice(&value, &["base64", "raw-in-base64-out"])?;
            g.cli_binary_format = Some(value);
        }
        "--query" => g.query = Some(value),
        "--prompt" => {
            choice(&value, crate::prompt::DRIVERS)?;
            g.prompt = Some(value);
        }
        "--cli-connect-timeout" => g.connect_timeout = Some(seconds(&value)?),
        "--cli-read-timeout" => g.read_timeout = Some(seconds(&value)?),
        _ => unreachable!("global flag {name} without a setter"),
    }
    Ok(())
}

/// Whether Python's `urlparse` finds a scheme: letters first, then letters, digits, `+-.`, then
/// `:`.
fn has_scheme(url: &str) -> bool {
    match url.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Reads a `file://` or `fileb://` value, as the AWS CLI does for every parameter: a regular file
/// of at most [`MAX_PARAM_FILE`] bytes (a FIFO or device is refused without being opened).
pub(crate) fn load(flag: &str, value: &str) -> Result<String, CliError> {
    let Some(path) = value
        .strip_prefix("file://")
        .or_else(|| value.strip_prefix("fileb://"))
    else {
        return Ok(value.to_owned());
    };
    // `~` and `~user` as the AWS CLI expands them; with no known home directory this is an error,
    // never a path relative to the working directory.
    let path = sts_blocking::__private::credentials::env::expand_home(
        &sts_blocking::credentials::Env::real(),
        path,
        sts_blocking::__private::credentials::env::Platform::current(),
        "paramfile",
    )
    .map_err(|e| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: {e}"
        ))
    })?;
    let bytes = read_capped(&path, MAX_PARAM_FILE, "paramfile").map_err(|e| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: {}",
            file_error(&e, &path.to_string_lossy())
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: not valid UTF-8 text"
        ))
    })
}

/// Why a parameter file could not be read. What Python could not open either reads as its
/// `OSError` (`[Errno 2] No such file or directory: 'nope.json'`); a FIFO or a device (which Python
/// would wait on, or read without end) says what it is, and a file over the cap names the cap.
fn file_error(e: &sts_blocking::Error, path: &str) -> String {
    let os_error = |n: &str, words: &str| format!("[Errno {n}] {words}: {}", pystyle::repr(path));
    match e {
        sts_blocking::Error::File { problem, .. } => match problem {
            FileProblem::NotFound => os_error("2", "No such file or directory"),
            FileProblem::NotRegular { kind: "directory" } => os_error("21", "Is a directory"),
            // Rust words it "Permission denied (os error 13)".
            FileProblem::Io(text) => match text
                .strip_suffix(')')
                .and_then(|t| t.rsplit_once(" (os error "))
            {
                Some((words, n)) => os_error(n, words),
                None => text.clone(),
            },
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

fn convert(f: &Flag, values: &[String]) -> Result<Parsed, CliError> {
    let bad = |msg: String| {
        CliError::Param(format!(
            "Error parsing parameter '{}': {}",
            f.name,
            hide_secrets(f.name, msg)
        ))
    };
    // A single `file://` value is replaced by the file's contents (also for lists).
    let loaded: Vec<String> = if values.len() == 1 {
        vec![load(f.name, &values[0])?]
    } else {
        values.to_vec()
    };
    match f.kind {
        Kind::Switch => Ok(Parsed::Switch),
        Kind::Str => Ok(Parsed::Str(loaded[0].clone())),
        // argprocess.unpack_scalar_cli_arg: Python's int(), its ValueError a general error.
        Kind::Int => pystyle::int(&loaded[0])
            .map(Parsed::Int)
            .ok_or_else(|| CliError::Other(pystyle::int_error(&loaded[0]))),
        Kind::StrList => {
            if loaded.len() == 1 && loaded[0].trim_start().starts_with('[') {
                let json = shorthand::parse_json(&loaded[0])
                    .map_err(|e| bad(received(f.name, e, &loaded[0])))?;
                let mut errors = Vec::new();
                let list = json_list(f.member, json, &mut errors);
                finish(errors)?;
                Ok(Parsed::List(list))
            } else {
                Ok(Parsed::List(loaded))
            }
        }
        Kind::Struct(shape) => {
            let s = structure(f, shape, &loaded[0], f.member)?;
            Ok(Parsed::Structs(vec![s]))
        }
        Kind::StructList(shape) => {
            let mut out = Vec::new();
            let mut errors = Vec::new();
            if loaded.len() == 1 && loaded[0].trim_start().starts_with('[') {
                let json = shorthand::parse_json(&loaded[0])
                    .map_err(|e| bad(received(f.name, e, &loaded[0])))?;
                out = json_structs(shape, f.member, json, &mut errors);
            } else {
                for (i, v) in loaded.iter().enumerate() {
                    let path = format!("{}[{i}]", f.member);
                    let s = if v.trim_start().starts_with('{') {
                        let json =
                            shorthand::parse_json(v).map_err(|e| bad(received(f.name, e, v)))?;
                        json_struct(shape, json, &path, &mut errors)
                    } else {
                        let s = shorthand::parse_shorthand(v).map_err(bad)?;
                        check_struct(shape, &s, &path, &mut errors);
                        s
                    };
                    out.push(s);
                }
            }
            finish(errors)?;
            Ok(Parsed::Structs(out))
        }
    }
}

/// A shorthand error quotes its input (as awscli's): not for the flag that carries context
/// assertions, which are secrets.
fn hide_secrets(flag: &str, msg: String) -> String {
    match msg.split_once("for input:\n") {
        Some((head, _)) if flag == "--provided-contexts" => format!("{head}for input: (redacted)"),
        _ => msg,
    }
}

/// awscli's JSON error: the parser's message, then the value (not for the flag that carries
/// context assertions, which are secrets).
fn received(flag: &str, e: String, value: &str) -> String {
    if flag == "--provided-contexts" {
        format!("{e}\nJSON received: (redacted)")
    } else {
        format!("{e}\nJSON received: {value}")
    }
}

/// botocore's validation errors, all of them.
fn finish(errors: Vec<String>) -> Result<(), CliError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Param(format!(
            "Parameter validation failed:\n{}",
            errors.join("\n")
        )))
    }
}

/// One structure from shorthand or a JSON object.
fn structure(f: &Flag, shape: &Shape, value: &str, path: &str) -> Result<Struct, CliError> {
    let bad = |e: String| {
        CliError::Param(format!(
            "Error parsing parameter '{}': {}",
            f.name,
            hide_secrets(f.name, e)
        ))
    };
    let mut errors = Vec::new();
    let s = if value.trim_start().starts_with('{') {
        let json = shorthand::parse_json(value).map_err(|e| bad(received(f.name, e, value)))?;
        json_struct(shape, json, path, &mut errors)
    } else {
        let s = shorthand::parse_shorthand(value).map_err(bad)?;
        check_struct(shape, &s, path, &mut errors);
        s
    };
    finish(errors)?;
    Ok(s)
}

/// A list of strings from JSON, type errors noted.
fn json_list(path: &str, v: Json, errors: &mut Vec<String>) -> Vec<String> {
    let Json::Arr(items) = v else {
        errors.push(pystyle::invalid_type(path, &v, pystyle::LIST));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Json::Str(s) => out.push(s),
            other => errors.push(pystyle::invalid_type(
                &format!("{path}[{i}]"),
                &other,
                pystyle::STR,
            )),
        }
    }
    out
}

/// A list of structures from JSON, errors noted.
fn json_structs(shape: &Shape, path: &str, v: Json, errors: &mut Vec<String>) -> Vec<Struct> {
    let Json::Arr(items) = v else {
        errors.push(pystyle::invalid_type(path, &v, pystyle::LIST));
        return Vec::new();
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| json_struct(shape, item, &format!("{path}[{i}]"), errors))
        .collect()
}

/// One structure from a JSON object, errors noted (botocore's order: required members, unknown
/// members, then each member's type).
fn json_struct(shape: &Shape, v: Json, path: &str, errors: &mut Vec<String>) -> Struct {
    let Json::Obj(members) = v else {
        errors.push(pystyle::invalid_type(path, &v, pystyle::DICT));
        return Struct::new();
    };
    let keys: Struct = members
        .iter()
        .map(|(k, _)| (k.clone(), String::new()))
        .collect();
    check_struct(shape, &keys, path, errors);
    let mut s = Struct::new();
    for (k, v) in members {
        if !shape.members.contains(&k.as_str()) {
            continue;
        }
        match v {
            Json::Str(text) => s.push((k, text)),
            other => errors.push(pystyle::invalid_type(
                &format!("{path}.{k}"),
                &other,
                pystyle::STR,
            )),
        }
    }
    s
}

/// botocore's structure checks: missing required members (model order), then unknown members
/// (in the order given).
fn check_struct(shape: &Shape, s: &Struct, path: &str, errors: &mut Vec<String>) {
    for req in shape.required {
        if !s.iter().any(|(k, _)| k == req) {
            errors.push(format!("Missing required parameter in {path}: \"{req}\""));
        }
    }
    for (k, _) in s {
        if !shape.members.contains(&k.as_str()) {
            errors.push(format!(
                "Unknown parameter in {path}: \"{k}\", must be one of: {}",
                shape.members.join(", ")
            ));
        }
    }
}

/// Adds the members of a `--cli-input-json` / `--cli-input-yaml` document that the command line
/// did not give, checking them as botocore checks the whole input.
fn merge_input(cmd: &Command, values: &mut Values, inputs: &[CliInput]) -> Result<(), CliError> {
    if inputs.len() > 1 {
        return Err(CliError::Param(
            "Only one --cli-input- parameter may be specified.".into(),
        ));
    }
    let (which, raw) = &inputs[0];
    let text = load(which, raw)?;
    let doc = if *which == "cli-input-json" {
        shorthand::parse_json(&text).map_err(|_| {
            CliError::Param(format!(
                "Error parsing parameter '{which}': Invalid JSON received."
            ))
        })?
    } else {
        crate::cli_input::parse_yaml(&text).map_err(|_| {
            CliError::Param(format!(
                "Error parsing parameter '{which}': Invalid YAML received."
            ))
        })?
    };
    let Json::Obj(members) = doc else {
        return Err(CliError::Param(format!(
            "Error parsing parameter '{which}': Invalid type: expecting map, received {}",
            pystyle::type_name(&doc)
        )));
    };
    let mut errors = Vec::new();
    let given = |values: &Values, f: &Flag| values.get(f.name).is_some();
    for f in cmd.flags.iter().filter(|f| f.required) {
        if !given(values, f) && !members.iter().any(|(k, _)| k == f.member) {
            errors.push(format!(
                "Missing required parameter in input: \"{}\"",
                f.member
            ));
        }
    }
    let names: Vec<&str> = cmd.flags.iter().map(|f| f.member).collect();
    for (k, _) in &members {
        if !names.contains(&k.as_str()) {
            errors.push(format!(
                "Unknown parameter in input: \"{k}\", must be one of: {}",
                names.join(", ")
            ));
        }
    }
    for (k, v) in members {
        let Some(f) = cmd.flags.iter().find(|f| f.member == k) else {
            continue;
        };
        if given(values, f) {
            continue;
        }
        let parsed = match (f.kind, v) {
            (Kind::Str, Json::Str(s)) => Parsed::Str(s),
            (Kind::Int, Json::Num(n))
                if pystyle::int(&n).is_some() && !n.contains(['.', 'e', 'E']) =>
            {
                Parsed::Int(pystyle::int(&n).unwrap_or_default())
            }
            (Kind::Str, other) => {
                errors.push(pystyle::invalid_type(&k, &other, pystyle::STR));
                continue;
            }
            (Kind::Int, other) => {
                errors.push(pystyle::invalid_type(&k, &other, pystyle::INT));
                continue;
            }
            (Kind::StrList, other) => Parsed::List(json_list(&k, other, &mut errors)),
            // Only custom commands have switches, and they take no document.
            (Kind::Switch, _) => continue,
            (Kind::Struct(shape), other) => {
                Parsed::Structs(vec![json_struct(shape, other, &k, &mut errors)])
            }
            (Kind::StructList(shape), other) => {
                Parsed::Structs(json_structs(shape, &k, other, &mut errors))
            }
        };
        values.flags.push((f.name, parsed));
    }
    finish(errors)
}
