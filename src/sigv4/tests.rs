//! Unit tests that need no corpus.

use super::*;
use time::Duration;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// 2015-08-30T12:36:00Z.
fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap()
}

fn params<'a>(region: &'a str, service: &'a str) -> SigningParams<'a> {
    SigningParams::new(AKID, SECRET, None, region, service, t0())
}

// The AWS documentation's worked example (IAM ListUsers, "Examples of the complete Signature Version 4
// signing process"). Cross-checked with a one-off Python run:
//   python3 -c 'import hmac,hashlib; h=lambda k,m: hmac.new(k,m.encode(),hashlib.sha256).digest(); ...'
// building the canonical request below by hand, hashing it with hashlib.sha256 and running the HMAC
// chain "AWS4"+secret -> 20150830 -> us-east-1 -> iam -> aws4_request; it printed the creq hash
// f536975d..., the signing key c4afb1cc... and the signature 5d672d79..., the values in the AWS docs.
const IAM_CREQ: &str = "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
    content-type:application/x-www-form-urlencoded; charset=utf-8\n\
    host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
    content-type;host;x-amz-date\n\
    e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const IAM_KEY: &str = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9";
const IAM_SIG: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

#[test]
fn iam_list_users_documentation_example() {
    let headers = [
        (
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("Host", "iam.amazonaws.com"),
    ];
    let req = SignableRequest {
        method: "GET",
        path: "/",
        query: "Action=ListUsers&Version=2010-05-08",
        headers: &headers,
        body: b"",
    };
    let keys = SigningKeyCache::new();
    let out = sign(&req, &params("us-east-1", "iam"), &keys);
    assert_eq!(out.canonical_request, IAM_CREQ);
    assert_eq!(
        out.string_to_sign,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
         f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    assert_eq!(out.signature, IAM_SIG);
    assert_eq!(
        out.authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={IAM_SIG}"
        )
    );
    assert_eq!(out.amz_date, "20150830T123600Z");
    let added: Vec<_> = out.headers(&params("us-east-1", "iam")).collect();
    assert_eq!(
        added,
        [
            ("x-amz-date", "20150830T123600Z"),
            ("authorization", out.authorization.as_str())
        ]
    );
}

#[test]
fn derives_the_documented_key() {
    let key = derive_signing_key(SECRET, "20150830", "us-east-1", "iam");
    assert_eq!(crate::hex::lower(&key), IAM_KEY);
}

#[test]
fn key_cache_hits_and_misses() {
    let cache = SigningKeyCache::new();
    assert!(cache.is_empty());
    let p = params("us-east-1", "iam");
    let k1 = cache.signing_key(&p);
    assert_eq!(crate::hex::lower(&k1), IAM_KEY);
    assert_eq!(cache.len(), 1);
    // Same day (later time), same region/service/secret: a hit.
    let later = SigningParams {
        time: t0() + Duration::hours(11),
        ..p
    };
    assert_eq!(cache.signing_key(&later), k1);
    assert_eq!(cache.len(), 1);
    // Next day: a miss, and a different key.
    let next_day = SigningParams {
        time: t0() + Duration::days(1),
        ..p
    };
    let k2 = cache.signing_key(&next_day);
    assert_ne!(k2, k1);
    assert_eq!(
        k2,
        derive_signing_key(SECRET, "20150831", "us-east-1", "iam")
    );
    assert_eq!(cache.len(), 2);
    // Other region, other service, other secret: misses.
    let k3 = cache.signing_key(&params("eu-west-1", "iam"));
    assert_eq!(
        k3,
        derive_signing_key(SECRET, "20150830", "eu-west-1", "iam")
    );
    let k4 = cache.signing_key(&params("us-east-1", "sts"));
    assert_eq!(
        k4,
        derive_signing_key(SECRET, "20150830", "us-east-1", "sts")
    );
    let rotated = SigningParams {
        secret_access_key: "other-secret",
        ..p
    };
    assert_eq!(
        cache.signing_key(&rotated),
        derive_signing_key("other-secret", "20150830", "us-east-1", "iam")
    );
    // Bounded: the oldest entry was evicted.
    assert_eq!(cache.len(), 4);
    assert_eq!(cache.signing_key(&p), k1);
    assert_eq!(cache.len(), 4);
}

#[test]
fn cache_is_send_sync_and_debug_is_redacted() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigningKeyCache>();
    let cache = SigningKeyCache::new();
    let _ = cache.signing_key(&params("us-east-1", "iam"));
    let dbg = format!("{cache:?}");
    assert!(!dbg.contains("c4afb1cc"), "{dbg}");
    assert!(!dbg.to_lowercase().contains(&IAM_KEY[..8]), "{dbg}");
    assert!(!dbg.contains(SECRET));

    let p = SigningParams::new(AKID, SECRET, Some("marker-token"), "r", "s", t0());
    let dbg = format!("{p:?}");
    assert!(dbg.contains(AKID));
    assert!(!dbg.contains("wJalr") && !dbg.contains("marker"), "{dbg}");

    let headers = [("host", "h"), ("x-amz-security-token", "marker-token")];
    let req = SignableRequest {
        method: "GET",
        path: "/",
        query: "X-Amz-Security-Token=marker",
        headers: &headers,
        body: b"marker",
    };
    assert!(!format!("{req:?}").contains("marker"));
    let out = sign(&req, &p, &cache);
    let dbg = format!("{out:?}");
    assert!(
        !dbg.contains(&out.signature) && !dbg.contains("marker"),
        "{dbg}"
    );
    let url = presign(&req, &p, 60, &cache);
    let dbg = format!("{url:?}");
    assert!(
        !dbg.contains(&url.signature) && !dbg.contains("marker"),
        "{dbg}"
    );
}

