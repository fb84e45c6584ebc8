//! [`CliCache`]: the AWS CLI's own credential cache, `~/.aws/cli/cache/<key>.json`, read and
//! written the way the CLI (botocore's `JSONFileCache` and `CachedCredentialFetcher`) does, so the
//! `aws` command and this crate reuse each other's role sessions: an MFA role profile asks for a code
//! once per session, not once per run.
//!
//! - **Keys.** Assume-role and web-identity entries: the SHA-1 hex of
//!   `json.dumps(args, sort_keys=True)` over the call's arguments (`RoleArn`, and `RoleSessionName`,
//!   `ExternalId`, `SerialNumber`, `DurationSeconds` when configured; a generated session name is
//!   left out, a `Policy` is parsed and re-serialized with sorted keys, `TokenCode` and
//!   `WebIdentityToken` never take part). SSO role credentials: the SHA-1 of the compact, sorted
//!   `{"accountId", "roleName", "sessionName" | "startUrl"}`. See [`cache_key`],
//!   [`role_hop_cache_key`], [`web_identity_cache_key`], [`sso_cache_key`].
//! - **Entries.** The STS response (`Credentials` with `Expiration` written as the CLI writes it,
//!   `2026-01-01T00:00:00UTC`, plus `AccountId`; `AssumedRoleUser`), or for SSO
//!   `{"ProviderType": "sso", "Credentials": {... "Expiration": "...Z", "AccountId"}}`. Both
//!   timestamp forms are read. An entry is used while at least 15 minutes remain.
//! - **Files.** Written atomically (temp file + rename) with mode `0600` in a `0700` directory. A
//!   missing, corrupt, oversized or unreadable entry is a cache miss, never an error; a fresh call
//!   replaces it.
//!
//! **Security note.** The cache holds live session credentials (secret key and session token) on
//! disk, exactly as the AWS CLI's does: anyone who can read the files can use the sessions until they
//! expire. It is on for the `sts` command (as it is for `aws`) and off by default for library users;
//! turn it on with `Settings::credential_cache`,
//! `DefaultChainBuilder::cli_cache`, `StsRoleAssumer::cli_cache` or the `file_cache` option of the
//! STS-backed providers.
//!
//! ```
//! use sts_blocking::__private::credentials::cli_cache::{cache_key, web_identity_cache_key};
//! use sts_blocking::json::parse;
//! let args = parse(r#"{"RoleArn": "arn:aws:iam::123456789012:role/r", "SerialNumber": "mfa"}"#)?;
//! assert_eq!(cache_key(&args).unwrap().len(), 40);
//! assert_eq!(web_identity_cache_key("arn:aws:iam::1:role/r", None).len(), 40);
//! # Ok::<(), sts_blocking::json::JsonError>(())
//! ```

pub(crate) mod cache_io;
pub(crate) mod pyjson;
pub(crate) mod sha1;

use crate::SecretString;
use crate::credentials::Credentials;
use crate::credentials::plan::RoleHop;
use crate::env::{Env, Platform};
use crate::json::{self, Value};
use crate::ops::{AssumeRole, AssumedRoleUser};
use pyjson::Style;
use sha1::sha1_hex;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// An entry is used while at least this much of its lifetime remains (botocore's window).
pub const EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Entries larger than this are ignored (real ones are about 1.5 KiB).
pub const MAX_ENTRY_BYTES: u64 = 256 * 1024;

