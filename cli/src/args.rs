//! The command-line parser, written by hand: it keeps the dependency tree at zero extra crates.
//!
//! It follows the AWS CLI's conventions: global flags before or after the command, `--flag value`
//! and `--flag=value`, list flags that take every following word up to the next `--flag`,
//! shorthand or JSON for structures, `file://` / `fileb://` values read from files, and for every
//! STS operation `--cli-input-json`, `--cli-input-yaml` and `--generate-cli-skeleton`.
//!
//! It reads a command line in v2's stages, each telling `errors.rs` what its errors know: the
//! global options ([`top_level`]), their checks ([`resolve_globals`]), then the command and its
//! flags, word by word ([`Reader`]).

use crate::commands;
use crate::errors::CliError;
use crate::paramfile;
use crate::pystyle;
use crate::shorthand::{self, Json, Struct};
use crate::spec::{
    Command, Flag, GlobalFlag, Globals, Kind, OUTPUTS, Parsed, Shape, Skeleton, Values,
};

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

/// The choices of the operation argument, as argparse lists them (a group of commands, `sso`,
/// once).
fn command_choices() -> Vec<&'static str> {
    let mut names: Vec<&str> = Vec::new();
    for c in commands::COMMANDS {
        let word = commands::group_of(c.name).unwrap_or(c.name);
        if !names.contains(&word) {
            names.push(word);
        }
    }
    names.extend(["completion", "help"]);
    names
}

