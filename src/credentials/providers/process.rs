//! [`ProcessProvider`]: `credential_process`, run the way the AWS CLI runs it.
//!
//! The command line is split with POSIX shell quoting rules (Python's `shlex.split`, which the AWS CLI
//! uses on Unix) and run directly, without a shell; on Windows it is run through `cmd.exe /C`. Standard
//! output must be the JSON document `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?,
//! "Expiration"?, "AccountId"?}`. Neither the command's arguments nor its output are ever logged or put
//! into an error.

use crate::credentials::providers::env_vars::parse_rfc3339;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::error::{CredentialsError, TimeoutPhase};
use crate::json::{self, Value};
use crate::{Error, SecretString};
use std::fmt;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The default time a process may take: 60 s (as the Go SDK).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Cap on what is read from the process's stdout and stderr (each): 1 MiB.
pub const MAX_OUTPUT: usize = 1024 * 1024;

/// How long the pipes may stay open after the process has exited before what arrived is used
/// (a background child of the process may keep them open).
pub const EXIT_GRACE: Duration = Duration::from_millis(200);

/// A `credential_process` command line. `Debug` shows only the program, never the arguments.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandLine(String);

impl CommandLine {
    /// Wraps a command line as written in the profile.
    pub fn new(line: impl Into<String>) -> Self {
        Self(line.into())
    }

    /// The command line as written (do not log it: arguments may hold secrets).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The program name (first word), for messages.
    #[must_use]
    pub fn program(&self) -> String {
        split_command_line(&self.0)
            .ok()
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default()
    }
}

impl fmt::Debug for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CommandLine({:?} ** arguments redacted **)",
            self.program()
        )
    }
}

