//! Every path of a call's life, without sockets or sleeps: a fake clock advanced by hand and
//! canned responses.

use super::*;
use crate::credentials::Credentials;
use crate::endpoint::{EndpointParams, for_client, resolve};
use crate::error::{TimeoutPhase, TransportErrorKind};
use crate::ops::Decoded;
use crate::ops::{
    AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity, GetCallerIdentityOutput,
    GetWebIdentityToken, Operation,
};
use std::collections::VecDeque;
use std::sync::Mutex;

const GCI_OK: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
    <Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId>\
    <Account>123456789012</Account></GetCallerIdentityResult>\
    <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

/// 2023-11-14T22:13:20Z.
fn start() -> Now {
    Now::new(
        Instant::now(),
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    )
}

fn region(r: &str) -> ResolvedEndpoint {
    resolve(&EndpointParams::for_region(r)).unwrap()
}

/// An engine for us-east-1 with a fixed seed, `tune` applied.
fn engine(tune: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Engine {
    tune(Engine::builder(region("us-east-1")).seed(42))
        .build(start())
        .unwrap()
}

fn creds() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "secret", None)
}

fn error_body(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>\
         </Error><RequestId>err-req</RequestId></ErrorResponse>"
    )
}

/// A canned outcome of one attempt.
enum Canned {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    Fail(Error),
}

fn reply(status: u16, body: impl Into<String>) -> Canned {
    Canned::Reply {
        status,
        headers: Vec::new(),
        body: body.into(),
    }
}

fn reply_with(status: u16, body: impl Into<String>, headers: &[(&str, &str)]) -> Canned {
    Canned::Reply {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.into(),
    }
}

fn transport(kind: TransportErrorKind) -> Canned {
    Canned::Fail(Error::Transport {
        kind,
        message: "canned".into(),
    })
}

/// What the driver saw.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    /// A request: its `amz-sdk-request`, `x-amz-date`, timeout and time since the call started.
    Send {
        attempt: String,
        date: Option<String>,
        timeout: Duration,
        at: Duration,
    },
    Wait(Duration),
}

/// A request as sent: URL, headers, body.
type Sent = (String, Vec<(String, String)>, String);

struct Trace<T> {
    events: Vec<Event>,
    requests: Vec<Sent>,
    result: Result<T, Error>,
    end: Now,
}

impl<T> Trace<T> {
    fn sends(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Send { .. }))
            .count()
    }

    fn waits(&self) -> Vec<Duration> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Wait(d) => Some(*d),
                Event::Send { .. } => None,
            })
            .collect()
    }

    fn header(&self, request: usize, name: &str) -> Option<&str> {
        self.requests[request]
            .1
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn err(self) -> Error {
        match self.result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        }
    }
}

/// Drives a call from `now`: each response arrives `latency` after its request, each wait is slept
/// exactly.
fn drive<O: Operation>(
    engine: &Engine,
    op: &O,
    credentials: Option<&Credentials>,
    now: Now,
    latency: Duration,
    replies: Vec<Canned>,
) -> Trace<Decoded<O::Output>> {
    let began = now;
    let mut now = now;
    let mut replies = VecDeque::from(replies);
    let mut trace = Trace {
        events: Vec::new(),
        requests: Vec::new(),
        result: Err(Error::config("not run")),
        end: now,
    };
    let mut call = match Call::new(engine, op, credentials, now) {
        Ok(c) => c,
        Err(e) => {
            trace.result = Err(e);
            return trace;
        }
    };
    loop {
        match call.poll(now) {
            Next::Send(req) => {
                trace.events.push(Event::Send {
                    attempt: req.header("amz-sdk-request").unwrap().to_owned(),
                    date: req.header("x-amz-date").map(str::to_owned),
                    timeout: req.timeout(),
                    at: now.instant() - began.instant(),
                });
                trace.requests.push((
                    req.url().to_owned(),
                    req.headers()
                        .iter()
                        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                        .collect(),
                    String::from_utf8(req.body().to_vec()).unwrap(),
                ));
                now = now.after(latency);
                match replies.pop_front().expect("a canned reply per request") {
                    Canned::Reply {
                        status,
                        headers,
                        body,
                    } => {
                        let pairs: Vec<(&str, &str)> = headers
                            .iter()
                            .map(|(k, v)| (k.as_str(), v.as_str()))
                            .collect();
                        call.on_response(Ok(Response::new(status, &pairs, body.as_bytes())), now);
                    }
                    Canned::Fail(e) => call.on_response(Err(e), now),
                }
            }
            Next::Wait(d) => {
                trace.events.push(Event::Wait(d));
                now = now.after(d);
            }
            Next::Done(out) => {
                trace.result = Ok(out);
                break;
            }
            Next::Failed(e) => {
                trace.result = Err(e);
                break;
            }
        }
    }
    assert!(replies.is_empty(), "{} canned replies left", replies.len());
    trace.end = now;
    trace
}

