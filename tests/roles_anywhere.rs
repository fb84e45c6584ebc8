//! IAM Roles Anywhere: the provider against a loopback `/sessions` fake that verifies every
//! request with its own canonicalization and `ring` (`fake_rolesanywhere/`), golden signatures
//! for fixed keys and a fixed time, the same requests checked by Python's `cryptography`
//! (`fake_rolesanywhere/verifier.py`, in the venv of `scripts/botocore-venv`: without it those
//! checks print `SKIPPED: roles_anywhere ...`), the bad inputs, and the default chain serving an
//! `aws_signing_helper credential-process` line natively.
#![cfg(feature = "client")]

mod fake_rolesanywhere;

use fake_rolesanywhere::{
    Answer, Expect, FakeRolesAnywhere, PROFILE, REGION, ROLE, SECRET, TOKEN, TRUST_ANCHOR, data,
};
use serde_json::{Value as J, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use sts_blocking::credentials::{DefaultChain, Env, RolesAnywhereProvider};
use sts_blocking::roles_anywhere::{
    Certificate, CreateSession, Digest, PrivateKey, SigningAlgorithm, helper_test_message,
};
use sts_blocking::{Error, ProvideCredentials};
use time::OffsetDateTime;

fn builder(
    fake: &FakeRolesAnywhere,
    cert: &str,
    key: &str,
) -> sts_blocking::credentials::RolesAnywhereProviderBuilder {
    RolesAnywhereProvider::builder()
        .certificate_file(data(cert))
        .private_key_file(data(key))
        .trust_anchor_arn(TRUST_ANCHOR)
        .profile_arn(PROFILE)
        .role_arn(ROLE)
        .endpoint_url(fake.url())
}

fn no_secrets(e: &Error) {
    let text = format!("{e} {e:?}");
    for s in [SECRET, TOKEN, "-----BEGIN", "MII"] {
        assert!(!text.contains(s), "{text}");
    }
}

#[test]
fn every_key_format_gets_credentials_from_the_verifying_fake() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    for key in [
        "rsa-key.pem",
        "rsa-key.der",
        "rsa-key-pkcs1.pem",
        "rsa-key-pkcs1.der",
    ] {
        for cert in ["rsa.pem", "rsa.der"] {
            let p = builder(&fake, cert, key).build().unwrap();
            let c = p
                .provide_credentials()
                .unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(c.secret_access_key.expose(), SECRET);
            assert_eq!(c.session_token.as_ref().unwrap().expose(), TOKEN);
            assert_eq!(c.account_id.as_deref(), Some("123456789012"));
            let left = c.expiration.unwrap() - OffsetDateTime::now_utc();
            assert!(left > time::Duration::minutes(59), "{left}");
            assert_eq!(p.source_name(), "rolesanywhere");
        }
    }
    fake.set_expect(Expect::ec());
    for key in [
        "ec-key.pem",
        "ec-key.der",
        "ec-key-pkcs8.pem",
        "ec-key-pkcs8.der",
        "ec-key-no-public.pem",
    ] {
        let p = builder(&fake, "ec.pem", key)
            .session_duration(900)
            .role_session_name("build-42")
            .build()
            .unwrap();
        p.provide_credentials()
            .unwrap_or_else(|e| panic!("{key}: {e}"));
    }
    let seen = fake.seen();
    assert!(seen.iter().all(|s| s.failure.is_none()), "{seen:?}");
    let last: J = serde_json::from_str(&seen.last().unwrap().body).unwrap();
    assert_eq!(
        last,
        json!({"durationSeconds": 900, "roleSessionName": "build-42"})
    );
    assert_eq!(seen.len(), 8 + 5);
}

