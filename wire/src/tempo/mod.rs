//! Tempo's query answers, in the shapes Tempo writes and Grafana reads: trace by id (v1
//! `{"batches":[…]}` and v2 `{"trace":{"resourceSpans":[…]}}`, base64 ids, enum names),
//! search (hex ids, the trace id without leading zeros), tag names and values, and TraceQL
//! metrics (`timestampMs` strings, zero values left out as proto3 JSON does).

mod any;
mod metrics;
mod search;
mod trace;

pub use metrics::{encode_metrics_instant, encode_metrics_range};
pub use search::{
    encode_search, encode_tag_values_v1, encode_tag_values_v2, encode_tags_v1, encode_tags_v2,
};
pub use trace::{encode_trace_v1, encode_trace_v2};
