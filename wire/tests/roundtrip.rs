//! Every answer encoder against loqui's own client decoders (`loqui_adapters::decode`) and
//! against the answers recorded from real Loki and Tempo (`/work/shared/fixtures`).

use std::collections::BTreeMap;
use std::sync::Arc;

use loqui_adapters::decode;
use loqui_core::{
    AttrValue, Attributes, Exemplar, Labels, LineLabels, LogLine, LogQueryResult, LogStream,
    MetricsResult, QueryData, QueryStats, Sample, SearchResult, Series, ServiceStats, Span,
    SpanEvent, SpanKind, SpanStatus, StatusCode, TagNames, TagValue, TagValueType, Trace,
    TraceSummary, VectorSample,
};
use loqui_wire::{loki, tempo};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    let p = format!("{FIXTURES}/{path}");
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn line_labels(pairs: &[(&str, &str)]) -> LineLabels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn result(data: QueryData) -> LogQueryResult {
    let total_lines = match &data {
        QueryData::Streams(s) => s.iter().map(|s| s.lines.len()).sum(),
        _ => 0,
    };
    LogQueryResult {
        data,
        truncated: false,
        total_lines,
        stats: QueryStats {
            lines_processed: Some(120),
            bytes_processed: Some(4096),
            exec_time_s: Some(0.25),
        },
    }
}

fn streams() -> Vec<LogStream> {
    let line = |ts, text: &str, md: &[(&str, &str)], parsed: &[(&str, &str)]| LogLine {
        ts_ns: ts,
        line: text.into(),
        structured_metadata: line_labels(md),
        parsed: line_labels(parsed),
    };
    vec![
        LogStream {
            labels: labels(&[("service_name", "order-service"), ("env", "prod")]),
            lines: vec![
                line(
                    1_795_315_307_201_044_124,
                    r#"{"level":"error","msg":"payment \"failed\"\n"}"#,
                    &[
                        ("trace_id", "e8fec375b3be41d62ef430dd737ea6a2"),
                        ("detected_level", "error"),
                    ],
                    &[("level", "error")],
                ),
                line(1_795_315_307_000_000_001, "plain ünïcode line", &[], &[]),
            ],
        },
        LogStream {
            labels: labels(&[("service_name", "gateway")]),
            lines: vec![line(
                1_795_315_300_000_000_000,
                "ts=1 level=info",
                &[("detected_level", "info")],
                &[],
            )],
        },
    ]
}

#[test]
fn categorized_streams_round_trip_exactly() {
    let input = result(QueryData::Streams(streams()));
    let body = loki::encode_query_result(&input, true);
    let back = decode::loki_query(&body).unwrap();
    assert_eq!(back, input);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["data"]["encodingFlags"], json!(["categorize-labels"]));
    assert_eq!(
        v["data"]["result"][0]["values"][1][2],
        json!({}),
        "empty categories are `{{}}`"
    );
}

/// Without categorize-labels the metadata can only travel folded into the stream labels, so
/// the client sees one stream per distinct label set, lines without metadata or parsed labels.
#[test]
fn uncategorized_streams_fold_metadata_into_labels() {
    let input = result(QueryData::Streams(streams()));
    let back = decode::loki_query(&loki::encode_query_result(&input, false)).unwrap();
    let QueryData::Streams(got) = back.data else {
        panic!("streams")
    };
    assert_eq!(got.len(), 3, "the order-service stream splits in two");
    assert_eq!(
        got[0].labels["trace_id"],
        "e8fec375b3be41d62ef430dd737ea6a2"
    );
    assert_eq!(got[0].labels["level"], "error");
    assert_eq!(got[1].labels, streams()[0].labels);
    let lines: usize = got.iter().map(|s| s.lines.len()).sum();
    assert_eq!(lines, 3);
    assert!(
        got.iter()
            .flat_map(|s| &s.lines)
            .all(|l| l.structured_metadata.is_empty())
    );
    // With no metadata at all the round trip is exact.
    let mut plain = streams();
    for s in &mut plain {
        for l in &mut s.lines {
            l.structured_metadata = LineLabels::new();
            l.parsed = LineLabels::new();
        }
    }
    let input = result(QueryData::Streams(plain));
    assert_eq!(
        decode::loki_query(&loki::encode_query_result(&input, false)).unwrap(),
        input
    );
}

