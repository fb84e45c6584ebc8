//! Checks shared by the fuzz targets.

use sts_blocking::Error;

/// Words before which an error snippet of a body must be cut (see `error::snippet`).
const SECRET_WORDS: [&str; 4] = ["secret", "token", "assertion", "password"];

/// Every error renders, and an `InvalidResponse` snippet never shows a secret-looking word (a body
/// that was cut before a secret shows `[cut]` instead).
pub fn check_error(e: &Error, status: u16) {
    let shown = e.to_string();
    assert!(!shown.is_empty());
    let _ = format!("{e:?}");
    let _ = sts_blocking::__private::retry::classify(e);
    match e {
        Error::InvalidResponse {
            status: s, snippet, ..
        } => {
            assert_eq!(*s, status, "InvalidResponse carries the HTTP status");
            // At most 200 characters, then `[cut]` (before a secret) or `…` (more body).
            let text = snippet
                .strip_suffix("[cut]")
                .or_else(|| snippet.strip_suffix('…'))
                .unwrap_or(snippet);
            assert!(text.chars().count() <= 200, "snippet too long: {snippet:?}");
            let lower = snippet.to_ascii_lowercase();
            for w in SECRET_WORDS {
                assert!(!lower.contains(w), "snippet shows {w:?}: {snippet:?}");
            }
        }
        Error::Service(se) => {
            assert_eq!(se.status, status, "ServiceError carries the HTTP status");
            let _ = se.code.as_str();
        }
        other => panic!("unexpected error kind from a response decoder: {other:?}"),
    }
}
