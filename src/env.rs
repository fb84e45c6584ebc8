//! [`Env`]: injectable access to environment variables, so providers can be tested without touching
//! the process environment.

use crate::Error;
use crate::error::FileProblem;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where providers read environment variables from: the real process environment or a fixed map.
///
/// `Debug` lists neither names nor values (the environment may hold secrets).
#[derive(Clone)]
pub struct Env(Inner);

#[derive(Clone)]
enum Inner {
    Real,
    Map(Arc<HashMap<String, String>>),
}

impl Env {
    /// The process environment.
    #[must_use]
    pub fn real() -> Self {
        Self(Inner::Real)
    }

    /// A fixed set of variables; nothing else is set.
    pub fn from_map<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(Inner::Map(Arc::new(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )))
    }

    /// The raw value of `name`, even when empty. Non-UTF-8 values count as unset.
    #[must_use]
    pub fn get_raw(&self, name: &str) -> Option<String> {
        match &self.0 {
            Inner::Real => std::env::var(name).ok(),
            Inner::Map(m) => m.get(name).cloned(),
        }
    }

    /// The value of `name`, trimmed; empty or blank values count as unset.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<String> {
        self.get_raw(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The profile the environment selects: `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE` (the AWS CLI
    /// v2 reads both, in that order).
    #[must_use]
    pub fn profile(&self) -> Option<String> {
        self.get("AWS_PROFILE")
            .or_else(|| self.get("AWS_DEFAULT_PROFILE"))
    }

    /// Whether `name` is set to `true` (case-insensitive).
    #[must_use]
    pub fn is_true(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The user's home directory for this platform (see [`Platform`]): `HOME` when set and not blank
    /// (on Windows then `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`); else, for the real process
    /// environment on Unix, the home of the real user id in `/etc/passwd` (as Python's
    /// `os.path.expanduser`). `None` when it is unknown: `~` is then never expanded, and never
    /// resolved against the working directory. A map environment ([`Env::from_map`]) never reads
    /// `/etc/passwd`.
    #[must_use]
    pub fn home_dir(&self, platform: Platform) -> Option<PathBuf> {
        if let Some(h) = self.get("HOME") {
            return Some(PathBuf::from(h));
        }
        if platform == Platform::Windows {
            if let Some(h) = self.get("USERPROFILE") {
                return Some(PathBuf::from(h));
            }
            if let (Some(d), Some(p)) = (self.get("HOMEDRIVE"), self.get("HOMEPATH")) {
                return Some(PathBuf::from(format!("{d}{p}")));
            }
            return None;
        }
        match self.0 {
            Inner::Real => passwd::own_home(),
            Inner::Map(_) => None,
        }
    }

    /// Expands a leading `~` (the [home directory](Env::home_dir)) or `~user` (that user's home in
    /// `/etc/passwd`, real environment on Unix only) in a configured path, as the AWS CLI does. Other
    /// paths are returned unchanged. `what` names the path in errors (`config file`, ...).
    ///
    /// ```
    /// use sts_blocking::credentials::{Env, Platform};
    /// let env = Env::from_map([("HOME", "/home/me")]);
    /// assert_eq!(env.expand_home("~/.aws/x", Platform::Unix, "x").unwrap().to_str(), Some("/home/me/.aws/x"));
    /// assert_eq!(env.expand_home("rel/~", Platform::Unix, "x").unwrap().to_str(), Some("rel/~"));
    /// assert!(Env::from_map([("HOME", "")]).expand_home("~/x", Platform::Unix, "x").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::File`] with [`FileProblem::NoHomeDirectory`] when the path starts with `~` and the
    /// home directory is unknown, [`FileProblem::UnknownUser`] for `~user` of an unknown user.
    pub fn expand_home(
        &self,
        path: &str,
        platform: Platform,
        what: &'static str,
    ) -> Result<PathBuf, Error> {
        expand_tilde(
            path,
            platform,
            || self.home_dir(platform),
            |user| match (&self.0, platform) {
                (Inner::Real, Platform::Unix) => passwd::user_home(user),
                _ => None,
            },
            what,
        )
    }
}

/// Expands a leading `~` or `~user` of `path` with `home` / `user_home`; see [`Env::expand_home`].
fn expand_tilde(
    path: &str,
    platform: Platform,
    home: impl FnOnce() -> Option<PathBuf>,
    user_home: impl FnOnce(&str) -> Option<PathBuf>,
    what: &'static str,
) -> Result<PathBuf, Error> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(PathBuf::from(path));
    };
    let is_sep = |c: char| c == '/' || (platform == Platform::Windows && c == '\\');
    let (user, tail) = rest.split_at(rest.find(is_sep).unwrap_or(rest.len()));
    let fail = |problem| Error::File {
        what,
        path: PathBuf::from(path),
        problem,
    };
    let base = if user.is_empty() {
        home().ok_or_else(|| fail(FileProblem::NoHomeDirectory))?
    } else {
        user_home(user).ok_or_else(|| {
            fail(FileProblem::UnknownUser {
                user: user.to_owned(),
            })
        })?
    };
    let base = base.to_string_lossy().into_owned();
    let trimmed = base.trim_end_matches(is_sep);
    if tail.is_empty() {
        return Ok(PathBuf::from(if trimmed.is_empty() {
            &base
        } else {
            trimmed
        }));
    }
    Ok(PathBuf::from(format!("{trimmed}{tail}")))
}

