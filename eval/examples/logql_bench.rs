//! Rough timings of the LogQL evaluator over synthetic entries (not a pass/fail test):
//! `cargo run --release -p loqui-eval --example logql_bench [ENTRIES]`.

use std::sync::Arc;
use std::time::Instant;

use loqui_core::{Direction, Labels, LineLabels, TimeRange};
use loqui_eval::logql::{Entry, VecInput, eval_range};

fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500_000);
    let streams: Vec<Arc<Labels>> = (0..8)
        .map(|i| {
            let l = [
                ("app", format!("svc-{}", i % 4)),
                ("pod", format!("pod-{i}")),
            ];
            Arc::new(l.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        })
        .collect();
    let entries: Vec<Entry> = (0..n)
        .map(|i| {
            let level = ["info", "info", "warn", "error"][(i % 4) as usize];
            let line = if i % 2 == 0 {
                format!("ts={i} level={level} msg=\"request done\" status={} duration_ms={}", 200 + i % 5 * 100, i % 997)
            } else {
                format!(r#"{{"level":"{level}","msg":"order {i}","http":{{"status":{}}},"duration_ms":{}}}"#, 200 + i % 5 * 100, i % 997)
            };
            Entry { ts_ns: i * 1_000_000, labels: streams[(i % 8) as usize].clone(), line, metadata: LineLabels::new() }
        })
        .collect();
    let input = VecInput::new(entries);
    let range = TimeRange {
        start_ns: 0,
        end_ns: n * 1_000_000,
    };
    let queries = [
        (r#"{app="svc-1"} |= "error""#, 0),
        (r#"{app=~"svc-.*"} |~ "status=5\\d\\d""#, 0),
        (r#"{app=~"svc-.*"} | logfmt | duration_ms > 900"#, 0),
        (r#"{app=~"svc-.*"} | json | http_status >= 500"#, 0),
        (
            r#"sum by (app) (count_over_time({app=~"svc-.*"} |= "error" [1m]))"#,
            60,
        ),
        (
            r#"quantile_over_time(0.99, {app=~"svc-.*"} | logfmt | unwrap duration_ms [1m]) by (app)"#,
            60,
        ),
    ];
    for (q, step_s) in queries {
        let expr = loqui_query::logql::parse(q).tree.expect("query parses");
        let t = Instant::now();
        let out = eval_range(
            &expr,
            &input,
            range,
            step_s * 1_000_000_000,
            1000,
            Direction::Backward,
        )
        .expect("query runs");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{:>8.1} ms  {:>6.2} M entries/s  {q}  ({} lines)",
            secs * 1e3,
            n as f64 / secs / 1e6,
            out.total_lines
        );
    }
}
