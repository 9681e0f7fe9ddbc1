//! Acknowledged writes survive `kill -9`: this test binary re-runs itself as a writer that
//! prints each acknowledged batch id, is killed mid-stream, and the store is then reopened.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use loqui_core::{LogStream, TimeRange};
use loqui_store::{Durability, LogSelect, Store, StoreConfig};

const CHILD_ENV: &str = "LOQUI_STORE_KILL9_CHILD";
const LINES_PER_BATCH: usize = 50;
const SPANS_PER_BATCH: u64 = 5;

/// The writer: pushes numbered batches forever, printing `ack N` after each is acknowledged.
fn child(dir: &str, first: u64) {
    let mut cfg = StoreConfig::new(dir);
    cfg.durability = Durability::Fsync;
    // Commit often so the kill also lands during and between tantivy commits.
    cfg.commit_interval = Some(Duration::from_millis(30));
    let store = Store::start(cfg).expect("store opens");
    let mut out = std::io::stdout().lock();
    for batch in first.. {
        let lines = (0..LINES_PER_BATCH)
            .map(|i| {
                line(
                    T0 + (batch * 1000 + i as u64) as i64,
                    &format!("batch {batch} line {i}"),
                )
            })
            .collect();
        let stream = LogStream {
            labels: labels(&[("batch", &batch.to_string())]),
            lines,
        };
        store.logs.push(&[stream]).expect("push");
        let spans: Vec<_> = (0..SPANS_PER_BATCH)
            .map(|i| {
                span(
                    batch + 1,
                    batch * 100 + i + 1,
                    None,
                    T0 + batch as i64,
                    "api",
                )
            })
            .collect();
        store.traces.push(&spans).expect("push spans");
        writeln!(out, "ack {batch}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_batches_survive_kill_9() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        let first = std::env::var("LOQUI_STORE_KILL9_FIRST")
            .unwrap()
            .parse()
            .unwrap();
        child(&dir, first);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3u64 {
        let mut proc = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "acknowledged_batches_survive_kill_9",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            // Each round numbers its batches apart from the others'.
            .env("LOQUI_STORE_KILL9_FIRST", (round * 100_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acked = Vec::new();
        let started = Instant::now();
        let stop_after = 150 + round as usize * 97;
        for l in BufReader::new(proc.stdout.take().unwrap()).lines() {
            let l = l.unwrap();
            if let Some(n) = l.strip_prefix("ack ") {
                acked.push(n.parse::<u64>().unwrap());
                if acked.len() >= stop_after || started.elapsed() > Duration::from_secs(20) {
                    proc.kill().unwrap(); // SIGKILL
                    break;
                }
            }
        }
        proc.wait().unwrap();
        assert!(!acked.is_empty(), "the writer acknowledged nothing");
        check(dir.path(), &acked);
    }
}

/// Every acknowledged batch is there in full, and no batch is there in part.
fn check(dir: &std::path::Path, acked: &[u64]) {
    let store = open(dir);
    let all = LogSelect::new(
        vec![],
        TimeRange {
            start_ns: T0,
            end_ns: T0 + 10_000_000_000,
        },
    );
    let mut per_batch: BTreeMap<String, usize> = BTreeMap::new();
    for l in store.logs.select(&all).unwrap() {
        *per_batch
            .entry(l.unwrap().labels["batch"].clone())
            .or_default() += 1;
    }
    for (batch, n) in &per_batch {
        assert_eq!(*n, LINES_PER_BATCH, "batch {batch} is partly visible");
    }
    for b in acked {
        assert_eq!(
            per_batch.get(&b.to_string()),
            Some(&LINES_PER_BATCH),
            "acknowledged batch {b} lost"
        );
        let t = store.traces.trace(&format!("{:x}", b + 1)).unwrap();
        // A batch's log push is acknowledged before its spans are pushed, so only the spans of
        // fully acknowledged batches are required.
        assert_eq!(
            t.map(|t| t.spans.len()),
            Some(SPANS_PER_BATCH as usize),
            "spans of batch {b} lost"
        );
    }
}
