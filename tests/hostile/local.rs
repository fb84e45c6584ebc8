//! Local attacks: files, processes, home directories and values that overflow.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use sts_blocking::Error;
use sts_blocking::credentials::Env;
use sts_blocking::credentials::ProfileSet;
use sts_blocking::error::FileProblem;

/// Runs `f` on a thread and fails the test if it has not returned within `limit` (a hang is a
/// failure, not a stuck test run).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("still running after {:?}", start.elapsed()),
    }
}

fn file_problem(e: &Error) -> Option<&FileProblem> {
    match e {
        Error::File { problem, .. } => Some(problem),
        Error::Credentials(c) => c.source.as_deref().and_then(file_problem),
        _ => None,
    }
}

// ---- item 9: local files are capped and never block ----

#[test]
fn config_and_credentials_fifos_are_skipped_at_once() {
    let d = scratch("cfg-fifo");
    let (cfg, creds) = (d.join("config"), d.join("credentials"));
    if !(mkfifo(&cfg) && mkfifo(&creds)) {
        return;
    }
    let env = Env::from_map([
        ("HOME", d.to_str().unwrap()),
        ("AWS_CONFIG_FILE", cfg.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
    ]);
    // As the AWS CLI (`os.path.isfile`): a FIFO is not a config file, so it counts as missing.
    let set = within(Duration::from_secs(2), move || ProfileSet::load(&env)).unwrap();
    assert!(set.profiles().is_empty());
}

#[test]
fn device_config_files_are_skipped_without_reading() {
    let d = scratch("cfg-dev");
    let env = Env::from_map([
        ("HOME", d.to_str().unwrap()),
        ("AWS_CONFIG_FILE", "/dev/zero"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ]);
    let set = within(Duration::from_secs(2), move || ProfileSet::load(&env)).unwrap();
    assert!(set.profiles().is_empty());
}

#[test]
fn oversized_config_is_refused_without_reading_it() {
    let d = scratch("cfg-huge");
    let cfg = d.join("config");
    // Sparse: 17 MiB on paper, nothing on disk.
    let f = std::fs::File::create(&cfg).unwrap();
    f.set_len(sts_blocking::files::MAX_CONFIG_FILE + 1024 * 1024)
        .unwrap();
    let env = Env::from_map([
        ("HOME", d.to_str().unwrap()),
        ("AWS_CONFIG_FILE", cfg.to_str().unwrap()),
    ]);
    let e = within(Duration::from_secs(2), move || ProfileSet::load(&env)).unwrap_err();
    assert_eq!(
        file_problem(&e),
        Some(&FileProblem::TooLarge {
            limit: sts_blocking::files::MAX_CONFIG_FILE
        }),
        "{e}"
    );
    let shown = e.to_string();
    assert!(shown.contains("config file") && shown.contains(cfg.to_str().unwrap()));
    assert!(shown.contains("16777216-byte limit"), "{shown}");
}

#[test]
fn web_identity_token_fifo_and_device_are_refused_at_once() {
    use sts_blocking::__private::credentials::web_identity::read_token_file;
    let d = scratch("wi-fifo");
    let fifo = d.join("token");
    if !mkfifo(&fifo) {
        return;
    }
    let e = within(Duration::from_secs(2), move || read_token_file(&fifo)).unwrap_err();
    assert_eq!(
        file_problem(&e),
        Some(&FileProblem::NotRegular { kind: "FIFO" }),
        "{e}"
    );
    let e = within(Duration::from_secs(2), || {
        read_token_file(Path::new("/dev/zero"))
    })
    .unwrap_err();
    assert!(
        matches!(file_problem(&e), Some(FileProblem::NotRegular { .. })),
        "{e}"
    );
}

#[test]
fn oversized_web_identity_token_is_refused() {
    use sts_blocking::__private::credentials::web_identity::read_token_file;
    let d = scratch("wi-huge");
    let p = d.join("token");
    std::fs::write(&p, vec![b'a'; 200_000]).unwrap();
    let e = read_token_file(&p).unwrap_err();
    assert_eq!(
        file_problem(&e),
        Some(&FileProblem::TooLarge {
            limit: sts_blocking::files::MAX_TOKEN_FILE
        }),
        "{e}"
    );
    assert!(!e.to_string().contains("aaaa"));
}

#[cfg(feature = "client")]
#[test]
fn container_token_fifo_is_refused_at_once() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::ContainerProvider;
    let d = scratch("ct-fifo");
    let fifo = d.join("token");
    if !mkfifo(&fifo) {
        return;
    }
    let env = Env::from_map([
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:9/creds",
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            fifo.to_str().unwrap(),
        ),
    ]);
    let p = ContainerProvider::from_env(&env).unwrap();
    let e = within(Duration::from_secs(2), move || p.provide_credentials()).unwrap_err();
    assert_eq!(
        file_problem(&e),
        Some(&FileProblem::NotRegular { kind: "FIFO" }),
        "{e}"
    );
}

