//! Passing signals on to the child of `sts exec --server` (Unix; elsewhere nothing is done).
//!
//! `sts` stays alive while its child runs, so a signal meant to stop the child must not stop
//! `sts` first. [`install`] catches SIGTERM, SIGHUP, SIGINT and SIGQUIT; once [`forward_to`] knows
//! the child, the handler sends it the same signal with `kill(2)` (async-signal-safe; the
//! handler touches atomics only); a signal that arrives while the child is being started is
//! kept and delivered as soon as its pid is known. SIGINT and SIGQUIT from a terminal already reach the child
//! (it is in the terminal's foreground process group): they are only passed on when standard
//! input is not a terminal, so that the child does not get them twice. The handlers are reset to
//! the defaults in the child by `execve`.
//!
//! This is the one place of the command with `unsafe`: the C library's `signal` and `kill`,
//! which std does not wrap.

#[cfg(unix)]
mod imp {
    use std::ffi::c_int;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    const SIGHUP: c_int = 1;
    const SIGINT: c_int = 2;
    const SIGQUIT: c_int = 3;
    const SIGTERM: c_int = 15;

    /// The child's pid, 0 until known.
    static CHILD: AtomicI32 = AtomicI32::new(0);
    /// A signal that arrived before the child was known (delivered by [`forward_to`]).
    static PENDING: AtomicI32 = AtomicI32::new(0);
    /// Whether SIGINT and SIGQUIT are passed on (no terminal).
    static FORWARD_INTERACTIVE: AtomicBool = AtomicBool::new(false);

    unsafe extern "C" {
        fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
        fn kill(pid: i32, sig: c_int) -> c_int;
    }

    /// Sends the pending signal, if any, to `pid`. Whoever swaps it out first delivers it, so a
    /// signal racing with [`forward_to`] is delivered exactly once.
    fn deliver(pid: i32) {
        let sig = PENDING.swap(0, Ordering::SeqCst);
        if sig != 0 {
            // SAFETY: kill(2) is async-signal-safe; `pid` is our own child's.
            unsafe {
                kill(pid, sig);
            }
        }
    }

    extern "C" fn on_signal(sig: c_int) {
        let interactive = sig == SIGINT || sig == SIGQUIT;
        if interactive && !FORWARD_INTERACTIVE.load(Ordering::SeqCst) {
            return;
        }
        PENDING.store(sig, Ordering::SeqCst);
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            deliver(pid);
        }
    }

    pub(crate) fn install() {
        use std::io::IsTerminal;
        FORWARD_INTERACTIVE.store(!std::io::stdin().is_terminal(), Ordering::SeqCst);
        for sig in [SIGHUP, SIGINT, SIGQUIT, SIGTERM] {
            // SAFETY: the handler only reads atomics and calls kill(2), both async-signal-safe.
            unsafe {
                signal(sig, on_signal);
            }
        }
    }

    pub(crate) fn forward_to(pid: u32) {
        let pid = i32::try_from(pid).unwrap_or(0);
        CHILD.store(pid, Ordering::SeqCst);
        if pid > 0 {
            // A signal that came while the child was starting.
            deliver(pid);
        }
    }
}

#[cfg(unix)]
pub(crate) use imp::{forward_to, install};

/// Nothing to install on this platform.
#[cfg(not(unix))]
pub(crate) fn install() {}

/// Nothing to forward on this platform.
#[cfg(not(unix))]
pub(crate) fn forward_to(_pid: u32) {}
