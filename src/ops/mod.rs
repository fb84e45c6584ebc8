//! The twelve STS operations, one module each, and the [`Operation`] trait that runs them.
//!
//! Each operation is a plain struct: required members go in `new`, optional members have chained
//! setters, and every field is public to read and assign. The structs are `#[non_exhaustive]`: a
//! member a newer STS model adds is not a breaking change, so build them with `new` rather than a
//! struct literal. [`Operation::validate`] checks the model's constraints before anything is sent.
//!
//! Outputs decode as the model says: no top-level output member is required, so every one is an
//! `Option` (`credentials()` on the credential-returning outputs turns a missing `Credentials`
//! into an error for callers that need them).
//!
//! ```
//! use sts_blocking::ops::{AssumeRole, Operation, Tag};
//! let op = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "build-42")
//!     .duration_seconds(900)
//!     .tags(vec![Tag::new("team", "infra")]);
//! let body = op.to_form().unwrap();
//! assert!(body.as_str().starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn="));
//! ```

use crate::Error;
use crate::credentials::Credentials;

use crate::secret::SecretString;
use crate::validate::{self, Checks};
use crate::xml::Element;

/// Chained setters for optional members: `name: Type;` takes the value, `into name: Type;` takes
/// anything that converts into it. Each sets `Some(value)`.
macro_rules! setters {
    () => {};
    ($(#[$doc:meta])* into $name:ident: $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = Some(value.into());
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* $name:ident: $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = Some(value);
            self
        }
        setters!($($rest)*);
    };
}

mod assume_role;
mod assume_role_with_saml;
mod assume_role_with_web_identity;
mod assume_root;
pub(crate) mod decode;
mod decode_authorization_message;
mod get_access_key_info;
mod get_caller_identity;
mod get_delegated_access_token;
mod get_federation_token;
mod get_scoped_credentials;
mod get_session_token;
mod get_web_identity_token;

pub use assume_role::{AssumeRole, AssumeRoleOutput};
pub use assume_role_with_saml::{AssumeRoleWithSaml, AssumeRoleWithSamlOutput};
pub use assume_role_with_web_identity::{
    AssumeRoleWithWebIdentity, AssumeRoleWithWebIdentityOutput,
};
pub use assume_root::{AssumeRoot, AssumeRootOutput};
pub use decode_authorization_message::{
    DecodeAuthorizationMessage, DecodeAuthorizationMessageOutput,
};
pub use get_access_key_info::{GetAccessKeyInfo, GetAccessKeyInfoOutput};
pub use get_caller_identity::{GetCallerIdentity, GetCallerIdentityOutput};
pub use get_delegated_access_token::{GetDelegatedAccessToken, GetDelegatedAccessTokenOutput};
pub use get_federation_token::{GetFederationToken, GetFederationTokenOutput};
pub use get_scoped_credentials::{GetScopedCredentials, GetScopedCredentialsOutput, ScopedSession};
pub use get_session_token::{GetSessionToken, GetSessionTokenOutput};
pub use get_web_identity_token::{GetWebIdentityToken, GetWebIdentityTokenOutput};

pub use crate::query::Form;
pub use decode::Decoded;
pub(crate) use decode::decode_response;

/// An STS operation: its wire name, whether it is signed, its constraints and its form encoding.
/// The Rust form of the JavaScript SDK's "command": `Sts::send` and the call
/// engine take any `Operation`.
///
/// **Sealed.** The twelve STS operations of this module (and the three IAM operations of
/// [`crate::iam`]) are the only implementations. Every STS
/// operation and member is here, and a model update comes as a minor release; sealing keeps the
/// wire halves — the awsQuery form writer and the borrowed XML reader a response is decoded with —
/// out of the public API, so they can change (another XML parser, a streaming decoder) without a
/// breaking release, and new provided methods can be added. What callers use is public:
/// [`Operation::ACTION`], [`Operation::SIGNED`], the [`Operation::Output`] type,
/// [`Operation::validate`] and [`Operation::to_form`].
///
/// ```
/// use sts_blocking::ops::{GetSessionToken, Operation};
/// fn describe<O: Operation>(op: &O) -> String {
///     format!("{} (signed: {}): {}", O::ACTION, O::SIGNED, op.to_form().unwrap().as_str())
/// }
/// assert_eq!(
///     describe(&GetSessionToken::new().duration_seconds(900)),
///     "GetSessionToken (signed: true): Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900"
/// );
/// ```
pub trait Operation: crate::sealed::Sealed {
    /// The `Action` name, e.g. `AssumeRole`.
    const ACTION: &'static str;
    /// Whether the request is SigV4-signed. `false` for AssumeRoleWithSAML and AssumeRoleWithWebIdentity.
    const SIGNED: bool = true;
    /// The parsed `<ActionResult>`.
    type Output;

