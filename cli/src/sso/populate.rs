//! `sts sso populate`: one `[profile ...]` per account and role an `[sso-session]` may use, as
//! granted and aws-sso-util generate them. The profiles it writes carry the marker
//! `sts_generated_from = <session>`; `--prune` removes marked profiles of the session that no
//! longer exist, and profiles without the marker are never touched (a name they hold gets a
//! numeric suffix instead). The file is changed through the shared config writer: every other
//! byte stays (comments, order, other profiles, CRLF), the write is atomic and keeps the mode.
//!
//! The plan ([`plan`]) and the text it produces ([`apply`], [`diff`]) are pure; the command
//! reads the portal (the library's `SsoPortal`, paging and backing off) and writes.

use super::shown;
use crate::config_writer;
use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag};
use std::collections::BTreeSet;
use sts_blocking::credentials::{
    Env, PagingPolicy, ProfileSet, SsoCache, SsoLoginRequest, SsoPortal, SsoTokenProvider,
    SsoTokenState, sso_token_cache_key, sso_token_state,
};
use sts_blocking::{Error, SecretString};

/// The profile name template when none is given.
pub(crate) const DEFAULT_TEMPLATE: &str = "{account_name}/{role_name}";
/// The marker key of generated profiles.
pub(crate) const MARKER: &str = "sts_generated_from";

/// `sts sso populate`.
pub(crate) const SSO_POPULATE: Command = Command {
    name: "sso populate",
    action: "",
    summary: "Writes a profile for every account and role of an IAM Identity Center session.",
    description: "Lists the accounts and roles the --sso-session's token may use (ListAccounts \
        and ListAccountRoles of the portal, page after page, waiting when throttled) and writes \
        one [profile ...] per account and role into the shared config file: sso_session, \
        sso_account_id, sso_role_name, region (--region, else the session's sso_region) and \
        the marker sts_generated_from = <session>. Profiles are named by --profile-template \
        (default {account_name}/{role_name}; also {account_id}, {sso_session}); characters \
        other than letters, digits and _.-@+=,/: become -, and a name an unmarked profile \
        already has gets a numeric suffix (-2, -3, ...).\n\n\
        Generated profiles are updated in place (keys you added to them stay). --prune removes \
        the session's generated profiles whose account or role is gone; profiles without the \
        marker are never changed or removed. Every other line of the file stays as it was \
        (comments, order, line endings), the file is replaced atomically and keeps its mode; \
        a read-only file is refused. --dry-run prints the change as a diff and writes nothing. \
        Without a valid token, run sts sso login --sso-session <session> first (on a terminal, \
        sts offers to).",
    flags: &[
        flag(
            "--sso-session",
            "",
            Kind::Str,
            true,
            "The [sso-session] whose accounts and roles to write.",
            "",
        ),
        flag(
            "--profile-template",
            "",
            Kind::Str,
            false,
            "How to name the profiles: {account_name}, {account_id}, {role_name} and \
             {sso_session} are replaced. Default: {account_name}/{role_name}.",
            "",
        ),
        flag(
            "--prune",
            "",
            Kind::Switch,
            false,
            "Removes the session's generated profiles (sts_generated_from) whose account or \
             role no longer exists.",
            "",
        ),
        flag(
            "--dry-run",
            "",
            Kind::Switch,
            false,
            "Prints the change to the config file as a diff; writes nothing.",
            "",
        ),
    ],
    output: &[],
    examples: &[
        Example {
            title: "To write a profile for every account and role of the session corp",
            command: "sts sso populate --sso-session corp",
            output: "",
        },
        Example {
            title: "To see what would change, with names such as corp-prod-Admin",
            command: "sts sso populate --sso-session corp --profile-template \
                      '{sso_session}-{account_name}-{role_name}' --prune --dry-run",
            output: "",
        },
    ],
    credentials: false,
    signed: false,
    run: Run::Custom(run),
};

/// An account and role to write a profile for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub account_id: String,
    pub account_name: Option<String>,
    pub role_name: String,
}

/// A profile the config files already have.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Existing {
    pub name: String,
    /// `sts_generated_from`.
    pub marker: Option<String>,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    /// The values of the keys populate writes, as they are.
    pub values: Vec<(String, String)>,
}

/// What happens to one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// A new profile with these values.
    Add(String, Vec<(String, String)>),
    /// A generated profile whose values change.
    Update(String, Vec<(String, String)>),
    /// A generated profile that stays as it is.
    Keep(String),
    /// A generated profile of an account or role that is gone (`--prune`).
    Remove(String),
}

