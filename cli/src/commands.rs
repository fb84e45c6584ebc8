//! The command table: every subcommand ([`COMMANDS`]) and the global flags ([`GLOBALS`]), in the
//! AWS CLI v2's order. The parser, the help pages and the completion scripts read it. It stands
//! above the commands: the twelve STS operations ([`sts_ops`]), the identity documents
//! ([`proofs`]) and the daily commands (`identity`, `exec`, `console`, `login`, `shell`,
//! `configure`, `sso`, `rolesanywhere`) import only the vocabulary ([`crate::spec`]) and the
//! session helpers ([`crate::session`]), never this table. Two-word commands (`sso login`) are
//! groups: [`group_of`], [`group_members`].

mod proofs;
mod sts_ops;

use crate::spec::{Command, GlobalFlag};
use proofs::{EKS_TOKEN, VAULT_LOGIN_DATA};
use sts_ops::{
    ASSUME_ROLE, ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROOT,
    DECODE_AUTHORIZATION_MESSAGE, GET_ACCESS_KEY_INFO, GET_CALLER_IDENTITY,
    GET_DELEGATED_ACCESS_TOKEN, GET_FEDERATION_TOKEN, GET_SCOPED_CREDENTIALS, GET_SESSION_TOKEN,
    GET_WEB_IDENTITY_TOKEN,
};

/// The global flags, accepted before or after the command, in the AWS CLI v2's order.
pub static GLOBALS: &[GlobalFlag] = &[
    GlobalFlag {
        name: "--debug",
        value: None,
        doc: "Print every attempt to standard error: the URL, the SigV4 canonical request and string \
              to sign (session token redacted), the HTTP status and the time taken, and the \
              credential sources tried when none has credentials. Secrets are never printed.",
    },
    GlobalFlag {
        name: "--endpoint-url",
        value: Some("string"),
        doc: "Send requests to this URL instead of the endpoint the rules resolve (e.g. \
              http://127.0.0.1:5000). Overrides AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL. With \
              no region configured, signed requests fail (there is no region to sign for).",
    },
    GlobalFlag {
        name: "--no-verify-ssl",
        value: None,
        doc: "Do not verify TLS certificates. Anyone on the path can then read and change the \
              requests and responses, credentials included: use --ca-bundle instead when you can.",
    },
    GlobalFlag {
        name: "--no-paginate",
        value: None,
        doc: "Accepted for compatibility and ignored: no STS operation is paginated.",
    },
    GlobalFlag {
        name: "--output",
        value: Some("string"),
        doc: "The output format, as the AWS CLI v2 prints them: json (the default), text \
              (tab-separated), table, yaml, yaml-stream or off (nothing); or env (export lines for \
              the returned credentials). Default: AWS_DEFAULT_OUTPUT, else the profile's output \
              setting, else json.",
    },
    GlobalFlag {
        name: "--query",
        value: Some("string"),
        doc: "A JMESPath expression applied to the output before it is formatted (as the AWS \
              CLI's --query), e.g. --query Account --output text.",
    },
    GlobalFlag {
        name: "--profile",
        value: Some("string"),
        doc: "Use this profile of the shared config and credentials files (~/.aws/config, \
              ~/.aws/credentials). Overrides AWS_PROFILE and credentials in the environment.",
    },
    GlobalFlag {
        name: "--region",
        value: Some("string"),
        doc: "The region to use (e.g. us-east-1). Overrides AWS_REGION, AWS_DEFAULT_REGION and the \
              profile's region. With no region anywhere, requests go to the global endpoint \
              https://sts.amazonaws.com (signed for us-east-1), as the AWS CLI sends them.",
    },
    GlobalFlag {
        name: "--version",
        value: None,
        doc: "Print the version and exit.",
    },
    GlobalFlag {
        name: "--color",
        value: Some("string"),
        doc: "on, off or auto. Accepted for compatibility: sts prints no colors.",
    },
    GlobalFlag {
        name: "--no-sign-request",
        value: None,
        doc: "Send requests unsigned: no credentials are looked up. Only the unsigned operations \
              (AssumeRoleWithSAML, AssumeRoleWithWebIdentity) succeed that way.",
    },
    GlobalFlag {
        name: "--ca-bundle",
        value: Some("string"),
        doc: "A PEM file of the certificate authorities to trust instead of the bundled roots. \
              Overrides AWS_CA_BUNDLE and the profile's ca_bundle.",
    },
    GlobalFlag {
        name: "--cli-read-timeout",
        value: Some("int"),
        doc: "The maximum time in seconds for one attempt (sending the request and reading the \
              response). 0 means no limit. Default: 20.",
    },
    GlobalFlag {
        name: "--cli-connect-timeout",
        value: Some("int"),
        doc: "The maximum time in seconds to open a connection. 0 means no limit. Default: 3.1.",
    },
    GlobalFlag {
        name: "--cli-binary-format",
        value: Some("string"),
        doc: "base64 or raw-in-base64-out. Accepted for compatibility: STS has no binary \
              parameter.",
    },
    GlobalFlag {
        name: "--no-cli-pager",
        value: None,
        doc: "Accepted for compatibility: sts never pages its output.",
    },
    GlobalFlag {
        name: "--cli-auto-prompt",
        value: None,
        doc: "Refused: sts has no interactive prompt (the command fails with exit status 252).",
    },
    GlobalFlag {
        name: "--no-cli-auto-prompt",
        value: None,
        doc: "Accepted for compatibility: sts never prompts for parameters.",
    },
    GlobalFlag {
        name: "--prompt",
        value: Some("string"),
        doc: "Where an MFA code is asked when the profile has no mfa_process (a command whose \
              output is the code, inherited through source_profile): terminal (the default), \
              ykman (ykman oath accounts code --single NAME, NAME from \
              YKMAN_OATH_CREDENTIAL_NAME or the MFA serial), zenity, kdialog or osascript, for \
              runs without a terminal (a credential_process child of an IDE). Default: \
              STS_PROMPT.",
    },
    GlobalFlag {
        name: "--cli-error-format",
        value: Some("string"),
        doc: "How errors are printed: enhanced (the default: \"sts: [ERROR]: An error occurred \
              (Code): message\"), legacy (the message alone), or json, yaml, text or table (the \
              code and message as a structure). Default: AWS_CLI_ERROR_FORMAT, else the \
              profile's cli_error_format, else enhanced. Command-line errors among the global \
              options, unknown options and general errors are printed the same in every format.",
    },
    GlobalFlag {
        name: "--help",
        value: None,
        doc: "Print help for the tool or the command and exit (same as `help`).",
    },
];