    /// The API version sent as `Version`: STS's, or another awsQuery service's (IAM's
    /// operations in [`crate::iam`]). Not public API.
    #[doc(hidden)]
    const VERSION: &'static str = crate::query::API_VERSION;

    /// The signing name of the service the operation belongs to: an engine only sends the
    /// operations of its endpoint's service. Not public API.
    #[doc(hidden)]
    const SERVICE: &'static str = crate::endpoint::SIGNING_NAME;

    /// Whether a response may have no `<ActionResult>` at all (an operation without output
    /// members, such as IAM's `DeleteAccessKey`): `decode` then gets the root element. Not
    /// public API.
    #[doc(hidden)]
    const RESULT_OPTIONAL: bool = false;

    /// Checks the model's constraints.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming every member that breaks a rule.
    fn validate(&self) -> Result<(), Error>;

    /// Appends the members to a form that already holds `Action` and `Version`. Not public API.
    #[doc(hidden)]
    fn encode(&self, form: &mut Form);

    /// Calls `visit` with every secret value the request carries (a web identity token, a SAML
    /// assertion, an MFA code, a trade-in token, a context assertion). The client replaces them in
    /// any text a server sends back before it leaves the crate. The default carries none. Not
    /// public API.
    #[doc(hidden)]
    fn secrets<'a>(&'a self, visit: &mut dyn FnMut(&'a str)) {
        let _ = visit;
    }

    /// Reads the output from the `<ActionResult>` element. Not public API.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] when a member is malformed, or a member the model requires of
    /// a nested structure is missing.
    #[doc(hidden)]
    fn decode(result: Element<'_, '_>) -> Result<Self::Output, Error>;

    /// Validates, then encodes the whole form body (`Action=...&Version=2011-06-15&...`): the pure
    /// core of a request, for callers that send it themselves.
    ///
    /// # Errors
    /// As [`Operation::validate`].
    fn to_form(&self) -> Result<Form, Error> {
        self.validate()?;
        let mut form = Form::with_version(Self::ACTION, Self::VERSION, 128);
        self.encode(&mut form);
        Ok(form)
    }
}

macro_rules! sealed {
    ($($op:ty),*) => {$(impl crate::sealed::Sealed for $op {})*};
}

sealed!(
    AssumeRole,
    AssumeRoleWithSaml,
    AssumeRoleWithWebIdentity,
    AssumeRoot,
    DecodeAuthorizationMessage,
    GetAccessKeyInfo,
    GetCallerIdentity,
    GetDelegatedAccessToken,
    GetFederationToken,
    GetScopedCredentials,
    GetSessionToken,
    GetWebIdentityToken
);

/// A session tag (`Tags.member.N.Key` / `.Value`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tag {
    /// Tag key, 1..=128 characters.
    pub key: String,
    /// Tag value, 0..=256 characters.
    pub value: String,
}

impl Tag {
    /// A tag from a key and a value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A managed policy to use as a session policy (`PolicyDescriptorType`, `PolicyArns.member.N.arn`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PolicyDescriptor {
    /// The policy ARN.
    pub arn: Option<String>,
}

impl PolicyDescriptor {
    /// A descriptor for a policy ARN.
    pub fn new(arn: impl Into<String>) -> Self {
        Self {
            arn: Some(arn.into()),
        }
    }
}

/// A context assertion from a trusted context provider (`ProvidedContexts.member.N`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ProvidedContext {
    /// The context provider ARN.
    pub provider_arn: Option<String>,
    /// The signed context assertion (secret).
    pub context_assertion: Option<SecretString>,
}

impl ProvidedContext {
    /// A context from a provider ARN and its assertion.
    pub fn new(
        provider_arn: impl Into<String>,
        context_assertion: impl Into<SecretString>,
    ) -> Self {
        Self {
            provider_arn: Some(provider_arn.into()),
            context_assertion: Some(context_assertion.into()),
        }
    }
}

/// The assumed role's id and ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumedRoleUser {
    /// `AROA...:session-name`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
}

impl AssumedRoleUser {
    /// An assumed role user from its id and ARN.
    pub fn new(assumed_role_id: impl Into<String>, arn: impl Into<String>) -> Self {
        Self {
            assumed_role_id: assumed_role_id.into(),
            arn: arn.into(),
        }
    }

    pub(crate) fn decode(el: Element<'_, '_>) -> Result<Self, Error> {
        Ok(Self {
            assumed_role_id: el.string("AssumedRoleId")?,
            arn: el.string("Arn")?,
        })
    }
}

/// The federated user's id and ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FederatedUser {
    /// `ACCOUNT:name`.
    pub federated_user_id: String,
    /// `arn:aws:sts::ACCOUNT:federated-user/name`.
    pub arn: String,
}

