//! The IMDSv2-compatible endpoint: `sts exec --imds-server` with our own IMDS provider (`sts
//! export-credentials` in the child) and botocore's as the child, and `sts rolesanywhere serve`
//! asked the right and the wrong things over raw HTTP (no token, an expired one, a flood of
//! token requests, wrong paths and methods, a proxied request, an oversized head).

use crate::fake::FakeSts;
use crate::fake_rolesanywhere::{
    Expect, FakeRolesAnywhere, PROFILE, ROLE, SECRET, TRUST_ANCHOR, data,
};
use crate::server::python;
use crate::{code, env_map, home, run, stderr, stdout, sts};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

const ROLE_CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\n";
const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";

#[test]
fn our_imds_provider_gets_fresh_credentials_from_exec_imds_server() {
    let fake = FakeSts::start(4, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("imds-own", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let script = "\"$STS_BIN\" export-credentials --format env-no-export; sleep 5; \
                  \"$STS_BIN\" export-credentials --format env-no-export; echo ---; env";
    let o = run(sts(
        &h,
        &[
            ("AWS_ENDPOINT_URL_STS", url.as_str()),
            ("STS_BIN", env!("CARGO_BIN_EXE_sts")),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
        ],
        &[
            "exec",
            "--profile",
            "dev",
            "--imds-server",
            "--",
            "sh",
            "-c",
            script,
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let (creds, env) = out.split_once("---\n").unwrap();
    let keys: Vec<&str> = creds
        .lines()
        .filter_map(|l| l.strip_prefix("AWS_ACCESS_KEY_ID="))
        .collect();
    assert_eq!(keys.len(), 2, "{out}");
    assert_eq!(keys[0], "ASIAFAKE000000000001");
    assert_ne!(keys[0], keys[1], "no refresh after expiry");
    let child = env_map(env);
    for gone in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        assert!(!child.contains_key(gone), "{gone}");
    }
    let endpoint = &child["AWS_EC2_METADATA_SERVICE_ENDPOINT"];
    assert!(
        endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with('/'),
        "{endpoint}"
    );
    assert_eq!(child["AWS_REGION"], "eu-west-1");
    // --server and --imds-server together: a usage error.
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &[
            "exec",
            "--profile",
            "dev",
            "--server",
            "--imds-server",
            "--",
            "true",
        ],
    ));
    assert_eq!(code(&o), 252, "{}", stderr(&o));
}

#[test]
fn botocore_reads_instance_credentials_from_exec_imds_server() {
    let Some(py) = python() else {
        eprintln!(
            "SKIPPED: daily botocore_reads_instance_credentials_from_exec_imds_server (no \
             botocore venv: run scripts/botocore-venv or set BOTOCORE_PYTHON)"
        );
        return;
    };
    let fake = FakeSts::start(4, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("imds-botocore", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    // The session's chain finds the instance credentials; botocore then keeps IMDS credentials
    // that expire within 12 to 20 minutes for that long (its static stability), so the refresh
    // is seen through its fetcher, asked twice.
    let script = "import json, os, time\n\
        import botocore.session\n\
        from botocore.utils import InstanceMetadataFetcher\n\
        c = botocore.session.get_session().get_credentials()\n\
        f = InstanceMetadataFetcher(base_url=os.environ['AWS_EC2_METADATA_SERVICE_ENDPOINT'])\n\
        a = f.retrieve_iam_role_credentials()\n\
        time.sleep(5)\n\
        b = f.retrieve_iam_role_credentials()\n\
        print(json.dumps({'method': c.method, 'key': c.get_frozen_credentials().access_key, \
        'role': a['role_name'], 'a': a['access_key'], 'b': b['access_key'], 'token': b['token']}))\n";
    let py = py.to_string_lossy().into_owned();
    let o = run(sts(
        &h,
        &[("AWS_ENDPOINT_URL_STS", url.as_str())],
        &[
            "exec",
            "--profile",
            "dev",
            "--imds-server",
            "--",
            &py,
            "-c",
            script,
        ],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["method"], "iam-role", "{v}");
    assert_eq!(v["role"], "sts-exec", "{v}");
    assert_eq!(v["key"], "ASIAFAKE000000000001", "{v}");
    let (a, b) = (v["a"].as_str().unwrap(), v["b"].as_str().unwrap());
    assert!(
        a.starts_with("ASIAFAKE") && b.starts_with("ASIAFAKE"),
        "{v}"
    );
    assert_ne!(a, b, "botocore got no fresh credentials after expiry: {v}");
    assert!(v["token"].as_str().unwrap().starts_with("token-"));
}

/// `sts rolesanywhere serve --port 0`, killed when dropped; its port.
struct Serve(Child, u16);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_serve(fake: &FakeRolesAnywhere) -> Serve {
    let h = home("imds-serve", "", "");
    let url = fake.url();
    let cert = data("rsa.pem");
    let key = data("rsa-key.pem");
    let mut c = sts(
        &h,
        &[],
        &[
            "rolesanywhere",
            "serve",
            "--port",
            "0",
            "--certificate",
            cert.to_str().unwrap(),
            "--private-key",
            key.to_str().unwrap(),
            "--trust-anchor-arn",
            TRUST_ANCHOR,
            "--profile-arn",
            PROFILE,
            "--role-arn",
            ROLE,
            "--endpoint",
            &url,
        ],
    );
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut port = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(u) =
            line.strip_prefix("export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:")
        {
            port = Some(u.trim_end_matches('/').parse().unwrap());
            break;
        }
    }
    // Keep reading its stderr (so it never blocks on a full pipe).
    std::thread::spawn(move || for _ in lines {});
    Serve(child, port.expect("serve printed its endpoint"))
}

/// One raw request: the status, the headers and the body.
fn raw(port: u16, request: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

fn put_token(port: u16, ttl: &str) -> (u16, String, String) {
    raw(
        port,
        &format!(
            "PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nx-aws-ec2-metadata-token-ttl-seconds: {ttl}\r\nContent-Length: 0\r\n\r\n"
        ),
    )
}

fn get(port: u16, path: &str, token: Option<&str>) -> (u16, String, String) {
    let t = token.map_or(String::new(), |t| {
        format!("x-aws-ec2-metadata-token: {t}\r\n")
    });
    raw(port, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{t}\r\n"))
}

const CREDS: &str = "/latest/meta-data/iam/security-credentials/";

#[test]
fn rolesanywhere_serve_answers_imdsv2_and_nothing_else() {
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    let serve = start_serve(&fake);
    let port = serve.1;
    // Without a token, nothing: no role name, no credentials.
    for path in [CREDS, "/latest/meta-data/iam/security-credentials/agent"] {
        let (s, _, body) = get(port, path, None);
        assert_eq!(s, 401, "{path}");
        assert!(!body.contains(SECRET), "{body}");
    }
    let (s, head, token) = put_token(port, "300");
    assert_eq!(s, 200, "{head}");
    assert!(
        head.contains("x-aws-ec2-metadata-token-ttl-seconds: 300"),
        "{head}"
    );
    assert_eq!(token.len(), 43);
    let (s, _, role) = get(port, CREDS, Some(&token));
    assert_eq!((s, role.as_str()), (200, "agent"));
    let (s, head, body) = get(port, &format!("{CREDS}agent"), Some(&token));
    assert_eq!(s, 200, "{head}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Code"], "Success");
    assert_eq!(doc["Type"], "AWS-HMAC");
    assert_eq!(doc["SecretAccessKey"], SECRET);
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIARA"));
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    assert!(doc["LastUpdated"].as_str().unwrap().ends_with('Z'));
    // Wrong paths, methods, tokens and headers.
    for (request, want) in [
        (
            format!("GET {CREDS}other HTTP/1.1\r\nx-aws-ec2-metadata-token: {token}\r\n\r\n"),
            404,
        ),
        ("GET /latest/meta-data/ HTTP/1.1\r\n\r\n".to_owned(), 404),
        ("GET /latest/api/token HTTP/1.1\r\n\r\n".to_owned(), 405),
        (
            format!("POST {CREDS}agent HTTP/1.1\r\nx-aws-ec2-metadata-token: {token}\r\n\r\n"),
            405,
        ),
        (
            format!("GET {CREDS}agent HTTP/1.1\r\nx-aws-ec2-metadata-token: {token}x\r\n\r\n"),
            401,
        ),
        (
            format!(
                "GET {CREDS}agent HTTP/1.1\r\nx-aws-ec2-metadata-token: {token}\r\n\
                 x-aws-ec2-metadata-token: {token}\r\n\r\n"
            ),
            401,
        ),
        (
            "PUT /latest/api/token HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n".to_owned(),
            400,
        ),
        (
            "PUT /latest/api/token HTTP/1.1\r\nx-aws-ec2-metadata-token-ttl-seconds: 0\r\n\r\n"
                .to_owned(),
            400,
        ),
        (
            "PUT /latest/api/token HTTP/1.1\r\nx-aws-ec2-metadata-token-ttl-seconds: 21601\r\n\r\n"
                .to_owned(),
            400,
        ),
        (
            "PUT /latest/api/token HTTP/1.1\r\nx-aws-ec2-metadata-token-ttl-seconds: x\r\n\r\n"
                .to_owned(),
            400,
        ),
        ("BREW /latest/api/token HTCPCP/1.0\r\n\r\n".to_owned(), 400),
        (
            format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000)),
            431,
        ),
    ] {
        let (s, head, body) = raw(port, &request);
        assert_eq!(s, want, "{request:.80}: {head}");
        assert!(!body.contains(SECRET), "{body}");
    }
    // An expired token is refused.
    let (_, _, short) = put_token(port, "1");
    assert_eq!(get(port, CREDS, Some(&short)).0, 200);
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(get(port, CREDS, Some(&short)).0, 401);
    // A flood of token requests: every one answered, the table bounded (the oldest evicted),
    // and the credentials still served.
    let flood: Vec<String> = (0..300).map(|_| put_token(port, "21600").2).collect();
    assert!(flood.iter().all(|t| t.len() == 43));
    assert_eq!(
        get(port, CREDS, Some(&flood[0])).0,
        401,
        "the table grew past its cap"
    );
    assert_eq!(get(port, CREDS, Some(&flood[299])).0, 200);
    assert_eq!(
        get(port, &format!("{CREDS}agent"), Some(&flood[299])).0,
        200
    );
    // One session for all of it.
    assert_eq!(fake.count(), 1);
}

/// The library's own IMDS provider reads what `serve` serves.
#[test]
fn our_imds_provider_reads_rolesanywhere_serve() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::{Env, ImdsProvider};
    let fake = FakeRolesAnywhere::start(Expect::rsa());
    let serve = start_serve(&fake);
    let env = Env::from_map([(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://127.0.0.1:{}/", serve.1),
    )]);
    let c = ImdsProvider::from_env(&env, None)
        .unwrap()
        .provide_credentials()
        .unwrap();
    assert_eq!(c.secret_access_key.expose(), SECRET);
    assert!(c.expiration.is_some());
}
