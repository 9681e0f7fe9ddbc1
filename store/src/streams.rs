//! The stream table: stream id to label set, with each stream's time span so label queries
//! over a time range can skip streams without data there. Saved to `streams.json` before
//! every tantivy commit; the time spans are rebuilt from the index on open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use loqui_core::{Labels, TimeRange};

use crate::error::{Result, StoreError};
use crate::matcher::{LabelMatcher, matches_all};

pub type StreamId = u64;

#[derive(Debug, Clone)]
pub(crate) struct StreamInfo {
    pub(crate) labels: Arc<Labels>,
    pub(crate) min_ts: i64,
    pub(crate) max_ts: i64,
    pub(crate) lines: u64,
}

impl StreamInfo {
    fn overlaps(&self, range: &TimeRange) -> bool {
        self.lines > 0 && self.min_ts < range.end_ns && self.max_ts >= range.start_ns
    }
}

#[derive(Default)]
pub(crate) struct StreamTable {
    by_labels: HashMap<Arc<Labels>, StreamId>,
    pub(crate) streams: Vec<StreamInfo>,
    path: PathBuf,
    saved: usize,
}

impl StreamTable {
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let mut table = Self {
            path: path.to_owned(),
            ..Self::default()
        };
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(table),
            Err(e) => return Err(StoreError::io(path, e)),
        };
        let sets: Vec<Labels> = serde_json::from_slice(&text).map_err(|e| StoreError::Corrupt {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        for labels in sets {
            table.intern(&labels);
        }
        table.saved = table.streams.len();
        Ok(table)
    }

    /// The id of `labels`, added when new.
    pub(crate) fn intern(&mut self, labels: &Labels) -> StreamId {
        if let Some(id) = self.by_labels.get(labels) {
            return *id;
        }
        let id = self.streams.len() as StreamId;
        let labels = Arc::new(labels.clone());
        self.by_labels.insert(labels.clone(), id);
        self.streams.push(StreamInfo {
            labels,
            min_ts: i64::MAX,
            max_ts: i64::MIN,
            lines: 0,
        });
        id
    }

    pub(crate) fn note(&mut self, id: StreamId, ts: i64) {
        let s = &mut self.streams[id as usize];
        s.min_ts = s.min_ts.min(ts);
        s.max_ts = s.max_ts.max(ts);
        s.lines += 1;
    }

    pub(crate) fn reset_stats(&mut self) {
        for s in &mut self.streams {
            s.min_ts = i64::MAX;
            s.max_ts = i64::MIN;
            s.lines = 0;
        }
    }

    /// Streams matching every matcher with data overlapping `range` (any data when `None`).
    pub(crate) fn select(
        &self,
        matchers: &[LabelMatcher],
        range: Option<&TimeRange>,
    ) -> Vec<StreamId> {
        (0..self.streams.len() as StreamId)
            .filter(|id| {
                let s = &self.streams[*id as usize];
                let has_data = match range {
                    Some(r) => s.overlaps(r),
                    None => s.lines > 0,
                };
                has_data && matches_all(matchers, &s.labels)
            })
            .collect()
    }

    pub(crate) fn labels(&self, id: StreamId) -> Arc<Labels> {
        self.streams[id as usize].labels.clone()
    }

    /// Writes the table when streams were added since the last save (atomic rename).
    pub(crate) fn save(&mut self) -> Result<()> {
        if self.saved == self.streams.len() {
            return Ok(());
        }
        let sets: Vec<&Labels> = self.streams.iter().map(|s| s.labels.as_ref()).collect();
        let bytes = serde_json::to_vec(&sets).expect("label sets serialize");
        let tmp = self.path.with_extension("json.tmp");
        let io = |e| StoreError::io(&tmp, e);
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(&bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| StoreError::io(&self.path, e))?;
        if let Some(dir) = self.path.parent() {
            crate::wal::sync_dir(dir)?;
        }
        self.saved = self.streams.len();
        Ok(())
    }
}
