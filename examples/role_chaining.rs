//! Role chaining: from the machine's credentials into role A, and from role A into role B — first
//! by hand, one `AssumeRole` per hop on one client, then with two [`AssumeRoleProvider`]s stacked
//! so that both sessions renew themselves. (STS caps a chained session at one hour.)
//!
//! ```text
//! cargo run --example role_chaining -- ROLE_A_ARN ROLE_B_ARN   # your AWS account
//! cargo run --example role_chaining -- --fake                  # a loopback fake STS
//! ```

mod common;

use std::sync::Arc;
use sts_blocking::credentials::{AssumeRoleProvider, Env, ProvideCredentials};
use sts_blocking::ops::{AssumeRole, GetCallerIdentity};
use sts_blocking::settings::{Overrides, Settings};
use sts_blocking::{Credentials, Error, Sts};

/// Who `credentials` are, asked with `sts` (which shares its pool, retry quota and clock offset).
fn identity(sts: &Sts, credentials: &Credentials) -> Result<String, Error> {
    let out = sts.send_with_credentials(&GetCallerIdentity::new(), credentials)?;
    Ok(out.arn.unwrap_or_default())
}

/// The identity at each hop, by hand: one client, `send_with_credentials` for each hop.
fn by_hand(env: &Env, role_a: &str, role_b: &str) -> Result<Vec<String>, Error> {
    let sts = Settings::load(env, &Overrides::default())?
        .sts_builder()
        .build()?;
    let base = sts.resolve_credentials()?;
    let a = sts
        .send_with_credentials(
            &AssumeRole::new(role_a, "hop-a").duration_seconds(900),
            &base,
        )?
        .into_credentials()?;
    let b = sts
        .send_with_credentials(&AssumeRole::new(role_b, "hop-b").duration_seconds(900), &a)?
        .into_credentials()?;
    Ok(vec![
        identity(&sts, &base)?,
        identity(&sts, &a)?,
        identity(&sts, &b)?,
    ])
}

/// The same chain as providers: B's source is A, A's source is the machine's credentials. Each
/// renews its session before it expires, so `b` can be used for as long as the program runs.
fn with_providers(env: &Env, role_a: &str, role_b: &str) -> Result<String, Error> {
    let settings = Settings::load(env, &Overrides::default())?;
    let client = settings.sts_builder_without_credentials().build()?;
    let a = AssumeRoleProvider::builder(role_a)
        .session_name("hop-a")
        .source(settings.credentials_provider(None))
        .sts(client.clone())
        .build()?;
    let b = AssumeRoleProvider::builder(role_b)
        .session_name("hop-b")
        .source(Arc::new(a))
        .sts(client.clone())
        .build()?;
    identity(&client, &b.provide_credentials()?)
}

fn main() {
    let (env, fake) = common::env_from_args();
    let mut args = common::args().into_iter();
    let roles = match (args.next(), args.next(), &fake) {
        (Some(a), Some(b), _) => (a, b),
        (_, _, Some(_)) => (
            "arn:aws:iam::123456789012:role/a".to_owned(),
            "arn:aws:iam::123456789012:role/b".to_owned(),
        ),
        _ => {
            eprintln!(
                "usage: role_chaining ROLE_A_ARN ROLE_B_ARN   (or --fake)\n\
                 It would assume ROLE_A with your AWS credentials, then ROLE_B with role A's,\n\
                 and print the identity at each hop."
            );
            std::process::exit(2);
        }
    };
    let run = || -> Result<(), Error> {
        for (hop, arn) in by_hand(&env, &roles.0, &roles.1)?.iter().enumerate() {
            println!("hop {hop}: {arn}");
        }
        println!("providers: {}", with_providers(&env, &roles.0, &roles.1)?);
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("role_chaining: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "arn:aws:iam::123456789012:role/a";
    const B: &str = "arn:aws:iam::123456789012:role/b";

    #[test]
    fn each_hop_is_the_next_identity() {
        let fake = common::FakeSts::start();
        assert_eq!(
            by_hand(&fake.env(), A, B).unwrap(),
            [
                "arn:aws:iam::123456789012:user/example",
                "arn:aws:sts::123456789012:assumed-role/a/hop-a",
                "arn:aws:sts::123456789012:assumed-role/b/hop-b",
            ]
        );
        assert_eq!(fake.calls("AssumeRole"), 2);
    }

    #[test]
    fn stacked_providers_end_at_role_b() {
        let fake = common::FakeSts::start();
        assert_eq!(
            with_providers(&fake.env(), A, B).unwrap(),
            "arn:aws:sts::123456789012:assumed-role/b/hop-b"
        );
        assert_eq!(fake.calls("AssumeRole"), 2);
    }
}
