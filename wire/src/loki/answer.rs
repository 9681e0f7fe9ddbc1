//! Loki's query answers, byte-compatible with what Grafana and loqui's own client read:
//! `{"status":"success","data":{"resultType":…,"result":…,"stats":{…}}}`.
//!
//! Units: stream values are `["<unix ns>", "<line>"]`; matrix and vector points
//! `[<unix seconds>, "<value>"]`; a scalar `[<unix milliseconds>, "<value>"]` (as recorded from
//! Loki, see the fixtures).

use std::collections::HashMap;

use loqui_core::{
    Labels, LineLabels, LogLine, LogQueryResult, LogStream, QueryData, QueryStats, Sample, Series,
    VectorSample,
};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

#[derive(Serialize)]
struct Envelope<T> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<T>,
}

/// Loki's JSON encoder ends its answers with a newline; so do these.
fn success<T: Serialize>(data: Option<T>) -> Vec<u8> {
    let mut out = serde_json::to_vec(&Envelope {
        status: "success",
        data,
    })
    .expect("answers serialize without error");
    out.push(b'\n');
    out
}

/// `query` / `query_range`. With `categorize` (the request header
/// `X-Loki-Response-Encoding-Flags: categorize-labels`), streams keep their index labels and
/// each value carries `{"structuredMetadata","parsed"}`; without it, Loki folds those into
/// the stream labels, so one stream splits into one result per distinct label set.
pub fn encode_query_result(result: &LogQueryResult, categorize: bool) -> Vec<u8> {
    success(Some(QueryBody { result, categorize }))
}

struct QueryBody<'a> {
    result: &'a LogQueryResult,
    categorize: bool,
}

impl Serialize for QueryBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let stats = Stats::of(self.result);
        match &self.result.data {
            QueryData::Streams(streams) => {
                m.serialize_entry("resultType", "streams")?;
                if self.categorize {
                    m.serialize_entry("encodingFlags", &["categorize-labels"])?;
                    let out: Vec<StreamOut<'_>> = streams
                        .iter()
                        .map(|s| StreamOut {
                            labels: &s.labels,
                            lines: s.lines.iter().collect(),
                            categorize: true,
                        })
                        .collect();
                    m.serialize_entry("result", &out)?;
                } else {
                    let folded = fold(streams);
                    let out: Vec<StreamOut<'_>> = folded
                        .iter()
                        .map(|(labels, lines)| StreamOut {
                            labels,
                            lines: lines.clone(),
                            categorize: false,
                        })
                        .collect();
                    m.serialize_entry("result", &out)?;
                }
            }
            QueryData::Matrix(series) => {
                m.serialize_entry("resultType", "matrix")?;
                let out: Vec<MatrixOut<'_>> = series.iter().map(MatrixOut).collect();
                m.serialize_entry("result", &out)?;
            }
            QueryData::Vector(samples) => {
                m.serialize_entry("resultType", "vector")?;
                let out: Vec<VectorOut<'_>> = samples.iter().map(VectorOut).collect();
                m.serialize_entry("result", &out)?;
            }
            QueryData::Scalar(sample) => {
                m.serialize_entry("resultType", "scalar")?;
                m.serialize_entry("result", &Point::millis(sample))?;
            }
        }
        m.serialize_entry("stats", &stats)?;
        m.end()
    }
}

/// Folds each line's structured metadata and parsed labels into its stream's labels, keeping
/// the first appearance order of the resulting label sets and of the lines inside them.
fn fold(streams: &[LogStream]) -> Vec<(Labels, Vec<&LogLine>)> {
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut out: Vec<(Labels, Vec<&LogLine>)> = Vec::new();
    for stream in streams {
        for line in &stream.lines {
            let mut labels = stream.labels.clone();
            for (k, v) in line.structured_metadata.iter().chain(line.parsed.iter()) {
                labels.entry(k.to_string()).or_insert_with(|| v.clone());
            }
            let i = *index.entry(labels).or_insert_with_key(|labels| {
                out.push((labels.clone(), Vec::new()));
                out.len() - 1
            });
            out[i].1.push(line);
        }
    }
    out
}

struct StreamOut<'a> {
    labels: &'a Labels,
    lines: Vec<&'a LogLine>,
    categorize: bool,
}

impl Serialize for StreamOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("stream", self.labels)?;
        let values: Vec<ValueOut<'_>> = self
            .lines
            .iter()
            .map(|l| ValueOut(l, self.categorize))
            .collect();
        m.serialize_entry("values", &values)?;
        m.end()
    }
}

struct ValueOut<'a>(&'a LogLine, bool);

impl Serialize for ValueOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ValueOut(line, categorize) = *self;
        let mut seq = s.serialize_seq(Some(if categorize { 3 } else { 2 }))?;
        seq.serialize_element(&line.ts_ns.to_string())?;
        seq.serialize_element(&line.line)?;
        if categorize {
            seq.serialize_element(&Categories(line))?;
        }
        seq.end()
    }
}

