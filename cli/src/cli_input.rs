//! `--cli-input-yaml`'s reader and `--generate-cli-skeleton`'s documents.
//!
//! The YAML reader takes the subset a parameter document needs, and reports anything else as
//! invalid (the AWS CLI's `Invalid YAML received.`):
//! - block mappings (`Key: value`) and block sequences (`- item`, also at the indentation of
//!   their key, and `- Key: value` items);
//! - flow sequences and mappings on one line (`[a, b]`, `{Key: a, Value: b}`);
//! - plain, `'single'` (with `''`) and `"double"` (with `\` escapes) quoted scalars; literal `|`
//!   and folded `>` block scalars (with `-` / `+` chomping);
//! - `null`, `~`, `true` / `false` and integers typed as YAML 1.2's core schema types them;
//! - `#` comments, a leading `---` and a trailing `...`.
//!
//! Anchors, aliases, tags, multi-line plain or quoted scalars and several documents are not read.

use crate::output::{ObjBuilder, Value};
use crate::shorthand::Json;
use crate::spec::{Command, Flag, Kind, Out, Skeleton, Values};
use std::collections::HashSet;

/// A line of the document: its indentation and its text (comment removed, right-trimmed).
struct Line<'a> {
    indent: usize,
    text: &'a str,
    /// The line as written (for block scalars, where `#` is text).
    raw: &'a str,
}

/// Parses a parameter document in the YAML subset of the module docs.
///
/// # Errors
/// A short description of the first construct that is not in the subset or not valid.
pub fn parse_yaml(text: &str) -> Result<Json, String> {
    let mut lines = Vec::new();
    for raw in text.lines() {
        let body = strip_comment(raw).trim_end();
        if body.trim() == "---" || body.trim() == "..." {
            continue;
        }
        if body.contains('\t') && body.trim_start().len() != body.len() {
            let lead = &body[..body.len() - body.trim_start().len()];
            if lead.contains('\t') {
                return Err("tab in indentation".into());
            }
        }
        let indent = body.len() - body.trim_start_matches(' ').len();
        lines.push(Line {
            indent,
            text: body.trim_start_matches(' '),
            raw,
        });
    }
    let mut p = Parser { lines, i: 0 };
    p.skip_blank();
    if p.i >= p.lines.len() {
        return Ok(Json::Null);
    }
    let indent = p.lines[p.i].indent;
    let v = p.block(indent, 0)?;
    p.skip_blank();
    if p.i < p.lines.len() {
        return Err(format!("unexpected content on line {}", p.i + 1));
    }
    Ok(v)
}

/// The text before a comment: `#` at the start or after a space, outside quotes.
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double, mut prev) = (false, false, ' ');
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && (prev == ' ' || i == 0) => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    i: usize,
}

/// Deeper than any parameter document.
const MAX_DEPTH: usize = 32;