#[cfg(feature = "client")]
#[test]
fn sso_cache_fifo_is_refused_at_once() {
    use sts_blocking::__private::credentials::sso::{SsoProvider, cache_file};
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::SsoSource;
    let home = scratch("sso-fifo");
    let source = SsoSource::new("https://example.awsapps.com/start", "us-east-1")
        .session_name("s")
        .account_id("123456789012")
        .role_name("R");
    let path = cache_file(&home, &source);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if !mkfifo(&path) {
        return;
    }
    let p = SsoProvider::new(source, &home);
    let e = within(Duration::from_secs(2), move || p.provide_credentials()).unwrap_err();
    assert_eq!(
        file_problem(&e),
        Some(&FileProblem::NotRegular { kind: "FIFO" }),
        "{e}"
    );
}

#[cfg(feature = "client")]
#[test]
fn ca_bundle_fifo_and_device_are_refused_at_once() {
    let d = scratch("ca-fifo");
    let fifo = d.join("bundle.pem");
    if !mkfifo(&fifo) {
        return;
    }
    for path in [fifo, PathBuf::from("/dev/zero")] {
        let e = within(Duration::from_secs(2), move || {
            sts_blocking::Sts::builder()
                .region("us-east-1")
                .ca_bundle(path)
                .build()
                .map(|_| ())
        })
        .unwrap_err();
        assert!(
            matches!(file_problem(&e), Some(FileProblem::NotRegular { .. })),
            "{e}"
        );
    }
}

// ---- item 1: no home directory never means the working directory ----

#[test]
fn no_home_gives_no_default_files_and_typed_errors_for_tilde() {
    use sts_blocking::credentials::{FileLocations, Platform};
    for env in [Env::from_map([("X", "1")]), Env::from_map([("HOME", "")])] {
        let loc = FileLocations::resolve(&env, Platform::Unix).unwrap();
        assert_eq!((loc.config, loc.credentials), (None, None));
    }
    for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        let env = Env::from_map([("HOME", ""), (var, "~/.aws/x")]);
        let e = FileLocations::resolve(&env, Platform::Unix).unwrap_err();
        assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
        let e = ProfileSet::load(&env).unwrap_err();
        assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
        let env = Env::from_map([("HOME", "/h"), (var, "~nosuchuser/x")]);
        let e = FileLocations::resolve(&env, Platform::Unix).unwrap_err();
        assert!(
            matches!(file_problem(&e), Some(FileProblem::UnknownUser { user }) if user == "nosuchuser"),
            "{e}"
        );
    }
    let env = Env::from_map([
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "~/token"),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r"),
    ]);
    let e = sts_blocking::credentials::WebIdentityConfig::from_env(&env).unwrap_err();
    assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
}

#[cfg(feature = "client")]
#[test]
fn no_home_tilde_ca_bundle_and_container_token_are_errors() {
    let e = sts_blocking::StsBuilder::from_env_vars_with(|k| {
        (k == "AWS_CA_BUNDLE").then(|| "~/ca.pem".to_owned())
    })
    .map(|_| ())
    .unwrap_err();
    assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
    let env = Env::from_map([
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:9/creds",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "~/token"),
    ]);
    let e = sts_blocking::credentials::ContainerProvider::from_env(&env).unwrap_err();
    assert_eq!(file_problem(&e), Some(&FileProblem::NoHomeDirectory), "{e}");
}

