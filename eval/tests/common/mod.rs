//! Helpers shared by the LogQL evaluator tests.
#![allow(dead_code)]

use std::sync::Arc;

use loqui_core::{Direction, Labels, LineLabels, QueryData, TimeRange};
use loqui_eval::logql::{Entry, EvalError, VecInput, eval_instant, eval_range};

pub const S: i64 = 1_000_000_000;

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn entry(secs: i64, stream: &[(&str, &str)], line: &str) -> Entry {
    Entry {
        ts_ns: secs * S,
        labels: Arc::new(labels(stream)),
        line: line.to_owned(),
        metadata: LineLabels::new(),
    }
}

pub fn with_meta(mut e: Entry, meta: &[(&str, &str)]) -> Entry {
    for (k, v) in meta {
        e.metadata.insert(k, v.to_string());
    }
    e
}

pub fn expr(q: &str) -> loqui_query::logql::Expr {
    let p = loqui_query::logql::parse(q);
    p.tree.unwrap_or_else(|| panic!("{q}: {:?}", p.diagnostics))
}

/// Runs a log query over [0, 1000s) and returns (labels, line) oldest first.
pub fn lines(q: &str, entries: Vec<Entry>) -> Vec<(Labels, String)> {
    try_lines(q, entries).unwrap()
}

pub fn try_lines(q: &str, entries: Vec<Entry>) -> Result<Vec<(Labels, String)>, EvalError> {
    let out = eval_range(
        &expr(q),
        &VecInput::new(entries),
        TimeRange::from_secs(0, 1000),
        0,
        1000,
        Direction::Forward,
    )?;
    let QueryData::Streams(streams) = out.data else {
        panic!("not streams")
    };
    let mut all: Vec<(i64, Labels, String)> = streams
        .into_iter()
        .flat_map(|s| {
            s.lines
                .into_iter()
                .map(move |l| (l.ts_ns, s.labels.clone(), l.line))
        })
        .collect();
    all.sort_by_key(|x| x.0);
    Ok(all.into_iter().map(|(_, l, s)| (l, s)).collect())
}

/// One parsed line's labels.
pub fn parsed(q: &str, line: &str) -> Labels {
    let mut out = lines(q, vec![entry(1, &[("app", "a")], line)]);
    assert_eq!(out.len(), 1, "{q} on {line}");
    out.remove(0).0
}

/// A matrix as (labels, [(secs, value)]).
pub fn matrix(
    q: &str,
    entries: Vec<Entry>,
    start: i64,
    end: i64,
    step: i64,
) -> Vec<(Labels, Vec<(i64, f64)>)> {
    let out = eval_range(
        &expr(q),
        &VecInput::new(entries),
        TimeRange::from_secs(start, end),
        step * S,
        100,
        Direction::Backward,
    )
    .unwrap_or_else(|e| panic!("{q}: {e}"));
    let QueryData::Matrix(series) = out.data else {
        panic!("not a matrix")
    };
    series
        .into_iter()
        .map(|s| {
            (
                s.labels,
                s.samples.iter().map(|p| (p.ts_ns / S, p.value)).collect(),
            )
        })
        .collect()
}

/// An instant vector as (labels, value), in the evaluator's order.
pub fn vector(q: &str, entries: Vec<Entry>, at: i64) -> Vec<(Labels, f64)> {
    let out = eval_instant(&expr(q), &VecInput::new(entries), at * S, 100)
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    let QueryData::Vector(v) = out.data else {
        panic!("not a vector")
    };
    v.into_iter().map(|s| (s.labels, s.sample.value)).collect()
}