fn gci(
    engine: &Engine,
    latency: Duration,
    replies: Vec<Canned>,
) -> Trace<Decoded<GetCallerIdentityOutput>> {
    gci_at(engine, start(), latency, replies)
}

/// A signed GetCallerIdentity started at `now`.
fn gci_at(
    engine: &Engine,
    now: Now,
    latency: Duration,
    replies: Vec<Canned>,
) -> Trace<Decoded<GetCallerIdentityOutput>> {
    drive(
        engine,
        &GetCallerIdentity,
        Some(&creds()),
        now,
        latency,
        replies,
    )
}

const MS: Duration = Duration::from_millis(1);

fn send(attempt: &str, timeout: Duration, at: Duration) -> Event {
    Event::Send {
        attempt: attempt.into(),
        date: None,
        timeout,
        at,
    }
}

/// The events with the dates left out.
fn undated(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .map(|e| match e {
            Event::Send {
                attempt,
                timeout,
                at,
                ..
            } => send(attempt, *timeout, *at),
            other => other.clone(),
        })
        .collect()
}

#[test]
fn success_is_one_signed_request_then_done() {
    let e = engine(|b| b);
    let t = gci(&e, 5 * MS, vec![reply(200, GCI_OK)]);
    assert_eq!(
        t.events,
        vec![Event::Send {
            attempt: "attempt=1; max=3".into(),
            date: Some("20231114T221320Z".into()),
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
            at: Duration::ZERO,
        }]
    );
    let (url, headers, body) = &t.requests[0];
    assert_eq!(url, "https://sts.us-east-1.amazonaws.com/");
    assert_eq!(body, "Action=GetCallerIdentity&Version=2011-06-15");
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "x-amz-date",
            "authorization",
            "amz-sdk-invocation-id",
            "amz-sdk-request",
            "user-agent"
        ]
    );
    let auth = t.header(0, "authorization").unwrap();
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/sts/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature="
        ),
        "{auth}"
    );
    assert!(
        t.header(0, "user-agent")
            .unwrap()
            .starts_with("sts-blocking/")
    );
    let d = t.result.as_ref().unwrap();
    assert_eq!(
        d.output.arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/alice")
    );
    assert_eq!(d.request_id.as_deref(), Some("req-1"));
    // A success without retries refunds into a full bucket: nothing changes.
    assert_eq!(e.retry_tokens(), 500);
}

#[test]
fn the_signature_is_sigv4_of_the_request_sent() {
    let e = engine(|b| b);
    let t = gci(&e, MS, vec![reply(200, GCI_OK)]);
    let (url, headers, body) = &t.requests[0];
    let keys = crate::sigv4::SigningKeyCache::new();
    let c = creds();
    let time = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let params = crate::sigv4::SigningParams::from_credentials(&c, "us-east-1", "sts", time);
    let signed = crate::sigv4::sign(
        &crate::sigv4::SignableRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &[
                ("host", "sts.us-east-1.amazonaws.com"),
                ("content-type", call::CONTENT_TYPE),
            ],
            body: body.as_bytes(),
        },
        &params,
        &keys,
    );
    assert_eq!(url, "https://sts.us-east-1.amazonaws.com/");
    let sent = headers.iter().find(|(n, _)| n == "authorization").unwrap();
    assert_eq!(sent.1, signed.authorization);
}

#[test]
fn session_token_is_sent_and_redacted_in_the_attempt_record() {
    let records = Arc::new(Mutex::new(Vec::new()));
    let seen = records.clone();
    let e = engine(|b| b.on_attempt(move |r| seen.lock().unwrap().push(r.clone())));
    let c = Credentials::new("ASIAEXAMPLE", "secret", Some("the-session-token".into()));
    let t = drive(
        &e,
        &GetCallerIdentity,
        Some(&c),
        start(),
        MS,
        vec![reply(200, GCI_OK)],
    );
    assert_eq!(
        t.header(0, "x-amz-security-token"),
        Some("the-session-token")
    );
    assert!(
        t.header(0, "authorization")
            .unwrap()
            .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token")
    );
    let records = records.lock().unwrap();
    assert_eq!(records.len(), 1);
    let creq = &records[0].canonical_request;
    assert!(
        creq.contains("x-amz-security-token:** redacted **"),
        "{creq}"
    );
    assert!(!creq.contains("the-session-token"), "{creq}");
    assert!(
        records[0]
            .string_to_sign
            .starts_with("AWS4-HMAC-SHA256\n20231114T221320Z\n")
    );
}

#[test]
fn unsigned_operation_needs_no_credentials_and_carries_no_signature() {
    let e = engine(|b| b);
    let op =
        AssumeRoleWithWebIdentity::new("arn:aws:iam::123456789012:role/r", "sess", "jwt-token");
    let t = drive(
        &e,
        &op,
        None,
        start(),
        MS,
        vec![reply(403, error_body("AccessDenied", "no"))],
    );
    assert_eq!(t.header(0, "authorization"), None);
    assert_eq!(t.header(0, "x-amz-date"), None);
    assert!(t.requests[0].2.contains("WebIdentityToken=jwt-token"));
    assert_eq!(t.err().code(), Some("AccessDenied"));
}

