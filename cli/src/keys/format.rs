//! The store file's format, pure: parsing, writing, the key derivation and the sealing (time and
//! randomness are passed in).
//!
//! One text file, every line `KEYWORD FIELD...` (single spaces; a profile name and a secret are
//! percent-encoded, binary fields in lower-case hex):
//!
//! ```text
//! sts-keys 1
//! kdf pbkdf2-hmac-sha256 600000 <16-byte salt>
//! entry <profile> <backend> <key id, masked: AKIA****WXYZ> <added, unix seconds> <mfa serial or ->
//! sealed <12-byte nonce> <ciphertext and 16-byte tag>
//! end
//! ```
//!
//! - `sts-keys N` comes first: the format's version. A file of a newer version is refused, never
//!   rewritten.
//! - `entry` lines list every stored profile, whatever its backend, and what `sts keys list`
//!   shows: nothing secret (the key id masked), readable without the passphrase, so that a
//!   command that uses no stored profile never asks for it.
//! - `kdf` and `sealed` are there when some profile's keys are in the file itself (backend
//!   `file`): AES-256-GCM under a key derived from the passphrase with PBKDF2-HMAC-SHA256,
//!   [`ITERATIONS`] rounds and a random salt, authenticating the `sts-keys` and `kdf` lines as
//!   associated data (a changed salt, iteration count or version fails to open). The plaintext
//!   is one line per profile, `<profile> <access key id> <secret access key>`. The `entry` lines
//!   are not authenticated: they only say where to look, and the sealed part says what is there.
//! - `end` closes the file, so that a file cut at a line end is refused too.

use super::backend::Backend;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::fmt::Write as _;
use std::num::NonZeroU32;
use sts_blocking::SecretString;
use zeroize::Zeroizing;

/// The format version this program writes and reads.
pub(crate) const VERSION: u32 = 1;

/// PBKDF2-HMAC-SHA256 rounds for a new store: OWASP's recommendation for that function (2023),
/// about half a second on a laptop. Unlocking happens once per process.
pub(crate) const ITERATIONS: u32 = 600_000;

/// The most rounds a file may ask for: a file that says more is refused rather than keeping the
/// machine busy for minutes (ten million: about ten seconds).
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;

/// Salt bytes of the key derivation.
pub(crate) const SALT_LEN: usize = 16;

/// The most entries a store may hold.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// What is wrong with a store file (never holds secret text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormatError {
    /// Written by a newer version of the format.
    Newer(u32),
    /// Not a store file, or damaged: what and on which line.
    Corrupt(String),
    /// The sealed part does not open with this passphrase (or was changed).
    WrongPassphrase,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Newer(v) => write!(
                f,
                "it was written in format version {v} by a newer sts, and this sts reads version \
                 {VERSION}: upgrade sts (the file was not changed)"
            ),
            Self::Corrupt(why) => write!(f, "it is damaged or not a key store ({why})"),
            Self::WrongPassphrase => f.write_str(
                "the passphrase is wrong, or the file's encrypted part was changed (it does not \
                 decrypt)",
            ),
        }
    }
}

fn corrupt(line: usize, why: impl std::fmt::Display) -> FormatError {
    FormatError::Corrupt(format!("line {line}: {why}"))
}

/// The key derivation's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kdf {
    /// PBKDF2 rounds.
    pub iterations: u32,
    /// The salt.
    pub salt: [u8; SALT_LEN],
}

/// The encrypted part as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    /// The AES-GCM nonce.
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    pub ciphertext: Vec<u8>,
}

/// One stored profile, as `sts keys list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The profile name.
    pub profile: String,
    /// Where its keys are.
    pub backend: Backend,
    /// The access key id, masked ([`mask`]).
    pub key_hint: String,
    /// When the keys were stored (unix seconds).
    pub added: i64,
    /// The MFA device given to `sts keys add --mfa-serial`.
    pub mfa_serial: Option<String>,
}

