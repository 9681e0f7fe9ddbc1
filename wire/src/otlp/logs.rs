//! `POST /v1/logs` (Loki's `/otlp/v1/logs`): `ExportLogsServiceRequest` into Loki streams,
//! following Loki's OTLP mapping:
//!
//! * resource attributes in [`INDEX_LABEL_ATTRIBUTES`] become stream labels, with `.` turned
//!   into `_` (`service.name` → `service_name`); `service_name="unknown_service"` when the
//!   resource has none; the other resource attributes become structured metadata;
//! * the body is the line (non-string bodies as JSON);
//! * `severity_text`, `severity_number` and the derived `detected_level`, `trace_id`,
//!   `span_id`, `scope_name`/`scope_version` and every log attribute become structured
//!   metadata, names normalized the same way.

use loqui_core::{AttrValue, Attributes, Labels, LineLabels, LogLine, LogStream};
use prost::Message as _;

use super::json::{LogRecordJson, LogsJson, ResourceLogsJson, SEVERITY_NAMES, count_inner};
use super::proto::{ExportLogsServiceRequest, LogRecord};
use super::value::{attr, attributes, text};
use crate::ids::{id_from_bytes, id_from_text};
use crate::labels::normalize_label_name;
use crate::loki::streams::StreamSink;
use crate::push::json_object;
use crate::{Limits, PushOutcome, WireError};

const JSON: &str = "OTLP logs JSON";
const PROTO: &str = "OTLP logs protobuf";

/// Resource attributes Loki indexes as labels by default (its `default_resource_attributes_as_index_labels`).
pub const INDEX_LABEL_ATTRIBUTES: &[&str] = &[
    "cloud.availability_zone",
    "cloud.region",
    "container.name",
    "deployment.environment",
    "deployment.environment.name",
    "k8s.cluster.name",
    "k8s.container.name",
    "k8s.cronjob.name",
    "k8s.daemonset.name",
    "k8s.deployment.name",
    "k8s.job.name",
    "k8s.namespace.name",
    "k8s.pod.name",
    "k8s.replicaset.name",
    "k8s.statefulset.name",
    "service.instance.id",
    "service.name",
    "service.namespace",
];

/// Stream labels and resource-level metadata of one resource (plus scope).
struct Origin {
    labels: Labels,
    metadata: LineLabels,
}

fn origin(resource: &Attributes, scope: (Option<&str>, Option<&str>)) -> Origin {
    let mut labels = Labels::new();
    let mut metadata = LineLabels::new();
    for (k, v) in resource.iter() {
        if INDEX_LABEL_ATTRIBUTES.contains(&k) {
            labels.insert(normalize_label_name(k), text(v));
        } else {
            metadata.insert(&normalize_label_name(k), text(v));
        }
    }
    labels
        .entry("service_name".into())
        .or_insert_with(|| "unknown_service".into());
    if let Some(name) = scope.0.filter(|s| !s.is_empty()) {
        metadata.insert("scope_name", name.to_string());
    }
    if let Some(version) = scope.1.filter(|s| !s.is_empty()) {
        metadata.insert("scope_version", version.to_string());
    }
    Origin { labels, metadata }
}

/// What a log record is made of, whichever encoding it came in.
struct Record {
    time: u64,
    observed: u64,
    severity_number: i32,
    severity_text: String,
    body: Option<AttrValue>,
    attributes: Attributes,
    trace_id: Result<Option<String>, String>,
    span_id: Result<Option<String>, String>,
}

/// Loki's levels for OTLP severity numbers (1-4 trace, 5-8 debug, …, 21-24 fatal).
fn level(number: i32, text: &str) -> Option<String> {
    let by_number = match number {
        1..=4 => "trace",
        5..=8 => "debug",
        9..=12 => "info",
        13..=16 => "warn",
        17..=20 => "error",
        21..=24 => "fatal",
        _ => "",
    };
    if !by_number.is_empty() {
        return Some(by_number.into());
    }
    let t = text.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "" => return None,
        "warning" => "warn".into(),
        "err" => "error".into(),
        "critical" | "crit" => "fatal".into(),
        _ => t,
    })
}

fn line(r: Record, origin: &Origin) -> Result<LogLine, String> {
    let ts = if r.time != 0 { r.time } else { r.observed };
    if ts == 0 {
        return Err(
            "timeUnixNano and observedTimeUnixNano are both missing; set the record's time".into(),
        );
    }
    let ts_ns = i64::try_from(ts).map_err(|_| "timeUnixNano is too large")?;
    let mut md = origin.metadata.clone();
    for (k, v) in r.attributes.iter() {
        md.insert(&normalize_label_name(k), text(v));
    }
    if let Some(level) = level(r.severity_number, &r.severity_text) {
        md.insert("detected_level", level);
    }
    if !r.severity_text.is_empty() {
        md.insert("severity_text", r.severity_text);
    }
    if r.severity_number != 0 {
        let name = SEVERITY_NAMES
            .get(r.severity_number as usize)
            .map_or_else(|| r.severity_number.to_string(), |n| n.to_string());
        md.insert("severity_number", name);
    }
    if let Some(t) = r.trace_id? {
        md.insert("trace_id", t);
    }
    if let Some(s) = r.span_id? {
        md.insert("span_id", s);
    }
    Ok(LogLine {
        ts_ns,
        line: r.body.as_ref().map(text).unwrap_or_default(),
        structured_metadata: md,
        parsed: LineLabels::new(),
    })
}

