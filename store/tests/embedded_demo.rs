//! End to end: demo data loaded into a store answers through `EmbeddedLogs` and
//! `EmbeddedTraces` exactly as the evaluators answer by brute force over the same records
//! (`VecInput`, `VecTraceInput`), and the demo's incidents are findable.

use std::collections::BTreeMap;
use std::sync::Arc;

use loqui_core::{
    ErrorCode, InstantQuery, Labels, LogQuery, LogSource, MetricsQuery, TagScope, TimeRange,
    TraceSearch, TraceSource,
};
use loqui_demo::{Config, Generator, IncidentKind, align_to_minute};
use loqui_eval::logql::{self, Entry, VecInput};
use loqui_eval::traceql::{self, VecTraceInput};
use loqui_store::{
    Durability, EmbeddedLogs, EmbeddedTraces, Store, StoreConfig, demo_log_streams, demo_spans,
    load_demo,
};

const END: i64 = 1_795_315_740_000_000_000;
const MIN: i64 = 60_000_000_000;

struct Fixture {
    _dir: tempfile::TempDir,
    logs: EmbeddedLogs,
    traces: EmbeddedTraces,
    vec_logs: VecInput,
    vec_traces: VecTraceInput,
    generator: Generator,
    range: TimeRange,
    /// Distinct stream label sets and line counts per service, counted from the records.
    streams: BTreeMap<Labels, u64>,
}

