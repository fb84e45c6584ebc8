//! The shared `config` and `credentials` files: where they are, how they parse (the cross-SDK profile
//! file rules), and how they merge.
//!
//! ```
//! use sts_blocking::__private::credentials::profile::{parse, FileKind};
//! use std::path::Path;
//! let config = "[profile dev]\nregion = eu-west-1 # comment\n[services my]\nsts =\n  endpoint_url = http://localhost:4566\n";
//! let creds = "[dev]\naws_access_key_id = AKID\n";
//! let set = parse(
//!     &[(FileKind::Config, Path::new("config"), config), (FileKind::Credentials, Path::new("credentials"), creds)],
//!     "dev",
//! ).unwrap();
//! let dev = set.selected().unwrap();
//! assert_eq!(dev.get("region"), Some("eu-west-1"));
//! assert_eq!(dev.get("AWS_ACCESS_KEY_ID"), Some("AKID"));
//! assert_eq!(set.services("my").unwrap().sub_properties("sts"), vec![("endpoint_url".to_owned(), "http://localhost:4566".to_owned())]);
//! ```

use crate::Error;
use crate::env::{Env, Platform};
use crate::error::FileProblem;
use parse::parse_file_into;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod parse;

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
///
/// Stored compactly (a file's worth of properties costs about its size plus 12 bytes per key): the
/// name, keys and values sit back to back in one string, with one sorted index entry per key.
#[derive(Clone, Default)]
pub struct Section {
    /// The name (`text[..name_len]`), then keys and values, back to back.
    text: String,
    name_len: usize,
    /// One entry per property, sorted by key and unique in `index[..sorted]`; the entries after
    /// `sorted` are newer (only while a file is being parsed).
    index: Vec<Entry>,
    sorted: usize,
}

/// A property: `text[key..value]` is the key, `text[value..end]` the value (`u32` offsets: a
/// section holds at most 4 GiB of text, and 12-byte entries keep a file of short keys small).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    key: u32,
    value: u32,
    end: u32,
}

/// A `u32` offset as an index (lossless on every target with 32-bit or wider pointers).
fn ix(offset: u32) -> usize {
    offset as usize
}

impl Entry {
    fn key(self) -> std::ops::Range<usize> {
        ix(self.key)..ix(self.value)
    }

    fn value(self) -> std::ops::Range<usize> {
        ix(self.value)..ix(self.end)
    }

    fn len(self) -> usize {
        ix(self.end) - ix(self.key)
    }
}

impl PartialEq for Section {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name() && self.properties().eq(other.properties())
    }
}

impl Eq for Section {}

