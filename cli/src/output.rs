//! Output formatting: a small value tree ([`Value`]) that commands build, and its renderings as
//! the AWS CLI v2 prints them (`awscli/formatter.py`): `json` (`json.dumps(indent=4,
//! ensure_ascii=False)`), `text` (`text.py`), `table` ([`table`], `table.py`), `yaml` and
//! `yaml-stream` ([`yaml`], ruamel.yaml over libyaml) and `off`; plus `env` (`export
//! AWS_ACCESS_KEY_ID=...`, as `aws configure export-credentials --format env`).
//!
//! [`render`] applies `--query` first (after `ResponseMetadata` is gone: commands never put it
//! in), on the JSON data model of [`crate::jmespath::Value`], then formats the result. The
//! writers are hand-written (no serde).

pub mod table;
mod width;
pub mod yaml;

use crate::jmespath::budget::Budget;
use crate::jmespath::value::{sort_strings, stable_sort};
use crate::jmespath::{self, Expression, Value as Data};
use std::rc::Rc;
use sts_blocking::json::{Escape, write_string};
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
    let base = utc_seconds(t);
    match t.microsecond() {
        0 => format!("{base}+00:00"),
        us => format!("{base}.{us:06}+00:00"),
    }
}

/// `2024-06-01T12:00:00Z`, as IAM Roles Anywhere and IMDS write an expiration.
pub fn rfc3339_z(t: OffsetDateTime) -> String {
    format!("{}Z", utc_seconds(t))
}

