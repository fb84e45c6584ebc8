//! Bring your own HTTP client: the call engine (`sts_blocking::engine`) driven by a 60-line
//! HTTP/1.1 client on `std::net::TcpStream` instead of ureq. Retries, backoff, the retry quota, the
//! clock-skew correction, signing and typed errors come from the engine; the client only moves
//! bytes. The endpoints come from `endpoint::for_client`, as `Sts`'s do: the same settings send to
//! the same place (`aws-global` without a region, the regional endpoint for GetWebIdentityToken).
//! Needs no AWS and no `client` feature: it starts its own fake STS on 127.0.0.1.
//!
//! ```text
//! cargo run --example byo_http
//! cargo run --example byo_http --no-default-features   # the pure core alone
//! ```
//!
//! The fake answers the first GetCallerIdentity with a 503 (retried after a backoff), then with
//! `RequestTimeTooSkewed` and a `Date` ten minutes ahead (the engine corrects its clock and retries
//! at once), then with the identity; a second call gets `AccessDenied`, a typed error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sts_blocking::endpoint::{EndpointParams, for_client};
use sts_blocking::engine::{AttemptRecord, Call, Engine, Next, Now, Request, Response};
use sts_blocking::error::{TimeoutPhase, TransportErrorKind};
use sts_blocking::ops::{Decoded, GetCallerIdentity, Operation};
use sts_blocking::retry::RetryConfig;
use sts_blocking::time::OffsetDateTime;
use sts_blocking::time::format_description::well_known::Rfc2822;
use sts_blocking::{Credentials, Error};

/// The largest response body this client reads.
const MAX_BODY: usize = 1024 * 1024;

/// A response as this client holds it.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The whole HTTP client: one request per connection (`Connection: close`), plain `http` only.
fn send(request: &Request<'_>) -> Result<Reply, Error> {
    let limit = request.timeout();
    let deadline = Instant::now() + limit;
    let io = |e: std::io::Error| io_error(e, limit);
    let rest = request
        .url()
        .strip_prefix("http://")
        .ok_or_else(|| Error::config("this little client speaks plain http only"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| Error::transport(TransportErrorKind::Dns, e.to_string()))?
        .next()
        .ok_or_else(|| {
            Error::transport(
                TransportErrorKind::Dns,
                format!("{authority} has no address"),
            )
        })?;
    let mut stream = TcpStream::connect_timeout(&addr, limit).map_err(io)?;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    stream.set_write_timeout(Some(left())).map_err(io)?;
    let mut head = format!(
        "POST /{path} HTTP/1.1\r\nhost: {authority}\r\ncontent-length: {}\r\nconnection: close\r\n",
        request.body().len()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(request.body()).map_err(io)?;
    // Read to the end (the server closes), within the attempt's limit and the body cap.
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        stream.set_read_timeout(Some(left())).map_err(io)?;
        match stream.read(&mut chunk).map_err(io)? {
            0 => break,
            n if raw.len() + n > MAX_BODY + 16 * 1024 => {
                return Err(Error::body_too_large(MAX_BODY as u64));
            }
            n => raw.extend_from_slice(&chunk[..n]),
        }
    }
    parse(&raw)
}

/// Status line, headers and the body (by `Content-Length`).
fn parse(raw: &[u8]) -> Result<Reply, Error> {
    let protocol = |why: &str| Error::transport(TransportErrorKind::Protocol, why);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| protocol("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| protocol("head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| protocol("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = &raw[split + 4..];
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(body.len());
    if body.len() < length {
        return Err(Error::transport(
            TransportErrorKind::ConnectionClosed,
            format!("body cut at {} of {length} bytes", body.len()),
        ));
    }
    Ok(Reply {
        status,
        headers,
        body: body[..length].to_vec(),
    })
}

/// An I/O failure as the engine classifies transport errors (which kinds are retried).
fn io_error(e: std::io::Error, limit: Duration) -> Error {
    use std::io::ErrorKind as K;
    let kind = match e.kind() {
        K::TimedOut | K::WouldBlock => {
            return Error::timeout(TimeoutPhase::Attempt, Some(limit));
        }
        K::ConnectionRefused | K::AddrNotAvailable => TransportErrorKind::Connect,
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
            TransportErrorKind::ConnectionClosed
        }
        _ => TransportErrorKind::Io,
    };
    Error::transport(kind, e.to_string())
}

/// The driver: the engine decides, the client sends, the thread sleeps, the clock is read here.
fn run<O: Operation>(
    engine: &Engine,
    op: &O,
    credentials: &Credentials,
) -> Result<Decoded<O::Output>, Error> {
    let mut call = Call::new(engine, op, Some(credentials), Now::system())?;
    loop {
        match call.poll(Now::system()) {
            Next::Send(request) => match send(&request) {
                Ok(reply) => {
                    let lookup = |name: &str| {
                        reply
                            .headers
                            .iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.as_str())
                    };
                    let response = Response::with_header_lookup(reply.status, &lookup, &reply.body);
                    call.on_response(Ok(response), Now::system());
                }
                Err(e) => call.on_response(Err(e), Now::system()),
            },
            Next::Wait(pause) => std::thread::sleep(pause),
            Next::Done(decoded) => return Ok(decoded),
            Next::Failed(e) => return Err(e),
        }
    }
}

/// A scripted answer: status, extra headers, body.
type Scripted = (u16, Vec<(&'static str, String)>, String);

/// What the fake STS answers, in order.
fn script() -> Vec<Scripted> {
    let error = |code: &str| {
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{code} from the fake</Message></Error><RequestId>fake-err</RequestId>\
             </ErrorResponse>"
        )
    };
    // An RFC 2822 date (`Tue, 14 Nov 2023 22:13:20 +0000`) is a `Date` the engine reads.
    let ahead = (OffsetDateTime::now_utc() + sts_blocking::time::Duration::minutes(10))
        .format(&Rfc2822)
        .unwrap_or_default();
    vec![
        (503, vec![], String::new()),
        (403, vec![("date", ahead)], error("RequestTimeTooSkewed")),
        (
            200,
            vec![],
            "<GetCallerIdentityResponse><GetCallerIdentityResult>\
             <Arn>arn:aws:iam::123456789012:user/byo</Arn><UserId>AIDAEXAMPLE</UserId>\
             <Account>123456789012</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>fake-1</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>"
                .into(),
        ),
        (403, vec![], error("AccessDenied")),
    ]
}

/// A fake STS on 127.0.0.1 answering each request with the next scripted response; returns its URL.
fn fake_sts() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        for (stream, (status, headers, body)) in listener.incoming().zip(script()) {
            let Ok(stream) = stream else { return };
            let _ = answer(stream, status, &headers, &body);
        }
    });
    Ok(url)
}

