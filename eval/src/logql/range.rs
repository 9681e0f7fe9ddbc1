//! Range aggregations (`count_over_time`, `rate`, unwrapped `*_over_time`, ...): samples are
//! extracted from the pipeline once, then each step `t` reads the window
//! `(t - offset - range, t - offset]`.

use std::collections::HashMap;

use loqui_core::{Labels, TimeRange};
use loqui_query::logql::{Grouping, MatchOp, RangeAggregation, RangeOp, Unwrap, UnwrapConv};

use super::EvalError;
use super::input::{Entry, Hints, Selection};
use super::label_filter::{CompiledLabelFilter, parse_bytes, parse_duration, parse_float};
use super::labels::{ERR_SAMPLE, ERROR_LABEL, LabelsBuilder};
use super::metric::{Ctx, StepSeries};
use super::pipeline::Pipeline;

type Samples = Vec<(i64, f64)>;

pub(crate) fn eval(ctx: &Ctx<'_>, r: &RangeAggregation) -> Result<Vec<StepSeries>, EvalError> {
    let extractor = Extractor::new(r)?;
    eval_with(ctx, r, &extractor)
}

/// For `sum(count_over_time(...))` and the like: Loki pushes the empty grouping into the range
/// aggregation and runs no parser (see [`Pipeline::without_labels`]). `None` when the pipeline
/// reads labels and the ordinary evaluation applies.
pub(crate) fn eval_without_labels(
    ctx: &Ctx<'_>,
    r: &RangeAggregation,
) -> Result<Option<Vec<StepSeries>>, EvalError> {
    let pushable = matches!(
        r.op,
        RangeOp::CountOverTime | RangeOp::Rate | RangeOp::BytesOverTime | RangeOp::BytesRate
    );
    if !pushable || r.grouping.is_some() || r.range.unwrap.is_some() {
        return Ok(None);
    }
    let Some(pipeline) = Pipeline::without_labels(&r.range.log)? else {
        return Ok(None);
    };
    let extractor = Extractor {
        r,
        pipeline,
        post: Vec::new(),
        no_labels: true,
    };
    eval_with(ctx, r, &extractor).map(Some)
}

fn eval_with(
    ctx: &Ctx<'_>,
    r: &RangeAggregation,
    extractor: &Extractor<'_>,
) -> Result<Vec<StepSeries>, EvalError> {
    let by_series = extract(ctx, r, extractor)?;
    let range_ns = r.range.range.nanos();
    let offset = r.range.offset.map_or(0, |o| o.nanos());
    if r.op == RangeOp::AbsentOverTime {
        return Ok(absent(ctx, r, &by_series, range_ns, offset));
    }
    let mut out = Vec::with_capacity(by_series.len());
    for (labels, mut samples) in by_series {
        samples.sort_by_key(|s| s.0);
        let values = windows(&ctx.steps, &samples, range_ns, offset, |w, t| {
            apply(r, w, t, range_ns)
        });
        out.push(StepSeries { labels, values });
    }
    Ok(out)
}

/// Calls `f` with each step's window of samples (sorted by time); `None` for an empty window.
fn windows(
    steps: &[i64],
    samples: &[(i64, f64)],
    range_ns: i64,
    offset: i64,
    f: impl Fn(&[(i64, f64)], i64) -> Option<f64>,
) -> Vec<Option<f64>> {
    let (mut lo, mut hi) = (0, 0);
    steps
        .iter()
        .map(|&t| {
            let end = t - offset;
            while hi < samples.len() && samples[hi].0 <= end {
                hi += 1;
            }
            while lo < hi && samples[lo].0 <= end - range_ns {
                lo += 1;
            }
            let w = &samples[lo.min(hi)..hi];
            if w.is_empty() { None } else { f(w, end) }
        })
        .collect()
}

/// Reads the input once for all steps and groups the samples by series.
fn extract(
    ctx: &Ctx<'_>,
    r: &RangeAggregation,
    extractor: &Extractor<'_>,
) -> Result<HashMap<Labels, Samples>, EvalError> {
    let range = read_range(ctx, r);
    let sel = Selection {
        matchers: &r.range.log.selector,
        range,
        direction: loqui_core::Direction::Forward,
        hints: Hints::of(&r.range.log),
    };
    let mut out: HashMap<Labels, Samples> = HashMap::new();
    let mut count = 0usize;
    ctx.input.for_each_entry(&sel, &mut |entry| {
        if !range.contains(entry.ts_ns) {
            return Ok(true);
        }
        ctx.count(&entry.line);
        if let Some((labels, value)) = extractor.sample(entry)? {
            out.entry(labels).or_default().push((entry.ts_ns, value));
            count += 1;
        }
        if count > ctx.limits.max_points {
            return Err(EvalError::LimitExceeded(format!(
                "more than {} samples in a range aggregation; narrow the selector or the time range",
                ctx.limits.max_points
            )));
        }
        Ok(true)
    })?;
    Ok(out)
}

