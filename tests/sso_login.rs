//! The IAM Identity Center login pieces of the library against loopback fakes: SSO-OIDC
//! (`RegisterClient`, `StartDeviceAuthorization`, `CreateToken` with the device code and
//! authorization code grants: the fake checks every member, the PKCE challenge against the
//! verifier, the redirect URI with its port and the poll answers), the portal (ListAccounts,
//! ListAccountRoles and logout: the bearer header, paging, throttling, a portal that pages
//! forever) and start URL resolution over TLS (one HEAD, no redirect followed).
#![cfg(feature = "client")]

mod fake_token;
mod support;

use fake_token::{FakeToken, Request};
use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sts_blocking::SecretString;
use sts_blocking::credentials::{
    ClientRegistration, DevicePoll, Env, PagingPolicy, PkceSession, RegisterClient, SsoGrant,
    SsoOidcClient, SsoPortal, TokenGrant, TokenOutcome, resolve_start_url, sso_redirect_uri,
};
use time::OffsetDateTime;

/// base64url without padding, written here (independent of the library's).
fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn body(r: &Request) -> J {
    serde_json::from_str(&r.body).unwrap_or(J::Null)
}

fn env() -> Env {
    Env::from_map([("HOME", "/nonexistent")])
}

/// The OIDC fake: what it saw and what it will answer to the device-code polls.
#[derive(Default)]
struct Oidc {
    polls: VecDeque<&'static str>,
    challenge: Option<String>,
    problems: Vec<String>,
}

fn oidc_fake(st: Arc<Mutex<Oidc>>) -> FakeToken {
    FakeToken::start(move |r| {
        let mut st = st.lock().unwrap();
        let b = body(r);
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/client/register") => {
                if b["clientType"] != "public" || b["clientName"].as_str().is_none() {
                    st.problems.push(format!("register {b}"));
                }
                (
                    200,
                    json!({"clientId": "cid", "clientSecret": "marker-client-secret",
                           "clientIdIssuedAt": 1, "clientSecretExpiresAt": 4_102_444_800_i64})
                    .to_string(),
                )
            }
            ("POST", "/device_authorization") => {
                if b != json!({"clientId": "cid", "clientSecret": "marker-client-secret",
                               "startUrl": "https://d-1.awsapps.com/start"})
                {
                    st.problems.push(format!("device authorization {b}"));
                }
                (
                    200,
                    json!({"deviceCode": "marker-device-code", "userCode": "WXYZ-1234",
                           "verificationUri": "https://device.sso.example/",
                           "verificationUriComplete": "https://device.sso.example/?user_code=WXYZ-1234",
                           "expiresIn": 600, "interval": 1})
                    .to_string(),
                )
            }
            ("POST", "/token") => match b["grantType"].as_str() {
                Some("urn:ietf:params:oauth:grant-type:device_code") => {
                    if b["deviceCode"] != "marker-device-code"
                        || b["clientSecret"] != "marker-client-secret"
                    {
                        st.problems.push(format!("device token {b}"));
                    }
                    match st.polls.pop_front() {
                        Some(error) => (400, json!({"error": error}).to_string()),
                        None => (
                            200,
                            json!({"accessToken": "marker-access", "expiresIn": 3600,
                                   "tokenType": "Bearer"})
                            .to_string(),
                        ),
                    }
                }
                Some("authorization_code") => {
                    let verifier = b["codeVerifier"].as_str().unwrap_or_default();
                    let ok = b["code"] == "marker-code"
                        && b["redirectUri"].as_str().is_some_and(|u| {
                            u.starts_with("http://127.0.0.1:") && u.ends_with("/oauth/callback")
                        })
                        && Some(b64url(&Sha256::digest(verifier.as_bytes())))
                            == st.challenge.clone();
                    if !ok {
                        st.problems.push(format!("authorization code token {b}"));
                        return (400, json!({"error": "invalid_grant"}).to_string());
                    }
                    (
                        200,
                        json!({"accessToken": "marker-access", "expiresIn": 3600,
                               "refreshToken": "marker-refresh"})
                        .to_string(),
                    )
                }
                _ => (400, json!({"error": "unsupported_grant_type"}).to_string()),
            },
            _ => (404, String::new()),
        }
    })
}

