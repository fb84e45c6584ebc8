//! End-to-end tests against moto, a third-party STS/IAM emulator that checks SigV4 signatures.
//!
//! `scripts/peer-test` installs and starts moto, bootstraps a user and roles, turns signature
//! checking on and runs this file with `--test-threads=1` (tests toggle moto's auth switch).
//! Without `STS_PEER_ENDPOINT` every test passes after printing `SKIPPED: peer name (...)` to stderr,
//! uncaptured (tests/README.md).
#![cfg(feature = "client")]

use sts_blocking::error::{Error, ErrorCode};
use sts_blocking::ops::*;
use sts_blocking::{Credentials, SecretString, Sts};

struct Peer {
    endpoint: String,
    moto_api: String,
    key: String,
    secret: String,
    user_arn: String,
    role_arn: String,
    role2_arn: String,
    external_id: String,
    account: String,
}

fn peer(test: &str) -> Option<Peer> {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} must be set with STS_PEER_ENDPOINT"))
    };
    if std::env::var("STS_PEER_ENDPOINT").is_err() {
        // On the process's stderr, which the harness does not capture (tests/README.md).
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: peer {test} (STS_PEER_ENDPOINT is unset; run scripts/peer-test)"
        );
        return None;
    }
    Some(Peer {
        endpoint: var("STS_PEER_ENDPOINT"),
        moto_api: var("STS_PEER_MOTO_API"),
        key: var("STS_PEER_ACCESS_KEY_ID"),
        secret: var("STS_PEER_SECRET_ACCESS_KEY"),
        user_arn: var("STS_PEER_USER_ARN"),
        role_arn: var("STS_PEER_ROLE_ARN"),
        role2_arn: var("STS_PEER_ROLE2_ARN"),
        external_id: var("STS_PEER_EXTERNAL_ID"),
        account: var("STS_PEER_ACCOUNT_ID"),
    })
}

impl Peer {
    fn client(&self, creds: Option<Credentials>) -> Sts {
        let mut b = Sts::builder()
            .region("us-east-1")
            .endpoint_url(&self.endpoint)
            .max_attempts(1);
        if let Some(c) = creds {
            b = b.credentials(c);
        }
        b.build().unwrap()
    }

    fn user(&self) -> Sts {
        self.client(Some(Credentials::new(
            &self.key,
            self.secret.as_str(),
            None,
        )))
    }

    /// Turns moto's signature checking on (`true`) or off.
    fn auth(&self, on: bool) {
        let body = if on { "0" } else { "inf" };
        // A loopback call: never through a proxy from the environment.
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        let resp = agent
            .post(format!("{}/reset-auth", self.moto_api))
            .header("Content-Type", "text/plain")
            .send(body)
            .expect("reset-auth");
        assert_eq!(resp.status(), 200);
    }
}

/// Restores auth on drop, so a failing test does not leave it off for the next one.
struct AuthOff<'a>(&'a Peer);

impl Drop for AuthOff<'_> {
    fn drop(&mut self) {
        self.0.auth(true);
    }
}

#[test]
fn get_caller_identity_signed() {
    let Some(p) = peer("get_caller_identity_signed") else {
        return;
    };
    let me = p.user().get_caller_identity().unwrap();
    assert_eq!(me.arn.as_deref(), Some(p.user_arn.as_str()));
    assert_eq!(me.account.as_deref(), Some(p.account.as_str()));
    println!("peer GetCallerIdentity: {}", p.user_arn);
}

#[test]
fn assume_role_with_awkward_policy_then_caller_identity() {
    let Some(p) = peer("assume_role_with_awkward_policy_then_caller_identity") else {
        return;
    };
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*", "Sid": "Grüße \"quoted\" café ñ"}]}"#;
    let op = AssumeRole::new(&p.role_arn, "peer-session")
        .policy(policy)
        .external_id(&p.external_id)
        .tags(vec![
            Tag::new("team", "platform ops"),
            Tag::new("cost-center", "a+b=c"),
        ])
        .duration_seconds(900);
    let out = p.user().assume_role(&op).unwrap();
    assert!(out.credentials().unwrap().access_key_id.starts_with("ASIA"));
    assert!(out.credentials().unwrap().session_token.is_some());
    let arn = out.assumed_role_user.clone().unwrap().arn;
    assert!(
        arn.ends_with(":assumed-role/peer-role/peer-session"),
        "{arn}"
    );
    let me = p
        .client(Some(out.into_credentials().unwrap()))
        .get_caller_identity()
        .unwrap();
    assert_eq!(me.arn.as_deref(), Some(arn.as_str()));
    println!("peer AssumeRole + GetCallerIdentity: {arn}");
}