impl Parser<'_> {
    fn skip_blank(&mut self) {
        while self.i < self.lines.len() && self.lines[self.i].text.is_empty() {
            self.i += 1;
        }
    }

    /// The block starting at the current line, indented by `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err("nesting too deep".into());
        }
        self.skip_blank();
        let line = &self.lines[self.i];
        if line.text == "-" || line.text.starts_with("- ") {
            self.sequence(indent, depth)
        } else if split_key(line.text).is_some() {
            self.mapping(indent, depth)
        } else {
            let text = line.text;
            self.i += 1;
            scalar(text, depth)
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Result<Json, String> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.lines.get(self.i) else {
                break;
            };
            if line.indent != indent || !(line.text == "-" || line.text.starts_with("- ")) {
                if line.indent > indent {
                    return Err(format!("bad indentation on line {}", self.i + 1));
                }
                break;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() {
                self.i += 1;
                self.skip_blank();
                match self.lines.get(self.i) {
                    Some(next) if next.indent > indent => {
                        let ni = next.indent;
                        items.push(self.block(ni, depth + 1)?);
                    }
                    _ => items.push(Json::Null),
                }
            } else {
                // `- Key: value` opens a mapping at the column after the dash.
                let col = indent + (line.text.len() - rest.len());
                self.lines[self.i].indent = col;
                self.lines[self.i].text = rest;
                if split_key(rest).is_some() || rest == "-" || rest.starts_with("- ") {
                    items.push(self.block(col, depth + 1)?);
                } else {
                    self.i += 1;
                    items.push(self.value_after(rest, col, depth + 1)?);
                }
            }
        }
        Ok(Json::Arr(items))
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Result<Json, String> {
        let mut members: Vec<(String, Json)> = Vec::new();
        // The keys read so far, for the duplicate check: a scan of `members` made a document of
        // n keys cost n² comparisons.
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            self.skip_blank();
            let Some(line) = self.lines.get(self.i) else {
                break;
            };
            if line.indent != indent || line.text.starts_with("- ") || line.text == "-" {
                if line.indent > indent {
                    return Err(format!("bad indentation on line {}", self.i + 1));
                }
                break;
            }
            let Some((key, rest)) = split_key(line.text) else {
                return Err(format!("expected `key: value` on line {}", self.i + 1));
            };
            let key = match scalar(key, depth)? {
                Json::Str(s) => s,
                Json::Num(n) => n,
                Json::Bool(b) => b.to_string(),
                _ => return Err(format!("unsupported key on line {}", self.i + 1)),
            };
            if !seen.insert(key.clone()) {
                return Err(format!("duplicate key {key:?}"));
            }
            self.i += 1;
            let value = if rest.is_empty() {
                self.skip_blank();
                match self.lines.get(self.i) {
                    Some(next) if next.indent > indent => {
                        let ni = next.indent;
                        self.block(ni, depth + 1)?
                    }
                    // A sequence may sit at its key's indentation.
                    Some(next)
                        if next.indent == indent
                            && (next.text == "-" || next.text.starts_with("- ")) =>
                    {
                        self.sequence(indent, depth + 1)?
                    }
                    _ => Json::Null,
                }
            } else {
                self.value_after(rest, indent, depth + 1)?
            };
            members.push((key, value));
        }
        Ok(Json::Obj(members))
    }

    /// The value after `key:` or `- `: a block scalar indicator, or an inline scalar / flow.
    fn value_after(&mut self, rest: &str, indent: usize, depth: usize) -> Result<Json, String> {
        let Some(style) = rest.chars().next().filter(|c| matches!(c, '|' | '>')) else {
            return scalar(rest, depth);
        };
        let chomp = &rest[1..];
        if !matches!(chomp, "" | "-" | "+") {
            return Err("unsupported block scalar header".into());
        }
        let mut body: Vec<&str> = Vec::new();
        let mut block_indent = None;
        while let Some(line) = self.lines.get(self.i) {
            let raw = line.raw;
            let spaces = raw.len() - raw.trim_start_matches(' ').len();
            if raw.trim().is_empty() {
                body.push("");
                self.i += 1;
                continue;
            }
            if spaces <= indent {
                break;
            }
            let bi = *block_indent.get_or_insert(spaces);
            if spaces < bi {
                break;
            }
            body.push(&raw[bi..]);
            self.i += 1;
        }
        let trailing = body.iter().rev().take_while(|l| l.is_empty()).count();
        let content = &body[..body.len() - trailing];
        let mut text = if style == '|' {
            content.join("\n")
        } else {
            // Folded: lines join with a space, blank lines are newlines.
            let mut s = String::new();
            for (n, l) in content.iter().enumerate() {
                if l.is_empty() {
                    s.push('\n');
                } else {
                    if n > 0 && !s.ends_with('\n') {
                        s.push(' ');
                    }
                    s.push_str(l);
                }
            }
            s
        };
        match chomp {
            "-" => {}
            "+" => {
                text.push('\n');
                for _ in 0..trailing {
                    text.push('\n');
                }
            }
            _ => {
                if !content.is_empty() {
                    text.push('\n');
                }
            }
        }
        Ok(Json::Str(text))
    }
}

