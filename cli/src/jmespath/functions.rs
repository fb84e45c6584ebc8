//! The built-in functions, with `jmespath.py`'s signatures, type checks, results and messages
//! (Python's arithmetic included: `sum` is Python 3.12+'s compensated `sum`, `ceil`/`floor`
//! return integers). Each charges the evaluation's [`Budget`] for what it visits, compares and
//! builds, before building it.

use super::budget::{Budget, to_u64};
use super::eval::eval;
use super::value::{
    Num, Value, charge_order, extent, insert_charged, json_compact, num_cmp, py_eq, py_order,
    stable_sort,
};
use super::{Error, ErrorKind};
use std::cmp::Ordering;
use std::rc::Rc;

/// A function's signature: the accepted types of each argument (empty: any), and whether the
/// last one repeats.
struct Signature {
    args: &'static [&'static [&'static str]],
    variadic: bool,
}

const fn sig(args: &'static [&'static [&'static str]]) -> Signature {
    Signature {
        args,
        variadic: false,
    }
}

const NUMBER: &[&str] = &["number"];
const STRING: &[&str] = &["string"];
const ANY: &[&str] = &[];
const ARRAY: &[&str] = &["array"];
const OBJECT: &[&str] = &["object"];
const EXPREF: &[&str] = &["expref"];
const NUMBERS_OR_STRINGS: &[&str] = &["array-number", "array-string"];

fn signature(name: &str) -> Option<Signature> {
    Some(match name {
        "abs" | "ceil" | "floor" => sig(&[NUMBER]),
        "avg" | "sum" => sig(&[&["array-number"]]),
        "not_null" => Signature {
            args: &[ANY],
            variadic: true,
        },
        "to_array" | "to_string" | "to_number" | "type" => sig(&[ANY]),
        "contains" => sig(&[&["array", "string"], ANY]),
        "length" => sig(&[&["string", "array", "object"]]),
        "ends_with" | "starts_with" => sig(&[STRING, STRING]),
        "reverse" => sig(&[&["array", "string"]]),
        "join" => sig(&[STRING, &["array-string"]]),
        "map" => sig(&[EXPREF, ARRAY]),
        "max" | "min" => sig(&[NUMBERS_OR_STRINGS]),
        "merge" => Signature {
            args: &[OBJECT],
            variadic: true,
        },
        "sort" => sig(&[&["array-string", "array-number"]]),
        "keys" | "values" => sig(&[OBJECT]),
        "sort_by" | "min_by" | "max_by" => sig(&[ARRAY, EXPREF]),
        _ => return None,
    })
}

/// Calls a function on evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, budget: &Budget) -> Result<Value, Error> {
    let Some(sig) = signature(name) else {
        return Err(Error::new(
            ErrorKind::UnknownFunction,
            format!("Unknown function: {name}()"),
        ));
    };
    let expected = sig.args.len();
    let plural = if expected == 1 { "" } else { "s" };
    if sig.variadic && args.len() < expected {
        return Err(Error::new(
            ErrorKind::InvalidArity,
            format!(
                "Expected at least {expected} argument{plural} for function {name}(), received {}",
                args.len()
            ),
        ));
    }
    if !sig.variadic && args.len() != expected {
        return Err(Error::new(
            ErrorKind::InvalidArity,
            format!(
                "Expected {expected} argument{plural} for function {name}(), received {}",
                args.len()
            ),
        ));
    }
    // Like jmespath.py, only the declared arguments are checked (not a variadic tail).
    for (arg, types) in args.iter().zip(sig.args) {
        type_check(name, arg, types, budget)?;
    }
    run(name, args, budget)
}

/// `'number'` etc. against a value.
fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "number" => v.is_number(),
        "string" => matches!(v, Value::Str(_)),
        "array" => matches!(v, Value::Array(_)),
        "object" => matches!(v, Value::Object(_)),
        "boolean" => matches!(v, Value::Bool(_)),
        "null" => matches!(v, Value::Null),
        "expref" => matches!(v, Value::Expref(_)),
        _ => false,
    }
}

