//! `--output yaml` and `yaml-stream`, byte for byte as the AWS CLI v2 writes them: its
//! `YAMLDumper` (`formatter.py`) prints a scalar result as one line of JSON, and anything else
//! with ruamel.yaml (`typ='safe'`, block style), whose representer sorts mapping keys and
//! decides which strings need quotes (those that would read back as another type under YAML
//! 1.2), and whose emitter is libyaml's (`ruamel.yaml.clib`): plain, single- or double-quoted
//! scalars chosen by libyaml's analysis, lines folded after 80 columns, two-space indents,
//! `[]` and `{}` for empty collections.

use super::{RenderError, json_string, unrepresentable};
use crate::jmespath::Value as Data;
use crate::jmespath::value::float_repr;
use std::rc::Rc;

/// libyaml's default line width and indent.
const BEST_WIDTH: usize = 80;
const BEST_INDENT: i64 = 2;

/// Writes `value` as the AWS CLI's `YAMLDumper.dump` does.
pub fn dump(out: &mut String, value: &Data) -> Result<(), RenderError> {
    match value {
        Data::Array(_) | Data::Object(_) => {
            let mut e = Emitter::new(out);
            e.emit_node(value, Context::Root)?;
            // DocumentEnd (implicit): end the last line.
            e.write_indent();
            Ok(())
        }
        // `json.dump(value, ensure_ascii=False)` for scalars.
        Data::Null => line(out, "null"),
        Data::Bool(b) => line(out, if *b { "true" } else { "false" }),
        Data::Int(i) => line(out, &i.to_string()),
        Data::Float(f) => line(out, &crate::jmespath::value::json_float(*f)),
        Data::Str(s) => {
            json_string(out, s);
            out.push('\n');
            Ok(())
        }
        Data::Expref(_) => Err(unrepresentable()),
    }
}

fn line(out: &mut String, s: &str) -> Result<(), RenderError> {
    out.push_str(s);
    out.push('\n');
    Ok(())
}

/// Where a node appears (libyaml's root/sequence/mapping/simple-key contexts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    Sequence,
    Mapping,
    SimpleKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// libyaml's `yaml_emitter_analyze_scalar` results.
#[derive(Debug, Default)]
struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single_quoted: bool,
}

/// The parts of libyaml's emitter state that block output needs.
struct Emitter<'a> {
    out: &'a mut String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flow_level: usize,
    mapping_context: bool,
    simple_key_context: bool,
}

impl<'a> Emitter<'a> {
    fn new(out: &'a mut String) -> Self {
        Emitter {
            out,
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    /// `WRITE_BREAK`: a line break character starts a new line.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.write_str(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn emit_node(&mut self, v: &Data, ctx: Context) -> Result<(), RenderError> {
        self.mapping_context = ctx == Context::Mapping || ctx == Context::SimpleKey;
        self.simple_key_context = ctx == Context::SimpleKey;
        match v {
            Data::Array(items) if items.is_empty() || self.flow_level > 0 => {
                self.empty_flow("[", "]");
                Ok(())
            }
            Data::Object(m) if m.is_empty() || self.flow_level > 0 => {
                self.empty_flow("{", "}");
                Ok(())
            }
            Data::Array(items) => self.block_sequence(items),
            Data::Object(m) => self.block_mapping(m),
            Data::Expref(_) => Err(unrepresentable()),
            scalar => {
                let (text, is_str) = represent(scalar);
                self.emit_scalar(&text, is_str);
                Ok(())
            }
        }
    }

    /// An empty collection in flow style (the only flow collections block output has).
    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &[Data]) -> Result<(), RenderError> {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, Context::Sequence)?;
        }
        self.pop_indent();
        Ok(())
    }

    fn block_mapping(&mut self, members: &[(Rc<str>, Data)]) -> Result<(), RenderError> {
        self.increase_indent(false, false);
        // SafeRepresenter sorts a dict's items.
        for (key, value) in super::by_key(members) {
            self.write_indent();
            let analysis = analyze(key);
            // yaml_emitter_check_simple_key: one line, at most 128 bytes.
            if !analysis.multiline && key.len() <= 128 {
                self.emit_node(&Data::Str(key.clone()), Context::SimpleKey)?;
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(&Data::Str(key.clone()), Context::Mapping)?;
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, Context::Mapping)?;
        }
        self.pop_indent();
        Ok(())
    }

    fn emit_scalar(&mut self, text: &str, is_str: bool) {
        let a = analyze(text);
        // A string that would resolve to another type (`true`, `1`, `null`, a date...) cannot
        // be plain; other types are written as their own plain text.
        let plain_implicit = !is_str || !resolves_to_other_type(text);
        let mut style = Style::Plain;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            let plain_ok = if self.flow_level > 0 {
                a.flow_plain
            } else {
                a.block_plain
            };
            if !plain_ok
                || (text.is_empty() && (self.flow_level > 0 || self.simple_key_context))
                || !plain_implicit
            {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::Single => self.write_single_quoted(text, allow_breaks),
            Style::Double => self.write_double_quoted(text, allow_breaks),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace && (!text.is_empty() || self.flow_level > 0) {
            self.put(' ');
        }
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != last
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let n = u32::from(c);
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ if n <= 0xff => self.write_str(&format!("x{n:02X}")),
                    _ if n <= 0xffff => self.write_str(&format!("u{n:04X}")),
                    _ => self.write_str(&format!("U{n:08X}")),
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }
}

