//! Passing signals on to the command of `sts exec --server`, and waiting for it.
//!
//! `sts` serves the command's credentials while the command runs, so it must outlive it: were
//! `sts` to die first, its port would be free for another local user to bind, to receive the
//! token and to serve its own credentials to whatever the command left running. So [`install`]
//! catches every signal that would end `sts`, and [`Forwarder::wait`](imp::Forwarder::wait)
//! passes them on to the command until it ends:
//!
//! - passed on: HUP, INT, QUIT, USR1, USR2, ALRM, TERM, VTALRM and PROF, and on Linux STKFLT, IO,
//!   PWR and the real-time signals. INT and QUIT only when standard input is not a terminal: from
//!   a terminal the command (in the foreground process group) gets them itself, and must not get
//!   them twice.
//! - caught, not passed on: XCPU and XFSZ, which the kernel sends `sts` for its own CPU time and
//!   file size limits. PIPE is left as Rust's runtime sets it before `main`, ignored: it cannot
//!   end `sts`, a `kill -PIPE` cannot be told from `sts`'s own write to a closed pipe, and std
//!   gives the command the default disposition back when it starts it (as without `--server`).
//! - left alone: the signals of a fault in `sts` itself (SEGV, BUS, FPE, ILL, TRAP, ABRT, SYS),
//!   KILL and STOP (which cannot be caught), and those that do not end a process.
//!
//! A signal that `sts` was started with ignored stays ignored, in `sts` and in the command
//! (`execve` keeps an ignored signal ignored), and is not passed on: `nohup sts exec --server --
//! job &` outlives the session. A caught signal is back to its default in the command (`execve`
//! resets handlers).
//!
//! The handler only records the signal in an atomic flag and wakes the waiting loop (a byte on a
//! socket pair); the loop sends the signals with `kill(2)` while the command is not yet reaped,
//! so that none can reach a process that reused its pid, and a signal that came while the command
//! was being started reaches it once it runs. SIGCHLD is caught too, whatever its disposition, so
//! that the loop wakes when the command ends (and so that an inherited ignore does not let the
//! system reap the command before `sts` reads its status).
//!
//! This is the one place of the command with `unsafe`: `sigaction`, `signal`, `kill` and `write`,
//! declared here (no `libc` crate). Signal numbers and `struct sigaction` differ between systems:
//! the ones known here are those of `O_NONBLOCK` in the library's `files.rs` (Linux and Android
//! on the common architectures, macOS, iOS and the BSDs). Elsewhere, as on Windows, no signal is
//! caught and `sts` waits for the command as any parent does.

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    all(
        any(target_os = "linux", target_os = "android"),
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    )
))]
mod imp {
    use std::ffi::{c_int, c_void};
    use std::io::{ErrorKind, Read};
    use std::ops::RangeInclusive;
    use std::os::fd::IntoRawFd;
    use std::os::unix::net::UnixStream;
    use std::process::{Child, ExitStatus};
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};
    use std::time::Duration;

    const SIGHUP: c_int = 1;
    const SIGINT: c_int = 2;
    const SIGQUIT: c_int = 3;
    const SIGALRM: c_int = 14;
    const SIGTERM: c_int = 15;
    const SIGXCPU: c_int = 24;
    const SIGXFSZ: c_int = 25;
    const SIGVTALRM: c_int = 26;
    const SIGPROF: c_int = 27;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    mod numbers {
        use std::ffi::c_int;
        pub const SIGUSR1: c_int = 10;
        pub const SIGUSR2: c_int = 12;
        pub const SIGSTKFLT: c_int = 16;
        pub const SIGCHLD: c_int = 17;
        pub const SIGIO: c_int = 29;
        pub const SIGPWR: c_int = 30;
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    mod numbers {
        use std::ffi::c_int;
        pub const SIGCHLD: c_int = 20;
        pub const SIGUSR1: c_int = 30;
        pub const SIGUSR2: c_int = 31;
    }
    use numbers::*;

    /// Passed on to the command (with [`REAL_TIME`]).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const FORWARDED: &[c_int] = &[
        SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGVTALRM, SIGPROF, SIGSTKFLT,
        SIGIO, SIGPWR,
    ];
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const FORWARDED: &[c_int] = &[
        SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGVTALRM, SIGPROF,
    ];
    /// Caught so that they do not end `sts`, but about `sts`'s own limits: not passed on.
    const KEPT: &[c_int] = &[SIGXCPU, SIGXFSZ];
    /// Linux's real-time signals, glibc's SIGRTMIN to SIGRTMAX (musl keeps 34 for itself:
    /// `sigaction` refuses it, and it is skipped). Android's C library uses several: none there.
    #[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
    const REAL_TIME: RangeInclusive<c_int> = 34..=64;
    #[cfg(not(all(target_os = "linux", any(target_env = "gnu", target_env = "musl"))))]
    const REAL_TIME: RangeInclusive<c_int> = 1..=0;

    const SIG_IGN: usize = 1;

    /// How long the loop sleeps without a wake-up: a safety net, as SIGCHLD wakes it.
    const NAP: Duration = Duration::from_secs(1);

    /// `struct sigaction` as far as its handler, which comes first on these systems except
    /// 64-bit Android (after `int sa_flags`), then room for the rest: the whole struct is 152
    /// bytes at most here (glibc's, with its 128-byte signal set).
    #[repr(C)]
    struct OldAction {
        #[cfg(all(target_os = "android", target_pointer_width = "64"))]
        _flags: c_int,
        handler: usize,
        _rest: [u8; 256],
    }

    unsafe extern "C" {
        #[cfg_attr(target_os = "netbsd", link_name = "__sigaction14")]
        fn sigaction(signum: c_int, act: *const c_void, oldact: *mut OldAction) -> c_int;
        fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
        fn kill(pid: i32, sig: c_int) -> c_int;
        fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    }

    /// The signals caught and not yet seen by the loop, by number.
    static PENDING: [AtomicBool; 65] = [const { AtomicBool::new(false) }; 65];
    /// Whether a wake-up byte is on its way or unread (so at most one ever is).
    static WOKEN: AtomicBool = AtomicBool::new(false);
    /// The writing end of the wake-up socket pair, -1 without one.
    static WAKE: AtomicI32 = AtomicI32::new(-1);
    /// Whether SIGINT and SIGQUIT are passed on (no terminal).
    static FORWARD_INTERACTIVE: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_signal(sig: c_int) {
        if let Some(flag) = usize::try_from(sig).ok().and_then(|i| PENDING.get(i)) {
            flag.store(true, SeqCst);
        }
        let fd = WAKE.load(SeqCst);
        if fd >= 0 && !WOKEN.swap(true, SeqCst) {
            let byte = 1u8;
            // SAFETY: write(2) is async-signal-safe and reads one byte of `byte`. `fd` is the
            // nonblocking end of a socket pair that stays open, with at most this one byte unread
            // (WOKEN), so the write cannot fail and leaves `errno` as the interrupted code had it.
            unsafe {
                write(fd, (&raw const byte).cast(), 1);
            }
        }
    }

    /// Catches `sig`, unless it is ignored and `keep_ignored`.
    fn catch(sig: c_int, keep_ignored: bool) {
        let mut old = OldAction {
            #[cfg(all(target_os = "android", target_pointer_width = "64"))]
            _flags: 0,
            handler: 0,
            _rest: [0; 256],
        };
        // SAFETY: with a null `act`, sigaction(2) only writes the current disposition to `old`,
        // which is larger than the system's `struct sigaction`, with `handler` where the system
        // has it.
        let known = unsafe { sigaction(sig, std::ptr::null(), &raw mut old) } == 0;
        if !known || (keep_ignored && old.handler == SIG_IGN) {
            return;
        }
        // SAFETY: the handler touches atomics and calls write(2) only, both async-signal-safe.
        // signal() has BSD semantics with these C libraries (glibc, musl, bionic, the BSDs'):
        // the handler stays installed after a delivery, so a second signal cannot end `sts`, and
        // interrupted system calls are restarted.
        unsafe {
            signal(sig, on_signal);
        }
    }

    /// Whether a caught signal goes on to the command.
    fn forwarded(sig: c_int) -> bool {
        let interactive = sig == SIGINT || sig == SIGQUIT;
        (FORWARDED.contains(&sig) || REAL_TIME.contains(&sig))
            && (!interactive || FORWARD_INTERACTIVE.load(SeqCst))
    }

    /// What [`install`] set up: the loop's end of the wake-up socket pair, if it could be made.
    pub(crate) struct Forwarder {
        wake: Option<UnixStream>,
    }

    /// Catches the signals (see the [module docs](super)); call it before starting the command.
    pub(crate) fn install() -> Forwarder {
        use std::io::IsTerminal;
        FORWARD_INTERACTIVE.store(!std::io::stdin().is_terminal(), SeqCst);
        let wake = UnixStream::pair().and_then(|(reader, writer)| {
            writer.set_nonblocking(true)?;
            reader.set_read_timeout(Some(NAP))?;
            // Open for as long as the process runs: a handler may write to it at any time.
            WAKE.store(writer.into_raw_fd(), SeqCst);
            Ok(reader)
        });
        for &sig in FORWARDED.iter().chain(KEPT) {
            catch(sig, true);
        }
        for sig in REAL_TIME {
            catch(sig, true);
        }
        catch(SIGCHLD, false);
        Forwarder { wake: wake.ok() }
    }

    impl Forwarder {
        /// Passes the signals on to `child` until it ends, and returns its status.
        pub(crate) fn wait(&self, child: &mut Child) -> std::io::Result<ExitStatus> {
            let pid = i32::try_from(child.id()).ok();
            let mut buf = [0u8; 8];
            loop {
                // Before reaping: until `try_wait` does, the pid is the command's (a zombie's at
                // worst), never another process's.
                for (n, flag) in PENDING.iter().enumerate() {
                    let Ok(sig) = c_int::try_from(n) else {
                        continue;
                    };
                    if flag.swap(false, SeqCst)
                        && forwarded(sig)
                        && let Some(pid) = pid
                    {
                        // SAFETY: kill(2) takes no pointer; `pid` is our unreaped child's.
                        unsafe {
                            kill(pid, sig);
                        }
                    }
                }
                if let Some(status) = child.try_wait()? {
                    return Ok(status);
                }
                match self.wake.as_ref().map(|mut r| r.read(&mut buf)) {
                    // Rearmed after the byte is read: a signal from now on sends another.
                    Some(Ok(n)) if n > 0 => WOKEN.store(false, SeqCst),
                    Some(Err(e))
                        if matches!(
                            e.kind(),
                            ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                        ) => {}
                    // No socket pair (or a read that cannot block): look now and then.
                    _ => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_tables_hold_distinct_catchable_signals() {
            let mut all: Vec<c_int> = FORWARDED.iter().chain(KEPT).copied().collect();
            all.extend(REAL_TIME);
            all.push(SIGCHLD);
            let n = all.len();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), n, "a signal listed twice");
            // KILL (9) and STOP cannot be caught, and every number has its flag.
            let stop = if cfg!(any(target_os = "linux", target_os = "android")) {
                19
            } else {
                17
            };
            assert!(!all.contains(&9) && !all.contains(&stop));
            assert!(
                all.iter()
                    .all(|&s| s > 0 && usize::try_from(s).unwrap() < PENDING.len())
            );
            assert!(!forwarded(SIGCHLD) && !forwarded(SIGXFSZ) && forwarded(SIGUSR1));
        }
    }
}

#[cfg(not(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    all(
        any(target_os = "linux", target_os = "android"),
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    )
)))]
mod imp {
    use std::process::{Child, ExitStatus};

    /// Nothing is caught on this platform.
    pub(crate) struct Forwarder;

    /// Nothing to install on this platform.
    pub(crate) fn install() -> Forwarder {
        Forwarder
    }

    impl Forwarder {
        /// Waits for `child`.
        pub(crate) fn wait(&self, child: &mut Child) -> std::io::Result<ExitStatus> {
            child.wait()
        }
    }
}

pub(crate) use imp::install;
