//! [`ScopedProvider`]: less than a session can do, for a child process or an agent, with
//! `GetScopedCredentials`.

use crate::Error;
use crate::client::Sts;
use crate::credentials::{CachedProvider, Credentials, ProvideCredentials};
use crate::error::CredentialsError;
use crate::ops::{GetScopedCredentials, GetSessionToken, Operation};
use std::fmt;
use std::sync::Arc;

/// The host of STS's global endpoint, which does not serve `GetScopedCredentials`.
const GLOBAL_HOSTS: &[&str] = &["sts.amazonaws.com", "sts.amazonaws.com.cn"];

/// Credentials narrowed from a parent's with `GetScopedCredentials`: the result can do only what
/// both the parent session and the scope-down policy allow (and any earlier scope-downs: it can
/// never widen), and it keeps the parent's identity (the same role session ARN, session name
/// and tags), so CloudTrail shows who ran the child and, with a description, what it was.
///
/// Each refresh asks the parent again and scopes its credentials again. Long-term keys are
/// never sent to `GetScopedCredentials` (it refuses IAM user and root keys): they get a
/// `GetSessionToken` session first.
///
/// The operation is not on STS's global endpoint: build `sts` for a region with
/// `StsBuilder::use_global_endpoint(false)` (even where `sts_regional_endpoints = legacy` is
/// configured); [`ScopedProviderBuilder::build`] refuses a client of the global endpoint.
///
/// ```no_run
/// use std::sync::Arc;
/// use sts_blocking::credentials::ScopedProvider;
/// use sts_blocking::{ProvideCredentials, Sts};
/// let parent = Sts::from_env()?;
/// let sts = Sts::builder().region("eu-west-1").use_global_endpoint(false).build()?;
/// let scoped = ScopedProvider::builder(parent.credentials_provider().unwrap().clone(), sts)
///     .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
///     .description("nightly backup")
///     .build()?;
/// let creds = scoped.provide_credentials()?;
/// # Ok::<(), sts_blocking::Error>(())
/// ```
pub struct ScopedProvider {
    cache: CachedProvider,
}

impl fmt::Debug for ScopedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedProvider")
            .field("inner", self.cache.inner())
            .finish()
    }
}

/// Builds a [`ScopedProvider`]; start with [`ScopedProvider::builder`].
#[derive(Debug)]
pub struct ScopedProviderBuilder {
    parent: Arc<dyn ProvideCredentials>,
    sts: Sts,
    op: GetScopedCredentials,
    session_duration: Option<i32>,
}

impl ScopedProvider {
    /// Scopes what `parent` gives, calling STS through `sts` (a client of a regional endpoint;
    /// its own credentials are not used).
    #[must_use]
    pub fn builder(parent: Arc<dyn ProvideCredentials>, sts: Sts) -> ScopedProviderBuilder {
        ScopedProviderBuilder {
            parent,
            sts,
            op: GetScopedCredentials::new(),
            session_duration: None,
        }
    }

    /// Drops the cached credentials so the next call scopes again.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

impl ScopedProviderBuilder {
    /// The scope-down policy, a JSON document of at most 2048 characters.
    #[must_use]
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.op.policy = Some(policy.into());
        self
    }

    /// How long the scoped credentials last, in seconds (1 to 129600; by default the parent
    /// session's end).
    #[must_use]
    pub fn duration_seconds(mut self, seconds: i32) -> Self {
        self.op.duration_seconds = Some(seconds);
        self
    }

    /// What CloudTrail shows of the scoped session (2 to 256 printable Latin-1 characters).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.op.scoped_session_description = Some(description.into());
        self
    }

    /// The smallest session token size to return (0 to 4096).
    #[must_use]
    pub fn minimum_session_token_size(mut self, bytes: i32) -> Self {
        self.op.minimum_session_token_size = Some(bytes);
        self
    }

    /// The duration of the `GetSessionToken` session made first when the parent gives long-term
    /// keys (default STS's: 43200 seconds).
    #[must_use]
    pub fn session_duration(mut self, seconds: i32) -> Self {
        self.session_duration = Some(seconds);
        self
    }

    /// Checks the request against the model's limits (and that the policy is JSON) before
    /// anything is sent.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a member out of its limits or a policy that is not a JSON
    /// object; [`Error::Config`] for a client of STS's global endpoint.
    pub fn build(self) -> Result<ScopedProvider, Error> {
        self.op.validate()?;
        if let Some(p) = &self.op.policy
            && !matches!(crate::json::parse(p), Ok(crate::json::Value::Object(_)))
        {
            return Err(Error::invalid_input(
                "Policy",
                "must be a JSON policy document (an object)",
            ));
        }
        let host = crate::url::EndpointUrl::parse(&self.sts.endpoint().url)?.host;
        if GLOBAL_HOSTS.contains(&host.as_str()) {
            return Err(Error::config(format!(
                "GetScopedCredentials is not served by the global endpoint {host}: use a client \
                 of a regional endpoint (a region, and use_global_endpoint(false))"
            )));
        }
        let fetcher = ScopeFetcher {
            parent: self.parent,
            sts: self.sts,
            op: self.op,
            session_duration: self.session_duration,
        };
        Ok(ScopedProvider {
            cache: CachedProvider::new(Arc::new(fetcher)),
        })
    }
}

impl ProvideCredentials for ScopedProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.cache.provide_credentials()
    }

    fn source_name(&self) -> String {
        self.cache.source_name()
    }
}

struct ScopeFetcher {
    parent: Arc<dyn ProvideCredentials>,
    sts: Sts,
    op: GetScopedCredentials,
    session_duration: Option<i32>,
}

impl fmt::Debug for ScopeFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped")
            .field("parent", &self.parent)
            .field("endpoint", &self.sts.endpoint().url)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for ScopeFetcher {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let parent = self.parent.provide_credentials()?;
        let session = if parent.session_token.is_some() {
            parent
        } else {
            // Long-term keys: a session first; they never reach GetScopedCredentials.
            let mut op = GetSessionToken::new();
            op.duration_seconds = self.session_duration;
            let mut s = self
                .sts
                .send_with_credentials(&op, &parent)
                .map_err(|e| fail("GetSessionToken", e))?
                .into_credentials()?;
            s.account_id.clone_from(&parent.account_id);
            s
        };
        let mut c = self
            .sts
            .send_with_credentials(&self.op, &session)
            .map_err(|e| fail("GetScopedCredentials", e))?
            .into_credentials()?;
        if c.account_id.is_none() {
            c.account_id = session.account_id;
        }
        Ok(c)
    }

    fn source_name(&self) -> String {
        format!("{} (scoped)", self.parent.source_name())
    }
}

fn fail(what: &str, e: Error) -> Error {
    CredentialsError::new("scoped", format!("{what} failed"))
        .with_source(e)
        .into()
}
