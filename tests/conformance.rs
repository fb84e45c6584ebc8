//! Conformance tests against the shared corpus in `$STS_CONFORMANCE_DIR` (CI sets it to
//! `../shared/conformance`). The corpus is never copied into this repository.
//!
//! - Variable unset: each test passes after printing `SKIPPED: name (STS_CONFORMANCE_DIR is unset)`
//!   to stderr, uncaptured, so the skip shows in a plain `cargo test` (tests/README.md).
//! - Variable set but a file missing: the test fails.
//!
//! Each test prints a count line such as `sigv4 classic: 34/34`.

#[path = "conformance/common.rs"]
mod common;
#[path = "conformance/credentials.rs"]
mod credentials;
#[path = "conformance/endpoints.rs"]
mod endpoints;
#[path = "conformance/requests.rs"]
mod requests;
#[path = "conformance/responses.rs"]
mod responses;
#[cfg(feature = "client")]
#[path = "conformance/scenarios.rs"]
mod scenarios;
#[path = "conformance/sigv4.rs"]
mod sigv4;
