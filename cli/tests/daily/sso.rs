//! `sts sso login`, `sts sso logout` and `sts sso populate` end to end against a loopback fake
//! IAM Identity Center (SSO-OIDC and the portal on one port, reached through
//! AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO). The fake checks what a real service would
//! refuse: the registration (grant types, the port-less redirect URI, the issuer), the authorize
//! request (client, `state` a UUIDv4, an S256 challenge, the redirect URI with its port), the
//! code exchange (the verifier against the challenge, the same redirect URI), the device code
//! polls (the grant type, never faster than the interval), and the bearer header of every
//! portal call. The test plays the browser. botocore 1.44.8 (`scripts/botocore-venv`) reads what
//! sts wrote, and sts reads and logs out what botocore wrote.

use crate::fake::{Fake, Request, get};
use crate::{code, home, run, stderr, stdout, sts};
use base64::Engine as _;
use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const START_URL: &str = "https://d-1234567890.awsapps.com/start";

/// The config of the tests: an sso-session profile, a legacy profile, and lines to keep.
fn config() -> String {
    format!(
        "# my config ; keep this\n[default]\nregion = us-east-1\n\n[profile dev]\n\
         sso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         region = eu-west-1\n\n[sso-session corp]\nsso_start_url = {START_URL}\n\
         sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n\
         [profile legacy]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n\
         sso_account_id = 222222222222\nsso_role_name = ReadOnly\n"
    )
}

/// How the fake's authorize page answers.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Redirect {
    #[default]
    Code,
    WrongState,
    Error,
}

#[derive(Default)]
struct Authorize {
    client: String,
    redirect: String,
    state: String,
    challenge: String,
}

