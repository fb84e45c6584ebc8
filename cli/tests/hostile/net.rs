//! Network attacks seen through the command: hostile servers, proxies, timeouts.

use crate::common::*;
use crate::support::{FakeSts, caller_identity};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::atomic::Ordering;
use sts_blocking::client::ProxySetting;
use sts_blocking::{Error, Sts, StsBuilder};

/// Runs `sts` with only `env` (plus PATH, an empty HOME, IMDS off).
fn sts_cli(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env("HOME", temp_dir("home"));
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run sts")
}

#[test]
fn huge_cli_timeouts_do_not_overflow() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let out = sts_cli(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "us-east-1"),
        ],
        &[
            "get-caller-identity",
            "--endpoint-url",
            &url,
            "--cli-read-timeout",
            "18446744073709551615",
            "--cli-connect-timeout",
            "18446744073709551615",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn echoed_secrets_stay_out_of_the_cli_error_line_and_debug() {
    let (addr, _) = echoing_sts();
    let url = format!("http://{addr}");
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_SESSION_TOKEN", SESSION),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_MAX_ATTEMPTS", "1"),
    ];
    let role = "arn:aws:iam::123456789012:role/demo";
    for args in [
        vec![
            "assume-role-with-web-identity",
            "--role-arn",
            role,
            "--role-session-name",
            "s1",
            "--web-identity-token",
            WEB_TOKEN,
        ],
        vec![
            "assume-role-with-saml",
            "--role-arn",
            role,
            "--principal-arn",
            "arn:aws:iam::123456789012:saml-provider/idp",
            "--saml-assertion",
            SAML,
        ],
        vec![
            "assume-role",
            "--role-arn",
            role,
            "--role-session-name",
            "s1",
            "--serial-number",
            "arn:aws:iam::123456789012:mfa/me",
            "--token-code",
            MFA,
        ],
        vec![
            "get-session-token",
            "--serial-number",
            "arn:aws:iam::123456789012:mfa/me",
            "--token-code",
            MFA,
        ],
        vec!["get-delegated-access-token", "--trade-in-token", TRADE_IN],
    ] {
        for debug in [false, true] {
            let mut args = args.clone();
            if debug {
                args.push("--debug");
            }
            let out = sts_cli(&env, &args);
            assert_eq!(out.status.code(), Some(254), "{args:?}: {}", stderr(&out));
            let err = stderr(&out);
            assert!(err.contains("[redacted]"), "{args:?}: {err}");
            assert_no_leak(&format!("{args:?}"), &err);
            assert_no_leak(&format!("{args:?}"), &String::from_utf8_lossy(&out.stdout));
        }
    }
}

#[test]
fn loopback_endpoints_never_go_through_a_proxy() {
    let (proxy_port, proxied) = unused_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let fake = FakeSts::start(caller_identity());
    let port = fake.addr.port();
    for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"] {
        for host in ["localhost", "127.0.0.1", "[::1]"] {
            if host == "[::1]" && TcpListener::bind("[::1]:0").is_err() {
                continue;
            }
            let url = format!("http://{host}:{port}");
            let lookup = |k: &str| match k {
                "AWS_REGION" => Some("us-east-1".to_owned()),
                "AWS_ENDPOINT_URL_STS" => Some(url.clone()),
                "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".to_owned()),
                "AWS_SECRET_ACCESS_KEY" => Some("s".to_owned()),
                k if k == var => Some(proxy.clone()),
                _ => None,
            };
            let sts = StsBuilder::from_env_vars_with(lookup)
                .unwrap()
                .build()
                .unwrap();
            if host == "[::1]" {
                // Nothing listens on ::1: the attempt fails, but never at the proxy.
                let _ = sts.get_caller_identity();
            } else {
                sts.get_caller_identity().unwrap();
            }
        }
        // The command reads the proxy from the process environment.
        let url = format!("http://localhost:{port}");
        let out = sts_cli(
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_REGION", "us-east-1"),
                (var, proxy.as_str()),
            ],
            &["get-caller-identity", "--endpoint-url", &url],
        );
        assert_eq!(out.status.code(), Some(0), "{var}: {}", stderr(&out));
    }
    assert_eq!(proxied.load(Ordering::SeqCst), 0);
    assert!(fake.count() >= 8);
}

