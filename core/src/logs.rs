//! Log-side results: streams of lines, metric samples and series, and the small answers of the
//! label, stats and pattern calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::map::SmallMap;
use crate::traces::Exemplar;

/// A label set: name to value, sorted so output is stable.
pub type Labels = BTreeMap<String, String>;

/// Labels of one log line (structured metadata, parsed labels): few entries, one map per line,
/// so a compact sorted map.
pub type LineLabels = SmallMap<String>;

/// In which order log lines are returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Newest first (Loki's default).
    #[default]
    Backward,
    /// Oldest first.
    Forward,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "backward",
            Self::Forward => "forward",
        }
    }
}

/// One log line with what the backend knows about it besides its stream labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub ts_ns: i64,
    pub line: String,
    /// Structured metadata (e.g. `trace_id`, `detected_level`) when the backend reports it apart
    /// from the stream labels; empty otherwise.
    #[serde(default, skip_serializing_if = "SmallMap::is_empty")]
    pub structured_metadata: LineLabels,
    /// Labels added by parsers (`| json`, `| logfmt`) when the backend reports them apart.
    #[serde(default, skip_serializing_if = "SmallMap::is_empty")]
    pub parsed: LineLabels,
}

impl LogLine {
    /// Look a label up in the line's own categories, then in the given stream labels.
    pub fn label<'a>(&'a self, stream: &'a Labels, name: &str) -> Option<&'a str> {
        self.structured_metadata
            .get(name)
            .or_else(|| self.parsed.get(name))
            .or_else(|| stream.get(name))
            .map(String::as_str)
    }
}

/// Lines sharing one label set. Without label categorization, Loki folds structured metadata
/// and parsed labels into `labels`, so one index stream can come back as several of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogStream {
    pub labels: Labels,
    pub lines: Vec<LogLine>,
}

/// One point of a metric series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub ts_ns: i64,
    pub value: f64,
}

/// A labelled metric series (Loki matrix, TraceQL metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub labels: Labels,
    pub samples: Vec<Sample>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemplars: Vec<Exemplar>,
}

/// One labelled value of an instant query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorSample {
    pub labels: Labels,
    pub sample: Sample,
}

/// The data of a log query, by result type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "result", rename_all = "lowercase")]
pub enum QueryData {
    Streams(Vec<LogStream>),
    Matrix(Vec<Series>),
    Vector(Vec<VectorSample>),
    Scalar(Sample),
}

/// Execution figures the backend reported, where it did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryStats {
    pub lines_processed: Option<u64>,
    pub bytes_processed: Option<u64>,
    pub exec_time_s: Option<f64>,
}

/// The answer to a log query, with what was cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogQueryResult {
    pub data: QueryData,
    /// True when more lines matched than were returned (the line limit cut the answer).
    pub truncated: bool,
    /// Lines returned in `data` (0 for metric results).
    pub total_lines: usize,
    pub stats: QueryStats,
}

impl LogQueryResult {
    /// All lines of a streams result, with their stream labels, in no particular order.
    pub fn lines(&self) -> impl Iterator<Item = (&Labels, &LogLine)> {
        let streams: &[LogStream] = match &self.data {
            QueryData::Streams(s) => s,
            _ => &[],
        };
        streams
            .iter()
            .flat_map(|s| s.lines.iter().map(move |l| (&s.labels, l)))
    }
}

/// What the index knows about a selector's data: used to estimate a query's cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexStats {
    pub streams: u64,
    pub chunks: u64,
    pub bytes: u64,
    pub entries: u64,
}

/// A log template found by the backend, with counts over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPattern {
    pub pattern: String,
    pub level: Option<String>,
    pub samples: Vec<Sample>,
}

impl LogPattern {
    pub fn total(&self) -> f64 {
        self.samples.iter().map(|s| s.value).sum()
    }
}

/// A field found in log lines by the backend (`detected_fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectedField {
    pub label: String,
    pub field_type: String,
    pub cardinality: u64,
    pub parsers: Vec<String>,
}
