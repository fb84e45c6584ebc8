//! The chain's key-store hook ([`KeyStore`]): a profile the store holds gets its long-term keys
//! from it, before the other sources of the same profile, and as a `source_profile` of role
//! chains; the store is asked for keys only when they are needed.
#![cfg(feature = "client")]

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use sts_blocking::credentials::{DefaultChain, Env, KeyStore, ProfileSet, Section};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Credentials, Error, ProvideCredentials};
use support::{FakeSts, Reply, caller_identity, success};

/// A store holding `names`, every one with the keys `AKIDSTORED` / `stored-secret`, counting the
/// calls; `broken` makes `profiles` fail.
#[derive(Debug, Default)]
struct Counting {
    names: Vec<String>,
    broken: bool,
    listed: AtomicUsize,
    read: AtomicUsize,
}

impl Counting {
    fn holding(names: &[&str]) -> Arc<Self> {
        Arc::new(Self {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            ..Self::default()
        })
    }
}

impl KeyStore for Counting {
    fn profiles(&self) -> Result<Vec<String>, Error> {
        self.listed.fetch_add(1, Ordering::SeqCst);
        if self.broken {
            return Err(Error::config("the key store file is corrupted"));
        }
        Ok(self.names.clone())
    }

    fn keys(&self, profile: &str) -> Result<Credentials, Error> {
        self.read.fetch_add(1, Ordering::SeqCst);
        assert!(self.names.iter().any(|n| n == profile), "{profile}");
        Ok(Credentials::new("AKIDSTORED", "stored-secret", None))
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-keystore-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An environment with HOME at `dir` and the two files written there, IMDS off.
fn files_env(dir: &Path, config: &str, credentials: &str) -> Env {
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("credentials"), credentials).unwrap();
    Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").to_str().unwrap(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ])
}

/// The default chain for `profile` (through `AWS_PROFILE`) with `store`.
fn chain(env: &Env, profile: &str, store: Option<Arc<dyn KeyStore>>) -> DefaultChain {
    let env = Env::from_map(
        [
            "HOME",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_EC2_METADATA_DISABLED",
        ]
        .map(|k| (k.to_owned(), env.get(k).unwrap()))
        .into_iter()
        .chain([("AWS_PROFILE".to_owned(), profile.to_owned())]),
    );
    DefaultChain::builder(env).key_store(store).build()
}

#[test]
fn stored_keys_come_before_credential_process_and_file_keys_of_the_same_profile() {
    let dir = temp_dir("first");
    // If credential_process ran, the chain would fail (no such program); the credentials file's
    // keys would give AKIDFILE.
    let env = files_env(
        &dir,
        "[profile p]\ncredential_process = /nonexistent/sts export-credentials --profile p\n",
        "[p]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n",
    );
    let store = Counting::holding(&["p"]);
    let c = chain(&env, "p", Some(store.clone()));
    let creds = c.provide_credentials().unwrap();
    assert_eq!(creds.access_key_id, "AKIDSTORED");
    assert_eq!(creds.secret_access_key.expose(), "stored-secret");
    assert_eq!(c.source_name(), "profile:p (key store)");
    assert_eq!(store.read.load(Ordering::SeqCst), 1);
}

#[test]
fn profiles_the_store_does_not_hold_never_read_it() {
    let dir = temp_dir("other");
    let env = files_env(
        &dir,
        "",
        "[plain]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n",
    );
    let store = Counting::holding(&["someone-else"]);
    let c = chain(&env, "plain", Some(store.clone()));
    assert_eq!(c.provide_credentials().unwrap().access_key_id, "AKIDFILE");
    assert_eq!(c.source_name(), "profile:plain");
    // Listed (cheap, no unlock), never read.
    assert_eq!(store.listed.load(Ordering::SeqCst), 1);
    assert_eq!(store.read.load(Ordering::SeqCst), 0);
}

#[test]
fn a_store_that_cannot_be_read_stops_the_chain() {
    let dir = temp_dir("broken");
    let env = files_env(&dir, "[profile p]\nregion = eu-west-1\n", "");
    let store = Arc::new(Counting {
        names: vec!["p".into()],
        broken: true,
        ..Counting::default()
    });
    let e = chain(&env, "p", Some(store.clone()))
        .provide_credentials()
        .unwrap_err();
    assert!(!e.is_no_credentials(), "{e}");
    assert!(format!("{e:#}").contains("corrupted"), "{e:#}");
    assert_eq!(store.read.load(Ordering::SeqCst), 0);
}

#[test]
fn a_profile_marked_as_stored_without_a_store_is_a_clear_error() {
    let set = ProfileSet::from_sections(vec![Section::new("p", [("region", "x")])], vec![], "p")
        .with_stored_keys(["p".to_owned()]);
    assert!(set.has_stored_keys("p") && !set.has_stored_keys("q"));
    let env = Env::from_map([
        ("HOME", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let e = DefaultChain::builder(env)
        .profiles(Arc::new(set))
        .build()
        .provide_credentials()
        .unwrap_err();
    assert!(format!("{e:#}").contains("key store"), "{e:#}");
}

/// An AssumeRole success.
fn assumed() -> Reply {
    Reply::xml(
        200,
        success(
            "AssumeRole",
            "<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>\
             <SessionToken>role-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
             <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>",
        ),
    )
}

/// The access key id a recorded request was signed with.
fn signer(r: &support::Recorded) -> String {
    let auth = r.header("authorization").unwrap();
    let cred = auth.split("Credential=").nth(1).unwrap();
    cred.split('/').next().unwrap().to_owned()
}

/// The settings of `profile` in `env`, with `store`, talking to `fake`.
fn role_settings(env: &Env, profile: &str, store: Arc<Counting>) -> Settings {
    let mut s = Settings::load(env, &Overrides::default().profile(profile)).unwrap();
    s.key_store = Some(store);
    s
}

#[test]
fn source_profile_chains_over_a_stored_profile_assume_the_role_with_its_keys() {
    let fake = FakeSts::start(caller_identity());
    fake.push([assumed(), assumed()]);
    let dir = temp_dir("chain");
    let config = format!(
        "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n\
         region = us-east-1\nendpoint_url = {url}\n\
         [profile base]\nregion = us-east-1\n\
         [profile self]\nrole_arn = arn:aws:iam::123456789012:role/self\nsource_profile = self\n\
         region = us-east-1\nendpoint_url = {url}\n",
        url = fake.url()
    );
    let env = files_env(&dir, &config, "");
    for (profile, held) in [("app", "base"), ("self", "self")] {
        let store = Counting::holding(&[held]);
        let s = role_settings(&env, profile, store.clone());
        let creds = s.credentials_provider(None).provide_credentials().unwrap();
        assert_eq!(creds.access_key_id, "ASIAROLE", "{profile}");
        assert_eq!(store.read.load(Ordering::SeqCst), 1, "{profile}");
    }
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.param("Action").as_deref(), Some("AssumeRole"));
        assert_eq!(signer(r), "AKIDSTORED");
    }
}
