//! Server text is cleaned before it leaves the crate: every secret value the request carried (a web
//! identity token, a SAML assertion, an MFA code, a trade-in token, a context assertion, the session
//! token, a bearer token) is replaced by `[redacted]`, and control characters are escaped.
//!
//! A server, proxy or WAF that echoes a request back (an error message quoting the form body, a
//! header) would otherwise put those secrets into `Display`, `Debug`, logs and the CLI's error line.
//! Each secret is looked for as sent (raw and form-encoded) and in its whitespace-normalised form;
//! an echo cut short (`eyJhbGciOiJSUzI1NiIs...`) is caught from the secret's first
//! [`PARTIAL_MIN`] bytes, or from its first [`TAIL_MIN`] at the very end of the text.
//!
//! A secret shorter than [`PARTIAL_MIN`] (an MFA code) is only redacted where it stands as a value,
//! with no letter or digit right before or after it: six digits occur by chance inside account
//! ids and request ids, which must keep them (`arn:aws:iam::123456789012` with the code `123456`).

use crate::error::{CredentialsError, Error, ErrorCode};

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Shortest start of a secret that is redacted when the echo breaks off inside the text.
pub(crate) const PARTIAL_MIN: usize = 12;

/// Shortest start of a secret that is redacted when the text ends with it (a cut echo).
pub(crate) const TAIL_MIN: usize = 4;

/// The forms a secret can take in an echo: as is, form-encoded, whitespace-normalised; longest
/// first, so that a shorter form's cut match never eats into a longer form's whole one.
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let encoded = crate::query::encode(secret);
    let canonical = secret
        .split_ascii_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for f in [encoded, canonical] {
        if !f.is_empty() && !out.contains(&f) {
            out.push(f);
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.len()));
    out
}

/// Length of the common prefix of `a` and `b`, in bytes, at a character boundary of `a`.
fn common_prefix(a: &str, b: &str) -> usize {
    let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    (0..=n).rev().find(|&i| a.is_char_boundary(i)).unwrap_or(0)
}

/// Whether `text[start..end]` stands as a value: no letter or digit right before or after it.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Adds the byte ranges of `text` holding `secret`, whole or cut, to `out`. A short secret
/// counts only where it stands alone (see the [module docs](self)).
fn find_ranges(text: &str, secret: &str, out: &mut Vec<(usize, usize)>) {
    let short = secret.len() < PARTIAL_MIN;
    let counts = |start: usize, end: usize| !short || stands_alone(text, start, end);
    let head_len = (0..=secret.len().min(PARTIAL_MIN))
        .rev()
        .find(|&i| secret.is_char_boundary(i))
        .unwrap_or(0);
    let head = &secret[..head_len];
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(head)) {
        let at = from + found;
        let n = common_prefix(&text[at..], secret);
        if (n == secret.len() || n >= PARTIAL_MIN) && counts(at, at + n) {
            out.push((at, at + n));
        }
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    // A cut echo at the very end: the text ends with the secret's first bytes.
    if let Some(k) = (TAIL_MIN..secret.len().min(text.len() + 1))
        .rev()
        .find(|&k| {
            secret.is_char_boundary(k)
                && text.ends_with(&secret[..k])
                && counts(text.len() - k, text.len())
        })
    {
        out.push((text.len() - k, text.len()));
    }
}

