//! Account ids on `Credentials` from every source that has one, and in `sts whoami`. (The login
//! cache, SSO, the CLI cache and assumed roles are pinned in their own test files.)
#![cfg(feature = "client")]

mod support;

use sts_blocking::ProvideCredentials;
use sts_blocking::credentials::DefaultChain;
use sts_blocking::credentials::{Env, EnvironmentProvider};

#[test]
fn environment_and_profile_account_ids() {
    let env = Env::from_map([
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_ACCOUNT_ID", " 111122223333 "),
    ]);
    let c = EnvironmentProvider::new(env).provide_credentials().unwrap();
    assert_eq!(c.account_id.as_deref(), Some("111122223333"));
    let env = Env::from_map([
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ]);
    assert_eq!(
        EnvironmentProvider::new(env)
            .provide_credentials()
            .unwrap()
            .account_id,
        None
    );

    let dir = std::env::temp_dir().join(format!("sts-account-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config"),
        "[default]\naws_access_key_id = AKID\naws_secret_access_key = s\naws_account_id = 444455556666\n",
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let c = DefaultChain::new(env).provide_credentials().unwrap();
    assert_eq!(c.account_id.as_deref(), Some("444455556666"));
}
