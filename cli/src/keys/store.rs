//! The store file on disk: where it is, reading it (size-capped, never blocking on a FIFO),
//! writing it (a temporary file renamed over it, mode 0600: never half-written), the lock that
//! keeps two `sts keys` commands from changing it at once, and unlocking its sealed part once
//! per process.

use super::backend::Backend;
use super::format::{self, DerivedKey, Entry, FormatError, Kdf, Keys, StoreFile};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use sts_blocking::{Error, SecretString};

/// The most bytes a store file may have (ten thousand profiles take about 1 MiB).
pub(crate) const MAX_FILE: u64 = 4 * 1024 * 1024;

/// How long a command waits for another to release the store's lock.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(20);

/// The store file: `STS_KEYS_FILE`, else `~/.aws/sts-keys`.
///
/// # Errors
/// [`Error::Config`] without a home directory.
pub(crate) fn path(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, Error> {
    if let Some(p) = env("STS_KEYS_FILE").filter(|p| !p.trim().is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let home = env("HOME")
        .or_else(|| env("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::config("no home directory for the key store (set STS_KEYS_FILE)"))?;
    Ok(Path::new(&home).join(".aws").join("sts-keys"))
}

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> Error {
    let why = if e.kind() == std::io::ErrorKind::StorageFull {
        "the disk is full".to_owned()
    } else {
        e.to_string()
    };
    Error::config(format!(
        "cannot {what} the key store {}: {why}",
        path.display()
    ))
}

/// `O_NONBLOCK` where its value is known: a FIFO put in the file's place opens at once.
#[cfg(unix)]
const O_NONBLOCK: i32 = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)) {
    0x0004
} else if cfg!(any(target_os = "linux", target_os = "android")) {
    0o4000
} else {
    0
};

fn not_regular(path: &Path) -> Error {
    Error::config(format!(
        "the key store {} is not a regular file",
        path.display()
    ))
}

/// Reads `path` (at most [`MAX_FILE`] bytes, a regular file only); `None` when it does not
/// exist.
///
/// # Errors
/// [`Error::Config`] naming the file: not a regular file, too large, unreadable, not UTF-8.
pub(crate) fn read_text(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(not_regular(path)),
        Ok(m) if m.len() > MAX_FILE => {
            return Err(Error::config(format!(
                "the key store {} is larger than {} MiB",
                path.display(),
                MAX_FILE / 1024 / 1024
            )));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, "read", &e)),
    }
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(O_NONBLOCK);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, "read", &e)),
    };
    // Checked again on the open handle: the file may have been swapped since.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(not_regular(path));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, "read", &e))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(Error::config(format!(
            "the key store {} grew past {} MiB while it was read",
            path.display(),
            MAX_FILE / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map(Some).map_err(|_| {
        Error::config(format!(
            "the key store {} is damaged or not a key store (it is not text)",
            path.display()
        ))
    })
}

/// The parse error of the file at `path`, as an error.
pub(crate) fn format_error(path: &Path, e: &FormatError) -> Error {
    Error::config(format!("cannot use the key store {}: {e}", path.display()))
}

/// Reads and parses the store; an empty store when the file does not exist.
///
/// # Errors
/// As [`read_text`]; a file that is not the format ([`format_error`]).
pub(crate) fn load(path: &Path) -> Result<StoreFile, Error> {
    match read_text(path)? {
        None => Ok(StoreFile::default()),
        Some(text) => format::parse(&text).map_err(|e| format_error(path, &e)),
    }
}

/// Writes `bytes` to `path` atomically: a new file beside it (mode 0600) written through
/// `write`, flushed to disk, then renamed over `path`. On any failure the temporary file is
/// removed and `path` is as it was.
///
/// # Errors
/// [`Error::Config`] naming the file and the cause (a full disk says so).
pub(crate) fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    write: &dyn Fn(&mut File, &[u8]) -> std::io::Result<()>,
) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        create_private_dir(d).map_err(|e| io_error(path, "write", &e))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sts-keys".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    // A temporary file left by a process with our pid that died is ours to replace.
    let _ = std::fs::remove_file(&tmp);
    let result = opts.open(&tmp).and_then(|mut f| {
        write(&mut f, bytes)?;
        f.sync_all()
    });
    let result = result.and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(path, "write", &e));
    }
    // The rename itself reaches the disk with the directory (best effort).
    if let Some(d) = dir
        && let Ok(d) = File::open(d)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// [`write_atomic_with`] with a plain write.