#[test]
fn metric_results_round_trip() {
    let s = |ts_ns, value| Sample { ts_ns, value };
    let matrix = QueryData::Matrix(vec![Series {
        labels: labels(&[("service_name", "gateway")]),
        samples: vec![
            s(1_795_314_000_000_000_000, 1.0),
            s(1_795_314_060_500_000_000, 0.25),
            s(1_795_314_120_000_000_000, f64::INFINITY),
        ],
        exemplars: vec![],
    }]);
    let vector = QueryData::Vector(vec![VectorSample {
        labels: labels(&[("service_name", "order-service")]),
        sample: s(1_795_315_809_000_000_000, 55.0),
    }]);
    let scalar = QueryData::Scalar(s(1_795_315_809_000_000_000, 6.0));
    for data in [matrix, vector, scalar] {
        let input = result(data);
        let back = decode::loki_query(&loki::encode_query_result(&input, false)).unwrap();
        assert_eq!(back, input);
    }
}

/// Real answers: decode with the client, re-encode, decode again: nothing changes.
#[test]
fn recorded_loki_answers_survive_reencoding() {
    for (name, categorize) in [
        ("query_range_streams", false),
        ("query_range_json_categorized", true),
        ("query_range_trace_id_metadata_categorized", true),
        ("query_range_matrix", false),
        ("query_range_matrix_unwrap_quantile", false),
        ("query_instant_vector", false),
        ("query_instant_scalar", false),
        ("query_range_empty_result", false),
    ] {
        let raw = fixture(&format!("loki/{name}.response.json"));
        let first = decode::loki_query(&raw).unwrap();
        let again = decode::loki_query(&loki::encode_query_result(&first, categorize)).unwrap();
        assert_eq!(again.data, first.data, "{name}");
        assert_eq!(again.stats, first.stats, "{name}");
        // The result itself is byte-for-byte the same JSON as Loki's.
        let theirs: Value = serde_json::from_slice(&raw).unwrap();
        let ours: Value =
            serde_json::from_slice(&loki::encode_query_result(&first, categorize)).unwrap();
        assert_eq!(ours["data"]["result"], theirs["data"]["result"], "{name}");
        assert_eq!(ours["status"], "success");
        assert!(ours["data"]["stats"]["summary"].is_object());
    }
}

#[test]
fn label_answers_match_loki() {
    let names: Vec<String> = ["cluster", "env", "namespace", "pod", "service_name"]
        .map(String::from)
        .into();
    assert_eq!(
        serde_json::from_slice::<Value>(&loki::encode_labels(&names)).unwrap(),
        serde_json::from_slice::<Value>(&fixture("loki/labels.response.json")).unwrap()
    );
    assert_eq!(
        loki::encode_label_values(&[]),
        fixture("loki/label_values_unknown_label.response.json")
    );
    let series: Value = serde_json::from_slice(&fixture("loki/series.response.json")).unwrap();
    let sets: Vec<Labels> = serde_json::from_value(series["data"].clone()).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&loki::encode_series(&sets)).unwrap(),
        series
    );
    let msg = fixture("loki/parse_error_unclosed_selector.response.txt");
    assert_eq!(loki::encode_error(std::str::from_utf8(&msg).unwrap()), msg);
}

