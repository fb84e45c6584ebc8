//! AssumeRole: temporary credentials for an IAM role.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)

use super::{
    AssumedRoleUser, Operation, PolicyDescriptor, ProvidedContext, Tag, credentials_member,
    encode_policy_arns, encode_tags, opt_i32, validate_policy, validate_policy_arns,
    validate_role_arn, validate_tags,
};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::secret::SecretString;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Returns temporary credentials for a role, optionally with MFA, session policies, tags and a
/// source identity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRole {
    /// The role to assume (required, 20..=2048).
    pub role_arn: String,
    /// A name for the session (required, 2..=64, `[\w+=,.@-]*`).
    pub role_session_name: String,
    /// Managed policies that further limit the session.
    pub policy_arns: Option<Vec<PolicyDescriptor>>,
    /// An inline session policy (JSON).
    pub policy: Option<String>,
    /// Session length in seconds (900..=43200).
    pub duration_seconds: Option<i32>,
    /// Session tags (at most 50).
    pub tags: Option<Vec<Tag>>,
    /// Tag keys that pass to later sessions in a role chain (at most 50).
    pub transitive_tag_keys: Option<Vec<String>>,
    /// The external id the role's trust policy asks for (2..=1224).
    pub external_id: Option<String>,
    /// The MFA device serial number or ARN (9..=256).
    pub serial_number: Option<String>,
    /// The current MFA code (6 digits; secret: a one-time password, never shown in `Debug`).
    pub token_code: Option<SecretString>,
    /// The source identity to set on the session (2..=256).
    pub source_identity: Option<String>,
    /// Context assertions from trusted context providers (1..=5).
    pub provided_contexts: Option<Vec<ProvidedContext>>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
}

impl AssumeRole {
    /// A request for `role_arn` with session name `role_session_name`.
    pub fn new(role_arn: impl Into<String>, role_session_name: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            ..Self::default()
        }
    }

    setters! {
        /// Sets the managed session policies.
        policy_arns: Vec<PolicyDescriptor>;
        /// Sets the inline session policy.
        into policy: String;
        /// Sets the session length in seconds.
        duration_seconds: i32;
        /// Sets the session tags.
        tags: Vec<Tag>;
        /// Sets the transitive tag keys.
        transitive_tag_keys: Vec<String>;
        /// Sets the external id.
        into external_id: String;
        /// Sets the MFA device serial number.
        into serial_number: String;
        /// Sets the MFA code.
        into token_code: SecretString;
        /// Sets the source identity.
        into source_identity: String;
        /// Sets the provided contexts.
        provided_contexts: Vec<ProvidedContext>;
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
    }
}

/// Credentials and identity of the assumed-role session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoleOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// The assumed role's id and ARN.
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// Percentage of the packed policy limit used (deprecated: see `session_token_utilization`).
    pub packed_policy_size: Option<i32>,
    /// The source identity set on the session.
    pub source_identity: Option<String>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
}

