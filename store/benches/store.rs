//! Figures for the embedded store (no assertions): ingest throughput with and without
//! durability, bytes on disk, and query latencies over a day of synthetic data.
//!
//! `cargo bench -p loqui-store --bench store` (`LOQUI_BENCH_LINES` / `LOQUI_BENCH_TRACES` to
//! change the size; defaults 1,000,000 lines and 100,000 traces over 24 h).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use loqui_core::{
    AttrValue, Direction, Labels, LogLine, LogStream, Span, SpanKind, SpanStatus, StatusCode,
    TimeRange,
};
use loqui_store::{
    AttrFilter, AttrScope, Durability, LabelMatcher, LogSelect, SpanSelect, Store, StoreConfig,
};

const DAY_NS: i64 = 24 * 3600 * 1_000_000_000;
const T0: i64 = 1_763_769_600_000_000_000;
const SERVICES: &[&str] = &[
    "frontend",
    "cart",
    "checkout",
    "payment",
    "shipping",
    "catalog",
    "auth",
    "email",
    "ads",
    "recommendation",
];
const ROUTES: &[&str] = &[
    "/api/cart",
    "/api/checkout",
    "/api/products/{id}",
    "/api/login",
    "/health",
];
const BATCH: usize = 1000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Batches of 1,000 lines over 24 h in time order; one line in 20,000 says `segfault`.
fn log_batches(rng: &mut fastrand::Rng, total: usize) -> Vec<Vec<LogStream>> {
    let mut streams: Vec<Labels> = Vec::new();
    for svc in SERVICES {
        for level in ["info", "warn", "error"] {
            for pod in 0..4 {
                let l: Labels = [
                    ("service_name", *svc),
                    ("level", level),
                    ("namespace", "shop"),
                ]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain([("pod".to_string(), format!("{svc}-{pod}"))])
                .collect();
                streams.push(l);
            }
        }
    }
    let step = DAY_NS / total as i64;
    (0..total.div_ceil(BATCH))
        .map(|b| {
            let mut by_stream: BTreeMap<usize, Vec<LogLine>> = BTreeMap::new();
            for i in b * BATCH..((b + 1) * BATCH).min(total) {
                // Mostly info, some warn, a few errors.
                let level = match rng.u8(0..100) {
                    0..=84 => 0,
                    85..=95 => 1,
                    _ => 2,
                };
                let s = rng.usize(0..SERVICES.len()) * 12 + level * 4 + rng.usize(0..4);
                let trace = format!("{:032x}", rng.u128(..));
                let text = if rng.usize(0..20_000) == 0 {
                    format!("level=error msg=\"worker crashed: segfault at 0x{:x}\" trace_id={trace}", rng.u32(..))
                } else {
                    format!(
                        "level={} method={} route={} status={} duration_ms={} user=u{} msg=\"{}\" trace_id={trace}",
                        ["info", "warn", "error"][level],
                        ["GET", "POST"][rng.usize(0..2)],
                        ROUTES[rng.usize(0..ROUTES.len())],
                        [200, 200, 200, 404, 500][rng.usize(0..5)],
                        rng.u32(1..2000),
                        rng.u32(0..50_000),
                        ["request served", "cache miss", "retrying upstream", "slow query on orders", "connection reset by peer"][rng.usize(0..5)],
                    )
                };
                let mut structured_metadata = Labels::new();
                structured_metadata.insert("trace_id".into(), trace);
                by_stream.entry(s).or_default().push(LogLine {
                    ts_ns: T0 + i as i64 * step + rng.i64(0..step.max(1)),
                    line: text,
                    structured_metadata: structured_metadata.into_iter().collect(),
                    parsed: Default::default(),
                });
            }
            by_stream
                .into_iter()
                .map(|(s, lines)| LogStream { labels: streams[s].clone(), lines })
                .collect()
        })
        .collect()
}

