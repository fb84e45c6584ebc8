//! Credential provider tests with fixtures written here (temp dirs, loopback servers only).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sts_blocking::__private::credentials::profile::{FileKind, ProfileSet};
use sts_blocking::credentials::{BaseSource, CachedProvider, Env, NamedSource, ProcessProvider};
use sts_blocking::{Credentials, Error, ProvideCredentials};
use time::OffsetDateTime;

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-creds-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(text: &str, profile: &str) -> ProfileSet {
    sts_blocking::__private::credentials::profile::parse(
        &[(FileKind::Config, std::path::Path::new("config"), text)],
        profile,
    )
    .unwrap()
}

#[test]
fn role_chain_three_deep() {
    let set = config(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\nrole_session_name = sa\nexternal_id = xa\nduration_seconds = 900\nmfa_serial = arn:aws:iam::1:mfa/me\nregion = eu-west-1\n\
         [profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n\
         [profile c]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = d\n\
         [profile d]\naws_access_key_id = AKIDD\naws_secret_access_key = sd\naws_account_id = 111\n",
        "a",
    );
    let chain = set.plan().unwrap();
    match &chain.base {
        BaseSource::Static {
            profile,
            credentials,
        } => {
            assert_eq!(profile, "d");
            assert_eq!(credentials.access_key_id, "AKIDD");
            assert_eq!(credentials.account_id.as_deref(), Some("111"));
        }
        other => panic!("{other:?}"),
    }
    let arns: Vec<_> = chain.roles.iter().map(|r| r.role_arn.as_str()).collect();
    assert_eq!(
        arns,
        [
            "arn:aws:iam::1:role/C",
            "arn:aws:iam::1:role/B",
            "arn:aws:iam::1:role/A"
        ]
    );
    let a = &chain.roles[2];
    assert_eq!(a.session_name.as_deref(), Some("sa"));
    assert_eq!(a.external_id.as_deref(), Some("xa"));
    assert_eq!(a.duration_seconds, Some(900));
    assert_eq!(a.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
    assert_eq!(a.region.as_deref(), Some("eu-west-1"));
    assert!(chain.needs_sts());
    // Debug never shows the secret.
    assert!(!format!("{chain:?}").contains("sd\""));
}

#[test]
fn role_chain_cycle_and_credential_source() {
    let set = config(
        "[profile a]\nrole_arn = r:a\nsource_profile = b\n[profile b]\nrole_arn = r:b\nsource_profile = c\n[profile c]\nrole_arn = r:c\nsource_profile = a\n",
        "a",
    );
    let e = set.plan().unwrap_err();
    assert!(!e.not_configured);
    assert_eq!(
        e.message,
        "Infinite loop in credential configuration detected. Attempting to load from profile a \
         which has already been visited. Visited profiles: ['a', 'b', 'c']"
    );
    // A profile naming itself without keys of its own.
    let e = config("[profile s]\nrole_arn = r:s\nsource_profile = s\n", "s")
        .plan()
        .unwrap_err();
    assert!(e.message.ends_with("Visited profiles: ['s']"), "{e}");
    let set = config(
        "[profile x]\nrole_arn = r:x\ncredential_source = EcsContainer\n",
        "x",
    );
    assert_eq!(
        set.plan().unwrap().base,
        BaseSource::Named(NamedSource::EcsContainer)
    );
    let set = config("[profile x]\ncredential_process = /bin/tool --flag\n", "x");
    assert!(matches!(
        set.plan().unwrap().base,
        BaseSource::Process { .. }
    ));
    let set = config("[profile x]\nregion = us-east-1\n", "x");
    assert!(set.plan().unwrap_err().not_configured);
}

#[test]
fn malformed_file_names_file_and_line() {
    let dir = temp_dir("badcfg");
    let path = dir.join("config");
    std::fs::write(&path, "[default]\nregion = us-east-1\n[profile broken\n").unwrap();
    let env = Env::from_map([
        ("AWS_CONFIG_FILE", path.to_str().unwrap()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("none").to_str().unwrap(),
        ),
    ]);
    match ProfileSet::load(&env).unwrap_err() {
        Error::ConfigFile { path: p, line, .. } => {
            assert_eq!(p, path);
            assert_eq!(line, 3);
        }
        e => panic!("{e:?}"),
    }
}

#[cfg(unix)]
mod process {
    use super::*;

    #[test]
    fn hangs_then_times_out() {
        let start = Instant::now();
        let e = ProcessProvider::new("sleep 30")
            .timeout(Duration::from_millis(300))
            .provide_credentials()
            .unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn exit_1_reports_stderr() {
        let e = ProcessProvider::new("sh -c 'echo \"  token expired  \" >&2; exit 1'")
            .provide_credentials()
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("Error when retrieving credentials from custom-process: token expired"),
            "{e}"
        );
    }

    #[test]
    fn bad_json() {
        let e = ProcessProvider::new("echo '{\"Version\": 1, marker'")
            .provide_credentials()
            .unwrap_err()
            .to_string();
        assert!(e.contains("could not parse response"), "{e}");
        assert!(!e.contains("marker"), "{e}");
    }

    #[test]
    fn good_output() {
        let c = ProcessProvider::new(
            r#"echo '{"Version":1,"AccessKeyId":"AKIDP","SecretAccessKey":"sp","SessionToken":"tp","Expiration":"2040-01-01T00:00:00Z"}'"#,
        )
        .account_id(Some("222".into()))
        .provide_credentials()
        .unwrap();
        assert_eq!(c.access_key_id, "AKIDP");
        assert_eq!(c.session_token.unwrap().expose(), "tp");
        assert_eq!(c.account_id.as_deref(), Some("222"));
        assert_eq!(c.expiration.unwrap().unix_timestamp(), 2_208_988_800);
    }
}

#[cfg(feature = "client")]
mod http {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use sts_blocking::__private::credentials::sso::{SsoProvider, cache_file};
    use sts_blocking::credentials::ContainerProvider;
    use sts_blocking::credentials::ImdsProvider;
    use sts_blocking::credentials::SsoSource;

    /// A loopback server answering `replies` in order: (expected method + path prefix, status, body).
    /// Returns the base URL and the recorded request heads.
    fn serve(replies: Vec<(&'static str, u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for (want, status, body) in replies {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                assert!(head.starts_with(want), "expected {want}, got {head}");
                seen2.lock().unwrap().push(head);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.flush();
                let mut sink = [0u8; 16];
                let _ = s.read(&mut sink);
            }
        });
        (url, seen)
    }

    #[test]
    fn container_refuses_non_allowed_host() {
        let env = Env::from_map([(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://192.168.1.10/creds",
        )]);
        let e = ContainerProvider::from_env(&env).unwrap_err().to_string();
        assert!(e.contains("not allowed"), "{e}");
        for ok in [
            "http://127.0.0.1/c",
            "http://127.1.2.3:81/c",
            "http://[::1]/c",
            "http://169.254.170.2/c",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/c",
            "https://example.com/c",
        ] {
            let env = Env::from_map([("AWS_CONTAINER_CREDENTIALS_FULL_URI", ok)]);
            assert!(ContainerProvider::from_env(&env).is_ok(), "{ok}");
        }
    }

    #[test]
    fn container_token_file_wins_and_is_reread() {
        let dir = temp_dir("ctr");
        let tok = dir.join("token");
        std::fs::write(&tok, "file-token-1\n").unwrap();
        let body = r#"{"AccessKeyId":"AKIDC","SecretAccessKey":"sc","Token":"tc","Expiration":"2040-01-01T00:00:00Z","AccountId":"333"}"#;
        let (url, seen) = serve(vec![
            ("GET /v1/credentials", 200, body.to_owned()),
            ("GET /v1/credentials", 200, body.to_owned()),
        ]);
        let env = Env::from_map([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{url}/v1/credentials"),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token".to_owned()),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                tok.to_str().unwrap().to_owned(),
            ),
        ]);
        let p = ContainerProvider::from_env(&env).unwrap();
        let c = p.provide_credentials().unwrap();
        assert_eq!(c.access_key_id, "AKIDC");
        assert_eq!(c.account_id.as_deref(), Some("333"));
        std::fs::write(&tok, "file-token-2").unwrap();
        p.provide_credentials().unwrap();
        let seen = seen.lock().unwrap();
        assert!(
            seen[0]
                .to_ascii_lowercase()
                .contains("authorization: file-token-1\r\n"),
            "{}",
            seen[0]
        );
        assert!(
            seen[1]
                .to_ascii_lowercase()
                .contains("authorization: file-token-2\r\n")
        );
    }

    #[test]
    fn imds_down_fails_fast() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let start = Instant::now();
        let e = ImdsProvider::new(format!("http://127.0.0.1:{port}"))
            .provide_credentials()
            .unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert!(e.to_string().contains("imds"), "{e}");
    }

    #[test]
    fn imds_refusing_the_token_means_no_credentials_in_the_chain() {
        // Off EC2, or with IMDS turned off on the instance, the token PUT answers 403: as in the
        // AWS CLI, the chain then finds no credentials (exit 253) instead of failing on IMDS.
        let (url, seen) = serve(vec![("PUT /latest/api/token", 403, String::new())]);
        let home = std::env::temp_dir().join(format!("sts-imds-403-{}", std::process::id()));
        let env = Env::from_map([
            ("HOME", home.display().to_string()),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", url),
        ]);
        let e = sts_blocking::DefaultChain::new(env)
            .provide_credentials()
            .unwrap_err();
        let Error::Credentials(ce) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(ce.provider, "chain", "{e}");
        let imds = ce.tried.iter().find(|(name, _)| name == "imds");
        assert!(
            imds.is_some_and(|(_, why)| why.contains("not available") && why.contains("403")),
            "{:?}",
            ce.tried
        );
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[test]
    fn imds_serves_token_role_and_credentials() {
        let creds = r#"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"AKIDI","SecretAccessKey":"si","Token":"ti","Expiration":"2040-01-01T00:00:00Z"}"#;
        let (url, seen) = serve(vec![
            ("PUT /latest/api/token", 200, "imds-token".to_owned()),
            (
                "GET /latest/meta-data/iam/security-credentials/ ",
                200,
                "my-role\n".to_owned(),
            ),
            (
                "GET /latest/meta-data/iam/security-credentials/my-role ",
                200,
                creds.to_owned(),
            ),
        ]);
        let c = ImdsProvider::new(url).provide_credentials().unwrap();
        assert_eq!(c.access_key_id, "AKIDI");
        assert_eq!(c.session_token.unwrap().expose(), "ti");
        let seen = seen.lock().unwrap();
        assert!(
            seen[0]
                .to_ascii_lowercase()
                .contains("x-aws-ec2-metadata-token-ttl-seconds: 21600")
        );
        assert!(
            seen[2]
                .to_ascii_lowercase()
                .contains("x-aws-ec2-metadata-token: imds-token")
        );
    }

    #[test]
    fn imds_static_stability() {
        let creds = r#"{"Code":"Success","AccessKeyId":"AKIDS","SecretAccessKey":"ss","Token":"ts","Expiration":"2020-01-01T00:00:00Z"}"#;
        let (url, _) = serve(vec![
            ("PUT /latest/api/token", 200, "t".to_owned()),
            (
                "GET /latest/meta-data/iam/security-credentials/ ",
                200,
                "r".to_owned(),
            ),
            (
                "GET /latest/meta-data/iam/security-credentials/r ",
                200,
                creds.to_owned(),
            ),
            (
                "GET /latest/meta-data/iam/security-credentials/ ",
                500,
                String::new(),
            ),
        ]);
        let p = ImdsProvider::new(url).attempts(1);
        let now = OffsetDateTime::now_utc();
        // Already expired: served with an extended expiry.
        let c = p.provide_credentials().unwrap();
        let exp = c.expiration.unwrap();
        assert!(
            exp >= now + time::Duration::minutes(5) && exp <= now + time::Duration::minutes(11),
            "{exp}"
        );
        // Outage: the last credentials are served again.
        let c = p.provide_credentials().unwrap();
        assert_eq!(c.access_key_id, "AKIDS");
    }

    fn sso_source() -> SsoSource {
        SsoSource::new("https://d-123.awsapps.com/start", "us-east-1")
            .session_name("dev")
            .account_id("123456789012")
            .role_name("Admin")
    }

    #[test]
    fn sso_expired_cache() {
        let home = temp_dir("sso-exp");
        let f = cache_file(&home, &sso_source());
        assert!(
            f.ends_with(".aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json"),
            "{}",
            f.display()
        );
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, r#"{"accessToken":"marker-tok","expiresAt":"2020-01-01T00:00:00Z","region":"us-east-1"}"#).unwrap();
        let e = SsoProvider::new(sso_source(), &home)
            .provide_credentials()
            .unwrap_err()
            .to_string();
        assert!(e.contains("aws sso login --sso-session dev"), "{e}");
        assert!(!e.contains("marker"));
    }

    #[test]
    fn sso_get_role_credentials() {
        let home = temp_dir("sso-ok");
        let f = cache_file(&home, &sso_source());
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(
            &f,
            r#"{"accessToken":"bearer-1","expiresAt":"2199-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let body = r#"{"roleCredentials":{"accessKeyId":"AKIDSSO","secretAccessKey":"s","sessionToken":"t","expiration":2208988800000}}"#;
        let (url, seen) = serve(vec![(
            "GET /federation/credentials?role_name=Admin&account_id=123456789012 ",
            200,
            body.to_owned(),
        )]);
        let c = SsoProvider::new(sso_source(), &home)
            .endpoint(Some(url))
            .provide_credentials()
            .unwrap();
        assert_eq!(c.access_key_id, "AKIDSSO");
        assert_eq!(c.expiration.unwrap().unix_timestamp(), 2_208_988_800);
        assert_eq!(c.account_id.as_deref(), Some("123456789012"));
        assert!(
            seen.lock().unwrap()[0]
                .to_ascii_lowercase()
                .contains("x-amz-sso_bearer_token: bearer-1")
        );
    }

    #[test]
    fn chain_lists_every_source() {
        let dir = temp_dir("chain");
        let env = Env::from_map([
            ("HOME", dir.to_str().unwrap()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]);
        let e = sts_blocking::DefaultChain::new(env)
            .provide_credentials()
            .unwrap_err();
        let Error::Credentials(ce) = &e else {
            panic!("{e:?}")
        };
        let names: Vec<_> = ce.tried.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "environment",
                "profile",
                "web_identity",
                "container",
                "imds"
            ]
        );
        assert!(ce.tried[4].1.contains("AWS_EC2_METADATA_DISABLED"));
    }
}

