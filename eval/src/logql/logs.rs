//! Log queries: run the pipeline over every candidate entry, group the survivors by their final
//! label set and keep the `limit` newest (backward) or oldest (forward) lines.

use std::collections::BTreeMap;

use loqui_core::{Direction, Labels, LogLine, LogQueryResult, LogStream, QueryData, TimeRange};
use loqui_query::logql::LogExpr;

use super::input::{Hints, LogInput, Selection};
use super::metric::Read;
use super::pipeline::Pipeline;
use super::{EvalError, Limits};

struct Kept {
    ts_ns: i64,
    /// Arrival order, so equal timestamps keep a stable order.
    seq: u64,
    labels: Labels,
    line: String,
}

pub(crate) fn eval_logs(
    expr: &LogExpr,
    input: &dyn LogInput,
    range: TimeRange,
    limit: usize,
    direction: Direction,
    limits: &Limits,
) -> Result<LogQueryResult, EvalError> {
    let pipeline = Pipeline::new(expr)?;
    let sel = Selection {
        matchers: &expr.selector,
        range,
        direction,
        hints: Hints::of(expr),
    };
    let mut kept: Vec<Kept> = Vec::new();
    let mut matched = 0usize;
    let mut read = Read::default();
    input.for_each_entry(&sel, &mut |entry| {
        if !range.contains(entry.ts_ns) {
            return Ok(true);
        }
        read.add(&entry.line);
        let Some(out) = pipeline.process(entry)? else {
            return Ok(true);
        };
        matched += 1;
        if matched > limits.max_matched_lines {
            return Err(too_many(limits));
        }
        kept.push(Kept {
            ts_ns: entry.ts_ns,
            seq: matched as u64,
            labels: out.labels.to_labels(),
            line: out.line.into_owned(),
        });
        // Keep memory bounded by the limit: cut once twice the limit has piled up.
        if kept.len() >= limit.saturating_mul(2).max(1024) {
            cut(&mut kept, limit, direction);
        }
        Ok(true)
    })?;
    cut(&mut kept, limit, direction);
    let total = kept.len();
    Ok(LogQueryResult {
        data: QueryData::Streams(group(kept)),
        truncated: matched > limit,
        total_lines: total,
        stats: read.stats(),
    })
}

fn too_many(limits: &Limits) -> EvalError {
    EvalError::LimitExceeded(format!(
        "more than {} matching lines; narrow the query or the time range",
        limits.max_matched_lines
    ))
}

/// Sorts in the requested order and keeps the first `limit`.
fn cut(kept: &mut Vec<Kept>, limit: usize, direction: Direction) {
    match direction {
        Direction::Forward => kept.sort_by_key(|k| (k.ts_ns, k.seq)),
        Direction::Backward => kept.sort_by(|a, b| (b.ts_ns, a.seq).cmp(&(a.ts_ns, b.seq))),
    }
    kept.truncate(limit);
}

/// Groups ordered lines into streams by label set; streams come out sorted by labels.
fn group(kept: Vec<Kept>) -> Vec<LogStream> {
    let mut streams: BTreeMap<Labels, Vec<LogLine>> = BTreeMap::new();
    for k in kept {
        streams.entry(k.labels).or_default().push(LogLine {
            ts_ns: k.ts_ns,
            line: k.line,
            structured_metadata: Default::default(),
            parsed: Default::default(),
        });
    }
    streams
        .into_iter()
        .map(|(labels, lines)| LogStream { labels, lines })
        .collect()
}
