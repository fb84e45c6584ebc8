//! Property tests of the pure core: the form encoder, SigV4 canonical query strings and the endpoint
//! resolver. Each property is checked against an independent statement of the rule (an encoder or a
//! sort written here), not against the code under test.

use proptest::prelude::*;
use proptest::sample::select;
use sts_blocking::__private::query;
use sts_blocking::endpoint::{
    EndpointParams, GLOBAL_ENDPOINT, LEGACY_GLOBAL_REGIONS, partition_for, resolve,
};
use sts_blocking::sigv4::{SignableRequest, SigningKeyCache, SigningParams, presign, sign};
use time::OffsetDateTime;

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// RFC 3986 percent-encoding: unreserved bytes literal, every other byte `%XX` (upper-case hex).
fn rfc3986(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if is_unreserved(b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Whether `s` is made only of unreserved characters, `%XX` escapes with upper-case hex, and the
/// characters in `also`.
fn only_unreserved_escapes_and(s: &str, also: &[u8]) -> bool {
    let b = s.as_bytes();
    let upper_hex = |c: Option<&u8>| c.is_some_and(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F'));
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if !(upper_hex(b.get(i + 1)) && upper_hex(b.get(i + 2))) {
                return false;
            }
            i += 3;
        } else if is_unreserved(b[i]) || also.contains(&b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn time() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap() // 2015-08-30T12:36:00Z
}

/// Arbitrary Unicode strings, short, biased towards the characters the encoders treat specially.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-zA-Z0-9+%&=~._/:\\-]{0,12}",
        "[\\u{80}-\\u{10FFFF}]{0,4}",
    ]
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..8)
}

/// The query string a caller passes to the signer: form-encoded pairs.
fn form_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query::encode(k), query::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical query string (third line) of a canonical request.
fn canonical_query(creq: &str) -> &str {
    creq.split('\n')
        .nth(2)
        .expect("a canonical request has a query line")
}

