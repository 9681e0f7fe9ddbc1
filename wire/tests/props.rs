//! Property tests: for any values loqui can hold, encoding then decoding gives them back, on
//! every path (push JSON and protobuf, query answers through loqui's client decoders).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use loqui_adapters::decode;
use loqui_core::{
    AttrValue, Attributes, Labels, LineLabels, LogLine, LogQueryResult, LogStream, QueryData,
    QueryStats, Span, SpanEvent, SpanKind, SpanStatus, StatusCode, Trace,
};
use loqui_wire::{Limits, loki, otlp, tempo};
use proptest::prelude::*;
use serde_json::json;

fn label_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}"
}

fn labels() -> impl Strategy<Value = Labels> {
    // service_name is always set, so Loki's service-name discovery leaves the set unchanged.
    (
        prop::collection::btree_map(label_name(), ".{0,12}", 0..4),
        "[a-z-]{1,12}",
    )
        .prop_map(|(mut l, service)| {
            l.insert("service_name".into(), service);
            l
        })
}

fn line_labels() -> impl Strategy<Value = LineLabels> {
    prop::collection::btree_map(label_name(), ".{0,12}", 0..3).prop_map(|m| m.into_iter().collect())
}

fn lines() -> impl Strategy<Value = Vec<LogLine>> {
    prop::collection::vec(
        (any::<i64>(), ".{0,40}", line_labels(), line_labels()),
        1..5,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(ts_ns, line, structured_metadata, parsed)| LogLine {
                ts_ns,
                line,
                structured_metadata,
                parsed,
            })
            .collect()
    })
}

/// Streams with distinct label sets (a push merges equal ones).
fn streams() -> impl Strategy<Value = Vec<LogStream>> {
    prop::collection::btree_map(labels(), lines(), 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(labels, lines)| LogStream { labels, lines })
            .collect()
    })
}

fn push_json(streams: &[LogStream]) -> Vec<u8> {
    let streams: Vec<_> = streams
        .iter()
        .map(|s| {
            let values: Vec<_> = s
                .lines
                .iter()
                .map(|l| json!([l.ts_ns.to_string(), l.line, l.structured_metadata]))
                .collect();
            json!({"stream": s.labels, "values": values})
        })
        .collect();
    serde_json::to_vec(&json!({ "streams": streams })).unwrap()
}

fn without_parsed(mut streams: Vec<LogStream>) -> Vec<LogStream> {
    for s in &mut streams {
        for l in &mut s.lines {
            l.parsed = LineLabels::new();
        }
    }
    streams
}

fn hex(n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), n)
        .prop_filter("ids are not all zeros", |b| b.iter().any(|&x| x != 0))
        .prop_map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
}

fn attr_value() -> impl Strategy<Value = AttrValue> {
    let leaf = prop_oneof![
        ".{0,10}".prop_map(AttrValue::String),
        any::<i64>().prop_map(AttrValue::Int),
        (-1e18f64..1e18).prop_map(AttrValue::Double),
        any::<bool>().prop_map(AttrValue::Bool),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(|b| AttrValue::Bytes {
            base64: base64::engine::general_purpose::STANDARD.encode(b)
        }),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(AttrValue::Array),
            prop::collection::btree_map("[a-z.]{1,6}", inner, 0..3)
                .prop_map(|m| AttrValue::KvList(m.into_iter().collect())),
        ]
    })
}

fn attributes() -> impl Strategy<Value = Attributes> {
    prop::collection::btree_map("[a-z.]{1,8}", attr_value(), 0..4)
        .prop_map(|m: BTreeMap<String, AttrValue>| m.into_iter().collect())
}

