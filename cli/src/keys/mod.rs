//! `sts keys`: long-term access keys out of plaintext files, as aws-vault keeps them: `add`,
//! `list`, `remove`, `rotate` ([`rotate`]) and `import --from aws-vault` ([`vault`]) over an
//! encrypted store file of our own ([`store`], [`format`](mod@format)) or the platform's secret
//! tools ([`backend`]); the chain reads them through [`chain::ChainStore`], and hands out
//! sessions of them ([`session`]).
//!
//! The store file lists every stored profile (whatever keeps its keys) and seals the keys kept
//! in the file itself; commands that change it hold its lock from the read to the write.

pub(crate) mod backend;
pub(crate) mod chain;
pub(crate) mod format;
mod rotate;
pub(crate) mod session;
pub(crate) mod store;
mod vault;

use crate::spec::{
    Command, Example, Flag, Globals, Kind, Run, Values, flag, operand, with_choices,
};
use backend::Backend;
use format::{Entry, Keys, mask};
use std::path::{Path, PathBuf};
use sts_blocking::settings::Settings;
use sts_blocking::{Error, SecretString};

/// The long description every `sts keys` command shares.
const DESCRIPTION: &str = "Usage: sts keys add PROFILE [--env] [--backend B] [--mfa-serial ARN]; sts keys \
        list; sts keys remove PROFILE; sts keys rotate PROFILE [--no-session]; sts keys import \
        --from aws-vault [--backend B].\n\n\
        Stores a profile's long-term access key id and secret access key encrypted, instead of \
        in ~/.aws/credentials. Every sts command then takes a stored profile's keys from the \
        store, before anything else the profile sets (so that credential_process = sts \
        export-credentials --profile PROFILE --format process in that same profile serves \
        other tools, and the AWS CLI, without recursion), and as the source_profile of role \
        chains. exec, exec --server and export-credentials hand out a GetSessionToken session \
        of stored keys (with the profile's mfa_serial), cached in ~/.aws/cli/cache, never the \
        keys themselves, unless --no-session is given. A stored profile is used like any other: \
        it needs its section in ~/.aws/config ([profile NAME], which may hold nothing else).\n\n\
        add reads the access key id and the secret access key (without echo) on the terminal, \
        or with --env from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. list shows each stored \
        profile, its backend, its key id as AKIA****WXYZ and how long ago it was stored, \
        without unlocking anything. remove deletes a profile's keys.\n\n\
        rotate replaces a stored profile's access key, as aws-vault rotate does: IAM \
        CreateAccessKey for the keys' user (GetUser), a check that the new key works \
        (GetCallerIdentity, retried while IAM propagates it, for up to STS_KEYS_ROTATE_WAIT \
        seconds, 60), the new key stored, the sessions cached for the old key dropped, then \
        DeleteAccessKey of the old key. The IAM calls are signed with the old key, or with an \
        MFA session of it when the profile has mfa_serial (unless --no-session); they go to \
        IAM's global endpoint (iam.amazonaws.com, signed for us-east-1, in the aws partition; \
        the partition's own elsewhere), or --endpoint-url / AWS_ENDPOINT_URL_IAM. On any \
        failure the store keeps a key that works, and the message says which keys exist.\n\n\
        import --from aws-vault copies the long-term keys aws-vault keeps into this store (the \
        --backend chosen as for add): from aws-vault's file backend (~/.awsvault/keys, \
        AWS_VAULT_FILE_DIR; its JWE items opened with AWS_VAULT_FILE_PASSPHRASE or a passphrase \
        asked on the terminal), or from its pass backend when AWS_VAULT_BACKEND=pass \
        (AWS_VAULT_PASS_PREFIX, PASSWORD_STORE_DIR). All or nothing: an item that does not \
        open (a wrong passphrase) stops it before anything is stored. aws-vault's cached \
        sessions are not imported, nor profiles already in this store.\n\n\
        Backends: file (the default on Linux without a Secret Service): the store file itself, \
        ~/.aws/sts-keys (STS_KEYS_FILE), AES-256-GCM under a key derived from a passphrase with \
        PBKDF2-HMAC-SHA256 (600000 rounds), the passphrase from STS_KEYS_PASSPHRASE or asked on \
        the terminal, once per process; pass, secret-service (secret-tool), keychain (macOS \
        security) and op (1Password; STS_KEYS_OP_VAULT names the vault) through their \
        command-line tools, the secrets always on their standard input, never in their \
        arguments or environment (STS_KEYS_TOOL_TIMEOUT: how long a tool may take, 120 s). The \
        store file lists every stored profile, without secrets, whatever its backend. The \
        backend is --backend, else STS_KEYS_BACKEND, else sts_keys_backend in the [default] \
        profile, else keychain on macOS, secret-service where a session bus and secret-tool \
        are there, file elsewhere.\n\n\
        The store file is written to a temporary file and renamed (never half-written), mode \
        0600; two commands that change it wait for each other (its lock is sts-keys.lock \
        beside it).";

