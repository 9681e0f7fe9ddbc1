//! Field expressions: what goes inside `{ }`, `by()`, aggregates and `select()`.
//!
//! A Pratt parser with Tempo's precedence, lowest first: `&& ||` (one level, left), comparisons
//! and regex matches, `+ -`, `* / %`, and `^` (right). Unary `-` and `!` take everything tighter
//! than `+ -`. Types are checked as the tree is built, so diagnostics point at the operands.

use super::ast::{
    ArithOp, Attribute, BinaryOp, CmpOp, Field, FieldExpr, Intrinsic, Static, UnaryOp,
};
use super::check::{self, Operand, Ty};
use super::keywords::{is_keyword, keyword_static};
use super::lexer::{Op, Tok};
use super::parser::{PResult, Parser};
use crate::diag::{Diagnostic, Span};

/// A field expression with what the checks need to know about it.
pub(crate) struct Typed {
    pub expr: FieldExpr,
    pub ty: Ty,
    pub span: Span,
    /// Whether it reads anything from the span (an attribute or intrinsic).
    pub reads_span: bool,
}

fn binary_op(tok: &Tok<'_>) -> Option<(BinaryOp, u8)> {
    let Tok::Op(op) = tok else { return None };
    Some(match op {
        Op::And => (BinaryOp::And, 1),
        Op::Or => (BinaryOp::Or, 1),
        Op::Eq => (BinaryOp::Cmp(CmpOp::Eq), 2),
        Op::Neq => (BinaryOp::Cmp(CmpOp::Neq), 2),
        Op::Lt => (BinaryOp::Cmp(CmpOp::Lt), 2),
        Op::Lte => (BinaryOp::Cmp(CmpOp::Lte), 2),
        Op::Gt => (BinaryOp::Cmp(CmpOp::Gt), 2),
        Op::Gte => (BinaryOp::Cmp(CmpOp::Gte), 2),
        Op::Re => (BinaryOp::Re, 2),
        Op::Nre => (BinaryOp::NotRe, 2),
        Op::Add => (BinaryOp::Arith(ArithOp::Add), 3),
        Op::Sub => (BinaryOp::Arith(ArithOp::Sub), 3),
        Op::Mul => (BinaryOp::Arith(ArithOp::Mul), 5),
        Op::Div => (BinaryOp::Arith(ArithOp::Div), 5),
        Op::Mod => (BinaryOp::Arith(ArithOp::Mod), 5),
        Op::Pow => (BinaryOp::Arith(ArithOp::Pow), 6),
        _ => return None,
    })
}

/// Unary operators bind tighter than `+ -` but looser than `* / % ^`.
const UNARY_BP: u8 = 4;

pub(crate) const EXPECTED_FIELD: &str = "a field expression";

impl<'a> Parser<'a> {
    /// A complete field expression (a bare `nil` is not one).
    pub(crate) fn field_expr(&mut self) -> PResult<Typed> {
        let t = self.field_bp(0)?;
        reject_bare_nil(&t)?;
        Ok(t)
    }

    fn field_bp(&mut self, min_bp: u8) -> PResult<Typed> {
        self.nested(|p| p.field_bp_inner(min_bp))
    }

