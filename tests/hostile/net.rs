//! Network attacks: hostile servers, bodies and proxies (issue 9, the network half). Every test
//! talks to 127.0.0.1 only and sets the variables it depends on.

use crate::support::{CREDS_XML, FakeSts, Reply, caller_identity, success};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
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

/// A scratch directory.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-hostile-net-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A request as the echo server saw it.
struct Seen {
    head: String,
    body: String,
}

/// A server that answers every request with `answer(request)` (status, content type, body), one
/// request per connection. Returns its address and how many requests arrived.
fn answer_with(
    answer: impl Fn(&Seen) -> (u16, &'static str, String) + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let answer = Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            seen.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; len];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let req = Seen {
                    head,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let (status, ctype, text) = answer(&req);
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{text}",
                    text.len()
                );
                let mut out = stream;
                let _ = out.write_all(resp.as_bytes());
            });
        }
    });
    (addr, count)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An STS error whose message echoes the whole request: head (with the security token header) and
/// form body, as a misconfigured proxy or WAF might.
fn echoing_sts() -> (SocketAddr, Arc<AtomicUsize>) {
    answer_with(|r| {
        let echo = xml_escape(&format!("{} | {}", r.head, r.body));
        (
            400,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>\
                 <Message>rejected: {echo}</Message></Error><RequestId>r-{echo}</RequestId>\
                 </ErrorResponse>"
            ),
        )
    })
}

/// A listener that counts connections and answers nothing useful: a proxy that must stay unused.
fn unused_proxy() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    thread::spawn(move || {
        for s in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut s = s;
            let _ = s.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, count)
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

const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.MARKER-web-identity+token/=";
const SAML: &str = "PHNhbWxwOlJlc3BvbnNlIE1BUktFUi1zYW1s+/==";
const TRADE_IN: &str = "MARKER-trade-in-token+/=";
const CONTEXT: &str = "MARKER-context-assertion-value";
const MFA: &str = "918273";
const SESSION: &str = "MARKER-session-token+/=";

/// Every secret, as sent (raw) and as it appears in a form body.
fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for s in [WEB_TOKEN, SAML, TRADE_IN, CONTEXT, MFA, SESSION] {
        for form in [s.to_owned(), sts_blocking::__private::query::encode(s)] {
            if text.contains(&form) {
                found.push(form);
            }
        }
    }
    if text.contains("MARKER") {
        found.push("MARKER".into());
    }
    found
}

fn assert_no_leak(what: &str, text: &str) {
    let found = leaks(text);
    assert!(found.is_empty(), "{what} leaks {found:?}: {text}");
}

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
            let sts = StsBuilder::from_env_with(lookup).unwrap().build().unwrap();
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
    let cache = sts_blocking::__private::credentials::sso::cache_file(&home, &source);
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

// ---- item 11: malformed proxy URLs ----------------------------------------------------------------

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
        let err = StsBuilder::from_env_with(lookup)
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
