//! Records come back as they went in, across close and reopen, in the asked order and limit.

mod common;

use common::*;
use loqui_core::{Direction, LogStream, TimeRange};
use loqui_store::{LabelMatcher, LogSelect, StoredLine};

fn all(range_ns: i64, dir: Direction, limit: Option<usize>) -> LogSelect {
    let mut s = LogSelect::new(
        vec![],
        TimeRange {
            start_ns: T0,
            end_ns: T0 + range_ns,
        },
    );
    s.direction = dir;
    s.limit = limit;
    s
}

fn collect(store: &loqui_store::Store, s: &LogSelect) -> Vec<StoredLine> {
    store.logs.select(s).unwrap().map(Result::unwrap).collect()
}

#[test]
fn lines_round_trip_in_order_with_limits_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut batch = vec![
        LogStream {
            labels: labels(&[("service_name", "api"), ("level", "info")]),
            lines: vec![line(T0 + 30, "c"), line(T0 + 10, "a"), line(T0 + 20, "b")],
        },
        LogStream {
            labels: labels(&[("service_name", "db")]),
            lines: vec![line(T0 + 15, "between"), line(T0 + 20, "tie after b")],
        },
    ];
    batch[1].lines[0]
        .structured_metadata
        .insert("trace_id", "abc".into());
    {
        let store = open(dir.path());
        let report = store.logs.push(&batch).unwrap();
        assert_eq!(report.accepted, 5);
        store.commit().unwrap();
    }
    let store = open(dir.path());
    let fwd = collect(&store, &all(100, Direction::Forward, None));
    let texts: Vec<&str> = fwd.iter().map(|l| l.line.line.as_str()).collect();
    assert_eq!(texts, ["a", "between", "b", "tie after b", "c"]);
    assert_eq!(*fwd[1].labels, batch[1].labels);
    assert_eq!(fwd[1].line, batch[1].lines[0]);
    let back = collect(&store, &all(100, Direction::Backward, Some(2)));
    let texts: Vec<&str> = back.iter().map(|l| l.line.line.as_str()).collect();
    assert_eq!(texts, ["c", "tie after b"]);
    let first = collect(&store, &all(100, Direction::Forward, Some(1)));
    assert_eq!(first[0].line.line, "a");
    // End is exclusive.
    assert_eq!(collect(&store, &all(20, Direction::Forward, None)).len(), 2);
    assert_eq!(store.logs.label_names(&[], None), ["level", "service_name"]);
    assert_eq!(
        store
            .logs
            .label_values("service_name", &[LabelMatcher::eq("level", "info")], None),
        ["api"]
    );
}

#[test]
fn spans_and_traces_round_trip_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let spans = vec![
        span(7, 1, None, T0 + 100, "api"),
        span(7, 2, Some(1), T0 + 50, "db-proxy"),
        span(8, 3, None, T0 + 10, "cart"),
    ];
    {
        let store = open(dir.path());
        assert_eq!(store.traces.push(&spans).unwrap().accepted, 3);
        store.commit().unwrap();
    }
    let store = open(dir.path());
    let t = store
        .traces
        .trace(&format!("{:x}", 7))
        .unwrap()
        .expect("trace 7 is stored");
    assert_eq!(t.spans, vec![spans[1].clone(), spans[0].clone()]);
    assert_eq!(t.total_spans, 2);
    assert!(store.traces.trace("ffff").unwrap().is_none());
    assert!(store.traces.trace("not-hex").is_err());
    let names = store.traces.tag_names().unwrap();
    assert!(names[&loqui_core::TagScope::Span].contains(&"http.route".to_string()));
    assert!(names[&loqui_core::TagScope::Resource].contains(&"service.name".to_string()));
    let values = store
        .traces
        .tag_values(loqui_core::TagScope::Resource, "service.name")
        .unwrap();
    assert_eq!(values, ["api", "cart", "db-proxy"]);
}

#[test]
fn unflushed_writes_are_replayed_from_the_log_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .logs
            .push(&[LogStream {
                labels: labels(&[("app", "x")]),
                lines: vec![line(T0 + 1, "kept without commit")],
            }])
            .unwrap();
        store
            .traces
            .push(&[span(9, 1, None, T0 + 5, "api")])
            .unwrap();
        // Dropped without commit: only the write-ahead log has them.
    }
    let store = open(dir.path());
    let lines = collect(&store, &all(100, Direction::Forward, None));
    assert_eq!(lines.len(), 1);
    assert_eq!(*lines[0].labels, labels(&[("app", "x")]));
    assert!(store.traces.trace("9").unwrap().is_some());
}

