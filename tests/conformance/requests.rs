//! `requests/*.json`: every operation is built from the vector's `input`, validated, and encoded; the
//! decoded form must equal `params` exactly (order included) and the body must equal `body` with `%20`
//! written as `+`.

use crate::common;
use serde_json::Value;
use sts_blocking::SecretString;
use sts_blocking::ops::{
    AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, AssumeRoot,
    DecodeAuthorizationMessage, GetAccessKeyInfo, GetCallerIdentity, GetDelegatedAccessToken,
    GetFederationToken, GetScopedCredentials, GetSessionToken, GetWebIdentityToken, Operation,
    PolicyDescriptor, ProvidedContext, Tag,
};

fn string(input: &Value, name: &str) -> Result<String, String> {
    input[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("input.{name} is missing or not a string"))
}

fn opt_string(input: &Value, name: &str) -> Option<String> {
    input.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn opt_i32(input: &Value, name: &str) -> Option<i32> {
    input
        .get(name)
        .and_then(Value::as_i64)
        .map(|v| i32::try_from(v).expect("integer member out of i32 range"))
}

fn list<'a>(input: &'a Value, name: &str) -> Option<&'a Vec<Value>> {
    input.get(name).and_then(Value::as_array)
}

fn strings(input: &Value, name: &str) -> Option<Vec<String>> {
    list(input, name).map(|l| {
        l.iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    })
}

fn descriptor(v: &Value) -> PolicyDescriptor {
    with(PolicyDescriptor::default(), |d| {
        d.arn = opt_string(v, "arn")
    })
}

fn policy_arns(input: &Value) -> Option<Vec<PolicyDescriptor>> {
    list(input, "PolicyArns").map(|l| l.iter().map(descriptor).collect())
}

fn tags(input: &Value) -> Option<Vec<Tag>> {
    list(input, "Tags").map(|l| {
        l.iter()
            .map(|t| {
                Tag::new(
                    opt_string(t, "Key").unwrap_or_default(),
                    opt_string(t, "Value").unwrap_or_default(),
                )
            })
            .collect()
    })
}

fn provided_contexts(input: &Value) -> Option<Vec<ProvidedContext>> {
    list(input, "ProvidedContexts").map(|l| {
        l.iter()
            .map(|c| {
                with(ProvidedContext::default(), |p| {
                    p.provider_arn = opt_string(c, "ProviderArn");
                    p.context_assertion = opt_string(c, "ContextAssertion").map(Into::into);
                })
            })
            .collect()
    })
}

/// `op` with its optional members set by `set` (the structs are `#[non_exhaustive]`: built by
/// `new`, then their public fields assigned).
fn with<T>(mut op: T, set: impl FnOnce(&mut T)) -> T {
    set(&mut op);
    op
}

/// Validates and encodes an operation into its form body.
fn body<O: Operation>(op: &O) -> Result<String, String> {
    op.validate()
        .map_err(|e| format!("validate() failed: {e}"))?;
    op.to_form()
        .map(sts_blocking::__private::query::Form::into_string)
        .map_err(|e| format!("to_form() failed: {e}"))
}

