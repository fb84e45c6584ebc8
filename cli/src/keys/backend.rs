//! Where keys are kept: the encrypted file of [`super::store`], or a platform's secret tool run as
//! a child process (`pass`, `secret-tool` for the Secret Service, macOS `security` for the
//! Keychain, `op` for 1Password).
//!
//! A secret goes to a tool on its standard input and comes back on its standard output, never in
//! its arguments or its environment: the child loses the variables that may hold one
//! ([`SCRUBBED`]). A tool that is missing, hangs ([`timeout`]), prints too much or prints
//! garbage is a clear error naming it; its error output is shown without any secret sent to it.

use super::format::{decode, encode};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use sts_blocking::{Error, SecretString};
use zeroize::Zeroizing;

/// A place keys are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// The encrypted store file itself.
    File,
    /// `pass` (the standard Unix password manager, gpg-encrypted files).
    Pass,
    /// The Secret Service (GNOME Keyring, KeePassXC...) through `secret-tool`.
    SecretService,
    /// The macOS Keychain through `security`.
    Keychain,
    /// 1Password through `op`.
    OnePassword,
}

/// Every backend's name, as `--backend` takes it.
pub(crate) const NAMES: &[&str] = &["file", "pass", "secret-service", "keychain", "op"];

/// What the items are called in the tools (pass's folder, the Secret Service attribute, the
/// Keychain service, 1Password's title prefix).
pub(crate) const SERVICE: &str = "sts-keys";

/// Variables a tool never inherits: they may hold a secret (`sts keys add --env` reads the keys
/// from them; the passphrases unlock stores).
pub(crate) const SCRUBBED: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "STS_KEYS_PASSPHRASE",
    "AWS_VAULT_FILE_PASSPHRASE",
];

/// The most a tool may print on either stream (an item is a line).
const MAX_OUTPUT: u64 = 64 * 1024;

impl Backend {
    /// The backend called `name` (one of [`NAMES`]).
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "file" => Self::File,
            "pass" => Self::Pass,
            "secret-service" => Self::SecretService,
            "keychain" => Self::Keychain,
            "op" => Self::OnePassword,
            _ => return None,
        })
    }

    /// Its name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Pass => "pass",
            Self::SecretService => "secret-service",
            Self::Keychain => "keychain",
            Self::OnePassword => "op",
        }
    }

    /// The default where nothing chooses: the Keychain on macOS, the Secret Service where a
    /// session bus and `secret-tool` are there, else the file.
    pub(crate) fn default_here(env: &dyn Fn(&str) -> Option<String>) -> Self {
        if cfg!(target_os = "macos") {
            return Self::Keychain;
        }
        let bus = env("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        if bus && on_path("secret-tool", env) {
            Self::SecretService
        } else {
            Self::File
        }
    }
}

/// Whether `program` is an executable file in a directory of `PATH`.
fn on_path(program: &str, env: &dyn Fn(&str) -> Option<String>) -> bool {
    let Some(path) = env("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|d| {
        let p = d.join(program);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        p.is_file()
    })
}

/// How long a tool may take: `STS_KEYS_TOOL_TIMEOUT` seconds (1 to 3600), else 120 (a tool may
/// wait for the user: a gpg pinentry, a biometric prompt).
pub(crate) fn timeout() -> Duration {
    std::env::var("STS_KEYS_TOOL_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .map_or(Duration::from_secs(120), Duration::from_secs)
}

/// The one-line item every tool keeps: `sts-keys-v1 <access key id> <secret>`, both
/// percent-encoded (as the store file encodes them).
pub(crate) fn item(access_key_id: &str, secret: &SecretString) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "sts-keys-v1 {} {}",
        encode(access_key_id),
        encode(secret.expose())
    ))
}

/// Reads an [`item`] from what a tool printed (the first line; `pass` may add more).
pub(crate) fn parse_item(tool: &str, out: &[u8]) -> Result<(String, SecretString), Error> {
    let garbage = || {
        Error::config(format!(
            "{tool} printed something that is not an sts keys item: the item was changed or \
             written by another program"
        ))
    };
    let text = std::str::from_utf8(out).map_err(|_| garbage())?;
    let line = text.lines().next().unwrap_or_default();
    let mut fields = line.split(' ');
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some("sts-keys-v1"), Some(id), Some(secret), None) => {
            let id = decode(id).filter(|i| !i.is_empty()).ok_or_else(garbage)?;
            let secret = decode(secret)
                .filter(|s| !s.is_empty())
                .ok_or_else(garbage)?;
            Ok((id, SecretString::from(secret)))
        }
        _ => Err(garbage()),
    }
}

/// What a tool printed on standard output (zeroed on drop: it may be a secret).
pub(crate) struct Output {
    /// Standard output.
    pub stdout: Zeroizing<Vec<u8>>,
}