fn answer(
    stream: TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
        line.clear();
    }
    reader.read_exact(&mut vec![0; length])?;
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    let mut stream = stream;
    stream.write_all(out.as_bytes())?;
    stream.shutdown(Shutdown::Write)
}

/// What the script showed (read by the test).
#[cfg_attr(not(test), allow(dead_code))]
struct Outcome {
    arn: Option<String>,
    attempts: Vec<(u32, Option<u16>)>,
    clock_offset_ms: i64,
    denied: Error,
}

fn script_run(print: bool) -> Result<Outcome, Error> {
    let url = fake_sts().map_err(|e| Error::config(format!("fake STS: {e}")))?;
    // The client's settings, resolved as `Sts` resolves them (a custom endpoint here: the fake).
    let endpoints = for_client(&EndpointParams::for_region("us-east-1").endpoint(Some(&url)))?;
    if print {
        let defaults = for_client(&EndpointParams::default())?;
        println!(
            "No settings at all would send to {} signed for {}.",
            defaults.main.url, defaults.main.signing_region
        );
    }
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let seen = attempts.clone();
    let engine = Engine::builder(endpoints)
        .retry_config(RetryConfig::standard().base_backoff(Duration::from_millis(50)))
        .http_client("byo-tcp#1")
        .on_attempt(move |r: &AttemptRecord| {
            if print {
                println!(
                    "  attempt {}/{}: {} in {:?}{}",
                    r.attempt,
                    r.max_attempts,
                    r.status
                        .map_or("no response".into(), |s| format!("HTTP {s}")),
                    r.elapsed,
                    r.error
                        .as_deref()
                        .map_or(String::new(), |e| format!(" ({e})")),
                );
            }
            if let Ok(mut a) = seen.lock() {
                a.push((r.attempt, r.status));
            }
        })
        .build(Now::system())?;
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
    );
    if print {
        println!("GetCallerIdentity against the fake STS at {url}:");
    }
    let me = run(&engine, &GetCallerIdentity::new(), &credentials)?;
    let clock_offset_ms = engine.clock_offset_millis();
    if print {
        println!(
            "  -> {} (request id {}); clock corrected by {clock_offset_ms} ms; {} retry tokens left",
            me.output.arn.as_deref().unwrap_or("?"),
            me.request_id.as_deref().unwrap_or("?"),
            engine.retry_tokens()
        );
        println!("GetCallerIdentity again:");
    }
    let denied = match run(&engine, &GetCallerIdentity::new(), &credentials) {
        Ok(_) => return Err(Error::config("the fake should have denied the second call")),
        Err(e) => e,
    };
    if print {
        println!(
            "  -> a typed error: code {:?}, status {:?}: {denied}",
            denied.code(),
            denied.service_error().map(|s| s.status)
        );
    }
    let attempts = attempts.lock().map(|a| a.clone()).unwrap_or_default();
    Ok(Outcome {
        arn: me.output.arn,
        attempts,
        clock_offset_ms,
        denied,
    })
}

fn main() -> Result<(), Error> {
    script_run(true).map(|_| ())
}

#[test]
fn the_engine_does_the_work_for_a_foreign_client() {
    let o = script_run(false).unwrap();
    assert_eq!(o.arn.as_deref(), Some("arn:aws:iam::123456789012:user/byo"));
    assert_eq!(
        o.attempts,
        vec![
            (1, Some(503)),
            (2, Some(403)),
            (3, Some(200)),
            (1, Some(403))
        ]
    );
    assert!(
        (590_000..=610_000).contains(&o.clock_offset_ms),
        "{}",
        o.clock_offset_ms
    );
    assert_eq!(o.denied.code(), Some("AccessDenied"));
}
