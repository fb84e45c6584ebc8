//! The tokenizer, as `jmespath.py`'s `Lexer`: the same tokens, the same positions (in
//! characters), the same error messages.

use super::value::Value;
use super::{Error, ErrorKind};

/// A token type; [`Kind::name`] is `jmespath.py`'s name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.`
    Dot,
    /// `*`
    Star,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `@`
    Current,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `foo`
    UnquotedIdentifier,
    /// `"foo"`
    QuotedIdentifier,
    /// `[]`
    Flatten,
    /// `[?`
    Filter,
    /// `[`
    LBracket,
    /// `` `json` `` or `'raw'`
    Literal,
    /// `||`
    Or,
    /// `|`
    Pipe,
    /// `&&`
    And,
    /// `&`
    Expref,
    /// `-12`
    Number,
    /// `==`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `!=`
    Ne,
    /// `!`
    Not,
    /// The end of the expression.
    Eof,
}

impl Kind {
    /// `jmespath.py`'s name of the token type.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dot => "dot",
            Kind::Star => "star",
            Kind::RBracket => "rbracket",
            Kind::Comma => "comma",
            Kind::Colon => "colon",
            Kind::Current => "current",
            Kind::LParen => "lparen",
            Kind::RParen => "rparen",
            Kind::LBrace => "lbrace",
            Kind::RBrace => "rbrace",
            Kind::UnquotedIdentifier => "unquoted_identifier",
            Kind::QuotedIdentifier => "quoted_identifier",
            Kind::Flatten => "flatten",
            Kind::Filter => "filter",
            Kind::LBracket => "lbracket",
            Kind::Literal => "literal",
            Kind::Or => "or",
            Kind::Pipe => "pipe",
            Kind::And => "and",
            Kind::Expref => "expref",
            Kind::Number => "number",
            Kind::Eq => "eq",
            Kind::Lt => "lt",
            Kind::Lte => "lte",
            Kind::Gt => "gt",
            Kind::Gte => "gte",
            Kind::Ne => "ne",
            Kind::Not => "not",
            Kind::Eof => "eof",
        }
    }

    /// The binding power (`Parser.BINDING_POWER`).
    pub fn binding_power(self) -> u8 {
        match self {
            Kind::Pipe => 1,
            Kind::Or => 2,
            Kind::And => 3,
            Kind::Eq | Kind::Gt | Kind::Lt | Kind::Gte | Kind::Lte | Kind::Ne => 5,
            Kind::Flatten => 9,
            Kind::Star => 20,
            Kind::Filter => 21,
            Kind::Dot => 40,
            Kind::Not => 45,
            Kind::LBrace => 50,
            Kind::LBracket => 55,
            Kind::LParen => 60,
            _ => 0,
        }
    }
}

/// A token: its type, where it starts (in characters) and its value (the text for punctuation
/// and identifiers, the integer for numbers, the parsed value for literals).
#[derive(Debug, Clone)]
pub struct Token {
    /// The type.
    pub kind: Kind,
    /// The value, as `jmespath.py` keeps it.
    pub value: Value,
    /// The character offset where the token starts.
    pub start: usize,
}

/// Splits an expression into tokens, ending with [`Kind::Eof`].
pub fn tokenize(expression: &str) -> Result<Vec<Token>, Error> {
    if expression.is_empty() {
        return Err(Error::new(
            ErrorKind::Syntax,
            "Invalid JMESPath expression: cannot be empty.".into(),
        ));
    }
    let mut lx = Lexer {
        chars: expression.chars().collect(),
        pos: 0,
        expression,
    };
    let mut tokens = Vec::new();
    while let Some(c) = lx.current() {
        let start = lx.pos;
        let simple = match c {
            '.' => Some(Kind::Dot),
            '*' => Some(Kind::Star),
            ']' => Some(Kind::RBracket),
            ',' => Some(Kind::Comma),
            ':' => Some(Kind::Colon),
            '@' => Some(Kind::Current),
            '(' => Some(Kind::LParen),
            ')' => Some(Kind::RParen),
            '{' => Some(Kind::LBrace),
            '}' => Some(Kind::RBrace),
            _ => None,
        };
        if let Some(kind) = simple {
            lx.pos += 1;
            tokens.push(tok(kind, c.to_string(), start));
            continue;
        }
        let token = match c {
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut buf = String::new();
                while let Some(c) = lx
                    .current()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    buf.push(c);
                    lx.pos += 1;
                }
                tok(Kind::UnquotedIdentifier, buf, start)
            }
            ' ' | '\t' | '\n' | '\r' => {
                lx.pos += 1;
                continue;
            }
            '[' => {
                lx.pos += 1;
                match lx.current() {
                    Some(']') => {
                        lx.pos += 1;
                        tok(Kind::Flatten, "[]".into(), start)
                    }
                    Some('?') => {
                        lx.pos += 1;
                        tok(Kind::Filter, "[?".into(), start)
                    }
                    _ => tok(Kind::LBracket, "[".into(), start),
                }
            }
            '\'' => {
                let raw = lx.consume_until('\'')?.replace("\\'", "'");
                Token {
                    kind: Kind::Literal,
                    value: Value::str(&raw),
                    start,
                }
            }
            '|' => lx.match_or_else('|', Kind::Or, Kind::Pipe),
            '&' => lx.match_or_else('&', Kind::And, Kind::Expref),
            '`' => lx.literal()?,
            '0'..='9' | '-' => {
                let mut buf = String::from(c);
                lx.pos += 1;
                while let Some(d) = lx.current().filter(char::is_ascii_digit) {
                    buf.push(d);
                    lx.pos += 1;
                }
                if buf == "-" {
                    return Err(lx.error(start, "Unknown token '-'"));
                }
                // Python keeps any integer; beyond i64 an index or slice bound saturates, which
                // selects the same elements.
                let n = buf
                    .parse::<i64>()
                    .unwrap_or(if c == '-' { i64::MIN } else { i64::MAX });
                Token {
                    kind: Kind::Number,
                    value: Value::Int(n),
                    start,
                }
            }
            '"' => lx.quoted_identifier()?,
            '<' => lx.match_or_else('=', Kind::Lte, Kind::Lt),
            '>' => lx.match_or_else('=', Kind::Gte, Kind::Gt),
            '!' => lx.match_or_else('=', Kind::Ne, Kind::Not),
            '=' => {
                lx.pos += 1;
                if lx.current() == Some('=') {
                    lx.pos += 1;
                    tok(Kind::Eq, "==".into(), start)
                } else {
                    return Err(lx.error(start, "Unknown token '='"));
                }
            }
            other => return Err(lx.error(start, &format!("Unknown token {other}"))),
        };
        tokens.push(token);
    }
    tokens.push(tok(Kind::Eof, String::new(), lx.chars.len()));
    Ok(tokens)
}

