//! The credential endpoint of `sts exec --server`: what an ECS task's credentials endpoint
//! answers, on `127.0.0.1` only, for one child process.
//!
//! - `http://127.0.0.1:{random port}/credentials`, given to the child as
//!   `AWS_CONTAINER_CREDENTIALS_FULL_URI`; every request must carry the `Authorization` value
//!   given as `AWS_CONTAINER_AUTHORIZATION_TOKEN` (32 random bytes, base64url), compared in
//!   constant time. Wrong or missing: 403. Another method: 405. Another path: 404.
//! - Answers `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}`: the
//!   credentials of [`Served`], which a thread of its own refreshes ahead of expiry. A request
//!   never waits for a refresh (nor for what a refresh may wait for) while the credentials it
//!   has are valid; a refresh that fails leaves them served until they expire, then the error
//!   is a 500 with its (secret free) message.
//! - Std threads only: a thread per connection, at most [`MAX_OPEN`] connections open (one more
//!   closes the oldest, which a slow client is), each within [`DEADLINE`] from accept to the last
//!   byte (socket timeouts recomputed from one deadline), request heads capped at [`MAX_HEAD`]
//!   bytes, one response per connection. The listener accepts while others stall, so no client
//!   delays another.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use sts_blocking::{Credentials, ProvideCredentials, SecretString};

/// The one path served.
pub(crate) const PATH: &str = "/credentials";
/// The largest request head read.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take, from accept to the last byte of the response.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);
/// The most connections open at once; one more closes the oldest.
pub(crate) const MAX_OPEN: usize = 64;
/// How often the refresher asks the (caching) provider whether a refresh is due.
pub(crate) const POLL: Duration = Duration::from_secs(1);
/// After failed polls the refresher waits twice as long each time, up to this, unless a request
/// wants credentials: an STS that is down is not asked every second by a command that is idle.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
/// How long, at most, what a client still sends after a 200 is read (closing with unread input
/// would reset the connection, and could destroy the response before the client reads it).
const DRAIN: Duration = Duration::from_millis(250);
/// The stack of a connection's thread (it parses a head and formats a small document).
const STACK: usize = 256 * 1024;

/// A running server: where it is and the token it wants.
pub(crate) struct Running {
    /// `http://127.0.0.1:PORT/credentials`.
    pub url: String,
    /// The `Authorization` value (a secret).
    pub token: SecretString,
}

/// 32 bytes from the system's secure random source, base64url.
pub(crate) fn new_token() -> io::Result<SecretString> {
    use ring::rand::SecureRandom;
    let mut b = zeroize::Zeroizing::new([0u8; 32]);
    ring::rand::SystemRandom::new()
        .fill(&mut b[..])
        .map_err(|_| io::Error::other("no secure random numbers"))?;
    Ok(SecretString::new(URL_SAFE_NO_PAD.encode(&b[..])))
}

