//! Robustness of the response parsers, without the corpus: no input makes `decode_response` (for any
//! of the 12 operations) or `decode_error` panic, and each returns `Ok` or the right typed error.
//!
//! Inputs: every prefix of a valid body of each operation, every one-byte deletion, garbage and
//! non-UTF-8 bytes, deep nesting, a 5 MB body, an `ErrorResponse` with status 200, another
//! operation's body, and malformed members (bad integers, bad timestamps, missing required members).

use sts_blocking::__private::xml::{decode_error, decode_response};
use sts_blocking::Error;
use sts_blocking::ops::{
    AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, AssumeRoot,
    DecodeAuthorizationMessage, GetAccessKeyInfo, GetCallerIdentity, GetDelegatedAccessToken,
    GetFederationToken, GetScopedCredentials, GetSessionToken, GetWebIdentityToken, Operation,
};

/// Runs `$f::<Op>($args...)` for each of the 12 operations.
macro_rules! each_op {
    ($f:ident $(, $arg:expr)*) => {{
        $f::<AssumeRole>($($arg),*);
        $f::<AssumeRoleWithSaml>($($arg),*);
        $f::<AssumeRoleWithWebIdentity>($($arg),*);
        $f::<AssumeRoot>($($arg),*);
        $f::<DecodeAuthorizationMessage>($($arg),*);
        $f::<GetAccessKeyInfo>($($arg),*);
        $f::<GetCallerIdentity>($($arg),*);
        $f::<GetDelegatedAccessToken>($($arg),*);
        $f::<GetFederationToken>($($arg),*);
        $f::<GetScopedCredentials>($($arg),*);
        $f::<GetSessionToken>($($arg),*);
        $f::<GetWebIdentityToken>($($arg),*);
    }};
}

const CREDS: &str = "<Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\
<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\
<SessionToken>AQoDYXdzEPT//////////wEXAMPLE</SessionToken>\
<Expiration>2026-11-26T13:00:00.123Z</Expiration></Credentials>";

const ROLE_USER: &str = "<AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:s</AssumedRoleId>\
<Arn>arn:aws:sts::123456789012:assumed-role/R/s</Arn></AssumedRoleUser>";

const TIP: &str = "<TrustedIdentityPropagationContext><OriginIdentity><Subject>u@example.com</Subject>\
<SubjectType>user</SubjectType><Issuer>idp.example.com</Issuer>\
<FederatedProviderArn>arn:aws:iam::123456789012:oidc-provider/idp.example.com</FederatedProviderArn>\
</OriginIdentity><TransactionContext><IdentityProvider><entry><key>dept</key><value>fin &amp; ops</value>\
</entry></IdentityProvider></TransactionContext></TrustedIdentityPropagationContext>";

