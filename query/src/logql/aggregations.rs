//! Aggregations and other calls: range and vector aggregations, grouping, label_replace.

use crate::diag::{Diagnostic, Span};

use super::ast::*;
use super::check;
use super::lexer::{Kw, Tok};
use super::parser::{PResult, Parser};

impl Parser<'_> {
    pub(super) fn grouping(&mut self) -> PResult<Option<Grouping>> {
        let without = match self.peek().tok {
            Tok::Kw(Kw::By) => false,
            Tok::Kw(Kw::Without) => true,
            _ => return Ok(None),
        };
        let kw = self.bump();
        if !self.at(Tok::LParen) {
            return Err(self.unexpected("`(`").with_hint(format!(
                "put the labels in parentheses: {} (label)",
                self.text(kw).to_ascii_lowercase()
            )));
        }
        Ok(Some(Grouping {
            without,
            labels: self.label_list()?,
        }))
    }

    pub(super) fn range_aggregation(
        &mut self,
        op: RangeOp,
        name: &str,
    ) -> PResult<RangeAggregation> {
        let open = self.expect(Tok::LParen, "`(`")?;
        let mut param = None;
        if self.at(Tok::Number) && self.peek_n(1).tok == Tok::Comma {
            let t = self.bump();
            self.bump();
            param = Some((self.text(t), t.span));
        }
        let range = self.log_range(name)?;
        self.expect(Tok::RParen, "`)`")?;
        let grouping = self.grouping()?;
        let span = Span::new(open.span.start, self.last_end());
        let param = self.range_param(op, name, param, span);
        let agg = RangeAggregation {
            op,
            param,
            range,
            grouping,
        };
        check::range_aggregation(self, &agg, name, span);
        Ok(agg)
    }

    fn range_param(
        &mut self,
        op: RangeOp,
        name: &str,
        param: Option<(&str, Span)>,
        span: Span,
    ) -> Option<f64> {
        match (param, op) {
            (None, RangeOp::QuantileOverTime) => {
                self.check(span, format!("parameter required for operation {name}"))
                    .hint = Some(
                    "give the quantile first: quantile_over_time(0.99, {...} | unwrap x [5m])"
                        .into(),
                );
                None
            }
            (Some((text, span)), RangeOp::QuantileOverTime) => match check::number(text) {
                Ok(v) => Some(v),
                Err(msg) => {
                    self.check(span, msg);
                    None
                }
            },
            (Some((text, span)), _) => {
                self.check(
                    span,
                    format!("parameter {text} not supported for operation {name}"),
                );
                None
            }
            (None, _) => None,
        }
    }

    pub(super) fn vector_aggregation(
        &mut self,
        op: VectorOp,
        name: &str,
        start: Span,
    ) -> PResult<VectorAggregation> {
        let before = self.grouping()?;
        if !self.at(Tok::LParen) {
            return Err(self.unexpected("`(`").with_hint(format!(
                "put the aggregated query in parentheses: {name} by (label) (rate({{app=\"api\"}}[5m]))"
            )));
        }
        self.bump();
        let mut param = None;
        if self.at(Tok::Number) && self.peek_n(1).tok == Tok::Comma {
            let t = self.bump();
            self.bump();
            param = Some((self.text(t), t.span));
        }
        let (inner, inner_span) = self.expr(0)?;
        let inner = self.aggregated(inner, inner_span, name)?;
        if !self.at(Tok::RParen) {
            return Err(self.vector_args_error(name));
        }
        self.bump();
        let grouping = match before {
            Some(g) => Some(g),
            None => self.grouping()?,
        };
        let span = Span::new(start.start, self.last_end());
        let param = check::vector_param(self, op, name, param, grouping.as_ref(), span);
        Ok(VectorAggregation {
            op,
            param,
            grouping,
            expr: Box::new(inner),
        })
    }

    fn vector_args_error(&self, name: &str) -> Diagnostic {
        let d = self.unexpected("`)` or a binary operator");
        if self.at(Tok::Comma) && matches!(name, "topk" | "bottomk" | "approx_topk") {
            return d.with_hint(format!("the number comes first: {name}(5, <metric query>)"));
        }
        d
    }

    fn aggregated(&self, e: Expr, span: Span, name: &str) -> PResult<MetricExpr> {
        match e {
            Expr::Metric(m) => Ok(m),
            Expr::Log(_) => Err(Diagnostic::new(
                span,
                format!("{name}(...) aggregates a metric query, but this is a log query"),
            )
            .with_hint(format!(
                "count lines first: {name}(count_over_time({}[5m]))",
                &self.src[span.start..span.end]
            ))),
        }
    }

    pub(super) fn label_replace(&mut self) -> PResult<(Expr, Span)> {
        let start = self.bump().span;
        self.expect(Tok::LParen, "`(`")?;
        let (inner, inner_span) = self.expr(0)?;
        let expr = self.aggregated(inner, inner_span, "label_replace")?;
        let mut args: [(String, Span); 4] = Default::default();
        for arg in &mut args {
            self.expect(Tok::Comma, "`,`")?;
            *arg = self.string("a string")?;
        }
        self.expect(Tok::RParen, "`)`")?;
        let [dst, replacement, src, regex] = args;
        check::label_replace(self, &dst, &regex);
        let lr = LabelReplace {
            expr,
            dst: dst.0,
            replacement: replacement.0,
            src: src.0,
            regex: regex.0,
        };
        let span = Span::new(start.start, self.last_end());
        Ok((Expr::Metric(MetricExpr::LabelReplace(Box::new(lr))), span))
    }
}
