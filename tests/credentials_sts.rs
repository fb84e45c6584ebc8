//! Credential providers that need STS, end to end against the loopback fake STS, with fixtures
//! written by the tests into temp dirs.
#![cfg(feature = "client")]

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use sts_blocking::__private::credentials::mfa::mfa_provider;
use sts_blocking::credentials::{AssumeRoleProvider, Env, WebIdentityProvider};
use sts_blocking::ops::AssumeRoleWithWebIdentity;
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Credentials, Error, ProvideCredentials, Sts};
use support::{FakeSts, Reply, caller_identity, success};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-creds2-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An AssumeRole success handing out `key`, expiring `ttl_s` seconds from now.
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

/// The access key id in a SigV4 `Authorization` header.
fn signer(r: &support::Recorded) -> Option<String> {
    let auth = r.header("authorization")?;
    let cred = auth.split("Credential=").nth(1)?;
    Some(cred.split('/').next()?.to_owned())
}

/// The region in a SigV4 credential scope.
fn scope_region(r: &support::Recorded) -> Option<String> {
    let auth = r.header("authorization")?;
    let cred = auth.split("Credential=").nth(1)?;
    Some(cred.split('/').nth(2)?.to_owned())
}

/// An environment with HOME at `dir` and the two files written there.
fn files_env(dir: &Path, config: &str, credentials: &str, extra: &[(&str, &str)]) -> Env {
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("credentials"), credentials).unwrap();
    let mut vars = vec![
        ("HOME".to_owned(), dir.to_str().unwrap().to_owned()),
        (
            "AWS_CONFIG_FILE".to_owned(),
            dir.join("config").to_str().unwrap().to_owned(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            dir.join("credentials").to_str().unwrap().to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
    ];
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Env::from_map(vars)
}

const ROLE_A: &str = "arn:aws:iam::123456789012:role/A";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/B";
const ROLE_C: &str = "arn:aws:iam::123456789012:role/C";

#[test]
fn role_chain_three_deep_end_to_end() {
    let fake = FakeSts::start(caller_identity());
    fake.push([
        assumed("AssumeRole", "ASIAHOP1", 3600),
        assumed("AssumeRole", "ASIAHOP2", 3600),
        assumed("AssumeRole", "ASIAHOP3", 3600),
    ]);
    let dir = temp_dir("chain3");
    let config = format!(
        "[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\nrole_session_name = sess-a\nexternal_id = ext-a\nduration_seconds = 900\nregion = eu-west-1\n\
         [profile b]\nrole_arn = {ROLE_B}\nsource_profile = c\nregion = us-west-2\n\
         [profile c]\nrole_arn = {ROLE_C}\nsource_profile = d\n\
         [profile d]\nregion = ap-south-1\n"
    );
    let env = files_env(
        &dir,
        &config,
        "[d]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
        &[("AWS_PROFILE", "a"), ("AWS_ENDPOINT_URL_STS", &fake.url())],
    );
    let settings = Settings::load(&env, &Overrides::default()).unwrap();
    assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
    let sts = settings.sts_builder().build().unwrap();
    let creds = sts.resolve_credentials().unwrap();
    assert_eq!(creds.access_key_id, "ASIAHOP3");
    assert_eq!(creds.account_id.as_deref(), Some("123456789012"));
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3);
    let expect = [
        (ROLE_C, "AKIDBASE", "eu-west-1"),
        (ROLE_B, "ASIAHOP1", "us-west-2"),
        (ROLE_A, "ASIAHOP2", "eu-west-1"),
    ];
    for (r, (arn, key, region)) in reqs.iter().zip(expect) {
        assert_eq!(r.param("Action").as_deref(), Some("AssumeRole"));
        assert_eq!(r.param("RoleArn").as_deref(), Some(arn));
        assert_eq!(signer(r).as_deref(), Some(key), "hop {arn} signed by {key}");
        // Profile `c` has no region: the selected profile's region is used.
        assert_eq!(scope_region(r).as_deref(), Some(region), "hop {arn}");
    }
    let last = &reqs[2];
    assert_eq!(last.param("RoleSessionName").as_deref(), Some("sess-a"));
    assert_eq!(last.param("ExternalId").as_deref(), Some("ext-a"));
    assert_eq!(last.param("DurationSeconds").as_deref(), Some("900"));
    // No duration_seconds: no DurationSeconds at all, as the AWS CLI sends it.
    assert_eq!(reqs[0].param("DurationSeconds"), None);
    assert!(
        reqs[0]
            .param("RoleSessionName")
            .unwrap()
            .starts_with("sts-blocking-")
    );
    assert_eq!(
        reqs[1].header("x-amz-security-token"),
        Some("token-ASIAHOP1")
    );
    // whoami: where the credentials came from; cached: no more STS calls.
    let provider = sts.credentials_provider().unwrap();
    assert_eq!(
        provider.source_name(),
        format!("profile:a (assume-role {ROLE_A})")
    );
    sts.get_caller_identity().unwrap();
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(signer(&reqs[3]).as_deref(), Some("ASIAHOP3"));
}

