//! Opening a URL in the user's browser with the platform's opener: `xdg-open` (Linux and other
//! Unix systems), `open` (macOS), `rundll32 url.dll,FileProtocolHandler` (Windows: `start`
//! without `cmd`'s parsing of `&`), never through a shell.
//!
//! The openers take what they open on their command line, which every user of the machine can
//! read (`ps`, `/proc/<pid>/cmdline`). [`open`] is for URLs without secrets (`sts login`'s
//! authorize URL). [`open_private`] is for a URL that is a credential (`sts console`'s sign-in
//! URL with its `SigninToken`): it writes a small page that sends the browser on to the URL into
//! a new directory of the temporary directory (created `0700`, the page `0600` and exclusively,
//! so another user can neither read it nor put one there first), and opens that page's path. A
//! remover started before the opener (in its own process group, so that Ctrl-C does not stop
//! it) deletes the page [`PAGE_LIFETIME`] later, after the browser has read it, whether `sts`
//! is still running or not; when the opener fails, the page is deleted at once. (A browser
//! confined away from the temporary directory, as a snap or flatpak may be, cannot read the
//! page: `sts console --print` prints the URL instead.)

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long the private page stays: long enough for a browser that starts cold to read it.
pub(crate) const PAGE_LIFETIME: Duration = Duration::from_secs(60);

/// Where no remover can be started (Windows), how long `sts` itself waits after the opener
/// returned before it deletes the page.
const WAIT_IN_PROCESS: Duration = Duration::from_secs(10);

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

/// Runs the opener on `target`; `Err` says why it could not (the opener is missing or failed).
/// The target is not part of the error.
fn run_opener(target: &std::ffi::OsStr) -> Result<(), String> {
    let (program, args) = opener();
    let status = Command::new(program)
        .args(args)
        .arg(target)
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

/// Opens `url`, which must hold no secret: it is on the opener's command line.
pub(crate) fn open(url: &str) -> Result<(), String> {
    run_opener(url.as_ref())
}

/// Opens `url`, a credential, without putting it on any command line (see the module docs).
/// `Err` says why it could not; neither the URL nor the page's contents are part of it.
pub(crate) fn open_private(url: &str) -> Result<(), String> {
    let page = Page::write(&std::env::temp_dir(), url)?;
    let scheduled = page.remove_after(PAGE_LIFETIME);
    match run_opener(page.file.as_os_str()) {
        Ok(()) => {
            if !scheduled {
                // No remover of its own: this process waits for the browser, then removes it.
                std::thread::sleep(WAIT_IN_PROCESS);
                page.remove();
            }
            Ok(())
        }
        Err(why) => {
            page.remove();
            Err(why)
        }
    }
}

/// `text` for HTML text and attribute values: `& < > " '` as character references.
pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page that sends the browser on to `url` at once: a meta refresh, a script for browsers
/// that block it from `file:` pages, and a link for those without either. Nothing is loaded from
/// elsewhere, and the sign-in page gets no `Referer` from a `file:` page.
fn redirect_page(url: &str) -> String {
    let u = html_escape(url);
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={u}\"><title>sts console</title></head>\
         <body><p><a id=\"go\" href=\"{u}\">Open the AWS console</a></p>\
         <script>location.replace(document.getElementById(\"go\").href)</script></body></html>\n"
    )
}

/// A private page on disk: its file and the directory made for it.
struct Page {
    dir: PathBuf,
    file: PathBuf,
}

impl Page {
    /// Writes the redirect page for `url` into a new private directory of `parent`.
    fn write(parent: &Path, url: &str) -> Result<Self, String> {
        let dir = private_dir(parent)?;
        let file = dir.join("console.html");
        let page = Self { dir, file };
        if let Err(e) = write_new(&page.file, redirect_page(url).as_bytes()) {
            page.remove();
            return Err(format!("could not write the sign-in page: {e}"));
        }
        Ok(page)
    }

    /// Deletes the page and its directory now.
    fn remove(&self) {
        let _ = std::fs::remove_file(&self.file);
        let _ = std::fs::remove_dir(&self.dir);
    }

    /// Starts the removal of the page and its directory `after` from now, whether this process
    /// still runs then or not: a `sh` of its own process group (Ctrl-C in the terminal does not
    /// reach it) that leaves a background sleeper and exits at once. `false` when none could be
    /// started (and on systems without `sh`).
    #[cfg(unix)]
    fn remove_after(&self, after: Duration) -> bool {
        use std::os::unix::process::CommandExt;
        Command::new("/bin/sh")
            .arg("-c")
            .arg("(sleep \"$1\"; rm -f -- \"$2\"; rmdir -- \"$3\") >/dev/null 2>&1 &")
            .arg("sh")
            .arg(after.as_secs().to_string())
            .arg(&self.file)
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .status()
            .is_ok_and(|s| s.success())
    }

    #[cfg(not(unix))]
    fn remove_after(&self, _after: Duration) -> bool {
        false
    }
}

/// A new directory in `parent` that only this user can enter: `sts-console-<random>`, made with
/// mode `0700` (an existing name, someone else's, is never reused).
fn private_dir(parent: &Path) -> Result<PathBuf, String> {
    use ring::rand::SecureRandom;
    let rng = ring::rand::SystemRandom::new();
    let mut last = String::new();
    for _ in 0..8 {
        let mut b = [0u8; 12];
        rng.fill(&mut b)
            .map_err(|_| "no secure random numbers".to_owned())?;
        let name = format!("sts-console-{}", URL_SAFE_NO_PAD.encode(b));
        let dir = parent.join(name);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = e.to_string(),
            Err(e) => {
                return Err(format!(
                    "could not make a private directory in {}: {e}",
                    parent.display()
                ));
            }
        }
    }
    Err(format!(
        "could not make a private directory in {}: {last}",
        parent.display()
    ))
}

/// Creates `path` (it must not exist: never a file or link someone put there) with mode `0600`
/// and writes `bytes`.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_the_url_and_are_private() {
        let url = "https://signin.aws.amazon.com/federation?Action=login&Destination=x%22&SigninToken=a\"<b>'";
        let page = redirect_page(url);
        assert!(page.contains(
            "href=\"https://signin.aws.amazon.com/federation?Action=login&amp;Destination=x%22&amp;SigninToken=a&quot;&lt;b&gt;&#39;\""
        ));
        assert!(!page.contains("a\"<b>"));
        let parent = std::env::temp_dir();
        let p = Page::write(&parent, url).unwrap();
        assert!(p.file.starts_with(&p.dir) && p.dir.parent() == Some(parent.as_path()));
        assert_eq!(std::fs::read_to_string(&p.file).unwrap(), page);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!((mode(&p.dir), mode(&p.file)), (0o700, 0o600));
        }
        // Never over an existing file (one someone else put there).
        assert!(write_new(&p.file, b"x").is_err());
        assert_eq!(std::fs::read_to_string(&p.file).unwrap(), page);
        p.remove();
        assert!(!p.dir.exists());
    }

    #[cfg(unix)]
    #[test]
    fn pages_are_removed_later_without_waiting() {
        let p = Page::write(&std::env::temp_dir(), "https://example.com/").unwrap();
        let t0 = std::time::Instant::now();
        assert!(p.remove_after(Duration::from_secs(3)));
        // The remover runs on its own: starting it takes milliseconds, not its 3 seconds.
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "waited {:?}",
            t0.elapsed()
        );
        assert!(p.file.exists(), "removed before the browser could read it");
        let until = t0 + Duration::from_secs(30);
        while p.dir.exists() && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!p.dir.exists(), "still there after {:?}", t0.elapsed());
    }
}
