//! The shared config/credentials file parser (`ProfileSet::parse`, both file kinds), the role-chain
//! planner (`plan`, pure), endpoint lookup from profiles, and `credential_process` command-line
//! splitting.
//!
//! Input: byte 0 picks which profile to select; the rest (lossy UTF-8) is split at the first NUL into
//! the config file text and the credentials file text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use sts_blocking::__private::credentials::process::split_command_line;
use sts_blocking::__private::credentials::profile::FileKind;
use sts_blocking::Error;
use sts_blocking::credentials::{BaseSource, Env};

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
}

/// POSIX-shell quoting of one word, the inverse of `split_command_line` for that word.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r#"'"'"'"#))
}

fn check_split(line: &str) {
    if let Ok(words) = split_command_line(line) {
        let joined: Vec<String> = words.iter().map(|w| quote(w)).collect();
        let again = split_command_line(&joined.join(" ")).expect("quoted words split");
        assert_eq!(again, words, "split(quote(split(x))) == split(x)");
    }
}

/// `text` has this many lines (a file error names one of them).
fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

fn parse_one(kind: FileKind, text: &str) {
    let path = Path::new("fuzz-file");
    match sts_blocking::__private::credentials::profile::parse(&[(kind, path, text)], "default") {
        Ok(set) => {
            for (name, section) in set.profiles() {
                assert!(valid_name(name), "profile name {name:?}");
                assert_eq!(section.name(), name);
                for (k, _) in section.properties() {
                    assert!(!k.is_empty() && valid_name(k), "key {k:?}");
                    assert_eq!(k, k.to_ascii_lowercase(), "keys are lower-case");
                }
            }
            if kind == FileKind::Credentials {
                assert!(set.sso_sessions().is_empty());
            }
        }
        Err(Error::ConfigFile { path: p, line, .. }) => {
            assert_eq!(p, path);
            assert!(
                line >= 1 && line <= line_count(text),
                "line {line} of {text:?}"
            );
        }
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (config, credentials) = text.split_once('\0').unwrap_or((&text, ""));

    for kind in [FileKind::Config, FileKind::Credentials] {
        parse_one(kind, config);
        parse_one(kind, credentials);
    }

    let files = [
        (FileKind::Config, Path::new("config"), config),
        (FileKind::Credentials, Path::new("credentials"), credentials),
    ];
    let Ok(first) = sts_blocking::__private::credentials::profile::parse(&files, "default") else {
        return;
    };
    // Select a profile that exists (or `default`), so that the planner follows real chains.
    let names: Vec<&String> = first.profiles().keys().collect();
    let selected = match names.len() {
        0 => "default".to_owned(),
        n => names[usize::from(pick) % n].clone(),
    };
    let set = sts_blocking::__private::credentials::profile::parse(&files, &selected)
        .expect("parsed once, parses again");
    assert_eq!(set.selected_name(), selected);

    let env = Env::from_map([("HOME", "/nonexistent")]);
    for service in ["sts", "s3", "Secrets Manager"] {
        let _ = set.configured_endpoint_url(&env, service);
    }
    for (_, section) in set.profiles().iter().chain(set.sso_sessions()) {
        for (k, v) in section.properties() {
            let _ = section.sub_properties(k);
            check_split(v);
        }
    }

    match set.plan() {
        Ok(chain) => {
            assert_eq!(chain.profile, selected);
            let _ = format!("{chain:?}");
            for hop in &chain.roles {
                assert!(set.profile(&hop.profile).is_some(), "hop of a real profile");
                assert!(!hop.role_arn.trim().is_empty());
            }
            match &chain.base {
                BaseSource::Static { credentials, .. } => {
                    assert!(!credentials.access_key_id.is_empty());
                }
                BaseSource::Process { command, .. } => {
                    let _ = command.program();
                    check_split(command.expose());
                }
                BaseSource::WebIdentity(w) => assert!(!w.role_arn.is_empty()),
                BaseSource::Sso(s) => {
                    assert!(!s.start_url.is_empty() && !s.region.is_empty());
                    assert_eq!(s.account_id.is_some(), s.role_name.is_some());
                }
                BaseSource::Named(n) => {
                    let _ = n.as_str();
                }
                BaseSource::Login(l) => {
                    assert!(!l.session.is_empty());
                }
                _ => {}
            }
        }
        Err(e) => {
            assert!(!e.message.is_empty());
            let _ = Error::from(e).to_string();
        }
    }
});
