//! The library's randomness in one place: the version-4 UUIDs it writes, the secure random bytes
//! of `aws login` (PKCE verifiers, the `state` of a request, DPoP `jti`s: these must be
//! unpredictable, so they come from the system's secure source through `ring`), and the jitter
//! that spreads credential refreshes (which need not be: a cheap xorshift64* generator).
//!
//! The call engine holds a generator of its own (seeded per client, fixed by
//! `EngineBuilder::seed` in tests) for its backoff jitter and invocation ids; [`XorShift`] is the
//! same generator.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A version-4 UUID (RFC 9562) from 16 random bytes: the version and variant bits set, lowercase
/// hex as 8-4-4-4-12.
#[must_use]
// Pure, but only `aws login` (the `client` feature) writes UUIDs.
#[cfg_attr(not(feature = "client"), expect(dead_code))]
pub(crate) fn uuid4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::hex::lower(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// `N` bytes from the system's secure random source; `None` when it fails (the callers say "no
/// secure random numbers" in their own error).
#[cfg(feature = "client")]
pub(crate) fn secure_bytes<const N: usize>() -> Option<[u8; N]> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new().fill(&mut b).ok()?;
    Some(b)
}

/// A fresh version-4 UUID from the secure random source.
#[cfg(feature = "client")]
pub(crate) fn secure_uuid4() -> Option<String> {
    secure_bytes::<16>().map(uuid4)
}

/// xorshift64*, shared between threads: fast and good enough for jitter, never for secrets.
#[derive(Debug)]
pub(crate) struct XorShift(AtomicU64);

impl XorShift {
    /// A generator from `seed` (zero counts as unseeded: the first draw seeds it from the clock).
    pub(crate) const fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }

    /// 64 random bits.
    pub(crate) fn next_u64(&self) -> u64 {
        let mut x = self.0.load(Ordering::Relaxed);
        loop {
            // xorshift never leaves zero, which also marks a generator not seeded yet. Only the
            // low bits of the time matter for a seed; the truncation is the point.
            let from = if x == 0 {
                time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 | 1
            } else {
                x
            };
            let mut y = from;
            y ^= y >> 12;
            y ^= y << 25;
            y ^= y >> 27;
            match self
                .0
                .compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return y.wrapping_mul(0x2545_F491_4F6C_DD1D),
                Err(current) => x = current,
            }
        }
    }

    /// A duration in `0..=max`.
    pub(crate) fn up_to(&self, max: Duration) -> Duration {
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        match nanos.checked_add(1) {
            Some(span) => Duration::from_nanos(self.next_u64() % span),
            None => Duration::from_nanos(self.next_u64()),
        }
    }
}

/// A random duration in `0..=max` for jitter (not for security), from one generator for the
/// process, seeded from the clock on first use.
pub(crate) fn jitter_up_to(max: Duration) -> Duration {
    static JITTER: XorShift = XorShift::new(0);
    JITTER.up_to(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid4_sets_the_version_and_variant_bits() {
        assert_eq!(uuid4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[cfg(feature = "client")]
    #[test]
    fn secure_uuids_differ() {
        let a = secure_uuid4().unwrap();
        assert_ne!(a, secure_uuid4().unwrap());
        let b = a.as_bytes();
        assert_eq!(a.len(), 36);
        assert_eq!((b[8], b[13], b[18], b[23]), (b'-', b'-', b'-', b'-'));
        assert_eq!(b[14], b'4');
        assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn xorshift_is_the_engines_generator() {
        // The first outputs of xorshift64* (12, 25, 27; the multiplier 2685821657736338717) from 1.
        let g = XorShift::new(1);
        assert_eq!(g.next_u64(), 0x47E4_CE4B_896C_DD1D);
        assert_ne!(g.next_u64(), 0x47E4_CE4B_896C_DD1D);
    }

    #[test]
    fn jitter_stays_in_range() {
        assert_eq!(jitter_up_to(Duration::ZERO), Duration::ZERO);
        assert!(jitter_up_to(Duration::MAX) <= Duration::MAX);
        let g = XorShift::new(7);
        for _ in 0..1000 {
            assert!(g.up_to(Duration::from_nanos(10)) <= Duration::from_nanos(10));
        }
        // An unseeded generator seeds itself: draws are not stuck at zero.
        let g = XorShift::new(0);
        assert!((0..4).any(|_| g.next_u64() != 0));
    }
}
