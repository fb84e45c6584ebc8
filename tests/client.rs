//! Round trips through `Sts` against the loopback fake server: exact parameters sent, parsed output,
//! typed errors, retries counted, redirects not followed.
#![cfg(feature = "client")]

mod support;

use std::time::{Duration, Instant};
use sts_blocking::error::{Error, ErrorCode, TimeoutPhase, TransportErrorKind};
use sts_blocking::ops::*;
use sts_blocking::{Credentials, SecretString, Sts};
use support::{FakeSts, Reply, caller_identity, error_body, success};

fn client(url: &str) -> Sts {
    Sts::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "test-secret", None))
        .build()
        .unwrap()
}

#[test]
fn get_caller_identity_round_trip() {
    let fake = FakeSts::start(caller_identity());
    let me = client(&fake.url()).get_caller_identity().unwrap();
    assert_eq!(
        me.arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/alice")
    );
    assert_eq!(me.account.as_deref(), Some("123456789012"));
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
    assert_eq!(r.body, "Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    let auth = r.header("authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{auth}"
    );
    assert!(auth.contains("/us-east-1/sts/aws4_request"));
    assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date"));
    assert!(r.header("x-amz-date").is_some());
    // A version-4 UUID: 8-4-4-4-12 lower-case hex, version 4, variant 8..b.
    let id = r.header("amz-sdk-invocation-id").unwrap();
    let b = id.as_bytes();
    assert_eq!(id.len(), 36, "{id}");
    assert!([8, 13, 18, 23].iter().all(|&i| b[i] == b'-'), "{id}");
    assert_eq!(b[14], b'4', "{id}");
    assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{id}");
    assert!(
        id.bytes()
            .all(|c| c == b'-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(r.header("amz-sdk-request"), Some("attempt=1; max=3"));
    assert!(r.header("user-agent").unwrap().starts_with("sts-blocking/"));
    // Exactly these headers, each once (as botocore: no `Accept`).
    let mut names: Vec<String> = r
        .headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "accept-encoding",
            "amz-sdk-invocation-id",
            "amz-sdk-request",
            "authorization",
            "content-length",
            "content-type",
            "host",
            "user-agent",
            "x-amz-date"
        ]
    );
    assert_eq!(r.header("accept-encoding"), Some("identity"));
}

#[test]
fn session_token_is_sent_and_signed() {
    let fake = FakeSts::start(caller_identity());
    let sts = Sts::builder()
        .region("eu-west-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new(
            "ASIAEXAMPLE",
            "s",
            Some(SecretString::new("the-token")),
        ))
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
    let r = &fake.requests()[0];
    assert_eq!(r.header("x-amz-security-token"), Some("the-token"));
    let auth = r.header("authorization").unwrap();
    assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"));
    assert!(auth.contains("/eu-west-1/sts/aws4_request"));
}

#[test]
fn assume_role_parameters_and_output() {
    let fake = FakeSts::start(Reply::xml(
        200,
        success(
            "AssumeRole",
            &format!(
                "{}<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\
                 <Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn></AssumedRoleUser>\
                 <PackedPolicySize>7</PackedPolicySize>",
                support::CREDS_XML
            ),
        ),
    ));
    let op = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "s-1")
        .policy("{\"Statement\": [{\"Resource\": \"a b é\"}]}")
        .tags(vec![Tag::new("team", "a b"), Tag::new("k", "v")])
        .external_id("ext-1")
        .duration_seconds(900);
    let out = client(&fake.url()).assume_role(&op).unwrap();
    assert_eq!(
        out.credentials().unwrap().access_key_id,
        "ASIAFAKEEXAMPLE00001"
    );
    assert_eq!(
        out.credentials().unwrap().secret_access_key.expose(),
        "fake-secret-key"
    );
    assert_eq!(out.packed_policy_size, Some(7));
    let r = &fake.requests()[0];
    assert_eq!(
        r.params(),
        vec![
            ("Action".into(), "AssumeRole".into()),
            ("Version".into(), "2011-06-15".into()),
            (
                "RoleArn".into(),
                "arn:aws:iam::123456789012:role/demo".into()
            ),
            ("RoleSessionName".into(), "s-1".into()),
            (
                "Policy".into(),
                "{\"Statement\": [{\"Resource\": \"a b é\"}]}".into()
            ),
            ("DurationSeconds".into(), "900".into()),
            ("Tags.member.1.Key".into(), "team".into()),
            ("Tags.member.1.Value".into(), "a b".into()),
            ("Tags.member.2.Key".into(), "k".into()),
            ("Tags.member.2.Value".into(), "v".into()),
            ("ExternalId".into(), "ext-1".into()),
        ]
    );
    // Spaces travel as '+', as botocore sends them.
    assert!(r.body.contains("Tags.member.1.Value=a+b"), "{}", r.body);
}

