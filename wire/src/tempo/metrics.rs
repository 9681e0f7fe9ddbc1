//! TraceQL metrics answers: `/api/metrics/query_range` and `/api/metrics/query`.

use loqui_core::{AttrValue, Labels, MetricsResult, Series, VectorSample};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use super::any::{Double, Kv};
use super::search::{SearchMetrics, to_vec};

/// Series labels are text in loqui; Tempo types them. `p` (quantile) is a double, the rest
/// go out as strings, which every reader flattens to text anyway.
struct LabelsOut<'a>(&'a Labels, Option<&'a str>);

impl Serialize for LabelsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        if let Some(id) = self.1 {
            seq.serialize_element(&Kv("trace:id", &AttrValue::String(id.to_string())))?;
        }
        for (k, v) in self.0 {
            let value = match v.parse::<f64>() {
                Ok(d) if k == "p" => AttrValue::Double(d),
                _ => AttrValue::String(v.clone()),
            };
            seq.serialize_element(&Kv(k, &value))?;
        }
        seq.end()
    }
}

struct SeriesOut<'a>(&'a Series);

impl Serialize for SeriesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let series = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("labels", &LabelsOut(&series.labels, None))?;
        let samples: Vec<SampleOut> = series
            .samples
            .iter()
            .map(|p| SampleOut(p.ts_ns / 1_000_000, p.value))
            .collect();
        m.serialize_entry("samples", &samples)?;
        if !series.exemplars.is_empty() {
            let ex: Vec<ExemplarOut<'_>> = series.exemplars.iter().map(ExemplarOut).collect();
            m.serialize_entry("exemplars", &ex)?;
        }
        m.end()
    }
}

/// `{"timestampMs":"…","value":…}`, `value` left out when zero.
struct SampleOut(i64, f64);

impl Serialize for SampleOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("timestampMs", &self.0.to_string())?;
        if self.1 != 0.0 {
            m.serialize_entry("value", &Double(self.1))?;
        }
        m.end()
    }
}

struct ExemplarOut<'a>(&'a loqui_core::Exemplar);

impl Serialize for ExemplarOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("labels", &LabelsOut(&e.labels, e.trace_id.as_deref()))?;
        if e.value != 0.0 {
            m.serialize_entry("value", &Double(e.value))?;
        }
        m.serialize_entry("timestampMs", &(e.ts_ns / 1_000_000).to_string())?;
        m.end()
    }
}

/// `/api/metrics/query_range`: `{"series":[{"labels","samples","exemplars"}],"metrics":{}}`.
pub fn encode_metrics_range(result: &MetricsResult) -> Vec<u8> {
    #[derive(Serialize)]
    struct Out<'a> {
        series: Vec<SeriesOut<'a>>,
        metrics: SearchMetrics,
    }
    to_vec(&Out {
        series: result.series.iter().map(SeriesOut).collect(),
        metrics: SearchMetrics {
            inspected_bytes: None,
        },
    })
}

/// `/api/metrics/query`: `{"series":[{"labels":[…],"value":10}]}`.
pub fn encode_metrics_instant(samples: &[VectorSample]) -> Vec<u8> {
    struct One<'a>(&'a VectorSample);
    impl Serialize for One<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            m.serialize_entry("labels", &LabelsOut(&self.0.labels, None))?;
            if self.0.sample.value != 0.0 {
                m.serialize_entry("value", &Double(self.0.sample.value))?;
            }
            m.end()
        }
    }
    #[derive(Serialize)]
    struct Out<'a> {
        series: Vec<One<'a>>,
        metrics: SearchMetrics,
    }
    to_vec(&Out {
        series: samples.iter().map(One).collect(),
        metrics: SearchMetrics {
            inspected_bytes: None,
        },
    })
}
