//! GetAccessKeyInfo: which account owns an access key id?
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html)

use super::Operation;
use crate::Error;
use crate::query::Form;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Returns the account id that owns an access key id (`AKIA...` or `ASIA...`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetAccessKeyInfo {
    /// The access key id to look up (required, 16..=128, `[\w]*`).
    pub access_key_id: String,
}

impl GetAccessKeyInfo {
    /// A request for `access_key_id`.
    pub fn new(access_key_id: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
        }
    }
}

/// The owning account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetAccessKeyInfoOutput {
    /// The account id that owns the access key.
    pub account: Option<String>,
}

impl Operation for GetAccessKeyInfo {
    const ACTION: &'static str = "GetAccessKeyInfo";
    type Output = GetAccessKeyInfoOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.length("AccessKeyId", &self.access_key_id, 16, Some(128));
        chk.pattern("AccessKeyId", &self.access_key_id, validate::WORD);
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push("AccessKeyId", &self.access_key_id);
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetAccessKeyInfoOutput {
            account: result.opt_string("Account"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn encodes_and_validates() {
        let op = GetAccessKeyInfo::new("AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            op.to_form().unwrap().as_str(),
            "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=AKIAIOSFODNN7EXAMPLE"
        );
        for bad in ["AKIASHORT", "AKIAIOSFODNN7EXAMPLE-", &"A".repeat(129)] {
            assert!(
                matches!(
                    GetAccessKeyInfo::new(bad).validate(),
                    Err(Error::InvalidInput { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn decodes_output() {
        let xml =
            br#"<GetAccessKeyInfoResponse><GetAccessKeyInfoResult><Account>111122223333</Account>
<Extra/></GetAccessKeyInfoResult><ResponseMetadata><RequestId>r-5</RequestId></ResponseMetadata>
</GetAccessKeyInfoResponse>"#;
        let d = decode_response::<GetAccessKeyInfo>(200, xml, None).unwrap();
        assert_eq!(d.output.account.as_deref(), Some("111122223333"));
        assert_eq!(d.request_id.as_deref(), Some("r-5"));
    }
}
