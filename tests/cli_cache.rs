//! The AWS CLI's credential cache (`~/.aws/cli/cache`), end to end against the loopback fake STS:
//! an MFA role profile prompts once across "runs" (fresh settings and chains), entries are written
//! atomically with mode 0600 in the CLI's format, entries the CLI wrote are used, stale and corrupt
//! ones are replaced, and the library providers' `file_cache` option.
#![cfg(feature = "client")]

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use sts_blocking::__private::credentials::cli_cache::{self, CliCache};
use sts_blocking::__private::credentials::mfa::mfa_provider;
use sts_blocking::credentials::{AssumeRoleProvider, Env, RoleHop, WebIdentityProvider};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Credentials, ProvideCredentials, Sts};
use support::{FakeSts, Reply, success};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-clicache-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

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

const ROLE: &str = "arn:aws:iam::123456789012:role/mfa-role";
const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

fn mfa_env(dir: &Path, fake: &FakeSts) -> Env {
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile mfa]\nrole_arn = {ROLE}\nsource_profile = base\nmfa_serial = {SERIAL}\n\
             [profile base]\nregion = us-east-1\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    )
    .unwrap();
    Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").to_str().unwrap(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_PROFILE", "mfa"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", &fake.url()),
    ])
}

fn hop() -> RoleHop {
    let mut h = RoleHop::new("mfa", ROLE);
    h.mfa_serial = Some(SERIAL.into());
    h
}

/// One `sts` run: settings loaded from scratch, the CLI cache on, an MFA callback that counts.
fn run_once(env: &Env, prompts: &Arc<AtomicUsize>) -> Result<Credentials, sts_blocking::Error> {
    let mut settings = Settings::load(env, &Overrides::default()).unwrap();
    settings.credential_cache = CliCache::from_env(env);
    let p = prompts.clone();
    let mfa = mfa_provider(move |_| {
        p.fetch_add(1, Ordering::SeqCst);
        Ok("123456".to_owned())
    });
    settings
        .sts_builder_with_mfa(Some(mfa))
        .build()
        .unwrap()
        .resolve_credentials()
}

fn cache_file(dir: &Path) -> PathBuf {
    dir.join(".aws/cli/cache")
        .join(format!("{}.json", cli_cache::role_hop_cache_key(&hop())))
}

