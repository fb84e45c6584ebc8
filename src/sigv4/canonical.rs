//! Canonicalization: the canonical URI, query string and headers of a request.

use super::SignableRequest;
use std::borrow::Cow;

/// Header names lowercased (borrowed when already lowercase), minus the ignored ones, in input order.
pub(super) fn collect_headers<'h>(
    headers: &[(&'h str, &'h str)],
    ignore: impl Fn(&str) -> bool,
) -> Vec<(Cow<'h, str>, &'h str)> {
    let mut out = Vec::with_capacity(headers.len() + 3);
    for &(name, value) in headers {
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if !ignore(&name) {
            out.push((name, value));
        }
    }
    out
}

/// `a;b;c` from sorted headers, each name once.
pub(super) fn join_signed_headers(headers: &[(Cow<'_, str>, &str)]) -> String {
    let mut out = String::with_capacity(16 * headers.len());
    let mut prev: Option<&str> = None;
    for (name, _) in headers {
        if prev == Some(name) {
            continue;
        }
        if prev.is_some() {
            out.push(';');
        }
        out.push_str(name);
        prev = Some(name);
    }
    out
}

/// Writes the canonical request into `out`; returns the signed header list. `headers` must be sorted by
/// name (stably, so that duplicate names keep their order); `pairs` are encoded and get sorted.
pub(super) fn write_canonical_request(
    out: &mut String,
    req: &SignableRequest<'_>,
    normalize: bool,
    pairs: &mut [(String, String)],
    headers: &[(Cow<'_, str>, &str)],
    body_hash: &str,
) -> String {
    out.push_str(req.method);
    out.push('\n');
    write_canonical_uri(out, req.path, normalize);
    out.push('\n');
    pairs.sort_unstable();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out.push('\n');
    let mut prev: Option<&str> = None;
    for (name, value) in headers {
        if prev == Some(name) {
            out.push(',');
        } else {
            if prev.is_some() {
                out.push('\n');
            }
            out.push_str(name);
            out.push(':');
            prev = Some(name);
        }
        push_trimmed(out, value);
    }
    if prev.is_some() {
        out.push('\n');
    }
    out.push('\n');
    let signed = join_signed_headers(headers);
    out.push_str(&signed);
    out.push('\n');
    out.push_str(body_hash);
    signed
}

/// Appends a header value trimmed, with inner runs of whitespace collapsed to one space.
fn push_trimmed(out: &mut String, value: &str) {
    let mut first = true;
    for word in value.split_ascii_whitespace() {
        if !first {
            out.push(' ');
        }
        out.push_str(word);
        first = false;
    }
}

/// Appends the canonical URI: the path, normalized if asked, with every byte outside the unreserved set
/// and `/` percent-encoded (so an already-encoded `%3A` becomes `%253A`).
fn write_canonical_uri(out: &mut String, path: &str, normalize: bool) {
    if path.is_empty() {
        out.push('/');
        return;
    }
    if !normalize {
        encode_into(out, path.as_bytes(), true);
        return;
    }
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    out.push('/');
    for (i, seg) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_into(out, seg.as_bytes(), false);
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if !segments.is_empty() && trailing {
        out.push('/');
    }
}

/// The query's pairs, decoded (`%XX`, `+`) and re-encoded canonically, in their order. Empty pieces are
/// skipped; a piece without `=` has an empty value.
pub(super) fn canonical_query_pairs(query: &str) -> Vec<(String, String)> {
    if query.is_empty() {
        return Vec::new();
    }
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (reencode(k), reencode(v))
        })
        .collect()
}

/// Decodes a form component and encodes it canonically; borrows nothing, but skips the decode step
/// when the input is already canonical.
fn reencode(s: &str) -> String {
    if s.bytes().all(is_unreserved) {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => decoded.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex_val),
                bytes.get(i + 2).copied().and_then(hex_val),
            ) {
                (Some(h), Some(l)) => {
                    decoded.push(h << 4 | l);
                    i += 2;
                }
                _ => decoded.push(b'%'),
            },
            b => decoded.push(b),
        }
        i += 1;
    }
    uri_encode(&decoded, false)
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// SigV4 URI encoding: unreserved bytes literal, the rest `%XX` (upper case); `/` kept when `keep_slash`.
fn encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    for &b in bytes {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

pub(super) fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    encode_into(&mut out, bytes, keep_slash);
    out
}

/// Percent-encodes `value` the SigV4 way (RFC 3986 unreserved characters literal, everything else
/// `%XX` with upper-case hex, space as `%20`), as for a canonical query name or value.
///
/// ```
/// assert_eq!(sts_blocking::sigv4::uri_encode_component("a b/c~"), "a%20b%2Fc~");
/// ```
#[must_use]
pub fn uri_encode_component(value: &str) -> String {
    uri_encode(value.as_bytes(), false)
}
