//! Loki's query API over the configured log source (`/loki/api/v1/...`).

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use loqui_core::{InstantQuery, LogQuery};
use loqui_wire::loki as wire;

use super::error::AppError;
use super::params::{Params, now_ns};
use super::{AppState, json};

const HOUR: Duration = Duration::from_secs(3600);
/// Loki's `max_entries_limit_per_query` default.
const MAX_LIMIT: usize = 5000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/loki/api/v1/query_range",
            get(query_range).post(query_range),
        )
        .route("/loki/api/v1/query", get(query).post(query))
        .route("/loki/api/v1/labels", get(labels).post(labels))
        .route("/loki/api/v1/label", get(labels))
        .route("/loki/api/v1/label/{name}/values", get(label_values))
        .route("/loki/api/v1/series", get(series).post(series))
        .route("/loki/api/v1/index/stats", get(index_stats))
}

fn limit(p: &Params) -> Result<usize, AppError> {
    let limit = p.usize("limit", 100)?;
    if limit > MAX_LIMIT {
        return Err(AppError::bad_request(format!(
            "max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {MAX_LIMIT})"
        )));
    }
    Ok(limit)
}

fn categorize(headers: &HeaderMap) -> bool {
    headers
        .get("X-Loki-Response-Encoding-Flags")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|f| f.trim() == "categorize-labels"))
}

async fn query_range(
    State(s): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    let mut q = LogQuery::new(p.require("query")?, p.range(HOUR)?, limit(&p)?);
    if q.range.start_ns == q.range.end_ns {
        return Err(AppError::bad_request(
            "end timestamp must not be before or equal to start time",
        ));
    }
    q.direction = Some(p.direction()?);
    q.step = p.step()?;
    let result = s.logs.query_range(&q).await?;
    Ok(json(wire::encode_query_result(
        &result,
        categorize(&headers),
    )))
}

async fn query(
    State(s): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    let q = InstantQuery {
        query: p.require("query")?.to_owned(),
        time_ns: p.time("time")?.unwrap_or_else(now_ns),
        limit: Some(limit(&p)?),
    };
    let result = s.logs.query_instant(&q).await?;
    Ok(json(wire::encode_query_result(
        &result,
        categorize(&headers),
    )))
}

async fn labels(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let names = s.logs.labels(Some(p.range(HOUR * 6)?)).await?;
    Ok(json(wire::encode_labels(&names)))
}

async fn label_values(
    State(s): State<AppState>,
    Path(name): Path<String>,
    p: Params,
) -> Result<Response, AppError> {
    let values = s
        .logs
        .label_values(&name, p.get("query"), Some(p.range(HOUR * 6)?))
        .await?;
    Ok(json(wire::encode_label_values(&values)))
}

async fn series(State(s): State<AppState>, p: Params) -> Result<Response, AppError> {
    let selectors = p.all("match[]");
    if selectors.is_empty() {
        return Err(AppError::bad_request(
            "give at least one `match[]` stream selector, e.g. match[]={app=\"api\"}",
        ));
    }
    let series = s.logs.series(&selectors, Some(p.range(HOUR * 6)?)).await?;
    Ok(json(wire::encode_series(&series)))
}

async fn index_stats(
    State(s): State<AppState>,
    p: Params,
) -> Result<Json<loqui_core::IndexStats>, AppError> {
    let stats = s
        .logs
        .index_stats(p.require("query")?, p.range(HOUR)?)
        .await?;
    Ok(Json(stats))
}
