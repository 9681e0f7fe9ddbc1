//! Shared helpers of the TraceQL evaluator tests: the fixture data set and readers of the
//! captured Tempo answers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use loqui_core::{Span, TimeRange};
use loqui_eval::traceql::VecTraceInput;
use loqui_query::traceql::Expr;
use serde_json::Value;

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tempo")
}

/// The 355 spans of the fixture data set (see `dump_spans.py`).
pub fn fixture_spans() -> Vec<Span> {
    let text = std::fs::read_to_string(fixture_dir().join("spans.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub fn fixture_input() -> VecTraceInput {
    VecTraceInput::from_spans(fixture_spans())
}

pub fn response(name: &str) -> Value {
    let text =
        std::fs::read_to_string(fixture_dir().join(format!("{name}.response.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `PARAM k=v` lines of a captured request.
pub fn params(name: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(fixture_dir().join(format!("{name}.request.txt"))).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("PARAM "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn query(name: &str) -> Expr {
    parse(&params(name)["q"])
}

pub fn parse(q: &str) -> Expr {
    let p = loqui_query::traceql::parse(q);
    assert!(p.diagnostics.is_empty(), "{q}: {:?}", p.diagnostics);
    p.tree.unwrap()
}

pub fn range(name: &str) -> TimeRange {
    let p = params(name);
    TimeRange::from_secs(p["start"].parse().unwrap(), p["end"].parse().unwrap())
}

/// A Tempo AnyValue as text (`{"intValue":"500"}` -> `500`).
pub fn any_value_text(v: &Value) -> String {
    let (_, inner) = v.as_object().unwrap().iter().next().unwrap();
    match inner {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Start of the hand-built traces, in unix nanoseconds.
pub const T0: i64 = 1_700_000_000_000_000_000;

pub fn tid(n: u32) -> String {
    format!("{n:032x}")
}

pub fn sid(n: u32) -> String {
    format!("{n:016x}")
}

/// A span of trace `trace` with id `id`: name `s<id>`, service `svc`, server kind, unset status,
/// starting `id` ms after [`T0`] and lasting 10 ms.
pub fn span(trace: u32, id: u32, parent: Option<u32>) -> Span {
    let mut resource = loqui_core::Attributes::new();
    resource.insert("service.name", loqui_core::AttrValue::String("svc".into()));
    Span {
        trace_id: tid(trace),
        span_id: sid(id),
        parent_span_id: parent.map(sid),
        service_name: "svc".into(),
        name: format!("s{id}"),
        kind: loqui_core::SpanKind::Server,
        status: Default::default(),
        start_ns: T0 + i64::from(id) * 1_000_000,
        duration_ns: 10_000_000,
        attributes: Default::default(),
        resource: std::sync::Arc::new(resource),
        events: Vec::new(),
    }
}

pub fn set_service(s: &mut Span, service: &str) {
    s.service_name = service.into();
    let mut r = (*s.resource).clone();
    r.insert(
        "service.name",
        loqui_core::AttrValue::String(service.into()),
    );
    s.resource = std::sync::Arc::new(r);
}

/// A range around every hand-built trace.
pub fn wide() -> TimeRange {
    TimeRange {
        start_ns: T0 - 3_600_000_000_000,
        end_ns: T0 + 3_600_000_000_000,
    }
}

/// Ids of every span a search matched, sorted (all spans shown: spss is unbounded).
pub fn matched(q: &str, spans: &[Span]) -> Vec<String> {
    let input = VecTraceInput::from_spans(spans.to_vec());
    let r = loqui_eval::traceql::search(&parse(q), &input, wide(), usize::MAX, usize::MAX).unwrap();
    let mut ids: Vec<String> = r
        .traces
        .iter()
        .flat_map(|t| t.spans.iter().map(|s| s.span_id.clone()))
        .collect();
    ids.sort();
    ids
}

/// Span ids by their numbers, sorted, for comparing with [`matched`].
pub fn ids(ns: &[u32]) -> Vec<String> {
    let mut v: Vec<String> = ns.iter().map(|&n| sid(n)).collect();
    v.sort();
    v
}