#[test]
fn device_code_registration_authorization_and_polls() {
    let st: Arc<Mutex<Oidc>> = Arc::default();
    st.lock().unwrap().polls = VecDeque::from(["authorization_pending", "slow_down"]);
    let fake = oidc_fake(st.clone());
    let oidc = SsoOidcClient::with_endpoint(&fake.url())
        .unwrap()
        .transport(&env(), None);
    let scopes = ["sso:account:access".to_owned()];
    let reg = oidc
        .register_client(&RegisterClient::device_code(
            "botocore-client-dev",
            Some(&scopes),
        ))
        .unwrap();
    assert!(reg.is_usable_for(SsoGrant::DeviceCode, OffsetDateTime::now_utc()));
    assert!(!format!("{reg:?}").contains("marker"));
    let now = OffsetDateTime::now_utc();
    let auth = oidc
        .start_device_authorization(&reg, "https://d-1.awsapps.com/start", now)
        .unwrap();
    assert_eq!(auth.user_code, "WXYZ-1234");
    let mut poll = DevicePoll::for_authorization(&auth);
    let grant = TokenGrant::DeviceCode {
        device_code: &auth.device_code,
    };
    // Pending, then slow down (the interval grows by 5 s), then the token.
    let first = oidc.create_token(&reg, grant, now).unwrap();
    assert_eq!(first, TokenOutcome::Pending);
    assert_eq!(poll.next_wait(&first, now), Some(Duration::from_secs(1)));
    let second = oidc.create_token(&reg, grant, now).unwrap();
    assert_eq!(second, TokenOutcome::SlowDown);
    assert_eq!(poll.next_wait(&second, now), Some(Duration::from_secs(6)));
    let TokenOutcome::Issued(token) = oidc.create_token(&reg, grant, now).unwrap() else {
        panic!("no token");
    };
    assert_eq!(token.access_token.expose(), "marker-access");
    assert!(token.refresh_token.is_none());
    assert_eq!(token.expires_at, now + time::Duration::hours(1));
    let seen = fake.requests.lock().unwrap().clone();
    let register = body(&seen[0]);
    assert_eq!(
        register,
        json!({"clientName": "botocore-client-dev", "clientType": "public",
               "scopes": ["sso:account:access"]})
    );
    assert!(seen.iter().all(|r| {
        r.header("content-type") == Some("application/json") && r.header("authorization").is_none()
    }));
    let s = st.lock().unwrap();
    assert!(s.problems.is_empty(), "{:?}", s.problems);
}

