//! Role-chain planning: resolve the selected profile into a [`ProfileChain`] (where the first
//! credentials come from, then the roles to assume in order), with no I/O
//! ([`ProfileSet::plan`]).

use super::Credentials;
use crate::SecretString;
use crate::credentials::providers::process::CommandLine;
use crate::error::CredentialsError;
use crate::profile::{ProfileSet, Section};
use std::fmt;
use std::path::PathBuf;

/// A `credential_source` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedSource {
    /// `Environment`: the environment variables.
    Environment,
    /// `Ec2InstanceMetadata`: EC2 IMDS.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the container credentials endpoint.
    EcsContainer,
}

impl NamedSource {
    /// Parses a `credential_source` value (exact spelling, as the AWS CLI requires).
    #[must_use]
    pub fn parse(v: &str) -> Option<Self> {
        match v {
            "Environment" => Some(Self::Environment),
            "Ec2InstanceMetadata" => Some(Self::Ec2InstanceMetadata),
            "EcsContainer" => Some(Self::EcsContainer),
            _ => None,
        }
    }

    /// The value as written in a profile.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "Environment",
            Self::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            Self::EcsContainer => "EcsContainer",
        }
    }
}

/// Web identity settings: a role to assume with a token read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebIdentitySource {
    /// The role to assume.
    pub role_arn: String,
    /// The token file, re-read on every refresh.
    pub token_file: PathBuf,
    /// `role_session_name`, if set.
    pub session_name: Option<String>,
    /// The profile's `region`, if set.
    pub region: Option<String>,
}

/// IAM Identity Center settings from a profile (legacy keys or `[sso-session]`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoSource {
    /// The `[sso-session]` name, when the profile uses one (the token cache key is then its SHA-1).
    pub session_name: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`: where the portal is.
    pub region: String,
    /// `sso_account_id`; `None` for a token-only profile.
    pub account_id: Option<String>,
    /// `sso_role_name`; `None` for a token-only profile.
    pub role_name: Option<String>,
}

impl SsoSource {
    /// The portal at `start_url` (`sso_start_url`) in `region` (`sso_region`); a token-only source
    /// until [`SsoSource::account_id`] and [`SsoSource::role_name`] are set.
    pub fn new(start_url: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            session_name: None,
            start_url: start_url.into(),
            region: region.into(),
            account_id: None,
            role_name: None,
        }
    }

    /// Names the `[sso-session]` (its SHA-1 then names the token cache file, and the token is
    /// refreshed through SSO-OIDC).
    #[must_use]
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Sets the account (`sso_account_id`).
    #[must_use]
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Sets the role (`sso_role_name`).
    #[must_use]
    pub fn role_name(mut self, role_name: impl Into<String>) -> Self {
        self.role_name = Some(role_name.into());
        self
    }
}

/// An `aws login` session named by a profile's `login_session`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginSource {
    /// The profile holding `login_session`.
    pub profile: String,
    /// The session (the signed-in principal's ARN, trimmed); its SHA-256 names the cache file.
    pub session: String,
    /// The profile's `region`, if set.
    pub region: Option<String>,
}

/// Where the first credentials of a chain come from.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaseSource {
    /// Static keys in a profile.
    Static {
        /// The profile holding them.
        profile: String,
        /// The keys (account from `aws_account_id`).
        credentials: Credentials,
    },
    /// `credential_process` in a profile.
    Process {
        /// The profile holding it.
        profile: String,
        /// The command line.
        command: CommandLine,
        /// `aws_account_id`, used when the process output has no `AccountId`.
        account_id: Option<String>,
    },
    /// `web_identity_token_file` + `role_arn` in a profile (needs STS).
    WebIdentity(WebIdentitySource),
    /// `credential_source` in a profile.
    Named(NamedSource),
    /// IAM Identity Center.
    Sso(SsoSource),
    /// An `aws login` session (`login_session`).
    Login(LoginSource),
    /// Long-term keys in a [`KeyStore`](super::KeyStore) (a profile marked by
    /// [`ProfileSet::with_stored_keys`]).
    Stored {
        /// The profile the keys are stored under.
        profile: String,
    },
}

impl fmt::Debug for BaseSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static {
                profile,
                credentials,
            } => f
                .debug_struct("Static")
                .field("profile", profile)
                .field("access_key_id", &credentials.access_key_id)
                .finish_non_exhaustive(),
            Self::Process {
                profile, command, ..
            } => f
                .debug_struct("Process")
                .field("profile", profile)
                .field("command", command)
                .finish_non_exhaustive(),
            Self::WebIdentity(w) => f.debug_tuple("WebIdentity").field(w).finish(),
            Self::Named(n) => f.debug_tuple("Named").field(n).finish(),
            Self::Sso(s) => f.debug_tuple("Sso").field(s).finish(),
            Self::Login(l) => f.debug_tuple("Login").field(l).finish(),
            Self::Stored { profile } => f.debug_struct("Stored").field("profile", profile).finish(),
        }
    }
}

/// One AssumeRole call of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleHop {
    /// The profile that defines the role.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name`; the caller generates one when `None`.
    pub session_name: Option<String>,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `duration_seconds`; when `None` no DurationSeconds is sent (STS then applies one hour).
    pub duration_seconds: Option<u32>,
    /// `mfa_serial`: the caller must ask for a code.
    pub mfa_serial: Option<String>,
    /// The profile's `region`, if set.
    pub region: Option<String>,
}

