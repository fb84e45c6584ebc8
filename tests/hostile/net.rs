//! Network attacks: hostile servers, bodies and proxies (issue 9, the network half). Every test
//! talks to 127.0.0.1 only and sets the variables it depends on.

use crate::common::*;
use crate::support::{CREDS_XML, FakeSts, Reply, caller_identity, success};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sts_blocking::client::ProxySetting;
use sts_blocking::engine::AttemptRecord;
use sts_blocking::error::{TimeoutPhase, TransportErrorKind};
use sts_blocking::ops::*;
use sts_blocking::{Credentials, Error, SecretString, Sts, StsBuilder};

// ---- helpers --------------------------------------------------------------------------------------

/// A client for `url` with static credentials, no proxy, `attempts` attempts.
fn client(url: &str, attempts: u32) -> StsBuilder {
    Sts::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "test-secret", None))
        .proxy(ProxySetting::Disabled)
        .max_attempts(attempts)
}

// ---- item 2: attribute and namespace bombs --------------------------------------------------------

/// A body of about 1 MiB: `<ErrorResponse a0="x" a1="x" ...>` or 65k `xmlns:pN` declarations.
fn bomb(namespaces: bool) -> String {
    let mut s = String::from("<ErrorResponse");
    let mut i = 0usize;
    while s.len() < 1_000_000 {
        if namespaces {
            s.push_str(&format!(" xmlns:p{i:x}=\"u\""));
        } else {
            s.push_str(&format!(" a{i:x}=\"x\""));
        }
        i += 1;
    }
    s.push_str("><Error><Code>X</Code></Error></ErrorResponse>");
    s
}

#[test]
fn attribute_and_namespace_bombs_are_rejected_at_once() {
    for namespaces in [false, true] {
        let body = bomb(namespaces);
        for status in [500, 200] {
            let fake = FakeSts::start(Reply::xml(status, body.clone()));
            // No backoff sleeps: the bound is on the parse, not on the jitter between attempts.
            let retry = sts_blocking::retry::RetryConfig::standard()
                .base_backoff(Duration::ZERO)
                .max_backoff(Duration::ZERO);
            let sts = client(&fake.url(), 3)
                .retry_config(retry)
                .max_attempts(3)
                .build()
                .unwrap();
            let start = Instant::now();
            let err = sts.get_caller_identity().unwrap_err();
            let took = start.elapsed();
            match &err {
                Error::InvalidResponse { reason, .. } => {
                    assert!(reason.starts_with("too many"), "{reason}");
                }
                e => panic!("{e:?}"),
            }
            // Three attempts for the 500 (retried), one for the 200; each rejected before parsing.
            assert_eq!(fake.count(), if status == 500 { 3 } else { 1 });
            assert!(
                took < Duration::from_secs(2),
                "{took:?} for status {status}"
            );
        }
    }
}

// ---- item 3: huge timeouts ------------------------------------------------------------------------

#[test]
fn huge_timeouts_do_not_overflow() {
    let fake = FakeSts::start(caller_identity());
    let sts = client(&fake.url(), 3)
        .connect_timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .total_timeout(Duration::MAX)
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
}

/// The SSO portal's `expiration` (milliseconds) is checked: out of range is a typed error.
#[test]
fn sso_expiration_out_of_range_is_an_error() {
    use sts_blocking::__private::credentials::sso::{SsoProvider, cache_file};
    use sts_blocking::credentials::ProvideCredentials;
    use sts_blocking::credentials::SsoSource;
    let source = SsoSource::new("https://d-123.awsapps.com/start", "us-east-1")
        .session_name("dev")
        .account_id("123456789012")
        .role_name("Admin");
    let home = temp_dir("sso-exp");
    let f = cache_file(&home, &source);
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(
        &f,
        r#"{"accessToken":"bearer-1","expiresAt":"2199-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    for exp in [
        "1e300",
        "-377705116800000",
        "-1",
        "1e15",
        "253402300800000",
        "1.5",
    ] {
        let body = format!(
            r#"{{"roleCredentials":{{"accessKeyId":"AKIDSSO","secretAccessKey":"s","sessionToken":"t","expiration":{exp}}}}}"#
        );
        let fake = FakeSts::start(Reply::Http {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into_bytes(),
        });
        let err = SsoProvider::new(source.clone(), &home)
            .endpoint(Some(fake.url()))
            .provide_credentials()
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Credentials(_)), "{exp}: {err:?}");
        assert!(text.contains("expiration"), "{exp}: {text}");
    }
}

// ---- item 5: secrets echoed by a server -----------------------------------------------------------

