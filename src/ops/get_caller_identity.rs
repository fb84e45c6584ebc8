//! GetCallerIdentity: who am I?
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)

use super::Operation;
use crate::Error;
use crate::query::Form;
use crate::xml::Element;

/// Returns the account, user id and ARN of the credentials that sign the request. Takes no input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetCallerIdentity;

impl GetCallerIdentity {
    /// The (empty) request.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

/// The caller's identity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetCallerIdentityOutput {
    /// The unique id of the caller (`AIDA...` or `AROA...:session`).
    pub user_id: Option<String>,
    /// The account id.
    pub account: Option<String>,
    /// The caller's ARN.
    pub arn: Option<String>,
}

impl Operation for GetCallerIdentity {
    const ACTION: &'static str = "GetCallerIdentity";
    type Output = GetCallerIdentityOutput;

    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    fn encode(&self, _form: &mut Form) {}

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetCallerIdentityOutput {
            user_id: result.opt_string("UserId"),
            account: result.opt_string("Account"),
            arn: result.opt_string("Arn"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn body_and_parse() {
        assert_eq!(
            GetCallerIdentity.to_form().unwrap().as_str(),
            "Action=GetCallerIdentity&Version=2011-06-15"
        );
        let xml = br#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
        let d = decode_response::<GetCallerIdentity>(200, xml, None).unwrap();
        assert_eq!(d.output.account.as_deref(), Some("123456789012"));
        assert_eq!(d.output.user_id.as_deref(), Some("AIDACKCEVSQ6C2EXAMPLE"));
        assert_eq!(
            d.request_id.as_deref(),
            Some("01234567-89ab-cdef-0123-456789abcdef")
        );
    }
}