/// `key: rest` (the colon followed by a space or the end of the line), outside quotes and
/// brackets. `None` for a line that is not a mapping entry.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let first = text.chars().next()?;
    if matches!(first, '[' | '{') {
        return None;
    }
    let mut quote = None;
    if matches!(first, '\'' | '"') {
        quote = Some(first);
    }
    let bytes = text.as_bytes();
    let mut i = usize::from(quote.is_some());
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q as u8 => {
                if q == '\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                quote = None;
            }
            Some('"') if b == b'\\' => i += 1,
            Some(_) => {}
            None if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') => {
                return Some((text[..i].trim_end(), text[i + 1..].trim()));
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// One scalar or flow collection written on one line.
fn scalar(text: &str, depth: usize) -> Result<Json, String> {
    let text = text.trim();
    let mut f = Flow {
        s: text,
        i: 0,
        depth,
    };
    let v = f.value(true)?;
    if f.i != text.len() {
        return Err(format!("unexpected text after a value: {text:?}"));
    }
    Ok(v)
}

struct Flow<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
}

impl Flow<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn ws(&mut self) {
        self.i += self.rest().len() - self.rest().trim_start_matches(' ').len();
    }

    /// A value; `top` when it is the whole line (plain scalars may then hold `,` `]` `}`).
    fn value(&mut self, top: bool) -> Result<Json, String> {
        if self.depth > MAX_DEPTH {
            return Err("nesting too deep".into());
        }
        self.ws();
        match self.rest().chars().next() {
            Some('[') => {
                self.i += 1;
                self.depth += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.rest().starts_with(']') {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value(false)?);
                    self.ws();
                    if self.rest().starts_with(',') {
                        self.i += 1;
                    } else if !self.rest().starts_with(']') {
                        return Err("expected , or ] in a flow sequence".into());
                    }
                }
                self.depth -= 1;
                Ok(Json::Arr(items))
            }
            Some('{') => {
                self.i += 1;
                self.depth += 1;
                let mut members = Vec::new();
                loop {
                    self.ws();
                    if self.rest().starts_with('}') {
                        self.i += 1;
                        break;
                    }
                    let key = match self.value(false)? {
                        Json::Str(s) => s,
                        Json::Num(n) => n,
                        _ => return Err("unsupported key in a flow mapping".into()),
                    };
                    self.ws();
                    if !self.rest().starts_with(':') {
                        return Err("expected : in a flow mapping".into());
                    }
                    self.i += 1;
                    let v = self.value(false)?;
                    members.push((key, v));
                    self.ws();
                    if self.rest().starts_with(',') {
                        self.i += 1;
                    } else if !self.rest().starts_with('}') {
                        return Err("expected , or } in a flow mapping".into());
                    }
                }
                self.depth -= 1;
                Ok(Json::Obj(members))
            }
            Some('\'') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let Some(c) = self.rest().chars().next() else {
                        return Err("unterminated single-quoted scalar".into());
                    };
                    self.i += c.len_utf8();
                    if c == '\'' {
                        if self.rest().starts_with('\'') {
                            self.i += 1;
                            out.push('\'');
                            continue;
                        }
                        return Ok(Json::Str(out));
                    }
                    out.push(c);
                }
            }
            Some('"') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let Some(c) = self.rest().chars().next() else {
                        return Err("unterminated double-quoted scalar".into());
                    };
                    self.i += c.len_utf8();
                    match c {
                        '"' => return Ok(Json::Str(out)),
                        '\\' => {
                            let Some(e) = self.rest().chars().next() else {
                                return Err("unterminated escape".into());
                            };
                            self.i += e.len_utf8();
                            match e {
                                'n' => out.push('\n'),
                                't' => out.push('\t'),
                                'r' => out.push('\r'),
                                '0' => out.push('\0'),
                                '"' | '\\' | '/' | ' ' => out.push(e),
                                'x' | 'u' | 'U' => {
                                    let n = match e {
                                        'x' => 2,
                                        'u' => 4,
                                        _ => 8,
                                    };
                                    let hex = self.rest().get(..n).unwrap_or("");
                                    let c = u32::from_str_radix(hex, 16)
                                        .ok()
                                        .filter(|_| hex.len() == n)
                                        .and_then(char::from_u32)
                                        .ok_or("bad escape")?;
                                    self.i += n;
                                    out.push(c);
                                }
                                _ => return Err(format!("unsupported escape \\{e}")),
                            }
                        }
                        c => out.push(c),
                    }
                }
            }
            Some('&' | '*' | '!' | '%' | '@' | '`') => Err("unsupported YAML construct".into()),
            _ => {
                let rest = self.rest();
                let end = if top {
                    rest.len()
                } else {
                    rest.find([',', ']', '}']).unwrap_or(rest.len())
                };
                let end = if top {
                    end
                } else {
                    // In a flow mapping, `key: value`: the key ends at `: `.
                    match rest[..end].find(": ") {
                        Some(k) => k,
                        None if rest[..end].ends_with(':') => end - 1,
                        None => end,
                    }
                };
                let word = plain(rest[..end].trim());
                self.i += end;
                Ok(word)
            }
        }
    }
}

