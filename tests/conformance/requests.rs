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
    PolicyDescriptor {
        arn: opt_string(v, "arn"),
    }
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
            .map(|c| ProvidedContext {
                provider_arn: opt_string(c, "ProviderArn"),
                context_assertion: opt_string(c, "ContextAssertion").map(Into::into),
            })
            .collect()
    })
}

/// Validates and encodes an operation into its form body.
fn body<O: Operation>(op: &O) -> Result<String, String> {
    op.validate()
        .map_err(|e| format!("validate() failed: {e}"))?;
    op.to_form()
        .map(sts_blocking::query::Form::into_string)
        .map_err(|e| format!("to_form() failed: {e}"))
}

/// Builds the named operation from a vector's `input` and returns its encoded body.
fn build(operation: &str, i: &Value) -> Result<String, String> {
    match operation {
        "AssumeRole" => body(&AssumeRole {
            role_arn: string(i, "RoleArn")?,
            role_session_name: string(i, "RoleSessionName")?,
            policy_arns: policy_arns(i),
            policy: opt_string(i, "Policy"),
            duration_seconds: opt_i32(i, "DurationSeconds"),
            tags: tags(i),
            transitive_tag_keys: strings(i, "TransitiveTagKeys"),
            external_id: opt_string(i, "ExternalId"),
            serial_number: opt_string(i, "SerialNumber"),
            token_code: opt_string(i, "TokenCode").map(SecretString::from),
            source_identity: opt_string(i, "SourceIdentity"),
            provided_contexts: provided_contexts(i),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
        }),
        "AssumeRoleWithSAML" => body(&AssumeRoleWithSaml {
            role_arn: string(i, "RoleArn")?,
            principal_arn: string(i, "PrincipalArn")?,
            saml_assertion: string(i, "SAMLAssertion")?.into(),
            policy_arns: policy_arns(i),
            policy: opt_string(i, "Policy"),
            duration_seconds: opt_i32(i, "DurationSeconds"),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
        }),
        "AssumeRoleWithWebIdentity" => body(&AssumeRoleWithWebIdentity {
            role_arn: string(i, "RoleArn")?,
            role_session_name: string(i, "RoleSessionName")?,
            web_identity_token: string(i, "WebIdentityToken")?.into(),
            provider_id: opt_string(i, "ProviderId"),
            policy_arns: policy_arns(i),
            policy: opt_string(i, "Policy"),
            duration_seconds: opt_i32(i, "DurationSeconds"),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
        }),
        "AssumeRoot" => body(&AssumeRoot {
            target_principal: string(i, "TargetPrincipal")?,
            task_policy_arn: descriptor(&i["TaskPolicyArn"]),
            duration_seconds: opt_i32(i, "DurationSeconds"),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
        }),
        "DecodeAuthorizationMessage" => body(&DecodeAuthorizationMessage::new(string(
            i,
            "EncodedMessage",
        )?)),
        "GetAccessKeyInfo" => body(&GetAccessKeyInfo::new(string(i, "AccessKeyId")?)),
        "GetCallerIdentity" => body(&GetCallerIdentity::new()),
        "GetDelegatedAccessToken" => {
            body(&GetDelegatedAccessToken::new(string(i, "TradeInToken")?))
        }
        "GetFederationToken" => body(&GetFederationToken {
            name: string(i, "Name")?,
            policy: opt_string(i, "Policy"),
            policy_arns: policy_arns(i),
            duration_seconds: opt_i32(i, "DurationSeconds"),
            tags: tags(i),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
        }),
        "GetScopedCredentials" => body(&GetScopedCredentials {
            policy: opt_string(i, "Policy"),
            duration_seconds: opt_i32(i, "DurationSeconds"),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
            scoped_session_description: opt_string(i, "ScopedSessionDescription"),
        }),
        "GetSessionToken" => body(&GetSessionToken {
            duration_seconds: opt_i32(i, "DurationSeconds"),
            serial_number: opt_string(i, "SerialNumber"),
            token_code: opt_string(i, "TokenCode").map(SecretString::from),
            minimum_session_token_size: opt_i32(i, "MinimumSessionTokenSize"),
        }),
        "GetWebIdentityToken" => body(&GetWebIdentityToken {
            audience: strings(i, "Audience").ok_or("input.Audience is missing")?,
            duration_seconds: opt_i32(i, "DurationSeconds"),
            signing_algorithm: string(i, "SigningAlgorithm")?,
            scope: opt_string(i, "Scope"),
            subject_mode: opt_string(i, "SubjectMode"),
            tags: tags(i),
        }),
        other => Err(format!("unknown operation {other}")),
    }
}

fn check(case: &Value) -> Result<(), String> {
    let operation = case["operation"].as_str().ok_or("no operation")?;
    let input = case.get("input").ok_or("no input")?;
    let actual = build(operation, input)?;
    let pairs = sts_blocking::query::decode(&actual).map_err(|e| e.to_string())?;
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
