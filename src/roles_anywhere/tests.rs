use super::*;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/rolesanywhere/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn request() -> CreateSession {
    CreateSession::new(
        "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a1b2",
        "arn:aws:rolesanywhere:us-east-1:123456789012:profile/c3d4",
        "arn:aws:iam::123456789012:role/Test Role",
    )
}

#[test]
fn canonical_request_and_string_to_sign() {
    let cert = Certificate::read_all(&data("rsa.pem")).unwrap().remove(0);
    let chain = Certificate::read_all(&data("chain.pem")).unwrap();
    let mut req = request();
    req.role_session_name = Some("build-42".into());
    let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let p = req.prepare(
        "rolesanywhere.us-east-1.amazonaws.com",
        "/sessions",
        "us-east-1",
        &cert,
        &chain,
        SigningAlgorithm::Rsa,
        t,
    );
    assert_eq!(
        p.query,
        "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2Fc3d4&\
         roleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FTest%20Role&\
         trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Atrust-anchor%2Fa1b2"
    );
    assert_eq!(
        p.body,
        "{\"durationSeconds\":3600,\"roleSessionName\":\"build-42\"}"
    );
    assert_eq!(
        p.signed_headers,
        "content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain"
    );
    let chain_b64 = format!("{},{}", chain[0].to_base64(), chain[1].to_base64());
    let expected = format!(
        "POST\n/sessions\n{}\ncontent-type:application/json\n\
         host:rolesanywhere.us-east-1.amazonaws.com\nx-amz-date:20231114T221320Z\n\
         x-amz-x509:{}\nx-amz-x509-chain:{chain_b64}\n\n{}\n{}",
        p.query,
        cert.to_base64(),
        p.signed_headers,
        crate::hex::lower(&Sha256::digest(p.body.as_bytes()))
    );
    assert_eq!(p.canonical_request, expected);
    assert_eq!(
        p.string_to_sign,
        format!(
            "AWS4-X509-RSA-SHA256\n20231114T221320Z\n20231114/us-east-1/rolesanywhere/aws4_request\n{}",
            crate::hex::lower(&Sha256::digest(expected.as_bytes()))
        )
    );
    assert_eq!(
        p.authorization(&[1, 2]),
        format!(
            "AWS4-X509-RSA-SHA256 Credential={}/20231114/us-east-1/rolesanywhere/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain, Signature=0102",
            0x9F3A_5C7E_1B2D_4F60_81A3_C5E7_092B_4D6F_u128
        )
    );
}

#[test]
fn requests_are_checked_before_signing() {
    assert!(request().validate().is_ok());
    let mut r = request();
    r.profile_arn = "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/c3d4".into();
    assert_eq!(
        r.validate().unwrap_err().violations()[0].field,
        "profileArn"
    );
    let mut r = request();
    r.role_arn = "not-an-arn".into();
    r.duration_seconds = 60;
    r.role_session_name = Some("a b".into());
    let fields: Vec<String> = r
        .validate()
        .unwrap_err()
        .violations()
        .iter()
        .map(|v| v.field.clone())
        .collect();
    assert_eq!(fields, ["roleArn", "durationSeconds", "roleSessionName"]);
    assert_eq!(
        region_of_arn("arn:aws:rolesanywhere:us-east-2:1:x/y"),
        Some("us-east-2")
    );
    assert_eq!(region_of_arn("arn:aws:iam::1:role/x"), None);
    assert_eq!(region_of_arn("nope"), None);
    assert_eq!(
        endpoint_for_region("us-gov-west-1"),
        "https://rolesanywhere.us-gov-west-1.amazonaws.com"
    );
}

#[test]
fn session_responses() {
    let body = r#"{"credentialSet":[{"assumedRoleUser":{"arn":"arn:aws:sts::123456789012:assumed-role/r/s","assumedRoleId":"AROA:s"},
        "credentials":{"accessKeyId":"ASIAX","secretAccessKey":"marker-secret","sessionToken":"marker-token","expiration":"2030-01-01T00:00:00Z"},
        "packedPolicySize":10,"roleArn":"arn:aws:iam::123456789012:role/r","sourceIdentity":"CN=x"}],"subjectArn":"arn:aws:rolesanywhere:us-east-1:123456789012:subject/s"}"#;
    let (c, info) = parse_session_response(201, body).unwrap();
    assert_eq!(c.access_key_id, "ASIAX");
    assert_eq!(c.account_id.as_deref(), Some("123456789012"));
    assert_eq!(c.expiration.unwrap().year(), 2030);
    assert_eq!(info.source_identity.as_deref(), Some("CN=x"));
    assert!(info.subject_arn.unwrap().ends_with("subject/s"));
    for bad in [
        "",
        "[]",
        "{}",
        r#"{"credentialSet":[]}"#,
        r#"{"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"marker-secret","sessionToken":"t"}}]}"#,
        r#"{"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"marker-secret","sessionToken":"t","expiration":"tomorrow"}}]}"#,
    ] {
        let e = parse_session_response(200, bad).unwrap_err();
        assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
        assert!(!format!("{e} {e:?}").contains("marker"), "{e:?}");
    }
    let e = session_error(
        403,
        Some("AccessDeniedException:http://internal.amazon.com/coral/"),
        Some("req-1"),
        br#"{"message":"Untrusted signing certificate"}"#,
    );
    let Error::Service(s) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(s.code.as_str(), "AccessDeniedException");
    assert_eq!(s.message.as_deref(), Some("Untrusted signing certificate"));
    assert_eq!(s.request_id.as_deref(), Some("req-1"));
    let e = session_error(
        400,
        None,
        None,
        br#"{"__type":"com.amazon#ValidationException","message":"x"}"#,
    );
    let Error::Service(s) = &e else { panic!() };
    assert_eq!(s.code.as_str(), "ValidationException");
    let e = session_error(500, None, None, b"<html>");
    let Error::Service(s) = &e else { panic!() };
    assert_eq!(s.code.as_str(), "InternalServerError");
}

#[test]
fn chains_must_be_in_order() {
    let leaf = Certificate::read_all(&data("rsa.pem")).unwrap().remove(0);
    let good = Certificate::read_all(&data("chain.pem")).unwrap();
    assert!(check_chain(&leaf, &good).is_ok());
    assert!(check_chain(&leaf, &good[..1]).is_ok());
    assert!(check_chain(&leaf, &[]).is_ok());
    let wrong = Certificate::read_all(&data("chain-wrong-order.pem")).unwrap();
    let Err(Problem::Invalid(m)) = check_chain(&leaf, &wrong) else {
        panic!()
    };
    assert!(m.contains("not a chain in order"), "{m}");
}
