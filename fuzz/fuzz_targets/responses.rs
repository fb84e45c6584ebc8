//! Every operation's response decoder on arbitrary bodies: `xml::decode_response::<Op>` must never
//! panic, must only succeed for 2xx, and must fail only with `Service` or `InvalidResponse`.
//!
//! Input: the first byte picks the operation (low nibble mod 12; 12..=15 also pass an
//! `x-amzn-RequestId` header) and the status (high nibble, from `STATUSES`); the rest is the body.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use sts_blocking::__private::xml::decode_response;
use sts_blocking::ops::{
    AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, AssumeRoot,
    DecodeAuthorizationMessage, GetAccessKeyInfo, GetCallerIdentity, GetDelegatedAccessToken,
    GetFederationToken, GetScopedCredentials, GetSessionToken, GetWebIdentityToken, Operation,
};

const STATUSES: [u16; 16] = [
    200, 200, 200, 200, 200, 200, 200, 200, 201, 299, 300, 400, 403, 404, 500, 503,
];

fn run<O: Operation>(status: u16, body: &[u8], header: Option<&str>)
where
    O::Output: std::fmt::Debug,
{
    match decode_response::<O>(status, body, header) {
        Ok(d) => {
            assert!((200..300).contains(&status), "Ok for HTTP {status}");
            let _ = format!("{:?}", d.output);
            if d.request_id.is_none() {
                assert!(header.is_none(), "the header request id is the fallback");
            }
        }
        Err(e) => common::check_error(&e, status),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(first >> 4)];
    let header = (first & 0x0f >= 12).then_some("hdr-request-id");
    match (first & 0x0f) % 12 {
        0 => run::<AssumeRole>(status, body, header),
        1 => run::<AssumeRoleWithSaml>(status, body, header),
        2 => run::<AssumeRoleWithWebIdentity>(status, body, header),
        3 => run::<AssumeRoot>(status, body, header),
        4 => run::<DecodeAuthorizationMessage>(status, body, header),
        5 => run::<GetAccessKeyInfo>(status, body, header),
        6 => run::<GetCallerIdentity>(status, body, header),
        7 => run::<GetDelegatedAccessToken>(status, body, header),
        8 => run::<GetFederationToken>(status, body, header),
        9 => run::<GetScopedCredentials>(status, body, header),
        10 => run::<GetSessionToken>(status, body, header),
        _ => run::<GetWebIdentityToken>(status, body, header),
    }
});