// ---- item 9: the profile parser's memory stays within a small multiple of the file size ----

/// Counts the bytes each thread has allocated and not freed, and the peak of that count, so a test
/// can measure one parse while other tests run on other threads.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        static CURRENT: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn add(delta: isize) {
        let _ = CURRENT.try_with(|c| {
            let now = c.get() + delta;
            c.set(now);
            let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        });
    }

    // SAFETY: every call is forwarded to the system allocator unchanged; the counters are
    // thread-local cells without destructors, so counting never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            add(layout.size() as isize);
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            add(-(layout.size() as isize));
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            add(new_size as isize - layout.size() as isize);
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Runs `f` and returns its result and the peak of this thread's live allocations above the
    /// level at the start.
    pub fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let base = CURRENT.with(Cell::get);
        PEAK.with(|p| p.set(base));
        let out = f();
        let peak = PEAK.with(Cell::get) - base;
        (out, usize::try_from(peak).unwrap_or(0))
    }
}

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Writes `gen(0), gen(1), ...` until the file would pass `size` bytes.
fn generated(path: &Path, size: usize, generator: impl Fn(usize) -> String) {
    let mut text = String::with_capacity(size);
    for i in 0.. {
        let s = generator(i);
        if text.len() + s.len() > size {
            break;
        }
        text.push_str(&s);
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn profile_parser_memory_is_a_small_multiple_of_the_file() {
    type Shape = (&'static str, &'static str, fn(usize) -> String);
    let shapes: [Shape; 6] = [
        ("realistic", "AWS_CONFIG_FILE", |i| {
            format!(
                "[profile acct-{}-Admin]\nsso_session = my-sso\nsso_account_id = {}\n\
                 sso_role_name = AdministratorAccess\nregion = us-east-1\noutput = json\n\n",
                100_000_000_000usize + i,
                100_000_000_000usize + i
            )
        }),
        // One key repeated: the file that took 1.06 GB for 37 MB.
        ("same-key", "AWS_CONFIG_FILE", |i| {
            if i == 0 {
                "[profile a]\na=b\n".into()
            } else {
                "a=b\n".into()
            }
        }),
        ("unique-keys", "AWS_CONFIG_FILE", |i| {
            if i == 0 {
                "[profile a]\n".into()
            } else {
                format!("k{i:x}=\n")
            }
        }),
        ("continuations", "AWS_CONFIG_FILE", |i| {
            if i == 0 {
                "[profile a]\ns3 =\n".into()
            } else {
                " x=y\n".into()
            }
        }),
        ("sections", "AWS_CONFIG_FILE", |i| {
            format!("[profile p{i:x}]\n")
        }),
        ("tiny-sections", "AWS_SHARED_CREDENTIALS_FILE", |i| {
            format!("[{i:x}]\n")
        }),
    ];
    let d = scratch("parser-memory");
    let size = 2 * 1024 * 1024;
    for (name, var, generator) in shapes {
        let path = d.join(name);
        generated(&path, size, generator);
        let env = Env::from_map([("HOME", d.to_str().unwrap()), (var, path.to_str().unwrap())]);
        let start = Instant::now();
        let (result, peak) =
            counting::peak_of(|| ProfileSet::load(&env).map(|s| s.profiles().len()));
        // The file is read whole (1x); what the parser builds must stay within a few times that.
        assert!(
            peak <= 10 * size,
            "{name}: peak {peak} bytes for a {size}-byte file ({:.1}x): {result:?}",
            peak as f64 / size as f64
        );
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{name}: {:?}",
            start.elapsed()
        );
        eprintln!(
            "{name}: {:.1}x the file size, {:?}, {:?}",
            peak as f64 / size as f64,
            start.elapsed(),
            result.map_err(|e| e.to_string().chars().take(60).collect::<String>())
        );
    }
}

// ---- item 3: values from outside never panic the cache's arithmetic ----

#[cfg(feature = "client")]
#[test]
fn sso_expiration_at_year_minus_9999_does_not_panic_the_cache() {
    use crate::support::{FakeSts, Reply};
    use sts_blocking::__private::credentials::sso::{SsoProvider, cache_file};
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::CachedProvider;
    use sts_blocking::credentials::SsoSource;
    let home = scratch("sso-min");
    let source = SsoSource::new("https://example.awsapps.com/start", "us-east-1")
        .session_name("s")
        .account_id("123456789012")
        .role_name("R");
    let path = cache_file(&home, &source);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        r#"{"accessToken":"bearer","expiresAt":"2199-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    // The value from the issue: -377705116800000 ms is 1 January -9999, the first instant `time`
    // can hold; the refresh window arithmetic went below it and panicked.
    let fake = FakeSts::start(Reply::Http {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: br#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":-377705116800000}}"#.to_vec(),
    });
    // An expiration before 1970 is refused as out of range (a typed error, no panic, through the
    // cache too).
    let sso = SsoProvider::new(source, &home).endpoint(Some(fake.url()));
    let cache = CachedProvider::new(Arc::new(sso));
    let e = cache.provide_credentials().unwrap_err().to_string();
    assert!(e.contains("out of range"), "{e}");
    assert_eq!(fake.count(), 1);
}

#[cfg(unix)]
#[test]
fn process_expirations_at_the_edges_of_time_do_not_panic_the_cache() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::{CachedProvider, ProcessProvider};
    for exp in [
        "0000-01-01T00:00:00+23:59",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:59.999999999Z",
    ] {
        let out = format!(
            r#"{{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"{exp}"}}"#
        );
        let p = ProcessProvider::new(format!("printf '%s' '{out}'"));
        let cache = CachedProvider::new(Arc::new(p));
        for _ in 0..3 {
            cache.provide_credentials().unwrap();
        }
    }
}

