//! Checks on incoming records. A bad record is refused with a reason that says what to do; the
//! good records of the same batch are kept.

use loqui_core::{LogLine, LogStream, Span, normalize_span_id, normalize_trace_id};

use crate::error::Rejected;
use crate::logs::MAX_BATCH_LINES;

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn stream_problem(stream: &LogStream) -> Option<String> {
    if stream.labels.is_empty() {
        return Some(
            "stream has no labels; give every stream at least one label, e.g. service_name".into(),
        );
    }
    for (k, v) in &stream.labels {
        if !valid_label_name(k) {
            return Some(format!(
                "label name `{k}` is invalid; use letters, digits and underscores, not starting with a digit"
            ));
        }
        if v.is_empty() {
            return Some(format!(
                "label `{k}` has an empty value; drop the label or give it a value"
            ));
        }
    }
    None
}

fn line_problem(line: &LogLine, max_line_bytes: usize) -> Option<String> {
    if line.line.len() > max_line_bytes {
        return Some(format!(
            "line is {} bytes, over the {max_line_bytes}-byte limit; split it or raise the store's max_line_bytes",
            line.line.len()
        ));
    }
    if line.ts_ns <= 0 {
        return Some(format!(
            "timestamp {} is not after 1970; send unix nanoseconds",
            line.ts_ns
        ));
    }
    line.structured_metadata
        .keys()
        .find(|k| !valid_label_name(k))
        .map(|k| {
            format!(
                "structured metadata name `{k}` is invalid; use letters, digits and underscores"
            )
        })
}

/// The valid part of a log batch (parsed labels dropped) and the refused lines.
pub(crate) fn log_batch(
    batch: &[LogStream],
    max_line_bytes: usize,
) -> (Vec<LogStream>, Vec<Rejected>) {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut index = 0;
    let mut kept = 0;
    for stream in batch {
        let problem = stream_problem(stream);
        let mut lines = Vec::new();
        for line in &stream.lines {
            let reason = problem
                .clone()
                .or_else(|| line_problem(line, max_line_bytes))
                .or_else(|| {
                    (kept >= MAX_BATCH_LINES).then(|| {
                        format!(
                            "batch has over {MAX_BATCH_LINES} lines; split it into smaller pushes"
                        )
                    })
                });
            match reason {
                Some(reason) => rejected.push(Rejected { index, reason }),
                None => {
                    kept += 1;
                    lines.push(LogLine {
                        parsed: Default::default(),
                        ..line.clone()
                    });
                }
            }
            index += 1;
        }
        if !lines.is_empty() {
            accepted.push(LogStream {
                labels: stream.labels.clone(),
                lines,
            });
        }
    }
    (accepted, rejected)
}

/// A span with its ids normalized, or why it was refused.
pub(crate) fn span(span: &Span) -> Result<Span, String> {
    let trace_id = normalize_trace_id(&span.trace_id).filter(|id| id.bytes().any(|b| b != b'0'));
    let Some(trace_id) = trace_id else {
        return Err(format!(
            "trace id `{}` is invalid; send 1 to 32 hex digits, not all zero",
            span.trace_id
        ));
    };
    let Some(span_id) = normalize_span_id(&span.span_id) else {
        return Err(format!(
            "span id `{}` is invalid; send 1 to 16 hex digits",
            span.span_id
        ));
    };
    let parent_span_id = match span.parent_span_id.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(normalize_span_id(p).ok_or_else(|| {
            format!("parent span id `{p}` is invalid; send 1 to 16 hex digits or none")
        })?),
    };
    if span.duration_ns < 0 {
        return Err(format!(
            "span duration {}ns is negative; send end time after start time",
            span.duration_ns
        ));
    }
    if span.start_ns <= 0 {
        return Err(format!(
            "span start {} is not after 1970; send unix nanoseconds",
            span.start_ns
        ));
    }
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        ..span.clone()
    })
}