fn span() -> impl Strategy<Value = Span> {
    let kinds = prop::sample::select(vec![
        SpanKind::Unspecified,
        SpanKind::Internal,
        SpanKind::Server,
        SpanKind::Client,
        SpanKind::Producer,
        SpanKind::Consumer,
    ]);
    let codes = prop::sample::select(vec![StatusCode::Unset, StatusCode::Ok, StatusCode::Error]);
    (
        (hex(16), hex(8), prop::option::of(hex(8)), ".{0,10}", kinds),
        (
            codes,
            prop::option::of(".{1,10}"),
            1..i64::MAX / 2,
            0..1_000_000_000_000i64,
        ),
        (attributes(), attributes(), "[a-z-]{1,10}"),
        prop::collection::vec((0..i64::MAX / 2, ".{0,6}", attributes()), 0..2),
    )
        .prop_map(
            |(
                (trace_id, span_id, parent, name, kind),
                (code, message, start, dur),
                (attrs, mut res, service),
                events,
            )| {
                res.insert("service.name", AttrValue::String(service.clone()));
                Span {
                    trace_id,
                    span_id,
                    parent_span_id: parent,
                    service_name: service,
                    name,
                    kind,
                    status: SpanStatus { code, message },
                    start_ns: start,
                    duration_ns: dur,
                    attributes: attrs,
                    resource: Arc::new(res),
                    events: events
                        .into_iter()
                        .map(|(ts_ns, name, attributes)| SpanEvent {
                            ts_ns,
                            name,
                            attributes,
                        })
                        .collect(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn loki_push_json_and_protobuf_give_back_the_streams(streams in streams()) {
        let want = without_parsed(streams);
        let limits = Limits::default();
        let got = loki::decode_push_json(&push_json(&want), &limits).unwrap();
        prop_assert!(got.is_complete(), "{:?}", got.error_message());
        let want: Vec<LogStream> = want.into_iter().filter(|s| !s.lines.is_empty()).collect();
        prop_assert_eq!(&got.accepted, &want);
        let again = loki::decode_push_proto(&loki::encode_push_proto(&want), &limits).unwrap();
        prop_assert_eq!(again.accepted, want);
    }

    #[test]
    fn categorized_query_answers_round_trip_through_the_client(streams in streams()) {
        let total_lines = streams.iter().map(|s| s.lines.len()).sum();
        let input = LogQueryResult {
            data: QueryData::Streams(streams),
            truncated: false,
            total_lines,
            stats: QueryStats { lines_processed: Some(1), bytes_processed: Some(2), exec_time_s: Some(0.5) },
        };
        let back = decode::loki_query(&loki::encode_query_result(&input, true)).unwrap();
        prop_assert_eq!(back, input);
    }

    #[test]
    fn spans_round_trip_through_tempo_answers_and_otlp_ingest(spans in prop::collection::vec(span(), 1..5)) {
        let trace = Trace { trace_id: spans[0].trace_id.clone(), total_spans: spans.len(), spans, truncated: false };
        for body in [tempo::encode_trace_v1(&trace), tempo::encode_trace_v2(&trace)] {
            let back = decode::tempo_trace(&body).unwrap();
            prop_assert_eq!(&back.spans, &trace.spans);
        }
        // Tempo's v2 answer is OTLP JSON with base64 ids, which the ingest side accepts too.
        let v2: serde_json::Value = serde_json::from_slice(&tempo::encode_trace_v2(&trace)).unwrap();
        let otlp_json = serde_json::to_vec(&v2["trace"]).unwrap();
        let limits = Limits::default();
        let from_json = otlp::decode_traces_json(&otlp_json, &limits).unwrap();
        prop_assert!(from_json.is_complete(), "{:?}", from_json.error_message());
        let from_proto = otlp::decode_traces_proto(&otlp::encode_traces_proto(&trace.spans), &limits).unwrap();
        let mut want = trace.spans.clone();
        let key = |s: &Span| (s.span_id.clone(), s.start_ns);
        want.sort_by_key(key);
        for mut got in [from_json.accepted, from_proto.accepted] {
            got.sort_by_key(key);
            prop_assert_eq!(&got, &want);
        }
    }

    #[test]
    fn label_text_round_trips(labels in labels()) {
        let text = loqui_wire::format_labels(&labels);
        prop_assert_eq!(loqui_wire::parse_labels(&text).unwrap(), labels);
    }
}
