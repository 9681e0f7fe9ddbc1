//! The series a metrics query produces: sample timestamps, labels, and values per function.

use std::collections::BTreeMap;

use loqui_core::{Labels, Sample, Series, TimeRange};
use loqui_query::traceql::{Attribute, Field, MetricsFn, MetricsKind};

use super::field::{At, field};
use super::histogram::log2_quantile;
use super::metrics::Cell;

/// The sample timestamps of a range, aligned like Tempo's: the multiples of `step` from
/// `floor(start / step)` to `floor(end / step)`; the sample at `T` counts spans that started in
/// `(T - step, T]` and inside the range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub first_ns: i64,
    pub step_ns: i64,
    pub len: usize,
    pub range: TimeRange,
    /// One sample for the whole range (instant queries), stamped with the range's end.
    pub single: bool,
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
            single: false,
        }
    }

    /// One sample covering the whole range, for instant queries.
    pub fn instant(range: TimeRange) -> Self {
        Self {
            first_ns: range.end_ns,
            step_ns: range.len_ns().max(1),
            len: 1,
            range,
            single: true,
        }
    }

    /// The sample a span starting at `ts_ns` counts toward, if it is in the range.
    pub fn index(&self, ts_ns: i64) -> Option<usize> {
        if !self.range.contains(ts_ns) {
            return None;
        }
        if self.single {
            return Some(0);
        }
        let i = (ts_ns - self.first_ns + self.step_ns - 1).div_euclid(self.step_ns);
        usize::try_from(i).ok().filter(|&i| i < self.len)
    }

    pub fn ts(&self, i: usize) -> i64 {
        self.first_ns + i as i64 * self.step_ns
    }
}

pub(crate) fn render(
    kind: &MetricsKind,
    labels: Labels,
    cells: &[Cell],
    grid: Grid,
) -> Vec<Series> {
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
pub(crate) fn series_key(f: &MetricsFn, at: At<'_, '_>) -> Vec<(String, String)> {
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
