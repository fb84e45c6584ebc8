//! Allocations per call: a counting global allocator (counting only on the measuring thread, so the
//! loopback server thread does not pollute the numbers) around signing, encoding, parsing, endpoint
//! resolution and full calls. Prints a table; exits 0. Not a criterion bench.
//!
//! `cargo bench --bench allocs` (criterion flags passed by `cargo bench -- ...` are ignored).
//! `ALLOC_TRACE=1 cargo bench --bench allocs` also prints the size of every allocation of one call.

#[path = "common/mod.rs"]
mod common;

use common::{
    AR_BODY, AR_XML, CONTENT_TYPE, ERROR_XML, GCI_XML, clients, every_member, start_server,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::hint::black_box;
use sts_blocking::__private::xml::decode_response;
use sts_blocking::endpoint::{EndpointParams, resolve};
use sts_blocking::ops::{AssumeRole, GetCallerIdentity, Operation};
use sts_blocking::sigv4::{SignableRequest, SigningKeyCache, SigningParams, presign, sign};
use time::OffsetDateTime;

const TRACE_SLOTS: usize = 1024;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static REALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
    static TRACE: RefCell<([usize; TRACE_SLOTS], usize)> = const { RefCell::new(([0; TRACE_SLOTS], 0)) };
}

struct Counting;

fn record(size: usize, realloc: bool) {
    let _ = ON.try_with(|on| {
        if on.get() {
            if realloc {
                REALLOCS.with(|c| c.set(c.get() + 1));
            } else {
                ALLOCS.with(|c| c.set(c.get() + 1));
            }
            BYTES.with(|c| c.set(c.get() + size as u64));
            TRACE.with(|t| {
                if let Ok(mut t) = t.try_borrow_mut()
                    && t.1 < TRACE_SLOTS
                {
                    let i = t.1;
                    t.0[i] = if realloc { size | (1 << 62) } else { size };
                    t.1 += 1;
                }
            });
        }
    });
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), false);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), false);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size, true);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts (allocs, reallocs, bytes) per call over `n` calls of `f`, after one warm-up call.
fn count<R>(n: u64, mut f: impl FnMut() -> R) -> (f64, f64, f64) {
    black_box(f());
    let reset = |c: &'static std::thread::LocalKey<Cell<u64>>| c.with(|c| c.set(0));
    reset(&ALLOCS);
    reset(&REALLOCS);
    reset(&BYTES);
    ON.with(|on| on.set(true));
    for _ in 0..n {
        black_box(f());
    }
    ON.with(|on| on.set(false));
    let get = |c: &'static std::thread::LocalKey<Cell<u64>>| c.with(Cell::get) as f64 / n as f64;
    (get(&ALLOCS), get(&REALLOCS), get(&BYTES))
}

