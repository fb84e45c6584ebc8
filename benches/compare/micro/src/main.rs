//! Measurement helpers for ../run, all interleaved so that a noisy shared machine hits every side alike.
//!
//! `micro inproc ROUNDS`: in-process timings, median ns per operation over ROUNDS interleaved rounds:
//!   our signer (cached and cold key) vs aws-sigv4 on the same POST, and our AssumeRole parser vs a
//!   raw roxmltree floor on the same body.
//! `micro procs ROUNDS NAME CMD [NAME CMD]...`: runs each CMD (whitespace-split, leading `K=V` words
//!   are environment variables) once per round, round-robin; prints the median wall time in ms, and
//!   the median of a `calls_per_sec X` line when the command prints one.
use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const AR_XML: &[u8] = include_bytes!("../../../fixtures/assume-role.xml");
const AR_BODY: &str = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=bench";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
const HOST: &str = "sts.us-east-1.amazonaws.com";
const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// ns per call of `f`, over a batch sized to take about `target`.
fn time_batch(iters: u32, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

fn ours_sign(keys: &sts_blocking::sigv4::SigningKeyCache, t: time::OffsetDateTime) {
    use sts_blocking::sigv4::{SignableRequest, SigningParams, sign};
    let headers = [("host", HOST), ("content-type", CONTENT_TYPE)];
    let req = SignableRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: AR_BODY.as_bytes(),
    };
    let params = SigningParams::new(AKID, SECRET, None, "us-east-1", "sts", t);
    let out = sign(&req, &params, keys);
    black_box(out.authorization);
}

fn aws_sign(identity: &aws_smithy_runtime_api::client::identity::Identity, t: SystemTime) {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region("us-east-1")
        .name("sts")
        .time(t)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let headers = [("host", HOST), ("content-type", CONTENT_TYPE)];
    let req = SignableRequest::new(
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        headers.into_iter(),
        SignableBody::Bytes(AR_BODY.as_bytes()),
    )
    .expect("request");
    let (instructions, _sig) = sign(req, &params).expect("sign").into_parts();
    black_box(instructions);
}

fn ours_parse() {
    use sts_blocking::ops::AssumeRole;
    let d = sts_blocking::__private::xml::decode_response::<AssumeRole>(200, black_box(AR_XML), None)
        .expect("parse");
    black_box(d);
}

/// The floor: roxmltree parse, one pass over the elements, the same fields copied out as owned
/// strings.
fn floor_parse() {
    let text = std::str::from_utf8(black_box(AR_XML)).expect("utf8");
    let doc = roxmltree::Document::parse(text).expect("xml");
    let mut out: [Option<String>; 8] = Default::default();
    const NAMES: [&str; 8] = [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
        "Arn",
        "AssumedRoleId",
        "SourceIdentity",
        "RequestId",
    ];
    for n in doc.descendants().filter(roxmltree::Node::is_element) {
        if let Some(i) = NAMES.iter().position(|x| *x == n.tag_name().name()) {
            out[i] = n.text().map(str::to_owned);
        }
    }
    black_box(out);
}

fn inproc(rounds: usize) {
    let t = time::OffsetDateTime::from_unix_timestamp(1_440_938_160).expect("time");
    let st = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
    let identity = aws_credential_types::Credentials::new(AKID, SECRET, None, None, "bench").into();
    let keys = sts_blocking::sigv4::SigningKeyCache::new();
    let mut cases: Vec<(&str, Box<dyn FnMut()>)> = vec![
        ("sign_ours_cached", Box::new(|| ours_sign(&keys, t))),
        (
            "sign_ours_cold",
            Box::new(|| ours_sign(&sts_blocking::sigv4::SigningKeyCache::new(), t)),
        ),
        ("sign_aws_sigv4", Box::new(|| aws_sign(&identity, st))),
        ("parse_ours_assume_role", Box::new(ours_parse)),
        ("parse_roxmltree_floor", Box::new(floor_parse)),
    ];
    // Calibrate each case to ~20 ms per batch.
    let iters: Vec<u32> = cases
        .iter_mut()
        .map(|(_, f)| {
            let ns = time_batch(200, f.as_mut());
            ((20e6 / ns) as u32).max(10)
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); cases.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in cases.iter_mut().enumerate() {
            samples[i].push(time_batch(iters[i], f.as_mut()));
        }
    }
    for ((name, _), s) in cases.iter().zip(samples.iter_mut()) {
        println!("{name} {:.1}", median(s));
    }
}

fn procs(rounds: usize, specs: &[String]) {
    let cmds: Vec<(&str, Vec<(&str, &str)>, Vec<&str>)> = specs
        .chunks(2)
        .map(|c| {
            let mut env = Vec::new();
            let mut argv = Vec::new();
            for w in c[1].split_whitespace() {
                match w.split_once('=') {
                    Some((k, v)) if argv.is_empty() => env.push((k, v)),
                    _ => argv.push(w),
                }
            }
            (c[0].as_str(), env, argv)
        })
        .collect();
    let mut wall = vec![Vec::with_capacity(rounds); cmds.len()];
    let mut cps = vec![Vec::with_capacity(rounds); cmds.len()];
    for _ in 0..rounds {
        for (i, (name, env, argv)) in cmds.iter().enumerate() {
            let start = Instant::now();
            let out = Command::new(argv[0])
                .args(&argv[1..])
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .expect("spawn");
            let ms = start.elapsed().as_secs_f64() * 1e3;
            assert!(out.status.success(), "{name} failed: {}", out.status);
            wall[i].push(ms);
            let text = String::from_utf8_lossy(&out.stdout);
            if let Some(v) = text
                .lines()
                .find_map(|l| l.strip_prefix("calls_per_sec "))
                .and_then(|v| v.trim().parse::<f64>().ok())
            {
                cps[i].push(v);
            }
        }
    }
    for (i, (name, _, _)) in cmds.iter().enumerate() {
        // Every round's figure too, in round order, so that the caller can pair programs that ran
        // back to back in the same round (a ratio per round, then its median).
        let samples: Vec<String> = if cps[i].is_empty() { &wall[i] } else { &cps[i] }
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect();
        println!("samples:{name} {}", samples.join(" "));
        let m = median(&mut wall[i]);
        if cps[i].is_empty() {
            println!("{name} {m:.3}");
        } else {
            println!("{name} {:.1}", median(&mut cps[i]));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(15);
    match args.first().map(String::as_str) {
        Some("inproc") => inproc(rounds),
        Some("procs") => procs(rounds, &args[2..]),
        _ => {
            eprintln!("usage: micro inproc ROUNDS | micro procs ROUNDS NAME CMD [NAME CMD]...");
            std::process::exit(2);
        }
    }
}
