//! TLS and proxies: a loopback HTTPS server with a certificate from a test CA (tests/data/tls), reached
//! directly and through a loopback CONNECT proxy.
#![cfg(feature = "client")]

mod support;

use support::tls::{data, https_server, https_server_answering, https_server_with};

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread;
use sts_blocking::client::ProxySetting;
use sts_blocking::error::{Error, TransportErrorKind};
use sts_blocking::{Credentials, Sts, StsBuilder};

/// A loopback CONNECT proxy that records the targets it tunnels to.
fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let targets = Arc::new(Mutex::new(Vec::new()));
    let seen = targets.clone();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let seen = seen.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                        break;
                    }
                }
                let target = first.split_whitespace().nth(1).unwrap_or("").to_owned();
                assert!(first.starts_with("CONNECT "), "{first}");
                seen.lock().unwrap().push(target.clone());
                // Every name is this machine: the proxy is the only resolver of `sts.proxied.test`.
                let port = target.rsplit(':').next().unwrap_or("");
                let upstream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
                let mut c = client;
                c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut c2, mut u2) = (c.try_clone().unwrap(), upstream.try_clone().unwrap());
                let up = thread::spawn(move || {
                    let _ = std::io::copy(&mut reader, &mut u2);
                    let _ = u2.shutdown(std::net::Shutdown::Write);
                });
                let mut upstream = upstream;
                let _ = std::io::copy(&mut upstream, &mut c2);
                let _ = c.shutdown(std::net::Shutdown::Both);
                let _ = up.join();
            });
        }
    });
    (port, targets)
}

fn builder(port: u16) -> StsBuilder {
    Sts::builder()
        .region("us-east-1")
        .endpoint_url(format!("https://localhost:{port}"))
        .credentials(Credentials::new("AKIDEXAMPLE", "s", None))
        .max_attempts(1)
        .proxy(ProxySetting::Disabled)
}

#[test]
fn untrusted_certificate_fails_without_the_bundle() {
    let (port, served) = https_server();
    let err = builder(port)
        .build()
        .unwrap()
        .get_caller_identity()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::Tls,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 0);
}

#[test]
fn aws_ca_bundle_makes_it_trusted() {
    let (port, served) = https_server();
    let bundle = data("ca.pem").display().to_string();
    let lookup = |k: &str| match k {
        "AWS_CA_BUNDLE" => Some(bundle.clone()),
        "AWS_REGION" => Some("us-east-1".into()),
        "AWS_ENDPOINT_URL_STS" => Some(format!("https://localhost:{port}")),
        "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("s".into()),
        _ => None,
    };
    let sts = StsBuilder::from_env_vars_with(lookup)
        .unwrap()
        .build()
        .unwrap();
    let me = sts.get_caller_identity().unwrap();
    assert_eq!(me.account.as_deref(), Some("111122223333"));
    assert_eq!(served.load(Ordering::SeqCst), 1);
    // The IP literal is in the certificate too.
    let sts = builder(port)
        .endpoint_url(format!("https://127.0.0.1:{port}"))
        .ca_bundle(data("ca.pem"))
        .build()
        .unwrap();
    assert!(sts.get_caller_identity().is_ok());
}

