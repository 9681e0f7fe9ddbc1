//! The stored form of a span. core's `AttrValue` serializes untagged, which cannot tell an
//! `{"base64": ..}` bytes value from a one-key map, nor keep NaN; this form is tagged and
//! keeps doubles as bits, so a span comes back exactly as it went in.

use std::sync::Arc;

use loqui_core::{AttrValue, Attributes, Span, SpanEvent, SpanKind, SpanStatus};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
enum A {
    S(String),
    I(i64),
    D(u64),
    B(bool),
    L(Vec<A>),
    K(Vec<(String, A)>),
    X(String),
}

type Map = Vec<(String, A)>;

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredSpan {
    t: String,
    s: String,
    p: Option<String>,
    v: String,
    n: String,
    k: SpanKind,
    st: SpanStatus,
    b: i64,
    d: i64,
    a: Vec<(String, A)>,
    r: Vec<(String, A)>,
    e: Vec<(i64, String, Map)>,
}

fn enc(v: &AttrValue) -> A {
    match v {
        AttrValue::String(s) => A::S(s.clone()),
        AttrValue::Int(i) => A::I(*i),
        AttrValue::Double(d) => A::D(d.to_bits()),
        AttrValue::Bool(b) => A::B(*b),
        AttrValue::Array(items) => A::L(items.iter().map(enc).collect()),
        AttrValue::KvList(kv) => A::K(enc_map(kv)),
        AttrValue::Bytes { base64 } => A::X(base64.clone()),
    }
}

fn dec(a: A) -> AttrValue {
    match a {
        A::S(s) => AttrValue::String(s),
        A::I(i) => AttrValue::Int(i),
        A::D(d) => AttrValue::Double(f64::from_bits(d)),
        A::B(b) => AttrValue::Bool(b),
        A::L(items) => AttrValue::Array(items.into_iter().map(dec).collect()),
        A::K(kv) => AttrValue::KvList(dec_map(kv)),
        A::X(base64) => AttrValue::Bytes { base64 },
    }
}

fn enc_map(m: &Attributes) -> Vec<(String, A)> {
    m.iter().map(|(k, v)| (k.to_owned(), enc(v))).collect()
}

fn dec_map(m: Vec<(String, A)>) -> Attributes {
    m.into_iter().map(|(k, v)| (k, dec(v))).collect()
}

impl StoredSpan {
    pub(crate) fn from_span(s: &Span) -> Self {
        Self {
            t: s.trace_id.clone(),
            s: s.span_id.clone(),
            p: s.parent_span_id.clone(),
            v: s.service_name.clone(),
            n: s.name.clone(),
            k: s.kind,
            st: s.status.clone(),
            b: s.start_ns,
            d: s.duration_ns,
            a: enc_map(&s.attributes),
            r: enc_map(&s.resource),
            e: s.events
                .iter()
                .map(|e| (e.ts_ns, e.name.clone(), enc_map(&e.attributes)))
                .collect(),
        }
    }

    pub(crate) fn into_span(self) -> Span {
        Span {
            trace_id: self.t,
            span_id: self.s,
            parent_span_id: self.p,
            service_name: self.v,
            name: self.n,
            kind: self.k,
            status: self.st,
            start_ns: self.b,
            duration_ns: self.d,
            attributes: dec_map(self.a),
            resource: Arc::new(dec_map(self.r)),
            events: self
                .e
                .into_iter()
                .map(|(ts_ns, name, a)| SpanEvent {
                    ts_ns,
                    name,
                    attributes: dec_map(a),
                })
                .collect(),
        }
    }
}
