//! Metrics: step alignment, each function, `by`, second stages, and limits.

mod traceql_support;

use std::collections::BTreeMap;

use loqui_core::{AttrValue, MetricsResult, Span, TimeRange};
use loqui_eval::traceql::{EvalError, Limits, VecTraceInput, metrics_range, metrics_range_limited};
use traceql_support::*;

const S: i64 = 1_000_000_000;
/// A step-aligned second (a multiple of 60 s) well after T0.
const B: i64 = (T0 / (60 * S) + 10) * 60 * S;

/// One-span traces starting at the given offsets from `B` (ns), service and duration given.
fn spans(items: &[(i64, &str, i64)]) -> Vec<Span> {
    items
        .iter()
        .enumerate()
        .map(|(i, (off, svc, dur))| {
            let mut s = span(i as u32 + 1, 1, None);
            s.start_ns = B + off;
            s.duration_ns = *dur;
            set_service(&mut s, svc);
            s.attributes.insert("size", AttrValue::Int(i as i64 + 1));
            s
        })
        .collect()
}

fn run(q: &str, data: &[Span], range: TimeRange, step: i64) -> MetricsResult {
    metrics_range(
        &parse(q),
        &VecTraceInput::from_spans(data.to_vec()),
        range,
        step,
    )
    .unwrap()
}

/// Series as `labels -> [(seconds after B, value)]`, leaving out `__name__`.
fn points(r: &MetricsResult) -> BTreeMap<String, Vec<(i64, f64)>> {
    r.series
        .iter()
        .map(|s| {
            let key = s
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != "__name__")
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            (
                key,
                s.samples
                    .iter()
                    .map(|x| ((x.ts_ns - B) / S, x.value))
                    .collect(),
            )
        })
        .collect()
}

fn range(from_s: i64, to_s: i64) -> TimeRange {
    TimeRange {
        start_ns: B + from_s * S,
        end_ns: B + to_s * S,
    }
}

#[test]
fn steps_align_to_multiples_and_a_sample_counts_the_step_before_it() {
    // A span exactly at a step boundary counts there; one just after it counts at the next.
    let data = spans(&[(0, "a", 1), (1, "a", 1), (60 * S, "a", 1), (61 * S, "a", 1)]);
    let r = run("{ } | count_over_time()", &data, range(-30, 150), 60 * S);
    // From floor(-30/60) = -60 to floor(150/60)*60 = 120.
    assert_eq!(
        points(&r)[""],
        vec![(-60, 0.0), (0, 1.0), (60, 2.0), (120, 1.0)]
    );
}

#[test]
fn spans_outside_the_range_are_not_counted() {
    let data = spans(&[(-10 * S, "a", 1), (10 * S, "a", 1)]);
    let r = run("{ } | count_over_time()", &data, range(0, 60), 60 * S);
    assert_eq!(points(&r)[""], vec![(0, 0.0), (60, 1.0)]);
}

#[test]
fn rate_is_per_second_and_by_makes_series() {
    let data = spans(&[(1, "a", 1), (2, "a", 1), (3, "b", 1)]);
    let r = run(
        "{ } | rate() by (resource.service.name)",
        &data,
        range(0, 60),
        60 * S,
    );
    let p = points(&r);
    assert_eq!(
        p["resource.service.name=a"],
        vec![(0, 0.0), (60, 2.0 / 60.0)]
    );
    assert_eq!(
        p["resource.service.name=b"],
        vec![(0, 0.0), (60, 1.0 / 60.0)]
    );
}

#[test]
fn min_max_avg_sum_over_time_report_durations_in_seconds() {
    let data = spans(&[(1, "a", S / 2), (2, "a", 2 * S), (3, "a", S)]);
    let p =
        |f: &str| points(&run(&format!("{{ }} | {f}"), &data, range(0, 60), 60 * S))[""].clone();
    assert_eq!(p("min_over_time(duration)"), vec![(60, 0.5)]);
    assert_eq!(p("max_over_time(duration)"), vec![(60, 2.0)]);
    assert_eq!(p("sum_over_time(duration)"), vec![(60, 3.5)]);
    assert_eq!(p("avg_over_time(duration)"), vec![(60, 3.5 / 3.0)]);
    assert_eq!(p("sum_over_time(span.size)"), vec![(60, 6.0)]);
}

