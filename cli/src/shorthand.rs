//! Values of structure flags: the AWS CLI shorthand syntax (`Key=a,Value=b`) and its JSON form
//! (`[{"Key":"a","Value":"b"}]`), read by a small hand-written parser (no serde).

/// One structure as `member -> string value` pairs, in the order given.
pub type Struct = Vec<(String, String)>;

/// A parsed JSON value (only what structure flags need).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, members in order.
    Obj(Vec<(String, Json)>),
}

/// Parses a whole JSON document. Errors read as Python's `json` module words them (awscli
/// quotes them): `Invalid JSON: Expecting value: line 1 column 2 (char 1)`.
pub fn parse_json(input: &str) -> Result<Json, String> {
    let mut p = JsonParser {
        s: input.as_bytes(),
        i: 0,
        src: input,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return p.err("Extra data");
    }
    Ok(v)
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    src: &'a str,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    /// `msg: line L column C (char P)` at the current position.
    fn err<T>(&self, what: &str) -> Result<T, String> {
        self.err_at(what, self.i)
    }

    fn err_at<T>(&self, what: &str, at: usize) -> Result<T, String> {
        // Python counts characters, not bytes.
        let before = self.src.get(..at).unwrap_or(self.src);
        let pos = before.chars().count();
        let line = before.matches('\n').count() + 1;
        let col = match before.rfind('\n') {
            Some(nl) => before[nl..].chars().count() - 1,
            None => pos,
        } + 1;
        Err(format!(
            "Invalid JSON: {what}: line {line} column {col} (char {pos})"
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 32 {
            return self.err("nesting too deep");
        }
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(members));
                }
                loop {
                    if self.peek() != Some(b'"') {
                        return self.err("Expecting property name enclosed in double quotes");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return self.err("Expecting ':' delimiter");
                    }
                    self.i += 1;
                    self.ws();
                    members.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.peek() {
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(members));
                        }
                        Some(b',') => {
                            self.i += 1;
                            self.ws();
                        }
                        _ => return self.err("Expecting ',' delimiter"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(items));
                        }
                        Some(b',') => {
                            self.i += 1;
                            self.ws();
                        }
                        _ => return self.err("Expecting ',' delimiter"),
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("Expecting value"),
        }
    }

    /// Python's number syntax: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`.
    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else if !digits(self) {
            return self.err_at("Expecting value", start);
        }
        let mark = self.i;
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                self.i = mark;
            }
        }
        let mark = self.i;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                self.i = mark;
            }
        }
        Ok(Json::Num(self.src[start..self.i].to_owned()))
    }

    fn string(&mut self) -> Result<String, String> {
        let start = self.i;
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.src[self.i..];
            let Some(c) = rest.chars().next() else {
                return self.err_at("Unterminated string starting at", start);
            };
            match c {
                '"' => {
                    self.i += 1;
                    return Ok(out);
                }
                '\\' => {
                    let esc = self.i;
                    self.i += 1;
                    let Some(e) = self.src[self.i..].chars().next() else {
                        return self.err_at("Unterminated string starting at", start);
                    };
                    self.i += e.len_utf8();
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hi = self.hex4(esc)?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let mark = self.i;
                                self.i += 2;
                                let lo = self.hex4(mark)?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = mark;
                                    hi
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return self.err_at("Invalid \\escape", esc),
                    }
                }
                c if (c as u32) < 0x20 => return self.err("Invalid control character at"),
                c => {
                    self.i += c.len_utf8();
                    out.push(c);
                }
            }
        }
    }

    /// Four hex digits after `\u` (`esc` is the backslash).
    fn hex4(&mut self, esc: usize) -> Result<u32, String> {
        let h = self.src.get(self.i..self.i + 4).unwrap_or("");
        match u32::from_str_radix(h, 16) {
            Ok(v) if h.len() == 4 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.i += 4;
                Ok(v)
            }
            _ => self.err_at("Invalid \\uXXXX escape", esc),
        }
    }
}

/// Parses one structure in shorthand syntax: `Key=a,Value=b`, each value as its list of items
/// (one item: a plain value). A value may be quoted with `"` or `'`; an unquoted value runs to the
/// next `,` that starts another `name=` (so values may contain `=`), and `\,` is a literal comma.
/// A comma followed by anything else separates the items of a list, as the AWS CLI reads it
/// (`Key=a,b` is `{"Key": ["a", "b"]}`).
pub fn parse_shorthand_items(input: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let expected = |what: &str, got: Option<&char>| {
        let got = got.map_or("EOF".to_owned(), |c| c.to_string());
        format!("Expected: '{what}', received: '{got}' for input:\n{input}")
    };
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-')) {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if key.is_empty() {
            return Err(expected("name", chars.get(i)));
        }
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if chars.get(i) != Some(&'=') {
            return Err(expected("=", chars.get(i)));
        }
        i += 1;
        let mut value = String::new();
        let mut items: Vec<String> = Vec::new();
        match chars.get(i) {
            Some(&q @ ('"' | '\'')) => {
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(expected(&q.to_string(), None)),
                        Some('\\') if chars.get(i + 1) == Some(&q) => {
                            value.push(q);
                            i += 2;
                        }
                        Some(&c) if c == q => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                match chars.get(i) {
                    None => {}
                    Some(',') => i += 1,
                    other => return Err(expected(",", other)),
                }
            }
            _ => {
                while i < chars.len() {
                    match chars[i] {
                        '\\' if chars.get(i + 1) == Some(&',') => {
                            value.push(',');
                            i += 2;
                        }
                        ',' if starts_member(&chars[i + 1..]) => {
                            i += 1;
                            break;
                        }
                        // awscli's `_csv_value`: another item of a list (not a trailing comma).
                        ',' if chars[i + 1..].iter().any(|c| !c.is_whitespace()) => {
                            items.push(trim_item(&value));
                            value.clear();
                            i += 1;
                        }
                        c => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                value = trim_item(&value);
            }
        }
        items.push(value);
        out.push((key, items));
        if i >= chars.len() {
            return Ok(out);
        }
    }
}