/// The sizes of every allocation of one call of `f` (after a warm-up call); `r` marks a realloc.
fn trace<R>(mut f: impl FnMut() -> R) -> String {
    black_box(f());
    TRACE.with(|t| t.borrow_mut().1 = 0);
    ON.with(|on| on.set(true));
    black_box(f());
    ON.with(|on| on.set(false));
    let (sizes, n) = TRACE.with(|t| *t.borrow());
    sizes[..n]
        .iter()
        .map(|&s| {
            if s & (1 << 62) != 0 {
                format!("r{}", s & !(1 << 62))
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

type Case<'a> = (&'static str, &'static str, Box<dyn FnMut() + 'a>);

fn main() {
    let t = OffsetDateTime::from_unix_timestamp(1_440_938_160).expect("time");
    let p = SigningParams::new(
        "ASIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
        "us-east-1",
        "sts",
        t,
    );
    let headers = [
        ("host", "sts.us-east-1.amazonaws.com"),
        ("content-type", CONTENT_TYPE),
    ];
    let req = SignableRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: AR_BODY,
    };
    let get_headers = [("host", "sts.us-east-1.amazonaws.com")];
    let get = SignableRequest {
        method: "GET",
        path: "/",
        query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &get_headers,
        body: b"",
    };
    let keys = SigningKeyCache::new();
    let full = every_member();
    let minimal = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "bench");

    let engine = common::engine();
    let creds = common::credentials();
    let now = sts_blocking::engine::Now::system();
    let addr = start_server();
    let url = format!("http://{addr}");
    let (sts, agent) = clients(&url);

    // (name, what the output itself needs, closure)
    let cases: Vec<Case<'_>> = vec![
        (
            "sign POST, cached key",
            "6 output strings",
            Box::new(|| {
                black_box(sign(&req, &p, &keys));
            }),
        ),
        (
            "sign POST, cold key",
            "6 output strings",
            Box::new(|| {
                black_box(sign(&req, &p, &SigningKeyCache::new()));
            }),
        ),
        (
            "presign GET, cached key",
            "5 output strings",
            Box::new(|| {
                black_box(presign(&get, &p, 900, &keys));
            }),
        ),
        (
            "encode GetCallerIdentity",
            "1 (body)",
            Box::new(|| {
                black_box(GetCallerIdentity::new().to_form().expect("ok"));
            }),
        ),
        (
            "encode AssumeRole (required members)",
            "1 (body)",
            Box::new(|| {
                black_box(minimal.to_form().expect("ok"));
            }),
        ),
        (
            "encode AssumeRole (every member)",
            "1 (body)",
            Box::new(|| {
                black_box(full.to_form().expect("ok"));
            }),
        ),
        (
            "parse GetCallerIdentityResponse",
            "4 strings",
            Box::new(|| {
                black_box(decode_response::<GetCallerIdentity>(200, GCI_XML, None).expect("ok"));
            }),
        ),
        (
            "parse AssumeRoleResponse",
            "7 strings",
            Box::new(|| {
                black_box(decode_response::<AssumeRole>(200, AR_XML, None).expect("ok"));
            }),
        ),
        (
            "parse ErrorResponse",
            "box + 2 strings",
            Box::new(|| {
                black_box(decode_response::<AssumeRole>(403, ERROR_XML, None).expect_err("err"));
            }),
        ),
        (
            "resolve endpoint",
            "2 strings",
            Box::new(|| {
                black_box(resolve(&EndpointParams::for_region("eu-west-1")).expect("ok"));
            }),
        ),
        (
            "engine: GetCallerIdentity, canned answer (no I/O)",
            "body + 4",
            Box::new(|| {
                black_box(common::engine_call(&engine, &creds, now));
            }),
        ),
        (
            "full call GetCallerIdentity (loopback)",
            "body + response + 4",
            Box::new(|| {
                black_box(sts.get_caller_identity().expect("ok"));
            }),
        ),
        (
            "full call AssumeRole (loopback)",
            "body + response + 7",
            Box::new(|| {
                black_box(sts.assume_role(&minimal).expect("ok"));
            }),
        ),
        (
            "floor: ureq POST + roxmltree (loopback)",
            "response + 1",
            Box::new(|| {
                let mut resp = agent
                    .post(&url)
                    .header("content-type", CONTENT_TYPE)
                    .send("Action=GetCallerIdentity&Version=2011-06-15")
                    .expect("post");
                let text = resp.body_mut().read_to_string().expect("body");
                let doc = roxmltree::Document::parse(&text).expect("xml");
                black_box(
                    doc.descendants()
                        .find(|n| n.has_tag_name("Arn"))
                        .and_then(|n| n.text())
                        .map(str::to_owned),
                );
            }),
        ),
    ];

    let tracing = std::env::var_os("ALLOC_TRACE").is_some();
    println!("| operation | allocs/call | reallocs/call | bytes/call | the output itself needs |");
    println!("| --- | ---: | ---: | ---: | --- |");
    let mut traces = Vec::new();
    for (name, needs, mut f) in cases {
        let (a, r, b) = count(200, &mut f);
        println!("| {name} | {a:.1} | {r:.1} | {b:.0} | {needs} |");
        if tracing {
            traces.push((name, trace(&mut f)));
        }
    }
    for (name, t) in traces {
        println!("\n{name}: {t}");
    }
}
