//! The daily-use commands end to end, against loopback fakes only: `exec` (and its `--server`
//! credential endpoint, with our own container provider and botocore's as the child), `console`
//! (a fake federation endpoint) and `login` / `logout` (a fake sign-in service that follows the
//! OAuth flow and checks PKCE and DPoP). Help pages are golden files (`UPDATE_GOLDEN=1`).
#![cfg(unix)]

mod config_writer;
mod console;
mod console_services;
mod exec;
mod exec_duration;
mod fake;
#[path = "../../../tests/fake_rolesanywhere/mod.rs"]
mod fake_rolesanywhere;
#[path = "../../../tests/fake_scoped/mod.rs"]
mod fake_scoped;
#[path = "../../../tests/fake_token/mod.rs"]
mod fake_token;
mod imds;
mod login;
mod mfa_login;
mod rolesanywhere;
mod scoped;
mod server;
mod server_hostile;
mod server_mfa;
mod shell;
mod signals;
mod sso;
#[path = "../../../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-daily-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A HOME with these `~/.aws/config` and `~/.aws/credentials` (empty strings: no file).
pub fn home(tag: &str, config: &str, credentials: &str) -> PathBuf {
    let h = temp_dir(tag);
    std::fs::create_dir_all(h.join(".aws")).unwrap();
    if !config.is_empty() {
        std::fs::write(h.join(".aws/config"), config).unwrap();
    }
    if !credentials.is_empty() {
        std::fs::write(h.join(".aws/credentials"), credentials).unwrap();
    }
    h
}

/// `sts` with a clean environment: PATH, HOME, IMDS off, a proxy that does not exist (every
/// endpoint here is loopback, which is never reached through a proxy), and `env`.
pub fn sts(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env("HOME", home);
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    c.env("HTTPS_PROXY", "http://127.0.0.1:9");
    c.env("HTTP_PROXY", "http://127.0.0.1:9");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args);
    c
}

/// Runs it with standard input closed.
pub fn run(mut c: Command) -> Output {
    c.stdin(std::process::Stdio::null())
        .output()
        .expect("run sts")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// `env` output as a map.
pub fn env_map(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Compares `actual` with `tests/golden/NAME` (`UPDATE_GOLDEN=1` rewrites it).
pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        actual, expected,
        "{name} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}

#[test]
fn help_pages_match_golden_files() {
    let h = home("help", "", "");
    for name in [
        "exec",
        "console",
        "login",
        "logout",
        "assume",
        "shell-init",
        "configure",
        "rolesanywhere credential-process",
        "rolesanywhere sign-string",
        "rolesanywhere read-certificate-data",
        "rolesanywhere serve",
    ] {
        let words: Vec<&str> = name.split(' ').chain(["help"]).collect();
        let o = run(sts(&h, &[], &words));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        golden(&format!("{}.help.txt", name.replace(' ', "-")), &stdout(&o));
    }
}

#[test]
fn completion_scripts_offer_the_new_commands_and_switches() {
    let h = home("completion", "", "");
    let bash = stdout(&run(sts(&h, &[], &["completion", "bash"])));
    for want in [
        "exec) COMPREPLY=($(compgen -W \"--duration-seconds --no-session --server --imds-server --force --scope-policy --scope-duration --scope-description help",
        "console) COMPREPLY=($(compgen -W \"--duration-seconds --destination --service --logout-first --print help",
        "assume) COMPREPLY=($(compgen -W \"--unset --shell help $globals $(command sts configure list-profiles 2>/dev/null)\"",
        "shell-init) COMPREPLY=($(compgen -W \" help $globals bash zsh fish powershell\"",
        "login) COMPREPLY=($(compgen -W \"--remote help",
        "logout) COMPREPLY=($(compgen -W \"--all help",
    ] {
        assert!(bash.contains(want), "{want}\n{bash}");
    }
    let zsh = stdout(&run(sts(&h, &[], &["completion", "zsh"])));
    // A switch takes no value; an integer flag does.
    assert!(zsh.contains("'--no-session[Hand long-term keys"), "{zsh}");
    assert!(zsh.contains("'--server[Serve the credentials on a loopback endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of putting keys in the environment; sts refreshes them for as long as the command runs]' \\"), "{zsh}");
    assert!(zsh.contains("'--duration-seconds[For a role profile (role_arn), the duration of the role session (AssumeRole'\\''s DurationSeconds, as aws-vault'\\''s --duration), in place of the profile'\\''s duration_seconds; the AWS CLI'\\''s cache keeps one session per duration]:integer: ' \\"), "{zsh}");
    assert!(zsh.contains("'login:"), "{zsh}");
}

#[test]
fn switches_take_no_value() {
    let h = home("switch", "", "");
    let o = run(sts(&h, &[], &["logout", "--all=yes"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("argument --all: ignored explicit argument 'yes'"),
        "{}",
        stderr(&o)
    );
    // `--` belongs to exec only.
    let o = run(sts(&h, &[], &["logout", "--", "x"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("Unknown options: --, x"),
        "{}",
        stderr(&o)
    );
}