fn attrs(pairs: Vec<(&str, AttrValue)>) -> Attributes {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn trace() -> Trace {
    let res_a = Arc::new(attrs(vec![
        ("service.name", AttrValue::String("gateway".into())),
        ("k8s.pod.name", AttrValue::String("gateway-1".into())),
    ]));
    let res_b = Arc::new(attrs(vec![(
        "service.name",
        AttrValue::String("payment-service".into()),
    )]));
    let every_type = attrs(vec![
        ("s", AttrValue::String("x".into())),
        ("i", AttrValue::Int(-502)),
        ("d", AttrValue::Double(389.25)),
        ("b", AttrValue::Bool(true)),
        (
            "bytes",
            AttrValue::Bytes {
                base64: "AAE=".into(),
            },
        ),
        (
            "arr",
            AttrValue::Array(vec![AttrValue::Int(1), AttrValue::String("two".into())]),
        ),
        (
            "kv",
            AttrValue::KvList(attrs(vec![("inner", AttrValue::Bool(false))])),
        ),
    ]);
    let span = |id: &str, parent: Option<&str>, res: &Arc<Attributes>, kind, code| Span {
        trace_id: "061ce6936714122a40680a06aa0fca51".into(),
        span_id: id.into(),
        parent_span_id: parent.map(String::from),
        service_name: res.get("service.name").unwrap().to_string(),
        name: format!("op {id}"),
        kind,
        status: SpanStatus {
            code,
            message: (code == StatusCode::Error).then(|| "provider timeout".to_string()),
        },
        start_ns: 1_795_313_998_923_033_948,
        duration_ns: 5_029_789_051,
        attributes: Attributes::new(),
        resource: Arc::clone(res),
        events: vec![],
    };
    let mut root = span(
        "923732881584d8c4",
        None,
        &res_a,
        SpanKind::Server,
        StatusCode::Unset,
    );
    root.attributes = every_type;
    let mut child = span(
        "0a01549935d49a54",
        Some("923732881584d8c4"),
        &res_b,
        SpanKind::Client,
        StatusCode::Error,
    );
    child.events = vec![SpanEvent {
        ts_ns: 1_795_314_003_948_320_983,
        name: "exception".into(),
        attributes: attrs(vec![(
            "exception.type",
            AttrValue::String("Timeout".into()),
        )]),
    }];
    let internal = span(
        "00000000000007a1",
        Some("0a01549935d49a54"),
        &res_b,
        SpanKind::Unspecified,
        StatusCode::Ok,
    );
    Trace {
        trace_id: "061ce6936714122a40680a06aa0fca51".into(),
        spans: vec![root, child, internal],
        truncated: false,
        total_spans: 3,
    }
}

#[test]
fn traces_round_trip_in_both_versions() {
    let input = trace();
    for body in [
        tempo::encode_trace_v1(&input),
        tempo::encode_trace_v2(&input),
    ] {
        assert_eq!(decode::tempo_trace(&body).unwrap(), input);
    }
    let v: Value = serde_json::from_slice(&tempo::encode_trace_v1(&input)).unwrap();
    let span = &v["batches"][0]["scopeSpans"][0]["spans"][0];
    // base64 of 06 1c e6 93 …, as the round trip above confirms.
    assert_eq!(span["traceId"], "Bhzmk2cUEipAaAoGqg/KUQ==");
    assert_eq!(span["kind"], "SPAN_KIND_SERVER");
    assert_eq!(span["status"], json!({}));
    assert!(span.get("parentSpanId").is_none());
    assert_eq!(
        v["batches"].as_array().unwrap().len(),
        2,
        "one batch per resource"
    );
}

#[test]
fn an_empty_trace_is_v2s_not_found_answer() {
    let empty = Trace {
        trace_id: String::new(),
        spans: vec![],
        truncated: false,
        total_spans: 0,
    };
    assert_eq!(
        tempo::encode_trace_v2(&empty),
        fixture("tempo/trace_v2_not_found.response.json")
    );
}

#[test]
fn recorded_tempo_traces_survive_reencoding() {
    for name in ["trace_v1", "trace_v2", "trace_v2_with_time_range"] {
        let first = decode::tempo_trace(&fixture(&format!("tempo/{name}.response.json"))).unwrap();
        for body in [
            tempo::encode_trace_v1(&first),
            tempo::encode_trace_v2(&first),
        ] {
            assert_eq!(decode::tempo_trace(&body).unwrap(), first, "{name}");
        }
    }
    // The v1 answer is the same JSON as Tempo's, but for the scope (loqui does not keep it)
    // and attribute order (loqui sorts attributes by key).
    let theirs: Value = serde_json::from_slice(&fixture("tempo/trace_v1.response.json")).unwrap();
    let ours: Value = serde_json::from_slice(&tempo::encode_trace_v1(
        &decode::tempo_trace(&serde_json::to_vec(&theirs).unwrap()).unwrap(),
    ))
    .unwrap();
    let strip = |v: &Value| {
        let mut spans = Vec::new();
        for b in v["batches"].as_array().unwrap() {
            for ss in b["scopeSpans"].as_array().unwrap() {
                spans.extend(ss["spans"].as_array().unwrap().iter().map(sort_kvs));
            }
        }
        spans
    };
    assert_eq!(strip(&ours), strip(&theirs));
}

/// loqui keeps attributes sorted by key; Tempo keeps the sender's order.
fn sort_kvs(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(sort_kvs).collect();
            if items.iter().all(|i| i.get("key").is_some()) {
                items.sort_by_key(|kv| kv["key"].to_string());
            }
            Value::Array(items)
        }
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), sort_kvs(v))).collect())
        }
        other => other.clone(),
    }
}

