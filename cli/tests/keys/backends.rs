//! The secret-tool backends (`pass`, `secret-tool`, macOS `security`, 1Password's `op`) through
//! fake executables on PATH that keep items in a directory and record how they were run: round
//! trips, the secret never in a child's argv or environment (read from `/proc/<pid>` while the
//! child runs), and tools that are missing, hang, fail or print garbage.

use crate::{KEY_ID, SECRET, code, home, no_secret, run, stderr, stdout, store_file, sts};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One fake for every tool (its name is how it was called): items are files in `$FAKE_STORE`.
/// `$FAKE_SLEEP` seconds of sleep first (after writing its pid to `$FAKE_STORE/pid`),
/// `$FAKE_GARBAGE` prints garbage for reads, `$FAKE_FAIL` fails echoing its input to stderr.
const FAKE: &str = r#"#!/usr/bin/env python3
import json, os, sys, time
tool = os.path.basename(sys.argv[0]); args = sys.argv[1:]
store = os.environ["FAKE_STORE"]
os.makedirs(store, exist_ok=True)
with open(os.path.join(store, "pid"), "w") as f: f.write(str(os.getpid()))
with open(os.path.join(store, "calls.log"), "a") as f: f.write(json.dumps([tool] + args) + "\n")
time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
def path(name): return os.path.join(store, tool + "-" + name.replace("/", "_"))
def read(name):
    if os.environ.get("FAKE_GARBAGE"): sys.stdout.write("\x1b[31mgarbage\n"); sys.exit(0)
    try: sys.stdout.write(open(path(name)).read())
    except FileNotFoundError: sys.stderr.write(name + " is not in the store\n"); sys.exit(1)
def write(name, data):
    if os.environ.get("FAKE_FAIL"): sys.stderr.write("refused: " + data); sys.exit(3)
    open(path(name), "w").write(data)
def remove(name):
    try: os.remove(path(name))
    except FileNotFoundError: sys.exit(1)
if tool == "pass":
    if args[0] == "insert": write(args[-1], sys.stdin.read().split("\n")[0])
    elif args[0] == "show": read(args[1])
    elif args[0] == "rm": remove(args[-1])
elif tool == "secret-tool":
    profile = args[args.index("profile") + 1]
    if args[0] == "store": write(profile, sys.stdin.read())
    elif args[0] == "lookup": read(profile)
    elif args[0] == "clear": remove(profile)
elif tool == "security":
    if args == ["-i"]:
        words = sys.stdin.read().split()
        assert words[0] == "add-generic-password", words
        write(words[words.index("-a") + 1], bytes.fromhex(words[words.index("-X") + 1]).decode())
    elif args[0] == "find-generic-password": read(args[args.index("-a") + 1])
    elif args[0] == "delete-generic-password": remove(args[args.index("-a") + 1])
elif tool == "op":
    if args[:2] == ["item", "create"]:
        t = json.load(sys.stdin)
        write(t["title"], t["fields"][0]["value"])
    elif args[:2] == ["item", "get"]: read(args[2])
    elif args[:2] == ["item", "delete"]: remove(args[2])
    elif args[:2] == ["item", "edit"]:
        os.rename(path(args[2]), path(args[args.index("--title") + 1]))
sys.exit(0)
"#;

/// A directory with the fakes (every tool's name) and the directory they keep items in.
pub(crate) fn fakes(h: &Path) -> (PathBuf, PathBuf) {
    let bin = h.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["pass", "secret-tool", "security", "op"] {
        let p = bin.join(tool);
        std::fs::write(&p, FAKE).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (bin, h.join("items"))
}

/// PATH with the fakes first.
pub(crate) fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn round_trips_through_every_tool() {
    for backend in ["pass", "secret-service", "keychain", "op"] {
        let h = home(&format!("tool-{backend}"), "[profile dev]\n");
        let (bin, items) = fakes(&h);
        let path = path_with(&bin);
        let store = items.display().to_string();
        let env = [
            ("PATH", path.as_str()),
            ("FAKE_STORE", store.as_str()),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("STS_KEYS_PASSPHRASE", ""),
        ];
        let o = run(sts(
            &h,
            &env,
            &["keys", "add", "dev", "--env", "--backend", backend],
        ));
        assert_eq!(code(&o), 0, "{backend}: {}", stderr(&o));
        // The store file lists it, without the secret (and no passphrase was needed).
        let listed = std::fs::read_to_string(store_file(&h)).unwrap();
        assert!(
            listed.contains(&format!("entry dev {backend} AKIA****RED1")),
            "{listed}"
        );
        assert!(!listed.contains("sealed"), "{listed}");
        no_secret("the store file", &listed);
        let o = run(sts(
            &h,
            &env[..2],
            &["export-credentials", "--profile", "dev", "--no-session"],
        ));
        assert_eq!(code(&o), 0, "{backend}: {}", stderr(&o));
        assert!(
            stdout(&o).contains(SECRET) && stdout(&o).contains(KEY_ID),
            "{}",
            stdout(&o)
        );
        // Never in a tool's arguments.
        let calls = std::fs::read_to_string(items.join("calls.log")).unwrap();
        no_secret(&format!("{backend}'s arguments"), &calls);
        let o = run(sts(&h, &env[..2], &["keys", "remove", "dev"]));
        assert_eq!(code(&o), 0, "{backend}: {}", stderr(&o));
        let left: Vec<_> = std::fs::read_dir(&items)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "pid" && n != "calls.log")
            .collect();
        assert!(left.is_empty(), "{backend} kept {left:?}");
    }
}

