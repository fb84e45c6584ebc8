//! Reading a `credential_process` command line that runs `aws_signing_helper credential-process`
//! (or `sts rolesanywhere credential-process`), so that the default chain can do what it would do
//! without running it. Pure: the words in, a plan out.
//!
//! Flags are read as the helper's (cobra/pflag) reads them: `--flag value`, `--flag=value`, and
//! booleans as `--flag` or `--flag=true|false`. A flag, a value or a word the native path does
//! not support makes the line [`Parsed::Unsupported`]: the chain then runs the process as it
//! always did.

use std::path::PathBuf;

/// What the native path does for a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Not a Roles Anywhere helper line: run it.
    NotHelper,
    /// The helper, with something the native path does not do (the reason): run it.
    Unsupported(String),
    /// The helper, with flags the native path serves.
    Native(Box<HelperConfig>),
}

/// The flags of a helper line the native path serves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct HelperConfig {
    pub certificate: Option<PathBuf>,
    pub private_key: Option<PathBuf>,
    pub intermediates: Option<PathBuf>,
    pub trust_anchor_arn: Option<String>,
    pub profile_arn: Option<String>,
    pub role_arn: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub session_duration: Option<i32>,
    pub role_session_name: Option<String>,
    pub no_verify_ssl: bool,
    pub with_proxy: bool,
}

/// The helper's flags the native path does not support (they select certificate stores,
/// PKCS#11 or TPM keys, or decrypt keys).
const UNSUPPORTED_FLAGS: &[&str] = &[
    "cert-selector",
    "system-store-name",
    "use-latest-expiring-certificate",
    "pkcs11-lib",
    "reuse-pin",
    "tpm-key-password",
    "no-tpm-key-password",
    "pkcs8-password",
];

fn basename(program: &str) -> &str {
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    name.strip_suffix(".exe").unwrap_or(name)
}

/// Reads the words of a `credential_process` line (already split as the AWS CLI splits it).
pub(crate) fn parse(words: &[String]) -> Parsed {
    let Some((program, rest)) = words.split_first() else {
        return Parsed::NotHelper;
    };
    let args = match (basename(program), rest) {
        ("aws_signing_helper", [cmd, args @ ..]) if cmd == "credential-process" => args,
        ("sts", [group, cmd, args @ ..])
            if group == "rolesanywhere" && cmd == "credential-process" =>
        {
            args
        }
        _ => return Parsed::NotHelper,
    };
    match parse_flags(args) {
        Ok(c) => Parsed::Native(Box::new(c)),
        Err(why) => Parsed::Unsupported(why),
    }
}

fn boolean(name: &str, inline: Option<&str>) -> Result<bool, String> {
    match inline {
        None => Ok(true),
        Some(v) => match v {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            _ => Err(format!("--{name}={v} is not a boolean")),
        },
    }
}