#[test]
fn role_chain_cycle_names_the_cycle() {
    let dir = temp_dir("cycle");
    let env = files_env(
        &dir,
        &format!(
            "[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\n[profile b]\nrole_arn = {ROLE_B}\nsource_profile = a\n"
        ),
        "",
        &[
            ("AWS_PROFILE", "a"),
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"),
        ],
    );
    let sts = Settings::load(&env, &Overrides::default())
        .unwrap()
        .sts_builder()
        .build()
        .unwrap();
    let e = sts.get_caller_identity().unwrap_err().to_string();
    // botocore's InfiniteLoopConfigError, word for word.
    assert!(
        e.contains(
            "Infinite loop in credential configuration detected. Attempting to load from profile \
             a which has already been visited. Visited profiles: ['a', 'b']"
        ),
        "{e}"
    );
}

#[test]
fn mfa_callback_called_on_every_refresh() {
    let fake = FakeSts::start(caller_identity());
    // Each refresh (forced with `invalidate`: credentials that arrive inside the mandatory window
    // are no longer fetched again on every call) asks for a new code.
    fake.push([
        assumed("AssumeRole", "ASIAMFA1", 30),
        assumed("AssumeRole", "ASIAMFA2", 30),
    ]);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mfa = mfa_provider(move |serial: &str| {
        assert_eq!(serial, "arn:aws:iam::123456789012:mfa/alice");
        let n = c.fetch_add(1, Ordering::SeqCst);
        Ok(["123456", "654321"][n % 2].to_owned())
    });
    let source = Arc::new(Credentials::new("AKIDUSER", "user-secret", None));
    let p = AssumeRoleProvider::builder(ROLE_A)
        .source(source)
        .endpoint_url(fake.url())
        .region("eu-central-1")
        .session_name("mfa-session")
        .mfa("arn:aws:iam::123456789012:mfa/alice", mfa)
        .build()
        .unwrap();
    assert_eq!(p.provide_credentials().unwrap().access_key_id, "ASIAMFA1");
    assert_eq!(p.provide_credentials().unwrap().access_key_id, "ASIAMFA1");
    p.invalidate();
    assert_eq!(p.provide_credentials().unwrap().access_key_id, "ASIAMFA2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    for (r, code) in reqs.iter().zip(["123456", "654321"]) {
        assert_eq!(
            r.param("SerialNumber").as_deref(),
            Some("arn:aws:iam::123456789012:mfa/alice")
        );
        assert_eq!(r.param("TokenCode").as_deref(), Some(code));
        assert_eq!(r.param("DurationSeconds").as_deref(), Some("3600"));
        assert_eq!(signer(r).as_deref(), Some("AKIDUSER"));
        assert_eq!(scope_region(r).as_deref(), Some("eu-central-1"));
    }
    // A malformed code is refused before anything is sent, and not echoed.
    let bad = AssumeRoleProvider::builder(ROLE_A)
        .source(Arc::new(Credentials::new("AKIDUSER", "s", None)))
        .endpoint_url(fake.url())
        .mfa(
            "arn:aws:iam::123456789012:mfa/alice",
            mfa_provider(|_| Ok("12a45".to_owned())),
        )
        .build()
        .unwrap();
    let e = bad.provide_credentials().unwrap_err().to_string();
    assert!(e.contains("6 digits") && !e.contains("12a45"), "{e}");
    assert_eq!(fake.count(), 2);
}

