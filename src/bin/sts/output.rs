//! Output formatting: a small value tree ([`Value`]) and its three renderings, as the AWS CLI prints
//! them: `json` (Python's `json.dumps(indent=4, ensure_ascii=False)`), `text` (awscli's `text.py`) and
//! `env` (`export AWS_ACCESS_KEY_ID=...`, as `aws configure export-credentials --format env`).
//!
//! The JSON writer is hand-written (no serde): the output is a handful of strings and integers.

use time::OffsetDateTime;

/// A response as the CLI prints it: objects keep their members in model order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string (timestamps are already formatted).
    Str(String),
    /// An integer.
    Int(i64),
    /// An object; members in model order, absent members left out.
    Obj(Vec<(String, Value)>),
    /// A list (no STS output has one today; the text format handles them as awscli does).
    #[cfg_attr(not(test), allow(dead_code))]
    List(Vec<Value>),
}

/// Builds a [`Value::Obj`], skipping absent members.
#[derive(Debug, Default)]
pub struct ObjBuilder(Vec<(String, Value)>);

impl ObjBuilder {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a string member if present.
    pub fn str(mut self, key: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.push((key.to_owned(), Value::Str(v.to_owned())));
        }
        self
    }

    /// Adds an integer member if present.
    pub fn int(mut self, key: &str, v: Option<i32>) -> Self {
        if let Some(v) = v {
            self.0.push((key.to_owned(), Value::Int(i64::from(v))));
        }
        self
    }

    /// Adds a timestamp member (AWS CLI v2 format) if present.
    pub fn time(self, key: &str, v: Option<OffsetDateTime>) -> Self {
        let s = v.map(timestamp);
        self.str(key, s.as_deref())
    }

    /// Adds a nested value if present.
    pub fn val(mut self, key: &str, v: Option<Value>) -> Self {
        if let Some(v) = v {
            self.0.push((key.to_owned(), v));
        }
        self
    }

    /// The object.
    pub fn build(self) -> Value {
        Value::Obj(self.0)
    }
}

/// A timestamp as the AWS CLI v2 prints it: Python's `datetime.isoformat()` in UTC,
/// `2019-11-09T13:34:41+00:00`, with `.ffffff` only when there are microseconds.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    match t.microsecond() {
        0 => format!("{base}+00:00"),
        us => format!("{base}.{us:06}+00:00"),
    }
}

/// `json.dumps(value, indent=4, ensure_ascii=False)` plus a newline.
pub fn json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out.push('\n');
    out
}

