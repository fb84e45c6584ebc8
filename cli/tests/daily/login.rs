//! `sts login` / `sts logout` end to end against a fake sign-in service that follows the flow:
//! `/v1/authorize` checks the request and redirects (or shows the code to paste), `/v1/token`
//! checks PKCE (the S256 challenge of the verifier), the code, the redirect URI and the DPoP
//! proof (signature against the JWK it carries, `htm`, `htu`, `iat`, a fresh `jti`), binds the
//! key, and issues one-minute credentials that the `login_session` provider then refreshes with
//! the same key. The test plays the browser.

use crate::fake::{Fake, Request, get};
use crate::{code, home, run, stderr, stdout, sts};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Admin/alice";
const CODE: &str = "the code/1+";

#[derive(Default)]
struct Signin {
    base: String,
    state: Option<String>,
    challenge: Option<String>,
    redirect: Option<String>,
    client: Option<String>,
    /// The JWK `(x, y)` bound at the code exchange.
    key: Option<(String, String)>,
    refresh: String,
    issued: usize,
    jtis: HashSet<String>,
    grants: Vec<String>,
    problems: Vec<String>,
    /// The ID token's `sub` (default: [`SESSION`]).
    sub: Option<String>,
}

fn b64json(part: &str) -> Option<J> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// Checks a DPoP proof and returns its JWK `(x, y)`.
fn check_dpop(
    r: &Request,
    htu: &str,
    jtis: &mut HashSet<String>,
) -> Result<(String, String), String> {
    let jwt = r.header("dpop").ok_or("no DPoP header")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts[..] else {
        return Err("not a JWT".into());
    };
    let header = b64json(h).ok_or("header")?;
    let payload = b64json(p).ok_or("payload")?;
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" || header["jwk"]["crv"] != "P-256" {
        return Err(format!("header {header}"));
    }
    let (x, y) = (
        header["jwk"]["x"].as_str().ok_or("x")?.to_owned(),
        header["jwk"]["y"].as_str().ok_or("y")?.to_owned(),
    );
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(&x).ok().ok_or("x")?);
    point.extend(URL_SAFE_NO_PAD.decode(&y).ok().ok_or("y")?);
    let sig = URL_SAFE_NO_PAD.decode(s).ok().ok_or("signature")?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| "bad signature")?;
    if payload["htm"] != "POST" || payload["htu"] != htu {
        return Err(format!("payload {payload}"));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let iat = payload["iat"].as_i64().ok_or("iat")?;
    if (now - iat).abs() > 60 {
        return Err("iat".into());
    }
    let jti = payload["jti"].as_str().ok_or("jti")?.to_owned();
    if !jtis.insert(jti) {
        return Err("jti reused".into());
    }
    Ok((x, y))
}