/// The `<XResult>` content of a valid response for `action`, with every member.
fn result_members(action: &str) -> String {
    let tokens = "<SessionTokenUtilization>42</SessionTokenUtilization><SessionTokenSize>1304</SessionTokenSize>";
    match action {
        "AssumeRole" => format!(
            "{CREDS}{ROLE_USER}<PackedPolicySize>6</PackedPolicySize><SourceIdentity>dev</SourceIdentity>{tokens}"
        ),
        "AssumeRoleWithSAML" => format!(
            "{CREDS}{ROLE_USER}<PackedPolicySize>6</PackedPolicySize><Subject>alice</Subject>\
<SubjectType>transient</SubjectType><Issuer>https://idp/</Issuer><Audience>https://signin.aws.amazon.com/saml</Audience>\
<NameQualifier>q=</NameQualifier><SourceIdentity>dev</SourceIdentity>{tokens}{TIP}"
        ),
        "AssumeRoleWithWebIdentity" => format!(
            "<Audience>aud</Audience>{CREDS}<SubjectFromWebIdentityToken>sub-123</SubjectFromWebIdentityToken>\
{ROLE_USER}<PackedPolicySize>6</PackedPolicySize><Provider>www.amazon.com</Provider>\
<SourceIdentity>dev</SourceIdentity>{tokens}{TIP}"
        ),
        "AssumeRoot" => format!("{CREDS}<SourceIdentity>Alice</SourceIdentity>{tokens}"),
        "DecodeAuthorizationMessage" => {
            "<DecodedMessage>{&quot;allowed&quot;:false,&#34;x&#34;:&lt;1&gt;}</DecodedMessage>"
                .to_owned()
        }
        "GetAccessKeyInfo" => "<Account>111122223333</Account>".to_owned(),
        "GetCallerIdentity" => "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>\
<Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
            .to_owned(),
        "GetDelegatedAccessToken" => format!(
            "{CREDS}<PackedPolicySize>1</PackedPolicySize>\
<AssumedPrincipal>arn:aws:sts::123456789012:assumed-role/R/s</AssumedPrincipal>"
        ),
        "GetFederationToken" => format!(
            "{CREDS}<FederatedUser><FederatedUserId>123456789012:Bob</FederatedUserId>\
<Arn>arn:aws:sts::123456789012:federated-user/Bob</Arn></FederatedUser><PackedPolicySize>8</PackedPolicySize>{tokens}"
        ),
        "GetScopedCredentials" => format!(
            "{CREDS}<SessionInfo><ScopedSessionId>AROA1:s</ScopedSessionId>\
<Arn>arn:aws:sts::123456789012:assumed-role/R/s</Arn></SessionInfo>{tokens}\
<ScopedPoliciesCount>1</ScopedPoliciesCount><SourceIdentity>dev</SourceIdentity>"
        ),
        "GetSessionToken" => format!("{CREDS}{tokens}"),
        "GetWebIdentityToken" => {
            "<WebIdentityToken>eyJhbGciOiJSUzI1NiJ9.e30.c2ln</WebIdentityToken>\
<Expiration>2026-11-26T12:05:00Z</Expiration>"
                .to_owned()
        }
        other => panic!("no body for {other}"),
    }
}

/// A complete response for `action` around `members`. No trailing whitespace, so every proper prefix
/// is malformed.
fn envelope(action: &str, members: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <{action}Result>{members}<Unknown><Nested>x</Nested></Unknown></{action}Result>\n  \
<ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>\n\
</{action}Response>"
    )
}

fn body_of(action: &str) -> String {
    envelope(action, &result_members(action))
}

const ACTIONS: [&str; 12] = [
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetScopedCredentials",
    "GetSessionToken",
    "GetWebIdentityToken",
];

/// `decode_response` result: Ok, or one of the two errors a body can produce.
fn decode<O: Operation>(status: u16, body: &[u8]) -> Result<(), Error> {
    match decode_response::<O>(status, body, None) {
        Ok(_) => Ok(()),
        Err(e @ (Error::InvalidResponse { .. } | Error::Service(_))) => Err(e),
        Err(e) => panic!("{}: unexpected error kind {e:?}", O::ACTION),
    }
}

fn assert_invalid<O: Operation>(status: u16, body: &[u8], what: &str) {
    match decode::<O>(status, body) {
        Err(Error::InvalidResponse { status: s, .. }) => assert_eq!(s, status, "{what}"),
        other => panic!(
            "{} {what}: expected InvalidResponse, got {other:?}",
            O::ACTION
        ),
    }
}

/// `decode_error` never panics and gives a service error or an invalid response with the status.
fn error_kind(status: u16, body: &[u8]) -> Error {
    let e = decode_error(status, body, Some("hdr-id"), None);
    match &e {
        Error::Service(s) => assert_eq!(s.status, status),
        Error::InvalidResponse {
            status: s, snippet, ..
        } => {
            assert_eq!(*s, status);
            assert!(snippet.chars().count() <= 205, "{snippet}");
        }
        other => panic!("decode_error gave {other:?}"),
    }
    e
}

fn valid_body_decodes<O: Operation>() {
    let body = body_of(O::ACTION);
    decode::<O>(200, body.as_bytes()).unwrap_or_else(|e| panic!("{}: {e:?}", O::ACTION));
}

#[test]
fn valid_bodies_decode() {
    each_op!(valid_body_decodes);
}

fn truncations<O: Operation>() {
    let body = body_of(O::ACTION);
    let bytes = body.as_bytes();
    for len in 0..bytes.len() {
        let prefix = &bytes[..len];
        assert_invalid::<O>(200, prefix, &format!("prefix of {len} bytes"));
        error_kind(400, prefix);
    }
}

#[test]
fn every_truncation_is_an_invalid_response() {
    each_op!(truncations);
}

