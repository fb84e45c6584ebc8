//! A loopback fake of IAM Roles Anywhere's `POST /sessions` that verifies what it gets, written
//! apart from the library's signer: it rebuilds the canonical request from the request as
//! received (its own query and header canonicalization), checks the three ARNs, the
//! `X-Amz-X509` and `X-Amz-X509-Chain` headers against the PEM files' own base64, the credential
//! scope (serial in decimal, date, region) and the date's freshness, and verifies the signature
//! with `ring` against the public key the test data generator wrote. A request that fails any
//! check gets 403 `AccessDeniedException` with the reason as its message; a good one gets 201
//! and a credential set. Scripted replies (`push`) answer instead, after the checks.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const TRUST_ANCHOR: &str = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/4579702c-6fd9-4f9e-9c3b-7b9c9d0e1f2a";
pub const PROFILE: &str =
    "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/6f4d9e6a-3c1b-4a55-9d22-0a1b2c3d4e5f";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/Build Agents/agent";
pub const REGION: &str = "eu-west-1";
pub const SECRET: &str = "marker-secret-ra";
pub const TOKEN: &str = "marker-token-ra";

/// The test data directory.
pub fn data_dir() -> PathBuf {
    // The library's tests run in the repository root, the program's in cli/.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("tests/data/rolesanywhere"),
        root.join("../tests/data/rolesanywhere"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .expect("tests/data/rolesanywhere")
}

pub fn data(name: &str) -> PathBuf {
    data_dir().join(name)
}

/// The base64 bodies of a PEM file's blocks: the DER of each certificate, base64 as the file
/// has it (what `X-Amz-X509` must carry).
pub fn pem_bodies(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("-----BEGIN") {
            cur = Some(String::new());
        } else if line.starts_with("-----END") {
            out.extend(cur.take());
        } else if let Some(c) = &mut cur {
            c.push_str(line.trim());
        }
    }
    out
}

/// The identity the fake expects.
#[derive(Debug, Clone)]
pub struct Expect {
    /// `RSA` or `ECDSA`.
    pub kind: &'static str,
    pub serial: String,
    pub cert_b64: String,
    pub chain_b64: Vec<String>,
    pub public_key: Vec<u8>,
    pub region: String,
}

impl Expect {
    /// The RSA leaf (serial 0x9F3A…4D6F).
    pub fn rsa() -> Self {
        Self {
            kind: "RSA",
            serial: 0x9F3A_5C7E_1B2D_4F60_81A3_C5E7_092B_4D6F_u128.to_string(),
            cert_b64: pem_bodies(&data("rsa.pem")).remove(0),
            chain_b64: Vec::new(),
            public_key: std::fs::read(data("rsa-public.der")).unwrap(),
            region: REGION.into(),
        }
    }

    /// The EC P-256 leaf (serial 0xC0FFEE).
    pub fn ec() -> Self {
        Self {
            kind: "ECDSA",
            serial: 0x00C0_FFEE_u32.to_string(),
            cert_b64: pem_bodies(&data("ec.pem")).remove(0),
            chain_b64: Vec::new(),
            public_key: std::fs::read(data("ec-public.bin")).unwrap(),
            region: REGION.into(),
        }
    }

    /// With the intermediates of `chain.pem`.
    pub fn with_chain(mut self) -> Self {
        self.chain_b64 = pem_bodies(&data("chain.pem"));
        self
    }
}

