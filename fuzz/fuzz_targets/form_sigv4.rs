//! Form encoding and SigV4 on arbitrary input.
//!
//! * `query::Form` then `query::decode` gives back the same pairs, and the body holds only unreserved
//!   characters, `+`, `%XX` (upper-case hex), `&` and `=`.
//! * `sigv4::sign` / `sigv4::presign` of an arbitrary request never panic, the signature is 64
//!   lower-case hex digits, the signed headers are sorted, unique and lower-case, and the presigned
//!   signature does not depend on the order of the query parameters.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sts_blocking::__private::query::{decode, form};
use sts_blocking::sigv4::{
    SessionTokenMode, SignableRequest, SigningKeyCache, SigningParams, SigningSettings,
    derive_signing_key, presign, sign,
};
use time::OffsetDateTime;

#[derive(Debug, Arbitrary)]
struct Input {
    action: String,
    pairs: Vec<(String, String)>,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    region: String,
    service: String,
    unix: i64,
    expires: u64,
    normalize_path: bool,
    unsigned_token: bool,
    sign_body: bool,
    add_host: bool,
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn check_form(input: &Input) {
    let form = form(
        &input.action,
        input.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let body = form.as_str();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'+'
            | b'&'
            | b'=' => i += 1,
            b'%' => {
                let hex =
                    |b: Option<&u8>| b.is_some_and(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
                assert!(
                    hex(bytes.get(i + 1)) && hex(bytes.get(i + 2)),
                    "bad escape in {body:?}"
                );
                i += 3;
            }
            b => panic!("byte {b:#x} in form body {body:?}"),
        }
    }
    let decoded = decode(body).expect("an encoded form decodes");
    let mut expected = vec![
        ("Action".to_owned(), input.action.clone()),
        ("Version".to_owned(), "2011-06-15".to_owned()),
    ];
    expected.extend(input.pairs.iter().cloned());
    assert_eq!(decoded, expected);
}

fn check_signed_headers(signed: &str) {
    let names: Vec<&str> = signed.split(';').collect();
    for w in names.windows(2) {
        assert!(w[0] < w[1], "signed headers sorted and unique: {signed:?}");
    }
    assert!(
        !signed.bytes().any(|b| b.is_ascii_uppercase()),
        "{signed:?}"
    );
}

fuzz_target!(|input: Input| {
    check_form(&input);

    // Any instant the `time` crate can represent.
    let unix = input.unix.rem_euclid(253_402_300_799 + 377_705_116_800) - 377_705_116_800;
    let Ok(time) = OffsetDateTime::from_unix_timestamp(unix) else {
        return;
    };
    let settings = SigningSettings::default()
        .normalize_path(input.normalize_path)
        .session_token(if input.unsigned_token {
            SessionTokenMode::Unsigned
        } else {
            SessionTokenMode::Signed
        })
        .sign_body(input.sign_body);
    let params = SigningParams::new(
        &input.access_key_id,
        &input.secret,
        input.token.as_deref(),
        &input.region,
        &input.service,
        time,
    )
    .with_settings(settings);
    let mut headers: Vec<(&str, &str)> = input
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    if input.add_host {
        headers.push(("Host", "sts.us-east-1.amazonaws.com"));
    }
    let req = SignableRequest {
        method: &input.method,
        path: &input.path,
        query: &input.query,
        headers: &headers,
        body: &input.body,
    };
    let keys = SigningKeyCache::new();

    // A `;` inside a header name (not a valid HTTP token) makes the list ambiguous; skip that check.
    let plain_names = headers.iter().all(|(n, _)| !n.contains(';'));

    let out = sign(&req, &params, &keys);
    assert!(is_hex64(&out.signature), "{:?}", out.signature);
    assert!(
        out.authorization
            .ends_with(&format!("Signature={}", out.signature))
    );
    if plain_names {
        check_signed_headers(&out.signed_headers);
    }
    assert!(out.signed_headers.split(';').any(|h| h == "x-amz-date"));
    assert_eq!(out.content_sha256.is_some(), input.sign_body);
    let _ = format!("{out:?}");
    // The cached key is the derived key, and signing again gives the same signature.
    let date = &out.amz_date[..8];
    assert_eq!(
        keys.signing_key(&params),
        derive_signing_key(&input.secret, date, &input.region, &input.service)
    );
    assert_eq!(sign(&req, &params, &keys).signature, out.signature);
    for _ in out.headers(&params) {}

    let pre = presign(&req, &params, input.expires, &keys);
    assert!(is_hex64(&pre.signature), "{:?}", pre.signature);
    assert!(
        pre.query
            .ends_with(&format!("X-Amz-Signature={}", pre.signature))
    );
    if plain_names {
        check_signed_headers(&pre.signed_headers);
    }
    let _ = pre.url("https://sts.amazonaws.com/");
    let _ = format!("{pre:?}");

    // The query parameters' order does not change the presigned signature.
    let mut pieces: Vec<&str> = input.query.split('&').collect();
    pieces.reverse();
    let reversed = pieces.join("&");
    let req2 = SignableRequest {
        query: &reversed,
        ..req
    };
    let pre2 = presign(&req2, &params, input.expires, &keys);
    assert_eq!(pre2.canonical_request, pre.canonical_request);
    assert_eq!(pre2.signature, pre.signature);
    assert_eq!(sign(&req2, &params, &keys).signature, out.signature);
});
