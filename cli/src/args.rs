//! The command-line parser, written by hand: it keeps the dependency tree at zero extra crates.
//!
//! It follows the AWS CLI's conventions: global flags before or after the command, `--flag value`
//! and `--flag=value`, list flags that take every following word up to the next `--flag`,
//! shorthand or JSON for structures, `file://` / `fileb://` values read from files, and for every
//! STS operation `--cli-input-json`, `--cli-input-yaml` and `--generate-cli-skeleton`.

use crate::commands;
use crate::errors::CliError;
use crate::pystyle;
use crate::shorthand::{self, Json, Struct};
use crate::spec::{
    Command, Flag, GlobalFlag, Globals, Kind, OUTPUTS, Parsed, Shape, Skeleton, Values,
};
use sts_blocking::credentials::{Env, Platform};
use sts_blocking::error::FileProblem;
use sts_blocking::files::read_capped;

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
    let mut r = Reader::new(argv);
    while let Some(word) = r.word() {
        if word.starts_with("--") && word.len() > 2 {
            r.option(word)?;
        } else {
            r.positional(word)?;
        }
    }
    r.finish()
}

/// The command line as it is read, word by word: what each word said so far.
struct Reader<'a> {
    argv: &'a [String],
    /// The index of the next word.
    next: usize,
    globals: Globals,
    command: Option<&'static Command>,
    /// `completion`, then its shell when given.
    completion: Option<Option<String>>,
    help: bool,
    version: bool,
    /// The command's flags as given (the last of a repeated flag wins), not yet converted.
    raw: Vec<(&'static Flag, Vec<String>)>,
    inputs: Vec<CliInput>,
    skeleton: Option<Skeleton>,
    /// Words nothing took, for argparse's `Unknown options` error.
    unknown: Vec<String>,
}

/// argparse's error for an option without its value.
fn expected_one(name: &str) -> CliError {
    CliError::Usage(format!("argument {name}: expected one argument"))
}

impl<'a> Reader<'a> {
    fn new(argv: &'a [String]) -> Self {
        Self {
            argv,
            next: 0,
            globals: Globals::default(),
            command: None,
            completion: None,
            help: false,
            version: false,
            raw: Vec::new(),
            inputs: Vec::new(),
            skeleton: None,
            unknown: Vec::new(),
        }
    }

