//! What the evaluator learns from a query before reading any trace: whether every construct is
//! supported, its regexes, which attributes a search answer shows, and narrowing hints.

use loqui_query::traceql::{
    Aggregate, Attribute, BinaryOp, Body, Expr, Field, FieldExpr, Intrinsic, MetricsKind,
    MetricsQuery, Pipeline, ScalarExpr, Scope, SearchExpr, SecondStage, SpansetExpr, Stage, Static,
};

use super::EvalError;
use super::field::Regexes;
use super::value::flip;

/// A field a filter read, with the comparison it was read for. Tempo's storage fetches a
/// compared attribute only where the comparison holds, so a span shows `span.x` in a search
/// answer only when `span.x` satisfied the condition that mentions it; a field read in any
/// other way (arithmetic, regex on a computed value) shows wherever it exists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    pub field: Field,
    pub pred: Option<(BinaryOp, Static)>,
}

/// Everything collected from a query.
#[derive(Default)]
pub(crate) struct Plan {
    pub regexes: Regexes,
    pub shown: Vec<Shown>,
    pub selected: Vec<Field>,
}

/// Checks `pipeline` and collects what evaluating it needs.
pub(crate) fn plan_pipeline(p: &Pipeline, plan: &mut Plan) -> Result<(), EvalError> {
    for stage in &p.stages {
        match stage {
            Stage::Spanset(s) => plan_spanset(s, plan)?,
            Stage::ScalarFilter(f) => {
                plan_scalar(&f.lhs, plan)?;
                plan_scalar(&f.rhs, plan)?;
            }
            Stage::By(e) => plan_expr(e, plan, false)?,
            Stage::Coalesce => {}
            Stage::Select(fields) => {
                for f in fields {
                    check_field(f)?;
                    plan.selected.push(f.clone());
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn plan_search(e: &SearchExpr, plan: &mut Plan) -> Result<(), EvalError> {
    match e {
        SearchExpr::Pipeline(p) => plan_pipeline(p, plan),
        SearchExpr::Op { lhs, rhs, .. } => {
            plan_search(lhs, plan)?;
            plan_search(rhs, plan)
        }
    }
}

/// The search of a query, or an error for metrics queries.
pub(crate) fn search_body(expr: &Expr) -> Result<&SearchExpr, EvalError> {
    match &expr.body {
        Body::Search(s) => Ok(s),
        _ => Err(EvalError::InvalidQuery(
            "this is a metrics query; run it as a metrics query, not a search".to_string(),
        )),
    }
}

fn plan_spanset(s: &SpansetExpr, plan: &mut Plan) -> Result<(), EvalError> {
    match s {
        SpansetExpr::Filter(None) => Ok(()),
        SpansetExpr::Filter(Some(e)) => plan_expr(e, plan, true),
        SpansetExpr::Op { lhs, rhs, .. } => {
            plan_spanset(lhs, plan)?;
            plan_spanset(rhs, plan)
        }
    }
}

fn plan_scalar(s: &ScalarExpr, plan: &mut Plan) -> Result<(), EvalError> {
    match s {
        ScalarExpr::Static(_) => Ok(()),
        ScalarExpr::Aggregate(Aggregate::Count) => Ok(()),
        ScalarExpr::Aggregate(
            Aggregate::Avg(e) | Aggregate::Min(e) | Aggregate::Max(e) | Aggregate::Sum(e),
        ) => plan_expr(e, plan, false),
        ScalarExpr::Binary { lhs, rhs, .. } => {
            plan_scalar(lhs, plan)?;
            plan_scalar(rhs, plan)
        }
    }
}

/// Walks a field expression; `shown` says whether the fields it reads appear in the answer.
fn plan_expr(e: &FieldExpr, plan: &mut Plan, shown: bool) -> Result<(), EvalError> {
    match e {
        FieldExpr::Static(_) => Ok(()),
        FieldExpr::Field(f) => {
            check_field(f)?;
            if shown {
                plan.shown.push(Shown {
                    field: f.clone(),
                    pred: None,
                });
            }
            Ok(())
        }
        FieldExpr::Unary { expr, .. } => plan_expr(expr, plan, shown),
        FieldExpr::Binary { op, lhs, rhs } => plan_binary(*op, lhs, rhs, plan, shown),
    }
}

fn plan_binary(
    op: BinaryOp,
    lhs: &FieldExpr,
    rhs: &FieldExpr,
    plan: &mut Plan,
    shown: bool,
) -> Result<(), EvalError> {
    if matches!(op, BinaryOp::Re | BinaryOp::NotRe) {
        let FieldExpr::Static(Static::String(p)) = rhs else {
            return Err(EvalError::Unsupported(
                "a regex match against anything but a string literal".to_string(),
            ));
        };
        plan.regexes
            .insert(p)
            .map_err(|e| EvalError::InvalidQuery(format!("invalid regex `{p}`: {e}")))?;
    }
    if let Some((field, pred)) = simple_condition(op, lhs, rhs) {
        check_field(field)?;
        if shown {
            plan.shown.push(Shown {
                field: field.clone(),
                pred: Some(pred),
            });
        }
        return Ok(());
    }
    plan_expr(lhs, plan, shown)?;
    plan_expr(rhs, plan, shown)
}

/// `field op static` (or `static op field`, turned around) with a comparison or regex.
pub(crate) fn simple_condition<'e>(
    op: BinaryOp,
    lhs: &'e FieldExpr,
    rhs: &'e FieldExpr,
) -> Option<(&'e Field, (BinaryOp, Static))> {
    match (op, lhs, rhs) {
        (
            BinaryOp::Cmp(_) | BinaryOp::Re | BinaryOp::NotRe,
            FieldExpr::Field(f),
            FieldExpr::Static(s),
        ) => Some((f, (op, s.clone()))),
        (BinaryOp::Cmp(c), FieldExpr::Static(s), FieldExpr::Field(f)) => {
            Some((f, (BinaryOp::Cmp(flip(c)), s.clone())))
        }
        _ => None,
    }
}

/// Refuses fields the span model has no data for, naming them.
pub(crate) fn check_field(f: &Field) -> Result<(), EvalError> {
    let unsupported = |what: &str| Err(EvalError::Unsupported(what.to_string()));
    match f {
        Field::Intrinsic(i) => match i {
            Intrinsic::Parent => unsupported("the `parent` intrinsic"),
            Intrinsic::NestedSetLeft | Intrinsic::NestedSetRight | Intrinsic::NestedSetParent => {
                unsupported("nested set intrinsics (nestedSetLeft/Right/Parent)")
            }
            Intrinsic::LinkTraceId | Intrinsic::LinkSpanId => {
                unsupported("link intrinsics (`link:traceID`, `link:spanID`): spans carry no links")
            }
            Intrinsic::InstrumentationName | Intrinsic::InstrumentationVersion => {
                unsupported("instrumentation intrinsics: spans carry no instrumentation scope")
            }
            _ => Ok(()),
        },
        Field::Attribute(Attribute { parent: true, .. }) => unsupported("`parent.` attributes"),
        Field::Attribute(Attribute {
            scope: Some(Scope::Link),
            ..
        }) => unsupported("`link.` attributes: spans carry no links"),
        Field::Attribute(Attribute {
            scope: Some(Scope::Instrumentation),
            ..
        }) => unsupported("`instrumentation.` attributes: spans carry no instrumentation scope"),
        Field::Attribute(_) => Ok(()),
    }
}

/// Metrics functions the evaluator computes (`compare()` is refused by name), their `by()`
/// fields, and second stages (a filter against a duration is refused: whether Tempo compares it
/// in seconds or nanoseconds is not established).
pub(crate) fn check_metrics(q: &MetricsQuery) -> Result<(), EvalError> {
    for f in &q.function.by {
        check_field(f)?;
    }
    check_second_stages(&q.second_stage)?;
    check_metrics_kind(&q.function.kind)
}

pub(crate) fn check_second_stages(stages: &[SecondStage]) -> Result<(), EvalError> {
    let duration = |s: &SecondStage| {
        matches!(
            s,
            SecondStage::Filter {
                value: Static::Duration(_),
                ..
            }
        )
    };
    if stages.iter().any(duration) {
        return Err(EvalError::Unsupported(
            "a metrics filter against a duration (compare with a number of seconds instead)"
                .to_string(),
        ));
    }
    Ok(())
}

fn check_metrics_kind(k: &MetricsKind) -> Result<(), EvalError> {
    match k {
        MetricsKind::Compare { .. } => Err(EvalError::Unsupported("compare()".to_string())),
        MetricsKind::MinOverTime(f)
        | MetricsKind::MaxOverTime(f)
        | MetricsKind::AvgOverTime(f)
        | MetricsKind::SumOverTime(f)
        | MetricsKind::QuantileOverTime(f, _)
        | MetricsKind::HistogramOverTime(f) => check_field(f),
        MetricsKind::Rate | MetricsKind::CountOverTime => Ok(()),
    }
}
