//! Synthetic records for the store's tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use loqui_core::{
    AttrValue, Labels, LogLine, LogStream, Span, SpanEvent, SpanKind, SpanStatus, StatusCode,
};
use loqui_store::{Durability, Store, StoreConfig};

pub const T0: i64 = 1_763_800_000_000_000_000;
pub const SERVICES: &[&str] = &["api", "cart", "checkout", "db-proxy", "payments"];
pub const WORDS: &[&str] = &[
    "timeout", "connect", "user", "order", "GET", "POST", "failed", "ok", "retry", "cache", "miss",
    "db", "Error", "latency",
];

pub fn open(dir: &std::path::Path) -> Store {
    let mut cfg = StoreConfig::new(dir);
    cfg.durability = Durability::WalNoSync;
    cfg.commit_interval = None;
    Store::open(&cfg).expect("store opens")
}

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn line(ts_ns: i64, text: &str) -> LogLine {
    LogLine {
        ts_ns,
        line: text.to_string(),
        structured_metadata: Default::default(),
        parsed: Default::default(),
    }
}

/// Random streams over `[T0, T0 + span_ns)`, with random words and some metadata.
pub fn random_logs(
    rng: &mut fastrand::Rng,
    streams: usize,
    lines: usize,
    span_ns: i64,
) -> Vec<LogStream> {
    (0..streams)
        .map(|i| {
            let svc = SERVICES[i % SERVICES.len()];
            let level = ["info", "warn", "error"][rng.usize(0..3)];
            let labels = labels(&[
                ("service_name", svc),
                ("level", level),
                ("pod", &format!("p{i}")),
            ]);
            let lines = (0..lines)
                .map(|_| {
                    let n = rng.usize(1..6);
                    let words: Vec<String> = (0..n)
                        .map(|_| {
                            let w = WORDS[rng.usize(0..WORDS.len())];
                            match rng.u8(0..4) {
                                0 => format!("{w}{}", rng.u8(0..3)),
                                1 => format!("x{w}"),
                                _ => w.to_string(),
                            }
                        })
                        .collect();
                    let sep = [" ", "=", ": ", "/"][rng.usize(0..4)];
                    let mut l = line(T0 + rng.i64(0..span_ns), &words.join(sep));
                    if rng.bool() {
                        l.structured_metadata
                            .insert("trace_id", format!("{:032x}", rng.u8(0..8)));
                    }
                    l
                })
                .collect();
            LogStream { labels, lines }
        })
        .collect()
}

pub fn span(trace: u64, id: u64, parent: Option<u64>, start: i64, svc: &str) -> Span {
    let mut attributes: BTreeMap<String, AttrValue> = BTreeMap::new();
    attributes.insert(
        "http.route".into(),
        AttrValue::String(format!("/r{}", id % 3)),
    );
    attributes.insert(
        "http.response.status_code".into(),
        AttrValue::Int([200, 404, 500][id as usize % 3]),
    );
    attributes.insert("retry".into(), AttrValue::Bool(id % 2 == 0));
    attributes.insert("ratio".into(), AttrValue::Double(id as f64 / 7.0));
    attributes.insert(
        "blob".into(),
        AttrValue::Bytes {
            base64: "AAE=".into(),
        },
    );
    attributes.insert(
        "tags".into(),
        AttrValue::Array(vec![AttrValue::Int(1), AttrValue::String("a".into())]),
    );
    let mut resource: BTreeMap<String, AttrValue> = BTreeMap::new();
    resource.insert("service.name".into(), AttrValue::String(svc.into()));
    resource.insert(
        "k8s.namespace".into(),
        AttrValue::String(format!("ns{}", trace % 2)),
    );
    Span {
        trace_id: format!("{trace:032x}"),
        span_id: format!("{id:016x}"),
        parent_span_id: parent.map(|p| format!("{p:016x}")),
        service_name: svc.into(),
        name: format!("op{}", id % 4),
        kind: [SpanKind::Server, SpanKind::Client, SpanKind::Internal][id as usize % 3],
        status: SpanStatus {
            code: [StatusCode::Unset, StatusCode::Ok, StatusCode::Error][(id as usize / 3) % 3],
            message: (id % 5 == 0).then(|| "boom".to_string()),
        },
        start_ns: start,
        duration_ns: (id as i64 % 10) * 1_000_000,
        attributes: attributes.into_iter().collect(),
        resource: Arc::new(resource.into_iter().collect()),
        events: vec![SpanEvent {
            ts_ns: start + 1,
            name: "exception".into(),
            attributes: [(
                "exception.message".to_string(),
                AttrValue::String("x".into()),
            )]
            .into_iter()
            .collect(),
        }],
    }
}

/// `traces` traces of 1 to 6 spans each, spread over `[T0, T0 + span_ns)`.
pub fn random_spans(rng: &mut fastrand::Rng, traces: u64, span_ns: i64) -> Vec<Span> {
    let mut out = Vec::new();
    let mut id = 1;
    for t in 1..=traces {
        let start = T0 + rng.i64(0..span_ns);
        let root = id;
        for i in 0..rng.u64(1..7) {
            let svc = SERVICES[rng.usize(0..SERVICES.len())];
            let parent = (i > 0).then_some(root);
            out.push(span(t, id, parent, start + i as i64 * 1000, svc));
            id += 1;
        }
    }
    out
}
