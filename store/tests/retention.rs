//! Retention drops data older than the maximum age, then the oldest data until the store fits
//! its byte budget, and the bytes really leave the disk.

mod common;

use std::time::Duration;

use common::*;
use loqui_core::{Direction, LogStream, TimeRange};
use loqui_store::{LogSelect, Retention, Store};

const MIN: i64 = 60_000_000_000;

fn times(store: &Store) -> Vec<i64> {
    let mut s = LogSelect::new(
        vec![],
        TimeRange {
            start_ns: 0,
            end_ns: i64::MAX,
        },
    );
    s.direction = Direction::Forward;
    store
        .logs
        .select(&s)
        .unwrap()
        .map(|l| l.unwrap().line.ts_ns)
        .collect()
}

/// One line per minute for `minutes`, in hourly pushes and commits (several segments), and a
/// span per ten minutes.
fn fill(store: &Store, minutes: i64, pad: usize) {
    for hour in 0..(minutes + 59) / 60 {
        let lines = (hour * 60..((hour + 1) * 60).min(minutes))
            .map(|m| line(T0 + m * MIN, &format!("minute {m} {}", noise(m, pad))))
            .collect();
        let stream = LogStream {
            labels: labels(&[("app", "a")]),
            lines,
        };
        store.logs.push(&[stream]).unwrap();
        let spans: Vec<_> = (hour * 6..(hour + 1) * 6)
            .map(|i| span(i as u64 + 1, i as u64 + 1, None, T0 + i * 10 * MIN, "api"))
            .collect();
        store.traces.push(&spans).unwrap();
        store.commit().unwrap();
    }
}

/// Text that compresses about as badly as real log lines.
fn noise(seed: i64, len: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(seed as u64);
    (0..len).map(|_| rng.alphanumeric()).collect()
}

#[test]
fn data_older_than_the_maximum_age_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    fill(&store, 600, 10);
    let now = T0 + 600 * MIN;
    let policy = Retention {
        max_age: Some(Duration::from_secs(4 * 3600)),
        max_bytes: None,
    };
    let report = store.retain(&policy, now).unwrap();
    assert_eq!(report.cutoff_ns, Some(now - 240 * MIN));
    let left = times(&store);
    let want: Vec<i64> = (360..600).map(|m| T0 + m * MIN).collect();
    assert_eq!(left, want);
    // Spans too: span i starts at minute 10*i, trace id i+1.
    assert!(
        store.traces.trace("24").unwrap().is_none(),
        "span at minute 230 kept"
    );
    assert!(
        store.traces.trace("37").unwrap().is_some(),
        "span at minute 360 lost"
    );
    // Streams without data left drop out of label answers.
    store
        .logs
        .push(&[LogStream {
            labels: labels(&[("old", "x")]),
            lines: vec![line(T0, "old")],
        }])
        .unwrap();
    store.commit().unwrap();
    assert_eq!(store.logs.label_names(&[], None), ["app", "old"]);
    store.retain(&policy, now).unwrap();
    assert_eq!(store.logs.label_names(&[], None), ["app"]);
    // And it holds across reopen.
    drop(store);
    assert_eq!(times(&open(dir.path())), want);
}

#[test]
fn the_oldest_data_goes_until_the_store_fits_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    fill(&store, 1200, 400);
    let before = store.disk_bytes();
    let max = before / 2;
    let policy = Retention {
        max_age: None,
        max_bytes: Some(max),
    };
    let report = store.retain(&policy, T0 + 1200 * MIN).unwrap();
    assert_eq!(report.bytes_before, before);
    assert!(
        report.bytes_after <= max,
        "{} bytes left over a budget of {max}",
        report.bytes_after
    );
    assert_eq!(store.disk_bytes(), report.bytes_after);
    let left = times(&store);
    assert!(
        left.len() > 200,
        "only {} lines left: retention dropped too much",
        left.len()
    );
    // What is left is the newest data, without holes.
    let first = (left[0] - T0) / MIN;
    let want: Vec<i64> = (first..1200).map(|m| T0 + m * MIN).collect();
    assert_eq!(left, want);
    // Nothing to do when within budget.
    let again = store.retain(&policy, T0 + 1200 * MIN).unwrap();
    assert_eq!(again.cutoff_ns, None);
}