/// Binds `127.0.0.1:0` and serves `first`, then what `provider` gives (a thread of its own asks
/// it every [`POLL`]), until the process exits.
pub(crate) fn start(
    provider: Arc<dyn ProvideCredentials>,
    first: Credentials,
) -> io::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    let token = Arc::new(new_token()?);
    let served = Served::new(provider, Some(first));
    let s = served.clone();
    std::thread::Builder::new()
        .name("sts-credential-refresh".into())
        .spawn(move || s.refresh_every(POLL))?;
    let t = token.clone();
    std::thread::Builder::new()
        .name("sts-credential-server".into())
        .spawn(move || serve(&listener, &t, &served, DEADLINE, MAX_OPEN))?;
    Ok(Running {
        url: format!("http://127.0.0.1:{port}{PATH}"),
        token: (*token).clone(),
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The credentials the endpoint answers with: the last good ones from the provider. A thread of
/// their own asks the provider (a `CachedProvider`, which refreshes ahead of expiry) every
/// [`POLL`] and whenever a request finds them expired; requests only read them.
pub(crate) struct Served {
    provider: Arc<dyn ProvideCredentials>,
    state: Mutex<Latest>,
    /// A poll finished.
    polled: Condvar,
    /// A request wants a poll now.
    wanted: Condvar,
}

#[derive(Default)]
struct Latest {
    creds: Option<Credentials>,
    /// The error of the last poll, if it failed (secret free, as every library error).
    error: Option<String>,
    /// Polls started and finished.
    started: u64,
    finished: u64,
    /// A request found the credentials expired.
    want: bool,
}

impl Served {
    /// Serves `first` (when given) until the first poll brings others.
    pub(crate) fn new(
        provider: Arc<dyn ProvideCredentials>,
        first: Option<Credentials>,
    ) -> Arc<Self> {
        Arc::new(Self {
            provider,
            state: Mutex::new(Latest {
                creds: first,
                ..Latest::default()
            }),
            polled: Condvar::new(),
            wanted: Condvar::new(),
        })
    }

    /// Asks the provider once; keeps what it gives, or its error beside the credentials held.
    /// Whether it gave credentials.
    pub(crate) fn poll(&self) -> bool {
        {
            let mut st = lock(&self.state);
            st.started += 1;
            st.want = false;
        }
        // Outside the lock: a refresh may take as long as STS does.
        let result = self.provider.provide_credentials();
        let mut st = lock(&self.state);
        let ok = result.is_ok();
        match result {
            Ok(c) => {
                st.creds = Some(c);
                st.error = None;
            }
            Err(e) => st.error = Some(e.to_string()),
        }
        st.finished += 1;
        self.polled.notify_all();
        ok
    }

    /// Polls every `every` (twice as long after each failure, up to [`MAX_RETRY_WAIT`]), and at
    /// once when a request wants it, for ever; the first poll after `every`.
    pub(crate) fn refresh_every(&self, every: Duration) {
        let mut wait = every;
        loop {
            let st = lock(&self.state);
            drop(
                self.wanted
                    .wait_timeout_while(st, wait, |s| !s.want)
                    .unwrap_or_else(PoisonError::into_inner),
            );
            wait = if self.poll() {
                every
            } else {
                wait.saturating_mul(2).min(MAX_RETRY_WAIT.max(every))
            };
        }
    }

    /// The credentials to answer with: the ones held while they are valid (whatever refresh is
    /// running); expired (or none yet), those of the next poll, waited for until `until`.
    pub(crate) fn current(&self, until: Instant) -> Result<Credentials, String> {
        let mut st = lock(&self.state);
        let mut next_poll = None;
        loop {
            if let Some(c) = &st.creds
                && !c.is_expired_at(time::OffsetDateTime::now_utc())
            {
                return Ok(c.clone());
            }
            let target = *next_poll.get_or_insert_with(|| {
                st.want = true;
                self.wanted.notify_all();
                st.started + 1
            });
            let expired = st.creds.as_ref().and_then(|c| c.expiration).map_or_else(
                || "no credentials yet".to_owned(),
                |e| {
                    format!(
                        "the credentials expired at {}Z",
                        crate::output::utc_seconds(e)
                    )
                },
            );
            if st.finished >= target {
                return Err(match &st.error {
                    Some(e) => format!("{expired} and could not be refreshed: {e}"),
                    None => format!("{expired} and were not refreshed"),
                });
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "{expired}; their refresh is still running: try again"
                ));
            }
            st = self
                .polled
                .wait_timeout(st, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// The connections being served, oldest first (a second handle on each, to close it).
#[derive(Default)]
struct Open {
    next: u64,
    conns: VecDeque<(u64, TcpStream)>,
}

impl Open {
    /// Registers `stream`, closing the oldest connection when `max` are open already; its id.
    fn admit(&mut self, stream: &TcpStream, max: usize) -> io::Result<u64> {
        let handle = stream.try_clone()?;
        while self.conns.len() >= max.max(1) {
            if let Some((_, oldest)) = self.conns.pop_front() {
                // Its thread's read or write fails at once, and the thread ends.
                let _ = oldest.shutdown(Shutdown::Both);
            }
        }
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        self.conns.push_back((id, handle));
        Ok(id)
    }

    fn remove(&mut self, id: u64) {
        self.conns.retain(|(i, _)| *i != id);
    }
}

/// What a server answers: the status, the content type, extra header lines (each ending in
/// `\r\n`) and the body (which may hold credentials).
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: String,
    pub body: SecretString,
}

/// The answers of one kind of endpoint; [`serve_with`] does the rest (threads, deadlines, caps).
pub(crate) trait Responder: Send + Sync {
    /// The answer to a request head, within `answer_by`.
    fn respond(&self, head: &str, answer_by: Instant) -> Reply;
    /// The answer when no head could be read (`status` 400, 408 or 431).
    fn refuse(&self, status: u16) -> Reply;
}

/// The container endpoint's answers: the token, then `GET` of [`PATH`].
struct Container {
    token: Arc<SecretString>,
    served: Arc<Served>,
}

impl Responder for Container {
    fn respond(&self, head: &str, answer_by: Instant) -> Reply {
        let (status, body) = answer(head, &self.token, || self.served.current(answer_by));
        let headers = if status == 405 { "Allow: GET\r\n" } else { "" };
        Reply {
            status,
            content_type: "application/json",
            headers: headers.to_owned(),
            body,
        }
    }

    fn refuse(&self, status: u16) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            headers: String::new(),
            body: error_body(status_text(status)),
        }
    }
}

/// Accepts connections for ever and serves each on a thread of its own, within `deadline`, at
/// most `max_open` at once.
pub(crate) fn serve(
    listener: &TcpListener,
    token: &Arc<SecretString>,
    served: &Arc<Served>,
    deadline: Duration,
    max_open: usize,
) {
    let responder = Arc::new(Container {
        token: token.clone(),
        served: served.clone(),
    });
    serve_with(listener, responder, deadline, max_open, None);
}

/// [`serve`] for any [`Responder`]; `ttl` sets the IP time to live (hop limit) of each
/// connection's packets when given.
pub(crate) fn serve_with(
    listener: &TcpListener,
    responder: Arc<dyn Responder>,
    deadline: Duration,
    max_open: usize,
    ttl: Option<u32>,
) {
    let open: Arc<Mutex<Open>> = Arc::default();
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of file descriptors, or a connection reset before it was accepted: accept
            // again shortly (not in a busy loop).
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if let Some(ttl) = ttl {
            let _ = stream.set_ttl(ttl);
        }
        let Ok(id) = lock(&open).admit(&stream, max_open) else {
            continue;
        };
        let (responder, open2) = (responder.clone(), open.clone());
        let spawned = std::thread::Builder::new()
            .name("sts-credential-conn".into())
            .stack_size(STACK)
            .spawn(move || {
                // A client that vanished or stalled affects its own connection only.
                let _ = handle(stream, &*responder, deadline);
                lock(&open2).remove(id);
            });
        if spawned.is_err() {
            // The connection was dropped with the closure.
            lock(&open).remove(id);
        }
    }
}

