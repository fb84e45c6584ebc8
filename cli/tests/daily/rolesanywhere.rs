//! `sts rolesanywhere`: the helper's commands with its flags and its output, against the
//! verifying `/sessions` fake of `tests/fake_rolesanywhere`, and a profile whose
//! `credential_process` runs `aws_signing_helper` served without it.

use crate::fake_rolesanywhere::{
    Answer, Expect, FakeRolesAnywhere, PROFILE, ROLE, SECRET, TOKEN, TRUST_ANCHOR, data, pem_bodies,
};
use crate::{code, home, run, stderr, stdout, sts};
use sha2::Digest as _;

fn p(name: &str) -> String {
    data(name).to_str().unwrap().to_owned()
}

fn flags<'a>(fake: &'a str, cert: &'a str, key: &'a str) -> Vec<String> {
    vec![
        "--certificate".into(),
        p(cert),
        "--private-key".into(),
        p(key),
        "--trust-anchor-arn".into(),
        TRUST_ANCHOR.into(),
        "--profile-arn".into(),
        PROFILE.into(),
        "--role-arn".into(),
        ROLE.into(),
        "--endpoint".into(),
        fake.into(),
    ]
}

fn args<'a>(head: &[&'a str], rest: &'a [String]) -> Vec<&'a str> {
    head.iter()
        .copied()
        .chain(rest.iter().map(String::as_str))
        .collect()
}