/// `2019-11-09T13:34:41`: the date and time in UTC, to the second, without an offset.
pub fn utc_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An output format (`--output`, `AWS_DEFAULT_OUTPUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `json`: the default.
    Json,
    /// `text`: tab-separated lines.
    Text,
    /// `table`: boxes drawn with `-`, `+` and `|`.
    Table,
    /// `yaml`.
    Yaml,
    /// `yaml-stream`: the result as a one-item YAML list.
    YamlStream,
    /// `off`: nothing on standard output.
    Off,
    /// `env`: `export` lines for the returned credentials (this tool's own).
    Env,
}

impl Format {
    /// Every format with its name, in the order help and errors list them.
    pub const ALL: [(&'static str, Format); 7] = [
        ("json", Format::Json),
        ("text", Format::Text),
        ("table", Format::Table),
        ("yaml", Format::Yaml),
        ("yaml-stream", Format::YamlStream),
        ("off", Format::Off),
        ("env", Format::Env),
    ];

    /// The format called `name`.
    pub fn parse(name: &str) -> Option<Format> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// Why a result could not be printed (the AWS CLI fails these with exit status 255).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<jmespath::Error> for RenderError {
    fn from(e: jmespath::Error) -> Self {
        RenderError(e.to_string())
    }
}

/// Compiles a `--query` expression; the error is the AWS CLI's `Bad value for --query EXPR: ...`.
pub fn compile_query(text: &str) -> Result<Expression, String> {
    Expression::compile(text).map_err(|e| format!("Bad value for --query {text}: {e}"))
}

/// Renders a command's output as the AWS CLI v2 does: `--query` (if any) on the output, then the
/// format. `title` is the operation name (`GetCallerIdentity`), the table's title.
pub fn render(
    v: &Value,
    query: Option<&Expression>,
    format: Format,
    title: &str,
) -> Result<String, RenderError> {
    if format == Format::Off {
        return Ok(String::new());
    }
    if format == Format::Env {
        return Ok(env(v).unwrap_or_default());
    }
    let data = to_data(v);
    let data = match query {
        Some(q) => q.search(&data)?,
        None => data,
    };
    render_data(&data, format, title)
}

/// The most output one result may print, about: far beyond any STS response, and small enough
/// to build in memory. (A short `--query` can describe much more: `[@,@]` piped into itself
/// twenty times over a caller identity is gigabytes of JSON.)
pub const MAX_OUTPUT: u64 = 64 << 20;

/// Refuses a result whose `format` output would pass [`MAX_OUTPUT`], measured before a writer
/// walks it (sharing makes a result of 2^40 values cheap to build; not to print).
fn check_size(data: &Data, format: Format) -> Result<(), RenderError> {
    let e = jmespath::value::extent(data, &Budget::unlimited())?;
    let (nodes, bytes) = (e.nodes, e.bytes);
    let scaled = |n: u64, by: u64| n.saturating_mul(by);
    // What each writer adds to the values' own text: lines, indentation, prefixes, folding.
    let estimate = match format {
        // The table is measured again once laid out (`table::render`).
        Format::Json | Format::Table => bytes
            .saturating_add(scaled(nodes, 2))
            .saturating_add(scaled(e.depth_sum, 4)),
        // Quoting and escapes; a folded line every 80 columns, indented.
        Format::Yaml | Format::YamlStream => scaled(bytes, 2)
            .saturating_add(scaled(nodes, 2))
            .saturating_add(scaled(e.depth_sum.saturating_add(nodes), 2))
            .saturating_add(scaled(bytes / 40 + 1, e.deepest.saturating_add(1))),
        // A line's identifier is a key.
        Format::Text => bytes.saturating_add(scaled(nodes, e.widest.saturating_add(2))),
        Format::Off | Format::Env => 0,
    };
    if estimate > MAX_OUTPUT {
        return Err(too_large(estimate));
    }
    Ok(())
}

/// The error for a result whose output would be about `bytes` long.
pub(crate) fn too_large(bytes: u64) -> RenderError {
    RenderError(format!(
        "The --query result is too large to print: about {} of output, more than the limit of {}",
        jmespath::budget::size(bytes),
        jmespath::budget::size(MAX_OUTPUT)
    ))
}

/// Formats a result (already queried).
pub fn render_data(data: &Data, format: Format, title: &str) -> Result<String, RenderError> {
    check_size(data, format)?;
    let empty_object = matches!(data, Data::Object(m) if m.is_empty());
    let mut out = String::new();
    match format {
        // `formatter.py`: an empty object (an operation without output) prints nothing.
        Format::Json if empty_object => {}
        Format::Json => {
            write_json(&mut out, data, 0)?;
            out.push('\n');
        }
        Format::Text => write_text(&mut out, data, None, None)?,
        Format::Table => return table::render(title, data, table::DEFAULT_WIDTH),
        Format::Yaml if empty_object => {}
        Format::Yaml => yaml::dump(&mut out, data)?,
        Format::YamlStream if empty_object => {}
        Format::YamlStream => yaml::dump(&mut out, &Data::array(vec![data.clone()]))?,
        Format::Off | Format::Env => {}
    }
    Ok(out)
}

/// The data model of a command's output.
pub fn to_data(v: &Value) -> Data {
    match v {
        Value::Str(s) => Data::str(s),
        Value::Int(n) => Data::Int(*n),
        Value::Obj(members) => Data::object(
            members
                .iter()
                .map(|(k, v)| (k.as_str().into(), to_data(v)))
                .collect(),
        ),
        Value::List(items) => Data::array(items.iter().map(to_data).collect()),
    }
}

/// What Python's `json` and `yaml` writers say about a value they cannot write (an expression
/// reference that a query returned).
pub(crate) fn unrepresentable() -> RenderError {
    RenderError("Encountered unrecognized type in JSON encoder.".into())
}

/// `json.dumps(value, indent=4, ensure_ascii=False)` plus a newline.
pub fn json(v: &Value) -> String {
    let mut out = String::new();
    // A command's own output has no expression references.
    let _ = write_json(&mut out, &to_data(v), 0);
    out.push('\n');
    out
}

fn write_json(out: &mut String, v: &Data, depth: usize) -> Result<(), RenderError> {
    match v {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(n) => out.push_str(&n.to_string()),
        Data::Float(f) => out.push_str(&jmespath::value::json_float(*f)),
        Data::Str(s) => json_string(out, s),
        Data::Object(members) if members.is_empty() => out.push_str("{}"),
        Data::Array(items) if items.is_empty() => out.push_str("[]"),
        Data::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                json_string(out, k);
                out.push_str(": ");
                write_json(out, v, depth + 1)?;
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        Data::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_json(out, v, depth + 1)?;
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Data::Expref(_) => return Err(unrepresentable()),
    }
    Ok(())
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// A JSON string literal as Python writes it with `ensure_ascii=False`: `"` `\` and control
/// characters escaped, everything else (non-ASCII included) verbatim.
pub fn json_string(out: &mut String, s: &str) {
    write_string(out, s, Escape::Controls);
}

/// An object's members sorted by key (Python's `sorted(d.items())`; keys are unique).
pub(crate) fn by_key(members: &[(Rc<str>, Data)]) -> Vec<&(Rc<str>, Data)> {
    stable_sort(members.iter().collect(), &|a, b| a.0.cmp(&b.0))
}

fn is_scalar(v: &Data) -> bool {
    !matches!(v, Data::Object(_) | Data::Array(_))
}

/// Python's `str()` of a value, refusing expression references (whose `str()` is an address).
fn py_str(v: &Data) -> Result<String, RenderError> {
    if contains_expref(v) {
        return Err(unrepresentable());
    }
    Ok(v.py_str())
}

fn contains_expref(v: &Data) -> bool {
    match v {
        Data::Expref(_) => true,
        Data::Array(items) => items.iter().any(contains_expref),
        Data::Object(m) => m.iter().any(|(_, v)| contains_expref(v)),
        _ => false,
    }
}

/// The AWS CLI text format (`text.py`): for an object, its scalar members sorted by key on one
/// tab-separated line (prefixed by the upper-cased parent key, if any), then each non-scalar
/// member, sorted by key, with the member name as the identifier. Scalars print as Python's
/// `str()` (`None`, `True`, `1.5`).
fn write_text(
    out: &mut String,
    v: &Data,
    identifier: Option<&str>,
    scalar_keys: Option<&[Rc<str>]>,
) -> Result<(), RenderError> {
    match v {
        Data::Object(members) => text_dict(out, members, identifier, scalar_keys),
        Data::Array(items) => text_list(out, items, identifier),
        other => {
            out.push_str(&py_str(other)?);
            out.push('\n');
            Ok(())
        }
    }
}

fn text_dict(
    out: &mut String,
    members: &[(Rc<str>, Data)],
    identifier: Option<&str>,
    scalar_keys: Option<&[Rc<str>]>,
) -> Result<(), RenderError> {
    let sorted = by_key(members);
    let mut scalars = Vec::new();
    let mut nested = Vec::new();
    match scalar_keys {
        None => {
            for (k, v) in sorted {
                if is_scalar(v) {
                    scalars.push(py_str(v)?);
                } else {
                    nested.push((&**k, v));
                }
            }
        }
        Some(keys) => {
            for key in keys {
                match members.iter().find(|(k, _)| k == key) {
                    Some((_, v)) => scalars.push(py_str(v)?),
                    None => scalars.push(String::new()),
                }
            }
            for (k, v) in sorted {
                if !keys.contains(k) {
                    nested.push((&**k, v));
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
        write_text(out, v, Some(k), None)?;
    }
    Ok(())
}

fn text_list(
    out: &mut String,
    items: &[Data],
    identifier: Option<&str>,
) -> Result<(), RenderError> {
    if items.is_empty() {
        return Ok(());
    }
    if items.iter().any(|v| matches!(v, Data::Object(_))) {
        // `_all_scalar_keys`: every scalar key of every element, sorted.
        // Every element must be an object (Python fails on the first that is not).
        let mut keys: Vec<Rc<str>> = Vec::new();
        for v in items {
            let Data::Object(m) = v else {
                return Err(RenderError(format!(
                    "'{}' object has no attribute 'items'",
                    v.py_type_name()
                )));
            };
            for (k, v) in m.iter() {
                if is_scalar(v) && !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let keys = sort_strings(keys);
        for v in items {
            write_text(out, v, identifier, Some(&keys))?;
        }
    } else if items.iter().any(|v| matches!(v, Data::Array(_))) {
        let scalars: Vec<&Data> = items.iter().filter(|v| is_scalar(v)).collect();
        text_scalar_list(out, &scalars, identifier)?;
        for v in items.iter().filter(|v| !is_scalar(v)) {
            write_text(out, v, identifier, None)?;
        }
    } else {
        let all: Vec<&Data> = items.iter().collect();
        text_scalar_list(out, &all, identifier)?;
    }
    Ok(())
}

fn text_scalar_list(
    out: &mut String,
    items: &[&Data],
    identifier: Option<&str>,
) -> Result<(), RenderError> {
    if items.is_empty() {
        return Ok(());
    }
    let values = items
        .iter()
        .map(|v| py_str(v))
        .collect::<Result<Vec<String>, _>>()?;
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
    Ok(())
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

    fn text(v: &Value) -> String {
        render(v, None, Format::Text, "T").unwrap()
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

    /// What the AWS CLI v2's own formatters print (tests/golden/output/render.json, made by
    /// scripts/output-goldens.py): every STS output shape in every format, query results of
    /// every type, strings that need YAML quoting or folding, random nested values.
    #[test]
    fn matches_aws_cli_v2_goldens() {
        use sts_blocking::json::{Value as J, parse};
        let text = include_str!("../tests/golden/output/render.json");
        let J::Array(cases) = parse(text).expect("golden JSON") else {
            panic!("not a list")
        };
        let str_of = |c: &J, k: &str| c.get(k).and_then(J::as_str).map(str::to_owned);
        let mut failures = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let title = str_of(case, "title").expect("title");
            let format = str_of(case, "format").expect("format");
            let query = str_of(case, "query");
            let input = str_of(case, "input").expect("input");
            let data = Data::from_json_text(&input).expect("input JSON");
            let got = (|| {
                let data = match &query {
                    Some(q) => Expression::compile(q)?.search(&data)?,
                    None => data,
                };
                let format = Format::parse(&format).expect("format name");
                render_data(&data, format, &title)
            })();
            let ok = match (str_of(case, "output"), &got) {
                (Some(want), Ok(out)) => *out == want,
                (None, Err(_)) => true,
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "case {i}: {format} {query:?} {input}\nwant: {:?}\ngot:  {got:?}",
                    str_of(case, "output").or(str_of(case, "error"))
                ));
            }
        }
        assert!(cases.len() > 500, "only {} cases", cases.len());
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }

    /// The deepest results a query can make render in every format on the main thread's stack.
    #[test]
    fn deep_results_render() {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(|| {
                let expr = format!("{}@{}", "[".repeat(250), "]".repeat(250));
                let q = Expression::compile(&expr).unwrap();
                let data = q.search(&Data::Str("x".into())).unwrap();
                for (_, format) in Format::ALL {
                    let out = render_data(&data, format, "T").unwrap();
                    assert!(format == Format::Off || format == Format::Env || out.contains('x'));
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }

    /// What a writer adds to a result (a text identifier on every line, a table's padding to its
    /// widest cell) counts towards the output limit, before anything is written.
    #[test]
    fn output_too_large_is_refused() {
        let wide = "k".repeat(1 << 20);
        let numbers = |n: i64| (0..n).map(Data::Int);
        // `n` lines each led by a 1 MiB identifier; `n` table rows padded to a 1 MiB cell.
        let keyed = |n| {
            Data::object(vec![(
                wide.as_str().into(),
                Data::array(numbers(n).collect()),
            )])
        };
        let padded = |n| {
            Data::array(
                std::iter::once(Data::str(&wide))
                    .chain(numbers(n))
                    .collect(),
            )
        };
        let cases: [(&dyn Fn(i64) -> Data, Format); 2] =
            [(&keyed, Format::Text), (&padded, Format::Table)];
        for (make, format) in cases {
            let e = match render_data(&make(70), format, "T") {
                Ok(out) => panic!("{format:?}: printed {} bytes", out.len()),
                Err(e) => e,
            };
            assert!(
                e.0.starts_with("The --query result is too large to print: about 7"),
                "{format:?}: {e}"
            );
            assert!(render_data(&make(10), format, "T").is_ok(), "{format:?}");
        }
    }

    fn data() -> impl proptest::strategy::Strategy<Value = Data> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Data::Null),
            any::<bool>().prop_map(Data::Bool),
            any::<i64>().prop_map(Data::Int),
            any::<f64>().prop_map(Data::Float),
            "(?s).{0,12}".prop_map(|s| Data::str(&s)),
            prop::sample::select(vec!["", " ", "a b", "true", "1", "- x", "\n", "é日", "'\""])
                .prop_map(|s| Data::Str(s.into())),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Data::array),
                prop::collection::vec(("[a-cé ]{0,3}", inner), 0..5).prop_map(|m| {
                    let mut out = Vec::new();
                    for (k, v) in m {
                        crate::jmespath::value::insert(&mut out, k.into(), v);
                    }
                    Data::object(out)
                }),
            ]
        })
    }

    proptest::proptest! {
        /// Any value renders (or fails with a message, as Python does) in every format: no panic.
        #[test]
        fn rendering_never_panics(v in data()) {
            for (_, format) in Format::ALL {
                if let Err(e) = render_data(&v, format, "Op") {
                    proptest::prop_assert!(!e.0.is_empty());
                }
            }
        }
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