#[test]
fn authorization_code_exchange_checks_pkce_and_the_redirect_uri() {
    let st: Arc<Mutex<Oidc>> = Arc::default();
    let fake = oidc_fake(st.clone());
    let oidc = SsoOidcClient::with_endpoint(&fake.url())
        .unwrap()
        .transport(&env(), None);
    let request =
        RegisterClient::authorization_code("botocore-client-dev", None, "https://issuer/start");
    let reg = oidc.register_client(&request).unwrap();
    assert_eq!(
        body(&fake.requests.lock().unwrap()[0]),
        json!({"clientName": "botocore-client-dev", "clientType": "public",
               "grantTypes": ["authorization_code", "refresh_token"],
               "redirectUris": ["http://127.0.0.1/oauth/callback"],
               "issuerUrl": "https://issuer/start", "scopes": ["sso:account:access"]})
    );
    assert!(reg.is_usable_for(SsoGrant::AuthorizationCode, OffsetDateTime::now_utc()));
    let pkce = PkceSession::new().unwrap();
    let redirect = sso_redirect_uri(43210);
    let url = pkce.authorize_url(oidc.endpoint(), &reg.client_id, &redirect, None);
    // The fake reads the challenge from the URL the browser would open.
    let challenge = url.split("&code_challenge=").nth(1).unwrap().to_owned();
    assert_eq!(challenge.len(), 43);
    st.lock().unwrap().challenge = Some(challenge);
    let code = SecretString::new("marker-code");
    let grant = TokenGrant::AuthorizationCode {
        code: &code,
        code_verifier: pkce.code_verifier(),
        redirect_uri: &redirect,
    };
    let TokenOutcome::Issued(t) = oidc
        .create_token(&reg, grant, OffsetDateTime::now_utc())
        .unwrap()
    else {
        panic!("no token");
    };
    assert_eq!(t.refresh_token.unwrap().expose(), "marker-refresh");
    // Another verifier: refused, and the error names the service's code, not a secret.
    let other = PkceSession::new().unwrap();
    let e = oidc
        .create_token(
            &reg,
            TokenGrant::AuthorizationCode {
                code: &code,
                code_verifier: other.code_verifier(),
                redirect_uri: &redirect,
            },
            OffsetDateTime::now_utc(),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("InvalidGrantException"), "{e}");
    assert!(!e.contains("marker"), "{e}");
    assert_eq!(st.lock().unwrap().problems.len(), 1);
}

#[test]
fn oidc_errors_are_clear_and_never_carry_secrets() {
    let fake = FakeToken::start(|r| match r.path.as_str() {
        "/token" => (
            400,
            json!({"error": "expired_token", "error_description": "marker-client-secret"})
                .to_string(),
        ),
        "/device_authorization" => (
            400,
            json!({"error": "invalid_client",
                   "error_description": "client marker-client-secret is unknown"})
            .to_string(),
        ),
        _ => (500, "not json".to_owned()),
    });
    let oidc = SsoOidcClient::with_endpoint(&fake.url())
        .unwrap()
        .transport(&env(), None);
    let reg = ClientRegistration::new(
        "cid",
        "marker-client-secret",
        OffsetDateTime::now_utc() + time::Duration::days(1),
    );
    let dc = SecretString::new("dc");
    let now = OffsetDateTime::now_utc();
    let e = oidc
        .create_token(&reg, TokenGrant::DeviceCode { device_code: &dc }, now)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("pending authorization") && e.contains("expired"),
        "{e}"
    );
    let e = oidc
        .start_device_authorization(&reg, "https://s", now)
        .unwrap_err()
        .to_string();
    assert!(e.contains("InvalidClientException"), "{e}");
    assert!(!e.contains("marker-client-secret"), "{e}");
    let e = oidc
        .register_client(&RegisterClient::device_code("n", None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("HTTP 500"), "{e}");
}

/// The portal fake: two pages of accounts, roles per account, throttling on the first call of
/// each listing when asked, and logout.
struct Portal {
    throttle_first: bool,
    throttled: usize,
    forever: bool,
    logouts: usize,
}