/// Writes all of `bytes` before `until` (the write timeout recomputed before each write).
fn write_within(stream: &mut TcpStream, bytes: &[u8], until: Instant) -> io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn handle(mut stream: TcpStream, responder: &dyn Responder, deadline: Duration) -> io::Result<()> {
    let until = Instant::now() + deadline;
    // The last tenth of the deadline is for the answer (a 408 too).
    let answer_by = until.checked_sub(deadline / 10).unwrap_or(until);
    let Reply {
        status,
        content_type,
        headers,
        body,
    } = match read_head(&mut stream, answer_by) {
        Ok(head) => responder.respond(&head, answer_by),
        Err(status) => responder.refuse(status),
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\n{headers}Connection: close\r\n\r\n",
        status_text(status),
        body.len()
    );
    write_within(&mut stream, head.as_bytes(), until)?;
    write_within(&mut stream, body.expose().as_bytes(), until)?;
    if status != 200 {
        // Nothing more is read from a client that got an error: it is closed now.
        return Ok(());
    }
    let _ = stream.shutdown(Shutdown::Write);
    // Read what the client still sends, briefly and within the deadline.
    let until = until.min(Instant::now() + DRAIN);
    let mut sink = [0u8; 4096];
    let mut drained = 0usize;
    while drained < 64 * 1024 {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => drained += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Reads a request head (up to the blank line) before `until`: 408 when the client is too slow,
/// 431 when the head is larger than [`MAX_HEAD`], 400 when the connection ends first or it is
/// not text.
pub(crate) fn read_head(stream: &mut TcpStream, until: Instant) -> Result<String, u16> {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(408);
        }
        stream.set_read_timeout(Some(left)).map_err(|_| 400_u16)?;
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Err(400),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(408);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(400),
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find_blank_line(&buf) {
            buf.truncate(end);
            return String::from_utf8(buf).map_err(|_| 400);
        }
        if buf.len() > MAX_HEAD {
            return Err(431);
        }
    }
}