/// Traces of 4 to 16 spans (about 10 on average), over 24 h; returns batches and trace ids.
fn span_batches(rng: &mut fastrand::Rng, traces: usize) -> (Vec<Vec<Span>>, Vec<String>) {
    let resources: Vec<Arc<loqui_core::Attributes>> = SERVICES
        .iter()
        .map(|s| {
            Arc::new(
                [
                    ("service.name".to_string(), AttrValue::String(s.to_string())),
                    (
                        "k8s.namespace.name".to_string(),
                        AttrValue::String("shop".into()),
                    ),
                ]
                .into_iter()
                .collect(),
            )
        })
        .collect();
    let mut batches = Vec::new();
    let mut batch = Vec::new();
    let mut ids = Vec::new();
    let step = DAY_NS / traces as i64;
    for t in 0..traces {
        let trace_id = format!("{:032x}", rng.u128(1..));
        ids.push(trace_id.clone());
        let start = T0 + t as i64 * step;
        let root_id = rng.u64(1..);
        for i in 0..rng.usize(4..17) {
            let svc = rng.usize(0..SERVICES.len());
            let error = rng.u8(0..100) < 3;
            let mut attributes = BTreeMap::from([
                (
                    "http.route".to_string(),
                    AttrValue::String(ROUTES[rng.usize(0..ROUTES.len())].into()),
                ),
                (
                    "http.response.status_code".to_string(),
                    AttrValue::Int(if error { 500 } else { 200 }),
                ),
            ]);
            if i % 3 == 2 {
                attributes.insert(
                    "db.system".into(),
                    AttrValue::String(["postgresql", "redis"][rng.usize(0..2)].into()),
                );
            }
            batch.push(Span {
                trace_id: trace_id.clone(),
                span_id: format!("{:016x}", if i == 0 { root_id } else { rng.u64(1..) }),
                parent_span_id: (i > 0).then(|| format!("{root_id:016x}")),
                service_name: SERVICES[svc].into(),
                name: format!("{} {}", ["GET", "POST"][i % 2], ROUTES[i % ROUTES.len()]),
                kind: if i == 0 {
                    SpanKind::Server
                } else {
                    SpanKind::Client
                },
                status: SpanStatus {
                    code: if error {
                        StatusCode::Error
                    } else {
                        StatusCode::Unset
                    },
                    message: None,
                },
                start_ns: start + i as i64 * 1_000_000,
                duration_ns: rng.i64(100_000..500_000_000),
                attributes: attributes.into_iter().collect(),
                resource: resources[svc].clone(),
                events: Vec::new(),
            });
            if batch.len() >= BATCH {
                batches.push(std::mem::take(&mut batch));
            }
        }
    }
    batches.push(batch);
    (batches, ids)
}

fn config(dir: &std::path::Path, durability: Durability) -> StoreConfig {
    let mut cfg = StoreConfig::new(dir);
    cfg.durability = durability;
    cfg.commit_interval = None;
    cfg
}

fn ingest_logs(store: &Store, batches: &[Vec<LogStream>]) -> Duration {
    let t = Instant::now();
    for b in batches {
        store.logs.push(b).unwrap();
    }
    store.logs.commit().unwrap();
    t.elapsed()
}

fn ingest_spans(store: &Store, batches: &[Vec<Span>]) -> Duration {
    let t = Instant::now();
    for b in batches {
        store.traces.push(b).unwrap();
    }
    store.traces.commit().unwrap();
    t.elapsed()
}

/// p50 and p99 of `runs` calls of `f`.
fn latency(runs: usize, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[runs / 2], times[(runs * 99 / 100).min(runs - 1)])
}