fn deletions<O: Operation>() {
    let body = body_of(O::ACTION);
    let bytes = body.as_bytes();
    for i in 0..bytes.len() {
        let mut cut = bytes.to_vec();
        cut.remove(i);
        let _ = decode::<O>(200, &cut);
        error_kind(500, &cut);
    }
}

#[test]
fn one_byte_deletions_never_panic() {
    each_op!(deletions);
}

fn garbage<O: Operation>() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in [0usize, 1, 2, 7, 64, 1000] {
        for _ in 0..20 {
            let bytes: Vec<u8> = (0..n).map(|_| next().to_le_bytes()[0]).collect();
            let _ = decode::<O>(200, &bytes);
            error_kind(503, &bytes);
            // Printable garbage with markup characters.
            let text: Vec<u8> = bytes
                .iter()
                .map(|b| b"<>/&;=\"' ax!?-"[usize::from(*b) % 14])
                .collect();
            let _ = decode::<O>(200, &text);
            error_kind(503, &text);
        }
    }
    for body in [
        &b""[..],
        b"   \n",
        b"\xff\xfe\x00<",
        b"<\xc3\x28/>",
        b"\xef\xbb\xbf",
        b"null",
        b"{\"Error\":{\"Code\":\"Throttling\"}}",
        b"<html><body>502 Bad Gateway</body></html>",
        b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>",
        b"<x>&undefined;</x>",
        b"<x><![CDATA[unterminated</x>",
        b"<?xml version=\"1.0\"?>",
    ] {
        assert_invalid::<O>(200, body, &format!("{body:?}"));
        let _ = error_kind(500, body);
    }
    // Non-UTF-8 inside an otherwise valid body.
    let mut bad = body_of(O::ACTION).into_bytes();
    let at = bad.len() / 2;
    bad.insert(at, 0xff);
    assert_invalid::<O>(200, &bad, "non-UTF-8 body");
}

#[test]
fn garbage_and_non_utf8_are_invalid_responses() {
    each_op!(garbage);
}

fn deep_nesting<O: Operation>() {
    for depth in [33usize, 1000, 100_000] {
        let members = format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let body = envelope(O::ACTION, &members);
        assert_invalid::<O>(200, body.as_bytes(), &format!("depth {depth}"));
        error_kind(400, body.as_bytes());
        let open_only = "<a>".repeat(depth);
        assert_invalid::<O>(200, open_only.as_bytes(), "unclosed nesting");
        error_kind(400, open_only.as_bytes());
    }
    // Nesting that stays under the cap is fine: unknown elements are ignored.
    let members = format!("{}x{}", "<a>".repeat(20), "</a>".repeat(20));
    let body = envelope(O::ACTION, &(result_members(O::ACTION) + &members));
    decode::<O>(200, body.as_bytes()).unwrap();
}

#[test]
fn deep_nesting_is_rejected_not_overflowed() {
    each_op!(deep_nesting);
}

fn huge<O: Operation>(big_text: &str, many_nodes: &str) {
    // 5 MB of text inside an unknown element: parsed and ignored.
    let body = envelope(
        O::ACTION,
        &format!("{}<Padding>{big_text}</Padding>", result_members(O::ACTION)),
    );
    decode::<O>(200, body.as_bytes()).unwrap();
    // 5 MB of elements: over the node limit.
    let body = envelope(O::ACTION, many_nodes);
    assert_invalid::<O>(200, body.as_bytes(), "5 MB of elements");
    error_kind(500, body.as_bytes());
}

#[test]
fn huge_bodies() {
    let big_text = "x".repeat(5 << 20);
    let many_nodes = "<m/>".repeat((5 << 20) / 4);
    each_op!(huge, &big_text, &many_nodes);
    // A 5 MB message in an error body is kept whole.
    let body = format!(
        "<ErrorResponse><Error><Code>Throttling</Code><Message>{big_text}</Message></Error></ErrorResponse>"
    );
    match error_kind(400, body.as_bytes()) {
        Error::Service(s) => assert_eq!(s.message.map(|m| m.len()), Some(5 << 20)),
        e => panic!("{e:?}"),
    }
}

