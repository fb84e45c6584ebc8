//! The three IAM operations that rotate an access key — [`GetUser`], [`CreateAccessKey`] and
//! [`DeleteAccessKey`] — and IAM's endpoints. IAM speaks awsQuery as STS does (API version
//! `2010-05-08`): its operations go through the same call engine (SigV4, the form encoding, the
//! XML reader, retries, clock-skew correction, redaction), signed for the service `iam`. Send
//! them with an [`Iam`] client (`StsBuilder::build_iam`, the `client` feature), or drive a
//! [`Call`](crate::engine::Call) on an [`Engine`](crate::engine::Engine) built for
//! [`endpoint`]'s result; sent to an STS endpoint they fail before anything goes out.
//!
//! ```
//! use sts_blocking::iam::{self, CreateAccessKey};
//! use sts_blocking::ops::Operation;
//! let form = CreateAccessKey::new().user_name("alice").to_form()?;
//! assert_eq!(form.as_str(), "Action=CreateAccessKey&Version=2010-05-08&UserName=alice");
//! // IAM is global: one endpoint per partition, signed for its first region.
//! let ep = iam::endpoint(Some("eu-west-1"), false)?;
//! assert_eq!((ep.url.as_str(), ep.signing_region.as_str()), ("https://iam.amazonaws.com", "us-east-1"));
//! let cn = iam::endpoint(Some("cn-northwest-1"), false)?;
//! assert_eq!(cn.url, "https://iam.cn-north-1.amazonaws.com.cn");
//! # Ok::<(), sts_blocking::Error>(())
//! ```

use crate::Error;
use crate::endpoint::{ResolvedEndpoint, partition_for};
use crate::ops::Operation;
use crate::query::Form;
use crate::secret::SecretString;
use crate::validate::Checks;
use crate::xml::Element;
use time::OffsetDateTime;

#[cfg(feature = "client")]
pub use crate::client::iam::Iam;

/// IAM's API version.
pub const API_VERSION: &str = "2010-05-08";

/// IAM's signing name.
pub const SIGNING_NAME: &str = "iam";

/// IAM's endpoint for `region`'s partition (IAM is global: `https://iam.amazonaws.com` signed for
/// `us-east-1` in the `aws` partition, the partition's own elsewhere), as botocore's endpoint data
/// has it; `use_fips` picks the FIPS host where there is one. Without a region, the `aws`
/// partition's.
///
/// # Errors
/// [`Error::Endpoint`] for a partition without a known IAM endpoint (name one with an endpoint
/// URL instead), or FIPS where IAM has none.
pub fn endpoint(region: Option<&str>, use_fips: bool) -> Result<ResolvedEndpoint, Error> {
    let partition = region.map_or("aws", |r| partition_for(r).id);
    let (host, fips, signing_region) = match partition {
        "aws" => (
            "iam.amazonaws.com",
            Some("iam-fips.amazonaws.com"),
            "us-east-1",
        ),
        "aws-cn" => ("iam.cn-north-1.amazonaws.com.cn", None, "cn-north-1"),
        "aws-us-gov" => (
            "iam.us-gov.amazonaws.com",
            Some("iam.us-gov.amazonaws.com"),
            "us-gov-west-1",
        ),
        "aws-iso" => ("iam.us-iso-east-1.c2s.ic.gov", None, "us-iso-east-1"),
        "aws-iso-b" => ("iam.us-isob-east-1.sc2s.sgov.gov", None, "us-isob-east-1"),
        "aws-iso-f" => (
            "iam.us-isof-south-1.csp.hci.ic.gov",
            None,
            "us-isof-south-1",
        ),
        other => {
            return Err(Error::Endpoint {
                message: format!(
                    "no known IAM endpoint in partition {other}: set an endpoint URL for IAM"
                ),
            });
        }
    };
    let host = if use_fips {
        fips.ok_or_else(|| Error::Endpoint {
            message: format!("IAM has no FIPS endpoint in partition {partition}"),
        })?
    } else {
        host
    };
    Ok(custom_endpoint(format!("https://{host}"), signing_region))
}

