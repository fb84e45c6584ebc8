//! The AWS CLI's credential caches against botocore 1.44.8 itself (the `aws` command's engine):
//!
//! - cache keys: our derivation vs botocore's own fetchers (`_cache_key`) on many random argument
//!   sets (strings with quotes, control and non-ASCII characters, policies with nested objects,
//!   duplicate keys, floats and big integers);
//! - interop both ways: botocore's `JSONFileCache` + fetcher (with a client that fails if called)
//!   uses entries we wrote, and we use entries botocore wrote (with an STS that fails if called);
//! - token caches: botocore's `SSOTokenProvider` and `LoginCredentialFetcher` refresh the same file
//!   against the same fake answer as ours and write the same bytes (the sign-in fake also verifies
//!   botocore's own DPoP proofs, so the verifier is checked against the reference);
//! - the client settings: flags, a blank CA bundle and values that cannot be understood read as
//!   botocore's `Session` reads them.
//!
//! Needs the venv of `scripts/botocore-venv` (`target/botocore-venv`, or `BOTOCORE_PYTHON`); without
//! it each test passes after printing `SKIPPED: botocore_interop name (why)` to stderr. A
//! `BOTOCORE_PYTHON` that is set but cannot import botocore fails the tests (a skip is for a missing
//! oracle, never a broken one). CI: `scripts/botocore-venv && cargo test --test botocore_interop --
//! --nocapture`. `CLI_CACHE_SEED` replays or varies the run.
#![cfg(feature = "client")]

mod fake_token;
mod support;

use serde_json::{Value as J, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use sts_blocking::__private::credentials::cli_cache::{self, CliCache};
use sts_blocking::credentials::Env;
use sts_blocking::credentials::RoleAssumer;
use sts_blocking::credentials::RoleHop;
use sts_blocking::credentials::WebIdentityConfig;
use sts_blocking::credentials::{Credentials, StsRoleAssumer};
use sts_blocking::ops::{AssumeRole, AssumedRoleUser, PolicyDescriptor, ProvidedContext, Tag};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{ProvideCredentials, SecretString, Sts};
use support::{FakeSts, Reply};
use time::OffsetDateTime;

fn python() -> Option<PathBuf> {
    let set = std::env::var_os("BOTOCORE_PYTHON");
    let p = set.clone().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/botocore-venv/bin/python"),
        PathBuf::from,
    );
    let ok = Command::new(&p)
        .args(["-c", "import botocore.credentials"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || set.is_none(),
        "BOTOCORE_PYTHON={} cannot import botocore.credentials",
        p.display()
    );
    ok.then_some(p)
}

/// The venv's python, or `None` after a `SKIPPED: test (why)` line on the process's stderr, which
/// the test harness does not capture (the format of every skip, tests/README.md).
fn skip(test: &str) -> Option<PathBuf> {
    let p = python();
    if p.is_none() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: botocore_interop {test} (no botocore venv: run scripts/botocore-venv or set \
             BOTOCORE_PYTHON)"
        );
    }
    p
}

fn oracle(py: &PathBuf, req: &J) -> J {
    oracle_env(py, req, &[])
}

