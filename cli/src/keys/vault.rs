//! Reading aws-vault's stored keys, for `sts keys import --from aws-vault`.
//!
//! - Its file backend (`~/.awsvault/keys/<item key>`, `AWS_VAULT_FILE_DIR`): each file is a
//!   compact JWE (RFC 7516) with `alg` `PBES2-HS256+A128KW` and `enc` `A256GCM` (RFC 7518): the
//!   key-encryption key is PBKDF2-HMAC-SHA256 of the passphrase (`AWS_VAULT_FILE_PASSPHRASE`)
//!   with the salt `alg || 0x00 || p2s` and `p2c` rounds (`ring`), the content key is unwrapped
//!   with AES key unwrap (RFC 3394, [`unwrap_key`], on the `aes` block cipher), and the content is
//!   AES-256-GCM (`ring`) with the protected header's base64url text as associated data.
//! - Its `pass` backend (`AWS_VAULT_BACKEND=pass`): `pass show <prefix>/<item key>`.
//!
//! Either way the content is the keyring item's JSON, whose `Data` (base64) is the JSON of Go's
//! `aws.Credentials` (`AccessKeyID`, `SecretAccessKey`, `SessionToken`, ...). Only long-term
//! keys stored under a profile name are imported; aws-vault's cached sessions (`session,...`
//! items) and SSO tokens (`oidc:...`) are not.

use super::format::Keys;
use crate::jmespath::Value;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use sts_blocking::{Error, SecretString};
use zeroize::Zeroizing;

/// The most PBKDF2 rounds a JWE may ask for (aws-vault's library uses a few thousand).
const MAX_P2C: u32 = 10_000_000;

/// The most bytes of one item file.
const MAX_ITEM: u64 = 256 * 1024;

/// Base64 of either alphabet (standard or URL-safe), padding optional; `None` for anything else.
pub(crate) fn base64(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in t.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone 6-bit group or non-zero spare bits are not base64 of any bytes.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

/// AES key unwrap (RFC 3394) of `wrapped` with the 128-bit `kek`.
///
/// # Errors
/// A message when the integrity check fails (a wrong key-encryption key: a wrong passphrase) or
/// the input is not 64-bit blocks.
pub(crate) fn unwrap_key(kek: &[u8; 16], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    use aes::cipher::{BlockDecrypt, KeyInit, generic_array::GenericArray};
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err("the wrapped key is not a multiple of 64 bits".into());
    }
    let cipher = aes::Aes128::new(GenericArray::from_slice(kek));
    let n = wrapped.len() / 8 - 1;
    let mut a = [0u8; 8];
    a.copy_from_slice(&wrapped[..8]);
    let mut r = Zeroizing::new(wrapped[8..].to_vec());
    for j in (0..6u64).rev() {
        for i in (1..=n).rev() {
            // n is at most a few hundred here: no overflow.
            let t = (n as u64) * j + i as u64;
            let mut block = GenericArray::clone_from_slice(&[0u8; 16]);
            for (k, b) in a
                .iter()
                .zip(t.to_be_bytes())
                .map(|(x, y)| x ^ y)
                .enumerate()
            {
                block[k] = b;
            }
            block[8..].copy_from_slice(&r[(i - 1) * 8..i * 8]);
            cipher.decrypt_block(&mut block);
            a.copy_from_slice(&block[..8]);
            r[(i - 1) * 8..i * 8].copy_from_slice(&block[8..]);
        }
    }
    if a != [0xA6; 8] {
        return Err("the key does not unwrap (integrity check failed)".into());
    }
    Ok(r)
}

/// A string member of a JSON object.
fn member<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    match v.get(key) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

/// Why a JWE could not be read: a wrong passphrase, or anything else.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JweError {
    /// The passphrase does not open it.
    WrongPassphrase,
    /// Not a JWE this reads (the reason).
    Malformed(String),
}

