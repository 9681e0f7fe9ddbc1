//! `/api/search`, `/api/search/tags`, `/api/v2/search/tags` and tag values v1/v2.

use loqui_core::{SearchResult, Span, TagNames, TagValue, TagValueType, TraceSummary};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};

use super::any::Kvs;

pub(super) fn to_vec<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("answers serialize")
}

/// Search `metrics`: only what loqui knows; int64 figures are strings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SearchMetrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspected_bytes: Option<String>,
}

/// `{"traces":[…],"metrics":{…}}`.
pub fn encode_search(result: &SearchResult) -> Vec<u8> {
    #[derive(Serialize)]
    struct Out<'a> {
        traces: Vec<TraceOut<'a>>,
        metrics: SearchMetrics,
    }
    to_vec(&Out {
        traces: result.traces.iter().map(TraceOut).collect(),
        metrics: SearchMetrics {
            inspected_bytes: result.inspected_bytes.map(|b| b.to_string()),
        },
    })
}

/// Tempo writes search trace ids as hex without leading zeros (`061c…` → `61c…`).
fn strip_zeros(id: &str) -> &str {
    let s = id.trim_start_matches('0');
    if s.is_empty() { "0" } else { s }
}

struct TraceOut<'a>(&'a TraceSummary);

impl Serialize for TraceOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("traceID", strip_zeros(&t.trace_id))?;
        if let Some(v) = &t.root_service {
            m.serialize_entry("rootServiceName", v)?;
        }
        if let Some(v) = &t.root_name {
            m.serialize_entry("rootTraceName", v)?;
        }
        m.serialize_entry("startTimeUnixNano", &t.start_ns.to_string())?;
        // Whole milliseconds, rounded down, and left out when zero (proto3 JSON).
        let ms = t.duration_ns / 1_000_000;
        if ms != 0 {
            m.serialize_entry("durationMs", &ms)?;
        }
        if !t.spans.is_empty() || t.matched_spans > 0 {
            let set = SpanSet(t);
            m.serialize_entry("spanSet", &set)?;
            m.serialize_entry("spanSets", &[set])?;
        }
        if !t.service_stats.is_empty() {
            let stats: std::collections::BTreeMap<&str, StatsOut> = t
                .service_stats
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        StatsOut {
                            span_count: v.span_count,
                            error_count: v.error_count,
                        },
                    )
                })
                .collect();
            m.serialize_entry("serviceStats", &stats)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsOut {
    #[serde(skip_serializing_if = "is_zero")]
    span_count: u64,
    #[serde(skip_serializing_if = "is_zero")]
    error_count: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// loqui keeps one list of matched spans per trace, so it writes one span set holding them.
#[derive(Clone, Copy)]
struct SpanSet<'a>(&'a TraceSummary);

impl Serialize for SpanSet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("SpanSet", 2)?;
        let spans: Vec<SearchSpan<'_>> = self.0.spans.iter().map(SearchSpan).collect();
        st.serialize_field("spans", &spans)?;
        st.serialize_field("matched", &self.0.matched_spans)?;
        st.end()
    }
}

struct SearchSpan<'a>(&'a Span);

impl Serialize for SearchSpan<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let span = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("spanID", &span.span_id)?;
        if !span.name.is_empty() {
            m.serialize_entry("name", &span.name)?;
        }
        m.serialize_entry("startTimeUnixNano", &span.start_ns.to_string())?;
        m.serialize_entry("durationNanos", &span.duration_ns.to_string())?;
        if !span.attributes.is_empty() {
            m.serialize_entry("attributes", &Kvs(&span.attributes))?;
        }
        m.end()
    }
}

/// Scopes in the order Tempo lists them; others follow alphabetically.
const SCOPE_ORDER: [&str; 6] = [
    "span",
    "resource",
    "event",
    "link",
    "instrumentation",
    "intrinsic",
];

/// v2: `{"scopes":[{"name":"span","tags":[…]},…]}`.
pub fn encode_tags_v2(tags: &TagNames) -> Vec<u8> {
    #[derive(Serialize)]
    struct Scope<'a> {
        name: &'a str,
        tags: &'a [String],
    }
    #[derive(Serialize)]
    struct Out<'a> {
        scopes: Vec<Scope<'a>>,
        metrics: SearchMetrics,
    }
    let rank = |n: &str| {
        SCOPE_ORDER
            .iter()
            .position(|s| *s == n)
            .unwrap_or(SCOPE_ORDER.len())
    };
    let mut scopes: Vec<Scope<'_>> = tags
        .iter()
        .map(|(name, tags)| Scope { name, tags })
        .collect();
    scopes.sort_by(|a, b| rank(a.name).cmp(&rank(b.name)).then(a.name.cmp(b.name)));
    to_vec(&Out {
        scopes,
        metrics: SearchMetrics {
            inspected_bytes: None,
        },
    })
}

/// v1: `{"tagNames":[…]}`, every scope but `intrinsic` merged, sorted, without duplicates.
pub fn encode_tags_v1(tags: &TagNames) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        tag_names: Vec<&'a str>,
        metrics: SearchMetrics,
    }
    let mut names: Vec<&str> = tags
        .iter()
        .filter(|(scope, _)| *scope != "intrinsic")
        .flat_map(|(_, t)| t.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    to_vec(&Out {
        tag_names: names,
        metrics: SearchMetrics {
            inspected_bytes: None,
        },
    })
}

fn type_name(t: TagValueType) -> &'static str {
    match t {
        TagValueType::String => "string",
        TagValueType::Int => "int",
        TagValueType::Float => "float",
        TagValueType::Bool => "bool",
        TagValueType::Duration => "duration",
        TagValueType::Keyword => "keyword",
        // Tempo has no such type name; any unknown name reads back as `Other`.
        TagValueType::Other => "other",
    }
}

/// v2: `{"tagValues":[{"type":"string","value":"…"}]}`; the value is always a string.
pub fn encode_tag_values_v2(values: &[TagValue]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Typed<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        value: &'a str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        tag_values: Vec<Typed<'a>>,
        metrics: SearchMetrics,
    }
    to_vec(&Out {
        tag_values: values
            .iter()
            .map(|v| Typed {
                kind: type_name(v.value_type),
                value: &v.value,
            })
            .collect(),
        metrics: SearchMetrics {
            inspected_bytes: None,
        },
    })
}

/// v1: `{"tagValues":["…"]}`.
pub fn encode_tag_values_v1(values: &[String]) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        tag_values: &'a [String],
        metrics: SearchMetrics,
    }
    to_vec(&Out {
        tag_values: values,
        metrics: SearchMetrics {
            inspected_bytes: None,
        },
    })
}
