//! The crate's one error type, [`Error`], and the typed STS error it wraps, [`ServiceError`].

pub use crate::redact::escape_controls;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong, from bad input to a service error.
///
/// `Display` never contains a secret: no secret key, session token, web identity token, SAML assertion or
/// response body beyond a short snippet of a body that was not understood (and such bodies are never
/// credential-bearing success bodies).
///
/// The enum and its struct variants are `#[non_exhaustive]`: match the cases you handle and keep a
/// catch-all arm; read the fields you need with `..`.
///
/// ```
/// use sts_blocking::error::{ErrorCode, ServiceError, TimeoutPhase};
/// use sts_blocking::ops::{GetSessionToken, Operation};
/// use sts_blocking::Error;
///
/// fn advice(e: &Error) -> String {
///     match e {
///         e if e.is_no_credentials() => "configure credentials (aws configure, aws sso login)".into(),
///         Error::InvalidInput { .. } => format!("fix the request: {e}"),
///         Error::Service(s) if s.code == ErrorCode::ExpiredToken => "the session expired".into(),
///         Error::Service(s) => format!("STS said {} (request id {:?})", s.code, s.request_id),
///         Error::Timeout { phase, .. } => format!("no answer in time ({phase})"),
///         other => format!("failed: {other}"),
///     }
/// }
///
/// // Input is checked against the model before anything is sent.
/// let e = GetSessionToken::new().duration_seconds(60).to_form().unwrap_err();
/// assert_eq!(e.violations()[0].field, "DurationSeconds");
/// assert!(advice(&e).starts_with("fix the request"));
///
/// let expired = Error::Service(Box::new(ServiceError::new(ErrorCode::ExpiredToken, 400)));
/// assert_eq!(advice(&expired), "the session expired");
/// assert_eq!(advice(&Error::timeout(TimeoutPhase::Total, None)), "no answer in time (total call)");
///
/// // `Debug`, what `fn main() -> Result<(), Error>` prints, is the variant and the message.
/// assert!(format!("{:?}", Error::NoRegion).starts_with("NoRegion: You must specify a region"));
/// ```
#[non_exhaustive]
pub enum Error {
    /// Input members broke model constraints (length, range, pattern, list size). Nothing was sent.
    /// Every violation is listed, in model member order, as botocore lists them; `Display` prints
    /// botocore's `ParamValidationError` text.
    #[non_exhaustive]
    InvalidInput {
        /// The violations (at least one).
        violations: Vec<Violation>,
    },
    /// STS answered with an error response (non-2xx with an `ErrorResponse` body).
    Service(Box<ServiceError>),
    /// A response that could not be understood: not XML, not UTF-8, the wrong envelope, a missing member,
    /// a bad number or timestamp.
    #[non_exhaustive]
    InvalidResponse {
        /// HTTP status of the response.
        status: u16,
        /// What was wrong.
        reason: String,
        /// The first bytes of the body (at most 200 characters), for diagnosis.
        snippet: String,
    },
    /// The server answered with a redirect, which is never followed for a signed request.
    #[non_exhaustive]
    Redirect {
        /// HTTP status (301, 302, 303, 307 or 308).
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The response body was larger than the configured cap and was not read.
    #[non_exhaustive]
    BodyTooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// The request could not be sent or the response not read.
    #[non_exhaustive]
    Transport {
        /// What kind of failure it was.
        kind: TransportErrorKind,
        /// Details from the transport (never a body or a header value).
        message: String,
    },
    /// A timeout fired.
    #[non_exhaustive]
    Timeout {
        /// Which phase ran out of time.
        phase: TimeoutPhase,
        /// The limit that was exceeded, when known.
        limit: Option<Duration>,
    },
    /// A credential provider failed, or none could supply credentials.
    Credentials(CredentialsError),
    /// Invalid or contradictory configuration (environment, builder or endpoint settings).
    #[non_exhaustive]
    Config {
        /// What was wrong.
        message: String,
    },
    /// A malformed shared config or credentials file.
    #[non_exhaustive]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong on that line.
        message: String,
    },
    /// The endpoint rules produced an error (e.g. FIPS with a custom endpoint, or no region).
    #[non_exhaustive]
    Endpoint {
        /// The rule set's error message.
        message: String,
    },
    /// A signed call with a custom endpoint and no region: there is no region to sign for
    /// (botocore's `NoRegionError`). Clients without a custom endpoint use `aws-global` instead.
    NoRegion,
    /// The profile named by `AWS_PROFILE` or chosen explicitly is in neither shared file
    /// (botocore's `ProfileNotFound`).
    #[non_exhaustive]
    ProfileNotFound {
        /// The profile name.
        profile: String,
    },
    /// A local file (shared config or credentials file, token file, SSO token cache, CA bundle)
    /// could not be read or its path could not be resolved. Its contents are never shown.
    #[non_exhaustive]
    File {
        /// What the file is for (`config file`, `web identity token file`, `CA bundle`, ...).
        what: &'static str,
        /// The file, as configured (before `~` expansion when that is what failed).
        path: PathBuf,
        /// What was wrong.
        problem: FileProblem,
    },
}

