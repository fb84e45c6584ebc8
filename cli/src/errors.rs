//! The AWS CLI v2's error output and exit codes, in one place.
//!
//! The reference is AWS CLI v2 2.34 and later (`awscli/errorhandler.py`, `errorformat.py`,
//! `clidriver.py`, `argparser.py`). Every error line is a blank line, then `sts: [ERROR]: ` (v2:
//! `aws: [ERROR]: `) and the message. Which handler of v2's chain takes an error decides the rest:
//!
//! | v2's handler | errors | `--cli-error-format` | exit |
//! | --- | --- | --- | --- |
//! | `ParamValidationErrorsHandler` | argparse's (with the usage banner after the message), `Parameter validation failed`, `Error parsing parameter`, `Bad value for --...` | code `ParamValidation` | 252 |
//! | `UnknownArgumentErrorHandler` | `Unknown options: ...` (after the usage banner) | ignored: always the prefixed line | 252 |
//! | `ConfigurationErrorHandler`, `NoRegionErrorHandler`, `NoCredentialsErrorHandler` | `export-credentials` failures, no region, no credentials | codes `Configuration`, `NoRegion`, `NoCredentials` | 253 |
//! | `ClientErrorHandler` | STS's errors: `An error occurred (Code) when calling the Op operation: ...` | `Code` and `Message` as STS sent them | 254 |
//! | `GeneralExceptionHandler` | everything else: unknown profiles, malformed config files, failing credential sources, connection failures, timeouts, unreadable responses, Python's `int()` error | ignored: always the prefixed line | 255 |
//!
//! The format that applies to the first four rows: `legacy` prints the message alone; `enhanced`
//! (the default) prints `An error occurred (Code): message` (a service error: botocore's sentence,
//! which has the code already); `json`, `yaml`, `text` and `table` print `{"Code", "Message"}` in
//! that output format, without the prefix. It comes from `--cli-error-format`, else
//! `AWS_CLI_ERROR_FORMAT`, else the profile's `cli_error_format`, else `enhanced`; any case, and an
//! unknown value (from the variable or the profile) is `enhanced` (with a warning under `--debug`,
//! as v2 logs it). What an error knows depends on when it happens, as in v2: an error among the
//! global options themselves (`--region` without a value, `--output xml`) knows neither
//! `--cli-error-format` nor `--profile`; the checks of global values (`--query`, `--endpoint-url`,
//! the timeouts) know the flag but read the profile of the environment; everything later knows
//! both. When the profile to read does not exist, v2 falls back to `legacy`, and so does `sts`.

use crate::jmespath::Value as Data;
use crate::output::{self, Format};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use sts_blocking::credentials::Env;
use sts_blocking::engine::AttemptRecord;
use sts_blocking::error::{CredentialsError, TimeoutPhase, TransportErrorKind};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, Sts};

/// An error of the command line itself (as opposed to the call).
#[derive(Debug)]
pub enum CliError {
    /// An argparse-style usage error: usage banner, then `sts: error: MESSAGE` (exit 252).
    Usage(String),
    /// Unknown options: usage banner, then the message alone (exit 252).
    Unknown(String),
    /// A parameter that could not be read or is invalid (exit 252).
    Param(String),
    /// Anything else the AWS CLI reports as a general error (exit 255), e.g. Python's `int()`
    /// error for a non-integer parameter.
    Other(String),
}

/// Exit status for command-line and parameter errors.
pub const EXIT_USAGE: i32 = 252;
/// Exit status for a missing region or missing credentials.
pub const EXIT_CONFIG: i32 = 253;
/// Exit status for service errors.
pub const EXIT_SERVICE: i32 = 254;
/// Exit status for everything else.
pub const EXIT_OTHER: i32 = 255;

/// The usage banner, as argparse's `format_usage()` of the AWS CLI (it follows an argparse error's
/// message and precedes `Unknown options`).
pub const USAGE: &str = "usage: sts [options] <command> [parameters]\n\
To see help text, you can run:\n\n  sts help\n  sts <command> help\n";

