//! Encoders for the real wire formats, so the same data can be pushed to Loki, Tempo or any
//! OTLP/HTTP receiver: Loki push JSON, OTLP/HTTP JSON traces and logs.

mod loki;
mod otlp;

pub use loki::{loki_push_json, write_loki_push};
pub use otlp::{otlp_logs_json, otlp_traces_json, write_otlp_logs, write_otlp_traces};
