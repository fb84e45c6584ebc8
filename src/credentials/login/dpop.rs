//! DPoP proofs (RFC 9449) for the `aws login` token refresh: an ES256 JWT signed with the session's
//! P-256 key, carrying the public key as a JWK.
//!
//! The key comes from the login cache's `dpopKey`: PEM, either SEC1 `EC PRIVATE KEY` (what the AWS
//! CLI writes) or PKCS#8 `PRIVATE KEY`. `ring` signs (fixed-length `r‖s`); a SEC1 key is wrapped into
//! PKCS#8 by hand (a few bytes of DER). The proof is byte for byte what botocore builds:
//! `{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","x":..,"y":..,"crv":"P-256"}}` and
//! `{"htm":..,"htu":..,"iat":..,"jti":<uuid4>}` (the `jti` from [`crate::random::secure_uuid4`]), compact JSON, base64url without padding.

use crate::credentials::cli_cache::pyjson;
use crate::presign::base64;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use std::fmt;

/// Why a `dpopKey` cannot be used. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyError(pub &'static str);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The DER of `id-ecPublicKey` + `prime256v1`, the PKCS#8 algorithm of a P-256 key.
const P256_ALGORITHM: [u8; 21] = [
    0x30, 0x13, // SEQUENCE
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, // 1.2.840.10045.2.1
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // 1.2.840.10045.3.1.7
];

/// A DER length.
fn der_len(n: usize, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(u8::try_from(n).unwrap_or(0));
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let len = bytes.len() - skip;
        out.push(0x80 | u8::try_from(len).unwrap_or(0));
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// Wraps a SEC1 `ECPrivateKey` (RFC 5915) into a PKCS#8 `PrivateKeyInfo` (RFC 5208) for P-256.
pub(crate) fn sec1_to_pkcs8(sec1: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00]; // version 0
    body.extend_from_slice(&P256_ALGORITHM);
    body.extend_from_slice(&der(0x04, sec1));
    der(0x30, &body)
}

/// One DER element: `(tag, content, rest)`; `None` when malformed.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 2 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The private scalar of a P-256 PKCS#8 `PrivateKeyInfo` (the `privateKey` of its `ECPrivateKey`).
fn pkcs8_private_scalar(pkcs8: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der_element(pkcs8)? else {
        return None;
    };
    let (0x02, _, rest) = der_element(info)? else {
        return None;
    };
    let (0x30, _, rest) = der_element(rest)? else {
        return None;
    };
    let (0x04, ec, _) = der_element(rest)? else {
        return None;
    };
    let (0x30, ec, _) = der_element(ec)? else {
        return None;
    };
    let (0x02, _, rest) = der_element(ec)? else {
        return None;
    };
    let (0x04, d, _) = der_element(rest)? else {
        return None;
    };
    (d.len() == 32).then_some(d)
}

/// A SEC1 `ECPrivateKey` (RFC 5915) for P-256 with the curve and the public key, as OpenSSL and
/// the AWS CLI write it.
fn sec1_der(d: &[u8], public: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x01]; // version 1
    body.extend_from_slice(&der(0x04, d));
    body.extend_from_slice(&der(0xa0, &P256_ALGORITHM[11..]));
    let mut bits = vec![0x00];
    bits.extend_from_slice(public);
    body.extend_from_slice(&der(0xa1, &der(0x03, &bits)));
    der(0x30, &body)
}

/// The base64 body and label of the first PEM block (label `None` for bare base64, as botocore
/// also accepts).
fn pem_body(pem: &str) -> Result<(Option<&str>, Vec<u8>), KeyError> {
    let mut label = None;
    let mut b64 = String::new();
    for line in pem.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("-----BEGIN ") {
            label = rest.strip_suffix("-----");
            continue;
        }
        if line.starts_with("-----END") {
            break;
        }
        b64.push_str(line);
    }
    let der = base64::decode_std(&b64).ok_or(KeyError("dpopKey is not valid PEM (base64)"))?;
    Ok((label, der))
}

/// A login session's DPoP key. `Debug` shows nothing of the key.
pub(crate) struct DpopKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DpopKey(** redacted **)")
    }
}