/// The password database, read from `/etc/passwd` without `libc` (no unsafe code): the real user id
/// comes from `/proc/self/status`. Users known only to NSS (LDAP, sssd) are not found; their home is
/// then unknown unless `HOME` is set.
mod passwd {
    use std::path::{Path, PathBuf};

    /// Cap on `/proc/self/status`.
    const MAX_STATUS: u64 = 64 * 1024;
    /// Cap on `/etc/passwd`.
    const MAX_PASSWD: u64 = 16 * 1024 * 1024;

    /// The real user id from the text of `/proc/self/status` (`Uid:\treal\teffective...`).
    pub(super) fn real_uid(status: &str) -> Option<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    }

    /// The home directory of the first entry of `passwd` (the text of `/etc/passwd`) that `wanted`
    /// accepts (by name and uid), if it is an absolute path.
    pub(super) fn find_home(passwd: &str, wanted: impl Fn(&str, &str) -> bool) -> Option<PathBuf> {
        passwd.lines().find_map(|line| {
            let mut f = line.split(':');
            let (name, _, uid, _, _, home) = (
                f.next()?,
                f.next()?,
                f.next()?,
                f.next()?,
                f.next()?,
                f.next()?,
            );
            (wanted(name, uid) && home.starts_with('/')).then(|| PathBuf::from(home))
        })
    }

    fn read(path: &str, limit: u64) -> Option<String> {
        crate::files::read_capped_text(Path::new(path), limit, "system file").ok()
    }

    /// The current (real) user's home directory, if `/proc` and `/etc/passwd` say.
    pub(super) fn own_home() -> Option<PathBuf> {
        if !cfg!(unix) {
            return None;
        }
        let uid = real_uid(&read("/proc/self/status", MAX_STATUS)?)?.to_string();
        find_home(&read("/etc/passwd", MAX_PASSWD)?, |_, u| u == uid)
    }

    /// `user`'s home directory from `/etc/passwd`.
    pub(super) fn user_home(user: &str) -> Option<PathBuf> {
        if !cfg!(unix) {
            return None;
        }
        find_home(&read("/etc/passwd", MAX_PASSWD)?, |name, _| name == user)
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::real()
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Real => f.write_str("Env::real"),
            Inner::Map(m) => write!(f, "Env::from_map({} variables)", m.len()),
        }
    }
}

/// The path conventions used to find the home directory and join paths ([`Env::home_dir`],
/// [`Env::expand_home`], [`FileLocations::resolve`](crate::credentials::FileLocations::resolve)): the AWS CLI's
/// rules on each system, selectable so that either can be checked anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Platform {
    /// `HOME` only, `/` separators.
    Unix,
    /// `HOME`, then `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`; `\` separators.
    Windows,
}