#[test]
fn invalid_input_sends_nothing() {
    let fake = FakeSts::start(caller_identity());
    let err = client(&fake.url())
        .assume_role(&AssumeRole::new("arn:aws:iam::123456789012:role/demo", "x"))
        .unwrap_err();
    match &err {
        Error::InvalidInput { violations, .. } => {
            assert_eq!(violations.len(), 1);
            assert_eq!(violations[0].field, "RoleSessionName");
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(
        err.to_string(),
        "Parameter validation failed:\n\
         Invalid length for parameter RoleSessionName, value: 1, valid min length: 2"
    );
    // Every violation is reported, in model member order, as botocore reports them.
    let mut op = AssumeRole::new("arn:aws", "a b");
    op.duration_seconds = Some(60);
    op.tags = Some(vec![Tag::new("", "v")]);
    op.external_id = Some("x".into());
    let err = client(&fake.url()).assume_role(&op).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Parameter validation failed:\n\
         Invalid length for parameter RoleArn, value: 7, valid min length: 20\n\
         Invalid pattern for parameter RoleSessionName, character: ' ', valid pattern: [\\w+=,.@-]*\n\
         Invalid value for parameter DurationSeconds, value: 60, valid min value: 900\n\
         Invalid length for parameter Tags[0].Key, value: 0, valid min length: 1\n\
         Invalid length for parameter ExternalId, value: 1, valid min length: 2"
    );
    assert_eq!(fake.count(), 0);
}

#[test]
fn service_errors_are_typed_and_not_retried() {
    let fake = FakeSts::start(Reply::xml(403, error_body("AccessDenied", "no &amp; no")));
    let err = client(&fake.url()).get_caller_identity().unwrap_err();
    let s = err.service_error().expect("service error");
    assert_eq!(s.code, ErrorCode::AccessDenied);
    assert_eq!(s.message.as_deref(), Some("no & no"));
    assert_eq!(s.status, 403);
    assert_eq!(s.request_id.as_deref(), Some("err-req"));
    assert_eq!(s.operation, Some("GetCallerIdentity"));
    assert_eq!(fake.count(), 1);
}

#[test]
fn request_id_falls_back_to_header() {
    let body = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>\
                <Type>Sender</Type></Error></Errors></ErrorResponse>";
    let fake = FakeSts::start(Reply::xml(403, body).with_header("x-amzn-RequestId", "hdr-id"));
    let err = client(&fake.url()).get_caller_identity().unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.request_id(), Some("hdr-id"));
}

#[test]
fn throttling_is_retried_then_succeeds() {
    let fake = FakeSts::start(caller_identity());
    fake.push([
        Reply::xml(400, error_body("Throttling", "slow down")),
        Reply::xml(503, ""),
    ]);
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new("AKIDEXAMPLE", "s", None))
        .retry_config(
            sts_blocking::retry::RetryConfig::standard()
                .base_backoff(Duration::from_millis(1))
                .throttling_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let before = sts.retry_tokens();
    sts.get_caller_identity().unwrap();
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[2].header("amz-sdk-request"), Some("attempt=3; max=3"));
    // Same invocation id on every attempt.
    assert_eq!(
        reqs[0].header("amz-sdk-invocation-id"),
        reqs[2].header("amz-sdk-invocation-id")
    );
    // 5 (throttling) + 10 (transient) taken, the last cost refunded on success.
    assert_eq!(sts.retry_tokens(), before - 5);
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = Sts::builder()
        .region("us-east-1")
        .endpoint_url("http://sts.example.com")
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Transport {
            kind: TransportErrorKind::InsecureEndpoint,
            ..
        }
    ));
    assert!(
        Sts::builder()
            .region("us-east-1")
            .endpoint_url("http://sts.example.com")
            .allow_http(true)
            .build()
            .is_ok()
    );
}

#[test]
fn signed_operation_without_credentials_is_a_credentials_error() {
    let fake = FakeSts::start(caller_identity());
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .build()
        .unwrap();
    assert!(matches!(
        sts.get_caller_identity().unwrap_err(),
        Error::Credentials(_)
    ));
    assert_eq!(fake.count(), 0);
}