/// A provider whose credentials expire `lifetime` after each fetch; counts fetches and checks that
/// fetches never overlap.
#[derive(Debug)]
struct Expiring {
    lifetime: time::Duration,
    calls: AtomicUsize,
    fetched_at: Mutex<Vec<Instant>>,
    busy: AtomicBool,
    fail_on: Option<usize>,
}

impl ProvideCredentials for Expiring {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        assert!(
            !self.busy.swap(true, Ordering::SeqCst),
            "two refreshes at once"
        );
        std::thread::sleep(Duration::from_millis(50));
        self.fetched_at.lock().unwrap().push(Instant::now());
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.busy.store(false, Ordering::SeqCst);
        if self.fail_on == Some(n) {
            return Err(sts_blocking::error::CredentialsError::new("test", "boom").into());
        }
        Ok(Credentials::new(format!("AKID{n}"), "s", None)
            .with_expiration(OffsetDateTime::now_utc() + self.lifetime))
    }
}

#[test]
fn cache_single_flight_under_load() {
    let inner = Arc::new(Expiring {
        lifetime: time::Duration::seconds(2),
        calls: AtomicUsize::new(0),
        fetched_at: Mutex::new(Vec::new()),
        busy: AtomicBool::new(false),
        fail_on: None,
    });
    let cache = Arc::new(
        CachedProvider::new(inner.clone())
            .advisory_window(Duration::from_millis(500))
            .mandatory_window(Duration::from_millis(200))
            .jitter(false),
    );
    let end = Instant::now() + Duration::from_secs(10);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let cache = cache.clone();
            std::thread::spawn(move || {
                let mut last = 0usize;
                let mut calls = 0;
                while Instant::now() < end {
                    let c = cache.provide_credentials().unwrap();
                    assert!(
                        !c.is_expired_at(OffsetDateTime::now_utc()),
                        "expired credentials served"
                    );
                    let n: usize = c.access_key_id[4..].parse().unwrap();
                    assert!(n >= last, "went back from {last} to {n}");
                    last = n;
                    calls += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
                calls
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    // Exactly one refresh per credential generation: a refresh only once the previous credentials
    // entered their 0.5 s advisory window (so fetches are at least ~1.5 s apart), and at least one
    // per 2 s lifetime (so 5 or more in 10 s). Timing on a loaded machine moves the count between
    // 5 and 8, never the spacing.
    let fetches = inner.calls.load(Ordering::SeqCst);
    assert!((5..=8).contains(&fetches), "fetches = {fetches}");
    let at = inner.fetched_at.lock().unwrap();
    for pair in at.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(1200),
            "two refreshes {gap:?} apart"
        );
    }
    assert!(total > 1000, "callers were blocked: {total}");
}

#[test]
fn cache_survives_one_failure() {
    let now = Arc::new(Mutex::new(OffsetDateTime::now_utc()));
    let clock_now = now.clone();
    let inner = Arc::new(Expiring {
        lifetime: time::Duration::minutes(10),
        calls: AtomicUsize::new(0),
        fetched_at: Mutex::new(Vec::new()),
        busy: AtomicBool::new(false),
        fail_on: Some(2),
    });
    let cache = CachedProvider::new(inner.clone())
        .clock(Arc::new(move || *clock_now.lock().unwrap()))
        .jitter(false)
        .backoff(Duration::from_secs(30), Duration::from_secs(30));
    assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID1");
    // 10 min lifetime -> 5 min advisory window: at +6 min the advisory refresh fails; old creds kept.
    *now.lock().unwrap() += time::Duration::minutes(6);
    assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID1");
    // Backing off: no new call.
    assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID1");
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    // After the back-off the refresh succeeds.
    *now.lock().unwrap() += time::Duration::seconds(31);
    assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID3");
}

#[test]
fn cache_does_not_keep_errors() {
    let now = Arc::new(Mutex::new(OffsetDateTime::now_utc()));
    let clock_now = now.clone();
    let inner = Arc::new(Expiring {
        lifetime: time::Duration::minutes(60),
        calls: AtomicUsize::new(0),
        fetched_at: Mutex::new(Vec::new()),
        busy: AtomicBool::new(false),
        fail_on: Some(1),
    });
    let cache =
        CachedProvider::new(inner.clone()).clock(Arc::new(move || *clock_now.lock().unwrap()));
    assert!(cache.provide_credentials().is_err());
    // Within the error TTL the error is remembered, without calling the provider.
    assert!(
        cache
            .provide_credentials()
            .unwrap_err()
            .to_string()
            .contains("boom")
    );
    assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
    *now.lock().unwrap() += time::Duration::seconds(3);
    assert_eq!(cache.provide_credentials().unwrap().access_key_id, "AKID2");
}