impl Operation for AssumeRole {
    const ACTION: &'static str = "AssumeRole";
    type Output = AssumeRoleOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        validate_role_arn(&mut chk, "RoleArn", &self.role_arn);
        chk.length("RoleSessionName", &self.role_session_name, 2, Some(64));
        chk.pattern(
            "RoleSessionName",
            &self.role_session_name,
            validate::USER_NAME,
        );
        validate_policy_arns(&mut chk, self.policy_arns.as_deref());
        validate_policy(&mut chk, "Policy", self.policy.as_deref(), None);
        chk.opt_range("DurationSeconds", self.duration_seconds, 900, Some(43200));
        validate_tags(&mut chk, self.tags.as_deref());
        if let Some(keys) = &self.transitive_tag_keys {
            chk.items("TransitiveTagKeys", keys, 0, 50);
            for (i, k) in keys.iter().enumerate() {
                let field = format!("TransitiveTagKeys[{i}]");
                chk.length(&field, k, 1, Some(128));
                chk.pattern(&field, k, validate::TAG);
            }
        }
        if let Some(id) = &self.external_id {
            chk.length("ExternalId", id, 2, Some(1224));
            chk.pattern("ExternalId", id, validate::EXTERNAL_ID);
        }
        if let Some(s) = &self.serial_number {
            chk.length("SerialNumber", s, 9, Some(256));
            chk.pattern("SerialNumber", s, validate::SERIAL_NUMBER);
        }
        if let Some(c) = &self.token_code {
            chk.length("TokenCode", c.expose(), 6, Some(6));
            // A secret: the violation does not quote the character.
            chk.secret_pattern("TokenCode", c.expose(), validate::DIGITS);
        }
        if let Some(s) = &self.source_identity {
            chk.length("SourceIdentity", s, 2, Some(256));
            chk.pattern("SourceIdentity", s, validate::USER_NAME);
        }
        if let Some(ctx) = &self.provided_contexts {
            chk.items("ProvidedContexts", ctx, 1, 5);
            for (i, c) in ctx.iter().enumerate() {
                if let Some(arn) = &c.provider_arn {
                    validate_role_arn(&mut chk, &format!("ProvidedContexts[{i}].ProviderArn"), arn);
                }
                if let Some(a) = &c.context_assertion {
                    let field = format!("ProvidedContexts[{i}].ContextAssertion");
                    chk.length(&field, a.expose(), 4, Some(3072));
                }
            }
        }
        chk.opt_range(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size,
            0,
            Some(4096),
        );
        chk.finish()
    }

    fn secrets<'a>(&'a self, visit: &mut dyn FnMut(&'a str)) {
        if let Some(c) = &self.token_code {
            visit(c.expose());
        }
        for c in self.provided_contexts.iter().flatten() {
            if let Some(a) = &c.context_assertion {
                visit(a.expose());
            }
        }
    }

    fn encode(&self, form: &mut Form) {
        form.push("RoleArn", &self.role_arn);
        form.push("RoleSessionName", &self.role_session_name);
        encode_policy_arns(form, self.policy_arns.as_deref());
        form.push_opt("Policy", self.policy.as_deref());
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        encode_tags(form, self.tags.as_deref());
        if let Some(keys) = &self.transitive_tag_keys {
            form.push_list("TransitiveTagKeys", keys, |f, k| f.push_member("", k));
        }
        form.push_opt("ExternalId", self.external_id.as_deref());
        form.push_opt("SerialNumber", self.serial_number.as_deref());
        form.push_opt(
            "TokenCode",
            self.token_code.as_ref().map(SecretString::expose),
        );
        form.push_opt("SourceIdentity", self.source_identity.as_deref());
        if let Some(ctx) = &self.provided_contexts {
            form.push_list("ProvidedContexts", ctx, |f, c| {
                if let Some(arn) = &c.provider_arn {
                    f.push_member("ProviderArn", arn);
                }
                if let Some(a) = &c.context_assertion {
                    f.push_member("ContextAssertion", a.expose());
                }
            });
        }
        form.push_int(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size.map(i64::from),
        );
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(AssumeRoleOutput {
            credentials: credentials_member(result)?,
            assumed_role_user: result
                .child("AssumedRoleUser")
                .map(AssumedRoleUser::decode)
                .transpose()?,
            packed_policy_size: opt_i32(result, "PackedPolicySize")?,
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

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s1")
            .policy_arns(vec![PolicyDescriptor::new(
                "arn:aws:iam::aws:policy/ReadOnly",
            )])
            .policy("{\"a\": 1}")
            .duration_seconds(3600)
            .tags(vec![Tag::new("Project", "Unicorn Rocket")])
            .transitive_tag_keys(vec!["Project".into()])
            .external_id("ext-id")
            .serial_number("arn:aws:iam::123456789012:mfa/u")
            .token_code("123456")
            .source_identity("dev")
            .provided_contexts(vec![ProvidedContext::new(
                "arn:aws:iam::aws:contextProvider/IdentityCenter",
                "abcd",
            )])
            .minimum_session_token_size(2048);
        let pairs = decode(op.to_form().unwrap().as_str()).unwrap();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Action",
                "Version",
                "RoleArn",
                "RoleSessionName",
                "PolicyArns.member.1.arn",
                "Policy",
                "DurationSeconds",
                "Tags.member.1.Key",
                "Tags.member.1.Value",
                "TransitiveTagKeys.member.1",
                "ExternalId",
                "SerialNumber",
                "TokenCode",
                "SourceIdentity",
                "ProvidedContexts.member.1.ProviderArn",
                "ProvidedContexts.member.1.ContextAssertion",
                "MinimumSessionTokenSize",
            ]
        );
        assert_eq!(pairs[8].1, "Unicorn Rocket");
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            AssumeRole::new("arn:aws:iam::1:r/x", "s1"),
            AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s"),
            AssumeRole::new("arn:aws:iam::123456789012:role/demo", "a b"),
            AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s1").duration_seconds(899),
            AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s1").token_code("12345a"),
            AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s1").provided_contexts(vec![]),
            AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s1")
                .tags((0..51).map(|i| Tag::new(format!("k{i}"), "v")).collect()),
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
        let xml = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><SourceIdentity>dev</SourceIdentity>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/s1</Arn><AssumedRoleId>ARO123EXAMPLE123:s1</AssumedRoleId></AssumedRoleUser>
<Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
<SessionToken>token</SessionToken><Expiration>2019-11-09T13:34:41Z</Expiration></Credentials>
<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>
<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;
        let out = decode_response::<AssumeRole>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(
            out.credentials().unwrap().access_key_id,
            "ASIAIOSFODNN7EXAMPLE"
        );
        assert_eq!(
            out.credentials().unwrap().secret_access_key.expose(),
            "secret"
        );
        assert_eq!(out.packed_policy_size, Some(6));
        assert_eq!(
            out.assumed_role_user.unwrap().assumed_role_id,
            "ARO123EXAMPLE123:s1"
        );
        assert!(!format!("{:?}", out.credentials).contains("secret\""));
    }
}
