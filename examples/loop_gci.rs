//! Times N GetCallerIdentity calls against an endpoint (for profiling; not a benchmark of record).
fn main() {
    let url = std::env::args().nth(1).expect("endpoint url");
    let n: usize = std::env::args().nth(2).map_or(1000, |s| s.parse().unwrap());
    let sts = sts_blocking::Sts::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(sts_blocking::Credentials::new("AKIDEXAMPLE", "s", None))
        .build()
        .unwrap();
    let t = std::time::Instant::now();
    for _ in 0..n {
        sts.get_caller_identity().unwrap();
    }
    let e = t.elapsed();
    println!(
        "{n} calls in {e:?}: {:.0} µs/call",
        e.as_secs_f64() * 1e6 / n as f64
    );
}