#[test]
fn the_secret_is_never_in_a_running_tool_s_argv_or_environment() {
    for backend in ["pass", "keychain", "op"] {
        let h = home(&format!("proc-{backend}"), "[profile dev]\n");
        let (bin, items) = fakes(&h);
        let path = path_with(&bin);
        let store = items.display().to_string();
        let env = [
            ("PATH", path.as_str()),
            ("FAKE_STORE", store.as_str()),
            ("FAKE_SLEEP", "3"),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("STS_KEYS_PASSPHRASE", "a passphrase"),
        ];
        let mut child = sts(
            &h,
            &env,
            &["keys", "add", "dev", "--env", "--backend", backend],
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
        // The tool writes its pid, then sleeps: read what the system shows of it meanwhile.
        let deadline = Instant::now() + Duration::from_secs(20);
        let pid = loop {
            if let Ok(p) = std::fs::read_to_string(items.join("pid"))
                && let Ok(cmdline) = std::fs::read(format!("/proc/{}/cmdline", p.trim()))
                && !cmdline.is_empty()
            {
                break p.trim().to_owned();
            }
            assert!(Instant::now() < deadline, "{backend} never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let environ = String::from_utf8_lossy(&environ).replace('\0', "\n");
        assert!(cmdline.contains(backend_tool(backend)), "{cmdline}");
        no_secret(&format!("{backend}'s argv"), &cmdline);
        no_secret(&format!("{backend}'s environment"), &environ);
        assert!(!environ.contains("a passphrase"), "{environ}");
        assert!(!environ.contains("AWS_ACCESS_KEY_ID"), "{environ}");
        assert!(child.wait().unwrap().success());
    }
}

fn backend_tool(backend: &str) -> &'static str {
    match backend {
        "pass" => "pass",
        "keychain" => "security",
        "op" => "op",
        _ => "secret-tool",
    }
}

#[test]
fn missing_hanging_failing_and_garbage_tools_are_clear_errors() {
    let h = home("tool-faults", "[profile dev]\n");
    let (bin, items) = fakes(&h);
    let path = path_with(&bin);
    let store = items.display().to_string();
    let keys = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    let add = |extra: &[(&str, &str)]| {
        let mut env = vec![("FAKE_STORE", store.as_str())];
        env.extend_from_slice(&keys);
        env.extend_from_slice(extra);
        run(sts(
            &h,
            &env,
            &["keys", "add", "dev", "--env", "--backend", "pass"],
        ))
    };
    // Missing: PATH without it.
    let o = add(&[("PATH", "/nonexistent")]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("`pass` is not installed"),
        "{}",
        stderr(&o)
    );
    assert!(!store_file(&h).exists());
    // Hangs: stopped after the timeout.
    let t = Instant::now();
    let o = add(&[
        ("PATH", path.as_str()),
        ("FAKE_SLEEP", "30"),
        ("STS_KEYS_TOOL_TIMEOUT", "1"),
    ]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("did not finish within 1 s"),
        "{}",
        stderr(&o)
    );
    assert!(t.elapsed() < Duration::from_secs(20));
    assert!(!store_file(&h).exists());
    // Fails, echoing what it was given: the error shows no secret.
    let o = add(&[("PATH", path.as_str()), ("FAKE_FAIL", "1")]);
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains("`pass` exited with 3: refused: ** redacted **"),
        "{err}"
    );
    no_secret("the error", &err);
    assert!(!store_file(&h).exists());
    // Stored, then read back as garbage.
    let o = add(&[("PATH", path.as_str())]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = std::fs::read(store_file(&h)).unwrap();
    let o = run(sts(
        &h,
        &[
            ("PATH", path.as_str()),
            ("FAKE_STORE", store.as_str()),
            ("FAKE_GARBAGE", "1"),
        ],
        &["export-credentials", "--profile", "dev", "--no-session"],
    ));
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("not an sts keys item"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(store_file(&h)).unwrap(), before);
    // Removing with the tool failing keeps the entry.
    let o = run(sts(
        &h,
        &[("PATH", "/nonexistent"), ("FAKE_STORE", store.as_str())],
        &["keys", "remove", "dev"],
    ));
    assert_ne!(code(&o), 0);
    assert_eq!(std::fs::read(store_file(&h)).unwrap(), before);
}

#[test]
fn moving_a_profile_between_backends_leaves_one_copy() {
    let h = home("tool-move", "[profile dev]\n");
    let (bin, items) = fakes(&h);
    let path = path_with(&bin);
    let store = items.display().to_string();
    let env = [
        ("PATH", path.as_str()),
        ("FAKE_STORE", store.as_str()),
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    for backend in ["pass", "file", "op"] {
        let o = run(sts(
            &h,
            &env,
            &["keys", "add", "dev", "--env", "--backend", backend],
        ));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let text = std::fs::read_to_string(store_file(&h)).unwrap();
    assert!(text.contains("entry dev op "), "{text}");
    // The file's sealed copy went with the move to op; pass's item went with the move to file.
    assert!(!text.contains("sealed"), "{text}");
    assert!(!items.join("pass-sts-keys_dev").exists());
    assert!(items.join("op-sts-keys_dev").exists());
}

#[test]
fn the_default_profile_names_the_backend() {
    let h = home(
        "tool-default",
        "[default]\nsts_keys_backend = pass\n[profile dev]\n",
    );
    let (bin, items) = fakes(&h);
    let path = path_with(&bin);
    let store = items.display().to_string();
    let mut c = sts(
        &h,
        &[
            ("PATH", path.as_str()),
            ("FAKE_STORE", store.as_str()),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &["keys", "add", "dev", "--env"],
    );
    c.env_remove("STS_KEYS_BACKEND");
    let o = run(c);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("in the pass backend"), "{}", stdout(&o));
    assert!(items.join("pass-sts-keys_dev").exists());
}
