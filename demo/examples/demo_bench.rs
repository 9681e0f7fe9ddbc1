//! Prints how fast the demo generator is and how big its output gets. No assertions: timing
//! goals live here, not in tests.
//!
//! `cargo run --release -p loqui-demo --example demo_bench [-- HOURS [SCALE]]`

use std::collections::HashSet;
use std::time::Instant;

use loqui_demo::{Config, Generator, align_to_minute, encode};

fn main() {
    let mut args = std::env::args().skip(1);
    let hours: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(24);
    let scale: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let end = align_to_minute(1_795_315_760_000_000_000);
    let config = Config {
        duration_ns: hours * 3_600_000_000_000,
        scale,
        ..Config::new(end)
    };
    let generator = Generator::new(config);

    let t = Instant::now();
    let (mut lines, mut spans, mut line_bytes) = (0usize, 0usize, 0usize);
    let mut traces = HashSet::new();
    for b in generator.batches() {
        lines += b.logs.len();
        spans += b.spans.len();
        line_bytes += b.logs.iter().map(|l| l.line.len()).sum::<usize>();
        traces.extend(
            b.spans
                .iter()
                .filter(|s| s.parent_span_id.is_none())
                .map(|s| s.trace_id),
        );
    }
    let gen_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (mut loki_bytes, mut otlp_bytes) = (0usize, 0usize);
    for b in generator.batches() {
        loki_bytes += encode::loki_push_json(&b.logs).len();
        otlp_bytes += encode::otlp_traces_json(&b.spans).len();
    }
    let enc_s = t.elapsed().as_secs_f64() - gen_s.min(t.elapsed().as_secs_f64());

    let t = Instant::now();
    let truth = generator.ground_truth();
    let truth_s = t.elapsed().as_secs_f64();

    println!("window              {hours} h at scale {scale}");
    println!("log lines           {lines}");
    println!("traces              {}", traces.len());
    println!(
        "spans               {spans} ({:.1} per trace)",
        spans as f64 / traces.len().max(1) as f64
    );
    println!(
        "generate            {gen_s:.2} s ({:.0} lines/s, {:.0} spans/s)",
        lines as f64 / gen_s,
        spans as f64 / gen_s
    );
    println!(
        "mean line           {:.0} bytes",
        line_bytes as f64 / lines as f64
    );
    println!(
        "loki push json      {loki_bytes} bytes ({:.0} per line)",
        loki_bytes as f64 / lines as f64
    );
    println!(
        "otlp traces json    {otlp_bytes} bytes ({:.0} per span)",
        otlp_bytes as f64 / spans as f64
    );
    println!(
        "generate+encode     {:.2} s (encoding alone about {enc_s:.2} s)",
        gen_s + enc_s
    );
    println!(
        "ground truth        {truth_s:.2} s, {} incidents",
        truth.incidents.len()
    );
}
