//! The shared `config` and `credentials` files: where they are, how they parse (the cross-SDK profile
//! file rules), and how they merge.
//!
//! ```
//! use sts_blocking::credentials::profile::{ProfileSet, FileKind};
//! use std::path::Path;
//! let config = "[profile dev]\nregion = eu-west-1 # comment\n[services my]\nsts =\n  endpoint_url = http://localhost:4566\n";
//! let creds = "[dev]\naws_access_key_id = AKID\n";
//! let set = ProfileSet::parse(
//!     &[(FileKind::Config, Path::new("config"), config), (FileKind::Credentials, Path::new("credentials"), creds)],
//!     "dev",
//! ).unwrap();
//! let dev = set.selected().unwrap();
//! assert_eq!(dev.get("region"), Some("eu-west-1"));
//! assert_eq!(dev.get("AWS_ACCESS_KEY_ID"), Some("AKID"));
//! assert_eq!(set.services("my").unwrap().sub_properties("sts"), vec![("endpoint_url".to_owned(), "http://localhost:4566".to_owned())]);
//! ```

use super::env::{Env, Platform};
use crate::Error;
use crate::error::FileProblem;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which of the two shared files a text came from (they name profiles differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/config`: `[profile x]`, `[default]`, `[sso-session x]`, `[services x]`.
    Config,
    /// `~/.aws/credentials`: `[x]`.
    Credentials,
}

/// One section: a profile, an `[sso-session]` or a `[services]` section. Keys are lower-case.
///
/// `Debug` prints the name and the keys, never the values (they may be secrets).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Section {
    name: String,
    props: BTreeMap<String, String>,
}

impl std::fmt::Debug for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("keys", &self.props.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Section {
    /// A section from a name and key/value pairs (keys are lower-cased).
    pub fn new<K: AsRef<str>, V: Into<String>>(
        name: impl Into<String>,
        props: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            name: name.into(),
            props: props
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into()))
                .collect(),
        }
    }

    /// The section's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A property (case-insensitive key), exactly as written (may be empty).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props
            .get(&key.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// A property that is set and not blank.
    #[must_use]
    pub fn get_nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.trim().is_empty())
    }

    /// All properties, keys lower-case, sorted by key.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.props.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether the section has no properties.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }

    /// The sub-properties of `key` (`s3 =\n  name = value`), names lower-cased.
    #[must_use]
    pub fn sub_properties(&self, key: &str) -> Vec<(String, String)> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        v.lines()
            .filter_map(|l| {
                let (k, v) = l.split_once('=')?;
                let k = k.trim();
                (!k.is_empty()).then(|| (k.to_ascii_lowercase(), v.trim().to_owned()))
            })
            .collect()
    }
}

/// Where the shared files are and which profile is selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocations {
    /// `AWS_CONFIG_FILE` (a leading `~` expanded), else `~/.aws/config`; `None` when neither is
    /// known (no override and no home directory): the file is then absent, never a relative path.
    pub config: Option<PathBuf>,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`; `None` as for `config`.
    pub credentials: Option<PathBuf>,
    /// `AWS_PROFILE`, else `default`.
    pub profile: String,
}

impl FileLocations {
    /// Resolves the locations from the environment for `platform`. A leading `~` or `~user` in an
    /// override is expanded ([`Env::expand_home`]); the defaults live in the
    /// [home directory](Env::home_dir).
    ///
    /// # Errors
    /// [`Error::File`] for an override starting with `~` when the home directory (or that user) is
    /// unknown: it is never resolved against the working directory.
    pub fn resolve(env: &Env, platform: Platform) -> Result<Self, Error> {
        let home = env.home_dir(platform);
        let locate =
            |var: &str, what: &'static str, name: &str| -> Result<Option<PathBuf>, Error> {
                match env.get(var) {
                    Some(p) => env.expand_home(&p, platform, what).map(Some),
                    None => Ok(home.as_ref().map(|h| {
                        PathBuf::from(platform.join(&h.to_string_lossy(), &[".aws", name]))
                    })),
                }
            };
        Ok(Self {
            config: locate("AWS_CONFIG_FILE", "config file", "config")?,
            credentials: locate(
                "AWS_SHARED_CREDENTIALS_FILE",
                "credentials file",
                "credentials",
            )?,
            profile: env
                .get("AWS_PROFILE")
                .unwrap_or_else(|| "default".to_owned()),
        })
    }
}