impl Error {
    /// Shorthand for an [`Error::InvalidInput`] with one [`Rule::Other`] violation.
    pub fn invalid_input(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::InvalidInput {
            violations: vec![Violation {
                field: field.into(),
                rule: Rule::Other(rule.into()),
            }],
        }
    }

    /// The input violations, if this is [`Error::InvalidInput`].
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        match self {
            Self::InvalidInput { violations } => violations,
            _ => &[],
        }
    }

    /// Shorthand for [`Error::InvalidResponse`]; the snippet is cut to 200 characters.
    pub fn invalid_response(status: u16, reason: impl Into<String>, body: &[u8]) -> Self {
        Self::InvalidResponse {
            status,
            reason: reason.into(),
            snippet: snippet(body),
        }
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Transport`]: what an HTTP client driving the call engine reports
    /// when a request could not be sent or its response not read (the engine retries the kinds
    /// that are transient). `message` must not hold a body or a header value.
    ///
    /// ```
    /// use sts_blocking::Error;
    /// use sts_blocking::error::TransportErrorKind;
    /// let e = Error::transport(TransportErrorKind::ConnectionClosed, "connection reset by peer");
    /// assert!(matches!(e, Error::Transport { kind: TransportErrorKind::ConnectionClosed, .. }));
    /// ```
    pub fn transport(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self::Transport {
            kind,
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Timeout`]: `phase` ran out of time, `limit` when known.
    #[must_use]
    pub fn timeout(phase: TimeoutPhase, limit: Option<Duration>) -> Self {
        Self::Timeout { phase, limit }
    }

    /// Shorthand for [`Error::BodyTooLarge`]: a response body over `limit` bytes, not read.
    #[must_use]
    pub fn body_too_large(limit: u64) -> Self {
        Self::BodyTooLarge { limit }
    }

    /// The STS error, if this is one.
    #[must_use]
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The STS error code (`AccessDenied`, `Throttling`, ...), if this is a service error.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.service_error().map(|e| e.code.as_str())
    }

    /// The request id from the body or the `x-amzn-RequestId` header, if this is a service error.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.service_error().and_then(|e| e.request_id.as_deref())
    }

    /// Whether no credential source had credentials (botocore's `NoCredentialsError`), as opposed
    /// to a source that failed.
    #[must_use]
    pub fn is_no_credentials(&self) -> bool {
        matches!(self, Self::Credentials(c)
            if c.provider == "none" || (c.provider == "chain" && c.source.is_none()))
    }

    /// Whether the error is a throttling error (`Throttling`, `ThrottlingException`, ...).
    #[must_use]
    pub fn is_throttling(&self) -> bool {
        self.service_error().is_some_and(|e| e.code.is_throttling())
    }
}

/// The start of a body, for an error message: at most 200 printable characters, and cut before anything
/// that looks like a secret (`Secret`, `Token`, `Assertion`), so that a half-read credentials body never
/// leaks through an error.
fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(800)];
    let cut = ["secret", "token", "assertion", "password"]
        .iter()
        .filter_map(|w| {
            head.windows(w.len())
                .position(|win| win.eq_ignore_ascii_case(w.as_bytes()))
        })
        .min()
        .unwrap_or(head.len());
    let text = String::from_utf8_lossy(&head[..cut]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    if cut < head.len() {
        out.push_str("[cut]");
    } else if body.len() > out.len() {
        out.push('…');
    }
    out
}

/// Longest part of an outside value quoted in an error message (in characters).
const ECHO_MAX: usize = 64;

/// A value from outside (a region, a URL, a setting), quoted for an error message: `Debug`-escaped
/// (control characters visible) and cut to [`ECHO_MAX`] characters with an ellipsis and the full
/// length, so that a 120 KB value does not end up in the message.
#[must_use]
pub(crate) fn echo(value: &str) -> String {
    match value.char_indices().nth(ECHO_MAX) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
    }
}

/// `value` cut to `max` characters, with `…` when it was longer.
#[must_use]
pub(crate) fn cut(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        None => value.to_owned(),
        Some((at, _)) => format!("{}…", &value[..at]),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { violations } => {
                f.write_str("Parameter validation failed:")?;
                for v in violations {
                    write!(f, "\n{v}")?;
                }
                Ok(())
            }
            Self::Service(e) => fmt::Display::fmt(e, f),
            Self::InvalidResponse {
                status,
                reason,
                snippet,
            } => write!(
                f,
                "invalid response (HTTP {status}): {reason}; body starts: {snippet:?}"
            ),
            Self::Redirect { status, location } => match location {
                Some(l) => write!(f, "redirect (HTTP {status}) to {l:?} not followed"),
                None => write!(f, "redirect (HTTP {status}) not followed"),
            },
            Self::BodyTooLarge { limit } => {
                write!(f, "response body larger than the {limit}-byte limit")
            }
            Self::Transport { kind, message } => write!(f, "{kind}: {message}"),
            Self::Timeout { phase, limit } => match limit {
                Some(d) => write!(f, "timed out: {phase} (limit {d:?})"),
                None => write!(f, "timed out: {phase}"),
            },
            Self::Credentials(e) => fmt::Display::fmt(e, f),
            Self::Config { message } => write!(f, "configuration error: {message}"),
            Self::ConfigFile {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            Self::Endpoint { message } => write!(f, "endpoint resolution failed: {message}"),
            Self::NoRegion => f.write_str(
                "You must specify a region. Set AWS_REGION, `region` in the profile, or \
                 `StsBuilder::region`: a custom endpoint has no region of its own to sign for.",
            ),
            Self::ProfileNotFound { profile } => {
                write!(f, "The config profile ({profile}) could not be found")
            }
            Self::File {
                what,
                path,
                problem: problem @ (FileProblem::NoHomeDirectory | FileProblem::UnknownUser { .. }),
            } => write!(f, "{what} `{}`: {problem}", path.display()),
            Self::File {
                what,
                path,
                problem,
            } => write!(f, "{what}: failed to read `{}`: {problem}", path.display()),
        }
    }
}

impl Error {
    /// The variant's name, for `Debug`.
    fn kind(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "InvalidInput",
            Self::Service(_) => "Service",
            Self::InvalidResponse { .. } => "InvalidResponse",
            Self::Redirect { .. } => "Redirect",
            Self::BodyTooLarge { .. } => "BodyTooLarge",
            Self::Transport { .. } => "Transport",
            Self::Timeout { .. } => "Timeout",
            Self::Credentials(_) => "Credentials",
            Self::Config { .. } => "Config",
            Self::ConfigFile { .. } => "ConfigFile",
            Self::Endpoint { .. } => "Endpoint",
            Self::NoRegion => "NoRegion",
            Self::ProfileNotFound { .. } => "ProfileNotFound",
            Self::File { .. } => "File",
        }
    }
}

/// The variant and the message of `Display`: what `fn main() -> Result<(), Error>` prints after
/// `Error: `, so a program that returns the error shows what happened and what to do (not only
/// `NoRegion`). Like `Display`, it never shows a secret. Match the variants for the fields.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.kind())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Credentials(e) => e.source.as_deref().map(|e| e as _),
            _ => None,
        }
    }
}

/// One input member that broke a model constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The member, named as botocore names it (`RoleSessionName`, `Tags[2].Key`, ...).
    pub field: String,
    /// The constraint it broke.
    pub rule: Rule,
}

impl Violation {
    /// A violation of `rule` by `field`.
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        Self {
            field: field.into(),
            rule,
        }
    }
}

/// A model constraint. `min` checks are botocore's (the AWS CLI makes them before sending); `max`
/// and pattern checks are the service's, made here to save a round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Fewer characters (strings) or items (lists) than the model allows.
    MinLength {
        /// The model's minimum.
        min: usize,
        /// The value's length.
        actual: usize,
    },
    /// More characters (strings) or items (lists) than the model allows.
    MaxLength {
        /// The model's maximum.
        max: usize,
        /// The value's length.
        actual: usize,
    },
    /// An integer below the model's minimum.
    MinValue {
        /// The model's minimum.
        min: i64,
        /// The value.
        actual: i64,
    },
    /// An integer above the model's maximum.
    MaxValue {
        /// The model's maximum.
        max: i64,
        /// The value.
        actual: i64,
    },
    /// A value outside the model's pattern.
    Pattern {
        /// The pattern, as the model writes it.
        pattern: &'static str,
        /// The first character outside it, when one character is at fault.
        found: Option<char>,
    },
    /// Any other rule, in words.
    Other(String),
}

/// botocore's wording (`Invalid length for parameter RoleSessionName, value: 1, valid min length:
/// 2`), and the same style for the checks botocore leaves to the service.
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.rule {
            Rule::MinLength { min, actual } => write!(
                f,
                "Invalid length for parameter {field}, value: {actual}, valid min length: {min}"
            ),
            Rule::MaxLength { max, actual } => write!(
                f,
                "Invalid length for parameter {field}, value: {actual}, valid max length: {max}"
            ),
            Rule::MinValue { min, actual } => write!(
                f,
                "Invalid value for parameter {field}, value: {actual}, valid min value: {min}"
            ),
            Rule::MaxValue { max, actual } => write!(
                f,
                "Invalid value for parameter {field}, value: {actual}, valid max value: {max}"
            ),
            Rule::Pattern {
                pattern,
                found: Some(c),
            } => write!(
                f,
                "Invalid pattern for parameter {field}, character: {c:?}, valid pattern: {pattern}"
            ),
            Rule::Pattern {
                pattern,
                found: None,
            } => write!(
                f,
                "Invalid pattern for parameter {field}, valid pattern: {pattern}"
            ),
            Rule::Other(text) => write!(f, "Invalid value for parameter {field}: {text}"),
        }
    }
}

/// What was wrong with a local file ([`Error::File`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileProblem {
    /// The file does not exist.
    NotFound,
    /// The file is not a regular file (a FIFO, socket, directory or device); it was not read.
    NotRegular {
        /// What it is (`FIFO`, `directory`, ...).
        kind: &'static str,
    },
    /// The file is larger than the cap for its kind; it was not read.
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    NotUtf8 {
        /// The 1-based line of the first invalid byte.
        line: usize,
    },
    /// The path starts with `~` but the home directory is unknown (`HOME` unset or empty, and no
    /// entry for this user in the password database). `~` is never resolved against the working
    /// directory.
    NoHomeDirectory,
    /// The path starts with `~user` but there is no such user in the password database.
    UnknownUser {
        /// The user name after `~`.
        user: String,
    },
    /// Any other I/O error (permission denied, ...).
    Io(String),
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The operating system's own words (ENOENT and ERROR_FILE_NOT_FOUND are both 2), as
            // the AWS SDKs print them.
            Self::NotFound => write!(f, "{}", std::io::Error::from_raw_os_error(2)),
            Self::NotRegular { kind } => write!(f, "not a regular file ({kind}); not read"),
            Self::TooLarge { limit } => {
                write!(f, "larger than the {limit}-byte limit; not read")
            }
            Self::NotUtf8 { line } => write!(f, "not valid UTF-8 (line {line})"),
            Self::NoHomeDirectory => f.write_str(
                "cannot expand `~`: the home directory is unknown (HOME is unset or empty \
                 and the password database has no entry for this user)",
            ),
            Self::UnknownUser { user } => {
                write!(f, "cannot expand `~{user}`: no such user in /etc/passwd")
            }
            Self::Io(m) => f.write_str(m),
        }
    }
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name could not be resolved.
    Dns,
    /// The connection was refused or could not be made.
    Connect,
    /// The connection was reset or closed early (including a truncated body).
    ConnectionClosed,
    /// TLS failed (untrusted certificate, handshake error).
    Tls,
    /// The proxy could not be used.
    Proxy,
    /// The server spoke invalid HTTP.
    Protocol,
    /// Plain `http://` to a non-loopback host without an explicit opt-in.
    InsecureEndpoint,
    /// The request could not be made at all: a control character in a header value, a URL that is
    /// malformed or too long. Deterministic, so never retried.
    InvalidRequest,
    /// Any other I/O failure.
    Io,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dns => "DNS lookup failed",
            Self::Connect => "could not connect",
            Self::ConnectionClosed => "connection closed early",
            Self::Tls => "TLS error",
            Self::Proxy => "proxy error",
            Self::Protocol => "HTTP protocol error",
            Self::InsecureEndpoint => "insecure endpoint refused",
            Self::InvalidRequest => "invalid request",
            Self::Io => "I/O error",
        })
    }
}

