//! The interpreter: `jmespath.py`'s `TreeInterpreter`, node for node.

use super::functions;
use super::parser::{Cmp, Node, NodeKind};
use super::value::{Value, insert, py_eq, py_order};
use super::{Error, ErrorKind};
use std::cmp::Ordering;

/// Evaluates `node` against `value`.
pub fn eval(node: &Node, value: &Value) -> Result<Value, Error> {
    match &node.kind {
        NodeKind::Field(name) => Ok(value.get(name).cloned().unwrap_or(Value::Null)),
        NodeKind::Subexpression(children) | NodeKind::IndexExpression(children) => {
            chain(children, value)
        }
        NodeKind::Index(i) => Ok(index(value, *i)),
        NodeKind::Slice(start, stop, step) => slice(value, *start, *stop, *step),
        NodeKind::Identity | NodeKind::Current => Ok(value.clone()),
        NodeKind::Literal(v) => Ok(v.clone()),
        NodeKind::Projection(left, right) => projection(left, right, value),
        NodeKind::ValueProjection(left, right) => value_projection(left, right, value),
        NodeKind::FilterProjection(left, right, cond) => filter(left, right, cond, value),
        NodeKind::Flatten(inner) => flatten(inner, value),
        NodeKind::MultiSelectList(items) => multi_list(items, value),
        NodeKind::MultiSelectDict(pairs) => multi_dict(pairs, value),
        NodeKind::Or(a, b) => {
            let left = eval(a, value)?;
            if left.is_false() {
                eval(b, value)
            } else {
                Ok(left)
            }
        }
        NodeKind::And(a, b) => {
            let left = eval(a, value)?;
            if left.is_false() {
                Ok(left)
            } else {
                eval(b, value)
            }
        }
        NodeKind::Not(a) => Ok(Value::Bool(not(&eval(a, value)?))),
        NodeKind::Pipe(a, b) => {
            let left = eval(a, value)?;
            eval(b, &left)
        }
        NodeKind::Comparator(op, a, b) => compare(*op, a, b, value),
        NodeKind::Function(name, args) => call(name, args, value),
        NodeKind::Expref(inner) => Ok(Value::Expref(inner.clone())),
    }
}

fn chain(children: &[Node], value: &Value) -> Result<Value, Error> {
    let mut result = value.clone();
    for child in children {
        result = eval(child, &result)?;
    }
    Ok(result)
}

/// `value[i]` for a list (negative counts from the end); null otherwise or out of range.
fn index(value: &Value, i: i64) -> Value {
    let Value::Array(items) = value else {
        return Value::Null;
    };
    let len = i128::try_from(items.len()).unwrap_or(i128::MAX);
    let mut at = i128::from(i);
    if at < 0 {
        at += len;
    }
    usize::try_from(at)
        .ok()
        .and_then(|at| items.get(at))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Python's `list[start:stop:step]`.
fn slice(
    value: &Value,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Result<Value, Error> {
    let Value::Array(items) = value else {
        return Ok(Value::Null);
    };
    let step = i128::from(step.unwrap_or(1));
    if step == 0 {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            "slice step cannot be zero".into(),
        ));
    }
    let len = i128::try_from(items.len()).unwrap_or(i128::MAX);
    // PySlice_AdjustIndices.
    let adjust = |bound: Option<i64>, default: i128| -> i128 {
        match bound {
            None => default,
            Some(b) => {
                let mut b = i128::from(b);
                if b < 0 {
                    b += len;
                    if b < 0 {
                        b = if step < 0 { -1 } else { 0 };
                    }
                } else if b >= len {
                    b = if step < 0 { len - 1 } else { len };
                }
                b
            }
        }
    };
    let (start, stop) = if step > 0 {
        (adjust(start, 0), adjust(stop, len))
    } else {
        (adjust(start, len - 1), adjust(stop, -1))
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if let Some(v) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
            out.push(v.clone());
        }
        i += step;
    }
    Ok(Value::Array(out))
}

fn projection(left: &Node, right: &Node, value: &Value) -> Result<Value, Error> {
    let Value::Array(base) = eval(left, value)? else {
        return Ok(Value::Null);
    };
    collect(right, base.iter())
}

