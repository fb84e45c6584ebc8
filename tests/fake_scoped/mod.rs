//! A fake STS for `GetSessionToken` and `GetScopedCredentials` (moto has no
//! `GetScopedCredentials`), written apart from the library: it checks every request's SigV4
//! signature with its own canonicalization and `ring`'s HMAC against the secrets it knows, the
//! session token of temporary keys, and records the host, the signing region, the action and
//! the parameters. `GetScopedCredentials` signed with long-term keys, a policy that is not JSON
//! or a bad signature get STS's errors (and are recorded as violations).
//!
//! Two ways in: plain HTTP on 127.0.0.1 ([`FakeScopedSts::url`], for an endpoint override), or
//! HTTPS for the real STS host names through a CONNECT proxy ([`FakeScopedSts::proxy_url`] as
//! `HTTPS_PROXY`, with `tests/data/tls/regional/ca.pem` as the CA bundle): the proxy records the
//! host each connection asked for, so a test sees whether the client went to the regional
//! endpoint (`sts.eu-west-1.amazonaws.com`) or the global one (`sts.amazonaws.com`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// The long-term keys the fake knows.
pub const LONG_TERM_ID: &str = "AKIAFAKELONGTERM";
pub const LONG_TERM_SECRET: &str = "marker-longterm-secret";
/// A temporary parent session the fake knows (for tests that start from one).
pub const PARENT_ID: &str = "ASIAFAKEPARENT";
pub const PARENT_SECRET: &str = "marker-parent-secret";
pub const PARENT_TOKEN: &str = "marker-parent-token";

/// One call as the fake saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub action: String,
    pub access_key: String,
    /// The `Host` header.
    pub host: String,
    /// The region of the credential scope.
    pub region: String,
    pub params: Vec<(String, String)>,
    /// What was wrong, if anything (the answer was then an error).
    pub violation: Option<String>,
}

impl Call {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    /// Access key id → (secret, session token).
    keys: HashMap<String, (String, Option<String>)>,
    calls: Vec<Call>,
    /// The CONNECT targets of the proxy.
    connects: Vec<String>,
}

pub struct FakeScopedSts {
    state: Arc<Mutex<State>>,
    plain_port: u16,
    proxy_port: u16,
    issued: Arc<AtomicUsize>,
}

/// The test TLS material of the real STS host names.
pub fn regional_tls(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("tests/data/tls/regional"),
        root.join("../tests/data/tls/regional"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .expect("tests/data/tls/regional")
    .join(name)
}

impl FakeScopedSts {
    pub fn start() -> Self {
        let mut st = State::default();
        st.keys
            .insert(LONG_TERM_ID.into(), (LONG_TERM_SECRET.into(), None));
        st.keys.insert(
            PARENT_ID.into(),
            (PARENT_SECRET.into(), Some(PARENT_TOKEN.into())),
        );
        let state = Arc::new(Mutex::new(st));
        let issued = Arc::new(AtomicUsize::new(0));
        // Plain HTTP.
        let plain = TcpListener::bind("127.0.0.1:0").unwrap();
        let plain_port = plain.local_addr().unwrap().port();
        {
            let (state, issued) = (state.clone(), issued.clone());
            thread::spawn(move || {
                for s in plain.incoming().flatten() {
                    let (state, issued) = (state.clone(), issued.clone());
                    thread::spawn(move || serve_http(s, &state, &issued));
                }
            });
        }
        // HTTPS with the regional certificate.
        let tls = TcpListener::bind("127.0.0.1:0").unwrap();
        let tls_port = tls.local_addr().unwrap().port();
        let config = Arc::new(server_config());
        {
            let (state, issued) = (state.clone(), issued.clone());
            thread::spawn(move || {
                for tcp in tls.incoming().flatten() {
                    let (state, issued, config) = (state.clone(), issued.clone(), config.clone());
                    thread::spawn(move || {
                        let conn = rustls::ServerConnection::new(config).unwrap();
                        let stream = rustls::StreamOwned::new(conn, tcp);
                        serve_http(stream, &state, &issued);
                    });
                }
            });
        }
        // The CONNECT proxy in front of it.
        let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy_port = proxy.local_addr().unwrap().port();
        {
            let state = state.clone();
            thread::spawn(move || {
                for client in proxy.incoming().flatten() {
                    let state = state.clone();
                    thread::spawn(move || tunnel(client, tls_port, &state));
                }
            });
        }
        Self {
            state,
            plain_port,
            proxy_port,
            issued,
        }
    }

    /// `http://127.0.0.1:PORT` (plain HTTP).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.plain_port)
    }

    /// `http://127.0.0.1:PORT` of the CONNECT proxy (for `HTTPS_PROXY`).
    pub fn proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.proxy_port)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The hosts the proxy was asked to connect to.
    pub fn connects(&self) -> Vec<String> {
        self.state.lock().unwrap().connects.clone()
    }
}

