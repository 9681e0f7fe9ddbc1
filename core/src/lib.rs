//! loqui's domain: what a log or trace backend returns, the traits the engine calls, and the
//! error codes every surface understands.
//!
//! **Architecture Invariant:** this crate does no IO. Backends (Loki, Tempo, the embedded store)
//! implement [`LogSource`] and [`TraceSource`]; upstream wire formats never leak in here.

mod error;
mod logs;
mod map;
mod source;
mod sources;
mod time;
mod traces;

pub use error::{BackendError, ErrorCode};
pub use logs::{
    DetectedField, Direction, IndexStats, Labels, LineLabels, LogLine, LogPattern, LogQueryResult,
    LogStream, QueryData, QueryStats, Sample, Series, VectorSample,
};
pub use map::{Key, SmallMap, intern};
pub use source::{InstantQuery, LogQuery, LogSource, MetricsQuery, TraceSearch, TraceSource};
pub use sources::Sources;
pub use time::TimeRange;
pub use traces::{
    AttrValue, Attributes, Exemplar, MetricsResult, SearchResult, ServiceStats, Span, SpanEvent,
    SpanKind, SpanStatus, StatusCode, TagNames, TagScope, TagValue, TagValueType, Trace, TraceId,
    TraceSummary, normalize_span_id, normalize_trace_id,
};
