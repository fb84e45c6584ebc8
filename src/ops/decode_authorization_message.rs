//! DecodeAuthorizationMessage: decodes the encoded authorization-failure message of a denied request.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html)

use super::Operation;
use crate::Error;
use crate::query::Form;
use crate::validate::Checks;
use crate::xml::Element;

/// Decodes the encoded message that some services return with an access-denied error into a JSON
/// document describing why the request was denied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DecodeAuthorizationMessage {
    /// The encoded message from the error (required, 1..=10240).
    pub encoded_message: String,
}

impl DecodeAuthorizationMessage {
    /// A request to decode `encoded_message`.
    pub fn new(encoded_message: impl Into<String>) -> Self {
        Self {
            encoded_message: encoded_message.into(),
        }
    }
}

/// The decoded message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DecodeAuthorizationMessageOutput {
    /// The decoded authorization status, a JSON document (XML entities already decoded).
    pub decoded_message: Option<String>,
}

impl Operation for DecodeAuthorizationMessage {
    const ACTION: &'static str = "DecodeAuthorizationMessage";
    type Output = DecodeAuthorizationMessageOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.length("EncodedMessage", &self.encoded_message, 1, Some(10240));
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push("EncodedMessage", &self.encoded_message);
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(DecodeAuthorizationMessageOutput {
            decoded_message: result.opt_string("DecodedMessage"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn encodes_and_validates() {
        let op = DecodeAuthorizationMessage::new("a+b/c=");
        assert_eq!(
            op.to_form().unwrap().as_str(),
            "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=a%2Bb%2Fc%3D"
        );
        for bad in [String::new(), "x".repeat(10241)] {
            let e = DecodeAuthorizationMessage::new(bad).validate().unwrap_err();
            assert!(
                e.violations()
                    .first()
                    .is_some_and(|v| v.field == "EncodedMessage"),
                "{e:?}"
            );
        }
        assert!(
            DecodeAuthorizationMessage::new("x".repeat(10240))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn decodes_entities() {
        let xml = br#"<DecodeAuthorizationMessageResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<DecodeAuthorizationMessageResult><DecodedMessage>{"name":"Bob &amp; &lt;Alice&gt;"}</DecodedMessage>
</DecodeAuthorizationMessageResult><ResponseMetadata><RequestId>r-4</RequestId></ResponseMetadata>
</DecodeAuthorizationMessageResponse>"#;
        let out = decode_response::<DecodeAuthorizationMessage>(200, xml, None)
            .unwrap()
            .output;
        assert_eq!(
            out.decoded_message.as_deref(),
            Some(r#"{"name":"Bob & <Alice>"}"#)
        );
    }
}
