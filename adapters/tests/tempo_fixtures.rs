//! The Tempo client against Tempo's real captured answers, served over loopback HTTP.

mod common;

use std::time::Duration;

use common::fixture::{Fixture, load, serve_all};
use loqui_adapters::{SourceConfig, TempoClient, TraceSource};
use loqui_core::{
    AttrValue, ErrorCode, MetricsQuery, SpanKind, StatusCode, TagScope, TagValueType, TimeRange,
    TraceSearch,
};

const RANGE: TimeRange = TimeRange {
    start_ns: 1_795_313_900_000_000_000,
    end_ns: 1_795_315_809_000_000_000,
};
const PAYMENT_TIMEOUT: &str = "6934b484e73cf575dcad6ba2b0aee0ca";

async fn client_for(fixtures: &[&str]) -> (common::TestServer, TempoClient) {
    let server = serve_all(fixtures.iter().map(|n| load("tempo", n)).collect()).await;
    let client = TempoClient::new(&SourceConfig::new("test", &server.url)).unwrap();
    (server, client)
}

fn q(f: &Fixture) -> String {
    f.params.iter().find(|(k, _)| k == "q").unwrap().1.clone()
}

#[tokio::test]
async fn trace_v2_is_parsed_into_the_span_model() {
    let f = load("tempo", "trace_v2");
    let (server, client) = client_for(&["trace_v2"]).await;
    let trace = client
        .trace(&PAYMENT_TIMEOUT.to_uppercase(), None)
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(
        (trace.spans.len(), trace.total_spans, trace.truncated),
        (10, 10, false)
    );
    let root = trace.root().unwrap();
    assert_eq!(root.trace_id, PAYMENT_TIMEOUT);
    assert_eq!(root.span_id, "923732881584d8c4");
    assert_eq!(
        (root.service_name.as_str(), root.name.as_str()),
        ("gateway", "POST /api/orders")
    );
    assert_eq!(root.kind, SpanKind::Server);
    assert_eq!(root.status.code, StatusCode::Error);
    assert_eq!(
        root.status.message.as_deref(),
        Some("upstream returned 502")
    );
    assert_eq!(root.attributes["http.status_code"], AttrValue::Int(502));
    assert_eq!(
        root.resource["k8s.pod.name"],
        AttrValue::String("gateway-5f7c9d8b4-qx7lm".into())
    );
    assert_eq!(
        root.duration_ns,
        1_795_314_003_952_822_999 - 1_795_313_998_923_033_948
    );
    let child = trace
        .spans
        .iter()
        .find(|s| s.span_id == "fa2815d280282728")
        .unwrap();
    assert_eq!(child.parent_span_id.as_deref(), Some("923732881584d8c4"));
    assert_eq!(child.kind, SpanKind::Client);
    let services: std::collections::BTreeSet<_> = trace
        .spans
        .iter()
        .map(|s| s.service_name.as_str())
        .collect();
    assert_eq!(services.len(), 4);
    let with_event = trace.spans.iter().find(|s| !s.events.is_empty()).unwrap();
    assert_eq!(with_event.events[0].name, "exception");
    assert!(
        with_event.events[0]
            .attributes
            .contains_key("exception.type")
    );
    assert!(
        trace
            .spans
            .iter()
            .any(|s| s.status.code == StatusCode::Unset)
    );
    assert!(trace.spans.iter().any(|s| {
        s.attributes
            .values()
            .any(|v| matches!(v, AttrValue::Double(_)))
    }));
}

#[tokio::test]
async fn v1_batches_give_the_same_trace_as_v2() {
    let (_s1, v2) = client_for(&["trace_v2"]).await;
    // No v2 route on this server: v2 answers 404, so the client falls back to v1.
    let (server, v1) = client_for(&["trace_v1"]).await;
    let a = v2.trace(PAYMENT_TIMEOUT, None).await.unwrap();
    let b = v1.trace(PAYMENT_TIMEOUT, None).await.unwrap();
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            format!("/api/v2/traces/{PAYMENT_TIMEOUT}"),
            format!("/api/traces/{PAYMENT_TIMEOUT}")
        ]
    );
    load("tempo", "trace_v1").assert_sent(&server.requests()[1], &[]);
    assert_eq!(a, b);
}