fn oracle_env(py: &PathBuf, req: &J, env: &[(&str, &str)]) -> J {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/botocore_oracle.py");
    let mut cmd = Command::new(py);
    // botocore must reach the loopback fakes directly, whatever proxies the machine has.
    for k in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("NO_PROXY", "127.0.0.1,localhost");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(req.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "botocore oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// xorshift64*: deterministic, seedable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }
    fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "0",
            "9",
            "-",
            "_",
            ":",
            "/",
            ".",
            "@",
            "=",
            ",",
            "+",
            " ",
            "\"",
            "\\",
            "'",
            "\n",
            "\t",
            "\r",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "é",
            "ü",
            "€",
            "日本",
            "😀",
            "\u{2028}",
            "{",
            "}",
            "[",
            "]",
            "arn:aws:iam::123456789012:role/",
            "~",
            "%",
            "\u{ffff}",
        ];
        let n = self.below(12);
        (0..n).map(|_| *self.pick(PIECES)).collect()
    }
    fn ws(&mut self) -> &'static str {
        const WS: [&str; 5] = ["", "", " ", "\n  ", "\t"];
        WS[usize::try_from(self.below(5)).unwrap()]
    }
    fn number(&mut self) -> String {
        match self.below(9) {
            0 => (self.next() as i64 / 1000).to_string(),
            1 => "-0".into(),
            2 => "12345678901234567890123456789".into(),
            3 => format!("{}", self.below(100_000)),
            4 => "2.50".into(),
            5 => "1E5".into(),
            6 => "-0.0".into(),
            7 => {
                let f = f64::from_bits(self.next());
                if f.is_finite() {
                    format!("{f:e}")
                } else {
                    "1.5e-7".into()
                }
            }
            _ => {
                let f = (self.next() % 10_000_000) as f64 / 1000.0;
                format!("{f}")
            }
        }
    }
    /// A random JSON text (valid for both parsers), with duplicate keys now and then.
    fn json_text(&mut self, depth: u32) -> String {
        let kind = if depth >= 3 {
            self.below(4)
        } else {
            self.below(6)
        };
        match kind {
            0 => serde_json::to_string(&self.string()).unwrap(),
            1 => self.number(),
            2 => (*self.pick(&["true", "false", "null"])).to_owned(),
            3 => serde_json::to_string(&format!("\u{e9}{}", self.string())).unwrap(),
            4 => {
                let n = self.below(4);
                let items: Vec<String> = (0..n).map(|_| self.json_text(depth + 1)).collect();
                format!("[{}{}]", self.ws(), items.join(","))
            }
            _ => {
                let n = self.below(5);
                let mut keys: Vec<String> = Vec::new();
                let mut members = Vec::new();
                for _ in 0..n {
                    let k = if !keys.is_empty() && self.chance(15) {
                        self.pick(&keys).clone()
                    } else {
                        self.string()
                    };
                    keys.push(k.clone());
                    let key = serde_json::to_string(&k).unwrap();
                    let v = self.json_text(depth + 1);
                    members.push(format!("{}{key}{}:{}{v}", self.ws(), self.ws(), self.ws()));
                }
                format!("{{{}}}", members.join(","))
            }
        }
    }
}

/// A fixed seed (CI is repeatable); `CLI_CACHE_SEED=N` replays a run, `CLI_CACHE_SEED=time` explores.
fn seed() -> u64 {
    let s = match std::env::var("CLI_CACHE_SEED").ok().as_deref() {
        Some("time") => OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 | 1,
        Some(n) => n.parse().expect("CLI_CACHE_SEED: a number or `time`"),
        None => 0x5EED_CAFE_F00D,
    };
    println!("cli cache keys: CLI_CACHE_SEED={s}");
    s
}

fn opt(rng: &mut Rng, percent: u64) -> Option<String> {
    rng.chance(percent).then(|| rng.string())
}

