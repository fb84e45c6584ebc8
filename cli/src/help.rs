//! Help pages in the layout of the AWS CLI's man pages (NAME, DESCRIPTION, SYNOPSIS, OPTIONS,
//! GLOBAL OPTIONS, EXAMPLES, OUTPUT), generated from the command specs.

use crate::commands;
use crate::spec::{Command, Flag, Kind, Out, Run};

const WIDTH: usize = 79;

/// Appends `text` word-wrapped at [`WIDTH`], every line indented by `indent` spaces. Blank lines
/// (`\n\n`) separate paragraphs.
fn wrap(out: &mut String, text: &str, indent: usize) {
    let pad = " ".repeat(indent);
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && indent + line.len() + 1 + word.len() > WIDTH {
                out.push_str(&format!("{pad}{line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            out.push_str(&format!("{pad}{line}\n"));
        }
    }
}

/// Appends preformatted lines, indented.
fn verbatim(out: &mut String, text: &str, indent: usize) {
    let pad = " ".repeat(indent);
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{pad}{line}\n"));
        }
    }
}

fn synopsis_value(f: &Flag) -> &'static str {
    match f.kind {
        Kind::StrList | Kind::StructList(_) => " <value> [<value>...]",
        Kind::Switch => "",
        _ => " <value>",
    }
}

fn global_options(out: &mut String) {
    out.push_str("GLOBAL OPTIONS\n");
    for g in commands::GLOBALS {
        match g.value {
            Some(v) => out.push_str(&format!("       {} ({v})\n", g.name)),
            None => out.push_str(&format!("       {} (boolean)\n", g.name)),
        }
        wrap(out, g.doc, 10);
        out.push('\n');
    }
}

/// The exit codes, after `intro` when a command has its own (`exec`: the command's status).
fn exit_status(out: &mut String, intro: Option<&str>) {
    out.push_str("EXIT STATUS\n");
    if let Some(text) = intro {
        wrap(out, text, 7);
        out.push('\n');
    }
    for (code, what) in [
        ("0", "The command succeeded."),
        (
            "252",
            "The command line could not be parsed: a missing or unknown flag, a bad value, a file:// \
             value that cannot be read, or a parameter that fails validation.",
        ),
        (
            "253",
            "No credentials were found, or a signed request has a custom endpoint and no region.",
        ),
        (
            "254",
            "STS answered with an error (e.g. AccessDenied). The error code and message are printed.",
        ),
        (
            "255",
            "Any other failure: an unknown profile, a setting or config file that cannot be read, \
             a credential source that failed, the endpoint could not be reached, a timeout, an \
             unreadable response.",
        ),
    ] {
        out.push_str(&format!("       {code}\n"));
        wrap(out, what, 10);
        out.push('\n');
    }
}

/// The help page of the tool.
pub fn tool() -> String {
    let mut out = String::new();
    out.push_str("NAME\n       sts -\n\n");
    out.push_str("DESCRIPTION\n");
    wrap(
        &mut out,
        "AWS Security Token Service (STS) from the command line, as `aws sts` of the AWS CLI \
         version 2: the same commands, flags, output formats and exit codes, in a small \
         binary built on the sts-blocking crate.\n\n\
         STS issues temporary, limited-privilege credentials for IAM roles, federated users and \
         IAM users, and tells you who you are (get-caller-identity). eks-token and \
         vault-login-data sign proofs of identity locally, for kubectl and HashiCorp Vault. \
         whoami and export-credentials show the credentials in effect.\n\n\
         Credentials and settings are found as the AWS CLI finds them: --profile and --region, \
         then the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
         AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_STS, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, \
         AWS_CA_BUNDLE, AWS_STS_REGIONAL_ENDPOINTS, AWS_USE_FIPS_ENDPOINT, \
         AWS_USE_DUALSTACK_ENDPOINT, AWS_DEFAULT_OUTPUT...), then the shared config and \
         credentials files (role_arn with source_profile or credential_source, mfa_serial with a \
         prompt on the terminal, credential_process, sso, web_identity_token_file), then web \
         identity from the environment, container credentials and EC2 instance metadata.\n\n\
         Every string parameter accepts file://path (and fileb://path) to read the value from a \
         file. List parameters take several values after one flag (--tags Key=a,Value=b \
         Key=c,Value=d) or a JSON array; structures take the AWS CLI shorthand syntax \
         (Key=a,Value=b) or a JSON object.",
        7,
    );
    out.push('\n');
    out.push_str("SYNOPSIS\n");
    out.push_str("          sts [options] <command> [parameters]\n");
    out.push_str("          sts help\n");
    out.push_str("          sts <command> help\n");
    out.push_str("          sts completion bash|zsh|fish\n\n");
    out.push_str("AVAILABLE COMMANDS\n");
    for c in commands::COMMANDS {
        out.push_str(&format!("       o {}\n", c.name));
        wrap(&mut out, c.summary, 10);
        out.push('\n');
    }
    out.push_str("       o completion\n");
    wrap(
        &mut out,
        "Print a bash, zsh or fish completion script: source <(sts completion bash), or sts \
         completion fish | source. They complete profile names after --profile.",
        10,
    );
    out.push('\n');
    out.push_str("       o help\n");
    wrap(&mut out, "Print this page, or the page of a command.", 10);
    out.push('\n');
    global_options(&mut out);
    exit_status(&mut out, None);
    out
}

