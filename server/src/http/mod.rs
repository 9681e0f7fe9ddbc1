//! The axum app: the embedded store's Loki, Tempo and OTLP APIs, health checks, and the
//! callers' token. Handlers are thin: parameters in, a `loqui-core` call, a `loqui-wire`
//! encoding out.

mod auth;
pub mod error;
mod ingest;
mod loki;
mod params;

pub use params::now_ns;
mod tempo;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use loqui_adapters::SecretReader;
use loqui_core::{BackendError, LogSource, TraceSource};
use loqui_store::Store;

use error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub logs: Arc<dyn LogSource>,
    pub traces: Arc<dyn TraceSource>,
    /// The embedded store, when loqui runs one: the target of the push endpoints.
    pub store: Option<Arc<Store>>,
    pub wire_limits: loqui_wire::Limits,
}

/// Largest request body accepted anywhere (push batches included).
pub const MAX_BODY_BYTES: usize = 64 << 20;

pub fn app(state: AppState, token: Option<Arc<SecretReader>>) -> Router {
    let api = Router::new()
        .merge(loki::routes())
        .merge(tempo::routes())
        .merge(ingest::routes())
        .with_state(state);
    let api = match token {
        Some(token) => api.layer(axum::middleware::from_fn_with_state(
            token,
            auth::require_token,
        )),
        None => api,
    };
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(|| async { "ready" }))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

impl From<BackendError> for AppError {
    fn from(e: BackendError) -> AppError {
        // The embedded store's query errors are sent as the bare message, as Loki and Tempo do,
        // so clients show "line 1, col 30: ..." rather than a wrapped sentence.
        let message = match &e {
            BackendError::BadQuery { message, .. } => message.clone(),
            other => other.to_string(),
        };
        AppError::new(e.code(), message)
    }
}

/// A JSON body with the Content-Type Loki and Tempo send.
pub fn json(body: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
