//! The advisory lock an SSO token or `aws login` refresh holds, so that parallel processes spend a
//! single-use refresh token once.
//!
//! SSO-OIDC and the sign-in service hand out single-use refresh tokens: when two processes refresh one session at once (`make -j`, Terraform, parallel CI
//! jobs), both send the same refresh token and the second is refused. [`lock_for_refresh`] takes
//! an advisory lock (`flock` on Unix, `LockFileEx` on Windows) before a refresh, and the provider
//! reads the cache file again once it holds it: if another process refreshed meanwhile, it uses
//! that token instead of spending the refresh token a second time.
//!
//! - The lock is on `<cache file>.lock` beside the cache file, never on the cache file itself:
//!   that is replaced by a rename, so a lock on it would hold the old file while the next process
//!   locks the new one. The lock file is empty, `0600`, opened with the care of
//!   [`crate::files`] (a FIFO, directory or device there is refused without waiting), and left in
//!   place: deleting it would let two processes lock two different files.
//! - The lock is released when the refresh is done, on every path (closing the file releases it),
//!   and by the operating system when a process dies, so a crashed process leaves no stale lock.
//! - The wait is bounded by [`REFRESH_LOCK_WAIT`], then the refresh fails with [`LockBusy`]; see
//!   there why it fails rather than refreshing anyway.
//! - When no lock can be had at all (a read-only `~/.aws` mounted into a container, a file system
//!   without locks, something other than a regular file at the lock path), the refresh goes ahead
//!   without one, as before the lock existed, with a warning in the log.
//! - Only this crate takes the lock: botocore and the AWS CLI refresh without one, so an `aws` and
//!   an `sts` process refreshing the same session at the same moment can still both spend its
//!   refresh token, as two `aws` processes can.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use std::{fmt, io, thread};

/// How long a refresh waits for another process's lock: longer than a live holder can take (a
/// token call is bounded by its 3 s connect and 10 s read timeouts, then one small write), so only
/// a holder that is stuck (stopped with Ctrl-Z, hung on a dead network file system) makes a waiter
/// give up.
pub(crate) const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(30);

/// The first pause between two attempts at the lock; each next one doubles, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(5);

/// The longest pause between two attempts at the lock.
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// An advisory lock on a cache file's `.lock` file (see the [module docs](self)); released when
/// dropped.
#[derive(Debug)]
pub(crate) struct RefreshLock {
    /// Closing the file releases the lock.
    _file: File,
}

/// Another process held the lock for the whole wait.
///
/// The refresh then fails instead of going ahead without the lock: the holder is still about to
/// spend the same single-use refresh token, so a second refresh would be refused anyway, and a
/// service that detects refresh token reuse may revoke the whole session for both. The error
/// names the lock file so the stuck process can be found.
#[derive(Debug)]
pub(crate) struct LockBusy {
    /// The lock file.
    pub(crate) lock_file: PathBuf,
    /// How long this process waited.
    pub(crate) waited: Duration,
}

impl fmt::Display for LockBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "another process has held the lock {} for {} s while refreshing the same session \
             (try again; if it persists, end the process that holds it)",
            self.lock_file.display(),
            self.waited.as_secs()
        )
    }
}

/// The lock file of `cache_file`: the same path with `.lock` appended.
pub(crate) fn lock_path(cache_file: &Path) -> PathBuf {
    let mut name = cache_file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the refresh lock of `cache_file`, waiting up to `max_wait` for another process to
/// release it. `Ok(None)` when no lock can be had (logged; the caller refreshes without it).
///
/// # Errors
/// [`LockBusy`] when another process held it for all of `max_wait`.
pub(crate) fn lock_for_refresh(
    cache_file: &Path,
    max_wait: Duration,
) -> Result<Option<RefreshLock>, LockBusy> {
    let path = lock_path(cache_file);
    let unlocked = |e: &dyn fmt::Display| {
        log::warn!("refreshing without a lock: {}: {e}", path.display());
        Ok(None)
    };
    let file = match open_lock_file(&path) {
        Ok(f) => f,
        Err(e) => return unlocked(&e),
    };
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(RefreshLock { _file: file })),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return unlocked(&e),
        }
        let waited = start.elapsed();
        let Some(left) = max_wait.checked_sub(waited).filter(|d| !d.is_zero()) else {
            return Err(LockBusy {
                lock_file: path,
                waited,
            });
        };
        if pause == FIRST_PAUSE {
            log::debug!(
                "waiting for {}: another process is refreshing",
                path.display()
            );
        }
        thread::sleep(pause.min(left));
        pause = pause.saturating_mul(2).min(MAX_PAUSE);
    }
}

