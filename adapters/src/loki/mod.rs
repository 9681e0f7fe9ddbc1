//! A Grafana Loki client over its HTTP API (`/loki/api/v1/...`).

mod trim;
pub(crate) mod wire;

use std::time::Duration;

use async_trait::async_trait;
use loqui_core::{
    BackendError, DetectedField, IndexStats, InstantQuery, Labels, LogPattern, LogQuery,
    LogQueryResult, LogSource, QueryData, TimeRange,
};

use crate::config::SourceConfig;
use crate::http::{Call, HttpClient};
use crate::json::decode;
use wire::{DetectedFieldsWire, Envelope, IndexStatsWire, PatternWire, QueryBody};

const CATEGORIZE: (&str, &str) = ("x-loki-response-encoding-flags", "categorize-labels");

/// Loki as a [`LogSource`].
pub struct LokiClient {
    name: String,
    http: HttpClient,
    categorize: bool,
    post_over: usize,
}

impl std::fmt::Debug for LokiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LokiClient")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl LokiClient {
    pub fn new(cfg: &SourceConfig) -> Result<Self, BackendError> {
        let http = HttpClient::new("loki", cfg)?;
        Ok(Self {
            name: cfg.name.clone(),
            http,
            categorize: cfg.categorize_labels,
            post_over: cfg.post_queries_over_bytes,
        })
    }

    fn call(&self, path: &str) -> Call {
        Call::new("loki/api/v1").segment(path)
    }

    async fn fetch(&self, call: Call) -> Result<Option<Vec<u8>>, BackendError> {
        let answer = self
            .http
            .send(&call, self.http.limits.max_response_bytes)
            .await?;
        Ok((answer.status != 404).then_some(answer.body))
    }

    /// Like `fetch`, for endpoints that always exist: a 404 means a proxy or URL problem.
    async fn fetch_existing(&self, call: Call, what: &str) -> Result<Vec<u8>, BackendError> {
        let path = call.segments.join("/");
        self.fetch(call)
            .await?
            .ok_or_else(|| BackendError::Upstream {
                backend: self.http.backend.clone(),
                status: 404,
                message: format!(
                    "/{path} not found while asking for {what}; check the url points at Loki"
                ),
            })
    }

    fn not_available(&self, what: &str, hint: &str) -> BackendError {
        BackendError::NotAvailable {
            backend: self.http.backend.clone(),
            what: format!("{what} (it answered 404)"),
            hint: hint.to_string(),
        }
    }

    async fn query_body(&self, call: Call) -> Result<QueryBody, BackendError> {
        let body = self.fetch_existing(call, "a query").await?;
        let envelope: Envelope<QueryBody> = decode(&self.http.backend, &body)?;
        envelope.data.ok_or_else(|| BackendError::InvalidResponse {
            backend: self.http.backend.clone(),
            message: "query answer without `data`".into(),
        })
    }
}

fn range_params(call: Call, range: Option<TimeRange>) -> Call {
    call.param_opt("start", range.map(|r| r.start_ns))
        .param_opt("end", range.map(|r| r.end_ns))
}

/// Loki takes `step` as seconds, with a fraction when needed.
fn step_secs(step: Duration) -> String {
    let s = step.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}

#[async_trait]
impl LogSource for LokiClient {
    fn name(&self) -> &str {
        &self.name
    }

    async fn query_range(&self, q: &LogQuery) -> Result<LogQueryResult, BackendError> {
        let limits = &self.http.limits;
        let limit = q.limit.min(limits.max_lines).max(1);
        // One line more than wanted tells us whether the answer was cut, unless Loki's own
        // per-query cap leaves no room for it.
        let ask = (limit + 1).min(limits.server_max_entries.max(1));
        let mut call = self
            .call("query_range")
            .param("query", &q.query)
            .param("start", q.range.start_ns)
            .param("end", q.range.end_ns)
            .param("limit", ask)
            .param_opt("direction", q.direction.map(|d| d.as_str()))
            .param_opt("step", q.step.map(step_secs));
        if self.categorize {
            call = call.header(CATEGORIZE.0, CATEGORIZE.1);
        }
        call.form = q.query.len() > self.post_over;
        let body = self.query_body(call).await?;
        let (data, total_lines, truncated) = match body.data {
            QueryData::Streams(streams) => {
                let dir = q.direction.unwrap_or_default();
                let (streams, kept, cut) = trim::keep_newest(streams, limit, dir);
                (
                    QueryData::Streams(streams),
                    kept,
                    cut || (ask == limit && kept >= limit),
                )
            }
            other => (other, 0, false),
        };
        if truncated {
            tracing::debug!(backend = %self.http.backend, limit, "log lines cut at the limit");
        }
        Ok(LogQueryResult {
            data,
            truncated,
            total_lines,
            stats: body.stats,
        })
    }

