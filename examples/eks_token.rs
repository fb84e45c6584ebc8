//! An EKS token in Rust, as `aws eks get-token` makes it: a presigned `GetCallerIdentity` URL for
//! the cluster, base64url-encoded behind `k8s-aws-v1.`, printed as the `ExecCredential` kubectl
//! reads from a credential plugin. Presigning is pure: no request goes to AWS, only the
//! credentials are looked up (the AWS CLI's chain). Without credentials it signs with example keys
//! and says so: the cluster would reject that token, but the shape is the real one.
//!
//! ```text
//! cargo run --example eks_token -- my-cluster [region]   # your AWS credentials
//! cargo run --example eks_token -- --fake                # fixed example keys
//! ```
//!
//! As a kubeconfig `exec` plugin this is `command: eks_token`, `args: [my-cluster]`.

mod common;

use sts_blocking::credentials::{Env, ProvideCredentials};
use sts_blocking::endpoint::{EndpointParams, resolve};
use sts_blocking::presign::{EksToken, eks_token, exec_api_version};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::sigv4::SigningKeyCache;
use sts_blocking::time::OffsetDateTime;
use sts_blocking::{Credentials, Error};

/// A token for `cluster` in `region` with the credentials `env` leads to, or example keys (and a
/// note saying so) when it leads to none.
fn token(env: &Env, cluster: &str, region: &str) -> Result<(EksToken, Option<String>), Error> {
    let settings = Settings::load(env, &Overrides::default())?;
    let (credentials, note) = match settings.credentials_provider(None).provide_credentials() {
        Ok(c) => (c, None),
        Err(e) if e.is_no_credentials() => (
            Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
            ),
            Some(
                "no AWS credentials found: signed with example keys (EKS rejects this token)"
                    .into(),
            ),
        ),
        Err(e) => return Err(e),
    };
    // The regional STS endpoint of the cluster's region, as `aws eks get-token` presigns it.
    let endpoint = resolve(&EndpointParams::for_region(region))?;
    let token = eks_token(
        &endpoint,
        &credentials,
        OffsetDateTime::now_utc(),
        cluster,
        &SigningKeyCache::new(),
    )?;
    Ok((token, note))
}

fn main() {
    let (env, fake) = common::env_from_args();
    let mut args = common::args().into_iter();
    let cluster = args
        .next()
        .or_else(|| fake.as_ref().map(|_| "example-cluster".to_owned()));
    let Some(cluster) = cluster else {
        eprintln!("usage: eks_token CLUSTER [REGION]   (or --fake)");
        std::process::exit(2);
    };
    let region = args
        .next()
        .or_else(|| env.get("AWS_REGION"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    match token(&env, &cluster, &region) {
        Ok((t, note)) => {
            if let Some(n) = note {
                eprintln!("eks_token: {n}");
            }
            // kubectl passes the ExecCredential version it wants in KUBERNETES_EXEC_INFO.
            let info = env.get_raw("KUBERNETES_EXEC_INFO");
            println!(
                "{}",
                t.exec_credential_json(&exec_api_version(info.as_deref()))
            );
        }
        Err(e) => {
            eprintln!("eks_token: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The presigned URL inside a token.
    fn url(t: &EksToken) -> String {
        let b64 = t
            .token
            .expose()
            .strip_prefix("k8s-aws-v1.")
            .expect("prefix");
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in b64.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => panic!("not base64url: {c}"),
            };
            bits = (bits << 6) | u32::from(v);
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push(u8::try_from((bits >> n) & 0xff).unwrap());
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn presigns_for_the_cluster_with_the_environment_keys() {
        let fake = common::FakeSts::start();
        let (t, note) = token(&fake.env(), "prod", "eu-west-1").unwrap();
        assert!(note.is_none());
        let u = url(&t);
        assert!(
            u.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity"),
            "{u}"
        );
        assert!(u.contains("X-Amz-Credential=AKIDEXAMPLE%2F"), "{u}");
        assert!(u.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"), "{u}");
        // Presigning sends nothing.
        assert_eq!(fake.calls("GetCallerIdentity"), 0);
    }

    #[test]
    fn without_credentials_it_says_the_token_is_an_example() {
        let (t, note) = token(&common::empty_env(), "prod", "us-east-1").unwrap();
        assert!(note.unwrap().contains("example keys"));
        assert!(t.token.expose().starts_with("k8s-aws-v1."));
    }
}