/// `text` from a server with every form of every secret replaced by [`REDACTED`] and control
/// characters escaped (`\n`, `\u{1b}`).
#[must_use]
pub(crate) fn clean(text: &str, secrets: &[&str]) -> String {
    let mut ranges = Vec::new();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for form in forms(secret) {
            find_ranges(text, &form, &mut ranges);
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in merged {
        escape_into(&mut out, &text[done..start]);
        out.push_str(REDACTED);
        done = end;
    }
    escape_into(&mut out, &text[done..]);
    out
}

/// `text` from outside (a server, a browser, a token's claims) made safe for a terminal or a log
/// line: every control character (C0, DEL, C1: ESC, BEL, CR, LF, CSI, ...) is written as its Rust
/// escape (`\u{1b}`, `\r`), everything else is kept. The one escaping of messages: the crate's
/// errors escape the server text they carry with it, and a program that shows other outside text
/// (an ARN from a response, a value read from a file) can do the same.
///
/// ```
/// use sts_blocking::error::escape_controls;
/// assert_eq!(escape_controls("a\u{1b}]0;t\u{7}\r\u{9b}é"), "a\\u{1b}]0;t\\u{7}\\r\\u{9b}é");
/// ```
#[must_use]
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` with control characters escaped.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// `e` with every text that came from a server [`clean`]ed: a service error's code, message and
/// request id, an invalid response's reason and snippet, a redirect's location, a transport
/// message, a credential provider's message, sources tried and cause.
#[must_use]
pub(crate) fn clean_error(e: Error, secrets: &[&str]) -> Error {
    match e {
        Error::Service(mut s) => {
            if let ErrorCode::Other(code) = &s.code {
                s.code = ErrorCode::Other(clean(code, secrets));
            }
            s.message = s.message.map(|m| clean(&m, secrets));
            s.request_id = s.request_id.map(|r| clean(&r, secrets));
            Error::Service(s)
        }
        Error::InvalidResponse {
            status,
            reason,
            snippet,
        } => Error::InvalidResponse {
            status,
            reason: clean(&reason, secrets),
            snippet: clean(&snippet, secrets),
        },
        Error::Redirect { status, location } => Error::Redirect {
            status,
            location: location.map(|l| clean(&l, secrets)),
        },
        Error::Transport { kind, message } => Error::Transport {
            kind,
            message: clean(&message, secrets),
        },
        Error::Credentials(c) => Error::Credentials(CredentialsError {
            provider: c.provider,
            message: clean(&c.message, secrets),
            tried: c
                .tried
                .into_iter()
                .map(|(source, why)| (source, clean(&why, secrets)))
                .collect(),
            source: c.source.map(|s| Box::new(clean_error(*s, secrets))),
        }),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_redacted() {
        let token = "eyJhbGciOiJSUzI1NiJ9.payload+/=end";
        let encoded = crate::query::encode(token);
        let text = format!("bad token {token} in WebIdentityToken={encoded}&x=1");
        let out = clean(&text, &[token]);
        assert_eq!(
            out,
            "bad token [redacted] in WebIdentityToken=[redacted]&x=1"
        );
        // Whitespace-normalised (as in a SigV4 canonical header) and cut echoes.
        let spaced = "  tok  with   spaces  ";
        assert_eq!(clean("h:tok with spaces\n", &[spaced]), "h:[redacted]\\n");
        assert_eq!(
            clean(&format!("echo: {}...", &token[..22]), &[token]),
            "echo: [redacted]..."
        );
        assert_eq!(
            clean(&format!("ends {}", &token[..5]), &[token]),
            "ends [redacted]"
        );
        // Short secrets (an MFA code) only whole.
        assert_eq!(
            clean("code 123456 and 1234", &["123456"]),
            "code [redacted] and [redacted]"
        );
        assert_eq!(clean("nothing here", &["", "zzzzzz"]), "nothing here");
    }

    #[test]
    fn short_secrets_only_where_they_stand() {
        // An MFA code inside a longer run of letters or digits (an account id, a request id) is
        // not the code: those digits stay.
        let code = "123456";
        assert_eq!(
            clean(
                "User: arn:aws:iam::123456789012:user/a is not authorized (MFA code 123456)",
                &[code]
            ),
            "User: arn:aws:iam::123456789012:user/a is not authorized (MFA code [redacted])"
        );
        assert_eq!(
            clean("id 9123456 / x123456 / 1234567 / 1234", &[code]),
            "id 9123456 / x123456 / 1234567 / [redacted]"
        );
        assert_eq!(clean("account 9991234", &[code]), "account 9991234");
        // Where it stands as a value, in every form, it goes.
        assert_eq!(
            clean("TokenCode=123456&x=1 '123456' 123456", &[code]),
            "TokenCode=[redacted]&x=1 '[redacted]' [redacted]"
        );
        // Long secrets are still caught inside other text (a token glued to a prefix).
        let token = "eyJhbGciOiJSUzI1NiJ9.payload";
        assert_eq!(
            clean(&format!("Bearer{token}x"), &[token]),
            "Bearer[redacted]x"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("a\u{1b}[31mred\r\n", &[]), "a\\u{1b}[31mred\\r\\n");
    }

    #[test]
    fn multibyte_text_and_secrets() {
        let secret = "sécret-ünïcode-1234567890";
        let out = clean(&format!("é {secret} ü {}", &secret[..16]), &[secret]);
        assert_eq!(out, "é [redacted] ü [redacted]");
        // A short secret: where it stands alone, next to multi-byte characters; not inside a
        // longer word.
        assert_eq!(clean("«éé» ééé", &["éé"]), "«[redacted]» ééé");
        assert_eq!(clean("ééééé", &["éé"]), "ééééé");
    }
}
