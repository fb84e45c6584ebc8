//! The vocabulary below the commands: what a command is (its spec: [`Command`], [`Flag`],
//! [`Kind`], [`Out`], [`Example`], [`Run`], built with [`flag`] and [`out`]) and what the parser
//! hands it ([`Globals`], [`Values`], [`Skeleton`]). Every command file and the command table
//! ([`crate::commands`]) import these; nothing here imports a command, the table or the parser.

use crate::output::Value;
use crate::shorthand::Struct;
use sts_blocking::ops::{PolicyDescriptor, ProvidedContext, Tag};
use sts_blocking::settings::Settings;
use sts_blocking::{Error, Sts, StsBuilder};

/// The `--output` formats.
pub const OUTPUTS: &[&str] = &["json", "text", "table", "yaml", "yaml-stream", "off", "env"];

/// The members of a structure flag.
#[derive(Debug)]
pub struct Shape {
    /// Model name of the structure.
    pub name: &'static str,
    /// Members, in model order.
    pub members: &'static [&'static str],
    /// Required members.
    pub required: &'static [&'static str],
    /// Shorthand syntax shown in help.
    pub shorthand: &'static str,
    /// JSON syntax shown in help.
    pub json: &'static str,
}

/// The type of a flag's value.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A list of strings: `--flag a b c` or `'["a","b"]'`.
    StrList,
    /// One structure: shorthand or a JSON object.
    Struct(&'static Shape),
    /// A list of structures: shorthand words or a JSON array.
    StructList(&'static Shape),
    /// A switch: present or not, no value.
    Switch,
}

impl Kind {
    /// The type name shown in help, as the AWS CLI shows it.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::Int => "integer",
            Kind::StrList | Kind::StructList(_) => "list",
            Kind::Struct(_) => "structure",
            Kind::Switch => "boolean",
        }
    }
}

/// A command flag.
#[derive(Debug)]
pub struct Flag {
    /// `--role-arn`.
    pub name: &'static str,
    /// The model member, `RoleArn`.
    pub member: &'static str,
    /// The value type.
    pub kind: Kind,
    /// Required by the model.
    pub required: bool,
    /// What it means.
    pub doc: &'static str,
    /// Model constraints, for help.
    pub constraints: &'static str,
    /// Another name for the same flag (`--cluster-id` for `--cluster-name`).
    pub alias: Option<&'static str>,
    /// The values argparse accepts (none: any).
    pub choices: &'static [&'static str],
}

impl Flag {
    /// Whether `name` is this flag's name or alias.
    pub fn is(&self, name: &str) -> bool {
        self.name == name || self.alias == Some(name)
    }

    /// Whether this is an operand (`sts assume PROFILE`): a word after the command, named
    /// without dashes, filled in order.
    pub fn is_operand(&self) -> bool {
        !self.name.starts_with('-')
    }

    /// The flag's names as argparse shows them: `--cluster-name/--cluster-id`.
    pub fn names(&self) -> String {
        match self.alias {
            Some(a) => format!("{}/{a}", self.name),
            None => self.name.to_owned(),
        }
    }
}

pub(crate) const fn flag(
    name: &'static str,
    member: &'static str,
    kind: Kind,
    required: bool,
    doc: &'static str,
    constraints: &'static str,
) -> Flag {
    Flag {
        name,
        member,
        kind,
        required,
        doc,
        constraints,
        alias: None,
        choices: &[],
    }
}

/// An operand: a word given after the command without a flag (`sts assume dev`), named `name`
/// in help and errors.
pub(crate) const fn operand(name: &'static str, required: bool, doc: &'static str) -> Flag {
    flag(name, "", Kind::Str, required, doc, "")
}

/// A flag that takes one of `choices` (an argparse usage error otherwise).
pub(crate) const fn with_choices(mut f: Flag, choices: &'static [&'static str]) -> Flag {
    f.choices = choices;
    f
}

