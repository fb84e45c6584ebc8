//! Setting keys in the shared config file the way the AWS CLI's `ConfigFileWriter` does (`aws
//! configure set`, `aws login`): the section is found by its exact header (`[default]`, `[profile
//! dev]` or `[profile "dev"]`, comments skipped), an existing `key = ...` line is replaced in
//! place, missing keys go after the section's last `key = value` line, and a missing section is
//! appended at the end. Every other byte stays as it was (unlike the CLI, line endings too: a
//! `\r\n` file keeps its `\r\n`).
//!
//! [`update`] and [`remove_section`] are the pure text transformations; [`update_file`] and
//! [`edit_file`] apply them to a file (created `0600` with its directory when missing), writing a
//! temp file and renaming it over the target (through a symlink, to its target), with the
//! original permissions; a read-only file or a dangling symlink is refused.

use std::path::Path;
use sts_blocking::Error;
use sts_blocking::error::FileProblem;
use sts_blocking::files::{MAX_CONFIG_FILE, read_capped_text, write_atomic};

/// Where a `[section]` header is on a line: the text from the line start to the `]`, as the CLI's
/// `^\s*\[(?P<header>[^]]+)\]` matches it.
fn section_header(line: &str) -> Option<&str> {
    let body = line.trim_start();
    let rest = body.strip_prefix('[')?;
    let close = rest.find(']')?;
    if close == 0 {
        return None;
    }
    let end = line.len() - body.len() + 1 + close + 1;
    Some(&line[..end])
}

/// The key of a `key = value` (or `key: value`) line, as the CLI's option pattern finds it
/// (searched anywhere in the line, so commented-out settings count as options too).
fn option_key(line: &str) -> Option<&str> {
    let text = line.strip_suffix('\n').unwrap_or(line);
    let start = text.find(|c| c != ':' && c != '=')?;
    let rest = &text[start..];
    let sep = rest.find([':', '='])?;
    Some(rest[..sep].trim())
}

/// Whether a header matches `section` (`profile dev` also matches `[profile "dev"]`).
fn matches_section(header: &str, section: &str) -> bool {
    if header == format!("[{section}]") {
        return true;
    }
    match section.split_once(' ') {
        Some((kind, name)) => header == format!("[{kind} \"{name}\"]"),
        None => false,
    }
}

/// Sets `values` in `section` of a config file's `contents` (`None`: the file does not exist)
/// and returns the new contents.
///
/// ```
/// use sts_cli::config_writer::update;
/// let before = "[default]\nregion = us-east-1\n\n[profile dev]\noutput = json\n";
/// let after = update(Some(before), "profile dev", &[("login_session", "arn:aws:iam::1:user/a")]);
/// assert_eq!(after, "[default]\nregion = us-east-1\n\n[profile dev]\noutput = json\n\
///                    login_session = arn:aws:iam::1:user/a\n");
/// ```
#[must_use]
pub fn update(contents: Option<&str>, section: &str, values: &[(&str, &str)]) -> String {
    let Some(contents) = contents else {
        return new_section(String::new(), section, values);
    };
    let mut lines: Vec<String> = contents.split_inclusive('\n').map(str::to_owned).collect();
    let nl = if lines.first().is_some_and(|l| l.ends_with("\r\n")) {
        "\r\n"
    } else {
        "\n"
    };
    let start = lines.iter().position(|l| {
        let t = l.trim();
        !t.starts_with('#')
            && !t.starts_with(';')
            && section_header(l).is_some_and(|h| matches_section(h, section))
    });
    let Some(start) = start else {
        return new_section(contents.to_owned(), section, values);
    };
    let mut pending: Vec<(&str, &str)> = values.to_vec();
    let mut last = start;
    let mut j = start + 1;
    while j < lines.len() {
        if section_header(&lines[j]).is_some() {
            insert(&mut lines, last + 1, &mut pending, nl);
            return lines.concat();
        }
        if let Some(key) = option_key(&lines[j]) {
            last = j;
            if let Some(i) = pending.iter().position(|(k, _)| *k == key) {
                let (k, v) = pending.remove(i);
                let end = if lines[j].ends_with("\r\n") {
                    "\r\n"
                } else if lines[j].ends_with('\n') {
                    "\n"
                } else {
                    nl
                };
                lines[j] = format!("{k} = {v}{end}");
            }
        }
        j += 1;
    }
    if !pending.is_empty() {
        if !lines.last().is_some_and(|l| l.ends_with('\n')) {
            lines.push(nl.to_owned());
        }
        // As the CLI: two lines past the last option (Python's list.insert clamps to the end).
        let at = (last + 2).min(lines.len());
        insert(&mut lines, at, &mut pending, nl);
    }
    lines.concat()
}

