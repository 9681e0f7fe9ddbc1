//! The token cursor shared by the field-expression parser (`field.rs`) and the pipeline parser
//! (`pipeline.rs`).
//!
//! Syntax errors stop parsing (`Err`), like Tempo's parser; static-check errors are collected in
//! `diags` and parsing goes on, so one run can report several.

use super::lexer::{Tok, Token};
use crate::diag::{Diagnostic, Span};

pub(crate) type PResult<T> = Result<T, Diagnostic>;

/// Deepest nesting of parentheses, braces and unary operators accepted. Real queries stay far
/// below it; the bound keeps the recursive parser, printer and drop within a 2 MiB thread stack.
pub(crate) const MAX_DEPTH: u32 = 128;

/// Most operators accepted in one query, for the same reason (long `&&` chains nest too).
pub(crate) const MAX_OPERATORS: usize = 512;

pub(crate) struct Parser<'a> {
    pub src: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: u32,
    pub diags: Vec<Diagnostic>,
    /// Findings that do not make the query invalid (see `traceql::lint`).
    pub lints: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str, tokens: Vec<Token<'a>>) -> Parser<'a> {
        Parser {
            src,
            tokens,
            pos: 0,
            depth: 0,
            diags: Vec::new(),
            lints: Vec::new(),
        }
    }

    pub fn peek(&self) -> &Tok<'a> {
        &self.tokens[self.pos].tok
    }

    pub fn peek_at(&self, n: usize) -> &Tok<'a> {
        let i = (self.pos + n).min(self.tokens.len() - 1);
        &self.tokens[i].tok
    }

    pub fn span(&self) -> Span {
        self.tokens[self.pos].span
    }

    /// End of the previous token.
    pub fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.tokens[self.pos - 1].span.end
        }
    }

    pub fn bump(&mut self) -> Token<'a> {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    pub fn at_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if *w == word)
    }

    pub fn eat(&mut self, tok: &Tok<'_>) -> bool {
        if self.peek() == tok {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `tok` or fails with "unexpected X, expected `what`".
    pub fn expect(&mut self, tok: &Tok<'_>, what: &str) -> PResult<Span> {
        if self.peek() == tok {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(what))
        }
    }

    /// "unexpected `}`, expected a field expression" at the current token.
    pub fn unexpected(&self, expected: &str) -> Diagnostic {
        let span = self.span();
        let found = describe(self.peek(), &self.src[span.start..span.end]);
        Diagnostic::new(span, format!("unexpected {found}, expected {expected}"))
    }

    /// Runs `f` one nesting level deeper, failing past `MAX_DEPTH`.
    pub fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(
                Diagnostic::new(self.span(), "the query nests too deeply").with_hint(format!(
                    "loqui accepts at most {MAX_DEPTH} levels of parentheses and unary operators"
                )),
            );
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
}

/// How a token is named in messages.
pub(crate) fn describe(tok: &Tok<'_>, text: &str) -> String {
    match tok {
        Tok::Eof => "end of query".to_string(),
        Tok::Str(_) => format!("string {}", clip(text)),
        _ => format!("`{}`", clip(text)),
    }
}

fn clip(text: &str) -> String {
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text.to_string()
    }
}