/// Three hours (the traffic spike and the bad deploy) at a fifth of the request rate.
fn fixture() -> Fixture {
    let config = Config {
        duration_ns: 180 * MIN,
        scale: 0.2,
        ..Config::new(align_to_minute(END))
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = StoreConfig::new(dir.path());
    cfg.durability = Durability::None;
    cfg.commit_interval = None;
    let store = Arc::new(Store::open(&cfg).unwrap());
    let report = load_demo(&store, config.clone()).unwrap();
    assert_eq!(report.rejected, 0);

    let generator = Generator::new(config.clone());
    let (mut entries, mut spans) = (Vec::new(), Vec::new());
    let mut streams = BTreeMap::new();
    for batch in generator.batches() {
        for stream in demo_log_streams(&batch.logs) {
            *streams.entry(stream.labels.clone()).or_insert(0) += stream.lines.len() as u64;
            let labels = Arc::new(stream.labels);
            entries.extend(stream.lines.into_iter().map(|l| Entry {
                ts_ns: l.ts_ns,
                labels: labels.clone(),
                line: l.line,
                metadata: l.structured_metadata,
            }));
        }
        spans.extend(demo_spans(&batch.spans));
    }
    assert_eq!(report.lines, entries.len());
    assert_eq!(report.spans, spans.len());
    Fixture {
        _dir: dir,
        logs: EmbeddedLogs::new(store.clone()).with_limits(wide_limits()),
        traces: EmbeddedTraces::new(store),
        vec_logs: VecInput::new(entries),
        vec_traces: VecTraceInput::from_spans(spans),
        range: TimeRange {
            start_ns: config.start_ns(),
            end_ns: config.end_ns + 1,
        },
        generator,
        streams,
    }
}

/// Structured metadata (`trace_id`, `span_id`) are labels of the inner series of a metric
/// query, as in Loki, so `sum by (...) (count_over_time(...))` over three hours has tens of
/// thousands of intermediate series: more than the evaluator's default bound.
fn wide_limits() -> logql::Limits {
    logql::Limits {
        max_series: 1_000_000,
        ..logql::Limits::default()
    }
}

fn bad_deploy(f: &Fixture) -> loqui_demo::IncidentTruth {
    f.generator
        .ground_truth()
        .incidents
        .into_iter()
        .find(|i| i.kind == IncidentKind::BadDeploy)
        .expect("the bad deploy is in the last three hours")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logql_answers_equal_brute_force() {
    let f = fixture();
    let step = std::time::Duration::from_secs(300);
    let id = &bad_deploy(&f).example_trace_ids[0];
    // Label filters right after the selector become store hints: structured metadata
    // (`trace_id`, `detected_level`) narrows in the index, a stream label is left to the
    // evaluator; either way the answer is the brute-force one.
    let by_trace = format!(r#"{{namespace="ticketing"}} | trace_id="{id}""#);
    let queries = [
        (by_trace.as_str(), 100),
        (
            r#"{namespace=~".+"} | service_name="gateway" |= "POST""#,
            100,
        ),
        (r#"{service_name="show-service"}"#, 200),
        (r#"{namespace=~".+"} |= "NullPointerException""#, 5_000),
        (r#"{service_name="gateway"} |= "GET" != "200""#, 300),
        (
            r#"{service_name="show-service"} | json | level="error""#,
            1_000,
        ),
        (
            r#"{service_name="gateway"} | logfmt | duration_ms > 500"#,
            1_000,
        ),
        (r#"{service_name=~".+"} | detected_level="warn""#, 500),
        (
            r#"sum by (service_name) (count_over_time({namespace=~".+"}[5m]))"#,
            100,
        ),
        (
            r#"sum by (service_name) (rate({namespace=~".+"} |= "error" [5m]))"#,
            100,
        ),
        (
            r#"topk(3, sum by (service_name) (count_over_time({namespace=~".+"} |= "error" [10m])))"#,
            100,
        ),
        (
            r#"count_over_time({service_name="show-service"} | json level | level="error" [1m])"#,
            100,
        ),
    ];
    for (q, limit) in queries {
        let mut query = LogQuery::new(q, f.range, limit);
        query.direction = Some(if limit % 200 == 0 {
            loqui_core::Direction::Forward
        } else {
            loqui_core::Direction::Backward
        });
        query.step = Some(step);
        let got = f.logs.query_range(&query).await.expect(q);
        let expr = loqui_query::logql::parse(q).tree.unwrap();
        let want = logql::eval_range_with(
            &expr,
            &f.vec_logs,
            f.range,
            step.as_nanos() as i64,
            limit,
            query.direction.unwrap(),
            &wide_limits(),
        )
        .unwrap();
        assert_eq!(got.data, want.data, "{q}");
        assert_eq!(
            (got.truncated, got.total_lines),
            (want.truncated, want.total_lines),
            "{q}"
        );
        let empty = match &got.data {
            loqui_core::QueryData::Streams(s) => s.is_empty(),
            loqui_core::QueryData::Matrix(m) => m.is_empty(),
            _ => false,
        };
        assert!(!empty, "{q} should find something in the demo data");
    }

    let q = r#"sum by (service_name) (count_over_time({namespace=~".+"}[10m]))"#;
    let at = f.range.end_ns - 30 * MIN;
    let got = f
        .logs
        .query_instant(&InstantQuery {
            query: q.into(),
            time_ns: at,
            limit: None,
        })
        .await
        .unwrap();
    let expr = loqui_query::logql::parse(q).tree.unwrap();
    let want = logql::eval_instant(&expr, &f.vec_logs, at, 100).unwrap();
    assert_eq!(got.data, want.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traceql_answers_equal_brute_force() {
    let f = fixture();
    let queries = [
        "{ status = error }",
        r#"{ resource.service.name = "payment-service" && duration > 1s }"#,
        r#"{ resource.service.name = "gateway" } >> { status = error }"#,
        r#"{ span.http.request.method = "GET" } | count() > 3"#,
        r#"{ name = "GET /shows/{id}" && status = error }"#,
        "{ duration > 2s }",
        "{ }",
    ];
    for q in queries {
        let got = f
            .traces
            .search(&TraceSearch {
                query: q.into(),
                range: f.range,
                limit: 50,
                spans_per_spanset: Some(5),
            })
            .await
            .unwrap();
        let expr = loqui_query::traceql::parse(q).tree.unwrap();
        let want = traceql::search(&expr, &f.vec_traces, f.range, 50, 5).unwrap();
        assert_eq!(got.traces, want.traces, "{q}");
        assert_eq!(got.truncated, want.truncated, "{q}");
        assert!(!got.traces.is_empty(), "{q} should find traces");
    }

    let step = std::time::Duration::from_secs(300);
    for q in [
        "{} | rate() by (resource.service.name)",
        "{ status = error } | count_over_time() by (resource.service.name)",
        r#"{ resource.service.name = "payment-service" } | quantile_over_time(duration, .9)"#,
    ] {
        let query = MetricsQuery {
            query: q.into(),
            range: f.range,
            step: Some(step),
        };
        let got = f.traces.metrics_range(&query).await.unwrap();
        let expr = loqui_query::traceql::parse(q).tree.unwrap();
        let want =
            traceql::metrics_range(&expr, &f.vec_traces, f.range, step.as_nanos() as i64).unwrap();
        assert_eq!(got, want, "{q}");
        assert!(!got.series.is_empty(), "{q}");
        let got = f.traces.metrics_instant(&query).await.unwrap();
        let want = traceql::metrics_instant(&expr, &f.vec_traces, f.range).unwrap();
        assert_eq!(got, want, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_labels_tags_and_errors() {
    let f = fixture();
    let truth = bad_deploy(&f);
    let window = TimeRange {
        start_ns: truth.start_ns,
        end_ns: truth.end_ns,
    };

    // The bad deploy's exception lines and error traces are found in its window.
    let lines = f
        .logs
        .query_range(&LogQuery::new(
            r#"{service_name="show-service"} |= "NullPointerException""#,
            window,
            100_000,
        ))
        .await
        .unwrap();
    assert!(lines.total_lines > 0);
    let traced: Vec<&str> = lines
        .lines()
        .filter_map(|(labels, l)| l.label(labels, "trace_id"))
        .collect();
    let found = f
        .traces
        .search(&TraceSearch {
            query: r#"{ resource.service.name = "show-service" && status = error }"#.into(),
            range: window,
            limit: 10_000,
            spans_per_spanset: None,
        })
        .await
        .unwrap();
    assert!(!truth.example_trace_ids.is_empty());
    for id in &truth.example_trace_ids {
        assert!(found.traces.iter().any(|t| &t.trace_id == id), "{id}");
    }
    // Exception lines carry the trace ids of the failing requests (as structured metadata,
    // which Loki folds into the stream labels of the answer).
    assert!(
        truth
            .example_trace_ids
            .iter()
            .any(|id| traced.contains(&id.as_str()))
    );

    // A trace by id is the generated trace (spans in start order, as the store keeps them).
    let id = &truth.example_trace_ids[0];
    let trace = f.traces.trace(&id.to_uppercase(), None).await.unwrap();
    let mut want: Vec<_> = f
        .generator
        .batches()
        .flat_map(|b| demo_spans(&b.spans))
        .filter(|s| &s.trace_id == id)
        .collect();
    want.sort_by_key(|s| s.start_ns);
    let mut got = trace.spans.clone();
    got.sort_by_key(|s| s.start_ns);
    assert_eq!(got, want);
    let missing = f.traces.trace("0123", None).await.unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);

    // Labels, values and series are what the data has.
    let labels = f.logs.labels(None).await.unwrap();
    assert_eq!(
        labels,
        ["cluster", "env", "namespace", "pod", "service_name"]
    );
    let services = f
        .logs
        .label_values("service_name", None, None)
        .await
        .unwrap();
    assert_eq!(services.len(), loqui_demo::ALL_SERVICES.len());
    let pods = f
        .logs
        .label_values("pod", Some(r#"{service_name="show-service"}"#), None)
        .await
        .unwrap();
    assert!(!pods.is_empty() && pods.iter().all(|p| p.starts_with("show-service")));
    let series = f
        .logs
        .series(&[r#"{service_name="gateway"}"#.to_string()], Some(f.range))
        .await
        .unwrap();
    let gateway: Vec<_> = f
        .streams
        .iter()
        .filter(|(l, _)| l["service_name"] == "gateway")
        .collect();
    assert_eq!(series.len(), gateway.len());
    assert!(series.iter().all(|l| l["service_name"] == "gateway"));
    let stats = f
        .logs
        .index_stats(r#"{service_name="gateway"}"#, f.range)
        .await
        .unwrap();
    assert_eq!(stats.streams, gateway.len() as u64);
    assert_eq!(stats.entries, gateway.iter().map(|(_, n)| **n).sum::<u64>());
    assert!(stats.bytes > stats.entries * 20);

    let names = f.traces.tag_names(None, None).await.unwrap();
    assert!(names["resource"].contains(&"service.name".to_string()));
    assert!(names["span"].contains(&"http.request.method".to_string()));
    let only_span = f
        .traces
        .tag_names(Some(TagScope::Span), None)
        .await
        .unwrap();
    assert_eq!(only_span.keys().collect::<Vec<_>>(), ["span"]);
    let all_services = f
        .traces
        .tag_values("resource.service.name", None, None)
        .await
        .unwrap();
    assert!(all_services.iter().any(|v| v.value == "payment-service"));
    let erroring = f
        .traces
        .tag_values(
            "resource.service.name",
            Some("{ status = error }"),
            Some(window),
        )
        .await
        .unwrap();
    assert!(erroring.iter().any(|v| v.value == "show-service"));
    assert!(erroring.len() < all_services.len());

    // Invalid queries carry the parser's position and hint; unsupported ones the evaluator's text.
    let bad = f
        .logs
        .query_range(&LogQuery::new(r#"{service_name="x"} |= "#, f.range, 10))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::BadRequest);
    assert!(bad.to_string().contains("line 1, col "), "{bad}");
    let bad = f
        .traces
        .search(&TraceSearch {
            query: "{ status = }".into(),
            range: f.range,
            limit: 10,
            spans_per_spanset: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::BadRequest);
    assert!(bad.to_string().contains("line 1, col "), "{bad}");
    let bounded = f.traces.clone().with_limits(traceql::Limits {
        max_traces_scanned: 10,
        ..traceql::Limits::default()
    });
    let too_many = bounded
        .search(&TraceSearch {
            query: "{ }".into(),
            range: f.range,
            limit: 5,
            spans_per_spanset: None,
        })
        .await
        .unwrap_err();
    assert!(
        too_many.to_string().contains("narrow the time range"),
        "{too_many}"
    );
    let unsupported = f
        .logs
        .query_range(&LogQuery::new(
            r#"approx_topk(2, sum by (service_name) (count_over_time({namespace=~".+"}[5m])))"#,
            f.range,
            10,
        ))
        .await
        .unwrap_err();
    assert_eq!(unsupported.code(), ErrorCode::NotImplemented);
    assert!(
        unsupported
            .to_string()
            .contains("approx_topk is not supported by loqui's embedded LogQL evaluator"),
        "{unsupported}"
    );
}
