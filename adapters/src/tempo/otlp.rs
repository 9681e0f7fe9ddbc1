//! OTLP-JSON traces as Tempo writes them: v1 `{"batches":[…]}`, v2 `{"trace":{"resourceSpans":[…]}}`.
//! Ids are base64 (Tempo) or hex (the OTLP spec's JSON); enums are names or numbers.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use loqui_core::{Attributes, Span, SpanEvent, SpanKind, SpanStatus, StatusCode};
use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::json::{int, opt_int};

/// Either trace shape; a v2 not-found is `{"trace":{}}`.
#[derive(Deserialize)]
pub(crate) struct AnyTrace {
    #[serde(default)]
    trace: Option<TraceData>,
    #[serde(default)]
    batches: Option<Vec<ResourceSpans>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TraceData {
    #[serde(default)]
    resource_spans: Option<Vec<ResourceSpans>>,
}

impl AnyTrace {
    pub fn into_resource_spans(self) -> Vec<ResourceSpans> {
        self.batches
            .or_else(|| self.trace.and_then(|t| t.resource_spans))
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceSpans {
    #[serde(default)]
    resource: Option<Resource>,
    #[serde(default, alias = "instrumentationLibrarySpans")]
    scope_spans: Vec<ScopeSpans>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    attributes: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct ScopeSpans {
    #[serde(default)]
    spans: Vec<SpanWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpanWire {
    trace_id: String,
    span_id: String,
    #[serde(default)]
    parent_span_id: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "kind")]
    kind: SpanKind,
    #[serde(deserialize_with = "int")]
    start_time_unix_nano: i64,
    #[serde(deserialize_with = "int")]
    end_time_unix_nano: i64,
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(default)]
    status: Option<StatusWire>,
    #[serde(default)]
    events: Vec<EventWire>,
}

#[derive(Deserialize)]
struct StatusWire {
    #[serde(default, deserialize_with = "status_code")]
    code: StatusCode,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventWire {
    #[serde(default, deserialize_with = "opt_int")]
    time_unix_nano: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    attributes: Vec<KeyValue>,
}

pub(crate) use super::anyvalue::KeyValue;

pub(crate) fn attributes(kvs: Vec<KeyValue>) -> Attributes {
    kvs.into_iter().map(|kv| (kv.key, kv.value)).collect()
}

/// A base64 or hex id as lowercase hex of `bytes` bytes.
pub(crate) fn hex_id(raw: &str, bytes: usize) -> Option<String> {
    if raw.len() <= bytes * 2 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(format!(
            "{:0>width$}",
            raw.to_ascii_lowercase(),
            width = bytes * 2
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(raw).ok()?;
    if decoded.len() > bytes {
        return None;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes * 2);
    for _ in decoded.len()..bytes {
        out.push_str("00");
    }
    for b in decoded {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    Some(out)
}

/// Converts the resource spans into loqui spans; ids that cannot be read are an error.
pub(crate) fn spans(batches: Vec<ResourceSpans>) -> Result<Vec<Span>, String> {
    let mut out = Vec::new();
    for batch in batches {
        let resource = Arc::new(attributes(
            batch.resource.map(|r| r.attributes).unwrap_or_default(),
        ));
        let service = resource
            .get("service.name")
            .map(ToString::to_string)
            .unwrap_or_default();
        for span in batch.scope_spans.into_iter().flat_map(|s| s.spans) {
            out.push(span_from(span, &resource, &service)?);
        }
    }
    Ok(out)
}

fn span_from(w: SpanWire, resource: &Arc<Attributes>, service: &str) -> Result<Span, String> {
    let id = |raw: &str, n| hex_id(raw, n).ok_or_else(|| format!("`{raw}` is not a valid id"));
    let parent = match w.parent_span_id.as_deref() {
        None | Some("") => None,
        Some(p) => Some(id(p, 8)?),
    };
    let status = w.status.map(|s| SpanStatus {
        code: s.code,
        message: s.message.filter(|m| !m.is_empty()),
    });
    Ok(Span {
        trace_id: id(&w.trace_id, 16)?,
        span_id: id(&w.span_id, 8)?,
        parent_span_id: parent,
        service_name: service.to_string(),
        name: w.name,
        kind: w.kind,
        status: status.unwrap_or_default(),
        start_ns: w.start_time_unix_nano,
        duration_ns: (w.end_time_unix_nano - w.start_time_unix_nano).max(0),
        attributes: attributes(w.attributes),
        resource: Arc::clone(resource),
        events: w.events.into_iter().map(event).collect(),
    })
}

fn event(w: EventWire) -> SpanEvent {
    SpanEvent {
        ts_ns: w.time_unix_nano.unwrap_or(0),
        name: w.name,
        attributes: attributes(w.attributes),
    }
}

/// `"SPAN_KIND_SERVER"`, `"server"` or `2`.
fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<SpanKind, D::Error> {
    Ok(match enum_text(d)?.as_str() {
        "1" | "SPAN_KIND_INTERNAL" | "internal" => SpanKind::Internal,
        "2" | "SPAN_KIND_SERVER" | "server" => SpanKind::Server,
        "3" | "SPAN_KIND_CLIENT" | "client" => SpanKind::Client,
        "4" | "SPAN_KIND_PRODUCER" | "producer" => SpanKind::Producer,
        "5" | "SPAN_KIND_CONSUMER" | "consumer" => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    })
}

/// `"STATUS_CODE_ERROR"`, `"error"` or `2`.
fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<StatusCode, D::Error> {
    Ok(parse_status(&enum_text(d)?))
}

pub(crate) fn parse_status(text: &str) -> StatusCode {
    match text {
        "1" | "STATUS_CODE_OK" | "ok" => StatusCode::Ok,
        "2" | "STATUS_CODE_ERROR" | "error" => StatusCode::Error,
        _ => StatusCode::Unset,
    }
}

fn enum_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct EnumText;
    impl de::Visitor<'_> for EnumText {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an enum name or number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(EnumText)
}

/// Flattens a label list into text values (`{"doubleValue":0.99}` becomes `"0.99"`).
pub(crate) fn labels(kvs: Vec<KeyValue>) -> BTreeMap<String, String> {
    kvs.into_iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_decode_from_base64_and_hex() {
        assert_eq!(
            hex_id("aTS0hOc89XXcrWuisK7gyg==", 16).unwrap(),
            "6934b484e73cf575dcad6ba2b0aee0ca"
        );
        assert_eq!(hex_id("kjcyiBWE2MQ=", 8).unwrap(), "923732881584d8c4");
        assert_eq!(hex_id("7A1", 8).unwrap(), "00000000000007a1");
        assert_eq!(hex_id("!!", 8), None);
    }
}