/// The plan for a profile: base credentials, then each role in the order they must be assumed
/// ([`ProfileSet::plan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileChain {
    /// The selected profile.
    pub profile: String,
    /// Where the first credentials come from.
    pub base: BaseSource,
    /// Roles to assume in order (the last one gives the final credentials).
    pub roles: Vec<RoleHop>,
}

impl RoleHop {
    /// A hop to `role_arn`, defined by `profile`, with no other setting (set the fields to add
    /// them).
    #[must_use]
    pub fn new(profile: impl Into<String>, role_arn: impl Into<String>) -> Self {
        Self {
            profile: profile.into(),
            role_arn: role_arn.into(),
            session_name: None,
            external_id: None,
            duration_seconds: None,
            mfa_serial: None,
            region: None,
        }
    }
}

impl ProfileSet {
    /// The selected profile's plan, as the AWS CLI follows it: where the first credentials come
    /// from ([`BaseSource`]), then the roles to assume in order (`role_arn` with `source_profile`
    /// or `credential_source`, any depth). Pure: nothing is read or called; the
    /// [`DefaultChain`](super::DefaultChain) runs a plan.
    ///
    /// ```
    /// use sts_blocking::credentials::{BaseSource, ProfileSet, Section};
    /// let set = ProfileSet::from_sections(vec![
    ///     Section::new("a", [("role_arn", "arn:aws:iam::1:role/A"), ("source_profile", "b")]),
    ///     Section::new("b", [("aws_access_key_id", "AKID"), ("aws_secret_access_key", "s")]),
    /// ], vec![], "a");
    /// let chain = set.plan()?;
    /// assert!(matches!(chain.base, BaseSource::Static { .. }));
    /// assert_eq!(chain.roles[0].role_arn, "arn:aws:iam::1:role/A");
    /// # Ok::<(), sts_blocking::credentials::PlanError>(())
    /// ```
    ///
    /// # Errors
    /// [`PlanError`]: `not_configured` when the selected profile is missing or has no credential
    /// settings, otherwise a broken configuration (a loop, a missing source profile, partial keys,
    /// conflicting keys...).
    pub fn plan(&self) -> Result<ProfileChain, PlanError> {
        plan(self)
    }
}