/// Runs `op` against the echoing server with a session token, checks the error's `Display`,
/// `Debug` and the attempt hook's error text.
fn check_echo<O: Operation>(op: &O) {
    let (addr, count) = echoing_sts();
    let records: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = records.clone();
    let sts = client(&format!("http://{addr}"), 1)
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "test-secret",
            Some(SecretString::from(SESSION)),
        ))
        .on_attempt(move |r: &AttemptRecord| {
            seen.lock().unwrap().push(format!("{r:?}"));
        })
        .build()
        .unwrap();
    let Err(err) = sts.send(op) else {
        panic!("{} succeeded against the echoing server", O::ACTION)
    };
    assert_eq!(count.load(Ordering::SeqCst), 1, "{}", O::ACTION);
    let display = err.to_string();
    assert!(display.contains("[redacted]"), "{}: {display}", O::ACTION);
    assert!(display.contains("rejected:"), "{}: {display}", O::ACTION);
    assert_no_leak(O::ACTION, &display);
    assert_no_leak(O::ACTION, &format!("{err:?}"));
    for r in records.lock().unwrap().iter() {
        assert_no_leak(O::ACTION, r);
    }
}

#[test]
fn echoed_secrets_are_redacted_for_every_operation() {
    let role = "arn:aws:iam::123456789012:role/demo";
    let ctx = "arn:aws:iam::aws:contextProvider/IdentityCenter";
    check_echo(
        &AssumeRole::new(role, "s1")
            .serial_number("arn:aws:iam::123456789012:mfa/me")
            .token_code(MFA)
            .provided_contexts(vec![ProvidedContext::new(ctx, CONTEXT)]),
    );
    check_echo(&AssumeRoleWithSaml::new(
        role,
        "arn:aws:iam::123456789012:saml-provider/idp",
        SAML,
    ));
    check_echo(&AssumeRoleWithWebIdentity::new(role, "s1", WEB_TOKEN));
    check_echo(&AssumeRoot::new(
        "123456789012",
        PolicyDescriptor::new("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"),
    ));
    check_echo(&DecodeAuthorizationMessage::new("encoded-message"));
    check_echo(&GetAccessKeyInfo::new("AKIAIOSFODNN7EXAMPLE"));
    check_echo(&GetCallerIdentity::new());
    check_echo(&GetDelegatedAccessToken::new(TRADE_IN));
    check_echo(&GetFederationToken::new("bob"));
    check_echo(&GetScopedCredentials::new());
    check_echo(
        &GetSessionToken::new()
            .serial_number("arn:aws:iam::123456789012:mfa/me")
            .token_code(MFA),
    );
    check_echo(&GetWebIdentityToken::new(
        vec!["https://api.example.com".into()],
        "ES384",
    ));
}

