//! SSO bearer tokens of `[sso-session]` profiles: the `default-token-provider-chain` scenarios of
//! the shared corpus (via `$STS_CONFORMANCE_DIR`), and refresh cases against a loopback SSO-OIDC
//! `CreateToken` fake (and the portal, for credentials end to end).
#![cfg(feature = "client")]

#[path = "conformance/common.rs"]
mod common;
mod fake_token;

use fake_token::FakeToken;
use serde_json::{Value as J, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use sts_blocking::__private::credentials::cli_cache::{self, CliCache};
use sts_blocking::ProvideCredentials;
use sts_blocking::credentials::Clock;
use sts_blocking::credentials::DefaultChain;
use sts_blocking::credentials::ProfileSet;
use sts_blocking::credentials::{Env, SsoTokenProvider};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-ssotoken-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn copy_tree(from: &Path, to: &Path) {
    if !from.is_dir() {
        return;
    }
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn run_scenario(dir: &Path) -> Result<(), String> {
    let tmp = temp_dir("scenario");
    copy_tree(&dir.join("fs"), &tmp);
    let env_json = common::json(&dir.join("env.json"));
    let mut vars: Vec<(String, String)> = Vec::new();
    for (k, v) in env_json.as_object().unwrap() {
        let v = v.as_str().unwrap();
        // HOME (and any absolute path) into the temp copy of the virtual filesystem.
        let v = if v.starts_with('/') {
            format!("{}{v}", tmp.display())
        } else {
            v.to_owned()
        };
        vars.push((k.clone(), v));
    }
    let env = Env::from_map(vars);
    let case = common::json(&dir.join("test-case.json"));
    let set = ProfileSet::load(&env).map_err(|e| e.to_string())?;
    let provider = SsoTokenProvider::from_profile(&set, &env)
        .map_err(|e| e.to_string())?
        .ok_or("no sso_session in the selected profile")?;
    let got = provider.token();
    match case["result"].get("Ok") {
        Some(ok) => {
            let t = got.map_err(|e| e.to_string())?;
            let want_exp = OffsetDateTime::parse(ok["expiration"].as_str().unwrap(), &Rfc3339)
                .map_err(|e| e.to_string())?;
            if t.token.expose() != ok["token"].as_str().unwrap() || t.expiration != want_exp {
                return Err(format!("got {t:?}, want {ok}"));
            }
        }
        None => {
            let want = case["result"]["ErrorContains"].as_str().unwrap_or("");
            match got {
                Ok(t) => return Err(format!("expected an error, got {t:?}")),
                Err(e) if !e.to_string().contains(want) => {
                    return Err(format!("error {e} lacks {want:?}"));
                }
                Err(_) => {}
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

#[test]
fn default_token_provider_chain_scenarios() {
    let Some(root) = common::corpus("sso token provider chain") else {
        return;
    };
    let dirs =
        common::dirs(&root.join("credentials/aws-config-scenarios/default-token-provider-chain"));
    let mut failures = Vec::new();
    for d in &dirs {
        if let Err(why) = run_scenario(d) {
            failures.push(format!("{}: {why}", d.display()));
        }
    }
    common::report(
        "sso token provider chain",
        dirs.len() - failures.len(),
        dirs.len(),
        &failures,
    );
}

const SESSION: &str = "dev";
const START_URL: &str = "https://d-abc123.awsapps.com/start";

fn fixed(t: OffsetDateTime) -> Clock {
    Arc::new(move || t)
}

fn ts(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0).unwrap().format(&Rfc3339).unwrap()
}

/// A token cache as `aws sso login` writes it, expiring at `expires`.
fn token_file(expires: OffsetDateTime, registration: OffsetDateTime) -> J {
    json!({"startUrl": START_URL, "region": "us-east-1", "accessToken": "old-access",
           "expiresAt": ts(expires), "clientId": "client-id", "clientSecret": "client-secret",
           "registrationExpiresAt": ts(registration), "refreshToken": "refresh-1"})
}

/// An SSO-OIDC fake: checks the CreateToken request, answers `status`/`body`; and a portal.
fn oidc(status: u16, body: J) -> FakeToken {
    FakeToken::start(move |req| {
        if req.path.starts_with("/federation/credentials") {
            let bearer = req.header("x-amz-sso_bearer_token").unwrap_or("");
            let exp = (OffsetDateTime::now_utc().unix_timestamp() + 3600) * 1000;
            return (
                200,
                json!({"roleCredentials": {"accessKeyId": format!("ASIA-{bearer}"),
                    "secretAccessKey": "s", "sessionToken": "t", "expiration": exp}})
                .to_string(),
            );
        }
        let got: J = serde_json::from_str(&req.body).unwrap_or(J::Null);
        let want = json!({"clientId": "client-id", "clientSecret": "client-secret",
                          "grantType": "refresh_token", "refreshToken": "refresh-1"});
        if req.method != "POST"
            || req.path != "/token"
            || got != want
            || req.header("authorization").is_some()
        {
            return (400, json!({"error": "invalid_request"}).to_string());
        }
        (status, body.to_string())
    })
}

fn setup(tag: &str, doc: &J) -> PathBuf {
    let home = temp_dir(tag);
    let cache = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    // sha1("dev")
    std::fs::write(
        cache.join("34c6fceca75e456f25e7e99531e2425c6c1de443.json"),
        doc.to_string(),
    )
    .unwrap();
    home
}

fn provider(home: &Path, fake: &FakeToken, now: OffsetDateTime) -> SsoTokenProvider {
    SsoTokenProvider::new(SESSION, START_URL, "us-east-1", home)
        .endpoint(Some(fake.url()))
        .clock(fixed(now))
}

fn cached(home: &Path) -> J {
    let p = home.join(".aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn refreshes_inside_fifteen_minutes_and_writes_botocores_shape() {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let doc = token_file(
        now + time::Duration::minutes(10),
        now + time::Duration::days(30),
    );
    let home = setup("refresh", &doc);
    let fake = oidc(
        200,
        json!({"accessToken": "new-access", "tokenType": "Bearer",
                                "expiresIn": 3600, "refreshToken": "refresh-2"}),
    );
    let t = provider(&home, &fake, now).token().unwrap();
    assert_eq!(t.token.expose(), "new-access");
    assert_eq!(t.expiration, now + time::Duration::hours(1));
    assert_eq!(fake.count(), 1);
    let path = home.join(".aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json");
    let text = std::fs::read_to_string(&path).unwrap();
    // Exactly what botocore's SSOTokenProvider writes (keys, order, json.dumps spacing).
    let want = format!(
        "{{\"startUrl\": \"{START_URL}\", \"region\": \"us-east-1\", \"accessToken\": \"new-access\", \
         \"expiresAt\": \"{}\", \"clientId\": \"client-id\", \"clientSecret\": \"client-secret\", \
         \"registrationExpiresAt\": \"{}\", \"refreshToken\": \"refresh-2\"}}",
        ts(now + time::Duration::hours(1)).replace("+00:00", "Z"),
        doc["registrationExpiresAt"].as_str().unwrap()
    );
    assert_eq!(text, want);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Refreshed: the next call uses the file.
    assert_eq!(
        provider(&home, &fake, now).token().unwrap().token.expose(),
        "new-access"
    );
    assert_eq!(fake.count(), 1);
}

#[test]
fn no_refresh_without_a_grant_or_outside_the_window() {
    let now = OffsetDateTime::now_utc();
    let fake = oidc(200, json!({"accessToken": "new-access", "expiresIn": 3600}));
    // Twenty minutes left: no refresh.
    let home = setup(
        "far",
        &token_file(
            now + time::Duration::minutes(20),
            now + time::Duration::days(1),
        ),
    );
    assert_eq!(
        provider(&home, &fake, now).token().unwrap().token.expose(),
        "old-access"
    );
    // Registration expired, or a member missing: no refresh, the still-valid token is used.
    let home = setup(
        "reg",
        &token_file(
            now + time::Duration::minutes(5),
            now - time::Duration::days(1),
        ),
    );
    assert_eq!(
        provider(&home, &fake, now).token().unwrap().token.expose(),
        "old-access"
    );
    for key in [
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
    ] {
        let mut doc = token_file(
            now + time::Duration::minutes(5),
            now + time::Duration::days(1),
        );
        doc.as_object_mut().unwrap().remove(key);
        let home = setup("missing", &doc);
        assert_eq!(
            provider(&home, &fake, now).token().unwrap().token.expose(),
            "old-access"
        );
    }
    assert_eq!(fake.count(), 0);
}

#[test]
fn failed_refresh_keeps_a_valid_token_and_expired_ones_say_sso_login() {
    let now = OffsetDateTime::now_utc();
    let fake = oidc(
        400,
        json!({"error": "invalid_grant", "error_description": "nope"}),
    );
    let doc = token_file(
        now + time::Duration::minutes(5),
        now + time::Duration::days(1),
    );
    let home = setup("keep", &doc);
    assert_eq!(
        provider(&home, &fake, now).token().unwrap().token.expose(),
        "old-access"
    );
    assert_eq!(cached(&home), doc, "the file is untouched");
    let doc = token_file(
        now - time::Duration::minutes(1),
        now + time::Duration::days(1),
    );
    let home = setup("expired", &doc);
    let e = provider(&home, &fake, now).token().unwrap_err().to_string();
    assert!(e.contains("aws sso login --sso-session dev"), "{e}");
    assert!(
        !e.contains("client-secret") && !e.contains("refresh-1") && !e.contains("old-access"),
        "{e}"
    );
    // Bad responses count as failures too.
    for body in [
        json!({"accessToken": "x", "expiresIn": -3}),
        json!({"expiresIn": 60}),
        json!("x"),
    ] {
        let fake = oidc(200, body);
        let home = setup("bad", &doc);
        assert!(provider(&home, &fake, now).token().is_err());
    }
    // The network being down: same.
    let down = SsoTokenProvider::new(SESSION, START_URL, "us-east-1", &home)
        .endpoint(Some("http://127.0.0.1:9".into()))
        .clock(fixed(now));
    assert!(
        down.token()
            .unwrap_err()
            .to_string()
            .contains("aws sso login")
    );
}

#[test]
fn expired_token_refreshed_then_credentials_and_the_cli_cache() {
    let now = OffsetDateTime::now_utc();
    let doc = token_file(
        now - time::Duration::minutes(1),
        now + time::Duration::days(1),
    );
    let home = setup("e2e", &doc);
    let fake = oidc(
        200,
        json!({"accessToken": "fresh", "expiresIn": 3600, "refreshToken": "refresh-2"}),
    );
    std::fs::write(
        home.join("config"),
        format!(
            "[default]\nsso_session = dev\nsso_account_id = 012345678901\nsso_role_name = Admin\n\
             [sso-session dev]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", home.to_str().unwrap()),
        ("AWS_CONFIG_FILE", home.join("config").to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_ENDPOINT_URL_SSO", &fake.url()),
        ("AWS_ENDPOINT_URL_SSO_OIDC", &fake.url()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let chain = || {
        DefaultChain::builder(env.clone())
            .cli_cache(CliCache::from_env(&env))
            .build()
    };
    let c = chain().provide_credentials().unwrap();
    assert_eq!(
        c.access_key_id, "ASIA-fresh",
        "the portal got the refreshed token"
    );
    assert_eq!(c.account_id.as_deref(), Some("012345678901"));
    assert_eq!(fake.count(), 2);
    // The role credentials went into the CLI cache under the CLI's key; a new chain uses them.
    let key = cli_cache::sso_cache_key("012345678901", "Admin", Some("dev"), START_URL);
    let entry =
        std::fs::read_to_string(home.join(".aws/cli/cache").join(format!("{key}.json"))).unwrap();
    assert!(
        entry.starts_with(
            "{\"ProviderType\": \"sso\", \"Credentials\": {\"AccessKeyId\": \"ASIA-fresh\""
        ),
        "{entry}"
    );
    assert_eq!(
        chain().provide_credentials().unwrap().access_key_id,
        "ASIA-fresh"
    );
    assert_eq!(fake.count(), 2);
}

/// What the crate logs (this test binary's only logger).
struct Logs(std::sync::Mutex<Vec<String>>);

impl log::Log for Logs {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target().starts_with("sts_blocking")
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            self.0.lock().unwrap().push(r.args().to_string());
        }
    }
    fn flush(&self) {}
}

static LOGS: Logs = Logs(std::sync::Mutex::new(Vec::new()));

#[test]
fn a_refused_refresh_is_logged_with_control_characters_escaped() {
    let _ = log::set_logger(&LOGS);
    log::set_max_level(log::LevelFilter::Warn);
    let now = OffsetDateTime::now_utc();
    // An OSC that sets the terminal's title, a bell and a carriage return in SSO-OIDC's `error`.
    let fake = oidc(400, json!({"error": "denied\u{1b}]0;pwned\u{7}\rX"}));
    let doc = token_file(
        now + time::Duration::minutes(5),
        now + time::Duration::days(1),
    );
    let home = setup("log-escape", &doc);
    // The refresh fails; the token is still valid and kept.
    assert_eq!(
        provider(&home, &fake, now).token().unwrap().token.expose(),
        "old-access"
    );
    let logs = LOGS.0.lock().unwrap();
    let line = logs
        .iter()
        .find(|l| l.contains("denied"))
        .expect("the refresh failure is logged");
    assert!(line.contains("denied\\u{1b}]0;pwned\\u{7}\\rX"), "{line:?}");
    assert!(!line.contains(['\u{1b}', '\u{7}', '\r']), "{line:?}");
}

/// An SSO-OIDC whose refresh tokens are single use, as the service's are: `refresh-N` works once,
/// answering `access-N+1` and `refresh-N+1`; any other refresh token (a used one) gets the
/// service's 400 `invalid_grant`. Each `CreateToken` takes 300 ms, as a real one takes a few
/// hundred, which is the window parallel processes race in. The portal accepts only access tokens
/// this fake issued.
fn single_use_oidc() -> FakeToken {
    let state = Mutex::new((1usize, HashSet::<String>::new()));
    FakeToken::start(move |req| {
        if req.path.starts_with("/federation/credentials") {
            let bearer = req.header("x-amz-sso_bearer_token").unwrap_or("");
            if !state.lock().unwrap().1.contains(bearer) {
                return (
                    401,
                    json!({"message": "Session token not found or invalid"}).to_string(),
                );
            }
            let exp = (OffsetDateTime::now_utc().unix_timestamp() + 3600) * 1000;
            return (
                200,
                json!({"roleCredentials": {"accessKeyId": format!("ASIA-{bearer}"),
                    "secretAccessKey": "s", "sessionToken": "t", "expiration": exp}})
                .to_string(),
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let got: J = serde_json::from_str(&req.body).unwrap_or(J::Null);
        let mut s = state.lock().unwrap();
        if req.path != "/token" || got["refreshToken"] != format!("refresh-{}", s.0) {
            return (
                400,
                json!({"error": "invalid_grant", "error_description": "Invalid refresh token provided"})
                    .to_string(),
            );
        }
        s.0 += 1;
        let access = format!("access-{}", s.0);
        s.1.insert(access.clone());
        (
            200,
            json!({"accessToken": access, "tokenType": "Bearer", "expiresIn": 3600,
                   "refreshToken": format!("refresh-{}", s.0)})
            .to_string(),
        )
    })
}

/// Twenty `sts` processes at once (`make -j`, Terraform, parallel CI) on one expired SSO token,
/// with single-use refresh tokens: one process refreshes under the lock beside the cache file, the
/// others wait for it, read its token and call nothing.
#[test]
fn twenty_processes_share_one_refresh_of_a_single_use_token() {
    // Each of the twenty processes is this test again, in a child (fake_token::in_parallel).
    fake_token::parallel_child();
    let now = OffsetDateTime::now_utc();
    let home = setup(
        "parallel",
        &token_file(
            now - time::Duration::minutes(1),
            now + time::Duration::days(1),
        ),
    );
    std::fs::write(
        home.join(".aws/config"),
        format!(
            "[profile dev]\nsso_session = dev\nsso_account_id = 012345678901\n\
             sso_role_name = Admin\nregion = us-east-1\n\
             [sso-session dev]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    let fake = single_use_oidc();
    let url = fake.url();
    let out = fake_token::in_parallel(
        20,
        "twenty_processes_share_one_refresh_of_a_single_use_token",
        &[
            ("HOME", home.to_str().unwrap()),
            ("AWS_PROFILE", "dev"),
            ("AWS_ENDPOINT_URL_SSO", &url),
            ("AWS_ENDPOINT_URL_SSO_OIDC", &url),
        ],
    );
    let failed: Vec<String> = out
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    let refreshes = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == "/token")
        .count();
    assert!(
        failed.is_empty(),
        "{} of 20 processes failed ({refreshes} refresh calls): {failed:#?}",
        failed.len()
    );
    assert_eq!(
        refreshes, 1,
        "one process refreshed, the others used its token"
    );
    for o in &out {
        assert_eq!(
            fake_token::access_key_of(o).as_deref(),
            Some("ASIA-access-2")
        );
    }
    assert_eq!(cached(&home)["refreshToken"], "refresh-2");
    assert_eq!(cached(&home)["accessToken"], "access-2");
}