/// The values of `--cli-error-format` (v2's `VALID_ERROR_FORMATS`).
pub const ERROR_FORMATS: &[&str] = &["legacy", "json", "yaml", "text", "table", "enhanced"];

/// What the handler of an error knows (see the module docs): `--cli-error-format` once the
/// global options were read, `--profile` once it was applied, `--debug`.
struct Context {
    globals_read: bool,
    flag: Option<String>,
    profile_applied: bool,
    profile: Option<String>,
    debug: bool,
}

static CONTEXT: Mutex<Context> = Mutex::new(Context {
    globals_read: false,
    flag: None,
    profile_applied: false,
    profile: None,
    debug: false,
});

fn context() -> std::sync::MutexGuard<'static, Context> {
    // Nothing panics while holding it; a poisoned lock still holds plain values.
    CONTEXT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The global options were read: later errors honour `--cli-error-format`.
pub fn globals_read(flag: Option<&str>, debug: bool) {
    let mut c = context();
    c.globals_read = true;
    c.flag = flag.map(str::to_owned);
    c.debug = debug;
}

/// `--profile` was applied: later errors read `cli_error_format` from that profile.
pub fn profile_applied(profile: Option<&str>) {
    let mut c = context();
    c.profile_applied = true;
    c.profile = profile.map(str::to_owned);
}

/// How a structured error is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// The message on the prefixed line.
    Legacy,
    /// `An error occurred (Code): message` on the prefixed line.
    Enhanced,
    /// `{Code, Message}` in an output format, no prefix.
    As(Format),
}

/// The error format in force, as `FilteredExceptionHandler._resolve_error_format` finds it.
fn error_format() -> Shown {
    let (flag, profile, debug) = {
        let c = context();
        let flag = if c.globals_read { c.flag.clone() } else { None };
        let profile = if c.profile_applied {
            c.profile.clone()
        } else {
            None
        };
        (flag, profile, c.debug)
    };
    let value = match flag {
        Some(f) => f,
        // botocore's EnvironmentProvider: a set variable wins, even blank (then `enhanced`).
        None => match std::env::var_os("AWS_CLI_ERROR_FORMAT") {
            Some(v) => v.to_string_lossy().into_owned(),
            None => match profile_error_format(profile) {
                Ok(v) => v.unwrap_or_default(),
                // The profile cannot be read: v2's lookup raises and the handler falls back.
                Err(()) => return Shown::Legacy,
            },
        },
    };
    let value = value.to_lowercase();
    match value.as_str() {
        "" | "enhanced" => Shown::Enhanced,
        "legacy" => Shown::Legacy,
        "json" => Shown::As(Format::Json),
        "yaml" => Shown::As(Format::Yaml),
        "text" => Shown::As(Format::Text),
        "table" => Shown::As(Format::Table),
        other => {
            // v2 logs this as a warning, which only --debug shows.
            if debug {
                eprintln!(
                    "sts: debug: Invalid cli_error_format: '{other}'. Using 'enhanced' format."
                );
            }
            Shown::Enhanced
        }
    }
}

/// The `cli_error_format` key of the profile `--profile` names (when applied), else of the one
/// the environment names; `Err` when that profile does not exist or the files cannot be parsed.
fn profile_error_format(profile: Option<String>) -> Result<Option<String>, ()> {
    let mut o = Overrides::default();
    o.profile = profile;
    match Settings::load(&Env::real(), &o) {
        Ok(s) => Ok(s
            .profiles()
            .selected()
            .and_then(|p| p.get("cli_error_format"))
            .map(|v| v.trim().to_owned())),
        Err(Error::ProfileNotFound { .. } | Error::ConfigFile { .. }) => Err(()),
        // Another setting that cannot be read (a blank CA bundle) says nothing of this key.
        Err(_) => Ok(None),
    }
}

/// `errorformat.write_error`: a blank line, then the prefixed message (stripped as Python's
/// `str.strip()`).
pub fn write_error(message: &str) {
    let message = message.trim();
    if message.is_empty() {
        eprint!("\nsts: [ERROR]:\n");
    } else {
        eprint!("\nsts: [ERROR]: {message}\n");
    }
}

