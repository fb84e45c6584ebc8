//! `ScopedProvider` against a fake STS of its own (`fake_scoped/`: moto has no
//! GetScopedCredentials) that verifies every SigV4 signature and records host, region, action
//! and parameters: long-term keys get a GetSessionToken session first and never reach
//! GetScopedCredentials, the call goes to the regional host (seen through a CONNECT proxy, over
//! TLS with the real host names), the policy arrives as given, and bad input is refused before
//! anything is sent.
#![cfg(feature = "client")]

mod fake_scoped;

use fake_scoped::{
    FakeScopedSts, LONG_TERM_ID, LONG_TERM_SECRET, PARENT_ID, PARENT_SECRET, PARENT_TOKEN,
    regional_tls,
};
use std::sync::Arc;
use sts_blocking::client::ProxySetting;
use sts_blocking::credentials::ScopedProvider;
use sts_blocking::{Credentials, Error, ProvideCredentials, SecretString, Sts};

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#;

fn long_term() -> Arc<dyn ProvideCredentials> {
    Arc::new(Credentials::new(LONG_TERM_ID, LONG_TERM_SECRET, None).with_account_id("123456789012"))
}

fn parent_session() -> Arc<dyn ProvideCredentials> {
    Arc::new(Credentials::new(
        PARENT_ID,
        PARENT_SECRET,
        Some(SecretString::new(PARENT_TOKEN)),
    ))
}

fn plain(fake: &FakeScopedSts) -> Sts {
    Sts::builder()
        .region("eu-west-1")
        .endpoint_url(fake.url())
        .proxy(ProxySetting::Disabled)
        .max_attempts(1)
        .build()
        .unwrap()
}

#[test]
fn long_term_keys_get_a_session_first_and_never_reach_the_scoped_call() {
    let fake = FakeScopedSts::start();
    let p = ScopedProvider::builder(long_term(), plain(&fake))
        .policy(POLICY)
        .description("sts exec: terraform")
        .duration_seconds(900)
        .build()
        .unwrap();
    let c = p.provide_credentials().unwrap();
    assert_eq!(c.access_key_id, "ASIAFAKESCOPED2");
    assert_eq!(c.account_id.as_deref(), Some("123456789012"));
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.violation.is_none()), "{calls:?}");
    assert_eq!(
        (calls[0].action.as_str(), calls[0].access_key.as_str()),
        ("GetSessionToken", LONG_TERM_ID)
    );
    assert_eq!(
        (calls[1].action.as_str(), calls[1].access_key.as_str()),
        ("GetScopedCredentials", "ASIAFAKESESSION1")
    );
    assert_eq!(calls[1].param("Policy"), Some(POLICY));
    assert_eq!(
        calls[1].param("ScopedSessionDescription"),
        Some("sts exec: terraform")
    );
    assert_eq!(calls[1].param("DurationSeconds"), Some("900"));
    assert_eq!(calls[1].region, "eu-west-1");
    // A refresh scopes again (and a new session is made of the long-term keys).
    p.invalidate();
    assert_eq!(
        p.provide_credentials().unwrap().access_key_id,
        "ASIAFAKESCOPED4"
    );
    let calls = fake.calls();
    assert!(
        calls
            .iter()
            .filter(|c| c.action == "GetScopedCredentials")
            .all(|c| c.access_key.starts_with("ASIA"))
    );
    // Debug shows no secret.
    let shown = format!("{p:?}");
    assert!(!shown.contains("marker"), "{shown}");
}

#[test]
fn a_session_is_scoped_as_it_is() {
    let fake = FakeScopedSts::start();
    let p = ScopedProvider::builder(parent_session(), plain(&fake))
        .build()
        .unwrap();
    p.provide_credentials().unwrap();
    let calls = fake.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].access_key, PARENT_ID);
    assert!(calls[0].violation.is_none(), "{calls:?}");
    // No member but the action: the parent's expiry is inherited.
    assert_eq!(calls[0].param("Policy"), None);
    assert_eq!(calls[0].param("DurationSeconds"), None);
}

/// Over TLS with the real host names, through a proxy that records the host asked for.
#[test]
fn the_call_goes_to_the_regional_host() {
    let fake = FakeScopedSts::start();
    let sts = Sts::builder()
        .region("eu-west-1")
        .use_global_endpoint(false)
        .ca_bundle(regional_tls("ca.pem"))
        .proxy(ProxySetting::Url {
            url: fake.proxy_url(),
            no_proxy: None,
        })
        .max_attempts(1)
        .build()
        .unwrap();
    let p = ScopedProvider::builder(long_term(), sts)
        .policy(POLICY)
        .build()
        .unwrap();
    p.provide_credentials().unwrap();
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    for c in &calls {
        assert_eq!(c.host, "sts.eu-west-1.amazonaws.com", "{c:?}");
        assert_eq!(c.region, "eu-west-1");
        assert!(c.violation.is_none(), "{c:?}");
    }
    assert!(
        fake.connects()
            .iter()
            .all(|t| t == "sts.eu-west-1.amazonaws.com:443"),
        "{:?}",
        fake.connects()
    );
    // A client of the global endpoint is refused before anything is sent.
    for sts in [
        Sts::builder().region("us-east-1").use_global_endpoint(true),
        Sts::builder(),
    ] {
        let e = ScopedProvider::builder(long_term(), sts.build().unwrap())
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e:?}");
        assert!(e.to_string().contains("global endpoint"), "{e}");
    }
    assert_eq!(fake.calls().len(), 2);
}

#[test]
fn bad_scopes_are_refused_before_sending() {
    let fake = FakeScopedSts::start();
    let long_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{}"}}]}}"#,
        "a".repeat(2048)
    );
    for (b, field) in [
        (
            ScopedProvider::builder(long_term(), plain(&fake)).policy("not json"),
            "Policy",
        ),
        (
            ScopedProvider::builder(long_term(), plain(&fake)).policy("[1]"),
            "Policy",
        ),
        (
            ScopedProvider::builder(long_term(), plain(&fake)).policy(long_policy),
            "Policy",
        ),
        (
            ScopedProvider::builder(long_term(), plain(&fake)).description("x"),
            "ScopedSessionDescription",
        ),
        (
            ScopedProvider::builder(long_term(), plain(&fake)).description("x".repeat(257)),
            "ScopedSessionDescription",
        ),
        (
            ScopedProvider::builder(long_term(), plain(&fake)).duration_seconds(0),
            "DurationSeconds",
        ),
        (
            ScopedProvider::builder(long_term(), plain(&fake)).duration_seconds(129_601),
            "DurationSeconds",
        ),
    ] {
        let e = b.build().unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        assert_eq!(e.violations()[0].field, field, "{e}");
    }
    assert!(fake.calls().is_empty());
    // What STS refuses is an error naming the call, never holding a secret.
    let bad_parent: Arc<dyn ProvideCredentials> = Arc::new(Credentials::new(
        "AKIAUNKNOWN",
        "marker-unknown-secret",
        None,
    ));
    let e = ScopedProvider::builder(bad_parent, plain(&fake))
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap_err();
    assert!(e.to_string().contains("GetSessionToken failed"), "{e}");
    assert!(!format!("{e} {e:?}").contains("marker"), "{e:?}");
}
