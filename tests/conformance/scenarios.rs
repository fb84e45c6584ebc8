//! Replays smithy-rs's aws-config end-to-end credential scenarios (`default-credential-provider-chain`,
//! `profile-provider`) against a loopback server, black-box: per-case environment from `env.json`
//! only, the virtual filesystem copied into a temp dir (HOME and absolute paths rewritten), every
//! recorded host (STS, IMDS, ECS/EKS, SSO) pointed at one loopback server per case through
//! environment overrides, and the clock frozen at the Unix epoch (recorded credentials expired
//! years ago). Skips are named with their reason.

use super::common;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use sts_blocking::__private::credentials::sts_assumer;
use sts_blocking::credentials::DefaultChain;
use sts_blocking::credentials::Env;
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, ProvideCredentials};
use time::OffsetDateTime;

/// Cases left out on purpose, with the reason.
const SKIPPED: &[(&str, &str)] = &[];

/// smithy-rs error wording mapped to ours (same error kind, different text). Everything else must
/// match as a substring of our message, or of `Code: message` / `CodeException: message` of an STS
/// error in the chain.
const WORDING: &[(&str, &str)] = &[
    (
        "an error occurred while loading credentials: Error retrieving credentials: external process exited with code exit status: 1",
        "credential_process exited with code 1",
    ),
    (
        "Error retrieving credentials from external process, could not parse response: invalid JSON in response",
        "could not parse response: invalid JSON",
    ),
];

#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    uri: String,
    token_header: Option<String>,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn exchanges(traffic: &Value) -> Vec<Exchange> {
    let mut by_conn: BTreeMap<u64, Exchange> = BTreeMap::new();
    for ev in traffic["events"].as_array().expect("events") {
        let id = ev["connection_id"].as_u64().expect("connection_id");
        let e = by_conn.entry(id).or_insert_with(|| Exchange {
            method: String::new(),
            uri: String::new(),
            token_header: None,
            status: 0,
            headers: Vec::new(),
            body: String::new(),
        });
        let a = &ev["action"];
        if let Some(r) = a.get("Request") {
            let r = &r["request"];
            e.method = r["method"].as_str().unwrap().to_owned();
            e.uri = r["uri"].as_str().unwrap().to_owned();
            e.token_header = r["headers"]
                .get("x-aws-ec2-metadata-token")
                .and_then(|v| v[0].as_str())
                .map(str::to_owned);
        } else if let Some(r) = a.get("Response") {
            let ok = &r["response"]["Ok"];
            e.status = ok["status"].as_u64().unwrap() as u16;
            if let Some(h) = ok["headers"].as_object() {
                for (k, vs) in h {
                    for v in vs.as_array().unwrap() {
                        e.headers.push((k.clone(), v.as_str().unwrap().to_owned()));
                    }
                }
            }
        } else if let Some(d) = a.get("Data")
            && d["direction"] == "Response"
        {
            e.body.push_str(d["data"]["Utf8"].as_str().unwrap_or(""));
        }
    }
    by_conn.into_values().collect()
}

/// Path and query of a URI (query parameters sorted, so they compare as a set).
fn path_query(uri: &str) -> (String, Vec<String>) {
    let rest = match uri.split_once("://") {
        Some((_, r)) => r.find('/').map_or("/", |i| &r[i..]),
        None => uri,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut q: Vec<String> = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    q.sort();
    (if path.is_empty() { "/" } else { path }.to_owned(), q)
}

struct Replay {
    url: String,
    state: Arc<Mutex<(usize, Vec<String>)>>,
    total: usize,
}

impl Replay {
    fn start(script: Vec<Exchange>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let total = script.len();
        let state = Arc::new(Mutex::new((0usize, Vec::new())));
        let script = Arc::new(script);
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (st, script) = (st.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &script, &st));
            }
        });
        Self { url, state, total }
    }

    fn problems(&self) -> Vec<String> {
        let st = self.state.lock().unwrap();
        let mut p = st.1.clone();
        if st.0 < self.total {
            p.push(format!(
                "only {} of {} recorded requests were sent",
                st.0, self.total
            ));
        }
        p
    }
}

