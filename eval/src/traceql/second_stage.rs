//! Second stages of metrics queries: `topk(n)`, `bottomk(n)` and value filters (`> 10`).

use std::cmp::Ordering;

use loqui_core::Series;
use loqui_query::traceql::{SecondStage, Static};

use super::value::{Value, compare};

pub(crate) fn apply_second_stages(mut series: Vec<Series>, stages: &[SecondStage]) -> Vec<Series> {
    for stage in stages {
        series = match stage {
            SecondStage::TopK(k) => top(series, *k, Ordering::Greater),
            SecondStage::BottomK(k) => top(series, *k, Ordering::Less),
            SecondStage::Filter { op, value } => filter(series, *op, value),
        };
    }
    series
}

/// Like Tempo, the choice is made per timestamp: a series keeps the samples at which it was
/// among the `k` highest (or lowest); series never chosen are dropped. Ties go to the series
/// whose labels sort first.
fn top(series: Vec<Series>, k: i64, want: Ordering) -> Vec<Series> {
    let k = usize::try_from(k).unwrap_or(0);
    let mut timestamps: Vec<i64> = series
        .iter()
        .flat_map(|s| s.samples.iter().map(|x| x.ts_ns))
        .collect();
    timestamps.sort_unstable();
    timestamps.dedup();
    let mut keep: Vec<Vec<i64>> = vec![Vec::new(); series.len()];
    for ts in timestamps {
        let mut at: Vec<(usize, f64)> = series
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.samples
                    .iter()
                    .find(|x| x.ts_ns == ts)
                    .map(|x| (i, x.value))
            })
            .filter(|(_, v)| !v.is_nan())
            .collect();
        at.sort_by(|a, b| {
            let ord = b.1.total_cmp(&a.1);
            let ord = if want == Ordering::Less {
                ord.reverse()
            } else {
                ord
            };
            ord.then(series[a.0].labels.cmp(&series[b.0].labels))
        });
        for (i, _) in at.into_iter().take(k) {
            keep[i].push(ts);
        }
    }
    series
        .into_iter()
        .zip(keep)
        .filter(|(_, ts)| !ts.is_empty())
        .map(|(mut s, ts)| {
            s.samples.retain(|x| ts.contains(&x.ts_ns));
            s
        })
        .collect()
}

fn filter(series: Vec<Series>, op: loqui_query::traceql::CmpOp, value: &Static) -> Vec<Series> {
    // Durations are refused before evaluation (`plan::check_second_stages`).
    let bound = Value::from_static(value);
    series
        .into_iter()
        .filter_map(|mut s| {
            s.samples
                .retain(|x| compare(op, &Value::Float(x.value), &bound));
            (!s.samples.is_empty()).then_some(s)
        })
        .collect()
}