/// The fake IAM Identity Center.
#[derive(Default)]
struct Idc {
    base: String,
    /// `(client id, secret, registered for the authorization code grant, the request)`.
    clients: Vec<(String, String, bool, J)>,
    /// `clientSecretExpiresAt` of new registrations.
    client_expiry: i64,
    authorize: Option<Authorize>,
    redirect: Redirect,
    /// AuthorizationPending answers before the device code's token.
    pending: usize,
    /// Answer the device code polls with ExpiredTokenException.
    device_expired: bool,
    polls: Vec<Instant>,
    /// Access tokens issued, in order.
    tokens: Vec<String>,
    logged_out: Vec<String>,
    /// ListAccounts answers 429 this many times first.
    throttle: usize,
    /// ListAccounts pages forever.
    forever: bool,
    /// `(account id, name, roles)` of the portal.
    accounts: Vec<(&'static str, &'static str, Vec<&'static str>)>,
    problems: Vec<String>,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn is_uuid4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
}

fn reply(status: u16, v: J) -> (u16, Vec<(String, String)>, String) {
    (status, Vec::new(), v.to_string())
}

fn issue(st: &mut Idc, refresh: bool) -> (u16, Vec<(String, String)>, String) {
    let n = st.tokens.len() + 1;
    let access = format!("access-{n}");
    st.tokens.push(access.clone());
    let mut v = json!({"accessToken": access, "tokenType": "Bearer", "expiresIn": 3600});
    if refresh {
        v["refreshToken"] = J::String(format!("refresh-{n}"));
    }
    reply(200, v)
}

fn handle(st: &mut Idc, r: &Request) -> (u16, Vec<(String, String)>, String) {
    let b: J = serde_json::from_str(&r.body).unwrap_or(J::Null);
    let client_ok = |st: &Idc, b: &J| {
        st.clients.iter().any(|(id, secret, _, _)| {
            b["clientId"] == id.as_str() && b["clientSecret"] == secret.as_str()
        })
    };
    match (r.method.as_str(), r.path()) {
        ("POST", "/client/register") => {
            let auth = b["grantTypes"] == json!(["authorization_code", "refresh_token"]);
            let ok = b["clientType"] == "public"
                && b["clientName"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("botocore-client-"))
                && (!auth
                    || (b["redirectUris"] == json!(["http://127.0.0.1/oauth/callback"])
                        && b["issuerUrl"] == START_URL
                        && b["scopes"] == json!(["sso:account:access"])));
            if !ok {
                st.problems.push(format!("register {b}"));
                return reply(400, json!({"error": "invalid_client_metadata"}));
            }
            let n = st.clients.len() + 1;
            let (id, secret) = (format!("client-{n}"), format!("secret-{n}"));
            st.clients.push((id.clone(), secret.clone(), auth, b));
            let expiry = if st.client_expiry == 0 {
                OffsetDateTime::now_utc().unix_timestamp() + 90 * 86400
            } else {
                st.client_expiry
            };
            reply(
                200,
                json!({"clientId": id, "clientSecret": secret, "clientIdIssuedAt": 1,
                       "clientSecretExpiresAt": expiry}),
            )
        }
        ("GET", "/authorize") => {
            let q = |k: &str| r.q(k).unwrap_or_default();
            let client = q("client_id");
            let redirect = q("redirect_uri");
            let port_ok = redirect
                .strip_prefix("http://127.0.0.1:")
                .and_then(|rest| rest.strip_suffix("/oauth/callback"))
                .and_then(|p| p.parse::<u16>().ok())
                .is_some_and(|p| p > 0);
            let ok = q("response_type") == "code"
                && st
                    .clients
                    .iter()
                    .any(|(id, _, auth, _)| *id == client && *auth)
                && port_ok
                && is_uuid4(&q("state"))
                && q("code_challenge_method") == "S256"
                && q("scopes") == "sso:account:access"
                && q("code_challenge").len() == 43;
            if !ok {
                st.problems.push(format!("authorize {}", r.target));
                return reply(400, json!({}));
            }
            let a = Authorize {
                client,
                redirect: redirect.clone(),
                state: q("state"),
                challenge: q("code_challenge"),
            };
            let location = match st.redirect {
                Redirect::Code => format!("{redirect}?code=the-code&state={}", a.state),
                Redirect::WrongState => {
                    format!("{redirect}?code=the-code&state=00000000-0000-4000-8000-000000000000")
                }
                Redirect::Error => {
                    format!("{redirect}?error=access_denied&state={}", a.state)
                }
            };
            st.authorize = Some(a);
            (302, vec![("Location".into(), location)], String::new())
        }
        ("POST", "/device_authorization") => {
            if !client_ok(st, &b) || b["startUrl"] != START_URL {
                st.problems.push(format!("device authorization {b}"));
                return reply(400, json!({"error": "invalid_client"}));
            }
            // A new flow: its first poll may come at once.
            st.polls.clear();
            reply(
                200,
                json!({"deviceCode": "device-1", "userCode": "ABCD-EFGH",
                       "verificationUri": format!("{}/device", st.base),
                       "verificationUriComplete": format!("{}/device?user_code=ABCD-EFGH", st.base),
                       "expiresIn": 600, "interval": 1}),
            )
        }
        ("POST", "/token") => {
            if !client_ok(st, &b) {
                st.problems.push(format!("token client {b}"));
                return reply(400, json!({"error": "invalid_client"}));
            }
            match b["grantType"].as_str() {
                Some("authorization_code") => {
                    let verifier = b["codeVerifier"].as_str().unwrap_or_default();
                    let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
                    let a = st.authorize.take().unwrap_or_default();
                    let ok = verifier.len() == 64
                        && challenge == a.challenge
                        && b["code"] == "the-code"
                        && b["redirectUri"] == a.redirect.as_str()
                        && b["clientId"] == a.client.as_str();
                    if !ok {
                        st.problems.push(format!("code exchange {b}"));
                        return reply(400, json!({"error": "invalid_grant"}));
                    }
                    issue(st, true)
                }
                Some("urn:ietf:params:oauth:grant-type:device_code") => {
                    let now = Instant::now();
                    // The first poll comes at once; then never faster than the interval (1 s).
                    if let Some(last) = st.polls.last()
                        && now.duration_since(*last) < Duration::from_millis(950)
                    {
                        st.problems
                            .push(format!("polled after {:?}", now.duration_since(*last)));
                    }
                    st.polls.push(now);
                    if b["deviceCode"] != "device-1" {
                        st.problems.push(format!("device token {b}"));
                    }
                    if st.device_expired {
                        return reply(400, json!({"error": "expired_token"}));
                    }
                    if st.pending > 0 {
                        st.pending -= 1;
                        return reply(400, json!({"error": "authorization_pending"}));
                    }
                    issue(st, false)
                }
                _ => reply(400, json!({"error": "unsupported_grant_type"})),
            }
        }
        (method, path)
            if path.starts_with("/federation")
                || path.starts_with("/assignment")
                || path == "/logout" =>
        {
            let bearer = r
                .header("x-amz-sso_bearer_token")
                .unwrap_or_default()
                .to_owned();
            if !st.tokens.contains(&bearer) || st.logged_out.contains(&bearer) {
                return reply(
                    401,
                    json!({"message": "Session token not found or invalid"}),
                );
            }
            match (method, path) {
                ("POST", "/logout") => {
                    st.logged_out.push(bearer);
                    (200, Vec::new(), String::new())
                }
                ("GET", "/federation/credentials") => {
                    let role = r.q("role_name").unwrap_or_default();
                    reply(
                        200,
                        json!({"roleCredentials": {
                            "accessKeyId": format!("ASIA{}{}", role.to_uppercase(), bearer.len()),
                            "secretAccessKey": "role-secret", "sessionToken": "role-token",
                            "expiration": (OffsetDateTime::now_utc().unix_timestamp() + 3600) * 1000}}),
                    )
                }
                ("GET", "/assignment/accounts") => {
                    if st.throttle > 0 {
                        st.throttle -= 1;
                        return (
                            429,
                            vec![("x-amzn-ErrorType".into(), "TooManyRequestsException".into())],
                            json!({"message": "slow down"}).to_string(),
                        );
                    }
                    if st.forever {
                        return reply(200, json!({"accountList": [], "nextToken": "more"}));
                    }
                    // One account a page.
                    let at: usize = r.q("next_token").and_then(|t| t.parse().ok()).unwrap_or(0);
                    let Some((id, name, _)) = st.accounts.get(at) else {
                        return reply(200, json!({"accountList": []}));
                    };
                    let mut v = json!({"accountList": [{"accountId": id, "accountName": name,
                                                        "emailAddress": "a@example.com"}]});
                    if at + 1 < st.accounts.len() {
                        v["nextToken"] = J::String((at + 1).to_string());
                    }
                    reply(200, v)
                }
                ("GET", "/assignment/roles") => {
                    let account = r.q("account_id").unwrap_or_default();
                    let roles: Vec<J> = st
                        .accounts
                        .iter()
                        .filter(|(id, _, _)| *id == account)
                        .flat_map(|(id, _, roles)| {
                            roles
                                .iter()
                                .map(move |r| json!({"roleName": r, "accountId": id}))
                        })
                        .collect();
                    reply(200, json!({"roleList": roles}))
                }
                _ => reply(404, json!({})),
            }
        }
        _ => reply(404, json!({})),
    }
}

fn fake_idc() -> (Fake, Arc<Mutex<Idc>>) {
    let st: Arc<Mutex<Idc>> = Arc::default();
    let s = st.clone();
    let fake = Fake::start(move |r| handle(&mut s.lock().unwrap(), r));
    st.lock().unwrap().base = fake.url();
    (fake, st)
}

fn no_problems(st: &Arc<Mutex<Idc>>) {
    let s = st.lock().unwrap();
    assert!(s.problems.is_empty(), "{:?}", s.problems);
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
            let _ = std::fs::remove_file(p);
            return s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{} never written",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn location(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone())
        .expect("a redirect")
}

/// The token file name of a session (the library's key; the interop test checks botocore's).
fn sha1_hex(text: &str) -> String {
    sts_blocking::credentials::sso_token_cache_key(Some(text), "")
}

fn cache_dir(h: &Path) -> PathBuf {
    h.join(".aws/sso/cache")
}

fn env_of(fake: &Fake, path: &str) -> Vec<(String, String)> {
    vec![
        ("AWS_ENDPOINT_URL_SSO_OIDC".into(), fake.url()),
        ("AWS_ENDPOINT_URL_SSO".into(), fake.url()),
        ("PATH".into(), path.to_owned()),
    ]
}

fn spawn(h: &Path, env: &[(String, String)], args: &[&str]) -> Child {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut c = sts(h, &env, args);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

fn run_env(h: &Path, env: &[(String, String)], args: &[&str]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    run(sts(h, &env, args))
}

/// Plays the browser: opens the URL sts handed the opener and follows the fake's redirect to
/// the listener. Returns the callback URL and the listener's answer.
fn browse(h: &Path) -> (String, u16, String) {
    let authorize = wait_for_file(&h.join("opened"));
    let (status, headers, _) = get(&authorize);
    assert_eq!(status, 302, "{authorize}");
    let callback = location(&headers);
    let (status, _, page) = get(&callback);
    (callback, status, page)
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[test]
fn authorization_code_login_then_credentials_reuse_and_logout() {
    let (fake, st) = fake_idc();
    let h = home("sso-code", &config(), "");
    let env = env_of(&fake, &fake_opener(&h));
    let before = OffsetDateTime::now_utc();
    let child = spawn(&h, &env, &["sso", "login", "--profile", "dev"]);
    let (callback, status, page) = browse(&h);
    assert_eq!(status, 200);
    assert!(page.contains("return to the terminal"), "{page}");
    let o = child.wait_with_output().unwrap();
    let after = OffsetDateTime::now_utc();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    no_problems(&st);
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!(
            "Attempting to open your default browser. If the browser does not open, open the \
             following URL.\nIf you are unable to open the URL on this device, run this command \
             again with the '--use-device-code' option.\n\n{}/authorize?response_type=code&\
             client_id=client-1&redirect_uri=http%3A%2F%2F127.0.0.1%3A",
            fake.url()
        )),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "Successfully logged into Start URL: {START_URL}\n"
        )),
        "{out}"
    );
    // The listener is gone: a second callback finds nobody.
    let origin = &callback[7..callback.find("/oauth").unwrap()];
    assert!(
        TcpStream::connect(origin).is_err(),
        "the listener still listens"
    );
    // The token file, byte for byte as botocore lays it out, private, in a private directory.
    let file = cache_dir(&h).join(format!("{}.json", sha1_hex("corp")));
    let text = std::fs::read_to_string(&file).unwrap();
    let doc: J = serde_json::from_str(&text).unwrap();
    let expires = time::OffsetDateTime::parse(
        doc["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(expires >= before.replace_nanosecond(0).unwrap() + time::Duration::hours(1));
    assert!(expires <= after + time::Duration::hours(1));
    let registration: J = {
        let clients = &st.lock().unwrap().clients;
        assert_eq!(clients.len(), 1);
        clients[0].3.clone()
    };
    assert_eq!(registration["clientName"], "botocore-client-corp");
    let reg_files: Vec<PathBuf> = std::fs::read_dir(cache_dir(&h))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| *p != file)
        .collect();
    assert_eq!(reg_files.len(), 1, "{reg_files:?}");
    let reg_text = std::fs::read_to_string(&reg_files[0]).unwrap();
    let reg: J = serde_json::from_str(&reg_text).unwrap();
    assert_eq!(
        text,
        format!(
            "{{\"startUrl\": \"{START_URL}\", \"region\": \"eu-west-1\", \"accessToken\": \
             \"access-1\", \"expiresAt\": \"{}\", \"clientId\": \"client-1\", \"clientSecret\": \
             \"secret-1\", \"registrationExpiresAt\": \"{}\", \"refreshToken\": \"refresh-1\"}}",
            doc["expiresAt"].as_str().unwrap(),
            reg["expiresAt"].as_str().unwrap()
        )
    );
    assert_eq!(
        reg_text,
        format!(
            "{{\"clientId\": \"client-1\", \"clientSecret\": \"secret-1\", \"expiresAt\": \"{}\", \
             \"scopes\": [\"sso:account:access\"], \"grantTypes\": [\"authorization_code\", \
             \"refresh_token\"]}}",
            reg["expiresAt"].as_str().unwrap()
        )
    );
    assert_eq!(
        (mode(&file), mode(&reg_files[0]), mode(&cache_dir(&h))),
        (0o600, 0o600, 0o700)
    );
    // The profile's credentials come from the portal with that token, and are cached as the AWS
    // CLI caches them.
    let o = run_env(
        &h,
        &env,
        &[
            "export-credentials",
            "--profile",
            "dev",
            "--format",
            "env-no-export",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("AWS_ACCESS_KEY_ID=ASIAADMIN8"),
        "{}",
        stdout(&o)
    );
    let cli_cache: Vec<PathBuf> = std::fs::read_dir(h.join(".aws/cli/cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cli_cache.len(), 1);
    assert!(
        std::fs::read_to_string(&cli_cache[0])
            .unwrap()
            .starts_with("{\"ProviderType\": \"sso\"")
    );
    // A second login reuses the registration.
    let child = spawn(&h, &env, &["sso", "login", "--sso-session", "corp"]);
    let (_, status, _) = browse(&h);
    assert_eq!(status, 200);
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(st.lock().unwrap().clients.len(), 1, "registered again");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("\"access-2\"")
    );
    // Logout: the portal logs the token out, the token and the SSO role credentials go, the
    // registration stays.
    let o = run_env(&h, &env, &["sso", "logout"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Removed 2 cached SSO files:\n"), "{out}");
    assert!(out.contains(&file.display().to_string()), "{out}");
    assert!(!file.exists() && !cli_cache[0].exists());
    assert!(reg_files[0].exists());
    assert_eq!(st.lock().unwrap().logged_out, ["access-2"]);
    let o = run_env(&h, &env, &["sso", "logout"]);
    assert_eq!(stdout(&o), "No cached SSO tokens or credentials found.\n");
    no_problems(&st);
}

#[test]
fn device_code_login_prints_the_code_and_polls_at_the_interval() {
    let (fake, st) = fake_idc();
    st.lock().unwrap().pending = 2;
    let h = home("sso-device", &config(), "");
    let env = env_of(&fake, &fake_opener(&h));
    let t0 = Instant::now();
    let o = run_env(
        &h,
        &env,
        &["sso", "login", "--profile", "legacy", "--no-browser"],
    );
    let took = t0.elapsed();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    no_problems(&st);
    let base = fake.url();
    assert_eq!(
        stdout(&o),
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n\
             {base}/device\n\nThen enter the code:\n\nABCD-EFGH\n\nAlternatively, you may visit \
             the following URL which will autofill the code upon loading:\n\
             {base}/device?user_code=ABCD-EFGH\nSuccessfully logged into Start URL: {START_URL}\n"
        )
    );
    assert!(!h.join("opened").exists(), "--no-browser opened a browser");
    // An immediate attempt (pending), a poll a second later (pending), then the token.
    let s = st.lock().unwrap();
    assert_eq!(s.polls.len(), 3);
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    let name = s.clients[0].3["clientName"].as_str().unwrap().to_owned();
    let stamp: i64 = name
        .strip_prefix("botocore-client-")
        .unwrap()
        .parse()
        .unwrap();
    assert!((stamp - OffsetDateTime::now_utc().unix_timestamp()).abs() < 60);
    assert_eq!(s.clients[0].3.get("grantTypes"), None);
    drop(s);
    // A legacy profile's token is named by its start URL, and has no refresh token.
    let file = cache_dir(&h).join(format!(
        "{}.json",
        sts_blocking::credentials::sso_token_cache_key(None, START_URL)
    ));
    let doc: J = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["accessToken"], "access-1");
    assert_eq!(doc.get("refreshToken"), None);
    // With a browser, the page with the code filled in is opened, and the code still printed.
    st.lock().unwrap().pending = 1;
    let o = run_env(
        &h,
        &env,
        &["sso", "login", "--profile", "dev", "--use-device-code"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(h.join("opened")).unwrap(),
        format!("{base}/device?user_code=ABCD-EFGH")
    );
    assert!(
        stdout(&o).contains("\n\nThen enter the code:\n\nABCD-EFGH\n"),
        "{}",
        stdout(&o)
    );
    // The device grant does not reuse the session's... there was none: a new registration for it.
    assert_eq!(st.lock().unwrap().clients.len(), 2);
    no_problems(&st);
}

/// Raw bytes to the listener at `origin` (`127.0.0.1:PORT`); the status line's code.
fn raw(origin: &str, request: &[u8]) -> u16 {
    let mut s = TcpStream::connect(origin).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(request);
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn callbacks_that_are_not_this_logins_end_it_and_stray_requests_do_not() {
    let (fake, st) = fake_idc();
    let h = home("sso-callbacks", &config(), "");
    let env = env_of(&fake, &fake_opener(&h));
    let token = cache_dir(&h).join(format!("{}.json", sha1_hex("corp")));
    // Another request's state: the login stops, nothing is written.
    st.lock().unwrap().redirect = Redirect::WrongState;
    let child = spawn(&h, &env, &["sso", "login", "--profile", "dev"]);
    let (_, status, _) = browse(&h);
    assert_eq!(status, 400);
    let o = child.wait_with_output().unwrap();
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("State parameter does not match expected value"),
        "{}",
        stderr(&o)
    );
    assert!(!token.exists());
    // An error from the authorization page: the same.
    st.lock().unwrap().redirect = Redirect::Error;
    let child = spawn(&h, &env, &["sso", "login", "--profile", "dev"]);
    let (_, status, _) = browse(&h);
    assert_eq!(status, 400);
    let o = child.wait_with_output().unwrap();
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("Failed to retrieve an authorization code: the authorization page answered access_denied"),
        "{}",
        stderr(&o)
    );
    assert!(!token.exists());
    // A POST, an oversized request, another path and a callback without a code: answered, and
    // the login goes on to the real callback.
    st.lock().unwrap().redirect = Redirect::Code;
    let child = spawn(&h, &env, &["sso", "login", "--profile", "dev"]);
    let authorize = wait_for_file(&h.join("opened"));
    let (_, headers, _) = get(&authorize);
    let callback = location(&headers);
    let origin = callback[7..callback.find("/oauth").unwrap()].to_owned();
    assert_eq!(
        raw(
            &origin,
            b"POST /oauth/callback HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
        ),
        405
    );
    let big = format!(
        "GET /oauth/callback?{} HTTP/1.1\r\n\r\n",
        "x".repeat(64 * 1024)
    );
    assert_eq!(raw(&origin, big.as_bytes()), 431);
    assert_eq!(get(&format!("http://{origin}/favicon.ico")).0, 404);
    assert_eq!(get(&format!("http://{origin}/oauth/callback")).0, 400);
    let (status, _, _) = get(&callback);
    assert_eq!(status, 200);
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(token.exists());
    // Nothing secret reached the terminal.
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        !all.contains("secret-") && !all.contains("access-") && !all.contains("the-code"),
        "{all}"
    );
    no_problems(&st);
}

#[test]
fn faults_are_clear_errors_that_write_nothing() {
    let (fake, st) = fake_idc();
    let h = home("sso-faults", &config(), "");
    let env = env_of(&fake, &fake_opener(&h));
    let cache = cache_dir(&h);
    // The device code expires while polling (the registration made for it expires in 10 min).
    {
        let mut s = st.lock().unwrap();
        s.device_expired = true;
        s.client_expiry = OffsetDateTime::now_utc().unix_timestamp() + 600;
    }
    let o = run_env(
        &h,
        &env,
        &["sso", "login", "--profile", "legacy", "--no-browser"],
    );
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("pending authorization to retrieve an SSO token has expired"),
        "{}",
        stderr(&o)
    );
    let tokens = || {
        std::fs::read_dir(&cache)
            .map(|d| {
                d.filter(|e| {
                    std::fs::read_to_string(e.as_ref().unwrap().path())
                        .unwrap()
                        .contains("accessToken")
                })
                .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(tokens(), 0);
    // A registration close to its expiry is replaced (the AWS CLI's 15 minutes); a good one is
    // reused.
    {
        let mut s = st.lock().unwrap();
        s.device_expired = false;
        s.client_expiry = 0;
    }
    let legacy = ["sso", "login", "--profile", "legacy", "--no-browser"];
    let o = run_env(&h, &env, &legacy);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        st.lock().unwrap().clients.len(),
        2,
        "an expiring registration was reused"
    );
    let o = run_env(&h, &env, &legacy);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        st.lock().unwrap().clients.len(),
        2,
        "a good registration was not reused"
    );
    // A start URL over http: refused before anything is sent.
    let count = fake.requests().len();
    let cfg = config().replace(START_URL, "http://d-1234567890.awsapps.com/start");
    let h2 = home("sso-http", &cfg, "");
    let o = run_env(&h2, &env, &["sso", "login", "--profile", "dev"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("must use the https scheme"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fake.requests().len(), count);
    assert!(!cache_dir(&h2).exists());
    // An unknown session, a profile without SSO: the AWS CLI's words.
    let o = run_env(&h, &env, &["sso", "login", "--sso-session", "nope"]);
    assert_eq!(code(&o), 253);
    assert!(stderr(&o).contains("The specified sso-session does not exist: \"nope\""));
    let o = run_env(&h, &env, &["sso", "login"]);
    assert_eq!(code(&o), 253);
    assert!(stderr(&o).contains("Missing the following required SSO configuration values"));
    no_problems(&st);
}

/// A token file for `session` that the portal fake accepts (`access-N` issued by it).
fn seed_token(h: &Path, st: &Arc<Mutex<Idc>>, session: &str) {
    let n = {
        let mut s = st.lock().unwrap();
        let n = s.tokens.len() + 1;
        s.tokens.push(format!("access-{n}"));
        n
    };
    let dir = cache_dir(h);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{}.json", sha1_hex(session))),
        json!({"startUrl": START_URL, "region": "eu-west-1", "accessToken": format!("access-{n}"),
               "expiresAt": ts(OffsetDateTime::now_utc() + time::Duration::hours(1))})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn populate_writes_updates_prunes_and_keeps_every_other_byte() {
    let (fake, st) = fake_idc();
    {
        let mut s = st.lock().unwrap();
        s.throttle = 2;
        s.accounts = vec![
            ("111111111111", "prod", vec!["Admin", "ReadOnly"]),
            ("333333333333", "Sand box #1", vec!["Dev"]),
        ];
    }
    // CRLF, comments, a user's profile holding a generated name, a generated profile of a role
    // that is gone, another session's generated profile.
    let before = format!(
        "{}[profile prod/Admin]\noutput = json\n\n[profile old]\nsso_session = corp\n\
         sso_account_id = 999999999999\nsso_role_name = Gone\nsts_generated_from = corp\n\
         # after old\n[profile theirs]\nsts_generated_from = other\n",
        config()
    )
    .replace('\n', "\r\n");
    let h = home("sso-populate", &before, "");
    seed_token(&h, &st, "corp");
    let cfg = h.join(".aws/config");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let env = env_of(&fake, &std::env::var("PATH").unwrap());
    // A dry run prints the change and writes nothing.
    let o = run_env(
        &h,
        &env,
        &[
            "sso",
            "populate",
            "--sso-session",
            "corp",
            "--prune",
            "--dry-run",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("--- {}\n+++ ", cfg.display())),
        "{out}"
    );
    for want in [
        "-[profile old]",
        "+[profile prod/Admin-2]",
        "+[profile prod/ReadOnly]",
        "+[profile Sand-box-1/Dev]",
        "+sts_generated_from = corp",
    ] {
        assert!(out.contains(&format!("{want}\n")), "{want}\n{out}");
    }
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), before);
    // For real: throttled twice, then every page.
    st.lock().unwrap().throttle = 2;
    let o = run_env(
        &h,
        &env,
        &["sso", "populate", "--sso-session", "corp", "--prune"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "Added profile Sand-box-1/Dev\nAdded profile prod/Admin-2\nAdded profile \
             prod/ReadOnly\nRemoved profile old\n3 added, 0 updated, 1 removed, 0 unchanged in \
             {}\n",
            cfg.display()
        )
    );
    let generated = |name: &str, id: &str, role: &str| {
        format!(
            "[profile {name}]\r\nsso_session = corp\r\nsso_account_id = {id}\r\n\
             sso_role_name = {role}\r\nregion = eu-west-1\r\nsts_generated_from = corp\r\n"
        )
    };
    let expected = format!(
        "{}{}{}{}",
        before.replace(
            "[profile old]\r\nsso_session = corp\r\nsso_account_id = 999999999999\r\n\
             sso_role_name = Gone\r\nsts_generated_from = corp\r\n",
            ""
        ),
        generated("Sand-box-1/Dev", "333333333333", "Dev"),
        generated("prod/Admin-2", "111111111111", "Admin"),
        generated("prod/ReadOnly", "111111111111", "ReadOnly"),
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), expected);
    assert_eq!(mode(&cfg), 0o640);
    // Again: nothing changes. With another region: ours are updated in place.
    let o = run_env(
        &h,
        &env,
        &["sso", "populate", "--sso-session", "corp", "--prune"],
    );
    assert!(
        stdout(&o).ends_with(&format!(
            "0 added, 0 updated, 0 removed, 3 unchanged in {}\n",
            cfg.display()
        )),
        "{}",
        stdout(&o)
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), expected);
    let o = run_env(
        &h,
        &env,
        &[
            "sso",
            "populate",
            "--sso-session",
            "corp",
            "--region",
            "us-west-2",
        ],
    );
    assert!(stdout(&o).contains("0 added, 3 updated"), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        expected.replace(
            "region = eu-west-1\r\nsts_generated_from",
            "region = us-west-2\r\nsts_generated_from"
        )
    );
    // The generated profiles work: credentials through the portal with the session's token.
    let o = run_env(
        &h,
        &env,
        &["export-credentials", "--profile", "prod/ReadOnly"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    no_problems(&st);
}

#[test]
fn populate_faults_leave_the_config_alone() {
    let (fake, st) = fake_idc();
    st.lock().unwrap().accounts = vec![("111111111111", "prod", vec!["Admin"])];
    let h = home("sso-populate-faults", &config(), "");
    seed_token(&h, &st, "corp");
    let cfg = h.join(".aws/config");
    let env = env_of(&fake, &std::env::var("PATH").unwrap());
    let populate = |extra: &[&str]| {
        let mut args = vec!["sso", "populate", "--sso-session", "corp"];
        args.extend_from_slice(extra);
        run_env(&h, &env, &args)
    };
    // A read-only file: refused, unchanged.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o444)).unwrap();
        let o = populate(&[]);
        assert_ne!(code(&o), 0);
        assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), config());
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // A symlink: written through, the link stays a link.
    let real = h.join("dotfiles-config");
    std::fs::rename(&cfg, &real).unwrap();
    std::os::unix::fs::symlink(&real, &cfg).unwrap();
    let o = populate(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&cfg)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .starts_with(&config())
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("[profile prod/Admin]\n")
    );
    let kept = std::fs::read_to_string(&real).unwrap();
    // A portal that pages forever: stopped, said so, nothing written.
    st.lock().unwrap().forever = true;
    let o = populate(&[]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("more than 1000 pages"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), kept);
    st.lock().unwrap().forever = false;
    // A template with an unknown placeholder, a session without a token.
    let o = populate(&["--profile-template", "{nope}"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("unknown placeholder {nope}"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(cache_dir(&h)).unwrap();
    let o = populate(&[]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("sso login"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), kept);
    no_problems(&st);
}

#[test]
fn auto_login_needs_a_terminal() {
    let (fake, st) = fake_idc();
    let h = home("sso-auto", &config(), "");
    let env = env_of(&fake, &fake_opener(&h));
    // No terminal: the command fails and says to log in; nothing is sent to SSO-OIDC.
    let o = run_env(&h, &env, &["export-credentials", "--profile", "dev"]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("sso login"), "{}", stderr(&o));
    assert!(fake.requests().is_empty());
    // A terminal (script(1) gives the command one): asked, answered, signed in, and the command
    // goes on with the new token. The legacy profile's device code flow needs no browser play.
    st.lock().unwrap().pending = 1;
    let Ok(script) = Command::new("script").arg("--version").output() else {
        eprintln!("SKIPPED: auto_login_needs_a_terminal with a terminal (no script(1))");
        return;
    };
    if !script.status.success() {
        eprintln!("SKIPPED: auto_login_needs_a_terminal with a terminal (script(1) fails)");
        return;
    }
    let sts_bin = env!("CARGO_BIN_EXE_sts");
    let mut c = Command::new("script");
    c.args([
        "-qec",
        &format!("{sts_bin} export-credentials --profile legacy --format env-no-export"),
        "/dev/null",
    ]);
    c.env_clear();
    c.env("HOME", &h)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TERM", "dumb");
    for (k, v) in &env {
        c.env(k, v);
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Answer the question once it is asked (the pty echoes it to our side).
    std::thread::sleep(Duration::from_millis(500));
    stdin.write_all(b"y\n").unwrap();
    let t0 = Instant::now();
    let o = loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no end");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("needs an IAM Identity Center sign-in: there is no SSO token"),
        "{text}"
    );
    assert!(text.contains("ABCD-EFGH"), "{text}");
    assert!(text.contains("AWS_ACCESS_KEY_ID=ASIAREADONLY8"), "{text}");
    no_problems(&st);
}

/// The botocore venv's python, or `None` after a SKIPPED line.
fn botocore(test: &str) -> Option<PathBuf> {
    let py = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/botocore-venv/bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import botocore.tokens"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: daily sso {test} (no botocore venv: run scripts/botocore-venv)");
    }
    ok.then_some(py)
}

