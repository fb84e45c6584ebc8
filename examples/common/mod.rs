//! What the examples share: the environment they run in, and a loopback fake of STS so that each
//! of them runs without AWS (`cargo run --example NAME -- --fake`, and their tests).
//!
//! The fake is std only and small: it answers every STS operation but AssumeRoleWithSAML the way
//! STS does, with made-up credentials, knows which identity each access key it issued belongs to,
//! and counts the calls. Real programs talk to
//! STS. The crate's doc examples and README snippets run against it too ([`doc_fake`]), so none of
//! them can reach the real AWS host.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sts_blocking::credentials::Env;
use sts_blocking::time::OffsetDateTime;
use sts_blocking::time::format_description::well_known::Rfc3339;

/// The account of every identity the fake knows.
pub const ACCOUNT: &str = "123456789012";

/// The long-term key the fake environment carries, and whose it is.
pub const BASE_KEY: &str = "AKIDEXAMPLE";
const BASE_ARN: &str = "arn:aws:iam::123456789012:user/example";

/// The environment an example runs in: the process environment, or with `--fake` on the command
/// line one that points at a fake STS started here (kept alive by the returned value).
pub fn env_from_args() -> (Env, Option<FakeSts>) {
    if std::env::args().any(|a| a == "--fake") {
        let fake = FakeSts::start();
        eprintln!("(using a fake STS at {}: no AWS involved)", fake.url());
        (fake.env(), Some(fake))
    } else {
        (Env::real(), None)
    }
}

/// For the doc examples and README snippets: starts a fake and points this process's environment
/// at it ([`FakeSts::vars`], every other `AWS_*` variable removed), so that an example written as
/// a program is written (`Sts::from_env()`, `Env::real()`) talks to the fake and never to AWS.
/// Each doc example runs in a process of its own, before any thread of its own reads the
/// environment.
pub fn doc_fake() -> FakeSts {
    doc_fake_with_config("")
}

/// As [`doc_fake`], with `config` as the shared config file (`AWS_CONFIG_FILE`), its `profile`
/// selected (`AWS_PROFILE`) and no keys in the environment (the environment step would find them
/// first): the credentials are the config's.
pub fn doc_fake_with_profile(config: &str, profile: &str) -> FakeSts {
    let fake = doc_fake_with_config(config);
    set_var("AWS_PROFILE", profile);
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        // SAFETY: see `set_var`.
        unsafe { std::env::remove_var(k) };
    }
    fake
}

fn doc_fake_with_config(config: &str) -> FakeSts {
    let fake = FakeSts::start();
    let aws: Vec<_> = std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| k.to_string_lossy().starts_with("AWS_"))
        .collect();
    for k in aws {
        // SAFETY: see `set_var`.
        unsafe { std::env::remove_var(k) };
    }
    for (k, v) in fake.vars() {
        set_var(k, &v);
    }
    if !config.is_empty() {
        let dir = std::env::temp_dir().join(format!("sts-blocking-doc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join("config");
        std::fs::write(&path, config).expect("write the config file");
        set_var("AWS_CONFIG_FILE", &path.display().to_string());
    }
    fake
}

fn set_var(key: &str, value: &str) {
    // SAFETY: a doc example is a process of its own, and its threads (the fake's server, which
    // never reads the environment) are not reading or writing the environment while it is set.
    unsafe { std::env::set_var(key, value) };
}

/// The arguments after the program name, without `--fake`.
pub fn args() -> Vec<String> {
    std::env::args().skip(1).filter(|a| a != "--fake").collect()
}

/// An environment with nothing from the machine: no keys, no profile files, IMDS off.
pub fn empty_env() -> Env {
    Env::from_map(isolated())
}

fn isolated() -> Vec<(&'static str, String)> {
    let nowhere = std::env::temp_dir().join("sts-blocking-examples-nowhere");
    vec![
        ("HOME", nowhere.display().to_string()),
        (
            "AWS_CONFIG_FILE",
            nowhere.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            nowhere.join("credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
}

#[derive(Default)]
struct State {
    /// Calls per action.
    calls: HashMap<String, usize>,
    /// Who each issued access key is.
    identities: HashMap<String, String>,
    issued: usize,
}

/// A fake STS on 127.0.0.1; it stops with the process.
pub struct FakeSts {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeSts {
    /// Starts the fake on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &state);
                });
            }
        });
        Self { url, state }
    }

    /// Its URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many `action` calls it has answered.
    pub fn calls(&self, action: &str) -> usize {
        self.lock().calls.get(action).copied().unwrap_or(0)
    }

    /// An environment with a long-term key, a region and this fake as the STS endpoint, and
    /// nothing from the machine.
    pub fn env(&self) -> Env {
        Env::from_map(self.vars())
    }

    /// The variables of [`FakeSts::env`].
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = isolated();
        vars.extend([
            ("AWS_ACCESS_KEY_ID", BASE_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "example-secret".to_owned()),
            ("AWS_REGION", "eu-west-1".to_owned()),
            ("AWS_ENDPOINT_URL_STS", self.url.clone()),
        ]);
        vars
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let (mut length, mut key) = (0usize, String::new());
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                // `Credential=AKID/date/region/sts/aws4_request`: who signed.
                "authorization" => {
                    key = value
                        .split("Credential=")
                        .nth(1)
                        .and_then(|c| c.split('/').next())
                        .unwrap_or_default()
                        .to_owned();
                }
                _ => {}
            }
        }
        let mut body = vec![0; length.min(64 * 1024)];
        reader.read_exact(&mut body)?;
        let form = decode_form(&String::from_utf8_lossy(&body));
        let xml = answer(&form, &key, state);
        let mut out = &stream;
        write!(
            out,
            "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{xml}",
            xml.len()
        )?;
        out.flush()?;
    }
}

