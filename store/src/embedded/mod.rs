//! The embedded store as a loqui backend: the LogQL and TraceQL evaluators read the store
//! through [`loqui_eval::logql::LogInput`] and [`loqui_eval::traceql::TraceInput`], and
//! [`EmbeddedLogs`] / [`EmbeddedTraces`] answer core's `LogSource` / `TraceSource` traits with
//! them, so the engine cannot tell the embedded store from Loki and Tempo.
//!
//! Layout: `logs` (LogInput and EmbeddedLogs), `traces` (TraceInput and EmbeddedTraces),
//! `convert` (demo generator records into store writes, for `serve --demo`).

mod convert;
mod logs;
mod traces;

pub use convert::{DemoLoadReport, demo_log_streams, demo_spans, load_demo, load_demo_window};
pub use logs::EmbeddedLogs;
pub use traces::{EmbeddedTraces, TraceReader};

use loqui_core::{BackendError, ErrorCode};
use loqui_query::Diagnostic;

use crate::error::StoreError;

/// The name both sources report unless configured otherwise.
const DEFAULT_NAME: &str = "embedded";

/// A query that did not parse: every diagnostic as `line L, col C: message; hint: ...`.
fn invalid_query(backend: &str, src: &str, diagnostics: &[Diagnostic]) -> BackendError {
    let lines: Vec<String> = diagnostics.iter().map(|d| d.to_line(src)).collect();
    let message = if lines.is_empty() {
        "the query could not be parsed".to_string()
    } else {
        lines.join("; ")
    };
    BackendError::BadQuery {
        backend: backend.to_string(),
        message,
    }
}

/// Maps an evaluator or store error to the backend error with the same code, keeping the message.
///
/// core's `BackendError` has no variant for "limit exceeded" that carries a message (its
/// `ResponseTooLarge` counts bytes), so the evaluators' limit errors become `BadQuery`: the
/// message, which says what to narrow, matters more to the caller than the code.
fn backend_error(backend: &str, code: ErrorCode, message: String) -> BackendError {
    let backend = backend.to_string();
    match code {
        ErrorCode::BadRequest | ErrorCode::LimitExceeded => {
            BackendError::BadQuery { backend, message }
        }
        ErrorCode::NotImplemented => BackendError::NotAvailable {
            backend,
            what: format!("this query ({message})"),
            hint: "rewrite the query without it, or ask a Loki or Tempo data source".to_string(),
        },
        ErrorCode::NotFound => BackendError::NotFound {
            backend,
            what: message,
        },
        ErrorCode::Timeout => BackendError::Timeout {
            backend,
            limit: std::time::Duration::ZERO,
        },
        ErrorCode::Unavailable | ErrorCode::TooManyRequests => {
            BackendError::Unavailable { backend, message }
        }
        _ => BackendError::InvalidResponse { backend, message },
    }
}

fn store_error(backend: &str, e: &StoreError) -> BackendError {
    backend_error(backend, e.code(), e.to_string())
}

/// Runs CPU-bound evaluation off the async runtime's worker threads.
async fn blocking<T: Send + 'static>(
    backend: &str,
    f: impl FnOnce() -> Result<T, BackendError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BackendError::InvalidResponse {
            backend: backend.to_string(),
            message: format!("the evaluation task failed: {e}"),
        })?
}

/// Loki's default step for a range query: the range over 250 points, at least one second.
fn default_step_ns(range: &loqui_core::TimeRange) -> i64 {
    const SEC: i64 = 1_000_000_000;
    ((range.len_ns() / 250) / SEC).max(1) * SEC
}
