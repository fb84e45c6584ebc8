//! AssumeRoot: short-lived root-user credentials for a member account, scoped to a task policy.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html)

use super::{Operation, PolicyDescriptor, credentials_member, opt_i32};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// From the management (or delegated administrator) account of an organization, returns root-user
/// credentials of a member account, limited to one of the AWS managed root-task policies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoot {
    /// The member account id or principal ARN (required, 12..=2048).
    pub target_principal: String,
    /// The managed root-task policy that scopes the session (required).
    pub task_policy_arn: PolicyDescriptor,
    /// Session length in seconds (0..=900).
    pub duration_seconds: Option<i32>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
}

impl AssumeRoot {
    /// A request for `target_principal`, scoped by `task_policy_arn`.
    pub fn new(target_principal: impl Into<String>, task_policy_arn: PolicyDescriptor) -> Self {
        Self {
            target_principal: target_principal.into(),
            task_policy_arn,
            ..Self::default()
        }
    }

    setters! {
        /// Sets the session length in seconds.
        duration_seconds: i32;
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
    }
}

/// Credentials of the privileged root session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRootOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// The source identity set on the session.
    pub source_identity: Option<String>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
}

impl Operation for AssumeRoot {
    const ACTION: &'static str = "AssumeRoot";
    type Output = AssumeRootOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.length("TargetPrincipal", &self.target_principal, 12, Some(2048));
        if let Some(arn) = &self.task_policy_arn.arn {
            chk.length("TaskPolicyArn.arn", arn, 20, Some(2048));
            chk.pattern("TaskPolicyArn.arn", arn, validate::ARN);
        }
        chk.opt_range("DurationSeconds", self.duration_seconds, 0, Some(900));
        chk.opt_range(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size,
            0,
            Some(4096),
        );
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push("TargetPrincipal", &self.target_principal);
        form.push_opt("TaskPolicyArn.arn", self.task_policy_arn.arn.as_deref());
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        form.push_int(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size.map(i64::from),
        );
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(AssumeRootOutput {
            credentials: credentials_member(result)?,
            source_identity: result.opt_string("SourceIdentity"),
            session_token_utilization: opt_i32(result, "SessionTokenUtilization")?,
            session_token_size: opt_i32(result, "SessionTokenSize")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;
    use crate::query::decode;

    const TASK: &str = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = AssumeRoot::new("444455556666", PolicyDescriptor::new(TASK))
            .duration_seconds(0)
            .minimum_session_token_size(512);
        let pairs = decode(op.to_form().unwrap().as_str()).unwrap();
        assert_eq!(
            pairs,
            [
                ("Action".to_owned(), "AssumeRoot".to_owned()),
                ("Version".into(), "2011-06-15".into()),
                ("TargetPrincipal".into(), "444455556666".into()),
                ("TaskPolicyArn.arn".into(), TASK.into()),
                ("DurationSeconds".into(), "0".into()),
                ("MinimumSessionTokenSize".into(), "512".into()),
            ]
        );
    }

    #[test]
    fn rejects_constraint_violations() {
        let task = || PolicyDescriptor::new(TASK);
        let bad = [
            AssumeRoot::new("12345678901", task()),
            AssumeRoot::new("1".repeat(2049), task()),
            AssumeRoot::new("444455556666", PolicyDescriptor::new("arn:short")),
            AssumeRoot::new("444455556666", task()).duration_seconds(901),
            AssumeRoot::new("444455556666", task()).duration_seconds(-1),
            AssumeRoot::new("444455556666", task()).minimum_session_token_size(5000),
        ];
        for op in bad {
            assert!(
                matches!(op.validate(), Err(Error::InvalidInput { .. })),
                "{op:?}"
            );
        }
    }

    #[test]
    fn decodes_output() {
        let xml = br#"<AssumeRootResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRootResult><SourceIdentity>Alice</SourceIdentity><SessionTokenSize>560</SessionTokenSize>
<Credentials><Expiration>2024-11-15T00:05:07Z</Expiration><AccessKeyId>ASIAEXAMPLEEXAMPLE</AccessKeyId>
<SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken></Credentials>
</AssumeRootResult><ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata></AssumeRootResponse>"#;
        let out = decode_response::<AssumeRoot>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(out.source_identity.as_deref(), Some("Alice"));
        assert_eq!(out.session_token_size, Some(560));
        assert_eq!(out.session_token_utilization, None);
        assert_eq!(
            out.credentials().unwrap().expiration,
            crate::xml::parse_timestamp("2024-11-15T00:05:07Z")
        );
    }
}
