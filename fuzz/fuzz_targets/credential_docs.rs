//! The JSON documents credential sources answer with, through the code that turns them into
//! `Credentials` (SSO GetRoleCredentials, container, IMDS, `credential_process` output) and then
//! through `CachedProvider`'s refresh-window arithmetic at ordinary and extreme clocks and settings:
//! never a panic, whatever the expiration (the hardening issue's year -9999 panicked there).
//!
//! Input: byte 0 picks the parser (and a clock offset); the rest is the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sts_blocking::__private::credentials::container::parse_credentials_doc;
use sts_blocking::__private::credentials::process::parse_process_output;
use sts_blocking::__private::credentials::sso::parse_role_credentials;
use sts_blocking::credentials::CachedProvider;
use sts_blocking::{Credentials, Error, ProvideCredentials};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Clocks to run the cache at: ordinary, around the expiration, and the ends of time.
fn clocks(c: &Credentials, pick: u8) -> Vec<OffsetDateTime> {
    let min = PrimitiveDateTime::new(Date::MIN, Time::MIDNIGHT);
    let max = PrimitiveDateTime::new(Date::MAX, Time::from_hms(23, 59, 59).unwrap());
    let east = UtcOffset::from_hms(23, 59, 59).unwrap();
    let west = UtcOffset::from_hms(-23, -59, -59).unwrap();
    let mut out = vec![
        OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1_700_000_000),
        min.assume_utc(),
        max.assume_utc(),
        min.assume_offset(east),
        max.assume_offset(west),
    ];
    if let Some(exp) = c.expiration {
        let step = time::Duration::seconds(i64::from(pick) * 37);
        out.extend(
            [exp.checked_sub(step), Some(exp), exp.checked_add(step)]
                .into_iter()
                .flatten(),
        );
    }
    out
}

fn through_the_cache(c: &Credentials, pick: u8) {
    for start in clocks(c, pick) {
        let now = Arc::new(Mutex::new(start));
        let clock = now.clone();
        let base = CachedProvider::new(Arc::new(c.clone()))
            .clock(Arc::new(move || *clock.lock().unwrap()));
        let extreme = CachedProvider::new(Arc::new(c.clone()))
            .clock({
                let now = now.clone();
                Arc::new(move || *now.lock().unwrap())
            })
            .advisory_window(Duration::MAX)
            .mandatory_window(Duration::MAX)
            .backoff(Duration::MAX, Duration::MAX)
            .error_ttl(Duration::MAX);
        for cache in [base, extreme] {
            for at in clocks(c, pick) {
                *now.lock().unwrap() = at;
                let got = cache
                    .provide_credentials()
                    .expect("a static source never fails");
                assert_eq!(got.access_key_id, c.access_key_id);
                assert_eq!(got.expiration, c.expiration);
                let _ = got.is_expired_at(at);
            }
            cache.invalidate();
            let _ = cache.provide_credentials();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let result: Result<Credentials, Error> = match pick % 4 {
        0 => match std::str::from_utf8(rest) {
            Ok(text) => parse_role_credentials(text, "123456789012"),
            Err(_) => return,
        },
        1 => match std::str::from_utf8(rest) {
            Ok(text) => parse_credentials_doc("container", text),
            Err(_) => return,
        },
        2 => match std::str::from_utf8(rest) {
            Ok(text) => parse_credentials_doc("imds", text),
            Err(_) => return,
        },
        _ => parse_process_output("credential_process", rest, Some("123456789012")),
    };
    match result {
        Ok(c) => {
            assert!(!c.access_key_id.is_empty());
            let _ = format!("{c:?}");
            through_the_cache(&c, pick);
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(
                matches!(e, Error::Credentials(_)),
                "unexpected error kind: {e:?}"
            );
        }
    }
});