impl ProfileChain {
    /// Whether the plan needs STS (any role hop, or web identity).
    #[must_use]
    pub fn needs_sts(&self) -> bool {
        !self.roles.is_empty() || matches!(self.base, BaseSource::WebIdentity(_))
    }
}

/// Why a profile cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanError {
    /// `true` when the profile simply has no credential settings (a chain moves on); `false` for a
    /// broken configuration (a chain stops).
    pub not_configured: bool,
    /// What was wrong.
    pub message: String,
}

impl PlanError {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            not_configured: false,
            message: message.into(),
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PlanError {}

impl From<PlanError> for crate::Error {
    fn from(e: PlanError) -> Self {
        CredentialsError::new("profile", e.message).into()
    }
}

/// Static keys of `p`. A half pair is an error in botocore's words, naming the file the keys came
/// from (`shared-credentials-file` or `config-file`, its provider names).
fn static_creds(set: &ProfileSet, p: &Section) -> Result<Option<Credentials>, PlanError> {
    let id = p.get_nonempty("aws_access_key_id");
    let secret = p.get_nonempty("aws_secret_access_key");
    let partial = |missing: &str| {
        let file = if set.has_keys_in_credentials_file(p.name()) {
            "shared-credentials-file"
        } else {
            "config-file"
        };
        PlanError::invalid(format!(
            "Partial credentials found in {file}, missing: {missing}"
        ))
    };
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(partial("aws_secret_access_key")),
        (None, Some(_)) => Err(partial("aws_access_key_id")),
        (Some(id), Some(secret)) => {
            let mut c = Credentials::new(
                id.trim(),
                secret.trim(),
                p.get_nonempty("aws_session_token")
                    .map(|t| SecretString::new(t.trim())),
            );
            c.account_id = p
                .get_nonempty("aws_account_id")
                .map(|a| a.trim().to_owned());
            Ok(Some(c))
        }
    }
}

fn static_base(set: &ProfileSet, p: &Section) -> Result<Option<BaseSource>, PlanError> {
    Ok(static_creds(set, p)?.map(|credentials| BaseSource::Static {
        profile: p.name().to_owned(),
        credentials,
    }))
}

fn opt(p: &Section, key: &str) -> Option<String> {
    p.get_nonempty(key).map(|v| v.trim().to_owned())
}

fn sso_source(set: &ProfileSet, p: &Section) -> Result<Option<SsoSource>, PlanError> {
    let account_id = opt(p, "sso_account_id");
    let role_name = opt(p, "sso_role_name");
    let (session_name, start_url, region) = if let Some(session) = opt(p, "sso_session") {
        let Some(s) = set.sso_session(&session) else {
            return Err(PlanError::invalid(format!(
                "sso-session named `{session}` (referenced by profile `{}`) was not found",
                p.name()
            )));
        };
        for key in ["sso_region", "sso_start_url"] {
            if let Some(v) = opt(p, key)
                && opt(s, key).as_deref() != Some(v.as_str())
            {
                return Err(PlanError::invalid(format!(
                    "profile `{}`: `{key}` can only be specified in the [sso-session] config when a session name is given",
                    p.name()
                )));
            }
        }
        (Some(session), opt(s, "sso_start_url"), opt(s, "sso_region"))
    } else if account_id.is_some()
        || role_name.is_some()
        || opt(p, "sso_start_url").is_some()
        || opt(p, "sso_region").is_some()
    {
        (None, opt(p, "sso_start_url"), opt(p, "sso_region"))
    } else {
        return Ok(None);
    };
    match (&account_id, &role_name) {
        (None, Some(_)) => {
            return Err(PlanError::invalid(format!(
                "profile `{}`: if `sso_role_name` is set, then `sso_account_id` must also be set",
                p.name()
            )));
        }
        (Some(_), None) => {
            return Err(PlanError::invalid(format!(
                "profile `{}`: if `sso_account_id` is set, then `sso_role_name` must also be set",
                p.name()
            )));
        }
        _ => {}
    }
    let Some(start_url) = start_url else {
        return Err(PlanError::invalid(format!(
            "profile `{}`: SSO configuration is missing `sso_start_url`",
            p.name()
        )));
    };
    let Some(region) = region else {
        return Err(PlanError::invalid(format!(
            "profile `{}`: SSO configuration is missing `sso_region`",
            p.name()
        )));
    };
    Ok(Some(SsoSource {
        session_name,
        start_url,
        region,
        account_id,
        role_name,
    }))
}

