//! Signing keys: the HMAC derivation chain and a small cache of derived keys.

use super::SigningParams;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Mutex;
use zeroize::Zeroize;

type HmacSha256 = Hmac<Sha256>;

/// Derives the SigV4 signing key: HMAC chain `"AWS4"+secret -> date -> region -> service -> "aws4_request"`.
///
/// `date` is the `yyyymmdd` date stamp.
#[must_use]
pub fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut k_secret = Vec::with_capacity(4 + secret.len());
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.as_bytes());
    let mut k = hmac(&k_secret, date.as_bytes());
    k_secret.zeroize();
    for part in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
        let next = hmac(&k, part);
        k.zeroize();
        k = next;
    }
    k
}

pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The derived signing key for one (secret, date, region, service).
struct CachedKey {
    secret_hash: [u8; 32],
    date: [u8; 8],
    region: String,
    service: String,
    key: [u8; 32],
}

impl Drop for CachedKey {
    fn drop(&mut self) {
        self.key.zeroize();
        self.secret_hash.zeroize();
    }
}

/// How many (secret, date, region, service) keys a cache holds.
const CACHE_SLOTS: usize = 4;

/// A cache of derived signing keys, shared by every signature of a client (`Send + Sync`).
///
/// A key is reused while the date, region, service and secret key (compared by SHA-256 hash, the secret
/// itself is not stored) are unchanged, which saves four of the five HMACs of a signature. It holds up
/// to four keys. `Debug` shows only how many keys it holds.
#[derive(Default)]
pub struct SigningKeyCache {
    slots: Mutex<Vec<CachedKey>>,
}

impl SigningKeyCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The signing key for `params` (secret, date of `time` in UTC, region, service), derived on a miss.
    #[must_use]
    pub fn signing_key(&self, params: &SigningParams<'_>) -> [u8; 32] {
        let amz_date = super::format_amz_date(params.time);
        self.key_for(params, &amz_date[..8])
    }

    pub(super) fn key_for(&self, params: &SigningParams<'_>, date: &str) -> [u8; 32] {
        let secret_hash: [u8; 32] = Sha256::digest(params.secret_access_key.as_bytes()).into();
        let date_bytes: [u8; 8] = date.as_bytes().try_into().unwrap_or([0; 8]);
        let matches = |c: &CachedKey| {
            c.date == date_bytes
                && c.secret_hash == secret_hash
                && c.region == params.region
                && c.service == params.service
        };
        {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = slots.iter().find(|c| matches(c)) {
                return c.key;
            }
        }
        // Derive outside the lock.
        let key = derive_signing_key(
            params.secret_access_key,
            date,
            params.region,
            params.service,
        );
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if !slots.iter().any(&matches) {
            if slots.len() >= CACHE_SLOTS {
                slots.remove(0);
            }
            slots.push(CachedKey {
                secret_hash,
                date: date_bytes,
                region: params.region.to_owned(),
                service: params.service.to_owned(),
                key,
            });
        }
        key
    }

    /// How many keys the cache holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether the cache holds no key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("keys", &self.len())
            .finish_non_exhaustive()
    }
}