fn error_with_200<O: Operation>() {
    let body = b"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
<Code>AccessDenied</Code><Message>no</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
    match decode::<O>(200, body) {
        Err(Error::Service(s)) => {
            assert_eq!(s.code.as_str(), "AccessDenied");
            assert_eq!(s.status, 200);
            assert_eq!(s.request_id.as_deref(), Some("r-1"));
            assert_eq!(s.operation, Some(O::ACTION));
        }
        other => panic!("{}: {other:?}", O::ACTION),
    }
    // A success body with an error status is not taken as success.
    let body = body_of(O::ACTION);
    assert_invalid::<O>(500, body.as_bytes(), "success body with status 500");
    // An ErrorResponse without a code.
    let body = b"<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>";
    assert_invalid::<O>(200, body, "ErrorResponse without Code");
    assert_invalid::<O>(403, body, "ErrorResponse without Code");
}

#[test]
fn error_response_with_status_200_is_a_service_error() {
    each_op!(error_with_200);
}

fn other_bodies<O: Operation>() {
    for action in ACTIONS.iter().filter(|a| **a != O::ACTION) {
        let body = body_of(action);
        assert_invalid::<O>(200, body.as_bytes(), &format!("{action} body"));
    }
    // The right root but a result of another operation.
    let body = format!(
        "<{0}Response><GetAccessKeyInfoResultX><Account>1</Account></GetAccessKeyInfoResultX></{0}Response>",
        O::ACTION
    );
    assert_invalid::<O>(200, body.as_bytes(), "missing Result");
}

#[test]
fn another_operations_body_is_an_invalid_response() {
    each_op!(other_bodies);
}

/// Malformed members: every integer and timestamp member with bad text, and required members missing.
fn bad_members<O: Operation>() {
    let good = result_members(O::ACTION);
    let mut cases = Vec::new();
    for (tag, bad) in [
        ("PackedPolicySize", "six"),
        ("PackedPolicySize", "99999999999"),
        ("SessionTokenSize", "-"),
        ("SessionTokenUtilization", "1.5"),
        ("ScopedPoliciesCount", "１"),
        ("Expiration", "tomorrow"),
        ("Expiration", ""),
        ("AccessKeyId", "<x/>"),
    ] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        if let (Some(a), Some(b)) = (good.find(&open), good.find(&close)) {
            let changed = format!("{}{open}{bad}{}", &good[..a], &good[b..]);
            cases.push((format!("{tag}={bad}"), changed, tag != "AccessKeyId"));
        }
    }
    // What the model requires: the members of nested structures (Credentials, AssumedRoleUser,
    // FederatedUser, ScopedSession). No top-level output member is required, so a result without
    // `Credentials`, `WebIdentityToken` or GetWebIdentityToken's `Expiration` decodes.
    let top_level_expiration = O::ACTION == "GetWebIdentityToken";
    for (tag, required) in [
        ("Credentials", false),
        ("AccessKeyId", true),
        ("SecretAccessKey", true),
        ("Expiration", !top_level_expiration),
        ("AssumedRoleId", true),
        ("FederatedUserId", true),
        ("ScopedSessionId", true),
        ("WebIdentityToken", false),
        ("SessionToken", false),
    ] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        if let (Some(a), Some(b)) = (good.find(&open), good.find(&close)) {
            let changed = format!("{}{}", &good[..a], &good[b + close.len()..]);
            cases.push((format!("without {tag}"), changed, required));
        }
    }
    for (what, members, must_fail) in cases {
        let body = envelope(O::ACTION, &members);
        let r = decode::<O>(200, body.as_bytes());
        if must_fail {
            assert!(
                matches!(r, Err(Error::InvalidResponse { status: 200, .. })),
                "{} {what}: {r:?}",
                O::ACTION
            );
        } else if what.starts_with("without") {
            assert!(r.is_ok(), "{} {what}: {r:?}", O::ACTION);
        }
    }
}

#[test]
fn malformed_members_are_invalid_responses() {
    each_op!(bad_members);
}

#[test]
fn invalid_response_errors_never_show_secrets() {
    // A body cut inside the secret key: the error must not echo it.
    let body = body_of("AssumeRole");
    let cut = body.find("K7MDENG").unwrap();
    for status in [200, 500] {
        let e = match decode_response::<AssumeRole>(status, &body.as_bytes()[..cut + 7], None) {
            Err(e) => e,
            Ok(_) => panic!("decoded a truncated body"),
        };
        let text = format!("{e} {e:?}");
        assert!(!text.contains("K7MDENG"), "{text}");
    }
}
