//! What the library's hostile tests (tests/hostile) and the program's (cli/tests/hostile) share:
//! scratch directories, an echoing STS, an unused proxy, and the secret markers a leak check looks
//! for.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// A scratch directory.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sts-hostile-net-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A request as the echo server saw it.
pub struct Seen {
    pub head: String,
    pub body: String,
}

/// A server that answers every request with `answer(request)` (status, content type, body), one
/// request per connection. Returns its address and how many requests arrived.
pub fn answer_with(
    answer: impl Fn(&Seen) -> (u16, &'static str, String) + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let answer = Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            seen.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; len];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let req = Seen {
                    head,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let (status, ctype, text) = answer(&req);
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{text}",
                    text.len()
                );
                let mut out = stream;
                let _ = out.write_all(resp.as_bytes());
            });
        }
    });
    (addr, count)
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An STS error whose message echoes the whole request: head (with the security token header) and
/// form body, as a misconfigured proxy or WAF might.
pub fn echoing_sts() -> (SocketAddr, Arc<AtomicUsize>) {
    answer_with(|r| {
        let echo = xml_escape(&format!("{} | {}", r.head, r.body));
        (
            400,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>\
                 <Message>rejected: {echo}</Message></Error><RequestId>r-{echo}</RequestId>\
                 </ErrorResponse>"
            ),
        )
    })
}

/// A listener that counts connections and answers nothing useful: a proxy that must stay unused.
pub fn unused_proxy() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    thread::spawn(move || {
        for s in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut s = s;
            let _ = s.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, count)
}

pub const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.MARKER-web-identity+token/=";

pub const SAML: &str = "PHNhbWxwOlJlc3BvbnNlIE1BUktFUi1zYW1s+/==";

pub const TRADE_IN: &str = "MARKER-trade-in-token+/=";

pub const CONTEXT: &str = "MARKER-context-assertion-value";

pub const MFA: &str = "918273";

pub const SESSION: &str = "MARKER-session-token+/=";

/// Every secret, as sent (raw) and as it appears in a form body.
pub fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for s in [WEB_TOKEN, SAML, TRADE_IN, CONTEXT, MFA, SESSION] {
        for form in [s.to_owned(), crate::support::form_encode(s)] {
            if text.contains(&form) {
                found.push(form);
            }
        }
    }
    if text.contains("MARKER") {
        found.push("MARKER".into());
    }
    found
}

pub fn assert_no_leak(what: &str, text: &str) {
    let found = leaks(text);
    assert!(found.is_empty(), "{what} leaks {found:?}: {text}");
}

/// A fresh scratch directory for one test.
pub fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sts-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Makes a FIFO at `path`; `false` (the test skips) when `mkfifo` is not available.
pub fn mkfifo(path: &Path) -> bool {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("mkfifo is not available: skipped");
    }
    ok
}
