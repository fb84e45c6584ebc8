//! What a caller can see of and say about each attempt: the attempt hook's record and the user
//! retry policy.

use crate::error::Error;
use std::sync::Arc;
use std::time::Duration;

/// What one attempt did, for `--debug` style tracing. Secrets are already redacted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// The operation.
    pub action: &'static str,
    /// 1-based attempt number.
    pub attempt: u32,
    /// Most attempts allowed.
    pub max_attempts: u32,
    /// The URL posted to.
    pub url: String,
    /// The SigV4 canonical request (session token redacted), empty for unsigned operations.
    pub canonical_request: String,
    /// The SigV4 string to sign, empty for unsigned operations.
    pub string_to_sign: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Time the attempt took.
    pub elapsed: Duration,
    /// The error of a failed attempt (its `Display`).
    pub error: Option<String>,
}

/// A callback that sees every attempt.
pub type AttemptHook = Arc<dyn Fn(&AttemptRecord) + Send + Sync>;

/// A user retry decision, consulted before the built-in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Apply the built-in classification.
    Default,
    /// Retry (still bounded by attempts, the retry quota and the total timeout).
    Retry,
    /// Do not retry.
    Stop,
}

/// A user retry policy: given the error and the attempt number, decide.
pub type RetryPolicy = Arc<dyn Fn(&Error, u32) -> RetryDecision + Send + Sync>;