fn web_identity(p: &Section) -> Result<Option<BaseSource>, PlanError> {
    let Some(file) = opt(p, "web_identity_token_file") else {
        return Ok(None);
    };
    let Some(role_arn) = opt(p, "role_arn") else {
        return Err(PlanError::invalid(format!(
            "profile `{}`: `web_identity_token_file` was specified but `role_arn` was missing",
            p.name()
        )));
    };
    Ok(Some(BaseSource::WebIdentity(WebIdentitySource {
        role_arn,
        token_file: PathBuf::from(file),
        session_name: opt(p, "role_session_name"),
        region: opt(p, "region"),
    })))
}

/// Keys in a key store for `p`, when the set marks it.
fn stored(set: &ProfileSet, p: &Section) -> Option<BaseSource> {
    set.has_stored_keys(p.name()).then(|| BaseSource::Stored {
        profile: p.name().to_owned(),
    })
}

/// The base of a profile without a role: keys in a key store first (the store is the user's
/// deliberate choice, and `credential_process = sts export-credentials` in the same profile must
/// not call itself), then the AWS CLI's order: web identity, SSO, static keys from the
/// credentials file, `login_session`, `credential_process`, then static keys from the config file.
fn base_of(set: &ProfileSet, p: &Section, first: bool) -> Result<BaseSource, PlanError> {
    if let Some(b) = stored(set, p) {
        return Ok(b);
    }
    if let Some(w) = web_identity(p)? {
        return Ok(w);
    }
    if let Some(s) = sso_source(set, p)? {
        return Ok(BaseSource::Sso(s));
    }
    if set.has_keys_in_credentials_file(p.name())
        && let Some(b) = static_base(set, p)?
    {
        return Ok(b);
    }
    if let Some(session) = opt(p, "login_session") {
        return Ok(BaseSource::Login(LoginSource {
            profile: p.name().to_owned(),
            session,
            region: opt(p, "region"),
        }));
    }
    if let Some(cmd) = opt(p, "credential_process") {
        return Ok(BaseSource::Process {
            profile: p.name().to_owned(),
            command: CommandLine::new(cmd),
            account_id: opt(p, "aws_account_id"),
        });
    }
    if let Some(b) = static_base(set, p)? {
        return Ok(b);
    }
    Err(PlanError {
        not_configured: first,
        message: format!(
            "profile `{}` did not contain credential information",
            p.name()
        ),
    })
}

fn role_hop(p: &Section, role_arn: String) -> Result<RoleHop, PlanError> {
    let duration_seconds = match opt(p, "duration_seconds") {
        None => None,
        Some(d) => {
            let n = d.trim().parse::<i128>().map_err(|_| {
                PlanError::invalid(format!(
                    "profile `{}`: duration_seconds must be a whole number of seconds",
                    p.name()
                ))
            })?;
            // The range itself is checked with the request (900..=43200, as for the flag); a
            // number no request can carry is refused here, never replaced by the default.
            Some(u32::try_from(n).map_err(|_| {
                PlanError::invalid(format!(
                    "profile `{}`: invalid value for DurationSeconds (duration_seconds): must be \
                     in 900..=43200, got {n}",
                    p.name()
                ))
            })?)
        }
    };
    Ok(RoleHop {
        profile: p.name().to_owned(),
        role_arn,
        session_name: opt(p, "role_session_name"),
        external_id: opt(p, "external_id"),
        duration_seconds,
        mfa_serial: opt(p, "mfa_serial"),
        region: opt(p, "region"),
    })
}

