//! Decoding follows the model: every top-level output member is optional, so a result that lacks
//! one (STS sending only `SessionTokenUtilization`, a newer model dropping a member) decodes, and
//! the accessors say what is missing only when asked.

use super::*;
use crate::ops::decode_response;

/// A success response for `action` whose result holds only `inner`.
fn response(action: &str, inner: &str) -> Vec<u8> {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         {inner}</{action}Result><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>\
         </{action}Response>"
    )
    .into_bytes()
}

/// Decodes `inner` as `O`'s result (no other member).
fn decode<O: Operation>(inner: &str) -> O::Output {
    match decode_response::<O>(200, &response(O::ACTION, inner), None) {
        Ok(d) => d.output,
        Err(e) => panic!("{}: {e}", O::ACTION),
    }
}

/// The error an accessor gives for an absent `Credentials` member.
fn assert_missing(e: &Error, action: &str) {
    match e {
        Error::InvalidResponse { status, reason, .. } => {
            assert_eq!(*status, 200);
            assert_eq!(reason, &format!("missing {action}Result/Credentials"));
        }
        other => panic!("{action}: {other:?}"),
    }
}

/// Each credential-returning operation: only `SessionTokenUtilization` (or, for the operations
/// without it, nothing) decodes; `credentials` is `None` and the accessors say it is missing.
macro_rules! credentials_optional {
    ($($test:ident: $op:ty, $inner:expr, |$o:ident| $check:expr;)*) => {$(
        #[test]
        fn $test() {
            let $o = decode::<$op>($inner);
            assert_eq!($o.credentials, None);
            assert_missing(&$o.credentials().unwrap_err(), <$op>::ACTION);
            $check;
            assert_missing(&$o.into_credentials().unwrap_err(), <$op>::ACTION);
        }
    )*};
}

const UTILIZATION: &str = "<SessionTokenUtilization>12</SessionTokenUtilization>";

credentials_optional! {
    assume_role_without_credentials: AssumeRole, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
    assume_role_with_saml_without_credentials: AssumeRoleWithSaml, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
    assume_role_with_web_identity_without_credentials: AssumeRoleWithWebIdentity, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
    assume_root_without_credentials: AssumeRoot, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
    get_delegated_access_token_without_credentials: GetDelegatedAccessToken,
        "<AssumedPrincipal>arn:aws:iam::1:user/u</AssumedPrincipal>",
        |o| assert_eq!(o.assumed_principal.as_deref(), Some("arn:aws:iam::1:user/u"));
    get_federation_token_without_credentials: GetFederationToken, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
    get_scoped_credentials_without_credentials: GetScopedCredentials, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
    get_session_token_without_credentials: GetSessionToken, UTILIZATION,
        |o| assert_eq!(o.session_token_utilization, Some(12));
}

#[test]
fn credentials_accessors_return_what_was_sent() {
    let creds = "<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>\
        <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
        <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>";
    let o = decode::<GetSessionToken>(creds);
    assert_eq!(o.credentials().unwrap().access_key_id, "ASIAEXAMPLE");
    assert_eq!(o.into_credentials().unwrap().access_key_id, "ASIAEXAMPLE");
}

#[test]
fn get_web_identity_token_members_are_optional() {
    let o = decode::<GetWebIdentityToken>("<Expiration>2030-01-01T00:00:00Z</Expiration>");
    assert!(o.web_identity_token.is_none());
    assert!(o.expiration.is_some());
    let o = decode::<GetWebIdentityToken>("<WebIdentityToken>jwt</WebIdentityToken>");
    assert_eq!(
        o.web_identity_token.as_ref().map(SecretString::expose),
        Some("jwt")
    );
    assert!(o.expiration.is_none());
}

#[test]
fn outputs_without_credentials_decode_empty() {
    assert_eq!(
        decode::<GetCallerIdentity>(""),
        GetCallerIdentityOutput::default()
    );
    assert_eq!(
        decode::<GetAccessKeyInfo>(""),
        GetAccessKeyInfoOutput::default()
    );
    assert_eq!(
        decode::<DecodeAuthorizationMessage>(""),
        DecodeAuthorizationMessageOutput::default()
    );
    assert_eq!(
        decode::<GetWebIdentityToken>(""),
        GetWebIdentityTokenOutput::default()
    );
    assert_eq!(decode::<AssumeRole>(""), AssumeRoleOutput::default());
}

#[test]
fn required_members_of_nested_structures_still_are() {
    // The model requires AssumedRoleUser/Arn, Credentials/AccessKeyId...: present but incomplete
    // structures are malformed.
    let e = decode_response::<AssumeRole>(
        200,
        &response(
            "AssumeRole",
            "<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>",
        ),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
    let e = decode_response::<GetSessionToken>(
        200,
        &response(
            "GetSessionToken",
            "<Credentials><SecretAccessKey>s</SecretAccessKey>\
             <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>",
        ),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
}
