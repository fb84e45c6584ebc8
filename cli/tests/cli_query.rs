//! `sts --query` and the AWS CLI v2 output formats end to end, against the loopback fake STS
//! server. Expected outputs are what the AWS CLI v2's own formatters print for the same response
//! (see scripts/output-goldens.py).

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{CREDS_XML, FakeSts, Reply, caller_identity, success};

/// Runs `sts` against `fake` with a clean environment plus `env`.
fn sts(fake: &FakeSts, env: &[(&str, &str)], args: &[&str]) -> Output {
    let home = std::env::temp_dir().join(format!("sts-cli-query-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("home");
    let mut c = Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", fake.url());
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run sts")
}

fn out(o: &Output) -> (i32, String, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const IDENTITY_TABLE: &str = "\
-------------------------------------------------------------------------
|                           GetCallerIdentity                           |
+--------------+----------------------------------------+---------------+
|    Account   |                  Arn                   |    UserId     |
+--------------+----------------------------------------+---------------+
|  123456789012|  arn:aws:iam::123456789012:user/alice  |  AIDAEXAMPLE  |
+--------------+----------------------------------------+---------------+
";

#[test]
fn query_and_formats_print_as_the_aws_cli() {
    let fake = FakeSts::start(caller_identity());
    for (args, want) in [
        (
            &["--query", "Account", "--output", "text"][..],
            "123456789012\n",
        ),
        (&["--query", "Account"][..], "\"123456789012\"\n"),
        (&["--query", "Missing", "--output", "text"][..], "None\n"),
        (&["--query", "Missing"][..], "null\n"),
        (
            &["--query=[Account, UserId]", "--output=text"][..],
            "123456789012\tAIDAEXAMPLE\n",
        ),
        (&["--output", "table"][..], IDENTITY_TABLE),
        (
            &["--output", "yaml"][..],
            "Account: '123456789012'\nArn: arn:aws:iam::123456789012:user/alice\nUserId: AIDAEXAMPLE\n",
        ),
        (
            &["--output", "yaml-stream"][..],
            "- Account: '123456789012'\n  Arn: arn:aws:iam::123456789012:user/alice\n  UserId: AIDAEXAMPLE\n",
        ),
        (
            &["--output", "yaml", "--query", "Account"][..],
            "\"123456789012\"\n",
        ),
        (
            &["--output", "yaml-stream", "--query", "[Account, UserId]"][..],
            "- - '123456789012'\n  - AIDAEXAMPLE\n",
        ),
        // v2's table of a scalar result: the title alone.
        (
            &["--output", "table", "--query", "Account"][..],
            "-------------------\n|GetCallerIdentity|\n+-----------------+\n",
        ),
        (&["--output", "off"][..], ""),
    ] {
        let mut argv = vec!["get-caller-identity"];
        argv.extend(args);
        let (code, stdout, stderr) = out(&sts(&fake, &[], &argv));
        assert_eq!((code, stdout.as_str()), (0, want), "{args:?}: {stderr}");
    }
    // AWS_DEFAULT_OUTPUT accepts the new formats too.
    let o = sts(
        &fake,
        &[("AWS_DEFAULT_OUTPUT", "table")],
        &["get-caller-identity"],
    );
    assert_eq!(out(&o).1, IDENTITY_TABLE);
}

#[test]
fn credentials_in_table_and_yaml() {
    let fake = FakeSts::start(Reply::xml(200, success("GetSessionToken", CREDS_XML)));
    let o = sts(&fake, &[], &["get-session-token", "--output", "table"]);
    assert_eq!(
        out(&o).1,
        "----------------------------------------------------\n\
         |                  GetSessionToken                 |\n\
         +--------------------------------------------------+\n\
         ||                   Credentials                  ||\n\
         |+------------------+-----------------------------+|\n\
         ||  AccessKeyId     |  ASIAFAKEEXAMPLE00001       ||\n\
         ||  Expiration      |  2030-01-01T00:00:00+00:00  ||\n\
         ||  SecretAccessKey |  fake-secret-key            ||\n\
         ||  SessionToken    |  fake-session-token         ||\n\
         |+------------------+-----------------------------+|\n"
    );
    let o = sts(&fake, &[], &["get-session-token", "--output", "yaml"]);
    assert_eq!(
        out(&o).1,
        "Credentials:\n  AccessKeyId: ASIAFAKEEXAMPLE00001\n  Expiration: '2030-01-01T00:00:00+00:00'\n  \
         SecretAccessKey: fake-secret-key\n  SessionToken: fake-session-token\n"
    );
    let o = sts(
        &fake,
        &[],
        &[
            "get-session-token",
            "--query",
            "Credentials.AccessKeyId",
            "--output",
            "text",
        ],
    );
    assert_eq!(out(&o).1, "ASIAFAKEEXAMPLE00001\n");
}

#[test]
fn a_bad_query_is_a_usage_error_before_any_call() {
    let fake = FakeSts::start(caller_identity());
    let (code, stdout, stderr) = out(&sts(
        &fake,
        &[],
        &["get-caller-identity", "--query", "foo["],
    ));
    assert_eq!(code, 252);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "\nsts: [ERROR]: An error occurred (ParamValidation): Bad value for --query foo[: Invalid jmespath expression: Incomplete expression:\n\"foo[\"\n     ^\n"
    );
    // Reported before the command's own errors, as the AWS CLI resolves global options first.
    let (code, _, stderr) = out(&sts(&fake, &[], &["assume-role", "--query", "a ~"]));
    assert_eq!(code, 252);
    assert!(
        stderr
            .starts_with("\nsts: [ERROR]: An error occurred (ParamValidation): Bad value for --query a ~: Bad jmespath expression: Unknown token ~:"),
        "{stderr}"
    );
    assert_eq!(fake.count(), 0, "no request for a bad query");
}

#[test]
fn a_query_failing_on_the_result_exits_255() {
    let fake = FakeSts::start(caller_identity());
    let (code, stdout, stderr) = out(&sts(
        &fake,
        &[],
        &["get-caller-identity", "--query", "foo(@)"],
    ));
    assert_eq!((code, stdout.as_str()), (255, ""));
    assert_eq!(stderr, "\nsts: [ERROR]: Unknown function: foo()\n");
    let (code, _, stderr) = out(&sts(
        &fake,
        &[],
        &["get-caller-identity", "--query", "abs(Account)"],
    ));
    assert_eq!(code, 255);
    assert!(
        stderr.contains("In function abs(), invalid type for value: 123456789012"),
        "{stderr}"
    );
}

/// Runs `sts` as [`sts`] does, but kills it after `seconds` and, on Linux, caps its address
/// space at `max_mib` (through `sh -c 'ulimit -v'`), so a run that would eat the machine fails
/// fast instead.
fn sts_bounded(fake: &FakeSts, args: &[&str], seconds: u64, max_mib: u64) -> (Output, Duration) {
    let home = std::env::temp_dir().join(format!("sts-cli-query-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("home");
    let bin = env!("CARGO_BIN_EXE_sts");
    let mut c = if cfg!(target_os = "linux") {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", max_mib * 1024))
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", fake.url())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().expect("run sts");
    // Read the pipes on threads so that a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut buf);
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(seconds) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sts {args:.80?} ran for more than {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let output = Output {
        status,
        stdout: out.join().expect("stdout thread"),
        stderr: err.join().expect("stderr thread"),
    };
    (output, elapsed)
}

/// Issue 16 (Low 7): a 132-character `[@,@]` query made `sts` copy its result millions of times
/// (5.9 GB, minutes). It now shares values, and a result too large to print fails at once, in
/// every format, with the AWS CLI's exit status for a query that fails on the result.
#[test]
fn a_query_result_too_large_to_print_fails_fast() {
    let fake = FakeSts::start(caller_identity());
    let issue = format!("[@,@]{} ", "|[@,@]".repeat(21));
    assert_eq!(issue.len(), 132);
    let forty = format!("[@,@]{}", "|[@,@]".repeat(39));
    for (query, format) in [
        (issue.as_str(), "json"),
        (issue.as_str(), "text"),
        (issue.as_str(), "table"),
        (issue.as_str(), "yaml"),
        (issue.as_str(), "yaml-stream"),
        (forty.as_str(), "json"),
    ] {
        let args = ["get-caller-identity", "--query", query, "--output", format];
        let (o, took) = sts_bounded(&fake, &args, 60, 512);
        let (code, stdout, stderr) = out(&o);
        assert_eq!((code, stdout.as_str()), (255, ""), "{format}: {stderr}");
        assert!(
            stderr.starts_with("\nsts: [ERROR]: The --query result is too large to print: about ")
                && stderr.ends_with(" of output, more than the limit of 64 MiB\n"),
            "{format}: {stderr}"
        );
        assert!(took < Duration::from_secs(20), "{format}: {took:?}");
    }
    // Evaluating it is cheap: only printing it all is refused.
    let (o, _) = sts_bounded(
        &fake,
        &[
            "get-caller-identity",
            "--query",
            &format!("{forty} | [0][1][0].length(@)"),
        ],
        60,
        512,
    );
    assert_eq!(out(&o).1, "2\n");
    // Walking it in the query runs out of budget with its own message.
    let (o, _) = sts_bounded(
        &fake,
        &[
            "get-caller-identity",
            "--query",
            &format!("to_string({forty})"),
        ],
        60,
        512,
    );
    let (code, _, stderr) = out(&o);
    assert_eq!(code, 255);
    assert!(
        stderr.starts_with("\nsts: [ERROR]: The --query expression builds too much: "),
        "{stderr}"
    );
}
