//! AWS Query form encoding: `Action=...&Version=2011-06-15&Name=value&List.member.1=...`.
//!
//! Values are encoded the way botocore sends them (Python's `urlencode` with `quote_plus`): the RFC 3986
//! unreserved characters `A-Z a-z 0-9 - _ . ~` stay literal, a space becomes `+`, and every other byte
//! of the UTF-8 encoding becomes `%XX` with upper-case hex. This is also the only form that moto accepts.

use crate::Error;
use std::fmt::Write as _;

/// The STS API version sent with every request.
pub const API_VERSION: &str = "2011-06-15";

/// An operation's form-encoded request body (`application/x-www-form-urlencoded`), from
/// [`Operation::to_form`](crate::ops::Operation::to_form). `Action` and `Version` always come
/// first; values are encoded as botocore encodes them (space as `+`, `%XX` upper-case).
///
/// ```
/// use sts_blocking::ops::{AssumeRole, Operation, Tag};
/// let op = AssumeRole::new("arn:aws:iam::123456789012:role/r", "s1")
///     .tags(vec![Tag::new("team", "a b/c")]);
/// let form = op.to_form()?;
/// assert_eq!(
///     form.as_str(),
///     "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr\
///      &RoleSessionName=s1&Tags.member.1.Key=team&Tags.member.1.Value=a+b%2Fc"
/// );
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    body: String,
    key: String,
}

impl Form {
    /// Starts a body with `Action=<action>&Version=2011-06-15`.
    #[must_use]
    pub(crate) fn new(action: &str) -> Self {
        Self::with_capacity(action, 128)
    }

    /// Like [`Form::new`], reserving room for a body of `capacity` bytes.
    #[must_use]
    pub(crate) fn with_capacity(action: &str, capacity: usize) -> Self {
        Self::with_version(action, API_VERSION, capacity)
    }

    /// Starts a body with `Action=<action>&Version=<version>` (another awsQuery service's).
    #[must_use]
    pub(crate) fn with_version(action: &str, version: &str, capacity: usize) -> Self {
        let mut body = String::with_capacity(capacity.max(64));
        body.push_str("Action=");
        encode_into(&mut body, action);
        body.push_str("&Version=");
        body.push_str(version);
        Self {
            body,
            key: String::new(),
        }
    }

    /// Appends `key=value`.
    pub(crate) fn push(&mut self, key: &str, value: &str) {
        self.body.push('&');
        encode_into(&mut self.body, key);
        self.body.push('=');
        encode_into(&mut self.body, value);
    }

    /// Appends `key=value` when the value is set.
    pub(crate) fn push_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    /// Appends an integer member when it is set.
    pub(crate) fn push_int(&mut self, key: &str, value: Option<i64>) {
        if let Some(v) = value {
            self.body.push('&');
            encode_into(&mut self.body, key);
            let _ = write!(self.body, "={v}");
        }
    }

    /// Appends a list as `name.member.N...` (1-based), or `name=` for an empty list.
    ///
    /// `item` is called with the form, the member prefix (`name.member.N`) and the item; it appends the
    /// item's own keys under that prefix, e.g. with [`Form::push_member`].
    pub(crate) fn push_list<T>(
        &mut self,
        name: &str,
        items: &[T],
        mut item: impl FnMut(&mut Self, &T),
    ) {
        if items.is_empty() {
            self.push(name, "");
            return;
        }
        for (i, it) in items.iter().enumerate() {
            self.key.clear();
            self.key.push_str(name);
            let _ = write!(self.key, ".member.{}", i + 1);
            item(self, it);
        }
    }

    /// Inside [`Form::push_list`]: appends `<prefix>.<field>=value` (or `<prefix>=value` when `field` is
    /// empty, for lists of strings).
    pub(crate) fn push_member(&mut self, field: &str, value: &str) {
        self.body.push('&');
        let key = std::mem::take(&mut self.key);
        encode_into(&mut self.body, &key);
        if !field.is_empty() {
            self.body.push('.');
            encode_into(&mut self.body, field);
        }
        self.key = key;
        self.body.push('=');
        encode_into(&mut self.body, value);
    }

    /// The body so far.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.body
    }

    /// The finished body.
    #[must_use]
    pub fn into_string(self) -> String {
        self.body
    }
}

/// A form for `action` with these pairs after `Action` and `Version`, for the tests (through
/// `__private`).
#[must_use]
pub fn form<'a>(action: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Form {
    let mut form = Form::new(action);
    for (k, v) in pairs {
        form.push(k, v);
    }
    form
}

const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `value` form-encoded (unreserved literal, space as `+`, everything else `%XX`).
pub fn encode_into(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        if start < i {
            // The run between escaped bytes is ASCII, so these are char boundaries.
            out.push_str(&value[start..i]);
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
        start = i + 1;
    }
    out.push_str(&value[start..]);
}

/// Returns `value` form-encoded.
#[must_use]
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_into(&mut out, value);
    out
}

/// Decodes a form body into its pairs, in order. `+` and `%20` both decode to a space.
///
/// # Errors
/// [`Error::InvalidInput`] for a bad `%` escape or bytes that are not UTF-8 once decoded.
pub fn decode(body: &str) -> Result<Vec<(String, String)>, Error> {
    if body.is_empty() {
        return Ok(Vec::new());
    }
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

fn decode_component(s: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16));
                let lo = bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err(Error::invalid_input("form", "bad percent escape")),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Error::invalid_input("form", "not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_botocore() {
        assert_eq!(encode("a b"), "a+b");
        assert_eq!(
            encode("arn:aws:iam::1:role/x"),
            "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx"
        );
        assert_eq!(encode("~-_.AZaz09"), "~-_.AZaz09");
        assert_eq!(encode("東"), "%E6%9D%B1");
        assert_eq!(encode("+&="), "%2B%26%3D");
    }

    #[test]
    fn lists_are_one_based_and_empty_is_name_equals() {
        let mut f = Form::new("X");
        f.push_list("Tags", &[("a", "1"), ("b", "2")], |f, (k, v)| {
            f.push_member("Key", k);
            f.push_member("Value", v);
        });
        f.push_list::<&str>("TransitiveTagKeys", &[], |_, _| {});
        f.push_list("Audience", &["x"], |f, a| f.push_member("", a));
        assert_eq!(
            f.as_str(),
            "Action=X&Version=2011-06-15&Tags.member.1.Key=a&Tags.member.1.Value=1\
             &Tags.member.2.Key=b&Tags.member.2.Value=2&TransitiveTagKeys=&Audience.member.1=x"
        );
    }

    #[test]
    fn decode_round_trips() {
        let mut f = Form::new("AssumeRole");
        f.push("Policy", "{\"a\": \"b c\"} ü+%");
        f.push_int("DurationSeconds", Some(900));
        let pairs = decode(f.as_str()).unwrap();
        assert_eq!(pairs[2], ("Policy".into(), "{\"a\": \"b c\"} ü+%".into()));
        assert_eq!(pairs[3], ("DurationSeconds".into(), "900".into()));
        assert_eq!(decode("a=%20b").unwrap()[0].1, " b");
        assert!(decode("a=%2").is_err());
        assert!(decode("a=%FF").is_err());
    }
}