/// Text a tool printed, shown in an error: the secrets it was given removed, control characters
/// escaped, at most 300 characters.
fn shown(bytes: &[u8], secrets: &[&str]) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    // The longest first: an item holds the secret, and must go whole.
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets {
        text = text.replace(s, "** redacted **");
    }
    let mut out = String::new();
    for c in text.trim().chars().take(300) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads at most [`MAX_OUTPUT`] + 1 bytes of `r` on a thread.
fn reader(r: impl Read + Send + 'static) -> std::thread::JoinHandle<Zeroizing<Vec<u8>>> {
    std::thread::spawn(move || {
        let mut buf = Zeroizing::new(Vec::new());
        let _ = r.take(MAX_OUTPUT + 1).read_to_end(&mut buf);
        buf
    })
}

/// Runs `program args...`, writes `input` to its standard input (then closes it) and returns
/// what it printed, within [`timeout`]. `secrets` are kept out of every message (the input's,
/// and any the tool should print). The child's environment loses [`SCRUBBED`].
///
/// # Errors
/// [`Error::Config`] naming the tool: not installed, killed after the timeout, failed (with its
/// error output), printed more than 64 KiB.
pub(crate) fn run(
    program: &str,
    args: &[OsString],
    input: Option<&[u8]>,
    secrets: &[&str],
) -> Result<Output, Error> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for k in SCRUBBED {
        cmd.env_remove(k);
    }
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::config(format!(
                "`{program}` is not installed (not found on PATH): install it, or choose another \
                 backend with --backend or STS_KEYS_BACKEND"
            ))
        } else {
            Error::config(format!("cannot run `{program}`: {e}"))
        }
    })?;
    let writer = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => {
            let bytes = Zeroizing::new(bytes.to_vec());
            // A tool that exits without reading is not an error here: its status says.
            Some(std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let limit = timeout();
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                // Our own child, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::config(format!(
                    "`{program}` did not finish within {} s and was stopped (set \
                     STS_KEYS_TOOL_TIMEOUT to wait longer)",
                    limit.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::config(format!("waiting for `{program}`: {e}"))),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let join = |h: Option<std::thread::JoinHandle<Zeroizing<Vec<u8>>>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    let stdout = join(out);
    let stderr = join(err);
    if stdout.len() as u64 > MAX_OUTPUT || stderr.len() as u64 > MAX_OUTPUT {
        return Err(Error::config(format!(
            "`{program}` printed more than {} KiB: not an item",
            MAX_OUTPUT / 1024
        )));
    }
    if !status.success() {
        let what = status
            .code()
            .map_or_else(|| "was killed".to_owned(), |c| format!("exited with {c}"));
        let said = shown(&stderr, secrets);
        return Err(Error::config(if said.is_empty() {
            format!("`{program}` {what}")
        } else {
            format!("`{program}` {what}: {said}")
        }));
    }
    Ok(Output { stdout })
}

/// Hex of `bytes` (the Keychain's `-X`).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Profile names the Keychain's command reader can take unquoted (the shared files' own rule).
fn keychain_safe(profile: &str) -> bool {
    !profile.is_empty()
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
}

/// A JSON string (for `op`'s item template).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// The 1Password vault (`STS_KEYS_OP_VAULT`), when one is named.
fn op_vault() -> Vec<OsString> {
    std::env::var("STS_KEYS_OP_VAULT")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| vec![OsString::from("--vault"), OsString::from(v.trim())])
        .unwrap_or_default()
}

fn op_title(profile: &str) -> String {
    format!("{SERVICE}/{profile}")
}

