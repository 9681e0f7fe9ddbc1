//! Ingest decoders on the demo generator's real output, on hand-built protobuf bodies, and on
//! broken input.

use std::collections::HashMap;
use std::sync::Arc;

use loqui_core::{
    AttrValue, Attributes, Labels, LineLabels, LogLine, LogStream, Span, SpanEvent, SpanKind,
    SpanStatus, StatusCode,
};
use loqui_demo::{Config, Generator, LogRecord, SpanRecord, align_to_minute, encode};
use loqui_wire::otlp::proto as pb;
use loqui_wire::{Limits, WireError, loki, otlp};
use prost::Message as _;

/// Three minutes of the demo platform during its bad-deploy incident (40 to 15 minutes before
/// the end), so errors, exception events and 5xx lines are in the data.
fn demo() -> (Vec<LogRecord>, Vec<SpanRecord>) {
    const MIN: i64 = 60_000_000_000;
    let end = align_to_minute(1_795_315_760_000_000_000);
    let generator = Generator::new(Config::new(end));
    let batch = generator.window(end - 35 * MIN, end - 32 * MIN);
    let (logs, spans) = (batch.logs, batch.spans);
    assert!(
        logs.len() > 500 && spans.len() > 500,
        "{} {}",
        logs.len(),
        spans.len()
    );
    (logs, spans)
}

fn attr(v: &loqui_demo::AttrValue) -> AttrValue {
    match v {
        loqui_demo::AttrValue::Str(s) => AttrValue::String(s.clone()),
        loqui_demo::AttrValue::Int(i) => AttrValue::Int(*i),
        loqui_demo::AttrValue::Double(d) => AttrValue::Double(*d),
        loqui_demo::AttrValue::Bool(b) => AttrValue::Bool(*b),
    }
}