#[test]
fn a_bundle_without_certificates_is_a_config_error() {
    let err = builder(1).ca_bundle(data("README.md")).build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[test]
fn https_proxy_from_the_environment_tunnels_with_connect() {
    let (port, served) = https_server_with("remote");
    let (proxy_port, targets) = connect_proxy();
    let bundle = data("remote/ca.pem").display().to_string();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let lookup = |k: &str| match k {
        "AWS_CA_BUNDLE" => Some(bundle.clone()),
        "AWS_REGION" => Some("us-east-1".into()),
        "AWS_ENDPOINT_URL_STS" => Some(format!("https://sts.proxied.test:{port}")),
        "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("s".into()),
        "HTTPS_PROXY" => Some(proxy.clone()),
        _ => None,
    };
    let sts = StsBuilder::from_env_vars_with(lookup)
        .unwrap()
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
    assert_eq!(
        *targets.lock().unwrap(),
        vec![format!("sts.proxied.test:{port}")]
    );
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

/// A loopback endpoint is never reached through a proxy, even an https one with the proxy in the
/// environment (issue 9, item 7).
#[test]
fn loopback_https_is_never_proxied() {
    let (port, served) = https_server();
    let (proxy_port, targets) = connect_proxy();
    let bundle = data("ca.pem").display().to_string();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let lookup = |k: &str| match k {
        "AWS_CA_BUNDLE" => Some(bundle.clone()),
        "AWS_REGION" => Some("us-east-1".into()),
        "AWS_ENDPOINT_URL_STS" => Some(format!("https://localhost:{port}")),
        "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("s".into()),
        "HTTPS_PROXY" => Some(proxy.clone()),
        _ => None,
    };
    let sts = StsBuilder::from_env_vars_with(lookup)
        .unwrap()
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
    assert!(targets.lock().unwrap().is_empty());
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    // `sts.proxied.test` resolves nowhere but in the proxy: bypassing it fails in DNS, and the
    // proxy never sees a CONNECT.
    let (port, _served) = https_server_with("remote");
    let (proxy_port, targets) = connect_proxy();
    let sts = builder(port)
        .endpoint_url(format!("https://sts.proxied.test:{port}"))
        .ca_bundle(data("remote/ca.pem"))
        .proxy(ProxySetting::Url {
            url: format!("http://127.0.0.1:{proxy_port}"),
            no_proxy: Some("localhost,sts.proxied.test".into()),
        })
        .build()
        .unwrap();
    let err = sts.get_caller_identity().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::Dns,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(targets.lock().unwrap().is_empty());
}

/// The credential providers use the same transport policy as STS: the CA bundle makes a private
/// CA trusted, and a TLS failure is a TLS error, not an I/O error (issue 9, item 8).
#[test]
fn container_https_uses_the_ca_bundle_and_types_tls_failures() {
    use sts_blocking::credentials::ContainerProvider;
    use sts_blocking::credentials::{Env, ProvideCredentials};
    let creds = r#"{"AccessKeyId":"AKIDTLS","SecretAccessKey":"s","Token":"t","Expiration":"2199-01-01T00:00:00Z"}"#;
    let (port, served) = https_server_answering("", "application/json", creds.to_owned());
    let uri = format!("https://localhost:{port}/creds");
    let without = Env::from_map([("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.clone())]);
    let err = ContainerProvider::from_env(&without)
        .unwrap()
        .provide_credentials()
        .unwrap_err();
    let Error::Credentials(ce) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            ce.source.as_deref(),
            Some(Error::Transport {
                kind: TransportErrorKind::Tls,
                ..
            })
        ),
        "{err:?}"
    );
    let with = Env::from_map([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
        ("AWS_CA_BUNDLE", data("ca.pem").display().to_string()),
    ]);
    let c = ContainerProvider::from_env(&with)
        .unwrap()
        .provide_credentials()
        .unwrap();
    assert_eq!(c.access_key_id, "AKIDTLS");
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
fn no_verification_trusts_any_certificate_only_when_asked() {
    let (port, served) = https_server();
    let me = builder(port)
        .trust_roots(sts_blocking::client::TrustRoots::NoVerification)
        .build()
        .unwrap()
        .get_caller_identity()
        .unwrap();
    assert_eq!(me.account.as_deref(), Some("111122223333"));
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
fn sso_https_uses_the_profile_ca_bundle_and_types_tls_failures() {
    use sts_blocking::credentials::SsoSource;
    use sts_blocking::credentials::{DefaultChain, Env, ProvideCredentials};
    let body = r#"{"roleCredentials":{"accessKeyId":"AKIDSSOTLS","secretAccessKey":"s","sessionToken":"t","expiration":2208988800000}}"#;
    let (port, _) = https_server_answering("", "application/json", body.to_owned());
    let home = std::env::temp_dir().join(format!("sts-tls-sso-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let source = SsoSource::new("https://d-1.awsapps.com/start", "us-east-1")
        .account_id("123456789012")
        .role_name("Admin");
    let cache = sts_blocking::__private::credentials::sso::cache_file(&home, &source);
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(
        &cache,
        r#"{"accessToken":"bearer-tls","expiresAt":"2199-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let config = |bundle: &str| {
        format!(
            "[default]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
             sso_account_id = 123456789012\nsso_role_name = Admin\n{bundle}"
        )
    };
    let env = Env::from_map([
        ("HOME", home.display().to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_ENDPOINT_URL_SSO", format!("https://localhost:{port}")),
    ]);
    std::fs::write(home.join(".aws/config"), config("")).unwrap();
    let err = DefaultChain::new(env.clone())
        .provide_credentials()
        .unwrap_err()
        .to_string();
    assert!(err.contains("TLS error"), "{err}");
    let line = format!("ca_bundle = {}\n", data("ca.pem").display());
    std::fs::write(home.join(".aws/config"), config(&line)).unwrap();
    let c = DefaultChain::new(env).provide_credentials().unwrap();
    assert_eq!(c.access_key_id, "AKIDSSOTLS");
}