#[test]
fn role_chain_two_hops() {
    let Some(p) = peer("role_chain_two_hops") else {
        return;
    };
    let first = p
        .user()
        .assume_role(&AssumeRole::new(&p.role_arn, "hop-1").external_id(&p.external_id))
        .unwrap();
    let second = p
        .client(Some(first.into_credentials().unwrap()))
        .assume_role(&AssumeRole::new(&p.role2_arn, "hop-2"))
        .unwrap();
    let me = p
        .client(Some(second.into_credentials().unwrap()))
        .get_caller_identity()
        .unwrap();
    assert!(me.arn.unwrap().ends_with(":assumed-role/peer-role-2/hop-2"));
}

#[test]
fn wrong_secret_is_signature_does_not_match() {
    let Some(p) = peer("wrong_secret_is_signature_does_not_match") else {
        return;
    };
    let sts = p.client(Some(Credentials::new(&p.key, "not-the-secret", None)));
    let err = sts.get_caller_identity().unwrap_err();
    let s = err.service_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(s.code, ErrorCode::SignatureDoesNotMatch);
    assert_eq!(s.status, 403);
    assert!(
        s.request_id.is_some(),
        "request id from the x-amzn-requestid header"
    );
}

#[test]
fn wrong_external_id_is_access_denied() {
    let Some(p) = peer("wrong_external_id_is_access_denied") else {
        return;
    };
    let err = p
        .user()
        .assume_role(&AssumeRole::new(&p.role_arn, "s1").external_id("wrong-id"))
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
}

#[test]
fn temporary_credentials_without_token_are_rejected() {
    let Some(p) = peer("temporary_credentials_without_token_are_rejected") else {
        return;
    };
    let out = p
        .user()
        .assume_role(&AssumeRole::new(&p.role_arn, "s2").external_id(&p.external_id))
        .unwrap();
    let mut creds = out.into_credentials().unwrap();
    creds.session_token = None;
    let err = p.client(Some(creds)).get_caller_identity().unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
}

#[test]
fn unsigned_federation_calls_with_auth_off() {
    let Some(p) = peer("unsigned_federation_calls_with_auth_off") else {
        return;
    };
    p.auth(false);
    let _restore = AuthOff(&p);
    let anonymous = p.client(None);
    let web = anonymous
        .assume_role_with_web_identity(&AssumeRoleWithWebIdentity::new(
            &p.role_arn,
            "web-session",
            SecretString::new("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwZWVyIn0.c2ln"),
        ))
        .unwrap();
    assert!(web.credentials().unwrap().access_key_id.starts_with("ASIA"));
    assert!(web.assumed_role_user.is_some());

    let saml = saml_assertion(&p.role_arn, "saml-user");
    let out = anonymous
        .assume_role_with_saml(&AssumeRoleWithSaml::new(
            &p.role_arn,
            format!("arn:aws:iam::{}:saml-provider/peer-idp", p.account),
            SecretString::new(saml),
        ))
        .unwrap();
    assert!(out.credentials().unwrap().access_key_id.starts_with("ASIA"));
    let arn = out.assumed_role_user.unwrap().arn;
    assert!(arn.ends_with("/saml-user"), "{arn}");
}

#[test]
fn session_and_federation_tokens() {
    let Some(p) = peer("session_and_federation_tokens") else {
        return;
    };
    let user = p.user();
    let s = user
        .get_session_token(&GetSessionToken::new().duration_seconds(900))
        .unwrap();
    assert!(!s.credentials().unwrap().access_key_id.is_empty());
    assert!(s.credentials().unwrap().expiration.is_some());
    let f = user
        .get_federation_token(
            &GetFederationToken::new("peer-fed")
                .policy(r#"{"Version": "2012-10-17", "Statement": []}"#),
        )
        .unwrap();
    assert!(
        f.federated_user
            .unwrap()
            .arn
            .ends_with(":federated-user/peer-fed")
    );
    let info = user
        .get_access_key_info(&GetAccessKeyInfo::new(&p.key))
        .unwrap();
    assert_eq!(info.account.as_deref(), Some(p.account.as_str()));
}

#[test]
fn unimplemented_operations_give_typed_errors() {
    // moto answers DecodeAuthorizationMessage and AssumeRoot with a bare HTML 500: the client must
    // retry nothing here (max_attempts 1) and report an invalid response carrying the status.
    let Some(p) = peer("unimplemented_operations_give_typed_errors") else {
        return;
    };
    let user = p.user();
    let err = user
        .decode_authorization_message(&DecodeAuthorizationMessage::new("encoded-message"))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 500, .. }),
        "{err:?}"
    );
    let err = user
        .assume_root(&AssumeRoot::new(
            "123456789012",
            PolicyDescriptor::new("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"),
        ))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 500, .. }),
        "{err:?}"
    );
}

