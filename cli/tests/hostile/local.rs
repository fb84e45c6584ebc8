//! Local attacks on the command: home directories, profile values, shell quoting.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A scratch directory holding `~/.aws/config` and `~/.aws/credentials` (a directory literally named
/// `~`) whose `credential_process` touches `marker` and prints keys `AKIDCWDEVIL...`.
fn evil_cwd(tag: &str) -> PathBuf {
    let d = scratch(tag);
    let aws = d.join("~").join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        "[default]\nregion = us-east-1\ncredential_process = /bin/sh ./evil.sh\n",
    )
    .unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[other]\naws_access_key_id = AKIDCWDSTATIC\naws_secret_access_key = s\n",
    )
    .unwrap();
    std::fs::write(
        d.join("evil.sh"),
        "touch marker\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDCWDEVIL\", \"SecretAccessKey\": \"s\"}'\n",
    )
    .unwrap();
    std::fs::write(
        d.join("~").join("policy.json"),
        "{\"Statement\": \"FROM-THE-CWD\"}",
    )
    .unwrap();
    d
}

/// Runs `sts` in `cwd` with only PATH, IMDS disabled, and `env`.
fn sts_in(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .current_dir(cwd);
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run sts")
}

#[test]
fn no_home_never_reads_the_working_directory() {
    use crate::support::{FakeSts, caller_identity};
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let cases: [&[(&str, &str)]; 4] = [
        &[],
        &[("HOME", "")],
        &[
            ("AWS_CONFIG_FILE", "~/.aws/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        ],
        &[
            ("HOME", ""),
            ("AWS_PROFILE", "other"),
            ("AWS_CONFIG_FILE", "~/.aws/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        ],
    ];
    for (i, env) in cases.iter().enumerate() {
        let cwd = evil_cwd(&format!("home-{i}"));
        let out = sts_in(
            &cwd,
            env,
            &[
                "get-caller-identity",
                "--endpoint-url",
                &url,
                "--region",
                "us-east-1",
            ],
        );
        assert!(
            !cwd.join("marker").exists(),
            "case {i}: the credential_process of ./~/.aws/config ran: {out:?}"
        );
        for r in fake.requests() {
            let auth = r.header("authorization").unwrap_or("");
            assert!(
                !auth.contains("AKIDCWD"),
                "case {i}: signed with the cwd's key: {auth}"
            );
        }
    }
}

#[test]
fn no_home_paramfile_is_not_read_from_the_working_directory() {
    use crate::support::{CREDS_XML, FakeSts, Reply, success};
    let fake = FakeSts::start(Reply::xml(200, success("AssumeRole", CREDS_XML)));
    let url = fake.url();
    for (i, env) in [&[][..], &[("HOME", "")][..]].iter().enumerate() {
        let cwd = evil_cwd(&format!("paramfile-{i}"));
        let mut vars = vec![
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ];
        vars.extend_from_slice(env);
        let out = sts_in(
            &cwd,
            &vars,
            &[
                "assume-role",
                "--endpoint-url",
                &url,
                "--region",
                "us-east-1",
                "--role-arn",
                "arn:aws:iam::123456789012:role/r",
                "--role-session-name",
                "sess",
                "--policy",
                "file://~/policy.json",
            ],
        );
        assert!(fake.count() == 0 || out.status.success(), "{out:?}");
        for r in fake.requests() {
            assert!(
                !r.body.contains("FROM-THE-CWD"),
                "case {i}: ./~/policy.json was sent"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn export_credentials_quotes_hostile_values_for_every_shell() {
    let d = scratch("export");
    let marker = d.join("pwned");
    let m = marker.to_str().unwrap();
    let hostile = [
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("x\u{201d}; touch {m}; \u{201c}"),
        format!("it's'; touch {m}; '"),
        format!("\u{2019}; touch {m}; \u{2018}"),
        "%PATH% & b | c < d > e ^ f".to_owned(),
        format!("line1\nline2; touch {m}"),
    ];
    for v in &hostile {
        let env = [
            ("AWS_ACCESS_KEY_ID", "ASIAEXPORT"),
            ("AWS_SECRET_ACCESS_KEY", v.as_str()),
            ("AWS_REGION", "us-east-1"),
        ];
        let run = |format: &str| sts_in(&d, &env, &["export-credentials", "--format", format]);
        // POSIX shells: evaluating the output gives back the exact value and runs nothing.
        for format in ["env", "env-no-export"] {
            let out = run(format);
            assert!(out.status.success(), "{out:?}");
            let script = format!(
                "{}\nprintf '%s' \"$AWS_SECRET_ACCESS_KEY\"",
                String::from_utf8_lossy(&out.stdout)
            );
            let sh = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&sh.stdout), v.as_str(), "{format}");
            assert!(!marker.exists(), "{format}: evaluating the output ran code");
        }
        // PowerShell: one single-quoted string, its single quotes (straight or curly) doubled.
        let out = run("powershell");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .trim_end_matches('\n')
            .split("\n$Env:")
            .find(|l| l.starts_with("AWS_SECRET_ACCESS_KEY="))
            .unwrap_or_else(|| panic!("{text}"));
        let mut want = String::from("AWS_SECRET_ACCESS_KEY='");
        for c in v.chars() {
            if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
                want.push(c);
            }
            want.push(c);
        }
        want.push('\'');
        assert_eq!(line, want);
        // cmd.exe: refused, and the value is not printed anywhere.
        let out = run("windows-cmd");
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        assert!(!String::from_utf8_lossy(&out.stderr).contains(v.as_str()));
    }
}

#[test]
fn profile_duration_seconds_out_of_range_is_an_error_like_43201() {
    use crate::support::{FakeSts, caller_identity};
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    for (value, shown) in [
        ("43201", "43201"),
        ("3000000000", "3000000000"),
        ("99999999999", "99999999999"),
        ("-5", "-5"),
        ("899", "899"),
        ("abc", "whole number"),
        ("3600.5", "whole number"),
    ] {
        let home = scratch("duration");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(
            home.join(".aws").join("config"),
            format!(
                "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
                 duration_seconds = {value}\nregion = us-east-1\n\
                 [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n"
            ),
        )
        .unwrap();
        let before = fake.count();
        let out = sts_in(
            &home,
            &[
                ("HOME", home.to_str().unwrap()),
                ("AWS_ENDPOINT_URL_STS", &url),
            ],
            &["get-caller-identity", "--profile", "r"],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{value}: accepted");
        assert!(
            err.contains("uration") && err.contains(shown),
            "{value}: {err}"
        );
        assert_eq!(fake.count(), before, "{value}: a request was sent");
    }
}

// ---- issue 16 Low 9: `sts` parameter files are capped and never block ----

/// The cap on a `file://` / `fileb://` parameter file (and a `--cli-input-*` document).
#[cfg(unix)]
const MAX_PARAM_FILE: usize = 1024 * 1024;

/// Runs `sts assume-role ... EXTRA` (test credentials, a dead loopback endpoint, an empty home)
/// under a 1 GiB address-space limit, so that an unbounded read fails at once instead of filling
/// the machine; the test fails (and `sts` is killed) if it has not exited within 20 s. Returns
/// the exit code and the standard error.
#[cfg(unix)]
fn sts_bounded(tag: &str, extra: &[&str]) -> (Option<i32>, String) {
    let limit = Duration::from_secs(20);
    let d = scratch(tag);
    let (out, err) = (d.join("stdout"), d.join("stderr"));
    let mut child = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_sts"))
        .args([
            "assume-role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/r",
            "--role-session-name",
            "s1",
        ])
        .args(extra)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &d)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("run sts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sts {extra:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = String::from_utf8_lossy(&std::fs::read(&err).unwrap()).into_owned();
    (status.code(), err)
}

/// The flags that read a file, with the name their errors give them.
#[cfg(unix)]
const FILE_FLAGS: [(&str, &str, &str); 4] = [
    ("--policy", "file://", "--policy"),
    ("--policy", "fileb://", "--policy"),
    ("--cli-input-json", "file://", "cli-input-json"),
    ("--cli-input-yaml", "fileb://", "cli-input-yaml"),
];

#[cfg(unix)]
#[test]
fn sts_parameter_files_that_are_devices_are_refused_without_reading() {
    for (flag, scheme, name) in FILE_FLAGS {
        let value = format!("{scheme}/dev/zero");
        let (code, err) = sts_bounded("param-dev", &[flag, &value]);
        assert_eq!(
            err,
            format!(
                "\nsts: [ERROR]: An error occurred (ParamValidation): Error parsing parameter '{name}': Unable to load paramfile {value}: not a \
                 regular file (character device); not read\n"
            )
        );
        assert_eq!(code, Some(252), "{flag} {value}");
    }
    // A directory still reads as Python's error for it.
    let d = scratch("param-dir");
    let value = format!("file://{}", d.display());
    let (code, err) = sts_bounded("param-dir-run", &["--policy", &value]);
    assert_eq!(
        err,
        format!(
            "\nsts: [ERROR]: An error occurred (ParamValidation): Error parsing parameter '--policy': Unable to load paramfile {value}: [Errno 21] \
             Is a directory: '{}'\n",
            d.display()
        )
    );
    assert_eq!(code, Some(252));
}

#[cfg(unix)]
#[test]
fn sts_parameter_files_that_are_fifos_are_refused_at_once() {
    let d = scratch("param-fifo");
    let fifo = d.join("fifo");
    if !mkfifo(&fifo) {
        return;
    }
    for (flag, scheme, name) in FILE_FLAGS {
        let value = format!("{scheme}{}", fifo.display());
        let (code, err) = sts_bounded("param-fifo-run", &[flag, &value]);
        assert_eq!(
            err,
            format!(
                "\nsts: [ERROR]: An error occurred (ParamValidation): Error parsing parameter '{name}': Unable to load paramfile {value}: not a \
                 regular file (FIFO); not read\n"
            )
        );
        assert_eq!(code, Some(252), "{flag} {value}");
    }
}

#[cfg(unix)]
#[test]
fn sts_parameter_files_over_the_cap_are_refused_and_the_cap_is_named() {
    let d = scratch("param-cap");
    let (at, over) = (d.join("at-cap"), d.join("over-cap"));
    std::fs::write(&at, "a".repeat(MAX_PARAM_FILE)).unwrap();
    std::fs::write(&over, "a".repeat(MAX_PARAM_FILE + 1)).unwrap();
    for (flag, scheme, name) in FILE_FLAGS {
        let value = format!("{scheme}{}", over.display());
        let (code, err) = sts_bounded("param-cap-run", &[flag, &value]);
        assert_eq!(
            err,
            format!(
                "\nsts: [ERROR]: An error occurred (ParamValidation): Error parsing parameter '{name}': Unable to load paramfile {value}: larger \
                 than the 1048576-byte limit; not read\n"
            )
        );
        assert_eq!(code, Some(252), "{flag} {value}");
        // A file at the cap is read (and then found invalid for what it holds).
        let value = format!("{scheme}{}", at.display());
        let (_, err) = sts_bounded("param-cap-run", &[flag, &value]);
        assert!(!err.contains("Unable to load paramfile"), "{flag}: {err}");
    }
}

/// The cap leaves room over the largest STS parameter: a 100,000-character SAML assertion.
#[test]
fn sts_largest_saml_assertion_is_read_from_a_file_and_sent() {
    use crate::support::{CREDS_XML, FakeSts, Reply, success};
    let fake = FakeSts::start(Reply::xml(200, success("AssumeRoleWithSAML", CREDS_XML)));
    let d = scratch("param-saml");
    let assertion = "PHNhbWw+".repeat(12_500);
    assert_eq!(assertion.len(), 100_000);
    std::fs::write(d.join("assertion.b64"), &assertion).unwrap();
    let out = sts_in(
        &d,
        &[
            ("HOME", d.to_str().unwrap()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_STS", &fake.url()),
        ],
        &[
            "assume-role-with-saml",
            "--role-arn",
            "arn:aws:iam::123456789012:role/r",
            "--principal-arn",
            "arn:aws:iam::123456789012:saml-provider/p",
            "--saml-assertion",
            "file://assertion.b64",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fake.requests()[0].param("SAMLAssertion").as_deref(),
        Some(assertion.as_str())
    );
}

#[test]
fn login_cache_directory_of_another_user_never_reads_the_working_directory() {
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Admin/alice";
    for user in ["nosuchuser", "root"] {
        // A cache file planted under a directory literally named `~user` in the working directory,
        // with credentials valid for an hour.
        let cwd = scratch(&format!("login-cache-{user}"));
        let planted = cwd.join(format!("~{user}")).join("cache");
        std::fs::create_dir_all(&planted).unwrap();
        let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        let expires = later
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        std::fs::write(
            sts_blocking::credentials::LoginProvider::cache_file(&planted, SESSION),
            format!(
                "{{\"accessToken\": {{\"accessKeyId\": \"AKIDPLANTED\", \"secretAccessKey\": \"s\", \
                 \"sessionToken\": \"t\", \"expiresAt\": \"{expires}\"}}, \"clientId\": \"c\", \
                 \"refreshToken\": \"r\", \"dpopKey\": \"k\"}}"
            ),
        )
        .unwrap();
        let home = cwd.join("home");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            format!("[default]\nregion = us-east-1\nlogin_session = {SESSION}\n"),
        )
        .unwrap();
        let out = sts_in(
            &cwd,
            &[
                ("HOME", home.to_str().unwrap()),
                ("AWS_LOGIN_CACHE_DIRECTORY", &format!("~{user}/cache")),
            ],
            &["export-credentials", "--format", "env"],
        );
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            !stdout.contains("AKIDPLANTED"),
            "~{user}: the planted ./~{user}/cache file was used: {stdout}"
        );
        assert!(!out.status.success(), "~{user}: {stdout}");
        if user == "nosuchuser" {
            assert!(stderr.contains("~nosuchuser"), "{stderr}");
        }
    }
}
