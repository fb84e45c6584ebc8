//! The store as the credential chain sees it ([`KeyStore`]): the profiles come from the store
//! file's entries (no passphrase), the keys from the sealed part (unlocked once per process,
//! whatever the number of profiles read) or the entry's tool.

use super::backend::{self, Backend};
use super::format::{Keys, StoreFile};
use super::store;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};
use sts_blocking::credentials::KeyStore;
use sts_blocking::error::CredentialsError;
use sts_blocking::{Credentials, Error, SecretString};

/// The `sts keys` store for the chain.
#[derive(Debug)]
pub(crate) struct ChainStore {
    path: PathBuf,
    file: OnceLock<Result<StoreFile, String>>,
    /// The sealed part once opened, or why it could not be (asked once).
    sealed: Mutex<Option<Result<Vec<Keys>, String>>>,
    /// Keys already read from a tool.
    read: Mutex<Vec<(String, Credentials)>>,
    /// Where the passphrase comes from (the variable or the terminal).
    ask: fn(&str, bool) -> Result<SecretString, Error>,
}

impl ChainStore {
    /// The store at `path`; nothing is read until the chain asks.
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: OnceLock::new(),
            sealed: Mutex::new(None),
            read: Mutex::new(Vec::new()),
            ask: crate::prompt::passphrase,
        }
    }

    fn file(&self) -> Result<&StoreFile, Error> {
        self.file
            .get_or_init(|| store::load(&self.path).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|m| failed(m.clone()))
    }
}

fn failed(message: String) -> Error {
    CredentialsError::new("key store", message).into()
}

impl KeyStore for ChainStore {
    fn profiles(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .file()?
            .entries
            .iter()
            .map(|e| e.profile.clone())
            .collect())
    }

    fn keys(&self, profile: &str) -> Result<Credentials, Error> {
        let file = self.file()?;
        let Some(entry) = file.entry(profile) else {
            return Err(failed(format!("profile {profile} is not in the key store")));
        };
        let (id, secret) = if entry.backend == Backend::File {
            let mut sealed = self.sealed.lock().unwrap_or_else(PoisonError::into_inner);
            let opened = sealed.get_or_insert_with(|| {
                let display = self.path.display().to_string();
                store::unlock(&self.path, file, &|confirm| (self.ask)(&display, confirm))
                    .map(|u| u.keys)
                    .map_err(|e| e.to_string())
            });
            let keys = opened.as_ref().map_err(|m| failed(m.clone()))?;
            let k = keys
                .iter()
                .find(|k| k.profile == profile)
                .ok_or_else(|| failed(format!("profile {profile} is not in the key store")))?;
            (k.access_key_id.clone(), k.secret.clone())
        } else {
            let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, c)) = read.iter().find(|(p, _)| p == profile) {
                return Ok(c.clone());
            }
            let (id, secret) = backend::read(entry.backend, profile)
                .map_err(|e| failed(format!("reading profile {profile}'s keys: {e}")))?;
            let c = Credentials::new(id.clone(), secret.clone(), None);
            read.push((profile.to_owned(), c));
            (id, secret)
        };
        Ok(Credentials::new(id, secret, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::format::{Entry, mask};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static ASKED: AtomicUsize = AtomicUsize::new(0);

    fn counting(_: &str, _: bool) -> Result<SecretString, Error> {
        ASKED.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::new("pass"))
    }

    fn wrong(_: &str, _: bool) -> Result<SecretString, Error> {
        ASKED.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::new("not it"))
    }

    #[test]
    fn the_store_is_unlocked_once_per_process() {
        let dir = std::env::temp_dir().join(format!("sts-keys-chain-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sts-keys");
        let ask = |_: bool| Ok(SecretString::new("pass"));
        let mut session = store::Session::open(&path, &ask).unwrap();
        for p in ["a", "b"] {
            let id = format!("AKIAIOSFODNN7EXAMP{}", p.to_uppercase().repeat(2));
            let entry = Entry {
                profile: p.into(),
                backend: Backend::File,
                key_hint: mask(&id),
                added: 0,
                mfa_serial: None,
            };
            let keys = Keys {
                profile: p.into(),
                access_key_id: id,
                secret: SecretString::new(format!("secret-{p}")),
            };
            session.put(entry, Some(keys)).unwrap();
        }
        session.save().unwrap();
        let mut chain = ChainStore::new(path.clone());
        chain.ask = counting;
        assert_eq!(chain.profiles().unwrap(), ["a", "b"]);
        assert_eq!(ASKED.load(Ordering::SeqCst), 0, "listing asks nothing");
        assert_eq!(
            chain.keys("a").unwrap().secret_access_key.expose(),
            "secret-a"
        );
        assert_eq!(
            chain.keys("b").unwrap().secret_access_key.expose(),
            "secret-b"
        );
        assert_eq!(
            chain.keys("a").unwrap().access_key_id,
            "AKIAIOSFODNN7EXAMPAA"
        );
        assert_eq!(ASKED.load(Ordering::SeqCst), 1);
        // A wrong passphrase is asked once too, and is an error for every profile.
        let mut bad = ChainStore::new(path);
        bad.ask = wrong;
        for p in ["a", "b"] {
            let e = format!("{:#}", bad.keys(p).unwrap_err());
            assert!(e.contains("passphrase is wrong"), "{e}");
        }
        assert_eq!(ASKED.load(Ordering::SeqCst), 2);
        assert!(bad.keys("nobody").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
