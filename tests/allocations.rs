//! The allocation budget of a call: a keep-alive GetCallerIdentity through `Sts` allocates at most
//! 10 more times than the floor — one bare ureq POST and a roxmltree parse into an owned string on
//! the same stack — measured side by side against one loopback server. Counts are exact (a
//! counting allocator on the measuring thread only), so this is a test, not a timing.
#![cfg(feature = "client")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use sts_blocking::client::ProxySetting;
use sts_blocking::{Credentials, Sts};

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

fn count() {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            ALLOCS.with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every call goes to the system allocator unchanged; this only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BODY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
    <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>\
    <UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
    <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\
    </ResponseMetadata></GetCallerIdentityResponse>";

/// A keep-alive HTTP/1.1 server on 127.0.0.1 answering every request with `BODY`.
fn server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    addr
}

fn serve(stream: TcpStream) {
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\nx-amzn-RequestId: r\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        let mut length = 0;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() || writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Allocations per call of `f`, over 50 calls after 3 warm-up calls.
fn per_call(mut f: impl FnMut()) -> u64 {
    for _ in 0..3 {
        f();
    }
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    for _ in 0..50 {
        f();
    }
    COUNTING.with(|on| on.set(false));
    ALLOCS.with(Cell::get) / 50
}

#[test]
fn a_call_allocates_at_most_ten_times_more_than_the_floor() {
    let url = format!("http://{}", server());
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(&url)
        .proxy(ProxySetting::Disabled)
        .credentials(Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .build()
        .unwrap();
    let ours = per_call(|| {
        let me = sts.get_caller_identity().unwrap();
        assert!(me.arn.is_some());
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let floor = per_call(|| {
        let mut response = agent
            .post(&url)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .send("Action=GetCallerIdentity&Version=2011-06-15")
            .unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let arn = doc
            .descendants()
            .find(|n| n.has_tag_name("Arn"))
            .and_then(|n| n.text())
            .map(str::to_owned);
        assert!(arn.is_some());
    });
    assert!(
        ours <= floor + 10,
        "ours {ours} per call, the floor {floor}"
    );
}
