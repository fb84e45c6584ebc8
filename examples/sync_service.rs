//! A synchronous service working as an IAM role: an auto-refreshing [`AssumeRoleProvider`] shared
//! by its worker threads. The provider assumes the role once, hands the same temporary
//! credentials to every thread, and assumes it again in the background of a call when they come
//! within minutes of expiring (one thread refreshes, the others keep working with the old ones);
//! no thread ever sees expired credentials and no timer thread is needed.
//!
//! ```text
//! cargo run --example sync_service -- arn:aws:iam::123456789012:role/app   # your AWS account
//! cargo run --example sync_service -- --fake                                # a loopback fake STS
//! ```

mod common;

use std::sync::Arc;
use sts_blocking::credentials::{AssumeRoleProvider, Env, ProvideCredentials};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Error, Sts};

/// What the workers saw.
struct Report {
    /// The identity each request ran as.
    identities: Vec<String>,
    /// The access key id of the role session they shared.
    access_key_id: String,
    /// When that session expires (the provider refreshes it before).
    expiration: String,
}

/// The service: `workers` threads, each making `requests` calls to STS as `role_arn`.
fn serve(env: &Env, role_arn: &str, workers: usize, requests: usize) -> Result<Report, Error> {
    let settings = Settings::load(env, &Overrides::default())?;
    // The role's credentials, from whatever the machine has (environment, profile, SSO, IMDS...).
    // Fifteen-minute sessions, renewed ahead of expiry, on every thread, for as long as it runs.
    let role = Arc::new(
        AssumeRoleProvider::builder(role_arn)
            .session_name("sync-service")
            .duration_seconds(900)
            .source(settings.credentials_provider(None))
            .sts(settings.sts_builder_without_credentials().build()?)
            .build()?,
    );
    // A client that signs every call with the role: any `Sts` (or your own signer) takes a provider.
    let client = settings
        .sts_builder_without_credentials()
        .credentials_provider(role.clone())
        .build()?;
    let identities = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let client: &Sts = &client;
                scope.spawn(move || -> Result<Vec<String>, Error> {
                    (0..requests)
                        .map(|_| Ok(client.get_caller_identity()?.arn.unwrap_or_default()))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::config("a worker panicked")))
            })
            .collect::<Result<Vec<Vec<String>>, Error>>()
    })?;
    let now = role.provide_credentials()?;
    Ok(Report {
        identities: identities.concat(),
        access_key_id: now.access_key_id,
        expiration: now
            .expiration
            .map_or_else(|| "never".to_owned(), |e| e.to_string()),
    })
}

fn main() {
    let (env, fake) = common::env_from_args();
    let role = common::args().into_iter().next().or_else(|| {
        fake.as_ref()
            .map(|_| "arn:aws:iam::123456789012:role/app".to_owned())
    });
    let Some(role) = role else {
        eprintln!(
            "usage: sync_service ROLE_ARN   (or --fake to run against a loopback fake STS)\n\
             It would assume ROLE_ARN once with your AWS credentials and let 4 worker threads\n\
             share the auto-refreshing session."
        );
        std::process::exit(2);
    };
    match serve(&env, &role, 4, 5) {
        Ok(r) => {
            println!(
                "{} requests served as {}",
                r.identities.len(),
                r.identities.first().map_or("?", String::as_str)
            );
            println!(
                "one role session for all of them: {} (expires {}, renewed before)",
                r.access_key_id, r.expiration
            );
            if let Some(f) = &fake {
                println!("AssumeRole calls: {}", f.calls("AssumeRole"));
            }
        }
        Err(e) => {
            eprintln!("sync_service: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_share_one_role_session() {
        let fake = common::FakeSts::start();
        let r = serve(&fake.env(), "arn:aws:iam::123456789012:role/app", 4, 5).unwrap();
        assert_eq!(r.identities.len(), 20);
        assert!(
            r.identities
                .iter()
                .all(|a| a == "arn:aws:sts::123456789012:assumed-role/app/sync-service"),
            "{:?}",
            r.identities
        );
        // Assumed once for 20 calls on 4 threads (and the final look).
        assert_eq!(fake.calls("AssumeRole"), 1);
        assert_eq!(fake.calls("GetCallerIdentity"), 20);
        assert!(r.access_key_id.starts_with("ASIAFAKE"));
    }
}
