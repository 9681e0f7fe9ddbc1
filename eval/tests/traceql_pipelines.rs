//! Pipelines (aggregates, `by`, `coalesce`, `select`) and the shape of search answers
//! (roots, ordering, limits, spans per spanset, shown attributes).

mod traceql_support;

use loqui_core::{AttrValue, Span, StatusCode};
use loqui_eval::traceql::{ROOT_SPAN_NOT_YET_RECEIVED, VecTraceInput, search};
use traceql_support::*;

/// Trace `t` with a root and `n` children of service `svc-<i % 2>`, each `10 * i` ms long.
fn trace(t: u32, n: u32) -> Vec<Span> {
    let base = t * 100;
    let mut spans = vec![span(t, base, None)];
    for i in 1..=n {
        let mut s = span(t, base + i, Some(base));
        set_service(&mut s, &format!("svc-{}", i % 2));
        s.duration_ns = i64::from(i) * 10_000_000;
        s.attributes.insert("n", AttrValue::Int(i64::from(i)));
        spans.push(s);
    }
    spans
}

fn data() -> Vec<Span> {
    [trace(1, 2), trace(2, 4), trace(3, 6)].concat()
}

fn traces_of(q: &str) -> Vec<String> {
    let input = VecTraceInput::from_spans(data());
    let r = search(&parse(q), &input, wide(), 100, 100).unwrap();
    let mut ids: Vec<String> = r.traces.iter().map(|t| t.trace_id.clone()).collect();
    ids.sort();
    ids
}

fn tids(ns: &[u32]) -> Vec<String> {
    ns.iter().map(|&n| tid(n)).collect()
}

#[test]
fn count_filters_spansets() {
    assert_eq!(traces_of("{ span.n > 0 } | count() > 3"), tids(&[2, 3]));
    assert_eq!(traces_of("{ span.n > 0 } | count() = 2"), tids(&[1]));
    assert_eq!(traces_of("{ } | count() >= 7"), tids(&[3]));
}

#[test]
fn avg_min_max_sum() {
    // Children durations: trace 1: 10,20; trace 2: 10..40; trace 3: 10..60 (ms).
    assert_eq!(
        traces_of("{ span.n > 0 } | avg(duration) > 20ms"),
        tids(&[2, 3])
    );
    assert_eq!(
        traces_of("{ span.n > 0 } | max(duration) >= 60ms"),
        tids(&[3])
    );
    assert_eq!(
        traces_of("{ span.n > 0 } | min(span.n) = 1"),
        tids(&[1, 2, 3])
    );
    assert_eq!(traces_of("{ span.n > 0 } | sum(span.n) = 10"), tids(&[2]));
    // Spans without the attribute are skipped, not counted as zero.
    assert_eq!(traces_of("{ } | avg(span.n) = 1.5"), tids(&[1]));
}

#[test]
fn by_splits_and_coalesce_merges() {
    // Per service, trace 2 has 2 children each; only trace 3 has a group of 3.
    assert_eq!(
        traces_of("{ span.n > 0 } | by(resource.service.name) | count() = 3"),
        tids(&[3])
    );
    assert_eq!(
        traces_of("{ span.n > 0 } | by(resource.service.name) | coalesce() | count() = 4"),
        tids(&[2])
    );
}

#[test]
fn by_groups_become_separate_spansets_with_their_own_matched_counts() {
    let input = VecTraceInput::from_spans(trace(2, 4));
    let q = parse("{ span.n > 0 } | by(resource.service.name)");
    let r = search(&q, &input, wide(), 10, 1).unwrap();
    let t = &r.traces[0];
    assert_eq!(t.matched_spans, 4);
    // One span shown per spanset (spss = 1), two spansets.
    assert_eq!(t.spans.len(), 2);
}

#[test]
fn select_shows_requested_attributes_and_nil_for_missing_ones() {
    let input = VecTraceInput::from_spans(trace(1, 2));
    let q = parse("{ span.n = 1 } | select(span.missing, resource.service.name, status)");
    let r = search(&q, &input, wide(), 10, 10).unwrap();
    let s = &r.traces[0].spans[0];
    assert_eq!(
        s.attributes.get("missing"),
        Some(&AttrValue::String("nil".into()))
    );
    assert_eq!(
        s.attributes.get("service.name"),
        Some(&AttrValue::String("svc-1".into()))
    );
    assert_eq!(s.attributes.get("n"), Some(&AttrValue::Int(1)));
    assert_eq!(
        s.attributes.get("status"),
        Some(&AttrValue::String("unset".into()))
    );
    assert_eq!(s.service_name, "svc-1");
}

