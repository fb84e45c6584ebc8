//! `aws login` sessions (`login_session` profiles): the 8 cases of the shared
//! `login-provider-test-cases.json` (via `$STS_CONFORMANCE_DIR`) and our own refresh cases, against
//! a loopback `/v1/token` fake that verifies every DPoP proof: the ES256 signature against the JWK
//! it carries and against the public key of the cached `dpopKey`, `htm`, the exact `htu`, `iat`
//! within a minute and a `jti` never seen before.
#![cfg(feature = "client")]

#[path = "conformance/common.rs"]
mod common;
mod fake_token;

use fake_token::{FakeToken, Request};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::{Value as J, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use sts_blocking::__private::base64;
use sts_blocking::credentials::Clock;
use sts_blocking::credentials::DefaultChain;
use sts_blocking::credentials::{Env, LoginProvider};
use sts_blocking::{Credentials, Error, ProvideCredentials};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SESSION: &str = "arn:aws:sts::012345678910:assumed-role/Admin/admin";
const CACHE_NAME: &str = "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json";

/// The public test key of the conformance cases (SEC1, as `aws login` writes it).
const SEC1_PEM: &str = "-----BEGIN EC PRIVATE KEY-----\n\
    MHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\n\
    AwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\n\
    ffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";

/// The same key as PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`).
const PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+3+7wic8ulB5AslO\n\
    9Vf6w0POeLy8wMy3cuK76cwGKB+hRANCAAQguQYbus06fGIgmUyCKZjVQ8/x4MwU\n\
    /QMBjpYaOeA/hu9MCJQJD8h9+63bfv24/44EKbai8akE4lGCuXVGylQ5\n\
    -----END PRIVATE KEY-----\n";

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-login-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The uncompressed public point (0x04 ‖ x ‖ y) of a PEM key: the DER's trailing BIT STRING.
fn public_point(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::decode_std(&b64).unwrap();
    der[der.len() - 65..].to_vec()
}

fn b64json(part: &str) -> J {
    serde_json::from_slice(&base64::decode_url_nopad(part).expect("base64url")).expect("JSON")
}

/// Checks a DPoP proof; `Err` says what is wrong.
fn check_dpop(
    req: &Request,
    htu: &str,
    cached_key: &[u8],
    seen: &Mutex<HashSet<String>>,
) -> Result<(), String> {
    let jwt = req.header("dpop").ok_or("no DPoP header")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err("not a JWT".into());
    }
    let (header, payload) = (b64json(parts[0]), b64json(parts[1]));
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" {
        return Err(format!("header {header}"));
    }
    let jwk = &header["jwk"];
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err(format!("jwk {jwk}"));
    }
    let coord =
        |k: &str| base64::decode_url_nopad(jwk[k].as_str().unwrap_or("")).unwrap_or_default();
    let mut point = vec![4u8];
    point.extend(coord("x"));
    point.extend(coord("y"));
    let sig = base64::decode_url_nopad(parts[2]).ok_or("signature not base64url")?;
    let signed = format!("{}.{}", parts[0], parts[1]);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| "signature does not verify against its jwk")?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, cached_key)
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| "signature does not verify against the cached dpopKey")?;
    if payload["htm"] != "POST" {
        return Err(format!("htm {}", payload["htm"]));
    }
    if payload["htu"] != htu {
        return Err(format!("htu {} != {htu}", payload["htu"]));
    }
    let iat = payload["iat"].as_i64().ok_or("iat")?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if (now - iat).abs() > 60 {
        return Err(format!("iat {iat} is not within a minute of {now}"));
    }
    let jti = payload["jti"].as_str().ok_or("jti")?.to_owned();
    if jti.len() != 36 || !seen.lock().unwrap().insert(jti.clone()) {
        return Err(format!("jti {jti} reused or malformed"));
    }
    if req.header("authorization").is_some() {
        return Err("the refresh must be unsigned".into());
    }
    if req.method != "POST" || req.path != "/v1/token" {
        return Err(format!("{} {}", req.method, req.path));
    }
    if !req
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json")
    {
        return Err("content-type".into());
    }
    Ok(())
}

