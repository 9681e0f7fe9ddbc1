//! The wire formats of loqui's embedded-store endpoints: pure conversions between the bytes
//! agents and Grafana send or expect and `loqui-core`'s types, so the HTTP handlers stay thin.
//!
//! * Ingest ([`loki::decode_push_json`], [`loki::decode_push_proto`],
//!   [`otlp::decode_traces_json`], [`otlp::decode_traces_proto`], [`otlp::decode_logs_json`],
//!   [`otlp::decode_logs_proto`]) returns a [`PushOutcome`]: the good records, and each bad one
//!   with where it was and what to fix. Only an unreadable body or a broken limit fails the
//!   whole request ([`WireError`]).
//! * Query answers ([`loki`]'s and [`tempo`]'s `encode_*`) write the exact JSON shapes real
//!   Loki and Tempo send, so Grafana and loqui's own clients read them unchanged.
//!
//! Content-Encoding (`gzip`, `zstd` from the OpenTelemetry Collector) is the server's job: it
//! inflates the body, bounded by [`Limits::max_body_bytes`], before calling a decoder here.
//! Loki's protobuf push is different: its snappy *block* compression is part of the format,
//! not of HTTP, so [`loki::decode_push_proto`] undoes it.
//!
//! **Architecture Invariant:** no IO, no HTTP types, no status codes; errors carry a
//! [`loqui_core::ErrorCode`] and `server` picks the status.

mod ids;
mod labels;
pub mod loki;
pub mod otlp;
mod push;
pub mod tempo;

pub use labels::{LabelError, format_labels, parse_labels, validate_label_name};
pub use push::{Limits, PushOutcome, Rejection, WireError};
