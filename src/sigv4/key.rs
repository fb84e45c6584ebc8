//! Signing keys: the HMAC derivation chain and a small cache of derived keys.

use super::SigningParams;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::sync::Mutex;
use zeroize::Zeroize;

pub(super) type HmacSha256 = Hmac<Sha256>;

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

/// The derived signing key for one (secret, date, region, service), with an HMAC already keyed
/// with it (cloning it saves the two key-block compressions of every signature).
struct CachedKey {
    secret: Vec<u8>,
    date: [u8; 8],
    region: String,
    service: String,
    key: [u8; 32],
    mac: HmacSha256,
}

impl Drop for CachedKey {
    fn drop(&mut self) {
        self.key.zeroize();
        self.secret.zeroize();
    }
}

/// How many (secret, date, region, service) keys a cache holds.
const CACHE_SLOTS: usize = 4;

/// A cache of derived signing keys, shared by every signature of a client (`Send + Sync`).
///
/// A key is reused while the date, region, service and secret key are unchanged, which saves four of
/// the five HMACs of a signature. It holds up to four keys (zeroed when dropped). `Debug` shows only
/// how many keys it holds.
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
        self.with_entry(params, date, |c| c.key)
    }

    /// An HMAC keyed with the signing key for `params` on `date`.
    pub(super) fn mac_for(&self, params: &SigningParams<'_>, date: &str) -> HmacSha256 {
        self.with_entry(params, date, |c| c.mac.clone())
    }

    fn with_entry<T>(
        &self,
        params: &SigningParams<'_>,
        date: &str,
        read: impl Fn(&CachedKey) -> T,
    ) -> T {
        let secret = params.secret_access_key.as_bytes();
        let date_bytes: [u8; 8] = date.as_bytes().try_into().unwrap_or([0; 8]);
        let matches = |c: &CachedKey| {
            c.date == date_bytes
                && c.region == params.region
                && c.service == params.service
                && c.secret == secret
        };
        {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = slots.iter().find(|c| matches(c)) {
                return read(c);
            }
        }
        // Derive outside the lock.
        let key = derive_signing_key(
            params.secret_access_key,
            date,
            params.region,
            params.service,
        );
        let entry = CachedKey {
            secret: secret.to_vec(),
            date: date_bytes,
            region: params.region.to_owned(),
            service: params.service.to_owned(),
            mac: HmacSha256::new_from_slice(&key).expect("HMAC accepts any key length"),
            key,
        };
        let out = read(&entry);
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if !slots.iter().any(&matches) {
            if slots.len() >= CACHE_SLOTS {
                slots.remove(0);
            }
            slots.push(entry);
        }
        out
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
