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
