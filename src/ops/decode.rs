//! A response decoded into an operation's output: the XML envelope is `xml`'s, the `<ActionResult>`
//! is the operation's ([`Operation::decode`]). Here, so that the XML reader knows no operation.

use super::Operation;
use crate::error::Error;
use crate::xml::read_response;

/// A parsed success response: the output and the request id from `ResponseMetadata`
/// (`Sts::send_with_metadata`, and the call engine's [`Next::Done`](crate::engine::Next::Done)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Decoded<T> {
    /// The operation's output.
    pub output: T,
    /// `ResponseMetadata/RequestId`, or else the `x-amzn-RequestId` header.
    pub request_id: Option<String>,
}

/// Decodes a response to `O`: a 2xx `<OResponse><OResult>` body into the output, anything else into an
/// error.
///
/// `header_request_id` is the `x-amzn-RequestId` header, used when the body has no request id.
///
/// # Errors
/// [`Error::Service`] for an STS error body, [`Error::InvalidResponse`] for anything not understood,
/// including a 2xx body of another operation.
pub fn decode_response<O: Operation>(
    status: u16,
    body: &[u8],
    header_request_id: Option<&str>,
) -> Result<Decoded<O::Output>, Error> {
    let (output, request_id) = read_response(
        status,
        body,
        header_request_id,
        O::ACTION,
        O::RESULT_OPTIONAL,
        O::decode,
    )?;
    Ok(Decoded { output, request_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{AssumeRole, GetAccessKeyInfo, GetCallerIdentity};

    #[test]
    fn output_and_request_id() {
        let body =
            b"<GetAccessKeyInfoResponse><GetAccessKeyInfoResult><Account>111122223333</Account>\
</GetAccessKeyInfoResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\
</GetAccessKeyInfoResponse>";
        let d = decode_response::<GetAccessKeyInfo>(200, body, Some("hdr")).unwrap();
        assert_eq!(d.output.account.as_deref(), Some("111122223333"));
        assert_eq!(d.request_id.as_deref(), Some("r-1"));
    }

    /// Found by fuzzing (`fuzz/fuzz_targets/responses.rs`): a malformed 201 body was reported as an
    /// invalid response with status 200, the status the member getters assume.
    #[test]
    fn invalid_success_bodies_keep_their_status() {
        let no_result = b"<GetCallerIdentityResponse></GetCallerIdentityResponse>";
        let bad_member = b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>\
<SecretAccessKey>s</SecretAccessKey><Expiration>soon</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
        for status in [200, 201, 299] {
            match decode_response::<GetCallerIdentity>(status, no_result, None) {
                Err(Error::InvalidResponse { status: s, .. }) => assert_eq!(s, status),
                other => panic!("{other:?}"),
            }
            match decode_response::<AssumeRole>(status, bad_member, None) {
                Err(Error::InvalidResponse { status: s, .. }) => assert_eq!(s, status),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn another_operations_body_is_invalid() {
        let body =
            b"<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>";
        match decode_response::<AssumeRole>(200, body, None) {
            Err(Error::InvalidResponse { reason, .. }) => {
                assert_eq!(
                    reason,
                    "expected <AssumeRoleResponse>, got <GetCallerIdentityResponse>"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