#[test]
fn malformed_records_are_refused_with_a_reason_and_good_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let batch = vec![
        LogStream {
            labels: Default::default(),
            lines: vec![line(T0, "no labels")],
        },
        LogStream {
            labels: labels(&[("app", "x")]),
            lines: vec![
                line(T0 + 1, "good"),
                line(T0 + 2, &"x".repeat(300 * 1024)),
                line(-5, "bad time"),
            ],
        },
        LogStream {
            labels: labels(&[("bad-name", "x")]),
            lines: vec![line(T0, "dash")],
        },
        LogStream {
            labels: labels(&[("app", "")]),
            lines: vec![line(T0, "empty value")],
        },
    ];
    let report = store.logs.push(&batch).unwrap();
    assert_eq!(report.accepted, 1);
    let reasons: Vec<(usize, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.index, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].1.contains("no labels") && reasons[0].0 == 0);
    assert!(
        reasons[1]
            .1
            .contains("over the 262144-byte limit; split it")
    );
    assert!(reasons[2].1.contains("unix nanoseconds"));
    assert!(reasons[3].1.contains("`bad-name` is invalid"));
    assert!(reasons[4].1.contains("empty value"));

    let mut bad_trace = span(1, 1, None, T0, "api");
    bad_trace.trace_id = "zz".into();
    let mut bad_span = span(1, 2, None, T0, "api");
    bad_span.span_id = "12345678901234567".into();
    let mut negative = span(1, 3, None, T0, "api");
    negative.duration_ns = -1;
    let good = span(1, 4, None, T0, "api");
    let report = store
        .traces
        .push(&[bad_trace, bad_span, negative, good.clone()])
        .unwrap();
    assert_eq!(report.accepted, 1);
    assert_eq!(
        report.rejected.iter().map(|r| r.index).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(
        report.rejected[0]
            .reason
            .contains("send 1 to 32 hex digits")
    );
    store.commit().unwrap();
    assert_eq!(
        collect(&store, &all(100, Direction::Forward, None)).len(),
        1
    );
    assert_eq!(store.traces.trace("1").unwrap().unwrap().spans, vec![good]);
}

#[test]
fn substring_filters_find_words_cut_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let texts = [
        "user order",
        "xuser order2",
        "auser=orderx",
        "aaa",
        "Zzz",
        "user0 order",
    ];
    let lines = texts
        .iter()
        .enumerate()
        .map(|(i, t)| line(T0 + i as i64, t))
        .collect();
    store
        .logs
        .push(&[LogStream {
            labels: labels(&[("a", "b")]),
            lines,
        }])
        .unwrap();
    store.commit().unwrap();
    let find = |q: &str| -> Vec<String> {
        let mut s = all(100, Direction::Forward, None);
        s.contains = vec![q.into()];
        store
            .logs
            .select(&s)
            .unwrap()
            .map(|l| l.unwrap().line.line)
            .collect()
    };
    assert_eq!(find("user order"), ["user order", "xuser order2"]);
    assert_eq!(find("r=o"), ["auser=orderx"]);
    // Self-overlapping fragments at a word's end, and the last word of the dictionary.
    assert_eq!(find("aa"), ["aaa"]);
    assert_eq!(find("zz"), ["Zzz"]);
    assert_eq!(find("Zz"), ["Zzz"]);
    assert!(find("ZZ").is_empty(), "matching is case-sensitive");
}

#[test]
fn a_torn_log_tail_is_cut_and_the_whole_batches_before_it_kept() {
    let dir = tempfile::tempdir().unwrap();
    let push = |store: &loqui_store::Store, text: &str| {
        let stream = LogStream {
            labels: labels(&[("app", "x")]),
            lines: vec![line(T0 + 1, text)],
        };
        store.logs.push(&[stream]).unwrap();
    };
    {
        let store = open(dir.path());
        push(&store, "one");
        push(&store, "two");
    }
    // A record whose header promises more bytes than were written, as a crash mid-append
    // leaves it.
    {
        use std::io::Write;
        let mut wal = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("logs/wal.log"))
            .unwrap();
        let mut torn = Vec::new();
        torn.extend_from_slice(&1000u32.to_le_bytes());
        torn.extend_from_slice(&0u32.to_le_bytes());
        torn.extend_from_slice(&99u64.to_le_bytes());
        torn.extend_from_slice(b"{\"partial");
        wal.write_all(&torn).unwrap();
    }
    let texts = |store: &loqui_store::Store| -> Vec<String> {
        store
            .logs
            .select(&all(100, Direction::Forward, None))
            .unwrap()
            .map(|l| l.unwrap().line.line)
            .collect()
    };
    let store = open(dir.path());
    assert_eq!(texts(&store), ["one", "two"]);
    push(&store, "three");
    drop(store);
    assert_eq!(texts(&open(dir.path())), ["one", "two", "three"]);
}
