//! Grafana Loki and Tempo clients implementing `loqui-core`'s [`LogSource`] and
//! [`TraceSource`].
//!
//! **Architecture Invariant:** upstream JSON shapes stay in this crate; callers only see
//! `loqui-core` types. Every call is bounded in time, retries, lines/spans and response bytes.

mod auth;
mod config;
pub mod decode;
mod http;
mod json;
mod loki;
mod retry;
mod secret;
mod sources;
mod tempo;

pub use config::{AuthConfig, Limits, SourceConfig, TlsConfig};
pub use loki::LokiClient;
pub use loqui_core::{LogSource, TraceSource};
pub use secret::{Secret, SecretReader, SecretSource};
pub use sources::{log_sources, trace_sources};
pub use tempo::TempoClient;
