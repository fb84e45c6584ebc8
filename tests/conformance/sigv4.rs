//! SigV4 against the classic AWS suite, the newer AWS signing suite (header and presigned variants)
//! and the STS-shaped vectors of `$STS_CONFORMANCE_DIR/sigv4`.

use super::common;
use serde_json::Value;
use std::path::Path;
use sts_blocking::sigv4::{
    SessionTokenMode, SignableRequest, SigningKeyCache, SigningParams, SigningSettings, presign,
    sign,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TIME: &str = "2015-08-30T12:36:00Z";

/// v4 vectors that are not run, with the reason. Empty: every vector passes.
const V4_SKIPS: &[(&str, &str)] = &[];

/// A request parsed from a `.req` / `request.txt` file.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn parse(text: &str) -> Self {
        let (head, body) = match text.split_once("\n\n") {
            Some((h, b)) => (h, b.as_bytes().to_vec()),
            None => (text.trim_end_matches('\n'), Vec::new()),
        };
        let mut lines = head.split('\n');
        let request_line = lines.next().expect("request line");
        let (method, rest) = request_line.split_once(' ').expect("method");
        // The target may contain spaces (`/example space/`): it runs up to the last ` HTTP/`.
        let target = rest.rsplit_once(" HTTP/").map_or(rest, |(t, _)| t);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // A folded continuation line.
                let last = headers.last_mut().expect("continuation without a header");
                last.1.push(' ');
                last.1.push_str(line.trim());
            } else {
                let (name, value) = line.split_once(':').expect("header line");
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Borrows the parsed request for the signer.
fn with_signable<T>(req: &Request, f: impl FnOnce(&SignableRequest<'_>) -> T) -> T {
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    f(&SignableRequest {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        headers: &headers,
        body: &req.body,
    })
}

fn time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("timestamp {s:?}: {e}"))
}

/// Compares one result with one expected file; records a failure.
fn check(failures: &mut Vec<String>, case: &str, what: &str, got: &str, expected: &str) -> bool {
    if got == expected {
        true
    } else {
        failures.push(format!(
            "{case}: {what} differs\n--- expected\n{expected}\n--- got\n{got}"
        ));
        false
    }
}

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// Credentials, region, service, time and settings from a `context.json`.
struct Context {
    akid: String,
    secret: String,
    token: Option<String>,
    region: String,
    service: String,
    time: OffsetDateTime,
    expires: u64,
    settings: SigningSettings,
}

impl Context {
    fn load(path: &Path) -> Self {
        let v = common::json(path);
        let creds = &v["credentials"];
        let omit = v["omit_session_token"].as_bool().unwrap_or(false);
        Self {
            akid: str_field(creds, "access_key_id")
                .expect("access_key_id")
                .to_owned(),
            secret: str_field(creds, "secret_access_key")
                .expect("secret_access_key")
                .to_owned(),
            token: str_field(creds, "token").map(str::to_owned),
            region: str_field(&v, "region").expect("region").to_owned(),
            service: str_field(&v, "service").expect("service").to_owned(),
            time: time(str_field(&v, "timestamp").expect("timestamp")),
            expires: v["expiration_in_seconds"].as_u64().unwrap_or(3600),
            settings: SigningSettings::default()
                .normalize_path(v["normalize"].as_bool().unwrap_or(true))
                .sign_body(v["sign_body"].as_bool().unwrap_or(false))
                .session_token(if omit {
                    SessionTokenMode::Unsigned
                } else {
                    SessionTokenMode::Signed
                }),
        }
    }

    fn params(&self) -> SigningParams<'_> {
        SigningParams::new(
            &self.akid,
            &self.secret,
            self.token.as_deref(),
            &self.region,
            &self.service,
            self.time,
        )
        .with_settings(self.settings)
    }
}

/// Directories under `dir` (recursively) that hold a `<dirname>.req`.
fn classic_vectors(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for d in common::dirs(dir) {
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        if d.join(format!("{name}.req")).is_file() {
            out.push(d.clone());
        }
        classic_vectors(&d, out);
    }
}

fn expect_count(failures: &mut Vec<String>, what: &str, found: usize, expected: usize) {
    if found != expected {
        failures.push(format!(
            "{what}: expected {expected} vectors, found {found}"
        ));
    }
}

