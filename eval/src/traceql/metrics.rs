//! TraceQL metrics over a range: `rate`, `count_over_time`, `min/max/avg/sum_over_time`,
//! `quantile_over_time`, `histogram_over_time`, with `by(...)` and second stages.
//!
//! Each query is one pass over the candidate traces: the pipeline picks spans, each span
//! counts toward the series its `by()` labels name and the sample its start time falls in
//! (see [`Grid`]), and `series` turns the cells into Tempo's series.

use std::collections::BTreeMap;

use loqui_core::{Labels, MetricsResult, Series, TimeRange, VectorSample};
use loqui_query::traceql::{Body, Expr, Field, Intrinsic, MetricsKind, MetricsQuery};

use super::field::{At, field};
use super::hints::pipeline_hints;
use super::histogram::{Histogram, log2_bucket};
use super::input::{TraceInput, TraceSelection};
use super::plan::{Plan, check_metrics, check_second_stages, plan_pipeline};
use super::second_stage::apply_second_stages;
use super::series::{Grid, render, series_key};
use super::spanset::Eval;
use super::trace::TraceCtx;
use super::value::Value;
use super::{EvalError, Limits};

/// Runs a metrics query with default [`Limits`]; `step_ns` is the step in nanoseconds.
pub fn metrics_range(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
    step_ns: i64,
) -> Result<MetricsResult, EvalError> {
    metrics_range_limited(expr, input, range, step_ns, &Limits::default())
}

/// Runs a metrics query (or arithmetic between metrics queries) over `range`, one sample per
/// step; every candidate trace is checked exactly.
pub fn metrics_range_limited(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
    step_ns: i64,
    limits: &Limits,
) -> Result<MetricsResult, EvalError> {
    if step_ns <= 0 {
        return Err(EvalError::InvalidQuery(
            "the step must be positive".to_string(),
        ));
    }
    let run = Run {
        input,
        grid: Grid::new(range, step_ns),
        limits,
    };
    Ok(MetricsResult {
        series: run.body(expr)?,
        truncated: false,
    })
}

/// Runs a metrics query with default [`Limits`], reduced to one value per series over the
/// whole range; each sample is stamped with the range's end.
pub fn metrics_instant(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
) -> Result<Vec<VectorSample>, EvalError> {
    metrics_instant_limited(expr, input, range, &Limits::default())
}

pub fn metrics_instant_limited(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
    limits: &Limits,
) -> Result<Vec<VectorSample>, EvalError> {
    let run = Run {
        input,
        grid: Grid::instant(range),
        limits,
    };
    let series = run.body(expr)?;
    Ok(series
        .into_iter()
        .filter_map(|s| {
            let sample = *s.samples.last()?;
            Some(VectorSample {
                labels: s.labels,
                sample,
            })
        })
        .collect())
}

struct Run<'a> {
    input: &'a dyn TraceInput,
    grid: Grid,
    limits: &'a Limits,
}

impl Run<'_> {
    fn body(&self, expr: &Expr) -> Result<Vec<Series>, EvalError> {
        Ok(match &expr.body {
            Body::Metrics(q) => self.query(q)?,
            Body::Math { expr, second_stage } => {
                check_second_stages(second_stage)?;
                let series = super::math::eval(expr, &|q| self.query(q))?;
                apply_second_stages(series, second_stage)
            }
            Body::Search(_) => {
                return Err(EvalError::InvalidQuery("not a metrics query".to_string()));
            }
        })
    }

    fn query(&self, q: &MetricsQuery) -> Result<Vec<Series>, EvalError> {
        check_metrics(q)?;
        let mut plan = Plan::default();
        plan_pipeline(&q.pipeline, &mut plan)?;
        let mut acc = Accumulator::new(q, self.grid, self.limits);
        let sel = TraceSelection {
            range: self.grid.range,
            conditions: pipeline_hints(&q.pipeline),
        };
        for (n, spans) in self.input.traces(&sel)?.enumerate() {
            self.limits.check_traces(n + 1)?;
            let trace = TraceCtx::new(&spans);
            let eval = Eval {
                re: &plan.regexes,
                trace: &trace,
            };
            let sets = eval.pipeline(&q.pipeline, vec![(0..spans.len()).collect()]);
            let mut matched: Vec<usize> = sets.into_iter().flatten().collect();
            matched.sort_unstable();
            matched.dedup();
            for i in matched {
                acc.add(&trace, i)?;
            }
        }
        Ok(apply_second_stages(acc.finish(), &q.second_stage))
    }
}

/// Per series and sample: what the function needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub hist: Histogram,
}

