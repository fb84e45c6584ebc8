//! The `--query` evaluator (`cli/src/jmespath`), tested on its own:
//!
//! - the JMESPath compliance suite in `$STS_CONFORMANCE_DIR/jmespath/*.json` (results and error
//!   kinds; skipped with a message when the variable is unset, failing when it is set and the
//!   files are missing), printing `jmespath compliance: N/M`;
//! - hand-written vectors that run everywhere (Python's number printing, comparisons, quirks of
//!   `jmespath.py`'s grammar, its error messages);
//! - no panic and no stack overflow on generated and deeply nested expressions.

use jmespath::value::{Value, json_compact};
use jmespath::{ErrorKind, Expression};
use proptest::prelude::*;
use std::path::PathBuf;
use sts_cli::jmespath;

fn doc(text: &str) -> Value {
    Value::from_json_text(text).unwrap_or_else(|e| panic!("bad JSON {text}: {e}"))
}

/// `json.dumps(value, separators=(',', ':'))`, how the vectors spell results.
fn compact(v: &Value) -> String {
    let mut out = String::new();
    json_compact(&mut out, v);
    out
}

fn search(expr: &str, data: &str) -> Result<Value, jmespath::Error> {
    Expression::compile(expr)?.search(&doc(data))
}

/// Strict equality for the suite: numbers by value (`1 == 1.0`, as the reference runner), but
/// booleans never equal numbers and objects compare as sets of members.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a == b,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)))
        }
        _ => false,
    }
}

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("STS_CONFORMANCE_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir).join("jmespath")),
        _ => {
            println!("jmespath compliance: skipping, STS_CONFORMANCE_DIR is unset");
            None
        }
    }
}

