//! `sts exec --duration-seconds` with a role profile: the role session's `DurationSeconds`
//! (aws-vault's `--duration`), over the profile's `duration_seconds`, cached in the AWS CLI's
//! cache under the key botocore gives that duration, and STS's refusal past the role's maximum.

use crate::fake::{Fake, rfc3339};
use crate::{code, env_map, home, run, stderr, stdout, sts};
use std::path::Path;
use time::OffsetDateTime;

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/dev";
const CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\nduration_seconds = 2700\n";
const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";
/// The role's maximum session duration, as the fake STS enforces it.
const MAX_SESSION: i64 = 3600;

/// An STS whose AssumeRole sessions last the DurationSeconds asked for (default one hour), and
/// that refuses more than the role's maximum with STS's error.
fn role_sts() -> Fake {
    Fake::start(|r| {
        let action = r.param("Action").unwrap_or_default();
        if action != "AssumeRole" {
            return (400, Vec::new(), format!("unexpected action {action}"));
        }
        let seconds: i64 = r
            .param("DurationSeconds")
            .map_or(3600, |d| d.parse().unwrap());
        if seconds > MAX_SESSION {
            return (
                400,
                vec![("Content-Type".into(), "text/xml".into())],
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
                 <Type>Sender</Type><Code>ValidationError</Code><Message>The requested \
                 DurationSeconds exceeds the MaxSessionDuration set for this role.</Message>\
                 </Error><RequestId>r</RequestId></ErrorResponse>"
                    .into(),
            );
        }
        let n = r.body.len();
        let exp = OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
        (
            200,
            vec![("Content-Type".into(), "text/xml".into())],
            format!(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <AssumeRoleResult><Credentials><AccessKeyId>ASIA{seconds:016}</AccessKeyId>\
                 <SecretAccessKey>secret-{n}</SecretAccessKey><SessionToken>token-{n}\
                 </SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser>\
                 <AssumedRoleId>AROAFAKE:s</AssumedRoleId>\
                 <Arn>arn:aws:sts::123456789012:assumed-role/dev/s</Arn></AssumedRoleUser>\
                 </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId>\
                 </ResponseMetadata></AssumeRoleResponse>",
                rfc3339(exp)
            ),
        )
    })
}

/// The cache file botocore would use for profile `dev` with `duration_seconds = seconds`:
/// the SHA-1 of its AssumeRole arguments but the session name, as Python's
/// `json.dumps(args, sort_keys=True)` writes them (computed here, not by the library).
fn entry(h: &Path, seconds: u32) -> std::path::PathBuf {
    use sha1::Digest as _;
    let args = format!("{{\"DurationSeconds\": {seconds}, \"RoleArn\": \"{ROLE_ARN}\"}}");
    let key: String = sha1::Sha1::digest(args.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    h.join(".aws/cli/cache").join(format!("{key}.json"))
}

fn cache_entries(h: &Path) -> usize {
    std::fs::read_dir(h.join(".aws/cli/cache")).map_or(0, |d| d.count())
}

/// Seconds from now to the child's AWS_CREDENTIAL_EXPIRATION.
fn lifetime(child_env: &str) -> i64 {
    let env = env_map(child_env);
    let exp = OffsetDateTime::parse(
        &env["AWS_CREDENTIAL_EXPIRATION"],
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (exp - OffsetDateTime::now_utc()).whole_seconds()
}

#[test]
fn a_role_profile_is_assumed_for_the_duration_asked_and_cached_per_duration() {
    let fake = role_sts();
    let h = home("exec-duration", CONFIG, BASE_KEYS);
    let url = fake.url();
    let env = [("AWS_ENDPOINT_URL_STS", url.as_str())];
    let exec = |extra: &[&str]| {
        let mut args = vec!["exec", "--profile", "dev"];
        args.extend_from_slice(extra);
        args.extend(["--", "env"]);
        run(sts(&h, &env, &args))
    };
    let durations = || -> Vec<Option<String>> {
        fake.requests()
            .iter()
            .map(|r| r.param("DurationSeconds"))
            .collect()
    };
    let o = exec(&["--duration-seconds", "1800"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The session lasts what was asked (the fake honours DurationSeconds), not the profile's
    // 2700 seconds.
    let left = lifetime(&stdout(&o));
    assert!((1700..=1800).contains(&left), "{left}");
    assert_eq!(durations(), [Some("1800".to_owned())]);
    assert!(
        entry(&h, 1800).is_file(),
        "no cache entry under botocore's key"
    );
    assert_eq!(cache_entries(&h), 1);
    // The same duration again: the cached session, no call.
    let o = exec(&["--duration-seconds", "1800"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        env_map(&stdout(&o))["AWS_ACCESS_KEY_ID"],
        "ASIA0000000000001800"
    );
    assert_eq!(durations().len(), 1);
    // Without the flag: the profile's duration_seconds, its own entry (the one `aws` uses).
    let o = exec(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        env_map(&stdout(&o))["AWS_ACCESS_KEY_ID"],
        "ASIA0000000000002700"
    );
    assert_eq!(durations()[1..], [Some("2700".to_owned())]);
    assert!(entry(&h, 2700).is_file());
    assert_eq!(cache_entries(&h), 2);
}

#[test]
fn a_duration_the_role_does_not_allow_is_stss_error() {
    let fake = role_sts();
    let h = home("exec-duration-max", CONFIG, BASE_KEYS);
    let url = fake.url();
    let env = [("AWS_ENDPOINT_URL_STS", url.as_str())];
    let o = run(sts(
        &h,
        &env,
        &[
            "exec",
            "--profile",
            "dev",
            "--duration-seconds",
            "7200",
            "--",
            "echo",
            "ran",
        ],
    ));
    assert_eq!(code(&o), 254, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ValidationError) when calling the AssumeRole \
         operation: The \
         requested DurationSeconds exceeds the MaxSessionDuration set for this role.\n"
    );
    assert_eq!(stdout(&o), "", "the command ran");
    assert_eq!(cache_entries(&h), 0);
    // Under botocore's minimum: a parameter error before any call.
    let o = run(sts(
        &h,
        &env,
        &[
            "exec",
            "--profile",
            "dev",
            "--duration-seconds",
            "899",
            "--",
            "echo",
            "ran",
        ],
    ));
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(fake.requests().len(), 1);
}
