//! `POST /v1/traces`: `ExportTraceServiceRequest` as JSON or protobuf into loqui spans.

use std::sync::Arc;

use loqui_core::{AttrValue, Attributes, Span, SpanEvent, SpanKind, SpanStatus, StatusCode};
use prost::Message as _;

use super::json::{ResourceSpansJson, SpanJson, TracesJson, count_inner};
use super::proto::{self, ExportTraceServiceRequest};
use super::value::{attributes, key_values};
use crate::ids::{hex_to_base64, id_from_bytes, id_from_text, required};
use crate::push::json_object;
use crate::{Limits, PushOutcome, WireError};

const JSON: &str = "OTLP traces JSON";
const PROTO: &str = "OTLP traces protobuf";

/// What a span is made of, whichever encoding it came in.
struct Parts {
    trace_id: Result<Option<String>, String>,
    span_id: Result<Option<String>, String>,
    parent: Result<Option<String>, String>,
    name: String,
    kind: i32,
    start: u64,
    end: u64,
    attributes: Attributes,
    events: Vec<SpanEvent>,
    status: (i32, String),
}

/// Counts spans against the limit and collects the outcome.
struct Sink<'l> {
    limits: &'l Limits,
    seen: usize,
    out: PushOutcome<Span>,
}

impl Sink<'_> {
    fn count(&mut self, n: usize) -> Result<(), WireError> {
        self.seen += n;
        if self.seen > self.limits.max_records {
            return Err(WireError::TooManyRecords {
                limit: self.limits.max_records,
                what: "spans",
            });
        }
        Ok(())
    }

    fn span(&mut self, path: impl FnOnce() -> String, parts: Result<Parts, String>, res: &Res) {
        match parts.and_then(|p| build(p, res)) {
            Ok(span) => {
                self.out.accepted.push(span);
                self.out.accepted_records += 1;
            }
            Err(reason) => self.out.reject(path(), 1, reason),
        }
    }
}

/// A resource shared by its spans, and its `service.name`.
struct Res(Arc<Attributes>, String);

impl Res {
    fn new(attrs: Attributes) -> Self {
        let service = attrs
            .get("service.name")
            .and_then(AttrValue::as_str)
            .unwrap_or_default()
            .to_string();
        Res(Arc::new(attrs), service)
    }
}

fn build(p: Parts, res: &Res) -> Result<Span, String> {
    let trace_id = required(p.trace_id?, "traceId")?;
    let span_id = required(p.span_id?, "spanId")?;
    let parent_span_id = p.parent?;
    if p.start == 0 {
        return Err("startTimeUnixNano is missing; set the span's start time".into());
    }
    let start_ns = i64::try_from(p.start).map_err(|_| "startTimeUnixNano is too large")?;
    let end_ns = i64::try_from(p.end).map_err(|_| "endTimeUnixNano is too large")?;
    if end_ns < start_ns {
        return Err(format!(
            "endTimeUnixNano {end_ns} is before startTimeUnixNano {start_ns}; end the span after it starts"
        ));
    }
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        service_name: res.1.clone(),
        name: p.name,
        kind: kind(p.kind),
        status: SpanStatus {
            code: match p.status.0 {
                1 => StatusCode::Ok,
                2 => StatusCode::Error,
                _ => StatusCode::Unset,
            },
            message: Some(p.status.1).filter(|m| !m.is_empty()),
        },
        start_ns,
        duration_ns: end_ns - start_ns,
        attributes: p.attributes,
        resource: Arc::clone(&res.0),
        events: p.events,
    })
}

fn kind(k: i32) -> SpanKind {
    match k {
        1 => SpanKind::Internal,
        2 => SpanKind::Server,
        3 => SpanKind::Client,
        4 => SpanKind::Producer,
        5 => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    }
}

