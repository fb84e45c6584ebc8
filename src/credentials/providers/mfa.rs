//! [`MfaTokenProvider`]: where a role assumption gets the current MFA code for `mfa_serial`.
//!
//! Called on every fetch (a refresh asks again: MFA codes are single-use). The code is checked to be
//! six ASCII digits before anything is sent.
//!
//! ```
//! use sts_blocking::__private::credentials::mfa::{MfaTokenProvider, mfa_provider};
//! let p = mfa_provider(|serial: &str| Ok(format!("{:06}", serial.len())));
//! assert_eq!(p.mfa_code("arn:aws:iam::1:mfa/me").unwrap(), "000021");
//! ```

use crate::Error;
use crate::error::CredentialsError;
use std::fmt;
use std::sync::Arc;

/// Supplies the current MFA code for a device serial number (or ARN), when a role assumption
/// needs one (`mfa_serial` in a profile, `AssumeRoleProviderBuilder::mfa`). Called on every
/// fetch (a refresh asks again: MFA codes are single-use); the code is checked to be six ASCII
/// digits before anything is sent. Closures implement it.
///
/// ```
/// use sts_blocking::credentials::MfaTokenProvider;
/// use std::sync::Arc;
/// // A real one reads a terminal, a TOTP secret in a keychain, a push approval...
/// let ask: Arc<dyn MfaTokenProvider> = Arc::new(|serial: &str| {
///     assert_eq!(serial, "arn:aws:iam::123456789012:mfa/me");
///     Ok::<_, sts_blocking::Error>("123456".to_owned())
/// });
/// assert_eq!(ask.mfa_code("arn:aws:iam::123456789012:mfa/me")?, "123456");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
pub trait MfaTokenProvider: Send + Sync {
    /// The current code for `serial`.
    ///
    /// # Errors
    /// Whatever stops the code from being obtained (no terminal, user cancelled...).
    fn mfa_code(&self, serial: &str) -> Result<String, Error>;
}

impl<F> MfaTokenProvider for F
where
    F: Fn(&str) -> Result<String, Error> + Send + Sync,
{
    fn mfa_code(&self, serial: &str) -> Result<String, Error> {
        self(serial)
    }
}

impl fmt::Debug for dyn MfaTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaTokenProvider")
    }
}

/// A shared MFA provider from a closure.
pub fn mfa_provider(
    f: impl Fn(&str) -> Result<String, Error> + Send + Sync + 'static,
) -> Arc<dyn MfaTokenProvider> {
    Arc::new(f)
}

/// Asks `provider` for a code for `serial` and checks it is six digits (the code is never echoed),
/// as the role providers do before sending it: for a call that takes an MFA code of its own
/// (`GetSessionToken` with `SerialNumber`).
///
/// ```
/// use sts_blocking::credentials::{MfaTokenProvider, fetch_mfa_code};
/// let p = |_: &str| Ok::<_, sts_blocking::Error>(" 123456\n".to_owned());
/// assert_eq!(fetch_mfa_code(&p, "arn:aws:iam::1:mfa/me")?, "123456");
/// let short = |_: &str| Ok::<_, sts_blocking::Error>("12345".to_owned());
/// assert!(fetch_mfa_code(&short, "arn:aws:iam::1:mfa/me").is_err());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// The provider's error, or [`Error::Credentials`] for a malformed code.
pub fn fetch_code(provider: &dyn MfaTokenProvider, serial: &str) -> Result<String, Error> {
    let code = provider.mfa_code(serial)?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CredentialsError::new(
            "mfa",
            format!("the MFA code for {serial} must be exactly 6 digits"),
        )
        .into());
    }
    Ok(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_six_digits() {
        let good = mfa_provider(|_| Ok(" 123456\n".to_owned()));
        assert_eq!(fetch_code(&*good, "s").unwrap(), "123456");
        for bad in ["12345", "1234567", "12345a", ""] {
            let p = mfa_provider(move |_| Ok(bad.to_owned()));
            let e = fetch_code(&*p, "serial-x").unwrap_err().to_string();
            assert!(e.contains("6 digits") && e.contains("serial-x"), "{e}");
            if !bad.is_empty() {
                assert!(!e.contains(bad));
            }
        }
    }
}
