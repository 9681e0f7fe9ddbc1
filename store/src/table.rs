//! One durable tantivy index with its write-ahead log: the part logs and spans share.
//!
//! A write appends its batch to the log (fsynced when durable), then adds the documents to the
//! index writer, both under one lock, so a tantivy commit (which takes the same lock) always
//! holds whole batches. The commit records the last batch's seq as its payload; on open, the log
//! records above it are replayed. Queries see what the last commit holds.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::directory::MmapDirectory;
use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use crate::error::{Result, StoreError};
use crate::wal::Wal;

/// How a write is made durable before it is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Append to the write-ahead log and fsync it: survives `kill -9` and power loss.
    #[default]
    Fsync,
    /// Append to the write-ahead log without fsync: survives `kill -9` (the kernel has the
    /// bytes) but not a power loss.
    WalNoSync,
    /// No write-ahead log: only committed data survives. For bulk loads that can be redone
    /// (the demo data).
    None,
}

/// How a table writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableOptions {
    pub(crate) durability: Durability,
    /// tantivy indexing threads; each has its own share of the memory budget.
    pub(crate) index_threads: usize,
}

pub(crate) struct Table {
    pub(crate) index: Index,
    reader: IndexReader,
    inner: Mutex<Inner>,
    durability: Durability,
    dir: PathBuf,
}

struct Inner {
    writer: IndexWriter,
    wal: Wal,
    next_seq: u64,
    /// Writes not yet in a tantivy commit.
    dirty: bool,
}

/// Tantivy's writer memory budget per table: the bound on ingest memory besides the batch.
const WRITER_HEAP: usize = 64 << 20;
pub(crate) const TOKENIZER: &str = "loqui";

impl Table {
    /// Opens the index under `dir` (creating it with `schema`), then replays the log through
    /// `replay`, which adds the documents of one payload. The caller commits the replayed
    /// batches.
    pub(crate) fn open(
        dir: &Path,
        schema: Schema,
        options: TableOptions,
        mut replay: impl FnMut(&IndexWriter, u64, &[u8]) -> Result<()>,
    ) -> Result<Self> {
        let index_dir = dir.join("index");
        std::fs::create_dir_all(&index_dir).map_err(|e| StoreError::io(&index_dir, e))?;
        let mmap = MmapDirectory::open(&index_dir).map_err(|e| StoreError::Corrupt {
            path: index_dir.display().to_string(),
            message: e.to_string(),
        })?;
        let index = Index::open_or_create(mmap, schema)?;
        register_tokenizer(&index);
        let committed = committed_seq(&index)?;
        let threads = options.index_threads.max(1);
        let writer = index.writer_with_num_threads(threads, WRITER_HEAP * threads)?;
        let (wal, records) = Wal::open(&dir.join("wal.log"), committed)?;
        let replayed = records.len();
        let mut next_seq = committed + 1;
        for (seq, payload) in &records {
            replay(&writer, *seq, payload)?;
            next_seq = seq + 1;
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let table = Self {
            index,
            reader,
            inner: Mutex::new(Inner {
                writer,
                wal,
                next_seq,
                dirty: replayed > 0,
            }),
            durability: options.durability,
            dir: dir.to_owned(),
        };
        if replayed > 0 {
            // The owner commits (saving its side tables with the replayed data).
            tracing::info!(dir = %dir.display(), batches = replayed, "replayed the write-ahead log");
        }
        Ok(table)
    }

    /// Logs `payload`, then adds the documents `docs` builds for the batch's seq; returns the
    /// seq once the batch is durable.
    pub(crate) fn write(
        &self,
        payload: &[u8],
        docs: impl FnOnce(u64) -> Vec<TantivyDocument>,
    ) -> Result<u64> {
        let mut inner = self.inner.lock().expect("table lock");
        let seq = inner.next_seq;
        let docs = docs(seq);
        match self.durability {
            Durability::Fsync => inner.wal.append(seq, payload, true)?,
            Durability::WalNoSync => inner.wal.append(seq, payload, false)?,
            Durability::None => {}
        }
        inner.next_seq += 1;
        inner.dirty = true;
        for doc in docs {
            inner.writer.add_document(doc)?;
        }
        Ok(seq)
    }

    /// Commits what was written (after `before`, e.g. saving side tables) and makes it
    /// searchable. Returns false when there was nothing to commit.
    pub(crate) fn commit(&self, before: impl FnOnce() -> Result<()>) -> Result<bool> {
        let mut inner = self.inner.lock().expect("table lock");
        if !inner.dirty {
            return Ok(false);
        }
        before()?;
        let last = inner.next_seq - 1;
        let mut prepared = inner.writer.prepare_commit()?;
        prepared.set_payload(&last.to_string());
        prepared.commit()?;
        inner.wal.reset()?;
        inner.dirty = false;
        drop(inner);
        self.reader.reload()?;
        Ok(true)
    }

    /// Runs `f` with the writer while no write can interleave (deletes, merges).
    pub(crate) fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T>,
    ) -> Result<T> {
        let mut inner = self.inner.lock().expect("table lock");
        inner.dirty = true;
        f(&mut inner.writer)
    }

    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Bytes on disk: index files and the write-ahead log.
    pub(crate) fn disk_bytes(&self) -> u64 {
        dir_size(&self.dir)
    }
}

fn committed_seq(index: &Index) -> Result<u64> {
    let metas = index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0))
}

/// Lowercased words split at every non-alphanumeric character, with no length cut-off, so any
/// word of a line can narrow a search.
fn register_tokenizer(index: &Index) {
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer};
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .build();
    index.tokenizers().register(TOKENIZER, analyzer);
}

pub(crate) fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Table {
    pub(crate) fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }
}
