//! The `sts` command (to be written).
fn main() {}
