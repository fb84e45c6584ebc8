//! Private keys: the formats are read here with the DER walker (PKCS#8, PKCS#1, SEC1; PEM or
//! DER), and behind the `client` feature [`PrivateKey`] signs with `ring`.

use super::certificate::{KeyAlgorithm, OID_P256, OID_P384, key_algorithm};
use super::der::{self, DerError, Reader};
use super::{Problem, pem};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// The hash a signature is made over (`aws_signing_helper sign-string --digest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Digest {
    /// SHA-256 (what `CreateSession` uses).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Digest {
    /// `SHA256`, `SHA384` or `SHA512`, case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "SHA256" => Some(Self::Sha256),
            "SHA384" => Some(Self::Sha384),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// What `aws_signing_helper sign-string` signs by default, to prove a key works without sending
/// anything: `"AWS Roles Anywhere Credential Helper Signing Test" || "1" || SHA256("IAM RA" ||
/// public key)`, the public key being an RSA `RSAPublicKey` in DER or an uncompressed EC point
/// (what [`PrivateKey::public_key`] returns). The digest is raw bytes, not hex.
#[must_use]
pub fn helper_test_message(public_key: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"IAM RA");
    h.update(public_key);
    let mut out = b"AWS Roles Anywhere Credential Helper Signing Test1".to_vec();
    out.extend_from_slice(&h.finalize());
    out
}

/// A private key read from its file, before `ring` sees it. Holds the secret: no `Debug` of
/// the bytes, zeroed on drop.
pub(crate) enum KeyMaterial {
    /// A PKCS#1 `RSAPrivateKey` (also what a PKCS#8 RSA key wraps).
    Rsa(Zeroizing<Vec<u8>>),
    /// An EC key: the curve, the private scalar, and the public point when the file has it.
    Ec {
        curve: KeyAlgorithm,
        scalar: Zeroizing<Vec<u8>>,
        public: Option<Vec<u8>>,
    },
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rsa(_) => f.write_str("KeyMaterial::Rsa(** redacted **)"),
            Self::Ec { curve, .. } => write!(f, "KeyMaterial::Ec({curve:?}, ** redacted **)"),
        }
    }
}

impl KeyMaterial {
    #[cfg(test)]
    pub(crate) fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::Rsa(_) => KeyAlgorithm::Rsa,
            Self::Ec { curve, .. } => *curve,
        }
    }
}

fn malformed(what: &str, e: DerError) -> Problem {
    Problem::Invalid(format!("the private key is not a valid {what} key ({e})"))
}

const ENCRYPTED: &str = "encrypted private keys (decrypt it first, e.g. `openssl pkey -in KEY -out \
    PLAIN`, and keep the result readable by you alone)";

/// Reads a key file: PEM (the first private key block; `EC PARAMETERS` and certificates are
/// skipped) or DER (PKCS#8, PKCS#1 or SEC1, told apart by their structure).
pub(crate) fn read_key(data: &[u8]) -> Result<KeyMaterial, Problem> {
    if !pem::is_pem(data) {
        return read_der(data);
    }
    for block in pem::parse(data).map_err(Problem::Invalid)? {
        if block.encrypted {
            return Err(Problem::Unsupported(ENCRYPTED.into()));
        }
        let der = Zeroizing::new(block.der);
        return match block.label.as_str() {
            "PRIVATE KEY" => read_pkcs8(&der),
            "RSA PRIVATE KEY" => read_pkcs1(&der),
            "EC PRIVATE KEY" => read_sec1(&der, None),
            "ENCRYPTED PRIVATE KEY" => Err(Problem::Unsupported(ENCRYPTED.into())),
            "TSS2 PRIVATE KEY" => Err(Problem::Unsupported("TPM 2.0 keys".into())),
            _ => continue,
        };
    }
    Err(Problem::Invalid(
        "no private key found (expected a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block)"
            .into(),
    ))
}

