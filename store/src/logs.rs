//! Log lines: durable ingest by stream, and the narrowing calls a LogQL evaluator builds on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use loqui_core::{Direction, Labels, LogLine, LogStream, TimeRange};
use tantivy::query::{AllQuery, Query, RangeQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Searcher, TantivyDocument, Term};

use crate::error::{Result, StoreError, WriteReport};
use crate::hits::{Hits, sort_hits};
use crate::lines::{LineIter, load_line};
use crate::matcher::LabelMatcher;
use crate::narrow::{all_of, contains_query, term_set};
use crate::streams::{StreamId, StreamTable};
use crate::table::{TOKENIZER, Table, TableOptions};
use crate::validate;
use crate::words::WordCache;

/// Lines per batch: the line's order key is `batch seq << 20 | index in batch`.
pub const MAX_BATCH_LINES: usize = 1 << 20;

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    stream: Field,
    ts: Field,
    seq: Field,
    pub(crate) line: Field,
    meta: Field,
    pub(crate) meta_json: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        stream: b.add_u64_field("stream", INDEXED | FAST),
        ts: b.add_i64_field("ts", INDEXED | FAST),
        seq: b.add_u64_field("seq", FAST),
        line: b.add_text_field("line", text),
        meta: b.add_text_field("meta", STRING),
        meta_json: b.add_text_field("meta_json", STORED),
    };
    (b.build(), fields)
}

/// What to read: streams by label matchers, a time range, words the line must contain (exact,
/// case-sensitive substrings; the index narrows by their words, the store verifies), and
/// structured-metadata equalities.
#[derive(Debug, Clone)]
pub struct LogSelect {
    pub matchers: Vec<LabelMatcher>,
    pub range: TimeRange,
    pub contains: Vec<String>,
    pub metadata: Vec<(String, String)>,
    pub direction: Direction,
    pub limit: Option<usize>,
}

impl LogSelect {
    pub fn new(matchers: Vec<LabelMatcher>, range: TimeRange) -> Self {
        Self {
            matchers,
            range,
            contains: Vec::new(),
            metadata: Vec::new(),
            direction: Direction::Backward,
            limit: None,
        }
    }
}

/// One line with its stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLine {
    pub stream: StreamId,
    pub labels: Arc<Labels>,
    pub line: LogLine,
}

/// Line counts of one stream per time bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamCounts {
    pub stream: StreamId,
    pub labels: Arc<Labels>,
    /// `counts[i]` covers `[range.start + i*step, range.start + (i+1)*step)`.
    pub counts: Vec<u64>,
}

pub struct LogStore {
    table: Table,
    fields: Fields,
    streams: Arc<RwLock<StreamTable>>,
    max_line_bytes: usize,
    words: WordCache,
}