#[test]
fn mfa_role_prompts_once_across_runs() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIASECOND", 3600));
    fake.push([assumed("AssumeRole", "ASIAFIRST", 3600)]);
    let dir = temp_dir("mfa");
    let env = mfa_env(&dir, &fake);
    let prompts = Arc::new(AtomicUsize::new(0));
    let first = run_once(&env, &prompts).unwrap();
    let second = run_once(&env, &prompts).unwrap();
    assert_eq!(first.access_key_id, "ASIAFIRST");
    // The second run reads the cache (whole seconds, as the CLI writes them).
    assert_eq!(second.access_key_id, first.access_key_id);
    assert_eq!(second.session_token, first.session_token);
    assert_eq!(second.account_id, first.account_id);
    assert_eq!(
        second.expiration.map(|e| e.unix_timestamp()),
        first.expiration.map(|e| e.unix_timestamp())
    );
    assert_eq!(prompts.load(Ordering::SeqCst), 1);
    assert_eq!(fake.count(), 1);
    let reqs = fake.requests();
    assert_eq!(reqs[0].param("SerialNumber").as_deref(), Some(SERIAL));
    // The entry: the CLI's file, 0600, the CLI's shape.
    let path = cache_file(&dir);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("{\"Credentials\": {\"AccessKeyId\": \"ASIAFIRST\""),
        "{text}"
    );
    assert!(
        text.contains("UTC\", \"AccountId\": \"123456789012\"}"),
        "{text}"
    );
    assert!(text.contains("\"AssumedRoleUser\": {\"AssumedRoleId\": \"AROA:s\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Off (the library default): every run calls STS and prompts.
    let settings = Settings::load(&env, &Overrides::default()).unwrap();
    assert!(settings.credential_cache.is_none());
    let c = settings
        .sts_builder_with_mfa(Some(mfa_provider(|_| Ok("654321".into()))))
        .build()
        .unwrap()
        .resolve_credentials()
        .unwrap();
    assert_eq!(c.access_key_id, "ASIASECOND");
    assert_eq!(fake.count(), 2);
}

#[test]
fn uses_an_entry_in_the_clis_own_form() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIAFROMSTS", 3600));
    let dir = temp_dir("cliform");
    let env = mfa_env(&dir, &fake);
    let path = cache_file(&dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let exp = OffsetDateTime::now_utc() + time::Duration::hours(1);
    // As botocore writes it: json.dumps of the parsed response, `%Z` => UTC, ResponseMetadata kept.
    let entry = format!(
        "{{\"Credentials\": {{\"AccessKeyId\": \"ASIACLI\", \"SecretAccessKey\": \"cli-secret\", \
         \"SessionToken\": \"cli-token\", \"Expiration\": \"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}UTC\", \
         \"AccountId\": \"210987654321\"}}, \"AssumedRoleUser\": {{\"AssumedRoleId\": \"AROA:botocore\", \
         \"Arn\": \"arn:aws:sts::210987654321:assumed-role/mfa-role/botocore-session-1\"}}, \
         \"ResponseMetadata\": {{\"RequestId\": \"r\", \"HTTPStatusCode\": 200, \"HTTPHeaders\": {{}}, \
         \"RetryAttempts\": 0}}}}",
        exp.year(),
        u8::from(exp.month()),
        exp.day(),
        exp.hour(),
        exp.minute(),
        exp.second()
    );
    std::fs::write(&path, entry).unwrap();
    let prompts = Arc::new(AtomicUsize::new(0));
    let c = run_once(&env, &prompts).unwrap();
    assert_eq!(c.access_key_id, "ASIACLI");
    assert_eq!(c.secret_access_key.expose(), "cli-secret");
    assert_eq!(c.account_id.as_deref(), Some("210987654321"));
    assert_eq!(
        c.expiration.map(|e| e.unix_timestamp()),
        Some(exp.unix_timestamp())
    );
    assert_eq!(prompts.load(Ordering::SeqCst), 0);
    assert_eq!(fake.count(), 0);
}

#[test]
fn stale_and_corrupt_entries_are_replaced() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIANEW", 3600));
    let dir = temp_dir("stale");
    let env = mfa_env(&dir, &fake);
    let path = cache_file(&dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let prompts = Arc::new(AtomicUsize::new(0));
    // Ten minutes left: inside the CLI's 15-minute window, so not used.
    let soon = Credentials::new("ASIASOON", "s", Some("t".into()))
        .with_expiration(OffsetDateTime::now_utc() + time::Duration::minutes(10));
    let stale = cli_cache::assume_role_entry(&soon, None).unwrap();
    for bad in [
        stale.expose().to_owned(),
        "{\"Credentials\": {\"AccessKeyId\": ".to_owned(),
        "\u{0}\u{1}binary".to_owned(),
        " ".repeat(300 * 1024),
    ] {
        std::fs::write(&path, &bad).unwrap();
        let c = run_once(&env, &prompts).unwrap();
        assert_eq!(c.access_key_id, "ASIANEW");
        let now = std::fs::read_to_string(&path).unwrap();
        assert!(now.contains("ASIANEW"), "replaced: {now}");
    }
    assert_eq!(prompts.load(Ordering::SeqCst), 4);
    // A directory where the entry should be: a miss, and the write fails quietly.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    assert_eq!(run_once(&env, &prompts).unwrap().access_key_id, "ASIANEW");
}

#[test]
fn assume_role_provider_file_cache() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIALIB2", 3600));
    fake.push([assumed("AssumeRole", "ASIALIB1", 3600)]);
    let dir = temp_dir("lib");
    let cache = CliCache::new(dir.join("cache"));
    let source_calls = Arc::new(AtomicUsize::new(0));
    #[derive(Debug)]
    struct Counting(Arc<AtomicUsize>);
    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> Result<Credentials, sts_blocking::Error> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(Credentials::new("AKIDSRC", "src-secret", None))
        }
    }
    let build = |with_cache: bool| {
        let mut b = AssumeRoleProvider::builder(ROLE)
            .source(Arc::new(Counting(source_calls.clone())))
            .external_id("ext")
            .policy("{\"Version\": \"2012-10-17\", \"Statement\": []}")
            .endpoint_url(fake.url());
        if with_cache {
            b = b.file_cache(cache.clone());
        }
        b.build().unwrap()
    };
    assert_eq!(
        build(true).provide_credentials().unwrap().access_key_id,
        "ASIALIB1"
    );
    // A second provider (another process) finds the session without calling STS or the source.
    assert_eq!(
        build(true).provide_credentials().unwrap().access_key_id,
        "ASIALIB1"
    );
    assert_eq!(fake.count(), 1);
    assert_eq!(source_calls.load(Ordering::SeqCst), 1);
    // The key is the CLI's: RoleArn, ExternalId, Policy (sorted); no generated session name.
    let args = sts_blocking::json::parse(&format!(
        "{{\"RoleArn\": \"{ROLE}\", \"ExternalId\": \"ext\", \
         \"Policy\": \"{{\\\"Version\\\": \\\"2012-10-17\\\", \\\"Statement\\\": []}}\"}}"
    ))
    .unwrap();
    let key = cli_cache::cache_key(&args).unwrap();
    assert!(cache.dir().join(format!("{key}.json")).is_file());
    // Without the option nothing is read.
    assert_eq!(
        build(false).provide_credentials().unwrap().access_key_id,
        "ASIALIB2"
    );
}