// ---- item 10: credential_process ----

#[cfg(unix)]
#[test]
fn process_whose_background_child_keeps_stdout_open_is_parsed_once_it_exits() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::ProcessProvider;
    // The background `sleep` inherits stdout and keeps it open after the shell has exited.
    let p = ProcessProvider::new(
        r#"sh -c 'sleep 5 & echo "{\"Version\": 1, \"AccessKeyId\": \"AKIDBG\", \"SecretAccessKey\": \"s\"}"'"#,
    )
    .timeout(Duration::from_secs(20));
    let start = Instant::now();
    let c = within(Duration::from_secs(4), move || p.provide_credentials()).unwrap();
    assert_eq!(c.access_key_id, "AKIDBG");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn process_output_past_the_cap_is_a_clear_error() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::ProcessProvider;
    for cmd in ["head -c 2000000 /dev/zero", "yes"] {
        let p = ProcessProvider::new(cmd).timeout(Duration::from_secs(10));
        let e = within(Duration::from_secs(5), move || p.provide_credentials()).unwrap_err();
        assert!(e.to_string().contains("1048576-byte limit"), "{cmd}: {e}");
    }
}

#[cfg(unix)]
#[test]
fn process_timeout_of_duration_max_does_not_panic() {
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::ProcessProvider;
    let c = ProcessProvider::new(
        r#"echo '{"Version": 1, "AccessKeyId": "AKIDMAX", "SecretAccessKey": "s"}'"#,
    )
    .timeout(Duration::MAX)
    .provide_credentials()
    .unwrap();
    assert_eq!(c.access_key_id, "AKIDMAX");
}

// ---- items 4 and 16: IMDS token renewal and the role name in the path ----

#[cfg(feature = "client")]
mod imds {
    use super::*;
    use crate::support::{FakeSts, Recorded, Reply};
    use sts_blocking::ProvideCredentials;
    use sts_blocking::credentials::ImdsProvider;

