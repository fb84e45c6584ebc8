//! `--scope-policy`, `--scope-duration` and `--scope-description` of `sts exec` (with and without
//! `--server`) and `sts export-credentials`, against the fake STS of `tests/fake_scoped`: over
//! TLS with the real host names, through a CONNECT proxy that records the host asked for, so
//! the regional endpoint is checked, with every SigV4 signature verified and long-term keys
//! kept away from GetScopedCredentials.

use crate::fake_scoped::{Call, FakeScopedSts, LONG_TERM_ID, LONG_TERM_SECRET, regional_tls};
use crate::{code, env_map, home, run, stderr, stdout, sts};
use std::path::PathBuf;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

fn keys() -> String {
    format!(
        "[dev]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    )
}

/// A HOME with the long-term keys of profile `dev` and `config` for it.
fn dev_home(tag: &str, config: &str) -> PathBuf {
    home(tag, &format!("[profile dev]\n{config}"), &keys())
}

fn env(fake: &FakeScopedSts) -> Vec<(&'static str, String)> {
    vec![
        ("HTTPS_PROXY", fake.proxy_url()),
        (
            "AWS_CA_BUNDLE",
            regional_tls("ca.pem").to_str().unwrap().to_owned(),
        ),
    ]
}

fn sts_with(h: &std::path::Path, fake: &FakeScopedSts, args: &[&str]) -> std::process::Output {
    let e = env(fake);
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(sts(h, &pairs, args))
}

fn scoped_calls(calls: &[Call]) -> Vec<&Call> {
    calls
        .iter()
        .filter(|c| c.action == "GetScopedCredentials")
        .collect()
}

fn clean(calls: &[Call]) {
    for c in calls {
        assert!(c.violation.is_none(), "{c:?}");
        if c.action == "GetScopedCredentials" {
            assert!(c.access_key.starts_with("ASIA"), "{c:?}");
        }
    }
}

#[test]
fn exec_hands_over_scoped_credentials_from_the_regional_endpoint() {
    let fake = FakeScopedSts::start();
    let h = dev_home("scope-exec", "region = eu-west-1\n");
    let o = sts_with(
        &h,
        &fake,
        &[
            "exec",
            "--profile",
            "dev",
            "--scope-policy",
            POLICY,
            "--",
            "env",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "ASIAFAKESCOPED2");
    assert_eq!(child["AWS_SESSION_TOKEN"], "marker-scoped-token-2");
    let calls = fake.calls();
    clean(&calls);
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["GetSessionToken", "GetScopedCredentials"]);
    assert_eq!(calls[0].access_key, LONG_TERM_ID);
    let s = &calls[1];
    assert_eq!(s.host, "sts.eu-west-1.amazonaws.com");
    assert_eq!(s.region, "eu-west-1");
    assert_eq!(s.param("Policy"), Some(POLICY));
    assert_eq!(s.param("ScopedSessionDescription"), Some("sts exec: env"));
    assert!(
        fake.connects()
            .iter()
            .all(|t| t == "sts.eu-west-1.amazonaws.com:443"),
        "{:?}",
        fake.connects()
    );
}

/// `sts_regional_endpoints = legacy` changes nothing in the program (AWS CLI v2 ignores it): both
/// calls go to the region's endpoint; without a region, us-east-1's. (The library's own rule, a
/// regional scoped call under a global setting, is pinned in tests/scoped.rs.)
#[test]
fn the_scoped_call_is_regional_even_when_the_settings_say_global() {
    let fake = FakeScopedSts::start();
    let h = dev_home(
        "scope-legacy",
        "region = us-east-1\nsts_regional_endpoints = legacy\n",
    );
    let o = sts_with(
        &h,
        &fake,
        &[
            "exec",
            "--profile",
            "dev",
            "--scope-duration",
            "900",
            "--scope-description",
            "nightly job",
            "--",
            "env",
        ],
    );
    // The program ignores `sts_regional_endpoints`, as AWS CLI v2 does: every call is regional.
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let calls = fake.calls();
    clean(&calls);
    assert_eq!(calls[0].host, "sts.us-east-1.amazonaws.com");
    let s = scoped_calls(&calls);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].host, "sts.us-east-1.amazonaws.com");
    assert_eq!(s[0].param("DurationSeconds"), Some("900"));
    assert_eq!(s[0].param("ScopedSessionDescription"), Some("nightly job"));
    assert_eq!(s[0].param("Policy"), None);

    let fake = FakeScopedSts::start();
    let h = dev_home("scope-noregion", "");
    let o = sts_with(
        &h,
        &fake,
        &[
            "exec",
            "--profile",
            "dev",
            "--scope-policy",
            POLICY,
            "--",
            "env",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no region is configured"),
        "{}",
        stderr(&o)
    );
    // The child gets no region (none is configured), and the scoped keys.
    let child = env_map(&stdout(&o));
    assert!(!child.contains_key("AWS_REGION"));
    assert!(child["AWS_ACCESS_KEY_ID"].starts_with("ASIAFAKESCOPED"));
    let calls = fake.calls();
    clean(&calls);
    assert_eq!(scoped_calls(&calls)[0].host, "sts.us-east-1.amazonaws.com");
}