impl std::fmt::Debug for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name())
            .field(
                "keys",
                &self.properties().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Section {
    /// A section from a name and key/value pairs (keys are lower-cased; a later pair wins).
    pub fn new<K: AsRef<str>, V: Into<String>>(
        name: impl Into<String>,
        props: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut s = Self::named(name.into());
        for (k, v) in props {
            s.push(k.as_ref(), &v.into());
        }
        s.finish();
        s
    }

    fn named(name: String) -> Self {
        Self {
            name_len: name.len(),
            text: name,
            ..Self::default()
        }
    }

    fn key_of(&self, e: &Entry) -> &str {
        &self.text[e.key()]
    }

    /// Appends a property (key lower-cased); a later property with the same key wins once the
    /// section is [finished](Section::finish). The new value ends the text, so a continuation line
    /// can be appended with [`Section::continue_last`].
    ///
    /// A property that would take the section past 4 GiB of text is dropped (a parsed file is far
    /// smaller: [`MAX_CONFIG_FILE`](crate::files::MAX_CONFIG_FILE)).
    fn push(&mut self, key: &str, value: &str) {
        if self.index.len() >= 2 * self.sorted.max(16) {
            self.finish_keep_capacity();
        }
        let start = self.text.len();
        let (Ok(key_at), Ok(value_at), Ok(end)) = (
            u32::try_from(start),
            u32::try_from(start + key.len()),
            u32::try_from(start + key.len() + value.len()),
        ) else {
            return;
        };
        self.text.push_str(key);
        self.text[start..].make_ascii_lowercase();
        self.text.push_str(value);
        self.index.push(Entry {
            key: key_at,
            value: value_at,
            end,
        });
    }

    /// Appends `\n` and `line` to the value of the last property pushed.
    fn continue_last(&mut self, line: &str) {
        let len = self.text.len();
        if let Some(e) = self.index.last_mut()
            && ix(e.end) == len
            && let Ok(end) = u32::try_from(len + 1 + line.len())
        {
            self.text.push('\n');
            self.text.push_str(line);
            e.end = end;
        }
    }

    /// Sorts the index, keeps the newest value of each key, and drops replaced text once it is
    /// more than half of the whole.
    fn finish_keep_capacity(&mut self) {
        if self.sorted == self.index.len() {
            return;
        }
        let text = &self.text;
        self.index.sort_by(|a, b| text[a.key()].cmp(&text[b.key()]));
        // Stable sort: equal keys stay in insertion order; keep the last of each run.
        self.index.dedup_by(|later, kept| {
            let same = text[later.key()] == text[kept.key()];
            if same {
                *kept = *later;
            }
            same
        });
        self.sorted = self.index.len();
        let live: usize = self.index.iter().map(|e| e.len()).sum();
        if live < (self.text.len() - self.name_len) / 2 {
            // Offsets only shrink: they still fit in `u32`.
            let mut text = String::with_capacity(self.name_len + live);
            text.push_str(self.name());
            for e in &mut self.index {
                let start = text.len();
                text.push_str(&self.text[ix(e.key)..ix(e.end)]);
                let (Ok(key), Ok(value), Ok(end)) = (
                    u32::try_from(start),
                    u32::try_from(start + (ix(e.value) - ix(e.key))),
                    u32::try_from(text.len()),
                ) else {
                    return;
                };
                *e = Entry { key, value, end };
            }
            self.text = text;
        }
    }

    /// [`Section::finish_keep_capacity`], then releases unused capacity.
    fn finish(&mut self) {
        self.finish_keep_capacity();
        self.text.shrink_to_fit();
        self.index.shrink_to_fit();
    }

    /// Appends every property of `other` (which win over this section's).
    fn merge(&mut self, other: &Self) {
        for e in &other.index {
            self.push(other.key_of(e), &other.text[e.value()]);
        }
    }

    fn find(&self, key: &str) -> Option<&Entry> {
        // Entries newer than the sorted part exist only while a file is being parsed.
        if let Some(e) = self.index[self.sorted..]
            .iter()
            .rev()
            .find(|e| self.key_of(e).eq_ignore_ascii_case(key))
        {
            return Some(e);
        }
        // Stored keys are lower-case: compare with the lower-cased query.
        let sorted = &self.index[..self.sorted];
        let i = sorted
            .binary_search_by(|e| {
                self.key_of(e)
                    .bytes()
                    .cmp(key.bytes().map(|b| b.to_ascii_lowercase()))
            })
            .ok()?;
        Some(&sorted[i])
    }

    /// The section's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.text[..self.name_len]
    }

    /// A property (case-insensitive key), exactly as written (may be empty).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).map(|e| &self.text[e.value()])
    }

    /// A property that is set and not blank.
    #[must_use]
    pub fn get_nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.trim().is_empty())
    }

    /// All properties, keys lower-case, sorted by key.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.index[..self.sorted]
            .iter()
            .map(|e| (self.key_of(e), &self.text[e.value()]))
    }

    /// Whether the section has no properties.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
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

/// Where the shared files are and which profile is selected, as the AWS CLI finds them
/// ([`FileLocations::resolve`]); [`ProfileSet::load_from`] reads them. A program that writes the
/// config file (`aws configure set`, `aws login`) writes the `config` path found here.
///
/// ```
/// use sts_blocking::credentials::{Env, FileLocations, Platform};
/// let env = Env::from_map([("HOME", "/home/me"), ("AWS_PROFILE", "dev")]);
/// let at = FileLocations::resolve(&env, Platform::Unix)?;
/// assert_eq!(at.config.as_deref(), Some(std::path::Path::new("/home/me/.aws/config")));
/// assert_eq!(at.profile, "dev");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
            profile: env.profile().unwrap_or_else(|| "default".to_owned()),
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
    /// Profiles whose section in the credentials file sets `aws_access_key_id` or
    /// `aws_secret_access_key`: botocore reads those keys before `login_session` and
    /// `credential_process`, and the same keys in the config file after them.
    keys_in_credentials_file: BTreeSet<String>,
    /// Profiles whose keys a [`KeyStore`](crate::credentials::KeyStore) holds (see
    /// [`ProfileSet::with_stored_keys`]).
    stored_keys: BTreeSet<String>,
}

/// `ProfileSet::parse`, for the `sts` binary and the tests (through `__private`).
///
/// # Errors
/// As `ProfileSet::parse`.
pub fn parse(files: &[(FileKind, &Path, &str)], profile: &str) -> Result<ProfileSet, Error> {
    ProfileSet::parse(files, profile)
}

impl ProfileSet {
    /// Parses and merges file texts (config first, then credentials: a later file wins per key) and
    /// selects `profile`.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] naming the file and line of the first malformed line.
    pub(crate) fn parse(files: &[(FileKind, &Path, &str)], profile: &str) -> Result<Self, Error> {
        let mut set = Self {
            selected: profile.to_owned(),
            ..Self::default()
        };
        for (kind, path, text) in files {
            parse_file_into(&mut set, *kind, path, text)?;
        }
        for section in set
            .profiles
            .values_mut()
            .chain(set.sso_sessions.values_mut())
            .chain(set.services.values_mut())
        {
            section.finish();
        }
        Ok(set)
    }