#[test]
fn intermediates_are_sent_in_order_and_signed() {
    let fake = FakeRolesAnywhere::start(Expect::rsa().with_chain());
    builder(&fake, "rsa.pem", "rsa-key.pem")
        .intermediates_file(data("chain.pem"))
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap();
    // Without the chain the fake (expecting it) refuses: it does check the header.
    let e = builder(&fake, "rsa.pem", "rsa-key.pem")
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap_err();
    let chain = e.to_string();
    assert!(
        chain.contains("AccessDeniedException") && chain.contains("x-amz-x509-chain"),
        "{chain}"
    );
}

/// The fake is a real verifier: a signature made with another key is refused, and so is a
/// request whose signed bytes changed.
#[test]
fn the_fake_refuses_bad_signatures() {
    let mut wrong_key = Expect::rsa();
    wrong_key.public_key = std::fs::read(data("ec-public.bin")).unwrap();
    wrong_key.kind = "RSA";
    let fake = FakeRolesAnywhere::start(wrong_key);
    let e = builder(&fake, "rsa.pem", "rsa-key.pem")
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap_err();
    assert!(e.to_string().contains("signature does not verify"), "{e}");
    // A prepared request verifies until one signed header changes.
    let e0 = Expect::rsa();
    let cert = Certificate::parse_all(&std::fs::read(data("rsa.pem")).unwrap())
        .unwrap()
        .remove(0);
    let key =
        PrivateKey::from_pem_or_der(&std::fs::read(data("rsa-key.pem")).unwrap(), Some(&cert))
            .unwrap();
    let p = CreateSession::new(TRUST_ANCHOR, PROFILE, ROLE).prepare(
        "127.0.0.1:1",
        "/sessions",
        REGION,
        &cert,
        &[],
        SigningAlgorithm::Rsa,
        OffsetDateTime::now_utc(),
    );
    let mut headers = p.headers.clone();
    headers.push((
        "authorization".into(),
        p.authorization(
            &key.sign(p.string_to_sign.as_bytes(), Digest::Sha256)
                .unwrap(),
        ),
    ));
    let target = format!("/sessions?{}", p.query);
    fake_rolesanywhere::verify(&e0, &target, &headers, &p.body).unwrap();
    headers[1].1 = "127.0.0.1:2".into();
    assert_eq!(
        fake_rolesanywhere::verify(&e0, &target, &headers, &p.body).unwrap_err(),
        "the signature does not verify"
    );
}

// ---- golden signatures and the independent verifier ---------------------------------------

const GOLDEN: &str = "tests/data/rolesanywhere/golden.txt";

/// The fixed request of the golden file, prepared with `cert` and `chain`, at 2024-06-01T12:00:00Z.
fn fixed(cert: &str, algorithm: SigningAlgorithm) -> sts_blocking::roles_anywhere::PreparedSession {
    let cert = Certificate::parse_all(&std::fs::read(data(cert)).unwrap())
        .unwrap()
        .remove(0);
    let chain = Certificate::parse_all(&std::fs::read(data("chain.pem")).unwrap()).unwrap();
    let mut req = CreateSession::new(TRUST_ANCHOR, PROFILE, ROLE);
    req.role_session_name = Some("golden".into());
    req.duration_seconds = 1800;
    req.prepare(
        "rolesanywhere.eu-west-1.amazonaws.com",
        "/sessions",
        REGION,
        &cert,
        &chain,
        algorithm,
        OffsetDateTime::from_unix_timestamp(1_717_243_200).unwrap(),
    )
}

fn sign_with(key: &str, cert: &str, message: &[u8], digest: Digest) -> Vec<u8> {
    let cert = Certificate::parse_all(&std::fs::read(data(cert)).unwrap())
        .unwrap()
        .remove(0);
    PrivateKey::from_pem_or_der(&std::fs::read(data(key)).unwrap(), Some(&cert))
        .unwrap()
        .sign(message, digest)
        .unwrap()
}

