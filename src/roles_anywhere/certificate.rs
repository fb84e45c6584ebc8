//! [`Certificate`]: what Roles Anywhere needs of an X.509 certificate (its DER for the
//! `X-Amz-X509` headers, its serial number for the credential scope, its validity, its public
//! key and its names for the chain order), read with the DER walker of this module.

use super::der::{self, DerError, Reader};
use super::{Problem, pem};
use std::fmt;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The public key algorithm of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA (`rsaEncryption`): signs with `AWS4-X509-RSA-SHA256`.
    Rsa,
    /// ECDSA on P-256: signs with `AWS4-X509-ECDSA-SHA256`.
    EcdsaP256,
    /// ECDSA on P-384 (readable; see [`super`] for what it can sign).
    EcdsaP384,
    /// ECDSA on another curve (not supported).
    EcdsaOther,
    /// Anything else (Ed25519, ML-DSA, DSA...): not supported.
    Other,
}

impl KeyAlgorithm {
    /// `aws_signing_helper read-certificate-data`'s `keyType`: `RSA`, `EC`, or empty.
    #[must_use]
    pub fn helper_key_type(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaOther => "EC",
            Self::Other => "",
        }
    }
}

/// An X.509 certificate as Roles Anywhere uses it. `Debug` shows the serial number, the
/// algorithm and the validity, which are public.
///
/// ```
/// # fn main() -> Result<(), sts_blocking::Error> {
/// use sts_blocking::roles_anywhere::{Certificate, KeyAlgorithm};
/// let pem = std::fs::read("tests/data/rolesanywhere/ec.pem").unwrap();
/// let cert = &Certificate::parse_all(&pem)?[0];
/// assert_eq!(cert.serial_number(), "12648430"); // 0xC0FFEE
/// assert_eq!(cert.key_algorithm(), KeyAlgorithm::EcdsaP256);
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    serial: Vec<u8>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    algorithm: KeyAlgorithm,
    /// The `subjectPublicKey` bits: an RSA `RSAPublicKey` or an uncompressed EC point.
    public_key: Vec<u8>,
    /// The raw DER of the issuer and subject names.
    issuer: Vec<u8>,
    subject: Vec<u8>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("serial_number", &self.serial_number())
            .field("algorithm", &self.algorithm)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub(crate) const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(crate) const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

/// The algorithm of an `AlgorithmIdentifier` of a public or private key.
pub(crate) fn key_algorithm(alg: &mut Reader<'_>) -> Result<KeyAlgorithm, DerError> {
    let oid = alg.expect(der::OID)?.contents;
    Ok(if oid == OID_RSA {
        KeyAlgorithm::Rsa
    } else if oid == OID_EC_PUBLIC_KEY {
        match alg.optional(der::OID)?.map(|e| e.contents) {
            Some(OID_P256) => KeyAlgorithm::EcdsaP256,
            Some(OID_P384) => KeyAlgorithm::EcdsaP384,
            _ => KeyAlgorithm::EcdsaOther,
        }
    } else {
        KeyAlgorithm::Other
    })
}