fn read_der(data: &[u8]) -> Result<KeyMaterial, Problem> {
    let unknown = || {
        Problem::Invalid(
            "the private key is neither PEM nor a DER PKCS#8, PKCS#1 or SEC1 key".into(),
        )
    };
    let seq = der::single(data, der::SEQUENCE).map_err(|_| unknown())?;
    let mut r = Reader::new(seq.contents);
    match r.peek_tag() {
        // EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
        Some(der::SEQUENCE) => return Err(Problem::Unsupported(ENCRYPTED.into())),
        Some(der::INTEGER) => {}
        _ => return Err(unknown()),
    }
    r.integer().map_err(|_| unknown())?;
    match r.peek_tag() {
        Some(der::SEQUENCE) => read_pkcs8(data),
        Some(der::INTEGER) => read_pkcs1(data),
        Some(der::OCTET_STRING) => read_sec1(data, None),
        _ => Err(unknown()),
    }
}

/// `PrivateKeyInfo` / `OneAsymmetricKey` (RFC 5958): version 0 or 1, the algorithm, the key.
fn read_pkcs8(data: &[u8]) -> Result<KeyMaterial, Problem> {
    let bad = |e| malformed("PKCS#8", e);
    let mut r = der::single(data, der::SEQUENCE)
        .map(|e| Reader::new(e.contents))
        .map_err(bad)?;
    if r.small_uint().map_err(bad)? > 1 {
        return Err(Problem::Invalid(
            "the PKCS#8 key has an unknown version".into(),
        ));
    }
    let mut alg_seq = r.nested(der::SEQUENCE).map_err(bad)?;
    let alg = key_algorithm(&mut alg_seq).map_err(bad)?;
    let inner = r.expect(der::OCTET_STRING).map_err(bad)?.contents;
    match alg {
        KeyAlgorithm::Rsa => read_pkcs1(inner),
        KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => read_sec1(inner, Some(alg)),
        KeyAlgorithm::EcdsaOther => Err(Problem::Unsupported(
            "EC keys on curves other than P-256 and P-384".into(),
        )),
        KeyAlgorithm::Other => Err(Problem::Unsupported(
            "this key algorithm (only RSA and ECDSA keys are read)".into(),
        )),
    }
}

/// `RSAPrivateKey` (RFC 8017): two-prime keys (version 0).
fn read_pkcs1(data: &[u8]) -> Result<KeyMaterial, Problem> {
    let bad = |e| malformed("PKCS#1 RSA", e);
    let mut r = der::single(data, der::SEQUENCE)
        .map(|e| Reader::new(e.contents))
        .map_err(bad)?;
    if r.small_uint().map_err(bad)? != 0 {
        return Err(Problem::Unsupported("multi-prime RSA keys".into()));
    }
    for _ in 0..8 {
        r.integer().map_err(bad)?;
    }
    r.finish().map_err(bad)?;
    Ok(KeyMaterial::Rsa(Zeroizing::new(data.to_vec())))
}

/// `ECPrivateKey` (SEC1, RFC 5915): version 1, the scalar, the curve (here or in the PKCS#8
/// header), the public point (optional: the certificate's is used without it).
fn read_sec1(data: &[u8], outer: Option<KeyAlgorithm>) -> Result<KeyMaterial, Problem> {
    let bad = |e| malformed("SEC1 EC", e);
    let mut r = der::single(data, der::SEQUENCE)
        .map(|e| Reader::new(e.contents))
        .map_err(bad)?;
    if r.small_uint().map_err(bad)? != 1 {
        return Err(Problem::Invalid(
            "the SEC1 EC key has an unknown version".into(),
        ));
    }
    let scalar = r.expect(der::OCTET_STRING).map_err(bad)?.contents;
    let mut inner = None;
    if let Some(params) = r.optional(0xa0).map_err(bad)? {
        let mut p = Reader::new(params.contents);
        inner = Some(match p.expect(der::OID).map_err(bad)?.contents {
            OID_P256 => KeyAlgorithm::EcdsaP256,
            OID_P384 => KeyAlgorithm::EcdsaP384,
            _ => KeyAlgorithm::EcdsaOther,
        });
    }
    let public = match r.optional(0xa1).map_err(bad)? {
        Some(p) => Some(Reader::new(p.contents).bit_string().map_err(bad)?.to_vec()),
        None => None,
    };
    r.finish().map_err(bad)?;
    let curve = match (outer, inner) {
        (Some(a), Some(b)) if a != b => {
            return Err(Problem::Invalid(
                "the EC key names two different curves".into(),
            ));
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err(Problem::Invalid(
                "the EC key does not name its curve".into(),
            ));
        }
    };
    let size = match curve {
        KeyAlgorithm::EcdsaP256 => 32,
        KeyAlgorithm::EcdsaP384 => 48,
        _ => {
            return Err(Problem::Unsupported(
                "EC keys on curves other than P-256 and P-384".into(),
            ));
        }
    };
    // The scalar is a fixed-length big-endian integer; some writers drop leading zeros.
    if scalar.is_empty() || scalar.len() > size {
        return Err(Problem::Invalid(
            "the EC private key has the wrong length".into(),
        ));
    }
    let mut fixed = Zeroizing::new(vec![0u8; size]);
    fixed[size - scalar.len()..].copy_from_slice(scalar);
    Ok(KeyMaterial::Ec {
        curve,
        scalar: fixed,
        public,
    })
}

