//! `sts keys rotate PROFILE`, as aws-vault rotates: a new access key from IAM, checked to work,
//! stored, the old key's cached sessions dropped, the old key deleted. Every IAM call is signed
//! with the old key (or, when the profile has an MFA device, an MFA session of it, as IAM policies
//! that require MFA want), so deleting the old key needs no wait for the new one to propagate.
//!
//! On any failure the store keeps a key that works, and the message says which keys exist:
//!
//! - `CreateAccessKey` refused: nothing changed.
//! - the new key never works within the wait (IAM propagates new keys in seconds), or cannot be
//!   stored: it is deleted again, and the store keeps the old key.
//! - the old key cannot be deleted: the store holds the new key; the old one still exists.

use super::backend::{self, Backend};
use super::format::mask;
use super::{session, store};
use crate::spec::{Globals, Values};
use std::path::Path;
use std::time::{Duration, Instant};
use sts_blocking::iam::{CreateAccessKey, DeleteAccessKey, GetUser, Iam};
use sts_blocking::ops::GetCallerIdentity;
use sts_blocking::settings::Settings;
use sts_blocking::{Credentials, Error, SecretString, Sts};

/// How long a new key may take to work: `STS_KEYS_ROTATE_WAIT` seconds (1 to 600), else 60.
fn propagation_wait() -> Duration {
    std::env::var("STS_KEYS_ROTATE_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=600).contains(s))
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// The stored long-term keys of `profile` (unlocking the file, or asking its tool).
fn stored_keys(path: &Path, profile: &str) -> Result<(Backend, Credentials), Error> {
    let file = store::load(path)?;
    let Some(entry) = file.entry(profile).cloned() else {
        return Err(Error::config(format!(
            "profile {profile} is not in the key store {}: sts keys rotate rotates stored keys \
             (sts keys add {profile} first)",
            path.display()
        )));
    };
    let (id, secret) = if entry.backend == Backend::File {
        let display = path.display().to_string();
        let unlocked = store::unlock(path, &file, &|c| crate::prompt::passphrase(&display, c))?;
        let k = unlocked
            .keys
            .into_iter()
            .find(|k| k.profile == profile)
            .ok_or_else(|| Error::config(format!("profile {profile} is not in the key store")))?;
        (k.access_key_id, k.secret)
    } else {
        backend::read(entry.backend, profile)?
    };
    Ok((entry.backend, Credentials::new(id, secret, None)))
}

/// GetCallerIdentity with `keys` until it succeeds or `wait` has passed (a new key takes a few
/// seconds to be known everywhere).
fn works(sts: &Sts, keys: &Credentials, wait: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + wait;
    let pause = (wait / 5).min(Duration::from_secs(2));
    loop {
        match sts.send_with_credentials(&GetCallerIdentity::new(), keys) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() + pause < deadline => {
                eprintln!("sts keys: the new key does not work yet ({e}); waiting");
                std::thread::sleep(pause);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Rotates the keys of `profile`; the lines to print.
pub(crate) fn rotate(g: &Globals, v: &Values, path: &Path, profile: &str) -> Result<String, Error> {
    let settings = crate::load_settings(g)?;
    let (backend, old) = stored_keys(path, profile)?;
    let old_hint = mask(&old.access_key_id);
    let sts = crate::session::client(g, &settings)?;
    let iam_endpoint = g.endpoint_url.clone().or_else(|| {
        settings
            .profiles()
            .configured_endpoint_url(&sts_blocking::credentials::Env::real(), "iam")
    });
    let iam: Iam = crate::client_builder(g, &settings).build_iam(iam_endpoint.as_deref())?;
    // The IAM calls' credentials: the old key, or an MFA session of it.
    let serial = mfa_serial_of(&settings, profile);
    let signer = match serial.as_deref().filter(|_| !v.switch("--no-session")) {
        Some(serial) => {
            eprintln!(
                "Rotating credentials stored for profile \"{profile}\" using a session with MFA \
                 ({serial})"
            );
            session::session(
                &sts,
                &old,
                Some(serial),
                None,
                None,
                &crate::session::prompt_mfa_code,
            )?
        }
        None => {
            eprintln!("Rotating credentials stored for profile \"{profile}\"");
            old.clone()
        }
    };
    // The user the keys belong to (a caller without iam:GetUser still rotates its own keys).
    let user = iam
        .send_with_credentials(&GetUser::new(), &signer)
        .ok()
        .and_then(|d| d.output.user)
        .map(|u| u.user_name);
    let mut create = CreateAccessKey::new();
    create.user_name.clone_from(&user);
    let created = iam
        .send_with_credentials(&create, &signer)
        .map_err(|e| {
            Error::config(format!(
                "CreateAccessKey failed: {e}. Nothing changed: the store keeps {old_hint}"
            ))
        })?
        .output
        .access_key
        .ok_or_else(|| {
            Error::config(format!(
                "CreateAccessKey returned no key. Nothing changed: the store keeps {old_hint}"
            ))
        })?;
    let new = Credentials::new(
        created.access_key_id.clone(),
        created.secret_access_key.clone(),
        None,
    );
    let new_hint = mask(&new.access_key_id);
    eprintln!("Created new access key {new_hint}");
    // Undoes the creation: the new key goes, the store keeps the old one.
    let undo = |why: String| -> Error {
        let mut delete = DeleteAccessKey::new(new.access_key_id.clone());
        delete.user_name.clone_from(&user);
        match iam.send_with_credentials(&delete, &signer) {
            Ok(_) => Error::config(format!(
                "{why}. The new key {new_hint} was deleted again; the store keeps {old_hint}, \
                 which still works"
            )),
            Err(e) => Error::config(format!(
                "{why}. The new key {} could not be deleted ({e}): both it and {old_hint} \
                 exist, and the store keeps {old_hint}",
                new.access_key_id
            )),
        }
    };
    if let Err(e) = works(&sts, &new, propagation_wait()) {
        return Err(undo(format!("the new key {new_hint} does not work ({e})")));
    }
    let mfa_kept = super::entry(profile).and_then(|e| e.mfa_serial);
    if let Err(e) = super::put(
        path,
        backend,
        profile,
        &new.access_key_id,
        SecretString::new(new.secret_access_key.expose()),
        mfa_kept,
    ) {
        return Err(undo(format!("the new key could not be stored ({e})")));
    }
    if let Some(dir) = super::session_cache(&settings) {
        session::forget(&dir, &old.access_key_id);
    }
    let mut delete = DeleteAccessKey::new(old.access_key_id.clone());
    delete.user_name.clone_from(&user);
    if let Err(e) = iam.send_with_credentials(&delete, &signer) {
        return Err(Error::config(format!(
            "the store now holds the new key {new_hint}, and the old key {} could not be \
             deleted ({e}): it still exists; delete it in IAM",
            old.access_key_id
        )));
    }
    eprintln!("Deleted old access key {old_hint}");
    Ok(format!(
        "Rotated the access key of profile \"{profile}\": {old_hint} -> {new_hint}."
    ))
}

/// The MFA device of `profile`: its `mfa_serial` in the config, else the stored one.
fn mfa_serial_of(settings: &Settings, profile: &str) -> Option<String> {
    settings
        .profiles()
        .profile(profile)
        .and_then(|p| p.get_nonempty("mfa_serial"))
        .map(|s| s.trim().to_owned())
        .or_else(|| super::entry(profile).and_then(|e| e.mfa_serial))
}