fn str_value(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// The cache key of a call with the arguments `args` (a JSON object of the STS call's parameters,
/// as botocore's `AssumeRoleCredentialFetcher._create_cache_key` sees them): a `Policy` string is
/// parsed first so its keys sort too, an empty `RoleSessionName` is left out (botocore generates
/// one), then `json.dumps(args, sort_keys=True)` is hashed with SHA-1.
///
/// `None` when `args` is not an object or its `Policy` is not JSON (the CLI fails there; we skip
/// the cache).
#[must_use]
pub fn cache_key(args: &Value) -> Option<String> {
    let Value::Object(members) = args else {
        return None;
    };
    let mut members = members.clone();
    // An empty (falsy) session name is one botocore generates itself, so it is left out.
    let generated_name = members
        .iter()
        .rev()
        .find(|(k, _)| k == "RoleSessionName")
        .is_some_and(|(_, v)| matches!(v, Value::Null) || v.as_str() == Some(""));
    if generated_name {
        members.retain(|(k, _)| k != "RoleSessionName");
    }
    for (k, v) in &mut members {
        if k == "Policy"
            && let Value::String(text) = v
        {
            *v = json::parse(text).ok()?;
        }
    }
    let text = pyjson::dumps(
        &Value::Object(members),
        Style {
            sort_keys: true,
            compact: false,
        },
    );
    Some(sha1_hex(text.as_bytes()))
}

/// The cache key of a profile's role hop (`role_arn` with its `role_session_name`, `external_id`,
/// `mfa_serial` and `duration_seconds` as configured), as the AWS CLI computes it.
#[must_use]
pub fn role_hop_cache_key(hop: &RoleHop) -> String {
    let mut args = vec![("RoleArn".to_owned(), str_value(&hop.role_arn))];
    if let Some(s) = hop.session_name.as_ref().filter(|s| !s.is_empty()) {
        args.push(("RoleSessionName".to_owned(), str_value(s)));
    }
    if let Some(s) = &hop.external_id {
        args.push(("ExternalId".to_owned(), str_value(s)));
    }
    if let Some(s) = &hop.mfa_serial {
        args.push(("SerialNumber".to_owned(), str_value(s)));
    }
    if let Some(d) = hop.duration_seconds {
        args.push(("DurationSeconds".to_owned(), Value::Number(d.to_string())));
    }
    hash_sorted(args)
}

/// The cache key of an `AssumeRole` call made by a library provider: every member set on `op` but
/// `TokenCode`, with `RoleSessionName` only when `session_name_configured` (a generated one is left
/// out, as the CLI leaves out its own). Members use their STS names and shapes (`PolicyArns` as
/// `[{"arn": ..}]`, `Tags` as `[{"Key", "Value"}]`), as botocore's `extra_args` would hold them.
///
/// `None` when the policy is not JSON.
#[must_use]
pub fn assume_role_cache_key(op: &AssumeRole, session_name_configured: bool) -> Option<String> {
    let mut args = vec![("RoleArn".to_owned(), str_value(&op.role_arn))];
    let mut push = |k: &str, v: Value| args.push((k.to_owned(), v));
    if session_name_configured {
        push("RoleSessionName", str_value(&op.role_session_name));
    }
    if let Some(p) = &op.policy_arns {
        let items = p
            .iter()
            .map(|d| {
                Value::Object(
                    d.arn
                        .iter()
                        .map(|a| ("arn".to_owned(), str_value(a)))
                        .collect(),
                )
            })
            .collect();
        push("PolicyArns", Value::Array(items));
    }
    if let Some(p) = &op.policy {
        push("Policy", str_value(p));
    }
    if let Some(d) = op.duration_seconds {
        push("DurationSeconds", Value::Number(d.to_string()));
    }
    if let Some(tags) = &op.tags {
        let items = tags
            .iter()
            .map(|t| {
                Value::Object(vec![
                    ("Key".to_owned(), str_value(&t.key)),
                    ("Value".to_owned(), str_value(&t.value)),
                ])
            })
            .collect();
        push("Tags", Value::Array(items));
    }
    if let Some(keys) = &op.transitive_tag_keys {
        push(
            "TransitiveTagKeys",
            Value::Array(keys.iter().map(|k| str_value(k)).collect()),
        );
    }
    if let Some(s) = &op.external_id {
        push("ExternalId", str_value(s));
    }
    if let Some(s) = &op.serial_number {
        push("SerialNumber", str_value(s));
    }
    if let Some(s) = &op.source_identity {
        push("SourceIdentity", str_value(s));
    }
    if let Some(ctx) = &op.provided_contexts {
        let items = ctx
            .iter()
            .map(|c| {
                let mut m = Vec::new();
                if let Some(a) = &c.provider_arn {
                    m.push(("ProviderArn".to_owned(), str_value(a)));
                }
                if let Some(a) = &c.context_assertion {
                    m.push(("ContextAssertion".to_owned(), str_value(a.expose())));
                }
                Value::Object(m)
            })
            .collect();
        push("ProvidedContexts", Value::Array(items));
    }
    if let Some(n) = op.minimum_session_token_size {
        push("MinimumSessionTokenSize", Value::Number(n.to_string()));
    }
    cache_key(&Value::Object(args))
}

/// The cache key of `AssumeRoleWithWebIdentity` for `role_arn` (with the configured session name;
/// the token never takes part).
#[must_use]
pub fn web_identity_cache_key(role_arn: &str, session_name: Option<&str>) -> String {
    let mut args = vec![("RoleArn".to_owned(), str_value(role_arn))];
    if let Some(s) = session_name.filter(|s| !s.is_empty()) {
        args.push(("RoleSessionName".to_owned(), str_value(s)));
    }
    hash_sorted(args)
}

/// The cache key of SSO role credentials: `sessionName` for `[sso-session]` profiles, `startUrl`
/// for legacy ones, hashed from compact sorted JSON (botocore's `SSOCredentialFetcher`).
#[must_use]
pub fn sso_cache_key(
    account_id: &str,
    role_name: &str,
    session_name: Option<&str>,
    start_url: &str,
) -> String {
    let mut args = vec![
        ("roleName".to_owned(), str_value(role_name)),
        ("accountId".to_owned(), str_value(account_id)),
    ];
    match session_name {
        Some(s) => args.push(("sessionName".to_owned(), str_value(s))),
        None => args.push(("startUrl".to_owned(), str_value(start_url))),
    }
    let text = pyjson::dumps(
        &Value::Object(args),
        Style {
            sort_keys: true,
            compact: true,
        },
    );
    sha1_hex(text.as_bytes())
}

fn hash_sorted(args: Vec<(String, Value)>) -> String {
    let text = pyjson::dumps(
        &Value::Object(args),
        Style {
            sort_keys: true,
            compact: false,
        },
    );
    sha1_hex(text.as_bytes())
}

pub use crate::clock::timestamp;

/// Parses an `Expiration` as the CLI writes it (`...UTC`, from Python's `%Z`) or as RFC 3339
/// (`...Z`, `+00:00`, fractions).
pub(crate) fn parse_expiration(v: &str) -> Option<OffsetDateTime> {
    let v = v.trim();
    let rfc = match v.strip_suffix("UTC").or_else(|| v.strip_suffix("GMT")) {
        Some(naive) => format!("{naive}Z"),
        None => v.to_owned(),
    };
    OffsetDateTime::parse(&rfc, &time::format_description::well_known::Rfc3339).ok()
}

/// An entry's credentials, if it is well formed and at least [`EXPIRY_WINDOW`] remains at `now`.
#[must_use]
pub fn parse_entry(text: &str, now: OffsetDateTime) -> Option<Credentials> {
    let v = json::parse(text).ok()?;
    let c = v.get("Credentials")?;
    let s = |k: &str| c.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let expiration = parse_expiration(s("Expiration")?)?;
    let remaining = expiration - now;
    if remaining < EXPIRY_WINDOW {
        return None;
    }
    let mut creds = Credentials::new(
        s("AccessKeyId")?,
        s("SecretAccessKey")?,
        Some(SecretString::new(s("SessionToken")?)),
    )
    .with_expiration(expiration);
    creds.account_id = s("AccountId").map(str::to_owned).or_else(|| {
        v.get("AssumedRoleUser")
            .and_then(|u| u.get("Arn"))
            .and_then(Value::as_str)
            .and_then(crate::credentials::account_of_arn)
    });
    Some(creds)
}

fn credentials_members(c: &Credentials, expiration: String) -> Option<Vec<(String, Value)>> {
    let token = c.session_token.as_ref()?;
    let mut m = vec![
        ("AccessKeyId".to_owned(), str_value(&c.access_key_id)),
        (
            "SecretAccessKey".to_owned(),
            str_value(c.secret_access_key.expose()),
        ),
        ("SessionToken".to_owned(), str_value(token.expose())),
        ("Expiration".to_owned(), Value::String(expiration)),
    ];
    if let Some(a) = &c.account_id {
        m.push(("AccountId".to_owned(), str_value(a)));
    }
    Some(m)
}

fn dumps_secret(v: &Value) -> SecretString {
    SecretString::new(pyjson::dumps(
        v,
        Style {
            sort_keys: false,
            compact: false,
        },
    ))
}

/// The entry the CLI writes after `AssumeRole` / `AssumeRoleWithWebIdentity`; `None` for
/// credentials without a session token or expiration (nothing to cache).
#[must_use]
pub fn assume_role_entry(c: &Credentials, role: Option<&AssumedRoleUser>) -> Option<SecretString> {
    let exp = timestamp(c.expiration?, "UTC");
    let mut top = vec![(
        "Credentials".to_owned(),
        Value::Object(credentials_members(c, exp)?),
    )];
    if let Some(r) = role {
        top.push((
            "AssumedRoleUser".to_owned(),
            Value::Object(vec![
                ("AssumedRoleId".to_owned(), str_value(&r.assumed_role_id)),
                ("Arn".to_owned(), str_value(&r.arn)),
            ]),
        ));
    }
    Some(dumps_secret(&Value::Object(top)))
}

/// The entry the CLI writes for SSO role credentials.
#[must_use]
pub fn sso_entry(c: &Credentials) -> Option<SecretString> {
    let exp = timestamp(c.expiration?, "Z");
    let top = vec![
        ("ProviderType".to_owned(), str_value("sso")),
        (
            "Credentials".to_owned(),
            Value::Object(credentials_members(c, exp)?),
        ),
    ];
    Some(dumps_secret(&Value::Object(top)))
}

/// `CliCache::path_for`, for the `sts` binary and the tests (through `__private`).
#[must_use]
pub fn path_for(cache: &CliCache, key: &str) -> Option<PathBuf> {
    cache.path_for(key)
}

/// `CliCache::load`, for the `sts` binary and the tests (through `__private`).
#[must_use]
pub fn load(cache: &CliCache, key: &str, now: OffsetDateTime) -> Option<Credentials> {
    cache.load(key, now)
}

/// `CliCache::store`, for the `sts` binary and the tests (through `__private`).
///
/// # Errors
/// As `CliCache::store`.
pub fn store(cache: &CliCache, key: &str, entry: &SecretString) -> std::io::Result<()> {
    cache.store(key, entry)
}

/// The AWS CLI's own credential cache directory, `~/.aws/cli/cache/<key>.json`, read and
/// written the way the CLI (botocore's `JSONFileCache` and `CachedCredentialFetcher`) does, so the
/// `aws` command and this crate reuse each other's role sessions: an MFA role profile asks for a code
/// once per session, not once per run.
///
/// - **Keys.** Assume-role and web-identity entries: the SHA-1 hex of
///   `json.dumps(args, sort_keys=True)` over the call's arguments (`RoleArn`, and `RoleSessionName`,
///   `ExternalId`, `SerialNumber`, `DurationSeconds` when configured; a generated session name is
///   left out, a `Policy` is parsed and re-serialized with sorted keys, `TokenCode` and
///   `WebIdentityToken` never take part). SSO role credentials: the SHA-1 of the compact, sorted
///   `{"accountId", "roleName", "sessionName" | "startUrl"}`.
/// - **Entries.** The STS response (`Credentials` with `Expiration` written as the CLI writes it,
///   `2026-01-01T00:00:00UTC`, plus `AccountId`; `AssumedRoleUser`), or for SSO
///   `{"ProviderType": "sso", "Credentials": {... "Expiration": "...Z", "AccountId"}}`. Both
///   timestamp forms are read. An entry is used while at least 15 minutes remain.
/// - **Files.** Written atomically (temp file + rename) with mode `0600` in a `0700` directory. A
///   missing, corrupt, oversized or unreadable entry is a cache miss, never an error; a fresh call
///   replaces it.
///
/// **Security note.** The cache holds live session credentials (secret key and session token) on
/// disk, exactly as the AWS CLI's does: anyone who can read the files can use the sessions until they
/// expire. It is on for the `sts` command (as it is for `aws`) and off by default for library users;
/// turn it on with `Settings::credential_cache`,
/// `DefaultChainBuilder::cli_cache`, `StsRoleAssumer::cli_cache` or the `file_cache` option of the
/// STS-backed providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliCache {
    dir: PathBuf,
}

