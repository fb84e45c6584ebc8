//! Local files as the crate reads and writes them, public so that a program reading or writing the
//! same files (the `sts` command's `file://` parameters and the config file it updates) does so
//! the same way.
//!
//! Reading with a size cap and without ever blocking: the shared config and credentials files,
//! token files, the SSO token cache, the CA bundle and the password database all go through
//! [`read_capped`].
//!
//! - Only regular files are read (symbolic links are followed). The file is checked before it is
//!   opened: a FIFO, socket, directory or device (`/dev/zero`, `/dev/null`, a terminal) is refused
//!   without opening it (opening a FIFO blocks until a writer appears), and a regular file larger than
//!   the cap is refused without reading it.
//! - It is opened non-blocking where the platform allows, and checked again through the open handle,
//!   so a file swapped for a FIFO between the two checks cannot block either.
//! - At most `limit + 1` bytes are read, so a file that grows while it is read ends in
//!   [`FileProblem::TooLarge`] instead of filling memory.
//!
//! Errors are [`Error::File`], naming the file, what it is for and the limit; never its contents.
//!
//! Writing the files shared with the AWS CLI ([`write_atomic`]): a temporary file in the same
//! directory, then a rename, so a concurrent reader never sees half a file.
//!
//! ```
//! use sts_blocking::error::{Error, FileProblem};
//! use sts_blocking::files::{MAX_CONFIG_FILE, read_capped_text, write_atomic};
//! let dir = std::env::temp_dir().join(format!("sts-files-doc-{}", std::process::id()));
//! let path = dir.join("config");
//! write_atomic(&path, b"[default]\nregion = eu-west-1\n", None)?;
//! assert!(read_capped_text(&path, MAX_CONFIG_FILE, "config file")?.contains("eu-west-1"));
//! // Over the cap: refused without being read, and the error names the cap.
//! let e = read_capped_text(&path, 8, "config file").unwrap_err();
//! assert!(matches!(e, Error::File { problem: FileProblem::TooLarge { limit: 8 }, .. }));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::Error;
use crate::error::FileProblem;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Cap on the shared `config` and `credentials` files (16 MiB). A config with ten thousand
/// profiles is about 2 MiB; tens of megabytes are a mistake or an attack.
pub const MAX_CONFIG_FILE: u64 = 16 * 1024 * 1024;
/// Cap on a web identity or container authorization token file (64 KiB; STS accepts web identity
/// tokens of at most 20 000 characters).
pub const MAX_TOKEN_FILE: u64 = 64 * 1024;
/// Cap on an SSO token cache file (1 MiB; real ones are a few kilobytes).
pub const MAX_SSO_CACHE_FILE: u64 = 1024 * 1024;
/// Cap on a CA bundle (16 MiB; the Mozilla bundle is about 220 KiB).
pub const MAX_CA_BUNDLE: u64 = 16 * 1024 * 1024;

fn error(what: &'static str, path: &Path, problem: FileProblem) -> Error {
    Error::File {
        what,
        path: path.to_owned(),
        problem,
    }
}

fn io_problem(e: &std::io::Error) -> FileProblem {
    match e.kind() {
        std::io::ErrorKind::NotFound => FileProblem::NotFound,
        std::io::ErrorKind::IsADirectory => FileProblem::NotRegular { kind: "directory" },
        _ => FileProblem::Io(e.to_string()),
    }
}

/// What kind of file `meta` describes, when it may not be read: `None` for a regular file.
pub(crate) fn refused_kind(meta: &Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_char_device() {
            return Some("character device");
        }
        if ft.is_fifo() {
            return Some("FIFO");
        }
        if ft.is_socket() {
            return Some("socket");
        }
        if ft.is_block_device() {
            return Some("block device");
        }
    }
    Some("special file")
}

fn check(meta: &Metadata, limit: u64) -> Result<(), FileProblem> {
    if let Some(kind) = refused_kind(meta) {
        return Err(FileProblem::NotRegular { kind });
    }
    if meta.len() > limit {
        return Err(FileProblem::TooLarge { limit });
    }
    Ok(())
}

/// `O_NONBLOCK` for the platforms whose value is known (no `libc` dependency): opening a FIFO that
/// replaced the file after the first check then returns at once instead of waiting for a writer.
#[cfg(unix)]
pub(crate) const O_NONBLOCK: i32 = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)) {
    0x0004
} else if cfg!(all(
    any(target_os = "linux", target_os = "android"),
    any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "loongarch64"
    )
)) {
    0o4000
} else {
    0
};

fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    options.open(path)
}