/// The help page of one command, in the man-page sections of the AWS CLI's.
pub fn command(c: &Command) -> String {
    let mut out = String::new();
    name_and_description(&mut out, c);
    synopsis(&mut out, c);
    options(&mut out, c);
    examples(&mut out, c);
    output(&mut out, c);
    // `exec`'s status is its command's once that runs.
    exit_status(
        &mut out,
        (c.name == "exec").then_some(crate::exec::EXIT_STATUS),
    );
    out
}

/// NAME and DESCRIPTION, with the API it calls for an STS operation.
fn name_and_description(out: &mut String, c: &Command) {
    out.push_str(&format!("NAME\n       {} - {}\n\n", c.name, c.summary));
    out.push_str("DESCRIPTION\n");
    wrap(out, c.description, 7);
    out.push('\n');
    // A document command explains in its description what it signs and calls.
    if let Run::Op(_) = c.run {
        let auth = if c.signed {
            "The request is signed with SigV4, with the credentials from the environment."
        } else {
            "The request is not signed: no AWS credentials are needed."
        };
        wrap(out, &format!("Calls the STS {} API. {auth}", c.action), 7);
        out.push('\n');
    }
}

/// SYNOPSIS: the flags (optional ones in brackets), the meta-options of an operation.
fn synopsis(out: &mut String, c: &Command) {
    out.push_str("SYNOPSIS\n");
    out.push_str(&format!("            {}\n", c.name));
    for f in c.flags {
        let v = synopsis_value(f);
        if f.is_operand() {
            let word = match f.choices {
                [] => format!("<{}>", f.name),
                choices => choices.join(" | "),
            };
            if f.required {
                out.push_str(&format!("          {word}\n"));
            } else {
                out.push_str(&format!("          [{word}]\n"));
            }
        } else if f.required {
            out.push_str(&format!("          {}{v}\n", f.name));
        } else {
            out.push_str(&format!("          [{}{v}]\n", f.name));
        }
    }
    if c.is_operation() {
        out.push_str(
            "          [--cli-input-json | --cli-input-yaml]
",
        );
        out.push_str(
            "          [--generate-cli-skeleton <value>]
",
        );
    }
    out.push_str(
        "          [<global options>]
",
    );
    if let Run::Custom(_) = c.run
        && c.name == "exec"
    {
        out.push_str("          [-- <command> [<arg>...]]\n");
    }
    out.push('\n');
}

/// OPTIONS: each flag, then the meta-options of an operation.
fn options(out: &mut String, c: &Command) {
    out.push_str("OPTIONS\n");
    if c.flags.is_empty() {
        out.push_str("       None\n\n");
    }
    for f in c.flags {
        option(out, f);
    }
    if c.is_operation() {
        for (names, doc) in [
            (
                "--cli-input-json | --cli-input-yaml (string)",
                "Reads the parameters from a JSON document (or YAML, in the subset sts reads: \
                 block and one-line flow mappings and lists, plain and quoted scalars, | and > \
                 blocks, comments), as --generate-cli-skeleton prints it; file://path reads it \
                 from a file. Flags given on the command line win over the document's members. \
                 With it, no flag is required: the document is checked instead.",
            ),
            (
                "--generate-cli-skeleton (string)",
                "Prints a skeleton and sends nothing: input (the default) a JSON document for \
                 --cli-input-json, yaml-input the same in YAML for --cli-input-yaml, output a \
                 sample of the output (member names as values) in the --output format.",
            ),
        ] {
            out.push_str(&format!("       {names}\n"));
            wrap(out, doc, 10);
            out.push('\n');
        }
    }
    out.push_str("       See 'sts help' for the global options.\n\n");
}

