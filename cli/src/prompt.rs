//! Asking the user: a line on the terminal (`/dev/tty`, with echo off for secrets), the key
//! store's passphrase.
//!
//! Echo is turned off with `stty -echo` run on the terminal itself (no `unsafe` termios call in
//! the program) and turned back on when the answer is read, or the read fails.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use sts_blocking::{Error, SecretString};
use zeroize::Zeroizing;

/// The terminal, for reading and writing, if there is one.
pub(crate) fn terminal() -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// Runs `stty ARGS` on `tty`; its standard output (for `-g`).
fn stty(tty: &File, args: &[&str]) -> Option<String> {
    let out = Command::new("stty")
        .args(args)
        .stdin(Stdio::from(tty.try_clone().ok()?))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Puts the terminal's settings back as they were (echo on) when dropped.
struct Restore<'a> {
    tty: &'a File,
    saved: Option<String>,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        match self.saved.as_deref() {
            Some(saved) => stty(self.tty, &[saved]),
            None => stty(self.tty, &["echo"]),
        };
    }
}

/// Writes `prompt` to the terminal and reads a line (without its line end); with `echo` off the
/// typed text is not shown.
///
/// # Errors
/// [`Error::Config`] saying there is no terminal (`why_needed` says what the answer was for).
pub(crate) fn ask(prompt: &str, echo: bool, why_needed: &str) -> Result<Zeroizing<String>, Error> {
    let no_tty = |e: std::io::Error| {
        Error::config(format!(
            "{why_needed}, but there is no terminal to ask on ({e})"
        ))
    };
    let tty = terminal().map_err(no_tty)?;
    let mut out = &tty;
    out.write_all(prompt.as_bytes()).map_err(no_tty)?;
    out.flush().map_err(no_tty)?;
    let restore = if echo {
        None
    } else {
        let saved = stty(&tty, &["-g"]);
        stty(&tty, &["-echo"]);
        Some(Restore { tty: &tty, saved })
    };
    let mut line = Zeroizing::new(String::new());
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    drop(restore);
    if !echo {
        let _ = out.write_all(b"\n");
    }
    read.map_err(no_tty)?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_owned());
    Ok(trimmed)
}

/// The key store's passphrase: `STS_KEYS_PASSPHRASE`, else asked on the terminal (twice for a new
/// store, `confirm`).
///
/// # Errors
/// No terminal and no variable; two different answers.
pub(crate) fn passphrase(store: &str, confirm: bool) -> Result<SecretString, Error> {
    if let Ok(p) = std::env::var("STS_KEYS_PASSPHRASE")
        && !p.is_empty()
    {
        return Ok(SecretString::from(p));
    }
    let why = format!("the key store {store} needs its passphrase (or set STS_KEYS_PASSPHRASE)");
    let first = ask(
        &format!("Enter the passphrase of the key store {store}: "),
        false,
        &why,
    )?;
    if confirm {
        let again = ask("Enter it again: ", false, &why)?;
        if *again != *first {
            return Err(Error::config(
                "the two passphrases differ: nothing was changed",
            ));
        }
    }
    Ok(SecretString::new(first.as_str()))
}

/// The `--prompt` drivers (aws-vault's): where an MFA code is asked when a profile has no
/// `mfa_process`.
pub(crate) const DRIVERS: &[&str] = &["terminal", "ykman", "zenity", "kdialog", "osascript"];

/// What MFA prompts use: `--prompt` (or `STS_PROMPT`), and the profiles (for `mfa_process`).
#[derive(Debug, Default)]
struct MfaConfig {
    driver: Option<String>,
    profiles: Option<(
        std::sync::Arc<sts_blocking::credentials::ProfileSet>,
        String,
    )>,
}

static MFA: std::sync::Mutex<MfaConfig> = std::sync::Mutex::new(MfaConfig {
    driver: None,
    profiles: None,
});

fn config() -> std::sync::MutexGuard<'static, MfaConfig> {
    MFA.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sets the driver: `--prompt`, else `STS_PROMPT`.
pub(crate) fn set_driver(flag: Option<&str>) {
    config().driver = flag
        .map(str::to_owned)
        .or_else(|| std::env::var("STS_PROMPT").ok())
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
}

