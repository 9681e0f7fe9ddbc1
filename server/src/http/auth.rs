//! The callers' bearer token (`LOQUI_TOKEN`): required on everything but health checks when set.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use loqui_adapters::SecretReader;
use loqui_core::ErrorCode;

use super::error::AppError;

/// Rejects requests without the expected `Authorization: Bearer <token>`.
pub async fn require_token(
    State(token): State<Arc<SecretReader>>,
    request: Request,
    next: Next,
) -> Response {
    let expected = match token.current() {
        Ok(secret) => secret,
        Err(e) => {
            // The token source is misconfigured (e.g. its file vanished): refuse rather than
            // let callers in, and say where to look without naming the secret.
            tracing::error!(error = %e, "the callers' token could not be read");
            return AppError::new(
                ErrorCode::Unavailable,
                "loqui's access token is not readable; check LOQUI_TOKEN or token_file",
            )
            .into_response();
        }
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(given) if same(given.trim().as_bytes(), expected.expose().as_bytes()) => {
            next.run(request).await
        }
        Some(_) => {
            AppError::new(ErrorCode::Unauthenticated, "the bearer token is wrong").into_response()
        }
        None => AppError::new(
            ErrorCode::Unauthenticated,
            "send `Authorization: Bearer <token>` (loqui runs with LOQUI_TOKEN)",
        )
        .into_response(),
    }
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
