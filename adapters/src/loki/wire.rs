//! Loki's JSON answers, decoded straight into loqui's types where that saves a copy.
//!
//! Shapes: `{"status":"success","data":{"resultType":…,"result":…,"stats":…}}`. Stream values
//! are `["<ns>", "<line>"]`, plus a third `{"structuredMetadata":…,"parsed":…}` element with
//! `categorize-labels`. Matrix/vector points are `[<seconds>, "<value>"]`; scalars use
//! milliseconds.

use std::fmt;

use loqui_core::{
    DetectedField, IndexStats, Labels, LineLabels, LogLine, LogPattern, LogStream, QueryData,
    QueryStats, Sample, Series, VectorSample,
};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::json::{FloatVisitor, IntVisitor, secs_to_ns};

/// The `{"status","data"}` wrapper. An unknown label answers `{"status":"success"}` alone.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    pub data: Option<T>,
}

/// `data` of query and query_range.
pub(crate) struct QueryBody {
    pub data: QueryData,
    pub stats: QueryStats,
}

impl<'de> Deserialize<'de> for QueryBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(QueryBodyVisitor)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Field {
    ResultType,
    Result,
    Stats,
    #[serde(other)]
    Other,
}

struct QueryBodyVisitor;

impl<'de> Visitor<'de> for QueryBodyVisitor {
    type Value = QueryBody;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Loki query result")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<QueryBody, A::Error> {
        let mut kind: Option<String> = None;
        let mut data = None;
        let mut stats = QueryStats::default();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::ResultType => kind = Some(map.next_value()?),
                Field::Result => data = Some(result(&mut map, kind.as_deref())?),
                Field::Stats => stats = map.next_value::<StatsWire>()?.into(),
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let data = data.ok_or_else(|| de::Error::missing_field("result"))?;
        Ok(QueryBody { data, stats })
    }
}

/// Loki writes `resultType` before `result`; relying on that avoids buffering the result.
fn result<'de, A: MapAccess<'de>>(map: &mut A, kind: Option<&str>) -> Result<QueryData, A::Error> {
    Ok(match kind {
        Some("streams") => QueryData::Streams(
            map.next_value::<Vec<StreamWire>>()?
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
        Some("matrix") => QueryData::Matrix(
            map.next_value::<Vec<MatrixWire>>()?
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
        Some("vector") => QueryData::Vector(
            map.next_value::<Vec<VectorWire>>()?
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
        Some("scalar") => {
            let p: Point = map.next_value()?;
            // Scalars carry milliseconds, unlike vector and matrix points.
            QueryData::Scalar(Sample {
                ts_ns: (p.0.round() as i64).saturating_mul(1_000_000),
                value: p.1,
            })
        }
        Some(other) => return Err(de::Error::custom(format!("unknown resultType `{other}`"))),
        None => return Err(de::Error::custom("`result` came before `resultType`")),
    })
}

#[derive(Deserialize)]
struct StreamWire {
    stream: Labels,
    values: Vec<Entry>,
}

impl From<StreamWire> for LogStream {
    fn from(w: StreamWire) -> Self {
        LogStream {
            labels: w.stream,
            lines: w.values.into_iter().map(|e| e.0).collect(),
        }
    }
}

/// One stream value: `["<ns>", "<line>", {categories}?]`.
struct Entry(LogLine);

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Categories {
    #[serde(default)]
    structured_metadata: LineLabels,
    #[serde(default)]
    parsed: LineLabels,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Loki stream value [\"<ns>\", \"<line>\", {…}?]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
        let ts_ns = seq
            .next_element::<Int>()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?
            .0;
        let line: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let cats: Categories = seq.next_element()?.unwrap_or_default();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Entry(LogLine {
            ts_ns,
            line,
            structured_metadata: cats.structured_metadata,
            parsed: cats.parsed,
        }))
    }
}

struct Int(i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor).map(Int)
    }
}

/// `[<seconds as a number>, "<value>"]`.
struct Point(f64, f64);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(PointVisitor)
    }
}

struct PointVisitor;

struct Float(f64);

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FloatVisitor).map(Float)
    }
}

impl<'de> Visitor<'de> for PointVisitor {
    type Value = Point;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a point [<time>, \"<value>\"]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Point, A::Error> {
        let t = seq
            .next_element::<Float>()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let v = seq
            .next_element::<Float>()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Point(t.0, v.0))
    }
}

fn sample(p: Point) -> Sample {
    Sample {
        ts_ns: secs_to_ns(p.0),
        value: p.1,
    }
}

#[derive(Deserialize)]
struct MatrixWire {
    metric: Labels,
    values: Vec<Point>,
}

impl From<MatrixWire> for Series {
    fn from(w: MatrixWire) -> Self {
        let samples = w.values.into_iter().map(sample).collect();
        Series {
            labels: w.metric,
            samples,
            exemplars: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
struct VectorWire {
    metric: Labels,
    value: Point,
}

impl From<VectorWire> for VectorSample {
    fn from(w: VectorWire) -> Self {
        VectorSample {
            labels: w.metric,
            sample: sample(w.value),
        }
    }
}

#[derive(Deserialize, Default)]
struct StatsWire {
    #[serde(default)]
    summary: SummaryWire,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SummaryWire {
    total_lines_processed: Option<u64>,
    total_bytes_processed: Option<u64>,
    exec_time: Option<f64>,
}

impl From<StatsWire> for QueryStats {
    fn from(w: StatsWire) -> Self {
        QueryStats {
            lines_processed: w.summary.total_lines_processed,
            bytes_processed: w.summary.total_bytes_processed,
            exec_time_s: w.summary.exec_time,
        }
    }
}

/// `/index/stats` answers a bare object.
#[derive(Deserialize)]
pub(crate) struct IndexStatsWire {
    #[serde(default)]
    streams: u64,
    #[serde(default)]
    chunks: u64,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    entries: u64,
}

impl From<IndexStatsWire> for IndexStats {
    fn from(w: IndexStatsWire) -> Self {
        IndexStats {
            streams: w.streams,
            chunks: w.chunks,
            bytes: w.bytes,
            entries: w.entries,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PatternWire {
    pattern: String,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    samples: Vec<Point>,
}

impl From<PatternWire> for LogPattern {
    fn from(w: PatternWire) -> Self {
        let samples = w.samples.into_iter().map(sample).collect();
        LogPattern {
            pattern: w.pattern,
            level: w.level,
            samples,
        }
    }
}

/// `/detected_fields` answers a bare `{"fields":[…],"limit":…}`.
#[derive(Deserialize)]
pub(crate) struct DetectedFieldsWire {
    #[serde(default)]
    pub fields: Option<Vec<DetectedFieldWire>>,
}

#[derive(Deserialize)]
pub(crate) struct DetectedFieldWire {
    label: String,
    #[serde(rename = "type", default)]
    field_type: String,
    #[serde(default)]
    cardinality: u64,
    #[serde(default)]
    parsers: Option<Vec<String>>,
}

impl From<DetectedFieldWire> for DetectedField {
    fn from(w: DetectedFieldWire) -> Self {
        DetectedField {
            label: w.label,
            field_type: w.field_type,
            cardinality: w.cardinality,
            parsers: w.parsers.unwrap_or_default(),
        }
    }
}