fn serve(stream: TcpStream, script: &[Exchange], state: &Mutex<(usize, Vec<String>)>) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(20)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let ex = {
            let mut st = state.lock().unwrap();
            let n = st.0;
            let Some(ex) = script.get(n) else {
                st.1.push(format!("extra request: {method} {target}"));
                return;
            };
            st.0 += 1;
            let (rp, rq) = path_query(&ex.uri);
            let (gp, gq) = path_query(&target);
            if ex.method != method || rp != gp || rq != gq {
                st.1.push(format!(
                    "request {n}: expected {} {}, got {method} {target}",
                    ex.method, ex.uri
                ));
            }
            if let Some(t) = &ex.token_header {
                let got = headers
                    .iter()
                    .find(|(k, _)| k == "x-aws-ec2-metadata-token")
                    .map(|(_, v)| v.as_str());
                if got != Some(t.as_str()) {
                    st.1.push(format!("request {n}: x-aws-ec2-metadata-token mismatch"));
                }
            }
            ex.clone()
        };
        let mut head = format!("HTTP/1.1 {} X\r\n", ex.status);
        for (k, v) in &ex.headers {
            if !k.eq_ignore_ascii_case("content-length")
                && !k.eq_ignore_ascii_case("transfer-encoding")
            {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", ex.body.len()));
        if out.write_all(head.as_bytes()).is_err() || out.write_all(ex.body.as_bytes()).is_err() {
            return;
        }
    }
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

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

const OVERRIDE_HOSTS: &[&str] = &[
    "http://aws.global-env-override",
    "http://aws.sts-env-override",
    "http://aws.global-profile-override",
    "http://aws.service-profile-override",
];

fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-scenario-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every message in an error and its sources, plus `Code: message` of a service error.
fn error_texts(e: &Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(s) = err.service_error() {
            let m = s.message.as_deref().unwrap_or("");
            out.push(format!("{}: {m}", s.code.as_str()));
            out.push(format!("{}Exception: {m}", s.code.as_str()));
        }
        cur = match err {
            Error::Credentials(c) => c.source.as_deref(),
            _ => None,
        };
    }
    out
}

