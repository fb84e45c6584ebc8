//! A verifier that applies aws-iam-authenticator's checks (`pkg/token/token.go`, `Verify`) to our EKS
//! tokens, then recomputes the SigV4 signature from the URL with the known secret key. Run over
//! 1,000 random cluster names, regions of every partition, and credentials with and without session
//! tokens; plus negative cases showing that the verifier does reject bad tokens.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::time::Duration;
use sts_blocking::__private::base64;
use sts_blocking::endpoint::{
    EndpointParams, ResolvedEndpoint, partition_for, resolve, sts_hostnames,
};
use sts_blocking::presign::{self, EKS_MAX_TOKEN_LEN, EKS_TOKEN_PREFIX};
use sts_blocking::sigv4::{derive_signing_key, uri_encode_component};
use sts_blocking::{Credentials, SecretString};
use time::{OffsetDateTime, PrimitiveDateTime};

/// Where the verifier runs: the cluster's region (for its partition) and id, the secret key STS
/// would use to check the signature, and the verifier's clock.
struct Verifier<'a> {
    region: &'a str,
    cluster: &'a str,
    secret: &'a str,
    now: OffsetDateTime,
}

const ALLOWED_PARAMS: [&str; 9] = [
    "action",
    "version",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-signedheaders",
];

fn percent_decode(s: &str) -> Result<String, &'static str> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).ok_or("bad percent-encoding")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad percent-encoding")?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "query is not UTF-8")
}

/// The STS hosts of the region's partition: every host the endpoint rules give for the partition's
/// listed regions, plus those of the cluster's own region.
fn partition_hosts(region: &str) -> BTreeSet<String> {
    let p = partition_for(region);
    let mut hosts: BTreeSet<String> = p.regions.iter().flat_map(|r| sts_hostnames(r)).collect();
    hosts.extend(sts_hostnames(region));
    hosts
}

fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    // `20150830T123600Z`
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        n(0..4)? as i32,
        time::Month::try_from(n(4..6)? as u8).ok()?,
        n(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(n(9..11)? as u8, n(11..13)? as u8, n(13..15)? as u8).ok()?;
    Some(PrimitiveDateTime::new(date, t).assume_utc())
}

