//! `ours gci|ar [N]`: GetCallerIdentity or AssumeRole with sts-blocking, configured from the
//! environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID/SECRET, AWS_CA_BUNDLE).
//! N = 1: one call, prints the ARN. N > 1: one warm-up call, then N calls on the same client
//! (keep-alive), prints `calls_per_sec <x>`.
use std::time::Instant;
use sts_blocking::Sts;
use sts_blocking::ops::AssumeRole;

fn call(sts: &Sts, op: &str, role: &AssumeRole) -> String {
    match op {
        "gci" => sts
            .get_caller_identity()
            .expect("GetCallerIdentity")
            .arn
            .unwrap_or_default(),
        "ar" => sts
            .assume_role(role)
            .expect("AssumeRole")
            .assumed_role_user
            .map(|u| u.arn)
            .unwrap_or_default(),
        other => panic!("unknown op {other}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "gci".into());
    let n: u32 = args.next().map_or(1, |s| s.parse().expect("N"));
    let sts = Sts::from_env().expect("client");
    let role = AssumeRole::new("arn:aws:iam::123456789012:role/demo", "bench");
    let arn = call(&sts, &op, &role);
    if n <= 1 {
        println!("{arn}");
        return;
    }
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(call(&sts, &op, &role));
    }
    println!(
        "calls_per_sec {:.1}",
        f64::from(n) / start.elapsed().as_secs_f64()
    );
}