fn insert(lines: &mut Vec<String>, at: usize, pending: &mut Vec<(&str, &str)>, nl: &str) {
    if pending.is_empty() {
        return;
    }
    let text: String = pending
        .iter()
        .map(|(k, v)| format!("{k} = {v}{nl}"))
        .collect();
    pending.clear();
    lines.insert(at.min(lines.len()), text);
}

fn new_section(mut contents: String, section: &str, values: &[(&str, &str)]) -> String {
    let nl = if contents.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    if !contents.is_empty() && !contents.ends_with('\n') {
        contents.push_str(nl);
    }
    contents.push_str(&format!("[{section}]{nl}"));
    for (k, v) in values {
        contents.push_str(&format!("{k} = {v}{nl}"));
    }
    contents
}

/// Applies [`update`] to the file at `path` (see the module docs).
///
/// # Errors
/// [`Error::Config`] for a section name, key or value with a control character (the CLI refuses
/// line breaks; an ESC or BEL would be replayed by every `cat` of the file; the message never
/// repeats a value) or a file that cannot be written; [`Error::File`] for one that cannot be
/// read (too large, not a regular file, not UTF-8).
pub fn update_file(path: &Path, section: &str, values: &[(&str, &str)]) -> Result<(), Error> {
    let bad = |what: &str| {
        Error::config(format!(
            "Invalid {what}: control characters (newlines, carriage returns, escapes) are not \
             allowed"
        ))
    };
    let control = |t: &str| t.chars().any(char::is_control);
    if control(section) {
        return Err(bad("section name"));
    }
    for (k, v) in values {
        if control(k) {
            return Err(bad("key"));
        }
        if control(v) {
            return Err(bad(&format!("value for key {k}")));
        }
    }
    edit_file(path, |existing| Ok(update(existing, section, values)))
}

/// Removes `section` from a config file's `contents`: its header and every line up to its last
/// `key = value` line (comments and blank lines after it stay: they may introduce the next
/// section). `None` when the section is not there.
///
/// ```
/// use sts_cli::config_writer::remove_section;
/// let before = "[default]\nregion = x\n[profile old]\na = 1\n# next\n[profile b]\n";
/// assert_eq!(remove_section(before, "profile old").unwrap(), "[default]\nregion = x\n# next\n[profile b]\n");
/// ```
#[must_use]
pub fn remove_section(contents: &str, section: &str) -> Option<String> {
    let lines: Vec<&str> = contents.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| {
        let t = l.trim();
        !t.starts_with('#')
            && !t.starts_with(';')
            && section_header(l).is_some_and(|h| matches_section(h, section))
    })?;
    let mut end = start + 1;
    for (j, line) in lines.iter().enumerate().skip(start + 1) {
        if section_header(line).is_some() {
            break;
        }
        let t = line.trim();
        if option_key(line).is_some() && !t.starts_with('#') && !t.starts_with(';') {
            end = j + 1;
        }
    }
    Some(lines[..start].concat() + &lines[end..].concat())
}

