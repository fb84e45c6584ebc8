//! JMESPath for `--query`, written by hand to behave as `jmespath.py` (the implementation the AWS
//! CLI uses): the same grammar quirks, Python's number and comparison semantics, the same
//! functions, and the same error texts (`Bad value for --query ...` quotes them).
//!
//! [`Expression::compile`] parses (syntax errors are found here, as `jmespath.compile` finds
//! them); [`Expression::search`] evaluates (unknown functions, arity and type errors are found
//! here, as in Python). Nesting is capped ([`parser::MAX_DEPTH`]) with a typed error instead of
//! a stack overflow, and so is the work and memory of one evaluation ([`budget`]).
//!
//! Modules: [`value`] (the data model and Python's semantics on it), [`lexer`], [`parser`],
//! [`eval`], [`functions`] and [`budget`].

pub mod budget;
pub mod eval;
pub mod functions;
pub mod lexer;
pub mod parser;
pub mod value;

pub use value::Value;

use std::fmt;

/// What went wrong, as the JMESPath compliance suite names the error kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The expression does not parse (`syntax`).
    Syntax,
    /// A function got a value of the wrong type, or values that do not compare (`invalid-type`).
    InvalidType,
    /// A value out of range, such as a zero slice step (`invalid-value`).
    InvalidValue,
    /// A function got the wrong number of arguments (`invalid-arity`).
    InvalidArity,
    /// No function of that name (`unknown-function`).
    UnknownFunction,
    /// The expression (or a literal in it) nests deeper than this implementation allows.
    TooDeep,
    /// One evaluation does more work or builds more than [`budget::Limits`] allow.
    TooMuchWork,
}

impl ErrorKind {
    /// The compliance suite's name of the kind (`syntax`, `invalid-type`, ...).
    #[allow(dead_code)] // Used by tests/jmespath.rs (the compliance suite).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::InvalidType => "invalid-type",
            ErrorKind::InvalidValue => "invalid-value",
            ErrorKind::InvalidArity => "invalid-arity",
            ErrorKind::UnknownFunction => "unknown-function",
            ErrorKind::TooDeep => "too-deep",
            ErrorKind::TooMuchWork => "too-much-work",
        }
    }
}

/// A JMESPath error: its kind and `jmespath.py`'s message (`str(exception)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: String) -> Error {
        Error { kind, message }
    }

    /// The kind.
    #[allow(dead_code)] // Used by tests/jmespath.rs (the compliance suite).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A compiled expression.
#[derive(Debug)]
pub struct Expression {
    root: parser::Node,
}

impl Expression {
    /// Parses an expression.
    pub fn compile(text: &str) -> Result<Expression, Error> {
        Ok(Expression {
            root: parser::parse(text)?,
        })
    }

    /// Evaluates the expression against `data`, within [`budget::Limits::DEFAULT`].
    pub fn search(&self, data: &Value) -> Result<Value, Error> {
        self.search_within(data, budget::Limits::DEFAULT)
    }

    /// Evaluates the expression against `data`, within `limits`.
    pub fn search_within(&self, data: &Value, limits: budget::Limits) -> Result<Value, Error> {
        eval::eval(&self.root, data, &budget::Budget::new(limits))
    }
}
