//! One spec per subcommand: its AWS CLI name, its flags (kebab-case member names, types, model
//! constraints, help), its examples and output members, and how to build and run the operation.
//! The parser, the help pages and the completion scripts are all generated from these tables.

use crate::args::{Globals, Values};
use crate::output::{ObjBuilder, Value};
use sts_blocking::ops::*;
use sts_blocking::presign;
use sts_blocking::settings::Settings;
use sts_blocking::{Credentials, Error, SecretString, Sts, StsBuilder};

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

/// `Tag`.
pub static TAG: Shape = Shape {
    name: "Tag",
    members: &["Key", "Value"],
    required: &["Key", "Value"],
    shorthand: "Key=string,Value=string ...",
    json: "[\n  {\n    \"Key\": \"string\",\n    \"Value\": \"string\"\n  }\n  ...\n]",
};

/// `PolicyDescriptorType` in a list.
pub static POLICY_DESCRIPTORS: Shape = Shape {
    name: "PolicyDescriptorType",
    members: &["arn"],
    required: &[],
    shorthand: "arn=string ...",
    json: "[\n  {\n    \"arn\": \"string\"\n  }\n  ...\n]",
};

/// `PolicyDescriptorType` alone.
pub static POLICY_DESCRIPTOR: Shape = Shape {
    name: "PolicyDescriptorType",
    members: &["arn"],
    required: &[],
    shorthand: "arn=string",
    json: "{\n  \"arn\": \"string\"\n}",
};

/// `ProvidedContext`.
pub static PROVIDED_CONTEXT: Shape = Shape {
    name: "ProvidedContext",
    members: &["ProviderArn", "ContextAssertion"],
    required: &[],
    shorthand: "ProviderArn=string,ContextAssertion=string ...",
    json: "[\n  {\n    \"ProviderArn\": \"string\",\n    \"ContextAssertion\": \"string\"\n  }\n  ...\n]",
};

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

/// A flag that takes one of `choices` (an argparse usage error otherwise).
pub(crate) const fn with_choices(mut f: Flag, choices: &'static [&'static str]) -> Flag {
    f.choices = choices;
    f
}

const fn with_alias(mut f: Flag, alias: &'static str) -> Flag {
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
        name: "--help",
        value: None,
        doc: "Print help for the tool or the command and exit (same as `help`).",
    },
];

/// Every subcommand, in alphabetical order.
pub static COMMANDS: &[Command] = &[
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    ASSUME_ROOT,
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
    crate::keys::KEYS,
    crate::login::LOGIN,
    crate::login::LOGOUT,
    VAULT_LOGIN_DATA,
    crate::identity::WHOAMI,
];

/// The subcommand called `name`.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Whether `cmd` takes words after its name (`sts keys add PROFILE`); every other command
/// refuses them as unknown options, as the AWS CLI does.
pub fn takes_words(cmd: &Command) -> bool {
    cmd.name == "keys"
}

// ---- shared flags --------------------------------------------------------------------------------

const ARN: &str = "length 20..2048; printable Unicode characters";
const ROLE_ARN: Flag = flag(
    "--role-arn",
    "RoleArn",
    Kind::Str,
    true,
    "The Amazon Resource Name (ARN) of the role to assume.",
    ARN,
);
const ROLE_SESSION_NAME: Flag = flag(
    "--role-session-name",
    "RoleSessionName",
    Kind::Str,
    true,
    "An identifier for the assumed role session. It appears in the assumed-role ARN and in \
     CloudTrail logs; use it to tell apart sessions of the same role.",
    "length 2..64; pattern [\\w+=,.@-]*",
);
const POLICY_ARNS: Flag = flag(
    "--policy-arns",
    "PolicyArns",
    Kind::StructList(&POLICY_DESCRIPTORS),
    false,
    "The ARNs of IAM managed policies to use as managed session policies. The session's \
     permissions are the intersection of the role's (or user's) policies and these. The policies \
     must be in the same account as the role.",
    "each arn: length 20..2048; together with --policy, the packed size must fit the session limit",
);
const POLICY_2048: Flag = flag(
    "--policy",
    "Policy",
    Kind::Str,
    false,
    "An IAM policy in JSON format to use as an inline session policy. It can only further limit \
     the session's permissions. Use file://path to read it from a file.",
    "length 1..2048; characters tab, newline, carriage return and U+0020..U+00FF",
);
const TAGS: Flag = flag(
    "--tags",
    "Tags",
    Kind::StructList(&TAG),
    false,
    "Session tags: key-value pairs passed into the session and usable in policies as \
     aws:PrincipalTag conditions.",
    "at most 50 tags; Key length 1..128, Value length 0..256, pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]",
);
const SERIAL_NUMBER: Flag = flag(
    "--serial-number",
    "SerialNumber",
    Kind::Str,
    false,
    "The identification number of the MFA device: a serial number for a hardware device or an \
     ARN for a virtual device (arn:aws:iam::123456789012:mfa/user).",
    "length 9..256; pattern [\\w+=/:,.@-]*",
);
const TOKEN_CODE: Flag = flag(
    "--token-code",
    "TokenCode",
    Kind::Str,
    false,
    "The code currently displayed by the MFA device. Required if the policy asks for MFA.",
    "exactly 6 digits",
);
const MIN_TOKEN: Flag = flag(
    "--minimum-session-token-size",
    "MinimumSessionTokenSize",
    Kind::Int,
    false,
    "The smallest session token size, in bytes, that the session must be able to hold, so that \
     later tags or policies do not overflow it.",
    "range 0..4096",
);
const SAML_DURATION: Flag = flag(
    "--duration-seconds",
    "DurationSeconds",
    Kind::Int,
    false,
    "The duration of the session in seconds. The service default is 3600; the maximum is the \
     role's maximum session duration.",
    "range 900..43200",
);

// ---- shared outputs ------------------------------------------------------------------------------