/// A plain scalar typed as YAML 1.2's core schema types it.
fn plain(word: &str) -> Json {
    match word {
        "" | "~" | "null" | "Null" | "NULL" => Json::Null,
        "true" | "True" | "TRUE" => Json::Bool(true),
        "false" | "False" | "FALSE" => Json::Bool(false),
        w if is_int(w) => Json::Num(w.trim_start_matches('+').to_owned()),
        w => Json::Str(w.to_owned()),
    }
}

fn is_int(w: &str) -> bool {
    let d = w.strip_prefix(['-', '+']).unwrap_or(w);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

// ---- skeletons ------------------------------------------------------------------------------

/// The placeholder of one input member, as botocore's `ArgumentGenerator` makes it.
fn input_value(f: &Flag) -> Value {
    let empty_struct = |members: &[&str]| {
        Value::Obj(
            members
                .iter()
                .map(|m| ((*m).to_owned(), Value::Str(String::new())))
                .collect(),
        )
    };
    match f.kind {
        // botocore picks an enum member at random; the first is as good.
        Kind::Str if f.member == "SubjectMode" => Value::Str("AWSIdentity".to_owned()),
        Kind::Str => Value::Str(String::new()),
        Kind::Int => Value::Int(0),
        Kind::Switch => Value::Str(String::new()),
        Kind::StrList => Value::List(vec![Value::Str(String::new())]),
        Kind::Struct(shape) => empty_struct(shape.members),
        Kind::StructList(shape) => Value::List(vec![empty_struct(shape.members)]),
    }
}

/// `--generate-cli-skeleton input`: the input members with placeholders.
pub fn input_skeleton(cmd: &Command) -> Value {
    Value::Obj(
        cmd.flags
            .iter()
            .map(|f| (f.member.to_owned(), input_value(f)))
            .collect(),
    )
}

/// `--generate-cli-skeleton yaml-input`: the same document in YAML, each member commented with
/// `[REQUIRED]` when it is and the first sentence of its description.
pub fn yaml_input_skeleton(cmd: &Command) -> String {
    let mut out = String::new();
    for f in cmd.flags {
        let comment = format!(
            "  # {}{}",
            if f.required { "[REQUIRED] " } else { "" },
            first_sentence(f.doc)
        );
        match input_value(f) {
            Value::Str(s) => out.push_str(&format!("{}: '{s}'{comment}\n", f.member)),
            Value::Int(n) => out.push_str(&format!("{}: {n}{comment}\n", f.member)),
            Value::List(items) => {
                out.push_str(&format!("{}:{comment}\n", f.member));
                for item in items {
                    match item {
                        Value::Obj(members) => {
                            for (n, (k, _)) in members.iter().enumerate() {
                                let lead = if n == 0 { "- " } else { "  " };
                                out.push_str(&format!("{lead}{k}: ''\n"));
                            }
                        }
                        _ => out.push_str("- ''\n"),
                    }
                }
            }
            Value::Obj(members) => {
                out.push_str(&format!("{}:{comment}\n", f.member));
                for (k, _) in members {
                    out.push_str(&format!("  {k}: ''\n"));
                }
            }
        }
    }
    out
}

fn first_sentence(doc: &str) -> &str {
    match doc.find(". ") {
        Some(i) => &doc[..=i],
        None => doc,
    }
}

/// `--generate-cli-skeleton output`: the output members filled as botocore's stubbed call fills
/// them (strings carry their member name, numbers 0, timestamps the epoch).
pub fn output_skeleton(outputs: &[Out]) -> Value {
    let mut b = ObjBuilder::new();
    for o in outputs {
        let v = match o.ty {
            "integer" => Value::Int(0),
            "timestamp" => Value::Str("1970-01-01T00:00:00".into()),
            "structure" => output_skeleton(o.children),
            "list" => Value::List(vec![Value::Str(o.name.to_owned())]),
            _ => Value::Str(o.name.to_owned()),
        };
        b = b.val(o.name, Some(v));
    }
    b.build()
}

/// Whether the command prints a skeleton instead of running (and which).
pub fn skeleton_of(cmd: &Command, values: &Values) -> Option<Skeleton> {
    values.skeleton.filter(|_| cmd.is_operation())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Json {
        Json::Str(v.into())
    }

    #[test]
    fn yaml_subset() {
        let doc = "---\n# a comment\nRoleArn: arn:aws:iam::123456789012:role/x  # trailing\n\
                   RoleSessionName: 'it''s'\nDurationSeconds: 900\nTags:\n- Key: a\n  Value: \"b\\tc\"\n\
                   -   Key: d\n    Value: ''\nTransitiveTagKeys: [a, 'b']\nPolicyArns:\n  - {arn: x}\n\
                   Policy: |\n  {\"a\": 1}\n  # not a comment\nExternalId: ~\n";
        let v = parse_yaml(doc).unwrap();
        let Json::Obj(m) = v else { panic!() };
        let get = |k: &str| {
            m.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("RoleArn"), s("arn:aws:iam::123456789012:role/x"));
        assert_eq!(get("RoleSessionName"), s("it's"));
        assert_eq!(get("DurationSeconds"), Json::Num("900".into()));
        assert_eq!(
            get("Tags"),
            Json::Arr(vec![
                Json::Obj(vec![("Key".into(), s("a")), ("Value".into(), s("b\tc"))]),
                Json::Obj(vec![("Key".into(), s("d")), ("Value".into(), s(""))]),
            ])
        );
        assert_eq!(get("TransitiveTagKeys"), Json::Arr(vec![s("a"), s("b")]));
        assert_eq!(
            get("PolicyArns"),
            Json::Arr(vec![Json::Obj(vec![("arn".into(), s("x"))])])
        );
        assert_eq!(get("Policy"), s("{\"a\": 1}\n# not a comment\n"));
        assert_eq!(get("ExternalId"), Json::Null);
    }

    #[test]
    fn yaml_refusals() {
        for bad in [
            "a: &x 1",
            "a: *x",
            "a: 'open",
            "a: 1\n  b: 2",
            "a: 1\na: 2",
            "a: [1, 2",
            "\ta: 1",
        ] {
            assert!(parse_yaml(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_yaml("").unwrap(), Json::Null);
        let deep = "[".repeat(100);
        assert!(parse_yaml(&format!("a: {deep}")).is_err());
    }

    /// A document with many keys parses in time linear in its size (the duplicate-key check was
    /// a scan of the keys read so far: 80,000 keys took 13 s in a release build).
    #[test]
    fn many_keys_parse_in_linear_time() {
        const KEYS: usize = 80_000;
        let top: String = (0..KEYS).map(|i| format!("k{i:05}: {i}\n")).collect();
        let nested = format!("Policy:\n{}", top.replace('k', "  k"));
        for doc in [top, nested] {
            let start = std::time::Instant::now();
            let v = parse_yaml(&doc).unwrap();
            let took = start.elapsed();
            let Json::Obj(m) = (match v {
                Json::Obj(mut m) if m.len() == 1 => m.remove(0).1,
                v => v,
            }) else {
                panic!("not a mapping")
            };
            assert_eq!(m.len(), KEYS);
            assert_eq!(
                m[KEYS - 1],
                (
                    format!("k{:05}", KEYS - 1),
                    Json::Num(format!("{}", KEYS - 1))
                )
            );
            // Linear: under a second in a debug build on a loaded 2-core machine; the quadratic
            // check took 27 s to 100 s there.
            assert!(
                took < std::time::Duration::from_secs(3),
                "{KEYS} keys took {took:?}"
            );
        }
        // A duplicate among them is still found, and named.
        let dup = format!(
            "{}k00042: again\n",
            (0..KEYS)
                .map(|i| format!("k{i:05}: 1\n"))
                .collect::<String>()
        );
        assert_eq!(parse_yaml(&dup), Err("duplicate key \"k00042\"".to_owned()));
    }
}
