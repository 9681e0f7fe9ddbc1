//! Times `load_demo` for a day of demo data and a few queries through the embedded sources.
//!
//! `cargo run --release -p loqui-store --example embedded_bench [hours] [scale]`
//! (defaults: 24 hours, scale 1). Prints to stderr; timing goals live here, not in tests.

use std::sync::Arc;
use std::time::Instant;

use loqui_core::{LogQuery, LogSource, MetricsQuery, TimeRange, TraceSearch, TraceSource};
use loqui_demo::{Config, align_to_minute};
use loqui_store::{Durability, EmbeddedLogs, EmbeddedTraces, Store, StoreConfig, load_demo};

const MIN: i64 = 60_000_000_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let hours: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(24);
    let scale: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = StoreConfig::new(dir.path());
    cfg.durability = Durability::None;
    cfg.commit_interval = None;
    cfg.index_threads = 2;
    let store = Arc::new(Store::open(&cfg).expect("store opens"));
    let config = Config {
        duration_ns: hours * 60 * MIN,
        scale,
        ..Config::new(align_to_minute(loqui_store::now_ns()))
    };
    let report = load_demo(&store, config.clone()).expect("demo loads");
    let secs = report.elapsed.as_secs_f64();
    eprintln!(
        "load_demo {hours}h scale {scale}: {} lines, {} spans in {secs:.1}s ({:.0} lines/s, {:.0} spans/s; both tables in parallel), {} MB on disk",
        report.lines,
        report.spans,
        report.lines as f64 / secs,
        report.spans as f64 / secs,
        store.disk_bytes() / 1_000_000,
    );
    store.logs.warm().expect("warm");

    let logs = EmbeddedLogs::new(store.clone());
    let traces = EmbeddedTraces::new(store.clone());
    let end = config.end_ns + 1;
    let last = |minutes: i64| TimeRange {
        start_ns: end - minutes * MIN,
        end_ns: end,
    };
    for (q, minutes) in [
        (
            r#"{service_name="show-service"} |= "NullPointerException""#,
            60,
        ),
        (
            r#"{service_name="payment-service"} | json | level="error""#,
            24 * 60,
        ),
        (
            r#"sum by (service_name) (rate({namespace="ticketing"} |= "error" [5m]))"#,
            60,
        ),
        (
            r#"sum by (service_name) (count_over_time({namespace="ticketing"}[5m]))"#,
            6 * 60,
        ),
    ] {
        let t = Instant::now();
        let r = logs
            .query_range(&LogQuery::new(q, last(minutes), 100))
            .await;
        let what = match &r {
            Ok(a) => format!("{} lines", a.total_lines),
            Err(e) => format!("error: {e}"),
        };
        eprintln!("{:>8.1} ms  logql {q} over {minutes}m ({what})", ms(t));
    }
    for (q, minutes) in [
        (
            r#"{ resource.service.name = "show-service" && status = error }"#,
            60,
        ),
        ("{ status = error }", 24 * 60),
        (
            r#"{ resource.service.name = "payment-service" && duration > 1s }"#,
            24 * 60,
        ),
        ("{ }", 60),
    ] {
        let t = Instant::now();
        let r = traces
            .search(&TraceSearch {
                query: q.into(),
                range: last(minutes),
                limit: 20,
                spans_per_spanset: None,
            })
            .await;
        let what = match &r {
            Ok(a) => format!("{} traces", a.traces.len()),
            Err(e) => format!("error: {e}"),
        };
        eprintln!("{:>8.1} ms  traceql {q} over {minutes}m ({what})", ms(t));
    }
    let q = "{ status = error } | rate() by (resource.service.name)";
    let t = Instant::now();
    let r = traces
        .metrics_range(&MetricsQuery {
            query: q.into(),
            range: last(60),
            step: None,
        })
        .await;
    let what = match &r {
        Ok(a) => format!("{} series", a.series.len()),
        Err(e) => format!("error: {e}"),
    };
    eprintln!("{:>8.1} ms  traceql {q} over 60m ({what})", ms(t));
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
