//! The values a JMESPath expression works on: what JSON has (null, booleans, integers, floats,
//! strings, arrays, objects in insertion order) plus expression references (`&expr`), which the
//! Python implementation lets flow like any other value.
//!
//! Strings, arrays and objects are reference-counted and never changed once built, so that `@`,
//! a field, a projection or a multi-select hands on a pointer, as Python hands on a reference:
//! `[@, @]` costs two pointers whatever `@` holds. What walks a value (`to_string`, `==`, the
//! output formats) measures it first ([`extent`]) and pays for that in the [`Budget`].
//!
//! The semantics are Python's, because the AWS CLI evaluates `--query` with `jmespath.py`:
//! equality is Python's `==` (so `1 == 1.0`, and inside containers `true == 1`), ordering is
//! Python's `<` on numbers and strings, and [`Value::py_str`] is Python's `str()`.

use super::Error;
use super::budget::{Budget, to_u64};
use super::parser::Node;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;
use sts_blocking::json::{Escape, write_string};

/// The deepest JSON literal (or test document) [`Value::from_json_text`] accepts.
pub const MAX_JSON_DEPTH: usize = sts_blocking::json::MAX_DEPTH;

/// A JSON-like value.
#[derive(Debug, Clone)]
pub enum Value {
    /// `null` (Python `None`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer (Python `int`; values beyond `i64` become floats).
    Int(i64),
    /// A float (Python `float`).
    Float(f64),
    /// A string.
    Str(Rc<str>),
    /// An array.
    Array(Rc<Vec<Value>>),
    /// An object: unique keys in insertion order (a Python `dict`).
    Object(Rc<Vec<(Rc<str>, Value)>>),
    /// An expression reference (`&expr`), as `jmespath.py`'s `_Expression`.
    Expref(Rc<Node>),
}

impl PartialEq for Value {
    /// Python's `==` (see [`py_eq`]), without a bound on the work.
    fn eq(&self, other: &Self) -> bool {
        py_eq(self, other, &Budget::unlimited()).unwrap_or(false)
    }
}

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    /// An array value.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(items))
    }

    /// An object value (`members` with unique keys, see [`insert`]).
    pub fn object(members: Vec<(Rc<str>, Value)>) -> Value {
        Value::Object(Rc::new(members))
    }

    /// The member `key` of an object (`None` for other values or a missing key).
    #[allow(dead_code)] // Used by tests/jmespath.rs.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().find(|(k, _)| **k == *key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python's `type(v).__name__`, as `jmespath.py` puts it in some messages.
    pub fn py_type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Array(_) => "list",
            Value::Object(_) => "dict",
            Value::Expref(_) => "_Expression",
        }
    }

    /// The JMESPath type name (`jmespath.py`'s `TYPES_MAP`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Expref(_) => "expref",
        }
    }

    /// Whether this is a number (booleans are not).
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }

    /// JMESPath falsiness as `jmespath.py` tests it: `''`, `[]`, `{}`, `null` and `false`.
    pub fn is_false(&self) -> bool {
        match self {
            Value::Null | Value::Bool(false) => true,
            Value::Str(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        }
    }

    /// The number as `f64` (integers converted), if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Python's `str(value)`.
    pub fn py_str(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            other => {
                let mut out = String::new();
                py_repr(&mut out, other);
                out
            }
        }
    }

    /// Reads a JSON text as Python's `json.loads` would (integers stay integers, `NaN` and
    /// `Infinity` are floats, a repeated key keeps its first place and its last value).
    pub fn from_json_text(text: &str) -> Result<Value, sts_blocking::json::JsonError> {
        match text.trim_matches([' ', '\t', '\n', '\r']) {
            "NaN" => return Ok(Value::Float(f64::NAN)),
            "Infinity" => return Ok(Value::Float(f64::INFINITY)),
            "-Infinity" => return Ok(Value::Float(f64::NEG_INFINITY)),
            _ => {}
        }
        sts_blocking::json::parse(text).map(Value::from_json)
    }

    /// Converts a parsed JSON document (see [`Value::from_json_text`]).
    pub fn from_json(v: sts_blocking::json::Value) -> Value {
        use sts_blocking::json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Number(n) => number_from_text(&n),
            J::String(s) => Value::Str(s.into()),
            J::Array(items) => Value::array(items.into_iter().map(Value::from_json).collect()),
            J::Object(members) => {
                let mut out: Vec<(Rc<str>, Value)> = Vec::with_capacity(members.len());
                for (k, v) in members {
                    insert(&mut out, k.into(), Value::from_json(v));
                }
                Value::object(out)
            }
        }
    }
}