impl CliCache {
    /// A cache in `dir`.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The AWS CLI's cache, `<home>/.aws/cli/cache`; `None` without a home directory.
    #[must_use]
    pub fn from_env(env: &Env) -> Option<Self> {
        let home = env.home_dir(Platform::current())?;
        Some(Self::new(home.join(".aws").join("cli").join("cache")))
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key`, or `None` for a key that is not a plain file name.
    #[must_use]
    pub(crate) fn path_for(&self, key: &str) -> Option<PathBuf> {
        let plain = !key.is_empty()
            && !key.starts_with('.')
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        plain.then(|| self.dir.join(format!("{key}.json")))
    }

    /// The credentials cached under `key`, if a well-formed entry with at least
    /// [`EXPIRY_WINDOW`] left exists. Every problem is a miss.
    #[must_use]
    pub(crate) fn load(&self, key: &str, now: OffsetDateTime) -> Option<Credentials> {
        let path = self.path_for(key)?;
        let text = SecretString::new(
            crate::files::read_capped_text(&path, MAX_ENTRY_BYTES, "AWS CLI credential cache")
                .ok()?,
        );
        let c = parse_entry(text.expose(), now);
        if c.is_some() {
            log::debug!("credentials read from the CLI cache ({})", path.display());
        }
        c
    }

    /// Writes `entry` under `key` (atomically, `0600`).
    ///
    /// # Errors
    /// The I/O error; callers treat it as "not cached".
    pub(crate) fn store(&self, key: &str, entry: &SecretString) -> std::io::Result<()> {
        let path = self.path_for(key).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad cache key")
        })?;
        cache_io::write_atomic(&path, entry.expose().as_bytes())
    }

    /// [`CliCache::store`], logging instead of failing (a cache write never fails a call).
    #[cfg(feature = "client")]
    pub(crate) fn store_quietly(&self, key: &str, entry: Option<SecretString>) {
        if let Some(e) = entry
            && let Err(err) = self.store(key, &e)
        {
            log::debug!("could not write the CLI cache entry {key}: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(arn: &str) -> RoleHop {
        RoleHop {
            profile: "p".into(),
            role_arn: arn.into(),
            session_name: None,
            external_id: None,
            duration_seconds: None,
            mfa_serial: None,
            region: None,
        }
    }

    /// Reference keys computed by botocore 1.44.8's own fetchers (`_cache_key`).
    #[test]
    fn keys_match_botocore_vectors() {
        let r = "arn:aws:iam::123456789012:role/r";
        assert_eq!(
            role_hop_cache_key(&hop(r)),
            "6dc9e6e1e186b9f293814df3266de783142c48a2"
        );
        let full = RoleHop {
            session_name: Some("s".into()),
            external_id: Some("x".into()),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/u".into()),
            duration_seconds: Some(900),
            ..hop(r)
        };
        assert_eq!(
            role_hop_cache_key(&full),
            "f3bc13ba7757c41e9b1346971d635e0dc6f4a245"
        );
        let args = json::parse(&format!(
            r#"{{"RoleArn": "{r}", "Policy": "{{\"b\": [1, 2.50, {{\"z\": null, \"\u00e9\": true}}], \"a\": \"x\"}}"}}"#
        ))
        .unwrap();
        assert_eq!(
            cache_key(&args).as_deref(),
            Some("0d6d59422b7af5a442c03fb3021443f461d2b236")
        );
        assert_eq!(
            web_identity_cache_key("arn:aws:iam::1:role/w", None),
            "7c939939b337a434108a11454d23b2a4cfc3409a"
        );
        assert_eq!(
            web_identity_cache_key("arn:aws:iam::1:role/w", Some("caf\u{e9}")),
            "40471927e341057161a9f78bff05e7203fa35dd7"
        );
        let url = "https://x.awsapps.com/start";
        assert_eq!(
            sso_cache_key("123456789012", "Admin", None, url),
            "243185b3287804d23760113d179c4c72e67b4061"
        );
        assert_eq!(
            sso_cache_key("123456789012", "Admin", Some("dev"), url),
            "0ea119dbd3219681460f3bfcf586d8a3ff62b1ab"
        );
    }

    #[test]
    fn empty_session_names_are_generated_ones() {
        // botocore treats a falsy RoleSessionName as absent: it generates one and leaves it out.
        let plain = "6dc9e6e1e186b9f293814df3266de783142c48a2";
        let r = "arn:aws:iam::123456789012:role/r";
        for args in [
            format!(r#"{{"RoleArn": "{r}", "RoleSessionName": ""}}"#),
            format!(r#"{{"RoleArn": "{r}", "RoleSessionName": "x", "RoleSessionName": null}}"#),
        ] {
            assert_eq!(
                cache_key(&json::parse(&args).unwrap()).as_deref(),
                Some(plain)
            );
        }
        let named = hop(r);
        let empty = RoleHop {
            session_name: Some(String::new()),
            ..named.clone()
        };
        assert_eq!(role_hop_cache_key(&empty), plain);
        assert_eq!(
            web_identity_cache_key("arn:aws:iam::1:role/w", Some("")),
            "7c939939b337a434108a11454d23b2a4cfc3409a"
        );
    }

    #[test]
    fn bad_policy_or_args_give_no_key() {
        let args = json::parse(r#"{"RoleArn": "a", "Policy": "{not json"}"#).unwrap();
        assert_eq!(cache_key(&args), None);
        assert_eq!(cache_key(&Value::Array(vec![])), None);
    }

    fn at(s: &str) -> OffsetDateTime {
        parse_expiration(s).unwrap()
    }

    #[test]
    fn entries_round_trip_in_both_timestamp_forms() {
        let now = at("2026-01-01T00:00:00Z");
        let mut c = Credentials::new("ASIAX", "sec", Some(SecretString::new("tok")))
            .with_expiration(at("2026-01-01T01:00:00Z"));
        c.account_id = Some("123456789012".into());
        let role = AssumedRoleUser {
            assumed_role_id: "AROA:s".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/r/s".into(),
        };
        let e = assume_role_entry(&c, Some(&role)).unwrap();
        assert_eq!(
            e.expose(),
            "{\"Credentials\": {\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\": \"sec\", \
             \"SessionToken\": \"tok\", \"Expiration\": \"2026-01-01T01:00:00UTC\", \
             \"AccountId\": \"123456789012\"}, \"AssumedRoleUser\": {\"AssumedRoleId\": \
             \"AROA:s\", \"Arn\": \"arn:aws:sts::123456789012:assumed-role/r/s\"}}"
        );
        assert_eq!(parse_entry(e.expose(), now), Some(c.clone()));
        let s = sso_entry(&c).unwrap();
        assert!(
            s.expose()
                .contains("\"Expiration\": \"2026-01-01T01:00:00Z\"")
        );
        assert!(s.expose().starts_with("{\"ProviderType\": \"sso\""));
        assert_eq!(parse_entry(s.expose(), now), Some(c.clone()));
        // Account from the ARN when the entry has no AccountId; fractions and offsets read too.
        let text = r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T",
            "Expiration": "2026-01-01T01:00:00.123+00:00"},
            "AssumedRoleUser": {"Arn": "arn:aws:sts::999999999999:assumed-role/r/s"}}"#;
        let got = parse_entry(text, now).unwrap();
        assert_eq!(got.account_id.as_deref(), Some("999999999999"));
        // Nothing to cache without a token or an expiration.
        assert!(assume_role_entry(&Credentials::new("A", "S", None), None).is_none());
    }

    #[test]
    fn entries_expire_fifteen_minutes_early_and_bad_ones_miss() {
        let c = Credentials::new("A", "S", Some(SecretString::new("T")))
            .with_expiration(at("2026-01-01T01:00:00Z"));
        let e = assume_role_entry(&c, None).unwrap();
        assert!(parse_entry(e.expose(), at("2026-01-01T00:45:00Z")).is_some());
        assert!(parse_entry(e.expose(), at("2026-01-01T00:45:01Z")).is_none());
        for bad in [
            "",
            "{",
            "[]",
            r#"{"Credentials": {}}"#,
            r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "soon"}}"#,
            r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "2099-01-01T00:00:00UTC"}}"#,
        ] {
            assert!(
                parse_entry(bad, at("2026-01-01T00:00:00Z")).is_none(),
                "{bad}"
            );
        }
    }

    #[test]
    fn cache_files_only_under_plain_keys() {
        let cache = CliCache::new("/nonexistent/cache");
        assert!(cache.path_for("../x").is_none());
        assert!(cache.path_for("a/b").is_none());
        assert!(cache.path_for("").is_none());
        assert_eq!(
            cache.path_for("abc_1").unwrap(),
            Path::new("/nonexistent/cache/abc_1.json")
        );
        assert!(cache.load("abc", OffsetDateTime::UNIX_EPOCH).is_none());
        let env = Env::from_map([("HOME", "/h")]);
        assert_eq!(
            CliCache::from_env(&env).unwrap().dir(),
            Path::new("/h/.aws/cli/cache")
        );
    }
}