const ENV: Flag = flag(
    "--env",
    "",
    Kind::Switch,
    false,
    "Read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of the terminal.",
    "",
);
const BACKEND: Flag = with_choices(
    flag(
        "--backend",
        "",
        Kind::Str,
        false,
        "Where to keep the keys.",
        "one of file, pass, secret-service, keychain, op",
    ),
    backend::NAMES,
);
const MFA_SERIAL: Flag = flag(
    "--mfa-serial",
    "",
    Kind::Str,
    false,
    "The MFA device of the keys' user, for profiles that set no mfa_serial.",
    "",
);
const NO_SESSION: Flag = flag(
    "--no-session",
    "",
    Kind::Switch,
    false,
    "Sign the IAM calls with the old key itself, not an MFA session of it.",
    "",
);
const FROM: Flag = with_choices(
    flag(
        "--from",
        "",
        Kind::Str,
        true,
        "The tool whose stored keys to import.",
        "aws-vault",
    ),
    &["aws-vault"],
);
const PROFILE: Flag = operand("profile", true, "The profile whose keys to keep.");

/// An `sts keys` command: `name`, its summary, flags and examples, run by `run`.
const fn keys_command(
    name: &'static str,
    summary: &'static str,
    flags: &'static [Flag],
    examples: &'static [Example],
    run: fn(&Globals, &Values, &[String]) -> i32,
) -> Command {
    Command {
        name,
        action: "",
        summary,
        description: DESCRIPTION,
        flags,
        output: &[],
        examples,
        credentials: false,
        signed: false,
        run: Run::Custom(run),
    }
}

/// `sts keys add PROFILE`.
pub(crate) const KEYS_ADD: Command = keys_command(
    "keys add",
    "Stores a profile's long-term access keys encrypted (aws-vault add).",
    &[PROFILE, ENV, BACKEND, MFA_SERIAL],
    &[Example {
        title: "To move a profile's keys out of ~/.aws/credentials",
        command: "sts keys add dev",
        output: "",
    }],
    |g, v, _| action(g, v, "add"),
);

/// `sts keys list`.
pub(crate) const KEYS_LIST: Command = keys_command(
    "keys list",
    "Lists the profiles whose keys sts keeps (aws-vault list).",
    &[],
    &[Example {
        title: "To see the stored profiles",
        command: "sts keys list",
        output: "PROFILE  BACKEND  ACCESS KEY    AGE\ndev      file     AKIA****WXYZ  12d",
    }],
    |g, v, _| action(g, v, "list"),
);

/// `sts keys remove PROFILE`.
pub(crate) const KEYS_REMOVE: Command = keys_command(
    "keys remove",
    "Deletes a profile's stored keys (aws-vault remove).",
    &[PROFILE],
    &[],
    |g, v, _| action(g, v, "remove"),
);

/// `sts keys rotate PROFILE`.
pub(crate) const KEYS_ROTATE: Command = keys_command(
    "keys rotate",
    "Replaces a stored profile's access key with a new one (aws-vault rotate).",
    &[PROFILE, NO_SESSION],
    &[],
    |g, v, _| action(g, v, "rotate"),
);

/// `sts keys import --from aws-vault`.
pub(crate) const KEYS_IMPORT: Command = keys_command(
    "keys import",
    "Copies the long-term keys aws-vault keeps into this store.",
    &[FROM, BACKEND],
    &[],
    |g, v, _| action(g, v, "import"),
);

/// An `sts keys` error: the message on standard error, exit status 255.
fn fail(e: &Error) -> i32 {
    crate::errors::report("", e, None, false)
}