fn attrs(a: &[(&'static str, loqui_demo::AttrValue)]) -> Attributes {
    a.iter().map(|(k, v)| (k.to_string(), attr(v))).collect()
}

/// What the Loki push of `logs` must decode to: one stream per label set, lines in order.
fn expected_streams(logs: &[LogRecord]) -> Vec<LogStream> {
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut out: Vec<LogStream> = Vec::new();
    for r in logs {
        let labels: Labels = r
            .stream
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let i = *index.entry(labels.clone()).or_insert_with(|| {
            out.push(LogStream {
                labels,
                lines: vec![],
            });
            out.len() - 1
        });
        out[i].lines.push(LogLine {
            ts_ns: r.time_ns,
            line: r.line.clone(),
            structured_metadata: r
                .structured_metadata()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            parsed: LineLabels::new(),
        });
    }
    out
}

#[test]
fn demo_loki_push_arrives_whole_through_json_and_protobuf() {
    let (logs, _) = demo();
    let limits = Limits::default();
    let json = encode::loki_push_json(&logs);
    let got = loki::decode_push_json(json.as_bytes(), &limits).unwrap();
    assert!(got.is_complete(), "{:?}", got.error_message());
    assert_eq!(got.accepted_records, logs.len());
    assert_eq!(got.accepted, expected_streams(&logs));
    assert!(
        got.accepted
            .iter()
            .flat_map(|s| &s.lines)
            .any(|l| l.structured_metadata.contains_key("trace_id"))
    );

    let proto = loki::encode_push_proto(&got.accepted);
    let again = loki::decode_push_proto(&proto, &limits).unwrap();
    assert_eq!(again, got, "protobuf and JSON decode to the same streams");
}

fn expected_span(s: &SpanRecord, resource: &Arc<Attributes>) -> Span {
    Span {
        trace_id: s.trace_id.to_string(),
        span_id: s.span_id.to_string(),
        parent_span_id: s.parent_span_id.map(|p| p.to_string()),
        service_name: s.resource.service_name.to_string(),
        name: s.name.clone(),
        kind: match s.kind {
            loqui_demo::SpanKind::Internal => SpanKind::Internal,
            loqui_demo::SpanKind::Server => SpanKind::Server,
            loqui_demo::SpanKind::Client => SpanKind::Client,
            loqui_demo::SpanKind::Producer => SpanKind::Producer,
            loqui_demo::SpanKind::Consumer => SpanKind::Consumer,
        },
        status: SpanStatus {
            code: match s.status {
                loqui_demo::StatusCode::Unset => StatusCode::Unset,
                loqui_demo::StatusCode::Ok => StatusCode::Ok,
                loqui_demo::StatusCode::Error => StatusCode::Error,
            },
            message: Some(s.status_message.clone()).filter(|m| !m.is_empty()),
        },
        start_ns: s.start_ns,
        duration_ns: s.duration_ns,
        attributes: attrs(&s.attributes),
        resource: Arc::clone(resource),
        events: s
            .events
            .iter()
            .map(|e| SpanEvent {
                ts_ns: e.time_ns,
                name: e.name.into(),
                attributes: attrs(&e.attributes),
            })
            .collect(),
    }
}

#[test]
fn demo_otlp_traces_arrive_whole_through_json_and_protobuf() {
    let (_, spans) = demo();
    let limits = Limits::default();
    let got =
        otlp::decode_traces_json(encode::otlp_traces_json(&spans).as_bytes(), &limits).unwrap();
    assert!(got.is_complete(), "{:?}", got.error_message());
    assert_eq!(got.accepted.len(), spans.len());
    let by_id: HashMap<&str, &Span> = got
        .accepted
        .iter()
        .map(|s| (s.span_id.as_str(), s))
        .collect();
    for s in &spans {
        let decoded = by_id[s.span_id.to_string().as_str()];
        let want = expected_span(s, &Arc::new(attrs(&s.resource.attributes)));
        assert_eq!(decoded, &want);
    }
    assert!(
        got.accepted.iter().any(|s| !s.events.is_empty())
            && got.accepted.iter().any(Span::is_error)
    );
    // Spans of one resource share one allocation.
    let shared = got
        .accepted
        .windows(2)
        .filter(|w| Arc::ptr_eq(&w[0].resource, &w[1].resource))
        .count();
    assert!(shared > spans.len() / 2);

    let proto = otlp::encode_traces_proto(&got.accepted);
    let again = otlp::decode_traces_proto(&proto, &limits).unwrap();
    assert_eq!(again, got, "protobuf and JSON decode to the same spans");
}

/// The demo's OTLP logs as the protobuf an SDK would send.
fn logs_proto(logs: &[LogRecord]) -> Vec<u8> {
    let kvs = |a: &[(&'static str, loqui_demo::AttrValue)]| -> Vec<pb::KeyValue> {
        a.iter()
            .map(|(k, v)| pb::KeyValue {
                key: k.to_string(),
                value: Some(pb::AnyValue {
                    value: Some(match attr(v) {
                        AttrValue::String(s) => pb::any_value::Value::StringValue(s),
                        AttrValue::Int(i) => pb::any_value::Value::IntValue(i),
                        AttrValue::Double(d) => pb::any_value::Value::DoubleValue(d),
                        AttrValue::Bool(b) => pb::any_value::Value::BoolValue(b),
                        other => panic!("{other:?}"),
                    }),
                }),
            })
            .collect()
    };
    let resource_logs = logs
        .iter()
        .map(|l| pb::ResourceLogs {
            resource: Some(pb::Resource {
                attributes: kvs(&l.resource.attributes),
            }),
            scope_logs: vec![pb::ScopeLogs {
                scope: Some(pb::InstrumentationScope {
                    name: "loqui-demo".into(),
                    ..Default::default()
                }),
                log_records: vec![pb::LogRecord {
                    time_unix_nano: l.time_ns as u64,
                    observed_time_unix_nano: l.time_ns as u64,
                    severity_number: i32::from(l.level.severity_number()),
                    severity_text: l.level.as_str().into(),
                    body: Some(pb::AnyValue {
                        value: Some(pb::any_value::Value::StringValue(l.line.clone())),
                    }),
                    trace_id: l.trace_id.map(|t| t.0.to_vec()).unwrap_or_default(),
                    span_id: l.span_id.map(|s| s.0.to_vec()).unwrap_or_default(),
                    ..Default::default()
                }],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        })
        .collect();
    pb::ExportLogsServiceRequest { resource_logs }.encode_to_vec()
}

#[test]
fn demo_otlp_logs_become_loki_streams_through_json_and_protobuf() {
    let (logs, _) = demo();
    let limits = Limits::default();
    let got = otlp::decode_logs_json(encode::otlp_logs_json(&logs).as_bytes(), &limits).unwrap();
    assert!(got.is_complete(), "{:?}", got.error_message());
    assert_eq!(got.accepted_records, logs.len());
    let mut by_key: HashMap<(i64, &str), (&Labels, &LogLine)> = HashMap::new();
    for s in &got.accepted {
        for l in &s.lines {
            by_key.insert((l.ts_ns, l.line.as_str()), (&s.labels, l));
        }
    }
    for r in &logs {
        let (labels, line) = by_key[&(r.time_ns, r.line.as_str())];
        assert_eq!(labels["service_name"], r.resource.service_name);
        assert_eq!(labels["k8s_pod_name"], r.resource.pod);
        assert_eq!(labels["deployment_environment"], "prod");
        assert!(
            !labels.contains_key("service_version"),
            "not an index label"
        );
        let md = &line.structured_metadata;
        assert_eq!(
            md.get("service_version").map(String::as_str),
            Some(r.resource.service_version)
        );
        assert_eq!(
            md.get("detected_level").map(String::as_str),
            Some(r.level.as_str())
        );
        assert_eq!(
            md.get("severity_text").map(String::as_str),
            Some(r.level.as_str())
        );
        assert_eq!(md.get("scope_name").map(String::as_str), Some("loqui-demo"));
        assert_eq!(
            md.get("trace_id").cloned(),
            r.trace_id.map(|t| t.to_string())
        );
        assert_eq!(md.get("span_id").cloned(), r.span_id.map(|t| t.to_string()));
    }
    let again = otlp::decode_logs_proto(&logs_proto(&logs), &limits).unwrap();
    assert_eq!(again, got, "protobuf and JSON decode to the same streams");
}

// ---- broken input ----------------------------------------------------------------------

#[test]
fn loki_json_keeps_good_lines_and_says_what_is_wrong_with_the_rest() {
    let body = br#"{"streams":[
        {"stream":{"service_name":"ok"},"values":[
            ["1795315307201044124","good line",{"trace_id":"abc"}],
            ["not-a-time","bad time"],
            ["1795315307201044125",42],
            ["1795315307201044126","too long xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
            ["1795315307201044127","bad metadata name",{"trace-id":"x"}],
            [1795315307201044128,"number timestamps are tolerated"]
        ]},
        {"stream":{},"values":[["1","no labels"],["2","no labels"]]},
        {"stream":{"1bad":"x"},"values":[["1","invalid label name"]]},
        {"stream":{"app":5},"values":[["1","label value is not a string"]]},
        {"stream":{"service_name":"ok"},"values":[["1795315307201044129","same stream, merged"]]}
    ]}"#;
    let limits = Limits {
        max_line_bytes: 40,
        ..Limits::default()
    };
    let got = loki::decode_push_json(body, &limits).unwrap();
    assert_eq!(got.accepted.len(), 1);
    let lines: Vec<&str> = got.accepted[0]
        .lines
        .iter()
        .map(|l| l.line.as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "good line",
            "number timestamps are tolerated",
            "same stream, merged"
        ]
    );
    assert_eq!(got.accepted_records, 3);
    assert_eq!(got.rejected_records, 8);
    let report: Vec<String> = got.rejections.iter().map(ToString::to_string).collect();
    let expect = [
        ("streams[0].values[1]", "not unix nanoseconds"),
        ("streams[0].values[2]", "invalid type"),
        ("streams[0].values[3]", "over the 40-byte limit"),
        ("streams[0].values[4]", "invalid label name `trace-id`"),
        ("streams[1].stream", "stream has no labels"),
        ("streams[2].stream", "invalid label name `1bad`"),
        ("streams[3]", "invalid type"),
    ];
    assert_eq!(report.len(), expect.len(), "{report:#?}");
    for (r, (path, why)) in report.iter().zip(expect) {
        assert!(
            r.starts_with(path) && r.contains(why),
            "{r} should be {path}: …{why}…"
        );
    }
    assert!(
        got.error_message()
            .unwrap()
            .starts_with("8 of 11 records rejected: streams[0].values[1]")
    );
}

#[test]
fn unreadable_bodies_and_broken_limits_fail_the_whole_request() {
    let limits = Limits::default();
    fn malformed<T>(r: Result<T, WireError>) -> bool {
        matches!(r, Err(WireError::Malformed { .. }))
    }
    assert!(malformed(loki::decode_push_json(
        b"{\"streams\":[",
        &limits
    )));
    assert!(malformed(loki::decode_push_json(
        b"{\"streams\":{}}",
        &limits
    )));
    assert!(malformed(otlp::decode_traces_json(b"not json", &limits)));
    assert!(malformed(otlp::decode_logs_json(b"[]", &limits)));

    let streams = vec![LogStream {
        labels: [("app".to_string(), "a".to_string())].into(),
        lines: (0..10)
            .map(|i| LogLine {
                ts_ns: i,
                line: format!("line {i}"),
                structured_metadata: LineLabels::new(),
                parsed: LineLabels::new(),
            })
            .collect(),
    }];
    let good = loki::encode_push_proto(&streams);
    assert!(
        malformed(loki::decode_push_proto(
            b"\xff\xff\xff\xff\xff\xff",
            &limits
        )),
        "bad snappy"
    );
    assert!(
        malformed(loki::decode_push_proto(&good[..good.len() - 3], &limits)),
        "cut snappy"
    );
    // Valid snappy around a cut protobuf.
    let raw = snap::raw::Decoder::new().decompress_vec(&good).unwrap();
    let cut = snap::raw::Encoder::new()
        .compress_vec(&raw[..raw.len() - 3])
        .unwrap();
    let err = loki::decode_push_proto(&cut, &limits).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("malformed Loki push protobuf body"),
        "{err}"
    );

    let small = Limits {
        max_body_bytes: 64,
        ..Limits::default()
    };
    let err = loki::decode_push_proto(&good, &small).unwrap_err();
    assert!(
        matches!(err, WireError::TooLarge { limit: 64, .. }),
        "{err}"
    );
    assert_eq!(err.code(), loqui_core::ErrorCode::LimitExceeded);
    let few = Limits {
        max_records: 5,
        ..Limits::default()
    };
    let err = loki::decode_push_proto(&good, &few).unwrap_err();
    assert_eq!(
        err.to_string(),
        "request holds more than 5 log lines; split it into smaller batches"
    );
    let json = br#"{"streams":[{"stream":{"a":"b"},"values":[["1","a"],["2","b"],["3","c"]]}]}"#;
    assert!(matches!(
        loki::decode_push_json(
            json,
            &Limits {
                max_records: 2,
                ..Limits::default()
            }
        ),
        Err(WireError::TooManyRecords { limit: 2, .. })
    ));
    assert!(matches!(
        loki::decode_push_json(
            json,
            &Limits {
                max_body_bytes: 10,
                ..Limits::default()
            }
        ),
        Err(WireError::TooLarge { .. })
    ));

    let spans = otlp::encode_traces_proto(&[]);
    assert!(
        otlp::decode_traces_proto(&spans, &limits)
            .unwrap()
            .accepted
            .is_empty()
    );
    assert!(
        malformed(otlp::decode_traces_proto(b"\x0a\x05\x12", &limits)),
        "cut protobuf"
    );
}

#[test]
fn loki_proto_rejects_bad_streams_and_keeps_good_ones() {
    let entry = |line: &str| loki::EntryAdapter {
        timestamp: Some(loki::Timestamp {
            seconds: 1_795_315_307,
            nanos: 5,
        }),
        line: line.into(),
        structured_metadata: vec![loki::LabelPairAdapter {
            name: "trace_id".into(),
            value: "abc".into(),
        }],
        parsed: vec![],
    };
    let req = loki::PushRequest {
        streams: vec![
            loki::StreamAdapter {
                labels: r#"{service_name="a", env="prod"}"#.into(),
                entries: vec![entry("kept")],
                hash: 0,
            },
            loki::StreamAdapter {
                labels: "{}".into(),
                entries: vec![entry("x"), entry("y")],
                hash: 0,
            },
            loki::StreamAdapter {
                labels: "service_name=a".into(),
                entries: vec![entry("z")],
                hash: 0,
            },
            loki::StreamAdapter {
                labels: r#"{service_name="a"}"#.into(),
                entries: vec![loki::EntryAdapter {
                    timestamp: Some(loki::Timestamp {
                        seconds: 1,
                        nanos: -1,
                    }),
                    ..entry("bad time")
                }],
                hash: 0,
            },
            loki::StreamAdapter {
                labels: r#"{app="checkout"}"#.into(),
                entries: vec![loki::EntryAdapter {
                    line: b"latin-1 caf\xe9".to_vec(),
                    ..entry("")
                }],
                hash: 0,
            },
        ],
        format: String::new(),
    };
    let body = snap::raw::Encoder::new()
        .compress_vec(&req.encode_to_vec())
        .unwrap();
    let got = loki::decode_push_proto(&body, &Limits::default()).unwrap();
    assert_eq!(got.accepted.len(), 2);
    assert_eq!(got.accepted[0].labels["env"], "prod");
    // Like Loki: a stream without service_name gets one from `app`; odd bytes do not sink the batch.
    assert_eq!(got.accepted[1].labels["service_name"], "checkout");
    assert_eq!(got.accepted[1].lines[0].line, "latin-1 caf\u{fffd}");
    assert_eq!(got.accepted[0].lines[0].ts_ns, 1_795_315_307_000_000_005);
    assert_eq!(
        got.accepted[0].lines[0].structured_metadata["trace_id"],
        "abc"
    );
    assert_eq!(got.rejected_records, 4);
    let paths: Vec<&str> = got.rejections.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "streams[1].labels",
            "streams[2].labels",
            "streams[3].entries[0]"
        ]
    );
    assert!(
        got.rejections[1].reason.contains("expected braces"),
        "{}",
        got.rejections[1].reason
    );
}