/// The merged profiles, `[sso-session]` and `[services]` sections of both files, and the selected
/// profile name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
    selected: String,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    Profile,
    SsoSession,
    Services,
}

struct RawSection {
    kind: SectionKind,
    name: String,
    /// `[default]` in the config file (ignored when any `[profile default]` exists there).
    bare_default: bool,
    props: Vec<(String, String)>,
}

fn file_error(path: &Path, line: usize, message: &str) -> Error {
    Error::ConfigFile {
        path: path.to_owned(),
        line,
        message: message.to_owned(),
    }
}

/// Cuts an inline comment: `#` or `;` preceded by whitespace.
fn strip_value_comment(v: &str) -> &str {
    let b = v.as_bytes();
    for i in 0..b.len() {
        if (b[i] == b'#' || b[i] == b';') && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') {
            return &v[..i];
        }
    }
    v
}

fn split_prefix<'a>(inner: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = inner.strip_prefix(prefix)?;
    rest.starts_with([' ', '\t']).then(|| rest.trim())
}

fn parse_file(kind: FileKind, path: &Path, text: &str) -> Result<Vec<RawSection>, Error> {
    let mut sections: Vec<RawSection> = Vec::new();
    // Index of the current section (None = an ignored section), whether we are in a section at all.
    let mut in_section = false;
    let mut current: Option<usize> = None;
    // Current property: (index into props, sub-property mode); `Some(None)` = an ignored property.
    let mut property: Option<Option<(usize, bool)>> = None;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.split('\n').enumerate() {
        let lineno = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if !in_section {
                return Err(file_error(path, lineno, "Expected a profile definition"));
            }
            let Some(prop) = property else {
                return Err(file_error(
                    path,
                    lineno,
                    "Expected a property definition, found continuation",
                ));
            };
            let t = line.trim();
            let Some((sec, (idx, sub))) = current.zip(prop) else {
                continue;
            };
            if sub {
                let Some((k, _)) = t.split_once('=') else {
                    return Err(file_error(
                        path,
                        lineno,
                        "Expected an '=' sign defining a sub-property",
                    ));
                };
                if k.trim().is_empty() {
                    return Err(file_error(path, lineno, "Sub-property did not have a name"));
                }
            }
            let v = &mut sections[sec].props[idx].1;
            v.push('\n');
            v.push_str(t);
            continue;
        }
        let t = line.trim();
        if t.starts_with(['#', ';']) {
            continue;
        }
        if let Some(rest) = t.strip_prefix('[') {
            let Some(close) = rest.find(']') else {
                return Err(file_error(
                    path,
                    lineno,
                    "Profile definition must end with ']'",
                ));
            };
            let after = rest[close + 1..].trim();
            if !after.is_empty() && !after.starts_with(['#', ';']) {
                return Err(file_error(
                    path,
                    lineno,
                    "Profile definition must end with ']'",
                ));
            }
            let inner = rest[..close].trim();
            in_section = true;
            property = None;
            let (skind, name, bare_default) = match kind {
                FileKind::Credentials => (SectionKind::Profile, inner, false),
                FileKind::Config => {
                    if let Some(n) = split_prefix(inner, "profile") {
                        (SectionKind::Profile, n, false)
                    } else if let Some(n) = split_prefix(inner, "sso-session") {
                        (SectionKind::SsoSession, n, false)
                    } else if let Some(n) = split_prefix(inner, "services") {
                        (SectionKind::Services, n, false)
                    } else if inner == "default" {
                        (SectionKind::Profile, inner, true)
                    } else {
                        // `[foo]` in the config file is not a profile.
                        current = None;
                        continue;
                    }
                }
            };
            if !valid_name(name) {
                current = None;
                continue;
            }
            sections.push(RawSection {
                kind: skind,
                name: name.to_owned(),
                bare_default,
                props: Vec::new(),
            });
            current = Some(sections.len() - 1);
            continue;
        }
        if !in_section {
            return Err(file_error(path, lineno, "Expected a profile definition"));
        }
        let Some((k, v)) = t.split_once('=') else {
            return Err(file_error(
                path,
                lineno,
                "Expected an '=' sign defining a property",
            ));
        };
        let key = k.trim();
        if key.is_empty() {
            return Err(file_error(path, lineno, "Property did not have a name"));
        }
        let value = strip_value_comment(v).trim();
        match current {
            Some(sec) if valid_name(key) => {
                let props = &mut sections[sec].props;
                props.push((key.to_ascii_lowercase(), value.to_owned()));
                property = Some(Some((props.len() - 1, value.is_empty())));
            }
            _ => property = Some(None),
        }
    }
    Ok(sections)
}