/// Sets the profiles `mfa_process` is looked up in, and the selected one.
pub(crate) fn set_profiles(
    profiles: std::sync::Arc<sts_blocking::credentials::ProfileSet>,
    selected: &str,
) {
    config().profiles = Some((profiles, selected.to_owned()));
}

/// The `mfa_process` for a code of `serial`: the profile that names `serial` as its
/// `mfa_serial` (else the selected profile), or the first of its `source_profile`s that has one,
/// as aws-vault inherits it.
fn mfa_process(serial: &str) -> Option<String> {
    let cfg = config();
    let (set, selected) = cfg.profiles.as_ref()?;
    let start = set
        .profiles()
        .iter()
        .find(|(_, p)| p.get_nonempty("mfa_serial").map(str::trim) == Some(serial))
        .map_or_else(|| selected.clone(), |(n, _)| n.clone());
    let mut name = start;
    for _ in 0..32 {
        let p = set.profile(&name)?;
        if let Some(cmd) = p.get_nonempty("mfa_process") {
            return Some(cmd.trim().to_owned());
        }
        let next = p.get_nonempty("source_profile")?.trim().to_owned();
        if next == name {
            return None;
        }
        name = next;
    }
    None
}

/// Whether asking a code for `serial` would read the terminal (no `mfa_process`, no other
/// driver).
pub(crate) fn needs_terminal(serial: &str) -> bool {
    mfa_process(serial).is_none() && config().driver.as_deref().is_none_or(|d| d == "terminal")
}

/// The first line a command printed, trimmed (the code).
fn code_from(out: &[u8]) -> String {
    String::from_utf8_lossy(out)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// An AppleScript string literal.
fn applescript_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// An MFA code for `serial`: from the profile's `mfa_process` (its standard output), else the
/// driver (`--prompt`, `STS_PROMPT`), else the terminal; without a terminal, an error that names
/// both ways to go without one.
///
/// # Errors
/// The command's or driver's failure; no terminal and nothing configured.
pub(crate) fn mfa_code(serial: &str) -> Result<String, Error> {
    use std::ffi::OsString;
    let run = |program: &str, args: Vec<OsString>| -> Result<String, Error> {
        let out = crate::keys::backend::run(program, &args, None, &[])?;
        Ok(code_from(&out.stdout))
    };
    if let Some(cmd) = mfa_process(serial) {
        return run("sh", vec!["-c".into(), cmd.into()])
            .map_err(|e| Error::config(format!("mfa_process for {serial}: {e}")));
    }
    let driver = config().driver.clone();
    let text = format!("Enter MFA code for {serial}");
    match driver.as_deref() {
        None | Some("terminal") => {
            let why = format!(
                "an MFA code is needed for {serial} (without a terminal, set mfa_process in the \
                 profile: a command whose output is the code; or pass --prompt \
                 ykman|zenity|kdialog|osascript, or set STS_PROMPT)"
            );
            ask(&format!("{text}: "), true, &why).map(|c| c.trim().to_owned())
        }
        Some("ykman") => {
            let name = std::env::var("YKMAN_OATH_CREDENTIAL_NAME")
                .ok()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| serial.to_owned());
            let mut args: Vec<OsString> = Vec::new();
            if let Ok(device) = std::env::var("YKMAN_OATH_DEVICE_SERIAL")
                && !device.trim().is_empty()
            {
                args.extend(["--device".into(), device.trim().into()]);
            }
            args.extend(["oath", "accounts", "code", "--single"].map(OsString::from));
            args.push(name.into());
            run("ykman", args)
        }
        Some("zenity") => run(
            "zenity",
            ["--entry", "--title", "sts", "--text", &text]
                .map(OsString::from)
                .to_vec(),
        ),
        Some("kdialog") => run(
            "kdialog",
            ["--inputbox", &text, "--title", "sts"]
                .map(OsString::from)
                .to_vec(),
        ),
        Some("osascript") => run(
            "osascript",
            vec![
                "-e".into(),
                format!(
                    "text returned of (display dialog {} default answer \"\" with title \"sts\" \
                     with hidden answer)",
                    applescript_string(&text)
                )
                .into(),
            ],
        ),
        Some(other) => Err(Error::config(format!(
            "unknown MFA prompt {other:?}: one of {}",
            DRIVERS.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_codes() {
        assert_eq!(applescript_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(code_from(b" 123456 \nextra"), "123456");
        assert_eq!(code_from(b""), "");
    }
}