/// A whole store file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StoreFile {
    /// The stored profiles, by name (unique).
    pub entries: Vec<Entry>,
    /// The key derivation of the sealed part.
    pub kdf: Option<Kdf>,
    /// The sealed part.
    pub sealed: Option<Sealed>,
}

impl StoreFile {
    /// The entry of `profile`.
    pub(crate) fn entry(&self, profile: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.profile == profile)
    }
}

/// One profile's long-term keys (the secret zeroed on drop, never in `Debug`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    /// The profile.
    pub profile: String,
    /// `AKIA...`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: SecretString,
}

/// `AKIA****WXYZ`: the first and last four characters (all stars for an id of eight or fewer).
pub(crate) fn mask(access_key_id: &str) -> String {
    let chars: Vec<char> = access_key_id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Percent-encodes everything but visible ASCII other than `%` (so fields never hold a space,
/// a line break or a control character).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The inverse of [`encode`]; `None` for a malformed escape or text that is not UTF-8.
pub(crate) fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(v);
                i += 3;
            }
            b if b.is_ascii_graphic() => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            let pair = s.get(i..i + 2)?;
            if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

fn fixed<const N: usize>(line: usize, what: &str, s: &str) -> Result<[u8; N], FormatError> {
    unhex(s)
        .and_then(|v| <[u8; N]>::try_from(v).ok())
        .ok_or_else(|| corrupt(line, format!("the {what} is not {N} bytes of hex")))
}

/// The version line.
fn version_line() -> String {
    format!("sts-keys {VERSION}\n")
}

/// The `kdf` line.
fn kdf_line(kdf: &Kdf) -> String {
    format!(
        "kdf pbkdf2-hmac-sha256 {} {}\n",
        kdf.iterations,
        hex(&kdf.salt)
    )
}

/// What the sealed part authenticates besides itself: the version and `kdf` lines.
fn associated_data(kdf: &Kdf) -> String {
    let mut s = version_line();
    s.push_str(&kdf_line(kdf));
    s
}

/// Parses a store file.
///
/// # Errors
/// [`FormatError::Newer`] for a newer version, [`FormatError::Corrupt`] for anything else that is
/// not exactly this format.
pub(crate) fn parse(text: &str) -> Result<StoreFile, FormatError> {
    let mut lines = text.split_inclusive('\n').enumerate();
    let Some((_, first)) = lines.next() else {
        return Err(FormatError::Corrupt("the file is empty".into()));
    };
    let version = first
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("sts-keys "))
        .ok_or_else(|| FormatError::Corrupt("it does not start with `sts-keys`".into()))?;
    let version: u32 = version
        .parse()
        .map_err(|_| corrupt(1, "the version is not a number"))?;
    if version > VERSION {
        return Err(FormatError::Newer(version));
    }
    if version != VERSION {
        return Err(corrupt(1, format!("unknown version {version}")));
    }
    let mut file = StoreFile::default();
    let mut ended = false;
    for (i, line) in lines {
        let n = i + 1;
        let Some(line) = line.strip_suffix('\n') else {
            return Err(corrupt(n, "the file is truncated (no line end)"));
        };
        if ended {
            return Err(corrupt(n, "text after `end`"));
        }
        let fields: Vec<&str> = line.split(' ').collect();
        match fields.as_slice() {
            ["end"] => ended = true,
            ["kdf", "pbkdf2-hmac-sha256", iterations, salt] => {
                if file.kdf.is_some() || !file.entries.is_empty() {
                    return Err(corrupt(n, "`kdf` must come once, right after the version"));
                }
                let iterations: u32 = iterations
                    .parse()
                    .ok()
                    .filter(|i| (1..=MAX_ITERATIONS).contains(i))
                    .ok_or_else(|| {
                        corrupt(
                            n,
                            format!("the iteration count must be 1 to {MAX_ITERATIONS}"),
                        )
                    })?;
                file.kdf = Some(Kdf {
                    iterations,
                    salt: fixed(n, "salt", salt)?,
                });
            }
            ["kdf", ..] => return Err(corrupt(n, "unknown key derivation")),
            ["entry", profile, backend, hint, added, mfa] => {
                let profile = decode(profile)
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| corrupt(n, "bad profile name"))?;
                if file.entry(&profile).is_some() {
                    return Err(corrupt(n, format!("profile {profile} is listed twice")));
                }
                if file.entries.len() >= MAX_ENTRIES {
                    return Err(corrupt(n, format!("more than {MAX_ENTRIES} entries")));
                }
                let backend = Backend::parse(backend)
                    .ok_or_else(|| corrupt(n, format!("unknown backend {backend:?}")))?;
                let added: i64 = added
                    .parse()
                    .map_err(|_| corrupt(n, "the time added is not a number"))?;
                let mfa_serial = match *mfa {
                    "-" => None,
                    m => Some(decode(m).ok_or_else(|| corrupt(n, "bad MFA serial"))?),
                };
                file.entries.push(Entry {
                    profile,
                    backend,
                    key_hint: decode(hint).ok_or_else(|| corrupt(n, "bad key id"))?,
                    added,
                    mfa_serial,
                });
            }
            ["sealed", nonce, ciphertext] => {
                if file.sealed.is_some() {
                    return Err(corrupt(n, "a second sealed part"));
                }
                if file.kdf.is_none() {
                    return Err(corrupt(n, "a sealed part without `kdf`"));
                }
                let ciphertext =
                    unhex(ciphertext).ok_or_else(|| corrupt(n, "the sealed part is not hex"))?;
                if ciphertext.len() < AES_256_GCM.tag_len() {
                    return Err(corrupt(n, "the sealed part is shorter than its tag"));
                }
                file.sealed = Some(Sealed {
                    nonce: fixed(n, "nonce", nonce)?,
                    ciphertext,
                });
            }
            _ => {
                let word = fields.first().copied().unwrap_or_default();
                return Err(corrupt(
                    n,
                    format!("unexpected line starting {:?}", encode(word)),
                ));
            }
        }
    }
    if !ended {
        return Err(FormatError::Corrupt(
            "the file is truncated (no `end` line)".into(),
        ));
    }
    if file.kdf.is_some() != file.sealed.is_some() {
        return Err(FormatError::Corrupt(
            "the file is truncated (a `kdf` line without its sealed part)".into(),
        ));
    }
    let in_file = file.entries.iter().any(|e| e.backend == Backend::File);
    if in_file && file.sealed.is_none() {
        return Err(FormatError::Corrupt(
            "profiles are listed in the file without its sealed part".into(),
        ));
    }
    Ok(file)
}