// ---- search, tags, metrics: loqui-adapters has no public decoder for these, so the test
// ---- reads the fixtures into core values itself and checks the JSON we write equals Tempo's.

fn text(v: &Value) -> String {
    v.as_str()
        .map(String::from)
        .unwrap_or_else(|| v.to_string())
}

fn kvs(v: &Value) -> Attributes {
    let mut out = Attributes::new();
    for kv in v.as_array().into_iter().flatten() {
        let val = &kv["value"];
        let a = if let Some(s) = val.get("stringValue") {
            AttrValue::String(text(s))
        } else if let Some(i) = val.get("intValue") {
            AttrValue::Int(text(i).parse().unwrap())
        } else if let Some(d) = val.get("doubleValue") {
            AttrValue::Double(d.as_f64().unwrap())
        } else {
            AttrValue::Bool(val["boolValue"].as_bool().unwrap())
        };
        out.insert(kv["key"].as_str().unwrap(), a);
    }
    out
}

fn search_from(v: &Value) -> SearchResult {
    let traces = v["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let set = &t["spanSet"];
            let trace_id = loqui_core::normalize_trace_id(t["traceID"].as_str().unwrap()).unwrap();
            let spans = set["spans"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| Span {
                    trace_id: trace_id.clone(),
                    span_id: s["spanID"].as_str().unwrap().into(),
                    parent_span_id: None,
                    service_name: String::new(),
                    name: s.get("name").map(text).unwrap_or_default(),
                    kind: SpanKind::Unspecified,
                    status: SpanStatus::default(),
                    start_ns: text(&s["startTimeUnixNano"]).parse().unwrap(),
                    duration_ns: text(&s["durationNanos"]).parse().unwrap(),
                    attributes: kvs(&s["attributes"]),
                    resource: Arc::default(),
                    events: vec![],
                })
                .collect();
            let service_stats: BTreeMap<String, ServiceStats> = t["serviceStats"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, s)| {
                    (
                        k.clone(),
                        ServiceStats {
                            span_count: s["spanCount"].as_u64().unwrap_or(0),
                            error_count: s["errorCount"].as_u64().unwrap_or(0),
                        },
                    )
                })
                .collect();
            TraceSummary {
                trace_id,
                root_service: t.get("rootServiceName").map(text),
                root_name: t.get("rootTraceName").map(text),
                start_ns: text(&t["startTimeUnixNano"]).parse().unwrap(),
                duration_ns: t["durationMs"].as_i64().unwrap_or(0) * 1_000_000,
                spans,
                matched_spans: set["matched"].as_u64().unwrap_or(0),
                service_stats,
            }
        })
        .collect();
    SearchResult {
        traces,
        truncated: false,
        inspected_bytes: text(&v["metrics"]["inspectedBytes"]).parse().ok(),
    }
}

#[test]
fn search_answers_equal_tempos() {
    for name in [
        "search_traceql_errors",
        "search_traceql_slow_spss",
        "search_traceql_select",
        "search_trace_id_leading_zero",
        "search_empty_result",
    ] {
        let mut theirs: Value =
            serde_json::from_slice(&fixture(&format!("tempo/{name}.response.json"))).unwrap();
        let ours: Value =
            serde_json::from_slice(&tempo::encode_search(&search_from(&theirs))).unwrap();
        // loqui keeps one span set per trace, and only `inspectedBytes` of the metrics.
        for t in theirs["traces"].as_array_mut().unwrap() {
            let first = t["spanSet"].clone();
            t["spanSets"] = json!([first]);
        }
        theirs["metrics"] = json!({"inspectedBytes": theirs["metrics"]["inspectedBytes"]});
        assert_eq!(ours, sort_kvs(&theirs), "{name}");
    }
}