const CREDENTIALS_OUT: Out = Out {
    name: "Credentials",
    ty: "structure",
    doc: "The temporary security credentials: an access key id, a secret access key and a session \
          token. Secrets are printed, as the AWS CLI does: protect the output.",
    children: &[
        out("AccessKeyId", "string", "The access key id (ASIA...)."),
        out("SecretAccessKey", "string", "The secret access key."),
        out(
            "SessionToken",
            "string",
            "The session token to send with the keys.",
        ),
        out(
            "Expiration",
            "timestamp",
            "When the credentials expire (ISO 8601, e.g. 2019-11-09T13:34:41+00:00).",
        ),
    ],
};
const ASSUMED_ROLE_USER_OUT: Out = Out {
    name: "AssumedRoleUser",
    ty: "structure",
    doc: "The identifiers of the assumed-role session.",
    children: &[
        out(
            "AssumedRoleId",
            "string",
            "The role id and session name: AROA...:session-name.",
        ),
        out(
            "Arn",
            "string",
            "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: use it in policies.",
        ),
    ],
};
const PACKED_OUT: Out = out(
    "PackedPolicySize",
    "integer",
    "Deprecated: the percentage of the packed size limit used by the session policies and tags.",
);
const SOURCE_IDENTITY_OUT: Out = out(
    "SourceIdentity",
    "string",
    "The source identity set on the session.",
);
const UTILIZATION_OUT: Out = out(
    "SessionTokenUtilization",
    "integer",
    "The percentage of the session token size limit used.",
);
const SIZE_OUT: Out = out(
    "SessionTokenSize",
    "integer",
    "The size of the session token in bytes.",
);
const PROPAGATION_OUT: Out = Out {
    name: "TrustedIdentityPropagationContext",
    ty: "structure",
    doc: "Identity propagation details of the session.",
    children: &[
        Out {
            name: "OriginIdentity",
            ty: "structure",
            doc: "The identity the session originates from.",
            children: &[
                out("Subject", "string", "The subject of the original identity."),
                out("SubjectType", "string", "The type of the subject."),
                out("Issuer", "string", "The issuer of the original identity."),
                out(
                    "FederatedProviderArn",
                    "string",
                    "The ARN of the federated identity provider.",
                ),
            ],
        },
        Out {
            name: "TransactionContext",
            ty: "structure",
            doc: "Context of the transaction.",
            children: &[out(
                "IdentityProvider",
                "map",
                "Attributes from the identity provider (key -> value).",
            )],
        },
    ],
};

// ---- output builders -----------------------------------------------------------------------------

fn creds(c: &Credentials) -> Value {
    ObjBuilder::new()
        .str("AccessKeyId", Some(&c.access_key_id))
        .str("SecretAccessKey", Some(c.secret_access_key.expose()))
        .str("SessionToken", c.session_token.as_ref().map(|t| t.expose()))
        .time("Expiration", c.expiration)
        .build()
}

fn assumed(u: &AssumedRoleUser) -> Value {
    ObjBuilder::new()
        .str("AssumedRoleId", Some(&u.assumed_role_id))
        .str("Arn", Some(&u.arn))
        .build()
}

fn propagation(p: &TrustedIdentityPropagationContext) -> Value {
    let origin = p.origin_identity.as_ref().map(|o| {
        ObjBuilder::new()
            .str("Subject", o.subject.as_ref().map(|s| s.expose()))
            .str("SubjectType", o.subject_type.as_ref().map(|s| s.expose()))
            .str("Issuer", o.issuer.as_ref().map(|s| s.expose()))
            .str("FederatedProviderArn", o.federated_provider_arn.as_deref())
            .build()
    });
    let tx = p.transaction_context.as_ref().map(|t| {
        let map = t.identity_provider.as_ref().map(|m| {
            Value::Obj(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                    .collect(),
            )
        });
        ObjBuilder::new().val("IdentityProvider", map).build()
    });
    ObjBuilder::new()
        .val("OriginIdentity", origin)
        .val("TransactionContext", tx)
        .build()
}

// ---- the commands --------------------------------------------------------------------------------

