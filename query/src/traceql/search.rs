//! Search shapes: pipelines, their stages, spanset expressions, scalar filters, and spanset
//! operators between parenthesized pipelines.

use super::ast::{
    CmpOp, Pipeline, ScalarExpr, ScalarFilter, SearchExpr, SpansetExpr, Stage, Static,
};
use super::check;
use super::lexer::Op;
use super::parser::PResult;
use super::pipeline::{Node, SNode};
use super::shape::{arith_op, cmp_op, flatten, spanset_op};
use crate::diag::{Diagnostic, Span};

pub(crate) fn search(mut stages: Vec<SNode>, diags: &mut Vec<Diagnostic>) -> PResult<SearchExpr> {
    if stages.len() > 1 || !has_piped_group(&stages[0]) {
        return pipeline(stages, diags).map(SearchExpr::Pipeline);
    }
    let s = stages.pop().expect("one stage");
    if let Some(d) = scalar_pipeline_filter(&s) {
        return Err(d);
    }
    search_expr(s, diags)
}

/// Whether a parenthesized group somewhere inside holds a `|`.
fn has_piped_group(s: &SNode) -> bool {
    match &s.node {
        Node::Group(inner) => {
            matches!(inner.node, Node::Bin(Op::Pipe, ..)) || has_piped_group(inner)
        }
        Node::Bin(op, _, lhs, rhs) if *op != Op::Pipe => {
            has_piped_group(lhs) || has_piped_group(rhs)
        }
        _ => false,
    }
}

/// `({ } | count()) > 2` parses in Tempo but is rejected by its validation.
fn scalar_pipeline_filter(s: &SNode) -> Option<Diagnostic> {
    fn ends_in_aggregate(s: &SNode) -> bool {
        match &s.node {
            Node::Group(inner) => match &inner.node {
                Node::Bin(Op::Pipe, _, _, last) => matches!(last.node, Node::Agg(_)),
                _ => ends_in_aggregate(inner),
            },
            Node::Bin(op, _, lhs, rhs) if arith_op(*op).is_some() => {
                ends_in_aggregate(lhs) || ends_in_aggregate(rhs)
            }
            _ => false,
        }
    }
    let Node::Bin(op, _, lhs, _) = &s.node else {
        return None;
    };
    (cmp_op(*op).is_some() && ends_in_aggregate(lhs)).then(|| {
        check::unsupported(s.span, "comparing the result of a parenthesized pipeline")
            .with_hint("compare inside the pipeline instead: { ... } | count() > 2")
    })
}

fn search_expr(s: SNode, diags: &mut Vec<Diagnostic>) -> PResult<SearchExpr> {
    match s.node {
        Node::Group(inner) if has_piped_group(&inner) => search_expr(*inner, diags),
        Node::Group(inner) => pipeline(flatten(*inner), diags).map(SearchExpr::Pipeline),
        Node::Bin(op, op_span, lhs, rhs) => {
            let Some(op) = spanset_op(op) else {
                return Err(not_spanset_op(op_span));
            };
            let lhs = Box::new(search_expr(*lhs, diags)?);
            let rhs = Box::new(search_expr(*rhs, diags)?);
            Ok(SearchExpr::Op { op, lhs, rhs })
        }
        _ => Err(Diagnostic::new(
            s.span,
            "between parenthesized pipelines, every operand must be in parentheses",
        )
        .with_hint("wrap this side in parentheses too: ({ ... })")),
    }
}

fn not_spanset_op(op_span: Span) -> Diagnostic {
    Diagnostic::new(op_span, "this operator cannot combine spansets").with_hint(
        "combine spansets with && || > < >> << ~ or their negated (!>) and union (&>) forms",
    )
}

pub(crate) fn pipeline(stages: Vec<SNode>, diags: &mut Vec<Diagnostic>) -> PResult<Pipeline> {
    let mut out = Vec::with_capacity(stages.len());
    for (i, s) in stages.into_iter().enumerate() {
        out.push(stage(s, i == 0, diags)?);
    }
    Ok(Pipeline { stages: out })
}