/// A custom IAM endpoint (`--endpoint-url`, `AWS_ENDPOINT_URL_IAM`), signed for the global
/// region of `region`'s partition (`us-east-1` without one).
#[must_use]
pub fn custom_endpoint(url: impl Into<String>, signing_region: &str) -> ResolvedEndpoint {
    ResolvedEndpoint {
        url: url.into(),
        signing_region: signing_region.to_owned(),
        signing_name: SIGNING_NAME,
    }
}

/// The region IAM signs for in `region`'s partition (what a custom endpoint signs for).
#[must_use]
pub fn signing_region(region: Option<&str>) -> &'static str {
    match region.map_or("aws", |r| partition_for(r).id) {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        "aws-iso" => "us-iso-east-1",
        "aws-iso-b" => "us-isob-east-1",
        "aws-iso-f" => "us-isof-south-1",
        _ => "us-east-1",
    }
}

/// `[\w+=,.@-]+`, 1 to 128 characters: an IAM user name.
fn check_user_name(chk: &mut Checks, name: Option<&str>) {
    if let Some(n) = name {
        chk.length("UserName", n, 1, Some(128));
        chk.pattern("UserName", n, crate::validate::USER_NAME);
    }
}

/// An IAM user as `GetUser` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// The user's name.
    pub user_name: String,
    /// `AIDA...`.
    pub user_id: String,
    /// `arn:aws:iam::ACCOUNT:user/NAME`.
    pub arn: String,
    /// The user's path (`/`).
    pub path: Option<String>,
    /// When the user was made.
    pub create_date: Option<OffsetDateTime>,
}

/// `GetUser`: the user `user_name` names, or the caller's own without one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetUser {
    /// The user; the signing user when `None`.
    pub user_name: Option<String>,
}

impl GetUser {
    /// The signing user.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the user.
    #[must_use]
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = Some(name.into());
        self
    }
}

/// `GetUser`'s output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetUserOutput {
    /// The user.
    pub user: Option<User>,
}

/// A new access key: its secret is only ever returned by `CreateAccessKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessKey {
    /// The user it belongs to.
    pub user_name: String,
    /// `AKIA...`.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// The secret (never in `Debug`).
    pub secret_access_key: SecretString,
    /// When it was made.
    pub create_date: Option<OffsetDateTime>,
}

/// `CreateAccessKey`: a new access key for `user_name`, or for the signing user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateAccessKey {
    /// The user; the signing user when `None`.
    pub user_name: Option<String>,
}

impl CreateAccessKey {
    /// A key for the signing user.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the user.
    #[must_use]
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = Some(name.into());
        self
    }
}

/// `CreateAccessKey`'s output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CreateAccessKeyOutput {
    /// The new key.
    pub access_key: Option<AccessKey>,
}

/// `DeleteAccessKey`: deletes `access_key_id` of `user_name` (or of the signing user).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteAccessKey {
    /// The key to delete.
    pub access_key_id: String,
    /// The user; the signing user when `None`.
    pub user_name: Option<String>,
}

impl DeleteAccessKey {
    /// Deletes `access_key_id` of the signing user.
    pub fn new(access_key_id: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            user_name: None,
        }
    }

    /// Names the user.
    #[must_use]
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = Some(name.into());
        self
    }
}

/// `DeleteAccessKey`'s (empty) output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeleteAccessKeyOutput;

impl crate::sealed::Sealed for GetUser {}
impl crate::sealed::Sealed for CreateAccessKey {}
impl crate::sealed::Sealed for DeleteAccessKey {}

impl Operation for GetUser {
    const ACTION: &'static str = "GetUser";
    const VERSION: &'static str = API_VERSION;
    const SERVICE: &'static str = SIGNING_NAME;
    type Output = GetUserOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        check_user_name(&mut chk, self.user_name.as_deref());
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push_opt("UserName", self.user_name.as_deref());
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        let user = result
            .child("User")
            .map(|u| -> Result<User, Error> {
                Ok(User {
                    user_name: u.string("UserName")?,
                    user_id: u.string("UserId")?,
                    arn: u.string("Arn")?,
                    path: u.opt_string("Path"),
                    create_date: u.opt_timestamp("CreateDate")?,
                })
            })
            .transpose()?;
        Ok(GetUserOutput { user })
    }
}