/// Python's `repr()` of a list of type names, as the messages show it.
fn types_repr(types: &[&str]) -> String {
    let quoted: Vec<String> = types.iter().map(|t| format!("'{t}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Python's `str(value)` for a message, charged first: the value may be a small shared tree
/// that prints as gigabytes.
fn charged_str(value: &Value, budget: &Budget) -> Result<String, Error> {
    let size = extent(value, budget)?;
    // `repr` adds a space after each separator: at most twice the compact JSON.
    budget.string(usize::try_from(size.bytes.saturating_mul(2)).unwrap_or(usize::MAX))?;
    budget.work(size.nodes)?;
    Ok(value.py_str())
}

fn type_error(name: &str, value: &Value, actual: &str, types: &[&str], budget: &Budget) -> Error {
    let shown = match charged_str(value, budget) {
        Ok(s) => s,
        Err(e) => return e,
    };
    Error::new(
        ErrorKind::InvalidType,
        format!(
            "In function {name}(), invalid type for value: {shown}, expected one of: {}, received: \"{actual}\"",
            types_repr(types)
        ),
    )
}

/// `Functions._type_check_single`.
fn type_check(name: &str, arg: &Value, types: &[&str], budget: &Budget) -> Result<(), Error> {
    if types.is_empty() {
        return Ok(());
    }
    let mut subtypes: Vec<&str> = Vec::new();
    let mut top_ok = false;
    for t in types {
        let (top, sub) = match t.split_once('-') {
            Some((top, sub)) => (top, Some(sub)),
            None => (*t, None),
        };
        if let Some(sub) = sub {
            subtypes.push(sub);
        }
        top_ok |= is_type(top, arg);
    }
    if !top_ok {
        return Err(type_error(name, arg, arg.type_name(), types, budget));
    }
    let Value::Array(items) = arg else {
        return Ok(());
    };
    let wrong = |bad: &Value| Err(type_error(name, bad, bad.py_type_name(), types, budget));
    match subtypes.as_slice() {
        [] => Ok(()),
        [only] => {
            budget.work(to_u64(items.len()))?;
            match items.iter().find(|v| !is_type(only, v)) {
                Some(bad) => wrong(bad),
                None => Ok(()),
            }
        }
        several => {
            let Some(first) = items.first() else {
                return Ok(());
            };
            let Some(chosen) = several.iter().find(|t| is_type(t, first)) else {
                return wrong(first);
            };
            budget.work(to_u64(items.len()))?;
            match items.iter().find(|v| !is_type(chosen, v)) {
                Some(bad) => wrong(bad),
                None => Ok(()),
            }
        }
    }
}

fn invalid_type(message: String) -> Error {
    Error::new(ErrorKind::InvalidType, message)
}

fn run(name: &str, mut args: Vec<Value>, budget: &Budget) -> Result<Value, Error> {
    let arg = args.first().cloned().unwrap_or(Value::Null);
    let second = args.get(1).cloned().unwrap_or(Value::Null);
    Ok(match (name, arg) {
        ("abs", Value::Int(i)) => i
            .checked_abs()
            .map_or(Value::Float((i as f64).abs()), Value::Int),
        ("abs", Value::Float(f)) => Value::Float(f.abs()),
        ("avg", Value::Array(items)) => {
            if items.is_empty() {
                Value::Null
            } else {
                budget.work(to_u64(items.len()))?;
                let total = sum(&items).as_f64().unwrap_or(f64::NAN);
                Value::Float(total / items.len() as f64)
            }
        }
        ("sum", Value::Array(items)) => {
            budget.work(to_u64(items.len()))?;
            sum(&items)
        }
        ("ceil", v) => round(v, f64::ceil)?,
        ("floor", v) => round(v, f64::floor)?,
        ("not_null", _) => args
            .into_iter()
            .find(|v| !matches!(v, Value::Null))
            .unwrap_or(Value::Null),
        ("to_array", Value::Array(items)) => Value::Array(items),
        ("to_array", v) => {
            budget.array(1)?;
            Value::array(vec![v])
        }
        ("to_string", Value::Str(s)) => Value::Str(s),
        ("to_string", v) => {
            let size = extent(&v, budget)?;
            budget.string(usize::try_from(size.bytes).unwrap_or(usize::MAX))?;
            budget.work(size.nodes)?;
            let mut out = String::new();
            json_compact(&mut out, &v);
            // Escapes (`\u00e9`) make the text at most six times the estimate: charge them too.
            budget.build(to_u64(out.len()).saturating_sub(size.bytes))?;
            Value::str(&out)
        }
        ("to_number", v) => to_number(v, budget)?,
        ("type", v) => match v {
            Value::Expref(_) => Value::Null,
            v => Value::str(v.type_name()),
        },
        ("contains", Value::Str(s)) => match second {
            Value::Str(needle) => {
                budget.scan(s.len().saturating_add(needle.len()))?;
                Value::Bool(s.contains(&*needle))
            }
            other => {
                return Err(invalid_type(format!(
                    "'in <string>' requires string as left operand, not {}",
                    other.py_type_name()
                )));
            }
        },
        ("contains", Value::Array(items)) => {
            let mut found = false;
            for v in items.iter() {
                if py_eq(v, &second, budget)? {
                    found = true;
                    break;
                }
            }
            Value::Bool(found)
        }
        ("length", Value::Str(s)) => {
            budget.scan(s.len())?;
            count(s.chars().count())
        }
        ("length", Value::Array(items)) => count(items.len()),
        ("length", Value::Object(m)) => count(m.len()),
        ("ends_with", Value::Str(s)) => Value::Bool(match &second {
            Value::Str(x) => {
                budget.scan(x.len())?;
                s.ends_with(&**x)
            }
            _ => false,
        }),
        ("starts_with", Value::Str(s)) => Value::Bool(match &second {
            Value::Str(x) => {
                budget.scan(x.len())?;
                s.starts_with(&**x)
            }
            _ => false,
        }),
        ("reverse", Value::Str(s)) => {
            budget.string(s.len())?;
            Value::str(&s.chars().rev().collect::<String>())
        }
        ("reverse", Value::Array(items)) => {
            budget.array(items.len())?;
            Value::array(items.iter().rev().cloned().collect())
        }
        ("join", Value::Str(sep)) => {
            let Value::Array(items) = second else {
                return Ok(Value::Null);
            };
            // The type check let only strings through; the length is charged before joining,
            // as the parts may be one long shared string many times over.
            let mut len = sep.len().saturating_mul(items.len());
            budget.work(to_u64(items.len()))?;
            for item in items.iter() {
                if let Value::Str(s) = item {
                    len = len.saturating_add(s.len());
                }
            }
            budget.string(len)?;
            let mut out = String::with_capacity(len);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                if let Value::Str(s) = item {
                    out.push_str(s);
                }
            }
            Value::str(&out)
        }
        ("map", Value::Expref(node)) => {
            let Value::Array(items) = second else {
                return Ok(Value::Null);
            };
            budget.array(items.len())?;
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(eval(&node, item, budget)?);
            }
            Value::array(out)
        }
        ("max", Value::Array(items)) => extreme(&items, Ordering::Greater, budget)?,
        ("min", Value::Array(items)) => extreme(&items, Ordering::Less, budget)?,
        ("merge", _) => {
            let mut merged: Vec<(Rc<str>, Value)> = Vec::new();
            for arg in args.drain(..) {
                merge_into(&mut merged, arg, budget)?;
            }
            Value::object(merged)
        }
        ("sort", Value::Array(items)) => {
            budget.array(items.len().saturating_mul(2))?;
            let sorted = stable_sort(items.to_vec(), &|a, b| charged_order(a, b, budget));
            budget.check()?;
            Value::array(sorted)
        }
        ("keys", Value::Object(m)) => {
            budget.array(m.len())?;
            Value::array(m.iter().map(|(k, _)| Value::Str(k.clone())).collect())
        }
        ("values", Value::Object(m)) => {
            budget.array(m.len())?;
            Value::array(m.iter().map(|(_, v)| v.clone()).collect())
        }
        ("sort_by", Value::Array(items)) => sort_by(&items, &second, budget)?,
        ("min_by", Value::Array(items)) => by(&items, &second, "min_by", Ordering::Less, budget)?,
        ("max_by", Value::Array(items)) => {
            by(&items, &second, "max_by", Ordering::Greater, budget)?
        }
        // The type checks leave no other combination.
        _ => Value::Null,
    })
}

fn count(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Python's `sum()` of numbers (3.12+): exact on integers, then Neumaier-compensated once a
/// float appears. An integer overflow continues in floats (Python would keep a big integer).
fn sum(items: &[Value]) -> Value {
    let mut total: i64 = 0;
    let mut rest = items.iter();
    let (mut f, mut c);
    loop {
        match rest.next() {
            None => return Value::Int(total),
            Some(Value::Int(i)) => match total.checked_add(*i) {
                Some(t) => total = t,
                None => {
                    f = total as f64 + *i as f64;
                    break;
                }
            },
            Some(v) => {
                f = total as f64 + v.as_f64().unwrap_or(0.0);
                break;
            }
        }
    }
    c = 0.0;
    for v in rest {
        match v {
            Value::Float(x) => {
                let t = f + x;
                if f.abs() >= x.abs() {
                    c += (f - t) + x;
                } else {
                    c += (x - t) + f;
                }
                f = t;
            }
            other => f += other.as_f64().unwrap_or(0.0),
        }
    }
    if c != 0.0 && c.is_finite() {
        f += c;
    }
    Value::Float(f)
}

/// `math.ceil` / `math.floor`: integers as they are, floats to the integer (a float beyond
/// `i64`, where Python would give a big integer).
fn round(v: Value, op: fn(f64) -> f64) -> Result<Value, Error> {
    match v {
        Value::Float(f) if f.is_nan() => Err(Error::new(
            ErrorKind::InvalidValue,
            "cannot convert float NaN to integer".into(),
        )),
        Value::Float(f) if f.is_infinite() => Err(Error::new(
            ErrorKind::InvalidValue,
            "cannot convert float infinity to integer".into(),
        )),
        Value::Float(f) => {
            let r = op(f);
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if (-LIMIT..LIMIT).contains(&r) {
                // Integral and in range: exact.
                Ok(Value::Int(r as i64))
            } else {
                Ok(Value::Float(r))
            }
        }
        other => Ok(other),
    }
}

/// [`order`] in a sort, charged to `budget`; once it is spent, everything compares equal (the
/// sort then finishes at once and its caller reports the error).
fn charged_order(a: &Value, b: &Value, budget: &Budget) -> Ordering {
    if budget.exceeded() || charge_order(a, b, budget).is_err() {
        return Ordering::Equal;
    }
    order(a, b)
}

/// Orders two numbers or two strings (what the type checks allow); NaN compares equal.
fn order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => num_cmp(x, y).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
    }
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

/// Python's `max`/`min`: the first element that no later one beats.
fn extreme(items: &[Value], want: Ordering, budget: &Budget) -> Result<Value, Error> {
    let mut best: Option<&Value> = None;
    for item in items {
        best = match best {
            None => Some(item),
            Some(b) => {
                charge_order(item, b, budget)?;
                if order(item, b) == want {
                    Some(item)
                } else {
                    Some(b)
                }
            }
        };
    }
    Ok(best.cloned().unwrap_or(Value::Null))
}

/// `dict.update(arg)`.
fn merge_into(
    merged: &mut Vec<(Rc<str>, Value)>,
    arg: Value,
    budget: &Budget,
) -> Result<(), Error> {
    match arg {
        Value::Object(m) => {
            for (k, v) in m.iter() {
                insert_charged(merged, k.clone(), v.clone(), budget)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Array(pair) if pair.len() == 2 => {
                        let (Value::Str(k), v) = (&pair[0], &pair[1]) else {
                            return Err(invalid_type("merge() keys must be strings".into()));
                        };
                        insert_charged(merged, k.clone(), v.clone(), budget)?;
                    }
                    Value::Array(pair) => {
                        return Err(Error::new(
                            ErrorKind::InvalidValue,
                            format!(
                                "dictionary update sequence element #{i} has length {}; 2 is required",
                                pair.len()
                            ),
                        ));
                    }
                    _ => {
                        return Err(invalid_type(format!(
                            "cannot convert dictionary update sequence element #{i} to a sequence"
                        )));
                    }
                }
            }
            Ok(())
        }
        Value::Str(s) if s.is_empty() => Ok(()),
        Value::Str(_) => Err(Error::new(
            ErrorKind::InvalidValue,
            "dictionary update sequence element #0 has length 1; 2 is required".into(),
        )),
        other => Err(invalid_type(format!(
            "'{}' object is not iterable",
            other.py_type_name()
        ))),
    }
}

