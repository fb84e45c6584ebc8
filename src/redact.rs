//! Server text is cleaned before it leaves the crate: every secret value the request carried (a web
//! identity token, a SAML assertion, an MFA code, a trade-in token, a context assertion, the session
//! token, a bearer token) is replaced by `[redacted]`, and control characters are escaped.
//!
//! A server, proxy or WAF that echoes a request back (an error message quoting the form body, a
//! header) would otherwise put those secrets into `Display`, `Debug`, logs and the CLI's error line.
//! Each secret is looked for as sent (raw and form-encoded) and in its whitespace-normalised form;
//! an echo cut short (`eyJhbGciOiJSUzI1NiIs...`) is caught from the secret's first
//! [`PARTIAL_MIN`] bytes, or from its first [`TAIL_MIN`] at the very end of the text.

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

/// Adds the byte ranges of `text` holding `secret`, whole or cut, to `out`.
fn find_ranges(text: &str, secret: &str, out: &mut Vec<(usize, usize)>) {
    let head_len = (0..=secret.len().min(PARTIAL_MIN))
        .rev()
        .find(|&i| secret.is_char_boundary(i))
        .unwrap_or(0);
    let head = &secret[..head_len];
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(head)) {
        let at = from + found;
        let n = common_prefix(&text[at..], secret);
        if n == secret.len() || n >= PARTIAL_MIN {
            out.push((at, at + n));
        }
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    // A cut echo at the very end: the text ends with the secret's first bytes.
    if let Some(k) = (TAIL_MIN..secret.len().min(text.len() + 1))
        .rev()
        .find(|&k| secret.is_char_boundary(k) && text.ends_with(&secret[..k]))
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
/// escape (`\u{1b}`, `\r`), everything else is kept. The one escaping of messages: [`clean`]
/// uses it too.
///
/// ```
/// use sts_blocking::__private::redact::escape_controls;
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
    fn control_characters_are_escaped() {
        assert_eq!(clean("a\u{1b}[31mred\r\n", &[]), "a\\u{1b}[31mred\\r\\n");
    }

    #[test]
    fn multibyte_text_and_secrets() {
        let secret = "sécret-ünïcode-1234567890";
        let out = clean(&format!("é {secret} ü {}", &secret[..16]), &[secret]);
        assert_eq!(out, "é [redacted] ü [redacted]");
        assert_eq!(clean("ééééé", &["éé"]), "[redacted]");
    }
}
