//! The demo conversion keeps what Loki and Tempo would hold: stream labels, structured metadata
//! plus `detected_level`, and spans whose resource attributes are shared per pod.

use std::sync::Arc;

use loqui_core::{AttrValue, StatusCode};
use loqui_demo::{Config, Generator, align_to_minute};
use loqui_store::{demo_log_streams, demo_spans};

#[test]
fn demo_records_convert_field_by_field() {
    let generator = Generator::new(Config {
        duration_ns: 10 * 60_000_000_000,
        ..Config::new(align_to_minute(1_795_315_740_000_000_000))
    });
    let batch = generator.window(generator.config().start_ns(), generator.config().end_ns);

    let streams = demo_log_streams(&batch.logs);
    let lines: usize = streams.iter().map(|s| s.lines.len()).sum();
    assert_eq!(lines, batch.logs.len());
    for s in &streams {
        let keys: Vec<&str> = s.labels.keys().map(String::as_str).collect();
        assert_eq!(keys, ["cluster", "env", "namespace", "pod", "service_name"]);
    }
    let record = batch.logs.iter().find(|r| r.trace_id.is_some()).unwrap();
    let line = streams
        .iter()
        .flat_map(|s| &s.lines)
        .find(|l| l.ts_ns == record.time_ns && l.line == record.line)
        .unwrap();
    let md = &line.structured_metadata;
    assert_eq!(md.get("detected_level").unwrap(), record.level.as_str());
    assert_eq!(
        md.get("trace_id").unwrap(),
        &record.trace_id.unwrap().to_string()
    );
    assert_eq!(
        md.get("span_id").unwrap(),
        &record.span_id.unwrap().to_string()
    );

    let spans = demo_spans(&batch.spans);
    assert_eq!(spans.len(), batch.spans.len());
    for (s, r) in spans.iter().zip(&batch.spans) {
        assert_eq!(s.trace_id.len(), 32);
        assert_eq!(s.service_name, r.resource.service_name);
        assert_eq!(
            s.resource.get("service.name"),
            Some(&AttrValue::String(r.resource.service_name.to_string()))
        );
        assert_eq!(s.attributes.len(), r.attributes.len());
        assert_eq!(s.is_error(), r.is_error());
        assert_eq!(s.events.len(), r.events.len());
    }
    let errors = spans.iter().filter(|s| s.status.code == StatusCode::Error);
    assert!(errors.clone().count() > 0);
    // Spans of one pod share one resource map.
    let (a, b) = (
        &spans[0],
        spans
            .iter()
            .skip(1)
            .find(|s| s.resource == spans[0].resource)
            .unwrap(),
    );
    assert!(Arc::ptr_eq(&a.resource, &b.resource));
}