fn saml_assertion(role_arn: &str, session: &str) -> String {
    let xml = format!(
        r#"<?xml version="1.0"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_peer" Version="2.0">
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0">
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue>{role_arn},arn:aws:iam::123456789012:saml-provider/peer-idp</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue>{session}</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">
        <saml:AttributeValue>900</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"#
    );
    base64(xml.as_bytes())
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---- credential providers (phase 2): settings path, credential_process, web identity ----------

fn peer_temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sts-peer-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An environment with only the shared files in `dir`, the STS endpoint at moto and IMDS off.
fn peer_files_env(p: &Peer, dir: &std::path::Path) -> sts_blocking::credentials::Env {
    sts_blocking::credentials::Env::from_map([
        ("HOME", dir.to_str().unwrap().to_owned()),
        (
            "AWS_CONFIG_FILE",
            dir.join("config").to_str().unwrap().to_owned(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").to_str().unwrap().to_owned(),
        ),
        ("AWS_ENDPOINT_URL_STS", p.endpoint.clone()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ])
}

#[test]
fn profile_role_arn_source_profile_through_settings() {
    let Some(p) = peer("profile_role_arn_source_profile_through_settings") else {
        return;
    };
    let dir = peer_temp_dir("profile");
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile deploy]\nrole_arn = {}\nsource_profile = base\nexternal_id = {}\n\
             role_session_name = peer-profile\nregion = us-east-1\nmax_attempts = 1\n",
            p.role_arn, p.external_id
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            p.key, p.secret
        ),
    )
    .unwrap();
    let settings = sts_blocking::Settings::load(
        &peer_files_env(&p, &dir),
        &sts_blocking::Overrides::default().profile("deploy"),
    )
    .unwrap();
    let sts = settings.sts_builder().build().unwrap();
    let me = sts.get_caller_identity().unwrap();
    let arn = me.arn.unwrap();
    assert!(
        arn.ends_with(":assumed-role/peer-role/peer-profile"),
        "{arn}"
    );
    let source = sts.credentials_provider().unwrap().source_name();
    assert_eq!(
        source,
        format!("profile:deploy (assume-role {})", p.role_arn)
    );
    println!("peer profile role_arn + source_profile: {arn} via {source}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn credential_process_feeds_sts() {
    let Some(p) = peer("credential_process_feeds_sts") else {
        return;
    };
    use std::os::unix::fs::PermissionsExt;
    let dir = peer_temp_dir("process");
    let script = dir.join("creds.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\"}}'\n",
            p.key, p.secret
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(
        dir.join("config"),
        format!(
            "[default]\nregion = us-east-1\nmax_attempts = 1\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("credentials"), "").unwrap();
    let settings = sts_blocking::Settings::load(
        &peer_files_env(&p, &dir),
        &sts_blocking::Overrides::default(),
    )
    .unwrap();
    let sts = settings.sts_builder().build().unwrap();
    let me = sts.get_caller_identity().unwrap();
    assert_eq!(me.arn.as_deref(), Some(p.user_arn.as_str()));
    assert_eq!(
        sts.credentials_provider().unwrap().source_name(),
        "profile:default (credential_process)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn web_identity_provider_with_auth_off() {
    let Some(p) = peer("web_identity_provider_with_auth_off") else {
        return;
    };
    let dir = peer_temp_dir("webid");
    let token = dir.join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwZWVyIn0.c2ln\n").unwrap();
    let provider = sts_blocking::WebIdentityProvider::builder(&p.role_arn, &token)
        .session_name("web-peer")
        .sts(p.client(None))
        .build()
        .unwrap();
    let creds = {
        p.auth(false);
        let _restore = AuthOff(&p);
        sts_blocking::ProvideCredentials::provide_credentials(&provider).unwrap()
    };
    assert!(creds.access_key_id.starts_with("ASIA"));
    assert!(creds.session_token.is_some());
    // Auth is back on: the web identity session signs its own call.
    let me = p.client(Some(creds)).get_caller_identity().unwrap();
    let arn = me.arn.unwrap();
    assert!(arn.ends_with(":assumed-role/peer-role/web-peer"), "{arn}");
    let _ = std::fs::remove_dir_all(&dir);
}