/// One request as received, and what the checks found.
#[derive(Debug, Clone)]
pub struct Seen {
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// `None` when every check passed.
    pub failure: Option<String>,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub struct FakeRolesAnywhere {
    pub addr: std::net::SocketAddr,
    expect: Arc<Mutex<Expect>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl FakeRolesAnywhere {
    pub fn start(expect: Expect) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let f = Self {
            addr,
            expect: Arc::new(Mutex::new(expect)),
            seen: Arc::default(),
            script: Arc::default(),
        };
        let (expect, seen, script) = (f.expect.clone(), f.seen.clone(), f.script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (expect, seen, script) = (expect.clone(), seen.clone(), script.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &expect, &seen, &script);
                });
            }
        });
        f
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_expect(&self, e: Expect) {
        *self.expect.lock().unwrap() = e;
    }

    pub fn push(&self, a: Answer) {
        self.script.lock().unwrap().push_back(a);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// SigV4 URI encoding, written here: unreserved bytes as they are, the rest `%XX`.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = (i + 3 <= b.len())
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(h)) = (b[i], hex) {
            out.push(h);
            i += 3;
        } else if b[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Runs every check; the reason of the first that fails.
pub fn verify(
    e: &Expect,
    target: &str,
    headers: &[(String, String)],
    body: &str,
) -> Result<(), String> {
    let h = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.trim().to_owned())
    };
    let (path, query) = target.split_once('?').ok_or("no query string")?;
    if path != "/sessions" {
        return Err(format!("path {path}"));
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    if names != ["profileArn", "roleArn", "trustAnchorArn"] {
        return Err(format!("query names {names:?}"));
    }
    if pairs[0].1 != PROFILE || pairs[1].1 != ROLE || pairs[2].1 != TRUST_ANCHOR {
        return Err(format!("query values {pairs:?}"));
    }
    if h("content-type").as_deref() != Some("application/json") {
        return Err("content-type".into());
    }
    if h("x-amz-x509").as_deref() != Some(e.cert_b64.as_str()) {
        return Err("x-amz-x509 is not the certificate".into());
    }
    match (h("x-amz-x509-chain"), e.chain_b64.is_empty()) {
        (None, true) => {}
        (Some(c), false) if c == e.chain_b64.join(",") => {}
        (c, _) => return Err(format!("x-amz-x509-chain: {c:?}")),
    }
    let doc: serde_json::Value = serde_json::from_str(body).map_err(|x| format!("body: {x}"))?;
    if !doc["durationSeconds"].is_i64() {
        return Err(format!("body {body}"));
    }
    let auth = h("authorization").ok_or("no authorization")?;
    let (alg, rest) = auth.split_once(' ').ok_or("authorization")?;
    let want_alg = format!("AWS4-X509-{}-SHA256", e.kind);
    if alg != want_alg {
        return Err(format!("algorithm {alg}"));
    }
    let mut cred = None;
    let mut signed = None;
    let mut sig = None;
    for part in rest.split(", ") {
        match part.split_once('=') {
            Some(("Credential", v)) => cred = Some(v.to_owned()),
            Some(("SignedHeaders", v)) => signed = Some(v.to_owned()),
            Some(("Signature", v)) => sig = Some(v.to_owned()),
            _ => return Err(format!("authorization part {part}")),
        }
    }
    let (cred, signed, sig) = (
        cred.ok_or("no Credential")?,
        signed.ok_or("no SignedHeaders")?,
        sig.ok_or("no Signature")?,
    );
    let date = h("x-amz-date").ok_or("no x-amz-date")?;
    let scope = format!(
        "{}/{}/rolesanywhere/aws4_request",
        &date[..8.min(date.len())],
        e.region
    );
    if cred != format!("{}/{scope}", e.serial) {
        return Err(format!("credential {cred}"));
    }
    let fmt =
        time::format_description::parse_borrowed::<2>("[year][month][day]T[hour][minute][second]Z")
            .unwrap();
    let t = time::PrimitiveDateTime::parse(&date, &fmt)
        .map_err(|_| "x-amz-date format".to_string())?
        .assume_utc();
    if (time::OffsetDateTime::now_utc() - t).abs() > time::Duration::minutes(5) {
        return Err("x-amz-date is not now".into());
    }
    let names: Vec<&str> = signed.split(';').collect();
    for needed in ["content-type", "host", "x-amz-date", "x-amz-x509"] {
        if !names.contains(&needed) {
            return Err(format!("{needed} is not signed"));
        }
    }
    if !e.chain_b64.is_empty() && !names.contains(&"x-amz-x509-chain") {
        return Err("the chain is not signed".into());
    }
    let mut canonical_query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    canonical_query.sort();
    let mut creq = format!("POST\n{path}\n{}\n", canonical_query.join("&"));
    for n in &names {
        creq.push_str(&format!(
            "{n}:{}\n",
            h(n).ok_or(format!("signed header {n} missing"))?
        ));
    }
    creq.push_str(&format!("\n{signed}\n{}", sha256_hex(body.as_bytes())));
    let sts = format!("{alg}\n{date}\n{scope}\n{}", sha256_hex(creq.as_bytes()));
    let sig = unhex(&sig).ok_or("signature is not hex")?;
    let verify_alg: &dyn ring::signature::VerificationAlgorithm = match e.kind {
        "RSA" => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        _ => &ring::signature::ECDSA_P256_SHA256_ASN1,
    };
    ring::signature::UnparsedPublicKey::new(verify_alg, &e.public_key)
        .verify(sts.as_bytes(), &sig)
        .map_err(|_| "the signature does not verify".to_string())
}

fn serve(
    mut stream: TcpStream,
    expect: &Mutex<Expect>,
    seen: &Mutex<Vec<Seen>>,
    script: &Mutex<VecDeque<Answer>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let target = line.split(' ').nth(1).unwrap_or("").to_owned();
        let method = line.split(' ').next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            reader.read_line(&mut l)?;
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
        reader.read_exact(&mut body)?;
        let body = String::from_utf8_lossy(&body).into_owned();
        let e = expect.lock().unwrap().clone();
        let failure = if method == "POST" {
            verify(&e, &target, &headers, &body).err()
        } else {
            Some(format!("method {method}"))
        };
        seen.lock().unwrap().push(Seen {
            target: target.clone(),
            headers: headers.clone(),
            body: body.clone(),
            failure: failure.clone(),
        });
        let scripted = script.lock().unwrap().pop_front();
        let answer = match (failure, scripted) {
            (Some(why), _) => Answer {
                status: 403,
                headers: vec![("x-amzn-ErrorType".into(), "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.rolesanywhere/".into())],
                body: serde_json::json!({ "message": why }).to_string(),
            },
            (None, Some(a)) => a,
            (None, None) => {
                let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
                let secs = doc["durationSeconds"].as_i64().unwrap();
                let exp = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
                let exp = exp
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
                Answer {
                    status: 201,
                    headers: Vec::new(),
                    body: serde_json::json!({
                        "credentialSet": [{
                            "assumedRoleUser": {
                                "arn": "arn:aws:sts::123456789012:assumed-role/agent/9f3a",
                                "assumedRoleId": "AROAEXAMPLE:9f3a"
                            },
                            "credentials": {
                                "accessKeyId": format!("ASIARA{}", seen.lock().unwrap().len()),
                                "secretAccessKey": SECRET,
                                "sessionToken": TOKEN,
                                "expiration": exp
                            },
                            "packedPolicySize": 0,
                            "roleArn": ROLE,
                            "sourceIdentity": "CN=Test Leaf"
                        }],
                        "subjectArn": "arn:aws:rolesanywhere:eu-west-1:123456789012:subject/x"
                    })
                    .to_string(),
                }
            }
        };
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            answer.status,
            answer.body.len()
        );
        for (k, v) in &answer.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(answer.body.as_bytes())?;
    }
}
