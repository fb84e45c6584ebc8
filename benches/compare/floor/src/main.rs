//! `floor gci|ar [N]`: the floor on our exact dependency set. One unsigned ureq POST of the form body
//! and a roxmltree parse of the response into owned strings; AWS_CA_BUNDLE loaded as the only roots.
//! No signing, no validation, no retries, no timestamps: what any program on ureq + rustls(ring) +
//! roxmltree pays at least.
//!
//! `FLOOR_HEADERS=sts`: the same, sending the headers an STS call carries (`x-amz-date`,
//! `authorization`, `amz-sdk-invocation-id`, `amz-sdk-request`, our `user-agent`,
//! `accept-encoding: identity`, no `accept`) as fixed strings of the real lengths, computing none:
//! what the protocol's headers cost the client's writes and the server, apart from our code.
use std::time::Instant;
use ureq::tls::{PemItem, RootCerts, TlsConfig};

/// The headers of a signed STS request, fixed values of the real lengths.
const STS_HEADERS: [(&str, &str); 4] = [
    ("x-amz-date", "20261129T120000Z"),
    (
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/sts/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ),
    ("amz-sdk-invocation-id", "0123abcd-89ab-4cde-8f01-23456789abcd"),
    ("amz-sdk-request", "attempt=1; max=3"),
];

fn sts_headers() -> bool {
    std::env::var("FLOOR_HEADERS").is_ok_and(|v| v == "sts")
}

fn agent() -> ureq::Agent {
    let mut tls = TlsConfig::builder();
    if let Ok(path) = std::env::var("AWS_CA_BUNDLE") {
        let pem = std::fs::read(path).expect("CA bundle");
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|i| match i {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls.build());
    if sts_headers() {
        config = config
            .user_agent(
                "sts-blocking/0.2.0 ua/2.1 api/sts#2011-06-15 os/linux lang/rust md/ureq#3",
            )
            .accept("")
            .accept_encoding("identity");
    }
    config.build().into()
}

fn texts(body: &str, names: &[&str]) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).expect("XML");
    names
        .iter()
        .map(|name| {
            doc.descendants()
                .find(|n| n.has_tag_name(*name))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn call(agent: &ureq::Agent, url: &str, op: &str) -> String {
    let (body, names): (&str, &[&str]) = match op {
        "gci" => (
            "Action=GetCallerIdentity&Version=2011-06-15",
            &["Arn", "UserId", "Account", "RequestId"],
        ),
        "ar" => (
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=bench",
            &[
                "AccessKeyId",
                "SecretAccessKey",
                "SessionToken",
                "Expiration",
                "Arn",
                "AssumedRoleId",
                "RequestId",
            ],
        ),
        other => panic!("unknown op {other}"),
    };
    let mut req = agent.post(url).header(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    );
    if sts_headers() {
        for (name, value) in STS_HEADERS {
            req = req.header(name, value);
        }
    }
    let mut resp = req.send(body).expect("POST");
    let text = resp.body_mut().read_to_string().expect("body");
    let mut out = texts(&text, names);
    out.swap_remove(if op == "gci" { 0 } else { 4 })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "gci".into());
    let n: u32 = args.next().map_or(1, |s| s.parse().expect("N"));
    let url = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let agent = agent();
    let arn = call(&agent, &url, &op);
    if n <= 1 {
        println!("{arn}");
        return;
    }
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(call(&agent, &url, &op));
    }
    println!(
        "calls_per_sec {:.1}",
        f64::from(n) / start.elapsed().as_secs_f64()
    );
}
