//! OTLP/HTTP JSON (the protobuf JSON mapping), read leniently: ids in hex (the spec) or base64
//! (some senders), 64-bit integers as strings or numbers, enums as numbers or names, and
//! missing or `null` optional fields. Records stay raw until each is decoded on its own, so
//! one bad span does not fail its batch.

use std::fmt;

use loqui_core::{AttrValue, Attributes};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

use super::json_value::{attributes, opt_any_value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TracesJson<'a> {
    #[serde(borrow, default)]
    pub resource_spans: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceSpansJson<'a> {
    #[serde(default)]
    pub resource: Option<ResourceJson>,
    #[serde(borrow, default, alias = "instrumentationLibrarySpans")]
    pub scope_spans: Option<Vec<ScopeSpansJson<'a>>>,
}

#[derive(Deserialize)]
pub(crate) struct ScopeSpansJson<'a> {
    #[serde(borrow, default)]
    pub spans: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ResourceJson {
    #[serde(default, deserialize_with = "attributes")]
    pub attributes: Attributes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpanJson {
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub span_id: Option<String>,
    #[serde(default)]
    pub parent_span_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "span_kind")]
    pub kind: i32,
    #[serde(default, deserialize_with = "uint")]
    pub start_time_unix_nano: u64,
    #[serde(default, deserialize_with = "uint")]
    pub end_time_unix_nano: u64,
    #[serde(default, deserialize_with = "attributes")]
    pub attributes: Attributes,
    #[serde(default)]
    pub events: Option<Vec<EventJson>>,
    #[serde(default)]
    pub status: Option<StatusJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventJson {
    #[serde(default, deserialize_with = "uint")]
    pub time_unix_nano: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "attributes")]
    pub attributes: Attributes,
}

#[derive(Deserialize)]
pub(crate) struct StatusJson {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "status_code")]
    pub code: i32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogsJson<'a> {
    #[serde(borrow, default)]
    pub resource_logs: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceLogsJson<'a> {
    #[serde(default)]
    pub resource: Option<ResourceJson>,
    #[serde(borrow, default)]
    pub scope_logs: Option<Vec<ScopeLogsJson<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopeLogsJson<'a> {
    #[serde(default)]
    pub scope: Option<ScopeJson>,
    #[serde(borrow, default)]
    pub log_records: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ScopeJson {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogRecordJson {
    #[serde(default, deserialize_with = "uint")]
    pub time_unix_nano: u64,
    #[serde(default, deserialize_with = "uint")]
    pub observed_time_unix_nano: u64,
    #[serde(default, deserialize_with = "severity")]
    pub severity_number: i32,
    #[serde(default)]
    pub severity_text: Option<String>,
    #[serde(default, deserialize_with = "opt_any_value")]
    pub body: Option<AttrValue>,
    #[serde(default, deserialize_with = "attributes")]
    pub attributes: Attributes,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub span_id: Option<String>,
}

/// Counts records under a resource that could not be read, for the rejected count.
pub(crate) fn count_inner(raw: &RawValue, outer: &str, inner: &str) -> usize {
    let v: serde_json::Value = match serde_json::from_str(raw.get()) {
        Ok(v) => v,
        Err(_) => return 1,
    };
    let n: usize = v
        .get(outer)
        .and_then(|s| s.as_array())
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(|s| s.get(inner)?.as_array().map(Vec::len))
                .sum()
        })
        .unwrap_or(0);
    n.max(1)
}

// ---- scalar helpers -------------------------------------------------------------------

/// A uint64 as proto3 JSON writes it (a string) or as a number; `null` is 0.
fn uint<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("unix nanoseconds as a string or an integer")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("time {v} is negative")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            // Large nanosecond counts lose precision as floats; take what was sent.
            if v >= 0.0 {
                Ok(v as u64)
            } else {
                Err(E::custom("time is negative"))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            v.parse()
                .map_err(|_| E::custom(format!("`{v}` is not unix nanoseconds")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
            Ok(0)
        }
    }
    d.deserialize_any(V)
}

/// An enum as its number or its proto name (`"SPAN_KIND_SERVER"`), mapped by `names`.
fn enum_value<'de, D: Deserializer<'de>>(
    d: D,
    names: &'static [&'static str],
) -> Result<i32, D::Error> {
    struct V(&'static [&'static str]);
    impl Visitor<'_> for V {
        type Value = i32;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "one of {:?} or its number", self.0)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
            i32::try_from(v).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
            i32::try_from(v).map_err(E::custom)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i32, E> {
            match self.0.iter().position(|n| *n == v) {
                Some(i) => Ok(i as i32),
                None => v.parse().map_err(|_| {
                    E::custom(format!(
                        "unknown enum value `{v}`; expected one of {:?}",
                        self.0
                    ))
                }),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<i32, E> {
            Ok(0)
        }
    }
    d.deserialize_any(V(names))
}

fn span_kind<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    enum_value(
        d,
        &[
            "SPAN_KIND_UNSPECIFIED",
            "SPAN_KIND_INTERNAL",
            "SPAN_KIND_SERVER",
            "SPAN_KIND_CLIENT",
            "SPAN_KIND_PRODUCER",
            "SPAN_KIND_CONSUMER",
        ],
    )
}

fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    enum_value(
        d,
        &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"],
    )
}

pub(crate) const SEVERITY_NAMES: [&str; 25] = [
    "SEVERITY_NUMBER_UNSPECIFIED",
    "SEVERITY_NUMBER_TRACE",
    "SEVERITY_NUMBER_TRACE2",
    "SEVERITY_NUMBER_TRACE3",
    "SEVERITY_NUMBER_TRACE4",
    "SEVERITY_NUMBER_DEBUG",
    "SEVERITY_NUMBER_DEBUG2",
    "SEVERITY_NUMBER_DEBUG3",
    "SEVERITY_NUMBER_DEBUG4",
    "SEVERITY_NUMBER_INFO",
    "SEVERITY_NUMBER_INFO2",
    "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4",
    "SEVERITY_NUMBER_WARN",
    "SEVERITY_NUMBER_WARN2",
    "SEVERITY_NUMBER_WARN3",
    "SEVERITY_NUMBER_WARN4",
    "SEVERITY_NUMBER_ERROR",
    "SEVERITY_NUMBER_ERROR2",
    "SEVERITY_NUMBER_ERROR3",
    "SEVERITY_NUMBER_ERROR4",
    "SEVERITY_NUMBER_FATAL",
    "SEVERITY_NUMBER_FATAL2",
    "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4",
];

fn severity<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    enum_value(d, &SEVERITY_NAMES)
}
