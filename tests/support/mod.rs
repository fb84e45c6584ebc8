//! A loopback fake STS server (std only): records every request and replays scripted replies,
//! including faults (resets, hangs, trickled and truncated bodies, raw bytes).
#![allow(dead_code)]

pub mod skip;
pub mod tls;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The pairs of a form body or query string (`+` and `%20` are spaces), decoded by the
/// `percent-encoding` crate rather than the library's own codec, so the tests check that codec
/// instead of trusting it.
pub fn form_decode(text: &str) -> Vec<(String, String)> {
    let part = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .expect("percent-encoded UTF-8")
            .into_owned()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (part(k), part(v))
        })
        .collect()
}

/// `text` as a form value: RFC 3986 unreserved characters as they are, a space as `+`, every other
/// byte `%XX` (as awsQuery bodies are written).
pub fn form_encode(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED)
        .to_string()
        .replace("%20", "+")
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    /// A header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The decoded form parameters.
    pub fn params(&self) -> Vec<(String, String)> {
        form_decode(&self.body)
    }

    /// One form parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A normal response.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Exactly these bytes, then close.
    Raw(Vec<u8>),
    /// Close the connection without answering.
    Close,
    /// Send headers announcing `len` bytes, then reset the connection.
    ResetAfterHeaders { len: usize },
    /// Never answer (until the client gives up).
    Hang,
    /// Send the headers, then the body one byte every `every`.
    Trickle { body: Vec<u8>, every: Duration },
}

impl Reply {
    /// `status` with an XML body.
    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::Http {
            status,
            headers: vec![("Content-Type".into(), "text/xml".into())],
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Self::Http { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// Every `n`-th request gets the next of these faults.
type Chaos = (usize, Vec<Reply>);

/// The server.
pub struct FakeSts {
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    fallback: Arc<Mutex<Reply>>,
    stop: Arc<AtomicBool>,
    pub connections: Arc<AtomicUsize>,
    chaos: Arc<Mutex<Option<Chaos>>>,
}

impl FakeSts {
    /// Starts a server whose every reply is `fallback` unless a scripted one is queued.
    pub fn start(fallback: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let server = Self {
            addr,
            requests: Arc::default(),
            script: Arc::default(),
            fallback: Arc::new(Mutex::new(fallback)),
            stop: Arc::default(),
            connections: Arc::default(),
            chaos: Arc::default(),
        };
        let chaos = server.chaos.clone();
        let (requests, script, fallback, stop, conns) = (
            server.requests.clone(),
            server.script.clone(),
            server.fallback.clone(),
            server.stop.clone(),
            server.connections.clone(),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                conns.fetch_add(1, Ordering::Relaxed);
                let shared = Shared {
                    requests: requests.clone(),
                    script: script.clone(),
                    fallback: fallback.clone(),
                    stop: stop.clone(),
                    chaos: chaos.clone(),
                };
                thread::spawn(move || serve(stream, &shared));
            }
        });
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues replies, served before the fallback.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().extend(replies);
    }

    /// Replaces the fallback reply.
    pub fn set_fallback(&self, reply: Reply) {
        *self.fallback.lock().unwrap() = reply;
    }

    /// Every `every`-th request (by arrival) gets the next of `faults` instead of its reply.
    pub fn chaos(&self, every: usize, faults: Vec<Reply>) {
        *self.chaos.lock().unwrap() = Some((every, faults));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

struct Shared {
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    fallback: Arc<Mutex<Reply>>,
    stop: Arc<AtomicBool>,
    chaos: Arc<Mutex<Option<Chaos>>>,
}

fn serve(stream: TcpStream, shared: &Shared) {
    let stop = &*shared.stop;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let Some(req) = read_request(&mut reader) else {
            return;
        };
        let n = {
            let mut all = shared.requests.lock().unwrap();
            all.push(req);
            all.len()
        };
        let fault = shared
            .chaos
            .lock()
            .unwrap()
            .as_ref()
            .and_then(|(every, faults)| {
                (n % every == 0).then(|| faults[(n / every) % faults.len()].clone())
            });
        let reply = fault.unwrap_or_else(|| {
            shared
                .script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| shared.fallback.lock().unwrap().clone())
        });
        match reply {
            Reply::Http {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                // One write: a separate body write would wait on Nagle + delayed ACK (40 ms).
                let mut all = head.into_bytes();
                all.extend_from_slice(&body);
                if out.write_all(&all).is_err() {
                    return;
                }
            }
            Reply::Raw(bytes) => {
                let _ = out.write_all(&bytes);
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Reply::Close => {
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Reply::ResetAfterHeaders { len } => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n<Assume");
                let _ = out.write_all(head.as_bytes());
                let _ = out.flush();
                // SO_LINGER 0 is not in std; closing with unread input triggers a reset on Linux.
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Reply::Hang => {
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(50));
                    let mut b = [0u8; 1];
                    let _ = out.set_read_timeout(Some(Duration::from_millis(50)));
                    if matches!(reader.get_mut().peek(&mut b), Ok(0)) {
                        return;
                    }
                }
                return;
            }
            Reply::Trickle { body, every } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if out.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for b in body {
                    thread::sleep(every);
                    if out.write_all(&[b]).is_err() || stop.load(Ordering::Relaxed) {
                        return;
                    }
                }
            }
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A success body for `action` wrapping `result` (the inside of `<ActionResult>`).
pub fn success(action: &str, result: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <{action}Result>{result}</{action}Result>\
         <ResponseMetadata><RequestId>req-{action}</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// An AWS-shaped error body.
pub fn error_body(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>{message}</Message></Error><RequestId>err-req</RequestId></ErrorResponse>"
    )
}

/// A GetCallerIdentity success.
pub fn caller_identity() -> Reply {
    Reply::xml(
        200,
        success(
            "GetCallerIdentity",
            "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>\
             <Arn>arn:aws:iam::123456789012:user/alice</Arn>",
        ),
    )
}

/// The `<Credentials>` element used in credential-returning fakes.
pub const CREDS_XML: &str = "<Credentials><AccessKeyId>ASIAFAKEEXAMPLE00001</AccessKeyId>\
    <SecretAccessKey>fake-secret-key</SecretAccessKey><SessionToken>fake-session-token</SessionToken>\
    <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>";

/// An HTTP `Date` header value (IMF-fixdate).
pub fn http_date(t: time::OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
