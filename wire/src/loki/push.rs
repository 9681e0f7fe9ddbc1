//! `POST /loki/api/v1/push`: JSON (`{"streams":[{"stream":{…},"values":[["<ns>","<line>",{…}?]]}]}`)
//! and protobuf (`application/x-protobuf`, snappy block-compressed).
//!
//! Answering like Loki: 204 with no body when [`PushOutcome::is_complete`]; otherwise Loki keeps
//! the good lines and answers 400 with a text/plain message naming the bad ones, which
//! [`PushOutcome::error_message`] writes. A [`WireError`] is 400 (malformed) or 413 (limits).

use std::fmt;

use loqui_core::{Labels, LineLabels, LogLine, LogStream};
use prost::Message as _;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::proto::{EntryAdapter, LabelPairAdapter, PushRequest, StreamAdapter, Timestamp};
use super::streams::StreamSink;
use crate::labels::{format_labels, parse_labels};
use crate::push::json_object;
use crate::{Limits, PushOutcome, WireError};

const JSON: &str = "Loki push JSON";
const PROTO: &str = "Loki push protobuf";

#[derive(Deserialize)]
struct PushJson<'a> {
    #[serde(borrow, default)]
    streams: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct StreamJson<'a> {
    #[serde(default)]
    stream: Option<Labels>,
    #[serde(borrow, default)]
    values: Vec<&'a RawValue>,
}

/// Decodes a Loki push JSON body. A stream with bad labels is rejected with all its lines; a
/// bad value only itself.
pub fn decode_push_json(body: &[u8], limits: &Limits) -> Result<PushOutcome<LogStream>, WireError> {
    limits.check_body(body.len())?;
    json_object(body, JSON)?;
    let push: PushJson<'_> =
        serde_json::from_slice(body).map_err(|e| WireError::malformed(JSON, e))?;
    let mut sink = StreamSink::new(limits);
    for (s, raw) in push.streams.iter().enumerate() {
        let stream: StreamJson<'_> = match serde_json::from_str(raw.get()) {
            Ok(stream) => stream,
            Err(e) => {
                let n = count_values(raw);
                sink.count(n)?;
                sink.out.reject(
                    format!("streams[{s}]"),
                    n,
                    format!("{e}; a stream is {{\"stream\":{{\"name\":\"value\"}},\"values\":[[\"<unix ns>\",\"<line>\"]]}}"),
                );
                continue;
            }
        };
        sink.count(stream.values.len())?;
        let slot = match sink.stream(stream.stream.unwrap_or_default()) {
            Ok(slot) => slot,
            Err(reason) => {
                sink.out
                    .reject(format!("streams[{s}].stream"), stream.values.len(), reason);
                continue;
            }
        };
        for (v, raw) in stream.values.iter().enumerate() {
            let path = || format!("streams[{s}].values[{v}]");
            match serde_json::from_str::<Entry>(raw.get()) {
                Ok(Entry(line)) => sink.line(slot, path, line),
                Err(e) => sink.out.reject(path(), 1, e.to_string()),
            }
        }
    }
    Ok(sink.finish())
}

/// Lines in a stream that could not be read, for the rejected count (1 when even that fails).
fn count_values(raw: &RawValue) -> usize {
    #[derive(Deserialize)]
    struct Count {
        #[serde(default)]
        values: Vec<IgnoredAny>,
    }
    serde_json::from_str::<Count>(raw.get())
        .map(|c| c.values.len().max(1))
        .unwrap_or(1)
}

/// `["<unix ns>", "<line>", {"name": "value"}?]`.
struct Entry(LogLine);

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value [\"<unix ns>\", \"<line>\", {structured metadata}?]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
        let ts_ns = seq
            .next_element::<Nanos>()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?
            .0;
        let line: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let structured_metadata: LineLabels = seq
            .next_element::<Option<LineLabels>>()?
            .flatten()
            .unwrap_or_default();
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(4, &self));
        }
        Ok(Entry(LogLine {
            ts_ns,
            line,
            structured_metadata,
            parsed: LineLabels::new(),
        }))
    }
}

/// Unix nanoseconds as a string (Loki's rule) or, leniently, a JSON integer.
struct Nanos(i64);

impl<'de> Deserialize<'de> for Nanos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = i64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp: unix nanoseconds as a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
                v.parse().map_err(|_| {
                    E::custom(format!(
                        "timestamp `{v}` is not unix nanoseconds; send e.g. \"1795314000000000000\""
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::custom("timestamp is too large"))
            }
        }
        d.deserialize_any(V).map(Nanos)
    }
}

/// Decodes a Loki push protobuf body (snappy block format). A body cut short, or not snappy,
/// fails as a whole: protobuf has no record boundaries to resynchronise on.
pub fn decode_push_proto(
    body: &[u8],
    limits: &Limits,
) -> Result<PushOutcome<LogStream>, WireError> {
    let len = snap::raw::decompress_len(body)
        .map_err(|e| WireError::malformed(PROTO, format!("not snappy block-compressed ({e})")))?;
    limits.check_body(len)?;
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| WireError::malformed(PROTO, format!("bad snappy data ({e})")))?;
    let push = PushRequest::decode(raw.as_slice()).map_err(|e| WireError::malformed(PROTO, e))?;
    let mut sink = StreamSink::new(limits);
    for (s, stream) in push.streams.into_iter().enumerate() {
        sink.count(stream.entries.len())?;
        let slot = match parse_labels(&stream.labels)
            .map_err(|e| e.0)
            .and_then(|l| sink.stream(l))
        {
            Ok(slot) => slot,
            Err(reason) => {
                sink.out
                    .reject(format!("streams[{s}].labels"), stream.entries.len(), reason);
                continue;
            }
        };
        for (e, entry) in stream.entries.into_iter().enumerate() {
            let path = || format!("streams[{s}].entries[{e}]");
            let Some(ts_ns) = entry.timestamp.unwrap_or_default().to_ns() else {
                sink.out.reject(path(), 1, "timestamp is out of range");
                continue;
            };
            let line = LogLine {
                ts_ns,
                line: String::from_utf8(entry.line)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                structured_metadata: pairs(entry.structured_metadata),
                parsed: LineLabels::new(),
            };
            sink.line(slot, path, line);
        }
    }
    Ok(sink.finish())
}

fn pairs(pairs: Vec<LabelPairAdapter>) -> LineLabels {
    pairs.into_iter().map(|p| (p.name, p.value)).collect()
}

/// The protobuf push body for `streams`, snappy-compressed: what Promtail and Alloy send.
/// For tests, benchmarks and `loqui ingest`'s forwarding.
pub fn encode_push_proto(streams: &[LogStream]) -> Vec<u8> {
    let req = PushRequest {
        streams: streams
            .iter()
            .map(|s| StreamAdapter {
                labels: format_labels(&s.labels),
                entries: s
                    .lines
                    .iter()
                    .map(|l| EntryAdapter {
                        timestamp: Some(Timestamp::from_ns(l.ts_ns)),
                        line: l.line.clone().into_bytes(),
                        structured_metadata: l
                            .structured_metadata
                            .iter()
                            .map(|(k, v)| LabelPairAdapter {
                                name: k.to_string(),
                                value: v.clone(),
                            })
                            .collect(),
                        parsed: Vec::new(),
                    })
                    .collect(),
                hash: 0,
            })
            .collect(),
        format: String::new(),
    };
    snap::raw::Encoder::new()
        .compress_vec(&req.encode_to_vec())
        .expect("snappy compresses any input that fits in memory")
}
