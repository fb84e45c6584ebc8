//! A loopback HTTP server whose replies are computed per request (the sign-in `/v1/token` and
//! SSO-OIDC `/token` fakes check what they receive before answering). std only.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
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
}

type Handler = dyn Fn(&Request) -> (u16, String) + Send + Sync;

/// The server; stops when dropped.
pub struct FakeToken {
    pub addr: std::net::SocketAddr,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl FakeToken {
    /// Serves every request with `handler` (status, JSON body).
    pub fn start(handler: impl Fn(&Request) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let stop: Arc<AtomicBool> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let (reqs, stop2) = (requests.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (reqs, handler) = (reqs.clone(), handler.clone());
                thread::spawn(move || serve(stream, &reqs, &*handler));
            }
        });
        Self {
            addr,
            requests,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for FakeToken {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one HTTP/1.1 request from `stream`: the request line, the headers and a
/// `Content-Length` body (`path` is the whole request target). `None` when the peer stops early.
pub fn read_request(stream: &TcpStream) -> Option<Request> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn serve(mut out: TcpStream, reqs: &Mutex<Vec<Request>>, handler: &Handler) {
    let Some(req) = read_request(&out) else {
        return;
    };
    let (status, reply) = handler(&req);
    reqs.lock().unwrap().push(req);
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{reply}",
        reply.len()
    );
    let _ = out.flush();
}

/// The variable that makes a test binary, started again by [`in_parallel`], one process that
/// resolves the default chain (see [`parallel_child`]).
const CHILD: &str = "STS_TEST_PARALLEL_CHILD";

/// Starts `n` processes at once, as `make -j`, Terraform or parallel CI jobs start them, each
/// resolving the default credential chain of the library from a cleared environment (`PATH`, IMDS
/// disabled and `env`), then waits for every one. Each is this test binary again, running only the
/// test `entry`, which must call [`parallel_child`] first.
pub fn in_parallel(n: usize, entry: &str, env: &[(&str, &str)]) -> Vec<std::process::Output> {
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().expect("the test binary");
    let children: Vec<_> = (0..n)
        .map(|_| {
            let mut c = Command::new(&exe);
            c.env_clear();
            if let Some(path) = std::env::var_os("PATH") {
                c.env("PATH", path);
            }
            c.env("AWS_EC2_METADATA_DISABLED", "true")
                .env(CHILD, "1")
                .envs(env.iter().copied())
                .args([entry, "--exact", "--nocapture", "--test-threads=1"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run the test binary")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait for the child"))
        .collect()
}

/// In a process started by [`in_parallel`]: resolves `DefaultChain` from the process's own
/// environment, prints `AccessKeyId=<id>` on a line of its own and exits 0, or prints the error on
/// stderr and exits 1. In any other process it returns at once.
pub fn parallel_child() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::{DefaultChain, Env};
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    match DefaultChain::new(Env::real()).provide_credentials() {
        Ok(c) => {
            println!("\nAccessKeyId={}", c.access_key_id);
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}

/// The access key id a [`parallel_child`] printed.
pub fn access_key_of(out: &std::process::Output) -> Option<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("AccessKeyId=").map(str::to_owned))
}
