//! Log expressions: stream selectors, pipelines and the log ranges of range aggregations.

use crate::diag::{Diagnostic, Span};

use super::ast::*;
use super::check;
use super::hints;
use super::lexer::{Kw, Tok};
use super::parser::{PResult, Parser};
use super::units::Duration;

/// What a pipeline ended with, when it may end with `| unwrap`.
pub(super) struct Piped {
    pub stages: Vec<Stage>,
    pub unwrap: Option<Unwrap>,
}

impl Parser<'_> {
    /// `{...} pipeline`, outside range aggregations (no unwrap, no range).
    pub(super) fn log_expr(&mut self) -> PResult<LogExpr> {
        let selector = self.selector()?;
        let piped = self.pipeline(false)?;
        Ok(LogExpr {
            selector,
            pipeline: piped.stages,
        })
    }

    pub(super) fn selector(&mut self) -> PResult<Vec<Matcher>> {
        let open = self.expect(Tok::LBrace, "a stream selector `{`")?;
        let mut matchers = Vec::new();
        if !self.eat(Tok::RBrace) {
            loop {
                matchers.push(self.matcher(true)?);
                if self.eat(Tok::RBrace) {
                    break;
                }
                if !self.eat(Tok::Comma) {
                    return Err(self.unexpected("`}` or `,`"));
                }
            }
        }
        check::selector(self, &matchers, Span::new(open.span.start, self.last_end()));
        Ok(matchers)
    }

    /// `name op "value"`; in a selector the error hints speak about selectors.
    pub(super) fn matcher(&mut self, in_selector: bool) -> PResult<Matcher> {
        let (name, _) = self.label_name("a label name")?;
        let op = match self.peek().tok {
            Tok::Eq => MatchOp::Eq,
            Tok::Neq => MatchOp::Neq,
            Tok::Re => MatchOp::Re,
            Tok::Nre => MatchOp::Nre,
            _ => return Err(hints::matcher_op(self, &name, in_selector)),
        };
        self.bump();
        if self.peek().tok != Tok::Str {
            return Err(hints::matcher_value(self, &name, op));
        }
        let (value, span) = self.string("a string")?;
        let m = Matcher { name, op, value };
        check::matcher_regex(self, &m, span);
        Ok(m)
    }

    /// The argument of a range aggregation: a log expression with its range, offset and unwrap,
    /// in any of the orders Loki accepts.
    pub(super) fn log_range(&mut self, func: &str) -> PResult<LogRange> {
        if !self.at(Tok::LParen) {
            return self.range_body(func, false).map(|(r, _)| r);
        }
        self.bump();
        if self.at(Tok::LParen) {
            let inner = self.log_range(func)?;
            self.expect(Tok::RParen, "`)`")?;
            return Ok(inner);
        }
        let (mut r, has_range) = self.range_body(func, true)?;
        self.expect(Tok::RParen, "`)`")?;
        if !has_range {
            r.range = self.range(func)?;
            r.offset = self.offset()?;
        }
        Ok(r)
    }

    fn range_body(&mut self, func: &str, in_paren: bool) -> PResult<(LogRange, bool)> {
        if !self.at(Tok::LBrace) {
            return Err(hints::missing_selector(self, func));
        }
        let selector = self.selector()?;
        let mut range = None;
        let mut offset = None;
        if self.at(Tok::Range) {
            range = Some(self.range(func)?);
            offset = self.offset()?;
        }
        let piped = self.pipeline(true)?;
        if range.is_none() && (self.at(Tok::Range) || !in_paren) {
            range = Some(self.range(func)?);
            offset = self.offset()?;
        }
        let has_range = range.is_some();
        let log = LogExpr {
            selector,
            pipeline: piped.stages,
        };
        let r = LogRange {
            log,
            range: range.unwrap_or_default(),
            offset,
            unwrap: piped.unwrap,
        };
        Ok((r, has_range))
    }

    /// `[5m]`
    fn range(&mut self, func: &str) -> PResult<Duration> {
        let t = self.peek();
        if t.tok != Tok::Range {
            return Err(hints::missing_range(self, func));
        }
        self.bump();
        let text = self.text(t);
        let inner = &text[1..text.len() - 1];
        match Duration::parse_prometheus(inner) {
            Some(d) => Ok(d),
            None => Err(Diagnostic::new(t.span, format!("invalid range `{text}`: not a duration"))
                .with_hint("write the range as a number and a unit (ms, s, m, h, d, w, y) without spaces, e.g. [5m] or [1h30m]")),
        }
    }

    fn offset(&mut self) -> PResult<Option<Duration>> {
        if !self.eat(Tok::Kw(Kw::Offset)) {
            return Ok(None);
        }
        let t = self.expect(Tok::Duration, "a duration such as 1h")?;
        Ok(Duration::parse_loki(self.text(t)))
    }

    /// Pipeline stages until something that is not a stage; `| unwrap` ends it when allowed.
    pub(super) fn pipeline(&mut self, allow_unwrap: bool) -> PResult<Piped> {
        let mut stages = Vec::new();
        loop {
            let t = self.peek();
            let stage = match t.tok {
                Tok::PipeExact
                | Tok::PipeMatch
                | Tok::PipePattern
                | Tok::Neq
                | Tok::Nre
                | Tok::Npa => self.line_filter()?,
                Tok::Pipe if self.peek_n(1).tok == Tok::Kw(Kw::Unwrap) => {
                    if !allow_unwrap {
                        return Err(hints::unwrap_outside(self));
                    }
                    let unwrap = self.unwrap()?;
                    return Ok(Piped {
                        stages,
                        unwrap: Some(unwrap),
                    });
                }
                Tok::Pipe => {
                    self.bump();
                    self.stage()?
                }
                _ => {
                    return Ok(Piped {
                        stages,
                        unwrap: None,
                    });
                }
            };
            stages.push(stage);
        }
    }

    fn line_filter(&mut self) -> PResult<Stage> {
        let t = self.bump();
        let op = match t.tok {
            Tok::PipeExact => LineFilterOp::Contains,
            Tok::PipeMatch => LineFilterOp::Match,
            Tok::PipePattern => LineFilterOp::Pattern,
            Tok::Neq => LineFilterOp::NotContains,
            Tok::Nre => LineFilterOp::NotMatch,
            _ => LineFilterOp::NotPattern,
        };
        let mut values = vec![self.filter_value(op)?];
        while self.eat(Tok::Kw(Kw::Or)) {
            values.push(self.filter_value(op)?);
        }
        Ok(Stage::LineFilter(LineFilter { op, values }))
    }

    fn filter_value(&mut self, op: LineFilterOp) -> PResult<FilterValue> {
        if self.at_call("ip") {
            let start = self.bump().span;
            self.expect(Tok::LParen, "`(`")?;
            let (cidr, _) = self.string("a string")?;
            self.expect(Tok::RParen, "`)`")?;
            check::ip_line_filter(self, op, &cidr, Span::new(start.start, self.last_end()));
            return Ok(FilterValue::Ip(cidr));
        }
        if !self.at(Tok::Str) {
            return Err(self.unexpected("a string or ip(\"...\")"));
        }
        let (text, span) = self.string("a string")?;
        check::line_filter(self, op, &text, span);
        Ok(FilterValue::Text(text))
    }

    /// `| unwrap label`, `| unwrap bytes(label)`, then `| label filter` stages.
    fn unwrap(&mut self) -> PResult<Unwrap> {
        self.bump();
        self.bump();
        let t = self.peek();
        let conv = match (t.tok, self.peek_n(1).tok) {
            (Tok::Ident, Tok::LParen) => UnwrapConv::from_lower(&self.text(t).to_ascii_lowercase()),
            _ => None,
        };
        let label = match conv {
            Some(_) => {
                self.bump();
                self.bump();
                let (l, _) = self.label_name("a label name")?;
                self.expect(Tok::RParen, "`)`")?;
                l
            }
            None => {
                self.label_name("a label name or bytes(...), duration(...), duration_seconds(...)")?
                    .0
            }
        };
        let mut post_filters = Vec::new();
        while self.at(Tok::Pipe) && matches!(self.peek_n(1).tok, Tok::Ident | Tok::LParen) {
            self.bump();
            post_filters.push(self.label_filter(0)?);
        }
        if self.at(Tok::Pipe) || self.at(Tok::PipeExact) || self.at(Tok::PipeMatch) {
            return Err(self.unexpected("a range `[...]`").with_hint(
                "unwrap must be the last stage of the pipeline (only label filters may follow it)",
            ));
        }
        Ok(Unwrap {
            label,
            conv,
            post_filters,
        })
    }
}