/// Stores `profile`'s keys in `backend`'s tool (replacing what it held).
///
/// # Errors
/// The tool's error ([`run`]).
pub(crate) fn store(
    backend: Backend,
    profile: &str,
    access_key_id: &str,
    secret: &SecretString,
) -> Result<(), Error> {
    let item = item(access_key_id, secret);
    let secrets = [secret.expose(), item.as_str()];
    let name = format!("{SERVICE}/{profile}");
    match backend {
        Backend::File => Err(Error::config("internal: the file backend runs no tool")),
        Backend::Pass => run(
            "pass",
            &os(&["insert", "--multiline", "--force", &name]),
            Some(format!("{}\n", item.as_str()).as_bytes()),
            &secrets,
        )
        .map(drop),
        Backend::SecretService => run(
            "secret-tool",
            &os(&[
                "store",
                &format!("--label=sts keys ({profile})"),
                "service",
                SERVICE,
                "profile",
                profile,
            ]),
            Some(item.as_bytes()),
            &secrets,
        )
        .map(drop),
        Backend::Keychain => {
            if !keychain_safe(profile) {
                return Err(Error::config(format!(
                    "the keychain backend takes profile names of letters, digits and -/.%@_:+ \
                     only, not {profile:?}"
                )));
            }
            // `security -i` reads the command from standard input: the data stays out of argv.
            let command = Zeroizing::new(format!(
                "add-generic-password -U -s {SERVICE} -a {profile} -l sts-keys/{profile} -X {}\n",
                hex(item.as_bytes())
            ));
            let hexed = hex(item.as_bytes());
            run(
                "security",
                &os(&["-i"]),
                Some(command.as_bytes()),
                &[secret.expose(), item.as_str(), &hexed],
            )
            .map(drop)
        }
        Backend::OnePassword => {
            let title = op_title(profile);
            let staging = format!("{title}.new");
            let template = Zeroizing::new(format!(
                "{{\"title\":{},\"category\":\"PASSWORD\",\"fields\":[{{\"id\":\"password\",\
                 \"type\":\"CONCEALED\",\"purpose\":\"PASSWORD\",\"label\":\"password\",\
                 \"value\":{}}}]}}",
                json_string(&staging),
                json_string(&item)
            ));
            let vault = op_vault();
            let mut create = os(&["item", "create"]);
            create.extend(vault.iter().cloned());
            create.push("-".into());
            // Written under a staging title, then the old item goes and the new one takes its
            // title: a failure before that leaves the old item as it was.
            run("op", &create, Some(template.as_bytes()), &secrets)?;
            if read(backend, profile).is_ok() {
                let mut delete = os(&["item", "delete", &title]);
                delete.extend(vault.iter().cloned());
                if let Err(e) = run("op", &delete, None, &secrets) {
                    let mut undo = os(&["item", "delete", &staging]);
                    undo.extend(vault.iter().cloned());
                    let _ = run("op", &undo, None, &secrets);
                    return Err(e);
                }
            }
            let mut rename = os(&["item", "edit", &staging, "--title", &title]);
            rename.extend(vault);
            run("op", &rename, None, &secrets).map(drop)
        }
    }
}

/// Reads `profile`'s keys from `backend`'s tool.
///
/// # Errors
/// The tool's error ([`run`]); an item that is not ours.
pub(crate) fn read(backend: Backend, profile: &str) -> Result<(String, SecretString), Error> {
    let name = format!("{SERVICE}/{profile}");
    let (tool, args) = match backend {
        Backend::File => return Err(Error::config("internal: the file backend runs no tool")),
        Backend::Pass => ("pass", os(&["show", &name])),
        Backend::SecretService => (
            "secret-tool",
            os(&["lookup", "service", SERVICE, "profile", profile]),
        ),
        Backend::Keychain => (
            "security",
            os(&["find-generic-password", "-s", SERVICE, "-a", profile, "-w"]),
        ),
        Backend::OnePassword => {
            let mut a = os(&[
                "item",
                "get",
                &op_title(profile),
                "--fields",
                "label=password",
                "--reveal",
            ]);
            a.extend(op_vault());
            ("op", a)
        }
    };
    let out = run(tool, &args, None, &[])?;
    parse_item(tool, &out.stdout)
}

/// Removes `profile`'s keys from `backend`'s tool.
///
/// # Errors
/// The tool's error ([`run`]).
pub(crate) fn remove(backend: Backend, profile: &str) -> Result<(), Error> {
    let name = format!("{SERVICE}/{profile}");
    let (tool, args) = match backend {
        Backend::File => return Err(Error::config("internal: the file backend runs no tool")),
        Backend::Pass => ("pass", os(&["rm", "--force", &name])),
        Backend::SecretService => (
            "secret-tool",
            os(&["clear", "service", SERVICE, "profile", profile]),
        ),
        Backend::Keychain => (
            "security",
            os(&["delete-generic-password", "-s", SERVICE, "-a", profile]),
        ),
        Backend::OnePassword => {
            let mut a = os(&["item", "delete", &op_title(profile)]);
            a.extend(op_vault());
            ("op", a)
        }
    };
    run(tool, &args, None, &[]).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in NAMES {
            assert_eq!(Backend::parse(n).map(Backend::name), Some(*n));
        }
        assert_eq!(Backend::parse("wincred"), None);
    }

    #[test]
    fn items_round_trip_and_garbage_is_refused() {
        let s = SecretString::new("wJalr/K7+MDENG=");
        let it = item("AKIAEXAMPLE", &s);
        let (id, back) =
            parse_item("pass", format!("{}\nextra\n", it.as_str()).as_bytes()).unwrap();
        assert_eq!(
            (id.as_str(), back.expose()),
            ("AKIAEXAMPLE", "wJalr/K7+MDENG=")
        );
        for bad in [
            &b""[..],
            b"hunter2",
            b"sts-keys-v1 AKIA",
            b"sts-keys-v1 AKIA s extra",
            b"sts-keys-v1  s",
            b"\xff\xfe",
        ] {
            let e = parse_item("pass", bad).unwrap_err().to_string();
            assert!(e.contains("not an sts keys item"), "{e}");
        }
    }

    #[test]
    fn shown_text_hides_secrets_and_controls() {
        let s = shown(b"error: bad item sekrit\x1b[31m\n", &["sekrit"]);
        assert_eq!(s, "error: bad item ** redacted **\\u{1b}[31m");
    }

    #[test]
    fn json_strings_escape() {
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
