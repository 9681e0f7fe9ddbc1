//! Logs and traces agree: every request line points at an existing span of its trace, and every
//! trace is a well-formed tree.

mod common;

use std::collections::HashMap;

use common::*;
use loqui_demo::{SpanId, SpanKind, SpanRecord, TraceId};

#[test]
fn log_lines_point_at_spans_and_trees_are_well_formed() {
    // Three hours ending now: holds the traffic spike and the bad deploy.
    let all = collect(&generator(7, 3));
    let mut spans: HashMap<(TraceId, SpanId), &SpanRecord> = HashMap::new();
    let mut traces: HashMap<TraceId, Vec<&SpanRecord>> = HashMap::new();
    for s in &all.spans {
        assert!(
            spans.insert((s.trace_id, s.span_id), s).is_none(),
            "duplicate span id"
        );
        traces.entry(s.trace_id).or_default().push(s);
    }
    let mut with_trace = 0;
    for l in &all.logs {
        assert!(l.time_ns > end() - 3 * NS_HOUR && l.time_ns <= end());
        let (Some(t), Some(sid)) = (l.trace_id, l.span_id) else {
            assert!(
                !l.line.contains("trace_id"),
                "background line with a trace id: {}",
                l.line
            );
            continue;
        };
        with_trace += 1;
        let s = spans
            .get(&(t, sid))
            .unwrap_or_else(|| panic!("no span for line {}", l.line));
        assert!(l.line.contains(&t.to_string()) && l.line.contains(&sid.to_string()));
        assert_eq!(
            s.resource.pod,
            l.stream.labels.iter().find(|(k, _)| *k == "pod").unwrap().1
        );
        assert!(
            l.time_ns >= s.start_ns && l.time_ns <= s.end_ns(),
            "line outside its span: {}",
            l.line
        );
    }
    assert!(with_trace > all.logs.len() / 2);
    for (tid, group) in &traces {
        let roots: Vec<_> = group
            .iter()
            .filter(|s| s.parent_span_id.is_none())
            .collect();
        assert_eq!(roots.len(), 1, "trace {tid} has {} roots", roots.len());
        assert_eq!(roots[0].kind, SpanKind::Server);
        for s in group {
            let Some(p) = s.parent_span_id else { continue };
            let parent = spans.get(&(*tid, p)).expect("parent exists");
            assert!(
                s.start_ns >= parent.start_ns,
                "child starts before parent in {tid}"
            );
            // A Kafka consumer is caused by its producer but runs after it, not inside it.
            if s.kind != SpanKind::Consumer {
                assert!(
                    s.end_ns() <= parent.end_ns(),
                    "child {} outlives parent {} in {tid}",
                    s.name,
                    parent.name
                );
            }
            assert!(s.duration_ns > 0);
        }
    }
}

#[test]
fn batches_are_ordered_and_partition_time() {
    let g = generator(7, 1);
    let mut prev_end = end() - NS_HOUR;
    for b in g.batches() {
        assert_eq!(b.start_ns, prev_end);
        assert_eq!(b.end_ns - b.start_ns, NS_MIN);
        assert!(b.logs.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));
        assert!(b.spans.windows(2).all(|w| w[0].start_ns <= w[1].start_ns));
        assert!(
            b.logs
                .iter()
                .all(|l| l.time_ns > b.start_ns && l.time_ns <= b.end_ns)
        );
        assert!(
            b.spans
                .iter()
                .all(|s| s.start_ns > b.start_ns && s.start_ns <= b.end_ns)
        );
        prev_end = b.end_ns;
    }
    assert_eq!(prev_end, end());
}

#[test]
fn live_windows_join_seamlessly_and_continue_the_run() {
    let g = generator(7, 1);
    let (a, b, c) = (
        end() - 30 * NS_MIN,
        end() - 7 * NS_MIN - 1234,
        end() + 20 * NS_MIN,
    );
    let whole = g.window(a, c);
    let mut live = g.live(a);
    let mut parts = live.advance(b);
    let second = live.advance(c);
    parts.logs.extend(second.logs);
    let after_end = second.spans.iter().any(|s| s.start_ns > end());
    parts.spans.extend(second.spans);
    let key = |l: &loqui_demo::LogRecord| (l.time_ns, l.line.clone());
    assert_eq!(
        whole.logs.iter().map(key).collect::<Vec<_>>(),
        parts.logs.iter().map(key).collect::<Vec<_>>()
    );
    assert_eq!(whole.spans.len(), parts.spans.len());
    // Windows well inside the run see exactly what the run's batches hold.
    let run = collect(&g);
    let inside = |t: i64| t > a && t <= end();
    let from_run: Vec<_> = run
        .logs
        .iter()
        .filter(|l| inside(l.time_ns))
        .map(key)
        .collect();
    let from_window: Vec<_> = g.window(a, end()).logs.iter().map(key).collect();
    assert_eq!(from_run, from_window);
    // Traffic continues after the end.
    assert!(after_end);
}