impl Verifier<'_> {
    /// `Ok(())` or the check that failed.
    fn verify(&self, token: &str) -> Result<(), &'static str> {
        // aws-iam-authenticator: length, prefix, RawURLEncoding.
        if token.len() > EKS_MAX_TOKEN_LEN {
            return Err("token too long");
        }
        let b64 = token
            .strip_prefix(EKS_TOKEN_PREFIX)
            .ok_or("missing prefix")?;
        let url = base64::decode_url_nopad(b64).ok_or("bad base64")?;
        let url = String::from_utf8(url).map_err(|_| "URL not UTF-8")?;
        // Parse the URL: scheme, host, path, query.
        let rest = url.strip_prefix("https://").ok_or("scheme not https")?;
        let (host_path, query) = rest.split_once('?').ok_or("no query")?;
        let (host, path) = match host_path.find('/') {
            Some(i) => host_path.split_at(i),
            None => (host_path, ""),
        };
        if !partition_hosts(self.region).contains(host) {
            return Err("host not an STS host of the partition");
        }
        if path != "/" {
            return Err("path is not /");
        }
        // Whitelisted, single-valued parameters (names compared case-insensitively).
        let mut params: Vec<(String, String)> = Vec::new();
        let mut raw: Vec<(String, String)> = Vec::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k)?, percent_decode(v)?);
            let lower = k.to_ascii_lowercase();
            if !ALLOWED_PARAMS.contains(&lower.as_str()) {
                return Err("parameter not allowed");
            }
            if params.iter().any(|(p, _)| *p == lower) {
                return Err("parameter has more than one value");
            }
            params.push((lower, v.clone()));
            raw.push((k, v));
        }
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if get("action") != Some("GetCallerIdentity") {
            return Err("action is not GetCallerIdentity");
        }
        let expires: i64 = get("x-amz-expires")
            .ok_or("missing x-amz-expires")?
            .parse()
            .map_err(|_| "bad x-amz-expires")?;
        if !(0..=900).contains(&expires) {
            return Err("x-amz-expires out of range");
        }
        let signed_headers = get("x-amz-signedheaders").ok_or("missing signed headers")?;
        if !signed_headers.split(';').any(|h| h == "x-k8s-aws-id") {
            return Err("x-k8s-aws-id is not signed");
        }
        let date = get("x-amz-date").ok_or("missing x-amz-date")?;
        let signed_at = parse_amz_date(date).ok_or("bad x-amz-date")?;
        // STS accepts a presigned GetCallerIdentity for 15 minutes, whatever X-Amz-Expires says.
        if self.now > signed_at + time::Duration::minutes(15)
            || self.now < signed_at - time::Duration::minutes(5)
        {
            return Err("expired or from the future");
        }

        // What STS does next: recompute the signature (here from first principles; only the key
        // derivation and the encoding function come from the crate).
        if get("x-amz-algorithm") != Some("AWS4-HMAC-SHA256") {
            return Err("bad algorithm");
        }
        let credential = get("x-amz-credential").ok_or("missing credential")?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [_akid, day, region, service, "aws4_request"] = scope[..] else {
            return Err("bad credential scope");
        };
        if day != &date[..8] || service != "sts" {
            return Err("bad credential scope");
        }
        let mut canonical_query: Vec<(String, String)> = raw
            .iter()
            .filter(|(k, _)| k != "X-Amz-Signature")
            .map(|(k, v)| (uri_encode_component(k), uri_encode_component(v)))
            .collect();
        canonical_query.sort();
        let canonical_query: Vec<String> = canonical_query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut headers: Vec<(&str, String)> = Vec::new();
        for name in signed_headers.split(';') {
            let value = match name {
                "host" => host.to_owned(),
                // The authenticator replays with its own cluster id.
                "x-k8s-aws-id" => self
                    .cluster
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => return Err("unexpected signed header"),
            };
            headers.push((name, value));
        }
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let creq = format!(
            "GET\n/\n{}\n{canonical_headers}\n{signed_headers}\n{}",
            canonical_query.join("&"),
            hex::encode(Sha256::digest(b""))
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{day}/{region}/sts/aws4_request\n{}",
            hex::encode(Sha256::digest(creq.as_bytes()))
        );
        let key = derive_signing_key(self.secret, day, region, "sts");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(string_to_sign.as_bytes());
        let expected = hex::encode(mac.finalize().into_bytes());
        if get("x-amz-signature") != Some(expected.as_str()) {
            return Err("signature does not match");
        }
        Ok(())
    }
}

/// xorshift64*: deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

const REGIONS: [&str; 22] = [
    "us-east-1",
    "us-west-2",
    "eu-west-3",
    "ap-southeast-2",
    "sa-east-1",
    "me-central-1",
    "mx-central-1",
    "ap-east-9", // matches the aws regex, not listed
    "aws-global",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "us-isof-east-1",
    "eusc-de-east-1",
    "ca-west-1",
    "il-central-1",
];

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A cluster name (EKS: `^[0-9A-Za-z][A-Za-z0-9-_]*`, up to 100), an id (a UUID, as for Outposts
/// clusters), or any printable ASCII without surrounding spaces.
fn cluster(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => {
            let len = rng.below(100);
            let mut s = rng.string(ALNUM, 1);
            s.push_str(&rng.string(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                len,
            ));
            s
        }
        1 => format!(
            "{}-{}-{}-{}-{}",
            rng.string(HEX, 8),
            rng.string(HEX, 4),
            rng.string(HEX, 4),
            rng.string(HEX, 4),
            rng.string(HEX, 12)
        ),
        _ => {
            let printable: Vec<u8> = (0x20u8..0x7f).collect();
            let len = 1 + rng.below(60);
            let s = rng.string(&printable, len);
            let t = s.trim_matches(' ');
            if t.is_empty() {
                "x".to_owned()
            } else {
                t.to_owned()
            }
        }
    }
}