#[test]
fn cache_keys_match_botocore() {
    let Some(py) = skip("cli cache keys vs botocore") else {
        return;
    };
    let mut rng = Rng(seed());
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    // 1. Any argument set through the generic key (botocore's AssumeRoleCredentialFetcher).
    for _ in 0..400 {
        let mut args = serde_json::Map::new();
        args.insert("RoleArn".into(), J::String(rng.string()));
        for k in [
            "RoleSessionName",
            "ExternalId",
            "SerialNumber",
            "SourceIdentity",
        ] {
            if let Some(v) = opt(&mut rng, 50) {
                args.insert(k.into(), J::String(v));
            }
        }
        if rng.chance(50) {
            args.insert(
                "DurationSeconds".into(),
                json!(rng.below(50_000) as i64 - 100),
            );
        }
        if rng.chance(70) {
            args.insert("Policy".into(), J::String(rng.json_text(0)));
        }
        let text = serde_json::to_string(&J::Object(args.clone())).unwrap();
        let parsed = sts_blocking::json::parse(&text).unwrap();
        ours.push(cli_cache::cache_key(&parsed).expect("key"));
        cases.push(json!({"kind": "assume", "args": J::Object(args)}));
    }
    // 2. Profile role hops.
    for _ in 0..200 {
        let mut hop = RoleHop::new("p", rng.string());
        hop.session_name = opt(&mut rng, 50);
        hop.external_id = opt(&mut rng, 50);
        hop.duration_seconds = rng.chance(50).then(|| rng.below(100_000) as u32);
        hop.mfa_serial = opt(&mut rng, 50);
        let mut args = serde_json::Map::new();
        args.insert("RoleArn".into(), json!(hop.role_arn));
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                args.insert(k.into(), json!(v));
            }
        };
        put("RoleSessionName", &hop.session_name);
        put("ExternalId", &hop.external_id);
        put("SerialNumber", &hop.mfa_serial);
        if let Some(d) = hop.duration_seconds {
            args.insert("DurationSeconds".into(), json!(d));
        }
        ours.push(cli_cache::role_hop_cache_key(&hop));
        cases.push(json!({"kind": "assume", "args": J::Object(args)}));
    }
    // 3. Library AssumeRole calls with every member.
    for _ in 0..200 {
        let mut op = AssumeRole::new(rng.string(), rng.string());
        let named = rng.chance(50);
        let mut args = serde_json::Map::new();
        args.insert("RoleArn".into(), json!(op.role_arn));
        if named {
            args.insert("RoleSessionName".into(), json!(op.role_session_name));
        }
        if rng.chance(40) {
            let arns: Vec<String> = (0..rng.below(3)).map(|_| rng.string()).collect();
            args.insert(
                "PolicyArns".into(),
                J::Array(arns.iter().map(|a| json!({"arn": a})).collect()),
            );
            op.policy_arns = Some(arns.into_iter().map(PolicyDescriptor::new).collect());
        }
        if rng.chance(40) {
            let p = rng.json_text(0);
            args.insert("Policy".into(), json!(p));
            op.policy = Some(p);
        }
        if rng.chance(40) {
            let d = rng.below(43_200) as i32;
            args.insert("DurationSeconds".into(), json!(d));
            op.duration_seconds = Some(d);
        }
        if rng.chance(40) {
            let tags: Vec<(String, String)> = (0..rng.below(3))
                .map(|_| (rng.string(), rng.string()))
                .collect();
            args.insert(
                "Tags".into(),
                J::Array(
                    tags.iter()
                        .map(|(k, v)| json!({"Key": k, "Value": v}))
                        .collect(),
                ),
            );
            op.tags = Some(tags.into_iter().map(|(k, v)| Tag::new(k, v)).collect());
        }
        if rng.chance(30) {
            let keys: Vec<String> = (0..rng.below(3)).map(|_| rng.string()).collect();
            args.insert("TransitiveTagKeys".into(), json!(keys));
            op.transitive_tag_keys = Some(keys);
        }
        for (k, slot) in [
            ("ExternalId", &mut op.external_id),
            ("SerialNumber", &mut op.serial_number),
            ("SourceIdentity", &mut op.source_identity),
        ] {
            if let Some(v) = opt(&mut rng, 40) {
                args.insert(k.into(), json!(v));
                *slot = Some(v);
            }
        }
        if rng.chance(20) {
            let (a, b) = (rng.string(), rng.string());
            args.insert(
                "ProvidedContexts".into(),
                json!([{"ProviderArn": a, "ContextAssertion": b}]),
            );
            op.provided_contexts = Some(vec![ProvidedContext::new(a, b)]);
        }
        if rng.chance(20) {
            let n = rng.below(5000) as i32;
            args.insert("MinimumSessionTokenSize".into(), json!(n));
            op.minimum_session_token_size = Some(n);
        }
        // The TokenCode never takes part.
        op.token_code = Some(rng.string().into());
        ours.push(cli_cache::assume_role_cache_key(&op, named).expect("key"));
        cases.push(json!({"kind": "assume", "args": J::Object(args)}));
    }
    // 4. Web identity (botocore's AssumeRoleWithWebIdentityCredentialFetcher).
    for _ in 0..100 {
        let arn = rng.string();
        let name = opt(&mut rng, 50);
        let mut args = json!({"RoleArn": arn});
        if let Some(n) = &name {
            args["RoleSessionName"] = json!(n);
        }
        ours.push(cli_cache::web_identity_cache_key(&arn, name.as_deref()));
        cases.push(json!({"kind": "web", "args": args}));
    }
    // 5. SSO role credentials (botocore's SSOCredentialFetcher).
    for _ in 0..100 {
        let (account, role, url) = (rng.string(), rng.string(), rng.string());
        let session = opt(&mut rng, 50).filter(|s| !s.is_empty());
        ours.push(cli_cache::sso_cache_key(
            &account,
            &role,
            session.as_deref(),
            &url,
        ));
        cases.push(
            json!({"kind": "sso", "account_id": account, "role_name": role,
                          "start_url": url, "session_name": session}),
        );
    }
    let theirs = oracle(&py, &json!({"op": "keys", "cases": cases}));
    let theirs: Vec<String> = serde_json::from_value(theirs).unwrap();
    assert_eq!(theirs.len(), ours.len());
    let bad: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .zip(&cases)
        .filter(|((a, b), _)| a != b)
        .map(|((a, b), c)| format!("ours {a} botocore {b}: {c}"))
        .collect();
    println!(
        "cli cache keys vs botocore: {}/{}",
        ours.len() - bad.len(),
        ours.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-botocore-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn hop() -> RoleHop {
    let mut h = RoleHop::new("mfa", "arn:aws:iam::123456789012:role/caf\u{e9}");
    h.external_id = Some("ext \"42\"".into());
    h.duration_seconds = Some(3600);
    h.mfa_serial = Some("arn:aws:iam::123456789012:mfa/alice".into());
    h
}

fn hop_args(h: &RoleHop) -> J {
    json!({"RoleArn": h.role_arn, "ExternalId": h.external_id, "SerialNumber": h.mfa_serial,
           "DurationSeconds": h.duration_seconds})
}

fn in_an_hour() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc() + time::Duration::hours(1);
    t.replace_nanosecond(0).unwrap()
}