const ASSUME_ROLE: Command = Command {
    name: "assume-role",
    action: "AssumeRole",
    summary: "Returns temporary security credentials for an IAM role.",
    description: "Returns a set of temporary security credentials that you can use to access AWS \
        resources, typically resources of another account or resources your own identity cannot \
        reach. The credentials consist of an access key id, a secret access key and a session \
        token, and last one hour unless --duration-seconds says otherwise.\n\n\
        The call must be signed with the credentials of an identity the role's trust policy \
        trusts. Session policies (--policy, --policy-arns) can only narrow the role's \
        permissions. Session tags (--tags) become principal tags of the session; \
        --transitive-tag-keys makes them persist through role chaining. If the trust policy \
        requires MFA, pass --serial-number and --token-code; if it requires an external id, \
        pass --external-id.",
    flags: &[
        ROLE_ARN,
        ROLE_SESSION_NAME,
        POLICY_ARNS,
        flag(
            "--policy",
            "Policy",
            Kind::Str,
            false,
            "An IAM policy in JSON format to use as an inline session policy. It can only further \
             limit the session's permissions. Use file://path to read it from a file.",
            "length at least 1; characters tab, newline, carriage return and U+0020..U+00FF; the \
             packed size of policies and tags must fit the session limit",
        ),
        flag(
            "--duration-seconds",
            "DurationSeconds",
            Kind::Int,
            false,
            "The duration of the role session in seconds. The service default is 3600; the \
             maximum is the role's maximum session duration (one hour for role chaining).",
            "range 900..43200",
        ),
        TAGS,
        flag(
            "--transitive-tag-keys",
            "TransitiveTagKeys",
            Kind::StrList,
            false,
            "Keys of session tags that pass to later sessions in a role chain.",
            "at most 50 keys; each length 1..128",
        ),
        flag(
            "--external-id",
            "ExternalId",
            Kind::Str,
            false,
            "A unique identifier that the role's trust policy may require (sts:ExternalId), \
             typically given by a third party that assumes roles in your account.",
            "length 2..1224; pattern [\\w+=,.@:/-]*",
        ),
        SERIAL_NUMBER,
        TOKEN_CODE,
        flag(
            "--source-identity",
            "SourceIdentity",
            Kind::Str,
            false,
            "The source identity to set on the session (the user name of the person who assumes \
             the role). It cannot be changed later in a role chain.",
            "length 2..256; pattern [\\w+=,.@-]*",
        ),
        flag(
            "--provided-contexts",
            "ProvidedContexts",
            Kind::StructList(&PROVIDED_CONTEXT),
            false,
            "Context assertions signed by trusted context providers (e.g. IAM Identity Center's \
             identity context).",
            "1..5 items; ProviderArn length 20..2048; ContextAssertion length 4..3072",
        ),
        MIN_TOKEN,
    ],
    output: &[
        CREDENTIALS_OUT,
        ASSUMED_ROLE_USER_OUT,
        PACKED_OUT,
        SOURCE_IDENTITY_OUT,
        UTILIZATION_OUT,
        SIZE_OUT,
    ],
    examples: &[
        Example {
            title: "To assume a role",
            command: "sts assume-role --role-arn arn:aws:iam::123456789012:role/xaccounts3access \
                      --role-session-name s3-access-example",
            output: "{\n    \"Credentials\": {\n        \"AccessKeyId\": \"ASIAIOSFODNN7EXAMPLE\",\n        \
                     \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\n        \
                     \"SessionToken\": \"AQoDYXdzEJr...<remainder of session token>\",\n        \
                     \"Expiration\": \"2019-11-09T13:34:41+00:00\"\n    },\n    \
                     \"AssumedRoleUser\": {\n        \"AssumedRoleId\": \
                     \"AROA3XFRBF535PLBIFPI4:s3-access-example\",\n        \"Arn\": \
                     \"arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example\"\n    \
                     },\n    \"PackedPolicySize\": 6\n}",
        },
        Example {
            title: "To assume a role with an external id, session tags and an inline policy from a file",
            command: "sts assume-role --role-arn arn:aws:iam::123456789012:role/partner \
                      --role-session-name audit --external-id ext-1234 \
                      --tags Key=project,Value=blue Key=team,Value=infra \
                      --policy file://session-policy.json",
            output: "",
        },
        Example {
            title: "To use the credentials in the current shell",
            command: "eval \"$(sts assume-role --role-arn arn:aws:iam::123456789012:role/demo \
                      --role-session-name demo --output env)\"",
            output: "",
        },
    ],
    credentials: true,
    signed: true,
    run: Run::Op(|sts, v| {
        let mut op = AssumeRole::new(v.req("--role-arn"), v.req("--role-session-name"));
        op.policy_arns = v.policy_arns("--policy-arns");
        op.policy = v.str("--policy");
        op.duration_seconds = v.int("--duration-seconds");
        op.tags = v.tags("--tags");
        op.transitive_tag_keys = v.list("--transitive-tag-keys");
        op.external_id = v.str("--external-id");
        op.serial_number = v.str("--serial-number");
        op.token_code = v.str("--token-code").map(SecretString::from);
        op.source_identity = v.str("--source-identity");
        op.provided_contexts = v.contexts("--provided-contexts");
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        let o = sts.assume_role(&op)?;
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .val("AssumedRoleUser", o.assumed_role_user.as_ref().map(assumed))
            .int("PackedPolicySize", o.packed_policy_size)
            .str("SourceIdentity", o.source_identity.as_deref())
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .build())
    }),
};

const ASSUME_ROLE_WITH_SAML: Command = Command {
    name: "assume-role-with-saml",
    action: "AssumeRoleWithSAML",
    summary: "Returns temporary credentials for a role, in exchange for a SAML assertion.",
    description: "Returns a set of temporary security credentials for users who have been \
        authenticated by a SAML 2.0 identity provider. The base64-encoded SAML authentication \
        response from the provider is the credential: the request is not signed, and no AWS \
        credentials are needed.\n\n\
        The role's trust policy must trust the SAML provider given by --principal-arn. The \
        session lasts one hour unless --duration-seconds says otherwise (at most the \
        SessionDuration attribute of the assertion and the role's maximum).",
    flags: &[
        ROLE_ARN,
        flag(
            "--principal-arn",
            "PrincipalArn",
            Kind::Str,
            true,
            "The ARN of the SAML provider in IAM that describes the identity provider.",
            ARN,
        ),
        flag(
            "--saml-assertion",
            "SAMLAssertion",
            Kind::Str,
            true,
            "The base64-encoded SAML authentication response from the identity provider. Use \
             file://path to read it from a file. It is a secret: it is never printed in errors \
             or debug output.",
            "length 4..100000",
        ),
        POLICY_ARNS,
        POLICY_2048,
        SAML_DURATION,
        MIN_TOKEN,
    ],
    output: &[
        CREDENTIALS_OUT,
        ASSUMED_ROLE_USER_OUT,
        PACKED_OUT,
        out(
            "Subject",
            "string",
            "The NameID of the assertion's Subject.",
        ),
        out(
            "SubjectType",
            "string",
            "The format of the name id: persistent, transient or a full URI.",
        ),
        out("Issuer", "string", "The Issuer of the assertion."),
        out(
            "Audience",
            "string",
            "The Recipient of the assertion's SubjectConfirmationData.",
        ),
        out(
            "NameQualifier",
            "string",
            "A hash of the issuer, the account id and the SAML provider name.",
        ),
        SOURCE_IDENTITY_OUT,
        UTILIZATION_OUT,
        SIZE_OUT,
        PROPAGATION_OUT,
    ],
    examples: &[Example {
        title: "To exchange a SAML assertion saved in a file",
        command: "sts assume-role-with-saml --role-arn arn:aws:iam::123456789012:role/TestSaml \
                  --principal-arn arn:aws:iam::123456789012:saml-provider/SAML-test \
                  --saml-assertion file://assertion.b64",
        output: "",
    }],
    credentials: true,
    signed: false,
    run: Run::Op(|sts, v| {
        let mut op = AssumeRoleWithSaml::new(
            v.req("--role-arn"),
            v.req("--principal-arn"),
            v.req("--saml-assertion"),
        );
        op.policy_arns = v.policy_arns("--policy-arns");
        op.policy = v.str("--policy");
        op.duration_seconds = v.int("--duration-seconds");
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        let o = sts.assume_role_with_saml(&op)?;
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .val("AssumedRoleUser", o.assumed_role_user.as_ref().map(assumed))
            .int("PackedPolicySize", o.packed_policy_size)
            .str("Subject", o.subject.as_deref())
            .str("SubjectType", o.subject_type.as_deref())
            .str("Issuer", o.issuer.as_deref())
            .str("Audience", o.audience.as_deref())
            .str("NameQualifier", o.name_qualifier.as_deref())
            .str("SourceIdentity", o.source_identity.as_deref())
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .val(
                "TrustedIdentityPropagationContext",
                o.trusted_identity_propagation_context
                    .as_ref()
                    .map(propagation),
            )
            .build())
    }),
};

