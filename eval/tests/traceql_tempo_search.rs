//! Search answers of the evaluator equal the captured answers of a real Tempo over the same
//! data (the fixture data set, reproduced span for span).

mod traceql_support;

use std::collections::BTreeMap;

use loqui_core::{SearchResult, TraceSummary, normalize_trace_id};
use loqui_eval::traceql::search;
use serde_json::Value;
use traceql_support::*;

fn run(name: &str) -> SearchResult {
    let p = params(name);
    let limit = p.get("limit").map_or(20, |l| l.parse().unwrap());
    let spss = p.get("spss").map_or(3, |l| l.parse().unwrap());
    search(&query(name), &fixture_input(), range(name), limit, spss).unwrap()
}

/// Compares one trace of ours with Tempo's JSON for it, field by field.
fn check_trace(ours: &TraceSummary, tempo: &Value) {
    let id = normalize_trace_id(tempo["traceID"].as_str().unwrap()).unwrap();
    assert_eq!(ours.trace_id, id);
    assert_eq!(
        ours.root_service.as_deref(),
        tempo["rootServiceName"].as_str()
    );
    assert_eq!(ours.root_name.as_deref(), tempo["rootTraceName"].as_str());
    let start: i64 = tempo["startTimeUnixNano"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ours.start_ns, start, "{id}");
    let ms = tempo["durationMs"].as_i64().unwrap_or(0);
    assert_eq!(ours.duration_ns, ms * 1_000_000, "{id}");
    let sets = tempo["spanSets"].as_array().unwrap();
    let matched: u64 = sets.iter().map(|s| s["matched"].as_u64().unwrap()).sum();
    assert_eq!(ours.matched_spans, matched, "{id}");
    let tempo_spans: Vec<&Value> = sets
        .iter()
        .flat_map(|s| s["spans"].as_array().unwrap())
        .collect();
    assert_eq!(ours.spans.len(), tempo_spans.len(), "{id}");
    for (o, t) in ours.spans.iter().zip(tempo_spans) {
        assert_eq!(o.span_id, t["spanID"].as_str().unwrap(), "{id}");
        let d: i64 = t["durationNanos"].as_str().unwrap().parse().unwrap();
        assert_eq!(o.duration_ns, d);
        let want: BTreeMap<String, String> = t["attributes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|kv| {
                        (
                            kv["key"].as_str().unwrap().to_string(),
                            any_value_text(&kv["value"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let got: BTreeMap<String, String> = o
            .attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "attributes of span {}", o.span_id);
    }
    check_stats(ours, &tempo["serviceStats"]);
}

fn check_stats(ours: &TraceSummary, tempo: &Value) {
    let want: BTreeMap<String, (u64, u64)> = tempo
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let n = |f: &str| v[f].as_u64().unwrap_or(0);
            (k.clone(), (n("spanCount"), n("errorCount")))
        })
        .collect();
    let got: BTreeMap<String, (u64, u64)> = ours
        .service_stats
        .iter()
        .map(|(k, v)| (k.clone(), (v.span_count, v.error_count)))
        .collect();
    assert_eq!(got, want);
}

fn check_fixture(name: &str) {
    let ours = run(name);
    let tempo = response(name);
    let traces = tempo["traces"].as_array().unwrap();
    let ids = |r: &SearchResult| {
        r.traces
            .iter()
            .map(|t| t.trace_id.clone())
            .collect::<Vec<_>>()
    };
    let want: Vec<String> = traces
        .iter()
        .map(|t| normalize_trace_id(t["traceID"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(ids(&ours), want, "{name}: trace ids and order");
    for (o, t) in ours.traces.iter().zip(traces) {
        check_trace(o, t);
    }
}

#[test]
fn errors_of_one_service_equal_tempo() {
    check_fixture("search_traceql_errors");
}

#[test]
fn structural_descendant_equals_tempo() {
    check_fixture("search_traceql_structural");
}

#[test]
fn select_equals_tempo_including_nil_for_missing_attributes() {
    check_fixture("search_traceql_select");
}

#[test]
fn duration_filter_with_spss_5_equals_tempo() {
    check_fixture("search_traceql_slow_spss");
}

#[test]
fn trace_id_with_leading_zero_equals_tempo() {
    check_fixture("search_trace_id_leading_zero");
}

#[test]
fn no_match_is_an_empty_answer() {
    check_fixture("search_empty_result");
}

/// With a limit below the number of matches, Tempo stops when enough traces came back from the
/// shards it searched first (`completedJobs` < `totalJobs` in these answers), so which traces it
/// returns depends on its sharding, not only on recency. The evaluator returns the newest ones.
/// What must still agree: every trace Tempo returned is a match, summarised identically, and the
/// number of traces is the limit.
fn check_limited_fixture(name: &str) {
    let p = params(name);
    let limit: usize = p["limit"].parse().unwrap();
    let all = search(&query(name), &fixture_input(), range(name), usize::MAX, 3).unwrap();
    let tempo = response(name);
    let traces = tempo["traces"].as_array().unwrap();
    assert_eq!(traces.len(), limit);
    for t in traces {
        let id = normalize_trace_id(t["traceID"].as_str().unwrap()).unwrap();
        let ours = all
            .traces
            .iter()
            .find(|o| o.trace_id == id)
            .unwrap_or_else(|| panic!("{name}: {id} not matched"));
        check_trace(ours, t);
    }
    let limited = run(name);
    assert_eq!(limited.traces.len(), limit);
    assert!(limited.truncated);
    assert_eq!(limited.traces[..], all.traces[..limit]);
}

#[test]
fn limited_search_returns_matches_tempo_also_returns() {
    check_limited_fixture("search_with_orgid_header");
    check_limited_fixture("search_traceql_llm_format");
}