impl ProfileSet {
    /// Parses and merges file texts (config first, then credentials: a later file wins per key) and
    /// selects `profile`.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] naming the file and line of the first malformed line.
    pub fn parse(files: &[(FileKind, &Path, &str)], profile: &str) -> Result<Self, Error> {
        let mut set = Self {
            selected: profile.to_owned(),
            ..Self::default()
        };
        for (kind, path, text) in files {
            let sections = parse_file(*kind, path, text)?;
            let has_prefixed_default = sections
                .iter()
                .any(|s| s.kind == SectionKind::Profile && s.name == "default" && !s.bare_default);
            for s in sections {
                if s.bare_default && has_prefixed_default {
                    continue;
                }
                let map = match s.kind {
                    SectionKind::Profile => &mut set.profiles,
                    SectionKind::SsoSession => &mut set.sso_sessions,
                    SectionKind::Services => &mut set.services,
                };
                let entry = map.entry(s.name.clone()).or_insert_with(|| Section {
                    name: s.name.clone(),
                    props: BTreeMap::new(),
                });
                for (k, v) in s.props {
                    entry.props.insert(k, v);
                }
            }
        }
        Ok(set)
    }

    /// Reads the files at `locations` (a missing or unknown file counts as empty) and parses them.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] for a malformed file, [`Error::File`] for an unreadable or oversized one.
    pub fn load_from(locations: &FileLocations) -> Result<Self, Error> {
        let read = |kind, path: &Option<PathBuf>| -> Result<String, Error> {
            path.as_deref()
                .map_or_else(|| Ok(String::new()), |p| read_optional(kind, p))
        };
        let config = read(FileKind::Config, &locations.config)?;
        let credentials = read(FileKind::Credentials, &locations.credentials)?;
        let none = PathBuf::new();
        Self::parse(
            &[
                (
                    FileKind::Config,
                    locations.config.as_ref().unwrap_or(&none),
                    &config,
                ),
                (
                    FileKind::Credentials,
                    locations.credentials.as_ref().unwrap_or(&none),
                    &credentials,
                ),
            ],
            &locations.profile,
        )
    }

    /// [`FileLocations::resolve`] for the current platform, then [`ProfileSet::load_from`].
    ///
    /// # Errors
    /// As [`ProfileSet::load_from`].
    pub fn load(env: &Env) -> Result<Self, Error> {
        Self::load_from(&FileLocations::resolve(env, Platform::current())?)
    }

    /// A set built from sections directly (for tests and programmatic configuration).
    #[must_use]
    pub fn from_sections(
        profiles: Vec<Section>,
        sso_sessions: Vec<Section>,
        selected: impl Into<String>,
    ) -> Self {
        Self {
            profiles: profiles.into_iter().map(|s| (s.name.clone(), s)).collect(),
            sso_sessions: sso_sessions
                .into_iter()
                .map(|s| (s.name.clone(), s))
                .collect(),
            services: BTreeMap::new(),
            selected: selected.into(),
        }
    }

    /// The selected profile's name.
    #[must_use]
    pub fn selected_name(&self) -> &str {
        &self.selected
    }

    /// The selected profile, if it exists.
    #[must_use]
    pub fn selected(&self) -> Option<&Section> {
        self.profiles.get(&self.selected)
    }

    /// A profile by name.
    #[must_use]
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// All profiles by name.
    #[must_use]
    pub fn profiles(&self) -> &BTreeMap<String, Section> {
        &self.profiles
    }

    /// All `[sso-session]` sections by name.
    #[must_use]
    pub fn sso_sessions(&self) -> &BTreeMap<String, Section> {
        &self.sso_sessions
    }

