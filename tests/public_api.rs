//! The public API is a deliberate list: `tests/public-api.txt` is what `cargo public-api` prints
//! for this crate (every feature, blanket impls left out), and this test regenerates the listing
//! and compares, so every change to the API shows in review as a change to that file.
//!
//! It needs `cargo-public-api` (`cargo install cargo-public-api --locked`) and a nightly toolchain
//! (the tool reads rustdoc's JSON output). Without either it passes after printing `SKIPPED`; with
//! both it fails on any difference. After an intended API change, regenerate the file:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test public_api
//! ```
//!
//! The first lines starting with `//` are a header, not part of the listing.

#[path = "support/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;

const GOLDEN: &str = "tests/public-api.txt";

/// The arguments the listing is made with (kept in the golden file's header).
const ARGS: [&str; 4] = ["public-api", "--all-features", "-s", "--color=never"];

/// A `cargo` command for the tool, without what `cargo test` puts in the environment that would
/// pin the stable toolchain under it.
fn cargo() -> Command {
    let mut c = Command::new("cargo");
    for var in [
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTC",
        "CARGO_BUILD_RUSTDOC",
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_ENCODED_RUSTDOCFLAGS",
    ] {
        c.env_remove(var);
    }
    c
}

fn succeeds(c: &mut Command) -> bool {
    c.output().is_ok_and(|o| o.status.success())
}

/// Why the comparison cannot run here, if it cannot.
fn missing_tool() -> Option<&'static str> {
    if !succeeds(cargo().args(["public-api", "--version"])) {
        return Some("cargo-public-api is not installed");
    }
    if !succeeds(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])) {
        return Some("no nightly toolchain (rustup run nightly)");
    }
    None
}

/// The listing without the golden file's header lines.
fn body(text: &str) -> String {
    text.lines()
        .skip_while(|l| l.starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn header(version: &str) -> String {
    format!(
        "// The public API of sts-blocking: `cargo {}` ({version}, nightly rustdoc JSON).\n\
         // Checked by tests/public_api.rs; regenerate with `UPDATE_GOLDEN=1 cargo test --test public_api`.\n",
        ARGS.join(" "),
    )
}

#[test]
fn public_api_matches_the_golden_file() {
    if let Some(why) = missing_tool() {
        skip::skipped("public_api_matches_the_golden_file", why);
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Its own target directory: nightly artifacts never mix with the test build's.
    let target: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("public-api");
    let out = cargo()
        .args(ARGS)
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run cargo public-api");
    assert!(
        out.status.success(),
        "cargo public-api failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actual = String::from_utf8(out.stdout).expect("UTF-8 listing");
    let version = cargo()
        .args(["public-api", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let path = root.join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, format!("{}{actual}", header(&version))).expect("write golden");
        eprintln!("updated {GOLDEN} ({} lines)", actual.lines().count());
        return;
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{GOLDEN} missing: run with UPDATE_GOLDEN=1"));
    let expected = body(&golden);
    if actual != expected {
        let want: std::collections::BTreeSet<&str> = expected.lines().collect();
        let got: std::collections::BTreeSet<&str> = actual.lines().collect();
        let mut diff = String::new();
        for l in want.difference(&got) {
            diff.push_str(&format!("- {l}\n"));
        }
        for l in got.difference(&want) {
            diff.push_str(&format!("+ {l}\n"));
        }
        if diff.is_empty() {
            diff.push_str("(the same lines, in another order or repeated)\n");
        }
        panic!(
            "the public API differs from {GOLDEN} (- removed, + added); if intended, regenerate \
             with UPDATE_GOLDEN=1 cargo test --test public_api and review the diff:\n{diff}"
        );
    }
}

/// The header lines are skipped and the listing kept as is.
#[test]
fn golden_header_is_not_part_of_the_listing() {
    let text = format!("{}pub mod sts_blocking\n// not a header\n", header("v"));
    assert_eq!(body(&text), "pub mod sts_blocking\n// not a header\n");
}

/// The child of `a_skip_line_is_seen_under_the_harness_capture`; a no-op in the suite.
#[test]
fn child_reports_a_skip() {
    if std::env::var_os("STS_TEST_SKIP_CHILD").is_some() {
        skip::skipped("child_reports_a_skip", "the probe");
    }
}

/// A skip is never silent: this test binary's `child_reports_a_skip`, run as a plain `cargo test`
/// runs a passing test (its output captured), still shows its `SKIPPED:` line on stderr.
#[test]
fn a_skip_line_is_seen_under_the_harness_capture() {
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["child_reports_a_skip", "--exact", "--test-threads=1"])
        .env("STS_TEST_SKIP_CHILD", "1")
        .output()
        .expect("run the test binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("SKIPPED: child_reports_a_skip (the probe)"),
        "the skip line was swallowed; stderr: {stderr:?}"
    );
}