pub use signing::PrivateKey;

mod signing {
    use super::super::{Certificate, Problem, SigningAlgorithm};
    use super::{Digest, KeyAlgorithm, KeyMaterial};
    use ring::rand::SystemRandom;
    use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};

    enum Pair {
        Rsa(RsaKeyPair),
        Ecdsa(EcdsaKeyPair, KeyAlgorithm),
    }

    /// A private key that signs: RSA (2048 to 8192 bits) or ECDSA (P-256, P-384), read from
    /// PKCS#8, PKCS#1 or SEC1, PEM or DER. `Debug` shows only the algorithm.
    ///
    /// ```
    /// use sts_blocking::roles_anywhere::{Certificate, Digest, PrivateKey};
    /// let dir = "tests/data/rolesanywhere";
    /// let cert = Certificate::parse_all(&std::fs::read(format!("{dir}/ec.pem")).unwrap())?.remove(0);
    /// let key = PrivateKey::from_pem_or_der(&std::fs::read(format!("{dir}/ec-key.pem")).unwrap(), Some(&cert))?;
    /// let sig = key.sign(b"hello", Digest::Sha256)?;
    /// assert!(sig.len() > 64); // ASN.1 DER ECDSA signature
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    pub struct PrivateKey {
        pair: Pair,
        rng: SystemRandom,
    }

    impl std::fmt::Debug for PrivateKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PrivateKey")
                .field("algorithm", &self.algorithm())
                .finish_non_exhaustive()
        }
    }

    impl PrivateKey {
        /// Reads a key file (PEM or DER). With `certificate`, the key must be the certificate's
        /// (and an EC key without its public point takes the certificate's).
        ///
        /// # Errors
        /// [`Error::Credentials`](crate::Error::Credentials): an unreadable or unsupported key
        /// (encrypted, TPM, another algorithm or curve), or one that does not match the
        /// certificate. The message never holds key material.
        pub fn from_pem_or_der(
            data: &[u8],
            certificate: Option<&Certificate>,
        ) -> Result<Self, crate::Error> {
            Self::read(data, certificate).map_err(Problem::into_error)
        }

        /// [`PrivateKey::from_pem_or_der`] of a file, read with the crate's cap (1 MiB) and
        /// never blocking on a FIFO or a device.
        ///
        /// # Errors
        /// [`Error::File`](crate::Error::File) when it cannot be read; as
        /// [`PrivateKey::from_pem_or_der`].
        pub fn from_file(
            path: &std::path::Path,
            certificate: Option<&Certificate>,
        ) -> Result<Self, crate::Error> {
            let data = zeroize::Zeroizing::new(crate::files::read_capped(
                path,
                super::super::MAX_FILE,
                "private key",
            )?);
            Self::from_pem_or_der(&data, certificate)
        }

        pub(crate) fn read(data: &[u8], cert: Option<&Certificate>) -> Result<Self, Problem> {
            let material = super::read_key(data)?;
            Self::from_material(&material, cert)
        }

        pub(crate) fn from_material(
            material: &KeyMaterial,
            cert: Option<&Certificate>,
        ) -> Result<Self, Problem> {
            let rejected = |e: ring::error::KeyRejected| {
                Problem::Invalid(format!("the private key was rejected: {e}"))
            };
            let rng = SystemRandom::new();
            let pair = match material {
                KeyMaterial::Rsa(der) => {
                    let kp = RsaKeyPair::from_der(der).map_err(|e| {
                        let why = e.to_string();
                        if why == "TooSmall" || why == "TooLarge" {
                            Problem::Unsupported("RSA keys outside 2048 to 8192 bits".to_owned())
                        } else {
                            rejected(e)
                        }
                    })?;
                    Pair::Rsa(kp)
                }
                KeyMaterial::Ec {
                    curve,
                    scalar,
                    public,
                } => {
                    let alg = match curve {
                        KeyAlgorithm::EcdsaP256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                        _ => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                    };
                    let public = match (public, cert) {
                        (Some(p), _) => p.as_slice(),
                        (None, Some(c)) => c.public_key(),
                        (None, None) => {
                            return Err(Problem::Invalid(
                                "the EC key file has no public key: give the certificate too"
                                    .into(),
                            ));
                        }
                    };
                    let kp =
                        EcdsaKeyPair::from_private_key_and_public_key(alg, scalar, public, &rng)
                            .map_err(|_| {
                                Problem::Invalid(if cert.is_some() {
                                    "the private key does not match the certificate".to_owned()
                                } else {
                                    "the EC key's public point does not match its private key"
                                        .to_owned()
                                })
                            })?;
                    Pair::Ecdsa(kp, *curve)
                }
            };
            let key = Self { pair, rng };
            if let Some(c) = cert
                && (c.key_algorithm() != key.algorithm() || c.public_key() != key.public_key())
            {
                return Err(Problem::Invalid(
                    "the private key does not match the certificate".into(),
                ));
            }
            Ok(key)
        }

        /// The key's algorithm ([`KeyAlgorithm::Rsa`], [`KeyAlgorithm::EcdsaP256`] or
        /// [`KeyAlgorithm::EcdsaP384`]).
        #[must_use]
        pub fn algorithm(&self) -> KeyAlgorithm {
            match &self.pair {
                Pair::Rsa(_) => KeyAlgorithm::Rsa,
                Pair::Ecdsa(_, c) => *c,
            }
        }

        /// The public key: an RSA `RSAPublicKey` in DER, or an uncompressed EC point.
        #[must_use]
        pub fn public_key(&self) -> &[u8] {
            match &self.pair {
                Pair::Rsa(k) => k.public().as_ref(),
                Pair::Ecdsa(k, _) => k.public_key().as_ref(),
            }
        }

        /// The `CreateSession` algorithm of this key.
        ///
        /// # Errors
        /// [`Error::Credentials`](crate::Error::Credentials) for a P-384 key (see the
        /// [module docs](super::super)).
        pub fn session_algorithm(&self) -> Result<SigningAlgorithm, crate::Error> {
            self.session_algorithm_problem()
                .map_err(Problem::into_error)
        }

        pub(crate) fn session_algorithm_problem(&self) -> Result<SigningAlgorithm, Problem> {
            match self.algorithm() {
                KeyAlgorithm::Rsa => Ok(SigningAlgorithm::Rsa),
                KeyAlgorithm::EcdsaP256 => Ok(SigningAlgorithm::Ecdsa),
                _ => Err(Problem::Unsupported(
                    "P-384 keys for CreateSession (it signs with SHA-256, which ring does not \
                     pair with P-384)"
                        .into(),
                )),
            }
        }

        /// Signs `message` (hashing it with `digest`): RSA PKCS#1 v1.5, or ECDSA in ASN.1 DER.
        ///
        /// # Errors
        /// [`Error::Credentials`](crate::Error::Credentials) for a digest the key cannot sign
        /// with (ECDSA P-256 signs with SHA-256 only, P-384 with SHA-384 only), or a signing
        /// failure.
        pub fn sign(&self, message: &[u8], digest: Digest) -> Result<Vec<u8>, crate::Error> {
            let fail = || Problem::Invalid("signing failed".into()).into_error();
            match &self.pair {
                Pair::Rsa(k) => {
                    let pad = match digest {
                        Digest::Sha256 => &signature::RSA_PKCS1_SHA256,
                        Digest::Sha384 => &signature::RSA_PKCS1_SHA384,
                        Digest::Sha512 => &signature::RSA_PKCS1_SHA512,
                    };
                    let mut sig = vec![0u8; k.public().modulus_len()];
                    k.sign(pad, &self.rng, message, &mut sig)
                        .map_err(|_| fail())?;
                    Ok(sig)
                }
                Pair::Ecdsa(k, curve) => {
                    let ok = matches!(
                        (curve, digest),
                        (KeyAlgorithm::EcdsaP256, Digest::Sha256)
                            | (KeyAlgorithm::EcdsaP384, Digest::Sha384)
                    );
                    if !ok {
                        return Err(Problem::Unsupported(format!(
                            "signing with {digest:?} and an {curve:?} key (P-256 signs with \
                             SHA-256, P-384 with SHA-384)"
                        ))
                        .into_error());
                    }
                    Ok(k.sign(&self.rng, message)
                        .map_err(|_| fail())?
                        .as_ref()
                        .to_vec())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/data/rolesanywhere/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_every_format() {
        for (file, alg) in [
            ("rsa-key.pem", KeyAlgorithm::Rsa),
            ("rsa-key.der", KeyAlgorithm::Rsa),
            ("rsa-key-pkcs1.pem", KeyAlgorithm::Rsa),
            ("rsa-key-pkcs1.der", KeyAlgorithm::Rsa),
            ("ec-key.pem", KeyAlgorithm::EcdsaP256),
            ("ec-key.der", KeyAlgorithm::EcdsaP256),
            ("ec-key-pkcs8.pem", KeyAlgorithm::EcdsaP256),
            ("ec-key-pkcs8.der", KeyAlgorithm::EcdsaP256),
            ("ec-key-no-public.pem", KeyAlgorithm::EcdsaP256),
            ("ec384-key.pem", KeyAlgorithm::EcdsaP384),
        ] {
            let k = read_key(&data(file)).unwrap_or_else(|e| panic!("{file}: {e:?}"));
            assert_eq!(k.algorithm(), alg, "{file}");
        }
        // Every RSA form is the same key.
        let KeyMaterial::Rsa(a) = read_key(&data("rsa-key.pem")).unwrap() else {
            panic!()
        };
        let KeyMaterial::Rsa(b) = read_key(&data("rsa-key-pkcs1.der")).unwrap() else {
            panic!()
        };
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for file in ["rsa-key-encrypted.pem", "rsa-key-pkcs1-encrypted.pem"] {
            assert!(
                matches!(read_key(&data(file)), Err(Problem::Unsupported(m)) if m.contains("encrypted")),
                "{file}"
            );
        }
        assert!(matches!(
            read_key(b"-----BEGIN TSS2 PRIVATE KEY-----\nAAAA\n-----END TSS2 PRIVATE KEY-----\n"),
            Err(Problem::Unsupported(_))
        ));
        // An Ed25519 PKCS#8 key.
        let ed = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
            22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
        ];
        assert!(matches!(read_key(&ed), Err(Problem::Unsupported(_))));
        for bad in [
            &b""[..],
            b"not a key",
            b"\x30\x03\x02\x01\x00",
            &data("rsa.pem"),
            b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(
                matches!(read_key(bad), Err(Problem::Invalid(_))),
                "{:?}",
                read_key(bad)
            );
        }
        // Truncations of every DER form: errors, never panics.
        for file in ["rsa-key.der", "ec-key.der", "ec-key-pkcs8.der"] {
            let d = data(file);
            for n in 0..d.len() {
                assert!(read_key(&d[..n]).is_err(), "{file} {n}");
            }
        }
    }

    #[test]
    fn the_helper_test_message() {
        let m = helper_test_message(b"key");
        assert!(m.starts_with(b"AWS Roles Anywhere Credential Helper Signing Test1"));
        assert_eq!(m.len(), 50 + 32);
    }
}