    async fn query_instant(&self, q: &InstantQuery) -> Result<LogQueryResult, BackendError> {
        let call = self
            .call("query")
            .param("query", &q.query)
            .param("time", q.time_ns)
            .param_opt("limit", q.limit);
        let body = self.query_body(call).await?;
        Ok(LogQueryResult {
            data: body.data,
            truncated: false,
            total_lines: 0,
            stats: body.stats,
        })
    }

    async fn labels(&self, range: Option<TimeRange>) -> Result<Vec<String>, BackendError> {
        let body = self
            .fetch_existing(range_params(self.call("labels"), range), "labels")
            .await?;
        let env: Envelope<Vec<String>> = decode(&self.http.backend, &body)?;
        Ok(env.data.unwrap_or_default())
    }

    async fn label_values(
        &self,
        name: &str,
        selector: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<Vec<String>, BackendError> {
        let call = Call::new("loki/api/v1/label")
            .segment(name)
            .segment("values");
        let call = range_params(call, range).param_opt("query", selector);
        let body = self.fetch_existing(call, "label values").await?;
        // An unknown label answers `{"status":"success"}` with no `data` at all.
        let env: Envelope<Vec<String>> = decode(&self.http.backend, &body)?;
        Ok(env.data.unwrap_or_default())
    }

    async fn series(
        &self,
        selectors: &[String],
        range: Option<TimeRange>,
    ) -> Result<Vec<Labels>, BackendError> {
        if selectors.is_empty() {
            return Err(BackendError::InvalidArgument {
                message: "series needs at least one selector, e.g. {namespace=\"shop\"}".into(),
            });
        }
        let call = selectors
            .iter()
            .fold(self.call("series"), |c, s| c.param("match[]", s));
        let body = self
            .fetch_existing(range_params(call, range), "series")
            .await?;
        let env: Envelope<Vec<Labels>> = decode(&self.http.backend, &body)?;
        Ok(env.data.unwrap_or_default())
    }

    async fn index_stats(
        &self,
        selector: &str,
        range: TimeRange,
    ) -> Result<IndexStats, BackendError> {
        let call = range_params(
            self.call("index").segment("stats").param("query", selector),
            Some(range),
        );
        let body = self.fetch(call).await?.ok_or_else(|| {
            self.not_available(
                "index stats",
                "upgrade Loki to 2.8 or later, or skip the estimate",
            )
        })?;
        Ok(decode::<IndexStatsWire>(&self.http.backend, &body)?.into())
    }

    async fn patterns(
        &self,
        selector: &str,
        range: TimeRange,
        step: Option<Duration>,
    ) -> Result<Vec<LogPattern>, BackendError> {
        let call = range_params(self.call("patterns").param("query", selector), Some(range))
            .param_opt("step", step.map(|s| format!("{}s", step_secs(s))));
        let body = self.fetch(call).await?.ok_or_else(|| {
            self.not_available(
                "log patterns",
                "enable the pattern ingester (pattern_ingester.enabled: true) in Loki, \
                 or let loqui mine patterns from the lines",
            )
        })?;
        let env: Envelope<Vec<PatternWire>> = decode(&self.http.backend, &body)?;
        Ok(env
            .data
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn detected_fields(
        &self,
        query: &str,
        range: TimeRange,
        limit: Option<usize>,
    ) -> Result<Vec<DetectedField>, BackendError> {
        let call = range_params(
            self.call("detected_fields").param("query", query),
            Some(range),
        )
        .param_opt("limit", limit);
        let body = self.fetch(call).await?.ok_or_else(|| {
            self.not_available(
                "detected fields",
                "upgrade Loki to 3.1 or later, or parse lines with | json",
            )
        })?;
        let wire: DetectedFieldsWire = decode(&self.http.backend, &body)?;
        Ok(wire
            .fields
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
