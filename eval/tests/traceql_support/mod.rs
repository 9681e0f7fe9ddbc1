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
