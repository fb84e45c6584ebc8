//! `sts exec --server` under hostile local clients: 50 connections that stall (idle, trickling a
//! byte every 90 ms, half-closed after half a request, sending an endless head) are kept open
//! while the child's authorized requests are answered, each within a second.

use crate::fake::{FakeSts, get_authorized};
use crate::{home, sts, temp_dir};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const ROLE_CONFIG: &str = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
    source_profile = base\nregion = eu-west-1\n";
const BASE_KEYS: &str = "[base]\naws_access_key_id = AKIABASEEXAMPLE\n\
    aws_secret_access_key = base-secret\n";

/// A child that prints its endpoint and token, then waits for `$STOP` (60 s at most).
pub const WAIT_FOR_STOP: &str = "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI \
    $AWS_CONTAINER_AUTHORIZATION_TOKEN\" > \"$OUT.tmp\"; mv \"$OUT.tmp\" \"$OUT\"; i=0; \
    while [ ! -e \"$STOP\" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done";

/// How a hostile client misbehaves.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// Connects and sends nothing.
    Idle,
    /// Sends one byte of a head that never ends every 90 ms.
    Trickle,
    /// Sends half a request line, then shuts its sending side.
    HalfOpen,
    /// Sends a head far larger than the server reads, as fast as it can.
    Oversized,
}

/// Keeps one connection of `kind` open to `addr` until `stop`, opening a new one whenever the
/// server closes it; counts the connections made.
fn hostile(addr: SocketAddr, kind: Hostile, stop: &AtomicBool, made: &AtomicUsize) {
    let closed = |s: &mut TcpStream| {
        let mut b = [0u8; 512];
        match s.read(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = TcpStream::connect(addr) else {
            thread::sleep(Duration::from_millis(20));
            continue;
        };
        made.fetch_add(1, Ordering::Relaxed);
        s.set_read_timeout(Some(Duration::from_millis(90))).unwrap();
        s.set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match kind {
            Hostile::Idle => while !stop.load(Ordering::Relaxed) && !closed(&mut s) {},
            Hostile::Trickle => {
                let head = b"GET /credentials HTTP/1.1\r\nX-Slow: ";
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let byte = head.get(i).copied().unwrap_or(b'a');
                    i += 1;
                    if s.write_all(&[byte]).is_err() || closed(&mut s) {
                        break;
                    }
                }
            }
            Hostile::HalfOpen => {
                let _ = s.write_all(b"GET /credentials HT");
                let _ = s.shutdown(std::net::Shutdown::Write);
                while !stop.load(Ordering::Relaxed) && !closed(&mut s) {}
            }
            Hostile::Oversized => {
                let _ = s.write_all(b"GET /credentials HTTP/1.1\r\nX-Big: ");
                let chunk = [b'a'; 4096];
                while !stop.load(Ordering::Relaxed) && s.write_all(&chunk).is_ok() {}
            }
        }
        // Not a busy loop of reconnections: the server is not the only process on the machine.
        thread::sleep(Duration::from_millis(20));
    }
}

/// A running `sts exec --server` whose child runs [`WAIT_FOR_STOP`]; dropped, it is stopped.
pub struct ExecServer {
    child: Option<std::process::Child>,
    /// The endpoint the child got.
    pub url: String,
    /// Its token.
    pub token: String,
    stop: std::path::PathBuf,
}

impl ExecServer {
    /// Starts `sts exec --profile PROFILE --server` (see [`sts`] for the environment).
    pub fn start(h: &std::path::Path, env: &[(&str, &str)], profile: &str) -> Self {
        let dir = temp_dir("server-out");
        let (out, stop) = (dir.join("endpoint"), dir.join("stop"));
        let (out_s, stop_s) = (
            out.to_string_lossy().into_owned(),
            stop.to_string_lossy().into_owned(),
        );
        let mut env = env.to_vec();
        env.extend([("OUT", out_s.as_str()), ("STOP", stop_s.as_str())]);
        let mut c = sts(
            h,
            &env,
            &[
                "exec",
                "--profile",
                profile,
                "--server",
                "--",
                "sh",
                "-c",
                WAIT_FOR_STOP,
            ],
        );
        c.stdin(std::process::Stdio::null());
        let child = c.spawn().unwrap();
        Self::waiting(child, &out, stop)
    }