#[test]
fn signed_operation_without_credentials_fails_before_sending() {
    let e = engine(|b| b);
    let t = drive(&e, &GetCallerIdentity, None, start(), MS, vec![]);
    assert_eq!(t.sends(), 0);
    assert!(matches!(t.err(), Error::Credentials(_)));
}

#[test]
fn invalid_input_fails_before_sending() {
    let e = engine(|b| b);
    let op = AssumeRole::new("arn:aws:iam::123456789012:role/r", "x");
    let t = drive(&e, &op, Some(&creds()), start(), MS, vec![]);
    assert_eq!(t.sends(), 0);
    let e = t.err();
    assert_eq!(e.violations()[0].field, "RoleSessionName", "{e:?}");
}

#[test]
fn server_errors_are_retried_with_backoff_and_the_quota_refunded_on_success() {
    let e = engine(|b| b);
    let t = gci(
        &e,
        10 * MS,
        vec![reply(500, ""), reply(503, ""), reply(200, GCI_OK)],
    );
    let waits = t.waits();
    assert_eq!(waits.len(), 2, "{:?}", t.events);
    // Full jitter under a 1 s base doubling per retry.
    assert!(waits[0] <= Duration::from_secs(1), "{waits:?}");
    assert!(waits[1] <= Duration::from_secs(2), "{waits:?}");
    let second_at = 10 * MS + waits[0];
    let third_at = second_at + 10 * MS + waits[1];
    assert_eq!(
        undated(&t.events),
        vec![
            send("attempt=1; max=3", DEFAULT_ATTEMPT_TIMEOUT, Duration::ZERO),
            Event::Wait(waits[0]),
            send("attempt=2; max=3", DEFAULT_ATTEMPT_TIMEOUT, second_at),
            Event::Wait(waits[1]),
            send("attempt=3; max=3", DEFAULT_ATTEMPT_TIMEOUT, third_at),
        ]
    );
    // One invocation id for every attempt.
    let ids: Vec<_> = (0..3)
        .map(|i| t.header(i, "amz-sdk-invocation-id").unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0] && id.len() == 36),
        "{ids:?}"
    );
    assert!(t.result.is_ok());
    // Two transient retries took 10 each; the success gave the last 10 back.
    assert_eq!(e.retry_tokens(), 490);
}

#[test]
fn throttling_costs_five_tokens_and_transient_errors_ten() {
    let e = engine(|b| b);
    let throttled = || reply(400, error_body("Throttling", "slow down"));
    let t = gci(&e, MS, vec![throttled(), throttled(), throttled()]);
    assert!(t.err().is_throttling());
    assert_eq!(e.retry_tokens(), 490);
    let t = gci(
        &e,
        MS,
        vec![
            transport(TransportErrorKind::Connect),
            transport(TransportErrorKind::ConnectionClosed),
            transport(TransportErrorKind::Io),
        ],
    );
    assert!(matches!(
        t.err(),
        Error::Transport {
            kind: TransportErrorKind::Io,
            ..
        }
    ));
    assert_eq!(e.retry_tokens(), 470);
}

#[test]
fn errors_that_are_not_retryable_end_the_call_at_once() {
    for canned in [
        reply(403, error_body("AccessDenied", "no")),
        reply(200, "<html>nginx</html>"),
        transport(TransportErrorKind::Tls),
        transport(TransportErrorKind::InvalidRequest),
        Canned::Fail(Error::BodyTooLarge { limit: 10 }),
    ] {
        let e = engine(|b| b);
        let t = gci(&e, MS, vec![canned]);
        assert_eq!((t.sends(), t.waits().len()), (1, 0));
        assert!(t.result.is_err());
        assert_eq!(e.retry_tokens(), 500);
    }
}

#[test]
fn attempts_are_bounded_by_max_attempts() {
    let e = engine(|b| b.max_attempts(2));
    let t = gci(&e, MS, vec![reply(503, ""), reply(503, "")]);
    assert_eq!(t.sends(), 2);
    assert_eq!(t.events.len(), 3);
    assert!(matches!(
        t.err(),
        Error::InvalidResponse { status: 503, .. }
    ));
    let e = engine(|b| b.max_attempts(1));
    let t = gci(&e, MS, vec![reply(503, "")]);
    assert_eq!(t.sends(), 1);
    assert_eq!(e.retry_tokens(), 500);
}

#[test]
fn an_empty_quota_stops_retries() {
    let e = engine(|b| {
        b.retry_config(RetryConfig {
            quota_capacity: 15,
            ..RetryConfig::standard()
        })
    });
    // 15 tokens: one transient retry (10), not a second.
    let t = gci(&e, MS, vec![reply(500, ""), reply(500, "")]);
    assert_eq!(t.sends(), 2);
    assert_eq!(e.retry_tokens(), 5);
    // The quota outlives the call: the next one is not retried at all.
    let t = gci(&e, MS, vec![reply(500, "")]);
    assert_eq!(t.sends(), 1);
    // A success without retries refunds one token.
    let t = gci(&e, MS, vec![reply(200, GCI_OK)]);
    assert!(t.result.is_ok());
    assert_eq!(e.retry_tokens(), 6);
}

