//! Loopback fakes (std only): a generic HTTP server whose replies are computed per request, an
//! STS that issues fresh short-lived credentials on every call, and a minimal HTTP client for
//! the tests that play the browser.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use time::OffsetDateTime;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The decoded query parameters.
    pub fn query(&self) -> Vec<(String, String)> {
        let q = self.target.split_once('?').map_or("", |(_, q)| q);
        crate::support::form_decode(q)
    }

    /// One query parameter.
    pub fn q(&self, key: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The decoded form body.
    pub fn form(&self) -> Vec<(String, String)> {
        crate::support::form_decode(&self.body)
    }

    /// One form parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// A reply: status, extra headers, body.
pub type Reply = (u16, Vec<(String, String)>, String);
type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// The server; lives until the test ends.
pub struct Fake {
    pub addr: std::net::SocketAddr,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    /// Serves every request with `handler`.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let reqs = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (reqs, handler) = (reqs.clone(), handler.clone());
                thread::spawn(move || serve(stream, &reqs, &*handler));
            }
        });
        Self { addr, requests }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut out: TcpStream, reqs: &Mutex<Vec<Request>>, handler: &Handler) {
    let Some(r) = crate::fake_token::read_request(&out) else {
        return;
    };
    let req = Request {
        method: r.method,
        target: r.path,
        headers: r.headers,
        body: r.body,
    };
    let (status, extra, reply) = handler(&req);
    reqs.lock().unwrap().push(req);
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", reply.len());
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.as_bytes());
    let _ = out.flush();
}

/// A GET with a plain TCP client: `(status, headers, body)`.
pub fn get(url: &str) -> (u16, Vec<(String, String)>, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(authority).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// `2030-01-01T00:00:00Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A fake STS: every credential-returning call issues new credentials (`ASIAFAKE` + a counter)
/// that expire `lifetime` seconds later; `GetCallerIdentity` answers `caller`.
pub struct FakeSts {
    pub fake: Fake,
    pub issued: Arc<AtomicUsize>,
}

impl FakeSts {
    pub fn start(lifetime: i64, caller: &str) -> Self {
        let issued = Arc::new(AtomicUsize::new(0));
        let n = issued.clone();
        let caller = caller.to_owned();
        let fake = Fake::start(move |r| {
            let action = r.param("Action").unwrap_or_default();
            let creds = || {
                let i = n.fetch_add(1, Ordering::SeqCst) + 1;
                let exp = OffsetDateTime::now_utc() + time::Duration::seconds(lifetime);
                format!(
                    "<Credentials><AccessKeyId>ASIAFAKE{i:012}</AccessKeyId>\
                     <SecretAccessKey>secret-{i}</SecretAccessKey>\
                     <SessionToken>token-{i}</SessionToken>\
                     <Expiration>{}</Expiration></Credentials>",
                    rfc3339(exp)
                )
            };
            let result = match action.as_str() {
                "AssumeRole" => format!(
                    "{}<AssumedRoleUser><AssumedRoleId>AROAFAKE:s</AssumedRoleId>\
                     <Arn>arn:aws:sts::123456789012:assumed-role/dev/s</Arn></AssumedRoleUser>",
                    creds()
                ),
                "GetSessionToken" => creds(),
                "GetFederationToken" => format!(
                    "{}<FederatedUser><FederatedUserId>123456789012:alice</FederatedUserId>\
                     <Arn>arn:aws:sts::123456789012:federated-user/alice</Arn></FederatedUser>",
                    creds()
                ),
                "GetCallerIdentity" => format!(
                    "<UserId>AIDAFAKE</UserId><Account>123456789012</Account><Arn>{caller}</Arn>"
                ),
                other => {
                    return (400, Vec::new(), format!("unexpected action {other}"));
                }
            };
            (
                200,
                vec![("Content-Type".into(), "text/xml".into())],
                format!(
                    "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r\
                     </RequestId></ResponseMetadata></{action}Response>"
                ),
            )
        });
        Self { fake, issued }
    }

    pub fn url(&self) -> String {
        self.fake.url()
    }

    /// The actions received, in order.
    pub fn actions(&self) -> Vec<String> {
        self.fake
            .requests()
            .iter()
            .map(|r| r.param("Action").unwrap_or_default())
            .collect()
    }
}

/// A GET of a credential endpoint with its `Authorization` token, read to the end within
/// `timeout`: `(status, body)`; status 0 when no complete response came.
pub fn get_authorized(url: &str, token: &str, timeout: Duration) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Ok(mut s) = TcpStream::connect(authority) else {
        return (0, "connect failed".into());
    };
    s.set_read_timeout(Some(timeout)).unwrap();
    s.set_write_timeout(Some(timeout)).unwrap();
    if write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: {token}\r\n\r\n"
    )
    .is_err()
    {
        return (0, "write failed".into());
    }
    let mut text = String::new();
    if let Err(e) = s.read_to_string(&mut text) {
        return (0, format!("read failed: {e} after {text:?}"));
    }
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}