/// The representer: a scalar's text, and whether it is a string (other types resolve to
/// themselves and are always plain).
fn represent(v: &Data) -> (String, bool) {
    match v {
        Data::Null => ("null".into(), false),
        Data::Bool(b) => ((if *b { "true" } else { "false" }).into(), false),
        Data::Int(i) => (i.to_string(), false),
        Data::Float(f) => {
            let text = if f.is_nan() {
                ".nan".into()
            } else if f.is_infinite() {
                (if *f > 0.0 { ".inf" } else { "-.inf" }).into()
            } else {
                float_repr(*f).to_lowercase()
            };
            (text, false)
        }
        Data::Str(s) => (s.to_string(), true),
        _ => (String::new(), true),
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `IS_PRINTABLE` (no characters outside the Basic Multilingual Plane).
fn printable(c: char) -> bool {
    let n = u32::from(c);
    n == 0x0a
        || (0x20..=0x7e).contains(&n)
        || (0xa0..=0xd7ff).contains(&n)
        || ((0xe000..=0xfffd).contains(&n) && n != 0xfeff)
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

/// `yaml_emitter_analyze_scalar`.
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single_quoted: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut block_indicators, mut flow_indicators) = (false, false);
    if text.starts_with("---") || text.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = is_blankz(chars.get(i + 1).copied());
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_indicators = true;
                block_indicators = true;
            }
            if c == '?' || c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '-' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_indicators = true;
            }
            if c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '#' && preceded_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        if !printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(c));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if break_space || space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_indicators {
        a.flow_plain = false;
    }
    if block_indicators {
        a.block_plain = false;
    }
    a
}

/// Whether ruamel.yaml's YAML 1.2 implicit resolvers read `text` as something other than a
/// string (bool, int, float, null, timestamp, merge `<<`, value `=`), in which case a string
/// with that text must be quoted. As Python's `re.match` with `$`, a final newline is allowed.
fn resolves_to_other_type(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        // The null resolver matches the empty string.
        return true;
    };
    let body = text.strip_suffix('\n');
    let any = |f: fn(&[u8]) -> bool| f(text.as_bytes()) || body.is_some_and(|b| f(b.as_bytes()));
    match first {
        't' | 'T' | 'f' | 'F' => any(is_bool),
        '~' | 'n' | 'N' => any(is_null),
        '<' => any(|s| s == b"<<"),
        '=' => any(|s| s == b"="),
        '-' | '+' | '.' | '0'..='9' => {
            any(is_float) || any(is_int) || (first.is_ascii_digit() && any(is_timestamp))
        }
        _ => false,
    }
}

fn is_bool(s: &[u8]) -> bool {
    matches!(
        s,
        b"true" | b"True" | b"TRUE" | b"false" | b"False" | b"FALSE"
    )
}

fn is_null(s: &[u8]) -> bool {
    matches!(s, b"~" | b"null" | b"Null" | b"NULL" | b"")
}

/// `[0-9_]*` etc.: how many bytes from `i` are in `set`.
fn span(s: &[u8], i: usize, set: fn(u8) -> bool) -> usize {
    s.get(i..)
        .map_or(0, |rest| rest.iter().take_while(|b| set(**b)).count())
}

fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}

