//! Lines are valid JSON or logfmt depending on the service; encoders emit the wire formats.

mod common;

use common::*;
use loqui_demo::{LogFormat, Svc, encode};
use serde_json::Value;

#[test]
fn every_line_parses_in_its_service_format() {
    let all = collect(&generator(7, 2));
    let format_of = |name: &str| {
        loqui_demo::ALL_SERVICES
            .iter()
            .find(|s| s.name() == name)
            .map(|s: &Svc| s.name())
            .unwrap();
        match name {
            "gateway" | "queue-service" | "product-service" | "notification-service" => {
                LogFormat::Logfmt
            }
            _ => LogFormat::Json,
        }
    };
    let (mut json, mut logfmt) = (0, 0);
    for l in &all.logs {
        let (level, msg, tid) = match format_of(l.stream.service_name) {
            LogFormat::Json => {
                json += 1;
                let v: Value =
                    serde_json::from_str(&l.line).unwrap_or_else(|e| panic!("{e}: {}", l.line));
                let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
                (get("level"), get("msg"), get("trace_id"))
            }
            LogFormat::Logfmt => {
                logfmt += 1;
                let kv = parse_logfmt(&l.line).unwrap_or_else(|| panic!("bad logfmt: {}", l.line));
                let get = |k: &str| field(&kv, k).map(str::to_owned);
                (get("level"), get("msg"), get("trace_id"))
            }
        };
        assert_eq!(level.as_deref(), Some(l.level.as_str()), "{}", l.line);
        assert!(msg.is_some_and(|m| !m.is_empty()), "{}", l.line);
        assert_eq!(tid, l.trace_id.map(|t| t.to_string()));
    }
    assert!(json > 1000 && logfmt > 1000);
    // Levels are in the line, never a label.
    assert!(
        all.logs
            .iter()
            .all(|l| l.stream.labels.iter().all(|(k, _)| *k != "level"))
    );
    for lv in ["debug", "info", "warn", "error"] {
        assert!(
            all.logs.iter().any(|l| l.level.as_str() == lv),
            "no {lv} lines"
        );
    }
}

#[test]
fn gateway_access_log_has_the_usual_fields() {
    let all = collect(&generator(7, 1));
    let access: Vec<_> = all
        .logs
        .iter()
        .filter(|l| {
            l.stream.service_name == "gateway" && l.line.contains("msg=\"request completed\"")
        })
        .map(|l| parse_logfmt(&l.line).unwrap())
        .collect();
    assert!(access.len() > 1000);
    for kv in &access {
        for k in ["method", "path", "status", "duration_ms"] {
            assert!(field(kv, k).is_some(), "{k} missing in {kv:?}");
        }
        field(kv, "duration_ms").unwrap().parse::<u64>().unwrap();
        field(kv, "status").unwrap().parse::<u16>().unwrap();
    }
}

#[test]
fn loki_push_json_has_streams_values_and_metadata() {
    let g = generator(7, 1);
    let b = g.batches().nth(10).unwrap();
    let v: Value = serde_json::from_str(&encode::loki_push_json(&b.logs)).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let mut n = 0;
    let mut with_md = 0;
    for s in streams {
        let labels = s["stream"].as_object().unwrap();
        for k in ["service_name", "namespace", "cluster", "env", "pod"] {
            assert!(labels[k].is_string());
        }
        for val in s["values"].as_array().unwrap() {
            let a = val.as_array().unwrap();
            a[0].as_str().unwrap().parse::<i64>().unwrap();
            assert!(a[1].is_string());
            if a.len() == 3 {
                with_md += 1;
                let tid = a[2]["trace_id"].as_str().unwrap();
                assert_eq!(tid.len(), 32);
                assert!(a[1].as_str().unwrap().contains(tid));
                assert_eq!(a[2]["span_id"].as_str().unwrap().len(), 16);
            }
            n += 1;
        }
    }
    assert_eq!(n, b.logs.len());
    assert!(with_md > 0);
}

#[test]
fn otlp_traces_json_has_the_required_keys() {
    let g = generator(7, 1);
    let b = g.batches().nth(10).unwrap();
    let v: Value = serde_json::from_str(&encode::otlp_traces_json(&b.spans)).unwrap();
    let mut n = 0;
    for rs in v["resourceSpans"].as_array().unwrap() {
        let attrs = rs["resource"]["attributes"].as_array().unwrap();
        let keys: Vec<_> = attrs.iter().map(|a| a["key"].as_str().unwrap()).collect();
        for k in [
            "service.name",
            "service.namespace",
            "service.version",
            "deployment.environment",
            "k8s.pod.name",
            "k8s.namespace.name",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
        for ss in rs["scopeSpans"].as_array().unwrap() {
            assert!(ss["scope"]["name"].is_string());
            for s in ss["spans"].as_array().unwrap() {
                assert_eq!(s["traceId"].as_str().unwrap().len(), 32);
                assert_eq!(s["spanId"].as_str().unwrap().len(), 16);
                assert!((1..=5).contains(&s["kind"].as_u64().unwrap()));
                let st: u64 = s["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
                let en: u64 = s["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
                assert!(en > st);
                assert!(s["status"]["code"].as_u64().unwrap() <= 2);
                for a in s["attributes"].as_array().unwrap() {
                    let val = a["value"].as_object().unwrap();
                    assert_eq!(val.len(), 1);
                    let k = val.keys().next().unwrap();
                    assert!(
                        ["stringValue", "intValue", "doubleValue", "boolValue"]
                            .contains(&k.as_str())
                    );
                    if k == "intValue" {
                        val[k].as_str().unwrap().parse::<i64>().unwrap();
                    }
                }
                n += 1;
            }
        }
    }
    assert_eq!(n, b.spans.len());
}

#[test]
fn otlp_logs_json_has_the_required_keys() {
    let g = generator(7, 1);
    let b = g.batches().nth(10).unwrap();
    let v: Value = serde_json::from_str(&encode::otlp_logs_json(&b.logs)).unwrap();
    let mut n = 0;
    for rl in v["resourceLogs"].as_array().unwrap() {
        assert!(rl["resource"]["attributes"].is_array());
        for sl in rl["scopeLogs"].as_array().unwrap() {
            for r in sl["logRecords"].as_array().unwrap() {
                r["timeUnixNano"].as_str().unwrap().parse::<i64>().unwrap();
                assert!([5, 9, 13, 17].contains(&r["severityNumber"].as_u64().unwrap()));
                assert!(r["body"]["stringValue"].is_string());
                n += 1;
            }
        }
    }
    assert_eq!(n, b.logs.len());
}

#[test]
fn database_spans_use_one_semconv_generation() {
    let all = collect(&generator(7, 1));
    let db: Vec<_> = all
        .spans
        .iter()
        .filter(|s| s.attr("db.system").is_some())
        .collect();
    assert!(
        db.iter()
            .any(|s| s.attr("db.system").unwrap().to_string() == "mysql")
    );
    assert!(
        db.iter()
            .any(|s| s.attr("db.system").unwrap().to_string() == "redis")
    );
    for s in &db {
        for k in [
            "db.operation.name",
            "db.query.text",
            "server.address",
            "peer.service",
        ] {
            assert!(s.attr(k).is_some(), "{k} missing on {}", s.name);
        }
        assert!(s.attr("db.statement").is_none() && s.attr("http.method").is_none());
    }
}