fn tok(kind: Kind, text: String, start: usize) -> Token {
    Token {
        kind,
        value: Value::str(&text),
        start,
    }
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    expression: &'a str,
}

impl Lexer<'_> {
    fn current(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// A `LexerError`: `Bad jmespath expression: MESSAGE:` then the expression and a caret.
    fn error(&self, position: usize, message: &str) -> Error {
        Error::new(
            ErrorKind::Syntax,
            format!(
                "Bad jmespath expression: {message}:\n{}\n{}^",
                self.expression,
                " ".repeat(position)
            ),
        )
    }

    /// The text up to an unescaped `delimiter` (the current character opens it); a backslash
    /// keeps itself and the character after it.
    fn consume_until(&mut self, delimiter: char) -> Result<String, Error> {
        let start = self.pos;
        let mut buf = String::new();
        self.pos += 1;
        loop {
            let mut c = self.current();
            if c == Some(delimiter) {
                break;
            }
            if c == Some('\\') {
                buf.push('\\');
                self.pos += 1;
                c = self.current();
            }
            let Some(c) = c else {
                return Err(self.error(start, &format!("Unclosed {delimiter} delimiter")));
            };
            buf.push(c);
            self.pos += 1;
        }
        self.pos += 1;
        Ok(buf)
    }

    fn literal(&mut self) -> Result<Token, Error> {
        let start = self.pos;
        let lexeme = self.consume_until('`')?.replace("\\`", "`");
        let value = match Value::from_json_text(&lexeme) {
            Ok(v) => v,
            Err(e) if e.kind == sts_blocking::json::JsonErrorKind::TooDeep => {
                return Err(Error::new(
                    ErrorKind::TooDeep,
                    format!(
                        "JSON literal nested deeper than {} levels",
                        super::value::MAX_JSON_DEPTH
                    ),
                ));
            }
            // JEP-12: text that is not JSON is read as the body of a JSON string.
            Err(_) => {
                let body = lexeme.trim_start_matches(|c: char| {
                    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
                });
                let quoted = format!("\"{body}\"");
                Value::from_json_text(&quoted)
                    .map_err(|_| self.error(start, &format!("Bad token {lexeme}")))?
            }
        };
        Ok(Token {
            kind: Kind::Literal,
            value,
            start,
        })
    }

    fn quoted_identifier(&mut self) -> Result<Token, Error> {
        use sts_blocking::json::JsonErrorKind as K;
        let start = self.pos;
        let lexeme = format!("\"{}\"", self.consume_until('"')?);
        match sts_blocking::json::parse(&lexeme) {
            Ok(sts_blocking::json::Value::String(s)) => Ok(Token {
                kind: Kind::QuotedIdentifier,
                value: Value::str(&s),
                start,
            }),
            other => {
                // Python's `json` messages, up to their first colon.
                let message = match other {
                    Err(e) if e.kind == K::ControlCharacter => "Invalid control character at",
                    Err(e) if e.kind == K::InvalidEscape => {
                        if lexeme.contains("\\u") {
                            "Invalid \\uXXXX escape"
                        } else {
                            "Invalid \\escape"
                        }
                    }
                    _ => "Extra data",
                };
                Err(self.error(start, message))
            }
        }
    }

    fn match_or_else(&mut self, expected: char, matched: Kind, otherwise: Kind) -> Token {
        let start = self.pos;
        let first = self.chars[self.pos];
        self.pos += 1;
        if self.current() == Some(expected) {
            self.pos += 1;
            tok(matched, format!("{first}{expected}"), start)
        } else {
            tok(otherwise, first.to_string(), start)
        }
    }
}