fn value_projection(left: &Node, right: &Node, value: &Value) -> Result<Value, Error> {
    let Value::Object(base) = eval(left, value)? else {
        return Ok(Value::Null);
    };
    collect(right, base.iter().map(|(_, v)| v))
}

/// Evaluates `right` on each element, keeping the non-null results.
fn collect<'v>(right: &Node, elements: impl Iterator<Item = &'v Value>) -> Result<Value, Error> {
    let mut out = Vec::new();
    for element in elements {
        let v = eval(right, element)?;
        if !matches!(v, Value::Null) {
            out.push(v);
        }
    }
    Ok(Value::Array(out))
}

fn filter(left: &Node, right: &Node, cond: &Node, value: &Value) -> Result<Value, Error> {
    let Value::Array(base) = eval(left, value)? else {
        return Ok(Value::Null);
    };
    let mut out = Vec::new();
    for element in &base {
        if !eval(cond, element)?.is_false() {
            let v = eval(right, element)?;
            if !matches!(v, Value::Null) {
                out.push(v);
            }
        }
    }
    Ok(Value::Array(out))
}

fn flatten(inner: &Node, value: &Value) -> Result<Value, Error> {
    let Value::Array(base) = eval(inner, value)? else {
        return Ok(Value::Null);
    };
    let mut out = Vec::with_capacity(base.len());
    for element in base {
        match element {
            Value::Array(items) => out.extend(items),
            other => out.push(other),
        }
    }
    Ok(Value::Array(out))
}

fn multi_list(items: &[Node], value: &Value) -> Result<Value, Error> {
    if matches!(value, Value::Null) {
        return Ok(Value::Null);
    }
    items
        .iter()
        .map(|n| eval(n, value))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn multi_dict(pairs: &[(String, Node)], value: &Value) -> Result<Value, Error> {
    if matches!(value, Value::Null) {
        return Ok(Value::Null);
    }
    let mut out = Vec::with_capacity(pairs.len());
    for (key, n) in pairs {
        let v = eval(n, value)?;
        insert(&mut out, key.clone(), v);
    }
    Ok(Value::Object(out))
}

/// `!value`: Python's `not`, except that a number (0 included) is true.
fn not(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Expref(_) => false,
        other => other.is_false(),
    }
}

fn compare(op: Cmp, a: &Node, b: &Node, value: &Value) -> Result<Value, Error> {
    let left = eval(a, value)?;
    let right = eval(b, value)?;
    match op {
        Cmp::Eq => Ok(Value::Bool(equals(&left, &right))),
        Cmp::Ne => Ok(Value::Bool(!equals(&left, &right))),
        _ => {
            let comparable =
                |v: &Value| matches!(v, Value::Int(_) | Value::Float(_) | Value::Str(_));
            if !comparable(&left) || !comparable(&right) {
                return Ok(Value::Null);
            }
            let symbol = match op {
                Cmp::Lt => "<",
                Cmp::Lte => "<=",
                Cmp::Gt => ">",
                _ => ">=",
            };
            let ord = py_order(&left, &right, symbol)
                .map_err(|m| Error::new(ErrorKind::InvalidType, m))?;
            let result = match (op, ord) {
                (_, None) => false,
                (Cmp::Lt, Some(o)) => o == Ordering::Less,
                (Cmp::Lte, Some(o)) => o != Ordering::Greater,
                (Cmp::Gt, Some(o)) => o == Ordering::Greater,
                (_, Some(o)) => o != Ordering::Less,
            };
            Ok(Value::Bool(result))
        }
    }
}

/// `jmespath.py`'s `_equals`: Python's `==`, except that a boolean never equals a number at
/// the top level (`0 == false` is false).
fn equals(a: &Value, b: &Value) -> bool {
    let zero_or_one =
        |v: &Value| v.is_number() && (py_eq(v, &Value::Int(0)) || py_eq(v, &Value::Int(1)));
    if zero_or_one(a) && matches!(b, Value::Bool(_))
        || zero_or_one(b) && matches!(a, Value::Bool(_))
    {
        return false;
    }
    py_eq(a, b)
}

fn call(name: &str, args: &[Node], value: &Value) -> Result<Value, Error> {
    let resolved = args
        .iter()
        .map(|n| eval(n, value))
        .collect::<Result<Vec<_>, _>>()?;
    functions::call(name, resolved)
}
