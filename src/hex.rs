//! Lower-case hex: SigV4 signatures and payload hashes, and the AWS CLI's cache file names.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes the lower-case hex of `bytes` to the front of `buf`, two digits a byte, and returns what
/// was written; bytes past what `buf` holds are left out.
pub(crate) fn encode_into<'b>(bytes: &[u8], buf: &'b mut [u8]) -> &'b str {
    let mut written = 0;
    for (pair, &byte) in buf.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 15)];
        written += 2;
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[..written]).unwrap_or_default()
}

/// Appends the lower-case hex of `bytes` to `out`.
pub(crate) fn push_lower(out: &mut String, bytes: &[u8]) {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        out.push_str(encode_into(chunk, &mut buf));
    }
}

/// The lower-case hex of `bytes`.
pub(crate) fn lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    push_lower(&mut out, bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::{encode_into, lower};
    use std::fmt::Write;

    #[test]
    fn every_byte_matches_the_formatter() {
        let all: Vec<u8> = (0..=255).collect();
        let mut want = String::new();
        for b in &all {
            write!(want, "{b:02x}").unwrap();
        }
        assert_eq!(lower(&all), want);
        assert_eq!(lower(&[]), "");
        assert_eq!(lower(&[0xde, 0xad, 0xbe, 0xef]), "deadbeef");
    }

    #[test]
    fn a_short_buffer_takes_whole_bytes_only() {
        let mut buf = [0u8; 5];
        assert_eq!(encode_into(&[0xab, 0xcd, 0xef], &mut buf), "abcd");
        let mut empty = [0u8; 0];
        assert_eq!(encode_into(&[1], &mut empty), "");
    }
}