fn kind_number(k: SpanKind) -> i32 {
    match k {
        SpanKind::Unspecified => 0,
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// Decodes an OTLP/HTTP JSON trace export. A resource that cannot be read rejects its spans;
/// a bad span (id, times, types) only itself.
pub fn decode_traces_json(body: &[u8], limits: &Limits) -> Result<PushOutcome<Span>, WireError> {
    limits.check_body(body.len())?;
    json_object(body, JSON)?;
    let req: TracesJson<'_> =
        serde_json::from_slice(body).map_err(|e| WireError::malformed(JSON, e))?;
    let mut sink = Sink {
        limits,
        seen: 0,
        out: PushOutcome::default(),
    };
    for (r, raw) in req.resource_spans.iter().enumerate() {
        let rs: ResourceSpansJson<'_> = match serde_json::from_str(raw.get()) {
            Ok(rs) => rs,
            Err(e) => {
                let n = count_inner(raw, "scopeSpans", "spans");
                sink.count(n)?;
                sink.out
                    .reject(format!("resourceSpans[{r}]"), n, e.to_string());
                continue;
            }
        };
        let res = Res::new(rs.resource.unwrap_or_default().attributes);
        for (s, scope) in rs.scope_spans.unwrap_or_default().into_iter().enumerate() {
            let spans = scope.spans.unwrap_or_default();
            sink.count(spans.len())?;
            for (i, raw) in spans.iter().enumerate() {
                let path = || format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                let parts = serde_json::from_str::<SpanJson>(raw.get())
                    .map_err(|e| e.to_string())
                    .map(json_parts);
                sink.span(path, parts, &res);
            }
        }
    }
    Ok(sink.out)
}

fn json_parts(s: SpanJson) -> Parts {
    let id = |t: &Option<String>, w, what| id_from_text(t.as_deref().unwrap_or(""), w, what);
    Parts {
        trace_id: id(&s.trace_id, 16, "traceId"),
        span_id: id(&s.span_id, 8, "spanId"),
        parent: id(&s.parent_span_id, 8, "parentSpanId"),
        name: s.name.unwrap_or_default(),
        kind: s.kind,
        start: s.start_time_unix_nano,
        end: s.end_time_unix_nano,
        attributes: s.attributes,
        events: s
            .events
            .unwrap_or_default()
            .into_iter()
            .map(|e| SpanEvent {
                ts_ns: i64::try_from(e.time_unix_nano).unwrap_or(i64::MAX),
                name: e.name.unwrap_or_default(),
                attributes: e.attributes,
            })
            .collect(),
        status: s
            .status
            .map(|st| (st.code, st.message.unwrap_or_default()))
            .unwrap_or_default(),
    }
}

/// Decodes an OTLP/HTTP protobuf trace export. A truncated or corrupt body fails as a whole;
/// spans with bad ids or times are rejected one by one.
pub fn decode_traces_proto(body: &[u8], limits: &Limits) -> Result<PushOutcome<Span>, WireError> {
    limits.check_body(body.len())?;
    let req =
        ExportTraceServiceRequest::decode(body).map_err(|e| WireError::malformed(PROTO, e))?;
    let mut sink = Sink {
        limits,
        seen: 0,
        out: PushOutcome::default(),
    };
    for (r, rs) in req.resource_spans.into_iter().enumerate() {
        let res = Res::new(attributes(rs.resource.unwrap_or_default().attributes));
        for (s, scope) in rs.scope_spans.into_iter().enumerate() {
            sink.count(scope.spans.len())?;
            for (i, span) in scope.spans.into_iter().enumerate() {
                let path = || format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                sink.span(path, Ok(proto_parts(span)), &res);
            }
        }
    }
    Ok(sink.out)
}

fn proto_parts(s: proto::Span) -> Parts {
    let status = s.status.unwrap_or_default();
    Parts {
        trace_id: id_from_bytes(&s.trace_id, 16, "traceId"),
        span_id: id_from_bytes(&s.span_id, 8, "spanId"),
        parent: id_from_bytes(&s.parent_span_id, 8, "parentSpanId"),
        name: s.name,
        kind: s.kind,
        start: s.start_time_unix_nano,
        end: s.end_time_unix_nano,
        attributes: attributes(s.attributes),
        events: s
            .events
            .into_iter()
            .map(|e| SpanEvent {
                ts_ns: i64::try_from(e.time_unix_nano).unwrap_or(i64::MAX),
                name: e.name,
                attributes: attributes(e.attributes),
            })
            .collect(),
        status: (status.code, status.message),
    }
}

fn id_bytes(hex: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(hex_to_base64(hex))
        .unwrap_or_default()
}

/// The protobuf export request for `spans` (one resource per distinct resource, in order of
/// first appearance): what an OpenTelemetry SDK sends. For tests and benchmarks.
pub fn encode_traces_proto(spans: &[Span]) -> Vec<u8> {
    let mut groups: Vec<(&Arc<Attributes>, Vec<&Span>)> = Vec::new();
    for span in spans {
        match groups
            .iter_mut()
            .find(|(r, _)| Arc::ptr_eq(r, &span.resource) || **r == span.resource)
        {
            Some((_, g)) => g.push(span),
            None => groups.push((&span.resource, vec![span])),
        }
    }
    let resource_spans = groups
        .into_iter()
        .map(|(res, spans)| proto::ResourceSpans {
            resource: Some(proto::Resource {
                attributes: key_values(res),
            }),
            scope_spans: vec![proto::ScopeSpans {
                scope: None,
                spans: spans.into_iter().map(proto_span).collect(),
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }.encode_to_vec()
}

fn proto_span(s: &Span) -> proto::Span {
    proto::Span {
        trace_id: id_bytes(&s.trace_id),
        span_id: id_bytes(&s.span_id),
        trace_state: String::new(),
        parent_span_id: s
            .parent_span_id
            .as_deref()
            .map(id_bytes)
            .unwrap_or_default(),
        name: s.name.clone(),
        kind: kind_number(s.kind),
        start_time_unix_nano: s.start_ns as u64,
        end_time_unix_nano: s.end_ns() as u64,
        attributes: key_values(&s.attributes),
        events: s
            .events
            .iter()
            .map(|e| proto::Event {
                time_unix_nano: e.ts_ns as u64,
                name: e.name.clone(),
                attributes: key_values(&e.attributes),
            })
            .collect(),
        status: Some(proto::Status {
            message: s.status.message.clone().unwrap_or_default(),
            code: match s.status.code {
                StatusCode::Unset => 0,
                StatusCode::Ok => 1,
                StatusCode::Error => 2,
            },
        }),
    }
}