fn two(d: &[u8]) -> Option<u8> {
    match d {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// A DER `UTCTime` (`YYMMDDHHMMSSZ`, years 1950-2049) or `GeneralizedTime`
/// (`YYYYMMDDHHMMSSZ`), as RFC 5280 requires them: UTC, with seconds.
fn time_of(e: der::Element<'_>) -> Option<OffsetDateTime> {
    let (year, rest) = match (e.tag, e.contents.len()) {
        (der::UTC_TIME, 13) => {
            let yy = i32::from(two(&e.contents[..2])?);
            (
                if yy >= 50 { 1900 + yy } else { 2000 + yy },
                &e.contents[2..],
            )
        }
        (der::GENERALIZED_TIME, 15) => {
            let hi = i32::from(two(&e.contents[..2])?);
            let lo = i32::from(two(&e.contents[2..4])?);
            (hi * 100 + lo, &e.contents[4..])
        }
        _ => return None,
    };
    if rest[10] != b'Z' {
        return None;
    }
    let month = Month::try_from(two(&rest[..2])?).ok()?;
    let date = Date::from_calendar_date(year, month, two(&rest[2..4])?).ok()?;
    let time = Time::from_hms(two(&rest[4..6])?, two(&rest[6..8])?, two(&rest[8..10])?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

impl Certificate {
    /// Reads one DER certificate.
    ///
    /// # Errors
    /// [`Error::Credentials`](crate::Error::Credentials) when it is not a well-formed X.509
    /// certificate (a negative serial number or an unreadable date included).
    pub fn from_der(der: &[u8]) -> Result<Self, crate::Error> {
        Self::read(der).map_err(|p| p.into_error())
    }

    pub(crate) fn read(input: &[u8]) -> Result<Self, Problem> {
        let bad = |what: &str| Problem::Invalid(format!("the certificate is malformed: {what}"));
        let derr = |e: DerError| bad(&e.to_string());
        let cert = der::single(input, der::SEQUENCE).map_err(derr)?;
        let mut outer = Reader::new(cert.contents);
        let mut tbs = outer.nested(der::SEQUENCE).map_err(derr)?;
        // [0] EXPLICIT version, then the serial number.
        tbs.optional(0xa0).map_err(derr)?;
        let serial = tbs.integer().map_err(derr)?;
        if serial[0] & 0x80 != 0 {
            return Err(bad("its serial number is negative"));
        }
        tbs.expect(der::SEQUENCE).map_err(derr)?; // signature algorithm
        let issuer = tbs.expect(der::SEQUENCE).map_err(derr)?.raw.to_vec();
        let mut validity = tbs.nested(der::SEQUENCE).map_err(derr)?;
        let not_before = validity
            .any()
            .ok()
            .and_then(time_of)
            .ok_or_else(|| bad("its notBefore date"))?;
        let not_after = validity
            .any()
            .ok()
            .and_then(time_of)
            .ok_or_else(|| bad("its notAfter date"))?;
        let subject = tbs.expect(der::SEQUENCE).map_err(derr)?.raw.to_vec();
        let mut spki = tbs.nested(der::SEQUENCE).map_err(derr)?;
        let algorithm =
            key_algorithm(&mut spki.nested(der::SEQUENCE).map_err(derr)?).map_err(derr)?;
        let public_key = spki.bit_string().map_err(derr)?.to_vec();
        // The signature algorithm and value must follow the TBS part.
        outer.expect(der::SEQUENCE).map_err(derr)?;
        outer.bit_string().map_err(derr)?;
        outer.finish().map_err(derr)?;
        Ok(Self {
            der: input.to_vec(),
            serial: serial.to_vec(),
            not_before,
            not_after,
            algorithm,
            public_key,
            issuer,
            subject,
        })
    }

    /// The certificate of a certificate file: its first `CERTIFICATE` block (other blocks, such
    /// as a key in the same file, are ignored, as `aws_signing_helper` ignores them), or one DER
    /// certificate.
    ///
    /// # Errors
    /// [`Error::Credentials`](crate::Error::Credentials) when there is no certificate or it is
    /// malformed.
    pub fn from_pem_or_der(data: &[u8]) -> Result<Self, crate::Error> {
        Self::read_first(data).map_err(Problem::into_error)
    }

    /// [`Certificate::from_pem_or_der`] of a file, read with the crate's cap (1 MiB) and never
    /// blocking on a FIFO or a device.
    ///
    /// # Errors
    /// [`Error::File`](crate::Error::File) when it cannot be read; as
    /// [`Certificate::from_pem_or_der`].
    #[cfg(feature = "client")]
    pub fn from_file(path: &std::path::Path) -> Result<Self, crate::Error> {
        let data = crate::files::read_capped(path, super::MAX_FILE, "certificate")?;
        Self::from_pem_or_der(&data)
    }

    pub(crate) fn read_first(data: &[u8]) -> Result<Self, Problem> {
        if !pem::is_pem(data) {
            return Self::read(data);
        }
        let blocks = pem::parse(data).map_err(Problem::Invalid)?;
        let block = blocks
            .iter()
            .find(|b| b.label == "CERTIFICATE")
            .ok_or_else(|| {
                Problem::Invalid("no CERTIFICATE block in the certificate file".into())
            })?;
        Self::read(&block.der)
    }

    /// Every certificate in `data`: the `CERTIFICATE` blocks of a PEM file in order, or one DER
    /// certificate.
    ///
    /// # Errors
    /// [`Error::Credentials`](crate::Error::Credentials) when there is no certificate, a PEM
    /// block of another kind is among them, or one is malformed.
    pub fn parse_all(data: &[u8]) -> Result<Vec<Self>, crate::Error> {
        Self::read_all(data).map_err(|p| p.into_error())
    }

    pub(crate) fn read_all(data: &[u8]) -> Result<Vec<Self>, Problem> {
        if !pem::is_pem(data) {
            return Ok(vec![Self::read(data)?]);
        }
        let mut out = Vec::new();
        for block in pem::parse(data).map_err(Problem::Invalid)? {
            if block.label != "CERTIFICATE" {
                return Err(Problem::Invalid(format!(
                    "a certificate file holds a {:?} block (only CERTIFICATE blocks belong there)",
                    block.label
                )));
            }
            out.push(Self::read(&block.der)?);
        }
        if out.is_empty() {
            return Err(Problem::Invalid("no certificate found".into()));
        }
        Ok(out)
    }

    /// The certificate in DER.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Standard base64 of the DER, as sent in `X-Amz-X509`.
    #[must_use]
    pub fn to_base64(&self) -> String {
        crate::presign::base64::encode_std(&self.der)
    }

    /// The serial number in decimal, as the credential scope names it.
    #[must_use]
    pub fn serial_number(&self) -> String {
        der::unsigned_to_decimal(&self.serial)
    }

    /// The serial number in upper-case hexadecimal without leading zeros (as OpenSSL and
    /// `aws_signing_helper` show it).
    #[must_use]
    pub fn serial_number_hex(&self) -> String {
        let hex = crate::hex::lower(&self.serial).to_ascii_uppercase();
        let trimmed = hex.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }
    }

    /// The start of the validity period.
    #[must_use]
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// The end of the validity period.
    #[must_use]
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The public key's algorithm.
    #[must_use]
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The `subjectPublicKey` bits (an RSA `RSAPublicKey`, or an uncompressed EC point).
    #[must_use]
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Whether `other` names this certificate's issuer as its subject (byte for byte, as
    /// certificates chained by one CA are).
    #[must_use]
    pub fn is_issued_by(&self, other: &Certificate) -> bool {
        self.issuer == other.subject
    }

    /// Fails unless `now` is within the validity period.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn check_validity(&self, now: OffsetDateTime, what: &str) -> Result<(), Problem> {
        let show = |t: OffsetDateTime| crate::clock::timestamp(t, "Z");
        if now < self.not_before {
            return Err(Problem::Invalid(format!(
                "the {what} (serial {}) is not valid yet: its validity starts at {}",
                self.serial_number(),
                show(self.not_before)
            )));
        }
        if now > self.not_after {
            return Err(Problem::Invalid(format!(
                "the {what} (serial {}) expired at {}",
                self.serial_number(),
                show(self.not_after)
            )));
        }
        Ok(())
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
    fn reads_the_test_certificates() {
        let rsa = &Certificate::read_all(&data("rsa.pem")).unwrap()[0];
        assert_eq!(
            rsa.serial_number(),
            0x9F3A_5C7E_1B2D_4F60_81A3_C5E7_092B_4D6F_u128.to_string()
        );
        assert_eq!(rsa.serial_number_hex(), "9F3A5C7E1B2D4F6081A3C5E7092B4D6F");
        assert_eq!(rsa.key_algorithm(), KeyAlgorithm::Rsa);
        assert_eq!(rsa.not_before().year(), 2024);
        // 2099: a GeneralizedTime.
        assert_eq!(rsa.not_after().year(), 2099);
        assert_eq!(Certificate::read_all(&data("rsa.der")).unwrap()[0], *rsa);
        let ec = &Certificate::read_all(&data("ec.pem")).unwrap()[0];
        assert_eq!(ec.key_algorithm(), KeyAlgorithm::EcdsaP256);
        assert_eq!(ec.public_key().len(), 65);
        let p384 = &Certificate::read_all(&data("ec384.pem")).unwrap()[0];
        assert_eq!(p384.key_algorithm(), KeyAlgorithm::EcdsaP384);
        // UTCTime dates.
        let old = &Certificate::read_all(&data("expired.pem")).unwrap()[0];
        assert_eq!(
            (old.not_before().year(), old.not_after().year()),
            (2001, 2002)
        );
        let chain = Certificate::read_all(&data("chain.pem")).unwrap();
        assert_eq!(chain.len(), 2);
        assert!(rsa.is_issued_by(&chain[0]));
        assert!(chain[0].is_issued_by(&chain[1]));
        assert!(!chain[1].is_issued_by(&chain[0]));
    }

    #[test]
    fn malformed_certificates_are_errors() {
        let good = Certificate::read_all(&data("rsa.der")).unwrap()[0]
            .der()
            .to_vec();
        // Every truncation, and every single-byte change in the header region, is an error or
        // a certificate, never a panic.
        for n in 0..good.len() {
            assert!(Certificate::read(&good[..n]).is_err(), "{n}");
        }
        for i in 0..good.len().min(400) {
            for b in [0x00, 0x80, 0xff] {
                let mut m = good.clone();
                m[i] = b;
                let _ = Certificate::read(&m);
            }
        }
        assert!(Certificate::read_all(&data("rsa-key.pem")).is_err());
        assert!(Certificate::read_all(b"-----BEGIN X-----\n-----END X-----\n").is_err());
        assert!(Certificate::read_all(b"").is_err());
    }
}