/// A `/v1/token` fake: verifies the proof and the body against the next expected call, answers it.
/// Expected calls: `(tokenInput, status, body)`.
fn signin_fake(key_pem: &str, calls: Vec<(J, u16, String)>) -> FakeToken {
    let cached = public_point(key_pem);
    let seen = Mutex::new(HashSet::new());
    let calls = Mutex::new(calls.into_iter());
    let htu = Arc::new(Mutex::new(String::new()));
    let htu2 = htu.clone();
    let fake = FakeToken::start(move |req| {
        let htu = htu2.lock().unwrap().clone();
        if let Err(why) = check_dpop(req, &htu, &cached, &seen) {
            return (
                400,
                json!({"error": "INVALID_REQUEST", "message": why}).to_string(),
            );
        }
        let Some((input, status, body)) = calls.lock().unwrap().next() else {
            return (
                500,
                json!({"error": "server_error", "message": "unexpected call"}).to_string(),
            );
        };
        let got: J = serde_json::from_str(&req.body).unwrap_or(J::Null);
        if got != input {
            return (
                400,
                json!({"error": "INVALID_REQUEST", "message": format!("body {got}")}).to_string(),
            );
        }
        (status, body)
    });
    *htu.lock().unwrap() = format!("{}/v1/token", fake.url());
    fake
}

fn fixed_clock(t: OffsetDateTime) -> Clock {
    Arc::new(move || t)
}

