//! The encrypted file store through the `sts` binary: add, list, remove, the chain reading it,
//! and every bad input: a wrong passphrase, damaged, truncated and newer files, two adds at once.

use crate::fake::FakeSts;
use crate::{
    KEY_ID, PASSPHRASE, SECRET, add, code, env_map, home, no_secret, run, stderr, stdout,
    store_file, sts,
};
use std::time::{Duration, Instant};

#[test]
fn add_list_export_remove_round_trip() {
    let h = home("roundtrip", "[profile dev]\nregion = eu-west-1\n");
    let o = run(sts(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &[
            "keys",
            "add",
            "dev",
            "--env",
            "--mfa-serial",
            "arn:aws:iam::123456789012:mfa/alice",
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Added credentials to profile \"dev\" in the file backend (AKIA****RED1).\n"
    );
    // The store: private, versioned, and neither the secret nor the whole key id in its bytes.
    let bytes = std::fs::read_to_string(store_file(&h)).unwrap();
    // The tests' STS_KEYS_KDF_ITERATIONS is honoured by debug builds only (an optimised build,
    // as CI's `--profile ci`, always uses the real 600000 rounds).
    let rounds = if cfg!(debug_assertions) {
        1000
    } else {
        600_000
    };
    assert!(
        bytes.starts_with(&format!("sts-keys 1\nkdf pbkdf2-hmac-sha256 {rounds} ")),
        "{bytes}"
    );
    no_secret("the store file", &bytes);
    assert!(!bytes.contains(KEY_ID), "{bytes}");
    assert!(!bytes.contains(PASSPHRASE), "{bytes}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store_file(&h))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // list needs no passphrase.
    let o = run(sts(&h, &[("STS_KEYS_PASSPHRASE", "")], &["keys", "list"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "PROFILE  BACKEND  ACCESS KEY    AGE");
    assert_eq!(lines[1], "dev      file     AKIA****RED1  now");
    // The chain reads it back: the keys themselves with --no-session.
    let o = run(sts(
        &h,
        &[],
        &["export-credentials", "--profile", "dev", "--no-session"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("\"AccessKeyId\": \"{KEY_ID}\"")),
        "{out}"
    );
    assert!(out.contains(SECRET), "{out}");
    let o = run(sts(&h, &[], &["keys", "remove", "dev"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "Deleted credentials of profile \"dev\".\n");
    let bytes = std::fs::read_to_string(store_file(&h)).unwrap();
    assert_eq!(bytes, "sts-keys 1\nend\n");
    let o = run(sts(&h, &[], &["keys", "remove", "dev"]));
    assert_eq!(code(&o), 255);
    assert!(
        stderr(&o).contains("profile dev is not in the key store"),
        "{}",
        stderr(&o)
    );
    let o = run(sts(&h, &[], &["keys", "list"]));
    assert!(
        stdout(&o).starts_with("No profiles in the key store"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_default_key_derivation_is_600000_rounds() {
    let h = home("rounds", "");
    let mut c = sts(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "dev", "--env"],
    );
    c.env_remove("STS_KEYS_KDF_ITERATIONS");
    let o = run(c);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let bytes = std::fs::read_to_string(store_file(&h)).unwrap();
    assert!(
        bytes.starts_with("sts-keys 1\nkdf pbkdf2-hmac-sha256 600000 "),
        "{bytes}"
    );
}

/// Runs `args` and checks it fails with `want` in its error, the store file unchanged and no
/// secret shown.
fn refused(h: &std::path::Path, env: &[(&str, &str)], args: &[&str], want: &str) {
    // Read only a regular file: the FIFO case must not hang the test itself.
    let snapshot = || {
        let p = store_file(h);
        std::fs::metadata(&p)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|_| std::fs::read(&p).ok())
    };
    let before = snapshot();
    let o = run(sts(h, env, args));
    assert_ne!(code(&o), 0, "{args:?} succeeded: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains(want), "{args:?}: want {want:?} in {err}");
    no_secret("the error", &err);
    no_secret("the output", &stdout(&o));
    assert_eq!(snapshot(), before, "{args:?} changed the store");
}

#[test]
fn a_wrong_passphrase_is_a_clear_error_and_changes_nothing() {
    let h = home("wrongpass", "[profile dev]\nregion = eu-west-1\n");
    add(&h, "dev", &[]);
    let wrong = [
        ("STS_KEYS_PASSPHRASE", "not the passphrase"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7OTHER99"),
        ("AWS_SECRET_ACCESS_KEY", "other-secret"),
    ];
    let want = "the passphrase is wrong";
    refused(&h, &wrong, &["keys", "add", "ops", "--env"], want);
    refused(&h, &wrong, &["keys", "remove", "dev"], want);
    refused(
        &h,
        &wrong,
        &["export-credentials", "--profile", "dev", "--no-session"],
        want,
    );
    // No terminal to ask on, and no variable.
    refused(
        &h,
        &[("STS_KEYS_PASSPHRASE", "")],
        &["export-credentials", "--profile", "dev", "--no-session"],
        "STS_KEYS_PASSPHRASE",
    );
    // A new store refuses an empty passphrase... there is no terminal to ask on here.
    let fresh = home("nopass", "");
    refused(
        &fresh,
        &[
            ("STS_KEYS_PASSPHRASE", ""),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "dev", "--env"],
        "no terminal",
    );
    assert!(!store_file(&fresh).exists());
}

#[test]
fn damaged_truncated_and_newer_store_files_are_refused_and_kept() {
    let h = home("damaged", "[profile dev]\nregion = eu-west-1\n");
    add(&h, "dev", &[]);
    let good = std::fs::read_to_string(store_file(&h)).unwrap();
    let add_other = [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7OTHER99"),
        ("AWS_SECRET_ACCESS_KEY", "other-secret"),
    ];
    // A flipped byte in the sealed part: it does not authenticate.
    let sealed_at = good.find("sealed ").unwrap() + "sealed ".len() + 30;
    let mut flipped = good.clone().into_bytes();
    flipped[sealed_at] = if flipped[sealed_at] == b'0' {
        b'1'
    } else {
        b'0'
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped", flipped, "does not decrypt"),
        (
            "truncated",
            good.as_bytes()[..good.len() - 10].to_vec(),
            "damaged",
        ),
        (
            "no end",
            good.as_bytes()[..good.len() - 4].to_vec(),
            "truncated",
        ),
        (
            "newer",
            b"sts-keys 2\nsomething new\n".to_vec(),
            "newer sts",
        ),
        ("binary", vec![0xff, 0xfe, 0, 1], "not text"),
        ("garbage", b"hello\n".to_vec(), "not a key store"),
    ];
    for (name, bytes, want) in cases {
        std::fs::write(store_file(&h), &bytes).unwrap();
        for args in [
            &["keys", "add", "ops", "--env"][..],
            &["keys", "remove", "dev"],
            &["export-credentials", "--profile", "dev", "--no-session"],
        ] {
            // "list" only reads the entries: a damaged sealed part shows on use.
            refused(&h, &add_other, args, want);
        }
        if name != "flipped" {
            refused(&h, &[], &["keys", "list"], want);
        }
    }
    // A store file that is a FIFO never hangs.
    std::fs::remove_file(store_file(&h)).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(store_file(&h))
            .status()
            .unwrap()
            .success()
    );
    let t = Instant::now();
    refused(&h, &[], &["keys", "list"], "not a regular file");
    refused(
        &h,
        &[],
        &["export-credentials", "--profile", "dev"],
        "not a regular file",
    );
    assert!(t.elapsed() < Duration::from_secs(20));
}

#[test]
fn bad_keys_and_usage_are_refused_before_anything_is_written() {
    let h = home("badkeys", "");
    for (env, want) in [
        (vec![("AWS_ACCESS_KEY_ID", KEY_ID)], "not both set"),
        (
            vec![
                ("AWS_ACCESS_KEY_ID", "AKIA"),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ],
            "16 to 128",
        ),
        (
            vec![
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", "has space"),
            ],
            "without spaces",
        ),
        (
            vec![
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_SESSION_TOKEN", "tok"),
            ],
            "temporary credentials",
        ),
    ] {
        refused(&h, &env, &["keys", "add", "dev", "--env"], want);
    }
    // Without --env and without a terminal: says how to give the keys.
    refused(&h, &[], &["keys", "add", "dev"], "--env");
    refused(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "bad name", "--env"],
        "profile name",
    );
    refused(
        &h,
        &[],
        &["keys"],
        "the following arguments are required: operation",
    );
    refused(
        &h,
        &[],
        &["keys", "frobnicate"],
        "argument operation: Found invalid choice 'frobnicate'",
    );
    refused(
        &h,
        &[],
        &["keys", "add"],
        "the following arguments are required: profile",
    );
    refused(
        &h,
        &[],
        &["keys", "list", "extra"],
        "Unknown options: extra",
    );
    refused(
        &h,
        &[],
        &["keys", "add", "dev", "--backend", "wincred"],
        "argument --backend: Found invalid choice 'wincred'",
    );
    refused(
        &h,
        &[
            ("STS_KEYS_BACKEND", "floppy"),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "dev", "--env"],
        "unknown backend",
    );
    // Other commands still take no words.
    refused(&h, &[], &["whoami", "extra"], "Unknown options: extra");
    assert!(!store_file(&h).exists());
}

#[test]
fn two_adds_at_once_both_land() {
    let h = home(
        "concurrent",
        "[profile p0]\n[profile p1]\n[profile p2]\n[profile p3]\n",
    );
    let spawn = |profile: &str, id: &str| {
        let mut c = sts(
            &h,
            &[("AWS_ACCESS_KEY_ID", id), ("AWS_SECRET_ACCESS_KEY", SECRET)],
            &["keys", "add", profile, "--env"],
        );
        c.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c.spawn().unwrap()
    };
    let ids: Vec<String> = (0..4).map(|i| format!("AKIAIOSFODNN7CONCUR{i}")).collect();
    let children: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| spawn(&format!("p{i}"), id))
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let o = run(sts(&h, &[], &["keys", "list"]));
    for i in 0..4 {
        assert!(stdout(&o).contains(&format!("p{i} ")), "{}", stdout(&o));
    }
    // Every one's keys are in the sealed part, not only in the list.
    for (i, id) in ids.iter().enumerate() {
        let o = run(sts(
            &h,
            &[],
            &[
                "export-credentials",
                "--profile",
                &format!("p{i}"),
                "--no-session",
            ],
        ));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(stdout(&o).contains(id.as_str()), "{}", stdout(&o));
    }
}

#[test]
fn a_held_lock_makes_add_wait() {
    let h = home("lockwait", "");
    add(&h, "first", &[]);
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(h.join(".aws/sts-keys.lock"))
        .unwrap();
    lock.lock().unwrap();
    let mut c = sts(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "second", "--env"],
    );
    let mut child = c
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "add did not wait for the lock"
    );
    assert!(
        !std::fs::read_to_string(store_file(&h))
            .unwrap()
            .contains("second")
    );
    lock.unlock().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let o = run(sts(&h, &[], &["keys", "list"]));
    assert!(
        stdout(&o).contains("first") && stdout(&o).contains("second"),
        "{}",
        stdout(&o)
    );
}

const MFA: &str = "arn:aws:iam::123456789012:mfa/alice";

#[test]
fn export_and_exec_hand_out_a_cached_session_of_stored_keys() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
    let url = fake.url();
    // credential_process in the same profile, as other tools would run it: sts must not run it.
    let h = home(
        "session",
        "[profile dev]\nregion = eu-west-1\n\
         credential_process = /nonexistent/sts export-credentials --profile dev --format process\n",
    );
    add(&h, "dev", &[]);
    let env = [("AWS_ENDPOINT_URL_STS", url.as_str())];
    let o = run(sts(&h, &env, &["export-credentials", "--profile", "dev"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("\"AccessKeyId\": \"ASIAFAKE000000000001\""),
        "{out}"
    );
    no_secret("export's output", &out);
    let reqs = fake.fake.requests();
    assert_eq!(fake.actions(), ["GetSessionToken"]);
    assert!(
        reqs[0]
            .header("authorization")
            .unwrap()
            .contains(&format!("Credential={KEY_ID}/"))
    );
    // The session is cached (0600) and reused: by export again, and by exec.
    let cached: Vec<_> = std::fs::read_dir(h.join(".aws/cli/cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cached[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    no_secret(
        "the session cache",
        &std::fs::read_to_string(&cached[0]).unwrap(),
    );
    let o = run(sts(&h, &env, &["export-credentials", "--profile", "dev"]));
    assert!(
        stdout(&o).contains("ASIAFAKE000000000001"),
        "{}",
        stdout(&o)
    );
    let o = run(sts(&h, &env, &["exec", "--profile", "dev", "--", "env"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "ASIAFAKE000000000001");
    assert_eq!(child["AWS_SESSION_TOKEN"], "token-1");
    no_secret("the command's environment", &stdout(&o));
    assert_eq!(fake.actions(), ["GetSessionToken"]);
    // --no-session hands over the keys themselves, asked explicitly.
    let o = run(sts(
        &h,
        &env,
        &["exec", "--profile", "dev", "--no-session", "--", "env"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(env_map(&stdout(&o))["AWS_SECRET_ACCESS_KEY"], SECRET);
    assert_eq!(fake.actions(), ["GetSessionToken"]);
}

#[test]
fn the_stored_mfa_serial_is_used_and_without_a_terminal_the_error_says_how() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
    let url = fake.url();
    let h = home("mfa", "[profile dev]\nregion = eu-west-1\n");
    add(&h, "dev", &[]);
    // The serial given to add (the profile sets none); no terminal here: a clear error.
    let o = run(sts(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "dev", "--env", "--mfa-serial", MFA],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &["export-credentials", "--profile", "dev"],
    ));
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains(MFA), "{}", stderr(&o));
    assert!(stderr(&o).contains("no terminal"), "{}", stderr(&o));
    assert!(fake.actions().is_empty());
}

#[test]
fn role_profiles_over_a_stored_source_profile_assume_with_its_keys() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/app/s");
    let url = fake.url();
    let h = home(
        "rolechain",
        "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n\
         region = eu-west-1\n[profile base]\nregion = eu-west-1\n",
    );
    add(&h, "base", &[]);
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &["whoami", "--profile", "app"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o)
            .contains("profile:app (key store, assume-role arn:aws:iam::123456789012:role/app)"),
        "{}",
        stdout(&o)
    );
    let reqs = fake.fake.requests();
    assert_eq!(fake.actions(), ["AssumeRole", "GetCallerIdentity"]);
    assert!(
        reqs[0]
            .header("authorization")
            .unwrap()
            .contains(&format!("Credential={KEY_ID}/"))
    );
}

#[test]
fn exec_server_serves_a_session_of_stored_keys() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
    let url = fake.url();
    let h = home("server", "[profile dev]\nregion = eu-west-1\n");
    add(&h, "dev", &[]);
    // The command reads the endpoint with our own container provider.
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
            "\"$STS_BIN\" export-credentials --format env-no-export",
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "ASIAFAKE000000000001");
    no_secret("what the server served", &stdout(&o));
    assert_eq!(fake.actions(), ["GetSessionToken"]);
}