/// The keys populate owns, in the order it writes them.
const KEYS: [&str; 5] = [
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "region",
    MARKER,
];

/// `template` with the entry's values; an unknown `{placeholder}` or an unclosed `{` is an
/// error.
pub(crate) fn render(template: &str, entry: &Entry, session: &str) -> Result<String, Error> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(Error::config(format!(
                "--profile-template {}: a {{ is not closed",
                shown(template)
            )));
        };
        let value = match &after[..close] {
            "account_name" => entry.account_name.as_deref().unwrap_or(&entry.account_id),
            "account_id" => &entry.account_id,
            "role_name" => &entry.role_name,
            "sso_session" => session,
            other => {
                return Err(Error::config(format!(
                    "--profile-template: unknown placeholder {{{}}} (use {{account_name}}, \
                     {{account_id}}, {{role_name}}, {{sso_session}})",
                    shown(other)
                )));
            }
        };
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A profile name safe in a section header and on a command line: letters, digits and
/// `_.-@+=,/:` kept, runs of anything else one `-`, no `-` at either end; `fallback` when
/// nothing is left.
pub(crate) fn safe_name(raw: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let keep = c.is_ascii_alphanumeric() || "_.-@+=,/:".contains(c);
        if keep {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        fallback.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The values of an entry's profile.
fn values(entry: &Entry, session: &str, region: &str) -> Vec<(String, String)> {
    [
        session,
        &entry.account_id,
        &entry.role_name,
        region,
        session,
    ]
    .iter()
    .zip(KEYS)
    .map(|(v, k)| (k.to_owned(), (*v).to_owned()))
    .collect()
}

/// What to do for `entries` of `session`, given the `existing` profiles. Names come from
/// `template`; a name an unmarked profile (or another session's, or `default`) holds takes the
/// first free suffix; a generated profile of the same account and role is reused under its name.
///
/// # Errors
/// A template that cannot be rendered.
pub(crate) fn plan(
    existing: &[Existing],
    session: &str,
    entries: &[Entry],
    template: &str,
    region: &str,
    prune: bool,
) -> Result<Vec<Op>, Error> {
    let ours = |e: &Existing, entry: &Entry| {
        e.marker.as_deref() == Some(session)
            && e.account_id.as_deref() == Some(&entry.account_id)
            && e.role_name.as_deref() == Some(&entry.role_name)
    };
    let mut entries = entries.to_vec();
    entries.sort_by(|a, b| {
        let key = |e: &Entry| {
            (
                e.account_name
                    .clone()
                    .unwrap_or_else(|| e.account_id.clone()),
                e.account_id.clone(),
                e.role_name.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    entries.dedup();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut ops = Vec::new();
    for entry in &entries {
        let base = safe_name(
            &render(template, entry, session)?,
            &format!("{}/{}", entry.account_id, entry.role_name),
        );
        let mut n = 1u32;
        let op = loop {
            let name = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            n += 1;
            if taken.contains(&name) || name == "default" {
                continue;
            }
            let want = values(entry, session, region);
            match existing.iter().find(|e| e.name == name) {
                None => break Op::Add(name, want),
                Some(e) if ours(e, entry) => {
                    let same = want
                        .iter()
                        .all(|(k, v)| e.values.iter().any(|(ek, ev)| ek == k && ev == v));
                    break if same {
                        Op::Keep(name)
                    } else {
                        Op::Update(name, want)
                    };
                }
                Some(_) => {}
            }
        };
        let name = match &op {
            Op::Add(n, _) | Op::Update(n, _) | Op::Keep(n) | Op::Remove(n) => n.clone(),
        };
        taken.insert(name);
        ops.push(op);
    }
    if prune {
        for e in existing {
            if e.marker.as_deref() == Some(session) && !taken.contains(&e.name) {
                ops.push(Op::Remove(e.name.clone()));
            }
        }
    }
    Ok(ops)
}

/// The config text after `ops` (`None`: the file does not exist).
pub(crate) fn apply(text: Option<&str>, ops: &[Op]) -> String {
    let mut current: Option<String> = text.map(str::to_owned);
    for op in ops {
        match op {
            Op::Add(name, values) | Op::Update(name, values) => {
                let pairs: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                current = Some(config_writer::update(
                    current.as_deref(),
                    &format!("profile {name}"),
                    &pairs,
                ));
            }
            Op::Remove(name) => {
                if let Some(t) = &current
                    && let Some(after) =
                        config_writer::remove_section(t, &format!("profile {name}"))
                {
                    current = Some(after);
                }
            }
            Op::Keep(_) => {}
        }
    }
    current.unwrap_or_default()
}

/// A line diff of `old` and `new` (`-` and `+` lines with two lines of context, `@@` between
/// hunks), line endings shown as they are not: `\r` is dropped from the shown lines.
pub(crate) fn diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common head and tail first: populate's changes are a few sections.
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    // The middle by longest common subsequence, when small enough; else all out, all in.
    let mut lines: Vec<(char, &str)> = Vec::new();
    if am.len().saturating_mul(bm.len()) <= 4_000_000 {
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if am[i] == bm[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                lines.push((' ', am[i]));
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
                lines.push(('+', bm[j]));
                j += 1;
            } else {
                lines.push(('-', am[i]));
                i += 1;
            }
        }
    } else {
        lines.extend(am.iter().map(|l| ('-', *l)));
        lines.extend(bm.iter().map(|l| ('+', *l)));
    }
    let mut all: Vec<(char, &str)> = a[..head].iter().map(|l| (' ', *l)).collect();
    all.extend(lines);
    all.extend(a[a.len() - tail..].iter().map(|l| (' ', *l)));
    // Context: two lines around each change.
    let near = |i: usize| {
        let lo = i.saturating_sub(2);
        let hi = (i + 3).min(all.len());
        all[lo..hi].iter().any(|(c, _)| *c != ' ')
    };
    let mut out = String::new();
    let mut gap = false;
    for (i, (c, l)) in all.iter().enumerate() {
        if near(i) {
            if gap && !out.is_empty() {
                out.push_str("@@\n");
            }
            gap = false;
            out.push(*c);
            out.push_str(&shown(l.trim_end_matches('\r')));
            out.push('\n');
        } else {
            gap = true;
        }
    }
    out
}

/// The profiles of `set`, with what populate looks at.
fn existing(set: &ProfileSet) -> Vec<Existing> {
    set.profiles()
        .iter()
        .map(|(name, p)| {
            let get = |k: &str| p.get(k).map(|v| v.trim().to_owned());
            Existing {
                name: name.clone(),
                marker: get(MARKER),
                account_id: get("sso_account_id"),
                role_name: get("sso_role_name"),
                values: KEYS
                    .iter()
                    .filter_map(|k| get(k).map(|v| ((*k).to_owned(), v)))
                    .collect(),
            }
        })
        .collect()
}

fn run(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let fail = |e: &Error| crate::session::report(&SSO_POPULATE, e, None);
    let settings = match crate::session::load_settings(g) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let session = v.req("--sso-session");
    let template = v
        .str("--profile-template")
        .unwrap_or_else(|| DEFAULT_TEMPLATE.to_owned());
    let env = Env::real();
    let set = settings.profiles();
    let cfg = match super::session_config(set, &session) {
        Ok(c) => c,
        Err(e) => return super::config_failure(&e),
    };
    let Some(sso_region) = cfg.region.clone() else {
        return fail(&Error::config(format!(
            "the sso-session {} has no sso_region: run sts sso login --sso-session {} first",
            shown(&session),
            shown(&session)
        )));
    };
    let Some(config) = settings.config_file().map(std::path::Path::to_path_buf) else {
        return fail(&Error::config(
            "no home directory and no AWS_CONFIG_FILE: nowhere to write the profiles",
        ));
    };
    // The profiles' region; the flag is checked as a region before it goes into the file.
    let region = g.region.clone().unwrap_or_else(|| sso_region.clone());
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return fail(&Error::config(format!(
            "--region {}: not a region name",
            shown(&region)
        )));
    }
    let ca_bundle = g
        .ca_bundle
        .clone()
        .map(std::path::PathBuf::from)
        .or(settings.ca_bundle.clone());
    let token = match token(&env, set, &cfg, &sso_region, &settings) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let portal = match set.configured_endpoint_url(&env, "sso") {
        Some(url) => SsoPortal::with_endpoint(&url),
        None => SsoPortal::new(&sso_region),
    };
    let portal = match portal {
        Ok(p) => p.transport(&env, ca_bundle),
        Err(e) => return fail(&e),
    };
    let entries = match entries(&portal, &token) {
        Ok(e) => e,
        Err(e) => return fail(&e),
    };
    let ops = match plan(
        &existing(set),
        &session,
        &entries,
        &template,
        &region,
        v.switch("--prune"),
    ) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let dry_run = v.switch("--dry-run");
    let mut shown_diff = String::new();
    let written = config_writer::edit_file(&config, |text| {
        let after = apply(text, &ops);
        shown_diff = diff(text.unwrap_or_default(), &after);
        // A dry run gives the text back unchanged: nothing is written.
        Ok(if dry_run {
            text.unwrap_or_default().to_owned()
        } else {
            after
        })
    });
    if let Err(e) = written {
        return fail(&e);
    }
    let path = shown(&config.display().to_string());
    if dry_run {
        let body = if shown_diff.is_empty() {
            "(no change)\n".to_owned()
        } else {
            shown_diff
        };
        return crate::session::emit(&format!(
            "--- {path}\n+++ {path} (sts sso populate --dry-run: nothing written)\n{body}"
        ));
    }
    crate::session::emit(&summary(&ops, &path))
}

/// What was done, one line per profile that changed, then the counts.
fn summary(ops: &[Op], path: &str) -> String {
    let mut text = String::new();
    let (mut added, mut updated, mut kept, mut removed) = (0, 0, 0, 0);
    for op in ops {
        match op {
            Op::Add(n, _) => {
                added += 1;
                text.push_str(&format!("Added profile {}\n", shown(n)));
            }
            Op::Update(n, _) => {
                updated += 1;
                text.push_str(&format!("Updated profile {}\n", shown(n)));
            }
            Op::Remove(n) => {
                removed += 1;
                text.push_str(&format!("Removed profile {}\n", shown(n)));
            }
            Op::Keep(_) => kept += 1,
        }
    }
    text.push_str(&format!(
        "{added} added, {updated} updated, {removed} removed, {kept} unchanged in {path}\n"
    ));
    text
}

/// The session's token (refreshed when due); when it is missing or expired, the login the
/// command's settings offer (on a terminal), then the token again.
fn token(
    env: &Env,
    set: &ProfileSet,
    cfg: &super::SsoConfig,
    region: &str,
    settings: &sts_blocking::settings::Settings,
) -> Result<SecretString, Error> {
    let session = cfg.session_name.clone().unwrap_or_default();
    let cache = SsoCache::from_env(env)?;
    // The provider derives `~/.aws/sso/cache` from the home directory the cache is in.
    let home = cache
        .dir()
        .ancestors()
        .nth(3)
        .unwrap_or(std::path::Path::new(""))
        .to_path_buf();
    let provider = SsoTokenProvider::new(session.clone(), cfg.start_url.clone(), region, &home)
        .endpoint(set.configured_endpoint_url(env, "sso-oidc"));
    let first = provider.token();
    let Err(e) = first else {
        return first.map(|t| t.token);
    };
    let path = cache.path(&sso_token_cache_key(Some(&session), &cfg.start_url));
    let reason = match sso_token_state(&path, time::OffsetDateTime::now_utc()) {
        SsoTokenState::Missing => "there is no SSO token",
        SsoTokenState::Expired => "the SSO token has expired",
        SsoTokenState::Valid => return Err(e),
        _ => "the SSO token file cannot be used",
    };
    let Some(login) = &settings.sso_login else {
        return Err(e);
    };
    let request = SsoLoginRequest::new(
        settings.profile.clone(),
        Some(session),
        cfg.start_url.clone(),
        region,
        reason,
    );
    if login.login(&request)? {
        return provider.token().map(|t| t.token);
    }
    let session = shown(request.session_name.as_deref().unwrap_or_default());
    Err(Error::config(format!(
        "{reason} for the sso-session {session}: run sts sso login --sso-session {session}"
    )))
}

/// Every account and role of the token, accounts in the portal's order.
fn entries(portal: &SsoPortal, token: &SecretString) -> Result<Vec<Entry>, Error> {
    let policy = PagingPolicy::default();
    let mut out = Vec::new();
    for account in portal.accounts(token, &policy)? {
        for role in portal.account_roles(token, &account.account_id, &policy)? {
            out.push(Entry {
                account_id: account.account_id.clone(),
                account_name: account.account_name.clone(),
                role_name: role.role_name,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, name: Option<&str>, role: &str) -> Entry {
        Entry {
            account_id: id.to_owned(),
            account_name: name.map(str::to_owned),
            role_name: role.to_owned(),
        }
    }

    fn generated(name: &str, session: &str, id: &str, role: &str) -> Existing {
        let e = entry(id, None, role);
        Existing {
            name: name.to_owned(),
            marker: Some(session.to_owned()),
            account_id: Some(id.to_owned()),
            role_name: Some(role.to_owned()),
            values: values(&e, session, "eu-west-1"),
        }
    }

    #[test]
    fn templates_render_and_names_are_made_safe() {
        let e = entry("111111111111", Some("Prod [EU] #1"), "Admin");
        assert_eq!(
            render(DEFAULT_TEMPLATE, &e, "corp").unwrap(),
            "Prod [EU] #1/Admin"
        );
        assert_eq!(
            safe_name(&render(DEFAULT_TEMPLATE, &e, "corp").unwrap(), "x"),
            "Prod-EU-1/Admin"
        );
        assert_eq!(
            render("{sso_session}-{account_id}-{role_name}", &e, "corp").unwrap(),
            "corp-111111111111-Admin"
        );
        // No account name: the id.
        let bare = entry("222222222222", None, "R");
        assert_eq!(
            render("{account_name}", &bare, "s").unwrap(),
            "222222222222"
        );
        assert!(render("{nope}", &e, "s").is_err());
        assert!(render("{account_name", &e, "s").is_err());
        assert_eq!(safe_name("\n]\u{1b}[", "fallback"), "fallback");
        assert_eq!(safe_name(" a b ", "f"), "a-b");
    }

    #[test]
    fn clashes_get_suffixes_and_unmarked_profiles_are_never_touched() {
        let existing = vec![
            // The user's own profile holds the first name.
            Existing {
                name: "prod/Admin".into(),
                ..Existing::default()
            },
            // Ours from an earlier run, under the suffix: reused, unchanged.
            generated("prod/Admin-2", "corp", "111111111111", "Admin"),
            // Ours, for a role that is gone.
            generated("old/Gone", "corp", "333333333333", "Gone"),
            // Another session's: taken, never pruned by this one.
            generated("prod/ReadOnly", "other", "111111111111", "ReadOnly"),
        ];
        let entries = vec![
            entry("111111111111", Some("prod"), "ReadOnly"),
            entry("111111111111", Some("prod"), "Admin"),
            entry("222222222222", Some("dev"), "Admin"),
        ];
        let ops = plan(
            &existing,
            "corp",
            &entries,
            DEFAULT_TEMPLATE,
            "eu-west-1",
            true,
        )
        .unwrap();
        assert_eq!(
            ops.iter()
                .map(|o| match o {
                    Op::Add(n, _) => format!("add {n}"),
                    Op::Update(n, _) => format!("update {n}"),
                    Op::Keep(n) => format!("keep {n}"),
                    Op::Remove(n) => format!("remove {n}"),
                })
                .collect::<Vec<_>>(),
            [
                "add dev/Admin",
                "keep prod/Admin-2",
                "add prod/ReadOnly-2",
                "remove old/Gone"
            ]
        );
        // Without --prune nothing is removed; another region updates ours.
        let ops = plan(
            &existing,
            "corp",
            &entries,
            DEFAULT_TEMPLATE,
            "us-east-1",
            false,
        )
        .unwrap();
        assert!(ops.iter().all(|o| !matches!(o, Op::Remove(_))));
        assert!(ops.contains(&Op::Update(
            "prod/Admin-2".into(),
            values(&entries[1], "corp", "us-east-1")
        )));
    }

    #[test]
    fn the_text_keeps_every_other_byte() {
        let before = "# my config\r\n[default]\r\nregion = us-east-1 ; keep\r\n\r\n\
                      [profile old/Gone]\r\nsso_session = corp\r\nsts_generated_from = corp\r\n\
                      # trailing note\r\n[profile mine]\r\noutput = json\r\n";
        let e = entry("111111111111", Some("prod"), "Admin");
        let ops = vec![
            Op::Add("prod/Admin".into(), values(&e, "corp", "eu-west-1")),
            Op::Remove("old/Gone".into()),
        ];
        let after = apply(Some(before), &ops);
        assert_eq!(
            after,
            "# my config\r\n[default]\r\nregion = us-east-1 ; keep\r\n\r\n# trailing note\r\n\
             [profile mine]\r\noutput = json\r\n[profile prod/Admin]\r\nsso_session = corp\r\n\
             sso_account_id = 111111111111\r\nsso_role_name = Admin\r\nregion = eu-west-1\r\n\
             sts_generated_from = corp\r\n"
        );
        let d = diff(before, &after);
        assert!(d.contains("-[profile old/Gone]\n") && d.contains("+[profile prod/Admin]\n"));
        assert!(
            d.contains(" [profile mine]\n") && !d.contains("# my config"),
            "{d}"
        );
        assert_eq!(diff("a\nb\n", "a\nb\n"), "");
        assert_eq!(apply(None, &[]), "");
    }
}
