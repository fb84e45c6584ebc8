//! `--scope-policy`, `--scope-duration` and `--scope-description` of `sts exec` and `sts
//! export-credentials`: the credentials handed over are narrowed with GetScopedCredentials
//! (the library's [`ScopedProvider`]), called on a regional endpoint whatever the settings say.

use crate::spec::{Flag, Globals, Kind, Values, flag};
use std::sync::{Arc, OnceLock};
use sts_blocking::credentials::ScopedProvider;
use sts_blocking::settings::Settings;
use sts_blocking::{Error, ProvideCredentials, Sts};

/// What help says of every scope flag.
macro_rules! scope_meaning {
    () => {
        " The credentials are then those of GetScopedCredentials: the intersection of what the \
         session may do and what the policy allows (and any earlier scope-down), never wider, \
         with the same identity (the same session ARN, session name and tags). Long-term keys \
         get a GetSessionToken session first (GetScopedCredentials refuses them); the call goes \
         to the regional STS endpoint of the configured region (us-east-1 without one), even \
         with sts_regional_endpoints = legacy."
    };
}

/// `--scope-policy`.
pub(crate) const POLICY: Flag = flag(
    "--scope-policy",
    "",
    Kind::Str,
    false,
    concat!(
        "Hand over credentials limited by this IAM policy: a JSON document, or the path of a \
         file holding one (file://path too).",
        scope_meaning!()
    ),
    "a JSON policy of 1 to 2048 characters",
);

/// `--scope-duration`.
pub(crate) const DURATION: Flag = flag(
    "--scope-duration",
    "",
    Kind::Int,
    false,
    "How long the scoped credentials last, in seconds (default: as long as the session they \
     are scoped from). Implies scoping, with no policy unless --scope-policy is given.",
    "1 to 129600",
);

/// `--scope-description`.
pub(crate) const DESCRIPTION: Flag = flag(
    "--scope-description",
    "",
    Kind::Str,
    false,
    "What CloudTrail shows of the scoped session (default: the command, e.g. \"sts exec: \
     terraform\"). Implies scoping.",
    "2 to 256 printable Latin-1 characters",
);

/// The scope asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub policy: Option<String>,
    pub duration: Option<i32>,
    pub description: String,
}

/// `text` as a scoped session description: printable Latin-1 only (others become `?`), at most
/// 256 characters, at least 2.
pub(crate) fn description_of(text: &str) -> String {
    let mut d: String = text
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) || ('\u{a1}'..='\u{ff}').contains(&c) {
                c
            } else {
                '?'
            }
        })
        .take(256)
        .collect();
    while d.chars().count() < 2 {
        d.push('.');
    }
    d
}

/// The scope of the flags, or `None` when none was given; `default_description` names the
/// command.
///
/// # Errors
/// [`Error::InvalidInput`] for a policy file that cannot be read.
pub(crate) fn from_flags(v: &Values, default_description: &str) -> Result<Option<Scope>, Error> {
    let policy = v.str("--scope-policy");
    let duration = v.int("--scope-duration");
    let description = v.str("--scope-description");
    if policy.is_none() && duration.is_none() && description.is_none() {
        return Ok(None);
    }
    let policy = match policy {
        // A JSON document as it is; anything else is a file to read (capped, never a FIFO).
        Some(p) if p.trim_start().starts_with('{') => Some(p),
        Some(path) => Some(
            crate::paramfile::load("--scope-policy", &format!("file://{path}")).map_err(|e| {
                let (crate::errors::CliError::Usage(m)
                | crate::errors::CliError::Unknown(m)
                | crate::errors::CliError::Param(m)
                | crate::errors::CliError::Other(m)) = e;
                Error::invalid_input("--scope-policy", m)
            })?,
        ),
        None => None,
    };
    Ok(Some(Scope {
        policy,
        duration,
        description: description.unwrap_or_else(|| description_of(default_description)),
    }))
}

/// The client GetScopedCredentials is sent with: the command's settings (and global flags, when
/// given), on the regional endpoint of the configured region, else of us-east-1; and the note to
/// print once the scope is accepted when that is not what the settings say (no region, or a
/// `legacy` setting that names the global endpoint).
pub(crate) fn regional_client(
    g: Option<&Globals>,
    settings: &Settings,
) -> Result<(Sts, Option<String>), Error> {
    let (region, mut note) = match &settings.region {
        Some(r) => (r.clone(), None),
        None => (
            "us-east-1".to_owned(),
            Some(
                "sts: no region is configured; GetScopedCredentials is sent to the regional \
                 endpoint of us-east-1 (it is not on the global endpoint)"
                    .to_owned(),
            ),
        ),
    };
    if note.is_none() && settings.use_global_endpoint && settings.endpoint_url.is_none() {
        note = Some(format!(
            "sts: sts_regional_endpoints = legacy names the global endpoint, which does not serve \
             GetScopedCredentials: it is sent to the regional endpoint of {region}"
        ));
    }
    let sts = match g {
        Some(g) => crate::session::client_builder(g, settings),
        None => settings.sts_builder_without_credentials(),
    }
    .region(&region)
    .use_global_endpoint(false)
    .build()?;
    Ok((sts, note))
}

/// A provider whose source is set later: the scope is checked (and its errors reported) before
/// the parent's credentials are resolved, which may prompt for an MFA code.
#[derive(Debug, Default)]
pub(crate) struct Deferred(OnceLock<Arc<dyn ProvideCredentials>>);

impl Deferred {
    /// Sets the source (once).
    pub(crate) fn set(&self, source: Arc<dyn ProvideCredentials>) {
        let _ = self.0.set(source);
    }
}

impl ProvideCredentials for Deferred {
    fn provide_credentials(&self) -> Result<sts_blocking::Credentials, Error> {
        match self.0.get() {
            Some(s) => s.provide_credentials(),
            None => Err(Error::config("the scoped credentials' source is not set")),
        }
    }

    fn source_name(&self) -> String {
        self.0
            .get()
            .map_or_else(|| "deferred".to_owned(), |s| s.source_name())
    }
}

/// `parent` scoped as `scope` asks, through `client` (from [`regional_client`]; its note is
/// printed once the scope is accepted).
///
/// # Errors
/// A scope out of the model's limits or a policy that is not JSON ([`Error::InvalidInput`]),
/// before anything is sent.
pub(crate) fn scoped(
    parent: Arc<dyn ProvideCredentials>,
    scope: &Scope,
    client: (Sts, Option<String>),
) -> Result<ScopedProvider, Error> {
    let (sts, note) = client;
    let mut b = ScopedProvider::builder(parent, sts).description(&scope.description);
    if let Some(p) = &scope.policy {
        b = b.policy(p);
    }
    if let Some(d) = scope.duration {
        b = b.duration_seconds(d);
    }
    let p = b.build()?;
    if let Some(n) = note {
        eprintln!("{n}");
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_fit_the_model() {
        assert_eq!(description_of("sts exec: terraform"), "sts exec: terraform");
        assert_eq!(description_of("sts exec: caf\u{e9}"), "sts exec: caf\u{e9}");
        assert_eq!(description_of("sts exec: \u{1F600}\n"), "sts exec: ??");
        assert_eq!(description_of("x"), "x.");
        assert_eq!(description_of(&"y".repeat(300)).len(), 256);
    }
}