#[tokio::test]
async fn trace_with_time_range_sends_seconds() {
    let f = load("tempo", "trace_v2_with_time_range");
    let (server, client) = client_for(&["trace_v2_with_time_range"]).await;
    let trace = client
        .trace("ced9041dff02cee737443e210471948d", Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(trace.spans.len(), 4);
}

#[tokio::test]
async fn not_found_in_v2_shape_and_v1_shape() {
    let unknown = "0123456789abcdef0123456789abcdef";
    let (_s, client) = client_for(&["trace_v2_not_found"]).await;
    let err = client.trace(unknown, None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");

    let (server, client) = client_for(&["trace_v1_not_found"]).await;
    let err = client.trace(unknown, None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    load("tempo", "trace_v1_not_found").assert_sent(&server.requests()[1], &[]);
    assert!(err.to_string().contains(unknown));
}

#[tokio::test]
async fn invalid_trace_id_is_refused_before_sending() {
    let (server, client) = client_for(&["trace_invalid_id"]).await;
    let err = client.trace("not-a-trace-id", None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadRequest);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn search_results_pad_ids_and_count_matches() {
    let f = load("tempo", "search_traceql_errors");
    let (server, client) = client_for(&["search_traceql_errors"]).await;
    let search = TraceSearch {
        query: q(&f),
        range: RANGE,
        limit: 19,
        spans_per_spanset: None,
    };
    let res = client.search(&search).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!((res.traces.len(), res.truncated), (5, false));
    let t = &res.traces[0];
    assert_eq!(t.trace_id, "a730b6d8a8028b2c80bd0980b117e3a2");
    assert_eq!(
        (t.root_service.as_deref(), t.duration_ns),
        (Some("gateway"), 218_000_000)
    );
    assert_eq!(t.spans[0].service_name, "payment-service");
    assert_eq!(t.spans[0].status.code, StatusCode::Error);
    assert_eq!(t.spans[0].duration_ns, 204_603_064);
    assert_eq!(t.service_stats["order-service"].error_count, 2);
    assert!(res.inspected_bytes.is_some());

    let f = load("tempo", "search_trace_id_leading_zero");
    let (server, client) = client_for(&["search_trace_id_leading_zero"]).await;
    let search = TraceSearch {
        query: q(&f),
        range: RANGE,
        limit: 20,
        spans_per_spanset: None,
    };
    let res = client.search(&search).await.unwrap();
    f.assert_sent(&server.requests()[0], &["limit"]);
    assert_eq!(res.traces[0].trace_id, "061ce6936714122a40680a06aa0fca51");
    assert_eq!(
        (res.traces[0].matched_spans, res.traces[0].spans.len()),
        (11, 3)
    );
}

#[tokio::test]
async fn other_searches_parse() {
    for (name, limit, spss, traces) in [
        ("search_traceql_slow_spss", 19, Some(5), 7),
        ("search_traceql_structural", 19, None, 6),
        ("search_traceql_select", 9, None, 0),
        ("search_traceql_llm_format", 4, None, 0),
        ("search_with_orgid_header", 2, None, 0),
        ("search_empty_result", 20, None, 0),
    ] {
        let f = load("tempo", name);
        let server = serve_all(vec![load("tempo", name)]).await;
        let mut cfg = SourceConfig::new("test", &server.url);
        cfg.tenant = f
            .headers
            .iter()
            .find(|(k, _)| k == "x-scope-orgid")
            .map(|(_, v)| v.clone());
        if name.contains("llm") {
            cfg.headers
                .insert("Accept".into(), "application/vnd.grafana.llm".into());
        }
        let client = TempoClient::new(&cfg).unwrap();
        let search = TraceSearch {
            query: q(&f),
            range: RANGE,
            limit,
            spans_per_spanset: spss,
        };
        let res = client.search(&search).await.unwrap();
        f.assert_sent(&server.requests()[0], &["limit"]);
        if traces > 0 {
            assert_eq!(res.traces.len(), traces, "{name}");
        }
        assert!(res.traces.iter().all(|t| t.trace_id.len() == 32), "{name}");
    }
}

#[tokio::test]
async fn select_keeps_nil_for_missing_attributes() {
    let f = load("tempo", "search_traceql_select");
    let (_s, client) = client_for(&["search_traceql_select"]).await;
    let search = TraceSearch {
        query: q(&f),
        range: RANGE,
        limit: 9,
        spans_per_spanset: None,
    };
    let res = client.search(&search).await.unwrap();
    let span = &res.traces[0].spans[0];
    assert_eq!(span.attributes["http.status_code"], AttrValue::Int(500));
    // Tempo writes "nil" for a selected attribute the span lacks; it is passed on as is.
    assert_eq!(span.attributes["http.url"], AttrValue::String("nil".into()));
}

#[tokio::test]
async fn search_always_sends_a_time_range() {
    // Without start/end Tempo searches only recent data, so loqui never omits them.
    let f = load("tempo", "search_no_time_range");
    let (server, client) = client_for(&["search_no_time_range"]).await;
    let search = TraceSearch {
        query: q(&f),
        range: RANGE,
        limit: 4,
        spans_per_spanset: None,
    };
    let res = client.search(&search).await.unwrap();
    let sent = &server.requests()[0];
    assert!(
        sent.params
            .iter()
            .any(|(k, v)| k == "start" && v == "1795313900")
    );
    assert!(
        sent.params
            .iter()
            .any(|(k, v)| k == "end" && v == "1795315809")
    );
    assert_eq!(res.traces.len(), 4);
    assert!(res.truncated, "5 traces for limit 4");
}

#[tokio::test]
async fn search_errors_keep_tempos_message() {
    for (name, text) in [
        (
            "search_invalid_traceql",
            "invalid TraceQL query: parse error at line 1, col 27: syntax error: unexpected }",
        ),
        (
            "search_invalid_unknown_identifier",
            "unknown identifier: service",
        ),
    ] {
        let f = load("tempo", name);
        let (server, client) = client_for(&[name]).await;
        let search = TraceSearch {
            query: q(&f),
            range: RANGE,
            limit: 20,
            spans_per_spanset: None,
        };
        let err = client.search(&search).await.unwrap_err();
        f.assert_sent(&server.requests()[0], &["limit"]);
        assert_eq!(err.code(), ErrorCode::BadRequest);
        assert!(err.to_string().contains(text), "{err}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn tag_names_by_scope_and_v1_fallback() {
    let f = load("tempo", "search_tags_v2");
    let (server, client) = client_for(&["search_tags_v2"]).await;
    let tags = client.tag_names(None, Some(RANGE)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert!(tags["span"].contains(&"http.route".to_string()));
    assert!(tags["resource"].contains(&"service.name".to_string()));
    assert!(tags["intrinsic"].contains(&"duration".to_string()));

    for (name, scope) in [
        ("search_tags_v2_scope_span", TagScope::Span),
        ("search_tags_v2_scope_resource", TagScope::Resource),
        ("search_tags_v2_scope_intrinsic", TagScope::Intrinsic),
    ] {
        let f = load("tempo", name);
        let (server, client) = client_for(&[name]).await;
        let tags = client.tag_names(Some(scope), Some(RANGE)).await.unwrap();
        f.assert_sent(&server.requests()[0], &[]);
        assert_eq!(tags.keys().collect::<Vec<_>>(), [scope.as_str()]);
    }

    let (server, client) = client_for(&["search_tags_v1"]).await;
    let tags = client.tag_names(None, Some(RANGE)).await.unwrap();
    load("tempo", "search_tags_v1").assert_sent(&server.requests()[1], &[]);
    assert!(tags[""].contains(&"http.method".to_string()));
}

#[tokio::test]
async fn tag_values_are_typed_and_enum_ints_dropped() {
    let f = load("tempo", "tag_values_v2_service_name");
    let (server, client) = client_for(&["tag_values_v2_service_name"]).await;
    let values = client
        .tag_values("resource.service.name", None, Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(values.len(), 4);
    assert!(values.iter().all(|v| v.value_type == TagValueType::String));

    let f = load("tempo", "tag_values_v2_http_status_code_filtered");
    let (server, client) = client_for(&["tag_values_v2_http_status_code_filtered"]).await;
    let values = client
        .tag_values(".http.status_code", Some(&q(&f)), Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let got: Vec<_> = values
        .iter()
        .map(|v| (v.value_type, v.value.as_str()))
        .collect();
    assert_eq!(
        got,
        [(TagValueType::Int, "200"), (TagValueType::Int, "504")]
    );

    let f = load("tempo", "tag_values_v2_status_intrinsic");
    let (server, client) = client_for(&["tag_values_v2_status_intrinsic"]).await;
    let values = client
        .tag_values("status", None, Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let got: Vec<_> = values.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(got, ["ok", "error", "unset"]);

    let (_s, client) = client_for(&["tag_values_v2_span_http_route"]).await;
    let values = client
        .tag_values("span.http.route", None, Some(RANGE))
        .await
        .unwrap();
    assert!(values.iter().any(|v| v.value == "/api/orders"));

    let (server, client) = client_for(&["tag_values_v1_service_name"]).await;
    let values = client
        .tag_values("service.name", None, Some(RANGE))
        .await
        .unwrap();
    load("tempo", "tag_values_v1_service_name").assert_sent(&server.requests()[1], &[]);
    assert_eq!(values.len(), 4);
}

#[tokio::test]
async fn metrics_missing_values_are_zero_and_exemplars_padded() {
    let f = load("tempo", "metrics_query_range_rate_by_service");
    let (server, client) = client_for(&["metrics_query_range_rate_by_service"]).await;
    let mq = MetricsQuery {
        query: q(&f),
        range: RANGE,
        step: Some(Duration::from_secs(60)),
    };
    let res = client.metrics_range(&mq).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let gw = &res.series[0];
    assert_eq!(gw.labels["resource.service.name"], "gateway");
    assert_eq!(gw.samples[0].ts_ns, 1_795_313_880_000_000_000);
    assert_eq!(gw.samples[0].value, 0.0, "a sample without value is 0");
    assert!((gw.samples[2].value - 0.0667).abs() < 1e-3);
    assert!(
        gw.exemplars
            .iter()
            .any(|e| e.trace_id.as_deref() == Some(PAYMENT_TIMEOUT))
    );

    let f = load("tempo", "metrics_query_range_quantile");
    let (server, client) = client_for(&["metrics_query_range_quantile"]).await;
    let mq = MetricsQuery {
        query: q(&f),
        range: RANGE,
        step: Some(Duration::from_secs(300)),
    };
    let res = client.metrics_range(&mq).await.unwrap();
    // Tempo accepts `5m` and `300s` alike; loqui always writes seconds.
    let mut sent = server.requests()[0].clone();
    sent.params
        .iter_mut()
        .filter(|(k, _)| k == "step")
        .for_each(|p| p.1 = "5m".into());
    f.assert_sent(&sent, &[]);
    assert!(
        res.series
            .iter()
            .any(|s| s.labels.get("p").map(String::as_str) == Some("0.99"))
    );
    let padded = res
        .series
        .iter()
        .flat_map(|s| &s.exemplars)
        .filter_map(|e| e.trace_id.as_deref());
    assert!(
        padded
            .clone()
            .any(|id| id == "061ce6936714122a40680a06aa0fca51")
    );
    assert!(padded.into_iter().all(|id| id.len() == 32));

    let f = load("tempo", "metrics_query_range_errors");
    let (_s, client) = client_for(&["metrics_query_range_errors"]).await;
    let mq = MetricsQuery {
        query: q(&f),
        range: RANGE,
        step: Some(Duration::from_secs(300)),
    };
    assert!(!client.metrics_range(&mq).await.unwrap().series.is_empty());
}

#[tokio::test]
async fn metrics_errors_keep_tempos_message() {
    for (name, text) in [
        (
            "metrics_query_range_invalid_not_metrics",
            "not a metrics query",
        ),
        (
            "metrics_query_range_parse_error",
            "parse error at line 1, col 12: syntax error: unexpected by, expecting )",
        ),
    ] {
        let f = load("tempo", name);
        let (server, client) = client_for(&[name]).await;
        let mq = MetricsQuery {
            query: q(&f),
            range: RANGE,
            step: Some(Duration::from_secs(60)),
        };
        let err = client.metrics_range(&mq).await.unwrap_err();
        f.assert_sent(&server.requests()[0], &[]);
        assert_eq!(err.code(), ErrorCode::BadRequest);
        assert!(err.to_string().ends_with(text), "{err}");
    }
}

#[tokio::test]
async fn a_trace_over_the_span_cap_is_cut_and_says_so() {
    let server = serve_all(vec![load("tempo", "trace_v2")]).await;
    let mut cfg = SourceConfig::new("test", &server.url);
    cfg.limits.max_spans = 3;
    let trace = TempoClient::new(&cfg)
        .unwrap()
        .trace(PAYMENT_TIMEOUT, None)
        .await
        .unwrap();
    assert_eq!(
        (trace.spans.len(), trace.total_spans, trace.truncated),
        (3, 10, true)
    );
    assert!(
        trace.root().unwrap().parent_span_id.is_none(),
        "the earliest spans are kept"
    );
}

#[tokio::test]
async fn instant_metrics_give_one_value_per_series() {
    let f = load("tempo", "metrics_query_instant");
    let (server, client) = client_for(&["metrics_query_instant"]).await;
    let mq = MetricsQuery {
        query: q(&f),
        range: RANGE,
        step: None,
    };
    let values = client.metrics_instant(&mq).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let got: Vec<_> = values
        .iter()
        .map(|v| {
            (
                v.labels["resource.service.name"].as_str(),
                v.sample.value,
                v.sample.ts_ns,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("gateway", 10.0, RANGE.end_ns),
            ("order-service", 12.0, RANGE.end_ns),
            ("payment-service", 8.0, RANGE.end_ns)
        ]
    );
}
