//! GetDelegatedAccessToken: exchanges a trade-in token for credentials of the principal it designates.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetDelegatedAccessToken.html)

use super::{Operation, credentials_member, opt_i32};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::secret::SecretString;
use crate::xml::Element;

/// Exchanges a trade-in token for temporary credentials of the principal the token designates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetDelegatedAccessToken {
    /// The token to exchange (required, secret).
    pub trade_in_token: SecretString,
}

impl GetDelegatedAccessToken {
    /// A request to exchange `trade_in_token`.
    pub fn new(trade_in_token: impl Into<SecretString>) -> Self {
        Self {
            trade_in_token: trade_in_token.into(),
        }
    }
}

/// The delegated credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetDelegatedAccessTokenOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// Deprecated and not populated by this operation.
    pub packed_policy_size: Option<i32>,
    /// The ARN of the principal whose credentials were returned.
    pub assumed_principal: Option<String>,
}

impl Operation for GetDelegatedAccessToken {
    const ACTION: &'static str = "GetDelegatedAccessToken";
    type Output = GetDelegatedAccessTokenOutput;

    fn validate(&self) -> Result<(), Error> {
        // The model sets no length or pattern on the token; it only has to be present.
        Ok(())
    }

    fn secrets<'a>(&'a self, visit: &mut dyn FnMut(&'a str)) {
        visit(self.trade_in_token.expose());
    }

    fn encode(&self, form: &mut Form) {
        form.push("TradeInToken", self.trade_in_token.expose());
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetDelegatedAccessTokenOutput {
            credentials: credentials_member(result)?,
            packed_policy_size: opt_i32(result, "PackedPolicySize")?,
            assumed_principal: result.opt_string("AssumedPrincipal"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn encodes_and_redacts() {
        let op = GetDelegatedAccessToken::new("marker/x+==");
        assert!(op.validate().is_ok());
        assert_eq!(
            op.to_form().unwrap().as_str(),
            "Action=GetDelegatedAccessToken&Version=2011-06-15&TradeInToken=marker%2Fx%2B%3D%3D"
        );
        assert!(!format!("{op:?}").contains("marker"));
    }

    #[test]
    fn decodes_output() {
        let xml = br#"<GetDelegatedAccessTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetDelegatedAccessTokenResult><AssumedPrincipal>arn:aws:sts::123456789012:assumed-role/R/s</AssumedPrincipal>
<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
<SessionToken>token</SessionToken><Expiration>2026-11-26T13:00:00Z</Expiration></Credentials>
</GetDelegatedAccessTokenResult><ResponseMetadata><RequestId>r-6</RequestId></ResponseMetadata>
</GetDelegatedAccessTokenResponse>"#;
        let out = decode_response::<GetDelegatedAccessToken>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(
            out.assumed_principal.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/R/s")
        );
        assert_eq!(out.packed_policy_size, None);
        assert_eq!(
            out.credentials().unwrap().secret_access_key.expose(),
            "secret"
        );
    }

    #[test]
    fn missing_credentials_decode_and_the_accessor_says_so() {
        let xml = br"<GetDelegatedAccessTokenResponse><GetDelegatedAccessTokenResult>
</GetDelegatedAccessTokenResult></GetDelegatedAccessTokenResponse>";
        let out = decode_response::<GetDelegatedAccessToken>(200, xml, None)
            .unwrap()
            .output;
        assert!(out.credentials.is_none());
        assert!(matches!(
            out.credentials(),
            Err(Error::InvalidResponse { .. })
        ));
    }
}
