//! GetScopedCredentials: narrower temporary credentials for the same identity as the caller's.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetScopedCredentials.html)

use super::{Operation, credentials_member, opt_i32, validate_policy};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Called with temporary credentials, returns new temporary credentials for the same identity, further
/// limited by a scope-down policy and/or a shorter lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetScopedCredentials {
    /// An inline scope-down policy (JSON, 1..=2048).
    pub policy: Option<String>,
    /// Session length in seconds (1..=129600).
    pub duration_seconds: Option<i32>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
    /// A description of the scoped session (2..=256, printable Latin-1).
    pub scoped_session_description: Option<String>,
}

impl GetScopedCredentials {
    /// A request with no members set (all are optional).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets the inline scope-down policy.
        into policy: String;
        /// Sets the session length in seconds.
        duration_seconds: i32;
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
        /// Sets the scoped session description.
        into scoped_session_description: String;
    }
}

/// The id and ARN of a scoped session (`ScopedSession`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScopedSession {
    /// The scoped session's unique id (`AROA...:session`).
    pub scoped_session_id: String,
    /// The scoped session's ARN.
    pub arn: String,
}

impl ScopedSession {
    /// A scoped session from its id and ARN.
    pub fn new(scoped_session_id: impl Into<String>, arn: impl Into<String>) -> Self {
        Self {
            scoped_session_id: scoped_session_id.into(),
            arn: arn.into(),
        }
    }

    pub(crate) fn decode(el: Element<'_, '_>) -> Result<Self, Error> {
        Ok(Self {
            scoped_session_id: el.string("ScopedSessionId")?,
            arn: el.string("Arn")?,
        })
    }
}

/// The scoped credentials and session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetScopedCredentialsOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// The scoped session's id and ARN.
    pub session_info: Option<ScopedSession>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
    /// How many scope-down policies now apply to the session.
    pub scoped_policies_count: Option<i32>,
    /// The source identity carried over from the calling session.
    pub source_identity: Option<String>,
}

impl Operation for GetScopedCredentials {
    const ACTION: &'static str = "GetScopedCredentials";
    type Output = GetScopedCredentialsOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        validate_policy(&mut chk, "Policy", self.policy.as_deref(), Some(2048));
        chk.opt_range("DurationSeconds", self.duration_seconds, 1, Some(129_600));
        chk.opt_range(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size,
            0,
            Some(4096),
        );
        if let Some(d) = &self.scoped_session_description {
            chk.length("ScopedSessionDescription", d, 2, Some(256));
            chk.pattern("ScopedSessionDescription", d, validate::DESCRIPTION);
        }
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push_opt("Policy", self.policy.as_deref());
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        form.push_int(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size.map(i64::from),
        );
        form.push_opt(
            "ScopedSessionDescription",
            self.scoped_session_description.as_deref(),
        );
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetScopedCredentialsOutput {
            credentials: credentials_member(result)?,
            session_info: result
                .child("SessionInfo")
                .map(ScopedSession::decode)
                .transpose()?,
            session_token_utilization: opt_i32(result, "SessionTokenUtilization")?,
            session_token_size: opt_i32(result, "SessionTokenSize")?,
            scoped_policies_count: opt_i32(result, "ScopedPoliciesCount")?,
            source_identity: result.opt_string("SourceIdentity"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = GetScopedCredentials::new()
            .policy("{}")
            .duration_seconds(1)
            .minimum_session_token_size(0)
            .scoped_session_description("nightly job");
        assert_eq!(
            op.to_form().unwrap().as_str(),
            "Action=GetScopedCredentials&Version=2011-06-15&Policy=%7B%7D&DurationSeconds=1\
             &MinimumSessionTokenSize=0&ScopedSessionDescription=nightly+job"
        );
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            GetScopedCredentials::new().policy(""),
            GetScopedCredentials::new().duration_seconds(0),
            GetScopedCredentials::new().duration_seconds(129_601),
            GetScopedCredentials::new().minimum_session_token_size(4097),
            GetScopedCredentials::new().scoped_session_description("x"),
            GetScopedCredentials::new().scoped_session_description("x".repeat(257)),
            GetScopedCredentials::new().scoped_session_description("caf\u{e9} \u{7f}"),
            GetScopedCredentials::new().scoped_session_description("\u{a0}nbsp"),
        ];
        for op in bad {
            assert!(
                matches!(op.validate(), Err(Error::InvalidInput { .. })),
                "{op:?}"
            );
        }
        assert!(
            GetScopedCredentials::new()
                .scoped_session_description("caf\u{e9}")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn decodes_output() {
        let xml = br#"<GetScopedCredentialsResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetScopedCredentialsResult><ScopedPoliciesCount>2</ScopedPoliciesCount>
<SessionInfo><Arn>arn:aws:sts::123456789012:assumed-role/R/s</Arn><ScopedSessionId>ARO1:s</ScopedSessionId></SessionInfo>
<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
<SessionToken>token</SessionToken><Expiration>2026-11-26T13:00:00Z</Expiration></Credentials>
<SourceIdentity>dev</SourceIdentity><SessionTokenSize>1460</SessionTokenSize></GetScopedCredentialsResult>
<ResponseMetadata><RequestId>r-8</RequestId></ResponseMetadata></GetScopedCredentialsResponse>"#;
        let out = decode_response::<GetScopedCredentials>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(
            out.session_info,
            Some(ScopedSession {
                scoped_session_id: "ARO1:s".into(),
                arn: "arn:aws:sts::123456789012:assumed-role/R/s".into(),
            })
        );
        assert_eq!(out.scoped_policies_count, Some(2));
        assert_eq!(out.session_token_size, Some(1460));
        assert_eq!(out.source_identity.as_deref(), Some("dev"));
    }
}
