//! Python's words where the AWS CLI shows them: `repr()` of a string, `int()` and its error,
//! argparse's choice lists with difflib's close matches, and the value and type names of
//! botocore's parameter validator.

use crate::shorthand::Json;

/// `repr(s)` of a Python string: single quotes unless the text has `'` and no `"`, with
/// backslash escapes for quotes, backslashes and control characters.
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `int(s)`: optional surrounding whitespace and sign, ASCII digits with single
/// underscores between them. `None` where Python raises `ValueError`.
pub fn int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        // Saturate: Python's integers have no bound, the values sts sends are i32 anyway.
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if neg { -n } else { n })
}

/// `ValueError` of `int(s)`.
pub fn int_error(s: &str) -> String {
    format!("invalid literal for int() with base 10: {}", repr(s))
}

/// difflib's `SequenceMatcher(None, a, b).ratio()` (no junk: the words are short).
pub fn ratio(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let matches = matching(&a, &b);
    // Lengths are command names: far below f64's exact integer range.
    2.0 * matches as f64 / total as f64
}

/// The number of characters in difflib's matching blocks: the longest common run (earliest in
/// `a`, then in `b`), then the same on both sides of it.
fn matching(a: &[char], b: &[char]) -> usize {
    let (mut best_i, mut best_j, mut best_k) = (0, 0, 0);
    for i in 0..a.len() {
        for j in 0..b.len() {
            let mut k = 0;
            while i + k < a.len() && j + k < b.len() && a[i + k] == b[j + k] {
                k += 1;
            }
            if k > best_k {
                (best_i, best_j, best_k) = (i, j, k);
            }
        }
    }
    if best_k == 0 {
        return 0;
    }
    best_k
        + matching(&a[..best_i], &b[..best_j])
        + matching(&a[best_i + best_k..], &b[best_j + best_k..])
}

/// `difflib.get_close_matches(word, choices)` (n = 3, cutoff = 0.8): best first, ties by the
/// larger string first, as `heapq.nlargest` orders `(score, word)`.
pub fn close_matches<'a>(word: &str, choices: &[&'a str]) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = choices
        .iter()
        .map(|c| (ratio(c, word), *c))
        .filter(|(r, _)| *r >= 0.8)
        .collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| y.1.cmp(x.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The AWS CLI v2's argparse message for a value outside `choices` (`CLIArgParser._check_value`):
/// the value, then difflib's close matches (the choices themselves are not listed).
pub fn invalid_choice(value: &str, choices: &[&str]) -> String {
    let mut msg = vec![format!("Found invalid choice '{value}'\n")];
    let possible = close_matches(value, choices);
    if !possible.is_empty() {
        msg.push("Maybe you meant:\n".to_owned());
        for p in possible {
            msg.push(format!("  * {p}"));
        }
    }
    msg.join("\n")
}

/// `str(value)` of what Python's `json.loads` makes of a JSON value.
pub fn value(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Num(n) => n.clone(),
        Json::Str(s) => s.clone(),
        Json::Arr(_) | Json::Obj(_) => nested(v),
    }
}

/// `repr()` of a value inside a list or dict.
fn nested(v: &Json) -> String {
    match v {
        Json::Str(s) => repr(s),
        Json::Arr(items) => {
            let items: Vec<String> = items.iter().map(nested).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Obj(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", repr(k), nested(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        other => value(other),
    }
}

/// `type(value)` of what Python's `json.loads` makes of a JSON value.
pub fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "<class 'NoneType'>",
        Json::Bool(_) => "<class 'bool'>",
        Json::Num(n) if n.contains(['.', 'e', 'E']) => "<class 'float'>",
        Json::Num(_) => "<class 'int'>",
        Json::Str(_) => "<class 'str'>",
        Json::Arr(_) => "<class 'list'>",
        Json::Obj(_) => "<class 'dict'>",
    }
}

