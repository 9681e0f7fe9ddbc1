//! Loki's HTTP API: the push endpoint (JSON, and snappy-compressed protobuf) and the answers
//! of the query endpoints.

mod answer;
mod proto;
mod push;
pub(crate) mod streams;

pub use answer::{
    encode_error, encode_label_values, encode_labels, encode_query_result, encode_series,
};
pub use proto::{EntryAdapter, LabelPairAdapter, PushRequest, StreamAdapter, Timestamp};
pub use push::{decode_push_json, decode_push_proto, encode_push_proto};
pub use streams::{SERVICE_NAME_SOURCES, discover_service_name};
