//! `sts keys import --from aws-vault`: aws-vault file-backend items made by an independent
//! implementation (Python's `cryptography`, `scripts/aws-vault-jwe.py`, in the peer venv), and
//! its `pass` items through a fake `pass`.

use crate::{KEY_ID, SECRET, code, home, no_secret, run, stderr, stdout, store_file, sts};
use std::path::{Path, PathBuf};

/// A python with `cryptography` (the peer venv's: moto depends on it), or why there is none.
fn python() -> Result<PathBuf, String> {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let candidates = std::env::var_os("PEER_VENV")
        .map(|v| PathBuf::from(v).join("bin/python"))
        .into_iter()
        .chain([
            target.join("peer-venv/bin/python"),
            target.join("botocore-venv/bin/python"),
        ]);
    for p in candidates {
        let ok = std::process::Command::new(&p)
            .args(["-c", "import cryptography.hazmat.primitives.keywrap"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(p);
        }
    }
    Err("no python with `cryptography` (scripts/peer-test makes target/peer-venv)".into())
}

/// Writes aws-vault items into `dir` with the Python oracle.
fn make_items(py: &Path, dir: &Path, passphrase: &str, items: &serde_json::Value) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/aws-vault-jwe.py");
    let mut c = std::process::Command::new(py)
        .arg(script)
        .arg(dir)
        .arg(passphrase)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin
        .take()
        .unwrap()
        .write_all(items.to_string().as_bytes())
        .unwrap();
    assert!(c.wait().unwrap().success());
}

const VAULT_PASS: &str = "aws-vault passphrase";

#[test]
fn aws_vault_file_items_from_an_independent_implementation_are_imported() {
    let py = match python() {
        Ok(p) => p,
        Err(why) => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "SKIPPED: keys aws_vault_file_items_from_an_independent_implementation ({why})"
            );
            return;
        }
    };
    let h = home("import", "[profile dev]\n[profile ops]\n");
    let vault = h.join(".awsvault/keys");
    make_items(
        &py,
        &vault,
        VAULT_PASS,
        &serde_json::json!([
            {"key": "dev", "access_key_id": KEY_ID, "secret_access_key": SECRET},
            {"key": "ops", "access_key_id": "AKIAIOSFODNN7OPSKEY1", "secret_access_key": "ops/secret+x="},
            // aws-vault's cached session of dev: not imported.
            {"key": "session,ZGV2,,1700000000", "access_key_id": "ASIASESSION", "secret_access_key": "s",
             "session_token": "tok"},
        ]),
    );
    // A wrong passphrase: a clear error, nothing imported, nothing written.
    let o = run(sts(
        &h,
        &[("AWS_VAULT_FILE_PASSPHRASE", "not it")],
        &["keys", "import", "--from", "aws-vault"],
    ));
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains("the passphrase does not open aws-vault's item"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    no_secret("the error", &err);
    assert!(!store_file(&h).exists());
    // The right one: both profiles, the session skipped.
    let o = run(sts(
        &h,
        &[("AWS_VAULT_FILE_PASSPHRASE", VAULT_PASS)],
        &["keys", "import", "--from", "aws-vault"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Imported 2 profiles from aws-vault into the file backend: dev, ops.\n\
         Skipped: session,ZGV2,,1700000000.\n"
    );
    no_secret("import's output", &stdout(&o));
    no_secret(
        "the store",
        &std::fs::read_to_string(store_file(&h)).unwrap(),
    );
    for (p, id, secret) in [
        ("dev", KEY_ID, SECRET),
        ("ops", "AKIAIOSFODNN7OPSKEY1", "ops/secret+x="),
    ] {
        let o = run(sts(
            &h,
            &[],
            &["export-credentials", "--profile", p, "--no-session"],
        ));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(
            stdout(&o).contains(id) && stdout(&o).contains(secret),
            "{}",
            stdout(&o)
        );
    }
    // Again: nothing new, the stored ones kept.
    let o = run(sts(
        &h,
        &[("AWS_VAULT_FILE_PASSPHRASE", VAULT_PASS)],
        &["keys", "import", "--from", "aws-vault"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("dev (already stored), ops (already stored)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn damaged_aws_vault_items_stop_the_import() {
    let h = home("import-bad", "");
    let vault = h.join(".awsvault/keys");
    std::fs::create_dir_all(&vault).unwrap();
    for (name, body, want) in [
        ("dev", "not a jwe", "five parts"),
        ("dev", "eyJhbGciOiJkaXIifQ.a.b.c.d", "unsupported alg"),
    ] {
        std::fs::write(vault.join(name), body).unwrap();
        let o = run(sts(
            &h,
            &[("AWS_VAULT_FILE_PASSPHRASE", VAULT_PASS)],
            &["keys", "import", "--from", "aws-vault"],
        ));
        assert_ne!(code(&o), 0);
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
        assert!(!store_file(&h).exists());
    }
    let o = run(sts(&h, &[], &["keys", "import"]));
    assert!(
        stderr(&o).contains("the following arguments are required: --from"),
        "{}",
        stderr(&o)
    );
    let o = run(sts(
        &h,
        &[("AWS_VAULT_BACKEND", "kwallet")],
        &["keys", "import", "--from", "aws-vault"],
    ));
    assert!(
        stderr(&o).contains("file and pass backends"),
        "{}",
        stderr(&o)
    );
}
