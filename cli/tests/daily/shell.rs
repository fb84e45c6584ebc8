//! `sts assume` through the function `sts shell-init` prints, in a real bash and fish: the
//! profile's credentials, region and name land in the shell, a failing assume leaves the shell's
//! variables as they were, help is printed rather than evaluated, `--unset` clears them, and
//! every other command line runs the program.

use crate::fake::FakeSts;
use crate::{code, home, run, stderr, stdout, sts};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\n\n\
    [profile half]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = halfkeys\n";
const CREDENTIALS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n\n[halfkeys]\naws_access_key_id = AKIAHALF\n";

/// The steps each shell runs, between `== NAME status=N` lines and the `AWS_*` / `STS_*`
/// variables after each. `$SHELL_INIT` loads the function.
const STEPS: &[(&str, &str)] = &[
    ("nosuch", "sts assume nosuch"),
    ("dev", "sts assume dev"),
    ("half", "sts assume half"),
    ("help", "sts assume help >/dev/null"),
    ("base", "sts assume base"),
    ("unset", "sts assume --unset"),
    ("version", "sts --version >/dev/null"),
];

type Vars = BTreeMap<String, String>;

/// Runs `init` (the shell's own way to load the function and set the starting variables), then
/// [`STEPS`]; returns each step's status and variables.
fn run_shell(
    shell: &str,
    init: &str,
    status_var: &str,
    h: &Path,
    sts_url: &str,
) -> Vec<(String, i32, Vars)> {
    let mut script = format!("{init}\n");
    for (name, line) in STEPS {
        script.push_str(&format!(
            "{line}\necho \"== {name} status={status_var}\"\nenv | grep -E '^(AWS_|STS_)' | LC_ALL=C sort\n"
        ));
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_sts")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(shell)
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("PATH", path)
        .env("HOME", h)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_STS", sts_url)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the shell");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut steps: Vec<(String, i32, Vars)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("== ") {
            let (name, status) = rest.split_once(" status=").expect("step line");
            steps.push((name.to_owned(), status.parse().unwrap(), Vars::new()));
        } else if let (Some(step), Some((k, v))) = (steps.last_mut(), line.split_once('=')) {
            step.2.insert(k.to_owned(), v.to_owned());
        }
    }
    assert_eq!(
        steps.len(),
        STEPS.len(),
        "{shell}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    steps
}

fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// What every shell must show after each step, `before` being the starting variables.
fn check(shell: &str, steps: &[(String, i32, Vars)], before: &Vars, sts_url: &str) {
    let get = |name: &str| steps.iter().find(|s| s.0 == name).expect(name);
    // What the test itself sets.
    let endpoint = vars(&[
        ("AWS_ENDPOINT_URL_STS", sts_url),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    // An unknown profile: the error, and nothing changed.
    let (_, status, after) = get("nosuch");
    assert_eq!(*status, 255, "{shell}");
    assert_eq!(after, before, "{shell}: a failing assume changed the shell");
    // The role's session, its region and account, the profile's name; AWS_PROFILE gone.
    let (_, status, dev) = get("dev");
    assert_eq!(*status, 0, "{shell}");
    let mut want = endpoint.clone();
    want.extend(vars(&[
        ("AWS_ACCESS_KEY_ID", "ASIAFAKE000000000001"),
        ("AWS_SECRET_ACCESS_KEY", "secret-1"),
        ("AWS_SESSION_TOKEN", "token-1"),
        ("AWS_ACCOUNT_ID", "123456789012"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("STS_PROFILE", "dev"),
    ]));
    let expiration = dev.get("AWS_CREDENTIAL_EXPIRATION").expect("expiration");
    assert!(expiration.ends_with("+00:00"), "{shell}: {expiration}");
    let mut dev_without_expiration = dev.clone();
    dev_without_expiration.remove("AWS_CREDENTIAL_EXPIRATION");
    assert_eq!(dev_without_expiration, want, "{shell}");
    // A profile that fails to resolve (half a key pair): nothing changed.
    let (_, status, after) = get("half");
    assert_eq!(*status, 255, "{shell}");
    assert_eq!(after, dev, "{shell}: a failing assume changed the shell");
    // Help is printed, not evaluated.
    let (_, status, after) = get("help");
    assert_eq!(*status, 0, "{shell}");
    assert_eq!(after, dev, "{shell}");
    // Long-term keys: no token or expiration left over, no region (the previous one removed).
    let (_, status, base) = get("base");
    assert_eq!(*status, 0, "{shell}");
    let mut want = endpoint.clone();
    want.extend(vars(&[
        ("AWS_ACCESS_KEY_ID", "AKIABASEEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "base-secret"),
        ("STS_PROFILE", "base"),
    ]));
    assert_eq!(base, &want, "{shell}");
    // --unset: every variable sts assume sets is gone.
    let (_, status, after) = get("unset");
    assert_eq!(*status, 0, "{shell}");
    assert_eq!(after, &endpoint, "{shell}");
    // Anything else runs the program.
    assert_eq!(get("version").1, 0, "{shell}");
}

fn start() -> (FakeSts, std::path::PathBuf, String) {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("shell", CONFIG, CREDENTIALS);
    let url = fake.url();
    (fake, h, url)
}

/// The starting variables: another profile, a region and keys of one's own.
const BEFORE: &[(&str, &str)] = &[
    ("AWS_PROFILE", "old"),
    ("AWS_REGION", "us-west-2"),
    ("AWS_ACCESS_KEY_ID", "AKIAOLD"),
    ("AWS_SECRET_ACCESS_KEY", "old secret"),
];

fn before(url: &str) -> Vars {
    let mut v = vars(BEFORE);
    v.insert("AWS_ENDPOINT_URL_STS".into(), url.into());
    v.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    v
}

#[test]
fn assume_in_bash() {
    let (fake, h, url) = start();
    let mut init = "set -u\neval \"$(sts shell-init bash)\"\n".to_owned();
    for (k, v) in BEFORE {
        init.push_str(&format!("export {k}='{v}'\n"));
    }
    let steps = run_shell("bash", &init, "$?", &h, &url);
    check("bash", &steps, &before(&url), &url);
    // One role session, from the base keys; the second assume of the chain never ran.
    assert_eq!(fake.actions(), ["AssumeRole"]);
}

/// The same function in zsh, when zsh is installed (nothing installs it: the function is bash's).
#[test]
fn assume_in_zsh() {
    let Some(zsh) = on_path("zsh") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: daily shell::assume_in_zsh (zsh is not installed)"
        );
        return;
    };
    let (fake, h, url) = start();
    let mut init = "set -u\neval \"$(sts shell-init zsh)\"\n".to_owned();
    for (k, v) in BEFORE {
        init.push_str(&format!("export {k}='{v}'\n"));
    }
    let steps = run_shell(&zsh, &init, "$?", &h, &url);
    check("zsh", &steps, &before(&url), &url);
    assert_eq!(fake.actions(), ["AssumeRole"]);
}

/// A program's path on PATH.
fn on_path(name: &str) -> Option<String> {
    std::env::var("PATH").ok().and_then(|p| {
        p.split(':')
            .map(|d| Path::new(d).join(name))
            .find(|f| f.is_file())
            .map(|f| f.to_string_lossy().into_owned())
    })
}

/// fish, or `None` after printing why the test skips. A missing fish is installed from Debian
/// when the test runs as root with apt-get (as CI's oracles stage does).
fn fish(test: &str) -> Option<String> {
    let found = || on_path("fish");
    if let Some(f) = found() {
        return Some(f);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    if root {
        let _ = Command::new("timeout")
            .args(["300", "apt-get", "install", "-y", "fish"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(std::process::Stdio::null())
            .output();
    }
    let f = found();
    if f.is_none() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: daily shell::{test} (no fish, and apt-get install -y fish failed or is \
             not allowed)"
        );
    }
    f
}

#[test]
fn assume_in_fish() {
    let Some(fish) = fish("assume_in_fish") else {
        return;
    };
    let (fake, h, url) = start();
    let mut init = "sts shell-init fish | source\n".to_owned();
    for (k, v) in BEFORE {
        init.push_str(&format!("set -gx {k} '{v}'\n"));
    }
    let steps = run_shell(&fish, &init, "$status", &h, &url);
    check("fish", &steps, &before(&url), &url);
    assert_eq!(fake.actions(), ["AssumeRole"]);
}

#[test]
fn without_the_function_assume_says_how_to_load_it() {
    let h = home("shell-none", CONFIG, CREDENTIALS);
    let o = run(sts(&h, &[], &["assume", "dev"]));
    assert_eq!(code(&o), 252);
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("eval \"$(sts shell-init bash)\""),
        "{}",
        stderr(&o)
    );
    // Bad input: an unknown shell, --unset with a profile, no profile.
    let o = run(sts(&h, &[], &["shell-init", "tcsh"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("argument shell: Found invalid choice 'tcsh'"),
        "{}",
        stderr(&o)
    );
    let o = run(sts(
        &h,
        &[],
        &["assume", "--shell", "bash", "--unset", "dev"],
    ));
    assert_eq!(code(&o), 252);
    assert_eq!(stdout(&o), "");
    let o = run(sts(&h, &[], &["assume", "--shell", "bash"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("the following arguments are required: profile"),
        "{}",
        stderr(&o)
    );
    // The functions are golden files.
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = run(sts(&h, &[], &["shell-init", shell]));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        crate::golden(&format!("shell-init.{shell}.txt"), &stdout(&o));
    }
}

/// Runs `script` in `shell` with the test's HOME and `sts` on PATH; its standard output.
fn shell_output(shell: &str, script: &str, h: &Path) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_sts")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new(shell)
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", path)
        .env("HOME", h)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the shell");
    assert!(
        o.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The completion scripts offer the profiles of both files after --profile, and as `sts
/// assume`'s operand, in a real bash and fish.
#[test]
fn completions_offer_profile_names() {
    let h = home("shell-complete", CONFIG, CREDENTIALS);
    let bash = shell_output(
        "bash",
        "source <(sts completion bash)\n\
         t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _sts; echo \"${COMPREPLY[*]}\"; }\n\
         t sts --profile ''\nt sts whoami --profile h\nt sts assume d\nt sts completion f\n",
        &h,
    );
    assert_eq!(bash, "base dev half halfkeys\nhalf halfkeys\ndev\nfish\n");
    let Some(fish) = fish("completions_offer_profile_names (fish)") else {
        return;
    };
    let out = shell_output(
        &fish,
        "sts completion fish | source\n\
         complete -C 'sts --profile ' | string replace -r '\\t.*' ''\necho ==\n\
         complete -C 'sts assume ' | string replace -r '\\t.*' '' | string match -v -- '-*'\n\
         echo ==\ncomplete -C 'sts shell-init '\n",
        &h,
    );
    assert_eq!(
        out,
        "base\ndev\nhalf\nhalfkeys\n==\nbase\ndev\nhalf\nhalfkeys\n==\nbash\nfish\npowershell\nzsh\n"
    );
}
