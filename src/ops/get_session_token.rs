//! GetSessionToken: temporary credentials for the calling IAM user, typically with MFA.
//! [API reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)

use super::{Operation, credentials_member, opt_i32};
use crate::Error;
use crate::credentials::Credentials;
use crate::query::Form;
use crate::secret::SecretString;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Returns temporary credentials for the IAM user or root user whose long-term credentials sign the
/// request, typically to satisfy an MFA requirement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetSessionToken {
    /// Session length in seconds (900..=129600).
    pub duration_seconds: Option<i32>,
    /// The MFA device serial number or ARN (9..=256).
    pub serial_number: Option<String>,
    /// The current MFA code (6 digits; secret: a one-time password, never shown in `Debug`).
    pub token_code: Option<SecretString>,
    /// The smallest session token size to return (0..=4096).
    pub minimum_session_token_size: Option<i32>,
}

impl GetSessionToken {
    /// A request with no members set (all are optional).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets the session length in seconds.
        duration_seconds: i32;
        /// Sets the MFA device serial number.
        into serial_number: String;
        /// Sets the MFA code.
        into token_code: SecretString;
        /// Sets the minimum session token size.
        minimum_session_token_size: i32;
    }
}

/// The session credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetSessionTokenOutput {
    /// The temporary credentials. The model does not require them: read them with
    /// [`Self::credentials`] to get an error when they are absent.
    pub credentials: Option<Credentials>,
    /// Percentage of the session token size limit used.
    pub session_token_utilization: Option<i32>,
    /// Size of the session token in bytes.
    pub session_token_size: Option<i32>,
}

impl Operation for GetSessionToken {
    const ACTION: &'static str = "GetSessionToken";
    type Output = GetSessionTokenOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.opt_range("DurationSeconds", self.duration_seconds, 900, Some(129_600));
        if let Some(s) = &self.serial_number {
            chk.length("SerialNumber", s, 9, Some(256));
            chk.pattern("SerialNumber", s, validate::SERIAL_NUMBER);
        }
        if let Some(c) = &self.token_code {
            chk.length("TokenCode", c.expose(), 6, Some(6));
            // A secret: the violation does not quote the character.
            chk.secret_pattern("TokenCode", c.expose(), validate::DIGITS);
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
    }

    fn encode(&self, form: &mut Form) {
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        form.push_opt("SerialNumber", self.serial_number.as_deref());
        form.push_opt(
            "TokenCode",
            self.token_code.as_ref().map(SecretString::expose),
        );
        form.push_int(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size.map(i64::from),
        );
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(GetSessionTokenOutput {
            credentials: credentials_member(result)?,
            session_token_utilization: opt_i32(result, "SessionTokenUtilization")?,
            session_token_size: opt_i32(result, "SessionTokenSize")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn encodes_every_member_in_model_order() {
        assert_eq!(
            GetSessionToken::new().to_form().unwrap().as_str(),
            "Action=GetSessionToken&Version=2011-06-15"
        );
        let op = GetSessionToken::new()
            .duration_seconds(3600)
            .serial_number("arn:aws:iam::123456789012:mfa/user")
            .token_code("012345")
            .minimum_session_token_size(4096);
        assert_eq!(
            op.to_form().unwrap().as_str(),
            "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600\
             &SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fuser&TokenCode=012345\
             &MinimumSessionTokenSize=4096"
        );
    }

    #[test]
    fn rejects_constraint_violations() {
        let bad = [
            GetSessionToken::new().duration_seconds(129_601),
            GetSessionToken::new().serial_number("short"),
            GetSessionToken::new().serial_number("arn:aws:iam::1:mfa/a b"),
            GetSessionToken::new().token_code("12345"),
            GetSessionToken::new().token_code("12345x"),
            GetSessionToken::new().minimum_session_token_size(-5),
        ];
        for op in bad {
            assert!(
                matches!(op.validate(), Err(Error::InvalidInput { .. })),
                "{op:?}"
            );
        }
    }

    #[test]
    fn decodes_multiline_token_and_missing_session_token() {
        let xml = b"<GetSessionTokenResponse><GetSessionTokenResult><Credentials>
<SessionToken>AQo\n  more</SessionToken><SecretAccessKey>secret</SecretAccessKey>
<Expiration>2011-07-11T19:55:29.611Z</Expiration><AccessKeyId>AKIAEXAMPLEEXAMPLE</AccessKeyId>
</Credentials><SessionTokenSize>860</SessionTokenSize></GetSessionTokenResult></GetSessionTokenResponse>";
        let d = decode_response::<GetSessionToken>(200, xml, Some("hdr")).unwrap();
        assert_eq!(
            d.output
                .credentials()
                .unwrap()
                .session_token
                .clone()
                .unwrap()
                .expose(),
            "AQo\n  more"
        );
        assert_eq!(d.output.session_token_size, Some(860));
        assert_eq!(d.request_id.as_deref(), Some("hdr"));
        let xml = b"<GetSessionTokenResponse><GetSessionTokenResult><Credentials>
<SecretAccessKey>s</SecretAccessKey><Expiration>2011-07-11T19:55:29Z</Expiration>
<AccessKeyId>AKIAEXAMPLEEXAMPLE</AccessKeyId></Credentials></GetSessionTokenResult></GetSessionTokenResponse>";
        let out = decode_response::<GetSessionToken>(200, xml, None)
            .unwrap()
            .output;
        assert!(out.credentials().unwrap().session_token.is_none());
    }
}