fn skewed(minutes: i64) -> Canned {
    let date = start().wall() + time::Duration::minutes(minutes);
    reply_with(
        403,
        error_body("RequestTimeTooSkewed", "too skewed"),
        &[("Date", &crate::clock::format_http_date(date))],
    )
}

#[test]
fn a_skew_error_corrects_the_clock_and_is_retried_at_once_outside_the_quota() {
    let e = engine(|b| b);
    let t = gci(&e, 2 * MS, vec![skewed(10), reply(200, GCI_OK)]);
    assert_eq!(
        t.events,
        vec![
            Event::Send {
                attempt: "attempt=1; max=3".into(),
                date: Some("20231114T221320Z".into()),
                timeout: DEFAULT_ATTEMPT_TIMEOUT,
                at: Duration::ZERO,
            },
            // No wait; signed with the server's clock.
            Event::Send {
                attempt: "attempt=2; max=3".into(),
                date: Some("20231114T222320Z".into()),
                timeout: DEFAULT_ATTEMPT_TIMEOUT,
                at: 2 * MS,
            },
        ]
    );
    assert!(t.result.is_ok());
    // 10 minutes minus the 2 ms the response took to arrive.
    assert_eq!(e.clock_offset_millis(), 600_000 - 2);
    assert_eq!(e.retry_tokens(), 500);
    // The correction outlives the call: the next one is signed with it at once.
    let t = gci(&e, MS, vec![reply(200, GCI_OK)]);
    assert!(matches!(&t.events[0], Event::Send { date: Some(d), .. } if d == "20231114T222319Z"));
}

#[test]
fn the_skew_retry_happens_once_even_with_one_attempt() {
    let e = engine(|b| b.max_attempts(1));
    let t = gci(&e, MS, vec![skewed(10), skewed(20)]);
    assert_eq!(t.sends(), 2);
    assert!(matches!(&t.events[1], Event::Send { attempt, .. } if attempt == "attempt=2; max=1"));
    assert_eq!(t.err().code(), Some("RequestTimeTooSkewed"));
    // Corrected once only: the second Date is not taken.
    assert!((599_000..=600_000).contains(&e.clock_offset_millis()));
}

#[test]
fn a_skew_error_without_a_skewed_date_is_not_retried() {
    for canned in [
        skewed(3),
        reply(403, error_body("SignatureDoesNotMatch", "bad")),
        reply_with(
            403,
            error_body("SignatureDoesNotMatch", "bad"),
            &[("date", "garbage")],
        ),
    ] {
        let e = engine(|b| b);
        let t = gci(&e, MS, vec![canned]);
        assert_eq!(t.sends(), 1);
        assert_eq!(e.clock_offset_millis(), 0);
        assert!(t.result.is_err());
    }
}

#[test]
fn the_retry_after_hint_sets_the_wait_in_the_2026_profile() {
    let throttled = || {
        reply_with(
            400,
            error_body("Throttling", "slow down"),
            &[("x-amz-retry-after", "400")],
        )
    };
    let e = engine(|b| {
        b.retry_config(RetryConfig {
            throttling_backoff: MS,
            ..RetryConfig::v2026()
        })
    });
    let t = gci(&e, MS, vec![throttled(), reply(200, GCI_OK)]);
    // Inside [backoff, backoff + 5 s]: used as is.
    assert_eq!(t.waits(), vec![400 * MS]);
    // The standard profile ignores it: full jitter under the 1 ms base.
    let e = engine(|b| {
        b.retry_config(RetryConfig {
            throttling_backoff: MS,
            ..RetryConfig::standard()
        })
    });
    let t = gci(&e, MS, vec![throttled(), reply(200, GCI_OK)]);
    assert_eq!(t.waits().len(), 1);
    assert!(t.waits()[0] <= MS, "{:?}", t.waits());
}

#[test]
fn the_user_policy_comes_before_the_built_in_rules() {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let e = engine(|b| {
        b.retry_policy(move |err, attempt| {
            log.lock()
                .unwrap()
                .push((err.code().map(str::to_owned), attempt));
            match err.code() {
                Some("AccessDenied") => RetryDecision::Retry,
                Some("InternalFailure") => RetryDecision::Stop,
                _ => RetryDecision::Default,
            }
        })
    });
    // Retry: a non-retryable error is retried as transient (10 tokens).
    let t = gci(
        &e,
        MS,
        vec![
            reply(403, error_body("AccessDenied", "no")),
            reply(200, GCI_OK),
        ],
    );
    assert!(t.result.is_ok());
    assert_eq!(t.sends(), 2);
    // Stop: a retryable error is not.
    let t = gci(
        &e,
        MS,
        vec![reply(500, error_body("InternalFailure", "boom"))],
    );
    assert_eq!(t.sends(), 1);
    assert_eq!(
        *asked.lock().unwrap(),
        vec![
            (Some("AccessDenied".to_owned()), 1),
            (Some("InternalFailure".to_owned()), 1)
        ]
    );
}

