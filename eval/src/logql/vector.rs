//! Vector aggregations (`sum by (...)`, `topk`, ...), applied at each step independently.

use std::collections::BTreeMap;

use loqui_core::Labels;
use loqui_query::logql::{Grouping, MetricExpr, RangeOp, VectorAggregation, VectorOp};

use super::EvalError;
use super::metric::{Collector, Ctx, StepSeries, Value};
use super::range::{self, group_labels};

pub(crate) fn eval(ctx: &Ctx<'_>, v: &VectorAggregation) -> Result<Value, EvalError> {
    if let Some(series) = sum_without_labels(ctx, v)? {
        return Ok(Value::Vector(series));
    }
    if let Some(series) = sum_grouped_early(ctx, v)? {
        return Ok(Value::Vector(aggregate(ctx, v, &series)));
    }
    let series = match ctx.eval(&v.expr)? {
        Value::Vector(s) => s,
        Value::Scalar(_) => {
            return Err(EvalError::BadQuery(format!(
                "{} needs a vector, not a scalar",
                op_name(v.op)
            )));
        }
    };
    Ok(Value::Vector(match v.op {
        VectorOp::ApproxTopk => return Err(EvalError::Unsupported("approx_topk".into())),
        VectorOp::Sort | VectorOp::SortDesc => series,
        VectorOp::Topk | VectorOp::Bottomk => top(ctx, v, &series)?,
        _ => aggregate(ctx, v, &series),
    }))
}

/// `sum(count_over_time(...))` (no grouping, or `by ()`) over a pipeline that reads no labels:
/// evaluated like Loki, which then skips the parsers.
fn sum_without_labels(
    ctx: &Ctx<'_>,
    v: &VectorAggregation,
) -> Result<Option<Vec<StepSeries>>, EvalError> {
    let no_grouping = v
        .grouping
        .as_ref()
        .is_none_or(|g| !g.without && g.labels.is_empty());
    match (&*v.expr, v.op) {
        (MetricExpr::Range(r), VectorOp::Sum) if no_grouping => range::eval_without_labels(ctx, r),
        _ => Ok(None),
    }
}

/// `sum by (a) (count_over_time(...))` and the other additive range aggregations: the sum of
/// per-series counts equals the count over the series merged by the grouping, so samples are
/// grouped while they are read. Otherwise structured metadata such as `trace_id` makes one
/// intermediate series per trace, and a few hours of data exceed the series limit.
fn sum_grouped_early(
    ctx: &Ctx<'_>,
    v: &VectorAggregation,
) -> Result<Option<Vec<StepSeries>>, EvalError> {
    let (MetricExpr::Range(r), VectorOp::Sum, Some(g)) = (&*v.expr, v.op, &v.grouping) else {
        return Ok(None);
    };
    let additive = matches!(
        r.op,
        RangeOp::CountOverTime | RangeOp::Rate | RangeOp::BytesOverTime | RangeOp::BytesRate
    );
    if !additive || r.grouping.is_some() || r.range.unwrap.is_some() {
        return Ok(None);
    }
    let mut grouped = r.clone();
    grouped.grouping = Some(g.clone());
    range::eval(ctx, &grouped).map(Some)
}

fn op_name(op: VectorOp) -> &'static str {
    match op {
        VectorOp::Sum => "sum",
        VectorOp::Avg => "avg",
        VectorOp::Min => "min",
        VectorOp::Max => "max",
        VectorOp::Count => "count",
        VectorOp::Stddev => "stddev",
        VectorOp::Stdvar => "stdvar",
        VectorOp::Topk => "topk",
        VectorOp::Bottomk => "bottomk",
        VectorOp::Sort => "sort",
        VectorOp::SortDesc => "sort_desc",
        VectorOp::ApproxTopk => "approx_topk",
    }
}

/// The group a series falls in; no grouping means one group with no labels.
fn group_of(labels: &Labels, g: Option<&Grouping>) -> Labels {
    match g {
        Some(g) => group_labels(labels, g),
        None => Labels::new(),
    }
}

fn aggregate(ctx: &Ctx<'_>, v: &VectorAggregation, series: &[StepSeries]) -> Vec<StepSeries> {
    let groups: Vec<Labels> = series
        .iter()
        .map(|s| group_of(&s.labels, v.grouping.as_ref()))
        .collect();
    let mut out = Collector::default();
    let steps = ctx.steps.len();
    for step in 0..steps {
        let mut acc: BTreeMap<&Labels, Vec<f64>> = BTreeMap::new();
        for (s, g) in series.iter().zip(&groups) {
            if let Some(x) = s.values[step] {
                acc.entry(g).or_default().push(x);
            }
        }
        for (g, xs) in acc {
            out.add(g.clone(), step, steps, reduce(v.op, &xs));
        }
    }
    out.finish()
}

fn reduce(op: VectorOp, xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = || xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    match op {
        VectorOp::Sum => xs.iter().sum(),
        VectorOp::Avg => mean,
        VectorOp::Count => n,
        VectorOp::Min => xs.iter().copied().fold(f64::NAN, nan_min),
        VectorOp::Max => xs.iter().copied().fold(f64::NAN, nan_max),
        VectorOp::Stdvar => var(),
        VectorOp::Stddev => var().sqrt(),
        _ => f64::NAN,
    }
}

/// Prometheus' min/max: NaN only when every value is NaN.
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a { b } else { a }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a { b } else { a }
}

/// `topk`/`bottomk`: per group and step, the k largest (smallest) series keep their labels.
/// Ties go to the series whose labels sort first.
fn top(
    ctx: &Ctx<'_>,
    v: &VectorAggregation,
    series: &[StepSeries],
) -> Result<Vec<StepSeries>, EvalError> {
    let k = v.param.unwrap_or(0);
    if k <= 0 {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by(|&a, &b| series[a].labels.cmp(&series[b].labels));
    let groups: Vec<Labels> = series
        .iter()
        .map(|s| group_of(&s.labels, v.grouping.as_ref()))
        .collect();
    let mut out = Collector::default();
    let steps = ctx.steps.len();
    for step in 0..steps {
        let mut acc: BTreeMap<&Labels, Vec<(usize, f64)>> = BTreeMap::new();
        for &i in &order {
            if let Some(x) = series[i].values[step] {
                acc.entry(&groups[i]).or_default().push((i, x));
            }
        }
        for (_, mut members) in acc {
            members.sort_by(|a, b| {
                let o = a.1.total_cmp(&b.1);
                if v.op == VectorOp::Topk {
                    o.reverse()
                } else {
                    o
                }
            });
            for (i, x) in members.into_iter().take(k as usize) {
                out.add(series[i].labels.clone(), step, steps, x);
            }
        }
    }
    Ok(out.finish())
}

/// `{a="1", b="2"}`, for messages.
pub(crate) fn labels_string(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}