    /// The next word, consumed.
    fn word(&mut self) -> Option<&'a str> {
        let word = self.argv.get(self.next)?;
        self.next += 1;
        Some(word)
    }

    /// An option's value: `inline` (`--flag=value`), else the next word, consumed, when there is
    /// one and it is not an option itself (`--...`), or `options_too`.
    fn take_value(&mut self, inline: Option<String>, options_too: bool) -> Option<String> {
        inline.or_else(|| {
            let word = self
                .argv
                .get(self.next)
                .filter(|w| options_too || !w.starts_with("--"))?;
            self.next += 1;
            Some(word.clone())
        })
    }

    /// The words up to the next option, consumed.
    fn take_words(&mut self) -> Vec<String> {
        let mut words = Vec::new();
        while let Some(w) = self.argv.get(self.next).filter(|w| !w.starts_with("--")) {
            words.push(w.clone());
            self.next += 1;
        }
        words
    }

    /// `--name` or `--name=value`: a global option, an operation's meta-option, a command flag,
    /// or an unknown option (which takes the words after it along).
    fn option(&mut self, word: &str) -> Result<(), CliError> {
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (word, None),
        };
        if let Some(g) = commands::GLOBALS.iter().find(|g| g.name == name) {
            return self.global(g, inline);
        }
        if self.command.is_some_and(|c| c.is_operation())
            && matches!(
                name,
                "--cli-input-json" | "--cli-input-yaml" | "--generate-cli-skeleton"
            )
        {
            return self.meta_option(name, inline);
        }
        if let Some(f) = self
            .command
            .and_then(|c| c.flags.iter().find(|f| f.is(name)))
        {
            return self.command_flag(f, name, inline);
        }
        self.unknown.push(word.to_owned());
        let rest = self.take_words();
        self.unknown.extend(rest);
        Ok(())
    }

    /// A global option, before or after the command.
    fn global(&mut self, g: &GlobalFlag, inline: Option<String>) -> Result<(), CliError> {
        let name = g.name;
        if g.value.is_none() {
            if let Some(v) = inline {
                return Err(CliError::Usage(format!(
                    "argument {name}: ignored explicit argument {}",
                    pystyle::repr(&v)
                )));
            }
            match name {
                "--debug" => self.globals.debug = true,
                "--no-paginate" => self.globals.no_paginate = true,
                "--no-verify-ssl" => self.globals.no_verify_ssl = true,
                "--no-sign-request" => self.globals.no_sign_request = true,
                "--no-cli-pager" => self.globals.no_cli_pager = true,
                "--cli-auto-prompt" => self.globals.cli_auto_prompt = true,
                "--no-cli-auto-prompt" => self.globals.cli_auto_prompt = false,
                "--version" => self.version = true,
                _ => self.help = true,
            }
            return Ok(());
        }
        let value = self
            .take_value(inline, false)
            .ok_or_else(|| expected_one(name))?;
        set_global(&mut self.globals, name, value)
    }

    /// An STS operation's `--cli-input-json`, `--cli-input-yaml` or `--generate-cli-skeleton`.
    fn meta_option(&mut self, name: &str, inline: Option<String>) -> Result<(), CliError> {
        if name == "--generate-cli-skeleton" {
            let value = self.take_value(inline, false);
            self.skeleton = Some(match value.as_deref() {
                None | Some("input") => Skeleton::Input,
                Some("output") => Skeleton::Output,
                Some("yaml-input") => Skeleton::YamlInput,
                Some(other) => {
                    return Err(CliError::Usage(format!(
                        "argument --generate-cli-skeleton: {}",
                        pystyle::invalid_choice(other, &["input", "output", "yaml-input"])
                    )));
                }
            });
            return Ok(());
        }
        // The document may start with `--` (argparse takes any word here).
        let value = self
            .take_value(inline, true)
            .ok_or_else(|| expected_one(name))?;
        let which = if name == "--cli-input-json" {
            "cli-input-json"
        } else {
            "cli-input-yaml"
        };
        self.inputs.retain(|(n, _)| *n != which);
        self.inputs.push((which, value));
        Ok(())
    }

    /// One of the command's flags: a switch, one value, or a list of the words that follow.
    fn command_flag(
        &mut self,
        f: &'static Flag,
        name: &str,
        inline: Option<String>,
    ) -> Result<(), CliError> {
        let values = if let Kind::Switch = f.kind {
            if let Some(v) = inline {
                return Err(CliError::Usage(format!(
                    "argument {name}: ignored explicit argument '{v}'"
                )));
            }
            Vec::new()
        } else {
            let list = matches!(f.kind, Kind::StrList | Kind::StructList(_));
            let mut values: Vec<String> = inline.into_iter().collect();
            if list {
                values.extend(self.take_words());
            } else if values.is_empty() {
                values.extend(self.take_value(None, false));
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
            values
        };
        self.raw.retain(|(g, _)| g.name != f.name);
        self.raw.push((f, values));
        Ok(())
    }

    /// A word that is not an option: the command (or `help`, `completion`), the completion's
    /// shell, `help` after the command, or an unknown word.
    fn positional(&mut self, word: &str) -> Result<(), CliError> {
        if self.command.is_none() && self.completion.is_none() {
            match word {
                "help" => self.help = true,
                "completion" => self.completion = Some(None),
                name => match commands::find(name) {
                    Some(c) => self.command = Some(c),
                    None => {
                        return Err(CliError::Usage(format!(
                            "argument operation: {}",
                            pystyle::invalid_choice(name, &command_choices())
                        )));
                    }
                },
            }
        } else if let Some(None) = self.completion {
            self.completion = Some(Some(word.to_owned()));
        } else if word == "help" {
            self.help = true;
        } else {
            self.unknown.push(word.to_owned());
        }
        Ok(())
    }

    fn unknown_error(&self) -> CliError {
        CliError::Unknown(format!("Unknown options: {}", self.unknown.join(", ")))
    }

    /// What the words ask for, once all are read.
    fn finish(self) -> Result<Invocation, CliError> {
        // As the AWS CLI, a bad --query is reported once the global options are read, before
        // the command's own.
        if let Some(q) = &self.globals.query {
            crate::output::compile_query(q).map_err(CliError::Param)?;
        }
        let action = if self.version {
            Action::Version
        } else if self.help {
            Action::Help(self.command)
        } else if let Some(shell) = &self.completion {
            let action = completion_action(shell.as_deref())?;
            if !self.unknown.is_empty() {
                return Err(self.unknown_error());
            }
            action
        } else {
            let Some(cmd) = self.command else {
                return Err(CliError::Usage(
                    "the following arguments are required: operation".into(),
                ));
            };
            Action::Run(cmd, self.values_of(cmd)?)
        };
        Ok(Invocation {
            globals: self.globals,
            action,
        })
    }

    /// The values of `cmd`'s flags: required flags and unknown words checked, each value
    /// converted, in model member order, and a `--cli-input-*` document merged in.
    fn values_of(&self, cmd: &'static Command) -> Result<Values, CliError> {
        // As OverrideRequiredArgsArgument: a --cli-input-* document or an input skeleton makes
        // no flag required (the document is checked instead).
        let input_skeleton = self.skeleton.is_some_and(|s| s != Skeleton::Output);
        let overridden = !self.inputs.is_empty() || input_skeleton;
        let missing: Vec<String> = cmd
            .flags
            .iter()
            .filter(|f| f.required && !self.raw.iter().any(|(g, _)| g.name == f.name))
            .map(|f| f.names())
            .collect();
        if !missing.is_empty() && !overridden {
            return Err(CliError::Usage(format!(
                "the following arguments are required: {}",
                missing.join(", ")
            )));
        }
        if !self.unknown.is_empty() {
            return Err(self.unknown_error());
        }
        let mut values = Values::default();
        values.skeleton = self.skeleton;
        if input_skeleton {
            return Ok(values);
        }
        // Model member order, whatever the command-line order.
        for f in cmd.flags {
            if let Some((_, v)) = self.raw.iter().find(|(g, _)| g.name == f.name) {
                values.insert(f.name, convert(f, v)?);
            }
        }
        if !self.inputs.is_empty() {
            merge_input(cmd, &mut values, &self.inputs)?;
        }
        Ok(values)
    }
}

/// `completion SHELL`.
fn completion_action(shell: Option<&str>) -> Result<Action, CliError> {
    match shell {
        Some(s @ ("bash" | "zsh")) => Ok(Action::Completion(s.to_owned())),
        Some(other) => Err(CliError::Usage(format!(
            "argument shell: {}",
            pystyle::invalid_choice(other, &["bash", "zsh"])
        ))),
        None => Err(CliError::Usage(
            "the following arguments are required: shell".into(),
        )),
    }
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
            choice(&value, OUTPUTS)?;
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

/// Cap on a parameter read with `file://` or `fileb://`, and on a `--cli-input-json` /
/// `--cli-input-yaml` document read so (1 MiB): ten times the largest STS parameter (a SAML
/// assertion of at most 100,000 characters), and small enough that a wrong path costs nothing.
pub(crate) const MAX_PARAM_FILE: u64 = 1024 * 1024;

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
    let path = Env::real()
        .expand_home(path, Platform::current(), "paramfile")
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
        values.insert(f.name, parsed);
    }
    finish(errors)
}
