//! `responses/`: every success body (top level and `recorded/`) is decoded with `decode_response` and
//! every output member, plus the request id, is compared with its `.expected.json`; every error body
//! (`errors/**`, and the recorded error) is decoded with `decode_error` and compared on code, message,
//! type, request id and status.
//!
//! Outputs are compared as JSON: each output struct is turned into the model's JSON layout (member
//! names, nested objects, maps as objects, secrets exposed, members that are `None` left out), so a
//! member that is missing, extra or different fails. Timestamps are compared as instants: both sides
//! become `ts:<unix nanoseconds>`, the expected side by parsing its text with `parse_timestamp`.

use crate::common;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use sts_blocking::__private::xml::{decode_error, decode_response, parse_timestamp};
use sts_blocking::credentials::Credentials;
use sts_blocking::error::Fault;
use sts_blocking::ops::{
    AssumeRole, AssumeRoleOutput, AssumeRoleWithSaml, AssumeRoleWithSamlOutput,
    AssumeRoleWithWebIdentity, AssumeRoleWithWebIdentityOutput, AssumeRoot, AssumeRootOutput,
    AssumedRoleUser, DecodeAuthorizationMessage, DecodeAuthorizationMessageOutput, FederatedUser,
    GetAccessKeyInfo, GetAccessKeyInfoOutput, GetCallerIdentity, GetCallerIdentityOutput,
    GetDelegatedAccessToken, GetDelegatedAccessTokenOutput, GetFederationToken,
    GetFederationTokenOutput, GetScopedCredentials, GetScopedCredentialsOutput, GetSessionToken,
    GetSessionTokenOutput, GetWebIdentityToken, GetWebIdentityTokenOutput, Operation,
    ScopedSession, TrustedIdentityPropagationContext,
};
use sts_blocking::{Error, SecretString};
use time::OffsetDateTime;

/// An output in the model's JSON layout.
trait ToJson {
    fn to_json(&self) -> Value;
}

/// Builds a JSON object from `(member, value)` pairs, leaving out `None` members.
fn object<const N: usize>(members: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect::<Map<_, _>>(),
    )
}

fn ts(t: OffsetDateTime) -> Value {
    Value::String(format!("ts:{}", t.unix_timestamp_nanos()))
}

fn s(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|v| json!(v))
}

fn secret(v: &Option<SecretString>) -> Option<Value> {
    v.as_ref().map(|v| json!(v.expose()))
}

fn int(v: Option<i32>) -> Option<Value> {
    v.map(|v| json!(v))
}

fn credentials(c: &Credentials) -> Option<Value> {
    assert!(c.account_id.is_none(), "account_id is not an STS member");
    Some(object([
        ("AccessKeyId", Some(json!(c.access_key_id))),
        ("SecretAccessKey", Some(json!(c.secret_access_key.expose()))),
        ("SessionToken", secret(&c.session_token)),
        ("Expiration", c.expiration.map(ts)),
    ]))
}

fn assumed_role_user(u: &Option<AssumedRoleUser>) -> Option<Value> {
    u.as_ref()
        .map(|u| json!({"AssumedRoleId": u.assumed_role_id, "Arn": u.arn}))
}

fn federated_user(u: &Option<FederatedUser>) -> Option<Value> {
    u.as_ref()
        .map(|u| json!({"FederatedUserId": u.federated_user_id, "Arn": u.arn}))
}

fn scoped_session(u: &Option<ScopedSession>) -> Option<Value> {
    u.as_ref()
        .map(|u| json!({"ScopedSessionId": u.scoped_session_id, "Arn": u.arn}))
}

fn propagation(c: &Option<TrustedIdentityPropagationContext>) -> Option<Value> {
    c.as_ref().map(|c| {
        object([
            (
                "OriginIdentity",
                c.origin_identity.as_ref().map(|o| {
                    object([
                        ("Subject", secret(&o.subject)),
                        ("SubjectType", secret(&o.subject_type)),
                        ("Issuer", secret(&o.issuer)),
                        ("FederatedProviderArn", s(&o.federated_provider_arn)),
                    ])
                }),
            ),
            (
                "TransactionContext",
                c.transaction_context.as_ref().map(|t| {
                    object([(
                        "IdentityProvider",
                        t.identity_provider.as_ref().map(|m| {
                            Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
                        }),
                    )])
                }),
            ),
        ])
    })
}

