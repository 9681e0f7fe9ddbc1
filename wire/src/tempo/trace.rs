//! Trace by id: v1 `GET /api/traces/<id>` and v2 `GET /api/v2/traces/<id>`.
//!
//! Not found: v1 is a 404 with an empty body (the server's job); v2 is a 200 with
//! `{"trace":{},"metrics":{}}`, which [`encode_trace_v2`] writes for a trace without spans.

use std::sync::Arc;

use loqui_core::{Attributes, Span, SpanKind, StatusCode, Trace};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};

use super::any::Kvs;
use crate::ids::hex_to_base64;

/// `{"batches":[…]}`.
pub fn encode_trace_v1(trace: &Trace) -> Vec<u8> {
    #[derive(Serialize)]
    struct V1<'a> {
        batches: Vec<Batch<'a>>,
    }
    serde_json::to_vec(&V1 {
        batches: batches(&trace.spans),
    })
    .expect("traces serialize")
}

/// `{"trace":{"resourceSpans":[…]},"metrics":{}}`.
pub fn encode_trace_v2(trace: &Trace) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner<'a> {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        resource_spans: Vec<Batch<'a>>,
    }
    #[derive(Serialize)]
    struct V2<'a> {
        trace: Inner<'a>,
        metrics: Empty,
    }
    serde_json::to_vec(&V2 {
        trace: Inner {
            resource_spans: batches(&trace.spans),
        },
        metrics: Empty {},
    })
    .expect("traces serialize")
}

#[derive(Serialize)]
struct Empty {}

/// Spans of one resource, in order of first appearance.
struct Batch<'a> {
    resource: &'a Attributes,
    spans: Vec<&'a Span>,
}

fn batches(spans: &[Span]) -> Vec<Batch<'_>> {
    let mut out: Vec<Batch<'_>> = Vec::new();
    for span in spans {
        let res: &Arc<Attributes> = &span.resource;
        match out
            .iter_mut()
            .find(|b| std::ptr::eq(b.resource, &**res) || *b.resource == **res)
        {
            Some(b) => b.spans.push(span),
            None => out.push(Batch {
                resource: res,
                spans: vec![span],
            }),
        }
    }
    out
}

impl Serialize for Batch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Resource<'a> {
            attributes: Kvs<'a>,
        }
        #[derive(Serialize)]
        struct ScopeSpans<'a> {
            scope: Empty,
            spans: Vec<SpanOut<'a>>,
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(
            "resource",
            &Resource {
                attributes: Kvs(self.resource),
            },
        )?;
        let scope = ScopeSpans {
            scope: Empty {},
            spans: self.spans.iter().map(|s| SpanOut(s)).collect(),
        };
        m.serialize_entry("scopeSpans", &[scope])?;
        m.end()
    }
}

struct SpanOut<'a>(&'a Span);

pub(crate) fn kind_name(k: SpanKind) -> Option<&'static str> {
    Some(match k {
        SpanKind::Unspecified => return None,
        SpanKind::Internal => "SPAN_KIND_INTERNAL",
        SpanKind::Server => "SPAN_KIND_SERVER",
        SpanKind::Client => "SPAN_KIND_CLIENT",
        SpanKind::Producer => "SPAN_KIND_PRODUCER",
        SpanKind::Consumer => "SPAN_KIND_CONSUMER",
    })
}

impl Serialize for SpanOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let span = self.0;
        let mut st = s.serialize_struct("Span", 10)?;
        st.serialize_field("traceId", &hex_to_base64(&span.trace_id))?;
        st.serialize_field("spanId", &hex_to_base64(&span.span_id))?;
        if let Some(p) = &span.parent_span_id {
            st.serialize_field("parentSpanId", &hex_to_base64(p))?;
        }
        st.serialize_field("name", &span.name)?;
        if let Some(kind) = kind_name(span.kind) {
            st.serialize_field("kind", kind)?;
        }
        st.serialize_field("startTimeUnixNano", &span.start_ns.to_string())?;
        st.serialize_field("endTimeUnixNano", &span.end_ns().to_string())?;
        if !span.attributes.is_empty() {
            st.serialize_field("attributes", &Kvs(&span.attributes))?;
        }
        if !span.events.is_empty() {
            let events: Vec<EventOut<'_>> = span.events.iter().map(EventOut).collect();
            st.serialize_field("events", &events)?;
        }
        st.serialize_field("status", &StatusOut(span))?;
        st.end()
    }
}

struct EventOut<'a>(&'a loqui_core::SpanEvent);

impl Serialize for EventOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut st = s.serialize_struct("Event", 3)?;
        st.serialize_field("timeUnixNano", &e.ts_ns.to_string())?;
        st.serialize_field("name", &e.name)?;
        if !e.attributes.is_empty() {
            st.serialize_field("attributes", &Kvs(&e.attributes))?;
        }
        st.end()
    }
}

/// `{}` for an unset status without message, as Tempo writes it.
struct StatusOut<'a>(&'a Span);

impl Serialize for StatusOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let status = &self.0.status;
        let mut m = s.serialize_map(None)?;
        if let Some(msg) = status.message.as_deref().filter(|m| !m.is_empty()) {
            m.serialize_entry("message", msg)?;
        }
        match status.code {
            StatusCode::Unset => {}
            StatusCode::Ok => m.serialize_entry("code", "STATUS_CODE_OK")?,
            StatusCode::Error => m.serialize_entry("code", "STATUS_CODE_ERROR")?,
        }
        m.end()
    }
}
