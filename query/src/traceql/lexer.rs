//! Tokens, following Tempo's lexer (Go's `text/scanner` plus TraceQL's own rules).
//!
//! Two Tempo rules shape this file: an attribute name runs from its scope dot up to the next
//! space or one of `{}()=~!<>&|^,` (so `span.http.status_code` and `.a-b` are single names), and
//! a number directly followed by unit letters is a duration (`200ms`, `1h30m`, `1.5s`, `1d`).
//! Names and strings borrow from the query text unless they contain escapes.

use std::borrow::Cow;

use super::ast::Scope;
use crate::diag::{Diagnostic, Span};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'a> {
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Op(Op),
    Int(i64),
    Float(f64),
    Duration(i64),
    Str(Cow<'a, str>),
    Ident(&'a str),
    Attr {
        scope: Option<Scope>,
        parent: bool,
        name: Cow<'a, str>,
    },
    /// `trace:`, `span:`, `event:`, `link:`, `instrumentation:`
    ScopeColon(&'a str),
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Pipe,
    Eq,
    Neq,
    Re,
    Nre,
    Gt,
    Gte,
    Lt,
    Lte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    And,
    Or,
    Not,
    Desc,
    Ance,
    Tilde,
    NotChild,
    NotParent,
    NotDesc,
    NotAnce,
    UChild,
    UParent,
    UDesc,
    UAnce,
    USibl,
}

#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub span: Span,
}

/// Splits `src` into tokens, ending with `Eof`; stops at the first lexical error.
pub(crate) fn lex(src: &str) -> Result<Vec<Token<'_>>, Diagnostic> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut out = Vec::with_capacity(src.len() / 3 + 2);
    loop {
        let token = lexer.next()?;
        let end = token.tok == Tok::Eof;
        out.push(token);
        if end {
            return Ok(out);
        }
    }
}

pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
}

const OPERATORS: [(&str, Op); 30] = [
    ("!>>", Op::NotDesc),
    ("!<<", Op::NotAnce),
    ("&>>", Op::UDesc),
    ("&<<", Op::UAnce),
    ("!=", Op::Neq),
    ("=~", Op::Re),
    ("!~", Op::Nre),
    (">=", Op::Gte),
    ("<=", Op::Lte),
    ("&&", Op::And),
    ("||", Op::Or),
    (">>", Op::Desc),
    ("<<", Op::Ance),
    ("!>", Op::NotChild),
    ("!<", Op::NotParent),
    ("&~", Op::USibl),
    ("&>", Op::UChild),
    ("&<", Op::UParent),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
    ("+", Op::Add),
    ("-", Op::Sub),
    ("/", Op::Div),
    ("%", Op::Mod),
    ("*", Op::Mul),
    ("^", Op::Pow),
    ("!", Op::Not),
    ("|", Op::Pipe),
    ("~", Op::Tilde),
];

fn is_attribute_char(c: char) -> bool {
    !c.is_whitespace() && !"{}()=~!<>&|^,".contains(c)
}

fn scope_from(word: &str) -> Option<Scope> {
    Some(match word {
        "span" => Scope::Span,
        "resource" => Scope::Resource,
        "event" => Scope::Event,
        "link" => Scope::Link,
        "instrumentation" => Scope::Instrumentation,
        _ => return None,
    })
}