/// Splits a command line like Python's `shlex.split` (POSIX mode, no comments).
///
/// ```
/// use sts_blocking::__private::credentials::process::split_command_line;
/// assert_eq!(split_command_line(r#"a 'b c' "d \"e\" \z" f\ g ''"#).unwrap(),
///            vec!["a", "b c", r#"d "e" \z"#, "f g", ""]);
/// ```
///
/// # Errors
/// An unclosed quote or a trailing backslash.
pub fn split_command_line(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_token {
                    out.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            '\'' => {
                in_token = true;
                loop {
                    match chars.next() {
                        None => return Err("No closing quotation".to_owned()),
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next() {
                        None => return Err("No closing quotation".to_owned()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            None => return Err("No closing quotation".to_owned()),
                            Some(c @ ('"' | '\\')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                        },
                        Some(c) => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_token = true;
                match chars.next() {
                    None => return Err("No escaped character".to_owned()),
                    Some(c) => cur.push(c),
                }
            }
            c => {
                in_token = true;
                cur.push(c);
            }
        }
    }
    if in_token {
        out.push(cur);
    }
    Ok(out)
}

/// Runs a `credential_process` command and parses its output, the way the AWS CLI runs it.
///
/// The command line is split with POSIX shell quoting rules (Python's `shlex.split`, which the AWS
/// CLI uses on Unix) and run directly, without a shell; on Windows it is run through `cmd.exe /C`.
/// Standard output must be the JSON document `{"Version": 1, "AccessKeyId", "SecretAccessKey",
/// "SessionToken"?, "Expiration"?, "AccountId"?}`. Neither the command's arguments nor its output
/// are ever logged or put into an error. The command runs on every call: wrap the provider in a
/// [`CachedProvider`](crate::credentials::CachedProvider) to run it again only near expiry.
///
/// ```
/// use sts_blocking::credentials::{CachedProvider, ProcessProvider, ProvideCredentials};
/// use std::sync::Arc;
/// use std::time::Duration;
/// # if cfg!(unix) {
/// let process = ProcessProvider::new(
///     r#"echo '{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "s3cr3t"}'"#,
/// )
/// .timeout(Duration::from_secs(10));
/// let cached = CachedProvider::new(Arc::new(process));
/// assert_eq!(cached.provide_credentials()?.access_key_id, "AKIDEXAMPLE");
/// # }
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProcessProvider {
    command: CommandLine,
    timeout: Duration,
    account_id: Option<String>,
    name: String,
}

impl ProcessProvider {
    /// A provider for `command` with the default 60 s timeout.
    pub fn new(command: impl Into<String>) -> Self {
        Self {
            command: CommandLine::new(command),
            timeout: DEFAULT_TIMEOUT,
            account_id: None,
            name: "credential_process".to_owned(),
        }
    }

    /// A provider from a planned command line.
    #[must_use]
    pub(crate) fn from_command(command: CommandLine) -> Self {
        Self {
            command,
            ..Self::new(String::new())
        }
    }

    /// How long the process may run before it is killed (default 60 s; a duration too large to
    /// add to the current time means no limit).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The account id to use when the output has no `AccountId` (the profile's `aws_account_id`).
    #[must_use]
    pub fn account_id(mut self, account_id: Option<String>) -> Self {
        self.account_id = account_id;
        self
    }

    /// The name used in errors (default `credential_process`; e.g. `profile:dev`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    fn err(&self, message: impl Into<String>) -> Error {
        CredentialsError::new(self.name.clone(), message).into()
    }

    fn command(&self) -> Result<Command, Error> {
        if cfg!(windows) {
            let mut c = Command::new("cmd.exe");
            c.arg("/C").arg(self.command.expose());
            return Ok(c);
        }
        let argv = split_command_line(self.command.expose())
            .map_err(|e| self.err(format!("credential_process could not be split: {e}")))?;
        let Some((prog, args)) = argv.split_first() else {
            return Err(self.err("credential_process is empty"));
        };
        let mut c = Command::new(prog);
        c.args(args);
        Ok(c)
    }

    /// Runs the process and returns its stdout, or an error with its exit status and stderr.
    ///
    /// Output is collected as it arrives. Once the process has exited, the pipes get
    /// [`EXIT_GRACE`] to reach end-of-file; a background child that inherited them and keeps them
    /// open does not hold the answer back (what the process printed is parsed). Each pipe is
    /// capped at [`MAX_OUTPUT`] bytes; more is an error, and the pipe is closed.
    fn run(&self) -> Result<Vec<u8>, Error> {
        let mut cmd = self.command()?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| {
            self.err(format!(
                "could not start credential_process `{}`: {e}",
                self.command.program()
            ))
        })?;
        // No deadline when the timeout is too large to add to now.
        let deadline = Instant::now().checked_add(self.timeout);
        let (tx, rx) = mpsc::channel::<()>();
        let stdout = Arc::new(Captured::default());
        let stderr = Arc::new(Captured::default());
        let pipes: [(Option<Pipe>, &Arc<Captured>); 2] = [
            (child.stdout.take().map(|p| Box::new(p) as Pipe), &stdout),
            (child.stderr.take().map(|p| Box::new(p) as Pipe), &stderr),
        ];
        let mut readers = 0;
        for (pipe, captured) in pipes {
            if let Some(pipe) = pipe {
                let (tx, captured) = (tx.clone(), Arc::clone(captured));
                readers += 1;
                std::thread::spawn(move || {
                    captured.read_from(pipe);
                    let _ = tx.send(());
                });
            }
        }
        drop(tx);
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) => {}
                Err(e) => return Err(self.err(format!("waiting for credential_process: {e}"))),
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                let _ = child.kill();
                let _ = child.wait();
                log::warn!(
                    "credential_process `{}` killed after {:?}",
                    self.command.program(),
                    self.timeout
                );
                return Err(Error::Timeout {
                    phase: TimeoutPhase::CredentialProvider,
                    limit: Some(self.timeout),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The process has exited: give its pipes a moment to reach end-of-file, not more (a
        // background child may hold them open for as long as it runs).
        let grace_end = Instant::now() + EXIT_GRACE;
        for _ in 0..readers {
            if rx
                .recv_timeout(grace_end.saturating_duration_since(Instant::now()))
                .is_err()
            {
                break;
            }
        }
        let (stdout, stdout_over) = stdout.take();
        let (stderr, _) = stderr.take();
        if stdout_over {
            return Err(self.err(format!(
                "credential_process output is larger than the {MAX_OUTPUT}-byte limit"
            )));
        }
        if !status.success() {
            let stderr = String::from_utf8_lossy(&stderr);
            let stderr: String = stderr.trim().chars().take(2000).collect();
            let code = status
                .code()
                .map_or_else(|| "a signal".to_owned(), |c| format!("code {c}"));
            // botocore's words; its message is the process's standard error alone.
            return Err(if stderr.is_empty() {
                self.err(format!(
                    "Error when retrieving credentials from custom-process: credential_process \
                     exited with {code}"
                ))
            } else {
                self.err(format!(
                    "Error when retrieving credentials from custom-process: {stderr}"
                ))
            });
        }
        Ok(stdout)
    }
}

/// A child's stdout or stderr.
type Pipe = Box<dyn Read + Send>;

/// What has been read from one pipe so far, shared with its reader thread.
#[derive(Default)]
struct Captured(Mutex<(Vec<u8>, bool)>);

impl Captured {
    /// Reads `pipe` to end-of-file, or until more than [`MAX_OUTPUT`] bytes arrived (then the pipe
    /// is dropped and the overflow remembered).
    fn read_from(&self, mut pipe: Pipe) {
        let mut chunk = [0u8; 8192];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => {
                    let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
                    let (buf, over) = &mut *g;
                    let room = MAX_OUTPUT.saturating_add(1).saturating_sub(buf.len());
                    buf.extend_from_slice(&chunk[..n.min(room)]);
                    if buf.len() > MAX_OUTPUT {
                        buf.truncate(MAX_OUTPUT);
                        *over = true;
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    /// The bytes read so far, and whether the cap was passed.
    fn take(&self) -> (Vec<u8>, bool) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (std::mem::take(&mut g.0), g.1)
    }
}

/// Parses `credential_process` output (the `Version: 1` JSON document). Errors name fields, never
/// values.
///
/// # Errors
/// [`Error::Credentials`] for invalid JSON, a wrong version, or a missing or mistyped field.
pub fn parse_process_output(
    provider: &str,
    out: &[u8],
    account_id: Option<&str>,
) -> Result<Credentials, Error> {
    let err = |m: String| -> Error { CredentialsError::new(provider, m).into() };
    let text = std::str::from_utf8(out)
        .map_err(|_| err("could not parse response: output is not UTF-8".to_owned()))?;
    let v = json::parse(text).map_err(|e| {
        err(format!(
            "could not parse response: {e} in credential_process output"
        ))
    })?;
    if !matches!(v, Value::Object(_)) {
        return Err(err(format!(
            "could not parse response: expected a JSON object, got {}",
            v.kind()
        )));
    }
    match v.get("Version") {
        Some(n) if n.as_f64() == Some(1.0) => {}
        Some(_) => return Err(err("unsupported `Version` (only 1 is supported)".to_owned())),
        None => return Err(err("`Version` is missing from the output".to_owned())),
    }
    let string = |k: &str| -> Result<Option<String>, Error> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(err(format!("`{k}` must be a string, got {}", other.kind()))),
        }
    };
    let id = string("AccessKeyId")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("`AccessKeyId` is missing from the output".to_owned()))?;
    let secret = string("SecretAccessKey")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("`SecretAccessKey` is missing from the output".to_owned()))?;
    let token = string("SessionToken")?.filter(|s| !s.is_empty());
    let mut c = Credentials::new(id, secret, token.map(SecretString::new));
    if let Some(e) = string("Expiration")?.filter(|s| !s.trim().is_empty()) {
        c.expiration = Some(parse_rfc3339(provider, "`Expiration`", &e)?)
    }
    c.account_id = string("AccountId")?
        .filter(|s| !s.is_empty())
        .or_else(|| account_id.map(str::to_owned));
    Ok(c)
}

impl ProvideCredentials for ProcessProvider {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        let out = self.run()?;
        parse_process_output(&self.name, &out, self.account_id.as_deref())
    }

    fn source_name(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_errors() {
        assert!(split_command_line("a 'b").is_err());
        assert!(split_command_line("a \"b").is_err());
        assert!(split_command_line("a \\").is_err());
        assert_eq!(split_command_line("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split_command_line("a\"b\"'c'd").unwrap(), vec!["abcd"]);
    }

    #[test]
    fn parse_output() {
        let c = parse_process_output(
            "p",
            br#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"marker","SessionToken":"t","Expiration":"2030-01-01T00:00:00Z"}"#,
            Some("123"),
        )
        .unwrap();
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.account_id.as_deref(), Some("123"));
        assert_eq!(c.expiration.unwrap().unix_timestamp(), 1_893_456_000);
        let e = parse_process_output(
            "p",
            br#"{"Version":2,"AccessKeyId":"AK","SecretAccessKey":"marker"}"#,
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("Version"));
        let e = parse_process_output(
            "p",
            br#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"marker","Expiration":"soon"}"#,
            None,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("marker"));
        let c = parse_process_output(
            "p",
            br#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"x","Expiration":""}"#,
            None,
        )
        .unwrap();
        assert!(c.expiration.is_none());
    }

    #[test]
    fn debug_hides_args() {
        let c = CommandLine::new("tool --secret marker");
        assert!(!format!("{c:?}").contains("marker"));
        assert!(format!("{c:?}").contains("tool"));
    }
}