/// A HOME with `config`, the login cache in `cache/`, the sign-in endpoint at `endpoint`.
fn login_env(dir: &Path, config: &str, endpoint: &str) -> Env {
    std::fs::write(dir.join("config"), config).unwrap();
    Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        (
            "AWS_LOGIN_CACHE_DIRECTORY",
            dir.join("cache").to_str().unwrap(),
        ),
        ("AWS_PROFILE", "signin"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_SIGNIN", endpoint),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ])
}

fn resolve(env: &Env, now: OffsetDateTime) -> Result<Credentials, Error> {
    DefaultChain::builder(env.clone())
        .clock(fixed_clock(now))
        .build_profile_only()
        .provide_credentials()
}

fn at(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap()
}

/// The conformance cases' clock: their refreshed `expiresAt` is 900 s after it.
const CASE_NOW: &str = "2025-11-19T00:00:00Z";

fn run_case(case: &J) -> Result<(), String> {
    let dir = temp_dir("case");
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    for (name, body) in case["cacheContents"].as_object().unwrap() {
        std::fs::write(
            cache.join(name),
            serde_json::to_string_pretty(body).unwrap(),
        )
        .unwrap();
    }
    let key = case["cacheContents"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .and_then(|t| t["dpopKey"].as_str())
        .unwrap_or(SEC1_PEM)
        .to_owned();
    let calls: Vec<(J, u16, String)> = case["mockApiCalls"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let input = c["request"]["tokenInput"].clone();
                    match c["response"].get("tokenOutput") {
                        Some(out) => (input, 200, out.to_string()),
                        None => (
                            input,
                            c["responseCode"].as_u64().unwrap_or(400) as u16,
                            String::new(),
                        ),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let expected_calls = calls.len();
    let fake = signin_fake(&key, calls);
    let env = login_env(&dir, case["configContents"].as_str().unwrap(), &fake.url());
    let result = resolve(&env, at(CASE_NOW));
    for outcome in case["outcomes"].as_array().unwrap() {
        match outcome["result"].as_str().unwrap() {
            "credentials" => {
                let c = result.as_ref().map_err(|e| format!("error: {e}"))?;
                let want = |k: &str| outcome[k].as_str().unwrap().to_owned();
                let got_token = c.session_token.as_ref().map(|t| t.expose().to_owned());
                if c.access_key_id != want("accessKeyId")
                    || c.secret_access_key.expose() != want("secretAccessKey")
                    || got_token.as_deref() != Some(want("sessionToken").as_str())
                    || c.account_id.as_deref() != Some(want("accountId").as_str())
                    || c.expiration != Some(at(&want("expiresAt")))
                {
                    return Err(format!("credentials {c:?} != {outcome}"));
                }
            }
            "error" => {
                if let Ok(c) = &result {
                    return Err(format!("expected an error, got {c:?}"));
                }
            }
            "cacheContents" => {
                for (name, want) in outcome.as_object().unwrap() {
                    if name == "result" {
                        continue;
                    }
                    let text =
                        std::fs::read_to_string(cache.join(name)).map_err(|e| e.to_string())?;
                    let got: J = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                    if &got != want {
                        return Err(format!("cache file {got} != {want}"));
                    }
                }
            }
            other => return Err(format!("unknown outcome {other}")),
        }
    }
    if fake.count() != expected_calls {
        return Err(format!(
            "{} calls to /v1/token, expected {expected_calls}",
            fake.count()
        ));
    }
    // Whatever happened, no secret of the cache file is in the error.
    if let Err(e) = &result {
        let text = format!("{e} {e:?}");
        for secret in [
            "wJalrXUtnFEMI",
            "refresh_token",
            "MHcCAQEE",
            "oldExpiredSecretKey",
        ] {
            if text.contains(secret) {
                return Err(format!("error shows a secret: {text}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[test]
fn login_provider_conformance() {
    let Some(root) = common::corpus("login provider") else {
        return;
    };
    let path = root.join("credentials/aws-config-scenarios/login-provider-test-cases.json");
    let cases = common::json(&path);
    let cases = cases.as_array().expect("cases");
    let mut failures = Vec::new();
    for case in cases {
        if let Err(why) = run_case(case) {
            failures.push(format!("{}: {why}", case["documentation"]));
        }
    }
    common::report(
        "login provider",
        cases.len() - failures.len(),
        cases.len(),
        &failures,
    );
}

/// A login cache document (what `aws login` writes) expiring at `expires`.
fn token_doc(expires: &str, key_pem: &str, refresh: &str) -> J {
    json!({
        "accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "old-secret",
                        "sessionToken": "old-token", "accountId": "012345678901",
                        "expiresAt": expires},
        "tokenType": "aws_sigv4",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": refresh,
        "idToken": "header.payload.sig",
        "dpopKey": key_pem,
    })
}

fn refreshed(key: &str, refresh: &str, expires_in: i64) -> String {
    json!({"accessToken": {"accessKeyId": key, "secretAccessKey": format!("secret-{key}"),
                           "sessionToken": format!("token-{key}")},
           "tokenType": "aws_sigv4", "expiresIn": expires_in, "refreshToken": refresh})
    .to_string()
}

fn input(refresh: &str) -> J {
    json!({"clientId": "arn:aws:signin:::devtools/same-device", "grantType": "refresh_token",
           "refreshToken": refresh})
}

const CONFIG: &str =
    "[profile signin]\nlogin_session = arn:aws:sts::012345678910:assumed-role/Admin/admin\n";

fn setup(tag: &str, doc: &J, fake: &FakeToken) -> (PathBuf, Env) {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    std::fs::write(dir.join("cache").join(CACHE_NAME), doc.to_string()).unwrap();
    let env = login_env(&dir, CONFIG, &fake.url());
    (dir, env)
}

#[test]
fn pkcs8_keys_rotate_refresh_tokens_and_write_0600() {
    let now = OffsetDateTime::now_utc();
    let soon = (now + time::Duration::minutes(4)).format(&Rfc3339).unwrap();
    let fake = signin_fake(
        PKCS8_PEM,
        vec![
            (input("r1"), 200, refreshed("ASIANEW1", "r2", 900)),
            (input("r2"), 200, refreshed("ASIANEW2", "r3", 240)),
        ],
    );
    let (dir, env) = setup("pkcs8", &token_doc(&soon, PKCS8_PEM, "r1"), &fake);
    // Four minutes left: inside the 5-minute window, so refreshed.
    let c = resolve(&env, now).unwrap();
    assert_eq!(c.access_key_id, "ASIANEW1");
    assert_eq!(c.account_id.as_deref(), Some("012345678901"));
    let file = dir.join("cache").join(CACHE_NAME);
    let doc: J = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["refreshToken"], "r2");
    assert_eq!(
        doc["idToken"], "header.payload.sig",
        "other members are kept"
    );
    assert_eq!(doc["tokenType"], "aws_sigv4");
    assert_eq!(doc["dpopKey"], PKCS8_PEM);
    // The refresh lock stays beside the cache file: empty, 0600.
    let lock = dir.join("cache").join(format!("{CACHE_NAME}.lock"));
    assert_eq!(std::fs::metadata(&lock).unwrap().len(), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [&file, &lock] {
            let mode = std::fs::metadata(f).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", f.display());
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.join("cache")).unwrap().count(),
        2,
        "no temp files left"
    );
    // Fifteen minutes left now: used as is.
    assert_eq!(resolve(&env, now).unwrap().access_key_id, "ASIANEW1");
    assert_eq!(fake.count(), 1);
    // Later: the rotated refresh token is used, with a new proof (fresh jti).
    let c = resolve(&env, now + time::Duration::minutes(11)).unwrap();
    assert_eq!(c.access_key_id, "ASIANEW2");
    assert_eq!(fake.count(), 2);
}

#[test]
fn another_process_refreshed_the_file_first() {
    let now = OffsetDateTime::now_utc();
    let soon = (now + time::Duration::minutes(2)).format(&Rfc3339).unwrap();
    let fake = signin_fake(
        SEC1_PEM,
        vec![(input("r1"), 200, refreshed("ASIAA", "r2", 900))],
    );
    let (dir, env) = setup("race", &token_doc(&soon, SEC1_PEM, "r1"), &fake);
    // Two providers on the same session, like two processes: A refreshes, B finds A's work.
    let cache_dir = dir.join("cache");
    let a = LoginProvider::new(SESSION, &cache_dir).endpoint(Some(fake.url()));
    let b = LoginProvider::new(SESSION, &cache_dir).endpoint(Some(fake.url()));
    assert_eq!(a.provide_credentials().unwrap().access_key_id, "ASIAA");
    assert_eq!(b.provide_credentials().unwrap().access_key_id, "ASIAA");
    assert_eq!(
        fake.count(),
        1,
        "B re-read the file instead of refreshing again"
    );
    drop(env);
}

#[test]
fn refusals_name_the_command_and_keep_the_file() {
    let now = OffsetDateTime::now_utc();
    let expired = (now - time::Duration::minutes(1)).format(&Rfc3339).unwrap();
    for (reason, status, needle) in [
        ("TOKEN_EXPIRED", 401, "expired"),
        ("USER_CREDENTIALS_CHANGED", 403, "password"),
        ("INSUFFICIENT_PERMISSIONS", 403, "signin:CreateOAuth2Token"),
    ] {
        let body = json!({"error": reason, "message": "denied"}).to_string();
        let fake = signin_fake(SEC1_PEM, vec![(input("r1"), status, body)]);
        let doc = token_doc(&expired, SEC1_PEM, "r1");
        let (dir, env) = setup("deny", &doc, &fake);
        let e = resolve(&env, now).unwrap_err().to_string();
        assert!(e.contains(needle), "{reason}: {e}");
        assert!(e.contains("aws login --profile signin"), "{reason}: {e}");
        assert!(!e.contains("old-secret") && !e.contains("r1\""), "{e}");
        let kept: J = serde_json::from_str(
            &std::fs::read_to_string(dir.join("cache").join(CACHE_NAME)).unwrap(),
        )
        .unwrap();
        assert_eq!(kept, doc);
    }
}

#[test]
fn bad_responses_and_endpoints_are_errors() {
    let now = OffsetDateTime::now_utc();
    let expired = (now - time::Duration::minutes(1)).format(&Rfc3339).unwrap();
    for body in [
        "not json".to_owned(),
        json!({"accessToken": {}, "expiresIn": 900, "refreshToken": "x"}).to_string(),
        refreshed("A", "r2", -5),
        refreshed("A", "r2", i64::MAX),
    ] {
        let fake = signin_fake(SEC1_PEM, vec![(input("r1"), 200, body)]);
        let (_dir, env) = setup("bad", &token_doc(&expired, SEC1_PEM, "r1"), &fake);
        let e = resolve(&env, now).unwrap_err().to_string();
        assert!(e.contains("invalid token response"), "{e}");
    }
    // Plain http to a non-loopback host is refused before any connection.
    let fake = signin_fake(SEC1_PEM, vec![]);
    let (dir, _) = setup("http", &token_doc(&expired, SEC1_PEM, "r1"), &fake);
    let env = login_env(&dir, CONFIG, "http://signin.example.com");
    let e = resolve(&env, now).unwrap_err().to_string();
    assert!(e.contains("refusing plain http"), "{e}");
    // A damaged key.
    let doc = token_doc(
        &expired,
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
        "r1",
    );
    let (_d, env) = setup("key", &doc, &fake);
    let e = resolve(&env, now).unwrap_err().to_string();
    assert!(e.contains("dpopKey"), "{e}");
    assert_eq!(fake.count(), 0);
}

#[test]
fn default_cache_directory_and_whoami_source() {
    let now = OffsetDateTime::now_utc();
    let later = (now + time::Duration::hours(1)).format(&Rfc3339).unwrap();
    let dir = temp_dir("home");
    let cache = dir.join(".aws/login/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join(CACHE_NAME),
        token_doc(&later, SEC1_PEM, "r").to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("config"), CONFIG).unwrap();
    let env = Env::from_map([
        ("HOME", dir.to_str().unwrap()),
        ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_PROFILE", "signin"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let chain = DefaultChain::new(env);
    let c = chain.provide_credentials().unwrap();
    assert_eq!(c.access_key_id, "ASIAOLD");
    assert_eq!(c.account_id.as_deref(), Some("012345678901"));
    assert_eq!(chain.source_name(), "profile:signin (login)");
}

#[test]
fn control_characters_in_a_refusal_are_escaped() {
    let now = OffsetDateTime::now_utc();
    let expired = (now - time::Duration::minutes(1)).format(&Rfc3339).unwrap();
    // A title-setting OSC, a bell and a carriage return in the service's `error` code.
    let body = json!({"error": "Bad\u{1b}]0;pwned\u{7}\rX", "message": "m"}).to_string();
    let fake = signin_fake(SEC1_PEM, vec![(input("r1"), 400, body)]);
    let (_dir, env) = setup("ctl", &token_doc(&expired, SEC1_PEM, "r1"), &fake);
    let e = resolve(&env, now).unwrap_err().to_string();
    assert!(!e.contains(['\u{1b}', '\u{7}', '\r']), "{e:?}");
    assert!(e.contains("Bad\\u{1b}]0;pwned\\u{7}\\rX"), "{e:?}");
}

#[test]
fn cache_directory_of_another_user_is_expanded_or_refused() {
    use sts_blocking::error::FileProblem;
    // `~user/...` is that user's home, never a directory named `~user` in the working directory.
    let env = Env::from_map([
        ("HOME", "/h"),
        ("AWS_LOGIN_CACHE_DIRECTORY", "~nosuchuser/cache"),
    ]);
    match LoginProvider::cache_dir(&env) {
        Err(Error::File {
            problem: FileProblem::UnknownUser { user },
            ..
        }) => assert_eq!(user, "nosuchuser"),
        other => panic!("{other:?}"),
    }
    let env = Env::from_map([("AWS_LOGIN_CACHE_DIRECTORY", "~/cache")]);
    match LoginProvider::cache_dir(&env) {
        Err(Error::File {
            problem: FileProblem::NoHomeDirectory,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let env = Env::from_map([("HOME", "/h"), ("AWS_LOGIN_CACHE_DIRECTORY", "~/cache")]);
    assert_eq!(
        LoginProvider::cache_dir(&env).unwrap(),
        Some(PathBuf::from("/h/cache"))
    );
    assert_eq!(
        LoginProvider::cache_dir(&Env::from_map([("X", "1")])).unwrap(),
        None
    );
}

/// A `/v1/token` whose refresh tokens are single use: `rN` works once (with a valid DPoP proof),
/// answering `ASIANEW{N+1}` and `r{N+1}`; a used one gets 401 `TOKEN_EXPIRED`. Each call takes
/// 300 ms, as a real one takes a few hundred, which is the window parallel processes race in.
fn single_use_signin(key_pem: &str) -> FakeToken {
    let cached = public_point(key_pem);
    let seen = Mutex::new(HashSet::new());
    let next = Mutex::new(1usize);
    let htu = Arc::new(Mutex::new(String::new()));
    let htu2 = htu.clone();
    let fake = FakeToken::start(move |req| {
        let htu = htu2.lock().unwrap().clone();
        if let Err(why) = check_dpop(req, &htu, &cached, &seen) {
            return (
                400,
                json!({"error": "INVALID_REQUEST", "message": why}).to_string(),
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let got: J = serde_json::from_str(&req.body).unwrap_or(J::Null);
        let mut n = next.lock().unwrap();
        if got != input(&format!("r{n}")) {
            return (
                401,
                json!({"error": "TOKEN_EXPIRED", "message": "the refresh token was used"})
                    .to_string(),
            );
        }
        *n += 1;
        (
            200,
            refreshed(&format!("ASIANEW{n}"), &format!("r{n}"), 900),
        )
    });
    *htu.lock().unwrap() = format!("{}/v1/token", fake.url());
    fake
}

/// Twenty `sts` processes at once (`make -j`, Terraform, parallel CI) on one expired `aws login`
/// session, with single-use refresh tokens: one process refreshes under the lock beside the cache
/// file, the others wait for it, read its credentials and call nothing.
#[test]
fn twenty_processes_share_one_refresh_of_a_single_use_token() {
    // Each of the twenty processes is this test again, in a child (fake_token::in_parallel).
    fake_token::parallel_child();
    let now = OffsetDateTime::now_utc();
    let expired = (now - time::Duration::minutes(1)).format(&Rfc3339).unwrap();
    let fake = single_use_signin(SEC1_PEM);
    let (dir, _) = setup("parallel", &token_doc(&expired, SEC1_PEM, "r1"), &fake);
    let url = fake.url();
    let out = fake_token::in_parallel(
        20,
        "twenty_processes_share_one_refresh_of_a_single_use_token",
        &[
            ("HOME", dir.to_str().unwrap()),
            ("AWS_CONFIG_FILE", dir.join("config").to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            (
                "AWS_LOGIN_CACHE_DIRECTORY",
                dir.join("cache").to_str().unwrap(),
            ),
            ("AWS_PROFILE", "signin"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_SIGNIN", &url),
        ],
    );
    let failed: Vec<String> = out
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 20 processes failed ({} refresh calls): {failed:#?}",
        failed.len(),
        fake.count()
    );
    assert_eq!(
        fake.count(),
        1,
        "one process refreshed, the others used its credentials"
    );
    for o in &out {
        assert_eq!(fake_token::access_key_of(o).as_deref(), Some("ASIANEW2"));
    }
    let doc: J =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cache").join(CACHE_NAME)).unwrap())
            .unwrap();
    assert_eq!(doc["refreshToken"], "r2");
}
