//! Push endpoints of the embedded store: Loki push (JSON, protobuf + snappy) and OTLP/HTTP
//! traces and logs (JSON, protobuf). Good records are kept even when others in the same batch
//! are refused; the answer says which were refused and why.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use loqui_core::{ErrorCode, LogStream, Span};
use loqui_store::{Store, WriteReport};
use loqui_wire::{PushOutcome, Rejection, WireError, loki, otlp};

use super::AppState;
use super::error::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/loki/api/v1/push", post(loki_push))
        .route("/v1/traces", post(otlp_traces))
        .route("/v1/logs", post(otlp_logs))
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Protobuf,
}

fn format_of(headers: &HeaderMap) -> Result<Format, AppError> {
    if let Some(enc) = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        if !enc.eq_ignore_ascii_case("identity") {
            return Err(AppError::bad_request(format!(
                "Content-Encoding `{enc}` is not supported; send the body uncompressed (Loki protobuf pushes use snappy inside the body)"
            )));
        }
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" => Ok(Format::Json),
        "application/x-protobuf" | "application/protobuf" => Ok(Format::Protobuf),
        _ => Err(AppError::bad_request(format!(
            "unsupported Content-Type `{ct}`; send application/json or application/x-protobuf"
        ))),
    }
}

fn store(s: &AppState) -> Result<Arc<Store>, AppError> {
    s.store.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::NotImplemented,
            "this loqui reads a remote Loki/Tempo and runs no embedded store; push to that Loki/Tempo instead",
        )
    })
}

fn wire_error(e: WireError) -> AppError {
    AppError::new(e.code(), e.to_string())
}

/// Writes on a blocking thread: the store fsyncs before acknowledging.
async fn write<T: Send + 'static>(
    store: Arc<Store>,
    records: Vec<T>,
    put: fn(&Store, &[T]) -> loqui_store::Result<WriteReport>,
) -> Result<WriteReport, AppError> {
    tokio::task::spawn_blocking(move || put(&store, &records))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("the write task failed: {e}")))?
        .map_err(|e| AppError::new(e.code(), e.to_string()))
}

/// Folds the store's refusals into the decoder's outcome so one answer lists both.
fn merge<T>(outcome: &mut PushOutcome<T>, report: &WriteReport) {
    outcome.accepted_records = report.accepted;
    for r in &report.rejected {
        outcome.rejected_records += 1;
        if outcome.rejections.len() < PushOutcome::<T>::MAX_REPORTED {
            outcome.rejections.push(Rejection {
                path: format!("record {}", r.index),
                records: 1,
                reason: r.reason.clone(),
            });
        }
    }
}

fn push_logs(store: &Store, streams: &[LogStream]) -> loqui_store::Result<WriteReport> {
    store.logs.push(streams)
}

fn push_spans(store: &Store, spans: &[Span]) -> loqui_store::Result<WriteReport> {
    store.traces.push(spans)
}

/// A decoder of one push format.
type Decode<T> = fn(&[u8], &loqui_wire::Limits) -> Result<PushOutcome<T>, WireError>;

/// Decodes a push with the decoder for its format (`[json, protobuf]`), stores what decoded,
/// and returns the format and the outcome with the store's refusals folded in.
async fn ingest<T: Send + 'static>(
    s: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    decoders: [Decode<T>; 2],
    put: fn(&Store, &[T]) -> loqui_store::Result<WriteReport>,
) -> Result<(Format, PushOutcome<T>), AppError> {
    let store = store(s)?;
    let format = format_of(headers)?;
    let decode = match format {
        Format::Json => decoders[0],
        Format::Protobuf => decoders[1],
    };
    let mut outcome = decode(body, &s.wire_limits).map_err(wire_error)?;
    let records = std::mem::take(&mut outcome.accepted);
    let report = write(store, records, put).await?;
    merge(&mut outcome, &report);
    Ok((format, outcome))
}

/// Loki answers 204 when everything was stored and 400 naming the refused records otherwise.
async fn loki_push(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let decoders = [
        loki::decode_push_json as Decode<LogStream>,
        loki::decode_push_proto,
    ];
    let (_, outcome) = ingest(&s, &headers, &body, decoders, push_logs).await?;
    match outcome.error_message() {
        None => Ok(StatusCode::NO_CONTENT.into_response()),
        Some(message) => Err(AppError::bad_request(format!(
            "{} of {} lines stored; {message}",
            outcome.accepted_records,
            outcome.accepted_records + outcome.rejected_records
        ))),
    }
}

async fn otlp_traces(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let decoders = [
        otlp::decode_traces_json as Decode<Span>,
        otlp::decode_traces_proto,
    ];
    let (format, outcome) = ingest(&s, &headers, &body, decoders, push_spans).await?;
    Ok(match format {
        Format::Json => otlp_answer(
            otlp::encode_traces_response_json(&outcome),
            "application/json",
        ),
        Format::Protobuf => otlp_answer(
            otlp::encode_traces_response_proto(&outcome),
            "application/x-protobuf",
        ),
    })
}

async fn otlp_logs(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let decoders = [
        otlp::decode_logs_json as Decode<LogStream>,
        otlp::decode_logs_proto,
    ];
    let (format, outcome) = ingest(&s, &headers, &body, decoders, push_logs).await?;
    Ok(match format {
        Format::Json => otlp_answer(
            otlp::encode_logs_response_json(&outcome),
            "application/json",
        ),
        Format::Protobuf => otlp_answer(
            otlp::encode_logs_response_proto(&outcome),
            "application/x-protobuf",
        ),
    })
}

/// OTLP/HTTP answers 200 with a (possibly partial-success) response body.
fn otlp_answer(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}
