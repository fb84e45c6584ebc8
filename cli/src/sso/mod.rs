//! `sts sso login`, `sts sso logout` and `sts sso populate`: IAM Identity Center end to end, with
//! the AWS CLI v2's caches (`~/.aws/sso/cache`, `~/.aws/cli/cache`) shared both ways, and the
//! offer to log in that the credential chain makes when an SSO token is missing or expired
//! ([`auto_login`]). The protocol is the library's (`SsoOidcClient`, `SsoPortal`, `SsoCache`,
//! ...); the listener, the browser, the prompts and the config file are here.

mod flow;
mod login;
mod logout;
mod populate;

pub(crate) use flow::auto_login;
pub(crate) use login::SSO_LOGIN;
pub(crate) use logout::SSO_LOGOUT;
pub(crate) use populate::SSO_POPULATE;

use sts_blocking::Error;
use sts_blocking::credentials::ProfileSet;

/// What to log in to: an `[sso-session]`, or a legacy profile's inline keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoConfig {
    /// The `[sso-session]` name (`None`: a legacy profile, device code only).
    pub session_name: Option<String>,
    /// `sso_start_url`, as configured.
    pub start_url: String,
    /// `sso_region`, when configured.
    pub region: Option<String>,
    /// `sso_registration_scopes`, split on commas, when configured.
    pub scopes: Option<Vec<String>>,
    /// The config section holding the settings (`sso-session NAME`, `profile P`, `default`).
    pub section: String,
}

/// `sso_registration_scopes` as the AWS CLI splits it (commas, blanks dropped).
fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `text` (from a config file or a server) for a message: control characters escaped, so that
/// nothing reaches the terminal as a command.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints a configuration error (no session, missing keys) as the AWS CLI does and returns its
/// exit status (253).
pub(crate) fn config_failure(e: &Error) -> i32 {
    match e {
        Error::Config { message, .. } => crate::errors::configuration(message),
        other => crate::errors::configuration(&other.to_string()),
    }
}

fn config_error(message: impl Into<String>) -> Error {
    Error::config(message)
}

/// The `[sso-session NAME]` of `set`.
pub(crate) fn session_config(set: &ProfileSet, name: &str) -> Result<SsoConfig, Error> {
    let Some(s) = set.sso_session(name) else {
        return Err(config_error(format!(
            "The specified sso-session does not exist: \"{name}\""
        )));
    };
    let get = |k: &str| s.get_nonempty(k).map(|v| v.trim().to_owned());
    let Some(start_url) = get("sso_start_url") else {
        return Err(config_error(
            "Missing the following required SSO configuration values: sso_start_url. ",
        ));
    };
    Ok(SsoConfig {
        session_name: Some(name.to_owned()),
        start_url,
        region: get("sso_region"),
        scopes: s.get("sso_registration_scopes").map(parse_scopes),
        section: format!("sso-session {name}"),
    })
}

/// What `--sso-session` or the selected profile (`profile`, named for messages) configures, as
/// the AWS CLI's `_get_sso_config` reads it.
pub(crate) fn sso_config(
    set: &ProfileSet,
    profile: &str,
    session: Option<&str>,
) -> Result<SsoConfig, Error> {
    if let Some(name) = session {
        return session_config(set, name);
    }
    let selected = set.selected();
    let get = |k: &str| {
        selected
            .and_then(|p| p.get_nonempty(k))
            .map(|v| v.trim().to_owned())
    };
    if let Some(name) = get("sso_session") {
        return session_config(set, &name);
    }
    let (start_url, region) = (get("sso_start_url"), get("sso_region"));
    let missing: Vec<&str> = [("sso_start_url", &start_url), ("sso_region", &region)]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        return Err(config_error(format!(
            "Missing the following required SSO configuration values: {}. To make sure this \
             profile is properly configured to use SSO, please run: aws configure sso (profile \
             '{profile}')",
            missing.join(", ")
        )));
    }
    Ok(SsoConfig {
        session_name: None,
        start_url: start_url.unwrap_or_default(),
        region,
        scopes: None,
        section: if profile == "default" {
            "default".to_owned()
        } else {
            format!("profile {profile}")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sts_blocking::credentials::Section;

    fn set(profile: &str, sections: Vec<Section>, sessions: Vec<Section>) -> ProfileSet {
        ProfileSet::from_sections(sections, sessions, profile)
    }

    #[test]
    fn configs_as_the_aws_cli_reads_them() {
        let s = set(
            "dev",
            vec![
                Section::new("dev", [("sso_session", "corp")]),
                Section::new(
                    "legacy",
                    [("sso_start_url", "https://l"), ("sso_region", "eu-west-1")],
                ),
                Section::new("half", [("sso_start_url", "https://l")]),
            ],
            vec![Section::new(
                "corp",
                [
                    ("sso_start_url", "https://d-1.awsapps.com/start"),
                    ("sso_region", "us-east-2"),
                    ("sso_registration_scopes", " sso:account:access, ,x "),
                ],
            )],
        );
        let c = sso_config(&s, "dev", None).unwrap();
        assert_eq!(c.session_name.as_deref(), Some("corp"));
        assert_eq!(
            c.scopes,
            Some(vec!["sso:account:access".to_owned(), "x".to_owned()])
        );
        assert_eq!(c.section, "sso-session corp");
        assert_eq!(sso_config(&s, "dev", Some("corp")).unwrap(), c);
        let e = sso_config(&s, "dev", Some("nope")).unwrap_err().to_string();
        assert!(e.contains("does not exist: \"nope\""), "{e}");
        let legacy = set("legacy", s.profiles().values().cloned().collect(), vec![]);
        let c = sso_config(&legacy, "legacy", None).unwrap();
        assert_eq!(
            (c.session_name, c.section.as_str()),
            (None, "profile legacy")
        );
        let half = set("half", s.profiles().values().cloned().collect(), vec![]);
        let e = sso_config(&half, "half", None).unwrap_err().to_string();
        assert!(e.contains("values: sso_region."), "{e}");
    }
}
