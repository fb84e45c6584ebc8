//! PEM (RFC 7468, and the RFC 1421 headers OpenSSL writes on encrypted keys): the labelled
//! base64 blocks of certificate and key files. Text outside blocks is ignored, as OpenSSL and Go
//! ignore it (files often carry `Bag Attributes` or `subject=` lines).

use crate::presign::base64;

/// One block.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// `CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`, ...
    pub label: String,
    /// Whether the block had `Proc-Type: 4,ENCRYPTED` (a legacy encrypted key).
    pub encrypted: bool,
    /// The decoded contents (possibly a private key: no `Debug`).
    pub der: Vec<u8>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("label", &self.label)
            .field("encrypted", &self.encrypted)
            .field("len", &self.der.len())
            .finish()
    }
}

/// Whether `data` looks like PEM (a `-----BEGIN ` line somewhere) rather than DER.
pub(crate) fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The blocks of `text`, in order.
///
/// # Errors
/// A block without its `END` line, an `END` label that differs from the `BEGIN` one, or contents
/// that are not base64 (the message names the block's label, never its contents).
pub(crate) fn parse(text: &[u8]) -> Result<Vec<Block>, String> {
    let text = String::from_utf8_lossy(text);
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let mut body = String::new();
        let mut encrypted = false;
        let mut ended = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if let Some(end) = line
                .strip_prefix("-----END ")
                .and_then(|l| l.strip_suffix("-----"))
            {
                if end != label {
                    return Err(format!(
                        "the PEM block {label:?} ends with a different label ({end:?})"
                    ));
                }
                ended = true;
                break;
            }
            // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`).
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED") {
                    encrypted = true;
                }
                continue;
            }
            body.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
        }
        if !ended {
            return Err(format!("the PEM block {label:?} has no END line"));
        }
        let der = base64::decode_std(&body)
            .ok_or_else(|| format!("the PEM block {label:?} is not valid base64"))?;
        blocks.push(Block {
            label: label.to_owned(),
            encrypted,
            der,
        });
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_headers_and_garbage() {
        let text = b"subject=CN=x\n-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n\
            junk\r\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-128-CBC,00\r\n\r\nAAAA\r\n-----END RSA PRIVATE KEY-----\r\n";
        let blocks = parse(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(blocks[0].der, [1, 2, 3, 4]);
        assert!(!blocks[0].encrypted);
        assert_eq!(blocks[1].label, "RSA PRIVATE KEY");
        assert!(blocks[1].encrypted);
        assert!(is_pem(text));
        assert!(!is_pem(&[0x30, 0x82, 0x01]));
        assert!(parse(b"no pem at all").unwrap().is_empty());
        for bad in [
            &b"-----BEGIN CERTIFICATE-----\nAQID\n"[..],
            b"-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        ] {
            assert!(parse(bad).is_err());
        }
    }
}