#[test]
fn credential_process_prints_the_helpers_document() {
    let fake = FakeRolesAnywhere::start(Expect::ec());
    let h = home("ra-cp", "", "");
    let url = fake.url();
    let f = flags(&url, "ec.pem", "ec-key.pem");
    let o = run(sts(
        &h,
        &[],
        &args(
            &[
                "rolesanywhere",
                "credential-process",
                "--session-duration",
                "900",
            ],
            &f,
        ),
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // One line of JSON, no newline, in the helper's member order.
    assert!(
        out.starts_with(&format!(
            "{{\"Version\":1,\"AccessKeyId\":\"ASIARA1\",\"SecretAccessKey\":\"{SECRET}\",\
             \"SessionToken\":\"{TOKEN}\",\"Expiration\":\""
        )),
        "{out}"
    );
    assert!(out.ends_with("Z\"}"), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let exp = time::OffsetDateTime::parse(
        doc["Expiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = exp - time::OffsetDateTime::now_utc();
    assert!(left > time::Duration::minutes(14) && left <= time::Duration::minutes(15));
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].failure.is_none(), "{seen:?}");

    // The region and endpoint as the helper takes them: --region (sts's global flag) and
    // AWS_ENDPOINT_URL_ROLESANYWHERE.
    let mut e = Expect::rsa();
    e.region = "us-west-2".into();
    fake.set_expect(e);
    let f = flags(&url, "rsa.pem", "rsa-key-pkcs1.pem");
    let f: Vec<String> = f[..f.len() - 2].to_vec();
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_ROLESANYWHERE", &url)],
        &args(
            &[
                "rolesanywhere",
                "credential-process",
                "--region",
                "us-west-2",
            ],
            &f,
        ),
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(fake.seen()[1].failure.is_none());
}

#[test]
fn credential_process_errors() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    let h = home("ra-cp-err", "", "");
    let url = fake.url();
    // The service's refusal: botocore's error line, exit 254.
    fake.push(Answer {
        status: 403,
        headers: vec![("x-amzn-ErrorType".into(), "AccessDeniedException:x".into())],
        body: "{\"message\":\"Untrusted signing certificate\"}".into(),
    });
    let f = flags(&url, "rsa.pem", "rsa-key.pem");
    let o = run(sts(
        &h,
        &[],
        &args(&["rolesanywhere", "credential-process"], &f),
    ));
    assert_eq!(code(&o), 254, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "An error occurred (AccessDeniedException) when calling the CreateSession \
             operation: Untrusted signing certificate"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
    // A certificate that expired: nothing is sent.
    let before = fake.count();
    let f = flags(&url, "expired.pem", "rsa-key.pem");
    let o = run(sts(
        &h,
        &[],
        &args(&["rolesanywhere", "credential-process"], &f),
    ));
    assert_eq!(code(&o), 255, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("expired at 2002-01-01T00:00:00Z"),
        "{}",
        stderr(&o)
    );
    // Flags the native path does not support, and what it requires.
    for (extra, want) in [
        (
            &["--pkcs8-password", "x"][..],
            "--pkcs8-password is not supported yet (encrypted keys)",
        ),
        (
            &["--cert-selector", "Key=x509Subject,Value=CN=x"][..],
            "certificate stores",
        ),
        (&["--reuse-pin"][..], "PKCS#11"),
    ] {
        let f = flags(&url, "rsa.pem", "rsa-key.pem");
        let o = run(sts(
            &h,
            &[],
            &args(&["rolesanywhere", "credential-process"], &f)
                .into_iter()
                .chain(extra.iter().copied())
                .collect::<Vec<_>>(),
        ));
        assert_eq!(code(&o), 252, "{}", stderr(&o));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    let o = run(sts(
        &h,
        &[],
        &["rolesanywhere", "credential-process", "--private-key", "k"],
    ));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("--certificate is required"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fake.count(), before);
    // The group alone, or an unknown member of it: usage errors.
    let o = run(sts(&h, &[], &["rolesanywhere"]));
    assert_eq!(code(&o), 252);
    let o = run(sts(&h, &[], &["rolesanywhere", "update"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("argument operation: Found invalid choice 'update'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn read_certificate_data_prints_what_the_helper_prints() {
    let h = home("ra-read", "", "");
    let o = run(sts(
        &h,
        &[],
        &[
            "rolesanywhere",
            "read-certificate-data",
            "--certificate",
            &p("rsa.pem"),
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "{{\"keyType\":\"RSA\",\"certificateData\":\"{}\",\"serialNumber\":\"{}\",\
             \"supportedAlgorithms\":[\"RSASHA256\",\"RSASHA384\",\"RSASHA512\"]}}",
            pem_bodies(&data("rsa.pem"))[0],
            0x9F3A_5C7E_1B2D_4F60_81A3_C5E7_092B_4D6F_u128
        )
    );
    let o = run(sts(
        &h,
        &[],
        &[
            "rolesanywhere",
            "read-certificate-data",
            "--certificate",
            &p("ec.der"),
        ],
    ));
    assert!(
        stdout(&o).starts_with("{\"keyType\":\"EC\","),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("\"serialNumber\":\"12648430\""));
    for bad in ["rsa-key.pem", "missing.pem"] {
        let o = run(sts(
            &h,
            &[],
            &[
                "rolesanywhere",
                "read-certificate-data",
                "--certificate",
                &p(bad),
            ],
        ));
        assert_eq!(code(&o), 255, "{bad}: {}", stderr(&o));
        assert!(!stderr(&o).contains("BEGIN"), "{}", stderr(&o));
    }
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2) && !s.is_empty(), "{s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The fixed string, computed here: "AWS Roles Anywhere Credential Helper Signing Test" || "1"
/// || SHA256("IAM RA" || public key).
fn test_message(public: &[u8]) -> Vec<u8> {
    let mut m = b"AWS Roles Anywhere Credential Helper Signing Test1".to_vec();
    let mut h = sha2::Sha256::new();
    h.update(b"IAM RA");
    h.update(public);
    m.extend_from_slice(&h.finalize());
    m
}

#[test]
fn sign_string_signs_the_helpers_fixed_string() {
    let h = home("ra-sign", "", "");
    let rsa_pub = std::fs::read(data("rsa-public.der")).unwrap();
    let ec_pub = std::fs::read(data("ec-public.bin")).unwrap();
    use ring::signature as s;
    for (key, digest, format, public, alg) in [
        (
            "rsa-key.pem",
            "SHA256",
            "json",
            &rsa_pub,
            &s::RSA_PKCS1_2048_8192_SHA256 as &dyn s::VerificationAlgorithm,
        ),
        (
            "rsa-key-pkcs1.der",
            "SHA384",
            "text",
            &rsa_pub,
            &s::RSA_PKCS1_2048_8192_SHA384,
        ),
        (
            "rsa-key.pem",
            "SHA512",
            "bin",
            &rsa_pub,
            &s::RSA_PKCS1_2048_8192_SHA512,
        ),
        (
            "ec-key.pem",
            "SHA256",
            "text",
            &ec_pub,
            &s::ECDSA_P256_SHA256_ASN1,
        ),
    ] {
        let o = run(sts(
            &h,
            &[],
            &[
                "rolesanywhere",
                "sign-string",
                "--private-key",
                &p(key),
                "--digest",
                digest,
                "--format",
                format,
            ],
        ));
        assert_eq!(code(&o), 0, "{key}: {}", stderr(&o));
        let sig = match format {
            "bin" => o.stdout.clone(),
            "json" => unhex(stdout(&o).trim_matches('"')),
            _ => unhex(&stdout(&o)),
        };
        s::UnparsedPublicKey::new(alg, public)
            .verify(&test_message(public), &sig)
            .unwrap_or_else(|_| panic!("{key} {digest} {format}"));
    }
    // A P-256 key does not sign with SHA-384 here (the helper truncates the digest).
    let o = run(sts(
        &h,
        &[],
        &[
            "rolesanywhere",
            "sign-string",
            "--private-key",
            &p("ec-key.pem"),
            "--digest",
            "SHA384",
        ],
    ));
    assert_eq!(code(&o), 255, "{}", stderr(&o));
    assert!(stderr(&o).contains("not supported yet"), "{}", stderr(&o));
    // With a certificate, the key must be its.
    let o = run(sts(
        &h,
        &[],
        &[
            "rolesanywhere",
            "sign-string",
            "--private-key",
            &p("other-key.pem"),
            "--certificate",
            &p("rsa.pem"),
        ],
    ));
    assert_eq!(code(&o), 255);
    assert!(
        stderr(&o).contains("does not match the certificate"),
        "{}",
        stderr(&o)
    );
}

/// A profile whose `credential_process` runs `aws_signing_helper` (not installed here) gets its
/// credentials from the fake, through the program's own chain.
#[test]
fn a_helper_profile_is_served_natively() {
    let fake = FakeRolesAnywhere::start(Expect::ec());
    let line = format!(
        "aws_signing_helper credential-process --certificate {} --private-key {} \
         --trust-anchor-arn {TRUST_ANCHOR} --profile-arn {PROFILE} --role-arn '{ROLE}' --endpoint {}",
        p("ec.pem"),
        p("ec-key-pkcs8.pem"),
        fake.url()
    );
    let h = home(
        "ra-profile",
        &format!("[profile ra]\ncredential_process = {line}\n"),
        "",
    );
    let o = run(sts(
        &h,
        &[],
        &[
            "export-credentials",
            "--profile",
            "ra",
            "--format",
            "env-no-export",
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("AWS_SECRET_ACCESS_KEY={SECRET}")),
        "{}",
        stdout(&o)
    );
    assert_eq!(fake.count(), 1);
    assert!(fake.seen()[0].failure.is_none());
}

#[test]
fn completion_offers_the_group_and_its_flags() {
    let h = home("ra-completion", "", "");
    let bash = stdout(&run(sts(&h, &[], &["completion", "bash"])));
    for want in [
        " rolesanywhere ",
        "sso|rolesanywhere) group=\"$w\" ;;",
        "credential-process|read-certificate-data|serve|sign-string) cmd=\"rolesanywhere $w\"; break ;;",
        "rolesanywhere) COMPREPLY=($(compgen -W \"credential-process read-certificate-data serve sign-string help\"",
        "\"rolesanywhere credential-process\") COMPREPLY=($(compgen -W \"--certificate --private-key --intermediates",
        "\"rolesanywhere sign-string\") COMPREPLY=($(compgen -W \"--certificate --private-key --format --digest",
    ] {
        assert!(bash.contains(want), "{want}\n{bash}");
    }
    let zsh = stdout(&run(sts(&h, &[], &["completion", "zsh"])));
    assert!(
        zsh.contains("'1: :(credential-process read-certificate-data serve sign-string help)'"),
        "{zsh}"
    );
}
