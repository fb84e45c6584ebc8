//! Opening a URL in the user's browser with the platform's opener: `xdg-open` (Linux and other
//! Unix systems), `open` (macOS), `rundll32 url.dll,FileProtocolHandler` (Windows: `start`
//! without `cmd`'s parsing of `&`). The URL is passed as one argument, never through a shell.

use std::process::{Command, Stdio};

/// The opener program and its leading arguments.
fn opener() -> (&'static str, &'static [&'static str]) {
    if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("rundll32", &["url.dll,FileProtocolHandler"])
    } else {
        ("xdg-open", &[])
    }
}

/// Opens `url`; `Err` says why it could not (the opener is missing or failed). The URL is not
/// part of the error.
pub(crate) fn open(url: &str) -> Result<(), String> {
    let (program, args) = opener();
    let status = Command::new(program)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} failed ({status})"))
    }
}