/// RSA PKCS#1 v1.5 is deterministic: the whole Authorization header is golden. ECDSA is not: its
/// canonical request and string to sign are, and the signature is checked by verification (here
/// with ring, and by Python in `signatures_verify_with_python_cryptography`).
#[test]
fn golden_signatures() {
    let rsa = fixed("rsa.pem", SigningAlgorithm::Rsa);
    let rsa_sig = sign_with(
        "rsa-key.pem",
        "rsa.pem",
        rsa.string_to_sign.as_bytes(),
        Digest::Sha256,
    );
    // Every key format signs the same bytes.
    for key in ["rsa-key.der", "rsa-key-pkcs1.pem", "rsa-key-pkcs1.der"] {
        assert_eq!(
            sign_with(
                key,
                "rsa.pem",
                rsa.string_to_sign.as_bytes(),
                Digest::Sha256
            ),
            rsa_sig,
            "{key}"
        );
    }
    let ec = fixed("ec.pem", SigningAlgorithm::Ecdsa);
    let ec_sig = sign_with(
        "ec-key.pem",
        "ec.pem",
        ec.string_to_sign.as_bytes(),
        Digest::Sha256,
    );
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        std::fs::read(data("ec-public.bin")).unwrap(),
    )
    .verify(ec.string_to_sign.as_bytes(), &ec_sig)
    .unwrap();
    let actual = format!(
        "== RSA canonical request\n{}\n== RSA string to sign\n{}\n== RSA authorization\n{}\n\
         == ECDSA canonical request\n{}\n== ECDSA string to sign\n{}\n",
        rsa.canonical_request,
        rsa.string_to_sign,
        rsa.authorization(&rsa_sig),
        ec.canonical_request,
        ec.string_to_sign
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("golden file: UPDATE_GOLDEN=1 writes it");
    assert_eq!(
        actual, expected,
        "{GOLDEN} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}

fn python() -> Option<PathBuf> {
    let set = std::env::var_os("BOTOCORE_PYTHON");
    let p = set.clone().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/botocore-venv/bin/python"),
        PathBuf::from,
    );
    let ok = Command::new(&p)
        .args(["-c", "import cryptography.x509"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || set.is_none(),
        "BOTOCORE_PYTHON={} cannot import cryptography",
        p.display()
    );
    if !ok {
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: roles_anywhere signatures_verify_with_python_cryptography (no botocore \
             venv with cryptography: run scripts/botocore-venv or set BOTOCORE_PYTHON)"
        );
    }
    ok.then_some(p)
}

fn verifier(py: &PathBuf, cases: &J) -> Vec<J> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fake_rolesanywhere/verifier.py");
    let mut child = Command::new(py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(cases.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice::<Vec<J>>(&out.stdout).unwrap()
}

fn path(name: &str) -> String {
    data(name).to_str().unwrap().to_owned()
}

#[test]
fn signatures_verify_with_python_cryptography() {
    let Some(py) = python() else { return };
    let mut cases = Vec::new();
    // The golden requests, as prepared and signed here.
    for (cert, key, alg) in [
        ("rsa.pem", "rsa-key.pem", SigningAlgorithm::Rsa),
        ("ec.pem", "ec-key.pem", SigningAlgorithm::Ecdsa),
    ] {
        let p = fixed(cert, alg);
        let sig = sign_with(key, cert, p.string_to_sign.as_bytes(), Digest::Sha256);
        let mut headers: Vec<(String, String)> = p.headers.clone();
        headers.push(("authorization".into(), p.authorization(&sig)));
        cases.push(json!({
            "kind": "session", "cert": path(cert), "key": path(key), "method": "POST",
            "target": format!("/sessions?{}", p.query), "headers": headers, "body": p.body,
            "string_to_sign": p.string_to_sign, "region": REGION,
        }));
    }
    // The requests as they crossed the wire to the fake (ureq's headers included).
    let fake = FakeRolesAnywhere::start(Expect::rsa().with_chain());
    builder(&fake, "rsa.pem", "rsa-key-pkcs1.der")
        .intermediates_file(data("chain.pem"))
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap();
    fake.set_expect(Expect::ec());
    builder(&fake, "ec.pem", "ec-key-pkcs8.der")
        .role_session_name("wire")
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap();
    for (seen, (cert, key)) in fake
        .seen()
        .iter()
        .zip([("rsa.pem", "rsa-key.pem"), ("ec.pem", "ec-key.pem")])
    {
        cases.push(json!({
            "kind": "session", "cert": path(cert), "key": path(key), "method": "POST",
            "target": seen.target, "headers": seen.headers, "body": seen.body,
            "string_to_sign": null, "region": REGION,
        }));
    }
    // sign-string: the helper's test message, with each digest each key signs.
    for (cert, key, digest, name) in [
        ("rsa.pem", "rsa-key.pem", Digest::Sha256, "SHA256"),
        ("rsa.pem", "rsa-key.pem", Digest::Sha384, "SHA384"),
        ("rsa.pem", "rsa-key.pem", Digest::Sha512, "SHA512"),
        ("ec.pem", "ec-key.pem", Digest::Sha256, "SHA256"),
        ("ec384.pem", "ec384-key.pem", Digest::Sha384, "SHA384"),
    ] {
        let c = Certificate::parse_all(&std::fs::read(data(cert)).unwrap())
            .unwrap()
            .remove(0);
        let k = PrivateKey::from_pem_or_der(&std::fs::read(data(key)).unwrap(), Some(&c)).unwrap();
        let message = helper_test_message(k.public_key());
        let sig = k.sign(&message, digest).unwrap();
        cases.push(json!({
            "kind": "sign", "cert": path(cert), "digest": name,
            "message_hex": hex::encode(&message), "signature_hex": hex::encode(&sig),
        }));
    }
    // And a case that must fail: a signature over other bytes.
    let bad = sign_with("rsa-key.pem", "rsa.pem", b"other bytes", Digest::Sha256);
    cases.push(json!({
        "kind": "sign", "cert": path("rsa.pem"), "digest": "SHA256",
        "message_hex": hex::encode(b"these bytes"), "signature_hex": hex::encode(&bad),
    }));
    let results = verifier(&py, &J::Array(cases.clone()));
    assert_eq!(results.len(), cases.len());
    let (last, checked) = results.split_last().unwrap();
    for (r, c) in checked.iter().zip(&cases) {
        assert_eq!(r["ok"], true, "{r} for {c}");
    }
    assert_eq!(last["ok"], false, "{last}");
    // The RSA ones were signed again by cryptography, byte for byte the same.
    assert_eq!(results[0]["resigned"], true);
    assert_eq!(results[2]["resigned"], true);
}

// ---- bad input and faults -------------------------------------------------------------------

fn build_err(b: sts_blocking::credentials::RolesAnywhereProviderBuilder) -> String {
    let e = b.build().unwrap_err();
    no_secrets(&e);
    assert!(
        matches!(
            e,
            Error::Credentials(_) | Error::InvalidInput { .. } | Error::File { .. }
        ),
        "{e:?}"
    );
    e.to_string()
}

#[test]
fn bad_certificates_and_keys_are_clear_errors() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    for (cert, key, want) in [
        (
            "expired.pem",
            "rsa-key.pem",
            "expired at 2002-01-01T00:00:00Z",
        ),
        (
            "not-yet-valid.pem",
            "rsa-key.pem",
            "not valid yet: its validity starts at 2090-01-01",
        ),
        ("rsa.pem", "other-key.pem", "does not match the certificate"),
        ("rsa.pem", "ec-key.pem", "does not match the certificate"),
        ("ec.pem", "rsa-key.pem", "does not match the certificate"),
        (
            "rsa.pem",
            "rsa-key-encrypted.pem",
            "not supported yet: encrypted private keys",
        ),
        (
            "rsa.pem",
            "rsa-key-pkcs1-encrypted.pem",
            "not supported yet: encrypted private keys",
        ),
        (
            "ec384.pem",
            "ec384-key.pem",
            "not supported yet: P-384 keys for CreateSession",
        ),
        ("rsa.pem", "rsa.pem", "no private key found"),
        ("rsa-key.pem", "rsa-key.pem", "no CERTIFICATE block"),
        ("missing.pem", "rsa-key.pem", "missing.pem"),
    ] {
        let text = build_err(builder(&fake, cert, key));
        assert!(text.contains(want), "{cert} + {key}: {text}");
    }
    let text = build_err(
        builder(&fake, "rsa.pem", "rsa-key.pem").intermediates_file(data("chain-wrong-order.pem")),
    );
    assert!(text.contains("not a chain in order"), "{text}");
    let text =
        build_err(builder(&fake, "rsa.pem", "rsa-key.pem").intermediates_file(data("rsa-key.pem")));
    assert!(text.contains("only CERTIFICATE blocks"), "{text}");
    // Garbage of every kind: an error, never a panic.
    for junk in [
        &b""[..],
        b"\x30\x82\xff\xff",
        b"-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n",
    ] {
        let e = RolesAnywhereProvider::builder()
            .certificate(junk.to_vec())
            .private_key(std::fs::read(data("rsa-key.pem")).unwrap())
            .trust_anchor_arn(TRUST_ANCHOR)
            .profile_arn(PROFILE)
            .role_arn(ROLE)
            .endpoint_url(fake.url())
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Credentials(_)), "{e:?}");
    }
    // The request is checked before anything is read or sent.
    let text = build_err(builder(&fake, "rsa.pem", "rsa-key.pem").session_duration(60));
    assert!(text.contains("durationSeconds"), "{text}");
    let text = build_err(
        builder(&fake, "rsa.pem", "rsa-key.pem")
            .profile_arn("arn:aws:rolesanywhere:us-east-1:123456789012:profile/p"),
    );
    assert!(text.contains("same region"), "{text}");
    let e = builder(&fake, "rsa.pem", "rsa-key.pem")
        .endpoint_url("http://example.com")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("refusing plain http"), "{e}");
    assert_eq!(fake.count(), 0);
}