#[test]
fn attempt_timeout_names_the_phase() {
    let fake = FakeSts::start(Reply::Hang);
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new("AKIDEXAMPLE", "s", None))
        .attempt_timeout(Duration::from_millis(300))
        .max_attempts(1)
        .build()
        .unwrap();
    let t = Instant::now();
    match sts.get_caller_identity().unwrap_err() {
        Error::Timeout { phase, .. } => assert_eq!(phase, TimeoutPhase::Attempt),
        e => panic!("{e:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(3));
}

/// Sends `op` through `Sts::send` against a fake that answers `result` (the inside of
/// `<ActionResult>`); returns the output, the decoded parameters and whether the request was signed.
fn round_trip<O: Operation>(op: &O, result: &str) -> (O::Output, Vec<(String, String)>, bool) {
    let fake = FakeSts::start(Reply::xml(200, success(O::ACTION, result)));
    let out = client(&fake.url()).send(op).unwrap();
    let r = &fake.requests()[0];
    (out, r.params(), r.header("authorization").is_some())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const ROLE: &str = "arn:aws:iam::123456789012:role/demo";

#[test]
fn every_operation_round_trips() {
    let creds = support::CREDS_XML;
    let user = "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\
                <Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn></AssumedRoleUser>";

    let (o, p, signed) = round_trip(
        &AssumeRoleWithSaml::new(
            ROLE,
            "arn:aws:iam::123456789012:saml-provider/idp",
            "PHNhbWw+",
        )
        .duration_seconds(900),
        &format!("{creds}{user}<Subject>alice</Subject><Issuer>https://idp</Issuer>"),
    );
    assert!(!signed, "AssumeRoleWithSAML is unsigned");
    assert_eq!(
        p,
        pairs(&[
            ("Action", "AssumeRoleWithSAML"),
            ("Version", "2011-06-15"),
            ("RoleArn", ROLE),
            (
                "PrincipalArn",
                "arn:aws:iam::123456789012:saml-provider/idp"
            ),
            ("SAMLAssertion", "PHNhbWw+"),
            ("DurationSeconds", "900"),
        ])
    );
    assert_eq!(
        (o.subject.as_deref(), o.issuer.as_deref()),
        (Some("alice"), Some("https://idp"))
    );

    let (o, p, signed) = round_trip(
        &AssumeRoleWithWebIdentity::new(ROLE, "web", "eyJ0b2tlbiI6MX0")
            .provider_id("www.amazon.com"),
        &format!("{creds}{user}<SubjectFromWebIdentityToken>sub-1</SubjectFromWebIdentityToken>"),
    );
    assert!(!signed, "AssumeRoleWithWebIdentity is unsigned");
    assert_eq!(
        p,
        pairs(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", ROLE),
            ("RoleSessionName", "web"),
            ("WebIdentityToken", "eyJ0b2tlbiI6MX0"),
            ("ProviderId", "www.amazon.com"),
        ])
    );
    assert_eq!(o.subject_from_web_identity_token.as_deref(), Some("sub-1"));

    let (o, p, signed) = round_trip(
        &AssumeRoot::new(
            "123456789012",
            PolicyDescriptor::new("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"),
        )
        .duration_seconds(900),
        &format!("{creds}<SourceIdentity>admin</SourceIdentity>"),
    );
    assert!(signed);
    assert_eq!(
        p,
        pairs(&[
            ("Action", "AssumeRoot"),
            ("Version", "2011-06-15"),
            ("TargetPrincipal", "123456789012"),
            (
                "TaskPolicyArn.arn",
                "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
            ),
            ("DurationSeconds", "900"),
        ])
    );
    assert_eq!(o.source_identity.as_deref(), Some("admin"));

    let (o, p, _) = round_trip(
        &DecodeAuthorizationMessage::new("enc & message"),
        "<DecodedMessage>{&quot;allowed&quot;:false}</DecodedMessage>",
    );
    assert_eq!(p[2], ("EncodedMessage".into(), "enc & message".into()));
    assert_eq!(o.decoded_message.as_deref(), Some("{\"allowed\":false}"));

    let (o, p, _) = round_trip(
        &GetAccessKeyInfo::new("AKIAIOSFODNN7EXAMPLE"),
        "<Account>111122223333</Account>",
    );
    assert_eq!(p[2], ("AccessKeyId".into(), "AKIAIOSFODNN7EXAMPLE".into()));
    assert_eq!(o.account.as_deref(), Some("111122223333"));

    let (o, p, _) = round_trip(
        &GetDelegatedAccessToken::new("trade-in-token"),
        &format!("{creds}<AssumedPrincipal>arn:aws:iam::123456789012:user/bob</AssumedPrincipal>"),
    );
    assert_eq!(p[2], ("TradeInToken".into(), "trade-in-token".into()));
    assert_eq!(
        o.assumed_principal.as_deref(),
        Some("arn:aws:iam::123456789012:user/bob")
    );

    let (o, p, _) = round_trip(
        &GetFederationToken::new("bob")
            .policy_arns(vec![PolicyDescriptor::new(
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            )])
            .tags(vec![Tag::new("k", "v")]),
        &format!(
            "{creds}<FederatedUser><FederatedUserId>123456789012:bob</FederatedUserId>\
             <Arn>arn:aws:sts::123456789012:federated-user/bob</Arn></FederatedUser>\
             <PackedPolicySize>4</PackedPolicySize>"
        ),
    );
    assert_eq!(
        p,
        pairs(&[
            ("Action", "GetFederationToken"),
            ("Version", "2011-06-15"),
            ("Name", "bob"),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess"
            ),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ])
    );
    assert_eq!(
        o.federated_user.unwrap().federated_user_id,
        "123456789012:bob"
    );
    assert_eq!(o.packed_policy_size, Some(4));

    let (o, p, _) = round_trip(
        &GetScopedCredentials::new().scoped_session_description("ci job 7"),
        &format!(
            "{creds}<SessionInfo><ScopedSessionId>AROAEXAMPLE:scoped</ScopedSessionId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/demo/scoped</Arn></SessionInfo>\
             <ScopedPoliciesCount>2</ScopedPoliciesCount>"
        ),
    );
    assert_eq!(p[2], ("ScopedSessionDescription".into(), "ci job 7".into()));
    assert_eq!(
        o.session_info.unwrap().scoped_session_id,
        "AROAEXAMPLE:scoped"
    );
    assert_eq!(o.scoped_policies_count, Some(2));

    let (o, p, _) = round_trip(
        &GetSessionToken::new()
            .duration_seconds(3600)
            .serial_number("arn:aws:iam::123456789012:mfa/bob")
            .token_code("123456"),
        &format!("{creds}<SessionTokenSize>1024</SessionTokenSize>"),
    );
    assert_eq!(
        p,
        pairs(&[
            ("Action", "GetSessionToken"),
            ("Version", "2011-06-15"),
            ("DurationSeconds", "3600"),
            ("SerialNumber", "arn:aws:iam::123456789012:mfa/bob"),
            ("TokenCode", "123456"),
        ])
    );
    assert_eq!(
        o.credentials().unwrap().access_key_id,
        "ASIAFAKEEXAMPLE00001"
    );
    assert_eq!(o.session_token_size, Some(1024));

    let (o, p, _) = round_trip(
        &GetWebIdentityToken::new(vec!["https://a.example".into(), "b".into()], "ES384")
            .duration_seconds(300),
        "<WebIdentityToken>eyJ.jwt.sig</WebIdentityToken><Expiration>2030-01-01T00:05:00Z</Expiration>",
    );
    assert_eq!(
        p,
        pairs(&[
            ("Action", "GetWebIdentityToken"),
            ("Version", "2011-06-15"),
            ("Audience.member.1", "https://a.example"),
            ("Audience.member.2", "b"),
            ("DurationSeconds", "300"),
            ("SigningAlgorithm", "ES384"),
        ])
    );
    assert_eq!(
        o.web_identity_token.as_ref().unwrap().expose(),
        "eyJ.jwt.sig"
    );
    assert_eq!(o.expiration.unwrap().unix_timestamp(), 1_893_456_300);
}

