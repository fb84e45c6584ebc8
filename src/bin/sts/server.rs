//! The credential endpoint of `sts exec --server`: what an ECS task's credentials endpoint
//! answers, on `127.0.0.1` only, for one child process.
//!
//! - `http://127.0.0.1:{random port}/credentials`, given to the child as
//!   `AWS_CONTAINER_CREDENTIALS_FULL_URI`; every request must carry the `Authorization` value
//!   given as `AWS_CONTAINER_AUTHORIZATION_TOKEN` (32 random bytes, base64url), compared in
//!   constant time. Wrong or missing: 403. Another method: 405. Another path: 404.
//! - Answers `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}` from a
//!   cached provider that refreshes ahead of expiry; a failed refresh is a 500 with the (secret
//!   free) error message.
//! - One thread, std only: connections are served one at a time, each within [`DEADLINE`] (a
//!   client that sends slowly or not at all is dropped), request heads capped at [`MAX_HEAD`]
//!   bytes, one response per connection.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sts_blocking::__private::credentials::cli_cache;
use sts_blocking::{Credentials, Error, ProvideCredentials, SecretString};

/// The one path served.
pub(crate) const PATH: &str = "/credentials";
/// The largest request head read.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take, from accept to the last byte of the response.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);

/// A running server: where it is and the token it wants.
pub(crate) struct Running {
    /// `http://127.0.0.1:PORT/credentials`.
    pub url: String,
    /// The `Authorization` value (a secret).
    pub token: SecretString,
}

/// 32 bytes from the system's secure random source, base64url.
fn new_token() -> io::Result<SecretString> {
    use ring::rand::SecureRandom;
    let mut b = zeroize::Zeroizing::new([0u8; 32]);
    ring::rand::SystemRandom::new()
        .fill(&mut b[..])
        .map_err(|_| io::Error::other("no secure random numbers"))?;
    Ok(SecretString::new(
        sts_blocking::__private::base64::encode_url_nopad(&b[..]),
    ))
}

/// Binds `127.0.0.1:0` and serves `provider` on a thread of its own until the process exits.
pub(crate) fn start(provider: Arc<dyn ProvideCredentials>) -> io::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    let token = new_token()?;
    let t = token.clone();
    std::thread::Builder::new()
        .name("sts-credential-server".into())
        .spawn(move || serve(&listener, &t, &*provider, DEADLINE))?;
    Ok(Running {
        url: format!("http://127.0.0.1:{port}{PATH}"),
        token,
    })
}

/// Serves connections one at a time, for ever.
pub(crate) fn serve(
    listener: &TcpListener,
    token: &SecretString,
    provider: &dyn ProvideCredentials,
    deadline: Duration,
) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // A client that vanished or stalled affects its own connection only.
        let _ = handle(stream, token, provider, deadline);
    }
}

fn handle(
    mut stream: TcpStream,
    token: &SecretString,
    provider: &dyn ProvideCredentials,
    deadline: Duration,
) -> io::Result<()> {
    let until = Instant::now() + deadline;
    let (status, body) = match read_head(&mut stream, until) {
        Ok(head) => answer(&head, token, || provider.provide_credentials()),
        Err(status) => (status, error_body(status_text(status))),
    };
    stream.set_write_timeout(Some(
        until
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100)),
    ))?;
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\n{allow}Connection: close\r\n\r\n",
        status_text(status),
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.expose().as_bytes())?;
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Read what the client still sends (briefly, a little): closing with unread input would
    // reset the connection and could destroy the response before the client reads it.
    stream.set_read_timeout(Some(Duration::from_millis(100)))?;
    let _ = io::copy(&mut (&mut stream).take(64 * 1024), &mut io::sink());
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

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
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
        sts_blocking::__private::json::escape(message)
    ))
}

/// The status and body for a request head. The token is checked first: without it, nothing else
/// is revealed.
pub(crate) fn answer(
    head: &str,
    token: &SecretString,
    credentials: impl FnOnce() -> Result<Credentials, Error>,
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
        Err(e) => (500, error_body(&e.to_string())),
    }
}

/// The container endpoint's document for `c`.
pub(crate) fn credentials_json(c: &Credentials) -> SecretString {
    use sts_blocking::__private::json::escape;
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
            ",\"Expiration\":\"{}\"",
            cli_cache::timestamp(e, "Z")
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
            Err(Error::config("no credentials here"))
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

    /// A provider that counts its calls.
    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);
    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> Result<Credentials, Error> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok(creds())
        }
    }

    fn roundtrip(addr: std::net::SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request).unwrap();
        let mut out = String::new();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn slow_and_oversized_clients_do_not_block_the_server() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let token = SecretString::new("t");
        let provider = Arc::new(Counting::default());
        let p = provider.clone();
        std::thread::spawn(move || serve(&listener, &token, &*p, Duration::from_millis(300)));
        // A client that connects and sends half a request, then nothing.
        let mut stalled = TcpStream::connect(addr).unwrap();
        stalled.write_all(b"GET /credentials HT").unwrap();
        let t0 = Instant::now();
        let ok = roundtrip(
            addr,
            b"GET /credentials HTTP/1.1\r\nAuthorization: t\r\n\r\n",
        );
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("\"AccessKeyId\":\"ASIA1\""));
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
        assert_eq!(provider.0.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn tokens_are_fresh_and_long() {
        let a = new_token().unwrap();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, new_token().unwrap());
    }
}