impl FederatedUser {
    /// A federated user from its id and ARN.
    pub fn new(federated_user_id: impl Into<String>, arn: impl Into<String>) -> Self {
        Self {
            federated_user_id: federated_user_id.into(),
            arn: arn.into(),
        }
    }

    pub(crate) fn decode(el: Element<'_, '_>) -> Result<Self, Error> {
        Ok(Self {
            federated_user_id: el.string("FederatedUserId")?,
            arn: el.string("Arn")?,
        })
    }
}

/// Identity propagation details of a federated session (AssumeRoleWithSAML / WithWebIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TrustedIdentityPropagationContext {
    /// The identity the session originates from.
    pub origin_identity: Option<OriginIdentity>,
    /// Context of the transaction.
    pub transaction_context: Option<TransactionContext>,
}

/// The original identity of a federated session. The subject, its type and the issuer are sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OriginIdentity {
    /// Subject of the original identity (sensitive).
    pub subject: Option<SecretString>,
    /// Type of the subject (sensitive).
    pub subject_type: Option<SecretString>,
    /// Issuer of the original identity (sensitive).
    pub issuer: Option<SecretString>,
    /// ARN of the federated identity provider.
    pub federated_provider_arn: Option<String>,
}

/// Transaction context of a federated session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TransactionContext {
    /// Attributes from the identity provider, in document order.
    pub identity_provider: Option<Vec<(String, String)>>,
}

impl TrustedIdentityPropagationContext {
    pub(crate) fn decode(el: Element<'_, '_>) -> Self {
        let secret = |e: Element<'_, '_>, n: &str| e.opt_str(n).map(SecretString::from);
        Self {
            origin_identity: el.child("OriginIdentity").map(|o| OriginIdentity {
                subject: secret(o, "Subject"),
                subject_type: secret(o, "SubjectType"),
                issuer: secret(o, "Issuer"),
                federated_provider_arn: o.opt_string("FederatedProviderArn"),
            }),
            transaction_context: el.child("TransactionContext").map(|t| TransactionContext {
                identity_provider: t.map("IdentityProvider"),
            }),
        }
    }
}

/// Reads the `<Credentials>` structure shared by every credential-returning operation. Values are
/// trimmed, our own choice: botocore 1.44.8 keeps XML text as it is (`' sec '` stays `' sec '`).
/// A pretty-printed `<SessionToken>\n  TOKEN\n</SessionToken>` is then `TOKEN`, not a header value
/// that fails on the next hop of a role chain (README, "Differences from the AWS CLI").
pub(crate) fn decode_credentials(el: Element<'_, '_>) -> Result<Credentials, Error> {
    let text = |name: &str| el.opt_str(name).map(str::trim);
    let required = |name: &str| {
        text(name).ok_or_else(|| Error::InvalidResponse {
            status: 200,
            reason: format!("missing {}/{name}", el.name()),
            snippet: String::new(),
        })
    };
    Ok(Credentials {
        access_key_id: required("AccessKeyId")?.to_owned(),
        secret_access_key: SecretString::from(required("SecretAccessKey")?),
        session_token: text("SessionToken").map(SecretString::from),
        expiration: Some(el.timestamp("Expiration")?),
        account_id: None,
    })
}

/// Reads the `<Credentials>` member of a result. The model does not mark it required, so an
/// absent one is `None`; a present one must hold what the model requires of it.
pub(crate) fn credentials_member(result: Element<'_, '_>) -> Result<Option<Credentials>, Error> {
    result
        .child("Credentials")
        .map(decode_credentials)
        .transpose()
}

/// The error for an output member that is absent when the caller needs it.
fn missing(member: &str) -> Error {
    Error::InvalidResponse {
        status: 200,
        reason: format!("missing {member}"),
        snippet: String::new(),
    }
}

/// `credentials()` and `into_credentials()` for the outputs that carry `Credentials`.
macro_rules! credentials_accessors {
    ($($output:ident => $result:literal;)*) => {$(
        impl $output {
            /// The temporary credentials. STS sends them with every success, but the model does
            /// not require them, so decoding does not fail without them: this does.
            ///
            /// # Errors
            #[doc = concat!("[`Error::InvalidResponse`] (`missing ", $result, "/Credentials`) when the response had none.")]
            pub fn credentials(&self) -> Result<&Credentials, Error> {
                self.credentials
                    .as_ref()
                    .ok_or_else(|| missing(concat!($result, "/Credentials")))
            }

            /// As [`Self::credentials`], taking them out of the output.
            ///
            /// # Errors
            /// As [`Self::credentials`].
            pub fn into_credentials(self) -> Result<Credentials, Error> {
                self.credentials
                    .ok_or_else(|| missing(concat!($result, "/Credentials")))
            }
        }
    )*};
}

