//! Tempo's search, tag and metrics answers.

use std::collections::BTreeMap;

use loqui_core::{
    AttrValue, Exemplar, Sample, Series, ServiceStats, Span, SpanKind, SpanStatus, TagValue,
    TagValueType, TraceSummary, VectorSample, normalize_span_id, normalize_trace_id,
};
use serde::Deserialize;

use super::otlp::{KeyValue, attributes, labels, parse_status};
use crate::json::{int, opt_int};

#[derive(Deserialize)]
pub(crate) struct SearchWire {
    #[serde(default)]
    pub traces: Vec<TraceWire>,
    #[serde(default)]
    pub metrics: Option<SearchMetrics>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchMetrics {
    #[serde(default, deserialize_with = "opt_int")]
    pub inspected_bytes: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TraceWire {
    #[serde(rename = "traceID")]
    trace_id: String,
    #[serde(default)]
    root_service_name: Option<String>,
    #[serde(default)]
    root_trace_name: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    start_time_unix_nano: Option<i64>,
    // proto3 JSON drops zero values, so a trace shorter than 1 ms has no `durationMs`.
    #[serde(default, deserialize_with = "opt_int")]
    duration_ms: Option<i64>,
    #[serde(default)]
    span_set: Option<SpanSetWire>,
    #[serde(default)]
    span_sets: Option<Vec<SpanSetWire>>,
    #[serde(default)]
    service_stats: BTreeMap<String, ServiceStatsWire>,
}

#[derive(Deserialize)]
struct SpanSetWire {
    #[serde(default)]
    spans: Vec<SearchSpan>,
    #[serde(default)]
    matched: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchSpan {
    #[serde(rename = "spanID")]
    span_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    start_time_unix_nano: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    duration_nanos: Option<i64>,
    #[serde(default)]
    attributes: Vec<KeyValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceStatsWire {
    #[serde(default)]
    span_count: u64,
    #[serde(default)]
    error_count: u64,
}

impl TraceWire {
    /// Search ids are hex with leading zeros stripped; they are padded back here.
    pub fn into_summary(self) -> Result<TraceSummary, String> {
        let trace_id = normalize_trace_id(&self.trace_id)
            .ok_or_else(|| format!("`{}` is not a trace id", self.trace_id))?;
        let sets = self
            .span_sets
            .or_else(|| self.span_set.map(|s| vec![s]))
            .unwrap_or_default();
        let matched_spans = sets.iter().map(|s| s.matched).sum();
        let mut spans: Vec<Span> = Vec::new();
        for span in sets.into_iter().flat_map(|s| s.spans) {
            let span = search_span(span, &trace_id)?;
            if !spans.iter().any(|s| s.span_id == span.span_id) {
                spans.push(span);
            }
        }
        let service_stats = self
            .service_stats
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    ServiceStats {
                        span_count: v.span_count,
                        error_count: v.error_count,
                    },
                )
            })
            .collect();
        Ok(TraceSummary {
            trace_id,
            root_service: self.root_service_name,
            root_name: self.root_trace_name,
            start_ns: self.start_time_unix_nano.unwrap_or(0),
            duration_ns: self.duration_ms.unwrap_or(0) * 1_000_000,
            spans,
            matched_spans,
            service_stats,
        })
    }
}

/// A matched span carries only what the query referenced; intrinsics fill the span's fields.
fn search_span(w: SearchSpan, trace_id: &str) -> Result<Span, String> {
    let span_id =
        normalize_span_id(&w.span_id).ok_or_else(|| format!("`{}` is not a span id", w.span_id))?;
    let attributes = attributes(w.attributes);
    let text = |k: &str| {
        attributes
            .get(k)
            .and_then(AttrValue::as_str)
            .map(str::to_string)
    };
    let kind = match text("kind").as_deref() {
        Some("server") => SpanKind::Server,
        Some("client") => SpanKind::Client,
        Some("internal") => SpanKind::Internal,
        Some("producer") => SpanKind::Producer,
        Some("consumer") => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    };
    let status = SpanStatus {
        code: text("status").map(|s| parse_status(&s)).unwrap_or_default(),
        message: text("statusMessage"),
    };
    Ok(Span {
        trace_id: trace_id.to_string(),
        span_id,
        parent_span_id: None,
        service_name: text("service.name").unwrap_or_default(),
        name: w.name.or_else(|| text("name")).unwrap_or_default(),
        kind,
        status,
        start_ns: w.start_time_unix_nano.unwrap_or(0),
        duration_ns: w.duration_nanos.unwrap_or(0),
        attributes,
        resource: Default::default(),
        events: Vec::new(),
    })
}

/// v2 tags: `{"scopes":[{"name":"span","tags":[…]}]}`; v1: `{"tagNames":[…]}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagsWire {
    #[serde(default)]
    pub scopes: Option<Vec<ScopeWire>>,
    #[serde(default)]
    pub tag_names: Option<Vec<String>>,
}