/// Every subcommand, in alphabetical order.
pub static COMMANDS: &[Command] = &[
    crate::shell::ASSUME,
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    ASSUME_ROOT,
    crate::configure::CONFIGURE,
    crate::console::CONSOLE,
    DECODE_AUTHORIZATION_MESSAGE,
    EKS_TOKEN,
    crate::exec::EXEC,
    crate::identity::EXPORT_CREDENTIALS,
    GET_ACCESS_KEY_INFO,
    GET_CALLER_IDENTITY,
    GET_DELEGATED_ACCESS_TOKEN,
    GET_FEDERATION_TOKEN,
    GET_SCOPED_CREDENTIALS,
    GET_SESSION_TOKEN,
    GET_WEB_IDENTITY_TOKEN,
    crate::keys::KEYS_ADD,
    crate::keys::KEYS_IMPORT,
    crate::keys::KEYS_LIST,
    crate::keys::KEYS_REMOVE,
    crate::keys::KEYS_ROTATE,
    crate::login::LOGIN,
    crate::login::LOGOUT,
    crate::sso::SSO_LOGIN,
    crate::sso::SSO_LOGOUT,
    crate::sso::SSO_POPULATE,
    crate::shell::SHELL_INIT,
    crate::rolesanywhere::CREDENTIAL_PROCESS,
    crate::rolesanywhere::READ_CERTIFICATE_DATA,
    crate::rolesanywhere::SERVE,
    crate::rolesanywhere::SIGN_STRING,
    VAULT_LOGIN_DATA,
    crate::identity::WHOAMI,
];

/// The subcommand called `name` (`sso login` for a two-word command).
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The first word of a two-word command's name (`sso` of `sso login`).
pub fn group_of(name: &str) -> Option<&str> {
    name.split_once(' ').map(|(group, _)| group)
}

/// The second words of the commands in `group` (`login`, `logout`, `populate` of `sso`).
pub fn group_members(group: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter_map(|c| c.name.split_once(' '))
        .filter(|(g, _)| *g == group)
        .map(|(_, member)| member)
        .collect()
}
