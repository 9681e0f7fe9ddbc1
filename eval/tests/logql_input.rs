//! The contract with the store: what a `Selection` asks for, and that only `entries` is required.

mod common;

use std::cell::RefCell;

use common::*;
use loqui_core::{Direction, QueryData, TimeRange};
use loqui_eval::logql::{Entry, EvalError, Hints, LogInput, Selection, eval_range};

/// A store that implements only `entries`, ignores every hint and records what it was asked.
struct Recording {
    entries: Vec<Entry>,
    asked: RefCell<Vec<(TimeRange, Hints)>>,
}

impl LogInput for Recording {
    fn entries<'s>(
        &'s self,
        sel: &Selection<'_>,
    ) -> Result<Box<dyn Iterator<Item = Entry> + 's>, EvalError> {
        self.asked.borrow_mut().push((sel.range, sel.hints.clone()));
        // Everything, in no order, from every stream: the evaluator must verify it all.
        Ok(Box::new(self.entries.iter().rev().cloned()))
    }
}

fn store() -> Recording {
    Recording {
        entries: vec![
            with_meta(entry(10, &[("app", "a")], "GET ok"), &[("trace_id", "t1")]),
            entry(20, &[("app", "b")], "GET ok"),
            entry(30, &[("app", "a")], "POST ok"),
            entry(2000, &[("app", "a")], "GET late"),
        ],
        asked: RefCell::new(Vec::new()),
    }
}

#[test]
fn log_queries_verify_what_a_loose_store_returns() {
    let s = store();
    let q = expr(r#"{app="a"} |= "GET" | trace_id="t1""#);
    let out = eval_range(
        &q,
        &s,
        TimeRange::from_secs(0, 1000),
        0,
        10,
        Direction::Backward,
    )
    .unwrap();
    let QueryData::Streams(streams) = out.data else {
        panic!()
    };
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0].lines.len(), 1);
    let (range, hints) = s.asked.borrow()[0].clone();
    assert_eq!(range, TimeRange::from_secs(0, 1000));
    assert_eq!(hints.line_contains, ["GET"]);
    assert_eq!(
        hints.label_equals,
        [("trace_id".to_owned(), "t1".to_owned())]
    );
}

#[test]
fn metric_queries_widen_the_range_by_range_and_offset() {
    let s = store();
    let m = eval_range(
        &expr(r#"sum(count_over_time({app="a"}[1m] offset 1m))"#),
        &s,
        TimeRange::from_secs(120, 240),
        60 * S,
        10,
        Direction::Backward,
    )
    .unwrap();
    let (range, _) = s.asked.borrow()[0].clone();
    // Steps 120, 180, 240; windows (t - 1m - 1m, t - 1m].
    assert_eq!(
        range,
        TimeRange {
            start_ns: 1,
            end_ns: 180 * S + 1
        }
    );
    let QueryData::Matrix(series) = m.data else {
        panic!()
    };
    let points: Vec<(i64, f64)> = series[0]
        .samples
        .iter()
        .map(|p| (p.ts_ns / S, p.value))
        .collect();
    assert_eq!(points, vec![(120, 2.0)]);
}

#[test]
fn stats_count_the_entries_read_in_range() {
    let s = store();
    let q = expr(r#"{app="a"} |= "GET""#);
    let out = eval_range(
        &q,
        &s,
        TimeRange::from_secs(0, 1000),
        0,
        10,
        Direction::Backward,
    )
    .unwrap();
    // Three entries fall in the range (the store's fourth is later); all three were read.
    assert_eq!(out.stats.lines_processed, Some(3));
    assert_eq!(out.stats.bytes_processed, Some(6 + 6 + 7));
    let m = eval_range(
        &expr(r#"count_over_time({app="a"}[1m])"#),
        &s,
        TimeRange::from_secs(60, 60),
        60 * S,
        10,
        Direction::Backward,
    )
    .unwrap();
    assert_eq!(m.stats.lines_processed, Some(3));
}