/// Evaluates the key expression on `item`, checking that it is one of `allowed`.
fn key(
    expref: &Value,
    item: &Value,
    allowed: &[&str],
    name: &str,
    budget: &Budget,
) -> Result<Value, Error> {
    let Value::Expref(node) = expref else {
        return Ok(Value::Null);
    };
    let k = eval(node, item, budget)?;
    if !allowed.iter().any(|t| is_type(t, &k)) {
        return Err(type_error(name, &k, k.type_name(), allowed, budget));
    }
    Ok(k)
}

fn sort_by(items: &Rc<Vec<Value>>, expref: &Value, budget: &Budget) -> Result<Value, Error> {
    let Some(first) = items.first() else {
        return Ok(Value::Array(items.clone()));
    };
    let Value::Expref(node) = expref else {
        return Ok(Value::Null);
    };
    let required = eval(node, first, budget)?;
    let required = match required.type_name() {
        t @ ("number" | "string") => t,
        other => {
            return Err(type_error(
                "sort_by",
                first,
                other,
                &["string", "number"],
                budget,
            ));
        }
    };
    // The keyed pairs, the sort's positions and the result.
    budget.array(items.len().saturating_mul(4))?;
    let mut keyed = Vec::with_capacity(items.len());
    for item in items.iter() {
        let k = key(expref, item, &[required], "sort_by", budget)?;
        keyed.push((k, item.clone()));
    }
    let keyed = stable_sort(keyed, &|a, b| charged_order(&a.0, &b.0, budget));
    budget.check()?;
    Ok(Value::array(keyed.into_iter().map(|(_, v)| v).collect()))
}