impl Operation for CreateAccessKey {
    const ACTION: &'static str = "CreateAccessKey";
    const VERSION: &'static str = API_VERSION;
    const SERVICE: &'static str = SIGNING_NAME;
    type Output = CreateAccessKeyOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        check_user_name(&mut chk, self.user_name.as_deref());
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push_opt("UserName", self.user_name.as_deref());
    }

    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error> {
        let access_key = result
            .child("AccessKey")
            .map(|k| -> Result<AccessKey, Error> {
                Ok(AccessKey {
                    user_name: k.string("UserName")?,
                    access_key_id: k.string("AccessKeyId")?.trim().to_owned(),
                    status: k.string("Status")?,
                    secret_access_key: SecretString::from(k.string("SecretAccessKey")?.trim()),
                    create_date: k.opt_timestamp("CreateDate")?,
                })
            })
            .transpose()?;
        Ok(CreateAccessKeyOutput { access_key })
    }
}

impl Operation for DeleteAccessKey {
    const ACTION: &'static str = "DeleteAccessKey";
    const VERSION: &'static str = API_VERSION;
    const SERVICE: &'static str = SIGNING_NAME;
    const RESULT_OPTIONAL: bool = true;
    type Output = DeleteAccessKeyOutput;

    fn validate(&self) -> Result<(), Error> {
        let mut chk = Checks::default();
        chk.length("AccessKeyId", &self.access_key_id, 16, Some(128));
        chk.pattern("AccessKeyId", &self.access_key_id, crate::validate::WORD);
        check_user_name(&mut chk, self.user_name.as_deref());
        chk.finish()
    }

    fn encode(&self, form: &mut Form) {
        form.push_opt("UserName", self.user_name.as_deref());
        form.push("AccessKeyId", &self.access_key_id);
    }

