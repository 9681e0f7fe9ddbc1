//! Turns the neutral `Node` tree into the typed query, accepting exactly the shapes Tempo's
//! grammar accepts:
//!
//! - a pipeline: stages joined by `|`, each a spanset expression (filters joined by spanset
//!   operators), a scalar filter (`count() > 2`), `by()`, `select()` or (not first) `coalesce()`;
//! - spanset operators between parenthesized pipelines, alone at the top;
//! - a pipeline, `|`, one metrics function, then `topk`/`bottomk` stages and filters (`> 10`);
//! - `+ - * /` between parenthesized metrics queries, then the same second stages.

use super::ast::{
    ArithOp, Body, CmpOp, MetricsFn, MetricsKind, MetricsMath, MetricsQuery, SecondStage, SpansetOp,
};
use super::lexer::Op;
use super::parser::PResult;
use super::pipeline::{Node, SNode};
use super::search;
use crate::diag::{Diagnostic, Span};

pub(crate) fn body(root: SNode, diags: &mut Vec<Diagnostic>) -> PResult<Body> {
    let stages = flatten(root);
    if let Some(d) = stages.iter().find_map(misplaced_metric) {
        return Err(d);
    }
    if let Some(k) = stages.iter().position(is_metric_stage) {
        let query = metrics_query(stages, k, diags)?;
        return Ok(Body::Metrics(query));
    }
    if contains_metric(&stages[0]) {
        return math(stages, diags);
    }
    search::search(stages, diags).map(Body::Search)
}

/// Splits a left-nested `a | b | c` into its stages.
pub(crate) fn flatten(node: SNode) -> Vec<SNode> {
    match node.node {
        Node::Bin(Op::Pipe, _, lhs, rhs) => {
            let mut out = flatten(*lhs);
            out.push(*rhs);
            out
        }
        other => vec![SNode {
            node: other,
            span: node.span,
        }],
    }
}

pub(crate) fn cmp_op(op: Op) -> Option<CmpOp> {
    Some(match op {
        Op::Eq => CmpOp::Eq,
        Op::Neq => CmpOp::Neq,
        Op::Lt => CmpOp::Lt,
        Op::Lte => CmpOp::Lte,
        Op::Gt => CmpOp::Gt,
        Op::Gte => CmpOp::Gte,
        _ => return None,
    })
}

pub(crate) fn spanset_op(op: Op) -> Option<SpansetOp> {
    use SpansetOp::*;
    Some(match op {
        Op::And => And,
        Op::Or => Union,
        Op::Gt => Child,
        Op::Lt => Parent,
        Op::Desc => Descendant,
        Op::Ance => Ancestor,
        Op::Tilde => Sibling,
        Op::NotChild => NotChild,
        Op::NotParent => NotParent,
        Op::NotDesc => NotDescendant,
        Op::NotAnce => NotAncestor,
        Op::Nre => NotSibling,
        Op::UChild => UnionChild,
        Op::UParent => UnionParent,
        Op::UDesc => UnionDescendant,
        Op::UAnce => UnionAncestor,
        Op::USibl => UnionSibling,
        _ => return None,
    })
}

pub(crate) fn arith_op(op: Op) -> Option<ArithOp> {
    Some(match op {
        Op::Add => ArithOp::Add,
        Op::Sub => ArithOp::Sub,
        Op::Mul => ArithOp::Mul,
        Op::Div => ArithOp::Div,
        Op::Mod => ArithOp::Mod,
        Op::Pow => ArithOp::Pow,
        _ => return None,
    })
}

/// A metrics function, possibly followed by filters: `rate() by (x) > 10`.
fn is_metric_stage(s: &SNode) -> bool {
    match &s.node {
        Node::Metric(_) => true,
        Node::Bin(op, _, lhs, _) if cmp_op(*op).is_some() => is_metric_stage(lhs),
        _ => false,
    }
}

/// `rate() + 1`, `rate() / (...)`: an operator other than a comparison after a metrics function.
fn misplaced_metric(s: &SNode) -> Option<Diagnostic> {
    let Node::Bin(op, op_span, lhs, _) = &s.node else {
        return None;
    };
    if cmp_op(*op).is_some() {
        return misplaced_metric(lhs);
    }
    let mut left = lhs;
    while let Node::Bin(_, _, l, _) = &left.node {
        left = l;
    }
    matches!(left.node, Node::Metric(_)).then(|| {
        Diagnostic::new(*op_span, "a metrics function can only be followed by |, a comparison with a number, topk() or bottomk()")
            .with_hint("to combine metrics queries, parenthesize each one: ({ } | rate()) / ({ } | rate())")
    })
}

fn contains_metric(s: &SNode) -> bool {
    match &s.node {
        Node::Metric(_) => true,
        Node::Group(inner) => contains_metric(inner),
        Node::Bin(_, _, lhs, rhs) => contains_metric(lhs) || contains_metric(rhs),
        _ => false,
    }
}

fn metrics_query(
    mut stages: Vec<SNode>,
    k: usize,
    diags: &mut Vec<Diagnostic>,
) -> PResult<MetricsQuery> {
    let rest = stages.split_off(k + 1);
    let stage = stages.pop().expect("stage k exists");
    let stage_span = stage.span;
    if stages.is_empty() {
        return Err(
            Diagnostic::new(stage.span, "a metrics function needs a spanset before it").with_hint(
                "select the spans first, e.g. { } | rate() or { status = error } | rate()",
            ),
        );
    }
    if let Some(s) = stages.iter().find(|s| contains_metric(s)) {
        return Err(Diagnostic::new(
            s.span,
            "a metrics query inside arithmetic must be parenthesized as a whole",
        )
        .with_hint("write ({ ... } | rate()) / ({ ... } | rate())"));
    }
    let pipeline = search::pipeline(stages, diags)?;
    let (function, mut second_stage) = metric_stage(stage)?;
    second_stage.extend(second_stages(rest)?);
    if matches!(function.kind, MetricsKind::Compare { .. }) && !second_stage.is_empty() {
        diags.push(Diagnostic::new(
            stage_span,
            "compare() cannot be followed by topk(), bottomk() or a filter",
        ));
    }
    Ok(MetricsQuery {
        pipeline,
        function,
        second_stage,
    })
}

