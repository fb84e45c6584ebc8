//! The interpreter: `jmespath.py`'s `TreeInterpreter`, node for node. Values are shared, not
//! copied (see [`super::value`]), and every node evaluated, element visited and value built is
//! charged to the evaluation's [`Budget`].

use super::budget::{Budget, to_u64};
use super::functions;
use super::parser::{Cmp, Node, NodeKind};
use super::value::{Value, charge_order, find_member, insert_charged, py_eq, py_order};
use super::{Error, ErrorKind};
use std::cmp::Ordering;

/// Evaluates `node` against `value`.
pub fn eval(node: &Node, value: &Value, budget: &Budget) -> Result<Value, Error> {
    budget.work(1)?;
    match &node.kind {
        NodeKind::Field(name) => field(value, name, budget),
        NodeKind::Subexpression(children) | NodeKind::IndexExpression(children) => {
            chain(children, value, budget)
        }
        NodeKind::Index(i) => Ok(index(value, *i)),
        NodeKind::Slice(start, stop, step) => slice(value, *start, *stop, *step, budget),
        NodeKind::Identity | NodeKind::Current => Ok(value.clone()),
        NodeKind::Literal(v) => Ok(v.clone()),
        NodeKind::Projection(left, right) => projection(left, right, value, budget),
        NodeKind::ValueProjection(left, right) => value_projection(left, right, value, budget),
        NodeKind::FilterProjection(left, right, cond) => filter(left, right, cond, value, budget),
        NodeKind::Flatten(inner) => flatten(inner, value, budget),
        NodeKind::MultiSelectList(items) => multi_list(items, value, budget),
        NodeKind::MultiSelectDict(pairs) => multi_dict(pairs, value, budget),
        NodeKind::Or(a, b) => {
            let left = eval(a, value, budget)?;
            if left.is_false() {
                eval(b, value, budget)
            } else {
                Ok(left)
            }
        }
        NodeKind::And(a, b) => {
            let left = eval(a, value, budget)?;
            if left.is_false() {
                Ok(left)
            } else {
                eval(b, value, budget)
            }
        }
        NodeKind::Not(a) => Ok(Value::Bool(not(&eval(a, value, budget)?))),
        NodeKind::Pipe(a, b) => {
            let left = eval(a, value, budget)?;
            eval(b, &left, budget)
        }
        NodeKind::Comparator(op, a, b) => compare(*op, a, b, value, budget),
        NodeKind::Function(name, args) => call(name, args, value, budget),
        NodeKind::Expref(inner) => Ok(Value::Expref(inner.clone())),
    }
}

/// `value[name]` for an object; null otherwise or when missing.
fn field(value: &Value, name: &str, budget: &Budget) -> Result<Value, Error> {
    let Value::Object(members) = value else {
        return Ok(Value::Null);
    };
    Ok(find_member(members, name, budget)?
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null))
}

fn chain(children: &[Node], value: &Value, budget: &Budget) -> Result<Value, Error> {
    let mut result = value.clone();
    for child in children {
        result = eval(child, &result, budget)?;
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
    budget: &Budget,
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
    // The loop stays within [-1, len]: at most one pass over the items.
    budget.array(items.len())?;
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if let Some(v) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
            out.push(v.clone());
        }
        i += step;
    }
    Ok(Value::array(out))
}

fn projection(left: &Node, right: &Node, value: &Value, budget: &Budget) -> Result<Value, Error> {
    let Value::Array(base) = eval(left, value, budget)? else {
        return Ok(Value::Null);
    };
    collect(right, base.len(), base.iter(), budget)
}

fn value_projection(
    left: &Node,
    right: &Node,
    value: &Value,
    budget: &Budget,
) -> Result<Value, Error> {
    let Value::Object(base) = eval(left, value, budget)? else {
        return Ok(Value::Null);
    };
    collect(right, base.len(), base.iter().map(|(_, v)| v), budget)
}

