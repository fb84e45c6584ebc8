//! AssumeRoleWithWebIdentity: temporary role credentials for an OIDC / OAuth 2.0 token. Sent unsigned.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html)

use super::{
    AssumedRoleUser, FederatedSession, Operation, PolicyDescriptor,
    TrustedIdentityPropagationContext, credentials_member, opt_i32, validate_role_arn,
};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::secret::SecretString;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Exchanges a web identity token (e.g. a Kubernetes service-account JWT) for temporary credentials of a
/// role. The token is the credential: the request is not signed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoleWithWebIdentity {
    /// The role to assume (required, 20..=2048).
    pub role_arn: String,
    /// A name for the session (required, 2..=64, `[\w+=,.@-]*`).
    pub role_session_name: String,
    /// The OIDC ID token or OAuth 2.0 access token (required, secret, 4..=20000).
    pub web_identity_token: SecretString,
    /// The OAuth 2.0 provider's domain, for access tokens of Amazon and Facebook only (4..=2048).
    pub provider_id: Option<String>,
    /// Managed policies that further limit the session.
    pub policy_arns: Option<Vec<PolicyDescriptor>>,
    /// An inline session policy (JSON, 1..=2048).
    pub policy: Option<String>,
    /// Session length in seconds (900..=43200).
    pub duration_seconds: Option<i32>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
}

impl AssumeRoleWithWebIdentity {
    /// A request for `role_arn` with session name `role_session_name` and the token
    /// `web_identity_token`.
    pub fn new(
        role_arn: impl Into<String>,
        role_session_name: impl Into<String>,
        web_identity_token: impl Into<SecretString>,
    ) -> Self {
        Self {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            web_identity_token: web_identity_token.into(),
            ..Self::default()
        }
    }

    setters! {
        /// Sets the provider id.
        into provider_id: String;
        /// Sets the managed session policies.
        policy_arns: Vec<PolicyDescriptor>;
        /// Sets the inline session policy.
        into policy: String;
        /// Sets the session length in seconds.
        duration_seconds: i32;
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
    }
}

/// Credentials and identity of the web-identity-federated session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoleWithWebIdentityOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// The `sub` claim of the token: the unique user id given by the identity provider.
    pub subject_from_web_identity_token: Option<String>,
    /// The assumed role's id and ARN.
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// Percentage of the packed policy limit used (deprecated: see `session_token_utilization`).
    pub packed_policy_size: Option<i32>,
    /// The issuer of the token (the `iss` claim, or the `ProviderId` of the request).
    pub provider: Option<String>,
    /// The intended audience of the token (the `aud` claim).
    pub audience: Option<String>,
    /// The source identity set on the session.
    pub source_identity: Option<String>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
    /// Identity propagation details of the session.
    pub trusted_identity_propagation_context: Option<TrustedIdentityPropagationContext>,
}

impl AssumeRoleWithWebIdentity {
    fn session(&self) -> FederatedSession<'_> {
        FederatedSession {
            policy_arns: self.policy_arns.as_deref(),
            policy: self.policy.as_deref(),
            duration_seconds: self.duration_seconds,
            minimum_session_token_size: self.minimum_session_token_size,
        }
    }
}

