//! The demo system: a deterministic generator of a ticketing platform's logs and traces, with
//! five incidents injected at known times and their ground truth.
//!
//! ```
//! use loqui_demo::{Config, Generator, align_to_minute};
//! let end = align_to_minute(1_795_315_760_000_000_000);
//! let generator = Generator::new(Config { duration_ns: 5 * 60_000_000_000, ..Config::new(end) });
//! let lines: usize = generator.batches().map(|b| b.logs.len()).sum();
//! assert!(lines > 0);
//! let truth = generator.ground_truth(); // only incidents inside the 5 minutes: none
//! assert!(truth.incidents.is_empty());
//! ```
//!
//! * Time layout: everything is a pure function of the seed and of the offset from `end`, so
//!   any `end` gives the same data shifted in time; incidents sit at fixed offsets before `end`
//!   ([`IncidentKind::schedule`]).
//! * Generation is incremental: [`Generator::batches`] yields one [`Batch`] per minute in time
//!   order, [`Generator::window`] / [`Generator::live`] produce any later window for live traffic.
//! * [`encode`] turns batches into Loki push JSON and OTLP/HTTP JSON.
//! * Semantic conventions: OpenTelemetry semconv 1.26 throughout (stable HTTP attributes
//!   `http.request.method`, `http.response.status_code`, `url.full`, `server.address`; database
//!   `db.system`, `db.namespace`, `db.operation.name`, `db.collection.name`, `db.query.text`),
//!   plus `peer.service` on every CLIENT span.

mod background;
pub mod encode;
mod flows;
mod generator;
mod incidents;
mod line;
mod model;
mod platform;
mod rng;
mod time;
mod truth;

pub use generator::{
    BASE_REQUESTS_PER_MIN, Batches, Config, DEFAULT_SEED, Generator, Live, align_to_minute,
    generate,
};
pub use incidents::IncidentKind;
pub use model::{
    AttrValue, Attributes, Batch, Level, LogRecord, Resource, SpanEvent, SpanId, SpanKind,
    SpanRecord, StatusCode, StreamLabels, TraceId, attr,
};
pub use platform::{
    ALL_SERVICES, BAD_SHOW_VERSION, CLUSTER, ENV, LogFormat, NAMESPACE, Platform, Pod, Svc,
};
pub use time::rfc3339;
pub use truth::{GroundTruth, IncidentTruth, ServiceTruth};