/// An STS that must not be called, and an assumer with the cache in `dir`.
fn assumer(fake: &FakeSts, dir: &PathBuf) -> StsRoleAssumer {
    StsRoleAssumer::new(Sts::builder().endpoint_url(fake.url()).max_attempts(1))
        .cli_cache(Some(CliCache::new(dir)))
}

#[test]
fn botocore_uses_entries_we_wrote() {
    let Some(py) = skip("cli cache interop (ours -> botocore)") else {
        return;
    };
    let dir = temp_dir("ours");
    let cache = CliCache::new(&dir);
    let exp = in_an_hour();
    let mut c = Credentials::new(
        "ASIAOURS",
        "our-secret",
        Some(SecretString::new("our-token")),
    )
    .with_expiration(exp);
    c.account_id = Some("123456789012".into());
    let user = AssumedRoleUser::new("AROA:ours", "arn:aws:sts::123456789012:assumed-role/r/ours");
    let h = hop();
    let entry = cli_cache::assume_role_entry(&c, Some(&user)).unwrap();
    cli_cache::store(&cache, &cli_cache::role_hop_cache_key(&h), &entry).unwrap();
    let got = oracle(
        &py,
        &json!({"op": "read", "dir": dir, "kind": "assume", "args": hop_args(&h)}),
    );
    assert_eq!(got["access_key"], "ASIAOURS");
    assert_eq!(got["secret_key"], "our-secret");
    assert_eq!(got["token"], "our-token");
    assert_eq!(got["account_id"], "123456789012");
    // botocore hands the entry's Expiration back as written: the CLI's `...UTC` form.
    let when = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}UTC",
        exp.year(),
        u8::from(exp.month()),
        exp.day(),
        exp.hour(),
        exp.minute(),
        exp.second()
    );
    assert_eq!(got["expiry_time"], when.as_str());
    // Web identity and SSO entries too.
    let key = cli_cache::web_identity_cache_key("arn:aws:iam::1:role/w", Some("ci"));
    cli_cache::store(&cache, &key, &entry).unwrap();
    let got = oracle(
        &py,
        &json!({"op": "read", "dir": dir, "kind": "web",
                "args": {"RoleArn": "arn:aws:iam::1:role/w", "RoleSessionName": "ci"}}),
    );
    assert_eq!(got["access_key"], "ASIAOURS");
    let key = cli_cache::sso_cache_key("123456789012", "Admin", Some("dev"), "https://x/start");
    cli_cache::store(&cache, &key, &cli_cache::sso_entry(&c).unwrap()).unwrap();
    let got = oracle(
        &py,
        &json!({"op": "read", "dir": dir, "kind": "sso", "account_id": "123456789012",
                "role_name": "Admin", "start_url": "https://x/start", "session_name": "dev"}),
    );
    assert_eq!(got["access_key"], "ASIAOURS");
    assert_eq!(got["account_id"], "123456789012");
    println!("cli cache interop ours -> botocore: 3/3");
}

