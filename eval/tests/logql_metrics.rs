//! Metric semantics: step alignment, window edges, offset, aggregations and operators.

mod common;

use common::*;
use loqui_core::{Direction, TimeRange};
use loqui_eval::logql::{EvalError, VecInput};

fn at(secs: &[i64]) -> Vec<loqui_eval::logql::Entry> {
    secs.iter()
        .map(|&s| entry(s, &[("app", "a")], "x"))
        .collect()
}

#[test]
fn steps_are_aligned_and_windows_are_left_open() {
    // Steps at 60, 120, 180 (start 70 aligns down to 60, end 190 down to 180); each window is
    // (t - 60s, t], so the entry at exactly 60 counts for 60, not for 120.
    let m = matrix(
        r#"count_over_time({app="a"}[1m])"#,
        at(&[0, 60, 61, 120, 150]),
        70,
        190,
        60,
    );
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].1, vec![(60, 1.0), (120, 2.0), (180, 1.0)]);
}

#[test]
fn empty_windows_have_no_point() {
    let m = matrix(
        r#"count_over_time({app="a"}[10s])"#,
        at(&[5, 35]),
        0,
        60,
        10,
    );
    assert_eq!(m[0].1, vec![(10, 1.0), (40, 1.0)]);
}

#[test]
fn offset_shifts_the_window_back() {
    let m = matrix(
        r#"count_over_time({app="a"}[1m] offset 1m)"#,
        at(&[30, 90]),
        60,
        180,
        60,
    );
    assert_eq!(m[0].1, vec![(120, 1.0), (180, 1.0)]);
}

