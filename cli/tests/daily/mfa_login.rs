//! `sts configure mfa-login` against a fake STS that accepts one MFA code: the AWS CLI's
//! prompts and messages, the credentials file changed as the CLI changes it (other profiles and
//! comments kept, keys replaced in place, a new file 0600), nothing written for a wrong code; and
//! `sts configure list-profiles`.

use crate::fake::{Fake, rfc3339};
use crate::{code, home, stderr, stdout, sts};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use time::OffsetDateTime;

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
const GOOD_CODE: &str = "123456";

/// A fake STS whose GetSessionToken wants [`GOOD_CODE`]; sessions last the duration asked for
/// and expire at a whole second.
fn mfa_sts() -> Fake {
    Fake::start(|r| {
        if r.param("Action").as_deref() != Some("GetSessionToken") {
            return (400, Vec::new(), "unexpected action".into());
        }
        if r.param("TokenCode").as_deref() != Some(GOOD_CODE) {
            return (
                403,
                vec![("Content-Type".into(), "text/xml".into())],
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
                 <Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication \
                 failed with invalid MFA one time pass code. </Message></Error>\
                 <RequestId>r</RequestId></ErrorResponse>"
                    .into(),
            );
        }
        let seconds: i64 = r.param("DurationSeconds").unwrap().parse().unwrap();
        let exp = OffsetDateTime::from_unix_timestamp(
            OffsetDateTime::now_utc().unix_timestamp() + seconds,
        )
        .unwrap();
        (
            200,
            vec![("Content-Type".into(), "text/xml".into())],
            format!(
                "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetSessionTokenResult><Credentials><AccessKeyId>ASIAMFASESSION</AccessKeyId>\
                 <SecretAccessKey>mfa/secret+1</SecretAccessKey><SessionToken>mfa-token=\
                 </SessionToken><Expiration>{}</Expiration></Credentials>\
                 </GetSessionTokenResult><ResponseMetadata><RequestId>r</RequestId>\
                 </ResponseMetadata></GetSessionTokenResponse>",
                rfc3339(exp)
            ),
        )
    })
}

/// Runs `c` with `input` on standard input.
fn run_with(mut c: Command, input: &str) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run sts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `Credentials will expire at YYYY-MM-DD HH:MM:SS UTC`, `seconds` from now (give or take).
fn expires_line(o: &Output, seconds: i64) {
    let out = stdout(o);
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("Credentials will expire at "))
        .expect("expiry line");
    let rfc3339 = format!("{}Z", line.replacen(' ', "T", 1).trim_end_matches(" UTC"));
    let t = OffsetDateTime::parse(&rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{line}: {e}"));
    let left = (t - OffsetDateTime::now_utc()).whole_seconds();
    assert!((seconds - 60..=seconds).contains(&left), "{line}: {left}");
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

const CREDENTIALS: &str = "# my keys\n[default]\naws_access_key_id = AKIADEFAULT\n\
    aws_secret_access_key = default-secret\n\n[other]\n# keep me\n\
    aws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\nregion = eu-west-1\n";

#[test]
fn a_session_is_written_to_the_profile_the_clis_way() {
    let fake = mfa_sts();
    let h = home(
        "mfa-login",
        &format!("[default]\nmfa_serial = {SERIAL}\n"),
        CREDENTIALS,
    );
    let file = h.join(".aws/credentials");
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let url = fake.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    // The profile's mfa_serial; the code, then Enter for the default profile name.
    let o = run_with(
        sts(&h, &env, &["configure", "mfa-login"]),
        &format!("{GOOD_CODE}\n\n"),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "MFA token code: Profile to update [123456789012-alice]: Temporary credentials \
             written to profile '123456789012-alice'\nCredentials will expire at "
        ),
        "{out}"
    );
    assert!(
        out.ends_with(
            " UTC\nTo use these credentials, specify --profile 123456789012-alice when running \
             AWS CLI commands\n"
        ),
        "{out}"
    );
    expires_line(&o, 43_200);
    assert_eq!(stderr(&o), "");
    let req = &fake.requests()[0];
    assert_eq!(req.param("SerialNumber").as_deref(), Some(SERIAL));
    assert_eq!(req.param("DurationSeconds").as_deref(), Some("43200"));
    assert!(
        req.header("authorization")
            .unwrap()
            .contains("Credential=AKIADEFAULT/")
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "{CREDENTIALS}[123456789012-alice]\naws_access_key_id = ASIAMFASESSION\n\
             aws_secret_access_key = mfa/secret+1\naws_session_token = mfa-token=\n"
        )
    );
    // The file keeps its mode.
    assert_eq!(mode(&file), 0o640);
    // An existing profile: its keys replaced in place, the rest kept; the flags' values.
    let before = std::fs::read_to_string(&file).unwrap();
    let o = run_with(
        sts(
            &h,
            &env,
            &[
                "configure",
                "mfa-login",
                "--update-profile",
                "other",
                "--duration-seconds",
                "3600",
                "--serial-number",
                "GAHT12345678",
            ],
        ),
        &format!("{GOOD_CODE}\n"),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o)
            .starts_with("MFA token code: Temporary credentials written to profile 'other'\n")
    );
    expires_line(&o, 3600);
    let req = &fake.requests()[1];
    assert_eq!(req.param("SerialNumber").as_deref(), Some("GAHT12345678"));
    assert_eq!(req.param("DurationSeconds").as_deref(), Some("3600"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before.replace(
            "[other]\n# keep me\naws_access_key_id = AKIAOTHER\naws_secret_access_key = \
             other-secret\nregion = eu-west-1\n",
            "[other]\n# keep me\naws_access_key_id = ASIAMFASESSION\naws_secret_access_key = \
             mfa/secret+1\nregion = eu-west-1\naws_session_token = mfa-token=\n"
        )
    );
    // Nothing else in ~/.aws (no temporary file left behind).
    let mut names: Vec<String> = std::fs::read_dir(h.join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["config", "credentials"]);
}

