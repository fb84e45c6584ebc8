//! Signing the same kind of form POST again and again (the call engine's requests): what does not
//! change between requests to one endpoint — the canonical URI and query, the `content-type` and
//! `host` lines — is canonicalized once; the rest is hashed as it is written, so a signature
//! builds neither the canonical request nor the string to sign unless they are asked for, and
//! allocates only the `Authorization` value.
//!
//! The result is [`super::sign`]'s for the same request with default [`super::SigningSettings`]
//! (the tests compare the two).

use super::canonical::write_canonical_request;
use super::{ALGORITHM, SignableRequest, SigningKeyCache, SigningParams};
use hmac::Mac;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// `x-amz-date` and the session token come after `content-type` and `host` in name order.
const SIGNED_HEADERS: &str = "content-type;host;x-amz-date";
const SIGNED_HEADERS_TOKEN: &str = "content-type;host;x-amz-date;x-amz-security-token";

/// The fixed part of the canonical request of a POST to one endpoint with one content type.
#[derive(Debug, Clone)]
pub(crate) struct PostSigner {
    /// `POST\n<uri>\n<query>\ncontent-type:<type>\nhost:<host>\n`.
    prefix: String,
}

/// Where the canonical request and the string to sign are written, when wanted.
pub(crate) struct Texts<'a> {
    pub(crate) canonical_request: &'a mut String,
    pub(crate) string_to_sign: &'a mut String,
}

/// Feeds a hash and, when asked, a text.
struct Sink<'a, D> {
    digest: D,
    text: Option<&'a mut String>,
}

impl<D: Mac> Sink<'_, D> {
    fn put(&mut self, s: &str) {
        self.digest.update(s.as_bytes());
        if let Some(t) = self.text.as_deref_mut() {
            t.push_str(s);
        }
    }
}

/// The canonical-request side: SHA-256 has no `Mac` impl, so it gets its own `put`.
struct HashSink<'a> {
    hash: Sha256,
    text: Option<&'a mut String>,
}

impl HashSink<'_> {
    fn put(&mut self, s: &str) {
        self.hash.update(s.as_bytes());
        if let Some(t) = self.text.as_deref_mut() {
            t.push_str(s);
        }
    }
}

impl PostSigner {
    /// The signer for `POST` to `path`?`query` on `host` (`host[:port]`) with this content type.
    pub(crate) fn new(path: &str, query: &str, host: &str, content_type: &str) -> Self {
        // The general canonicalization, with the dynamic tail cut off.
        let headers = [
            (Cow::Borrowed("content-type"), content_type),
            (Cow::Borrowed("host"), host),
        ];
        let req = SignableRequest {
            method: "POST",
            path,
            query,
            headers: &[],
            body: b"",
        };
        let mut creq = String::new();
        let mut pairs = super::canonical::canonical_query_pairs(query);
        let signed = write_canonical_request(&mut creq, &req, true, &mut pairs, &headers, "");
        // The tail: the blank line, the signed headers and the (here empty) body hash.
        let tail = 1 + signed.len() + 1;
        creq.truncate(creq.len().saturating_sub(tail));
        Self { prefix: creq }
    }