#[test]
fn no_region_uses_the_aws_global_endpoint_as_botocore() {
    // (use_fips, use_dual_stack, explicit aws-global) -> url; always signed for us-east-1.
    for (fips, dual, explicit, url) in [
        (false, false, false, "https://sts.amazonaws.com"),
        (
            true,
            false,
            false,
            "https://sts-fips.aws-global.amazonaws.com",
        ),
        (false, true, false, "https://sts.aws-global.api.aws"),
        (true, true, false, "https://sts-fips.aws-global.api.aws"),
        (
            true,
            false,
            true,
            "https://sts-fips.aws-global.amazonaws.com",
        ),
        (false, true, true, "https://sts.aws-global.api.aws"),
    ] {
        let mut b = Sts::builder().use_fips(fips).use_dual_stack(dual);
        if explicit {
            b = b.region("aws-global");
        }
        let sts = b.build().unwrap();
        let ep = sts.endpoint();
        assert_eq!(ep.url, url, "fips {fips} dual {dual} explicit {explicit}");
        assert_eq!(ep.signing_region, "us-east-1", "{url}");
        assert_eq!(sts.region(), explicit.then_some("aws-global"));
    }
    // A region still gets its regional endpoint.
    let sts = Sts::builder().region("eu-west-3").build().unwrap();
    assert_eq!(sts.endpoint().url, "https://sts.eu-west-3.amazonaws.com");
}