#[test]
fn web_identity_sessions_are_shared() {
    let fake = FakeSts::start(assumed("AssumeRoleWithWebIdentity", "ASIAWEB2", 3600));
    fake.push([assumed("AssumeRoleWithWebIdentity", "ASIAWEB1", 3600)]);
    let dir = temp_dir("web");
    let token = dir.join("token.jwt");
    std::fs::write(&token, "eyJ.token.sig").unwrap();
    let cache = CliCache::new(dir.join("cache"));
    let build = || {
        WebIdentityProvider::builder(ROLE, &token)
            .session_name("ci")
            .endpoint_url(fake.url())
            .file_cache(cache.clone())
            .build()
            .unwrap()
    };
    assert_eq!(
        build().provide_credentials().unwrap().access_key_id,
        "ASIAWEB1"
    );
    assert_eq!(
        build().provide_credentials().unwrap().access_key_id,
        "ASIAWEB1"
    );
    assert_eq!(fake.count(), 1);
    let key = cli_cache::web_identity_cache_key(ROLE, Some("ci"));
    let text = std::fs::read_to_string(cache.dir().join(format!("{key}.json"))).unwrap();
    assert!(!text.contains("eyJ.token.sig"), "the token is never cached");
    // Through the profile chain (StsRoleAssumer) with the same key.
    std::fs::write(
        dir.join("config"),
        format!(
            "[default]\nrole_arn = {ROLE}\nweb_identity_token_file = {}\nrole_session_name = ci\n",
            token.display()
        ),
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", &fake.url()),
    ]);
    std::fs::create_dir_all(dir.join(".aws/cli")).unwrap();
    std::fs::rename(cache.dir(), dir.join(".aws/cli/cache")).unwrap();
    let mut settings = Settings::load(&env, &Overrides::default()).unwrap();
    settings.credential_cache = CliCache::from_env(&env);
    let sts: Sts = settings.sts_builder().build().unwrap();
    assert_eq!(sts.resolve_credentials().unwrap().access_key_id, "ASIAWEB1");
    assert_eq!(fake.count(), 1);
}

/// A cached session of the chain's last role makes the source unnecessary: a failing
/// `credential_process` source is never run, and nothing is prompted.
#[test]
fn a_cached_role_skips_its_source() {
    let fake = FakeSts::start(Reply::xml(500, "must not be called"));
    let dir = temp_dir("skip");
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile top]\nrole_arn = {ROLE}\nsource_profile = mid\nmfa_serial = {SERIAL}\n\
             [profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n\
             [profile base]\ncredential_process = sh -c 'exit 3'\n"
        ),
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_PROFILE", "top"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", &fake.url()),
    ]);
    let mut top = hop();
    top.profile = "top".into();
    let c = Credentials::new("ASIATOP", "s", Some("t".into()))
        .with_expiration(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let cache = CliCache::from_env(&env).unwrap();
    cli_cache::store(
        &cache,
        &cli_cache::role_hop_cache_key(&top),
        &cli_cache::assume_role_entry(&c, None).unwrap(),
    )
    .unwrap();
    let prompts = Arc::new(AtomicUsize::new(0));
    assert_eq!(run_once(&env, &prompts).unwrap().access_key_id, "ASIATOP");
    assert_eq!(prompts.load(Ordering::SeqCst), 0);
    assert_eq!(fake.count(), 0);
    // Without the entry the source runs (and fails).
    std::fs::remove_dir_all(cache.dir()).unwrap();
    let e = run_once(&env, &prompts).unwrap_err().to_string();
    assert!(e.contains("exit"), "{e}");
}

