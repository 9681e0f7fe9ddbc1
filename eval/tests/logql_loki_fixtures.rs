//! The evaluator against real Loki: the data set Loki was fed (`fixtures/loki/pushed.json`,
//! exactly what `generate.py` pushed) is evaluated with the query and parameters of each captured
//! request, and the answer must equal Loki's captured response.

use std::collections::BTreeMap;
use std::sync::Arc;

use loqui_core::{Direction, Labels, LineLabels, QueryData, TimeRange};
use loqui_eval::logql::{Entry, VecInput, eval_instant, eval_range};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/loki");

/// The pushed streams as stored entries. Loki's distributor adds `detected_level` (from the
/// line's `level` field) as structured metadata at ingestion; the store does the same.
fn input() -> VecInput {
    let text = std::fs::read_to_string(format!("{DIR}/pushed.json")).unwrap();
    let push: Value = serde_json::from_str(&text).unwrap();
    let mut entries = Vec::new();
    for stream in push["streams"].as_array().unwrap() {
        let labels: Labels = serde_json::from_value(stream["stream"].clone()).unwrap();
        let labels = Arc::new(labels);
        for v in stream["values"].as_array().unwrap() {
            let line = v[1].as_str().unwrap().to_owned();
            let mut metadata: LineLabels = match v.get(2) {
                Some(m) => serde_json::from_value(m.clone()).unwrap(),
                None => LineLabels::new(),
            };
            metadata.insert("detected_level", level_of(&line));
            entries.push(Entry {
                ts_ns: v[0].as_str().unwrap().parse().unwrap(),
                labels: labels.clone(),
                line,
                metadata,
            });
        }
    }
    VecInput::new(entries)
}

fn level_of(line: &str) -> String {
    if line.starts_with('{') {
        let v: Value = serde_json::from_str(line).unwrap();
        return v["level"].as_str().unwrap().to_owned();
    }
    let rest = line.split("level=").nth(1).unwrap();
    rest.split_whitespace().next().unwrap().to_owned()
}

struct Request {
    params: BTreeMap<String, String>,
}

impl Request {
    fn load(name: &str) -> Request {
        let text = std::fs::read_to_string(format!("{DIR}/{name}.request.txt")).unwrap();
        let params = text
            .lines()
            .filter_map(|l| l.strip_prefix("PARAM ").or_else(|| l.strip_prefix("FORM ")))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Request { params }
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.params.get(k).map(String::as_str)
    }

    fn time(&self, k: &str) -> i64 {
        let v = self.get(k).unwrap();
        v.parse().unwrap_or_else(|_| rfc3339(v))
    }

    fn range(&self) -> TimeRange {
        TimeRange {
            start_ns: self.time("start"),
            end_ns: self.time("end"),
        }
    }

    fn expr(&self) -> loqui_query::logql::Expr {
        let parsed = loqui_query::logql::parse(self.get("query").unwrap());
        parsed.tree.expect("fixture query parses")
    }
}

/// `2026-11-22T02:18:20Z` to unix nanoseconds (the fixtures use only whole seconds, UTC).
fn rfc3339(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    (days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)) * 1_000_000_000
}

fn response(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DIR}/{name}.response.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["data"].clone()
}

type Streams = BTreeMap<Labels, Vec<(i64, String)>>;

/// Loki's streams by label set. With `categorize-labels`, each value's structured metadata and
/// parsed labels are folded back into its stream's labels: that is the answer without the flag.
fn loki_streams(data: &Value) -> Streams {
    let mut out = Streams::new();
    for s in data["result"].as_array().unwrap() {
        let stream: Labels = serde_json::from_value(s["stream"].clone()).unwrap();
        for v in s["values"].as_array().unwrap() {
            let mut labels = stream.clone();
            for category in ["structuredMetadata", "parsed"] {
                if let Some(extra) = v.get(2).and_then(|c| c.get(category)) {
                    let extra: Labels = serde_json::from_value(extra.clone()).unwrap();
                    labels.extend(extra);
                }
            }
            let line = (
                v[0].as_str().unwrap().parse().unwrap(),
                v[1].as_str().unwrap().to_owned(),
            );
            out.entry(labels).or_default().push(line);
        }
    }
    out
}

