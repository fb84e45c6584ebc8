//! The `GetSessionToken` sessions stored keys are handed out as (`exec`, `exec --server`,
//! `export-credentials`): made with the profile's MFA device, cached in the AWS CLI's cache
//! directory (`~/.aws/cli/cache`) in its format, `{"Credentials": {...}}`, written atomically with
//! mode 0600, and reused while more than [`REUSE_MARGIN`] of them is left.
//!
//! A cache file is named after the SHA-256 of the access key id, so `sts keys rotate` can drop
//! the sessions of the key it deletes ([`forget`]).

use crate::jmespath::Value;
use std::path::{Path, PathBuf};
use sts_blocking::ops::GetSessionToken;
use sts_blocking::{Credentials, Error, SecretString, Sts};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

/// A cached session is reused while it has more than this left (botocore refreshes credentials
/// 15 minutes before they expire).
pub(crate) const REUSE_MARGIN: time::Duration = time::Duration::minutes(15);

/// The cache file of sessions made from `access_key_id` in `dir`.
pub(crate) fn cache_file(dir: &Path, access_key_id: &str) -> PathBuf {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("sts-keys-session\0{access_key_id}").as_bytes(),
    );
    let hex: String = digest.as_ref()[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join(format!("sts-keys-{hex}.json"))
}

/// Drops the cached sessions of `access_key_id` (a rotated key).
pub(crate) fn forget(dir: &Path, access_key_id: &str) {
    let _ = std::fs::remove_file(cache_file(dir, access_key_id));
}

/// A cached session of `access_key_id` made with `serial`, if it has more than [`REUSE_MARGIN`]
/// left at `now`.
pub(crate) fn load(
    dir: &Path,
    access_key_id: &str,
    serial: Option<&str>,
    now: OffsetDateTime,
) -> Option<Credentials> {
    let path = cache_file(dir, access_key_id);
    let text = Zeroizing::new(super::store::read_text(&path).ok()??);
    let doc = Value::from_json_text(&text).ok()?;
    let made_with = match doc.get("MfaSerial") {
        Some(Value::Str(s)) => Some(&**s),
        _ => None,
    };
    if made_with != serial {
        return None;
    }
    let c = doc.get("Credentials")?;
    let s = |k: &str| match c.get(k) {
        Some(Value::Str(s)) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    };
    let expiration = OffsetDateTime::parse(&s("Expiration")?, &Rfc3339).ok()?;
    if expiration - now <= REUSE_MARGIN {
        return None;
    }
    let mut creds = Credentials::new(
        s("AccessKeyId")?,
        SecretString::from(s("SecretAccessKey")?),
        Some(SecretString::from(s("SessionToken")?)),
    )
    .with_expiration(expiration);
    creds.account_id = s("AccountId");
    Some(creds)
}

/// Writes `session` (of `access_key_id`, made with `serial`) to the cache.
///
/// # Errors
/// As [`super::store::write_atomic`].
pub(crate) fn save(
    dir: &Path,
    access_key_id: &str,
    serial: Option<&str>,
    session: &Credentials,
) -> Result<(), Error> {
    let mut out = Zeroizing::new(String::from("{\"Credentials\": {\"AccessKeyId\": "));
    let string = |out: &mut String, s: &str| crate::output::json_string(out, s);
    string(&mut out, &session.access_key_id);
    out.push_str(", \"SecretAccessKey\": ");
    string(&mut out, session.secret_access_key.expose());
    out.push_str(", \"SessionToken\": ");
    string(
        &mut out,
        session
            .session_token
            .as_ref()
            .map(SecretString::expose)
            .unwrap_or_default(),
    );
    out.push_str(", \"Expiration\": ");
    let exp = session
        .expiration
        .and_then(|e| e.format(&Rfc3339).ok())
        .unwrap_or_default();
    string(&mut out, &exp);
    if let Some(a) = &session.account_id {
        out.push_str(", \"AccountId\": ");
        string(&mut out, a);
    }
    out.push_str("}, \"MfaSerial\": ");
    match serial {
        Some(s) => string(&mut out, s),
        None => out.push_str("null"),
    }
    out.push_str("}\n");
    super::store::write_atomic(&cache_file(dir, access_key_id), out.as_bytes())
}

/// A code of six ASCII digits from `ask`.
///
/// # Errors
/// `ask`'s error; a code that is not six digits (never shown).
pub(crate) fn mfa_code(
    ask: &dyn Fn(&str) -> Result<String, Error>,
    serial: &str,
) -> Result<String, Error> {
    let code = ask(serial)?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::config(format!(
            "the MFA code for {serial} must be exactly 6 digits"
        )));
    }
    Ok(code.to_owned())
}

/// A session of the stored `keys`: from the cache in `dir` when one is fresh, else made with
/// `GetSessionToken` (an MFA code from `ask` when `serial` is set) and cached.
///
/// # Errors
/// The MFA prompt's or STS's error. A cache that cannot be written is not one (the session is
/// still handed out).
pub(crate) fn session(
    sts: &Sts,
    keys: &Credentials,
    serial: Option<&str>,
    duration: Option<i32>,
    dir: Option<&Path>,
    ask: &dyn Fn(&str) -> Result<String, Error>,
) -> Result<Credentials, Error> {
    let now = OffsetDateTime::now_utc();
    if let Some(c) = dir.and_then(|d| load(d, &keys.access_key_id, serial, now)) {
        return Ok(c);
    }
    let mut op = GetSessionToken::new();
    op.duration_seconds = duration;
    if let Some(serial) = serial {
        op.token_code = Some(mfa_code(ask, serial)?.into());
        op.serial_number = Some(serial.to_owned());
    }
    let mut c = sts.send_with_credentials(&op, keys)?.into_credentials()?;
    c.account_id.clone_from(&keys.account_id);
    if let Some(d) = dir
        && let Err(e) = save(d, &keys.access_key_id, serial, &c)
    {
        eprintln!("sts: the session could not be cached: {e}");
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trip_margin_and_serial() {
        let dir = std::env::temp_dir().join(format!("sts-keys-session-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let now = OffsetDateTime::now_utc();
        let c = Credentials::new("ASIAX", "s\"ec", Some(SecretString::new("tok")))
            .with_expiration(now + time::Duration::hours(1));
        save(&dir, "AKIAKEY", Some("arn:mfa"), &c).unwrap();
        let back = load(&dir, "AKIAKEY", Some("arn:mfa"), now).unwrap();
        assert_eq!(back.secret_access_key.expose(), "s\"ec");
        assert_eq!(back.session_token.unwrap().expose(), "tok");
        // Made with another device, or for another key: not reused.
        assert!(load(&dir, "AKIAKEY", None, now).is_none());
        assert!(load(&dir, "AKIAOTHER", Some("arn:mfa"), now).is_none());
        // Fewer than 15 minutes left: not reused.
        assert!(
            load(
                &dir,
                "AKIAKEY",
                Some("arn:mfa"),
                now + time::Duration::minutes(50)
            )
            .is_none()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache_file(&dir, "AKIAKEY"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(
            mfa_code(&|_| Ok(" 123456\n".into()), "s").unwrap(),
            "123456"
        );
        for bad in ["12345", "1234567", "12345a"] {
            let e = mfa_code(&|_| Ok(bad.into()), "s").unwrap_err().to_string();
            assert!(e.contains("6 digits") && !e.contains(bad), "{e}");
        }
    }
}
