//! Demo generator records into store writes, for `serve --demo`: a direct field-by-field
//! conversion (no JSON round trip), pushed in batches and committed once.

use std::collections::HashMap;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use loqui_core::{
    AttrValue, Attributes, Labels, LineLabels, LogLine, LogStream, Span, SpanEvent, SpanKind,
    SpanStatus, StatusCode,
};
use loqui_demo::{self as demo, Batch, Generator, LogRecord, Resource, SpanRecord, StreamLabels};

use crate::{Result, Store};

/// Records per push: large enough to amortize the write-ahead log, small enough to bound memory.
const PUSH_BATCH: usize = 4_000;

/// What [`load_demo`] stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoLoadReport {
    pub lines: usize,
    pub spans: usize,
    /// Records the store refused (none expected from the generator).
    pub rejected: usize,
    pub elapsed: Duration,
}

/// Generates the demo data set of `config` into `store` and commits it. Logs are pushed on this
/// thread while spans are pushed on a second one, so the two tables index in parallel.
pub fn load_demo(store: &Store, config: demo::Config) -> Result<DemoLoadReport> {
    load(store, Generator::new(config).batches())
}

/// Generates the window `(t0_ns, t1_ns]` (live traffic after the initial load) and commits it.
pub fn load_demo_window(
    store: &Store,
    generator: &Generator,
    t0_ns: i64,
    t1_ns: i64,
) -> Result<DemoLoadReport> {
    load(store, std::iter::once(generator.window(t0_ns, t1_ns)))
}

fn load(store: &Store, batches: impl Iterator<Item = Batch>) -> Result<DemoLoadReport> {
    let started = Instant::now();
    let mut report = DemoLoadReport::default();
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = mpsc::sync_channel::<Vec<SpanRecord>>(4);
        let spans = scope.spawn(move || push_spans(store, rx));
        let mut logs: Vec<LogRecord> = Vec::with_capacity(PUSH_BATCH);
        let mut pending: Vec<SpanRecord> = Vec::with_capacity(PUSH_BATCH);
        let mut send_failed = false;
        for batch in batches {
            logs.extend(batch.logs);
            if logs.len() >= PUSH_BATCH {
                push_logs(store, &logs, &mut report)?;
                logs.clear();
            }
            pending.extend(batch.spans);
            if pending.len() >= PUSH_BATCH && !send_failed {
                send_failed = tx.send(std::mem::take(&mut pending)).is_err();
            }
        }
        push_logs(store, &logs, &mut report)?;
        if !pending.is_empty() && !send_failed {
            let _ = tx.send(pending);
        }
        drop(tx);
        let (spans, rejected) = spans.join().expect("span loader thread")?;
        report.spans = spans;
        report.rejected += rejected;
        Ok(())
    })?;
    store.commit()?;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn push_logs(store: &Store, logs: &[LogRecord], report: &mut DemoLoadReport) -> Result<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let written = store.logs.push(&demo_log_streams(logs))?;
    report.lines += written.accepted;
    report.rejected += written.rejected.len();
    Ok(())
}

fn push_spans(store: &Store, rx: mpsc::Receiver<Vec<SpanRecord>>) -> Result<(usize, usize)> {
    let mut resources = ResourceCache::default();
    let (mut accepted, mut rejected) = (0, 0);
    for records in rx {
        let spans: Vec<Span> = records.iter().map(|r| resources.span(r)).collect();
        let written = store.traces.push(&spans)?;
        accepted += written.accepted;
        rejected += written.rejected.len();
    }
    Ok((accepted, rejected))
}