#[test]
fn mfa_serial_in_profile_uses_the_callback() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIAPMFA", 3600));
    let dir = temp_dir("pmfa");
    let env = files_env(
        &dir,
        &format!(
            "[profile m]\nrole_arn = {ROLE_A}\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/bob\n"
        ),
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n",
        &[("AWS_ENDPOINT_URL_STS", &fake.url())],
    );
    let settings = Settings::load(&env, &Overrides::default().profile("m")).unwrap();
    // Without a callback: a clear error.
    let e = settings
        .sts_builder()
        .build()
        .unwrap()
        .resolve_credentials()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("mfa_serial") && e.contains("no MFA token provider"),
        "{e}"
    );
    let sts = settings
        .sts_builder_with_mfa(Some(mfa_provider(|_| Ok("000111".into()))))
        .build()
        .unwrap();
    assert_eq!(sts.resolve_credentials().unwrap().access_key_id, "ASIAPMFA");
    let r = &fake.requests()[0];
    assert_eq!(r.param("TokenCode").as_deref(), Some("000111"));
    assert_eq!(
        r.param("SerialNumber").as_deref(),
        Some("arn:aws:iam::123456789012:mfa/bob")
    );
}

#[test]
fn web_identity_token_file_reread_on_refresh() {
    let fake = FakeSts::start(caller_identity());
    fake.push([
        assumed("AssumeRoleWithWebIdentity", "ASIAWEB1", 30),
        assumed("AssumeRoleWithWebIdentity", "ASIAWEB2", 30),
    ]);
    let dir = temp_dir("webid");
    let token = dir.join("token");
    std::fs::write(&token, "first-token-value\n").unwrap();
    let p = WebIdentityProvider::builder(ROLE_A, &token)
        .session_name("irsa")
        .endpoint_url(fake.url())
        .region("eu-west-1")
        .build()
        .unwrap();
    assert_eq!(p.provide_credentials().unwrap().access_key_id, "ASIAWEB1");
    std::fs::write(&token, "second-token-value").unwrap();
    p.invalidate();
    assert_eq!(p.provide_credentials().unwrap().access_key_id, "ASIAWEB2");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].param("WebIdentityToken").as_deref(),
        Some("first-token-value")
    );
    assert_eq!(
        reqs[1].param("WebIdentityToken").as_deref(),
        Some("second-token-value")
    );
    for r in &reqs {
        assert!(r.header("authorization").is_none(), "unsigned");
        assert_eq!(r.param("RoleSessionName").as_deref(), Some("irsa"));
    }
    assert!(!format!("{p:?}").contains("token-value"));
    // Role chaining: the provider feeds another client (refreshing first, forced).
    fake.push([assumed("AssumeRoleWithWebIdentity", "ASIAWEB3", 3600)]);
    p.invalidate();
    let sts = Sts::builder()
        .region("eu-west-1")
        .endpoint_url(fake.url())
        .credentials_provider(Arc::new(p))
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(signer(&reqs[3]).as_deref(), Some("ASIAWEB3"));
}

#[cfg(unix)]
#[test]
fn credential_process_feeds_sts() {
    let fake = FakeSts::start(caller_identity());
    let dir = temp_dir("proc");
    let script = dir.join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"proc-secret\"}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = files_env(
        &dir,
        &format!(
            "[profile p]\nregion = ca-central-1\ncredential_process = {}\n",
            script.display()
        ),
        "",
        &[("AWS_PROFILE", "p"), ("AWS_ENDPOINT_URL_STS", &fake.url())],
    );
    let sts = Settings::load(&env, &Overrides::default())
        .unwrap()
        .sts_builder()
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
    let r = &fake.requests()[0];
    assert_eq!(signer(r).as_deref(), Some("AKIDPROCESS"));
    assert_eq!(scope_region(r).as_deref(), Some("ca-central-1"));
    assert_eq!(
        sts.credentials_provider().unwrap().source_name(),
        "profile:p (credential_process)"
    );
}

