//! `sts exec --server`: the child gets an ECS-style endpoint instead of keys, and keeps getting
//! fresh credentials from it after the first ones expire (short-lived credentials from the fake
//! STS). The child is our own container provider (`sts export-credentials`) or botocore's
//! `ContainerProvider` (the venv of `scripts/botocore-venv` or `scripts/peer-test`; skipped
//! without one).

use crate::fake::FakeSts;
use crate::{code, env_map, home, run, stderr, stdout, sts};
use std::path::PathBuf;
use std::process::Command;

const ROLE_CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\n";
const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";

/// Seconds the fake's credentials live; the children wait a little longer between reads.
const LIFETIME: i64 = 4;

#[test]
fn our_container_provider_gets_fresh_credentials_after_expiry() {
    let fake = FakeSts::start(LIFETIME, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("server-own", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let script = "\"$STS_BIN\" export-credentials --format env-no-export; sleep 5; \
                  \"$STS_BIN\" export-credentials --format env-no-export; echo ---; env";
    let o = run(sts(
        &h,
        &[
            ("AWS_ENDPOINT_URL_STS", url.as_str()),
            ("STS_BIN", env!("CARGO_BIN_EXE_sts")),
        ],
        &[
            "exec",
            "--profile",
            "dev",
            "--server",
            "--",
            "sh",
            "-c",
            script,
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let (creds, env) = out.split_once("---\n").unwrap();
    let keys: Vec<&str> = creds
        .lines()
        .filter_map(|l| l.strip_prefix("AWS_ACCESS_KEY_ID="))
        .collect();
    assert_eq!(keys.len(), 2, "{out}");
    assert_eq!(keys[0], "ASIAFAKE000000000001");
    assert_ne!(keys[0], keys[1], "no refresh after expiry");
    assert!(creds.contains("AWS_SESSION_TOKEN=token-"));
    let child = env_map(env);
    assert!(!child.contains_key("AWS_ACCESS_KEY_ID"));
    assert!(!child.contains_key("AWS_SECRET_ACCESS_KEY"));
    let uri = &child["AWS_CONTAINER_CREDENTIALS_FULL_URI"];
    assert!(
        uri.starts_with("http://127.0.0.1:") && uri.ends_with("/credentials"),
        "{uri}"
    );
    assert_eq!(child["AWS_CONTAINER_AUTHORIZATION_TOKEN"].len(), 43);
    assert_eq!(child["AWS_REGION"], "eu-west-1");
    // Each refresh assumed the role again (the server refreshes as soon as the credentials
    // expire, whether asked or not: a slow run sees more than two).
    let actions = fake.actions();
    assert!(
        actions.len() >= 2 && actions.iter().all(|a| a == "AssumeRole"),
        "{actions:?}"
    );
    // The token is not in anything sts printed itself.
    assert!(!stderr(&o).contains(&child["AWS_CONTAINER_AUTHORIZATION_TOKEN"]));
}

/// A python with botocore: `BOTOCORE_PYTHON`, else the venv of `scripts/botocore-venv`, else the
/// peer venv.
pub fn python() -> Option<PathBuf> {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let candidates = std::env::var_os("BOTOCORE_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            target.join("botocore-venv/bin/python"),
            target.join("peer-venv/bin/python"),
        ]);
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import botocore.credentials"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn botocore_container_provider_refreshes_through_the_server() {
    let Some(py) = python() else {
        crate::support::skip::skipped(
            "daily botocore_container_provider_refreshes_through_the_server",
            "no botocore venv: run scripts/botocore-venv or set BOTOCORE_PYTHON",
        );
        return;
    };
    let fake = FakeSts::start(LIFETIME, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("server-botocore", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let script = "import json, sys, time\n\
        from botocore.credentials import ContainerProvider\n\
        c = ContainerProvider().load()\n\
        a = c.get_frozen_credentials()\n\
        time.sleep(5)\n\
        b = c.get_frozen_credentials()\n\
        print(json.dumps({'method': c.method, 'a': a.access_key, 'b': b.access_key, \
        'token': b.token}))\n";
    let py = py.to_string_lossy().into_owned();
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &[
            "exec",
            "--profile",
            "dev",
            "--server",
            "--",
            &py,
            "-c",
            script,
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["method"], "container-role");
    let (a, b) = (v["a"].as_str().unwrap(), v["b"].as_str().unwrap());
    assert!(
        a.starts_with("ASIAFAKE") && b.starts_with("ASIAFAKE"),
        "{v}"
    );
    assert_ne!(a, b, "botocore got no fresh credentials after expiry: {v}");
    assert!(v["token"].as_str().unwrap().starts_with("token-"));
    assert!(fake.actions().len() >= 2);
}

/// Starts `sts exec ... -- sh -c SCRIPT` with piped stdout and waits for its first line.
fn spawn_until_ready(
    h: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStdout>,
) {
    use std::io::BufRead;
    let mut c = sts(h, env, args);
    c.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    (child, out)
}

#[test]
fn signals_reach_the_child_of_the_server() {
    use std::io::Read;
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("server-signals", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let script = "trap 'echo got-term; exit 3' TERM; trap 'echo got-int; exit 4' INT; \
                  trap 'echo got-hup; exit 5' HUP; echo ready; while :; do sleep 0.05; done";
    for (signal, want, status) in [
        ("TERM", "got-term", 3),
        ("INT", "got-int", 4),
        ("HUP", "got-hup", 5),
    ] {
        let (mut child, mut out) = spawn_until_ready(
            &h,
            &[("AWS_ENDPOINT_URL_STS", url.as_str())],
            &[
                "exec",
                "--profile",
                "dev",
                "--server",
                "--",
                "sh",
                "-c",
                script,
            ],
        );
        // To sts itself, which stays the child's parent.
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status_got = child.wait().unwrap();
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert_eq!(rest.trim(), want, "{signal}");
        assert_eq!(status_got.code(), Some(status), "{signal}");
    }
}

#[test]
fn without_the_server_sts_becomes_the_command() {
    use std::io::Read;
    let h = home("exec-replace", "", "");
    let (mut child, mut out) = spawn_until_ready(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAX"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
        &[
            "exec",
            "--no-session",
            "--",
            "sh",
            "-c",
            "echo ready; echo $$",
        ],
    );
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.trim(), child.id().to_string());
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_first_request_after_expiry_gets_fresh_credentials() {
    let fake = FakeSts::start(LIFETIME, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("server-late", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let script = "sleep 5; \"$STS_BIN\" export-credentials --format env-no-export";
    let o = run(sts(
        &h,
        &[
            ("AWS_ENDPOINT_URL_STS", url.as_str()),
            ("STS_BIN", env!("CARGO_BIN_EXE_sts")),
        ],
        &[
            "exec",
            "--profile",
            "dev",
            "--server",
            "--",
            "sh",
            "-c",
            script,
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The credentials resolved at start expired while the command slept: never served.
    let out = stdout(&o);
    assert!(out.contains("AWS_ACCESS_KEY_ID=ASIAFAKE"), "{out}");
    assert!(
        !out.contains("AWS_ACCESS_KEY_ID=ASIAFAKE000000000001\n"),
        "{out}"
    );
}