fn tokens(st: &mut Signin, with_id_token: bool) -> String {
    st.issued += 1;
    st.refresh = format!("refresh-{}", st.issued);
    let mut v = json!({
        "accessToken": {
            "accessKeyId": format!("ASIALOGIN{}", st.issued),
            "secretAccessKey": format!("login-secret-{}", st.issued),
            "sessionToken": format!("login-token-{}", st.issued),
        },
        "tokenType": "aws_sigv4",
        "expiresIn": 60,
        "refreshToken": st.refresh,
    });
    if with_id_token {
        let sub = st.sub.clone().unwrap_or_else(|| SESSION.to_owned());
        let payload = URL_SAFE_NO_PAD.encode(json!({"sub": sub}).to_string().as_bytes());
        v["idToken"] = J::String(format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln"));
    }
    v.to_string()
}

fn handle(st: &mut Signin, r: &Request) -> (u16, Vec<(String, String)>, String) {
    match (r.method.as_str(), r.path()) {
        ("GET", "/v1/authorize") => {
            let q = |k: &str| r.q(k).unwrap_or_default();
            let client = q("client_id");
            let ok = q("response_type") == "code"
                && q("scope") == "openid"
                && q("code_challenge_method") == "SHA-256"
                && q("code_challenge").len() == 43
                && q("state").len() == 36
                && [
                    "arn:aws:signin:::devtools/same-device",
                    "arn:aws:signin:::devtools/cross-device",
                ]
                .contains(&client.as_str());
            if !ok {
                st.problems.push(format!("authorize {}", r.target));
                return (400, Vec::new(), "bad authorize".into());
            }
            st.state = Some(q("state"));
            st.challenge = Some(q("code_challenge"));
            st.redirect = Some(q("redirect_uri"));
            st.client = Some(client.clone());
            let query = format!(
                "code={}&state={}",
                crate::support::form_encode(CODE),
                q("state")
            );
            if client.ends_with("same-device") {
                let location = format!("{}?{query}", q("redirect_uri"));
                (302, vec![("Location".into(), location)], String::new())
            } else {
                // The confirmation page shows base64 of `state=...&code=...`.
                let shown = format!(
                    "state={}&code={}",
                    q("state"),
                    crate::support::form_encode(CODE)
                );
                (200, Vec::new(), STANDARD.encode(shown.as_bytes()))
            }
        }
        ("POST", "/v1/token") => {
            let htu = format!("{}/v1/token", st.base);
            let key = match check_dpop(r, &htu, &mut st.jtis) {
                Ok(k) => k,
                Err(e) => {
                    st.problems.push(format!("dpop: {e}"));
                    return (
                        400,
                        Vec::new(),
                        json!({"error": "INVALID_REQUEST"}).to_string(),
                    );
                }
            };
            let b: J = serde_json::from_str(&r.body).unwrap_or(J::Null);
            let grant = b["grantType"].as_str().unwrap_or("").to_owned();
            st.grants.push(grant.clone());
            match grant.as_str() {
                "authorization_code" => {
                    let verifier = b["codeVerifier"].as_str().unwrap_or("");
                    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                    let ok = verifier.len() == 64
                        && verifier
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
                        && Some(challenge) == st.challenge
                        && b["code"] == CODE
                        && b["redirectUri"].as_str() == st.redirect.as_deref()
                        && b["clientId"].as_str() == st.client.as_deref();
                    if !ok {
                        st.problems.push(format!("exchange {b}"));
                        return (
                            400,
                            Vec::new(),
                            json!({"error": "INVALID_REQUEST"}).to_string(),
                        );
                    }
                    st.key = Some(key);
                    (200, Vec::new(), tokens(st, true))
                }
                "refresh_token" => {
                    let ok = b["refreshToken"] == st.refresh.as_str()
                        && b["clientId"].as_str() == st.client.as_deref()
                        && st.key.as_ref() == Some(&key);
                    if !ok {
                        st.problems.push(format!("refresh {b}"));
                        return (
                            401,
                            Vec::new(),
                            json!({"error": "TOKEN_EXPIRED"}).to_string(),
                        );
                    }
                    (200, Vec::new(), tokens(st, false))
                }
                _ => (400, Vec::new(), String::new()),
            }
        }
        _ => (404, Vec::new(), String::new()),
    }
}

fn fake_signin() -> (Fake, Arc<Mutex<Signin>>) {
    let st: Arc<Mutex<Signin>> = Arc::default();
    let s = st.clone();
    let fake = Fake::start(move |r| handle(&mut s.lock().unwrap(), r));
    st.lock().unwrap().base = fake.url();
    (fake, st)
}

/// A fake `xdg-open` that writes the URL it is given into `HOME/opened`; returns the PATH.
fn fake_opener(h: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin = h.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n",
            h.join("opened").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

fn wait_for_file(p: &Path) -> String {
    let t0 = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(p)
            && !s.is_empty()
        {
            return s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{} never written",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cache_file(h: &Path) -> PathBuf {
    sts_blocking::credentials::LoginProvider::cache_file(&h.join(".aws/login/cache"), SESSION)
}

fn location(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone())
        .expect("a redirect")
}

const CONFIG: &str = "[default]\nregion = us-east-1\n\n# keep me ; exactly\n[profile other]\n\
    output = json\ncli_pager=\n";

#[test]
fn same_device_login_then_refresh_then_logout() {
    let (fake, st) = fake_signin();
    let h = home("login-same", CONFIG, "");
    let path = fake_opener(&h);
    let url = fake.url();
    let env = [
        ("AWS_ENDPOINT_URL_SIGNIN", url.as_str()),
        ("PATH", path.as_str()),
    ];
    let mut c = sts(
        &h,
        &env,
        &["login", "--profile", "dev", "--region", "eu-west-1"],
    );
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    // The browser: the authorize page redirects to the local listener.
    let authorize = wait_for_file(&h.join("opened"));
    assert!(authorize.starts_with(&format!("{url}/v1/authorize?response_type=code&client_id=")));
    let (status, headers, _) = get(&authorize);
    assert_eq!(status, 302);
    let callback = location(&headers);
    assert!(
        callback.starts_with("http://127.0.0.1:") && callback.contains("/oauth/callback?code=")
    );
    // Something else first (a favicon): 404, and the listener keeps waiting.
    let origin = &callback[..callback.find("/oauth").unwrap()];
    assert_eq!(get(&format!("{origin}/favicon.ico")).0, 404);
    let (status, _, page) = get(&callback);
    assert_eq!(status, 200);
    assert!(page.contains("return to the terminal"));
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("Updated profile dev to use {SESSION} credentials")),
        "{}",
        stdout(&o)
    );
    assert!(
        st.lock().unwrap().problems.is_empty(),
        "{:?}",
        st.lock().unwrap().problems
    );
    // The profile was added; every other byte of the file is as it was.
    let config = std::fs::read_to_string(h.join(".aws/config")).unwrap();
    assert_eq!(
        config,
        format!("{CONFIG}[profile dev]\nlogin_session = {SESSION}\n")
    );
    // The cache file, as the AWS CLI writes it, private.
    let file = cache_file(&h);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&file).unwrap();
    let doc: J = serde_json::from_str(&text).unwrap();
    // The AWS CLI's member order and `json.dumps` separators.
    let at: Vec<usize> = [
        "{\"accessToken\": {\"accessKeyId\": ",
        "\"tokenType\": ",
        "\"clientId\": ",
        "\"refreshToken\": ",
        "\"idToken\": ",
        "\"dpopKey\": ",
    ]
    .iter()
    .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in {text}")))
    .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert_eq!(doc["accessToken"]["accessKeyId"], "ASIALOGIN1");
    assert_eq!(doc["accessToken"]["accountId"], "123456789012");
    assert_eq!(doc["clientId"], "arn:aws:signin:::devtools/same-device");
    assert_eq!(doc["refreshToken"], "refresh-1");
    assert!(
        doc["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );
    // The one-minute credentials are refreshed by the login_session provider, with the same key.
    let mut with_region = env.to_vec();
    with_region.push(("AWS_REGION", "eu-west-1"));
    let o = run(sts(
        &h,
        &with_region,
        &["export-credentials", "--profile", "dev", "--format", "json"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let creds: J = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(creds["AccessKeyId"], "ASIALOGIN2");
    assert_eq!(creds["SessionToken"], "login-token-2");
    {
        let s = st.lock().unwrap();
        assert_eq!(s.grants, ["authorization_code", "refresh_token"]);
        assert!(s.problems.is_empty(), "{:?}", s.problems);
    }
    let doc: J = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["refreshToken"], "refresh-2");
    // Nothing secret was printed by login.
    // logout removes the profile's file and says which.
    let o = run(sts(&h, &env, &["logout", "--profile", "dev"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&file.display().to_string()),
        "{}",
        stdout(&o)
    );
    assert!(!file.exists());
    let o = run(sts(&h, &env, &["logout", "--profile", "dev"]));
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("does not exist"), "{}", stdout(&o));
    let o = run(sts(&h, &env, &["logout", "--profile", "other"]));
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("no login session found for profile 'other'"));
}

#[test]
fn remote_login_reads_the_pasted_code() {
    let (fake, st) = fake_signin();
    let h = home("login-remote", CONFIG, "");
    let url = fake.url();
    let env = [("AWS_ENDPOINT_URL_SIGNIN", url.as_str())];
    let mut c = sts(&h, &env, &["login", "--remote"]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let authorize = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "no URL printed");
        if line.starts_with("http") {
            break line.trim().to_owned();
        }
    };
    let (status, _, shown) = get(&authorize);
    assert_eq!(status, 200);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{shown}").unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    let s = st.lock().unwrap();
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(
        s.client.as_deref(),
        Some("arn:aws:signin:::devtools/cross-device")
    );
    assert_eq!(
        s.redirect.as_deref(),
        Some(format!("{url}/v1/sessions/confirmation").as_str())
    );
    drop(s);
    // The default profile: login_session after its last setting.
    let config = std::fs::read_to_string(h.join(".aws/config")).unwrap();
    assert_eq!(
        config,
        CONFIG.replacen(
            "region = us-east-1\n",
            &format!("region = us-east-1\nlogin_session = {SESSION}\n"),
            1
        )
    );
    assert!(cache_file(&h).exists());
    // botocore reads the file we wrote and refreshes it with our key (awscrt loads the SEC1 PEM;
    // the fake checks that its DPoP proof is signed by the key bound at the code exchange).
    let Some(py) = crate::server::python() else {
        crate::support::skip::skipped("daily remote_login botocore refresh", "no botocore venv");
        return;
    };
    let oracle = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/botocore_oracle.py");
    let mut c = std::process::Command::new(py);
    c.arg(oracle)
        .env_clear()
        .env("AWS_ENDPOINT_URL_SIGNIN", &url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let req = json!({"op": "login-refresh", "dir": h.join(".aws/login/cache"), "session": SESSION,
                     "now": time::OffsetDateTime::now_utc().unix_timestamp()});
    child
        .stdin
        .take()
        .unwrap()
        .write_all(req.to_string().as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: J = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["access_key"], "ASIALOGIN2", "{got}");
    let s = st.lock().unwrap();
    assert_eq!(s.grants, ["authorization_code", "refresh_token"]);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
}

#[test]
fn wrong_codes_refusals_and_logout_all() {
    let (fake, st) = fake_signin();
    let h = home(
        "login-refusals",
        "[profile keys]\nregion = us-east-1\n",
        "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
    );
    let url = fake.url();
    let env = [("AWS_ENDPOINT_URL_SIGNIN", url.as_str())];
    // A profile with other credentials is refused as the AWS CLI refuses it.
    let o = run(sts(&h, &env, &["login", "--profile", "keys", "--remote"]));
    assert_eq!(code(&o), 253);
    assert!(
        stderr(&o).contains("Profile 'keys' is already configured with Access Key credentials."),
        "{}",
        stderr(&o)
    );
    // A pasted code for another login (state mismatch): nothing is redeemed, nothing written.
    let forged = STANDARD.encode(b"state=not-this-login&code=x");
    let mut c = sts(&h, &env, &["login", "--region", "us-east-1", "--remote"]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{forged}").unwrap();
    let o = child.wait_with_output().unwrap();
    // As `aws login`'s LoginAuthorizationCodeError: a general error (255).
    assert_eq!(code(&o), 255, "{}", stderr(&o));
    assert!(stderr(&o).contains("state mismatch"), "{}", stderr(&o));
    assert!(st.lock().unwrap().grants.is_empty());
    assert!(!h.join(".aws/login").exists());
    let o = {
        let mut c = sts(&h, &env, &["login", "--region", "us-east-1", "--remote"]);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        writeln!(child.stdin.take().unwrap(), "not base64!").unwrap();
        child.wait_with_output().unwrap()
    };
    // As `aws login` (a ValueError for a code it cannot decode): a general error (255).
    assert_eq!(code(&o), 255);
    assert!(stderr(&o).contains("not valid"), "{}", stderr(&o));
    // logout --all removes every login cache file and nothing else.
    let dir = h.join(".aws/login/cache");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in [
        ("a.json", r#"{"accessToken": {"accessKeyId": "A"}}"#),
        ("b.json", r#"{"accessToken": {"accessKeyId": "B"}}"#),
        ("sso.json", r#"{"accessToken": "x", "expiresAt": "y"}"#),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let o = run(sts(&h, &env, &["logout", "--all"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("Removed 2 cached login credentials:\n"),
        "{out}"
    );
    assert!(out.contains("a.json") && out.contains("b.json") && !out.contains("sso.json"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let o = run(sts(&h, &env, &["logout", "--all"]));
    assert_eq!(stdout(&o), "No cached login session tokens found.\n");
}

/// Sends `request` as is to `origin` (`http://127.0.0.1:PORT`) and returns the response.
fn raw(origin: &str, request: &str) -> String {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(origin.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text
}

/// The `state` of an authorize URL.
fn state_of(authorize: &str) -> String {
    authorize
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_owned()
}

#[test]
fn wrong_callbacks_get_an_error_page_and_the_wait_goes_on() {
    let (fake, st) = fake_signin();
    let h = home("login-wrong-callbacks", CONFIG, "");
    let path = fake_opener(&h);
    let url = fake.url();
    let env = [
        ("AWS_ENDPOINT_URL_SIGNIN", url.as_str()),
        ("PATH", path.as_str()),
    ];
    let mut c = sts(
        &h,
        &env,
        &["login", "--profile", "dev", "--region", "eu-west-1"],
    );
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let authorize = wait_for_file(&h.join("opened"));
    let state = state_of(&authorize);
    let (status, headers, _) = get(&authorize);
    assert_eq!(status, 302);
    let callback = location(&headers);
    let origin = callback[..callback.find("/oauth").unwrap()].to_owned();
    // What a local process or a web page that found the port can send: none of it ends the login.
    for (target, why) in [
        (
            "/oauth/callback?code=forged&state=not-this-login",
            "a wrong state",
        ),
        ("/oauth/callback?code=forged", "no state"),
        (
            "/oauth/callback?error=access_denied",
            "an error without the state",
        ),
        (
            "/oauth/callback?error=access_denied&state=not-this-login",
            "an error, wrong state",
        ),
        ("/oauth/callback", "nothing"),
        ("/oauth/callback?code=%zz&state=x", "a malformed query"),
    ] {
        let (status, _, page) = get(&format!("{origin}{target}"));
        assert_eq!(status, 400, "{why}: {page}");
        assert!(!page.contains("Signed in"), "{why}: {page}");
        assert!(page.contains("still waiting"), "{why}: {page}");
    }
    let right_query = &callback[callback.find('?').unwrap()..];
    for (request, why) in [
        (
            format!("POST /oauth/callback{right_query} HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            "a POST",
        ),
        ("garbage\r\n\r\n".to_owned(), "a malformed request"),
        ("GET\r\n\r\n".to_owned(), "a request line without a target"),
    ] {
        let reply = raw(&origin, &request);
        assert!(
            reply.starts_with("HTTP/1.1 405 ") || reply.starts_with("HTTP/1.1 400 "),
            "{why}: {reply}"
        );
        assert!(!reply.contains("Signed in"), "{why}: {reply}");
    }
    // The sign-in page's own refusal (with this login's state) is shown, escaped, and the wait
    // goes on too: the user can sign in again in the browser, or stop with Ctrl-C.
    let (status, _, page) = get(&format!(
        "{origin}/oauth/callback?error=access_denied&error_description=no%1B%5B2J%0D&state={state}"
    ));
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("access_denied"), "{page}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "sts login stopped waiting"
    );
    // Then the real redirect: signed in.
    let (status, _, page) = get(&callback);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Signed in"), "{page}");
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("access_denied: no\\u{1b}[2J\\r"),
        "the refusal is shown, escaped: {err:?}"
    );
    assert!(!err.contains(['\u{1b}', '\r']), "{err:?}");
    assert_eq!(st.lock().unwrap().grants, ["authorization_code"]);
    assert!(
        stdout(&o).contains(&format!("Updated profile dev to use {SESSION} credentials")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn control_characters_in_the_session_are_refused_before_anything_is_written() {
    let (fake, st) = fake_signin();
    st.lock().unwrap().sub =
        Some("arn:aws:sts::123456789012:assumed-role/Admin/a\u{1b}]0;x\u{7}b".to_owned());
    let h = home("login-control", CONFIG, "");
    let url = fake.url();
    let env = [("AWS_ENDPOINT_URL_SIGNIN", url.as_str())];
    let mut c = sts(&h, &env, &["login", "--region", "us-east-1", "--remote"]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let authorize = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "no URL printed");
        if line.starts_with("http") {
            break line.trim().to_owned();
        }
    };
    let (_, _, shown) = get(&authorize);
    writeln!(child.stdin.take().unwrap(), "{shown}").unwrap();
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_ne!(code(&o), 0, "{err}");
    assert!(err.contains("control character"), "{err:?}");
    assert!(!err.contains(['\u{1b}', '\u{7}', '\r']), "{err:?}");
    // Nothing written: the config as it was, no cache file.
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        CONFIG
    );
    assert!(!h.join(".aws/login").exists());
    assert_eq!(st.lock().unwrap().grants, ["authorization_code"]);
}
