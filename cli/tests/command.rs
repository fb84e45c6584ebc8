//! The `sts` command against the library's loopback fakes (tests/support): TLS trust (`--ca-bundle`,
//! `--no-verify-ssl`, the platform verifier), the account id in `whoami`, and the AWS CLI's
//! credential cache shared across runs.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::tls::{data, https_server};
use support::{FakeSts, Reply, caller_identity, success};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Runs the `sts` command against the loopback HTTPS server with a clean environment: test keys,
/// no proxy, no files, IMDS off, plus `extra`.
#[cfg(all(feature = "platform-verifier", target_os = "linux"))]
fn sts_command(port: u16, extra: &[(&str, &std::ffi::OsStr)]) -> std::process::Output {
    let home = std::env::temp_dir().join(format!("sts-tls-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_ENDPOINT_URL_STS", format!("https://localhost:{port}"));
    for (k, v) in extra {
        c.env(k, v);
    }
    c.args(["get-caller-identity", "--output", "text"])
        .output()
        .unwrap()
}

/// With `platform-verifier`, the default roots are the OS verifier, which on Linux trusts exactly
/// `SSL_CERT_FILE` when it is set: a CA found only there is trusted by `Sts` and the `sts` command.
#[cfg(all(feature = "platform-verifier", target_os = "linux"))]
#[test]
fn platform_verifier_is_the_default_and_trusts_ssl_cert_file() {
    let (port, served) = https_server();
    let ca = data("ca.pem");
    let out = sts_command(port, &[("SSL_CERT_FILE", ca.as_os_str())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("111122223333"), "{stdout}");
    assert_eq!(served.load(Ordering::SeqCst), 1);

    // Another file without the test CA (the server's own leaf certificate is no trust anchor for
    // it): the handshake fails, so the trust came from SSL_CERT_FILE and nothing else.
    let leaf = data("server.pem");
    let out = sts_command(port, &[("SSL_CERT_FILE", leaf.as_os_str())]);
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.to_ascii_lowercase().contains("certificate"),
        "{stderr}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert_eq!(
        sts_blocking::client::TrustRoots::default(),
        sts_blocking::client::TrustRoots::Platform
    );
}

/// The command's `--no-verify-ssl` and `--ca-bundle`, and the AWS CLI's line for an untrusted
/// certificate.
#[test]
fn command_tls_flags() {
    let (port, served) = https_server();
    let run = |args: &[&str]| {
        let home = std::env::temp_dir().join(format!("sts-tls-flags-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_sts"))
            .env_clear()
            .env("HOME", &home)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "s")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("AWS_ENDPOINT_URL_STS", format!("https://localhost:{port}"))
            .args(["get-caller-identity", "--output", "text"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(255));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with(&format!(
            "\nsts: [ERROR]: SSL validation failed for https://localhost:{port}/ "
        )),
        "{err}"
    );
    for args in [
        &["--no-verify-ssl"][..],
        &["--ca-bundle", data("ca.pem").to_str().unwrap()][..],
    ] {
        let o = run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("111122223333"));
    }
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[test]
fn whoami_prints_the_credentials_account_id() {
    let fake = FakeSts::start(caller_identity());
    let home = std::env::temp_dir().join(format!("sts-account-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let run = |account: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sts"));
        c.env_clear()
            .env("HOME", &home)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_STS", fake.url())
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "s")
            .arg("whoami");
        if let Some(a) = account {
            c.env("AWS_ACCOUNT_ID", a);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let out = run(Some("123456789012"));
    assert!(
        out.contains("\"CredentialSource\": \"environment\",\n    \"CredentialAccountId\": \"123456789012\"\n}"),
        "{out}"
    );
    assert!(!run(None).contains("CredentialAccountId"));
}

/// The `sts` command has the cache on: the second run of a role profile makes no AssumeRole call.
#[test]
fn sts_command_reuses_sessions_across_runs() {
    let fake = FakeSts::start(support::caller_identity());
    fake.push([assumed("AssumeRole", "ASIACMD", 3600)]);
    let home = temp_dir("cmd");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        format!("[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-east-1\n"),
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    )
    .unwrap();
    let run = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sts"));
        c.env_clear()
            .env("HOME", &home)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL_STS", fake.url())
            .args(["whoami", "--profile", "deploy"]);
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run();
    run();
    let actions: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.param("Action"))
        .collect();
    assert_eq!(
        actions,
        ["AssumeRole", "GetCallerIdentity", "GetCallerIdentity"]
    );
    let entries = std::fs::read_dir(home.join(".aws/cli/cache"))
        .unwrap()
        .count();
    assert_eq!(entries, 1);
}

/// A fresh directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-cli-command-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An STS success with credentials for `key` that expire in `ttl_s` seconds.
fn assumed(action: &str, key: &str, ttl_s: i64) -> Reply {
    let exp = (OffsetDateTime::now_utc() + time::Duration::seconds(ttl_s))
        .format(&Rfc3339)
        .unwrap();
    Reply::xml(
        200,
        success(
            action,
            &format!(
                "<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret-{key}</SecretAccessKey>\
                 <SessionToken>token-{key}</SessionToken><Expiration>{exp}</Expiration></Credentials>\
                 <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>\
                 <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>"
            ),
        ),
    )
}

/// The role the profile assumes.
const ROLE: &str = "arn:aws:iam::123456789012:role/mfa-role";