#[test]
fn attempt_timeouts_are_retried_and_the_last_one_returned() {
    let e = engine(|b| b.max_attempts(2));
    let timeout = || {
        Canned::Fail(Error::Timeout {
            phase: TimeoutPhase::Attempt,
            limit: Some(DEFAULT_ATTEMPT_TIMEOUT),
        })
    };
    let t = gci(&e, MS, vec![timeout(), timeout()]);
    assert_eq!(t.sends(), 2);
    assert!(matches!(
        t.err(),
        Error::Timeout {
            phase: TimeoutPhase::Attempt,
            ..
        }
    ));
}

#[test]
fn a_redirect_is_an_error_never_followed_nor_retried() {
    let e = engine(|b| b);
    let far = format!("https://evil.example/{}", "a".repeat(400));
    let t = gci(&e, MS, vec![reply_with(302, "", &[("Location", &far)])]);
    assert_eq!(t.sends(), 1);
    match t.err() {
        Error::Redirect {
            status: 302,
            location: Some(l),
        } => {
            assert!(l.starts_with("https://evil.example/aaa"));
            assert_eq!(l.chars().count(), 257, "cut to 256 and an ellipsis");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_attempt_timeout_is_cut_to_what_is_left_of_the_total() {
    let e = engine(|b| b.total_timeout(Duration::from_secs(30)));
    let t = gci(
        &e,
        Duration::from_secs(15),
        vec![reply(500, ""), reply(200, GCI_OK)],
    );
    let wait = t.waits()[0];
    assert_eq!(
        undated(&t.events),
        vec![
            send("attempt=1; max=3", DEFAULT_ATTEMPT_TIMEOUT, Duration::ZERO),
            Event::Wait(wait),
            send(
                "attempt=2; max=3",
                Duration::from_secs(15) - wait,
                Duration::from_secs(15) + wait
            ),
        ]
    );
}

#[test]
fn a_backoff_that_would_outlast_the_deadline_ends_the_call_with_the_last_error() {
    let e = engine(|b| {
        b.retry_config(RetryConfig {
            base_backoff: Duration::from_secs(1000),
            max_backoff: Duration::from_secs(1000),
            ..RetryConfig::standard()
        })
        .total_timeout(Duration::from_secs(1))
    });
    let t = gci(&e, MS, vec![reply(500, "")]);
    assert_eq!(t.events.len(), 1);
    assert!(matches!(
        t.err(),
        Error::InvalidResponse { status: 500, .. }
    ));
}

#[test]
fn an_attempt_due_after_the_deadline_is_a_total_timeout() {
    let e = engine(|b| b.total_timeout(Duration::from_secs(5)));
    let op = GetCallerIdentity;
    let c = creds();
    let t0 = start();
    let mut call = Call::new(&e, &op, Some(&c), t0).unwrap();
    assert!(matches!(call.poll(t0), Next::Send(r) if r.timeout() == Duration::from_secs(5)));
    call.on_response(Ok(Response::new(500, &[], b"")), t0.after(MS));
    let Next::Wait(_) = call.poll(t0.after(MS)) else {
        panic!("a backoff")
    };
    // The driver overslept past the deadline.
    match call.poll(t0.after(Duration::from_secs(5))) {
        Next::Failed(Error::Timeout {
            phase: TimeoutPhase::Total,
            limit: Some(l),
        }) => assert_eq!(l, Duration::from_secs(5)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_early_wake_gets_the_rest_of_the_wait() {
    let e = engine(|b| b);
    let op = GetCallerIdentity;
    let c = creds();
    let t0 = start();
    let mut call = Call::new(&e, &op, Some(&c), t0).unwrap();
    let Next::Send(_) = call.poll(t0) else {
        panic!()
    };
    call.on_response(Ok(Response::new(503, &[], b"")), t0);
    let Next::Wait(wait) = call.poll(t0) else {
        panic!()
    };
    assert!(wait > 10 * MS, "{wait:?}");
    match call.poll(t0.after(10 * MS)) {
        Next::Wait(rest) => assert_eq!(rest, wait - 10 * MS),
        other => panic!("{other:?}"),
    }
    assert!(matches!(call.poll(t0.after(wait)), Next::Send(_)));
}

#[test]
fn the_adaptive_limiter_paces_sends_and_its_wait_counts_against_the_deadline() {
    let e = engine(|b| {
        b.retry_config(RetryConfig {
            mode: RetryMode::Adaptive,
            max_attempts: 1,
            ..RetryConfig::standard()
        })
    });
    assert!(e.user_agent().ends_with(" cfg/retry-mode#adaptive"));
    // 20 calls over 2 s, then a throttling error: the limiter engages.
    let mut now = start();
    for _ in 0..20 {
        let t = gci_at(&e, now, MS, vec![reply(200, GCI_OK)]);
        assert!(t.waits().is_empty());
        now = t.end.after(99 * MS);
    }
    let t = gci_at(&e, now, MS, vec![reply(400, error_body("Throttling", "x"))]);
    now = t.end;
    assert!(t.err().is_throttling());
    // The next calls wait before sending.
    let mut paced = Duration::ZERO;
    for _ in 0..5 {
        let t = gci_at(&e, now, MS, vec![reply(200, GCI_OK)]);
        assert!(t.result.is_ok());
        paced += t.waits().iter().sum::<Duration>();
        now = t.end;
    }
    // The tokens saved while free go first, then about 0.7 × the 10 calls/s measured before.
    assert!(paced >= Duration::from_millis(300), "{paced:?}");
    // A wait longer than the whole call is a total timeout, with nothing sent.
    let short = engine(|b| {
        b.retry_config(RetryConfig {
            mode: RetryMode::Adaptive,
            ..RetryConfig::standard()
        })
        .total_timeout(MS)
    });
    let mut now = start();
    for _ in 0..20 {
        now = gci_at(&short, now, Duration::ZERO, vec![reply(200, GCI_OK)])
            .end
            .after(100 * MS);
    }
    let t = gci_at(
        &short,
        now,
        Duration::ZERO,
        vec![reply(400, error_body("Throttling", "x"))],
    );
    assert!(t.result.is_err());
    // Once the saved tokens are spent, a call's pacing wait outlasts its 1 ms: it ends, unsent.
    let mut now = t.end;
    let c = creds();
    let mut timed_out = 0;
    for _ in 0..5 {
        let mut call = Call::new(&short, &GetCallerIdentity, Some(&c), now).unwrap();
        match call.poll(now) {
            Next::Send(_) => {
                call.on_response(Ok(Response::new(200, &[], GCI_OK.as_bytes())), now);
                assert!(matches!(call.poll(now), Next::Done(_)));
            }
            Next::Failed(Error::Timeout {
                phase: TimeoutPhase::Total,
                ..
            }) => timed_out += 1,
            other => panic!("{other:?}"),
        }
        now = now.after(MS);
    }
    assert!(timed_out >= 3, "{timed_out}");
}

#[test]
fn the_hook_sees_every_attempt() {
    let records = Arc::new(Mutex::new(Vec::new()));
    let seen = records.clone();
    let e = engine(|b| b.on_attempt(move |r| seen.lock().unwrap().push(r.clone())));
    let t = gci(&e, 7 * MS, vec![reply(500, ""), reply(200, GCI_OK)]);
    assert!(t.result.is_ok());
    let records = records.lock().unwrap();
    let summary: Vec<_> = records
        .iter()
        .map(|r| (r.action, r.attempt, r.max_attempts, r.status, r.elapsed))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("GetCallerIdentity", 1, 3, Some(500), 7 * MS),
            ("GetCallerIdentity", 2, 3, Some(200), 7 * MS)
        ]
    );
    assert_eq!(records[0].url, "https://sts.us-east-1.amazonaws.com/");
    assert!(
        records[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("invalid response (HTTP 500)")
    );
    assert_eq!(records[1].error, None);
    assert!(records[1].canonical_request.starts_with("POST\n/\n\n"));
}

#[test]
fn server_text_is_cleaned_of_the_request_secrets() {
    let records = Arc::new(Mutex::new(Vec::new()));
    let seen = records.clone();
    let e = engine(|b| b.on_attempt(move |r| seen.lock().unwrap().push(r.clone())));
    let token = "eyJhbGciOiJSUzI1NiJ9.secret-payload.signature";
    let op = AssumeRoleWithWebIdentity::new("arn:aws:iam::123456789012:role/r", "sess", token);
    let t = drive(
        &e,
        &op,
        None,
        start(),
        MS,
        vec![reply(
            400,
            error_body("InvalidIdentityToken", &format!("bad token {token}")),
        )],
    );
    let err = t.err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("secret-payload"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    let record = records.lock().unwrap()[0].error.clone().unwrap();
    assert!(!record.contains("secret-payload"), "{record}");
}

#[test]
fn polling_is_idempotent_and_a_finished_call_says_so() {
    let e = engine(|b| b);
    let op = GetCallerIdentity;
    let c = creds();
    let t0 = start();
    let mut call = Call::new(&e, &op, Some(&c), t0).unwrap();
    // A response with nothing in flight is ignored.
    call.on_response(Ok(Response::new(200, &[], GCI_OK.as_bytes())), t0);
    let first = match call.poll(t0) {
        Next::Send(r) => r.header("authorization").unwrap().to_owned(),
        other => panic!("{other:?}"),
    };
    // Polled again before the response: the same request.
    match call.poll(t0.after(MS)) {
        Next::Send(r) => assert_eq!(r.header("authorization"), Some(first.as_str())),
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempt(), 1);
    call.on_response(Ok(Response::new(200, &[], GCI_OK.as_bytes())), t0.after(MS));
    assert!(matches!(call.poll(t0.after(MS)), Next::Done(_)));
    assert!(matches!(
        call.poll(t0.after(MS)),
        Next::Failed(Error::Config { .. })
    ));
}

#[test]
fn a_failed_call_returns_its_error_once_and_ignores_late_responses() {
    let e = engine(|b| b);
    let op = GetCallerIdentity;
    let c = creds();
    let t0 = start();
    let mut call = Call::new(&e, &op, Some(&c), t0).unwrap();
    assert!(matches!(call.poll(t0), Next::Send(_)));
    let denied = error_body("AccessDenied", "no");
    call.on_response(Ok(Response::new(403, &[], denied.as_bytes())), t0.after(MS));
    // A late or repeated response changes nothing: the failure stands.
    call.on_response(Ok(Response::new(200, &[], GCI_OK.as_bytes())), t0.after(MS));
    match call.poll(t0.after(MS)) {
        Next::Failed(Error::Service(s)) => {
            assert_eq!((s.status, s.code.as_str()), (403, "AccessDenied"))
        }
        other => panic!("{other:?}"),
    }
    call.on_response(Ok(Response::new(200, &[], GCI_OK.as_bytes())), t0.after(MS));
    match call.poll(t0.after(MS)) {
        Next::Failed(Error::Config { message }) => assert!(message.contains("over"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempt(), 1);
}

#[test]
fn get_web_identity_token_goes_to_the_regional_endpoint() {
    let global = resolve(&EndpointParams {
        region: Some("us-east-1"),
        use_global_endpoint: true,
        ..EndpointParams::default()
    })
    .unwrap();
    assert_eq!(global.url, "https://sts.amazonaws.com");
    let e = Engine::builder(global)
        .regional_endpoint(region("us-east-1"))
        .build(start())
        .unwrap();
    let op = GetWebIdentityToken::new(vec!["aud".into()], "ES384");
    let denied = || reply(403, error_body("AccessDenied", "no"));
    let t = drive(&e, &op, Some(&creds()), start(), MS, vec![denied()]);
    assert_eq!(t.requests[0].0, "https://sts.us-east-1.amazonaws.com/");
    let t = gci(&e, MS, vec![denied()]);
    assert_eq!(t.requests[0].0, "https://sts.amazonaws.com/");
}

/// The client's endpoints (`endpoint::for_client`) give a driver of the engine alone what `Sts`
/// sends: aws-global without a region, the regional endpoint for GetWebIdentityToken.
#[test]
fn client_endpoints_route_and_scope_each_call() {
    let op = GetWebIdentityToken::new(vec!["aud".into()], "ES384");
    let denied = || reply(403, error_body("AccessDenied", "no"));
    // The region of the credential scope: `Credential=AKID/<date>/<region>/sts/aws4_request`.
    fn scope<T>(t: &Trace<T>) -> String {
        let auth = t.header(0, "authorization").unwrap();
        auth.split('/').nth(2).unwrap().to_owned()
    }
    // No settings at all: aws-global, signed for us-east-1.
    let e = Engine::builder(for_client(&EndpointParams::default()).unwrap())
        .build(start())
        .unwrap();
    let t = gci(&e, MS, vec![denied()]);
    assert_eq!(t.requests[0].0, "https://sts.amazonaws.com/");
    assert_eq!(scope(&t), "us-east-1");
    // The legacy global endpoint, except for GetWebIdentityToken.
    let legacy = EndpointParams::for_region("ap-southeast-2").use_global_endpoint(true);
    let e = Engine::builder(for_client(&legacy).unwrap())
        .build(start())
        .unwrap();
    let t = gci(&e, MS, vec![denied()]);
    assert_eq!(t.requests[0].0, "https://sts.amazonaws.com/");
    assert_eq!(scope(&t), "us-east-1");
    let t = drive(&e, &op, Some(&creds()), start(), MS, vec![denied()]);
    assert_eq!(t.requests[0].0, "https://sts.ap-southeast-2.amazonaws.com/");
    assert_eq!(scope(&t), "ap-southeast-2");
}

/// A custom endpoint without a region: signed for us-east-1 by default; with
/// `require_region_to_sign`, signed calls fail with NoRegion before anything is sent (before the
/// missing credentials too, botocore's order), and unsigned ones still go.
#[test]
fn require_region_to_sign_refuses_signed_calls_to_a_custom_endpoint_without_a_region() {
    let custom =
        for_client(&EndpointParams::default().endpoint(Some("http://127.0.0.1:9"))).unwrap();
    assert!(custom.no_region);
    let plain = Engine::builder(custom.clone()).build(start()).unwrap();
    let t = gci(&plain, MS, vec![reply(200, GCI_OK)]);
    assert_eq!(t.sends(), 1);
    assert!(
        t.header(0, "authorization")
            .unwrap()
            .contains("/us-east-1/sts/")
    );

    let strict = Engine::builder(custom)
        .require_region_to_sign(true)
        .build(start())
        .unwrap();
    for credentials in [Some(&creds()), None] {
        let t = drive(
            &strict,
            &GetCallerIdentity,
            credentials,
            start(),
            MS,
            vec![],
        );
        assert_eq!(t.sends(), 0);
        let e = t.err();
        assert!(matches!(e, Error::NoRegion), "{e:?}");
    }
    let unsigned =
        AssumeRoleWithWebIdentity::new("arn:aws:iam::123456789012:role/r", "session", "jwt-token");
    let t = drive(
        &strict,
        &unsigned,
        None,
        start(),
        MS,
        vec![reply(403, error_body("AccessDenied", "no"))],
    );
    assert_eq!(t.sends(), 1);

    // With a region (or without a custom endpoint) there is nothing to refuse.
    let regional = Engine::builder(
        for_client(&EndpointParams::for_region("eu-west-1").endpoint(Some("http://127.0.0.1:9")))
            .unwrap(),
    )
    .require_region_to_sign(true)
    .build(start())
    .unwrap();
    let t = gci(&regional, MS, vec![reply(200, GCI_OK)]);
    assert!(
        t.header(0, "authorization")
            .unwrap()
            .contains("/eu-west-1/sts/")
    );
}

#[test]
fn the_same_seed_gives_the_same_life() {
    let run = || {
        let e = engine(|b| b);
        let t = gci(&e, MS, vec![reply(500, ""), reply(500, ""), reply(500, "")]);
        (
            t.waits(),
            t.header(0, "amz-sdk-invocation-id").unwrap().to_owned(),
        )
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let other = Engine::builder(region("us-east-1"))
        .seed(7)
        .build(start())
        .unwrap();
    let t = gci(
        &other,
        MS,
        vec![reply(500, ""), reply(500, ""), reply(500, "")],
    );
    assert_ne!(t.waits(), a.0);
}

#[test]
fn debug_output_shows_no_secret() {
    let e = engine(|b| b);
    let c = Credentials::new("ASIAEXAMPLE", "secret-key", Some("session-token".into()));
    let op = AssumeRoleWithWebIdentity::new("arn:aws:iam::1:role/r", "sess", "jwt-token-value");
    let t0 = start();
    let mut call = Call::new(&e, &GetCallerIdentity, Some(&c), t0).unwrap();
    let text = match call.poll(t0) {
        Next::Send(r) => format!("{r:?}"),
        other => panic!("{other:?}"),
    };
    assert!(text.contains("x-amz-security-token"), "{text}");
    for secret in ["session-token", "Signature=", "secret-key"] {
        assert!(!text.contains(secret), "{text}");
    }
    let mut call = Call::new(&e, &op, None, t0).unwrap();
    let next = format!("{:?}", call.poll(t0));
    let text = format!("{next} {call:?} {e:?}");
    assert!(!text.contains("jwt-token-value"), "{text}");
    let lookup = |_: &str| Some("header-value");
    let r = Response::with_header_lookup(200, &lookup, b"<body>secret</body>");
    assert_eq!(r.header("date"), Some("header-value"));
    assert!(!format!("{r:?}").contains("secret"));
}

#[test]
fn now_advances_both_clocks_and_saturates() {
    let t0 = start();
    let t1 = t0.after(Duration::from_secs(90));
    assert_eq!(t1.instant() - t0.instant(), Duration::from_secs(90));
    assert_eq!(t1.wall() - t0.wall(), time::Duration::seconds(90));
    let far = t0.after(Duration::MAX);
    assert_eq!(far.wall(), t0.wall());
}

#[test]
fn text_holds_what_fits_and_refuses_the_rest() {
    use std::fmt::Write as _;
    let mut t = call::Text::<8>::new();
    assert!(write!(t, "abcd").is_ok());
    assert!(write!(t, "efghi").is_err());
    assert_eq!(t.as_str(), "abcd");
    assert!(write!(t, "efgh").is_ok());
    assert_eq!(t.as_str(), "abcdefgh");
}

#[test]
fn invocation_ids_use_all_their_random_bits() {
    let e = engine(|b| b);
    let c = creds();
    let t0 = start();
    let ids: Vec<String> = (0..64)
        .map(|_| {
            let mut call = Call::new(&e, &GetCallerIdentity, Some(&c), t0).unwrap();
            match call.poll(t0) {
                Next::Send(r) => r.header("amz-sdk-invocation-id").unwrap().to_owned(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    for id in &ids {
        let b = id.as_bytes();
        assert_eq!((id.len(), b[14]), (36, b'4'), "{id}");
        assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{id}");
    }
    // The last three digits of the third group and of the last group vary: no bits stuck at zero.
    let tails: std::collections::HashSet<(&str, &str)> =
        ids.iter().map(|id| (&id[15..18], &id[33..36])).collect();
    assert!(tails.len() > 60, "{ids:?}");
}
