//! `sdk gci|ar [N]`: the same as `ours`, on aws-config + aws-sdk-sts (tokio current-thread).
//! Configured from the environment as a user would (AWS_ENDPOINT_URL, AWS_REGION, static keys);
//! custom roots come from SSL_CERT_FILE (read by rustls-native-certs in the SDK's default client).
use std::time::Instant;

async fn call(client: &aws_sdk_sts::Client, op: &str) -> String {
    match op {
        "gci" => client
            .get_caller_identity()
            .send()
            .await
            .expect("GetCallerIdentity")
            .arn
            .unwrap_or_default(),
        "ar" => client
            .assume_role()
            .role_arn("arn:aws:iam::123456789012:role/demo")
            .role_session_name("bench")
            .send()
            .await
            .expect("AssumeRole")
            .assumed_role_user
            .map(|u| u.arn)
            .unwrap_or_default(),
        other => panic!("unknown op {other}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "gci".into());
    let n: u32 = args.next().map_or(1, |s| s.parse().expect("N"));
    let config = aws_config::load_from_env().await;
    let client = aws_sdk_sts::Client::new(&config);
    let arn = call(&client, &op).await;
    if n <= 1 {
        println!("{arn}");
        return;
    }
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(call(&client, &op).await);
    }
    println!(
        "calls_per_sec {:.1}",
        f64::from(n) / start.elapsed().as_secs_f64()
    );
}
