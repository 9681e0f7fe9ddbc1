//! TraceQL: Grafana Tempo's trace query language.
//!
//! [`parse`] accepts what Tempo's grammar (`pkg/traceql/expr.y`) accepts, then runs the checks
//! Tempo's `validate()` runs, so a query with no diagnostics is one Tempo will execute. The
//! pipeline is: `lexer` (tokens) -> `pipeline` (an untyped tree at the `|` level, with `field`
//! parsing and type-checking what is inside `{ }`) -> `shape` (the typed [`Expr`]) -> `print`
//! (canonical text via `Display`).

mod ast;
mod check;
mod duration;
mod field;
mod keywords;
mod lexer;
mod literal;
mod names;
mod parser;
mod pipeline;
mod print;
mod search;
mod shape;

pub use ast::*;

use crate::diag::{Diagnostic, Parse, Span};
use lexer::Tok;
use parser::{PResult, Parser};

/// Parses and checks a TraceQL query. Never panics.
pub fn parse(src: &str) -> Parse<Expr> {
    run(src).0
}

/// Constructs that Tempo accepts but that rarely mean what was intended, such as
/// `duration > 2` (two nanoseconds). Empty for a query that does not parse; never affects
/// [`parse`]'s verdict.
pub fn lint(src: &str) -> Vec<Diagnostic> {
    parse_and_lint(src).1
}

/// [`parse`] and [`lint`] in one pass.
pub fn parse_and_lint(src: &str) -> (Parse<Expr>, Vec<Diagnostic>) {
    let (parse, lints) = run(src);
    let lints = if parse.is_valid() { lints } else { Vec::new() };
    (parse, lints)
}

fn failed(d: Diagnostic) -> (Parse<Expr>, Vec<Diagnostic>) {
    let parse = Parse {
        tree: None,
        diagnostics: vec![d],
    };
    (parse, Vec::new())
}

fn run(src: &str) -> (Parse<Expr>, Vec<Diagnostic>) {
    if let Some(d) = markdown_fence(src) {
        return failed(d);
    }
    let tokens = match lexer::lex(src) {
        Ok(tokens) => tokens,
        Err(d) => return failed(d),
    };
    let operators = tokens
        .iter()
        .filter(|t| matches!(t.tok, Tok::Op(_)))
        .count();
    if operators > parser::MAX_OPERATORS {
        let hint = format!(
            "loqui accepts at most {} operators in one query",
            parser::MAX_OPERATORS
        );
        let d = Diagnostic::new(Span::new(0, src.len()), "the query has too many operators");
        return failed(d.with_hint(hint));
    }
    let mut p = Parser::new(src, tokens);
    let parse = match root(&mut p) {
        Ok(expr) => Parse {
            tree: Some(expr),
            diagnostics: std::mem::take(&mut p.diags),
        },
        Err(d) => {
            // The syntax error comes first; static findings before it are still worth showing.
            let mut diagnostics = vec![d];
            diagnostics.append(&mut p.diags);
            Parse {
                tree: None,
                diagnostics,
            }
        }
    };
    (parse, p.lints)
}

fn root(p: &mut Parser<'_>) -> PResult<Expr> {
    if *p.peek() == Tok::Eof {
        return Err(Diagnostic::new(p.span(), "the query is empty")
            .with_hint("start with a spanset filter, e.g. { status = error }"));
    }
    let node = p.node(0)?;
    let mut hints = Vec::new();
    while p.at_ident("with") {
        hints.extend(query_hints(p)?);
    }
    if *p.peek() != Tok::Eof {
        let d = p.unexpected("an operator or the end of the query");
        return Err(match p.peek() {
            Tok::LBrace => d.with_hint("join spansets with an operator such as && or >>"),
            Tok::Ident("AND" | "and") => d.with_hint("use && to combine spansets"),
            Tok::Ident("OR" | "or") => d.with_hint("use || to combine spansets"),
            _ => d,
        });
    }
    let body = shape::body(node, &mut p.diags)?;
    Ok(Expr { body, hints })
}

/// `with (key = value, ...)`
fn query_hints(p: &mut Parser<'_>) -> PResult<Vec<Hint>> {
    p.bump();
    p.expect(&Tok::LParen, "`(`")?;
    let mut hints = vec![query_hint(p)?];
    while p.eat(&Tok::Comma) {
        hints.push(query_hint(p)?);
    }
    p.expect(&Tok::RParen, "`,` or `)`")?;
    Ok(hints)
}

fn query_hint(p: &mut Parser<'_>) -> PResult<Hint> {
    let key = match p.peek() {
        Tok::Ident(w)
            if keywords::keyword_static(w).is_none_or(|_| w.ends_with("Int"))
                && !keywords::is_keyword(w) =>
        {
            w.to_string()
        }
        _ => return Err(p.unexpected("a hint name such as sample")),
    };
    p.bump();
    p.expect(&Tok::Op(lexer::Op::Eq), "`=`")?;
    let span = p.span();
    let value = match p.peek().clone() {
        Tok::Str(s) => Static::String(s.into_owned()),
        Tok::Int(v) => Static::Int(v),
        Tok::Float(v) => Static::Float(v),
        Tok::Duration(v) => Static::Duration(v),
        Tok::Ident(w) => match keywords::keyword_static(w) {
            Some(Static::Nil) | None => return Err(p.unknown_identifier(w)),
            Some(s) => s,
        },
        _ => return Err(p.unexpected("a value")),
    };
    let _ = span;
    p.bump();
    Ok(Hint { key, value })
}

fn markdown_fence(src: &str) -> Option<Diagnostic> {
    let trimmed = src.trim_start();
    let at = src.len() - trimmed.len();
    trimmed.starts_with("```").then(|| {
        Diagnostic::new(
            Span::new(at, at + 3),
            "the query is wrapped in a markdown code fence",
        )
        .with_hint("send only the query, without the ``` lines")
    })
}
