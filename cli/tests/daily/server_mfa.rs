//! `sts exec --server` with a role profile that has `mfa_serial`: the MFA code is asked once, on
//! the terminal, before the child starts (a `GetSessionToken` session, as aws-vault makes), and
//! every refresh assumes the role from that session, in the background: the terminal is never
//! read again while the child owns it, and the child's requests are answered while a refresh
//! waits for STS. Past the session, the endpoint says to run `sts exec` again.
//!
//! `sts` asks for MFA codes on `/dev/tty`: these tests run it under `script` (util-linux), which
//! gives it a pseudo-terminal, and type the code into that.

use crate::fake::{Fake, get_authorized, rfc3339};
use crate::home;
use crate::server_hostile::{ExecServer, WAIT_FOR_STOP};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
const MFA_CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
    region = eu-west-1\n";
const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";
const PROMPT: &str = "Enter MFA code for arn:aws:iam::123456789012:mfa/alice: ";

/// A fake STS for MFA sessions: `GetSessionToken` gives `ASIASESSION…` for `session` seconds,
/// `AssumeRole` gives `ASIAROLE…` for `role` seconds after `delay`; counts the role calls in
/// flight.
struct MfaSts {
    fake: Fake,
    in_flight: Arc<AtomicUsize>,
}

impl MfaSts {
    fn start(session: i64, role: i64, delay: Duration) -> Self {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let issued = Arc::new(AtomicUsize::new(0));
        let flying = in_flight.clone();
        let fake = Fake::start(move |r| {
            let action = r.param("Action").unwrap_or_default();
            let i = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let creds = |prefix: &str, secs: i64| {
                let exp = OffsetDateTime::now_utc() + time::Duration::seconds(secs);
                format!(
                    "<Credentials><AccessKeyId>{prefix}{i:08}</AccessKeyId>\
                     <SecretAccessKey>secret-{i}</SecretAccessKey>\
                     <SessionToken>token-{i}</SessionToken>\
                     <Expiration>{}</Expiration></Credentials>",
                    rfc3339(exp)
                )
            };
            let result = match action.as_str() {
                "GetSessionToken" => creds("ASIASESSION", session),
                "AssumeRole" => {
                    flying.fetch_add(1, Ordering::SeqCst);
                    thread::sleep(delay);
                    flying.fetch_sub(1, Ordering::SeqCst);
                    format!(
                        "{}<AssumedRoleUser><AssumedRoleId>AROAFAKE:s</AssumedRoleId>\
                         <Arn>arn:aws:sts::123456789012:assumed-role/dev/s</Arn>\
                         </AssumedRoleUser>",
                        creds("ASIAROLE", role)
                    )
                }
                other => return (400, Vec::new(), format!("unexpected action {other}")),
            };
            (
                200,
                vec![("Content-Type".into(), "text/xml".into())],
                format!(
                    "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r\
                     </RequestId></ResponseMetadata></{action}Response>"
                ),
            )
        });
        Self { fake, in_flight }
    }

    /// The requests of `action`.
    fn calls(&self, action: &str) -> Vec<crate::fake::Request> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.param("Action").as_deref() == Some(action))
            .collect()
    }
}

/// Whether `script` is util-linux's (`script -qfec CMD /dev/null`).
fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("util-linux"))
}

/// `sts exec --profile dev --server` on a pseudo-terminal; types `code` when the MFA prompt
/// shows. Returns the server and what the terminal showed so far (it keeps growing).
fn start_on_terminal(
    h: &std::path::Path,
    sts_url: &str,
    code: &str,
) -> (ExecServer, Arc<Mutex<String>>) {
    let dir = crate::temp_dir("server-mfa-out");
    let (out, stop) = (dir.join("endpoint"), dir.join("stop"));
    let (out_s, stop_s) = (
        out.to_string_lossy().into_owned(),
        stop.to_string_lossy().into_owned(),
    );
    // The environment `sts` gets in every daily test, through `script`.
    let base = crate::sts(
        h,
        &[
            ("AWS_ENDPOINT_URL_STS", sts_url),
            ("STS_BIN", env!("CARGO_BIN_EXE_sts")),
            ("CHILD", WAIT_FOR_STOP),
            ("OUT", &out_s),
            ("STOP", &stop_s),
        ],
        &[],
    );
    let mut c = Command::new("script");
    c.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.args([
        "-qfec",
        "exec \"$STS_BIN\" exec --profile dev --server -- sh -c \"$CHILD\"",
        "/dev/null",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let screen = Arc::new(Mutex::new(String::new()));
    let s = screen.clone();
    thread::spawn(move || {
        let mut b = [0u8; 1024];
        while let Ok(n) = stdout.read(&mut b) {
            if n == 0 {
                break;
            }
            s.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&b[..n]));
        }
    });
    let t0 = Instant::now();
    while !screen.lock().unwrap().contains(PROMPT) {
        if t0.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("no MFA prompt: {}", screen.lock().unwrap());
        }
        thread::sleep(Duration::from_millis(10));
    }
    writeln!(stdin, "{code}").unwrap();
    // Stdin stays open (script ends the session when it closes): the thread holds it.
    thread::spawn(move || {
        thread::sleep(Duration::from_secs(120));
        drop(stdin);
    });
    (ExecServer::waiting(child, &out, stop), screen)
}