impl ToJson for AssumeRoleOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            (
                "AssumedRoleUser",
                assumed_role_user(&self.assumed_role_user),
            ),
            ("PackedPolicySize", int(self.packed_policy_size)),
            ("SourceIdentity", s(&self.source_identity)),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
        ])
    }
}

impl ToJson for AssumeRoleWithSamlOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            (
                "AssumedRoleUser",
                assumed_role_user(&self.assumed_role_user),
            ),
            ("PackedPolicySize", int(self.packed_policy_size)),
            ("Subject", s(&self.subject)),
            ("SubjectType", s(&self.subject_type)),
            ("Issuer", s(&self.issuer)),
            ("Audience", s(&self.audience)),
            ("NameQualifier", s(&self.name_qualifier)),
            ("SourceIdentity", s(&self.source_identity)),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
            (
                "TrustedIdentityPropagationContext",
                propagation(&self.trusted_identity_propagation_context),
            ),
        ])
    }
}

impl ToJson for AssumeRoleWithWebIdentityOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            (
                "SubjectFromWebIdentityToken",
                s(&self.subject_from_web_identity_token),
            ),
            (
                "AssumedRoleUser",
                assumed_role_user(&self.assumed_role_user),
            ),
            ("PackedPolicySize", int(self.packed_policy_size)),
            ("Provider", s(&self.provider)),
            ("Audience", s(&self.audience)),
            ("SourceIdentity", s(&self.source_identity)),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
            (
                "TrustedIdentityPropagationContext",
                propagation(&self.trusted_identity_propagation_context),
            ),
        ])
    }
}

impl ToJson for AssumeRootOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            ("SourceIdentity", s(&self.source_identity)),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
        ])
    }
}

impl ToJson for DecodeAuthorizationMessageOutput {
    fn to_json(&self) -> Value {
        object([("DecodedMessage", s(&self.decoded_message))])
    }
}

impl ToJson for GetAccessKeyInfoOutput {
    fn to_json(&self) -> Value {
        object([("Account", s(&self.account))])
    }
}

impl ToJson for GetCallerIdentityOutput {
    fn to_json(&self) -> Value {
        object([
            ("UserId", s(&self.user_id)),
            ("Account", s(&self.account)),
            ("Arn", s(&self.arn)),
        ])
    }
}

impl ToJson for GetDelegatedAccessTokenOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            ("PackedPolicySize", int(self.packed_policy_size)),
            ("AssumedPrincipal", s(&self.assumed_principal)),
        ])
    }
}

impl ToJson for GetFederationTokenOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            ("FederatedUser", federated_user(&self.federated_user)),
            ("PackedPolicySize", int(self.packed_policy_size)),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
        ])
    }
}

impl ToJson for GetScopedCredentialsOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            ("SessionInfo", scoped_session(&self.session_info)),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
            ("ScopedPoliciesCount", int(self.scoped_policies_count)),
            ("SourceIdentity", s(&self.source_identity)),
        ])
    }
}

impl ToJson for GetSessionTokenOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "Credentials",
                self.credentials.as_ref().and_then(credentials),
            ),
            (
                "SessionTokenUtilization",
                int(self.session_token_utilization),
            ),
            ("SessionTokenSize", int(self.session_token_size)),
        ])
    }
}

impl ToJson for GetWebIdentityTokenOutput {
    fn to_json(&self) -> Value {
        object([
            (
                "WebIdentityToken",
                self.web_identity_token.as_ref().map(|t| json!(t.expose())),
            ),
            ("Expiration", self.expiration.map(ts)),
        ])
    }
}

