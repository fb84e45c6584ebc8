//! The small JSON reader and string writer the crate reads its JSON documents with (credential
//! process output, the container, IMDS, SSO and sign-in answers, the AWS CLI's cache files): no
//! serde, and public so that a program reading the same documents reads them the same way.
//!
//! [`parse`] reads a whole document into a [`Value`] with a nesting limit ([`MAX_DEPTH`]); it never
//! panics, whatever the input, and its errors ([`JsonError`]) never contain the document's text
//! (it may hold secrets). [`write_string`] and [`escape`] write a JSON string literal.
//!
//! ```
//! use sts_blocking::json::{self, Escape, Value};
//! let v = json::parse(r#"{"Version": 1, "AccessKeyId": "AKID\u0041"}"#)?;
//! assert_eq!(v.get("AccessKeyId").and_then(Value::as_str), Some("AKIDA"));
//! assert_eq!(json::escape("a\"b\n"), r#""a\"b\n""#);
//! let mut out = String::new();
//! json::write_string(&mut out, "é", Escape::Ascii);
//! assert_eq!(out, r#""\u00e9""#);
//! # Ok::<(), json::JsonError>(())
//! ```

use std::fmt;

/// The deepest nesting of arrays and objects [`parse`] accepts.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value. Objects keep their members in document order (duplicates included).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its source text (use [`Value::as_f64`] / [`Value::as_i64`]).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, as its members in order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The first member named `key`, if this is an object.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Self::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a number.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The number as `i64`, if this is an integer number that fits.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A short name of the value's type, for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "boolean",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }
}

/// Why a document is not valid JSON. Never contains the document's text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonError {
    /// Byte offset where the problem was found.
    pub offset: usize,
    /// What was wrong.
    pub kind: JsonErrorKind,
}

/// The kinds of [`JsonError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input ended in the middle of a value.
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    UnexpectedCharacter,
    /// A malformed number.
    InvalidNumber,
    /// A bad `\` escape, or a lone surrogate in `\u` escapes.
    InvalidEscape,
    /// A raw control character inside a string.
    ControlCharacter,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Text after the end of the value.
    TrailingCharacters,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            JsonErrorKind::UnexpectedEnd => "unexpected end of input",
            JsonErrorKind::UnexpectedCharacter => "unexpected character",
            JsonErrorKind::InvalidNumber => "invalid number",
            JsonErrorKind::InvalidEscape => "invalid escape",
            JsonErrorKind::ControlCharacter => "control character in string",
            JsonErrorKind::TooDeep => "nesting too deep",
            JsonErrorKind::TrailingCharacters => "trailing characters",
        };
        write!(f, "invalid JSON: {what} at byte {}", self.offset)
    }
}

impl std::error::Error for JsonError {}

/// Parses a whole JSON document (surrounding whitespace allowed).
///
/// # Errors
/// [`JsonError`] for anything that is not exactly one JSON value.
pub fn parse(input: &str) -> Result<Value, JsonError> {
    let mut p = Parser {
        s: input.as_bytes(),
        pos: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(p.err(JsonErrorKind::TrailingCharacters));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError {
            offset: self.pos,
            kind,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_lit(&mut self, lit: &[u8], v: Value) -> Result<Value, JsonError> {
        let end = self.pos + lit.len();
        match self.s.get(self.pos..end) {
            Some(got) if got == lit => {
                self.pos = end;
                Ok(v)
            }
            Some(_) => Err(self.err(JsonErrorKind::UnexpectedCharacter)),
            None => Err(self.err(JsonErrorKind::UnexpectedEnd)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek() {
            None => Err(self.err(JsonErrorKind::UnexpectedEnd)),
            Some(b'n') => self.expect_lit(b"null", Value::Null),
            Some(b't') => self.expect_lit(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_lit(b"false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(JsonErrorKind::TooDeep));
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Array(items));
                        }
                        None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
                        Some(_) => return Err(self.err(JsonErrorKind::UnexpectedCharacter)),
                    }
                }
            }
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(JsonErrorKind::TooDeep));
                }
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'"') => {}
                        None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
                        Some(_) => return Err(self.err(JsonErrorKind::UnexpectedCharacter)),
                    }
                    let key = self.string()?;
                    self.ws();
                    match self.peek() {
                        Some(b':') => self.pos += 1,
                        None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
                        Some(_) => return Err(self.err(JsonErrorKind::UnexpectedCharacter)),
                    }
                    self.ws();
                    let v = self.value(depth + 1)?;
                    members.push((key, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::Object(members));
                        }
                        None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
                        Some(_) => return Err(self.err(JsonErrorKind::UnexpectedCharacter)),
                    }
                }
            }
            Some(_) => Err(self.err(JsonErrorKind::UnexpectedCharacter)),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err(JsonErrorKind::InvalidNumber)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::InvalidNumber));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::InvalidNumber));
            }
        }
        // The slice is ASCII digits and signs, so this cannot fail.
        let text = std::str::from_utf8(&self.s[start..self.pos])
            .map_err(|_| self.err(JsonErrorKind::InvalidNumber))?;
        Ok(Value::Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
                Some(c) => (c as char)
                    .to_digit(16)
                    .ok_or_else(|| self.err(JsonErrorKind::InvalidEscape))?,
            };
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    /// Reads a string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(JsonErrorKind::UnexpectedEnd));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    // The input is a &str and escapes produce valid UTF-8, so this cannot fail.
                    return String::from_utf8(out)
                        .map_err(|_| self.err(JsonErrorKind::InvalidEscape));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err(JsonErrorKind::UnexpectedEnd));
                    };
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err(JsonErrorKind::InvalidEscape));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err(JsonErrorKind::InvalidEscape));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code)
                                .ok_or_else(|| self.err(JsonErrorKind::InvalidEscape))?
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err(JsonErrorKind::InvalidEscape));
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.err(JsonErrorKind::ControlCharacter)),
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