impl<'a> Lexer<'a> {
    pub(super) fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn err(&self, start: usize, end: usize, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Span::new(start, end.max(start)), msg)
    }

    pub(super) fn token(&self, start: usize, tok: Tok<'a>) -> Token<'a> {
        Token {
            tok,
            span: Span::new(start, self.pos),
        }
    }

    fn next(&mut self) -> Result<Token<'a>, Diagnostic> {
        self.skip_space_and_comments()?;
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(self.token(start, Tok::Eof));
        };
        let simple = match c {
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = simple {
            self.pos += 1;
            return Ok(self.token(start, tok));
        }
        match c {
            '"' => self.string(),
            '`' => self.raw_string(),
            '\'' => Err(self
                .err(
                    start,
                    start + 1,
                    "single quotes do not delimit strings in traceql",
                )
                .with_hint("use double quotes: \"value\"")),
            '0'..='9' => self.number(),
            '.' if self.rest()[1..].starts_with(|c: char| c.is_ascii_digit()) => self.number(),
            '.' => {
                self.pos += 1;
                self.attribute(start, None, false)
            }
            c if c.is_alphabetic() || c == '_' => self.word(),
            _ => self.operator(start, c),
        }
    }

    fn skip_space_and_comments(&mut self) -> Result<(), Diagnostic> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(body) = trimmed.strip_prefix("/*") {
                match body.find("*/") {
                    Some(i) => self.pos += i + 4,
                    None => {
                        return Err(self.err(self.pos, self.src.len(), "comment not terminated"));
                    }
                }
            } else {
                return Ok(());
            }
        }
    }

    fn operator(&mut self, start: usize, c: char) -> Result<Token<'a>, Diagnostic> {
        let rest = self.rest();
        for (text, op) in OPERATORS {
            if rest.starts_with(text) {
                self.pos += text.len();
                return Ok(self.token(start, Tok::Op(op)));
            }
        }
        let end = start + c.len_utf8();
        let d = self.err(start, end, format!("unexpected character `{c}`"));
        Err(match c {
            '&' => d.with_hint("use && to combine conditions"),
            '[' | ']' => d.with_hint("use { } around span conditions and ( ) for grouping"),
            _ => d,
        })
    }

    /// An identifier, keyword, `scope.` attribute or `scope:` intrinsic prefix.
    fn word(&mut self) -> Result<Token<'a>, Diagnostic> {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        let word = &self.src[start..start + len];
        self.pos += len;
        let next = self.peek();
        if next == Some('.') && (word == "parent" || scope_from(word).is_some()) {
            self.pos += 1;
            if word == "parent" {
                let scope = self.parent_scope();
                return self.attribute(start, scope, true);
            }
            return self.attribute(start, scope_from(word), false);
        }
        if next == Some(':') && (word == "trace" || scope_from(word).is_some()) {
            self.pos += 1;
            return Ok(self.token(start, Tok::ScopeColon(word)));
        }
        Ok(self.token(start, Tok::Ident(word)))
    }

    /// After `parent.`, an optional `span.` or `resource.`.
    fn parent_scope(&mut self) -> Option<Scope> {
        for (prefix, scope) in [("span.", Scope::Span), ("resource.", Scope::Resource)] {
            if self.rest().starts_with(prefix) {
                self.pos += prefix.len();
                return Some(scope);
            }
        }
        None
    }

    fn attribute(
        &mut self,
        start: usize,
        scope: Option<Scope>,
        parent: bool,
    ) -> Result<Token<'a>, Diagnostic> {
        let name_start = self.pos;
        let name = self.attribute_name()?;
        if self.pos == name_start {
            let prefix = &self.src[start..self.pos];
            return Err(self
                .err(
                    start,
                    self.pos,
                    format!("expected an attribute name after `{prefix}`"),
                )
                .with_hint("write the name right after the dot, e.g. span.http.route"));
        }
        Ok(self.token(
            start,
            Tok::Attr {
                scope,
                parent,
                name,
            },
        ))
    }

    /// Everything up to the next delimiter; `"quoted"` parts may hold any character.
    fn attribute_name(&mut self) -> Result<Cow<'a, str>, Diagnostic> {
        let src = self.src;
        let name_start = self.pos;
        let mut owned: Option<String> = None;
        while let Some(c) = self.peek() {
            if c == '"' {
                let buf = owned.get_or_insert_with(|| src[name_start..self.pos].to_string());
                buf.push_str(&self.quoted_name_part()?);
            } else if is_attribute_char(c) {
                self.pos += c.len_utf8();
                if let Some(buf) = owned.as_mut() {
                    buf.push(c);
                }
            } else {
                break;
            }
        }
        Ok(owned.map_or(Cow::Borrowed(&src[name_start..self.pos]), Cow::Owned))
    }

    /// A `"..."` part of an attribute name; only `\"` and `\\` escapes are allowed.
    fn quoted_name_part(&mut self) -> Result<String, Diagnostic> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    _ => {
                        let at = self.pos + i;
                        return Err(self.err(
                            at,
                            at + 2,
                            "invalid escape sequence in attribute name",
                        ));
                    }
                },
                c => out.push(c),
            }
        }
        Err(self.err(open, self.src.len(), "unterminated quoted attribute name"))
    }
}
