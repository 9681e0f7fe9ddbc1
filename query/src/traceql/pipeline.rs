//! The pipeline level: spanset filters, parentheses, aggregates, `by()`, `select()`, metrics
//! functions and the operators between them, read into an untyped tree of `Node`s.
//!
//! Tempo's grammar gives `>` three meanings here (child, greater-than after an aggregate,
//! a metrics filter) and lets `(` open a spanset expression, a pipeline, a scalar expression or
//! a metrics query. Rather than guess while reading, this parser builds a neutral tree with one
//! precedence table (`|` lowest; `&& ||`; comparisons and structural operators; `+ -`;
//! `* / %`; `^`), and `shape.rs` then decides what each part is and reports what does not fit.

use super::ast::{Aggregate, Field, FieldExpr, MetricsFn, MetricsKind, Static};
use super::check::{self, MAX_GROUP_BYS, Ty};
use super::field::Typed;
use super::keywords::{is_keyword, keyword_static};
use super::lexer::{Op, Tok};
use super::parser::{PResult, Parser};
use crate::diag::{Diagnostic, Span};

pub(crate) struct SNode {
    pub node: Node,
    pub span: Span,
}

pub(crate) enum Node {
    Filter(Option<FieldExpr>),
    Group(Box<SNode>),
    /// An int, float or duration literal, possibly negated.
    Num(Static),
    /// Any other literal; only valid on the right of a comparison with a whole pipeline.
    Value(Static),
    Agg(Aggregate),
    By(FieldExpr),
    Select(Vec<Field>),
    Coalesce,
    Metric(MetricsFn),
    TopK(i64),
    BottomK(i64),
    /// An operator, its own span, and its operands.
    Bin(Op, Span, Box<SNode>, Box<SNode>),
}

fn binding_power(op: Op) -> Option<u8> {
    use Op::*;
    Some(match op {
        Pipe => 1,
        And | Or => 2,
        Eq | Neq | Lt | Lte | Gt | Gte | Re | Nre | Desc | Ance | Tilde | NotChild | NotParent
        | NotDesc | NotAnce | UChild | UParent | UDesc | UAnce | USibl => 3,
        Add | Sub => 4,
        Mul | Div | Mod => 6,
        Pow => 7,
        Not => return None,
    })
}

const EXPECTED_STAGE: &str = "a spanset filter such as { status = error }";

impl<'a> Parser<'a> {
    pub(crate) fn node(&mut self, min_bp: u8) -> PResult<SNode> {
        self.nested(|p| p.node_inner(min_bp))
    }

