//! Expressions: operands, binary operators (precedence climbing) and function calls.

use crate::diag::{Diagnostic, Span};

use super::ast::*;
use super::check;
use super::hints;
use super::lexer::{Kw, Tok};
use super::names::{RANGE_OPS, VECTOR_OPS, range_op, vector_op};
use super::parser::{PResult, Parser};

impl Parser<'_> {
    /// An expression whose binary operators bind at least as tightly as `min_prec`.
    pub(super) fn expr(&mut self, min_prec: u8) -> PResult<(Expr, Span)> {
        self.nested(|p| p.expr_inner(min_prec))
    }

    fn expr_inner(&mut self, min_prec: u8) -> PResult<(Expr, Span)> {
        let (mut lhs, mut span) = self.operand()?;
        while let Some(op) = self.binop_at() {
            let prec = precedence(op);
            if prec < min_prec {
                break;
            }
            let op_tok = self.bump();
            let modifier = self.bin_modifier()?;
            let next_min = if op == BinOp::Pow { prec } else { prec + 1 };
            let (rhs, rhs_span) = self.expr(next_min)?;
            let lhs_m = self.metric_leg(lhs, span, op_tok.span, "left")?;
            let rhs_m = self.metric_leg(rhs, rhs_span, op_tok.span, "right")?;
            self.check_logical_literals(op, &lhs_m, &rhs_m, op_tok.span);
            lhs = Expr::Metric(MetricExpr::Binary(Box::new(BinaryExpr {
                op,
                modifier,
                lhs: lhs_m,
                rhs: rhs_m,
            })));
            span = span.cover(rhs_span);
        }
        Ok((lhs, span))
    }

    fn metric_leg(&self, e: Expr, span: Span, op: Span, side: &str) -> PResult<MetricExpr> {
        match e {
            Expr::Metric(m) => Ok(m),
            Expr::Log(_) => Err(Diagnostic::new(
                span,
                format!("the {side} side of `{}` is a log query, not a metric query", &self.src[op.start..op.end]),
            )
            .with_hint("binary operators combine metric queries; wrap the log query in a range aggregation such as count_over_time({...}[5m])")),
        }
    }

    fn check_logical_literals(
        &mut self,
        op: BinOp,
        lhs: &MetricExpr,
        rhs: &MetricExpr,
        span: Span,
    ) {
        if !matches!(op, BinOp::And | BinOp::Or | BinOp::Unless) {
            return;
        }
        for (side, e) in [("left", lhs), ("right", rhs)] {
            if let MetricExpr::Literal(v) = e {
                self.check(span, format!("unexpected literal {v} for {side} leg of logical/set binary operation ({})", binop_name(op)))
                    .hint = Some("`and`, `or` and `unless` work on vectors; compare with a number using `>`/`==` instead".into());
            }
        }
    }

    fn binop_at(&self) -> Option<BinOp> {
        Some(match self.peek().tok {
            Tok::Kw(Kw::Or) => BinOp::Or,
            Tok::Kw(Kw::And) => BinOp::And,
            Tok::Kw(Kw::Unless) => BinOp::Unless,
            Tok::Add => BinOp::Add,
            Tok::Sub => BinOp::Sub,
            Tok::Mul => BinOp::Mul,
            Tok::Div => BinOp::Div,
            Tok::Mod => BinOp::Mod,
            Tok::Pow => BinOp::Pow,
            Tok::CmpEq => BinOp::Eq,
            Tok::Neq => BinOp::Neq,
            Tok::Gt => BinOp::Gt,
            Tok::Gte => BinOp::Gte,
            Tok::Lt => BinOp::Lt,
            Tok::Lte => BinOp::Lte,
            _ => return None,
        })
    }

    /// `bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)`.
    fn bin_modifier(&mut self) -> PResult<BinModifier> {
        let return_bool = self.eat(Tok::Kw(Kw::Bool));
        let on = match self.peek().tok {
            Tok::Kw(Kw::On) => true,
            Tok::Kw(Kw::Ignoring) => false,
            _ => {
                return Ok(BinModifier {
                    return_bool,
                    matching: None,
                });
            }
        };
        self.bump();
        let labels = self.label_list()?;
        let left = match self.peek().tok {
            Tok::Kw(Kw::GroupLeft) => Some(true),
            Tok::Kw(Kw::GroupRight) => Some(false),
            _ => None,
        };
        let group = match left {
            Some(left) => {
                self.bump();
                let include = if self.at(Tok::LParen) {
                    self.label_list()?
                } else {
                    Vec::new()
                };
                Some(GroupModifier { left, include })
            }
            None => None,
        };
        Ok(BinModifier {
            return_bool,
            matching: Some(VectorMatching { on, labels, group }),
        })
    }

    /// One operand: a parenthesised expression, a log query, a number or a function call.
    fn operand(&mut self) -> PResult<(Expr, Span)> {
        let t = self.peek();
        match t.tok {
            Tok::LParen => {
                self.bump();
                let (e, _) = self.expr(0)?;
                self.expect(Tok::RParen, "`)` or a binary operator")?;
                Ok((e, Span::new(t.span.start, self.last_end())))
            }
            Tok::LBrace => {
                let log = self.log_expr()?;
                Ok((Expr::Log(log), Span::new(t.span.start, self.last_end())))
            }
            Tok::Number | Tok::Add | Tok::Sub => {
                let v = self.literal()?;
                Ok((
                    Expr::Metric(MetricExpr::Literal(v)),
                    Span::new(t.span.start, self.last_end()),
                ))
            }
            Tok::Ident if self.is_call() => self.call(),
            _ => Err(self.operand_error()),
        }
    }

    fn operand_error(&self) -> Diagnostic {
        let t = self.peek();
        let d = self.unexpected("a stream selector, a function or a number");
        if t.tok == Tok::Ident && self.peek_n(1).tok == Tok::LParen {
            return hints::unknown_function(self.text(t), t.span);
        }
        if d.hint.is_some() {
            return d;
        }
        hints::operand(self, d)
    }

    /// An identifier followed by `(`, or by `by (`/`without (` (Loki's function rule).
    fn is_call(&self) -> bool {
        match self.peek_n(1).tok {
            Tok::LParen => true,
            Tok::Kw(Kw::By | Kw::Without) => self.peek_n(2).tok == Tok::LParen,
            _ => false,
        }
    }

    /// A number with an optional sign.
    pub(super) fn literal(&mut self) -> PResult<f64> {
        let neg = match self.peek().tok {
            Tok::Sub => {
                self.bump();
                true
            }
            Tok::Add => {
                self.bump();
                false
            }
            _ => false,
        };
        let t = self.expect(Tok::Number, "a number")?;
        let v = match check::number(self.text(t)) {
            Ok(v) => v,
            Err(msg) => {
                self.check(t.span, msg);
                0.0
            }
        };
        Ok(if neg { -v } else { v })
    }

    fn call(&mut self) -> PResult<(Expr, Span)> {
        let t = self.peek();
        let name = self.text(t).to_ascii_lowercase();
        let m = if let Some(op) = range_op(&name) {
            self.bump();
            MetricExpr::Range(self.range_aggregation(op, &name)?)
        } else if let Some(op) = vector_op(&name) {
            self.bump();
            MetricExpr::Vector(self.vector_aggregation(op, &name, t.span)?)
        } else if name == "label_replace" && self.peek_n(1).tok == Tok::LParen {
            return self.label_replace();
        } else if name == "vector" && self.peek_n(1).tok == Tok::LParen {
            self.bump();
            self.bump();
            let n = self.expect(Tok::Number, "a number")?;
            let v = check::number(self.text(n)).unwrap_or_else(|msg| {
                self.check(n.span, msg);
                0.0
            });
            self.expect(Tok::RParen, "`)`")?;
            MetricExpr::VectorLiteral(v)
        } else {
            return Err(hints::unknown_function(self.text(t), t.span));
        };
        Ok((Expr::Metric(m), Span::new(t.span.start, self.last_end())))
    }
}

/// Loki's precedence, lowest first; `^` is the only right-associative operator.
pub(super) fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And | BinOp::Unless => 2,
        BinOp::Eq | BinOp::Neq | BinOp::Gt | BinOp::Gte | BinOp::Lt | BinOp::Lte => 3,
        BinOp::Add | BinOp::Sub => 4,
        BinOp::Mul | BinOp::Div | BinOp::Mod => 5,
        BinOp::Pow => 6,
    }
}

pub(super) fn binop_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Or => "or",
        BinOp::And => "and",
        BinOp::Unless => "unless",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Pow => "^",
        BinOp::Eq => "==",
        BinOp::Neq => "!=",
        BinOp::Gt => ">",
        BinOp::Gte => ">=",
        BinOp::Lt => "<",
        BinOp::Lte => "<=",
    }
}

/// Every function name LogQL knows, for suggestions.
pub(super) fn function_names() -> impl Iterator<Item = &'static str> {
    RANGE_OPS
        .iter()
        .map(|(n, _)| *n)
        .chain(VECTOR_OPS.iter().map(|(n, _)| *n))
        .chain(["vector", "label_replace"])
}
