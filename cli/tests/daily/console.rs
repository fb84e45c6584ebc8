//! `sts console`: the federation exchange against a loopback fake that checks the session JSON
//! it receives, the login URL (golden per partition), GetFederationToken for long-term keys, the
//! refusal of GetSessionToken credentials, SessionDuration rules, and the browser opener.

use crate::fake::{Fake, FakeSts};
use crate::{code, golden, home, run, stderr, stdout, sts};
use serde_json::Value as J;
use sts_blocking::SecretString;
use sts_cli::federation;

pub(crate) const ROLE_CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\n";
pub(crate) const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";

/// A federation endpoint that answers `getSigninToken` with `SigninToken` = "tok/en+1" when the
/// `Session` parameter is the JSON of credentials issued by the fake STS.
pub(crate) fn fake_federation() -> Fake {
    Fake::start(|r| {
        if r.method != "GET" || r.path() != "/federation" {
            return (404, Vec::new(), String::new());
        }
        if r.q("Action").as_deref() != Some("getSigninToken") {
            return (400, Vec::new(), "bad action".into());
        }
        let Some(session) = r.q("Session") else {
            return (400, Vec::new(), "no session".into());
        };
        let Ok(s) = serde_json::from_str::<J>(&session) else {
            return (400, Vec::new(), "session is not JSON".into());
        };
        let obj = s.as_object().unwrap();
        let keys: Vec<&String> = obj.keys().collect();
        let id = s["sessionId"].as_str().unwrap_or("");
        let n = id.strip_prefix("ASIAFAKE").unwrap_or("x");
        let ok = keys.len() == 3
            && s["sessionKey"].as_str() == Some(&format!("secret-{}", n.trim_start_matches('0')))
            && s["sessionToken"].as_str() == Some(&format!("token-{}", n.trim_start_matches('0')));
        if !ok {
            return (400, Vec::new(), format!("unexpected session {s}"));
        }
        (
            200,
            vec![("Content-Type".into(), "application/json".into())],
            r#"{"SigninToken":"tok/en+1"}"#.into(),
        )
    })
}

/// The URL the command must print for `federation` (the fake's) and `destination`.
pub(crate) fn expected_url(federation_url: &str, destination: &str) -> String {
    federation::login_url(
        federation_url,
        federation::ISSUER,
        destination,
        &SecretString::new("tok/en+1"),
    )
    .expose()
    .to_owned()
}

