//! OTLP/HTTP ingest (`/v1/traces`, `/v1/logs`, JSON and protobuf) and its responses.

mod json;
mod json_value;
mod logs;
pub mod proto;
mod response;
mod traces;
mod value;

pub use logs::{INDEX_LABEL_ATTRIBUTES, decode_logs_json, decode_logs_proto};
pub use response::{
    encode_logs_response_json, encode_logs_response_proto, encode_traces_response_json,
    encode_traces_response_proto,
};
pub use traces::{decode_traces_json, decode_traces_proto, encode_traces_proto};