/// An error of a structured handler: `code` and `message` (absent: a service error without one),
/// the line `legacy` prints (`str(exception)`: a service error's is botocore's whole sentence) and
/// the one `enhanced` prints.
fn structured(code: &str, message: Option<&str>, plain: &str, enhanced: &str) {
    match error_format() {
        Shown::Legacy => write_error(plain),
        Shown::Enhanced => write_error(enhanced),
        Shown::As(format) => {
            let mut members: Vec<(std::rc::Rc<str>, Data)> =
                vec![("Code".into(), Data::Str(code.into()))];
            if let Some(m) = message {
                members.push(("Message".into(), Data::Str(m.into())));
            }
            // A format that fails to print falls back to the message, as v2's handler does.
            match output::render_data(&Data::Object(members.into()), format, "error") {
                Ok(text) => eprint!("{text}"),
                Err(_) => write_error(plain),
            }
        }
    }
}

/// An error of a structured handler other than a service error: `enhanced` prints
/// `An error occurred (Code): message`.
fn coded(code: &str, message: &str, exit: i32) -> i32 {
    structured(
        code,
        Some(message),
        message,
        &format!("An error occurred ({code}): {message}"),
    );
    exit
}

/// Prints a command-line error and returns its exit status.
pub fn cli_error(e: CliError) -> i32 {
    match e {
        // ArgParseException: the message, then the usage banner.
        CliError::Usage(msg) => coded("ParamValidation", &format!("{msg}\n\n{USAGE}"), EXIT_USAGE),
        // UnknownArgumentErrorHandler: the banner, then the prefixed line, whatever the format.
        CliError::Unknown(msg) => {
            eprint!("\n{USAGE}\n");
            write_error(&msg);
            EXIT_USAGE
        }
        CliError::Param(msg) => coded("ParamValidation", &msg, EXIT_USAGE),
        CliError::Other(msg) => {
            write_error(&msg);
            EXIT_OTHER
        }
    }
}

/// A parameter error of sts's own (v2's `ParamValidationError`, 252): prints it and returns 252.
pub fn param(message: &str) -> i32 {
    coded("ParamValidation", message, EXIT_USAGE)
}

/// A configuration error (v2's `ConfigurationError`, 253): prints it and returns 253.
pub fn configuration(message: &str) -> i32 {
    coded("Configuration", message, EXIT_CONFIG)
}

/// A general error (v2's `GeneralExceptionHandler`: the prefixed line, whatever the format):
/// prints it and returns 255.
pub fn general(message: &str) -> i32 {
    write_error(message);
    EXIT_OTHER
}

/// The last attempt of the command's call and the attempts allowed, for botocore's
/// `(reached max retries: N)`.
static LAST_ATTEMPT: AtomicU32 = AtomicU32::new(0);
static MAX_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Records an attempt (every client of the command reports here).
pub fn record_attempt(r: &AttemptRecord) {
    LAST_ATTEMPT.store(r.attempt, Ordering::Relaxed);
    MAX_ATTEMPTS.store(r.max_attempts, Ordering::Relaxed);
}

/// botocore's retry note: with its standard retry mode, an error on the last allowed attempt
/// says how many retries were made.
fn retry_info() -> String {
    let (last, max) = (
        LAST_ATTEMPT.load(Ordering::Relaxed),
        MAX_ATTEMPTS.load(Ordering::Relaxed),
    );
    if last > 0 && last >= max {
        format!(" (reached max retries: {})", last - 1)
    } else {
        String::new()
    }
}

/// The innermost error of a credentials failure (a role's STS error, a process's output, ...).
fn innermost(e: &Error) -> &Error {
    let mut e = e;
    while let Error::Credentials(CredentialsError {
        source: Some(inner),
        ..
    }) = e
    {
        e = inner;
    }
    e
}