fn portal_fake(st: Arc<Mutex<Portal>>) -> FakeToken {
    FakeToken::start(move |r| {
        let mut st = st.lock().unwrap();
        if r.header("x-amz-sso_bearer_token") != Some("marker-access") {
            return (
                401,
                json!({"message": "Session token not found or invalid"}).to_string(),
            );
        }
        let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
        let q = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .map(str::to_owned)
        };
        if st.throttle_first && st.throttled < 2 {
            st.throttled += 1;
            return (
                429,
                json!({"message": "TooManyRequestsException"}).to_string(),
            );
        }
        match (r.method.as_str(), path) {
            ("GET", "/assignment/accounts") => {
                if st.forever {
                    return (
                        200,
                        json!({"accountList": [], "nextToken": "again"}).to_string(),
                    );
                }
                assert_eq!(q("max_result").as_deref(), Some("100"));
                match q("next_token").as_deref() {
                    None => (
                        200,
                        json!({"accountList": [{"accountId": "111111111111",
                            "accountName": "prod", "emailAddress": "p@x"}],
                            "nextToken": "page 2/="})
                        .to_string(),
                    ),
                    Some("page%202%2F%3D") => (
                        200,
                        json!({"accountList": [{"accountId": "222222222222",
                            "accountName": "dev"}]})
                        .to_string(),
                    ),
                    other => (400, format!("unexpected next_token {other:?}")),
                }
            }
            ("GET", "/assignment/roles") => {
                let account = q("account_id").unwrap_or_default();
                (
                    200,
                    json!({"roleList": [{"roleName": "Admin", "accountId": account},
                        {"roleName": "ReadOnly", "accountId": account}]})
                    .to_string(),
                )
            }
            ("POST", "/logout") => {
                st.logouts += 1;
                (200, String::new())
            }
            _ => (404, String::new()),
        }
    })
}

fn no_sleep(_: Duration) {}

#[test]
fn portal_pages_backs_off_and_logs_out() {
    let st = Arc::new(Mutex::new(Portal {
        throttle_first: true,
        throttled: 0,
        forever: false,
        logouts: 0,
    }));
    let fake = portal_fake(st.clone());
    let portal = SsoPortal::with_endpoint(&fake.url())
        .unwrap()
        .transport(&env(), None);
    let token = SecretString::new("marker-access");
    let mut policy = PagingPolicy::default();
    policy.sleep = no_sleep;
    let accounts = portal.accounts(&token, &policy).unwrap();
    assert_eq!(st.lock().unwrap().throttled, 2);
    let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(ids, ["111111111111", "222222222222"]);
    assert_eq!(accounts[0].email_address.as_deref(), Some("p@x"));
    let roles = portal
        .account_roles(&token, "222222222222", &policy)
        .unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[1].role_name, "ReadOnly");
    assert_eq!(roles[1].account_id, "222222222222");
    portal.logout(&token).unwrap();
    assert_eq!(st.lock().unwrap().logouts, 1);
    // A bad token: refused, the message says to log in, and has no token.
    let e = portal
        .accounts(&SecretString::new("marker-wrong"), &policy)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sso login") && !e.contains("marker"), "{e}");
    // A portal that pages forever: stopped at the cap, and said so.
    st.lock().unwrap().forever = true;
    let mut capped = policy;
    capped.max_pages = 7;
    let before = fake.count();
    let e = portal.accounts(&token, &capped).unwrap_err().to_string();
    assert!(e.contains("more than 7 pages"), "{e}");
    assert_eq!(fake.count() - before, 7);
    // Always throttled: an error after the retries.
    let st2 = Arc::new(Mutex::new(Portal {
        throttle_first: true,
        throttled: 0,
        forever: false,
        logouts: 0,
    }));
    let fake2 = portal_fake(st2);
    let portal2 = SsoPortal::with_endpoint(&fake2.url())
        .unwrap()
        .transport(&env(), None);
    let mut once = policy;
    once.max_retries = 1;
    let e = portal2.accounts(&token, &once).unwrap_err().to_string();
    assert!(e.contains("throttled"), "{e}");
}

/// A loopback HTTPS server (the test CA's certificate for `localhost`) answering each request
/// with `answer(method)`: status and `Location`. Records the methods it saw.
fn tls_redirector(answer: fn(&str) -> (u16, Option<String>)) -> (u16, Arc<Mutex<Vec<String>>>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(support::tls::data("server.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(support::tls::data("server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, log) = (config.clone(), log.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut reader = BufReader::new(&mut tls);
                let mut first = String::new();
                if reader.read_line(&mut first).unwrap_or(0) == 0 {
                    return;
                }
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let method = first.split(' ').next().unwrap_or_default().to_owned();
                log.lock().unwrap().push(method.clone());
                let (status, location) = answer(&method);
                let loc = location.map_or(String::new(), |l| format!("Location: {l}\r\n"));
                let body = if method == "HEAD" { "" } else { "page" };
                let resp = format!(
                    "HTTP/1.1 {status} X\r\n{loc}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                    4, body
                );
                let _ = tls.write_all(resp.as_bytes());
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
                let _ = tls.read(&mut [0u8; 1]);
            });
        }
    });
    (port, seen)
}

