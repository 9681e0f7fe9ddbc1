//! The recursive-descent core: token cursor, syntax errors, and the top of the grammar.
//!
//! Syntax errors stop the parse (`Err(Diagnostic)` travels up with `?`); static checks that Loki
//! makes once a tree is built are collected in `checks` and do not stop it.

use crate::diag::{Diagnostic, Span};

use super::ast::Expr;
use super::hints;
use super::lexer::{Kw, Tok, Token, keyword_name, lex};
use super::units::unquote;

pub(super) type PResult<T> = Result<T, Diagnostic>;

/// Loki refuses to parse queries of this many bytes or more.
const MAX_INPUT: usize = 5120;

/// Deepest nesting of parentheses, aggregations and right-hand operands the parser follows.
/// Loki has no such limit, but its queries stop at 5120 bytes; this bound keeps recursion far
/// from any thread's stack on every input. Unoptimised builds spend about 19 KiB of stack per
/// level, so 64 levels fit a 2 MiB thread (tokio's and the test harness's default) with room.
pub(super) const MAX_DEPTH: u32 = 64;

pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
    pub(super) checks: Vec<Diagnostic>,
}

/// Parses a whole query; `Err` is the first syntax error.
pub(super) fn parse_query(src: &str) -> (PResult<Expr>, Vec<Diagnostic>) {
    // Checked before lexing, as Loki does, so an oversized input costs nothing to refuse.
    if src.len() >= MAX_INPUT {
        let too_long = Diagnostic::new(
            Span::new(0, src.len()),
            format!("input size too long ({} > {MAX_INPUT})", src.len()),
        )
        .with_hint(
            "Loki rejects queries of 5120 bytes or more; shorten regexes or split the query",
        );
        return (Err(too_long), Vec::new());
    }
    let mut p = Parser {
        src,
        toks: lex(src),
        pos: 0,
        depth: 0,
        checks: Vec::new(),
    };
    let result = p.query();
    (result, p.checks)
}

impl<'a> Parser<'a> {
    fn query(&mut self) -> PResult<Expr> {
        if self.at(Tok::Eof) {
            return Err(Diagnostic::new(self.peek().span, "empty query")
                .with_hint("start with a stream selector such as {app=\"api\"}"));
        }
        let (expr, span) = self.expr(0)?;
        if !self.at(Tok::Eof) {
            return Err(self.trailing_error(&expr, span));
        }
        Ok(expr)
    }

    fn trailing_error(&self, expr: &Expr, span: Span) -> Diagnostic {
        let t = self.peek();
        if let (Tok::Range, Expr::Log(_)) = (t.tok, expr) {
            return hints::log_range(self.text(t), t.span, &self.src[span.start..span.end]);
        }
        if t.tok == Tok::Kw(Kw::Offset) {
            return self
                .unexpected("end of query")
                .with_hint("offset belongs inside the range aggregation, right after the range: rate({app=\"x\"}[5m] offset 1h)");
        }
        if t.tok == Tok::Kw(Kw::By) || t.tok == Tok::Kw(Kw::Without) {
            return self.unexpected("end of query").with_hint(
                "grouping goes on a vector aggregation: sum by (label) (...) or sum(...) by (label)",
            );
        }
        self.unexpected("end of query or a binary operator")
    }

    /// Runs `f` one nesting level deeper, failing past [`MAX_DEPTH`].
    pub(super) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(Diagnostic::new(
                self.peek().span,
                format!("the query nests deeper than {MAX_DEPTH} levels"),
            )
            .with_hint("flatten the parentheses or split the query"));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    // ---- cursor ----

    pub(super) fn peek(&self) -> Token {
        self.toks[self.pos]
    }

    pub(super) fn peek_n(&self, n: usize) -> Token {
        self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }

    pub(super) fn at(&self, tok: Tok) -> bool {
        self.peek().tok == tok
    }