/// As awscli's shorthand parser: leading ASCII whitespace only (`string.whitespace`), trailing
/// whitespace as Python's rstrip (Unicode).
fn trim_item(value: &str) -> String {
    value
        .trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}'])
        .trim_end()
        .to_owned()
}

/// Whether `rest` begins with `name=` (after optional spaces).
fn starts_member(rest: &[char]) -> bool {
    let mut i = 0;
    while i < rest.len() && rest[i].is_whitespace() {
        i += 1;
    }
    let start = i;
    while i < rest.len() && (rest[i].is_alphanumeric() || matches!(rest[i], '_' | '-')) {
        i += 1;
    }
    while i < rest.len() && rest[i].is_whitespace() {
        i += 1;
    }
    i > start && rest.get(i) == Some(&'=')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The structure with list items joined back with commas.
    fn parse_shorthand(input: &str) -> Result<Struct, String> {
        Ok(parse_shorthand_items(input)?
            .into_iter()
            .map(|(k, items)| (k, items.join(",")))
            .collect())
    }

    fn pairs(v: &[(&str, &str)]) -> Struct {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn shorthand() {
        assert_eq!(
            parse_shorthand("Key=a,Value=b").unwrap(),
            pairs(&[("Key", "a"), ("Value", "b")])
        );
        assert_eq!(
            parse_shorthand("ProviderArn=arn:x,ContextAssertion=YWJj==").unwrap(),
            pairs(&[("ProviderArn", "arn:x"), ("ContextAssertion", "YWJj==")])
        );
        assert_eq!(
            parse_shorthand("Key=\"a,b\",Value='c d'").unwrap(),
            pairs(&[("Key", "a,b"), ("Value", "c d")])
        );
        assert_eq!(
            parse_shorthand("Key=a\\,b,Value=c,d").unwrap(),
            pairs(&[("Key", "a,b"), ("Value", "c,d")])
        );
        // A comma that starts no `name=` separates list items, as awscli reads them.
        assert_eq!(
            parse_shorthand_items("Key=a,Value").unwrap(),
            vec![("Key".to_owned(), vec!["a".to_owned(), "Value".to_owned()])]
        );
        assert_eq!(
            parse_shorthand_items("Key=a\\,b,Value=c, d").unwrap(),
            vec![
                ("Key".to_owned(), vec!["a,b".to_owned()]),
                ("Value".to_owned(), vec!["c".to_owned(), "d".to_owned()])
            ]
        );
        assert_eq!(
            parse_shorthand_items("Key=a,").unwrap(),
            vec![("Key".to_owned(), vec!["a,".to_owned()])]
        );
        assert_eq!(
            parse_shorthand("Key=,Value=").unwrap(),
            pairs(&[("Key", ""), ("Value", "")])
        );
        assert_eq!(
            parse_shorthand("Key=\u{3000}v\u{3000},Value= w ").unwrap(),
            pairs(&[("Key", "\u{3000}v"), ("Value", "w")])
        );
        assert!(parse_shorthand("Key").is_err());
        assert!(parse_shorthand("=a").is_err());
    }

    #[test]
    fn json() {
        let v = parse_json(r#" [{"Key": "a\u00e9\"", "Value": "b"}, {"n": -1.5e3, "t": true}] "#)
            .unwrap();
        let Json::Arr(items) = v else { panic!() };
        assert_eq!(
            items[0],
            Json::Obj(vec![
                ("Key".into(), Json::Str("aé\"".into())),
                ("Value".into(), Json::Str("b".into()))
            ])
        );
        // Python's json module's words and positions.
        for (doc, msg) in [
            ("[1,", "Expecting value: line 1 column 4 (char 3)"),
            ("{} x", "Extra data: line 1 column 4 (char 3)"),
            (
                "[{\"Key\":\"a\",]",
                "Expecting property name enclosed in double quotes: line 1 column 13 (char 12)",
            ),
            (
                "{\"a\" 1}",
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            (
                "\n  [\"é",
                "Unterminated string starting at: line 2 column 4 (char 4)",
            ),
            ("\"a\\x\"", "Invalid \\escape: line 1 column 3 (char 2)"),
            ("", "Expecting value: line 1 column 1 (char 0)"),
        ] {
            assert_eq!(
                parse_json(doc),
                Err(format!("Invalid JSON: {msg}")),
                "{doc:?}"
            );
        }
    }
}