#[test]
fn rates_and_bytes() {
    let data = vec![
        entry(10, &[("app", "a")], "abcd"),
        entry(20, &[("app", "a")], "ef"),
    ];
    assert_eq!(
        matrix(r#"rate({app="a"}[1m])"#, data.clone(), 60, 60, 60)[0].1,
        vec![(60, 2.0 / 60.0)]
    );
    assert_eq!(
        matrix(
            r#"bytes_over_time({app="a"}[1m])"#,
            data.clone(),
            60,
            60,
            60
        )[0]
        .1,
        vec![(60, 6.0)]
    );
    assert_eq!(
        matrix(r#"bytes_rate({app="a"}[1m])"#, data, 60, 60, 60)[0].1,
        vec![(60, 0.1)]
    );
}

#[test]
fn unwrapped_aggregations_and_conversions() {
    let s = &[("app", "a")];
    let data = vec![
        entry(1, s, "d=100ms n=1 size=1KB"),
        entry(2, s, "d=2s n=4 size=2KB"),
        entry(3, s, "d=300ms n=7 size=3KB"),
    ];
    // Grouped by app: each line's other parsed labels would otherwise make its own series.
    let one = |q: &str| {
        let m = matrix(&format!("{q} by (app)"), data.clone(), 10, 10, 10);
        assert_eq!(m.len(), 1, "{q}");
        m[0].1[0].1
    };
    assert_eq!(
        one(r#"sum_over_time({app="a"} | logfmt | unwrap n [10s])"#),
        12.0
    );
    assert_eq!(
        one(r#"avg_over_time({app="a"} | logfmt | unwrap n [10s])"#),
        4.0
    );
    assert_eq!(
        one(r#"max_over_time({app="a"} | logfmt | unwrap duration(d) [10s])"#),
        2.0
    );
    assert_eq!(
        one(r#"min_over_time({app="a"} | logfmt | unwrap bytes(size) [10s])"#),
        1000.0
    );
    assert_eq!(
        one(r#"first_over_time({app="a"} | logfmt | unwrap n [10s])"#),
        1.0
    );
    assert_eq!(
        one(r#"last_over_time({app="a"} | logfmt | unwrap n [10s])"#),
        7.0
    );
    assert_eq!(
        one(r#"stdvar_over_time({app="a"} | logfmt | unwrap n [10s])"#),
        6.0
    );
    assert_eq!(
        one(r#"quantile_over_time(0.5, {app="a"} | logfmt | unwrap n [10s])"#),
        4.0
    );
    assert_eq!(
        one(r#"quantile_over_time(0.75, {app="a"} | logfmt | unwrap n [10s])"#),
        5.5
    );
    // The unwrapped label leaves the series; other parsed labels stay.
    let m = matrix(
        r#"sum_over_time({app="a"} | logfmt | unwrap n [10s])"#,
        data.clone(),
        10,
        10,
        10,
    );
    assert_eq!(m.len(), 3);
    assert!(
        m.iter()
            .all(|(l, _)| !l.contains_key("n") && l.contains_key("d"))
    );
    // `by` keeps what it names, the unwrapped label included.
    let m = matrix(
        r#"max_over_time({app="a"} | logfmt | unwrap n [10s]) by (n)"#,
        data.clone(),
        10,
        10,
        10,
    );
    let names: Vec<&str> = m.iter().map(|(l, _)| l["n"].as_str()).collect();
    assert_eq!(names, ["1", "4", "7"]);
    let m = matrix(
        r#"max_over_time({app="a"} | logfmt | unwrap n [10s]) without (d, size)"#,
        data.clone(),
        10,
        10,
        10,
    );
    assert_eq!(m, vec![(labels(&[("app", "a")]), vec![(10, 7.0)])]);
}

#[test]
fn unwrap_errors_fail_the_query_unless_filtered() {
    use loqui_core::{Direction, TimeRange};
    use loqui_eval::logql::{EvalError, VecInput, eval_range};
    let data = vec![
        entry(1, &[("app", "a")], "n=abc"),
        entry(2, &[("app", "a")], "n=2"),
    ];
    let run = |q: &str| {
        eval_range(
            &expr(q),
            &VecInput::new(data.clone()),
            TimeRange::from_secs(10, 10),
            10 * S,
            10,
            Direction::Backward,
        )
    };
    let err = run(r#"sum(sum_over_time({app="a"} | logfmt | unwrap n [10s]))"#).unwrap_err();
    assert!(
        matches!(err, EvalError::Pipeline(ref m) if m.contains("SampleExtractionErr")),
        "{err}"
    );
    let m = matrix(
        r#"sum(sum_over_time({app="a"} | logfmt | unwrap n | __error__="" [10s]))"#,
        data,
        10,
        10,
        10,
    );
    assert_eq!(m[0].1, vec![(10, 2.0)]);
}

#[test]
fn vector_aggregations_by_and_without() {
    let data = vec![
        entry(1, &[("app", "a"), ("pod", "1")], "x"),
        entry(2, &[("app", "a"), ("pod", "2")], "x"),
        entry(3, &[("app", "a"), ("pod", "2")], "x"),
        entry(4, &[("app", "b"), ("pod", "3")], "x"),
    ];
    let q = |agg: &str| {
        vector(
            &format!(r#"{agg} (count_over_time({{app=~".+"}}[1m]))"#),
            data.clone(),
            10,
        )
    };
    assert_eq!(
        q("sum by (app)"),
        vec![
            (labels(&[("app", "a")]), 3.0),
            (labels(&[("app", "b")]), 1.0)
        ]
    );
    assert_eq!(q("sum without (pod)"), q("sum by (app)"));
    assert_eq!(q("count"), vec![(labels(&[]), 3.0)]);
    assert_eq!(q("max by (app)")[0].1, 2.0);
    assert_eq!(q("avg by (app)")[0].1, 1.5);
    assert_eq!(q("stddev by (app)")[0].1, 0.5);
    let top = vector(r#"topk(1, count_over_time({app=~".+"}[1m]))"#, data, 10);
    assert_eq!(top, vec![(labels(&[("app", "a"), ("pod", "2")]), 2.0)]);
}

#[test]
fn topk_ties_go_to_the_first_labels_and_sort_orders_instant_results() {
    let data = vec![
        entry(1, &[("app", "c")], "x"),
        entry(2, &[("app", "b")], "x"),
        entry(3, &[("app", "a")], "x"),
        entry(4, &[("app", "a")], "x"),
    ];
    let v = vector(
        r#"topk(2, count_over_time({app=~".+"}[1m]))"#,
        data.clone(),
        10,
    );
    assert_eq!(
        v,
        vec![
            (labels(&[("app", "a")]), 2.0),
            (labels(&[("app", "b")]), 1.0)
        ]
    );
    let v = vector(
        r#"bottomk(1, count_over_time({app=~".+"}[1m]))"#,
        data.clone(),
        10,
    );
    assert_eq!(v, vec![(labels(&[("app", "b")]), 1.0)]);
    let v = vector(r#"sort_desc(count_over_time({app=~".+"}[1m]))"#, data, 10);
    assert_eq!(v[0].0, labels(&[("app", "a")]));
}

#[test]
fn binary_operators() {
    let data = vec![
        entry(1, &[("app", "a"), ("pod", "1")], "level=error"),
        entry(2, &[("app", "a"), ("pod", "1")], "level=info"),
        entry(3, &[("app", "b"), ("pod", "2")], "level=info"),
    ];
    let v = |q: &str| vector(q, data.clone(), 10);
    let errors = r#"sum by (app) (count_over_time({app=~".+"} |= "error" [1m]))"#;
    let all = r#"sum by (app) (count_over_time({app=~".+"}[1m]))"#;
    assert_eq!(
        v(&format!("{errors} / {all}")),
        vec![(labels(&[("app", "a")]), 0.5)]
    );
    assert_eq!(
        v(&format!("{all} * 2 > 3")),
        vec![(labels(&[("app", "a")]), 4.0)]
    );
    assert_eq!(
        v(&format!("{all} > bool 1")),
        vec![
            (labels(&[("app", "a")]), 1.0),
            (labels(&[("app", "b")]), 0.0)
        ]
    );
    assert_eq!(
        v(&format!("1 < {all}")),
        vec![(labels(&[("app", "a")]), 2.0)]
    );
    assert_eq!(
        v(&format!("{all} unless {errors}")),
        vec![(labels(&[("app", "b")]), 1.0)]
    );
    assert_eq!(v(&format!("{errors} or {all}")).len(), 2);
    assert_eq!(
        v(&format!("{all} and {errors}")),
        vec![(labels(&[("app", "a")]), 2.0)]
    );
    let per_pod = r#"sum by (app, pod) (count_over_time({app=~".+"}[1m]))"#;
    let ratio = v(&format!("{per_pod} / on (app) group_left {all}"));
    assert_eq!(
        ratio,
        vec![
            (labels(&[("app", "a"), ("pod", "1")]), 1.0),
            (labels(&[("app", "b"), ("pod", "2")]), 1.0)
        ]
    );
    let ignoring = v(&format!("{per_pod} - ignoring (pod) {all}"));
    assert_eq!(
        ignoring,
        vec![
            (labels(&[("app", "a")]), 0.0),
            (labels(&[("app", "b")]), 0.0)
        ]
    );
    let scalar = vector(r#"vector(2) + 1"#, vec![], 10);
    assert_eq!(scalar, vec![(labels(&[]), 3.0)]);
}

#[test]
fn many_to_one_without_group_is_an_error() {
    use loqui_core::{Direction, TimeRange};
    use loqui_eval::logql::{VecInput, eval_range};
    let data = vec![
        entry(1, &[("app", "a"), ("pod", "1")], "x"),
        entry(2, &[("app", "a"), ("pod", "2")], "x"),
    ];
    let q = r#"sum by (app, pod) (count_over_time({app="a"}[1m])) / on (app) sum by (app) (count_over_time({app="a"}[1m]))"#;
    let err = eval_range(
        &expr(q),
        &VecInput::new(data),
        TimeRange::from_secs(10, 10),
        10 * S,
        10,
        Direction::Backward,
    )
    .unwrap_err();
    assert!(err.to_string().contains("group_left"), "{err}");
}

#[test]
fn label_replace_and_absent() {
    let data = vec![entry(5, &[("app", "api-v2")], "x")];
    let v = vector(
        r#"label_replace(count_over_time({app="api-v2"}[1m]), "ver", "$1", "app", "api-(.*)")"#,
        data.clone(),
        10,
    );
    assert_eq!(v[0].0, labels(&[("app", "api-v2"), ("ver", "v2")]));
    let m = matrix(r#"absent_over_time({app="api-v2"}[10s])"#, data, 0, 30, 10);
    assert_eq!(m[0].0, labels(&[("app", "api-v2")]));
    assert_eq!(m[0].1, vec![(0, 1.0), (20, 1.0), (30, 1.0)]);
}

#[test]
fn rate_counter_extrapolates_like_prometheus() {
    let s = &[("app", "a")];
    let data: Vec<_> = (1..=6)
        .map(|i| entry(i * 10, s, &format!("c={}", i * 10)))
        .collect();
    let m = matrix(
        r#"rate_counter({app="a"} | logfmt | unwrap c [1m])"#,
        data,
        60,
        60,
        60,
    );
    // 50 over 50 s sampled, extrapolated to the window edges (10 s to the start, 0 to the end).
    assert!((m[0].1[0].1 - 1.0).abs() < 1e-9, "{:?}", m);
}

#[test]
fn parse_errors_fail_metric_queries_unless_no_label_is_needed() {
    use loqui_core::{Direction, TimeRange};
    use loqui_eval::logql::{EvalError, VecInput, eval_range};
    let data = vec![
        entry(1, &[("app", "a")], r#"{"level":"info"}"#),
        entry(2, &[("app", "a")], "level=info"),
    ];
    let run = |q: &str| {
        eval_range(
            &expr(q),
            &VecInput::new(data.clone()),
            TimeRange::from_secs(10, 10),
            10 * S,
            10,
            Direction::Backward,
        )
    };
    // Loki's parser hints skip the parser when no label is needed, so the logfmt line is no error.
    assert_eq!(
        matrix(
            r#"sum(count_over_time({app="a"} | json [10s]))"#,
            data.clone(),
            10,
            10,
            10
        )[0]
        .1,
        vec![(10, 2.0)]
    );
    let err = run(r#"sum by (app) (count_over_time({app="a"} | json [10s]))"#).unwrap_err();
    assert!(
        matches!(err, EvalError::Pipeline(ref m) if m.contains("JSONParserErr")),
        "{err}"
    );
    let m = matrix(
        r#"sum by (app) (count_over_time({app="a"} | json | __error__="" [10s]))"#,
        data,
        10,
        10,
        10,
    );
    assert_eq!(m[0].1, vec![(10, 1.0)]);
}

#[test]
fn group_right_and_bool_between_vectors() {
    let data = vec![
        entry(1, &[("app", "a"), ("pod", "1")], "x"),
        entry(2, &[("app", "a"), ("pod", "2")], "x"),
        entry(3, &[("app", "a"), ("pod", "2")], "x"),
    ];
    let v = |q: &str| vector(q, data.clone(), 10);
    let per_pod = r#"sum by (app, pod) (count_over_time({app="a"}[1m]))"#;
    let per_app = r#"sum by (app) (count_over_time({app="a"}[1m]))"#;
    let got = v(&format!("{per_app} - on (app) group_right {per_pod}"));
    assert_eq!(
        got,
        vec![
            (labels(&[("app", "a"), ("pod", "1")]), 2.0),
            (labels(&[("app", "a"), ("pod", "2")]), 1.0)
        ]
    );
    let got = v(&format!("{per_pod} >= bool on (app) group_left {per_app}"));
    assert_eq!(
        got,
        vec![
            (labels(&[("app", "a"), ("pod", "1")]), 0.0),
            (labels(&[("app", "a"), ("pod", "2")]), 0.0)
        ]
    );
    let got = v(&format!("{per_pod} == ignoring (pod) group_left {per_app}"));
    assert!(got.is_empty(), "no pod has all of its app's lines: {got:?}");
}

/// Every line with its own trace id, as real request logs have: per-line structured metadata
/// makes one inner series per trace.
fn per_trace_lines(n: i64) -> Vec<loqui_eval::logql::Entry> {
    (0..n)
        .map(|i| {
            let svc = if i % 3 == 0 { "a" } else { "b" };
            with_meta(
                entry(i, &[("env", "prod"), ("service_name", svc)], "x"),
                &[("trace_id", &format!("{i:032x}"))],
            )
        })
        .collect()
}

fn eval_limited(
    q: &str,
    entries: Vec<loqui_eval::logql::Entry>,
    max_series: usize,
) -> Result<loqui_core::LogQueryResult, EvalError> {
    let limits = loqui_eval::logql::Limits {
        max_series,
        ..Default::default()
    };
    loqui_eval::logql::eval_range_with(
        &expr(q),
        &VecInput::new(entries),
        TimeRange::from_secs(0, 600),
        600 * S,
        100,
        Direction::Backward,
        &limits,
    )
}

#[test]
fn sum_by_groups_additive_range_aggregations_while_reading() {
    let q = r#"sum by (service_name) (count_over_time({env="prod"}[10m]))"#;
    let out = eval_limited(q, per_trace_lines(600), 10).expect("600 traces fold into 2 series");
    let loqui_core::QueryData::Matrix(series) = out.data else {
        panic!("not a matrix")
    };
    let counts: Vec<(String, f64)> = series
        .iter()
        .map(|s| {
            (
                s.labels["service_name"].clone(),
                s.samples.last().map_or(0.0, |p| p.value),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![("a".to_owned(), 199.0), ("b".to_owned(), 400.0)],
        "window (0, 600] leaves out a's line at 0"
    );
    // The same answer as without the early grouping (`* 1` keeps the inner series apart),
    // computed with room for every trace.
    let unfolded = r#"sum by (service_name) (count_over_time({env="prod"}[10m]) * 1)"#;
    let wide = eval_limited(unfolded, per_trace_lines(600), 10_000).expect("wide limits");
    let loqui_core::QueryData::Matrix(wide) = wide.data else {
        panic!("not a matrix")
    };
    assert_eq!(wide, series);
}

#[test]
fn non_additive_aggregations_still_see_every_series() {
    // max of per-trace counts is not the count of the merged series, so it is not folded early
    // and the series limit applies to the inner result.
    let q = r#"max by (service_name) (count_over_time({env="prod"}[10m]))"#;
    let err = eval_limited(q, per_trace_lines(600), 10).expect_err("600 inner series > 10");
    assert!(err.to_string().contains("more than 10 series"), "{err}");
}