/// Rewrites every `Expiration` string of an expected output as `ts:<unix nanoseconds>`.
fn normalize_expected(v: &mut Value) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == "Expiration" {
                    let text = v.as_str().ok_or("Expiration is not a string")?;
                    let t = parse_timestamp(text)
                        .ok_or_else(|| format!("expected Expiration {text:?} does not parse"))?;
                    *v = ts(t);
                } else {
                    normalize_expected(v)?;
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                normalize_expected(v)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn decode_as<O: Operation>(status: u16, body: &[u8]) -> Result<(Value, Option<String>), Error>
where
    O::Output: ToJson,
{
    decode_response::<O>(status, body, None).map(|d| (d.output.to_json(), d.request_id))
}

/// Decodes a success body as the named operation.
fn decode_success(
    operation: &str,
    status: u16,
    body: &[u8],
) -> Result<(Value, Option<String>), String> {
    let decoded = match operation {
        "AssumeRole" => decode_as::<AssumeRole>(status, body),
        "AssumeRoleWithSAML" => decode_as::<AssumeRoleWithSaml>(status, body),
        "AssumeRoleWithWebIdentity" => decode_as::<AssumeRoleWithWebIdentity>(status, body),
        "AssumeRoot" => decode_as::<AssumeRoot>(status, body),
        "DecodeAuthorizationMessage" => decode_as::<DecodeAuthorizationMessage>(status, body),
        "GetAccessKeyInfo" => decode_as::<GetAccessKeyInfo>(status, body),
        "GetCallerIdentity" => decode_as::<GetCallerIdentity>(status, body),
        "GetDelegatedAccessToken" => decode_as::<GetDelegatedAccessToken>(status, body),
        "GetFederationToken" => decode_as::<GetFederationToken>(status, body),
        "GetScopedCredentials" => decode_as::<GetScopedCredentials>(status, body),
        "GetSessionToken" => decode_as::<GetSessionToken>(status, body),
        "GetWebIdentityToken" => decode_as::<GetWebIdentityToken>(status, body),
        other => return Err(format!("unknown operation {other}")),
    };
    decoded.map_err(|e| format!("decode_response failed: {e}"))
}

const OPERATIONS: [&str; 12] = [
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetScopedCredentials",
    "GetSessionToken",
    "GetWebIdentityToken",
];

/// The operation of a body: the expected file's `operation`, else the file name segment that names one
/// (`GetSessionToken.all-members.xml`, `ecs_assume_role.AssumeRole.xml`).
fn operation_of(xml: &Path, expected: &Value) -> Result<String, String> {
    if let Some(op) = expected.get("operation").and_then(Value::as_str) {
        return Ok(op.to_owned());
    }
    let name = xml.file_name().unwrap_or_default().to_string_lossy();
    name.split('.')
        .find(|seg| OPERATIONS.contains(seg))
        .map(str::to_owned)
        .ok_or_else(|| format!("cannot tell the operation of {name}"))
}

/// The expected file of a body: `X.expected.json`, or botocore's `X.json` (its own layout).
fn expected_of(xml: &Path) -> Result<(PathBuf, Value), String> {
    let stem = xml.with_extension("");
    let expected = PathBuf::from(format!("{}.expected.json", stem.display()));
    if expected.is_file() {
        return Ok((expected.clone(), common::json(&expected)));
    }
    let botocore = xml.with_extension("json");
    if botocore.is_file() {
        // botocore layout: the output members at the top level plus ResponseMetadata.RequestId.
        let mut v = common::json(&botocore);
        let meta = v
            .as_object_mut()
            .and_then(|m| m.remove("ResponseMetadata"))
            .ok_or("botocore expected file without ResponseMetadata")?;
        // The operation is in the name: `botocore.sts-get-session-token` -> `GetSessionToken`.
        let name = stem.extension().unwrap_or_default().to_string_lossy();
        let operation: String = name
            .trim_start_matches("sts-")
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        return Ok((
            botocore,
            json!({"operation": operation, "httpStatus": 200, "requestId": meta["RequestId"], "output": v}),
        ));
    }
    Err(format!("{}: no expected file", xml.display()))
}

fn check_success(xml: &Path, expected: &Value) -> Result<(), String> {
    let operation = operation_of(xml, expected)?;
    let status = expected["httpStatus"].as_u64().unwrap_or(200);
    let status = u16::try_from(status).map_err(|_| "bad httpStatus")?;
    let body = std::fs::read(xml).map_err(|e| e.to_string())?;
    let (actual, request_id) = decode_success(&operation, status, &body)?;
    let mut want = expected["output"].clone();
    normalize_expected(&mut want)?;
    if actual != want {
        return Err(format!(
            "{operation} output differs\n  expected {want}\n  actual   {actual}"
        ));
    }
    let want_id = expected["requestId"].as_str();
    if request_id.as_deref() != want_id {
        return Err(format!(
            "requestId: expected {want_id:?}, got {request_id:?}"
        ));
    }
    Ok(())
}

fn check_error(xml: &Path, expected: &Value) -> Result<(), String> {
    let status = expected["httpStatus"].as_u64().ok_or("no httpStatus")?;
    let status = u16::try_from(status).map_err(|_| "bad httpStatus")?;
    let body = std::fs::read(xml).map_err(|e| e.to_string())?;
    let e = decode_error(status, &body, None, None);
    let se = e
        .service_error()
        .ok_or_else(|| format!("not a service error: {e:?}"))?;
    let want = &expected["error"];
    let fault = se.fault.map(|f| match f {
        Fault::Sender => "Sender",
        Fault::Receiver => "Receiver",
        _ => "unknown",
    });
    let checks = [
        ("code", Some(se.code.as_str()), want["code"].as_str()),
        ("message", se.message.as_deref(), want["message"].as_str()),
        ("type", fault, want["type"].as_str()),
        (
            "requestId",
            se.request_id.as_deref(),
            expected["requestId"].as_str(),
        ),
    ];
    for (what, got, wanted) in checks {
        if got != wanted {
            return Err(format!("{what}: expected {wanted:?}, got {got:?}"));
        }
    }
    if se.status != status {
        return Err(format!("status: expected {status}, got {}", se.status));
    }
    // The same body through decode_response of an operation gives the same service error.
    match decode_response::<GetCallerIdentity>(status, &body, None) {
        Err(Error::Service(s)) if s.code == se.code && s.status == status => Ok(()),
        other => Err(format!("decode_response gave {other:?}")),
    }
}

fn error_files(dir: &Path, out: &mut Vec<PathBuf>) {
    out.extend(common::files(dir, ".xml"));
    for sub in common::dirs(dir) {
        error_files(&sub, out);
    }
}

/// Runs every case, sorting it into the success or the error tally by its expected file.
#[derive(Default)]
struct Tally {
    total: usize,
    failures: Vec<String>,
}

impl Tally {
    fn run(
        &mut self,
        xml: &Path,
        expected: &Value,
        check: fn(&Path, &Value) -> Result<(), String>,
    ) {
        self.total += 1;
        if let Err(e) = check(xml, expected) {
            self.failures.push(format!("{}: {e}", xml.display()));
        }
    }

    fn report(&self, name: &str) {
        common::report(
            name,
            self.total - self.failures.len(),
            self.total,
            &self.failures,
        );
    }
}

#[test]
fn responses() {
    let Some(root) = common::corpus("responses") else {
        return;
    };
    let dir = root.join("responses");
    let mut bodies = common::files(&dir, ".xml");
    bodies.extend(common::files(&dir.join("recorded"), ".xml"));
    error_files(&dir.join("errors"), &mut bodies);

    let (mut ok, mut err) = (Tally::default(), Tally::default());
    for xml in &bodies {
        match expected_of(xml) {
            // Error bodies are told apart by their expected file (the recorded InvalidIdentityToken
            // body lives in recorded/, not errors/).
            Ok((_, expected)) if expected.get("error").is_some() => {
                err.run(xml, &expected, check_error);
            }
            Ok((_, expected)) => ok.run(xml, &expected, check_success),
            Err(e) => {
                ok.total += 1;
                ok.failures.push(e);
            }
        }
    }
    ok.report("responses");
    err.report("errors");
}