/// Where the head ends (before `\r\n\r\n` or `\n\n`).
fn find_blank_line(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(crate) fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    }
}

fn error_body(message: &str) -> SecretString {
    SecretString::new(format!(
        "{{\"Code\":\"Error\",\"Message\":{}}}",
        sts_blocking::json::escape(message)
    ))
}

/// The status and body for a request head. The token is checked first: without it, nothing else
/// is revealed.
pub(crate) fn answer(
    head: &str,
    token: &SecretString,
    credentials: impl FnOnce() -> Result<Credentials, String>,
) -> (u16, SecretString) {
    let mut lines = head.lines();
    let mut request = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) = (
        request.next(),
        request.next(),
        request.next(),
        request.next(),
    ) else {
        return (400, error_body("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return (400, error_body("malformed request line"));
    }
    let auth: Vec<&str> = lines
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim())
        .collect();
    let authorized = matches!(auth.as_slice(), [one] if token.matches(one));
    if !authorized {
        return (
            403,
            error_body("missing or wrong Authorization (AWS_CONTAINER_AUTHORIZATION_TOKEN)"),
        );
    }
    if method != "GET" {
        return (405, error_body("only GET is served"));
    }
    if target != PATH {
        return (404, error_body("not found"));
    }
    match credentials() {
        Ok(c) => (200, credentials_json(&c)),
        Err(e) => (500, error_body(&e)),
    }
}

