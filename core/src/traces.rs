//! Trace-side results in one span model, whatever shape the backend used.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::logs::{Labels, Series};
use crate::map::SmallMap;

/// Span or resource attributes, sorted by key.
pub type Attributes = SmallMap<AttrValue>;

/// An attribute value of any OTLP type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    String(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    Array(Vec<AttrValue>),
    KvList(SmallMap<AttrValue>),
    /// Raw bytes, kept as the backend's base64 text.
    Bytes {
        base64: String,
    },
}

impl AttrValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::String(s) => f.write_str(s),
            Self::Int(i) => write!(f, "{i}"),
            Self::Double(d) => write!(f, "{d}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Bytes { base64 } => f.write_str(base64),
            Self::Array(items) => {
                let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            Self::KvList(kv) => {
                let parts: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    #[default]
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusCode {
    #[default]
    Unset,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SpanStatus {
    pub code: StatusCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanEvent {
    pub ts_ns: i64,
    pub name: String,
    pub attributes: Attributes,
}

/// One span. Ids are lowercase hex, 32 characters for traces and 16 for spans. Spans from a
/// search carry only what the query matched or selected; the other fields stay empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub service_name: String,
    pub name: String,
    pub kind: SpanKind,
    pub status: SpanStatus,
    pub start_ns: i64,
    pub duration_ns: i64,
    pub attributes: Attributes,
    /// Shared by every span of one resource, so large traces do not copy it per span.
    pub resource: Arc<Attributes>,
    pub events: Vec<SpanEvent>,
}

impl Span {
    pub fn is_error(&self) -> bool {
        self.status.code == StatusCode::Error
    }

    pub fn end_ns(&self) -> i64 {
        self.start_ns + self.duration_ns
    }
}

/// A whole trace (possibly cut at the span limit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub trace_id: String,
    pub spans: Vec<Span>,
    pub truncated: bool,
    /// Spans the backend returned before the span limit was applied.
    pub total_spans: usize,
}

impl Trace {
    /// The span without a parent, or the earliest span when none lacks one.
    pub fn root(&self) -> Option<&Span> {
        self.spans
            .iter()
            .find(|s| s.parent_span_id.is_none())
            .or_else(|| self.spans.iter().min_by_key(|s| s.start_ns))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStats {
    pub span_count: u64,
    pub error_count: u64,
}

/// One trace found by a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    pub trace_id: String,
    pub root_service: Option<String>,
    pub root_name: Option<String>,
    pub start_ns: i64,
    pub duration_ns: i64,
    /// The matched spans the backend returned (at most spans-per-spanset per span set).
    pub spans: Vec<Span>,
    /// How many spans matched, which can exceed `spans.len()`.
    pub matched_spans: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_stats: BTreeMap<String, ServiceStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub traces: Vec<TraceSummary>,
    /// True when more traces matched than the limit allowed.
    pub truncated: bool,
    pub inspected_bytes: Option<u64>,
}

/// Attribute scopes of TraceQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagScope {
    Span,
    Resource,
    Intrinsic,
    Event,
    Link,
    Instrumentation,
}

impl TagScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Span => "span",
            Self::Resource => "resource",
            Self::Intrinsic => "intrinsic",
            Self::Event => "event",
            Self::Link => "link",
            Self::Instrumentation => "instrumentation",
        }
    }
}

/// Tag names by scope name; a backend without scopes reports them under `""`.
pub type TagNames = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagValueType {
    String,
    Int,
    Float,
    Bool,
    Duration,
    /// A TraceQL keyword such as `error` or `server`.
    Keyword,
    Other,
}

/// A value a tag takes, with its TraceQL type (the text is as the backend wrote it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagValue {
    pub value_type: TagValueType,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exemplar {
    pub trace_id: Option<String>,
    pub ts_ns: i64,
    pub value: f64,
    pub labels: Labels,
}

/// The answer of a TraceQL metrics query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsResult {
    pub series: Vec<Series>,
    pub truncated: bool,
}

/// Lowercase, left-pad to 32 hex characters. `None` when the text is not a trace id.
/// Tempo's search strips leading zeros, so `61ce69…` (31 chars) becomes `061ce69…`.
pub fn normalize_trace_id(id: &str) -> Option<String> {
    normalize_hex(id, 32)
}

/// Lowercase, left-pad to 16 hex characters. `None` when the text is not a span id.
pub fn normalize_span_id(id: &str) -> Option<String> {
    normalize_hex(id, 16)
}

fn normalize_hex(id: &str, width: usize) -> Option<String> {
    let id = id.trim();
    if id.is_empty() || id.len() > width || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(format!("{:0>width$}", id.to_ascii_lowercase()))
}

/// A trace id already normalized by [`normalize_trace_id`].
pub type TraceId = String;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_left_padded_and_lowercased() {
        assert_eq!(
            normalize_trace_id("61CE6936714122A40680A06AA0FCA51").as_deref(),
            Some("061ce6936714122a40680a06aa0fca51")
        );
        assert_eq!(
            normalize_span_id("7a1").as_deref(),
            Some("00000000000007a1")
        );
        assert_eq!(normalize_trace_id("not-hex"), None);
        assert_eq!(normalize_trace_id(&"a".repeat(33)), None);
    }
}