    fn decode(_result: Element<'_, '_>) -> Result<Self::Output, Error> {
        Ok(DeleteAccessKeyOutput)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decode_response;

    #[test]
    fn forms_and_validation() {
        assert_eq!(
            GetUser::new().to_form().unwrap().as_str(),
            "Action=GetUser&Version=2010-05-08"
        );
        let e = DeleteAccessKey::new("AKIAIOSFODNN7EXAMPLE")
            .user_name("al ice")
            .to_form()
            .unwrap_err()
            .to_string();
        assert!(e.contains("UserName"), "{e}");
        assert_eq!(
            DeleteAccessKey::new("AKIAIOSFODNN7EXAMPLE")
                .to_form()
                .unwrap()
                .as_str(),
            "Action=DeleteAccessKey&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE"
        );
        assert!(DeleteAccessKey::new("AKIA").to_form().is_err());
        assert!(
            DeleteAccessKey::new("AKIA/../../x-0000000")
                .to_form()
                .is_err()
        );
    }

    #[test]
    fn decodes_iam_responses() {
        let body = b"<CreateAccessKeyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
            <CreateAccessKeyResult><AccessKey><UserName>alice</UserName>\
            <AccessKeyId>AKIANEWKEYEXAMPLE0001</AccessKeyId><Status>Active</Status>\
            <SecretAccessKey>new-secret</SecretAccessKey><CreateDate>2026-01-01T00:00:00Z</CreateDate>\
            </AccessKey></CreateAccessKeyResult><ResponseMetadata><RequestId>r1</RequestId>\
            </ResponseMetadata></CreateAccessKeyResponse>";
        let d = decode_response::<CreateAccessKey>(200, body, None).unwrap();
        let k = d.output.access_key.unwrap();
        assert_eq!(k.access_key_id, "AKIANEWKEYEXAMPLE0001");
        assert_eq!(k.secret_access_key.expose(), "new-secret");
        assert!(!format!("{k:?}").contains("new-secret"));
        assert_eq!(d.request_id.as_deref(), Some("r1"));
        let body = b"<DeleteAccessKeyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
            <ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DeleteAccessKeyResponse>";
        let d = decode_response::<DeleteAccessKey>(200, body, None).unwrap();
        assert_eq!(d.request_id.as_deref(), Some("r2"));
        let body =
            b"<GetUserResponse><GetUserResult><User><Path>/</Path><UserName>alice</UserName>\
            <UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/alice</Arn>\
            </User></GetUserResult></GetUserResponse>";
        let u = decode_response::<GetUser>(200, body, None)
            .unwrap()
            .output
            .user
            .unwrap();
        assert_eq!(
            (u.user_name.as_str(), u.path.as_deref()),
            ("alice", Some("/"))
        );
        // A result without its required members is an error, not a panic.
        let body = b"<GetUserResponse><GetUserResult><User><UserName>a</UserName></User>\
            </GetUserResult></GetUserResponse>";
        assert!(decode_response::<GetUser>(200, body, None).is_err());
        let body = b"<ErrorResponse><Error><Code>LimitExceeded</Code><Message>Cannot exceed quota \
            for AccessKeysPerUser: 2</Message></Error><RequestId>r3</RequestId></ErrorResponse>";
        let e = decode_response::<CreateAccessKey>(409, body, None).unwrap_err();
        assert!(e.to_string().contains("LimitExceeded"), "{e}");
    }

    #[test]
    fn an_engine_sends_only_its_own_service_s_operations() {
        use crate::engine::{Call, Engine, Next, Now};
        let creds = crate::Credentials::new("AKIDEXAMPLE", "secret", None);
        let sts =
            crate::endpoint::resolve(&crate::endpoint::EndpointParams::for_region("us-east-1"))
                .unwrap();
        let engine = Engine::builder(sts).build(Now::system()).unwrap();
        let op = GetUser::new();
        let mut call = Call::new(&engine, &op, Some(&creds), Now::system()).unwrap();
        match call.poll(Now::system()) {
            Next::Failed(e) => assert!(e.to_string().contains("iam service"), "{e}"),
            other => panic!("an IAM operation went to STS: {other:?}"),
        }
        let iam = Engine::builder(endpoint(None, false).unwrap())
            .build(Now::system())
            .unwrap();
        let mut call = Call::new(&iam, &op, Some(&creds), Now::system()).unwrap();
        match call.poll(Now::system()) {
            Next::Send(r) => {
                assert_eq!(r.url(), "https://iam.amazonaws.com/");
                let auth = r
                    .headers()
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .map(|(_, v)| v.to_string())
                    .unwrap();
                assert!(auth.contains("/us-east-1/iam/aws4_request"), "{auth}");
            }
            other => panic!("{other:?}"),
        }
        let gci = crate::ops::GetCallerIdentity::new();
        let mut back = Call::new(&iam, &gci, Some(&creds), Now::system()).unwrap();
        assert!(matches!(back.poll(Now::system()), Next::Failed(_)));
    }

    #[test]
    fn endpoints_per_partition() {
        let ep = |r: Option<&str>, fips| endpoint(r, fips).map(|e| (e.url, e.signing_region));
        assert_eq!(
            ep(None, false).unwrap(),
            ("https://iam.amazonaws.com".into(), "us-east-1".into())
        );
        assert_eq!(
            ep(Some("us-west-2"), true).unwrap().0,
            "https://iam-fips.amazonaws.com"
        );
        assert_eq!(
            ep(Some("us-gov-east-1"), false).unwrap(),
            (
                "https://iam.us-gov.amazonaws.com".into(),
                "us-gov-west-1".into()
            )
        );
        assert!(ep(Some("cn-north-1"), true).is_err());
        assert!(ep(Some("eu-isoe-west-1"), false).is_err());
        assert_eq!(signing_region(Some("cn-northwest-1")), "cn-north-1");
        assert_eq!(signing_region(None), "us-east-1");
        assert_eq!(endpoint(None, false).unwrap().signing_name, "iam");
    }
}
