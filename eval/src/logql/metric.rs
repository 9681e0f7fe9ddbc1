//! Metric queries: every sub-expression is computed at the same step times, as a scalar per step
//! or as series with an optional value per step; the final value becomes Loki's matrix, vector
//! or scalar.

use std::cell::Cell;
use std::collections::BTreeMap;

use loqui_core::{
    Labels, LogQueryResult, QueryData, QueryStats, Sample, Series, TimeRange, VectorSample,
};
use loqui_query::logql::{MetricExpr, VectorOp};

use super::input::LogInput;
use super::{EvalError, Limits, binary, range, vector};

/// Series with one optional value per step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepSeries {
    pub labels: Labels,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(Vec<f64>),
    Vector(Vec<StepSeries>),
}

/// What every evaluation step needs: the input, the step times and the limits; it also counts
/// what was read, for the answer's stats.
pub(crate) struct Ctx<'a> {
    pub input: &'a dyn LogInput,
    pub steps: Vec<i64>,
    pub limits: &'a Limits,
    pub read: Cell<Read>,
}

/// Entries and line bytes read from the input.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Read {
    pub lines: u64,
    pub bytes: u64,
}

impl Read {
    pub fn add(&mut self, line: &str) {
        self.lines += 1;
        self.bytes += line.len() as u64;
    }

    pub fn stats(self) -> QueryStats {
        QueryStats {
            lines_processed: Some(self.lines),
            bytes_processed: Some(self.bytes),
            exec_time_s: None,
        }
    }
}

impl<'a> Ctx<'a> {
    fn new(input: &'a dyn LogInput, steps: Vec<i64>, limits: &'a Limits) -> Ctx<'a> {
        Ctx {
            input,
            steps,
            limits,
            read: Cell::new(Read::default()),
        }
    }

    /// Records one entry read from the input.
    pub fn count(&self, line: &str) {
        let mut r = self.read.get();
        r.add(line);
        self.read.set(r);
    }

    pub fn eval(&self, e: &MetricExpr) -> Result<Value, EvalError> {
        let v = match e {
            MetricExpr::Range(r) => Value::Vector(range::eval(self, r)?),
            MetricExpr::Vector(v) => vector::eval(self, v)?,
            MetricExpr::Binary(b) => binary::eval(self, b)?,
            MetricExpr::LabelReplace(l) => binary::label_replace(self, l)?,
            MetricExpr::Literal(x) => Value::Scalar(vec![*x; self.steps.len()]),
            MetricExpr::VectorLiteral(x) => Value::Vector(vec![StepSeries {
                labels: Labels::new(),
                values: vec![Some(*x); self.steps.len()],
            }]),
        };
        self.check(&v)?;
        Ok(v)
    }

    fn check(&self, v: &Value) -> Result<(), EvalError> {
        let Value::Vector(series) = v else {
            return Ok(());
        };
        let points = series.len().saturating_mul(self.steps.len());
        if series.len() > self.limits.max_series || points > self.limits.max_points {
            return Err(EvalError::LimitExceeded(format!(
                "the query would return more than {} series or {} points; aggregate with sum by (...), narrow the selector or use a larger step",
                self.limits.max_series, self.limits.max_points
            )));
        }
        Ok(())
    }
}

/// Step times from the step-aligned start to the end, inclusive, as Loki's frontend aligns them.
pub(crate) fn range_steps(
    range: TimeRange,
    step_ns: i64,
    limits: &Limits,
) -> Result<Vec<i64>, EvalError> {
    if step_ns <= 0 {
        return Err(EvalError::BadQuery(
            "a metric range query needs a positive step".into(),
        ));
    }
    let start = range.start_ns.div_euclid(step_ns) * step_ns;
    let end = range.end_ns.div_euclid(step_ns) * step_ns;
    let count = if end < start {
        0
    } else {
        (end - start) / step_ns + 1
    };
    if count as usize > limits.max_points {
        return Err(EvalError::LimitExceeded(format!(
            "{count} steps are too many; use a larger step"
        )));
    }
    Ok((0..count).map(|i| start + i * step_ns).collect())
}

pub(crate) fn eval_matrix(
    e: &MetricExpr,
    input: &dyn LogInput,
    range: TimeRange,
    step_ns: i64,
    limits: &Limits,
) -> Result<LogQueryResult, EvalError> {
    let ctx = Ctx::new(input, range_steps(range, step_ns, limits)?, limits);
    let series = match ctx.eval(e)? {
        Value::Scalar(vals) => vec![StepSeries {
            labels: Labels::new(),
            values: vals.into_iter().map(Some).collect(),
        }],
        Value::Vector(series) => series,
    };
    let mut out: Vec<Series> = series
        .into_iter()
        .filter_map(|s| {
            let samples: Vec<Sample> = ctx
                .steps
                .iter()
                .zip(s.values)
                .filter_map(|(&ts_ns, v)| v.map(|value| Sample { ts_ns, value }))
                .collect();
            (!samples.is_empty()).then_some(Series {
                labels: s.labels,
                samples,
                exemplars: Vec::new(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.labels.cmp(&b.labels));
    Ok(result(QueryData::Matrix(out), ctx.read.get()))
}

pub(crate) fn eval_instant(
    e: &MetricExpr,
    input: &dyn LogInput,
    time_ns: i64,
    limits: &Limits,
) -> Result<LogQueryResult, EvalError> {
    let ctx = Ctx::new(input, vec![time_ns], limits);
    let data = match ctx.eval(e)? {
        Value::Scalar(v) => QueryData::Scalar(Sample {
            ts_ns: time_ns,
            value: v[0],
        }),
        Value::Vector(series) => {
            let mut out: Vec<VectorSample> = series
                .into_iter()
                .filter_map(|s| {
                    let value = s.values[0]?;
                    Some(VectorSample {
                        labels: s.labels,
                        sample: Sample {
                            ts_ns: time_ns,
                            value,
                        },
                    })
                })
                .collect();
            sort_instant(e, &mut out);
            QueryData::Vector(out)
        }
    };
    Ok(result(data, ctx.read.get()))
}

/// `sort`, `sort_desc`, `topk` and `bottomk` order an instant vector by value; anything else is
/// ordered by labels so answers are deterministic.
fn sort_instant(e: &MetricExpr, out: &mut [VectorSample]) {
    out.sort_by(|a, b| a.labels.cmp(&b.labels));
    if let MetricExpr::Vector(v) = e {
        let desc = match v.op {
            VectorOp::Sort | VectorOp::Bottomk => false,
            VectorOp::SortDesc | VectorOp::Topk => true,
            _ => return,
        };
        out.sort_by(|a, b| {
            let o = a.sample.value.total_cmp(&b.sample.value);
            if desc { o.reverse() } else { o }
        });
    }
}

fn result(data: QueryData, read: Read) -> LogQueryResult {
    LogQueryResult {
        data,
        truncated: false,
        total_lines: 0,
        stats: read.stats(),
    }
}

/// Accumulates per-step output samples into series keyed by labels.
#[derive(Default)]
pub(crate) struct Collector {
    series: BTreeMap<Labels, Vec<Option<f64>>>,
}

impl Collector {
    pub fn add(&mut self, labels: Labels, step: usize, steps: usize, value: f64) {
        let vals = self
            .series
            .entry(labels)
            .or_insert_with(|| vec![None; steps]);
        vals[step] = Some(value);
    }

    pub fn finish(self) -> Vec<StepSeries> {
        self.series
            .into_iter()
            .map(|(labels, values)| StepSeries { labels, values })
            .collect()
    }
}