/// `min(array, key=...)` / `max(array, key=...)`.
fn by(
    items: &[Value],
    expref: &Value,
    name: &str,
    want: Ordering,
    budget: &Budget,
) -> Result<Value, Error> {
    let symbol = if want == Ordering::Less { "<" } else { ">" };
    let mut best: Option<(Value, &Value)> = None;
    for item in items {
        let k = key(expref, item, &["number", "string"], name, budget)?;
        best = match best {
            None => Some((k, item)),
            Some((bk, bv)) => {
                charge_order(&k, &bk, budget)?;
                let ord = py_order(&k, &bk, symbol).map_err(invalid_type)?;
                if ord == Some(want) {
                    Some((k, item))
                } else {
                    Some((bk, bv))
                }
            }
        };
    }
    Ok(best.map_or(Value::Null, |(_, v)| v.clone()))
}

/// `to_number`: numbers as they are; strings as Python's `int()`, else `float()`; else null.
fn to_number(v: Value, budget: &Budget) -> Result<Value, Error> {
    Ok(match v {
        Value::Int(_) | Value::Float(_) => v,
        Value::Str(s) => {
            // The parse copies the text as characters (four bytes each) and once more.
            budget.build(to_u64(s.len()).saturating_mul(4))?;
            budget.string(s.len())?;
            parse_number(&s).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    })
}

/// Python's whitespace for `str.strip()`.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Removes the underscores Python allows between digits; `None` if one is misplaced.
fn digits_without_underscores(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            if !(before.is_some_and(char::is_ascii_digit)
                && after.is_some_and(char::is_ascii_digit))
            {
                return None;
            }
        } else {
            out.push(*c);
        }
    }
    Some(out)
}