const ASSUME_ROLE_WITH_WEB_IDENTITY: Command = Command {
    name: "assume-role-with-web-identity",
    action: "AssumeRoleWithWebIdentity",
    summary: "Returns temporary credentials for a role, in exchange for an OIDC or OAuth 2.0 token.",
    description: "Returns a set of temporary security credentials for users who have been \
        authenticated by a web identity provider: an OpenID Connect provider (Kubernetes service \
        accounts, GitHub Actions, Google, Cognito ...) or an OAuth 2.0 provider. The token is the \
        credential: the request is not signed, and no AWS credentials are needed.\n\n\
        The role's trust policy must trust the provider and usually checks the token's audience \
        and subject.",
    flags: &[
        ROLE_ARN,
        ROLE_SESSION_NAME,
        flag(
            "--web-identity-token",
            "WebIdentityToken",
            Kind::Str,
            true,
            "The OAuth 2.0 access token or OpenID Connect ID token from the identity provider. \
             Use file://path to read it from a file (e.g. a projected service-account token). \
             It is a secret: it is never printed in errors or debug output.",
            "length 4..20000",
        ),
        flag(
            "--provider-id",
            "ProviderId",
            Kind::Str,
            false,
            "The fully qualified host of the OAuth 2.0 provider (www.amazon.com or \
             graph.facebook.com). Only for OAuth 2.0 access tokens; leave it out for OIDC ID \
             tokens.",
            "length 4..2048",
        ),
        POLICY_ARNS,
        POLICY_2048,
        SAML_DURATION,
        MIN_TOKEN,
    ],
    output: &[
        CREDENTIALS_OUT,
        out(
            "SubjectFromWebIdentityToken",
            "string",
            "The sub claim of the token: the user's unique id at the provider.",
        ),
        ASSUMED_ROLE_USER_OUT,
        PACKED_OUT,
        out(
            "Provider",
            "string",
            "The issuer of the token (the iss claim, or the ProviderId of the request).",
        ),
        out(
            "Audience",
            "string",
            "The intended audience of the token (the aud claim).",
        ),
        SOURCE_IDENTITY_OUT,
        UTILIZATION_OUT,
        SIZE_OUT,
        PROPAGATION_OUT,
    ],
    examples: &[Example {
        title: "To exchange a Kubernetes service-account token",
        command: "sts assume-role-with-web-identity \
                  --role-arn arn:aws:iam::123456789012:role/FederatedWebIdentityRole \
                  --role-session-name app1 \
                  --web-identity-token file:///var/run/secrets/eks.amazonaws.com/serviceaccount/token",
        output: "",
    }],
    credentials: true,
    signed: false,
    run: Run::Op(|sts, v| {
        let mut op = AssumeRoleWithWebIdentity::new(
            v.req("--role-arn"),
            v.req("--role-session-name"),
            v.req("--web-identity-token"),
        );
        op.provider_id = v.str("--provider-id");
        op.policy_arns = v.policy_arns("--policy-arns");
        op.policy = v.str("--policy");
        op.duration_seconds = v.int("--duration-seconds");
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        let o = sts.assume_role_with_web_identity(&op)?;
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .str(
                "SubjectFromWebIdentityToken",
                o.subject_from_web_identity_token.as_deref(),
            )
            .val("AssumedRoleUser", o.assumed_role_user.as_ref().map(assumed))
            .int("PackedPolicySize", o.packed_policy_size)
            .str("Provider", o.provider.as_deref())
            .str("Audience", o.audience.as_deref())
            .str("SourceIdentity", o.source_identity.as_deref())
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .val(
                "TrustedIdentityPropagationContext",
                o.trusted_identity_propagation_context
                    .as_ref()
                    .map(propagation),
            )
            .build())
    }),
};

const ASSUME_ROOT: Command = Command {
    name: "assume-root",
    action: "AssumeRoot",
    summary: "Returns short-term root-user credentials of a member account of an organization.",
    description: "From the management account (or a delegated administrator account) of an \
        organization, returns short-term credentials of the root user of a member account, \
        limited to one of the AWS managed root-task policies given by --task-policy-arn \
        (e.g. arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials).",
    flags: &[
        flag(
            "--target-principal",
            "TargetPrincipal",
            Kind::Str,
            true,
            "The member account id (or the ARN of its root user) to get credentials for.",
            "length 12..2048",
        ),
        flag(
            "--task-policy-arn",
            "TaskPolicyArn",
            Kind::Struct(&POLICY_DESCRIPTOR),
            true,
            "The AWS managed root-task policy that scopes the session.",
            "arn: length 20..2048",
        ),
        flag(
            "--duration-seconds",
            "DurationSeconds",
            Kind::Int,
            false,
            "The duration of the privileged session in seconds. The service default and maximum \
             is 900.",
            "range 0..900",
        ),
        MIN_TOKEN,
    ],
    output: &[
        CREDENTIALS_OUT,
        SOURCE_IDENTITY_OUT,
        UTILIZATION_OUT,
        SIZE_OUT,
    ],
    examples: &[Example {
        title: "To get root credentials of a member account to delete its root password",
        command: "sts assume-root --target-principal 111122223333 \
                  --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
        output: "",
    }],
    credentials: true,
    signed: true,
    run: Run::Op(|sts, v| {
        let mut op = AssumeRoot::new(
            v.req("--target-principal"),
            v.descriptor("--task-policy-arn"),
        );
        op.duration_seconds = v.int("--duration-seconds");
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        let o = sts.assume_root(&op)?;
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .str("SourceIdentity", o.source_identity.as_deref())
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .build())
    }),
};

