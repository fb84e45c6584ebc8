//! Locating the corpus and reading its files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus root, or `None` (after a `SKIPPED:` line on stderr) when `STS_CONFORMANCE_DIR` is unset.
pub fn corpus(test: &str) -> Option<PathBuf> {
    match std::env::var_os("STS_CONFORMANCE_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.is_dir(),
                "STS_CONFORMANCE_DIR={} is set but is not a directory",
                dir.display()
            );
            Some(dir)
        }
        _ => {
            skipped(test, "STS_CONFORMANCE_DIR is unset");
            None
        }
    }
}

/// Reports a skipped test as `SKIPPED: test (why)` on the process's stderr, which the test harness
/// does not capture: a plain `cargo test` shows every skip, and `grep -c '^SKIPPED:'` counts them.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {test} ({why})");
}

/// Reads a file that must exist.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads and parses a JSON file that must exist.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files in `dir` (which must exist) whose names end with `suffix`, sorted.
pub fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// The subdirectories of `dir` (which must exist), sorted.
pub fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Prints the count line and fails unless every case passed.
pub fn report(name: &str, passed: usize, total: usize, failures: &[String]) {
    println!("{name}: {passed}/{total}");
    assert!(total > 0, "{name}: no cases found");
    assert!(
        failures.is_empty(),
        "{name}: {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