#[test]
fn compliance_suite() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no compliance files in {}",
        dir.display()
    );
    let (mut passed, mut total) = (0usize, 0usize);
    let mut failures = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let Value::Array(suites) = doc(&text) else {
            panic!("{}: not a list of suites", file.display())
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for suite in suites.iter() {
            let given = suite.get("given").cloned().unwrap_or(Value::Null);
            let Some(Value::Array(cases)) = suite.get("cases") else {
                panic!("{name}: a suite without cases")
            };
            for case in cases.iter() {
                total += 1;
                let Some(Value::Str(expr)) = case.get("expression") else {
                    panic!("{name}: a case without an expression")
                };
                let got = Expression::compile(expr).and_then(|e| e.search(&given));
                let ok = match (case.get("error"), case.get("result"), &got) {
                    (Some(Value::Str(kind)), _, Err(e)) => e.kind().name() == &**kind,
                    (Some(_), _, Ok(_)) => false,
                    (None, Some(want), Ok(v)) => same(want, v),
                    // Benchmark cases of kind `parse` give no result: they must evaluate.
                    (None, None, Ok(_)) => true,
                    _ => false,
                };
                if ok {
                    passed += 1;
                } else {
                    let want = case
                        .get("error")
                        .map(|e| format!("error {}", e.py_str()))
                        .or_else(|| case.get("result").map(compact))
                        .unwrap_or_default();
                    let got = match got {
                        Ok(v) => compact(&v),
                        Err(e) => format!("error {}: {e}", e.kind().name()),
                    };
                    failures.push(format!("{name}: {expr:?}: want {want}, got {got}"));
                }
            }
        }
    }
    println!("jmespath compliance: {passed}/{total}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Results spelled as `json.dumps(..., separators=(',', ':'))` of what `jmespath.py` returns
/// (checked against jmespath 1.0.1).
#[test]
fn python_results() {
    let data = r#"{"a": [1, 2.5, 3], "s": ["b", "a", "c"], "o": {"x": 1, "y": null, "z": [0, 1]},
        "people": [{"n": "p", "age": 30}, {"n": "q", "age": 25.5}, {"n": "r", "age": 30}],
        "t": true, "zero": 0, "one": 1.0, "empty": "", "nested": [[1, [2]], 3, [[4]]]}"#;
    for (expr, want) in [
        ("avg(a)", "2.1666666666666665"),
        ("sum(a)", "6.5"),
        ("sum(`[1, 2]`)", "3"),
        ("avg(`[2, 4]`)", "3.0"),
        ("ceil(`1.5`)", "2"),
        ("floor(`-1.5`)", "-2"),
        ("abs(`-3.0`)", "3.0"),
        ("`1e16`", "1e+16"),
        ("{a: a[0] c: s[0]}", "{\"a\":1,\"c\":\"b\"}"),
        ("to_string(`1.0`)", "\"1.0\""),
        (
            "to_string(o)",
            "\"{\\\"x\\\":1,\\\"y\\\":null,\\\"z\\\":[0,1]}\"",
        ),
        ("to_string('é')", "\"\\u00e9\""),
        ("to_string(`\"é\"`)", "\"\\u00e9\""),
        ("to_number('  42 ')", "42"),
        ("to_number('1_0')", "10"),
        ("to_number('1e2')", "100.0"),
        ("to_number('x')", "null"),
        ("max(a)", "3"),
        ("min(s)", "\"a\""),
        ("sort(s)", "[\"a\",\"b\",\"c\"]"),
        ("sort_by(people, &age)[].n", "[\"q\",\"p\",\"r\"]"),
        ("max_by(people, &age).n", "\"p\""),
        ("min_by(people, &age).n", "\"q\""),
        ("reverse(s)", "[\"c\",\"a\",\"b\"]"),
        ("reverse('héllo')", "\"oll\\u00e9h\""),
        ("length('héllo')", "5"),
        ("type(t)", "\"boolean\""),
        ("type(&a)", "null"),
        ("zero == `false`", "false"),
        ("one == `1`", "true"),
        ("[t] == `[1]`", "true"),
        ("contains(`[1]`, t)", "true"),
        ("!zero", "false"),
        ("!empty", "true"),
        ("empty || 'x'", "\"x\""),
        ("zero || 'x'", "0"),
        ("a[::-1]", "[3,2.5,1]"),
        ("a[-1:0:-1]", "[3,2.5]"),
        ("a[10:]", "[]"),
        ("a[-10:1]", "[1]"),
        ("nested[]", "[1,[2],3,[4]]"),
        ("nested[][]", "[1,2,3,4]"),
        ("o.*", "[1,[0,1]]"),
        ("keys(o)", "[\"x\",\"y\",\"z\"]"),
        ("{a: `1`, a: `2`, b: `3`}", "{\"a\":2,\"b\":3}"),
        (
            "merge(o, `{\"x\": 9, \"w\": 0}`)",
            "{\"x\":9,\"y\":null,\"z\":[0,1],\"w\":0}",
        ),
        ("`foo`", "\"foo\""),
        ("`  foo bar`", "\"foo bar\""),
        ("'it\\'s'", "\"it's\""),
        ("'a\\\\b'", "\"a\\\\\\\\b\""),
        ("\"\\u00e9\"", "null"),
        ("people[?age > `26`].n", "[\"p\",\"r\"]"),
        ("people[?n == 'q'] | [0].age", "25.5"),
        ("s[?@ > 'a']", "[\"b\",\"c\"]"),
        ("a[?@ < `2`]", "[1]"),
        ("t < `1`", "null"),
        ("f(a b)", "__unknown"),
        ("not_null(`null`, zero, one)", "0"),
        ("map(&to_string(@), a)", "[\"1\",\"2.5\",\"3\"]"),
        ("join(', ', s)", "\"b, a, c\""),
        ("a.b(@)", "__unknown"),
    ] {
        let got = search(expr, data);
        match (want, got) {
            ("__unknown", Err(e)) => assert_eq!(e.kind(), ErrorKind::UnknownFunction, "{expr}"),
            (want, Ok(v)) => assert_eq!(compact(&v), want, "{expr}"),
            (want, Err(e)) => panic!("{expr}: want {want}, got error {e}"),
        }
    }
}

