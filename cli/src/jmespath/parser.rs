//! The parser: a Pratt parser that follows `jmespath.py`'s `Parser` token for token, so that
//! the same expressions are accepted, they mean the same, and a bad one gets the same message.
//!
//! Two limits keep evaluation and rendering off the edge of the stack, with a typed error
//! ([`ErrorKind::TooDeep`]): the tree is at most [`MAX_DEPTH`] nodes deep, and at most
//! [`MAX_WRAPS`] nodes may wrap a value in a new array or object (so no result is more than that
//! many levels deeper than its input).

use super::lexer::{Kind, Token, tokenize};
use super::value::Value;
use super::{Error, ErrorKind};
use std::rc::Rc;

/// The deepest syntax tree (and parser recursion) accepted. `jmespath.py` itself stops at
/// Python's recursion limit, about as deep.
pub const MAX_DEPTH: usize = 256;

/// The most nodes that can add a level of nesting to a result (projections, multi-selects,
/// function calls, plus the depth of each JSON literal).
pub const MAX_WRAPS: usize = 512;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

/// A node of the syntax tree (`jmespath.ast`), with its depth.
#[derive(Debug)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// 1 for a leaf, else one more than the deepest child.
    pub depth: usize,
}

/// The node types of `jmespath.ast`.
#[derive(Debug)]
pub enum NodeKind {
    /// `foo`
    Field(String),
    /// `a.b.c` (a flat list, as `jmespath.py` builds it).
    Subexpression(Vec<Node>),
    /// `a[0][1]`
    IndexExpression(Vec<Node>),
    /// `[0]`
    Index(i64),
    /// `[start:stop:step]`
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// The value itself (implicit).
    Identity,
    /// `@`
    Current,
    /// A JSON or raw string literal.
    Literal(Value),
    /// A list projection: the left side, then the right side on each element.
    Projection(Box<Node>, Box<Node>),
    /// `*`: an object's values, then the right side on each.
    ValueProjection(Box<Node>, Box<Node>),
    /// `[?cond]`: left side, right side, condition.
    FilterProjection(Box<Node>, Box<Node>, Box<Node>),
    /// `[]`
    Flatten(Box<Node>),
    /// `[a, b]`
    MultiSelectList(Vec<Node>),
    /// `{k: a, ...}`
    MultiSelectDict(Vec<(Rc<str>, Node)>),
    /// `a || b`
    Or(Box<Node>, Box<Node>),
    /// `a && b`
    And(Box<Node>, Box<Node>),
    /// `!a`
    Not(Box<Node>),
    /// `a | b`
    Pipe(Box<Node>, Box<Node>),
    /// `a < b` etc.
    Comparator(Cmp, Box<Node>, Box<Node>),
    /// `name(args...)`
    Function(String, Vec<Node>),
    /// `&expr`
    Expref(Rc<Node>),
}

impl Node {
    fn new(kind: NodeKind) -> Node {
        let children = match &kind {
            NodeKind::Subexpression(c)
            | NodeKind::IndexExpression(c)
            | NodeKind::MultiSelectList(c)
            | NodeKind::Function(_, c) => c.iter().map(|n| n.depth).max().unwrap_or(0),
            NodeKind::MultiSelectDict(pairs) => {
                pairs.iter().map(|(_, n)| n.depth).max().unwrap_or(0)
            }
            NodeKind::Projection(a, b)
            | NodeKind::ValueProjection(a, b)
            | NodeKind::Or(a, b)
            | NodeKind::And(a, b)
            | NodeKind::Pipe(a, b)
            | NodeKind::Comparator(_, a, b) => a.depth.max(b.depth),
            NodeKind::FilterProjection(a, b, c) => a.depth.max(b.depth).max(c.depth),
            NodeKind::Flatten(a) | NodeKind::Not(a) => a.depth,
            NodeKind::Expref(a) => a.depth,
            _ => 0,
        };
        Node {
            kind,
            depth: children + 1,
        }
    }

