//! Turns the neutral `Node` tree into the typed query, accepting exactly the shapes Tempo's
//! grammar accepts:
//!
//! - a pipeline: stages joined by `|`, each a spanset expression (filters joined by spanset
//!   operators), a scalar filter (`count() > 2`), `by()`, `select()` or (not first) `coalesce()`;
//! - spanset operators between parenthesized pipelines, alone at the top;
//! - a pipeline, `|`, one metrics function, then `topk`/`bottomk` stages and filters (`> 10`);
//! - `+ - * /` between parenthesized metrics queries, then the same second stages.

use super::ast::{
    ArithOp, Body, CmpOp, MetricsFn, MetricsKind, MetricsMath, MetricsQuery, Pipeline, ScalarExpr,
    ScalarFilter, SearchExpr, SecondStage, SpansetExpr, SpansetOp, Stage, Static,
};
use super::check;
use super::lexer::Op;
use super::parser::PResult;
use super::pipeline::{Node, SNode};
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
    search(stages, diags).map(Body::Search)
}

/// Splits a left-nested `a | b | c` into its stages.
fn flatten(node: SNode) -> Vec<SNode> {
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

fn cmp_op(op: Op) -> Option<CmpOp> {
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

fn spanset_op(op: Op) -> Option<SpansetOp> {
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

fn arith_op(op: Op) -> Option<ArithOp> {
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
    let pipeline = pipeline(stages, diags)?;
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

fn search(mut stages: Vec<SNode>, diags: &mut Vec<Diagnostic>) -> PResult<SearchExpr> {
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

fn pipeline(stages: Vec<SNode>, diags: &mut Vec<Diagnostic>) -> PResult<Pipeline> {
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