/// The profile chain: `sso_region` from a config file is checked before any request (the command).
#[test]
fn sso_region_from_a_profile_is_checked() {
    let fake = FakeSts::start(caller_identity());
    let home = temp_dir("sso-profile");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let port = fake.addr.port();
    std::fs::write(
        home.join(".aws/config"),
        format!(
            "[profile p]\nsso_start_url = https://d-1.awsapps.com/start\n\
             sso_region = x@127.0.0.1:{port}/#\nsso_account_id = 123456789012\n\
             sso_role_name = Admin\nregion = us-east-1\n"
        ),
    )
    .unwrap();
    let source =
        sts_blocking::credentials::SsoSource::new("https://d-1.awsapps.com/start", String::new());
    // `~/.aws/sso/cache/<sha1 hex of the start URL>.json`, as the AWS CLI names it.
    use sha1::Digest as _;
    let key: String = sha1::Sha1::digest(source.start_url.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = home.join(format!(".aws/sso/cache/{key}.json"));
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(
        &cache,
        r#"{"accessToken":"bearer-secret","expiresAt":"2199-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let out = {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sts"));
        c.env_clear()
            .env("HOME", &home)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .args(["get-caller-identity", "--profile", "p", "--endpoint-url"])
            .arg(fake.url());
        c.output().unwrap()
    };
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("sso_region"), "{}", stderr(&out));
    assert_eq!(fake.count(), 0);
}

#[test]
fn a_malformed_proxy_url_fails_closed_without_its_password() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    for proxy in [
        "http://user:hunter2@proxy.invalid:notaport",
        "http://user:hunter2@[proxy",
        "gopher://user:hunter2@proxy.invalid:70",
    ] {
        // The library: from an explicit setting and from the environment.
        let lookup = |k: &str| match k {
            "AWS_REGION" => Some("us-east-1".to_owned()),
            "AWS_ENDPOINT_URL_STS" => Some("https://sts.us-east-1.amazonaws.com".to_owned()),
            "HTTPS_PROXY" => Some(proxy.to_owned()),
            _ => None,
        };
        let err = StsBuilder::from_env_vars_with(lookup)
            .unwrap()
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{proxy}: {err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
        let setting = ProxySetting::Url {
            url: proxy.to_owned(),
            no_proxy: None,
        };
        assert!(!format!("{setting:?}").contains("hunter2"));
        // The command (Sts::from_env's path): a configuration the AWS CLI cannot use is its general
        // error (255), no request made anywhere.
        let out = sts_cli(
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_REGION", "us-east-1"),
                ("HTTPS_PROXY", proxy),
            ],
            &["get-caller-identity", "--endpoint-url", &url],
        );
        assert_eq!(out.status.code(), Some(255), "{proxy}: {}", stderr(&out));
        assert!(stderr(&out).contains("proxy"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
    }
    assert_eq!(fake.count(), 0);
}

#[test]
fn long_invalid_values_are_cut_in_errors() {
    let region = format!("{}!", "x".repeat(120_000));
    let err = Sts::builder().region(&region).build().unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 300, "{} bytes: {}", text.len(), &text[..300]);
    assert!(text.contains("120001 bytes"), "{text}");
    let err = Sts::builder()
        .region("us-east-1")
        .endpoint_url(format!("ftp://{}", "h".repeat(120_000)))
        .build()
        .unwrap_err();
    assert!(err.to_string().len() < 300);
    // The command line.
    let out = sts_cli(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
        &["get-caller-identity", "--region", &region[..100_000]],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).len() < 1000, "{} bytes", stderr(&out).len());
}