fn oracle(py: &Path, h: &Path, env: &[(String, String)], req: &J) -> J {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/botocore_sso.py");
    let mut c = Command::new(py);
    c.env_clear();
    c.env("HOME", h)
        .env("AWS_CONFIG_FILE", h.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", h.join(".aws/credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1,localhost");
    for (k, v) in env {
        if k != "PATH" {
            c.env(k, v);
        }
    }
    let mut child = c
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(req.to_string().as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "botocore: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn botocore_reads_what_sts_wrote_and_sts_reads_and_logs_out_what_botocore_wrote() {
    let Some(py) = botocore("interop") else {
        return;
    };
    let (fake, st) = fake_idc();
    let extra = "\n[profile other]\nsso_session = other\nsso_account_id = 444444444444\n\
                 sso_role_name = Ops\n\n[sso-session other]\nsso_start_url = https://other.awsapps.com/start\n\
                 sso_region = us-east-2\n";
    let h = home("sso-botocore", &format!("{}{extra}", config()), "");
    let env = env_of(&fake, &fake_opener(&h));
    let child = spawn(&h, &env, &["sso", "login", "--profile", "dev"]);
    let (_, status, _) = browse(&h);
    assert_eq!(status, 200);
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // botocore's SSOTokenProvider and SSOProvider use the token sts wrote.
    let read = oracle(&py, &h, &env, &json!({"op": "read", "profile": "dev"}));
    assert_eq!(read["token"], "access-1");
    assert_eq!(read["access_key"], "ASIAADMIN8");
    // The bytes are the ones botocore writes for the same values, and the registration's name
    // is botocore's key.
    let token_file = cache_dir(&h).join(format!("{}.json", sha1_hex("corp")));
    let token_text = std::fs::read_to_string(&token_file).unwrap();
    let key_args = json!({"tool": "botocore", "startUrl": START_URL, "region": "eu-west-1",
                          "scopes": ["sso:account:access"], "session_name": "corp"});
    let regs: Vec<PathBuf> = std::fs::read_dir(cache_dir(&h))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| *p != token_file)
        .collect();
    let reg_text = std::fs::read_to_string(&regs[0]).unwrap();
    let again = oracle(
        &py,
        &h,
        &env,
        &json!({"op": "rewrite", "token": token_text, "registration": reg_text, "key_args": key_args}),
    );
    assert_eq!(again["token"], token_text.as_str());
    assert_eq!(again["registration"], reg_text.as_str());
    assert_eq!(
        regs[0].file_name().unwrap().to_str().unwrap(),
        format!("{}.json", again["registration_key"].as_str().unwrap())
    );
    // botocore (as the AWS CLI's login) writes a token and a registration for the other session;
    // sts uses the token, then logs in to that session with botocore's registration.
    {
        let mut s = st.lock().unwrap();
        s.tokens.push("botocore-access".into());
        s.clients.push((
            "botocore-client-id".into(),
            "botocore-client-secret".into(),
            true,
            J::Null,
        ));
    }
    let written = oracle(
        &py,
        &h,
        &env,
        &json!({"op": "write", "session": "other", "start_url": "https://other.awsapps.com/start",
                "region": "us-east-2", "access_token": "botocore-access", "expires_in": 3600,
                "refresh_token": "botocore-refresh", "scopes": null}),
    );
    assert_eq!(written["token_key"], sha1_hex("other"));
    let o = run_env(
        &h,
        &env,
        &[
            "export-credentials",
            "--profile",
            "other",
            "--format",
            "env-no-export",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("AWS_ACCESS_KEY_ID=ASIAOPS15"),
        "{}",
        stdout(&o)
    );
    // `sts sso logout` removes what both wrote (and logs both out); the registrations stay.
    let o = run_env(&h, &env, &["sso", "logout"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let left: BTreeMap<String, String> = std::fs::read_dir(cache_dir(&h))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.values().all(|t| !t.contains("accessToken")));
    let mut out = st.lock().unwrap().logged_out.clone();
    out.sort();
    assert_eq!(out, ["access-1", "botocore-access"]);
    assert!(
        !std::fs::read_dir(h.join(".aws/cli/cache"))
            .map(|d| d.count() > 0)
            .unwrap_or(false)
    );
    // The registration botocore wrote outlived the logout: sts logs in again with it.
    let clients = st.lock().unwrap().clients.len();
    let child = spawn(&h, &env, &["sso", "login", "--sso-session", "other"]);
    let (_, status, _) = browse(&h);
    assert_eq!(status, 200);
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        st.lock().unwrap().clients.len(),
        clients,
        "registered again"
    );
    let other: J = serde_json::from_str(
        &std::fs::read_to_string(cache_dir(&h).join(format!("{}.json", sha1_hex("other"))))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(other["clientId"], "botocore-client-id");
    no_problems(&st);
}

#[test]
fn help_pages_and_completion() {
    let h = home("sso-help", "", "");
    for name in ["login", "logout", "populate"] {
        let o = run(sts(&h, &[], &["sso", name, "help"]));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        crate::golden(&format!("sso-{name}.help.txt"), &stdout(&o));
    }
    // The tool's help lists them; `sts sso` alone names the choices.
    let tool = stdout(&run(sts(&h, &[], &["help"])));
    assert!(tool.contains("o sso login\n") && tool.contains("o sso populate\n"));
    // An unknown subcommand is argparse's invalid choice, in AWS CLI v2's words.
    let o = run(sts(&h, &[], &["sso", "nope"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("Found invalid choice 'nope'"),
        "{}",
        stderr(&o)
    );
    let o = run(sts(&h, &[], &["sso", "populate"]));
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).contains("the following arguments are required: --sso-session"),
        "{}",
        stderr(&o)
    );
    // Completion: `sts sso <TAB>` offers the three, `sts sso login --<TAB>` its switches, and
    // `sts login` is still the other command.
    let bash = stdout(&run(sts(&h, &[], &["completion", "bash"])));
    let complete = |words: &str, cword: usize| {
        let o = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{bash}\nCOMP_WORDS=({words}); COMP_CWORD={cword}; _sts; echo \"${{COMPREPLY[@]}}\""
            ))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    assert_eq!(complete("sts sso ''", 2), "login logout populate help");
    assert_eq!(complete("sts sso login --u", 3), "--use-device-code");
    assert_eq!(
        complete("sts sso populate --p", 3),
        "--profile-template --prune --profile --prompt"
    );
    assert_eq!(complete("sts login --r", 2), "--remote --region");
    let zsh = stdout(&run(sts(&h, &[], &["completion", "zsh"])));
    assert!(zsh.contains("'sso login')"), "{zsh}");
    assert!(
        zsh.contains("'--use-device-code[Uses the device code grant"),
        "{zsh}"
    );
}