/// The container endpoint's document for `c`.
pub(crate) fn credentials_json(c: &Credentials) -> SecretString {
    use sts_blocking::json::escape;
    let mut s = format!(
        "{{\"AccessKeyId\":{},\"SecretAccessKey\":{}",
        escape(&c.access_key_id),
        escape(c.secret_access_key.expose())
    );
    if let Some(t) = &c.session_token {
        s.push_str(&format!(",\"Token\":{}", escape(t.expose())));
    }
    if let Some(e) = c.expiration {
        s.push_str(&format!(
            ",\"Expiration\":\"{}Z\"",
            crate::output::utc_seconds(e)
        ));
    }
    if let Some(a) = &c.account_id {
        s.push_str(&format!(",\"AccountId\":{}", escape(a)));
    }
    s.push('}');
    SecretString::new(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use sts_blocking::Error;

    fn creds() -> Credentials {
        let mut c = Credentials::new("ASIA1", "marker-secret", Some(SecretString::new("tok")))
            .with_expiration(time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
        c.account_id = Some("123".into());
        c
    }

    fn req(method: &str, path: &str, auth: Option<&str>) -> String {
        let mut h = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if let Some(a) = auth {
            h.push_str(&format!("authorization: {a}\r\n"));
        }
        h
    }

    #[test]
    fn answers_only_the_token_holder_and_only_get_of_the_path() {
        let token = SecretString::new("tok-en");
        let calls = AtomicUsize::new(0);
        let get = || {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(creds())
        };
        let (s, body) = answer(&req("GET", PATH, Some("tok-en")), &token, get);
        assert_eq!(s, 200);
        assert_eq!(
            body.expose(),
            "{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"marker-secret\",\"Token\":\"tok\",\
             \"Expiration\":\"2023-11-14T22:13:20Z\",\"AccountId\":\"123\"}"
        );
        for (head, want) in [
            (req("GET", PATH, None), 403),
            (req("GET", PATH, Some("tok-eN")), 403),
            (req("GET", PATH, Some("tok-en2")), 403),
            (req("GET", "/other", None), 403),
            (
                format!(
                    "{}Authorization: tok-en\r\n",
                    req("GET", PATH, Some("tok-en"))
                ),
                403,
            ),
            (req("POST", PATH, Some("tok-en")), 405),
            (req("GET", "/other", Some("tok-en")), 404),
            (req("GET", "/credentials?x=1", Some("tok-en")), 404),
            ("GET /credentials\r\n".to_owned(), 400),
            ("\r\n".to_owned(), 400),
            ("GET / SPDY/3\r\n".to_owned(), 400),
        ] {
            let (s, body) = answer(&head, &token, || Ok(creds()));
            assert_eq!(s, want, "{head:?}");
            assert!(!body.expose().contains("marker"), "{head:?}");
        }
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        let (s, body) = answer(&req("GET", PATH, Some(" tok-en ")), &token, || {
            Err("no credentials here".to_owned())
        });
        assert_eq!(s, 500);
        assert!(body.expose().contains("no credentials here"));
        let long = Credentials::new("AKIA", "s", None);
        assert_eq!(
            credentials_json(&long).expose(),
            "{\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"s\"}"
        );
    }

    #[test]
    fn heads_end_at_the_blank_line() {
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\n\r\nbody"), Some(14));
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\n\n"), Some(14));
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\n"), None);
    }

    type Step = Box<dyn FnMut(usize) -> Result<Credentials, Error> + Send>;

    /// A provider that answers its `n`th call (from 1) with `step(n)`.
    struct Scripted(Mutex<Step>, AtomicUsize);

    impl std::fmt::Debug for Scripted {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Scripted")
        }
    }

    impl ProvideCredentials for Scripted {
        fn provide_credentials(&self) -> Result<Credentials, Error> {
            let n = self.1.fetch_add(1, Ordering::SeqCst) + 1;
            (lock(&self.0))(n)
        }
    }

    fn scripted(
        step: impl FnMut(usize) -> Result<Credentials, Error> + Send + 'static,
    ) -> Arc<Scripted> {
        Arc::new(Scripted(Mutex::new(Box::new(step)), AtomicUsize::new(0)))
    }

    /// Credentials `AKIDn` expiring `secs` seconds from now.
    fn expiring(n: usize, secs: f64) -> Credentials {
        Credentials::new(format!("AKID{n}"), "s", Some(SecretString::new("t")))
            .with_expiration(time::OffsetDateTime::now_utc() + time::Duration::seconds_f64(secs))
    }

    /// A server of `provider` (polled now, then when a request wants it) on a free port.
    fn test_server(
        provider: Arc<dyn ProvideCredentials>,
        deadline: Duration,
        max_open: usize,
    ) -> std::net::SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Served::new(provider, None);
        served.poll();
        let s = served.clone();
        std::thread::spawn(move || s.refresh_every(Duration::from_secs(3600)));
        let token = Arc::new(SecretString::new("t"));
        std::thread::spawn(move || serve(&listener, &token, &served, deadline, max_open));
        addr
    }

    fn roundtrip(addr: std::net::SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request).unwrap();
        let mut out = String::new();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.read_to_string(&mut out);
        out
    }

    const GET: &[u8] = b"GET /credentials HTTP/1.1\r\nAuthorization: t\r\n\r\n";

    /// Reads until the server closes `s` (end of stream or reset); how long that took. Gives up
    /// after `limit`.
    fn until_closed(s: &mut TcpStream, limit: Duration) -> Duration {
        let t0 = Instant::now();
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut b = [0u8; 1024];
        while t0.elapsed() < limit {
            match s.read(&mut b) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break,
            }
        }
        t0.elapsed()
    }

    #[test]
    fn slow_and_oversized_clients_do_not_block_the_server() {
        let calls = scripted(|_| Ok(expiring(1, 3600.0)));
        let addr = test_server(calls.clone(), Duration::from_secs(1), MAX_OPEN);
        // A client that connects and sends half a request, then nothing.
        let mut stalled = TcpStream::connect(addr).unwrap();
        stalled.write_all(b"GET /credentials HT").unwrap();
        let t0 = Instant::now();
        let ok = roundtrip(addr, GET);
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("\"AccessKeyId\":\"AKID1\""));
        assert!(t0.elapsed() < Duration::from_secs(5));
        let mut late = String::new();
        let _ = stalled.read_to_string(&mut late);
        assert!(late.starts_with("HTTP/1.1 408 "), "{late}");
        // A head larger than the cap.
        let mut big = b"GET /credentials HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD + 10));
        let r = roundtrip(addr, &big);
        assert!(r.starts_with("HTTP/1.1 431 "), "{r}");
        let r = roundtrip(
            addr,
            b"DELETE /credentials HTTP/1.1\r\nAuthorization: t\r\n\r\n",
        );
        assert!(
            r.starts_with("HTTP/1.1 405 ") && r.contains("Allow: GET\r\n"),
            "{r}"
        );
        // The provider was asked once, by the refresher: never on a request's path.
        assert_eq!(calls.1.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn one_connection_too_many_closes_the_oldest() {
        let addr = test_server(
            scripted(|_| Ok(expiring(1, 3600.0))),
            Duration::from_secs(30),
            4,
        );
        let mut idle: Vec<TcpStream> = (0..4)
            .map(|_| {
                let s = TcpStream::connect(addr).unwrap();
                // Accepted in order: the next one is not opened before this one is served.
                std::thread::sleep(Duration::from_millis(50));
                s
            })
            .collect();
        let t0 = Instant::now();
        let ok = roundtrip(addr, GET);
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
        // The oldest was closed for it, long before its 30 s; the next one is still open.
        assert!(until_closed(&mut idle[0], Duration::from_secs(5)) < Duration::from_secs(2));
        assert!(
            until_closed(&mut idle[1], Duration::from_millis(300)) >= Duration::from_millis(300)
        );
    }

    #[test]
    fn errors_close_at_once_and_every_connection_ends_by_its_deadline() {
        let addr = test_server(
            scripted(|_| Ok(expiring(1, 3600.0))),
            Duration::from_secs(1),
            MAX_OPEN,
        );
        // A client that trickles a byte every 50 ms after its request: it is never read again
        // after a 403, and no longer than the deadline after a 200 (the old server read it for
        // as long as it trickled).
        for (request, status) in [
            (
                &b"GET /credentials HTTP/1.1\r\nAuthorization: x\r\n\r\n"[..],
                "403",
            ),
            (GET, "200"),
        ] {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(request).unwrap();
            let mut w = s.try_clone().unwrap();
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let stop2 = stop.clone();
            let trickle = std::thread::spawn(move || {
                while !stop2.load(Ordering::Relaxed) && w.write_all(b"x").is_ok() {
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            let mut head = [0u8; 12];
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.read_exact(&mut head).unwrap();
            assert_eq!(&head[9..], status.as_bytes());
            let took = until_closed(&mut s, Duration::from_secs(5));
            stop.store(true, Ordering::Relaxed);
            trickle.join().unwrap();
            let bound = if status == "403" { 500 } else { 1500 };
            assert!(
                took < Duration::from_millis(bound),
                "{status}: open {took:?} after the answer"
            );
        }
    }

    #[test]
    fn requests_get_the_valid_credentials_while_a_refresh_runs() {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let provider = scripted(move |n| {
            // The refresh (second call) waits for the test, as one waiting for STS (or for an
            // MFA code) would.
            if n == 2 {
                lock(&gate).recv_timeout(Duration::from_secs(10)).unwrap();
            }
            Ok(expiring(n, 60.0))
        });
        let served = Served::new(provider.clone(), Some(expiring(0, 60.0)));
        served.poll();
        let s = served.clone();
        let refresh = std::thread::spawn(move || s.poll());
        while provider.1.load(Ordering::SeqCst) < 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        for _ in 0..10 {
            let t0 = Instant::now();
            let c = served
                .current(Instant::now() + Duration::from_secs(5))
                .unwrap();
            assert_eq!(c.access_key_id, "AKID1");
            assert!(t0.elapsed() < Duration::from_millis(100));
        }
        release.send(()).unwrap();
        refresh.join().unwrap();
        let c = served
            .current(Instant::now() + Duration::from_secs(5))
            .unwrap();
        assert_eq!(c.access_key_id, "AKID2");
    }

    #[test]
    fn a_failed_refresh_keeps_the_credentials_until_they_expire() {
        let provider = scripted(|n| {
            if n == 1 {
                Ok(expiring(1, 1.0))
            } else {
                Err(Error::config("STS is down"))
            }
        });
        let served = Served::new(provider.clone(), None);
        let s = served.clone();
        std::thread::spawn(move || s.refresh_every(Duration::from_millis(50)));
        let until = || Instant::now() + Duration::from_secs(5);
        assert_eq!(served.current(until()).unwrap().access_key_id, "AKID1");
        std::thread::sleep(Duration::from_millis(300));
        // Refreshes failed meanwhile; the credentials are still valid, so they are served.
        assert!(provider.1.load(Ordering::SeqCst) >= 2);
        assert_eq!(served.current(until()).unwrap().access_key_id, "AKID1");
        std::thread::sleep(Duration::from_millis(900));
        let t0 = Instant::now();
        let e = served.current(until()).unwrap_err().to_string();
        assert!(
            e.contains("expired at")
                && e.contains("could not be refreshed")
                && e.contains("STS is down"),
            "{e}"
        );
        assert!(t0.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn expired_credentials_wait_for_the_poll_they_ask_for() {
        let provider = scripted(|n| {
            if n == 1 {
                Ok(expiring(1, -1.0))
            } else {
                std::thread::sleep(Duration::from_millis(200));
                Ok(expiring(n, 60.0))
            }
        });
        let served = Served::new(provider.clone(), None);
        served.poll();
        let s = served.clone();
        // Polls only when a request asks.
        std::thread::spawn(move || s.refresh_every(Duration::from_secs(3600)));
        let c = served
            .current(Instant::now() + Duration::from_secs(5))
            .unwrap();
        assert_eq!(c.access_key_id, "AKID2");
        // Nothing to wait for past the deadline: an error that says so.
        let stuck = Served::new(scripted(|_| Ok(expiring(1, -1.0))), None);
        let e = stuck
            .current(Instant::now() + Duration::from_millis(100))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no credentials yet") && e.contains("still running"),
            "{e}"
        );
    }

    #[test]
    fn tokens_are_fresh_and_long() {
        let a = new_token().unwrap();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, new_token().unwrap());
    }
}