#[test]
fn we_use_entries_botocore_wrote() {
    let Some(py) = skip("cli cache interop (botocore -> ours)") else {
        return;
    };
    let fake = FakeSts::start(Reply::xml(500, "must not be called"));
    let dir = temp_dir("theirs");
    let exp = in_an_hour();
    let response = |key: &str| {
        json!({"Credentials": {"AccessKeyId": key, "SecretAccessKey": "bc-secret",
                               "SessionToken": "bc-token", "Expiration": exp.unix_timestamp()},
               "AssumedRoleUser": {"AssumedRoleId": "AROA:bc",
                                   "Arn": "arn:aws:sts::210987654321:assumed-role/r/bc"},
               "ResponseMetadata": {"RequestId": "req", "HTTPStatusCode": 200,
                                    "HTTPHeaders": {"content-type": "text/xml"}, "RetryAttempts": 0}})
    };
    let h = hop();
    let key = oracle(
        &py,
        &json!({"op": "write", "dir": dir, "kind": "assume", "args": hop_args(&h),
                "response": response("ASIABOTO")}),
    );
    assert_eq!(
        key.as_str(),
        Some(cli_cache::role_hop_cache_key(&h).as_str())
    );
    let source = Credentials::new("AKIDSOURCE", "s", None);
    let a = assumer(&fake, &dir);
    let c = a.assume_role(&source, &h).unwrap();
    assert_eq!(c.access_key_id, "ASIABOTO");
    assert_eq!(c.secret_access_key.expose(), "bc-secret");
    assert_eq!(
        c.session_token.as_ref().map(SecretString::expose),
        Some("bc-token")
    );
    // botocore added AccountId (from the ARN) to the entry.
    assert_eq!(c.account_id.as_deref(), Some("210987654321"));
    assert_eq!(c.expiration, Some(exp));
    // Web identity.
    let token = dir.join("token.jwt");
    std::fs::write(&token, "eyJ.t.s").unwrap();
    let role = "arn:aws:iam::1:role/w";
    oracle(
        &py,
        &json!({"op": "write", "dir": dir, "kind": "web",
                "args": {"RoleArn": role, "RoleSessionName": "ci"},
                "response": response("ASIABOTOWEB")}),
    );
    let config = WebIdentityConfig::new(role, token).session_name("ci");
    let c = a.assume_role_with_web_identity(&config).unwrap();
    assert_eq!(c.access_key_id, "ASIABOTOWEB");
    // SSO role credentials: botocore's entry through our cache reader.
    oracle(
        &py,
        &json!({"op": "write", "dir": dir, "kind": "sso", "account_id": "123456789012",
                "role_name": "Admin", "start_url": "https://x/start", "session_name": "dev",
                "response": {"roleCredentials": {"accessKeyId": "ASIABOTOSSO",
                    "secretAccessKey": "s", "sessionToken": "t",
                    "expiration": exp.unix_timestamp() * 1000}}}),
    );
    let key = cli_cache::sso_cache_key("123456789012", "Admin", Some("dev"), "https://x/start");
    let c = cli_cache::load(&CliCache::new(&dir), &key, OffsetDateTime::now_utc())
        .expect("botocore's SSO entry");
    assert_eq!(c.access_key_id, "ASIABOTOSSO");
    assert_eq!(c.account_id.as_deref(), Some("123456789012"));
    assert_eq!(c.expiration, Some(exp));
    assert_eq!(fake.count(), 0, "our STS was called");
    println!("cli cache interop botocore -> ours: 3/3");
}