    /// Signs a POST of `body` with `params` (default settings) at `amz_date` (its `x-amz-date`,
    /// from [`super::write_amz_date`] of `params.time`); returns the `Authorization` value.
    pub(crate) fn sign(
        &self,
        params: &SigningParams<'_>,
        amz_date: &str,
        body: &[u8],
        keys: &SigningKeyCache,
        texts: Option<Texts<'_>>,
    ) -> String {
        let (creq_text, sts_text) = match texts {
            Some(t) => (Some(t.canonical_request), Some(t.string_to_sign)),
            None => (None, None),
        };
        let mut hex = [0u8; 64];
        let mut creq = HashSink {
            hash: Sha256::new(),
            text: creq_text,
        };
        creq.put(&self.prefix);
        creq.put("x-amz-date:");
        creq.put(amz_date);
        creq.put("\n");
        if let Some(token) = params.session_token {
            creq.put("x-amz-security-token:");
            // Trimmed, inner whitespace runs collapsed, as every canonical header value.
            for (i, word) in token.split_ascii_whitespace().enumerate() {
                if i > 0 {
                    creq.put(" ");
                }
                creq.put(word);
            }
            creq.put("\n");
        }
        creq.put("\n");
        let signed = if params.session_token.is_some() {
            SIGNED_HEADERS_TOKEN
        } else {
            SIGNED_HEADERS
        };
        creq.put(signed);
        creq.put("\n");
        creq.put(crate::hex::encode_into(&Sha256::digest(body), &mut hex));
        let creq_hash = creq.hash.finalize();

        let date = amz_date.get(..8).unwrap_or(amz_date);
        let mut sts = Sink {
            digest: keys.mac_for(params, date),
            text: sts_text,
        };
        sts.put(ALGORITHM);
        sts.put("\n");
        sts.put(amz_date);
        sts.put("\n");
        for piece in scope(params, date) {
            sts.put(piece);
        }
        sts.put("\n");
        sts.put(crate::hex::encode_into(&creq_hash, &mut hex));
        let signature = sts.digest.finalize().into_bytes();

        let mut authorization = String::with_capacity(
            ALGORITHM.len()
                + 80
                + params.access_key_id.len()
                + params.region.len()
                + params.service.len()
                + signed.len()
                + 64,
        );
        authorization.push_str(ALGORITHM);
        authorization.push_str(" Credential=");
        authorization.push_str(params.access_key_id);
        authorization.push('/');
        for piece in scope(params, date) {
            authorization.push_str(piece);
        }
        authorization.push_str(", SignedHeaders=");
        authorization.push_str(signed);
        authorization.push_str(", Signature=");
        authorization.push_str(crate::hex::encode_into(&signature, &mut hex));
        authorization
    }
}

/// `date/region/service/aws4_request`, in pieces.
fn scope<'a>(params: &SigningParams<'a>, date: &'a str) -> [&'a str; 6] {
    [
        date,
        "/",
        params.region,
        "/",
        params.service,
        "/aws4_request",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::{format_amz_date, sign};
    use proptest::prelude::*;
    use time::OffsetDateTime;

    const CT: &str = "application/x-www-form-urlencoded; charset=utf-8";

    /// The general signer's output for the same request.
    fn general(
        path: &str,
        query: &str,
        host: &str,
        params: &SigningParams<'_>,
        body: &[u8],
    ) -> crate::sigv4::SigningOutput {
        let headers = [("host", host), ("content-type", CT)];
        let req = SignableRequest {
            method: "POST",
            path,
            query,
            headers: &headers,
            body,
        };
        sign(&req, params, &SigningKeyCache::new())
    }

    fn check(path: &str, query: &str, host: &str, token: Option<&str>, secs: i64, body: &[u8]) {
        let time = OffsetDateTime::from_unix_timestamp(secs).unwrap();
        let params = SigningParams::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token,
            "eu-west-3",
            "sts",
            time,
        );
        let want = general(path, query, host, &params, body);
        let signer = PostSigner::new(path, query, host, CT);
        let date = format_amz_date(time);
        let keys = SigningKeyCache::new();
        assert_eq!(
            signer.sign(&params, &date, body, &keys, None),
            want.authorization
        );
        let (mut creq, mut sts) = (String::new(), String::new());
        let texts = Texts {
            canonical_request: &mut creq,
            string_to_sign: &mut sts,
        };
        let again = signer.sign(&params, &date, body, &keys, Some(texts));
        assert_eq!(again, want.authorization);
        assert_eq!(creq, want.canonical_request);
        assert_eq!(sts, want.string_to_sign);
    }

    #[test]
    fn same_signature_as_the_general_signer() {
        let body = b"Action=GetCallerIdentity&Version=2011-06-15";
        check(
            "/",
            "",
            "sts.us-east-1.amazonaws.com",
            None,
            1_440_938_160,
            body,
        );
        check("", "", "127.0.0.1:8080", Some("tok"), 0, b"");
        check(
            "/a b/./c/../%41/",
            "b=2&a=1&c&x=%2F+y",
            "[::1]:9",
            Some("  spaced   token\twith  runs "),
            253_402_300_799,
            "é".as_bytes(),
        );
    }

    proptest! {
        #[test]
        fn same_signature_for_any_request(
            path in "(/[a-zA-Z0-9._~%+ -]{0,6}){0,4}/?",
            query in "([a-z%+=&]{0,8})",
            token in proptest::option::of("[ -~\t]{0,40}"),
            secs in 0i64..253_402_300_799,
            body in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            check(&path, &query, "sts.amazonaws.com", token.as_deref(), secs, &body);
        }
    }
}