/// Decrypts an aws-vault file item (a compact JWE) with `passphrase`.
///
/// # Errors
/// [`JweError`].
pub(crate) fn decrypt_jwe(
    token: &str,
    passphrase: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, JweError> {
    let bad = |why: &str| JweError::Malformed(why.to_owned());
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header_b64, key_b64, iv_b64, ct_b64, tag_b64] = parts[..] else {
        return Err(bad("not a compact JWE (five parts)"));
    };
    let header_bytes = base64(header_b64).ok_or_else(|| bad("the header is not base64url"))?;
    let header = std::str::from_utf8(&header_bytes)
        .ok()
        .and_then(|h| Value::from_json_text(h).ok())
        .ok_or_else(|| bad("the header is not JSON"))?;
    let alg = member(&header, "alg").unwrap_or_default();
    if alg != "PBES2-HS256+A128KW" {
        return Err(bad(&format!("unsupported alg {alg:?}")));
    }
    if member(&header, "enc") != Some("A256GCM") {
        return Err(bad("unsupported enc (A256GCM is read)"));
    }
    if header.get("zip").is_some() {
        return Err(bad("compressed content is not read"));
    }
    let p2s = member(&header, "p2s")
        .and_then(base64)
        .ok_or_else(|| bad("no p2s salt"))?;
    let p2c = match header.get("p2c") {
        Some(Value::Int(n)) => u32::try_from(*n)
            .ok()
            .filter(|n| (1..=MAX_P2C).contains(n))
            .ok_or_else(|| bad("p2c out of range"))?,
        _ => return Err(bad("no p2c count")),
    };
    let mut salt = alg.as_bytes().to_vec();
    salt.push(0);
    salt.extend_from_slice(&p2s);
    let mut kek = Zeroizing::new([0u8; 16]);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(p2c).unwrap_or(NonZeroU32::MIN),
        &salt,
        passphrase.expose().as_bytes(),
        &mut *kek,
    );
    let wrapped = base64(key_b64).ok_or_else(|| bad("the encrypted key is not base64url"))?;
    let cek = unwrap_key(&kek, &wrapped).map_err(|_| JweError::WrongPassphrase)?;
    if cek.len() != 32 {
        return Err(bad("the content key is not 256 bits"));
    }
    let iv = base64(iv_b64)
        .and_then(|v| <[u8; 12]>::try_from(v).ok())
        .ok_or_else(|| bad("the IV is not 96 bits"))?;
    let mut buf =
        Zeroizing::new(base64(ct_b64).ok_or_else(|| bad("the ciphertext is not base64url"))?);
    let tag = base64(tag_b64)
        .filter(|t| t.len() == 16)
        .ok_or_else(|| bad("the tag is not 128 bits"))?;
    buf.extend_from_slice(&tag);
    let key =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).map_err(|_| bad("bad content key"))?);
    let plain_len = key
        .open_in_place(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header_b64.as_bytes()),
            &mut buf,
        )
        .map_err(|_| bad("the content does not authenticate (the file was changed)"))?
        .len();
    buf.truncate(plain_len);
    Ok(buf)
}

/// The long-term keys in a keyring item's JSON (`{"Key": ..., "Data": base64 of the
/// credentials' JSON}`); `Ok(None)` for an item that holds none (a session, an empty one).
///
/// # Errors
/// A message for an item that is not a keyring item.
pub(crate) fn item_keys(profile: &str, item_json: &[u8]) -> Result<Option<Keys>, String> {
    let text = std::str::from_utf8(item_json).map_err(|_| "the item is not text".to_owned())?;
    let item = Value::from_json_text(text).map_err(|_| "the item is not JSON".to_owned())?;
    let data = member(&item, "Data")
        .and_then(base64)
        .ok_or_else(|| "the item has no Data".to_owned())?;
    let data = Zeroizing::new(data);
    let creds = std::str::from_utf8(&data)
        .ok()
        .and_then(|t| Value::from_json_text(t).ok())
        .ok_or_else(|| "the item's Data is not the credentials' JSON".to_owned())?;
    let id = member(&creds, "AccessKeyID").unwrap_or_default();
    let secret = member(&creds, "SecretAccessKey").unwrap_or_default();
    let token = member(&creds, "SessionToken").unwrap_or_default();
    if id.is_empty() || secret.is_empty() || !token.is_empty() {
        return Ok(None);
    }
    Ok(Some(Keys {
        profile: profile.to_owned(),
        access_key_id: id.to_owned(),
        secret: SecretString::new(secret),
    }))
}

/// Whether an item key names a profile (aws-vault also keeps sessions and SSO tokens).
fn is_profile(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('.')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
        && !key.starts_with("oidc:")
        && !key.starts_with("sso.")
}

/// aws-vault's file backend directory: `AWS_VAULT_FILE_DIR`, else `~/.awsvault/keys`.
pub(crate) fn file_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(d) = env("AWS_VAULT_FILE_DIR").filter(|d| !d.trim().is_empty()) {
        let home = env("HOME").unwrap_or_default();
        return Some(match d.strip_prefix("~/") {
            Some(rest) if !home.is_empty() => Path::new(&home).join(rest),
            _ => PathBuf::from(d),
        });
    }
    env("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| Path::new(&h).join(".awsvault").join("keys"))
}

