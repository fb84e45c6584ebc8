//! The twelve STS operations of the AWS CLI's `aws sts`: one spec each (flags in model member
//! order, help, output members, examples) and how it builds, sends and prints its operation.

use crate::output::{ObjBuilder, Value};
use crate::spec::{Command, Example, Flag, Kind, Out, Run, Shape, flag, out};
use sts_blocking::ops::*;
use sts_blocking::{Credentials, SecretString};

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

// ---- shared flags --------------------------------------------------------------------------------

pub(super) const ARN: &str = "length 20..2048; printable Unicode characters";
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

pub(super) const ASSUME_ROLE: Command = Command {
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

pub(super) const ASSUME_ROLE_WITH_SAML: Command = Command {
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

pub(super) const ASSUME_ROLE_WITH_WEB_IDENTITY: Command = Command {
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

pub(super) const ASSUME_ROOT: Command = Command {
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

pub(super) const DECODE_AUTHORIZATION_MESSAGE: Command = Command {
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

pub(super) const GET_ACCESS_KEY_INFO: Command = Command {
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

pub(super) const GET_CALLER_IDENTITY: Command = Command {
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

pub(super) const GET_DELEGATED_ACCESS_TOKEN: Command = Command {
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

pub(super) const GET_FEDERATION_TOKEN: Command = Command {
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

pub(super) const GET_SCOPED_CREDENTIALS: Command = Command {
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

pub(super) const GET_SESSION_TOKEN: Command = Command {
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

pub(super) const GET_WEB_IDENTITY_TOKEN: Command = Command {
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