/// A JSON number's text as Python reads it: an integer unless it has a fraction or exponent.
fn number_from_text(n: &str) -> Value {
    if n.contains(['.', 'e', 'E']) {
        Value::Float(n.parse().unwrap_or(f64::NAN))
    } else {
        match n.parse::<i64>() {
            Ok(i) => Value::Int(i),
            // Python keeps big integers exactly; this reader keeps them approximately.
            Err(_) => Value::Float(n.parse().unwrap_or(f64::NAN)),
        }
    }
}

/// Sets `key` in an object as a Python dict does: an existing key keeps its place.
pub fn insert(members: &mut Vec<(Rc<str>, Value)>, key: Rc<str>, value: Value) {
    match members.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => members.push((key, value)),
    }
}

/// [`insert`] within an evaluation: the search through the members is charged to `budget`.
pub fn insert_charged(
    members: &mut Vec<(Rc<str>, Value)>,
    key: Rc<str>,
    value: Value,
    budget: &Budget,
) -> Result<(), Error> {
    match find_member(members, &key, budget)? {
        Some((i, _)) => members[i].1 = value,
        None => {
            budget.object(1)?;
            members.push((key, value));
        }
    }
    Ok(())
}

/// The position and value of the member `key`, the search charged to `budget`: a step per
/// member, and the bytes compared when the lengths agree.
pub fn find_member<'a>(
    members: &'a [(Rc<str>, Value)],
    key: &str,
    budget: &Budget,
) -> Result<Option<(usize, &'a Value)>, Error> {
    budget.work(to_u64(members.len()))?;
    for (i, (k, v)) in members.iter().enumerate() {
        if k.len() == key.len() {
            budget.scan(key.len())?;
            if **k == *key {
                return Ok(Some((i, v)));
            }
        }
    }
    Ok(None)
}

/// A stable sort (Python's `sorted` is stable) of `items` by `cmp`, written once for every
/// element type: a merge sort of positions through a `dyn` comparator, so that each sorted type
/// does not bring its own copy of the standard library's sort into the binary.
pub fn stable_sort<T>(items: Vec<T>, cmp: &dyn Fn(&T, &T) -> Ordering) -> Vec<T> {
    let by_index = |a: usize, b: usize| cmp(&items[a], &items[b]);
    let order = merge_sort_indices(items.len(), &by_index);
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn merge_sort_indices(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..len).collect();
    let mut b = a.clone();
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let mid = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut i, mut j) = (start, mid);
            for slot in &mut b[start..end] {
                // Take from the right run only when strictly smaller: stable.
                if j < end && (i >= mid || cmp(a[j], a[i]) == Ordering::Less) {
                    *slot = a[j];
                    j += 1;
                } else {
                    *slot = a[i];
                    i += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Strings in code point order (Python's string order).
pub fn sort_strings<S: Ord>(items: Vec<S>) -> Vec<S> {
    stable_sort(items, &|a, b| a.cmp(b))
}

/// Python's `==` on two values: numbers compare by value whatever their type, booleans equal the
/// integers 1 and 0 (Python's `bool` is an `int`), objects compare as sets of members, and an
/// expression reference equals only itself. The same shared array, object or string equals
/// itself at once, as Python's containers compare an item with itself by identity first.
pub fn py_eq(a: &Value, b: &Value, budget: &Budget) -> Result<bool, Error> {
    budget.work(1)?;
    Ok(match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Str(x), Value::Str(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            budget.scan(x.len().min(y.len()))?;
            x == y
        }
        (Value::Array(x), Value::Array(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !py_eq(p, q, budget)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Object(x), Value::Object(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, v) in x.iter() {
                let Some((_, v2)) = find_member(y, k, budget)? else {
                    return Ok(false);
                };
                if !py_eq(v, v2, budget)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Expref(x), Value::Expref(y)) => Rc::ptr_eq(x, y),
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => num_cmp(x, y) == Some(Ordering::Equal),
            _ => false,
        },
    })
}

/// Charges ordering `a` against `b` (two strings are compared byte by byte, unless they are
/// the same shared one).
pub fn charge_order(a: &Value, b: &Value, budget: &Budget) -> Result<(), Error> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) if !Rc::ptr_eq(x, y) => budget.scan(x.len().min(y.len())),
        _ => budget.work(1),
    }
}

/// A number (or a boolean, as Python's `int`) for comparison.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    /// An integer.
    I(i64),
    /// A float.
    F(f64),
}

fn numeric(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::I(i64::from(*b))),
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

/// Exact comparison of two numbers, as Python compares `int` and `float` (no rounding of large
/// integers); `None` when a NaN is involved.
pub fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
        (Num::I(x), Num::F(y)) => int_float_cmp(x, y),
        (Num::F(x), Num::I(y)) => int_float_cmp(y, x).map(Ordering::reverse),
    }
}