    /// Waits (30 s at most) for `child`'s child to write its endpoint and token to `out`.
    pub fn waiting(
        mut child: std::process::Child,
        out: &std::path::Path,
        stop: std::path::PathBuf,
    ) -> Self {
        let t0 = Instant::now();
        let line = loop {
            if let Ok(text) = std::fs::read_to_string(out) {
                break text.lines().next().unwrap_or("").to_owned();
            }
            if t0.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!("the child never started");
            }
            thread::sleep(Duration::from_millis(20));
        };
        let (url, token) = line.split_once(' ').expect("url and token");
        Self {
            child: Some(child),
            url: url.to_owned(),
            token: token.to_owned(),
            stop,
        }
    }

    /// The endpoint's address.
    pub fn addr(&self) -> SocketAddr {
        self.url
            .strip_prefix("http://")
            .and_then(|r| r.split('/').next())
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Tells the child to end and waits for `sts` (10 s at most); its exit status.
    pub fn stop(mut self) -> i32 {
        let mut child = self.child.take().unwrap();
        std::fs::write(&self.stop, "").unwrap();
        let t0 = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if t0.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("sts exec did not end");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ExecServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = std::fs::write(&self.stop, "");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn fifty_hostile_connections_do_not_delay_the_child() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let h = home("server-hostile", ROLE_CONFIG, BASE_KEYS);
    let url = fake.url();
    let server = ExecServer::start(&h, &[("AWS_ENDPOINT_URL_STS", url.as_str())], "dev");
    let addr = server.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let kinds = [
        (Hostile::Idle, 15),
        (Hostile::Trickle, 15),
        (Hostile::HalfOpen, 10),
        (Hostile::Oversized, 10),
    ];
    let mut workers = Vec::new();
    let mut counters = Vec::new();
    for (kind, n) in kinds {
        let made = Arc::new(AtomicUsize::new(0));
        counters.push((kind, made.clone()));
        for _ in 0..n {
            let (stop, made) = (stop.clone(), made.clone());
            workers.push(thread::spawn(move || hostile(addr, kind, &stop, &made)));
        }
    }
    // Let every hostile client connect (and the trickling ones get going).
    thread::sleep(Duration::from_millis(500));
    let mut slowest = Duration::ZERO;
    for i in 0..100 {
        let t0 = Instant::now();
        let (status, body) = get_authorized(&server.url, &server.token, Duration::from_secs(10));
        let took = t0.elapsed();
        slowest = slowest.max(took);
        assert_eq!(status, 200, "request {i}: {body}");
        assert!(body.contains("\"AccessKeyId\":\"ASIAFAKE"), "request {i}");
        assert!(
            took < Duration::from_secs(1),
            "request {i} took {took:?} behind 50 hostile connections"
        );
    }
    // botocore's container provider (1 s timeout per attempt) too, when there is one.
    if let Some(py) = crate::server::python() {
        let script = "from botocore.credentials import ContainerProvider\n\
            c = ContainerProvider().load().get_frozen_credentials()\n\
            print(c.access_key)\n";
        let t0 = Instant::now();
        let o = std::process::Command::new(py)
            .args(["-c", script])
            .env_clear()
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &server.url)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &server.token)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && out.starts_with("ASIAFAKE"),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        eprintln!("botocore behind 50 hostile connections: {:?}", t0.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    for (kind, made) in &counters {
        assert!(made.load(Ordering::Relaxed) > 0, "{kind:?} never connected");
    }
    eprintln!("slowest of 100 authorized requests behind 50 hostile connections: {slowest:?}");
    assert_eq!(server.stop(), 0);
}