impl LogStore {
    pub(crate) fn open(dir: &Path, options: TableOptions, max_line_bytes: usize) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let (schema, fields) = schema();
        let streams = Arc::new(RwLock::new(StreamTable::load(&dir.join("streams.json"))?));
        let replay_streams = streams.clone();
        let table = Table::open(dir, schema, options, |writer, seq, payload| {
            let batch: Vec<LogStream> = decode(dir, payload)?;
            let mut st = replay_streams.write().expect("streams lock");
            for doc in build_docs(&fields, &mut st, &batch, seq) {
                writer.add_document(doc)?;
            }
            Ok(())
        })?;
        let store = Self {
            table,
            fields,
            streams,
            max_line_bytes,
            words: WordCache::default(),
        };
        // Commit what the log replayed, with the streams it added: the ids in the index must
        // always be in the saved stream table.
        store.commit()?;
        store.rebuild_stream_stats();
        Ok(store)
    }

    /// Stores the valid lines of `batch` and reports the others. Returns once the accepted
    /// lines are durable (per the store's durability); they are searchable after the next
    /// commit.
    pub fn push(&self, batch: &[LogStream]) -> Result<WriteReport> {
        let (accepted, rejected) = validate::log_batch(batch, self.max_line_bytes);
        let count: usize = accepted.iter().map(|s| s.lines.len()).sum();
        if count == 0 {
            return Ok(WriteReport {
                seq: None,
                accepted: 0,
                rejected,
            });
        }
        let payload = serde_json::to_vec(&accepted).expect("log streams serialize");
        let seq = self.table.write(&payload, |seq| {
            let mut st = self.streams.write().expect("streams lock");
            build_docs(&self.fields, &mut st, &accepted, seq)
        })?;
        Ok(WriteReport {
            seq: Some(seq),
            accepted: count,
            rejected,
        })
    }

    /// Makes everything pushed so far searchable (and committed). Returns false if there was
    /// nothing new.
    pub fn commit(&self) -> Result<bool> {
        self.table
            .commit(|| self.streams.write().expect("streams lock").save())
    }

    /// Prepares the word lists of new segments (the background thread calls this after
    /// commits).
    pub fn warm(&self) -> Result<()> {
        self.words.warm(&self.table.searcher(), self.fields.line)
    }

    /// Lines matching `select` in time order, loaded lazily: stop iterating to stop reading.
    pub fn select(&self, select: &LogSelect) -> Result<LineIter> {
        let searcher = self.table.searcher();
        let Some(query) = self.query(&searcher, select)? else {
            return Ok(LineIter::empty(searcher, self.fields));
        };
        let mut hits = searcher.search(query.as_ref(), &self.hits())?;
        let backward = select.direction == Direction::Backward;
        // Candidates still to verify cannot be cut at the limit.
        let cut = if select.contains.is_empty() {
            select.limit
        } else {
            None
        };
        sort_hits(&mut hits, backward, cut);
        Ok(LineIter {
            searcher,
            fields: self.fields,
            streams: self.streams.clone(),
            hits: hits.into_iter(),
            contains: select.contains.clone(),
            left: select.limit.unwrap_or(usize::MAX),
        })
    }

    /// Lines per stream per `step_ns` bucket over `select.range` (direction and limit ignored).
    /// Exact: `contains` words are verified against the lines.
    pub fn count_by_step(&self, select: &LogSelect, step_ns: i64) -> Result<Vec<StreamCounts>> {
        if step_ns <= 0 {
            return Err(StoreError::InvalidArgument(format!(
                "step must be positive, got {step_ns}ns; use e.g. 60s"
            )));
        }
        let range = select.range;
        let buckets = (range.len_ns() + step_ns - 1) / step_ns;
        let searcher = self.table.searcher();
        let Some(query) = self.query(&searcher, select)? else {
            return Ok(Vec::new());
        };
        let hits = searcher.search(query.as_ref(), &self.hits())?;
        let mut by_stream: BTreeMap<StreamId, Vec<u64>> = BTreeMap::new();
        for hit in hits {
            if !select.contains.is_empty() {
                let line = load_line(&searcher, &self.fields, hit.addr)?;
                if !select.contains.iter().all(|c| line.contains(c.as_str())) {
                    continue;
                }
            }
            let b = ((hit.ts - range.start_ns) / step_ns) as usize;
            by_stream
                .entry(hit.tag)
                .or_insert_with(|| vec![0; buckets as usize])[b] += 1;
        }
        let st = self.streams.read().expect("streams lock");
        Ok(by_stream
            .into_iter()
            .map(|(stream, counts)| StreamCounts {
                stream,
                labels: st.labels(stream),
                counts,
            })
            .collect())
    }

    /// Label names of the streams matching `matchers` with data in `range`.
    pub fn label_names(&self, matchers: &[LabelMatcher], range: Option<&TimeRange>) -> Vec<String> {
        let names: BTreeSet<String> = self
            .series(matchers, range)
            .iter()
            .flat_map(|l| l.keys().cloned())
            .collect();
        names.into_iter().collect()
    }

    /// Values of label `name` among the streams matching `matchers` with data in `range`.
    pub fn label_values(
        &self,
        name: &str,
        matchers: &[LabelMatcher],
        range: Option<&TimeRange>,
    ) -> Vec<String> {
        let values: BTreeSet<String> = self
            .series(matchers, range)
            .iter()
            .filter_map(|l| l.get(name).cloned())
            .collect();
        values.into_iter().collect()
    }

    /// Label sets of the streams matching `matchers` with data in `range` (stream granularity:
    /// a stream counts when its first-to-last span overlaps the range).
    pub fn series(&self, matchers: &[LabelMatcher], range: Option<&TimeRange>) -> Vec<Arc<Labels>> {
        let st = self.streams.read().expect("streams lock");
        st.select(matchers, range)
            .into_iter()
            .map(|id| st.labels(id))
            .collect()
    }

    /// Deletes lines older than `cutoff_ns` (committed with the next commit).
    pub(crate) fn delete_before(&self, cutoff_ns: i64) -> Result<()> {
        let q = RangeQuery::new(
            std::ops::Bound::Unbounded,
            std::ops::Bound::Excluded(Term::from_field_i64(self.fields.ts, cutoff_ns)),
        );
        self.table
            .with_writer(|w| Ok(w.delete_query(Box::new(q)).map(|_| ())?))
    }

    pub(crate) fn table(&self) -> &Table {
        &self.table
    }

    /// Recomputes each stream's time span and line count from the committed index.
    pub(crate) fn rebuild_stream_stats(&self) {
        let searcher = self.table.searcher();
        let hits = searcher.search(&AllQuery, &self.hits()).unwrap_or_default();
        let mut st = self.streams.write().expect("streams lock");
        st.reset_stats();
        for h in hits {
            if (h.tag as usize) < st.streams.len() {
                st.note(h.tag, h.ts);
            }
        }
    }

    /// Time stamps of all committed lines (for size-based retention).
    pub(crate) fn all_times(&self) -> Result<Vec<i64>> {
        let hits = self.table.searcher().search(&AllQuery, &self.hits())?;
        Ok(hits.into_iter().map(|h| h.ts).collect())
    }

    fn hits(&self) -> Hits {
        Hits {
            ts: "ts",
            seq: "seq",
            tag: "stream",
        }
    }

    /// The index query for `select`, or `None` when no stream matches.
    fn query(&self, searcher: &Searcher, select: &LogSelect) -> Result<Option<Box<dyn Query>>> {
        if select.range.len_ns() == 0 {
            return Ok(None);
        }
        let ids = self
            .streams
            .read()
            .expect("streams lock")
            .select(&select.matchers, Some(&select.range));
        if ids.is_empty() {
            return Ok(None);
        }
        let f = &self.fields;
        let mut parts: Vec<Box<dyn Query>> = vec![
            term_set(ids.iter().map(|id| Term::from_field_u64(f.stream, *id))),
            Box::new(RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_i64(f.ts, select.range.start_ns)),
                std::ops::Bound::Excluded(Term::from_field_i64(f.ts, select.range.end_ns)),
            )),
        ];
        for text in &select.contains {
            parts.extend(contains_query(
                &self.table.index,
                searcher,
                &self.words,
                f.line,
                text,
            )?);
        }
        for (k, v) in &select.metadata {
            parts.push(term_set([Term::from_field_text(f.meta, &meta_term(k, v))]));
        }
        Ok(Some(all_of(parts)))
    }
}

