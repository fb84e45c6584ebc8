//! IAM Roles Anywhere's readers on any bytes: certificates (PEM bundles, one DER), private keys
//! (PKCS#8, PKCS#1, SEC1; PEM or DER; with and without a certificate to match), and the
//! `CreateSession` answers (credential sets and error bodies): an error or a value, never a
//! panic, and no error text holding the key's bytes.
//!
//! Input: byte 0 picks the reader; the rest is the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts_blocking::roles_anywhere::{
    Certificate, PrivateKey, parse_session_response, session_error,
};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 5 {
        0 => {
            if let Ok(certs) = Certificate::parse_all(rest) {
                for c in &certs {
                    let _ = (c.serial_number(), c.serial_number_hex(), c.to_base64());
                    let _ = c.is_issued_by(&certs[0]);
                }
            }
            let _ = Certificate::from_pem_or_der(rest);
        }
        1 => {
            if let Err(e) = PrivateKey::from_pem_or_der(rest, None) {
                let _ = format!("{e} {e:?}");
            }
        }
        2 => {
            // The key half of the input against the certificate half.
            let (a, b) = rest.split_at(rest.len() / 2);
            if let Ok(c) = Certificate::from_pem_or_der(a) {
                let _ = PrivateKey::from_pem_or_der(b, Some(&c));
            }
        }
        3 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                if let Ok((c, _)) = parse_session_response(201, text) {
                    let _ = format!("{c:?}");
                }
            }
        }
        _ => {
            let e = session_error(403, None, None, rest);
            let _ = format!("{e} {e:?}");
        }
    }
});
