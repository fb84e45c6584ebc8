//! The command-line parser, written by hand: it keeps the dependency tree at zero extra crates.
//!
//! It follows the AWS CLI's conventions: global flags before or after the command, `--flag value`
//! and `--flag=value`, list flags that take every following word up to the next `--flag`,
//! shorthand or JSON for structures, and `file://` / `fileb://` values read from files.

use crate::commands::{self, Command, Flag, Kind, Shape};
use crate::shorthand::{self, Json, Struct};
use sts_blocking::ops::{PolicyDescriptor, ProvidedContext, Tag};

/// An error of the command line itself (as opposed to the call).
#[derive(Debug)]
pub enum CliError {
    /// An argparse-style usage error: usage banner, then `sts: error: MESSAGE` (exit 252).
    Usage(String),
    /// A parameter that could not be read or is invalid (exit 252).
    Param(String),
    /// Bad configuration (exit 253).
    Config(String),
}

/// Flags that apply to every command.
#[derive(Debug, Default, Clone)]
pub struct Globals {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--output` (checked later against `json|text|env`).
    pub output: Option<String>,
    /// `--profile` (stored; not supported yet).
    pub profile: Option<String>,
    /// `--debug`.
    pub debug: bool,
    /// `--cli-connect-timeout` in seconds (0 = no limit).
    pub connect_timeout: Option<u64>,
    /// `--cli-read-timeout` in seconds (0 = no limit).
    pub read_timeout: Option<u64>,
    /// `--no-paginate` (accepted and ignored: STS has no paginated operation).
    pub no_paginate: bool,
    /// `--query`: a JMESPath expression (checked to compile when parsed).
    pub query: Option<String>,
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

/// A parsed flag value.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// A string.
    Str(String),
    /// An integer.
    Int(i32),
    /// A list of strings.
    List(Vec<String>),
    /// Structures (one for a structure flag, any number for a list flag).
    Structs(Vec<Struct>),
    /// A switch that was given.
    Switch,
}

/// The flags given to a command, by flag name.
#[derive(Debug, Default)]
pub struct Values(Vec<(&'static str, Parsed)>);

impl Values {
    fn get(&self, name: &str) -> Option<&Parsed> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
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

    /// An integer flag.
    pub fn int(&self, name: &str) -> Option<i32> {
        match self.get(name) {
            Some(Parsed::Int(n)) => Some(*n),
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
                .map(|s| ProvidedContext {
                    provider_arn: member(s, "ProviderArn"),
                    context_assertion: member(s, "ContextAssertion").map(Into::into),
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
    PolicyDescriptor {
        arn: member(s, "arn"),
    }
}

/// Parses the arguments after the program name.
pub fn parse(argv: &[String]) -> Result<Invocation, CliError> {
    let mut globals = Globals::default();
    let mut command: Option<&'static Command> = None;
    let mut completion: Option<Option<String>> = None;
    let mut help = false;
    let mut version = false;
    let mut raw: Vec<(&'static Flag, Vec<String>)> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
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
                            "argument {name}: ignored explicit argument '{v}'"
                        )));
                    }
                    match name {
                        "--debug" => globals.debug = true,
                        "--no-paginate" => globals.no_paginate = true,
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
                    None => return Err(CliError::Usage(invalid_choice(name))),
                },
            }
        } else if let Some(None) = completion {
            completion = Some(Some(tok.clone()));
        } else if tok == "help" {
            help = true;
        } else {
            unknown.push(tok.clone());
        }
    }
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
                    "argument shell: Invalid choice '{other}', valid choices are: bash | zsh"
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
                "the following arguments are required: command".into(),
            ));
        };
        let missing: Vec<String> = cmd
            .flags
            .iter()
            .filter(|f| f.required && !raw.iter().any(|(g, _)| g.name == f.name))
            .map(|f| f.names())
            .collect();
        if !missing.is_empty() {
            return Err(CliError::Usage(format!(
                "the following arguments are required: {}",
                missing.join(", ")
            )));
        }
        if !unknown.is_empty() {
            return Err(CliError::Usage(format!(
                "Unknown options: {}",
                unknown.join(", ")
            )));
        }
        let mut values = Values::default();
        // Model member order, whatever the command-line order.
        for f in cmd.flags {
            if let Some((_, v)) = raw.iter().find(|(g, _)| g.name == f.name) {
                values.0.push((f.name, convert(f, v)?));
            }
        }
        Action::Run(cmd, values)
    };
    if !unknown.is_empty() && !matches!(action, Action::Run(..)) && !help && !version {
        return Err(CliError::Usage(format!(
            "Unknown options: {}",
            unknown.join(", ")
        )));
    }
    Ok(Invocation { globals, action })
}

/// argparse's message for an unknown command (plus the word that was given).
fn invalid_choice(name: &str) -> String {
    let names: Vec<&str> = commands::COMMANDS.iter().map(|c| c.name).collect();
    let mut rows = String::new();
    for chunk in names.chunks(3) {
        rows.push_str(&chunk.join(" | "));
        rows.push('\n');
    }
    format!(
        "argument command: Invalid choice, valid choices are:\n\n{rows}help | completion\n\n\
         Invalid choice: '{name}'"
    )
}

fn set_global(g: &mut Globals, name: &str, value: String) -> Result<(), CliError> {
    let seconds = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| CliError::Usage(format!("argument {name}: invalid int value: '{v}'")))
    };
    match name {
        "--region" => g.region = Some(value),
        "--endpoint-url" => g.endpoint_url = Some(value),
        "--output" => {
            if !commands::OUTPUTS.contains(&value.as_str()) {
                return Err(CliError::Usage(format!(
                    "argument --output: Invalid choice, valid choices are:\n\n{}",
                    commands::OUTPUTS.join(" | ")
                )));
            }
            g.output = Some(value);
        }
        "--profile" => g.profile = Some(value),
        "--query" => g.query = Some(value),
        "--cli-connect-timeout" => g.connect_timeout = Some(seconds(&value)?),
        "--cli-read-timeout" => g.read_timeout = Some(seconds(&value)?),
        _ => unreachable!("global flag {name} without a setter"),
    }
    Ok(())
}

/// Reads a `file://` or `fileb://` value, as the AWS CLI does for every parameter.
fn load(flag: &str, value: &str) -> Result<String, CliError> {
    let Some(path) = value
        .strip_prefix("file://")
        .or_else(|| value.strip_prefix("fileb://"))
    else {
        return Ok(value.to_owned());
    };
    // `~` and `~user` as the AWS CLI expands them; with no known home directory this is an error,
    // never a path relative to the working directory.
    let path = sts_blocking::credentials::Env::real()
        .expand_home(
            path,
            sts_blocking::credentials::env::Platform::current(),
            "paramfile",
        )
        .map_err(|e| {
            CliError::Param(format!(
                "Error parsing parameter '{flag}': Unable to load paramfile {value}: {e}"
            ))
        })?;
    let bytes = std::fs::read(&path).map_err(|e| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: {e}"
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: not valid UTF-8 text"
        ))
    })
}