#[test]
fn explicit_profile_and_region_beat_the_environment() {
    let fake = FakeSts::start(caller_identity());
    let dir = temp_dir("explicit");
    let env = files_env(
        &dir,
        "[profile dev]\nregion = us-west-1\n[profile other]\nregion = sa-east-1\n",
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n",
        &[
            ("AWS_PROFILE", "other"),
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ("AWS_ENDPOINT_URL_STS", &fake.url()),
        ],
    );
    // From the environment alone: env keys, env region, profile `other`.
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    assert_eq!(s.profile, "other");
    assert_eq!(s.region.as_deref(), Some("eu-west-3"));
    let sts = s.sts_builder().build().unwrap();
    sts.get_caller_identity().unwrap();
    assert_eq!(signer(&fake.requests()[0]).as_deref(), Some("AKIDENV"));
    assert_eq!(
        sts.credentials_provider().unwrap().source_name(),
        "environment"
    );
    // Explicit profile and region win.
    let s = Settings::load(
        &env,
        &Overrides::default().profile("dev").region("ap-southeast-2"),
    )
    .unwrap();
    assert_eq!(s.region.as_deref(), Some("ap-southeast-2"));
    let sts = s.sts_builder().build().unwrap();
    sts.get_caller_identity().unwrap();
    let r = &fake.requests()[1];
    assert_eq!(signer(r).as_deref(), Some("AKIDDEV"));
    assert_eq!(scope_region(r).as_deref(), Some("ap-southeast-2"));
    assert_eq!(
        sts.credentials_provider().unwrap().source_name(),
        "profile:dev"
    );
    // An explicit profile that does not exist is an error at once.
    let e = Settings::load(&env, &Overrides::default().profile("nope"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("(nope) could not be found"), "{e}");
}

#[test]
fn settings_from_profile() {
    let dir = temp_dir("settings");
    let env = files_env(
        &dir,
        "[default]\nregion = eu-north-1\nservices = local\nmax_attempts = 7\nretry_mode = adaptive\n\
         sts_regional_endpoints = legacy\nsdk_ua_app_id = my-app\nuse_fips_endpoint = false\n\
         [services local]\nsts =\n  endpoint_url = http://127.0.0.1:4566\n",
        "",
        &[],
    );
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    assert_eq!(s.profile, "default");
    assert_eq!(s.region.as_deref(), Some("eu-north-1"));
    assert_eq!(s.endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
    assert_eq!(s.retry.max_attempts, 7);
    assert_eq!(s.retry.mode, sts_blocking::retry::RetryMode::Adaptive);
    assert!(s.use_global_endpoint && !s.use_fips);
    assert_eq!(s.app_id.as_deref(), Some("my-app"));
    let sts = s.sts_builder().build().unwrap();
    assert_eq!(sts.endpoint().url, "http://127.0.0.1:4566");
    assert!(sts.user_agent().contains("app/my-app"));
    // The environment beats the profile.
    let env = files_env(
        &dir,
        "[default]\nregion = eu-north-1\nmax_attempts = 7\nca_bundle = /etc/profile-ca.pem\n",
        "",
        &[
            ("AWS_MAX_ATTEMPTS", "2"),
            ("AWS_DEFAULT_REGION", "us-east-2"),
            ("AWS_CA_BUNDLE", "/etc/env-ca.pem"),
            ("AWS_USE_FIPS_ENDPOINT", "true"),
        ],
    );
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    assert_eq!(s.retry.max_attempts, 2);
    assert_eq!(s.region.as_deref(), Some("us-east-2"));
    assert_eq!(s.ca_bundle.as_deref(), Some(Path::new("/etc/env-ca.pem")));
    assert!(s.use_fips);
    // A bad value names where it came from. It stops clients, not credentials: static keys
    // still resolve (as `aws configure export-credentials` exports them).
    let env = files_env(
        &dir,
        "[default]\nmax_attempts = many\nregion = not a region!\n",
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s\n",
        &[],
    );
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    let e = s.sts_builder().build().unwrap_err().to_string();
    assert!(e.contains("profile key max_attempts"), "{e}");
    let c = s.credentials_provider(None).provide_credentials().unwrap();
    assert_eq!(c.access_key_id, "AKIDEXAMPLE");
}

#[test]
fn no_network_when_environment_has_keys() {
    // IMDS points at a closed port and is not disabled: env keys must win without touching it.
    let env = Env::from_map([
        ("HOME", "/nonexistent-home"),
        ("AWS_ACCESS_KEY_ID", "AKIDENVONLY"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
    ]);
    let s = Settings::load(&env, &Overrides::default()).unwrap();
    let t = std::time::Instant::now();
    let c = s.credentials_provider(None).provide_credentials().unwrap();
    assert_eq!(c.access_key_id, "AKIDENVONLY");
    assert!(t.elapsed() < std::time::Duration::from_millis(200));
}

#[test]
fn cold_chain_failure_with_nothing_configured_is_fast() {
    // Nothing configured, HOME empty, IMDS at a closed loopback port: how long `whoami` takes to fail.
    let dir = temp_dir("cold");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = Env::from_map([
        ("HOME", dir.to_str().unwrap().to_owned()),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{closed}"),
        ),
    ]);
    let t = std::time::Instant::now();
    let settings = Settings::load(&env, &Overrides::default()).unwrap();
    let loaded = t.elapsed();
    let e = settings
        .credentials_provider(None)
        .provide_credentials()
        .unwrap_err();
    let total = t.elapsed();
    println!("cold chain: settings {loaded:?}, failure after {total:?}");
    let text = e.to_string();
    assert!(text.contains("provider was not enabled"), "{text}");
    for step in [
        "environment",
        "profile",
        "web_identity",
        "container",
        "imds",
    ] {
        assert!(text.contains(&format!("- {step}: skipped")), "{text}");
    }
    assert!(total < std::time::Duration::from_secs(2), "{total:?}");
}

#[test]
fn settings_follow_the_aws_cli_without_a_region() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let dir = temp_dir("noregion");
    // A custom endpoint and no region: signed calls cannot be signed (nothing is sent), unsigned
    // ones go out; no endpoint: the global endpoint, signed for us-east-1.
    let env = files_env(
        &dir,
        "",
        "",
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
    );
    let sts = Settings::load(&env, &Overrides::default())
        .unwrap()
        .sts_builder()
        .build()
        .unwrap();
    let e = sts.get_caller_identity().unwrap_err();
    assert!(matches!(e, Error::NoRegion), "{e:?}");
    assert!(
        e.to_string().starts_with("You must specify a region."),
        "{e}"
    );
    assert_eq!(fake.count(), 0);
    let op = AssumeRoleWithWebIdentity::new("arn:aws:iam::123456789012:role/r", "s1", "token");
    let _ = sts.assume_role_with_web_identity(&op);
    assert_eq!(fake.count(), 1, "unsigned calls need no region");
    let env = files_env(
        &dir,
        "",
        "",
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
    );
    let sts = Settings::load(&env, &Overrides::default())
        .unwrap()
        .sts_builder()
        .build()
        .unwrap();
    assert_eq!(sts.endpoint().url, "https://sts.amazonaws.com");
    assert_eq!(sts.endpoint().signing_region, "us-east-1");
}

#[test]
fn a_profile_named_in_aws_profile_must_exist() {
    let dir = temp_dir("noprofile");
    let env = files_env(
        &dir,
        "[profile dev]\nregion = eu-west-1\n",
        "",
        &[
            ("AWS_PROFILE", "nope"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
    );
    let e = Settings::load(&env, &Overrides::default()).unwrap_err();
    assert!(matches!(&e, Error::ProfileNotFound { profile, .. } if profile == "nope"));
    assert_eq!(
        e.to_string(),
        "The config profile (nope) could not be found"
    );
    // `default` may be missing when nothing names it.
    let env = files_env(&dir, "[profile dev]\n", "", &[]);
    assert!(Settings::load(&env, &Overrides::default()).is_ok());
}

/// `DefaultChain::new` is the AWS CLI's chain: a `role_arn` + `source_profile` profile is assumed
/// through STS at the endpoint and in the region the environment and the profile configure (not
/// a "needs a RoleAssumer" error, and never the real AWS host).
#[test]
fn the_default_chain_follows_role_profiles_at_the_configured_endpoint() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIAROLE", 3600));
    let dir = temp_dir("newchain");
    let url = fake.url();
    let credentials = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";
    let key = format!("endpoint_url = {url}\n");
    for (what, in_profile, vars) in [
        ("variable", "", vec![("AWS_ENDPOINT_URL_STS", url.as_str())]),
        ("profile key", key.as_str(), vec![]),
    ] {
        let config = format!(
            "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\n\
             source_profile = base\nregion = eu-north-1\n{in_profile}[profile base]\n"
        );
        let vars = [vars, vec![("AWS_PROFILE", "deploy")]].concat();
        let env = files_env(&dir, &config, credentials, &vars);
        let chain = sts_blocking::DefaultChain::new(env);
        let c = chain
            .provide_credentials()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(c.access_key_id, "ASIAROLE", "{what}");
        let r = fake.requests().pop().unwrap();
        assert_eq!(r.param("Action").as_deref(), Some("AssumeRole"));
        assert_eq!(signer(&r).as_deref(), Some("AKIDBASE"));
        assert_eq!(scope_region(&r).as_deref(), Some("eu-north-1"), "{what}");
    }
    assert_eq!(fake.count(), 2);
}

const CHILD: &str = "STS_TEST_CHILD";

/// Runs the test `entry` of this binary alone in a child process whose environment is `vars` and
/// `PATH` only: the way to test what reads the process environment itself.
fn in_child(entry: &str, vars: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(std::env::current_exe().unwrap());
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env(CHILD, "1")
        .envs(vars.iter().copied())
        .args([entry, "--exact", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap()
}

/// The child of `providers_without_a_client_follow_the_environment` (a no-op in the suite):
/// role and web identity providers built with no client, asked once.
#[test]
fn child_providers_without_a_client() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let role = AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/deploy")
        .source(Arc::new(Credentials::new("AKIDSRC", "src-secret", None)))
        .build()
        .unwrap();
    assert_eq!(
        role.provide_credentials().unwrap().access_key_id,
        "ASIAENV1"
    );
    let token = std::env::var("TEST_TOKEN_FILE").unwrap();
    let web = WebIdentityProvider::builder("arn:aws:iam::123456789012:role/ci", token)
        .build()
        .unwrap();
    assert_eq!(web.provide_credentials().unwrap().access_key_id, "ASIAENV2");
}

/// `AssumeRoleProvider` and `WebIdentityProvider` given no client build theirs from the
/// environment's settings, as `Sts::from_env` does: `AWS_ENDPOINT_URL_STS` and `AWS_REGION` are
/// followed (before, they went to the real `sts.us-east-1.amazonaws.com`).
#[test]
fn providers_without_a_client_follow_the_environment() {
    let fake = FakeSts::start(Reply::xml(500, "only two calls"));
    fake.push([
        assumed("AssumeRole", "ASIAENV1", 3600),
        assumed("AssumeRoleWithWebIdentity", "ASIAENV2", 3600),
    ]);
    let dir = temp_dir("childenv");
    let token = dir.join("token.jwt");
    std::fs::write(&token, "eyJ.token.sig").unwrap();
    let url = fake.url();
    let out = in_child(
        "child_providers_without_a_client",
        &[
            ("HOME", dir.to_str().unwrap()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ENDPOINT_URL_STS", &url),
            ("AWS_REGION", "eu-west-3"),
            ("AWS_MAX_ATTEMPTS", "1"),
            ("TEST_TOKEN_FILE", token.to_str().unwrap()),
        ],
    );
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(scope_region(&reqs[0]).as_deref(), Some("eu-west-3"));
    assert_eq!(signer(&reqs[0]).as_deref(), Some("AKIDSRC"));
}
