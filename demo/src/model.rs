//! The generator's own plain data types. loqui's core domain types are designed elsewhere;
//! converting these is a field-by-field copy.

use std::fmt;
use std::sync::Arc;

/// A 128-bit trace id, printed as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TraceId(pub [u8; 16]);

/// A 64-bit span id, printed as 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct SpanId(pub [u8; 8]);

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// Severity written inside each line (it is deliberately not a stream label).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    /// OpenTelemetry `SeverityNumber` (DEBUG=5, INFO=9, WARN=13, ERROR=17).
    pub fn severity_number(self) -> u8 {
        match self {
            Level::Debug => 5,
            Level::Info => 9,
            Level::Warn => 13,
            Level::Error => 17,
        }
    }
}

/// The label set of one Loki stream: `service_name`, `namespace`, `cluster`, `env`, `pod`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct StreamLabels {
    pub service_name: &'static str,
    pub labels: Vec<(&'static str, String)>,
}

/// One log line as a service wrote it, with the labels of its stream.
#[derive(Clone, Debug)]
pub struct LogRecord {
    pub time_ns: i64,
    pub stream: Arc<StreamLabels>,
    /// The process that wrote it (for OTLP logs, whose records carry a resource, not labels).
    pub resource: Arc<Resource>,
    /// The level the line was written at (also inside `line`).
    pub level: Level,
    /// The line text exactly as emitted (JSON or logfmt, depending on the service).
    pub line: String,
    /// Set for lines written while serving a request; also present inside `line`.
    pub trace_id: Option<TraceId>,
    pub span_id: Option<SpanId>,
}

impl LogRecord {
    /// Loki structured metadata: `trace_id` and `span_id` for request lines, empty otherwise.
    pub fn structured_metadata(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(t) = self.trace_id {
            out.push(("trace_id", t.to_string()));
        }
        if let Some(s) = self.span_id {
            out.push(("span_id", s.to_string()));
        }
        out
    }
}

/// An attribute value, as in the OpenTelemetry `AnyValue` (the scalar cases).
#[derive(Clone, PartialEq, Debug)]
pub enum AttrValue {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Str(s.to_owned())
    }
}
impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(s)
    }
}
impl From<i64> for AttrValue {
    fn from(v: i64) -> Self {
        AttrValue::Int(v)
    }
}
impl From<f64> for AttrValue {
    fn from(v: f64) -> Self {
        AttrValue::Double(v)
    }
}
impl From<bool> for AttrValue {
    fn from(v: bool) -> Self {
        AttrValue::Bool(v)
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => f.write_str(s),
            AttrValue::Int(v) => write!(f, "{v}"),
            AttrValue::Double(v) => write!(f, "{v}"),
            AttrValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

pub type Attributes = Vec<(&'static str, AttrValue)>;

/// Looks an attribute up by key.
pub fn attr<'a>(attrs: &'a [(&'static str, AttrValue)], key: &str) -> Option<&'a AttrValue> {
    attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The resource (process) that emitted a span: service, version, pod, ...
#[derive(Clone, PartialEq, Debug)]
pub struct Resource {
    pub service_name: &'static str,
    pub service_version: &'static str,
    pub pod: String,
    pub attributes: Attributes,
}

/// OpenTelemetry `SpanKind`; the discriminant is the OTLP enum value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SpanKind {
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

impl SpanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

/// OpenTelemetry status code; the discriminant is the OTLP enum value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum StatusCode {
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// A span event (here: always an `exception` event on an erroring span).
#[derive(Clone, PartialEq, Debug)]
pub struct SpanEvent {
    pub time_ns: i64,
    pub name: &'static str,
    pub attributes: Attributes,
}

/// One span in the OpenTelemetry model.
#[derive(Clone, Debug)]
pub struct SpanRecord {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub resource: Arc<Resource>,
    /// Instrumentation scope name, e.g. `io.opentelemetry.spring-webmvc-6.0`.
    pub scope: &'static str,
    pub name: String,
    pub kind: SpanKind,
    pub status: StatusCode,
    pub status_message: String,
    pub start_ns: i64,
    pub duration_ns: i64,
    pub attributes: Attributes,
    pub events: Vec<SpanEvent>,
}

impl SpanRecord {
    pub fn end_ns(&self) -> i64 {
        self.start_ns + self.duration_ns
    }

    pub fn service(&self) -> &'static str {
        self.resource.service_name
    }

    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        attr(&self.attributes, key)
    }

    pub fn is_error(&self) -> bool {
        self.status == StatusCode::Error
    }
}

/// Everything generated for one time window `(start_ns, end_ns]`: log records ordered by time,
/// spans ordered by start time.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub start_ns: i64,
    pub end_ns: i64,
    pub logs: Vec<LogRecord>,
    pub spans: Vec<SpanRecord>,
}
