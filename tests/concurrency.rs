//! One `Sts` shared by 16 threads makes 20,000 calls against the fake server with 5% injected
//! faults. Every call succeeds or returns a documented error, and nothing deadlocks.
#![cfg(feature = "client")]

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use sts_blocking::error::{Error, TransportErrorKind};
use sts_blocking::retry::RetryConfig;
use sts_blocking::{Credentials, Sts};
use support::{FakeSts, Reply, caller_identity, error_body};

const THREADS: usize = 16;
const CALLS: usize = 20_000;

#[test]
fn sixteen_threads_twenty_thousand_calls_five_percent_faults() {
    let fake = FakeSts::start(caller_identity());
    fake.chaos(
        20, // 5%
        vec![
            Reply::xml(500, ""),
            Reply::xml(400, error_body("Throttling", "Rate exceeded")),
            Reply::Close,
            Reply::xml(503, error_body("ServiceUnavailable", "busy")),
        ],
    );
    let sts = Sts::builder()
        .region("us-east-1")
        .endpoint_url(fake.url())
        .credentials(Credentials::new("AKIDEXAMPLE", "s", None))
        .retry_config(
            RetryConfig::standard()
                .base_backoff(Duration::from_micros(100))
                .throttling_backoff(Duration::from_micros(100)),
        )
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    for t in 0..THREADS {
        let (sts, tx) = (sts.clone(), tx.clone());
        thread::spawn(move || {
            let (mut ok, mut errors) = (0usize, Vec::new());
            for _ in 0..CALLS / THREADS {
                match sts.get_caller_identity() {
                    Ok(me) => {
                        assert_eq!(me.account.as_deref(), Some("123456789012"));
                        ok += 1;
                    }
                    Err(e) => errors.push(e),
                }
            }
            tx.send((t, ok, errors)).unwrap();
        });
    }
    drop(tx);
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..THREADS {
        // A deadlock would stop the results: fail instead of hanging.
        let (_, n, errors) = rx
            .recv_timeout(Duration::from_secs(240))
            .expect("a worker thread is stuck");
        ok += n;
        for e in errors {
            // The documented outcomes of a fault that outlasted the retries.
            let documented = match &e {
                Error::Service(s) => s.code.is_throttling() || s.status >= 500,
                Error::InvalidResponse { status, .. } => *status >= 500,
                Error::Transport { kind, .. } => matches!(
                    kind,
                    TransportErrorKind::ConnectionClosed | TransportErrorKind::Io
                ),
                _ => false,
            };
            assert!(documented, "undocumented error: {e:?}");
            failed += 1;
        }
    }
    let requests = fake.count();
    let faults = requests / 20;
    println!(
        "concurrency: {THREADS} threads, {CALLS} calls, {requests} requests, {faults} faults injected, \
         {ok} succeeded, {failed} failed after retries, {} retry tokens left",
        sts.retry_tokens()
    );
    assert_eq!(ok + failed, CALLS);
    assert!(faults >= CALLS / 20, "faults were injected: {faults}");
    // Retries absorb isolated faults: nearly every call succeeds.
    assert!(failed * 100 < CALLS, "{failed} calls failed");
}