/// The proxy the environment names for `url`, as requests picks it (lower case first).
fn proxy_for(url: &str) -> String {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let scheme = if url.starts_with("http://") {
        "http"
    } else {
        "https"
    };
    [
        format!("{scheme}_proxy"),
        format!("{}_PROXY", scheme.to_uppercase()),
        "all_proxy".into(),
        "ALL_PROXY".into(),
    ]
    .iter()
    .find_map(|k| get(k))
    .unwrap_or_default()
}

/// An XML parser message in the words of Python's expat, as botocore quotes it.
fn expat_reason(snippet: &str) -> String {
    let body = snippet.trim_start_matches('\u{feff}');
    if body.trim().is_empty() {
        "no element found: line 1, column 0".into()
    } else {
        // Everything sts cannot parse at the first byte is `syntax error` to expat too (text,
        // `<!doctype html>`); deeper errors keep the same form at line 1.
        "syntax error: line 1, column 0".into()
    }
}

/// How v2's handler chain takes a library error.
enum Outcome {
    /// A structured handler with its code (`ParamValidation`, `NoRegion`, `NoCredentials`).
    Coded(&'static str, String, i32),
    /// botocore's `ClientError` (254): the code, STS's message, botocore's sentence.
    Client {
        code: String,
        message: Option<String>,
        line: String,
    },
    /// `GeneralExceptionHandler` (255).
    General(String),
}

impl Outcome {
    /// Prints it as v2 does and returns the exit status.
    fn print(self) -> i32 {
        match self {
            Outcome::Coded(code, message, exit) => coded(code, &message, exit),
            Outcome::Client {
                code,
                message,
                line,
            } => {
                structured(&code, message.as_deref(), &line, &line);
                EXIT_SERVICE
            }
            Outcome::General(message) => general(&message),
        }
    }

