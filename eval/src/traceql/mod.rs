//! TraceQL evaluation with Tempo's semantics over traces a store hands in.
//!
//! The store implements [`TraceInput`] and may narrow candidates with the hints in
//! [`TraceSelection`] (time range, conditions some span of every match satisfies, a pinned trace
//! id); it hands in whole traces. [`search`], [`metrics_range`] and [`metrics_instant`] verify
//! every span exactly and shape the answer like Tempo's, so the embedded store and Tempo answer
//! the same for the same data (checked against captured Tempo answers in
//! `eval/tests/traceql_tempo_*.rs`).
//!
//! ```
//! use loqui_eval::traceql::{VecTraceInput, search};
//! let expr = loqui_query::traceql::parse("{ status = error }").tree.unwrap();
//! let input = VecTraceInput::from_spans(Vec::new());
//! let range = loqui_core::TimeRange::from_secs(0, 60);
//! let answer = search(&expr, &input, range, 20, 3).unwrap();
//! assert!(answer.traces.is_empty());
//! ```
//!
//! Layout: `plan` (support checks, regexes, which attributes an answer shows), `hints`
//! (narrowing conditions), `trace` (links within one trace), `field` and `value` (span filter
//! expressions), `spanset` and `relation` (operators and pipelines), `search` (answer shape),
//! `metrics`, `series`, `histogram`, `second_stage` and `math` (TraceQL metrics).

mod field;
mod hints;
mod histogram;
mod input;
mod math;
mod metrics;
mod plan;
mod relation;
mod search;
mod second_stage;
mod series;
mod spanset;
mod trace;
mod value;

pub use input::{Condition, TraceInput, TraceSelection, VecTraceInput};
pub use metrics::{metrics_instant, metrics_instant_limited, metrics_range, metrics_range_limited};
pub use search::{ROOT_SPAN_NOT_YET_RECEIVED, search, search_limited};

use loqui_core::ErrorCode;

/// Why a TraceQL evaluation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A construct the embedded evaluator does not compute; refused rather than answered wrongly.
    #[error(
        "{0} is not supported by loqui's embedded TraceQL evaluator; run the query against Tempo"
    )]
    Unsupported(String),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A work bound was reached; the message names it and what to narrow.
    #[error("{what} exceeded the limit of {limit}; narrow the time range or the query")]
    LimitExceeded { what: &'static str, limit: usize },
    /// The store failed to hand in traces.
    #[error("trace store: {0}")]
    Input(String),
}

impl EvalError {
    /// The shared code surfaces map to statuses.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unsupported(_) => ErrorCode::NotImplemented,
            Self::InvalidQuery(_) => ErrorCode::BadRequest,
            Self::LimitExceeded { .. } => ErrorCode::LimitExceeded,
            Self::Input(_) => ErrorCode::Unavailable,
        }
    }
}

/// Bounds on the work of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Candidate traces read from the input.
    pub max_traces_scanned: usize,
    /// Series a metrics query may produce.
    pub max_series: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_traces_scanned: 1_000_000,
            max_series: 1_000,
        }
    }
}

impl Limits {
    pub(crate) fn check_traces(&self, scanned: usize) -> Result<(), EvalError> {
        if scanned > self.max_traces_scanned {
            return Err(EvalError::LimitExceeded {
                what: "traces scanned",
                limit: self.max_traces_scanned,
            });
        }
        Ok(())
    }
}