/// Evaluates `right` on each of the `len` elements, keeping the non-null results.
fn collect<'v>(
    right: &Node,
    len: usize,
    elements: impl Iterator<Item = &'v Value>,
    budget: &Budget,
) -> Result<Value, Error> {
    budget.array(len)?;
    let mut out = Vec::new();
    for element in elements {
        let v = eval(right, element, budget)?;
        if !matches!(v, Value::Null) {
            out.push(v);
        }
    }
    Ok(Value::array(out))
}

fn filter(
    left: &Node,
    right: &Node,
    cond: &Node,
    value: &Value,
    budget: &Budget,
) -> Result<Value, Error> {
    let Value::Array(base) = eval(left, value, budget)? else {
        return Ok(Value::Null);
    };
    budget.array(base.len())?;
    let mut out = Vec::new();
    for element in base.iter() {
        if !eval(cond, element, budget)?.is_false() {
            let v = eval(right, element, budget)?;
            if !matches!(v, Value::Null) {
                out.push(v);
            }
        }
    }
    Ok(Value::array(out))
}

fn flatten(inner: &Node, value: &Value, budget: &Budget) -> Result<Value, Error> {
    let Value::Array(base) = eval(inner, value, budget)? else {
        return Ok(Value::Null);
    };
    // Charged before it is built: the elements may all be one shared array.
    let mut len = 0usize;
    for element in base.iter() {
        len = len.saturating_add(match element {
            Value::Array(items) => items.len(),
            _ => 1,
        });
    }
    budget.work(to_u64(base.len()))?;
    budget.array(len)?;
    let mut out = Vec::with_capacity(len);
    for element in base.iter() {
        match element {
            Value::Array(items) => out.extend(items.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
    Ok(Value::array(out))
}

fn multi_list(items: &[Node], value: &Value, budget: &Budget) -> Result<Value, Error> {
    if matches!(value, Value::Null) {
        return Ok(Value::Null);
    }
    budget.array(items.len())?;
    items
        .iter()
        .map(|n| eval(n, value, budget))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::array)
}

fn multi_dict(
    pairs: &[(std::rc::Rc<str>, Node)],
    value: &Value,
    budget: &Budget,
) -> Result<Value, Error> {
    if matches!(value, Value::Null) {
        return Ok(Value::Null);
    }
    let mut out = Vec::with_capacity(pairs.len());
    for (key, n) in pairs {
        let v = eval(n, value, budget)?;
        insert_charged(&mut out, key.clone(), v, budget)?;
    }
    Ok(Value::object(out))
}

/// `!value`: Python's `not`, except that a number (0 included) is true.
fn not(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Expref(_) => false,
        other => other.is_false(),
    }
}

fn compare(op: Cmp, a: &Node, b: &Node, value: &Value, budget: &Budget) -> Result<Value, Error> {
    let left = eval(a, value, budget)?;
    let right = eval(b, value, budget)?;
    match op {
        Cmp::Eq => Ok(Value::Bool(equals(&left, &right, budget)?)),
        Cmp::Ne => Ok(Value::Bool(!equals(&left, &right, budget)?)),
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
            charge_order(&left, &right, budget)?;
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
fn equals(a: &Value, b: &Value, budget: &Budget) -> Result<bool, Error> {
    let zero_or_one = |v: &Value| v.as_f64().is_some_and(|f| f == 0.0 || f == 1.0);
    if zero_or_one(a) && matches!(b, Value::Bool(_))
        || zero_or_one(b) && matches!(a, Value::Bool(_))
    {
        return Ok(false);
    }
    py_eq(a, b, budget)
}

fn call(name: &str, args: &[Node], value: &Value, budget: &Budget) -> Result<Value, Error> {
    let resolved = args
        .iter()
        .map(|n| eval(n, value, budget))
        .collect::<Result<Vec<_>, _>>()?;
    functions::call(name, resolved, budget)
}
