//! Arithmetic between metrics queries: `({status=error} | rate()) / ({} | rate())`.
//!
//! Like Tempo, series are joined by their labels (only series present on both sides survive,
//! keeping the left side's labels) and combined sample by sample. Tempo yields NaN for `x / 0`;
//! such samples are left out here, as no answer format carries NaN.

use std::collections::BTreeMap;

use loqui_core::{Labels, Sample, Series};
use loqui_query::traceql::{ArithOp, MetricsMath, MetricsQuery};

use super::EvalError;

pub(crate) fn eval(
    m: &MetricsMath,
    run: &dyn Fn(&MetricsQuery) -> Result<Vec<Series>, EvalError>,
) -> Result<Vec<Series>, EvalError> {
    match m {
        MetricsMath::Query(q) => run(q),
        MetricsMath::Binary { op, lhs, rhs } => {
            let l = eval(lhs, run)?;
            let r = eval(rhs, run)?;
            Ok(join(*op, l, r))
        }
    }
}

fn join(op: ArithOp, lhs: Vec<Series>, rhs: Vec<Series>) -> Vec<Series> {
    let rhs: BTreeMap<Labels, Series> = rhs.into_iter().map(|s| (s.labels.clone(), s)).collect();
    lhs.into_iter()
        .filter_map(|l| {
            let r = rhs.get(&l.labels)?;
            let samples = combine(op, &l.samples, &r.samples);
            // Like Tempo, a series left without samples is not returned.
            (!samples.is_empty()).then_some(())?;
            Some(Series {
                labels: l.labels,
                samples,
                exemplars: Vec::new(),
            })
        })
        .collect()
}

fn combine(op: ArithOp, lhs: &[Sample], rhs: &[Sample]) -> Vec<Sample> {
    lhs.iter()
        .filter_map(|a| {
            let b = rhs.iter().find(|b| b.ts_ns == a.ts_ns)?;
            let value = apply(op, a.value, b.value);
            (!value.is_nan()).then_some(Sample {
                ts_ns: a.ts_ns,
                value,
            })
        })
        .collect()
}

fn apply(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div if b == 0.0 => f64::NAN,
        ArithOp::Div => a / b,
        ArithOp::Mod => a % b,
        ArithOp::Pow => a.powf(b),
    }
}