credentials_accessors! {
    AssumeRoleOutput => "AssumeRoleResult";
    AssumeRoleWithSamlOutput => "AssumeRoleWithSAMLResult";
    AssumeRoleWithWebIdentityOutput => "AssumeRoleWithWebIdentityResult";
    AssumeRootOutput => "AssumeRootResult";
    GetDelegatedAccessTokenOutput => "GetDelegatedAccessTokenResult";
    GetFederationTokenOutput => "GetFederationTokenResult";
    GetScopedCredentialsOutput => "GetScopedCredentialsResult";
    GetSessionTokenOutput => "GetSessionTokenResult";
}

/// Converts a response integer to `i32`, rejecting values out of range.
pub(crate) fn opt_i32(el: Element<'_, '_>, name: &str) -> Result<Option<i32>, Error> {
    el.opt_int(name)?
        .map(|v| {
            i32::try_from(v).map_err(|_| Error::InvalidResponse {
                status: 200,
                reason: format!("{name} out of range"),
                snippet: String::new(),
            })
        })
        .transpose()
}

// ---- shared encoders and validators -------------------------------------------------------------

pub(crate) fn encode_policy_arns(form: &mut Form, arns: Option<&[PolicyDescriptor]>) {
    if let Some(arns) = arns {
        form.push_list("PolicyArns", arns, |f, p| {
            if let Some(arn) = &p.arn {
                f.push_member("arn", arn);
            }
        });
    }
}

pub(crate) fn encode_tags(form: &mut Form, tags: Option<&[Tag]>) {
    if let Some(tags) = tags {
        form.push_list("Tags", tags, |f, t| {
            f.push_member("Key", &t.key);
            f.push_member("Value", &t.value);
        });
    }
}

pub(crate) fn validate_policy_arns(chk: &mut Checks, arns: Option<&[PolicyDescriptor]>) {
    for (i, p) in arns.unwrap_or_default().iter().enumerate() {
        if let Some(arn) = &p.arn {
            let field = format!("PolicyArns[{i}].arn");
            chk.length(&field, arn, 20, Some(2048));
            chk.pattern(&field, arn, validate::ARN);
        }
    }
}

pub(crate) fn validate_tags(chk: &mut Checks, tags: Option<&[Tag]>) {
    let tags = tags.unwrap_or_default();
    chk.items("Tags", tags, 0, 50);
    for (i, t) in tags.iter().enumerate() {
        let field = format!("Tags[{i}].Key");
        chk.length(&field, &t.key, 1, Some(128));
        chk.pattern(&field, &t.key, validate::TAG);
        let field = format!("Tags[{i}].Value");
        chk.length(&field, &t.value, 0, Some(256));
        chk.pattern(&field, &t.value, validate::TAG);
    }
}

pub(crate) fn validate_policy(
    chk: &mut Checks,
    field: &str,
    policy: Option<&str>,
    max: Option<usize>,
) {
    if let Some(p) = policy {
        chk.length(field, p, 1, max);
        chk.pattern(field, p, validate::POLICY);
    }
}

pub(crate) fn validate_role_arn(chk: &mut Checks, field: &str, arn: &str) {
    chk.length(field, arn, 20, Some(2048));
    chk.pattern(field, arn, validate::ARN);
}

/// The session members AssumeRoleWithSAML and AssumeRoleWithWebIdentity end with: policy ARNs, an
/// inline policy (at most 2048), a duration (900..=43200) and a minimum token size (0..=4096).
pub(crate) struct FederatedSession<'a> {
    pub(crate) policy_arns: Option<&'a [PolicyDescriptor]>,
    pub(crate) policy: Option<&'a str>,
    pub(crate) duration_seconds: Option<i32>,
    pub(crate) minimum_session_token_size: Option<i32>,
}

impl FederatedSession<'_> {
    pub(crate) fn validate(&self, chk: &mut Checks) {
        validate_policy_arns(chk, self.policy_arns);
        validate_policy(chk, "Policy", self.policy, Some(2048));
        chk.opt_range("DurationSeconds", self.duration_seconds, 900, Some(43200));
        chk.opt_range(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size,
            0,
            Some(4096),
        );
    }

    pub(crate) fn encode(&self, form: &mut Form) {
        encode_policy_arns(form, self.policy_arns);
        form.push_opt("Policy", self.policy);
        form.push_int("DurationSeconds", self.duration_seconds.map(i64::from));
        form.push_int(
            "MinimumSessionTokenSize",
            self.minimum_session_token_size.map(i64::from),
        );
    }
}

#[cfg(test)]
mod tests;
