//! Ingest and queries run at once: readers see whole committed batches only, and everything
//! once the background committer has caught up.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use loqui_core::{LogStream, TimeRange};
use loqui_store::{Durability, LogSelect, Store, StoreConfig};

#[test]
fn queries_run_while_ingesting_and_see_whole_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = StoreConfig::new(dir.path());
    cfg.durability = Durability::WalNoSync;
    cfg.commit_interval = Some(Duration::from_millis(20));
    let store = Store::start(cfg).unwrap();
    let done = AtomicBool::new(false);
    let all = LogSelect::new(
        vec![],
        TimeRange {
            start_ns: T0,
            end_ns: T0 + 1_000_000_000_000,
        },
    );
    const BATCHES: i64 = 300;
    const LINES: i64 = 40;
    std::thread::scope(|s| {
        s.spawn(|| {
            for b in 0..BATCHES {
                let lines = (0..LINES)
                    .map(|i| line(T0 + b * LINES + i, &format!("b{b}")))
                    .collect();
                store
                    .logs
                    .push(&[LogStream {
                        labels: labels(&[("app", "a")]),
                        lines,
                    }])
                    .unwrap();
                store
                    .traces
                    .push(&[span(b as u64 + 1, 1, None, T0 + b, "api")])
                    .unwrap();
            }
            done.store(true, Ordering::Relaxed);
        });
        s.spawn(|| {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) || reads < 5 {
                let n = store.logs.select(&all).unwrap().count() as i64;
                assert_eq!(n % LINES, 0, "a reader saw part of a batch: {n} lines");
                let _ = store.traces.trace("1").unwrap();
                reads += 1;
            }
        });
    });
    // The background committer makes everything visible without an explicit commit (logs
    // and traces are committed one after the other, so wait for both).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let last_trace = format!("{BATCHES:x}");
    loop {
        let n = store.logs.select(&all).unwrap().count() as i64;
        let traced = store.traces.trace(&last_trace).unwrap().is_some();
        if n == BATCHES * LINES && traced {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {n} lines visible after 10 s (last trace visible: {traced})"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