fn check_streams(name: &str) {
    let req = Request::load(name);
    let limit = req.get("limit").map_or(100, |l| l.parse().unwrap());
    let direction = match req.get("direction") {
        Some("forward") => Direction::Forward,
        _ => Direction::Backward,
    };
    let out = eval_range(&req.expr(), &input(), req.range(), 0, limit, direction).unwrap();
    let QueryData::Streams(streams) = out.data else {
        panic!("{name}: not streams")
    };
    let ours: Streams = streams
        .into_iter()
        .map(|s| {
            (
                s.labels,
                s.lines.into_iter().map(|l| (l.ts_ns, l.line)).collect(),
            )
        })
        .collect();
    let loki = loki_streams(&response(name));
    assert_eq!(ours, loki, "{name}");
}

type Matrix = BTreeMap<Labels, Vec<(i64, f64)>>;

fn loki_points(data: &Value, key: &str) -> Matrix {
    data["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let labels: Labels = serde_json::from_value(s["metric"].clone()).unwrap();
            let point = |p: &Value| {
                (
                    p[0].as_i64().unwrap(),
                    p[1].as_str().unwrap().parse().unwrap(),
                )
            };
            let points = match key {
                "values" => s["values"].as_array().unwrap().iter().map(point).collect(),
                _ => vec![point(&s["value"])],
            };
            (labels, points)
        })
        .collect()
}

fn check_matrix(name: &str) {
    let req = Request::load(name);
    let step = req.get("step").unwrap().parse::<i64>().unwrap() * 1_000_000_000;
    let out = eval_range(
        &req.expr(),
        &input(),
        req.range(),
        step,
        100,
        Direction::Backward,
    )
    .unwrap();
    let QueryData::Matrix(series) = out.data else {
        panic!("{name}: not a matrix")
    };
    let ours: Matrix = series
        .into_iter()
        .map(|s| {
            (
                s.labels,
                s.samples
                    .iter()
                    .map(|p| (p.ts_ns / 1_000_000_000, p.value))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(ours, loki_points(&response(name), "values"), "{name}");
}

#[test]
fn log_queries_equal_loki() {
    for name in [
        "query_range_streams",
        "query_range_json_filter",
        "query_range_line_filter",
        "query_range_logfmt_unwrap_filter",
        "query_range_trace_id_metadata",
        "query_range_rfc3339_times",
        "query_range_post_form",
        "query_range_empty_result",
        "query_range_with_orgid_header",
        "query_range_json_categorized",
        "query_range_trace_id_metadata_categorized",
    ] {
        check_streams(name);
    }
}

#[test]
fn count_matrix_equals_loki() {
    check_matrix("query_range_matrix");
}

#[test]
fn detected_level_matrix_equals_loki() {
    check_matrix("query_range_matrix_detected_level");
}

#[test]
fn unwrap_quantile_matrix_equals_loki() {
    check_matrix("query_range_matrix_unwrap_quantile");
}

#[test]
fn instant_vector_equals_loki() {
    let req = Request::load("query_instant_vector");
    let out = eval_instant(&req.expr(), &input(), req.time("time"), 100).unwrap();
    let QueryData::Vector(samples) = out.data else {
        panic!("not a vector")
    };
    let ours: Matrix = samples
        .into_iter()
        .map(|s| {
            (
                s.labels,
                vec![(s.sample.ts_ns / 1_000_000_000, s.sample.value)],
            )
        })
        .collect();
    assert_eq!(
        ours,
        loki_points(&response("query_instant_vector"), "value")
    );
}

#[test]
fn instant_scalar_equals_loki() {
    let req = Request::load("query_instant_scalar");
    let out = eval_instant(&req.expr(), &input(), req.time("time"), 100).unwrap();
    let QueryData::Scalar(s) = out.data else {
        panic!("not a scalar")
    };
    let loki = response("query_instant_scalar");
    assert_eq!(s.ts_ns / 1_000_000, loki["result"][0].as_i64().unwrap());
    assert_eq!(s.value.to_string(), loki["result"][1].as_str().unwrap());
}

#[test]
fn instant_log_query_is_refused_like_loki() {
    let expr = loqui_query::logql::parse(r#"{service_name="gateway"}"#)
        .tree
        .unwrap();
    let err = eval_instant(&expr, &input(), 0, 5).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("log queries are not supported as an instant query type")
    );
}