impl Platform {
    /// The platform this program was built for.
    #[must_use]
    pub fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else {
            Self::Unix
        }
    }

    /// Joins path components with this platform's separator (textually, so tests can check Windows
    /// paths on Unix).
    #[must_use]
    pub fn join(self, base: &str, parts: &[&str]) -> String {
        let sep = match self {
            Self::Unix => '/',
            Self::Windows => '\\',
        };
        let mut out = base.trim_end_matches(sep).to_owned();
        for p in parts {
            out.push(sep);
            out.push_str(p);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn blank_is_unset() {
        let env = Env::from_map([("A", " "), ("B", "x"), ("T", "TRUE")]);
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get_raw("A").as_deref(), Some(" "));
        assert_eq!(env.get("B").as_deref(), Some("x"));
        assert!(env.is_true("T"));
        assert!(!format!("{env:?}").contains('x'));
    }

    fn expand(path: &str, home: Option<&str>) -> Result<PathBuf, Error> {
        expand_tilde(
            path,
            Platform::Unix,
            || home.map(PathBuf::from),
            |u| (u == "alice").then(|| PathBuf::from("/home/alice")),
            "test path",
        )
    }

    #[test]
    fn tilde_expands_or_fails_never_relative() {
        let ok = |p: &str, h| expand(p, h).unwrap().to_string_lossy().into_owned();
        assert_eq!(
            ok("~/.aws/config", Some("/home/me")),
            "/home/me/.aws/config"
        );
        assert_eq!(
            ok("~/.aws/config", Some("/home/me/")),
            "/home/me/.aws/config"
        );
        assert_eq!(ok("~", Some("/home/me")), "/home/me");
        assert_eq!(ok("~/x", Some("/")), "/x");
        assert_eq!(ok("~", Some("/")), "/");
        assert_eq!(ok("~alice/x", None), "/home/alice/x");
        assert_eq!(ok("/abs/~/x", None), "/abs/~/x");
        assert_eq!(ok("rel", None), "rel");
        match expand("~/.aws/config", None) {
            Err(Error::File {
                problem: FileProblem::NoHomeDirectory,
                path,
                what,
            }) => {
                assert_eq!(path, Path::new("~/.aws/config"));
                assert_eq!(what, "test path");
            }
            other => panic!("{other:?}"),
        }
        match expand("~bob/x", Some("/home/me")) {
            Err(e @ Error::File { .. }) => {
                assert!(e.to_string().contains("~bob"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        let w = expand_tilde(
            "~\\x",
            Platform::Windows,
            || Some(PathBuf::from("C:\\u")),
            |_| None,
            "t",
        )
        .unwrap();
        assert_eq!(w, Path::new("C:\\u\\x"));
    }

    #[test]
    fn map_env_home_is_only_its_variables() {
        assert_eq!(Env::from_map([("HOME", "")]).home_dir(Platform::Unix), None);
        assert_eq!(
            Env::from_map([("HOME", " ")]).home_dir(Platform::Unix),
            None
        );
        assert_eq!(
            Env::from_map([("X", "1")]).home_dir(Platform::Unix),
            None,
            "a map environment never reads /etc/passwd"
        );
        assert!(
            Env::from_map([("HOME", "/h")])
                .expand_home("~root/x", Platform::Unix, "t")
                .is_err()
        );
    }

    #[test]
    fn passwd_parsing() {
        let status = "Name:\tsh\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1\n";
        assert_eq!(passwd::real_uid(status), Some(1000));
        assert_eq!(passwd::real_uid("Name: x\n"), None);
        let db = "root:x:0:0:root:/root:/bin/bash\n+nis\nodd:x:1000:1000::relative:/bin/sh\n\
                  me:x:1000:1000:Me:/home/me:/bin/sh\n";
        assert_eq!(
            passwd::find_home(db, |_, uid| uid == "1000"),
            Some(PathBuf::from("/home/me")),
            "entries without an absolute home are skipped"
        );
        assert_eq!(
            passwd::find_home(db, |n, _| n == "root"),
            Some(PathBuf::from("/root"))
        );
        assert_eq!(passwd::find_home(db, |n, _| n == "nobody"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn real_env_falls_back_to_passwd() {
        // Whoever runs the tests has a passwd entry in the test containers; when not, the home is
        // simply unknown. Either way it is absolute or None, never relative.
        if let Some(h) = passwd::own_home() {
            assert!(h.is_absolute());
        }
    }
}