/// Reads at most `limit` bytes of the file at `path`; `what` names the file in errors
/// (`config file`, `web identity token file`, ...). See the module docs.
///
/// # Errors
/// [`Error::File`] with [`FileProblem::NotFound`], [`FileProblem::NotRegular`],
/// [`FileProblem::TooLarge`] or [`FileProblem::Io`].
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, Error> {
    let fail = |p: FileProblem| error(what, path, p);
    let before = std::fs::metadata(path).map_err(|e| fail(io_problem(&e)))?;
    check(&before, limit).map_err(fail)?;
    let file = open(path).map_err(|e| fail(io_problem(&e)))?;
    let after = file.metadata().map_err(|e| fail(io_problem(&e)))?;
    check(&after, limit).map_err(fail)?;
    let hint = usize::try_from(after.len().min(limit)).unwrap_or(0);
    let mut buf = Vec::with_capacity(hint.saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| fail(io_problem(&e)))?;
    if u64::try_from(buf.len()).map_or(true, |n| n > limit) {
        return Err(fail(FileProblem::TooLarge { limit }));
    }
    Ok(buf)
}

/// [`read_capped`], then checks that the bytes are UTF-8.
///
/// # Errors
/// As [`read_capped`], and [`FileProblem::NotUtf8`] (with the 1-based line of the first bad byte).
pub fn read_capped_text(path: &Path, limit: u64, what: &'static str) -> Result<String, Error> {
    let bytes = read_capped(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        // The bytes may be a secret (a token file): zero them before they are dropped.
        drop(crate::SecretString::new(String::from_utf8_lossy(
            e.as_bytes(),
        )));
        error(what, path, FileProblem::NotUtf8 { line })
    })
}

/// Writes `contents` to `path` atomically, as the AWS CLI writes the files it shares: the parent
/// directory is created (`0700` on Unix) when missing, the bytes go to a new file next to `path`
/// (mode `0600`, or `permissions` when given: those of the file it replaces), are synced, and the
/// file is renamed over `path`. A reader sees the old file or the new one, never half of one.
///
/// # Errors
/// The I/O error of the step that failed (the temporary file is removed).
pub fn write_atomic(
    path: &Path,
    contents: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    use std::fs;
    use std::io::{self, Write};
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(
            ".{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let tmp = dir.join(tmp_name);
        match create_private_file(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| match permissions {
            Some(p) => fs::set_permissions(&tmp, p),
            None => Ok(()),
        })
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("sts-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn problem(r: Result<Vec<u8>, Error>) -> FileProblem {
        match r {
            Err(Error::File { problem, .. }) => problem,
            other => panic!("expected a file error, got {other:?}"),
        }
    }

    #[test]
    fn reads_small_regular_files() {
        let d = dir("small");
        let p = d.join("f");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read_capped(&p, 5, "test file").unwrap(), b"hello");
        assert_eq!(
            problem(read_capped(&p, 4, "test file")),
            FileProblem::TooLarge { limit: 4 }
        );
        assert_eq!(
            problem(read_capped(&d.join("missing"), 4, "test file")),
            FileProblem::NotFound
        );
        assert_eq!(
            problem(read_capped(&d, 4, "test file")),
            FileProblem::NotRegular { kind: "directory" }
        );
        let e = read_capped(&p, 4, "test file").unwrap_err().to_string();
        assert!(e.contains("test file") && e.contains("4-byte limit"), "{e}");
        assert!(!e.contains("hello"));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused() {
        for dev in ["/dev/null", "/dev/zero"] {
            assert_eq!(
                problem(read_capped(Path::new(dev), 1 << 20, "x")),
                FileProblem::NotRegular {
                    kind: "character device"
                }
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_files_report_no_size_but_are_read() {
        let status = read_capped(Path::new("/proc/self/status"), 64 * 1024, "x").unwrap();
        assert!(status.starts_with(b"Name:"));
    }

    #[cfg(unix)]
    #[test]
    fn fifo_is_refused_at_once() {
        let d = dir("fifo");
        let p = d.join("fifo");
        let ok = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("mkfifo unavailable: skipped");
            return;
        }
        let t = Instant::now();
        assert_eq!(
            problem(read_capped(&p, 10, "x")),
            FileProblem::NotRegular { kind: "FIFO" }
        );
        assert!(t.elapsed() < Duration::from_secs(2));
        // Opened non-blocking: even past the first check, opening does not wait for a writer.
        let t = Instant::now();
        let f = open(&p).unwrap();
        assert!(check(&f.metadata().unwrap(), 10).is_err());
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn non_utf8_names_the_line() {
        let d = dir("utf8");
        let p = d.join("f");
        std::fs::write(&p, b"a\nb\n\xff").unwrap();
        match read_capped_text(&p, 100, "x") {
            Err(Error::File {
                problem: FileProblem::NotUtf8 { line },
                ..
            }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }
}
