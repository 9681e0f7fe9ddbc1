//! Collects pushed lines into streams, with the checks shared by every push format.

use std::collections::HashMap;

use loqui_core::{Labels, LineLabels, LogLine, LogStream};

use crate::labels::{validate_label_name, validate_stream_labels};
use crate::{Limits, PushOutcome, WireError};

/// Streams with the same labels are merged, as Loki does; lines keep their input order.
pub(crate) struct StreamSink<'l> {
    pub limits: &'l Limits,
    pub out: PushOutcome<LogStream>,
    index: HashMap<Labels, usize>,
    seen: usize,
}

impl<'l> StreamSink<'l> {
    pub fn new(limits: &'l Limits) -> Self {
        StreamSink {
            limits,
            out: PushOutcome::default(),
            index: HashMap::new(),
            seen: 0,
        }
    }

    /// Counts records against the request limit, accepted or not.
    pub fn count(&mut self, n: usize) -> Result<(), WireError> {
        self.seen += n;
        if self.seen > self.limits.max_records {
            return Err(WireError::TooManyRecords {
                limit: self.limits.max_records,
                what: "log lines",
            });
        }
        Ok(())
    }

    /// The stream's slot, or the reason its labels are refused. A stream without
    /// `service_name` gets one, as Loki's ingest does.
    pub fn stream(&mut self, labels: Labels) -> Result<usize, String> {
        if let Some(&i) = self.index.get(&labels) {
            return Ok(i);
        }
        validate_stream_labels(&labels, self.limits).map_err(|e| e.0)?;
        let mut stored = labels.clone();
        discover_service_name(&mut stored);
        let i = self.out.accepted.len();
        self.index.insert(labels, i);
        self.out.accepted.push(LogStream {
            labels: stored,
            lines: Vec::new(),
        });
        Ok(i)
    }

    /// Adds a line after the per-line checks.
    pub fn line(&mut self, stream: usize, path: impl FnOnce() -> String, line: LogLine) {
        match check_line(&line, self.limits) {
            Ok(()) => {
                self.out.accepted[stream].lines.push(line);
                self.out.accepted_records += 1;
            }
            Err(reason) => self.out.reject(path(), 1, reason),
        }
    }

    /// Drops streams left without lines (every line rejected).
    pub fn finish(mut self) -> PushOutcome<LogStream> {
        self.out.accepted.retain(|s| !s.lines.is_empty());
        self.out
    }
}

/// Labels Loki takes `service_name` from, in order, when a stream has none (its
/// `discover_service_name` default).
pub const SERVICE_NAME_SOURCES: &[&str] = &[
    "service",
    "app",
    "application",
    "app_name",
    "name",
    "app_kubernetes_io_name",
    "container",
    "container_name",
    "k8s_container_name",
    "component",
    "workload",
    "job",
    "k8s_job_name",
];

/// Adds `service_name` from the first of [`SERVICE_NAME_SOURCES`] present, or
/// `unknown_service`, so every stream can be found by service like in Loki.
pub fn discover_service_name(labels: &mut Labels) {
    if labels.contains_key("service_name") {
        return;
    }
    let name = SERVICE_NAME_SOURCES
        .iter()
        .find_map(|k| labels.get(*k).filter(|v| !v.is_empty()))
        .cloned()
        .unwrap_or_else(|| "unknown_service".into());
    labels.insert("service_name".into(), name);
}

fn check_line(line: &LogLine, limits: &Limits) -> Result<(), String> {
    if line.line.len() > limits.max_line_bytes {
        return Err(format!(
            "line is {} bytes, over the {}-byte limit; split or shorten it",
            line.line.len(),
            limits.max_line_bytes
        ));
    }
    check_metadata(&line.structured_metadata)
}

pub(crate) fn check_metadata(md: &LineLabels) -> Result<(), String> {
    for name in md.keys() {
        validate_label_name(name).map_err(|e| format!("structured metadata: {e}"))?;
    }
    Ok(())
}