const DECODE_AUTHORIZATION_MESSAGE: Command = Command {
    name: "decode-authorization-message",
    action: "DecodeAuthorizationMessage",
    summary: "Decodes the encoded message of an access-denied error.",
    description: "Decodes additional information about the authorization status of a request \
        from an encoded message returned in response to an AWS request (for example the \
        \"Encoded authorization failure message\" of an EC2 error). The decoded message is a JSON \
        document that says which statement denied the request, the action, the resource and the \
        conditions. The caller needs the sts:DecodeAuthorizationMessage permission.",
    flags: &[flag(
        "--encoded-message",
        "EncodedMessage",
        Kind::Str,
        true,
        "The encoded message that was returned with the error.",
        "length 1..10240",
    )],
    output: &[out(
        "DecodedMessage",
        "string",
        "The decoded authorization status, a JSON document.",
    )],
    examples: &[Example {
        title: "To decode an authorization failure message",
        command: "sts decode-authorization-message --encoded-message lxzA8VEjEvu-s0TTt3PgYCXik9YakOqsrFJGRZR98xNcyWAxwRq14xIvd...EXAMPLE",
        output: "{\n    \"DecodedMessage\": \"{\\\"allowed\\\":false,\\\"explicitDeny\\\":false,...}\"\n}",
    }],
    credentials: false,
    signed: true,
    run: Run::Op(|sts, v| {
        let op = DecodeAuthorizationMessage::new(v.req("--encoded-message"));
        let o = sts.decode_authorization_message(&op)?;
        Ok(ObjBuilder::new()
            .str("DecodedMessage", o.decoded_message.as_deref())
            .build())
    }),
};

const GET_ACCESS_KEY_INFO: Command = Command {
    name: "get-access-key-info",
    action: "GetAccessKeyInfo",
    summary: "Returns the account id that owns an access key id.",
    description: "Returns the account identifier for the specified access key id (AKIA... for \
        long-term keys, ASIA... for temporary ones). No permission is needed; the key does not \
        have to belong to the caller's account.",
    flags: &[flag(
        "--access-key-id",
        "AccessKeyId",
        Kind::Str,
        true,
        "The access key id to look up.",
        "length 16..128; pattern [\\w]*",
    )],
    output: &[out(
        "Account",
        "string",
        "The number used to identify the AWS account.",
    )],
    examples: &[Example {
        title: "To find the account of an access key",
        command: "sts get-access-key-info --access-key-id AKIAIOSFODNN7EXAMPLE",
        output: "{\n    \"Account\": \"111122223333\"\n}",
    }],
    credentials: false,
    signed: true,
    run: Run::Op(|sts, v| {
        let op = GetAccessKeyInfo::new(v.req("--access-key-id"));
        let o = sts.get_access_key_info(&op)?;
        Ok(ObjBuilder::new()
            .str("Account", o.account.as_deref())
            .build())
    }),
};

const GET_CALLER_IDENTITY: Command = Command {
    name: "get-caller-identity",
    action: "GetCallerIdentity",
    summary: "Returns details about the identity whose credentials sign the call.",
    description: "Returns details about the IAM user or role whose credentials are used to call \
        the operation. No permission is needed: the call succeeds even when an explicit deny \
        would block sts:GetCallerIdentity. Use it to check which credentials are in effect.",
    flags: &[],
    output: &[
        out(
            "UserId",
            "string",
            "The unique identifier of the calling entity (AIDA... for a user, \
             AROA...:session for a role session).",
        ),
        out(
            "Account",
            "string",
            "The account id that owns the calling entity.",
        ),
        out("Arn", "string", "The ARN of the calling entity."),
    ],
    examples: &[Example {
        title: "To get the details of the current identity",
        command: "sts get-caller-identity",
        output: "{\n    \"UserId\": \"AIDASAMPLEUSERID\",\n    \"Account\": \"123456789012\",\n    \
                 \"Arn\": \"arn:aws:iam::123456789012:user/DevAdmin\"\n}",
    }],
    credentials: false,
    signed: true,
    run: Run::Op(|sts, _| {
        let o = sts.get_caller_identity()?;
        Ok(ObjBuilder::new()
            .str("UserId", o.user_id.as_deref())
            .str("Account", o.account.as_deref())
            .str("Arn", o.arn.as_deref())
            .build())
    }),
};

const GET_DELEGATED_ACCESS_TOKEN: Command = Command {
    name: "get-delegated-access-token",
    action: "GetDelegatedAccessToken",
    summary: "Exchanges a trade-in token for temporary credentials of the principal it designates.",
    description: "Exchanges a trade-in token, issued by a service that acts on your behalf, for \
        temporary security credentials of the principal the token designates.",
    flags: &[flag(
        "--trade-in-token",
        "TradeInToken",
        Kind::Str,
        true,
        "The token to exchange. Use file://path to read it from a file. It is a secret: it is \
         never printed in errors or debug output.",
        "sensitive",
    )],
    output: &[
        CREDENTIALS_OUT,
        out(
            "PackedPolicySize",
            "integer",
            "Deprecated and not populated by this operation.",
        ),
        out(
            "AssumedPrincipal",
            "string",
            "The ARN of the principal whose credentials were returned.",
        ),
    ],
    examples: &[Example {
        title: "To exchange a trade-in token read from a file",
        command: "sts get-delegated-access-token --trade-in-token file://trade-in-token.txt",
        output: "",
    }],
    credentials: true,
    signed: true,
    run: Run::Op(|sts, v| {
        let op = GetDelegatedAccessToken::new(v.req("--trade-in-token"));
        let o = sts.get_delegated_access_token(&op)?;
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .int("PackedPolicySize", o.packed_policy_size)
            .str("AssumedPrincipal", o.assumed_principal.as_deref())
            .build())
    }),
};