/// botocore's SSOTokenProvider and ours refresh the same token against the same SSO-OIDC answer:
/// the files they write are byte for byte the same.
#[test]
fn sso_token_refresh_writes_what_botocore_writes() {
    let Some(py) = skip("sso token refresh vs botocore") else {
        return;
    };
    let fake = fake_token::FakeToken::start(|req| {
        if req.path != "/token" {
            return (404, "{}".into());
        }
        (
            200,
            json!({"accessToken": "new-access", "tokenType": "Bearer", "expiresIn": 3600,
                     "refreshToken": "refresh-2"})
            .to_string(),
        )
    });
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let fmt = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let doc = json!({"startUrl": "https://d-abc.awsapps.com/start", "region": "us-east-1",
        "accessToken": "old-access", "expiresAt": fmt(now + time::Duration::minutes(5)),
        "clientId": "cid", "clientSecret": "csecret",
        "registrationExpiresAt": fmt(now + time::Duration::days(30)), "refreshToken": "refresh-1"});
    let name = "34c6fceca75e456f25e7e99531e2425c6c1de443.json"; // sha1("dev")
    let home = temp_dir("ssotok");
    let config = home.join("config");
    std::fs::write(
        &config,
        "[profile p]\nsso_session = dev\n[sso-session dev]\nsso_start_url = https://d-abc.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    let (theirs, ours) = (home.join("theirs"), home.join("ours"));
    for d in [&theirs, &ours] {
        std::fs::create_dir_all(d.join(".aws/sso/cache")).unwrap();
        std::fs::write(d.join(".aws/sso/cache").join(name), doc.to_string()).unwrap();
    }
    let got = oracle_env(
        &py,
        &json!({"op": "sso-token", "dir": theirs.join(".aws/sso/cache"), "profile": "p",
                "now": now.unix_timestamp()}),
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", &fake.url()),
        ],
    );
    assert_eq!(got["token"], "new-access");
    let t = sts_blocking::credentials::SsoTokenProvider::new(
        "dev",
        "https://d-abc.awsapps.com/start",
        "us-east-1",
        &ours,
    )
    .endpoint(Some(fake.url()))
    .clock(std::sync::Arc::new(move || now))
    .token()
    .unwrap();
    assert_eq!(t.token.expose(), "new-access");
    let read = |d: &PathBuf| std::fs::read_to_string(d.join(".aws/sso/cache").join(name)).unwrap();
    assert_eq!(read(&ours), read(&theirs));
    assert_eq!(fake.count(), 2);
    println!("sso token refresh vs botocore: identical files");
}

/// botocore's login refresh and ours, from the same cache file against the same `/v1/token`
/// answer, write the same bytes; the fake checks botocore's DPoP proof exactly as it checks ours.
#[test]
fn login_refresh_writes_what_botocore_writes() {
    let Some(py) = skip("login refresh vs botocore") else {
        return;
    };
    let sec1 = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";
    let jwks = std::sync::Mutex::new(Vec::<String>::new());
    let proofs = std::sync::Arc::new(jwks);
    let seen = proofs.clone();
    let fake = fake_token::FakeToken::start(move |req| {
        let body: J = serde_json::from_str(&req.body).unwrap_or(J::Null);
        let proof = req.header("dpop").unwrap_or("").to_owned();
        let ok = req.path == "/v1/token"
            && body
                == json!({"clientId": "arn:aws:signin:::devtools/same-device",
                              "grantType": "refresh_token", "refreshToken": "r1"})
            && verify_dpop(
                &proof,
                &format!("http://{}/v1/token", req.header("host").unwrap_or("")),
            );
        if !ok {
            return (
                400,
                json!({"error": "INVALID_REQUEST", "message": "bad"}).to_string(),
            );
        }
        seen.lock().unwrap().push(proof);
        (
            200,
            json!({"accessToken": {"accessKeyId": "ASIANEW", "secretAccessKey": "new-secret",
                                     "sessionToken": "new-token"},
                     "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "r2"})
            .to_string(),
        )
    });
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let session = "arn:aws:sts::012345678910:assumed-role/Admin/admin";
    let name = "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json";
    let doc = json!({"accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "old",
        "sessionToken": "old-token", "accountId": "012345678901", "expiresAt": "2020-01-01T00:00:00Z"},
        "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": "r1", "idToken": "a.b.c", "dpopKey": sec1});
    let root = temp_dir("login");
    let (theirs, ours) = (root.join("theirs"), root.join("ours"));
    for d in [&theirs, &ours] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join(name), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    let got = oracle_env(
        &py,
        &json!({"op": "login-refresh", "dir": theirs, "session": session, "now": now.unix_timestamp()}),
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &fake.url()),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ],
    );
    assert_eq!(
        got["access_key"], "ASIANEW",
        "botocore's proof was accepted: {got}"
    );
    let c = sts_blocking::credentials::LoginProvider::new(session, &ours)
        .endpoint(Some(fake.url()))
        .clock(std::sync::Arc::new(move || now))
        .provide_credentials()
        .unwrap();
    assert_eq!(c.access_key_id, "ASIANEW");
    let read = |d: &PathBuf| std::fs::read_to_string(d.join(name)).unwrap();
    assert_eq!(read(&ours), read(&theirs));
    assert_eq!(proofs.lock().unwrap().len(), 2);
    println!("login refresh vs botocore: identical files, both DPoP proofs verified");
}

