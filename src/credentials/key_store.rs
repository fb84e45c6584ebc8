//! [`KeyStore`]: long-term keys kept outside the shared files (an encrypted file, a keychain, a
//! password manager), found by profile name.

use super::Credentials;
use crate::Error;
use std::fmt;
use std::panic::RefUnwindSafe;

/// Long-term access keys kept outside `~/.aws/credentials`, by profile name: the `sts` program's
/// `sts keys` store is one. Give one to the chain
/// ([`DefaultChainBuilder::key_store`](super::DefaultChainBuilder::key_store), or
/// [`Settings::key_store`](crate::settings::Settings::key_store)) and a profile whose name it holds
/// gets its static keys from it:
///
/// - the selected profile, before anything else it sets (SSO, keys in the files, `login_session`,
///   `credential_process`), so that `credential_process = sts export-credentials --profile P` in
///   profile `P` itself serves other tools without calling itself;
/// - a `source_profile` of a role chain, as static keys in that profile would be (a profile naming
///   itself as `source_profile` included); the roles are assumed with the keys.
///
/// [`KeyStore::profiles`] is asked each time a profile is planned and must be cheap and never
/// prompt; [`KeyStore::keys`] only when the keys are needed (a role session still in the AWS
/// CLI's cache needs none), and may unlock the store: cache what it unlocks, so that a chain
/// through several stored profiles unlocks once.
///
/// `RefUnwindSafe` (what a `Mutex` or atomics inside give) keeps [`Settings`](crate::Settings),
/// which holds one, unwind-safe.
///
/// ```
/// use sts_blocking::credentials::{DefaultChain, Env, KeyStore, ProfileSet, Section};
/// use sts_blocking::{Credentials, Error, ProvideCredentials};
/// use std::sync::Arc;
///
/// #[derive(Debug)]
/// struct InMemory;
/// impl KeyStore for InMemory {
///     fn profiles(&self) -> Result<Vec<String>, Error> {
///         Ok(vec!["ci".to_owned()])
///     }
///     fn keys(&self, profile: &str) -> Result<Credentials, Error> {
///         assert_eq!(profile, "ci");
///         Ok(Credentials::new("AKIDSTORED", "stored-secret", None))
///     }
/// }
///
/// // `ci` has no keys in the files, only a region.
/// let profiles = ProfileSet::from_sections(vec![Section::new("ci", [("region", "eu-west-1")])], vec![], "ci");
/// let env = Env::from_map([("HOME", "/nonexistent"), ("AWS_EC2_METADATA_DISABLED", "true")]);
/// let chain = DefaultChain::builder(env)
///     .profiles(Arc::new(profiles))
///     .key_store(Some(Arc::new(InMemory)))
///     .build();
/// assert_eq!(chain.provide_credentials()?.access_key_id, "AKIDSTORED");
/// assert_eq!(chain.source_name(), "profile:ci (key store)");
/// # Ok::<(), Error>(())
/// ```
pub trait KeyStore: Send + Sync + fmt::Debug + RefUnwindSafe {
    /// The profiles whose keys the store holds. Asked each time the chain plans a profile: it
    /// must be cheap and must not prompt (no unlocking).
    ///
    /// # Errors
    /// A store that cannot be read: the chain stops with the error rather than using another
    /// identity.
    fn profiles(&self) -> Result<Vec<String>, Error>;

    /// The long-term keys of `profile` (one [`KeyStore::profiles`] named). May unlock the store.
    ///
    /// # Errors
    /// Whatever stops the keys from being read (a wrong passphrase, a tool that failed).
    fn keys(&self, profile: &str) -> Result<Credentials, Error>;
}