#[test]
fn quantiles_come_from_power_of_two_buckets_with_a_p_label() {
    // 3 ms, 100 ms, 1 s -> buckets 2^22, 2^27, 2^30 ns.
    let data = spans(&[(1, "a", 3_000_000), (2, "a", 100_000_000), (3, "a", S)]);
    let r = run(
        "{ } | quantile_over_time(duration, 0.5, 1)",
        &data,
        range(0, 60),
        60 * S,
    );
    let p = points(&r);
    assert_eq!(p["p=0.5"], vec![(0, 0.0), (60, 2f64.powi(27) / 1e9)]);
    assert_eq!(p["p=1"], vec![(0, 0.0), (60, 2f64.powi(30) / 1e9)]);
}

#[test]
fn histogram_over_time_has_one_series_per_bucket() {
    let data = spans(&[(1, "a", 3_000_000), (2, "a", 3_500_000), (3, "a", S)]);
    let r = run(
        "{ } | histogram_over_time(duration)",
        &data,
        range(0, 60),
        60 * S,
    );
    let p = points(&r);
    assert_eq!(
        p[&format!("__bucket={}", 2f64.powi(22) / 1e9)],
        vec![(60, 2.0)]
    );
    assert_eq!(
        p[&format!("__bucket={}", 2f64.powi(30) / 1e9)],
        vec![(60, 1.0)]
    );
}

#[test]
fn topk_bottomk_and_value_filters() {
    let data = spans(&[
        (1, "a", 1),
        (2, "a", 1),
        (3, "a", 1),
        (4, "b", 1),
        (5, "b", 1),
        (6, "c", 1),
    ]);
    let q = |s: &str| {
        points(&run(
            &format!("{{ }} | count_over_time() by (resource.service.name) | {s}"),
            &data,
            range(0, 60),
            60 * S,
        ))
    };
    let top = q("topk(2)");
    assert_eq!(
        top.keys().collect::<Vec<_>>(),
        vec!["resource.service.name=a", "resource.service.name=b"]
    );
    assert_eq!(top["resource.service.name=a"], vec![(0, 0.0), (60, 3.0)]);
    let bottom = q("bottomk(1)");
    assert_eq!(bottom["resource.service.name=c"], vec![(60, 1.0)]);
    let filtered = points(&run(
        "{ } | count_over_time() by (resource.service.name) > 1",
        &data,
        range(0, 60),
        60 * S,
    ));
    assert_eq!(
        filtered.keys().collect::<Vec<_>>(),
        vec!["resource.service.name=a", "resource.service.name=b"]
    );
    assert_eq!(filtered["resource.service.name=b"], vec![(60, 2.0)]);
}

#[test]
fn filters_apply_before_the_function() {
    let data = spans(&[(1, "a", S), (2, "a", 1)]);
    let r = run(
        "{ duration > 1ms } | count_over_time()",
        &data,
        range(0, 60),
        60 * S,
    );
    assert_eq!(points(&r)[""], vec![(0, 0.0), (60, 1.0)]);
}

#[test]
fn series_and_trace_limits_are_errors_naming_the_bound() {
    let data = spans(&[(1, "a", 1), (2, "b", 1), (3, "c", 1)]);
    let input = VecTraceInput::from_spans(data);
    let limits = Limits {
        max_traces_scanned: 100,
        max_series: 2,
    };
    let q = parse("{ } | rate() by (resource.service.name)");
    let err = metrics_range_limited(&q, &input, range(0, 60), 60 * S, &limits).unwrap_err();
    assert_eq!(
        err,
        EvalError::LimitExceeded {
            what: "metrics series",
            limit: 2
        }
    );
    let limits = Limits {
        max_traces_scanned: 2,
        max_series: 100,
    };
    let err = metrics_range_limited(&q, &input, range(0, 60), 60 * S, &limits).unwrap_err();
    assert!(
        err.to_string()
            .contains("traces scanned exceeded the limit of 2"),
        "{err}"
    );
}