/// Which phase of a call ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Opening the TCP connection (and TLS handshake).
    Connect,
    /// One attempt: sending the request and reading the whole response.
    Attempt,
    /// The whole call, retries included.
    Total,
    /// A credential provider (process, container, IMDS) took too long.
    CredentialProvider,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect",
            Self::Attempt => "attempt",
            Self::Total => "total call",
            Self::CredentialProvider => "credential provider",
        })
    }
}

/// A credential provider failed, or no provider in a chain had credentials.
///
/// ```
/// use sts_blocking::error::CredentialsError;
/// use sts_blocking::Error;
/// // What a custom provider returns when its source has nothing.
/// let e: Error = CredentialsError::new("vault", "no lease for this role").into();
/// assert_eq!(e.to_string(), "credentials (vault): no lease for this role");
/// assert!(!e.is_no_credentials());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct CredentialsError {
    /// The provider that failed (`environment`, `profile`, `imds`, ...), or `chain`.
    pub provider: String,
    /// What went wrong. Never contains a secret.
    pub message: String,
    /// For a chain: every source tried, with why it was skipped or failed.
    pub tried: Vec<(String, String)>,
    /// The underlying error, if any.
    pub source: Option<Box<Error>>,
}

impl CredentialsError {
    /// A provider error with a message.
    pub fn new(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            message: message.into(),
            tried: Vec::new(),
            source: None,
        }
    }

    /// Sets the underlying error.
    #[must_use]
    pub fn with_source(mut self, source: Error) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credentials ({}): {}", self.provider, self.message)?;
        if let Some(src) = &self.source {
            write!(f, ": {src}")?;
        }
        for (source, why) in &self.tried {
            write!(f, "\n  - {source}: {why}")?;
        }
        Ok(())
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Self::Credentials(e)
    }
}