/// Adds one record to its scope's stream (`slot`, resolved once per scope).
fn add(
    sink: &mut StreamSink<'_>,
    slot: &Result<usize, String>,
    origin: &Origin,
    path: impl Fn() -> String,
    r: Result<Record, String>,
) {
    match (r.and_then(|r| line(r, origin)), slot) {
        (Ok(line), Ok(slot)) => sink.line(*slot, path, line),
        (Err(reason), _) => sink.out.reject(path(), 1, reason),
        (_, Err(reason)) => sink.out.reject(path(), 1, reason.clone()),
    }
}

/// Decodes an OTLP/HTTP JSON logs export into Loki streams.
pub fn decode_logs_json(body: &[u8], limits: &Limits) -> Result<PushOutcome<LogStream>, WireError> {
    limits.check_body(body.len())?;
    json_object(body, JSON)?;
    let req: LogsJson<'_> =
        serde_json::from_slice(body).map_err(|e| WireError::malformed(JSON, e))?;
    let mut sink = StreamSink::new(limits);
    for (r, raw) in req.resource_logs.iter().enumerate() {
        let rl: ResourceLogsJson<'_> = match serde_json::from_str(raw.get()) {
            Ok(rl) => rl,
            Err(e) => {
                let n = count_inner(raw, "scopeLogs", "logRecords");
                sink.count(n)?;
                sink.out
                    .reject(format!("resourceLogs[{r}]"), n, e.to_string());
                continue;
            }
        };
        let resource = rl.resource.unwrap_or_default().attributes;
        for (s, scope) in rl.scope_logs.unwrap_or_default().into_iter().enumerate() {
            let sc = scope.scope.unwrap_or_default();
            let origin = origin(&resource, (sc.name.as_deref(), sc.version.as_deref()));
            let slot = sink.stream(origin.labels.clone());
            let records = scope.log_records.unwrap_or_default();
            sink.count(records.len())?;
            for (i, raw) in records.iter().enumerate() {
                let path = || format!("resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}]");
                let rec = serde_json::from_str::<LogRecordJson>(raw.get())
                    .map_err(|e| e.to_string())
                    .map(|j| Record {
                        time: j.time_unix_nano,
                        observed: j.observed_time_unix_nano,
                        severity_number: j.severity_number,
                        severity_text: j.severity_text.unwrap_or_default(),
                        body: j.body,
                        attributes: j.attributes,
                        trace_id: id_from_text(j.trace_id.as_deref().unwrap_or(""), 16, "traceId"),
                        span_id: id_from_text(j.span_id.as_deref().unwrap_or(""), 8, "spanId"),
                    });
                add(&mut sink, &slot, &origin, path, rec);
            }
        }
    }
    Ok(sink.finish())
}

/// Decodes an OTLP/HTTP protobuf logs export into Loki streams.
pub fn decode_logs_proto(
    body: &[u8],
    limits: &Limits,
) -> Result<PushOutcome<LogStream>, WireError> {
    limits.check_body(body.len())?;
    let req = ExportLogsServiceRequest::decode(body).map_err(|e| WireError::malformed(PROTO, e))?;
    let mut sink = StreamSink::new(limits);
    for (r, rl) in req.resource_logs.into_iter().enumerate() {
        let resource = attributes(rl.resource.unwrap_or_default().attributes);
        for (s, scope) in rl.scope_logs.into_iter().enumerate() {
            let sc = scope.scope.unwrap_or_default();
            let origin = origin(&resource, (Some(&sc.name), Some(&sc.version)));
            let slot = sink.stream(origin.labels.clone());
            sink.count(scope.log_records.len())?;
            for (i, rec) in scope.log_records.into_iter().enumerate() {
                let path = || format!("resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}]");
                add(&mut sink, &slot, &origin, path, Ok(proto_record(rec)));
            }
        }
    }
    Ok(sink.finish())
}

fn proto_record(r: LogRecord) -> Record {
    Record {
        time: r.time_unix_nano,
        observed: r.observed_time_unix_nano,
        severity_number: r.severity_number,
        severity_text: r.severity_text,
        body: r.body.map(|b| attr(Some(b))),
        attributes: attributes(r.attributes),
        trace_id: id_from_bytes(&r.trace_id, 16, "traceId"),
        span_id: id_from_bytes(&r.span_id, 8, "spanId"),
    }
}