///
/// # Errors
/// As [`write_atomic_with`].
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_with(path, bytes, &|f, b| f.write_all(b))
}

/// Creates `dir` (and its parents) as the AWS CLI creates `~/.aws`: 0700 for what it creates.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// The store's lock, held while a command reads, changes and writes it (released on drop).
#[derive(Debug)]
pub(crate) struct Lock {
    file: File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the lock beside `path` (`<path>.lock`), waiting at most `wait` for another command.
///
/// # Errors
/// [`Error::Config`] when another command keeps it longer, or the lock file cannot be made.
pub(crate) fn lock(path: &Path, wait: Duration) -> Result<Lock, Error> {
    let lock_path = path.with_file_name(format!(
        "{}.lock",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sts-keys".into())
    ));
    if let Some(d) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(d).map_err(|e| io_error(path, "lock", &e))?;
    }
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(O_NONBLOCK);
    }
    let file = opts
        .open(&lock_path)
        .map_err(|e| io_error(path, "lock", &e))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(not_regular(&lock_path));
    }
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Lock { file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::config(format!(
                    "another sts keys command has been changing the key store {} for more \
                     than {} s (its lock is {}): try again when it is done",
                    path.display(),
                    wait.as_secs(),
                    lock_path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(path, "lock", &e)),
        }
    }
}

/// Where the passphrase comes from.
pub(crate) type Passphrase<'a> = &'a dyn Fn(bool) -> Result<SecretString, Error>;

/// The key derivation's rounds for a new store: [`format::ITERATIONS`]. Debug builds (the tests')
/// take `STS_KEYS_KDF_ITERATIONS` instead, so that the test suite need not spend a second on
/// every unlock; release builds ignore it.
pub(crate) fn iterations() -> u32 {
    if cfg!(debug_assertions)
        && let Some(n) = std::env::var("STS_KEYS_KDF_ITERATIONS")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| (1..=format::MAX_ITERATIONS).contains(n))
    {
        return n;
    }
    format::ITERATIONS
}

/// Random bytes from the system.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], Error> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::config("the system's random number generator failed"))?;
    Ok(b)
}

/// The sealed part opened: the derived key (to seal again without a second derivation) and the
/// keys.
#[derive(Debug)]
pub(crate) struct Unlocked {
    key: DerivedKey,
    kdf: Kdf,
    /// The keys kept in the file.
    pub keys: Vec<Keys>,
}

/// Opens the sealed part of `file` with the passphrase `ask` gives (asked only when there is a
/// sealed part).
///
/// # Errors
/// A wrong passphrase, a damaged sealed part, or `ask`'s error.
pub(crate) fn unlock(path: &Path, file: &StoreFile, ask: Passphrase) -> Result<Unlocked, Error> {
    let Some(kdf) = file.kdf.clone() else {
        return Err(Error::config("internal: no sealed part to unlock"));
    };
    let pass = ask(false)?;
    let key = format::derive(&pass, &kdf);
    let keys = format::open(&key, file).map_err(|e| format_error(path, &e))?;
    Ok(Unlocked { key, kdf, keys })
}

