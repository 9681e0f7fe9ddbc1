//! Push decode throughput on the demo platform's data: Loki push JSON and protobuf (lines/s),
//! OTLP traces JSON and protobuf (spans/s), OTLP logs JSON (lines/s).
//!
//! `cargo run --release -p loqui-wire --example push_bench [minutes]` (default 10 minutes of
//! demo traffic per request body). Figures only; nothing here passes or fails.

use std::hint::black_box;
use std::time::{Duration, Instant};

use loqui_demo::{Config, Generator, align_to_minute, encode};
use loqui_wire::{Limits, loki, otlp};

fn main() {
    let minutes: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    const MIN: i64 = 60_000_000_000;
    let end = align_to_minute(1_795_315_760_000_000_000);
    let batch = Generator::new(Config::new(end)).window(end - (minutes + 30) * MIN, end - 30 * MIN);
    let limits = Limits::default();

    let loki_json = encode::loki_push_json(&batch.logs).into_bytes();
    let streams = loki::decode_push_json(&loki_json, &limits)
        .unwrap()
        .accepted;
    let loki_proto = loki::encode_push_proto(&streams);
    let traces_json = encode::otlp_traces_json(&batch.spans).into_bytes();
    let spans = otlp::decode_traces_json(&traces_json, &limits)
        .unwrap()
        .accepted;
    let traces_proto = otlp::encode_traces_proto(&spans);
    let logs_json = encode::otlp_logs_json(&batch.logs).into_bytes();

    let (lines, n_spans) = (batch.logs.len(), batch.spans.len());
    eprintln!("{minutes} min of demo data: {lines} lines, {n_spans} spans");
    run("loki push json", &loki_json, lines, "lines", |b| {
        loki::decode_push_json(b, &limits).unwrap().accepted_records
    });
    run(
        "loki push protobuf+snappy",
        &loki_proto,
        lines,
        "lines",
        |b| {
            loki::decode_push_proto(b, &limits)
                .unwrap()
                .accepted_records
        },
    );
    run("otlp traces json", &traces_json, n_spans, "spans", |b| {
        otlp::decode_traces_json(b, &limits)
            .unwrap()
            .accepted_records
    });
    run(
        "otlp traces protobuf",
        &traces_proto,
        n_spans,
        "spans",
        |b| {
            otlp::decode_traces_proto(b, &limits)
                .unwrap()
                .accepted_records
        },
    );
    run("otlp logs json", &logs_json, lines, "lines", |b| {
        otlp::decode_logs_json(b, &limits).unwrap().accepted_records
    });
}

/// Runs `decode` for at least a second after a warm-up and prints records/s and MB/s.
fn run(name: &str, body: &[u8], records: usize, unit: &str, decode: impl Fn(&[u8]) -> usize) {
    assert_eq!(decode(body), records, "{name}: every record decodes");
    let (mut runs, start) = (0u32, Instant::now());
    while start.elapsed() < Duration::from_secs(1) || runs < 3 {
        black_box(decode(black_box(body)));
        runs += 1;
    }
    let per_run = start.elapsed().as_secs_f64() / f64::from(runs);
    eprintln!(
        "{name:<27} {:>10.0} {unit}/s  {:>7.1} MB/s  ({} KB body, {:.1} ms/request)",
        records as f64 / per_run,
        body.len() as f64 / per_run / 1e6,
        body.len() / 1000,
        per_run * 1e3
    );
}