/// Opens (creating, `0600`) the lock file at `path`, refusing anything but a regular file: a FIFO,
/// socket or device is refused before it is opened, and the open is non-blocking and checked
/// again through the handle, as [`crate::files`] reads.
fn open_lock_file(path: &Path) -> io::Result<File> {
    let refuse = |kind: &str| io::Error::other(format!("a {kind} is in the way of the lock file"));
    match fs::metadata(path) {
        Ok(meta) => {
            if let Some(kind) = crate::files::refused_kind(&meta) {
                return Err(refuse(kind));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    open_regular(path)
}

/// The open of [`open_lock_file`] after its first check: non-blocking, so a FIFO swapped in since
/// then does not wait for a writer, and refused through the handle.
fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(crate::files::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if let Some(kind) = crate::files::refused_kind(&file.metadata()?) {
        return Err(io::Error::other(format!(
            "a {kind} is in the way of the lock file"
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sts-refresh-lock-{tag}-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_refresh_lock_excludes_others_until_dropped() {
        let d = temp("lock");
        let cache = d.join("k.json");
        let held = lock_for_refresh(&cache, Duration::ZERO).unwrap();
        assert!(held.is_some());
        let lock = d.join("k.json.lock");
        assert_eq!(fs::metadata(&lock).unwrap().len(), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&lock).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            !cache.exists(),
            "the cache file itself is never created or locked"
        );
        // A second open of the file (as another process would) waits its bound, then gives up.
        let t = Instant::now();
        let busy = lock_for_refresh(&cache, Duration::from_millis(200)).unwrap_err();
        assert!(t.elapsed() >= Duration::from_millis(200));
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        assert_eq!(busy.lock_file, lock);
        assert!(busy.to_string().contains("k.json.lock"), "{busy}");
        // Released on drop: the next one gets it at once, and again after that one is dropped.
        drop(held);
        assert!(lock_for_refresh(&cache, Duration::ZERO).unwrap().is_some());
        assert!(lock_for_refresh(&cache, Duration::ZERO).unwrap().is_some());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_waiter_gets_the_lock_when_the_holder_lets_go() {
        let d = temp("handoff");
        let cache = d.join("k.json");
        let held = lock_for_refresh(&cache, Duration::ZERO).unwrap();
        let releaser = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        let got = lock_for_refresh(&cache, Duration::from_secs(20)).unwrap();
        assert!(got.is_some());
        releaser.join().unwrap();
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn no_lock_without_a_regular_lock_file_and_no_hang() {
        let d = temp("odd");
        // A directory in the way: refresh without the lock, at once.
        fs::create_dir(d.join("dir.json.lock")).unwrap();
        let t = Instant::now();
        assert!(
            lock_for_refresh(&d.join("dir.json"), Duration::from_secs(20))
                .unwrap()
                .is_none()
        );
        // A directory that does not exist: no lock, nothing created.
        assert!(
            lock_for_refresh(&d.join("missing/k.json"), Duration::from_secs(20))
                .unwrap()
                .is_none()
        );
        assert!(!d.join("missing").exists());
        #[cfg(unix)]
        {
            let fifo = d.join("fifo.json.lock");
            let made = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .is_ok_and(|s| s.success());
            if made {
                assert!(
                    lock_for_refresh(&d.join("fifo.json"), Duration::from_secs(20))
                        .unwrap()
                        .is_none()
                );
                // Even past the first check, the open does not wait for a writer.
                assert!(open_regular(&fifo).is_err());
            } else {
                eprintln!("mkfifo unavailable: the FIFO case skipped");
            }
        }
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        let _ = fs::remove_dir_all(&d);
    }
}