/// Every profile's keys in aws-vault's file backend at `dir`, decrypted with `passphrase`. All or
/// nothing: one item that does not open stops the import before anything is stored.
///
/// # Errors
/// A wrong passphrase (named as such), an item that cannot be read.
pub(crate) fn read_file_backend(
    dir: &Path,
    passphrase: &SecretString,
) -> Result<(Vec<Keys>, Vec<String>), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::config(format!(
            "cannot read aws-vault's file store {}: {e}",
            dir.display()
        ))
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        if !is_profile(&name) {
            skipped.push(name);
            continue;
        }
        let path = dir.join(&name);
        let text = super::store::read_text(&path)?.unwrap_or_default();
        if text.len() as u64 > MAX_ITEM {
            return Err(Error::config(format!("{} is too large", path.display())));
        }
        let plain = decrypt_jwe(&text, passphrase).map_err(|e| match e {
            JweError::WrongPassphrase => Error::config(format!(
                "the passphrase does not open aws-vault's item {name} (wrong \
                 AWS_VAULT_FILE_PASSPHRASE?): nothing was imported"
            )),
            JweError::Malformed(why) => Error::config(format!(
                "aws-vault's item {name} cannot be read ({why}): nothing was imported"
            )),
        })?;
        match item_keys(&name, &plain)
            .map_err(|why| Error::config(format!("aws-vault's item {name}: {why}")))?
        {
            Some(k) => keys.push(k),
            None => skipped.push(name),
        }
    }
    Ok((keys, skipped))
}

/// Every profile's keys in aws-vault's `pass` backend: the items under
/// `$PASSWORD_STORE_DIR/$AWS_VAULT_PASS_PREFIX`, read with `pass show`.
///
/// # Errors
/// A directory that cannot be listed; `pass` failing; an item that is not aws-vault's.
pub(crate) fn read_pass_backend(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<Keys>, Vec<String>), Error> {
    let root = env("AWS_VAULT_PASS_PASSWORD_STORE_DIR")
        .or_else(|| env("PASSWORD_STORE_DIR"))
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".password-store")))
        .ok_or_else(|| Error::config("no password store directory (set PASSWORD_STORE_DIR)"))?;
    let prefix = env("AWS_VAULT_PASS_PREFIX").unwrap_or_default();
    let dir = root.join(&prefix);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        Error::config(format!(
            "cannot list aws-vault's pass items in {}: {e}",
            dir.display()
        ))
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".gpg"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        if !is_profile(&name) {
            skipped.push(name);
            continue;
        }
        let item = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", prefix.trim_end_matches('/'))
        };
        let out = super::backend::run("pass", &["show".into(), item.into()], None, &[])?;
        match item_keys(&name, &out.stdout)
            .map_err(|why| Error::config(format!("aws-vault's pass item {name}: {why}")))?
        {
            Some(k) => keys.push(k),
            None => skipped.push(name),
        }
    }
    Ok((keys, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc3394_vector_and_integrity() {
        // RFC 3394 section 4.1: 128 bits of key data with a 128-bit KEK.
        let kek: [u8; 16] = hex("000102030405060708090A0B0C0D0E0F").try_into().unwrap();
        let wrapped = hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
        let key = unwrap_key(&kek, &wrapped).unwrap();
        assert_eq!(&key[..], &hex("00112233445566778899AABBCCDDEEFF")[..]);
        let mut other = kek;
        other[0] ^= 1;
        assert!(unwrap_key(&other, &wrapped).is_err());
        assert!(unwrap_key(&kek, &wrapped[..16]).is_err());
        assert!(unwrap_key(&kek, &wrapped[..23]).is_err());
    }

    #[test]
    fn base64_both_alphabets_and_garbage() {
        assert_eq!(base64("aGk").unwrap(), b"hi");
        assert_eq!(base64("aGk=").unwrap(), b"hi");
        assert_eq!(base64("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64("+/8=").unwrap(), [0xfb, 0xff]);
        for bad in ["a", "aGk*", "aGl", "é"] {
            assert!(base64(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn items_and_malformed_jwes() {
        let data = "{\"AccessKeyID\":\"AKIAIOSFODNN7EXAMPLE\",\"SecretAccessKey\":\"s3cr3t\",\
                    \"SessionToken\":\"\",\"Source\":\"\",\"CanExpire\":false}";
        let b64 = {
            // Standard base64 of `data`, as Go's encoding/json writes []byte.
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut s = String::new();
            for c in data.as_bytes().chunks(3) {
                let n = c.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - c.len()));
                for i in 0..=c.len() {
                    s.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
                }
            }
            while !s.len().is_multiple_of(4) {
                s.push('=');
            }
            s
        };
        let item = format!("{{\"Key\":\"dev\",\"Data\":\"{b64}\",\"Label\":\"aws-vault (dev)\"}}");
        let k = item_keys("dev", item.as_bytes()).unwrap().unwrap();
        assert_eq!(
            (k.access_key_id.as_str(), k.secret.expose()),
            ("AKIAIOSFODNN7EXAMPLE", "s3cr3t")
        );
        assert!(item_keys("dev", b"{}").is_err());
        assert!(item_keys("dev", b"garbage").is_err());
        let p = SecretString::new("x");
        for bad in ["", "a.b.c", "a.b.c.d.e", "e30.a.b.c.d", "!!.a.b.c.d"] {
            assert!(
                matches!(decrypt_jwe(bad, &p), Err(JweError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(
            is_profile("dev") && !is_profile("session,ZGV2,,1700000000") && !is_profile("oidc:x")
        );
    }
}
