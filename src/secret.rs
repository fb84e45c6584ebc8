//! [`SecretString`]: a string that never shows itself in `Debug` or `Display` and is zeroed on drop.

use std::fmt;
use zeroize::Zeroize;

/// A secret value: a secret access key, a session token, a web identity token, a SAML assertion.
///
/// `Debug` and `Display` print `** redacted **`; the value is only reachable through
/// [`SecretString::expose`]. The buffer is zeroed when the value is dropped.
///
/// ```
/// use sts_blocking::SecretString;
/// let s = SecretString::new("wJalrXUtnFEMI");
/// assert_eq!(format!("{s:?}"), "** redacted **");
/// assert_eq!(s.expose(), "wJalrXUtnFEMI");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value as a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Call this only to put it on the wire or into a signature.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length of the secret in bytes (safe to log).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` equals the secret, in a time that does not depend on where they differ
    /// (for checking a bearer token someone presents).
    #[must_use]
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), presented.as_bytes())
    }
}

/// Byte equality in a time that depends only on the lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_debug_and_display() {
        let s = SecretString::new("marker-secret");
        assert!(!format!("{s:?}").contains("marker"));
        assert!(!format!("{s}").contains("marker"));
        assert_eq!(s.expose(), "marker-secret");
        assert_eq!(s.len(), 13);
    }
}