/// Log records as Loki streams: the stream labels, the line, and the structured metadata Loki
/// would hold (`trace_id`, `span_id` as pushed, plus `detected_level` from the line's level, as
/// Loki's level detection adds it). Streams keep first-appearance order, lines input order.
pub fn demo_log_streams(logs: &[LogRecord]) -> Vec<LogStream> {
    let mut index: HashMap<*const StreamLabels, usize> = HashMap::new();
    let mut streams: Vec<LogStream> = Vec::new();
    for r in logs {
        let i = *index.entry(Arc::as_ptr(&r.stream)).or_insert_with(|| {
            let labels: Labels = r
                .stream
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            streams.push(LogStream {
                labels,
                lines: Vec::new(),
            });
            streams.len() - 1
        });
        streams[i].lines.push(log_line(r));
    }
    streams
}

fn log_line(r: &LogRecord) -> LogLine {
    let mut metadata = LineLabels::new();
    for (k, v) in r.structured_metadata() {
        metadata.insert(k, v);
    }
    metadata.insert("detected_level", r.level.as_str().to_string());
    LogLine {
        ts_ns: r.time_ns,
        line: r.line.clone(),
        structured_metadata: metadata,
        parsed: LineLabels::new(),
    }
}

/// Span records as core spans, each resource's attributes shared by its spans.
pub fn demo_spans(records: &[SpanRecord]) -> Vec<Span> {
    let mut resources = ResourceCache::default();
    records.iter().map(|r| resources.span(r)).collect()
}

/// Converted resources by the generator's `Arc` (one per pod), so spans share one map.
#[derive(Default)]
struct ResourceCache(HashMap<*const Resource, (Arc<Resource>, Arc<Attributes>)>);

impl ResourceCache {
    fn span(&mut self, r: &SpanRecord) -> Span {
        let resource = self
            .0
            .entry(Arc::as_ptr(&r.resource))
            // Holding the generator's Arc keeps the pointer from being reused by another value.
            .or_insert_with(|| {
                (
                    r.resource.clone(),
                    Arc::new(attributes(&r.resource.attributes)),
                )
            })
            .1
            .clone();
        Span {
            trace_id: r.trace_id.to_string(),
            span_id: r.span_id.to_string(),
            parent_span_id: r.parent_span_id.map(|p| p.to_string()),
            service_name: r.resource.service_name.to_string(),
            name: r.name.clone(),
            kind: kind(r.kind),
            status: SpanStatus {
                code: status(r.status),
                message: (!r.status_message.is_empty()).then(|| r.status_message.clone()),
            },
            start_ns: r.start_ns,
            duration_ns: r.duration_ns,
            attributes: attributes(&r.attributes),
            resource,
            events: r
                .events
                .iter()
                .map(|e| SpanEvent {
                    ts_ns: e.time_ns,
                    name: e.name.to_string(),
                    attributes: attributes(&e.attributes),
                })
                .collect(),
        }
    }
}

fn attributes(attrs: &demo::Attributes) -> Attributes {
    let mut out = Attributes::new();
    for (k, v) in attrs {
        out.insert(k, value(v));
    }
    out
}

fn value(v: &demo::AttrValue) -> AttrValue {
    match v {
        demo::AttrValue::Str(s) => AttrValue::String(s.clone()),
        demo::AttrValue::Int(i) => AttrValue::Int(*i),
        demo::AttrValue::Double(d) => AttrValue::Double(*d),
        demo::AttrValue::Bool(b) => AttrValue::Bool(*b),
    }
}

fn kind(k: demo::SpanKind) -> SpanKind {
    match k {
        demo::SpanKind::Internal => SpanKind::Internal,
        demo::SpanKind::Server => SpanKind::Server,
        demo::SpanKind::Client => SpanKind::Client,
        demo::SpanKind::Producer => SpanKind::Producer,
        demo::SpanKind::Consumer => SpanKind::Consumer,
    }
}

fn status(s: demo::StatusCode) -> StatusCode {
    match s {
        demo::StatusCode::Unset => StatusCode::Unset,
        demo::StatusCode::Ok => StatusCode::Ok,
        demo::StatusCode::Error => StatusCode::Error,
    }
}
