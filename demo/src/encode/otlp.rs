//! OTLP/HTTP JSON (the protobuf JSON mapping): `resourceSpans` for traces, `resourceLogs` for
//! logs. Ids are hex, enums are integers, 64-bit integers and timestamps are strings.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};

use crate::model::{AttrValue, LogRecord, Resource, SpanRecord};

struct Kv<'a>(&'a str, &'a AttrValue);

impl Serialize for Kv<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("KeyValue", 2)?;
        st.serialize_field("key", self.0)?;
        st.serialize_field("value", &Any(self.1))?;
        st.end()
    }
}

struct Any<'a>(&'a AttrValue);

impl Serialize for Any<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self.0 {
            AttrValue::Str(v) => m.serialize_entry("stringValue", v)?,
            AttrValue::Int(v) => m.serialize_entry("intValue", &v.to_string())?,
            AttrValue::Double(v) => m.serialize_entry("doubleValue", v)?,
            AttrValue::Bool(v) => m.serialize_entry("boolValue", v)?,
        }
        m.end()
    }
}

fn kvs<'a>(attrs: &'a [(&'static str, AttrValue)]) -> Vec<Kv<'a>> {
    attrs.iter().map(|(k, v)| Kv(k, v)).collect()
}

#[derive(Serialize)]
struct Res<'a> {
    attributes: Vec<Kv<'a>>,
}

#[derive(Serialize)]
struct Scope<'a> {
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    code: u8,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    time_unix_nano: String,
    name: &'a str,
    attributes: Vec<Kv<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Span<'a> {
    trace_id: String,
    span_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    parent_span_id: String,
    name: &'a str,
    kind: u8,
    start_time_unix_nano: String,
    end_time_unix_nano: String,
    attributes: Vec<Kv<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<Event<'a>>,
    status: Status<'a>,
}

impl<'a> Span<'a> {
    fn of(s: &'a SpanRecord) -> Self {
        Span {
            trace_id: s.trace_id.to_string(),
            span_id: s.span_id.to_string(),
            parent_span_id: s.parent_span_id.map(|p| p.to_string()).unwrap_or_default(),
            name: &s.name,
            kind: s.kind as u8,
            start_time_unix_nano: s.start_ns.to_string(),
            end_time_unix_nano: s.end_ns().to_string(),
            attributes: kvs(&s.attributes),
            events: s
                .events
                .iter()
                .map(|e| Event {
                    time_unix_nano: e.time_ns.to_string(),
                    name: e.name,
                    attributes: kvs(&e.attributes),
                })
                .collect(),
            status: Status {
                code: s.status as u8,
                message: &s.status_message,
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScopeSpans<'a> {
    scope: Scope<'a>,
    spans: Vec<Span<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    resource: Res<'a>,
    scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TracesData<'a> {
    resource_spans: Vec<ResourceSpans<'a>>,
}

/// Groups items by resource (pointer identity), keeping first-appearance order.
fn by_resource<'a, T>(
    items: &'a [T],
    res: impl Fn(&'a T) -> &'a Resource,
) -> Vec<(&'a Resource, Vec<&'a T>)> {
    let mut index: HashMap<*const Resource, usize> = HashMap::new();
    let mut groups: Vec<(&'a Resource, Vec<&'a T>)> = Vec::new();
    for it in items {
        let r = res(it);
        let i = *index.entry(r as *const Resource).or_insert_with(|| {
            groups.push((r, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(it);
    }
    groups
}

/// Writes an OTLP/HTTP JSON `ExportTraceServiceRequest` for `spans`.
pub fn write_otlp_traces(w: impl Write, spans: &[SpanRecord]) -> serde_json::Result<()> {
    let resource_spans = by_resource(spans, |s| &s.resource)
        .into_iter()
        .map(|(r, group)| ResourceSpans {
            resource: Res {
                attributes: kvs(&r.attributes),
            },
            scope_spans: vec![ScopeSpans {
                scope: Scope {
                    name: group[0].scope,
                },
                spans: group.into_iter().map(Span::of).collect(),
            }],
        })
        .collect();
    serde_json::to_writer(w, &TracesData { resource_spans })
}

pub fn otlp_traces_json(spans: &[SpanRecord]) -> String {
    let mut buf = Vec::with_capacity(spans.len() * 900);
    write_otlp_traces(&mut buf, spans).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogRec<'a> {
    time_unix_nano: String,
    observed_time_unix_nano: String,
    severity_number: u8,
    severity_text: &'a str,
    body: Any<'a>,
    #[serde(skip_serializing_if = "String::is_empty")]
    trace_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    span_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScopeLogs<'a> {
    scope: Scope<'a>,
    log_records: Vec<LogRec<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceLogs<'a> {
    resource: Res<'a>,
    scope_logs: Vec<ScopeLogs<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogsData<'a> {
    resource_logs: Vec<ResourceLogs<'a>>,
}

/// Writes an OTLP/HTTP JSON `ExportLogsServiceRequest` for `logs`: the line is the body, the
/// level becomes severity, and request lines carry their trace and span ids.
pub fn write_otlp_logs(w: impl Write, logs: &[LogRecord]) -> serde_json::Result<()> {
    let bodies: Vec<AttrValue> = logs
        .iter()
        .map(|l| AttrValue::Str(l.line.clone()))
        .collect();
    let pairs: Vec<(&LogRecord, &AttrValue)> = logs.iter().zip(bodies.iter()).collect();
    let resource_logs = by_resource(&pairs, |p| &p.0.resource)
        .into_iter()
        .map(|(r, group)| ResourceLogs {
            resource: Res {
                attributes: kvs(&r.attributes),
            },
            scope_logs: vec![ScopeLogs {
                scope: Scope { name: "loqui-demo" },
                log_records: group
                    .into_iter()
                    .map(|(l, body)| LogRec {
                        time_unix_nano: l.time_ns.to_string(),
                        observed_time_unix_nano: l.time_ns.to_string(),
                        severity_number: l.level.severity_number(),
                        severity_text: l.level.as_str(),
                        body: Any(body),
                        trace_id: l.trace_id.map(|t| t.to_string()).unwrap_or_default(),
                        span_id: l.span_id.map(|t| t.to_string()).unwrap_or_default(),
                    })
                    .collect(),
            }],
        })
        .collect();
    serde_json::to_writer(w, &LogsData { resource_logs })
}

pub fn otlp_logs_json(logs: &[LogRecord]) -> String {
    let mut buf = Vec::with_capacity(logs.len() * 600);
    write_otlp_logs(&mut buf, logs).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}