    /// An `[sso-session NAME]` section.
    #[must_use]
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// A `[services NAME]` section.
    #[must_use]
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// The configured endpoint URL for a service (`sts`, `s3`, ...), in the AWS CLI's order:
    /// `AWS_ENDPOINT_URL_<SERVICE>`, the `[services]` section named by the profile's `services` key,
    /// `AWS_ENDPOINT_URL`, the profile's `endpoint_url`. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` or
    /// the profile's `ignore_configured_endpoint_urls = true` disables all of them.
    #[must_use]
    pub fn configured_endpoint_url(&self, env: &Env, service: &str) -> Option<String> {
        let profile = self.selected();
        let ignore = match env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => profile
                .and_then(|p| p.get_nonempty("ignore_configured_endpoint_urls"))
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
        };
        if ignore {
            return None;
        }
        let env_name = format!(
            "AWS_ENDPOINT_URL_{}",
            service.to_ascii_uppercase().replace([' ', '-'], "_")
        );
        if let Some(v) = env.get(&env_name) {
            return Some(v);
        }
        let key = service.to_ascii_lowercase().replace(' ', "_");
        if let Some(url) = profile
            .and_then(|p| p.get_nonempty("services"))
            .and_then(|s| self.services(s.trim()))
            .and_then(|s| {
                s.sub_properties(&key)
                    .into_iter()
                    .find(|(k, _)| k == "endpoint_url")
            })
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
        {
            return Some(url);
        }
        if let Some(v) = env.get("AWS_ENDPOINT_URL") {
            return Some(v);
        }
        profile
            .and_then(|p| p.get_nonempty("endpoint_url"))
            .map(|v| v.trim().to_owned())
    }
}

/// Reads a shared file. As in the AWS CLI (`os.path.isfile`), a missing file, a directory, a FIFO
/// or a device counts as an empty file: it is never opened in a way that could block. A file larger
/// than [`MAX_CONFIG_FILE`](crate::files::MAX_CONFIG_FILE) is an error.
fn read_optional(kind: FileKind, path: &Path) -> Result<String, Error> {
    let what = match kind {
        FileKind::Config => "config file",
        FileKind::Credentials => "credentials file",
    };
    match crate::files::read_capped_text(path, crate::files::MAX_CONFIG_FILE, what) {
        Ok(text) => Ok(text),
        Err(Error::File {
            problem: FileProblem::NotFound | FileProblem::NotRegular { .. },
            ..
        }) => Ok(String::new()),
        Err(Error::File {
            problem: FileProblem::NotUtf8 { line },
            ..
        }) => Err(Error::ConfigFile {
            path: path.to_owned(),
            line,
            message: "the file is not valid UTF-8".to_owned(),
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<ProfileSet, Error> {
        ProfileSet::parse(&[(FileKind::Config, Path::new("cfg"), text)], "default")
    }

    #[test]
    fn error_names_line() {
        match cfg("[profile a]\nx = 1\n\n= v\n").unwrap_err() {
            Error::ConfigFile {
                path,
                line,
                message,
            } => {
                assert_eq!(path, Path::new("cfg"));
                assert_eq!(line, 4);
                assert!(message.contains("did not have a name"));
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn services_and_endpoint() {
        let set = cfg("[default]\nservices = s\nendpoint_url = http://global\n[services s]\nsts =\n  endpoint_url = http://svc\n").unwrap();
        let env = Env::from_map([("X", "1")]);
        assert_eq!(
            set.configured_endpoint_url(&env, "sts").as_deref(),
            Some("http://svc")
        );
        assert_eq!(
            set.configured_endpoint_url(&env, "s3").as_deref(),
            Some("http://global")
        );
        let env = Env::from_map([("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]);
        assert_eq!(set.configured_endpoint_url(&env, "sts"), None);
        let env = Env::from_map([("AWS_ENDPOINT_URL_STS", "http://env")]);
        assert_eq!(
            set.configured_endpoint_url(&env, "sts").as_deref(),
            Some("http://env")
        );
    }

    #[test]
    fn never_panics_on_junk() {
        for t in [
            "[",
            "]",
            "[]",
            "[profile]",
            "=",
            " =",
            "[profile a]\n =\n  =",
            "\u{feff}[default]\n\r\n",
        ] {
            let _ = cfg(t);
        }
    }
}