    fn field_bp_inner(&mut self, min_bp: u8) -> PResult<Typed> {
        let mut lhs = self.field_prefix()?;
        while let Some((op, bp)) = binary_op(self.peek()) {
            if bp < min_bp {
                break;
            }
            let op_span = self.bump().span;
            if self.peek() == &Tok::Op(Op::Eq) && op == BinaryOp::Cmp(CmpOp::Eq) {
                return Err(Diagnostic::new(
                    op_span.cover(self.span()),
                    "`==` is not a traceql operator",
                )
                .with_hint("use a single = for equality"));
            }
            let next_bp = if op == BinaryOp::Arith(ArithOp::Pow) {
                bp
            } else {
                bp + 1
            };
            let rhs = self.field_bp(next_bp)?;
            lhs = self.make_binary(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn make_binary(&mut self, op: BinaryOp, lhs: Typed, rhs: Typed) -> PResult<Typed> {
        if !matches!(op, BinaryOp::Cmp(CmpOp::Eq | CmpOp::Neq)) {
            reject_bare_nil(&lhs)?;
            reject_bare_nil(&rhs)?;
        }
        let ty = self.check_binary(op, &lhs, &rhs);
        Ok(Typed {
            span: lhs.span.cover(rhs.span),
            reads_span: lhs.reads_span || rhs.reads_span,
            expr: FieldExpr::Binary {
                op,
                lhs: Box::new(lhs.expr),
                rhs: Box::new(rhs.expr),
            },
            ty,
        })
    }

    /// The type of `lhs op rhs`; reports what Tempo's validation would reject.
    fn check_binary(&mut self, op: BinaryOp, lhs: &Typed, rhs: &Typed) -> Ty {
        let (l, r) = (operand(lhs), operand(rhs));
        let ty = check::binary(op, &l, &r).unwrap_or_else(|d| {
            self.report(d);
            if matches!(op, BinaryOp::Arith(_)) {
                Ty::Attr
            } else {
                Ty::Bool
            }
        });
        if let Some(d) = check::unitless_duration(op, &l, &r) {
            self.lints.push(d);
        }
        if let (BinaryOp::Re | BinaryOp::NotRe, Some(Static::String(p))) = (op, r.value) {
            if let Some(d) = check::regex(p, rhs.span) {
                self.report(d);
            }
        }
        ty
    }

    fn field_prefix(&mut self) -> PResult<Typed> {
        let start = self.span();
        let unary = match self.peek() {
            Tok::Op(Op::Sub) => Some(UnaryOp::Neg),
            Tok::Op(Op::Not) => Some(UnaryOp::Not),
            _ => None,
        };
        let Some(op) = unary else {
            return self.field_primary();
        };
        self.bump();
        let inner = self.field_bp(UNARY_BP + 1)?;
        reject_bare_nil(&inner)?;
        let span = start.cover(inner.span);
        if op == UnaryOp::Neg {
            if let FieldExpr::Static(s) = &inner.expr {
                if let Some(neg) = negate(s) {
                    return Ok(Typed {
                        expr: FieldExpr::Static(neg),
                        ty: inner.ty,
                        span,
                        reads_span: false,
                    });
                }
            }
        }
        let ty = check::unary(op, inner.ty, span).unwrap_or_else(|d| {
            self.report(d);
            Ty::Attr
        });
        Ok(Typed {
            expr: FieldExpr::Unary {
                op,
                expr: Box::new(inner.expr),
            },
            ty,
            span,
            reads_span: inner.reads_span,
        })
    }

    fn field_primary(&mut self) -> PResult<Typed> {
        let span = self.span();
        let stat = |s: Static| Typed {
            ty: Ty::of_static(&s),
            expr: FieldExpr::Static(s),
            span,
            reads_span: false,
        };
        let tok = self.peek().clone();
        let typed = match tok {
            Tok::LParen => return self.field_paren(),
            Tok::Str(s) => stat(Static::String(s.into_owned())),
            Tok::Int(v) => stat(Static::Int(v)),
            Tok::Float(v) => stat(Static::Float(v)),
            Tok::Duration(v) => stat(Static::Duration(v)),
            Tok::Attr { .. } | Tok::ScopeColon(_) => {
                let field = self.field_ref()?;
                return Ok(
                    self.typed_field(field, span.cover(Span::new(span.start, self.prev_end())))
                );
            }
            Tok::Ident(word) => match keyword_static(word) {
                Some(s) => stat(s),
                None => {
                    if let Some(i) = Intrinsic::from_keyword(word) {
                        self.bump();
                        return Ok(self.typed_field(Field::Intrinsic(i), span));
                    }
                    return Err(self.unknown_identifier(word));
                }
            },
            _ => return Err(self.unexpected(EXPECTED_FIELD)),
        };
        self.bump();
        Ok(typed)
    }

    fn field_paren(&mut self) -> PResult<Typed> {
        let open = self.bump().span;
        let inner = self.field_bp(0)?;
        reject_bare_nil(&inner)?;
        let close = self.expect(&Tok::RParen, "`)`")?;
        Ok(Typed {
            span: open.cover(close),
            ..inner
        })
    }

    fn typed_field(&mut self, field: Field, span: Span) -> Typed {
        let ty = match &field {
            Field::Intrinsic(Intrinsic::Parent) => {
                self.report(check::unsupported(span, "the `parent` intrinsic"));
                Ty::Attr
            }
            Field::Intrinsic(i) => Ty::of_intrinsic(*i),
            Field::Attribute(a) => {
                if a.parent {
                    self.report(check::unsupported(span, "reading `parent.` attributes"));
                }
                Ty::Attr
            }
        };
        Typed {
            expr: FieldExpr::Field(field),
            ty,
            span,
            reads_span: true,
        }
    }

    /// An attribute or a scoped intrinsic (`span.x`, `.x`, `trace:id`, `span:duration`).
    pub(crate) fn field_ref(&mut self) -> PResult<Field> {
        let token = self.bump();
        match token.tok {
            Tok::Attr {
                scope,
                parent,
                name,
            } => Ok(Field::Attribute(Attribute {
                scope,
                parent,
                name: name.into_owned(),
            })),
            Tok::ScopeColon(scope) => {
                let name_span = self.span();
                let found = match self.peek() {
                    Tok::Ident(w) => Intrinsic::from_scoped(scope, w),
                    _ => None,
                };
                match found {
                    Some(i) => {
                        self.bump();
                        Ok(Field::Intrinsic(i))
                    }
                    None => Err(Diagnostic::new(
                        token.span.cover(name_span),
                        format!("unknown intrinsic after `{scope}:`"),
                    )
                    .with_hint(scoped_hint(scope))),
                }
            }
            _ => Err(Diagnostic::new(
                token.span,
                "expected an attribute or intrinsic",
            )),
        }
    }

    /// A field usable in `select()`, `by (...)` and metrics functions: no expressions.
    pub(crate) fn plain_field(&mut self) -> PResult<Field> {
        match self.peek().clone() {
            Tok::Attr { .. } | Tok::ScopeColon(_) => self.field_ref(),
            Tok::Ident(w) if Intrinsic::from_keyword(w).is_some() => {
                self.bump();
                Ok(Field::Intrinsic(
                    Intrinsic::from_keyword(w).unwrap_or(Intrinsic::Name),
                ))
            }
            Tok::Ident(w) if keyword_static(w).is_none() && !is_keyword(w) => {
                Err(self.unknown_identifier(w))
            }
            _ => {
                Err(self
                    .unexpected("an attribute or intrinsic such as span.http.route or duration"))
            }
        }
    }

    pub(crate) fn unknown_identifier(&self, word: &str) -> Diagnostic {
        if is_keyword(word) {
            let d = self.unexpected(EXPECTED_FIELD);
            return if word == "childCount" {
                d.with_hint("use span:childCount")
            } else {
                d
            };
        }
        let span = self.span();
        let d = Diagnostic::new(span, format!("unknown identifier `{word}`"));
        let dotted = self.src[span.end..].starts_with('.');
        let hint = match word {
            "AND" | "and" => "use && to combine conditions".to_string(),
            "OR" | "or" => "use || for alternatives".to_string(),
            "NOT" | "not" => "use ! to negate a condition".to_string(),
            "service" if dotted => {
                "attribute names need a scope or a leading dot: use resource.service.name or .service.name".to_string()
            }
            _ if dotted => format!("attribute names need a scope or a leading dot: use span.{word}... or .{word}..."),
            _ => format!("if `{word}` is an attribute, write .{word} or span.{word}; strings need double quotes"),
        };
        d.with_hint(hint)
    }
}

fn operand(t: &Typed) -> Operand<'_> {
    let value = match &t.expr {
        FieldExpr::Static(s) => Some(s),
        _ => None,
    };
    Operand {
        ty: t.ty,
        span: t.span,
        value,
    }
}

fn reject_bare_nil(t: &Typed) -> PResult<()> {
    if matches!(t.expr, FieldExpr::Static(Static::Nil)) {
        return Err(
            Diagnostic::new(t.span, "`nil` can only be compared with = or !=")
                .with_hint("test whether an attribute exists with span.foo != nil"),
        );
    }
    Ok(())
}

fn negate(s: &Static) -> Option<Static> {
    match s {
        Static::Int(v) => v.checked_neg().map(Static::Int),
        Static::Float(v) => Some(Static::Float(-v)),
        Static::Duration(v) => v.checked_neg().map(Static::Duration),
        _ => None,
    }
}

fn scoped_hint(scope: &str) -> &'static str {
    match scope {
        "trace" => "trace: takes duration, rootName, rootService or id",
        "span" => {
            "span: takes duration, name, kind, status, statusMessage, id, parentID or childCount"
        }
        "event" => "event: takes name or timeSinceStart; event attributes are written event.name",
        "link" => "link: takes traceID or spanID",
        _ => "instrumentation: takes name or version",
    }
}