#[test]
fn amz_date_is_utc() {
    let t = t0().to_offset(time::UtcOffset::from_hms(-7, 0, 0).unwrap());
    assert_eq!(format_amz_date(t), "20150830T123600Z");
    let t = OffsetDateTime::from_unix_timestamp(0).unwrap();
    assert_eq!(format_amz_date(t), "19700101T000000Z");
    let t = OffsetDateTime::from_unix_timestamp(1_709_251_199).unwrap();
    assert_eq!(format_amz_date(t), "20240229T235959Z");
}

fn creq(path: &str, query: &str, headers: &[(&str, &str)], settings: SigningSettings) -> String {
    let req = SignableRequest {
        method: "GET",
        path,
        query,
        headers,
        body: b"",
    };
    let p = params("us-east-1", "service").with_settings(settings);
    sign(&req, &p, &SigningKeyCache::new()).canonical_request
}

fn line(creq: &str, n: usize) -> &str {
    creq.split('\n').nth(n).unwrap()
}

#[test]
fn canonical_uri() {
    let h = [("host", "h")];
    let norm = SigningSettings::default();
    let raw = SigningSettings {
        normalize_path: false,
        ..norm
    };
    for (path, normalized, unnormalized) in [
        ("/", "/", "/"),
        ("", "/", "/"),
        ("//example//", "/example/", "//example//"),
        ("/example1/example2/../..", "/", "/example1/example2/../.."),
        ("/./example/.", "/example/", "/./example/."),
        ("/a/../b/./c", "/b/c", "/a/../b/./c"),
        ("/example space/", "/example%20space/", "/example%20space/"),
        ("/ሴ", "/%E1%88%B4", "/%E1%88%B4"),
        (
            "/example/$delete",
            "/example/%24delete",
            "/example/%24delete",
        ),
        // Double encoding, as non-S3 services expect.
        ("/a%3Ab", "/a%253Ab", "/a%253Ab"),
    ] {
        assert_eq!(line(&creq(path, "", &h, norm), 1), normalized, "{path}");
        assert_eq!(line(&creq(path, "", &h, raw), 1), unnormalized, "{path}");
    }
}

#[test]
fn canonical_query() {
    let h = [("host", "h")];
    let s = SigningSettings::default();
    for (query, canonical) in [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&a=10", "a=1&a=10&a=2"),
        (
            "Param-3=V3&Param=V2&%E1%88%B4=V1",
            "%E1%88%B4=V1&Param=V2&Param-3=V3",
        ),
        ("ሴ=bar", "%E1%88%B4=bar"),
        ("a+b=c%20d&k", "a%20b=c%20d&k="),
        ("x=a%2fb&y=%zz&&z=", "x=a%2Fb&y=%25zz&z="),
        ("-._~=~._-", "-._~=~._-"),
        ("k=a/b:c", "k=a%2Fb%3Ac"),
    ] {
        assert_eq!(line(&creq("/", query, &h, s), 2), canonical, "{query}");
    }
}

#[test]
fn canonical_headers() {
    let headers = [
        ("My-Header1", "value2"),
        ("Host", "example.amazonaws.com"),
        ("my-header1", "  value1 "),
        ("My-Header2", "\"a   b \t  c\""),
    ];
    let c = creq("/", "", &headers, SigningSettings::default());
    assert_eq!(
        c,
        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value1\n\
         my-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n\
         host;my-header1;my-header2;x-amz-date\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    // The signer's own headers replace any the caller passed.
    let headers = [
        ("host", "h"),
        ("X-Amz-Date", "19990101T000000Z"),
        ("authorization", "x"),
    ];
    let c = creq("/", "", &headers, SigningSettings::default());
    assert_eq!(line(&c, 4), "x-amz-date:20150830T123600Z");
    assert_eq!(line(&c, 6), "host;x-amz-date");
}

fn token_request<'a>(headers: &'a [(&'a str, &'a str)]) -> SignableRequest<'a> {
    SignableRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body: b"Action=GetCallerIdentity&Version=2011-06-15",
    }
}