    /// Reads the files at `locations` (a missing or unknown file counts as empty) and parses them,
    /// selecting `locations.profile` (which need not exist: [`ProfileSet::selected`] is then
    /// `None`).
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

    /// Reads and parses the shared files `env` points at (`AWS_CONFIG_FILE`,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`; a missing file
    /// counts as empty) and selects `AWS_PROFILE` (else `default`).
    ///
    /// # Errors
    /// [`Error::ConfigFile`] for a malformed file, [`Error::File`] for an unreadable or oversized one.
    pub fn load(env: &Env) -> Result<Self, Error> {
        Self::load_from(&FileLocations::resolve(env, Platform::current())?)
    }

    /// A set built from sections directly (for tests and programmatic configuration); they count
    /// as config-file sections.
    #[must_use]
    pub fn from_sections(
        profiles: Vec<Section>,
        sso_sessions: Vec<Section>,
        selected: impl Into<String>,
    ) -> Self {
        Self {
            profiles: profiles
                .into_iter()
                .map(|s| (s.name().to_owned(), s))
                .collect(),
            sso_sessions: sso_sessions
                .into_iter()
                .map(|s| (s.name().to_owned(), s))
                .collect(),
            services: BTreeMap::new(),
            selected: selected.into(),
            keys_in_credentials_file: BTreeSet::new(),
            stored_keys: BTreeSet::new(),
        }
    }

    /// Marks `profiles` as having their long-term keys in a [`KeyStore`](crate::credentials::KeyStore): the
    /// chain then takes their keys from the store (see there for where in a profile's order).
    /// The chain marks the set itself when it has a store; this is for callers that plan a
    /// profile themselves.
    #[must_use]
    pub fn with_stored_keys(mut self, profiles: impl IntoIterator<Item = String>) -> Self {
        self.stored_keys.extend(profiles);
        self
    }

    /// Whether `profile` was marked by [`ProfileSet::with_stored_keys`].
    #[must_use]
    pub fn has_stored_keys(&self, profile: &str) -> bool {
        self.stored_keys.contains(profile)
    }

    /// The selected profile's name.
    #[must_use]
    pub fn selected_name(&self) -> &str {
        &self.selected
    }

    /// Whether the credentials file (not the config file) gives `profile` an access key id or a
    /// secret access key.
    #[must_use]
    pub fn has_keys_in_credentials_file(&self, profile: &str) -> bool {
        self.keys_in_credentials_file.contains(profile)
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
    fn repeated_keys_keep_the_last_value_and_little_memory() {
        let mut text = String::from("[profile a]\nregion = first\n");
        for i in 0..10_000 {
            text.push_str(&format!("Key{} = v{i}\nregion = r{i}\n", i % 7));
        }
        text.push_str("s3 =\n  x = 1\n  y = 2\n[profile a]\nRegion = last\n");
        let set = cfg(&text).unwrap();
        let a = set.profile("a").unwrap();
        assert_eq!(a.get("REGION"), Some("last"));
        assert_eq!(a.get("key3"), Some("v9999"));
        assert_eq!(a.sub_properties("s3").len(), 2);
        let keys: Vec<&str> = a.properties().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "key0", "key1", "key2", "key3", "key4", "key5", "key6", "region", "s3"
            ]
        );
        // Replaced values are dropped as the file is read, not kept until the end.
        assert!(a.text.len() < 200, "{}", a.text.len());
        assert_eq!(
            a,
            &Section::new("a", keys.iter().map(|k| (*k, a.get(k).unwrap().to_owned())))
        );
        assert_ne!(a, &Section::new("a", [("region", "last")]));
    }

    #[test]
    fn bare_default_yields_to_profile_default_in_the_same_file() {
        let set = cfg(
            "[default]\na = bare\nb = bare\n[profile default]\na = prefixed\n[default]\nc = bare\n",
        )
        .unwrap();
        let d = set.selected().unwrap();
        assert_eq!(
            (d.get("a"), d.get("b"), d.get("c")),
            (Some("prefixed"), None, None)
        );
        let set = cfg("[default]\na = 1\n[default]\nb = 2\n").unwrap();
        let d = set.selected().unwrap();
        assert_eq!((d.get("a"), d.get("b")), (Some("1"), Some("2")));
    }

    #[test]
    fn a_file_of_tiny_sections_is_refused_past_its_memory_budget() {
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 600_000 {
            text.push_str(&format!("[{i:x}]\n"));
            i += 1;
        }
        let e = ProfileSet::parse(&[(FileKind::Credentials, Path::new("c"), &text)], "default")
            .unwrap_err();
        assert!(e.to_string().contains("too many sections"), "{e}");
        // The same number of sections with real content is fine.
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!(
                "[p{i}]\naws_access_key_id = AKIAEXAMPLE{i:08}\naws_secret_access_key = secret\n"
            ));
        }
        let set =
            ProfileSet::parse(&[(FileKind::Credentials, Path::new("c"), &text)], "p7").unwrap();
        assert_eq!(set.profiles().len(), 20_000);
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