/// Every entry any step's window can read: `(first - offset - range, last - offset]`.
fn read_range(ctx: &Ctx<'_>, r: &RangeAggregation) -> TimeRange {
    let offset = r.range.offset.map_or(0, |o| o.nanos());
    let first = ctx.steps.first().copied().unwrap_or(0);
    let last = ctx.steps.last().copied().unwrap_or(0);
    TimeRange {
        start_ns: first - offset - r.range.range.nanos() + 1,
        end_ns: last - offset + 1,
    }
}

/// Turns one entry into a sample: the pipeline, then the line count, its bytes or the
/// unwrapped value, then the series labels.
struct Extractor<'r> {
    r: &'r RangeAggregation,
    pipeline: Pipeline,
    post: Vec<CompiledLabelFilter>,
    /// Every sample goes to one series without labels.
    no_labels: bool,
}

impl<'r> Extractor<'r> {
    fn new(r: &'r RangeAggregation) -> Result<Extractor<'r>, EvalError> {
        let post = match &r.range.unwrap {
            Some(u) => u
                .post_filters
                .iter()
                .map(CompiledLabelFilter::new)
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(Extractor {
            r,
            pipeline: Pipeline::new(&r.range.log)?,
            post,
            no_labels: false,
        })
    }

    fn sample(&self, entry: &Entry) -> Result<Option<(Labels, f64)>, EvalError> {
        let Some(mut p) = self.pipeline.process(entry)? else {
            return Ok(None);
        };
        let value = match &self.r.range.unwrap {
            None if matches!(self.r.op, RangeOp::BytesRate | RangeOp::BytesOverTime) => {
                p.line.len() as f64
            }
            None => 1.0,
            Some(u) => match unwrap_value(u, &self.post, &mut p.labels) {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        if self.no_labels {
            return Ok(Some((Labels::new(), value)));
        }
        Ok(Some((series_labels(&p.labels, self.r)?, value)))
    }
}

/// The unwrapped value, after the post-unwrap filters; `None` drops the sample.
fn unwrap_value(
    u: &Unwrap,
    post: &[CompiledLabelFilter],
    lbs: &mut LabelsBuilder<'_>,
) -> Option<f64> {
    let raw = lbs.get(&u.label).unwrap_or("").to_owned();
    if raw.is_empty() {
        return None;
    }
    let converted = match u.conv {
        None => parse_float(&raw),
        Some(UnwrapConv::Bytes) => parse_bytes(&raw).map(|b| b as f64),
        Some(UnwrapConv::Duration | UnwrapConv::DurationSeconds) => {
            parse_duration(&raw).map(|ns| ns as f64 / 1e9)
        }
    };
    let value = converted.unwrap_or_else(|details| {
        lbs.set_err(ERR_SAMPLE, &details);
        0.0
    });
    post.iter().all(|f| f.keep(lbs)).then_some(value)
}

/// The sample's series: all labels, or the range aggregation's grouping. A pipeline error that
/// no filter removed fails the query, as in Loki.
fn series_labels(lbs: &LabelsBuilder<'_>, r: &RangeAggregation) -> Result<Labels, EvalError> {
    let labels = lbs.to_labels();
    if let Some(err) = labels.get(ERROR_LABEL) {
        return Err(pipeline_error(err, &labels));
    }
    let mut grouped = match &r.grouping {
        Some(g) => group_labels(&labels, g),
        None => labels,
    };
    // Like Loki, the unwrapped label leaves the series unless `by (...)` keeps it.
    if let Some(u) = &r.range.unwrap {
        if r.grouping.as_ref().is_none_or(|g| g.without) {
            grouped.remove(&u.label);
        }
    }
    Ok(grouped)
}

pub(crate) fn pipeline_error(err: &str, labels: &Labels) -> EvalError {
    EvalError::Pipeline(format!(
        "'{err}' for series: '{}'; use a label filter to skip it, e.g. | __error__!=\"{err}\", or | __error__=\"\" for all errors (after unwrap too)",
        super::vector::labels_string(labels)
    ))
}

pub(crate) fn group_labels(labels: &Labels, g: &Grouping) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| g.labels.contains(k) != g.without)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn apply(r: &RangeAggregation, w: &[(i64, f64)], end: i64, range_ns: i64) -> Option<f64> {
    let secs = range_ns as f64 / 1e9;
    let n = w.len() as f64;
    let sum = || w.iter().map(|s| s.1).sum::<f64>();
    Some(match r.op {
        RangeOp::CountOverTime => n,
        RangeOp::Rate if r.range.unwrap.is_none() => n / secs,
        RangeOp::Rate | RangeOp::BytesRate => sum() / secs,
        RangeOp::BytesOverTime | RangeOp::SumOverTime => sum(),
        RangeOp::AvgOverTime => sum() / n,
        RangeOp::MinOverTime => w.iter().map(|s| s.1).fold(f64::NAN, f64::min),
        RangeOp::MaxOverTime => w.iter().map(|s| s.1).fold(f64::NAN, f64::max),
        RangeOp::StdvarOverTime => variance(w),
        RangeOp::StddevOverTime => variance(w).sqrt(),
        RangeOp::QuantileOverTime => quantile(r.param.unwrap_or(0.0), w),
        RangeOp::FirstOverTime => w[0].1,
        RangeOp::LastOverTime => w[w.len() - 1].1,
        RangeOp::RateCounter => return rate_counter(w, end, range_ns),
        RangeOp::AbsentOverTime => 1.0,
    })
}

fn variance(w: &[(i64, f64)]) -> f64 {
    let n = w.len() as f64;
    let mean = w.iter().map(|s| s.1).sum::<f64>() / n;
    w.iter().map(|s| (s.1 - mean).powi(2)).sum::<f64>() / n
}

/// Prometheus' `quantile`: linear interpolation between the closest ranks.
pub(crate) fn quantile(q: f64, w: &[(i64, f64)]) -> f64 {
    if q.is_nan() || w.is_empty() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut v: Vec<f64> = w.iter().map(|s| s.1).collect();
    v.sort_by(f64::total_cmp);
    let rank = q * (v.len() - 1) as f64;
    let lower = rank.floor() as usize;
    let upper = (lower + 1).min(v.len() - 1);
    let weight = rank - rank.floor();
    v[lower] * (1.0 - weight) + v[upper] * weight
}

/// Prometheus' extrapolated counter rate, as Loki's `rate_counter` uses it.
fn rate_counter(w: &[(i64, f64)], end: i64, range_ns: i64) -> Option<f64> {
    if w.len() < 2 {
        return None;
    }
    let (first, last) = (w[0], w[w.len() - 1]);
    let mut result = last.1 - first.1;
    for pair in w.windows(2) {
        if pair[1].1 < pair[0].1 {
            result += pair[0].1;
        }
    }
    let secs = |ns: i64| ns as f64 / 1e9;
    let sampled = secs(last.0 - first.0);
    let avg_gap = sampled / (w.len() - 1) as f64;
    let mut to_start = secs(first.0 - (end - range_ns));
    let to_end = secs(end - last.0);
    if result > 0.0 && first.1 >= 0.0 {
        to_start = to_start.min(sampled * (first.1 / result));
    }
    let threshold = avg_gap * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold {
        to_start
    } else {
        avg_gap / 2.0
    };
    interval += if to_end < threshold {
        to_end
    } else {
        avg_gap / 2.0
    };
    Some(result * (interval / sampled) / secs(range_ns))
}

/// `absent_over_time`: 1 at the steps where no series has a sample, labelled by the selector's
/// equality matchers.
fn absent(
    ctx: &Ctx<'_>,
    r: &RangeAggregation,
    by_series: &HashMap<Labels, Samples>,
    range_ns: i64,
    offset: i64,
) -> Vec<StepSeries> {
    let mut all: Samples = by_series.values().flatten().copied().collect();
    all.sort_by_key(|s| s.0);
    let present = windows(&ctx.steps, &all, range_ns, offset, |_, _| Some(1.0));
    let values: Vec<Option<f64>> = present.iter().map(|p| p.is_none().then_some(1.0)).collect();
    let mut labels = Labels::new();
    for m in r.range.log.selector.iter().filter(|m| m.op == MatchOp::Eq) {
        labels
            .entry(m.name.clone())
            .or_insert_with(|| m.value.clone());
    }
    vec![StepSeries { labels, values }]
}
