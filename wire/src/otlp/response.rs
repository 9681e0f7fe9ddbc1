//! OTLP/HTTP export responses. A full success is `{}` (JSON) or an empty message; a partial
//! one names how many records were rejected and why, so the sender can log it (the status
//! stays 200: OTLP/HTTP says partial success is not to be retried).

use prost::Message as _;
use serde::Serialize;

use super::proto::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse, ExportTracePartialSuccess,
    ExportTraceServiceResponse,
};
use crate::PushOutcome;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_success: Option<Partial>,
}

#[derive(Serialize)]
struct Partial {
    #[serde(flatten)]
    rejected: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "errorMessage")]
    error_message: String,
}

fn json<T>(outcome: &PushOutcome<T>, field: &str) -> Vec<u8> {
    let partial_success = outcome.error_message().map(|error_message| {
        let mut rejected = serde_json::Map::new();
        // int64 is a string in proto3 JSON.
        rejected.insert(field.into(), outcome.rejected_records.to_string().into());
        Partial {
            rejected,
            error_message,
        }
    });
    serde_json::to_vec(&Response { partial_success }).expect("responses serialize")
}

/// `{"partialSuccess":{"rejectedSpans":"N","errorMessage":"…"}}`, or `{}` when all were kept.
pub fn encode_traces_response_json<T>(outcome: &PushOutcome<T>) -> Vec<u8> {
    json(outcome, "rejectedSpans")
}

/// `{"partialSuccess":{"rejectedLogRecords":"N","errorMessage":"…"}}`, or `{}`.
pub fn encode_logs_response_json<T>(outcome: &PushOutcome<T>) -> Vec<u8> {
    json(outcome, "rejectedLogRecords")
}

pub fn encode_traces_response_proto<T>(outcome: &PushOutcome<T>) -> Vec<u8> {
    ExportTraceServiceResponse {
        partial_success: outcome.error_message().map(|m| ExportTracePartialSuccess {
            rejected_spans: outcome.rejected_records as i64,
            error_message: m,
        }),
    }
    .encode_to_vec()
}

pub fn encode_logs_response_proto<T>(outcome: &PushOutcome<T>) -> Vec<u8> {
    ExportLogsServiceResponse {
        partial_success: outcome.error_message().map(|m| ExportLogsPartialSuccess {
            rejected_log_records: outcome.rejected_records as i64,
            error_message: m,
        }),
    }
    .encode_to_vec()
}
