//! `sts keys` end to end: the encrypted file store (round trips, bad input, the lock), the
//! chain reading stored profiles (`exec`, `export-credentials`, role chains), against loopback
//! fakes only.
#![cfg(unix)]

mod backends;
#[path = "../daily/fake.rs"]
mod fake;
#[path = "../../../tests/fake_token/mod.rs"]
mod fake_token;
mod import;
mod mfa;
mod rotate;
mod store;
#[path = "../../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-keys-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A HOME with this `~/.aws/config` (none when empty).
pub fn home(tag: &str, config: &str) -> PathBuf {
    let h = temp_dir(tag);
    std::fs::create_dir_all(h.join(".aws")).unwrap();
    if !config.is_empty() {
        std::fs::write(h.join(".aws/config"), config).unwrap();
    }
    h
}

/// The store file of `home`.
pub fn store_file(home: &Path) -> PathBuf {
    home.join(".aws/sts-keys")
}

/// A secret access key that must never show anywhere but where it is handed over.
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz";
/// Its access key id.
pub const KEY_ID: &str = "AKIAIOSFODNN7STORED1";
/// The passphrase the tests' stores are sealed with.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// `sts` with a clean environment: PATH, HOME, IMDS off, a dead proxy (loopback is never
/// proxied), a cheap key derivation (debug builds only: the format records the count), the
/// passphrase, then `env`.
pub fn sts(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env("HOME", home);
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    c.env("HTTPS_PROXY", "http://127.0.0.1:9");
    c.env("HTTP_PROXY", "http://127.0.0.1:9");
    c.env("STS_KEYS_KDF_ITERATIONS", "1000");
    c.env("STS_KEYS_PASSPHRASE", PASSPHRASE);
    c.env("STS_KEYS_BACKEND", "file");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args);
    c
}

/// Runs it with standard input closed.
pub fn run(mut c: Command) -> Output {
    c.stdin(std::process::Stdio::null())
        .output()
        .expect("run sts")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// `sts keys add PROFILE --env` with [`KEY_ID`] / [`SECRET`] (or `id` / `secret`), succeeding.
pub fn add(home: &Path, profile: &str, extra: &[(&str, &str)]) {
    let mut env = vec![
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    env.extend_from_slice(extra);
    let o = run(sts(home, &env, &["keys", "add", profile, "--env"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// `env` output as pairs.
pub fn env_map(text: &str) -> std::collections::BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Fails if `text` holds the secret, or the whole key id.
pub fn no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "the secret is in {what}: {text}");
    assert!(
        !text.contains("bPxRfiCY"),
        "part of the secret is in {what}: {text}"
    );
}

#[test]
fn help_page_matches_its_golden_file() {
    let h = home("help", "");
    let o = run(sts(&h, &[], &["keys", "add", "help"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/keys.help.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, stdout(&o)).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        stdout(&o),
        expected,
        "keys.help.txt differs (UPDATE_GOLDEN=1)"
    );
}
