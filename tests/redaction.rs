//! No secret reaches a log record (of this crate's own targets, at any level), a `Debug` of a public
//! type or an error's `Display`. Every operation and the error paths run with marker secrets.
//!
//! ureq's own TRACE log is wire-level and not redacted; that is documented, and this test captures
//! only the `sts_blocking` targets.
#![cfg(feature = "client")]

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use sts_blocking::ops::*;
use sts_blocking::retry::RetryConfig;
use sts_blocking::{Credentials, Error, SecretString, Sts};
use support::{FakeSts, Reply, error_body, success};

const MARKERS: [&str; 9] = [
    "MARKERsecretkey",
    "MARKERsessiontoken",
    "MARKERwebidentity",
    "MARKERsamlassertion",
    "MARKERtradein",
    "MARKERcontextassertion",
    "MARKERreturnedsecret",
    "MARKERreturnedtoken",
    "MARKERjwt",
];

struct Capture(Arc<Mutex<Vec<String>>>);

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target().starts_with("sts_blocking")
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {} {}", r.level(), r.target(), r.args()));
        }
    }
    fn flush(&self) {}
}

fn captured() -> &'static Arc<Mutex<Vec<String>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<String>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        log::set_boxed_logger(Box::new(Capture(logs.clone()))).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        logs
    })
}

fn assert_clean(what: &str, text: &str) {
    for m in MARKERS {
        assert!(!text.contains(m), "{what} leaks {m}: {text}");
    }
}

const CREDS: &str = "<Credentials><AccessKeyId>ASIAMARKEREXAMPLE01</AccessKeyId>\
    <SecretAccessKey>MARKERreturnedsecret</SecretAccessKey>\
    <SessionToken>MARKERreturnedtoken</SessionToken>\
    <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>";

fn reply(action: &str, extra: &str) -> Reply {
    Reply::xml(200, success(action, &format!("{CREDS}{extra}")))
}

#[test]
fn markers_never_leak() {
    let logs = captured();
    let fake = FakeSts::start(Reply::xml(500, ""));
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "MARKERsecretkey",
            Some(SecretString::new("MARKERsessiontoken")),
        ))
        .retry_config(RetryConfig::standard().base_backoff(Duration::from_millis(1)))
        .on_attempt(|a| {
            assert_clean("attempt record", &format!("{a:?}"));
        })
        .build()
        .unwrap();
    let mut seen = Vec::new();
    let role = "arn:aws:iam::123456789012:role/demo";
    let origin = "<TrustedIdentityPropagationContext><OriginIdentity><Subject>MARKERjwt</Subject>\
                  </OriginIdentity></TrustedIdentityPropagationContext>";

    fake.push([reply("AssumeRole", "")]);
    let op = AssumeRole::new(role, "s1").provided_contexts(vec![ProvidedContext::new(
        "arn:aws:iam::aws:contextProvider/IdentityCenter",
        "MARKERcontextassertion",
    )]);
    seen.push(format!("{op:?} {:?}", sts.assume_role(&op).unwrap()));

    fake.push([reply("AssumeRoleWithSAML", origin)]);
    let op = AssumeRoleWithSaml::new(
        role,
        "arn:aws:iam::123456789012:saml-provider/x",
        "MARKERsamlassertion",
    );
    seen.push(format!(
        "{op:?} {:?}",
        sts.assume_role_with_saml(&op).unwrap()
    ));

    fake.push([reply("AssumeRoleWithWebIdentity", origin)]);
    let op = AssumeRoleWithWebIdentity::new(role, "s1", "MARKERwebidentity");
    seen.push(format!(
        "{op:?} {:?}",
        sts.assume_role_with_web_identity(&op).unwrap()
    ));

    fake.push([reply("AssumeRoot", "")]);
    let op = AssumeRoot::new(
        "123456789012",
        PolicyDescriptor::new("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"),
    );
    seen.push(format!("{op:?} {:?}", sts.assume_root(&op).unwrap()));

    fake.push([reply("GetDelegatedAccessToken", "")]);
    let op = GetDelegatedAccessToken::new("MARKERtradein");
    seen.push(format!(
        "{op:?} {:?}",
        sts.get_delegated_access_token(&op).unwrap()
    ));

    fake.push([reply("GetFederationToken", "")]);
    let op = GetFederationToken::new("fed-user");
    seen.push(format!(
        "{op:?} {:?}",
        sts.get_federation_token(&op).unwrap()
    ));

    fake.push([reply("GetScopedCredentials", "")]);
    let op = GetScopedCredentials::new();
    seen.push(format!(
        "{op:?} {:?}",
        sts.get_scoped_credentials(&op).unwrap()
    ));

    fake.push([reply("GetSessionToken", "")]);
    let op = GetSessionToken::new();
    seen.push(format!("{op:?} {:?}", sts.get_session_token(&op).unwrap()));

    fake.push([Reply::xml(
        200,
        success(
            "GetWebIdentityToken",
            "<WebIdentityToken>MARKERjwt</WebIdentityToken><Expiration>2030-01-01T00:00:00Z</Expiration>",
        ),
    )]);
    let op = GetWebIdentityToken::new(vec!["https://example.com".into()], "RS256");
    seen.push(format!(
        "{op:?} {:?}",
        sts.get_web_identity_token(&op).unwrap()
    ));

    // Error paths: a service error, a truncated credentials body, a 500 storm, invalid input.
    fake.push([Reply::xml(403, error_body("AccessDenied", "denied"))]);
    let e = sts.assume_role(&AssumeRole::new(role, "s1")).unwrap_err();
    seen.push(format!("{e} {e:?}"));
    fake.push([Reply::xml(
        200,
        format!("<AssumeRoleResponse><AssumeRoleResult>{}", &CREDS[..120]),
    )]);
    let e = sts.assume_role(&AssumeRole::new(role, "s1")).unwrap_err();
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
    seen.push(format!("{e} {e:?}"));
    let e = sts.get_caller_identity().unwrap_err();
    seen.push(format!("{e} {e:?}"));
    let e = sts
        .assume_role_with_web_identity(&AssumeRoleWithWebIdentity::new(role, "s", "MARKERweb"))
        .unwrap_err();
    seen.push(format!("{e} {e:?}"));
    seen.push(format!("{sts:?}"));

    for s in &seen {
        assert_clean("Debug/Display", s);
    }
    let logs = logs.lock().unwrap();
    for line in logs.iter() {
        assert_clean("log record", line);
    }
    // The request bodies did carry the secrets: the markers were really used.
    let bodies: String = fake.requests().iter().map(|r| r.body.clone()).collect();
    assert!(bodies.contains("MARKERsamlassertion") && bodies.contains("MARKERtradein"));
    println!(
        "redaction: {} values and {} log records checked",
        seen.len(),
        logs.len()
    );
}
