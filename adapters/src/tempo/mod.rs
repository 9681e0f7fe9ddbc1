//! A Grafana Tempo client over its HTTP API.

mod anyvalue;
pub(crate) mod otlp;
mod wire;

use std::time::Duration;

use async_trait::async_trait;
use loqui_core::{
    BackendError, MetricsQuery, MetricsResult, SearchResult, TagNames, TagScope, TagValue,
    TagValueType, TimeRange, Trace, TraceSearch, TraceSource, VectorSample, normalize_trace_id,
};

use crate::config::SourceConfig;
use crate::http::{Call, HttpClient};
use crate::json::decode;
use wire::{InstantWire, MetricsWire, SearchWire, TagValuesWire, TagsWire};

/// Tempo as a [`TraceSource`].
pub struct TempoClient {
    name: String,
    http: HttpClient,
}

impl std::fmt::Debug for TempoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempoClient")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Tempo takes `start`/`end` in unix seconds; without them search looks at recent data only.
fn range_params(call: Call, range: Option<TimeRange>) -> Call {
    call.param_opt("start", range.map(|r| r.start_secs_floor()))
        .param_opt("end", range.map(|r| r.end_secs_ceil()))
}

fn step_param(step: Duration) -> String {
    let ms = step.as_millis();
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

impl TempoClient {
    pub fn new(cfg: &SourceConfig) -> Result<Self, BackendError> {
        Ok(Self {
            name: cfg.name.clone(),
            http: HttpClient::new("tempo", cfg)?,
        })
    }

    async fn fetch(&self, call: Call) -> Result<Option<Vec<u8>>, BackendError> {
        let answer = self
            .http
            .send(&call, self.http.limits.max_response_bytes)
            .await?;
        Ok((answer.status != 404).then_some(answer.body))
    }

    fn invalid(&self, message: String) -> BackendError {
        BackendError::InvalidResponse {
            backend: self.http.backend.clone(),
            message,
        }
    }

    fn missing(&self, path: &str) -> BackendError {
        BackendError::Upstream {
            backend: self.http.backend.clone(),
            status: 404,
            message: format!("{path} not found; check the url points at Tempo's query frontend"),
        }
    }

    /// v2 first; v1 when the server has no v2 (404). v2's not-found is a 200 with `{"trace":{}}`.
    async fn fetch_trace(
        &self,
        id: &str,
        range: Option<TimeRange>,
    ) -> Result<Vec<u8>, BackendError> {
        let v2 = range_params(Call::new("api/v2/traces").segment(id), range);
        if let Some(body) = self.fetch(v2).await? {
            return Ok(body);
        }
        let v1 = range_params(Call::new("api/traces").segment(id), range);
        self.fetch(v1).await?.ok_or_else(|| self.not_found(id))
    }

    fn not_found(&self, id: &str) -> BackendError {
        BackendError::NotFound {
            backend: self.http.backend.clone(),
            what: format!("trace {id}"),
        }
    }

    fn no_metrics(&self) -> BackendError {
        BackendError::NotAvailable {
            backend: self.http.backend.clone(),
            what: "TraceQL metrics (it answered 404)".into(),
            hint: "enable the metrics generator's local blocks in Tempo, or search instead".into(),
        }
    }

    fn cap_spans(&self, mut trace: Trace) -> Trace {
        let max = self.http.limits.max_spans;
        if trace.spans.len() > max {
            // Keep the earliest spans: the root and the start of the request's path.
            trace.spans.sort_by_key(|s| s.start_ns);
            trace.spans.truncate(max);
            trace.truncated = true;
        }
        trace
    }
}

#[async_trait]
impl TraceSource for TempoClient {
    fn name(&self) -> &str {
        &self.name
    }

    async fn trace(&self, trace_id: &str, range: Option<TimeRange>) -> Result<Trace, BackendError> {
        let id = normalize_trace_id(trace_id).ok_or_else(|| BackendError::InvalidArgument {
            message: format!("`{trace_id}` is not a trace id; use up to 32 hex characters"),
        })?;
        let body = self.fetch_trace(&id, range).await?;
        let any: otlp::AnyTrace = decode(&self.http.backend, &body)?;
        let spans = otlp::spans(any.into_resource_spans()).map_err(|m| self.invalid(m))?;
        if spans.is_empty() {
            return Err(self.not_found(&id));
        }
        let total_spans = spans.len();
        Ok(self.cap_spans(Trace {
            trace_id: id,
            spans,
            truncated: false,
            total_spans,
        }))
    }

    async fn search(&self, s: &TraceSearch) -> Result<SearchResult, BackendError> {
        let limit = s.limit.max(1);
        let call = Call::new("api/search").param("q", &s.query);
        // One trace more than wanted tells whether the answer was cut.
        let call = range_params(call, Some(s.range))
            .param("limit", limit + 1)
            .param_opt("spss", s.spans_per_spanset);
        let body = self
            .fetch(call)
            .await?
            .ok_or_else(|| self.missing("/api/search"))?;
        let wire: SearchWire = decode(&self.http.backend, &body)?;
        let mut traces = wire
            .traces
            .into_iter()
            .map(wire::TraceWire::into_summary)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| self.invalid(m))?;
        let truncated = traces.len() > limit;
        traces.truncate(limit);
        let inspected_bytes = wire
            .metrics
            .and_then(|m| m.inspected_bytes)
            .map(|b| b as u64);
        Ok(SearchResult {
            traces,
            truncated,
            inspected_bytes,
        })
    }

    async fn tag_names(
        &self,
        scope: Option<TagScope>,
        range: Option<TimeRange>,
    ) -> Result<TagNames, BackendError> {
        let v2 = Call::new("api/v2/search/tags").param_opt("scope", scope.map(TagScope::as_str));
        let body = match self.fetch(range_params(v2, range)).await? {
            Some(body) => body,
            None => {
                let v1 = range_params(Call::new("api/search/tags"), range);
                self.fetch(v1)
                    .await?
                    .ok_or_else(|| self.missing("/api/search/tags"))?
            }
        };
        let wire: TagsWire = decode(&self.http.backend, &body)?;
        let mut names = TagNames::new();
        for scope in wire.scopes.unwrap_or_default() {
            names.entry(scope.name).or_default().extend(scope.tags);
        }
        if let Some(flat) = wire.tag_names {
            names.entry(String::new()).or_default().extend(flat);
        }
        Ok(names)
    }

    async fn tag_values(
        &self,
        tag: &str,
        filter: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<Vec<TagValue>, BackendError> {
        let v2 = Call::new("api/v2/search/tag")
            .segment(tag)
            .segment("values")
            .param_opt("q", filter);
        let body = match self.fetch(range_params(v2, range)).await? {
            Some(body) => body,
            None => {
                let v1 = Call::new("api/search/tag").segment(tag).segment("values");
                let v1 = range_params(v1, range);
                self.fetch(v1)
                    .await?
                    .ok_or_else(|| self.missing("/api/search/tag/<name>/values"))?
            }
        };
        let wire: TagValuesWire = decode(&self.http.backend, &body)?;
        let values = wire.tag_values.into_iter().map(TagValue::from);
        // For `status` and `kind`, Tempo may add the raw enum numbers ("0", "2") next to the
        // keywords; only the keywords are valid in TraceQL.
        let enum_tag = matches!(tag, "status" | "kind" | "span:status" | "span:kind");
        Ok(values
            .filter(|v| !enum_tag || v.value_type == TagValueType::Keyword)
            .collect())
    }

    async fn metrics_range(&self, q: &MetricsQuery) -> Result<MetricsResult, BackendError> {
        let call = Call::new("api/metrics/query_range").param("q", &q.query);
        let call = range_params(call, Some(q.range)).param_opt("step", q.step.map(step_param));
        let body = self
            .fetch(call)
            .await?
            .ok_or_else(|| BackendError::NotAvailable {
                backend: self.http.backend.clone(),
                what: "TraceQL metrics (it answered 404)".into(),
                hint: "enable the metrics generator's local blocks in Tempo, or search instead"
                    .into(),
            })?;
        let wire: MetricsWire = decode(&self.http.backend, &body)?;
        Ok(MetricsResult {
            series: wire.series.into_iter().map(Into::into).collect(),
            truncated: false,
        })
    }

    async fn metrics_instant(&self, q: &MetricsQuery) -> Result<Vec<VectorSample>, BackendError> {
        let call = range_params(
            Call::new("api/metrics/query").param("q", &q.query),
            Some(q.range),
        );
        let body = self.fetch(call).await?.ok_or_else(|| self.no_metrics())?;
        let wire: InstantWire = decode(&self.http.backend, &body)?;
        Ok(wire
            .series
            .into_iter()
            .map(|s| s.into_sample(q.range.end_ns))
            .collect())
    }
}