/// Builds the named operation from a vector's `input` and returns its encoded body.
fn build(operation: &str, i: &Value) -> Result<String, String> {
    match operation {
        "AssumeRole" => body(&with(
            AssumeRole::new(string(i, "RoleArn")?, string(i, "RoleSessionName")?),
            |op| {
                op.policy_arns = policy_arns(i);
                op.policy = opt_string(i, "Policy");
                op.duration_seconds = opt_i32(i, "DurationSeconds");
                op.tags = tags(i);
                op.transitive_tag_keys = strings(i, "TransitiveTagKeys");
                op.external_id = opt_string(i, "ExternalId");
                op.serial_number = opt_string(i, "SerialNumber");
                op.token_code = opt_string(i, "TokenCode").map(SecretString::from);
                op.source_identity = opt_string(i, "SourceIdentity");
                op.provided_contexts = provided_contexts(i);
                op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
            },
        )),
        "AssumeRoleWithSAML" => body(&with(
            AssumeRoleWithSaml::new(
                string(i, "RoleArn")?,
                string(i, "PrincipalArn")?,
                string(i, "SAMLAssertion")?,
            ),
            |op| {
                op.policy_arns = policy_arns(i);
                op.policy = opt_string(i, "Policy");
                op.duration_seconds = opt_i32(i, "DurationSeconds");
                op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
            },
        )),
        "AssumeRoleWithWebIdentity" => body(&with(
            AssumeRoleWithWebIdentity::new(
                string(i, "RoleArn")?,
                string(i, "RoleSessionName")?,
                string(i, "WebIdentityToken")?,
            ),
            |op| {
                op.provider_id = opt_string(i, "ProviderId");
                op.policy_arns = policy_arns(i);
                op.policy = opt_string(i, "Policy");
                op.duration_seconds = opt_i32(i, "DurationSeconds");
                op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
            },
        )),
        "AssumeRoot" => body(&with(
            AssumeRoot::new(
                string(i, "TargetPrincipal")?,
                descriptor(&i["TaskPolicyArn"]),
            ),
            |op| {
                op.duration_seconds = opt_i32(i, "DurationSeconds");
                op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
            },
        )),
        "DecodeAuthorizationMessage" => body(&DecodeAuthorizationMessage::new(string(
            i,
            "EncodedMessage",
        )?)),
        "GetAccessKeyInfo" => body(&GetAccessKeyInfo::new(string(i, "AccessKeyId")?)),
        "GetCallerIdentity" => body(&GetCallerIdentity::new()),
        "GetDelegatedAccessToken" => {
            body(&GetDelegatedAccessToken::new(string(i, "TradeInToken")?))
        }
        "GetFederationToken" => body(&with(GetFederationToken::new(string(i, "Name")?), |op| {
            op.policy = opt_string(i, "Policy");
            op.policy_arns = policy_arns(i);
            op.duration_seconds = opt_i32(i, "DurationSeconds");
            op.tags = tags(i);
            op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
        })),
        "GetScopedCredentials" => body(&with(GetScopedCredentials::new(), |op| {
            op.policy = opt_string(i, "Policy");
            op.duration_seconds = opt_i32(i, "DurationSeconds");
            op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
            op.scoped_session_description = opt_string(i, "ScopedSessionDescription");
        })),
        "GetSessionToken" => body(&with(GetSessionToken::new(), |op| {
            op.duration_seconds = opt_i32(i, "DurationSeconds");
            op.serial_number = opt_string(i, "SerialNumber");
            op.token_code = opt_string(i, "TokenCode").map(SecretString::from);
            op.minimum_session_token_size = opt_i32(i, "MinimumSessionTokenSize");
        })),
        "GetWebIdentityToken" => body(&with(
            GetWebIdentityToken::new(
                strings(i, "Audience").ok_or("input.Audience is missing")?,
                string(i, "SigningAlgorithm")?,
            ),
            |op| {
                op.duration_seconds = opt_i32(i, "DurationSeconds");
                op.scope = opt_string(i, "Scope");
                op.subject_mode = opt_string(i, "SubjectMode");
                op.tags = tags(i);
            },
        )),
        other => Err(format!("unknown operation {other}")),
    }
}

fn check(case: &Value) -> Result<(), String> {
    let operation = case["operation"].as_str().ok_or("no operation")?;
    let input = case.get("input").ok_or("no input")?;
    let actual = build(operation, input)?;
    let pairs = sts_blocking::__private::query::decode(&actual).map_err(|e| e.to_string())?;
    let expected: Vec<(String, String)> = case["params"]
        .as_array()
        .ok_or("no params")?
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    if pairs != expected {
        return Err(format!(
            "params differ\n  expected {expected:?}\n  actual   {pairs:?}"
        ));
    }
    let body = case["body"].as_str().ok_or("no body")?.replace("%20", "+");
    if actual != body {
        return Err(format!(
            "body differs\n  expected {body}\n  actual   {actual}"
        ));
    }
    Ok(())
}

#[test]
fn requests() {
    let Some(root) = common::corpus("requests") else {
        return;
    };
    let files = common::files(&root.join("requests"), ".json");
    let mut failures = Vec::new();
    for path in &files {
        if let Err(e) = check(&common::json(path)) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    common::report(
        "requests",
        files.len() - failures.len(),
        files.len(),
        &failures,
    );
}