const GET_FEDERATION_TOKEN: Command = Command {
    name: "get-federation-token",
    action: "GetFederationToken",
    summary: "Returns temporary credentials for a federated user.",
    description: "Returns a set of temporary security credentials (an access key id, a secret \
        access key and a security token) for a federated user, called with the long-term \
        credentials of an IAM user (for example from a proxy application that authenticates \
        users itself). The session's permissions are the intersection of the IAM user's \
        policies and the session policies (--policy, --policy-arns): without a session policy, \
        the federated user has no permissions.",
    flags: &[
        flag(
            "--name",
            "Name",
            Kind::Str,
            true,
            "The name of the federated user, used in its ARN (e.g. Bob).",
            "length 2..32; pattern [\\w+=,.@-]*",
        ),
        POLICY_2048,
        POLICY_ARNS,
        flag(
            "--duration-seconds",
            "DurationSeconds",
            Kind::Int,
            false,
            "The duration of the session in seconds. The service default is 43200 (12 hours); \
             root-user sessions are limited to 3600.",
            "range 900..129600",
        ),
        TAGS,
        MIN_TOKEN,
    ],
    output: &[
        CREDENTIALS_OUT,
        Out {
            name: "FederatedUser",
            ty: "structure",
            doc: "The identifiers of the federated user.",
            children: &[
                out(
                    "FederatedUserId",
                    "string",
                    "The federated user id: ACCOUNT:name.",
                ),
                out(
                    "Arn",
                    "string",
                    "arn:aws:sts::ACCOUNT:federated-user/name: use it in policies.",
                ),
            ],
        },
        PACKED_OUT,
        UTILIZATION_OUT,
        SIZE_OUT,
    ],
    examples: &[Example {
        title: "To get federated-user credentials with a managed session policy and a tag",
        command: "sts get-federation-token --name Bob \
                  --policy-arns arn=arn:aws:iam::aws:policy/ReadOnlyAccess \
                  --tags Key=Project,Value=Pegasus --duration-seconds 3600",
        output: "",
    }],
    credentials: true,
    signed: true,
    run: Run::Op(|sts, v| {
        let mut op = GetFederationToken::new(v.req("--name"));
        op.policy = v.str("--policy");
        op.policy_arns = v.policy_arns("--policy-arns");
        op.duration_seconds = v.int("--duration-seconds");
        op.tags = v.tags("--tags");
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        let o = sts.get_federation_token(&op)?;
        let user = o.federated_user.as_ref().map(|u| {
            ObjBuilder::new()
                .str("FederatedUserId", Some(&u.federated_user_id))
                .str("Arn", Some(&u.arn))
                .build()
        });
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .val("FederatedUser", user)
            .int("PackedPolicySize", o.packed_policy_size)
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .build())
    }),
};

const GET_SCOPED_CREDENTIALS: Command = Command {
    name: "get-scoped-credentials",
    action: "GetScopedCredentials",
    summary: "Returns narrower temporary credentials for the calling session.",
    description: "Called with temporary credentials, returns new temporary credentials for the \
        same identity, further limited by a scope-down policy (--policy) and/or a shorter \
        lifetime (--duration-seconds). The new session cannot outlive the calling one.",
    flags: &[
        flag(
            "--policy",
            "Policy",
            Kind::Str,
            false,
            "An IAM policy in JSON format that further limits the new session. Use file://path \
             to read it from a file.",
            "length 1..2048; characters tab, newline, carriage return and U+0020..U+00FF",
        ),
        flag(
            "--duration-seconds",
            "DurationSeconds",
            Kind::Int,
            false,
            "The duration of the new session in seconds; it cannot exceed the remaining lifetime \
             of the calling session.",
            "range 1..129600",
        ),
        MIN_TOKEN,
        flag(
            "--scoped-session-description",
            "ScopedSessionDescription",
            Kind::Str,
            false,
            "A description of the scoped session.",
            "length 2..256; printable Latin-1 characters",
        ),
    ],
    output: &[
        CREDENTIALS_OUT,
        Out {
            name: "SessionInfo",
            ty: "structure",
            doc: "The identifiers of the scoped session.",
            children: &[
                out(
                    "ScopedSessionId",
                    "string",
                    "The scoped session's unique id.",
                ),
                out("Arn", "string", "The scoped session's ARN."),
            ],
        },
        UTILIZATION_OUT,
        SIZE_OUT,
        out(
            "ScopedPoliciesCount",
            "integer",
            "How many scope-down policies now apply to the session.",
        ),
        SOURCE_IDENTITY_OUT,
    ],
    examples: &[Example {
        title: "To get 15-minute credentials limited to reading one bucket",
        command: "sts get-scoped-credentials --duration-seconds 900 --policy file://read-bucket.json \
                  --scoped-session-description \"nightly export\"",
        output: "",
    }],
    credentials: true,
    signed: true,
    run: Run::Op(|sts, v| {
        let mut op = GetScopedCredentials::new();
        op.policy = v.str("--policy");
        op.duration_seconds = v.int("--duration-seconds");
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        op.scoped_session_description = v.str("--scoped-session-description");
        let o = sts.get_scoped_credentials(&op)?;
        let info = o.session_info.as_ref().map(|s| {
            ObjBuilder::new()
                .str("ScopedSessionId", Some(&s.scoped_session_id))
                .str("Arn", Some(&s.arn))
                .build()
        });
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .val("SessionInfo", info)
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .int("ScopedPoliciesCount", o.scoped_policies_count)
            .str("SourceIdentity", o.source_identity.as_deref())
            .build())
    }),
};