fn regional(region: &str) -> ResolvedEndpoint {
    resolve(&EndpointParams::for_region(region)).unwrap()
}

fn make_token(
    ep: &ResolvedEndpoint,
    creds: &Credentials,
    t: OffsetDateTime,
    cluster: &str,
) -> String {
    let keys = sts_blocking::sigv4::SigningKeyCache::new();
    presign::eks_token(ep, creds, t, cluster, &keys)
        .unwrap()
        .token
        .expose()
        .to_owned()
}

fn token_from_url(url: &str) -> String {
    format!(
        "{EKS_TOKEN_PREFIX}{}",
        base64::encode_url_nopad(url.as_bytes())
    )
}

fn url_of(token: &str) -> String {
    String::from_utf8(base64::decode_url_nopad(&token[EKS_TOKEN_PREFIX.len()..]).unwrap()).unwrap()
}

#[test]
fn random_tokens_verify() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let keys = sts_blocking::sigv4::SigningKeyCache::new();
    let mut with_token = 0;
    for i in 0..1000 {
        let region = rng.pick(&REGIONS);
        let cluster = cluster(&mut rng);
        let secret = rng.string(B64, 40);
        let akid = format!(
            "AKIA{}",
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        );
        let session = (rng.below(2) == 0).then(|| {
            with_token += 1;
            let len = 100 + rng.below(900);
            SecretString::new(rng.string(B64, len))
        });
        let creds = Credentials::new(akid, secret.as_str(), session);
        // Any time between 2001 and 2033.
        let t = OffsetDateTime::from_unix_timestamp(
            1_000_000_000 + (rng.next() % 1_000_000_000) as i64,
        )
        .unwrap();
        let ep = regional(region);
        let tok = presign::eks_token(&ep, &creds, t, &cluster, &keys).unwrap();
        let token = tok.token.expose();
        assert_eq!(tok.expiration, t + Duration::from_secs(14 * 60));
        let now = t + time::Duration::seconds((rng.next() % 900) as i64);
        let v = Verifier {
            region,
            cluster: &cluster,
            secret: &secret,
            now,
        };
        if let Err(e) = v.verify(token) {
            panic!("case {i}: {region} {cluster:?}: {e}\n{}", url_of(token));
        }
        // A token is bound to its cluster, its secret, its partition and its time.
        let other = Verifier {
            cluster: "some-other-cluster",
            ..v
        };
        assert_eq!(
            other.verify(token),
            Err("signature does not match"),
            "case {i}"
        );
        let late = Verifier {
            now: t + time::Duration::minutes(16),
            ..v
        };
        assert_eq!(
            late.verify(token),
            Err("expired or from the future"),
            "case {i}"
        );
        let wrong_key = Verifier {
            secret: "not-the-secret",
            ..v
        };
        assert_eq!(
            wrong_key.verify(token),
            Err("signature does not match"),
            "case {i}"
        );
        let elsewhere = if partition_for(region).id == "aws" {
            "cn-north-1"
        } else {
            "us-east-1"
        };
        let moved = Verifier {
            region: elsewhere,
            ..v
        };
        assert_eq!(
            moved.verify(token),
            Err("host not an STS host of the partition"),
            "case {i}"
        );
        // Tamper with one character of the encoded URL.
        let mut bytes = token.as_bytes().to_vec();
        let at = EKS_TOKEN_PREFIX.len() + rng.below(token.len() - EKS_TOKEN_PREFIX.len());
        let old = bytes[at];
        bytes[at] = if old == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(
            v.verify(&tampered).is_err(),
            "case {i}: tampered token at {at} verified"
        );
    }
    assert!(with_token > 400 && with_token < 600, "{with_token}");
}

