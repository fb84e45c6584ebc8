//! The line parser of the shared files, following the cross-SDK profile file rules: section
//! headers, properties, continuations and sub-properties, comments; a section repeated in a file
//! merges into the first.

use super::{FileKind, ProfileSet, Section};
use crate::Error;
use std::collections::BTreeMap;
use std::path::Path;

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

/// The section being read.
struct Current {
    /// The line of its header.
    line: usize,
    kind: SectionKind,
    /// `[default]` in the config file (ignored when any `[profile default]` exists there).
    bare_default: bool,
    section: Section,
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

/// Adds a section to a map: moved in when the name is new, merged (its keys win) otherwise.
/// Returns the memory charged for a new section (see [`SECTION_COST`]), 0 for a merge.
fn merge_into(map: &mut BTreeMap<String, Section>, section: Section) -> usize {
    match map.get_mut(section.name()) {
        Some(existing) => {
            existing.merge(&section);
            0
        }
        None => {
            let cost = SECTION_COST.saturating_add(section.name().len().saturating_mul(2));
            map.insert(section.name().to_owned(), section);
            cost
        }
    }
}

/// What one new section costs in memory, besides its name (stored twice) and properties: its
/// share of a map node, the map key and the section itself, allocator overhead included (about
/// 190 bytes measured; rounded up).
const SECTION_COST: usize = 256;

/// The memory a file's sections may take: 8 × its size + 4 MiB. Properties cost about their size
/// plus 12 bytes and repeated keys are dropped as they are read, so only a file made of thousands of
/// tiny sections (`[a1]`, `[a2]`, ...) comes near it; such a file is refused.
fn section_budget(text: &str) -> usize {
    text.len().saturating_mul(8).saturating_add(4 << 20)
}

/// Parses one file into `set`. Properties are stored as they are read (no copy of the whole file
/// is kept), so memory stays near the size of what the file defines.
pub(super) fn parse_file_into(
    set: &mut ProfileSet,
    kind: FileKind,
    path: &Path,
    text: &str,
) -> Result<(), Error> {
    let mut parser = Parser {
        set,
        kind,
        path,
        in_section: false,
        current: None,
        property: Property::None,
        bare_default: None,
        prefixed_default: false,
        budget: section_budget(text),
        spent: 0,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.split('\n').enumerate() {
        parser.line(i + 1, raw.strip_suffix('\r').unwrap_or(raw))?;
    }
    parser.finish()
}

/// The property the next continuation line continues.
#[derive(Clone, Copy)]
enum Property {
    /// None yet in this section: a continuation is an error.
    None,
    /// One of an ignored section, or with an invalid name: its continuations are skipped.
    Ignored,
    /// One that was kept; `sub` when its value was empty, so that its continuations are
    /// sub-properties (`key = value`).
    Kept {
        /// Whether continuations are sub-properties.
        sub: bool,
    },
}

/// One file being read into a set, line by line. Each method is a part of the cross-SDK profile
/// file rules: [`Parser::line`] sorts lines (blank, comment, continuation, section header,
/// property), [`Parser::header`] opens a section, [`Parser::property`] and
/// [`Parser::continuation`] fill it, [`Parser::close`] files it, [`Parser::finish`] ends the file.
struct Parser<'a> {
    set: &'a mut ProfileSet,
    kind: FileKind,
    path: &'a Path,
    /// Whether a section header has been read (properties before the first are an error).
    in_section: bool,
    /// The section being read; `None` inside an ignored one.
    current: Option<Current>,
    property: Property,
    /// The bare `[default]` sections of a config file, applied at the end unless a
    /// `[profile default]` exists in the same file.
    bare_default: Option<Section>,
    prefixed_default: bool,
    /// The memory the file's sections may take (see [`section_budget`]), and what they took.
    budget: usize,
    spent: usize,
}

impl Parser<'_> {
    fn error(&self, line: usize, message: &str) -> Error {
        file_error(self.path, line, message)
    }

    /// One line (without its line break), numbered from 1.
    fn line(&mut self, lineno: usize, line: &str) -> Result<(), Error> {
        if line.trim().is_empty() {
            return Ok(());
        }
        if line.starts_with([' ', '\t']) {
            return self.continuation(lineno, line.trim());
        }
        let t = line.trim();
        if t.starts_with(['#', ';']) {
            return Ok(());
        }
        match t.strip_prefix('[') {
            Some(rest) => self.header(lineno, rest),
            None => self.property(lineno, t),
        }
    }

