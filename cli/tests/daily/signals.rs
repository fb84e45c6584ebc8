//! `sts exec --server` and signals: a signal `sts` was started with ignored stays ignored (in `sts`
//! and in the command: `nohup` works), and every other signal that would end `sts` is caught and
//! passed on, so that `sts` outlives its command and exits with its status. Signals are sent with
//! `kill(1)`; `sts` runs in a process group of its own, which the test kills when it ends.

use crate::exec::which;
use crate::{home, sts, temp_dir};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Temporary credentials in the environment: `--server` needs credentials that expire.
const CREDENTIALS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAX"),
    ("AWS_SECRET_ACCESS_KEY", "s"),
    ("AWS_SESSION_TOKEN", "t"),
    ("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z"),
];

/// How long anything here may take (generous: two cores shared by many test processes).
const PATIENCE: Duration = Duration::from_secs(30);

/// The command's loop: writes its pid to `ready`, waits for `go` (for 30 s at most), exits 3.
const WAIT_FOR_GO: &str = "echo $$ > ready.tmp && mv ready.tmp ready; i=0; \
    while [ ! -e go ]; do i=$((i+1)); [ $i -gt 600 ] && exit 99; sleep 0.05; done; exit 3";

/// The command traps these and logs their names (the script is used within single quotes).
const TRAPPED: &str =
    "for s in HUP USR1 USR2 ALRM TERM PIPE XFSZ; do trap \"echo $s >> log\" $s; done; ";

/// `sts exec --server -- sh -c SCRIPT` running in `dir` (its own process group, killed on drop).
struct Running {
    dir: PathBuf,
    sts: Child,
    /// The command's pid (its `ready` file).
    child: u32,
}