#[test]
fn start_urls_resolve_with_one_request_and_no_redirect_followed() {
    let ca = Some(support::tls::data("ca.pem"));
    let resolve = |port: u16| {
        resolve_start_url(
            &format!("https://localhost:{port}/start"),
            &env(),
            ca.clone(),
        )
    };
    // HEAD answers a redirect to an AWS-owned URL: that is the resolved URL.
    let (port, seen) = tls_redirector(|_| {
        (
            302,
            Some("https://ssoins-1.portal.eu-central-1.app.aws/start".into()),
        )
    });
    let r = resolve(port).unwrap();
    assert_eq!(r.configured, format!("https://localhost:{port}/start"));
    assert_eq!(
        r.resolved,
        "https://ssoins-1.portal.eu-central-1.app.aws/start"
    );
    assert_eq!(r.region.as_deref(), Some("eu-central-1"));
    assert_eq!(*seen.lock().unwrap(), ["HEAD"]);
    // HEAD not allowed: one GET.
    let (port, seen) = tls_redirector(|m| match m {
        "HEAD" => (405, None),
        _ => (301, Some("https://d-1.awsapps.com/start".into())),
    });
    assert_eq!(
        resolve(port).unwrap().resolved,
        "https://d-1.awsapps.com/start"
    );
    assert_eq!(*seen.lock().unwrap(), ["HEAD", "GET"]);
    // A redirect elsewhere is not followed, and is an error.
    let (port, seen) = tls_redirector(|_| (302, Some("https://evil.example/start".into())));
    let e = resolve(port).unwrap_err().to_string();
    assert!(e.contains("AWS-owned"), "{e}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    // A redirect to plain http on an AWS host: refused.
    let (port, _) = tls_redirector(|_| (302, Some("http://d-1.awsapps.com/start".into())));
    let e = resolve(port).unwrap_err().to_string();
    assert!(e.contains("https"), "{e}");
    // No redirect at all: the vanity URL is not AWS-owned.
    let (port, _) = tls_redirector(|_| (200, None));
    assert!(resolve(port).is_err());
    // A redirect without Location, and an error status.
    let (port, _) = tls_redirector(|_| (302, None));
    let e = resolve(port).unwrap_err().to_string();
    assert!(e.contains("missing Location"), "{e}");
    let (port, _) = tls_redirector(|_| (500, None));
    let e = resolve(port).unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    // Plain http start URLs are refused before anything is sent, loopback or not.
    let e = resolve_start_url("http://127.0.0.1:9/start", &env(), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("must use the https scheme"), "{e}");
}

/// A home with an `[sso-session]` profile whose portal is `portal`; no token file yet.
fn sso_home(tag: &str, portal: &str) -> (std::path::PathBuf, Env) {
    let home = std::env::temp_dir().join(format!(
        "sts-sso-login-{tag}-{}-{}",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\n\
         sso_role_name = Admin\n[sso-session corp]\n\
         sso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", home.to_str().unwrap()),
        ("AWS_PROFILE", "dev"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_ENDPOINT_URL_SSO", portal),
        ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    (home, env)
}

fn role_portal() -> FakeToken {
    FakeToken::start(|r| {
        if r.header("x-amz-sso_bearer_token") != Some("fresh-access") {
            return (401, "{}".to_owned());
        }
        (
            200,
            json!({"roleCredentials": {"accessKeyId": "ASIALOGGEDIN",
                "secretAccessKey": "s", "sessionToken": "t",
                "expiration": 4_102_444_800_000_i64}})
            .to_string(),
        )
    })
}

#[test]
fn the_chain_offers_a_login_for_a_missing_token_and_retries_once() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::{DefaultChain, SsoLoginRequest, sso_login};
    let portal = role_portal();
    let (home, env) = sso_home("hook", &portal.url());
    let asked: Arc<Mutex<Vec<SsoLoginRequest>>> = Arc::default();
    let (log, token_home) = (asked.clone(), home.clone());
    // The "login": writes the token file where the chain reads it.
    let hook = sso_login(move |r: &SsoLoginRequest| {
        log.lock().unwrap().push(r.clone());
        let key =
            sts_blocking::credentials::sso_token_cache_key(r.session_name.as_deref(), &r.start_url);
        let dir = token_home.join(".aws/sso/cache");
        std::fs::create_dir_all(&dir).unwrap();
        let expires = OffsetDateTime::now_utc() + time::Duration::hours(1);
        std::fs::write(
            dir.join(format!("{key}.json")),
            json!({"startUrl": r.start_url, "region": r.region,
                   "accessToken": "fresh-access",
                   "expiresAt": expires.format(&time::format_description::well_known::Rfc3339).unwrap()})
            .to_string(),
        )
        .unwrap();
        Ok(true)
    });
    let chain = DefaultChain::builder(env.clone())
        .sso_login(Some(hook))
        .build();
    let c = chain.provide_credentials().unwrap();
    assert_eq!(c.access_key_id, "ASIALOGGEDIN");
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].session_name.as_deref(), Some("corp"));
    assert_eq!(asked[0].start_url, "https://d-1.awsapps.com/start");
    assert_eq!(asked[0].region, "eu-west-1");
    assert_eq!(asked[0].profile, "dev");
    assert_eq!(asked[0].reason, "there is no SSO token");
    // With a valid token that the portal refuses, no login is offered: the portal's error stands.
    drop(portal);
    let other_portal = FakeToken::start(|_| (500, "{}".to_owned()));
    let (home2, env2) = sso_home("hook-valid", &other_portal.url());
    let key = sts_blocking::credentials::sso_token_cache_key(Some("corp"), "");
    std::fs::create_dir_all(home2.join(".aws/sso/cache")).unwrap();
    std::fs::write(
        home2.join(format!(".aws/sso/cache/{key}.json")),
        r#"{"accessToken": "a", "expiresAt": "2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let called = Arc::new(Mutex::new(0));
    let c2 = called.clone();
    let e = DefaultChain::builder(env2)
        .sso_login(Some(sso_login(move |_| {
            *c2.lock().unwrap() += 1;
            Ok(true)
        })))
        .build()
        .provide_credentials()
        .unwrap_err()
        .to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    assert_eq!(*called.lock().unwrap(), 0);
    // A declined login (no terminal): an error that says what to run.
    let (_home3, env3) = sso_home("hook-declined", "http://127.0.0.1:9");
    let e = DefaultChain::builder(env3)
        .sso_login(Some(sso_login(|_| Ok(false))))
        .build()
        .provide_credentials()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("there is no SSO token (profile dev) and no login was made")
            && e.contains("`sts sso login --sso-session corp`"),
        "{e}"
    );
    // A login that fails: its error.
    let (_home4, env4) = sso_home("hook-failed", "http://127.0.0.1:9");
    let e = DefaultChain::builder(env4)
        .sso_login(Some(sso_login(|_| {
            Err(sts_blocking::Error::config("the login was refused"))
        })))
        .build()
        .provide_credentials()
        .unwrap_err()
        .to_string();
    assert!(e.contains("the login was refused"), "{e}");
    let _ = std::fs::remove_dir_all(&home);
}