#[test]
fn sigv4_classic_suite() {
    let Some(root) = common::corpus("sigv4 classic") else {
        return;
    };
    let suite = root.join("sigv4/aws-sig-v4-test-suite");
    let mut dirs = Vec::new();
    classic_vectors(&suite, &mut dirs);
    let keys = SigningKeyCache::new();
    let (mut passed, mut failures) = (0, Vec::new());
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let file = |ext: &str| common::read(&dir.join(format!("{name}.{ext}")));
        let req = Request::parse(&file("req"));
        // The session token, where there is one, is in the expected signed request (`.sreq`): the
        // `.req` of get-vanilla-with-session-token lacks it although its `.creq` signs it. The README
        // says post-sts-header-after adds it after signing (not signed); everywhere else it is signed.
        let sreq = Request::parse(&file("sreq"));
        let token = sreq.header("x-amz-security-token");
        if let Some(t) = req.header("x-amz-security-token") {
            assert_eq!(
                Some(t),
                token,
                "{name}: token differs between .req and .sreq"
            );
        }
        let after = name == "post-sts-header-after";
        // X-Amz-Date is in the request already; the signer sets it from the time.
        assert_eq!(req.header("x-amz-date"), Some("20150830T123600Z"), "{name}");
        let mut params =
            SigningParams::new(AKID, SECRET, token, "us-east-1", "service", time(TIME));
        if after {
            params.settings.session_token = SessionTokenMode::Unsigned;
        }
        let out = with_signable(&req, |r| sign(r, &params, &keys));
        let ok = check(
            &mut failures,
            &name,
            "canonical request",
            &out.canonical_request,
            &file("creq"),
        ) & check(
            &mut failures,
            &name,
            "string to sign",
            &out.string_to_sign,
            &file("sts"),
        ) & check(
            &mut failures,
            &name,
            "authorization",
            &out.authorization,
            &file("authz"),
        );
        passed += usize::from(ok);
    }
    expect_count(&mut failures, "classic", dirs.len(), 34);
    common::report("sigv4 classic", passed, dirs.len(), &failures);
}

#[test]
fn sigv4_v4_suite() {
    let Some(root) = common::corpus("sigv4 v4") else {
        return;
    };
    let dirs = common::dirs(&root.join("sigv4/aws-signing-test-suite/v4"));
    let keys = SigningKeyCache::new();
    let (mut header_ok, mut query_ok, mut run) = (0, 0, 0);
    let (mut header_failures, mut query_failures) = (Vec::new(), Vec::new());
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if let Some((_, why)) = V4_SKIPS.iter().find(|(n, _)| *n == name) {
            println!("sigv4 v4: skipping {name}: {why}");
            continue;
        }
        run += 1;
        let ctx = Context::load(&dir.join("context.json"));
        let params = ctx.params();
        let req = Request::parse(&common::read(&dir.join("request.txt")));
        let file = |f: &str| common::read(&dir.join(f));

        let out = with_signable(&req, |r| sign(r, &params, &keys));
        let f = &mut header_failures;
        let case = format!("{name} (header)");
        let ok = check(
            f,
            &case,
            "canonical request",
            &out.canonical_request,
            &file("header-canonical-request.txt"),
        ) & check(
            f,
            &case,
            "string to sign",
            &out.string_to_sign,
            &file("header-string-to-sign.txt"),
        ) & check(
            f,
            &case,
            "signature",
            &out.signature,
            &file("header-signature.txt"),
        );
        header_ok += usize::from(ok);

        let url = with_signable(&req, |r| presign(r, &params, ctx.expires, &keys));
        let f = &mut query_failures;
        let case = format!("{name} (query)");
        let ok = check(
            f,
            &case,
            "canonical request",
            &url.canonical_request,
            &file("query-canonical-request.txt"),
        ) & check(
            f,
            &case,
            "string to sign",
            &url.string_to_sign,
            &file("query-string-to-sign.txt"),
        ) & check(
            f,
            &case,
            "signature",
            &url.signature,
            &file("query-signature.txt"),
        );
        query_ok += usize::from(ok);
    }
    expect_count(&mut header_failures, "v4", dirs.len(), 38);
    common::report("sigv4 v4 header", header_ok, run, &header_failures);
    common::report("sigv4 v4 query", query_ok, run, &query_failures);
}