/// `--cli-input-json` / `--cli-input-yaml` and their value.
type CliInput = (&'static str, String);

/// Parses the arguments after the program name, in v2's stages: the global options, their
/// checks, then the command and its flags (each stage tells `errors.rs` what its errors know).
pub fn parse(argv: &[String]) -> Result<Invocation, CliError> {
    let mut top = top_level(argv)?;
    crate::errors::globals_read(top.globals.cli_error_format.as_deref(), top.globals.debug);
    resolve_globals(&mut top)?;
    crate::errors::profile_applied(top.globals.profile.as_deref());
    let mut r = Reader::new(argv, top);
    while let Some(word) = r.word() {
        if word.starts_with("--") && word.len() > 2 {
            r.option(word)?;
        } else {
            r.positional(word)?;
        }
    }
    r.finish()
}

/// The global options as v2's main parser reads them, before anything else: every `--flag` of
/// [`commands::GLOBALS`] wherever it stands, the other words left for the command. Its errors
/// come first and know neither `--cli-error-format` nor `--profile` (see `errors.rs`).
struct TopLevel {
    globals: Globals,
    version: bool,
    help: bool,
    read_timeout: Option<String>,
    connect_timeout: Option<String>,
}

/// The value of the global flag `name` at `argv[*i]` (`inline` from `--name=value`), advancing
/// past it; `None` for a switch.
fn global_value(
    argv: &[String],
    i: &mut usize,
    name: &str,
    switch: bool,
    inline: Option<String>,
) -> Result<Option<String>, CliError> {
    if switch {
        return match inline {
            Some(v) => Err(CliError::Usage(format!(
                "argument {name}: ignored explicit argument {}",
                pystyle::repr(&v)
            ))),
            None => Ok(None),
        };
    }
    match inline {
        Some(v) => Ok(Some(v)),
        None if *i < argv.len() && !argv[*i].starts_with("--") => {
            *i += 1;
            Ok(Some(argv[*i - 1].clone()))
        }
        None => Err(expected_one(name)),
    }
}

/// A `--name` or `--name=value` word: the name and the inline value.
fn split_flag(word: &str) -> Option<(&str, Option<String>)> {
    if !word.starts_with("--") || word.len() <= 2 {
        return None;
    }
    Some(match word.split_once('=') {
        Some((n, v)) => (n, Some(v.to_owned())),
        None => (word, None),
    })
}

/// The first stage: the global options of the whole command line.
fn top_level(argv: &[String]) -> Result<TopLevel, CliError> {
    let mut t = TopLevel {
        globals: Globals::default(),
        version: false,
        help: false,
        read_timeout: None,
        connect_timeout: None,
    };
    let mut i = 0;
    while i < argv.len() {
        let word = &argv[i];
        i += 1;
        let Some((name, inline)) = split_flag(word) else {
            continue;
        };
        let Some(g) = commands::GLOBALS.iter().find(|g| g.name == name) else {
            continue;
        };
        match global_value(argv, &mut i, name, g.value.is_none(), inline)? {
            None => t.switch(name),
            Some(value) => match name {
                "--cli-read-timeout" => t.read_timeout = Some(value),
                "--cli-connect-timeout" => t.connect_timeout = Some(value),
                _ => set_global(&mut t.globals, name, value)?,
            },
        }
    }
    Ok(t)
}

impl TopLevel {
    /// A global switch.
    fn switch(&mut self, name: &str) {
        let globals = &mut self.globals;
        match name {
            "--debug" => globals.debug = true,
            "--no-paginate" => globals.no_paginate = true,
            "--no-verify-ssl" => globals.no_verify_ssl = true,
            "--no-sign-request" => globals.no_sign_request = true,
            "--no-cli-pager" => globals.no_cli_pager = true,
            "--cli-auto-prompt" => globals.cli_auto_prompt = true,
            "--no-cli-auto-prompt" => globals.cli_auto_prompt = false,
            "--version" => self.version = true,
            _ => self.help = true,
        }
    }
}

/// The checks v2 makes once the global options are read (`globalargs.py`, in its order):
/// `--query` compiles, `--endpoint-url` has a scheme, the timeouts are integers (Python's
/// `int()`: its error is a general one, 255).
fn resolve_globals(t: &mut TopLevel) -> Result<(), CliError> {
    let g = &mut t.globals;
    if let Some(q) = &g.query {
        crate::output::compile_query(q).map_err(CliError::Param)?;
    }
    if let Some(url) = &g.endpoint_url {
        // globalargs._resolve_endpoint_url: the value must have a scheme.
        if !has_scheme(url) {
            return Err(CliError::Param(format!(
                "Bad value for --endpoint-url \"{url}\": scheme is missing.  Must be of the \
                 form http://<hostname>/ or https://<hostname>/"
            )));
        }
    }
    let seconds = |v: &str| {
        let n = pystyle::int(v).ok_or_else(|| CliError::Other(pystyle::int_error(v)))?;
        // A negative timeout is refused by the HTTP layer underneath, before any request.
        u64::try_from(n).map_err(|_| {
            CliError::Other(format!(
                "Timeout value must be an int, float or None and greater than 0, not {n}"
            ))
        })
    };
    if let Some(v) = &t.read_timeout {
        g.read_timeout = Some(seconds(v)?);
    }
    if let Some(v) = &t.connect_timeout {
        g.connect_timeout = Some(seconds(v)?);
    }
    Ok(())
}

/// The last stage: the command line as it is read, word by word, the global options already
/// known: what each word said so far.
struct Reader<'a> {
    argv: &'a [String],
    /// The index of the next word.
    next: usize,
    globals: Globals,
    command: Option<&'static Command>,
    /// The first word of a two-word command (`sso` of `sso login`), waiting for the second.
    group: Option<&'a str>,
    /// `completion`, then its shell when given.
    completion: Option<Option<String>>,
    help: bool,
    version: bool,
    /// The command's flags and operands as given (the last of a repeated flag wins), not yet
    /// converted.
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
    fn new(argv: &'a [String], top: TopLevel) -> Self {
        Self {
            argv,
            next: 0,
            globals: top.globals,
            command: None,
            group: None,
            completion: None,
            help: top.help,
            version: top.version,
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
            self.global(g, inline);
            return Ok(());
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

    /// A global option, before or after the command: read (and checked) by [`top_level`], only
    /// skipped here with its value.
    fn global(&mut self, g: &GlobalFlag, inline: Option<String>) {
        if g.value.is_some() {
            self.take_value(inline, false);
        }
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

    /// A word that is not an option: the command (or `help`, `completion`, the first word of a
    /// two-word command), the second word of a two-word command, the completion's shell, `help`
    /// after the command, the command's next operand, or an unknown word.
    fn positional(&mut self, word: &'a str) -> Result<(), CliError> {
        if let Some(first) = self.group.take() {
            return self.group_member(first, word);
        }
        if self.command.is_none() && self.completion.is_none() {
            return self.command_word(word);
        }
        if let Some(None) = self.completion {
            self.completion = Some(Some(word.to_owned()));
        } else if word == "help" {
            self.help = true;
        } else if let Some(f) = self.next_operand() {
            self.operand(f, word)?;
        } else {
            self.unknown.push(word.to_owned());
        }
        Ok(())
    }

    /// The command word: `help`, `completion`, a command, or the first word of a two-word
    /// command (`sso`).
    fn command_word(&mut self, word: &'a str) -> Result<(), CliError> {
        match word {
            "help" => self.help = true,
            "completion" => self.completion = Some(None),
            name => match commands::find(name) {
                Some(c) => self.command = Some(c),
                None if !commands::group_members(name).is_empty() => self.group = Some(name),
                None => {
                    return Err(CliError::Usage(format!(
                        "argument operation: {}",
                        pystyle::invalid_choice(name, &command_choices())
                    )));
                }
            },
        }
        Ok(())
    }

    /// The second word of a two-word command (`login` of `sso login`), or `help` (the group's
    /// page: the tool's).
    fn group_member(&mut self, first: &str, word: &str) -> Result<(), CliError> {
        match commands::find(&format!("{first} {word}")) {
            Some(c) => self.command = Some(c),
            None if word == "help" => self.help = true,
            None => {
                return Err(CliError::Usage(format!(
                    "argument operation: {}",
                    pystyle::invalid_choice(word, &commands::group_members(first))
                )));
            }
        }
        Ok(())
    }

    /// The command's first operand not given yet.
    fn next_operand(&self) -> Option<&'static Flag> {
        self.command.and_then(|c| {
            c.flags
                .iter()
                .find(|f| f.is_operand() && !self.raw.iter().any(|(g, _)| g.name == f.name))
        })
    }

    /// The command's next operand (`sts assume dev`), checked against its choices.
    fn operand(&mut self, f: &'static Flag, word: &str) -> Result<(), CliError> {
        if !f.choices.is_empty() && !f.choices.contains(&word) {
            return Err(CliError::Usage(format!(
                "argument {}: {}",
                f.name,
                pystyle::invalid_choice(word, f.choices)
            )));
        }
        self.raw.push((f, vec![word.to_owned()]));
        Ok(())
    }

    fn unknown_error(&self) -> CliError {
        CliError::Unknown(format!("Unknown options: {}", self.unknown.join(", ")))
    }

    /// What the words ask for, once all are read.
    fn finish(self) -> Result<Invocation, CliError> {
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
        Some(s @ ("bash" | "zsh" | "fish")) => Ok(Action::Completion(s.to_owned())),
        Some(other) => Err(CliError::Usage(format!(
            "argument shell: {}",
            pystyle::invalid_choice(other, &["bash", "zsh", "fish"])
        ))),
        None => Err(CliError::Usage(
            "the following arguments are required: shell".into(),
        )),
    }
}

/// Sets a global option with a value (argparse's `choices` checked; `--endpoint-url` and the
/// timeouts are checked later, by [`resolve_globals`]).
fn set_global(g: &mut Globals, name: &str, value: String) -> Result<(), CliError> {
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
        "--endpoint-url" => g.endpoint_url = Some(value),
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
        "--prompt" => {
            choice(&value, crate::prompt::DRIVERS)?;
            g.prompt = Some(value);
        }
        "--cli-error-format" => {
            choice(&value, crate::errors::ERROR_FORMATS)?;
            g.cli_error_format = Some(value);
        }
        "--query" => g.query = Some(value),
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
        vec![paramfile::load(f.name, &values[0])?]
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
                        shorthand_struct(shape, v, &path, &mut errors).map_err(bad)?
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
        shorthand_struct(shape, value, path, &mut errors).map_err(bad)?
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

/// One structure in shorthand syntax, errors noted: botocore's structure checks, then the type
/// of each member that the shorthand made a list (`Key=a,Value` gives `Key` the list
/// `['a', 'Value']`, which botocore refuses for a string).
fn shorthand_struct(
    shape: &Shape,
    value: &str,
    path: &str,
    errors: &mut Vec<String>,
) -> Result<Struct, String> {
    let items = shorthand::parse_shorthand_items(value)?;
    let s: Struct = items
        .iter()
        .map(|(k, v)| (k.clone(), v.join(",")))
        .collect();
    check_struct(shape, &s, path, errors);
    for (i, (k, v)) in items.iter().enumerate() {
        // A repeated name: the last one counts, as in the dict awscli builds.
        let last = !items[i + 1..].iter().any(|(later, _)| later == k);
        if v.len() > 1 && last && shape.members.contains(&k.as_str()) {
            let list = Json::Arr(v.iter().map(|x| Json::Str(x.clone())).collect());
            errors.push(pystyle::invalid_type(
                &format!("{path}.{k}"),
                &list,
                pystyle::STR,
            ));
        }
    }
    Ok(s)
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
    let text = paramfile::load(which, raw)?;
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