fn main() {
    let lines = env_usize("LOQUI_BENCH_LINES", 1_000_000);
    let traces = env_usize("LOQUI_BENCH_TRACES", 100_000);
    let mut rng = fastrand::Rng::with_seed(42);
    let t = Instant::now();
    let logs = log_batches(&mut rng, lines);
    let (spans, trace_ids) = span_batches(&mut rng, traces);
    let span_count: usize = spans.iter().map(Vec::len).sum();
    println!(
        "generated {lines} lines and {traces} traces ({span_count} spans) in {:.1?}",
        t.elapsed()
    );

    // Ingest with each durability, batches of 1,000 records, one caller thread.
    for durability in [Durability::None, Durability::WalNoSync, Durability::Fsync] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&config(dir.path(), durability)).unwrap();
        let cpu = cpu_seconds();
        let tl = ingest_logs(&store, &logs);
        let cpu_logs = cpu_seconds() - cpu;
        let ts = ingest_spans(&store, &spans);
        let cpu_spans = cpu_seconds() - cpu - cpu_logs;
        println!(
            "ingest {durability:?}: {:.0} lines/s ({lines} in {tl:.2?}, {:.0} lines per CPU-second), {:.0} spans/s ({span_count} in {ts:.2?}, {:.0} per CPU-second)",
            lines as f64 / tl.as_secs_f64(),
            lines as f64 / cpu_logs,
            span_count as f64 / ts.as_secs_f64(),
            span_count as f64 / cpu_spans,
        );
    }

    // The alternative to the log: a tantivy commit before acknowledging each batch (first
    // 100 batches only; it is slow).
    {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&config(dir.path(), Durability::None)).unwrap();
        let n = logs.len().min(100);
        let t = Instant::now();
        for b in &logs[..n] {
            store.logs.push(b).unwrap();
            store.logs.commit().unwrap();
        }
        let tl = t.elapsed();
        let count: usize = logs[..n].iter().flatten().map(|s| s.lines.len()).sum();
        println!(
            "ingest with a tantivy commit per batch instead of the log: {:.0} lines/s ({count} in {tl:.2?})",
            count as f64 / tl.as_secs_f64(),
        );
    }

    // The demo loader's case: no log, two indexing threads (both cores of this machine).
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), Durability::None);
    cfg.index_threads = 2;
    let store = Store::open(&cfg).unwrap();
    let cpu = cpu_seconds();
    let tl = ingest_logs(&store, &logs);
    let ts = ingest_spans(&store, &spans);
    println!(
        "ingest None, 2 indexing threads: {:.0} lines/s ({tl:.2?}), {:.0} spans/s ({ts:.2?}); {:.1} s of CPU for both",
        lines as f64 / tl.as_secs_f64(),
        span_count as f64 / ts.as_secs_f64(),
        cpu_seconds() - cpu,
    );
    let log_bytes = loqui_bytes(&dir.path().join("logs"));
    let span_bytes = loqui_bytes(&dir.path().join("traces"));
    println!(
        "disk: logs {:.1} MiB ({:.1} bytes/line), traces {:.1} MiB ({:.1} bytes/span)",
        log_bytes as f64 / 1048576.0,
        log_bytes as f64 / lines as f64,
        span_bytes as f64 / 1048576.0,
        span_bytes as f64 / span_count as f64,
    );
    drop(store);
    let t = Instant::now();
    let store = Store::open(&config(dir.path(), Durability::None)).unwrap();
    println!("reopen: {:.1?}", t.elapsed());
    // What the background thread does after opening and after each commit.
    let t = Instant::now();
    store.logs.warm().unwrap();
    println!(
        "word lists for substring search built in {:.1?}",
        t.elapsed()
    );

    let day = TimeRange {
        start_ns: T0,
        end_ns: T0 + DAY_NS,
    };
    let query = |matchers: Vec<LabelMatcher>, contains: &[&str], limit| {
        let mut s = LogSelect::new(matchers, day);
        s.contains = contains.iter().map(|c| c.to_string()).collect();
        s.direction = Direction::Backward;
        s.limit = Some(limit);
        s
    };
    let re = |n: &str, v: &str| LabelMatcher::new(n, loqui_store::MatchOp::Re, v).unwrap();
    let cases = [
        (
            "{namespace=\"shop\"} |= \"segfault\" (rare word)",
            query(
                vec![LabelMatcher::eq("namespace", "shop")],
                &["segfault"],
                100,
            ),
        ),
        (
            "{service_name=~\".+\"} |= \"egfaul\" (rare infix)",
            query(vec![re("service_name", ".+")], &["egfaul"], 100),
        ),
        (
            "{service_name=\"cart\"} |= \"segfault at\" (rare phrase)",
            query(
                vec![LabelMatcher::eq("service_name", "cart")],
                &["segfault at"],
                100,
            ),
        ),
        (
            "{namespace=\"shop\"} |= \"connection reset\" limit 100 (common)",
            query(
                vec![LabelMatcher::eq("namespace", "shop")],
                &["connection reset"],
                100,
            ),
        ),
        (
            "{level=\"error\"} limit 1000 (no filter)",
            query(vec![LabelMatcher::eq("level", "error")], &[], 1000),
        ),
    ];
    for (name, select) in &cases {
        let mut n = 0;
        let (p50, p99) = latency(50, |_| n = store.logs.select(select).unwrap().count());
        println!("query {name}: p50 {p50:.2?} p99 {p99:.2?} ({n} lines)");
    }
    let mut meta = LogSelect::new(vec![LabelMatcher::eq("namespace", "shop")], day);
    let sample = logs[lines / BATCH / 2][0].lines[0].structured_metadata["trace_id"].clone();
    meta.metadata = vec![("trace_id".into(), sample)];
    let (p50, p99) = latency(50, |_| {
        assert_eq!(store.logs.select(&meta).unwrap().count(), 1)
    });
    println!("query lines by structured metadata trace_id: p50 {p50:.2?} p99 {p99:.2?}");

    // count_over_time({level="error"}[5m]) by service over 24 h.
    let errors = LogSelect::new(vec![LabelMatcher::eq("level", "error")], day);
    let mut series = 0;
    let (p50, p99) = latency(20, |_| {
        let counts = store.logs.count_by_step(&errors, 300_000_000_000).unwrap();
        let mut by_service: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for c in counts {
            let acc = by_service
                .entry(c.labels["service_name"].clone())
                .or_insert_with(|| vec![0; c.counts.len()]);
            acc.iter_mut().zip(&c.counts).for_each(|(a, n)| *a += n);
        }
        series = by_service.len();
    });
    println!(
        "error count by service, 24 h in 5 min buckets: p50 {p50:.2?} p99 {p99:.2?} ({series} series x 288 buckets)"
    );

    let (p50, p99) = latency(1000, |i| {
        let id = &trace_ids[(i * 7919) % trace_ids.len()];
        assert!(store.traces.trace(id).unwrap().is_some());
    });
    println!("trace by id: p50 {p50:.2?} p99 {p99:.2?}");
    let span_cases = [
        (
            "{resource.service.name=\"payment\" && status=error} limit 20",
            SpanSelect {
                range: Some(day),
                service: Some("payment".into()),
                status: Some(StatusCode::Error),
                limit: Some(20),
                ..Default::default()
            },
        ),
        (
            "{span.db.system=\"redis\" && duration>400ms} last hour, limit 20",
            SpanSelect {
                range: Some(TimeRange {
                    start_ns: T0 + DAY_NS - 3_600_000_000_000,
                    end_ns: T0 + DAY_NS,
                }),
                min_duration_ns: Some(400_000_000),
                attributes: vec![AttrFilter {
                    scope: AttrScope::Span,
                    key: "db.system".into(),
                    value: AttrValue::String("redis".into()),
                }],
                limit: Some(20),
                ..Default::default()
            },
        ),
        (
            "{span.http.response.status_code=500 && kind=server} 24 h, no limit",
            SpanSelect {
                range: Some(day),
                kind: Some(SpanKind::Server),
                attributes: vec![AttrFilter {
                    scope: AttrScope::Span,
                    key: "http.response.status_code".into(),
                    value: AttrValue::Int(500),
                }],
                ..Default::default()
            },
        ),
    ];
    for (name, select) in &span_cases {
        let mut n = 0;
        let (p50, p99) = latency(20, |_| n = store.traces.spans(select).unwrap().traces.len());
        println!("spans {name}: p50 {p50:.2?} p99 {p99:.2?} ({n} traces)");
    }
}

fn loqui_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => loqui_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// User plus system CPU time of this process so far, from `/proc/self/stat` (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at state: utime and stime
    // are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // `rest` starts with the state letter (not a number), so utime is f[10] and stime f[11].
    (f.get(10).unwrap_or(&0.0) + f.get(11).unwrap_or(&0.0)) / 100.0
}
