//! Metrics answers of the evaluator equal the captured answers of a real Tempo over the same data.

mod traceql_support;

use std::collections::BTreeMap;

use loqui_core::Series;
use loqui_eval::traceql::metrics_range;
use traceql_support::*;

type Points = BTreeMap<i64, f64>;

fn step_ns(step: &str) -> i64 {
    let (n, unit) = step.split_at(step.len() - 1);
    let n: i64 = n.parse().unwrap();
    n * match unit {
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        other => panic!("unit {other}"),
    }
}

/// Tempo's series keyed by their labels (as text), each with its samples (missing value = 0).
fn tempo_series(name: &str) -> BTreeMap<BTreeMap<String, String>, Points> {
    let r = response(name);
    r["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let labels = s["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["key"].as_str().unwrap().to_string(),
                        any_value_text(&l["value"]),
                    )
                })
                .collect();
            let points = s["samples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    let ms: i64 = x["timestampMs"].as_str().unwrap().parse().unwrap();
                    (ms * 1_000_000, x["value"].as_f64().unwrap_or(0.0))
                })
                .collect();
            (labels, points)
        })
        .collect()
}

fn ours(name: &str) -> BTreeMap<BTreeMap<String, String>, Points> {
    let step = step_ns(&params(name)["step"]);
    let result = metrics_range(&query(name), &fixture_input(), range(name), step).unwrap();
    result
        .series
        .into_iter()
        .map(
            |Series {
                 labels, samples, ..
             }| (labels, samples.iter().map(|s| (s.ts_ns, s.value)).collect()),
        )
        .collect()
}

fn check(name: &str) {
    let want = tempo_series(name);
    let got = ours(name);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{name}: series"
    );
    for (labels, w) in &want {
        let g = &got[labels];
        assert_eq!(
            g.keys().collect::<Vec<_>>(),
            w.keys().collect::<Vec<_>>(),
            "{labels:?}: timestamps"
        );
        for (ts, wv) in w {
            let gv = g[ts];
            assert!(
                (gv - wv).abs() <= 1e-12 * wv.abs().max(1.0),
                "{labels:?} at {ts}: ours {gv}, tempo {wv}"
            );
        }
    }
}

#[test]
fn rate_by_service_equals_tempo() {
    check("metrics_query_range_rate_by_service");
}

#[test]
fn error_counts_by_service_equal_tempo() {
    check("metrics_query_range_errors");
}

#[test]
fn quantiles_from_power_of_two_buckets_equal_tempo() {
    check("metrics_query_range_quantile");
}

#[test]
fn instant_counts_by_service_equal_tempo() {
    let name = "metrics_query_instant";
    let ours =
        loqui_eval::traceql::metrics_instant(&query(name), &fixture_input(), range(name)).unwrap();
    let got: BTreeMap<String, f64> = ours
        .iter()
        .map(|v| (v.labels["resource.service.name"].clone(), v.sample.value))
        .collect();
    let want: BTreeMap<String, f64> = response(name)["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let label = any_value_text(&s["labels"][0]["value"]);
            (label, s["value"].as_f64().unwrap_or(0.0))
        })
        .collect();
    assert_eq!(got, want);
    assert!(ours.iter().all(|v| v.sample.ts_ns == range(name).end_ns));
}