impl Operation for AssumeRoleWithWebIdentity {
    const ACTION: &'static str = "AssumeRoleWithWebIdentity";
    const SIGNED: bool = false;
    type Output = AssumeRoleWithWebIdentityOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        validate_role_arn(&mut chk, "RoleArn", &self.role_arn);
        chk.length("RoleSessionName", &self.role_session_name, 2, Some(64));
        chk.pattern(
            "RoleSessionName",
            &self.role_session_name,
            validate::USER_NAME,
        );
        chk.length(
            "WebIdentityToken",
            self.web_identity_token.expose(),
            4,
            Some(20_000),
        );
        if let Some(p) = &self.provider_id {
            chk.length("ProviderId", p, 4, Some(2048));
        }
        self.session().validate(&mut chk);
        chk.finish()
    }

    fn secrets<'a>(&'a self, visit: &mut dyn FnMut(&'a str)) {
        visit(self.web_identity_token.expose());
    }

    fn encode(&self, form: &mut Form) {
        form.push("RoleArn", &self.role_arn);
        form.push("RoleSessionName", &self.role_session_name);
        form.push("WebIdentityToken", self.web_identity_token.expose());
        form.push_opt("ProviderId", self.provider_id.as_deref());
        self.session().encode(form);
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(AssumeRoleWithWebIdentityOutput {
            credentials: credentials_member(result)?,
            subject_from_web_identity_token: result.opt_string("SubjectFromWebIdentityToken"),
            assumed_role_user: result
                .child("AssumedRoleUser")
                .map(AssumedRoleUser::decode)
                .transpose()?,
            packed_policy_size: opt_i32(result, "PackedPolicySize")?,
            provider: result.opt_string("Provider"),
            audience: result.opt_string("Audience"),
            source_identity: result.opt_string("SourceIdentity"),
            session_token_utilization: opt_i32(result, "SessionTokenUtilization")?,
            session_token_size: opt_i32(result, "SessionTokenSize")?,
            trusted_identity_propagation_context: result
                .child("TrustedIdentityPropagationContext")
                .map(TrustedIdentityPropagationContext::decode),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;
    use crate::query::decode;

    const ROLE: &str = "arn:aws:iam::123456789012:role/web";

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = AssumeRoleWithWebIdentity::new(ROLE, "app1", "eyJ.a b.c")
            .provider_id("www.amazon.com")
            .policy_arns(vec![PolicyDescriptor::new(
                "arn:aws:iam::aws:policy/ReadOnly",
            )])
            .policy("{}")
            .duration_seconds(900)
            .minimum_session_token_size(1024);
        const { assert!(!AssumeRoleWithWebIdentity::SIGNED) };
        let pairs = decode(op.to_form().unwrap().as_str()).unwrap();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Action",
                "Version",
                "RoleArn",
                "RoleSessionName",
                "WebIdentityToken",
                "ProviderId",
                "PolicyArns.member.1.arn",
                "Policy",
                "DurationSeconds",
                "MinimumSessionTokenSize",
            ]
        );
        assert_eq!(pairs[4].1, "eyJ.a b.c");
        assert!(!format!("{op:?}").contains("eyJ"));
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            AssumeRoleWithWebIdentity::new("arn:x", "app1", "token"),
            AssumeRoleWithWebIdentity::new(ROLE, "a", "token"),
            AssumeRoleWithWebIdentity::new(ROLE, "a/b", "token"),
            AssumeRoleWithWebIdentity::new(ROLE, "app1", "tok"),
            AssumeRoleWithWebIdentity::new(ROLE, "app1", "t".repeat(20_001)),
            AssumeRoleWithWebIdentity::new(ROLE, "app1", "token").provider_id("abc"),
            AssumeRoleWithWebIdentity::new(ROLE, "app1", "token").policy("\u{100}"),
            AssumeRoleWithWebIdentity::new(ROLE, "app1", "token").duration_seconds(800),
            AssumeRoleWithWebIdentity::new(ROLE, "app1", "token").minimum_session_token_size(-1),
        ];
        for op in bad {
            assert!(
                matches!(op.validate(), Err(Error::InvalidInput { .. })),
                "{op:?}"
            );
        }
    }

    #[test]
    fn decodes_output_in_any_order() {
        let xml = br#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleWithWebIdentityResult><Audience>aud</Audience>
<AssumedRoleUser><AssumedRoleId>ARO1:app1</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/web/app1</Arn></AssumedRoleUser>
<Provider>prov</Provider><SessionTokenUtilization>5</SessionTokenUtilization>
<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
<SessionToken>token</SessionToken><Expiration>2021-08-16T20:52:53Z</Expiration></Credentials>
<SubjectFromWebIdentityToken>system:serviceaccount:default:default</SubjectFromWebIdentityToken>
<SourceIdentity>src</SourceIdentity></AssumeRoleWithWebIdentityResult>
<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>"#;
        let out = decode_response::<AssumeRoleWithWebIdentity>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(out.audience.as_deref(), Some("aud"));
        assert_eq!(out.provider.as_deref(), Some("prov"));
        assert_eq!(
            out.subject_from_web_identity_token.as_deref(),
            Some("system:serviceaccount:default:default")
        );
        assert_eq!(out.source_identity.as_deref(), Some("src"));
        assert_eq!(out.session_token_utilization, Some(5));
        assert_eq!(
            out.assumed_role_user.as_ref().unwrap().arn,
            "arn:aws:sts::123456789012:assumed-role/web/app1"
        );
        assert!(out.trusted_identity_propagation_context.is_none());
        assert_eq!(
            out.credentials().unwrap().access_key_id,
            "ASIAEXAMPLEEXAMPLE"
        );
    }
}