impl DpopKey {
    /// Reads a PEM P-256 private key: SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`). The key
    /// must include its public half (both forms the AWS CLI and OpenSSL write do).
    pub(crate) fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_body(pem)?;
        let der = zeroize::Zeroizing::new(der);
        let rng = SystemRandom::new();
        let from = |pkcs8: &[u8]| {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng).ok()
        };
        let pair = match label {
            Some("EC PRIVATE KEY") => from(&zeroize::Zeroizing::new(sec1_to_pkcs8(&der))),
            Some("PRIVATE KEY") => from(&der),
            _ => from(&der).or_else(|| from(&zeroize::Zeroizing::new(sec1_to_pkcs8(&der)))),
        }
        .ok_or(KeyError(
            "dpopKey is not a P-256 private key (SEC1 or PKCS#8, with its public key)",
        ))?;
        Ok(Self { pair, rng })
    }

    /// A fresh P-256 key from the system's secure random source, with its PEM as `aws login`
    /// writes it (SEC1 `EC PRIVATE KEY` with the curve and the public key, base64 in 64-column
    /// lines).
    pub(crate) fn generate() -> Result<(Self, crate::SecretString), KeyError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError("no secure random numbers"))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref(), &rng)
            .map_err(|_| KeyError("generating a P-256 key failed"))?;
        let d =
            pkcs8_private_scalar(doc.as_ref()).ok_or(KeyError("generating a P-256 key failed"))?;
        let sec1 = zeroize::Zeroizing::new(sec1_der(d, pair.public_key().as_ref()));
        let b64 = zeroize::Zeroizing::new(base64::encode_std(&sec1));
        let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        Ok((Self { pair, rng }, crate::SecretString::new(pem)))
    }

    /// The public key as JWK coordinates `(x, y)`, base64url.
    pub(crate) fn jwk_xy(&self) -> (String, String) {
        let p = self.pair.public_key().as_ref();
        // Uncompressed point: 0x04 ‖ x ‖ y.
        let x = p.get(1..33).unwrap_or_default();
        let y = p.get(33..65).unwrap_or_default();
        (base64::encode_url_nopad(x), base64::encode_url_nopad(y))
    }

    /// The `DPoP` header value for a `htm` request to `htu` at Unix time `iat`, with `jti`.
    pub(crate) fn proof(
        &self,
        htm: &str,
        htu: &str,
        iat: i64,
        jti: &str,
    ) -> Result<String, KeyError> {
        let (x, y) = self.jwk_xy();
        let header = format!(
            r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","x":"{x}","y":"{y}","crv":"P-256"}}}}"#
        );
        let mut payload = String::from(r#"{"htm":"#);
        pyjson::write_str(&mut payload, htm);
        payload.push_str(r#","htu":"#);
        pyjson::write_str(&mut payload, htu);
        payload.push_str(&format!(r#","iat":{iat},"jti":"#));
        pyjson::write_str(&mut payload, jti);
        payload.push('}');
        let mut jwt = base64::encode_url_nopad(header.as_bytes());
        jwt.push('.');
        jwt.push_str(&base64::encode_url_nopad(payload.as_bytes()));
        let sig = self
            .pair
            .sign(&self.rng, jwt.as_bytes())
            .map_err(|_| KeyError("signing the DPoP proof failed"))?;
        jwt.push('.');
        jwt.push_str(&base64::encode_url_nopad(sig.as_ref()));
        Ok(jwt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    /// The public test key of the login conformance cases (SEC1, as the AWS CLI writes it).
    pub(crate) const SEC1_PEM: &str = "-----BEGIN EC PRIVATE KEY-----\n\
        MHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\n\
        AwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\n\
        ffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";

    fn verify(jwt: &str, key: &DpopKey) {
        let (signed, sig) = jwt.rsplit_once('.').unwrap();
        let sig = base64::decode_url_nopad(sig).unwrap();
        assert_eq!(sig.len(), 64);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.pair.public_key().as_ref())
            .verify(signed.as_bytes(), &sig)
            .expect("signature verifies");
    }

    #[test]
    fn sec1_and_pkcs8_keys_sign_verifiable_proofs() {
        let sec1 = DpopKey::from_pem(SEC1_PEM).unwrap();
        let (x, y) = sec1.jwk_xy();
        assert_eq!((x.len(), y.len()), (43, 43));
        let jwt = sec1
            .proof(
                "POST",
                "https://us-east-1.signin.aws.amazon.com/v1/token",
                1_700_000_000,
                "j",
            )
            .unwrap();
        verify(&jwt, &sec1);
        let parts: Vec<&str> = jwt.split('.').collect();
        let header = String::from_utf8(base64::decode_url_nopad(parts[0]).unwrap()).unwrap();
        assert_eq!(
            header,
            format!(
                r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","x":"{x}","y":"{y}","crv":"P-256"}}}}"#
            )
        );
        let payload = String::from_utf8(base64::decode_url_nopad(parts[1]).unwrap()).unwrap();
        assert_eq!(
            payload,
            r#"{"htm":"POST","htu":"https://us-east-1.signin.aws.amazon.com/v1/token","iat":1700000000,"jti":"j"}"#
        );
        // The same key as PKCS#8 (as `openssl pkcs8 -topk8` writes it) gives the same public key.
        let (_, der) = pem_body(SEC1_PEM).unwrap();
        let pkcs8 = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::encode_std(&sec1_to_pkcs8(&der))
        );
        let p8 = DpopKey::from_pem(&pkcs8).unwrap();
        assert_eq!(p8.jwk_xy(), sec1.jwk_xy());
        verify(&p8.proof("POST", "u", 1, "j").unwrap(), &sec1);
        // `openssl pkcs8 -topk8 -nocrypt` of the same key (no curve parameters inside).
        let openssl = "-----BEGIN PRIVATE KEY-----\n\
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+3+7wic8ulB5AslO\n\
            9Vf6w0POeLy8wMy3cuK76cwGKB+hRANCAAQguQYbus06fGIgmUyCKZjVQ8/x4MwU\n\
            /QMBjpYaOeA/hu9MCJQJD8h9+63bfv24/44EKbai8akE4lGCuXVGylQ5\n\
            -----END PRIVATE KEY-----\n";
        assert_eq!(DpopKey::from_pem(openssl).unwrap().jwk_xy(), sec1.jwk_xy());
    }

    #[test]
    fn bad_keys_are_errors_without_key_material() {
        for bad in [
            "",
            "-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\n-----END PRIVATE KEY-----",
        ] {
            let e = DpopKey::from_pem(bad).unwrap_err();
            assert!(!e.to_string().contains("MHcC"));
        }
        let k = DpopKey::from_pem(SEC1_PEM).unwrap();
        assert_eq!(format!("{k:?}"), "DpopKey(** redacted **)");
    }

    #[test]
    fn generated_keys_are_sec1_pem_that_reads_back() {
        let (key, pem) = DpopKey::generate().unwrap();
        let pem = pem.expose();
        assert!(
            pem.starts_with("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI"),
            "{pem}"
        );
        assert!(pem.ends_with("\n-----END EC PRIVATE KEY-----\n"));
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!((lines[1].len(), lines[2].len()), (64, 64));
        // The curve OID and the public key are inside, as OpenSSL writes SEC1.
        let (label, der) = pem_body(pem).unwrap();
        assert_eq!(label, Some("EC PRIVATE KEY"));
        assert_eq!(der.len(), 121);
        assert_eq!(&der[39..41], &[0xa0, 0x0a]);
        let back = DpopKey::from_pem(pem).unwrap();
        assert_eq!(back.jwk_xy(), key.jwk_xy());
        verify(&key.proof("POST", "u", 1, "j").unwrap(), &back);
        // A fresh key every time.
        assert_ne!(DpopKey::generate().unwrap().0.jwk_xy(), key.jwk_xy());
        // The conformance key's SEC1 is rebuilt byte for byte from its parts.
        let (_, sec1) = pem_body(SEC1_PEM).unwrap();
        let p8 = sec1_to_pkcs8(&sec1);
        let k = DpopKey::from_pem(SEC1_PEM).unwrap();
        let d = pkcs8_private_scalar(&p8).unwrap();
        assert_eq!(sec1_der(d, k.pair.public_key().as_ref()), sec1);
        for bad in [
            &[][..],
            &[0x30, 0x81][..],
            &[0x30, 0x05, 0x02][..],
            &[0x04, 0x01, 0x00][..],
        ] {
            assert!(pkcs8_private_scalar(bad).is_none());
        }
    }

    #[test]
    fn long_der_lengths() {
        let mut out = Vec::new();
        der_len(200, &mut out);
        der_len(70_000, &mut out);
        assert_eq!(out, [0x81, 200, 0x83, 0x01, 0x11, 0x70]);
    }
}