fn convert(f: &Flag, values: &[String]) -> Result<Parsed, CliError> {
    let bad = |msg: String| CliError::Param(format!("Error parsing parameter '{}': {msg}", f.name));
    // A single `file://` value is replaced by the file's contents (also for lists).
    let loaded: Vec<String> = if values.len() == 1 {
        vec![load(f.name, &values[0])?]
    } else {
        values.to_vec()
    };
    match f.kind {
        Kind::Switch => Ok(Parsed::Switch),
        Kind::Str => Ok(Parsed::Str(loaded[0].clone())),
        Kind::Int => {
            let v = loaded[0].trim();
            v.parse::<i32>()
                .map(Parsed::Int)
                .map_err(|_| bad(format!("expected an integer, got '{v}'")))
        }
        Kind::StrList => {
            if loaded.len() == 1 && loaded[0].trim_start().starts_with('[') {
                let Json::Arr(items) = shorthand::parse_json(&loaded[0]).map_err(bad)? else {
                    unreachable!("starts with [")
                };
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Json::Str(s) => out.push(s),
                        other => {
                            return Err(invalid_type(&format!("{}[{i}]", f.member), &other));
                        }
                    }
                }
                Ok(Parsed::List(out))
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
            if loaded.len() == 1 && loaded[0].trim_start().starts_with('[') {
                let Json::Arr(items) = shorthand::parse_json(&loaded[0]).map_err(bad)? else {
                    unreachable!("starts with [")
                };
                for (i, item) in items.into_iter().enumerate() {
                    let path = format!("{}[{i}]", f.member);
                    out.push(json_struct(shape, item, &path)?);
                }
            } else {
                for (i, v) in loaded.iter().enumerate() {
                    let path = format!("{}[{i}]", f.member);
                    out.push(structure(f, shape, v, &path)?);
                }
            }
            Ok(Parsed::Structs(out))
        }
    }
}

fn invalid_type(path: &str, v: &Json) -> CliError {
    CliError::Param(format!(
        "Parameter validation failed:\nInvalid type for parameter {path}, value: {}, valid types: string",
        v.describe()
    ))
}

/// One structure from shorthand or a JSON object.
fn structure(f: &Flag, shape: &Shape, value: &str, path: &str) -> Result<Struct, CliError> {
    let s = if value.trim_start().starts_with('{') {
        let json = shorthand::parse_json(value)
            .map_err(|e| CliError::Param(format!("Error parsing parameter '{}': {e}", f.name)))?;
        return json_struct(shape, json, path);
    } else {
        shorthand::parse_shorthand(value)
            .map_err(|e| CliError::Param(format!("Error parsing parameter '{}': {e}", f.name)))?
    };
    check_struct(shape, s, path)
}

fn json_struct(shape: &Shape, v: Json, path: &str) -> Result<Struct, CliError> {
    let Json::Obj(members) = v else {
        return Err(CliError::Param(format!(
            "Parameter validation failed:\nInvalid type for parameter {path}, value: {}, valid types: structure",
            v.describe()
        )));
    };
    let mut s = Struct::new();
    for (k, v) in members {
        match v {
            Json::Str(text) => s.push((k, text)),
            other => return Err(invalid_type(&format!("{path}.{k}"), &other)),
        }
    }
    check_struct(shape, s, path)
}

fn check_struct(shape: &Shape, s: Struct, path: &str) -> Result<Struct, CliError> {
    for (k, _) in &s {
        if !shape.members.contains(&k.as_str()) {
            return Err(CliError::Param(format!(
                "Parameter validation failed:\nUnknown parameter in {path}: \"{k}\", must be one of: {}",
                shape.members.join(", ")
            )));
        }
    }
    for req in shape.required {
        if !s.iter().any(|(k, _)| k == req) {
            return Err(CliError::Param(format!(
                "Parameter validation failed:\nMissing required parameter in {path}: \"{req}\""
            )));
        }
    }
    Ok(s)
}
