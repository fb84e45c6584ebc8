//! The `sts` command (its code is the `sts_cli` library target beside this file).

fn main() {
    sts_cli::main()
}