/// A FIFO (or device) given as the key or the certificate is refused at once, never waited on.
#[cfg(unix)]
#[test]
fn a_fifo_is_never_read() {
    let dir = std::env::temp_dir().join(format!("sts-ra-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("key.pem");
    let _ = std::fs::remove_file(&fifo);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    let t0 = std::time::Instant::now();
    let e = RolesAnywhereProvider::builder()
        .certificate_file(data("rsa.pem"))
        .private_key_file(&fifo)
        .trust_anchor_arn(TRUST_ANCHOR)
        .profile_arn(PROFILE)
        .role_arn(ROLE)
        .endpoint_url(fake.url())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("FIFO"), "{e}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn service_errors_and_bad_answers_are_typed() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    let p = builder(&fake, "rsa.pem", "rsa-key.pem").build().unwrap();
    fake.push(Answer {
        status: 403,
        headers: vec![(
            "x-amzn-ErrorType".into(),
            "AccessDeniedException:http://x/".into(),
        )],
        body: json!({"message": "Untrusted signing certificate"}).to_string(),
    });
    let e = p.provide_credentials().unwrap_err();
    no_secrets(&e);
    let Error::Credentials(ce) = &e else {
        panic!("{e:?}")
    };
    let Some(src) = ce.source.as_deref() else {
        panic!("{e:?}")
    };
    let Error::Service(s) = src else {
        panic!("{src:?}")
    };
    assert_eq!((s.code.as_str(), s.status), ("AccessDeniedException", 403));
    assert_eq!(s.message.as_deref(), Some("Untrusted signing certificate"));
    assert_eq!(s.operation, Some("CreateSession"));
    // Server errors are tried again (three attempts in all).
    let before = fake.count();
    for _ in 0..2 {
        fake.push(Answer {
            status: 500,
            headers: vec![],
            body: "{}".into(),
        });
    }
    let p = builder(&fake, "rsa.pem", "rsa-key.pem").build().unwrap();
    assert!(p.provide_credentials().is_ok());
    assert_eq!(fake.count() - before, 3);
    // Client errors are not: one request.
    fake.push(Answer {
        status: 400,
        headers: vec![],
        body: json!({"message": "bad"}).to_string(),
    });
    let before = fake.count();
    let p = builder(&fake, "rsa.pem", "rsa-key.pem").build().unwrap();
    assert!(
        p.provide_credentials()
            .unwrap_err()
            .to_string()
            .contains("ValidationException")
    );
    assert_eq!(fake.count() - before, 1);
    // A 2xx that is not a credential set, and secrets never shown.
    for body in [
        "not json".to_owned(),
        json!({"credentialSet": []}).to_string(),
        json!({"credentialSet": [{"credentials": {"accessKeyId": "A", "secretAccessKey": SECRET, "sessionToken": TOKEN, "expiration": "soon"}}]}).to_string(),
    ] {
        fake.push(Answer { status: 201, headers: vec![], body });
        let p = builder(&fake, "rsa.pem", "rsa-key.pem").build().unwrap();
        let e = p.provide_credentials().unwrap_err();
        no_secrets(&e);
        assert!(e.to_string().contains("CreateSession failed"), "{e}");
    }
}

// ---- the default chain ----------------------------------------------------------------------

fn chain_env(dir: &std::path::Path, config: &str) -> Env {
    chain_env_with(dir, config, &[])
}

fn chain_env_with(dir: &std::path::Path, config: &str, extra: &[(&str, &str)]) -> Env {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("config"), config).unwrap();
    let config = dir.join("config");
    let mut vars = vec![
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_PROFILE", "ra"),
    ];
    vars.extend_from_slice(extra);
    Env::from_map(vars)
}

fn helper_line(program: &str, fake: &FakeRolesAnywhere, extra: &str) -> String {
    format!(
        "{program} credential-process --certificate {} --private-key {} --trust-anchor-arn {TRUST_ANCHOR} \
         --profile-arn {PROFILE} --role-arn '{ROLE}' --endpoint {} --session-duration 1200{extra}",
        path("ec.pem"),
        path("ec-key.pem"),
        fake.url()
    )
}

/// `credential_process = aws_signing_helper credential-process ...` is served without the
/// helper (it is not installed here: running it would fail), from the same flags.
#[test]
fn the_chain_serves_the_helper_natively() {
    let fake = FakeRolesAnywhere::start(Expect::ec());
    let dir = std::env::temp_dir().join(format!("sts-ra-chain-{}", std::process::id()));
    for program in [
        "aws_signing_helper",
        "/opt/bin/aws_signing_helper",
        "sts rolesanywhere",
    ] {
        let env = chain_env(
            &dir,
            &format!(
                "[profile ra]\ncredential_process = {}\n",
                helper_line(program, &fake, "")
            ),
        );
        let before = fake.count();
        let c = DefaultChain::new(env)
            .provide_credentials()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert_eq!(c.secret_access_key.expose(), SECRET);
        assert_eq!(fake.count(), before + 1);
        let body: J = serde_json::from_str(&fake.seen().last().unwrap().body).unwrap();
        assert_eq!(body["durationSeconds"], 1200);
    }
    // The endpoint from AWS_ENDPOINT_URL_ROLESANYWHERE when the line names none.
    let line = helper_line("aws_signing_helper", &fake, "")
        .replace(&format!("--endpoint {}", fake.url()), "");
    let url = fake.url();
    let env = chain_env_with(
        &dir,
        &format!("[profile ra]\ncredential_process = {line}\n"),
        &[("AWS_ENDPOINT_URL_ROLESANYWHERE", &url)],
    );
    DefaultChain::new(env).provide_credentials().unwrap();
    // The roots as the helper's SDK takes them: AWS_CA_BUNDLE (here one that cannot be read).
    let env = chain_env_with(
        &dir,
        &format!(
            "[profile ra]\ncredential_process = {}\n",
            helper_line("aws_signing_helper", &fake, "")
        ),
        &[("AWS_CA_BUNDLE", "/nonexistent/bundle.pem")],
    );
    let e = DefaultChain::new(env).provide_credentials().unwrap_err();
    assert!(e.to_string().contains("bundle.pem"), "{e}");
    // A broken native configuration is an error of its own (not a failed subprocess).
    let line = helper_line("aws_signing_helper", &fake, "").replace("ec-key.pem", "rsa-key.pem");
    let e = DefaultChain::new(chain_env(
        &dir,
        &format!("[profile ra]\ncredential_process = {line}\n"),
    ))
    .provide_credentials()
    .unwrap_err();
    assert!(
        e.to_string().contains("does not match the certificate"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the native path does not support runs the process, as before.
#[cfg(unix)]
#[test]
fn unsupported_helper_lines_run_the_process() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FakeRolesAnywhere::start(Expect::ec());
    let dir = std::env::temp_dir().join(format!("sts-ra-fallback-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let helper = dir.join("aws_signing_helper");
    std::fs::write(
        &helper,
        "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"ASIAPROCESS\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    for extra in [
        " --pkcs8-password x",
        " --tpm-key-password x",
        " --unknown-flag",
    ] {
        let line = helper_line(helper.to_str().unwrap(), &fake, extra);
        let c = DefaultChain::new(chain_env(
            &dir,
            &format!("[profile ra]\ncredential_process = {line}\n"),
        ))
        .provide_credentials()
        .unwrap();
        assert_eq!(c.access_key_id, "ASIAPROCESS", "{extra}");
    }
    // An encrypted key: the native path cannot read it, the helper can (it asks the password).
    let line = helper_line(helper.to_str().unwrap(), &fake, "")
        .replace(&path("ec-key.pem"), &path("rsa-key-encrypted.pem"))
        .replace(&path("ec.pem"), &path("rsa.pem"));
    let c = DefaultChain::new(chain_env(
        &dir,
        &format!("[profile ra]\ncredential_process = {line}\n"),
    ))
    .provide_credentials()
    .unwrap();
    assert_eq!(c.access_key_id, "ASIAPROCESS");
    assert_eq!(fake.count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The transport policy: a loopback endpoint is reached directly even with a proxy configured
/// (here a dead one), and plain http elsewhere is refused before anything is read or sent.
#[test]
fn the_transport_policy_holds() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    builder(&fake, "rsa.pem", "rsa-key.pem")
        .proxy(sts_blocking::client::ProxySetting::Url {
            url: "http://127.0.0.1:9".into(),
            no_proxy: None,
        })
        .build()
        .unwrap()
        .provide_credentials()
        .unwrap();
    for url in [
        "http://10.0.0.1",
        "http://rolesanywhere.eu-west-1.amazonaws.com",
    ] {
        let e = builder(&fake, "rsa.pem", "rsa-key.pem")
            .endpoint_url(url)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Transport {
                    kind: sts_blocking::error::TransportErrorKind::InsecureEndpoint,
                    ..
                }
            ),
            "{url}: {e:?}"
        );
    }
    assert_eq!(fake.count(), 1);
}

#[test]
fn providers_share_the_cache_rules() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    let p = Arc::new(builder(&fake, "rsa.pem", "rsa-key.pem").build().unwrap());
    let a = p.provide_credentials().unwrap();
    let b = p.provide_credentials().unwrap();
    assert_eq!(a.access_key_id, b.access_key_id);
    assert_eq!(fake.count(), 1);
    p.invalidate();
    assert_ne!(
        p.provide_credentials().unwrap().access_key_id,
        a.access_key_id
    );
    assert_eq!(fake.count(), 2);
    // Debug shows no key and no secret.
    let shown = format!("{p:?}");
    assert!(
        !shown.contains("PRIVATE") && !shown.contains(SECRET),
        "{shown}"
    );
}
