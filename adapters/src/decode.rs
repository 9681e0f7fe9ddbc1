//! Decoding saved Loki and Tempo answers without a server: for tools that replay captured
//! responses, and for the decode benchmark. The clients use the same code.

use loqui_core::{BackendError, LogQueryResult, Trace};

use crate::json::decode;
use crate::loki::wire::{Envelope, QueryBody};
use crate::tempo::otlp::{AnyTrace, spans};

const BACKEND: &str = "saved answer";

/// A Loki `query` / `query_range` body, as returned (no line limit applied).
pub fn loki_query(body: &[u8]) -> Result<LogQueryResult, BackendError> {
    let env: Envelope<QueryBody> = decode(BACKEND, body)?;
    let body = env.data.ok_or_else(|| BackendError::InvalidResponse {
        backend: BACKEND.into(),
        message: "query answer without `data`".into(),
    })?;
    let total_lines = match &body.data {
        loqui_core::QueryData::Streams(s) => s.iter().map(|s| s.lines.len()).sum(),
        _ => 0,
    };
    Ok(LogQueryResult {
        data: body.data,
        truncated: false,
        total_lines,
        stats: body.stats,
    })
}

/// A Tempo trace body in either shape (v1 `batches`, v2 `trace.resourceSpans`).
pub fn tempo_trace(body: &[u8]) -> Result<Trace, BackendError> {
    let any: AnyTrace = decode(BACKEND, body)?;
    let spans =
        spans(any.into_resource_spans()).map_err(|message| BackendError::InvalidResponse {
            backend: BACKEND.into(),
            message,
        })?;
    let trace_id = spans
        .first()
        .map(|s| s.trace_id.clone())
        .unwrap_or_default();
    let total_spans = spans.len();
    Ok(Trace {
        trace_id,
        spans,
        truncated: false,
        total_spans,
    })
}
