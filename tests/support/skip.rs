//! The one way a test says that it skips: `SKIPPED: test (why)` written to the process's stderr.
//! The test harness captures what `eprintln!` prints (and shows it only when a test fails), not a
//! write to `std::io::stderr()` itself, so a plain `cargo test` shows every skip
//! (tests/README.md; `tests/public_api.rs` pins it). Included by the library's tests through
//! `support` and by the program's through `#[path]`.
#![allow(dead_code)]

/// Reports that `test` skips, and why, where `cargo test` shows it.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {test} ({why})");
}