#[test]
fn a_role_session_signs_in_as_it_is() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let fed = fake_federation();
    let h = home("console-role", ROLE_CONFIG, BASE_KEYS);
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
    ];
    let o = run(sts(
        &h,
        &env,
        &[
            "console",
            "--profile",
            "dev",
            "--print",
            "--duration-seconds",
            "7200",
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "{}\n",
            expected_url(
                &format!("{fed_url}/federation"),
                "https://console.aws.amazon.com/console/home?region=eu-west-1"
            )
        )
    );
    assert_eq!(fake.actions(), ["AssumeRole", "GetCallerIdentity"]);
    let reqs = fed.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].q("SessionDuration").as_deref(), Some("7200"));
    // A destination of one's own; no SessionDuration unless asked.
    let o = run(sts(
        &h,
        &env,
        &[
            "console",
            "--profile",
            "dev",
            "--print",
            "--destination",
            "https://console.aws.amazon.com/s3/home?a=b&c=d",
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        expected_url(
            &format!("{fed_url}/federation"),
            "https://console.aws.amazon.com/s3/home?a=b&c=d"
        )
    );
    assert_eq!(fed.requests()[1].q("SessionDuration"), None);
    // SessionDuration is 15 minutes to 12 hours.
    let o = run(sts(
        &h,
        &env,
        &[
            "console",
            "--profile",
            "dev",
            "--print",
            "--duration-seconds",
            "50000",
        ],
    ));
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert!(stderr(&o).contains("900 to 43200"), "{}", stderr(&o));
    assert_eq!(fed.requests().len(), 2);
}

#[test]
fn long_term_keys_get_a_federation_token_and_session_tokens_are_refused() {
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/team/alice");
    let fed = fake_federation();
    let h = home("console-keys", "", "");
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let mut env = vec![
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIALONGTERM"),
        ("AWS_SECRET_ACCESS_KEY", "long-secret"),
        ("AWS_REGION", "cn-north-1"),
    ];
    let o = run(sts(
        &h,
        &env,
        &["console", "--print", "--duration-seconds", "129600"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        expected_url(
            &format!("{fed_url}/federation"),
            "https://console.amazonaws.cn/console/home?region=cn-north-1"
        )
    );
    let reqs = fake.fake.requests();
    let actions: Vec<String> = reqs.iter().map(|r| r.param("Action").unwrap()).collect();
    assert_eq!(actions, ["GetCallerIdentity", "GetFederationToken"]);
    let gft = &reqs[1];
    assert_eq!(gft.param("Name").as_deref(), Some("alice"));
    assert_eq!(
        gft.param("Policy").as_deref(),
        Some(federation::ALLOW_ALL_POLICY)
    );
    assert_eq!(gft.param("DurationSeconds").as_deref(), Some("129600"));
    assert!(
        gft.header("authorization")
            .unwrap()
            .contains("Credential=AKIALONGTERM/")
    );
    // The console lasts as long as the federation session: no SessionDuration.
    assert_eq!(fed.requests()[0].q("SessionDuration"), None);
    // GetSessionToken credentials (a user's, with a token) are refused before the exchange.
    env.push(("AWS_SESSION_TOKEN", "session-of-alice"));
    let o = run(sts(&h, &env, &["console", "--print"]));
    assert_eq!(code(&o), 253, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("GetSessionToken session of arn:aws:iam::123456789012:user/team/alice")
            && err.contains("refuses"),
        "{err}"
    );
    assert_eq!(fed.requests().len(), 1);
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_refused_exchange_says_so_without_secrets() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let fed = Fake::start(|_| (400, Vec::new(), "nope".into()));
    let h = home("console-refused", ROLE_CONFIG, BASE_KEYS);
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let o = run(sts(
        &h,
        &[
            ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
            ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
        ],
        &["console", "--profile", "dev", "--print"],
    ));
    // A failure reported by the library: the AWS CLI's general error (255).
    assert_eq!(code(&o), 255, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("refused the credentials (HTTP 400)"), "{err}");
    assert!(
        !err.contains("secret-1") && !err.contains("token-1"),
        "{err}"
    );
    // Plain http elsewhere than loopback is refused before anything is sent.
    let o = run(sts(
        &h,
        &[
            ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
            ("AWS_ENDPOINT_URL_SIGNIN", "http://signin.example.com"),
        ],
        &["console", "--profile", "dev", "--print"],
    ));
    assert_eq!(code(&o), 255, "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing plain http"), "{}", stderr(&o));
}

/// A fake `xdg-open` in `h/bin`: it writes its arguments (one a line) to `h/argv`, the file it
/// is given to `h/page`, and the modes of that file and its directory to `h/modes`; returns the
/// PATH to run `sts` with.
fn recording_opener(h: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin = h.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opener = bin.join("xdg-open");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{argv}'\n\
         cat -- \"$1\" > '{page}'\n\
         mode() {{ stat -c %a \"$1\" 2>/dev/null || stat -f %Lp \"$1\"; }}\n\
         {{ mode \"$1\"; mode \"$(dirname -- \"$1\")\"; }} > '{modes}'\n",
        argv = h.join("argv").display(),
        page = h.join("page").display(),
        modes = h.join("modes").display(),
    );
    std::fs::write(&opener, script).unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

#[test]
fn the_browser_opens_it_or_it_is_printed() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let fed = fake_federation();
    let h = home("console-open", ROLE_CONFIG, BASE_KEYS);
    let path = recording_opener(&h);
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
        ("PATH", path.as_str()),
    ];
    let want = expected_url(
        &format!("{fed_url}/federation"),
        "https://console.aws.amazon.com/console/home?region=eu-west-1",
    );
    let o = run(sts(&h, &env, &["console", "--profile", "dev"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    // The SigninToken ("tok/en+1") is in no command line that `ps` shows: the opener gets the
    // path of a private page that sends the browser on to the URL.
    let argv = std::fs::read_to_string(h.join("argv")).unwrap();
    assert!(
        !argv.contains("tok") && !argv.contains("SigninToken"),
        "{argv}"
    );
    let page = std::fs::read_to_string(h.join("page")).unwrap();
    assert!(
        page.contains(&want.replace('&', "&amp;")),
        "{page}\nwants {want}"
    );
    assert_eq!(
        std::fs::read_to_string(h.join("modes")).unwrap(),
        "600\n700\n",
        "the page and its directory are the user's only"
    );
    // An opener that fails: the URL is printed instead, and the page is gone at once.
    let opener = h.join("bin/xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}'\nexit 3\n",
            h.join("failed").display()
        ),
    )
    .unwrap();
    let o = run(sts(&h, &env, &["console", "--profile", "dev"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{want}\n"));
    assert!(
        stderr(&o).contains("Could not open a browser"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("tok"), "{}", stderr(&o));
    let given = std::fs::read_to_string(h.join("failed")).unwrap();
    assert!(!given.contains("tok"), "{given}");
    assert!(
        !std::path::Path::new(&given).exists(),
        "{given} left behind"
    );
}

#[test]
fn destinations_must_be_the_partitions_console() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let fed = fake_federation();
    let h = home("console-destination", ROLE_CONFIG, BASE_KEYS);
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
    ];
    let console = |dest: &str, region: &str| {
        run(sts(
            &h,
            &env,
            &[
                "console",
                "--profile",
                "dev",
                "--region",
                region,
                "--print",
                "--destination",
                dest,
            ],
        ))
    };
    for bad in [
        "http://console.aws.amazon.com/",
        "https://evil.example.com/",
        "https://console.aws.amazon.com.evil.example.com/",
        "https://evilconsole.aws.amazon.com/",
        "https://console.aws.amazon.com@evil.example.com/",
        "https://evil.example.com\\.console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
        "https://console.aws.amazon.com./",
        "javascript:alert(1)",
        "/s3/home",
        "https://console.amazonaws.cn/",
        "https://console.aws.amazon.com/s3/home\nx",
        "",
    ] {
        let o = console(bad, "eu-west-1");
        assert_eq!(code(&o), 252, "{bad:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("--destination") && err.contains("console.aws.amazon.com"),
            "{bad:?}: {err}"
        );
        assert!(stdout(&o).is_empty(), "{bad:?}");
    }
    // Refused before anything is sent.
    assert!(fake.actions().is_empty(), "{:?}", fake.actions());
    assert!(fed.requests().is_empty());
    for (good, region) in [
        (
            "https://console.aws.amazon.com/s3/home?a=b&c=d",
            "eu-west-1",
        ),
        (
            "https://eu-west-1.console.aws.amazon.com/ec2/home",
            "eu-west-1",
        ),
        ("https://S3.Console.AWS.Amazon.com/s3/buckets", "us-east-1"),
        ("HTTPS://console.aws.amazon.com", "us-east-1"),
        ("https://cn-north-1.console.amazonaws.cn/", "cn-north-1"),
        ("https://console.amazonaws-us-gov.com/iam", "us-gov-west-1"),
    ] {
        let o = console(good, region);
        assert_eq!(code(&o), 0, "{good}: {}", stderr(&o));
        assert_eq!(
            stdout(&o).trim(),
            expected_url(&format!("{fed_url}/federation"), good),
            "{good}"
        );
    }
    // The China console is not the commercial partition's.
    let o = console("https://console.aws.amazon.com/", "cn-north-1");
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("console.amazonaws.cn"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn control_characters_in_the_callers_arn_are_escaped() {
    // GetCallerIdentity names the caller; a CR or a C1 CSI in it must not reach the terminal raw.
    let fake = FakeSts::start(3600, "arn:aws:iam::123456789012:user/al&#13;ice&#x9b;2J");
    let fed = fake_federation();
    let h = home("console-arn", "", "");
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIALONGTERM"),
        ("AWS_SECRET_ACCESS_KEY", "long-secret"),
        ("AWS_SESSION_TOKEN", "session-of-alice"),
        ("AWS_REGION", "us-east-1"),
    ];
    let o = run(sts(&h, &env, &["console", "--print"]));
    let err = stderr(&o);
    assert_eq!(code(&o), 253, "{err:?}");
    assert!(!err.contains(['\r', '\u{9b}']), "{err:?}");
    assert!(err.contains("user/al\\rice\\u{9b}2J"), "{err:?}");
}

#[test]
fn login_urls_per_partition_match_golden() {
    let mut out = String::new();
    for region in ["us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1"] {
        let e = federation::endpoints_for(Some(region), None).unwrap();
        let session = federation::session_json(&sts_blocking::Credentials::new(
            "ASIAEXAMPLE",
            "secret/key+1",
            Some(SecretString::new("token=")),
        ));
        let get = federation::signin_token_url(&e.federation, &session, Some(3600));
        let url = federation::login_url(
            &e.federation,
            federation::ISSUER,
            &federation::default_destination(&e.console, Some(region)),
            &SecretString::new("SIGNIN/TOKEN+="),
        );
        out.push_str(&format!(
            "{region}\n  {}\n  {}\n",
            get.expose(),
            url.expose()
        ));
    }
    golden("console-urls.txt", &out);
}
