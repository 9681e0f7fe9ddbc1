//! TraceQL metrics over a range: `rate`, `count_over_time`, `min/max/avg/sum_over_time`,
//! `quantile_over_time`, `histogram_over_time`, with `by(...)` and second stages.
//!
//! Steps are aligned like Tempo's: sample timestamps are the multiples of `step` from
//! `floor(start / step)` to `floor(end / step)`, and the sample at `T` counts spans that started
//! in `(T - step, T]`.

use std::collections::BTreeMap;

use loqui_core::{Labels, MetricsResult, Sample, Series, TimeRange};
use loqui_query::traceql::{Attribute, Body, Expr, Field, MetricsFn, MetricsKind, MetricsQuery};

use super::field::{At, field};
use super::hints::pipeline_hints;
use super::histogram::{Histogram, log2_bucket, log2_quantile};
use super::input::{TraceInput, TraceSelection};
use super::plan::{Plan, check_metrics_kind, plan_pipeline};
use super::second_stage::apply_second_stages;
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

pub fn metrics_range_limited(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
    step_ns: i64,
    limits: &Limits,
) -> Result<MetricsResult, EvalError> {
    let q = metrics_body(expr)?;
    check_metrics_kind(&q.function.kind)?;
    let mut plan = Plan::default();
    plan_pipeline(&q.pipeline, &mut plan)?;
    if step_ns <= 0 {
        return Err(EvalError::InvalidQuery(
            "the step must be positive".to_string(),
        ));
    }
    let grid = Grid::new(range, step_ns);
    let mut acc = Accumulator::new(q, grid, limits);
    let sel = TraceSelection {
        range,
        conditions: pipeline_hints(&q.pipeline),
    };
    for (n, spans) in input.traces(&sel)?.enumerate() {
        limits.check_traces(n + 1)?;
        let trace = TraceCtx::new(&spans);
        let sets = Eval {
            re: &plan.regexes,
            trace: &trace,
        }
        .pipeline(&q.pipeline, vec![(0..spans.len()).collect()]);
        let mut matched: Vec<usize> = sets.into_iter().flatten().collect();
        matched.sort_unstable();
        matched.dedup();
        for i in matched {
            acc.add(&trace, i)?;
        }
    }
    let series = apply_second_stages(acc.finish(), &q.second_stage);
    Ok(MetricsResult {
        series,
        truncated: false,
    })
}

fn metrics_body(expr: &Expr) -> Result<&MetricsQuery, EvalError> {
    match &expr.body {
        Body::Metrics(q) => Ok(q),
        Body::Math { .. } => Err(EvalError::Unsupported(
            "arithmetic between metrics queries".to_string(),
        )),
        Body::Search(_) => Err(EvalError::InvalidQuery("not a metrics query".to_string())),
    }
}

/// The sample timestamps of a range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub first_ns: i64,
    pub step_ns: i64,
    pub len: usize,
    pub range: TimeRange,
}

impl Grid {
    pub fn new(range: TimeRange, step_ns: i64) -> Self {
        let first_ns = range.start_ns.div_euclid(step_ns) * step_ns;
        let last_ns = range.end_ns.div_euclid(step_ns) * step_ns;
        let len = ((last_ns - first_ns) / step_ns + 1).max(0) as usize;
        Self {
            first_ns,
            step_ns,
            len,
            range,
        }
    }

    /// The sample a span starting at `ts_ns` counts toward, if it is in the range.
    pub fn index(&self, ts_ns: i64) -> Option<usize> {
        if !self.range.contains(ts_ns) {
            return None;
        }
        let i = (ts_ns - self.first_ns + self.step_ns - 1).div_euclid(self.step_ns);
        usize::try_from(i).ok().filter(|&i| i < self.len)
    }

    pub fn ts(&self, i: usize) -> i64 {
        self.first_ns + i as i64 * self.step_ns
    }
}

/// Per series and sample: what the function needs.
#[derive(Debug, Clone, Default)]
struct Cell {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    hist: Histogram,
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

/// A measured value, with durations kept in nanoseconds (`Measure::Duration`), so histograms
/// bucket them like Tempo and results come out in seconds.
#[derive(Debug, Clone, Copy)]
enum Measure {
    Duration(i64),
    Number(f64),
}

fn measure(f: &Field, at: At<'_, '_>) -> Option<Measure> {
    match field(f, at) {
        Value::Duration(d) => Some(Measure::Duration(d)),
        v => v.as_f64().filter(|x| !x.is_nan()).map(Measure::Number),
    }
}

impl Measure {
    /// Durations in seconds, as Tempo reports them.
    fn reported(self) -> f64 {
        match self {
            Self::Duration(d) => d as f64 / 1e9,
            Self::Number(x) => x,
        }
    }