    fn text(status: u16, body: &str) -> Reply {
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn creds(id: &str) -> Reply {
        text(
            200,
            &format!(
                r#"{{"Code":"Success","AccessKeyId":"{id}","SecretAccessKey":"s","Token":"t","Expiration":"2040-01-01T00:00:00Z"}}"#
            ),
        )
    }

    fn token_of(r: &Recorded) -> String {
        r.header("x-aws-ec2-metadata-token")
            .unwrap_or("")
            .to_owned()
    }

    fn lines(reqs: &[Recorded]) -> Vec<String> {
        reqs.iter()
            .map(|r| format!("{} {} {}", r.method, r.path, token_of(r)))
            .collect()
    }

    const LIST: &str = "/latest/meta-data/iam/security-credentials/";

    #[test]
    fn a_rejected_token_is_replaced_and_the_request_retried_once() {
        let fake = FakeSts::start(text(500, "unexpected"));
        fake.push([
            text(200, "tok-1"),
            text(200, "role"),
            creds("AKID1"),
            // The token is refused on the listing: a new one, and the listing again.
            text(401, ""),
            text(200, "tok-2"),
            text(200, "role"),
            creds("AKID2"),
            // Refused on the credentials request.
            text(200, "role"),
            text(401, ""),
            text(200, "tok-3"),
            creds("AKID3"),
            // Refused twice: one renewal only, then the error (static stability serves AKID3).
            text(401, ""),
            text(200, "tok-4"),
            text(401, ""),
        ]);
        let p = ImdsProvider::new(fake.url()).attempts(1);
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID1");
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID2");
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID3");
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID3");
        let want = [
            "PUT /latest/api/token ".to_owned(),
            format!("GET {LIST} tok-1"),
            format!("GET {LIST}role tok-1"),
            format!("GET {LIST} tok-1"),
            "PUT /latest/api/token ".to_owned(),
            format!("GET {LIST} tok-2"),
            format!("GET {LIST}role tok-2"),
            format!("GET {LIST} tok-2"),
            format!("GET {LIST}role tok-2"),
            "PUT /latest/api/token ".to_owned(),
            format!("GET {LIST}role tok-3"),
            format!("GET {LIST} tok-3"),
            "PUT /latest/api/token ".to_owned(),
            format!("GET {LIST} tok-4"),
        ];
        assert_eq!(lines(&fake.requests()), want);
    }

    #[test]
    fn the_token_lifetime_follows_the_wall_clock_too() {
        let fake = FakeSts::start(text(500, "unexpected"));
        fake.push([
            text(200, "tok-1"),
            text(200, "role"),
            creds("AKID1"),
            text(200, "role"),
            creds("AKID2"),
            text(200, "tok-2"),
            text(200, "role"),
            creds("AKID3"),
        ]);
        let now = Arc::new(std::sync::Mutex::new(time::OffsetDateTime::now_utc()));
        let clock = now.clone();
        let p = ImdsProvider::new(fake.url())
            .attempts(1)
            .clock(Arc::new(move || *clock.lock().unwrap()));
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID1");
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID2");
        // A suspended machine: `Instant` stood still for 7 hours, the wall clock did not.
        *now.lock().unwrap() += time::Duration::hours(7);
        assert_eq!(p.provide_credentials().unwrap().access_key_id, "AKID3");
        let puts = fake.requests().iter().filter(|r| r.method == "PUT").count();
        assert_eq!(puts, 2, "{:?}", lines(&fake.requests()));
    }

    #[test]
    fn the_role_name_cannot_change_the_path() {
        for (role, path) in [
            ("../../user-data", "..%2F..%2Fuser-data"),
            ("a/b", "a%2Fb"),
            ("x?y=1", "x%3Fy%3D1"),
            ("x#frag", "x%23frag"),
            ("my role+1@a.b", "my%20role%2B1%40a.b"),
        ] {
            let fake = FakeSts::start(text(500, "unexpected"));
            fake.push([text(200, "tok"), text(200, role), creds("AKIDR")]);
            let c = ImdsProvider::new(fake.url())
                .attempts(1)
                .provide_credentials();
            assert_eq!(c.unwrap().access_key_id, "AKIDR");
            assert_eq!(fake.requests()[2].path, format!("{LIST}{path}"), "{role}");
        }
        for role in [".", ".."] {
            let fake = FakeSts::start(text(500, "unexpected"));
            fake.push([text(200, "tok"), text(200, role)]);
            let e = ImdsProvider::new(fake.url())
                .attempts(1)
                .provide_credentials()
                .unwrap_err();
            assert!(e.to_string().contains("role name"), "{e}");
            assert_eq!(fake.count(), 2, "{role}: no request for a dot segment");
        }
    }
}
