//! SHA-1 hex digests for the AWS CLI's cache file names: `~/.aws/sso/cache/<sha1>.json` and
//! `~/.aws/cli/cache/<sha1>.json`. Names only, not security. RustCrypto's `sha1` (it shares `digest`
//! with `sha2`).

use sha1::{Digest, Sha1};

/// SHA-1 of `data`, as 40 lower-case hex digits.
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    crate::hex::lower(&Sha1::digest(data))
}

#[cfg(test)]
mod tests {
    use super::sha1_hex;

    #[test]
    fn vectors() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        // The SSO cache names from the conformance README.
        assert!(sha1_hex(b"https://ssotest.awsapps.com/start").starts_with("dace00cb"));
        assert!(sha1_hex(b"dev").starts_with("34c6fcec"));
        // One million 'a' (FIPS 180 test vector): many blocks.
        assert_eq!(
            sha1_hex(&vec![b'a'; 1_000_000]),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
    }
}