struct Accumulator<'q> {
    q: &'q MetricsQuery,
    grid: Grid,
    limits: &'q Limits,
    series: BTreeMap<Vec<(String, String)>, Vec<Cell>>,
}

impl<'q> Accumulator<'q> {
    fn new(q: &'q MetricsQuery, grid: Grid, limits: &'q Limits) -> Self {
        Self {
            q,
            grid,
            limits,
            series: BTreeMap::new(),
        }
    }

    fn add(&mut self, trace: &TraceCtx<'_>, idx: usize) -> Result<(), EvalError> {
        let Some(slot) = self.grid.index(trace.spans[idx].start_ns) else {
            return Ok(());
        };
        let at = At {
            trace,
            idx,
            event: None,
        };
        let value = match measured_field(&self.q.function.kind) {
            Some(f) => match measure(f, at) {
                Some(v) => Some(v),
                None => return Ok(()),
            },
            None => None,
        };
        // Tempo drops spans its histograms cannot bucket: floats, and values below 2.
        if uses_histogram(&self.q.function.kind) && value.and_then(Measure::bucket).is_none() {
            return Ok(());
        }
        let key = series_key(&self.q.function, at);
        if !self.series.contains_key(&key) && self.series.len() >= self.limits.max_series {
            return Err(EvalError::LimitExceeded {
                what: "metrics series",
                limit: self.limits.max_series,
            });
        }
        let cells = self
            .series
            .entry(key)
            .or_insert_with(|| vec![Cell::default(); self.grid.len]);
        observe(&mut cells[slot], value);
        Ok(())
    }

    fn finish(self) -> Vec<Series> {
        let mut out = Vec::new();
        for (key, cells) in self.series {
            let labels: Labels = key.into_iter().collect();
            out.extend(render(&self.q.function.kind, labels, &cells, self.grid));
        }
        out
    }
}

fn measured_field(k: &MetricsKind) -> Option<&Field> {
    match k {
        MetricsKind::MinOverTime(f)
        | MetricsKind::MaxOverTime(f)
        | MetricsKind::AvgOverTime(f)
        | MetricsKind::SumOverTime(f)
        | MetricsKind::QuantileOverTime(f, _)
        | MetricsKind::HistogramOverTime(f) => Some(f),
        _ => None,
    }
}

fn uses_histogram(k: &MetricsKind) -> bool {
    matches!(
        k,
        MetricsKind::QuantileOverTime(..) | MetricsKind::HistogramOverTime(_)
    )
}

/// A measured value, with durations kept in nanoseconds so histograms bucket them like Tempo.
#[derive(Debug, Clone, Copy)]
enum Measure {
    /// The span's `duration`, which Tempo reports in seconds.
    Duration(i64),
    /// Any other duration (`trace:duration`, `event:timeSinceStart`): Tempo reports these in
    /// nanoseconds, as the plain float value of the duration, but buckets them in seconds.
    OtherDuration(i64),
    Int(i64),
    Float(f64),
}

fn measure(f: &Field, at: At<'_, '_>) -> Option<Measure> {
    match field(f, at) {
        Value::Duration(d) if *f == Field::Intrinsic(Intrinsic::Duration) => {
            Some(Measure::Duration(d))
        }
        Value::Duration(d) => Some(Measure::OtherDuration(d)),
        Value::Int(i) => Some(Measure::Int(i)),
        v => v.as_f64().filter(|x| !x.is_nan()).map(Measure::Float),
    }
}

impl Measure {
    /// Durations in seconds, as Tempo reports them.
    fn reported(self) -> f64 {
        match self {
            Self::Duration(d) => d as f64 / 1e9,
            Self::OtherDuration(d) | Self::Int(d) => d as f64,
            Self::Float(x) => x,
        }
    }

    /// The histogram bucket's upper bound, reported like the value; Tempo buckets only ints
    /// and durations of at least 2.
    fn bucket(self) -> Option<f64> {
        match self {
            Self::Duration(d) | Self::OtherDuration(d) if d >= 2 => {
                Some(log2_bucket(d as u64) / 1e9)
            }
            Self::Int(i) if i >= 2 => Some(log2_bucket(i as u64)),
            _ => None,
        }
    }
}

fn observe(cell: &mut Cell, value: Option<Measure>) {
    let Some(m) = value else {
        cell.count += 1;
        return;
    };
    let v = m.reported();
    if cell.count == 0 {
        cell.min = v;
        cell.max = v;
    }
    cell.count += 1;
    cell.sum += v;
    cell.min = cell.min.min(v);
    cell.max = cell.max.max(v);
    if let Some(b) = m.bucket() {
        cell.hist.add(b);
    }
}