/// Runs the `sts keys` command `action` (its profile operand already checked by the parser).
fn action(g: &Globals, v: &Values, action: &str) -> i32 {
    let env = |k: &str| std::env::var(k).ok();
    let path = match store::path(&env) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let profile = v.str("profile").unwrap_or_default();
    let result = match action {
        "list" => list(&path),
        "add" => add(g, v, &path, &profile),
        "remove" => remove(&path, &profile),
        "rotate" => rotate::rotate(g, v, &path, &profile),
        _ => import(g, v, &path),
    };
    match result {
        Ok(message) => {
            if !message.is_empty() {
                println!("{message}");
            }
            0
        }
        Err(e) => fail(&e),
    }
}

/// The passphrase of the store at `path` (the variable or the terminal).
fn asker(path: &Path) -> impl Fn(bool) -> Result<SecretString, Error> + use<> {
    let display = path.display().to_string();
    move |confirm| crate::prompt::passphrase(&display, confirm)
}

/// A profile name as the shared files take it.
fn check_profile(p: &str) -> Result<(), Error> {
    if p.is_empty()
        || !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
    {
        return Err(Error::invalid_input(
            "PROFILE",
            format!("a profile name is letters, digits and -/.%@_:+, got {p:?}"),
        ));
    }
    Ok(())
}

/// The backend: `--backend`, `STS_KEYS_BACKEND`, `sts_keys_backend` in `[default]`, the
/// platform's default.
fn choose_backend(v: &Values, settings: Option<&Settings>) -> Result<Backend, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let configured = v
        .str("--backend")
        .map(|b| ("--backend", b))
        .or_else(|| {
            env("STS_KEYS_BACKEND")
                .filter(|b| !b.trim().is_empty())
                .map(|b| ("STS_KEYS_BACKEND", b))
        })
        .or_else(|| {
            settings
                .and_then(|s| s.profiles().profile("default"))
                .and_then(|p| p.get_nonempty("sts_keys_backend"))
                .map(|b| ("sts_keys_backend", b.to_owned()))
        });
    match configured {
        None => Ok(Backend::default_here(&env)),
        Some((from, name)) => Backend::parse(name.trim()).ok_or_else(|| {
            Error::invalid_input(
                from,
                format!(
                    "unknown backend {name:?}: one of {}",
                    backend::NAMES.join(", ")
                ),
            )
        }),
    }
}

/// An access key id as IAM makes them: 16 to 128 letters and digits.
fn check_key_id(id: &str) -> Result<(), Error> {
    if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid_input(
            "access key id",
            "must be 16 to 128 letters and digits (AKIA...)",
        ));
    }
    Ok(())
}

/// The keys `add` stores: from the environment (`--env`) or the terminal.
fn keys_to_add(v: &Values) -> Result<(String, SecretString), Error> {
    let (id, secret) = if v.switch("--env") {
        if std::env::var("AWS_SESSION_TOKEN").is_ok_and(|t| !t.is_empty()) {
            return Err(Error::config(
                "AWS_SESSION_TOKEN is set: these are temporary credentials, and sts keys \
                 stores long-term access keys",
            ));
        }
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => (id.trim().to_owned(), SecretString::from(secret)),
            _ => {
                return Err(Error::config(
                    "--env reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and they are not \
                     both set",
                ));
            }
        }
    } else {
        let why = "sts keys add reads the keys on the terminal (or pass --env with \
                   AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set)";
        let id = crate::prompt::ask("Enter Access Key ID: ", true, why)?;
        let secret = crate::prompt::ask("Enter Secret Access Key: ", false, why)?;
        (id.trim().to_owned(), SecretString::new(secret.trim()))
    };
    check_key_id(&id)?;
    let s = secret.expose();
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_input(
            "secret access key",
            "must be non-empty, without spaces or control characters",
        ));
    }
    Ok((id, secret))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Stores `keys` for `profile` in `backend` under the store's lock; the entry's previous tool
/// item goes once the store no longer points at it.
pub(crate) fn put(
    path: &Path,
    backend: Backend,
    profile: &str,
    id: &str,
    secret: SecretString,
    mfa_serial: Option<String>,
) -> Result<(), Error> {
    let ask = asker(path);
    let mut session = store::Session::open(path, &ask)?;
    let previous = session.file.entry(profile).cloned();
    let mfa_serial = mfa_serial.or_else(|| previous.as_ref().and_then(|p| p.mfa_serial.clone()));
    let entry = Entry {
        profile: profile.to_owned(),
        backend,
        key_hint: mask(id),
        added: now(),
        mfa_serial,
    };
    if backend == Backend::File {
        let keys = Keys {
            profile: profile.to_owned(),
            access_key_id: id.to_owned(),
            secret,
        };
        session.put(entry, Some(keys))?;
    } else {
        // The tool first: if it fails, the store is unchanged.
        backend::store(backend, profile, id, &secret)?;
        session.put(entry, None)?;
    }
    session.save()?;
    if let Some(prev) = previous.filter(|p| p.backend != backend && p.backend != Backend::File)
        && let Err(e) = backend::remove(prev.backend, profile)
    {
        eprintln!(
            "sts keys: the keys now live in {}, and their old copy in {} could not be \
             removed: {e}",
            backend.name(),
            prev.backend.name()
        );
    }
    Ok(())
}