impl Running {
    /// Starts it, through `wrapper` (a program that then runs `sts`) if given, and waits until
    /// the command has started.
    fn start(tag: &str, wrapper: Option<&str>, script: &str) -> Running {
        let dir = temp_dir(tag);
        let h = home(tag, "", "");
        let c = sts(
            &h,
            CREDENTIALS,
            &["exec", "--server", "--", "sh", "-c", script],
        );
        let mut c = match wrapper {
            None => c,
            Some(w) => wrapped(&which(w), &c),
        };
        {
            use std::os::unix::process::CommandExt;
            c.process_group(0);
        }
        c.current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap());
        let sts = c.spawn().expect("start sts");
        let mut r = Running { dir, sts, child: 0 };
        let ready = r.dir.join("ready");
        r.until("the command started", || ready.exists());
        r.child = std::fs::read_to_string(&ready)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        r
    }

    /// Sends `sig` to `sts` alone.
    fn signal(&self, sig: &str) {
        kill(sig, &self.sts.id().to_string());
    }

    /// Sends `sig` to the process group (`sts`, the command and its `sleep`), as a terminal's
    /// hangup does.
    fn signal_group(&self, sig: &str) {
        kill(sig, &format!("-{}", self.sts.id()));
    }

    /// Waits (boundedly) for `done`.
    fn until(&mut self, what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            if let Ok(Some(status)) = self.sts.try_wait() {
                panic!("sts exited ({status}) before {what}{}", self.stderr());
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{what}: not within {PATIENCE:?}{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The lines the command's traps wrote (complete ones: it may be writing one).
    fn log(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete.lines().map(str::to_owned).collect()
    }

    /// Waits until the command has logged `want`, and fails as soon as it logs something else.
    fn logged(&mut self, want: &[&str]) {
        let start = Instant::now();
        loop {
            let log = self.log();
            if log == want {
                return;
            }
            let what = format!("{log:?} logged, {want:?} expected");
            assert!(
                log.len() < want.len() && log.iter().zip(want).all(|(l, w)| l == w),
                "{what}"
            );
            if let Ok(Some(status)) = self.sts.try_wait() {
                panic!("sts exited ({status}) with {what}{}", self.stderr());
            }
            assert!(start.elapsed() < PATIENCE, "{what}{}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn alive(&mut self) -> bool {
        matches!(self.sts.try_wait(), Ok(None))
    }

    fn child_alive(&self) -> bool {
        Command::new("kill")
            .args(["-0", &self.child.to_string()])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }

    /// Lets the command finish (`go`) and waits (boundedly) for `sts` to exit.
    fn finish(&mut self) -> ExitStatus {
        std::fs::write(self.dir.join("go"), "").unwrap();
        self.exit()
    }

    /// Waits (boundedly) for `sts` to exit.
    fn exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.sts.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "sts still running{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&self) -> String {
        let e = std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default();
        if e.is_empty() {
            String::new()
        } else {
            format!("\nsts's stderr:\n{e}")
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Whatever is left of the group (after a failure: the command, orphaned or not).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.sts.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.sts.wait();
    }
}

fn kill(sig: &str, target: &str) {
    let s = Command::new("kill")
        .args([&format!("-{sig}"), "--", target])
        .status()
        .expect("kill");
    assert!(s.success(), "kill -{sig} {target}: {s}");
}

/// `c` (a program, its arguments and its whole environment) run by `wrapper`.
fn wrapped(wrapper: &str, c: &Command) -> Command {
    let mut w = Command::new(wrapper);
    w.env_clear().arg(c.get_program()).args(c.get_args());
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            w.env(k, v);
        }
    }
    w
}

/// Whether this process runs with SIGHUP ignored (under `nohup`, say), which its children
/// inherit: a shell that sends itself SIGHUP then lives on.
fn hup_ignored_here() -> bool {
    let o = Command::new("sh")
        .args(["-c", "kill -HUP $$; echo alive"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).contains("alive")
}

#[test]
fn under_nohup_a_hangup_ends_neither_sts_nor_the_command() {
    let mut r = Running::start("sig-nohup", Some("nohup"), WAIT_FOR_GO);
    // The terminal's hangup reaches the whole group.
    r.signal_group("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        r.alive(),
        "sts ended ({}) after the hangup{}",
        r.sts.wait().unwrap(),
        r.stderr()
    );
    assert!(r.child_alive(), "the command died of the hangup");
    // Sent to sts alone, it is not passed on either.
    r.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert!(r.alive() && r.child_alive());
    // The command ran to its own end.
    assert_eq!(r.finish().code(), Some(3));
}

#[test]
fn under_nohup_a_hangup_is_not_passed_on() {
    // A command that catches SIGHUP although it was started with it ignored (`env
    // --default-signal` restores the default first, as a daemon that reloads on HUP would).
    if !Command::new("env")
        .args(["--default-signal=HUP", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        crate::support::skip::skipped("signals hangup not passed on", "no `env --default-signal`");
        return;
    }
    let script = format!("exec env --default-signal=HUP sh -c '{TRAPPED}{WAIT_FOR_GO}'");
    let mut r = Running::start("sig-nohup-trap", Some("nohup"), &script);
    r.signal("HUP");
    // Passed on, USR1 comes after HUP would have.
    r.signal("USR1");
    r.logged(&["USR1"]);
    assert_eq!(r.finish().code(), Some(3));
    assert_eq!(r.log(), ["USR1"]);
}

#[test]
fn without_nohup_a_hangup_ends_the_command_and_sts_reports_it() {
    if hup_ignored_here() {
        crate::support::skip::skipped(
            "signals hangup without nohup",
            "this process ignores SIGHUP",
        );
        return;
    }
    let mut r = Running::start("sig-hup", None, WAIT_FOR_GO);
    r.signal_group("HUP");
    // sts itself survives the signal and reports the command's death by it.
    assert_eq!(r.exit().code(), Some(128 + 1), "{}", r.stderr());
}

#[test]
fn signals_that_would_end_sts_are_passed_on_and_sts_outlives_the_command() {
    let script = format!("{TRAPPED}{WAIT_FOR_GO}");
    let mut r = Running::start("sig-forward", None, &script);
    let mut want = Vec::new();
    let mut signals = vec!["USR1", "USR2", "ALRM", "TERM"];
    // (Unless this process, hence sts, was started with SIGHUP ignored.)
    if !hup_ignored_here() {
        signals.push("HUP");
    }
    for sig in signals {
        r.signal(sig);
        want.push(sig);
        r.logged(&want);
    }
    // A second TERM does not end sts either (the command ignores it here: it only logs).
    r.signal("TERM");
    want.push("TERM");
    r.logged(&want);
    // PIPE (Rust's runtime ignores it in sts) and XFSZ (about sts's own file size limit) do not
    // end sts and are not passed on: after USR1 is logged, they would have been too.
    r.signal("PIPE");
    r.signal("XFSZ");
    r.signal("USR1");
    want.push("USR1");
    r.logged(&want);
    assert!(r.alive());
    // The command's own exit status, and nothing more was passed on.
    assert_eq!(r.finish().code(), Some(3));
    assert_eq!(r.log(), want);
}

#[test]
fn a_command_killed_by_a_passed_on_signal_is_reported_as_such() {
    let mut r = Running::start("sig-alrm", None, WAIT_FOR_GO);
    r.signal("ALRM");
    assert_eq!(r.exit().code(), Some(128 + 14), "{}", r.stderr());
}