    pub(super) fn bump(&mut self) -> Token {
        let t = self.peek();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    /// Whether the current token is the function `name` (any case) followed by `(`.
    pub(super) fn at_call(&self, name: &str) -> bool {
        let t = self.peek();
        t.tok == Tok::Ident
            && self.text(t).eq_ignore_ascii_case(name)
            && self.peek_n(1).tok == Tok::LParen
    }

    pub(super) fn eat(&mut self, tok: Tok) -> bool {
        let hit = self.at(tok);
        if hit {
            self.bump();
        }
        hit
    }

    pub(super) fn expect(&mut self, tok: Tok, expected: &str) -> PResult<Token> {
        if self.at(tok) {
            Ok(self.bump())
        } else {
            Err(self.unexpected(expected))
        }
    }

    pub(super) fn text(&self, t: Token) -> &'a str {
        &self.src[t.span.start..t.span.end]
    }

    /// The end of the previous token (for spans of whole constructs).
    /// The token before the current one, if any.
    pub(super) fn prev(&self) -> Option<Token> {
        self.pos.checked_sub(1).map(|i| self.toks[i])
    }

    pub(super) fn last_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].span.end
        }
    }

    // ---- errors ----

    /// `unexpected X, expected Y` at the current token, with a hint when the token says why.
    pub(super) fn unexpected(&self, expected: &str) -> Diagnostic {
        let t = self.peek();
        let msg = format!("unexpected {}, expected {expected}", self.describe(t));
        let d = Diagnostic::new(t.span, msg);
        match hints::for_token(self, t) {
            Some(h) => d.with_hint(h),
            None => d,
        }
    }

    pub(super) fn describe(&self, t: Token) -> String {
        match t.tok {
            Tok::Eof => "end of query".to_owned(),
            Tok::Illegal if self.text(t).starts_with(['"', '`', '\'']) => {
                "unterminated string".to_owned()
            }
            Tok::Illegal if self.text(t).starts_with('[') => "unclosed `[`".to_owned(),
            _ => {
                let text = self.text(t);
                match text.char_indices().nth(40) {
                    Some((i, _)) => format!("`{}...`", &text[..i]),
                    None => format!("`{text}`"),
                }
            }
        }
    }

    pub(super) fn check(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.checks.push(Diagnostic::new(span, msg));
        self.checks.last_mut().expect("just pushed")
    }

    // ---- shared leaves ----

    /// A string literal's value.
    pub(super) fn string(&mut self, expected: &str) -> PResult<(String, Span)> {
        let t = self.peek();
        if t.tok != Tok::Str {
            return Err(self.unexpected(expected));
        }
        self.bump();
        match unquote(self.text(t)) {
            Ok(s) => Ok((s, t.span)),
            Err(msg) => Err(Diagnostic::new(t.span, msg)),
        }
    }

    /// A label name: an identifier (function names count when no `(` follows them).
    pub(super) fn label_name(&mut self, expected: &str) -> PResult<(String, Span)> {
        let t = self.peek();
        if t.tok == Tok::Ident {
            self.bump();
            return Ok((self.text(t).to_owned(), t.span));
        }
        let mut d = self.unexpected(expected);
        if let Tok::Kw(kw) = t.tok {
            d = d.with_hint(format!(
                "`{}` is a LogQL keyword and cannot be used as a label name here",
                keyword_name(kw)
            ));
        }
        Err(d)
    }

    /// `(a, b, c)` or `()`.
    pub(super) fn label_list(&mut self) -> PResult<Vec<String>> {
        self.expect(Tok::LParen, "`(`")?;
        let mut labels = Vec::new();
        if self.eat(Tok::RParen) {
            return Ok(labels);
        }
        loop {
            labels.push(self.label_name("a label name")?.0);
            if self.eat(Tok::RParen) {
                return Ok(labels);
            }
            if !self.eat(Tok::Comma) {
                return Err(self.unexpected("`,` or `)`"));
            }
        }
    }
}
