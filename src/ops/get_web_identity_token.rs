//! GetWebIdentityToken: a signed JWT that represents the caller, for external OIDC-aware services.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html)

use super::{Operation, Tag, encode_tags, validate_tags};
use crate::Error;
use crate::query::Form;
use crate::secret::SecretString;
use crate::validate::Checks;
use crate::xml::Element;
use time::OffsetDateTime;

/// Returns a signed JSON Web Token that represents the calling principal, for authenticating to
/// services outside AWS that trust the account's OIDC issuer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetWebIdentityToken {
    /// The intended recipients, the `aud` claim (required, 1..=10 items of 1..=1000 characters).
    pub audience: Vec<String>,
    /// Token lifetime in seconds (60..=3600; the service defaults to 300).
    pub duration_seconds: Option<i32>,
    /// The JWT signing algorithm (required, 5 characters): [`Self::RS256`] or [`Self::ES384`].
    pub signing_algorithm: String,
    /// OAuth 2.0 scope values for the `scope` claim, separated by single spaces (1..=256).
    pub scope: Option<String>,
    /// Which identity goes in the `sub` claim: [`Self::AWS_IDENTITY`] or [`Self::ORIGIN_IDENTITY`].
    pub subject_mode: Option<String>,
    /// Tags added to the token as custom claims (at most 50).
    pub tags: Option<Vec<Tag>>,
}

impl GetWebIdentityToken {
    /// The `RS256` signing algorithm (RSA with SHA-256).
    pub const RS256: &'static str = "RS256";
    /// The `ES384` signing algorithm (ECDSA on P-384 with SHA-384).
    pub const ES384: &'static str = "ES384";
    /// Subject mode `AWSIdentity`: `sub` is the caller's ARN (the service default).
    pub const AWS_IDENTITY: &'static str = "AWSIdentity";
    /// Subject mode `OriginIdentity`: `sub` is the origin identity of the calling session.
    pub const ORIGIN_IDENTITY: &'static str = "OriginIdentity";
    /// The values the model allows for `SubjectMode`.
    pub const SUBJECT_MODES: &'static [&'static str] = &[Self::AWS_IDENTITY, Self::ORIGIN_IDENTITY];

    /// A request for a token for `audience`, signed with `signing_algorithm`.
    pub fn new(audience: Vec<String>, signing_algorithm: impl Into<String>) -> Self {
        Self {
            audience,
            signing_algorithm: signing_algorithm.into(),
            ..Self::default()
        }
    }

    setters! {
        /// Sets the token lifetime in seconds.
        duration_seconds: i32;
        /// Sets the OAuth 2.0 scope.
        into scope: String;
        /// Sets the subject mode.
        into subject_mode: String;
        /// Sets the tags.
        tags: Vec<Tag>;
    }
}

/// The signed token. Both members are optional in the model: STS sends both with every success.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetWebIdentityTokenOutput {
    /// The signed JWT (secret).
    pub web_identity_token: Option<SecretString>,
    /// When the token expires.
    pub expiration: Option<OffsetDateTime>,
}