/// Plans the selected profile of `set`. Chains can be any depth; a profile visited twice is an error
/// (except a profile naming itself as `source_profile`, which means "my own static keys").
///
/// # Errors
/// [`PlanError`]: `not_configured` when the selected profile is missing or has no credential settings,
/// otherwise a broken configuration (loop, missing source profile, partial keys, conflicting keys...).
pub fn plan(set: &ProfileSet) -> Result<ProfileChain, PlanError> {
    let selected = set.selected_name().to_owned();
    if set.profiles().is_empty() {
        return Err(PlanError {
            not_configured: true,
            message: "No profiles were defined".to_owned(),
        });
    }
    let mut visited: Vec<String> = Vec::new();
    let mut roles: Vec<RoleHop> = Vec::new();
    let mut name = selected.clone();
    let base = loop {
        let Some(p) = set.profile(&name) else {
            return Err(match visited.last() {
                None => PlanError {
                    not_configured: name == "default",
                    message: format!("profile `{name}` was not defined"),
                },
                Some(from) => PlanError::invalid(format!(
                    "could not find source profile {name} referenced from {from}"
                )),
            });
        };
        if visited.contains(&name) {
            return Err(infinite_loop(&name, &visited));
        }
        let first = visited.is_empty();
        // A source profile with static keys (in a key store or in the files) is used as is, even
        // if it also names a role.
        if !first && let Some(b) = stored(set, p) {
            break b;
        }
        if !first
            && p.get_nonempty("aws_access_key_id").is_some()
            && let Some(b) = static_base(set, p)?
        {
            break b;
        }
        visited.push(name.clone());
        let Some(role_arn) = opt(p, "role_arn") else {
            break base_of(set, p, first)?;
        };
        if let Some(w) = web_identity(p)? {
            break w;
        }
        let source_profile = opt(p, "source_profile");
        let credential_source = opt(p, "credential_source");
        roles.push(role_hop(p, role_arn)?);
        match (source_profile, credential_source) {
            (Some(_), Some(_)) => {
                return Err(PlanError::invalid(format!(
                    "profile `{name}`: profile contained both source_profile and credential_source"
                )));
            }
            (None, None) => {
                return Err(PlanError::invalid(format!(
                    "profile `{name}`: profile must contain `source_profile` or `credential_source`"
                )));
            }
            (None, Some(cs)) => match NamedSource::parse(&cs) {
                Some(n) => break BaseSource::Named(n),
                None => {
                    return Err(PlanError::invalid(format!(
                        "profile `{name}`: credential_source `{cs}` is not one of Environment, Ec2InstanceMetadata, EcsContainer"
                    )));
                }
            },
            (Some(src), None) if src == name => {
                match stored(set, p).map_or_else(|| static_base(set, p), |b| Ok(Some(b)))? {
                    Some(b) => break b,
                    // botocore's InfiniteLoopConfigError too.
                    None => return Err(infinite_loop(&name, &visited)),
                }
            }
            (Some(src), None) => name = src,
        }
    };
    roles.reverse();
    Ok(ProfileChain {
        profile: selected,
        base,
        roles,
    })
}

/// botocore's `InfiniteLoopConfigError`: `name` was reached again; the profiles visited, as
/// Python prints a list.
fn infinite_loop(name: &str, visited: &[String]) -> PlanError {
    let visited: Vec<String> = visited.iter().map(|p| py_repr(p)).collect();
    PlanError::invalid(format!(
        "Infinite loop in credential configuration detected. Attempting to load from profile \
         {name} which has already been visited. Visited profiles: [{}]",
        visited.join(", ")
    ))
}

/// Python's `repr()` of a string (single quotes unless it holds one and no double quote).
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
