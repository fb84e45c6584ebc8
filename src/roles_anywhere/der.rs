//! A minimal DER reader: enough of X.690 to walk a certificate and the private key structures
//! (PKCS#8, PKCS#1, SEC1). Definite lengths only, at most four length bytes, every read checked
//! against the input: malformed input is an error, never a panic or an out-of-bounds slice.

/// Universal tags read here.
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;

/// Why DER could not be read (the caller says what was being read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DerError {
    /// The input ended inside an element.
    Truncated,
    /// An indefinite or over-long length, or a multi-byte tag.
    BadLength,
    /// Another tag than the one expected.
    UnexpectedTag { expected: u8, found: u8 },
    /// Bytes left after the last element.
    TrailingData,
    /// A value that breaks its type's rules (an empty INTEGER, a BIT STRING with unused bits).
    BadValue,
}

impl std::fmt::Display for DerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated => f.write_str("the DER data ends early"),
            Self::BadLength => f.write_str("a DER length is malformed"),
            Self::UnexpectedTag { expected, found } => write!(
                f,
                "unexpected DER tag 0x{found:02x} (expected 0x{expected:02x})"
            ),
            Self::TrailingData => f.write_str("data follows the DER structure"),
            Self::BadValue => f.write_str("a DER value is malformed"),
        }
    }
}

/// One element: its tag, its contents and the whole encoding (tag and length included).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element<'a> {
    pub tag: u8,
    pub contents: &'a [u8],
    pub raw: &'a [u8],
}

/// A cursor over a sequence of elements.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element, whatever its tag.
    pub(crate) fn any(&mut self) -> Result<Element<'a>, DerError> {
        let input = self.rest;
        let (&tag, after_tag) = input.split_first().ok_or(DerError::Truncated)?;
        // High-tag-number form (tag number 31 and up): nothing read here uses it.
        if tag & 0x1f == 0x1f {
            return Err(DerError::BadLength);
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or(DerError::Truncated)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            // 0x80 is the indefinite form (BER, not DER); more than 4 bytes is not a real length.
            if n == 0 || n > 4 {
                return Err(DerError::BadLength);
            }
            if after_len.len() < n {
                return Err(DerError::Truncated);
            }
            let (bytes, rest) = after_len.split_at(n);
            after_len = rest;
            if bytes[0] == 0 {
                return Err(DerError::BadLength);
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err(DerError::BadLength);
            }
            len
        };
        if after_len.len() < len {
            return Err(DerError::Truncated);
        }
        let (contents, rest) = after_len.split_at(len);
        let header = input.len() - after_len.len();
        let raw = &input[..header + len];
        self.rest = rest;
        Ok(Element { tag, contents, raw })
    }

    /// Reads the next element, which must have `tag`.
    pub(crate) fn expect(&mut self, tag: u8) -> Result<Element<'a>, DerError> {
        let e = self.any()?;
        if e.tag == tag {
            Ok(e)
        } else {
            Err(DerError::UnexpectedTag {
                expected: tag,
                found: e.tag,
            })
        }
    }

    /// The contents of the next element (which must have `tag`) as a reader.
    pub(crate) fn nested(&mut self, tag: u8) -> Result<Reader<'a>, DerError> {
        Ok(Reader::new(self.expect(tag)?.contents))
    }

    /// Reads the next element only when it has `tag`.
    pub(crate) fn optional(&mut self, tag: u8) -> Result<Option<Element<'a>>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The contents of an INTEGER (two's complement, big-endian, at least one byte).
    pub(crate) fn integer(&mut self) -> Result<&'a [u8], DerError> {
        let v = self.expect(INTEGER)?.contents;
        if v.is_empty() {
            return Err(DerError::BadValue);
        }
        Ok(v)
    }

    /// A small non-negative INTEGER (a version number).
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn small_uint(&mut self) -> Result<u32, DerError> {
        let v = self.integer()?;
        if v.len() > 4 || v[0] & 0x80 != 0 {
            return Err(DerError::BadValue);
        }
        Ok(v.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
    }

    /// The bytes of a BIT STRING with no unused bits (keys and signatures).
    pub(crate) fn bit_string(&mut self) -> Result<&'a [u8], DerError> {
        match self.expect(BIT_STRING)?.contents.split_first() {
            Some((0, bits)) => Ok(bits),
            _ => Err(DerError::BadValue),
        }
    }

    /// Fails unless everything was read.
    pub(crate) fn finish(&self) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerError::TrailingData)
        }
    }
}