impl Operation for GetWebIdentityToken {
    const ACTION: &'static str = "GetWebIdentityToken";
    type Output = GetWebIdentityTokenOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.items("Audience", &self.audience, 1, 10);
        for (i, a) in self.audience.iter().enumerate() {
            chk.length(&format!("Audience[{i}]"), a, 1, Some(1000));
        }
        chk.opt_range("DurationSeconds", self.duration_seconds, 60, Some(3600));
        chk.length("SigningAlgorithm", &self.signing_algorithm, 5, Some(5));
        if let Some(s) = &self.scope {
            chk.length("Scope", s, 1, Some(256));
            chk.scope("Scope", s);
        }
        if let Some(m) = &self.subject_mode
            && !Self::SUBJECT_MODES.contains(&m.as_str())
        {
            chk.other(
                "SubjectMode",
                format!("must be AWSIdentity or OriginIdentity, got {m:?}"),
            );
        }
        validate_tags(&mut chk, self.tags.as_deref());
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push_list("Audience", &self.audience, |f, a| f.push_member("", a));
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        form.push("SigningAlgorithm", &self.signing_algorithm);
        form.push_opt("Scope", self.scope.as_deref());
        form.push_opt("SubjectMode", self.subject_mode.as_deref());
        encode_tags(form, self.tags.as_deref());
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetWebIdentityTokenOutput {
            web_identity_token: result.opt_str("WebIdentityToken").map(SecretString::from),
            expiration: result.opt_timestamp("Expiration")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;
    use crate::query::decode;
    use crate::xml::parse_timestamp;

    fn aud() -> Vec<String> {
        vec!["https://api.example.com".into()]
    }

    #[test]
    fn encodes_every_member_in_model_order() {
        let op = GetWebIdentityToken::new(
            vec!["https://a.example".into(), "urn:b".into()],
            GetWebIdentityToken::ES384,
        )
        .duration_seconds(60)
        .scope("read write:all")
        .subject_mode(GetWebIdentityToken::ORIGIN_IDENTITY)
        .tags(vec![Tag::new("team", "platform")]);
        let pairs = decode(op.to_form().unwrap().as_str()).unwrap();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Action",
                "Version",
                "Audience.member.1",
                "Audience.member.2",
                "DurationSeconds",
                "SigningAlgorithm",
                "Scope",
                "SubjectMode",
                "Tags.member.1.Key",
                "Tags.member.1.Value",
            ]
        );
        assert_eq!(pairs[6].1, "read write:all");
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            GetWebIdentityToken::new(vec![], "RS256"),
            GetWebIdentityToken::new((0..11).map(|i| format!("a{i}")).collect(), "RS256"),
            GetWebIdentityToken::new(vec![String::new()], "RS256"),
            GetWebIdentityToken::new(vec!["x".repeat(1001)], "RS256"),
            GetWebIdentityToken::new(aud(), "RS2560"),
            GetWebIdentityToken::new(aud(), "RS25"),
            GetWebIdentityToken::new(aud(), "RS256").duration_seconds(59),
            GetWebIdentityToken::new(aud(), "RS256").duration_seconds(3601),
            GetWebIdentityToken::new(aud(), "RS256").scope(""),
            GetWebIdentityToken::new(aud(), "RS256").scope(" read"),
            GetWebIdentityToken::new(aud(), "RS256").scope("a,b"),
            GetWebIdentityToken::new(aud(), "RS256").scope("x".repeat(257)),
            GetWebIdentityToken::new(aud(), "RS256").subject_mode("awsidentity"),
            GetWebIdentityToken::new(aud(), "RS256").tags(vec![Tag::new("k", "v#")]),
        ];
        for op in bad {
            assert!(
                matches!(op.validate(), Err(Error::InvalidInput { .. })),
                "{op:?}"
            );
        }
        let e = GetWebIdentityToken::new(aud(), "RS256")
            .subject_mode("x")
            .validate()
            .unwrap_err();
        assert_eq!(e.violations()[0].field, "SubjectMode");
    }

    #[test]
    fn decodes_output_and_redacts_token() {
        let xml =
            br#"<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetWebIdentityTokenResult><Expiration>2026-11-26T12:05:00Z</Expiration>
<WebIdentityToken>eyJhbGciOiJSUzI1NiJ9.e30.c2ln</WebIdentityToken></GetWebIdentityTokenResult>
<ResponseMetadata><RequestId>r-9</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>"#;
        let out = decode_response::<GetWebIdentityToken>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(
            out.web_identity_token.as_ref().unwrap().expose(),
            "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
        );
        assert_eq!(out.expiration, parse_timestamp("2026-11-26T12:05:00Z"));
        assert!(!format!("{out:?}").contains("eyJ"));
    }
}