#[test]
fn a_wrong_or_missing_code_writes_nothing() {
    let fake = mfa_sts();
    let h = home(
        "mfa-login-wrong",
        &format!("[default]\nmfa_serial = {SERIAL}\n"),
        CREDENTIALS,
    );
    let file = h.join(".aws/credentials");
    let url = fake.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let o = run_with(
        sts(
            &h,
            &env,
            &["configure", "mfa-login", "--update-profile", "mfa"],
        ),
        "000000\n",
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "An error occurred: An error occurred (AccessDenied) when calling the GetSessionToken \
         operation: MultiFactorAuthentication failed with invalid MFA one time pass code. \n"
    );
    assert_eq!(stdout(&o), "MFA token code: ");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CREDENTIALS);
    // No code at all: asked, then refused without a call.
    let o = run_with(
        sts(
            &h,
            &env,
            &["configure", "mfa-login", "--update-profile", "mfa"],
        ),
        "\n",
    );
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "MFA token code is required\n");
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CREDENTIALS);
    // The code never shows in what sts printed.
    let o = run_with(
        sts(
            &h,
            &env,
            &["configure", "mfa-login", "--update-profile", "mfa"],
        ),
        "987654\n",
    );
    assert_eq!(code(&o), 1);
    assert!(!stderr(&o).contains("987654") && !stdout(&o).contains("987654"));
    // Under botocore's minimum duration: a parameter error before any call.
    let o = run_with(
        sts(
            &h,
            &env,
            &[
                "configure",
                "mfa-login",
                "--update-profile",
                "mfa",
                "--duration-seconds",
                "600",
            ],
        ),
        &format!("{GOOD_CODE}\n"),
    );
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CREDENTIALS);
}

#[test]
fn without_credentials_the_keys_are_asked_for_and_a_new_file_is_0600() {
    let fake = mfa_sts();
    let h = home("mfa-login-typed", "", "");
    let file = h.join(".aws/credentials");
    let url = fake.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let o = run_with(
        sts(&h, &env, &["configure", "mfa-login"]),
        &format!("AKIATYPED\ntyped-secret\narn:aws:iam::123456789012:mfa/bob\n{GOOD_CODE}\nsess\n"),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(
            "Please provide your AWS credentials:\nAWS Access Key ID: AWS Secret Access Key: MFA \
             serial number or ARN: MFA token code: Profile to update [123456789012-bob]: \
             Temporary credentials written to profile 'sess'\n"
        ),
        "{}",
        stdout(&o)
    );
    assert!(
        fake.requests()[0]
            .header("authorization")
            .unwrap()
            .contains("Credential=AKIATYPED/")
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "[sess]\naws_access_key_id = ASIAMFASESSION\naws_secret_access_key = mfa/secret+1\n\
         aws_session_token = mfa-token=\n"
    );
    assert_eq!(mode(&file), 0o600);
    // A missing answer: the CLI's words, status 1, nothing written.
    std::fs::remove_file(&file).unwrap();
    let o = run_with(sts(&h, &env, &["configure", "mfa-login"]), "AKIATYPED\n\n");
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "AWS Secret Access Key is required\n");
    assert!(!file.exists());
}

#[test]
fn list_profiles_prints_every_profile() {
    let h = home(
        "list-profiles",
        "[default]\nregion = us-east-1\n[profile zed]\nregion = x\n[sso-session s]\nsso_region = x\n",
        "[alpha]\naws_access_key_id = A\naws_secret_access_key = s\n",
    );
    // A profile named by --profile need not exist (the AWS CLI does not look at it).
    let o = crate::run(sts(
        &h,
        &[("AWS_PROFILE", "nosuch")],
        &["configure", "list-profiles", "--profile", "nosuch"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "alpha\ndefault\nzed\n");
    let o = crate::run(sts(
        &h,
        &[],
        &["configure", "list-profiles", "--update-profile", "x"],
    ));
    assert_eq!(code(&o), 252);
    let o = crate::run(sts(&h, &[], &["configure", "set", "region"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("argument subcommand: Found invalid choice 'set'"),
        "{}",
        stderr(&o)
    );
}