#[test]
fn series_are_labelled_like_tempo() {
    let mut data = spans(&[(1, "a", 1), (2, "b", 1)]);
    data[1]
        .attributes
        .insert("only", AttrValue::String("x".into()));
    let labels = |q: &str| {
        let r = run(q, &data, range(0, 60), 60 * S);
        r.series
            .iter()
            .map(|s| format!("{:?}", s.labels))
            .collect::<Vec<_>>()
    };
    // Without by(), the series is named after the function.
    assert_eq!(labels("{ } | rate()"), vec![r#"{"__name__": "rate"}"#]);
    // A nil by() value is left out; all nil keeps the first label as "nil".
    assert_eq!(
        labels("{ } | count_over_time() by (span.only, resource.service.name)"),
        vec![
            r#"{"resource.service.name": "a"}"#,
            r#"{"resource.service.name": "b", "span.only": "x"}"#,
        ]
    );
    assert_eq!(
        labels("{ } | count_over_time() by (span.none)"),
        vec![r#"{"span.none": "nil"}"#]
    );
}

#[test]
fn arithmetic_between_queries_joins_series_by_labels() {
    let data = spans(&[(1, "a", 1), (2, "b", 1), (3, "b", 1), (61 * S, "a", 1)]);
    let q = r#"({ resource.service.name = "a" } | count_over_time()) / ({ } | count_over_time())"#;
    let r = run(q, &data, range(0, 120), 60 * S);
    // The empty first sample (0 / 0) is left out.
    assert_eq!(points(&r)[""], vec![(60, 1.0 / 3.0), (120, 1.0)]);
    // Series only on one side do not survive the join.
    let q = r#"({ } | count_over_time() by (resource.service.name)) * ({ } | rate())"#;
    assert!(run(q, &data, range(0, 120), 60 * S).series.is_empty());
    let q = r#"({ } | count_over_time() by (resource.service.name)) - ({ kind = server } | count_over_time() by (resource.service.name))"#;
    let p = points(&run(q, &data, range(0, 120), 60 * S));
    assert_eq!(
        p["resource.service.name=b"],
        vec![(0, 0.0), (60, 0.0), (120, 0.0)]
    );
}

#[test]
fn histograms_drop_spans_tempo_cannot_bucket() {
    // Durations below 2 ns and float attributes are not bucketed; ints are, without units.
    let mut data = spans(&[(1, "a", 1), (2, "b", 3_000_000), (3, "c", 5)]);
    data[0].attributes.insert("f", AttrValue::Double(3.5));
    data[1].attributes.insert("f", AttrValue::Int(5));
    let by = |q: &str| points(&run(q, &data, range(0, 60), 60 * S));
    let d = by("{ } | histogram_over_time(duration) by (resource.service.name)");
    assert_eq!(
        d.keys().collect::<Vec<_>>(),
        vec![
            "__bucket=0.000000008,resource.service.name=c",
            "__bucket=0.004194304,resource.service.name=b",
        ]
    );
    let f = by("{ } | quantile_over_time(span.f, 0.5)");
    assert_eq!(f["p=0.5"], vec![(0, 0.0), (60, 8.0)]);
}

#[test]
fn only_the_span_duration_is_reported_in_seconds() {
    // Tempo converts `duration` to seconds; other durations come out as plain nanoseconds.
    let data = spans(&[(1, "a", 2 * S)]);
    let p =
        |f: &str| points(&run(&format!("{{ }} | {f}"), &data, range(0, 60), 60 * S))[""].clone();
    assert_eq!(p("max_over_time(duration)"), vec![(60, 2.0)]);
    assert_eq!(p("max_over_time(traceDuration)"), vec![(60, 2e9)]);
}