/// Asks the endpoint every 200 ms until it answers something else than credentials (20 s at
/// most), each answer within 2 s: how many credentials it served, then the other answer.
fn until_refused(server: &ExecServer) -> (usize, u16, String) {
    let t0 = Instant::now();
    let mut served = 0;
    loop {
        let sent = Instant::now();
        let (status, body) = get_authorized(&server.url, &server.token, Duration::from_secs(10));
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "{:?}",
            sent.elapsed()
        );
        if status != 200 {
            return (served, status, body);
        }
        assert!(body.contains("\"AccessKeyId\":\"ASIA"), "{body}");
        served += 1;
        assert!(t0.elapsed() < Duration::from_secs(20), "never refused");
        thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_mfa_code_is_asked_once_and_refreshes_never_hold_a_request() {
    if !have_script() {
        crate::support::skip::skipped(
            "daily the_mfa_code_is_asked_once_and_refreshes_never_hold_a_request",
            "no util-linux script to give sts a terminal",
        );
        return;
    }
    // Role credentials of two minutes: inside the cache's refresh window (5 minutes for short
    // lifetimes) from the start, outside the mandatory minute; every refresh takes STS a second.
    let fake = MfaSts::start(3600, 120, Duration::from_secs(1));
    let h = home("server-mfa", MFA_CONFIG, BASE_KEYS);
    let (server, screen) = start_on_terminal(&h, &fake.fake.url(), "123456");
    let mut keys: Vec<String> = Vec::new();
    let mut during_refresh = 0;
    let mut slowest = Duration::ZERO;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(6) {
        let before = fake.in_flight.load(Ordering::SeqCst);
        let sent = Instant::now();
        let (status, body) = get_authorized(&server.url, &server.token, Duration::from_secs(10));
        let took = sent.elapsed();
        slowest = slowest.max(took);
        assert_eq!(status, 200, "{body}");
        assert!(
            took < Duration::from_secs(1),
            "a request took {took:?} during a refresh"
        );
        if before > 0 && fake.in_flight.load(Ordering::SeqCst) > 0 {
            during_refresh += 1;
        }
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let key = v["AccessKeyId"].as_str().unwrap().to_owned();
        assert!(key.starts_with("ASIAROLE"), "{key}");
        if !keys.contains(&key) {
            keys.push(key);
        }
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.stop(), 0);
    eprintln!(
        "mfa: {} keys served, {during_refresh} requests answered while AssumeRole ran, slowest \
         {slowest:?}",
        keys.len()
    );
    assert!(keys.len() >= 2, "no refresh was served: {keys:?}");
    assert!(during_refresh > 0, "no request came while a refresh ran");
    // One code, asked once, before the child started.
    let screen = screen.lock().unwrap().clone();
    assert_eq!(screen.matches("Enter MFA code").count(), 1, "{screen}");
    let gst = fake.calls("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].param("SerialNumber").as_deref(), Some(SERIAL));
    assert_eq!(gst[0].param("TokenCode").as_deref(), Some("123456"));
    assert!(
        gst[0]
            .header("authorization")
            .unwrap()
            .contains("Credential=AKIABASEEXAMPLE/")
    );
    // Every role session comes from the MFA session, without a code.
    let roles = fake.calls("AssumeRole");
    assert!(roles.len() >= 3, "{} AssumeRole calls", roles.len());
    for r in &roles {
        assert_eq!(r.param("TokenCode"), None);
        assert_eq!(r.param("SerialNumber"), None);
        let auth = r.header("authorization").unwrap();
        assert!(auth.contains("Credential=ASIASESSION"), "{auth}");
    }
}

#[test]
fn past_the_mfa_session_the_endpoint_says_to_run_exec_again() {
    if !have_script() {
        crate::support::skip::skipped(
            "daily past_the_mfa_session_the_endpoint_says_to_run_exec_again",
            "no util-linux script to give sts a terminal",
        );
        return;
    }
    // A session of 3 seconds (STS's least is 900: the fake does as it likes) and role
    // credentials of 5.
    let fake = MfaSts::start(3, 5, Duration::ZERO);
    let h = home("server-mfa-end", MFA_CONFIG, BASE_KEYS);
    let (server, screen) = start_on_terminal(&h, &fake.fake.url(), "654321");
    let (served, status, body) = until_refused(&server);
    assert!(served >= 2, "{served} answers before the error");
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains("MFA session") && body.contains("run `sts exec` again"),
        "{body}"
    );
    assert_eq!(server.stop(), 0);
    let screen = screen.lock().unwrap().clone();
    assert_eq!(screen.matches("Enter MFA code").count(), 1, "{screen}");
    assert_eq!(fake.calls("GetSessionToken").len(), 1);
    assert_eq!(fake.calls("AssumeRole").len(), 1);
}

#[test]
fn a_refresh_that_needs_a_code_fails_instead_of_reading_the_terminal() {
    if !have_script() {
        crate::support::skip::skipped(
            "daily a_refresh_that_needs_a_code_fails_instead_of_reading_the_terminal",
            "no util-linux script to give sts a terminal",
        );
        return;
    }
    // Long-term keys with mfa_serial, no role: the GetSessionToken session (5 seconds here)
    // needs a new code to be renewed, and the terminal is the command's by then.
    let config = "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
        region = eu-west-1\n";
    let keys = "[dev]\naws_access_key_id = AKIABASEEXAMPLE\naws_secret_access_key = s\n";
    let fake = MfaSts::start(5, 5, Duration::ZERO);
    let h = home("server-mfa-keys", config, keys);
    let (server, screen) = start_on_terminal(&h, &fake.fake.url(), "111111");
    let (served, status, body) = until_refused(&server);
    assert!(served >= 2, "{served} answers before the error");
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains("terminal belongs to the command") && body.contains("run `sts exec` again"),
        "{body}"
    );
    assert_eq!(server.stop(), 0);
    let screen = screen.lock().unwrap().clone();
    assert_eq!(screen.matches("Enter MFA code").count(), 1, "{screen}");
    assert_eq!(fake.calls("GetSessionToken").len(), 1);
}