/// Whether the sender or the receiver was at fault (`<Type>` in the error body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `Sender`: the request was wrong.
    Sender,
    /// `Receiver`: the service failed.
    Receiver,
}

/// An error response from STS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The error code.
    pub code: ErrorCode,
    /// The message, if the body had one (entities decoded).
    pub message: Option<String>,
    /// `Sender` or `Receiver`, if the body said.
    pub fault: Option<Fault>,
    /// The request id from the body, or else the `x-amzn-RequestId` header.
    pub request_id: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// The operation that failed (`AssumeRole`), when known.
    pub operation: Option<&'static str>,
}

impl ServiceError {
    /// An error response with `code` and HTTP `status`, nothing else known (for tests of retry
    /// policies and error handling; set the other public fields as needed).
    ///
    /// ```
    /// use sts_blocking::error::{ErrorCode, ServiceError};
    /// let mut e = ServiceError::new(ErrorCode::from_wire("Throttling"), 400);
    /// e.message = Some("Rate exceeded".into());
    /// assert!(e.code.is_throttling());
    /// assert_eq!(e.to_string(), "Throttling: Rate exceeded (HTTP 400)");
    /// ```
    #[must_use]
    pub fn new(code: ErrorCode, status: u16) -> Self {
        Self {
            code,
            message: None,
            fault: None,
            request_id: None,
            status,
            operation: None,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(op) = self.operation {
            write!(f, " from {op}")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        write!(f, " (HTTP {}", self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        f.write_str(")")
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, )*) => {
        /// An STS error code: every code of the STS model, the common AWS codes, and [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this crate does not know.
            Other(String),
        }

        impl ErrorCode {
            /// The code as sent on the wire.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// Maps a wire code to its variant.
            #[must_use]
            pub fn from_wire(code: &str) -> Self {
                match code {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// Modeled: the session token in the request expired (AssumeRole* , AssumeRoot).
    ExpiredTokenException = "ExpiredTokenException",
    /// Modeled: the trade-in token expired (GetDelegatedAccessToken).
    ExpiredTradeInTokenException = "ExpiredTradeInTokenException",
    /// Modeled: the identity provider could not be reached (retried).
    IdpCommunicationError = "IDPCommunicationError",
    /// Modeled: the identity provider rejected the claim.
    IdpRejectedClaim = "IDPRejectedClaim",
    /// Modeled: the session is too short for the requested lifetime (GetScopedCredentials).
    InsufficientSessionLifetime = "InsufficientSessionLifetime",
    /// Modeled: the authorization message is invalid (DecodeAuthorizationMessage).
    InvalidAuthorizationMessageException = "InvalidAuthorizationMessageException",
    /// Modeled: a context assertion is invalid (AssumeRole).
    InvalidContextAssertion = "InvalidContextAssertion",
    /// Modeled: the web identity token or SAML assertion is invalid.
    InvalidIdentityToken = "InvalidIdentityToken",
    /// Modeled: the subject credentials are not usable (GetScopedCredentials).
    InvalidSubjectCredentials = "InvalidSubjectCredentials",
    /// Modeled: the JWT payload is too large (GetWebIdentityToken).
    JwtPayloadSizeExceededException = "JWTPayloadSizeExceededException",
    /// Modeled: the policy document is malformed.
    MalformedPolicyDocument = "MalformedPolicyDocument",
    /// Modeled: outbound web identity federation is disabled for the account.
    OutboundWebIdentityFederationDisabledException = "OutboundWebIdentityFederationDisabledException",
    /// Modeled: the packed session policies and tags are too large.
    PackedPolicyTooLarge = "PackedPolicyTooLarge",
    /// Modeled: STS is not activated in the region.
    RegionDisabledException = "RegionDisabledException",
    /// Modeled: the requested duration exceeds the caller's session (GetWebIdentityToken).
    SessionDurationEscalationException = "SessionDurationEscalationException",
    /// Common: the caller is not allowed.
    AccessDenied = "AccessDenied",
    /// Common: the caller is not allowed (JSON-protocol spelling).
    AccessDeniedException = "AccessDeniedException",
    /// Common: an EC2-style authentication failure.
    AuthFailure = "AuthFailure",
    /// Common: the session token used to sign has expired.
    ExpiredToken = "ExpiredToken",
    /// Common: the signature is incomplete.
    IncompleteSignature = "IncompleteSignature",
    /// Common: server-side failure.
    InternalFailure = "InternalFailure",
    /// Common: unknown action.
    InvalidAction = "InvalidAction",
    /// Common: unknown access key id or invalid token.
    InvalidClientTokenId = "InvalidClientTokenId",
    /// Common: a parameter is invalid.
    InvalidParameterValue = "InvalidParameterValue",
    /// Common: an invalid signature (JSON-protocol spelling).
    InvalidSignatureException = "InvalidSignatureException",
    /// Common: the signed operation came without authentication.
    MissingAuthenticationToken = "MissingAuthenticationToken",
    /// Common: a required parameter is missing.
    MissingParameter = "MissingParameter",
    /// Common: the account is not opted in.
    OptInRequired = "OptInRequired",
    /// Common: the request expired.
    RequestExpired = "RequestExpired",
    /// Common: the request timed out on the server.
    RequestTimeout = "RequestTimeout",
    /// Common: the request timed out on the server (exception spelling).
    RequestTimeoutException = "RequestTimeoutException",
    /// Common: the signing time is too far from the server's clock.
    RequestTimeTooSkewed = "RequestTimeTooSkewed",
    /// Common: service unavailable.
    ServiceUnavailable = "ServiceUnavailable",
    /// Common: the signature does not match.
    SignatureDoesNotMatch = "SignatureDoesNotMatch",
    /// Common: rate limited.
    Throttling = "Throttling",
    /// Common: rate limited (exception spelling).
    ThrottlingException = "ThrottlingException",
    /// Common: rate limited.
    ThrottledException = "ThrottledException",
    /// Common: rate limited.
    RequestThrottledException = "RequestThrottledException",
    /// Common: rate limited.
    TooManyRequestsException = "TooManyRequestsException",
    /// Common: rate limited.
    ProvisionedThroughputExceededException = "ProvisionedThroughputExceededException",
    /// Common: rate limited.
    TransactionInProgressException = "TransactionInProgressException",
    /// Common: rate limited.
    RequestLimitExceeded = "RequestLimitExceeded",
    /// Common: rate limited.
    BandwidthLimitExceeded = "BandwidthLimitExceeded",
    /// Common: rate limited.
    LimitExceededException = "LimitExceededException",
    /// Common: rate limited.
    RequestThrottled = "RequestThrottled",
    /// Common: rate limited.
    SlowDown = "SlowDown",
    /// Common: rate limited.
    PriorRequestNotComplete = "PriorRequestNotComplete",
    /// Common: rate limited.
    Ec2ThrottledException = "EC2ThrottledException",
    /// Common: a parameter failed validation on the server.
    ValidationError = "ValidationError",
}

impl ErrorCode {
    /// Whether the code is one of the 14 throttling codes every AWS SDK retries.
    #[must_use]
    pub fn is_throttling(&self) -> bool {
        matches!(
            self,
            Self::Throttling
                | Self::ThrottlingException
                | Self::ThrottledException
                | Self::RequestThrottledException
                | Self::TooManyRequestsException
                | Self::ProvisionedThroughputExceededException
                | Self::TransactionInProgressException
                | Self::RequestLimitExceeded
                | Self::BandwidthLimitExceeded
                | Self::LimitExceededException
                | Self::RequestThrottled
                | Self::SlowDown
                | Self::PriorRequestNotComplete
                | Self::Ec2ThrottledException
        )
    }

    /// Whether the code is a transient server-side error that is retried
    /// (`RequestTimeout`, `RequestTimeoutException`, `IDPCommunicationError`, `InternalFailure`, `ServiceUnavailable`).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RequestTimeout
                | Self::RequestTimeoutException
                | Self::IdpCommunicationError
                | Self::InternalFailure
                | Self::ServiceUnavailable
        )
    }

    /// Whether the code can be caused by a skewed clock.
    #[must_use]
    pub fn is_clock_skew(&self) -> bool {
        matches!(
            self,
            Self::RequestTimeTooSkewed
                | Self::SignatureDoesNotMatch
                | Self::InvalidSignatureException
                | Self::AuthFailure
                | Self::AccessDenied
                | Self::AccessDeniedException
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `fn main() -> Result<(), Error>` prints after `Error: ` is the `Debug` form: the
    /// variant, then the sentence of `Display` saying what happened and what to do.
    #[test]
    fn errors_returned_from_main_say_what_to_do() {
        let shown = format!("{:?}", Error::NoRegion);
        assert!(
            shown.starts_with("NoRegion: You must specify a region"),
            "{shown}"
        );
        assert!(shown.contains("AWS_REGION"), "{shown}");
        for e in [
            Error::NoRegion,
            Error::config("AWS_MAX_ATTEMPTS is not a number"),
            Error::timeout(TimeoutPhase::Total, Some(Duration::from_secs(30))),
            Error::transport(TransportErrorKind::Dns, "no such host"),
            Error::Service(Box::new(ServiceError::new(ErrorCode::ExpiredToken, 400))),
            CredentialsError::new("vault", "no lease").into(),
        ] {
            let (debug, display) = (format!("{e:?}"), e.to_string());
            assert!(debug.ends_with(&display), "{debug}");
            assert_eq!(format!("{e:#?}"), debug);
        }
    }

    #[test]
    fn codes_round_trip() {
        for code in ["IDPCommunicationError", "Throttling", "AccessDenied", "X"] {
            assert_eq!(ErrorCode::from_wire(code).as_str(), code);
        }
        assert_eq!(
            ErrorCode::from_wire("Nope"),
            ErrorCode::Other("Nope".into())
        );
        assert!(ErrorCode::from_wire("SlowDown").is_throttling());
        assert!(!ErrorCode::from_wire("AccessDenied").is_throttling());
    }

    #[test]
    fn snippet_is_short_and_printable() {
        let body = vec![b'a'; 5000];
        match Error::invalid_response(500, "not XML", &body) {
            Error::InvalidResponse { snippet, .. } => assert!(snippet.chars().count() <= 201),
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn echoed_values_are_cut_and_escaped() {
        assert_eq!(echo("us-east-1"), "\"us-east-1\"");
        assert_eq!(echo("a\nb\u{1b}"), "\"a\\nb\\u{1b}\"");
        let long = "é".repeat(60_000);
        let shown = echo(&long);
        assert!(shown.chars().count() < 100, "{shown}");
        assert!(shown.ends_with("… (120000 bytes)"), "{shown}");
    }

    #[test]
    fn snippet_stops_before_secrets() {
        let body = b"<R><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>marker";
        let e = Error::invalid_response(200, "truncated", body);
        assert!(!e.to_string().contains("marker"));
        assert!(e.to_string().contains("[cut]"));
    }
}
