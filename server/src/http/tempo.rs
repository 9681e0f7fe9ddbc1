//! Tempo's query API over the configured trace source (`/api/...`).

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use loqui_core::{ErrorCode, MetricsQuery, TagScope, TraceSearch, normalize_trace_id};
use loqui_wire::tempo as wire;

use super::error::AppError;
use super::params::Params;
use super::{AppState, json};

const HOUR: Duration = Duration::from_secs(3600);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/echo", get(|| async { "echo" }))
        .route("/api/traces/{id}", get(trace_v1))
        .route("/api/v2/traces/{id}", get(trace_v2))
        .route("/api/search", get(search))
        .route("/api/search/tags", get(tags_v1))
        .route("/api/v2/search/tags", get(tags_v2))
        .route("/api/search/tag/{name}/values", get(tag_values_v1))
        .route("/api/v2/search/tag/{name}/values", get(tag_values_v2))
        .route("/api/metrics/query_range", get(metrics_range))
        .route("/api/metrics/query", get(metrics_instant))
}

fn trace_id(id: &str) -> Result<String, AppError> {
    normalize_trace_id(id).ok_or_else(|| {
        AppError::bad_request(format!("trace IDs can only contain hex characters and be at most 32 long: invalid character in `{id}`"))
    })
}

/// v1 answers an unknown trace with 404 and an empty body, as Tempo does.
async fn trace_v1(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, AppError> {
    let id = trace_id(&id)?;
    match s.traces.trace(&id, optional_range(&p)?).await {
        Ok(trace) if !trace.spans.is_empty() => Ok(json(wire::encode_trace_v1(&trace))),
        Ok(_) => Ok(StatusCode::NOT_FOUND.into_response()),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(StatusCode::NOT_FOUND.into_response()),
        Err(e) => Err(e.into()),
    }
}

/// v2 answers an unknown trace with 200 and an empty trace, as Tempo does.
async fn trace_v2(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, AppError> {
    let id = trace_id(&id)?;
    let trace = match s.traces.trace(&id, optional_range(&p)?).await {
        Ok(trace) => trace,
        Err(e) if e.code() == ErrorCode::NotFound => loqui_core::Trace {
            trace_id: id,
            spans: Vec::new(),
            truncated: false,
            total_spans: 0,
        },
        Err(e) => return Err(e.into()),
    };
    Ok(json(wire::encode_trace_v2(&trace)))
}

fn optional_range(p: &Params) -> Result<Option<loqui_core::TimeRange>, AppError> {
    if p.get("start").is_none() && p.get("end").is_none() {
        return Ok(None);
    }
    p.range(HOUR).map(Some)
}

async fn search(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let search = TraceSearch {
        query: p.get("q").unwrap_or("{}").to_owned(),
        range: p.range(HOUR)?,
        limit: p.usize("limit", 20)?,
        spans_per_spanset: Some(p.usize("spss", 3)?),
    };
    let result = s.traces.search(&search).await?;
    Ok(json(wire::encode_search(&result)))
}

fn scope(p: &Params) -> Result<Option<TagScope>, AppError> {
    let scope = match p.get("scope") {
        None | Some("all") => return Ok(None),
        Some("span") => TagScope::Span,
        Some("resource") => TagScope::Resource,
        Some("intrinsic") => TagScope::Intrinsic,
        Some("event") => TagScope::Event,
        Some("link") => TagScope::Link,
        Some("instrumentation") => TagScope::Instrumentation,
        Some(other) => {
            return Err(AppError::bad_request(format!(
                "unknown scope `{other}`; use span, resource, intrinsic, event, link, instrumentation or all"
            )));
        }
    };
    Ok(Some(scope))
}

async fn tags_v1(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let tags = s.traces.tag_names(scope(&p)?, optional_range(&p)?).await?;
    Ok(json(wire::encode_tags_v1(&tags)))
}

async fn tags_v2(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let tags = s.traces.tag_names(scope(&p)?, optional_range(&p)?).await?;
    Ok(json(wire::encode_tags_v2(&tags)))
}

async fn tag_values_v1(
    State(s): State<AppState>,
    Path(name): Path<String>,
    p: Params,
) -> Result<Response, AppError> {
    // v1 names resource and span attributes without a scope (`service.name`).
    let values = s
        .traces
        .tag_values(&format!(".{name}"), p.get("q"), optional_range(&p)?)
        .await?;
    let values: Vec<String> = values.into_iter().map(|v| v.value).collect();
    Ok(json(wire::encode_tag_values_v1(&values)))
}

async fn tag_values_v2(
    State(s): State<AppState>,
    Path(name): Path<String>,
    p: Params,
) -> Result<Response, AppError> {
    let values = s
        .traces
        .tag_values(&name, p.get("q"), optional_range(&p)?)
        .await?;
    Ok(json(wire::encode_tag_values_v2(&values)))
}

fn metrics_query(p: &Params) -> Result<MetricsQuery, AppError> {
    Ok(MetricsQuery {
        query: p.require("q")?.to_owned(),
        range: p.range(HOUR)?,
        step: p.step()?,
    })
}

async fn metrics_range(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let result = s.traces.metrics_range(&metrics_query(&p)?).await?;
    Ok(json(wire::encode_metrics_range(&result)))
}

async fn metrics_instant(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let samples = s.traces.metrics_instant(&metrics_query(&p)?).await?;
    Ok(json(wire::encode_metrics_instant(&samples)))
}
