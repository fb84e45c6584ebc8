//! AssumeRoleWithSAML: temporary role credentials for a SAML 2.0 assertion. Sent unsigned.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html)

use super::{
    AssumedRoleUser, FederatedSession, Operation, PolicyDescriptor,
    TrustedIdentityPropagationContext, credentials_member, opt_i32, validate_role_arn,
};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::secret::SecretString;
use crate::validate::Checks;
use crate::xml::Element;

/// Exchanges a base64 SAML assertion from an identity provider for temporary credentials of a role.
/// The assertion is the credential: the request is not signed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoleWithSaml {
    /// The role to assume (required, 20..=2048).
    pub role_arn: String,
    /// The SAML provider in IAM that describes the identity provider (required, 20..=2048).
    pub principal_arn: String,
    /// The base64 SAML authentication response (required, secret, 4..=100000).
    pub saml_assertion: SecretString,
    /// Managed policies that further limit the session.
    pub policy_arns: Option<Vec<PolicyDescriptor>>,
    /// An inline session policy (JSON, 1..=2048).
    pub policy: Option<String>,
    /// Session length in seconds (900..=43200).
    pub duration_seconds: Option<i32>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
}

impl AssumeRoleWithSaml {
    /// A request for `role_arn`, trusting the SAML provider `principal_arn`, with `saml_assertion`.
    pub fn new(
        role_arn: impl Into<String>,
        principal_arn: impl Into<String>,
        saml_assertion: impl Into<SecretString>,
    ) -> Self {
        Self {
            role_arn: role_arn.into(),
            principal_arn: principal_arn.into(),
            saml_assertion: saml_assertion.into(),
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
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
    }
}

/// Credentials and identity of the SAML-federated session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoleWithSamlOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// The assumed role's id and ARN.
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// Percentage of the packed policy limit used (deprecated: see `session_token_utilization`).
    pub packed_policy_size: Option<i32>,
    /// The `NameID` of the assertion's `Subject`.
    pub subject: Option<String>,
    /// The format of the name id (`persistent`, `transient`, or a full URI).
    pub subject_type: Option<String>,
    /// The `Issuer` of the assertion.
    pub issuer: Option<String>,
    /// The `Recipient` of the assertion's `SubjectConfirmationData`.
    pub audience: Option<String>,
    /// A hash of the issuer, the account id and the SAML provider name.
    pub name_qualifier: Option<String>,
    /// The source identity set on the session.
    pub source_identity: Option<String>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
    /// Identity propagation details of the session.
    pub trusted_identity_propagation_context: Option<TrustedIdentityPropagationContext>,
}

impl AssumeRoleWithSaml {
    fn session(&self) -> FederatedSession<'_> {
        FederatedSession {
            policy_arns: self.policy_arns.as_deref(),
            policy: self.policy.as_deref(),
            duration_seconds: self.duration_seconds,
            minimum_session_token_size: self.minimum_session_token_size,
        }
    }
}