#[test]
fn sigv4_sts_derived() {
    let Some(root) = common::corpus("sigv4 sts-derived") else {
        return;
    };
    let dirs = common::dirs(&root.join("sigv4/sts-derived"));
    let keys = SigningKeyCache::new();
    let (mut passed, mut failures) = (0, Vec::new());
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let path = |ext: &str| dir.join(format!("{name}.{ext}"));
        let ctx = Context::load(&dir.join("context.json"));
        let params = ctx.params();
        let req = Request::parse(&common::read(&path("req")));
        let expected_signed: Vec<String> =
            common::json(&dir.join("context.json"))["signed_headers"]
                .as_array()
                .expect("signed_headers")
                .iter()
                .map(|v| v.as_str().expect("signed header name").to_owned())
                .collect();
        let f = &mut failures;
        let ok = if path("url").is_file() {
            let url = with_signable(&req, |r| presign(r, &params, ctx.expires, &keys));
            let host = req.header("host").expect("host");
            let full = url.url(&format!("https://{host}{}", req.path));
            check(f, &name, "canonical request", &url.canonical_request, &common::read(&path("creq")))
                & check(f, &name, "string to sign", &url.string_to_sign, &common::read(&path("sts")))
                & check(f, &name, "signature", &url.signature, &common::read(&path("signature")))
                & check(f, &name, "signed headers", &url.signed_headers, &expected_signed.join(";"))
                // The `.url` file is one line.
                & check(f, &name, "url", &full, common::read(&path("url")).trim_end_matches('\n'))
        } else {
            let out = with_signable(&req, |r| sign(r, &params, &keys));
            check(
                f,
                &name,
                "canonical request",
                &out.canonical_request,
                &common::read(&path("creq")),
            ) & check(
                f,
                &name,
                "string to sign",
                &out.string_to_sign,
                &common::read(&path("sts")),
            ) & check(
                f,
                &name,
                "signed headers",
                &out.signed_headers,
                &expected_signed.join(";"),
            ) & check(
                f,
                &name,
                "authorization",
                &out.authorization,
                &common::read(&path("authz")),
            )
        };
        passed += usize::from(ok);
    }
    expect_count(&mut failures, "sts-derived", dirs.len(), 7);
    common::report("sigv4 sts-derived", passed, dirs.len(), &failures);
}

/// The two double-encoding vectors smithy-rs added (optional material: STS always signs `/`).
/// `double-url-encode` is checked in full (time from its `X-Amz-Date`, region and service from the
/// scope of its signed request); `double-encode-path` only on its canonical URI, since its expected
/// files were made with another date and credentials.
#[test]
fn sigv4_smithy_double_encode() {
    let Some(root) = common::corpus("sigv4 smithy-rs additions") else {
        return;
    };
    let dir = root.join("sigv4/smithy-rs-additions/v4");
    let keys = SigningKeyCache::new();
    let (mut passed, mut failures) = (0, Vec::new());

    let d = dir.join("double-url-encode");
    let req = Request::parse(&common::read(&d.join("request.txt")));
    let signed = common::read(&d.join("header-signed-request.txt"));
    let scope = signed
        .split("Credential=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .expect("Credential= in header-signed-request.txt");
    let parts: Vec<&str> = scope.split('/').collect();
    let (region, service) = (parts[2], parts[3]);
    let amz_date = req.header("x-amz-date").expect("X-Amz-Date");
    let d8 = |r: std::ops::Range<usize>| amz_date.get(r).expect("X-Amz-Date yyyymmddThhmmssZ");
    let t = time(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        d8(0..4),
        d8(4..6),
        d8(6..8),
        d8(9..11),
        d8(11..13),
        d8(13..15)
    ));
    let params = SigningParams::new(AKID, SECRET, None, region, service, t);
    let out = with_signable(&req, |r| sign(r, &params, &keys));
    let expected_sig = signed.rsplit("Signature=").next().unwrap().trim_end();
    let f = &mut failures;
    let case = "double-url-encode";
    let ok = check(
        f,
        case,
        "canonical request",
        &out.canonical_request,
        &common::read(&d.join("header-canonical-request.txt")),
    ) & check(
        f,
        case,
        "string to sign",
        &out.string_to_sign,
        common::read(&d.join("header-string-to-sign.txt")).trim_end_matches('\n'),
    ) & check(f, case, "signature", &out.signature, expected_sig);
    passed += usize::from(ok);

    let d = dir.join("double-encode-path");
    let req = Request::parse(&common::read(&d.join("request.txt")));
    let out = with_signable(&req, |r| {
        sign(
            r,
            &SigningParams::new(AKID, SECRET, None, "us-east-1", "service", time(TIME)),
            &keys,
        )
    });
    let expected = common::read(&d.join("header-canonical-request.txt"));
    let line = |s: &str| s.split('\n').nth(1).unwrap_or_default().to_owned();
    passed += usize::from(check(
        &mut failures,
        "double-encode-path",
        "canonical URI",
        &line(&out.canonical_request),
        &line(&expected),
    ));

    common::report("sigv4 smithy-rs additions", passed, 2, &failures);
}
