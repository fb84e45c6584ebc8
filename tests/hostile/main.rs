//! Attacks that were cheap to automate, kept as regression tests: echoing servers, attribute bombs,
//! huge / FIFO / `/dev/zero` files, proxy + loopback, panicking values, each with its time or memory
//! bound asserted. Network-side attacks live in `net.rs`, local ones (files, processes, values) in
//! `local.rs`.

#[path = "../support/mod.rs"]
mod support;

mod common;
mod local;
#[cfg(feature = "client")]
mod net;
