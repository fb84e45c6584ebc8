//! Commands about the credentials in effect rather than an STS operation: `whoami` and
//! `export-credentials` (the AWS CLI's `aws configure export-credentials`).

use crate::output::{self, ObjBuilder};
use crate::spec::{Command, Example, Kind, Run, Values, flag, out, with_choices};
use sts_blocking::json::{Escape, write_string};
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

/// The formats of `export-credentials`: v2's, in its order, then this tool's `json`.
const FORMATS: &[&str] = &[
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "fish",
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
        another tool use these credentials. The output contains secrets: protect it.\n\n\
        With --scope-policy, --scope-duration or --scope-description, the credentials printed \
        are scoped down with GetScopedCredentials (as sts exec scopes them): allowed only what \
        both the session and the policy allow, never wider, with the same identity; long-term \
        keys get a GetSessionToken session first, and the call goes to the regional endpoint. \
        A profile whose long-term keys sts keys keeps gets a GetSessionToken session of them \
        (with the profile's mfa_serial), cached in ~/.aws/cli/cache, never the keys themselves \
        unless --no-session is given.",
    flags: &[
        with_choices(
            flag(
                "--format",
                "",
                Kind::Str,
                false,
                "The output format: process (default; the credential_process JSON), env (export \
             AWS_...= lines), env-no-export (AWS_...= lines), powershell ($Env:AWS_...='...'), \
             windows-cmd (set AWS_...=; refused for values cmd.exe would interpret), fish \
             (set -gx AWS_... \"...\") or json (the credential_process JSON without Version).",
                "one of process, env, env-no-export, powershell, windows-cmd, fish, json",
            ),
            FORMATS,
        ),
        crate::scope::POLICY,
        crate::scope::DURATION,
        crate::scope::DESCRIPTION,
        flag(
            "--no-session",
            "",
            Kind::Switch,
            false,
            "Print the long-term keys of a profile kept by sts keys as they are, instead of a \
             GetSessionToken session of them.",
            "",
        ),
    ],
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
    let scope =
        crate::scope::from_flags(v, &format!("sts export-credentials: {}", settings.profile))?;
    let mfa = Some(crate::session::mfa_prompt());
    let chain = settings.credentials_provider(mfa);
    let mut c = chain.provide_credentials()?;
    // Stored long-term keys leave sts as a session, unless asked otherwise.
    if c.session_token.is_none()
        && !v.switch("--no-session")
        && crate::keys::from_store(settings, &chain.source_name())
    {
        let sts = crate::session::client(&crate::spec::Globals::default(), settings)?;
        c = crate::keys::session::session(
            &sts,
            &c,
            crate::keys::mfa_serial(settings).as_deref(),
            None,
            crate::keys::session_cache(settings).as_deref(),
            &crate::session::prompt_mfa_code,
        )?;
    }
    if let Some(scope) = scope {
        let sts = crate::scope::regional_client(None, settings)?;
        // Scoped down from the credentials just resolved (a session of stored keys included).
        let resolved: std::sync::Arc<dyn ProvideCredentials> = std::sync::Arc::new(c);
        c = crate::scope::scoped(resolved, &scope, sts)?.provide_credentials()?;
    }
    render(&c, &format)
}

/// The characters PowerShell takes as a single quote (U+0027 and the curly ones): inside a
/// single-quoted string each must be doubled.
const PS_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'];

/// A PowerShell single-quoted string: nothing inside is expanded (`$(...)`, backticks, double
/// quotes of any kind are literal), and every single-quote character is doubled.
pub(crate) fn powershell_quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        if PS_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Whether `v` can follow `set NAME=` in cmd.exe unchanged. cmd.exe has no quoting that is safe
/// for every character (`%` and `!` expand even inside quotes, `"` and line breaks end the
/// command), so only the characters of real credentials are accepted: letters, digits and
/// `+ / = : . _ -`. Anything else is refused rather than escaped.
fn cmd_safe(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | ':' | '.' | '_' | '-'))
}

