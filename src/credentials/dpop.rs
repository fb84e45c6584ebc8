//! DPoP proofs (RFC 9449) for the `aws login` token refresh: an ES256 JWT signed with the session's
//! P-256 key, carrying the public key as a JWK.
//!
//! The key comes from the login cache's `dpopKey`: PEM, either SEC1 `EC PRIVATE KEY` (what the AWS
//! CLI writes) or PKCS#8 `PRIVATE KEY`. `ring` signs (fixed-length `r‖s`); a SEC1 key is wrapped into
//! PKCS#8 by hand (a few bytes of DER). The proof is byte for byte what botocore builds:
//! `{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","x":..,"y":..,"crv":"P-256"}}` and
//! `{"htm":..,"htu":..,"iat":..,"jti":<uuid4>}`, compact JSON, base64url without padding.

use super::pyjson;
use crate::presign::base64;
use ring::rand::{SecureRandom, SystemRandom};
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

    /// The public key as JWK coordinates `(x, y)`, base64url.
    pub(crate) fn jwk_xy(&self) -> (String, String) {
        let p = self.pair.public_key().as_ref();
        // Uncompressed point: 0x04 ‖ x ‖ y.
        let x = p.get(1..33).unwrap_or_default();
        let y = p.get(33..65).unwrap_or_default();
        (base64::encode_url_nopad(x), base64::encode_url_nopad(y))
    }

    /// A fresh random `jti`: a version-4 UUID from the system's secure random source.
    pub(crate) fn uuid4(&self) -> Result<String, KeyError> {
        let mut b = [0u8; 16];
        self.rng
            .fill(&mut b)
            .map_err(|_| KeyError("no secure random numbers"))?;
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        Ok(format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        ))
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
    fn jti_is_a_fresh_uuid4() {
        let k = DpopKey::from_pem(SEC1_PEM).unwrap();
        let a = k.uuid4().unwrap();
        assert_ne!(a, k.uuid4().unwrap());
        let b = a.as_bytes();
        assert_eq!(a.len(), 36);
        assert_eq!((b[8], b[13], b[18], b[23]), (b'-', b'-', b'-', b'-'));
        assert_eq!(b[14], b'4');
        assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn long_der_lengths() {
        let mut out = Vec::new();
        der_len(200, &mut out);
        der_len(70_000, &mut out);
        assert_eq!(out, [0x81, 200, 0x83, 0x01, 0x11, 0x70]);
    }
}