    fn node_inner(&mut self, min_bp: u8) -> PResult<SNode> {
        let mut lhs = self.node_primary()?;
        while let Tok::Op(op) = *self.peek() {
            let Some(bp) = binding_power(op) else { break };
            if bp < min_bp {
                break;
            }
            let op_span = self.bump().span;
            let next = if op == Op::Pow { bp } else { bp + 1 };
            let rhs = self.node(next)?;
            let span = lhs.span.cover(rhs.span);
            lhs = SNode {
                node: Node::Bin(op, op_span, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn node_primary(&mut self) -> PResult<SNode> {
        let start = self.span();
        let node = match self.peek().clone() {
            Tok::LBrace => self
                .spanset_filter()?
                .map_or(Node::Filter(None), |e| Node::Filter(Some(e))),
            Tok::LParen => {
                self.bump();
                let inner = self.node(0)?;
                self.expect(&Tok::RParen, "`)`")?;
                Node::Group(Box::new(inner))
            }
            Tok::Op(Op::Sub)
                if matches!(
                    self.peek_at(1),
                    Tok::Int(_) | Tok::Float(_) | Tok::Duration(_)
                ) =>
            {
                self.bump();
                Node::Num(negated(self.bump().tok))
            }
            Tok::Int(v) => self.skip(Node::Num(Static::Int(v))),
            Tok::Float(v) => self.skip(Node::Num(Static::Float(v))),
            Tok::Duration(v) => self.skip(Node::Num(Static::Duration(v))),
            Tok::Str(s) => self.skip(Node::Value(Static::String(s.into_owned()))),
            Tok::Ident(w) => self.word_node(w)?,
            Tok::Attr { .. } | Tok::ScopeColon(_) => return Err(self.missing_braces()),
            _ => return Err(self.unexpected(EXPECTED_STAGE)),
        };
        Ok(SNode {
            node,
            span: start.cover(Span::new(start.start, self.prev_end())),
        })
    }

    fn skip(&mut self, node: Node) -> Node {
        self.bump();
        node
    }

    fn word_node(&mut self, word: &'a str) -> PResult<Node> {
        if let Some(s) = keyword_static(word) {
            self.bump();
            return Ok(Node::Value(s));
        }
        match word {
            "count" | "avg" | "min" | "max" | "sum" => self.aggregate(word),
            "by" => {
                self.bump();
                self.expect(&Tok::LParen, "`(`")?;
                let e = self.field_expr()?;
                if !e.reads_span {
                    self.report(Diagnostic::new(e.span, "by() must group by something read from the span")
                        .with_hint("group by an attribute or intrinsic, e.g. by(resource.service.name)"));
                }
                self.expect(&Tok::RParen, "`)`")?;
                Ok(Node::By(e.expr))
            }
            "select" => {
                self.bump();
                Ok(Node::Select(self.field_list()?))
            }
            "coalesce" => {
                self.bump();
                self.expect(&Tok::LParen, "`(`")?;
                self.expect(&Tok::RParen, "`)`")?;
                Ok(Node::Coalesce)
            }
            "topk" | "bottomk" => self.top_bottom(word),
            _ if metrics_word(word) => Ok(Node::Metric(self.metrics_fn(word)?)),
            _ if is_keyword(word) => Err(self.missing_braces()),
            _ => Err(self.unknown_identifier(word)),
        }
    }

    fn missing_braces(&self) -> Diagnostic {
        self.unexpected(EXPECTED_STAGE)
            .with_hint("span conditions go inside braces, e.g. { resource.service.name = \"api\" }")
    }

    /// `{}` (None) or `{ expr }`.
    pub(crate) fn spanset_filter(&mut self) -> PResult<Option<FieldExpr>> {
        self.expect(&Tok::LBrace, "`{`")?;
        if self.eat(&Tok::RBrace) {
            return Ok(None);
        }
        let e = self.field_expr()?;
        if *self.peek() != Tok::RBrace {
            return Err(self.close_brace_error());
        }
        self.bump();
        if let Some(d) = check::filter_condition(e.ty, e.span) {
            self.report(d);
        }
        Ok(Some(e.expr))
    }

    fn close_brace_error(&self) -> Diagnostic {
        let d = self.unexpected("an operator or `}`");
        match self.peek() {
            Tok::Ident("AND" | "and") => d.with_hint("use && to combine conditions"),
            Tok::Ident("OR" | "or") => d.with_hint("use || for alternatives"),
            Tok::Op(Op::Pipe) => d.with_hint("close the filter with } before the |"),
            Tok::Eof => d.with_hint("close the filter with }"),
            _ => d,
        }
    }

    fn aggregate(&mut self, word: &str) -> PResult<Node> {
        self.bump();
        self.expect(&Tok::LParen, "`(`")?;
        if word == "count" {
            self.expect(&Tok::RParen, "`)` (count() takes no argument)")?;
            return Ok(Node::Agg(Aggregate::Count));
        }
        let e = self.field_expr()?;
        self.check_aggregate_arg(word, &e);
        self.expect(&Tok::RParen, "`)`")?;
        let expr = e.expr;
        Ok(Node::Agg(match word {
            "avg" => Aggregate::Avg(expr),
            "min" => Aggregate::Min(expr),
            "max" => Aggregate::Max(expr),
            _ => Aggregate::Sum(expr),
        }))
    }

    fn check_aggregate_arg(&mut self, word: &str, e: &Typed) {
        if e.ty != Ty::Attr && !e.ty.is_numeric() {
            let msg = format!("{word}() needs a number, found {}", e.ty.with_article());
            self.report(
                Diagnostic::new(e.span, msg)
                    .with_hint("aggregate a numeric attribute or duration, e.g. avg(duration)"),
            );
        } else if !e.reads_span {
            let msg = format!("{word}() must aggregate something read from the span");
            self.report(
                Diagnostic::new(e.span, msg).with_hint("e.g. max(duration) or sum(span.bytes)"),
            );
        }
    }

    /// `( field, field, ... )`
    fn field_list(&mut self) -> PResult<Vec<Field>> {
        self.expect(&Tok::LParen, "`(`")?;
        let mut fields = vec![self.checked_field()?];
        while self.eat(&Tok::Comma) {
            fields.push(self.checked_field()?);
        }
        self.expect(&Tok::RParen, "`,` or `)`")?;
        Ok(fields)
    }

    fn checked_field(&mut self) -> PResult<Field> {
        let start = self.span();
        let field = self.plain_field()?;
        let span = start.cover(Span::new(start.start, self.prev_end()));
        match &field {
            Field::Intrinsic(super::ast::Intrinsic::Parent) => {
                self.report(check::unsupported(span, "the `parent` intrinsic"))
            }
            Field::Attribute(a) if a.parent => {
                self.report(check::unsupported(span, "reading `parent.` attributes"))
            }
            _ => {}
        }
        Ok(field)
    }

    fn top_bottom(&mut self, word: &str) -> PResult<Node> {
        self.bump();
        self.expect(&Tok::LParen, "`(`")?;
        let span = self.span();
        let Tok::Int(n) = *self.peek() else {
            return Err(self.unexpected("an integer"));
        };
        self.bump();
        if n <= 0 {
            self.report(Diagnostic::new(
                span,
                format!("{word}() limit must be greater than 0"),
            ));
        }
        self.expect(&Tok::RParen, "`)`")?;
        Ok(if word == "topk" {
            Node::TopK(n)
        } else {
            Node::BottomK(n)
        })
    }

    fn metrics_fn(&mut self, word: &str) -> PResult<MetricsFn> {
        let fn_span = self.bump().span;
        self.expect(&Tok::LParen, "`(`")?;
        let kind = match word {
            "rate" => MetricsKind::Rate,
            "count_over_time" => MetricsKind::CountOverTime,
            "compare" => return self.compare(),
            _ => self.metrics_with_field(word)?,
        };
        self.expect(&Tok::RParen, "`)`")?;
        let by = if self.at_ident("by") {
            self.bump();
            self.field_list()?
        } else {
            Vec::new()
        };
        let limit = if matches!(
            kind,
            MetricsKind::QuantileOverTime(..) | MetricsKind::HistogramOverTime(_)
        ) {
            MAX_GROUP_BYS - 1
        } else {
            MAX_GROUP_BYS
        };
        if by.len() > limit {
            let span = fn_span.cover(Span::new(fn_span.start, self.prev_end()));
            let what = format!("grouping {word}() by {} labels (at most {limit})", by.len());
            self.report(check::unsupported(span, &what));
        }
        Ok(MetricsFn { kind, by })
    }

    fn metrics_with_field(&mut self, word: &str) -> PResult<MetricsKind> {
        let field = self.checked_field()?;
        Ok(match word {
            "min_over_time" => MetricsKind::MinOverTime(field),
            "max_over_time" => MetricsKind::MaxOverTime(field),
            "avg_over_time" => MetricsKind::AvgOverTime(field),
            "sum_over_time" => MetricsKind::SumOverTime(field),
            "histogram_over_time" => MetricsKind::HistogramOverTime(field),
            _ => {
                self.expect(
                    &Tok::Comma,
                    "`,` and the quantiles, e.g. quantile_over_time(duration, .99)",
                )?;
                let mut qs = vec![self.quantile()?];
                while self.eat(&Tok::Comma) {
                    qs.push(self.quantile()?);
                }
                MetricsKind::QuantileOverTime(field, qs)
            }
        })
    }

    fn quantile(&mut self) -> PResult<f64> {
        let span = self.span();
        let q = match *self.peek() {
            Tok::Int(v) => v as f64,
            Tok::Float(v) => v,
            _ => return Err(self.unexpected("a quantile such as 0.99")),
        };
        self.bump();
        if let Some(d) = check::quantile(q, span) {
            self.report(d);
        }
        Ok(q)
    }

    /// `compare({...})`, `compare({...}, topN)` or `compare({...}, topN, start, end)`.
    fn compare(&mut self) -> PResult<MetricsFn> {
        let selection = self.spanset_filter()?;
        let mut ints = Vec::new();
        while self.eat(&Tok::Comma) {
            let Tok::Int(v) = *self.peek() else {
                return Err(self.unexpected("an integer"));
            };
            self.bump();
            ints.push(v);
            if ints.len() == 3 {
                break;
            }
        }
        if ints.len() == 2 {
            return Err(self.unexpected("`,` and the end of the comparison window"));
        }
        self.expect(&Tok::RParen, "`,` or `)`")?;
        let kind = MetricsKind::Compare {
            selection,
            top_n: ints.first().copied(),
            window: (ints.len() == 3).then(|| (ints[1], ints[2])),
        };
        Ok(MetricsFn {
            kind,
            by: Vec::new(),
        })
    }
}

fn negated(tok: Tok<'_>) -> Static {
    match tok {
        Tok::Int(v) => Static::Int(-v),
        Tok::Float(v) => Static::Float(-v),
        Tok::Duration(v) => Static::Duration(-v),
        _ => Static::Nil,
    }
}

fn metrics_word(word: &str) -> bool {
    matches!(
        word,
        "rate"
            | "count_over_time"
            | "min_over_time"
            | "max_over_time"
            | "avg_over_time"
            | "sum_over_time"
            | "quantile_over_time"
            | "histogram_over_time"
            | "compare"
    )
}
