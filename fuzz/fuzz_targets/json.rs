//! The JSON reader: `json::parse` never panics; a parsed value written back out parses to the same
//! value; `parse(escape(s))` gives back `s`; it accepts exactly what serde_json accepts (modulo the
//! documented nesting limit and serde_json's number range); `parse_process_output` never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts_blocking::__private::credentials::process::parse_process_output;
use sts_blocking::json::{self, JsonErrorKind, Value};

/// Writes a value back as JSON text, strings through `json::escape`.
fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => out.push_str(&json::escape(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(it, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, it)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json::escape(k));
                out.push(':');
                write(it, out);
            }
            out.push('}');
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_process_output("fuzz", data, Some("123456789012"));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // escape/parse round trip on the raw text as a string.
    let escaped = json::escape(text);
    assert_eq!(
        json::parse(&escaped).expect("escape gives a JSON string"),
        Value::String(text.to_owned())
    );

    let ours = json::parse(text);
    match &ours {
        Ok(v) => {
            let mut out = String::new();
            write(v, &mut out);
            assert_eq!(&json::parse(&out).expect("written JSON parses"), v);
            let _ = (v.as_f64(), v.as_i64(), v.kind());
        }
        Err(e) => {
            assert!(e.offset <= text.len(), "error offset inside the input");
            let _ = e.to_string();
        }
    }

    // Differential: the same documents are valid JSON for serde_json.
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (&ours, &theirs) {
        (Ok(_), Ok(_)) => {}
        (Err(e), Ok(_)) => assert_eq!(
            e.kind,
            JsonErrorKind::TooDeep,
            "we reject what serde_json accepts: {text:?}: {e}"
        ),
        (Ok(_), Err(e)) => {
            let m = e.to_string();
            assert!(
                m.contains("recursion limit") || m.contains("number out of range"),
                "we accept what serde_json rejects ({m}): {text:?}"
            );
        }
        (Err(_), Err(_)) => {}
    }
});