fn parse_flags(args: &[String]) -> Result<HelperConfig, String> {
    let mut c = HelperConfig::default();
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        i += 1;
        let Some(flag) = word.strip_prefix("--") else {
            return Err(format!("the argument {word:?} is not a flag"));
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (flag, None),
        };
        if UNSUPPORTED_FLAGS.contains(&name) {
            return Err(format!("--{name}"));
        }
        match name {
            "no-verify-ssl" => {
                c.no_verify_ssl = boolean(name, inline)?;
                continue;
            }
            "with-proxy" => {
                c.with_proxy = boolean(name, inline)?;
                continue;
            }
            "debug" => {
                boolean(name, inline)?;
                continue;
            }
            _ => {}
        }
        let value = match inline {
            Some(v) => v.to_owned(),
            None if i < args.len() => {
                i += 1;
                args[i - 1].clone()
            }
            None => return Err(format!("--{name} has no value")),
        };
        let path = |v: &str| -> Result<Option<PathBuf>, String> {
            if v.starts_with("pkcs11:") || v.starts_with("handle:") {
                Err(format!("--{name} {} (PKCS#11 and TPM keys)", &v[..6]))
            } else {
                Ok(Some(PathBuf::from(v)))
            }
        };
        match name {
            "certificate" => c.certificate = path(&value)?,
            "private-key" => c.private_key = path(&value)?,
            "intermediates" => c.intermediates = path(&value)?,
            "trust-anchor-arn" => c.trust_anchor_arn = Some(value),
            "profile-arn" => c.profile_arn = Some(value),
            "role-arn" => c.role_arn = Some(value),
            "region" => c.region = Some(value),
            "endpoint" => c.endpoint = Some(value),
            "role-session-name" => c.role_session_name = Some(value),
            "session-duration" => {
                c.session_duration = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--session-duration {value:?} is not an integer"))?,
                );
            }
            other => return Err(format!("--{other} (not a flag of credential-process)")),
        }
    }
    // Without --certificate the helper searches the OS certificate stores; without
    // --private-key it reads the certificate as a PKCS#12 file.
    if c.certificate.is_none() {
        return Err("no --certificate (the OS certificate stores)".into());
    }
    if c.private_key.is_none() {
        return Err("no --private-key (a PKCS#12 file)".into());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn reads_the_helper_flags() {
        let Parsed::Native(c) = parse(&words(
            "/usr/local/bin/aws_signing_helper credential-process --certificate /c.pem \
             --private-key=/k.pem --intermediates /i.pem --trust-anchor-arn ta --profile-arn p \
             --role-arn r --region eu-west-1 --endpoint http://127.0.0.1:1 --session-duration 900 \
             --role-session-name n --no-verify-ssl --with-proxy=false --debug",
        )) else {
            panic!()
        };
        assert_eq!(c.certificate, Some("/c.pem".into()));
        assert_eq!(c.private_key, Some("/k.pem".into()));
        assert_eq!(c.intermediates, Some("/i.pem".into()));
        assert_eq!(
            (
                c.trust_anchor_arn.as_deref(),
                c.profile_arn.as_deref(),
                c.role_arn.as_deref()
            ),
            (Some("ta"), Some("p"), Some("r"))
        );
        assert_eq!(c.session_duration, Some(900));
        assert!(c.no_verify_ssl && !c.with_proxy);
        assert!(matches!(
            parse(&words(
                "sts rolesanywhere credential-process --certificate c --private-key k"
            )),
            Parsed::Native(_)
        ));
        assert!(matches!(
            parse(&words(
                "aws_signing_helper.exe credential-process --certificate c --private-key k"
            )),
            Parsed::Native(_)
        ));
    }

    #[test]
    fn anything_else_is_run() {
        for line in [
            "",
            "aws_signing_helper",
            "aws_signing_helper serve --certificate c --private-key k",
            "aws_signing_helper_wrapper credential-process --certificate c --private-key k",
            "sts export-credentials --format process",
            "/bin/echo aws_signing_helper credential-process",
        ] {
            assert_eq!(parse(&words(line)), Parsed::NotHelper, "{line}");
        }
        for line in [
            "aws_signing_helper credential-process --certificate c --private-key k --pkcs8-password x",
            "aws_signing_helper credential-process --cert-selector Key=x509Subject,Value=CN=a",
            "aws_signing_helper credential-process --certificate c --private-key pkcs11:token=x",
            "aws_signing_helper credential-process --certificate c --private-key handle:0x81000001",
            "aws_signing_helper credential-process --certificate c",
            "aws_signing_helper credential-process --private-key k",
            "aws_signing_helper credential-process --certificate c --private-key k --unknown",
            "aws_signing_helper credential-process --certificate c --private-key k extra",
            "aws_signing_helper credential-process --certificate c --private-key k --session-duration x",
            "aws_signing_helper credential-process --certificate c --private-key k --debug=maybe",
            "aws_signing_helper credential-process --certificate c --private-key",
        ] {
            assert!(
                matches!(parse(&words(line)), Parsed::Unsupported(_)),
                "{line}"
            );
        }
    }
}