#[test]
fn container_message_loses_the_token_and_escape_codes() {
    use sts_blocking::credentials::ContainerProvider;
    use sts_blocking::credentials::{Env, ProvideCredentials};
    let (addr, _) = answer_with(|r| {
        let auth = r
            .head
            .lines()
            .find_map(|l| l.strip_prefix("authorization: "))
            .unwrap_or("")
            .to_owned();
        let msg = format!("bad token {auth} \\u001b[31mred\\u001b[0m\\r\\nforged line");
        (
            200,
            "application/json",
            format!(r#"{{"Code":"Failed","Message":"{msg}"}}"#),
        )
    });
    let env = Env::from_map([
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://{addr}/creds"),
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", SESSION.to_owned()),
    ]);
    let err = ContainerProvider::from_env(&env)
        .unwrap()
        .provide_credentials()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad token [redacted]"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    assert!(text.contains("\\u{1b}[31m"), "{text}");
    assert_no_leak("container", &text);
    assert_no_leak("container", &format!("{err:?}"));
}

// ---- item 6: whitespace around tokens -------------------------------------------------------------

#[test]
fn pretty_printed_credentials_work_in_a_role_chain() {
    let pretty = "<Credentials>\n  <AccessKeyId>\n    ASIAPRETTY\n  </AccessKeyId>\n  \
        <SecretAccessKey>\n    pretty-secret\n  </SecretAccessKey>\n  \
        <SessionToken>\n    pretty-token\n  </SessionToken>\n  \
        <Expiration>2030-01-01T00:00:00Z</Expiration>\n</Credentials>";
    let fake = FakeSts::start(caller_identity());
    fake.push([Reply::xml(200, success("AssumeRole", pretty))]);
    let sts = client(&fake.url(), 1).build().unwrap();
    let first = sts
        .assume_role(&AssumeRole::new(
            "arn:aws:iam::123456789012:role/demo",
            "s1",
        ))
        .unwrap()
        .into_credentials()
        .unwrap();
    assert_eq!(first.access_key_id, "ASIAPRETTY");
    assert_eq!(
        first.session_token.as_ref().map(SecretString::expose),
        Some("pretty-token")
    );
    assert_eq!(first.secret_access_key.expose(), "pretty-secret");
    // The next hop signs with them.
    sts.send_with_credentials(&GetCallerIdentity::new(), &first)
        .unwrap();
    let second = &fake.requests()[1];
    assert_eq!(second.header("x-amz-security-token"), Some("pretty-token"));
}

#[test]
fn tokens_with_odd_whitespace_are_redacted_in_the_attempt_record() {
    let fake = FakeSts::start(caller_identity());
    let records: Arc<Mutex<Vec<AttemptRecord>>> = Arc::default();
    let seen = records.clone();
    for token in [
        "  MARKER-lead",
        "MARKER-trail  ",
        "MARKER  repeated   spaces",
        " MARKER\tx ",
    ] {
        let sts = client(&fake.url(), 1)
            .credentials(Credentials::new(
                "AKIDEXAMPLE",
                "s",
                Some(SecretString::from(token)),
            ))
            .on_attempt({
                let seen = seen.clone();
                move |r| seen.lock().unwrap().push(r.clone())
            })
            .build()
            .unwrap();
        // The server may refuse the odd header; the record is what matters.
        let _ = sts.get_caller_identity();
        let r = records.lock().unwrap().pop().unwrap();
        assert!(
            !r.canonical_request.contains("MARKER"),
            "{token:?}: {}",
            r.canonical_request
        );
        assert!(r.canonical_request.contains("** redacted **"), "{token:?}");
    }
}

// ---- item 7: loopback is never proxied ------------------------------------------------------------

#[test]
fn dot_localhost_names_are_not_loopback() {
    for url in [
        "http://sts.localhost:4566",
        "http://localhost.example.com:4566",
    ] {
        let err = client(url, 1).build().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Transport {
                    kind: TransportErrorKind::InsecureEndpoint,
                    ..
                }
            ),
            "{url}: {err:?}"
        );
    }
}

// ---- item 8: one transport policy for every endpoint ----------------------------------------------

fn sso_home(token: &str) -> (PathBuf, sts_blocking::credentials::SsoSource) {
    let source =
        sts_blocking::credentials::SsoSource::new("https://d-123.awsapps.com/start", "us-east-1")
            .session_name("dev")
            .account_id("123456789012")
            .role_name("Admin");
    let home = temp_dir("sso");
    let f = sts_blocking::__private::credentials::sso::cache_file(&home, &source);
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(
        &f,
        format!(r#"{{"accessToken":"{token}","expiresAt":"2199-01-01T00:00:00Z"}}"#),
    )
    .unwrap();
    (home, source)
}

#[test]
fn sso_refuses_plain_http_to_remote_hosts() {
    use sts_blocking::credentials::ProvideCredentials;
    use sts_blocking::credentials::SsoProvider;
    let (home, source) = sso_home("bearer-secret");
    let start = Instant::now();
    let err = SsoProvider::new(source, &home)
        .endpoint(Some("http://192.0.2.1:9".into()))
        .provide_credentials()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::InsecureEndpoint,
                ..
            }
        ),
        "{err:?}"
    );
    // Refused before any connection attempt (192.0.2.1 would take the connect timeout).
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn sso_region_cannot_name_another_host() {
    use sts_blocking::credentials::ProvideCredentials;
    use sts_blocking::credentials::SsoProvider;
    let fake = FakeSts::start(Reply::xml(200, "{}"));
    let (home, mut source) = sso_home("bearer-secret");
    for region in [
        format!("x@127.0.0.1:{}/#", fake.addr.port()),
        format!("x.127.0.0.1:{}", fake.addr.port()),
        "us-east-1/../x".to_owned(),
        "a".repeat(120_000),
    ] {
        source.region = region.clone();
        let err = SsoProvider::new(source.clone(), &home)
            .provide_credentials()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sso_region"), "{text}");
        assert!(text.len() < 400, "{} bytes", text.len());
    }
    assert_eq!(fake.count(), 0);
}

