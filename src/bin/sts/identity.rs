//! Commands about the credentials in effect rather than an STS operation: `whoami` and
//! `export-credentials` (the AWS CLI's `aws configure export-credentials`).

use crate::args::Values;
use crate::commands::{Command, Example, Kind, Run, flag, out};
use crate::output::{self, ObjBuilder, Value};
use sts_blocking::credentials::mfa::mfa_provider;
use sts_blocking::settings::Settings;
use sts_blocking::{Credentials, Error, ProvideCredentials};

/// `sts whoami`: the caller identity plus where the credentials came from.
pub(crate) const WHOAMI: Command = Command {
    name: "whoami",
    action: "GetCallerIdentity",
    summary: "Shows the caller identity and where its credentials came from.",
    description: "Calls GetCallerIdentity with the credentials the default chain finds (or the \
        --profile given) and prints the identity together with the source of the credentials: \
        environment, profile:NAME (with the role it assumed, credential_process or sso), \
        web-identity, container or imds.",
    flags: &[],
    output: &[
        out(
            "UserId",
            "string",
            "The unique identifier of the calling entity.",
        ),
        out("Account", "string", "The account id."),
        out("Arn", "string", "The ARN of the calling entity."),
        out(
            "CredentialSource",
            "string",
            "Where the credentials came from (environment, profile:dev (assume-role ...), imds, ...).",
        ),
        out(
            "CredentialAccountId",
            "string",
            "The account id the credentials carry, when their source gives one (AWS_ACCOUNT_ID, \
             aws_account_id, credential_process, aws login, SSO, container, the assumed role).",
        ),
    ],
    examples: &[Example {
        title: "To see which identity and which credentials are in effect",
        command: "sts whoami --profile dev",
        output: "{\n    \"UserId\": \"AROASAMPLEROLEID:sts-blocking-1700000000000\",\n    \
                 \"Account\": \"123456789012\",\n    \
                 \"Arn\": \"arn:aws:sts::123456789012:assumed-role/dev/sts-blocking-1700000000000\",\n    \
                 \"CredentialSource\": \"profile:dev (assume-role arn:aws:iam::123456789012:role/dev)\",\n    \
                 \"CredentialAccountId\": \"123456789012\"\n}",
    }],
    credentials: false,
    signed: true,
    run: Run::Op(|sts, _| {
        let o = sts.get_caller_identity()?;
        let source = sts.credentials_provider().map(|p| p.source_name());
        // The provider is cached: this is the credentials the call was signed with.
        let account = sts.resolve_credentials().ok().and_then(|c| c.account_id);
        Ok(ObjBuilder::new()
            .str("UserId", o.user_id.as_deref())
            .str("Account", o.account.as_deref())
            .str("Arn", o.arn.as_deref())
            .str("CredentialSource", source.as_deref())
            .str("CredentialAccountId", account.as_deref())
            .build())
    }),
};

/// The formats of `export-credentials`.
const FORMATS: [&str; 6] = [
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "json",
];

/// `sts export-credentials`: the resolved credentials in a format another tool can read.
pub(crate) const EXPORT_CREDENTIALS: Command = Command {
    name: "export-credentials",
    action: "",
    summary: "Prints the resolved credentials for another tool (aws configure export-credentials).",
    description: "Resolves credentials exactly as every other command does (environment, \
        --profile with role chains, MFA, credential_process, SSO, web identity, container, IMDS) \
        and prints them, as `aws configure export-credentials` does. No STS call is made unless \
        resolving the credentials needs one (assuming a role).\n\n\
        --format process prints the JSON of the credential_process protocol (Version 1), so \
        `credential_process = sts export-credentials --profile base --format process` lets \
        another tool use these credentials. The output contains secrets: protect it.",
    flags: &[flag(
        "--format",
        "",
        Kind::Str,
        false,
        "The output format: process (default; the credential_process JSON), env (export \
         AWS_...= lines), env-no-export (AWS_...= lines), powershell ($Env:AWS_...=), \
         windows-cmd (set AWS_...=) or json (the credential_process JSON without Version).",
        "one of process, env, env-no-export, powershell, windows-cmd, json",
    )],
    output: &[
        out("Version", "integer", "Always 1 (process format only)."),
        out("AccessKeyId", "string", "The access key id."),
        out("SecretAccessKey", "string", "The secret access key."),
        out(
            "SessionToken",
            "string",
            "The session token, for temporary credentials.",
        ),
        out(
            "Expiration",
            "string",
            "When temporary credentials expire (RFC 3339).",
        ),
    ],
    examples: &[Example {
        title: "To put a profile's credentials into the shell",
        command: "eval \"$(sts export-credentials --profile dev --format env)\"",
        output: "",
    }],
    credentials: false,
    signed: false,
    run: Run::Local(export),
};

