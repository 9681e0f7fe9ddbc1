//! The traits the engine calls. Backends arrive as `Arc<dyn LogSource>` / `Arc<dyn TraceSource>`.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::BackendError;
use crate::logs::{
    DetectedField, Direction, IndexStats, Labels, LogPattern, LogQueryResult, VectorSample,
};
use crate::time::TimeRange;
use crate::traces::{MetricsResult, SearchResult, TagNames, TagScope, TagValue, Trace};

/// A LogQL query over a range: log lines (streams) or a metric matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogQuery {
    pub query: String,
    pub range: TimeRange,
    /// Most lines to return; the backend's own cap may lower it.
    pub limit: usize,
    /// `None` leaves the backend's default (newest first).
    pub direction: Option<Direction>,
    /// Resolution of metric queries; `None` lets the backend choose.
    pub step: Option<Duration>,
}

impl LogQuery {
    pub fn new(query: impl Into<String>, range: TimeRange, limit: usize) -> Self {
        Self {
            query: query.into(),
            range,
            limit,
            direction: None,
            step: None,
        }
    }
}

/// A LogQL metric query evaluated at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstantQuery {
    pub query: String,
    pub time_ns: i64,
    pub limit: Option<usize>,
}

/// A TraceQL search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSearch {
    pub query: String,
    pub range: TimeRange,
    /// Most traces to return.
    pub limit: usize,
    /// Most spans per span set (`spss`); `None` leaves the backend's default (3 in Tempo).
    pub spans_per_spanset: Option<usize>,
}

/// A TraceQL metrics query (`rate()`, `count_over_time()`, `quantile_over_time()`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsQuery {
    pub query: String,
    pub range: TimeRange,
    pub step: Option<Duration>,
}

/// A log backend: Loki, or the embedded store.
#[async_trait]
pub trait LogSource: Send + Sync {
    /// The data source's configured name (e.g. `prod-eu`).
    fn name(&self) -> &str;

    /// Log lines or a metric matrix over a range.
    async fn query_range(&self, query: &LogQuery) -> Result<LogQueryResult, BackendError>;

    /// A metric query at one instant (vector or scalar). Log queries are rejected.
    async fn query_instant(&self, query: &InstantQuery) -> Result<LogQueryResult, BackendError>;

    /// Index label names.
    async fn labels(&self, range: Option<TimeRange>) -> Result<Vec<String>, BackendError>;

    /// Values of one label, optionally only for streams matching `selector`. An unknown label
    /// has no values.
    async fn label_values(
        &self,
        name: &str,
        selector: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<Vec<String>, BackendError>;

    /// Label sets of the streams matching any of the selectors.
    async fn series(
        &self,
        selectors: &[String],
        range: Option<TimeRange>,
    ) -> Result<Vec<Labels>, BackendError>;

    /// Size of what a selector would read, to estimate a query's cost before running it.
    async fn index_stats(
        &self,
        selector: &str,
        range: TimeRange,
    ) -> Result<IndexStats, BackendError>;

    /// Log templates the backend has mined, where it offers this.
    async fn patterns(
        &self,
        selector: &str,
        range: TimeRange,
        step: Option<Duration>,
    ) -> Result<Vec<LogPattern>, BackendError> {
        let _ = (selector, range, step);
        Err(not_offered(self.name(), "log patterns"))
    }

    /// Fields found in the lines a query selects, where the backend offers this.
    async fn detected_fields(
        &self,
        query: &str,
        range: TimeRange,
        limit: Option<usize>,
    ) -> Result<Vec<DetectedField>, BackendError> {
        let _ = (query, range, limit);
        Err(not_offered(self.name(), "detected fields"))
    }
}

/// A trace backend: Tempo, or the embedded store.
#[async_trait]
pub trait TraceSource: Send + Sync {
    fn name(&self) -> &str;

    /// One trace by id (hex, any case, leading zeros optional). `range` narrows where the
    /// backend looks, which makes the lookup cheaper.
    async fn trace(&self, trace_id: &str, range: Option<TimeRange>) -> Result<Trace, BackendError>;

    async fn search(&self, search: &TraceSearch) -> Result<SearchResult, BackendError>;

    /// Attribute names, by scope; `scope: None` asks for every scope.
    async fn tag_names(
        &self,
        scope: Option<TagScope>,
        range: Option<TimeRange>,
    ) -> Result<TagNames, BackendError>;

    /// Values of one attribute (e.g. `resource.service.name`), optionally only on spans a
    /// TraceQL `filter` matches.
    async fn tag_values(
        &self,
        tag: &str,
        filter: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<Vec<TagValue>, BackendError>;

    /// A TraceQL metrics query over a range.
    async fn metrics_range(&self, query: &MetricsQuery) -> Result<MetricsResult, BackendError> {
        let _ = query;
        Err(not_offered(self.name(), "TraceQL metrics"))
    }

    /// A TraceQL metrics query reduced to one value per series over the whole range
    /// (`step` is ignored); each sample is stamped with the range's end.
    async fn metrics_instant(
        &self,
        query: &MetricsQuery,
    ) -> Result<Vec<VectorSample>, BackendError> {
        let _ = query;
        Err(not_offered(self.name(), "TraceQL metrics"))
    }
}

fn not_offered(backend: &str, what: &str) -> BackendError {
    BackendError::NotAvailable {
        backend: backend.to_string(),
        what: what.to_string(),
        hint: "use another data source or a plain query instead".to_string(),
    }
}