fn metric_stage(s: SNode) -> PResult<(MetricsFn, Vec<SecondStage>)> {
    match s.node {
        Node::Metric(f) => Ok((f, Vec::new())),
        Node::Bin(op, op_span, lhs, rhs) => {
            let (f, mut filters) = metric_stage(*lhs)?;
            filters.push(metrics_filter(op, op_span, *rhs)?);
            Ok((f, filters))
        }
        _ => Err(Diagnostic::new(s.span, "expected a metrics function")),
    }
}

fn metrics_filter(op: Op, op_span: Span, rhs: SNode) -> PResult<SecondStage> {
    let Some(op) = cmp_op(op) else {
        return Err(
            Diagnostic::new(op_span, "unexpected operator after a metrics function")
                .with_hint("filter metrics with = != < <= > >= and a number, e.g. | rate() > 10"),
        );
    };
    match rhs.node {
        Node::Num(value) => Ok(SecondStage::Filter { op, value }),
        _ => Err(
            Diagnostic::new(rhs.span, "a metrics filter compares with a number")
                .with_hint("e.g. { } | rate() by (resource.service.name) > 10"),
        ),
    }
}

fn second_stages(stages: Vec<SNode>) -> PResult<Vec<SecondStage>> {
    let mut out = Vec::new();
    for s in stages {
        out.extend(second_stage(s)?);
    }
    Ok(out)
}

fn second_stage(s: SNode) -> PResult<Vec<SecondStage>> {
    match s.node {
        Node::TopK(n) => Ok(vec![SecondStage::TopK(n)]),
        Node::BottomK(n) => Ok(vec![SecondStage::BottomK(n)]),
        Node::Bin(op, op_span, lhs, rhs)
            if matches!(lhs.node, Node::TopK(_) | Node::BottomK(_) | Node::Bin(..)) =>
        {
            let mut v = second_stage(*lhs)?;
            v.push(metrics_filter(op, op_span, *rhs)?);
            Ok(v)
        }
        Node::Metric(_) => Err(Diagnostic::new(
            s.span,
            "a query can have only one metrics function",
        )
        .with_hint(
            "to combine metrics, put each query in parentheses: ({ } | rate()) / ({ } | rate())",
        )),
        _ => Err(Diagnostic::new(
            s.span,
            "only topk(), bottomk() or a filter may follow a metrics function",
        )
        .with_hint("e.g. { } | rate() by (resource.service.name) | topk(5)")),
    }
}

fn math(mut stages: Vec<SNode>, diags: &mut Vec<Diagnostic>) -> PResult<Body> {
    let rest = stages.split_off(1);
    let head = stages.pop().expect("one stage");
    let (base, mut second_stage) = peel_filters(head)?;
    second_stage.extend(second_stages(rest)?);
    match metrics_expr(base, diags)? {
        MetricsMath::Query(mut query) => {
            query.second_stage.extend(second_stage);
            Ok(Body::Metrics(*query))
        }
        expr => Ok(Body::Math { expr, second_stage }),
    }
}

/// `expr > 1 < 5` into `expr` and its filters.
fn peel_filters(s: SNode) -> PResult<(SNode, Vec<SecondStage>)> {
    match s.node {
        Node::Bin(op, op_span, lhs, rhs)
            if cmp_op(op).is_some() && matches!(rhs.node, Node::Num(_)) =>
        {
            let (base, mut filters) = peel_filters(*lhs)?;
            filters.push(metrics_filter(op, op_span, *rhs)?);
            Ok((base, filters))
        }
        node => Ok((SNode { node, span: s.span }, Vec::new())),
    }
}

fn metrics_expr(s: SNode, diags: &mut Vec<Diagnostic>) -> PResult<MetricsMath> {
    match s.node {
        Node::Group(inner) => {
            let stages = flatten(*inner);
            if let Some(k) = stages.iter().position(is_metric_stage) {
                return Ok(MetricsMath::Query(Box::new(metrics_query(
                    stages, k, diags,
                )?)));
            }
            let mut stages = stages;
            if stages.len() > 1 {
                return Err(Diagnostic::new(
                    stages[1].span,
                    "expected a metrics query in these parentheses",
                ));
            }
            metrics_expr(stages.pop().expect("one stage"), diags)
        }
        Node::Bin(op, op_span, lhs, rhs) => {
            let op = arith_op(op).filter(|op| !matches!(op, ArithOp::Mod | ArithOp::Pow));
            let Some(op) = op else {
                return Err(Diagnostic::new(
                    op_span,
                    "metrics queries combine only with + - * /",
                ));
            };
            let lhs = Box::new(metrics_expr(*lhs, diags)?);
            let rhs = Box::new(metrics_expr(*rhs, diags)?);
            Ok(MetricsMath::Binary { op, lhs, rhs })
        }
        _ => Err(
            Diagnostic::new(s.span, "expected a parenthesized metrics query")
                .with_hint("each side of metrics arithmetic is written ({ ... } | rate())"),
        ),
    }
}