/// `jmespath.py`'s messages (`str(exception)`), which `Bad value for --query` and the runtime
/// error line quote.
#[test]
fn python_error_messages() {
    for (expr, kind, message) in [
        (
            "",
            ErrorKind::Syntax,
            "Invalid JMESPath expression: cannot be empty.",
        ),
        (
            "foo.",
            ErrorKind::Syntax,
            "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: eof: Parse error at column 4, token \"\" (EOF), for expression:\n\"foo.\"\n     ^",
        ),
        (
            "foo[",
            ErrorKind::Syntax,
            "Invalid jmespath expression: Incomplete expression:\n\"foo[\"\n     ^",
        ),
        (
            "a ~ b",
            ErrorKind::Syntax,
            "Bad jmespath expression: Unknown token ~:\na ~ b\n  ^",
        ),
        (
            "a = b",
            ErrorKind::Syntax,
            "Bad jmespath expression: Unknown token '=':\na = b\n  ^",
        ),
        (
            "`{\"a\": 1`",
            ErrorKind::Syntax,
            "Bad jmespath expression: Bad token {\"a\": 1:\n`{\"a\": 1`\n^",
        ),
        (
            "'abc",
            ErrorKind::Syntax,
            "Bad jmespath expression: Unclosed ' delimiter:\n'abc\n^",
        ),
        (
            "foo bar",
            ErrorKind::Syntax,
            "Unexpected token: bar: Parse error at column 4, token \"bar\" (UNQUOTED_IDENTIFIER), for expression:\n\"foo bar\"\n     ^",
        ),
        (
            "\"foo\"(@)",
            ErrorKind::Syntax,
            "Quoted identifier not allowed for function names.: Parse error at column 0, token \"(\" (LPAREN), for expression:\n\"\"foo\"(@)\"\n ^",
        ),
        (
            "@(1)",
            ErrorKind::Syntax,
            "Invalid function name '@': Parse error at column 0, token \"@\" (CURRENT), for expression:\n\"@(1)\"\n ^",
        ),
        (
            "{a: b,}",
            ErrorKind::Syntax,
            "Expecting: ['quoted_identifier', 'unquoted_identifier'], got: rbrace: Parse error at column 6, token \"}\" (RBRACE), for expression:\n\"{a: b,}\"\n       ^",
        ),
        (
            "foo(@)",
            ErrorKind::UnknownFunction,
            "Unknown function: foo()",
        ),
        (
            "length(@, @)",
            ErrorKind::InvalidArity,
            "Expected 1 argument for function length(), received 2",
        ),
        (
            "not_null()",
            ErrorKind::InvalidArity,
            "Expected at least 1 argument for function not_null(), received 0",
        ),
        (
            "abs('x')",
            ErrorKind::InvalidType,
            "In function abs(), invalid type for value: x, expected one of: ['number'], received: \"string\"",
        ),
        (
            "max(`[1, \"a\"]`)",
            ErrorKind::InvalidType,
            "In function max(), invalid type for value: a, expected one of: ['array-number', 'array-string'], received: \"str\"",
        ),
        (
            "sort_by(`[{\"a\": true}]`, &a)",
            ErrorKind::InvalidType,
            "In function sort_by(), invalid type for value: {'a': True}, expected one of: ['string', 'number'], received: \"boolean\"",
        ),
        (
            "max_by(`[{\"a\": 1}, {\"a\": \"x\"}]`, &a)",
            ErrorKind::InvalidType,
            "'>' not supported between instances of 'str' and 'int'",
        ),
        (
            "'a' < `1`",
            ErrorKind::InvalidType,
            "'<' not supported between instances of 'str' and 'int'",
        ),
        (
            "`[1]`[::0]",
            ErrorKind::InvalidValue,
            "slice step cannot be zero",
        ),
    ] {
        let got = Expression::compile(expr).and_then(|e| e.search(&Value::Null));
        match got {
            Err(e) => {
                assert_eq!(e.kind(), kind, "{expr}");
                assert_eq!(e.to_string(), message, "{expr}");
            }
            Ok(v) => panic!("{expr}: want an error, got {}", compact(&v)),
        }
    }
}