fn meta_term(k: &str, v: &str) -> String {
    format!("{k}\u{0}{v}")
}

fn build_docs(
    f: &Fields,
    st: &mut StreamTable,
    batch: &[LogStream],
    seq: u64,
) -> Vec<TantivyDocument> {
    let mut docs = Vec::with_capacity(batch.iter().map(|s| s.lines.len()).sum());
    for stream in batch {
        let id = st.intern(&stream.labels);
        for line in &stream.lines {
            st.note(id, line.ts_ns);
            let mut doc = TantivyDocument::new();
            doc.add_u64(f.stream, id);
            doc.add_i64(f.ts, line.ts_ns);
            doc.add_u64(f.seq, (seq << 20) | docs.len() as u64);
            doc.add_text(f.line, &line.line);
            if !line.structured_metadata.is_empty() {
                for (k, v) in &line.structured_metadata {
                    doc.add_text(f.meta, meta_term(k, v));
                }
                let json =
                    serde_json::to_string(&line.structured_metadata).expect("labels serialize");
                doc.add_text(f.meta_json, json);
            }
            docs.push(doc);
        }
    }
    docs
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(dir: &Path, payload: &[u8]) -> Result<T> {
    serde_json::from_slice(payload).map_err(|e| StoreError::Corrupt {
        path: dir.join("wal.log").display().to_string(),
        message: e.to_string(),
    })
}
