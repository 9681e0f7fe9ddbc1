//! The Loki client against Loki's real captured answers, served over loopback HTTP.

mod common;

use std::time::Duration;

use common::fixture::{Fixture, load, serve_all};
use loqui_adapters::{LogSource, LokiClient, SourceConfig};
use loqui_core::{Direction, ErrorCode, InstantQuery, LogQuery, QueryData, TimeRange};

const RANGE: TimeRange = TimeRange {
    start_ns: 1_795_313_900_000_000_000,
    end_ns: 1_795_315_809_000_000_000,
};

fn config(url: &str, categorize: bool) -> SourceConfig {
    let mut cfg = SourceConfig::new("test", url);
    cfg.categorize_labels = categorize;
    cfg
}

/// Serves one fixture and returns a client for it (categorize-labels when the capture used it).
async fn client_for(f: &Fixture) -> (common::TestServer, LokiClient) {
    let categorize = f
        .headers
        .iter()
        .any(|(k, _)| k == "x-loki-response-encoding-flags");
    let server = serve_all(vec![Fixture {
        ..load("loki", &f.name)
    }])
    .await;
    let client = LokiClient::new(&config(&server.url, categorize)).unwrap();
    (server, client)
}

fn query(f: &Fixture, limit: usize) -> LogQuery {
    let q = f
        .params
        .iter()
        .find(|(k, _)| k == "query")
        .unwrap()
        .1
        .clone();
    LogQuery::new(q, RANGE, limit)
}

#[tokio::test]
async fn streams_with_metadata_merged_into_labels_are_cut_at_the_limit() {
    let f = load("loki", "query_range_streams");
    let (server, client) = client_for(&f).await;
    // Asking for 19 lines sends limit=20 (one more, to learn whether the answer was cut).
    let mut q = query(&f, 19);
    q.direction = Some(Direction::Backward);
    let res = client.query_range(&q).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert!(res.truncated);
    assert_eq!(res.total_lines, 19);
    let QueryData::Streams(streams) = &res.data else {
        panic!("streams expected")
    };
    assert_eq!(streams.iter().map(|s| s.lines.len()).sum::<usize>(), 19);
    let (labels, line) = res
        .lines()
        .find(|(l, _)| l.get("span_id").is_some())
        .unwrap();
    assert_eq!(labels["service_name"], "order-service");
    assert_eq!(labels["trace_id"].len(), 32);
    assert!(
        line.structured_metadata.is_empty(),
        "uncategorized: metadata stays in labels"
    );
    // Backward keeps the newest lines: the oldest returned line is the one dropped.
    let oldest_kept = res.lines().map(|(_, l)| l.ts_ns).min().unwrap();
    assert!(oldest_kept > 1_795_313_900_000_000_000);
    assert!(res.stats.exec_time_s.is_some());
}