/// The members that hold secrets: their values are never quoted (botocore would).
const SECRET_MEMBERS: [&str; 5] = [
    "SAMLAssertion",
    "WebIdentityToken",
    "TokenCode",
    "ContextAssertion",
    "TradeInToken",
];

/// botocore's `Invalid type for parameter ...` line; `valid` as botocore lists the Python types.
/// The value of a secret member is not shown.
pub fn invalid_type(path: &str, v: &Json, valid: &str) -> String {
    let member = path.rsplit('.').next().unwrap_or(path);
    let member = member.split('[').next().unwrap_or(member);
    let shown = if SECRET_MEMBERS.contains(&member) {
        "(redacted)".to_owned()
    } else {
        value(v)
    };
    format!(
        "Invalid type for parameter {path}, value: {shown}, type: {}, valid types: {valid}",
        type_name(v)
    )
}

/// The valid types botocore names for a string member.
pub const STR: &str = "<class 'str'>";
/// The valid types botocore names for an integer member.
pub const INT: &str = "<class 'int'>";
/// The valid types botocore names for a list member.
pub const LIST: &str = "<class 'list'>, <class 'tuple'>";
/// The valid types botocore names for a structure member.
pub const DICT: &str = "<class 'dict'>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr() {
        assert_eq!(repr("1h"), "'1h'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(repr("x\ny\\"), "'x\\ny\\\\'");
        assert_eq!(repr("\u{1}é"), "'\\x01é'");
    }

    #[test]
    fn python_int() {
        assert_eq!(int(" 900 "), Some(900));
        assert_eq!(int("+5"), Some(5));
        assert_eq!(int("-1_000"), Some(-1000));
        for bad in ["1h", "", "1__0", "_1", "1_", "1.5", "0x10", "+"] {
            assert_eq!(int(bad), None, "{bad}");
        }
        assert_eq!(
            int_error("1h"),
            "invalid literal for int() with base 10: '1h'"
        );
    }

    #[test]
    fn difflib_ratio_and_matches() {
        // Values from Python's difflib.
        assert!((ratio("assume-role", "assume-rol") - 20.0 / 21.0).abs() < 1e-12);
        assert!((ratio("abcd", "bcde") - 0.75).abs() < 1e-12);
        let choices = ["assume-role", "assume-root", "get-caller-identity", "help"];
        assert_eq!(
            close_matches("assume-rol", &choices),
            vec!["assume-role", "assume-root"]
        );
        assert!(close_matches("zzz", &choices).is_empty());
    }

    #[test]
    fn choice_message() {
        assert_eq!(
            invalid_choice("jsn", &["json", "text", "table"]),
            "Found invalid choice 'jsn'\n\nMaybe you meant:\n\n  * json"
        );
        assert_eq!(
            invalid_choice("xml", &["json", "text", "table"]),
            "Found invalid choice 'xml'\n"
        );
    }

    #[test]
    fn secrets_are_not_quoted_in_type_errors() {
        let token = Json::Arr(vec![Json::Str("eyJhbGciOiJSUzI1NiJ9.secret".into())]);
        for path in [
            "WebIdentityToken",
            "ProvidedContexts[0].ContextAssertion",
            "TokenCode",
        ] {
            let m = invalid_type(path, &token, STR);
            assert!(!m.contains("eyJ"), "{m}");
            assert!(m.contains("value: (redacted), type: <class 'list'>"), "{m}");
        }
    }

    #[test]
    fn botocore_type_errors() {
        let v = Json::Arr(vec![Json::Str("a".into()), Json::Num("1".into())]);
        assert_eq!(
            invalid_type("Tags", &v, DICT),
            "Invalid type for parameter Tags, value: ['a', 1], type: <class 'list'>, \
             valid types: <class 'dict'>"
        );
        assert_eq!(
            invalid_type("Tags[0].Value", &Json::Num("1".into()), STR),
            "Invalid type for parameter Tags[0].Value, value: 1, type: <class 'int'>, \
             valid types: <class 'str'>"
        );
    }
}