    /// An indented line: the continuation of the property above, or one of its sub-properties
    /// when its value was empty.
    fn continuation(&mut self, lineno: usize, t: &str) -> Result<(), Error> {
        if !self.in_section {
            return Err(self.error(lineno, "Expected a profile definition"));
        }
        let sub = match self.property {
            Property::None => {
                return Err(
                    self.error(lineno, "Expected a property definition, found continuation")
                );
            }
            Property::Ignored => return Ok(()),
            Property::Kept { sub } => sub,
        };
        if sub {
            let Some((k, _)) = t.split_once('=') else {
                return Err(self.error(lineno, "Expected an '=' sign defining a sub-property"));
            };
            if k.trim().is_empty() {
                return Err(self.error(lineno, "Sub-property did not have a name"));
            }
        }
        if let Some(cur) = self.current.as_mut() {
            cur.section.continue_last(t);
        }
        Ok(())
    }

    /// A section header, `rest` following its `[`: closes the section before, and opens this one
    /// unless the file does not keep it (`[foo]` in the config file, an invalid name).
    fn header(&mut self, lineno: usize, rest: &str) -> Result<(), Error> {
        let Some(close_at) = rest.find(']') else {
            return Err(self.error(lineno, "Profile definition must end with ']'"));
        };
        let after = rest[close_at + 1..].trim();
        if !after.is_empty() && !after.starts_with(['#', ';']) {
            return Err(self.error(lineno, "Profile definition must end with ']'"));
        }
        let inner = rest[..close_at].trim();
        self.in_section = true;
        self.property = Property::None;
        self.close()?;
        let (kind, name, bare) = match self.kind {
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
                    return Ok(());
                }
            }
        };
        if !valid_name(name) {
            return Ok(());
        }
        if self.kind == FileKind::Config
            && kind == SectionKind::Profile
            && name == "default"
            && !bare
        {
            self.prefixed_default = true;
        }
        self.current = Some(Current {
            line: lineno,
            kind,
            bare_default: bare,
            section: Section::named(name.to_owned()),
        });
        Ok(())
    }

    /// A `key = value` line; kept when its section is and its name is valid.
    fn property(&mut self, lineno: usize, t: &str) -> Result<(), Error> {
        if !self.in_section {
            return Err(self.error(lineno, "Expected a profile definition"));
        }
        let Some((k, v)) = t.split_once('=') else {
            return Err(self.error(lineno, "Expected an '=' sign defining a property"));
        };
        let key = k.trim();
        if key.is_empty() {
            return Err(self.error(lineno, "Property did not have a name"));
        }
        let value = strip_value_comment(v).trim();
        self.property = match self.current.as_mut() {
            Some(cur) if valid_name(key) => {
                if self.kind == FileKind::Credentials
                    && matches!(key, "aws_access_key_id" | "aws_secret_access_key")
                    && !value.is_empty()
                    && !self
                        .set
                        .keys_in_credentials_file
                        .contains(cur.section.name())
                {
                    self.set
                        .keys_in_credentials_file
                        .insert(cur.section.name().to_owned());
                }
                cur.section.push(key, value);
                Property::Kept {
                    sub: value.is_empty(),
                }
            }
            _ => Property::Ignored,
        };
        Ok(())
    }

    /// Files the section being read into its map (merged with one of the same name), within the
    /// file's memory budget; a bare `[default]` waits for the end of the file.
    fn close(&mut self) -> Result<(), Error> {
        let Some(Current {
            line,
            kind,
            bare_default,
            section,
        }) = self.current.take()
        else {
            return Ok(());
        };
        if bare_default {
            match &mut self.bare_default {
                Some(acc) => acc.merge(&section),
                None => self.bare_default = Some(section),
            }
            return Ok(());
        }
        let map = match kind {
            SectionKind::Profile => &mut self.set.profiles,
            SectionKind::SsoSession => &mut self.set.sso_sessions,
            SectionKind::Services => &mut self.set.services,
        };
        self.spent = self.spent.saturating_add(merge_into(map, section));
        if self.spent > self.budget {
            return Err(self.error(
                line,
                &format!(
                    "too many sections for the file's size: holding them would take more than \
                     {} bytes of memory (8 times the file size + 4 MiB)",
                    self.budget
                ),
            ));
        }
        Ok(())
    }

    /// The end of the file: the last section is filed, then the bare `[default]` unless a
    /// `[profile default]` was read.
    fn finish(mut self) -> Result<(), Error> {
        self.close()?;
        if let Some(section) = self.bare_default.take()
            && !self.prefixed_default
        {
            merge_into(&mut self.set.profiles, section);
        }
        Ok(())
    }
}