/// The response to one call.
fn answer(form: &HashMap<String, String>, key: &str, state: &Mutex<State>) -> String {
    let action = form.get("Action").cloned().unwrap_or_default();
    let mut s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *s.calls.entry(action.clone()).or_default() += 1;
    let result = match action.as_str() {
        "GetCallerIdentity" => {
            let arn = if key == BASE_KEY {
                BASE_ARN.to_owned()
            } else {
                s.identities.get(key).cloned().unwrap_or_default()
            };
            format!("<UserId>AIDAEXAMPLE</UserId><Account>{ACCOUNT}</Account><Arn>{arn}</Arn>")
        }
        "GetSessionToken"
        | "AssumeRoot"
        | "GetDelegatedAccessToken"
        | "GetFederationToken"
        | "GetScopedCredentials" => {
            let credentials = issue(&mut s, BASE_ARN.to_owned(), 3600);
            let extra = match action.as_str() {
                "GetFederationToken" => {
                    let name = form.get("Name").map_or("user", String::as_str);
                    format!(
                        "<FederatedUser><FederatedUserId>{ACCOUNT}:{name}</FederatedUserId>\
                         <Arn>arn:aws:sts::{ACCOUNT}:federated-user/{name}</Arn></FederatedUser>"
                    )
                }
                "GetScopedCredentials" => format!(
                    "<SessionInfo><ScopedSessionId>ASSE:scoped</ScopedSessionId>\
                     <Arn>arn:aws:sts::{ACCOUNT}:scoped-session/scoped</Arn></SessionInfo>"
                ),
                "GetDelegatedAccessToken" => {
                    format!(
                        "<AssumedPrincipal>arn:aws:iam::{ACCOUNT}:role/partner</AssumedPrincipal>"
                    )
                }
                _ => String::new(),
            };
            format!("{credentials}{extra}")
        }
        "GetAccessKeyInfo" => format!("<Account>{ACCOUNT}</Account>"),
        "DecodeAuthorizationMessage" => {
            "<DecodedMessage>{&quot;allowed&quot;:false}</DecodedMessage>".to_owned()
        }
        "GetWebIdentityToken" => "<WebIdentityToken>eyJ.fake.jwt</WebIdentityToken>".to_owned(),
        "AssumeRole" | "AssumeRoleWithWebIdentity" => {
            let role = form.get("RoleArn").map_or("", String::as_str);
            let role_name = role.rsplit('/').next().unwrap_or("role");
            let session = form
                .get("RoleSessionName")
                .map_or("session", String::as_str);
            let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}");
            let seconds: i64 = form
                .get("DurationSeconds")
                .and_then(|d| d.parse().ok())
                .unwrap_or(3600);
            let credentials = issue(&mut s, arn.clone(), seconds);
            format!(
                "{credentials}<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId>\
                 <Arn>{arn}</Arn></AssumedRoleUser>"
            )
        }
        _ => String::new(),
    };
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <{action}Result>{result}</{action}Result>\
         <ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// New temporary credentials for `arn`, valid `seconds`: their `<Credentials>` element (the fake
/// knows their access key as `arn` from then on).
fn issue(s: &mut State, arn: String, seconds: i64) -> String {
    s.issued += 1;
    let access_key = format!("ASIAFAKE{:012}", s.issued);
    s.identities.insert(access_key.clone(), arn);
    let expiration = (OffsetDateTime::now_utc() + Duration::from_secs(seconds.unsigned_abs()))
        .format(&Rfc3339)
        .unwrap_or_default();
    format!(
        "<Credentials><AccessKeyId>{access_key}</AccessKeyId>\
         <SecretAccessKey>fake-secret-{n}</SecretAccessKey>\
         <SessionToken>fake-token-{n}</SessionToken>\
         <Expiration>{expiration}</Expiration></Credentials>",
        n = s.issued
    )
}

/// `application/x-www-form-urlencoded` into a map.
fn decode_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