fn export(settings: &Settings, v: &Values) -> Result<String, Error> {
    let format = v.str("--format").unwrap_or_else(|| "process".into());
    if !FORMATS.contains(&format.as_str()) {
        return Err(Error::invalid_input(
            "--format",
            format!("must be one of {}, got {format:?}", FORMATS.join(", ")),
        ));
    }
    let mfa = Some(mfa_provider(crate::prompt_mfa_code));
    let c = settings.credentials_provider(mfa).provide_credentials()?;
    Ok(render(&c, &format))
}

/// Renders credentials in one of [`FORMATS`].
fn render(c: &Credentials, format: &str) -> String {
    let expiration = c.expiration.map(output::timestamp);
    let vars = [
        ("AWS_ACCESS_KEY_ID", Some(c.access_key_id.clone())),
        (
            "AWS_SECRET_ACCESS_KEY",
            Some(c.secret_access_key.expose().to_owned()),
        ),
        (
            "AWS_SESSION_TOKEN",
            c.session_token.as_ref().map(|t| t.expose().to_owned()),
        ),
        ("AWS_CREDENTIAL_EXPIRATION", expiration.clone()),
    ];
    let lines = |f: &dyn Fn(&str, &str) -> String| {
        vars.iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| f(k, v)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match format {
        "env" => lines(&|k, v| format!("export {k}={}", output::shell_quote(v))),
        "env-no-export" => lines(&|k, v| format!("{k}={}", output::shell_quote(v))),
        "powershell" => {
            lines(&|k, v| format!("$Env:{k}=\"{}\"", v.replace('`', "``").replace('"', "`\"")))
        }
        "windows-cmd" => lines(&|k, v| format!("set {k}={v}")),
        _ => {
            let mut b = ObjBuilder::new();
            if format == "process" {
                b = b.int("Version", Some(1));
            }
            let value: Value = b
                .str("AccessKeyId", Some(&c.access_key_id))
                .str("SecretAccessKey", Some(c.secret_access_key.expose()))
                .str("SessionToken", c.session_token.as_ref().map(|t| t.expose()))
                .str("Expiration", expiration.as_deref())
                .build();
            output::json(&value).trim_end().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sts_blocking::SecretString;

    #[test]
    fn renders_every_format() {
        let c = Credentials::new("ASIAX", "se cret", Some(SecretString::new("tok")))
            .with_expiration(time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            render(&c, "env"),
            "export AWS_ACCESS_KEY_ID=ASIAX\nexport AWS_SECRET_ACCESS_KEY='se cret'\n\
             export AWS_SESSION_TOKEN=tok\nexport AWS_CREDENTIAL_EXPIRATION=1970-01-01T00:00:00+00:00"
        );
        assert!(render(&c, "env-no-export").starts_with("AWS_ACCESS_KEY_ID=ASIAX\n"));
        assert!(render(&c, "powershell").starts_with("$Env:AWS_ACCESS_KEY_ID=\"ASIAX\"\n"));
        assert!(render(&c, "windows-cmd").contains("set AWS_SECRET_ACCESS_KEY=se cret"));
        let p = render(&c, "process");
        assert!(
            p.starts_with("{\n    \"Version\": 1,\n    \"AccessKeyId\": \"ASIAX\""),
            "{p}"
        );
        assert!(!render(&c, "json").contains("Version"));
        let long = Credentials::new("AKIA", "s", None);
        assert_eq!(
            render(&long, "env-no-export"),
            "AWS_ACCESS_KEY_ID=AKIA\nAWS_SECRET_ACCESS_KEY=s"
        );
    }
}