const GET_SESSION_TOKEN: Command = Command {
    name: "get-session-token",
    action: "GetSessionToken",
    summary: "Returns temporary credentials for the calling IAM user, typically with MFA.",
    description: "Returns a set of temporary credentials for the IAM user (or root user) whose \
        long-term credentials sign the call. Typically used with --serial-number and \
        --token-code to get credentials that satisfy an MFA condition \
        (aws:MultiFactorAuthPresent) in policies.",
    flags: &[
        flag(
            "--duration-seconds",
            "DurationSeconds",
            Kind::Int,
            false,
            "The duration of the session in seconds. The service default is 43200 (12 hours); \
             root-user sessions are limited to 3600.",
            "range 900..129600",
        ),
        SERIAL_NUMBER,
        TOKEN_CODE,
        MIN_TOKEN,
    ],
    output: &[CREDENTIALS_OUT, UTILIZATION_OUT, SIZE_OUT],
    examples: &[Example {
        title: "To get MFA-authenticated session credentials",
        command: "sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/alice \
                  --token-code 123456 --duration-seconds 3600",
        output: "",
    }],
    credentials: true,
    signed: true,
    run: Run::Op(|sts, v| {
        let mut op = GetSessionToken::new();
        op.duration_seconds = v.int("--duration-seconds");
        op.serial_number = v.str("--serial-number");
        op.token_code = v.str("--token-code").map(SecretString::from);
        op.minimum_session_token_size = v.int("--minimum-session-token-size");
        let o = sts.get_session_token(&op)?;
        Ok(ObjBuilder::new()
            .val("Credentials", o.credentials.as_ref().map(creds))
            .int("SessionTokenUtilization", o.session_token_utilization)
            .int("SessionTokenSize", o.session_token_size)
            .build())
    }),
};

const GET_WEB_IDENTITY_TOKEN: Command = Command {
    name: "get-web-identity-token",
    action: "GetWebIdentityToken",
    summary: "Returns a signed JWT that represents the caller, for services outside AWS.",
    description: "Returns a signed JSON Web Token (JWT) that represents the calling principal, \
        for authenticating to services outside AWS that trust the account's OIDC issuer \
        (outbound web identity federation must be enabled for the account). The token is \
        printed on standard output: protect it.",
    flags: &[
        flag(
            "--audience",
            "Audience",
            Kind::StrList,
            true,
            "The intended recipients of the token (the aud claim): one or more values.",
            "1..10 items; each length 1..1000",
        ),
        flag(
            "--duration-seconds",
            "DurationSeconds",
            Kind::Int,
            false,
            "The token lifetime in seconds. The service default is 300.",
            "range 60..3600",
        ),
        flag(
            "--signing-algorithm",
            "SigningAlgorithm",
            Kind::Str,
            true,
            "The JWT signing algorithm: RS256 or ES384.",
            "length 5; RS256 | ES384",
        ),
        flag(
            "--scope",
            "Scope",
            Kind::Str,
            false,
            "OAuth 2.0 scope values for the scope claim, separated by single spaces.",
            "length 1..256",
        ),
        flag(
            "--subject-mode",
            "SubjectMode",
            Kind::Str,
            false,
            "Which identity goes in the sub claim: AWSIdentity (the caller's ARN, the default) \
             or OriginIdentity (the origin identity of the calling session).",
            "AWSIdentity | OriginIdentity",
        ),
        TAGS,
    ],
    output: &[
        out("WebIdentityToken", "string", "The signed JWT."),
        out("Expiration", "timestamp", "When the token expires."),
    ],
    examples: &[Example {
        title: "To get a token for an external service",
        command: "sts get-web-identity-token --audience https://api.example.com \
                  --signing-algorithm ES384 --duration-seconds 600",
        output: "",
    }],
    credentials: false,
    signed: true,
    run: Run::Op(|sts, v| {
        let mut op = GetWebIdentityToken::new(
            v.list("--audience").unwrap_or_default(),
            v.req("--signing-algorithm"),
        );
        op.duration_seconds = v.int("--duration-seconds");
        op.scope = v.str("--scope");
        op.subject_mode = v.str("--subject-mode");
        op.tags = v.tags("--tags");
        let o = sts.get_web_identity_token(&op)?;
        Ok(ObjBuilder::new()
            .str(
                "WebIdentityToken",
                o.web_identity_token.as_ref().map(|t| t.expose()),
            )
            .time("Expiration", o.expiration)
            .build())
    }),
};

// ---- identity documents (signed locally, printed as JSON) ----------------------------------------

/// The session name of the role `eks-token --role-arn` assumes, as `aws eks get-token`.
pub const EKS_ROLE_SESSION_NAME: &str = "EKSGetTokenAuth";

