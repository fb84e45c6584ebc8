//! `xml::decode_error(status, body, header_request_id, operation)` on arbitrary input: never panics,
//! always returns `Service` or `InvalidResponse` carrying the status, and keeps secrets out of snippets.
//!
//! Input: bytes 0-1 the status (big-endian u16), byte 2 picks the header request id and the operation,
//! the rest is the body.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use sts_blocking::__private::xml::decode_error;
use sts_blocking::Error;

const OPS: [Option<&str>; 4] = [
    None,
    Some("AssumeRole"),
    Some("GetCallerIdentity"),
    Some(""),
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let header = match data[2] & 3 {
        0 => None,
        1 => Some("hdr-request-id"),
        2 => Some(""),
        _ => Some(" \u{1F980} "),
    };
    let operation = OPS[usize::from((data[2] >> 2) & 3)];
    let body = &data[3..];
    let e = decode_error(status, body, header, operation);
    common::check_error(&e, status);
    match &e {
        Error::Service(se) => {
            assert_eq!(se.operation, operation);
            assert!(
                !body.iter().all(u8::is_ascii_whitespace),
                "a blank body is never a service error"
            );
            if se.request_id.is_none() {
                assert!(header.is_none());
            }
            // The code round-trips through its wire form.
            let code = se.code.as_str().to_owned();
            assert_eq!(sts_blocking::ErrorCode::from_wire(&code).as_str(), code);
        }
        Error::InvalidResponse { .. } => {}
        other => panic!("unexpected {other:?}"),
    }
});