fn stage(s: SNode, first: bool, diags: &mut Vec<Diagnostic>) -> PResult<Stage> {
    let span = s.span;
    match s.node {
        Node::By(e) => Ok(Stage::By(e)),
        Node::Select(fields) => Ok(Stage::Select(fields)),
        Node::Coalesce if first => Err(Diagnostic::new(
            span,
            "a pipeline cannot start with coalesce()",
        )),
        Node::Coalesce => Ok(Stage::Coalesce),
        Node::Bin(op, op_span, lhs, rhs) if cmp_op(op).is_some() && is_scalar(&lhs) => {
            scalar_filter(cmp_op(op).expect("checked"), op_span, *lhs, *rhs, diags)
                .map(Stage::ScalarFilter)
        }
        Node::Agg(_) => Err(
            Diagnostic::new(span, "an aggregate must be compared with a value")
                .with_hint("e.g. { } | count() > 2 or avg(duration) > 1s"),
        ),
        Node::TopK(_) | Node::BottomK(_) => Err(Diagnostic::new(
            span,
            "topk() and bottomk() must follow a metrics function",
        )
        .with_hint("e.g. { } | rate() by (resource.service.name) | topk(5)")),
        node => spanset(SNode { node, span }).map(Stage::Spanset),
    }
}

fn is_scalar(s: &SNode) -> bool {
    match &s.node {
        Node::Agg(_) | Node::Num(_) => true,
        Node::Group(inner) => is_scalar(inner),
        Node::Bin(op, _, lhs, _) => arith_op(*op).is_some() && is_scalar(lhs),
        _ => false,
    }
}

fn scalar_filter(
    op: CmpOp,
    op_span: Span,
    lhs: SNode,
    rhs: SNode,
    diags: &mut Vec<Diagnostic>,
) -> PResult<ScalarFilter> {
    let (lspan, rspan) = (lhs.span, rhs.span);
    let lhs = scalar(lhs)?;
    let rhs = scalar(rhs)?;
    if !matches!(lhs, ScalarExpr::Aggregate(_)) || !matches!(rhs, ScalarExpr::Static(_)) {
        let span = lspan.cover(rspan);
        diags
            .push(check::unsupported(span, "this scalar filter").with_hint(
                "tempo supports an aggregate compared with a literal, e.g. count() > 2",
            ));
    }
    let _ = op_span;
    Ok(ScalarFilter { op, lhs, rhs })
}

fn scalar(s: SNode) -> PResult<ScalarExpr> {
    match s.node {
        Node::Agg(a) => Ok(ScalarExpr::Aggregate(a)),
        Node::Num(v) => Ok(ScalarExpr::Static(v)),
        Node::Group(inner) => scalar(*inner),
        Node::Bin(op, op_span, lhs, rhs) => {
            let Some(op) = arith_op(op) else {
                return Err(Diagnostic::new(
                    op_span,
                    "unexpected operator in a scalar expression",
                ));
            };
            Ok(ScalarExpr::Binary {
                op,
                lhs: Box::new(scalar(*lhs)?),
                rhs: Box::new(scalar(*rhs)?),
            })
        }
        Node::Value(v) => Err(Diagnostic::new(
            s.span,
            format!(
                "aggregates compare with numbers and durations, not {}",
                describe_static(&v)
            ),
        )
        .with_hint("e.g. count() > 2 or avg(duration) > 500ms")),
        _ => Err(Diagnostic::new(
            s.span,
            "expected an aggregate, a number or a duration",
        )),
    }
}

fn describe_static(v: &Static) -> &'static str {
    match v {
        Static::String(_) => "strings",
        Static::Status(_) => "status values",
        Static::Kind(_) => "kind values",
        Static::Bool(_) => "booleans",
        _ => "this value",
    }
}

fn spanset(s: SNode) -> PResult<SpansetExpr> {
    match s.node {
        Node::Filter(e) => Ok(SpansetExpr::Filter(e)),
        Node::Group(inner) => spanset(*inner),
        Node::Bin(Op::Pipe, op_span, ..) => Err(Diagnostic::new(op_span, "a parenthesized pipeline cannot be used as a pipeline stage")
            .with_hint("remove the parentheses, or combine parenthesized pipelines only with spanset operators such as && or >>")),
        Node::Bin(op, op_span, lhs, rhs) => {
            if matches!(lhs.node, Node::Agg(_)) {
                return Err(Diagnostic::new(op_span, "scalar filters cannot be combined with spansets")
                    .with_hint("put the scalar filter in its own pipeline stage: { ... } | count() > 3 | { ... }"));
            }
            let Some(op) = spanset_op(op) else {
                return Err(not_spanset_op(op_span));
            };
            let lhs = Box::new(spanset(*lhs)?);
            let rhs = Box::new(spanset(*rhs)?);
            Ok(SpansetExpr::Op { op, lhs, rhs })
        }
        Node::Agg(_) | Node::By(_) | Node::Select(_) | Node::Coalesce | Node::Metric(_) => {
            Err(Diagnostic::new(s.span, "expected a spanset filter here")
                .with_hint("pipeline operations go in their own stage after |"))
        }
        _ => Err(Diagnostic::new(s.span, "expected a spanset filter such as { status = error }")
            .with_hint("span conditions go inside braces, e.g. { true } or { .a = 1 }")),
    }
}