impl Operation for AssumeRoleWithSaml {
    const ACTION: &'static str = "AssumeRoleWithSAML";
    const SIGNED: bool = false;
    type Output = AssumeRoleWithSamlOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        validate_role_arn(&mut chk, "RoleArn", &self.role_arn);
        validate_role_arn(&mut chk, "PrincipalArn", &self.principal_arn);
        chk.length(
            "SAMLAssertion",
            self.saml_assertion.expose(),
            4,
            Some(100_000),
        );
        self.session().validate(&mut chk);
        chk.finish()
    }

    fn secrets<'a>(&'a self, visit: &mut dyn FnMut(&'a str)) {
        visit(self.saml_assertion.expose());
    }

    fn encode(&self, form: &mut Form) {
        form.push("RoleArn", &self.role_arn);
        form.push("PrincipalArn", &self.principal_arn);
        form.push("SAMLAssertion", self.saml_assertion.expose());
        self.session().encode(form);
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(AssumeRoleWithSamlOutput {
            credentials: credentials_member(result)?,
            assumed_role_user: result
                .child("AssumedRoleUser")
                .map(AssumedRoleUser::decode)
                .transpose()?,
            packed_policy_size: opt_i32(result, "PackedPolicySize")?,
            subject: result.opt_string("Subject"),
            subject_type: result.opt_string("SubjectType"),
            issuer: result.opt_string("Issuer"),
            audience: result.opt_string("Audience"),
            name_qualifier: result.opt_string("NameQualifier"),
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

    const ROLE: &str = "arn:aws:iam::123456789012:role/saml";
    const IDP: &str = "arn:aws:iam::123456789012:saml-provider/idp";

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = AssumeRoleWithSaml::new(ROLE, IDP, "PHNhbWw+")
            .policy_arns(vec![PolicyDescriptor::new(
                "arn:aws:iam::aws:policy/ReadOnly",
            )])
            .policy("{\"a\": 1}")
            .duration_seconds(3600)
            .minimum_session_token_size(0);
        const { assert!(!AssumeRoleWithSaml::SIGNED) };
        let pairs = decode(op.to_form().unwrap().as_str()).unwrap();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Action",
                "Version",
                "RoleArn",
                "PrincipalArn",
                "SAMLAssertion",
                "PolicyArns.member.1.arn",
                "Policy",
                "DurationSeconds",
                "MinimumSessionTokenSize",
            ]
        );
        assert_eq!(pairs[0].1, "AssumeRoleWithSAML");
        assert_eq!(pairs[4].1, "PHNhbWw+");
        assert!(!format!("{op:?}").contains("PHNhbWw+"));
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            AssumeRoleWithSaml::new("arn:short", IDP, "PHNhbWw+"),
            AssumeRoleWithSaml::new(ROLE, "arn:short", "PHNhbWw+"),
            AssumeRoleWithSaml::new(ROLE, IDP, "abc"),
            AssumeRoleWithSaml::new(ROLE, IDP, "a".repeat(100_001)),
            AssumeRoleWithSaml::new(ROLE, IDP, "PHNhbWw+").policy("x".repeat(2049)),
            AssumeRoleWithSaml::new(ROLE, IDP, "PHNhbWw+").policy(""),
            AssumeRoleWithSaml::new(ROLE, IDP, "PHNhbWw+").duration_seconds(43201),
            AssumeRoleWithSaml::new(ROLE, IDP, "PHNhbWw+").minimum_session_token_size(4097),
            AssumeRoleWithSaml::new(ROLE, IDP, "PHNhbWw+")
                .policy_arns(vec![PolicyDescriptor::new("arn:x")]),
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
        let xml = br#"<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleWithSAMLResult><Issuer>https://idp.example/</Issuer><Audience>https://signin.aws.amazon.com/saml</Audience>
<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
<SessionToken>token</SessionToken><Expiration>2019-11-01T20:26:47Z</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>ARO1:alice</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/saml/alice</Arn></AssumedRoleUser>
<Subject>alice</Subject><SubjectType>transient</SubjectType><NameQualifier>q=</NameQualifier>
<PackedPolicySize>6</PackedPolicySize><SessionTokenSize>900</SessionTokenSize><Unknown>x</Unknown>
<TrustedIdentityPropagationContext><OriginIdentity><Subject>u1</Subject></OriginIdentity>
<TransactionContext><IdentityProvider><entry><key>k</key><value>v</value></entry></IdentityProvider></TransactionContext>
</TrustedIdentityPropagationContext></AssumeRoleWithSAMLResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>"#;
        let d = decode_response::<AssumeRoleWithSaml>(200, xml, None).unwrap();
        let out = d.output;
        assert_eq!(d.request_id.as_deref(), Some("r-1"));
        assert_eq!(
            out.credentials()
                .unwrap()
                .session_token
                .clone()
                .unwrap()
                .expose(),
            "token"
        );
        assert_eq!(out.subject.as_deref(), Some("alice"));
        assert_eq!(out.subject_type.as_deref(), Some("transient"));
        assert_eq!(out.issuer.as_deref(), Some("https://idp.example/"));
        assert_eq!(out.name_qualifier.as_deref(), Some("q="));
        assert_eq!(out.packed_policy_size, Some(6));
        assert_eq!(out.session_token_size, Some(900));
        assert_eq!(out.session_token_utilization, None);
        let tip = out.trusted_identity_propagation_context.unwrap();
        assert_eq!(tip.origin_identity.unwrap().subject.unwrap().expose(), "u1");
        assert_eq!(
            tip.transaction_context.unwrap().identity_provider.unwrap(),
            [("k".to_owned(), "v".to_owned())]
        );
    }
}