/// A change to the store made under its lock: the file as read, the sealed part once unlocked.
pub(crate) struct Session<'a> {
    path: PathBuf,
    /// The file as read (then as changed).
    pub file: StoreFile,
    unlocked: Option<Unlocked>,
    ask: Passphrase<'a>,
    _lock: Lock,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .field("unlocked", &self.unlocked.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Session<'a> {
    /// Locks and reads the store at `path`.
    ///
    /// # Errors
    /// As [`lock`] and [`load`].
    pub(crate) fn open(path: &Path, ask: Passphrase<'a>) -> Result<Self, Error> {
        let lock = lock(path, LOCK_WAIT)?;
        let file = load(path)?;
        Ok(Self {
            path: path.to_owned(),
            file,
            unlocked: None,
            ask,
            _lock: lock,
        })
    }

    /// The keys sealed in the file, unlocking it on first use (a new store asks for a new
    /// passphrase, twice on a terminal).
    ///
    /// # Errors
    /// As [`unlock`].
    pub(crate) fn sealed_keys(&mut self) -> Result<&mut Vec<Keys>, Error> {
        if self.unlocked.is_none() {
            let unlocked = if self.file.kdf.is_some() {
                unlock(&self.path, &self.file, self.ask)?
            } else {
                let pass = (self.ask)(true)?;
                if pass.is_empty() {
                    return Err(Error::config(
                        "the key store's passphrase must not be empty",
                    ));
                }
                let kdf = Kdf {
                    iterations: iterations(),
                    salt: random()?,
                };
                Unlocked {
                    key: format::derive(&pass, &kdf),
                    kdf,
                    keys: Vec::new(),
                }
            };
            self.unlocked = Some(unlocked);
        }
        match &mut self.unlocked {
            Some(u) => Ok(&mut u.keys),
            None => Err(Error::config("internal: the store is not unlocked")),
        }
    }

    /// Puts `entry` in the store (replacing the profile's), with its keys sealed in the file when
    /// its backend is [`Backend::File`]; the file's keys of a profile moving to another backend
    /// go.
    ///
    /// # Errors
    /// As [`Session::sealed_keys`].
    pub(crate) fn put(&mut self, entry: Entry, keys: Option<Keys>) -> Result<(), Error> {
        let was_in_file = self
            .file
            .entry(&entry.profile)
            .is_some_and(|e| e.backend == Backend::File);
        if keys.is_some() || was_in_file {
            let sealed = self.sealed_keys()?;
            sealed.retain(|k| k.profile != entry.profile);
            if let Some(k) = keys {
                sealed.push(k);
            }
        }
        self.file.entries.retain(|e| e.profile != entry.profile);
        if self.file.entries.len() >= format::MAX_ENTRIES {
            return Err(Error::config(format!(
                "the key store holds {} profiles, its most",
                format::MAX_ENTRIES
            )));
        }
        self.file.entries.push(entry);
        self.file.entries.sort_by(|a, b| a.profile.cmp(&b.profile));
        Ok(())
    }

    /// Takes `profile` out of the store (and its keys out of the sealed part); whether it was
    /// there.
    ///
    /// # Errors
    /// As [`Session::sealed_keys`].
    pub(crate) fn take(&mut self, profile: &str) -> Result<Option<Entry>, Error> {
        let Some(entry) = self.file.entry(profile).cloned() else {
            return Ok(None);
        };
        if entry.backend == Backend::File {
            self.sealed_keys()?.retain(|k| k.profile != profile);
        }
        self.file.entries.retain(|e| e.profile != profile);
        Ok(Some(entry))
    }

    /// Writes the store (sealing again with a fresh nonce when it was unlocked).
    ///
    /// # Errors
    /// As [`write_atomic`].
    pub(crate) fn save(mut self) -> Result<(), Error> {
        if let Some(u) = &self.unlocked {
            if u.keys.is_empty() {
                self.file.kdf = None;
                self.file.sealed = None;
            } else {
                self.file.sealed = Some(format::seal(&u.key, &u.kdf, &u.keys, random()?));
                self.file.kdf = Some(u.kdf.clone());
            }
        }
        write_atomic(&self.path, format::render(&self.file).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sts-keys-store-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_full_disk_leaves_the_store_as_it_was() {
        let d = temp("full");
        let path = d.join("sts-keys");
        write_atomic(&path, b"sts-keys 1\nend\n").unwrap();
        // A writer that fails as a full disk does, halfway.
        let full = |f: &mut File, b: &[u8]| -> std::io::Result<()> {
            f.write_all(&b[..b.len() / 2])?;
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        };
        let e = write_atomic_with(&path, b"sts-keys 1\nentry x pass AKIA 1 -\nend\n", &full)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the disk is full"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"sts-keys 1\nend\n");
        let left: Vec<_> = std::fs::read_dir(&d).unwrap().collect();
        assert_eq!(left.len(), 1, "the temporary file was removed: {left:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn written_private_and_fifos_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = temp("mode");
        let path = d.join("sub").join("sts-keys");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(d.join("sub"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        let fifo = d.join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let e = read_text(&fifo).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        assert!(read_text(&d.join("missing")).unwrap().is_none());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn the_lock_waits_then_says_who_holds_it() {
        let d = temp("lock");
        let path = d.join("sts-keys");
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        let t = Instant::now();
        let e = lock(&path, Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(t.elapsed() >= Duration::from_millis(300));
        assert!(e.contains("another sts keys command"), "{e}");
        drop(held);
        lock(&path, Duration::from_millis(300)).unwrap();
        let _ = std::fs::remove_dir_all(&d);
    }
}