/// Writes a store file.
pub(crate) fn render(file: &StoreFile) -> String {
    let mut s = version_line();
    if let Some(kdf) = &file.kdf {
        s.push_str(&kdf_line(kdf));
    }
    for e in &file.entries {
        let _ = writeln!(
            s,
            "entry {} {} {} {} {}",
            encode(&e.profile),
            e.backend.name(),
            encode(&e.key_hint),
            e.added,
            e.mfa_serial
                .as_deref()
                .map_or_else(|| "-".to_owned(), encode)
        );
    }
    if let Some(sealed) = &file.sealed {
        let _ = writeln!(
            s,
            "sealed {} {}",
            hex(&sealed.nonce),
            hex(&sealed.ciphertext)
        );
    }
    s.push_str("end\n");
    s
}

/// The AES-256 key derived from a passphrase (zeroed on drop).
pub(crate) struct DerivedKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKey(** redacted **)")
    }
}

/// PBKDF2-HMAC-SHA256 of `passphrase` with `kdf`.
pub(crate) fn derive(passphrase: &SecretString, kdf: &Kdf) -> DerivedKey {
    let mut key = Zeroizing::new([0u8; 32]);
    let rounds = NonZeroU32::new(kdf.iterations).unwrap_or(NonZeroU32::MIN);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        &kdf.salt,
        passphrase.expose().as_bytes(),
        &mut *key,
    );
    DerivedKey(key)
}