#[test]
fn tag_answers_equal_tempos() {
    let theirs: Value =
        serde_json::from_slice(&fixture("tempo/search_tags_v2.response.json")).unwrap();
    let tags: TagNames = theirs["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                text(&s["name"]),
                s["tags"].as_array().unwrap().iter().map(text).collect(),
            )
        })
        .collect();
    let ours: Value = serde_json::from_slice(&tempo::encode_tags_v2(&tags)).unwrap();
    assert_eq!(ours["scopes"], theirs["scopes"]);
    let v1: Value = serde_json::from_slice(&fixture("tempo/search_tags_v1.response.json")).unwrap();
    let ours: Value = serde_json::from_slice(&tempo::encode_tags_v1(&tags)).unwrap();
    assert_eq!(ours["tagNames"], v1["tagNames"]);

    for name in [
        "tag_values_v2_service_name",
        "tag_values_v2_status_intrinsic",
        "tag_values_v2_http_status_code_filtered",
    ] {
        let theirs: Value =
            serde_json::from_slice(&fixture(&format!("tempo/{name}.response.json"))).unwrap();
        let values: Vec<TagValue> = theirs["tagValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| TagValue {
                value_type: match v["type"].as_str().unwrap() {
                    "string" => TagValueType::String,
                    "int" => TagValueType::Int,
                    "keyword" => TagValueType::Keyword,
                    other => panic!("{other}"),
                },
                value: text(&v["value"]),
            })
            .collect();
        let ours: Value = serde_json::from_slice(&tempo::encode_tag_values_v2(&values)).unwrap();
        assert_eq!(ours["tagValues"], theirs["tagValues"], "{name}");
    }
    let theirs: Value =
        serde_json::from_slice(&fixture("tempo/tag_values_v1_service_name.response.json")).unwrap();
    let values: Vec<String> = serde_json::from_value(theirs["tagValues"].clone()).unwrap();
    let ours: Value = serde_json::from_slice(&tempo::encode_tag_values_v1(&values)).unwrap();
    assert_eq!(ours["tagValues"], theirs["tagValues"]);
}

fn series_from(s: &Value) -> Series {
    let flat = |v: &Value| -> Labels {
        kvs(v)
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Series {
        labels: flat(&s["labels"]),
        samples: s["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| Sample {
                ts_ns: text(&p["timestampMs"]).parse::<i64>().unwrap() * 1_000_000,
                value: p.get("value").and_then(Value::as_f64).unwrap_or(0.0),
            })
            .collect(),
        exemplars: s["exemplars"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let mut labels = flat(&e["labels"]);
                Exemplar {
                    trace_id: labels.remove("trace:id"),
                    ts_ns: text(&e["timestampMs"]).parse::<i64>().unwrap() * 1_000_000,
                    value: e["value"].as_f64().unwrap_or(0.0),
                    labels,
                }
            })
            .collect(),
    }
}

#[test]
fn metrics_answers_equal_tempos() {
    for name in [
        "metrics_query_range_rate_by_service",
        "metrics_query_range_errors",
        "metrics_query_range_quantile",
    ] {
        let theirs: Value =
            serde_json::from_slice(&fixture(&format!("tempo/{name}.response.json"))).unwrap();
        let result = MetricsResult {
            series: theirs["series"]
                .as_array()
                .unwrap()
                .iter()
                .map(series_from)
                .collect(),
            truncated: false,
        };
        let ours: Value = serde_json::from_slice(&tempo::encode_metrics_range(&result)).unwrap();
        // loqui sorts labels by key; Tempo's series here carry one label plus `p`.
        let sorted = |v: &Value| {
            let mut v = v.clone();
            for s in v.as_array_mut().unwrap() {
                s["labels"]
                    .as_array_mut()
                    .unwrap()
                    .sort_by_key(|kv| kv["key"].to_string());
                for e in s
                    .get_mut("exemplars")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    e["labels"]
                        .as_array_mut()
                        .unwrap()
                        .sort_by_key(|kv| kv["key"].to_string());
                }
            }
            v
        };
        assert_eq!(sorted(&ours["series"]), sorted(&theirs["series"]), "{name}");
    }
    let theirs: Value =
        serde_json::from_slice(&fixture("tempo/metrics_query_instant.response.json")).unwrap();
    let samples: Vec<VectorSample> = theirs["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| VectorSample {
            labels: series_from(&json!({"labels": s["labels"], "samples": []})).labels,
            sample: Sample {
                ts_ns: 0,
                value: s["value"].as_f64().unwrap_or(0.0),
            },
        })
        .collect();
    let ours: Value = serde_json::from_slice(&tempo::encode_metrics_instant(&samples)).unwrap();
    assert_eq!(ours["series"], theirs["series"]);
}