    /// The histogram bucket's upper bound, reported like the value.
    fn bucket(self) -> f64 {
        match self {
            Self::Duration(d) => log2_bucket(d.max(0) as u64) / 1e9,
            Self::Number(x) => log2_bucket(x.max(0.0) as u64),
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
    cell.hist.add(m.bucket());
}

fn render(kind: &MetricsKind, labels: Labels, cells: &[Cell], grid: Grid) -> Vec<Series> {
    let step_s = grid.step_ns as f64 / 1e9;
    let series = |labels: Labels, f: &dyn Fn(&Cell) -> Option<f64>| Series {
        labels,
        samples: cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                f(c).map(|value| Sample {
                    ts_ns: grid.ts(i),
                    value,
                })
            })
            .collect(),
        exemplars: Vec::new(),
    };
    let some = |c: &Cell, v: f64| (c.count > 0).then_some(v);
    match kind {
        MetricsKind::Rate => vec![series(labels, &|c| Some(c.count as f64 / step_s))],
        MetricsKind::CountOverTime => vec![series(labels, &|c| Some(c.count as f64))],
        MetricsKind::MinOverTime(_) => vec![series(labels, &|c| some(c, c.min))],
        MetricsKind::MaxOverTime(_) => vec![series(labels, &|c| some(c, c.max))],
        MetricsKind::SumOverTime(_) => vec![series(labels, &|c| some(c, c.sum))],
        MetricsKind::AvgOverTime(_) => {
            vec![series(labels, &|c| some(c, c.sum / c.count as f64))]
        }
        MetricsKind::QuantileOverTime(_, qs) => qs
            .iter()
            .map(|q| {
                let mut l = labels.clone();
                l.insert("p".to_string(), q.to_string());
                series(l, &|c| Some(log2_quantile(*q, &c.hist.0)))
            })
            .collect(),
        MetricsKind::HistogramOverTime(_) => histogram_series(labels, cells, grid),
        MetricsKind::Compare { .. } => Vec::new(),
    }
}

/// One series per bucket, labelled `__bucket` with the bucket's upper bound.
fn histogram_series(labels: Labels, cells: &[Cell], grid: Grid) -> Vec<Series> {
    let mut by_bucket: BTreeMap<u64, Series> = BTreeMap::new();
    for (i, c) in cells.iter().enumerate() {
        for b in &c.hist.0 {
            let s = by_bucket.entry(b.max.to_bits()).or_insert_with(|| {
                let mut l = labels.clone();
                l.insert("__bucket".to_string(), b.max.to_string());
                Series {
                    labels: l,
                    samples: Vec::new(),
                    exemplars: Vec::new(),
                }
            });
            s.samples.push(Sample {
                ts_ns: grid.ts(i),
                value: b.count as f64,
            });
        }
    }
    by_bucket.into_values().collect()
}

/// The labels of the series a span counts toward, like Tempo's: one per `by()` field, nil
/// values left out, and when all are nil the first field with the value `nil`. Without `by()`
/// the series is named after the function (`{__name__="rate"}`).
fn series_key(f: &MetricsFn, at: At<'_, '_>) -> Vec<(String, String)> {
    if f.by.is_empty() {
        return vec![("__name__".to_string(), function_name(&f.kind).to_string())];
    }
    let key: Vec<(String, String)> =
        f.by.iter()
            .filter_map(|b| {
                let v = field(b, at);
                (!v.is_nil()).then(|| (label_key(b), v.label()))
            })
            .collect();
    if key.is_empty() {
        return vec![(label_key(&f.by[0]), "nil".to_string())];
    }
    key
}

fn function_name(k: &MetricsKind) -> &'static str {
    match k {
        MetricsKind::Rate => "rate",
        MetricsKind::CountOverTime => "count_over_time",
        MetricsKind::MinOverTime(_) => "min_over_time",
        MetricsKind::MaxOverTime(_) => "max_over_time",
        MetricsKind::AvgOverTime(_) => "avg_over_time",
        MetricsKind::SumOverTime(_) => "sum_over_time",
        MetricsKind::QuantileOverTime(..) => "quantile_over_time",
        MetricsKind::HistogramOverTime(_) => "histogram_over_time",
        MetricsKind::Compare { .. } => "compare",
    }
}

/// The label name Tempo gives a `by()` field: the field as written.
pub(crate) fn label_key(f: &Field) -> String {
    match f {
        Field::Intrinsic(i) => i.as_str().to_string(),
        Field::Attribute(Attribute {
            scope: Some(s),
            name,
            ..
        }) => format!("{}.{name}", s.as_str()),
        Field::Attribute(Attribute { name, .. }) => format!(".{name}"),
    }
}
