//! Pipeline stages after `|`: parsers, formatters, drop/keep and label filters.

use crate::diag::Span;

use super::ast::{
    self, CmpOp, Extraction, LabelFilter, LabelFormat, MatchOp, Matcher, NamedMatcher, Stage,
};
use super::check;
use super::hints;
use super::lexer::{Kw, Tok};
use super::parser::{PResult, Parser};

/// Binding powers of label filter operators: `,` and juxtaposition bind their left operand
/// tighter than anything and take everything to their right, which is how Loki's grammar
/// resolves them (they have no declared precedence, so yacc always shifts).
const OR_BP: (u8, u8) = (1, 2);
const AND_BP: (u8, u8) = (3, 4);
const JUXTA_BP: (u8, u8) = (u8::MAX, 0);

impl Parser<'_> {
    /// The stage after a `|`.
    pub(super) fn stage(&mut self) -> PResult<Stage> {
        let t = self.peek();
        let stage = match t.tok {
            Tok::Kw(Kw::Json) => {
                self.bump();
                Stage::Parser(ast::Parser::Json(self.extractions()?))
            }
            Tok::Kw(Kw::Logfmt) => {
                self.bump();
                self.logfmt()?
            }
            Tok::Kw(Kw::Unpack) => {
                self.bump();
                Stage::Parser(ast::Parser::Unpack)
            }
            Tok::Kw(Kw::Regexp) => {
                self.bump();
                let (re, span) = self.string("a regular expression string")?;
                check::regexp_parser(self, &re, span);
                Stage::Parser(ast::Parser::Regexp(re))
            }
            Tok::Kw(Kw::Pattern) => {
                self.bump();
                let (pat, span) = self.string("a pattern string")?;
                check::pattern_parser(self, &pat, span);
                Stage::Parser(ast::Parser::Pattern(pat))
            }
            Tok::Kw(Kw::LineFormat) => {
                self.bump();
                Stage::LineFormat(self.string("a template string")?.0)
            }
            Tok::Kw(Kw::LabelFormat) => {
                self.bump();
                Stage::LabelFormat(self.label_formats()?)
            }
            Tok::Kw(Kw::Decolorize) => {
                self.bump();
                Stage::Decolorize
            }
            Tok::Kw(Kw::Drop) => {
                self.bump();
                Stage::Drop(self.named_matchers()?)
            }
            Tok::Kw(Kw::Keep) => {
                self.bump();
                Stage::Keep(self.named_matchers()?)
            }
            Tok::Ident | Tok::LParen => Stage::LabelFilter(self.label_filter(0)?),
            _ => return Err(hints::bad_stage(self)),
        };
        Ok(stage)
    }

    fn logfmt(&mut self) -> PResult<Stage> {
        let (mut strict, mut keep_empty) = (false, false);
        if self.at(Tok::Sub) && self.peek_n(1).tok == Tok::Sub {
            return Err(self
                .unexpected("a logfmt flag")
                .with_hint("logfmt takes --strict and --keep-empty"));
        }
        while self.at(Tok::Flag) {
            let t = self.bump();
            match self.text(t) {
                "--strict" => strict = true,
                _ => keep_empty = true,
            }
        }
        let params = self.extractions()?;
        Ok(Stage::Parser(ast::Parser::Logfmt {
            strict,
            keep_empty,
            params,
        }))
    }

    /// `a="expr", b` after `json` or `logfmt` (possibly none).
    fn extractions(&mut self) -> PResult<Vec<Extraction>> {
        let mut out = Vec::new();
        if !self.at(Tok::Ident) {
            return Ok(out);
        }
        loop {
            let (label, _) = self.label_name("a label name")?;
            let expr = if self.eat(Tok::Eq) {
                Some(self.string("a string")?.0)
            } else {
                None
            };
            out.push(Extraction { label, expr });
            if !self.eat(Tok::Comma) {
                return Ok(out);
            }
        }
    }

    fn label_formats(&mut self) -> PResult<Vec<LabelFormat>> {
        let mut out = Vec::new();
        loop {
            let (dst, _) = self.label_name("a label name")?;
            self.expect(Tok::Eq, "`=`")?;
            let f = match self.peek().tok {
                Tok::Ident => LabelFormat::Rename {
                    dst,
                    src: self.label_name("a label name")?.0,
                },
                Tok::Str => LabelFormat::Template {
                    dst,
                    template: self.string("a string")?.0,
                },
                _ => return Err(self.unexpected("a label name or a template string")),
            };
            out.push(f);
            if !self.eat(Tok::Comma) {
                return Ok(out);
            }
        }
    }

    fn named_matchers(&mut self) -> PResult<Vec<NamedMatcher>> {
        let mut out = Vec::new();
        loop {
            let is_matcher = matches!(self.peek_n(1).tok, Tok::Eq | Tok::Neq | Tok::Re | Tok::Nre);
            if is_matcher {
                out.push(NamedMatcher::Matcher(self.matcher(false)?));
            } else {
                out.push(NamedMatcher::Name(self.label_name("a label name")?.0));
            }
            if !self.eat(Tok::Comma) {
                return Ok(out);
            }
        }
    }

    /// A label filter expression (Pratt parser over `and`, `or`, `,` and juxtaposition).
    pub(super) fn label_filter(&mut self, min_bp: u8) -> PResult<LabelFilter> {
        let mut lhs = if self.eat(Tok::LParen) {
            let inner = self.nested(|p| p.label_filter(0))?;
            self.expect(Tok::RParen, "`)`")?;
            inner
        } else {
            self.label_filter_atom()?
        };
        loop {
            let (l_bp, r_bp, is_or, consume) = match self.peek().tok {
                Tok::Kw(Kw::Or) => (OR_BP.0, OR_BP.1, true, true),
                Tok::Kw(Kw::And) => (AND_BP.0, AND_BP.1, false, true),
                Tok::Comma => (JUXTA_BP.0, JUXTA_BP.1, false, true),
                Tok::Ident | Tok::LParen => (JUXTA_BP.0, JUXTA_BP.1, false, false),
                _ => break,
            };
            if l_bp < min_bp {
                break;
            }
            if consume {
                self.bump();
            }
            let rhs = self.nested(|p| p.label_filter(r_bp))?;
            lhs = if is_or {
                LabelFilter::Or(Box::new(lhs), Box::new(rhs))
            } else if l_bp == u8::MAX {
                and_left_leaning(lhs, rhs)
            } else {
                LabelFilter::And(Box::new(lhs), Box::new(rhs))
            };
        }
        Ok(lhs)
    }

    fn label_filter_atom(&mut self) -> PResult<LabelFilter> {
        let (name, name_span) = self.label_name("a label name or `(`")?;
        let op_tok = self.peek();
        let op = match op_tok.tok {
            Tok::Eq => CmpOp::Eq,
            Tok::Neq => CmpOp::Neq,
            Tok::CmpEq => CmpOp::Eq,
            Tok::Gt => CmpOp::Gt,
            Tok::Gte => CmpOp::Gte,
            Tok::Lt => CmpOp::Lt,
            Tok::Lte => CmpOp::Lte,
            Tok::Re | Tok::Nre => {
                self.bump();
                let op = if op_tok.tok == Tok::Re {
                    MatchOp::Re
                } else {
                    MatchOp::Nre
                };
                return self.string_filter(name, op);
            }
            _ => return Err(hints::label_filter_op(self, &name, name_span)),
        };
        self.bump();
        let plain = matches!(op_tok.tok, Tok::Eq | Tok::Neq);
        match self.peek().tok {
            Tok::Str if plain => {
                let mop = if op == CmpOp::Eq {
                    MatchOp::Eq
                } else {
                    MatchOp::Neq
                };
                self.string_filter(name, mop)
            }
            Tok::Ident if plain && self.at_call("ip") => self.ip_filter(name, op == CmpOp::Neq),
            Tok::Duration => {
                let t = self.bump();
                let value = super::units::Duration::parse_loki(self.text(t)).unwrap_or_default();
                Ok(LabelFilter::Duration { name, op, value })
            }
            Tok::Bytes => {
                let t = self.bump();
                let value = super::units::Bytes::parse(self.text(t)).unwrap_or_default();
                Ok(LabelFilter::Bytes { name, op, value })
            }
            Tok::Number | Tok::Add | Tok::Sub => Ok(LabelFilter::Number {
                name,
                op,
                value: self.literal()?,
            }),
            _ => Err(hints::label_filter_value(self, &name, op_tok.tok)),
        }
    }

    fn string_filter(&mut self, name: String, op: MatchOp) -> PResult<LabelFilter> {
        if !self.at(Tok::Str) {
            return Err(hints::matcher_value(self, &name, op));
        }
        let (value, span) = self.string("a string")?;
        let m = Matcher { name, op, value };
        check::matcher_regex(self, &m, span);
        Ok(LabelFilter::Matcher(m))
    }

    fn ip_filter(&mut self, name: String, negated: bool) -> PResult<LabelFilter> {
        let start = self.bump().span;
        self.expect(Tok::LParen, "`(`")?;
        let (cidr, _) = self.string("a string")?;
        self.expect(Tok::RParen, "`)`")?;
        check::ip(self, &cidr, Span::new(start.start, self.last_end()));
        Ok(LabelFilter::Ip {
            name,
            negated,
            cidr,
        })
    }
}

/// `a, b, c` means `a and b and c`; build it left-leaning so it prints without parentheses.
fn and_left_leaning(lhs: LabelFilter, rhs: LabelFilter) -> LabelFilter {
    match rhs {
        LabelFilter::And(x, y) => LabelFilter::And(Box::new(and_left_leaning(lhs, *x)), y),
        rhs => LabelFilter::And(Box::new(lhs), Box::new(rhs)),
    }
}