#[test]
fn export_credentials_scopes_too() {
    let fake = FakeScopedSts::start();
    let h = dev_home("scope-export", "region = eu-west-1\n");
    let policy_file = h.join("policy.json");
    std::fs::write(&policy_file, POLICY).unwrap();
    let o = sts_with(
        &h,
        &fake,
        &[
            "export-credentials",
            "--profile",
            "dev",
            "--scope-policy",
            policy_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["AccessKeyId"], "ASIAFAKESCOPED2");
    let calls = fake.calls();
    clean(&calls);
    let s = scoped_calls(&calls);
    assert_eq!(s[0].param("Policy"), Some(POLICY));
    assert_eq!(
        s[0].param("ScopedSessionDescription"),
        Some("sts export-credentials: dev")
    );
    assert_eq!(s[0].host, "sts.eu-west-1.amazonaws.com");
}

/// The server scopes again at every refresh (short scoped sessions are refreshed at once by the
/// cache), from the one session made at start: GetSessionToken once.
#[test]
fn the_server_scopes_again_at_every_refresh() {
    let fake = FakeScopedSts::start();
    let h = dev_home("scope-server", "region = eu-west-1\n");
    let o = sts_with(
        &h,
        &fake,
        &[
            "exec",
            "--profile",
            "dev",
            "--server",
            "--scope-duration",
            "120",
            "--",
            "sh",
            "-c",
            "sleep 4; echo $AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("http://127.0.0.1:"),
        "{}",
        stdout(&o)
    );
    let calls = fake.calls();
    clean(&calls);
    let sessions = calls
        .iter()
        .filter(|c| c.action == "GetSessionToken")
        .count();
    assert_eq!(sessions, 1, "{calls:?}");
    let scoped = scoped_calls(&calls);
    assert!(scoped.len() >= 2, "{calls:?}");
    assert!(
        scoped.iter().all(|c| c.access_key == "ASIAFAKESESSION1"),
        "{scoped:?}"
    );
}

#[test]
fn bad_scopes_stop_before_anything_is_sent() {
    let fake = FakeScopedSts::start();
    let h = dev_home("scope-bad", "region = eu-west-1\n");
    let long = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"{}"}}]}}"#,
        "a".repeat(2048)
    );
    for (args, want) in [
        (vec!["--scope-policy", "{not json"], "Policy"),
        (vec!["--scope-policy", &long], "Policy"),
        (
            vec!["--scope-policy", "/nonexistent/policy.json"],
            "No such file",
        ),
        (vec!["--scope-duration", "0"], "DurationSeconds"),
        (vec!["--scope-description", "x"], "ScopedSessionDescription"),
        (
            vec!["--scope-policy", POLICY, "--no-session"],
            "--no-session",
        ),
    ] {
        let mut all = vec!["exec", "--profile", "dev"];
        all.extend(args.iter().copied());
        all.extend(["--", "env"]);
        let o = sts_with(&h, &fake, &all);
        assert_eq!(code(&o), 252, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert!(
            !stdout(&o).contains("AWS_SECRET_ACCESS_KEY"),
            "{}",
            stdout(&o)
        );
    }
    let o = sts_with(
        &h,
        &fake,
        &[
            "export-credentials",
            "--profile",
            "dev",
            "--scope-policy",
            "[]",
        ],
    );
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
}