/// `{"structuredMetadata":{…},"parsed":{…}}`, an empty category left out.
struct Categories<'a>(&'a LogLine);

impl Serialize for Categories<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let entry = |m: &mut S::SerializeMap, k: &str, v: &LineLabels| {
            if v.is_empty() {
                Ok(())
            } else {
                m.serialize_entry(k, v)
            }
        };
        entry(&mut m, "structuredMetadata", &self.0.structured_metadata)?;
        entry(&mut m, "parsed", &self.0.parsed)?;
        m.end()
    }
}

struct MatrixOut<'a>(&'a Series);

impl Serialize for MatrixOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("metric", &self.0.labels)?;
        let points: Vec<Point> = self.0.samples.iter().map(Point::secs).collect();
        m.serialize_entry("values", &points)?;
        m.end()
    }
}

struct VectorOut<'a>(&'a VectorSample);

impl Serialize for VectorOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("metric", &self.0.labels)?;
        m.serialize_entry("value", &Point::secs(&self.0.sample))?;
        m.end()
    }
}

/// `[<time as a JSON number>, "<value>"]`.
struct Point {
    time: serde_json::Number,
    value: String,
}

impl Point {
    /// Whole seconds print as integers (`1795314000`), others with their fraction, as
    /// Prometheus-style answers do.
    fn secs(s: &Sample) -> Point {
        let time = if s.ts_ns % 1_000_000_000 == 0 {
            serde_json::Number::from(s.ts_ns / 1_000_000_000)
        } else {
            serde_json::Number::from_f64(s.ts_ns as f64 / 1e9).unwrap_or_else(|| 0.into())
        };
        Point {
            time,
            value: float_text(s.value),
        }
    }

    fn millis(s: &Sample) -> Point {
        Point {
            time: serde_json::Number::from(s.ts_ns.div_euclid(1_000_000)),
            value: float_text(s.value),
        }
    }
}

impl Serialize for Point {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&self.time)?;
        seq.serialize_element(&self.value)?;
        seq.end()
    }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)` with Prometheus' spellings of the specials.
fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

/// A minimal `stats`: Loki's answers always have one (Grafana shows it in the query
/// inspector); only the summary figures loqui knows are filled.
#[derive(Serialize)]
struct Stats {
    summary: Summary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    bytes_processed_per_second: u64,
    lines_processed_per_second: u64,
    total_bytes_processed: u64,
    total_lines_processed: u64,
    exec_time: f64,
    queue_time: f64,
    subqueries: u64,
    total_entries_returned: u64,
    splits: u64,
    shards: u64,
    total_post_filter_lines: u64,
    total_structured_metadata_bytes_processed: u64,
}

impl Stats {
    fn of(r: &LogQueryResult) -> Stats {
        let QueryStats {
            lines_processed,
            bytes_processed,
            exec_time_s,
        } = r.stats;
        let (lines, bytes, exec) = (
            lines_processed.unwrap_or(0),
            bytes_processed.unwrap_or(0),
            exec_time_s.unwrap_or(0.0),
        );
        let per_s = |n: u64| {
            if exec > 0.0 {
                (n as f64 / exec) as u64
            } else {
                0
            }
        };
        let returned = match &r.data {
            QueryData::Streams(s) => s.iter().map(|s| s.lines.len()).sum::<usize>(),
            QueryData::Matrix(s) => s.len(),
            QueryData::Vector(s) => s.len(),
            QueryData::Scalar(_) => 1,
        };
        Stats {
            summary: Summary {
                bytes_processed_per_second: per_s(bytes),
                lines_processed_per_second: per_s(lines),
                total_bytes_processed: bytes,
                total_lines_processed: lines,
                exec_time: exec,
                queue_time: 0.0,
                subqueries: 0,
                total_entries_returned: returned as u64,
                splits: 0,
                shards: 1,
                total_post_filter_lines: lines,
                total_structured_metadata_bytes_processed: 0,
            },
        }
    }
}

/// `/labels`. Loki omits `data` when there is nothing to list (`omitempty` on the slice).
pub fn encode_labels(names: &[String]) -> Vec<u8> {
    success((!names.is_empty()).then_some(names))
}

/// `/label/<name>/values`: an unknown label (or one without values in the range) answers
/// `{"status":"success"}` with no `data` key, exactly like Loki.
pub fn encode_label_values(values: &[String]) -> Vec<u8> {
    encode_labels(values)
}

/// `/series`: one label set per index stream; an empty answer keeps `"data":[]`.
pub fn encode_series(series: &[Labels]) -> Vec<u8> {
    success(Some(series))
}

/// The body of a query error: Loki answers 400 with the bare message as `text/plain`.
pub fn encode_error(message: &str) -> Vec<u8> {
    message.trim_end().as_bytes().to_vec()
}
