//! Retention: drop data older than a maximum age, then the oldest data until the store fits
//! its byte budget. Deletes are committed, segments holding deleted documents are merged and
//! unused files removed, so the bytes really leave the disk.

use std::time::Duration;

use crate::Store;
use crate::error::Result;
use crate::table::Table;

/// Limits to enforce; `None` means no limit of that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    pub max_age: Option<Duration>,
    pub max_bytes: Option<u64>,
}

/// What one retention run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Everything older than this was deleted (`None`: nothing to do).
    pub cutoff_ns: Option<i64>,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// Rounds of size-based deletion before giving up (the budget may be below the fixed costs).
const MAX_ROUNDS: usize = 16;

pub(crate) fn run(store: &Store, policy: &Retention, now_ns: i64) -> Result<RetentionReport> {
    let bytes_before = store.disk_bytes();
    let mut cutoff = policy
        .max_age
        .map(|age| now_ns.saturating_sub(age.as_nanos().min(i64::MAX as u128) as i64));
    if let Some(c) = cutoff {
        delete_before(store, c)?;
    }
    // Size: estimate bytes per record, drop the oldest records worth the excess, measure again.
    // Fixed costs (file headers, the stream table) make the estimate low, so repeat while it
    // helps.
    if let Some(max) = policy.max_bytes {
        let mut last = u64::MAX;
        for _ in 0..MAX_ROUNDS {
            let bytes = store.disk_bytes();
            if bytes <= max || bytes >= last {
                break;
            }
            last = bytes;
            let Some(c) = size_cutoff(store, bytes - max)? else {
                break;
            };
            cutoff = Some(cutoff.map_or(c, |old| old.max(c)));
            delete_before(store, c)?;
        }
    }
    Ok(RetentionReport {
        cutoff_ns: cutoff,
        bytes_before,
        bytes_after: store.disk_bytes(),
    })
}

fn delete_before(store: &Store, cutoff: i64) -> Result<()> {
    store.logs.delete_before(cutoff)?;
    store.traces.delete_before(cutoff)?;
    store.commit()?;
    compact(store.logs.table())?;
    compact(store.traces.table())?;
    store.logs.rebuild_stream_stats();
    Ok(())
}

/// The time before which dropping every record frees about `excess` bytes.
fn size_cutoff(store: &Store, excess: u64) -> Result<Option<i64>> {
    let mut weighted: Vec<(i64, f64)> = Vec::new();
    for (times, bytes) in [
        (store.logs.all_times()?, store.logs.table().disk_bytes()),
        (store.traces.all_times()?, store.traces.table().disk_bytes()),
    ] {
        if times.is_empty() {
            continue;
        }
        let per = bytes as f64 / times.len() as f64;
        weighted.extend(times.into_iter().map(|t| (t, per)));
    }
    weighted.sort_unstable_by_key(|(t, _)| *t);
    let mut freed = 0.0;
    for (i, (t, per)) in weighted.iter().enumerate() {
        freed += per;
        // Aim a little past the excess: undershooting costs another round.
        if freed >= excess as f64 * 1.1 {
            // Delete everything up to and including `t`, and its equals.
            let next = weighted[i + 1..].iter().find(|(u, _)| u > t);
            return Ok(Some(next.map_or(t.saturating_add(1), |(u, _)| *u)));
        }
    }
    Ok(weighted.last().map(|(t, _)| t.saturating_add(1)))
}

/// Merges segments with deleted documents and removes unused files.
fn compact(table: &Table) -> Result<()> {
    let searcher = table.searcher();
    let ids: Vec<_> = searcher
        .segment_readers()
        .iter()
        .filter(|s| s.num_deleted_docs() > 0)
        .map(|s| s.segment_id())
        .collect();
    table.with_writer(|w| {
        if !ids.is_empty() {
            w.merge(&ids).wait()?;
        }
        w.garbage_collect_files().wait()?;
        Ok(())
    })?;
    table.reload()?;
    Ok(())
}