/// A loopback proxy that records the `CONNECT` target of each connection, then hangs up: where a
/// client would have sent, without leaving the machine.
fn recording_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::BufRead;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let targets = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = targets.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let mut first = String::new();
            let _ = std::io::BufReader::new(&client).read_line(&mut first);
            let target = first.split_whitespace().nth(1).unwrap_or("").to_owned();
            seen.lock().unwrap().push(target);
        }
    });
    (url, targets)
}

/// With the legacy global endpoint, GetWebIdentityToken leaves `Sts` for the regional host and the
/// other calls for the global one: the shell sends where the engine's request says.
#[test]
fn get_web_identity_token_goes_to_the_regional_host_through_sts() {
    let (proxy, targets) = recording_proxy();
    let sts = Sts::builder()
        .region("us-west-2")
        .use_global_endpoint(true)
        .credentials(Credentials::new("AKIDEXAMPLE", "test-secret", None))
        .max_attempts(1)
        .proxy(sts_blocking::client::ProxySetting::Url {
            url: proxy,
            no_proxy: None,
        })
        .build()
        .unwrap();
    assert!(sts.get_caller_identity().is_err());
    let op = GetWebIdentityToken::new(vec!["https://a.example".into()], "ES384");
    assert!(sts.get_web_identity_token(&op).is_err());
    assert_eq!(
        *targets.lock().unwrap(),
        ["sts.amazonaws.com:443", "sts.us-west-2.amazonaws.com:443"]
    );
}

/// `with_credentials` is the same client signing with other credentials: the same endpoint, and it
/// shares the clock-skew offset and the retry quota; the original keeps its own credentials.
/// `send_with_credentials` answers as `send` does.
#[test]
fn with_credentials_signs_with_them_and_shares_the_client() {
    let ahead = time::OffsetDateTime::now_utc() + time::Duration::minutes(10);
    let fake = FakeSts::start(caller_identity());
    let fail = || Reply::xml(500, error_body("InternalError", "oops"));
    fake.push([
        Reply::xml(403, error_body("RequestTimeTooSkewed", "too skewed"))
            .with_header("Date", &support::http_date(ahead)),
        caller_identity(),
        fail(),
        fail(),
    ]);
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new("AKIDEXAMPLE", "test-secret", None))
        .retry_config(
            sts_blocking::retry::RetryConfig::standard().base_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let before = sts.retry_tokens();
    let other = sts.with_credentials(Credentials::new(
        "AKIDOTHER",
        "other-secret",
        Some("other-token".into()),
    ));
    assert_eq!(other.endpoint(), sts.endpoint());
    // The skew correction and the retry cost (two 500s, the last refunded on success), learnt
    // through `other`, are `sts`'s too.
    other.get_caller_identity().unwrap();
    other.get_caller_identity().unwrap();
    let offset = sts.clock_offset_millis();
    assert!((590_000..=610_000).contains(&offset), "offset {offset}");
    assert_eq!(other.clock_offset_millis(), offset);
    assert_eq!(sts.retry_tokens(), before - 10);
    assert_eq!(other.retry_tokens(), before - 10);
    let skew = (sts.signing_time() - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((590..=610).contains(&skew), "{skew}");
    sts.get_caller_identity().unwrap();
    let me: GetCallerIdentityOutput = sts
        .send_with_credentials(
            &GetCallerIdentity::new(),
            &Credentials::new("AKIDTHIRD", "third-secret", None),
        )
        .unwrap();
    assert!(me.arn.is_some());
    let keys: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| {
            let auth = r.header("authorization").unwrap();
            let key = auth.split("Credential=").nth(1).unwrap();
            (
                key.split('/').next().unwrap().to_owned(),
                r.header("x-amz-security-token").map(str::to_owned),
            )
        })
        .collect();
    let other = ("AKIDOTHER".to_owned(), Some("other-token".to_owned()));
    assert_eq!(
        keys,
        [
            other.clone(),
            other.clone(),
            other.clone(),
            other.clone(),
            other,
            ("AKIDEXAMPLE".to_owned(), None),
            ("AKIDTHIRD".to_owned(), None)
        ]
    );
}

#[test]
fn unsigned_requests_carry_no_signature() {
    let fake = FakeSts::start(caller_identity());
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new("AKIDEXAMPLE", "test-secret", None))
        .sign_requests(false)
        .build()
        .unwrap();
    sts.get_caller_identity().unwrap();
    let r = &fake.requests()[0];
    assert!(r.header("authorization").is_none());
    assert!(r.header("x-amz-date").is_none());
}