#[derive(Deserialize)]
pub(crate) struct ScopeWire {
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// v2 values are `{"type","value"}` objects, v1 values plain strings.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagValuesWire {
    #[serde(default)]
    pub tag_values: Vec<TagValueWire>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum TagValueWire {
    Typed {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        value: String,
    },
    Plain(String),
}

impl From<TagValueWire> for TagValue {
    fn from(w: TagValueWire) -> Self {
        match w {
            TagValueWire::Plain(value) => TagValue {
                value_type: TagValueType::String,
                value,
            },
            TagValueWire::Typed { kind, value } => {
                let value_type = match kind.as_str() {
                    "string" => TagValueType::String,
                    "int" => TagValueType::Int,
                    "float" => TagValueType::Float,
                    "bool" => TagValueType::Bool,
                    "duration" => TagValueType::Duration,
                    "keyword" => TagValueType::Keyword,
                    _ => TagValueType::Other,
                };
                TagValue { value_type, value }
            }
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct MetricsWire {
    #[serde(default)]
    pub series: Vec<MetricSeriesWire>,
}

#[derive(Deserialize)]
pub(crate) struct MetricSeriesWire {
    #[serde(default)]
    labels: Vec<KeyValue>,
    #[serde(default)]
    samples: Vec<SampleWire>,
    #[serde(default)]
    exemplars: Vec<ExemplarWire>,
}

/// `/api/metrics/query`: `{"series":[{"labels":[…],"value":10}]}`.
#[derive(Deserialize)]
pub(crate) struct InstantWire {
    #[serde(default)]
    pub series: Vec<InstantSeriesWire>,
}

#[derive(Deserialize)]
pub(crate) struct InstantSeriesWire {
    #[serde(default)]
    labels: Vec<KeyValue>,
    // proto3 JSON drops zeros.
    #[serde(default)]
    value: f64,
}

impl InstantSeriesWire {
    pub fn into_sample(self, ts_ns: i64) -> VectorSample {
        VectorSample {
            labels: labels(self.labels),
            sample: Sample {
                ts_ns,
                value: self.value,
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SampleWire {
    #[serde(deserialize_with = "int")]
    timestamp_ms: i64,
    // proto3 JSON drops zeros: a sample without `value` is 0.
    #[serde(default)]
    value: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExemplarWire {
    #[serde(default)]
    labels: Vec<KeyValue>,
    #[serde(default)]
    value: f64,
    #[serde(default, deserialize_with = "opt_int")]
    timestamp_ms: Option<i64>,
}

impl From<MetricSeriesWire> for Series {
    fn from(w: MetricSeriesWire) -> Self {
        let samples = w
            .samples
            .into_iter()
            .map(|s| Sample {
                ts_ns: s.timestamp_ms * 1_000_000,
                value: s.value,
            })
            .collect();
        let exemplars = w.exemplars.into_iter().map(exemplar).collect();
        Series {
            labels: labels(w.labels),
            samples,
            exemplars,
        }
    }
}

fn exemplar(w: ExemplarWire) -> Exemplar {
    let mut labels = labels(w.labels);
    let trace_id = labels
        .remove("trace:id")
        .and_then(|id| normalize_trace_id(&id));
    Exemplar {
        trace_id,
        ts_ns: w.timestamp_ms.unwrap_or(0) * 1_000_000,
        value: w.value,
        labels,
    }
}