    /// How many levels this subtree can add to a value (see [`MAX_WRAPS`]).
    fn wraps(&self) -> usize {
        let own = match &self.kind {
            NodeKind::Projection(..)
            | NodeKind::ValueProjection(..)
            | NodeKind::FilterProjection(..)
            | NodeKind::MultiSelectList(_)
            | NodeKind::MultiSelectDict(_)
            | NodeKind::Function(..) => 1,
            NodeKind::Literal(v) => value_depth(v),
            _ => 0,
        };
        let children: usize = match &self.kind {
            NodeKind::Subexpression(c)
            | NodeKind::IndexExpression(c)
            | NodeKind::MultiSelectList(c)
            | NodeKind::Function(_, c) => c.iter().map(Node::wraps).sum(),
            NodeKind::MultiSelectDict(pairs) => pairs.iter().map(|(_, n)| n.wraps()).sum(),
            NodeKind::Projection(a, b)
            | NodeKind::ValueProjection(a, b)
            | NodeKind::Or(a, b)
            | NodeKind::And(a, b)
            | NodeKind::Pipe(a, b)
            | NodeKind::Comparator(_, a, b) => a.wraps() + b.wraps(),
            NodeKind::FilterProjection(a, b, c) => a.wraps() + b.wraps() + c.wraps(),
            NodeKind::Flatten(a) | NodeKind::Not(a) => a.wraps(),
            NodeKind::Expref(a) => a.wraps(),
            _ => 0,
        };
        own.saturating_add(children)
    }
}

/// The nesting depth of a literal (bounded by the JSON reader's limit).
fn value_depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.iter().map(|(_, v)| value_depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// Parses an expression into its tree.
pub fn parse(expression: &str) -> Result<Node, Error> {
    let tokens = tokenize(expression)?;
    let mut p = Parser {
        tokens,
        index: 0,
        nesting: 0,
        expression,
    };
    let node = p.expression(0)?;
    if p.current() != Kind::Eof {
        let t = p.token(0).clone();
        let msg = format!("Unexpected token: {}", t.value.py_str());
        return Err(p.parse_error(&t, &msg));
    }
    if node.wraps() > MAX_WRAPS {
        return Err(too_deep());
    }
    Ok(node)
}

fn too_deep() -> Error {
    Error::new(
        ErrorKind::TooDeep,
        format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
    )
}

struct Parser<'a> {
    tokens: Vec<Token>,
    index: usize,
    nesting: usize,
    expression: &'a str,
}

type Parsed = Result<Node, Error>;

fn node(kind: NodeKind) -> Parsed {
    let n = Node::new(kind);
    if n.depth > MAX_DEPTH {
        return Err(too_deep());
    }
    Ok(n)
}

fn identity() -> Node {
    Node::new(NodeKind::Identity)
}

