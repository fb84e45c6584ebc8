//! `sts exec` without the server: the environment the command gets, sessions for long-term keys,
//! the nesting guard, `$SHELL`, exit statuses.

use crate::fake::FakeSts;
use crate::{code, env_map, home, run, stderr, stdout, sts};

const ROLE_CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\n";
const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";

/// Variables a parent may have that must not reach the command.
const NOISE: &[(&str, &str)] = &[
    ("AWS_PROFILE", "other"),
    ("AWS_DEFAULT_PROFILE", "other"),
    ("AWS_SECURITY_TOKEN", "stale"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/x"),
    ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "stale"),
    ("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent"),
    ("AWS_ROLE_ARN", "arn:aws:iam::1:role/other"),
    ("AWS_CREDENTIAL_FILE", "/nonexistent"),
    // aws-vault's own.
    ("AWS_SESSION_EXPIRATION", "2000-01-01T00:00:00Z"),
    ("AWS_VAULT", "other"),
    ("UNRELATED", "kept"),
];

#[test]
fn a_role_session_reaches_the_command_and_nothing_else_does() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("exec-role", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let mut env = vec![("AWS_ENDPOINT_URL_STS", url.as_str())];
    env.extend_from_slice(NOISE);
    let o = run(sts(&h, &env, &["exec", "--profile", "dev", "--", "env"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "ASIAFAKE000000000001");
    assert_eq!(child["AWS_SECRET_ACCESS_KEY"], "secret-1");
    assert_eq!(child["AWS_SESSION_TOKEN"], "token-1");
    assert!(child["AWS_CREDENTIAL_EXPIRATION"].ends_with("+00:00"));
    assert_eq!(child["AWS_REGION"], "eu-west-1");
    assert_eq!(child["AWS_DEFAULT_REGION"], "eu-west-1");
    assert_eq!(child["AWS_ACCOUNT_ID"], "123456789012");
    assert_eq!(child["STS_EXEC"], "dev");
    assert_eq!(child["UNRELATED"], "kept");
    for gone in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CREDENTIAL_FILE",
        "AWS_SESSION_EXPIRATION",
        "AWS_VAULT",
    ] {
        assert!(!child.contains_key(gone), "{gone} reached the command");
    }
    // The role was assumed once (with the base keys) and no session was made of it.
    assert_eq!(fake.actions(), ["AssumeRole"]);
    // The session is in the AWS CLI's cache: a second run assumes nothing.
    let o = run(sts(&h, &env, &["exec", "--profile", "dev", "--", "env"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        env_map(&stdout(&o))["AWS_ACCESS_KEY_ID"],
        "ASIAFAKE000000000001"
    );
    assert_eq!(fake.actions(), ["AssumeRole"]);
}

#[test]
fn long_term_keys_get_a_session_unless_no_session() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/alice");
    let h = home("exec-keys", "", "");
    let url = fake.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIALONGTERMEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "long-secret"),
        ("AWS_REGION", "us-west-2"),
    ];
    let o = run(sts(
        &h,
        &env,
        &["exec", "--duration-seconds", "900", "--", "env"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "ASIAFAKE000000000001");
    assert_eq!(child["AWS_SESSION_TOKEN"], "token-1");
    assert_eq!(child["STS_EXEC"], "default");
    let reqs = fake.fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].param("Action").as_deref(), Some("GetSessionToken"));
    assert_eq!(reqs[0].param("DurationSeconds").as_deref(), Some("900"));
    // No MFA for keys from the environment.
    assert_eq!(reqs[0].param("SerialNumber"), None);
    assert!(
        reqs[0]
            .header("authorization")
            .unwrap()
            .contains("Credential=AKIALONGTERMEXAMPLE/")
    );
    let o = run(sts(&h, &env, &["exec", "--no-session", "--", "env"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "AKIALONGTERMEXAMPLE");
    assert_eq!(child["AWS_SECRET_ACCESS_KEY"], "long-secret");
    assert!(!child.contains_key("AWS_SESSION_TOKEN"));
    assert!(!child.contains_key("AWS_CREDENTIAL_EXPIRATION"));
    assert_eq!(fake.actions().len(), 1);
    // Out of range, and a duration for temporary credentials: usage errors before anything runs.
    let o = run(sts(
        &h,
        &env,
        &["exec", "--duration-seconds", "60", "--", "true"],
    ));
    assert_eq!(code(&o), 252);
    assert!(stderr(&o).contains("900 to 129600"), "{}", stderr(&o));
    let mut temp = env.to_vec();
    temp.push(("AWS_SESSION_TOKEN", "t"));
    let o = run(sts(
        &h,
        &temp,
        &["exec", "--duration-seconds", "900", "--", "true"],
    ));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("gives other temporary credentials"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fake.actions().len(), 1);
    // --server needs credentials that expire.
    let o = run(sts(
        &h,
        &env,
        &["exec", "--no-session", "--server", "--", "true"],
    ));
    assert_eq!(code(&o), 252);
    assert!(stderr(&o).contains("drop --no-session"), "{}", stderr(&o));
}

#[test]
fn nested_exec_is_refused_unless_forced() {
    let h = home("exec-nested", "", "");
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAX"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("STS_EXEC", "outer"),
    ];
    let o = run(sts(&h, &env, &["exec", "--no-session", "--", "true"]));
    assert_eq!(code(&o), 252);
    let err = stderr(&o);
    assert!(
        err.contains("already inside sts exec (STS_EXEC=outer)") && err.contains("--force"),
        "{err}"
    );
    let o = run(sts(
        &h,
        &env,
        &["exec", "--no-session", "--force", "--", "env"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(env_map(&stdout(&o))["STS_EXEC"], "default");
}

#[test]
fn shell_statuses_and_missing_programs() {
    let h = home("exec-status", "", "");
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIAX"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    // Without a command: $SHELL (here `env`, which prints the environment).
    let env_bin = which("env");
    let mut env = keys.to_vec();
    env.push(("SHELL", env_bin.as_str()));
    let o = run(sts(&h, &env, &["exec", "--no-session"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let child = env_map(&stdout(&o));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], "AKIAX");
    // No region configured: sts talks to us-east-1 itself, and the command gets none.
    assert!(!child.contains_key("AWS_REGION"), "{child:?}");
    // The command's exit status is ours, with and without the server.
    let o = run(sts(
        &h,
        &keys,
        &["exec", "--no-session", "--", "sh", "-c", "exit 7"],
    ));
    assert_eq!(code(&o), 7);
    // Killed by a signal: without the server sts *is* the command, so it dies of the signal
    // too; with the server sts reports 128 + N, as shells do.
    let o = run(sts(
        &h,
        &keys,
        &["exec", "--no-session", "--", "sh", "-c", "kill -TERM $$"],
    ));
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(o.status.signal(), Some(15), "{}", stderr(&o));
    }
    let mut temp = keys.to_vec();
    temp.extend([
        ("AWS_SESSION_TOKEN", "t"),
        ("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z"),
    ]);
    let o = run(sts(
        &h,
        &temp,
        &["exec", "--server", "--", "sh", "-c", "kill -TERM $$"],
    ));
    assert_eq!(code(&o), 143, "{}", stderr(&o));
    let o = run(sts(
        &h,
        &temp,
        &["exec", "--server", "--", "sh", "-c", "exit 9"],
    ));
    assert_eq!(code(&o), 9, "{}", stderr(&o));
    let o = run(sts(
        &h,
        &keys,
        &["exec", "--no-session", "--", "no-such-program-here"],
    ));
    assert_eq!(code(&o), 127);
    assert!(
        stderr(&o).contains("cannot run no-such-program-here"),
        "{}",
        stderr(&o)
    );
    // Nothing secret in what sts itself printed.
    assert!(!stderr(&o).contains("AKIAX"));
}

/// The absolute path of a program on PATH.
pub fn which(name: &str) -> String {
    let path = std::env::var("PATH").unwrap();
    path.split(':')
        .map(|d| std::path::Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not on PATH"))
        .to_string_lossy()
        .into_owned()
}
