//! Fault injection against the loopback fake server. Each case asserts the error variant, how many
//! attempts the server saw and that the total time stayed within the configured bounds.
#![cfg(feature = "client")]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use sts_blocking::error::{Error, ErrorCode, TimeoutPhase, TransportErrorKind};
use sts_blocking::retry::RetryConfig;
use sts_blocking::{Credentials, Sts, StsBuilder};
use support::{FakeSts, Reply, caller_identity, error_body, success};

/// Fast retries: 1 ms backoff base, 3 attempts, 2 s per attempt, 10 s in all.
fn fast(url: &str) -> StsBuilder {
    Sts::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "s", None))
        .retry_config(
            RetryConfig::standard()
                .base_backoff(Duration::from_millis(1))
                .throttling_backoff(Duration::from_millis(1)),
        )
        .attempt_timeout(Duration::from_secs(2))
        .total_timeout(Duration::from_secs(10))
}

/// Runs GetCallerIdentity and returns the error, the attempts the client made and the time taken.
fn fail(b: StsBuilder) -> (Error, u32, Duration) {
    let attempts = Arc::new(AtomicU32::new(0));
    let seen = attempts.clone();
    let sts = b
        .on_attempt(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let t = Instant::now();
    let err = sts.get_caller_identity().unwrap_err();
    (err, attempts.load(Ordering::SeqCst), t.elapsed())
}

#[test]
fn connection_refused_is_retried_then_typed() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: nothing listens there now
    let (err, attempts, took) = fail(fast(&format!("http://127.0.0.1:{port}")));
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(attempts, 3);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn reset_after_headers_is_retried() {
    let fake = FakeSts::start(Reply::ResetAfterHeaders { len: 500 });
    let (err, attempts, took) = fail(fast(&fake.url()));
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::ConnectionClosed,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!((attempts, fake.count()), (3, 3));
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn server_errors_500_502_503_504_are_retried() {
    for status in [500u16, 502, 503, 504] {
        let fake = FakeSts::start(Reply::xml(
            status,
            "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>\
             <Message>boom</Message></Error><RequestId>r</RequestId></ErrorResponse>",
        ));
        let (err, attempts, took) = fail(fast(&fake.url()));
        let s = err
            .service_error()
            .unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!((s.status, &s.code), (status, &ErrorCode::InternalFailure));
        assert_eq!((attempts, fake.count()), (3, 3), "{status}");
        assert!(took < Duration::from_secs(3), "{status}: {took:?}");
    }
}

#[test]
fn throttling_body_is_retried_then_returned() {
    let fake = FakeSts::start(Reply::xml(400, error_body("Throttling", "Rate exceeded")));
    let (err, attempts, _) = fail(fast(&fake.url()));
    assert!(err.is_throttling());
    assert_eq!(err.code(), Some("Throttling"));
    assert_eq!((attempts, fake.count()), (3, 3));
}

#[test]
fn empty_503_is_an_invalid_response_after_retries() {
    let fake = FakeSts::start(Reply::xml(503, ""));
    let (err, attempts, _) = fail(fast(&fake.url()));
    assert!(
        matches!(err, Error::InvalidResponse { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!((attempts, fake.count()), (3, 3));
}

#[test]
fn headers_that_never_come_hit_the_attempt_timeout() {
    let fake = FakeSts::start(Reply::Hang);
    let (err, attempts, took) = fail(
        fast(&fake.url())
            .attempt_timeout(Duration::from_millis(300))
            .max_attempts(2),
    );
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!((attempts, fake.count()), (2, 2));
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[test]
fn total_timeout_bounds_the_whole_call() {
    let fake = FakeSts::start(Reply::Hang);
    let (err, attempts, took) = fail(
        fast(&fake.url())
            .attempt_timeout(Duration::from_millis(400))
            .total_timeout(Duration::from_millis(700))
            .max_attempts(5),
    );
    // The second attempt gets only what is left of the 700 ms.
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(attempts, 2);
    assert!(took < Duration::from_millis(1200), "{took:?}");
}

#[test]
fn trickled_body_past_the_deadline_times_out() {
    let body = success("GetCallerIdentity", &"<UserId>x</UserId>".repeat(100));
    let fake = FakeSts::start(Reply::Trickle {
        body: body.into_bytes(),
        every: Duration::from_millis(20),
    });
    let (err, attempts, took) = fail(
        fast(&fake.url())
            .attempt_timeout(Duration::from_millis(500))
            .max_attempts(1),
    );
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(attempts, 1);
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn truncated_body_is_retried() {
    let mut raw =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 400\r\n\r\n".to_vec();
    raw.extend_from_slice(
        b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x",
    );
    let fake = FakeSts::start(Reply::Raw(raw));
    let (err, attempts, _) = fail(fast(&fake.url()));
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportErrorKind::ConnectionClosed,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!((attempts, fake.count()), (3, 3));
}

#[test]
fn html_200_is_not_retried() {
    let fake = FakeSts::start(Reply::xml(
        200,
        "<html><body>Welcome to nginx!</body></html>",
    ));
    let (err, attempts, _) = fail(fast(&fake.url()));
    match err {
        Error::InvalidResponse { status, reason, .. } => {
            assert_eq!(status, 200);
            assert!(
                reason.contains("expected <GetCallerIdentityResponse>"),
                "{reason}"
            );
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(attempts, 1);
}

#[test]
fn another_operations_xml_is_rejected() {
    let fake = FakeSts::start(Reply::xml(
        200,
        success("GetSessionToken", support::CREDS_XML),
    ));
    let (err, attempts, _) = fail(fast(&fake.url()));
    match err {
        Error::InvalidResponse {
            reason, snippet, ..
        } => {
            assert!(reason.contains("got <GetSessionTokenResponse>"), "{reason}");
            // A credentials body never leaks into the error.
            assert!(!snippet.contains("fake-secret-key"));
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(attempts, 1);
}

#[test]
fn ten_megabyte_body_is_capped() {
    let big = format!(
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>{}</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>",
        "a".repeat(10 * 1024 * 1024)
    );
    let fake = FakeSts::start(Reply::xml(200, big));
    let (err, attempts, _) = fail(fast(&fake.url()));
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(attempts, 1);
}

#[test]
fn redirect_is_not_followed() {
    let fake = FakeSts::start(Reply::xml(302, "").with_header("Location", "https://evil.example/"));
    let (err, attempts, _) = fail(fast(&fake.url()));
    assert!(
        matches!(err, Error::Redirect { status: 302, .. }),
        "{err:?}"
    );
    assert_eq!((attempts, fake.count()), (1, 1));
}

#[test]
fn skewed_date_is_corrected_and_retried_once() {
    let ahead = time::OffsetDateTime::now_utc() + time::Duration::minutes(10);
    let fake = FakeSts::start(caller_identity());
    fake.push([
        Reply::xml(403, error_body("RequestTimeTooSkewed", "too skewed"))
            .with_header("Date", &support::http_date(ahead)),
    ]);
    let sts = fast(&fake.url()).build().unwrap();
    sts.get_caller_identity().unwrap();
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    let offset = sts.clock_offset_millis();
    assert!((590_000..=610_000).contains(&offset), "offset {offset}");
    // Compared in seconds, not by minute prefix: `ahead` near a minute boundary made that flaky (the
    // Date header drops the sub-second part, so the corrected clock may sit in the minute before).
    let first = reqs[0].header("x-amz-date").unwrap();
    let second = reqs[1].header("x-amz-date").unwrap();
    let secs = |amz: &str| {
        let n = |r: std::ops::Range<usize>| amz[r].parse::<u8>().unwrap();
        let month = time::Month::try_from(n(4..6)).unwrap();
        time::Date::from_calendar_date(amz[0..4].parse().unwrap(), month, n(6..8))
            .unwrap()
            .with_hms(n(9..11), n(11..13), n(13..15))
            .unwrap()
            .assume_utc()
            .unix_timestamp()
    };
    let expected = ahead.unix_timestamp();
    assert!((secs(first) - expected).abs() >= 590, "{first} vs {ahead}");
    assert!((secs(second) - expected).abs() <= 5, "{second} vs {ahead}");
    // The correction sticks: the next call is signed with the server's clock at once.
    sts.get_caller_identity().unwrap();
    assert_eq!(fake.count(), 3);
}

#[test]
fn skew_error_without_a_skewed_date_is_not_retried() {
    let fake = FakeSts::start(Reply::xml(403, error_body("SignatureDoesNotMatch", "bad")));
    let (err, attempts, _) = fail(fast(&fake.url()));
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(attempts, 1);
}

#[test]
fn token_bucket_drains_in_a_storm_and_refills_on_success() {
    let fake = FakeSts::start(Reply::xml(500, ""));
    let sts = fast(&fake.url()).build().unwrap();
    assert_eq!(sts.retry_tokens(), 500);
    // Each failing call retries twice at 10 tokens: 25 calls drain the 500 tokens.
    for _ in 0..25 {
        assert!(sts.get_caller_identity().is_err());
    }
    assert_eq!(sts.retry_tokens(), 0);
    assert_eq!(fake.count(), 75);
    // With the bucket empty, a failing call is tried once.
    assert!(sts.get_caller_identity().is_err());
    assert_eq!(fake.count(), 76);
    // Successes refund one token each.
    fake.set_fallback(caller_identity());
    for _ in 0..10 {
        sts.get_caller_identity().unwrap();
    }
    assert_eq!(sts.retry_tokens(), 10);
    // Clones share the bucket.
    let clone = sts.clone();
    clone.get_caller_identity().unwrap();
    assert_eq!(sts.retry_tokens(), 11);
}

#[test]
fn adaptive_mode_slows_down_after_throttling() {
    use sts_blocking::retry::RetryMode;
    let fake = FakeSts::start(caller_identity());
    let sts = fast(&fake.url())
        .retry_mode(RetryMode::Adaptive)
        .max_attempts(1)
        .build()
        .unwrap();
    assert!(sts.user_agent().contains("cfg/retry-mode#adaptive"));
    // Unthrottled: calls go out at full speed.
    let t = Instant::now();
    for _ in 0..20 {
        sts.get_caller_identity().unwrap();
    }
    let free = t.elapsed();
    // A throttling error engages the limiter; the next calls are paced.
    fake.push([Reply::xml(400, error_body("Throttling", "slow down"))]);
    assert!(sts.get_caller_identity().unwrap_err().is_throttling());
    let t = Instant::now();
    for _ in 0..5 {
        sts.get_caller_identity().unwrap();
    }
    let paced = t.elapsed();
    assert!(
        paced > free && paced >= Duration::from_millis(100),
        "free {free:?} for 20 calls, paced {paced:?} for 5"
    );
}

#[test]
fn retry_after_hint_is_honoured_in_the_2026_profile() {
    let fake = FakeSts::start(caller_identity());
    fake.push([Reply::xml(400, error_body("Throttling", "slow down"))
        .with_header("x-amz-retry-after", "400")]);
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new("AKIDEXAMPLE", "s", None))
        .retry_config(RetryConfig::v2026().throttling_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let t = Instant::now();
    sts.get_caller_identity().unwrap();
    let took = t.elapsed();
    assert_eq!(fake.count(), 2);
    // The 400 ms hint lies inside [backoff, backoff + 5 s], so it is used as is.
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(2),
        "{took:?}"
    );
}
