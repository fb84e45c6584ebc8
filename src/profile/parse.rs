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
    // Bare `[default]` sections of a config file, applied at the end unless a `[profile default]`
    // exists in the same file.
    let mut bare_default: Option<Section> = None;
    let mut prefixed_default = false;
    let mut in_section = false;
    // The section being read; `None` = an ignored section.
    let mut current: Option<Current> = None;
    // The current property: `Some(sub)` when it belongs to a kept section (`sub` = sub-property
    // mode), `None` inside the property state when it is ignored.
    let mut property: Option<Option<bool>> = None;
    let budget = section_budget(text);
    let mut spent = 0usize;
    let mut close = |set: &mut ProfileSet, cur: Option<Current>| -> Result<(), Error> {
        let Some(Current {
            line,
            kind,
            bare_default: bare,
            section,
        }) = cur
        else {
            return Ok(());
        };
        if bare {
            match &mut bare_default {
                Some(acc) => acc.merge(&section),
                None => bare_default = Some(section),
            }
            return Ok(());
        }
        let map = match kind {
            SectionKind::Profile => &mut set.profiles,
            SectionKind::SsoSession => &mut set.sso_sessions,
            SectionKind::Services => &mut set.services,
        };
        spent = spent.saturating_add(merge_into(map, section));
        if spent > budget {
            return Err(file_error(
                path,
                line,
                &format!(
                    "too many sections for the file's size: holding them would take more than \
                     {budget} bytes of memory (8 times the file size + 4 MiB)"
                ),
            ));
        }
        Ok(())
    };
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
            let (Some(cur), Some(sub)) = (current.as_mut(), prop) else {
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
            cur.section.continue_last(t);
            continue;
        }
        let t = line.trim();
        if t.starts_with(['#', ';']) {
            continue;
        }
        if let Some(rest) = t.strip_prefix('[') {
            let Some(close_at) = rest.find(']') else {
                return Err(file_error(
                    path,
                    lineno,
                    "Profile definition must end with ']'",
                ));
            };
            let after = rest[close_at + 1..].trim();
            if !after.is_empty() && !after.starts_with(['#', ';']) {
                return Err(file_error(
                    path,
                    lineno,
                    "Profile definition must end with ']'",
                ));
            }
            let inner = rest[..close_at].trim();
            in_section = true;
            property = None;
            close(set, current.take())?;
            let (skind, name, bare) = match kind {
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
                        continue;
                    }
                }
            };
            if !valid_name(name) {
                continue;
            }
            if kind == FileKind::Config
                && skind == SectionKind::Profile
                && name == "default"
                && !bare
            {
                prefixed_default = true;
            }
            current = Some(Current {
                line: lineno,
                kind: skind,
                bare_default: bare,
                section: Section::named(name.to_owned()),
            });
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
        match current.as_mut() {
            Some(cur) if valid_name(key) => {
                if kind == FileKind::Credentials
                    && matches!(key, "aws_access_key_id" | "aws_secret_access_key")
                    && !value.is_empty()
                    && !set.keys_in_credentials_file.contains(cur.section.name())
                {
                    set.keys_in_credentials_file
                        .insert(cur.section.name().to_owned());
                }
                cur.section.push(key, value);
                property = Some(Some(value.is_empty()));
            }
            _ => property = Some(None),
        }
    }
    close(set, current.take())?;
    if let Some(section) = bare_default
        && !prefixed_default
    {
        merge_into(&mut set.profiles, section);
    }
    Ok(())
}