fn parse_number(s: &str) -> Option<Value> {
    let t = s.trim_matches(py_space);
    let clean = digits_without_underscores(t)?;
    let unsigned = clean.strip_prefix(['+', '-']).unwrap_or(&clean);
    if !unsigned.is_empty() && unsigned.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = clean.strip_prefix('+').unwrap_or(&clean);
        return Some(match trimmed.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(trimmed.parse().ok()?),
        });
    }
    let lower = unsigned.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    let decimal = unsigned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && unsigned.chars().any(|c| c.is_ascii_digit());
    if special || decimal {
        clean.parse::<f64>().ok().map(Value::Float)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_numbers() {
        assert!(matches!(parse_number(" 1_000 "), Some(Value::Int(1000))));
        assert!(matches!(parse_number("-12"), Some(Value::Int(-12))));
        assert!(matches!(parse_number("1.5e3"), Some(Value::Float(f)) if f == 1500.0));
        assert!(matches!(parse_number(".5"), Some(Value::Float(f)) if f == 0.5));
        assert!(matches!(parse_number("-inf"), Some(Value::Float(f)) if f == f64::NEG_INFINITY));
        assert!(parse_number("1__0").is_none());
        assert!(parse_number("0x10").is_none());
        assert!(parse_number("abc").is_none());
        assert!(parse_number("").is_none());
        // 0.1 * 10 sums to exactly 1.0 with compensation (3.12+), 0.9999999999999999 without.
        let tenths = vec![Value::Float(0.1); 10];
        assert!(matches!(sum(&tenths), Value::Float(f) if f == 1.0));
        assert!(matches!(
            sum(&[Value::Int(i64::MAX), Value::Int(1)]),
            Value::Float(_)
        ));
        assert!(matches!(
            sum(&[Value::Int(2), Value::Int(3)]),
            Value::Int(5)
        ));
    }
}
