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

impl Json {
    /// A short description for type errors.
    pub fn describe(&self) -> String {
        match self {
            Json::Null => "null (type: null)".into(),
            Json::Bool(b) => format!("{b} (type: boolean)"),
            Json::Num(n) => format!("{n} (type: number)"),
            Json::Str(s) => format!("{s} (type: string)"),
            Json::Arr(_) => "[...] (type: list)".into(),
            Json::Obj(_) => "{...} (type: structure)".into(),
        }
    }
}

/// Parses a whole JSON document.
pub fn parse_json(input: &str) -> Result<Json, String> {
    let mut p = JsonParser {
        s: input.as_bytes(),
        i: 0,
        src: input,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("Invalid JSON: extra data at character {}", p.i));
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

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("Invalid JSON: {what} at character {}", self.i))
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 32 {
            return self.err("nesting too deep");
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return self.err("expected a member name");
                    }
                    let k = self.string()?;
                    if !self.eat(b':') {
                        return self.err("expected ':'");
                    }
                    members.push((k, self.value(depth + 1)?));
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b'}') {
                        return Ok(Json::Obj(members));
                    }
                    return self.err("expected ',' or '}'");
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b']') {
                        return Ok(Json::Arr(items));
                    }
                    return self.err("expected ',' or ']'");
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
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                Ok(Json::Num(self.src[start..self.i].to_owned()))
            }
            _ => self.err("expected a value"),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.src[self.i..];
            let Some(c) = rest.chars().next() else {
                return self.err("unterminated string");
            };
            self.i += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("unterminated string");
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return self.err("invalid escape"),
                    }
                }
                c if (c as u32) < 0x20 => return self.err("control character in string"),
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.src.get(self.i..self.i + 4).unwrap_or("");
        match u32::from_str_radix(h, 16) {
            Ok(v) if h.len() == 4 => {
                self.i += 4;
                Ok(v)
            }
            _ => self.err("invalid \\u escape"),
        }
    }
}

/// Parses one structure in shorthand syntax: `Key=a,Value=b`. A value may be quoted with `"` or
/// `'`; an unquoted value runs to the next `,` that starts another `name=` (so values may contain
/// `=` and, unlike the AWS CLI, a comma not followed by `name=`), and `\,` is a literal comma.
pub fn parse_shorthand(input: &str) -> Result<Struct, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut out = Struct::new();
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
                        c => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                value = value.trim().to_owned();
            }
        }
        out.push((key, value));
        if i >= chars.len() {
            return Ok(out);
        }
    }
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
        assert_eq!(
            parse_shorthand("Key=,Value=").unwrap(),
            pairs(&[("Key", ""), ("Value", "")])
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
        assert!(parse_json("[1,").is_err());
        assert!(parse_json("{} x").is_err());
    }
}
