//! GetFederationToken: temporary credentials for a federated user.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html)

use super::{
    FederatedUser, Operation, PolicyDescriptor, Tag, credentials_member, encode_policy_arns,
    encode_tags, opt_i32, validate_policy, validate_policy_arns, validate_tags,
};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Returns temporary credentials for a federated user, called with the long-term credentials of an IAM
/// user. The session's permissions are the intersection of the user's and the session policies'.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetFederationToken {
    /// The federated user's name (required, 2..=32, `[\w+=,.@-]*`).
    pub name: String,
    /// An inline session policy (JSON, 1..=2048).
    pub policy: Option<String>,
    /// Managed policies that further limit the session.
    pub policy_arns: Option<Vec<PolicyDescriptor>>,
    /// Session length in seconds (900..=129600).
    pub duration_seconds: Option<i32>,
    /// Session tags (at most 50).
    pub tags: Option<Vec<Tag>>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
}

impl GetFederationToken {
    /// A request for the federated user `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    setters! {
        /// Sets the inline session policy.
        into policy: String;
        /// Sets the managed session policies.
        policy_arns: Vec<PolicyDescriptor>;
        /// Sets the session length in seconds.
        duration_seconds: i32;
        /// Sets the session tags.
        tags: Vec<Tag>;
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
    }
}

/// Credentials and identity of the federated user session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetFederationTokenOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// The federated user's id and ARN.
    pub federated_user: Option<FederatedUser>,
    /// Percentage of the packed policy limit used (deprecated: see `session_token_utilization`).
    pub packed_policy_size: Option<i32>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
}

impl Operation for GetFederationToken {
    const ACTION: &'static str = "GetFederationToken";
    type Output = GetFederationTokenOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.length("Name", &self.name, 2, Some(32));
        chk.pattern("Name", &self.name, validate::USER_NAME);
        validate_policy(&mut chk, "Policy", self.policy.as_deref(), Some(2048));
        validate_policy_arns(&mut chk, self.policy_arns.as_deref());
        chk.opt_range("DurationSeconds", self.duration_seconds, 900, Some(129_600));
        validate_tags(&mut chk, self.tags.as_deref());
        chk.opt_range(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size,
            0,
            Some(4096),
        );
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push("Name", &self.name);
        form.push_opt("Policy", self.policy.as_deref());
        encode_policy_arns(form, self.policy_arns.as_deref());
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        encode_tags(form, self.tags.as_deref());
        form.push_int(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size.map(i64::from),
        );
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetFederationTokenOutput {
            credentials: credentials_member(result)?,
            federated_user: result
                .child("FederatedUser")
                .map(FederatedUser::decode)
                .transpose()?,
            packed_policy_size: opt_i32(result, "PackedPolicySize")?,
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

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = GetFederationToken::new("Bob")
            .policy("{}")
            .policy_arns(vec![PolicyDescriptor::new(
                "arn:aws:iam::aws:policy/ReadOnly",
            )])
            .duration_seconds(129_600)
            .tags(vec![Tag::new("Department", "Finance Ops")])
            .minimum_session_token_size(100);
        let pairs = decode(op.to_form().unwrap().as_str()).unwrap();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Action",
                "Version",
                "Name",
                "Policy",
                "PolicyArns.member.1.arn",
                "DurationSeconds",
                "Tags.member.1.Key",
                "Tags.member.1.Value",
                "MinimumSessionTokenSize",
            ]
        );
        assert!(
            GetFederationToken::new("Bob")
                .tags(vec![])
                .to_form()
                .unwrap()
                .as_str()
                .ends_with("&Tags=")
        );
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            GetFederationToken::new("B"),
            GetFederationToken::new("x".repeat(33)),
            GetFederationToken::new("Bob Smith"),
            GetFederationToken::new("Bob").policy("x".repeat(2049)),
            GetFederationToken::new("Bob").duration_seconds(129_601),
            GetFederationToken::new("Bob").duration_seconds(899),
            GetFederationToken::new("Bob").tags(vec![Tag::new("", "v")]),
            GetFederationToken::new("Bob").tags(vec![Tag::new("k", "a#b")]),
            GetFederationToken::new("Bob").minimum_session_token_size(4097),
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
        let xml = br#"<GetFederationTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetFederationTokenResult><FederatedUser><Arn>arn:aws:sts::123456789012:federated-user/Bob</Arn>
<FederatedUserId>123456789012:Bob</FederatedUserId></FederatedUser><SessionTokenUtilization>33</SessionTokenUtilization>
<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
<SessionToken>token</SessionToken><Expiration>2026-11-26T13:00:00.5Z</Expiration></Credentials>
</GetFederationTokenResult><ResponseMetadata><RequestId>r-7</RequestId></ResponseMetadata></GetFederationTokenResponse>"#;
        let out = decode_response::<GetFederationToken>(200, xml, None)
            .unwrap()
            .output;
        let user = out.federated_user.unwrap();
        assert_eq!(user.federated_user_id, "123456789012:Bob");
        assert_eq!(user.arn, "arn:aws:sts::123456789012:federated-user/Bob");
        assert_eq!(out.session_token_utilization, Some(33));
        assert_eq!(out.packed_policy_size, None);
    }
}