fn write_json(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Str(s) => json_string(out, s),
        Value::Int(n) => out.push_str(&n.to_string()),
        Value::Obj(members) if members.is_empty() => out.push_str("{}"),
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                json_string(out, k);
                out.push_str(": ");
                write_json(out, v, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        Value::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_json(out, v, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// A JSON string literal as Python writes it with `ensure_ascii=False`: `"` `\` and control
/// characters escaped, everything else (non-ASCII included) verbatim.
pub fn json_string(out: &mut String, s: &str) {
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
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The AWS CLI text format (awscli `formatter.py`/`text.py`): for an object, its scalar members
/// sorted by key on one tab-separated line (prefixed by the upper-cased parent key, if any), then
/// each non-scalar member, sorted by key, with the member name as the identifier.
pub fn text(v: &Value) -> String {
    let mut out = String::new();
    text_item(&mut out, v, None, None);
    out
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text_item(out: &mut String, v: &Value, identifier: Option<&str>, keys: Option<&[String]>) {
    match v {
        Value::Obj(members) => text_obj(out, members, identifier, keys),
        Value::List(items) => text_list(out, items, identifier),
        other => {
            out.push_str(&scalar(other).unwrap_or_default());
            out.push('\n');
        }
    }
}

fn text_obj(
    out: &mut String,
    members: &[(String, Value)],
    identifier: Option<&str>,
    keys: Option<&[String]>,
) {
    let mut sorted: Vec<&(String, Value)> = members.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut scalars = Vec::new();
    let mut nested = Vec::new();
    match keys {
        None => {
            for (k, v) in sorted {
                match scalar(v) {
                    Some(s) => scalars.push(s),
                    None => nested.push((k.as_str(), v)),
                }
            }
        }
        Some(keys) => {
            for key in keys {
                let v = members.iter().find(|(k, _)| k == key).map(|(_, v)| v);
                scalars.push(v.and_then(scalar).unwrap_or_default());
            }
            for (k, v) in sorted {
                if !keys.contains(k) {
                    nested.push((k.as_str(), v));
                }
            }
        }
    }
    if !scalars.is_empty() {
        if let Some(id) = identifier {
            scalars.insert(0, id.to_uppercase());
        }
        out.push_str(&scalars.join("\t"));
        out.push('\n');
    }
    for (k, v) in nested {
        text_item(out, v, Some(k), None);
    }
}

fn text_list(out: &mut String, items: &[Value], identifier: Option<&str>) {
    if items.is_empty() {
        return;
    }
    if items.iter().any(|v| matches!(v, Value::Obj(_))) {
        // awscli `_all_scalar_keys`: every scalar key of every element, sorted.
        let mut keys: Vec<String> = Vec::new();
        for v in items {
            if let Value::Obj(m) = v {
                for (k, v) in m {
                    if scalar(v).is_some() && !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
            }
        }
        keys.sort();
        for v in items {
            text_item(out, v, identifier, Some(&keys));
        }
    } else if items.iter().any(|v| matches!(v, Value::List(_))) {
        let scalars: Vec<Value> = items
            .iter()
            .filter(|v| scalar(v).is_some())
            .cloned()
            .collect();
        text_scalar_list(out, &scalars, identifier);
        for v in items.iter().filter(|v| scalar(v).is_none()) {
            text_item(out, v, identifier, None);
        }
    } else {
        text_scalar_list(out, items, identifier);
    }
}

fn text_scalar_list(out: &mut String, items: &[Value], identifier: Option<&str>) {
    if items.is_empty() {
        return;
    }
    let values: Vec<String> = items.iter().filter_map(scalar).collect();
    match identifier {
        Some(id) => {
            for v in values {
                out.push_str(&format!("{}\t{v}\n", id.to_uppercase()));
            }
        }
        None => {
            out.push_str(&values.join("\t"));
            out.push('\n');
        }
    }
}

/// `export` lines for the `Credentials` member, or `None` if the output has none.
pub fn env(v: &Value) -> Option<String> {
    let Value::Obj(members) = v else { return None };
    let (_, Value::Obj(creds)) = members.iter().find(|(k, _)| k == "Credentials")? else {
        return None;
    };
    let get = |k: &str| {
        creds
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| match v {
                Value::Str(s) => Some(s.as_str()),
                _ => None,
            })
    };
    let mut out = String::new();
    for (var, member) in [
        ("AWS_ACCESS_KEY_ID", "AccessKeyId"),
        ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
        ("AWS_SESSION_TOKEN", "SessionToken"),
        ("AWS_CREDENTIAL_EXPIRATION", "Expiration"),
    ] {
        if let Some(value) = get(member) {
            out.push_str(&format!("export {var}={}\n", shell_quote(value)));
        }
    }
    Some(out)
}

/// Quotes a value for POSIX shells when it has anything beyond a safe set of characters.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | ':' | '+' | '=' | '@' | '%' | ',')
        });
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(members: &[(&str, Value)]) -> Value {
        Value::Obj(
            members
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    #[test]
    fn json_matches_python() {
        let v = obj(&[
            ("A", s("x\"y\\z\n\u{1}é/")),
            ("B", obj(&[("C", Value::Int(6))])),
            ("D", Value::List(vec![])),
            ("E", obj(&[])),
        ]);
        assert_eq!(
            json(&v),
            "{\n    \"A\": \"x\\\"y\\\\z\\n\\u0001é/\",\n    \"B\": {\n        \"C\": 6\n    },\n    \"D\": [],\n    \"E\": {}\n}\n"
        );
    }

    #[test]
    fn text_scalars_first_then_sorted_nested() {
        let v = obj(&[
            (
                "Credentials",
                obj(&[("AccessKeyId", s("ASIA")), ("Expiration", s("t"))]),
            ),
            (
                "AssumedRoleUser",
                obj(&[("AssumedRoleId", s("AROA")), ("Arn", s("arn"))]),
            ),
            ("PackedPolicySize", Value::Int(6)),
        ]);
        assert_eq!(
            text(&v),
            "6\nASSUMEDROLEUSER\tarn\tAROA\nCREDENTIALS\tASIA\tt\n"
        );
    }

    #[test]
    fn text_lists() {
        let v = obj(&[("Audience", Value::List(vec![s("a"), s("b")]))]);
        assert_eq!(text(&v), "AUDIENCE\ta\nAUDIENCE\tb\n");
    }

    #[test]
    fn timestamps() {
        let t = OffsetDateTime::from_unix_timestamp(1_573_306_481).unwrap();
        assert_eq!(timestamp(t), "2019-11-09T13:34:41+00:00");
        let t = t + time::Duration::milliseconds(359);
        assert_eq!(timestamp(t), "2019-11-09T13:34:41.359000+00:00");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("abc/+="), "abc/+=");
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(shell_quote(""), "''");
    }
}