/// One flag of OPTIONS: its names and type, what it does, its model member and constraints, and
/// the syntax of a list or structure value.
fn option(out: &mut String, f: &Flag) {
    let req = if f.required { " [required]" } else { "" };
    let names = match f.alias {
        Some(alias) => format!("{} | {alias}", f.name),
        None => f.name.to_owned(),
    };
    out.push_str(&format!("       {names} ({}){req}\n", f.kind.type_name()));
    wrap(out, f.doc, 10);
    out.push('\n');
    if f.constraints.is_empty() {
        return;
    }
    wrap(
        out,
        &match f.kind {
            Kind::Struct(shape) => format!(
                "Model member: {} ({}). Constraints: {}.",
                f.member, shape.name, f.constraints
            ),
            Kind::StructList(shape) => format!(
                "Model member: {} (list of {}). Constraints: {}.",
                f.member, shape.name, f.constraints
            ),
            // Not an API member: a flag of a document command.
            _ if f.member.is_empty() => format!("Constraints: {}.", f.constraints),
            _ => format!(
                "Model member: {}. Constraints: {}.",
                f.member, f.constraints
            ),
        },
        10,
    );
    out.push('\n');
    match f.kind {
        Kind::StrList => {
            out.push_str("          Syntax:\n\n");
            out.push_str("             \"string\" \"string\" ...\n\n");
            out.push_str("          JSON Syntax:\n\n");
            out.push_str("             [\"string\", ...]\n\n");
        }
        Kind::Struct(shape) | Kind::StructList(shape) => {
            out.push_str("          Shorthand Syntax:\n\n");
            verbatim(out, shape.shorthand, 13);
            out.push('\n');
            out.push_str("          JSON Syntax:\n\n");
            verbatim(out, shape.json, 13);
            out.push('\n');
        }
        _ => {}
    }
}

/// EXAMPLES: each title, command line and output.
fn examples(out: &mut String, c: &Command) {
    out.push_str("EXAMPLES\n");
    for e in c.examples {
        wrap(out, e.title, 7);
        out.push('\n');
        example_command(out, e.command);
        out.push('\n');
        if !e.output.is_empty() {
            out.push_str("       Output:\n\n");
            verbatim(out, e.output, 10);
            out.push('\n');
        }
    }
}

/// OUTPUT: the members, and how a document or `--output env` prints.
fn output(out: &mut String, c: &Command) {
    out.push_str("OUTPUT\n");
    if c.output.is_empty() {
        out.push_str("       None\n\n");
    }
    for o in c.output {
        output_member(out, o, 7);
    }
    if let Run::Document(_) = c.run {
        wrap(
            out,
            "Printed as one line of JSON (these member names, in this order), whatever --output \
             or AWS_DEFAULT_OUTPUT says.",
            7,
        );
        out.push('\n');
    }
    if c.credentials {
        wrap(
            out,
            "With --output env, prints export lines for AWS_ACCESS_KEY_ID, \
             AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION, for eval in \
             a POSIX shell.",
            7,
        );
        out.push('\n');
    }
}

/// An example command line, split before each `--flag` with shell line continuations when it is
/// too long for one line (so that it can be pasted as is).
fn example_command(out: &mut String, cmd: &str) {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let one = words.join(" ");
    if 10 + one.len() <= WIDTH {
        out.push_str(&format!("          {one}\n"));
        return;
    }
    let mut lines: Vec<String> = vec![String::new()];
    for w in words {
        let last = lines.last_mut().expect("one line");
        if w.starts_with("--") && !last.is_empty() {
            lines.push(w.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(w);
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let pad = if i == 0 { 10 } else { 14 };
        let cont = if i + 1 < lines.len() { " \\" } else { "" };
        out.push_str(&format!("{}{line}{cont}\n", " ".repeat(pad)));
    }
}

fn output_member(out: &mut String, o: &Out, indent: usize) {
    out.push_str(&format!("{}{} -> ({})\n", " ".repeat(indent), o.name, o.ty));
    wrap(out, o.doc, indent + 3);
    out.push('\n');
    for child in o.children {
        output_member(out, child, indent + 3);
    }
}