fn run_case(dir: &Path, profile_only: bool) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = temp_dir(&name);
    let root = tmp.to_string_lossy().into_owned();
    copy_tree(&dir.join("fs"), &tmp);
    let script = exchanges(&common::json(&dir.join("http-traffic.json")));
    let server = Replay::start(script.clone());
    let uses_override = script
        .iter()
        .any(|e| OVERRIDE_HOSTS.iter().any(|h| e.uri.starts_with(h)));
    // Files: absolute paths into the temp dir, override hosts to the server.
    let mut files = Vec::new();
    files_under(&tmp, &mut files);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut t = text.replace("= /", &format!("= {root}/"));
        // smithy-rs runs credential_process through `sh -c`; the AWS CLI (and we) split it
        // shell-style and run it without a shell, so the shell syntax of these cases is wrapped.
        t = t
            .lines()
            .map(|l| match l.split_once('=') {
                Some((k, v)) if k.trim() == "credential_process" => {
                    format!("credential_process = sh -c \"{}\"", v.trim())
                }
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        for h in OVERRIDE_HOSTS {
            t = t.replace(h, &server.url);
        }
        if t != text {
            std::fs::write(&f, t).unwrap();
        }
    }
    // Environment: env.json only, paths and hosts rewritten.
    let env_json = common::json(&dir.join("env.json"));
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in env_json.as_object().unwrap() {
        let mut v = v.as_str().unwrap().to_owned();
        if k == "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" {
            vars.insert(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI".into(),
                format!("{}{v}", server.url),
            );
            continue;
        }
        if k == "AWS_CONTAINER_CREDENTIALS_FULL_URI" {
            let (_, rest) = v.split_once("://").unwrap();
            let path = rest.find('/').map_or("", |i| &rest[i..]);
            v = format!("{}{path}", server.url);
        } else if v.starts_with('/') {
            v = format!("{root}{v}");
        }
        for h in OVERRIDE_HOSTS {
            v = v.replace(h, &server.url);
        }
        vars.insert(k.clone(), v);
    }
    // The STS endpoint the client would have used without the loopback override must be the
    // recorded one (region, FIPS, dual-stack); then FIPS/dual-stack are turned off for the run
    // (a custom endpoint cannot be FIPS).
    let mut endpoint_problem = None;
    if let Some(first) = script.iter().find(|e| e.uri.contains("://sts")) {
        let plain = Env::from_map(vars.clone());
        match Settings::load(&plain, &Overrides::default()) {
            Ok(s) => {
                let a = s.role_assumer(None);
                let selected = s
                    .profiles()
                    .selected()
                    .and_then(|p| p.get("region"))
                    .map(str::to_owned);
                let region = sts_assumer::region_for(&a, selected.as_deref());
                match sts_assumer::client(&a, &region) {
                    Ok(c) => {
                        let want = first.uri.trim_end_matches('/');
                        let got = c.endpoint().url.trim_end_matches('/');
                        if want != got {
                            endpoint_problem =
                                Some(format!("STS endpoint would be {got}, recorded {want}"));
                        }
                    }
                    Err(e) => endpoint_problem = Some(format!("STS endpoint: {e}")),
                }
            }
            Err(e) => endpoint_problem = Some(format!("settings: {e}")),
        }
        vars.insert("AWS_USE_FIPS_ENDPOINT".into(), "false".into());
        vars.insert("AWS_USE_DUALSTACK_ENDPOINT".into(), "false".into());
    }
    if !uses_override {
        vars.insert("AWS_ENDPOINT_URL_STS".into(), server.url.clone());
        vars.insert("AWS_ENDPOINT_URL_SSO".into(), server.url.clone());
    }
    vars.insert(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT".into(),
        server.url.clone(),
    );
    let env = Env::from_map(vars);
    let epoch: sts_blocking::credentials::Clock = Arc::new(|| OffsetDateTime::UNIX_EPOCH);
    let settings = Settings::load(&env, &Overrides::default());
    let mut b = DefaultChain::builder(env.clone()).clock(epoch);
    if let Ok(s) = &settings {
        b = b.role_assumer(Some(Arc::new(s.role_assumer(None))));
    }
    let chain = if profile_only {
        b.build_profile_only()
    } else {
        b.build()
    };
    let result = chain.provide_credentials();
    let case = common::json(&dir.join("test-case.json"));
    let expected = &case["result"];
    let mut problems: Vec<String> = endpoint_problem.into_iter().collect();
    if let Some(ok) = expected.get("Ok") {
        match &result {
            Err(e) => problems.push(format!("expected credentials, got error: {e}")),
            Ok(c) => {
                let s = |k: &str| ok.get(k).and_then(Value::as_str).map(str::to_owned);
                let got = (
                    Some(c.access_key_id.clone()),
                    Some(c.secret_access_key.expose().to_owned()),
                    c.session_token.as_ref().map(|t| t.expose().to_owned()),
                    c.account_id.clone(),
                    c.expiration.map(|e| e.unix_timestamp()),
                );
                let want = (
                    s("access_key_id"),
                    s("secret_access_key"),
                    s("session_token"),
                    s("account_id"),
                    ok.get("expiry").and_then(Value::as_i64),
                );
                if got != want {
                    problems.push(format!(
                        "credentials differ: got (id {:?}, token set {}, account {:?}, expiry {:?}), \
                         want (id {:?}, token set {}, account {:?}, expiry {:?}){}",
                        got.0,
                        got.2.is_some(),
                        got.3,
                        got.4,
                        want.0,
                        want.2.is_some(),
                        want.3,
                        want.4,
                        if got.1 == want.1 { "" } else { "; secret differs" }
                    ));
                }
            }
        }
    } else {
        let needle = expected["ErrorContains"].as_str().unwrap();
        match &result {
            Ok(c) => problems.push(format!(
                "expected error containing {needle:?}, got credentials {}",
                c.access_key_id
            )),
            Err(e) => {
                let texts = error_texts(e);
                let needle = WORDING
                    .iter()
                    .find(|(theirs, _)| *theirs == needle)
                    .map_or(needle, |(_, ours)| ours);
                let needle = needle.replace("/home/", &format!("{root}/home/"));
                if !texts.iter().any(|t| t.contains(&needle)) {
                    problems.push(format!("error {e:?} does not contain {needle:?}"));
                }
            }
        }
    }
    problems.extend(server.problems());
    let _ = std::fs::remove_dir_all(&tmp);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", problems.join("; ")))
    }
}

fn run_suite(label: &str, sub: &str, profile_only: bool) {
    let Some(root) = common::corpus(label) else {
        return;
    };
    let dir = root.join("credentials/aws-config-scenarios").join(sub);
    let (mut passed, mut total, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in common::dirs(&dir) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if let Some((_, why)) = SKIPPED.iter().find(|(n, _)| *n == name) {
            println!("  skipped {name}: {why}");
            skipped += 1;
            continue;
        }
        total += 1;
        match run_case(&case, profile_only) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(e),
        }
    }
    println!("{label}: {passed}/{total} ({skipped} skipped)");
    assert!(total > 0, "{label}: no cases found");
    assert!(
        failures.is_empty(),
        "{label}: {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn scenarios_default_chain() {
    run_suite(
        "scenarios default-chain",
        "default-credential-provider-chain",
        false,
    );
}

#[test]
fn scenarios_profile_provider() {
    run_suite("scenarios profile-provider", "profile-provider", true);
}