#[test]
fn otlp_json_tolerates_what_real_senders_write_and_rejects_bad_spans_alone() {
    let body = br#"{"resourceSpans":[
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gw"}}]},
       "scopeSpans":[{"scope":{"name":"s"},"spans":[
         {"traceId":"6934B484E73CF575DCAD6BA2B0AEE0CA","spanId":"923732881584d8c4","name":"hex ids",
          "kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1795313998923033948","endTimeUnixNano":1795313998923034948,
          "attributes":[{"key":"i","value":{"intValue":502}},{"key":"s","value":{"intValue":"7"}},
                        {"key":"nan","value":{"doubleValue":"NaN"}},{"key":"empty","value":{}},
                        {"key":"arr","value":{"arrayValue":{"values":[{"boolValue":true}]}}},
                        {"key":"kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"bytesValue":"AAE="}}]}}}],
          "status":{"code":2,"message":"boom"},"parentSpanId":""},
         {"traceId":"aTS0hOc89XXcrWuisK7gyg==","spanId":"kjcyiBWE2MQ=","parentSpanId":null,"name":"base64 ids",
          "startTimeUnixNano":"1795313998923033948","endTimeUnixNano":"1795313998923033948","events":null,"status":{}},
         {"traceId":"6934b484","spanId":"923732881584d8c4","startTimeUnixNano":"1","endTimeUnixNano":"2"},
         {"traceId":"00000000000000000000000000000000","spanId":"923732881584d8c4","startTimeUnixNano":"1","endTimeUnixNano":"2"},
         {"traceId":"6934b484e73cf575dcad6ba2b0aee0ca","spanId":"923732881584d8c4","startTimeUnixNano":"5","endTimeUnixNano":"2"},
         {"traceId":"6934b484e73cf575dcad6ba2b0aee0ca","spanId":"923732881584d8c4","name":5,"startTimeUnixNano":"1","endTimeUnixNano":"2"},
         {"traceId":"6934b484e73cf575dcad6ba2b0aee0ca","spanId":"923732881584d8c4","kind":"SPAN_KIND_BOGUS","startTimeUnixNano":"1","endTimeUnixNano":"2"},
         {"traceId":"6934b484e73cf575dcad6ba2b0aee0ca","spanId":"923732881584d8c4"}
       ]}]},
      {"resource":{"attributes":"oops"},"scopeSpans":[{"spans":[{},{}]}]}
    ]}"#;
    let got = otlp::decode_traces_json(body, &Limits::default()).unwrap();
    let names: Vec<&str> = got.accepted.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["hex ids", "base64 ids"]);
    let a = &got.accepted[0];
    assert_eq!(a.trace_id, "6934b484e73cf575dcad6ba2b0aee0ca");
    assert_eq!(
        (a.kind, a.status.code, a.duration_ns),
        (SpanKind::Server, StatusCode::Error, 1000)
    );
    assert_eq!(a.parent_span_id, None);
    assert_eq!(a.service_name, "gw");
    assert_eq!(a.attributes["i"], AttrValue::Int(502));
    assert_eq!(a.attributes["s"], AttrValue::Int(7));
    assert!(matches!(a.attributes["nan"], AttrValue::Double(d) if d.is_nan()));
    assert_eq!(a.attributes["empty"], AttrValue::String(String::new()));
    assert_eq!(
        a.attributes["arr"],
        AttrValue::Array(vec![AttrValue::Bool(true)])
    );
    assert_eq!(a.attributes["kv"].to_string(), "{a=AAE=}");
    assert_eq!(
        got.accepted[1].trace_id, a.trace_id,
        "base64 and hex ids agree"
    );
    assert_eq!(got.accepted[1].span_id, a.span_id);

    let reasons: Vec<String> = got.rejections.iter().map(ToString::to_string).collect();
    let expect = [
        (
            "resourceSpans[0].scopeSpans[0].spans[2]",
            "traceId `6934b484` is neither 32 hex digits",
        ),
        (
            "resourceSpans[0].scopeSpans[0].spans[3]",
            "traceId is all zeros",
        ),
        (
            "resourceSpans[0].scopeSpans[0].spans[4]",
            "is before startTimeUnixNano",
        ),
        ("resourceSpans[0].scopeSpans[0].spans[5]", "invalid type"),
        (
            "resourceSpans[0].scopeSpans[0].spans[6]",
            "unknown enum value `SPAN_KIND_BOGUS`",
        ),
        (
            "resourceSpans[0].scopeSpans[0].spans[7]",
            "startTimeUnixNano is missing",
        ),
        ("resourceSpans[1]", "invalid type"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:#?}");
    for (r, (path, why)) in reasons.iter().zip(expect) {
        assert!(
            r.starts_with(path) && r.contains(why),
            "{r} should be {path}: …{why}…"
        );
    }
    assert_eq!(
        got.rejected_records, 8,
        "the broken resource's two spans count"
    );

    let response: serde_json::Value =
        serde_json::from_slice(&otlp::encode_traces_response_json(&got)).unwrap();
    assert_eq!(response["partialSuccess"]["rejectedSpans"], "8");
    assert!(
        response["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("8 of 10 records rejected")
    );
    let proto =
        pb::ExportTraceServiceResponse::decode(otlp::encode_traces_response_proto(&got).as_slice())
            .unwrap();
    assert_eq!(proto.partial_success.unwrap().rejected_spans, 8);

    let all_good =
        otlp::decode_traces_json(br#"{"resourceSpans":[]}"#, &Limits::default()).unwrap();
    assert_eq!(otlp::encode_traces_response_json(&all_good), b"{}");
    assert!(otlp::encode_traces_response_proto(&all_good).is_empty());
    assert_eq!(otlp::encode_logs_response_json(&all_good), b"{}");
}

#[test]
fn otlp_protobuf_rejects_spans_with_wrong_id_lengths() {
    let span = |trace_id: Vec<u8>, name: &str| pb::Span {
        trace_id,
        span_id: vec![1; 8],
        name: name.into(),
        start_time_unix_nano: 10,
        end_time_unix_nano: 20,
        ..Default::default()
    };
    let req = pb::ExportTraceServiceRequest {
        resource_spans: vec![pb::ResourceSpans {
            resource: None,
            scope_spans: vec![pb::ScopeSpans {
                scope: None,
                spans: vec![
                    span(vec![7; 16], "good"),
                    span(vec![7; 15], "short id"),
                    span(vec![], "no id"),
                ],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    let got = otlp::decode_traces_proto(&req.encode_to_vec(), &Limits::default()).unwrap();
    assert_eq!(got.accepted.len(), 1);
    assert_eq!(got.accepted[0].trace_id, "07".repeat(16));
    assert_eq!(got.accepted[0].service_name, "");
    assert_eq!(
        got.rejections[0].reason,
        "traceId has 15 bytes; it must have 16"
    );
    assert_eq!(got.rejections[1].reason, "traceId is missing");
}

#[test]
fn otlp_logs_map_like_loki_and_reject_bad_records() {
    let body = br#"{"resourceLogs":[{"resource":{"attributes":[
        {"key":"k8s.namespace.name","value":{"stringValue":"shop"}},
        {"key":"host.name","value":{"stringValue":"node-1"}}]},
      "scopeLogs":[{"logRecords":[
        {"timeUnixNano":"1795315307201044124","severityText":"WARNING","body":{"stringValue":"disk almost full"},
         "attributes":[{"key":"disk.free","value":{"intValue":"12"}}],"traceId":"6934b484e73cf575dcad6ba2b0aee0ca"},
        {"observedTimeUnixNano":"1795315307201044125","severityNumber":"SEVERITY_NUMBER_ERROR","body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"x"}}]}}},
        {"body":{"stringValue":"no time"}},
        {"timeUnixNano":"1","spanId":"zz"}
      ]}]}]}"#;
    let got = otlp::decode_logs_json(body, &Limits::default()).unwrap();
    assert_eq!(got.accepted.len(), 1);
    let s = &got.accepted[0];
    assert_eq!(
        s.labels,
        [
            ("k8s_namespace_name".to_string(), "shop".to_string()),
            ("service_name".into(), "unknown_service".into())
        ]
        .into()
    );
    let first = &s.lines[0];
    assert_eq!(first.line, "disk almost full");
    let md = &first.structured_metadata;
    assert_eq!(
        (md["detected_level"].as_str(), md["severity_text"].as_str()),
        ("warn", "WARNING")
    );
    assert_eq!(
        (md["host_name"].as_str(), md["disk_free"].as_str()),
        ("node-1", "12")
    );
    assert_eq!(md["trace_id"], "6934b484e73cf575dcad6ba2b0aee0ca");
    let second = &s.lines[1];
    assert_eq!(
        second.ts_ns, 1_795_315_307_201_044_125,
        "observed time stands in for a missing time"
    );
    assert_eq!(second.line, r#"{"msg":"x"}"#);
    assert_eq!(second.structured_metadata["detected_level"], "error");
    assert_eq!(
        second.structured_metadata["severity_number"],
        "SEVERITY_NUMBER_ERROR"
    );
    assert_eq!(got.rejected_records, 2);
    assert!(got.rejections[0].reason.contains("set the record's time"));
    assert!(got.rejections[1].reason.contains("spanId `zz`"));
}
