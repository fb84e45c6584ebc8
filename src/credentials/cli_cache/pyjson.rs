//! JSON text exactly as Python's `json.dumps` writes it, for the files the AWS CLI shares with us:
//! the cache keys of `~/.aws/cli/cache` (SHA-1 of `json.dumps(args, sort_keys=True)`) and the
//! entries and token files it reads back.
//!
//! What Python does, and so what this does: `ensure_ascii` (every character outside `' '..='~'` is a
//! `\uXXXX` escape, lower-case hex, surrogate pairs above U+FFFF), separators `", "` and `": "` (or
//! `","` and `":"` when compact), an object's duplicate keys collapse to the last value at the first
//! key's place (a `dict`), `sort_keys` orders keys by code point, integers print as `int` does and
//! other numbers as `float.__repr__` does (`1e+16`, `1e-05`, `Infinity` for overflow).

use crate::json::Value;

/// How to lay out the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// `sort_keys=True`.
    pub sort_keys: bool,
    /// `separators=(',', ':')` instead of Python's default `(', ', ': ')`.
    pub compact: bool,
}

/// `json.dumps(value, sort_keys=.., separators=..)` for a value `json.loads` produced.
pub(crate) fn dumps(value: &Value, style: Style) -> String {
    let mut out = String::new();
    write_value(&mut out, value, style);
    out
}

fn write_value(out: &mut String, value: &Value, style: Style) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(if style.compact { "," } else { ", " });
                }
                write_value(out, item, style);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut members = dict(members);
            if style.sort_keys {
                members.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(if style.compact { "," } else { ", " });
                }
                write_str(out, k);
                out.push_str(if style.compact { ":" } else { ": " });
                write_value(out, v, style);
            }
            out.push('}');
        }
    }
}

/// The members as a Python `dict` holds them: first place of each key, last value.
fn dict(members: &[(String, Value)]) -> Vec<(&str, &Value)> {
    let mut out: Vec<(&str, &Value)> = Vec::with_capacity(members.len());
    for (k, v) in members {
        match out.iter_mut().find(|(seen, _)| *seen == k.as_str()) {
            Some(slot) => slot.1 = v,
            None => out.push((k.as_str(), v)),
        }
    }
    out
}

/// Writes `s` as `json.dumps` does with `ensure_ascii=True`.
pub(crate) fn write_str(out: &mut String, s: &str) {
    crate::json::write_string(out, s, crate::json::Escape::Ascii);
}

/// A JSON number as Python prints it after `json.loads`: an `int` for integer literals, otherwise a
/// `float`.
fn number(text: &str) -> String {
    let is_int = !text.contains(['.', 'e', 'E']);
    if is_int {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        let digits = digits.trim_start_matches('0');
        return match (neg, digits.is_empty()) {
            (_, true) => "0".to_owned(),
            (true, false) => format!("-{digits}"),
            (false, false) => digits.to_owned(),
        };
    }
    match text.parse::<f64>() {
        Ok(f) => float_repr(f),
        // Not a JSON number at all (our parser never produces one); keep the text.
        Err(_) => text.to_owned(),
    }
}

/// `float.__repr__` (and `json`'s `Infinity` / `NaN`): the shortest digits that round-trip,
/// positional from 1e-4 up to 1e16, scientific outside (`1e+16`, `1.5e-05`).
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits too: `d[.ddd]e[-]N`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let ndigits = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // Where the decimal point goes relative to the digits.
    let decpt = exp.saturating_add(1);
    let body = if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            let zeros = usize::try_from(-decpt).unwrap_or(0);
            format!("0.{}{digits}", "0".repeat(zeros))
        } else if decpt >= ndigits {
            let zeros = usize::try_from(decpt - ndigits).unwrap_or(0);
            format!("{digits}{}.0", "0".repeat(zeros))
        } else {
            let at = usize::try_from(decpt).unwrap_or(0);
            format!("{}.{}", &digits[..at], &digits[at..])
        }
    } else {
        let e = decpt - 1;
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if e < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", e.unsigned_abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    const DEFAULT: Style = Style {
        sort_keys: false,
        compact: false,
    };
    const SORTED: Style = Style {
        sort_keys: true,
        compact: false,
    };

    #[test]
    fn floats_print_as_python_repr() {
        // Each pair checked with CPython 3.11's repr().
        for (f, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.5e-7, "1.5e-07"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (2.5e300, "2.5e+300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.71, "2.71"),
            (-2500.0, "-2500.0"),
            (f64::INFINITY, "Infinity"),
        ] {
            assert_eq!(float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn numbers_as_json_loads_then_dumps() {
        for (text, want) in [
            ("-0", "0"),
            ("0", "0"),
            ("12345678901234567890123", "12345678901234567890123"),
            ("-7", "-7"),
            ("1E5", "100000.0"),
            ("1e400", "Infinity"),
            ("-1e400", "-Infinity"),
            ("-0.0", "-0.0"),
            ("2.50", "2.5"),
        ] {
            assert_eq!(number(text), want, "{text}");
        }
    }

    #[test]
    fn strings_are_ascii_escaped() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{7f}é€😀/~ ");
        assert_eq!(
            s,
            r#""a\"b\\c\n\r\t\b\f\u0001\u007f\u00e9\u20ac\ud83d\ude00/~ ""#
        );
    }

    #[test]
    fn objects_sort_and_collapse_duplicates() {
        let v = parse(r#"{"b": 1, "a": [true, null, {"é": "x", "Z": 2.0}], "b": 3}"#).unwrap();
        assert_eq!(
            dumps(&v, DEFAULT),
            r#"{"b": 3, "a": [true, null, {"\u00e9": "x", "Z": 2.0}]}"#
        );
        assert_eq!(
            dumps(&v, SORTED),
            r#"{"a": [true, null, {"Z": 2.0, "\u00e9": "x"}], "b": 3}"#
        );
        let compact = Style {
            sort_keys: true,
            compact: true,
        };
        assert_eq!(
            dumps(&v, compact),
            r#"{"a":[true,null,{"Z":2.0,"\u00e9":"x"}],"b":3}"#
        );
        assert_eq!(dumps(&parse("{}").unwrap(), DEFAULT), "{}");
        assert_eq!(dumps(&parse("[]").unwrap(), DEFAULT), "[]");
    }
}
