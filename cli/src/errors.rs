//! The AWS CLI's error lines and exit codes, in one place.
//!
//! The reference is the AWS CLI v2 (`awscli/errorhandler.py`, `clidriver.py`, `argparser.py`) in
//! its classic form (v1 and v2 up to 2.30 print the same lines; later v2 releases prefix them with
//! `aws: [ERROR]:`): a blank line, then the message. Exit codes: 252 command-line and parameter
//! errors, 253 no region / no credentials, 254 service errors, 255 everything else (unknown
//! profiles, failing credential sources, connection failures, timeouts, unreadable responses).

use std::sync::atomic::{AtomicU32, Ordering};
use sts_blocking::client::AttemptRecord;
use sts_blocking::error::{CredentialsError, TimeoutPhase, TransportErrorKind};
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

/// The usage banner printed before a usage error, as the AWS CLI prints it.
pub const USAGE: &str = "usage: sts [options] <command> [parameters]\n\
To see help text, you can run:\n\n  sts help\n  sts <command> help\n";

/// Prints a command-line error and returns its exit status.
pub fn cli_error(e: CliError) -> i32 {
    match e {
        CliError::Usage(msg) => {
            eprint!("{USAGE}\nsts: error: {msg}\n");
            EXIT_USAGE
        }
        CliError::Unknown(msg) => {
            eprint!("{USAGE}\n{msg}\n");
            EXIT_USAGE
        }
        CliError::Param(msg) => {
            eprintln!("\n{msg}");
            EXIT_USAGE
        }
        CliError::Other(msg) => {
            eprintln!("\n{msg}");
            EXIT_OTHER
        }
    }
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

/// Prints a library error the way the AWS CLI prints it and returns the exit status. `action` is
/// the command's API operation, `sts` the client when one was built, `debug` whether `--debug`
/// was given (then the credential sources tried are listed).
pub fn report(action: &str, e: &Error, sts: Option<&Sts>, debug: bool) -> i32 {
    let url = || {
        let u = sts.map(|s| s.endpoint().url.clone()).unwrap_or_default();
        if u.ends_with('/') { u } else { format!("{u}/") }
    };
    let (msg, code) = match e {
        // botocore's ParamValidationError text, every violation listed.
        Error::InvalidInput { .. } => (e.to_string(), EXIT_USAGE),
        Error::NoRegion => (
            "You must specify a region. You can also configure your region by running \
             \"aws configure\"."
                .to_owned(),
            EXIT_CONFIG,
        ),
        e if e.is_no_credentials() => {
            let mut m = "Unable to locate credentials. You can configure credentials by running \
                         \"aws configure\"."
                .to_owned();
            if let (true, Error::Credentials(c)) = (debug, e) {
                m.push_str("\nSources tried:");
                for (source, why) in &c.tried {
                    m.push_str(&format!("\n  - {source}: {why}"));
                }
            }
            (m, EXIT_CONFIG)
        }
        Error::Credentials(_) => {
            let inner = innermost(e);
            match inner {
                // A role or web identity call that STS refused: the AWS CLI prints that error.
                Error::Service(s) => {
                    let op = s.operation.unwrap_or("AssumeRole");
                    return service(op, s.code.as_str(), s.message.as_deref());
                }
                Error::Credentials(c) => (c.message.clone(), EXIT_OTHER),
                other => return report(action, other, None, debug),
            }
        }
        Error::Service(s) => {
            return service(action, s.code.as_str(), s.message.as_deref());
        }
        Error::ProfileNotFound { .. } => (e.to_string(), EXIT_OTHER),
        Error::Endpoint { message, .. } | Error::Config { message, .. } => {
            (message.clone(), EXIT_OTHER)
        }
        Error::InvalidResponse {
            status, snippet, ..
        } if *status >= 500 && (snippet.trim().is_empty() || snippet.starts_with("<html>")) => {
            // botocore's generic error for an HTML or empty 5xx: the status is the code.
            let phrase = reason_phrase(*status);
            return service(action, &status.to_string(), Some(phrase));
        }
        Error::InvalidResponse { snippet, .. } => (
            format!(
                "Unable to parse response ({}), invalid XML received. Further retries may \
                 succeed:\n{snippet}",
                expat_reason(snippet)
            ),
            EXIT_OTHER,
        ),
        Error::Transport {
            kind: TransportErrorKind::Proxy,
            ..
        } if sts.is_some() => (
            format!("Failed to connect to proxy URL: \"{}\"", proxy_for(&url())),
            EXIT_OTHER,
        ),
        Error::Transport {
            kind: TransportErrorKind::Tls,
            message,
            ..
        } if sts.is_some() => (
            format!("SSL validation failed for {} {message}", url()),
            EXIT_OTHER,
        ),
        Error::Transport {
            kind: TransportErrorKind::Connect | TransportErrorKind::Dns,
            ..
        } if sts.is_some() => (
            format!("Could not connect to the endpoint URL: \"{}\"", url()),
            EXIT_OTHER,
        ),
        Error::Transport {
            kind: TransportErrorKind::ConnectionClosed,
            ..
        } if sts.is_some() => (
            format!(
                "Connection was closed before we received a valid response from endpoint URL: \
                 \"{}\".",
                url()
            ),
            EXIT_OTHER,
        ),
        Error::Timeout {
            phase: TimeoutPhase::Connect,
            ..
        } if sts.is_some() => (
            format!("Connect timeout on endpoint URL: \"{}\"", url()),
            EXIT_OTHER,
        ),
        Error::Timeout {
            phase: TimeoutPhase::Attempt | TimeoutPhase::Total,
            ..
        } if sts.is_some() => (
            format!("Read timeout on endpoint URL: \"{}\"", url()),
            EXIT_OTHER,
        ),
        other => (other.to_string(), EXIT_OTHER),
    };
    eprintln!("\n{msg}");
    code
}

/// botocore's `ClientError` line (exit 254).
fn service(action: &str, code: &str, message: Option<&str>) -> i32 {
    eprintln!(
        "\nAn error occurred ({code}) when calling the {action} operation{}: {}",
        retry_info(),
        message.unwrap_or("Unknown")
    );
    EXIT_SERVICE
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