/// Compares an integer with a float exactly.
fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // Every f64 beyond +-2^63 is outside i64's range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f < -LIMIT {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    // `t` is integral and within [-2^63, 2^63), so the conversion is exact.
    let ti = t as i64;
    match i.cmp(&ti) {
        Ordering::Equal => {
            let frac = f - t;
            Some(if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            })
        }
        o => Some(o),
    }
}

/// Python's `<`-family ordering for what `jmespath.py` lets be ordered (numbers, strings).
/// `Err` carries Python's `TypeError` text for a number against a string; `Ok(None)` means
/// unordered (a NaN).
pub fn py_order(a: &Value, b: &Value, op: &str) -> Result<Option<Ordering>, String> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Some(x.cmp(y))),
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => Ok(num_cmp(x, y)),
            _ => Err(format!(
                "'{op}' not supported between instances of '{}' and '{}'",
                a.py_type_name(),
                b.py_type_name()
            )),
        },
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in [-5, 16), else `1e+16` style; `inf`, `-inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() > point {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        } else {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
            out.push_str(".0");
        }
    }
    out
}

/// Python's `repr()` of a value (strings quoted, containers with `repr` of their items).
pub fn py_repr(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                str_repr(out, k);
                out.push_str(": ");
                py_repr(out, item);
            }
            out.push('}');
        }
        Value::Expref(_) => out.push_str("<jmespath.visitor._Expression object>"),
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`; backslash escapes
/// for the quote, `\`, `\t` `\n` `\r` and characters Python does not print.
pub fn str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !py_printable(c) => {
                let n = u32::from(c);
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable()` for one character, approximately for non-ASCII: control and
/// format characters, separators other than the space, surrogates and private use are not.
fn py_printable(c: char) -> bool {
    let n = u32::from(c);
    !(n < 0x20
        || (0x7f..=0xa0).contains(&n)
        || n == 0xad
        || n == 0x1680
        || (0x2000..=0x200f).contains(&n)
        || (0x2028..=0x202f).contains(&n)
        || (0x205f..=0x2064).contains(&n)
        || (0x2066..=0x206f).contains(&n)
        || n == 0x3000
        || n == 0xfeff
        || (0xe000..=0xf8ff).contains(&n)
        || (0xfff9..=0xfffb).contains(&n)
        || n >= 0xf0000)
}

/// `json.dumps(v, separators=(',', ':'))` (ASCII only, as Python's default), for `to_string`.
pub fn json_compact(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&json_float(*f)),
        Value::Str(s) => json_str_ascii(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str_ascii(out, k);
                out.push(':');
                json_compact(out, item);
            }
            out.push('}');
        }
        // `default=str` turns anything else into its `str()`.
        Value::Expref(_) => json_str_ascii(out, &v.py_str()),
    }
}

/// A float as Python's `json.dumps` writes it (`NaN`, `Infinity`, `-Infinity` for the specials).
pub fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        float_repr(f)
    }
}

/// A JSON string with `ensure_ascii=True`: non-ASCII as `\uXXXX` (surrogate pairs above the BMP).
fn json_str_ascii(out: &mut String, s: &str) {
    write_string(out, s, Escape::Ascii);
}

/// The size of a value as a writer walks it (`to_string`, an error message, an output format):
/// a shared array or object counts at every place it appears.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extent {
    /// Values, containers and scalars alike.
    pub nodes: u64,
    /// About the length of its compact JSON (strings counted without escapes).
    pub bytes: u64,
    /// The sum over its values of their depth below it (the indentation writers add).
    pub depth_sum: u64,
    /// The longest string or key in it.
    pub widest: u64,
    /// How many levels of arrays and objects it has below it.
    pub deepest: u64,
}

impl Extent {
    fn scalar(bytes: u64) -> Extent {
        Extent {
            nodes: 1,
            bytes,
            depth_sum: 0,
            widest: bytes,
            deepest: 0,
        }
    }

    /// Adds `child` one level down, with `extra` bytes around it (a separator, a key).
    fn add(&mut self, child: Extent, extra: u64) {
        self.nodes = self.nodes.saturating_add(child.nodes);
        self.bytes = self.bytes.saturating_add(child.bytes).saturating_add(extra);
        self.depth_sum = self
            .depth_sum
            .saturating_add(child.depth_sum)
            .saturating_add(child.nodes);
        self.widest = self.widest.max(child.widest).max(extra);
        self.deepest = self.deepest.max(child.deepest.saturating_add(1));
    }
}

/// Measures `v` in time proportional to its distinct arrays and objects, not its logical size:
/// a shared one is measured once (remembered by address), so `[@,@]` nested forty times
/// measures at once as 2^40 values. Every array or object visited is charged to `budget`.
pub fn extent(v: &Value, budget: &Budget) -> Result<Extent, Error> {
    measure(v, &mut HashMap::new(), budget)
}

fn measure(
    v: &Value,
    seen: &mut HashMap<*const (), Extent>,
    budget: &Budget,
) -> Result<Extent, Error> {
    // A container referenced once is reached once per visit of its one holder, so only
    // shared ones need remembering.
    let (address, shared) = match v {
        Value::Array(a) => (Rc::as_ptr(a).cast::<()>(), Rc::strong_count(a) > 1),
        Value::Object(m) => (Rc::as_ptr(m).cast::<()>(), Rc::strong_count(m) > 1),
        Value::Null => return Ok(Extent::scalar(4)),
        Value::Bool(_) => return Ok(Extent::scalar(5)),
        Value::Int(i) => {
            let digits = i.unsigned_abs().checked_ilog10().unwrap_or(0) + 1;
            return Ok(Extent::scalar(u64::from(digits) + u64::from(*i < 0)));
        }
        // The longest `repr`: `-1.2345678901234567e+308`.
        Value::Float(_) => return Ok(Extent::scalar(24)),
        Value::Str(s) => return Ok(Extent::scalar(to_u64(s.len()).saturating_add(2))),
        Value::Expref(_) => return Ok(Extent::scalar(40)),
    };
    if shared && let Some(known) = seen.get(&address) {
        return Ok(*known);
    }
    let mut e = Extent::scalar(2);
    match v {
        Value::Array(items) => {
            budget.work(to_u64(items.len()))?;
            for item in items.iter() {
                e.add(measure(item, seen, budget)?, 1);
            }
        }
        Value::Object(members) => {
            budget.work(to_u64(members.len()))?;
            for (k, item) in members.iter() {
                let key = to_u64(k.len()).saturating_add(4);
                e.add(measure(item, seen, budget)?, key);
            }
        }
        _ => {}
    }
    if shared {
        seen.insert(address, e);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        for (f, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (123456789.125, "123456789.125"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (2.5e-7, "2.5e-07"),
            (1e100, "1e+100"),
            (-3.25, "-3.25"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn python_equality_and_order() {
        assert!(Value::Int(1) == Value::Float(1.0));
        assert!(Value::array(vec![Value::Bool(true)]) == Value::array(vec![Value::Int(1)]));
        assert!(Value::str("1") != Value::Int(1));
        let a = Value::object(vec![("a".into(), Value::Int(1)), ("b".into(), Value::Null)]);
        let b = Value::object(vec![
            ("b".into(), Value::Null),
            ("a".into(), Value::Float(1.0)),
        ]);
        assert!(a == b);
        // 2^53 + 1 is not equal to the float 2^53, as in Python.
        assert_eq!(
            num_cmp(
                Num::I(9_007_199_254_740_993),
                Num::F(9_007_199_254_740_992.0)
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(
            num_cmp(Num::I(i64::MAX), Num::F(9_223_372_036_854_775_808.0)),
            Some(Ordering::Less)
        );
        assert_eq!(num_cmp(Num::I(-3), Num::F(-2.5)), Some(Ordering::Less));
        assert!(py_order(&Value::Str("a".into()), &Value::Int(1), "<").is_err());
    }

    #[test]
    fn stable_sort_keeps_equal_items_in_order() {
        for n in [0usize, 1, 2, 3, 7, 64, 100] {
            let items: Vec<(u32, usize)> = (0..n).map(|i| (((i * 7919) % 5) as u32, i)).collect();
            let sorted = stable_sort(items.clone(), &|a, b| a.0.cmp(&b.0));
            let mut want = items;
            want.sort_by_key(|x| x.0);
            assert_eq!(sorted, want, "{n}");
        }
    }

    #[test]
    fn python_str_and_json() {
        let v =
            Value::from_json_text(r#"{"a": [1, 2.0, "x'y", null, true], "é": "\u0001"}"#).unwrap();
        assert_eq!(
            v.py_str(),
            r#"{'a': [1, 2.0, "x'y", None, True], 'é': '\x01'}"#
        );
        let mut out = String::new();
        json_compact(&mut out, &v);
        assert_eq!(out, r#"{"a":[1,2.0,"x'y",null,true],"\u00e9":"\u0001"}"#);
        let dup = Value::from_json_text(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(dup.py_str(), "{'a': 3, 'b': 2}");
        assert!(matches!(Value::from_json_text(" NaN "), Ok(Value::Float(f)) if f.is_nan()));
    }
}