fn digit_(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

fn sign(s: &[u8], i: usize) -> usize {
    usize::from(matches!(s.get(i), Some(b'-' | b'+')))
}

/// `[eE][-+]?[0-9]+` (sign required when `need_sign`) ending exactly at the end.
fn exponent_to_end(s: &[u8], mut i: usize, need_sign: bool) -> bool {
    if !matches!(s.get(i), Some(b'e' | b'E')) {
        return false;
    }
    i += 1;
    let sg = sign(s, i);
    if need_sign && sg == 0 {
        return false;
    }
    i += sg;
    let d = span(s, i, digit);
    d > 0 && i + d == s.len()
}

/// The YAML 1.2 float resolver.
fn is_float(s: &[u8]) -> bool {
    let i = sign(s, 0);
    // [-+]?\.(inf|Inf|INF)
    if matches!(s.get(i..), Some(b".inf" | b".Inf" | b".INF")) {
        return true;
    }
    if matches!(s, b".nan" | b".NaN" | b".NAN") {
        return true;
    }
    if s.get(i) == Some(&b'.') {
        // [-+]?\.[0-9_]+([eE][-+][0-9]+)?
        let d = span(s, i + 1, digit_);
        if d == 0 {
            return false;
        }
        let j = i + 1 + d;
        return j == s.len() || exponent_to_end(s, j, true);
    }
    // [-+]?[0-9][0-9_]* then either \.[0-9_]*([eE][-+]?[0-9]+)? or [eE][-+]?[0-9]+
    if !s.get(i).is_some_and(|b| b.is_ascii_digit()) {
        return false;
    }
    let j = i + 1 + span(s, i + 1, digit_);
    if s.get(j) == Some(&b'.') {
        let k = j + 1 + span(s, j + 1, digit_);
        return k == s.len() || exponent_to_end(s, k, false);
    }
    exponent_to_end(s, j, false)
}

/// The YAML 1.2 int resolver.
fn is_int(s: &[u8]) -> bool {
    let i = sign(s, 0);
    let all =
        |from: usize, set: fn(u8) -> bool| from < s.len() && span(s, from, set) == s.len() - from;
    if s.get(i..i + 2) == Some(b"0b") && all(i + 2, |b| b == b'0' || b == b'1' || b == b'_') {
        return true;
    }
    if s.get(i..i + 2) == Some(b"0x") && all(i + 2, |b| b.is_ascii_hexdigit() || b == b'_') {
        return true;
    }
    let octal = |b: u8| (b'0'..=b'7').contains(&b) || b == b'_';
    if s.get(i) == Some(&b'0') {
        let from = if s.get(i + 1) == Some(&b'o') {
            i + 2
        } else {
            i + 1
        };
        if all(from, octal) {
            return true;
        }
    }
    all(i, digit_)
}

/// The timestamp resolver: `YYYY-MM-DD`, or a date and time.
fn is_timestamp(s: &[u8]) -> bool {
    let d = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    if s.len() == 10
        && (0..4).all(d)
        && s[4] == b'-'
        && d(5)
        && d(6)
        && s[7] == b'-'
        && d(8)
        && d(9)
    {
        return true;
    }
    // [0-9]{4}-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](\.[0-9]*)?
    // ([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?
    let mut i = 0;
    let digits = |i: &mut usize, min: usize, max: usize| -> bool {
        let n = span(s, *i, digit).min(max);
        *i += n;
        n >= min
    };
    let lit = |i: &mut usize, c: u8| -> bool {
        if s.get(*i) == Some(&c) {
            *i += 1;
            true
        } else {
            false
        }
    };
    if !(digits(&mut i, 4, 4) && lit(&mut i, b'-') && digits(&mut i, 1, 2) && lit(&mut i, b'-')) {
        return false;
    }
    if !digits(&mut i, 1, 2) {
        return false;
    }
    if matches!(s.get(i), Some(b'T' | b't')) {
        i += 1;
    } else {
        let n = span(s, i, |b| b == b' ' || b == b'\t');
        if n == 0 {
            return false;
        }
        i += n;
    }
    if !(digits(&mut i, 1, 2)
        && lit(&mut i, b':')
        && digits(&mut i, 2, 2)
        && lit(&mut i, b':')
        && digits(&mut i, 2, 2))
    {
        return false;
    }
    if lit(&mut i, b'.') {
        i += span(s, i, digit);
    }
    if i == s.len() {
        return true;
    }
    i += span(s, i, |b| b == b' ' || b == b'\t');
    if lit(&mut i, b'Z') {
        return i == s.len();
    }
    if !matches!(s.get(i), Some(b'-' | b'+')) {
        return false;
    }
    i += 1;
    if !digits(&mut i, 1, 2) {
        return false;
    }
    if i == s.len() {
        return true;
    }
    lit(&mut i, b':') && digits(&mut i, 2, 2) && i == s.len()
}
