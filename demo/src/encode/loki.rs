//! Loki push API JSON: `{"streams":[{"stream":{labels},"values":[["<ns>","<line>",{metadata}]]}]}`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::model::{LogRecord, StreamLabels};

struct Labels<'a>(&'a StreamLabels);

impl Serialize for Labels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.labels.len()))?;
        for (k, v) in &self.0.labels {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct Value<'a>(&'a LogRecord);

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let md = r.structured_metadata();
        let mut seq = s.serialize_seq(Some(if md.is_empty() { 2 } else { 3 }))?;
        seq.serialize_element(&r.time_ns.to_string())?;
        seq.serialize_element(&r.line)?;
        if !md.is_empty() {
            seq.serialize_element(&md.into_iter().collect::<std::collections::BTreeMap<_, _>>())?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Stream<'a> {
    stream: Labels<'a>,
    values: Vec<Value<'a>>,
}

#[derive(Serialize)]
struct Push<'a> {
    streams: Vec<Stream<'a>>,
}

fn group(logs: &[LogRecord]) -> Push<'_> {
    let mut index: HashMap<*const StreamLabels, usize> = HashMap::new();
    let mut streams: Vec<Stream<'_>> = Vec::new();
    for r in logs {
        let i = *index.entry(Arc::as_ptr(&r.stream)).or_insert_with(|| {
            streams.push(Stream {
                stream: Labels(&r.stream),
                values: Vec::new(),
            });
            streams.len() - 1
        });
        streams[i].values.push(Value(r));
    }
    Push { streams }
}

/// Writes one Loki push request body for `logs` (grouped by stream, values in input order;
/// request lines carry `trace_id` and `span_id` as structured metadata).
pub fn write_loki_push(w: impl Write, logs: &[LogRecord]) -> serde_json::Result<()> {
    serde_json::to_writer(w, &group(logs))
}

/// The Loki push request body for `logs` as a string.
pub fn loki_push_json(logs: &[LogRecord]) -> String {
    let mut buf = Vec::with_capacity(logs.len() * 400);
    write_loki_push(&mut buf, logs).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}