fn aead_key(key: &DerivedKey) -> LessSafeKey {
    // A 32-byte key is what AES-256-GCM takes: this cannot fail.
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key.0[..]).expect("a 32-byte AES-256 key"))
}

/// Seals `keys` under `key` with a fresh `nonce` (from a random source: never reuse one).
pub(crate) fn seal(key: &DerivedKey, kdf: &Kdf, keys: &[Keys], nonce: [u8; NONCE_LEN]) -> Sealed {
    let mut plain = Zeroizing::new(String::new());
    for k in keys {
        let _ = writeln!(
            plain,
            "{} {} {}",
            encode(&k.profile),
            encode(&k.access_key_id),
            encode(k.secret.expose())
        );
    }
    let mut buf: Vec<u8> = plain.as_bytes().to_vec();
    let aad = associated_data(kdf);
    // Sealing only fails for inputs of more than 64 GiB.
    aead_key(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .expect("a store's plaintext is far below AES-GCM's limit");
    Sealed {
        nonce,
        ciphertext: buf,
    }
}

/// Opens the sealed part of `file` with `key`.
///
/// # Errors
/// [`FormatError::WrongPassphrase`] when it does not authenticate; [`FormatError::Corrupt`] when
/// it does but its text is not the format's.
pub(crate) fn open(key: &DerivedKey, file: &StoreFile) -> Result<Vec<Keys>, FormatError> {
    let (Some(kdf), Some(sealed)) = (&file.kdf, &file.sealed) else {
        return Ok(Vec::new());
    };
    let mut buf = Zeroizing::new(sealed.ciphertext.clone());
    let aad = associated_data(kdf);
    let plain = aead_key(key)
        .open_in_place(
            Nonce::assume_unique_for_key(sealed.nonce),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .map_err(|_| FormatError::WrongPassphrase)?;
    let text = std::str::from_utf8(plain)
        .map_err(|_| FormatError::Corrupt("the sealed part is not text".into()))?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || FormatError::Corrupt(format!("sealed line {}: malformed", i + 1));
        let mut fields = line.split(' ');
        let (Some(p), Some(id), Some(secret), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        keys.push(Keys {
            profile: decode(p).ok_or_else(bad)?,
            access_key_id: decode(id).ok_or_else(bad)?,
            secret: SecretString::from(decode(secret).ok_or_else(bad)?),
        });
    }
    // Every profile the entries place in the file must be there.
    for e in file.entries.iter().filter(|e| e.backend == Backend::File) {
        if !keys.iter().any(|k| k.profile == e.profile) {
            return Err(FormatError::Corrupt(format!(
                "profile {} is listed but not in the sealed part",
                e.profile
            )));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kdf() -> Kdf {
        Kdf {
            iterations: 2,
            salt: [7; SALT_LEN],
        }
    }

    fn entry(profile: &str, backend: Backend) -> Entry {
        Entry {
            profile: profile.into(),
            backend,
            key_hint: mask("AKIAIOSFODNN7EXAMPLE"),
            added: 1_700_000_000,
            mfa_serial: None,
        }
    }

    fn keys(profile: &str) -> Keys {
        Keys {
            profile: profile.into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret: SecretString::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        }
    }

    fn sealed_file(pass: &str) -> StoreFile {
        let kdf = kdf();
        let key = derive(&SecretString::new(pass), &kdf);
        let mut e = entry("dev ops", Backend::File);
        e.mfa_serial = Some("arn:aws:iam::123456789012:mfa/me".into());
        StoreFile {
            entries: vec![e, entry("other", Backend::Pass)],
            sealed: Some(seal(&key, &kdf, &[keys("dev ops")], [9; NONCE_LEN])),
            kdf: Some(kdf),
        }
    }

    #[test]
    fn round_trip_and_no_secret_in_the_bytes() {
        let file = sealed_file("correct horse");
        let text = render(&file);
        assert!(text.starts_with("sts-keys 1\nkdf pbkdf2-hmac-sha256 2 0707"));
        assert!(text.contains("entry dev%20ops file AKIA****MPLE 1700000000 arn:aws:iam::"));
        assert!(text.contains("entry other pass AKIA****MPLE 1700000000 -\n"));
        assert!(text.ends_with("\nend\n"));
        assert!(!text.contains("wJalr") && !text.contains("AKIAIOSFODNN7EXAMPLE"));
        let back = parse(&text).unwrap();
        assert_eq!(back, file);
        let opened = open(&derive(&SecretString::new("correct horse"), &kdf()), &back).unwrap();
        assert_eq!(opened, vec![keys("dev ops")]);
    }

    #[test]
    fn wrong_passphrase_and_tampering_do_not_open() {
        let file = sealed_file("correct horse");
        let wrong = derive(&SecretString::new("battery staple"), &kdf());
        assert_eq!(open(&wrong, &file), Err(FormatError::WrongPassphrase));
        let right = derive(&SecretString::new("correct horse"), &kdf());
        // Another iteration count in the (authenticated) kdf line.
        let mut other = file.clone();
        other.kdf = Some(Kdf {
            iterations: 3,
            ..kdf()
        });
        assert_eq!(open(&right, &other), Err(FormatError::WrongPassphrase));
        // A flipped ciphertext bit.
        let mut flipped = file.clone();
        if let Some(s) = &mut flipped.sealed {
            s.ciphertext[0] ^= 1;
        }
        assert_eq!(open(&right, &flipped), Err(FormatError::WrongPassphrase));
        // An entry placed in the file that the sealed part does not hold.
        let mut extra = file;
        extra.entries.push(entry("ghost", Backend::File));
        assert!(
            matches!(open(&right, &extra), Err(FormatError::Corrupt(m)) if m.contains("ghost"))
        );
    }

    #[test]
    fn newer_truncated_and_damaged_files_are_refused() {
        let text = render(&sealed_file("p"));
        assert_eq!(parse("sts-keys 2\nwhatever\n"), Err(FormatError::Newer(2)));
        assert!(
            parse("sts-keys 2\n")
                .unwrap_err()
                .to_string()
                .contains("newer sts")
        );
        // Every truncation but the whole file is refused.
        for cut in 0..text.len() {
            if let Ok(f) = parse(&text[..cut]) {
                panic!("a file cut at {cut} parsed: {f:?}");
            }
        }
        for bad in [
            "",
            "sts-key 1\n",
            "sts-keys x\n",
            "sts-keys 0\n",
            "sts-keys 1\nentry a file AKIA 1\n",
            "sts-keys 1\nentry a nowhere AKIA 1 -\n",
            "sts-keys 1\nentry a pass AKIA x -\n",
            "sts-keys 1\nentry a pass AKIA 1 -\nentry a pass AKIA 1 -\n",
            "sts-keys 1\nentry a%zz pass AKIA 1 -\n",
            "sts-keys 1\nentry a file AKIA 1 -\n",
            "sts-keys 1\nkdf pbkdf2-hmac-sha256 0 07070707070707070707070707070707\n",
            "sts-keys 1\nkdf pbkdf2-hmac-sha256 99999999999 07070707070707070707070707070707\n",
            "sts-keys 1\nkdf pbkdf2-hmac-sha256 2 0707\n",
            "sts-keys 1\nkdf scrypt 2 07\n",
            "sts-keys 1\nsealed 00 00\n",
            "sts-keys 1\nsurprise\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse("sts-keys 1\nend\n").unwrap(), StoreFile::default());
        assert_eq!(render(&StoreFile::default()), "sts-keys 1\nend\n");
        assert!(parse("sts-keys 1\nend\nend\n").is_err());
    }

    #[test]
    fn encoding_and_masking() {
        for s in ["plain", "with space", "50%", "tab\there", "é", "a\nb"] {
            let e = encode(s);
            assert!(e.bytes().all(|b| b.is_ascii_graphic()), "{e}");
            assert_eq!(decode(&e).as_deref(), Some(s));
        }
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("a b"), None);
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA****MPLE");
        assert_eq!(mask("short"), "*****");
        assert_eq!(mask(""), "****");
    }
}