/// `Settings::role_duration_seconds` (`sts exec --duration-seconds` for a role profile): the
/// profile's own role is assumed for that long, earlier roles of its chain keep theirs, and the
/// session is cached under the key botocore gives a profile with `duration_seconds` = that value:
/// each duration is an entry of its own, and a run with the same duration reuses it.
#[test]
fn a_role_duration_override_is_sent_and_keyed_as_the_cli_keys_it() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIAROLE", 3600));
    let dir = temp_dir("duration");
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile top]\nrole_arn = {ROLE}\nsource_profile = mid\n\
             [profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n\
             duration_seconds = 1000\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").to_str().unwrap(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_PROFILE", "top"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", &fake.url()),
    ]);
    let resolve = |duration: Option<u32>| {
        let mut settings = Settings::load(&env, &Overrides::default()).unwrap();
        settings.credential_cache = CliCache::from_env(&env);
        settings.role_duration_seconds = duration;
        settings
            .sts_builder()
            .build()
            .unwrap()
            .resolve_credentials()
    };
    let durations = |from: usize| -> Vec<(String, Option<String>)> {
        fake.requests()[from..]
            .iter()
            .map(|r| {
                let arn = r.param("RoleArn").unwrap_or_default();
                (
                    arn.rsplit('/').next().unwrap_or("").to_owned(),
                    r.param("DurationSeconds"),
                )
            })
            .collect()
    };
    resolve(Some(1800)).unwrap();
    assert_eq!(
        durations(0),
        [
            ("mid".to_owned(), Some("1000".to_owned())),
            ("mfa-role".to_owned(), Some("1800".to_owned()))
        ]
    );
    let top = |d: Option<u32>| {
        let mut h = hop();
        h.profile = "top".into();
        h.mfa_serial = None;
        h.duration_seconds = d;
        h
    };
    let cache = CliCache::from_env(&env).unwrap();
    let entry = |d: Option<u32>| {
        cache
            .dir()
            .join(format!("{}.json", cli_cache::role_hop_cache_key(&top(d))))
    };
    assert!(entry(Some(1800)).is_file());
    assert!(!entry(None).exists());
    // The profile's own duration (none): another entry, another call without DurationSeconds.
    resolve(None).unwrap();
    assert_eq!(durations(2).last().unwrap(), &("mfa-role".to_owned(), None));
    assert!(entry(None).is_file());
    // 1800 again: from its entry, no call at all.
    let n = fake.count();
    resolve(Some(1800)).unwrap();
    assert_eq!(fake.count(), n);
}

/// The providers above STS read the wall clock through their `clock` (the one clock of the
/// credential providers): a session in the CLI cache that expired in 2020 is fresh for a provider
/// whose clock reads 2020, and stale (STS is called) for one on the system clock.
#[test]
fn cached_sessions_are_fresh_by_the_providers_clock() {
    let fake = FakeSts::start(assumed("AssumeRole", "ASIANOW", 3600));
    let dir = temp_dir("clock");
    let env = mfa_env(&dir, &fake);
    let then = OffsetDateTime::from_unix_timestamp(1_577_836_800).unwrap(); // 2020-01-01T00:00Z
    let clock: sts_blocking::credentials::Clock = Arc::new(move || then);
    let old = Credentials::new("ASIA2020", "s", Some("t".into()))
        .with_expiration(then + time::Duration::hours(1));
    let entry = cli_cache::assume_role_entry(&old, None).unwrap();
    let cache = CliCache::from_env(&env).unwrap();
    // The profile chain's role hop (StsRoleAssumer).
    cli_cache::store(&cache, &cli_cache::role_hop_cache_key(&hop()), &entry).unwrap();
    let settings = Settings::load(&env, &Overrides::default()).unwrap();
    let assumer = |clock: Option<sts_blocking::credentials::Clock>| {
        let a = settings.role_assumer(None).cli_cache(Some(cache.clone()));
        let a = match clock {
            Some(c) => a.clock(c),
            None => a,
        };
        sts_blocking::DefaultChain::builder(env.clone())
            .role_assumer(Some(Arc::new(a)))
            .build()
    };
    assert_eq!(
        assumer(Some(clock.clone()))
            .provide_credentials()
            .unwrap()
            .access_key_id,
        "ASIA2020"
    );
    assert_eq!(fake.count(), 0);
    // On the system clock the entry is stale: STS is asked (after the MFA prompt, which fails here).
    assert!(assumer(None).provide_credentials().is_err());
    // AssumeRoleProvider with the AWS CLI cache.
    let args = sts_blocking::json::parse(&format!("{{\"RoleArn\": \"{ROLE}\"}}")).unwrap();
    cli_cache::store(&cache, &cli_cache::cache_key(&args).unwrap(), &entry).unwrap();
    let provider = |clock: Option<sts_blocking::credentials::Clock>| {
        let b = AssumeRoleProvider::builder(ROLE)
            .source(Arc::new(Credentials::new("AKIDSRC", "src-secret", None)))
            .endpoint_url(fake.url())
            .file_cache(cache.clone());
        match clock {
            Some(c) => b.clock(c),
            None => b,
        }
        .build()
        .unwrap()
    };
    let at_2020 = provider(Some(clock));
    assert_eq!(
        at_2020.provide_credentials().unwrap().access_key_id,
        "ASIA2020"
    );
    // The in-memory cache keeps them by the same clock.
    assert_eq!(
        at_2020.provide_credentials().unwrap().access_key_id,
        "ASIA2020"
    );
    assert_eq!(fake.count(), 0);
    assert_eq!(
        provider(None).provide_credentials().unwrap().access_key_id,
        "ASIANOW"
    );
    assert_eq!(fake.count(), 1);
}
