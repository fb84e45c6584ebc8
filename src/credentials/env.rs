//! [`Env`]: injectable access to environment variables, so providers can be tested without touching
//! the process environment.

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

    /// Whether `name` is set to `true` (case-insensitive).
    #[must_use]
    pub fn is_true(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The user's home directory for this platform (see [`Platform`]), from the variables only.
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
        }
        None
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

/// The path conventions used to find the home directory and join paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    #[test]
    fn blank_is_unset() {
        let env = Env::from_map([("A", " "), ("B", "x"), ("T", "TRUE")]);
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get_raw("A").as_deref(), Some(" "));
        assert_eq!(env.get("B").as_deref(), Some("x"));
        assert!(env.is_true("T"));
        assert!(!format!("{env:?}").contains('x'));
    }
}
