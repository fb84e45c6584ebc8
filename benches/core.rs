//! Criterion benches of the hot paths: signing (cold and cached key), presigning, form encoding,
//! response parsing, endpoint resolution, and one full `Sts` call against an in-process keep-alive
//! loopback server (with a raw-TCP and a bare-ureq baseline on the same server, so that our own
//! per-call work can be read off as a difference), and the same call through the call engine alone
//! against a canned answer (`call/engine_get_caller_identity_no_io`: our whole per-call work).
//!
//! `cargo bench --bench core -- --warm-up-time 1 --measurement-time 3`

#[path = "common/mod.rs"]
mod common;

use common::{
    AR_BODY, AR_XML, CONTENT_TYPE, ERROR_XML, GCI_XML, clients, every_member, response,
    start_server,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;
use sts_blocking::__private::xml::{decode_error, decode_response};
use sts_blocking::endpoint::{EndpointParams, resolve};
use sts_blocking::ops::{AssumeRole, GetCallerIdentity, Operation};
use sts_blocking::sigv4::{SignableRequest, SigningKeyCache, SigningParams, presign, sign};
use time::OffsetDateTime;

const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKENFwoGZXIvYXdzEBYaDHjb0lWV7IWsVxqMkyLIAbL9EXAMPLE\
     8hYxcDXnbZbVBdJqJQbIH8wzOsiL1m7IfbQJFAmCl6ZqmEXAMPLEZ5gEXAMPLE0hlnkQYbQ35HQgNjq0Oc2mOyvSGh3vS";

fn params(time: OffsetDateTime) -> SigningParams<'static> {
    SigningParams::new(
        "ASIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Some(TOKEN),
        "us-east-1",
        "sts",
        time,
    )
}

fn bench_sigv4(c: &mut Criterion) {
    let t = OffsetDateTime::from_unix_timestamp(1_440_938_160).expect("time");
    let p = params(t);
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
    let mut g = c.benchmark_group("sigv4");
    g.bench_function("sign_post_cold_key", |b| {
        b.iter(|| {
            let keys = SigningKeyCache::new();
            sign(black_box(&req), black_box(&p), &keys)
        });
    });
    let keys = SigningKeyCache::new();
    let _ = sign(&req, &p, &keys);
    g.bench_function("sign_post_cached_key", |b| {
        b.iter(|| sign(black_box(&req), black_box(&p), &keys));
    });
    let get_headers = [("host", "sts.us-east-1.amazonaws.com")];
    let get = SignableRequest {
        method: "GET",
        path: "/",
        query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &get_headers,
        body: b"",
    };
    g.bench_function("presign_get_cached_key", |b| {
        b.iter(|| presign(black_box(&get), black_box(&p), 900, &keys));
    });
    g.finish();
}

fn bench_encode(c: &mut Criterion) {
    let op = every_member();
    c.bench_function("encode/assume_role_every_member", |b| {
        b.iter(|| black_box(&op).to_form().expect("valid"));
    });
}

fn bench_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.bench_function("assume_role", |b| {
        b.iter(|| decode_response::<AssumeRole>(200, black_box(AR_XML), None).expect("ok"));
    });
    g.bench_function("get_caller_identity", |b| {
        b.iter(|| decode_response::<GetCallerIdentity>(200, black_box(GCI_XML), None).expect("ok"));
    });
    g.bench_function("error", |b| {
        b.iter(|| decode_response::<AssumeRole>(403, black_box(ERROR_XML), None).expect_err("err"));
    });
    g.finish();
}

/// Hostile bodies at the 1 MiB body cap (issue 9): attribute and namespace bombs (rejected by
/// the pre-scan), and the costliest bodies that pass it.
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    const CAP: usize = 1024 * 1024 - 64;
    let fill = |head: &str, unit: &dyn Fn(usize) -> String, tail: &str| {
        let mut s = String::from(head);
        let mut i = 0;
        loop {
            let u = unit(i);
            if s.len() + u.len() + tail.len() > CAP {
                break;
            }
            s.push_str(&u);
            i += 1;
        }
        s.push_str(tail);
        s.into_bytes()
    };
    let ns: String = (0..32)
        .map(|i| format!(" xmlns:p{i}=\"urn:{i}\""))
        .collect();
    vec![
        (
            "attribute_bomb",
            fill("<ErrorResponse", &|i| format!(" a{i:x}=\"x\""), "/>"),
        ),
        (
            "xmlns_bomb",
            fill("<ErrorResponse", &|i| format!(" xmlns:p{i:x}=\"u\""), "/>"),
        ),
        // `=` everywhere but in tags: the fast count fails, the full scan and the parse both run.
        (
            "equals_in_text",
            fill(
                "<ErrorResponse><Error><Code>X</Code><Message>",
                &|_| "=".into(),
                "</Message></Error></ErrorResponse>",
            ),
        ),
        // The namespace limit, and elements up to the node limit, each resolving a prefix.
        (
            "max_namespaces_and_nodes",
            fill(
                &format!("<ErrorResponse{ns}>"),
                &|_| "<p31:a/>".into(),
                "<Error><Code>X</Code></Error></ErrorResponse>",
            ),
        ),
        // Nesting up to the node limit (the depth check runs after parsing).
        ("deep_nesting", fill("", &|_| "<p>".into(), "")),
        // The attribute limits used in full, then text with entity references.
        (
            "max_attributes_and_entities",
            fill(
                &format!(
                    "<ErrorResponse{ns}>{}<Error><Code>X</Code></Error><M>",
                    (0..7)
                        .map(|e| format!(
                            "<e{}/>",
                            (0..32)
                                .map(|i| format!(" a{e}x{i}=\"v\""))
                                .collect::<String>()
                        ))
                        .collect::<String>()
                ),
                &|_| "&amp;&#x41;".into(),
                "</M></ErrorResponse>",
            ),
        ),
    ]
}