#[test]
fn shown_attributes_are_only_those_compared_where_the_comparison_held() {
    let input = VecTraceInput::from_spans(trace(1, 2));
    let q = parse(r#"{ span.n = 1 || resource.service.name = "svc-0" }"#);
    let r = search(&q, &input, wide(), 10, 10).unwrap();
    let spans = &r.traces[0].spans;
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].attributes.keys().collect::<Vec<_>>(), vec!["n"]);
    assert_eq!(
        spans[1].attributes.keys().collect::<Vec<_>>(),
        vec!["service.name"]
    );
    assert_eq!(spans[1].service_name, "svc-0");
}

#[test]
fn newest_traces_first_limit_and_truncation() {
    let mut spans = data();
    for s in spans.iter_mut().filter(|s| s.trace_id == tid(1)) {
        s.start_ns += 10_000_000_000; // trace 1 is now the newest
    }
    let input = VecTraceInput::from_spans(spans);
    let r = search(&parse("{ }"), &input, wide(), 2, 3).unwrap();
    let got: Vec<&str> = r.traces.iter().map(|t| t.trace_id.as_str()).collect();
    assert_eq!(got, vec![tid(1), tid(3)]);
    assert!(r.truncated);
    let all = search(&parse("{ }"), &input, wide(), 3, 3).unwrap();
    assert!(!all.truncated);
}

#[test]
fn spans_per_spanset_keeps_the_earliest_and_counts_all() {
    let input = VecTraceInput::from_spans(trace(3, 6));
    let r = search(&parse("{ }"), &input, wide(), 10, 3).unwrap();
    let t = &r.traces[0];
    assert_eq!(t.matched_spans, 7);
    let got: Vec<&str> = t.spans.iter().map(|s| s.span_id.as_str()).collect();
    assert_eq!(got, vec![sid(300), sid(301), sid(302)]);
}

#[test]
fn summary_root_duration_and_service_stats() {
    let mut spans = trace(2, 4);
    spans[2].status.code = StatusCode::Error;
    let input = VecTraceInput::from_spans(spans);
    let r = search(&parse("{ }"), &input, wide(), 10, 3).unwrap();
    let t = &r.traces[0];
    assert_eq!(t.root_service.as_deref(), Some("svc"));
    assert_eq!(t.root_name.as_deref(), Some("s200"));
    assert_eq!(t.start_ns, T0 + 200_000_000);
    // The last child starts 4 ms after the root and lasts 40 ms; whole milliseconds, like Tempo.
    assert_eq!(t.duration_ns, 44_000_000);
    assert_eq!(t.service_stats["svc-0"].span_count, 2);
    assert_eq!(t.service_stats["svc-0"].error_count, 1);
    assert_eq!(t.service_stats["svc"].span_count, 1);
}

#[test]
fn a_trace_without_root_gets_tempos_placeholder() {
    let orphan = span(9, 5, Some(4));
    let input = VecTraceInput::from_spans(vec![orphan]);
    let r = search(&parse("{ }"), &input, wide(), 10, 3).unwrap();
    assert_eq!(
        r.traces[0].root_service.as_deref(),
        Some(ROOT_SPAN_NOT_YET_RECEIVED)
    );
    assert_eq!(r.traces[0].root_name, None);
}

#[test]
fn traces_outside_the_range_are_not_returned() {
    let input = VecTraceInput::from_spans(data());
    let range = loqui_core::TimeRange {
        start_ns: T0 + 3_600_000_000_000,
        end_ns: T0 + 7_200_000_000_000,
    };
    let r = search(&parse("{ }"), &input, range, 10, 3).unwrap();
    assert!(r.traces.is_empty());
}

#[test]
fn the_name_comes_back_in_its_own_field_and_durations_not_at_all() {
    let input = VecTraceInput::from_spans(trace(1, 2));
    let q = parse(r#"{ name = "s101" && duration > 1ms && kind = server }"#);
    let r = search(&q, &input, wide(), 10, 10).unwrap();
    let s = &r.traces[0].spans[0];
    assert_eq!(s.name, "s101");
    assert_eq!(s.attributes.keys().collect::<Vec<_>>(), vec!["kind"]);
    assert_eq!(s.kind, loqui_core::SpanKind::Server);
    // Without the name in the query, Tempo does not return it.
    let r = search(&parse("{ span.n = 1 }"), &input, wide(), 10, 10).unwrap();
    assert_eq!(r.traces[0].spans[0].name, "");
}

#[test]
fn many_matches_keep_the_newest_within_the_limit() {
    let spans: Vec<Span> = (1..=150).map(|t| span(t, t * 1000, None)).collect();
    let input = VecTraceInput::from_spans(spans);
    let r = search(&parse("{ }"), &input, wide(), 5, 3).unwrap();
    let got: Vec<String> = r.traces.iter().map(|t| t.trace_id.clone()).collect();
    assert_eq!(got, tids(&[150, 149, 148, 147, 146]));
    assert!(r.truncated);
}
