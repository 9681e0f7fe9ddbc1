//! LogQL evaluation with Loki's semantics over entries a store hands in.
//!
//! ```
//! use std::sync::Arc;
//! use loqui_core::{Direction, Labels, QueryData, TimeRange};
//! use loqui_eval::logql::{Entry, VecInput, eval_range};
//!
//! let labels = Arc::new(Labels::from([("app".to_owned(), "api".to_owned())]));
//! let entry = |s: i64, line: &str| Entry {
//!     ts_ns: s * 1_000_000_000,
//!     labels: labels.clone(),
//!     line: line.to_owned(),
//!     metadata: Default::default(),
//! };
//! let input = VecInput::new(vec![entry(1, "level=info"), entry(2, "level=error")]);
//! let expr = loqui_query::logql::parse(r#"{app="api"} |= "error""#).tree.unwrap();
//! let out = eval_range(&expr, &input, TimeRange::from_secs(0, 10), 0, 100, Direction::Backward)
//!     .unwrap();
//! let QueryData::Streams(streams) = out.data else { unreachable!() };
//! assert_eq!(streams[0].lines[0].line, "level=error");
//! ```
//!
//! Layout: `input` (what a store implements), `pipeline` with its stages (`filters`, `ip`,
//! `pattern`, `parsers`, `json`, `logfmt`, `label_filter`, `template*`, `labels`), `logs` (log
//! queries), `metric` (steps and dispatch), `range` (range aggregations), `vector` (vector
//! aggregations), `binary` (operators and `label_replace`).

mod binary;
mod filters;
mod input;
mod ip;
mod json;
mod label_filter;
mod labels;
mod logfmt;
mod logs;
mod metric;
mod parsers;
mod pattern;
mod pipeline;
mod range;
mod template;
mod template_exec;
mod template_funcs;
mod template_printf;
mod vector;

pub use input::{Entry, EntryFn, Hints, LogInput, Selection, VecInput};
pub use labels::{ERROR_DETAILS_LABEL, ERROR_LABEL};

use loqui_core::{Direction, ErrorCode, LogQueryResult, TimeRange};
use loqui_query::logql::Expr;

/// Why a query could not be evaluated. Messages name the construct or the limit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// Valid LogQL that this evaluator does not implement.
    #[error("{0} is not supported by loqui's embedded LogQL evaluator")]
    Unsupported(String),
    /// The query is wrong in a way only evaluation finds (a bad regexp, a bad template).
    #[error("{0}")]
    BadQuery(String),
    /// The answer would need more series, points or lines than allowed.
    #[error("{0}")]
    LimitExceeded(String),
    /// A metric query met a pipeline error that no filter removed, as Loki reports it.
    #[error("pipeline error: {0}")]
    Pipeline(String),
    /// The store failed to hand in entries.
    #[error("reading the store failed: {0}")]
    Input(String),
}

impl EvalError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EvalError::Unsupported(_) => ErrorCode::NotImplemented,
            EvalError::BadQuery(_) | EvalError::Pipeline(_) => ErrorCode::BadRequest,
            EvalError::LimitExceeded(_) => ErrorCode::LimitExceeded,
            EvalError::Input(_) => ErrorCode::Internal,
        }
    }
}

/// Bounds on the work one query may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Series in any intermediate or final metric result.
    pub max_series: usize,
    /// Points (series x steps) in a metric result, and samples read by a range aggregation.
    pub max_points: usize,
    /// Lines that pass a log query's pipeline.
    pub max_matched_lines: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_series: 10_000,
            max_points: 11_000_000,
            max_matched_lines: 50_000_000,
        }
    }
}

/// Evaluates a query over `range` like Loki's `query_range`. Log queries return streams (lines
/// with `range.start_ns <= ts < range.end_ns`); metric queries a matrix evaluated at
/// step-aligned times from start to end inclusive. `step_ns` is ignored for log queries.
pub fn eval_range(
    expr: &Expr,
    input: &dyn LogInput,
    range: TimeRange,
    step_ns: i64,
    limit: usize,
    direction: Direction,
) -> Result<LogQueryResult, EvalError> {
    eval_range_with(
        expr,
        input,
        range,
        step_ns,
        limit,
        direction,
        &Limits::default(),
    )
}

/// [`eval_range`] with explicit [`Limits`].
pub fn eval_range_with(
    expr: &Expr,
    input: &dyn LogInput,
    range: TimeRange,
    step_ns: i64,
    limit: usize,
    direction: Direction,
    limits: &Limits,
) -> Result<LogQueryResult, EvalError> {
    match expr {
        Expr::Log(log) => logs::eval_logs(log, input, range, limit, direction, limits),
        Expr::Metric(m) => metric::eval_matrix(m, input, range, step_ns, limits),
    }
}

/// Evaluates a metric query at one instant like Loki's `query`: a vector or a scalar. Log
/// queries are refused, as Loki refuses them.
pub fn eval_instant(
    expr: &Expr,
    input: &dyn LogInput,
    time_ns: i64,
    limit: usize,
) -> Result<LogQueryResult, EvalError> {
    let _ = limit;
    match expr {
        Expr::Log(_) => Err(EvalError::BadQuery(
            "log queries are not supported as an instant query type, please change your query to a range query type".into(),
        )),
        Expr::Metric(m) => metric::eval_instant(m, input, time_ns, &Limits::default()),
    }
}