pub(crate) const fn with_alias(mut f: Flag, alias: &'static str) -> Flag {
    f.alias = Some(alias);
    f
}

/// An output member, for the OUTPUT section of help.
#[derive(Debug)]
pub struct Out {
    /// Member name.
    pub name: &'static str,
    /// Type name.
    pub ty: &'static str,
    /// What it is.
    pub doc: &'static str,
    /// Members of a structure.
    pub children: &'static [Out],
}

pub(crate) const fn out(name: &'static str, ty: &'static str, doc: &'static str) -> Out {
    Out {
        name,
        ty,
        doc,
        children: &[],
    }
}

/// An example for help.
#[derive(Debug)]
pub struct Example {
    /// What it shows.
    pub title: &'static str,
    /// The command line.
    pub command: &'static str,
    /// Its output, if shown.
    pub output: &'static str,
}

/// A subcommand.
#[derive(Debug)]
pub struct Command {
    /// The AWS CLI name, `assume-role`.
    pub name: &'static str,
    /// The API action, `AssumeRole`.
    pub action: &'static str,
    /// One line for lists.
    pub summary: &'static str,
    /// The DESCRIPTION paragraphs (separated by blank lines).
    pub description: &'static str,
    /// Flags in model member order.
    pub flags: &'static [Flag],
    /// Output members in model order.
    pub output: &'static [Out],
    /// Examples.
    pub examples: &'static [Example],
    /// Whether the output has `Credentials` (for `--output env`).
    pub credentials: bool,
    /// Whether the request is signed.
    pub signed: bool,
    /// What the command does.
    pub run: Run,
}

/// Makes another builder with the command's settings.
pub type NewBuilder<'a> = dyn Fn() -> StsBuilder + 'a;

/// How a command runs and prints.
#[derive(Debug, Clone, Copy)]
pub enum Run {
    /// An STS operation: builds it from the flags, sends it and returns the output tree, printed in
    /// the `--output` format.
    Op(fn(&Sts, &Values) -> Result<Value, Error>),
    /// A document made from signed requests (and possibly calls): printed as is, one line of JSON,
    /// whatever `--output` says, because its reader (kubectl, Vault) needs exactly that. The third
    /// argument makes another builder with the command's settings (for a second client).
    Document(fn(&Sts, &Values, &NewBuilder) -> Result<String, Error>),
    /// A document made without a client (the resolved credentials): no region or client setting
    /// is needed, as `aws configure export-credentials` needs none.
    Local(fn(&Settings, &Values) -> Result<String, Error>),
    /// A command that does its own printing and returns the exit status; it gets the words after
    /// `--` (only `exec` accepts any).
    Custom(fn(&Globals, &Values, &[String]) -> i32),
}

impl Command {
    /// Whether this is an STS operation of the AWS CLI (it then takes `--cli-input-json`,
    /// `--cli-input-yaml` and `--generate-cli-skeleton`).
    pub fn is_operation(&self) -> bool {
        matches!(self.run, Run::Op(_)) && self.name != "whoami"
    }
}

/// A global flag.
#[derive(Debug)]
pub struct GlobalFlag {
    /// `--region`.
    pub name: &'static str,
    /// The value placeholder, or `None` for a switch.
    pub value: Option<&'static str>,
    /// What it does.
    pub doc: &'static str,
}

/// Flags that apply to every command.
#[derive(Debug, Default, Clone)]
pub struct Globals {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--output` (one of [`OUTPUTS`]).
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
    /// `--cli-error-format` (one of [`crate::errors::ERROR_FORMATS`]).
    pub cli_error_format: Option<String>,
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
}

impl Values {
    /// The value of flag `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&Parsed> {
        self.flags.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Records the value of flag `name` (the parser's, in model member order).
    pub(crate) fn insert(&mut self, name: &'static str, value: Parsed) {
        self.flags.push((name, value));
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
