//! Shared by the benches: canned STS bodies, an AssumeRole with every member, and a std-only
//! keep-alive HTTP/1.1 server on 127.0.0.1.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use sts_blocking::ops::{AssumeRole, PolicyDescriptor, ProvidedContext, Tag};

pub const GCI_XML: &[u8] = include_bytes!("../fixtures/get-caller-identity.xml");
pub const AR_XML: &[u8] = include_bytes!("../fixtures/assume-role.xml");
pub const ERROR_XML: &[u8] = include_bytes!("../fixtures/error.xml");

pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
pub const AR_BODY: &[u8] = b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=bench";

/// A std-only HTTP/1.1 keep-alive server on 127.0.0.1: one thread per connection, answers every
/// request with 200 and the AssumeRole or GetCallerIdentity body (chosen from the form body).
pub fn start_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    addr
}

pub fn response(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nx-amzn-RequestId: bench\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let (gci, ar) = (response(GCI_XML), response(AR_XML));
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        let mut len = 0usize;
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" && !first {
                break;
            }
            first = false;
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        body.resize(len, 0);
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let reply = if body.starts_with(b"Action=AssumeRole&") {
            &ar
        } else {
            &gci
        };
        if writer.write_all(reply).is_err() {
            return;
        }
    }
}

pub fn every_member() -> AssumeRole {
    AssumeRole::new("arn:aws:iam::123456789012:role/demo", "build-42")
        .policy_arns(vec![
            PolicyDescriptor::new("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            PolicyDescriptor::new("arn:aws:iam::123456789012:policy/extra"),
        ])
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        .duration_seconds(3600)
        .tags(vec![Tag::new("Project", "Unicorn Rocket"), Tag::new("Team", "infra")])
        .transitive_tag_keys(vec!["Project".into()])
        .external_id("ext-1234")
        .serial_number("arn:aws:iam::123456789012:mfa/alice")
        .token_code("123456")
        .source_identity("alice")
        .provided_contexts(vec![ProvidedContext::new(
            "arn:aws:iam::aws:contextProvider/IdentityCenter",
            "c2lnbmVkLWNvbnRleHQtYXNzZXJ0aW9u",
        )])
        .minimum_session_token_size(2048)
}

/// The long-term test keys (AWS's documentation example) every bench signs with.
pub fn credentials() -> sts_blocking::Credentials {
    sts_blocking::Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
    )
}

/// The `Sts` client of the call benches (long-term test keys, `url` as endpoint) and a bare ureq
/// agent for the floor, both against the same server and neither through a proxy from the
/// environment.
pub fn clients(url: &str) -> (sts_blocking::Sts, ureq::Agent) {
    let sts = sts_blocking::Sts::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .proxy(sts_blocking::client::ProxySetting::Disabled)
        .credentials(credentials())
        .build()
        .expect("client");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    (sts, agent)
}

/// One GetCallerIdentity through the call engine alone, answered from memory: encode, sign,
/// decode and the call's bookkeeping, no I/O.
pub fn engine_call(
    engine: &sts_blocking::engine::Engine,
    credentials: &sts_blocking::Credentials,
    now: sts_blocking::engine::Now,
) -> sts_blocking::ops::GetCallerIdentityOutput {
    use sts_blocking::engine::{Call, Next, Response};
    let op = sts_blocking::ops::GetCallerIdentity::new();
    let mut call = Call::new(engine, &op, Some(credentials), now).expect("call");
    let headers = [("x-amzn-RequestId", "bench")];
    loop {
        match call.poll(now) {
            Next::Send(_) => call.on_response(Ok(Response::new(200, &headers, GCI_XML)), now),
            Next::Done(d) => return d.output,
            other => panic!("{other:?}"),
        }
    }
}

/// The engine of the engine benches: us-east-1, fixed seed.
pub fn engine() -> sts_blocking::engine::Engine {
    let endpoint = sts_blocking::endpoint::resolve(
        &sts_blocking::endpoint::EndpointParams::for_region("us-east-1"),
    )
    .expect("endpoint");
    sts_blocking::engine::Engine::builder(endpoint)
        .seed(1)
        .build(sts_blocking::engine::Now::system())
        .expect("engine")
}