#[test]
fn verifier_rejects_malformed_tokens() {
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
    );
    let t = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
    let v = Verifier {
        region: "us-east-1",
        cluster: "my-cluster",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        now: t,
    };
    let ep = regional("us-east-1");
    let good = make_token(&ep, &creds, t, "my-cluster");
    assert_eq!(v.verify(&good), Ok(()));
    let url = url_of(&good);

    let cases: Vec<(String, &str)> = vec![
        (
            good.replacen("k8s-aws-v1.", "k8s-aws-v2.", 1),
            "missing prefix",
        ),
        (format!("{good}="), "bad base64"),
        (
            format!("{good}{}", "A".repeat(EKS_MAX_TOKEN_LEN)),
            "token too long",
        ),
        (
            token_from_url(&url.replacen("https://", "http://", 1)),
            "scheme not https",
        ),
        (
            token_from_url(&url.replacen("sts.us-east-1.amazonaws.com", "evil.example.com", 1)),
            "host not an STS host of the partition",
        ),
        (
            token_from_url(&url.replacen("/?", "/x?", 1)),
            "path is not /",
        ),
        (
            token_from_url(&format!("{url}&foo=bar")),
            "parameter not allowed",
        ),
        (
            token_from_url(&format!("{url}&Action=GetCallerIdentity")),
            "parameter has more than one value",
        ),
        (
            token_from_url(&format!("{url}&action=GetCallerIdentity")),
            "parameter has more than one value",
        ),
        (
            token_from_url(&url.replacen("Action=GetCallerIdentity", "Action=AssumeRole", 1)),
            "action is not GetCallerIdentity",
        ),
        (
            token_from_url(&url.replacen("X-Amz-Expires=60", "X-Amz-Expires=901", 1)),
            "x-amz-expires out of range",
        ),
        (
            token_from_url(&url.replacen("X-Amz-Expires=60", "X-Amz-Expires=-1", 1)),
            "x-amz-expires out of range",
        ),
        (
            token_from_url(&url.replacen("X-Amz-Expires=60", "X-Amz-Expires=59", 1)),
            "signature does not match",
        ),
        (
            token_from_url(&url.replacen("20150830T123600Z", "20150830T123601Z", 1)),
            "signature does not match",
        ),
    ];
    for (token, want) in &cases {
        assert_eq!(v.verify(token), Err(*want), "{}", url_of_lossy(token));
    }

    // A presigned URL without x-k8s-aws-id, or with a too long expiry, is refused.
    let keys = sts_blocking::sigv4::SigningKeyCache::new();
    let plain =
        presign::presign_get_caller_identity(&ep, &creds, t, Duration::from_secs(60), &[], &keys)
            .unwrap();
    assert_eq!(
        v.verify(&token_from_url(&plain.url)),
        Err("x-k8s-aws-id is not signed")
    );
    let long = presign::presign_get_caller_identity(
        &ep,
        &creds,
        t,
        Duration::from_secs(3600),
        &[("x-k8s-aws-id", "my-cluster")],
        &keys,
    )
    .unwrap();
    assert_eq!(
        v.verify(&token_from_url(&long.url)),
        Err("x-amz-expires out of range")
    );
    let ok = presign::presign_get_caller_identity(
        &ep,
        &creds,
        t,
        Duration::from_secs(900),
        &[("x-k8s-aws-id", "my-cluster")],
        &keys,
    )
    .unwrap();
    assert_eq!(v.verify(&token_from_url(&ok.url)), Ok(()));
    // A FIPS or dual-stack host is still a host of the partition; a custom endpoint is not.
    let custom =
        resolve(&EndpointParams::for_region("us-east-1").endpoint(Some("https://sts.example.com")))
            .unwrap();
    assert_eq!(
        v.verify(&make_token(&custom, &creds, t, "my-cluster")),
        Err("host not an STS host of the partition")
    );
}

fn url_of_lossy(token: &str) -> String {
    token
        .strip_prefix(EKS_TOKEN_PREFIX)
        .and_then(base64::decode_url_nopad)
        .map(|u| String::from_utf8_lossy(&u).into_owned())
        .unwrap_or_else(|| "<undecodable>".to_owned())
}
