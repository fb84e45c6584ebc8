//! MFA codes without a terminal: `mfa_process` (inherited through `source_profile`) and the
//! `--prompt` drivers (`STS_PROMPT`), through fake programs on PATH; without either, an error
//! that says how.

use crate::fake::FakeSts;
use crate::{add, code, home, run, stderr, sts};
use std::path::{Path, PathBuf};

const MFA: &str = "arn:aws:iam::123456789012:mfa/alice";

/// A fake GUI or ykman printing `code` and appending its argv to `<dir>/argv.log`.
fn fake_prompt(dir: &Path, name: &str, code: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let p = bin.join(name);
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\necho {code}\n",
            dir.join("argv.log").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The TokenCode and SerialNumber of the fake's requests of `action`.
fn codes(fake: &FakeSts, action: &str) -> Vec<(String, String)> {
    fake.fake
        .requests()
        .iter()
        .filter(|r| r.param("Action").as_deref() == Some(action))
        .map(|r| {
            (
                r.param("TokenCode").unwrap_or_default(),
                r.param("SerialNumber").unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn mfa_process_gives_the_code_of_a_stored_profile_s_session() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
    let url = fake.url();
    let h = home(
        "mfa-process",
        &format!(
            "[profile dev]\nregion = eu-west-1\nmfa_serial = {MFA}\nmfa_process = echo 123456\n"
        ),
    );
    add(&h, "dev", &[]);
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &["export-credentials", "--profile", "dev"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        codes(&fake, "GetSessionToken"),
        [("123456".into(), MFA.into())]
    );
}

#[test]
fn mfa_process_is_inherited_through_source_profile() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/app/s");
    let url = fake.url();
    let h = home(
        "mfa-inherit",
        &format!(
            "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n\
             mfa_serial = {MFA}\nregion = eu-west-1\n\
             [profile base]\nregion = eu-west-1\nmfa_process = printf '654321\\n'\n"
        ),
    );
    add(&h, "base", &[]);
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &["whoami", "--profile", "app"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(codes(&fake, "AssumeRole"), [("654321".into(), MFA.into())]);
}

#[test]
fn prompt_drivers_run_their_program() {
    for (driver, program, code_given, want_args) in [
        (
            "zenity",
            "zenity",
            "111222",
            format!("--entry --title sts --text Enter MFA code for {MFA}"),
        ),
        (
            "kdialog",
            "kdialog",
            "222333",
            format!("--inputbox Enter MFA code for {MFA} --title sts"),
        ),
        (
            "ykman",
            "ykman",
            "333444",
            "oath accounts code --single aws:alice".to_owned(),
        ),
    ] {
        let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
        let url = fake.url();
        let h = home(
            &format!("mfa-{driver}"),
            &format!("[profile dev]\nregion = eu-west-1\nmfa_serial = {MFA}\n"),
        );
        add(&h, "dev", &[]);
        let bin = fake_prompt(&h, program, code_given);
        let path = path_with(&bin);
        // The flag for zenity, STS_PROMPT for the others.
        let (env_prompt, args): (Vec<(&str, &str)>, Vec<&str>) = if driver == "zenity" {
            (
                vec![],
                vec!["--prompt", driver, "export-credentials", "--profile", "dev"],
            )
        } else {
            (
                vec![("STS_PROMPT", driver)],
                vec!["export-credentials", "--profile", "dev"],
            )
        };
        let mut env = vec![
            ("AWS_ENDPOINT_URL_STS", url.as_str()),
            ("PATH", path.as_str()),
            ("YKMAN_OATH_CREDENTIAL_NAME", "aws:alice"),
        ];
        env.extend(env_prompt);
        let o = run(sts(&h, &env, &args));
        assert_eq!(code(&o), 0, "{driver}: {}", stderr(&o));
        assert_eq!(
            codes(&fake, "GetSessionToken"),
            [(code_given.into(), MFA.into())],
            "{driver}"
        );
        let argv = std::fs::read_to_string(h.join("argv.log")).unwrap();
        assert_eq!(argv.trim(), want_args, "{driver}");
    }
}

#[test]
fn without_a_terminal_or_a_driver_the_error_names_mfa_process() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
    let url = fake.url();
    for (extra, want) in [
        ("", "set mfa_process in the profile"),
        ("mfa_process = echo abc\n", "must be exactly 6 digits"),
        ("mfa_process = exit 7\n", "mfa_process for"),
    ] {
        let h = home(
            "mfa-none",
            &format!("[profile dev]\nregion = eu-west-1\nmfa_serial = {MFA}\n{extra}"),
        );
        add(&h, "dev", &[]);
        let o = run(sts(
            &h,
            &[("AWS_ENDPOINT_URL_STS", url.as_str())],
            &["export-credentials", "--profile", "dev"],
        ));
        assert_ne!(code(&o), 0);
        assert!(stderr(&o).contains(want), "{want}: {}", stderr(&o));
        assert!(!stderr(&o).contains("abc"), "{}", stderr(&o));
    }
    assert!(codes(&fake, "GetSessionToken").is_empty());
    let h = home("mfa-bad-driver", "");
    let o = run(sts(&h, &[], &["--prompt", "carrier-pigeon", "whoami"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("argument --prompt: Found invalid choice 'carrier-pigeon'"),
        "{}",
        stderr(&o)
    );
}
