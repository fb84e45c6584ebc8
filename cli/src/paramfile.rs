//! `file://` and `fileb://` parameter values, read as the AWS CLI reads them for every
//! parameter (and `sts exec --scope-policy FILE`): `~` expanded, a regular file of at most
//! [`MAX_PARAM_FILE`] bytes, never a FIFO or a device, errors in Python's words.

use crate::errors::CliError;
use crate::pystyle;
use sts_blocking::credentials::{Env, Platform};
use sts_blocking::error::FileProblem;
use sts_blocking::files::read_capped;

/// Cap on a parameter read with `file://` or `fileb://`, and on a `--cli-input-json` /
/// `--cli-input-yaml` document read so (1 MiB): ten times the largest STS parameter (a SAML
/// assertion of at most 100,000 characters), and small enough that a wrong path costs nothing.
pub(crate) const MAX_PARAM_FILE: u64 = 1024 * 1024;

/// Reads a `file://` or `fileb://` value, as the AWS CLI does for every parameter: a regular file
/// of at most [`MAX_PARAM_FILE`] bytes (a FIFO or device is refused without being opened).
pub(crate) fn load(flag: &str, value: &str) -> Result<String, CliError> {
    let Some(path) = value
        .strip_prefix("file://")
        .or_else(|| value.strip_prefix("fileb://"))
    else {
        return Ok(value.to_owned());
    };
    // `~` and `~user` as the AWS CLI expands them; with no known home directory this is an error,
    // never a path relative to the working directory.
    let path = Env::real()
        .expand_home(path, Platform::current(), "paramfile")
        .map_err(|e| {
            CliError::Param(format!(
                "Error parsing parameter '{flag}': Unable to load paramfile {value}: {e}"
            ))
        })?;
    let bytes = read_capped(&path, MAX_PARAM_FILE, "paramfile").map_err(|e| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: {}",
            file_error(&e, &path.to_string_lossy())
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::Param(format!(
            "Error parsing parameter '{flag}': Unable to load paramfile {value}: not valid UTF-8 text"
        ))
    })
}

/// Why a parameter file could not be read. What Python could not open either reads as its
/// `OSError` (`[Errno 2] No such file or directory: 'nope.json'`); a FIFO or a device (which Python
/// would wait on, or read without end) says what it is, and a file over the cap names the cap.
fn file_error(e: &sts_blocking::Error, path: &str) -> String {
    let os_error = |n: &str, words: &str| format!("[Errno {n}] {words}: {}", pystyle::repr(path));
    match e {
        sts_blocking::Error::File { problem, .. } => match problem {
            FileProblem::NotFound => os_error("2", "No such file or directory"),
            FileProblem::NotRegular { kind: "directory" } => os_error("21", "Is a directory"),
            // Rust words it "Permission denied (os error 13)".
            FileProblem::Io(text) => match text
                .strip_suffix(')')
                .and_then(|t| t.rsplit_once(" (os error "))
            {
                Some((words, n)) => os_error(n, words),
                None => text.clone(),
            },
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}