/// Reads exactly one element with `tag` from `input` (nothing may follow it).
pub(crate) fn single(input: &[u8], tag: u8) -> Result<Element<'_>, DerError> {
    let mut r = Reader::new(input);
    let e = r.expect(tag)?;
    r.finish()?;
    Ok(e)
}

/// The decimal text of a non-negative big-endian unsigned integer (a certificate serial number,
/// which may be up to 20 bytes: beyond any machine integer).
pub(crate) fn unsigned_to_decimal(bytes: &[u8]) -> String {
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    if n.is_empty() {
        return "0".to_owned();
    }
    let mut digits = Vec::with_capacity(n.len() * 3);
    while !n.is_empty() {
        // Divide the big-endian number by 10, keeping the remainder.
        let mut rem = 0u32;
        for b in &mut n {
            let cur = (rem << 8) | u32::from(*b);
            // cur < 10 * 256, so the quotient fits a byte.
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        // rem < 10.
        digits.push(b'0' + rem as u8);
        let lead = n.iter().take_while(|&&b| b == 0).count();
        n.drain(..lead);
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_bounds() {
        let mut r = Reader::new(&[0x30, 0x03, 0x02, 0x01, 0x05]);
        let mut seq = r.nested(SEQUENCE).unwrap();
        assert_eq!(seq.small_uint().unwrap(), 5);
        seq.finish().unwrap();
        r.finish().unwrap();
        // Long forms.
        for len in [0x80usize, 0xff, 0x100, 70_000] {
            let mut long = vec![0x04];
            let n = len.to_be_bytes();
            let skip = n.iter().take_while(|&&b| b == 0).count();
            long.push(0x80 | (n.len() - skip) as u8);
            long.extend_from_slice(&n[skip..]);
            long.extend(std::iter::repeat_n(7u8, len));
            assert_eq!(single(&long, OCTET_STRING).unwrap().contents.len(), len);
        }
        for (bad, want) in [
            (&[0x30, 0x05, 0x02][..], DerError::Truncated),
            (&[0x30][..], DerError::Truncated),
            (&[0x30, 0x80, 0x00, 0x00][..], DerError::BadLength),
            (&[0x30, 0x85, 1, 1, 1, 1, 1][..], DerError::BadLength),
            // Non-minimal long form.
            (&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5][..], DerError::BadLength),
            (&[0x04, 0x82, 0x00, 0x90][..], DerError::BadLength),
            (&[0x1f, 0x01, 0x00][..], DerError::BadLength),
            (
                &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
                DerError::Truncated,
            ),
        ] {
            assert_eq!(single(bad, SEQUENCE).unwrap_err(), want, "{bad:?}");
        }
        assert_eq!(
            single(&[0x05, 0x00, 0x00], 0x05).unwrap_err(),
            DerError::TrailingData
        );
        assert!(matches!(
            single(&[0x05, 0x00], SEQUENCE),
            Err(DerError::UnexpectedTag { .. })
        ));
        assert_eq!(
            Reader::new(&[0x02, 0x00]).integer().unwrap_err(),
            DerError::BadValue
        );
        assert_eq!(
            Reader::new(&[0x03, 0x02, 0x01, 0xff])
                .bit_string()
                .unwrap_err(),
            DerError::BadValue
        );
    }

    #[test]
    fn decimal_serials() {
        assert_eq!(unsigned_to_decimal(&[]), "0");
        assert_eq!(unsigned_to_decimal(&[0]), "0");
        assert_eq!(unsigned_to_decimal(&[0x00, 0xc0, 0xff, 0xee]), "12648430");
        assert_eq!(
            unsigned_to_decimal(&[0xff; 8]),
            u64::MAX.to_string(),
            "u64::MAX"
        );
        let big = 0x9F3A_5C7E_1B2D_4F60_81A3_C5E7_092B_4D6F_u128;
        assert_eq!(unsigned_to_decimal(&big.to_be_bytes()), big.to_string());
        // Beyond u128: 2^136 = 87112285931760246646623899502532662132736.
        let mut b = vec![1u8];
        b.extend([0u8; 17]);
        assert_eq!(
            unsigned_to_decimal(&b),
            "87112285931760246646623899502532662132736"
        );
    }
}