/// Rewrites the config file at `path` with `edit` (given its text, `None` when it does not
/// exist): the file is read (size-capped, never a FIFO), the new text goes to a temp file that
/// is renamed over it (through a symlink, to its target), with its permissions (`0600` for a new
/// file). An edit that changes nothing writes nothing. A read-only file or a symlink to nothing
/// is refused; on any error the file is as it was.
///
/// # Errors
/// [`Error::Config`] for a file that cannot be written (read-only, a dangling symlink, a
/// directory that refuses the temp file) or whatever `edit` returns; [`Error::File`] for one
/// that cannot be read.
pub fn edit_file(
    path: &Path,
    edit: impl FnOnce(Option<&str>) -> Result<String, Error>,
) -> Result<(), Error> {
    let cannot = |why: &dyn std::fmt::Display| {
        Error::config(format!("cannot write {}: {why}", path.display()))
    };
    // Write through a symlink (a dotfiles manager's link stays a link).
    let target = match std::fs::canonicalize(path) {
        Ok(t) => t,
        Err(_) if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            return Err(cannot(&"it is a symlink to a file that does not exist"));
        }
        Err(_) => path.to_path_buf(),
    };
    let existing = match read_capped_text(&target, MAX_CONFIG_FILE, "config file") {
        Ok(text) => Some(text),
        Err(Error::File {
            problem: FileProblem::NotFound,
            ..
        }) => None,
        Err(e) => return Err(e),
    };
    let text = edit(existing.as_deref())?;
    if existing.as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    let mode = std::fs::metadata(&target).ok().map(|m| m.permissions());
    // A rename would replace a read-only file; its owner made it read-only to keep it.
    if mode.as_ref().is_some_and(std::fs::Permissions::readonly) {
        return Err(cannot(&"the file is read-only"));
    }
    write_atomic(&target, text.as_bytes(), mode)
        .map_err(|e| Error::config(format!("cannot write {}: {e}", target.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &[(&str, &str)] = &[("login_session", "arn:aws:iam::1:user/a")];

    #[test]
    fn patterns_as_the_cli_reads_them() {
        assert_eq!(section_header("[default]\n"), Some("[default]"));
        assert_eq!(section_header("  [profile a] # x\n"), Some("  [profile a]"));
        assert_eq!(section_header("[]\n"), None);
        assert_eq!(section_header("x [a]\n"), None);
        assert_eq!(option_key("region = us-east-1\n"), Some("region"));
        assert_eq!(option_key("  s3 =\n"), Some("s3"));
        assert_eq!(
            option_key("# login_session = old\n"),
            Some("# login_session")
        );
        assert_eq!(option_key("a: b=c\n"), Some("a"));
        assert_eq!(option_key("=x: y\n"), Some("x"));
        assert_eq!(option_key("just words\n"), None);
        assert_eq!(option_key("\n"), None);
        assert!(matches_section("[profile a b]", "profile a b"));
        assert!(matches_section("[profile \"a b\"]", "profile a b"));
        assert!(!matches_section("[ profile a]", "profile a"));
        assert!(!matches_section("[profile a]", "default"));
    }

    #[test]
    fn replaces_in_place_and_keeps_everything_else() {
        let before = "# top\n[profile a]\nregion = eu-west-1  \nlogin_session = old ; c\n\
                      # login_session = older\n\n[profile b]\nx=1\n";
        let after = update(Some(before), "profile a", V);
        assert_eq!(
            after,
            "# top\n[profile a]\nregion = eu-west-1  \nlogin_session = arn:aws:iam::1:user/a\n\
             # login_session = older\n\n[profile b]\nx=1\n"
        );
        // Quoted headers, CRLF files, a missing final newline.
        let crlf = "[profile \"a\"]\r\nregion = x\r\n[default]\r\n";
        assert_eq!(
            update(Some(crlf), "profile a", V),
            "[profile \"a\"]\r\nregion = x\r\nlogin_session = arn:aws:iam::1:user/a\r\n[default]\r\n"
        );
    }

    #[test]
    fn inserts_where_the_cli_does() {
        // After the last option of a section followed by another section.
        assert_eq!(
            update(Some("[default]\na = 1\n\n# c\n[profile b]\n"), "default", V),
            "[default]\na = 1\nlogin_session = arn:aws:iam::1:user/a\n\n# c\n[profile b]\n"
        );
        // At the end of the file: two lines past the last option (the CLI's quirk).
        assert_eq!(
            update(Some("[default]\na = 1\n\n\n"), "default", V),
            "[default]\na = 1\n\nlogin_session = arn:aws:iam::1:user/a\n\n"
        );
        assert_eq!(
            update(Some("[default]\na = 1"), "default", V),
            "[default]\na = 1\nlogin_session = arn:aws:iam::1:user/a\n"
        );
        assert_eq!(
            update(Some("[default]\n"), "default", V),
            "[default]\nlogin_session = arn:aws:iam::1:user/a\n"
        );
        // A commented-out header is not the section; a missing section is appended.
        assert_eq!(
            update(
                Some("#[profile a]\nx = 1"),
                "profile a",
                &[("k", "v"), ("r", "s")]
            ),
            "#[profile a]\nx = 1\n[profile a]\nk = v\nr = s\n"
        );
        assert_eq!(
            update(None, "default", V),
            "[default]\nlogin_session = arn:aws:iam::1:user/a\n"
        );
        assert_eq!(update(Some(""), "default", &[]), "[default]\n");
    }

    #[test]
    fn files_keep_their_mode_and_links() {
        let dir = std::env::temp_dir().join(format!(
            "sts-config-writer-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        let path = dir.join("sub").join("config");
        update_file(&path, "profile a", V).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[profile a]\nlogin_session = arn:aws:iam::1:user/a\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            let link = dir.join("link");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            update_file(&link, "profile a", &[("region", "eu-west-1")]).unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(mode(&path), 0o640);
            assert!(
                std::fs::read_to_string(&path)
                    .unwrap()
                    .ends_with("region = eu-west-1\n")
            );
        }
        let e = update_file(&path, "profile a", &[("k", "marker\nx")]).unwrap_err();
        assert!(!e.to_string().contains("marker"), "{e}");
        // Any control character: an ESC or BEL would reach every terminal that shows the file.
        let before = std::fs::read_to_string(&path).unwrap();
        for bad in ["a\u{1b}]0;x\u{7}", "a\rb", "a\u{9b}2J", "a\tb"] {
            let e = update_file(&path, "profile a", &[("login_session", bad)]).unwrap_err();
            assert!(e.to_string().contains("control characters"), "{e}");
            assert!(update_file(&path, &format!("profile {bad}"), V).is_err());
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sections_are_removed_up_to_their_last_option() {
        let text = "# top\n[profile a]\nx = 1\n\n[profile gen]\n# note\nk = v\nsts = y\n\n\
                    # about b\n[profile b]\ny = 2\n";
        assert_eq!(
            remove_section(text, "profile gen").unwrap(),
            "# top\n[profile a]\nx = 1\n\n\n# about b\n[profile b]\ny = 2\n"
        );
        // The last section, CRLF, a quoted header, a header with no options.
        assert_eq!(
            remove_section("[a]\r\nx = 1\r\n[profile \"g\"]\r\nk = v\r\n", "profile g").unwrap(),
            "[a]\r\nx = 1\r\n"
        );
        assert_eq!(
            remove_section("[profile g]\n[b]\n", "profile g").unwrap(),
            "[b]\n"
        );
        // A commented-out header is not the section; a missing one is `None`.
        assert_eq!(remove_section("#[profile g]\nk = v\n", "profile g"), None);
        assert_eq!(remove_section("[profile gg]\n", "profile g"), None);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_files_dangling_links_and_locked_directories_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!(
            "sts-config-edit-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(&path, "[default]\nregion = x\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        let e = update_file(&path, "default", V).unwrap_err().to_string();
        assert!(e.contains("read-only"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[default]\nregion = x\n"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        // A symlink to nothing: not replaced by a file.
        let link = dir.join("dangling");
        std::os::unix::fs::symlink(dir.join("nowhere"), &link).unwrap();
        let e = update_file(&link, "default", V).unwrap_err().to_string();
        assert!(e.contains("symlink"), "{e}");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A directory that refuses the temp file: an error, the file as it was, nothing left.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        let locked = update_file(&path, "default", V);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        // (root ignores the mode: then the write goes through.)
        if let Err(e) = locked {
            assert!(e.to_string().contains("cannot write"), "{e}");
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                "[default]\nregion = x\n"
            );
            assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        }
        // An edit that fails leaves the file alone.
        let before = std::fs::read_to_string(&path).unwrap();
        assert!(edit_file(&path, |_| Err(Error::config("no"))).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