#[test]
fn session_token_signed_or_not() {
    let headers = [("host", "sts.amazonaws.com")];
    let req = token_request(&headers);
    let keys = SigningKeyCache::new();
    let p = SigningParams::new(AKID, SECRET, Some("tok en"), "us-east-1", "sts", t0());
    let signed = sign(&req, &p, &keys);
    assert_eq!(
        signed.signed_headers,
        "host;x-amz-date;x-amz-security-token"
    );
    assert!(
        signed
            .canonical_request
            .contains("\nx-amz-security-token:tok en\n")
    );
    let added: Vec<_> = signed.headers(&p).map(|(n, _)| n).collect();
    assert_eq!(
        added,
        ["x-amz-date", "x-amz-security-token", "authorization"]
    );

    let p2 = p.with_settings(SigningSettings {
        session_token: SessionTokenMode::Unsigned,
        ..SigningSettings::default()
    });
    let unsigned = sign(&req, &p2, &keys);
    assert_eq!(unsigned.signed_headers, "host;x-amz-date");
    assert!(!unsigned.canonical_request.contains("tok"));
    assert_ne!(unsigned.signature, signed.signature);
    // The token is still sent.
    assert!(
        unsigned
            .headers(&p2)
            .any(|h| h == ("x-amz-security-token", "tok en"))
    );

    // Presigned: in the canonical query when signed, appended after signing when not.
    let get = SignableRequest {
        method: "GET",
        body: b"",
        ..req
    };
    let url = presign(&get, &p, 900, &keys);
    assert!(
        url.canonical_request
            .contains("&X-Amz-Security-Token=tok%20en&")
    );
    assert!(url.query.ends_with(&format!(
        "&X-Amz-Security-Token=tok%20en&X-Amz-Signature={}",
        url.signature
    )));
    let url2 = presign(&get, &p2, 900, &keys);
    assert!(!url2.canonical_request.contains("Token"));
    assert!(url2.query.ends_with(&format!(
        "&X-Amz-Security-Token=tok%20en&X-Amz-Signature={}",
        url2.signature
    )));
}

#[test]
fn sign_body_adds_content_sha256() {
    let headers = [("host", "h")];
    let req = token_request(&headers);
    let p = params("us-east-1", "sts").with_settings(SigningSettings {
        sign_body: true,
        ..SigningSettings::default()
    });
    let out = sign(&req, &p, &SigningKeyCache::new());
    // sha256("Action=GetCallerIdentity&Version=2011-06-15")
    let hash = sha256_hex(req.body);
    assert_eq!(out.content_sha256.as_deref(), Some(hash.as_str()));
    assert_eq!(out.signed_headers, "host;x-amz-content-sha256;x-amz-date");
    assert!(out.canonical_request.ends_with(&format!("\n{hash}")));
    assert!(
        out.headers(&p)
            .any(|h| h == ("x-amz-content-sha256", hash.as_str()))
    );
}

#[test]
fn presign_with_extra_signed_header() {
    // The shape of an EKS token: a presigned GetCallerIdentity with x-k8s-aws-id signed.
    let headers = [
        ("host", "sts.us-east-1.amazonaws.com"),
        ("X-K8s-Aws-Id", "my-cluster"),
    ];
    let req = SignableRequest {
        method: "GET",
        path: "/",
        query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &headers,
        body: b"",
    };
    let p = params("us-east-1", "sts");
    let out = presign(&req, &p, 60, &SigningKeyCache::new());
    assert_eq!(out.signed_headers, "host;x-k8s-aws-id");
    assert_eq!(
        out.query,
        format!(
            "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
             &X-Amz-Signature={}",
            out.signature
        )
    );
    assert!(out.canonical_request.contains(
        "\nhost:sts.us-east-1.amazonaws.com\nx-k8s-aws-id:my-cluster\n\nhost;x-k8s-aws-id\n"
    ));
    // Recompute the signature from the returned string to sign.
    let key = derive_signing_key(SECRET, "20150830", "us-east-1", "sts");
    assert_eq!(
        crate::hex::lower(&super::key::hmac(&key, out.string_to_sign.as_bytes())),
        out.signature
    );
    assert_eq!(
        out.url("https://sts.us-east-1.amazonaws.com/"),
        format!("https://sts.us-east-1.amazonaws.com/?{}", out.query)
    );
}

#[test]
fn uri_encode_component_is_rfc3986() {
    assert_eq!(
        uri_encode_component("a b+c/d=e&f~g"),
        "a%20b%2Bc%2Fd%3De%26f~g"
    );
    assert_eq!(uri_encode_component("東"), "%E6%9D%B1");
}