#[test]
fn container_refuses_plain_http_to_remote_hosts() {
    use sts_blocking::credentials::ContainerProvider;
    use sts_blocking::credentials::Env;
    let env = Env::from_map([(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://192.0.2.1/creds",
    )]);
    assert!(ContainerProvider::from_env(&env).is_err());
    // Container and IMDS link-local addresses are plain-http endpoints of their own provider
    // only: the STS client refuses them.
    for url in ["http://169.254.170.2", "http://169.254.169.254"] {
        assert!(matches!(
            client(url, 1).build().unwrap_err(),
            Error::Transport {
                kind: TransportErrorKind::InsecureEndpoint,
                ..
            }
        ));
    }
}

#[test]
fn imds_endpoint_override_is_held_to_the_policy() {
    use sts_blocking::credentials::ImdsProvider;
    use sts_blocking::credentials::ProvideCredentials;
    let start = Instant::now();
    let err = ImdsProvider::new("http://192.0.2.1:9")
        .attempts(1)
        .provide_credentials()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("plain http"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn providers_never_use_a_proxy_for_loopback() {
    use sts_blocking::credentials::ContainerProvider;
    use sts_blocking::credentials::{Env, ProvideCredentials};
    let (proxy_port, proxied) = unused_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let creds = r#"{"AccessKeyId":"AKIDC","SecretAccessKey":"s","Token":"t","Expiration":"2199-01-01T00:00:00Z"}"#;
    let (addr, count) = answer_with(move |_| (200, "application/json", creds.to_owned()));
    let env = Env::from_map([
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://localhost:{}/creds", addr.port()),
        ),
        ("HTTP_PROXY", proxy.clone()),
        ("ALL_PROXY", proxy.clone()),
    ]);
    let c = ContainerProvider::from_env(&env)
        .unwrap()
        .provide_credentials()
        .unwrap();
    assert_eq!(c.access_key_id, "AKIDC");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert_eq!(proxied.load(Ordering::SeqCst), 0);
}

// ---- item 15: deterministic local failures, DNS, long values --------------------------------------

#[test]
fn bad_header_values_are_not_io_and_not_retried() {
    let fake = FakeSts::start(caller_identity());
    let attempts = Arc::new(AtomicUsize::new(0));
    for (id, token) in [
        ("AKID\nEXAMPLE", None),
        ("AKID\0EXAMPLE", None),
        ("AKIDEXAMPLE", Some("tok\r\nX-Injected: 1")),
        ("AKIDEXAMPLE", Some("tok\0en")),
    ] {
        let seen = attempts.clone();
        let sts = client(&fake.url(), 3)
            .credentials(Credentials::new(id, "s", token.map(SecretString::from)))
            .on_attempt(move |_| {
                seen.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        let err = sts.get_caller_identity().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Transport {
                    kind: TransportErrorKind::InvalidRequest,
                    ..
                }
            ),
            "{id:?}: {err:?}"
        );
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 4, "one attempt each");
    assert_eq!(fake.count(), 0);
}

#[test]
fn a_uri_too_long_is_not_io_and_not_retried() {
    let fake = FakeSts::start(caller_identity());
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    let url = format!("{}/{}", fake.url(), "p".repeat(70_000));
    let sts = client(&url, 3)
        .on_attempt(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let err = sts.get_caller_identity().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::InvalidRequest,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert!(err.to_string().len() < 400);
}

#[test]
fn dns_failures_have_the_dns_kind() {
    // A label over 63 bytes: no resolver can answer it (glibc refuses it before any query).
    let host = format!("{}.invalid", "x".repeat(70));
    let sts = client(&format!("https://{host}"), 3).build().unwrap();
    let err = sts.get_caller_identity().unwrap_err();
    match &err {
        Error::Transport {
            kind: TransportErrorKind::Dns,
            message,
            ..
        } => assert!(
            message.contains("could not resolve") && message.contains("xxxxxxxxxx"),
            "{message}"
        ),
        // A sandbox without a resolver may time out instead; never an I/O error.
        Error::Timeout {
            phase: TimeoutPhase::Connect,
            ..
        } => {}
        e => panic!("{e:?}"),
    }
}

// ---- item 16: MFA codes are secrets ---------------------------------------------------------------

#[test]
fn mfa_codes_are_hidden_in_debug() {
    let a = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s1").token_code(MFA);
    let g = GetSessionToken::new().token_code(MFA);
    assert!(!format!("{a:?}").contains(MFA), "{a:?}");
    assert!(!format!("{g:?}").contains(MFA), "{g:?}");
    // Still sent.
    assert!(
        a.to_form()
            .unwrap()
            .as_str()
            .contains(&format!("TokenCode={MFA}"))
    );
    assert!(
        g.to_form()
            .unwrap()
            .as_str()
            .contains(&format!("TokenCode={MFA}"))
    );
    let _ = CREDS_XML;
}