fn add(g: &Globals, v: &Values, path: &Path, profile: &str) -> Result<String, Error> {
    check_profile(profile)?;
    // The settings only for `sts_keys_backend`: a broken config does not stop `add`.
    let settings = crate::load_settings(g).ok();
    let backend = choose_backend(v, settings.as_ref())?;
    let mfa_serial = v.str("--mfa-serial").filter(|m| !m.trim().is_empty());
    let (id, secret) = keys_to_add(v)?;
    put(path, backend, profile, &id, secret, mfa_serial)?;
    if settings
        .as_ref()
        .is_some_and(|s| s.profiles().profile(profile).is_none())
    {
        eprintln!(
            "sts keys: there is no [profile {profile}] section in the config file: add one (it \
             may be empty) to use these keys with --profile {profile}"
        );
    }
    Ok(format!(
        "Added credentials to profile \"{profile}\" in the {} backend ({}).",
        backend.name(),
        mask(&id)
    ))
}

fn remove(path: &Path, profile: &str) -> Result<String, Error> {
    let ask = asker(path);
    let mut session = store::Session::open(path, &ask)?;
    let Some(entry) = session.file.entry(profile).cloned() else {
        return Err(Error::config(format!(
            "profile {profile} is not in the key store {}",
            path.display()
        )));
    };
    if entry.backend != Backend::File {
        // The tool first: if it fails, the store still points at the keys.
        backend::remove(entry.backend, profile)?;
    }
    session.take(profile)?;
    session.save()?;
    Ok(format!("Deleted credentials of profile \"{profile}\"."))
}

/// `sts keys import --from aws-vault`.
fn import(g: &Globals, v: &Values, path: &Path) -> Result<String, Error> {
    if v.str("--from").as_deref() != Some("aws-vault") {
        return Err(Error::invalid_input(
            "--from",
            "sts keys import needs --from aws-vault",
        ));
    }
    let settings = crate::load_settings(g).ok();
    let backend = choose_backend(v, settings.as_ref())?;
    let env = |k: &str| std::env::var(k).ok();
    let (found, mut skipped) = match env("AWS_VAULT_BACKEND").as_deref().map(str::trim) {
        Some("pass") => vault::read_pass_backend(&env)?,
        None | Some("" | "file") => {
            let dir = vault::file_dir(&env).ok_or_else(|| {
                Error::config("no home directory for aws-vault's file store (AWS_VAULT_FILE_DIR)")
            })?;
            let pass = match env("AWS_VAULT_FILE_PASSPHRASE").filter(|p| !p.is_empty()) {
                Some(p) => SecretString::from(p),
                None => {
                    let why = "aws-vault's file store needs its passphrase (or set \
                               AWS_VAULT_FILE_PASSPHRASE)";
                    let p = crate::prompt::ask(
                        &format!("Enter passphrase to unlock {}: ", dir.display()),
                        false,
                        why,
                    )?;
                    SecretString::new(p.as_str())
                }
            };
            vault::read_file_backend(&dir, &pass)?
        }
        Some(other) => {
            return Err(Error::config(format!(
                "sts keys import reads aws-vault's file and pass backends, not {other:?}: move \
                 the keys there first (aws-vault migrate), or add them with sts keys add"
            )));
        }
    };
    let stored = store::load(path)?;
    let (new, already): (Vec<Keys>, Vec<Keys>) = found
        .into_iter()
        .partition(|k| stored.entry(&k.profile).is_none());
    skipped.extend(
        already
            .into_iter()
            .map(|k| format!("{} (already stored)", k.profile)),
    );
    let names: Vec<String> = new.iter().map(|k| k.profile.clone()).collect();
    if backend == Backend::File && !new.is_empty() {
        let ask = asker(path);
        let mut session = store::Session::open(path, &ask)?;
        for k in new {
            let entry = Entry {
                profile: k.profile.clone(),
                backend,
                key_hint: mask(&k.access_key_id),
                added: now(),
                mfa_serial: None,
            };
            session.put(entry, Some(k))?;
        }
        session.save()?;
    } else {
        for k in new {
            put(path, backend, &k.profile, &k.access_key_id, k.secret, None)?;
        }
    }
    let mut out = if names.is_empty() {
        "Imported no profile.".to_owned()
    } else {
        format!(
            "Imported {} from aws-vault into the {} backend: {}.",
            if names.len() == 1 {
                "1 profile".to_owned()
            } else {
                format!("{} profiles", names.len())
            },
            backend.name(),
            names.join(", ")
        )
    };
    if !skipped.is_empty() {
        out.push_str(&format!("\nSkipped: {}.", skipped.join(", ")));
    }
    Ok(out)
}