    /// `str(exception)`: what `legacy` would print.
    fn text(&self) -> &str {
        match self {
            Outcome::Coded(_, m, _) | Outcome::General(m) => m,
            Outcome::Client { line, .. } => line,
        }
    }
}

/// Prints a library error the way the AWS CLI prints it and returns the exit status. `action` is
/// the command's API operation, `sts` the client when one was built, `debug` whether `--debug`
/// was given (then the credential sources tried are listed).
pub fn report(action: &str, e: &Error, sts: Option<&Sts>, debug: bool) -> i32 {
    classify(action, e, sts, debug).print()
}

/// Prints an error of `export-credentials` as `aws configure export-credentials` does: a failure
/// to get credentials is its `ConfigurationError` (253), `Unable to retrieve credentials: ...`.
pub fn report_export(action: &str, e: &Error, debug: bool) -> i32 {
    if matches!(e, Error::InvalidInput { .. }) {
        return report(action, e, None, debug);
    }
    let why = if e.is_no_credentials() {
        "no credentials found".to_owned()
    } else {
        classify(action, e, None, debug).text().trim().to_owned()
    };
    coded(
        "Configuration",
        &format!("Unable to retrieve credentials: {why}"),
        EXIT_CONFIG,
    )
}

/// Which of v2's handlers takes `e`, with its words.
fn classify(action: &str, e: &Error, sts: Option<&Sts>, debug: bool) -> Outcome {
    let url = || {
        let u = sts.map(|s| s.endpoint().url.clone()).unwrap_or_default();
        if u.ends_with('/') { u } else { format!("{u}/") }
    };
    let general = Outcome::General;
    match e {
        // botocore's ParamValidationError text, every violation listed.
        Error::InvalidInput { .. } => Outcome::Coded("ParamValidation", e.to_string(), EXIT_USAGE),
        Error::NoRegion => Outcome::Coded(
            "NoRegion",
            "You must specify a region. You can also configure your region by running \
             \"aws configure\"."
                .to_owned(),
            EXIT_CONFIG,
        ),
        // v2 names `aws login`; sts has its own.
        e if e.is_no_credentials() => {
            let mut m = "Unable to locate credentials. You can configure credentials by running \
                         \"sts login\"."
                .to_owned();
            if let (true, Error::Credentials(c)) = (debug, e) {
                m.push_str("\nSources tried:");
                for (source, why) in &c.tried {
                    m.push_str(&format!("\n  - {source}: {why}"));
                }
            }
            Outcome::Coded("NoCredentials", m, EXIT_CONFIG)
        }
        Error::Credentials(_) => {
            let inner = innermost(e);
            match inner {
                // A role or web identity call that STS refused: the AWS CLI prints that error.
                Error::Service(s) => {
                    let op = s.operation.unwrap_or("AssumeRole");
                    client(op, s.code.as_str(), s.message.as_deref())
                }
                Error::Credentials(c) => general(c.message.clone()),
                other => classify(action, other, None, debug),
            }
        }
        Error::Service(s) => client(action, s.code.as_str(), s.message.as_deref()),
        Error::ProfileNotFound { .. } => general(e.to_string()),
        // botocore's ConfigParseError names the file only.
        Error::ConfigFile { path, .. } => {
            general(format!("Unable to parse config file: {}", path.display()))
        }
        Error::Endpoint { message, .. } | Error::Config { message, .. } => general(message.clone()),
        Error::InvalidResponse {
            status, snippet, ..
        } if *status >= 500 && (snippet.trim().is_empty() || snippet.starts_with("<html>")) => {
            // botocore's generic error for an HTML or empty 5xx: the status is the code.
            client(action, &status.to_string(), Some(reason_phrase(*status)))
        }
        Error::InvalidResponse { snippet, .. } => general(format!(
            "Unable to parse response ({}), invalid XML received. Further retries may \
             succeed:\n{snippet}",
            expat_reason(snippet)
        )),
        Error::Transport {
            kind: TransportErrorKind::Proxy,
            ..
        } if sts.is_some() => general(format!(
            "Failed to connect to proxy URL: \"{}\"",
            proxy_for(&url())
        )),
        Error::Transport {
            kind: TransportErrorKind::Tls,
            message,
            ..
        } if sts.is_some() => general(format!("SSL validation failed for {} {message}", url())),
        Error::Transport {
            kind: TransportErrorKind::Connect | TransportErrorKind::Dns,
            ..
        } if sts.is_some() => general(format!(
            "Could not connect to the endpoint URL: \"{}\"",
            url()
        )),
        Error::Transport {
            kind: TransportErrorKind::ConnectionClosed,
            ..
        } if sts.is_some() => general(format!(
            "Connection was closed before we received a valid response from endpoint URL: \
             \"{}\".",
            url()
        )),
        Error::Timeout {
            phase: TimeoutPhase::Connect,
            ..
        } if sts.is_some() => general(format!("Connect timeout on endpoint URL: \"{}\"", url())),
        Error::Timeout {
            phase: TimeoutPhase::Attempt | TimeoutPhase::Total,
            ..
        } if sts.is_some() => general(format!("Read timeout on endpoint URL: \"{}\"", url())),
        other => general(other.to_string()),
    }
}

/// botocore's `ClientError` (exit 254): `enhanced` prints its sentence, the structured formats
/// STS's code and message.
fn client(action: &str, code: &str, message: Option<&str>) -> Outcome {
    Outcome::Client {
        code: code.to_owned(),
        message: message.map(str::to_owned),
        line: format!(
            "An error occurred ({code}) when calling the {action} operation{}: {}",
            retry_info(),
            message.unwrap_or("Unknown")
        ),
    }
}

/// Python's `http.client.responses` for the 5xx statuses a load balancer answers with.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_note_only_on_the_last_attempt() {
        LAST_ATTEMPT.store(1, Ordering::Relaxed);
        MAX_ATTEMPTS.store(3, Ordering::Relaxed);
        assert_eq!(retry_info(), "");
        LAST_ATTEMPT.store(3, Ordering::Relaxed);
        assert_eq!(retry_info(), " (reached max retries: 2)");
        LAST_ATTEMPT.store(0, Ordering::Relaxed);
        MAX_ATTEMPTS.store(0, Ordering::Relaxed);
        assert_eq!(retry_info(), "");
    }

    #[test]
    fn expat_words() {
        assert_eq!(expat_reason(""), "no element found: line 1, column 0");
        assert_eq!(expat_reason("oops"), "syntax error: line 1, column 0");
    }
}