/// Which characters [`write_string`] writes as `\uXXXX`, besides the control characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Escape {
    /// Nothing else: Python's `json.dumps(..., ensure_ascii=False)`.
    Controls,
    /// U+2028 and U+2029 too, so the literal is also a valid JavaScript string.
    LineSeparators,
    /// Every character outside printable ASCII, in UTF-16 units: Python's default
    /// (`ensure_ascii=True`).
    Ascii,
}

/// Appends `s` to `out` as a JSON string literal, quotes included: `"` `\` and the control
/// characters escaped (short forms where JSON has them), and what `escape` adds.
pub fn write_string(out: &mut String, s: &str, escape: Escape) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ if c < ' '
                || escape == Escape::Ascii
                || (escape == Escape::LineSeparators && matches!(c, '\u{2028}' | '\u{2029}')) =>
            {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a JSON string literal, quotes included ([`Escape::LineSeparators`]).
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s, Escape::LineSeparators);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_what_each_mode_says() {
        let s = "q\"b\\n\n\u{1}\u{7f}é\u{2028}😀";
        let written = |mode| {
            let mut out = String::new();
            write_string(&mut out, s, mode);
            out
        };
        assert_eq!(
            written(Escape::Controls),
            "\"q\\\"b\\\\n\\n\\u0001\u{7f}é\u{2028}😀\""
        );
        assert_eq!(
            written(Escape::LineSeparators),
            "\"q\\\"b\\\\n\\n\\u0001\u{7f}é\\u2028😀\""
        );
        assert_eq!(
            written(Escape::Ascii),
            "\"q\\\"b\\\\n\\n\\u0001\\u007f\\u00e9\\u2028\\ud83d\\ude00\""
        );
        for mode in [Escape::Controls, Escape::LineSeparators, Escape::Ascii] {
            assert_eq!(parse(&written(mode)).unwrap().as_str(), Some(s));
        }
    }

    #[test]
    fn parses_values() {
        let v = parse(
            r#" {"a": [1, -2.5e3, true, false, null], "b": "x\ty\u00e9\ud83d\ude00", "a": {}} "#,
        )
        .unwrap();
        let a = v.get("a").unwrap();
        match a {
            Value::Array(items) => {
                assert_eq!(items[0].as_i64(), Some(1));
                assert_eq!(items[1].as_f64(), Some(-2500.0));
                assert_eq!(items[2], Value::Bool(true));
                assert_eq!(items[4], Value::Null);
            }
            _ => panic!("not an array"),
        }
        assert_eq!(v.get("b").unwrap().as_str(), Some("x\ty\u{e9}\u{1F600}"));
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "01",
            "1.",
            "-",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "\"a\nb\"",
            "tru",
            "nul",
            "{} x",
            "\"\\x\"",
            "\"\\u12\"",
            "[1 2]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err().kind, JsonErrorKind::TooDeep);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn no_panics_on_prefixes() {
        let doc = r#"{"k": ["\u00e9\ud83d\ude00", 1.5e-3, {"x": null}], "s": "é"}"#;
        for i in 0..=doc.len() {
            if let Some(p) = doc.get(..i) {
                let _ = parse(p);
            }
        }
    }

    #[test]
    fn escape_round_trips() {
        let s = "q\"b\\s/\n\r\t\u{1}\u{2028}é😀";
        assert_eq!(parse(&escape(s)).unwrap().as_str(), Some(s));
        assert_eq!(escape("\u{1}"), "\"\\u0001\"");
    }
}