const EKS_TOKEN: Command = Command {
    name: "eks-token",
    action: "AssumeRole",
    summary: "Prints an EKS bearer token for kubectl (aws eks get-token).",
    description: "Prints an ExecCredential with a bearer token for an Amazon EKS cluster, as \
        `aws eks get-token` does: use it as the exec credential plugin of a kubeconfig user \
        (command: sts, args: [eks-token, --cluster-name, NAME]). The token is k8s-aws-v1. \
        followed by the unpadded base64url of a presigned GetCallerIdentity URL for the regional \
        STS endpoint (https://sts.REGION.amazonaws.com/, whatever --endpoint-url says), with \
        the cluster signed in the x-k8s-aws-id header and X-Amz-Expires=60. It is signed \
        locally: no request is sent to STS unless --role-arn is given. The cluster accepts it \
        for 15 minutes; expirationTimestamp says 14 minutes from now, so kubectl asks for a new \
        one in time.\n\n\
        With --role-arn, the role is first assumed (AssumeRole, session name EKSGetTokenAuth) \
        with the credentials from the environment, and the token is signed with the role's \
        temporary credentials.\n\n\
        The apiVersion is the one kubectl announces in KUBERNETES_EXEC_INFO \
        (client.authentication.k8s.io/v1 or v1beta1), else \
        client.authentication.k8s.io/v1beta1. The output is always one line of JSON: unlike \
        `aws eks get-token`, --output and AWS_DEFAULT_OUTPUT are ignored, because kubectl only \
        reads JSON. The token is a bearer credential until it expires: do not log it.",
    flags: &[
        with_alias(
            flag(
                "--cluster-name",
                "",
                Kind::Str,
                true,
                "The name of the cluster (or, for a local cluster on AWS Outposts, its id). It is \
                 signed in the x-k8s-aws-id header. --cluster-id is another name for this flag.",
                "not empty; no control characters or surrounding spaces",
            ),
            "--cluster-id",
        ),
        flag(
            "--role-arn",
            "",
            Kind::Str,
            false,
            "The ARN of a role to assume first (session name EKSGetTokenAuth): the token then \
             identifies the role session.",
            ARN,
        ),
    ],
    output: &[
        out("kind", "string", "Always ExecCredential."),
        out(
            "apiVersion",
            "string",
            "From KUBERNETES_EXEC_INFO, else client.authentication.k8s.io/v1beta1.",
        ),
        out("spec", "structure", "Always empty."),
        Out {
            name: "status",
            ty: "structure",
            doc: "The credential.",
            children: &[
                out(
                    "expirationTimestamp",
                    "string",
                    "Now + 14 minutes, RFC 3339 in UTC (2024-05-01T12:14:00Z).",
                ),
                out("token", "string", "The bearer token: k8s-aws-v1.BASE64URL."),
            ],
        },
    ],
    examples: &[
        Example {
            title: "To get a token for a cluster (the output is one line, wrapped here)",
            command: "sts eks-token --cluster-name my-cluster --region eu-west-1",
            output: "{\"kind\":\"ExecCredential\",\n \
                     \"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"spec\":{},\n \
                     \"status\":{\"expirationTimestamp\":\"2024-05-01T12:14:00Z\",\n \
                     \"token\":\"k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v...\"}}",
        },
        Example {
            title: "To get a token as a role (it must be mapped in the cluster's access entries)",
            command: "sts eks-token --cluster-name my-cluster \
                      --role-arn arn:aws:iam::123456789012:role/eks-admins",
            output: "",
        },
    ],
    credentials: false,
    signed: true,
    run: Run::Document(|sts, v, builder| {
        let cluster = v.req("--cluster-name");
        let info = std::env::var("KUBERNETES_EXEC_INFO").ok();
        let api_version = presign::exec_api_version(info.as_deref());
        let token = match v.str("--role-arn") {
            Some(arn) => {
                let o = sts.assume_role(&AssumeRole::new(arn, EKS_ROLE_SESSION_NAME))?;
                let role = builder().credentials(o.into_credentials()?).build()?;
                role.eks_token(&cluster)?
            }
            None => sts.eks_token(&cluster)?,
        };
        Ok(token.exec_credential_json(&api_version))
    }),
};

const VAULT_LOGIN_DATA: Command = Command {
    name: "vault-login-data",
    action: "GetCallerIdentity",
    summary: "Prints the login data of Vault's AWS IAM auth method (vault login -method=aws).",
    description: "Prints the JSON body of HashiCorp Vault's AWS IAM login (POST \
        /v1/auth/aws/login), as `vault login -method=aws` builds it: a GetCallerIdentity request \
        (POST, body Action=GetCallerIdentity&Version=2011-06-15) signed with the credentials \
        from the environment, for the Vault server to replay to STS. The request is signed \
        locally and not sent.\n\n\
        The Vault server sends the request to its own sts_endpoint (by default the global \
        https://sts.amazonaws.com/), so sign it for that endpoint's region: --region aws-global \
        (or us-east-1 with AWS_STS_REGIONAL_ENDPOINTS=legacy) for Vault's defaults, or the \
        region of the endpoint Vault is configured with.\n\n\
        The output is always one line of JSON, whatever --output says. It contains a signature \
        that is valid for 15 minutes: send it, do not log it.",
    flags: &[
        flag(
            "--server-id",
            "",
            Kind::Str,
            false,
            "The value of the X-Vault-AWS-IAM-Server-ID header, signed with the request: the \
             iam_server_id_header_value of the Vault auth method, when it is set.",
            "not empty; no control characters or surrounding spaces",
        ),
        flag(
            "--role",
            "",
            Kind::Str,
            false,
            "The Vault role to log in to. Without it, Vault uses the role named after the IAM \
             principal.",
            "none",
        ),
    ],
    output: &[
        out("iam_http_request_method", "string", "Always POST."),
        out(
            "iam_request_body",
            "string",
            "The request body, base64: Action=GetCallerIdentity&Version=2011-06-15.",
        ),
        out(
            "iam_request_headers",
            "string",
            "The signed headers, base64 of a JSON object of header name to list of values \
             (Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token with temporary \
             credentials, X-Vault-Aws-Iam-Server-Id with --server-id).",
        ),
        out(
            "iam_request_url",
            "string",
            "The STS URL, base64 (e.g. https://sts.amazonaws.com/).",
        ),
        out("role", "string", "The --role value, when given."),
    ],
    examples: &[Example {
        title: "To write the login data for a Vault server with the default sts_endpoint, then \
                log in with it: curl --data @login.json \
                https://vault.example.com:8200/v1/auth/aws/login",
        command: "sts vault-login-data --region aws-global --server-id vault.example.com \
                  --role dev-role > login.json",
        output: "",
    }],
    credentials: false,
    signed: true,
    run: Run::Document(|sts, v, _| {
        sts.vault_login_data(v.str("--server-id").as_deref(), v.str("--role").as_deref())
    }),
};