/// 700 random expressions (from a grammar, and token soup) that jmespath.py 1.0.1 evaluated
/// (tests/golden/jmespath/differential.json, made by scripts/jmespath-goldens.py): the same
/// result, printed the same, or the same error kind and message.
#[test]
fn agrees_with_jmespath_py() {
    let text = include_str!("golden/jmespath/differential.json");
    let golden = doc(text);
    let given = golden.get("given").cloned().expect("given");
    let Some(Value::Array(cases)) = golden.get("cases") else {
        panic!("no cases")
    };
    let str_of = |c: &Value, k: &str| match c.get(k) {
        Some(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    let mut failures = Vec::new();
    for case in cases.iter() {
        let expr = str_of(case, "expression").expect("expression");
        let got = Expression::compile(&expr).and_then(|e| e.search(&given));
        let ok = match (&got, str_of(case, "result"), str_of(case, "error")) {
            (Ok(v), Some(want), _) => compact(v) == want,
            (Err(e), _, Some(kind)) => {
                e.kind().name() == kind && Some(e.to_string()) == str_of(case, "message")
            }
            _ => false,
        };
        if !ok {
            let got = match got {
                Ok(v) => compact(&v),
                Err(e) => format!("{}: {e}", e.kind().name()),
            };
            let want = str_of(case, "result").or_else(|| {
                Some(format!(
                    "{:?}: {:?}",
                    str_of(case, "error"),
                    str_of(case, "message")
                ))
            });
            failures.push(format!("{expr:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(cases.len() >= 700);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Where this implementation knowingly differs from `jmespath.py`: integers beyond 64 bits
/// (Python keeps them exact) become floats.
#[test]
fn documented_differences() {
    let v = search("`100000000000000000000`", "null").expect("evaluates");
    assert_eq!(compact(&v), "1e+20");
    let v = search("sum(`[9223372036854775807, 1]`)", "null").expect("evaluates");
    assert_eq!(compact(&v), "9.223372036854776e+18");
}

/// Runs `f` on a thread with the stack the `sts` command runs on (the main thread's 8 MiB), so
/// a recursion too deep for it fails (unoptimized builds need about 4 MiB at the limits).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn deep_nesting_is_a_typed_error() {
    on_small_stack(|| {
        for (open, close) in [("(", ")"), ("[", "]"), ("{a:", "}"), ("!", ""), ("f(", ")")] {
            let n = 100_000;
            let expr = format!("{}@{}", open.repeat(n), close.repeat(n));
            let e = Expression::compile(&expr).expect_err("too deep");
            assert_eq!(e.kind(), ErrorKind::TooDeep, "{open}");
        }
        // Left-deep chains built without recursion are capped too.
        for sep in ["|", "||", "&&", "==", "[0]", ".a"] {
            let expr = format!("a{}", format!("{sep}a").repeat(20_000));
            let expr = expr.replace("[0]a", "[0]");
            match Expression::compile(&expr) {
                Err(e) => assert_eq!(e.kind(), ErrorKind::TooDeep, "{sep}"),
                // Flat node lists (a.b.c, a[0][1]) are not deep.
                Ok(x) => {
                    x.search(&Value::Null).expect("evaluates");
                }
            }
        }
        // Results cannot be made arbitrarily deep either.
        let expr = format!("@{}", ".[@]".repeat(5_000));
        assert_eq!(
            Expression::compile(&expr)
                .expect_err("too many wraps")
                .kind(),
            ErrorKind::TooDeep
        );
        // The deepest accepted expressions evaluate on a small stack.
        let ok = format!("{}@{}", "[".repeat(200), "]".repeat(200));
        let v = Expression::compile(&ok)
            .expect("parses")
            .search(&Value::Int(1));
        assert!(v.is_ok());
        let ok = format!("{}@", "!".repeat(250));
        assert!(
            Expression::compile(&ok)
                .expect("parses")
                .search(&Value::Null)
                .is_ok()
        );
    });
}

/// A caller identity, as `sts get-caller-identity` queries it.
const IDENTITY: &str = r#"{"UserId": "AIDAEXAMPLE", "Account": "123456789012",
    "Arn": "arn:aws:iam::123456789012:user/alice"}"#;

/// `[@,@]` piped into itself `levels` times: each level doubles the result's logical size.
fn doubling(levels: usize) -> String {
    format!("[@,@]{}", "|[@,@]".repeat(levels - 1))
}

/// Evaluates `expr` on `data` on its own thread, failing if it takes more than `seconds` (the
/// thread is left behind): the compact JSON of the result, or the error's kind and message.
fn search_within_seconds(
    seconds: u64,
    expr: String,
    data: &'static str,
) -> Result<String, (String, String)> {
    let (tx, rx) = std::sync::mpsc::channel();
    let e = expr.clone();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let got = search(&e, data)
                .map(|v| compact(&v))
                .map_err(|e| (e.kind().name().to_owned(), e.to_string()));
            let _ = tx.send(got);
        })
        .expect("spawn");
    rx.recv_timeout(std::time::Duration::from_secs(seconds))
        .unwrap_or_else(|_| panic!("{expr:.80} ran for more than {seconds} s"))
}

/// Issue 16 (Low 7): `[@,@]`-style queries copied their input at every `@`, so a 132-character
/// query took gigabytes and minutes. Values are shared now: the results build at once, and
/// what reads them whole (here `length`, indexing) reads only the part it needs.
#[test]
fn doubling_queries_share_instead_of_copying() {
    let issue = format!("{} ", doubling(22));
    assert_eq!(issue.len(), 132);
    for (expr, want) in [
        (format!("{issue}| length(@)"), "2".to_owned()),
        (format!("{}| length(@)", doubling(40)), "2".to_owned()),
        (
            format!("{issue}| {}.Account", "[1]".repeat(22)),
            "\"123456789012\"".to_owned(),
        ),
        (
            format!("{}| {}.Arn", doubling(64), "[0][1]".repeat(32)),
            "\"arn:aws:iam::123456789012:user/alice\"".to_owned(),
        ),
        // Equal at once: both sides are the same shared value.
        (format!("{issue}| @ == @"), "true".to_owned()),
    ] {
        assert_eq!(
            search_within_seconds(10, expr.clone(), IDENTITY),
            Ok(want),
            "{expr:.80}"
        );
    }
}

/// What must read a shared value whole (`to_string`, `==` on two copies, sorting, flattening,
/// an error message quoting it) stops with a clear error past the evaluation's budget instead.
#[test]
fn walking_a_huge_shared_value_stops_with_a_clear_error() {
    let issue = doubling(22);
    let huge = doubling(40);
    // 4096 copies of a value of 4096 identities (about 400 KB as JSON).
    let copies = format!("{} | {} {}", doubling(12), doubling(12), "[]".repeat(11));
    // 4096 strings, two different ones of 400 KB that differ only at their end.
    let long = |n: u8| format!("to_string([{}, `{n}`])", doubling(12));
    let strings = format!(
        "[{}, {}] | {} {}",
        long(1),
        long(2),
        doubling(11),
        "[]".repeat(11)
    );
    for expr in [
        format!("to_string({huge})"),
        format!("length(to_string({issue}))"),
        format!("({huge}) == ({huge})"),
        format!("contains([{huge}], {huge})"),
        format!("abs({huge})"),
        format!("{huge}{}", "[]".repeat(40)),
        format!("{copies} | [*].to_string(@)"),
        format!("{strings} | sort(@)"),
        format!("{strings} | sort_by(@, &@)"),
        format!("{strings} | max_by(@, &@)"),
        format!("{strings} | max(@)"),
        format!("{strings} | join(',', @)"),
        format!("{strings} | [*].length(@)"),
    ] {
        let got = search_within_seconds(10, expr.clone(), IDENTITY);
        let Err((kind, message)) = got else {
            panic!("{expr:.80}: want an error, got {:.80?}", got)
        };
        assert_eq!(kind, "too-much-work", "{expr:.80}: {message}");
        assert!(
            message.starts_with("The --query expression does too much work: ")
                || message.starts_with("The --query expression builds too much: "),
            "{expr:.80}: {message}"
        );
    }
}

/// The limits are the caller's: within them an expression evaluates as before; one step or
/// byte past them, it stops with the limit in the message.
#[test]
fn an_evaluation_stays_within_its_limits() {
    use jmespath::budget::Limits;
    let data = doc(r#"{"a": [1, 2, 3, 4, 5, 6, 7, 8], "s": "abcdefghij"}"#);
    let run = |expr: &str, steps: u64, bytes: u64| {
        Expression::compile(expr)
            .expect("parses")
            .search_within(&data, Limits { steps, bytes })
            .map(|v| compact(&v))
            .map_err(|e| (e.kind(), e.to_string()))
    };
    let steps = |n: u64| {
        Err((
            ErrorKind::TooMuchWork,
            format!("The --query expression does too much work: it needs more than {n} steps"),
        ))
    };
    // Three nodes, and a search through two members that compares one key; then a projection
    // that charges its eight elements and evaluates a node for each.
    assert_eq!(run("a[0]", 6, 0), Ok("1".into()));
    assert_eq!(run("a[0]", 5, 0), steps(5));
    assert_eq!(run("a[*]", 21, 1 << 10), Ok("[1,2,3,4,5,6,7,8]".into()));
    assert_eq!(run("a[*]", 20, 1 << 10), steps(20));
    // Building: eight slots of an array, then a string of 17 bytes.
    let slot = std::mem::size_of::<Value>() as u64;
    assert_eq!(run("a[*]", 100, 8 * slot), Ok("[1,2,3,4,5,6,7,8]".into()));
    assert_eq!(
        run("a[*]", 100, 8 * slot - 1),
        Err((
            ErrorKind::TooMuchWork,
            format!(
                "The --query expression builds too much: its values need more than {} bytes",
                8 * slot - 1
            )
        ))
    );
    assert_eq!(
        run("to_string(a)", 100, 64),
        Ok("\"[1,2,3,4,5,6,7,8]\"".into())
    );
    assert!(run("to_string(a)", 100, 16).is_err());
    // The defaults leave room for anything a response needs.
    assert_eq!(
        run("length(join('', a[*].to_string(@)))", 10_000_000, 64 << 20),
        Ok("8".into())
    );
}

/// Characters and words expressions are made of, weighted towards the interesting ones.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a",
        "b",
        "foo",
        "\"q\"",
        "@",
        ".",
        "*",
        "[",
        "]",
        "[]",
        "[?",
        "(",
        ")",
        "{",
        "}",
        ",",
        ":",
        "|",
        "||",
        "&&",
        "&",
        "!",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "0",
        "-1",
        "2",
        "`1`",
        "`[1,2]`",
        "`{\"a\":1}`",
        "'x'",
        "`",
        "'",
        "\\",
        "length(",
        "sort_by(",
        "max_by(",
        "sum(",
        "to_string(",
        "merge(",
        "not_null(",
        "map(",
        "abs(",
        " ",
        "é",
        "=",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No expression panics, at compile or evaluation time, and every error has a message.
    #[test]
    fn never_panics(tokens in prop::collection::vec(token(), 0..24)) {
        let expr: String = tokens.concat();
        let data = doc(r#"{"a": [1, 2, {"a": 3}], "b": {"a": "x"}, "foo": [[1], [2, [3]]]}"#);
        match Expression::compile(&expr) {
            Ok(x) => {
                if let Err(e) = x.search(&data) {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Arbitrary text never panics either.
    #[test]
    fn arbitrary_text_never_panics(expr in ".{0,40}") {
        if let Ok(x) = Expression::compile(&expr) {
            let _ = x.search(&Value::Null);
        }
    }
}