fn presigned_creq(query: &str) -> (String, String) {
    let headers = [("host", "sts.us-east-1.amazonaws.com")];
    let req = SignableRequest {
        method: "GET",
        path: "/",
        query,
        headers: &headers,
        body: b"",
    };
    let params = SigningParams::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("token/with+special=chars"),
        "us-east-1",
        "sts",
        time(),
    );
    let out = presign(&req, &params, 900, &SigningKeyCache::new());
    (out.canonical_request, out.signature)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `Form` then `query::decode` gives back `Action`, `Version` and the pairs, and the body holds
    /// only unreserved characters, `+`, `%XX` with upper-case hex, and the `&`/`=` separators.
    #[test]
    fn form_round_trips(action in text(), pairs in pairs()) {
        let form = query::form(&action, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = form.as_str();
        prop_assert!(only_unreserved_escapes_and(body, b"+&="), "{body:?}");
        let mut expected = vec![
            ("Action".to_owned(), action.clone()),
            ("Version".to_owned(), query::API_VERSION.to_owned()),
        ];
        expected.extend(pairs.iter().cloned());
        prop_assert_eq!(query::decode(body).unwrap(), expected);
    }

    /// One encoded component: RFC 3986 encoding except that a space is `+`.
    #[test]
    fn form_component_is_rfc3986_with_plus(s in text()) {
        let encoded = query::encode(&s);
        prop_assert!(only_unreserved_escapes_and(&encoded, b"+"), "{encoded:?}");
        prop_assert_eq!(&encoded, &rfc3986(&s).replace("%20", "+"));
        prop_assert_eq!(query::decode(&format!("k={encoded}")).unwrap(), vec![("k".to_owned(), s)]);
    }

    /// The canonical query of a presigned request: every component RFC 3986 encoded, the pairs
    /// sorted by key then value, exactly the request's pairs plus the `X-Amz-*` ones, and the same
    /// whatever the order of the request's parameters.
    #[test]
    fn presigned_canonical_query_is_sorted_and_encoded(
        (pairs, shuffled) in pairs().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
    ) {
        let (creq, signature) = presigned_creq(&form_query(&pairs));
        let cq = canonical_query(&creq).to_owned();
        let got: Vec<(String, String)> = cq
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("every pair has =");
                (k.to_owned(), v.to_owned())
            })
            .collect();
        for (k, v) in &got {
            prop_assert!(only_unreserved_escapes_and(k, b""), "key {k:?}");
            prop_assert!(only_unreserved_escapes_and(v, b""), "value {v:?}");
        }
        prop_assert!(got.windows(2).all(|w| w[0] <= w[1]), "not sorted: {cq}");

        let mut expected: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (rfc3986(k), rfc3986(v))).collect();
        for name in [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-Security-Token",
            "X-Amz-SignedHeaders",
        ] {
            let v = got.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            prop_assert!(v.is_some(), "{name} missing from {cq}");
            expected.push((name.to_owned(), v.unwrap()));
        }
        expected.sort();
        prop_assert_eq!(&got, &expected);
        prop_assert!(got.iter().any(|(k, v)| k == "X-Amz-Security-Token"
            && *v == rfc3986("token/with+special=chars")));

        let (creq2, signature2) = presigned_creq(&form_query(&shuffled));
        prop_assert_eq!(creq2, creq);
        prop_assert_eq!(signature2, signature);
    }

    /// `sign` canonicalizes the query the same way: sorted, encoded, order-independent.
    #[test]
    fn signed_canonical_query_is_order_independent(
        (pairs, shuffled) in pairs().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
    ) {
        let headers = [("host", "sts.amazonaws.com")];
        let params = SigningParams::new("AKID", "secret", None, "us-east-1", "sts", time());
        let keys = SigningKeyCache::new();
        let run = |q: &str| {
            let req = SignableRequest { method: "GET", path: "/", query: q, headers: &headers, body: b"" };
            sign(&req, &params, &keys)
        };
        let a = run(&form_query(&pairs));
        let b = run(&form_query(&shuffled));
        let mut expected: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", rfc3986(k), rfc3986(v)))
            .collect();
        expected.sort_by(|x, y| {
            let (xk, xv) = x.split_once('=').unwrap();
            let (yk, yv) = y.split_once('=').unwrap();
            (xk, xv).cmp(&(yk, yv))
        });
        prop_assert_eq!(canonical_query(&a.canonical_request), expected.join("&"));
        prop_assert_eq!(a.signature, b.signature);
    }

    /// The endpoint resolver on valid-looking regions and every combination of flags.
    #[test]
    fn endpoint_rules(
        region in prop_oneof![
            "[a-z]{2,4}-[a-z]{4,9}-[0-9]",
            select(LEGACY_GLOBAL_REGIONS.to_vec()).prop_map(str::to_owned),
            select(vec!["us-gov-west-1", "us-gov-east-1", "cn-north-1", "us-iso-east-1",
                "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1"])
                .prop_map(str::to_owned),
        ],
        use_fips in any::<bool>(),
        use_dual_stack in any::<bool>(),
        use_global_endpoint in any::<bool>(),
    ) {
        let params = EndpointParams::for_region(&region)
            .use_fips(use_fips)
            .use_dual_stack(use_dual_stack)
            .use_global_endpoint(use_global_endpoint);
        let ep = resolve(&params).unwrap();
        let p = partition_for(&region);
        prop_assert!(ep.url.starts_with("https://sts"), "{}", ep.url);
        prop_assert_eq!(ep.signing_name, "sts");
        let host = ep.url.strip_prefix("https://").unwrap();
        // The legacy global endpoint: `UseGlobalEndpoint` with a legacy region, or `aws-global`
        // itself, without FIPS or dual-stack.
        let legacy = !use_fips && !use_dual_stack
            && ((use_global_endpoint && LEGACY_GLOBAL_REGIONS.contains(&region.as_str()))
                || region == "aws-global");
        if legacy {
            prop_assert_eq!(&ep.url, GLOBAL_ENDPOINT);
            prop_assert_eq!(&ep.signing_region, "us-east-1");
        } else {
            prop_assert_eq!(&ep.signing_region, &region);
            prop_assert!(host.contains(&region), "{host}");
        }
        if use_fips && p.id != "aws-us-gov" {
            prop_assert!(host.contains("fips"), "{host}");
        }
        if use_dual_stack {
            prop_assert!(host.ends_with(&format!(".{}", p.dual_stack_dns_suffix)), "{host}");
        } else if !legacy {
            prop_assert!(host.ends_with(&format!(".{}", p.dns_suffix)), "{host}");
        }
        if !use_fips && !use_dual_stack && !legacy {
            prop_assert_eq!(host, format!("sts.{region}.{}", p.dns_suffix));
        }
    }
}
