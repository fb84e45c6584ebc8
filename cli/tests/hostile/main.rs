//! Attacks on the `sts` command (the library's own are in the root's `tests/hostile/`): no home
//! directory, hostile values in `export-credentials`, huge timeouts, echoed secrets, proxies and
//! long values on the command's error line. Every test talks to 127.0.0.1 only and sets the
//! variables it depends on.

#[path = "../../../tests/support/mod.rs"]
mod support;

#[path = "../../../tests/hostile/common.rs"]
mod common;
mod local;
mod net;
