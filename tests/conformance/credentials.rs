//! Credential-resolution conformance: the cross-SDK profile parser and file-location suites, pure
//! role-chain planning (`assume-role-tests.json`), container endpoint selection (`ecs-tests.json`) and
//! IMDS endpoint selection (`imds-endpoint-tests.json`).

use crate::common;
use serde_json::Value;
use std::path::Path;
use sts_blocking::__private::credentials::profile::FileKind;
use sts_blocking::credentials::{BaseSource, Env, NamedSource, Platform};
use sts_blocking::credentials::{FileLocations, ProfileSet, Section};

fn s(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn compare_sections(
    what: &str,
    got: &std::collections::BTreeMap<String, Section>,
    want: Option<&Value>,
) -> Result<(), String> {
    let empty = serde_json::Map::new();
    let want = want.and_then(Value::as_object).unwrap_or(&empty);
    if got.len() != want.len() {
        return Err(format!(
            "{what}: got {:?}, want {:?}",
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        ));
    }
    for (name, props) in want {
        let Some(sec) = got.get(name) else {
            return Err(format!("{what}: missing {name}"));
        };
        let props = props.as_object().ok_or("bad case")?;
        if sec.properties().count() != props.len() {
            return Err(format!(
                "{what} {name}: got keys {:?}",
                sec.properties().map(|(k, _)| k).collect::<Vec<_>>()
            ));
        }
        for (k, v) in props {
            let ok = match v {
                Value::Object(sub) => {
                    let got = sec.sub_properties(k);
                    got.len() == sub.len()
                        && sub
                            .iter()
                            .all(|(sk, sv)| got.iter().any(|(gk, gv)| gk == sk && *gv == s(sv)))
                }
                v => sec.get(k) == Some(s(v).as_str()),
            };
            if !ok {
                return Err(format!("{what} {name}.{k}: got {:?}, want {v}", sec.get(k)));
            }
        }
    }
    Ok(())
}

#[test]
fn profile_parser() {
    let Some(root) = common::corpus("profile-parser") else {
        return;
    };
    let doc = common::json(&root.join("credentials/profile-parser/profile-parser-tests.json"));
    let tests = doc["tests"].as_array().expect("tests");
    let (mut passed, mut failures) = (0, Vec::new());
    for t in tests {
        let name = t["name"].as_str().unwrap_or("?");
        let mut files = Vec::new();
        let cfg = t["input"]["configFile"].as_str();
        let creds = t["input"]["credentialsFile"].as_str();
        if let Some(c) = cfg {
            files.push((FileKind::Config, Path::new("config"), c));
        }
        if let Some(c) = creds {
            files.push((FileKind::Credentials, Path::new("credentials"), c));
        }
        let got = sts_blocking::__private::credentials::profile::parse(&files, "default");
        let out = &t["output"];
        let result = match (got, out.get("errorContaining")) {
            (Err(e), Some(want)) => {
                let want = want.as_str().unwrap_or("");
                if e.to_string().contains(want) {
                    Ok(())
                } else {
                    Err(format!("error {e} lacks {want:?}"))
                }
            }
            (Err(e), None) => Err(format!("unexpected error {e}")),
            (Ok(_), Some(want)) => Err(format!("expected error {want}")),
            (Ok(set), None) => {
                compare_sections("profiles", set.profiles(), out["config"].get("profiles"))
                    .and_then(|()| {
                        compare_sections(
                            "sso_sessions",
                            set.sso_sessions(),
                            out["config"].get("sso_sessions"),
                        )
                    })
            }
        };
        match result {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    common::report("profile-parser", passed, tests.len(), &failures);
}

#[test]
fn file_location() {
    let Some(root) = common::corpus("file-location") else {
        return;
    };
    let doc = common::json(&root.join("credentials/profile-parser/file-location-tests.json"));
    let tests = doc["tests"].as_array().expect("tests");
    let (mut passed, mut failures) = (0, Vec::new());
    for t in tests {
        let name = t["name"].as_str().unwrap_or("?");
        let env = Env::from_map(
            t["environment"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), s(v))),
        );
        let platform = if t["platform"] == "windows" {
            Platform::Windows
        } else {
            Platform::Unix
        };
        let loc = FileLocations::resolve(&env, platform).expect("locations");
        let mut errs = Vec::new();
        let (config, credentials) = (
            loc.config.unwrap_or_default(),
            loc.credentials.unwrap_or_default(),
        );
        if config.to_string_lossy() != t["configLocation"].as_str().unwrap() {
            errs.push(format!("config {}", config.display()));
        }
        if credentials.to_string_lossy() != t["credentialsLocation"].as_str().unwrap() {
            errs.push(format!("credentials {}", credentials.display()));
        }
        if let Some(p) = t["profile"].as_str()
            && loc.profile != p
        {
            errs.push(format!("profile {}", loc.profile));
        }
        if errs.is_empty() {
            passed += 1
        } else {
            failures.push(format!("{name}: {}", errs.join(", ")))
        }
    }
    common::report("file-location", passed, tests.len(), &failures);
}

fn step_json(base: &BaseSource) -> Value {
    use serde_json::json;
    match base {
        BaseSource::Static { credentials, .. } => {
            let mut m = json!({"access_key_id": credentials.access_key_id, "secret_access_key": credentials.secret_access_key.expose()});
            if let Some(a) = &credentials.account_id {
                m["account_id"] = json!(a);
            }
            json!({ "AccessKey": m })
        }
        BaseSource::Named(n) => json!({ "NamedSource": n.as_str() }),
        BaseSource::WebIdentity(w) => {
            let mut m = json!({"role_arn": w.role_arn, "web_identity_token_file": w.token_file.to_string_lossy()});
            if let Some(n) = &w.session_name {
                m["role_session_name"] = json!(n);
            }
            json!({ "WebIdentityToken": m })
        }
        BaseSource::Sso(s) => {
            let mut m = json!({"sso_region": s.region, "sso_start_url": s.start_url});
            if let Some(v) = &s.session_name {
                m["sso_session"] = json!(v);
            }
            if let Some(v) = &s.account_id {
                m["sso_account_id"] = json!(v);
            }
            if let Some(v) = &s.role_name {
                m["sso_role_name"] = json!(v);
            }
            json!({ "Sso": m })
        }
        BaseSource::Process { .. } => json!({ "CredentialProcess": "" }),
        BaseSource::Login(l) => json!({ "Login": { "login_session": l.session } }),
        // The corpus has no key store: planned profiles are never marked.
        BaseSource::Stored { profile } => json!({ "KeyStore": profile }),
        other => json!({ "Unknown": format!("{other:?}") }),
    }
}

/// smithy-rs wording mapped to ours: botocore's, which the `sts` command prints.
fn ours(want: &str) -> &str {
    match want {
        "profile missing aws_secret_access_key" => {
            "Partial credentials found in config-file, missing: aws_secret_access_key"
        }
        "profile missing aws_access_key_id" => {
            "Partial credentials found in config-file, missing: aws_access_key_id"
        }
        // botocore's InfiniteLoopConfigError, which `sts` prints as the AWS CLI does.
        "profile formed an infinite loop" => "Infinite loop in credential configuration detected",
        other => other,
    }
}

#[test]
fn assume_role_plans() {
    use serde_json::json;
    let Some(root) = common::corpus("assume-role") else {
        return;
    };
    let doc = common::json(&root.join("credentials/aws-config-scenarios/assume-role-tests.json"));
    let tests = doc.as_array().expect("cases");
    let (mut passed, mut failures) = (0, Vec::new());
    let sections = |v: &Value| -> Vec<Section> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(name, props)| {
                        Section::new(
                            name.clone(),
                            props
                                .as_object()
                                .unwrap()
                                .iter()
                                .map(|(k, v)| (k.clone(), s(v))),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for t in tests {
        let docs = t["docs"].as_str().unwrap_or("?");
        let input = &t["input"];
        let set = ProfileSet::from_sections(
            sections(&input["profiles"]),
            sections(&input["sso_sessions"]),
            input["selected_profile"].as_str().unwrap(),
        );
        let result = match (set.plan(), &t["output"]) {
            (Ok(chain), out) if out.get("ProfileChain").is_some() => {
                let mut got = vec![step_json(&chain.base)];
                for hop in &chain.roles {
                    let mut m = json!({"role_arn": hop.role_arn});
                    if let Some(v) = &hop.external_id {
                        m["external_id"] = json!(v);
                    }
                    if let Some(v) = &hop.session_name {
                        m["role_session_name"] = json!(v);
                    }
                    got.push(json!({ "AssumeRole": m }));
                }
                if Value::Array(got.clone()) == out["ProfileChain"] {
                    Ok(())
                } else {
                    Err(format!("got {}", Value::Array(got)))
                }
            }
            (Ok(chain), out) => Err(format!("got {chain:?}, want {out}")),
            (Err(e), out) => match out.get("Error").and_then(Value::as_str).map(ours) {
                Some(want) if e.message.contains(want) => Ok(()),
                _ => Err(format!("error {e}, want {out}")),
            },
        };
        match result {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{docs}: {e}")),
        }
    }
    common::report("assume-role plans", passed, tests.len(), &failures);
    // Keep NamedSource in use for the compiler when the corpus has no such case.
    let _ = NamedSource::Environment;
}

#[cfg(feature = "client")]
#[test]
fn ecs_endpoint() {
    use sts_blocking::__private::credentials::container::{check_full_uri, endpoint_uri};
    let Some(root) = common::corpus("ecs-endpoint") else {
        return;
    };
    let doc = common::json(&root.join("credentials/aws-config-scenarios/ecs-tests.json"));
    let tests = doc["tests"].as_array().expect("tests");
    let (mut passed, mut failures) = (0, Vec::new());
    for t in tests {
        let docs = t["docs"].as_str().unwrap_or("?");
        let env = Env::from_map(
            t["env"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), s(v))),
        );
        // No DNS in tests: host names other than localhost are only accepted over https.
        let got = endpoint_uri(&env).and_then(|u| {
            if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_none() {
                check_full_uri(&u, false)?;
            }
            Ok(u)
        });
        let ok = match (&got, &t["result"]) {
            (Ok(u), r) => r["Ok"].as_str() == Some(u.as_str()),
            (Err(e), r) => r["ErrorContains"]
                .as_str()
                .is_some_and(|w| e.to_string().contains(w)),
        };
        if ok {
            passed += 1
        } else {
            failures.push(format!("{docs}: got {got:?}"))
        }
    }
    common::report("ecs endpoint", passed, tests.len(), &failures);
}

#[cfg(feature = "client")]
#[test]
fn imds_endpoint() {
    use sts_blocking::__private::credentials::imds::resolve_endpoint;
    let Some(root) = common::corpus("imds-endpoint") else {
        return;
    };
    let doc = common::json(
        &root.join("credentials/aws-config-scenarios/imds-config/imds-endpoint-tests.json"),
    );
    let tests = doc["tests"].as_array().expect("tests");
    let (mut passed, mut failures) = (0, Vec::new());
    for t in tests {
        let docs = t["docs"].as_str().unwrap_or("?");
        let vars = t["env"].as_object().unwrap();
        let env = Env::from_map(vars.iter().map(|(k, v)| (k.clone(), s(v))));
        let mut files = Vec::new();
        if let Some(cfg) = vars.get("AWS_CONFIG_FILE").and_then(Value::as_str)
            && let Some(text) = t["fs"].get(cfg).and_then(Value::as_str)
        {
            files.push((FileKind::Config, Path::new(cfg), text));
        }
        let set = sts_blocking::__private::credentials::profile::parse(&files, "default")
            .expect("config parses");
        let got = resolve_endpoint(
            &env,
            set.selected(),
            t["endpoint_override"].as_str(),
            t["mode_override"].as_str(),
        )
        .map(|e| format!("{e}/latest/api/token"));
        let ok = match (&got, &t["result"]) {
            (Ok(u), r) => r["Ok"].as_str() == Some(u.as_str()),
            (Err(e), r) => r["Err"].as_str().is_some_and(|w| e.to_string().contains(w)),
        };
        if ok {
            passed += 1
        } else {
            failures.push(format!("{docs}: got {got:?}"))
        }
    }
    common::report("imds endpoint", passed, tests.len(), &failures);
}