fn bench_hostile(c: &mut Criterion) {
    let mut g = c.benchmark_group("hostile");
    for (name, body) in hostile_bodies() {
        assert!(body.len() <= 1024 * 1024, "{name}: {}", body.len());
        g.bench_function(name, |b| {
            b.iter(|| decode_error(500, black_box(&body), None, None));
        });
    }
    g.finish();
}

fn bench_endpoint(c: &mut Criterion) {
    let mut g = c.benchmark_group("endpoint");
    g.bench_function("resolve_regional", |b| {
        b.iter(|| resolve(black_box(&EndpointParams::for_region("eu-west-1"))).expect("ok"));
    });
    g.bench_function("resolve_fips_dualstack", |b| {
        let p = EndpointParams::for_region("us-gov-west-1")
            .use_fips(true)
            .use_dual_stack(true);
        b.iter(|| resolve(black_box(&p)).expect("ok"));
    });
    g.finish();
}

fn bench_call(c: &mut Criterion) {
    let addr = start_server();
    let url = format!("http://{addr}");
    let (sts, agent) = clients(&url);
    // The floor with the timeouts our transport sets: ureq then resolves the host on a new thread for
    // every request (pooled connection or not), which is what `sts_*` pays per call.
    let timed: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_resolve(Some(std::time::Duration::from_millis(3100)))
        .timeout_global(Some(std::time::Duration::from_secs(20)))
        .build()
        .into();
    let mut raw = TcpStream::connect(addr).expect("connect");
    raw.set_nodelay(true).expect("nodelay");
    let raw_req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: 43\r\n\r\nAction=GetCallerIdentity&Version=2011-06-15"
    );
    let expected = response(GCI_XML).len();
    let mut buf = vec![0u8; expected];

    let mut g = c.benchmark_group("call");
    g.bench_function("raw_tcp_roundtrip", |b| {
        b.iter(|| {
            raw.write_all(raw_req.as_bytes()).expect("write");
            raw.read_exact(&mut buf).expect("read");
        });
    });
    g.bench_function("ureq_post_roxmltree_floor", |b| {
        b.iter(|| {
            let mut resp = agent
                .post(&url)
                .header("content-type", CONTENT_TYPE)
                .send("Action=GetCallerIdentity&Version=2011-06-15")
                .expect("post");
            let text = resp.body_mut().read_to_string().expect("body");
            let doc = roxmltree::Document::parse(&text).expect("xml");
            doc.descendants()
                .find(|n| n.has_tag_name("Arn"))
                .and_then(|n| n.text())
                .map(str::to_owned)
        });
    });
    g.bench_function("ureq_post_roxmltree_floor_with_timeouts", |b| {
        b.iter(|| {
            let mut resp = timed
                .post(&url)
                .header("content-type", CONTENT_TYPE)
                .send("Action=GetCallerIdentity&Version=2011-06-15")
                .expect("post");
            resp.body_mut().read_to_string().expect("body")
        });
    });
    g.bench_function("sts_get_caller_identity", |b| {
        b.iter(|| sts.get_caller_identity().expect("call"));
    });
    // Everything `sts_get_caller_identity` does besides I/O: the call engine against a canned answer.
    let engine = common::engine();
    let creds = common::credentials();
    let now = sts_blocking::engine::Now::system();
    g.bench_function("engine_get_caller_identity_no_io", |b| {
        b.iter(|| common::engine_call(&engine, &creds, now));
    });
    let op = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "bench");
    g.bench_function("sts_assume_role", |b| {
        b.iter(|| sts.assume_role(&op).expect("call"));
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_sigv4,
    bench_encode,
    bench_parse,
    bench_hostile,
    bench_endpoint,
    bench_call
);
criterion_main!(benches);