/// "12d", "5h", "3m", "now": how long ago `added` was.
fn age(added: i64, now: i64) -> String {
    let s = now.saturating_sub(added).max(0);
    match s {
        0..60 => "now".into(),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn list(path: &Path) -> Result<String, Error> {
    let file = store::load(path)?;
    if file.entries.is_empty() {
        return Ok(format!("No profiles in the key store {}.", path.display()));
    }
    let now = now();
    let rows: Vec<[String; 4]> = file
        .entries
        .iter()
        .map(|e| {
            [
                e.profile.clone(),
                e.backend.name().to_owned(),
                e.key_hint.clone(),
                age(e.added, now),
            ]
        })
        .collect();
    let head = ["PROFILE", "BACKEND", "ACCESS KEY", "AGE"].map(str::to_owned);
    let mut widths = [0usize; 4];
    for r in std::iter::once(&head).chain(&rows) {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = Vec::new();
    for r in std::iter::once(&head).chain(&rows) {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push(line.join("  ").trim_end().to_owned());
    }
    Ok(out.join("\n"))
}

/// The store the chain reads: `STS_KEYS_FILE` or `~/.aws/sts-keys` (nothing is read until a
/// profile is planned).
pub(crate) fn chain_store(env: &dyn Fn(&str) -> Option<String>) -> Option<chain::ChainStore> {
    store::path(env).ok().map(chain::ChainStore::new)
}

/// The stored entry of `profile`, if the store lists it (no passphrase).
pub(crate) fn entry(profile: &str) -> Option<Entry> {
    let path: PathBuf = store::path(&|k| std::env::var(k).ok()).ok()?;
    store::load(&path).ok()?.entry(profile).cloned()
}

/// Whether a chain that found credentials under `source` (its `source_name`) took the selected
/// profile's own long-term keys from the store.
pub(crate) fn from_store(settings: &Settings, source: &str) -> bool {
    source == format!("profile:{} (key store)", settings.profile)
}

/// The MFA device sessions of the selected profile's stored keys are made with: the profile's
/// `mfa_serial`, else the one given to `sts keys add --mfa-serial`.
pub(crate) fn mfa_serial(settings: &Settings) -> Option<String> {
    settings
        .profiles()
        .selected()
        .and_then(|p| p.get_nonempty("mfa_serial"))
        .map(|s| s.trim().to_owned())
        .or_else(|| entry(&settings.profile).and_then(|e| e.mfa_serial))
}

/// Where sessions of stored keys are cached: the AWS CLI's cache directory, when it is on.
pub(crate) fn session_cache(settings: &Settings) -> Option<PathBuf> {
    settings
        .credential_cache
        .as_ref()
        .map(|c| c.dir().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(age(100, 100), "now");
        assert_eq!(age(100, 90), "now");
        assert_eq!(age(0, 61), "1m");
        assert_eq!(age(0, 7200), "2h");
        assert_eq!(age(0, 86_400 * 12 + 5), "12d");
        assert_eq!(age(i64::MIN, i64::MAX), format!("{}d", i64::MAX / 86_400));
    }

    #[test]
    fn profile_names_and_key_ids() {
        assert!(check_profile("dev-1/a.b@c_d:e+f%").is_ok());
        for bad in ["", "a b", "x\ny", "é"] {
            assert!(check_profile(bad).is_err(), "{bad:?}");
        }
        assert!(check_key_id("AKIAIOSFODNN7EXAMPLE").is_ok());
        for bad in ["AKIA", "AKIA IOSFODNN7EXAMPLE", "AKIA-OSFODNN7EXAMPLE"] {
            assert!(check_key_id(bad).is_err(), "{bad:?}");
        }
    }
}