/// A fish double-quoted string: `\`, `"` and `$` escaped (v2 writes the value as is; real
/// credentials have none of them).
pub(crate) fn fish_quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A JSON string as Python's `json.dumps` writes it by default (`ensure_ascii`): control and
/// non-ASCII characters (and DEL) as `\uXXXX`.
fn ascii_json_string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    write_string(&mut out, v, Escape::Ascii);
    out
}

/// Renders credentials in one of [`FORMATS`].
///
/// `env` and `env-no-export` quote for POSIX shells, `powershell` uses single-quoted strings;
/// `windows-cmd` refuses values it cannot write safely.
pub(crate) fn render(c: &Credentials, format: &str) -> Result<String, Error> {
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
    Ok(match format {
        "env" => lines(&|k, v| format!("export {k}={}", output::shell_quote(v))),
        "env-no-export" => lines(&|k, v| format!("{k}={}", output::shell_quote(v))),
        "powershell" => lines(&|k, v| format!("$Env:{k}={}", powershell_quote(v))),
        "fish" => lines(&|k, v| format!("set -gx {k} {}", fish_quote(v))),
        "windows-cmd" => {
            if let Some((k, _)) = vars
                .iter()
                .find(|(_, v)| v.as_deref().is_some_and(|v| !cmd_safe(v)))
            {
                return Err(Error::invalid_input(
                    "--format",
                    format!(
                        "windows-cmd cannot hold the value of {k} safely (it has characters \
                         cmd.exe would interpret); use --format powershell, env or process"
                    ),
                ));
            }
            lines(&|k, v| format!("set {k}={v}"))
        }
        _ => {
            // v2's `json.dumps(output, indent=2)`.
            let mut members = Vec::new();
            if format == "process" {
                members.push(("Version", "1".to_owned()));
            }
            for (name, value) in [
                ("AccessKeyId", Some(c.access_key_id.as_str())),
                ("SecretAccessKey", Some(c.secret_access_key.expose())),
                ("SessionToken", c.session_token.as_ref().map(|t| t.expose())),
                ("Expiration", expiration.as_deref()),
            ] {
                if let Some(v) = value {
                    members.push((name, ascii_json_string(v)));
                }
            }
            let body: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("  \"{k}\": {v}"))
                .collect();
            format!("{{\n{}\n}}", body.join(",\n"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sts_blocking::SecretString;

    /// Values a hostile credential source could return.
    const HOSTILE: [&str; 9] = [
        "$(touch /tmp/sts-pwned)",
        "`touch /tmp/sts-pwned`",
        "a\u{201d}; touch /tmp/sts-pwned; \u{201c}",
        "it's",
        "\u{2018}\u{2019}\u{201a}\u{201b}",
        "%PATH%",
        "a & b | c < d > e ^ f",
        "line1\nline2\r\n",
        "!x! \" $Env:X",
    ];

    fn hostile(v: &str) -> Credentials {
        Credentials::new("ASIAX", v, Some(SecretString::new(v)))
    }

    /// Reads back what `sh` makes of the `env` lines: the exact values, and nothing runs.
    #[cfg(unix)]
    #[test]
    fn env_formats_round_trip_through_sh() {
        for v in HOSTILE {
            for format in ["env", "env-no-export"] {
                let script = format!(
                    "{}\nprintf '%s' \"$AWS_SECRET_ACCESS_KEY\"",
                    render(&hostile(v), format).unwrap()
                );
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(&script)
                    .output()
                    .unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    v,
                    "{format}: {script}"
                );
            }
        }
    }

    /// PowerShell: single quotes (no expansion), every single-quote character PowerShell accepts
    /// (', and the curly ones) doubled, so the value cannot end the string.
    #[test]
    fn powershell_uses_single_quotes_with_quotes_doubled() {
        for v in HOSTILE {
            let out = render(&hostile(v), "powershell").unwrap();
            let line = out
                .split("\n$Env:")
                .find(|l| l.starts_with("AWS_SECRET_ACCESS_KEY="))
                .unwrap();
            let quoted = line.strip_prefix("AWS_SECRET_ACCESS_KEY=").unwrap();
            // Undo the quoting as PowerShell reads it: the string ends at the first single quote
            // character that is not doubled.
            let inner = quoted.strip_prefix('\'').unwrap();
            let mut read = String::new();
            let mut chars = inner.chars().peekable();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if PS_QUOTES.contains(&c) {
                    if chars.peek().is_some_and(|n| PS_QUOTES.contains(n)) {
                        chars.next();
                        read.push(c);
                        continue;
                    }
                    closed = true;
                    assert!(chars.next().is_none(), "text after the string: {line:?}");
                    break;
                }
                read.push(c);
            }
            assert!(closed, "{line:?}");
            assert_eq!(read, v);
        }
        assert_eq!(
            render(&hostile("it's"), "powershell").unwrap(),
            "$Env:AWS_ACCESS_KEY_ID='ASIAX'\n$Env:AWS_SECRET_ACCESS_KEY='it''s'\n\
             $Env:AWS_SESSION_TOKEN='it''s'"
        );
    }

    /// cmd.exe cannot quote `%`, `!`, `"` or a line break safely: such values are refused, without
    /// showing them; ordinary credentials pass unchanged.
    #[test]
    fn windows_cmd_refuses_metacharacters() {
        for v in HOSTILE {
            let e = render(&hostile(v), "windows-cmd").unwrap_err().to_string();
            assert!(e.contains("windows-cmd"), "{e}");
            assert!(!e.contains(v), "{e}");
        }
        let ok = Credentials::new(
            "ASIAX",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+=",
            Some(SecretString::new("IQoJb3JpZ2luX2VjEPT//////////wEa==")),
        );
        assert_eq!(
            render(&ok, "windows-cmd").unwrap(),
            "set AWS_ACCESS_KEY_ID=ASIAX\nset AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+=\n\
             set AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEPT//////////wEa=="
        );
    }

    #[test]
    fn renders_every_format() {
        let c = Credentials::new("ASIAX", "se cret", Some(SecretString::new("tok")))
            .with_expiration(time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            render(&c, "env").unwrap(),
            "export AWS_ACCESS_KEY_ID=ASIAX\nexport AWS_SECRET_ACCESS_KEY='se cret'\n\
             export AWS_SESSION_TOKEN=tok\nexport AWS_CREDENTIAL_EXPIRATION=1970-01-01T00:00:00+00:00"
        );
        assert!(
            render(&c, "env-no-export")
                .unwrap()
                .starts_with("AWS_ACCESS_KEY_ID=ASIAX\n")
        );
        assert!(
            render(&c, "powershell")
                .unwrap()
                .starts_with("$Env:AWS_ACCESS_KEY_ID='ASIAX'\n")
        );
        assert!(render(&c, "windows-cmd").is_err());
        let p = render(&c, "process").unwrap();
        assert!(
            p.starts_with("{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAX\""),
            "{p}"
        );
        assert!(!render(&c, "json").unwrap().contains("Version"));
        assert_eq!(
            render(&c, "fish").unwrap(),
            "set -gx AWS_ACCESS_KEY_ID \"ASIAX\"\nset -gx AWS_SECRET_ACCESS_KEY \"se cret\"\n\
             set -gx AWS_SESSION_TOKEN \"tok\"\n\
             set -gx AWS_CREDENTIAL_EXPIRATION \"1970-01-01T00:00:00+00:00\""
        );
        let odd = Credentials::new("A\"$\\é", "s", None);
        assert_eq!(
            render(&odd, "fish").unwrap(),
            "set -gx AWS_ACCESS_KEY_ID \"A\\\"\\$\\\\é\"\nset -gx AWS_SECRET_ACCESS_KEY \"s\""
        );
        assert!(
            render(&odd, "process")
                .unwrap()
                .contains("\"AccessKeyId\": \"A\\\"$\\\\\\u00e9\""),
            "{}",
            render(&odd, "process").unwrap()
        );
        let long = Credentials::new("AKIA", "s", None);
        assert_eq!(
            render(&long, "env-no-export").unwrap(),
            "AWS_ACCESS_KEY_ID=AKIA\nAWS_SECRET_ACCESS_KEY=s"
        );
    }
}