fn server_config() -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(regional_tls("server.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(regional_tls("server.key")).unwrap();
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

fn tunnel(client: TcpStream, tls_port: u16, state: &Mutex<State>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
            break;
        }
    }
    let target = first.split_whitespace().nth(1).unwrap_or("").to_owned();
    state.lock().unwrap().connects.push(target);
    // Every STS host is this fake.
    let Ok(upstream) = TcpStream::connect(("127.0.0.1", tls_port)) else {
        return;
    };
    let mut c = client;
    if c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (mut c2, mut u2) = (c.try_clone().unwrap(), upstream.try_clone().unwrap());
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut u2);
        let _ = u2.shutdown(std::net::Shutdown::Write);
    });
    let mut upstream = upstream;
    let _ = std::io::copy(&mut upstream, &mut c2);
    let _ = c.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
}

fn sha256_hex(data: &[u8]) -> String {
    hexs(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&k, data.as_bytes()).as_ref().to_vec()
}

fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 3 <= b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the SigV4 signature; the access key and region on success.
fn verify_sigv4(
    state: &State,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<(String, String), String> {
    let h = |n: &str| -> Vec<&str> {
        headers
            .iter()
            .filter(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let auth = h("authorization")
        .first()
        .copied()
        .ok_or("no authorization")?
        .to_owned();
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("not AWS4-HMAC-SHA256")?;
    let mut parts = HashMap::new();
    for p in rest.split(", ") {
        let (k, v) = p.split_once('=').ok_or("authorization")?;
        parts.insert(k, v);
    }
    let cred = parts.get("Credential").ok_or("no Credential")?;
    let c: Vec<&str> = cred.split('/').collect();
    let [akid, date, region, service, term] = c[..] else {
        return Err(format!("credential {cred}"));
    };
    if service != "sts" || term != "aws4_request" {
        return Err(format!("scope {cred}"));
    }
    let (secret, token) = state
        .keys
        .get(akid)
        .cloned()
        .ok_or_else(|| format!("unknown access key {akid}"))?;
    let signed: Vec<&str> = parts
        .get("SignedHeaders")
        .ok_or("no SignedHeaders")?
        .split(';')
        .collect();
    if let Some(t) = &token {
        if h("x-amz-security-token").first().copied() != Some(t.as_str()) {
            return Err("missing or wrong session token".into());
        }
        if !signed.contains(&"x-amz-security-token") {
            return Err("the session token is not signed".into());
        }
    }
    for needed in ["host", "x-amz-date"] {
        if !signed.contains(&needed) {
            return Err(format!("{needed} is not signed"));
        }
    }
    let amz_date = h("x-amz-date")
        .first()
        .copied()
        .ok_or("no x-amz-date")?
        .to_owned();
    if !amz_date.starts_with(date) {
        return Err("the scope date is not x-amz-date's".into());
    }
    let mut creq = String::from("POST\n/\n\n");
    for n in &signed {
        let vals: Vec<String> = h(n)
            .iter()
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        creq.push_str(&format!("{n}:{}\n", vals.join(",")));
    }
    creq.push_str(&format!("\n{}\n{}", signed.join(";"), sha256_hex(body)));
    let scope = format!("{date}/{region}/sts/aws4_request");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(creq.as_bytes())
    );
    let k = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k = hmac(&k, region);
    let k = hmac(&k, "sts");
    let k = hmac(&k, "aws4_request");
    if hexs(&hmac(&k, &sts)) != *parts.get("Signature").ok_or("no Signature")? {
        return Err("SignatureDoesNotMatch".into());
    }
    Ok((akid.to_owned(), region.to_owned()))
}

fn xml_ok(action: &str, result: &str) -> (u16, String) {
    (
        200,
        format!(
            "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
             {result}</{action}Result><ResponseMetadata><RequestId>fake-1</RequestId>\
             </ResponseMetadata></{action}Response>"
        ),
    )
}

fn xml_err(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender\
             </Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fake-2\
             </RequestId></ErrorResponse>"
        ),
    )
}

