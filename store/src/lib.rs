//! loqui's embedded store on tantivy: log lines and spans under one data directory, durable
//! once acknowledged, with retention by age and size, and the narrowing calls the LogQL and
//! TraceQL evaluators build on ("narrow with the index, then verify exactly").
//!
//! Layout: `<dir>/logs/{index/, wal.log, streams.json}` and `<dir>/traces/{index/, wal.log}`.
//! A background thread commits every `commit_interval` (making writes searchable and emptying
//! the write-ahead log) and runs retention every `retention_interval`.
//!
//! ## Durability
//!
//! A push is acknowledged once its batch is in the write-ahead log, fsynced by default
//! ([`Durability::Fsync`]); commits hold whole batches only, and the log is replayed on open
//! above the seq the last commit recorded. Measured with
//! `cargo bench -p loqui-store --bench store` (1M lines, 1M spans, batches of 1,000, one caller
//! thread, 2 cores shared with other builds, three runs): no log 135-165k lines/s, log without
//! fsync 138-163k, log with fsync 107-139k; spans 182-197k, 143-187k and 90-141k per second.
//! The alternative, a tantivy commit before acknowledging each batch, managed 65k lines/s over
//! the first 100k lines and leaves a segment per batch to merge. Runs on this machine vary by
//! about a third, as much as the log costs (the JSON encoding of the batch plus one fsync per
//! batch). [`Durability::None`] is for loads that can be redone, like the demo data.
//!
//! The term dictionary is tantivy's SSTable (the `quickwit` feature) rather than its FST:
//! building the FST for the unique words of log lines (trace ids, user ids) took a quarter of
//! ingest time; with the SSTable ingest went from 63-90k to about 135k lines/s.
//!
//! **Architecture Invariant:** callers never see tantivy types; everything goes through
//! [`LogStore`], [`TraceStore`] and the plain structs they take and return.

mod codec;
mod embedded;
mod error;
mod hits;
mod lines;
mod logs;
mod matcher;
mod narrow;
mod retention;
mod streams;
mod table;
mod tags;
mod traces;
mod validate;
mod wal;
mod words;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use embedded::{
    DemoLoadReport, EmbeddedLogs, EmbeddedTraces, TraceReader, demo_log_streams, demo_spans,
    load_demo, load_demo_window,
};
pub use error::{Rejected, Result, StoreError, WriteReport};
pub use lines::LineIter;
pub use logs::{LogSelect, LogStore, MAX_BATCH_LINES, StoredLine, StreamCounts};
pub use matcher::{LabelMatcher, MatchOp};
pub use retention::{Retention, RetentionReport};
pub use streams::StreamId;
pub use table::Durability;
pub use traces::{AttrFilter, AttrScope, SpanResult, SpanSelect, TraceMatch, TraceStore};

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub dir: PathBuf,
    pub durability: Durability,
    /// tantivy indexing threads per table (1 keeps ingest on about one core; the demo loader
    /// may use more).
    pub index_threads: usize,
    /// Lines longer than this are refused.
    pub max_line_bytes: usize,
    /// How often the background thread commits; `None`: only explicit commits.
    pub commit_interval: Option<Duration>,
    pub retention: Retention,
    /// How often the background thread applies `retention`.
    pub retention_interval: Duration,
}

impl StoreConfig {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            durability: Durability::Fsync,
            index_threads: 1,
            max_line_bytes: 256 * 1024,
            commit_interval: Some(Duration::from_secs(1)),
            retention: Retention::default(),
            retention_interval: Duration::from_secs(300),
        }
    }
}

/// Logs and traces under one directory.
pub struct Store {
    pub logs: LogStore,
    pub traces: TraceStore,
    dir: PathBuf,
    retention: Mutex<()>,
}

/// A store with its background committer; dropping it stops the thread and commits.
pub struct StoreHandle {
    store: Arc<Store>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Store {
    /// Opens the store without a background thread (commit and retain by hand).
    pub fn open(config: &StoreConfig) -> Result<Self> {
        let dir = &config.dir;
        let options = table::TableOptions {
            durability: config.durability,
            index_threads: config.index_threads,
        };
        Ok(Self {
            logs: LogStore::open(&dir.join("logs"), options, config.max_line_bytes)?,
            traces: TraceStore::open(&dir.join("traces"), options)?,
            dir: dir.clone(),
            retention: Mutex::new(()),
        })
    }

    /// Opens the store and starts the background committer and retention.
    pub fn start(config: StoreConfig) -> Result<StoreHandle> {
        let store = Arc::new(Self::open(&config)?);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (store, stop, dir) = (store.clone(), stop.clone(), config.dir.clone());
            std::thread::Builder::new()
                .name("loqui-store".into())
                .spawn(move || background(&store, &config, &stop))
                .map_err(|e| StoreError::io(&dir, e))?
        };
        Ok(StoreHandle {
            store,
            stop,
            thread: Some(thread),
        })
    }

    /// Commits logs and traces: everything pushed before becomes searchable.
    pub fn commit(&self) -> Result<()> {
        self.logs.commit()?;
        self.traces.commit()?;
        Ok(())
    }

    /// Applies `policy` now, taking `now_ns` as the present.
    pub fn retain(&self, policy: &Retention, now_ns: i64) -> Result<RetentionReport> {
        let _one_at_a_time = self.retention.lock().expect("retention lock");
        retention::run(self, policy, now_ns)
    }

    /// Bytes the store takes on disk.
    pub fn disk_bytes(&self) -> u64 {
        table::dir_size(&self.dir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl StoreHandle {
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }
}

impl std::ops::Deref for StoreHandle {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl Drop for StoreHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        if let Err(e) = self.store.commit() {
            tracing::error!(error = %e, "final commit of the embedded store failed");
        }
    }
}

fn background(store: &Store, config: &StoreConfig, stop: &AtomicBool) {
    let tick = config.commit_interval.unwrap_or(Duration::from_secs(1));
    let mut last_retention = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(tick);
        if config.commit_interval.is_some()
            && let Err(e) = store.commit().and_then(|()| store.logs.warm())
        {
            tracing::error!(error = %e, "background commit failed");
        }
        let has_policy = config.retention.max_age.is_some() || config.retention.max_bytes.is_some();
        if has_policy && last_retention.elapsed() >= config.retention_interval {
            last_retention = Instant::now();
            if let Err(e) = store.retain(&config.retention, now_ns()) {
                tracing::error!(error = %e, "retention failed");
            }
        }
    }
}

/// The present in unix nanoseconds.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}