/// Verifies a DPoP proof's ES256 signature against its own JWK, and its `htm` / `htu`.
fn verify_dpop(jwt: &str, htu: &str) -> bool {
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
    use sts_blocking::__private::base64::decode_url_nopad;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts[..] else { return false };
    let (Some(h), Some(p), Some(sig)) = (
        decode_url_nopad(h),
        decode_url_nopad(p),
        decode_url_nopad(s),
    ) else {
        return false;
    };
    let (Ok(h), Ok(p)) = (
        serde_json::from_slice::<J>(&h),
        serde_json::from_slice::<J>(&p),
    ) else {
        return false;
    };
    let coord = |k: &str| decode_url_nopad(h["jwk"][k].as_str().unwrap_or("")).unwrap_or_default();
    let mut point = vec![4u8];
    point.extend(coord("x"));
    point.extend(coord("y"));
    let signed = format!("{}.{}", parts[0], parts[1]);
    h["typ"] == "dpop+jwt"
        && h["alg"] == "ES256"
        && p["htm"] == "POST"
        && p["htu"] == htu
        && UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(signed.as_bytes(), &sig)
            .is_ok()
}

/// The client settings against botocore's `Session`, for the rules settled against it in
/// `src/settings/property.rs`: flags read as `ensure_boolean`, a blank CA bundle refused, values
/// that cannot be understood refused (botocore by failing to make the client, this crate by
/// `Settings::invalid`). The rules where this crate departs on purpose (a blank variable is
/// unset, values are trimmed, `~` is expanded) are pinned in tests/settings.rs.
#[test]
fn settings_read_as_botocore_reads_them() {
    /// What both must say.
    #[derive(Debug)]
    enum Expect {
        /// The flag `use_fips_endpoint` or `use_dualstack_endpoint` is the same, and valid.
        Flag(&'static str),
        /// A blank CA bundle: botocore cannot make a client, `Settings::load` fails.
        BlankCa,
        /// Not understood: botocore cannot make a client, `Settings::invalid` says why.
        Invalid,
        /// All valid, with the same values.
        Same,
    }
    let Some(py) = skip("settings_read_as_botocore_reads_them") else {
        return;
    };
    /// Environment variables, the config file's text, and what both sides should make of them.
    type Case = (Vec<(&'static str, String)>, String, Expect);
    let mut cases: Vec<Case> = Vec::new();
    for value in ["true", "TRUE", "false", "yes", "1", "on"] {
        let var = vec![("AWS_USE_FIPS_ENDPOINT", value.to_owned())];
        cases.push((var, String::new(), Expect::Flag("use_fips_endpoint")));
        let key = format!("use_dualstack_endpoint = {value}\n");
        cases.push((vec![], key, Expect::Flag("use_dualstack_endpoint")));
    }
    for (vars, profile) in [
        (vec![("AWS_CA_BUNDLE", "")], ""),
        (vec![("AWS_CA_BUNDLE", "  ")], ""),
        (vec![], "ca_bundle =\n"),
    ] {
        let vars = vars.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
        cases.push((vars, profile.to_owned(), Expect::BlankCa));
    }
    for (vars, profile) in [
        (vec![("AWS_RETRY_MODE", "sideways")], ""),
        (vec![], "retry_mode = sideways\n"),
        (vec![("AWS_STS_REGIONAL_ENDPOINTS", "sideways")], ""),
        (vec![], "sts_regional_endpoints = sideways\n"),
        (vec![("AWS_MAX_ATTEMPTS", "x")], ""),
        (vec![], "max_attempts = many\n"),
    ] {
        let vars = vars.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
        cases.push((vars, profile.to_owned(), Expect::Invalid));
    }
    cases.push((
        vec![
            ("AWS_MAX_ATTEMPTS", "5".to_owned()),
            ("AWS_CA_BUNDLE", "/etc/ca.pem".to_owned()),
        ],
        "retry_mode = adaptive\nsts_regional_endpoints = legacy\n".to_owned(),
        Expect::Same,
    ));
    let dir = temp_dir("settings");
    let envs: Vec<Vec<(String, String)>> = cases
        .iter()
        .enumerate()
        .map(|(i, (vars, profile, _))| {
            let config = dir.join(format!("config-{i}"));
            std::fs::write(&config, format!("[default]\n{profile}")).unwrap();
            let mut env = vec![
                ("HOME".to_owned(), dir.display().to_string()),
                ("AWS_CONFIG_FILE".to_owned(), config.display().to_string()),
                (
                    "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                    dir.join("credentials").display().to_string(),
                ),
            ];
            env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            env
        })
        .collect();
    let req: Vec<serde_json::Map<String, J>> = envs
        .iter()
        .map(|env| {
            env.iter()
                .map(|(k, v)| (k.clone(), J::from(v.as_str())))
                .collect()
        })
        .collect();
    let answers = oracle(&py, &json!({"op": "settings", "cases": req}));
    for ((env, (vars, profile, expect)), theirs) in envs
        .into_iter()
        .zip(&cases)
        .zip(answers.as_array().unwrap())
    {
        let what = format!("{vars:?} [default] {profile:?}: botocore {theirs}");
        let ours = Settings::load(&Env::from_map(env), &Overrides::default());
        match expect {
            Expect::BlankCa => {
                assert_eq!(theirs["client_error"], "InvalidConfigError", "{what}");
                assert!(ours.is_err(), "{what}");
                continue;
            }
            Expect::Invalid => {
                assert_ne!(theirs["client_error"], J::Null, "{what}");
                assert!(ours.unwrap().invalid.is_some(), "{what}");
                continue;
            }
            Expect::Flag(_) | Expect::Same => {}
        }
        let ours = ours.unwrap();
        assert_eq!(
            (&theirs["client_error"], &ours.invalid),
            (&J::Null, &None),
            "{what}"
        );
        match expect {
            Expect::Flag("use_fips_endpoint") => {
                assert_eq!(
                    theirs["values"]["use_fips_endpoint"], ours.use_fips,
                    "{what}"
                );
            }
            Expect::Flag(_) => {
                let theirs = &theirs["values"]["use_dualstack_endpoint"];
                assert_eq!(*theirs, ours.use_dual_stack, "{what}");
            }
            _ => {
                assert_eq!(theirs["values"]["max_attempts"], 5, "{what}");
                assert_eq!(ours.retry.max_attempts, 5);
                assert_eq!(theirs["values"]["retry_mode"], "adaptive", "{what}");
                assert_eq!(ours.retry.mode, sts_blocking::retry::RetryMode::Adaptive);
                assert_eq!(theirs["values"]["sts_regional_endpoints"], "legacy");
                assert!(ours.use_global_endpoint);
                assert_eq!(theirs["values"]["ca_bundle"], "/etc/ca.pem");
                assert_eq!(ours.ca_bundle, Some(PathBuf::from("/etc/ca.pem")));
            }
        }
    }
}
