//! Writing the small JSON cache files the AWS CLI shares with us (`~/.aws/cli/cache`,
//! `~/.aws/login/cache`, `~/.aws/sso/cache`): an atomic write (a `0600` temp file in the same
//! directory, then a rename) so a concurrent reader never sees half a file. Reads go through
//! [`crate::files::read_capped_text`].

use std::io;
use std::path::Path;

/// Writes `contents` to `path` atomically ([`crate::files::write_atomic`]): the parent directory
/// is created (`0700` on Unix), the bytes go to a new `0600` file next to it, are synced, and the
/// file is renamed over `path`.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    crate::files::write_atomic(path, contents, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn temp(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sts-cache-io-{tag}-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn atomic_write_is_private_and_replaces() {
        let d = temp("w");
        let p = d.join("sub").join("k.json");
        write_atomic(&p, b"{\"a\": 1}").unwrap();
        write_atomic(&p, b"{}").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"{}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let dir_mode = fs::metadata(d.join("sub")).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
        // No temp files left behind.
        assert_eq!(fs::read_dir(d.join("sub")).unwrap().count(), 1);
        let _ = fs::remove_dir_all(&d);
    }
}