fn expiration(secs: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::seconds(secs))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn credentials_xml(id: &str, secret: &str, token: &str, exp: &str) -> String {
    format!(
        "<Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
         <SessionToken>{token}</SessionToken><Expiration>{exp}</Expiration></Credentials>"
    )
}

fn handle(
    state: &Mutex<State>,
    issued: &AtomicUsize,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    let text = String::from_utf8_lossy(body).into_owned();
    let params: Vec<(String, String)> = text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let action = param("Action").unwrap_or_default();
    let host = headers
        .iter()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut st = state.lock().unwrap();
    let verified = verify_sigv4(&st, headers, body);
    let (access_key, region) = verified.clone().unwrap_or_default();
    let mut call = Call {
        action: action.clone(),
        access_key: access_key.clone(),
        host,
        region,
        params: params.clone(),
        violation: None,
    };
    let answer = match (verified, action.as_str()) {
        (Err(why), _) => {
            call.violation = Some(why.clone());
            xml_err(403, "SignatureDoesNotMatch", &why)
        }
        (Ok(_), "GetSessionToken") if !access_key.starts_with("AKIA") => {
            call.violation = Some("GetSessionToken with temporary credentials".into());
            xml_err(
                403,
                "AccessDenied",
                "Cannot call GetSessionToken with session credentials",
            )
        }
        (Ok(_), "GetSessionToken") => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let (id, secret, token) = (
                format!("ASIAFAKESESSION{n}"),
                format!("marker-session-secret-{n}"),
                format!("marker-session-token-{n}"),
            );
            st.keys
                .insert(id.clone(), (secret.clone(), Some(token.clone())));
            let secs = param("DurationSeconds")
                .and_then(|d| d.parse().ok())
                .unwrap_or(43_200);
            xml_ok(
                "GetSessionToken",
                &credentials_xml(&id, &secret, &token, &expiration(secs)),
            )
        }
        (Ok(_), "GetScopedCredentials") if access_key.starts_with("AKIA") => {
            call.violation = Some("long-term keys reached GetScopedCredentials".into());
            xml_err(
                403,
                "AccessDenied",
                "GetScopedCredentials cannot be called with long-term credentials",
            )
        }
        (Ok(_), "GetScopedCredentials") => {
            if let Some(p) = param("Policy")
                && serde_json::from_str::<serde_json::Value>(&p).is_err()
            {
                call.violation = Some("the policy is not JSON".into());
                let a = xml_err(400, "MalformedPolicyDocument", "not JSON");
                st.calls.push(call);
                return a;
            }
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let (id, secret, token) = (
                format!("ASIAFAKESCOPED{n}"),
                format!("marker-scoped-secret-{n}"),
                format!("marker-scoped-token-{n}"),
            );
            st.keys
                .insert(id.clone(), (secret.clone(), Some(token.clone())));
            let secs = param("DurationSeconds")
                .and_then(|d| d.parse().ok())
                .unwrap_or(3600);
            xml_ok(
                "GetScopedCredentials",
                &format!(
                    "{}<SessionInfo><Arn>arn:aws:sts::123456789012:assumed-role/dev/alice</Arn>\
                     <ScopedSessionId>AROAFAKE:alice</ScopedSessionId></SessionInfo>\
                     <ScopedPoliciesCount>1</ScopedPoliciesCount>",
                    credentials_xml(&id, &secret, &token, &expiration(secs))
                ),
            )
        }
        (Ok(_), other) => {
            call.violation = Some(format!("unexpected action {other}"));
            xml_err(400, "InvalidAction", "unexpected")
        }
    };
    st.calls.push(call);
    answer
}

fn serve_http<S: Read + Write>(stream: S, state: &Mutex<State>, issued: &AtomicUsize) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            if reader.read_line(&mut l).unwrap_or(0) == 0 {
                return;
            }
            let l = l.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, xml) = handle(state, issued, &headers, &body);
        let resp = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{xml}",
            xml.len()
        );
        let s = reader.get_mut();
        if s.write_all(resp.as_bytes())
            .and_then(|()| s.flush())
            .is_err()
        {
            return;
        }
    }
}