impl Parser<'_> {
    fn token(&self, ahead: usize) -> &Token {
        // The token list ends with Eof and the parser never looks past it.
        let last = self.tokens.len() - 1;
        &self.tokens[(self.index + ahead).min(last)]
    }

    fn current(&self) -> Kind {
        self.token(0).kind
    }

    fn advance(&mut self) {
        if self.index + 1 < self.tokens.len() {
            self.index += 1;
        }
    }

    fn parse_error(&self, t: &Token, msg: &str) -> Error {
        Error::new(
            ErrorKind::Syntax,
            format!(
                "{msg}: Parse error at column {}, token \"{}\" ({}), for expression:\n\"{}\"\n{}^",
                t.start,
                t.value.py_str(),
                t.kind.name().to_uppercase(),
                self.expression,
                " ".repeat(t.start + 1)
            ),
        )
    }

    fn incomplete(&self) -> Error {
        Error::new(
            ErrorKind::Syntax,
            format!(
                "Invalid jmespath expression: Incomplete expression:\n\"{}\"\n{}^",
                self.expression,
                " ".repeat(self.expression.chars().count() + 1)
            ),
        )
    }

    fn error_for_current(&self, reason: &str) -> Error {
        self.parse_error(self.token(0), reason)
    }

    fn error_maybe_eof(&self, expected: &str) -> Error {
        let t = self.token(0);
        if t.kind == Kind::Eof {
            return self.incomplete();
        }
        self.parse_error(t, &format!("Expecting: {expected}, got: {}", t.kind.name()))
    }

    fn expect(&mut self, kind: Kind) -> Result<(), Error> {
        if self.current() == kind {
            self.advance();
            Ok(())
        } else {
            Err(self.error_maybe_eof(kind.name()))
        }
    }

    fn expression(&mut self, binding_power: u8) -> Parsed {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(too_deep());
        }
        let result = self.expression_inner(binding_power);
        self.nesting -= 1;
        result
    }

    fn expression_inner(&mut self, binding_power: u8) -> Parsed {
        let left_token = self.token(0).clone();
        self.advance();
        let mut left = self.nud(left_token)?;
        loop {
            let current = self.current();
            if binding_power >= current.binding_power() {
                return Ok(left);
            }
            self.advance();
            left = self.led(current, left)?;
        }
    }

    fn nud(&mut self, token: Token) -> Parsed {
        match token.kind {
            Kind::Literal => node(NodeKind::Literal(token.value)),
            Kind::UnquotedIdentifier => node(NodeKind::Field(as_string(token.value))),
            Kind::QuotedIdentifier => {
                if self.current() == Kind::LParen {
                    let t = self.token(0).clone();
                    let mut at_zero = t;
                    at_zero.start = 0;
                    return Err(self.parse_error(
                        &at_zero,
                        "Quoted identifier not allowed for function names.",
                    ));
                }
                node(NodeKind::Field(as_string(token.value)))
            }
            Kind::Star => {
                let right = if self.current() == Kind::RBracket {
                    identity()
                } else {
                    self.projection_rhs(Kind::Star.binding_power())?
                };
                node(NodeKind::ValueProjection(
                    Box::new(identity()),
                    Box::new(right),
                ))
            }
            Kind::Filter => self.led_filter(identity()),
            Kind::LBrace => self.multi_select_hash(),
            Kind::LParen => {
                let e = self.expression(0)?;
                self.expect(Kind::RParen)?;
                Ok(e)
            }
            Kind::Flatten => {
                let left = node(NodeKind::Flatten(Box::new(identity())))?;
                let right = self.projection_rhs(Kind::Flatten.binding_power())?;
                node(NodeKind::Projection(Box::new(left), Box::new(right)))
            }
            Kind::Not => {
                let e = self.expression(Kind::Not.binding_power())?;
                node(NodeKind::Not(Box::new(e)))
            }
            Kind::LBracket => {
                if matches!(self.current(), Kind::Number | Kind::Colon) {
                    let right = self.index_expression()?;
                    self.project_if_slice(identity(), right)
                } else if self.current() == Kind::Star && self.token(1).kind == Kind::RBracket {
                    self.advance();
                    self.advance();
                    let right = self.projection_rhs(Kind::Star.binding_power())?;
                    node(NodeKind::Projection(Box::new(identity()), Box::new(right)))
                } else {
                    self.multi_select_list()
                }
            }
            Kind::Current => node(NodeKind::Current),
            Kind::Expref => {
                let e = self.expression(Kind::Expref.binding_power())?;
                node(NodeKind::Expref(Rc::new(e)))
            }
            Kind::Eof => Err(self.incomplete()),
            _ => Err(self.parse_error(&token, "invalid token")),
        }
    }

    fn led(&mut self, kind: Kind, left: Node) -> Parsed {
        match kind {
            Kind::Dot => {
                if self.current() == Kind::Star {
                    self.advance();
                    let right = self.projection_rhs(Kind::Dot.binding_power())?;
                    node(NodeKind::ValueProjection(Box::new(left), Box::new(right)))
                } else {
                    let right = self.dot_rhs(Kind::Dot.binding_power())?;
                    match left.kind {
                        NodeKind::Subexpression(mut children) => {
                            children.push(right);
                            node(NodeKind::Subexpression(children))
                        }
                        other => node(NodeKind::Subexpression(vec![Node::new(other), right])),
                    }
                }
            }
            Kind::Pipe => {
                let right = self.expression(Kind::Pipe.binding_power())?;
                node(NodeKind::Pipe(Box::new(left), Box::new(right)))
            }
            Kind::Or => {
                let right = self.expression(Kind::Or.binding_power())?;
                node(NodeKind::Or(Box::new(left), Box::new(right)))
            }
            Kind::And => {
                let right = self.expression(Kind::And.binding_power())?;
                node(NodeKind::And(Box::new(left), Box::new(right)))
            }
            Kind::LParen => {
                let NodeKind::Field(name) = left.kind else {
                    // The token before `(`: the "name" that is not one.
                    let prev = self.tokens[self.index.saturating_sub(2)].clone();
                    let msg = format!("Invalid function name '{}'", prev.value.py_str());
                    return Err(self.parse_error(&prev, &msg));
                };
                let mut args = Vec::new();
                while self.current() != Kind::RParen {
                    let e = self.expression(0)?;
                    if self.current() == Kind::Comma {
                        self.expect(Kind::Comma)?;
                    }
                    args.push(e);
                }
                self.expect(Kind::RParen)?;
                node(NodeKind::Function(name, args))
            }
            Kind::Filter => self.led_filter(left),
            Kind::Eq => self.comparator(left, Cmp::Eq, kind),
            Kind::Ne => self.comparator(left, Cmp::Ne, kind),
            Kind::Gt => self.comparator(left, Cmp::Gt, kind),
            Kind::Gte => self.comparator(left, Cmp::Gte, kind),
            Kind::Lt => self.comparator(left, Cmp::Lt, kind),
            Kind::Lte => self.comparator(left, Cmp::Lte, kind),
            Kind::Flatten => {
                let left = node(NodeKind::Flatten(Box::new(left)))?;
                let right = self.projection_rhs(Kind::Flatten.binding_power())?;
                node(NodeKind::Projection(Box::new(left), Box::new(right)))
            }
            Kind::LBracket => {
                if matches!(self.current(), Kind::Number | Kind::Colon) {
                    let right = self.index_expression()?;
                    match left.kind {
                        NodeKind::IndexExpression(mut children) => {
                            children.push(right);
                            node(NodeKind::IndexExpression(children))
                        }
                        other => self.project_if_slice(Node::new(other), right),
                    }
                } else {
                    self.expect(Kind::Star)?;
                    self.expect(Kind::RBracket)?;
                    let right = self.projection_rhs(Kind::Star.binding_power())?;
                    node(NodeKind::Projection(Box::new(left), Box::new(right)))
                }
            }
            // Tokens with a binding power but no infix meaning (`*`, `!`, `{`): the token just
            // consumed is the culprit.
            _ => {
                self.index -= 1;
                Err(self.error_for_current("invalid token"))
            }
        }
    }

    fn led_filter(&mut self, left: Node) -> Parsed {
        let condition = self.expression(0)?;
        self.expect(Kind::RBracket)?;
        let right = if self.current() == Kind::Flatten {
            identity()
        } else {
            self.projection_rhs(Kind::Filter.binding_power())?
        };
        node(NodeKind::FilterProjection(
            Box::new(left),
            Box::new(right),
            Box::new(condition),
        ))
    }

    fn comparator(&mut self, left: Node, cmp: Cmp, kind: Kind) -> Parsed {
        let right = self.expression(kind.binding_power())?;
        node(NodeKind::Comparator(cmp, Box::new(left), Box::new(right)))
    }

    fn index_expression(&mut self) -> Parsed {
        if self.current() == Kind::Colon || self.token(1).kind == Kind::Colon {
            return self.slice_expression();
        }
        let n = match self.token(0).value {
            Value::Int(n) => n,
            _ => 0,
        };
        self.advance();
        self.expect(Kind::RBracket)?;
        node(NodeKind::Index(n))
    }

    fn slice_expression(&mut self) -> Parsed {
        let mut parts: [Option<i64>; 3] = [None, None, None];
        let mut index = 0;
        let mut current = self.current();
        while current != Kind::RBracket && index < 3 {
            match current {
                Kind::Colon => {
                    index += 1;
                    if index == 3 {
                        return Err(self.error_for_current("syntax error"));
                    }
                    self.advance();
                }
                Kind::Number => {
                    if let Value::Int(n) = self.token(0).value {
                        parts[index] = Some(n);
                    }
                    self.advance();
                }
                _ => return Err(self.error_for_current("syntax error")),
            }
            current = self.current();
        }
        self.expect(Kind::RBracket)?;
        node(NodeKind::Slice(parts[0], parts[1], parts[2]))
    }

    fn project_if_slice(&mut self, left: Node, right: Node) -> Parsed {
        let is_slice = matches!(right.kind, NodeKind::Slice(..));
        let index_expr = node(NodeKind::IndexExpression(vec![left, right]))?;
        if is_slice {
            let rhs = self.projection_rhs(Kind::Star.binding_power())?;
            node(NodeKind::Projection(Box::new(index_expr), Box::new(rhs)))
        } else {
            Ok(index_expr)
        }
    }

    fn multi_select_list(&mut self) -> Parsed {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            if self.current() == Kind::RBracket {
                break;
            }
            self.expect(Kind::Comma)?;
        }
        self.expect(Kind::RBracket)?;
        node(NodeKind::MultiSelectList(items))
    }

    fn multi_select_hash(&mut self) -> Parsed {
        let mut pairs = Vec::new();
        loop {
            let key = self.token(0).clone();
            if !matches!(key.kind, Kind::QuotedIdentifier | Kind::UnquotedIdentifier) {
                return Err(self.error_maybe_eof("['quoted_identifier', 'unquoted_identifier']"));
            }
            self.advance();
            self.expect(Kind::Colon)?;
            let value = self.expression(0)?;
            pairs.push((Rc::from(as_string(key.value)), value));
            match self.current() {
                Kind::Comma => self.expect(Kind::Comma)?,
                Kind::RBrace => {
                    self.expect(Kind::RBrace)?;
                    break;
                }
                _ => {}
            }
        }
        node(NodeKind::MultiSelectDict(pairs))
    }

    fn projection_rhs(&mut self, binding_power: u8) -> Parsed {
        let current = self.current();
        if current.binding_power() < 10 {
            Ok(identity())
        } else if matches!(current, Kind::LBracket | Kind::Filter) {
            self.expression(binding_power)
        } else if current == Kind::Dot {
            self.expect(Kind::Dot)?;
            self.dot_rhs(binding_power)
        } else {
            Err(self.error_for_current("syntax error"))
        }
    }

    fn dot_rhs(&mut self, binding_power: u8) -> Parsed {
        match self.current() {
            Kind::QuotedIdentifier | Kind::UnquotedIdentifier | Kind::Star => {
                self.expression(binding_power)
            }
            Kind::LBracket => {
                self.expect(Kind::LBracket)?;
                self.multi_select_list()
            }
            Kind::LBrace => {
                self.expect(Kind::LBrace)?;
                self.multi_select_hash()
            }
            other => {
                let msg = format!(
                    "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', \
                     'lbrace'], got: {}",
                    other.name()
                );
                Err(self.error_for_current(&msg))
            }
        }
    }
}

fn as_string(v: Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => other.py_str(),
    }
}
