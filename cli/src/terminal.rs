//! Who may ask on the terminal. Once the command of `sts exec --server` (or `--imds-server`)
//! runs, the terminal is its own: the MFA prompt of a refresh and the offer to sign in to IAM
//! Identity Center then decline instead of reading the command's input.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the command of `sts exec --server` runs: it owns the terminal from then on.
static CHILD_OWNS_TERMINAL: AtomicBool = AtomicBool::new(false);

/// Whether the command of `sts exec` owns the terminal (nothing may prompt on it then).
pub(crate) fn child_owns_terminal() -> bool {
    CHILD_OWNS_TERMINAL.load(Ordering::SeqCst)
}

/// Hands the terminal over to the command `sts exec` is about to start.
pub(crate) fn hand_over_to_child() {
    CHILD_OWNS_TERMINAL.store(true, Ordering::SeqCst);
}