#[tokio::test]
async fn categorized_answers_keep_metadata_and_parsed_labels_apart() {
    let f = load("loki", "query_range_json_categorized");
    let (server, client) = client_for(&f).await;
    let res = client.query_range(&query(&f, 19)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let (labels, line) = res.lines().next().unwrap();
    assert!(labels.get("trace_id").is_none() && labels.get("level").is_none());
    assert_eq!(line.structured_metadata["detected_level"], "error");
    assert_eq!(line.structured_metadata["trace_id"].len(), 32);
    assert_eq!(
        line.parsed["trace_id_extracted"],
        line.structured_metadata["trace_id"]
    );
    assert_eq!(line.parsed["timeout_ms"], "5000");
    assert_eq!(line.label(labels, "service_name"), Some("payment-service"));
}

#[tokio::test]
async fn trace_id_metadata_filter_in_both_shapes() {
    for name in [
        "query_range_trace_id_metadata",
        "query_range_trace_id_metadata_categorized",
    ] {
        let f = load("loki", name);
        let (server, client) = client_for(&f).await;
        let mut q = query(&f, 99);
        q.direction = Some(Direction::Forward);
        let res = client.query_range(&q).await.unwrap();
        f.assert_sent(&server.requests()[0], &[]);
        assert!(!res.truncated, "{name}");
        assert_eq!(res.total_lines, 6, "{name}");
        for (labels, line) in res.lines() {
            assert_eq!(
                line.label(labels, "trace_id"),
                Some("6934b484e73cf575dcad6ba2b0aee0ca")
            );
        }
    }
}

#[tokio::test]
async fn other_stream_queries_parse() {
    for (name, limit, lines) in [
        ("query_range_json_filter", 49, None),
        ("query_range_line_filter", 49, None),
        ("query_range_logfmt_unwrap_filter", 49, None),
        ("query_range_empty_result", 9, Some(0)),
    ] {
        let f = load("loki", name);
        let (server, client) = client_for(&f).await;
        let res = client.query_range(&query(&f, limit)).await.unwrap();
        f.assert_sent(&server.requests()[0], &["limit"]);
        assert!(matches!(res.data, QueryData::Streams(_)), "{name}");
        if let Some(n) = lines {
            assert_eq!(res.total_lines, n, "{name}");
        } else {
            assert!(res.total_lines > 0, "{name}");
        }
    }
}

#[tokio::test]
async fn matrix_points_are_seconds_and_values_parse() {
    for (name, step) in [
        ("query_range_matrix", 60),
        ("query_range_matrix_detected_level", 300),
        ("query_range_matrix_unwrap_quantile", 300),
    ] {
        let f = load("loki", name);
        let (server, client) = client_for(&f).await;
        let mut q = query(&f, 100);
        q.step = Some(Duration::from_secs(step));
        let res = client.query_range(&q).await.unwrap();
        f.assert_sent(&server.requests()[0], &["limit"]);
        let QueryData::Matrix(series) = &res.data else {
            panic!("{name}: matrix expected")
        };
        assert!(!series.is_empty(), "{name}");
        let first = series[0].samples[0];
        assert_eq!(
            first.ts_ns % (step as i64 * 1_000_000_000),
            0,
            "{name}: steps are aligned"
        );
        assert!(RANGE.contains(first.ts_ns), "{name}");
    }
    let f = load("loki", "query_range_matrix");
    let (_server, client) = client_for(&f).await;
    let res = client.query_range(&query(&f, 100)).await.unwrap();
    let QueryData::Matrix(series) = res.data else {
        panic!()
    };
    assert_eq!(series[0].labels["service_name"], "gateway");
    assert_eq!(series[0].samples[0].ts_ns, 1_795_314_000_000_000_000);
    assert_eq!(series[0].samples[0].value, 1.0);
}

#[tokio::test]
async fn instant_vector_and_scalar_milliseconds() {
    let f = load("loki", "query_instant_vector");
    let (server, client) = client_for(&f).await;
    let q = |f: &Fixture| InstantQuery {
        query: f.params[0].1.clone(),
        time_ns: RANGE.end_ns,
        limit: None,
    };
    let res = client.query_instant(&q(&f)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let QueryData::Vector(v) = res.data else {
        panic!("vector expected")
    };
    assert_eq!(v.len(), 4);
    assert_eq!(v[0].sample.ts_ns, RANGE.end_ns);

    let f = load("loki", "query_instant_scalar");
    let (server, client) = client_for(&f).await;
    let res = client.query_instant(&q(&f)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    // Scalars come in milliseconds; they must land on the same instant as vectors.
    assert_eq!(
        res.data,
        QueryData::Scalar(loqui_core::Sample {
            ts_ns: RANGE.end_ns,
            value: 6.0
        })
    );
}

#[tokio::test]
async fn instant_log_query_is_a_bad_request_with_lokis_message() {
    let f = load("loki", "query_instant_log_query");
    let (server, client) = client_for(&f).await;
    let q = InstantQuery {
        query: f.params[0].1.clone(),
        time_ns: RANGE.end_ns,
        limit: Some(5),
    };
    let err = client.query_instant(&q).await.unwrap_err();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(err.code(), ErrorCode::BadRequest);
    assert!(
        err.to_string()
            .contains("log queries are not supported as an instant query type")
    );
    assert_eq!(server.requests().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn labels_values_and_the_unknown_label_without_data() {
    let f = load("loki", "labels");
    let (server, client) = client_for(&f).await;
    let labels = client.labels(Some(RANGE)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert!(labels.contains(&"service_name".to_string()));
    assert!(!labels.contains(&"detected_level".to_string()));

    let f = load("loki", "label_values_service_name");
    let (server, client) = client_for(&f).await;
    let values = client
        .label_values("service_name", None, Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(
        values,
        [
            "gateway",
            "order-service",
            "payment-service",
            "product-service"
        ]
    );

    let f = load("loki", "label_values_pod_for_selector");
    let (server, client) = client_for(&f).await;
    let sel = r#"{service_name="order-service"}"#;
    let values = client
        .label_values("pod", Some(sel), Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(values.len(), 2);

    let f = load("loki", "label_values_unknown_label");
    let (server, client) = client_for(&f).await;
    let values = client
        .label_values("no_such_label", None, Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert!(values.is_empty());
}

#[tokio::test]
async fn series_with_one_and_two_matchers() {
    let f = load("loki", "series");
    let (server, client) = client_for(&f).await;
    let series = client
        .series(&[r#"{namespace="shop"}"#.into()], Some(RANGE))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(series.len(), 6);

    let f = load("loki", "series_two_matchers");
    let (server, client) = client_for(&f).await;
    let sel = [
        r#"{service_name="gateway"}"#.into(),
        r#"{service_name="payment-service"}"#.into(),
    ];
    let series = client.series(&sel, Some(RANGE)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(series.len(), 2);
    assert_eq!(series[1]["service_name"], "payment-service");
}

#[tokio::test]
async fn index_stats_before_and_after_flush() {
    let f = load("loki", "index_stats");
    let (server, client) = client_for(&f).await;
    let stats = client
        .index_stats(r#"{namespace="shop"}"#, RANGE)
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(stats.entries, 0);

    let f = load("loki", "index_stats_after_flush");
    let (_server, client) = client_for(&f).await;
    let stats = client
        .index_stats(r#"{namespace="shop"}"#, RANGE)
        .await
        .unwrap();
    assert_eq!(
        (stats.streams, stats.chunks, stats.bytes, stats.entries),
        (6, 6, 61440, 208)
    );
}

#[tokio::test]
async fn patterns_empty_nonempty_and_disabled() {
    let step = Some(Duration::from_secs(300));
    let f = load("loki", "patterns");
    let (server, client) = client_for(&f).await;
    let p = client
        .patterns(r#"{service_name="gateway"}"#, RANGE, step)
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert!(p.is_empty());

    let f = load("loki", "patterns_nonempty");
    let (server, client) = client_for(&f).await;
    let range = TimeRange::from_secs(1_795_314_033, 1_795_315_893);
    let p = client
        .patterns(r#"{service_name="gateway"}"#, range, step)
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(p.len(), 3);
    assert!(p[0].pattern.contains("<_>"));
    assert_eq!(p[0].level.as_deref(), Some("info"));
    assert_eq!(p[0].total(), 76.0);

    let f = load("loki", "patterns_nonempty_all_services");
    let (_server, client) = client_for(&f).await;
    assert!(
        !client
            .patterns(r#"{namespace="shop"}"#, range, step)
            .await
            .unwrap()
            .is_empty()
    );

    let f = load("loki", "patterns_disabled");
    let (_server, client) = client_for(&f).await;
    let err = client
        .patterns(r#"{service_name="gateway"}"#, RANGE, step)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotImplemented);
    assert!(
        err.to_string().contains("pattern_ingester.enabled"),
        "{err}"
    );
}

#[tokio::test]
async fn detected_fields_parse_with_null_parsers() {
    let f = load("loki", "detected_fields");
    let (server, client) = client_for(&f).await;
    let fields = client
        .detected_fields(r#"{service_name="order-service"}"#, RANGE, Some(1000))
        .await
        .unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    let status = fields.iter().find(|f| f.label == "http_status").unwrap();
    assert_eq!(
        (status.field_type.as_str(), status.parsers.as_slice()),
        ("int", &["json".to_string()][..])
    );
    assert!(
        fields
            .iter()
            .find(|f| f.label == "detected_level")
            .unwrap()
            .parsers
            .is_empty()
    );
}

#[tokio::test]
async fn parse_errors_keep_lokis_message_and_are_not_retried() {
    for name in [
        "parse_error_unclosed_selector",
        "parse_error_missing_range",
        "parse_error_bad_label_filter",
        "parse_error_empty_compatible_matcher",
        "error_regex_at_query_time",
        "error_start_after_end",
    ] {
        let f = load("loki", name);
        let (server, client) = client_for(&f).await;
        let mut q = query(&f, 100);
        if name == "error_start_after_end" {
            q.range = TimeRange {
                start_ns: RANGE.end_ns,
                end_ns: RANGE.start_ns,
            };
        }
        let err = client.query_range(&q).await.unwrap_err();
        f.assert_sent(&server.requests()[0], &["limit"]);
        assert_eq!(err.code(), ErrorCode::BadRequest, "{name}");
        let loki_text = String::from_utf8(f.body.clone()).unwrap();
        assert!(err.to_string().ends_with(loki_text.trim()), "{name}: {err}");
        assert_eq!(server.requests().len(), 1, "{name}: not retried");
    }
    let f = load("loki", "parse_error_unclosed_selector");
    let (_server, client) = client_for(&f).await;
    let err = client.query_range(&query(&f, 100)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "loki \"test\" rejected the query: parse error at line 1, col 30: syntax error: unexpected $end, expecting } or ,"
    );
}

#[tokio::test]
async fn limit_over_lokis_cap_is_never_asked_for() {
    // Loki answers 400 above max_entries_limit_per_query (5000); loqui asks for at most that.
    let f = load("loki", "query_range_line_filter");
    let (server, client) = client_for(&f).await;
    let res = client.query_range(&query(&f, 10_000)).await.unwrap();
    let sent = &server.requests()[0];
    assert_eq!(
        sent.params.iter().find(|(k, _)| k == "limit").unwrap().1,
        "5000"
    );
    assert!(!res.truncated);
}

#[tokio::test]
async fn tenant_header_is_sent() {
    let f = load("loki", "query_range_with_orgid_header");
    let server = serve_all(vec![load("loki", "query_range_with_orgid_header")]).await;
    let mut cfg = config(&server.url, false);
    cfg.tenant = Some("tenant-a".into());
    let client = LokiClient::new(&cfg).unwrap();
    let res = client.query_range(&query(&f, 2)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!(res.total_lines, 2);
    assert!(res.truncated);
}

#[tokio::test]
async fn long_queries_go_as_a_post_form() {
    let f = load("loki", "query_range_post_form");
    let server = serve_all(vec![load("loki", "query_range_post_form")]).await;
    let mut cfg = config(&server.url, false);
    cfg.post_queries_over_bytes = 10;
    let client = LokiClient::new(&cfg).unwrap();
    let res = client.query_range(&query(&f, 9)).await.unwrap();
    f.assert_sent(&server.requests()[0], &[]);
    assert_eq!((res.total_lines, res.truncated), (4, false));
    assert_eq!(server.requests()[0].method, "POST");
}
