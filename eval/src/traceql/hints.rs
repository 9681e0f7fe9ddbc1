//! Narrowing hints: conditions every trace a query matches must satisfy on some span.
//!
//! Only what is certain is collected: `&&`-joined comparisons of the spanset stages, both
//! sides of `&&` and structural operators, the right side of negated structural operators,
//! nothing under `||` or `!`.

use loqui_query::traceql::{
    BinaryOp, FieldExpr, Pipeline, SearchExpr, SpansetExpr, SpansetOp, Stage,
};

use super::input::Condition;
use super::plan::simple_condition;

pub(crate) fn search_hints(e: &SearchExpr) -> Vec<Condition> {
    let mut out = Vec::new();
    search(e, &mut out);
    out
}

pub(crate) fn pipeline_hints(p: &Pipeline) -> Vec<Condition> {
    let mut out = Vec::new();
    pipeline(p, &mut out);
    out
}

fn search(e: &SearchExpr, out: &mut Vec<Condition>) {
    match e {
        SearchExpr::Pipeline(p) => pipeline(p, out),
        SearchExpr::Op { op, lhs, rhs } => {
            if *op == SpansetOp::Union {
                return;
            }
            if !negated(*op) {
                search(lhs, out);
            }
            search(rhs, out);
        }
    }
}

/// Every spanset stage keeps only spans it matches, and a match is a non-empty spanset, so each
/// stage's certain conditions hold on some span of every matching trace.
fn pipeline(p: &Pipeline, out: &mut Vec<Condition>) {
    for stage in &p.stages {
        if let Stage::Spanset(s) = stage {
            spanset(s, out);
        }
    }
}

fn spanset(s: &SpansetExpr, out: &mut Vec<Condition>) {
    match s {
        SpansetExpr::Filter(None) => {}
        SpansetExpr::Filter(Some(e)) => conjuncts(e, out),
        SpansetExpr::Op { op, lhs, rhs } => {
            if *op == SpansetOp::Union {
                return;
            }
            if !negated(*op) {
                spanset(lhs, out);
            }
            spanset(rhs, out);
        }
    }
}

fn conjuncts(e: &FieldExpr, out: &mut Vec<Condition>) {
    if let FieldExpr::Binary { op, lhs, rhs } = e {
        if *op == BinaryOp::And {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        } else if let Some((field, (op, value))) = simple_condition(*op, lhs, rhs) {
            out.push(Condition {
                field: field.clone(),
                op,
                value,
            });
        }
    }
}

fn negated(op: SpansetOp) -> bool {
    use SpansetOp::*;
    matches!(
        op,
        NotChild | NotParent | NotDescendant | NotAncestor | NotSibling
    )
}
